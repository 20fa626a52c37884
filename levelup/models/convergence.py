"""Convergence: beta (OLS, NLS, panel), sigma, Phillips-Sul log t and clubs, Markov chains.

Every function takes pandas objects (a Series of levels by unit, or a panel as a
wide frame of units x periods) and returns a frozen result with ``summary()``,
``to_frame()``, ``plot()`` and an HTML repr. Panels may also be given long (a
frame with unit, period and ``value`` columns, as the tidy data schema, or a Series
with a (unit, period) MultiIndex).

References
----------
Barro, R. and Sala-i-Martin, X. (1992) Convergence. J. Political Economy 100(2), 223-251.
Phillips, P.C.B. and Sul, D. (2007) Transition modeling and econometric convergence tests.
    Econometrica 75(6), 1771-1855.
Phillips, P.C.B. and Sul, D. (2009) Economic transition and growth. J. Applied Econometrics 24(7),
    1153-1185.
von Lyncker, K. and Thoennessen, R. (2017) Regional club convergence in the EU: evidence from a
    panel data analysis. Empirical Economics 52, 525-553.
Andrews, D.W.K. (1991) Heteroskedasticity and autocorrelation consistent covariance matrix
    estimation. Econometrica 59(3), 817-858.
Quah, D. (1993) Empirical cross-section dynamics in economic growth. European Economic Review 37,
    426-434. Rey, S. (2001) Spatial analysis of regional income inequality (giddy's Markov).
Kemeny, J. and Snell, J. (1976) Finite Markov Chains. Springer (mean first passage times).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from levelup.errors import ModelInputError, ParameterError
from levelup.models import _clubs
from levelup.models._checks import (
    Missing,
    align,
    as_series,
    handle_missing,
    require_min_units,
    require_positive,
)
from levelup.models._clubs import (  # noqa: F401  (re-exported internals)
    THRESHOLD,
    find_clubs,
    h_statistic,
    logt_from_h,
    merge_ps,
    merge_vlt,
)
from levelup.models._results import Result, Sample, new_axes

merge_divergent_units = _clubs.merge_divergent  # re-exported (the name merge_divergent is a clubs() flag)

Cov = Literal["nonrobust", "HC0", "HC1", "HC2", "HC3", "cluster"]
_COVS = ("nonrobust", "HC0", "HC1", "HC2", "HC3", "cluster")
_LN2 = math.log(2.0)

__all__ = [
    "beta",
    "beta_nls",
    "panel_beta",
    "sigma",
    "log_t",
    "clubs",
    "clubs_grid",
    "clubs_bootstrap",
    "rolling_clubs",
    "club_determinants",
    "markov",
    "BetaConvergence",
    "BetaNLS",
    "PanelBeta",
    "SigmaConvergence",
    "Trend",
    "LogT",
    "Clubs",
    "ClubsGrid",
    "ClubsBootstrap",
    "RollingClubs",
    "ClubDeterminants",
    "MarkovChain",
    "speed_half_life",
]


# ------------------------------------------------------------------ helpers
def _choice(name: str, value: Any, allowed: Sequence[Any]) -> None:
    if value not in allowed:
        raise ParameterError(f"{name} must be one of {', '.join(map(repr, allowed))}; got {value!r}")


def speed_half_life(b: float, years: float) -> tuple[float, float]:
    """Implied speed ``-ln(1 + T*b)/T`` and half-life ``ln 2 / speed`` (Barro and Sala-i-Martin 1992).

    ``b >= 0`` (no convergence): speed <= 0 and half-life ``inf``. ``1 + T*b <= 0``
    (more than complete catch-up within the period): both ``nan``.
    """
    x = 1.0 + years * b
    if not np.isfinite(b) or x <= 0:
        return float("nan"), float("nan")
    speed = -math.log(x) / years
    return speed, (_LN2 / speed if speed > 0 else float("inf"))


def _speed_note(b: float, years: float) -> str | None:
    if not np.isfinite(b):
        return None
    if 1 + years * b <= 0:
        return f"1 + T*beta = {1 + years * b:.4g} <= 0: the implied speed and half-life are undefined (nan)"
    if b >= 0:
        return "beta >= 0: no beta convergence; speed <= 0 and the half-life is infinite"
    return None


def _period_label(s: Any) -> Any:
    return getattr(s, "name", None)


_UNIT_COLS = ("geo_code", "unit", "region", "code", "id")
_TIME_COLS = ("year", "period", "time", "date")


def _wide(panel: Any, *, missing: Missing = "raise", what: str = "panel", min_units: int = 3,
          min_periods: int = 2, numeric: bool = True) -> tuple[pd.DataFrame, tuple]:
    """Wide float frame (units x periods) from wide or long input; apply the missing policy.

    ``numeric=False`` keeps the values as given (labels of discrete states)."""
    if isinstance(panel, pd.Series):
        if not (isinstance(panel.index, pd.MultiIndex) and panel.index.nlevels == 2):
            raise ModelInputError(
                f"{what}: a Series panel needs a two-level (unit, period) MultiIndex; got a plain index"
            )
        dup = panel.index[panel.index.duplicated()]
        if len(dup):
            raise ModelInputError(f"{what}: duplicated (unit, period) pairs: {list(dup[:10])}")
        wide = panel.unstack().sort_index(axis=1)
    elif isinstance(panel, pd.DataFrame):
        cols = {str(c).lower(): c for c in panel.columns}
        ucol = next((cols[c] for c in _UNIT_COLS if c in cols), None)
        tcol = next((cols[c] for c in _TIME_COLS if c in cols), None)
        if "value" in cols and ucol is not None and tcol is not None:
            long = panel[[ucol, tcol, cols["value"]]]
            dup = long.duplicated([ucol, tcol])
            if dup.any():
                bad = sorted(set(long.loc[dup, ucol].astype(str)))
                raise ModelInputError(
                    f"{what}: long input has several rows for the same unit and period for: {', '.join(bad[:20])}"
                )
            wide = long.pivot(index=ucol, columns=tcol, values=cols["value"]).sort_index(axis=1)
            wide.columns.name = None
        else:
            wide = panel
    else:
        raise ModelInputError(
            f"{what} must be a wide DataFrame (units x periods), a long DataFrame with unit, period and "
            f"'value' columns, or a Series with a (unit, period) MultiIndex; got {type(panel).__name__}"
        )
    nonnum = [c for c, dt in wide.dtypes.items() if not pd.api.types.is_numeric_dtype(dt)]
    if nonnum and numeric:
        raise ModelInputError(f"{what}: non-numeric columns {nonnum[:10]}; put unit labels in the index")
    if wide.index.has_duplicates:
        dups = sorted(set(map(str, wide.index[wide.index.duplicated()])))
        raise ModelInputError(f"{what}: duplicated unit labels: {', '.join(dups[:20])}")
    if numeric and not (wide.dtypes == np.float64).all():
        wide = wide.astype(float)
    dropped: tuple = ()
    if wide.isna().to_numpy().any():
        wide, dropped = handle_missing(wide, missing=missing, what=what)
    elif missing not in ("raise", "drop"):
        raise ModelInputError(f"missing must be 'raise' or 'drop', got {missing!r}")
    require_min_units(wide.shape[0], min_units, f"units in {what}")
    if wide.shape[1] < min_periods:
        raise ModelInputError(f"{what} needs at least {min_periods} periods, got {wide.shape[1]}")
    return wide, dropped


def _sample(units, periods, dropped=()) -> Sample:
    return Sample(units=tuple(units), periods=tuple(periods), dropped=tuple(dropped))


def _label_points(ax, x, y, labels, label) -> None:
    if label is None or label is False:
        return
    if label is True or label == "all":
        chosen = set(labels)
    else:
        chosen = set(label)
    for xi, yi, lab in zip(x, y, labels):
        if lab in chosen:
            ax.annotate(str(lab), (xi, yi), fontsize=7, xytext=(2, 2), textcoords="offset points")


def _convergence_scatter(ax, d: pd.DataFrame, years: float, curve, legend: str, label: Any, **kwargs: Any) -> Any:
    """Growth against initial log level with a fitted curve ``curve(xs)`` and optional point labels."""
    ax = new_axes(ax)
    ax.scatter(d["ln_initial"], d["growth"], s=18, **kwargs)
    xs = np.linspace(d["ln_initial"].min(), d["ln_initial"].max(), 50)
    ax.plot(xs, curve(xs), color="black", lw=1, label=legend)
    if label == "auto":
        label = "all" if len(d) <= 40 else None
    _label_points(ax, d["ln_initial"], d["growth"], list(d.index), label)
    ax.set_xlabel("log initial level")
    ax.set_ylabel(f"annual log growth over {years:g} years")
    ax.legend(loc="best", fontsize=8)
    return ax


def _fit_ols(y: pd.Series, X: pd.DataFrame, cov: str, groups, weights):
    import statsmodels.api as sm

    model = sm.WLS(y, X, weights=weights) if weights is not None else sm.OLS(y, X)
    if cov == "cluster":
        return model.fit(cov_type="cluster", cov_kwds={"groups": np.asarray(groups)})
    return model.fit(cov_type=cov)


def _cross_section(initial, final, controls, weights, groups, cov, missing):
    _choice("cov", cov, _COVS)
    if cov == "cluster" and groups is None:
        raise ParameterError("cov='cluster' needs groups= (one cluster label per unit)")
    y0 = as_series(initial, "initial")
    yT = as_series(final, "final")
    y0, yT = align(y0, yT, names=("initial", "final"))
    frame = pd.DataFrame({"initial": y0.to_numpy(), "final": yT.to_numpy()}, index=y0.index)
    ctrl_names: list[str] = []
    extra = []
    if controls is not None:
        c = controls.to_frame() if isinstance(controls, pd.Series) else pd.DataFrame(controls)
        if not isinstance(controls, pd.Series | pd.DataFrame):
            c.index = frame.index
        (c_al,) = [c] if c.index.equals(frame.index) else [_reindex_named(c, frame.index, "controls")]
        ctrl_names = [str(n) for n in c_al.columns]
        c_al.columns = ctrl_names
        if set(ctrl_names) & {"const", "ln_initial"}:
            raise ParameterError("control names 'const' and 'ln_initial' are reserved")
        extra.append(c_al.astype(float))
    for name, v in (("weights", weights), ("groups", groups)):
        if v is None:
            continue
        s = v if isinstance(v, pd.Series) else pd.Series(np.asarray(v), index=frame.index)
        s = s if s.index.equals(frame.index) else _reindex_named(s.to_frame(), frame.index, name).iloc[:, 0]
        extra.append(s.rename(f"__{name}"))
    if extra:
        frame = pd.concat([frame, *extra], axis=1)
    frame, dropped = handle_missing(frame, missing=missing, what="initial, final, controls and weights")
    require_positive(frame[["initial", "final"]], "initial and final values (logs are taken)")
    if weights is not None:
        require_positive(frame["__weights"], "weights")
    require_min_units(len(frame), 3, "units")
    return frame, ctrl_names, dropped


def _reindex_named(c: pd.DataFrame, index: pd.Index, name: str) -> pd.DataFrame:
    missing_units = [u for u in index if u not in set(c.index)]
    if missing_units:
        shown = ", ".join(map(str, missing_units[:20]))
        raise ModelInputError(f"{name} is not aligned with initial/final: no rows for {shown}")
    return c.loc[index]


def _coef_table(res, names: Sequence[str] | None = None) -> pd.DataFrame:
    out = pd.DataFrame(
        {"estimate": res.params, "se": res.bse, "tvalue": res.tvalues, "pvalue": res.pvalues}
    )
    if names is not None:
        out.index = list(names)
    return out


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
    import statsmodels.api as sm
    from scipy.optimize import least_squares

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
            f"Covariance: {self.cov}" + (" (clustered by unit)" if self.cov == "cluster" else ""),
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
    ``"cluster"`` clusters by unit. Speed :math:`-\ln(1+\tau\beta)/\tau`. Fixed
    effects estimates are subject to Nickell bias with few windows (Islam 1995).

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
    if cov == "cluster":
        res = mod.fit(cov_type="clustered", cluster_entity=True)
    else:
        res = mod.fit(cov_type="robust" if cov == "robust" else "unadjusted")
    b = float(res.params["ln_initial"])
    speed, hl = speed_half_life(b, tau)
    return PanelBeta(
        beta=b, se=float(res.std_errors["ln_initial"]), tvalue=float(res.tstats["ln_initial"]),
        pvalue=float(res.pvalues["ln_initial"]), speed=speed, half_life=hl, nobs=int(res.nobs),
        n_units=wide.shape[0], n_windows=len(starts), window=int(window), window_years=tau,
        entity_effects=entity_effects, time_effects=time_effects, cov=cov,
        sample=_sample(wide.index, cols, dropped), dropped=dropped, data=data.drop(columns="tau"), model=res,
    )


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

    def to_frame(self) -> pd.DataFrame:
        return self.series.to_frame(self.stat)

    def notes(self) -> list[str]:
        t = self.trend
        return [
            f"Statistic: {self.stat}" + (" (weighted)" if self.weighted else "") + ", population (ddof 0) moments",
            f"Trend: OLS of {self.stat} on period, slope {t.slope:.4g} (se {t.se:.3g}, p {t.pvalue:.3g}); "
            f"covariance {t.cov}",
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
    negative slope (Sala-i-Martin 1996).

    Example
    -------
    >>> import pandas as pd
    >>> p = pd.DataFrame({2000: [1.0, 2, 4], 2001: [1.5, 2, 3], 2002: [1.8, 2, 2.5]}, index=list("abc"))
    >>> sigma(p).trend.slope < 0
    True
    """
    import statsmodels.api as sm

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
    val = {"sd_log": np.sqrt(var), "var_log": var, "cv": np.sqrt(var) / mu}[stat]
    series = pd.Series(val, index=wide.columns, name=stat)
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
                            sample=_sample(wide.index, cols, dropped), dropped=dropped, model=res)


