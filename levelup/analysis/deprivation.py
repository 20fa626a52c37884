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

import re
import sys
import types
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from levelup.errors import ParameterError, UnknownRegionError, close_matches
from levelup.results import Result, Sample, new_axes

#: (nation, edition) -> (source id, index label, number of small areas, small-area type, LAD vintage)
EDITIONS: dict[tuple[str, int], tuple[str, str, str, str]] = {
    ("england", 2019): ("imd2019", "IoD2019", "LSOA 2011", "LAD 2019"),
    ("england", 2025): ("imd2025", "IoD2025", "LSOA 2021", "LAD 2024"),
    ("wales", 2019): ("wimd2019", "WIMD2019", "LSOA 2011", "LAD 2019"),
    ("scotland", 2020): ("simd2020", "SIMD2020v2", "data zone 2011", "council area S12"),
    ("northern_ireland", 2017): ("nimdm2017", "NIMDM2017", "SOA 2001", "LGD 2014"),
}
NATION_NAMES = {"england": "England", "wales": "Wales", "scotland": "Scotland", "northern_ireland": "Northern Ireland"}
_CODE_NATION = {"E": "england", "W": "wales", "S": "scotland", "N": "northern_ireland", "9": "northern_ireland"}

#: Unitary authorities formed from whole LAD 2019 districts: code -> (name, April of, predecessors)
UNITARIES = {
    "E06000060": ("Buckinghamshire", 2020, ("E07000004", "E07000005", "E07000006", "E07000007")),
    "E06000061": ("North Northamptonshire", 2021, ("E07000150", "E07000152", "E07000153", "E07000156")),
    "E06000062": ("West Northamptonshire", 2021, ("E07000151", "E07000154", "E07000155")),
    "E06000063": ("Cumberland", 2023, ("E07000026", "E07000028", "E07000029")),
    "E06000064": ("Westmorland and Furness", 2023, ("E07000027", "E07000030", "E07000031")),
    "E06000065": ("North Yorkshire", 2023, tuple(f"E0700016{i}" for i in range(3, 10))),
    "E06000066": ("Somerset", 2023, ("E07000187", "E07000188", "E07000189", "E07000246")),
}
#: Codes changed without a change of area: new code -> (old code, name, vintage of the new code)
RECODES = {"E08000038": ("E08000016", "Barnsley", "LAD 2025"), "E08000039": ("E08000019", "Sheffield", "LAD 2025")}
#: Districts abolished in April 2019 (LAD 2018 codes): code -> (name, LAD 2019 successor)
ABOLISHED_2019 = {
    "E06000028": ("Bournemouth", "E06000058"), "E06000029": ("Poole", "E06000058"),
    "E07000048": ("Christchurch", "E06000058"), "E07000049": ("East Dorset", "E06000059"),
    "E07000050": ("North Dorset", "E06000059"), "E07000051": ("Purbeck", "E06000059"),
    "E07000052": ("West Dorset", "E06000059"), "E07000053": ("Weymouth and Portland", "E06000059"),
    "E07000201": ("Forest Heath", "E07000245"), "E07000204": ("St Edmundsbury", "E07000245"),
    "E07000205": ("Suffolk Coastal", "E07000244"), "E07000206": ("Waveney", "E07000244"),
    "E07000190": ("Taunton Deane", "E07000246"), "E07000191": ("West Somerset", "E07000246"),
}
_SUCCESSOR_2019 = {old: new for new, (_, _, olds) in UNITARIES.items() for old in olds}

SUMMARY_COLUMNS = (
    "share_most_deprived_10pct", "average_rank", "extent", "local_concentration",
)


# ---------------------------------------------------------------------------- inputs


def _nation(nation: str) -> str:
    key = re.sub(r"[\s\-]+", "_", str(nation).strip().lower())
    key = {"ni": "northern_ireland", "n_ireland": "northern_ireland", "uk": "uk"}.get(key, key)
    if key not in NATION_NAMES:
        raise ParameterError(
            f"unknown nation {nation!r}; deprivation indices exist for {', '.join(NATION_NAMES)} "
            "(each ranks its own small areas; there is no UK-wide index)"
        )
    return key


def _valid() -> str:
    return "; ".join(f"{n}: {', '.join(str(e) for (m, e) in EDITIONS if m == n)}" for n in NATION_NAMES)


def resolve_edition(nation: str = "england", edition: int | str | None = None) -> tuple[str, int]:
    """``(nation key, edition year)``; ``edition=None`` is IoD2019 for England, else the nation's only one.

    Raises ``ParameterError`` listing the valid nations and editions.
    """
    key = _nation(nation)
    years = [e for (m, e) in EDITIONS if m == key]
    if edition is None:
        return key, (2019 if key == "england" else years[0])
    if isinstance(edition, str):
        labels = {v[1].lower(): k for k, v in EDITIONS.items()}
        if edition.strip().lower() in labels and labels[edition.strip().lower()][0] == key:
            return labels[edition.strip().lower()]
        if not edition.strip().isdigit():
            raise ParameterError(f"unknown edition {edition!r} for {key}; valid editions: {_valid()}")
        edition = int(edition)
    if (key, int(edition)) not in EDITIONS:
        raise ParameterError(f"no {NATION_NAMES[key]} deprivation index of {edition}; valid editions: {_valid()}")
    return key, int(edition)


