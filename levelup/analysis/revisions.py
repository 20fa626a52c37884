"""Revisions: how a place's GDP per head relative to the UK moved between ONS releases.

ONS revises regional GDP every April, back to 1998, as new sources and methods arrive; a number
that changes between two reports may be a revision, not a change in the economy. For each of the
April 2023, 2024 and 2025 releases in the mirror, the place's GDP per head at current prices as a
percentage of the UK's from the same release (``100 * x / x_UK``, the UK row each release publishes,
Extra-Regio included as in ONS's own index). Where a release does not publish the place it is left
out; combined authorities and custom places not published as such are sums over their members
(GDP over population) in releases that publish both totals.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from levelup.analysis._common import _memo, _resolve
from levelup.data import indicator, load
from levelup.errors import LevelupError, UnknownSourceError
from levelup.results import Result, new_axes

#: vintage -> what a reader calls the release
RELEASES = {"2023-04": "April 2023", "2024-04": "April 2024", "2025-04": "April 2025"}


@dataclass(frozen=True)
class Revisions(Result):
    """``table``: years (rows) x releases (columns, oldest first) of GDP per head, UK = 100;
    ``sources``: release -> source id read."""

    title = "Revisions"
    region: str = ""
    code: str = ""
    table: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)
    sources: dict = field(default_factory=dict)

    @property
    def releases(self) -> list[str]:
        return list(self.table.columns)

    def common_years(self) -> list[int]:
        """Years every release shown publishes."""
        return [int(y) for y in self.table.dropna().index]

    def revised_by(self) -> pd.DataFrame:
        """Per year with at least two releases: ``first, last`` (the oldest and newest release that
        publish it), ``change`` (newest minus oldest, index points)."""
        rows = {}
        for y, row in self.table.iterrows():
            have = row.dropna()
            if len(have) > 1:
                rows[int(y)] = {"first": have.index[0], "last": have.index[-1],
                                "change": float(have.iloc[-1] - have.iloc[0])}
        return pd.DataFrame.from_dict(rows, orient="index", columns=["first", "last", "change"])

    def largest_revision(self) -> tuple[int, float] | None:
        """(year, points): the largest change between the oldest and newest release publishing a year."""
        d = self.revised_by()
        if d.empty:
            return None
        y = int(d["change"].abs().idxmax())
        return y, float(d.loc[y, "change"])

    def to_frame(self) -> pd.DataFrame:
        """``year, release, index`` (tidy)."""
        t = self.table.rename_axis(index="year", columns="release").stack().rename("index").reset_index()
        return t

    def plot(self, ax: Any = None, **kwargs: Any) -> Any:  # noqa: D102
        ax = new_axes(ax)
        for rel, col in self.table.items():
            ax.plot(col.index, col.values, label=rel, **kwargs)
        ax.legend()
        return ax


def _els_uk() -> pd.Series:
    """The UK row of ONS's April 2025 GDP per head (Explore Local Statistics), Extra-Regio included."""
    df = load("els_gdp_per_head")
    s = df[(df["level"] == "uk") & (df["measure"] == "gdp_per_head")].set_index("year")["value"].astype(float)
    s.index = s.index.astype(int)
    return s.sort_index()


def _uk(vintage: str) -> pd.Series:
    if vintage == "2025-04":
        return _memo(("els_uk_gdp_per_head",), _els_uk)
    return _memo(("ind", "gdp_per_head", "uk", vintage), lambda: indicator("gdp_per_head", "uk", vintage=vintage)).iloc[0]


def _place(reg: Any, vintage: str) -> tuple[pd.Series, str] | None:
    """GDP per head of ``reg`` in one release (or None), and the source read."""
    from levelup.geo.aggregate import match_members

    def wide(measure: str, level: str) -> pd.DataFrame:
        return _memo(("ind", measure, level, vintage), lambda: indicator(measure, level, vintage=vintage))

    level = reg.level if reg.level in ("itl1", "itl2", "itl3", "lad", "cauth") else None
    if level is not None:
        try:
            w = wide("gdp_per_head", level)
        except LevelupError:
            w = None
        if w is not None and reg.code in w.index and w.attrs.get("vintage") == vintage:
            return w.loc[reg.code].astype(float), str(w.attrs.get("source", ""))
        if reg.level != "cauth":
            return None
    try:
        gdp, pop = wide("gdp", reg.member_level), wide("population", reg.member_level)
        if gdp.attrs.get("vintage") != vintage or pop.attrs.get("vintage") != vintage:
            return None
        codes, _ = match_members(list(reg.members), gdp.index)
    except LevelupError:
        return None
    g, p = gdp.loc[codes], pop.reindex(index=codes, columns=gdp.columns)
    s = (1e6 * g.sum() / p.sum()).where(g.notna().all() & p.notna().all())
    return s, str(gdp.attrs.get("source", ""))


def revisions(place: Any, *, level: str | None = None, releases: tuple[str, ...] = tuple(RELEASES)) -> Revisions:
    """GDP per head of ``place`` as a percentage of the UK's, by year, in each of ``releases``
    (vintages, oldest first; module docstring). Raises UnknownSourceError when fewer than two
    releases publish the place (nothing to compare)."""
    reg = _resolve(place, level)
    cols, sources = {}, {}
    for v in releases:
        got = _place(reg, v)
        if got is None:
            continue
        s, src = got
        try:
            uk = _uk(v)
        except LevelupError:
            continue
        rel = (100 * s / uk.reindex(s.index)).dropna()
        if not rel.empty:
            cols[RELEASES.get(v, v)], sources[RELEASES.get(v, v)] = rel, src
    if len(cols) < 2:
        raise UnknownSourceError(f"fewer than two of the releases in the mirror publish GDP per head for {reg.name}, "
                                 "so there are no revisions to show")
    table = pd.DataFrame(cols).sort_index()
    table.index = table.index.astype(int)
    return Revisions(region=reg.name, code=reg.code, table=table.replace([np.inf, -np.inf], np.nan),
                     sources=sources)
