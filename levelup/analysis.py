"""Conveniences that join the data API and the models for the common questions.

This is the only module where data and models meet: models never read files,
and reports never parse spreadsheets. Every function states its sample; units
with missing values are dropped and listed in the result's ``dropped``.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from levelup.data import indicator
from levelup.errors import ModelInputError, UnknownSourceError
from levelup.models._results import Result, new_axes

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
RANKED_LEVELS = {"itl1", "itl2", "itl3", "lad", "cauth"}


def _resolve(region: Any, level: str | None = None):
    from levelup.geo import resolve

    return region if hasattr(region, "code") and hasattr(region, "level") else resolve(region, level=level)


def _data_level(region) -> str:
    """The level whose published tables hold the region's members."""
    if region.level in ("itl1", "itl2", "itl3", "lad", "uk"):
        return region.level
    return getattr(region, "member_level", None) or ("lad" if region.level == "cauth" else "itl3")


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


# ---------------------------------------------------------------------- headline
#: measure -> (label, unit text, source id, weight measure for places, kind). ``kind``: ``level``
#: (index = 100 * x / x_benchmark in the same year), ``growth`` (average annual growth, with a growth
#: index) or ``size`` (the latest level, with a growth index).
MEASURES: dict[str, tuple[str, str, str, str | None, str]] = {
    "gdp_per_head": ("GDP per head", "GBP, current market prices", "gdp", "population", "level"),
    "real_gdp_per_head": ("Real GDP per head growth", "% a year, chained volume (2019 money)", "gdp", "population", "growth"),
    "gva_per_hour": ("GVA per hour worked", "GBP, current prices", "productivity", "hours_worked", "level"),
    "gdhi_per_head": ("GDHI per head", "GBP, current prices", "gdhi", "gdhi_population", "level"),
    "population": ("Population", "persons, mid-year", "gdp", None, "size"),
}
#: The headline measures, in the order the table shows them.
HEADLINE = ("gdp_per_head", "real_gdp_per_head", "gva_per_hour", "gdhi_per_head", "population")
HEADLINE_COLUMNS = ("measure", "label", "unit", "source", "first_year", "year", "value", "index", "first_index",
                    "change", "rank", "peers")

#: (kind, ..., data stamp) -> a table or series read from the processed data, or the first line of the
#: error that reading it raised. Tables are read-only inputs (never modified in place), so keeping
#: them between calls leaks nothing; the data stamp in the key means a rewritten table is read again.
_MEMO: dict[tuple, Any] = {}


def _data_stamp() -> tuple:
    """Changes when a processed table is rewritten, so the memo never serves stale data."""
    from levelup.data.cache import data_stamp

    return data_stamp()


def _memo(key: tuple, fn: Any, stamp: tuple | None = None) -> Any:
    """``fn()`` once per state of the processed data; a failure comes back as its message (a str).

    Shared by :func:`headline` and the region report (hundreds of reports in one process read
    the same tables). ``stamp``: a :func:`_data_stamp` already taken by the caller.
    """
    key = (*key, _data_stamp() if stamp is None else stamp)
    if key not in _MEMO:
        try:
            _MEMO[key] = fn()
        except Exception as exc:  # noqa: BLE001 - the caller says what is missing and why, and goes on
            _MEMO[key] = (str(exc) or type(exc).__name__).splitlines()[0]
    return _MEMO[key]


class _Reads:
    """What a computation read (source ids, in order) and why a measure was unavailable."""

    def __init__(self, stamp: tuple | None = None) -> None:
        self.sources: list[str] = []
        self.reasons: dict[str, str] = {}
        self.stamp = _data_stamp() if stamp is None else stamp

    def get(self, measure: str, key: tuple, fn: Any) -> Any:
        """The memoised ``fn()``, or None with the reason kept for ``measure``."""
        value = _memo(key, fn, self.stamp)
        if isinstance(value, str):
            self.reasons.setdefault(measure, value)
            return None
        src = getattr(value, "attrs", {}).get("source")
        if src and src not in self.sources:
            self.sources.append(src)
        return value


@dataclass(frozen=True)
class _UKRef:
    """The UK as a benchmark (its series depends on the place compared: see :func:`_place_series`)."""

    code: str = "UK"
    name: str = "UK"
    level: str = "uk"


_UK = _UKRef()


def _is_uk(ref: Any) -> bool:
    return getattr(ref, "level", None) == "uk" or getattr(ref, "code", None) == "UK"


def _lad_based(region: Any) -> bool:
    """Local and combined authorities and places made of local authorities (the LAD GDP file)."""
    return region.level in ("lad", "cauth") or getattr(region, "member_level", None) == "lad"


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
    """Average annual growth in per cent: ``100 * ((x_T / x_0) ** (1 / (T - 0)) - 1)``."""
    t = s.index.max() - s.index.min()
    return 100 * ((s.iloc[-1] / s.iloc[0]) ** (1 / t) - 1) if t > 0 else np.nan


