"""The December 2026 additions to the mirror: GDP (April 2024, ITL and city regions) and subregional
productivity (June 2024: ITL, local authorities, city regions; June 2025: combined authorities).

Every number is read from its cell with openpyxl/xlrd (tests/loaders/_xl.py), independently of the
parsers, and compared with the parser's row for the code in that cell's row.
"""

from __future__ import annotations

import pytest
from _xl import cell, one

from levelup import data

GDP24 = "gdp-2024/regionalgrossdomesticproductgdpbyallitlregions.xlsx"
CR24 = "gdp-2024/regionalgrossdomesticproductgdpcityregions.xlsx"
ITLS24 = "productivity-2024/labourproductivityitls.xls"
LAS24 = "productivity-2024/labourproductivitylocalauthorities.xls"
CRS24 = "productivity-2024/labourproductivitycityregions.xls"
CA25 = "productivity-2025/labourproductivitycaeer3.xlsx"


def _check(df, path, sheet, ref, code_ref, expected, year, **where):
    """Cell ``ref`` holds ``expected`` and the code in ``code_ref``; the parser agrees for that code/year."""
    assert cell(path, sheet, ref) == expected, f"{sheet}!{ref}"
    code = str(cell(path, sheet, code_ref)).strip()
    assert one(df, geo_code=code, year=year, **where) == pytest.approx(expected, rel=1e-12)
    return code


@pytest.fixture(scope="module")
def gdp24(data_root):
    return data.load("gdp_2024", root=data_root)


@pytest.fixture(scope="module")
def cr24(data_root):
    return data.load("gdp_cityregions_2024", root=data_root)


@pytest.fixture(scope="module")
def prod24(data_root):
    return data.load("productivity_2024", root=data_root)


@pytest.fixture(scope="module")
def prod25(data_root):
    return data.load("productivity_2025", root=data_root)


def test_gdp_2024_cells(gdp24, ons_dir):
    # Table 7 AA110: London (TLI) GDP per head 2021 = 57,702 (59,855 in the April 2023 release, MANIFEST)
    assert _check(gdp24, ons_dir / GDP24, "Table 7", "AA110", "B110", 57702, 2021, measure="gdp_per_head") == "TLI"
    # Table 7 AB5: North East 2022, the year the April 2023 release does not have
    _check(gdp24, ons_dir / GDP24, "Table 7", "AB5", "B5", 26747, 2022, measure="gdp_per_head")
    # Table 11 D7: TLC11 Hartlepool and Stockton-on-Tees, real GDP per head 1998 (2019 money value)
    _check(gdp24, ons_dir / GDP24, "Table 11", "D7", "B7", 21311, 1998, measure="real_gdp_per_head")
    counts = gdp24[gdp24["measure"] == "gdp_per_head"].groupby("level")["geo_code"].nunique()
    assert (counts["itl1"], counts["itl2"], counts["itl3"]) == (12, 41, 179)
    assert set(gdp24["vintage"]) == {"2024-04"}
    assert gdp24.loc[gdp24["measure"] == "real_gdp_per_head", "unit"].iat[0] == "GBP (2019 money value)"


def test_gdp_cityregions_2024_cells(cr24, ons_dir):
    # Table 11 AB101: Tees Valley Combined Authority (E47000006), real GDP per head 2022
    code = _check(cr24, ons_dir / CR24, "Table 11", "AB101", "B101", 23645, 2022, measure="real_gdp_per_head")
    assert code == "E47000006" and one(cr24, geo_code=code, year=2022, measure="real_gdp_per_head", level="cauth")
    # Table 6 AB94: Liverpool City Region Combined Authority population 2022
    _check(cr24, ons_dir / CR24, "Table 6", "AB94", "B94", 1571045, 2022, measure="population", level="cauth")
    # Table 7 AB5: Barking and Dagenham (an LA row of the Greater London Authority), 2022
    _check(cr24, ons_dir / CR24, "Table 7", "AB5", "B5", 20455, 2022, measure="gdp_per_head", level="lad")
    # councils are listed under each city region they belong to: kept once
    assert not cr24.duplicated(["geo_code", "measure", "year"]).any()
    # city regions that ONS codes "Not available" are kept under their name, never at level cauth
    other = cr24[cr24["level"] == "other"]
    assert not other["geo_code"].str.lower().eq("not available").any()
    assert set(cr24.loc[cr24["level"] == "cauth", "geo_code"].str[:3]) <= {"E47", "E61"}


