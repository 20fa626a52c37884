"""What the region report template calls: the numbers (first half) and their presentation (second).

The numbers come from ``levelup.analysis``: ``headline`` is :func:`levelup.analysis.headline`
(definitions there: benchmark = 100 index, growth index, average annual growth, ranks among
peers), ``series`` the same per-region reading for the charts; this module only records what
they read (``ctx.sources``, with sha256) and what is missing and why (``ctx.unavailable``).
Presentation (``header``, ``headline_table``, ``relative_chart``, ``notes`` ...) turns them
into accessible HTML: real tables with captions and header cells, figures as PNG with alt text
generated from what they show and the region's name in every title. Everything shown is also
recorded in ``ctx.exports`` and handed to the renderer by ``finish(ctx)``, which writes the CSV
and XLSX beside the PDF.
"""

from __future__ import annotations

import base64
import html
import io
import json
import textwrap
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

import levelup
from levelup import analysis
from levelup.analysis import HEADLINE, MEASURES, _memo  # noqa: F401 - re-exported for the template and model_sections
from levelup.errors import LevelupError
from levelup.report.params import RegionRef, resolve_region

#: Okabe-Ito colour-blind-safe palette (Okabe and Ito 2008), darkest-first for contrast on white.
PALETTE = {
    "region": "#0072B2",  # blue, 5.1:1 on white
    "parent": "#D55E00",  # vermillion, 3.9:1
    "benchmark": "#000000",
    "others": ["#009E73", "#CC79A7", "#56B4E9", "#E69F00"],
}
EXPORT_MIME = "application/vnd.levelup.exports+json"


# --------------------------------------------------------------------------------------------
# numbers
# --------------------------------------------------------------------------------------------
@dataclass
class Context:
    """Everything a report shows, computed once at the top of the template."""

    region: RegionRef
    benchmark: RegionRef
    parent: RegionRef | None
    comparators: list[RegionRef]
    start_year: int | None
    end_year: int | None
    headline: pd.DataFrame = field(default_factory=pd.DataFrame)
    relative: dict[str, pd.DataFrame] = field(default_factory=dict)
    unavailable: dict[str, str] = field(default_factory=dict)
    sources: dict[str, dict] = field(default_factory=dict)
    exports: list[dict] = field(default_factory=list)
    figures: list[str] = field(default_factory=list)


UK = RegionRef("UK", "UK", "uk")


def _record_source(ctx: Context, source_id: str) -> None:
    if source_id in ctx.sources:
        return
    from levelup.data import get_source
    from levelup.data.fetch import fetch_files, sha256_of

    src = get_source(source_id)
    # sha256_of remembers each file's digest while its size and mtime are unchanged
    files = {f.filename: sha256_of(p) for f, p in zip(src.files, fetch_files(source_id, progress=False))}
    ctx.sources[source_id] = {"title": src.title, "release": src.release, "publisher": src.publisher, "files": files}


def _absorb(ctx: Context, sources: Iterable[str], reasons: dict[str, str]) -> None:
    """Record what the numbers read (files with sha256) and why a measure is unavailable."""
    for src in sources:
        _record_source(ctx, src)
    for measure, why in reasons.items():
        ctx.unavailable.setdefault(measure, why)


def series(ctx: Context, measure: str, ref: RegionRef) -> pd.Series | None:
    """The measure for one region by year (None when unavailable, the reason kept in ``ctx.unavailable``).

    As :func:`levelup.analysis.headline` reads it: ITL regions and local authorities the published
    row, combined authorities and custom places ``levelup.geo.aggregate`` (ratios of sums), and the
    UK benchmark of a local or combined authority from the same file and vintage as its data.
    """
    reads = analysis._Reads()
    s = analysis._place_series(reads, measure, ref, ctx.region)
    _absorb(ctx, reads.sources, reads.reasons)
    return s


def headline(ctx: Context) -> pd.DataFrame:
    """The headline table of :func:`levelup.analysis.headline` for the report's region and benchmark.

    Columns: ``measure, label, unit, source, first_year, year, value, index, first_index,
    change, rank, peers`` (definitions in :func:`levelup.analysis.headline`). The sources read
    go to ``ctx.sources`` and the reasons a measure is missing to ``ctx.unavailable``.
    """
    res = analysis.headline(ctx.region, benchmark=ctx.benchmark, start_year=ctx.start_year, end_year=ctx.end_year)
    _absorb(ctx, res.sources, res.reasons())
    return res.to_frame()


