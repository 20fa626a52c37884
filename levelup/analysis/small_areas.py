"""The official small-area deprivation indices of the four nations, read as one table each, and
local-authority codes mapped onto the vintage each index uses (the inputs of
:mod:`levelup.analysis.deprivation`)."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from levelup.errors import ParameterError, UnknownRegionError, close_matches

#: (nation, edition) -> (source id, index label, number of small areas, small-area type, LAD vintage)
EDITIONS: dict[tuple[str, int], tuple[str, str, str, str]] = {
    ("england", 2019): ("imd2019", "IoD2019", "LSOA 2011", "LAD 2019"),
    ("england", 2025): ("imd2025", "IoD2025", "LSOA 2021", "LAD 2024"),
    ("wales", 2019): ("wimd2019", "WIMD2019", "LSOA 2011", "LAD 2019"),
    ("scotland", 2020): ("simd2020", "SIMD2020v2", "data zone 2011", "council area S12"),
    ("northern_ireland", 2017): ("nimdm2017", "NIMDM2017", "SOA 2001", "LGD 2014"),
}
NATION_NAMES = {"england": "England", "wales": "Wales", "scotland": "Scotland", "northern_ireland": "Northern Ireland"}
_CODE_NATION = {"E": "england", "W": "wales", "S": "scotland", "N": "northern_ireland", "9": "northern_ireland"}

#: Unitary authorities formed from whole LAD 2019 districts: code -> (name, April of, predecessors)
UNITARIES = {
    "E06000060": ("Buckinghamshire", 2020, ("E07000004", "E07000005", "E07000006", "E07000007")),
    "E06000061": ("North Northamptonshire", 2021, ("E07000150", "E07000152", "E07000153", "E07000156")),
    "E06000062": ("West Northamptonshire", 2021, ("E07000151", "E07000154", "E07000155")),
    "E06000063": ("Cumberland", 2023, ("E07000026", "E07000028", "E07000029")),
    "E06000064": ("Westmorland and Furness", 2023, ("E07000027", "E07000030", "E07000031")),
    "E06000065": ("North Yorkshire", 2023, tuple(f"E0700016{i}" for i in range(3, 10))),
    "E06000066": ("Somerset", 2023, ("E07000187", "E07000188", "E07000189", "E07000246")),
}
#: Codes changed without a change of area: new code -> (old code, name, vintage of the new code)
RECODES = {"E08000038": ("E08000016", "Barnsley", "LAD 2025"), "E08000039": ("E08000019", "Sheffield", "LAD 2025")}
#: Districts abolished in April 2019 (LAD 2018 codes): code -> (name, LAD 2019 successor)
ABOLISHED_2019 = {
    "E06000028": ("Bournemouth", "E06000058"), "E06000029": ("Poole", "E06000058"),
    "E07000048": ("Christchurch", "E06000058"), "E07000049": ("East Dorset", "E06000059"),
    "E07000050": ("North Dorset", "E06000059"), "E07000051": ("Purbeck", "E06000059"),
    "E07000052": ("West Dorset", "E06000059"), "E07000053": ("Weymouth and Portland", "E06000059"),
    "E07000201": ("Forest Heath", "E07000245"), "E07000204": ("St Edmundsbury", "E07000245"),
    "E07000205": ("Suffolk Coastal", "E07000244"), "E07000206": ("Waveney", "E07000244"),
    "E07000190": ("Taunton Deane", "E07000246"), "E07000191": ("West Somerset", "E07000246"),
}
_SUCCESSOR_2019 = {old: new for new, (_, _, olds) in UNITARIES.items() for old in olds}


# ---------------------------------------------------------------------------- inputs


def _nation(nation: str) -> str:
    key = re.sub(r"[\s\-]+", "_", str(nation).strip().lower())
    key = {"ni": "northern_ireland", "n_ireland": "northern_ireland", "uk": "uk"}.get(key, key)
    if key not in NATION_NAMES:
        raise ParameterError(
            f"unknown nation {nation!r}; deprivation indices exist for {', '.join(NATION_NAMES)} "
            "(each ranks its own small areas; there is no UK-wide index)"
        )
    return key


def _valid() -> str:
    return "; ".join(f"{n}: {', '.join(str(e) for (m, e) in EDITIONS if m == n)}" for n in NATION_NAMES)


def resolve_edition(nation: str = "england", edition: int | str | None = None) -> tuple[str, int]:
    """``(nation key, edition year)``; ``edition=None`` is IoD2019 for England, else the nation's only one.

    Raises ``ParameterError`` listing the valid nations and editions.
    """
    key = _nation(nation)
    years = [e for (m, e) in EDITIONS if m == key]
    if edition is None:
        return key, (2019 if key == "england" else years[0])
    if isinstance(edition, str):
        labels = {v[1].lower(): k for k, v in EDITIONS.items()}
        if edition.strip().lower() in labels and labels[edition.strip().lower()][0] == key:
            return labels[edition.strip().lower()]
        if not edition.strip().isdigit():
            raise ParameterError(f"unknown edition {edition!r} for {key}; valid editions: {_valid()}")
        edition = int(edition)
    if (key, int(edition)) not in EDITIONS:
        raise ParameterError(f"no {NATION_NAMES[key]} deprivation index of {edition}; valid editions: {_valid()}")
    return key, int(edition)


def small_areas(nation: str = "england", edition: int | str | None = None, **load_kw: Any) -> pd.DataFrame:
    """One row per small area: ``code, name, lad_code, lad_name, rank, decile, population``.

    Read once per state of the data files (:data:`levelup._store.STORE`); each call gets its own copy.

    ``population`` is NaN where the publisher gives none (Wales, Northern Ireland, IoD2025).
    ``attrs`` carry ``nation``, ``edition``, ``index`` (e.g. ``"IoD2019"``), ``area_type``,
    ``lad_vintage``, ``source`` and ``decile_derived``.

    >>> small_areas("wales").shape[0]  # doctest: +SKIP
    1909
    """
    key, year = resolve_edition(nation, edition)
    if load_kw:
        return _small_areas(key, year, **load_kw)
    from levelup.analysis._common import _memo

    table = _memo(("small_areas", key, year), lambda: _small_areas(key, year))
    out = table.copy()
    out.attrs = dict(table.attrs)
    return out


def _small_areas(key: str, year: int, **load_kw: Any) -> pd.DataFrame:
    from levelup.data import load

    sid, label, area_type, vintage = EDITIONS[(key, year)]
    df = load(sid, **load_kw)
    df = df[df["level"] == "lsoa"]
    ids = ["geo_code", "geo_name", "lad_code", "lad_name"]
    wide = df[df["domain"] == ""].pivot(index=ids, columns="measure", values="value").reset_index()
    wide.columns.name = None
    wide = wide.rename(
        columns={"geo_code": "code", "geo_name": "name", "imd_rank": "rank", "imd_decile": "decile"}
    )
    if "population" not in wide:
        wide["population"] = np.nan
    wide = wide[["code", "name", "lad_code", "lad_name", "rank", "decile", "population"]]
    wide = wide.sort_values("rank", kind="stable").reset_index(drop=True)
    derived = df.loc[df["measure"] == "imd_decile", "decile_derived"].astype(str).eq("True").any()
    wide.attrs = {
        "nation": NATION_NAMES[key], "edition": year, "index": label, "area_type": area_type,
        "lad_vintage": vintage, "source": sid, "decile_derived": bool(derived),
    }
    return wide


def map_lad_codes(
    codes: str | Sequence[str], nation: str = "england", edition: int | str | None = None, *, areas=None
) -> tuple[list[str], list[str]]:
    """Map local-authority codes (or names) to the district vintage of an index edition.

    Returns ``(codes in the edition's vintage, notes on each mapping made)``. IoD2019 uses
    LAD 2019 districts and IoD2025 LAD 2024 ones: a unitary created since 2019 (Buckinghamshire
    2020, the Northamptonshires 2021, Cumberland, Westmorland and Furness, North Yorkshire and
    Somerset 2023) is the union of whole 2019 districts and maps to them for IoD2019; the 2025
    codes of Barnsley and Sheffield map to their earlier codes. A code of an abolished
    district, of another nation, or unknown raises ``UnknownRegionError`` naming the vintage
    the code belongs to and its successor.

    >>> map_lad_codes(["E06000063"], "england", 2019)[0]  # doctest: +SKIP
    ['E07000026', 'E07000028', 'E07000029']
    """
    key, year = resolve_edition(nation, edition)
    label, vintage = EDITIONS[(key, year)][1], EDITIONS[(key, year)][3]
    areas = small_areas(key, year) if areas is None else areas
    known = dict(zip(areas["lad_code"], areas["lad_name"]))
    by_name = {_slug(v): k for k, v in known.items()}
    out: list[str] = []
    notes: list[str] = []
    for raw in [codes] if isinstance(codes, str) else list(codes):
        c = str(raw).strip()
        if c.upper() in known:
            out.append(c.upper())
            continue
        if _slug(c) in by_name:
            out.append(by_name[_slug(c)])
            continue
        c = c.upper()
        if c in RECODES and RECODES[c][0] in known:
            old, name, new_vintage = RECODES[c]
            out.append(old)
            notes.append(f"{c} ({name}, {new_vintage} code) -> {old}, its {vintage} code in {label}")
            continue
        if c in UNITARIES and all(p in known for p in UNITARIES[c][2]):
            name, since, olds = UNITARIES[c]
            out.extend(olds)
            notes.append(
                f"{c} ({name}, unitary since April {since}) -> its {vintage} districts "
                f"{', '.join(f'{o} ({known[o]})' for o in olds)} in {label}"
            )
            continue
        raise UnknownRegionError(_wrong_code_message(c, raw, key, label, vintage, known), close_matches(c, known))
    return list(dict.fromkeys(out)), notes


def _slug(s: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", str(s).lower()).strip()


def _wrong_code_message(c: str, raw: Any, key: str, label: str, vintage: str, known: Mapping) -> str:
    own = f"{label} ranks small areas by {vintage} local authorities"
    if c in _SUCCESSOR_2019:
        new = _SUCCESSOR_2019[c]
        name, since, _ = UNITARIES[new]
        return (
            f"{c} is a LAD 2019 district code (abolished in April {since}, now part of {new} {name}), "
            f"not a {vintage} code; {own}: use {new}, or edition=2019 for the old districts"
        )
    if c in ABOLISHED_2019:
        name, succ = ABOLISHED_2019[c]
        target = succ if succ in known else _SUCCESSOR_2019.get(succ, succ)
        return (
            f"{c} ({name}) is a LAD 2018 code (district abolished in April 2019, now part of {target}), "
            f"not a {vintage} code; {own}"
        )
    nat = _CODE_NATION.get(c[:1])
    if nat and nat != key:
        return (
            f"{c} is a {NATION_NAMES[nat]} code, not a {NATION_NAMES[key]} one; use nation={nat!r} "
            "(ranks are within each nation and cannot be pooled)"
        )
    hints = close_matches(str(raw), list(known) + list(known.values()))
    hint = f"; did you mean {', '.join(hints)}?" if hints else ""
    return f"no {vintage} local authority {raw!r} in {label}{hint}"
