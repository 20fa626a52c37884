"""The one registry of geographic levels: what each is called, where its data live, how it nests.

Every place that names a level (report text, tables, the index of reports) reads it from here,
so "ITL3 regions" is written once.

>>> LEVELS["itl3"].plural
'ITL3 regions'
>>> data_level(LEVELS["cauth"].code)
'lad'
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from levelup.errors import UnknownRegionError, close_matches


@dataclass(frozen=True)
class Level:
    """One level of geography.

    ``singular`` / ``plural``: reader-facing names (``"ITL3 region"``, ``"ITL3 regions"``);
    ``title``: the heading of the level in lists of reports; ``data_level``: the level of the
    published tables that hold its units (a combined authority's data are its local authorities');
    ``lad_based``: read from the local-authority files (a different release from the ITL tables);
    ``ranked``: its units are ranked among themselves (custom places are not); ``parent`` and
    ``child``: the levels above and below.
    """

    code: str
    singular: str
    plural: str
    title: str
    data_level: str
    lad_based: bool
    ranked: bool
    parent: str | None
    child: str | None


LEVELS: dict[str, Level] = {
    lv.code: lv
    for lv in (
        Level("uk", "the UK", "the UK", "United Kingdom", "uk", False, False, None, "itl1"),
        Level("itl1", "ITL1 region", "ITL1 regions", "ITL1 regions", "itl1", False, True, "uk", "itl2"),
        Level("itl2", "ITL2 region", "ITL2 regions", "ITL2 regions", "itl2", False, True, "itl1", "itl3"),
        Level("itl3", "ITL3 region", "ITL3 regions", "ITL3 regions", "itl3", False, True, "itl2", "lad"),
        Level("cauth", "combined authority", "combined authorities", "Combined authorities", "lad", True, True,
              "itl2", "lad"),
        Level("lad", "local authority", "local authorities", "Local authorities", "lad", True, True, "itl3", None),
        Level("place", "custom place", "custom places", "Custom places", "itl3", False, False, "itl2", None),
    )
}
#: The order levels are listed in (largest first; custom places last).
ORDER = ("itl1", "itl2", "itl3", "cauth", "lad", "place")


def level(code: str) -> Level:
    """The :class:`Level` named ``code`` (``UnknownRegionError`` with suggestions otherwise)."""
    try:
        return LEVELS[str(code).lower()]
    except KeyError:
        raise UnknownRegionError(
            f"unknown level {code!r}; levels are {', '.join(LEVELS)}", suggestions=close_matches(str(code), LEVELS)
        ) from None


def data_level(region: Any) -> str:
    """The level of the published tables that hold ``region``'s data (a Region, or a level code).

    ITL units, local authorities and the UK: their own level; combined authorities and places:
    the level of their members (``member_level``).
    """
    if isinstance(region, str):
        return level(region).data_level
    if region.level in ("uk", "itl1", "itl2", "itl3", "lad"):
        return region.level
    return getattr(region, "member_level", None) or level(region.level).data_level


def lad_based(region: Any) -> bool:
    """Local and combined authorities and places made of local authorities (the LAD GDP release)."""
    return data_level(region) == "lad"


def plural(code: str) -> str:
    return level(code).plural


def singular(code: str) -> str:
    return level(code).singular