# ------------------------------------------------------------------ log t
def _hac_label(hac: str) -> str:
    return {
        "fqsb": "QS kernel, Andrews AR(1) plug-in bandwidth on the residuals, Phillips-Sul GAUSS "
                "convention (ConvergenceClubs 'FQSB')",
        "aqsb": "QS kernel, Andrews (1991) automatic bandwidth on the slope score, n/(n-2) correction "
                "(R sandwich::vcovHAC defaults)",
    }[hac]


@dataclass(frozen=True)
class LogT(Result):
    """Phillips-Sul log t convergence test (see :func:`log_t`)."""

    title = "Phillips-Sul log t test"
    beta: float
    se: float
    tvalue: float
    pvalue: float
    converges: bool
    alpha: float
    bandwidth: float
    trim: float
    hac: str
    cov: str
    sample: Sample
    dropped: tuple = ()
    H: pd.Series = field(default=None, repr=False, compare=False)
    regression: pd.DataFrame = field(default=None, repr=False, compare=False)

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame({"value": [self.beta, self.se, self.tvalue, self.pvalue, self.alpha]},
                            index=["beta", "se", "tvalue", "pvalue", "alpha"])

    def notes(self) -> list[str]:
        verdict = "not rejected" if self.converges else "rejected"
        r = self.regression
        return [
            f"Estimator: OLS of log(H_1/H_t) - 2 log(log t) on log t, t = {int(r['t'].iloc[0])}..{int(r['t'].iloc[-1])} "
            f"(first round(T*{self.trim:.4g}) periods trimmed); one-sided p = Phi(t)",
            f"Covariance: {self.cov}; bandwidth {self.bandwidth:.4g}",
            f"Convergence {verdict} at 5% (t {'>' if self.converges else '<='} -1.65)",
            *super().notes(),
        ]

    def plot(self, ax: Any = None, **kwargs: Any) -> Any:
        """The log t regression: log(H_1/H_t) - 2 log log t against log t, with the fit."""
        ax = new_axes(ax)
        r = self.regression
        ax.scatter(r["log_t"], r["y"], s=14, **kwargs)
        ax.plot(r["log_t"], self.alpha + self.beta * r["log_t"], color="black", lw=1,
                label=f"b = {self.beta:.3g}, t = {self.tvalue:.3g}")
        ax.set_xlabel("log t")
        ax.set_ylabel("log(H1/Ht) - 2 log log t")
        ax.legend(fontsize=8)
        return ax


