"""Report sections built on the models: the gap, industry structure, convergence, inside the
region, work and pay, and deprivation.

Each section returns a :class:`~levelup.report.sections.Block`. The numbers come from
``levelup.analysis``, ``levelup.models``, ``levelup.data.pay`` and ``levelup.analysis.deprivation``;
this module only chooses what to show and how. A section whose data a level lacks says so
in one line and the report still renders. Every figure carries alt text generated from what
it shows, and every number shown is recorded in ``ctx.exports`` for the CSV and XLSX.
"""

from __future__ import annotations

import io
import math
from typing import Any

import numpy as np
import pandas as pd

from levelup.errors import LevelupError
from levelup.report.sections import (
    PALETTE,
    Block,
    Context,
    Missing,
    _e,
    _figure,
    _image,
    _record_source,
    series,
    stored,
)

#: Most of what can go wrong in a section is missing data for a level; KeyError covers
#: a unit absent from a table. Anything else is a bug and must fail the render.
_SKIP = (LevelupError, KeyError)


# ------------------------------------------------------------------------------------ helpers
def _wrap(title: str, width: int = 90) -> str:
    """A chart title broken into lines that fit the figure (the caption and PNG keep it whole)."""
    import textwrap

    return textwrap.fill(title, width)


def _new_figure(width: float = 7.2, height: float = 3.3):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=110, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


class _Backdrop:
    """A figure whose shared part (the same for every area of a level) is drawn once per worker.

    Each report restores those pixels, draws only its own artists on top (highlight, legend,
    title), encodes the PNG and removes them again, so the figure is unchanged for the next
    report. Every report goes through the same steps (the first one of a worker included), so
    the bytes of a report's figure do not depend on what was drawn before it. Axis limits are
    frozen after the first draw: the region's artists never rescale the shared part.
    """

    def __init__(self, fig: Any):
        self.fig = fig
        fig.canvas.draw()
        for ax in fig.axes:
            ax.set_autoscale_on(False)
        self.background = fig.canvas.copy_from_bbox(fig.bbox)

    def png(self, title: str, artists: list) -> bytes:
        from matplotlib.image import imsave

        canvas = self.fig.canvas
        try:
            canvas.restore_region(self.background)
            for a in artists:
                self.fig.draw_artist(a)
            buf = io.BytesIO()
            imsave(buf, np.asarray(canvas.buffer_rgba()), format="png", dpi=self.fig.dpi,
                   metadata={"Title": title, "Software": None})
            return buf.getvalue()
        finally:
            for a in artists:
                a.remove()


def _plain_figure(width: float, height: float, rect: tuple = (0.09, 0.14, 0.89, 0.76)):
    """A figure with one axes at a fixed position: no layout engine (it doubles the drawing
    cost and its result would depend on the labels), so every report is drawn once."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=110)
    FigureCanvasAgg(fig)
    return fig, fig.add_axes(rect)


def _title(ax: Any, title: str, width: int = 90) -> None:
    """Set a wrapped chart title; on a fixed-layout figure each extra line shrinks the axes by
    one line's height, so a long place name never pushes the title off the picture."""
    text = _wrap(title, width)
    ax.set_title(text, fontsize=10, loc="left")
    extra = text.count("\n")
    if extra and ax.figure.get_layout_engine() is None:
        pos = ax.get_position()
        dy = extra * 13 / 72 / ax.figure.get_figheight()  # 10 pt type on 13 pt lines, as a figure fraction
        ax.set_position([pos.x0, pos.y0, pos.width, pos.height - dy])


def _style(ax: Any) -> None:
    ax.grid(axis="y", color="#dddddd", lw=0.6)
    ax.spines[["top", "right"]].set_visible(False)


def _na(what: str, ctx: Context, why: str) -> Block:
    return Block(f"<p class='na'>{_e(what)}: not available for {_e(ctx.region.name)} ({_e(why)}).</p>")


def _years(s: pd.Series, ctx: Context) -> pd.Series:
    """``s`` within the report's ``start_year``..``end_year`` (each when given)."""
    if ctx.start_year:
        s = s[s.index >= int(ctx.start_year)]
    if ctx.end_year:
        s = s[s.index <= int(ctx.end_year)]
    return s


def _period(first: int, last: int, ctx: Context) -> tuple[int, int]:
    """The data's ``first``..``last`` years narrowed to the report's ``start_year``..``end_year``."""
    if ctx.start_year and first < int(ctx.start_year) < last:
        first = int(ctx.start_year)
    if ctx.end_year and first < int(ctx.end_year) < last:
        last = int(ctx.end_year)
    return first, last


def _export(ctx: Context, section: str, table: str, rows: list[dict]) -> None:
    for r in rows:
        ctx.exports.append({"section": section, "table": table, "geo_code": ctx.region.code,
                            "geo_name": ctx.region.name, "benchmark": ctx.benchmark.code, **r})


def itl3_members(ctx: Context) -> list[str]:
    """The ITL3 units that make up the report's area (for LAD-based areas, those they lie in)."""
    from levelup.geo.itl import itl3_under
    from levelup.geo.lad import lad_itl3

    r = ctx.region
    if r.level in ("itl1", "itl2"):
        return list(itl3_under(r.code))
    if r.level == "itl3":
        return [r.code]
    lads = [r.code] if r.level == "lad" else list(r.members) if r.member_level == "lad" else []
    if lads:
        return sorted({u for lad in lads for u in lad_itl3(lad)})
    return list(r.members)


