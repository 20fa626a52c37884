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

import numpy as np
import pandas as pd

from levelup.data.ons._excel import Workbook, expect_header, to_number, year_columns
from levelup.errors import LayoutError

PARSER_VERSION = 1
#: Sources this parser reads besides its own files (part of the cache key).
DEPENDS = ("lad_itl_lookup",)

VINTAGE = "April 2023 (local-authority codes of 2021)"
HEADERS = ("ITL1 region", "LAD code", "LA name", "SIC07", "SIC07 description")
SHEETS = {
    "Current Price": ("gva", "GBP million", "current basic prices"),
    "CVM Pounds": ("real_gva", "GBP million (2019 money value)", "chained volume measures"),
}


def melt_block(body: pd.DataFrame, ids: dict[str, int], years: dict[int, int]) -> pd.DataFrame:
    """Wide rows to long ``{ids}, year, value, flag`` in one vectorised pass (year-major order)."""
    cols, yrs = list(years), list(years.values())
    value, flag = to_number(pd.Series(body.iloc[:, cols].to_numpy().ravel(order="F"), dtype=object))
    out = pd.DataFrame(
        {k: np.tile(body.iloc[:, c].astype(str).str.strip().to_numpy(), len(cols)) for k, c in ids.items()}
    )
    out["year"] = np.repeat(np.asarray(yrs, dtype=np.int64), len(body))
    out["value"] = value.to_numpy()
    out["flag"] = flag.to_numpy()
    return out


def read_sheet(wb: Workbook, sheet: str, measure: str, unit: str, price_basis: str) -> pd.DataFrame:
    """One by-industry sheet as tidy rows (checks the five id headers and the year columns)."""
    raw = wb.sheet(sheet)
    expect_header(raw, 1, dict(enumerate(HEADERS)), sheet=sheet, path=wb.path)
    years = year_columns(raw.iloc[1], start_col=5)
    if not years:
        raise LayoutError(
            f"{wb.path.name}, sheet {sheet!r}: expected year columns such as '1998' in row 2, found none"
        )
    body = raw.iloc[2:]
    body = body[body.iloc[:, 1].astype(str).str.strip().ne("")]
    long = melt_block(
        body, {"itl1_name": 0, "geo_code": 1, "geo_name": 2, "industry": 3, "industry_name": 4}, years
    )
    long["level"] = "lad"
    long["measure"] = measure
    long["unit"] = unit
    long["price_basis"] = price_basis
    return long


def parse(paths: list[Path], source) -> pd.DataFrame:
    parts = []
    for path in paths:
        wb = Workbook(path)
        parts.extend(read_sheet(wb, sheet, m, u, p) for sheet, (m, u, p) in SHEETS.items())
    out = pd.concat(parts, ignore_index=True)
    from levelup.geo.lad import canonical_map

    mapping = canonical_map(out["geo_code"].unique())
    out["lad23"] = out["geo_code"].map(mapping)
    out["vintage"] = VINTAGE
    return out
