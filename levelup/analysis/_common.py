"""What every question shares: reading a measure for a region, the UK benchmark, ranks, growth.

The only place data, geo and models meet is :mod:`levelup.analysis`; this module holds the
reading and ranking every question module uses. Tables read are kept in
:data:`levelup._store.STORE`, keyed by the sha256 of the files behind them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from levelup.data import indicator
from levelup.errors import LevelupError, ModelInputError, UnknownSourceError
from levelup.geo.levels import LEVELS, data_level, lad_based
from levelup.geo.resolve import Region

#: Per-head and per-hour measures of a place = sum(x * w) / sum(w) over its members,
#: i.e. total numerator over total denominator (never a mean of ratios).
WEIGHTS = {
    "gdp_per_head": "population",
    "real_gdp_per_head": "population",
    "gdhi_per_head": "gdhi_population",
    "gdhi_per_head_index": "gdhi_population",
    "gva_per_hour": "hours_worked",
    "gva_per_hour_index": "hours_worked",
    "gva_per_hour_smoothed": "hours_worked",
    "gva_per_hour_index_smoothed": "hours_worked",
    "gva_per_job": "filled_jobs",
    "gva_per_job_index": "filled_jobs",
}
#: Measures that add up over areas.
ADDITIVE = {"gdp", "gva_total", "population", "gdhi", "gdhi_population", "hours_worked", "filled_jobs", "jobs", "employment"}
#: Levels whose units are ranked among themselves (custom places are not ranked).
RANKED_LEVELS = {code for code, lv in LEVELS.items() if lv.ranked}


def _resolve(region: Any, level: str | None = None):
    from levelup.geo import resolve

    return region if hasattr(region, "code") and hasattr(region, "level") else resolve(region, level=level)


def _data_level(region) -> str:
    """The level whose published tables hold the region's members."""
    return data_level(region)


def series(measure: str, region: Any, *, level: str | None = None) -> pd.Series:
    """One measure by year for a region, local authority, combined authority or place.

    Published units are read directly; combined authorities and custom places are
    aggregated from their members with :func:`levelup.geo.aggregate` (sums, and per-head
    values as sum of GDP over sum of population), and per-hour or per-job measures as
    ``sum(x * w) / sum(w)`` with hours or jobs as ``w`` (``WEIGHTS``), which equals total GVA
    over total hours. A year in which any member is
    missing is NaN (never a partial sum).
    """
    reg = _resolve(region, level)
    if reg.level == "uk" or reg.code == "UK":
        return benchmark_series(measure, "uk")
    data_level = _data_level(reg)
    wide = indicator(measure, data_level)
    if reg.level in ("itl1", "itl2", "itl3", "lad"):
        if reg.code not in wide.index:
            raise UnknownSourceError(f"{measure} has no data for {reg.name} ({reg.code}) at {data_level}")
        out = wide.loc[reg.code]
    else:
        members = list(reg.members)
        missing = [m for m in members if m not in wide.index]
        if missing:
            raise UnknownSourceError(f"{measure} has no data at {data_level} for members {missing} of {reg.name}")
        block = wide.loc[members]
        from levelup.geo.aggregate import RULES, aggregate

        if measure in RULES:  # sums, and ratios of sums of the published numerators
            out = aggregate(measure, members, level=data_level).reindex(block.columns)
        elif measure in ADDITIVE:
            out = block.sum(min_count=len(members)).where(block.notna().all())
        elif measure in WEIGHTS:
            w = indicator(WEIGHTS[measure], data_level).reindex(index=members, columns=block.columns)
            out = (block * w).sum() / w.sum()
            out = out.where(block.notna().all() & w.notna().all())
        else:
            raise ModelInputError(f"{measure} cannot be aggregated over the members of {reg.name}")
    out = out.astype(float)
    out.name = reg.code
    out.attrs = dict(wide.attrs)
    return out


def benchmark_series(measure: str, level: str = "uk") -> pd.Series:
    """The UK (or England) value of a measure by year, as published in the same table."""
    wide = indicator(measure, level)
    if wide.shape[0] != 1:
        raise UnknownSourceError(f"{measure} has {wide.shape[0]} rows at level {level!r}, expected one")
    s = wide.iloc[0].astype(float)
    s.attrs = dict(wide.attrs)
    return s


