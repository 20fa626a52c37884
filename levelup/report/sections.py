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
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

import levelup
from levelup import analysis
from levelup.analysis import HEADLINE, MEASURES, UK, Missing, stored  # noqa: F401 - re-exported for model_sections
from levelup.geo import Region
from levelup.geo.levels import LEVELS

EXPORT_MIME = "application/vnd.levelup.exports+json"
#: What a report compared across releases says (asked for with ``mix_vintages=True``).
MIXED_VINTAGES = ("mixed on request: the area's figures and the benchmark's come from different ONS releases "
                  "(local-authority and ITL tables), so part of a gap may be revision rather than economics")


# --------------------------------------------------------------------------------------------
# numbers
# --------------------------------------------------------------------------------------------
@dataclass
class Context:
    """Everything a report shows, computed once at the top of the template."""

    region: Region
    benchmark: Region
    parent: Region | None
    comparators: list[Region]
    start_year: int | None
    end_year: int | None
    mix_vintages: bool = False
    headline: pd.DataFrame = field(default_factory=pd.DataFrame)
    relative: dict[str, pd.DataFrame] = field(default_factory=dict)
    unavailable: dict[str, str] = field(default_factory=dict)
    sources: dict[str, dict] = field(default_factory=dict)
    exports: list[dict] = field(default_factory=list)
    figures: list[str] = field(default_factory=list)
    releases: dict[str, Any] = field(default_factory=dict)  # measure -> the Pair its chart was read from


def _record_source(ctx: Context, source_id: str) -> None:
    if source_id not in ctx.sources:
        ctx.sources[source_id] = analysis.source_release(source_id)


def _absorb(ctx: Context, sources: Iterable[str], reasons: dict[str, str]) -> None:
    """Record what the numbers read (files with sha256) and why a measure is unavailable."""
    for src in sources:
        _record_source(ctx, src)
    for measure, why in reasons.items():
        ctx.unavailable.setdefault(measure, why)


def series(ctx: Context, measure: str, ref: Region) -> pd.Series | None:
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
    """Years x lines (region, parent, comparators) of ``100 * x / x_benchmark``, every line from the
    file and release of the region's own headline figure (:func:`levelup.analysis.measure_pair`);
    a line that release lacks is left out. The release is kept in ``ctx.releases[measure]``."""
    from levelup.analysis.headline import measure_pair
    from levelup.errors import LevelupError

    bench = None if ctx.benchmark.code == "UK" else ctx.benchmark
    try:
        own = analysis._memo(("pair", measure, ctx.region.code, ctx.region.level, tuple(ctx.region.members),
                              None if bench is None else bench.code),
                             lambda: measure_pair(measure, ctx.region, benchmark=bench))
    except LevelupError as exc:
        ctx.unavailable.setdefault(measure, analysis.missing_reason(exc))
        return None
    _record_source(ctx, own.source)
    ctx.releases[measure] = own
    lines = {ctx.region.name: analysis._in_years(100 * own.place / own.uk, ctx.start_year, ctx.end_year)}
    for ref in [ctx.parent, *ctx.comparators]:
        if ref is None or ref.code == ctx.benchmark.code:
            continue
        try:
            p = measure_pair(own.measure, ref, benchmark=bench, source=own.source)
        except LevelupError:
            continue
        name = ref.name if ref.name not in lines else f"{ref.name} ({LEVELS[ref.level].singular})"
        lines[name] = analysis._in_years(100 * p.place / p.uk, ctx.start_year, ctx.end_year)
    if lines[ctx.region.name].dropna().empty:
        return None
    return pd.DataFrame(lines).dropna(how="all").sort_index()


