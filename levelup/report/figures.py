"""Every chart of the region report: matplotlib figures drawn from analysis results, as PNG bytes
with a title and alt text generated from what they show.

A chart function takes the numbers to draw (a result or the columns of its ``to_frame()``) and
returns ``(png, title, alt)``; the report wraps them in an accessible ``<figure>``. Figures whose
shared part is the same for every area of a level (the convergence scatter, the ITL3 map) are drawn
once per worker (:class:`Backdrop`) and each report only adds its own artists.
"""

from __future__ import annotations

import math
import textwrap
from typing import Any

import numpy as np
import pandas as pd

from levelup.report.canvas import Backdrop, _axes, _new_figure, _plain_figure, _style, _title, _wrap, png

#: Okabe-Ito colour-blind-safe palette (Okabe and Ito 2008), darkest-first for contrast on white.
PALETTE = {
    "region": "#0072B2",  # blue, 5.1:1 on white
    "parent": "#D55E00",  # vermillion, 3.9:1
    "benchmark": "#000000",
    "others": ["#009E73", "#CC79A7", "#56B4E9", "#E69F00"],
}


def _trend_word(a: float, b: float) -> str:
    if abs(b - a) < 0.5:
        return f"roughly flat at {b:.0f}"
    return f"{'rising' if b > a else 'falling'} from {a:.0f} to {b:.0f}"


def gap_chart(res: Any) -> tuple[bytes, str, str]:
    """The history of ``100 * x / benchmark`` of real GDP per head and, where there is a gap, the
    projections at each rate (a GapOutlook)."""
    b, name, hist = res.benchmark, res.region, res.history
    title = (f"Real GDP per head in {name} as % of the {b}" +
             ("" if res.no_gap else ": 1% versus 3% real growth"))
    # room on the right for half a year label: the last tick sits at the axis' end (2040 was cut to "204")
    fig, ax = _plain_figure(7.2, 2.5, (0.09, 0.12, 0.87, 0.74))
    ax.margins(x=0.01)
    ax.plot(hist.index, hist.values, color=PALETTE["region"], lw=2.4, label=f"{name} (actual)")
    for (g, path), ls in zip(res.projections().items(), ("--", ":")):
        ax.plot(path.index, path.values, color=PALETTE["region"], ls=ls, lw=1.6, label=f"{name} at {100 * g:.0f}% a year")
    gb = res.benchmark_growth
    ax.axhline(100, color=PALETTE["benchmark"], lw=1, ls="-", label=f"{b} = 100 (trend {100 * gb:.2f}% a year)")
    ax.set_ylabel(f"{b} = 100")
    _title(ax, title)
    # on a white ground: where no corner is free, the 100 line no longer strikes through the labels
    ax.legend(frameon=True, facecolor="white", edgecolor="none", framealpha=0.9, fontsize=8, loc="best")
    _style(ax)
    alt = (f"Line chart: real GDP per head in {name} as a percentage of the {b}, {hist.index.min()}-{res.base_year}"
           f", {_trend_word(hist.iloc[0], hist.iloc[-1])}")
    if res.no_gap:
        alt += "; at or above the benchmark, so nothing is projected."
    else:
        years = list(res.years_to_close().values())
        alt += (f", then projected: at 1% a year the gap {_closes(years[0])}, at 3% a year it "
                f"{_closes(years[-1])}.")
    return png(fig, title), title, alt


def _closes(y: float) -> str:
    return "does not close" if not math.isfinite(y) else f"closes in about {y:.0f} years"


