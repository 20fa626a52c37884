"""Growth scenarios: hand-worked years to close, round trips, the 1% versus 3% comparison."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from levelup.errors import ModelInputError
from levelup.models import scenarios as sc


def test_years_to_close_by_hand():
    # 0.8 of the benchmark, 3% vs 1%: ln(1.25) / ln(1.03/1.01)
    assert sc.years_to_close(0.8, 0.03, 0.01) == pytest.approx(np.log(1.25) / np.log(1.03 / 1.01))
    # a gap of 1/1.1 closed in exactly one year by growing 10% faster from zero benchmark growth
    assert sc.years_to_close(1 / 1.1, 0.10, 0.0) == pytest.approx(1.0)
    assert sc.years_to_close(0.8, 0.01, 0.01) == np.inf
    assert sc.years_to_close(0.8, 0.0, 0.02) == np.inf
    assert sc.years_to_close(1.2, 0.0, 0.02) == 0.0
    s = sc.years_to_close(pd.Series([0.5, 0.9], index=["a", "b"]), 0.03, 0.01)
    assert list(s.index) == ["a", "b"] and s["a"] > s["b"]


def test_growth_needed_round_trip():
    for ratio in (0.5, 0.8, 0.95):
        for gb in (-0.01, 0.0, 0.015):
            for T in (5, 10, 37.5):
                g = sc.growth_needed(ratio, T, gb)
                assert sc.years_to_close(ratio, g, gb) == pytest.approx(T, rel=1e-10)
    # and the other way round
    t = sc.years_to_close(0.7, 0.025, 0.012)
    assert sc.growth_needed(0.7, t, 0.012) == pytest.approx(0.025, rel=1e-12)
    # after the years, the projected paths meet
    g = sc.growth_needed(0.8, 10, 0.01)
    assert sc.project(80, g, 10).iloc[-1] == pytest.approx(sc.project(100, 0.01, 10).iloc[-1])


def test_bad_inputs():
    with pytest.raises(ModelInputError, match="ratio"):
        sc.years_to_close(-0.5, 0.01, 0.01)
    with pytest.raises(ModelInputError, match="growth_region"):
        sc.years_to_close(0.5, -1.5, 0.01)
    with pytest.raises(ModelInputError, match="years"):
        sc.growth_needed(0.5, 0, 0.01)
    with pytest.raises(ModelInputError, match="benchmark_growth_rate"):
        sc.compare(80.0, 100.0)


def test_benchmark_growth_and_compare():
    years = range(2011, 2022)
    uk = pd.Series([100 * 1.02**t for t in range(11)], index=years)
    ne = pd.Series([75 * 1.015**t for t in range(11)], index=years)
    assert sc.benchmark_growth(uk) == pytest.approx(0.02, rel=1e-12)
    r = sc.compare(ne, uk, region_name="North East", benchmark_name="UK")
    assert r.base_year == 2021 and r.benchmark_growth == pytest.approx(0.02)
    assert r.ratio == pytest.approx(75 * 1.015**10 / (100 * 1.02**10))
    assert r.years(0.01) == np.inf
    t3 = r.years(0.03)
    assert t3 == pytest.approx(np.log(1 / r.ratio) / np.log(1.03 / 1.02))
    p = r.paths
    path3 = p[p["series"] == "region at 3.0%"].set_index("year")["ratio"]
    yr = 2021 + int(np.ceil(t3))
    assert path3[yr - 1] < 1 <= path3[yr]
    assert "2011-2021" in " ".join(r.notes())
    assert r.plot() is not None and r.plot(relative=True) is not None
    fixed = sc.compare(ne, uk, benchmark_growth_rate=0.0)
    assert fixed.years(0.01) == pytest.approx(np.log(1 / r.ratio) / np.log(1.01))
