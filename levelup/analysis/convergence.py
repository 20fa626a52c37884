"""Convergence context: beta and sigma convergence and inequality across the units of a level."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from levelup.data import indicator
from levelup.models._results import Result


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

