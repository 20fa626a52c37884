"""The councils a place is made of, and the published areas that are the same area as a place.

A combined authority or custom place is shown with its member councils by name, each with the
headline measures of :mod:`levelup.analysis.headline`; where ONS publishes a unit made of exactly
the same councils (Liverpool City Region = ITL2 Merseyside, TLD7), that unit's published numbers
stand in for the place's own (:func:`same_area`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from levelup.analysis._common import _memo, _resolve
from levelup.geo.resolve import Region
from levelup.results import Result, new_axes


def _units_by_councils() -> dict[frozenset, tuple[tuple[str, str, str], ...]]:
    """{set of councils: ((level, code, name), ...)} for every ITL unit, combined authority and
    council; an ITL unit holds a council only when all of the council lies in it (straddling
    councils make a unit match no set of whole councils). Kept in the store (a changed lookup
    builds it again)."""
    return _memo(("units_by_councils",), _build_units_by_councils)


def _build_units_by_councils() -> dict[frozenset, tuple[tuple[str, str, str], ...]]:
    from levelup.geo import resolve
    from levelup.geo.itl import itl3_under, itl_table
    from levelup.geo.lad import combined_authorities, lad_itl3, lads, lads_in_itl3

    out: dict[frozenset, list[tuple[str, str, str]]] = {}
    for t in itl_table().itertuples():
        units = set(itl3_under(t.code))
        whole = {lad for u in units for lad in lads_in_itl3(u) if set(lad_itl3(lad)) <= units}
        partial = {lad for u in units for lad in lads_in_itl3(u)} - whole
        if whole and not partial:
            out.setdefault(frozenset(whole), []).append((t.level, t.code, t.name))
    for code in combined_authorities()["code"]:
        reg = resolve(code, level="cauth")
        out.setdefault(frozenset(reg.members), []).append(("cauth", reg.code, reg.name))
    t = lads()
    for code, name in zip(t["code"], t["name"]):
        out.setdefault(frozenset([code]), []).append(("lad", code, name))
    return {k: tuple(v) for k, v in out.items()}


def councils(region: Any) -> tuple[str, ...]:
    """The councils (April 2023 codes) that make up ``region``
    (:func:`levelup.analysis.inside.local_authorities`)."""
    from levelup.analysis.inside import local_authorities

    return tuple(local_authorities(region))


def same_area(region: Any) -> list[Region]:
    """Published units made of exactly the same councils as ``region`` (other than itself), at
    the ITL levels, combined authorities and councils; for an ITL unit, only if no council
    straddles its border. Empty when none is."""
    reg = _resolve(region)
    if reg.level == "uk":
        return []
    lads = _memo(("councils", reg.code, reg.level, tuple(reg.members)), lambda: councils(reg))
    if reg.level in ("itl1", "itl2", "itl3"):
        from levelup.geo.itl import itl3_under
        from levelup.geo.lad import lad_itl3

        units = set(itl3_under(reg.code))
        if any(not set(lad_itl3(lad)) <= units for lad in lads):
            return []
    hits = _units_by_councils().get(frozenset(lads), ())
    return [Region(code, name, level) for level, code, name in hits if code != reg.code]


@dataclass(frozen=True)
class Members(Result):
    """The councils of a combined authority or place with the headline measures of each."""

    title = "Member councils"
    region: str = ""
    code: str = ""
    frame: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)

    def to_frame(self) -> pd.DataFrame:
        """One row per council: ``geo_code, name`` and per measure its latest value, year, the
        UK value of the same release and year and the UK = 100 index, and the source."""
        return self.frame

    def plot(self, ax: Any = None, measure: str = "gdp_per_head", **kwargs: Any) -> Any:
        """Bars of ``measure`` (UK = 100) for each council, highest first."""
        ax = new_axes(ax)
        sub = self.frame.dropna(subset=[f"{measure}_index"]).sort_values(f"{measure}_index")
        ax.barh(sub["name"], sub[f"{measure}_index"] - 100, left=100, **kwargs)
        ax.axvline(100, color="0.3", lw=0.8)
        ax.set_xlabel("UK = 100")
        return ax


def members(region: Any, measures: tuple[str, ...] | None = None) -> Members:
    """The member councils of ``region`` with each headline measure as
    :func:`levelup.analysis.headline.measure_pair` reads it for a council (the newest release
    with a UK row in the same file; UK = 100 in the same year)."""
    from levelup.analysis.headline import HEADLINE, measure_pair
    from levelup.errors import LevelupError
    from levelup.geo.lad import lads

    reg = _resolve(region)
    t = lads()
    names = dict(zip(t["code"], t["name"]))
    rows = []
    for code in councils(reg):
        council = Region(code, names.get(code, code), "lad")
        row: dict[str, Any] = {"geo_code": code, "name": council.name}
        for m in measures or HEADLINE:
            try:
                p = measure_pair(m, council)
            except LevelupError:
                continue
            y = p.last_year
            row |= {m: float(p.place[y]), f"{m}_year": y, f"{m}_uk": float(p.uk[y]),
                    f"{m}_index": 100 * float(p.place[y]) / float(p.uk[y]), f"{m}_source": p.source}
            if p.lower is not None and pd.notna(p.lower.get(y)):
                row |= {f"{m}_lower": float(p.lower[y]), f"{m}_upper": float(p.upper[y])}
            if p.uk_lower is not None and pd.notna(p.uk_lower.get(y)):
                row |= {f"{m}_uk_lower": float(p.uk_lower[y]), f"{m}_uk_upper": float(p.uk_upper[y])}
            if m == "real_gdp_per_head":  # growth over the period both have, as in the headline
                both = pd.concat([p.place, p.uk], axis=1).dropna()
                y0 = int(both.index.min())
                row |= {m: 100 * ((p.place[y] / p.place[y0]) ** (1 / (y - y0)) - 1),
                        f"{m}_uk": 100 * ((p.uk[y] / p.uk[y0]) ** (1 / (y - y0)) - 1), f"{m}_first_year": y0}
                row[f"{m}_index"] = float("nan")
        rows.append(row)
    return Members(region=reg.name, code=reg.code, frame=pd.DataFrame(rows))
