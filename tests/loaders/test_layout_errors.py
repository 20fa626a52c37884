"""Bad input: truncated files, wrong checksums, renamed sheets, moved headers.

Synthetic workbooks in the ONS layouts are built here in tmp_path (openpyxl); each test first
shows that the unmodified synthetic file parses, then moves one thing and checks that the
``LayoutError`` names the sheet and the header it wanted. Nothing may reach the processed
cache from a file that failed its checks.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

from levelup.data import api, registry
from levelup.data.ons import bres, gdhi, gva_industry, jobs05, productivity
from levelup.errors import ChecksumError, LayoutError

REGIONS = [("UK", "UKX", "UK less Extra-Regio"), ("Other", "TLB", "England"), ("ITL1", "TLC", "North East")]


def _save(wb: openpyxl.Workbook, path: Path) -> Path:
    wb.save(path)
    return path


def productivity_book(path: Path, *, rename: dict | None = None, header_row: int = 5) -> Path:
    wb = openpyxl.Workbook()
    wb.active.title = "Contents"
    for sheet, (_, _, _, label) in productivity.SHEETS.items():
        ws = wb.create_sheet((rename or {}).get(sheet, sheet))
        ws["A1"] = f"Table {sheet}"
        years = range(2004, 2007)
        for j, y in enumerate(years):
            ws.cell(header_row - 1, 4 + j, y)
            ws.cell(header_row, 4 + j, label)
        for j, h in enumerate(["ITL level", "ITL code", "Region name"]):
            ws.cell(header_row, 1 + j, h)
        for i, row in enumerate(REGIONS):
            for j, v in enumerate(row):
                ws.cell(header_row + 1 + i, 1 + j, v)
            for j in range(len(years)):
                ws.cell(header_row + 1 + i, 4 + j, 100.0 + i + j)
        ws.cell(header_row + len(REGIONS) + 3, 1, "Source: Office for National Statistics")
    return _save(wb, path)


def gdhi_book(path: Path, *, header_row: int = 2) -> Path:
    wb = openpyxl.Workbook()
    wb.active.title = "Information"
    for sheet in [*gdhi.TABLES, *gdhi.COMPONENTS]:
        ws = wb.create_sheet(sheet)
        comp = sheet in gdhi.COMPONENTS
        heads = ["ITL", "ITL code", "Region name", *(["Transaction code", "Transaction"] if comp else []), "1997", "1998"]
        for j, h in enumerate(heads):
            ws.cell(header_row, 1 + j, h)
        for i, (itl, code, name) in enumerate([("UK", "UK", "United Kingdom"), ("ITL1", "TLC", "North East")]):
            vals = [itl, code, name, *(["B.6g", "Gross Disposable Income"] if comp else []), 10.0 + i, "[u]"]
            for j, v in enumerate(vals):
                ws.cell(header_row + 1 + i, 1 + j, v)
    return _save(wb, path)


def jobs_book(path: Path, *, rename: dict | None = None) -> Path:
    wb = openpyxl.Workbook()
    wb.active.title = "Introduction"
    for sheet in jobs05.SHEETS:
        ws = wb.create_sheet((rename or {}).get(sheet, sheet))
        ws["A6"] = "SIC 2007 section"
        for j, c in enumerate(jobs05.CODES):
            ws.cell(5, 3 + j, f"name of {c}")
            ws.cell(6, 3 + j, c)
        for i, q in enumerate(["Mar 20 4 (r)", "Jun 20 (r)", "Jun 21 (p)"]):
            ws.cell(7 + i, 1, q)
            for j in range(len(jobs05.CODES)):
                ws.cell(7 + i, 3 + j, float(j))
        ws.cell(11, 1, "1. A footnote")
    return _save(wb, path)


def bres_book(path: Path, *, swap: bool = False) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Data"
    ws["A1"], ws["B1"] = "year", "ITL_code"
    letters = list(bres.SECTIONS)
    if swap:
        letters[0], letters[1] = letters[1], letters[0]
    for i, s in enumerate(letters):
        ws.cell(1, 3 + 2 * i, f"{s} : Section {s}")
    ws["B3"] = "nuts 2016 level 3"
    for r, (year, area) in enumerate([(2015, "UKC11 Hartlepool"), (2015, "UKK21 Bournemouth and Poole")]):
        ws.cell(5 + r, 1, year)
        ws.cell(5 + r, 2, area)
        for i in range(len(letters)):
            ws.cell(5 + r, 3 + 2 * i, 10 * (i + 1))
    ws.cell(5, 4, "*")
    return _save(wb, path)


# -- a good synthetic file parses (so the failures below fail for the reason they name) ---


def test_synthetic_files_parse(tmp_path):
    p = productivity.parse([productivity_book(tmp_path / "p.xlsx")], None)
    assert set(p["measure"]) == {m for m, *_ in productivity.SHEETS.values()} and len(p) == 12 * 3 * 3
    assert set(p.loc[p["geo_code"] == "UKX", "level"]) == {"uk"}
    g = gdhi.parse([gdhi_book(tmp_path / "g.xlsx")], None)
    assert g.loc[g["year"] == 1998, "flag"].eq("[u]").all() and g.loc[g["year"] == 1998, "value"].isna().all()
    j = jobs05.parse([jobs_book(tmp_path / "j.xlsx")], None)
    assert set(j["period"]) == {"Mar 2020", "Jun 2020", "Jun 2021"} and len(j) == 15 * 3 * 22
    b = bres.parse([bres_book(tmp_path / "b.xlsx")], None)
    assert set(b["geo_code"]) == {"TLC11", "TLK24"}
    assert b.loc[(b["geo_code"] == "TLC11") & (b["industry"] == "Total"), "value"].item() == sum(range(10, 220, 10))


# -- truncated -----------------------------------------------------------------------------


def test_truncated_workbook(tmp_path):
    good = productivity_book(tmp_path / "good.xlsx")
    bad = tmp_path / "itlproductivity.xlsx"
    bad.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    with pytest.raises(LayoutError, match="itlproductivity.xlsx cannot be read as a spreadsheet"):
        productivity.parse([bad], None)


def test_truncated_csv(tmp_path):
    lines = [",".join([*gva_industry.HEADERS, "1998", "1999"]), 'UK,United Kingdom,Total,All industries,"1,000",']
    p = tmp_path / "Table 1c ITL1 UK current price estimates pounds million.csv"
    p.write_text("\n".join(lines) + "\n")
    with pytest.raises(LayoutError, match=r"expected a number on line 2 under 1999"):
        gva_industry.parse([p], None)


# -- renamed sheet ---------------------------------------------------------------------------


def test_renamed_sheet_productivity(tmp_path):
    path = productivity_book(tmp_path / "p.xlsx", rename={"A4": "A 4"})
    with pytest.raises(LayoutError, match=r"expected a sheet named 'A4'.*did you mean 'A 4'"):
        productivity.parse([path], None)


def test_renamed_sheet_jobs05(tmp_path):
    path = jobs_book(tmp_path / "j.xlsx", rename={"15. United Kingdom": "15. UK"})
    with pytest.raises(LayoutError, match=r"expected a sheet named '15. United Kingdom'"):
        jobs05.parse([path], None)


# -- moved header ----------------------------------------------------------------------------


def test_moved_header_productivity(tmp_path):
    path = productivity_book(tmp_path / "p.xlsx", header_row=6)  # one row down
    with pytest.raises(LayoutError, match=r"sheet 'A1': expected header 'ITL level' in cell A5"):
        productivity.parse([path], None)


def test_moved_header_gdhi(tmp_path):
    path = gdhi_book(tmp_path / "g.xlsx", header_row=3)
    with pytest.raises(LayoutError, match=r"sheet 'Table 1': expected header 'ITL' in cell A2"):
        gdhi.parse([path], None)


def test_reordered_sections_bres(tmp_path):
    path = bres_book(tmp_path / "b.xlsx", swap=True)
    with pytest.raises(LayoutError, match=r"sheet 'Data': expected header 'A : <section name>' in cell C1"):
        bres.parse([path], None)


def test_renamed_csv_header(tmp_path):
    p = tmp_path / "Table 3c ITL3 UK current price estimates pounds million.csv"
    p.write_text("ITL region code,ITL region name,SIC code,SIC07 description,1998\nTLC11,X,Total,All,1\n")
    with pytest.raises(LayoutError, match=r"expected header 'SIC07 code' in cell C1"):
        gva_industry.parse([p], None)


# -- checksums and the processed cache -------------------------------------------------------


def _processed(root: Path) -> list[Path]:
    d = root / "processed"
    return sorted(d.iterdir()) if d.exists() else []


def test_wrong_checksum_in_mirror_writes_nothing(tmp_path, monkeypatch):
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    (mirror / "itlproductivity.xlsx").write_bytes(b"not the ONS file")
    root = tmp_path / "data"
    monkeypatch.setenv("LEVELUP_DATA_DIR", str(root))
    api._MEMO.clear()
    with pytest.raises(ChecksumError, match="itlproductivity.xlsx does not match the registry"):
        api.load("productivity", mirrors=[mirror])
    assert _processed(root) == []
    assert not (root / "raw" / "itlproductivity.xlsx").exists()  # a bad copy is never kept


def test_wrong_checksum_in_raw_dir_is_not_used(tmp_path, monkeypatch, ons_dir):
    """A changed file in the raw dir is replaced by the good mirror copy, never parsed."""
    root = tmp_path / "data"
    (root / "raw").mkdir(parents=True)
    raw = root / "raw" / "jobs05sep2021.xls"
    raw.write_bytes((ons_dir / "jobs05sep2021.xls").read_bytes()[:1000])  # truncated
    api._MEMO.clear()
    df = api.load("jobs05", root=root, mirrors=[ons_dir])
    assert len(df) == 33660
    assert hashlib.sha256(raw.read_bytes()).hexdigest() == registry.get_source("jobs05").files[0].sha256[0]


def test_layout_failure_writes_nothing(tmp_path, monkeypatch):
    """A file that passes its checksum but not the parser's layout checks leaves no cache behind."""
    root = tmp_path / "data"
    (root / "raw").mkdir(parents=True)
    path = productivity_book(root / "raw" / "itlproductivity.xlsx", rename={"B2": "B2 (old)"})
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    reg = dict(registry._registry())
    src = reg["productivity"]
    reg["productivity"] = dataclasses.replace(src, files=(dataclasses.replace(src.files[0], sha256=(digest,)),))
    monkeypatch.setattr(registry, "_registry", lambda: reg)
    api._MEMO.clear()
    with pytest.raises(LayoutError, match="expected a sheet named 'B2'"):
        api.load("productivity", root=root, mirrors=[])
    assert _processed(root) == []