def lad_members(ctx: Context) -> list[str]:
    """The local authorities (April 2023 codes) that make up the report's area."""
    from levelup.geo.lad import lads_in_itl3

    r = ctx.region
    if r.level == "lad":
        return [r.code]
    if r.member_level == "lad" and r.members:
        return list(r.members)
    return sorted({lad for u in itl3_members(ctx) for lad in lads_in_itl3(u)})


# ------------------------------------------------------------------------------ 4 the gap
def gap(ctx: Context) -> Block:
    """Years to close the GDP per head gap at 1% and 3% real growth: one sentence, one chart.

    The gap is the ratio of GDP per head at current prices in the latest year (a relative
    level is only meaningful in the same year's prices); the benchmark keeps its own trend of
    real (chained volume) GDP per head growth over the data's years.
    """
    from levelup.data import indicator
    from levelup.models.scenarios import benchmark_growth, compare

    reg, ben = series(ctx, "gdp_per_head", ctx.region), series(ctx, "gdp_per_head", ctx.benchmark)
    if reg is None or ben is None:
        return _na("The gap", ctx, ctx.unavailable.get("gdp_per_head", "no GDP per head"))
    hist = _years(100 * (reg / ben).dropna(), ctx)
    if hist.empty:
        return _na("The gap", ctx, "no year in which both have GDP per head")
    base = int(hist.index.max())
    try:
        if ctx.benchmark.code == "UK":
            real = stored(("ind", "real_gdp_per_head", "uk"), lambda: indicator("real_gdp_per_head", "uk"))
            real = None if isinstance(real, Missing) else real.iloc[0]
            trend_src = "UK real GDP per head, ONS regional GDP (all ITL regions)"
        else:
            real = series(ctx, "real_gdp_per_head", ctx.benchmark)
            trend_src = f"{ctx.benchmark.name} real GDP per head"
        if real is None:
            raise LevelupError("no real GDP per head for the benchmark")
        real = _years(real.dropna(), ctx)
        gb = benchmark_growth(real)
        res = compare(float(hist[base]), 100.0, benchmark_growth_rate=gb, base_year=base,
                      region_name=ctx.region.name, benchmark_name=ctx.benchmark.name)
    except _SKIP as exc:
        return _na("The gap", ctx, str(exc))
    measure = "gdp_per_head"
    reg = hist
    ben = pd.Series(100.0, index=hist.index)
    t = res.table
    ratio = float(res.ratio)
    b = ctx.benchmark.name

    def when(y: float) -> str:
        return "never" if not math.isfinite(y) else ("already level" if y == 0 else f"in about {y:.0f} years")

    y1, y3 = float(t["years_to_close"].iloc[0]), float(t["years_to_close"].iloc[-1])
    if ratio >= 1:
        sentence = (f"GDP per head in {ctx.region.name} was {100 * ratio:.0f}% of the {b} level in {base}: "
                    "there is no gap to close.")
    else:
        sentence = (
            f"GDP per head in {ctx.region.name} was {100 * ratio:.0f}% of the {b} level in {base}. "
            f"If the {b} keeps growing at its {100 * gb:.1f}% a year real average ({real.index.min()}-{real.index.max()}), "
            f"{ctx.region.name} growing at 1% a year "
            + ("would never close the gap" if not math.isfinite(y1) else f"would close the gap in about {y1:.0f} years")
            + "; at 3% a year it "
            + ("would never close it." if not math.isfinite(y3) else f"would take about {y3:.0f} years.")
        )
    title = f"GDP per head in {ctx.region.name} as % of the {b}: 1% versus 3% real growth"
    fig, ax = _plain_figure(7.2, 3.3, (0.09, 0.09, 0.895, 0.8))
    ax.plot(hist.index, hist.values, color=PALETTE["region"], lw=2.4, label=f"{ctx.region.name} (actual)")
    finite = [y for y in (y1, y3) if math.isfinite(y) and y > 0]
    horizon = int(min(min(finite) + 10 if finite else 30, 60))
    years = np.arange(base, base + horizon + 1)
    for g, ls in zip(t["growth"], ("--", ":")):
        path = 100 * ratio * ((1 + g) / (1 + gb)) ** (years - base)
        ax.plot(years, path, color=PALETTE["region"], ls=ls, lw=1.6, label=f"{ctx.region.name} at {100 * g:.0f}% a year")
    ax.axhline(100, color=PALETTE["benchmark"], lw=1, ls="-", label=f"{b} = 100 (trend {100 * gb:.1f}% a year)")
    ax.set_ylabel(f"{b} = 100")
    _title(ax, title)
    ax.legend(frameon=False, fontsize=8, loc="best")
    _style(ax)
    alt = (f"Line chart: GDP per head in {ctx.region.name} as a percentage of the {b}, {hist.index.min()}-{base}, "
           f"then projected: at 1% a year the gap closes {when(y1)}, at 3% a year {when(y3)}.")
    _export(ctx, "4 The gap", "scenarios", [
        {"statistic": "years_to_close", "measure": measure, "year": base, "value": float(v),
         "unit": f"years at {100 * g:.0f}% a year", "source": "gdp", "release": ""}
        for g, v in zip(t["growth"], t["years_to_close"])
    ] + [{"statistic": "ratio_to_benchmark", "measure": measure, "year": base, "value": ratio, "unit": "ratio",
          "source": "gdp", "release": ""}])
    method = ("<p class='tablenote'>Years to close = ln(1/ratio) / ln((1 + g_area)/(1 + g_benchmark)); ratio: GDP per "
              f"head at current prices, {base}; benchmark growth: compound average of {_e(trend_src)}, "
              f"{real.index.min()}-{real.index.max()} (chained volume measures).</p>")
    return Block(f"<p>{_e(sentence)}</p>" + _figure(ctx, fig, title, alt, "ONS regional GDP").html + method)


