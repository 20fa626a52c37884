"""Standard errors and intervals of inequality indices (issue 22), checked by simulation.

Independent routes: (1) Monte Carlo from a lognormal population, whose indices have
closed forms (sigma = 0.5: Gini 2 Phi(sigma/sqrt 2) - 1, Theil T = MLD = sigma^2/2,
Atkinson(eps) = 1 - exp(-eps sigma^2/2), CV = sqrt(exp(sigma^2) - 1), sd of logs =
sigma): the spread of the estimates over samples must match the mean analytic se,
and the intervals must cover the true value about 95% of the time; (2) the
delete-one jackknife variance written out in the test, asymptotically equal to the
linearised variance (Davidson 2009, sec. 3).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy.stats import norm

from levelup.errors import ParameterError
from levelup.models import convergence as cv
from levelup.models import inequality as iq

SIG = 0.5
TRUE = {
    "gini": 2 * norm.cdf(SIG / math.sqrt(2)) - 1,
    "theil": SIG**2 / 2,
    "mld": SIG**2 / 2,
    "atkinson_0.5": 1 - math.exp(-0.5 * SIG**2 / 2),
    "atkinson_1": 1 - math.exp(-(SIG**2) / 2),
    "atkinson_2": 1 - math.exp(-2 * SIG**2 / 2),
    "cv": math.sqrt(math.exp(SIG**2) - 1),
}
FUNS = {
    "gini": iq.gini,
    "theil": iq.theil,
    "mld": iq.mld,
    "atkinson_0.5": lambda y, **k: iq.atkinson(y, 0.5, **k),
    "atkinson_1": lambda y, **k: iq.atkinson(y, 1, **k),
    "atkinson_2": lambda y, **k: iq.atkinson(y, 2, **k),
    "cv": iq.cv,
}


@pytest.fixture(scope="module")
def simulation():
    rng = np.random.default_rng(20260501)
    n, reps = 400, 400
    out = {m: ([], [], []) for m in FUNS}
    for _ in range(reps):
        y = np.exp(rng.normal(0.0, SIG, n))
        for m, f in FUNS.items():
            r = f(y)
            out[m][0].append(r.value)
            out[m][1].append(r.se)
            out[m][2].append(r.ci_low <= TRUE[m] <= r.ci_high)
    return {m: (np.array(v), np.array(s), np.mean(c)) for m, (v, s, c) in out.items()}


@pytest.mark.parametrize("measure", list(FUNS))
def test_analytic_se_matches_monte_carlo_spread(simulation, measure):
    values, ses, coverage = simulation[measure]
    assert values.mean() == pytest.approx(TRUE[measure], rel=0.05)  # the closed forms are the right targets
    assert ses.mean() == pytest.approx(values.std(ddof=1), rel=0.12)
    assert 0.90 <= coverage <= 0.985


def test_gini_variance_is_davidson_2009_formula():
    # Davidson (2009, J. Econometrics 150, eq. for Z_i and the variance): with y sorted,
    # Z_i = -(G + 1) y_(i) + (2i - 1)/n y_(i) - (2/n) sum_{j<=i} y_(j),
    # Var(G) = 1/(n mu)^2 sum_i (Z_i - Zbar)^2; written out here from the paper.
    y = np.exp(np.random.default_rng(9).normal(0, 0.7, 57))
    ys = np.sort(y)
    n, mu = len(ys), ys.mean()
    i = np.arange(1, n + 1)
    G = np.sum((2 * i - n - 1) * ys) / (n**2 * mu)  # the Gini of sorted data, no n/(n-1)
    Z = -(G + 1) * ys + (2 * i - 1) / n * ys - 2 / n * np.cumsum(ys)
    se = np.sqrt(np.sum((Z - Z.mean()) ** 2)) / (n * mu)
    r = iq.gini(y)
    assert r.value == pytest.approx(G, rel=1e-12)
    assert r.se == pytest.approx(se, rel=1e-10)


@pytest.mark.parametrize("measure", ["gini", "theil", "mld", "atkinson_1", "cv"])
def test_analytic_se_close_to_jackknife(measure):
    rng = np.random.default_rng(7)
    y = np.exp(rng.normal(0, 0.6, 300))
    f = FUNS[measure]
    full = f(y)
    loo = np.array([f(np.delete(y, i), ci=None).value for i in range(len(y))])
    n = len(y)
    jack = math.sqrt((n - 1) / n * np.sum((loo - loo.mean()) ** 2))
    assert full.se == pytest.approx(jack, rel=0.06)


def test_weighted_se_against_weighted_bootstrap_and_api():
    rng = np.random.default_rng(3)
    y = pd.Series(np.exp(rng.normal(0, 0.5, 250)), index=[f"u{i}" for i in range(250)])
    w = pd.Series(rng.uniform(1, 10, 250), index=y.index)
    for f in (iq.gini, iq.theil, iq.mld, iq.cv, lambda v, ww, **k: iq.williamson(v, ww, **k)):
        a = f(y, w)
        b = f(y, w, ci="bootstrap", reps=400, rng=11)
        assert a.se == pytest.approx(b.se, rel=0.15)
        assert a.ci_low < a.value < a.ci_high and b.ci_low < a.value < b.ci_high
        # the bootstrap is reproducible with rng
        assert f(y, w, ci="bootstrap", reps=400, rng=11).ci_low == b.ci_low
    r = iq.gini(y, w)
    frame = r.to_frame()
    assert {"value", "se", "ci_low", "ci_high"} <= set(frame.columns)
    assert float(r) == r.value == frame.loc[0, "value"]
    assert r.ci_high - r.ci_low == pytest.approx(2 * norm.ppf(0.975) * r.se)
    assert "Interval: 95% confidence, analytic" in r.summary()
    r90 = iq.gini(y, w, level=0.9)
    assert r90.ci_high - r90.ci_low == pytest.approx(2 * norm.ppf(0.95) * r.se)
    assert math.isnan(iq.gini(y, ci=None).se)
    with pytest.raises(ParameterError):
        iq.gini(y, ci="jackknife")
    # summary_table carries the intervals
    t = iq.summary_table(pd.DataFrame({2020: y, 2021: y * 1.1}), measures=["gini", "theil"])
    assert {"se", "ci_low", "ci_high"} <= set(t.columns) and t["se"].notna().all()


def test_gini_small_sample_scales_se():
    y = np.exp(np.random.default_rng(1).normal(0, 0.5, 40))
    a, b = iq.gini(y), iq.gini(y, small_sample=True)
    assert b.se == pytest.approx(a.se * 40 / 39, rel=1e-12)


def test_sigma_intervals_match_monte_carlo():
    rng = np.random.default_rng(5)
    n, T, reps = 300, 3, 300
    vals, ses = [], []
    for _ in range(reps):
        p = pd.DataFrame(np.exp(rng.normal(0, SIG, (n, T))), columns=[2001, 2002, 2003])
        r = cv.sigma(p)
        vals.append(r.series.to_numpy())
        ses.append(r.se.to_numpy())
    vals, ses = np.array(vals), np.array(ses)
    np.testing.assert_allclose(ses.mean(axis=0), vals.std(axis=0, ddof=1), rtol=0.12)
    f = r.to_frame()
    assert list(f.columns) == ["sd_log", "se", "ci_low", "ci_high"]
    assert (f["ci_low"] < f["sd_log"]).all() and (f["sd_log"] < f["ci_high"]).all()
