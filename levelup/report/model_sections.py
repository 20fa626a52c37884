"""Report sections built on the models: the gap, industry structure, convergence, inside the
region, work and pay, and deprivation.

Each section returns a :class:`~levelup.report.sections.Block`. The numbers come from
``levelup.analysis`` (one function per question, each result's ``to_frame()`` the table shown
and exported), the charts from :mod:`levelup.report.figures` and the HTML from the autoescaped
templates in ``levelup/report/templates``; this module only chooses what to show. Missing data
is a :class:`~levelup.analysis.Missing` shown as one plain line (the report still renders); any
other error fails the render. Every figure carries alt text generated from what it shows, and
every number shown is recorded in ``ctx.exports`` for the CSV and XLSX.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from levelup.errors import LevelupError
from levelup.geo.levels import LEVELS
from levelup.report import figures as F
from levelup.report.presenting import _export, _na, _period, _years, itl3_members, lad_members  # noqa: F401
from levelup.report.sections import (
    Block,
    Context,
    Missing,
    _absorb,
    _record_source,
    figure,
    na,
    present,
    short_title,
    stored,
)


# ------------------------------------------------------------------------------ 4 the gap
def gap(ctx: Context) -> Block:
    """Years to close the GDP per head gap at 1% and 3% real growth: one sentence, one chart
    (:func:`levelup.analysis.gap.gap_outlook`)."""
    from levelup.analysis.gap import gap_outlook

    res = stored(("gap", ctx.region.code, ctx.benchmark.code, ctx.start_year, ctx.end_year),
                 lambda: gap_outlook(ctx.region, benchmark=ctx.benchmark, start_year=ctx.start_year,
                                     end_year=ctx.end_year))
    if isinstance(res, Missing):
        return _na("The gap", ctx, res.reason)
    _absorb(ctx, res.sources, {})
    _export(ctx, "4 The gap", "scenarios", res.to_frame().assign(source=", ".join(res.sources),
                                                                   release=res.release).to_dict("records"))
    years = list(res.years_to_close().values())
    finite = [y if math.isfinite(y) else None for y in (years[0], years[-1])]
    return present("gap.j2", gap=res, slow=finite[0], fast=finite[1], figure=figure(
        ctx, *F.gap_chart(res), f"ONS regional GDP ({res.release} release), chained volume measures"))


# ----------------------------------------------------------------- 5 industry structure
def _industry_frame(ctx: Context, years: tuple[int, ...]) -> pd.DataFrame | str:
    """GVA shares by SIC section for the area and the UK in ``years`` (``levelup.analysis.industry_structure``),
    or the reason they are unavailable."""
    from levelup.analysis import industry_structure

    r = ctx.region
    frame = stored(("industry_shares", r.code, r.level, tuple(r.members), years),
                  lambda: industry_structure(r, list(years)).to_frame())
    if not isinstance(frame, Missing):
        _record_source(ctx, frame.attrs["source"])
    return frame


def industry(ctx: Context) -> Block:
    """Industry shares and location quotients against the UK, manufacturing then and now, and a
    shift-share decomposition of job change with a waterfall chart."""
    first, last = _period(1998, 2021, ctx)  # both GVA-by-industry tables (ITL and local authority) cover 1998-2021
    frame = _industry_frame(ctx, (first, last))
    if isinstance(frame, Missing):
        return Block(_na("Industry structure", ctx, frame.reason).html + _shift_share(ctx))
    now = frame[frame["year"] == last].set_index("section")
    then = frame[frame["year"] == first].set_index("section")
    label = {s: f"{n} ({s})" for s, n in zip(now.index, now["section_name"])}
    shown = now.sort_values("share", ascending=False).dropna(subset=["share"]).head(8)
    rows = [{"label": label[k], "share": r.share, "uk_share": r.uk_share, "lq": r.lq} for k, r in shown.iterrows()]
    suppressed = [label[k] for k in now.index[now["share"].isna()]]
    excluded = frame.attrs.get("uk_excluded", {}).get(last, [])
    table_level = frame.attrs["table_level"]
    src = ("ONS GVA for local authorities by industry (April 2023 release, 2021 local-authority codes summed "
           "to the April 2023 authorities)" if table_level == "lad" else "ONS regional GVA by industry")
    note = (f"Shares of all-industries GVA at current basic prices; UK = sum of the "
            f"{table_level.upper() if table_level != 'lad' else 'local-authority'} units of the same table. "
            f"Source: {src}.")
    if excluded:
        note += f" Units with a suppressed section ({', '.join(excluded)}) are left out of the UK sum in that year."
    if suppressed:
        note += f" Suppressed by ONS for {ctx.region.name} (disclosure): {', '.join(suppressed)}."
    _export(ctx, "5 Industry", "industry_shares", [
        {"statistic": stat, "measure": f"gva: {label[k]}", "year": y, "value": float(r[stat]),
         "unit": "per cent" if stat != "lq" else "ratio", "source": frame.attrs["source"], "release": ""}
        for y, part in ((last, now), (first, then)) for k, r in part.iterrows() if pd.notna(r["share"])
        for stat in ("share", "uk_share", "lq")
    ])
    html = present("industry.j2", region=ctx.region, first=first, last=last, rows=rows, note=note,
                   manu_now=now["share"].get("C", np.nan), manu_then=then["share"].get("C", np.nan),
                   manu_uk=now["uk_share"].get("C", np.nan)).html
    return Block(html + _shift_share(ctx))


def _shift_share(ctx: Context) -> str:
    from levelup.analysis import shift_share

    if ctx.region.level == "itl1":
        source, start, end, what = "jobs", 1996, 2021, "workforce jobs (JOBS05, June quarters, thousands)"
    elif ctx.region.level in ("itl2", "itl3", "place") and ctx.region.member_level != "lad":
        source, start, end, what = "bres", 2015, 2021, "employees (BRES, GB)"
    else:
        return _gva_shift_share(ctx)
    start, end = _period(start, end, ctx)
    res = stored(("shift", ctx.region.code, source, start, end), lambda: shift_share(ctx.region, start, end, source=source))
    if isinstance(res, Missing):
        return _na("Shift-share of job change", ctx, res.reason).html
    jobs = source == "jobs"
    _record_source(ctx, "jobs05" if jobs else "bres")
    _export(ctx, "5 Industry", "shift_share", [
        {"statistic": k, "measure": what, "year": end, "first_year": start, "value": float(getattr(res, k)),
         "unit": "thousand jobs" if jobs else "employees", "source": "jobs05" if jobs else "bres", "release": ""}
        for k in ("growth", "national", "industry_mix", "competitive")
    ])
    fmt = F.shift_share_format(jobs)
    chart = figure(ctx, *F.shift_share_chart(res, what, ctx.region.name, start, end, jobs), "ONS " + what)
    return present("shift_share.j2", start=start, end=end, what=what, region=ctx.region, growth=fmt(res.growth),
                   national=fmt(res.national), industry_mix=fmt(res.industry_mix), competitive=fmt(res.competitive),
                   figure=chart, left_out=_left_out(res, start, end)).html


def _gva_shift_share(ctx: Context) -> str:
    """Shift-share of GVA change for councils and places made of councils (jobs by industry are held
    by ITL3 area only): :func:`levelup.analysis.structure.gva_shift_share`."""
    from levelup.analysis.structure import gva_shift_share

    start, end = _period(1998, 2021, ctx)
    res = stored(("gva_shift", ctx.region.code, tuple(ctx.region.members), start, end),
                 lambda: gva_shift_share(ctx.region, start, end))
    if isinstance(res, Missing):
        return _na("Shift-share of GVA change", ctx, res.reason).html
    _record_source(ctx, res.source)
    what = "GVA (current prices)"

    def fmt(v: float) -> str:
        return f"{'+' if v >= 0 else '−'}£{abs(v):,.0f} million"

    _export(ctx, "5 Industry", "shift_share_gva", [
        {"statistic": k, "measure": "gva", "year": end, "first_year": start, "value": float(getattr(res, k)),
         "unit": "GBP million, current prices", "source": res.source, "release": "April 2023"}
        for k in ("growth", "national", "industry_mix", "competitive")
    ])
    chart = figure(ctx, *F.shift_share_chart(res, what, ctx.region.name, start, end, False, "GBP million", fmt),
                   "ONS GVA for local authorities by industry (April 2023 release)")
    left = _left_out(res, start, end)
    note = ("GVA rather than jobs: the jobs-by-industry data held here (BRES) are by ITL3 area, not by council. "
            "Current prices, so the national share includes inflation; UK = the sum of all councils"
            + (" with no suppressed section" if res.uk_excluded else "") + ".")
    return present("shift_share.j2", start=start, end=end, what=what, region=ctx.region, growth=fmt(res.growth),
                   national=fmt(res.national), industry_mix=fmt(res.industry_mix), competitive=fmt(res.competitive),
                   figure=chart, left_out=(note + " " + left).strip()).html


def _left_out(res: Any, start: int, end: int) -> str:
    """What the shift-share left out or merged, in a reader's words."""
    from levelup.analysis.structure import SIC_SECTIONS

    def named(codes: Any) -> str:
        names = [f"{SIC_SECTIONS.get(c, c)} ({c})" for c in codes]
        return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]

    out = []
    dropped = tuple(getattr(res, "dropped_industries", ()))
    if dropped:
        out.append(f"Industry section{'s' if len(dropped) > 1 else ''} {named(dropped)} "
                   f"{'are' if len(dropped) > 1 else 'is'} left out: no employees are recorded in "
                   f"{'them' if len(dropped) > 1 else 'it'} anywhere in {start} or {end}.")
    for label, parts in dict(getattr(res, "merged_industries", {})).items():
        out.append(f"Sections {named(parts)} are counted together ({label}), as one of them has no employees "
                   f"nationally in {start}.")
    return " ".join(out)


