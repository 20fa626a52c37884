"""Regional GDP, all ITL regions (ONS, 25 April 2023) on the real mirror file (parser: levelup/data/ons/gdp.py)."""

import math

import pytest
from _xl import cell, check_cell, one

from levelup import data

FILE = "regionalgrossdomesticproductgdpallitlregions.xlsx"


@pytest.fixture(scope="module")
def df(data_root):
    return data.load("gdp", root=data_root)


def test_regions_per_level_and_years(df):
    counts = df.groupby(["measure", "level"])["geo_code"].nunique().unstack()
    assert (counts["itl1"] == 12).all() and (counts["itl2"] == 41).all() and (counts["itl3"] == 179).all()
    assert (counts["uk"] == 1).all() and (counts["nation"] == 1).all()
    assert set(df.loc[df["level"] == "uk", "geo_code"]) == {"UK"}
    years = df.groupby("measure")["year"].agg(["min", "max"])
    assert (years["max"] == 2021).all()
    growth = ["real_gdp_growth", "real_gdp_per_head_growth"]
    assert (years.loc[growth, "min"] == 1999).all() and (years.drop(growth)["min"] == 1998).all()


@pytest.mark.parametrize(
    "sheet, ref, expected, measure",
    [
        ("Table 5", "D3", 999326, "gdp"),  # UK, 1998
        ("Table 5", "AA5", 65045, "gdp"),  # TLC North East, 2021
        ("Table 7", "AA238", 33745, "gdp_per_head"),  # UKX UK less Extra-Regio, 2021
        ("Table 11", "D10", 17203, "real_gdp_per_head"),  # TLC14 Durham, 1998
        ("Table 1", "AA3", 2040499, "gva_total"),  # UK, 2021
        ("Table 12", "D3", 3, "real_gdp_growth"),  # UK, 1999
        ("Table 13", "Z5", "u", "real_gdp_per_head_growth"),  # TLC, 2021: suppressed
    ],
)
def test_values_match_cells(df, ons_dir, sheet, ref, expected, measure):
    check_cell(df, ons_dir / FILE, sheet, ref, expected, year_row=2, measure=measure)


def test_markers_and_extra_regio(df, ons_dir):
    u = df[df["measure"] == "real_gdp_per_head_growth"]
    assert (u.loc[u["year"] == 2021, "flag"] == "u").all() and u.loc[u["year"] == 2021, "value"].isna().all()
    # Extra-Regio population is published as 0 (Table 6, D237): not a number to divide by
    assert cell(ons_dir / FILE, "Table 6", "B237") == "TLZ" and cell(ons_dir / FILE, "Table 6", "D237") == 0
    assert math.isnan(one(df, measure="population", geo_code="TLZ", year=1998))
    assert one(df, measure="gdp", geo_code="TLZ", year=1998) == cell(ons_dir / FILE, "Table 5", "D237")


def test_indicator(data_root):
    wide = data.indicator("gdp_per_head", "itl3", years=[1998, 2021], vintage="2023-04", root=data_root)
    assert wide.shape == (179, 2) and wide.attrs["unit"] == "GBP" and wide.attrs["source"] == "gdp"
    assert wide.attrs["price_basis"] == "current market prices"