# ----------------------------------------------------------------- 5 industry structure
def _industry_frame(ctx: Context, years: tuple[int, ...]) -> pd.DataFrame | str:
    """GVA shares by SIC section for the area and the UK in ``years`` (``levelup.analysis.industry_shares``),
    or the reason they are unavailable."""
    from levelup.analysis import industry_shares

    r = ctx.region
    frame = stored(("industry_shares", r.code, r.level, tuple(r.members), years),
                  lambda: industry_shares(r, list(years)))
    if not isinstance(frame, Missing):
        _record_source(ctx, frame.attrs["source"])
    return frame


def industry(ctx: Context) -> Block:
    """Industry shares and location quotients against the UK, manufacturing then and now, and a
    shift-share decomposition of job change with a waterfall chart."""
    first, last = _period(1998, 2021, ctx)  # both GVA-by-industry tables (ITL and local authority) cover 1998-2021
    frame = _industry_frame(ctx, (first, last))
    parts = []
    if isinstance(frame, Missing):
        parts.append(_na("Industry structure", ctx, frame).html)
    else:
        now = frame[frame["year"] == last].set_index("section")
        then = frame[frame["year"] == first].set_index("section")
        table = now.sort_values("share", ascending=False)
        shown = table.dropna(subset=["share"]).head(8)
        label = {s: f"{n} ({s})" for s, n in zip(now.index, now["section_name"])}
        rows = "".join(
            f"<tr><th scope='row'>{_e(label[k])}</th><td>{r.share:.1f}%</td><td>{r.uk_share:.1f}%</td>"
            f"<td>{r.lq:.2f}{' (specialised)' if r.lq > 1.25 else ''}</td></tr>"
            for k, r in shown.iterrows()
        )
        manu_now, manu_then = now["share"].get("C", np.nan), then["share"].get("C", np.nan)
        suppressed = [label[k] for k in now.index[now["share"].isna()]]
        excluded = frame.attrs.get("uk_excluded", {}).get(last, [])
        src = ("ONS GVA for local authorities by industry (April 2023 release, 2021 local-authority codes summed "
               "to the April 2023 authorities)" if frame.attrs["table_level"] == "lad"
               else "ONS regional GVA by industry")
        note = (f"Shares of all-industries GVA at current basic prices; UK = sum of the "
                f"{frame.attrs['table_level'].upper() if frame.attrs['table_level'] != 'lad' else 'local-authority'} "
                f"units of the same table. Source: {src}.")
        if excluded:
            note += (f" Units with a suppressed section ({', '.join(excluded)}) are left out of the UK sum "
                     "in that year.")
        if suppressed:
            note += f" Suppressed by ONS for {ctx.region.name} (disclosure): {', '.join(suppressed)}."
        parts.append(
            f"<p>Manufacturing (SIC section C) made up {manu_then:.1f}% of GVA in {_e(ctx.region.name)} in {first} and "
            f"{manu_now:.1f}% in {last} (UK {now['uk_share'].get('C', np.nan):.1f}% in {last}).</p>"
            f"<table class='industry'><caption>Largest industries in {_e(ctx.region.name)} by share of GVA, {last}, "
            "with location quotients against the UK (LQ above 1.25: specialised)</caption><thead><tr>"
            "<th scope='col'>SIC section</th><th scope='col'>Share</th><th scope='col'>UK share</th>"
            "<th scope='col'>Location quotient</th></tr></thead><tbody>" + rows + "</tbody></table>"
            f"<p class='tablenote'>{_e(note)}</p>"
        )
        _export(ctx, "5 Industry", "industry_shares", [
            {"statistic": stat, "measure": f"gva: {label[k]}", "year": y, "value": float(r[stat]),
             "unit": "per cent" if stat != "lq" else "ratio", "source": frame.attrs["source"], "release": ""}
            for y, part in ((last, now), (first, then)) for k, r in part.iterrows() if pd.notna(r["share"])
            for stat in ("share", "uk_share", "lq")
        ])
    parts.append(_shift_share(ctx))
    return Block("".join(parts))


