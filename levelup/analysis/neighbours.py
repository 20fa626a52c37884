"""Statistical neighbours: the places of the same kind most alike on several indicators.

Method (say it this way in a report): nearest neighbours by Euclidean distance on rank-standardised
indicators. Each indicator is replaced by the unit's rank among all units of its kind, scaled from
0 (lowest) to 1 (highest), and ``d(p, j) = sqrt(sum_k (u_pk - u_jk)^2)``
(:func:`levelup.geo.peers`, ``standardise="rank"``). Ranks make the distance robust: the City of
London's GDP per head is the top rank, not a value that stretches the scale for everyone else, and
logs or any other monotone transform give the same neighbours. Indicators count equally.

The indicators (:data:`INDICATORS`), each in its latest year (within ``year`` when given), at every
level where ONS publishes it for (nearly) every unit: GDP per head, productivity (GVA per hour
worked; the smoothed series for councils, the only one ONS publishes for them), employment rate,
median weekly pay, deprivation as children in relative low income after housing costs (DWP; the one
measure of deprivation published on one basis for the whole UK, as the four nations' indices rank
within each nation), population, and the industry mix as manufacturing's share of GVA. ITL2 and ITL3
units have no survey-based rates or pay, so their neighbours use GDHI per head (income) instead.
This is not CIPFA's Nearest Neighbours Model (CIPFA uses its own indicators and weights).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from levelup.analysis._common import _memo, _resolve
from levelup.data import indicator
from levelup.errors import LevelupError, ModelInputError
from levelup.results import TableResult, new_axes

#: indicator -> (label in a report, unit, measure per level kind)
INDICATORS: dict[str, tuple[str, str]] = {
    "gdp_per_head": ("GDP per head", "GBP"),
    "gva_per_hour": ("GVA per hour worked", "GBP"),
    "employment_rate": ("Employment rate", "% aged 16-64"),
    "median_weekly_pay": ("Median weekly pay", "GBP"),
    "gdhi_per_head": ("Household income (GDHI) per head", "GBP"),
    "child_poverty_ahc": ("Children in low-income families", "% after housing costs"),
    "population": ("Population", "persons"),
    "manufacturing_share": ("Manufacturing share of GVA", "%"),
}
#: Which indicators each level uses (ITL2/ITL3: no survey rates or pay are published).
BY_LEVEL = {
    "lad": ("gdp_per_head", "gva_per_hour", "employment_rate", "median_weekly_pay", "child_poverty_ahc",
            "population", "manufacturing_share"),
    "cauth": ("gdp_per_head", "gva_per_hour", "employment_rate", "median_weekly_pay", "child_poverty_ahc",
              "population", "manufacturing_share"),
    "itl1": ("gdp_per_head", "gva_per_hour", "employment_rate", "median_weekly_pay", "child_poverty_ahc",
             "population", "manufacturing_share"),
    "itl2": ("gdp_per_head", "gva_per_hour", "gdhi_per_head", "population", "manufacturing_share"),
    "itl3": ("gdp_per_head", "gva_per_hour", "gdhi_per_head", "population", "manufacturing_share"),
}
METHOD = ("nearest neighbours by Euclidean distance on rank-standardised indicators (each indicator "
          "replaced by the area's rank, scaled 0-1, so no single extreme area stretches the scale), "
          "all indicators weighted equally")


def _latest(wide: pd.DataFrame, year: int | None) -> tuple[pd.Series, int]:
    cols = [c for c in wide.columns if year is None or int(c) <= int(year)]
    full = [c for c in cols if wide[c].notna().sum() >= 0.8 * len(wide)]
    if not full:
        raise ModelInputError("no year with values for most units")
    y = int(max(full))
    return wide[y], y


def _measure(name: str, level: str) -> pd.DataFrame:
    """Units x years of one neighbour indicator at ``level`` (newest release)."""
    if name == "manufacturing_share":
        from levelup.analysis.structure import _gva_sections

        sections, totals, _, _ = _gva_sections("lad" if level == "cauth" else level)
        manu = sections.xs("C", level="section")
        if level == "cauth":
            return _cauth_sum(manu, totals)
        return 100 * manu / totals.reindex(manu.index)
    if level == "cauth":  # ONS's published rows (the headline's numbers), else sums over the councils
        from levelup.geo.aggregate import aggregate_level

        parts = []
        for fn in (lambda: indicator(name, "cauth"), lambda: aggregate_level(name, "cauth")):
            try:
                parts.append(fn())
            except LevelupError:
                continue
        if not parts:
            raise ModelInputError(f"no {name} for combined authorities")
        return parts[0] if len(parts) == 1 else parts[0].combine_first(parts[1])
    if level == "lad" and name == "gva_per_hour":
        return indicator("gva_per_hour_smoothed", "lad")
    return indicator(name, level)


def _cauth_sum(manu: pd.DataFrame, totals: pd.DataFrame) -> pd.DataFrame:
    """Manufacturing share of combined authorities: their councils' manufacturing GVA over their total GVA."""
    from levelup.geo.aggregate import match_members
    from levelup.geo.resolve import regions, resolve

    rows = {}
    for code in regions("cauth")["code"]:
        reg = resolve(code, level="cauth")
        try:
            codes, _ = match_members(list(reg.members), totals.index)
        except LevelupError:
            continue
        m, t = manu.reindex(codes), totals.loc[codes]
        rows[code] = (100 * m.sum() / t.sum()).where(m.notna().all() & t.notna().all())
    return pd.DataFrame(rows).T


