"""Pockets of deprivation: local summaries of the official small-area deprivation indices.

The four UK nations each rank their small areas (England and Wales: LSOAs; Scotland: data
zones; Northern Ireland: SOAs) from 1 = most deprived. ``deprivation()`` summarises them
for local authorities, combined authorities or custom places (unions of local authorities),
re-aggregating the small areas, following MHCLG's definitions of the district summary
measures (McLennan et al. 2019, *The English Indices of Deprivation 2019: Technical
report*, MHCLG, section "Summary measures for higher-level geographies"):

With ``N`` small areas in the nation, area ``i`` of rank ``r_i`` (1 = most deprived),
reversed rank ``s_i = N + 1 - r_i`` (so N = most deprived) and population ``p_i``:

* share_most_deprived_10pct = (number of the place's areas in decile 1) / (its areas)
* average_rank = sum_i p_i s_i / sum_i p_i  (population-weighted, on reversed ranks)
* tied ranks: File 1 of IoD2019 gives both areas of each of its 26 tied pairs the lower rank
  ``r`` (the next area has ``r + 2``); the summary measures take the mean rank of the tie,
  ``r + 0.5`` (inferred from File 10, where it alone reproduces e.g. Eastbourne, Woking, St
  Albans and Camden: both ``r`` and ``r + 1`` miss their local concentration by 0.02-0.11)
* extent = sum_i p_i w_i / sum_i p_i, with the area's national percentile
  ``q_i = ceil(100 r_i / N)`` and ``w_i = 1`` for ``q_i <= 10``,
  ``w_i = 0.95 - 0.90 (q_i - 11) / 19`` for ``11 <= q_i <= 30`` (a linear slide from 0.95 at
  the 11th percentile to 0.05 at the 30th) and ``0`` otherwise
* local_concentration = population-weighted mean of ``s_i`` over the place's most deprived
  areas that hold exactly 10% of its population (the area straddling the 10% line counts
  with the part of its population needed to reach it)
* rank_of_<measure> = rank among the areas of the table, 1 = most deprived (ties share the
  lowest rank), for local and combined authorities; not given for custom places.

Ranks are relative and within one nation and one edition: a Welsh LSOA's rank says
nothing about English LSOAs, and IoD2019 and IoD2025 ranks are not comparable over time.
"""

from __future__ import annotations

import sys
import types
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from levelup.analysis.small_areas import (  # noqa: F401 - the inputs, importable from here as before
    _CODE_NATION,
    _SUCCESSOR_2019,
    ABOLISHED_2019,
    EDITIONS,
    NATION_NAMES,
    RECODES,
    UNITARIES,
    _nation,
    _small_areas,
    _valid,
    map_lad_codes,
    resolve_edition,
    small_areas,
)
from levelup.errors import ParameterError
from levelup.results import Result, Sample, new_axes

SUMMARY_COLUMNS = (
    "share_most_deprived_10pct", "average_rank", "extent", "local_concentration",
)


# ---------------------------------------------------------------------------- measures


def extent_weight(rank: np.ndarray, n: int) -> np.ndarray:
    """MHCLG's extent weight of a small area of rank ``rank`` among ``n`` (1 = most deprived).

    Percentile ``q = ceil(100 rank / n)``; weight 1 for q <= 10, ``0.95 - 0.90 (q - 11) / 19``
    for 11 <= q <= 30 (0.95 down to 0.05), else 0 (McLennan et al. 2019, Technical report).
    """
    q = np.ceil(100 * np.asarray(rank, dtype=float) / n)
    return np.where(q <= 10, 1.0, np.where(q <= 30, 0.95 - 0.90 * (q - 11) / 19, 0.0))


def _mean_tied_rank(rank: pd.Series | np.ndarray) -> np.ndarray:
    """Ranks with ties replaced by the mean rank of the tie (``r, r`` -> ``r + 0.5, r + 0.5``).

    Publishers print a tie as the lowest rank twice (IoD2019 File 1: 26 pairs); MHCLG's
    district summaries (File 10) use the mean rank of each tie. Untied ranks, and ranks already
    printed as a mean (non-integer, e.g. SIMD's x.5 domain ranks), are unchanged.
    """
    r = pd.Series(np.asarray(rank, dtype=float))
    k = r.map(r.value_counts())
    return r.where((k == 1) | (r % 1 != 0), r + (k - 1) / 2).to_numpy()


