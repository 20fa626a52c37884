"""How far a place is behind a benchmark and how long closing the gap takes."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from levelup.analysis._common import UK, _is_uk, _memo, _Reads, _resolve, series, uk_series
from levelup.data import indicator
from levelup.errors import LevelupError
from levelup.results import Result


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



#: The releases of the gap scenarios, newest first: each publishes chained-volume GDP per head for the
#: place and for the UK less Extra-Regio; the first that has both is used (ratio and growth from it alone).
GAP_VINTAGES = ("2025-04", "2024-04")
GAP_VINTAGE = GAP_VINTAGES[0]
#: release -> ONS's code of the UK less Extra-Regio row (output not assigned to any region: the continental shelf)
UKX_CODES = {"2025-04": "K99000002", "2024-04": "UKX"}
UK_LESS_EXTRA_REGIO = "UKX"
RELEASE_NAMES = {"2025-04": "April 2025", "2024-04": "April 2024"}


@dataclass(frozen=True)
class GapOutlook(Result):
    """Real GDP per head of a place as a percentage of a benchmark's, and the "1% versus 3%" outlook.

    One release and one price basis throughout (:data:`GAP_VINTAGE`, chained volume measures in
    2019 money): ``history`` is ``100 * x / b`` of real GDP per head by year (within the years asked),
    ``ratio`` its last value / 100 in ``base_year``; ``benchmark_growth`` the benchmark's compound
    average real growth of GDP per head over ``trend_years``; ``scenarios`` the model's
    :class:`~levelup.models.scenarios.GapScenarios` (years to close, and ``paths`` to ``horizon``;
    no paths when there is no gap, ``horizon`` 0). The UK benchmark is the UK less Extra-Regio.
    ``approximate``: the place's chained volumes are sums over its members (chained volumes do not
    add up exactly).
    """

    title = "The gap"
    region: str = ""
    code: str = ""
    benchmark: str = "UK less Extra-Regio"
    benchmark_code: str = UK_LESS_EXTRA_REGIO
    base_year: int = 0
    ratio: float = float("nan")
    benchmark_growth: float = float("nan")
    trend_years: tuple[int, int] = (0, 0)
    trend_source: str = ""
    horizon: int = 0
    history: pd.Series = field(default_factory=pd.Series, repr=False)
    scenarios: Any = field(default=None, repr=False)
    sources: tuple[str, ...] = ()
    release: str = "April 2024"
    price_basis: str = "chained volume measures, 2019 money"
    approximate: bool = False

    @property
    def no_gap(self) -> bool:
        """The place is at or above the benchmark: nothing to close, nothing projected."""
        return bool(self.ratio >= 1)

    def years_to_close(self) -> dict[float, float]:
        """``{growth rate: years to close}`` (inf: does not close at that rate; 0: no gap)."""
        t = self.scenarios.table
        return {float(g): float(y) for g, y in zip(t["growth"], t["years_to_close"])}

    def projections(self) -> pd.DataFrame:
        """Years (``base_year``..``base_year + horizon``) x rate of ``100 * ratio`` projected
        (from ``scenarios.paths``); empty when there is no gap."""
        if self.no_gap:
            return pd.DataFrame()
        p = self.scenarios.paths
        p = p[p["series"].str.startswith("region at")]
        out = p.pivot(index="year", columns="series", values="ratio") * 100
        rates = {f"region at {g:.1%}": g for g in self.scenarios.table["growth"]}
        return out[list(rates)].rename(columns=rates)

    def to_frame(self) -> pd.DataFrame:
        """``statistic, measure, year, value, unit``: years to close at each rate, the ratio and the
        benchmark's trend growth."""
        rows = [{"statistic": "years_to_close", "measure": "real_gdp_per_head", "year": self.base_year, "value": y,
                 "unit": f"years at {100 * g:.0f}% a year"} for g, y in self.years_to_close().items()]
        rows.append({"statistic": "ratio_to_benchmark", "measure": "real_gdp_per_head", "year": self.base_year,
                     "value": float(self.ratio), "unit": "ratio"})
        rows.append({"statistic": "benchmark_growth", "measure": "real_gdp_per_head", "year": self.base_year,
                     "value": float(self.benchmark_growth), "unit": f"a year, {self.trend_years[0]}-{self.trend_years[1]}"})
        return pd.DataFrame(rows)

    def notes(self) -> list[str]:
        return [f"{self.region} at {100 * self.ratio:.1f}% of the {self.benchmark} in {self.base_year} "
                f"(real GDP per head, {self.price_basis}, {self.release} release)",
                f"Benchmark trend {100 * self.benchmark_growth:.2f}% a year, {self.trend_years[0]}-"
                f"{self.trend_years[1]} ({self.trend_source})", *self.scenarios.notes()[2:]]