def neighbour_indicators(level: str, year: int | None = None) -> pd.DataFrame:
    """Units of ``level`` (rows) x the level's indicators (:data:`BY_LEVEL`), each in its latest year
    up to ``year``; ``attrs["years"]`` says which. Kept in the store: one table per level."""

    def build() -> pd.DataFrame:
        cols, years, sources = {}, {}, []
        for name in BY_LEVEL[level]:
            try:
                wide = _measure(name, level)
                s, y = _latest(wide, year)
            except LevelupError:
                continue
            cols[name], years[name] = s.astype(float), y
            src = wide.attrs.get("source") or ("lad_gva_industry" if name == "manufacturing_share" and level in
                                               ("lad", "cauth") else "gva_industry" if name == "manufacturing_share"
                                               else "lad_gdp" if level == "cauth" else None)
            if src and src not in sources:
                sources.append(src)
        out = pd.DataFrame(cols)
        out.attrs = {"years": years, "level": level, "sources": tuple(sources)}
        return out

    return _memo(("neighbour_indicators", level, year), build)


@dataclass(frozen=True)
class Neighbours(TableResult):
    """A place and its statistical neighbours (:func:`statistical_neighbours`); ``to_frame()`` one
    row for the place, then one per neighbour, nearest first."""

    title = "Statistical neighbours"
    region: Any = None

    def plot(self, ax: Any = None, **kwargs: Any) -> Any:
        """Dots: each indicator's rank among the level's units (0 lowest, 1 highest), the place in
        colour and its neighbours in grey."""
        t = self.table
        on = list(t.attrs.get("on", ()))
        ax = new_axes(ax, figsize=(6.4, 0.35 * len(on) + 1.2))
        pos = np.arange(len(on))
        for _, row in t.iterrows():
            place = row["role"] == "place"
            ax.scatter([row[f"u_{m}"] for m in on], pos, s=40 if place else 14, zorder=3 if place else 2,
                       color=None if place else "#999999", label=row["name"] if place else None, **kwargs)
        ax.set_yticks(pos, on)
        ax.set_xlabel("rank among the level's units (0 lowest, 1 highest)")
        ax.legend(frameon=False)
        return ax

    def notes(self) -> list[str]:
        a = self.table.attrs
        out = [f"Method: {a.get('method', '')}"]
        if a.get("not_used"):
            out.append(f"Not used (not published for the place): {', '.join(a['not_used'])}.")
        if a.get("dropped"):
            out.append(f"Left out (an indicator missing): {len(a['dropped'])} units.")
        return [*out, *a.get("notes", []), *super().notes()]


