"""The questions behind the report's convergence and inside sections, read from their results'
to_frame() and checked by a second route worked here (statsmodels OLS; the published rows)."""

from __future__ import annotations

import numpy as np
import pytest


def test_convergence_context_is_the_ols_of_growth_on_the_initial_level(data_root, release_2023):
    import statsmodels.api as sm

    from levelup.analysis.convergence import convergence_context
    from levelup.data import indicator

    wide = indicator("gdp_per_head", "itl3").dropna()
    x = np.log(wide[2004])
    y = (np.log(wide[2021]) - x) / 17
    ols = sm.OLS(y, sm.add_constant(x)).fit(cov_type="HC1")
    res = convergence_context("TLC23", start_year=2004)
    t = res.to_frame().set_index("statistic")["value"]
    assert t["beta"] == pytest.approx(ols.params.iloc[1], rel=1e-9)
    assert t["se"] == pytest.approx(ols.bse.iloc[1], rel=1e-9)
    assert t["nobs"] == len(wide) == res.n
    assert t["sigma_first"] == pytest.approx(np.log(wide[2004]).std(ddof=0), rel=1e-9)  # population sd
    assert res.highlight == ("TLC23",) and res.units == "ITL3 regions"
    # the fitted line comes from the result's own table, not the model's internals
    assert res.fit(x.iloc[0]) == pytest.approx(100 * (ols.params.iloc[0] + ols.params.iloc[1] * x.iloc[0]))


def test_a_councils_convergence_is_among_local_authorities_and_highlights_its_members(data_root):
    from levelup.analysis.convergence import convergence_context

    res = convergence_context("E47000006")  # Tees Valley combined authority: its five councils
    assert res.level == "lad" and res.units == "local authorities"
    assert set(res.highlight) == {"E06000001", "E06000002", "E06000003", "E06000004", "E06000005"}


def test_inside_lists_the_units_with_the_published_values(data_root, release_2023):
    from levelup.analysis.inside import inside
    from levelup.data import indicator

    wide = indicator("gdp_per_head", "itl3")
    uk = indicator("gdp_per_head", "uk").iloc[0]
    t = inside("TLC").to_frame().set_index("geo_unit")
    assert len(t) == 7 and t["gdp_per_head"].is_monotonic_decreasing
    assert t.loc["TLC23", "gdp_per_head"] == wide.loc["TLC23", 2021]  # ONS regional GDP, Table 7
    assert t.loc["TLC23", "index"] == pytest.approx(100 * wide.loc["TLC23", 2021] / uk[2021], rel=1e-12)
    assert inside("TLC", end_year=2010).year == 2010
