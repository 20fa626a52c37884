"""Regional GDP for city regions and combined authorities (ONS, 24 April 2024, 1998-2022).

Layout (Tables 1-13, the same tables as the ITL workbook): title in A1, header in row 2
(``Area type | Geo code | Area name | '1998' ...``, years as text), data from row 3. ``Area
type`` is ``CR`` (a city region or combined authority) or ``LA`` (a member local authority,
listed under each city region it belongs to, so a council can appear more than once: kept once).

Levels: ``E47`` combined authorities and ``E61000001`` Greater London Authority -> ``cauth``;
other city regions (``W42``, ``N34``, Scottish and other regions coded "Not available", kept
under their name) -> ``other``; ``LA`` rows -> ``lad``. Measures, units and price bases as in
:mod:`levelup.data.ons.gdp` (the real tables are in 2019 money value). This is the only ONS
table with chained-volume (real) GDP for combined authorities.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from levelup.data.ons._excel import Workbook, read_wide_table
from levelup.data.ons.gdp import TABLES

PARSER_VERSION = 1

HEADERS = ("Area type", "Geo code", "Area name")


def _level(area_type: str, code: str) -> str:
    if area_type == "LA":
        return "lad"
    if code.startswith("E47") or code == "E61000001":
        return "cauth"
    return "other"


def parse(paths: list[Path], source) -> pd.DataFrame:
    wb = Workbook(paths[0])
    parts = []
    for sheet, (measure, unit, basis) in TABLES.items():
        long = read_wide_table(wb, sheet, header_row=1, headers=HEADERS,
                               ids={"area_type": 0, "geo_code": 1, "geo_name": 2},
                               measure=measure, unit=unit, price_basis=basis)
        unnamed = long["geo_code"].str.lower().eq("not available")
        long.loc[unnamed, "geo_code"] = long.loc[unnamed, "geo_name"]
        long["level"] = [_level(t, c) for t, c in zip(long["area_type"], long["geo_code"])]
        parts.append(long.drop(columns="area_type"))
    out = pd.concat(parts, ignore_index=True)
    out = out.drop_duplicates(["geo_code", "measure", "year"], keep="first").reset_index(drop=True)
    out["vintage"] = source.release[:7]
    return out