def _rank(wide: pd.DataFrame | None, code: str, y0: int, y1: int, kind: str) -> tuple[int, int] | None:
    """(rank, peers): 1 + the number of units strictly above (ties share the better rank)."""
    if wide is None or y0 not in wide.columns or y1 not in wide.columns:
        return None
    sc = (wide[y1] / wide[y0] if kind == "growth" else wide[y1]).dropna()
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


@dataclass(frozen=True)
class HeadlineRow:
    """One headline measure (numbers None/NaN when the place lacks it; see ``Headline.missing``)."""

    measure: str
    label: str
    unit: str
    source: str
    kind: str
    first_year: int | None = None
    year: int | None = None
    value: float = float("nan")
    index: float = float("nan")
    first_index: float = float("nan")
    change: float = float("nan")
    rank: int | None = None
    peers: int | None = None

    @property
    def available(self) -> bool:
        return self.year is not None

    def record(self) -> dict[str, Any]:
        row: dict[str, Any] = {"measure": self.measure, "label": self.label, "unit": self.unit, "source": self.source}
        if self.available:
            row |= {"first_year": self.first_year, "year": self.year, "value": self.value, "index": self.index,
                    "first_index": self.first_index, "change": self.change,
                    "rank": np.nan if self.rank is None else self.rank,
                    "peers": np.nan if self.peers is None else self.peers}
        return row


_LEVEL_TEXT = {"itl1": "ITL1 region", "itl2": "ITL2 region", "itl3": "ITL3 region", "lad": "local authority",
               "cauth": "combined authority", "place": "custom place", "uk": "the UK"}
_PEERS_TEXT = {"itl1": "ITL1 regions", "itl2": "ITL2 regions", "itl3": "ITL3 regions", "lad": "local authorities",
               "cauth": "combined authorities"}


def _fmt_value(measure: str, v: float) -> str:
    if MEASURES[measure][4] == "growth":
        return f"{v:.1f}% a year"
    if MEASURES[measure][4] == "size":
        return f"{v:,.0f}"
    return f"£{v:,.2f}" if measure == "gva_per_hour" else f"£{v:,.0f}"