def peer_table(place: Any, n: int = 5, *, on: tuple[str, ...] | None = None, year: int | None = None,
               level: str | None = None, standardise: str = "rank") -> pd.DataFrame:
    """Deprecated: ``statistical_neighbours(...).to_frame()`` (removed in 0.3)."""
    warnings.warn("levelup.analysis.peer_table is deprecated and will be removed in 0.3: use "
                  "statistical_neighbours(...), a result whose to_frame() is this table", DeprecationWarning,
                  stacklevel=2)
    return statistical_neighbours(place, n, on=on, year=year, level=level, standardise=standardise).to_frame()


def statistical_neighbours(place: Any, n: int = 5, *, on: tuple[str, ...] | None = None, year: int | None = None,
                           level: str | None = None, standardise: str = "rank") -> Neighbours:
    """A place and its ``n`` statistical neighbours, with the indicators compared and the distance.

    Neighbours from :func:`levelup.geo.peers` on :func:`neighbour_indicators` (``on``: a subset of
    the level's indicators; default all), rank-standardised (module docstring; ``standardise="z"``
    or ``"robust"`` for the alternatives). Units missing any indicator are left out and listed in
    ``attrs["dropped"]``; an indicator the place itself lacks is not used (``attrs["not_used"]``).
    Combined authorities are compared with combined authorities (ONS's published rows where there are
    some, else sums over their councils).

    Custom places have no peers (they are compared with the UK, not ranked among other places):
    ``ModelInputError``. Returns a :class:`Neighbours` whose ``to_frame()`` has one row for the
    place (``rank`` 0, ``role`` "place") then one per neighbour, nearest first: ``rank, role, code,
    name, distance``, one column per indicator and its rank ``u_<indicator>`` (0-1);
    ``attrs["years"]`` the year of each.

    >>> statistical_neighbours("Barking and Dagenham", n=3).to_frame()[["rank", "name", "distance"]]   # doctest: +SKIP
    """
    from levelup.geo import peers

    reg = _resolve(place, level)
    if reg.level not in BY_LEVEL:
        raise ModelInputError(
            f"{reg.name} is a {reg.level}: custom places are compared with the UK and their parent regions, "
            "not with statistical neighbours"
        )
    table = neighbour_indicators(reg.level, year)
    if on is not None:
        table = table[[c for c in on if c in table.columns]]
    own = table.loc[reg.code] if reg.code in table.index else pd.Series(np.nan, index=table.columns)
    not_used = tuple(c for c in table.columns if pd.isna(own.get(c)))
    values = table.drop(columns=list(not_used))
    if values.shape[1] == 0:
        raise ModelInputError(f"none of the neighbour indicators is published for {reg.name}")
    res = peers(reg, n=n, on=values, standardise=standardise)
    t = res.table[["rank", "code", "name", "distance"]].copy()
    me = pd.DataFrame({"rank": [0], "code": [reg.code], "name": [reg.name], "distance": [0.0]})
    t = pd.concat([me, t], ignore_index=True)
    t.insert(1, "role", ["place"] + ["peer"] * (len(t) - 1))
    for m in values.columns:
        t[m] = values[m].reindex(t["code"]).to_numpy(dtype=float)
        t[f"u_{m}"] = ((values[m].rank(method="average") - 1) / (values[m].notna().sum() - 1)).reindex(
            t["code"]).to_numpy(dtype=float)
    years = {k: v for k, v in table.attrs.get("years", {}).items() if k in values.columns}
    t["year"] = max(years.values()) if years else year
    t.attrs = {"kind": res.kind, "on": tuple(values.columns), "years": years, "year": max(years.values()),
               "n_candidates": res.n_candidates, "dropped": res.dropped, "not_used": not_used,
               "notes": res.notes(), "method": METHOD, "standardise": standardise}
    return Neighbours(table=t, region=reg)