def relative_figure(frame: pd.DataFrame, label: str, name: str, b: str, has_parent: bool) -> tuple[bytes, str, str]:
    """Lines of ``frame`` (years x areas, ``b`` = 100): the area first, then its parent, then comparators."""
    from matplotlib.ticker import MaxNLocator

    title = f"{label} in {name} relative to the {b} ({b} = 100)"
    fig, ax = _plain_figure(7.2, 3.3, (0.1, 0.13, 0.6, 0.74))
    ax.axhline(100, color=PALETTE["benchmark"], lw=1, ls="--", label=f"{b} = 100")
    styles = [(PALETTE["region"], "-", 2.4)] + [(PALETTE["parent"], "-.", 1.8)] * has_parent
    styles += [(c, ":", 1.6) for c in PALETTE["others"]]
    for (line, col), (colour, ls, lw) in zip(frame.items(), styles):
        ax.plot(col.index, col.values, color=colour, ls=ls, lw=lw, label=textwrap.fill(line, 24))  # fits the margin
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_title(title, fontsize=10, loc="left")
    ax.set_ylabel(f"{b} = 100")
    ax.grid(axis="y", color="#dddddd", lw=0.6)
    ax.spines[["top", "right"]].set_visible(False)
    ax.legend(loc="center left", bbox_to_anchor=(1.02, 0.5), frameon=False, fontsize=8)
    reg = frame[name].dropna()
    alt = (f"Line chart: {label} in {name} relative to the {b}, {reg.index.min()}-{reg.index.max()}, "
           f"{_trend_word(reg.iloc[0], reg.iloc[-1])}.")
    others = [c for c in frame.columns if c != name]
    if others:
        alt += " Also shown: " + "; ".join(
            f"{c}, {_trend_word(frame[c].dropna().iloc[0], frame[c].dropna().iloc[-1])}" for c in others
        ) + "."
    return png(fig, title), title, alt


# ------------------------------------------------------------------------------- convergence
def convergence_backdrop(res: Any) -> Backdrop:
    """What the convergence figure shows for every area of a level: all units, the OLS fit, sigma
    (a ConvergenceContext: its ``points``, ``fit`` and ``sigma``)."""
    pts = res.points
    x, g = pts["ln_initial"], pts["growth"]
    fig, ax = _plain_figure(7.2, 3.1, (0.085, 0.15, 0.5, 0.66))
    ax2 = _axes(fig, (0.67, 0.15, 0.31, 0.66))
    everyone = ax.scatter(x, g, s=10, color="#999999", label=res.units)
    xs = np.linspace(x.min(), x.max(), 2)
    (fit,) = ax.plot(xs, res.fit(xs), color=PALETTE["parent"], lw=1.4, label=f"OLS fit, beta = {res.beta:.4f}")
    ax.set_xlabel(f"log GDP per head, {res.start}")
    ax.set_ylabel("growth, % a year")
    ax.set_title(f"Beta: growth against the {res.start} level", fontsize=9, loc="left")
    s = res.sigma
    ax2.plot(s.index, s.values, color=PALETTE["region"], lw=2)
    ax2.set_title("Sigma: sd of log GDP per head", fontsize=9, loc="left")
    for a in (ax, ax2):
        _style(a)
    base = Backdrop(fig)
    base.handles = [everyone, fit]
    return base


def convergence_chart(base: Backdrop, res: Any, name: str) -> tuple[bytes, str, str]:
    """The shared convergence figure with ``name``'s units highlighted."""
    pts = res.points
    title = f"GDP per head, {res.units}: growth {res.start}-{res.end} against the {res.start} level, {name} highlighted"
    hi = [h for h in res.highlight if h in pts.index]
    ax = base.fig.axes[0]
    dots = ax.scatter(pts.loc[hi, "ln_initial"], pts.loc[hi, "growth"], s=28, color=PALETTE["region"], label=name,
                      zorder=3)
    legend = ax.legend(handles=[*base.handles, dots], frameon=False, fontsize=7)
    head = base.fig.text(0.01, 0.985, _wrap(title, 110), fontsize=9, ha="left", va="top")
    data = base.png(title, [dots, legend, head])
    s = res.sigma
    alt = (f"Scatter chart: average growth of GDP per head {res.start}-{res.end} against log GDP per head in "
           f"{res.start} for {res.n} {res.units}, {name} highlighted; {res.verdict()}. Line chart: the dispersion of "
           f"log GDP per head {'rose' if s.iloc[-1] > s.iloc[0] else 'fell'} from {s.iloc[0]:.3f} to {s.iloc[-1]:.3f}.")
    return data, title, alt