def context(
    region: str,
    level: str | None = None,
    benchmark: str = "UK",
    start_year: int | None = None,
    end_year: int | None = None,
    comparators: list | None = None,
    *,
    resolved: dict | None = None,
    mix_vintages: bool = False,
) -> Context:
    """Compute every number the report shows for the regions ``resolved`` holds (the validated
    parameters' regions: nothing is resolved again), or, in a notebook run by hand, for the
    regions the parameters name (resolved and checked as ``levelup report`` does)."""
    if not resolved:
        from levelup.report.params import resolve_regions

        resolved = resolve_regions(region, level, benchmark=benchmark, comparators=comparators,
                                   start_year=start_year, end_year=end_year, mix_vintages=mix_vintages)
    ref = Region.from_dict(resolved["region"])
    bench = UK if not resolved.get("benchmark") else Region.from_dict(resolved["benchmark"])
    parent = Region.from_dict(resolved["parent"]) if resolved.get("parent") else None
    comps = [Region.from_dict(c) for c in resolved.get("comparators") or []]
    ctx = Context(ref, bench, parent, comps, start_year, end_year, bool(mix_vintages))
    ctx.headline = headline(ctx)
    for m in ("gdp_per_head", "gva_per_hour"):
        rel = relative(ctx, m)
        if rel is not None:
            ctx.relative[m] = rel
    _export_numbers(ctx)
    return ctx