def _clubs_input(panel, missing) -> tuple[pd.DataFrame, tuple]:
    wide, dropped = _wide(panel, missing=missing, min_units=2, min_periods=4)
    if not (wide.to_numpy() > 0).all():
        require_positive(wide, "values (h_it = y_it / mean_i y_it needs positive values; rescale log incomes below 1)")
    return wide, dropped


def log_t(panel: pd.DataFrame, *, trim: float = 1 / 3, hac: Literal["fqsb", "aqsb"] = "fqsb",
          missing: Missing = "raise") -> LogT:
    r"""Phillips and Sul (2007) log t convergence test.

    With relative transition paths :math:`h_{it} = y_{it}/N^{-1}\sum_i y_{it}` and
    :math:`H_t = N^{-1}\sum_i (h_{it}-1)^2`, regress (Phillips and Sul 2007, eq. 25)

    .. math:: \log(H_1/H_t) - 2\log(\log t) = a + b \log t + u_t, \quad t = [rT]+1, \dots, T

    with ``r = trim`` (``[rT]`` rounded half to even, as R). Convergence is rejected
    when the HAC t-statistic of ``b`` is below -1.65. ``hac="fqsb"``: QS kernel with
    Andrews' AR(1) plug-in bandwidth computed as in Phillips and Sul's GAUSS code and
    ConvergenceClubs 2.2.5 ("FQSB", whose numbers it reproduces); ``"aqsb"``: Andrews
    (1991) automatic bandwidth on the slope's score. Columns are periods in order
    (usually HP-filtered log incomes); long input is pivoted.

    Example
    -------
    >>> import numpy as np, pandas as pd
    >>> t = np.arange(1, 31)
    >>> p = pd.DataFrame([10 + (0.5 + 0.1 * i) / t for i in range(5)], columns=t)
    >>> log_t(p).converges
    True
    """
    _choice("hac", hac, ("fqsb", "aqsb"))
    wide, dropped = _clubs_input(panel, missing)
    H = _clubs.h_statistic(wide.to_numpy())
    fit = _clubs.logt_from_h(H, trim, hac)
    from scipy.stats import norm

    t = fit.periods
    reg = pd.DataFrame({"t": t, "log_t": np.log(t),
                        "y": np.log(H[0] / H[t - 1]) - 2 * np.log(np.log(t))}, index=wide.columns[t - 1])
    tv = float(fit.tvalue[0])
    return LogT(beta=float(fit.beta[0]), se=float(fit.se[0]), tvalue=tv, pvalue=float(norm.cdf(tv)),
                converges=bool(tv > THRESHOLD), alpha=float(fit.alpha[0]), bandwidth=float(fit.bandwidth[0]),
                trim=float(trim), hac=hac, cov=_hac_label(hac), sample=_sample(wide.index, wide.columns, dropped),
                dropped=dropped, H=pd.Series(H, index=wide.columns, name="H"), regression=reg)