# -- what the parsers do not understand: note markers, numbers as text, duplicated rows (issue 23) --


def _edit(path: Path, sheet: str, cells: dict) -> Path:
    """Change some cells of a synthetic workbook (openpyxl), e.g. {"E4": "2005 [note 3]"}."""
    wb = openpyxl.load_workbook(path)
    for ref, value in cells.items():
        wb[sheet][ref] = value
    return _save(wb, path)


def _a1(df):
    """The rows of productivity sheet A1 (measure gva_per_hour), by region and year."""
    m = productivity.SHEETS["A1"][0]
    return df[df["measure"] == m].set_index(["geo_code", "year"])["value"].sort_index()


@pytest.mark.parametrize("header", ["2005 [note 3]", "2005 [Note 3]", "2005[note 3] [note 12]", " 2005 [note 3] "])
def test_a_year_header_with_a_note_marker_is_that_year(tmp_path, header):
    """ONS writes footnote references in headers ('2021 [note 3]'): the marker points to a note and
    does not qualify the year, so the column is that year. The old parser dropped the year silently."""
    base = _a1(productivity.parse([productivity_book(tmp_path / "base.xlsx")], None))
    marked = _edit(productivity_book(tmp_path / "p.xlsx"), "A1", {"E4": header})
    got = _a1(productivity.parse([marked], None))
    assert sorted(got.index.get_level_values("year").unique()) == [2004, 2005, 2006]
    pd.testing.assert_series_equal(got, base)
    assert got.loc[("TLC", 2005)] == 100.0 + 2 + 1  # the cell written by productivity_book: 100 + row + column