def test_productivity_2024_cells(prod24, ons_dir):
    # ITL file, A4 V10: TLC11 GVA per hour (unsmoothed, GBP) 2022; A4 V6: UK less Extra-Regio 2022
    _check(prod24, ons_dir / ITLS24, "A4", "V10", "B10", 40.1, 2022, measure="gva_per_hour")
    assert _check(prod24, ons_dir / ITLS24, "A4", "V6", "B6", 41.0, 2022, measure="gva_per_hour") == "UKX"
    assert one(prod24, geo_code="UKX", year=2022, measure="gva_per_hour", level="uk") == 41.0
    # local authorities, A3 U7: Hartlepool smoothed GVA per hour 2022; jobs C256: Sunderland 2002
    _check(prod24, ons_dir / LAS24, "A3", "U7", "A7", 28.7, 2022, measure="gva_per_hour_smoothed", level="lad")
    _check(prod24, ons_dir / LAS24, "Productivity Jobs", "C256", "A256", 115943.0, 2002, measure="filled_jobs")
    # city regions, B4 W10: Liverpool City Region CA GVA per filled job 2022
    _check(prod24, ons_dir / CRS24, "B4", "W10", "A10", 56417.7, 2022, measure="gva_per_job", level="cauth")
    # ONS publishes only the smoothed series for local authorities
    lad = prod24[prod24["level"] == "lad"]
    assert set(lad["measure"]) == {"gva_per_hour_index_smoothed", "gva_per_hour_smoothed", "gva_per_job_index_smoothed",
                                   "gva_per_job_smoothed", "hours_worked", "filled_jobs"}
    assert lad["geo_code"].nunique() == 361


def test_productivity_2025_cells(prod25, ons_dir):
    # A4 V11: Tees Valley GVA per hour 2023 (unsmoothed); A4 V6: UK less Extra-Regio 2023
    _check(prod25, ons_dir / CA25, "A4", "V11", "A11", 37.56, 2023, measure="gva_per_hour", level="cauth")
    _check(prod25, ons_dir / CA25, "A4", "V6", "A6", 44.35, 2023, measure="gva_per_hour", level="uk")
    # B2 C10: Liverpool City Region, GVA per filled job index (UK less Extra-Regio = 100) 2002
    _check(prod25, ons_dir / CA25, "B2", "C10", "A10", 87.82, 2002, measure="gva_per_job_index")
    assert prod25.loc[prod25["level"] == "cauth", "geo_code"].nunique() == 14
    assert set(prod25["vintage"]) == {"2025-06"}


def test_new_sources_have_registered_hashes(ons_dir):
    """Each added file is registered with the sha256 that ../shared/ons/SHA256SUMS lists for it."""
    from levelup.data.registry import all_sources

    sums = {}
    for line in (ons_dir / "SHA256SUMS").read_text().splitlines():
        if line.strip():
            digest, path = line.split(None, 1)
            sums[path.strip()] = digest
    new = [s for s in all_sources()
           if s.id.startswith(("els_", "gdp_2024", "gdp_cityregions", "productivity_20", "subnational_indicators"))]
    files = [f for s in new for f in s.files]
    assert len(files) == 2 + 3 + 1 + 1 + 2 * 21  # gdp-2024, productivity-2024, -2025, subnational, 21 CSV + JSON
    for f in files:
        assert sums[f.path] in f.sha256, f.path
    assert all(not s.mirror_only for s in new)  # byte-identical ONS files (MANIFEST)


SNI = "subnational-indicators-2024/subnatindicators.xlsx"


@pytest.mark.parametrize(
    "sheet, row, measure, code, year",
    [
        ("Weekly pay", 19, "median_weekly_pay", "E06000001", 2023),  # Hartlepool, under 'County or Unitary Authority'
        ("Weekly pay", 16, "median_weekly_pay", "TLC", 2023),  # E12000001 North East -> its ITL1 code
        ("Employment rate (NI)", 11, "employment_rate", "N09000003", 2022),  # Belfast
        ("Employment rate", 67, "employment_rate", "E47000004", 2023),  # Liverpool City Region, 10/2022-09/2023
        ("Male HLE", 16, "healthy_life_expectancy_male", "E47000006", 2018),  # Tees Valley, 2018-2020
    ],
)
def test_subnational_indicators_cells(data_root, ons_dir, sheet, row, measure, code, year):
    """Value and 95% bounds of one row, read with openpyxl by the column headers of the sheet."""
    df = data.load("subnational_indicators_2024", root=data_root)
    path = ons_dir / SNI
    # the header row is the one whose A cell is 'Area Code'; find the value and bound columns by name
    from openpyxl import load_workbook

    ws = load_workbook(path, read_only=True, data_only=True)[sheet]
    rows = list(ws.iter_rows(values_only=True))
    header = next(r for r in rows if r[0] == "Area Code")
    lo = header.index("Lower 95% Confidence Interval")
    got = rows[row - 1]
    sel = df[(df["geo_code"] == code) & (df["measure"] == measure) & (df["year"] == year)]
    assert len(sel) == 1
    r = sel.iloc[0]
    assert (r["value"], r["lower"], r["upper"]) == (got[lo - 1], got[lo], got[lo + 1])
    assert r["ons_code"] == got[0] and r["vintage"] == "2024-03"


def test_subnational_gva_is_the_smoothed_series(data_root, ons_dir):
    # GVA per hour E384: North East 2021 = 32.37, which is Table A3 (smoothed) of itlproductivity.xlsx
    assert cell(ons_dir / SNI, "GVA per hour", "A384") == "TLC" and cell(ons_dir / SNI, "GVA per hour", "E384") == 32.37
    sni = data.load("subnational_indicators_2024", root=data_root)
    assert one(sni, geo_code="TLC", measure="gva_per_hour_smoothed", year=2021) == 32.37
    prod = data.load("productivity", root=data_root)
    assert one(prod, geo_code="TLC", measure="gva_per_hour_smoothed", year=2021) == 32.37
    assert one(prod, geo_code="TLC", measure="gva_per_hour", year=2021) != 32.37