def _summarise(members: pd.DataFrame, n: int, has_pop: bool) -> pd.DataFrame:
    """members: rows (group, rank, decile, population[, rank_mean]) -> one row per group.

    ``rank_mean`` (ties at their mean rank, over the whole nation) drives the reversed rank
    of average rank and local concentration; without it ``rank`` is used as is.
    """
    m = members.copy()
    if "rank_mean" not in m:
        m["rank_mean"] = m["rank"].astype(float)
    m = m.sort_values(["group", "rank_mean"], kind="stable")
    m["rev"] = n + 1 - m["rank_mean"]
    g = m.groupby("group", sort=False)
    out = pd.DataFrame({"n_areas": g.size()})
    out["share_most_deprived_10pct"] = g["decile"].apply(lambda d: float((d == 1).mean()))
    out["average_rank_unweighted"] = g["rev"].mean()
    if has_pop:
        p = m["population"]
        m["pr"] = p * m["rev"]
        m["pw"] = p * extent_weight(m["rank"], n)
        tot = g["population"].transform("sum")
        cum = g["population"].cumsum()
        # population of each area counted in the most deprived 10% of the group's population
        m["lc_w"] = np.clip(0.1 * tot - (cum - p), 0, p)
        m["lc_wr"] = m["lc_w"] * m["rev"]
        s = m.groupby("group", sort=False)[["population", "pr", "pw", "lc_w", "lc_wr"]].sum()
        out["population"] = s["population"]
        out["average_rank"] = s["pr"] / s["population"]
        out["extent"] = s["pw"] / s["population"]
        out["local_concentration"] = s["lc_wr"] / s["lc_w"]
    else:
        for c in ("population", "average_rank", "extent", "local_concentration"):
            out[c] = np.nan
    return out


# ---------------------------------------------------------------------------- result


@dataclass(frozen=True)
class DeprivationSummary(Result):
    """Deprivation summaries, one row per area (``to_frame()``), within one nation and edition."""

    title = "Deprivation summary"
    table: pd.DataFrame = field(repr=False)
    level: str
    nation: str
    edition: int
    index: str
    within_nation: str
    not_computable: tuple[str, ...] = ()
    mapping: tuple[str, ...] = ()
    dropped: tuple = ()
    sample: Sample = field(default_factory=Sample)

    def to_frame(self) -> pd.DataFrame:
        """The table: ``code, name, share_most_deprived_10pct, average_rank, rank_of_average_rank, ...``."""
        return self.table.copy()

    def __getitem__(self, key: Any) -> Any:
        return self.table[key]

    def __len__(self) -> int:
        return len(self.table)

    def notes(self) -> list[str]:
        out = [
            f"{self.within_nation}",
            "Measures follow MHCLG (McLennan et al. 2019, IoD2019 Technical report): average rank and "
            "local concentration on reversed ranks (higher = more deprived), population-weighted; extent "
            "weights the most deprived 10% by 1 and the 11th-30th percentiles from 0.95 to 0.05.",
        ]
        if self.not_computable:
            out.append("Not computable (no small-area populations published): " + ", ".join(self.not_computable))
        out += [f"Code mapping: {m}" for m in self.mapping]
        return out + super().notes()

    def plot(self, ax: Any = None, *, column: str = "share_most_deprived_10pct", n: int = 20, **kwargs: Any) -> Any:
        """Horizontal bars of ``column`` for the ``n`` most deprived areas on it."""
        ax = new_axes(ax, figsize=(6.4, max(3.0, 0.25 * min(n, len(self.table)) + 1)))
        t = self.table.dropna(subset=[column]).nlargest(n, column).iloc[::-1]
        ax.barh(t["name"], t[column], **kwargs)
        ax.set_xlabel(column.replace("_", " "))
        ax.set_title(f"{self.index}: {self.nation} ({self.level})", fontsize=10)
        return ax


# ---------------------------------------------------------------------------- public functions


def _cauth_groups(vintage: int) -> dict[str, tuple[str, list[str]]]:
    from levelup.data.fetch import fetch_files

    paths = fetch_files("cauth_lookup", progress=False)
    if vintage not in (2023, 2025):
        raise ParameterError(f"cauth_vintage must be 2023 or 2025, got {vintage!r}")
    lk = pd.read_csv(paths[0 if vintage == 2023 else 1], encoding="utf-8-sig", dtype=str)
    y = str(vintage)[-2:]
    out: dict[str, tuple[str, list[str]]] = {}
    for code, grp in lk.groupby(f"CAUTH{y}CD", sort=True):
        out[code] = (grp[f"CAUTH{y}NM"].iloc[0], grp[f"LAD{y}CD"].tolist())
    return out


