"""Input checks, the InequalityIndex result and its confidence intervals, shared by the inequality indices."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from levelup.errors import ModelInputError
from levelup.models import _intervals as _iv
from levelup.models._checks import Missing, _labels, as_series, handle_missing
from levelup.models._intervals import CI
from levelup.results import Result, Sample


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
