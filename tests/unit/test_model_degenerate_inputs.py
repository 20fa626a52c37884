"""Issue 23 (models): degenerate input is refused with a clear LevelupError, never a number.

Each case below returned a number (or a raw statsmodels traceback) before: beta with a
constant series gave t = 8.8e15; a duplicated unit was counted twice; inf reached beta
(MissingDataError traceback), sigma, log t and clubs (NaN or empty clubs); log t and clubs
ran a 3-point regression for T = 5; clubs with 2 units or constant data gave an empty table.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from levelup.errors import LevelupError, ModelInputError
from levelup.models import convergence as cv
from levelup.models import inequality as iq


def _panel(n=8, t=30, seed=0):
    rng = np.random.default_rng(seed)
    tt = np.arange(1, t + 1)
    rows = [10 + (0.5 + 0.1 * i) / tt + rng.normal(0, 0.01, t) for i in range(n)]
    return pd.DataFrame(rows, index=[f"u{i}" for i in range(n)], columns=range(1991, 1991 + t))


def _cross(n=10, seed=1):
    rng = np.random.default_rng(seed)
    idx = [f"u{i}" for i in range(n)]
    y0 = pd.Series(np.exp(rng.normal(10, 0.3, n)), index=idx)
    return y0, y0 * np.exp(rng.normal(0.2, 0.05, n))


def _with_inf(p):
    q = p.copy()
    q.iloc[2, 5] = np.inf
    return q


def _cases():
    y0, yT = _cross()
    p = _panel()
    dup0 = pd.concat([y0, y0.iloc[:1]])
    dupT = pd.concat([yT, yT.iloc[:1]])
    const = p.copy()
    const.loc[:, :] = 5.0
    flat_year = p.copy()
    flat_year[2000] = 7.0
    return {
        "beta constant initial": (lambda: cv.beta(y0 * 0 + 100.0, yT, 10), "initial values are the same"),
        "beta constant growth": (lambda: cv.beta(y0, y0 * 1.2, 10), "growth is the same for every unit"),
        "beta_nls constant growth": (lambda: cv.beta_nls(y0, y0 * 1.2, 10), "growth is the same"),
        "beta duplicated label": (lambda: cv.beta(dup0, dupT, 10), "duplicated unit labels: u0"),
        "beta duplicated weights": (lambda: cv.beta(y0, yT, 10, weights=pd.concat([y0, y0.iloc[:1]])),
                                    "duplicated unit labels: u0"),
        "beta inf": (lambda: cv.beta(y0.where(y0.index != "u3", np.inf), yT, 10), "infinite.*u3"),
        "beta inf with missing=drop": (lambda: cv.beta(y0.where(y0.index != "u3", np.inf), yT, 10,
                                                       missing="drop"), "infinite.*u3"),
        "sigma inf": (lambda: cv.sigma(_with_inf(p)), "infinite.*u2"),
        "log_t inf": (lambda: cv.log_t(_with_inf(p)), "infinite.*u2"),
        "clubs inf": (lambda: cv.clubs(_with_inf(p)), "infinite.*u2"),
        "markov inf": (lambda: cv.markov(_with_inf(p)), "infinite.*u2"),
        "panel_beta inf": (lambda: cv.panel_beta(_with_inf(p)), "infinite.*u2"),
        "log_t T=5": (lambda: cv.log_t(p.iloc[:, :5]), "leave 3 periods.*at least 10.*at least 15 periods"),
        "log_t T=9": (lambda: cv.log_t(p.iloc[:, :9]), "leave 6 periods.*at least 10"),
        "clubs T=9": (lambda: cv.clubs(p.iloc[:, :9]), "at least 10"),
        "clubs 2 units": (lambda: cv.clubs(p.iloc[:2]), "at least 3 units"),
        "clubs constant data": (lambda: cv.clubs(const), "identical across units"),
        "log_t one flat period": (lambda: cv.log_t(flat_year), r"identical across units in period\(s\) \[2000\]"),
        "gini duplicated label": (lambda: iq.gini(dup0), "duplicated units: u0"),
        "gini inf": (lambda: iq.gini(y0.where(y0.index != "u3", np.inf)), "infinite for: u3"),
    }


@pytest.mark.parametrize("name", list(_cases()))
def test_degenerate_input_refused(name):
    call, pattern = _cases()[name]
    with pytest.raises(ModelInputError, match=pattern) as info:
        call()
    assert isinstance(info.value, LevelupError) and isinstance(info.value, ValueError)


def test_minimum_periods_accepted():
    # the documented minimum works: 10 regression periods (T = 15 with trim 1/3)
    p = _panel(t=15)
    assert np.isfinite(cv.log_t(p).tvalue)
    assert cv.clubs(p).n_clubs >= 1