@dataclass(frozen=True)
class Headline(Result):
    """The headline table of a place: latest value, benchmark = 100 index, rank among peers, change.

    ``rows``: one :class:`HeadlineRow` per measure of :data:`HEADLINE`; ``missing``: (measure,
    reason) for the measures this place lacks; ``unranked``: (measure, reason) for measures shown
    whose peers could not be read; ``sources``: the source ids read, in order.
    """

    title = "Headline indicators"
    region: str = ""
    code: str = ""
    level: str = ""
    benchmark: str = "UK"
    benchmark_code: str = "UK"
    start_year: int | None = None
    end_year: int | None = None
    rows: tuple[HeadlineRow, ...] = ()
    missing: tuple[tuple[str, str], ...] = ()
    unranked: tuple[tuple[str, str], ...] = ()
    sources: tuple[str, ...] = ()
    basis: str = ""  # what the benchmark's figures are

    def to_frame(self) -> pd.DataFrame:
        """One row per measure: ``measure, label, unit, source, first_year, year, value, index,
        first_index, change, rank, peers`` (NaN where the place lacks the measure or is not ranked)."""
        return pd.DataFrame([r.record() for r in self.rows]).reindex(columns=list(HEADLINE_COLUMNS))

    def reasons(self) -> dict[str, str]:
        """Why a measure is not shown, or shown without a rank, in the order of :data:`HEADLINE`."""
        why = dict(self.missing) | dict(self.unranked)
        return {r.measure: why[r.measure] for r in self.rows if r.measure in why}

    def notes(self) -> list[str]:
        b = self.benchmark
        out = [
            f"Index: 100 * value / {b} value in the same year (levels); growth index 100 * (x_T / x_0) / "
            f"({b}_T / {b}_0) for real growth and population. Change: index points for levels, per cent otherwise.",
        ]
        if self.basis:
            out.append(f"Benchmark: {self.basis}.")
        if self.level in RANKED_LEVELS:
            out.append(f"Rank among all {_PEERS_TEXT[self.level]} (1 = highest; ties share the better rank); "
                       "real GDP per head is ranked on its growth.")
        else:
            out.append("Custom places are compared with the benchmark, not ranked among other places.")
        units = "; ".join(f"{r.label}: {r.unit}" for r in self.rows if r.available)
        if units:
            out.append(f"Units: {units}.")
        out += [f"Not available: {MEASURES[m][0]} ({why})" for m, why in self.missing]
        out += [f"Not ranked: {MEASURES[m][0]} ({why})" for m, why in self.unranked]
        if self.sources:
            out.append("Sources: " + ", ".join(self.sources))
        return out

    def summary(self) -> str:
        b = self.benchmark
        head = f"{self.region} ({self.code}, {_LEVEL_TEXT.get(self.level, self.level)}), against the {b}"
        table = [("Indicator", "Latest", f"{b} = 100", "Rank (1 = highest)", "Change")]
        for r in self.rows:
            if not r.available:
                table.append((r.label, "not available", "", "", ""))
                continue
            kind = MEASURES[r.measure][4]
            period = f"{r.first_year}-{r.year}" if kind == "growth" else f"{r.year}"
            index = f"{r.index:.1f}" + ("" if kind == "level" else f" (growth since {r.first_year})")
            rank = f"{r.rank} of {r.peers}" if r.rank is not None else "not ranked"
            change = f"{r.change:+.1f} points" if kind == "level" else f"{r.change:+.1f}%"
            table.append((r.label, f"{_fmt_value(r.measure, r.value)} ({period})", index, rank,
                          f"{change} since {r.first_year}"))
        widths = [max(len(row[i]) for row in table) for i in range(5)]
        lines = [head, ""]
        lines += ["  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip() for row in table]
        notes = [textwrap.fill(n, 100, subsequent_indent="  ") for n in self.notes()]
        return "\n".join([*lines, "", *notes])

    def _repr_html_(self) -> str:
        import html as _html

        notes = "".join(f"<li>{_html.escape(n)}</li>" for n in self.notes())
        table = self.to_frame().to_html(index=False, float_format=lambda x: f"{x:,.6g}", na_rep="")
        title = f"{self.title}: {self.region} ({self.code}), {self.benchmark} = 100"
        return f"<div><strong>{_html.escape(title)}</strong>{table}<ul>{notes}</ul></div>"

    def plot(self, ax: Any = None, **kwargs: Any) -> Any:
        """Horizontal bars of the benchmark = 100 index of each measure shown."""
        ax = new_axes(ax)
        rows = [r for r in self.rows if r.available][::-1]
        ax.barh([r.label for r in rows], [r.index - 100 for r in rows], left=100, **kwargs)
        ax.axvline(100, color="0.3", lw=0.8)
        ax.set_xlabel(f"{self.benchmark} = 100")
        ax.set_title(f"{self.region}: headline indicators", loc="left")
        return ax


def headline(
    region: Any,
    *,
    level: str | None = None,
    benchmark: Any = "UK",
    start_year: int | None = None,
    end_year: int | None = None,
) -> Headline:
    """Headline indicators of a place against a benchmark (:data:`HEADLINE`, :data:`MEASURES`).

    For each measure, over the years both the place and the benchmark have data within
    ``start_year``..``end_year`` (defaults: all), first year ``0`` and latest ``T``:

    * ``level`` measures (GDP per head, GVA per hour in GBP, GDHI per head): value ``x_T``, index
      ``100 * x_T / b_T``, first index ``100 * x_0 / b_0``, change = the difference in index points;
    * ``growth`` (real GDP per head, chained volume): value = average annual growth
      ``100 * ((x_T / x_0) ** (1 / T) - 1)``, index = growth index
      ``100 * (x_T / x_0) / (b_T / b_0)``, first index 100, change ``100 * (x_T / x_0 - 1)``;
    * ``size`` (population): value ``x_T``, the growth index and per cent change as for growth.

    ``rank``: among all units of the place's level with data in both years
    (``1 + #{peers strictly above}``, ties sharing the better rank), on the level in ``T``
    or, for growth, on ``x_T / x_0``; combined authorities are ranked among combined
    authorities aggregated from their councils (:func:`levelup.geo.aggregate_level`); custom
    places are not ranked. Places made of members are aggregated by
    :func:`levelup.geo.aggregate` (ratios of sums; ONS, *Regional economic activity by GDP, UK:
    1998 to 2021*, Methods). ``benchmark``: ``"UK"`` (local and combined authorities and
    LAD-based places: the UK total of the same local-authority file, :func:`levelup.geo.benchmark`,
    so vintages are never mixed; others: the UK row of the ITL tables) or any region.
    Measures a place lacks are listed with the reason in ``missing``.

    >>> headline("North East").to_frame().set_index("measure").loc["gdp_per_head", "index"]  # doctest: +SKIP
    """
    reg = _resolve(region, level)
    bench = benchmark if hasattr(benchmark, "code") and hasattr(benchmark, "level") else (
        None if str(benchmark).strip().upper() == "UK" else _resolve(benchmark))
    if bench is not None and _is_uk(bench):
        bench = None
    reads = _Reads()
    rows, missing, unranked = [], [], []
    for m in HEADLINE:
        label, unit, source, _, kind = MEASURES[m]
        base = {"measure": m, "label": label, "unit": unit, "source": source, "kind": kind}
        r = _place_series(reads, m, reg, reg)
        b = _place_series(reads, m, bench if bench is not None else _UK, reg)
        if r is None or b is None:
            rows.append(HeadlineRow(**base))
            continue
        both = pd.concat([_in_years(r, start_year, end_year), b], axis=1, join="inner").dropna()
        if len(both) < 2:
            reads.reasons.setdefault(m, f"fewer than two years of {m} for {reg.name}")
            rows.append(HeadlineRow(**base))
            continue
        rs, bs = both.iloc[:, 0], both.iloc[:, 1]
        y0, y1 = int(both.index.min()), int(both.index.max())
        rel = 100 * rs / bs
        if kind == "level":
            value, index, first_index = rs.iloc[-1], rel.iloc[-1], rel.iloc[0]
            change = index - first_index
        else:
            value = _growth_pa(rs) if kind == "growth" else rs.iloc[-1]
            index = 100 * (rs.iloc[-1] / rs.iloc[0]) / (bs.iloc[-1] / bs.iloc[0])
            first_index, change = 100.0, 100 * (rs.iloc[-1] / rs.iloc[0] - 1)
        rank = None
        if reg.level in RANKED_LEVELS:
            rank = _rank(_peers_table(reads, m, reg.level), reg.code, y0, y1, kind)
            if rank is None and m in reads.reasons:
                unranked.append((m, reads.reasons[m]))
        rows.append(HeadlineRow(**base, first_year=y0, year=y1, value=float(value), index=float(index),
                                first_index=float(first_index), change=float(change),
                                rank=None if rank is None else rank[0], peers=None if rank is None else rank[1]))
    missing = [(row.measure, reads.reasons.get(row.measure, "no data")) for row in rows if not row.available]
    if bench is not None:
        basis = f"{bench.name} ({bench.code}, {_LEVEL_TEXT.get(bench.level, bench.level)})"
    elif _lad_based(reg):
        basis = "the UK total of the local-authority GDP file (the same release as the area's figures)"
    else:
        basis = "the UK row of the ITL tables (the same release as the area's figures)"
    return Headline(
        region=reg.name, code=reg.code, level=reg.level,
        benchmark="UK" if bench is None else bench.name, benchmark_code="UK" if bench is None else bench.code,
        start_year=start_year, end_year=end_year, rows=tuple(rows), missing=tuple(missing),
        unranked=tuple(unranked), sources=tuple(reads.sources), basis=basis,
    )


@dataclass(frozen=True)
class Relative(Result):
    """A measure relative to the UK (UK = 100) over time, for a region and its comparators."""

    title = "Relative to the UK"
    measure: str = ""
    frame: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)

    def to_frame(self) -> pd.DataFrame:
        return self.frame

    def plot(self, ax: Any = None, **kwargs: Any) -> Any:
        ax = new_axes(ax)
        for col in self.frame.columns:
            ax.plot(self.frame.index, self.frame[col], label=col, **kwargs)
        ax.axhline(100, color="0.5", lw=0.8, ls="--")
        ax.set_ylabel("UK = 100")
        ax.legend(frameon=False)
        return ax


