"""Subregional productivity, labour productivity by ITL region (ONS, June 2023).

Sheets ``A1``-``A5`` (GVA per hour worked), ``B1``-``B5`` (GVA per filled job),
``Productivity Hours`` and ``Productivity Jobs``. Layout of every table sheet: title in A1,
a two-row header with the **years as integers in row 4** (D4 onward) and
``ITL level | ITL code | Region name`` plus a unit label (``index``, ``£``, ``hours``,
``jobs``) over each year in **row 5**; data from row 6 to the first empty ``ITL code``,
then notes and a ``Source:`` footer.

The UK comparator is the row ``UKX`` "UK less Extra-Regio": the workbook has no plain UK row
(and no Extra-Regio row), so that row keeps its ONS code ``UKX`` and gets level ``uk``.
The indices are relative to it (UK less Extra-Regio = 100). England (``TLB``) is level
``nation``. Smoothed series are a weighted 5-year moving average (ONS advises them for
ITL3 trends); current-price series are not adjusted for inflation.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from levelup.data.ons._excel import Workbook, expect_header, melt_years, year_columns
from levelup.data.ons._itl import level_of, raise_layout

PARSER_VERSION = 1

_IDX = "index (UK less Extra-Regio = 100)"
_CP = "current prices"
#: sheet -> (measure, unit, price basis, unit label expected over the year columns in row 5)
SHEETS = {
    "A1": ("gva_per_hour_index_smoothed", _IDX, f"{_CP}, smoothed (weighted 5-year moving average)", "index"),
    "A2": ("gva_per_hour_index", _IDX, f"{_CP}, unsmoothed", "index"),
    "A3": ("gva_per_hour_smoothed", "GBP", f"{_CP}, smoothed (weighted 5-year moving average)", "£"),
    "A4": ("gva_per_hour", "GBP", f"{_CP}, unsmoothed", "£"),
    "A5": ("gva_per_hour_cvm_index", "index (2020 = 100)", "chained volume measures, unsmoothed", "index"),
    "B1": ("gva_per_job_index_smoothed", _IDX, f"{_CP}, smoothed (weighted 5-year moving average)", "index"),
    "B2": ("gva_per_job_index", _IDX, f"{_CP}, unsmoothed", "index"),
    "B3": ("gva_per_job_smoothed", "GBP", f"{_CP}, smoothed (weighted 5-year moving average)", "£"),
    "B4": ("gva_per_job", "GBP", f"{_CP}, unsmoothed", "£"),
    "B5": ("gva_per_job_cvm_index", "index (2020 = 100)", "chained volume measures, unsmoothed", "index"),
    "Productivity Hours": ("hours_worked", "hours worked in an average week (regional total)", "not applicable (volume)", "hours"),
    "Productivity Jobs": ("filled_jobs", "filled jobs", "not applicable (count)", "jobs"),
}

YEAR_ROW, HEADER_ROW = 3, 4  # 0-based: Excel rows 4 and 5


def read_sheet(wb: Workbook, sheet: str) -> pd.DataFrame:
    """One productivity sheet as tidy rows (layout checked: headers in row 5, years in row 4)."""
    measure, unit, basis, label = SHEETS[sheet]
    raw = wb.sheet(sheet)
    expect_header(raw, HEADER_ROW, {0: "ITL level", 1: "ITL code", 2: "Region name"}, sheet=sheet, path=wb.path)
    years = year_columns(raw.iloc[YEAR_ROW], start_col=3, sheet=sheet, path=wb.path)
    if not years:
        raise_layout(wb.path, sheet, YEAR_ROW, "year columns (2004, 2005, ...)")
    expect_header(raw, HEADER_ROW, dict.fromkeys(years, label), sheet=sheet, path=wb.path)
    body = raw.iloc[HEADER_ROW + 1 :]
    code = body.iloc[:, 1].astype(str).str.strip()
    end = code.eq("").to_numpy().argmax() if code.eq("").any() else len(code)
    body = body.iloc[:end]  # the data end at the first empty ITL code; notes follow
    long = melt_years(body, {"itl": 0, "geo_code": 1, "geo_name": 2}, years, where=f"{wb.path.name}, sheet {sheet!r}")
    long["level"] = ["uk" if c == "UKX" else level_of(i, c) for i, c in zip(long["itl"], long["geo_code"])]
    long = long.drop(columns="itl")
    long["measure"] = measure
    long["unit"] = unit
    long["price_basis"] = basis
    return long


def parse(paths: list[Path], source) -> pd.DataFrame:
    """All twelve table sheets of ``itlproductivity.xlsx`` as one tidy table."""
    wb = Workbook(paths[0])
    return pd.concat([read_sheet(wb, s) for s in SHEETS], ignore_index=True)
