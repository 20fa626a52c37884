"""How far a place is behind a benchmark and how long closing the gap takes."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from levelup.analysis._common import UK, _is_uk, _memo, _place_series, _Reads, _resolve, series, uk_series
from levelup.data import indicator
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



@dataclass(frozen=True)
class GapOutlook(Result):
    """GDP per head of a place as a percentage of a benchmark's, and the "1% versus 3%" outlook.

    ``history``: ``100 * x / b`` by year (current prices, within the years asked); ``ratio`` its
    last value / 100 in ``base_year``; ``benchmark_growth``: the benchmark's compound average real
    (chained volume) growth of GDP per head over ``trend_years``; ``scenarios``: the model's
    :class:`~levelup.models.scenarios.GapScenarios` (years to close, and ``paths`` to ``horizon``).
    """

    title = "The gap"
    region: str = ""
    code: str = ""
    benchmark: str = "UK"
    benchmark_code: str = "UK"
    base_year: int = 0
    ratio: float = float("nan")
    benchmark_growth: float = float("nan")
    trend_years: tuple[int, int] = (0, 0)
    trend_source: str = ""
    horizon: int = 0
    history: pd.Series = field(default_factory=pd.Series, repr=False)
    scenarios: Any = field(default=None, repr=False)
    sources: tuple[str, ...] = ()

    def years_to_close(self) -> dict[float, float]:
        """``{growth rate: years to close}`` (inf: never)."""
        t = self.scenarios.table
        return {float(g): float(y) for g, y in zip(t["growth"], t["years_to_close"])}

    def projections(self) -> pd.DataFrame:
        """Years (``base_year``..``base_year + horizon``) x rate of ``100 * ratio`` projected
        (from ``scenarios.paths``)."""
        p = self.scenarios.paths
        p = p[p["series"].str.startswith("region at")]
        out = p.pivot(index="year", columns="series", values="ratio") * 100
        rates = {f"region at {g:.1%}": g for g in self.scenarios.table["growth"]}
        return out[list(rates)].rename(columns=rates)

    def to_frame(self) -> pd.DataFrame:
        """``statistic, measure, year, value, unit``: years to close at each rate, and the ratio."""
        rows = [{"statistic": "years_to_close", "measure": "gdp_per_head", "year": self.base_year, "value": y,
                 "unit": f"years at {100 * g:.0f}% a year"} for g, y in self.years_to_close().items()]
        rows.append({"statistic": "ratio_to_benchmark", "measure": "gdp_per_head", "year": self.base_year,
                     "value": float(self.ratio), "unit": "ratio"})
        return pd.DataFrame(rows)

    def notes(self) -> list[str]:
        return [f"{self.region} at {100 * self.ratio:.1f}% of the {self.benchmark} in {self.base_year}",
                f"Benchmark trend {100 * self.benchmark_growth:.2f}% a year, {self.trend_years[0]}-"
                f"{self.trend_years[1]} ({self.trend_source})", *self.scenarios.notes()[2:]]


def gap_outlook(
    region: Any,
    *,
    benchmark: Any = None,
    start_year: int | None = None,
    end_year: int | None = None,
    rates: tuple[float, ...] = (0.01, 0.03),
) -> GapOutlook:
    """How far GDP per head of ``region`` is behind ``benchmark`` (default the UK) and how long
    closing the gap takes at each of ``rates`` of real growth a year.

    The gap is the ratio of GDP per head at current prices in the latest year both have within
    ``start_year``..``end_year`` (a relative level is only meaningful in the same year's prices);
    the benchmark keeps its own trend of real (chained volume) GDP per head growth over the same
    years (the UK: the UK row of the ITL tables). Years to close:
    ``ln(1/ratio) / ln((1 + g) / (1 + g_benchmark))`` (:func:`levelup.models.scenarios.compare`);
    the projections run to 10 years past the faster close (30 without one, at most 60).
    Missing data raise a LevelupError naming what is missing.
    """
    from levelup.errors import UnknownSourceError
    from levelup.models.scenarios import benchmark_growth, compare

    reg = _resolve(region)
    bench = UK if benchmark is None or _is_uk(benchmark) else _resolve(benchmark)
    reads = _Reads()
    r = _place_series(reads, "gdp_per_head", reg, reg)
    b = _place_series(reads, "gdp_per_head", bench, reg)
    if r is None or b is None:
        raise UnknownSourceError(reads.reasons.get("gdp_per_head", "no GDP per head"))
    hist = _in_window(100 * (r / b).dropna(), start_year, end_year)
    if hist.empty:
        raise UnknownSourceError("no year in which both have GDP per head")
    base = int(hist.index.max())
    if _is_uk(bench):
        real = _memo(("ind", "real_gdp_per_head", "uk"), lambda: indicator("real_gdp_per_head", "uk")).iloc[0]
        source = "UK real GDP per head, ONS regional GDP (all ITL regions)"
    else:
        real = _place_series(reads, "real_gdp_per_head", bench, reg)
        source = f"{bench.name} real GDP per head"
    if real is None:
        raise UnknownSourceError("no real GDP per head for the benchmark")
    real = _in_window(real.dropna(), start_year, end_year)
    gb = benchmark_growth(real)
    kw = {"benchmark_growth_rate": gb, "base_year": base, "rates": rates, "region_name": reg.name,
          "benchmark_name": bench.name}
    first = compare(float(hist[base]), 100.0, **kw)
    finite = [y for y in first.table["years_to_close"] if np.isfinite(y) and y > 0]
    horizon = int(min(min(finite) + 10 if finite else 30, 60))
    res = compare(float(hist[base]), 100.0, horizon=horizon, **kw)
    return GapOutlook(
        region=reg.name, code=reg.code, benchmark=bench.name, benchmark_code=bench.code, base_year=base,
        ratio=float(res.ratio), benchmark_growth=gb, trend_years=(int(real.index.min()), int(real.index.max())),
        trend_source=source, horizon=horizon, history=hist, scenarios=res, sources=tuple(reads.sources),
    )


def _in_window(s: pd.Series, start_year: int | None, end_year: int | None) -> pd.Series:
    if start_year:
        s = s[s.index >= int(start_year)]
    if end_year:
        s = s[s.index <= int(end_year)]
    return s
