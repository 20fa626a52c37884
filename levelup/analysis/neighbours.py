"""Statistical neighbours: the places of the same kind nearest on GDP per head and population."""

from __future__ import annotations

from typing import Any

import pandas as pd

from levelup.analysis._common import _resolve
from levelup.data import indicator
from levelup.errors import ModelInputError


def peer_table(place: Any, n: int = 5, *, on: tuple[str, ...] = ("gdp_per_head", "population"),
               year: int | None = None, level: str | None = None) -> pd.DataFrame:
    """A place and its ``n`` statistical neighbours with GDP per head and population.

    Neighbours from :func:`levelup.geo.peers`: among places of the same kind (ITL1/2/3 units, local
    authorities, combined authorities), the smallest standardised Euclidean distance
    ``d(p, j) = sqrt(sum_k (z_pk - z_jk)^2)`` on the indicators ``on`` (z-scores, ddof 0, across
    the kind; CIPFA Nearest Neighbours Model, 2019; Everitt et al., *Cluster Analysis*, 2011,
    sec. 3.3), in ``year`` (default: the latest year the place has every indicator). Values are
    those of the same tables: published rows for ITL units and local authorities, sum(GDP) /
    sum(population) over members for combined authorities (:func:`levelup.geo.aggregate`).

    Custom places have no peers (they are compared with the UK, not ranked among other places):
    ``ModelInputError``. Returns one row for the place (``rank`` 0, ``role`` "place") then one per
    neighbour, nearest first: ``rank, role, code, name, distance, gdp_per_head, population, year``.

    >>> peer_table("Barking and Dagenham", n=3)[["rank", "name"]]   # doctest: +SKIP
    """
    from levelup.geo import peers
    from levelup.geo.aggregate import aggregate_level

    reg = _resolve(place, level)
    if reg.level not in ("itl1", "itl2", "itl3", "lad", "cauth"):
        raise ModelInputError(
            f"{reg.name} is a {reg.level}: custom places are compared with the UK and their parent regions, "
            "not with statistical neighbours"
        )
    res = peers(reg, n=n, on=on, year=year)
    cols = {}
    for m in ("gdp_per_head", "population"):
        wide = aggregate_level(m, "cauth") if reg.level == "cauth" else indicator(m, reg.level)
        cols[m] = wide[res.year] if res.year in wide.columns else pd.Series(dtype=float)
    t = res.table[["rank", "code", "name", "distance"]].copy()
    own = pd.DataFrame({"rank": [0], "code": [reg.code], "name": [reg.name], "distance": [0.0]})
    t = pd.concat([own, t], ignore_index=True)
    t.insert(1, "role", ["place"] + ["peer"] * (len(t) - 1))
    for m, s in cols.items():
        t[m] = s.reindex(t["code"]).to_numpy(dtype=float)
    t["year"] = res.year
    t.attrs = {"kind": res.kind, "on": res.on, "year": res.year, "n_candidates": res.n_candidates,
               "dropped": res.dropped, "notes": res.notes()}
    return t