# ------------------------------------------------------------------ clubs
@dataclass(frozen=True)
class Clubs(Result):
    """Phillips-Sul convergence clubs (see :func:`clubs`)."""

    title = "Phillips-Sul convergence clubs"
    clubs: list
    divergent: list
    tests: pd.DataFrame
    membership: pd.Series
    cstar: float
    trim: float
    hac: str
    merge: str | None
    merge_divergent: bool
    cov: str
    sample: Sample
    dropped: tuple = ()
    initial_clubs: list = field(default=None, repr=False, compare=False)
    panel: pd.DataFrame = field(default=None, repr=False, compare=False)

    @property
    def n_clubs(self) -> int:
        return len(self.clubs)

    def to_frame(self) -> pd.DataFrame:
        return self.tests

    def notes(self) -> list[str]:
        m = {None: "none", "ps": "Phillips-Sul (2009)", "vlt": "von Lyncker-Thoennessen (2017)"}[self.merge]
        out = [
            f"Clustering: Phillips-Sul (2007, 2009): ordered by the last period, core group by max t "
            f"(t > -1.65), sieve c* = {self.cstar:g}, trim {self.trim:.4g}; merging: {m}"
            + ("; divergent units merged (vLT)" if self.merge_divergent else ""),
            f"Covariance: {self.cov}",
            f"{self.n_clubs} club(s) of {', '.join(str(len(c)) for c in self.clubs)} units; "
            f"{len(self.divergent)} divergent" + (f": {', '.join(map(str, self.divergent))}" if self.divergent else ""),
            *super().notes(),
        ]
        return out

    def transition_paths(self) -> pd.DataFrame:
        """Relative transition path of each club: club mean over cross-section mean, by period."""
        p = self.panel
        rel = p / p.mean(axis=0)
        out = {f"club {i + 1}": rel.loc[c].mean(axis=0) for i, c in enumerate(self.clubs)}
        if self.divergent:
            out["divergent"] = rel.loc[self.divergent].mean(axis=0)
        return pd.DataFrame(out)

    def plot(self, ax: Any = None, *, kind: Literal["paths", "units"] = "paths", **kwargs: Any) -> Any:
        """Club transition paths (``kind="paths"``) or every unit's path coloured by club (``"units"``)."""
        ax = new_axes(ax)
        if kind == "paths":
            tp = self.transition_paths()
            for c in tp.columns:
                ax.plot(tp.index, tp[c].to_numpy(), label=c, **kwargs)
        else:
            rel = self.panel / self.panel.mean(axis=0)
            cmap = __import__("matplotlib").colormaps["tab10"]
            for i, c in enumerate(self.clubs):
                for u in c:
                    ax.plot(rel.columns, rel.loc[u].to_numpy(), color=cmap(i % 10), lw=0.6,
                            label=f"club {i + 1}" if u == c[0] else None)
        ax.axhline(1.0, color="grey", lw=0.5)
        ax.set_ylabel("relative transition path h")
        ax.legend(fontsize=7)
        return ax

    def plot_map(self, geo: Any, *, column: str | None = None, ax: Any = None, **kwargs: Any) -> Any:
        """Club map: ``geo`` a GeoDataFrame of the units (indexed by unit label, or with ``column``)."""
        ax = new_axes(ax, figsize=(5, 6))
        keys = geo[column] if column else pd.Series(geo.index, index=geo.index)
        lab = keys.map(self.membership).fillna("not in sample")
        g = geo.assign(club=lab.astype(str).to_numpy())
        g.plot(column="club", categorical=True, legend=True, ax=ax, **kwargs)
        ax.set_axis_off()
        return ax


def _club_tests(X: np.ndarray, groups: list[list[int]], trim, hac) -> pd.DataFrame:
    cols = ["club", "size", "beta", "se", "tvalue"]
    if not groups:
        return pd.DataFrame(columns=cols)
    G = np.array([_clubs._mask(X.shape[0], g) for g in groups])
    f = _clubs.logt_groups(X, G, trim, hac)
    return pd.DataFrame({"club": np.arange(1, len(groups) + 1), "size": [len(g) for g in groups], "beta": f.beta,
                         "se": f.se, "tvalue": f.tvalue}).set_index("club")


def _run_clubs(X, *, trim, cstar, hac, merge, merge_div):
    order = list(np.argsort(-X[:, -1], kind="stable"))
    found, div = _clubs.find_clubs(X, order, trim=trim, cstar=cstar, hac=hac)
    merged = found
    if merge == "ps":
        merged = _clubs.merge_ps(X, found, trim=trim, hac=hac)
    elif merge == "vlt":
        merged = _clubs.merge_vlt(X, found, trim=trim, hac=hac)
    if merge_div:
        merged, div = _clubs.merge_divergent(X, merged, div, trim=trim, hac=hac)
    return found, merged, div


def clubs(
    panel: pd.DataFrame,
    *,
    trim: float = 1 / 3,
    cstar: float = 0.0,
    hac: Literal["fqsb", "aqsb"] = "fqsb",
    merge: Literal["ps", "vlt"] | None = None,
    merge_divergent: bool = False,
    missing: Missing = "raise",
) -> Clubs:
    r"""Phillips-Sul club convergence clustering (2007, sec. 4; 2009, sec. 3).

    1. Order units by the last period, highest first (ties keep input order); each club
       lists its units in this order.
    2. Core group: the first consecutive pair with log t statistic > -1.65 starts it;
       units are added in order while t > -1.65; the core is the size with the
       largest t.
    3. Sieve: a unit joins the club when the log t of core plus that unit exceeds ``cstar``.
    4. Recursion: if the remaining units pass the log t test together they form a
       club; otherwise steps 2-3 repeat on them; units left when no pair passes diverge.

    ``merge="ps"``: Phillips and Sul (2009) merging of adjacent clubs while the union
    passes; ``"vlt"``: von Lyncker and Thoennessen (2017) (merge pair m when
    t_m > -1.65 and t_m > t_{m+1}, restart); ``merge_divergent=True`` then tries to
    place divergent units into clubs (vLT 2017). Log t regressions as :func:`log_t`.
    Missing values: ``missing="raise"`` names the units, ``"drop"`` drops and lists them.

    Example
    -------
    >>> import numpy as np, pandas as pd
    >>> t = np.arange(1, 31)
    >>> rows = [10 + (0.5 + 0.1 * i) / t for i in range(4)] + [5 + (0.5 + 0.1 * i) / t for i in range(4)]
    >>> r = clubs(pd.DataFrame(rows, index=list("abcdefgh"), columns=t))
    >>> r.clubs
    [['d', 'c', 'b', 'a'], ['h', 'g', 'f', 'e']]
    """
    _choice("hac", hac, ("fqsb", "aqsb"))
    _choice("merge", merge, (None, "ps", "vlt"))
    wide, dropped = _clubs_input(panel, missing)
    _clubs.trim_start(wide.shape[1], trim)
    X = wide.to_numpy()
    found, merged, div = _run_clubs(X, trim=trim, cstar=cstar, hac=hac, merge=merge, merge_div=merge_divergent)
    labels = list(wide.index)
    named = [[labels[i] for i in c] for c in merged]
    mem = np.full(len(labels), "divergent", dtype=object)
    for k, c in enumerate(merged, start=1):
        mem[c] = k
    membership = pd.Series(mem, index=wide.index, name="club")
    return Clubs(
        clubs=named, divergent=[labels[i] for i in div], tests=_club_tests(X, merged, trim, hac),
        membership=membership, cstar=float(cstar), trim=float(trim), hac=hac, merge=merge,
        merge_divergent=merge_divergent, cov=_hac_label(hac), sample=_sample(wide.index, wide.columns, dropped),
        dropped=dropped, initial_clubs=[[labels[i] for i in c] for c in found], panel=wide,
    )