def _shift_share(ctx: Context) -> str:
    from levelup.analysis import shift_share

    if ctx.region.level == "itl1":
        source, start, end, what = "jobs", 1996, 2021, "workforce jobs (JOBS05, June quarters, thousands)"
    elif ctx.region.level in ("itl2", "itl3", "place") and ctx.region.member_level != "lad":
        source, start, end, what = "bres", 2015, 2021, "employees (BRES, GB)"
    else:
        return _na("Shift-share of job change", ctx, "jobs by industry are published for ITL regions only").html
    start, end = _period(start, end, ctx)
    try:
        res = stored(("shift", ctx.region.code, source, start, end), lambda: shift_share(ctx.region, start, end, source=source))
        if isinstance(res, Missing):
            raise LevelupError(str(res))
    except _SKIP as exc:
        return _na("Shift-share of job change", ctx, str(exc)).html
    _record_source(ctx, "jobs05" if source == "jobs" else "bres")
    title = f"Change in {what.split(' (')[0]} in {ctx.region.name}, {start}-{end}: shift-share components"
    fig = _new_figure(7.2, 3.0)
    ax = fig.add_subplot()
    res.plot(ax=ax)
    ax.set_title("")
    _title(ax, title)
    ax.set_ylabel("thousands" if source == "jobs" else "employees")
    _style(ax)
    unit = "thousand jobs" if source == "jobs" else "employees"
    fmt = (lambda v: f"{v:+,.1f} thousand") if source == "jobs" else (lambda v: f"{v:+,.0f}")  # noqa: E731
    alt = (f"Waterfall chart: change in {what.split(' (')[0]} in {ctx.region.name}, {start}-{end}, of {fmt(res.growth)}: "
           f"national share {fmt(res.national)}, industry mix {fmt(res.industry_mix)}, "
           f"competitive share {fmt(res.competitive)}.")
    _export(ctx, "5 Industry", "shift_share", [
        {"statistic": k, "measure": what, "year": end, "first_year": start, "value": float(getattr(res, k)),
         "unit": unit, "source": "jobs05" if source == "jobs" else "bres", "release": ""}
        for k in ("growth", "national", "industry_mix", "competitive")
    ])
    text = (f"<p>Between {start} and {end}, {_e(what)} in {_e(ctx.region.name)} changed by {_e(fmt(res.growth))}. Had "
            f"every industry grown at the UK's overall rate the change would have been {_e(fmt(res.national))} "
            f"(national share); the area's mix of industries added {_e(fmt(res.industry_mix))} (industry mix) and "
            f"its industries' own performance against the same industries nationally {_e(fmt(res.competitive))} "
            "(competitive share; Dunn 1960).</p>")
    return text + _figure(ctx, fig, title, alt, "ONS " + what).html


# -------------------------------------------------------------------------- 6 convergence
def _convergence_backdrop(x: pd.Series, g: pd.Series, res: Any, sig: Any, units: str, y0: int) -> _Backdrop:
    """What the convergence figure shows for every area of a level: all units, the OLS fit, sigma."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(7.2, 3.1), dpi=110)
    FigureCanvasAgg(fig)
    ax = fig.add_axes((0.085, 0.15, 0.5, 0.66))
    ax2 = fig.add_axes((0.67, 0.15, 0.31, 0.66))
    everyone = ax.scatter(x, g, s=10, color="#999999", label=units)
    xs = np.linspace(x.min(), x.max(), 2)
    (fit,) = ax.plot(xs, 100 * (res.model.params.iloc[0] + res.beta * xs), color=PALETTE["parent"], lw=1.4,
                     label=f"OLS fit, beta = {res.beta:.4f}")
    ax.set_xlabel(f"log GDP per head, {y0}")
    ax.set_ylabel("growth, % a year")
    ax.set_title(f"Beta: growth against the {y0} level", fontsize=9, loc="left")
    s = sig.series
    ax2.plot(s.index, s.values, color=PALETTE["region"], lw=2)
    ax2.set_title("Sigma: sd of log GDP per head", fontsize=9, loc="left")
    for a in (ax, ax2):
        _style(a)
    base = _Backdrop(fig)
    base.handles = [everyone, fit]
    return base


def convergence(ctx: Context) -> Block:
    """Beta-convergence scatter of all peers with this area highlighted, and sigma over time."""
    from levelup.data import indicator
    from levelup.models import convergence as conv

    lvl = ctx.region.level if ctx.region.level in ("itl1", "itl2", "itl3", "lad") else (
        "lad" if ctx.region.member_level == "lad" else "itl3")
    wide = stored(("ind", "gdp_per_head", lvl), lambda: indicator("gdp_per_head", lvl))
    if isinstance(wide, Missing):
        return _na("Convergence", ctx, wide)
    wide = wide.dropna()
    y0, y1 = int(wide.columns.min()), int(wide.columns.max())
    if ctx.start_year:
        y0 = max(y0, int(ctx.start_year))
    if ctx.end_year:
        y1 = min(y1, int(ctx.end_year))
    res = stored(("beta", lvl, y0, y1), lambda: conv.beta(wide[y0], wide[y1], y1 - y0))
    sig = stored(("sigma", lvl, y0, y1), lambda: conv.sigma(wide.loc[:, y0:y1]))
    if isinstance(res, Missing) or isinstance(sig, Missing):
        return _na("Convergence", ctx, res if isinstance(res, Missing) else sig)
    highlight = [ctx.region.code] if ctx.region.level == lvl else [m for m in (
        lad_members(ctx) if lvl == "lad" else itl3_members(ctx)) if m in wide.index]
    units = {"itl1": "ITL1 regions", "itl2": "ITL2 regions", "itl3": "ITL3 regions", "lad": "local authorities"}[lvl]
    title = f"GDP per head, {units}: growth {y0}-{y1} against the {y0} level, {ctx.region.name} highlighted"
    x = np.log(wide[y0])
    g = 100 * (np.log(wide[y1]) - np.log(wide[y0])) / (y1 - y0)
    base = stored(("conv_fig", lvl, y0, y1), lambda: _convergence_backdrop(x, g, res, sig, units, y0))
    if isinstance(base, Missing):
        raise LevelupError(str(base))
    hi = [h for h in highlight if h in x.index]
    ax = base.fig.axes[0]
    dots = ax.scatter(x[hi], g[hi], s=28, color=PALETTE["region"], label=ctx.region.name, zorder=3)
    legend = ax.legend(handles=[*base.handles, dots], frameon=False, fontsize=7)
    head = base.fig.text(0.01, 0.985, _wrap(title, 110), fontsize=9, ha="left", va="top")
    png = base.png(title, [dots, legend, head])
    s = sig.series
    verdict = ("poorer areas grew faster (beta convergence)" if res.beta < 0 and res.pvalue < 0.05
               else "richer areas grew faster (divergence)" if res.beta > 0 and res.pvalue < 0.05
               else "no significant relation between starting level and growth")
    alt = (f"Scatter chart: average growth of GDP per head {y0}-{y1} against log GDP per head in {y0} for "
           f"{len(wide)} {units}, {ctx.region.name} highlighted; {verdict}. Line chart: the dispersion of log GDP "
           f"per head {'rose' if s.iloc[-1] > s.iloc[0] else 'fell'} from {s.iloc[0]:.3f} to {s.iloc[-1]:.3f}.")
    _export(ctx, "6 Convergence", "beta_sigma", [
        {"statistic": k, "measure": "gdp_per_head", "year": y1, "first_year": y0, "value": float(v), "unit": "",
         "source": "gdp", "release": ""}
        for k, v in (("beta", res.beta), ("se", res.se), ("pvalue", res.pvalue), ("nobs", res.nobs),
                     ("sigma_first", s.iloc[0]), ("sigma_last", s.iloc[-1]))
    ])
    text = (f"<p>Across {len(wide)} {units}, the estimated beta is {res.beta:.4f} (standard error {res.se:.4f}, "
            f"{_e(res.cov)}; OLS of average annual log growth {y0}-{y1} on log GDP per head in {y0}, current prices): "
            f"{_e(verdict)}. The dispersion of log GDP per head (sigma) went from {s.iloc[0]:.3f} to {s.iloc[-1]:.3f}.</p>")
    return Block(text + _image(ctx, png, title, alt, "ONS regional GDP, current prices").html)


# --------------------------------------------------------------------- 7 inside the region
class _MapBackdrop(_Backdrop):
    """The ITL3 choropleth drawn once; a report adds only its area's outline."""

    def outline(self, codes: list[str]) -> Any:
        from matplotlib.collections import LineCollection
        from shapely import get_coordinates, get_parts

        bad = [c for c in codes if c not in self.geoms.index]
        if bad:
            raise LevelupError(f"no ITL3 boundary for {', '.join(bad)}")
        segments = [get_coordinates(line) for c in codes for line in get_parts(self.geoms[c].boundary)]
        lines = LineCollection(segments, colors="#d7191c", linewidths=1.6)
        self.ax.add_collection(lines, autolim=False)
        return lines


