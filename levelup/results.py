"""The shared shape of every model result.

A result is a frozen dataclass. ``to_frame()`` is the one tidy table that
``summary()`` and the HTML repr read from; ``plot()`` draws the result's
natural chart on a matplotlib ``Axes`` (created when not given) and returns it.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field, fields
from typing import Any

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class Sample:
    """Which units and periods a result used, and what was dropped and why."""

    units: tuple = ()
    periods: tuple = ()
    measure: str | None = None
    source: str | None = None
    dropped: tuple = ()

    def describe(self) -> str:
        """One line for summaries and reports."""
        parts = [f"{len(self.units)} units"]
        if self.periods:
            parts.append(f"periods {self.periods[0]}-{self.periods[-1]}")
        if self.measure:
            parts.append(f"measure {self.measure}")
        if self.source:
            parts.append(f"source {self.source}")
        if self.dropped:
            parts.append(f"dropped {len(self.dropped)}: {', '.join(map(str, self.dropped))}")
        return "; ".join(parts)


@dataclass(frozen=True)
class Result:
    """Base class: subclasses add fields and override ``to_frame`` and ``plot``."""

    #: Shown as the first line of ``summary()``.
    title = "Result"

    def to_frame(self) -> pd.DataFrame:
        """Scalar fields as a one-column table (override for richer results)."""
        rows = {}
        for f in fields(self):
            v = getattr(self, f.name)
            if f.repr and isinstance(v, (int, float, str, np.floating, np.integer, bool)):
                rows[f.name] = v
        return pd.DataFrame({"value": pd.Series(rows, dtype=object)})

    def notes(self) -> list[str]:
        """Lines stating estimator, covariance and sample (override to add)."""
        out = []
        s = getattr(self, "sample", None)
        if isinstance(s, Sample):
            out.append("Sample: " + s.describe())
        return out

    def summary(self) -> str:
        """Plain-text summary: title, the tidy table, then notes."""
        body = self.to_frame().to_string()
        lines = [self.title, "=" * len(self.title), body, *self.notes()]
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()

    def _repr_html_(self) -> str:
        notes = "".join(f"<li>{html.escape(n)}</li>" for n in self.notes())
        table = self.to_frame().to_html(float_format=lambda x: f"{x:.6g}")
        return f"<div><strong>{html.escape(self.title)}</strong>{table}<ul>{notes}</ul></div>"

    def plot(self, ax: Any = None, **kwargs: Any) -> Any:  # pragma: no cover - overridden
        raise NotImplementedError(f"{type(self).__name__} has no plot")


def new_axes(ax: Any = None, figsize: tuple[float, float] = (6.4, 4.0)) -> Any:
    """Return ``ax`` or a fresh Axes on a new figure with a fixed (constrained) layout."""
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    _, ax = plt.subplots(figsize=figsize, layout="constrained")
    return ax


@dataclass(frozen=True)
class TableResult(Result):
    """A result whose substance is one table (an answer :mod:`levelup.analysis` gives as a table:
    industry shares, statistical neighbours, pay): ``to_frame()`` is that table, with its ``attrs``;
    ``notes()`` says where it comes from."""

    table: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False, compare=False)

    def to_frame(self) -> pd.DataFrame:
        return self.table.copy()  # attrs come with it


__all__ = ["Result", "Sample", "TableResult", "new_axes", "field"]