# ------------------------------------------------------------------ club robustness
def _labels_array(clubs_list, divergent, units) -> np.ndarray:
    pos = {u: i for i, u in enumerate(units)}
    lab = np.zeros(len(units), dtype=int)  # 0 = divergent
    for k, c in enumerate(clubs_list, start=1):
        lab[[pos[u] for u in c]] = k
    return lab


def _same_club(lab: np.ndarray) -> np.ndarray:
    """Pairwise co-membership (divergent units are in no club with anyone)."""
    return (lab[:, None] == lab[None, :]) & (lab[:, None] > 0)


def _rand(a: np.ndarray, b: np.ndarray) -> float:
    A, B = _same_club(a), _same_club(b)
    iu = np.triu_indices(len(a), 1)
    return float((A[iu] == B[iu]).mean())


@dataclass(frozen=True)
class ClubsGrid(Result):
    """Club results over a grid of c* and trim values (see :func:`clubs_grid`)."""

    title = "Convergence clubs over c* and trim"
    table: pd.DataFrame
    membership: pd.DataFrame
    hac: str
    merge: str | None
    sample: Sample
    dropped: tuple = ()

    def to_frame(self) -> pd.DataFrame:
        return self.table

    def notes(self) -> list[str]:
        return ["agreement: share of unit pairs classified alike (same club / not) as the first setting "
                "(Rand index)", *super().notes()]

    def plot(self, ax: Any = None, **kwargs: Any) -> Any:
        """Number of clubs against c*, one line per trim."""
        ax = new_axes(ax)
        for trim, g in self.table.groupby("trim"):
            ax.plot(g["cstar"], g["n_clubs"], marker="o", label=f"trim {trim:.3g}", **kwargs)
        ax.set_xlabel("c*")
        ax.set_ylabel("number of clubs")
        ax.legend(fontsize=8)
        return ax


def clubs_grid(
    panel: pd.DataFrame,
    *,
    cstars: Sequence[float] = (0.0, 0.5, 1.0, 1.65),
    trims: Sequence[float] = (0.2, 0.25, 1 / 3, 0.4),
    hac: Literal["fqsb", "aqsb"] = "fqsb",
    merge: Literal["ps", "vlt"] | None = None,
    missing: Missing = "raise",
) -> ClubsGrid:
    """:func:`clubs` over every (c*, trim) pair: number and sizes of clubs, divergent units, and
    agreement (Rand index of co-membership) with the first pair. ``membership`` has one column
    per pair (club number, 0 = divergent).

    Example
    -------
    >>> import numpy as np, pandas as pd
    >>> t = np.arange(1, 31)
    >>> p = pd.DataFrame([10 + (0.5 + 0.1 * i) / t for i in range(5)], columns=t)
    >>> clubs_grid(p, cstars=(0, 1), trims=(1 / 3,)).table["n_clubs"].tolist()
    [1, 1]
    """
    wide, dropped = _clubs_input(panel, missing)
    X, units = wide.to_numpy(), list(wide.index)
    rows, mem, base = [], {}, None
    for trim in trims:
        _clubs.trim_start(X.shape[1], trim)
        for c in cstars:
            _, merged, div = _run_clubs(X, trim=trim, cstar=c, hac=hac, merge=merge, merge_div=False)
            lab = _labels_array([[units[i] for i in g] for g in merged], [units[i] for i in div], units)
            base = lab if base is None else base
            rows.append({"cstar": float(c), "trim": float(trim), "n_clubs": len(merged),
                         "sizes": ", ".join(str(len(g)) for g in merged), "n_divergent": len(div),
                         "agreement": _rand(base, lab)})
            mem[(float(c), float(trim))] = lab
    membership = pd.DataFrame(mem, index=wide.index)
    membership.columns.names = ["cstar", "trim"]
    return ClubsGrid(table=pd.DataFrame(rows), membership=membership, hac=hac, merge=merge,
                     sample=_sample(wide.index, wide.columns, dropped), dropped=dropped)


@dataclass(frozen=True)
class ClubsBootstrap(Result):
    """Stability of club memberships under resampling of units (see :func:`clubs_bootstrap`)."""

    title = "Convergence clubs: bootstrap stability"
    stability: pd.Series
    co_membership: pd.DataFrame
    n_clubs: pd.Series
    baseline: Clubs
    n_boot: int
    fraction: float
    sample: Sample
    dropped: tuple = ()

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame({"club": self.baseline.membership, "stability": self.stability})

    def notes(self) -> list[str]:
        return [
            f"{self.n_boot} subsamples of {self.fraction:.0%} of units without replacement; stability = mean "
            "share of draws in which a unit shares a club with its baseline club-mates (both drawn)",
            *super().notes(),
        ]

    def plot(self, ax: Any = None, **kwargs: Any) -> Any:
        """Co-membership matrix ordered by baseline club."""
        ax = new_axes(ax, figsize=(6, 5.5))
        order = [u for c in self.baseline.clubs for u in c] + list(self.baseline.divergent)
        im = ax.imshow(self.co_membership.loc[order, order].to_numpy(), vmin=0, vmax=1, cmap="viridis", **kwargs)
        ax.figure.colorbar(im, ax=ax, label="share of draws in the same club")
        ax.set_xticks([])
        ax.set_yticks([])
        return ax


