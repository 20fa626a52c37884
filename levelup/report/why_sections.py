"""Report sections that explain the gap: why it exists (productivity, hours, jobs, GDP/GVA) and how
ONS's revisions moved it (issue 20). ``why_gap`` presents :func:`levelup.analysis.decomposition.decompose_gap`,
``revisions`` presents :func:`levelup.analysis.revisions.revisions`; both are re-exported by
:mod:`levelup.report.model_sections`, which the template calls.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from levelup.geo.levels import LEVELS
from levelup.report import figures as F
from levelup.report.presenting import _export, _na, _years
from levelup.report.sections import (
    Block,
    Context,
    Missing,
    _record_source,
    figure,
    fmt_index,
    present,
    stored,
)


def _why_sources(ctx: Context) -> list[str]:
    """The releases read by why the gap, revisions, the gap scenarios and the neighbours."""
    r = ctx.region
    lad_based = LEVELS[r.level].lad_based or r.member_level == "lad"
    out = ["gdp_2024", "productivity_2024", "els_gdp_per_head"]
    out += ["gdp_cityregions_2024"] if lad_based else ["gdp"]
    if LEVELS[r.level].ranked:
        from levelup.analysis.neighbours import neighbour_indicators

        table = stored(("neighbour_indicators", r.level, ctx.end_year or None),
                       lambda: neighbour_indicators(r.level, ctx.end_year or None))
        if not isinstance(table, Missing):
            out += [s for s in table.attrs.get("sources", ()) if s not in out]
    return out


# ---------------------------------------------------------------------------- why the gap
def _decompose_in(region: Any, end_year: int | None) -> Any:
    """:func:`decompose_gap` in the latest year up to ``end_year`` that has every total."""
    from levelup.analysis.decomposition import decompose_gap

    latest = decompose_gap(region)
    if not end_year or latest.year <= int(end_year):
        return latest
    return decompose_gap(region, year=int(end_year))


def why_gap(ctx: Context) -> Block:
    """GDP per head relative to the UK less Extra-Regio as productivity, hours per job, jobs per
    resident and GDP/GVA (:func:`levelup.analysis.decomposition.decompose_gap`), with a commuting
    caveat when jobs per resident is far from the benchmark's."""
    from levelup.analysis.decomposition import COMMUTING_THRESHOLD, COMPONENTS

    r = ctx.region
    d = stored(("decompose_gap", r.code, r.level, tuple(r.members), ctx.end_year),
               lambda: _decompose_in(r, ctx.end_year))
    if isinstance(d, Missing):
        return _na("Why the gap", ctx, d.reason)
    for s in d.sources:
        _record_source(ctx, s)
    t = d.table
    fmt = {"gva_per_hour": ("£{:,.2f}", "GBP per hour"), "hours_per_job": ("{:.1f}", "a week"),
           "jobs_per_resident": ("{:.2f}", "filled jobs"), "gdp_to_gva": ("{:.3f}", "ratio"),
           "gdp_per_head": ("£{:,.0f}", "GBP")}
    short = {"gva_per_hour": "Productivity (GVA per hour)", "hours_per_job": "Hours per job",
             "jobs_per_resident": "Jobs per resident", "gdp_to_gva": "GDP / GVA (taxes on products)",
             "gdp_per_head": "GDP per head (the product)"}
    rows = [{"label": short[k], "unit": "",
             "place": fmt[k][0].format(x.place), "benchmark": fmt[k][0].format(x.benchmark),
             "index": fmt_index(x["index"]), "log_points": fmt_index(x.log_points, signed=True),
             "total": k == "gdp_per_head"} for k, x in t.iterrows()]
    _export(ctx, "Why the gap", "decomposition", [
        {"statistic": stat, "measure": k, "year": d.year, "value": float(x[stat]),
         "unit": "log points" if stat == "log_points" else fmt[k][1] if stat != "index" else "UK less Extra-Regio = 100",
         "source": ", ".join(d.sources), "release": f"{d.gdp_release}; {d.productivity_release}"}
        for k, x in t.iterrows() for stat in ("place", "benchmark", "index", "log_points")
    ])
    parts = t.drop(index="gdp_per_head")["log_points"]
    big = parts.reindex(parts.abs().sort_values(ascending=False).index)
    side = "below" if d.total < 0 else "above"
    lead = big.index[0]
    same = [k for k in big.index if np.sign(big[k]) == np.sign(d.total) and abs(big[k]) >= 2]
    names = {"gva_per_hour": "lower productivity" if d.total < 0 else "higher productivity",
             "hours_per_job": "fewer hours per job" if d.total < 0 else "more hours per job",
             "jobs_per_resident": "fewer jobs per resident" if d.total < 0 else "more jobs per resident",
             "gdp_to_gva": "a lower ratio of GDP to GVA" if d.total < 0 else "a higher ratio of GDP to GVA"}
    ix = float(t.loc["gdp_per_head", "index"])
    how = f"{ix / 100:.1f} times that of" if ix >= 200 else f"{abs(ix - 100):.0f}% {side}"
    sentence = f"In {d.year} GDP per head in {r.name} was {how} the {d.benchmark} ({d.total:+.1f} log points)."
    if same:
        sentence += (" Most of the difference comes from " + " and ".join(names[k] for k in same[:2])
                     + f" ({', '.join(f'{big[k]:+.1f}' for k in same[:2])} log points).")
    if np.sign(big[lead]) != np.sign(d.total) and abs(big[lead]) >= 2:
        sentence += f" The largest part, {COMPONENTS[lead].lower()} ({big[lead]:+.1f}), works the other way."
    caveat = ""
    if d.commuting:
        pct = 100 * (d.jobs_ratio - 1)
        more = pct > 0
        caveat = (f"{r.name} has {abs(pct):.0f}% {'more' if more else 'fewer'} jobs per resident than the "
                  f"{d.benchmark} (the report flags differences beyond {100 * COMMUTING_THRESHOLD:.0f}% either way). "
                  + ("Many of its jobs are filled by people who live elsewhere, so GDP per head (output where it is "
                     "produced divided by the people who live here) overstates what residents earn."
                     if more else
                     "Many residents work elsewhere (or are not of working age), so GDP per head (output where it is "
                     "produced divided by the people who live here) understates what residents earn.")
                  + " Household income per head (GDHI), counted where people live, is the better guide to living "
                  "standards.")
    chart = figure(ctx, *F.decomposition_chart(d), f"ONS regional GDP ({d.gdp_release}) and subregional "
                                                   f"productivity ({d.productivity_release})")
    return present("why_gap.j2", d=d, rows=rows, sentence=sentence, caveat=caveat, figure=chart)