def test_a_csv_year_header_with_a_note_marker_is_that_year(tmp_path):
    lines = [",".join([*gva_industry.HEADERS, "1998", "1999 [note 2]"]), "UK,United Kingdom,Total,All industries,10,12"]
    p = tmp_path / "Table 1c ITL1 UK current price estimates pounds million.csv"
    p.write_text("\n".join(lines) + "\n")
    got = gva_industry.parse([p], None).set_index("year")["value"]
    assert got.to_dict() == {1998: 10.0, 1999: 12.0}


@pytest.mark.parametrize("header", ["2005 (r)", "2005/06", "2005.5", "2005 [r]", "2005 note 3"])
def test_a_header_that_starts_with_a_year_but_is_not_one_raises(tmp_path, header):
    path = _edit(productivity_book(tmp_path / "p.xlsx"), "A1", {"E4": header})
    with pytest.raises(LayoutError, match=rf"p\.xlsx, sheet 'A1': header '{re.escape(header)}' in cell E4 starts with a year"):
        productivity.parse([path], None)


def test_a_year_heading_two_columns_raises(tmp_path):
    path = _edit(productivity_book(tmp_path / "p.xlsx"), "A1", {"F4": "2005 [note 1]"})
    with pytest.raises(LayoutError, match=r"sheet 'A1': year 2005 heads two columns, cell E4 and cell F4"):
        productivity.parse([path], None)


