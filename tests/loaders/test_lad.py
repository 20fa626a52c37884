"""Local-authority loaders (lad_gdp, lad_gva_industry, lad_population) on the real mirror files.

Every expected value is read in the test itself with openpyxl from the named sheet and cell
(an independent route: not through levelup's calamine-based parser).
"""

from __future__ import annotations

import math

import openpyxl
import pytest

from levelup.data import indicator, load
from levelup.data.registry import get_source
from levelup.errors import LayoutError

GDP_LA = "local/gdp_la_2025-04-17_corrected-2025-10-10/regionalgrossdomesticproductgdplocalauthorities.xlsx"
GVA_DIR = "local/gva_industry_la_by_itl1_2023-04-25"


def cell(path, sheet, ref):
    wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        return wb[sheet][ref].value
    finally:
        wb.close()


@pytest.fixture(scope="module")
def lad_gdp(data_root):
    return load("lad_gdp")


def value(df, code, measure, year):
    sel = df[(df["geo_code"] == code) & (df["measure"] == measure) & (df["year"] == year)]
    assert len(sel) == 1
    return float(sel["value"].iat[0])


def test_lad_gdp_counts_and_years(lad_gdp):
    lad = lad_gdp[lad_gdp["level"] == "lad"]
    assert lad["geo_code"].nunique() == 361
    assert sorted(lad["year"].unique()) == list(range(1998, 2024))
    assert set(lad["vintage"]) == {"April 2025 (corrected October 2025)"}
    assert {"E06000063", "E06000064", "E06000065", "E06000066"} <= set(lad["geo_code"])
    assert "E07000026" not in set(lad["geo_code"])  # old Cumbrian district absent
    wide = indicator("gdp_per_head", "lad")
    assert wide.shape == (361, 26) and wide.attrs["source"] == "lad_gdp"


@pytest.mark.parametrize(
    "sheet, ref, code, measure, year",
    [
        ("Table 7", "AC47", "E08000012", "gdp_per_head", 2023),  # Liverpool GDP per head 2023 = 40392
        ("Table 7", "AC315", "W06000015", "gdp_per_head", 2023),  # Cardiff 43671
        ("Table 5", "D47", "E08000012", "gdp", 1998),  # Liverpool GDP 1998
        ("Table 6", "AC15", "E06000063", "population", 2023),  # Cumberland population 2023
        ("Table 1", "AC315", "W06000015", "gva_total", 2023),  # Cardiff GVA 2023
        ("Table 11", "D47", "E08000012", "real_gdp_per_head", 1998),  # Liverpool real GDP per head 1998
    ],
)
def test_lad_gdp_named_cells(lad_gdp, ons_dir, sheet, ref, code, measure, year):
    path = ons_dir / GDP_LA
    row = ref.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
    assert cell(path, sheet, f"B{row}") == code  # the cell is the row we think it is
    assert value(lad_gdp, code, measure, year) == float(cell(path, sheet, ref))


def test_liverpool_and_cardiff_headline_values(lad_gdp):
    # the figures quoted in issue 10 (April 2025 release, corrected October 2025)
    assert value(lad_gdp, "E08000012", "gdp_per_head", 2023) == 40392
    assert value(lad_gdp, "W06000015", "gdp_per_head", 2023) == 43671


def test_lad_gdp_u_marker_is_nan_with_flag(lad_gdp, ons_dir):
    assert cell(ons_dir / GDP_LA, "Table 7", "AC353") == "[u]"  # Belfast 2023
    sel = lad_gdp[
        (lad_gdp["geo_code"] == "N09000003")
        & (lad_gdp["measure"] == "gdp_per_head")
        & (lad_gdp["year"] == 2023)
    ]
    assert math.isnan(sel["value"].iat[0]) and sel["flag"].iat[0] == "[u]"
    ni = lad_gdp[
        (lad_gdp["geo_code"].str.startswith("N"))
        & (lad_gdp["year"] == 2023)
        & (lad_gdp["measure"] == "population")
    ]
    assert len(ni) == 11 and ni["value"].isna().all()


