"""Phillips-Sul log t test and club clustering: the numerical core (numpy only).

Implemented from Phillips and Sul (2007, Econometrica 75(6), 1771-1855) and
(2009, J. Applied Econometrics 24(7), 1153-1185); club merging after von Lyncker
and Thoennessen (2017, Empirical Economics 52, 525-553). The conventions that the
papers leave open (rounding of the trimmed start, the long-run variance
estimator behind ``hac="fqsb"``) were settled against the numbers of the R
package ConvergenceClubs 2.2.5 (Sichera and Pizzuto 2019); no code was copied.

Everything here works on a float array ``X`` (units x periods) sorted or indexed
by integer positions; the public wrappers in :mod:`levelup.models.convergence`
deal with labels, missing values and result objects. The log t regressions of
many candidate groups are run in one batch: the regressor ``log t`` is the same
for every group, so OLS is one matrix product and the HAC long-run variance a
loop over lags vectorised across groups.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

import numpy as np

from levelup.errors import ModelInputError, ParameterError

HAC = Literal["fqsb", "aqsb"]
THRESHOLD = -1.65  # one-sided 5% critical value of the log t test
#: Fewest periods levelup accepts in the log t regression (after trimming). A choice of levelup,
#: not of the papers: below it the HAC standard error rests on a handful of residuals and the
#: test is wildly over-confident (T = 5 with trim 1/3 gave a 3-point regression with p = 4e-27).
MIN_LOGT_PERIODS = 10


# --------------------------------------------------------------------------- log t
def trim_start(n_periods: int, trim: float) -> int:
    """Number of leading periods discarded: ``round(T * trim)`` (half to even, as R)."""
    if not 0 < trim < 1:
        raise ParameterError(f"trim must be strictly between 0 and 1, got {trim!r}")
    r = int(round(n_periods * trim))
    if r < 1:
        raise ParameterError(
            f"trim={trim:g} discards no period of {n_periods} (round(T*trim) = 0): log(log 1) is undefined; "
            "use a larger trim or more periods"
        )
    if n_periods - r < MIN_LOGT_PERIODS:
        need = next(T for T in range(MIN_LOGT_PERIODS, 10_000) if T - int(round(T * trim)) >= MIN_LOGT_PERIODS)
        raise ModelInputError(
            f"{n_periods} periods with trim={trim:g} leave {n_periods - r} periods for the log t regression; "
            f"levelup needs at least {MIN_LOGT_PERIODS} (so at least {need} periods with this trim)"
        )
    return r


def h_statistic(X: np.ndarray, groups: np.ndarray | None = None) -> np.ndarray:
    """Cross-sectional variance of relative transition paths, ``H_t = mean_i (h_it - 1)^2``.

    ``h_it = X_it / mean_i X_it`` (Phillips and Sul 2007, eq. 8-9). ``X`` is units x
    periods. ``groups`` (g x units, boolean) gives one H path per group; returns g x T
    (or T when ``groups`` is None).
    """
    if groups is None:
        mean = X.mean(axis=0)
        return ((X / mean - 1.0) ** 2).mean(axis=0)
    G = groups.astype(float)
    m = G.sum(axis=1)
    mean = (G @ X) / m[:, None]  # g x T
    dev = (X[None, :, :] - mean[:, None, :]) ** 2  # g x N x T
    return np.einsum("gn,gnt->gt", G, dev) / m[:, None] / mean**2


def _qs_kernel(z: np.ndarray) -> np.ndarray:
    """Quadratic-spectral kernel in Andrews' (1991) scaling, ``z = 6*pi*x/5`` (0 for infinite z,
    i.e. a zero bandwidth; nan bandwidths give nan)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        k = 3.0 / z**2 * (np.sin(z) / z - np.cos(z))
    return np.where(np.isinf(z), 0.0, np.where(z == 0, 1.0, k))


