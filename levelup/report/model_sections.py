"""Report sections built on the models: the gap, industry structure, convergence, inside the
region, work and pay, and deprivation.

Each section returns a :class:`~levelup.report.sections.Block`. The numbers come from
``levelup.analysis``, ``levelup.models``, ``levelup.data.pay`` and ``levelup.analysis.deprivation``;
this module only chooses what to show and how. A section whose data a level lacks says so
in one line and the report still renders. Every figure carries alt text generated from what
it shows, and every number shown is recorded in ``ctx.exports`` for the CSV and XLSX.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
from markupsafe import Markup

from levelup.errors import LevelupError
from levelup.report import figures as F
from levelup.report.figures import PALETTE, _new_figure, _plain_figure, _style, _title
from levelup.report.sections import (
    Block,
    Context,
    Missing,
    _absorb,
    _e,
    _figure,
    _record_source,
    figure,
    present,
    stored,
)

#: Most of what can go wrong in a section is missing data for a level; KeyError covers
#: a unit absent from a table. Anything else is a bug and must fail the render.
_SKIP = (LevelupError, KeyError)


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
    """The ITL3 units that make up the report's area (:func:`levelup.analysis.inside.itl3_units`)."""
    from levelup.analysis.inside import itl3_units

    return itl3_units(ctx.region)


def lad_members(ctx: Context) -> list[str]:
    """The local authorities that make up the report's area (:func:`levelup.analysis.inside.local_authorities`)."""
    from levelup.analysis.inside import local_authorities

    return local_authorities(ctx.region)


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
    _export(ctx, "4 The gap", "scenarios", res.to_frame().assign(source="gdp", release="").to_dict("records"))
    years = list(res.years_to_close().values())
    finite = [y if math.isfinite(y) else None for y in (years[0], years[-1])]
    return present("gap.j2", gap=res, slow=finite[0], fast=finite[1], figure=figure(ctx, *F.gap_chart(res),
                                                                                  "ONS regional GDP"))


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
    s = res.sigma.series
    chart = figure(ctx, *F.convergence_chart(base, res, ctx.region.name), "ONS regional GDP, current prices")
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
        return present("inside.j2", **values, figure=Markup(_na("Map", ctx, base.reason).html))
    try:
        chart = F.map_chart(base, res.year, list(res.members), ctx.region.name)
    except LevelupError as exc:
        return present("inside.j2", **values, figure=Markup(_na("Map", ctx, str(exc)).html))
    _record_source(ctx, "boundaries")
    source = ("ONS regional GDP; ITL3 boundaries (Jan 2021, BUC), ONS Open Geography, contains OS data © Crown "
              "copyright and database right 2022")
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
        what = ("Pay is published for ITL1 regions and local authorities; medians cannot be added up, so for "
                "this area see the reports of its local authorities")
        return Block(f"<p class='na'>{_e(what)}.</p>")
    table = stored(("pay_table", ctx.region.code, ctx.region.level), lambda: pay_of(ctx.region))
    if isinstance(table, Missing):
        return _na("Work and pay", ctx, table.reason)
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
    """:func:`levelup.analysis.deprivation.decile_distribution` and ``most_deprived_areas(n=5)`` of
    the nation's own index for ``lads``; missing data comes back as :class:`Missing`."""
    from levelup.analysis.deprivation import decile_distribution, most_deprived_areas

    edition = _DEPRIVATION_INDEX[nation][0]
    key = ("deprivation_tables", nation, edition, tuple(lads))
    tables = stored(key, lambda: (decile_distribution(lads, nation=nation, edition=edition),
                                  most_deprived_areas(lads, n=5, nation=nation, edition=edition)))
    return (tables, tables) if isinstance(tables, Missing) else tables


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
    n, n_total = int(dist["n_areas"].sum()), int(top.attrs.get("n_areas_in_nation", 0))
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
