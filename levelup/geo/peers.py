"""Statistical neighbours: the places most similar to a place, among places of the same kind.

Distance: Euclidean on standardised indicators (Everitt, Landau, Leese and Stahl, *Cluster
Analysis*, 5th ed., 2011, sec. 3.3). For candidates j of the same kind (all ITL3 units, all local
authorities, all combined authorities of one lookup, all custom places with the same member level)
and indicators k, each indicator is put on a common scale ``u_jk`` and

    d(p, j) = sqrt( sum_k (u_pk - u_jk)^2 )

``standardise``:

* ``"z"`` (default here, for compatibility): ``u = (x - mean) / sd`` (ddof 0, across the kind);
  one extreme unit (the City of London's GDP per head) inflates the sd and flattens everyone else;
* ``"rank"``: ``u = (rank - 1) / (n - 1)``, the unit's position from 0 (lowest) to 1 (highest),
  average ranks for ties; an outlier is only the top rank, so it cannot swamp the scale, and any
  monotone transform (logs) gives the same answer;
* ``"robust"``: ``u = (x - median) / (1.4826 MAD)``, the robust z-score (Huber and Ronchetti,
  *Robust Statistics*, 2009, sec. 5.1).

Values are used as given (pass a DataFrame of, say, log population to transform). Candidates with a
missing value in the year used are dropped and listed in ``dropped``; ties are broken by code, so
the order is deterministic. (CIPFA's Nearest Neighbours Model also ranks by a Euclidean distance, but
on its own indicators and weights: neighbours from this function are not CIPFA's.)

User-defined groups (``[group.X]`` tables in a places file, e.g. a network of councils) are read by
``levelup.geo.places.groups``; ``peers(..., group="X")`` ranks that group's members instead of the
whole kind (members of another kind are listed in ``other_kind``; a member name shared by several
levels, such as "Glasgow City" (ITL3 and council), is taken at the place's own level).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from levelup.errors import ModelInputError, UnknownRegionError, close_matches
from levelup.results import Result, new_axes


@dataclass(frozen=True)
class Peers(Result):
    """The nearest places to ``place`` on ``on``; ``table`` has one row per peer, nearest first."""

    title = "Statistical neighbours"

    place: str
    name: str
    kind: str
    on: tuple[str, ...]
    year: int | None
    n_candidates: int
    table: pd.DataFrame = field(repr=False)
    dropped: tuple[str, ...] = ()
    group: str | None = None
    other_kind: tuple[str, ...] = ()
    standardise: str = "z"

    @property
    def codes(self) -> list[str]:
        """Peer codes, nearest first."""
        return list(self.table["code"])

    def to_frame(self) -> pd.DataFrame:
        return self.table.copy()

    def notes(self) -> list[str]:
        out = [
            f"{self.name} ({self.place}) among {self.n_candidates} {self.kind} units"
            + (f" of group {self.group!r}" if self.group else ""),
            f"Distance: standardised Euclidean, sqrt(sum_k (u_pk - u_jk)^2), indicators standardised by {_SCALES[self.standardise]} "
            f"across the kind on {', '.join(self.on)}" + (f" in {self.year}" if self.year is not None else ""),
        ]
        if self.dropped:
            out.append(f"Dropped (missing values): {', '.join(self.dropped)}")
        if self.other_kind:
            out.append(f"Group members of another kind (not ranked): {', '.join(self.other_kind)}")
        return out

    def plot(self, ax: Any = None, **kwargs: Any) -> Any:
        ax = new_axes(ax)
        t = self.table.iloc[::-1]
        ax.barh(t["name"], t["distance"], **kwargs)
        ax.set_xlabel("standardised distance")
        ax.set_title(f"Nearest neighbours of {self.name}")
        return ax


_SCALES = {"z": "z-scores (ddof 0)", "rank": "ranks scaled to 0-1", "robust": "median and 1.4826 MAD"}


def standardised(values: pd.DataFrame, how: str = "z") -> pd.DataFrame:
    """Each column of ``values`` on a common scale: ``"z"``, ``"rank"`` or ``"robust"`` (module docstring).

    >>> standardised(pd.DataFrame({"x": [1.0, 2.0, 1000.0]}), "rank")["x"].tolist()
    [0.0, 0.5, 1.0]
    """
    if how not in _SCALES:
        raise ModelInputError(f"standardise must be one of {sorted(_SCALES)}, not {how!r}")
    if how == "rank":
        return (values.rank(method="average") - 1) / (len(values) - 1)
    if how == "robust":
        med = values.median()
        mad = 1.4826 * (values - med).abs().median()
        flat = list(mad.index[mad.to_numpy() == 0])
        if flat:
            raise ModelInputError(f"indicator(s) {flat} have a median absolute deviation of 0 across the units")
        return (values - med) / mad
    return (values - values.mean(axis=0)) / values.std(axis=0, ddof=0)


def _candidates(kind: str, member_level: str, vintage, places_files) -> pd.DataFrame:
    from levelup.geo.resolve import regions

    t = regions(kind, vintage=vintage, places_files=places_files)
    if kind == "place":
        t = t[t["member_level"] == member_level]
    return t[["code", "name"]]


def peers(
    place,
    n: int = 10,
    on: Sequence[str] | pd.DataFrame = ("gdp_per_head", "population"),
    year: int | None = None,
    *,
    group: str | None = None,
    vintage=None,
    places_files=None,
    standardise: str = "z",
) -> Peers:
    """The ``n`` places of the same kind nearest to ``place`` on the indicators ``on``.

    ``standardise``: ``"z"``, ``"rank"`` or ``"robust"`` (module docstring).
    ``on``: measure names (their values in ``year``; default the latest year in which ``place``
    has every indicator) or a DataFrame indexed by code with one column per indicator (used as
    given, e.g. synthetic or transformed indicators). Kinds: ``itl1``/``itl2``/``itl3``/``lad``
    (levelup.data.indicator), ``cauth`` and ``place`` (levelup.geo.aggregate: sums and ratios of
    sums over members). See the module docstring for the distance.

    >>> peers("E08000012", n=5).codes        # Liverpool's five nearest local authorities  # doctest: +SKIP
    """
    from levelup.geo.places import groups
    from levelup.geo.resolve import Region, resolve

    if standardise not in _SCALES:
        raise ModelInputError(f"standardise must be one of {sorted(_SCALES)}, not {standardise!r}")
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ModelInputError(f"n must be a positive integer, not {n!r}")
    reg = place if isinstance(place, Region) else resolve(place, vintage=vintage, places_files=places_files)
    kind = reg.level
    if kind == "uk":
        raise ModelInputError("the UK has no peers among places of its kind")
    cands = _candidates(kind, reg.member_level, vintage, places_files)
    names = dict(zip(cands["code"], cands["name"]))
    other: tuple[str, ...] = ()
    if group is not None:
        gs = groups(places_files)
        if group not in gs:
            raise UnknownRegionError(
                f"no peer group {group!r}; known: {sorted(gs)}", suggestions=close_matches(group, gs)
            )
        members = []
        for m in gs[group].members:  # a name shared by several levels: take the one of this kind
            r = resolve(m, vintage=vintage, places_files=places_files)
            same = [a for a in r.alternatives if a.level == kind]
            members.append(same[0] if r.level != kind and same else r)
        keep = [m.code for m in members if m.level == kind]
        other = tuple(str(m) for m in members if m.level != kind)
    codes = list(cands["code"])
    if isinstance(on, pd.DataFrame):
        values, labels = on.astype(float), tuple(map(str, on.columns))
        missing_rows = [c for c in codes if c not in values.index]
        values = values.reindex(codes)
        if len(missing_rows) == len(codes):
            raise ModelInputError(f"the indicator table has no rows for the {kind} codes")
        used_year = year
    else:
        labels = (on,) if isinstance(on, str) else tuple(on)
        per = {}
        from levelup.geo.aggregate import aggregate_level

        for m in labels:
            if kind in ("cauth", "place"):
                w = aggregate_level(m, kind, vintage=vintage, places_files=places_files)
            else:
                from levelup.data import indicator

                w = indicator(m, kind)
            per[m] = w.reindex(codes)
        if year is None:
            ok = [
                y
                for y in per[labels[0]].columns
                if all(y in per[m].columns and pd.notna(per[m].at[reg.code, y]) for m in labels)
            ]
            if not ok:
                raise ModelInputError(f"{reg} has no year with all of {list(labels)}")
            year = max(ok)
        for m in labels:
            if year not in per[m].columns:
                raise ModelInputError(f"{m} has no year {year} at level {kind}")
        values = pd.DataFrame({m: per[m][year] for m in labels})
        used_year = int(year)
    if reg.code not in values.index or values.loc[reg.code].isna().any():
        raise ModelInputError(
            f"{reg} has missing values for {list(labels)}" + (f" in {used_year}" if used_year else "")
        )
    bad = values.index[values.isna().any(axis=1)]
    dropped = tuple(sorted(bad))
    values = values.drop(index=bad)
    sd = values.std(axis=0, ddof=0)
    flat = list(sd.index[sd.to_numpy() == 0])
    if flat:
        raise ModelInputError(f"indicator(s) {flat} do not vary across the {len(values)} {kind} units")
    z = standardised(values, standardise)
    dist = np.sqrt(((z - z.loc[reg.code]) ** 2).sum(axis=1))
    table = pd.DataFrame(
        {"code": dist.index, "name": [names.get(c, c) for c in dist.index], "distance": dist.to_numpy()}
    )
    for m in z.columns:
        table[f"z_{m}"] = z[m].to_numpy()
    table = table[table["code"] != reg.code].sort_values(["distance", "code"], kind="mergesort")
    if group is not None:
        table = table[table["code"].isin(keep)]
    else:
        table = table.head(int(n))
    table = table.reset_index(drop=True)
    table.insert(0, "rank", np.arange(1, len(table) + 1))
    return Peers(
        place=reg.code,
        name=reg.name,
        kind=kind,
        on=labels,
        year=used_year,
        n_candidates=len(values),
        table=table,
        dropped=dropped,
        group=group,
        other_kind=other,
        standardise=standardise,
    )