def relative(measure: str, region: Any, *, comparators: tuple = ("parent",), level: str | None = None) -> Relative:
    """``measure`` of a region (and its parent, or other comparators) as UK = 100, by year."""
    reg = _resolve(region, level)
    uk = uk_series(measure, reg)
    cols = {reg.name: series(measure, reg)}
    for c in comparators:
        if c == "parent":
            if getattr(reg, "parent", None):
                par = _resolve(reg.parent)
                cols[par.name] = series(measure, par)
        else:
            other = _resolve(c)
            cols[other.name] = series(measure, other)
    frame = pd.DataFrame(cols)
    if measure.endswith("_index") or measure.endswith("_index_smoothed"):
        rel = frame
    else:
        rel = frame.div(uk, axis=0) * 100
    rel.index.name = "year"
    return Relative(measure=measure, frame=rel.dropna(how="all"))


# --------------------------------------------------------------------------- gap
def gap(
    place: Any,
    measure: str = "real_gdp_per_head",
    *,
    benchmark: str = "UK",
    rates: tuple[float, ...] = (0.01, 0.03),
    level: str | None = None,
):
    """How far a place is behind a benchmark and how long closing the gap takes.

    The place grows at each of ``rates`` a year while the benchmark keeps its own trend
    growth (compound average over the data's years, stated in the result): see
    :func:`levelup.models.scenarios.compare`. ``benchmark`` is ``"UK"`` or any region.
    The default measure is real GDP per head (chained volume), because the 1% and 3%
    rates are real growth rates; with current-price data the benchmark's trend includes
    inflation and no real rate would ever close the gap.
    """
    from levelup.models.scenarios import compare

    reg = _resolve(place, level)
    s = series(measure, reg)
    if str(benchmark).upper() == "UK":
        b, bname = uk_series(measure, reg), "UK"
    else:
        breg = _resolve(benchmark)
        b, bname = series(measure, breg), breg.name
    return compare(s, b, rates=rates, region_name=reg.name, benchmark_name=bname)


