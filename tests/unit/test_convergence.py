"""Convergence models: second routes (statsmodels, linearmodels, numpy by hand) and input checks."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from levelup.errors import ModelInputError, ParameterError
from levelup.models import convergence as cv
from levelup.models.convergence import _clubs_core as _clubs


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    import matplotlib.pyplot as plt

    plt.close("all")


@pytest.fixture(scope="module")
def cross():
    rng = np.random.default_rng(7)
    n = 40
    idx = [f"R{i:02d}" for i in range(n)]
    y0 = pd.Series(np.exp(rng.normal(10, 0.4, n)), index=idx, name=2000)
    g = 0.02 - 0.01 * (np.log(y0) - 10) + rng.normal(0, 0.005, n)
    yT = (y0 * np.exp(10 * g)).rename(2010)
    pop = pd.Series(rng.uniform(1, 5, n), index=idx)
    ctrl = pd.DataFrame({"edu": rng.normal(size=n)}, index=idx)
    grp = pd.Series(np.repeat(list("ABCDEFGH"), 5), index=idx)
    return y0, yT, pop, ctrl, grp


def synthetic_panel(n=30, t=15, seed=3):
    rng = np.random.default_rng(seed)
    lev = np.exp(np.cumsum(rng.normal(0.02, 0.05, size=(n, t)), axis=1) + rng.normal(size=(n, 1)))
    return pd.DataFrame(lev, index=[f"u{i:02d}" for i in range(n)], columns=range(2000, 2000 + t))


def two_club_panel(n_per=6, t=40, seed=0):
    """Two groups converging to different levels (Phillips-Sul transition paths), noise-free enough."""
    rng = np.random.default_rng(seed)
    tt = np.arange(1, t + 1)
    rows, idx = [], []
    for level, name in ((12.0, "hi"), (8.0, "lo")):
        for i in range(n_per):
            b = rng.uniform(0.5, 1.5)
            rows.append(level + b / tt**0.8 + rng.normal(0, 1e-4, t))
            idx.append(f"{name}{i}")
    return pd.DataFrame(rows, index=idx, columns=tt)


# ------------------------------------------------------------------ beta
def test_beta_matches_statsmodels_by_hand(cross):
    y0, yT, pop, ctrl, grp = cross
    y = (np.log(yT) - np.log(y0)) / 10
    X = sm.add_constant(pd.DataFrame({"x": np.log(y0), "edu": ctrl["edu"]}))
    for cov in ("nonrobust", "HC0", "HC1", "HC2", "HC3"):
        r = cv.beta(y0, yT, 10, controls=ctrl, cov=cov)
        ref = sm.OLS(y, X).fit(cov_type=cov)
        assert r.beta == pytest.approx(ref.params["x"], rel=1e-12)
        assert r.se == pytest.approx(ref.bse["x"], rel=1e-10)
        assert r.cov == cov
    # closed-form slope with numpy (absolute convergence)
    x = np.log(y0.to_numpy())
    slope = np.cov(x, y.to_numpy(), ddof=0)[0, 1] / np.var(x)
    assert cv.beta(y0, yT, 10).beta == pytest.approx(slope, rel=1e-10)


def test_beta_weights_and_cluster(cross):
    y0, yT, pop, ctrl, grp = cross
    y = (np.log(yT) - np.log(y0)) / 10
    X = sm.add_constant(np.log(y0).rename("x"))
    r = cv.beta(y0, yT, 10, weights=pop, cov="cluster", groups=grp)
    ref = sm.WLS(y, X, weights=pop).fit(cov_type="cluster", cov_kwds={"groups": pd.factorize(grp)[0]})
    assert r.beta == pytest.approx(ref.params["x"], rel=1e-12)
    assert r.se == pytest.approx(ref.bse["x"], rel=1e-10)
    assert r.weighted and "WLS" in r.summary()
    with pytest.raises(ParameterError, match="groups"):
        cv.beta(y0, yT, 10, cov="cluster")
    with pytest.raises(ParameterError, match="HC1"):
        cv.beta(y0, yT, 10, cov="robust")


def test_speed_and_half_life_edge_cases():
    assert cv.speed_half_life(-0.01, 10) == pytest.approx((-math.log(0.9) / 10, math.log(2) / (-math.log(0.9) / 10)))
    s, h = cv.speed_half_life(0.01, 10)
    assert s < 0 and h == math.inf
    s, h = cv.speed_half_life(-0.2, 10)  # 1 + T beta < 0
    assert math.isnan(s) and math.isnan(h)


def test_beta_result_api(cross):
    y0, yT, *_ = cross
    r = cv.beta(y0, yT, 10)
    f = r.to_frame()
    assert {"ln_initial", "speed", "half_life"} <= set(f.index)
    assert r.speed_se == pytest.approx(r.se / abs(1 + 10 * r.beta))
    assert "HC1" in r._repr_html_()
    assert r.sample.units == tuple(y0.index) and r.sample.periods == (2000, 2010)
    assert r.model.nobs == 40
    ax = r.plot(label=["R00", "R01"])
    assert len(ax.texts) == 2 and len(ax.lines) == 1


def test_beta_bad_input_names_units(cross):
    y0, yT, *_ = cross
    bad = y0.copy()
    bad["R03"] = -1.0
    with pytest.raises(ModelInputError, match="R03"):
        cv.beta(bad, yT, 10)
    nan = y0.copy()
    nan[["R05", "R07"]] = np.nan
    with pytest.raises(ModelInputError, match="R05, R07"):
        cv.beta(nan, yT, 10)
    r = cv.beta(nan, yT, 10, missing="drop")
    assert r.dropped == ("R05", "R07") and r.nobs == 38 and "R05" in r.summary()
    with pytest.raises(ModelInputError, match="only in final: X1"):
        cv.beta(y0, yT.rename({"R00": "X1"}), 10)
    with pytest.raises(ModelInputError, match="at least 3"):
        cv.beta(y0.iloc[:2], yT.iloc[:2], 10)
    with pytest.raises(ParameterError):
        cv.beta(y0, yT, 0)


# ------------------------------------------------------------------ beta_nls
@pytest.mark.parametrize("cov", ["nonrobust", "HC1", "HC3"])
def test_beta_nls_against_scipy_curve_fit(cross, cov):
    # Independent route: scipy.optimize.curve_fit of (1/T) ln(yT/y0) = a - (1 - exp(-l T))/T ln y0, and
    # the sandwich written out from its Jacobian (HC1: n/(n-k); HC3: squared residuals over (1-h)^2).
    from scipy.optimize import curve_fit

    y0, yT, *_ = cross
    T = 10.0
    x = np.log(y0.to_numpy())
    y = (np.log(yT.to_numpy()) - x) / T
    popt, pcov = curve_fit(lambda x, a, lam: a - (1 - np.exp(-lam * T)) / T * x, x, y, p0=[0.0, 0.01])
    nls = cv.beta_nls(y0, yT, T, cov=cov)
    assert nls.speed == pytest.approx(popt[1], rel=1e-6)
    J = np.column_stack([np.ones_like(x), -np.exp(-popt[1] * T) * x])
    e = y - (popt[0] - (1 - np.exp(-popt[1] * T)) / T * x)
    n, k = J.shape
    bread = np.linalg.inv(J.T @ J)
    if cov == "nonrobust":
        V = pcov
    else:
        h = np.einsum("ij,jk,ik->i", J, bread, J)
        u2 = e**2 * (n / (n - k)) if cov == "HC1" else e**2 / (1 - h) ** 2
        V = bread @ (J.T * u2) @ J @ bread
    assert nls.se == pytest.approx(np.sqrt(V[1, 1]), rel=1e-5)


def test_beta_nls_conditional_weighted(cross):
    y0, yT, pop, ctrl, grp = cross
    ols = cv.beta(y0, yT, 10, controls=ctrl, weights=pop, cov="cluster", groups=grp)
    nls = cv.beta_nls(y0, yT, 10, controls=ctrl, weights=pop, cov="cluster", groups=grp)
    assert nls.speed == pytest.approx(ols.speed, rel=1e-8)
    assert nls.se == pytest.approx(ols.speed_se, rel=1e-6)
    assert nls.params.loc["edu", "estimate"] == pytest.approx(ols.params.loc["edu", "estimate"], rel=1e-6)
    assert nls.plot() is not None


# ------------------------------------------------------------------ panel_beta
def test_panel_beta_matches_dummy_regression():
    p = synthetic_panel()
    r = cv.panel_beta(p, window=3)
    d = r.data.reset_index()
    X = pd.get_dummies(d["unit"], prefix="u", drop_first=True, dtype=float).join(
        pd.get_dummies(d["start"], prefix="w", drop_first=True, dtype=float))
    X.insert(0, "ln_initial", d["ln_initial"])
    X = sm.add_constant(X)
    ref = sm.OLS(d["growth"], X).fit(cov_type="cluster",
                                     cov_kwds={"groups": pd.factorize(d["unit"])[0], "use_correction": False})
    assert r.beta == pytest.approx(ref.params["ln_initial"], rel=1e-10)
    # nested-effects convention (Stata xtreg fe vce(cluster), reghdfe, fixest): G/(G-1) (n-1)/(n-K) with
    # K = slope + constant + window dummies; the 29 unit dummies are nested in the unit clusters, not counted
    n, G, K = len(d), 30, 1 + 1 + 3
    assert r.se == pytest.approx(ref.bse["ln_initial"] * math.sqrt(G / (G - 1) * (n - 1) / (n - K)), rel=1e-8)
    assert r.pvalue == pytest.approx(2 * __import__("scipy").stats.t.sf(abs(r.tvalue), G - 1), rel=1e-10)
    assert r.n_windows == 4 and r.nobs == 30 * 4 and r.window_years == 3
    # windows: growth over [2000, 2003] annualised by the year difference
    g = (np.log(p[2003]) - np.log(p[2000])) / 3
    np.testing.assert_allclose(d.loc[d["start"] == 2000, "growth"].to_numpy(), g.to_numpy())


def test_panel_beta_pooled_matches_ols():
    p = synthetic_panel(seed=5)
    r = cv.panel_beta(p, window=2, entity_effects=False, time_effects=False, cov="nonrobust")
    d = r.data
    ref = sm.OLS(d["growth"].to_numpy(), sm.add_constant(d["ln_initial"].to_numpy())).fit()
    assert r.beta == pytest.approx(ref.params[1], rel=1e-10)
    assert r.se == pytest.approx(ref.bse[1], rel=1e-8)
    assert r.plot() is not None
    with pytest.raises(ModelInputError, match="2 windows"):
        cv.panel_beta(p.iloc[:, :3], window=2)


# ------------------------------------------------------------------ sigma
def test_sigma_against_numpy():
    p = synthetic_panel()
    r = cv.sigma(p)
    np.testing.assert_allclose(r.series.to_numpy(), np.log(p.to_numpy()).std(axis=0, ddof=0), rtol=1e-12)
    cvs = cv.sigma(p, stat="cv").series.to_numpy()
    np.testing.assert_allclose(cvs, p.to_numpy().std(axis=0, ddof=0) / p.to_numpy().mean(axis=0), rtol=1e-12)
    # weighted by population (fixed weights) by hand
    w = pd.Series(np.arange(1, 31, dtype=float), index=p.index)
    lw = np.log(p.to_numpy())
    mu = (w.to_numpy()[:, None] * lw).sum(0) / w.sum()
    sd = np.sqrt((w.to_numpy()[:, None] * (lw - mu) ** 2).sum(0) / w.sum())
    np.testing.assert_allclose(cv.sigma(p, weights=w).series.to_numpy(), sd, rtol=1e-12)
    # weights by unit and year (a frame) equal to the fixed weights give the same
    wf = pd.DataFrame(np.repeat(w.to_numpy()[:, None], p.shape[1], axis=1), index=p.index, columns=p.columns)
    np.testing.assert_allclose(cv.sigma(p, weights=wf).series, cv.sigma(p, weights=w).series)


def test_sigma_trend_test():
    p = synthetic_panel()
    r = cv.sigma(p, trend_cov="nonrobust")
    ref = sm.OLS(r.series.to_numpy(), sm.add_constant(np.arange(2000, 2015, dtype=float))).fit()
    assert r.trend.slope == pytest.approx(ref.params[1], rel=1e-10)
    assert r.trend.se == pytest.approx(ref.bse[1], rel=1e-10)
    h = cv.sigma(p)
    lags = math.floor(4 * (15 / 100) ** (2 / 9))
    refh = sm.OLS(r.series.to_numpy(), sm.add_constant(np.arange(2000, 2015, dtype=float))).fit(
        cov_type="HAC", cov_kwds={"maxlags": lags})
    assert h.trend.se == pytest.approx(refh.bse[1], rel=1e-10)
    assert "Newey-West" in h.trend.cov and "Newey-West" in h.summary()
    assert h.plot() is not None
    assert list(h.to_frame().index) == list(range(2000, 2015))


def test_sigma_missing_values_policy():
    p = synthetic_panel()
    p.loc["u04", 2003] = np.nan
    with pytest.raises(ModelInputError, match="u04"):
        cv.sigma(p)
    r = cv.sigma(p, missing="drop")
    assert r.dropped == ("u04",) and len(r.sample.units) == 29


# ------------------------------------------------------------------ log t
def _hand_logt(panel: pd.DataFrame, trim: float):
    X = panel.to_numpy()
    h = X / X.mean(axis=0)
    H = ((h - 1) ** 2).mean(axis=0)
    T = X.shape[1]
    t = np.arange(round(T * trim) + 1, T + 1)
    y = np.log(H[0] / H[t - 1]) - 2 * np.log(np.log(t))
    return y, np.log(t)


def test_log_t_fqsb_by_hand_loop():
    p = two_club_panel()
    r = cv.log_t(p)
    y, x = _hand_logt(p, 1 / 3)
    fit = sm.OLS(y, sm.add_constant(x)).fit()
    assert r.beta == pytest.approx(fit.params[1], rel=1e-10)
    e = fit.resid
    n = len(e)
    rho = e[:-1] @ e[1:] / (e[:-1] @ e[:-1])
    bw = 1.3221 * (4 * rho**2 / (1 - rho) ** 4 * n) ** 0.2
    lrv = e @ e / (n - 1)
    for j in range(1, n - 1):
        z = 6 * math.pi / 5 * j / bw
        k = 25 / (12 * math.pi**2 * (j / bw) ** 2) * (math.sin(z) / z - math.cos(z))
        lrv += 2 * k * sum(e[i] * e[i + j] for i in range(n - 1 - j)) / (n - 1)
    se = math.sqrt(lrv * np.linalg.inv(fit.model.exog.T @ fit.model.exog)[1, 1])
    assert r.se == pytest.approx(se, rel=1e-10)
    assert r.bandwidth == pytest.approx(bw, rel=1e-10)


def test_log_t_aqsb_against_statsmodels_hac():
    from statsmodels.stats.sandwich_covariance import cov_hac

    p = synthetic_panel(n=20, t=30, seed=11)
    r = cv.log_t(p, hac="aqsb")
    y, x = _hand_logt(p, 1 / 3)
    fit = sm.OLS(y, sm.add_constant(x)).fit()
    n = len(y)
    # Andrews (1991) AR(1) plug-in on the slope score (OLS with intercept)
    s = fit.model.exog[:, 1] * fit.resid
    ar = sm.OLS(s[1:], sm.add_constant(s[:-1])).fit()
    rho = ar.params[1]
    bw = 1.3221 * (4 * rho**2 / (1 - rho) ** 4 * n) ** 0.2
    assert r.bandwidth == pytest.approx(bw, rel=1e-10)

    def qs(nlags):
        j = np.arange(nlags + 1) / bw
        z = 6 * np.pi * j / 5
        with np.errstate(divide="ignore", invalid="ignore"):
            w = 25 / (12 * np.pi**2 * j**2) * (np.sin(z) / z - np.cos(z))
        w[0] = 1.0
        return w

    V = cov_hac(fit, nlags=n - 1, weights_func=qs, use_correction=True)
    assert r.se == pytest.approx(math.sqrt(V[1, 1]), rel=1e-8)


def test_log_t_detects_convergence_and_trim_rules():
    p = two_club_panel()
    assert cv.log_t(p.loc[[i for i in p.index if i.startswith("hi")]]).converges
    assert not cv.log_t(p).converges
    with pytest.raises(ParameterError, match="trim"):
        cv.log_t(p, trim=0)
    with pytest.raises(ParameterError, match="hac"):
        cv.log_t(p, hac="bartlett")
    with pytest.raises(ModelInputError, match="at least 10 .*at least 20 periods"):
        cv.log_t(p.iloc[:, :4], trim=0.5)
    r = cv.log_t(p)
    assert r.pvalue == pytest.approx(__import__("scipy").stats.norm.cdf(r.tvalue))
    assert r.plot() is not None


# ------------------------------------------------------------------ clubs
def test_clubs_two_groups_and_result_api():
    p = two_club_panel()
    r = cv.clubs(p)
    assert [sorted(c) for c in r.clubs] == [sorted(p.index[:6]), sorted(p.index[6:])]
    assert r.membership["hi0"] == 1 and r.membership["lo3"] == 2
    assert list(r.tests.columns) == ["size", "beta", "se", "tvalue", "passes"]
    assert r.tests["passes"].all() and list(r.formation["how"]) == ["sieve", "all remaining units pass"]
    tp = r.transition_paths()
    assert list(tp.columns) == ["club 1", "club 2"] and (tp["club 1"] > 1).all()
    assert r.plot() is not None and r.plot(kind="units") is not None
    assert "c* = 0" in r.summary() and "<table" in r._repr_html_()


def test_clubs_missing_values_and_inputs():
    p = two_club_panel()
    p.loc["lo2", 5] = np.nan
    with pytest.raises(ModelInputError, match="lo2"):
        cv.clubs(p)
    r = cv.clubs(p, missing="drop")
    assert r.dropped == ("lo2",) and "lo2" not in r.membership.index
    with pytest.raises(ModelInputError, match="positive"):
        cv.clubs(two_club_panel() - 20)
    # Series with a (unit, period) MultiIndex works as long input
    s = two_club_panel().stack()
    assert cv.clubs(s).clubs == cv.clubs(two_club_panel()).clubs
    long = two_club_panel().rename_axis("unit").reset_index().melt(id_vars="unit", var_name="period")
    dup = pd.concat([long, long.iloc[:1]])
    with pytest.raises(ModelInputError, match="hi0"):
        cv.clubs(dup)
    with pytest.raises(ParameterError, match="merge"):
        cv.clubs(two_club_panel(), merge="PS")


def _fake_t(monkeypatch, table):
    """Replace the log t statistic of a group by a value looked up by its members (worked by hand)."""
    def tvals(X, groups, trim, hac):
        return np.array([table[frozenset(np.flatnonzero(g))] for g in np.atleast_2d(groups)])
    monkeypatch.setattr(_clubs, "_tvals", tvals)


def test_merge_ps_and_vlt_differ_worked_by_hand(monkeypatch):
    # Clubs A={0}, B={1}, C={2}, D={3}; t of the unions set by hand (threshold -1.65):
    #   t(AB) = -1.0, t(BC) = 0.5, t(CD) = -3.0, t(ABC) = -2.0, t(A,BC) = -2.0, t(BC,D) = -3.0
    # Phillips-Sul (2009): AB passes -> ABC fails (-2.0) -> [AB]; C+D fails -> [AB], [C], [D].
    # von Lyncker-Thoennessen (2017): pairs (-1.0, 0.5, -3.0); pair 1 passes but t_1 < t_2, so not merged;
    #   pair 2 passes and 0.5 > -3.0 -> [A], [BC], [D]; then (A,BC) = -2.0 and (BC,D) = -3.0 fail.
    A, B, C, D = [0], [1], [2], [3]
    f = frozenset
    _fake_t(monkeypatch, {f({0, 1}): -1.0, f({1, 2}): 0.5, f({2, 3}): -3.0, f({0, 1, 2}): -2.0,
                          f({1, 2, 3}): -3.0})
    X = np.ones((4, 10))
    assert _clubs.merge_ps(X, [A, B, C, D], trim=1 / 3, hac="fqsb") == [[0, 1], [2], [3]]
    assert _clubs.merge_vlt(X, [A, B, C, D], trim=1 / 3, hac="fqsb") == [[0], [1, 2], [3]]


def test_merge_divergent_worked_by_hand(monkeypatch):
    # vLT (2017) as ConvergenceClubs' mergeDivergent documents it. Clubs {0,1}, {2,3}; divergent 4, 5.
    # Round 1: t(4,5) = -3 fails; (unit, club) t: (4,c1) -1.0, (4,c2) -0.2, (5,c1) -1.2, (5,c2) -4 -> 4 joins c2.
    # Round 2: one divergent unit left; (5,c1) -1.2 > e* -> 5 joins c1. With e* = -1.1 it stays divergent.
    f = frozenset
    _fake_t(monkeypatch, {f({4, 5}): -3.0, f({0, 1, 4}): -1.0, f({2, 3, 4}): -0.2, f({0, 1, 5}): -1.2,
                          f({2, 3, 5}): -4.0, f({2, 3, 4, 5}): -4.0})
    X = np.ones((6, 10))
    kw = dict(trim=1 / 3, hac="fqsb")
    assert _clubs.merge_divergent(X, [[0, 1], [2, 3]], [4, 5], **kw) == ([[0, 1, 5], [2, 3, 4]], [])
    assert _clubs.merge_divergent(X, [[0, 1], [2, 3]], [4, 5], estar=-1.1, **kw) == ([[0, 1], [2, 3, 4]], [5])


def test_step3_incremental_cstar_worked_by_hand(monkeypatch):
    # Units 0..4 ordered; core {0, 1}; sieve t of core + unit: 2 -> 0.35, 3 -> -0.5, 4 -> 0.05.
    # With c* = 0 the sieve takes {0,1,2,4}; its own t is set to -2 (fails), so c* rises by 0.1:
    # at c* = 0.1 the club is {0,1,2} with t = 1 (passes); unit 3 and 4 remain and pass together.
    f = frozenset
    table = {f(range(5)): -5.0, f({0, 1, 2, 4}): -2.0, f({0, 1, 2}): 1.0, f({3, 4}): 0.3}
    _fake_t(monkeypatch, table)
    monkeypatch.setattr(_clubs, "core_group", lambda X, rem, trim, hac, threshold=-1.65: [0, 1])
    monkeypatch.setattr(_clubs, "_sieve_t", lambda X, core, rem, trim, hac: (
        lambda c: core + [u for u, t in zip([2, 3, 4], [0.35, -0.5, 0.05]) if t > c and u in rem]))
    rec = []
    clubs_, div = _clubs.find_clubs(np.ones((5, 10)), [0, 1, 2, 3, 4], trim=1 / 3, cstar=0.0, hac="fqsb",
                                    record=rec)
    assert clubs_ == [[0, 1, 2], [3, 4]] and div == []
    assert rec[0].how == "sieve, c* raised to 0.1" and rec[0].cstar == pytest.approx(0.1)
    assert rec[1].how == "all remaining units pass"
    # fixed c*: the failing club is kept and recorded as failing
    rec = []
    clubs_, _ = _clubs.find_clubs(np.ones((5, 10)), [0, 1, 2, 3, 4], trim=1 / 3, cstar=0.0, hac="fqsb",
                                  cstar_method="fixed", record=rec)
    assert clubs_[0] == [0, 1, 2, 4] and rec[0].how == "sieve (fails its test)" and rec[0].tvalue == -2.0
    # above the cap (3): the core group alone
    table[f({0, 1, 2})] = -2.5
    table[f({0, 1})] = 4.0
    table[f({2, 3, 4})] = 0.2
    rec = []
    clubs_, _ = _clubs.find_clubs(np.ones((5, 10)), [0, 1, 2, 3, 4], trim=1 / 3, cstar=0.0, hac="fqsb",
                                  record=rec)
    assert clubs_ == [[0, 1], [2, 3, 4]] and rec[0].how.startswith("core group") and rec[0].tvalue == 4.0


def test_clubs_deterministic_ties():
    p = two_club_panel()
    p.loc["hi3", 40] = p.loc["hi1", 40]  # tie in the ordering period: input order decides
    a = cv.clubs(p)
    assert a.clubs == cv.clubs(p).clubs
    club = a.clubs[0]
    assert club.index("hi1") < club.index("hi3")
    q = p.loc[["hi3", *[u for u in p.index if u != "hi3"]]]  # hi3 now comes first in the input
    c = cv.clubs(q).clubs[0]
    assert c.index("hi3") < c.index("hi1")


# ------------------------------------------------------------------ club robustness
def test_clubs_grid_bootstrap_rolling():
    p = two_club_panel(n_per=5, t=30)
    g = cv.clubs_grid(p, cstars=(0.0, 1.0), trims=(0.25, 1 / 3))
    assert len(g.table) == 4 and (g.table["n_clubs"] == 2).all() and (g.table["agreement"] == 1).all()
    assert g.membership.shape == (10, 4)
    b1 = cv.clubs_bootstrap(p, n_boot=8, rng=42)
    b2 = cv.clubs_bootstrap(p, n_boot=8, rng=42)
    pd.testing.assert_series_equal(b1.stability, b2.stability)
    assert (b1.stability == 1).all()
    co = b1.co_membership.to_numpy()
    assert np.allclose(co[:5, 5:], 0)
    rc = cv.rolling_clubs(p, window=20, step=5)
    assert rc.table["n_clubs"].tolist() == [2, 2, 2]
    assert rc.membership.shape == (10, 3)
    for r in (g, b1, rc):
        assert r.plot() is not None and r.summary()


def test_club_determinants_two_clubs_equals_binary_logit():
    rng = np.random.default_rng(1)
    n = 60
    x = rng.normal(size=n)
    club = np.where(x + rng.logistic(size=n) > 0, 2, 1)  # higher x, lower (2nd) club more likely
    idx = [f"r{i}" for i in range(n)]
    mem = pd.Series(club, index=idx, dtype=object)
    fake = cv.Clubs(clubs=[], divergent=[], tests=pd.DataFrame(), membership=mem, cstar=0.0, trim=1 / 3,
                    hac="fqsb", merge=None, merge_divergent=False, cov="", sample=cv.Sample())
    cov = pd.DataFrame({"x": x}, index=idx)
    r = cv.club_determinants(fake, cov)
    ref = sm.Logit((club == 2).astype(float), sm.add_constant(x)).fit(disp=False)
    assert r.params.loc["x", "estimate"] == pytest.approx(ref.params[1], rel=1e-4)
    assert r.params.loc["x", "se"] == pytest.approx(ref.bse[1], rel=1e-3)
    assert r.plot() is not None


# ------------------------------------------------------------------ markov
def test_markov_by_hand_and_options():
    p = pd.DataFrame({1: [1.0, 2, 3, 4], 2: [2.0, 1, 3, 4], 3: [1.0, 2, 4, 3]}, index=list("abcd"))
    r = cv.markov(p, k=2)
    # k=2 median cut (linear interpolation: 2.5); classes: a,b low and c,d high every year
    np.testing.assert_array_equal(r.classes.to_numpy(), [[0, 0, 0], [0, 0, 0], [1, 1, 1], [1, 1, 1]])
    np.testing.assert_array_equal(r.counts.to_numpy(), [[4, 0], [0, 4]])
    assert not r.ergodic and len(r.recurrent_classes) == 2
    # user cut-offs, right-closed: value equal to a cut-off goes to the lower class
    rb = cv.markov(p, bins=[2.0])
    assert rb.classes.loc["b", 1] == 0 and rb.classes.loc["c", 1] == 1
    # already discrete states
    d = pd.DataFrame({1: ["lo", "hi", "lo"], 2: ["hi", "hi", "lo"], 3: ["hi", "lo", "lo"]}, index=list("xyz"))
    rd = cv.markov(d.replace({"lo": 0, "hi": 1}).astype(int), discrete=True)
    # transitions: x 0->1->1, y 1->1->0, z 0->0->0
    np.testing.assert_array_equal(rd.counts.to_numpy(), [[2, 1], [1, 2]])
    np.testing.assert_allclose(rd.steady_state.to_numpy(), [0.5, 0.5])
    np.testing.assert_allclose(rd.fmpt.to_numpy(), [[2, 3], [3, 2]])
    assert rd.ergodic and rd.plot() is not None


def test_markov_ties_deterministic_and_empty_class():
    p = pd.DataFrame({1: [1.0, 1, 1, 1, 5], 2: [1.0, 1, 1, 1, 5]}, index=list("abcde"))
    r = cv.markov(p, k=4)
    # all cut-offs equal 1: the tied values go to class 0 and classes 1-2 stay empty (not renumbered)
    assert r.classes[1].tolist() == [0, 0, 0, 0, 3]
    assert r.p.loc[1].isna().all()
    assert any("never observed" in n for n in r.notes())
    with pytest.raises(ParameterError):
        cv.markov(p, bins=[3.0, 2.0])
