"""ASHE loader: the four workbooks in ../shared/ons/ashe against cells read independently with xlrd.

Expected numbers come from the issue (UK median weekly pay 448.5 in 2017 and 574.9 in 2023;
North East 416.1 and 528.2; London 558.1 and 682.6; UK median annual pay 29,669 in 2023;
LWF: UK 12.2%, Yorkshire and The Humber 15.8%) and from MANIFEST.md; each is also read
from the named cell with xlrd here, not through the parser.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from levelup.data.ons import ashe
from levelup.errors import LayoutError

W2017 = "ashe/Home Geography Table 8.1a   Weekly pay - Gross 2017.xls"
W2023 = "ashe/PROV - Home Geography Table 8.1a   Weekly pay - Gross 2023.xls"
A2023 = "ashe/PROV - Home Geography Table 8.7a   Annual pay - Gross 2023.xls"
LWF = "ashe/PROV - Work Geography LWF Table 7 LWF.1a   lwfmgx 2022.xls"


@pytest.fixture(scope="module")
def tidy(data_root) -> pd.DataFrame:
    from levelup.data import load

    return load("ashe", root=data_root)


def cell(ons_dir: Path, rel: str, sheet: str, ref: str):
    """The value of cell ``ref`` (e.g. 'D10') of ``sheet``, read with xlrd (not through the parser)."""
    import xlrd

    col = ord(ref[0]) - 65
    row = int(ref[1:]) - 1
    return xlrd.open_workbook(str(ons_dir / rel)).sheet_by_name(sheet).cell_value(row, col)


def pick(df, geo, measure, year, sex="all", pattern="all"):
    row = df[(df["geo_code"] == geo) & (df["measure"] == measure) & (df["year"] == year)
             & (df["sex"] == sex) & (df["working_pattern"] == pattern)]
    assert len(row) == 1, (geo, measure, year, sex, pattern, len(row))
    return row.iloc[0]


# (file, sheet, value cell, code cell, expected code, expected value, levelup code, measure, year)
CELLS = [
    (W2017, "All", "D6", "B6", "K02000001", 448.5, "UK", "median_weekly_pay", 2017),
    (W2023, "All", "D6", "B6", "K02000001", 574.9, "UK", "median_weekly_pay", 2023),
    (W2017, "All", "D10", "B10", "E12000001", 416.1, "TLC", "median_weekly_pay", 2017),
    (W2023, "All", "D10", "B10", "E12000001", 528.2, "TLC", "median_weekly_pay", 2023),
    (W2017, "All", "D227", "B227", "E12000007", 558.1, "TLI", "median_weekly_pay", 2017),
    (W2023, "All", "D207", "B207", "E12000007", 682.6, "TLI", "median_weekly_pay", 2023),
    (A2023, "All", "D6", "B6", "K02000001", 29669.0, "UK", "median_annual_pay", 2023),
    (LWF, "All", "D6", "B6", "K02000001", 12.2, "UK", "below_living_wage_share", 2022),
    (LWF, "All", "D68", "B68", "E12000003", 15.8, "TLE", "below_living_wage_share", 2022),
    # further columns: mean (F), a percentile (Q = 90th), jobs below LWF (C)
    (W2023, "All", "F10", "B10", "E12000001", 584.1, "TLC", "mean_weekly_pay", 2023),
    (W2017, "All", "Q6", "B6", "K02000001", 972.6, "UK", "p90_weekly_pay", 2017),
    (LWF, "All", "C6", "B6", "K02000001", 3495.0, "UK", "jobs_below_living_wage", 2022),
]


@pytest.mark.parametrize("rel, sheet, ref, code_ref, code, expected, geo, measure, year", CELLS)
def test_values_match_named_cells(tidy, ons_dir, rel, sheet, ref, code_ref, code, expected, geo, measure, year):
    assert cell(ons_dir, rel, sheet, code_ref) == code
    assert cell(ons_dir, rel, sheet, ref) == pytest.approx(expected)
    row = pick(tidy, geo, measure, year)
    assert row["value"] == pytest.approx(expected)
    assert row["gss_code"] == code and row["flag"] == ""


def test_region_counts_and_levels(tidy):
    med = tidy[(tidy["measure"] == "median_weekly_pay") & (tidy["sex"] == "all") & (tidy["working_pattern"] == "all")]
    for year in (2017, 2023):
        y = med[med["year"] == year]
        assert sorted(y.loc[y["level"] == "itl1", "geo_code"]) == [f"TL{c}" for c in "CDEFGHIJKLMN"]
        assert y.loc[y["level"] == "uk", "geo_code"].tolist() == ["UK"]
        assert y.loc[y["level"] == "nation", "geo_code"].tolist() == ["TLB"]
    # local authorities: Great Britain's LADs of each code set (MANIFEST: 442 rows in 2017, 407 in 2023)
    assert (med.query("year == 2017")["level"] == "lad").sum() == 380
    assert (med.query("year == 2023")["level"] == "lad").sum() == 350
    lwf = tidy[(tidy["measure"] == "below_living_wage_share") & (tidy["sex"] == "all") & (tidy["working_pattern"] == "all")]
    assert (lwf["level"] == "lad").sum() == 363  # MANIFEST: 363 local authorities
    assert (lwf["level"] == "itl1").sum() == 12
    other = med.query("year == 2023 and level == 'other'")
    assert set(other["geo_type"]) == {"great_britain", "england_and_wales", "inner_outer_london", "county",
                                      "metropolitan_county"}
    # nine sheets
    assert set(zip(tidy["sex"], tidy["working_pattern"])) == set(ashe.SHEETS.values())


def test_sheet_dimensions(tidy, ons_dir):
    # 'Female Part-Time' sheet, cell D10 (North East), 2017 and 2023
    for rel, year in ((W2017, 2017), (W2023, 2023)):
        expected = cell(ons_dir, rel, "Female Part-Time", "D10")
        assert pick(tidy, "TLC", "median_weekly_pay", year, "female", "part_time")["value"] == pytest.approx(expected)


def test_markers_are_nan_with_flag_never_strings(tidy, ons_dir):
    assert tidy["value"].dtype == np.float64
    # 2017 weekly, sheet 'All', cell Q11: Darlington 90th percentile is 'x' (CV > 20%)
    assert cell(ons_dir, W2017, "All", "B11") == "E06000005"
    assert cell(ons_dir, W2017, "All", "Q11") == "x"
    row = pick(tidy, "E06000005", "p90_weekly_pay", 2017)
    assert math.isnan(row["value"]) and row["flag"] == "x" and row["quality"] == "CV>20%"
    # every marker cell is NaN and every NaN has a flag
    assert tidy.loc[tidy["flag"] != "", "value"].isna().all()
    assert (tidy.loc[tidy["value"].isna(), "flag"] != "").all()
    assert {"x", "..", "-", "blank"} <= set(tidy["flag"])


def test_quality_bands_from_cell_colours(tidy):
    # Colours in the 2023 weekly workbook, sheet 'All' (key in S8:S11): D10 North East has no
    # fill (CV <= 5%); D11 Darlington is grey (CV > 5% and <= 10%); H12 Hartlepool (10th
    # percentile) is turquoise (CV > 10% and <= 20%). Annual changes are not colour coded.
    assert pick(tidy, "TLC", "median_weekly_pay", 2023)["quality"] == "CV<=5%"
    assert pick(tidy, "E06000005", "median_weekly_pay", 2023)["quality"] == "5%<CV<=10%"
    assert pick(tidy, "E06000001", "p10_weekly_pay", 2023)["quality"] == "10%<CV<=20%"
    assert pick(tidy, "TLC", "median_weekly_pay_annual_change", 2023)["quality"] == ""
    assert "unknown" not in set(tidy["quality"])


def test_provenance_columns(tidy):
    ne = pick(tidy, "TLC", "median_weekly_pay", 2017)
    assert ne["basis"] == "place of residence" and ne["vintage"] == "2017 revised" and ne["unit"] == "GBP"
    assert pick(tidy, "TLC", "median_weekly_pay", 2023)["vintage"] == "2023 provisional"
    assert pick(tidy, "TLE", "below_living_wage_share", 2022)["basis"] == "place of work"
    lad = pick(tidy, "E08000021", "median_weekly_pay", 2017)
    assert "2017" in lad["code_vintage"] and lad["level"] == "lad" and lad["geo_name"] == "Newcastle upon Tyne"


def test_pay_growth_on_the_real_tables(tidy, ons_dir):
    from levelup.data.pay import cpih, pay_growth

    g = pay_growth(2017, 2023, data=tidy)
    ne17, ne23 = cell(ons_dir, W2017, "All", "D10"), cell(ons_dir, W2023, "All", "D10")
    uk23 = cell(ons_dir, W2023, "All", "D6")
    p = cpih()
    assert g.loc["TLC", "nominal_growth"] == pytest.approx(100 * (ne23 / ne17 - 1))
    assert g.loc["TLC", "real_growth"] == pytest.approx(100 * ((ne23 / p[2023]) / (ne17 / p[2017]) - 1))
    assert g.loc["TLC", "gap_to_uk_end"] == pytest.approx(ne23 - uk23)
    # MANIFEST sanity: London has the smallest rise, Scotland the largest
    assert g["nominal_growth"].idxmin() == "TLI" and g["nominal_growth"].idxmax() == "TLM"


# ---------------------------------------------------------------- synthetic workbooks (no ../shared needed)


def _write_synthetic(path: Path, *, median_header: str = "Median") -> None:
    """A small workbook in the Table 8 layout (9 data sheets), written with openpyxl."""
    from openpyxl import Workbook

    wb = Workbook()
    wb.active.title = "Notes"
    for name in ashe.SHEETS:
        ws = wb.create_sheet(name)
        ws["A1"] = "Table 8.1a   Weekly pay - Gross (£) - For all employee jobsa: United Kingdom, 2019"
        ws["C3"], ws["E3"], ws["G3"] = "Number", "Annual", "Annual"
        ws["C4"], ws["H4"] = "of jobsb", "Percentiles"
        head = ["Description", "Code", "(thousand)", median_header, "change", "Mean", "change", *ashe.PERCENTILES]
        for j, v in enumerate(head):
            ws.cell(row=5, column=j + 1, value=v)
        rows = [
            ["United Kingdom ", "K02000001", 100, 500.0, 2.0, 600.0, 1.0, *range(100, 200, 10)],
            ["North East ", "E12000001", 10, 400.0, "", 450.0, "x", *range(90, 190, 10)],
            ["  Gateshead", "E08000037", 2, "x", "..", 300.0, 1.5, *(["x"] * 10)],
            ["Not Classified", "", 1, 450.0, 1.0, 500.0, 1.0, *range(100, 200, 10)],
            ["a  Employees on adult rates", "", "", "", "", "", "", *([""] * 10)],
        ]
        for i, r in enumerate(rows):
            for j, v in enumerate(r):
                ws.cell(row=6 + i, column=j + 1, value=v)
    wb.save(path)


def test_synthetic_workbook_parses(tmp_path):
    path = tmp_path / "synthetic weekly 2019.xlsx"
    _write_synthetic(path)
    df = ashe.parse_file(path)
    allr = df[(df["sex"] == "all") & (df["working_pattern"] == "all")]
    med = allr[allr["measure"] == "median_weekly_pay"].set_index("geo_code")
    assert list(med.index) == ["UK", "TLC", "E08000037"]  # 'Not Classified' (no code) dropped
    assert med.loc["TLC", "value"] == 400.0 and med.loc["TLC", "gss_code"] == "E12000001"
    assert math.isnan(med.loc["E08000037", "value"]) and med.loc["E08000037", "flag"] == "x"
    chg = allr[allr["measure"] == "median_weekly_pay_annual_change"].set_index("geo_code")
    assert chg.loc["TLC", "flag"] == "blank" and chg.loc["E08000037", "flag"] == ".."
    assert set(df["year"]) == {2019} and set(df["quality"]) == {""}  # no colours read from xlsx
    assert med.loc["E08000037", "geo_name"] == "Gateshead" and med.loc["E08000037", "level"] == "lad"


def test_moved_header_is_a_layout_error_naming_sheet_cell_and_header(tmp_path):
    path = tmp_path / "synthetic weekly 2019.xlsx"
    _write_synthetic(path, median_header="Medium")
    with pytest.raises(LayoutError) as err:
        ashe.parse_file(path)
    msg = str(err.value)
    assert "sheet 'All'" in msg and "D5" in msg and "'Median'" in msg
