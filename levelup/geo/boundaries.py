"""ITL3 polygons from the registered ONS boundaries, and dissolves to ITL2, ITL1 and places.

The source is ``boundaries`` in the registry: ONS *International Territorial Level 3
(January 2021) Boundaries UK BUC (V3)*, ultra-generalised and clipped to the coastline,
British National Grid (EPSG:27700). Files come through :func:`levelup.data.fetch_files`
(raw dir, mirror, checksum), so nothing here reads an unverified file.

ITL codes nest by prefix: ``TLC11`` (ITL3) lies in ``TLC1`` (ITL2) in ``TLC`` (ITL1), so
ITL2 and ITL1 polygons are dissolves of ITL3 polygons on the first 4 or 3 characters.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from functools import lru_cache
from typing import TYPE_CHECKING, Literal

from levelup.errors import ModelInputError, UnknownRegionError, close_matches

if TYPE_CHECKING:  # pragma: no cover
    import geopandas as gpd

__all__ = ["boundaries", "itl3", "place"]

Level = Literal["itl3", "itl2", "itl1"]
_PREFIX = {"itl3": 5, "itl2": 4, "itl1": 3}


@lru_cache(maxsize=4)
def _read_itl3(mirrors: tuple[str, ...] | None) -> gpd.GeoDataFrame:
    import geopandas as gpd

    from levelup.data import fetch_files

    files = fetch_files("boundaries", mirrors=list(mirrors) if mirrors is not None else None, progress=False)
    shp = next(p for p in files if p.suffix.lower() == ".shp")
    g = gpd.read_file(shp)
    g = g.rename(
        columns={
            "ITL321CD": "code",
            "ITL321NM": "name",
            "BNG_E": "bng_e",
            "BNG_N": "bng_n",
            "LONG": "lon",
            "LAT": "lat",
        }
    )
    g["itl2"] = g["code"].str[:4]
    g["itl1"] = g["code"].str[:3]
    g = g[["code", "name", "itl2", "itl1", "bng_e", "bng_n", "lon", "lat", "geometry"]]
    return g.sort_values("code").set_index("code", drop=False).rename_axis(None)


def itl3(*, mirrors: Iterable[str | os.PathLike] | None = None) -> gpd.GeoDataFrame:
    """ITL3 polygons: GeoDataFrame indexed by ITL3 code (179 units, EPSG:27700).

    Columns ``code, name, itl2, itl1, bng_e, bng_n`` (the ONS label point in British
    National Grid metres), ``lon, lat`` and ``geometry``. A fresh copy on each call.
    """
    key = tuple(str(m) for m in mirrors) if mirrors is not None else None
    return _read_itl3(key).copy()


def boundaries(
    level: Level = "itl3", *, mirrors: Iterable[str | os.PathLike] | None = None
) -> gpd.GeoDataFrame:
    """Polygons at ``level`` ("itl3", "itl2" or "itl1"), indexed by code.

    ITL2 and ITL1 are dissolves of the ITL3 polygons on the code prefix; they carry
    ``code``, ``n_itl3`` (member count), the parent codes and ``geometry`` (names of the
    higher levels come from :mod:`levelup.geo` region lookups, not from this file).
    """
    if level not in _PREFIX:
        raise ModelInputError(f"level must be one of {sorted(_PREFIX)}, got {level!r}")
    g = itl3(mirrors=mirrors)
    if level == "itl3":
        return g
    key = g["code"].str[: _PREFIX[level]]
    out = g.assign(code=key, n_itl3=1)[["code", "itl1", "n_itl3", "geometry"]].dissolve(
        by="code", aggfunc={"itl1": "first", "n_itl3": "sum"}
    )
    out.insert(0, "code", out.index)
    out.index.name = None
    return out


def place(
    codes: Iterable[str], name: str | None = None, *, mirrors: Iterable[str | os.PathLike] | None = None
) -> gpd.GeoDataFrame:
    """One polygon for a custom place: the union of the given ITL3 units.

    Unknown codes raise :class:`~levelup.errors.UnknownRegionError` with close matches.
    Returns a one-row GeoDataFrame (``code`` = the joined codes unless ``name`` is given,
    ``members``, ``geometry``).
    """
    codes = [str(c).strip().upper() for c in codes]
    if not codes:
        raise ModelInputError("a place needs at least one ITL3 code")
    g = itl3(mirrors=mirrors)
    unknown = [c for c in codes if c not in g.index]
    if unknown:
        sugg = [s for c in unknown for s in close_matches(c, g.index)]
        raise UnknownRegionError(
            f"unknown ITL3 code(s) {', '.join(unknown)}"
            + (f"; did you mean {', '.join(sugg[:5])}?" if sugg else ""),
            suggestions=sugg,
        )
    sub = g.loc[codes]
    import geopandas as gpd

    label = name or "+".join(codes)
    return gpd.GeoDataFrame(
        {"code": [label], "members": [tuple(codes)]}, geometry=[sub.union_all()], crs=g.crs, index=[label]
    )
