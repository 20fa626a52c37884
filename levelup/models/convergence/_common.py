"""Shared helpers of the convergence models: input shaping, speed and half-life, plotting."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd

from levelup.errors import ModelInputError, ParameterError
from levelup.models._checks import (
    Missing,
    align,
    as_series,
    handle_missing,
    require_finite,
    require_min_units,
    require_positive,
    require_unique,
)
from levelup.results import Sample, new_axes

Cov = Literal["nonrobust", "HC0", "HC1", "HC2", "HC3", "cluster"]
_COVS = ("nonrobust", "HC0", "HC1", "HC2", "HC3", "cluster")
_LN2 = math.log(2.0)

# ------------------------------------------------------------------ helpers
def _choice(name: str, value: Any, allowed: Sequence[Any]) -> None:
    if value not in allowed:
        raise ParameterError(f"{name} must be one of {', '.join(map(repr, allowed))}; got {value!r}")


def speed_half_life(b: float, years: float) -> tuple[float, float]:
    """Implied speed ``-ln(1 + T*b)/T`` and half-life ``ln 2 / speed`` (Barro and Sala-i-Martin 1992).

    ``b >= 0`` (no convergence): speed <= 0 and half-life ``inf``. ``1 + T*b <= 0``
    (more than complete catch-up within the period): both ``nan``.
    """
    x = 1.0 + years * b
    if not np.isfinite(b) or x <= 0:
        return float("nan"), float("nan")
    speed = -math.log(x) / years
    return speed, (_LN2 / speed if speed > 0 else float("inf"))


def _speed_note(b: float, years: float) -> str | None:
    if not np.isfinite(b):
        return None
    if 1 + years * b <= 0:
        return f"1 + T*beta = {1 + years * b:.4g} <= 0: the implied speed and half-life are undefined (nan)"
    if b >= 0:
        return "beta >= 0: no beta convergence; speed <= 0 and the half-life is infinite"
    return None


def _period_label(s: Any) -> Any:
    return getattr(s, "name", None)


_UNIT_COLS = ("geo_code", "unit", "region", "code", "id")
_TIME_COLS = ("year", "period", "time", "date")


def _wide(panel: Any, *, missing: Missing = "raise", what: str = "panel", min_units: int = 3,
          min_periods: int = 2, numeric: bool = True) -> tuple[pd.DataFrame, tuple]:
    """Wide float frame (units x periods) from wide or long input; apply the missing policy.

    ``numeric=False`` keeps the values as given (labels of discrete states)."""
    if isinstance(panel, pd.Series):
        if not (isinstance(panel.index, pd.MultiIndex) and panel.index.nlevels == 2):
            raise ModelInputError(
                f"{what}: a Series panel needs a two-level (unit, period) MultiIndex; got a plain index"
            )
        dup = panel.index[panel.index.duplicated()]
        if len(dup):
            raise ModelInputError(f"{what}: duplicated (unit, period) pairs: {list(dup[:10])}")
        wide = panel.unstack().sort_index(axis=1)
    elif isinstance(panel, pd.DataFrame):
        cols = {str(c).lower(): c for c in panel.columns}
        ucol = next((cols[c] for c in _UNIT_COLS if c in cols), None)
        tcol = next((cols[c] for c in _TIME_COLS if c in cols), None)
        if "value" in cols and ucol is not None and tcol is not None:
            long = panel[[ucol, tcol, cols["value"]]]
            dup = long.duplicated([ucol, tcol])
            if dup.any():
                bad = sorted(set(long.loc[dup, ucol].astype(str)))
                raise ModelInputError(
                    f"{what}: long input has several rows for the same unit and period for: {', '.join(bad[:20])}"
                )
            wide = long.pivot(index=ucol, columns=tcol, values=cols["value"]).sort_index(axis=1)
            wide.columns.name = None
        else:
            wide = panel
    else:
        raise ModelInputError(
            f"{what} must be a wide DataFrame (units x periods), a long DataFrame with unit, period and "
            f"'value' columns, or a Series with a (unit, period) MultiIndex; got {type(panel).__name__}"
        )
    nonnum = [c for c, dt in wide.dtypes.items() if not pd.api.types.is_numeric_dtype(dt)]
    if nonnum and numeric:
        raise ModelInputError(f"{what}: non-numeric columns {nonnum[:10]}; put unit labels in the index")
    if wide.index.has_duplicates:
        dups = sorted(set(map(str, wide.index[wide.index.duplicated()])))
        raise ModelInputError(f"{what}: duplicated unit labels: {', '.join(dups[:20])}")
    if wide.columns.has_duplicates:
        raise ModelInputError(f"{what}: duplicated period labels: {list(wide.columns[wide.columns.duplicated()])}")
    if numeric and not (wide.dtypes == np.float64).all():
        wide = wide.astype(float)
    dropped: tuple = ()
    if wide.isna().to_numpy().any():
        wide, dropped = handle_missing(wide, missing=missing, what=what)
    elif missing not in ("raise", "drop"):
        raise ModelInputError(f"missing must be 'raise' or 'drop', got {missing!r}")
    if numeric:
        require_finite(wide, what)
    require_min_units(wide.shape[0], min_units, f"units in {what}")
    if wide.shape[1] < min_periods:
        raise ModelInputError(f"{what} needs at least {min_periods} periods, got {wide.shape[1]}")
    return wide, dropped


def _sample(units, periods, dropped=()) -> Sample:
    return Sample(units=tuple(units), periods=tuple(periods), dropped=tuple(dropped))


def _label_points(ax, x, y, labels, label) -> None:
    if label is None or label is False:
        return
    if label is True or label == "all":
        chosen = set(labels)
    else:
        chosen = set(label)
    for xi, yi, lab in zip(x, y, labels):
        if lab in chosen:
            ax.annotate(str(lab), (xi, yi), fontsize=7, xytext=(2, 2), textcoords="offset points")


def _convergence_scatter(ax, d: pd.DataFrame, years: float, curve, legend: str, label: Any, **kwargs: Any) -> Any:
    """Growth against initial log level with a fitted curve ``curve(xs)`` and optional point labels."""
    ax = new_axes(ax)
    ax.scatter(d["ln_initial"], d["growth"], s=18, **kwargs)
    xs = np.linspace(d["ln_initial"].min(), d["ln_initial"].max(), 50)
    ax.plot(xs, curve(xs), color="black", lw=1, label=legend)
    if label == "auto":
        label = "all" if len(d) <= 40 else None
    _label_points(ax, d["ln_initial"], d["growth"], list(d.index), label)
    ax.set_xlabel("log initial level")
    ax.set_ylabel(f"annual log growth over {years:g} years")
    ax.legend(loc="best", fontsize=8)
    return ax


def _fit_ols(y: pd.Series, X: pd.DataFrame, cov: str, groups, weights):
    from statsmodels.regression import linear_model as sm

    model = sm.WLS(y, X, weights=weights) if weights is not None else sm.OLS(y, X)
    if cov == "cluster":
        return model.fit(cov_type="cluster", cov_kwds={"groups": np.asarray(groups)})
    return model.fit(cov_type=cov)


def _cross_section(initial, final, controls, weights, groups, cov, missing):
    _choice("cov", cov, _COVS)
    if cov == "cluster" and groups is None:
        raise ParameterError("cov='cluster' needs groups= (one cluster label per unit)")
    y0 = as_series(initial, "initial")
    yT = as_series(final, "final")
    require_unique(y0.index, "initial")
    require_unique(yT.index, "final")
    y0, yT = align(y0, yT, names=("initial", "final"))
    frame = pd.DataFrame({"initial": y0.to_numpy(), "final": yT.to_numpy()}, index=y0.index)
    ctrl_names: list[str] = []
    extra = []
    if controls is not None:
        c = controls.to_frame() if isinstance(controls, pd.Series) else pd.DataFrame(controls)
        if not isinstance(controls, pd.Series | pd.DataFrame):
            c.index = frame.index
        require_unique(c.index, "controls")
        (c_al,) = [c] if c.index.equals(frame.index) else [_reindex_named(c, frame.index, "controls")]
        ctrl_names = [str(n) for n in c_al.columns]
        c_al.columns = ctrl_names
        if set(ctrl_names) & {"const", "ln_initial"}:
            raise ParameterError("control names 'const' and 'ln_initial' are reserved")
        extra.append(c_al.astype(float))
    for name, v in (("weights", weights), ("groups", groups)):
        if v is None:
            continue
        s = v if isinstance(v, pd.Series) else pd.Series(np.asarray(v), index=frame.index)
        require_unique(s.index, name)
        s = s if s.index.equals(frame.index) else _reindex_named(s.to_frame(), frame.index, name).iloc[:, 0]
        extra.append(s.rename(f"__{name}"))
    if extra:
        frame = pd.concat([frame, *extra], axis=1)
    frame, dropped = handle_missing(frame, missing=missing, what="initial, final, controls and weights")
    require_finite(frame.drop(columns="__groups", errors="ignore"), "initial, final, controls and weights")
    require_positive(frame[["initial", "final"]], "initial and final values (logs are taken)")
    if weights is not None:
        require_positive(frame["__weights"], "weights")
    require_min_units(len(frame), 3, "units")
    ln0 = np.log(frame["initial"].to_numpy())
    if np.ptp(ln0) <= 1e-12 * max(1.0, np.abs(ln0).max()):
        raise ModelInputError(
            f"initial values are the same for every unit ({frame['initial'].iloc[0]:g}): beta (the slope on "
            "ln y_0) is not identified"
        )
    g = np.log(frame["final"].to_numpy()) - ln0
    if np.ptp(g) <= 1e-12 * max(1.0, np.abs(g).max()):
        raise ModelInputError(
            "growth is the same for every unit (final proportional to initial): the regression fits exactly, "
            "so beta is 0 with no standard error; there is no convergence question to answer"
        )
    return frame, ctrl_names, dropped


def _reindex_named(c: pd.DataFrame, index: pd.Index, name: str) -> pd.DataFrame:
    missing_units = [u for u in index if u not in set(c.index)]
    if missing_units:
        shown = ", ".join(map(str, missing_units[:20]))
        raise ModelInputError(f"{name} is not aligned with initial/final: no rows for {shown}")
    return c.loc[index]


def _coef_table(res, names: Sequence[str] | None = None) -> pd.DataFrame:
    out = pd.DataFrame(
        {"estimate": res.params, "se": res.bse, "tvalue": res.tvalues, "pvalue": res.pvalues}
    )
    if names is not None:
        out.index = list(names)
    return out