def deprivation(
    level: str = "lad",
    nation: str = "england",
    edition: int | str | None = None,
    *,
    places: Mapping[str, Sequence[str]] | Sequence[str] | None = None,
    cauth_vintage: int = 2025,
) -> DeprivationSummary:
    """Local summaries of a nation's small-area deprivation index, re-aggregated from small areas.

    ``level="lad"``: the nation's local authorities (England IoD2019: the 317 LAD 2019
    districts, reproducing File 10; IoD2025: 296 LAD 2024; Wales 22; Scotland 32 council
    areas; Northern Ireland 11 LGDs). ``level="cauth"``: English combined authorities from the
    ONS lookup (``cauth_vintage`` 2025 or 2023), their districts mapped to the edition's
    vintage. ``places``: ``{name: [LAD codes or names]}`` (or one list) for custom places;
    codes of another vintage are mapped where exact (see :func:`map_lad_codes`), else a
    clear error names the vintage the code belongs to.

    Formulas (McLennan et al. 2019, *The English Indices of Deprivation 2019: Technical
    report*, MHCLG; N small areas, rank r_i, reversed rank s_i = N + 1 - r_i, population p_i):
    share_most_deprived_10pct = #{decile_i = 1} / n; average_rank = sum p_i s_i / sum p_i;
    extent = sum p_i w_i / sum p_i with w_i = 1 (percentile <= 10), 0.95 ... 0.05 (11th-30th,
    linear), 0 otherwise; local_concentration = population-weighted mean of s_i over the most
    deprived areas holding exactly 10% of the population; rank_of_* 1 = most deprived. Tied
    small-area ranks count at the tie's mean rank (r + 0.5 for a printed pair r, r), as File 10 does.
    Without small-area populations (Wales, Northern Ireland, IoD2025 in this mirror) the
    population-weighted measures are NaN and listed in ``not_computable``;
    ``average_rank_unweighted`` (plain mean of s_i, not an official measure) is always given.

    >>> d = deprivation()  # doctest: +SKIP
    >>> d.to_frame().set_index("name").loc["Blackpool", "rank_of_average_rank"]  # doctest: +SKIP
    1.0
    """
    key, year = resolve_edition(nation, edition)
    sid, label, area_type, vintage = EDITIONS[(key, year)]
    areas = small_areas(key, year)
    n_total = len(areas)
    has_pop = bool(areas["population"].notna().any())
    dropped: tuple = ()
    bad = areas["rank"].isna() | areas["decile"].isna() | (has_pop & areas["population"].isna())
    if bad.any():
        dropped = tuple(areas.loc[bad, "code"])
        areas = areas[~bad]

    mapping: list[str] = []
    if places is not None:
        level = "place"
        if isinstance(places, (str, bytes)) or not isinstance(places, Mapping):
            places = {"custom place": [places] if isinstance(places, str) else list(places)}
        groups = {}
        for name, codes in places.items():
            mapped, notes = map_lad_codes(codes, key, year, areas=areas)
            groups[str(name)] = (str(name), mapped)
            mapping += [f"{name}: {m}" for m in notes]
    elif level == "cauth":
        if key != "england":
            raise ParameterError("combined authorities exist in England only; use level='lad' for other nations")
        groups = {}
        for code, (name, codes) in _cauth_groups(cauth_vintage).items():
            mapped, notes = map_lad_codes(codes, key, year, areas=areas)
            groups[code] = (name, mapped)
            mapping += [f"{name}: {m}" for m in notes]
    elif level == "lad":
        lads = areas.drop_duplicates("lad_code")
        groups = {c: (nm, [c]) for c, nm in zip(lads["lad_code"], lads["lad_name"])}
    else:
        raise ParameterError(f"unknown level {level!r}; use 'lad', 'cauth' (England) or places={{name: [LAD codes]}}")

    member = pd.DataFrame(
        [(g, lad) for g, (_, lads) in groups.items() for lad in lads], columns=["group", "lad_code"]
    )
    areas = areas.assign(rank_mean=_mean_tied_rank(areas["rank"]))  # ties over the whole nation
    members = member.merge(areas, on="lad_code", how="inner")
    out = _summarise(members[["group", "rank", "rank_mean", "decile", "population"]], n_total, has_pop)
    out.insert(0, "name", [groups[g][0] for g in out.index])
    out.index.name = "code"
    out = out.reset_index()
    for col in SUMMARY_COLUMNS:
        pos = out.columns.get_loc(col) + 1
        ranks = out[col].rank(ascending=False, method="min") if level != "place" else np.nan
        out.insert(pos, f"rank_of_{col}", ranks)
    out = out.sort_values("code", kind="stable").reset_index(drop=True)
    within = (
        f"Ranks within {NATION_NAMES[key]} only ({label}, {n_total:,} {area_type} small areas, "
        f"{vintage} local authorities); relative, not comparable across nations or editions."
    )
    out["nation"] = NATION_NAMES[key]
    out["edition"] = label
    out["within_nation"] = within
    missing = () if has_pop else ("average_rank", "extent", "local_concentration")
    return DeprivationSummary(
        table=out, level=level, nation=NATION_NAMES[key], edition=year, index=label,
        within_nation=within, not_computable=missing, mapping=tuple(mapping), dropped=dropped,
        sample=Sample(units=tuple(out["code"]), periods=(year,), measure="imd_rank", source=sid, dropped=dropped),
    )