# ------------------------------------------------------------------------------------- map
class MapBackdrop(Backdrop):
    """The ITL3 choropleth drawn once; a report adds only its area's outline."""

    def outline(self, codes: list[str]) -> Any:
        from matplotlib.collections import LineCollection
        from shapely import get_coordinates, get_parts

        from levelup.errors import LevelupError

        bad = [c for c in codes if c not in self.geoms.index]
        if bad:
            raise LevelupError(f"no ITL3 boundary for {', '.join(bad)}")
        segments = [get_coordinates(line) for c in codes for line in get_parts(self.geoms[c].boundary)]
        lines = LineCollection(segments, colors="#d7191c", linewidths=1.6)
        self.ax.add_collection(lines, autolim=False)
        return lines


def map_backdrop(vals: pd.Series) -> MapBackdrop:
    """ITL3 GDP per head (GBP thousand), the scale capped at the 95th percentile so central
    London does not wash out the rest; the same map for every report."""
    from levelup.geo.boundaries import boundaries

    fig, ax = _plain_figure(6.0, 5.2, (0.01, 0.01, 0.98, 0.92))
    g = boundaries("itl3")
    g = g.assign(value=(vals / 1000).clip(upper=float(vals.quantile(0.95)) / 1000).reindex(g.index))
    missing = g[g["value"].isna()]
    if len(missing):
        missing.plot(ax=ax, color="#dddddd", hatch="///", edgecolor="white", linewidth=0.2)
    g[g["value"].notna()].plot(ax=ax, column="value", cmap="cividis", edgecolor="white", linewidth=0.2, legend=True,
                               legend_kwds={"shrink": 0.6})
    ax.set_title("")
    ax.set_axis_off()
    base = MapBackdrop(fig)
    base.ax, base.geoms = ax, g.geometry
    return base


def map_chart(base: MapBackdrop, year: int, members: list[str], name: str) -> tuple[bytes, str, str]:
    """The shared ITL3 map with ``members`` outlined."""
    title = f"GDP per head by ITL3 unit, {year} (GBP thousand), {name} outlined"
    outline = base.outline(members)
    head = base.fig.text(0.01, 0.985, _wrap(title, 80), fontsize=9, ha="left", va="top")
    data = base.png(title, [outline, head])
    alt = (f"Map: GDP per head in {year} for the 179 ITL3 regions of the UK on a colour scale from lowest (dark) to "
           f"highest (light, capped at the 95th percentile), with {name} ({len(members)} "
           f"unit{'s' if len(members) != 1 else ''}) outlined.")
    return data, title, alt


# ------------------------------------------------------------------------------ shift-share
def shift_share_chart(res: Any, what: str, name: str, start: int, end: int, jobs: bool, unit: str | None = None,
                      fmt: Any = None) -> tuple[bytes, str, str]:
    """The waterfall of a shift-share decomposition (the result's own ``plot``); ``unit`` and ``fmt``
    override the axis label and number format (default: jobs or employees)."""
    short = what.split(" (")[0]
    title = f"Change in {short} in {name}, {start}-{end}: shift-share components"
    fig = _new_figure(7.2, 3.0)
    ax = _axes(fig)
    res.plot(ax=ax)
    ax.set_title("")
    _title(ax, title)
    ax.set_ylabel(unit or ("thousands" if jobs else "employees"))
    _style(ax)
    lo, hi = ax.get_ylim()  # room above the tallest bar, so the first steps do not touch the frame
    ax.set_ylim(lo, hi + 0.08 * (hi - lo))
    fmt = fmt or shift_share_format(jobs)
    alt = (f"Waterfall chart: change in {short} in {name}, {start}-{end}, of {fmt(res.growth)}: "
           f"national share {fmt(res.national)}, industry mix {fmt(res.industry_mix)}, "
           f"competitive share {fmt(res.competitive)}.")
    return png(fig, title), title, alt


def shift_share_format(jobs: bool) -> Any:
    """How a shift-share component reads: thousands of jobs (one decimal) or employees."""
    return (lambda v: f"{v:+,.1f} thousand") if jobs else (lambda v: f"{v:+,.0f}")