# ------------------------------------------------------------------------------ revisions
def revisions(ctx: Context, years: int = 5) -> Block:
    """How the area's GDP per head relative to the UK moved between the April 2023, 2024 and 2025
    releases (:func:`levelup.analysis.revisions.revisions`): a small table of the last ``years``
    years and a chart of every year."""
    from levelup.analysis.revisions import RELEASES
    from levelup.analysis.revisions import revisions as revisions_of

    r = ctx.region
    res = stored(("revisions", r.code, r.level, tuple(r.members)), lambda: revisions_of(r))
    if isinstance(res, Missing):
        return _na("Revisions", ctx, res.reason)
    for src in res.sources.values():
        _record_source(ctx, src)
    shown = _years(res.table, ctx).dropna(how="all")
    if shown.empty:
        return _na("Revisions", ctx, "no year within the years asked")
    from dataclasses import replace

    res = replace(res, table=shown)
    t = res.table.tail(years)
    rows = []
    for y, row in t.iterrows():
        have = row.dropna()
        change = fmt_index(have.iloc[-1] - have.iloc[0], signed=True) if len(have) > 1 else ""
        rows.append({"year": int(y), "values": ["–" if pd.isna(v) else fmt_index(v) for v in row], "change": change})
    _export(ctx, "Revisions", "revisions", [
        {"statistic": "index", "measure": "gdp_per_head", "year": int(x.year), "value": float(x.index),
         "unit": "UK = 100", "source": res.sources.get(x.release, ""), "release": x.release}
        for x in res.to_frame().itertuples()
    ])
    big = res.largest_revision()
    first, last = res.releases[0], res.releases[-1]
    if big and abs(big[1]) >= 0.5:
        y, d = big
        first, last = res.revised_by().loc[y, ["first", "last"]]
        sentence = (f"Between the {first} and {last} releases ONS revised GDP per head in {r.name} for {y} from "
                    f"{fmt_index(res.table.loc[y, first])} to {fmt_index(res.table.loc[y, last])} (UK = 100), "
                    f"{fmt_index(abs(d))} points {'up' if d > 0 else 'down'}: figures for the same year differ between "
                    "editions of this report when ONS revises them.")
    else:
        sentence = (f"Between the {first} and {last} releases ONS's figures for {r.name} (UK = 100) moved by less "
                    "than half a point in every year both publish.")
    absent = [v for v in RELEASES.values() if v not in res.releases]
    missing = (f"The {' and '.join(absent)} release{'s do' if len(absent) > 1 else ' does'} not publish "
               f"{r.name}." if absent else "")
    chart = figure(ctx, *F.revisions_chart(res), "ONS regional GDP, " + ", ".join(res.releases) + " releases")
    return present("revisions.j2", r=res, rows=rows, sentence=sentence, figure=chart, missing=missing)
