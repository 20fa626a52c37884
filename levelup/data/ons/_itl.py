"""Shared reader for ONS regional-accounts tables laid out as ITL | ITL code | Region name | years."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from levelup.data.ons._excel import Workbook, read_wide_table

#: ONS's ``ITL`` column to levelup's level names.
ITL_LEVELS = {"UK": "uk", "ITL1": "itl1", "ITL2": "itl2", "ITL3": "itl3", "Other": "other"}


def level_of(itl: str, code: str) -> str:
    """levelup level for a row: ``uk`` for UK, ``nation`` for England, ``other`` for UKX/Extra-Regio."""
    itl = itl.strip()
    if code == "TLB":
        return "nation"
    if itl == "UK":
        return "uk" if code == "UK" else "other"
    return ITL_LEVELS.get(itl, "other")


def read_itl_table(
    wb: Workbook,
    sheet: str,
    *,
    header_row: int,
    measure: str,
    unit: str,
    price_basis: str,
    headers: tuple[str, str, str] = ("ITL", "ITL code", "Region name"),
    extra_cols: dict[str, int] | None = None,
) -> pd.DataFrame:
    """One sheet as tidy rows; checks the three id headers and that year columns exist."""
    ids = {"itl": 0, "geo_code": 1, "geo_name": 2, **(extra_cols or {})}
    long = read_wide_table(wb, sheet, header_row=header_row, headers=headers, ids=ids, measure=measure,
                           unit=unit, price_basis=price_basis)
    long["level"] = [level_of(i, c) for i, c in zip(long["itl"], long["geo_code"])]
    long = long.drop(columns="itl")
    return long


def raise_layout(path: Path, sheet: str, row: int, wanted: str) -> None:
    from levelup.errors import LayoutError

    raise LayoutError(f"{Path(path).name}, sheet {sheet!r}: expected {wanted} in row {row + 1}, found none")