# ------------------------------------------------------------------------------ deprivation
def deprivation_chart(dist: pd.DataFrame, name: str, part: str, kind: str, where: str, edition: int
                      ) -> tuple[bytes, str, str]:
    """Bars of the share of a place's small areas in each decile of its nation's index."""
    title = f"Neighbourhoods ({kind}) of {name}{part} by deprivation decile of {where}, {edition}"
    fig, ax = _plain_figure(7.2, 2.8, (0.08, 0.17, 0.905, 0.72))
    ax.bar(dist.index, 100 * dist["share_areas"], color=PALETTE["region"])
    ax.axhline(10, color=PALETTE["benchmark"], ls="--", lw=1, label=f"{where} (10% in every decile)")
    ax.set_xticks(range(1, 11), ["1\nmost", *map(str, range(2, 10)), "10\nleast"])
    ax.set_ylabel("% of neighbourhoods")
    _title(ax, title)
    ax.legend(frameon=False, fontsize=8)
    _style(ax)
    share, n = 100 * float(dist.loc[1, "share_areas"]), int(dist["n_areas"].sum())
    alt = (f"Bar chart: share of {name}'s {n} neighbourhoods{part} in each deprivation decile of "
           f"{where}; {share:.0f}% are in the most deprived tenth of {where} against 10% nationally.")
    return png(fig, title), title, alt


# ------------------------------------------------------------------------------------ peers
def peers_chart(t: pd.DataFrame, name: str, kind: str, labels: list[str]) -> tuple[bytes, str, str]:
    """Where a place (large blue dots) and its neighbours (grey) rank on each indicator, from lowest
    (0) to highest (100) among all units of the kind: why they are neighbours."""
    on = list(t.attrs["on"])
    title = f"{name} (blue) and its {len(t) - 1} nearest {kind} (grey): rank on each indicator"
    h = 0.85 + 0.24 * len(on)
    fig, ax = _plain_figure(7.2, h, (0.3, 0.45 / h, 0.66, 1 - 0.85 / h))
    ys = np.arange(len(on))[::-1]
    for p in t.iloc[1:].itertuples():
        ax.scatter([100 * getattr(p, f"u_{m}") for m in on], ys, s=18, color="#999999", zorder=2)
    me = t.iloc[0]
    ax.scatter([100 * me[f"u_{m}"] for m in on], ys, s=60, color=PALETTE["region"], zorder=3)
    ax.set_yticks(ys, labels, fontsize=8)
    ax.set_xlim(-3, 103)
    ax.set_xlabel(f"rank among all {kind}, scaled from 0 (lowest) to 100 (highest)", fontsize=8)
    ax.grid(axis="x", color="#dddddd", lw=0.6)
    ax.spines[["top", "right"]].set_visible(False)
    fig.text(0.01, 1 - 0.1 / h, _wrap(title, 100), fontsize=9.5, ha="left", va="top")
    alt = (f"Dot chart: the rank of {name} among all {kind} on {len(on)} indicators ("
           + "; ".join(f"{lab} {100 * me[f'u_{m}']:.0f}" for lab, m in zip(labels, on))
           + f") with its nearest {kind}: " + ", ".join(t["name"].iloc[1:]) + ".")
    return png(fig, title), title, alt


# ------------------------------------------------------------------------------ revisions
def revisions_chart(res: Any) -> tuple[bytes, str, str]:
    """One line per release of GDP per head, UK = 100 (a Revisions result)."""
    from matplotlib.ticker import MaxNLocator

    t = res.table
    title = f"GDP per head in {res.region}, UK = 100, by ONS release"
    fig, ax = _plain_figure(4.4, 2.7, (0.14, 0.3, 0.83, 0.55))
    styles = [("#999999", ":", 1.6), (PALETTE["parent"], "--", 1.6), (PALETTE["region"], "-", 2.2)][-t.shape[1]:]
    for (rel, col), (c, ls, lw) in zip(t.items(), styles):
        s = col.dropna()
        ax.plot(s.index, s.values, color=c, ls=ls, lw=lw, label=f"{rel} release")
    ax.xaxis.set_major_locator(MaxNLocator(nbins=5, integer=True))
    ax.set_ylabel("UK = 100", fontsize=8)
    ax.legend(loc="upper center", bbox_to_anchor=(0.45, -0.14), frameon=False, fontsize=7.5, ncol=3,
              handlelength=1.6, columnspacing=0.8)
    _style(ax)
    fig.text(0.02, 0.97, _wrap(title, 60), fontsize=8.5, ha="left", va="top")
    big = res.largest_revision()
    alt = (f"Line chart: GDP per head in {res.region} as a percentage of the UK in the "
           + ", ".join(t.columns) + " releases"
           + (f"; the largest revision is {big[1]:+,.1f} points, for {big[0]}." if big else "."))
    return png(fig, title), title, alt