def _release_caption(ctx: Context, measure: str, level: str) -> str:
    """"ONS, <title> (released <date>)" of the table ``measure`` at ``level`` is read from by default."""
    from levelup.analysis import default_source

    sid = stored(("default_source", measure, level), lambda: default_source(measure, level))
    if isinstance(sid, Missing):
        return "ONS"
    _record_source(ctx, sid)
    src = ctx.sources[sid]
    return f"ONS, {short_title(src['title'])} (released {src['release']}), current prices"


# -------------------------------------------------------------------------- 6 convergence
def convergence(ctx: Context) -> Block:
    """Beta-convergence scatter of all peers with this area highlighted, and sigma over time
    (:func:`levelup.analysis.convergence.convergence_context`)."""
    from levelup.analysis.convergence import convergence_context

    res = stored(("convergence_context", ctx.region.code, ctx.region.level, ctx.start_year, ctx.end_year),
                 lambda: convergence_context(ctx.region, ctx.start_year, ctx.end_year))
    if isinstance(res, Missing):
        return _na("Convergence", ctx, res.reason)
    base = stored(("conv_fig", res.level, res.start, res.end), lambda: F.convergence_backdrop(res))
    _export(ctx, "6 Convergence", "beta_sigma", res.to_frame().assign(unit="", source="gdp", release="")
            .to_dict("records"))
    s = res.sigma
    chart = figure(ctx, *F.convergence_chart(base, res, ctx.region.name), _release_caption(ctx, "gdp_per_head", res.level))
    return present("convergence.j2", c=res, sigma_first=s.iloc[0], sigma_last=s.iloc[-1], figure=chart)