def _qs_bandwidth(rho: np.ndarray, n: int) -> np.ndarray:
    """Andrews (1991, eq. 6.4) AR(1) plug-in bandwidth for the QS kernel: 1.3221 (alpha(2) n)^(1/5)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        alpha2 = 4.0 * rho**2 / (1.0 - rho) ** 4
    return 1.3221 * (alpha2 * n) ** 0.2


def _lrv_fqsb(E: np.ndarray) -> np.ndarray:
    """Long-run variance of residuals (rows of E) as in Phillips and Sul's GAUSS code.

    QS kernel with Andrews' AR(1) plug-in bandwidth estimated from the residuals
    themselves (no intercept); variance and autocovariances divided by n - 1, the
    autocovariances taken over the first n - 1 residuals. This is the estimator
    ConvergenceClubs 2.2.5 calls "FQSB"; it reproduces that package's numbers.
    """
    n = E.shape[1]
    n2 = n - 1
    lam = (E * E).sum(axis=1) / n2
    if n2 < 2:
        return lam
    bw = _qs_bandwidth(_ar1_noint(E), n)
    with np.errstate(divide="ignore", invalid="ignore"):
        K = _qs_kernel(1.2 * np.pi * np.arange(1, n2)[None, :] / bw[:, None])  # g x (n2 - 1)
    # sum_j K_j gamma_j = e' W e / n2 with W Toeplitz: W[s, t] = K_{|s-t|} off the diagonal, 0 on it
    lag = np.abs(np.subtract.outer(np.arange(n2), np.arange(n2)))
    W = np.concatenate([np.zeros((K.shape[0], 1)), K], axis=1)[:, lag]  # g x n2 x n2
    e = E[:, :n2]
    return lam + (np.matmul(W, e[:, :, None])[:, :, 0] * e).sum(axis=1) / n2


def _cov_aqsb(E: np.ndarray, Z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Slope variance with Andrews' (1991) automatic QS bandwidth (rows of E: residuals).

    Scores ``v_t = z_t e_t``; the bandwidth is Andrews' AR(1) plug-in fitted (OLS
    with intercept) to the slope score, the only score weighted (Andrews 1991,
    sec. 6); meat ``Gamma_0 + sum_j k(j/S)(Gamma_j + Gamma_j')`` with ``Gamma_j =
    (1/n) sum_t v_t v_{t-j}'``, scaled by n/(n - 2); no prewhitening (the defaults of
    R sandwich::vcovHAC). Returns (slope variance, bandwidth).
    """
    n = E.shape[1]
    V = E[:, :, None] * Z[None, :, :]  # m x n x 2
    s = V[:, :, 1]
    a, b = s[:, :-1], s[:, 1:]
    ac, bc = a - a.mean(axis=1, keepdims=True), b - b.mean(axis=1, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        rho = (ac * bc).sum(axis=1) / (ac * ac).sum(axis=1)
    bw = _qs_bandwidth(rho, n)
    meat = np.einsum("mti,mtj->mij", V, V) / n
    with np.errstate(divide="ignore", invalid="ignore"):
        K = _qs_kernel(1.2 * np.pi * np.arange(1, n)[None, :] / bw[:, None])  # m x (n - 1)
    for j in range(1, n):
        g = np.einsum("mti,mtj->mij", V[:, j:, :], V[:, :-j, :]) / n
        meat = meat + K[:, j - 1, None, None] * (g + np.transpose(g, (0, 2, 1)))
    meat *= n / (n - Z.shape[1])
    bread = np.linalg.inv(Z.T @ Z)
    cov = n * np.einsum("ij,mjk,kl->mil", bread, meat, bread)
    return cov[:, 1, 1], bw


@lru_cache(maxsize=64)
def _design(T: int, trim: float):
    """Periods used, design [1, log t], (Z'Z)^-1 and the OLS projector, per (T, trim)."""
    r = trim_start(T, trim)
    t = np.arange(r + 1, T + 1)
    Z = np.column_stack([np.ones(len(t)), np.log(t)])
    XtXi = np.linalg.inv(Z.T @ Z)
    return t, Z, XtXi, (XtXi @ Z.T).T


@dataclass(frozen=True)
class LogTFit:
    """Arrays (one entry per group) from a batch of log t regressions."""

    beta: np.ndarray
    se: np.ndarray
    tvalue: np.ndarray
    alpha: np.ndarray
    bandwidth: np.ndarray
    periods: np.ndarray  # the t = r+1..T used (1-based)


def logt_from_h(H: np.ndarray, trim: float, hac: HAC = "fqsb") -> LogTFit:
    """Log t regression for each row of ``H`` (g x T).

    ``log(H_1/H_t) - 2 log(log t) = a + b log t + u_t`` for ``t = [rT]+1, ..., T``
    (Phillips and Sul 2007, eq. 25), with HAC standard error of ``b``.
    """
    H = np.atleast_2d(np.asarray(H, dtype=float))
    t, Z, XtXi, P = _design(H.shape[1], float(trim))
    with np.errstate(divide="ignore", invalid="ignore"):
        Y = np.log(H[:, :1] / H[:, t - 1]) - 2.0 * np.log(Z[:, 1])
    with np.errstate(invalid="ignore"):
        B = Y @ P  # g x 2
        E = Y - B @ Z.T
    if hac == "fqsb":
        var = XtXi[1, 1] * _lrv_fqsb(E)
        bw = _qs_bandwidth(_ar1_noint(E), E.shape[1])
    elif hac == "aqsb":
        var, bw = _cov_aqsb(E, Z)
    else:
        raise ParameterError(f"hac must be 'fqsb' or 'aqsb', got {hac!r}")
    with np.errstate(invalid="ignore", divide="ignore"):
        se = np.sqrt(var)
        tv = B[:, 1] / se
    return LogTFit(beta=B[:, 1], se=se, tvalue=tv, alpha=B[:, 0], bandwidth=bw, periods=t)


def _ar1_noint(E: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return (E[:, :-1] * E[:, 1:]).sum(axis=1) / (E[:, :-1] ** 2).sum(axis=1)


def logt_groups(X: np.ndarray, groups: np.ndarray, trim: float, hac: HAC) -> LogTFit:
    """Log t regression of each group (boolean rows of ``groups``) of units of ``X``."""
    return logt_from_h(h_statistic(X, groups), trim, hac)


def _tvals(X, groups, trim, hac) -> np.ndarray:
    return logt_groups(X, groups, trim, hac).tvalue


# --------------------------------------------------------------------- clustering
def _mask(n: int, members) -> np.ndarray:
    m = np.zeros(n, dtype=bool)
    m[list(members)] = True
    return m


def _h_sums(c: np.ndarray, S: np.ndarray, Q: np.ndarray, k) -> np.ndarray:
    """H_t of groups from sums of deviations d = x - c (S = sum d, Q = sum d^2 over k members):
    H_t = var_t / mean_t^2 with var_t = Q/k - (S/k)^2 and mean_t = c_t + S/k. Centring on a typical
    value c_t keeps the variance free of cancellation; every group costs O(T)."""
    k = np.asarray(k, dtype=float).reshape(-1, 1)
    md = S / k
    var = np.maximum(Q / k - md**2, 0.0)
    return var / (c + md) ** 2


def core_group(X, rem: list[int], trim, hac, threshold=THRESHOLD) -> list[int] | None:
    """Step 2 of Phillips and Sul (2007, sec. 4.2): the core group among ``rem``
    (positions sorted by the last period, highest first).

    The first consecutive pair (i, i+1) with t > threshold starts the core; units are
    added in order while t stays above the threshold; the core is the size k* with
    the largest t. None when no pair passes.
    """
    c = X[rem].mean(axis=0)
    D = X[rem] - c
    S2 = D[:-1] + D[1:]
    Q2 = D[:-1] ** 2 + D[1:] ** 2
    tp = logt_from_h(_h_sums(c, S2, Q2, 2), trim, hac).tvalue
    ok = np.flatnonzero(tp > threshold)
    if ok.size == 0:
        return None
    start = int(ok[0])
    seq = rem[start:]
    Ds = D[start:]
    S = np.cumsum(Ds, axis=0)[1:]  # prefixes of size 2..len(seq)
    Q = np.cumsum(Ds**2, axis=0)[1:]
    tk = logt_from_h(_h_sums(c, S, Q, np.arange(2, len(seq) + 1)), trim, hac).tvalue
    fail = np.flatnonzero(~(tk > threshold))
    last = int(fail[0]) if fail.size else len(tk)  # prefixes [0, last) pass
    best = int(np.argmax(tk[:last]))  # first maximum: deterministic on ties
    return seq[: best + 2]


def sieve(X, core: list[int], rem: list[int], cstar, trim, hac) -> list[int]:
    """Step 3 (the sieve): add each non-core unit whose log t with the core exceeds c*; returns the club."""
    return _sieve_t(X, core, rem, trim, hac)(cstar)


def _sieve_t(X, core, rem, trim, hac):
    """The sieve for any c*: one batch of log t regressions (core + each other unit), then a cut."""
    core_set = set(core)
    others = [u for u in rem if u not in core_set]
    if not others:
        return lambda cstar: list(core)
    c = X[core].mean(axis=0)
    Dc = X[core] - c
    Do = X[others] - c
    S = Dc.sum(axis=0) + Do
    Q = (Dc**2).sum(axis=0) + Do**2
    t = logt_from_h(_h_sums(c, S, Q, len(core) + 1), trim, hac).tvalue
    return lambda cstar: list(core) + [u for u, tv in zip(others, t) if tv > cstar]


@dataclass(frozen=True)
class Formation:
    """How one club was formed (what step 3 of Phillips and Sul 2007 did)."""

    how: str  # "all remaining units pass", "sieve", "sieve, c* raised", "core group", "sieve (fails its test)"
    cstar: float  # the c* used in the sieve (nan when no sieve ran)
    tvalue: float  # log t statistic of the club as formed


def find_clubs(X: np.ndarray, order: list[int], *, trim, cstar, hac, threshold=THRESHOLD,
               cstar_method: str = "incremental", cstar_increment: float = 0.1, cstar_cap: float = 3.0,
               record: list | None = None):
    """Phillips-Sul clustering (2007, sec. 4.2; 2009, sec. 3): returns (clubs, divergent),
    lists of integer positions, club 1 first (each club in ``order``'s order).

    Step 3 as published (Phillips and Sul 2007, sec. 4.2, step 3): the sieved club
    must itself pass the log t test. ``cstar_method="incremental"`` raises c* by
    ``cstar_increment`` until it does (the name and defaults of ConvergenceClubs'
    ``findClubs``); when c* would exceed ``cstar_cap`` the club is the core group,
    which passes by construction. ``"fixed"`` keeps the sieved club whatever its
    test says (ConvergenceClubs' default). ``record`` (a list) receives one
    :class:`Formation` per club.
    """
    N = X.shape[0]
    rem = list(order)
    clubs: list[list[int]] = []
    rec = record if record is not None else []
    while rem:
        if len(rem) == 1:
            return clubs, rem
        t_all = _tvals(X, _mask(N, rem)[None, :], trim, hac)[0]
        if t_all > threshold:
            clubs.append(rem)
            rec.append(Formation("all remaining units pass", float("nan"), float(t_all)))
            return clubs, []
        core = core_group(X, rem, trim, hac, threshold)
        if core is None:
            return clubs, rem
        cut = _sieve_t(X, core, rem, trim, hac)
        c = float(cstar)
        club = cut(c)
        t_club = _tvals(X, _mask(N, club)[None, :], trim, hac)[0] if len(club) > len(core) else np.inf
        how = "sieve"
        if not t_club > threshold:
            if cstar_method == "fixed":
                how = "sieve (fails its test)"
            else:
                k = 0
                while not t_club > threshold:
                    k += 1
                    c = float(cstar) + k * cstar_increment
                    if c > cstar_cap:
                        club, c, how = list(core), float("nan"), "core group"
                        t_club = _tvals(X, _mask(N, club)[None, :], trim, hac)[0]
                        break
                    club = cut(c)
                    t_club = (_tvals(X, _mask(N, club)[None, :], trim, hac)[0]
                              if len(club) > len(core) else np.inf)
                    how = f"sieve, c* raised to {c:.4g}"
        if len(club) == len(core) and how.startswith("sieve, c* raised"):
            how = f"core group (no unit passes the sieve at c* = {c:.4g})"
        if not np.isfinite(t_club):  # the core alone: its own t
            t_club = _tvals(X, _mask(N, club)[None, :], trim, hac)[0]
        rec.append(Formation(how, c, float(t_club)))
        club_set = set(club)
        clubs.append([u for u in rem if u in club_set])
        rem = [u for u in rem if u not in club_set]
    return clubs, []


def merge_ps(X, clubs, *, trim, hac, threshold=THRESHOLD):
    """Phillips and Sul (2009) merging: add the next club while the union's t > threshold."""
    if not clubs:
        return []
    out, cur = [], list(clubs[0])
    N = X.shape[0]
    for nxt in clubs[1:]:
        if _tvals(X, _mask(N, cur + nxt)[None, :], trim, hac)[0] > threshold:
            cur = cur + list(nxt)
        else:
            out.append(cur)
            cur = list(nxt)
    out.append(cur)
    return out


def merge_vlt(X, clubs, *, trim, hac, threshold=THRESHOLD):
    """von Lyncker and Thoennessen (2017) merging: t of each adjacent pair; merge pair m
    when t_m > threshold and t_m > t_{m+1} (the last pair needs only t_M > threshold);
    restart after each merge."""
    clubs = [list(c) for c in clubs]
    N = X.shape[0]
    while len(clubs) > 1:
        G = np.array([_mask(N, clubs[m] + clubs[m + 1]) for m in range(len(clubs) - 1)])
        t = _tvals(X, G, trim, hac)
        M = len(t)
        for m in range(M):
            if t[m] > threshold and (m == M - 1 or t[m] > t[m + 1]):
                clubs[m : m + 2] = [clubs[m] + clubs[m + 1]]
                break
        else:
            break
    return clubs


def merge_divergent(X, clubs, divergent, *, trim, hac, threshold=THRESHOLD, estar=THRESHOLD):
    """von Lyncker and Thoennessen (2017) step for divergent units, as ConvergenceClubs
    2.2.5 documents it (``mergeDivergent``, details, steps 1-3): (1) if all divergent units
    together pass the log t test (t > ``threshold``) they form a club (vLT note that this
    step is implicit in Phillips and Sul's algorithm); (2) otherwise the log t of each
    (divergent unit, club) pair; (3) the pair with the highest t above ``estar`` (e*,
    default -1.65 as vLT suggest) joins and the procedure restarts from (1); units left
    when no t exceeds e* stay divergent."""
    clubs = [list(c) for c in clubs]
    div = list(divergent)
    N = X.shape[0]
    while div:
        if len(div) > 1 and _tvals(X, _mask(N, div)[None, :], trim, hac)[0] > threshold:
            clubs.append(div)
            return clubs, []
        if not clubs:
            break
        G = np.array([_mask(N, c + [d]) for d in div for c in clubs])
        t = _tvals(X, G, trim, hac).reshape(len(div), len(clubs))
        t = np.where(np.isnan(t), -np.inf, t)
        d, c = np.unravel_index(int(np.argmax(t)), t.shape)
        if not t[d, c] > estar:
            break
        clubs[c].append(div.pop(d))
    return clubs, div
