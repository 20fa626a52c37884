"""Conveniences that join the data API and the models for the common questions.

This is the only module where data and models meet: models never read files,
and reports never parse spreadsheets. Every function states its sample; units
with missing values are dropped and listed in the result's ``dropped``.
"""

from __future__ import annotations

import math
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


def rank_among_peers(measure: str, region: Any, year: int) -> tuple[int, int] | None:
    """(rank, number of peers) of a region at its own level in ``year`` (1 = highest), or None."""
    reg = _resolve(region)
    if reg.level not in RANKED_LEVELS:
        return None
    data_level = reg.level
    try:
        wide = indicator(measure, data_level)
    except UnknownSourceError:
        return None
    if year not in wide.columns or reg.code not in wide.index:
        return None
    col = wide[year].dropna()
    if reg.code not in col.index:
        return None
    ranks = col.rank(ascending=False, method="min")
    return int(ranks[reg.code]), int(col.size)


def annualised_growth(s: pd.Series, start: int, end: int) -> float:
    """Compound annual growth rate between two years, as a fraction."""
    return (s[end] / s[start]) ** (1.0 / (end - start)) - 1.0


@dataclass(frozen=True)
class HeadlineRow:
    measure: str
    label: str
    unit: str
    first_year: int
    last_year: int
    first: float
    last: float
    index_first: float  # UK = 100
    index_last: float
    rank: tuple[int, int] | None
    source: str


HEADLINE = (
    ("gdp_per_head", "GDP per head", "level"),
    ("real_gdp_per_head", "Real GDP per head growth", "growth"),
    ("gva_per_hour_index", "GVA per hour worked (UK = 100)", "index"),
    ("gdhi_per_head", "GDHI per head", "level"),
    ("population", "Population", "level"),
)


@dataclass(frozen=True)
class Headline(Result):
    """The headline table of a place: levels, UK = 100 indices, ranks and change."""

    title = "Headline indicators"
    region: str = ""
    code: str = ""
    level: str = ""
    rows: tuple = ()
    missing: tuple = ()  # (measure, reason) for measures this level lacks

    def to_frame(self) -> pd.DataFrame:
        recs = []
        for r in self.rows:
            recs.append(
                {
                    "measure": r.measure,
                    "indicator": r.label,
                    "unit": r.unit,
                    "first_year": r.first_year,
                    "last_year": r.last_year,
                    "value_first": r.first,
                    "value_last": r.last,
                    "uk_index_first": r.index_first,
                    "uk_index_last": r.index_last,
                    "change_index_points": r.index_last - r.index_first,
                    "rank": r.rank[0] if r.rank else np.nan,
                    "of": r.rank[1] if r.rank else np.nan,
                    "source": r.source,
                }
            )
        return pd.DataFrame(recs)

    def notes(self) -> list[str]:
        out = [f"{self.region} ({self.code}, {self.level}). Index: UK = 100 in the same table and year."]
        if self.level not in RANKED_LEVELS:
            out.append("Custom places are compared with the UK, not ranked among other places.")
        out += [f"Not available: {m} ({why})" for m, why in self.missing]
        return out

    def summary(self) -> str:
        df = self.to_frame()
        lines = [f"{self.region} ({self.code}, {self.level})", ""]
        for _, r in df.iterrows():
            rank = f"rank {int(r['rank'])} of {int(r['of'])}" if not math.isnan(r["rank"]) else ""
            if r["measure"] == "real_gdp_per_head":
                lines.append(
                    f"{r['indicator']:34s} {r['value_last']:+.2f}% a year {r['first_year']}-{r['last_year']}"
                    f" (UK {r['uk_index_last']:+.2f}%)"
                )
                continue
            if r["measure"] == "population":
                rel = f"{r['uk_index_last']:.2f}% of the UK"
            else:
                rel = f"UK=100: {r['uk_index_last']:6.1f} ({r['change_index_points']:+.1f} since {r['first_year']})"
            lines.append(
                f"{r['indicator']:34s} {r['value_last']:>12,.0f} {r['unit']:<26s} {r['last_year']}  {rel}  {rank}"
            )
        lines += ["", *self.notes()]
        return "\n".join(lines)


def headline(
    region: Any,
    *,
    level: str | None = None,
    start_year: int | None = None,
    end_year: int | None = None,
) -> Headline:
    """Headline indicators of a place against the UK (see :data:`HEADLINE`).

    For each measure: first and last value in ``start_year``..``end_year`` (defaults: the
    measure's own first and last years), the UK = 100 index in both years, the rank among
    units of the same level, and the change in index points. Real GDP per head is reported
    as compound annual growth (per cent a year), with the UK's growth beside it.
    """
    reg = _resolve(region, level)
    rows, missing = [], []
    for measure, label, kind in HEADLINE:
        try:
            s = series(measure, reg)
            uk = uk_series(measure, reg)
        except (UnknownSourceError, ModelInputError) as exc:
            missing.append((measure, str(exc)))
            continue
        years = [y for y in s.dropna().index if y in uk.dropna().index]
        if start_year is not None:
            years = [y for y in years if y >= start_year]
        if end_year is not None:
            years = [y for y in years if y <= end_year]
        if len(years) < 2:
            missing.append((measure, "fewer than two years with data"))
            continue
        y0, y1 = years[0], years[-1]
        unit = s.attrs.get("unit", "")
        src = s.attrs.get("source", "")
        if kind == "growth":
            g, gu = annualised_growth(s, y0, y1) * 100, annualised_growth(uk, y0, y1) * 100
            rows.append(HeadlineRow(measure, label, "% a year", y0, y1, s[y0], g, float("nan"), gu, None, src))
            continue
        if kind == "index":  # already UK = 100 in the published table
            i0, i1 = s[y0], s[y1]
        else:
            i0, i1 = 100 * s[y0] / uk[y0], 100 * s[y1] / uk[y1]
        rows.append(
            HeadlineRow(measure, label, unit, y0, y1, float(s[y0]), float(s[y1]), float(i0), float(i1),
                        rank_among_peers(measure, reg, y1), src)
        )
    return Headline(region=reg.name, code=reg.code, level=reg.level, rows=tuple(rows), missing=tuple(missing))


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
