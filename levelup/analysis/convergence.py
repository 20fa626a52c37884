"""Convergence context: beta and sigma convergence and inequality across the units of a level."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from levelup.data import indicator
from levelup.results import Result


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



@dataclass(frozen=True)
class ConvergenceContext(Result):
    """Where a place sits in the convergence of GDP per head across the units of its data level.

    ``beta`` (``se``, ``pvalue``, ``cov``): the slope of the OLS of average annual log growth
    ``start``-``end`` on log GDP per head in ``start`` across every unit with data in all years
    (:func:`levelup.models.convergence.beta`, HC1), ``intercept`` its constant; ``points``: every
    unit's ``ln_initial`` and ``growth`` (per cent a year); ``sigma``: the standard deviation of log
    GDP per head by year (:func:`levelup.models.convergence.sigma`); ``highlight``: the units that
    make up the place (itself, or its members). The numbers of a level are the same for every place
    in it, so they are kept as tables (:data:`levelup._store.STORE`, on disk too): a report reads
    them without importing statsmodels.
    """

    title = "Convergence context"
    region: str = ""
    level: str = ""
    units: str = ""
    start: int = 0
    end: int = 0
    n: int = 0
    highlight: tuple[str, ...] = ()
    beta: float = float("nan")
    se: float = float("nan")
    pvalue: float = float("nan")
    cov: str = ""
    intercept: float = float("nan")
    points: pd.DataFrame = field(default=None, repr=False, compare=False)
    sigma: pd.Series = field(default=None, repr=False, compare=False)

    def fit(self, xs: Any) -> Any:
        """The fitted line (per cent a year) at log levels ``xs``."""
        return 100 * (self.intercept + self.beta * xs)

    def verdict(self) -> str:
        if self.beta < 0 and self.pvalue < 0.05:
            return "poorer areas grew faster (beta convergence)"
        if self.beta > 0 and self.pvalue < 0.05:
            return "richer areas grew faster (divergence)"
        return "no significant relation between starting level and growth"

    def to_frame(self) -> pd.DataFrame:
        """``statistic, first_year, year, value``: beta, se, pvalue, nobs, sigma in the first and last year."""
        stats = (("beta", self.beta), ("se", self.se), ("pvalue", self.pvalue), ("nobs", self.n),
                 ("sigma_first", self.sigma.iloc[0]), ("sigma_last", self.sigma.iloc[-1]))
        return pd.DataFrame([{"statistic": k, "measure": "gdp_per_head", "year": self.end, "first_year": self.start,
                              "value": float(v)} for k, v in stats])


def _level_tables(wide: pd.DataFrame, y0: int, y1: int) -> tuple[pd.DataFrame, pd.Series, dict]:
    """Beta and sigma convergence of a level as tables (points, sigma by year, the slope's numbers)."""
    from levelup.models import convergence as conv

    b = conv.beta(wide[y0], wide[y1], y1 - y0)
    s = conv.sigma(wide.loc[:, y0:y1])
    points = b.data[["ln_initial", "growth"]].astype(float)
    points["growth"] = 100 * points["growth"]
    p = b.params["estimate"]
    numbers = {"beta": float(b.beta), "se": float(b.se), "pvalue": float(b.pvalue), "cov": str(b.cov),
               "intercept": float(p["const"]), "nobs": int(b.nobs)}
    return points, s.series.astype(float), numbers


def convergence_context(region: Any, start_year: int | None = None, end_year: int | None = None) -> ConvergenceContext:
    """Beta and sigma convergence of GDP per head (current prices) across the units of ``region``'s
    data level (ITL units, or local authorities for council areas; places: their members' level),
    over the data's years narrowed to ``start_year``..``end_year``; units with a gap are left out."""
    from levelup.analysis._common import _data_level, _memo, _resolve
    from levelup.analysis.inside import itl3_units, local_authorities
    from levelup.geo.levels import LEVELS

    reg = _resolve(region)
    lvl = _data_level(reg)
    wide = _memo(("ind", "gdp_per_head", lvl), lambda: indicator("gdp_per_head", lvl)).dropna()
    y0, y1 = int(wide.columns.min()), int(wide.columns.max())
    if start_year:
        y0 = max(y0, int(start_year))
    if end_year:
        y1 = min(y1, int(end_year))
    points, sigma, nums = _memo(("convergence_tables", lvl, y0, y1), lambda: _level_tables(wide, y0, y1))
    if reg.level == lvl:
        highlight = [reg.code]
    else:
        highlight = [m for m in (local_authorities(reg) if lvl == "lad" else itl3_units(reg)) if m in wide.index]
    return ConvergenceContext(region=reg.name, level=lvl, units=LEVELS[lvl].plural, start=y0, end=y1, n=nums["nobs"],
                              highlight=tuple(highlight), beta=nums["beta"], se=nums["se"], pvalue=nums["pvalue"],
                              cov=nums["cov"], intercept=nums["intercept"], points=points, sigma=sigma)
