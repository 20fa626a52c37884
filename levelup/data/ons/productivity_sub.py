"""Subregional productivity workbooks of June 2024 (ITL, local authorities, city regions) and of
June 2025 (combined authorities and economic/enterprise regions, ``labourproductivitycaeer3``).

Layout of every table sheet (``A1``-``A5``, ``B1``-``B5``, ``Productivity Hours``,
``Productivity Jobs``; the local-authority file has only ``A1``, ``A3``, ``B1``, ``B3`` and the two
volume sheets): title in A1, the header in **row 5**: the id columns (``ITL_level | ITL_code |
Region_name``, ``LAD_Code | LAD_Name``, ``Area_Code | City_Region`` or ``area_code | area_name``)
then one column per year named ``Index_2004`` / ``Pounds_2004`` / ``Hours_2004`` / ``Jobs_2002``;
data from row 6 to the first empty code, then notes and a ``Source:`` footer.

Measures and units are those of :mod:`levelup.data.ons.productivity` (June 2023 ITL workbook).
``UKX`` (UK less Extra-Regio, the comparator the indices are relative to) gets level ``uk``
as there. Levels: ITL rows by their ``ITL_level`` (England ``TLB`` is ``nation``); local
authority rows ``lad``; combined authorities (``E47``) and the Greater London Authority
(``E61000001``) ``cauth``; other city regions and economic/enterprise regions (``W42``,
``N34``, and areas ONS codes "Not available", kept under their name) ``other``.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from levelup.data.ons._excel import Workbook, expect_header, melt_years
from levelup.data.ons._itl import level_of
from levelup.data.ons.productivity import SHEETS
from levelup.errors import LayoutError

PARSER_VERSION = 1

HEADER_ROW = 4  # 0-based: Excel row 5
#: id headers by file layout
ID_HEADERS = {
    "itl": ("ITL_level", "ITL_code", "Region_name"),
    "lad": ("LAD_Code", "LAD_Name"),
    "cityregion": ("Area_Code", "City_Region"),
    "caeer": ("area_code", "area_name"),
}
PREFIX = {"index": "Index", "£": "Pounds", "hours": "Hours", "jobs": "Jobs"}


def _layout(raw: pd.DataFrame, path: Path, sheet: str) -> str:
    first = tuple(str(v).strip() for v in raw.iloc[HEADER_ROW, :3]) if raw.shape[0] > HEADER_ROW else ("",)
    for name, headers in ID_HEADERS.items():
        if first[: len(headers)] == headers:
            return name
    raise LayoutError(
        f"{path.name}, sheet {sheet!r}: expected one of {[h[0] for h in ID_HEADERS.values()]} in cell A5, "
        f"found {first[0]!r}. ONS may have changed the layout of this table; the parser needs updating."
    )


def _cauth_level(code: str) -> str:
    if code == "UKX":
        return "uk"
    if code.startswith("E47") or code == "E61000001":
        return "cauth"
    return "other"


def read_sheet(wb: Workbook, sheet: str, release: str) -> pd.DataFrame:
    measure, unit, basis, label = SHEETS[sheet]
    raw = wb.sheet(sheet)
    layout = _layout(raw, wb.path, sheet)
    headers = ID_HEADERS[layout]
    expect_header(raw, HEADER_ROW, dict(enumerate(headers)), sheet=sheet, path=wb.path)
    prefix = PREFIX[label]
    years = {}
    for i, v in raw.iloc[HEADER_ROW].items():
        m = re.fullmatch(rf"{prefix}_((?:19|20)\d\d)", str(v).strip())
        if m and i >= len(headers):
            years[int(i)] = int(m.group(1))
    if not years:
        raise LayoutError(
            f"{wb.path.name}, sheet {sheet!r}: expected year columns such as '{prefix}_2004' in row 5, found none"
        )
    body = raw.iloc[HEADER_ROW + 1 :]
    code = body.iloc[:, 1 if layout == "itl" else 0].astype(str).str.strip()
    end = code.eq("").to_numpy().argmax() if code.eq("").any() else len(code)
    body = body.iloc[:end]
    if layout == "itl":
        long = melt_years(body, {"itl": 0, "geo_code": 1, "geo_name": 2}, years)
        long["level"] = ["uk" if c == "UKX" else level_of(i, c) for i, c in zip(long["itl"], long["geo_code"])]
        long = long.drop(columns="itl")
    else:
        long = melt_years(body, {"geo_code": 0, "geo_name": 1}, years)
        unnamed = long["geo_code"].str.lower().eq("not available")
        long.loc[unnamed, "geo_code"] = long.loc[unnamed, "geo_name"]
        if layout == "lad":
            long["level"] = ["uk" if c == "UKX" else "lad" for c in long["geo_code"]]
        else:
            long["level"] = [_cauth_level(c) for c in long["geo_code"]]
    long["measure"] = measure
    long["unit"] = unit
    long["price_basis"] = basis
    long["vintage"] = release
    return long


def parse(paths: list[Path], source) -> pd.DataFrame:
    """Every table sheet of every workbook of the source, one tidy table.

    A UK or combined-authority row repeated across the workbooks of one release (``UKX`` is in
    each) is kept once, from the first workbook listed in the registry."""
    parts = []
    for p in paths:
        wb = Workbook(p)
        parts += [read_sheet(wb, s, source.release[:7]) for s in SHEETS if s in wb.sheet_names]
    out = pd.concat(parts, ignore_index=True)
    return out.drop_duplicates(["geo_code", "measure", "year"], keep="first").reset_index(drop=True)