# ---------------------------------------------------------------------------- why the gap
def decomposition_chart(res: Any) -> tuple[bytes, str, str]:
    """Horizontal bars of the log points of each component of the gap and of GDP per head (a GapDecomposition),
    narrow enough to stand beside its table."""
    from levelup.analysis.decomposition import COMPONENTS

    t = res.table
    title = f"{res.region}: what makes up the gap to the {res.benchmark}, {res.year} (log points)"
    fig, ax = _plain_figure(3.6, 2.5, (0.36, 0.14, 0.6, 0.66))
    short = {"gva_per_hour": "productivity", "hours_per_job": "hours per job", "jobs_per_resident": "jobs per resident",
             "gdp_to_gva": "GDP relative to GVA"}
    labels = ["Productivity", "Hours per job", "Jobs per resident", "GDP / GVA", "GDP per head"]
    vals = [float(t.loc[k, "log_points"]) for k in COMPONENTS] + [res.total]
    colours = [PALETTE["parent"] if v < 0 else PALETTE["others"][0] for v in vals[:-1]] + [PALETTE["region"]]
    ys = np.arange(len(vals))[::-1]
    ax.barh(ys, vals, color=colours, height=0.6)
    ax.set_yticks(ys, labels, fontsize=7.5)
    ax.tick_params(axis="x", labelsize=7)
    ax.axvline(0, color=PALETTE["benchmark"], lw=0.8)
    for y, v in zip(ys, vals):
        ax.annotate(f"{v:+.1f}", (v, y), xytext=(2 if v >= 0 else -2, 0), textcoords="offset points",
                    ha="left" if v >= 0 else "right", va="center", fontsize=7)
    lo, hi = min(0.0, *vals), max(0.0, *vals)
    pad = 0.3 * (hi - lo or 1)
    ax.set_xlim(lo - pad, hi + pad)
    ax.grid(axis="x", color="#dddddd", lw=0.6)
    ax.spines[["top", "right"]].set_visible(False)
    fig.text(0.02, 0.97, _wrap(title, 56), fontsize=8, ha="left", va="top")
    parts = "; ".join(f"{short[k]} {t.loc[k, 'log_points']:+.1f}" for k in COMPONENTS)
    alt = (f"Bar chart: GDP per head in {res.region} in {res.year} is {res.total:+.1f} log points from the "
           f"{res.benchmark}, made up of {parts} log points.")
    return png(fig, title), title, alt


# ------------------------------------------------------------------- work and the labour market
def labour_intervals_chart(rows: list, name: str) -> tuple[bytes, str, str]:
    """Each survey rate of a place and of its benchmark with their 95% confidence intervals (error bars)."""
    title = f"Labour market rates in {name} and the UK, with 95% confidence intervals"
    fig = _new_figure(7.2, 1.3 + 0.42 * len(rows))
    ax = _axes(fig)
    y = np.arange(len(rows))[::-1]
    ax.errorbar([r.value for r in rows], y + 0.14, xerr=[[r.value - r.lower for r in rows],
                [r.upper - r.value for r in rows]], fmt="o", color=PALETTE["region"], capsize=3, label=name)
    ax.errorbar([r.uk for r in rows], y - 0.14, xerr=[[r.uk - r.uk_lower for r in rows],
                [r.uk_upper - r.uk for r in rows]], fmt="s", color="#555555", capsize=3,
                label="UK (GB for unemployment)")
    ax.set_yticks(y, [f"{r.label} ({r.year})" for r in rows], fontsize=8)
    ax.set_xlabel("per cent; bars show the 95% confidence interval")
    _title(ax, title, 70)
    ax.legend(frameon=False, fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.28), ncol=2)
    ax.spines[["top", "right"]].set_visible(False)
    alt = f"Dot chart: labour market rates in {name} against the UK, " + "; ".join(
        f"{r.label} {r.value:.1f}% (95% interval {r.lower:.1f} to {r.upper:.1f}) against {r.uk:.1f}%" for r in rows) + "."
    return png(fig, title), title, alt


