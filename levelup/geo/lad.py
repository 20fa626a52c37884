"""Local authorities (LAD April 2023), combined authorities and local-authority code changes.

Everything is read at run time from the registered ONS lookups (``lad_itl_lookup``,
``cauth_lookup``); only the small table of *why and when* codes changed is written here.

- **Canonical codes.** The 361 April 2023 LAD codes (``LAD23CD``) are canonical: the April 2025
  GDP file uses exactly them. Older district codes (the 374-code files of 2021/2022) map to their
  successor through the lookup's LAU1 column (``LAU121CD``): a pre-2023 district is one LAU1 of
  the new unitary authority. ``canonical(code)`` gives the code the data use and records nothing
  silently: ``code_changes()`` is the table of every mapping with its date and reason.
- **Newer codes.** The May 2025 combined-authority lookup uses E08000038 (Barnsley) and E08000039
  (Sheffield), the codes issued for the Barnsley and Sheffield (Boundary Change) Order 2024 (SI
  2024/1328, transfer date 1 April 2025). The data use the April 2023 codes E08000016 and
  E08000019; ``canonical("E08000038") == "E08000016"``.
- **Straddling.** A LAD's ITL3 membership is a tuple: Cumberland and Westmorland and Furness lie
  in TLD11 and TLD12; Highland in TLM61/62/63; North Ayrshire in TLM63/TLM93; Argyll and Bute in
  TLM63/TLM81. ``regions("lad")`` writes such memberships as ``"TLD11;TLD12"`` and flags them in
  ``straddles``; nothing picks a first match.
- **Combined authorities** come exactly from the official LAD -> CAUTH lookups (April 2023: 10;
  May 2025: 15, including the combined county authorities). The newest vintage is the default.
"""

from __future__ import annotations

import pandas as pd

from levelup.data import lad_codes
from levelup.data.lad_codes import RECODES, REORGANISATIONS  # noqa: F401 - public names, kept here
from levelup.errors import UnknownRegionError, close_matches
from levelup.geo._stored import keyed_by_files
from levelup.geo.itl import lookup


def _vintage_year(vintage: int | str | None) -> int:
    years = cauth_vintages()
    if vintage is None:
        return max(years)
    y = int(str(vintage).strip()[-4:]) if str(vintage).strip()[-4:].isdigit() else None
    if y is None or y not in years:
        raise UnknownRegionError(f"no combined-authority lookup of vintage {vintage!r}; known: {years}")
    return y


@keyed_by_files("lad_itl_lookup")
def lads() -> pd.DataFrame:
    """The 361 local authorities: ``code, name, level, itl1, itl2, itl3, straddles``.

    ``itl2`` and ``itl3`` list every unit the authority lies in, joined with ``;`` when there are
    several (``straddles`` is then True).
    """
    lk = lookup()
    rows = []
    for code, g in lk.groupby("geo_code", sort=True):
        itl3 = sorted(set(g["itl3"]))
        itl2 = sorted(set(g["itl2"]))
        rows.append(
            {
                "code": code,
                "name": g["geo_name"].iat[0],
                "level": "lad",
                "itl1": ";".join(sorted(set(g["itl1"]))),
                "itl2": ";".join(itl2),
                "itl3": ";".join(itl3),
                "straddles": len(itl3) > 1,
            }
        )
    return pd.DataFrame(rows)


@keyed_by_files("lad_itl_lookup")
def _itl3_of() -> dict[str, tuple[str, ...]]:
    t = lads()
    return {c: tuple(u.split(";")) for c, u in zip(t["code"], t["itl3"])}


def lad_itl3(code: str) -> tuple[str, ...]:
    """Every ITL3 unit a local authority lies in (one or several; never a silent first match)."""
    hit = _itl3_of().get(code)
    if hit is None:
        raise UnknownRegionError(f"no local authority {code!r} in the April 2023 lookup")
    return hit


def straddling() -> pd.DataFrame:
    """The local authorities that lie in more than one ITL3 unit."""
    t = lads()
    return t[t["straddles"]].reset_index(drop=True)


@keyed_by_files("lad_itl_lookup")
def _lads_by_itl3() -> dict[str, tuple[str, ...]]:
    lk = lookup()
    return {unit: tuple(sorted(set(g))) for unit, g in lk.groupby("itl3", sort=True)["geo_code"]}


def lads_in_itl3(code: str) -> tuple[str, ...]:
    """The LADs with some part in ITL3 unit ``code`` (a straddling LAD appears under each of its units)."""
    return _lads_by_itl3().get(code, ())


@keyed_by_files("cauth_lookup")
def _cauth_rows() -> pd.DataFrame:
    from levelup.data import load

    return load("cauth_lookup")[["geo_code", "geo_name", "cauth", "cauth_name", "year", "vintage"]]


def cauth_vintages() -> list[int]:
    """Years of the combined-authority lookups available (e.g. [2023, 2025])."""
    return sorted(int(y) for y in _cauth_rows()["year"].unique())


@keyed_by_files("lad_itl_lookup", "cauth_lookup")
def combined_authorities(vintage: int | str | None = None) -> pd.DataFrame:
    """Combined authorities of one lookup vintage (newest by default).

    Columns ``code, name, level ("cauth"), members`` (tuple of LAD codes as the lookup publishes
    them), ``itl1`` (the ITL1 region(s) of its members), ``vintage``, ``year``.
    """
    year = _vintage_year(vintage)
    rows = _cauth_rows()
    rows = rows[rows["year"] == year]
    itl1 = lads().set_index("code")["itl1"]
    out = []
    for (code, name), g in rows.groupby(["cauth", "cauth_name"], sort=True):
        members = tuple(sorted(g["geo_code"]))
        regions = sorted({itl1.get(canonical(m, strict=False), "") for m in members} - {""})
        out.append(
            {
                "code": code,
                "name": name,
                "level": "cauth",
                "members": members,
                "itl1": ";".join(regions),
                "vintage": g["vintage"].iat[0],
                "year": year,
            }
        )
    return pd.DataFrame(out)


@keyed_by_files("lad_itl_lookup")
def code_changes() -> pd.DataFrame:
    """Old local-authority code -> new code, with the date of change, the reason and the evidence.

    Built from the lookup's LAU1 column (pre-2023 districts inside a LAD23; Scottish LAU1 codes
    S30... are sub-divisions, not old codes, and are skipped) plus the post-2023 recodes above.
    """
    return lad_codes.code_changes(lookup())


def successor(code: str) -> str | None:
    """The code that replaced ``code`` (E07000026 -> E06000063; E08000016 -> E08000038), or None."""
    t = code_changes()
    hit = t[t["old_code"] == code.strip().upper()]
    return None if hit.empty else hit["new_code"].iat[0]


@keyed_by_files("lad_itl_lookup")
def _canon_maps() -> tuple[frozenset, dict[str, str], dict[str, str]]:
    return lad_codes.canonical_maps(lookup())


def canonical(code: str, *, strict: bool = True) -> str:
    """The April 2023 code the data use for ``code``.

    A LAD23 code is returned as is; an old district code gives the LAD23 authority it became part
    of (through LAU1); a post-2023 code gives the April 2023 code it replaced (E08000038 ->
    E08000016). Unknown codes raise ``UnknownRegionError`` (or are returned as is with
    ``strict=False``).
    """
    code = code.strip().upper()
    known, forward, back = _canon_maps()
    if code in known:
        return code
    if code in forward:
        return forward[code]
    if code in back:
        return back[code]
    if not strict:
        return code
    raise UnknownRegionError(
        f"no local authority with code {code!r} in the April 2023 lookup or its code history",
        suggestions=close_matches(code, known, n=3),
    )


def canonical_map(codes) -> dict[str, str]:
    """{published code: April 2023 code} for parsers (``""`` where a code is unknown)."""
    return lad_codes.canonical_map(codes, lookup())


def predecessors(code: str) -> tuple[str, ...]:
    """Old district codes that became part of LAD ``code`` (empty when it was not reorganised)."""
    t = code_changes()
    return tuple(sorted(t.loc[(t["new_code"] == code) & t["via"].str.startswith("ONS LAD23"), "old_code"]))
