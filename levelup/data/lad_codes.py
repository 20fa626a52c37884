"""Local-authority code changes, read from the ONS LAD-LAU1-ITL lookup (``lad_itl_lookup``).

The data layer needs them itself: parsers of tables published on older local-authority codes
(``lad_population``, ``lad_gva_industry``) map each code to its April 2023 code. The lookup is a
registered source that those parsers declare in ``DEPENDS``, so its sha256 is part of their cache
key and a new lookup file rebuilds them. :mod:`levelup.geo.lad` builds its public functions
(``code_changes``, ``canonical``) on what is here; nothing here imports ``levelup.geo``.

- The 361 April 2023 LAD codes (``LAD23CD``) are canonical.
- Older district codes map to their successor through the lookup's LAU1 column (``LAU121CD``);
  Scottish LAU1 codes (``S30...``) are sub-divisions, not old codes, and are skipped.
- Codes issued after April 2023 (:data:`RECODES`) map back to the April 2023 code they replaced.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

#: Why and when each new code of the LAU1 mappings was created (keyed by the new LAD code).
REORGANISATIONS = {
    "E06000061": (
        "2021-04-01",
        "Northamptonshire reorganisation: districts merged into North Northamptonshire",
    ),
    "E06000062": (
        "2021-04-01",
        "Northamptonshire reorganisation: districts merged into West Northamptonshire",
    ),
    "E06000063": ("2023-04-01", "Cumbria reorganisation: districts merged into Cumberland"),
    "E06000064": ("2023-04-01", "Cumbria reorganisation: districts merged into Westmorland and Furness"),
    "E06000065": (
        "2023-04-01",
        "North Yorkshire reorganisation: districts merged into the unitary North Yorkshire",
    ),
    "E06000066": ("2023-04-01", "Somerset reorganisation: districts merged into the unitary Somerset"),
}

#: Code changes after April 2023 (old canonical code, name, new code, date, reason).
RECODES = (
    (
        "E08000016",
        "Barnsley",
        "E08000038",
        "2025-04-01",
        "Barnsley and Sheffield (Boundary Change) Order 2024 (SI 2024/1328): boundary change, new code",
    ),
    (
        "E08000019",
        "Sheffield",
        "E08000039",
        "2025-04-01",
        "Barnsley and Sheffield (Boundary Change) Order 2024 (SI 2024/1328): boundary change, new code",
    ),
)

CHANGE_COLUMNS = ["old_code", "old_name", "new_code", "new_name", "date", "reason", "via"]


def lad_lookup() -> pd.DataFrame:
    """The registered LAD-LAU1-ITL lookup as a tidy table (``levelup.data.load("lad_itl_lookup")``)."""
    from levelup.data.api import load

    return load("lad_itl_lookup")


def code_changes(lookup: pd.DataFrame | None = None) -> pd.DataFrame:
    """Old local-authority code -> new code, with the date of change, the reason and the evidence.

    ``lookup``: the LAD-LAU1-ITL lookup (columns ``geo_code, geo_name, lau1, lau1_name``); the
    registered one by default.
    """
    lk = lad_lookup() if lookup is None else lookup
    old = lk[(lk["lau1"] != lk["geo_code"]) & ~lk["lau1"].str.startswith("S30")]
    rows = []
    for r in old.itertuples():
        date, reason = REORGANISATIONS.get(r.geo_code, ("", "district replaced (ONS lookup LAU1 column)"))
        rows.append((r.lau1, r.lau1_name, r.geo_code, r.geo_name, date, reason, "ONS LAD23-LAU121 lookup"))
    for o, oname, n, date, reason in RECODES:
        rows.append((o, oname, n, oname, date, reason, "ONS register of codes (LAD 2025 products)"))
    return pd.DataFrame(rows, columns=CHANGE_COLUMNS).sort_values(["date", "old_code"], ignore_index=True)


def canonical_maps(lookup: pd.DataFrame | None = None) -> tuple[frozenset, dict[str, str], dict[str, str]]:
    """``(known, forward, back)``: the April 2023 codes, old code -> April 2023 code, and
    post-2023 code -> the April 2023 code it replaced."""
    lk = lad_lookup() if lookup is None else lookup
    known = frozenset(lk["geo_code"])
    t = code_changes(lk)
    forward = {o: n for o, n in zip(t["old_code"], t["new_code"]) if n in known and o not in known}
    back = {n: o for o, n in zip(t["old_code"], t["new_code"]) if o in known and n not in known}
    return known, forward, back


def canonical_map(codes: Iterable[str], lookup: pd.DataFrame | None = None) -> dict[str, str]:
    """{published code: April 2023 code} for parsers (``""`` where a code is unknown)."""
    known, forward, back = canonical_maps(lookup)
    out = {}
    for c in codes:
        code = str(c).strip().upper()
        out[c] = code if code in known else forward.get(code) or back.get(code) or ""
    return out
