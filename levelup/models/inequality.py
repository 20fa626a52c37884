"""Inequality between regions: Gini, Theil, MLD, Atkinson, Williamson, CV, Hoover, ratios.

Every index takes ``values`` (per-head levels such as GDP per head, one per unit) and
optional ``weights`` (population). With weights each unit counts in proportion to its
population, so the index describes inequality between *people* by where they live;
without weights each region counts once. Each function returns an
:class:`InequalityIndex` whose ``value`` is the number (``float(result)`` works) and whose
``weighted`` says which of the two was computed.

Notation: ``y_i`` values, ``s_i = w_i / sum(w)`` population shares (``1/n`` unweighted),
``mu = sum(s_i y_i)`` the (weighted) mean.

Input rules (shared by all functions): values may be a Series, a list, an ``(n,)`` or an
``(n, 1)`` array; weights the same length (a Series is aligned on the values' index).
Missing values raise :class:`~levelup.errors.ModelInputError` naming the units unless
``missing="drop"``, which drops them and lists them in ``result.sample.dropped``.
Negative values always raise; zeros raise for the measures that take logs of values
(``mld``, ``atkinson`` with ``epsilon >= 1``), while ``theil`` uses the limit
``0 * ln 0 = 0`` and says so in its notes. Negative or all-zero weights raise.

Why Gini and Theil decompositions can disagree: Theil's T (and the MLD) split exactly
into a between-group and a within-group part (Shorrocks 1980). The Gini does not: its
group decomposition has a third, "overlap" term whenever group income ranges overlap
(Lambert and Aronson 1993), so the Gini "between" share (the Gini of the group means)
and the Theil between share weight the same gaps differently (the Gini by rank
differences, Theil by log ratios) and can rank between- against within-group
inequality differently. Use :func:`theil_decomposition` for the additive split.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from levelup.errors import ModelInputError
from levelup.models import _intervals as _iv
from levelup.models._checks import Missing, _labels, as_series, handle_missing
from levelup.models._intervals import CI
from levelup.results import Result, Sample, new_axes

__all__ = [
    "InequalityIndex",
    "Lorenz",
    "TheilDecomposition",
    "atkinson",
    "cv",
    "gini",
    "hoover",
    "lorenz",
    "mld",
    "ratio",
    "summary_table",
    "theil",
    "theil_decomposition",
    "williamson",
]


# --------------------------------------------------------------------------- inputs
@dataclass(frozen=True)
class _Data:
    y: np.ndarray
    w: np.ndarray | None
    index: pd.Index
    dropped: tuple

    @property
    def s(self) -> np.ndarray:
        """Population shares (1/n each when unweighted)."""
        if self.w is None:
            return np.full(len(self.y), 1.0 / len(self.y))
        return self.w / self.w.sum()

    @property
    def mean(self) -> float:
        return float(np.sum(self.s * self.y))

    def sample(self, measure: str | None = None) -> Sample:
        return Sample(units=tuple(self.index), measure=measure, dropped=self.dropped)


def _prepare(
    values: Any,
    weights: Any = None,
    *,
    missing: Missing = "raise",
    zeros: Literal["allow", "raise"] = "allow",
    what: str = "values",
    min_units: int = 2,
) -> _Data:
    """Check and align values and weights; one error naming the offending units."""
    y = as_series(values, "values")
    frame = pd.DataFrame({"values": y})
    if weights is not None:
        w = as_series(weights, "weights")
        if isinstance(weights, pd.Series | pd.DataFrame) and isinstance(values, pd.Series | pd.DataFrame):
            in_y, in_w = set(y.index), set(w.index)
            only_w = [k for k in w.index if k not in in_y]
            only_y = [k for k in y.index if k not in in_w]
            if only_w or only_y:
                raise ModelInputError(
                    f"values and weights are not aligned: only in values: {_labels(only_y) or '-'}; "
                    f"only in weights: {_labels(only_w) or '-'}"
                )
            w = w.reindex(y.index)
        elif len(w) != len(y):
            raise ModelInputError(f"weights have length {len(w)} but values have length {len(y)}")
        else:
            w = pd.Series(w.to_numpy(), index=y.index)
        frame["weights"] = w
    if frame.index.has_duplicates:
        dup = frame.index[frame.index.duplicated()].unique()
        raise ModelInputError(f"{what}: duplicated units: {_labels(dup)}")
    frame, dropped = handle_missing(frame, missing=missing, what=what)
    yv = frame["values"].to_numpy(dtype=float)
    if not np.all(np.isfinite(yv)):
        raise ModelInputError(f"{what} are infinite for: {_labels(frame.index[~np.isfinite(yv)])}")
    neg = yv < 0 if zeros == "allow" else yv <= 0
    if neg.any():
        kind = "negative" if zeros == "allow" else "zero or negative"
        raise ModelInputError(
            f"{what} must be {'non-negative' if zeros == 'allow' else 'positive'} for this measure; "
            f"{kind} for: {_labels(frame.index[neg])}"
        )
    if len(yv) < min_units:
        raise ModelInputError(f"need at least {min_units} units, got {len(yv)}")
    wv = None
    if weights is not None:
        wv = frame["weights"].to_numpy(dtype=float)
        bad = (wv < 0) | ~np.isfinite(wv)
        if bad.any():
            raise ModelInputError(
                f"weights must be finite and non-negative; not for: {_labels(frame.index[bad])}"
            )
        if wv.sum() <= 0:
            raise ModelInputError("weights sum to zero")
    if np.sum(yv) <= 0:
        raise ModelInputError(f"{what} are all zero: inequality is undefined")
    return _Data(yv, wv, frame.index, dropped)


# --------------------------------------------------------------------------- result
@dataclass(frozen=True)
class InequalityIndex(Result):
    """One inequality index: ``value`` is the number; ``float(result)`` gives it too."""

    measure: str
    value: float
    weighted: bool
    n: int
    parameter: float | None = None
    formula: str = ""
    sample: Sample = field(default_factory=Sample, repr=False)
    extra_notes: tuple[str, ...] = field(default=(), repr=False)
    se: float = float("nan")
    ci_low: float = float("nan")
    ci_high: float = float("nan")
    ci_method: str = "none"
    level: float = 0.95

    @property
    def title(self) -> str:  # type: ignore[override]
        p = "" if self.parameter is None else f" ({self.parameter:g})"
        return f"{self.measure}{p}: {'population-weighted' if self.weighted else 'unweighted'}"

    def __float__(self) -> float:
        return float(self.value)

    def to_frame(self) -> pd.DataFrame:
        """One row: measure, parameter, value, weighted, n, se, ci_low, ci_high."""
        return pd.DataFrame(
            [
                {
                    "measure": self.measure,
                    "parameter": self.parameter,
                    "value": self.value,
                    "weighted": self.weighted,
                    "n": self.n,
                    "se": self.se,
                    "ci_low": self.ci_low,
                    "ci_high": self.ci_high,
                }
            ]
        )

    def notes(self) -> list[str]:
        out = [f"Formula: {self.formula}"] if self.formula else []
        if self.ci_method != "none":
            out.append(f"Interval: {self.level:.0%} confidence, {self.ci_method}; units treated as draws from "
                       "a super-population (see levelup.models._intervals for the references)")
        out.append(
            "Weights: population weights used" if self.weighted else "Weights: none (each unit counts once)"
        )
        return out + list(self.extra_notes) + super().notes()


def _interval(d: _Data, value: float, ci: CI, level: float, reps: int, rng, z=None, fn=None,
              scale: float = 1.0) -> _iv.Interval:
    """Analytic interval from influence values ``z`` (a callable of (y, s)), or a bootstrap of ``fn``."""
    _iv.check(ci, level, reps)
    if ci is None:
        return _iv.Interval(level=level)
    if ci == "analytic" and z is not None:
        return _iv.analytic(value, z(d.y, d.s), d.s, level, scale)
    if ci == "analytic" or fn is None:
        return _iv.Interval(level=level, method="none (no analytic variance; use ci='bootstrap')")
    w = d.w if d.w is not None else np.ones(len(d.y))
    return _iv.bootstrap(value, lambda y, s: scale * fn(y, s), d.y, w, level, reps, rng)


def _result(measure: str, value: float, d: _Data, formula: str, parameter: float | None = None, notes=(),
            interval: _iv.Interval | None = None):
    iv = interval or _iv.Interval()
    return InequalityIndex(
        se=iv.se, ci_low=iv.low, ci_high=iv.high, ci_method=iv.method, level=iv.level,
        measure=measure,
        value=float(value),
        weighted=d.w is not None,
        n=len(d.y),
        parameter=parameter,
        formula=formula,
        sample=d.sample(),
        extra_notes=tuple(notes),
    )


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


# --------------------------------------------------------------------------- decomposition
@dataclass(frozen=True)
class TheilDecomposition(Result):
    """Between- and within-group parts of Theil's T (or the MLD); they add up to ``total``.

    ``between``, ``within`` and ``total`` are floats for one cross-section, or Series
    by period when a wide frame (units x periods) was given. ``groups`` has one row per
    group (and period): ``n, population_share, income_share, mean, relative_mean,
    index`` (the group's own inequality) and ``within_contribution`` (its weighted
    share of the within part), all non-negative.
    """

    between: Any
    within: Any
    total: Any
    index: str
    weighted: bool
    groups: pd.DataFrame = field(repr=False)
    sample: Sample = field(default_factory=Sample, repr=False)

    @property
    def title(self) -> str:  # type: ignore[override]
        name = "Theil T" if self.index == "theil" else "Mean log deviation"
        return f"{name} decomposition ({'population-weighted' if self.weighted else 'unweighted'})"

    @property
    def between_share(self) -> Any:
        """Between part over total (0 when there is no inequality)."""
        if isinstance(self.total, pd.Series):
            return (self.between / self.total).where(self.total > 0, 0.0)
        return self.between / self.total if self.total > 0 else 0.0

    def to_frame(self) -> pd.DataFrame:
        """Tidy: one row per (period,) component: ``between``, ``within``, ``total``."""
        if isinstance(self.total, pd.Series):
            f = pd.DataFrame({"between": self.between, "within": self.within, "total": self.total})
            f.index.name = "period"
            return f
        return pd.DataFrame({"value": {"between": self.between, "within": self.within, "total": self.total}})

    def notes(self) -> list[str]:
        if self.index == "theil":
            f = "T = sum_g Y_g T_g (within) + sum_g Y_g ln(mu_g/mu) (between), Y_g group income shares"
        else:
            f = "L = sum_g P_g L_g (within) + sum_g P_g ln(mu/mu_g) (between), P_g group population shares"
        return [f"Decomposition (Shorrocks 1980): {f}", *super().notes()]

    def plot(self, ax: Any = None, **kwargs: Any) -> Any:
        """Stacked bars: between and within parts (by period when there are periods)."""
        ax = new_axes(ax)
        f = self.to_frame()
        if isinstance(self.total, pd.Series):
            x = np.arange(len(f))
            ax.bar(x, f["within"], label="within groups", color="#9ecae1", **kwargs)
            ax.bar(x, f["between"], bottom=f["within"], label="between groups", color="#3182bd", **kwargs)
            ax.set_xticks(x, [str(p) for p in f.index], rotation=90 if len(f) > 12 else 0)
        else:
            g = self.groups
            ax.bar(["between"], [self.between], color="#3182bd", label="between groups")
            bottom = 0.0
            for name, v in zip(g["group"], g["within_contribution"]):
                ax.bar(["within"], [v], bottom=bottom, label=f"within {name}")
                bottom += v
        ax.set_ylabel(self.title.split(" (")[0])
        ax.legend(frameon=False, fontsize="small", ncols=2)
        return ax


def _decompose(
    y: np.ndarray, w: np.ndarray, g: np.ndarray, index: str
) -> tuple[float, float, float, pd.DataFrame]:
    s = w / w.sum()
    mu = np.sum(s * y)
    rows = []
    for name in pd.unique(g):
        m = g == name
        sg = s[m].sum()
        yg = y[m]
        inc_share = np.sum(s[m] * yg) / mu
        if sg > 0:
            mug = np.sum(s[m] * yg) / sg
            own = _theil_t(yg, s[m] / sg) if index == "theil" else _mld(yg, s[m] / sg)
        else:  # a group with zero total weight has no people: no mean, contributes nothing
            mug, own = np.nan, 0.0
        weight = inc_share if index == "theil" else sg
        rows.append(
            {
                "group": name,
                "n": int(m.sum()),
                "population_share": sg,
                "income_share": inc_share,
                "mean": mug,
                "relative_mean": mug / mu,
                "index": own,
                "within_contribution": weight * own,
            }
        )
    groups = pd.DataFrame(rows)
    within = float(groups["within_contribution"].sum())
    if index == "theil":
        # a group whose values are all zero has income share 0 and adds 0 (limit Y ln Y -> 0)
        share, rel = groups["income_share"].to_numpy(), groups["relative_mean"].to_numpy()
        between = float(np.sum(np.where(share > 0, share * np.log(np.where(share > 0, rel, 1.0)), 0.0)))
        total = _theil_t(y, s)
    else:
        pop, rel = groups["population_share"].to_numpy(), groups["relative_mean"].to_numpy()
        between = float(np.sum(np.where(pop > 0, pop * np.log(1.0 / np.where(pop > 0, rel, 1.0)), 0.0)))
        total = _mld(y, s)
    # between is a Kullback-Leibler divergence, >= 0 exactly; clip rounding noise only
    if between < 0:
        if between < -1e-12 * max(total, 1.0):  # pragma: no cover - impossible in exact arithmetic
            raise ModelInputError(f"between-group part came out negative ({between}); please report")
        between = 0.0
    return between, within, total, groups


def theil_decomposition(
    values: Any,
    groups: Any,
    *,
    weights: Any = None,
    index: Literal["theil", "mld"] = "theil",
    missing: Missing = "raise",
) -> TheilDecomposition:
    """Split Theil's T (or the MLD) into between-group and within-group parts.

    Theil T: ``T = sum_g Y_g T_g + sum_g Y_g ln(mu_g / mu)``, ``Y_g`` the group's share of
    the total (income), ``T_g`` the Theil index inside group ``g``. MLD:
    ``L = sum_g P_g L_g + sum_g P_g ln(mu / mu_g)``, ``P_g`` population shares
    (Theil 1967; Shorrocks 1980, *Econometrica* 48(3):613-625). Both parts are
    non-negative and add up to the total exactly (up to floating point).

    ``values``: a Series (one cross-section) or a wide DataFrame units x periods (a
    decomposition per period; ``weights`` then a Series or a frame of the same shape).
    ``groups``: a Series or mapping unit -> group (e.g. ITL3 code -> ITL1 code), or a
    callable applied to each unit label (``lambda code: code[:3]``).

    The Gini has no such exact split (see the module docstring), so a Gini-based
    "between" share can rank regions-versus-nations inequality differently.

    >>> r = theil_decomposition(pd.Series([1.0, 1.0, 3.0, 3.0], index=list("abcd")),
    ...                         {"a": "x", "b": "x", "c": "y", "d": "y"})
    >>> round(r.within, 12), round(r.between + r.within - r.total, 12)
    (0.0, 0.0)
    """
    if index not in ("theil", "mld"):
        raise ModelInputError(f"index must be 'theil' or 'mld', got {index!r}")
    if isinstance(values, pd.DataFrame) and values.shape[1] > 1:
        per: dict[Any, TheilDecomposition] = {}
        dropped: list = []
        for col in values.columns:
            wcol = weights[col] if isinstance(weights, pd.DataFrame) else weights
            per[col] = theil_decomposition(values[col], groups, weights=wcol, index=index, missing=missing)
            dropped += [(col, u) for u in per[col].sample.dropped]
        gframes = [r.groups.assign(period=p) for p, r in per.items()]
        first = next(iter(per.values()))
        return TheilDecomposition(
            between=pd.Series({p: r.between for p, r in per.items()}, name="between"),
            within=pd.Series({p: r.within for p, r in per.items()}, name="within"),
            total=pd.Series({p: r.total for p, r in per.items()}, name="total"),
            index=index,
            weighted=weights is not None,
            groups=pd.concat(gframes, ignore_index=True)[["period", *first.groups.columns]],
            sample=Sample(units=tuple(values.index), periods=tuple(values.columns), dropped=tuple(dropped)),
        )
    zeros = "allow" if index == "theil" else "raise"
    y = as_series(values, "values")
    g = _group_labels(groups, y.index)
    frame = pd.DataFrame({"values": y, "group": g})
    if weights is not None:
        w = as_series(weights, "weights")
        frame["weights"] = w.reindex(y.index) if isinstance(weights, pd.Series) else w.to_numpy()
    missing_group = frame.index[frame["group"].isna()]
    if len(missing_group) and missing == "raise":
        raise ModelInputError(f"no group for {len(missing_group)} unit(s): {_labels(missing_group)}")
    d = _prepare(
        frame["values"], frame["weights"] if weights is not None else None, missing=missing, zeros=zeros
    )
    gl = frame.loc[d.index, "group"]
    keep = gl.notna().to_numpy()
    dropped = d.dropped + tuple(d.index[~keep])
    y_, w_ = d.y[keep], (d.w if d.w is not None else np.ones(len(d.y)))[keep]
    between, within, total, table = _decompose(y_, w_, gl.to_numpy()[keep], index)
    return TheilDecomposition(
        between=between,
        within=within,
        total=total,
        index=index,
        weighted=weights is not None,
        groups=table,
        sample=Sample(units=tuple(d.index[keep]), dropped=dropped),
    )


def _group_labels(groups: Any, index: pd.Index) -> pd.Series:
    if callable(groups) and not isinstance(groups, pd.Series | dict):
        return pd.Series([groups(u) for u in index], index=index, dtype=object)
    if isinstance(groups, dict):
        return pd.Series([groups.get(u) for u in index], index=index, dtype=object)
    if isinstance(groups, pd.Series):
        if (
            not set(index) <= set(groups.index)
            and len(groups) == len(index)
            and not groups.index.equals(index)
        ):
            if isinstance(groups.index, pd.RangeIndex):
                return pd.Series(groups.to_numpy(), index=index, dtype=object)
        return groups.reindex(index).astype(object)
    arr = np.asarray(groups, dtype=object).ravel()
    if len(arr) != len(index):
        raise ModelInputError(f"groups have length {len(arr)} but values have length {len(index)}")
    return pd.Series(arr, index=index, dtype=object)


# --------------------------------------------------------------------------- summary
_MEASURES = {
    "gini": gini,
    "theil": theil,
    "mld": mld,
    "cv": cv,
    "hoover": hoover,
    "williamson": williamson,
    "atkinson_0.5": lambda v, w=None, **k: atkinson(v, 0.5, w, **k),
    "atkinson_1": lambda v, w=None, **k: atkinson(v, 1.0, w, **k),
    "atkinson_2": lambda v, w=None, **k: atkinson(v, 2.0, w, **k),
    "ratio_80_20": lambda v, w=None, **k: ratio(v, w, kind="quantile", **k),
    "ratio_max_min": lambda v, w=None, **k: ratio(v, w, kind="max_min", **k),
}


def summary_table(
    panel: pd.DataFrame,
    *,
    measures: Sequence[str] | None = None,
    weights: pd.DataFrame | pd.Series | None = None,
    years: Iterable | None = None,
    missing: Missing = "drop",
) -> pd.DataFrame:
    """Every requested index for every period of a wide panel (units x periods), tidy.

    Returns columns ``period, measure, value, weighted, n, dropped, se, ci_low, ci_high``
    (``dropped`` the number of units left out for missing values in that period; the
    analytic 95% intervals of each index, NaN for Hoover and the ratios). ``measures`` from
    ``gini, theil, mld, cv, hoover, williamson, atkinson_0.5, atkinson_1, atkinson_2,
    ratio_80_20, ratio_max_min`` (all by default; ``williamson`` only with weights).
    ``weights``: a frame of the same shape (population by period) or one Series used
    for every period. Missing values are dropped by default here, per period.

    >>> p = pd.DataFrame({2020: [1.0, 2.0, 3.0], 2021: [1.0, 1.0, 1.0]}, index=list("abc"))
    >>> summary_table(p, measures=["gini"])["value"].round(6).tolist()
    [0.222222, 0.0]
    """
    if not isinstance(panel, pd.DataFrame):
        raise ModelInputError("panel must be a wide DataFrame: units in rows, periods in columns")
    chosen = (
        list(measures)
        if measures is not None
        else [m for m in _MEASURES if weights is not None or m != "williamson"]
    )
    unknown = [m for m in chosen if m not in _MEASURES]
    if unknown:
        raise ModelInputError(f"unknown measure(s) {unknown}; choose from {sorted(_MEASURES)}")
    cols = list(panel.columns) if years is None else [c for c in panel.columns if c in set(years)]
    rows = []
    for col in cols:
        w = weights[col] if isinstance(weights, pd.DataFrame) else weights
        for m in chosen:
            r = _MEASURES[m](panel[col], w, missing=missing)
            rows.append(
                {
                    "period": col,
                    "measure": m,
                    "value": r.value,
                    "weighted": r.weighted,
                    "n": r.n,
                    "dropped": len(r.sample.dropped),
                    "se": r.se,
                    "ci_low": r.ci_low,
                    "ci_high": r.ci_high,
                }
            )
    return pd.DataFrame(rows, columns=["period", "measure", "value", "weighted", "n", "dropped", "se", "ci_low",
                                       "ci_high"])