def _place_areas(lad_codes, nation, edition) -> tuple[pd.DataFrame, pd.DataFrame]:
    key, year = resolve_edition(nation, edition)
    areas = small_areas(key, year)
    codes, notes = map_lad_codes(lad_codes, key, year, areas=areas)
    sub = areas[areas["lad_code"].isin(codes)].copy()
    sub.attrs = {**areas.attrs, "mapping": notes}
    return sub, areas


def most_deprived_areas(
    lad_codes: str | Sequence[str], n: int = 10, *, nation: str = "england", edition: int | str | None = None
) -> pd.DataFrame:
    """The ``n`` most deprived small areas (lowest ranks) of a place made of local authorities.

    Columns ``code, name, lad_code, lad_name, rank, decile, population``; ``attrs`` carry the
    index, nation and the note that ranks are within the nation (1 = most deprived of N).

    >>> most_deprived_areas("E06000009", n=3)["name"].tolist()  # doctest: +SKIP
    ['Blackpool 010A', 'Blackpool 006A', 'Blackpool 013B']
    """
    if int(n) < 1:
        raise ParameterError(f"n must be a positive integer, got {n!r}")
    sub, areas = _place_areas(lad_codes, nation, edition)
    out = sub.nsmallest(int(n), "rank").reset_index(drop=True)
    out.attrs = {**sub.attrs, "n_areas_in_nation": len(areas)}
    return out


def decile_distribution(
    lad_codes: str | Sequence[str], *, nation: str = "england", edition: int | str | None = None
) -> pd.DataFrame:
    """How a place's small areas spread over the nation's deprivation deciles (1 = most deprived).

    Index ``decile`` 1-10; columns ``n_areas``, ``share_areas`` (of the place's areas; 0.1 in
    every decile for the nation as a whole, by construction), ``population`` and
    ``share_population`` (NaN where no populations are published).
    """
    sub, _ = _place_areas(lad_codes, nation, edition)
    idx = pd.RangeIndex(1, 11, name="decile")
    dec = sub["decile"].astype(int)
    out = pd.DataFrame({"n_areas": dec.value_counts().reindex(idx, fill_value=0)})
    out["share_areas"] = out["n_areas"] / out["n_areas"].sum()
    if sub["population"].notna().any():
        pop = sub.groupby(dec)["population"].sum().reindex(idx, fill_value=0.0)
        out["population"] = pop
        out["share_population"] = pop / pop.sum()
    else:
        out["population"] = np.nan
        out["share_population"] = np.nan
    out.attrs = sub.attrs
    return out


__all__ = [
    "deprivation", "DeprivationSummary", "most_deprived_areas", "decile_distribution",
    "small_areas", "map_lad_codes", "resolve_edition", "extent_weight", "EDITIONS",
]


class _CallableModule(types.ModuleType):
    """``levelup.analysis.deprivation`` is this module and, called, :func:`deprivation` (API.md):
    ``levelup.analysis.deprivation("lad", "wales")`` and ``from levelup.analysis.deprivation import
    small_areas`` both work."""

    def __call__(self, *args: Any, **kwargs: Any) -> DeprivationSummary:
        return deprivation(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule
