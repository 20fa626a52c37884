"""Regional GVA(B) by industry for local authorities, one workbook per ITL1 region (ONS, 25 April 2023).

Layout (sheets ``CVM Pounds`` and ``Current Price``; also ``CVM Index`` and ``Implied
Deflator``, not read): title in A1, header in row 2 (``ITL1 region | LAD code | LA name | SIC07 |
SIC07 description | '1998' ... '2021'``), 46 SIC07 rows per local authority, the all-industries
row has SIC07 code ``Total``. ``c`` (confidential: some Cornwall and Isles of Scilly rows) becomes
NaN with flag ``c``.

Measures: ``gva`` (Current Price, GBP million, current basic prices) and ``real_gva`` (CVM
Pounds, GBP million in 2019 money value, chained volume measures; CVM values are not additive).

Geography: 374 local-authority codes of the 2021/2022 vintage (before the 2023 reorganisation of
Cumbria, North Yorkshire and Somerset). ``geo_code`` keeps the code as published; the column
``lad23`` holds the April 2023 code it maps to through the ONS lookup's LAU1 column (the
canonical code set, API.md conventions), so E07000026 Allerdale has ``lad23 = E06000063``.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from levelup.data.lad_codes import canonical_map
from levelup.data.ons._excel import Workbook, read_wide_table

PARSER_VERSION = 1
#: Sources this parser reads besides its own files (part of the cache key).
DEPENDS = ("lad_itl_lookup",)

VINTAGE = "April 2023 (local-authority codes of 2021)"
HEADERS = ("ITL1 region", "LAD code", "LA name", "SIC07", "SIC07 description")
SHEETS = {
    "Current Price": ("gva", "GBP million", "current basic prices"),
    "CVM Pounds": ("real_gva", "GBP million (2019 money value)", "chained volume measures"),
}


def read_sheet(wb: Workbook, sheet: str, measure: str, unit: str, price_basis: str) -> pd.DataFrame:
    """One by-industry sheet as tidy rows (checks the five id headers and the year columns)."""
    ids = {"itl1_name": 0, "geo_code": 1, "geo_name": 2, "industry": 3, "industry_name": 4}
    long = read_wide_table(wb, sheet, header_row=1, headers=HEADERS, ids=ids, measure=measure, unit=unit,
                           price_basis=price_basis)
    long["level"] = "lad"
    return long


def parse(paths: list[Path], source) -> pd.DataFrame:
    parts = []
    for path in paths:
        wb = Workbook(path)
        parts.extend(read_sheet(wb, sheet, m, u, p) for sheet, (m, u, p) in SHEETS.items())
    out = pd.concat(parts, ignore_index=True)
    mapping = canonical_map(out["geo_code"].unique())
    out["lad23"] = out["geo_code"].map(mapping)
    out["vintage"] = VINTAGE
    return out