# --------------------------------------------------------------------- 7 inside the region
def inside(ctx: Context) -> Block:
    """Dispersion across the area's ITL3 units and a map of ITL3 GDP per head with the area outlined
    (:func:`levelup.analysis.inside.inside`)."""
    from levelup.analysis.inside import inside as inside_of

    res = stored(("inside", ctx.region.code, ctx.region.level, ctx.end_year, ctx.benchmark.code),
                 lambda: inside_of(ctx.region, end_year=ctx.end_year, uk_index=ctx.benchmark.code == "UK"))
    if isinstance(res, Missing):
        return _na("Inside the region", ctx, res.reason)
    table = res.to_frame()
    rows = table.to_dict("records") if len(res.members) > 1 else []
    if rows:
        _export(ctx, "7 Inside", "itl3_units", [
            {"statistic": "value", "measure": "gdp_per_head", "geo_unit": r["geo_unit"], "year": res.year,
             "value": float(r["gdp_per_head"]), "unit": "GBP, current market prices", "source": "gdp", "release": ""}
            for r in rows
        ])
    values = dict(region=ctx.region, year=res.year, rows=rows)
    if rows:
        v = table["gdp_per_head"]
        values |= dict(low=v.min(), high=v.max(), cv=v.std(ddof=0) / v.mean())
    base = stored(("map_fig", res.year), lambda: F.map_backdrop(res.values))
    if isinstance(base, Missing):
        return present("inside.j2", **values, figure=_na("Map", ctx, base.reason).html)
    try:
        chart = F.map_chart(base, res.year, list(res.members), ctx.region.name)
    except LevelupError as exc:
        return present("inside.j2", **values, figure=_na("Map", ctx, str(exc)).html)
    _record_source(ctx, "boundaries")
    _record_source(ctx, res.source)
    src = ctx.sources.get(res.source, {})
    source = (f"ONS, {short_title(src.get('title', 'regional GDP'))} (released {res.release}); ITL3 boundaries (Jan 2021, BUC), ONS "
              "Open Geography, contains OS data © Crown copyright and database right 2022")
    return present("inside.j2", **values, figure=figure(ctx, *chart, source))


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
    from levelup.analysis.work import pay as pay_of

    if ctx.region.level not in ("itl1", "lad"):
        return na("Pay is published for ITL1 regions and local authorities; medians cannot be added up, so for "
                  "this area see the reports of its local authorities.")
    table = stored(("pay_table", ctx.region.code, ctx.region.level), lambda: pay_of(ctx.region).to_frame())
    if isinstance(table, Missing):
        return _na("Work and pay", ctx, table.reason)
    _record_source(ctx, "ashe")
    rows = [{"label": _PAY_LABELS.get(r.indicator, (str(r.indicator).replace("_", " "), ""))[0], "period": r.period,
             "value": _pay_value(r.indicator, r.value),
             "uk": "" if pd.isna(r.uk) or r.indicator in _PAY_NO_UK else _pay_value(r.indicator, r.uk)}
            for r in table.itertuples()]
    _export(ctx, "Work and pay", "pay", [
        {"statistic": r.indicator, "measure": "pay", "year": str(r.period), "value": float(r.value),
         "unit": r.unit, "source": "ashe", "release": ""} for r in table.itertuples()
    ])
    return present("pay.j2", region=ctx.region, rows=rows)


