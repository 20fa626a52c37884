"""Shift-share models against published implementations (numbers cited per test)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from levelup.models import shiftshare as ss

# REAT 3.0.3 shift() documentation example (Farhauer and Kroell), 4 industries;
# inputs from ../shared/reference-data/expected/README.md.
NAT_T0 = pd.Series([400, 150, 150, 400.0], index=list("abcd"))
NAT_T1 = pd.Series([440, 210, 135, 480.0], index=list("abcd"))
REG = {
    "A": ([90, 20, 10, 60.0], [100, 40, 10, 55.0]),
    "B": ([60, 30, 30, 40.0], [85, 55, 40, 35.0]),
    "C": ([250, 100, 110, 300.0], [255, 115, 85, 390.0]),
}


def _reg(name):
    t0, t1 = REG[name]
    return pd.Series(t0, index=list("abcd")), pd.Series(t1, index=list("abcd"))


def test_reat_shift_dunn_region_a():
    # REAT 3.0.3 shift(): Dunn growth 25, national share 27, industry mix 1, regional share -3, net shift -2
    r = ss.dunn(*_reg("A"), NAT_T0, NAT_T1)
    assert r.growth == pytest.approx(25, rel=1e-6)
    assert r.national == pytest.approx(27, rel=1e-6)
    assert r.industry_mix == pytest.approx(1, rel=1e-6)
    assert r.competitive == pytest.approx(-3, rel=1e-6)
    assert r.net_shift == pytest.approx(-2, rel=1e-6)


def test_reat_shift_esteban_region_a():
    # REAT 3.0.3 shift() Esteban-Marquillas: regional share -0.6363636364, allocation -2.3636363636
    r = ss.esteban(*_reg("A"), NAT_T0, NAT_T1)
    assert r.competitive_homothetic == pytest.approx(-0.6363636364, rel=1e-6)
    assert r.allocation == pytest.approx(-2.3636363636, rel=1e-6)


def test_reat_shift_dunn_region_b():
    # REAT 3.0.3 shift(), region B (t total 160 -> 215): national 24, mix -1, regional 32
    r = ss.dunn(*_reg("B"), NAT_T0, NAT_T1)
    assert (r.growth, r.national, r.industry_mix, r.competitive) == pytest.approx((55, 24, -1, 32), rel=1e-6)


def test_region_c_worked_by_hand():
    # Region C (760 -> 845): G = 0.15; G_i = (.1, .4, -.1, .2); worked out term by term here
    e0 = np.array([250, 100, 110, 300.0])
    e1 = np.array([255, 115, 85, 390.0])
    Gi = np.array([0.1, 0.4, -0.1, 0.2])
    national = 760 * 0.15  # 114
    mix = 250 * (-0.05) + 100 * 0.25 + 110 * (-0.25) + 300 * 0.05  # 0
    hom = 760 * np.array([400, 150, 150, 400.0]) / 1100
    diff = e1 / e0 - 1 - Gi
    r = ss.esteban(*_reg("C"), NAT_T0, NAT_T1)
    assert r.national == pytest.approx(national, rel=1e-9)
    assert r.industry_mix == pytest.approx(mix, abs=1e-9)
    assert r.competitive == pytest.approx(85 - 114 - mix, rel=1e-9)
    assert r.competitive_homothetic == pytest.approx(float(hom @ diff), rel=1e-9)
    assert r.allocation == pytest.approx(float((e0 - hom) @ diff), rel=1e-9)


# --------------------------------------------------------------------------------------
# ShiftShareSE 1.1 ADH example
# --------------------------------------------------------------------------------------

CTRLS = ["t2", "l_shind_manuf_cbp", "l_sh_popedu_c", "l_sh_popfborn", "l_sh_empl_f",
         "l_sh_routine33", "l_task_outsource", "division"]


@pytest.fixture(scope="module")
def akm_adh(reference_dir):
    d = reference_dir / "ShiftShareSE_ADH"
    reg = pd.read_csv(d / "reg.csv.gz")
    reg.index = pd.RangeIndex(1, len(reg) + 1)
    reg["division"] = reg["division"].astype(str)  # a factor in R's ADH$reg
    long = pd.read_csv(d / "W_long_nonzero.csv.gz")
    shares = ss.shares_from_long(long, region="row", sector="col", share="share", regions=reg.index)
    sic = pd.read_csv(d / "sectors.csv").set_index("sector")["sic"]
    return reg, shares, sic // 10


def test_shiftsharese_ivreg_ss_adh(akm_adh):
    # ShiftShareSE 1.1: ivreg_ss(d_sh_empl ~ <CTRLS> | shock, X=IV, data=ADH$reg, W=ADH$W,
    #   weights=weights, region_cvar=statefip, sector_cvar=floor(ADH$sic/10), method="all")
    reg, shares, sic3 = akm_adh
    r = ss.ssiv(reg, y="d_sh_empl", x="shock", instrument="IV", shares=shares, controls=CTRLS,
                weights="weights", sector_clusters=sic3, region_clusters="statefip", incomplete="ignore")
    assert r.coef == pytest.approx(-0.7742266588, rel=1e-8)
    expected = {"homoscedastic": 0.1069532033, "ehw": 0.1647891538, "region_cluster": 0.1758095746,
                "akm": 0.2403730450, "akm0": 0.3318966159}
    for k, v in expected.items():
        assert r.se[k] == pytest.approx(v, rel=1e-8), k
    assert r.n_sectors == 770
    f = r.to_frame()
    assert list(f.index) == list(expected)
    # first stage and reduced form against statsmodels WLS (independent route: coefficient,
    # non-robust SE rescaled to sigma^2 = e'e/N, HC0 and cluster without corrections)
    import statsmodels.api as sm

    X = pd.get_dummies(reg[CTRLS], columns=["division"], drop_first=True, dtype=float).astype(float)
    X.insert(0, "IV", reg["IV"])
    X = sm.add_constant(X)
    for res, dep in ((r.first_stage, "shock"), (r.reduced_form, "d_sh_empl")):
        fit = sm.WLS(reg[dep], X, weights=reg["weights"]).fit(cov_type="HC0")
        assert res.coef == pytest.approx(fit.params["IV"], rel=1e-9)
        assert res.se["ehw"] == pytest.approx(fit.bse["IV"], rel=1e-7)
        n, k = fit.nobs, X.shape[1]
        homo = sm.WLS(reg[dep], X, weights=reg["weights"]).fit().bse["IV"] * np.sqrt((n - k) / n)
        assert res.se["homoscedastic"] == pytest.approx(homo, rel=1e-7)


def test_ssiv_shocks_give_same_instrument(akm_adh):
    # instrument built from shocks must equal a column holding the same Bartik values
    reg, shares, sic3 = akm_adh
    g = pd.Series(np.random.default_rng(1).normal(size=770), index=shares.sectors)
    reg = reg.assign(B=ss.bartik(shares, g))
    kw = dict(y="d_sh_empl", x="shock", shares=shares, controls=CTRLS, weights="weights", incomplete="ignore")
    a = ss.ssiv(reg, instrument="B", **kw)
    b = ss.ssiv(reg, instrument=g, **kw)
    assert a.coef == pytest.approx(b.coef, rel=1e-10)
    assert a.se["akm"] == pytest.approx(b.se["akm"], rel=1e-10)


# --------------------------------------------------------------------------------------
# bartik.weight (GPSS) ADH example
# --------------------------------------------------------------------------------------

GPSS_CTRLS = ["reg_midatl", "reg_encen", "reg_wncen", "reg_satl", "reg_escen", "reg_wscen", "reg_mount",
              "reg_pacif", "l_sh_popedu_c", "l_sh_popfborn", "l_sh_empl_f", "l_sh_routine33",
              "l_task_outsource", "t2", "l_shind_manuf_cbp"]


@pytest.fixture(scope="module")
def gpss(reference_dir):
    d = reference_dir / "bartik_weight_ADH"
    master = pd.read_csv(d / "ADH_master.csv.gz").set_index(["czone", "year"])
    long = pd.read_csv(d / "ADH_local_long_nonzero.csv.gz", dtype={"ind": str})
    shares = ss.shares_from_long(long, region="czone", period="year", sector="ind", share="sh_ind_",
                                 regions=master.index)
    shocks = pd.read_csv(d / "ADH_global.csv", dtype={"ind": str}).set_index(["year", "ind"])["trade_"]
    expected = pd.read_csv(reference_dir / "expected" / "bw_adh_rotemberg.csv", dtype={"ind": str})
    return master, shares, shocks, expected.set_index(["year", "ind"])


def test_bartik_weight_adh(gpss):
    # bartik.weight (GPSS R package): bw(ADH_master, y="d_sh_empl_mfg", x="d_tradeusch_pw",
    #   controls=GPSS_CTRLS, weight="timepwt48", Z=ADH_local_wide shares, G=ADH_global trade_)
    #   -> expected/bw_adh_rotemberg.csv (780 rows)
    master, shares, shocks, expected = gpss
    rw = ss.rotemberg(master, y="d_sh_empl_mfg", x="d_tradeusch_pw", shares=shares, shocks=shocks,
                      controls=GPSS_CTRLS, weights="timepwt48")
    w = rw.weights
    assert len(w) == 780
    assert w["alpha"].sum() == pytest.approx(1.0, abs=1e-10)
    assert w["alpha"].sum() == pytest.approx(expected["alpha"].sum(), abs=1e-10)
    top = rw.top(10)
    exp_top = expected.sort_values("alpha", ascending=False).head(10)
    assert list(top.index) == list(exp_top.index)
    np.testing.assert_allclose(top["alpha"], exp_top["alpha"], rtol=1e-8)
    np.testing.assert_allclose(top["beta"], exp_top["beta"], rtol=1e-7)
    np.testing.assert_allclose(top["shock"], exp_top["trade_"], rtol=1e-12)
    assert top.index[0] == (2000, "3571")
    assert top["alpha"].iloc[0] == pytest.approx(0.140442249, rel=1e-8)
    assert top["beta"].iloc[0] == pytest.approx(-0.61965112, rel=1e-7)
    ab = expected["alpha"] * expected["beta"]
    assert rw.beta_bartik == pytest.approx(ab[np.isfinite(ab)].sum(), rel=1e-8)
    # every one of the 780 (year, industry) rows, not only the top 10 (issue 22)
    got = w.reindex(expected.index)
    assert got.index.equals(expected.index) and not got["alpha"].isna().any()
    np.testing.assert_allclose(got["shock"], expected["trade_"], rtol=1e-12)
    np.testing.assert_allclose(got["alpha"], expected["alpha"], rtol=1e-7, atol=1e-12)
    fin = np.isfinite(expected["beta"])
    np.testing.assert_array_equal(np.isfinite(got["beta"]), fin)
    np.testing.assert_allclose(got.loc[fin, "beta"], expected.loc[fin, "beta"], rtol=1e-6)


def test_rotemberg_sum_is_bartik_2sls(gpss):
    # GPSS Proposition: sum_k alpha_k beta_k = Bartik 2SLS; second route: linearmodels IV2SLS
    from linearmodels.iv import IV2SLS

    master, shares, shocks, _ = gpss
    rw = ss.rotemberg(master, y="d_sh_empl_mfg", x="d_tradeusch_pw", shares=shares, shocks=shocks,
                      controls=GPSS_CTRLS, weights="timepwt48")
    d = master.assign(B=ss.bartik(shares, shocks), const=1.0)
    fit = IV2SLS(d["d_sh_empl_mfg"], d[["const", *GPSS_CTRLS]], d[["d_tradeusch_pw"]], d[["B"]],
                 weights=d["timepwt48"]).fit()
    assert rw.beta_bartik == pytest.approx(fit.params["d_tradeusch_pw"], rel=1e-8)


# --------------------------------------------------------------------------------------
# ssaggregate (BHJ) ADH example
# --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def bhj(reference_dir):
    d = reference_dir / "ssaggregate_ADH"
    df = pd.read_csv(d / "df.csv.gz", usecols=["czone", "year", "y", "x", "z", "wei", "t2", "Lsh_manuf"])
    df = df.set_index(["czone", "year"])
    long = pd.read_csv(d / "shares.csv.gz")
    shares = ss.shares_from_long(long, region="czone", period="year", sector="sic87dd", share="ind_share",
                                 regions=df.index)
    g = pd.read_csv(d / "shocks.csv").set_index(["year", "sic87dd"])["g"]
    computed = pd.read_csv(d / "industry_level_addmissing_computed.csv.gz")
    return df, shares, g, computed


def test_ssaggregate_adh(bhj):
    # ssaggregate (kylebutts/ssaggregate, R): ssaggregate(df, shares=shares, vars=~y+x+z, weights="wei",
    #   n="sic87dd", t="year", s="ind_share", l="czone", controls=~t2+Lsh_manuf, addmissing=TRUE)
    #   -> 796 industry-year rows; then (README) IV of y on x with instrument g, control year
    #   (0 for the missing industry), [aw=s_n], robust (HC1): -0.46430273 (SE 0.087633332)
    df, shares, g, computed = bhj
    year = pd.DataFrame({"year": g.index.get_level_values(0).astype(float)}, index=g.index)
    r = ss.shock_level(df, y="y", x="x", shares=shares, shocks=g, controls=["t2", "Lsh_manuf"], weights="wei",
                       shock_controls=year, period_effects=False, cov="HC1")
    assert r.nobs == 796
    assert r.coef == pytest.approx(-0.46430273, rel=1e-7)
    assert r.se == pytest.approx(0.087633332, rel=1e-7)
    # aggregated variables against ssaggregate's output file (s_n up to its normalisation)
    comp = computed[computed["sic87dd"] > 0].set_index(["year", "sic87dd"])
    a = r.aggregated.loc[comp.index]
    np.testing.assert_allclose(a[["y", "x"]], comp[["y", "x"]], rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(a["s_n"], comp["s_n"], rtol=1e-9)
    miss = r.aggregated[r.aggregated.index.get_level_values(1) == ss.MISSING_SECTOR]
    np.testing.assert_allclose(np.sort(miss["s_n"]), np.sort(computed.loc[computed["sic87dd"] == 0, "s_n"]),
                               rtol=1e-9)


def test_bhj_equivalence_location_and_shock_level(bhj):
    # BHJ (2022) Prop. 3: location-level 2SLS with the Bartik instrument (controls include the
    # period effects) equals the shock-level IV with period effects and the missing industry.
    df, shares, g, _ = bhj
    with pytest.warns(ss.AKMWarning, match="collinear: 21 sector"):  # ADH shares: 794 sector-periods, rank 773
        loc = ss.ssiv(df, y="y", x="x", instrument=g, shares=shares, controls=["t2", "Lsh_manuf"],
                      weights="wei", incomplete="ignore")
    assert np.isfinite(loc.se["akm"])  # the 21 dependent sector-periods dropped, as ShiftShareSE
    shock = ss.shock_level(df, y="y", x="x", shares=shares, shocks=g, controls=["t2", "Lsh_manuf"],
                           weights="wei", period_effects=True)
    assert shock.coef == pytest.approx(loc.coef, rel=1e-10)
    # and the Bartik instrument from shares and shocks is ADH's z
    np.testing.assert_allclose(ss.bartik(shares, g).reindex(df.index), df["z"], atol=1e-5)
