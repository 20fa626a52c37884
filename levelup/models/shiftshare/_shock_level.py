"""Borusyak, Hull and Jaravel (2022) shock-level IV."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from levelup.errors import ModelInputError, ParameterError
from levelup.models import _ssiv
from levelup.models._checks import Missing
from levelup.models.shiftshare._bartik import _prepare
from levelup.models.shiftshare._common import (
    MISSING_SECTOR,
    _labels,
    _norm_sf,
)
from levelup.results import Result, Sample, new_axes

# ---------------------------------------------------------------------------------------
# Borusyak-Hull-Jaravel shock-level IV
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class ShockLevel(Result):
    """Shock-level IV (Borusyak, Hull and Jaravel 2022) and the aggregated shock data."""

    title = "Shock-level IV (Borusyak, Hull and Jaravel 2022)"

    coef: float
    se: float
    cov: str
    nobs: int
    first_stage_f: float
    aggregated: pd.DataFrame = field(repr=False)
    model: Any = field(repr=False, default=None)
    info: tuple = field(default=(), repr=False)
    sample: Sample = field(default_factory=Sample, repr=False)

    def to_frame(self) -> pd.DataFrame:
        t = self.coef / self.se
        return pd.DataFrame(
            {"coef": [self.coef], "se": [self.se], "tvalue": [t], "pvalue": [2 * _norm_sf(abs(t))],
             "ci_low": [self.coef - _ssiv.Z975 * self.se], "ci_high": [self.coef + _ssiv.Z975 * self.se]},
            index=pd.Index(["x"], name="term"),
        )

    def notes(self) -> list[str]:
        return [
            f"2SLS of exposure-weighted y on x at the shock level, instrument the shock, weights s_n; "
            f"{self.nobs} shocks; covariance {self.cov}; first-stage F {self.first_stage_f:.4g}.",
            *self.info,
            *super().notes(),
        ]

    def plot(self, ax: Any = None, **kwargs: Any) -> Any:
        """First stage at the shock level: aggregated x against the shock, sized by s_n."""
        ax = new_axes(ax)
        a = self.aggregated
        ax.scatter(a["shock"], a["x"], s=2000 * a["s_n"] / a["s_n"].max() * 0.1 + 2, alpha=0.5, **kwargs)
        ax.set_xlabel("shock g_n")
        ax.set_ylabel("exposure-weighted x (residualised)")
        ax.set_title("Shock-level first stage")
        return ax


def shock_level(
    data: pd.DataFrame,
    *,
    y: str,
    x: str,
    shares,
    shocks,
    controls: Sequence[str] = (),
    weights: str | np.ndarray | pd.Series | None = None,
    shock_controls: pd.DataFrame | None = None,
    period_effects: bool = True,
    missing_industry: bool = True,
    cov: Literal["HC0", "HC1", "cluster"] = "HC1",
    shock_clusters: pd.Series | None = None,
    missing: Missing = "raise",
) -> ShockLevel:
    """Borusyak, Hull and Jaravel (2022) shock-level IV.

    Location variables are residualised on the controls (and intercept) with the weights
    ``e_l``, then aggregated to shocks with exposure weights (BHJ eq. 4 and Sec. 3):

        s_n = sum_l e_l s_ln / sum_l e_l,    v_n = sum_l e_l s_ln v_l^perp / sum_l e_l s_ln,

    and ``y_n`` is regressed on ``x_n`` instrumented by the shock ``g_n`` with weights
    ``s_n`` (plus an intercept, period effects for panels, and ``shock_controls``). With
    ``missing_industry`` (incomplete shares) each period gets a "missing" sector with share
    ``1 - sum_n s_ln`` and shock 0, as BHJ and ssaggregate do; its rows take 0 in
    ``shock_controls`` (the ssaggregate convention). The coefficient equals the location-level
    2SLS with the Bartik instrument when the location controls include the period effects
    (BHJ Proposition 3). ``cov``: ``"HC1"`` (BHJ's default), ``"HC0"`` or ``"cluster"`` by
    ``shock_clusters`` (a Series by sector). Borusyak, K., Hull, P. and Jaravel, X. (2022),
    "Quasi-experimental shift-share research designs", Review of Economic Studies 89(1), 181-213.

    Example::

        res = shock_level(df, y="y", x="x", shares=S, shocks=g, controls=["t2"], weights="pop")
        res.coef, res.aggregated.head()
    """
    from linearmodels.iv import IV2SLS

    if cov not in ("HC0", "HC1", "cluster"):
        raise ParameterError(f"cov must be 'HC0', 'HC1' or 'cluster', got {cov!r}")
    P = _prepare(data, {"y": y, "x": x}, shares, controls, weights, missing)
    frame, sm, w = P["frame"], P["sm"], P["w"]
    g = _ssiv.align_shocks(shocks, sm)
    part = _ssiv.Partial(P["Z"], w)
    resid = {v: part(frame[v].to_numpy(float)) / part.sw for v in (y, x)}
    S = sm.matrix
    total = w.sum()
    sn = (S.T @ w) / total
    agg = {"s_n": sn}
    for k, v in (("y", y), ("x", x)):
        with np.errstate(divide="ignore", invalid="ignore"):
            agg[k] = (S.T @ (w * resid[v])) / total / sn
    A = pd.DataFrame(agg, index=sm.sectors)
    A["shock"] = g
    info = []
    zero = sn <= 0
    if zero.any():
        info.append(f"{int(zero.sum())} sectors with no exposure dropped: {_labels(sm.sectors[zero])}.")
        A = A[~zero]
    panel = isinstance(sm.regions, pd.MultiIndex) and isinstance(sm.sectors, pd.MultiIndex)
    if missing_industry:
        miss = 1 - _ssiv.share_sums(sm)
        periods = sm.regions.get_level_values(-1) if panel else np.zeros(len(miss))
        rows = []
        for p in pd.unique(periods):
            k = np.asarray(periods == p)
            s0 = (w * miss)[k].sum() / total
            if s0 > 1e-12:
                rows.append({"key": (p, MISSING_SECTOR) if panel else MISSING_SECTOR, "s_n": s0,
                             "y": (w * miss * resid[y])[k].sum() / total / s0,
                             "x": (w * miss * resid[x])[k].sum() / total / s0, "shock": 0.0})
        if rows:
            M = pd.DataFrame(rows)
            idx = pd.MultiIndex.from_tuples(M.pop("key"), names=A.index.names) if panel else pd.Index(M.pop("key"))
            M.index = idx
            A = pd.concat([A, M])
            info.append("Missing-industry rows (share 1 - sum of shares, shock 0) added per period (BHJ 2022).")
    exog = pd.DataFrame({"const": 1.0}, index=A.index)
    if panel and period_effects:
        per = A.index.get_level_values(0)
        d = pd.get_dummies(pd.Categorical(per), prefix="period", drop_first=True, dtype=float)
        d.index = A.index
        exog = exog.join(d)
    if shock_controls is not None:
        sc = shock_controls.reindex(A.index)
        is_missing = A.index.get_level_values(-1) == MISSING_SECTOR if missing_industry else np.zeros(len(A), bool)
        sc.loc[is_missing] = sc.loc[is_missing].fillna(0.0)
        if sc.isna().any().any():
            raise ModelInputError(f"shock_controls missing for sectors: {_labels(A.index[sc.isna().any(axis=1)])}")
        exog = exog.join(sc.astype(float))
    mod = IV2SLS(A["y"], exog, A[["x"]], A[["shock"]], weights=A["s_n"])
    if cov == "cluster":
        if shock_clusters is None:
            raise ParameterError("cov='cluster' needs shock_clusters (a Series by sector)")
        keys = A.index.get_level_values(-1)
        cl = pd.Series(keys.map(lambda s: shock_clusters.get(s, s)), index=A.index)
        fit = mod.fit(cov_type="clustered", clusters=pd.Series(pd.factorize(cl)[0], index=A.index), debiased=True)
    else:
        fit = mod.fit(cov_type="robust", debiased=(cov == "HC1"))
    se = float(fit.std_errors["x"])
    try:
        f = float(fit.first_stage.diagnostics["f.stat"].iloc[0])
    except Exception:  # pragma: no cover - diagnostics layout differs across versions
        f = float("nan")
    return ShockLevel(
        coef=float(fit.params["x"]), se=se, cov=cov, nobs=len(A), first_stage_f=f,
        aggregated=A, model=fit, info=tuple(info),
        sample=Sample(units=tuple(frame.index), dropped=tuple(P["dropped"])),
    )
