"""indicator(vintage=, bound=): the newest release by default, older ones by their year-month,
95% bounds where ONS publishes them, and errors that name what was asked for."""

from __future__ import annotations

import pytest
from _xl import cell, csv_cell

from levelup import data
from levelup.errors import ParameterError, UnknownSourceError


def test_default_is_the_newest_and_vintage_reaches_the_old(data_root, ons_dir):
    # combined authorities: GDP per head from the April 2025 release (local-indicators) by default ...
    new = data.indicator("gdp_per_head", "cauth", root=data_root)
    assert new.attrs["vintage"] == "2025-04" and new.attrs["source"] == "els_gdp_per_head"
    # gdp-per-head.csv line 9501: E47000006 Tees Valley, 2022
    assert new.loc["E47000006", 2022] == float(csv_cell(ons_dir / "local-indicators/gdp-per-head.csv", 9501, "Observation"))
    # ... and the April 2024 city-regions workbook with vintage="2024-04" (Table 7 AB101: Tees Valley CA, 2022)
    old = data.indicator("gdp_per_head", "cauth", vintage="2024-04", root=data_root)
    cr = ons_dir / "gdp-2024/regionalgrossdomesticproductgdpcityregions.xlsx"
    assert cell(cr, "Table 7", "B101") == "E47000006"
    assert old.attrs["source"] == "gdp_cityregions_2024" and old.loc["E47000006", 2022] == cell(cr, "Table 7", "AB101")
    assert old.loc["E47000006", 2022] != new.loc["E47000006", 2022]  # ONS revised it
    # pay for councils: ASHE 2025 (local-indicators, released October 2025) by default; the 2023 workbook on request
    assert data.indicator("median_weekly_pay", "lad", root=data_root).attrs["vintage"] == "2025-10"
    assert data.indicator("median_weekly_pay", "lad", vintage="2023-11", root=data_root).attrs["source"] == "ashe"
    # ITL regions: both GDP releases are reachable; London 2021 was revised from 59,855 to 57,702
    # (Table 7 AA110 of each workbook)
    v23 = data.indicator("gdp_per_head", "itl1", vintage="2023-04", root=data_root)
    v24 = data.indicator("gdp_per_head", "itl1", vintage="2024-04-24", root=data_root)  # a full date works too
    assert v23.loc["TLI", 2021] == cell(ons_dir / "regionalgrossdomesticproductgdpallitlregions.xlsx", "Table 7", "AA110")
    assert v24.loc["TLI", 2021] == cell(ons_dir / "gdp-2024/regionalgrossdomesticproductgdpbyallitlregions.xlsx",
                                        "Table 7", "AA110")
    assert (v23.attrs["vintage"], v24.attrs["vintage"]) == ("2023-04", "2024-04")


@pytest.mark.parametrize(
    "measure", ["gdp_per_head", "real_gdp_per_head", "gva_per_hour", "gdhi_per_head", "median_weekly_pay",
                "employment_rate", "population", "claimant_rate"],
)
def test_default_rule(data_root, measure):
    """At every level the default is the newest release that is not secondary there (registry order on a tie)."""
    from levelup.data.registry import get_source

    t = data.vintages(measure, root=data_root)
    for level, g in t.groupby("level"):
        assert g["default"].sum() == 1, level
        pool = g[~g["secondary"]] if (~g["secondary"]).any() else g
        assert g.loc[g["default"], "vintage"].iat[0] == pool["vintage"].max(), (measure, level)
        assert data.indicator(measure, level, root=data_root).attrs["source"] == g.loc[g["default"], "source"].iat[0]
        for sid in g["source"]:
            assert level not in get_source(sid).secondary_levels or bool(g.loc[g["source"] == sid, "secondary"].iat[0])


def test_as_of_takes_the_release_of_that_time(data_root):
    with data.as_of("2024-01"):  # before the Subnational indicators of March 2024: the ASHE 2023 workbook
        assert data.indicator("median_weekly_pay", "lad", root=data_root).attrs["vintage"] == "2023-11"
    with data.as_of("2024-05"):
        assert data.indicator("median_weekly_pay", "lad", root=data_root).attrs["vintage"] == "2024-03"
        assert data.indicator("gdp_per_head", "cauth", root=data_root).attrs["vintage"] == "2024-04"
    assert data.indicator("median_weekly_pay", "lad", root=data_root).attrs["vintage"] == "2025-10"


def test_every_row_has_a_vintage(data_root):
    for sid in ("gdp", "gdp_2024", "productivity_2025", "els_claimant_count"):
        df = data.load(sid, root=data_root)
        assert df["vintage"].notna().all() and df["vintage"].str.len().gt(0).all(), sid


def test_errors_name_what_was_asked(data_root):
    with pytest.raises(UnknownSourceError, match=r"no vintage '2019-01'.*2025-04") as e:
        data.indicator("gdp_per_head", "cauth", vintage="2019-01", root=data_root)
    assert isinstance(e.value, LookupError)
    with pytest.raises(ParameterError, match=r"unknown bound 'lowr'.*did you mean 'lower'"):
        data.indicator("employment_rate", "lad", bound="lowr", root=data_root)
    with pytest.raises(UnknownSourceError, match="no 95% confidence bounds for gdp_per_head at lad"):
        data.indicator("gdp_per_head", "lad", bound="upper", root=data_root)
    with pytest.raises(UnknownSourceError, match="employment_rate") as e:
        data.indicator("employment_rat", "lad", root=data_root)
    assert "employment_rate" in e.value.suggestions
    with pytest.raises(UnknownSourceError, match="claimant_rate"):  # ONS publishes the rate, not the count
        data.indicator("claimant_count", "lad", root=data_root)
    with pytest.raises(UnknownSourceError, match=r"unknown level 'itl4'.*'itl1'"):
        data.indicator("gdp_per_head", "itl4", root=data_root)
    with pytest.raises(UnknownSourceError, match="geo.aggregate"):
        data.indicator("gdp_per_head", "place", root=data_root)
    with pytest.raises(UnknownSourceError, match="no data at level 'itl3'"):
        data.indicator("claimant_rate", "itl3", root=data_root)