def _export_numbers(ctx: Context) -> None:
    src = lambda m: ctx.releases[m].release if m in ctx.releases else ""  # noqa: E731
    for row in ctx.headline.dropna(subset=["value"]).itertuples():
        for stat in ("value", "index", "first_index", "change", "rank", "peers"):
            ctx.exports.append({
                "section": "2 Headline", "table": "headline", "statistic": stat, "geo_code": ctx.region.code,
                "geo_name": ctx.region.name, "measure": row.measure, "year": int(row.year),
                "first_year": int(row.first_year), "value": getattr(row, stat),
                "unit": row.unit if stat == "value" else ("index points" if stat == "change" else ""),
                "benchmark": ctx.benchmark.code, "source": row.source, "release": row.release,
            })
    for m, frame in ctx.relative.items():
        for name, col in frame.items():
            for year, v in col.dropna().items():
                ctx.exports.append({
                    "section": "3 Charts", "table": f"relative_{m}", "statistic": "index", "geo_code": "",
                    "geo_name": name, "measure": m, "year": int(year), "first_year": None, "value": float(v),
                    "unit": f"{ctx.benchmark.name} = 100", "benchmark": ctx.benchmark.code,
                    "source": ctx.releases[m].source, "release": src(m),
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


_TEMPLATES: Any = None


def present(template: str, **values: Any) -> Block:
    """A section's HTML from ``levelup/report/templates/<template>``: Jinja2 with autoescaping,
    so every value (names of places, benchmarks, reasons) reaches the page as text, never markup."""
    global _TEMPLATES
    if _TEMPLATES is None:
        import jinja2

        _TEMPLATES = jinja2.Environment(
            loader=jinja2.PackageLoader("levelup.report", "templates"), autoescape=True,
            undefined=jinja2.StrictUndefined, keep_trailing_newline=False,
        )
    return Block(_TEMPLATES.get_template(template).render(**values).strip())


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
    if measure == "employment_rate":
        return f"{v:.1f}%"
    return f"£{v:,.0f}" if measure != "gva_per_hour" else f"£{v:,.2f}"


def fmt_index(v: float, signed: bool = False) -> str:
    """An index (benchmark = 100) or a difference of indices, to one decimal, thousands separated
    (City of London's GDP per head is 20,650.1): ``87.3``, ``+1.2``, ``-1,489.3``."""
    return f"{v:+,.1f}" if signed else f"{v:,.1f}"


def fmt_change(measure: str, v: float) -> str:
    kind = MEASURES[measure][4]
    return f"{fmt_index(v, signed=True)} points" if kind == "level" else f"{v:+,.1f}%"


def header(ctx: Context) -> Block:
    """Section 1: name, code, level, parent, benchmark and the data releases used (sha256)."""
    r = ctx.region
    level = LEVELS[r.level].singular if r.level in LEVELS else r.level
    parent = f"{ctx.parent.name} ({ctx.parent.code})" if ctx.parent else "United Kingdom"
    rows = [("Code", r.code), ("Level", level), ("Parent region", parent), ("Benchmark", ctx.benchmark.name)]
    if ctx.mix_vintages:
        rows.append(("Vintages", MIXED_VINTAGES))
    if r.level in ("place", "cauth"):
        rows.append((f"Made of ({LEVELS[r.member_level].plural})", ", ".join(r.members)))
    if r.level in ("place", "cauth") and r.member_level == "lad":
        from levelup.geo.lad import lads

        t = lads()
        names = dict(zip(t["code"], t["name"]))
        rows[-1] = ("Made of (councils)", ", ".join(sorted(names.get(c, c) for c in r.members)))
    elif r.level in ("place", "cauth"):
        from levelup.geo.itl import itl_table

        t = itl_table()
        names = dict(zip(t["code"], t["name"]))
        rows[-1] = (rows[-1][0], ", ".join(f"{names.get(c, c)} ({c})" for c in r.members))
    same = analysis._memo(("same_area", r.code, r.level, tuple(r.members)), lambda: _same_area(r))
    if same:
        rows.append(("Same area as", "; ".join(f"{s.name} ({s.code}, {LEVELS[s.level].singular})" for s in same)
                     + ": ONS's figures for it are used where ONS publishes none for " + r.name))
    releases = [_release_line(s) for s in sorted(ctx.sources.values(), key=lambda s: (s["release"], s["title"]),
                                                  reverse=True)]
    return present("header.j2", region=r, benchmark=ctx.benchmark, facts=rows, releases=releases)


def _release_line(src: dict) -> dict:
    """A release as one short line of the header: publisher's initials, the title without its span of
    years or the dataset family, and the release date (the notes list every file with its sha256)."""
    import re

    publisher = src["publisher"].replace("Office for National Statistics", "ONS").replace(
        "Ministry of Housing, Communities and Local Government", "MHCLG")
    title = short_title(src["title"])
    if "(Explore Local Statistics)" in title:
        title = title.replace(" (Explore Local Statistics)", "")
        publisher = "ONS Explore Local Statistics"
    if len(title) > 70:
        title = re.split(r", | \(", title)[0]
    return {"publisher": publisher, "title": title, "release": src["release"]}


def _same_area(r: Region) -> list:
    from levelup.analysis.members import same_area

    return same_area(r)


def headline_table(ctx: Context) -> Block:
    """Section 2: the headline table as a real HTML table (caption, header cells, units)."""
    rows = []
    for row in ctx.headline.itertuples():
        if pd.isna(row.value):
            why = _reason(ctx, row.measure, ctx.unavailable.get(row.measure, ""))
            rows.append({"label": row.label, "missing": why})
            continue
        kind = MEASURES[row.measure][4]
        y0, y1 = int(row.first_year), int(row.year)  # NaN rows elsewhere make the columns float
        ci = (f"95% CI {fmt_value(row.measure, row.lower)} to {fmt_value(row.measure, row.upper)}"
              if pd.notna(row.lower) else "")
        rows.append({
            "label": row.label, "unit": row.unit, "missing": None, "ci": ci,
            "same_area": f"Same area as {row.same_area}: its published figure" if row.same_area else "",
            "release": f"released {row.release}",
            "value": fmt_value(row.measure, row.value), "period": f"{y0}-{y1}" if kind == "growth" else f"{y1}",
            "index": fmt_index(row.index) + ("" if kind == "level" else f" (growth since {y0})"),
            "rank": (f"{ordinal(int(row.rank))} of {int(row.peers)}" + ("" if kind == "level" else " on growth")
                     if pd.notna(row.rank) else "not ranked"),
            "change": fmt_change(row.measure, row.change), "first_year": y0,
        })
    peers = LEVELS[ctx.region.level].plural if LEVELS[ctx.region.level].ranked else "places"
    return present("headline_table.j2", region=ctx.region, benchmark=ctx.benchmark, rows=rows, peers=peers)


def headline_text(ctx: Context) -> Block:
    """One plain-English paragraph on GDP per head from the headline numbers."""
    h = ctx.headline.set_index("measure")
    g = None
    if "gdp_per_head" in h.index and pd.notna(h.loc["gdp_per_head", "value"]):
        row = h.loc["gdp_per_head"]
        g = {
            "year": int(row["year"]), "value": fmt_value("gdp_per_head", row["value"]),
            "distance": fmt_index(abs(row["index"] - 100)), "side": "below" if row["index"] < 100 else "above",
            "index": fmt_index(row["index"]), "first_year": int(row["first_year"]),
            "trend": "narrowed" if abs(row["index"] - 100) < abs(row["first_index"] - 100) else "widened",
            "first_index": fmt_index(row["first_index"]),
        }
    return present("headline_text.j2", region=ctx.region, benchmark=ctx.benchmark, g=g)


def relative_chart(ctx: Context, measure: str) -> Block:
    """Section 3: a line chart of ``measure`` relative to the benchmark, with generated alt text."""
    from levelup.report.figures import relative_figure

    label = {"gdp_per_head": "GDP per head", "gva_per_hour": "GVA per hour worked"}[measure]
    frame = ctx.relative.get(measure)
    if frame is None:
        why = ctx.unavailable.get(measure, "not available for this area")
        return na(f"{label} relative to the {ctx.benchmark.name} is not shown for {ctx.region.name}: "
                  f"{_reason(ctx, measure, why)}.")
    pair = ctx.releases[measure]
    src = ctx.sources.get(pair.source, {})
    chart = relative_figure(frame, label, ctx.region.name, ctx.benchmark.name, ctx.parent is not None)
    same = f"; figures of {pair.same_as.name} ({pair.same_as.code}), the same area" if pair.same_as is not None else ""
    smooth = "; smoothed series" if pair.measure.endswith("_smoothed") else ""
    return _image(ctx, *chart, f"ONS, {short_title(src.get('title', pair.source))} (released {pair.release}){same}{smooth}")


def short_title(title: str) -> str:
    """A release's title without the span of years it covers ("..., 1998 to 2023"), for captions,
    whose years are the chart's own."""
    import re

    return re.sub(r",? \d{4}(-\d{2,4})? to \d{4}(-\d{2,4})?", "", title).strip(" ,")


def _figure(ctx: Context, fig: Any, title: str, alt: str, source: str) -> Block:
    """A matplotlib figure as an accessible HTML figure (PNG titled ``title``, alt text, caption)."""
    from levelup.report.figures import png

    return _image(ctx, png(fig, title), title, alt, source)


def _image(ctx: Context, png: bytes, title: str, alt: str, source: str) -> Block:
    """PNG bytes as an accessible HTML figure (alt text recorded in ``ctx.figures``, caption with source)."""
    ctx.figures.append(alt)
    return present("figure.j2", png_base64=base64.b64encode(png).decode(), title=title, alt=alt, source=source)


def figure(ctx: Context, png: bytes, title: str, alt: str, source: str) -> str:
    """A chart (``png, title, alt`` from :mod:`levelup.report.figures`) as an accessible figure: HTML
    from the autoescaped ``figure.j2``, which a section's template includes with ``| safe``."""
    return _image(ctx, png, title, alt, source).html


def na(text: str) -> Block:
    """One plain line saying what is not shown and why."""
    return present("na.j2", text=text)


def placeholder(number: int | str, title: str, what: str) -> Block:
    """A clearly marked section still to come (filled in as the models land)."""
    return present("placeholder.j2", number=number, title=title, what=what)


def _plain(ctx: Context, measure: str, why: str) -> str:
    """A reader's sentence for a measure the report could not show: ``"<label>: <reason>"``."""
    return f"{MEASURES.get(measure, (measure.replace('_', ' '),))[0]}: {_reason(ctx, measure, why)}"


def _reason(ctx: Context, measure: str, why: str) -> str:
    """Why a measure is not shown, in a reader's words rather than the library's error text."""
    kind = LEVELS[ctx.region.level].plural if ctx.region.level in LEVELS else "this kind of area"
    if "cannot be aggregated" in why and measure in ("employment_rate", "median_weekly_pay"):
        return (f"ONS publishes it for councils, not for {ctx.region.name} as a whole, and survey rates and medians "
                "cannot be added up from the councils' figures: see the councils under \"Inside the area\"")
    if "cannot be aggregated" in why and measure == "real_gdp_per_head" and ctx.region.level == "place":
        return (f"ONS publishes it for the ITL3 regions and councils, not for {ctx.region.name} as a whole, and "
                "chained-volume figures do not add up across areas: see the councils under \"Inside the area\"")
    if ("no UK total" in why or "cannot be aggregated" in why) and measure == "real_gdp_per_head":
        return ("chained-volume figures do not add up across areas, so the local-authority release gives no UK "
                "or combined total to compare with")
    if "no UK total" in why:
        return "the local-authority release used here has no UK total to compare it with"
    if "cannot be aggregated" in why:
        return f"ONS does not publish it for {kind}, and it cannot be built from the figures of the areas they are made of"
    if "has no data at level" in why or "ONS publishes no" in why:
        return f"ONS does not publish it for {ctx.region.name} or an area of the same councils in the releases used here"
    return why or "ONS does not publish it for this area"


def notes(ctx: Context) -> Block:
    """Section 8: methods, approximations, OGL attribution, levelup version."""
    mixed = MIXED_VINTAGES[0].upper() + MIXED_VINTAGES[1:] if ctx.mix_vintages else ""
    files = []  # one entry per source: its file name and hash, or the count of its files and their hashes
    for _, src in sorted(ctx.sources.items()):
        fs = src["files"]
        if len(fs) <= 2:
            files += [(fn, [h[:12]]) for fn, h in fs.items()]
        else:
            short = src["title"].split(":")[0].split(" (")[0]
            short = short if len(short) <= 40 else short[:38].rsplit(" ", 1)[0] + " …"
            files.append((f"{short} ({len(fs)} files)", [h[:6] for h in fs.values()]))
    return present(
        "notes.j2", custom_place=ctx.region.level == "place", mixed_vintages=mixed,
        not_shown=[_plain(ctx, k, v) for k, v in sorted(ctx.unavailable.items())],
        attribution=getattr(levelup, "OGL_ATTRIBUTION", ""), files=files, version=levelup.__version__,
    )


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


def warm(sources: Iterable[str] = (), template: Any = None, cells: bool = True) -> None:
    """Prepare a new worker: read ``sources`` and run the template's own cells once for its default
    region (filling the store and the charts every report of a worker shares, and matplotlib's font
    cache), showing nothing. Whatever fails here fails again, with its message, in the report.
    ``cells=False``: read the sources only (no report for the default region)."""
    import json

    from levelup.report.params import template_parameters, template_path, validate_params

    for sid in sources:
        try:
            _record_source(Context(UK, UK, None, [], None, None), sid)
        except Exception:  # noqa: BLE001 - the report that needs it says what is wrong
            pass
    if not cells:
        return
    path = template_path(template)
    try:
        namespace = validate_params({}, path)
    except Exception:  # noqa: BLE001
        return
    namespace = {name: namespace[name] for name in template_parameters(path)} | {"__name__": "__warm__"}
    for cell in json.loads(path.read_text(encoding="utf-8")).get("cells", []):
        source = "".join(cell.get("source", ""))
        if cell.get("cell_type") != "code" or "parameters" in cell.get("metadata", {}).get("tags", []):
            continue
        if "finish(" in source:  # hands numbers to the renderer: nothing to hand over here
            continue
        try:
            exec(compile(source, "<template cell>", "exec"), namespace)  # noqa: S102 - the template's own cells
        except Exception:  # noqa: BLE001
            return
