"""Growth scenarios: how long to close a gap, what growth closes it by a target year.

A region at ``ratio`` = region level / benchmark level (< 1 when behind), growing at
``g_r`` a year while the benchmark grows at ``g_b``, has after ``t`` years the ratio
``ratio * ((1 + g_r) / (1 + g_b))**t``. Setting it to 1 gives the years to close the gap

    t* = ln(1 / ratio) / ln((1 + g_r) / (1 + g_b)),

infinite when the region does not grow faster; inverting for ``g_r`` at a horizon ``T``
gives the growth needed, ``g_r = (1 + g_b) * ratio**(-1/T) - 1``. This is compound-growth
arithmetic (e.g. Barro and Sala-i-Martin 2004, *Economic Growth*, ch. 1, on the
"1% versus 3%" arithmetic of growth rates); growth rates are fractions (0.01 = 1%).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from levelup.errors import ModelInputError
from levelup.models._checks import as_series
from levelup.results import Result, new_axes

__all__ = ["GapScenarios", "benchmark_growth", "compare", "growth_needed", "project", "years_to_close"]


def _check_rate(g: Any, name: str) -> None:
    if np.any(np.asarray(g, dtype=float) <= -1) or not np.all(np.isfinite(np.asarray(g, dtype=float))):
        raise ModelInputError(f"{name} must be a finite growth rate above -1 (0.01 = 1% a year), got {g!r}")


def _check_ratio(ratio: Any) -> None:
    r = np.asarray(ratio, dtype=float)
    if np.any(~np.isfinite(r)) or np.any(r <= 0):
        raise ModelInputError(
            f"ratio must be a positive finite number (region level / benchmark level), got {ratio!r}"
        )


def _out(x: np.ndarray, like: Any) -> Any:
    if isinstance(like, pd.Series):
        return pd.Series(x, index=like.index, name=like.name)
    return float(x) if np.ndim(x) == 0 else x


def years_to_close(ratio: Any, growth_region: Any, growth_benchmark: Any) -> Any:
    """Years until a region at ``ratio`` of the benchmark catches up.

    ``t = ln(1/ratio) / ln((1 + g_region) / (1 + g_benchmark))``; ``0`` when
    ``ratio >= 1`` (no gap); ``inf`` when the region is behind and does not grow
    faster. Scalars, arrays or Series (broadcast with numpy).

    >>> round(years_to_close(0.8, 0.03, 0.01), 2)
    11.38
    >>> years_to_close(0.8, 0.01, 0.01)
    inf
    """
    _check_ratio(ratio)
    _check_rate(growth_region, "growth_region")
    _check_rate(growth_benchmark, "growth_benchmark")
    r = np.asarray(ratio, dtype=float)
    rel = np.log1p(np.asarray(growth_region, dtype=float)) - np.log1p(
        np.asarray(growth_benchmark, dtype=float)
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        t = np.where(r >= 1, 0.0, np.where(rel > 0, -np.log(r) / np.where(rel > 0, rel, 1.0), np.inf))
    return _out(t, ratio)


def growth_needed(ratio: Any, years: Any, growth_benchmark: Any) -> Any:
    """Annual growth a region needs to reach the benchmark's level in ``years`` years.

    ``g_region = (1 + g_benchmark) * ratio**(-1/years) - 1``, the inverse of
    :func:`years_to_close`. For ``ratio > 1`` it is the (lower) growth at which the
    region would fall back to parity in ``years``.

    >>> round(growth_needed(0.8, 10, 0.01), 6)
    0.032791
    """
    _check_ratio(ratio)
    _check_rate(growth_benchmark, "growth_benchmark")
    T = np.asarray(years, dtype=float)
    if np.any(~np.isfinite(T)) or np.any(T <= 0):
        raise ModelInputError(f"years must be positive and finite, got {years!r}")
    g = (1.0 + np.asarray(growth_benchmark, dtype=float)) * np.asarray(ratio, dtype=float) ** (-1.0 / T) - 1.0
    return _out(g, ratio)


def project(level: float, growth: float, years: int | Sequence[int], *, start: int = 0) -> pd.Series:
    """Compound-growth path ``level * (1 + growth)**t`` for ``t`` in ``years``.

    ``years``: a horizon ``H`` (then ``t = 0..H``) or explicit offsets; the index is
    ``start + t`` (calendar years when ``start`` is the base year).

    >>> project(100.0, 0.1, 2).round(6).tolist()
    [100.0, 110.0, 121.0]
    """
    _check_rate(growth, "growth")
    t = np.arange(int(years) + 1) if np.ndim(years) == 0 else np.asarray(years, dtype=int)
    return pd.Series(float(level) * (1.0 + growth) ** t, index=start + t, name="level")


def benchmark_growth(levels: Any, *, years: tuple[int, int] | None = None) -> float:
    """Average annual (compound) growth of a level series between its first and last year.

    ``g = (y_last / y_first)**(1 / (last - first)) - 1``; ``levels`` a Series indexed by
    year. ``years=(start, end)`` restricts the period.

    >>> benchmark_growth(pd.Series([100.0, 121.0], index=[2000, 2002]))
    0.1
    """
    s = as_series(levels, "levels").dropna()
    s.index = s.index.astype(int)
    if years is not None:
        s = s.loc[years[0] : years[1]]
    if len(s) < 2:
        raise ModelInputError("need levels in at least two years to measure trend growth")
    if (s <= 0).any():
        raise ModelInputError(f"levels must be positive; not in years {list(s.index[s <= 0])}")
    span = int(s.index[-1]) - int(s.index[0])
    return round(float((s.iloc[-1] / s.iloc[0]) ** (1.0 / span) - 1.0), 15)


@dataclass(frozen=True)
class GapScenarios(Result):
    """The "1% versus 3%" question: a region growing at each rate against a benchmark.

    ``table``: one row per rate with ``growth``, ``years_to_close`` and ``catch_up_year``.
    ``paths``: tidy ``year, series, level, ratio`` (history when given, then projections
    for the benchmark and for each rate).
    """

    title = "Growth scenarios"
    region: str
    benchmark: str
    base_year: int
    ratio: float
    benchmark_growth: float
    benchmark_growth_source: str
    table: pd.DataFrame = field(repr=False)
    paths: pd.DataFrame = field(repr=False)

    def to_frame(self) -> pd.DataFrame:
        return self.table

    def years(self, growth: float) -> float:
        """Years to close the gap at one of the scenario rates."""
        row = self.table[np.isclose(self.table["growth"], growth)]
        if row.empty:
            raise ModelInputError(f"no scenario at growth {growth}; have {self.table['growth'].tolist()}")
        return float(row["years_to_close"].iloc[0])

    def notes(self) -> list[str]:
        return [
            f"{self.region} at {self.ratio:.3f} of {self.benchmark} in {self.base_year}",
            f"Benchmark grows at {self.benchmark_growth:.2%} a year ({self.benchmark_growth_source})",
            "Years to close: ln(1/ratio) / ln((1+g_region)/(1+g_benchmark)); inf when the region does not grow faster",
        ]

    def plot(self, ax: Any = None, *, relative: bool = False, **kwargs: Any) -> Any:
        """Fan of projected paths (levels, or ratios to the benchmark with ``relative``)."""
        ax = new_axes(ax)
        col = "ratio" if relative else "level"
        p = self.paths
        hist = p[p["series"].isin(["region (data)", "benchmark (data)"])]
        for name, style in (("region (data)", "-"), ("benchmark (data)", "--")):
            h = hist[hist["series"] == name]
            if len(h) and not (relative and name.startswith("benchmark")):
                ax.plot(
                    h["year"],
                    h[col],
                    color="black",
                    ls=style,
                    label=name.replace("region", self.region).replace("benchmark", self.benchmark),
                )
        proj = p[~p["series"].isin(["region (data)", "benchmark (data)"])]
        scen = [s for s in proj["series"].unique() if s.startswith("region at")]
        if len(scen) >= 2:
            lo = proj[proj["series"] == scen[0]].set_index("year")[col]
            hi = proj[proj["series"] == scen[-1]].set_index("year")[col]
            ax.fill_between(lo.index, lo, hi.reindex(lo.index), color="#3182bd", alpha=0.15, lw=0)
        colours = ["#9ecae1", "#3182bd", "#08519c", "#08306b"]
        for i, s in enumerate(scen):
            d = proj[proj["series"] == s]
            ax.plot(
                d["year"],
                d[col],
                color=colours[i % len(colours)],
                label=s.replace("region", self.region),
                **kwargs,
            )
        if relative:
            ax.axhline(1.0, color="0.4", ls="--", lw=1, label=f"{self.benchmark} = 1")
        else:
            b = proj[proj["series"] == "benchmark projected"]
            ax.plot(
                b["year"],
                b["level"],
                color="0.3",
                ls="--",
                label=f"{self.benchmark} at {self.benchmark_growth:.1%}",
            )
        for _, row in self.table.iterrows():
            if np.isfinite(row["catch_up_year"]):
                ax.axvline(row["catch_up_year"], color="0.8", lw=0.8)
        ax.set_xlabel("year")
        ax.set_ylabel(f"ratio to {self.benchmark}" if relative else "level")
        ax.legend(frameon=False, fontsize="small")
        return ax


def compare(
    region: Any,
    benchmark: Any,
    *,
    rates: Sequence[float] = (0.01, 0.03),
    benchmark_growth_rate: float | None = None,
    base_year: int | None = None,
    horizon: int | None = None,
    region_name: str = "region",
    benchmark_name: str = "benchmark",
) -> GapScenarios:
    """The region growing at each of ``rates`` while the benchmark keeps its trend.

    ``region``, ``benchmark``: level Series indexed by year (e.g. GDP per head of a place
    and of the UK) or two numbers (then ``benchmark_growth_rate`` and ``base_year`` are
    needed). The base is the last year both have. The benchmark's growth is
    ``benchmark_growth_rate`` if given, else its compound average over the data's years
    (:func:`benchmark_growth`), stated in the notes. ``horizon`` (years) defaults to 5
    past the slowest finite catch-up, at least 20 and at most 100.

    Examples
    --------
    >>> r = compare(80.0, 100.0, benchmark_growth_rate=0.01, base_year=2021)
    >>> [round(x, 2) for x in r.table["years_to_close"]]
    [inf, 11.38]
    """
    for g in rates:
        _check_rate(g, "rates")
    if np.ndim(region) == 0 and np.ndim(benchmark) == 0:
        if benchmark_growth_rate is None or base_year is None:
            raise ModelInputError("with levels given as numbers, pass benchmark_growth_rate= and base_year=")
        reg_hist = pd.Series([float(region)], index=[int(base_year)])
        ben_hist = pd.Series([float(benchmark)], index=[int(base_year)])
        gb, source = float(benchmark_growth_rate), "given"
    else:
        reg_hist = as_series(region, "region").dropna()
        ben_hist = as_series(benchmark, "benchmark").dropna()
        reg_hist.index = reg_hist.index.astype(int)
        ben_hist.index = ben_hist.index.astype(int)
        common = reg_hist.index.intersection(ben_hist.index)
        if base_year is not None:
            common = common[common <= base_year]
        if len(common) == 0:
            raise ModelInputError("region and benchmark have no year in common")
        base_year = int(common.max())
        if benchmark_growth_rate is None:
            gb = benchmark_growth(ben_hist.loc[:base_year])
            source = f"its average over {int(ben_hist.index.min())}-{base_year}"
        else:
            gb, source = float(benchmark_growth_rate), "given"
    _check_rate(gb, "benchmark growth")
    r_level, b_level = float(reg_hist.loc[base_year]), float(ben_hist.loc[base_year])
    if r_level <= 0 or b_level <= 0:
        raise ModelInputError("levels must be positive in the base year")
    ratio = r_level / b_level
    yrs = [years_to_close(ratio, g, gb) for g in rates]
    if horizon is None:
        finite = [y for y in yrs if np.isfinite(y)]
        horizon = int(min(100, max(20, np.ceil(max(finite, default=0)) + 5)))
    table = pd.DataFrame(
        {
            "growth": list(rates),
            "years_to_close": yrs,
            "catch_up_year": [base_year + y if np.isfinite(y) else np.inf for y in yrs],
            "ratio_at_horizon": [ratio * ((1 + g) / (1 + gb)) ** horizon for g in rates],
        }
    )
    bench = project(b_level, gb, horizon, start=base_year)
    frames = []
    for name, h in (("region (data)", reg_hist), ("benchmark (data)", ben_hist)):
        h = h.loc[:base_year]
        frames.append(
            pd.DataFrame(
                {
                    "year": h.index,
                    "series": name,
                    "level": h.to_numpy(),
                    "ratio": (h / ben_hist.reindex(h.index)).to_numpy(),
                }
            )
        )
    frames.append(
        pd.DataFrame(
            {"year": bench.index, "series": "benchmark projected", "level": bench.to_numpy(), "ratio": 1.0}
        )
    )
    for g in rates:
        path = project(r_level, g, horizon, start=base_year)
        frames.append(
            pd.DataFrame(
                {
                    "year": path.index,
                    "series": f"region at {g:.1%}",
                    "level": path.to_numpy(),
                    "ratio": (path / bench).to_numpy(),
                }
            )
        )
    paths = pd.concat(frames, ignore_index=True)
    return GapScenarios(
        region=region_name,
        benchmark=benchmark_name,
        base_year=int(base_year),
        ratio=ratio,
        benchmark_growth=gb,
        benchmark_growth_source=source,
        table=table,
        paths=paths,
    )