def relative(ctx: Context, measure: str) -> pd.DataFrame | None:
    """Years x lines (region, parent, comparators) of ``100 * x / x_benchmark``."""
    b = series(ctx, measure, ctx.benchmark)
    if b is None:
        return None
    lines = {}
    for ref in [ctx.region, ctx.parent, *ctx.comparators]:
        if ref is None or ref.code == ctx.benchmark.code:
            continue
        s = series(ctx, measure, ref)
        if s is not None:
            lines[ref.name] = analysis._in_years(100 * s / b, ctx.start_year, ctx.end_year)
    if ctx.region.name not in lines or lines[ctx.region.name].empty:
        return None
    return pd.DataFrame(lines).dropna(how="all").sort_index()


def context(
    region: str,
    level: str | None = None,
    benchmark: str = "UK",
    start_year: int | None = None,
    end_year: int | None = None,
    comparators: list | None = None,
) -> Context:
    """Resolve the regions and compute every number the report shows."""
    ref = resolve_region(region, level)
    bench = UK if str(benchmark).strip().upper() == "UK" else resolve_region(benchmark)
    parent = None
    if ref.parent and ref.parent != "UK":
        try:
            parent = resolve_region(ref.parent)
        except LevelupError:
            parent = None
    comps = [resolve_region(str(c)) for c in (comparators or [])]
    ctx = Context(ref, bench, parent, comps, start_year, end_year)
    ctx.headline = headline(ctx)
    for m in ("gdp_per_head", "gva_per_hour"):
        rel = relative(ctx, m)
        if rel is not None:
            ctx.relative[m] = rel
    _export_numbers(ctx)
    return ctx


def _export_numbers(ctx: Context) -> None:
    src = lambda m: ctx.sources.get(MEASURES[m][2], {}).get("release", "")  # noqa: E731
    for row in ctx.headline.dropna(subset=["value"]).itertuples():
        for stat in ("value", "index", "first_index", "change", "rank", "peers"):
            ctx.exports.append({
                "section": "2 Headline", "table": "headline", "statistic": stat, "geo_code": ctx.region.code,
                "geo_name": ctx.region.name, "measure": row.measure, "year": int(row.year),
                "first_year": int(row.first_year), "value": getattr(row, stat),
                "unit": row.unit if stat == "value" else ("index points" if stat == "change" else ""),
                "benchmark": ctx.benchmark.code, "source": row.source, "release": src(row.measure),
            })
    for m, frame in ctx.relative.items():
        for name, col in frame.items():
            for year, v in col.dropna().items():
                ctx.exports.append({
                    "section": "3 Charts", "table": f"relative_{m}", "statistic": "index", "geo_code": "",
                    "geo_name": name, "measure": m, "year": int(year), "first_year": None, "value": float(v),
                    "unit": f"{ctx.benchmark.name} = 100", "benchmark": ctx.benchmark.code,
                    "source": MEASURES[m][2], "release": src(m),
                })


# --------------------------------------------------------------------------------------------
# presentation
# --------------------------------------------------------------------------------------------
class Block:
    """HTML shown as a cell's output (``text/html``)."""

    def __init__(self, html_text: str):
        self.html = html_text

    def _repr_html_(self) -> str:
        return self.html

    def __repr__(self) -> str:
        return "<levelup report block>"


def _e(x: Any) -> str:
    return html.escape(str(x))


def ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def fmt_value(measure: str, v: float) -> str:
    """Display of a headline value: ``GBP 24,575``, ``1.2% a year``, ``2,647,000``."""
    if measure == "real_gdp_per_head":
        return f"{v:.1f}% a year"
    if measure == "population":
        return f"{v:,.0f}"
    return f"£{v:,.0f}" if measure != "gva_per_hour" else f"£{v:,.2f}"


def fmt_change(measure: str, v: float) -> str:
    kind = MEASURES[measure][4]
    return f"{v:+.1f} points" if kind == "level" else f"{v:+.1f}%"


