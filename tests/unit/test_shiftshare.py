"""Unit tests for levelup.models.shiftshare: identities, hand-worked cases, second routes
(linearmodels / statsmodels) and bad input."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from linearmodels.iv import IV2SLS

from levelup.errors import ModelInputError
from levelup.models import shiftshare as ss

IND = list("abcd")
NAT0 = pd.Series([400, 150, 150, 400.0], index=IND)
NAT1 = pd.Series([440, 210, 135, 480.0], index=IND)
REG0 = pd.Series([90, 20, 10, 60.0], index=IND)
REG1 = pd.Series([100, 40, 10, 55.0], index=IND)


# ---------------------------------------------------------------- classic decompositions


def test_dunn_components_sum_by_industry():
    r = ss.dunn(REG0, REG1, NAT0, NAT1)
    c = r.components
    np.testing.assert_allclose(c["national"] + c["industry_mix"] + c["competitive"], REG1 - REG0, atol=1e-12)
    # industry a by hand: national 90*.15, mix 90*(.1-.15), competitive 10 - 90*.1
    assert c.loc["a", "national"] == pytest.approx(13.5)
    assert c.loc["a", "industry_mix"] == pytest.approx(-4.5)
    assert c.loc["a", "competitive"] == pytest.approx(1.0)
    f = r.to_frame()
    assert f.loc["growth", "value"] == pytest.approx(25)
    assert f.loc["national", "percent_of_base"] == pytest.approx(15)


def test_dunn_order_of_industries_does_not_matter():
    a = ss.dunn(REG0, REG1, NAT0, NAT1)
    b = ss.dunn(REG0[::-1], REG1, NAT0.iloc[[2, 0, 3, 1]], NAT1)
    assert a.competitive == pytest.approx(b.competitive)


def test_arcelus_parts_by_hand():
    r = ss.arcelus(REG0, REG1, NAT0, NAT1)
    rg = 205 / 180 - 1 - 0.15  # r - G
    assert r.regional_growth == pytest.approx(180 * rg)
    assert r.regional_growth + r.regional_mix == pytest.approx(r.competitive)
    e = ss.esteban(REG0, REG1, NAT0, NAT1)
    assert r.regional_growth_homothetic + r.regional_mix_homothetic == pytest.approx(e.competitive_homothetic)
    assert r.regional_growth_allocation + r.regional_mix_allocation == pytest.approx(e.allocation)


def test_dynamic_is_sum_of_yearly_dunn():
    reg = pd.DataFrame({2000: REG0, 2001: (REG0 + REG1) / 2 + [3, -1, 0, 2], 2002: REG1})
    nat = pd.DataFrame({2000: NAT0, 2001: (NAT0 + NAT1) / 2 + [5, 0, 1, -2], 2002: NAT1})
    d = ss.dynamic(reg, nat)
    one = ss.dunn(reg[2000], reg[2001], nat[2000], nat[2001])
    two = ss.dunn(reg[2001], reg[2002], nat[2001], nat[2002])
    for k in ("growth", "national", "industry_mix", "competitive", "net_shift"):
        assert getattr(d, k) == pytest.approx(getattr(one, k) + getattr(two, k))
    assert d.by_period.loc[2001, "competitive"] == pytest.approx(one.competitive)
    assert ss.dynamic(reg[[2000, 2002]], nat[[2000, 2002]]).national == pytest.approx(ss.dunn(REG0, REG1, NAT0, NAT1).national)


def test_decomposition_bad_input():
    with pytest.raises(ModelInputError, match="only in region_t0: e"):
        ss.dunn(pd.concat([REG0, pd.Series({"e": 1.0})]), REG1, NAT0, NAT1)
    with pytest.raises(ModelInputError, match="negative for industries: b"):
        ss.dunn(REG0.replace(20, -20), REG1, NAT0, NAT1)
    with pytest.raises(ModelInputError, match="missing values"):
        ss.dunn(REG0.replace(20, np.nan), REG1, NAT0, NAT1)
    with pytest.raises(ModelInputError, match="zero for industries: c"):
        ss.dunn(REG0, REG1, NAT0.replace(150, 0).where(NAT0.index != "b", 150), NAT1)
    with pytest.raises(ModelInputError, match="no employment at the start in industries c"):
        ss.esteban(REG0.replace(10, 0), REG1, NAT0, NAT1)
    with pytest.raises(ModelInputError, match="different years"):
        ss.dynamic(pd.DataFrame({2000: REG0, 2001: REG1}), pd.DataFrame({2000: NAT0, 2002: NAT1}))


def test_decomposition_outputs():
    for r in (ss.dunn(REG0, REG1, NAT0, NAT1), ss.esteban(REG0, REG1, NAT0, NAT1), ss.arcelus(REG0, REG1, NAT0, NAT1)):
        ax = r.plot()
        assert len(ax.patches) == len(r._steps) + 1
        assert r.title in r.summary() and "<table" in r._repr_html_()


# ---------------------------------------------------------------- shift-share IV


def _synthetic(n=120, s=8, seed=0, complete=False):
    rng = np.random.default_rng(seed)
    W = rng.dirichlet(np.ones(s), size=n) * (1.0 if complete else rng.uniform(0.5, 0.9, size=(n, 1)))
    g = rng.normal(size=s)
    z = W @ g
    c = rng.normal(size=n)
    u = rng.normal(size=n)
    x = 0.8 * z + 0.3 * c + 0.5 * u + rng.normal(size=n)
    y = -1.0 * x + 0.5 * c + u
    df = pd.DataFrame({"y": y, "x": x, "z": z, "c": c, "w": rng.uniform(0.5, 2, n),
                       "state": rng.integers(0, 15, n), "sum": W.sum(1)},
                      index=[f"r{i}" for i in range(n)])
    shares = pd.DataFrame(W, index=df.index, columns=[f"s{j}" for j in range(s)])
    return df, shares, pd.Series(g, index=shares.columns)


def test_ssiv_matches_linearmodels():
    df, shares, _ = _synthetic()
    r = ss.ssiv(df, y="y", x="x", instrument="z", shares=shares, controls=["c", "sum"], weights="w",
                region_clusters="state")
    d = df.assign(const=1.0)
    mod = IV2SLS(d["y"], d[["const", "c", "sum"]], d[["x"]], d[["z"]], weights=d["w"])
    assert r.coef == pytest.approx(mod.fit().params["x"], rel=1e-10)
    assert r.se["homoscedastic"] == pytest.approx(mod.fit(cov_type="unadjusted").std_errors["x"], rel=1e-8)
    assert r.se["ehw"] == pytest.approx(mod.fit(cov_type="robust").std_errors["x"], rel=1e-8)
    cl = mod.fit(cov_type="clustered", clusters=d["state"], debiased=False)
    assert r.se["region_cluster"] == pytest.approx(cl.std_errors["x"], rel=1e-8)
    lo, hi = r.ci_akm0
    assert lo < r.coef < hi
    assert r.se["akm0"] == pytest.approx((hi - lo) / 2 / 1.959963984540054)


def test_akm_with_specialised_regions_is_cluster_by_sector():
    # AKM (2019): when each region is in one sector (0/1 shares) and the only control is the
    # intercept, the AKM SE equals the SE clustered by sector.
    rng = np.random.default_rng(3)
    n, s = 200, 20
    sector = rng.integers(0, s, n)
    W = np.eye(s)[sector]
    g = rng.normal(size=s)
    x = W @ g + rng.normal(size=n)
    df = pd.DataFrame({"y": 0.5 * x + rng.normal(size=n) + rng.normal(size=s)[sector], "x": x,
                       "z": W @ g, "sector": sector})
    r = ss.ssiv(df, y="y", x="x", instrument="z", shares=W, region_clusters="sector")
    assert r.se["akm"] == pytest.approx(r.se["region_cluster"], rel=1e-9)
    assert "sum to one in every region" in r.summary()


@pytest.mark.filterwarnings("ignore::levelup.models.shiftshare.AKMWarning")
def test_ssiv_shocks_panel_frame_equals_long_form():
    df, shares, g = _synthetic(n=60, s=5)
    # two periods: same regions, period-specific shocks
    panel = pd.concat({2000: shares, 2010: shares * 0.9}, names=["period"]).swaplevel().sort_index()
    shocks = pd.concat({2000: g, 2010: g + 1}, names=["period", "sector"])
    data = pd.concat({2000: df, 2010: df.assign(y=df.y + 1)}, names=["period"]).swaplevel().sort_index()
    data["t2"] = (data.index.get_level_values(1) == 2010).astype(float)
    long = panel.stack().rename("share").reset_index()
    long.columns = ["region", "period", "sector", "share"]
    sm = ss.shares_from_long(long, region="region", period="period", sector="sector", share="share",
                             regions=data.index)
    b1, b2 = ss.bartik(panel, shocks), ss.bartik(sm, shocks)
    np.testing.assert_allclose(b1.reindex(data.index), b2.reindex(data.index))
    by_hand = panel.loc[(slice(None), 2010), :].to_numpy() @ (g + 1).to_numpy()
    np.testing.assert_allclose(b1.loc[(slice(None), 2010)], by_hand)
    r1 = ss.ssiv(data, y="y", x="x", instrument=shocks, shares=panel, controls=["t2"], incomplete="ignore")
    r2 = ss.ssiv(data, y="y", x="x", instrument=shocks, shares=sm, controls=["t2"], incomplete="ignore")
    assert r1.coef == pytest.approx(r2.coef) and r1.se["akm"] == pytest.approx(r2.se["akm"])
    assert r1.n_sectors == 10


def test_incomplete_shares_policy():
    df, shares, g = _synthetic()
    with pytest.warns(ss.IncompleteSharesWarning):
        ss.ssiv(df, y="y", x="x", instrument="z", shares=shares, controls=["c"])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        a = ss.ssiv(df, y="y", x="x", instrument="z", shares=shares, controls=["c"], incomplete="control")
        b = ss.ssiv(df, y="y", x="x", instrument="z", shares=shares, controls=["c", "sum"])
    assert a.coef == pytest.approx(b.coef) and a.se["akm"] == pytest.approx(b.se["akm"])
    assert "added as a control" in a.summary()


def test_akm_far_below_ehw_warns():
    # residuals that sum to zero within each sector make R_s ~ 0, so AKM << EHW
    rng = np.random.default_rng(5)
    n, s = 300, 10
    sector = rng.integers(0, s, n)
    W = np.eye(s)[sector]
    x = W @ rng.normal(size=s) + rng.normal(size=n)
    v = rng.normal(size=n)
    u = v - pd.Series(v).groupby(sector).transform("mean").to_numpy()
    df = pd.DataFrame({"y": 2 * x + u, "x": x, "z": x})
    with pytest.warns(ss.AKMWarning, match="far below"):
        r = ss.ssiv(df, y="y", x="x", instrument="z", shares=W)
    assert r.se["akm"] < 0.5 * r.se["ehw"]


def test_collinear_and_zero_shares_dropped_as_shiftsharese():
    # ShiftShareSE solves X^ = (W'W)^- W'X.. by R's pivoted QR (dqrdc2): a share column that is a linear
    # combination of earlier ones is dropped (its X^ is 0) and AKM is still reported. Here s6 = s1/2
    # and s_zero is all zero. Worked by hand below: with only the intercept as control, X.. and Y.. are
    # the demeaned instrument and outcome, beta = X..'Y.. / X..'D.., R_s = sum_i W_is e_i, X^ the least
    # squares coefficients of X.. on the kept columns, se_AKM^2 = sum_s (X^_s R_s)^2 / (X..'D..)^2.
    df, shares, _ = _synthetic(n=40, s=6)
    shares = shares / 1.5
    shares["s6"] = shares["s1"] * 0.5
    shares["s_zero"] = 0.0
    shares = shares / shares.sum(axis=1).max()
    with pytest.warns(ss.AKMWarning, match="collinear: 1 sector.*dropped.*s6"):
        r = ss.ssiv(df, y="y", x="x", instrument="z", shares=shares, incomplete="ignore")
    assert np.isfinite(r.se["akm"]) and not np.isnan(r.se["akm0"])
    assert "s_zero" in r.summary() and "s6" in r.summary()
    z = df["z"] - df["z"].mean()
    yv = df["y"] - df["y"].mean()
    d = df["x"] - df["x"].mean()
    beta = (z @ yv) / (z @ d)
    e = yv - beta * d
    Wk = shares[["s0", "s1", "s2", "s3", "s4", "s5"]].to_numpy()
    xhat = np.linalg.lstsq(Wk, z.to_numpy(), rcond=None)[0]
    R = Wk.T @ e.to_numpy()
    assert r.coef == pytest.approx(beta, rel=1e-10)
    assert r.se["akm"] == pytest.approx(np.sqrt(np.sum((xhat * R) ** 2)) / abs(z @ d), rel=1e-8)


@pytest.mark.filterwarnings("ignore::levelup.models.shiftshare.AKMWarning")
def test_ssiv_bad_input():
    df, shares, g = _synthetic(n=30, s=4)
    kw = dict(y="y", x="x", incomplete="ignore")
    with pytest.raises(ModelInputError, match="sum to at most 1.*r3"):
        ss.ssiv(df, instrument="z", shares=shares.assign(s0=shares.s0.where(shares.index != "r3", 5.0)), **kw)
    with pytest.raises(ModelInputError, match="non-negative.*r2"):
        ss.ssiv(df, instrument="z", shares=shares.assign(s0=shares.s0.where(shares.index != "r2", -0.1)), **kw)
    with pytest.raises(ModelInputError, match="only in instrument shocks: zz"):
        ss.ssiv(df, instrument=pd.concat([g, pd.Series({"zz": 1.0})]), shares=shares, **kw)
    with pytest.raises(ModelInputError, match="only in shares: s3"):
        ss.bartik(shares, g.drop("s3"))
    with pytest.raises(ModelInputError, match="singular first stage"):
        ss.ssiv(df.assign(z=df["c"]), instrument="z", shares=shares, controls=["c"], **kw)
    with pytest.raises(ModelInputError, match="no shares for regions: r1"):
        ss.ssiv(df, instrument="z", shares=shares.drop("r1"), **kw)
    with pytest.raises(ModelInputError, match="missing values for 1 unit.*r4"):
        ss.ssiv(df.assign(y=df.y.where(df.index != "r4")), instrument="z", shares=shares, **kw)
    r = ss.ssiv(df.assign(y=df.y.where(df.index != "r4")), instrument="z", shares=shares, missing="drop", **kw)
    assert r.dropped == ("r4",) and r.nobs == 29
    with pytest.raises(ModelInputError, match="sector_clusters must have one entry per sector"):
        ss.ssiv(df, instrument="z", shares=shares, sector_clusters=[1, 2], **kw)


def test_ssiv_outputs_plot_and_html():
    df, shares, _ = _synthetic()
    r = ss.ssiv(df, y="y", x="x", instrument="z", shares=shares, controls=["sum"])
    assert set(r.se) == set(ss.SE_TYPES)
    ax = r.plot()
    assert len(ax.get_yticklabels()) == 5
    assert "AKM" in r._repr_html_() and "first stage" in r.first_stage.summary()


# ---------------------------------------------------------------- Rotemberg, BHJ


def test_rotemberg_small_case():
    df, shares, g = _synthetic()
    rw = ss.rotemberg(df, y="y", x="x", shares=shares, shocks=g, controls=["c"], weights="w")
    assert rw.weights["alpha"].sum() == pytest.approx(1.0)
    d = df.assign(const=1.0, B=shares.to_numpy() @ g.to_numpy())
    fit = IV2SLS(d["y"], d[["const", "c"]], d[["x"]], d[["B"]], weights=d["w"]).fit()
    assert rw.beta_bartik == pytest.approx(fit.params["x"], rel=1e-9)
    # beta_k is the just-identified IV using sector k's share as instrument
    d["Zk"] = shares["s2"]
    fit_k = IV2SLS(d["y"], d[["const", "c"]], d[["x"]], d[["Zk"]], weights=d["w"]).fit()
    assert rw.weights.loc["s2", "beta"] == pytest.approx(fit_k.params["x"], rel=1e-9)
    ax = rw.plot(n=5)
    assert len(ax.patches) == 5
    assert "Rotemberg" in rw.summary() and "<table" in rw._repr_html_()


def test_shock_level_equivalence_cross_section():
    df, shares, g = _synthetic(n=150, s=12, seed=9)
    loc = ss.ssiv(df, y="y", x="x", instrument=g, shares=shares, controls=["c"], weights="w", incomplete="ignore")
    sh = ss.shock_level(df, y="y", x="x", shares=shares, shocks=g, controls=["c"], weights="w")
    assert sh.coef == pytest.approx(loc.coef, rel=1e-10)
    assert sh.nobs == 13  # 12 sectors + the missing industry
    assert sh.aggregated["s_n"].sum() == pytest.approx(1.0)
    assert sh.plot() is not None and "HC1" in sh.summary()
    with pytest.raises(Exception, match="cov must be"):
        ss.shock_level(df, y="y", x="x", shares=shares, shocks=g, cov="HC9")
