"""Input checks shared by the models: one clear error naming the offending units."""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd

from levelup.errors import ModelInputError

Missing = Literal["raise", "drop"]


def as_series(values, name: str = "values") -> pd.Series:
    """Accept a Series, 1-d array, list or (n, 1) array/frame; return a float Series."""
    if isinstance(values, pd.DataFrame):
        if values.shape[1] != 1:
            raise ModelInputError(f"{name} must be one column, got a frame with {values.shape[1]} columns")
        values = values.iloc[:, 0]
    if isinstance(values, pd.Series):
        return values.astype(float)
    arr = np.asarray(values, dtype=float)
    if arr.ndim == 2 and arr.shape[1] == 1:
        arr = arr[:, 0]
    if arr.ndim != 1:
        raise ModelInputError(f"{name} must be one-dimensional (n,) or (n, 1); got shape {arr.shape}")
    return pd.Series(arr, name=name)


def _labels(idx) -> str:
    idx = list(idx)
    shown = ", ".join(map(str, idx[:20]))
    return shown + (f" and {len(idx) - 20} more" if len(idx) > 20 else "")


def handle_missing(
    frame: pd.DataFrame | pd.Series, *, missing: Missing = "raise", what: str = "values"
) -> tuple[pd.DataFrame | pd.Series, tuple]:
    """Raise naming the rows (units) with NaN, or drop them and return their labels."""
    if missing not in ("raise", "drop"):
        raise ModelInputError(f"missing must be 'raise' or 'drop', got {missing!r}")
    bad = frame.isna() if isinstance(frame, pd.Series) else frame.isna().any(axis=1)
    if not bad.any():
        return frame, ()
    labels = tuple(frame.index[bad.to_numpy()])
    if missing == "raise":
        raise ModelInputError(
            f"{what} have missing values for {len(labels)} unit(s): {_labels(labels)}; "
            "pass missing='drop' to drop them (they are listed in the result's `dropped`)"
        )
    return frame.loc[~bad.to_numpy()], labels


def require_positive(values: pd.Series | pd.DataFrame, what: str = "values") -> None:
    """Raise naming the units with zero or negative values (for logs and ratios)."""
    bad = values <= 0
    if isinstance(bad, pd.DataFrame):
        bad = bad.any(axis=1)
    if bad.any():
        raise ModelInputError(
            f"{what} must be positive; non-positive for: {_labels(values.index[bad.to_numpy()])}"
        )


def require_finite(values: pd.Series | pd.DataFrame, what: str = "values") -> None:
    """Raise naming the units with infinite values (``inf`` is not a missing value: it is refused
    whatever the missing-value policy)."""
    num = values.select_dtypes("number") if isinstance(values, pd.DataFrame) else values
    arr = np.asarray(num, dtype=float)
    bad = np.isinf(arr) if arr.ndim == 1 else np.isinf(arr).any(axis=1)
    if bad.any():
        raise ModelInputError(
            f"{what} are infinite (inf) for: {_labels(values.index[bad])}; replace them with finite "
            "numbers or NaN (and missing='drop')"
        )


def require_unique(index: pd.Index, what: str = "values") -> None:
    """Raise naming duplicated unit labels (each unit must appear once)."""
    if index.has_duplicates:
        raise ModelInputError(
            f"{what}: duplicated unit labels: {_labels(index[index.duplicated()].unique())}; each unit must "
            "appear once (aggregate or rename them)"
        )


def require_min_units(n: int, minimum: int = 3, what: str = "units") -> None:
    if n < minimum:
        raise ModelInputError(f"need at least {minimum} {what}, got {n}")


def align(*series: pd.Series, names: tuple[str, ...] = ()) -> list[pd.Series]:
    """Check that Series share the same index (same labels); raise naming the differences."""
    first = series[0]
    for i, s in enumerate(series[1:], start=1):
        if not first.index.equals(s.index):
            if set(first.index) == set(s.index):
                s = s.reindex(first.index)
                series = (*series[:i], s, *series[i + 1 :])
                continue
            a = names[0] if names else "first"
            b = names[i] if len(names) > i else f"argument {i + 1}"
            only_a = [x for x in first.index if x not in set(s.index)]
            only_b = [x for x in s.index if x not in set(first.index)]
            raise ModelInputError(
                f"{a} and {b} are not aligned: only in {a}: {_labels(only_a) or '-'}; "
                f"only in {b}: {_labels(only_b) or '-'}"
            )
    return list(series)