def header(ctx: Context) -> Block:
    """Section 1: name, code, level, parent, benchmark and the data releases used (sha256)."""
    r = ctx.region
    level = {"itl1": "ITL1 region", "itl2": "ITL2 region", "itl3": "ITL3 region", "place": "custom place",
             "cauth": "combined authority", "lad": "local authority"}.get(r.level, r.level)
    parent = f"{ctx.parent.name} ({ctx.parent.code})" if ctx.parent else "United Kingdom"
    rows = [("Code", r.code), ("Level", level), ("Parent region", parent), ("Benchmark", ctx.benchmark.name)]
    if r.level in ("place", "cauth"):
        rows.append((f"Made of ({'ITL3 units' if r.member_level == 'itl3' else 'local authorities'})", ", ".join(r.members)))
    facts = "".join(f"<tr><th scope='row'>{_e(k)}</th><td>{_e(v)}</td></tr>" for k, v in rows)
    rel = "".join(
        f"<li>{_e(s['publisher'])}, <cite>{_e(s['title'])}</cite>, released {_e(s['release'])}</li>"
        for _, s in sorted(ctx.sources.items())
    )
    return Block(
        f"<header class='report-header'><h1>{_e(r.name)}</h1>"
        f"<p class='subtitle'>Regional economic profile: output, productivity and income against the "
        f"{_e(ctx.benchmark.name)}</p>"
        f"<table class='facts'><caption>About this report</caption><tbody>{facts}</tbody></table>"
        f"<h2 class='small'>Data releases used</h2><ul class='releases'>{rel}</ul>"
        "<p class='tablenote'>The files and their sha256 checksums are listed in the notes at the end.</p></header>"
    )


def headline_table(ctx: Context) -> Block:
    """Section 2: the headline table as a real HTML table (caption, header cells, units)."""
    b = ctx.benchmark.name
    h = ctx.headline
    body = []
    for row in h.itertuples():
        if pd.isna(row.value):
            why = "not available for this area" if row.measure not in ctx.unavailable else "data not available"
            body.append(f"<tr><th scope='row'>{_e(row.label)}</th><td colspan='4' class='na'>{why}</td></tr>")
            continue
        rank = f"{ordinal(int(row.rank))} of {int(row.peers)}" if pd.notna(row.rank) else "not ranked"
        y0, y1 = int(row.first_year), int(row.year)  # NaN rows elsewhere make the columns float
        period = f"{y0}-{y1}" if MEASURES[row.measure][4] == "growth" else f"{y1}"
        index_note = "" if MEASURES[row.measure][4] == "level" else f" (growth since {y0})"
        body.append(
            f"<tr><th scope='row'>{_e(row.label)}<br><span class='unit'>{_e(row.unit)}</span></th>"
            f"<td>{_e(fmt_value(row.measure, row.value))} <span class='year'>({period})</span></td>"
            f"<td>{row.index:.1f}{_e(index_note)}</td><td>{_e(rank)}</td>"
            f"<td>{_e(fmt_change(row.measure, row.change))} since {y0}</td></tr>"
        )
    peers = {"itl1": "ITL1 regions", "itl2": "ITL2 regions", "itl3": "ITL3 regions", "lad": "local authorities",
             "cauth": "combined authorities"}.get(ctx.region.level, "places")
    return Block(
        f"<table class='headline'><caption>Headline indicators for {_e(ctx.region.name)}, {_e(b)} = 100</caption>"
        f"<thead><tr><th scope='col'>Indicator</th><th scope='col'>Latest</th><th scope='col'>{_e(b)} = 100</th>"
        f"<th scope='col'>Rank among {peers} (1 = highest)</th><th scope='col'>Change</th></tr></thead>"
        f"<tbody>{''.join(body)}</tbody></table>"
        "<p class='tablenote'>Change is in index points for levels, and per cent for real growth and population. "
        "Real GDP per head growth is the average annual rate; its index compares cumulative growth.</p>"
    )


