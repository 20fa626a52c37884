"""The ONS conveniences in levelup.analysis on the real mirror data (issues 4, 5, 6).

Each number is checked by an independent route computed in the test from the
published tables (levelup.data.indicator), not by the convenience itself.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from levelup import analysis
from levelup.data import indicator
from levelup.models import inequality as ineq


@pytest.mark.parametrize("level,n", [("itl1", 12), ("itl2", 41), ("itl3", 179)])
def test_convergence_on_real_gdp_per_head(data_root, level, n):
    res = analysis.convergence("gdp_per_head", level, 1998, 2021)
    # second route: plain OLS of annualised log growth on the initial log level
    w = indicator("gdp_per_head", level)
    y = (np.log(w[2021]) - np.log(w[1998])) / 23
    fit = sm.OLS(y, sm.add_constant(np.log(w[1998]))).fit(cov_type="HC1")
    assert res.beta.beta == pytest.approx(fit.params.iloc[1], rel=1e-10)
    assert res.beta.se == pytest.approx(fit.bse.iloc[1], rel=1e-10)
    assert res.beta.nobs == n and len(res.beta.sample.units) == n
    # plausible: UK regions have not converged since 1998 (beta near zero or positive, |beta| < 2%/yr)
    assert abs(res.beta.beta) < 0.02
    # sigma: sd of logs (ddof 0), and dispersion rose 1998 -> 2021 (MANIFEST sanity numbers at ITL1)
    assert res.sigma.series.loc[1998] == pytest.approx(np.log(w[1998]).std(ddof=0))
    assert res.sigma.series.loc[2021] > res.sigma.series.loc[1998]
    text = res.summary()
    assert "1998-2021" in text and f"{n} units" in text and "HC1" in text


def test_itl1_sigma_matches_manifest_sanity_numbers(data_root, release_2023):
    # ../shared/ons/MANIFEST.md "Sanity numbers": Table 7, ITL1, sd(ln) 1998 0.2019, 2021 0.2245
    res = analysis.convergence("gdp_per_head", "itl1", 1998, 2021)
    assert round(res.sigma.series.loc[1998], 4) == 0.2019
    assert round(res.sigma.series.loc[2021], 4) == 0.2245


@pytest.mark.parametrize("measure", ["gdp_per_head", "gdhi_per_head"])
def test_inequality_on_itl3(data_root, measure):
    table = analysis.inequality(measure, "itl3", (2004, 2021), groups="itl1")
    assert {"gini", "theil", "mld", "theil_between", "theil_within"} <= set(table["measure"])
    for year in (2004, 2021):
        t = table[table["period"] == year].set_index("measure")["value"]
        # the Theil decomposition adds up exactly to the (weighted) Theil T
        assert t["theil_between"] + t["theil_within"] == pytest.approx(t["theil"], rel=1e-12)
        assert t["theil_between"] >= 0 and t["theil_within"] >= 0
    # weights: population-weighted Gini is below the unweighted one, because the most extreme
    # ITL3 values (central London) belong to units with small resident populations
    w = indicator(measure, "itl3")[2019].dropna()
    pop = indicator("population", "itl3")[2019].reindex(w.index)
    assert float(ineq.gini(w, weights=pop)) < float(ineq.gini(w))


def test_shift_share_jobs_north_east(data_root):
    res = analysis.shift_share("North East", 1996, 2021, source="jobs")
    # independent route: Dunn's components from the JOBS05 June quarters
    from levelup.data import load

    j = load("jobs05")
    j = j[j["period"].str.startswith("Jun") & ~j["industry"].isin(["Total", "G-T"])]
    reg = j[j["geo_code"] == "TLC"].pivot(index="industry", columns="year", values="value")
    nat = j[j["level"] == "itl1"].groupby(["industry", "year"])["value"].sum().unstack()
    G = nat[2021].sum() / nat[1996].sum() - 1
    assert res.national == pytest.approx(reg[1996].sum() * G)
    mix = (reg[1996] * (nat[2021] / nat[1996] - 1 - G)).sum()
    assert res.industry_mix == pytest.approx(mix)
    assert res.growth == pytest.approx(reg[2021].sum() - reg[1996].sum())
    assert res.national + res.industry_mix + res.competitive == pytest.approx(res.growth)


def test_gap_scenarios_north_east(data_root, release_2023):
    g = analysis.gap("North East")  # real GDP per head (CVM), the UK at its own trend
    t = g.to_frame()
    assert len(t) == 2  # 1% and 3%
    real = indicator("real_gdp_per_head", "itl1")
    ukr = indicator("real_gdp_per_head", "uk").iloc[0]
    gb = (ukr[2021] / ukr[1998]) ** (1 / 23) - 1  # the UK's trend growth, 1998-2021
    ratio = real.loc["TLC", 2021] / ukr[2021]
    expected = np.log(1 / ratio) / np.log(1.03 / (1 + gb))  # years = ln(1/ratio) / ln((1+g_r)/(1+g_b))
    assert 0 < expected < 200
    assert float(t["years_to_close"].iloc[-1]) == pytest.approx(expected, rel=1e-9)
    # growing at 1% a year while the UK grows faster never closes it
    assert gb > 0.01 or float(t["years_to_close"].iloc[0]) < np.inf


def test_moran_itl3_gdp_per_head_positive_and_significant(data_root):
    from levelup.models import spatial

    w = spatial.contiguity("itl3")
    y = np.log(indicator("gdp_per_head", "itl3")[2021])
    m = spatial.moran(y, w, permutations=199, rng=7)
    assert m.I > 0.2 and m.p_norm < 0.01 and m.p_sim <= 0.01
    again = spatial.moran(y, w, permutations=199, rng=7)
    assert again.p_sim == m.p_sim  # permutation inference is reproducible from the seed


def test_combined_authority_headline_uses_one_vintage(data_root, ons_dir):
    """Tees Valley (combined authority): ONS publishes it in Explore Local Statistics, so its GDP per
    head is that published row against the UK row of the same CSV (April 2025 release), read here
    from the file with pandas; never the ITL release's UK row."""
    from levelup.geo import resolve

    reg = resolve("Tees Valley", level="cauth")
    h = analysis.headline(reg).to_frame().set_index("measure")
    csv = pd.read_csv(ons_dir / "local-indicators" / "gdp-per-head.csv", encoding="utf-8-sig")
    cur = csv[csv["Indicator"] == "Gross domestic product per head at current market price"]

    def val(code: str, y: int) -> float:
        return float(cur[(cur["AREACD"] == code) & (cur["Period"].astype(str) == str(y))]["Observation"].iat[0])

    year, first = int(h.loc["gdp_per_head", "year"]), int(h.loc["gdp_per_head", "first_year"])
    assert (first, year) == (1998, 2023)
    assert h.loc["gdp_per_head", "value"] == val("E47000006", year)
    assert h.loc["gdp_per_head", "index"] == pytest.approx(100 * val("E47000006", year) / val("K02000001", year),
                                                           rel=1e-12)
    assert h.loc["gdp_per_head", "first_index"] == pytest.approx(
        100 * val("E47000006", first) / val("K02000001", first), rel=1e-12)
    assert h.loc["gdp_per_head", "source"] == "els_gdp_per_head"