def _map_backdrop(vals: pd.Series) -> _MapBackdrop:
    """ITL3 GDP per head (GBP thousand), the scale capped at the 95th percentile so central
    London does not wash out the rest; the same map for every report."""
    from levelup.geo.boundaries import boundaries
    from levelup.models.spatial import choropleth

    fig, ax = _plain_figure(6.0, 5.2, (0.01, 0.01, 0.98, 0.92))
    choropleth((vals / 1000).clip(upper=float(vals.quantile(0.95)) / 1000), ax=ax, cmap="cividis", title=None)
    ax.set_title("")
    ax.set_axis_off()
    base = _MapBackdrop(fig)
    base.ax, base.geoms = ax, boundaries("itl3").geometry
    return base


def inside(ctx: Context) -> Block:
    """Dispersion across the area's ITL3 units and a map of ITL3 GDP per head with the area outlined."""
    from levelup.data import indicator

    members = itl3_members(ctx)
    wide = stored(("ind", "gdp_per_head", "itl3"), lambda: indicator("gdp_per_head", "itl3"))
    uk = series(ctx, "gdp_per_head", ctx.benchmark) if ctx.benchmark.code == "UK" else None
    if isinstance(wide, Missing):
        return _na("Inside the region", ctx, wide)
    year = _period(int(wide.columns.min()), int(wide.columns.max()), ctx)[1]
    vals = wide[year]
    parts = []
    if len(members) > 1:
        names = wide.attrs.get("names", {})
        sub = vals.reindex(members).dropna().sort_values(ascending=False)
        ukv = float(uk[year]) if uk is not None and year in uk.index else np.nan
        rows = "".join(
            f"<tr><th scope='row'>{_e(names.get(c, c))} ({_e(c)})</th><td>£{v:,.0f}</td>"
            f"<td>{100 * v / ukv:.0f}</td></tr>" for c, v in sub.items()
        )
        spread = sub.max() / sub.min()
        parts.append(
            f"<p>GDP per head across the {len(sub)} ITL3 units of {_e(ctx.region.name)} ranged from £{sub.min():,.0f} to "
            f"£{sub.max():,.0f} in {year}, a ratio of {spread:.1f} to 1 (coefficient of variation "
            f"{sub.std(ddof=0) / sub.mean():.2f}).</p>"
            f"<table class='inside'><caption>GDP per head in the ITL3 units of {_e(ctx.region.name)}, {year}</caption>"
            "<thead><tr><th scope='col'>ITL3 unit</th><th scope='col'>GDP per head</th><th scope='col'>UK = 100</th>"
            f"</tr></thead><tbody>{rows}</tbody></table>"
        )
        _export(ctx, "7 Inside", "itl3_units", [
            {"statistic": "value", "measure": "gdp_per_head", "geo_unit": c, "year": year, "value": float(v),
             "unit": "GBP, current market prices", "source": "gdp", "release": ""} for c, v in sub.items()
        ])
    title = f"GDP per head by ITL3 unit, {year} (GBP thousand), {ctx.region.name} outlined"
    base = stored(("map_fig", year), lambda: _map_backdrop(vals))
    if isinstance(base, Missing):
        return Block("".join(parts) + _na("Map", ctx, base).html)
    try:
        outline = base.outline(members)
    except _SKIP as exc:
        return Block("".join(parts) + _na("Map", ctx, str(exc)).html)
    _record_source(ctx, "boundaries")
    head = base.fig.text(0.01, 0.985, _wrap(title, 80), fontsize=9, ha="left", va="top")
    png = base.png(title, [outline, head])
    alt = (f"Map: GDP per head in {year} for the 179 ITL3 units of the UK on a colour scale from lowest (dark) to "
           f"highest (light, capped at the 95th percentile), with {ctx.region.name} ({len(members)} unit{'s' if len(members) != 1 else ''}) outlined.")
    parts.append(_image(ctx, png, title, alt, "ONS regional GDP; ITL3 boundaries (Jan 2021, BUC), ONS Open "
                         "Geography, contains OS data © Crown copyright and database right 2022").html)
    return Block("".join(parts))


