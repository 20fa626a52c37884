"""Inequality indices: hand-worked cases, replicated-data identities and PySAL cross-checks."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from levelup.errors import ModelInputError
from levelup.models import inequality as iq


@pytest.fixture
def data():
    rng = np.random.default_rng(42)
    y = pd.Series(rng.lognormal(10, 0.3, 40), index=[f"U{i:02d}" for i in range(40)])
    w = pd.Series(rng.integers(1, 6, 40), index=y.index).astype(float)
    return y, w


def _replicate(y, w):
    return np.repeat(y.to_numpy(), w.to_numpy().astype(int))


def test_gini_hand_case():
    # REAT 3.0.3 gini(c(20,50,20,10)) = 0.3; by hand: sum|yi-yj| = 240, 2 n^2 mu = 2*16*25 = 800
    assert iq.gini([20, 50, 20, 10]).value == pytest.approx(0.3, abs=1e-12)
    assert iq.gini([20, 50, 20, 10], small_sample=True).value == pytest.approx(0.4, abs=1e-12)


def test_gini_matches_mean_difference_and_pysal(data):
    from inequality.gini import Gini

    y, w = data
    a = y.to_numpy()
    pairwise = np.abs(a[:, None] - a[None, :]).sum() / (2 * len(a) ** 2 * a.mean())
    assert iq.gini(y).value == pytest.approx(pairwise, rel=1e-12)
    assert iq.gini(y).value == pytest.approx(Gini(a).g, rel=1e-10)


@pytest.mark.parametrize(
    "fn",
    [
        iq.gini,
        iq.theil,
        iq.mld,
        iq.cv,
        iq.hoover,
        lambda v, w=None: iq.atkinson(v, 0.5, w),
        lambda v, w=None: iq.atkinson(v, 1, w),
        lambda v, w=None: iq.atkinson(v, 2, w),
    ],
)
def test_integer_weights_equal_replicated_units(data, fn):
    # second route: a unit with population k is k people with the same income
    y, w = data
    weighted = fn(y, w)
    assert weighted.weighted and not fn(y).weighted
    assert weighted.value == pytest.approx(fn(_replicate(y, w)).value, rel=1e-10)


def test_williamson_and_cv(data):
    y, w = data
    rep = _replicate(y, w)
    assert iq.williamson(y, w).value == pytest.approx(rep.std() / rep.mean(), rel=1e-12)
    # REAT default wmean=FALSE: weighted dispersion around the unweighted mean
    s = w / w.sum()
    m = y.mean()
    assert iq.williamson(y, w, weighted_mean=False).value == pytest.approx(
        np.sqrt((s * (y - m) ** 2).sum()) / m, rel=1e-12
    )
    assert iq.cv([1, 2, 3]).value == pytest.approx(np.sqrt(2 / 3) / 2)
    with pytest.raises(ModelInputError, match="weights"):
        iq.williamson(y, None)


def test_theil_mld_atkinson_by_hand_and_pysal(data):
    from inequality.atkinson import atkinson as pysal_atkinson
    from inequality.theil import Theil

    # T = sum s_i r_i ln r_i with r = y/mu: [1, 3] -> mu 2: (0.5 ln .5 + 1.5 ln 1.5)/2
    assert iq.theil([1, 3]).value == pytest.approx((0.5 * np.log(0.5) + 1.5 * np.log(1.5)) / 2)
    assert iq.mld([1, 3]).value == pytest.approx((np.log(2) + np.log(2 / 3)) / 2)
    y, _ = data
    assert iq.theil(y).value == pytest.approx(float(Theil(y.to_numpy()).T), rel=1e-9)
    # PySAL inequality test_atkinson.py: incomes 10..50, eps 0.5 -> 0.06315, eps 1 -> 0.1316096
    inc = np.array([10, 20, 30, 40, 50])
    assert iq.atkinson(inc, 0.5).value == pytest.approx(0.06315, abs=1e-5)
    assert iq.atkinson(inc, 1).value == pytest.approx(0.1316096, abs=1e-6)
    assert iq.atkinson(inc, 0).value == pytest.approx(0.0, abs=1e-12)
    assert iq.atkinson(y, 1.5).value == pytest.approx(pysal_atkinson(y.to_numpy(), 1.5), rel=1e-9)


def test_theil_zero_incomes_explicit():
    r = iq.theil([0, 1, 2])
    assert r.value == pytest.approx(2 * np.log(2) / 3)  # 0 ln 0 = 0
    assert any("zero value" in n for n in r.notes())
    with pytest.raises(ModelInputError, match="positive.*c"):
        iq.mld(pd.Series([1.0, 2.0, 0.0], index=list("abc")))
    with pytest.raises(ModelInputError, match="c"):
        iq.atkinson(pd.Series([1.0, 2.0, 0.0], index=list("abc")), 1)


def test_shapes_and_float():
    a = np.array([3.0, 1.0, 4.0, 1.0, 5.0])
    for fn in (iq.gini, iq.theil, iq.mld, iq.cv):
        assert fn(a).value == fn(a.reshape(-1, 1)).value == fn(list(a)).value
        assert float(fn(a)) == fn(a).value


def test_bad_input_names_units():
    y = pd.Series([1.0, np.nan, 3.0, 4.0], index=["TLC11", "TLC12", "TLC13", "TLC14"])
    with pytest.raises(ModelInputError, match="TLC12"):
        iq.gini(y)
    r = iq.gini(y, missing="drop")
    assert r.sample.dropped == ("TLC12",) and r.n == 3
    with pytest.raises(ModelInputError, match="negative.*TLC13"):
        iq.gini(pd.Series([1.0, 2.0, -3.0], index=["TLC11", "TLC12", "TLC13"]))
    with pytest.raises(ModelInputError, match="length"):
        iq.gini([1, 2, 3], [1, 2])
    with pytest.raises(ModelInputError, match="non-negative.*b"):
        iq.gini(pd.Series([1.0, 2.0], index=list("ab")), pd.Series([1.0, -1.0], index=list("ab")))
    with pytest.raises(ModelInputError, match="only in weights: z"):
        iq.gini(pd.Series([1.0, 2.0], index=list("ab")), pd.Series([1.0, 1.0], index=list("az")))


def test_weights_change_answer_in_expected_direction():
    # the extremes are small places: population weighting lowers measured inequality
    y = pd.Series([10.0, 20.0, 21.0, 22.0, 40.0], index=list("abcde"))
    w = pd.Series([1.0, 100.0, 100.0, 100.0, 1.0], index=y.index)
    for fn in (iq.gini, iq.theil, iq.mld, iq.cv):
        assert fn(y, w).value < fn(y).value


def test_hoover_and_ratios():
    # H = 1/2 sum |x_i/X - p_i/P|: totals 30, 10 vs equal population -> (0.25 + 0.25)/2
    assert iq.hoover([30, 10], [1, 1]).value == pytest.approx(0.25)
    assert iq.hoover([300, 100], [10, 10], values_are="totals").value == pytest.approx(0.25)
    y = np.arange(1.0, 11.0)
    assert iq.ratio(y, kind="max_min").value == 10
    assert iq.ratio(y).value == pytest.approx(np.quantile(y, 0.8) / np.quantile(y, 0.2))
    # S80/S20 with 5 equal units 1..5: top fifth holds 5/15, bottom fifth 1/15
    assert iq.ratio([1, 2, 3, 4, 5], kind="share").value == pytest.approx(5.0)


def test_lorenz_area_is_gini(data):
    y, w = data
    lc = iq.lorenz(y, w)
    c = lc.to_frame()
    assert c["population_share"].iloc[-1] == pytest.approx(1) and c["income_share"].iloc[-1] == pytest.approx(
        1
    )
    area = np.trapezoid(c["income_share"], c["population_share"])
    assert 1 - 2 * area == pytest.approx(iq.gini(y, w).value, rel=1e-12)
    assert lc.plot() is not None


def test_theil_decomposition_adds_up_and_matches_pysal(data):
    from inequality.theil import TheilD

    y, w = data
    groups = pd.Series(np.repeat(["A", "B", "C", "D"], 10), index=y.index)
    r = iq.theil_decomposition(y, groups)
    assert r.between + r.within == pytest.approx(r.total, abs=1e-14)
    assert r.total == pytest.approx(iq.theil(y).value, rel=1e-12)
    assert r.between == pytest.approx(float(np.squeeze(TheilD(y.to_numpy(), groups.to_numpy()).bg)), rel=1e-9)
    assert (r.groups["within_contribution"] >= 0).all() and r.between >= 0
    rw = iq.theil_decomposition(y, groups, weights=w)
    rep_y, rep_g = _replicate(y, w), np.repeat(groups.to_numpy(), w.to_numpy().astype(int))
    rr = iq.theil_decomposition(rep_y, rep_g)
    assert rw.between == pytest.approx(rr.between, rel=1e-10) and rw.within == pytest.approx(
        rr.within, rel=1e-10
    )
    m = iq.theil_decomposition(y, lambda c: "A" if c < "U20" else "B", weights=w, index="mld")
    assert m.between + m.within == pytest.approx(iq.mld(y, w).value, abs=1e-14)
    assert r.plot() is not None and "between" in r.summary()


def test_decomposition_edge_cases_never_negative():
    y = pd.Series([1.0, 2.0, 1.0, 2.0], index=list("abcd"))
    same_means = iq.theil_decomposition(y, {"a": "x", "b": "x", "c": "y", "d": "y"})
    assert same_means.between == 0.0 and same_means.within == pytest.approx(same_means.total)
    homog = iq.theil_decomposition(pd.Series([1.0, 1.0, 3.0, 3.0], index=list("abcd")), list("xxyy"))
    assert homog.within == pytest.approx(0.0, abs=1e-15) and homog.between == pytest.approx(homog.total)
    with pytest.raises(ModelInputError, match="no group.*d"):
        iq.theil_decomposition(y, {"a": "x", "b": "x", "c": "y"})


def test_panel_decomposition_and_summary_table(data):
    y, w = data
    panel = pd.DataFrame({2020: y, 2021: y * np.linspace(0.9, 1.1, len(y))})
    r = iq.theil_decomposition(panel, lambda c: c[:2], weights=w)
    assert list(r.total.index) == [2020, 2021]
    np.testing.assert_allclose(r.between + r.within, r.total, atol=1e-14)
    assert r.total[2020] == pytest.approx(iq.theil(y, w).value)
    assert r.plot() is not None
    t = iq.summary_table(panel, weights=w)
    assert set(t["period"]) == {2020, 2021} and t["weighted"].all()
    g = t.query("period == 2021 and measure == 'gini'")["value"].item()
    assert g == pytest.approx(iq.gini(panel[2021], w).value)
    with pytest.raises(ModelInputError, match="unknown measure"):
        iq.summary_table(panel, measures=["ginni"])
