"""Convergence models against published reference implementations.

Sources of the expected numbers:
- REAT 3.0.3 (R), ``betaconv.ols(G.counties.gdp$gdppc2010, 2010, G.counties.gdp$gdppc2011, 2011)``:
  beta -0.008070533, SE 0.004490136, lambda 0.008103276, half-life 85.5391 (issue 4).
- ConvergenceClubs 2.2.5 (R) on ``filteredGDP`` (152 countries, 1970-2003):
  ``estimateMod(computeH(filteredGDP[, 2:35]), time_trim = 1/3, HACmethod = "FQSB")``:
  beta -0.8748112404, SE 0.005482815507, t -159.5551116;
  ``findClubs(filteredGDP, dataCols = 2:35, unit_names = 1, refCol = 35, time_trim = 1/3, cstar = 0,
  HACmethod = "FQSB")``: 7 clubs of 50, 30, 21, 24, 14, 11, 2 units, club 1 beta 0.3816, t 9.2823,
  memberships in expected/cc_membership_findClubs_FQSB.csv (issue 4; expected/README.md).
- PySAL giddy, giddy/tests/test_markov.py (pysal/giddy, commit 67c2ded), ``Markov(q5)`` on usjoin.csv
  with ``q5 = [mapclassify.Quantiles(y).yb for y in pci]``: transitions, p, steady_state, mfpt, and the
  non-ergodic ``Markov(q5[:, :2])`` case. Also compared with giddy 2.x computed in the test.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from levelup.errors import ModelWarning
from levelup.models import convergence as cv

pytestmark = pytest.mark.shared


def sig(x: float, digits: int = 6) -> float:
    return float(f"{x:.{digits - 1}e}")


# ----------------------------------------------------------------- REAT beta
@pytest.fixture(scope="module")
def counties(reference_dir):
    g = pd.read_csv(reference_dir / "REAT" / "G.counties.gdp.csv", dtype={"region_code": str})
    return g.set_index("region_code_EU")


def test_beta_reat_betaconv_ols(counties):
    # REAT 3.0.3 betaconv.ols(gdppc2010, 2010, gdppc2011, 2011) on G.counties.gdp: the printed SE is
    # the classical (nonrobust) OLS standard error.
    r = cv.beta(counties["gdppc2010"], counties["gdppc2011"], years=1, cov="nonrobust")
    assert sig(r.beta) == sig(-0.008070533)
    assert sig(r.se) == sig(0.004490136)
    assert sig(r.speed) == sig(0.008103276)
    assert sig(r.half_life) == sig(85.5391)
    assert r.nobs == len(counties) == 402
    assert r.sample.periods == ("gdppc2010", "gdppc2011")
    assert r.cov == "nonrobust"


def test_beta_speed_from_the_barro_sala_i_martin_model():
    # Barro and Sala-i-Martin (1992, eq. 11): growth over T years on ln y0 has slope
    # -(1 - exp(-lambda T))/T. With lambda = 0.02 and T = 10 that slope is -0.018126924692201818
    # (computed from the paper's formula, not from levelup); data generated exactly on that line
    # must give back speed 0.02 and half-life ln 2 / 0.02 = 34.657359027997266 years.
    ln0 = np.log(np.array([8_000.0, 11_000, 15_000, 21_000, 30_000, 42_000]))
    slope = -0.018126924692201818
    lnT = ln0 + 10 * (0.3 + slope * ln0)
    r = cv.beta(pd.Series(np.exp(ln0)), pd.Series(np.exp(lnT)), years=10, cov="nonrobust")
    assert r.beta == pytest.approx(slope, rel=1e-9)
    assert r.speed == pytest.approx(0.02, rel=1e-9)
    assert r.half_life == pytest.approx(34.657359027997266, rel=1e-9)


def test_panel_beta_cluster_se_nested_effects_pyfixest(counties):
    # Issue 22: unit effects nested in unit clusters are not counted in the small-sample factor
    # (Stata xtreg fe vce(cluster), reghdfe, fixest). pyfixest 0.60 on the same windows:
    # feols("growth ~ ln_initial | unit + start", vcov={"CRV1": "unit"}) -> se 0.005123009700568 (REAT
    # G.counties.gdp gdppc 1992-2014, window=3, missing="drop"; linearmodels' default gave 0.0055264).
    pf = pytest.importorskip("pyfixest")
    cols = [c for c in counties.columns if c.startswith("gdppc")]
    p = counties[cols].set_axis([int(c[5:]) for c in cols], axis=1)
    r = cv.panel_beta(p, window=3, missing="drop")
    assert r.se == pytest.approx(0.005123009700568, rel=1e-9)
    assert "nested" in r.summary()
    d = r.data.reset_index()
    for ee, te, rhs in [(True, True, " | unit + start"), (True, False, " | unit"), (False, True, " | start"),
                        (False, False, "")]:
        ri = cv.panel_beta(p, window=3, missing="drop", entity_effects=ee, time_effects=te)
        f = pf.feols("growth ~ ln_initial" + rhs, data=d, vcov={"CRV1": "unit"})
        assert ri.beta == pytest.approx(float(f.coef()["ln_initial"]), rel=1e-9)
        assert ri.se == pytest.approx(float(f.se()["ln_initial"]), rel=1e-9)


# ----------------------------------------------------------------- Phillips-Sul
@pytest.fixture(scope="module")
def filtered(reference_dir):
    return pd.read_csv(reference_dir / "filteredGDP.csv", index_col=0)


def test_log_t_full_panel_fqsb(filtered):
    # ConvergenceClubs 2.2.5 estimateMod(..., time_trim = 1/3, HACmethod = "FQSB") on filteredGDP
    r = cv.log_t(filtered, trim=1 / 3, hac="fqsb")
    assert r.beta == pytest.approx(-0.8748112404, rel=1e-9)
    assert r.se == pytest.approx(0.005482815507, rel=1e-9)
    assert r.tvalue == pytest.approx(-159.5551116, rel=1e-9)
    assert not r.converges
    assert len(r.sample.units) == 152 and r.sample.periods[0] == "Y1970" and r.sample.periods[-1] == "Y2003"


def test_find_clubs_fqsb_sizes_and_club1(filtered):
    # ConvergenceClubs 2.2.5 findClubs(filteredGDP, ..., time_trim = 1/3, cstar = 0, HACmethod = "FQSB")
    r = cv.clubs(filtered, trim=1 / 3, cstar=0, hac="fqsb")
    assert [len(c) for c in r.clubs] == [50, 30, 21, 24, 14, 11, 2]
    assert r.divergent == []
    assert round(r.tests.loc[1, "beta"], 4) == 0.3816
    assert round(r.tests.loc[1, "tvalue"], 4) == 9.2823


def test_find_clubs_fqsb_all_memberships(filtered, reference_dir):
    # Every country's club as printed by ConvergenceClubs 2.2.5 (expected/cc_membership_findClubs_FQSB.csv)
    exp = pd.read_csv(reference_dir / "expected" / "cc_membership_findClubs_FQSB.csv")
    r = cv.clubs(filtered)
    got = pd.Series({u: f"club{k}" for k, c in enumerate(r.clubs, start=1) for u in c})
    want = exp.set_index("unit")["club"]
    assert len(want) == 152
    pd.testing.assert_series_equal(got.sort_index(), want.sort_index(), check_names=False)


def test_clubs_long_input_same_answer(filtered):
    # Long format (tidy schema: geo_code, year, value) gives the same clubs as wide
    long = filtered.rename_axis("geo_code").reset_index().melt(id_vars="geo_code", var_name="year")
    long["year"] = long["year"].str[1:].astype(int)
    r_long = cv.clubs(long)
    r_wide = cv.clubs(filtered)
    assert r_long.clubs == r_wide.clubs


def test_merge_vlt_all_memberships(filtered, reference_dir):
    # ConvergenceClubs 2.2.5: mergeClubs(findClubs(filteredGDP, ..., cstar = 0, HACmethod = "FQSB"),
    # mergeMethod = "vLT") -> expected/cc_membership_merge_vLT.csv (6 clubs of 50, 30, 21, 38, 11, 2)
    exp = pd.read_csv(reference_dir / "expected" / "cc_membership_merge_vLT.csv")
    r = cv.clubs(filtered, merge="vlt")
    got = pd.Series({u: f"club{k}" for k, c in enumerate(r.clubs, start=1) for u in c})
    want = exp.set_index("unit")["club"]
    assert len(want) == 152 and r.divergent == []
    pd.testing.assert_series_equal(got.sort_index(), want.sort_index(), check_names=False)


def test_clubs_step3_every_club_passes_or_is_flagged(filtered):
    # Issue 22: with cstar = -1 the plain sieve reports club 4 (26 units) with its own t = -2.79.
    # Phillips and Sul (2007, sec. 4.2, step 3): the sieved club must pass; c* is raised until it does.
    r = cv.clubs(filtered, trim=1 / 3, cstar=-1)
    assert (r.tests["tvalue"] > -1.65).all() and r.failing == []
    for c, t in zip(r.clubs, r.tests["tvalue"]):  # each club's t recomputed on its own units
        assert cv.log_t(filtered.loc[c]).tvalue == pytest.approx(t, rel=1e-10)
    assert "c* raised" in r.formation.loc[4, "how"] and "c* raised" in r.summary()
    # the fixed sieve (ConvergenceClubs' default) keeps the failing club but says so
    with pytest.warns(ModelWarning, match="club\\(s\\) 4 fail"):
        f = cv.clubs(filtered, trim=1 / 3, cstar=-1, cstar_method="fixed")
    assert [len(c) for c in f.clubs][:4] == [56, 39, 26, 26]
    assert f.tests.loc[4, "tvalue"] == pytest.approx(-2.786452, abs=1e-6) and not f.tests.loc[4, "passes"]
    assert f.failing == [4] and "WARNING: club(s) 4" in f.summary()


def test_trim_default_and_ps_recommendation(filtered):
    # The docstring's claim: trim 1/3 (ConvergenceClubs) gives 7 clubs, PS 2007's r = 0.3 gives 9
    assert cv.clubs(filtered).n_clubs == 7
    assert cv.clubs(filtered, trim=0.3).n_clubs == 9
    assert "trim=1/3" in cv.clubs.__doc__ and "r = 0.3" in cv.clubs.__doc__


# ----------------------------------------------------------------- Markov (giddy)
@pytest.fixture(scope="module")
def usjoin(reference_dir):
    us = pd.read_csv(reference_dir / "us_income" / "usjoin.csv", index_col=0).drop(columns="STATE_FIPS")
    us.columns = us.columns.astype(int)
    return us


def test_markov_giddy_expected_values(usjoin):
    # giddy/tests/test_markov.py, test_Markov.test___init__ (Markov on 5 quantile classes of usjoin)
    r = cv.markov(usjoin, k=5)
    np.testing.assert_array_equal(
        r.counts.to_numpy(),
        [[729, 71, 1, 0, 0], [72, 567, 80, 3, 0], [0, 81, 631, 86, 2], [0, 3, 86, 573, 56], [0, 0, 1, 57, 741]],
    )
    np.testing.assert_array_almost_equal(
        r.p.to_numpy(),
        [[0.91011236, 0.0886392, 0.00124844, 0.0, 0.0],
         [0.09972299, 0.78531856, 0.11080332, 0.00415512, 0.0],
         [0.0, 0.10125, 0.78875, 0.1075, 0.0025],
         [0.0, 0.00417827, 0.11977716, 0.79805014, 0.07799443],
         [0.0, 0.0, 0.00125156, 0.07133917, 0.92740926]],
    )
    np.testing.assert_array_almost_equal(
        r.steady_state.to_numpy(), [0.20774716, 0.18725774, 0.20740537, 0.18821787, 0.20937187]
    )
    np.testing.assert_array_almost_equal(
        r.fmpt.to_numpy(),
        [[4.81354357, 11.50292712, 29.60921231, 53.38594954, 103.59816743],
         [42.04774505, 5.34023324, 18.74455332, 42.50023268, 92.71316899],
         [69.25849753, 27.21075248, 4.82147603, 25.27184624, 75.43305672],
         [84.90689329, 42.85914824, 17.18082642, 5.31299186, 51.60953369],
         [98.41295543, 56.36521038, 30.66046735, 14.21158356, 4.77619083]],
    )
    assert r.ergodic


def test_markov_giddy_non_ergodic(usjoin):
    # giddy/tests/test_markov.py: Markov(q5[:, :2]) has two recurrent classes (absorbing 0 and 3)
    r = cv.markov(usjoin[[1929, 1930]], k=5)
    assert not r.ergodic
    assert r.steady_state.isna().all()
    np.testing.assert_array_almost_equal(
        r.stationary.to_numpy(), [[1.0, 0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 1.0, 0.0]]
    )
    inf = np.inf
    np.testing.assert_array_almost_equal(
        r.fmpt.to_numpy(),
        [[1.0, inf, inf, inf, inf], [inf, inf, 9.0, 29.0, inf], [inf, inf, inf, 20, inf],
         [inf, inf, inf, 1.0, inf], [inf, inf, inf, 10, inf]],
    )
    assert any("not ergodic" in n for n in r.notes())


def test_markov_against_giddy_computed(usjoin):
    # Second route: giddy and mapclassify computed here on the same data (k = 4, a subset of years)
    giddy_markov = pytest.importorskip("giddy.markov")
    mc = pytest.importorskip("mapclassify")
    sub = usjoin.loc[:, 1950:1990]
    q = np.array([mc.Quantiles(y, k=4).yb for y in sub.to_numpy().T]).T
    m = giddy_markov.Markov(q, summary=False)
    r = cv.markov(sub, k=4)
    np.testing.assert_array_equal(r.classes.to_numpy(), q)
    np.testing.assert_array_equal(r.counts.to_numpy(), m.transitions)
    np.testing.assert_allclose(r.p.to_numpy(), m.p, atol=1e-12)
    np.testing.assert_allclose(r.steady_state.to_numpy(), m.steady_state, atol=1e-10)
    np.testing.assert_allclose(r.fmpt.to_numpy(), m.mfpt, rtol=1e-8)
