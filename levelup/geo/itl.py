"""The ITL1/ITL2/ITL3 hierarchy (ITL January 2021), read at run time from the registered ONS files.

Codes and the hierarchy come from the ONS lookup ``LAD23_LAU121_ITL321_ITL221_ITL121_UK_LU.csv``
(source ``lad_itl_lookup``); names come from the regional GDP workbook (source ``gdp``), because
the lookup writes "North East (England)", "East" and "Durham CC" where ONS's statistical tables
write "North East", "East of England" and "Durham". The lookup's spellings are kept as
``lookup_name`` (resolve() accepts them as aliases). Nothing here is committed to the repository.

NUTS codes: ITL 2021 kept the NUTS 2016/2018 codes with the prefix ``UK`` replaced by ``TL``
(UKC11 -> TLC11), except in Dorset, where the 2019 move of Christchurch into the new Bournemouth,
Christchurch and Poole council gave new ITL3 codes: UKK21 (Bournemouth and Poole) -> TLK24
(Bournemouth, Christchurch and Poole) and UKK22 (Dorset CC) -> TLK25 (Dorset); both are
boundary changes, not renamings.
"""

from __future__ import annotations

import re

import pandas as pd

from levelup.errors import LevelupError, UnknownRegionError
from levelup.geo._stored import keyed_by_files

ITL_LEVELS = ("itl1", "itl2", "itl3")

#: NUTS 2016 codes whose ITL 2021 successor is not the plain UK -> TL prefix swap.
NUTS_CHANGES = {
    "UKK21": (
        "TLK24",
        "2021-01-01",
        "Christchurch moved from Dorset to Bournemouth, Christchurch and Poole (2019)",
    ),
    "UKK22": (
        "TLK25",
        "2021-01-01",
        "Christchurch moved from Dorset to Bournemouth, Christchurch and Poole (2019)",
    ),
}

_NUTS_RE = re.compile(r"UK[C-N][0-9A-Z]{0,3}")

#: NUTS units of earlier versions with no ITL 2021 (= NUTS 2016) counterpart, used when the ITL
#: lookup cannot be read: London's UKI1/UKI2 (split into UKI3-UKI7 in NUTS 2013, from 2015) and
#: Scotland's UKM2/UKM3 (replaced by UKM7-UKM9 in NUTS 2016, from 2018).
_RETIRED_NUTS_RE = re.compile(r"UK(I[12]|M[23])[0-9A-Z]{0,2}")


@keyed_by_files("lad_itl_lookup")
def lookup() -> pd.DataFrame:
    """The ONS LAD-LAU1-ITL lookup (388 rows), via ``levelup.data.load("lad_itl_lookup")``."""
    from levelup.data import load

    cols = [
        "geo_code",
        "geo_name",
        "lau1",
        "lau1_name",
        "itl3",
        "itl3_name",
        "itl2",
        "itl2_name",
        "itl1",
        "itl1_name",
    ]
    return load("lad_itl_lookup")[cols].reset_index(drop=True)


def _gdp_names() -> dict[str, str]:
    """ITL names as the GDP workbook writes them; empty when that source cannot be loaded."""
    try:
        return _read_gdp_names()
    except LevelupError:
        return {}


@keyed_by_files("gdp")
def _read_gdp_names() -> dict[str, str]:
    from levelup.data import load

    df = load("gdp")
    df = df[df["level"].isin(ITL_LEVELS)].drop_duplicates("geo_code")
    return dict(zip(df["geo_code"], df["geo_name"]))


