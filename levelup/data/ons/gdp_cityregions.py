"""Regional GDP for city regions and combined authorities (ONS, 24 April 2024, 1998-2022).

Layout (Tables 1-13, the same tables as the ITL workbook): title in A1, header in row 2
(``Area type | Geo code | Area name | '1998' ...``, years as text), data from row 3. ``Area
type`` is ``CR`` (a city region or combined authority) or ``LA`` (a member local authority,
listed under each city region it belongs to, so a council can appear more than once: an exact
repeat is kept once, a repeat with other numbers is a ``LayoutError``).

Levels: ``E47`` combined authorities and ``E61000001`` Greater London Authority -> ``cauth``;
other city regions (``W42``, ``N34``, Scottish and other regions coded "Not available", kept
under their name) -> ``other``; ``LA`` rows -> ``lad``. Measures, units and price bases as in
:mod:`levelup.data.ons.gdp` (the real tables are in 2019 money value). This is the only ONS
table with chained-volume (real) GDP for combined authorities.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from levelup.data.ons._excel import Workbook, expect_header, melt_years, year_columns
from levelup.data.ons.gdp import TABLES
from levelup.errors import LayoutError

PARSER_VERSION = 2

HEADERS = ("Area type", "Geo code", "Area name")


def _level(area_type: str, code: str) -> str:
    if area_type == "LA":
        return "lad"
    if code.startswith("E47") or code == "E61000001":
        return "cauth"
    return "other"


def read_table(wb: Workbook, sheet: str, measure: str, unit: str, basis: str) -> pd.DataFrame:
    """One table as tidy rows. A council listed again under another city region must repeat its
    first row exactly (it is then kept once); a repeat with other numbers raises ``LayoutError``."""
    raw = wb.sheet(sheet)
    expect_header(raw, 1, dict(enumerate(HEADERS)), sheet=sheet, path=wb.path)
    years = year_columns(raw.iloc[1], start_col=len(HEADERS), sheet=sheet, path=wb.path)
    if not years:
        raise LayoutError(f"{wb.path.name}, sheet {sheet!r}: expected year columns such as '1998' in row 2, found none")
    body = raw.iloc[2:]
    body = body[body.iloc[:, 1].astype(str).str.strip().ne("")]
    key = body.iloc[:, :3].astype(str).apply(lambda c: c.str.strip())
    repeat = key.duplicated(keep="first").to_numpy()
    if repeat.any():
        whole = body.astype(str).apply(lambda c: c.str.strip())
        differs = repeat & ~whole.duplicated(keep="first").to_numpy()
        if differs.any():
            r = body.index[differs][0]
            raise LayoutError(
                f"{wb.path.name}, sheet {sheet!r}: row {r + 1} repeats {tuple(key.loc[r])} with other numbers; "
                "the parser cannot tell which row to use"
            )
        body = body[~repeat]
    long = melt_years(body, {"area_type": 0, "geo_code": 1, "geo_name": 2}, years,
                      where=f"{wb.path.name}, sheet {sheet!r}")
    long["measure"] = measure
    long["unit"] = unit
    long["price_basis"] = basis
    return long


def parse(paths: list[Path], source) -> pd.DataFrame:
    wb = Workbook(paths[0])
    parts = []
    for sheet, (measure, unit, basis) in TABLES.items():
        long = read_table(wb, sheet, measure, unit, basis)
        unnamed = long["geo_code"].str.lower().eq("not available")
        long.loc[unnamed, "geo_code"] = long.loc[unnamed, "geo_name"]
        long["level"] = [_level(t, c) for t, c in zip(long["area_type"], long["geo_code"])]
        parts.append(long.drop(columns="area_type"))
    out = pd.concat(parts, ignore_index=True)
    out["vintage"] = source.release[:7]
    return out
