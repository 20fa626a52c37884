"""Inside the place: the units it is made of and how GDP per head varies across them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from levelup.analysis._common import UK, _memo, _place_series, _Reads, _resolve
from levelup.data import indicator
from levelup.results import Result


def itl3_units(region: Any) -> list[str]:
    """The ITL3 units that make up ``region`` (for areas made of local authorities, those they lie in)."""
    from levelup.geo.itl import itl3_under
    from levelup.geo.lad import lad_itl3

    r = _resolve(region)
    if r.level in ("itl1", "itl2"):
        return list(itl3_under(r.code))
    if r.level == "itl3":
        return [r.code]
    lads = [r.code] if r.level == "lad" else list(r.members) if r.member_level == "lad" else []
    if lads:
        return sorted({u for lad in lads for u in lad_itl3(lad)})
    return list(r.members)


def local_authorities(region: Any) -> list[str]:
    """The local authorities (April 2023 codes) that make up ``region``."""
    from levelup.geo.lad import lads_in_itl3

    r = _resolve(region)
    if r.level == "lad":
        return [r.code]
    if r.member_level == "lad" and r.members:
        return list(r.members)
    return sorted({lad for u in itl3_units(r) for lad in lads_in_itl3(u)})


@dataclass(frozen=True)
class Inside(Result):
    """GDP per head of every ITL3 unit in one year, and the units that make up a place."""

    title = "Inside the place"
    region: str = ""
    year: int = 0
    members: tuple[str, ...] = ()
    uk: float = float("nan")
    values: pd.Series = field(default_factory=pd.Series, repr=False)  # every ITL3 unit of the UK
    names: dict = field(default_factory=dict, repr=False)
    source: str = "gdp_2024"  # the registry id of the table read
    release: str = ""

    def to_frame(self) -> pd.DataFrame:
        """The place's units, highest first: ``geo_unit, name, gdp_per_head, index`` (UK = 100)."""
        sub = self.values.reindex(list(self.members)).dropna().sort_values(ascending=False)
        return pd.DataFrame({"geo_unit": sub.index, "name": [self.names.get(c, c) for c in sub.index],
                             "gdp_per_head": sub.to_numpy(), "index": (100 * sub / self.uk).to_numpy()})


def inside(region: Any, *, end_year: int | None = None, uk_index: bool = True) -> Inside:
    """GDP per head (current prices) of the ITL3 units of ``region`` and of the whole UK in the latest
    year (or ``end_year`` when inside the data). The index divides by the UK benchmark of the place's
    own release (:func:`levelup.analysis.uk_series` rules); ``uk_index=False`` leaves it NaN."""
    reg = _resolve(region)
    wide = _memo(("ind", "gdp_per_head", "itl3"), lambda: indicator("gdp_per_head", "itl3"))
    first, year = int(wide.columns.min()), int(wide.columns.max())
    if end_year and first < int(end_year) < year:
        year = int(end_year)
    uk = _place_series(_Reads(), "gdp_per_head", UK, reg) if uk_index else None
    ukv = float(uk[year]) if uk is not None and year in uk.index else float("nan")
    return Inside(region=reg.name, year=year, members=tuple(itl3_units(reg)), uk=ukv, values=wide[year],
                  names=dict(wide.attrs.get("names", {})), source=wide.attrs.get("source", ""),
                  release=wide.attrs.get("release", ""))