def pay_band_chart(pay: pd.DataFrame, name: str) -> tuple[bytes, str, str]:
    """Median weekly pay of a place over time with its 95% confidence band, and the UK median."""
    from matplotlib.ticker import MaxNLocator

    title = f"Median gross weekly pay in {name} and the UK, with the 95% confidence interval"
    fig, ax = _plain_figure(7.2, 3.0, (0.1, 0.13, 0.86, 0.74))
    ax.fill_between(pay.index, pay["lower"], pay["upper"], color=PALETTE["region"], alpha=0.18,
                    label=f"{name}: 95% confidence interval")
    ax.plot(pay.index, pay["value"], color=PALETTE["region"], lw=2.2, label=name)
    ax.plot(pay.index, pay["uk"], color=PALETTE["benchmark"], lw=1.2, ls="--", label="UK")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylabel("GBP a week")
    _title(ax, title)
    ax.legend(frameon=False, fontsize=8, loc="upper left")
    _style(ax)
    first, last = pay.index.min(), pay.index.max()
    alt = (f"Line chart: median weekly pay in {name} from £{pay['value'].iat[0]:,.0f} in {first} to "
           f"£{pay['value'].iat[-1]:,.0f} in {last} (95% interval £{pay['lower'].iat[-1]:,.0f} to "
           f"£{pay['upper'].iat[-1]:,.0f}); UK £{pay['uk'].iat[-1]:,.0f} in {last}.")
    return png(fig, title), title, alt


def claimant_chart(frame: pd.DataFrame, name: str) -> tuple[bytes, str, str]:
    """The claimant rate of a place and of the UK by year."""
    from matplotlib.ticker import MaxNLocator

    title = f"Claimant rate in {name} and the UK, {frame.index.min()}-{frame.index.max()}"
    fig, ax = _plain_figure(7.2, 2.8, (0.09, 0.13, 0.88, 0.74))
    ax.plot(frame.index, frame.iloc[:, 0], color=PALETTE["region"], lw=2.2, label=name)
    ax.plot(frame.index, frame["UK"], color=PALETTE["benchmark"], lw=1.2, ls="--", label="UK")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylabel("% of residents 16-64")
    _title(ax, title)
    ax.legend(frameon=False, fontsize=8)
    _style(ax)
    s = frame.iloc[:, 0]
    alt = (f"Line chart: claimant rate in {name} {s.iat[0]:.1f}% in {s.index[0]}, {s.max():.1f}% at its highest "
           f"({s.idxmax()}), {s.iat[-1]:.1f}% in {s.index[-1]}; UK {frame['UK'].iat[-1]:.1f}% in {s.index[-1]}.")
    return png(fig, title), title, alt


def members_chart(frame: pd.DataFrame, name: str) -> tuple[bytes, str, str]:
    """GDP per head (UK = 100) of each member council of a place."""
    sub = frame.dropna(subset=["gdp_per_head_index"]).sort_values("gdp_per_head_index")
    year = int(sub["gdp_per_head_year"].max())
    title = f"GDP per head of the councils of {name}, UK = 100, {year}"
    fig = _new_figure(7.2, 0.8 + 0.3 * len(sub))
    ax = _axes(fig)
    ax.barh(sub["name"], sub["gdp_per_head_index"] - 100, left=100, color=PALETTE["region"])
    ax.axvline(100, color=PALETTE["benchmark"], lw=1)
    ax.set_xlabel("UK = 100")
    ax.tick_params(axis="y", labelsize=8)
    _title(ax, title, 70)
    ax.spines[["top", "right"]].set_visible(False)
    alt = f"Bar chart: GDP per head of the councils of {name} in {year}, UK = 100: " + ", ".join(
        f"{r.name} {r.gdp_per_head_index:.0f}" for r in sub.iloc[::-1].itertuples()) + "."
    return png(fig, title), title, alt