def _real_series(reads: _Reads, ref: Any, vintage: str) -> tuple[pd.Series | None, bool]:
    """Real GDP per head of ``ref`` in the ``vintage`` release (ONS's published row, else its members'
    chained-volume GDP over their population), and whether it is such a sum; None when that release
    does not have it."""
    from levelup.geo.aggregate import match_members

    def wide(measure: str, level: str) -> pd.DataFrame | None:
        try:
            w = _memo(("ind", measure, level, vintage), lambda: indicator(measure, level, vintage=vintage))
        except LevelupError:
            return None
        if w.attrs.get("vintage") != vintage:
            return None
        src = w.attrs.get("source")
        if src and src not in reads.sources:
            reads.sources.append(src)
        return w

    if _is_uk(ref):
        w = wide("real_gdp_per_head", "other")
        code = UKX_CODES[vintage]
        return (None if w is None or code not in w.index else w.loc[code]), False
    if ref.level in ("itl1", "itl2", "itl3", "lad", "cauth"):
        w = wide("real_gdp_per_head", ref.level)
        if w is not None and ref.code in w.index and w.loc[ref.code].notna().any():
            return w.loc[ref.code], False
        if ref.level != "cauth":
            reads.reasons.setdefault("real_gdp_per_head", f"no real GDP per head for {ref.name} in the releases used")
            return None, False
    # members summed: chained-volume GDP over population (an approximation: chained volumes do not add up)
    gdp, pop = wide("real_gdp", ref.member_level), wide("population", ref.member_level)
    if gdp is None or pop is None:
        return None, True
    try:
        codes, _ = match_members(list(ref.members), gdp.index)
    except LevelupError:
        reads.reasons.setdefault("real_gdp_per_head", f"no real GDP for the areas {ref.name} is made of in the "
                                 "releases used")
        return None, True
    g, p = gdp.loc[codes], pop.reindex(index=codes, columns=gdp.columns)
    out = (1e6 * g.sum() / p.sum()).where(g.notna().all() & p.notna().all())
    return out.rename(ref.code), True


def gap_outlook(
    region: Any,
    *,
    benchmark: Any = None,
    start_year: int | None = None,
    end_year: int | None = None,
    rates: tuple[float, ...] = (0.01, 0.03),
) -> GapOutlook:
    """How far real GDP per head of ``region`` is behind ``benchmark`` (default the UK less
    Extra-Regio) and how long closing the gap takes at each of ``rates`` of real growth a year.

    Ratio and growth come from one release (:data:`GAP_VINTAGE`) on one price basis (chained
    volume measures): the ratio is real GDP per head of the place over the benchmark's in the
    latest year both have within ``start_year``..``end_year``; the benchmark keeps its own trend,
    the compound average real growth of its GDP per head over the same years. Against the UK the
    benchmark is ONS's UK less Extra-Regio row: Extra-Regio output (mostly North Sea oil and gas)
    is produced in no region, and its decline since 1998 would lower the UK's trend. Years to close:
    ``ln(1/ratio) / ln((1 + g) / (1 + g_benchmark))`` (:func:`levelup.models.scenarios.years_to_close`),
    infinite (does not close at this rate) when ``g`` is not above the benchmark's trend; a place at
    or above the benchmark has no gap and no projection. The projections run to 10 years past the
    faster close (30 without one, at most 60). Missing data raise a LevelupError naming what is missing.
    """
    from levelup.errors import UnknownSourceError
    from levelup.models.scenarios import benchmark_growth, compare

    reg = _resolve(region)
    bench = UK if benchmark is None or _is_uk(benchmark) else _resolve(benchmark)
    tried = _Reads()
    for vintage in GAP_VINTAGES:  # the newest release that has both, so ratio and growth come from one release
        reads = _Reads()
        r, approx = _real_series(reads, reg, vintage)
        b, _ = _real_series(reads, bench, vintage)
        tried.reasons.update(reads.reasons)
        if r is not None and b is not None and (100 * r / b).notna().any():
            break
    else:
        raise UnknownSourceError(tried.reasons.get("real_gdp_per_head", "no real GDP per head"))
    unit = str(_memo(("ind", "real_gdp_per_head", "other", vintage),
                     lambda: indicator("real_gdp_per_head", "other", vintage=vintage)).attrs.get("unit", ""))
    money = unit[unit.find("(") + 1:unit.find(" value")] if "money" in unit else ""
    hist = _in_window(100 * (r / b).dropna(), start_year, end_year)
    if hist.empty:
        raise UnknownSourceError("no year in which both have real GDP per head")
    base = int(hist.index.max())
    trend = _in_window(b.dropna(), start_year, end_year)
    trend = trend[trend.index <= base]
    gb = benchmark_growth(trend)
    bname = "UK less Extra-Regio" if _is_uk(bench) else bench.name
    kw = {"benchmark_growth_rate": gb, "base_year": base, "rates": rates, "region_name": reg.name,
          "benchmark_name": bname}
    first = compare(float(hist[base]), 100.0, **kw)
    finite = [y for y in first.table["years_to_close"] if np.isfinite(y) and y > 0]
    horizon = 0 if hist[base] >= 100 else int(min(min(finite) + 10 if finite else 30, 60))
    res = compare(float(hist[base]), 100.0, horizon=max(horizon, 1), **kw)
    release = RELEASE_NAMES[vintage]
    source = f"{bname} real GDP per head, ONS regional GDP ({release})"
    sources = tuple(reads.sources)
    return GapOutlook(
        region=reg.name, code=reg.code, benchmark=bname, benchmark_code=UK_LESS_EXTRA_REGIO if _is_uk(bench) else bench.code,
        base_year=base, ratio=float(res.ratio), benchmark_growth=gb,
        trend_years=(int(trend.index.min()), int(trend.index.max())), trend_source=source, horizon=horizon,
        history=hist, scenarios=res, sources=sources, release=release, approximate=approx,
        price_basis=f"chained volume measures, {money}" if money else "chained volume measures",
    )


def _in_window(s: pd.Series, start_year: int | None, end_year: int | None) -> pd.Series:
    if start_year:
        s = s[s.index >= int(start_year)]
    if end_year:
        s = s[s.index <= int(end_year)]
    return s
