"""Sigma convergence: dispersion by period with a trend test."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from levelup.errors import ModelInputError
from levelup.models import _intervals as _iv
from levelup.models._checks import (
    Missing,
    as_series,
    handle_missing,
    require_positive,
)
from levelup.models.convergence._common import (
    _choice,
    _reindex_named,
    _sample,
    _wide,
)
from levelup.results import Result, Sample, new_axes


# ------------------------------------------------------------------ sigma
@dataclass(frozen=True)
class Trend:
    """Linear trend of a dispersion statistic on time."""

    slope: float
    se: float
    tvalue: float
    pvalue: float
    cov: str


@dataclass(frozen=True)
class SigmaConvergence(Result):
    """Dispersion by period with a trend test (see :func:`sigma`)."""

    title = "Sigma convergence"
    series: pd.Series
    stat: str
    weighted: bool
    trend: Trend
    cov: str
    sample: Sample
    dropped: tuple = ()
    model: Any = field(default=None, repr=False, compare=False)
    se: pd.Series = field(default=None, repr=False, compare=False)
    level: float = 0.95

    @property
    def ci_low(self) -> pd.Series:
        """Lower bound of the ``level`` interval of each period's statistic."""
        return (self.series - _zc(self.level) * self.se).rename("ci_low")

    @property
    def ci_high(self) -> pd.Series:
        """Upper bound of the ``level`` interval of each period's statistic."""
        return (self.series + _zc(self.level) * self.se).rename("ci_high")

    def to_frame(self) -> pd.DataFrame:
        """By period: the statistic, its standard error and the interval bounds."""
        out = self.series.to_frame(self.stat)
        if self.se is not None:
            out = out.assign(se=self.se.to_numpy(), ci_low=self.ci_low.to_numpy(), ci_high=self.ci_high.to_numpy())
        return out

    def notes(self) -> list[str]:
        t = self.trend
        return [
            f"Statistic: {self.stat}" + (" (weighted)" if self.weighted else "") + ", population (ddof 0) moments",
            f"Trend: OLS of {self.stat} on period, slope {t.slope:.4g} (se {t.se:.3g}, p {t.pvalue:.3g}); "
            f"covariance {t.cov}",
            f"Intervals: {self.level:.0%}, analytic by period (influence function of the {self.stat}; units as "
            "draws from a super-population, Cowell 1989)",
            *super().notes(),
        ]

    def plot(self, ax: Any = None, **kwargs: Any) -> Any:
        """The statistic over time with its fitted linear trend."""
        ax = new_axes(ax)
        s = self.series
        ax.plot(s.index, s.to_numpy(), marker="o", ms=3, **kwargs)
        ax.plot(s.index, self.model.fittedvalues.to_numpy(), color="black", lw=1, ls="--",
                label=f"trend {self.trend.slope:.3g}/period (p {self.trend.pvalue:.2g})")
        ax.set_ylabel(self.stat)
        ax.legend(fontsize=8)
        return ax