def test_uk_total_is_sum_over_local_authorities(lad_gdp, ons_dir):
    wb = openpyxl.load_workbook(ons_dir / GDP_LA, read_only=True, data_only=True)
    gdp = sum(
        r[0]
        for r in wb["Table 5"].iter_rows(min_row=3, min_col=28, max_col=28, values_only=True)
        if r[0] is not None
    )
    pop = sum(
        r[0]
        for r in wb["Table 6"].iter_rows(min_row=3, min_col=28, max_col=28, values_only=True)
        if r[0] is not None
    )
    wb.close()  # column AB = 2022
    uk = lad_gdp[lad_gdp["level"] == "uk"]
    assert value(uk, "UK", "gdp", 2022) == pytest.approx(gdp)
    assert value(uk, "UK", "population", 2022) == pytest.approx(pop)
    assert value(uk, "UK", "gdp_per_head", 2022) == pytest.approx(gdp / pop * 1e6)
    # 2023: Northern Ireland's population is [u], so no honest UK total
    assert math.isnan(value(uk, "UK", "population", 2023))


def test_lad_gva_industry(data_root, ons_dir):
    df = load("lad_gva_industry")
    assert df["geo_code"].nunique() == 374
    assert sorted(df["year"].unique()) == list(range(1998, 2022))
    nw = ons_dir / GVA_DIR / "regionalgrossvalueaddedbalancedbyindustrylocalauthoritiestldnorthwest.xlsx"
    assert cell(nw, "Current Price", "B3") == "E07000026" and cell(nw, "Current Price", "D3") == "Total"
    sel = df[
        (df["geo_code"] == "E07000026")
        & (df["industry"] == "Total")
        & (df["measure"] == "gva")
        & (df["year"] == 2021)
    ]
    assert sel["value"].iat[0] == cell(nw, "Current Price", "AC3")
    assert sel["lad23"].iat[0] == "E06000063"  # Allerdale -> Cumberland via the lookup's LAU1 column
    ne = ons_dir / GVA_DIR / "regionalgrossvalueaddedbalancedbyindustrylocalauthoritiestlcnortheast.xlsx"
    sel = df[
        (df["geo_code"] == "E06000001")
        & (df["industry"] == "Total")
        & (df["measure"] == "real_gva")
        & (df["year"] == 1998)
    ]
    assert sel["value"].iat[0] == float(cell(ne, "CVM Pounds", "F3"))
    # 'c' (confidential) -> NaN + flag: South West, CVM Pounds, cell F835 (Cornwall, CA-CB, 1998)
    sw = ons_dir / GVA_DIR / "regionalgrossvalueaddedbalancedbyindustrylocalauthoritiestlksouthwest.xlsx"
    assert cell(sw, "CVM Pounds", "F835") == "c" and cell(sw, "CVM Pounds", "B835") == "E06000052"
    sel = df[
        (df["geo_code"] == "E06000052")
        & (df["industry"] == "CA-CB (10-15)")
        & (df["measure"] == "real_gva")
        & (df["year"] == 1998)
    ]
    assert math.isnan(sel["value"].iat[0]) and sel["flag"].iat[0] == "c"
    assert (df["lad23"] != "").all() and df["lad23"].nunique() == 361


def test_lad_population(data_root, ons_dir):
    df = load("lad_population")
    assert df["geo_code"].nunique() == 374 and df["year"].min() == 1998 and df["year"].max() == 2021
    path = ons_dir / GVA_DIR / "populationestimatesbylocalauthority.xlsx"
    assert cell(path, "Data population", "A2") == "E06000001"
    sel = df[(df["geo_code"] == "E06000001") & (df["year"] == 2021)]
    assert sel["value"].iat[0] == cell(path, "Data population", "Z2")


def test_lad_gdp_moved_header_names_sheet_and_header(tmp_path):
    from levelup.data.ons import lad_gdp

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Table 1"
    ws.append(["Table 1: Local Authority: GVA"])
    ws.append(["ITL1 Region", "Local authority code", "LA name", "1998"])  # 'LA code' renamed
    ws.append(["North East", "E06000001", "Hartlepool", 761])
    path = tmp_path / "bad.xlsx"
    wb.save(path)
    with pytest.raises(LayoutError, match=r"sheet 'Table 1'.*'LA code'.*B2"):
        lad_gdp.parse([path], get_source("lad_gdp"))


def test_lad_gva_industry_missing_sheet(tmp_path):
    from levelup.data.ons import lad_gva_industry

    wb = openpyxl.Workbook()
    wb.active.title = "Current Prices"  # ONS renamed the sheet
    path = tmp_path / "bad.xlsx"
    wb.save(path)
    with pytest.raises(LayoutError, match="Current Price"):
        lad_gva_industry.parse([path], get_source("lad_gva_industry"))