# ------------------------------------------------------------------- convergence
@dataclass(frozen=True)
class ConvergenceSummary(Result):
    """Beta and sigma convergence of one measure at one level over one period."""

    title = "Convergence"
    measure: str = ""
    level: str = ""
    start: int = 0
    end: int = 0
    beta: Any = None
    sigma: Any = None
    dropped: tuple = ()

    def to_frame(self) -> pd.DataFrame:
        b = self.beta
        s0, s1 = self.sigma.series.iloc[0], self.sigma.series.iloc[-1]
        return pd.DataFrame(
            {
                "value": [b.beta, b.se, b.pvalue, b.speed, b.half_life, b.nobs, s0, s1, self.sigma.trend.slope],
            },
            index=["beta", "se", "pvalue", "speed", "half_life", "nobs", f"sigma_{self.start}", f"sigma_{self.end}",
                   "sigma_trend"],
        )

    def notes(self) -> list[str]:
        return [
            f"{self.measure} at {self.level}, {self.start}-{self.end}.",
            *self.beta.notes(),
            *self.sigma.notes(),
            *([f"Dropped for missing values: {', '.join(map(str, self.dropped))}"] if self.dropped else []),
        ]

    def plot(self, ax: Any = None, **kwargs: Any) -> Any:
        return self.beta.plot(ax=ax, **kwargs)


def convergence(
    measure: str = "gdp_per_head",
    level: str = "itl3",
    start: int | None = None,
    end: int | None = None,
    *,
    cov: str = "HC1",
    weights: str | None = None,
) -> ConvergenceSummary:
    """Beta convergence (OLS, ``cov`` covariance) and sigma convergence (sd of logs) in one call.

    Units with a missing value in any year of the window are dropped and listed.
    ``weights="population"`` weights both by the first year's population.
    """
    from levelup.models import convergence as conv

    wide = indicator(measure, level)
    start = int(wide.columns.min()) if start is None else int(start)
    end = int(wide.columns.max()) if end is None else int(end)
    panel = wide.loc[:, start:end]
    bad = panel.isna().any(axis=1)
    dropped = tuple(panel.index[bad])
    panel = panel.loc[~bad]
    w = None
    if weights:
        w = indicator(weights, level)[start].reindex(panel.index)
    b = conv.beta(panel[start], panel[end], end - start, cov=cov, weights=w)
    s = conv.sigma(panel, weights=None)
    return ConvergenceSummary(measure=measure, level=level, start=start, end=end, beta=b, sigma=s, dropped=dropped)


# -------------------------------------------------------------------- inequality
def inequality(
    measure: str = "gdp_per_head",
    level: str = "itl3",
    years: tuple[int, int] | None = None,
    *,
    groups: str | None = "itl1",
    weights: str | None = "population",
) -> pd.DataFrame:
    """Every inequality index across units of ``level`` for each year, as a tidy frame.

    Columns ``period, measure, value, weighted, n, dropped`` (see
    :func:`levelup.models.inequality.summary_table`), plus the Theil decomposition into
    between- and within-``groups`` parts (rows ``theil_between``, ``theil_within``) when
    ``groups`` is a parent level (``"itl1"`` or ``"itl2"``).
    """
    from levelup.models import inequality as ineq

    wide = indicator(measure, level)
    if years is not None:
        wide = wide.loc[:, years[0] : years[1]]
    w = None
    if weights:
        w = indicator(weights, level).reindex(index=wide.index, columns=wide.columns)
    table = ineq.summary_table(wide, weights=w)
    depth = {"itl1": 1, "itl2": 2, "itl3": 3, "lad": 4}
    if groups and depth.get(groups, 0) < depth.get(level, 0) and level != "lad":
        n = {"itl1": 3, "itl2": 4}[groups]
        labels = pd.Series([c[:n] for c in wide.index], index=wide.index)
        rows = []
        for y in wide.columns:
            col = wide[y].dropna()
            if col.size < 3:
                continue
            d = ineq.theil_decomposition(col, labels[col.index], weights=None if w is None else w[y][col.index])
            rows += [
                {"period": y, "measure": "theil_between", "value": d.between, "weighted": w is not None, "n": col.size,
                 "dropped": wide.shape[0] - col.size},
                {"period": y, "measure": "theil_within", "value": d.within, "weighted": w is not None, "n": col.size,
                 "dropped": wide.shape[0] - col.size},
            ]
        table = pd.concat([table, pd.DataFrame(rows)], ignore_index=True)
    table.attrs = {"measure": measure, "level": level, "source": wide.attrs.get("source", "")}
    return table


# ------------------------------------------------------------------- shift-share
#: source name -> (registry measure, level with data, description)
SHIFT_SHARE_SOURCES = {
    "jobs": ("jobs", "itl1", "ONS JOBS05 workforce jobs (June quarters, thousands, seasonally adjusted)"),
    "bres": ("employment", "itl3", "BRES employees (Nomis export)"),
    "gva": ("gva", None, "ONS regional GVA(B) by industry, current prices, GBP million"),
}


