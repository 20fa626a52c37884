"""Subregional productivity (itlproductivity.xlsx, June 2023) on the real mirror file."""

import math

import pytest
from _xl import cell, check_cell

from levelup import data

FILE = "itlproductivity.xlsx"


@pytest.fixture(scope="module")
def df(data_root):
    return data.load("productivity", root=data_root)


def test_regions_per_level_and_years(df):
    counts = df.groupby(["measure", "level"])["geo_code"].nunique().unstack()
    assert len(counts) == 12  # A1-A5, B1-B5, hours, jobs
    assert (counts["uk"] == 1).all() and (counts["nation"] == 1).all()
    assert (counts["itl1"] == 12).all() and (counts["itl2"] == 41).all() and (counts["itl3"] == 179).all()
    years = df.groupby("measure")["year"].agg(["min", "max"])
    per_hour = [m for m in years.index if "hour" in m]
    assert (years.loc[per_hour, "min"] == 2004).all() and (years["max"] == 2021).all()
    assert (years.drop(per_hour)["min"] == 2002).all()
    # the UK comparator is UK less Extra-Regio, kept under its ONS code
    assert set(df.loc[df["level"] == "uk", "geo_code"]) == {"UKX"}
    assert df["value"].notna().all() and df["geo_code"].str.len().gt(0).all()


def test_itl3_codes_match_gdp(df, data_root):
    gdp = data.load("gdp", root=data_root)
    for lv in ("itl1", "itl2", "itl3"):
        assert set(df.loc[df["level"] == lv, "geo_code"]) == set(gdp.loc[gdp["level"] == lv, "geo_code"])


@pytest.mark.parametrize(
    "sheet, ref, expected, measure",
    [
        ("A1", "D8", 88.91, "gva_per_hour_index_smoothed"),  # North East, 2004
        ("A4", "U6", 38.68, "gva_per_hour"),  # UK less Extra-Regio, 2021
        ("B4", "D6", 36252.73, "gva_per_job"),  # UK less Extra-Regio, 2002
        ("A5", "U239", 103.75, "gva_per_hour_cvm_index"),  # TLN09 Ards and North Down, 2021
        ("Productivity Jobs", "W239", 46311.97, "filled_jobs"),  # TLN09, 2021
        ("Productivity Hours", "D7", 766810642, "hours_worked"),  # England, 2004
        ("B1", "H12", 95.31, "gva_per_job_index_smoothed"),  # TLC13, 2006
    ],
)
def test_values_match_cells(df, ons_dir, sheet, ref, expected, measure):
    # years are in row 4 of every sheet (row 5 holds the unit labels)
    check_cell(df, ons_dir / FILE, sheet, ref, expected, year_row=4, measure=measure)


def test_units_and_price_basis(df):
    meta = df.drop_duplicates("measure").set_index("measure")
    assert meta.loc["gva_per_hour", "unit"] == "GBP"
    assert "UK less Extra-Regio = 100" in meta.loc["gva_per_hour_index", "unit"]
    assert meta.loc["gva_per_hour_cvm_index", "unit"] == "index (2020 = 100)"
    assert "smoothed" in meta.loc["gva_per_hour_smoothed", "price_basis"]
    assert "chained volume" in meta.loc["gva_per_job_cvm_index", "price_basis"]


def test_index_is_ratio_to_uk(df, ons_dir):
    """A2 (index) equals A4 (GBP) relative to UKX, to the two decimals ONS prints: a second route."""
    a4 = df[df["measure"] == "gva_per_hour"].set_index(["geo_code", "year"])["value"]
    a2 = df[df["measure"] == "gva_per_hour_index"].set_index(["geo_code", "year"])["value"]
    uk = a4.xs("UKX", level="geo_code")
    ratio = 100 * a4 / uk.reindex(a4.index.get_level_values("year")).to_numpy()
    assert (ratio - a2.reindex(ratio.index)).abs().max() < 0.1  # GBP rounded to pence, index to 0.01
    assert math.isclose(cell(ons_dir / FILE, "A2", "D6"), 100.0)


def test_indicator(data_root):
    wide = data.indicator("gva_per_hour_index_smoothed", "itl3", vintage="2023-06", root=data_root)
    assert wide.shape == (179, 18) and list(wide.columns) == list(range(2004, 2022))
    assert wide.attrs["source"] == "productivity"