# ---------------------------------------------------------------------------- work and pay
#: pay_summary indicator -> (label in the report, format of its values)
_PAY_LABELS = {
    "median_weekly_pay": ("Median gross weekly pay", "£{:,.2f}"),
    "nominal_growth": ("Growth of median weekly pay", "{:+.1f}%"),
    "real_growth": ("Real growth (CPIH-deflated)", "{:+.1f}%"),
    "ratio_to_uk": ("Median pay relative to the UK", "{:.2f}"),
    "gap_to_uk": ("Gap to the UK median, per week", "£{:,.2f}"),
    "below_living_wage_share": ("Jobs paid below the Real Living Wage (place of work)", "{:.1f}%"),
}
_PAY_NO_UK = {"ratio_to_uk", "gap_to_uk"}  # the UK against itself says nothing


def _pay_value(indicator: str, v: float) -> str:
    fmt = _PAY_LABELS.get(indicator, ("", "{:,.1f}"))[1]
    return fmt.format(v).replace("£-", "−£").replace("-", "−")


def pay(ctx: Context) -> Block:
    """Median pay level and growth against the UK, and the share of jobs below the Living Wage."""
    from levelup.data.pay import pay_summary

    if ctx.region.level not in ("itl1", "lad"):
        what = ("Pay is published for ITL1 regions and local authorities; medians cannot be added up, so for "
                "this area see the reports of its local authorities")
        return Block(f"<p class='na'>{_e(what)}.</p>")
    table = stored(("pay", ctx.region.code, ctx.region.level), lambda: pay_summary(ctx.region.code, ctx.region.level))
    if isinstance(table, Missing) or table is None or table.empty:
        why = table if isinstance(table, Missing) else getattr(table, "attrs", {}).get("reason", "no ASHE data")
        return _na("Work and pay", ctx, why)
    _record_source(ctx, "ashe")
    rows = "".join(
        f"<tr><th scope='row'>{_e(_PAY_LABELS.get(r.indicator, (str(r.indicator).replace('_', ' '), ''))[0])}</th>"
        f"<td>{_e(r.period)}</td><td>{_pay_value(r.indicator, r.value)}</td>"
        f"<td>{'' if pd.isna(r.uk) or r.indicator in _PAY_NO_UK else _pay_value(r.indicator, r.uk)}</td></tr>"
        for r in table.itertuples()
    )
    _export(ctx, "Work and pay", "pay", [
        {"statistic": r.indicator, "measure": "pay", "year": str(r.period), "value": float(r.value),
         "unit": r.unit, "source": "ashe", "release": ""} for r in table.itertuples()
    ])
    return Block(
        f"<table class='pay'><caption>Pay in {_e(ctx.region.name)} against the UK (ASHE, employees by place of "
        "residence; Living Wage share by place of work)</caption><thead><tr><th scope='col'>Indicator</th>"
        f"<th scope='col'>Period</th><th scope='col'>{_e(ctx.region.name)}</th><th scope='col'>UK</th>"
        f"</tr></thead><tbody>{rows}</tbody></table><p class='tablenote'>Real growth deflated by CPIH (ONS L522, "
        "annual average). 2023 figures are provisional. Employment and inactivity rates come from the Nomis API "
        "when online and are not part of this offline report.</p>"
    )


# ----------------------------------------------------------------------------- deprivation
#: nation -> (edition, the index's name in the report, publisher)
_DEPRIVATION_INDEX = {
    "england": (2019, "English Index of Multiple Deprivation 2019", "MHCLG English Indices of Deprivation 2019"),
    "wales": (2019, "Welsh Index of Multiple Deprivation 2019", "Welsh Government, WIMD 2019"),
    "scotland": (2020, "Scottish Index of Multiple Deprivation 2020v2", "Scottish Government, SIMD 2020v2"),
    "northern_ireland": (2017, "Northern Ireland Multiple Deprivation Measure 2017", "NISRA, NIMDM 2017"),
}
_NATION_OF = {"E": "england", "W": "wales", "S": "scotland", "N": "northern_ireland"}


