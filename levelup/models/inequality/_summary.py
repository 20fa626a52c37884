"""A table of every inequality index at once."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import pandas as pd

from levelup.errors import ModelInputError
from levelup.models._checks import Missing
from levelup.models.inequality._indices import (
    atkinson,
    cv,
    gini,
    hoover,
    mld,
    ratio,
    theil,
    williamson,
)

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