def small_areas(nation: str = "england", edition: int | str | None = None, **load_kw: Any) -> pd.DataFrame:
    """One row per small area: ``code, name, lad_code, lad_name, rank, decile, population``.

    Read once per state of the data files (:data:`levelup._store.STORE`); each call gets its own copy.

    ``population`` is NaN where the publisher gives none (Wales, Northern Ireland, IoD2025).
    ``attrs`` carry ``nation``, ``edition``, ``index`` (e.g. ``"IoD2019"``), ``area_type``,
    ``lad_vintage``, ``source`` and ``decile_derived``.

    >>> small_areas("wales").shape[0]  # doctest: +SKIP
    1909
    """
    key, year = resolve_edition(nation, edition)
    if load_kw:
        return _small_areas(key, year, **load_kw)
    from levelup.analysis._common import _memo

    table = _memo(("small_areas", key, year), lambda: _small_areas(key, year))
    out = table.copy()
    out.attrs = dict(table.attrs)
    return out


def _small_areas(key: str, year: int, **load_kw: Any) -> pd.DataFrame:
    from levelup.data import load

    sid, label, area_type, vintage = EDITIONS[(key, year)]
    df = load(sid, **load_kw)
    df = df[df["level"] == "lsoa"]
    ids = ["geo_code", "geo_name", "lad_code", "lad_name"]
    wide = df[df["domain"] == ""].pivot(index=ids, columns="measure", values="value").reset_index()
    wide.columns.name = None
    wide = wide.rename(
        columns={"geo_code": "code", "geo_name": "name", "imd_rank": "rank", "imd_decile": "decile"}
    )
    if "population" not in wide:
        wide["population"] = np.nan
    wide = wide[["code", "name", "lad_code", "lad_name", "rank", "decile", "population"]]
    wide = wide.sort_values("rank", kind="stable").reset_index(drop=True)
    derived = df.loc[df["measure"] == "imd_decile", "decile_derived"].astype(str).eq("True").any()
    wide.attrs = {
        "nation": NATION_NAMES[key], "edition": year, "index": label, "area_type": area_type,
        "lad_vintage": vintage, "source": sid, "decile_derived": bool(derived),
    }
    return wide


def map_lad_codes(
    codes: str | Sequence[str], nation: str = "england", edition: int | str | None = None, *, areas=None
) -> tuple[list[str], list[str]]:
    """Map local-authority codes (or names) to the district vintage of an index edition.

    Returns ``(codes in the edition's vintage, notes on each mapping made)``. IoD2019 uses
    LAD 2019 districts and IoD2025 LAD 2024 ones: a unitary created since 2019 (Buckinghamshire
    2020, the Northamptonshires 2021, Cumberland, Westmorland and Furness, North Yorkshire and
    Somerset 2023) is the union of whole 2019 districts and maps to them for IoD2019; the 2025
    codes of Barnsley and Sheffield map to their earlier codes. A code of an abolished
    district, of another nation, or unknown raises ``UnknownRegionError`` naming the vintage
    the code belongs to and its successor.

    >>> map_lad_codes(["E06000063"], "england", 2019)[0]  # doctest: +SKIP
    ['E07000026', 'E07000028', 'E07000029']
    """
    key, year = resolve_edition(nation, edition)
    label, vintage = EDITIONS[(key, year)][1], EDITIONS[(key, year)][3]
    areas = small_areas(key, year) if areas is None else areas
    known = dict(zip(areas["lad_code"], areas["lad_name"]))
    by_name = {_slug(v): k for k, v in known.items()}
    out: list[str] = []
    notes: list[str] = []
    for raw in [codes] if isinstance(codes, str) else list(codes):
        c = str(raw).strip()
        if c.upper() in known:
            out.append(c.upper())
            continue
        if _slug(c) in by_name:
            out.append(by_name[_slug(c)])
            continue
        c = c.upper()
        if c in RECODES and RECODES[c][0] in known:
            old, name, new_vintage = RECODES[c]
            out.append(old)
            notes.append(f"{c} ({name}, {new_vintage} code) -> {old}, its {vintage} code in {label}")
            continue
        if c in UNITARIES and all(p in known for p in UNITARIES[c][2]):
            name, since, olds = UNITARIES[c]
            out.extend(olds)
            notes.append(
                f"{c} ({name}, unitary since April {since}) -> its {vintage} districts "
                f"{', '.join(f'{o} ({known[o]})' for o in olds)} in {label}"
            )
            continue
        raise UnknownRegionError(_wrong_code_message(c, raw, key, label, vintage, known), close_matches(c, known))
    return list(dict.fromkeys(out)), notes


def _slug(s: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", str(s).lower()).strip()


def _wrong_code_message(c: str, raw: Any, key: str, label: str, vintage: str, known: Mapping) -> str:
    own = f"{label} ranks small areas by {vintage} local authorities"
    if c in _SUCCESSOR_2019:
        new = _SUCCESSOR_2019[c]
        name, since, _ = UNITARIES[new]
        return (
            f"{c} is a LAD 2019 district code (abolished in April {since}, now part of {new} {name}), "
            f"not a {vintage} code; {own}: use {new}, or edition=2019 for the old districts"
        )
    if c in ABOLISHED_2019:
        name, succ = ABOLISHED_2019[c]
        target = succ if succ in known else _SUCCESSOR_2019.get(succ, succ)
        return (
            f"{c} ({name}) is a LAD 2018 code (district abolished in April 2019, now part of {target}), "
            f"not a {vintage} code; {own}"
        )
    nat = _CODE_NATION.get(c[:1])
    if nat and nat != key:
        return (
            f"{c} is a {NATION_NAMES[nat]} code, not a {NATION_NAMES[key]} one; use nation={nat!r} "
            "(ranks are within each nation and cannot be pooled)"
        )
    hints = close_matches(str(raw), list(known) + list(known.values()))
    hint = f"; did you mean {', '.join(hints)}?" if hints else ""
    return f"no {vintage} local authority {raw!r} in {label}{hint}"


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
