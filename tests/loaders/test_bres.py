"""BRES employees by NUTS3 and SIC section (Nomis export, edited) on the real mirror file."""

import pytest
from _xl import cell, one
from openpyxl.utils.cell import coordinate_from_string

from levelup import data

FILE = "nomis_2023_07_23_203902.xlsx"
SECTIONS = "ABCDEFGHIJKLMNOPQRSTU"


@pytest.fixture(scope="module")
def df(data_root):
    return data.load("bres", root=data_root)


def test_areas_years_industries(df, data_root):
    assert set(df["level"]) == {"itl3"}
    assert df.groupby("year")["geo_code"].nunique().to_dict() == dict.fromkeys(range(2015, 2022), 168)
    assert set(df["industry"]) == {*SECTIONS, "Total"}
    assert (df["unit"] == "employees").all() and df["value"].notna().all()
    # Great Britain only: every code is an ITL3 2021 code outside Northern Ireland
    gdp = data.load("gdp", root=data_root)
    itl3 = set(gdp.loc[gdp["level"] == "itl3", "geo_code"])
    codes = set(df["geo_code"])
    assert codes <= itl3 and itl3 - codes == {c for c in itl3 if c.startswith("TLN")}


def test_dorset_recode(df):
    k = df.drop_duplicates("geo_code").set_index("nuts3_code")
    assert k.loc["UKK21", "geo_code"] == "TLK24" and k.loc["UKK22", "geo_code"] == "TLK25"
    assert "Christchurch" in k.loc["UKK21", "geo_note"]
    assert k.loc["UKC11", "geo_code"] == "TLC11" and k.loc["UKC11", "geo_note"] == ""


@pytest.mark.parametrize(
    "ref, expected",
    [
        ("C11", 125),  # 2015, UKC11 Hartlepool and Stockton-on-Tees, section A
        ("C177", 150),  # 2015, UKM94 South Ayrshire, section A (flag '*' in D177)
        ("AQ1267", 0),  # 2021, UKM95 South Lanarkshire, section U
        ("K1000", 600),  # 2020, UKI33 Kensington & Chelsea and Hammersmith & Fulham, section E
        ("C864", 75),  # 2019, UKK21 Bournemouth and Poole, section A
        ("G865", 18000),  # 2019, UKK22 Dorset CC, section C
    ],
)
def test_values_match_cells(df, ons_dir, ref, expected):
    path = ons_dir / FILE
    col, row = coordinate_from_string(ref)
    assert cell(path, "Data", ref) == expected
    year = cell(path, "Data", f"A{row}")
    nuts = cell(path, "Data", f"B{row}").split()[0]
    section = cell(path, "Data", f"{col}1").split(" : ")[0]  # header row 1: 'A : Agriculture, ...'
    assert one(df, nuts3_code=nuts, year=year, industry=section) == expected


def test_flags_and_total(df, ons_dir):
    assert cell(ons_dir / FILE, "Data", "D177") == "*"
    star = df[df["flag"] == "*"]
    assert set(star["industry"]) == {"A"} and set(star["year"]) == {2015, 2016, 2017} and len(star) == 69
    assert one(df, nuts3_code="UKM94", year=2015, industry="A") == 150
    assert df.loc[(df["nuts3_code"] == "UKM94") & (df["year"] == 2015) & (df["industry"] == "A"), "flag"].item() == "*"
    wide = df.pivot_table(index=["geo_code", "year"], columns="industry", values="value")
    assert (wide[list(SECTIONS)].sum(axis=1) == wide["Total"]).all()
    assert set(df.loc[df["industry"] == "Total", "flag"]) == {"computed", "computed; *"}


def test_indicator(data_root):
    wide = data.indicator("employment", "itl3", industry="C", root=data_root)
    assert wide.shape == (168, 7) and wide.attrs["unit"] == "employees"
