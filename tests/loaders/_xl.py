"""Read single spreadsheet cells independently of levelup's parsers (openpyxl for xlsx, xlrd for xls).

Loader tests compare what a parser returns with the cell the number comes from, so that the
test is a second route to the same value, not the parser checked against itself.
"""

from __future__ import annotations

import csv
from functools import lru_cache
from pathlib import Path

from openpyxl.utils.cell import column_index_from_string, coordinate_from_string


@lru_cache(maxsize=32)
def _rows(path: str, sheet: str) -> tuple[tuple, ...]:
    if path.endswith(".xls"):
        import xlrd

        ws = xlrd.open_workbook(path).sheet_by_name(sheet)
        return tuple(tuple(ws.row_values(r)) for r in range(ws.nrows))
    import openpyxl

    wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        return tuple(tuple(r) for r in wb[sheet].iter_rows(values_only=True))
    finally:
        wb.close()


def cell(path: Path, sheet: str, ref: str):
    """The value of cell ``ref`` (e.g. ``"D5"``) on ``sheet``, read with openpyxl/xlrd."""
    col, row = coordinate_from_string(ref)
    rows = _rows(str(path), sheet)
    r = rows[row - 1]
    c = column_index_from_string(col) - 1
    return r[c] if c < len(r) else None


@lru_cache(maxsize=8)
def _csv(path: str) -> tuple[tuple[str, ...], ...]:
    with open(path, newline="", encoding="utf-8-sig") as fh:
        return tuple(tuple(r) for r in csv.reader(fh))


def csv_cell(path: Path, line: int, column: str) -> str:
    """The raw text on (1-based) ``line`` under the header ``column`` of a CSV file."""
    rows = _csv(str(path))
    return rows[line - 1][rows[0].index(column)]


def one(df, **where) -> float:
    """The single ``value`` of the rows of ``df`` matching ``where`` (fails unless exactly one)."""
    sel = df
    for k, v in where.items():
        sel = sel[sel[k] == v]
    assert len(sel) == 1, f"{len(sel)} rows match {where}"
    return float(sel["value"].iloc[0])


def check_cell(df, path: Path, sheet: str, ref: str, expected, *, year_row: int, code_col: str = "B", **where):
    """Cell ``ref`` holds ``expected``; the parser's row for that cell's code and year agrees.

    The region code is read from column ``code_col`` of the cell's row and the year from row
    ``year_row`` of the cell's column, so the test finds the parser's row by the spreadsheet's own labels.
    """
    col, row = coordinate_from_string(ref)
    got = cell(path, sheet, ref)
    assert got == expected, f"{sheet}!{ref} holds {got!r}, expected {expected!r}"
    code = str(cell(path, sheet, f"{code_col}{row}")).strip()
    year = int(float(cell(path, sheet, f"{col}{year_row}")))
    import math

    value = one(df, geo_code=code, year=year, **where)
    if isinstance(expected, str):
        assert math.isnan(value)
    else:
        assert value == expected, f"parser gives {value} for {code} {year}, {sheet}!{ref} holds {expected}"