# ------------------------------------------------------------------------------------- peers
#: indicator -> how its value is shown in the neighbours table
_PEER_FORMAT = {
    "gdp_per_head": "£{:,.0f}", "gva_per_hour": "£{:,.2f}", "employment_rate": "{:.1f}%",
    "median_weekly_pay": "£{:,.0f}", "gdhi_per_head": "£{:,.0f}", "child_poverty_ahc": "{:.1f}%",
    "population": "{:,.0f}", "manufacturing_share": "{:.1f}%",
}


#: short column heads of the neighbours table
_PEER_HEAD = {"gva_per_hour": "GVA per hour", "median_weekly_pay": "Weekly pay", "gdhi_per_head": "GDHI per head",
              "child_poverty_ahc": "Child poverty", "manufacturing_share": "Manufacturing share"}


def peers(ctx: Context, n: int = 5) -> Block:
    """The area's statistical neighbours (:func:`levelup.analysis.neighbours.statistical_neighbours`): the ``n``
    places of the same kind nearest on several rank-standardised indicators, with the distances, and
    a chart of where the place and its neighbours rank on each indicator."""
    from levelup.analysis.neighbours import INDICATORS, METHOD, statistical_neighbours

    r = ctx.region
    if not LEVELS[r.level].ranked:
        return present("peers.j2", region=r, custom=True)
    year = ctx.end_year or None
    t = stored(("peer_table", r.code, r.level, n, year), lambda: statistical_neighbours(r, n=n, year=year).to_frame())
    if isinstance(t, Missing):
        return _na("Statistical neighbours", ctx, t.reason)
    kind = LEVELS[r.level].plural
    on, years = list(t.attrs["on"]), t.attrs["years"]
    cols = [{"label": _PEER_HEAD.get(m, INDICATORS[m][0]), "year": years[m]} for m in on]
    rows = [{"name": p.name, "code": p.code, "place": p.role == "place",
             "values": [_PEER_FORMAT[m].format(getattr(p, m)) for m in on],
             "distance": "" if p.role == "place" else f"{p.distance:.2f}"} for p in t.itertuples()]
    _export(ctx, "Peers", "peers", [
        {"statistic": m, "measure": f"{p.code} {p.name}", "year": years.get(m, t.attrs["year"]),
         "value": float(getattr(p, m)), "unit": INDICATORS[m][1] if m in INDICATORS else "rank-standardised",
         "source": "", "release": ""}
        for p in t.itertuples() for m in [*on, "distance"]
    ])
    dropped = len(t.attrs["dropped"])
    note = (f"Method: {METHOD}. Distances run from 0 (identical ranks on every indicator) to "
            f"{len(on) ** 0.5:.2f} (opposite ends of every ranking). Each indicator is its latest year "
            "(shown under its name). Child poverty: the share of children in low-income families "
            "after housing costs (DWP), the one deprivation measure published on one basis across the UK; manufacturing: share of GVA. "
            "These are not CIPFA's Nearest Neighbours, which use CIPFA's own indicators and weights.")
    if dropped:
        note += f" {dropped} {kind} missing one of the indicators are not compared."
    if t.attrs["not_used"]:
        note += (" Not published for " + r.name + ", so not used: "
                 + ", ".join(INDICATORS[m][0].lower() for m in t.attrs["not_used"]) + ".")
    chart = figure(ctx, *F.peers_chart(t, r.name, kind, [INDICATORS[m][0] for m in on]),
                   "ONS, DWP; rank among all " + kind)
    return present("peers.j2", region=r, custom=False, rows=rows, cols=cols, kind=kind,
                   n_candidates=t.attrs["n_candidates"], note=note, figure=chart)


