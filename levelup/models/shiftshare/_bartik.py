"""The Bartik instrument and shift-share IV (2SLS with AKM inference)."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd
import scipy.sparse as sp

from levelup.errors import ModelInputError, ParameterError
from levelup.models import _ssiv
from levelup.models._checks import Missing, handle_missing
from levelup.models._ssiv import ShareMatrix
from levelup.models.shiftshare._common import (
    SE_TYPES,
    AKMWarning,
    IncompleteSharesWarning,
    _labels,
    _norm_sf,
)
from levelup.results import Result, Sample, new_axes

# ---------------------------------------------------------------------------------------
# Shift-share IV
# ---------------------------------------------------------------------------------------


def bartik(shares, shocks) -> pd.Series:
    """The shift-share (Bartik 1991) instrument ``B_i = sum_s w_is g_s``.

    ``shares``: regions x sectors (DataFrame, array, sparse matrix or :class:`ShareMatrix`);
    for a panel, rows are (region, period) and ``shocks`` is indexed by (period, sector) or
    is a sectors x periods DataFrame. Every sector must appear in both, or the error names
    the unmatched ones. Bartik, T. J. (1991), Who Benefits from State and Local Economic
    Development Policies? Upjohn Institute.

    >>> shares = pd.DataFrame({"a": [.5, .1], "b": [.2, .8]}, index=["r1", "r2"])
    >>> bartik(shares, pd.Series({"a": 1.0, "b": -1.0})).round(6).tolist()
    [0.3, -0.7]
    """
    sm = _ssiv.as_share_matrix(shares)
    g = _ssiv.align_shocks(shocks, sm)
    return pd.Series(sm.matrix @ g, index=sm.regions, name="bartik")


@dataclass(frozen=True, kw_only=True)
class SSRegression(Result):
    """One shift-share regression (OLS on the shift-share variable, or 2SLS with it as the
    instrument) with its five standard errors."""

    title = "Shift-share regression"

    kind: str
    coef: float
    se: dict = field(repr=False)
    ci_akm0: tuple[float, float]
    nobs: int
    n_sectors: int
    n_sector_clusters: int
    info: tuple = field(default=(), repr=False)
    sample: Sample = field(default_factory=Sample, repr=False)

    @property
    def dropped(self) -> tuple:
        return self.sample.dropped

    def to_frame(self) -> pd.DataFrame:
        rows = []
        for k in SE_TYPES:
            s = self.se.get(k, np.nan)
            if k == "akm0":
                lo, hi = self.ci_akm0
                p = np.nan
            else:
                lo, hi = self.coef - _ssiv.Z975 * s, self.coef + _ssiv.Z975 * s
                p = 2 * _norm_sf(abs(self.coef / s)) if s and np.isfinite(s) else np.nan
            rows.append({"coef": self.coef, "se": s, "pvalue": p, "ci_low": lo, "ci_high": hi})
        return pd.DataFrame(rows, index=pd.Index(SE_TYPES, name="se_type"))

    def notes(self) -> list[str]:
        return [
            f"Estimator: {self.kind}; intercept included; {self.nobs} regions, {self.n_sectors} sectors "
            f"in {self.n_sector_clusters} sector clusters.",
            "SEs: homoscedastic and EHW without small-sample correction; AKM and AKM0 of Adao, "
            "Kolesar and Morales (2019); akm0 'se' = 95% CI half-length / 1.96 (ShiftShareSE convention).",
            *self.info,
            *super().notes(),
        ]

    def plot(self, ax: Any = None, **kwargs: Any) -> Any:
        """Point estimate with the 95% interval of each inference method."""
        ax = new_axes(ax)
        f = self.to_frame()
        y = np.arange(len(f))[::-1]
        lo = f["ci_low"].clip(lower=self.coef - 10 * abs(self.coef) - 1)
        hi = f["ci_high"].clip(upper=self.coef + 10 * abs(self.coef) + 1)
        ax.hlines(y, lo, hi, color="#2166ac", lw=2)
        ax.plot(f["coef"], y, "o", color="black", **kwargs)
        ax.axvline(0, color="grey", lw=0.8, ls="--")
        ax.set_yticks(y, f.index)
        ax.set_xlabel("coefficient (95% CI)")
        ax.set_title(self.title)
        return ax


@dataclass(frozen=True, kw_only=True)
class SSIV(SSRegression):
    """Shift-share IV: the 2SLS estimate with its first stage and reduced form."""

    title = "Shift-share IV (2SLS, Adao-Kolesar-Morales inference)"

    first_stage: SSRegression = field(repr=False)
    reduced_form: SSRegression = field(repr=False)


Incomplete = Literal["warn", "control", "ignore"]


def _column_or_array(data: pd.DataFrame, v, name: str) -> pd.Series:
    if isinstance(v, str):
        if v not in data.columns:
            raise ModelInputError(f"{name}: no column {v!r} in data")
        return data[v]
    if isinstance(v, pd.Series):
        if not v.index.equals(data.index):
            raise ModelInputError(f"{name} must be indexed like data")
        return v
    a = np.asarray(v)
    if a.shape != (len(data),):
        raise ModelInputError(f"{name} must have one entry per row of data ({len(data)}), got shape {a.shape}")
    return pd.Series(a, index=data.index)


def _sector_codes(clusters, sm: ShareMatrix) -> np.ndarray:
    if clusters is None:
        return np.arange(sm.shape[1])
    if isinstance(clusters, pd.Series):
        idx = sm.sectors
        if not clusters.index.is_unique:
            raise ModelInputError("sector_clusters has duplicated sectors")
        if isinstance(idx, pd.MultiIndex) and not isinstance(clusters.index, pd.MultiIndex):
            idx = idx.get_level_values(-1)
        missing = pd.Index(idx).difference(clusters.index)
        if len(missing):
            raise ModelInputError(f"sector_clusters has no entry for sectors: {_labels(missing)}")
        vals = clusters.reindex(idx).to_numpy()
    else:
        vals = np.asarray(clusters)
        if vals.shape != (sm.shape[1],):
            raise ModelInputError(
                f"sector_clusters must have one entry per sector ({sm.shape[1]}), got shape {vals.shape}"
            )
    if pd.isna(vals).any():
        raise ModelInputError("sector_clusters has missing values")
    return pd.factorize(vals)[0]


def _prepare(data, cols: dict, shares, controls, weights, missing: Missing, extra: dict | None = None):
    """Common front end: pick columns, handle missing, align shares; returns a dict."""
    if not isinstance(data, pd.DataFrame):
        raise ModelInputError("data must be a DataFrame with one row per region")
    if data.index.has_duplicates:
        raise ModelInputError(f"data has duplicated index labels: {_labels(data.index[data.index.duplicated()])}")
    controls = [controls] if isinstance(controls, str) else list(controls)
    for c in [*cols.values(), *controls]:
        if c not in data.columns:
            raise ModelInputError(f"no column {c!r} in data; columns: {_labels(data.columns)}")
    # shares first, aligned to the full data (arrays are positional)
    sm = _ssiv.as_share_matrix(shares, regions=data.index)
    frame = data[list(dict.fromkeys([*cols.values(), *controls]))].copy()
    if weights is not None:
        frame["__w"] = _column_or_array(data, weights, "weights").astype(float)
    for k, v in (extra or {}).items():
        if v is not None:
            frame[k] = _column_or_array(data, v, k)
    frame, dropped = handle_missing(frame, missing=missing, what="data")
    if dropped:
        keep = data.index.get_indexer(frame.index)
        sm = ShareMatrix(sm.matrix[keep], sm.regions[keep], sm.sectors)
    w = frame["__w"].to_numpy(float) if weights is not None else np.ones(len(frame))
    if (w <= 0).any() or not np.isfinite(w).all():
        raise ModelInputError(f"weights must be positive; not for regions: {_labels(frame.index[~(w > 0)])}")
    _ssiv_min = 3
    if len(frame) < _ssiv_min:
        raise ModelInputError(f"need at least {_ssiv_min} regions, got {len(frame)}")
    Z, znames = _ssiv.design(frame, controls)
    return {"frame": frame, "sm": sm, "w": w, "Z": Z, "znames": znames, "dropped": dropped}


def _share_info(sm: ShareMatrix, Z: np.ndarray, w: np.ndarray, incomplete: Incomplete, part) -> tuple[np.ndarray, list[str]]:
    """AKM (2019, Sec. IV) / BHJ (2022): with incomplete shares control for their sum."""
    if incomplete not in ("warn", "control", "ignore"):
        raise ParameterError(f"incomplete must be 'warn', 'control' or 'ignore', got {incomplete!r}")
    sums = _ssiv.share_sums(sm)
    info = []
    if np.allclose(sums, 1.0, atol=1e-6):
        info.append(
            "Shares sum to one in every region: the intercept is the sum-of-shares control that AKM "
            "(2019, Sec. IV) prescribe, so shocks are identified up to their mean, which the "
            "intercept absorbs; no sector needs dropping."
        )
        return Z, info
    r = part(sums)
    spanned = (r @ r) <= 1e-10 * ((np.sqrt(w) * sums) @ (np.sqrt(w) * sums))
    if spanned:
        info.append("Shares are incomplete; their sum is spanned by the controls (AKM 2019, Sec. IV).")
        return Z, info
    if incomplete == "control":
        info.append("Shares are incomplete: their sum was added as a control (AKM 2019, Sec. IV; BHJ 2022).")
        return np.column_stack([Z, sums]), info
    msg = ("Shares sum to less than one in some regions and their sum is not among the controls; "
           "AKM (2019, Sec. IV) and BHJ (2022) recommend controlling for it (incomplete='control').")
    if incomplete == "warn":
        warnings.warn(msg, IncompleteSharesWarning, stacklevel=3)
    info.append(msg)
    return Z, info


def ssiv(
    data: pd.DataFrame,
    *,
    y: str,
    x: str,
    instrument: str | pd.Series,
    shares,
    controls: Sequence[str] = (),
    weights: str | np.ndarray | pd.Series | None = None,
    sector_clusters: Any = None,
    region_clusters: Any = None,
    incomplete: Incomplete = "warn",
    missing: Missing = "raise",
) -> SSIV:
    """Shift-share IV: 2SLS of ``y`` on ``x`` instrumented by the shift-share ``instrument``,
    with Adao, Kolesar and Morales (2019) inference.

    ``data`` has one row per region (row order = rows of ``shares``, or matched by label
    when ``shares`` is labelled); ``instrument`` is a column name or a Series of shocks by
    sector (then the instrument is ``bartik(shares, shocks)``). With the controls (and an
    intercept) partialled out by weighted least squares (``..``),

        beta = X..'Y / X..'D,   e = Y.. - D.. beta,   R_s = sum_i w_is e_i,
        X^ = (W'W)^{-1} W'X..   (AKM eq. 36: the shocks net of controls),
        se_AKM^2 = sum_c (sum_{s in c} X^_s R_s)^2 / (X..'D)^2        (AKM Remark 6, Prop. 5),

    with ``c`` the sector clusters. AKM0 imposes the null in ``R_s``: its 95% interval is
    ``{b : (X..'(Y - D b))^2 <= 1.96^2 sum_c (sum_{s in c} X^_s R_s(b))^2}`` and the
    reported se is its half-length / 1.96 (infinite when the set is unbounded). The
    homoscedastic (sigma^2 = e'e/N), EHW and region-clustered SEs have no small-sample
    correction, as ShiftShareSE. ``first_stage`` and ``reduced_form`` are the OLS
    regressions of ``x`` and ``y`` on the instrument with the same five SEs.

    Incomplete shares: ``incomplete="warn"`` warns when the sum of shares is not among the
    controls, ``"control"`` adds it, ``"ignore"`` only notes it. A warning is also raised
    when the AKM SE is below half the EHW one (the symptom of controls, such as fixed
    effects, absorbing the shock variation).

    Adao, R., Kolesar, M. and Morales, E. (2019), "Shift-share designs: theory and
    inference", Quarterly Journal of Economics 134(4), 1949-2010.

    Example (``W`` shares, ``df`` columns ``dy``, ``dx``, ``z``)::

        res = ssiv(df, y="dy", x="dx", instrument="z", shares=W, controls=["t2"])
        res.se["akm"], res.first_stage.coef
    """
    P = _prepare(data, {"y": y, "x": x, **({"instrument": instrument} if isinstance(instrument, str) else {})},
                 shares, controls, weights, missing, {"__rc": region_clusters})
    frame, sm, w = P["frame"], P["sm"], P["w"]
    part = _ssiv.Partial(P["Z"], w)
    Z, info = _share_info(sm, P["Z"], w, incomplete, part)
    if Z.shape[1] != P["Z"].shape[1]:
        part = _ssiv.Partial(Z, w)
    if isinstance(instrument, str):
        inst = frame[instrument].to_numpy(float)
    else:
        inst = sm.matrix @ _ssiv.align_shocks(instrument, sm, "instrument shocks")
    rc = None
    if region_clusters is not None:
        rc = pd.factorize(frame["__rc"])[0]
    sc = _sector_codes(sector_clusters, sm)
    Ws = sp.diags(part.sw) @ sm.matrix
    yv, xv = frame[y].to_numpy(float), frame[x].to_numpy(float)
    args = (part, Ws.tocsr(), sm.sectors, sc, rc)
    info = list(info)
    Xhat, collinear, zero = _ssiv.shock_projection(args[1], part(inst), sm.sectors)
    if len(collinear):
        msg = (f"the share matrix is collinear: {len(collinear)} sector(s) whose shares are linear combinations "
               f"of earlier sectors' were dropped from the AKM shock projection (as ShiftShareSE does by "
               f"pivoted QR): {_labels(collinear)}")
        warnings.warn(msg, AKMWarning, stacklevel=2)
        info.append(msg)
    if len(zero):
        info.append(f"{len(zero)} sector(s) with all-zero shares carry no AKM weight: {_labels(zero)}")
    fs = _ssiv.ss_fit(xv, inst, inst, *args, Xhat=Xhat)
    rf = _ssiv.ss_fit(yv, inst, inst, *args, Xhat=Xhat)
    iv = _ssiv.ss_fit(yv, xv, inst, *args, Xhat=Xhat)
    n_sc = int(sc.max() + 1)
    sample = Sample(units=tuple(frame.index), dropped=tuple(P["dropped"]))
    if rc is None:
        info.append("Region-clustered SE not computed (no region_clusters).")
    for res in (iv,):
        if not res["akm0_bounded"]:
            info.append("AKM0 confidence set is unbounded (weak instrument): akm0 se is infinite.")
        if Xhat is not None and res["se"]["akm"] < 0.5 * res["se"]["ehw"]:
            msg = (f"AKM SE ({res['se']['akm']:.4g}) is far below the EHW SE ({res['se']['ehw']:.4g}): "
                   "controls (e.g. fixed effects) may absorb most shock variation, or there are few "
                   "effective shocks; check the share matrix and clusters before relying on AKM.")
            warnings.warn(msg, AKMWarning, stacklevel=2)
            info.append(msg)

    def make(cls, r, kind, **kw):
        return cls(kind=kind, coef=r["coef"], se=r["se"], ci_akm0=r["ci_akm0"], nobs=r["nobs"],
                   n_sectors=sm.shape[1], n_sector_clusters=n_sc, info=tuple(info), sample=sample, **kw)

    first = make(SSRegression, fs, f"first stage: OLS of {x} on the shift-share instrument")
    reduced = make(SSRegression, rf, f"reduced form: OLS of {y} on the shift-share instrument")
    return make(SSIV, iv, f"2SLS of {y} on {x}", first_stage=first, reduced_form=reduced)