def clubs_bootstrap(
    panel: pd.DataFrame,
    *,
    n_boot: int = 200,
    fraction: float = 0.8,
    rng: int | np.random.Generator | None = None,
    trim: float = 1 / 3,
    cstar: float = 0.0,
    hac: Literal["fqsb", "aqsb"] = "fqsb",
    merge: Literal["ps", "vlt"] | None = None,
    missing: Missing = "raise",
) -> ClubsBootstrap:
    """Bootstrap stability of club membership: rerun :func:`clubs` on ``n_boot`` random
    subsamples of ``fraction`` of the units (without replacement, so no unit is duplicated;
    m-out-of-n subsampling, Politis and Romano 1994) and record, for each pair of units drawn
    together, how often they land in the same club. ``stability`` of a unit is its mean
    co-membership share with its baseline club-mates. Seeded by ``rng``.

    Example
    -------
    >>> import numpy as np, pandas as pd
    >>> t = np.arange(1, 31)
    >>> p = pd.DataFrame([10 + (0.5 + 0.1 * i) / t for i in range(5)], columns=t)
    >>> float(clubs_bootstrap(p, n_boot=5, rng=1).stability.min())
    1.0
    """
    if not 0 < fraction <= 1:
        raise ParameterError(f"fraction must be in (0, 1], got {fraction!r}")
    gen = np.random.default_rng(rng)
    base = clubs(panel, trim=trim, cstar=cstar, hac=hac, merge=merge, missing=missing)
    wide = base.panel
    X, units = wide.to_numpy(), list(wide.index)
    N = len(units)
    m = max(2, int(round(fraction * N)))
    same = np.zeros((N, N))
    both = np.zeros((N, N))
    ncl = []
    for _ in range(int(n_boot)):
        idx = np.sort(gen.choice(N, size=m, replace=False))
        _, merged, div = _run_clubs(X[idx], trim=trim, cstar=cstar, hac=hac, merge=merge, merge_div=False)
        lab = np.zeros(m, dtype=int)
        for k, g in enumerate(merged, start=1):
            lab[g] = k
        ncl.append(len(merged))
        same[np.ix_(idx, idx)] += _same_club(lab)
        both[np.ix_(idx, idx)] += 1
    with np.errstate(invalid="ignore", divide="ignore"):
        co = same / both
    co_df = pd.DataFrame(co, index=wide.index, columns=wide.index)
    blab = _labels_array(base.clubs, base.divergent, units)
    stab = []
    for i in range(N):
        mates = np.flatnonzero((blab == blab[i]) & (np.arange(N) != i)) if blab[i] > 0 else np.array([], int)
        stab.append(float(np.nanmean(co[i, mates])) if mates.size else float("nan"))
    return ClubsBootstrap(stability=pd.Series(stab, index=wide.index, name="stability"), co_membership=co_df,
                          n_clubs=pd.Series(ncl, name="n_clubs").value_counts().sort_index(), baseline=base,
                          n_boot=int(n_boot), fraction=float(fraction), sample=base.sample, dropped=base.dropped)


@dataclass(frozen=True)
class RollingClubs(Result):
    """Clubs found in rolling windows of periods (see :func:`rolling_clubs`)."""

    title = "Convergence clubs in rolling windows"
    membership: pd.DataFrame
    table: pd.DataFrame
    window: int
    sample: Sample
    dropped: tuple = ()

    def to_frame(self) -> pd.DataFrame:
        return self.table

    def plot(self, ax: Any = None, **kwargs: Any) -> Any:
        """Membership (club number, 0 = divergent) of each unit by window end."""
        ax = new_axes(ax, figsize=(7, 5))
        im = ax.imshow(self.membership.to_numpy(dtype=float), aspect="auto", cmap="viridis", **kwargs)
        ax.set_xticks(range(self.membership.shape[1]), [str(c) for c in self.membership.columns], rotation=90,
                      fontsize=6)
        ax.set_yticks([])
        ax.figure.colorbar(im, ax=ax, label="club (0 = divergent)")
        return ax


def rolling_clubs(
    panel: pd.DataFrame,
    *,
    window: int,
    step: int = 1,
    trim: float = 1 / 3,
    cstar: float = 0.0,
    hac: Literal["fqsb", "aqsb"] = "fqsb",
    merge: Literal["ps", "vlt"] | None = None,
    missing: Missing = "raise",
) -> RollingClubs:
    """:func:`clubs` on each window of ``window`` consecutive periods (moved by ``step``);
    ``membership`` has one column per window (labelled by its last period; 0 = divergent), and
    ``table`` the number of clubs, their sizes and the share of units whose club number changed
    from the previous window.

    Example
    -------
    >>> import numpy as np, pandas as pd
    >>> t = np.arange(1, 31)
    >>> p = pd.DataFrame([10 + (0.5 + 0.1 * i) / t for i in range(5)], columns=t)
    >>> rolling_clubs(p, window=20, step=5).table["n_clubs"].tolist()
    [1, 1, 1]
    """
    wide, dropped = _clubs_input(panel, missing)
    if not (isinstance(window, int | np.integer) and 4 <= window <= wide.shape[1]):
        raise ParameterError(f"window must be an integer between 4 and {wide.shape[1]}, got {window!r}")
    _clubs.trim_start(window, trim)
    X, units = wide.to_numpy(), list(wide.index)
    cols = list(wide.columns)
    mem, rows, prev = {}, [], None
    for s in range(0, len(cols) - window + 1, step):
        _, merged, div = _run_clubs(X[:, s:s + window], trim=trim, cstar=cstar, hac=hac, merge=merge,
                                    merge_div=False)
        lab = _labels_array([[units[i] for i in g] for g in merged], [units[i] for i in div], units)
        end = cols[s + window - 1]
        mem[end] = lab
        rows.append({"start": cols[s], "end": end, "n_clubs": len(merged),
                     "sizes": ", ".join(str(len(g)) for g in merged), "n_divergent": len(div),
                     "changed": float((lab != prev).mean()) if prev is not None else float("nan")})
        prev = lab
    return RollingClubs(membership=pd.DataFrame(mem, index=wide.index), table=pd.DataFrame(rows),
                        window=int(window), sample=_sample(wide.index, cols, dropped), dropped=dropped)


