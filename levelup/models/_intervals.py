"""Standard errors and confidence intervals of inequality indices.

Analytic: asymptotic variances by linearisation (the influence function of each
index), which is how the literature derives them: Davidson (2009) for the Gini,
Cowell (1989) and Biewen and Jenkins (2006) for the generalised entropy family
(Theil's T = GE(1), the MLD = GE(0)), the Atkinson index and the coefficient of
variation (Williamson's with population shares). With population shares ``s_i`` and
the influence values ``z_i`` of an index ``I``, ``Var(I) = sum_i s_i^2 (z_i -
sum_j s_j z_j)^2`` (``(1/n^2) sum (z_i - zbar)^2`` unweighted, Davidson's eq. 8 for the
Gini). The units are treated as draws from a super-population (regions observed
with sampling and measurement noise); the interval is ``value +- z_{(1+level)/2}
se``.

Bootstrap: ``reps`` resamples of the units with replacement (each keeps its weight),
percentile interval and the resamples' standard deviation as the se; ``rng`` a seed
or ``numpy.random.Generator`` for reproducible numbers.

References: Davidson, R. (2009) Reliable inference for the Gini index. J. Econometrics
150(1), 30-40. Cowell, F. (1989) Sampling variance and decomposable inequality
measures. J. Econometrics 42(1), 27-41. Biewen, M. and Jenkins, S. (2006) Variance
estimation for generalized entropy and Atkinson inequality indices: the complex
survey data case. Oxford Bull. Econ. Stat. 68(3), 371-383.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import numpy as np

from levelup.errors import ParameterError

CI = Literal["analytic", "bootstrap"] | None


@dataclass(frozen=True)
class Interval:
    se: float = float("nan")
    low: float = float("nan")
    high: float = float("nan")
    method: str = "none"
    level: float = 0.95


def check(ci, level, reps) -> None:
    if ci not in ("analytic", "bootstrap", None):
        raise ParameterError(f"ci must be 'analytic', 'bootstrap' or None, got {ci!r}")
    if not (isinstance(level, float | int) and 0 < level < 1):
        raise ParameterError(f"level must be a probability strictly between 0 and 1, got {level!r}")
    if ci == "bootstrap" and not (isinstance(reps, int | np.integer) and reps >= 50):
        raise ParameterError(f"reps must be an integer >= 50 for a bootstrap, got {reps!r}")


def _zcrit(level: float) -> float:
    from scipy.stats import norm

    return float(norm.ppf(0.5 + level / 2))


def analytic(value: float, z: np.ndarray, s: np.ndarray, level: float, scale: float = 1.0) -> Interval:
    """Interval from influence values ``z`` with population shares ``s``."""
    zc = z - np.sum(s * z)
    se = float(np.sqrt(np.sum((s * zc) ** 2))) * scale
    h = _zcrit(level) * se
    return Interval(se, value - h, value + h, "analytic (influence function)", level)


def bootstrap(value: float, fn: Callable[[np.ndarray, np.ndarray], float], y: np.ndarray, w: np.ndarray,
              level: float, reps: int, rng) -> Interval:
    """Percentile bootstrap of ``fn(y, s)`` resampling units with their weights."""
    gen = np.random.default_rng(rng)
    n = len(y)
    idx = gen.integers(0, n, size=(reps, n))
    stats = np.empty(reps)
    for b in range(reps):
        wb = w[idx[b]]
        stats[b] = fn(y[idx[b]], wb / wb.sum())
    stats = stats[np.isfinite(stats)]
    a = (1 - level) / 2
    lo, hi = np.quantile(stats, [a, 1 - a])
    return Interval(float(np.std(stats, ddof=1)), float(lo), float(hi), f"bootstrap ({reps} resamples, percentile)",
                    level)


# ------------------------------------------------------------------ influence values
def z_gini(y: np.ndarray, s: np.ndarray, g: float) -> np.ndarray:
    """Influence of the Gini: ``G = 2 E[y F(y)]/mu - 1``,
    ``z_i = (2/mu)[y_i F(y_i) + E(y 1{y > y_i}) - 2 I] - (G + 1)(y_i - mu)/mu`` with
    ``I = E[y F(y)]`` and F at mid-steps. Unweighted, ``mu z_i`` equals Davidson's (2009)
    ``Z_i = -(G + 1) y_(i) + (2i - 1)/n y_(i) - (2/n) sum_{j <= i} y_(j)`` up to a constant,
    so the variance is his."""
    mu = np.sum(s * y)
    order = np.argsort(y, kind="stable")
    ys, ss = y[order], s[order]
    F = np.cumsum(ss) - ss / 2  # mid-step cdf
    inc = ss * ys
    upper = inc[::-1].cumsum()[::-1] - inc  # E[y 1{y > y_i}]: with F at mid-steps this is Davidson's Z_i
    eyf = np.sum(inc * F)
    zs = 2 / mu * (ys * F + upper - 2 * eyf) - (g + 1) * (ys - mu) / mu
    z = np.empty_like(zs)
    z[order] = zs
    return z


def z_theil(y: np.ndarray, s: np.ndarray) -> np.ndarray:
    mu = np.sum(s * y)
    yly = np.where(y > 0, y * np.log(np.where(y > 0, y, 1.0)), 0.0)
    A = np.sum(s * yly)
    return (yly - A) / mu - (A / mu**2 + 1 / mu) * (y - mu)


def z_mld(y: np.ndarray, s: np.ndarray) -> np.ndarray:
    mu = np.sum(s * y)
    ly = np.log(y)
    return (y - mu) / mu - (ly - np.sum(s * ly))


def z_atkinson(y: np.ndarray, s: np.ndarray, eps: float) -> np.ndarray:
    mu = np.sum(s * y)
    if eps == 1:
        ly = np.log(y)
        M = np.exp(np.sum(s * ly))
        zM = M * (ly - np.sum(s * ly))
    else:
        p = 1 - eps
        B = np.sum(s * y**p)
        M = B ** (1 / p)
        zM = (1 / p) * B ** (1 / p - 1) * (y**p - B)
    return -zM / mu + M / mu**2 * (y - mu)


def z_cv(y: np.ndarray, s: np.ndarray) -> np.ndarray:
    mu = np.sum(s * y)
    var = np.sum(s * (y - mu) ** 2)
    sd = np.sqrt(var)
    if sd == 0:  # no dispersion: the index is 0 at every perturbation to first order
        return np.zeros_like(y)
    return ((y - mu) ** 2 - var) / (2 * sd) / mu - sd / mu**2 * (y - mu)


def z_sd(v: np.ndarray, s: np.ndarray) -> np.ndarray:
    """Influence of the (population) standard deviation of ``v``."""
    m = np.sum(s * v)
    var = np.sum(s * (v - m) ** 2)
    if var == 0:
        return np.zeros_like(v)
    return ((v - m) ** 2 - var) / (2 * np.sqrt(var))


def z_var(v: np.ndarray, s: np.ndarray) -> np.ndarray:
    m = np.sum(s * v)
    return (v - m) ** 2 - np.sum(s * (v - m) ** 2)