def industry_table(source: str, level: str) -> pd.DataFrame:
    """Wide table (geo_code, industry) x year of one by-industry source at a level, sections only.

    ``jobs``: JOBS05 SIC 2007 sections A-T (June quarters). ``bres``: BRES sections A-U.
    ``gva``: GVA(B) by SIC section (AB, C, DE, F, G ... T as ONS groups them), current prices.
    """
    from levelup.data import load

    if source not in SHIFT_SHARE_SOURCES:
        raise UnknownSourceError(f"shift-share source must be one of {list(SHIFT_SHARE_SOURCES)}, got {source!r}")
    measure, _, _ = SHIFT_SHARE_SOURCES[source]
    src = {"jobs": "jobs05", "bres": "bres", "gva": "gva_industry"}[source]
    df = load(src)
    df = df[(df["measure"] == measure) & (df["level"].isin([level, "uk"]))]
    if source == "jobs":
        df = df[df["period"].str.startswith("Jun") & ~df["industry"].isin(["Total", "G-T"])]
    elif source == "bres":
        df = df[df["industry"] != "Total"]
    else:
        df = df[df["section"].astype(str) != ""]
        df = df.assign(industry=df["section"])
    wide = df.pivot_table(index=["geo_code", "industry"], columns="year", values="value", aggfunc="sum", dropna=False)
    wide.columns = wide.columns.astype(int)
    return wide


def shift_share(
    place: Any,
    start: int,
    end: int,
    *,
    source: str = "jobs",
    benchmark: str = "UK",
    method: str = "dunn",
    level: str | None = None,
):
    """Shift-share decomposition of a place's change between two years (Dunn 1960 by default).

    ``source``: ``"jobs"`` (JOBS05, ITL1 regions, 1996-2021), ``"bres"`` (BRES employees,
    ITL3 units and places built from them, GB, 2015-2021) or ``"gva"`` (GVA by industry,
    current prices, ITL1-ITL3, 1998-2021). ``benchmark`` is ``"UK"`` (the sum of all units
    in the same table, so industries align exactly) or another region. ``method``:
    ``dunn``, ``esteban`` or ``arcelus``. Industries are aligned by SIC section; a section
    missing on one side raises an error naming it.
    """
    from levelup.models import shiftshare

    reg = _resolve(place, level)
    _, data_level, desc = SHIFT_SHARE_SOURCES[source]
    unit_level = reg.level if reg.level in ("itl1", "itl2", "itl3") else _data_level(reg)
    if data_level == "itl1" and unit_level != "itl1":
        raise UnknownSourceError(f"{desc} is published for ITL1 regions only; use source='bres' or 'gva' for {reg.name}")
    table_level = data_level or unit_level
    if source == "bres" and unit_level in ("itl1", "itl2"):
        table_level = "itl3"
    if source == "bres" and unit_level == "lad":
        raise UnknownSourceError(f"{desc} is by ITL3 area, not by local authority: no shift-share for {reg.name}")
    wide = industry_table(source, table_level)
    years = [int(start), int(end)]
    for y in years:
        if y not in wide.columns:
            raise UnknownSourceError(f"{desc} has no year {y}; it covers {wide.columns.min()}-{wide.columns.max()}")
    codes = wide.index.get_level_values("geo_code")
    if reg.level == table_level:
        members = [reg.code]
    elif reg.level in ("itl1", "itl2") and table_level == "itl3":
        members = sorted({c for c in codes if c.startswith(reg.code) and len(c) == 5})
    else:
        members = list(reg.members)
    missing = [m for m in members if m not in set(codes)]
    if missing:
        raise UnknownSourceError(f"{desc} has no data for {missing} (members of {reg.name})")
    region = wide.loc[members, years].groupby(level="industry").sum(min_count=1)
    units = wide[~codes.isin(["UK", "UKX", "TLB", "TLZ", "GB"])]
    if str(benchmark).upper() == "UK":
        nation = units.loc[:, years].groupby(level="industry").sum(min_count=1)
        bname = f"UK (sum of {table_level} units)"
    else:
        breg = _resolve(benchmark)
        nation = wide.loc[[breg.code], years].groupby(level="industry").sum(min_count=1)
        bname = breg.name
    fn = {"dunn": shiftshare.dunn, "esteban": shiftshare.esteban, "arcelus": shiftshare.arcelus}[method]
    res = fn(region[years[0]], region[years[1]], nation[years[0]], nation[years[1]])
    object.__setattr__(res, "title", f"{res.title}: {reg.name}, {start}-{end}, against {bname}")
    return res


# ------------------------------------------------------------ industry structure
#: The SIC 2007 sections of the GVA-by-industry tables (ONS groups some at small areas: ``AB``
#: and ``DE`` at ITL3, ``ABDE`` for local authorities); subsections such as ``CA-CB`` are excluded.
_LAD_SECTION = r"^(?P<section>[A-Z]|ABDE) \("