@dataclass(frozen=True)
class ClubDeterminants(Result):
    """Ordered logit of club membership on initial conditions (see :func:`club_determinants`)."""

    title = "Club determinants (ordered logit)"
    params: pd.DataFrame
    nobs: int
    n_clubs: int
    distr: str
    sample: Sample
    dropped: tuple = ()
    model: Any = field(default=None, repr=False, compare=False)

    def to_frame(self) -> pd.DataFrame:
        return self.params

    def notes(self) -> list[str]:
        return [
            f"Estimator: statsmodels OrderedModel ({self.distr}) of club number (1 = highest club) on the "
            "covariates; a positive coefficient makes a lower (higher-numbered) club more likely; "
            "cut points follow the coefficients; divergent units excluded",
            "Covariance: inverse Hessian (nonrobust)",
            *super().notes(),
        ]

    def plot(self, ax: Any = None, **kwargs: Any) -> Any:
        """Coefficients with 95% intervals."""
        ax = new_axes(ax)
        p = self.params.iloc[: len(self.params) - (self.n_clubs - 1)]
        y = np.arange(len(p))
        ax.errorbar(p["estimate"], y, xerr=1.96 * p["se"], fmt="o", **kwargs)
        ax.axvline(0, color="grey", lw=0.5)
        ax.set_yticks(y, list(p.index))
        return ax


def club_determinants(
    result: Clubs,
    covariates: pd.DataFrame | pd.Series,
    *,
    distr: Literal["logit", "probit"] = "logit",
    missing: Missing = "raise",
) -> ClubDeterminants:
    r"""Determinants of club membership by ordered logit (or probit) on initial conditions.

    :math:`P(\text{club}_i \le j) = F(\kappa_j - x_i'\gamma)` for clubs ordered 1 (highest)
    to J, fitted with ``statsmodels.miscmodels.ordinal_model.OrderedModel`` (McCullagh 1980),
    as in Bartkowska and Riedl (2012). Divergent units are excluded and listed in
    ``dropped``; ``covariates`` (e.g. initial log income, education, industry shares) are
    indexed by unit.

    Example
    -------
    >>> # club_determinants(clubs(panel), initial.to_frame("ln_y0"))
    """
    from statsmodels.miscmodels.ordinal_model import OrderedModel

    _choice("distr", distr, ("logit", "probit"))
    cov = covariates.to_frame() if isinstance(covariates, pd.Series) else pd.DataFrame(covariates)
    mem = result.membership
    in_club = mem[mem != "divergent"].astype(int)
    cov = _reindex_named(cov, in_club.index, "covariates").astype(float)
    cov, dropped = handle_missing(cov, missing=missing, what="covariates")
    y = in_club.loc[cov.index]
    if y.nunique() < 2:
        raise ModelInputError("club determinants need at least 2 clubs among the units with covariates")
    yc = pd.Series(pd.Categorical(y, categories=sorted(y.unique()), ordered=True), index=y.index)
    res = OrderedModel(yc, cov, distr=distr).fit(method="bfgs", disp=False, maxiter=2000)
    params = pd.DataFrame({"estimate": res.params, "se": res.bse, "tvalue": res.tvalues, "pvalue": res.pvalues})
    div = tuple(mem.index[mem == "divergent"])
    return ClubDeterminants(params=params, nobs=int(res.nobs), n_clubs=int(y.nunique()), distr=distr,
                            sample=_sample(cov.index, (), div + dropped), dropped=div + dropped, model=res)


# ------------------------------------------------------------------ Markov
@dataclass(frozen=True)
class MarkovChain(Result):
    """Discrete Markov chain of class transitions (see :func:`markov`)."""

    title = "Markov chain of relative classes"
    p: pd.DataFrame
    counts: pd.DataFrame
    steady_state: pd.Series
    fmpt: pd.DataFrame
    k: int
    ergodic: bool
    recurrent_classes: list
    transient: list
    stationary: pd.DataFrame
    classes: pd.DataFrame
    cuts: pd.DataFrame | None
    method: str
    sample: Sample
    dropped: tuple = ()
    chain_notes: tuple = ()

    def to_frame(self) -> pd.DataFrame:
        out = self.p.copy()
        out["n"] = self.counts.sum(axis=1)
        out["steady_state"] = self.steady_state
        return out

    def notes(self) -> list[str]:
        return [f"Classes: {self.method}; transitions pooled over consecutive periods",
                *self.chain_notes, *super().notes()]

    def plot(self, ax: Any = None, **kwargs: Any) -> Any:
        """Heat map of the transition matrix with probabilities written in."""
        ax = new_axes(ax, figsize=(5, 4.5))
        P = self.p.to_numpy(dtype=float)
        im = ax.imshow(P, vmin=0, vmax=1, cmap="Blues", **kwargs)
        for i in range(P.shape[0]):
            for j in range(P.shape[1]):
                if np.isfinite(P[i, j]):
                    ax.text(j, i, f"{P[i, j]:.2f}", ha="center", va="center", fontsize=7,
                            color="white" if P[i, j] > 0.5 else "black")
        ax.set_xticks(range(self.k), list(self.p.columns))
        ax.set_yticks(range(self.k), list(self.p.index))
        ax.set_xlabel("class at t+1")
        ax.set_ylabel("class at t")
        ax.figure.colorbar(im, ax=ax)
        return ax


def _classify(wide: pd.DataFrame, k, bins, discrete) -> tuple[np.ndarray, list, pd.DataFrame | None, str]:
    V = wide.to_numpy()
    if discrete:
        cats = [wide[c].cat.categories for c in wide.columns if isinstance(wide[c].dtype, pd.CategoricalDtype)]
        if len(cats) == wide.shape[1] and all(c.equals(cats[0]) for c in cats):
            states = list(cats[0])  # categorical states: the declared order, unobserved ones included
        else:
            try:
                states = sorted(pd.unique(V.ravel()).tolist())
            except TypeError as exc:
                raise ModelInputError(
                    "discrete states must be of one sortable type (numbers or labels), or ordered "
                    "categoricals with the same categories in every period"
                ) from exc
        pos = {s: i for i, s in enumerate(states)}
        ids = np.vectorize(pos.__getitem__, otypes=[int])(V)
        return ids, states, None, f"given (already discrete) states, in the order {states}"
    if bins is not None:
        cuts = np.asarray(bins, dtype=float)
        if cuts.ndim != 1 or np.any(np.diff(cuts) <= 0):
            raise ParameterError("bins must be increasing cut-offs (the k-1 inner class bounds)")
        ids = np.searchsorted(cuts, V, side="left")
        kk = len(cuts) + 1
        cf = pd.DataFrame(np.repeat(cuts[None, :], V.shape[1], axis=0), index=wide.columns)
        return ids, list(range(kk)), cf, f"user cut-offs {list(cuts)} (right-closed)"
    if not (isinstance(k, int | np.integer) and k >= 2):
        raise ParameterError(f"k must be an integer >= 2, got {k!r}")
    q = np.percentile(V, 100 * np.arange(1, k) / k, axis=0)  # (k-1) x T, linear interpolation
    ids = np.empty(V.shape, dtype=int)
    for t in range(V.shape[1]):
        ids[:, t] = np.searchsorted(q[:, t], V[:, t], side="left")
    cf = pd.DataFrame(q.T, index=wide.columns)
    return ids, list(range(k)), cf, (f"{k} quantile classes per period (linear interpolation, right-closed; "
                                     "ties at a cut-off go to the lower class)")