@pytest.mark.parametrize(
    ("text", "number"),
    [("24 575", 24575.0), ("24,575", 24575.0), ("24\u00a0575", 24575.0), ("24\u202f575", 24575.0),
     ("1,234,567.5", 1234567.5), ("-1 234", -1234.0), (" 24575 ", 24575.0), ("0.125", 0.125)],
)
def test_numbers_written_as_text_are_read_exactly(tmp_path, text, number):
    """Thousands separators (comma, space, no-break or thin space) in groups of three are read
    exactly; the old parser turned '24 575' into a missing value with the text as its flag."""
    path = _edit(productivity_book(tmp_path / "p.xlsx"), "A1", {"D7": text})  # TLB (England), 2004
    got = productivity.parse([path], None)
    row = got[(got["measure"] == productivity.SHEETS["A1"][0]) & (got["geo_code"] == "TLB") & (got["year"] == 2004)]
    assert row["value"].item() == number and row["flag"].item() == ""


@pytest.mark.parametrize("text", ["24 57", "1,2345", "24,575.0.1", "2 4575", "12 [note 1]", "24,575 (r)", "1,234 567"])
def test_numbers_that_cannot_be_read_exactly_raise_naming_the_cell(tmp_path, text):
    path = _edit(productivity_book(tmp_path / "p.xlsx"), "A1", {"D7": text})
    with pytest.raises(LayoutError, match=rf"p\.xlsx, sheet 'A1': cell D7 holds '{re.escape(text)}', which is not a number"):
        productivity.parse([path], None)


@pytest.mark.parametrize("marker", ["x", "[c]", "..", "[u]", "-"])
def test_ons_markers_stay_missing_values_with_their_flag(tmp_path, marker):
    path = _edit(productivity_book(tmp_path / "p.xlsx"), "A1", {"D7": marker})
    got = productivity.parse([path], None)
    row = got[(got["measure"] == productivity.SHEETS["A1"][0]) & (got["geo_code"] == "TLB") & (got["year"] == 2004)]
    assert np.isnan(row["value"].item()) and row["flag"].item() == marker


def test_a_duplicated_data_row_raises_naming_the_rows(tmp_path):
    """A region written twice: the old parser passed it on and pandas failed later (pivot)."""
    dup = {"A9": "ITL1", "B9": "TLC", "C9": "North East", "D9": 1.0, "E9": 2.0, "F9": 3.0}
    path = _edit(productivity_book(tmp_path / "p.xlsx"), "A1", dup)
    with pytest.raises(LayoutError, match=r"p\.xlsx, sheet 'A1': rows 8, 9 are the same data row \(ITL1, TLC, North East\)"):
        productivity.parse([path], None)


def test_a_duplicated_data_row_in_a_regional_accounts_table_raises(tmp_path):
    path = gdhi_book(tmp_path / "g.xlsx")
    wb = openpyxl.load_workbook(path)
    ws = wb[gdhi.TABLES[0] if isinstance(gdhi.TABLES, (list, tuple)) else next(iter(gdhi.TABLES))]
    for j, v in enumerate(["ITL1", "TLC", "North East", 11.0, 12.0]):
        ws.cell(5, 1 + j, v)
    _save(wb, path)
    with pytest.raises(LayoutError, match=r"rows 4, 5 are the same data row \(ITL1, TLC, North East\)"):
        gdhi.parse([path], None)
