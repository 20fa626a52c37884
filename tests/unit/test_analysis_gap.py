"""levelup.analysis.gap.gap_outlook: numbers read from to_frame(), checked against a second route
worked here from the published tables (the formula of API.md, not the model's code)."""

from __future__ import annotations

import math

import pytest

from levelup.analysis.gap import gap_outlook


def test_gap_outlook_matches_the_formula_on_the_published_rows(data_root, release_2023):
    from levelup.data import indicator

    g = indicator("gdp_per_head", "itl1").loc["TLC"]
    uk = indicator("gdp_per_head", "uk").iloc[0]
    real = indicator("real_gdp_per_head", "uk").iloc[0].dropna()
    ratio = g[2021] / uk[2021]  # ONS regional GDP, Table 7: North East and UK, 2021
    gb = (real[2021] / real[1998]) ** (1 / 23) - 1
    years = {r: math.log(1 / ratio) / math.log((1 + r) / (1 + gb)) for r in (0.01, 0.03)}

    res = gap_outlook("TLC")
    t = res.to_frame().set_index(["statistic", "unit"])["value"]
    assert t[("ratio_to_benchmark", "ratio")] == pytest.approx(ratio, rel=1e-12)
    assert t[("years_to_close", "years at 1% a year")] == pytest.approx(years[0.01], rel=1e-9)
    assert t[("years_to_close", "years at 3% a year")] == pytest.approx(years[0.03], rel=1e-9)
    assert res.trend_years == (1998, 2021) and res.base_year == 2021
    # the projections are the scenarios' own paths: 100 * ratio * ((1 + r) / (1 + gb)) ** t
    proj = res.projections()
    t10 = proj.loc[2031, 0.03]
    assert t10 == pytest.approx(100 * ratio * (1.03 / (1 + gb)) ** 10, rel=1e-9)


def test_gap_outlook_follows_the_years_asked(data_root):
    from levelup.data import indicator

    real = indicator("real_gdp_per_head", "uk").iloc[0]
    res = gap_outlook("TLC", start_year=2004, end_year=2019)
    assert res.trend_years == (2004, 2019) and res.base_year == 2019
    assert res.benchmark_growth == pytest.approx((real[2019] / real[2004]) ** (1 / 15) - 1, rel=1e-12)
    assert res.history.index.min() == 2004
