"""Spatial weights and Moran's I: esda cross-checks, hand cases, policies, ONS boundaries."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from libpysal.weights import lat2W

from levelup.errors import ModelInputError
from levelup.models import spatial as sm


@pytest.fixture(scope="module")
def lattice():
    w = lat2W(6, 6)  # rook lattice, ids 0..35
    rng = np.random.default_rng(7)
    y = np.add.outer(np.arange(6.0), np.arange(6.0)).ravel() + rng.normal(0, 1.5, 36)
    return y, w


def test_moran_matches_esda(lattice):
    import esda

    y, w = lattice
    r = sm.moran(y, w, permutations=0)
    e = esda.Moran(y, w, transformation="r", permutations=0)
    assert r.I == pytest.approx(e.I, rel=1e-12)
    assert r.expected == pytest.approx(-1 / 35)
    assert (r.z, r.p_norm, r.z_rand) == pytest.approx((e.z_norm, e.p_norm, e.z_rand), rel=1e-12)
    assert np.isnan(r.p_sim) and float(r) == r.I


def test_moran_by_hand_blocks():
    # three blocks of three fully linked units, y = 0..8: z'Wz = 51 (row-standardised), z'z = 60
    w = np.kron(np.eye(3), np.ones((3, 3))) - np.eye(9)
    assert sm.moran(np.arange(9.0), w, permutations=0).I == pytest.approx(51 / 60)


def test_weight_forms_agree_and_caller_w_untouched(lattice):
    y, _ = lattice
    w = lat2W(6, 6)  # fresh: esda.Moran(transformation="r") in another test transforms its w in place
    dense = w.full()[0]
    as_dict = {i: list(w.neighbors[i]) for i in w.id_order}
    before = dict(w.weights)
    vals = [sm.moran(y, x, permutations=0).I for x in (w, dense, sp.csr_matrix(dense), as_dict)]
    assert np.allclose(vals, vals[0], rtol=1e-12)
    assert dict(w.weights) == before and w.transform.upper() == "O"
    rs = sm.weights(dense)
    assert np.allclose(np.asarray(rs.sparse.sum(axis=1)).ravel(), 1.0)


def test_shapes_series_alignment_and_missing(lattice):
    y, w = lattice
    a = sm.moran(y, w, permutations=0).I
    assert sm.moran(y.reshape(-1, 1), w, permutations=0).I == a
    s = pd.Series(y, index=range(36)).iloc[::-1]  # labels realigned on w's ids
    assert sm.moran(s, w, permutations=0).I == pytest.approx(a, rel=1e-12)
    bad = pd.Series(y, index=range(36))
    bad[5] = np.nan
    with pytest.raises(ModelInputError, match=r"1 unit\(s\): 5"):
        sm.moran(bad, w)
    r = sm.moran(bad, w, missing="drop", permutations=0)
    assert r.sample.dropped == (5,) and r.n == 35
    with pytest.raises(ModelInputError, match="only in values: 99"):
        sm.moran(pd.Series(y, index=[*range(35), 99]), w)


def test_islands_raise_naming_units():
    neigh = {"a": ["b"], "b": ["a", "c"], "c": ["b"], "d": []}
    with pytest.raises(ModelInputError, match="no neighbours.*d"):
        sm.moran(pd.Series([1.0, 2.0, 3.0, 4.0], index=list("abcd")), neigh)
    cent = pd.DataFrame({"x": [0, 1, 2, 2.5], "y": [0, 0, 0, 0]}, index=list("abcd"))
    w2, linked = sm.knn_islands(sm.weights({k: v for k, v in neigh.items()}), cent, k=1)
    assert linked == {"d": ["c"]} and "d" in w2.neighbors["c"]


def test_permutations_seeded_and_match_randomisation_variance(lattice):
    y, w = lattice
    a, b = sm.moran(y, w, rng=3), sm.moran(y, w, rng=3)
    assert a.p_sim == b.p_sim and np.array_equal(a.simulated, b.simulated)
    assert not np.array_equal(a.simulated, sm.moran(y, w, rng=4).simulated)
    big = sm.moran(y, w, permutations=20000, rng=np.random.default_rng(1))
    # the randomisation moments are the exact moments of the permutation distribution
    assert big.simulated.mean() == pytest.approx(big.expected, abs=0.003)
    assert big.simulated.var() == pytest.approx(big.variance_rand, rel=0.05)
    assert big.p_sim == pytest.approx(1 / 20001)


def _exact_local_p(y, w, i):
    """Exact conditional-permutation folded p of unit i by enumerating neighbour sets."""
    n = len(y)
    z = (y - y.mean()) / y.std()
    scale = (n - 1) / (z @ z)
    nb, wt = w.neighbors[i], np.asarray(w.weights[i]) / np.sum(w.weights[i])
    obs = z[i] * (z[nb] @ wt) * scale
    others = [j for j in range(n) if j != i]
    sims = np.array([z[i] * (z[list(p)] @ wt) * scale for p in itertools.permutations(others, len(nb))])
    pge = np.mean(sims >= obs - 1e-12)
    return min(pge, 1 - pge + np.mean(np.isclose(sims, obs)))


def test_local_moran_quadrants_pvalues_and_sum():
    w = lat2W(3, 3)
    y = np.array([9.0, 8.0, 1.0, 7.0, 5.0, 2.0, 0.5, 3.0, 1.5])
    r = sm.local_moran(y, w, permutations=9999, rng=11)
    t = r.to_frame()
    z = y - y.mean()
    lag = sm.weights(w).sparse @ z
    # GeoDa codes: 1 HH, 2 LL, 3 LH, 4 HL
    want = np.select([(z > 0) & (lag > 0), (z <= 0) & (lag <= 0), (z <= 0) & (lag > 0)], [1, 2, 3], 4)
    assert t["quadrant"].tolist() == want.tolist()
    # sum of local statistics = (n - 1) x global I
    assert t["I"].sum() == pytest.approx((len(y) - 1) * sm.moran(y, w, permutations=0).I, rel=1e-10)
    for i in (0, 4, 8):
        assert t["p_sim"].iloc[i] == pytest.approx(_exact_local_p(y, w, i), abs=0.015)
    again = sm.local_moran(y, w, permutations=9999, rng=11)
    assert again.table["p_sim"].equals(t["p_sim"])


def test_lisa_labels_alpha_and_fdr(lattice):
    y, w = lattice
    r = sm.local_moran(y, w, permutations=999, rng=5, alpha=0.05)
    f = sm.local_moran(y, w, permutations=999, rng=5, alpha=0.05, fdr=True)
    # Benjamini-Hochberg by hand: largest k with p_(k) <= k alpha / n, reject the k smallest
    p = r.table["p_sim"].to_numpy()
    order = np.sort(p)
    ok = np.nonzero(order <= np.arange(1, len(p) + 1) * 0.05 / len(p))[0]
    cut = order[ok.max()] if len(ok) else -1
    assert f.table["significant"].tolist() == (p <= cut).tolist()
    assert set(f.table.index[f.table["significant"]]) <= set(r.table.index[r.table["significant"]])
    t = r.table
    assert (t.loc[~t["significant"], "label"] == "Not significant").all()
    assert (t.loc[t["significant"], "cluster"] == t.loc[t["significant"], "quadrant"]).all()
    assert r.plot() is not None
    with pytest.raises(ModelInputError, match="alpha"):
        sm.local_moran(y, w, alpha=1.5)


def test_moran_scatter_plot(lattice):
    y, w = lattice
    ax = sm.moran(y, w, permutations=99, rng=1).plot(highlight=[3])
    assert ax.get_xlabel().startswith("value")


# ---------------------------------------------------------------- real ONS ITL3 boundaries
@pytest.fixture(scope="module")
def itl3_w(ons_dir):
    return sm.contiguity("itl3", mirrors=[ons_dir])


def test_contiguity_itl3(itl3_w, ons_dir):
    w = itl3_w
    assert w.n == 179 and w.transform == "R"
    assert set(w.islands_linked) == {
        "TLJ34",
        "TLM64",
        "TLM65",
        "TLM66",
    }  # Wight, Western Isles, Orkney, Shetland
    assert w.islands_linked["TLM66"] == ["TLM65"]
    assert not [i for i in w.id_order if not w.neighbors[i]]
    assert all(i in w.neighbors[j] for i in w.id_order for j in w.neighbors[i])  # symmetric
    assert "TLC12" in w.neighbors["TLC11"]  # Hartlepool & Stockton - South Teesside
    assert w.n_components == 2  # Great Britain and Northern Ireland
    with pytest.raises(ModelInputError, match="TLM66"):
        sm.contiguity("itl3", islands="error", mirrors=[ons_dir])
    rook = sm.contiguity("itl3", kind="rook", mirrors=[ons_dir])
    assert all(set(rook.neighbors[i]) - set(rook_linked(rook, i)) <= set(w.neighbors[i]) for i in w.id_order)
    strict = sm.contiguity("itl3", snap=0, islands="knn", mirrors=[ons_dir])
    assert all(
        set(strict.neighbors[i]) - set(rook_linked(strict, i)) <= set(w.neighbors[i]) for i in w.id_order
    )


def rook_linked(w, i):
    out = set(w.islands_linked.get(i, []))
    out |= {k for k, v in w.islands_linked.items() if i in v}
    return out


def test_moran_of_northing_is_strongly_positive(itl3_w, ons_dir):
    from levelup.geo.boundaries import itl3

    g = itl3(mirrors=[ons_dir])
    r = sm.moran(g["bng_n"], itl3_w, permutations=999, rng=2021)
    assert r.I > 0.8 and r.p_sim == pytest.approx(0.001) and r.p_norm < 1e-10
    lm = sm.local_moran(g["bng_n"], itl3_w, permutations=199, rng=1)
    assert lm.table.loc["TLM66", "quadrant"] == 1  # Shetland: high northing, high neighbours


def test_boundaries_and_choropleth(ons_dir):
    from levelup.errors import UnknownRegionError
    from levelup.geo.boundaries import boundaries, itl3, place

    g = itl3(mirrors=[ons_dir])
    assert len(g) == 179 and g.crs.to_epsg() == 27700
    itl1 = boundaries("itl1", mirrors=[ons_dir])
    assert len(itl1) == g["code"].str[:3].nunique() == 12
    assert itl1["n_itl3"].sum() == 179
    assert len(boundaries("itl2", mirrors=[ons_dir])) == g["code"].str[:4].nunique()
    p = place(["TLD33", "TLD34", "TLD35"], "Greater Manchester", mirrors=[ons_dir])
    assert p.geometry.iloc[0].area == pytest.approx(g.loc[["TLD33", "TLD34", "TLD35"]].area.sum(), rel=1e-6)
    with pytest.raises(UnknownRegionError, match="TLD99"):
        place(["TLD99"], mirrors=[ons_dir])
    ax = sm.choropleth(g["bng_e"].drop("TLC11"), highlight="TLD33", mirrors=[ons_dir])
    assert ax is not None
    with pytest.raises(ModelInputError, match="XX123"):
        sm.choropleth(pd.Series({"XX123": 1.0}), mirrors=[ons_dir])