def sigma(
    panel: pd.DataFrame,
    *,
    stat: Literal["sd_log", "cv", "var_log"] = "sd_log",
    weights: pd.Series | pd.DataFrame | None = None,
    trend_cov: Literal["HAC", "nonrobust"] = "HAC",
    level: float = 0.95,
    missing: Missing = "raise",
) -> SigmaConvergence:
    r"""Sigma convergence: cross-section dispersion by period, with a linear trend test.

    ``"sd_log"``: :math:`\sqrt{\sum_i w_i (\ln y_{it} - \overline{\ln y}_t)^2 / \sum_i w_i}`
    (population sd, ddof 0, as PySAL and REAT's ``sd2(is.sample=FALSE)``), ``"var_log"``
    its square, ``"cv"``: :math:`\sqrt{\sum_i w_i (y_{it}-\bar y_t)^2/\sum_i w_i}/\bar y_t`
    with :math:`\bar y_t` the (weighted) mean; with population weights this is
    Williamson's (1965) coefficient. ``weights``: a Series by unit (fixed) or a frame
    like the panel (by unit and period). Trend: OLS of the statistic on the period
    (numeric labels, else 0, 1, ...), ``trend_cov="HAC"`` Newey-West with
    ``floor(4 (n/100)^(2/9))`` lags, or ``"nonrobust"``. Sigma convergence means a
    negative slope (Sala-i-Martin 1996). Each period's statistic has an analytic
    standard error and ``level`` interval (``se``, ``ci_low``, ``ci_high``, in
    ``to_frame()``), from its influence function as for the inequality indices
    (:mod:`levelup.models._intervals`).

    Example
    -------
    >>> import pandas as pd
    >>> p = pd.DataFrame({2000: [1.0, 2, 4], 2001: [1.5, 2, 3], 2002: [1.8, 2, 2.5]}, index=list("abc"))
    >>> sigma(p).trend.slope < 0
    True
    """
    from statsmodels.regression import linear_model as sm

    _iv.check("analytic", level, 999)
    _choice("stat", stat, ("sd_log", "cv", "var_log"))
    _choice("trend_cov", trend_cov, ("HAC", "nonrobust"))
    wide, dropped = _wide(panel, missing=missing)
    if stat in ("sd_log", "var_log"):
        require_positive(wide, "panel values (logs are taken)")
    W = None
    if weights is not None:
        if isinstance(weights, pd.DataFrame):
            wf = _reindex_named(weights, wide.index, "weights")
            missing_cols = [c for c in wide.columns if c not in set(wf.columns)]
            if missing_cols:
                raise ModelInputError(f"weights have no column for periods {missing_cols[:10]}")
            W = wf[list(wide.columns)].astype(float)
        else:
            ws = as_series(weights, "weights")
            W = pd.DataFrame(np.repeat(_reindex_named(ws.to_frame(), wide.index, "weights").to_numpy(),
                                       wide.shape[1], axis=1), index=wide.index, columns=wide.columns)
        if W.isna().any(axis=None):
            handle_missing(W, what="weights")
        require_positive(W, "weights")
    Wn = np.ones(wide.shape) if W is None else W.to_numpy()
    Wn = Wn / Wn.sum(axis=0)
    V = np.log(wide.to_numpy()) if stat != "cv" else wide.to_numpy()
    mu = (Wn * V).sum(axis=0)
    var = (Wn * (V - mu) ** 2).sum(axis=0)
    val = var if stat == "var_log" else (np.sqrt(var) if stat == "sd_log" else np.sqrt(var) / mu)
    series = pd.Series(val, index=wide.columns, name=stat)
    zf = {"sd_log": _iv.z_sd, "var_log": _iv.z_var, "cv": _iv.z_cv}[stat]
    se = pd.Series([_iv.analytic(float(val[j]), zf(V[:, j], Wn[:, j]), Wn[:, j], level).se
                    for j in range(V.shape[1])], index=wide.columns, name="se")
    cols = list(wide.columns)
    numeric = all(isinstance(c, int | float | np.integer | np.floating) for c in cols)
    tt = np.asarray(cols, dtype=float) if numeric else np.arange(len(cols), dtype=float)
    X = pd.DataFrame({"const": 1.0, "period": tt}, index=series.index)
    if len(series) < 3:
        raise ModelInputError(f"a trend test needs at least 3 periods, got {len(series)}")
    if trend_cov == "HAC":
        lags = int(math.floor(4 * (len(series) / 100) ** (2 / 9)))
        res = sm.OLS(series, X).fit(cov_type="HAC", cov_kwds={"maxlags": lags})
        cov_label = f"HAC (Newey-West, {lags} lag(s))"
    else:
        res = sm.OLS(series, X).fit()
        cov_label = "nonrobust"
    trend = Trend(slope=float(res.params["period"]), se=float(res.bse["period"]),
                  tvalue=float(res.tvalues["period"]), pvalue=float(res.pvalues["period"]), cov=cov_label)
    return SigmaConvergence(series=series, stat=stat, weighted=W is not None, trend=trend, cov=cov_label,
                            sample=_sample(wide.index, cols, dropped), dropped=dropped, model=res, se=se,
                            level=float(level))


def _zc(level: float) -> float:
    from scipy.stats import norm

    return float(norm.ppf(0.5 + level / 2))
