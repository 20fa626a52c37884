"""Headline indicators of a place against a benchmark, and a measure relative to the UK over time."""

from __future__ import annotations

import textwrap
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from levelup.analysis._common import (
    _UK,
    RANKED_LEVELS,
    _growth_pa,
    _in_years,
    _is_uk,
    _memo,
    _peers_table,
    _place_series,
    _rank,
    _Reads,
    _resolve,
    missing_reason,
    series,
    uk_series,
)
from levelup.data import get_source, indicator, vintages
from levelup.errors import LevelupError, UnknownSourceError
from levelup.geo.levels import LEVELS
from levelup.results import Result, new_axes

#: measure -> (label, unit text, source id, weight measure for places, kind). ``kind``: ``level``
#: (index = 100 * x / x_benchmark in the same year), ``growth`` (average annual growth, with a growth
#: index) or ``size`` (the latest level, with a growth index). The source id is the family's oldest
#: release; :func:`measure_pair` reads each measure from the newest release that has the place.
MEASURES: dict[str, tuple[str, str, str, str | None, str]] = {
    "gdp_per_head": ("GDP per head", "GBP, current market prices", "gdp", "population", "level"),
    "real_gdp_per_head": ("Real GDP per head growth", "% a year, chained volume", "gdp", "population", "growth"),
    "gva_per_hour": ("GVA per hour worked", "GBP, current prices", "productivity", "hours_worked", "level"),
    "gdhi_per_head": ("GDHI per head", "GBP, current prices", "gdhi", "gdhi_population", "level"),
    "employment_rate": ("Employment rate", "% of residents aged 16-64 (Annual Population Survey)",
                        "els_employment", None, "level"),
    "median_weekly_pay": ("Median weekly pay", "GBP, employees living in the area (ASHE)", "els_pay", None, "level"),
    "population": ("Population", "persons, mid-year", "gdp", None, "size"),
}
#: The headline measures, in the order the table shows them.
HEADLINE = ("gdp_per_head", "real_gdp_per_head", "gva_per_hour", "gdhi_per_head", "employment_rate",
            "median_weekly_pay", "population")
HEADLINE_COLUMNS = ("measure", "label", "unit", "source", "release", "first_year", "year", "value", "lower", "upper",
                    "index", "first_index", "change", "rank", "peers", "same_area")
#: A measure and what stands in for it where ONS does not publish it at a level (GVA per hour
#: worked is published for councils only as the smoothed series).
ALTERNATIVES = {"gva_per_hour": ("gva_per_hour", "gva_per_hour_smoothed")}
#: Levels whose units ONS publishes directly.
PUBLISHED_LEVELS = ("itl1", "itl2", "itl3", "lad", "cauth")


@dataclass(frozen=True)
class Pair:
    """A measure for a place and its benchmark, both from one file of one release.

    ``place``/``uk``: the series by year; ``lower``/``upper``: the place's 95% bounds where ONS
    publishes them (else None), ``uk_lower``/``uk_upper`` the benchmark's; ``measure``: what was
    read (``gva_per_hour_smoothed`` where only that is published); ``source``/``release``: the
    registry id and release date; ``level``/``code``: the table and row read; ``same_as``: the
    published unit of the same councils whose row stands in for the place (None: its own row, or
    an aggregate of its members when ``aggregated``); ``peers``: the whole table at that level,
    for ranks (None when the place is not ranked against it)."""

    measure: str
    place: pd.Series
    uk: pd.Series
    source: str
    release: str
    level: str
    code: str
    same_as: Any = None
    aggregated: bool = False
    peers: pd.DataFrame | None = field(default=None, repr=False)
    lower: pd.Series | None = field(default=None, repr=False)
    upper: pd.Series | None = field(default=None, repr=False)
    uk_lower: pd.Series | None = field(default=None, repr=False)
    uk_upper: pd.Series | None = field(default=None, repr=False)

    @property
    def years(self) -> list[int]:
        """Years both the place and the benchmark have."""
        both = pd.concat([self.place, self.uk], axis=1).dropna()
        return [int(y) for y in both.index]

    @property
    def last_year(self) -> int:
        return self.years[-1]


def _stored_wide(measure: str, level: str, source: str, bound: str | None = None) -> pd.DataFrame:
    return _memo(("ind_src", measure, level, source, bound),
                 lambda: indicator(measure, level, source=source, bound=bound))


def _releases(measure: str, level: str) -> pd.DataFrame:
    """:func:`levelup.data.vintages` of ``measure`` at ``level``, from the store."""
    from levelup.data.api import _as_of

    when = _as_of()
    return _memo(("vintages", measure, level, when), lambda: vintages(measure, level))


