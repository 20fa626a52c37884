"""Moran's I and LISA against the expected values in PySAL's own tests (esda, giddy)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from levelup.models import spatial as sm


def test_esda_stl_and_sids_published_values():
    # esda tests/test_moran.py (esda 2.8): Moran(HR8893, stl.gal, two_tailed=False).I =
    # 0.24365582621771659, p_norm = 0.00013573931385468807; sids2 SIDR74: I = 0.24772519320480135,
    # p_norm = 5.7916539074498452e-05. levelup's p_norm is two-sided, i.e. twice those.
    import libpysal

    ex = libpysal.examples
    y = np.array(libpysal.io.open(ex.get_path("stl_hom.txt")).by_col["HR8893"])
    w = libpysal.io.open(ex.get_path("stl.gal")).read()
    r = sm.moran(y, w, permutations=0)
    assert r.I == pytest.approx(0.24365582621771659, rel=1e-7)
    assert r.p_norm / 2 == pytest.approx(0.00013573931385468807, rel=1e-6)
    s = np.array(libpysal.io.open(ex.get_path("sids2.dbf")).by_col("SIDR74"))
    w2 = libpysal.io.open(ex.get_path("sids2.gal")).read()
    r2 = sm.moran(s, w2, permutations=0)
    assert r2.I == pytest.approx(0.24772519320480135, rel=1e-7)
    assert r2.p_norm / 2 == pytest.approx(5.7916539074498452e-05, rel=1e-6)


@pytest.fixture(scope="module")
def us(reference_dir):
    import libpysal

    d = reference_dir / "us_income"
    pci = pd.read_csv(d / "usjoin.csv")
    w = libpysal.io.open(str(d / "states48.gal")).read()
    return pci, w


def test_us_income_moran_matches_esda_every_year(us):
    import esda

    pci, w = us
    years = [str(y) for y in range(1929, 2010)]
    ours = [sm.moran(pci[c].to_numpy(), w, permutations=0) for c in years]
    theirs = [esda.Moran(pci[c].to_numpy(), w, transformation="r", permutations=0) for c in years]
    np.testing.assert_allclose([r.I for r in ours], [m.I for m in theirs], rtol=1e-12)
    np.testing.assert_allclose([r.z_rand for r in ours], [m.z_rand for m in theirs], rtol=1e-10)
    assert all(r.I > 0.2 for r in ours)  # US state incomes cluster in every year


def test_us_income_lisa_quadrants_reproduce_giddy_lisa_markov(us):
    # giddy 2.3.8 markov.LISA_Markov docstring: lm.q[0:5, 0] = [2, 3, 2, 1, 4] with geoda_quads=True
    # (1929), and tests/test_markov.py test_LISA_Markov: transitions (esda quadrant order
    # HH, LH, LL, HL) = [[1087, 44, 4, 34], [41, 470, 36, 1], [5, 34, 1422, 39], [30, 1, 40, 552]].
    pci, w = us
    years = [str(y) for y in range(1929, 2010)]
    q = np.column_stack(
        [sm.local_moran(pci[c].to_numpy(), w, permutations=1, rng=0).table["quadrant"] for c in years]
    )
    assert q[:5, 0].tolist() == [2, 3, 2, 1, 4]
    t = np.zeros((4, 4))
    for a, b in zip(q[:, :-1].ravel(), q[:, 1:].ravel()):
        t[a - 1, b - 1] += 1
    esda_order = [1, 3, 2, 4]  # GeoDa codes of esda's HH, LH, LL, HL
    expected = np.array([[1087, 44, 4, 34], [41, 470, 36, 1], [5, 34, 1422, 39], [30, 1, 40, 552]])
    idx = [c - 1 for c in esda_order]
    np.testing.assert_array_equal(t[np.ix_(idx, idx)], expected)