@keyed_by_files("lad_itl_lookup", optional=("gdp",))
def itl_table() -> pd.DataFrame:
    """All ITL units: ``code, name, level, itl1, itl2, lookup_name`` (12 + 41 + 179 rows)."""
    lk = lookup()
    names = _gdp_names()
    parts = []
    for level, parents in (("itl1", []), ("itl2", ["itl1"]), ("itl3", ["itl1", "itl2"])):
        sub = lk[[level, f"{level}_name", *parents]].drop_duplicates(level)
        frame = pd.DataFrame(
            {
                "code": sub[level].to_numpy(),
                "lookup_name": sub[f"{level}_name"].to_numpy(),
                "level": level,
                "itl1": sub["itl1"].to_numpy() if parents else "",
                "itl2": sub["itl2"].to_numpy() if "itl2" in parents else "",
            }
        )
        parts.append(frame)
    out = pd.concat(parts, ignore_index=True)
    fallback = out["lookup_name"].str.replace(r" \(England\)$", "", regex=True)
    out["name"] = [names.get(c, f) for c, f in zip(out["code"], fallback)]
    return out[["code", "name", "level", "itl1", "itl2", "lookup_name"]].sort_values(
        ["level", "code"], ignore_index=True
    )


@keyed_by_files("lad_itl_lookup", optional=("gdp",))
def _under() -> dict[str, tuple[str, ...]]:
    t = itl_table()
    t3 = t[t["level"] == "itl3"]
    out: dict[str, list[str]] = {}
    for code, i2, i1 in zip(t3["code"], t3["itl2"], t3["itl1"]):
        for key in (code, i2, i1):
            out.setdefault(key, []).append(code)
    return {k: tuple(sorted(v)) for k, v in out.items()}


def itl3_under(code: str) -> tuple[str, ...]:
    """The ITL3 codes inside an ITL1, ITL2 or ITL3 unit (itself for ITL3), sorted."""
    return _under().get(code, ())


def children(code: str) -> tuple[str, ...]:
    """Direct children: ITL2 units of an ITL1, ITL3 units of an ITL2, nothing for an ITL3."""
    t = itl_table()
    if len(code) == 3:
        return tuple(sorted(t[(t["level"] == "itl2") & (t["itl1"] == code)]["code"]))
    if len(code) == 4:
        return tuple(sorted(t[(t["level"] == "itl3") & (t["itl2"] == code)]["code"]))
    return ()


def _itl_codes() -> frozenset[str] | None:
    try:
        return frozenset(itl_table()["code"])
    except LevelupError:  # the lookup cannot be read: fall back to the known retired codes
        return None


def nuts_to_itl(code: str) -> tuple[str, str] | None:
    """The ITL 2021 code for a NUTS (UK-prefixed) code and a note on the change; None if not NUTS-like.

    ITL 2021 (1 January 2021) is NUTS 2016 with ``TL`` for ``UK``; UKK21/UKK22 changed
    area (see ``NUTS_CHANGES``). A code of an earlier NUTS version whose ``TL`` twin is not an
    ITL 2021 unit (UKI1/UKI2 London, replaced in NUTS 2013; UKM2/UKM3 Scotland, replaced in
    NUTS 2016) covers a different area, so it raises ``UnknownRegionError`` saying so
    instead of returning a code that does not exist.

    >>> nuts_to_itl("UKC11")   # doctest: +SKIP
    ('TLC11', 'NUTS code UKC11 read as ITL 2021 code TLC11 (same area, TL prefix since January 2021)')
    """
    code = code.strip().upper()
    if not _NUTS_RE.fullmatch(code):
        return None
    if code in NUTS_CHANGES:
        new, date, why = NUTS_CHANGES[code]
        return (
            new,
            f"NUTS code {code} corresponds to ITL 2021 code {new} with a boundary change ({why}); from {date}",
        )
    new = "TL" + code[2:]
    known = _itl_codes()
    if (known is not None and new not in known) or (known is None and _RETIRED_NUTS_RE.fullmatch(code)):
        raise UnknownRegionError(
            f"{code} is not a NUTS 2016 code: {new} is not an ITL 2021 unit. ITL 2021 kept the NUTS 2016 "
            "codes with the prefix TL; codes of earlier NUTS versions (e.g. UKI1/UKI2 London, replaced in "
            "NUTS 2013; UKM2/UKM3 Scotland, replaced by UKM7-UKM9 in NUTS 2016) cover other areas and have "
            "no one-to-one ITL successor: map such data by area (see levelup.geo.regions())."
        )
    return new, f"NUTS code {code} read as ITL 2021 code {new} (same area, TL prefix since January 2021)"
