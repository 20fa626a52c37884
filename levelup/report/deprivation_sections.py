"""The deprivation section: each nation's own index of multiple deprivation for the councils of
the report's area (numbers from :mod:`levelup.analysis.deprivation`)."""

from __future__ import annotations

from typing import Any

import pandas as pd

from levelup.analysis.small_areas import _CODE_NATION
from levelup.report import figures as F
from levelup.report.presenting import _export, _na, lad_members
from levelup.report.sections import Block, Context, Missing, _record_source, figure, present, stored

# ----------------------------------------------------------------------------- deprivation
#: nation -> (edition, the index's name in the report, publisher)
_DEPRIVATION_INDEX = {
    "england": (2025, "English Index of Multiple Deprivation 2025", "MHCLG English Indices of Deprivation 2025"),
    "wales": (2019, "Welsh Index of Multiple Deprivation 2019", "Welsh Government, WIMD 2019"),
    "scotland": (2020, "Scottish Index of Multiple Deprivation 2020v2", "Scottish Government, SIMD 2020v2"),
    "northern_ireland": (2017, "Northern Ireland Multiple Deprivation Measure 2017", "NISRA, NIMDM 2017"),
}


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
    the most deprived neighbourhoods by name, from each nation's own index (England IoD2025,
    Wales WIMD2019, Scotland SIMD2020v2, Northern Ireland NIMDM2017): one part per nation
    the area covers, each ranked within its own nation."""
    lads = lad_members(ctx)
    by_nation: dict[str, list[str]] = {}
    for c in lads:
        if c[:1] in _CODE_NATION:
            by_nation.setdefault(_CODE_NATION[c[:1]], []).append(c)
    if not by_nation:
        return _na("Deprivation", ctx, "no local authorities found for this area")
    parts = [_deprivation_part(ctx, nation, codes, len(codes) == len(lads))
             for nation, codes in sorted(by_nation.items())]
    return present("deprivation.j2", region=ctx.region, parts=parts)


_AREA_KIND = {"england": "LSOAs", "wales": "LSOAs", "scotland": "data zones", "northern_ireland": "super output areas"}


def _deprivation_part(ctx: Context, nation: str, lads: list[str], whole: bool) -> dict:
    from levelup.analysis.deprivation import NATION_NAMES

    dist, top = _deprivation_tables(lads, nation)
    if isinstance(dist, Missing):
        return {"missing": f"Deprivation: not available for {ctx.region.name} ({dist.reason})."}
    edition, index_name, publisher = _DEPRIVATION_INDEX[nation]
    where, source, kind = NATION_NAMES[nation], top.attrs.get("source", ""), _AREA_KIND[nation]
    _record_source(ctx, source)
    n, n_total = int(dist["n_areas"].sum()), int(top.attrs.get("n_areas_in_nation", 0))
    part = "" if whole else f" (its part in {where})"
    _export(ctx, "Deprivation", "deciles", [
        {"statistic": "share_areas", "measure": "imd_decile", "decile": int(d), "year": edition, "value": float(v),
         "unit": f"share of {kind}", "source": source, "release": ""} for d, v in dist["share_areas"].items()
    ])

    def label(r) -> str:  # English and Scottish names carry their area; the others get it added
        return r.name if str(r.name).startswith(str(r.lad_name)) else f"{r.name}, {r.lad_name}"

    out = {
        "missing": None, "whole_nation": n == n_total, "index_name": index_name, "kind": kind, "where": where,
        "n": n, "n_total": n_total, "part": part, "share": 100 * float(dist.loc[1, "share_areas"]),
        "names": ", ".join(f"{label(r)} (rank {int(r.rank):,})" for r in top.itertuples()),
        "rank": _district_rank(ctx, nation, edition),
        "derived": (" Deciles are derived from the published ranks (tenths of the ranking), as NISRA publishes "
                    "ranks only." if top.attrs.get("decile_derived") else ""),
    }
    if n != n_total:  # the whole nation has a tenth of its areas in every decile: nothing to draw
        out["figure"] = figure(ctx, *F.deprivation_chart(dist, ctx.region.name, part, kind, where, edition), publisher)
    return out


def _district_rank(ctx: Context, nation: str, edition: int) -> str:
    """The sentence on the area's rank of average rank among the nation's councils (or combined
    authorities) beside its share in the most deprived decile, or "" where it has no such rank."""
    from levelup.analysis.deprivation import deprivation as summary

    r = ctx.region
    if nation != "england" or r.level not in ("lad", "cauth"):
        return ""
    t = stored(("dep_summary", r.level, nation, edition), lambda: summary(r.level, nation, edition).to_frame())
    if isinstance(t, Missing) or r.code not in set(t["code"]):
        return ""
    row = t.set_index("code").loc[r.code]
    kind = "local authorities" if r.level == "lad" else "combined authorities"
    n = int(t["code"].nunique())
    if pd.notna(row["rank_of_average_rank"]):
        return (f" Rank of average rank: {int(row['rank_of_average_rank'])} of {n} {kind} (1 = most deprived; "
                f"population-weighted, as MHCLG's File 10).")
    avg = t["average_rank_unweighted"].rank(ascending=False, method="min")
    pos = int(avg[t["code"] == r.code].iat[0])
    return (f" Rank of average rank: {pos} of {n} {kind} (1 = most deprived), computed the File 10 way but with "
            f"each neighbourhood counted equally, as the small-area populations of the {edition} edition are not in "
            "the data held; the share in the most deprived decile ranks "
            f"{int(row['rank_of_share_most_deprived_10pct'])} of {n}.")
