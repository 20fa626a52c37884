"""Inequality indices (Gini, Theil, MLD, Atkinson, CV, Williamson, Hoover, ratios) and the Lorenz curve."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from levelup.errors import ModelInputError
from levelup.models import _intervals as _iv
from levelup.models._checks import Missing
from levelup.models._intervals import CI
from levelup.models.inequality._base import InequalityIndex, _interval, _prepare, _result
from levelup.results import Result, Sample, new_axes


# --------------------------------------------------------------------------- indices
def _gini(y: np.ndarray, s: np.ndarray) -> float:
    # G = 1 - sum_k (p_k - p_{k-1}) (L_k + L_{k-1}), units sorted by y (equal to the
    # mean-difference form sum_ij s_i s_j |y_i - y_j| / (2 mu)); O(n log n)
    order = np.argsort(y, kind="stable")
    ys, ss = y[order], s[order]
    inc = ss * ys
    L = np.concatenate([[0.0], np.cumsum(inc) / inc.sum()])
    return float(1.0 - np.sum(ss * (L[1:] + L[:-1])))


def gini(
    values: Any, weights: Any = None, *, small_sample: bool = False, missing: Missing = "raise",
    ci: CI = "analytic", level: float = 0.95, reps: int = 999, rng: Any = None,
) -> InequalityIndex:
    """Gini coefficient, optionally population-weighted.

    ``G = sum_i sum_j s_i s_j |y_i - y_j| / (2 mu)`` (Gini 1912; weighted form as in
    Cowell 2011, *Measuring Inequality*, ch. 2), computed from the Lorenz curve
    ``G = 1 - sum_k s_k (L_k + L_{k-1})``. No ``n/(n-1)`` correction unless
    ``small_sample=True`` (REAT ``gini(coefnorm=TRUE)``; PySAL ``Gini`` has none).

    Note: REAT 3.0.3 ``gini(x, weighting=w)`` sorts ``x`` but not ``w``, so its weighted
    value differs from this one whenever the data are not already sorted by ``x``.

    >>> round(gini([20, 50, 20, 10]).value, 6)
    0.3
    """
    d = _prepare(values, weights, missing=missing)
    g0 = _gini(d.y, d.s)
    n = len(d.y)
    k = n / (n - 1) if small_sample else 1.0
    iv = _interval(d, g0 * k, ci, level, reps, rng, z=lambda y, s: _iv.z_gini(y, s, g0), fn=_gini, scale=k)
    return _result(
        "gini",
        g0 * k,
        d,
        "G = sum_ij s_i s_j |y_i - y_j| / (2 mu)" + (" x n/(n-1)" if small_sample else ""),
        interval=iv,
    )


def _theil_t(y: np.ndarray, s: np.ndarray) -> float:
    mu = np.sum(s * y)
    if mu <= 0:  # every value zero (e.g. one group of a decomposition): no inequality, by 0 ln 0 = 0
        return 0.0
    r = y / mu
    terms = np.where(r > 0, r * np.log(np.where(r > 0, r, 1.0)), 0.0)
    return float(max(np.sum(s * terms), 0.0))


def theil(values: Any, weights: Any = None, *, missing: Missing = "raise", ci: CI = "analytic",
          level: float = 0.95, reps: int = 999, rng: Any = None) -> InequalityIndex:
    """Theil's T index, GE(1).

    ``T = sum_i s_i (y_i / mu) ln(y_i / mu)`` (Theil 1967, *Economics and Information
    Theory*; Shorrocks 1980). Zero values are allowed and contribute ``0`` through the
    limit ``x ln x -> 0`` (stated in the result's notes); negative values raise. PySAL
    ``inequality.theil.Theil`` gives the same number for unweighted data.

    >>> round(theil([1, 1, 1, 1]).value, 12)
    0.0
    """
    d = _prepare(values, weights, missing=missing)
    nz = int(np.sum(d.y == 0))
    notes = [f"{nz} zero value(s) contribute 0 (limit of x ln x as x -> 0)"] if nz else []
    t = _theil_t(d.y, d.s)
    iv = _interval(d, t, ci, level, reps, rng, z=_iv.z_theil, fn=_theil_t)
    return _result("theil", t, d, "T = sum_i s_i (y_i/mu) ln(y_i/mu)", notes=notes, interval=iv)


def _mld(y: np.ndarray, s: np.ndarray) -> float:
    return float(max(np.sum(s * np.log(np.sum(s * y) / y)), 0.0))


def mld(values: Any, weights: Any = None, *, missing: Missing = "raise", ci: CI = "analytic",
        level: float = 0.95, reps: int = 999, rng: Any = None) -> InequalityIndex:
    """Mean log deviation, GE(0) (Theil's L; what REAT calls ``theil()``).

    ``L = sum_i s_i ln(mu / y_i)`` (Theil 1967; Shorrocks 1980). Needs positive values:
    zeros raise naming the units.

    >>> round(mld([1, 2, 4]).value, 6)
    0.154151
    """
    d = _prepare(values, weights, missing=missing, zeros="raise")
    v = _mld(d.y, d.s)
    iv = _interval(d, v, ci, level, reps, rng, z=_iv.z_mld, fn=_mld)
    return _result("mld", v, d, "L = sum_i s_i ln(mu / y_i)", interval=iv)


def atkinson(
    values: Any, epsilon: float = 1.0, weights: Any = None, *, missing: Missing = "raise", ci: CI = "analytic",
    level: float = 0.95, reps: int = 999, rng: Any = None,
) -> InequalityIndex:
    """Atkinson index with inequality aversion ``epsilon >= 0``.

    ``A = 1 - [sum_i s_i (y_i/mu)^(1-eps)]^(1/(1-eps))`` and, for ``eps = 1``,
    ``A = 1 - exp(sum_i s_i ln y_i) / mu`` (Atkinson 1970, *J. Econ. Theory* 2:244).
    ``epsilon >= 1`` needs positive values.

    >>> round(atkinson([10, 20, 30, 40, 50], 0.5).value, 5)
    0.06315
    """
    eps = float(epsilon)
    if not np.isfinite(eps) or eps < 0:
        raise ModelInputError(f"epsilon must be a finite number >= 0, got {epsilon!r}")
    d = _prepare(values, weights, missing=missing, zeros="raise" if eps >= 1 else "allow")
    a = _atkinson(d.y, d.s, eps)
    iv = _interval(d, a, ci, level, reps, rng, z=lambda y, s: _iv.z_atkinson(y, s, eps),
                   fn=lambda y, s: _atkinson(y, s, eps))
    return _result("atkinson", a, d, "A = 1 - [sum_i s_i (y_i/mu)^(1-eps)]^(1/(1-eps))", eps, interval=iv)


def _atkinson(y: np.ndarray, s: np.ndarray, eps: float) -> float:
    mu = np.sum(s * y)
    if eps == 1:
        a = 1.0 - np.exp(np.sum(s * np.log(y))) / mu
    else:
        a = 1.0 - np.sum(s * (y / mu) ** (1.0 - eps)) ** (1.0 / (1.0 - eps))
    return float(max(a, 0.0))


def _cv(y: np.ndarray, s: np.ndarray) -> float:
    mu = np.sum(s * y)
    return float(np.sqrt(np.sum(s * (y - mu) ** 2)) / mu)


def cv(values: Any, weights: Any = None, *, missing: Missing = "raise", ci: CI = "analytic",
       level: float = 0.95, reps: int = 999, rng: Any = None) -> InequalityIndex:
    """Coefficient of variation, population form (ddof 0).

    ``CV = sqrt(sum_i s_i (y_i - mu)^2) / mu``; with population weights this is
    Williamson's (1965) index, see :func:`williamson`.

    >>> round(cv([1, 2, 3]).value, 6)
    0.408248
    """
    d = _prepare(values, weights, missing=missing)
    v = _cv(d.y, d.s)
    iv = _interval(d, v, ci, level, reps, rng, z=_iv.z_cv, fn=_cv)
    return _result("cv", v, d, "CV = sqrt(sum_i s_i (y_i - mu)^2) / mu", interval=iv)


def williamson(
    values: Any, weights: Any, *, weighted_mean: bool = True, missing: Missing = "raise", ci: CI = "analytic",
    level: float = 0.95, reps: int = 999, rng: Any = None,
) -> InequalityIndex:
    """Williamson's population-weighted coefficient of variation.

    ``V_w = sqrt(sum_i s_i (y_i - m)^2) / m`` with ``s_i`` population shares
    (Williamson 1965, *Econ. Dev. Cult. Change* 13(4):1-84). ``m`` is the
    population-weighted mean ``sum_i s_i y_i`` (default; REAT
    ``williamson(x, p, wmean=TRUE)``) or, with ``weighted_mean=False``, the unweighted
    mean of ``y`` (REAT's default ``wmean=FALSE``). Weights are required: the
    unweighted coefficient of variation is :func:`cv`.

    >>> round(williamson([1, 3], [1, 1]).value, 6)
    0.5
    """
    if weights is None:
        raise ModelInputError("williamson needs weights= (population); use cv() for the unweighted CV")
    d = _prepare(values, weights, missing=missing)
    m = d.mean if weighted_mean else float(np.mean(d.y))
    v = np.sqrt(np.sum(d.s * (d.y - m) ** 2)) / m
    centre = "population-weighted mean" if weighted_mean else "unweighted mean"

    def fn(y, s):
        mm = np.sum(s * y) if weighted_mean else np.mean(y)
        return float(np.sqrt(np.sum(s * (y - mm) ** 2)) / mm)

    # analytic: the weighted-mean form is the weighted CV (Cowell 1989); the unweighted-mean variant
    # has no published variance here, so it gets the bootstrap
    iv = _interval(d, v, ci if weighted_mean or ci is None else "bootstrap", level, reps, rng,
                   z=_iv.z_cv if weighted_mean else None, fn=fn)
    return _result("williamson", v, d, f"V = sqrt(sum_i s_i (y_i - m)^2) / m, m the {centre}", interval=iv)


def hoover(
    values: Any,
    weights: Any = None,
    *,
    values_are: Literal["per_head", "totals"] = "per_head",
    missing: Missing = "raise",
) -> InequalityIndex:
    """Hoover (Robin Hood) index: the share of the total that would have to move.

    ``H = 1/2 sum_i |x_i / X - p_i / P|`` (Hoover 1936, *Rev. Econ. Stat.* 18(4)),
    where ``x_i`` are totals (``y_i w_i`` for per-head ``values``; the values themselves
    with ``values_are="totals"``, as REAT ``hoover(x, ref)``) and ``p_i`` the reference
    distribution (``weights``, population; equal shares when omitted).

    >>> round(hoover([30, 10], [1, 1]).value, 6)
    0.25
    """
    if values_are not in ("per_head", "totals"):
        raise ModelInputError(f"values_are must be 'per_head' or 'totals', got {values_are!r}")
    d = _prepare(values, weights, missing=missing)
    p = d.s
    x = d.y if (values_are == "totals" or d.w is None) else d.y * d.w
    h = 0.5 * np.sum(np.abs(x / x.sum() - p))
    return _result(
        "hoover", h, d, f"H = 1/2 sum_i |x_i/X - p_i/P| (values are {values_are.replace('_', ' ')})"
    )


def _wquantile(y: np.ndarray, s: np.ndarray, q: float) -> float:
    """Weighted quantile; with equal weights numpy's linear (type 7) quantile."""
    if np.allclose(s, s[0]):
        return float(np.quantile(y, q))
    order = np.argsort(y, kind="stable")
    ys, ss = y[order], s[order]
    cum = np.cumsum(ss) - 0.5 * ss  # mid-point plotting positions
    return float(np.interp(q, cum, ys))


def _share_of(y: np.ndarray, s: np.ndarray, q: float, top: bool) -> float:
    """Income share of the poorest (or richest) fraction q of people, splitting units."""
    order = np.argsort(-y if top else y, kind="stable")
    ys, ss = y[order], s[order]
    cum = np.cumsum(ss)
    take = np.clip(q - (cum - ss), 0.0, ss)
    return float(np.sum(take * ys) / np.sum(s * y))


def ratio(
    values: Any,
    weights: Any = None,
    *,
    kind: Literal["max_min", "quantile", "share"] = "quantile",
    q: float = 0.2,
    missing: Missing = "raise",
) -> InequalityIndex:
    """Top/bottom ratios.

    - ``kind="max_min"``: highest value over lowest value.
    - ``kind="quantile"`` (default, the 80/20 ratio): ``Q(1-q) / Q(q)``, linear
      interpolation quantiles (numpy's default; population-weighted mid-point positions
      when weighted).
    - ``kind="share"``: ``S80/S20``, the income share of the richest fraction ``q`` of
      people over that of the poorest ``q`` (Eurostat's income quintile share ratio),
      splitting a unit's population at the boundary.

    >>> ratio([1, 2, 3, 4, 5], kind="max_min").value
    5.0
    """
    if not 0 < q < 0.5:
        raise ModelInputError(f"q must be in (0, 0.5), got {q!r}")
    d = _prepare(values, weights, missing=missing, zeros="raise")
    if kind == "max_min":
        r, formula = d.y.max() / d.y.min(), "max(y) / min(y)"
    elif kind == "quantile":
        r = _wquantile(d.y, d.s, 1 - q) / _wquantile(d.y, d.s, q)
        formula = f"Q({1 - q:g}) / Q({q:g})"
    elif kind == "share":
        r = _share_of(d.y, d.s, q, top=True) / _share_of(d.y, d.s, q, top=False)
        formula = f"income share of top {q:g} / income share of bottom {q:g} of population"
    else:
        raise ModelInputError(f"kind must be 'max_min', 'quantile' or 'share', got {kind!r}")
    return _result(f"ratio_{kind}", r, d, formula, None if kind == "max_min" else q)


# --------------------------------------------------------------------------- Lorenz
@dataclass(frozen=True)
class Lorenz(Result):
    """Lorenz curve points (cumulative population share, cumulative income share)."""

    title = "Lorenz curve"
    curve: pd.DataFrame = field(repr=False)
    gini: float
    weighted: bool
    sample: Sample = field(default_factory=Sample, repr=False)

    def to_frame(self) -> pd.DataFrame:
        """The curve, from (0, 0) to (1, 1), one row per unit plus the origin."""
        return self.curve

    def notes(self) -> list[str]:
        return [
            f"Gini = {self.gini:.6g} ({'population-weighted' if self.weighted else 'unweighted'})",
            *super().notes(),
        ]

    def plot(self, ax: Any = None, **kwargs: Any) -> Any:
        """Lorenz curve with the line of equality."""
        ax = new_axes(ax, figsize=(4.8, 4.8))
        c = self.curve
        ax.plot([0, 1], [0, 1], color="0.6", lw=1, ls="--", label="equality")
        ax.plot(
            c["population_share"],
            c["income_share"],
            marker=".",
            label=f"Lorenz (Gini {self.gini:.3f})",
            **kwargs,
        )
        ax.set_xlabel("cumulative share of population" if self.weighted else "cumulative share of units")
        ax.set_ylabel("cumulative share of total")
        ax.set_xlim(0, 1)
        ax.set_ylim(0, 1)
        ax.set_aspect("equal")
        ax.legend(loc="upper left", frameon=False)
        return ax


def lorenz(values: Any, weights: Any = None, *, missing: Missing = "raise") -> Lorenz:
    """Lorenz curve data (Lorenz 1905, *Publ. Am. Stat. Assoc.* 9(70)).

    Units sorted by value; ``population_share_k = sum_{i<=k} s_i`` and
    ``income_share_k = sum_{i<=k} s_i y_i / mu``. Twice the area between the curve and
    the diagonal is the Gini coefficient.

    >>> lorenz([1, 3]).to_frame()["income_share"].tolist()
    [0.0, 0.25, 1.0]
    """
    d = _prepare(values, weights, missing=missing)
    order = np.argsort(d.y, kind="stable")
    ys, ss = d.y[order], d.s[order]
    inc = ss * ys
    curve = pd.DataFrame(
        {
            "unit": [None, *d.index[order]],
            "value": [np.nan, *ys],
            "population_share": np.concatenate([[0.0], np.cumsum(ss)]),
            "income_share": np.concatenate([[0.0], np.cumsum(inc) / inc.sum()]),
        }
    )
    return Lorenz(curve=curve, gini=_gini(d.y, d.s), weighted=d.w is not None, sample=d.sample())