def headline_text(ctx: Context) -> Block:
    """One plain-English paragraph on GDP per head from the headline numbers."""
    h = ctx.headline.set_index("measure")
    if "gdp_per_head" not in h.index or pd.isna(h.loc["gdp_per_head", "value"]):
        return Block("<p>GDP per head is not available for this area.</p>")
    g = h.loc["gdp_per_head"]
    side = "below" if g["index"] < 100 else "above"
    trend = "narrowed" if abs(g["index"] - 100) < abs(g["first_index"] - 100) else "widened"
    return Block(
        f"<p>In {int(g['year'])}, GDP per head in {_e(ctx.region.name)} was {_e(fmt_value('gdp_per_head', g['value']))}, "
        f"{abs(g['index'] - 100):.1f}% {side} the {_e(ctx.benchmark.name)} average ({g['index']:.1f} against "
        f"{ctx.benchmark.name} = 100). Since {int(g['first_year'])} the gap has {trend} "
        f"(from {g['first_index']:.1f}).</p>"
    )


def _trend_word(a: float, b: float) -> str:
    if abs(b - a) < 0.5:
        return f"roughly flat at {b:.0f}"
    return f"{'rising' if b > a else 'falling'} from {a:.0f} to {b:.0f}"


def relative_chart(ctx: Context, measure: str) -> Block:
    """Section 3: a line chart of ``measure`` relative to the benchmark, with generated alt text."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    label = {"gdp_per_head": "GDP per head", "gva_per_hour": "GVA per hour worked"}[measure]
    frame = ctx.relative.get(measure)
    if frame is None:
        why = ctx.unavailable.get(measure, "not available for this area")
        return Block(f"<p class='na'>{_e(label)} relative to the {_e(ctx.benchmark.name)} is not shown for "
                     f"{_e(ctx.region.name)}: {_e(_reason(ctx, measure, why))}.</p>")
    b = ctx.benchmark.name
    title = f"{label} in {ctx.region.name} relative to the {b} ({b} = 100)"
    fig = Figure(figsize=(7.2, 3.3), dpi=110)
    FigureCanvasAgg(fig)
    ax = fig.add_axes((0.08, 0.13, 0.62, 0.74))
    ax.axhline(100, color=PALETTE["benchmark"], lw=1, ls="--", label=f"{b} = 100")
    styles = [(PALETTE["region"], "-", 2.4)] + [(PALETTE["parent"], "-.", 1.8)] * (ctx.parent is not None)
    styles += [(c, ":", 1.6) for c in PALETTE["others"]]
    for (name, col), (colour, ls, lw) in zip(frame.items(), styles):
        ax.plot(col.index, col.values, color=colour, ls=ls, lw=lw, label=textwrap.fill(name, 24))  # fits the margin
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_title(title, fontsize=10, loc="left")
    ax.set_ylabel(f"{b} = 100")
    ax.grid(axis="y", color="#dddddd", lw=0.6)
    ax.spines[["top", "right"]].set_visible(False)
    ax.legend(loc="center left", bbox_to_anchor=(1.02, 0.5), frameon=False, fontsize=8)
    reg = frame[ctx.region.name].dropna()
    alt = (f"Line chart: {label} in {ctx.region.name} relative to the {b}, {reg.index.min()}-{reg.index.max()}, "
           f"{_trend_word(reg.iloc[0], reg.iloc[-1])}.")
    others = [c for c in frame.columns if c != ctx.region.name]
    if others:
        alt += " Also shown: " + "; ".join(
            f"{c}, {_trend_word(frame[c].dropna().iloc[0], frame[c].dropna().iloc[-1])}" for c in others
        ) + "."
    release = ctx.sources.get(MEASURES[measure][2], {}).get("release", "")
    return _figure(ctx, fig, title, alt, f"ONS ({release} release)")


def _figure(ctx: Context, fig: Any, title: str, alt: str, source: str) -> Block:
    """A matplotlib figure as an accessible HTML figure (PNG titled ``title``, alt text, caption)."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", metadata={"Title": title, "Software": None})
    return _image(ctx, buf.getvalue(), title, alt, source)