def _deprivation_tables(lads: list[str], nation: str = "england") -> tuple[Any, Any]:
    """``decile_distribution(lads)`` and ``most_deprived_areas(lads, n=5)`` of the nation's own
    index from the small-area table read once per worker (the library functions read and
    reshape every area on every call); missing data comes back as :class:`Missing`."""
    from levelup.analysis.deprivation import map_lad_codes, small_areas

    edition = _DEPRIVATION_INDEX[nation][0]
    areas = stored(("imd_areas", nation, edition), lambda: small_areas(nation, edition))
    if isinstance(areas, Missing):
        return areas, areas
    names = stored(("imd_lads", nation, edition), lambda: areas[["lad_code", "lad_name"]].drop_duplicates())
    try:
        codes, _ = map_lad_codes(lads, nation, edition, areas=names)
    except LevelupError as exc:  # a council the index does not know: the section says so
        msg = Missing(f"{type(exc).__name__}: {exc}".splitlines()[0])
        return msg, msg
    sub = areas[areas["lad_code"].isin(codes)]
    idx = pd.RangeIndex(1, 11, name="decile")
    dist = pd.DataFrame({"n_areas": sub["decile"].astype(int).value_counts().reindex(idx, fill_value=0)})
    dist["share_areas"] = dist["n_areas"] / dist["n_areas"].sum()
    top = sub.nsmallest(5, "rank").reset_index(drop=True)
    top.attrs = dict(areas.attrs, n_total=len(areas))
    return dist, top


def deprivation(ctx: Context) -> Block:
    """Share of small areas in their nation's most deprived decile, the decile distribution, and
    the most deprived neighbourhoods by name, from each nation's own index (England IoD2019,
    Wales WIMD2019, Scotland SIMD2020v2, Northern Ireland NIMDM2017): one part per nation
    the area covers, each ranked within its own nation."""
    by_nation: dict[str, list[str]] = {}
    for c in lad_members(ctx):
        if c[:1] in _NATION_OF:
            by_nation.setdefault(_NATION_OF[c[:1]], []).append(c)
    if not by_nation:
        return _na("Deprivation", ctx, "no local authorities found for this area")
    parts = [_deprivation_part(ctx, nation, lads) for nation, lads in sorted(by_nation.items())]
    note = ("<p class='tablenote'>Ranks are relative: they say which areas are more deprived than others, not by how "
            "much, and cannot be compared across nations or between editions of the index.</p>")
    return Block("".join(parts) + note)


def _deprivation_part(ctx: Context, nation: str, lads: list[str]) -> str:
    from levelup.analysis.deprivation import NATION_NAMES

    dist, top = _deprivation_tables(lads, nation)
    if isinstance(dist, Missing) or isinstance(top, Missing):
        return _na("Deprivation", ctx, dist if isinstance(dist, Missing) else top).html
    edition, index_name, publisher = _DEPRIVATION_INDEX[nation]
    where, source = NATION_NAMES[nation], top.attrs.get("source", "")
    _record_source(ctx, source)
    share = 100 * float(dist.loc[1, "share_areas"])
    n, n_total = int(dist["n_areas"].sum()), int(top.attrs.get("n_total", 0))
    kind = {"england": "LSOAs", "wales": "LSOAs", "scotland": "data zones", "northern_ireland": "super output areas"}[nation]
    part = "" if len(lads) == len(lad_members(ctx)) else f" (its part in {where})"
    _export(ctx, "Deprivation", "deciles", [
        {"statistic": "share_areas", "measure": "imd_decile", "decile": int(d), "year": edition, "value": float(v),
         "unit": f"share of {kind}", "source": source, "release": ""} for d, v in dist["share_areas"].items()
    ])

    def label(r) -> str:  # English and Scottish names carry their area; the others get it added
        return r.name if str(r.name).startswith(str(r.lad_name)) else f"{r.name}, {r.lad_name}"

    names = ", ".join(f"{label(r)} (rank {int(r.rank):,})" for r in top.itertuples())
    derived = (" Deciles are derived from the published ranks (tenths of the ranking), as NISRA publishes ranks only."
               if top.attrs.get("decile_derived") else "")
    if n == n_total:  # the whole nation: a tenth of its areas in every decile, nothing to draw
        return (f"<p>The {_e(index_name)} ranks the {n_total:,} neighbourhoods ({kind}) of {where} against each other, "
                f"so a tenth of them are in each decile by construction. The most deprived are {_e(names)}, where "
                f"rank 1 is the most deprived.{_e(derived)}</p>")
    text = (f"<p>{share:.1f}% of the {n:,} neighbourhoods ({kind}) in {_e(ctx.region.name)}{_e(part)} are among the most "
            f"deprived 10% in {where} ({_e(index_name)}). The most deprived are {_e(names)}, where rank 1 is the most "
            f"deprived of {n_total:,}.{_e(derived)}</p>")
    title = f"Neighbourhoods ({kind}) of {ctx.region.name}{part} by deprivation decile of {where}, {edition}"
    fig, ax = _plain_figure(7.2, 2.8, (0.075, 0.17, 0.91, 0.72))
    ax.bar(dist.index, 100 * dist["share_areas"], color=PALETTE["region"])
    ax.axhline(10, color=PALETTE["benchmark"], ls="--", lw=1, label=f"{where} (10% in every decile)")
    ax.set_xticks(range(1, 11), ["1\nmost", *map(str, range(2, 10)), "10\nleast"])
    ax.set_ylabel("% of neighbourhoods")
    _title(ax, title)
    ax.legend(frameon=False, fontsize=8)
    _style(ax)
    alt = (f"Bar chart: share of {ctx.region.name}'s {n} neighbourhoods{part} in each deprivation decile of "
           f"{where}; {share:.0f}% are in the most deprived tenth of {where} against 10% nationally.")
    return text + _figure(ctx, fig, title, alt, publisher).html