_SECTIONS_MEMO: dict[tuple, tuple] = {}


def _processed_stamp(source_id: str) -> int | None:
    """When the source's processed table was last written (None before the first load)."""
    from levelup import config

    try:
        return (config.processed_dir() / f"{source_id}.json").stat().st_mtime_ns
    except OSError:
        return None


def _gva_sections(level: str) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, str], str]:
    """Memoised :func:`_gva_sections_uncached`, rebuilt when the processed table is rewritten."""
    src = "lad_gva_industry" if level == "lad" else "gva_industry"
    key = (level, _processed_stamp(src))
    if key[1] is None or key not in _SECTIONS_MEMO:
        out = _gva_sections_uncached(level)
        _SECTIONS_MEMO[(level, _processed_stamp(src))] = out
        return out
    return _SECTIONS_MEMO[key]


def _gva_sections_uncached(level: str) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, str], str]:
    """(sections, totals, section names, source id) of current-price GVA at ``level``.

    ``sections``: index (geo_code, section) x years; ``totals``: geo_code x years (the published
    all-industries row). Local authorities come from ``lad_gva_industry`` (2021 codes) summed to
    their April 2023 codes with the file's ``lad23`` column; a sum with a suppressed member is NaN.
    """
    from levelup.data import load

    if level == "lad":
        src = "lad_gva_industry"
        df = load(src)
        df = df[df["measure"] == "gva"]
        sec = df["industry"].str.extract(_LAD_SECTION)["section"]
        df = df.assign(section=sec.fillna(""), geo_code=df["lad23"])
        df = df[(df["section"] != "") | (df["industry"] == "Total")]
    else:
        src = "gva_industry"
        df = load(src)
        df = df[(df["measure"] == "gva") & (df["level"] == level)]
        df = df[(df["section"].astype(str) != "") | (df["industry"] == "Total")]
        df = df.assign(section=df["section"].astype(str))
    if df.empty:
        raise UnknownSourceError(f"GVA by industry has no rows at level {level!r}")
    names = dict(zip(df["section"], df["industry_name"]))
    names.pop("", None)
    df = df.assign(nan=df["value"].isna())
    agg = df.groupby(["geo_code", "section", "year"], sort=True).agg(value=("value", "sum"), nan=("nan", "any"))
    agg["value"] = agg["value"].where(~agg["nan"])
    wide = agg["value"].unstack("year")
    wide.columns = wide.columns.astype(int)
    totals = wide.xs("", level="section")
    sections = wide.drop(index="", level="section")
    return sections, totals, names, src


def industry_shares(place: Any, year: int | list[int] | None = None, *, level: str | None = None) -> pd.DataFrame:
    """Shares of GVA by SIC 2007 section and location quotients of a place against the UK.

    For a place P (its members summed), a SIC section s and a year:

        share_Ps = 100 * GVA_Ps / GVA_P      uk_share_s = 100 * GVA_UKs / GVA_UK
        LQ_Ps = share_Ps / uk_share_s        (Miller, Gibson and Wright 1991; as
                                              :func:`levelup.models.specialisation.location_quotient`)

    with ``GVA_P`` the published all-industries total (so a suppressed section does not inflate
    the others). GVA is current basic prices, GBP million. Data: ITL regions and places made of
    ITL3 units use the regional GVA-by-industry table (``gva_industry``); local authorities,
    combined authorities and places made of local authorities use the local-authority table
    (``lad_gva_industry``, 374 districts of 2021 summed to the April 2023 authorities: Cumberland =
    Allerdale + Carlisle + Copeland, ...; newer member codes such as E08000038 map to their April
    2023 code). The UK is the sum over every unit of the same table and level, so vintages are
    never mixed; units with a suppressed section (ONS marker ``c``: Cornwall and the Isles of
    Scilly) are left out of the UK sum in that year and listed in ``attrs["uk_excluded"]``. A
    region's section is NaN where a member's value is suppressed.

    Returns a tidy frame, one row per year and section: ``year, section, section_name,
    region_gva, region_total, share, uk_gva, uk_total, uk_share, lq`` (shares in per cent).
    ``year``: one year, a list, or None for the latest.

    >>> industry_shares("Liverpool", 2021, level="lad").set_index("section").loc["C", "share"]  # doctest: +SKIP
    """
    from levelup.geo.aggregate import match_members

    reg = _resolve(place, level)
    if reg.level in ("itl1", "itl2", "itl3"):
        table_level, members = reg.level, [reg.code]
    elif reg.level in ("lad", "cauth") or getattr(reg, "member_level", None) == "lad":
        table_level, members = "lad", [reg.code] if reg.level == "lad" else list(reg.members)
    elif reg.level == "place":
        table_level, members = "itl3", list(reg.members)
    else:
        raise ModelInputError(f"no industry structure for {reg.name} ({reg.level}): it is the benchmark")
    sections, totals, names, src = _gva_sections(table_level)
    codes, code_map = match_members(members, totals.index)
    have = [int(c) for c in totals.columns]
    years = [have[-1]] if year is None else [int(y) for y in np.atleast_1d(year)]
    bad = [y for y in years if y not in have]
    if bad:
        raise UnknownSourceError(f"GVA by industry ({src}) has no year {bad}; it covers {have[0]}-{have[-1]}")
    secs = sections.index.get_level_values("section")
    sec_order = sorted(set(secs), key=lambda s: (s[0], len(s)))
    rows, excluded = [], {}
    for y in years:
        col = sections[y].unstack("section").reindex(columns=sec_order)
        tot = totals[y]
        sub, t = col.loc[codes], tot.loc[codes]
        reg_gva = sub.sum(min_count=1).where(sub.notna().all())
        reg_tot = float(t.sum()) if t.notna().all() else np.nan
        complete = col.notna().all(axis=1) & tot.reindex(col.index).notna()
        excluded[y] = sorted(col.index[~complete])
        uk_gva = col.loc[complete].sum()
        uk_tot = float(tot.reindex(col.index)[complete].sum())
        share, uk_share = 100 * reg_gva / reg_tot, 100 * uk_gva / uk_tot
        rows.append(pd.DataFrame({
            "year": y, "section": sec_order, "section_name": [names.get(s, s) for s in sec_order],
            "region_gva": reg_gva.to_numpy(), "region_total": reg_tot, "share": share.to_numpy(),
            "uk_gva": uk_gva.to_numpy(), "uk_total": uk_tot, "uk_share": uk_share.to_numpy(),
            "lq": (share / uk_share).to_numpy(),
        }))
    out = pd.concat(rows, ignore_index=True)
    out.attrs = {
        "region": reg.code, "name": reg.name, "level": reg.level, "table_level": table_level, "source": src,
        "members": tuple(codes), "code_map": code_map, "uk_excluded": excluded,
        "unit": "GBP million, current basic prices",
        "benchmark": f"UK = sum of the {table_level} units of the same table"
        + (" (April 2023 authorities built from the 2021 districts)" if table_level == "lad" else ""),
    }
    return out