def uk_series(measure: str, region: Any) -> pd.Series:
    """The UK benchmark of a measure from the same file and vintage as the region's own data.

    Local and combined authorities are compared with the UK total of the local-authority
    file (the sum over its local authorities); ITL regions and ITL-based places with the UK
    row of the ITL tables. Vintages are never mixed in one comparison.
    """
    from levelup.geo import benchmark

    reg = _resolve(region)
    if _data_level(reg) == "lad":
        s = benchmark(measure, "lad").astype(float)
        s.attrs = {"source": "lad_gdp"}
        return s
    return benchmark_series(measure, "uk")



def _memo(key: tuple, fn: Any) -> Any:
    """``fn()`` once per state of the data files (:data:`levelup._store.STORE`); missing data
    (a LevelupError) is raised again, anything else propagates."""
    from levelup._store import STORE
    from levelup.data.api import _as_of

    when = _as_of()  # tables read inside ``as_of()`` are other tables
    return STORE.get(key if when is None else (*key, ("as_of", when)), fn)


@dataclass(frozen=True)
class Missing:
    """Data a question needs that this place or level does not have: the reason, in one line.

    What a report section shows instead of its table (one plain line); any other error is a bug
    and fails the render."""

    reason: str

    def __str__(self) -> str:
        return self.reason


def stored(key: tuple, fn: Any) -> Any:
    """``fn()`` from the store, or :class:`Missing` with the reason when its data are missing."""
    try:
        return _memo(key, fn)
    except LevelupError as exc:
        return Missing(missing_reason(exc))


def missing_reason(exc: BaseException) -> str:
    """The first line of a missing-data error: what a section shows as the reason."""
    return (str(exc) or type(exc).__name__).splitlines()[0]


class _Reads:
    """What a computation read (source ids, in order) and why a measure was unavailable."""

    def __init__(self) -> None:
        self.sources: list[str] = []
        self.reasons: dict[str, str] = {}

    def get(self, measure: str, key: tuple, fn: Any) -> Any:
        """The stored ``fn()``, or None with the reason kept for ``measure`` when its data are
        missing (a LevelupError); any other error propagates."""
        try:
            value = _memo(key, fn)
        except LevelupError as exc:
            self.reasons.setdefault(measure, missing_reason(exc))
            return None
        src = getattr(value, "attrs", {}).get("source")
        if src and src not in self.sources:
            self.sources.append(src)
        return value


#: The UK as a benchmark (its series depends on the place compared: see :func:`_place_series`).
UK = Region("UK", "UK", "uk")
_UK = UK


def _is_uk(ref: Any) -> bool:
    return getattr(ref, "level", None) == "uk" or getattr(ref, "code", None) == "UK"


def _lad_based(region: Any) -> bool:
    """Local and combined authorities and places made of local authorities (the LAD GDP file)."""
    return region.level != "uk" and lad_based(region)


def _place_series(reads: _Reads, measure: str, ref: Any, region: Any) -> pd.Series | None:
    """``measure`` by year for ``ref`` (or None, the reason kept in ``reads``).

    ITL units and local authorities: the published row. Combined authorities and custom places:
    :func:`levelup.geo.aggregate` (sums; per-head values are ratios of sums). The UK: the UK row
    of the same file and vintage as ``region``'s data (:func:`levelup.geo.benchmark` for
    local and combined authorities and places made of local authorities).
    """
    import levelup.geo

    if _is_uk(ref):
        if _lad_based(region):
            return reads.get(measure, ("bench", measure, "lad"), lambda: levelup.geo.benchmark(measure, "lad"))
        wide = reads.get(measure, ("ind", measure, "uk"), lambda: indicator(measure, "uk"))
        if wide is not None and wide.empty:
            reads.reasons.setdefault(measure, f"no UK row for {measure}")
        return None if wide is None or wide.empty else wide.iloc[0].rename("UK")
    if ref.level in ("cauth", "place"):
        members = tuple(ref.members)
        s = reads.get(measure, ("agg", measure, ref.code, members),
                      lambda: levelup.geo.aggregate(measure, list(members), level=ref.member_level))
        return None if s is None else s.rename(ref.code)
    wide = reads.get(measure, ("ind", measure, ref.level), lambda: indicator(measure, ref.level))
    if wide is None:
        return None
    if ref.code not in wide.index:
        reads.reasons.setdefault(measure, f"no {measure} for {ref.code} at {ref.level}")
        return None
    return wide.loc[ref.code].rename(ref.code)


