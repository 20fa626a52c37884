"""Reading ONS spreadsheets defensively: every parser states the layout it expects.

``Workbook(path).sheet(name)`` returns the raw cells (no header inference) and raises
``LayoutError`` naming the file and the missing sheet (with the sheets that do exist);
``expect_header`` checks header cells and raises ``LayoutError`` naming the sheet,
the cell and the text it wanted when ONS has moved things.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable, Mapping
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


#: a number as text: 24575, -3.5, 1e-3
_PLAIN = r"[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?"
#: a number with thousands separators, one kind throughout and groups of exactly three digits:
#: 24,575  1,234,567.5  24 575 (also with a no-break or thin space, as spreadsheets write them)
_GROUPED = r"[-+]?\d{1,3}(?P<sep>[,\u00a0\u202f ])\d{3}(?:(?P=sep)\d{3})*(?:\.\d+)?"
#: ONS footnote references written after a header: "2021 [note 3]", "2021 [Note 3] [note 4]"
_NOTES = r"(?:\s*\[note\s*\d+\])+"


def _where(path: str | Path | None, sheet: str | None) -> str:
    parts = [Path(path).name if path is not None else "", f"sheet {sheet!r}" if sheet is not None else ""]
    return ", ".join(p for p in parts if p) or "spreadsheet"


def to_number(
    values: pd.Series,
    *,
    where: str = "",
    locate: Callable[[int], str] | None = None,
) -> tuple[pd.Series, pd.Series]:
    """Numbers as float, and a flag Series holding the ONS marker where a cell was not a number.

    Text such as ``'[u]'``, ``'x'``, ``'..'`` (no digits) becomes NaN with the marker kept in the
    flag; numbers stored as text are read exactly, with or without thousands separators
    (``'24575'``, ``'24,575'``, ``'24 575'``). Text with digits that is neither (``'24 57'``,
    ``'1,2345'``, ``'12 [note 1]'``) raises ``LayoutError`` naming ``where`` (file and sheet) and
    the cell (``locate(i)`` for the i-th value, else its index label): it is never turned into NaN.
    """
    flags = pd.Series("", index=values.index, dtype=object)
    is_text = values.map(lambda v: isinstance(v, str)).to_numpy(bool)
    out = pd.to_numeric(values.where(~is_text), errors="coerce")
    if is_text.any():
        text = values[is_text].astype(str).str.strip()
        plain = text.str.fullmatch(_PLAIN)
        grouped = ~plain & text.str.fullmatch(_GROUPED)
        digits = text.str.contains(r"\d")
        unread = digits & ~plain & ~grouped
        if unread.any():
            pos = int(np.flatnonzero(is_text)[np.flatnonzero(unread.to_numpy())[0]])
            cell = locate(pos) if locate is not None else f"at row label {values.index[pos]!r}"
            raise LayoutError(
                f"{where or 'spreadsheet'}: cell {cell} holds {values.iat[pos]!r}, which is not a number levelup can "
                "read exactly (it reads numbers such as 24575, 24,575 or 24 575 and markers such as x, [c] "
                f"or ..; {int(unread.sum())} such cell(s)). ONS may have changed the table; the parser needs updating."
            )
        number = pd.Series(np.nan, index=text.index)
        number[plain] = text[plain].astype(float)
        number[grouped] = text[grouped].str.replace(r"[,\u00a0\u202f ]", "", regex=True).astype(float)
        out[is_text] = number.to_numpy()
        marker = ~(plain | grouped)
        flags[text.index[marker.to_numpy()]] = text[marker].str.lower().to_numpy()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return out.astype(float), flags


def year_columns(
    header: pd.Series, start_col: int = 0, *, sheet: str | None = None, path: str | Path | None = None
) -> dict[int, int]:
    """{column index: year} for header cells that are a year (text '1998', number 1998.0).

    A year followed by ONS footnote references (``'2021 [note 3]'``) is that year: the marker
    points to a note, it does not qualify the number. Any other header that starts with a year
    (``'2021 (r)'``, ``'2021/22'``, ``'2021.5'``) or a year heading two columns raises
    ``LayoutError`` naming the sheet and cell: the parser does not guess what it means.
    """
    row = header.name if isinstance(header.name, (int, np.integer)) else None
    here = _where(path, sheet)

    def cell(i) -> str:
        return f"cell {cell_name(int(row), int(i))}" if row is not None else f"column {col_letter(int(i))}"

    out: dict[int, int] = {}
    seen: dict[int, int] = {}
    for i, v in header.items():
        if i < start_col:
            continue
        s = str(v).strip()
        m = re.fullmatch(rf"((?:19|20)\d\d)(?:\.0)?(?:{_NOTES})?", s, flags=re.IGNORECASE)
        if m is None:
            if re.match(r"(?:19|20)\d\d(?!\d)", s):
                raise LayoutError(
                    f"{here}: header {v!r} in {cell(i)} starts with a year but is not one (levelup reads a year such "
                    "as 2021, or a year with ONS note markers such as '2021 [note 3]'). ONS may have changed "
                    "the layout of this table; the parser needs updating."
                )
            continue
        year = int(m.group(1))
        if year in seen:
            raise LayoutError(
                f"{here}: year {year} heads two columns, {cell(seen[year])} and {cell(i)}; the parser cannot "
                "tell which to use"
            )
        seen[year] = int(i)
        out[int(i)] = year
    return out


def melt_years(
    frame: pd.DataFrame, id_cols: Mapping[str, int], years: Mapping[int, int], *, where: str = ""
) -> pd.DataFrame:
    """Wide rows (one column per year) to long rows ``{id...}, year, value, flag``, year-major,
    in one vectorised pass.

    ``frame`` keeps the sheet's row numbers as its index (0-based, as :meth:`Workbook.sheet`
    gives them), so that errors name cells: a value that is not a number raises ``LayoutError``
    (see :func:`to_number`), and so do two rows with the same ids (a duplicated data row).
    """
    ids = pd.DataFrame({k: frame.iloc[:, c].astype(str).str.strip().to_numpy() for k, c in id_cols.items()})
    dup = ids.duplicated(keep=False).to_numpy()
    if dup.any():
        first = ids[dup].iloc[0]
        rows = [_row_name(frame.index[j]) for j in np.flatnonzero((ids == first).all(axis=1).to_numpy())]
        raise LayoutError(
            f"{where or 'spreadsheet'}: rows {', '.join(rows)} are the same data row ({', '.join(first)}); "
            f"{int(dup.sum())} row(s) are duplicated. Remove the duplicates or check the file."
        )
    cols, yrs = list(years), list(years.values())
    n = len(frame)

    def locate(i: int) -> str:
        r = frame.index[i % n]
        return cell_name(int(r), cols[i // n]) if isinstance(r, (int, np.integer)) else f"{col_letter(cols[i // n])}, row {r!r}"

    value, flag = to_number(
        pd.Series(frame.iloc[:, cols].to_numpy().ravel(order="F"), dtype=object), where=where, locate=locate
    )
    out = pd.DataFrame({k: np.tile(ids[k].to_numpy(), len(cols)) for k in id_cols})
    out["year"] = np.repeat(np.asarray(yrs, dtype=np.int64), len(frame))
    out["value"] = value.to_numpy()
    out["flag"] = flag.to_numpy()
    return out


def _row_name(r) -> str:
    return str(int(r) + 1) if isinstance(r, (int, np.integer)) else repr(r)


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
    years = year_columns(raw.iloc[header_row], start_col=len(headers), sheet=sheet, path=wb.path)
    if not years:
        raise LayoutError(
            f"{wb.path.name}, sheet {sheet!r}: expected year columns such as '1998' in row {header_row + 1}, "
            "found none"
        )
    body = raw.iloc[header_row + 1 :]
    body = body[body.iloc[:, 1].astype(str).str.strip().ne("")]
    long = melt_years(body, ids, years, where=_where(wb.path, sheet))
    long["measure"] = measure
    long["unit"] = unit
    long["price_basis"] = price_basis
    return long