# ------------------------------------------------------------------------------------- peers
def peers(ctx: Context, n: int = 5) -> Block:
    """The area's statistical neighbours (``levelup.analysis.peer_table``): the ``n`` places of the
    same kind nearest on GDP per head and population, with a bar chart of GDP per head."""
    from levelup.analysis import peer_table

    r = ctx.region
    if r.level not in ("itl1", "itl2", "itl3", "lad", "cauth"):
        return Block(f"<p class='na'>{_e(r.name)} is a custom place: it is compared with the UK and its parent "
                     "regions rather than with statistical neighbours of its own kind.</p>")
    year = ctx.end_year or None
    t = stored(("peer_table", r.code, r.level, n, year), lambda: peer_table(r, n=n, year=year))
    if isinstance(t, Missing):
        return _na("Statistical neighbours", ctx, t)
    _record_source(ctx, "lad_gdp" if r.level in ("lad", "cauth") else "gdp")
    year = int(t.attrs["year"])
    kind = {"itl1": "ITL1 regions", "itl2": "ITL2 regions", "itl3": "ITL3 units", "lad": "local authorities",
            "cauth": "combined authorities"}[r.level]
    rows = "".join(
        f"<tr><th scope='row'>{_e(p.name)} ({_e(p.code)})</th><td>£{p.gdp_per_head:,.0f}</td>"
        f"<td>{p.population:,.0f}</td><td>{'' if p.role == 'place' else f'{p.distance:.2f}'}</td></tr>"
        for p in t.itertuples()
    )
    title = f"GDP per head of {r.name} and its {len(t) - 1} nearest {kind}, {year}"
    fig = _new_figure(7.2, 0.8 + 0.35 * len(t))
    ax = fig.add_subplot()
    s = t.iloc[::-1]
    ax.barh(s["name"], s["gdp_per_head"], color=[PALETTE["region"] if x == "place" else "#999999" for x in s["role"]])
    ax.set_xlabel("GBP, current prices")
    _title(ax, title, 60)
    ax.spines[["top", "right"]].set_visible(False)
    alt = (f"Bar chart: GDP per head in {year} of {r.name} (£{t['gdp_per_head'].iat[0]:,.0f}) and its nearest "
           f"{kind}: " + ", ".join(f"{p.name} £{p.gdp_per_head:,.0f}" for p in t.iloc[1:].itertuples()) + ".")
    _export(ctx, "Peers", "peers", [
        {"statistic": stat, "measure": f"{p.code} {p.name}", "year": year, "value": float(getattr(p, stat)),
         "unit": unit, "source": "lad_gdp" if r.level in ("lad", "cauth") else "gdp", "release": ""}
        for p in t.itertuples()
        for stat, unit in (("gdp_per_head", "GBP"), ("population", "persons"), ("distance", "standardised"))
    ])
    text = (f"<p>The {len(t) - 1} {kind} most similar to {_e(r.name)} in {year} on GDP per head and population "
            f"(standardised Euclidean distance across all {t.attrs['n_candidates']} {kind}; CIPFA nearest "
            "neighbours method).</p>"
            f"<table class='peers'><caption>{_e(r.name)} and its statistical neighbours, {year}</caption><thead><tr>"
            "<th scope='col'>Area</th><th scope='col'>GDP per head</th><th scope='col'>Population</th>"
            f"<th scope='col'>Distance</th></tr></thead><tbody>{rows}</tbody></table>")
    source = "ONS GDP for local authorities" if r.level in ("lad", "cauth") else "ONS regional GDP"
    return Block(text + _figure(ctx, fig, title, alt, source).html)


# ------------------------------------------------------------------------ sources up front
def record_sources(ctx: Context) -> None:
    """Record, before the header is drawn, every data release the sections below will read for
    this kind of area, so that the header's "Data releases used" is complete."""
    r = ctx.region
    lad_based = r.level in ("lad", "cauth") or r.member_level == "lad"
    wanted = ["lad_gdp" if lad_based else "gdp", "boundaries", "lad_gva_industry" if lad_based else "gva_industry"]
    if r.level == "itl1":
        wanted.append("jobs05")
    elif not lad_based and r.level in ("itl2", "itl3", "place"):
        wanted.append("bres")
    if r.level in ("itl1", "lad"):
        wanted.append("ashe")
    try:
        if any(c.startswith("E") for c in lad_members(ctx)):
            wanted.append("imd2019")
    except _SKIP:
        pass
    for sid in wanted:
        try:
            _record_source(ctx, sid)
        except _SKIP:  # a mirror-only source that is absent: its section says so
            pass