def _stationary(P: np.ndarray) -> np.ndarray:
    k = P.shape[0]
    A = np.vstack([P.T - np.eye(k), np.ones((1, k))])
    b = np.r_[np.zeros(k), 1.0]
    return np.linalg.lstsq(A, b, rcond=None)[0]


def _first_passage(P: np.ndarray) -> np.ndarray:
    """Mean first passage times m_ij (diagonal: mean recurrence times); inf where j is not reached
    almost surely from i (Kemeny and Snell 1976, ch. 4, solved per target state)."""
    k = P.shape[0]
    M = np.full((k, k), np.inf)
    A = P > 0
    for j in range(k):
        # states that can reach j (reverse breadth-first search), then hitting probabilities of j
        can, frontier = {j}, [j]
        while frontier:
            nxt = [i for i in range(k) if i not in can and any(A[i, f] for f in frontier)]
            can.update(nxt)
            frontier = nxt
        others = [i for i in sorted(can) if i != j]
        if others:
            Q = P[np.ix_(others, others)]
            hp = np.linalg.solve(np.eye(len(others)) - Q, P[others, j])
            sure = [i for i, h in zip(others, hp) if h > 1 - 1e-10]
            if sure:
                Qs = P[np.ix_(sure, sure)]
                M[sure, j] = np.linalg.solve(np.eye(len(sure)) - Qs, np.ones(len(sure)))
        others = [i for i in range(k) if i != j]
        finite = np.isfinite(M[:, j])
        row = P[j]
        reach = [i for i in others if row[i] > 0]
        if all(finite[i] for i in reach):
            M[j, j] = 1.0 + sum(row[i] * M[i, j] for i in reach)
    return M


def markov(
    panel: pd.DataFrame,
    *,
    k: int = 5,
    bins: Sequence[float] | None = None,
    discrete: bool = False,
    missing: Missing = "raise",
) -> MarkovChain:
    r"""Classic discrete Markov chain of relative positions (Quah 1993; Rey 2001).

    Each period's values are classed separately into ``k`` quantile classes
    (linear-interpolation quantiles, right-closed classes, as ``mapclassify.Quantiles``;
    values tied at a cut-off go to the lower class, and coinciding cut-offs leave empty
    classes rather than renumbering) or by fixed ``bins`` (the k-1 inner cut-offs), or
    taken as given with ``discrete=True`` (numbers or labels such as ``"low"``/``"high"``,
    ordered as sorted, or categoricals in their declared order). Transitions are pooled over
    consecutive periods:
    :math:`\hat p_{ij} = n_{ij} / \sum_j n_{ij}`. The steady state solves
    :math:`\pi = \pi P`, :math:`\sum \pi = 1`; mean first passage times (Kemeny and Snell
    1976) are ``inf`` where a class cannot be reached for sure, diagonal = recurrence times.
    Non-ergodic chains are reported, not failed: several recurrent classes give a NaN
    ``steady_state`` and one row per recurrent class in ``stationary``; classes never
    observed as an origin get a NaN row in ``p`` and are treated as absorbing for the chain
    analysis (as giddy's ``fill_empty_classes``).

    Example
    -------
    >>> import pandas as pd
    >>> p = pd.DataFrame({1: [1.0, 2, 3, 4], 2: [2.0, 1, 3, 4], 3: [1.0, 2, 4, 3]})
    >>> markov(p, k=2).p.to_numpy().tolist()
    [[1.0, 0.0], [0.0, 1.0]]
    """
    from scipy.sparse.csgraph import connected_components

    wide, dropped = _wide(panel, missing=missing, min_units=2 if discrete else 3, numeric=not discrete)
    ids, states, cuts, method = _classify(wide, k, bins, discrete)
    kk = len(states)
    counts = np.zeros((kk, kk))
    np.add.at(counts, (ids[:, :-1].ravel(), ids[:, 1:].ravel()), 1)
    rows = counts.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        P = counts / rows[:, None]
    notes: list[str] = []
    empty = [states[i] for i in np.flatnonzero(rows == 0)]
    Pc = np.where(np.isnan(P), 0.0, P)
    if empty:
        Pc[rows == 0, rows == 0] = 1.0
        notes.append(f"classes never observed as an origin (NaN rows, treated as absorbing): {empty}")
    ncomp, lab = connected_components(Pc > 0, directed=True, connection="strong")
    comps = [np.flatnonzero(lab == c) for c in range(ncomp)]
    closed = [c for c in comps if Pc[np.ix_(c, np.setdiff1d(np.arange(kk), c))].sum() == 0]
    recurrent = [[states[i] for i in c] for c in closed]
    transient = sorted(states[i] for i in np.setdiff1d(np.arange(kk), np.concatenate(closed)))
    stat_rows = []
    for c in closed:
        pi = np.zeros(kk)
        pi[c] = _stationary(Pc[np.ix_(c, c)])
        stat_rows.append(pi)
    stationary = pd.DataFrame(stat_rows, columns=states, index=[f"recurrent class {i + 1}" for i in range(len(closed))])
    ergodic = len(closed) == 1 and not transient and not empty
    if len(closed) == 1:
        ss = stationary.iloc[0].rename("steady_state")
    else:
        ss = pd.Series(np.nan, index=states, name="steady_state")
        notes.append(f"not ergodic: {len(closed)} recurrent classes {recurrent}; no unique steady state "
                     "(see `stationary`, one distribution per recurrent class)")
    if transient:
        notes.append(f"not ergodic: transient classes {transient} (steady-state mass 0)")
    if ergodic:
        notes.append("ergodic (irreducible): unique steady state and finite first passage times")
    fm = pd.DataFrame(_first_passage(Pc), index=states, columns=states)
    if not ergodic:
        notes.append("first passage times are inf where a class is not reached for sure")
    return MarkovChain(
        p=pd.DataFrame(P, index=states, columns=states), counts=pd.DataFrame(counts, index=states, columns=states),
        steady_state=ss, fmpt=fm, k=kk, ergodic=ergodic, recurrent_classes=recurrent, transient=transient,
        stationary=stationary, classes=pd.DataFrame(ids, index=wide.index, columns=wide.columns), cuts=cuts,
        method=method, sample=_sample(wide.index, wide.columns, dropped), dropped=dropped, chain_notes=tuple(notes),
    )