def _bounds(measure: str, level: str, source: str, code: str) -> tuple[pd.Series | None, pd.Series | None]:
    try:
        published = _releases(measure, level)
    except LevelupError:
        return None, None
    if not published.loc[published["source"] == source, "bounds"].any():
        return None, None  # the release has no confidence bounds here: not looked for (25 ms each)
    try:
        lo = _stored_wide(measure, level, source, "lower")
        hi = _stored_wide(measure, level, source, "upper")
    except LevelupError:
        return None, None
    if code not in lo.index or lo.loc[code].isna().all():
        return None, None
    return lo.loc[code].astype(float), hi.loc[code].astype(float)


def _candidates(measure: str, refs: list, bench: Any, source: str | None):
    from levelup.data.api import _as_of

    as_of_release = _as_of()
    for lv, code, same in refs:
        try:
            table = _releases(measure, lv)
        except LevelupError:
            continue
        for order, row in enumerate(table.itertuples()):
            if source is not None and row.source != source:
                continue
            if as_of_release is not None and row.release[: len(as_of_release)] > as_of_release:
                continue
            try:
                wide = _stored_wide(measure, lv, row.source)
                if code not in wide.index:
                    continue
                if bench is None:
                    bwide, bcode, blevel = _stored_wide(measure, "uk", row.source), None, "uk"
                else:
                    bwide, bcode, blevel = _stored_wide(measure, bench.level, row.source), bench.code, bench.level
            except LevelupError:
                continue
            if bwide.empty or (bcode is not None and bcode not in bwide.index):
                continue
            place = wide.loc[code].astype(float).rename(code)
            b = (bwide.iloc[0] if bcode is None else bwide.loc[bcode]).astype(float).rename(bcode or "UK")
            both = pd.concat([place, b], axis=1).dropna()
            if len(both) < 1:
                continue
            key = (int(both.index.max()), same is None, row.vintage, -order)
            lo, hi = _bounds(measure, lv, row.source, code)
            blo, bhi = _bounds(measure, blevel, row.source, bcode or "UK")
            yield key, Pair(measure=measure, place=place, uk=b, source=row.source, release=row.release, level=lv,
                            code=code, same_as=same, peers=wide if same is None else None,
                            lower=lo, upper=hi, uk_lower=blo, uk_upper=bhi)


def measure_pair(measure: str, region: Any, *, benchmark: Any = None, source: str | None = None) -> Pair:
    """``measure`` for ``region`` and its benchmark (the UK unless ``benchmark`` names a published
    unit), both from one file of one release: of the releases that publish the place (or a unit
    of exactly the same councils, :func:`levelup.analysis.members.same_area`) and the benchmark
    in the same file, the one whose latest common year is newest (ties: the place's own row, the
    newer release, registry order). ``source`` restricts to one registry id. Combined
    authorities and custom places that ONS does not publish are aggregated from their members
    (:func:`levelup.geo.aggregate`, ratios of sums, against the UK of the same file). Where ONS
    publishes GVA per hour worked only smoothed (councils), the smoothed series stands in.
    Raises a LevelupError saying why when there is none."""
    from levelup.analysis.members import same_area

    reg = _resolve(region)
    bench = None if benchmark is None or _is_uk(benchmark) else _resolve(benchmark)
    refs = [(reg.level, reg.code, None)] if reg.level in PUBLISHED_LEVELS else []
    refs += [(r.level, r.code, r) for r in same_area(reg)]
    for m in ALTERNATIVES.get(measure, (measure,)):
        found = sorted(_candidates(m, refs, bench, source), key=lambda kv: kv[0], reverse=True)
        if found:
            return found[0][1]
    if reg.level in ("cauth", "place") and source is None:
        reads = _Reads()
        s = _place_series(reads, measure, reg, reg)
        b = _place_series(reads, measure, bench if bench is not None else _UK, reg)
        if s is not None and b is not None and len(pd.concat([s, b], axis=1).dropna()):
            src = s.attrs.get("source") or (reads.sources[0] if reads.sources else MEASURES[measure][2])
            try:
                release = get_source(src).release
            except LevelupError:
                release = ""
            peers = None
            if reg.level == "cauth":
                peers = _peers_table(reads, measure, "cauth")
            return Pair(measure=measure, place=s.astype(float), uk=b.astype(float), source=src, release=release,
                        level=reg.member_level, code=reg.code, aggregated=True, peers=peers)
        why = next(iter(reads.reasons.values()), "")
        raise UnknownSourceError(why or f"no {measure} for {reg.name}")
    raise UnknownSourceError(f"ONS publishes no {MEASURES.get(measure, (measure,))[0]} for {reg.name} "
                             "or an area of the same councils in the releases held")