def _image(ctx: Context, png: bytes, title: str, alt: str, source: str) -> Block:
    """PNG bytes as an accessible HTML figure (alt text recorded in ``ctx.figures``, caption with source)."""
    ctx.figures.append(alt)
    data = base64.b64encode(png).decode()
    return Block(
        f"<figure class='chart'><img src='data:image/png;base64,{data}' alt='{_e(alt)}' width='720'>"
        f"<figcaption>{_e(title)}. Source: {_e(source)}.</figcaption></figure>"
    )


def placeholder(number: int | str, title: str, what: str) -> Block:
    """A clearly marked section still to come (filled in as the models land)."""
    return Block(f"<section class='placeholder' data-placeholder='{_e(number)}'><p><em>{_e(title)}: {_e(what)} "
                 "This section will be added in a later version of the report.</em></p></section>")


_LEVEL_NAMES = {"lad": "local authorities", "cauth": "combined authorities", "itl1": "ITL1 regions",
                "itl2": "ITL2 regions", "itl3": "ITL3 regions", "place": "custom places"}


def _plain(ctx: Context, measure: str, why: str) -> str:
    """A reader's sentence for a measure the report could not show: ``"<label>: <reason>"``."""
    return f"{MEASURES.get(measure, (measure.replace('_', ' '),))[0]}: {_reason(ctx, measure, why)}"


def _reason(ctx: Context, measure: str, why: str) -> str:
    """Why a measure is not shown, in a reader's words rather than the library's error text."""
    kind = _LEVEL_NAMES.get(ctx.region.level, "this kind of area")
    if ("no UK total" in why or "cannot be aggregated" in why) and measure == "real_gdp_per_head":
        return ("chained-volume figures do not add up across areas, so the local-authority release gives no UK "
                "or combined total to compare with")
    if "cannot be aggregated" in why:
        return f"ONS does not publish it for {kind}, and it cannot be built from the figures of the areas they are made of"
    if "has no data at level" in why:
        return f"ONS does not publish it for {kind} in the releases used here"
    return why


def notes(ctx: Context) -> Block:
    """Section 8: methods, approximations, OGL attribution, levelup version."""
    items = [
        "<b>Benchmark index.</b> 100 × the area's value ÷ the benchmark's value in the same year. "
        "Rank: position among all areas of the same level (1 = highest), ties sharing the better rank.",
        "<b>Real GDP per head growth.</b> Average annual growth of chained-volume GDP per head (2019 money); "
        "its index divides the area's cumulative growth by the benchmark's.",
        "<b>GVA per hour worked.</b> ONS subregional productivity, current prices, unsmoothed.",
    ]
    if ctx.region.level == "place":
        items.append("<b>Custom places.</b> Built from whole ITL3 units, so the boundary approximates the place; "
                     "per-head and per-hour measures are ratios of sums over those units (GVA per hour: sum of GVA "
                     "over sum of hours worked). Places are not ranked.")
    if ctx.unavailable:
        items.append("<b>Not shown.</b> " + "; ".join(_e(_plain(ctx, k, v)) for k, v in sorted(ctx.unavailable.items())))
    items.append(_e(levelup.OGL_ATTRIBUTION if hasattr(levelup, "OGL_ATTRIBUTION") else ""))
    files = "".join(
        f"<li><span class='file'>{_e(fn)}</span> <span class='sha'><code>{_e(h)}</code></span></li>"
        for _, src in sorted(ctx.sources.items()) for fn, h in src["files"].items()
    )
    if files:
        items.append(f"<b>Files read</b> (as published, checked against these sha256):<ul class='files'>{files}</ul>")
    items.append(f"Produced with levelup {_e(levelup.__version__)}.")
    return Block("<ul class='notes'>" + "".join(f"<li>{i}</li>" for i in items) + "</ul>")


def finish(ctx: Context) -> Any:
    """Hand the numbers behind the report to the renderer (a hidden output, not shown)."""
    from IPython.display import display

    payload = {
        "region": {"code": ctx.region.code, "name": ctx.region.name, "level": ctx.region.level},
        "benchmark": ctx.benchmark.code,
        "sources": ctx.sources,
        "figures": ctx.figures,
        "levelup": levelup.__version__,
        "records": json.loads(pd.DataFrame(ctx.exports).to_json(orient="records", double_precision=15)) if ctx.exports else [],
    }
    display({EXPORT_MIME: payload}, raw=True)