def _peers_table(reads: _Reads, measure: str, level: str) -> pd.DataFrame | None:
    """All units of ``level`` (rows) by year; combined authorities via :func:`levelup.geo.aggregate_level`."""
    if level == "cauth":
        from levelup.geo.aggregate import aggregate_level

        return reads.get(measure, ("level", measure, "cauth"), lambda: aggregate_level(measure, "cauth"))
    return reads.get(measure, ("ind", measure, level), lambda: indicator(measure, level))


def _in_years(s: pd.Series, start_year: int | None, end_year: int | None) -> pd.Series:
    """``s`` without NaN, within ``start_year``..``end_year`` (defaults: its own first and last years)."""
    s = s.dropna()
    lo = start_year if start_year is not None else s.index.min()
    hi = end_year if end_year is not None else s.index.max()
    return s[(s.index >= lo) & (s.index <= hi)]


def _growth_pa(s: pd.Series) -> float:
    """Average annual growth in per cent over the series' first to last year (:func:`annualised_growth`)."""
    y0, y1 = s.index.min(), s.index.max()
    return 100 * annualised_growth(s, y0, y1) if y1 > y0 else np.nan


def _rank(wide: pd.DataFrame | None, code: str, y0: int, y1: int, kind: str) -> tuple[int, int] | None:
    """(rank, peers): 1 + the number of units strictly above (ties share the better rank)."""
    if wide is None or y0 not in wide.columns or y1 not in wide.columns:
        return None
    # growth and size (population) rows show a growth index, so they rank on growth too
    sc = (wide[y1] / wide[y0] if kind in ("growth", "size") else wide[y1]).dropna()
    if code not in sc.index:
        return None
    return int((sc > sc[code]).sum() + 1), int(len(sc))


def rank_among_peers(
    measure: str, region: Any, year: int, *, start_year: int | None = None, level: str | None = None
) -> tuple[int, int] | None:
    """(rank, number of peers) of a region among the units of its own level (1 = highest), or None.

    Ranks the level in ``year``, or the growth ``x_year / x_start_year`` when ``start_year`` is
    given, with standard competition ranking: ``rank = 1 + #{j : score_j > score_region}``
    (ties share the better rank). Peers: every unit of the level with a value (combined
    authorities aggregated from their councils by :func:`levelup.geo.aggregate_level`). Custom
    places are not ranked (None).

    >>> rank_among_peers("gdp_per_head", "TLC", 2021)   # doctest: +SKIP
    (12, 12)
    """
    reg = _resolve(region, level)
    if reg.level not in RANKED_LEVELS:
        return None
    wide = _peers_table(_Reads(), measure, reg.level)
    y0 = year if start_year is None else start_year
    return _rank(wide, reg.code, int(y0), int(year), "level" if start_year is None else "growth")


def annualised_growth(s: pd.Series, start: int, end: int) -> float:
    """Compound annual growth rate between two years, as a fraction: ``(x_end / x_start) ** (1 / (end - start)) - 1``."""
    return (s[end] / s[start]) ** (1.0 / (end - start)) - 1.0


def data_years(region: Any, measure: str = "gdp_per_head") -> list[int]:
    """The years of ``measure`` (GDP per head by default) in the tables that hold ``region``'s
    data, first to last (empty when the table cannot be read)."""
    reg = _resolve(region)
    try:
        wide = _memo(("ind", measure, data_level(reg)), lambda: indicator(measure, data_level(reg)))
    except LevelupError:
        return []
    cols = wide.columns[wide.notna().any(axis=0)]
    return sorted(int(c) for c in cols)


def default_source(measure: str, level: str) -> str:
    """The registry id of the release ``indicator(measure, level)`` reads by default."""
    return str(_memo(("ind", measure, level), lambda: indicator(measure, level)).attrs["source"])


def source_release(source_id: str) -> dict:
    """What a report says about a registered source: ``title, release, publisher`` and ``files``
    (file name -> sha256 of the copy read)."""
    from levelup.data import get_source
    from levelup.data.fetch import fetch_files, sha256_of

    src = get_source(source_id)
    # sha256_of remembers each file's digest while its size and mtime are unchanged
    files = {f.filename: sha256_of(p) for f, p in zip(src.files, fetch_files(source_id, progress=False))}
    return {"title": src.title, "release": src.release, "publisher": src.publisher, "files": files}