from levelup.report.work_sections import labour, members  # noqa: E402, F401 - sections of the template


# ------------------------------------------------------------------------ sources up front
def record_sources(ctx: Context) -> None:
    """Record, before the header is drawn, every data release the sections below will read for
    this kind of area, so that the header's "Data releases used" is complete."""
    r = ctx.region
    lad_based = LEVELS[r.level].lad_based or r.member_level == "lad"
    wanted = ["lad_gdp" if lad_based else "gdp_2024", "boundaries", "lad_gva_industry" if lad_based else "gva_industry"]
    if r.level == "itl1":
        wanted.append("jobs05")
    elif not lad_based and r.level in ("itl2", "itl3", "place"):
        wanted.append("bres")
    if r.level in ("itl1", "lad"):
        wanted.append("ashe")
    wanted = list(dict.fromkeys(wanted))
    if any(c.startswith("E") for c in lad_members(ctx)):
        wanted.append("imd2025")
    from levelup.analysis.labour import labour as labour_of

    res = stored(("labour", r.code, r.level, tuple(r.members)), lambda: labour_of(r))
    if not isinstance(res, Missing):
        wanted += [x.source for x in res.rows] + (["els_claimant_count"] if not res.claimant.empty else [])
    for sid in wanted + _why_sources(ctx):
        try:
            _record_source(ctx, sid)
        except LevelupError:  # a mirror-only source that is absent: its section says so
            pass


from levelup.report.deprivation_sections import (  # noqa: E402, F401 - a section of the template
    _DEPRIVATION_INDEX,
    _deprivation_tables,
    deprivation,
)
from levelup.report.why_sections import _why_sources, revisions, why_gap  # noqa: E402, F401 - sections of the template
