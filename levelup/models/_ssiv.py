"""Numerics behind ``levelup.models.shiftshare``: share matrices, 2SLS with AKM inference,
Rotemberg weights and the Borusyak-Hull-Jaravel aggregation.

Everything here works on numpy arrays that are already aligned; the public module does
the label checks. Weighted least squares is done by scaling every row by ``sqrt(w)``, so
``weights`` behave as analytic weights (R ``lm(weights=)``).

The AKM formulas are those of Adao, Kolesar and Morales (2019, QJE 134(4)), Remark 6 and
Section IV.C: with the controls partialled out (``..``), ``beta = X..'Y / X..'D``, residual
``e = Y.. - D.. beta``, sector-level residual ``R_s = sum_i w_is e_i`` and the shock
estimate ``X^_s = ((W'W)^{-1} W'X..)_s``,

    se_AKM^2 = sum_c (sum_{s in c} X^_s R_s)^2 / (X..'D)^2,

and the AKM0 interval is the set of ``b0`` with
``(X..'(Y - D b0))^2 <= z^2 sum_c (sum_{s in c} X^_s R_s(b0))^2`` (a quadratic inequality).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.linalg as sl
import scipy.sparse as sp

from levelup.errors import ModelInputError

Z975 = 1.959963984540054  # qnorm(0.975)


def _labels(idx, k: int = 20) -> str:
    idx = list(idx)
    shown = ", ".join(map(str, idx[:k]))
    return shown + (f" and {len(idx) - k} more" if len(idx) > k else "")


@dataclass(frozen=True)
class ShareMatrix:
    """Shares as a sparse regions x sectors matrix with labels.

    ``regions`` labels the rows (a region, or a (region, period) pair in a panel);
    ``sectors`` labels the columns (a sector, or a (period, sector) pair in a panel:
    the same industry in two periods is two columns, as in AKM and GPSS).
    """

    matrix: sp.csr_matrix
    regions: pd.Index
    sectors: pd.Index

    @property
    def shape(self) -> tuple[int, int]:
        return self.matrix.shape


def shares_from_long(
    frame: pd.DataFrame,
    *,
    region: str | list[str],
    sector: str,
    share: str,
    period: str | None = None,
    regions: pd.Index | None = None,
) -> ShareMatrix:
    """Build a :class:`ShareMatrix` from a long frame (one row per region, sector[, period]).

    With ``period``, rows are (region, period) pairs and columns (period, sector) pairs:
    a region's shares in period t only load on period t's sectors. ``regions`` fixes the
    row order (for example ``data.index``); rows of ``frame`` for other regions raise.

    >>> long = pd.DataFrame({"r": [1, 1, 2], "s": ["a", "b", "a"], "w": [.5, .5, 1.]})
    >>> shares_from_long(long, region="r", sector="s", share="w").shape
    (2, 2)
    """
    keys = [region] if isinstance(region, str) else list(region)
    rkeys = keys + ([period] if period else [])
    ckeys = ([period] if period else []) + [sector]
    if frame[rkeys + [sector, share]].isna().any().any():
        raise ModelInputError("the long share frame has missing values")
    rk = pd.Index(frame[rkeys[0]]) if len(rkeys) == 1 else pd.MultiIndex.from_frame(frame[rkeys])
    ck = pd.Index(frame[ckeys[0]]) if len(ckeys) == 1 else pd.MultiIndex.from_frame(frame[ckeys])
    if regions is None:
        regions = rk.drop_duplicates().sort_values()
    elif not isinstance(regions, pd.Index):
        regions = pd.Index(regions)
    sectors = ck.drop_duplicates().sort_values()
    ri = regions.get_indexer(rk)
    if (ri < 0).any():
        raise ModelInputError(f"shares given for regions not in the data: {_labels(rk[ri < 0].unique())}")
    ci = sectors.get_indexer(ck)
    key = np.sort(ri.astype(np.int64) * len(sectors) + ci)
    if (np.diff(key) == 0).any():
        raise ModelInputError("the long share frame has duplicated region-sector rows")
    m = sp.csr_matrix((frame[share].to_numpy(float), (ri, ci)), shape=(len(regions), len(sectors)))
    return ShareMatrix(m, regions, sectors)


def as_share_matrix(shares, regions: pd.Index | None = None) -> ShareMatrix:
    """Accept a ShareMatrix, a regions x sectors DataFrame (rows may be (region, period)
    pairs: the panel is spread over (period, sector) columns), an array or a sparse matrix."""
    if isinstance(shares, ShareMatrix):
        sm = shares
    elif isinstance(shares, pd.DataFrame):
        if shares.isna().any().any():
            bad = shares.index[shares.isna().any(axis=1).to_numpy()]
            raise ModelInputError(f"shares have missing values for regions: {_labels(bad)}")
        if isinstance(shares.index, pd.MultiIndex) and shares.index.nlevels == 2:
            # panel: (region, period) rows -> block-diagonal (period, sector) columns
            long = shares.stack().rename("share").reset_index()
            long.columns = ["__r", "__p", "__s", "share"]
            long = long[long["share"] != 0]
            cols = pd.MultiIndex.from_arrays([long["__p"], long["__s"]], names=["period", "sector"])
            sectors = pd.MultiIndex.from_product(
                [shares.index.get_level_values(1).unique().sort_values(), shares.columns],
                names=["period", "sector"],
            )
            rows = shares.index
            ri = rows.get_indexer(pd.MultiIndex.from_arrays([long["__r"], long["__p"]]))
            ci = sectors.get_indexer(cols)
            m = sp.csr_matrix((long["share"].to_numpy(float), (ri, ci)), shape=(len(rows), len(sectors)))
            sm = ShareMatrix(m, rows, sectors)
        else:
            sm = ShareMatrix(sp.csr_matrix(shares.to_numpy(float)), shares.index, shares.columns)
    elif sp.issparse(shares):
        m = sp.csr_matrix(shares, dtype=float)
        sm = ShareMatrix(m, pd.RangeIndex(m.shape[0]), pd.RangeIndex(m.shape[1]))
    else:
        a = np.asarray(shares, dtype=float)
        if a.ndim != 2:
            raise ModelInputError(f"shares must be a regions x sectors matrix, got shape {a.shape}")
        if np.isnan(a).any():
            raise ModelInputError(f"shares have missing values in rows {_labels(np.flatnonzero(np.isnan(a).any(1)))}")
        sm = ShareMatrix(sp.csr_matrix(a), pd.RangeIndex(a.shape[0]), pd.RangeIndex(a.shape[1]))
    if regions is not None:
        if isinstance(sm.regions, pd.RangeIndex) and not isinstance(shares, pd.DataFrame):
            if sm.shape[0] != len(regions):
                raise ModelInputError(f"shares have {sm.shape[0]} rows but the data has {len(regions)} regions")
            sm = ShareMatrix(sm.matrix, pd.Index(regions), sm.sectors)
        elif not sm.regions.equals(pd.Index(regions)):
            idx = sm.regions.get_indexer(regions)
            if (idx < 0).any():
                raise ModelInputError(f"no shares for regions: {_labels(pd.Index(regions)[idx < 0])}")
            sm = ShareMatrix(sm.matrix[idx], pd.Index(regions), sm.sectors)
    check_shares(sm)
    return sm


def check_shares(sm: ShareMatrix, tol: float = 1e-6) -> None:
    m = sm.matrix
    if (m.data < 0).any():
        rows = np.unique(m.tocoo().row[m.tocoo().data < 0])
        raise ModelInputError(f"shares must be non-negative; negative for regions: {_labels(sm.regions[rows])}")
    if not np.isfinite(m.data).all():
        raise ModelInputError("shares contain infinite values")
    rs = np.asarray(m.sum(axis=1)).ravel()
    big = rs > 1 + tol
    if big.any():
        raise ModelInputError(
            f"shares must sum to at most 1 in each region; they sum to more for: {_labels(sm.regions[big])}"
        )


def share_sums(sm: ShareMatrix) -> np.ndarray:
    return np.asarray(sm.matrix.sum(axis=1)).ravel()


def align_shocks(shocks, sm: ShareMatrix, what: str = "shocks") -> np.ndarray:
    """Shocks as a vector in the order of ``sm.sectors``; raise naming unmatched sectors."""
    if isinstance(shocks, pd.DataFrame):  # sectors x periods -> (period, sector)
        shocks = shocks.stack().swaplevel().sort_index()
    if not isinstance(shocks, pd.Series):
        a = np.asarray(shocks, dtype=float).ravel()
        if a.size != sm.shape[1]:
            raise ModelInputError(f"{what} have {a.size} entries but shares have {sm.shape[1]} sectors")
        out = a
    else:
        idx = shocks.index
        if shocks.index.has_duplicates:
            raise ModelInputError(f"{what} have duplicated sectors: {_labels(idx[idx.duplicated()].unique())}")
        only_shock = idx.difference(sm.sectors)
        only_share = sm.sectors.difference(idx)
        if len(only_shock) or len(only_share):
            raise ModelInputError(
                f"{what} and shares are not aligned by sector: only in {what}: {_labels(only_shock) or '-'}; "
                f"only in shares: {_labels(only_share) or '-'}"
            )
        out = shocks.reindex(sm.sectors).to_numpy(float)
    if np.isnan(out).any():
        raise ModelInputError(f"{what} are missing for sectors: {_labels(sm.sectors[np.isnan(out)])}")
    return out


def design(data: pd.DataFrame, controls) -> tuple[np.ndarray, list[str]]:
    """Intercept plus controls; bool columns as 0/1, categorical/object columns as dummies."""
    cols = [np.ones(len(data))]
    names = ["Intercept"]
    for c in controls:
        s = data[c]
        if s.dtype == bool or pd.api.types.is_numeric_dtype(s):
            cols.append(s.to_numpy(float))
            names.append(c)
        else:
            d = pd.get_dummies(s.astype("category"), prefix=c, drop_first=True, dtype=float)
            cols.extend(d.to_numpy().T)
            names.extend(d.columns)
    return np.column_stack(cols), names


class Partial:
    """Weighted residual maker: ``resid(v)`` = sqrt(w)*v minus its projection on sqrt(w)*Z."""

    def __init__(self, Z: np.ndarray, w: np.ndarray):
        self.sw = np.sqrt(w)
        q, r, piv = sl.qr(Z * self.sw[:, None], mode="economic", pivoting=True)
        d = np.abs(np.diag(r))
        rank = int((d > d[0] * 1e-10).sum()) if d.size else 0
        self.q = q[:, :rank]
        self.rank = rank

    def __call__(self, v: np.ndarray) -> np.ndarray:
        vs = v * (self.sw if v.ndim == 1 else self.sw[:, None])
        return vs - self.q @ (self.q.T @ vs)


def independent_columns(gram_n: np.ndarray, tol: float = 1e-11) -> np.ndarray:
    """Positions of the columns kept by a QR with R's limited pivoting (LINPACK dqrdc2, as R's
    ``qr()`` and so ShiftShareSE): columns in their order, a column dropped when its part
    orthogonal to the kept ones is (relatively) zero. ``gram_n`` is the unit-diagonal Gram
    matrix; ``tol`` bounds the squared relative residual norm."""
    m = gram_n.shape[0]
    kept: list[int] = []
    L = np.zeros((m, m))
    k = 0
    for j in range(m):
        g = gram_n[kept, j] if kept else np.zeros(0)
        x = sl.solve_triangular(L[:k, :k], g, lower=True) if k else g
        d = gram_n[j, j] - x @ x
        if d > tol:
            L[k, :k] = x
            L[k, k] = np.sqrt(d)
            kept.append(j)
            k += 1
    return np.asarray(kept, dtype=int)


def shock_projection(Ws: sp.csr_matrix, Xdd: np.ndarray, sectors: pd.Index) -> tuple[np.ndarray, pd.Index, pd.Index]:
    """AKM's X^ = (W'W)^{-1} W'X.. (rows of W scaled by sqrt of the weights).

    As ShiftShareSE (which solves by R's pivoted QR): sectors whose shares are all zero
    carry nothing, and sectors whose share columns are linear combinations of earlier
    ones are dropped (their X^ is 0). Returns (X^, dropped collinear sectors, all-zero sectors).
    """
    nz = np.asarray(abs(Ws).sum(axis=0)).ravel() > 0
    used = np.flatnonzero(nz)
    Wu = Ws[:, used]
    gram = (Wu.T @ Wu).toarray()
    scale = np.sqrt(np.diag(gram))
    gram_n = gram / np.outer(scale, scale)  # unit diagonal: rank check is scale-free
    try:
        c = sl.cho_factor(gram_n)
        ok = np.min(np.abs(np.diag(c[0]))) ** 2 > 1e-11
    except np.linalg.LinAlgError:
        ok = False
    keep = np.arange(len(used)) if ok else independent_columns(gram_n)
    if not ok:
        sub = gram_n[np.ix_(keep, keep)]
        c = sl.cho_factor(sub)
    coef = sl.cho_solve(c, (Wu[:, keep].T @ Xdd) / scale[keep]) / scale[keep]
    out = np.zeros(Ws.shape[1])
    out[used[keep]] = coef
    dropped = sectors[np.setdiff1d(used, used[keep])]
    return out, dropped, sectors[~nz]


def _cluster_sum(v: np.ndarray, codes: np.ndarray | None) -> np.ndarray:
    if codes is None:
        return v
    return np.bincount(codes, weights=v)


def ss_fit(
    y: np.ndarray,
    d: np.ndarray,
    inst: np.ndarray,
    part: Partial,
    Ws: sp.csr_matrix,
    sectors: pd.Index,
    sector_codes: np.ndarray | None,
    region_codes: np.ndarray | None,
    Xhat: np.ndarray | None,
) -> dict:
    """Just-identified 2SLS of y on d instrumented by inst (OLS when d is inst), all SEs.

    ``Ws`` is the share matrix with rows scaled by sqrt(weights); ``part`` partials out the
    controls in the same scaled space.
    """
    ydd, ddd, xdd = part(y), part(d), part(inst)
    n = y.size
    sxd = xdd @ ddd
    raw = inst * part.sw
    if xdd @ xdd <= 1e-10 * (raw @ raw):
        raise ModelInputError(
            "singular first stage: the instrument is (almost) a linear combination of the controls"
        )
    if not np.isfinite(sxd) or abs(sxd) <= 1e-12 * np.sqrt((xdd @ xdd) * (ddd @ ddd) + 1e-300):
        raise ModelInputError(
            "singular first stage: the instrument, after partialling out the controls, is "
            "uncorrelated with the regressor (or collinear with the controls)"
        )
    beta = (xdd @ ydd) / sxd
    e = ydd - ddd * beta
    var = {
        "homoscedastic": (e @ e / n) * (xdd @ xdd) / sxd**2,
        "ehw": np.sum(xdd**2 * e**2) / sxd**2,
    }
    if region_codes is not None:
        u = np.bincount(region_codes, weights=xdd * e)
        var["region_cluster"] = (u @ u) / sxd**2
    else:
        var["region_cluster"] = np.nan
    if Xhat is None:  # AKM not available (collinear shares): the caller has warned
        var["akm"] = np.nan
        se = {k: float(np.sqrt(v)) for k, v in var.items()}
        se["akm0"] = np.nan
        return {"coef": float(beta), "se": se, "ci_akm0": (np.nan, np.nan), "akm0_bounded": True, "nobs": n}
    Ry, Rd = Ws.T @ ydd, Ws.T @ ddd
    R = Ry - beta * Rd
    v = _cluster_sum(Xhat * R, sector_codes)
    var["akm"] = (v @ v) / sxd**2
    # AKM0: {b0 : (X..'(Y - D b0))^2 <= z^2 sum_c (a_c - b0 b_c)^2}
    a = _cluster_sum(Xhat * Ry, sector_codes)
    b = _cluster_sum(Xhat * Rd, sector_codes)
    sxy = xdd @ ydd
    z2 = Z975**2
    A = sxd**2 - z2 * (b @ b)
    B = sxy * sxd - z2 * (a @ b)
    C = sxy**2 - z2 * (a @ a)
    disc = B * B - A * C
    if A > 0 and disc >= 0:
        half = np.sqrt(disc) / A
        ci0 = (B / A - half, B / A + half)
        se0 = half / Z975
        bounded = True
    else:
        ci0 = (-np.inf, np.inf)
        se0 = np.inf
        bounded = False
    se = {k: float(np.sqrt(v)) for k, v in var.items()}
    se["akm0"] = float(se0)
    return {
        "coef": float(beta),
        "se": se,
        "ci_akm0": (float(ci0[0]), float(ci0[1])),
        "akm0_bounded": bounded,
        "nobs": n,
    }


def rotemberg_core(y, x, Z: sp.csr_matrix, g: np.ndarray, part: Partial) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """GPSS (2020) eq. (9): alpha_k = g_k Z_k'M x / sum_k g_k Z_k'M x, beta_k = Z_k'M y / Z_k'M x."""
    ydd, xdd = part(y), part(x)
    # Z_k'M v with M the weighted annihilator: (sqrt(w) Z_k)' (resid of sqrt(w) v)
    Zs = sp.diags(part.sw) @ Z
    zx = Zs.T @ xdd
    zy = Zs.T @ ydd
    denom = g @ zx
    if abs(denom) <= 1e-14 * (np.abs(g) @ np.abs(zx) + 1e-300):
        raise ModelInputError("singular first stage: the Bartik instrument is uncorrelated with x after controls")
    alpha = g * zx / denom
    with np.errstate(divide="ignore", invalid="ignore"):
        beta = np.where(zx != 0, zy / np.where(zx != 0, zx, 1.0), np.nan)
    return alpha, beta, zx
