"""Population estimates by local authority, 1998-2021 (companion of the April 2023 GVA-by-industry release).

Layout: one sheet ``Data population``; header in row 1 (``Region Code | Region name | 1998 ...
2021``, years as numbers); 374 local-authority rows (codes of 2021), then a blank row and a
``Source: ...`` footer, dropped by keeping only GSS codes (a letter and eight digits).

Measure ``population`` (persons, mid-year estimates), level ``lad``; ``lad23`` maps each code to its
April 2023 code through the ONS lookup's LAU1 column (as in ``lad_gva_industry``). The canonical
local-authority population is Table 6 of the April 2025 GDP file (source ``lad_gdp``); this one
is the denominator that matches the GVA-by-industry vintage.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from levelup.data.lad_codes import canonical_map
from levelup.data.ons._excel import Workbook, expect_header, melt_years, year_columns
from levelup.errors import LayoutError

PARSER_VERSION = 1
#: Sources this parser reads besides its own files (part of the cache key).
DEPENDS = ("lad_itl_lookup",)

SHEET = "Data population"
VINTAGE = "April 2023 (local-authority codes of 2021)"


def parse(paths: list[Path], source) -> pd.DataFrame:
    wb = Workbook(paths[0])
    raw = wb.sheet(SHEET)
    expect_header(raw, 0, {0: "Region Code", 1: "Region name"}, sheet=SHEET, path=wb.path)
    years = year_columns(raw.iloc[0], start_col=2, sheet=SHEET, path=wb.path)
    if not years:
        raise LayoutError(
            f"{wb.path.name}, sheet {SHEET!r}: expected year columns such as 1998 in row 1, found none"
        )
    body = raw.iloc[1:]
    body = body[body.iloc[:, 0].astype(str).str.strip().str.fullmatch(r"[A-Z]\d{8}")]
    out = melt_years(body, {"geo_code": 0, "geo_name": 1}, years, where=f"{wb.path.name}, sheet {SHEET!r}")
    out["level"] = "lad"
    out["measure"] = "population"
    out["unit"] = "persons"
    out["price_basis"] = "mid-year estimate"
    out["lad23"] = out["geo_code"].map(canonical_map(out["geo_code"].unique()))
    out["vintage"] = VINTAGE
    return out
