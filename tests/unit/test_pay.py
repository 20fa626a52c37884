"""Pay growth and the pay summary on small frames worked by hand (no ONS files needed)."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from levelup.data.pay import cpih, pay_growth, pay_summary
from levelup.errors import ModelInputError, UnknownSourceError

PRICES = {2019: 100.0, 2021: 120.0}


def frame() -> pd.DataFrame:
    """UK, two regions and a local authority in the ASHE tidy schema (made-up numbers)."""
    rows = [
        # geo_code, gss, level, name, year, measure, value, flag
        ("UK", "K02000001", "uk", "United Kingdom", 2019, "median_weekly_pay", 400.0, ""),
        ("UK", "K02000001", "uk", "United Kingdom", 2021, "median_weekly_pay", 500.0, ""),
        ("TLC", "E12000001", "itl1", "North East", 2019, "median_weekly_pay", 300.0, ""),
        ("TLC", "E12000001", "itl1", "North East", 2021, "median_weekly_pay", 330.0, ""),
        ("TLI", "E12000007", "itl1", "London", 2019, "median_weekly_pay", 600.0, ""),
        ("TLI", "E12000007", "itl1", "London", 2021, "median_weekly_pay", float("nan"), "x"),
        ("E08000021", "E08000021", "lad", "Newcastle upon Tyne", 2021, "median_weekly_pay", 350.0, ""),
        ("UK", "K02000001", "uk", "United Kingdom", 2020, "below_living_wage_share", 12.0, ""),
        ("TLC", "E12000001", "itl1", "North East", 2020, "below_living_wage_share", 15.0, ""),
        # another sheet: must not be mixed in
        ("TLC", "E12000001", "itl1", "North East", 2019, "median_weekly_pay", 999.0, ""),
    ]
    df = pd.DataFrame(rows, columns=["geo_code", "gss_code", "level", "geo_name", "year", "measure", "value", "flag"])
    df["unit"] = "GBP"
    df["sex"] = "all"
    df["working_pattern"] = "all"
    df.loc[df.index[-1], "sex"] = "female"
    return df


def test_growth_worked_by_hand():
    g = pay_growth(2019, 2021, data=frame(), deflator=PRICES, missing="drop")
    assert g.attrs["dropped"] == ("TLI",)  # London 2021 is 'x'
    ne, uk = g.loc["TLC"], g.loc["UK"]
    # North East 300 -> 330 while prices rise 100 -> 120
    assert ne["nominal_growth"] == pytest.approx(10.0)  # 330/300 - 1
    assert ne["real_growth"] == pytest.approx(-100 / 12)  # (330/120)/(300/100) - 1 = 2.75/3 - 1
    assert ne["nominal_growth_pa"] == pytest.approx(100 * (math.sqrt(1.1) - 1))
    assert ne["value_start_in_end_prices"] == pytest.approx(360.0)  # 300 * 120/100
    assert uk["nominal_growth"] == pytest.approx(25.0)
    assert uk["real_growth"] == pytest.approx(100 * (500 / 120 / 4 - 1))  # 4.1667
    # gap to the UK: ratio and difference in each year
    assert ne["ratio_to_uk_start"] == pytest.approx(0.75) and ne["ratio_to_uk_end"] == pytest.approx(0.66)
    assert ne["gap_to_uk_start"] == pytest.approx(-100.0) and ne["gap_to_uk_end"] == pytest.approx(-170.0)
    assert g.attrs["inflation"] == pytest.approx(20.0)
    assert "E08000021" not in g.index  # another level


def test_missing_values_raise_naming_the_place():
    with pytest.raises(ModelInputError, match="TLI"):
        pay_growth(2019, 2021, data=frame(), deflator=PRICES)


def test_bad_years_and_deflator():
    with pytest.raises(ModelInputError, match="after"):
        pay_growth(2021, 2019, data=frame(), deflator=PRICES)
    with pytest.raises(UnknownSourceError, match="2018"):
        pay_growth(2018, 2021, data=frame(), deflator=PRICES, missing="drop")
    with pytest.raises(ModelInputError, match="2021"):
        pay_growth(2019, 2021, data=frame(), deflator={2019: 100.0}, missing="drop")
    with pytest.raises(UnknownSourceError, match="medians cannot be added up"):
        pay_growth(2019, 2021, data=frame(), level="itl3")


def test_cpih_table_is_the_documented_input():
    p = cpih()
    assert p[2015] == 100.0  # the base year
    assert list(p.index) == list(range(2015, 2025)) and p.is_monotonic_increasing
    assert "L522" in p.attrs["source"]
    # a second route: the annual-average inflation rates ONS publishes for CPIH (2017: 2.6%,
    # 2022: 7.9%) must follow from the index; the index is rounded to 0.1, so allow 0.1 points
    assert 100 * (p[2017] / p[2016] - 1) == pytest.approx(2.6, abs=0.1)
    assert 100 * (p[2022] / p[2021] - 1) == pytest.approx(7.9, abs=0.1)


def test_pay_summary_rows():
    s = pay_summary("TLC", "itl1", start=2019, end=2021, deflator=PRICES, data=frame())
    t = s.set_index("indicator")
    assert t.loc["nominal_growth", "value"] == pytest.approx(10.0)
    assert t.loc["nominal_growth", "uk"] == pytest.approx(25.0)
    assert t.loc["real_growth", "value"] == pytest.approx(-100 / 12)
    assert t.loc["ratio_to_uk", "value"] == pytest.approx(0.66)
    assert t.loc["gap_to_uk", "value"] == pytest.approx(-170.0)
    assert t.loc["below_living_wage_share", ["value", "uk"]].tolist() == [15.0, 12.0]
    pay = s[s["indicator"] == "median_weekly_pay"]
    assert pay["value"].tolist() == [300.0, 330.0] and pay["period"].tolist() == ["2019", "2021"]
    assert s.attrs["name"] == "North East" and s.attrs["reason"] == ""
    # the GSS code resolves too
    assert pay_summary("E12000001", "itl1", start=2019, end=2021, deflator=PRICES, data=frame()).equals(s)


def test_pay_summary_without_pay_data_says_why():
    for level in ("itl3", "cauth", "place"):
        s = pay_summary("TLC11", level, data=frame())
        assert s.empty and "medians cannot be added up" in s.attrs["reason"]
    s = pay_summary("E08000021", "lad", start=2019, end=2021, deflator=PRICES, data=frame())
    first = s.iloc[0]
    assert math.isnan(first["value"]) and "not in the 2019 table" in first["note"]
    assert s.set_index("indicator").loc["ratio_to_uk", "value"] == pytest.approx(0.7)
    s = pay_summary("TLX", "itl1", data=frame())
    assert s.empty and "no ASHE pay data" in s.attrs["reason"]