#: (kind, ..., data stamp) -> a table or series read from the processed data, or the first line of the
#: error that reading it raised. Tables are read-only inputs (never modified in place), so keeping
#: them between calls leaks nothing; the data stamp in the key means a rewritten table is read again.


@dataclass(frozen=True)
class HeadlineRow:
    """One headline measure (numbers None/NaN when the place lacks it; see ``Headline.missing``)."""

    measure: str
    label: str
    unit: str
    source: str
    kind: str
    release: str = ""
    first_year: int | None = None
    year: int | None = None
    value: float = float("nan")
    lower: float = float("nan")
    upper: float = float("nan")
    index: float = float("nan")
    first_index: float = float("nan")
    change: float = float("nan")
    rank: int | None = None
    peers: int | None = None
    same_area: str = ""  # "Merseyside (TLD7, ITL2 region)" where that unit's row stands in

    @property
    def available(self) -> bool:
        return self.year is not None

    def record(self) -> dict[str, Any]:
        row: dict[str, Any] = {"measure": self.measure, "label": self.label, "unit": self.unit, "source": self.source,
                               "release": self.release, "same_area": self.same_area}
        if self.available:
            row |= {"first_year": self.first_year, "year": self.year, "value": self.value, "lower": self.lower,
                    "upper": self.upper, "index": self.index,
                    "first_index": self.first_index, "change": self.change,
                    "rank": np.nan if self.rank is None else self.rank,
                    "peers": np.nan if self.peers is None else self.peers}
        return row


_LEVEL_TEXT = {code: lv.singular for code, lv in LEVELS.items()}
_PEERS_TEXT = {code: lv.plural for code, lv in LEVELS.items() if lv.ranked}


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

    Each measure is read by :func:`measure_pair`: from the newest release that publishes the
    place (or an area of exactly the same councils, named in ``same_area``) together with the
    benchmark in the same file, so every comparison uses one file of one release and the latest
    year can differ between measures. ``lower``/``upper``: ONS's 95% bounds of survey estimates
    (employment rate, median pay) in the latest year.

    ``rank``: among the units of the place's level in that file with data in both years
    (``1 + #{peers strictly above}``, ties sharing the better rank), on the level in ``T``
    or, for growth, on ``x_T / x_0``; combined authorities among the combined authorities ONS
    publishes (or, where aggregated from councils, among combined authorities aggregated the
    same way, :func:`levelup.geo.aggregate_level`); custom places and areas shown through an
    identical area are not ranked. Places ONS does not publish are aggregated by
    :func:`levelup.geo.aggregate` (ratios of sums; ONS, *Regional economic activity by GDP, UK:
    1998 to 2021*, Methods). ``benchmark``: ``"UK"`` (the UK row of the same file) or a
    published region. Measures a place lacks are listed with the reason in ``missing``.

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
        try:
            pair = _memo(("pair", m, reg.code, reg.level, tuple(reg.members), None if bench is None else bench.code),
                         lambda m=m: measure_pair(m, reg, benchmark=bench))
        except LevelupError as exc:
            reads.reasons.setdefault(m, missing_reason(exc))
            rows.append(HeadlineRow(**base))
            continue
        if pair.source not in reads.sources:
            reads.sources.append(pair.source)
        if pair.measure != m:
            base["unit"] = unit + ", smoothed (the series ONS publishes for this kind of area)"
        base |= {"source": pair.source, "release": pair.release}
        if pair.same_as is not None:
            sa = pair.same_as
            base["same_area"] = f"{sa.name} ({sa.code}, {_LEVEL_TEXT.get(sa.level, sa.level)})"
        r, b = pair.place, pair.uk
        both = pd.concat([_in_years(r, start_year, end_year), b], axis=1, join="inner").dropna()
        if len(both) < 2:
            reads.reasons.setdefault(m, f"fewer than two years of {label} for {reg.name}")
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
        lo = hi = float("nan")
        if kind == "level" and pair.lower is not None:
            lo, hi = float(pair.lower.get(y1, np.nan)), float(pair.upper.get(y1, np.nan))
        rank = None
        if reg.level in RANKED_LEVELS and pair.peers is not None:
            rank = _rank(pair.peers, reg.code, y0, y1, kind)
        rows.append(HeadlineRow(**base, first_year=y0, year=y1, value=float(value), lower=lo, upper=hi,
                                index=float(index), first_index=float(first_index), change=float(change),
                                rank=None if rank is None else rank[0], peers=None if rank is None else rank[1]))
    missing = [(row.measure, reads.reasons.get(row.measure, "no data")) for row in rows if not row.available]
    if bench is not None:
        basis = f"{bench.name} ({bench.code}, {_LEVEL_TEXT.get(bench.level, bench.level)})"
    else:
        basis = "the UK row of the same file and release as the area's figures, measure by measure"
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