# ------------------------------------------------------------------------ peers
def peer_table(place: Any, n: int = 5, *, on: tuple[str, ...] = ("gdp_per_head", "population"),
               year: int | None = None, level: str | None = None) -> pd.DataFrame:
    """A place and its ``n`` statistical neighbours with GDP per head and population.

    Neighbours from :func:`levelup.geo.peers`: among places of the same kind (ITL1/2/3 units, local
    authorities, combined authorities), the smallest standardised Euclidean distance
    ``d(p, j) = sqrt(sum_k (z_pk - z_jk)^2)`` on the indicators ``on`` (z-scores, ddof 0, across
    the kind; CIPFA Nearest Neighbours Model, 2019; Everitt et al., *Cluster Analysis*, 2011,
    sec. 3.3), in ``year`` (default: the latest year the place has every indicator). Values are
    those of the same tables: published rows for ITL units and local authorities, sum(GDP) /
    sum(population) over members for combined authorities (:func:`levelup.geo.aggregate`).

    Custom places have no peers (they are compared with the UK, not ranked among other places):
    ``ModelInputError``. Returns one row for the place (``rank`` 0, ``role`` "place") then one per
    neighbour, nearest first: ``rank, role, code, name, distance, gdp_per_head, population, year``.

    >>> peer_table("Barking and Dagenham", n=3)[["rank", "name"]]   # doctest: +SKIP
    """
    from levelup.geo import peers
    from levelup.geo.aggregate import aggregate_level

    reg = _resolve(place, level)
    if reg.level not in ("itl1", "itl2", "itl3", "lad", "cauth"):
        raise ModelInputError(
            f"{reg.name} is a {reg.level}: custom places are compared with the UK and their parent regions, "
            "not with statistical neighbours"
        )
    res = peers(reg, n=n, on=on, year=year)
    cols = {}
    for m in ("gdp_per_head", "population"):
        wide = aggregate_level(m, "cauth") if reg.level == "cauth" else indicator(m, reg.level)
        cols[m] = wide[res.year] if res.year in wide.columns else pd.Series(dtype=float)
    t = res.table[["rank", "code", "name", "distance"]].copy()
    own = pd.DataFrame({"rank": [0], "code": [reg.code], "name": [reg.name], "distance": [0.0]})
    t = pd.concat([own, t], ignore_index=True)
    t.insert(1, "role", ["place"] + ["peer"] * (len(t) - 1))
    for m, s in cols.items():
        t[m] = s.reindex(t["code"]).to_numpy(dtype=float)
    t["year"] = res.year
    t.attrs = {"kind": res.kind, "on": res.on, "year": res.year, "n_candidates": res.n_candidates,
               "dropped": res.dropped, "notes": res.notes()}
    return t
