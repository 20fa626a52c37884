"""Beta convergence: cross-section OLS, nonlinear least squares, panel fixed effects."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from levelup.errors import ModelInputError, ParameterError
from levelup.models._checks import (
    Missing,
    require_positive,
)
from levelup.models.convergence._common import (
    _LN2,
    Cov,
    _choice,
    _coef_table,
    _convergence_scatter,
    _cross_section,
    _fit_ols,
    _period_label,
    _sample,
    _speed_note,
    _wide,
    speed_half_life,
)
from levelup.results import Result, Sample, new_axes


# ------------------------------------------------------------------ beta (OLS)
@dataclass(frozen=True)
class BetaConvergence(Result):
    """Cross-section beta convergence by least squares (see :func:`beta`)."""

    title = "Beta convergence (OLS)"
    beta: float
    se: float
    tvalue: float
    pvalue: float
    speed: float
    speed_se: float
    half_life: float
    r2: float
    nobs: int
    years: float
    cov: str
    weighted: bool
    sample: Sample
    dropped: tuple = ()
    params: pd.DataFrame = field(default=None, repr=False, compare=False)
    data: pd.DataFrame = field(default=None, repr=False, compare=False)
    model: Any = field(default=None, repr=False, compare=False)

    def to_frame(self) -> pd.DataFrame:
        extra = pd.DataFrame(
            {"estimate": [self.speed, self.half_life, self.r2, float(self.nobs)],
             "se": [self.speed_se, np.nan, np.nan, np.nan]},
            index=["speed", "half_life", "r2", "nobs"],
        )
        return pd.concat([self.params, extra])

    def notes(self) -> list[str]:
        est = "WLS" if self.weighted else "OLS"
        out = [
            f"Estimator: {est} of (ln y_T - ln y_0)/T on ln y_0 (+ controls), T = {self.years:g}; "
            f"speed = -ln(1 + T*beta)/T (se by the delta method), half-life = ln 2 / speed",
            f"Covariance: {self.cov}",
            *super().notes(),
        ]
        note = _speed_note(self.beta, self.years)
        return out + ([note] if note else [])

    def plot(self, ax: Any = None, *, label: Any = "auto", **kwargs: Any) -> Any:
        """Convergence scatter: annualised growth against initial log level, fitted line, labels."""
        p = self.params["estimate"]
        ctrl = [c for c in p.index if c not in ("const", "ln_initial")]
        level = p["const"] + sum(p[c] * self.data[c].mean() for c in ctrl)
        return _convergence_scatter(ax, self.data, self.years, lambda xs: level + p["ln_initial"] * xs,
                                    f"beta = {self.beta:.4g} (se {self.se:.3g})", label, **kwargs)


def beta(
    initial: pd.Series,
    final: pd.Series,
    years: float,
    *,
    controls: pd.DataFrame | pd.Series | None = None,
    weights: pd.Series | None = None,
    cov: Cov = "HC1",
    groups: Any = None,
    missing: Missing = "raise",
) -> BetaConvergence:
    r"""Absolute or conditional beta convergence by OLS (WLS with ``weights``).

    Regresses the annualised log growth on the initial log level (Barro and
    Sala-i-Martin 1992; Sala-i-Martin 1996):

    .. math:: \frac{\ln y_{iT} - \ln y_{i0}}{T} = a + \beta \ln y_{i0} + \gamma' x_i + e_i

    and reports the implied speed :math:`\lambda = -\ln(1 + T\beta)/T` (valid for
    any ``T``; its se by the delta method, :math:`se_\beta / |1 + T\beta|`) and
    half-life :math:`\ln 2/\lambda`. Covariance ``cov`` is a statsmodels name
    (``"nonrobust"``, ``"HC0"``-``"HC3"``, ``"cluster"`` with ``groups=``); the
    intercept is always included; ``weights`` (e.g. population) are analytic WLS
    weights. The statsmodels fit is kept as ``result.model``.

    Example
    -------
    >>> import pandas as pd
    >>> y0 = pd.Series([10.0, 20, 30, 40], index=list("abcd"))
    >>> y1 = pd.Series([12.0, 22, 31, 41], index=list("abcd"))
    >>> round(beta(y0, y1, years=1, cov="nonrobust").beta, 4)
    -0.1198
    """
    if not (isinstance(years, int | float | np.integer | np.floating) and years > 0):
        raise ParameterError(f"years must be a positive number, got {years!r}")
    frame, ctrl, dropped = _cross_section(initial, final, controls, weights, groups, cov, missing)
    ln0 = np.log(frame["initial"])
    growth = (np.log(frame["final"]) - ln0) / years
    X = pd.concat([pd.Series(1.0, index=frame.index, name="const"), ln0.rename("ln_initial"), frame[ctrl]], axis=1)
    w = frame["__weights"] if weights is not None else None
    g = frame["__groups"] if groups is not None else None
    res = _fit_ols(growth.rename("growth"), X, cov, g, w)
    b, se = float(res.params["ln_initial"]), float(res.bse["ln_initial"])
    speed, hl = speed_half_life(b, years)
    speed_se = se / abs(1 + years * b) if np.isfinite(speed) else float("nan")
    data = X.drop(columns="const").assign(growth=growth, fitted=res.fittedvalues)
    periods = tuple(p for p in (_period_label(initial), _period_label(final)) if p is not None)
    return BetaConvergence(
        beta=b, se=se, tvalue=float(res.tvalues["ln_initial"]), pvalue=float(res.pvalues["ln_initial"]),
        speed=speed, speed_se=speed_se, half_life=hl, r2=float(res.rsquared), nobs=int(res.nobs),
        years=float(years), cov=cov, weighted=weights is not None,
        sample=_sample(frame.index, periods, dropped), dropped=dropped,
        params=_coef_table(res), data=data, model=res,
    )


# ------------------------------------------------------------------ beta (NLS)
@dataclass(frozen=True)
class BetaNLS(Result):
    """Nonlinear Barro-Sala-i-Martin convergence (see :func:`beta_nls`)."""

    title = "Beta convergence (nonlinear least squares)"
    speed: float
    se: float
    tvalue: float
    pvalue: float
    half_life: float
    alpha: float
    nobs: int
    years: float
    cov: str
    weighted: bool
    sample: Sample
    dropped: tuple = ()
    params: pd.DataFrame = field(default=None, repr=False, compare=False)
    data: pd.DataFrame = field(default=None, repr=False, compare=False)
    model: Any = field(default=None, repr=False, compare=False)
    optimize: Any = field(default=None, repr=False, compare=False)

    def to_frame(self) -> pd.DataFrame:
        hl = pd.DataFrame({"estimate": [self.half_life, float(self.nobs)]}, index=["half_life", "nobs"])
        return pd.concat([self.params, hl])

    def notes(self) -> list[str]:
        est = "Weighted NLS" if self.weighted else "NLS"
        return [
            f"Estimator: {est} of (1/T) ln(y_T/y_0) = a - ((1 - exp(-speed*T))/T) ln y_0 (+ controls), "
            f"T = {self.years:g} (Barro and Sala-i-Martin 1992)",
            f"Covariance: {self.cov}, from the Jacobian at the optimum (Gauss-Newton sandwich)",
            *super().notes(),
        ]

    def plot(self, ax: Any = None, *, label: Any = "auto", **kwargs: Any) -> Any:
        """Convergence scatter with the fitted nonlinear curve."""
        T = self.years
        return _convergence_scatter(ax, self.data, T, lambda xs: self.alpha - (1 - math.exp(-self.speed * T)) / T * xs,
                                    f"speed = {self.speed:.4g} (se {self.se:.3g})", label, **kwargs)


def beta_nls(
    initial: pd.Series,
    final: pd.Series,
    years: float,
    *,
    controls: pd.DataFrame | pd.Series | None = None,
    weights: pd.Series | None = None,
    cov: Cov = "HC1",
    groups: Any = None,
    missing: Missing = "raise",
) -> BetaNLS:
    r"""Nonlinear beta convergence estimating the speed directly (Barro and Sala-i-Martin 1992, eq. 11).

    .. math:: \frac{1}{T}\ln\frac{y_{iT}}{y_{i0}} = a - \frac{1 - e^{-\lambda T}}{T}\ln y_{i0} + \gamma' x_i + u_i

    fitted by (weighted) nonlinear least squares (``scipy.optimize.least_squares``,
    started at the OLS-implied speed). Standard errors come from the Jacobian at the
    optimum: the linearised model is passed to statsmodels with the same ``cov``
    choices as :func:`beta`, so ``se`` is the usual NLS sandwich. For the model
    without restrictions the result equals the OLS-implied speed with its
    delta-method se. Result ``speed``, ``se`` (of the speed), ``half_life``.

    Example
    -------
    >>> import pandas as pd
    >>> y0 = pd.Series([10.0, 20, 30, 40], index=list("abcd"))
    >>> y1 = pd.Series([12.0, 22, 31, 41], index=list("abcd"))
    >>> round(beta_nls(y0, y1, years=1, cov="nonrobust").speed, 4)
    0.1277
    """
    from scipy.optimize import least_squares
    from statsmodels.regression import linear_model as sm

    if not (isinstance(years, int | float | np.integer | np.floating) and years > 0):
        raise ParameterError(f"years must be a positive number, got {years!r}")
    frame, ctrl, dropped = _cross_section(initial, final, controls, weights, groups, cov, missing)
    T = float(years)
    x = np.log(frame["initial"].to_numpy())
    y = (np.log(frame["final"].to_numpy()) - x) / T
    C = frame[ctrl].to_numpy() if ctrl else np.empty((len(x), 0))
    w = frame["__weights"].to_numpy() if weights is not None else np.ones_like(x)
    sw = np.sqrt(w)

    ols = beta(frame["initial"], frame["final"], years, controls=frame[ctrl] if ctrl else None,
               cov="nonrobust", weights=frame["__weights"] if weights is not None else None)
    lam0 = ols.speed if np.isfinite(ols.speed) else 0.01
    theta0 = np.r_[ols.params.loc["const", "estimate"], lam0, ols.params.loc[ctrl, "estimate"].to_numpy()]

    def fitted(th):
        return th[0] - (1 - np.exp(-th[1] * T)) / T * x + C @ th[2:]

    def jac(th):
        return np.column_stack([np.ones_like(x), -np.exp(-th[1] * T) * x, C])

    opt = least_squares(lambda th: sw * (y - fitted(th)), theta0, jac=lambda th: -sw[:, None] * jac(th),
                        method="lm", xtol=1e-15, ftol=1e-15, gtol=1e-15, max_nfev=10_000)
    th = opt.x
    J = jac(th)
    names = ["alpha", "speed", *ctrl]
    resid = y - fitted(th)
    pseudo = pd.Series(resid + J @ th, index=frame.index)
    Jf = pd.DataFrame(J, index=frame.index, columns=names)
    lin = (sm.WLS(pseudo, Jf, weights=w) if weights is not None else sm.OLS(pseudo, Jf))
    res = lin.fit(cov_type="cluster", cov_kwds={"groups": frame["__groups"].to_numpy()}) if cov == "cluster" \
        else lin.fit(cov_type=cov)
    params = pd.DataFrame({"estimate": th, "se": res.bse.to_numpy()}, index=names)
    params["tvalue"] = params["estimate"] / params["se"]
    params["pvalue"] = res.pvalues.to_numpy()
    speed = float(th[1])
    data = pd.DataFrame({"ln_initial": x, "growth": y, "fitted": fitted(th)}, index=frame.index)
    return BetaNLS(
        speed=speed, se=float(params.loc["speed", "se"]), tvalue=float(params.loc["speed", "tvalue"]),
        pvalue=float(params.loc["speed", "pvalue"]),
        half_life=_LN2 / speed if speed > 0 else float("inf"), alpha=float(th[0]), nobs=len(x), years=T,
        cov=cov, weighted=weights is not None, dropped=dropped,
        sample=_sample(frame.index, tuple(q for q in (_period_label(initial), _period_label(final)) if q is not None),
                       dropped),
        params=params, data=data, model=res, optimize=opt,
    )


# ------------------------------------------------------------------ panel beta
@dataclass(frozen=True)
class PanelBeta(Result):
    """Panel beta convergence over windows (see :func:`panel_beta`)."""

    title = "Panel beta convergence"
    beta: float
    se: float
    tvalue: float
    pvalue: float
    speed: float
    half_life: float
    nobs: int
    n_units: int
    n_windows: int
    window: int
    window_years: float
    entity_effects: bool
    time_effects: bool
    cov: str
    sample: Sample
    dropped: tuple = ()
    data: pd.DataFrame = field(default=None, repr=False, compare=False)
    model: Any = field(default=None, repr=False, compare=False)

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame(
            {"estimate": [self.beta, self.speed, self.half_life, float(self.nobs)],
             "se": [self.se, np.nan, np.nan, np.nan],
             "tvalue": [self.tvalue, np.nan, np.nan, np.nan], "pvalue": [self.pvalue, np.nan, np.nan, np.nan]},
            index=["ln_initial", "speed", "half_life", "nobs"],
        )

    def notes(self) -> list[str]:
        eff = [n for n, on in (("unit", self.entity_effects), ("window", self.time_effects)) if on]
        return [
            f"Estimator: linearmodels PanelOLS of annualised log growth over {self.n_windows} "
            f"non-overlapping windows of {self.window} period(s) on the log level at each window's start; "
            f"effects: {', '.join(eff) or 'none (pooled)'}",
            f"Covariance: {self.cov}" + (
                " (clustered by unit; small-sample factor G/(G-1) (n-1)/(n-K) with K not counting the unit "
                "effects nested in the clusters, as Stata xtreg fe vce(cluster), reghdfe and fixest; "
                "p-value from t(G-1))" if self.cov == "cluster" else ""),
            *super().notes(),
        ]

    def plot(self, ax: Any = None, **kwargs: Any) -> Any:
        """Growth against initial log level, one colour per window, with the within slope."""
        ax = new_axes(ax)
        d = self.data
        for wstart, g in d.groupby(level=1):
            ax.scatter(g["ln_initial"], g["growth"], s=12, label=str(wstart), **kwargs)
        xs = np.linspace(d["ln_initial"].min(), d["ln_initial"].max(), 50)
        xm, ym = d["ln_initial"].mean(), d["growth"].mean()
        ax.plot(xs, ym + self.beta * (xs - xm), color="black", lw=1)
        ax.set_xlabel("log level at window start")
        ax.set_ylabel("annual log growth in window")
        if d.index.get_level_values(1).nunique() <= 12:
            ax.legend(fontsize=7, title="window")
        return ax


def _cluster_nested(data: pd.DataFrame, b: float, entity_effects: bool, time_effects: bool):
    """Unit-clustered se of the slope with the nested-effects convention (CRV1 as fixest/reghdfe).

    Frisch-Waugh: the slope's regressor and the outcome are residualised on the effects
    (dummies, by least squares, so unbalanced panels work); the sandwich is
    ``sum_g (sum_i x_i e_i)^2 / (sum_i x_i^2)^2`` times ``G/(G-1) (n-1)/(n-K)``, where K
    counts the slope, the window effects and one level for the unit effects, which are
    nested in the clusters and so not counted (Cameron and Miller 2015, sec. VI.B;
    Stata ``xtreg, fe vce(cluster)``, ``reghdfe``, fixest's ``fixef.K="nested"``).
    """
    from scipy.stats import t as tdist

    unit = data.index.get_level_values(0)
    start = data.index.get_level_values(1)
    n = len(data)
    blocks = [np.ones((n, 1))]
    if entity_effects:
        blocks.append(pd.get_dummies(unit, drop_first=True, dtype=float).to_numpy())
    if time_effects:
        blocks.append(pd.get_dummies(start, drop_first=True, dtype=float).to_numpy())
    D = np.hstack(blocks)
    Y = data[["ln_initial", "growth"]].to_numpy()
    R = Y - D @ np.linalg.lstsq(D, Y, rcond=None)[0]
    x, y = R[:, 0], R[:, 1]
    e = y - b * x
    codes, _ = pd.factorize(unit)
    G = int(codes.max()) + 1
    score = np.bincount(codes, weights=x * e, minlength=G)
    K = 1 + 1 + (len(set(start)) - 1 if time_effects else 0)  # slope, the constant/nested unit level, windows
    V = (score**2).sum() / (x @ x) ** 2 * G / (G - 1) * (n - 1) / (n - K)
    se = float(np.sqrt(V))
    tv = b / se
    return se, float(tv), float(2 * tdist.sf(abs(tv), G - 1))


def panel_beta(
    panel: pd.DataFrame,
    *,
    window: int = 1,
    entity_effects: bool = True,
    time_effects: bool = True,
    cov: Literal["cluster", "robust", "nonrobust"] = "cluster",
    missing: Missing = "raise",
) -> PanelBeta:
    r"""Panel beta convergence: pooled or fixed effects over non-overlapping windows (Islam 1995).

    For windows :math:`[s, s+w]` (``w = window`` periods),

    .. math:: \frac{\ln y_{i,s+w} - \ln y_{is}}{\tau} = \mu_i + \delta_s + \beta \ln y_{is} + e_{is}

    with :math:`\tau` the window length in years (column labels' difference when
    numeric, else ``w``), unit effects :math:`\mu_i` and window effects
    :math:`\delta_s` as asked, estimated with ``linearmodels.PanelOLS``; ``cov``
    ``"cluster"`` clusters by unit with the small-sample factor of Stata's ``xtreg, fe
    vce(cluster)``, reghdfe and fixest, which do not count unit effects nested in the
    clusters (linearmodels counts them and gives larger se), p-values from t(G-1).
    Speed :math:`-\ln(1+\tau\beta)/\tau`. Fixed effects estimates are subject to Nickell
    bias with few windows (Islam 1995).

    Example
    -------
    >>> import numpy as np, pandas as pd
    >>> p = pd.DataFrame(np.exp(np.random.default_rng(0).normal(size=(6, 5))), columns=range(2000, 2005))
    >>> panel_beta(p).beta < 0
    True
    """
    from linearmodels.panel import PanelOLS

    _choice("cov", cov, ("cluster", "robust", "nonrobust"))
    if not (isinstance(window, int | np.integer) and window >= 1):
        raise ParameterError(f"window must be a positive integer number of periods, got {window!r}")
    wide, dropped = _wide(panel, missing=missing)
    require_positive(wide, "panel values (logs are taken)")
    cols = list(wide.columns)
    starts = list(range(0, len(cols) - window, window))
    if not starts:
        raise ModelInputError(f"{len(cols)} periods hold no window of {window} periods")
    if entity_effects and len(starts) < 2:
        raise ModelInputError(f"unit fixed effects need at least 2 windows; {len(cols)} periods give {len(starts)}")
    numeric = all(isinstance(c, int | float | np.integer | np.floating) for c in cols)
    ln = np.log(wide)
    rows = []
    for j in starts:
        tau = float(cols[j + window] - cols[j]) if numeric else float(window)
        rows.append(pd.DataFrame({
            "unit": wide.index, "start": cols[j], "ln_initial": ln.iloc[:, j].to_numpy(),
            "growth": (ln.iloc[:, j + window] - ln.iloc[:, j]).to_numpy() / tau, "tau": tau}))
    data = pd.concat(rows).set_index(["unit", "start"])
    taus = data["tau"].unique()
    tau = float(taus.mean())
    exog = data[["ln_initial"]].assign(const=1.0)[["const", "ln_initial"]]
    mod = PanelOLS(data["growth"], exog, entity_effects=entity_effects, time_effects=time_effects,
                   drop_absorbed=False)
    # result.model keeps linearmodels' own fit (with cov="cluster" its se counts the nested effects)
    res = mod.fit(cov_type={"cluster": "clustered", "robust": "robust"}.get(cov, "unadjusted"),
                  **({"cluster_entity": True} if cov == "cluster" else {}))
    b = float(res.params["ln_initial"])
    se, tv, pv = float(res.std_errors["ln_initial"]), float(res.tstats["ln_initial"]), float(res.pvalues["ln_initial"])
    if cov == "cluster":
        se, tv, pv = _cluster_nested(data, b, entity_effects, time_effects)
    speed, hl = speed_half_life(b, tau)
    return PanelBeta(
        beta=b, se=se, tvalue=tv, pvalue=pv, speed=speed, half_life=hl, nobs=int(res.nobs),
        n_units=wide.shape[0], n_windows=len(starts), window=int(window), window_years=tau,
        entity_effects=entity_effects, time_effects=time_effects, cov=cov,
        sample=_sample(wide.index, cols, dropped), dropped=dropped, data=data.drop(columns="tau"), model=res,
    )
