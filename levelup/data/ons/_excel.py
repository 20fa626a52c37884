"""Reading ONS spreadsheets defensively: every parser states the layout it expects.

``Workbook(path).sheet(name)`` returns the raw cells (no header inference) and raises
``LayoutError`` naming the file and the missing sheet (with the sheets that do exist);
``expect_header`` checks header cells and raises ``LayoutError`` naming the sheet,
the cell and the text it wanted when ONS has moved things.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from levelup.errors import LayoutError, close_matches

#: Cells ONS uses for "no number here": suppressed, not available, confidential, ...
MARKERS = {"x", "[x]", "c", "[c]", "u", "[u]", "..", ":", "-", "*", "[z]", "z", "[low]", "", "n/a", "na"}


def col_letter(i: int) -> str:
    """0-based column index to an Excel letter (0 -> A, 27 -> AB)."""
    s = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        s = chr(65 + r) + s
    return s


def cell_name(row: int, col: int) -> str:
    """0-based (row, col) to an Excel cell name such as ``B2``."""
    return f"{col_letter(col)}{row + 1}"


def _norm(text: object) -> str:
    return re.sub(r"\s+", " ", str(text)).strip().lower()


class Workbook:
    """A spreadsheet (xlsx, xls or ods) read with calamine, sheet by sheet."""

    def __init__(self, path: str | Path):
        from python_calamine import CalamineWorkbook

        self.path = Path(path)
        try:
            self._wb = CalamineWorkbook.from_path(str(self.path))
        except Exception as exc:  # calamine raises its own error types for corrupt files
            raise LayoutError(f"{self.path.name} cannot be read as a spreadsheet: {exc}") from exc
        self.sheet_names = list(self._wb.sheet_names)

    def resolve_sheet(self, name: str) -> str:
        """The sheet's real name (ONS sometimes adds trailing spaces); LayoutError if absent."""
        if name in self.sheet_names:
            return name
        stripped = {s.strip(): s for s in self.sheet_names}
        if name.strip() in stripped:
            return stripped[name.strip()]
        hints = close_matches(name, self.sheet_names)
        hint = f"; did you mean {', '.join(map(repr, hints))}?" if hints else ""
        raise LayoutError(
            f"{self.path.name}: expected a sheet named {name!r}, but it has only "
            f"{', '.join(map(repr, self.sheet_names))}{hint}"
        )

    def sheet(self, name: str) -> pd.DataFrame:
        """All cells of sheet ``name`` as an object DataFrame indexed from 0 (row 0 = Excel row 1)."""
        real = self.resolve_sheet(name)
        rows = self._wb.get_sheet_by_name(real).to_python(skip_empty_area=False)
        width = max((len(r) for r in rows), default=0)
        df = pd.DataFrame([list(r) + [""] * (width - len(r)) for r in rows], dtype=object)
        return df


def expect_header(
    df: pd.DataFrame, row: int, expected: Mapping[int, str], *, sheet: str, path: str | Path
) -> None:
    """Check that row ``row`` (0-based) holds ``expected`` {column index: text} (case/space-insensitive).

    Raises ``LayoutError`` naming file, sheet, cell, the wanted header and what was found.
    """
    name = Path(path).name
    for col, want in expected.items():
        got = df.iat[row, col] if row < df.shape[0] and col < df.shape[1] else None
        if got is None or _norm(got) != _norm(want):
            raise LayoutError(
                f"{name}, sheet {sheet!r}: expected header {want!r} in cell {cell_name(row, col)}, "
                f"found {got!r}. ONS may have changed the layout of this table; the parser needs updating."
            )


def to_number(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Numbers as float, and a flag Series holding the ONS marker where a cell was not a number.

    Text such as ``'[u]'``, ``'x'``, ``'..'`` becomes NaN with the marker kept in the flag;
    numbers stored as text (``'1,234'``) are converted.
    """
    flags = pd.Series("", index=values.index, dtype=object)
    out = pd.to_numeric(values, errors="coerce")
    bad = out.isna() & values.notna()
    if bad.any():
        text = values[bad].astype(str).str.strip()
        cleaned = pd.to_numeric(text.str.replace(",", "", regex=False), errors="coerce")
        out.loc[bad] = cleaned
        still = cleaned.isna()
        flags.loc[text.index[still.to_numpy()]] = text[still].str.lower().to_numpy()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return out.astype(float), flags


def year_columns(header: pd.Series, start_col: int = 0) -> dict[int, int]:
    """{column index: year} for header cells that are a year (text '1998', number 1998.0)."""
    out = {}
    for i, v in header.items():
        if i < start_col:
            continue
        s = str(v).strip()
        if re.fullmatch(r"(19|20)\d\d(\.0)?", s):
            out[int(i)] = int(float(s))
    return out


def melt_years(
    frame: pd.DataFrame, id_cols: Mapping[str, int], years: Mapping[int, int]
) -> pd.DataFrame:
    """Wide rows (one column per year) to long rows ``{id...}, year, value, flag``, year-major,
    in one vectorised pass."""
    cols, yrs = list(years), list(years.values())
    value, flag = to_number(pd.Series(frame.iloc[:, cols].to_numpy().ravel(order="F"), dtype=object))
    out = pd.DataFrame(
        {k: np.tile(frame.iloc[:, c].astype(str).str.strip().to_numpy(), len(cols)) for k, c in id_cols.items()}
    )
    out["year"] = np.repeat(np.asarray(yrs, dtype=np.int64), len(frame))
    out["value"] = value.to_numpy()
    out["flag"] = flag.to_numpy()
    return out


def read_wide_table(
    wb: Workbook,
    sheet: str,
    *,
    header_row: int,
    headers: tuple[str, ...],
    ids: Mapping[str, int],
    measure: str,
    unit: str,
    price_basis: str,
) -> pd.DataFrame:
    """A sheet laid out as id columns (``headers``) then one column per year, as tidy rows.

    Checks the id headers in ``header_row`` (0-based) and that year columns follow them;
    rows with an empty second id column (footers, blank lines) are dropped.
    """
    raw = wb.sheet(sheet)
    expect_header(raw, header_row, dict(enumerate(headers)), sheet=sheet, path=wb.path)
    years = year_columns(raw.iloc[header_row], start_col=len(headers))
    if not years:
        raise LayoutError(
            f"{wb.path.name}, sheet {sheet!r}: expected year columns such as '1998' in row {header_row + 1}, "
            "found none"
        )
    body = raw.iloc[header_row + 1 :]
    body = body[body.iloc[:, 1].astype(str).str.strip().ne("")]
    long = melt_years(body, ids, years)
    long["measure"] = measure
    long["unit"] = unit
    long["price_basis"] = price_basis
    return long
