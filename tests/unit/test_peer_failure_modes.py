"""Issue 12: failure modes users report in peer tools (PySAL, giddy, ShiftShareSE, bartik.weight,
ssaggregate, ConvergenceClubs) that levelup must not have.

One test per item not already proved elsewhere; each docstring quotes the item. Items already
proved by other tests are listed here so the mapping stays in one place:

- "Permutation inference reproducible from a seed": test_spatial.py::
  test_permutations_seeded_and_match_randomisation_variance (global) and
  test_local_moran_quadrants_pvalues_and_sum (local, same seed -> same p-values).
- "Zero incomes in Theil handled explicitly": test_inequality.py::test_theil_zero_incomes_explicit
  (plus the zero-group case in test_decomposition_never_negative below).
- "A warning when AKM standard errors are far below the EHW ones": test_shiftshare.py::
  test_akm_far_below_ehw_warns.
- "The location-level IV and the shock-level IV on the ADH data give the same coefficient":
  tests/reference/test_shiftshare_reference.py::test_bhj_equivalence_location_and_shock_level.
- "Local-authority mergers; a lookup from old to new codes with the date of change":
  tests/loaders/test_lookups.py::test_code_changes_from_the_lau1_column and
  test_geo.py::test_old_lad_code_names_successor.
"""

from __future__ import annotations

import inspect
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from libpysal.weights import W, lat2W

from levelup.errors import ModelInputError, UnknownRegionError
from levelup.models import convergence as cv
from levelup.models import inequality as iq
from levelup.models import shiftshare as ss
from levelup.models import spatial as sm

ROOT = Path(__file__).resolve().parents[2]
BAD = "TLX99"  # the unit that carries the NaN in every model below


# ------------------------------------------------------------------ shared small inputs
def _cross(n=8, seed=0):
    rng = np.random.default_rng(seed)
    idx = [f"TLA{i:02d}" for i in range(n - 1)] + [BAD]
    return pd.Series(rng.uniform(1, 3, n), index=idx)


def _panel(n=8, t=6, seed=0):
    rng = np.random.default_rng(seed)
    idx = [f"TLA{i:02d}" for i in range(n - 1)] + [BAD]
    return pd.DataFrame(rng.uniform(1, 3, (n, t)), index=idx, columns=range(2000, 2000 + t))


def _ring(units):
    k = len(units)
    return {u: [units[(i - 1) % k], units[(i + 1) % k]] for i, u in enumerate(units)}


def _ssiv_data(n=60, s=5, seed=0, complete=False):
    rng = np.random.default_rng(seed)
    Wm = rng.dirichlet(np.full(s, 0.3), size=n) * (1.0 if complete else rng.uniform(0.5, 0.9, (n, 1)))
    g = pd.Series(rng.normal(size=s), index=[f"s{j}" for j in range(s)])
    z = Wm @ g.to_numpy()
    x = 3.0 * z + rng.normal(size=n)
    idx = [f"r{i}" for i in range(n - 1)] + [BAD]
    df = pd.DataFrame({"y": -x + rng.normal(size=n), "x": x, "z": z, "c": rng.normal(size=n)}, index=idx)
    return df, pd.DataFrame(Wm, index=idx, columns=g.index), g


def _with_nan(obj):
    obj = obj.copy()
    if isinstance(obj, pd.DataFrame):
        obj.loc[BAD, obj.columns[2]] = np.nan
    else:
        obj[BAD] = np.nan
    return obj


def _nan_cases():
    y, p = _with_nan(_cross()), _with_nan(_panel())
    good = _cross()
    w = pd.Series(1.0, index=good.index)
    df, shares, g = _ssiv_data()
    dfn = df.assign(x=df["x"].where(df.index != BAD))
    sharesn = shares.copy()
    sharesn.loc[BAD, "s1"] = np.nan
    kw = dict(y="y", x="x", incomplete="ignore")
    ind = pd.Index(["A", "B", BAD])
    r0, r1 = pd.Series([10.0, 20, np.nan], index=ind), pd.Series([11.0, 21, 5], index=ind)
    n0, n1 = pd.Series([100.0, 200, 50], index=ind), pd.Series([110.0, 190, 55], index=ind)
    return {
        "gini": lambda: iq.gini(y),
        "theil": lambda: iq.theil(y),
        "mld": lambda: iq.mld(y),
        "atkinson": lambda: iq.atkinson(y, 0.5),
        "cv": lambda: iq.cv(y),
        "hoover": lambda: iq.hoover(y),
        "williamson (NaN weight)": lambda: iq.williamson(good, _with_nan(w)),
        "ratio": lambda: iq.ratio(y),
        "lorenz": lambda: iq.lorenz(y),
        "theil_decomposition": lambda: iq.theil_decomposition(y, lambda c: c[:3]),
        "moran": lambda: sm.moran(y, _ring(list(y.index))),
        "local_moran": lambda: sm.local_moran(y, _ring(list(y.index)), permutations=9),
        "beta": lambda: cv.beta(y, good * 1.1, years=10),
        "beta_nls": lambda: cv.beta_nls(good, y, years=10),
        "panel_beta": lambda: cv.panel_beta(p),
        "sigma": lambda: cv.sigma(p),
        "log_t": lambda: cv.log_t(p),
        "clubs": lambda: cv.clubs(p),
        "markov": lambda: cv.markov(p, k=2),
        "ssiv (NaN outcome)": lambda: ss.ssiv(dfn, instrument="z", shares=shares, **kw),
        "ssiv (NaN share)": lambda: ss.ssiv(df, instrument="z", shares=sharesn, **kw),
        "bartik": lambda: ss.bartik(sharesn, g),
        "rotemberg": lambda: ss.rotemberg(dfn, y="y", x="x", shares=shares, shocks=g),
        "shock_level": lambda: ss.shock_level(dfn, y="y", x="x", shares=shares, shocks=g),
        "dunn": lambda: ss.dunn(r0, r1, n0, n1),
    }


@pytest.mark.parametrize("name", list(_nan_cases()))
def test_nan_in_values_names_the_units(name):
    """"NaN in values: a clear error naming the units, never silent propagation." (inequality,
    spatial, convergence, shift-share: every public model entry point)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # shift-share notes (incomplete shares) are not the point here
        with pytest.raises(ModelInputError, match=BAD) as err:
            _nan_cases()[name]()
    assert isinstance(err.value, ValueError)  # API.md: models raise ValueError naming the units


# ------------------------------------------------------------------ spatial
@pytest.mark.parametrize("form", ["dict", "dense", "sparse", "W"])
@pytest.mark.parametrize("stat", ["moran", "local_moran"])
def test_islands_policy_is_explicit(form, stat):
    """"Islands (no neighbours): an explicit, documented policy (error by default, or k-nearest
    fallback) instead of a reshape crash." Every form of user weights with an island raises a
    ModelInputError naming it; contiguity() documents its knn default and its "error" option."""
    units = ["a", "b", "c", "d", "ISL"]
    neigh = {**_ring(units[:4]), "ISL": []}
    dense = np.zeros((5, 5))
    for i, u in enumerate(units):
        for v in neigh[u]:
            dense[i, units.index(v)] = 1.0
    w = {"dict": neigh, "dense": dense, "sparse": sp.csr_matrix(dense),
         "W": W(neigh, id_order=units, silence_warnings=True)}[form]
    y = pd.Series([1.0, 2.0, 3.0, 4.0, 5.0], index=units if form in ("dict", "W") else range(5))
    fn = sm.moran if stat == "moran" else sm.local_moran
    with pytest.raises(ModelInputError, match=r"no neighbours: (ISL|4)"):
        fn(y if form in ("dict", "W") else y.to_numpy(), w)
    # the documented fallback: link the island to its nearest unit, then the statistic runs
    cent = pd.DataFrame({"x": [0.0, 1, 1, 0, 3], "y": [0.0, 0, 1, 1, 0.2]}, index=units)
    linked_w, linked = sm.knn_islands(sm.weights(neigh), cent, k=1)
    assert linked == {"ISL": ["b"]} and "ISL" in linked_w.neighbors["b"]
    assert np.isfinite(float(sm.moran(y.set_axis(units), linked_w, permutations=0).I))
    sig = inspect.signature(sm.contiguity)
    assert sig.parameters["islands"].default == "knn"
    assert "islands=\"error\"" in sm.contiguity.__doc__ and "nearest" in sm.contiguity.__doc__


def test_lisa_labels_alpha_fdr_and_geoda_codes():
    """"LISA cluster labels at a chosen significance level, with optional false-discovery-rate
    correction, and quadrant codes matching GeoDa's" (1 High-High, 2 Low-Low, 3 Low-High,
    4 High-Low, 0 not significant)."""
    w = lat2W(8, 8)
    rng = np.random.default_rng(3)
    y = np.add.outer(np.arange(8.0), np.arange(8.0)).ravel() + rng.normal(0, 2.0, 64)
    geoda = {0: "Not significant", 1: "High-High", 2: "Low-Low", 3: "Low-High", 4: "High-Low"}
    z = y - y.mean()
    lag = sm.weights(w).sparse @ z
    quad = np.select([(z > 0) & (lag > 0), (z <= 0) & (lag <= 0), (z <= 0) & (lag > 0)], [1, 2, 3], 4)
    sizes = []
    for alpha in (0.01, 0.1):
        for fdr in (False, True):
            t = sm.local_moran(y, w, permutations=499, rng=9, alpha=alpha, fdr=fdr).table
            assert t["quadrant"].tolist() == quad.tolist()
            assert (t["significant"] == (t["p_adjusted"] <= alpha)).all()
            if not fdr:
                assert (t["p_adjusted"] == t["p_sim"]).all()
            else:
                assert (t["p_adjusted"] >= t["p_sim"]).all()
            want = np.where(t["significant"], quad, 0)
            assert t["cluster"].tolist() == want.tolist()
            assert t["label"].tolist() == [geoda[c] for c in want]
            sizes.append(int(t["significant"].sum()))
    # a looser level never labels fewer units; FDR never labels more
    assert sizes[2] >= sizes[0] and sizes[1] <= sizes[0] and sizes[3] <= sizes[2] and sizes[2] > 0


# ------------------------------------------------------------------ shapes
_SHAPE_FUNCS = {
    "gini": iq.gini, "theil": iq.theil, "mld": iq.mld, "cv": iq.cv, "hoover": iq.hoover,
    "atkinson": lambda v: iq.atkinson(v, 1.5), "williamson": lambda v: iq.williamson(v, np.arange(1.0, 8.0)),
    "ratio": iq.ratio,
    "moran": lambda v: sm.moran(v, lat2W(7, 1), permutations=99, rng=1).p_sim,
    "local_moran": lambda v: tuple(sm.local_moran(v, lat2W(7, 1), permutations=99, rng=1).table["p_sim"]),
}


@pytest.mark.parametrize("name", list(_SHAPE_FUNCS))
def test_shapes_n_and_n_by_1_give_the_same_answer(name):
    """"Input shapes (n,) and (n, 1) give the same answer" (also a list and a one-column frame)."""
    fn = _SHAPE_FUNCS[name]
    a = np.array([3.0, 1.0, 4.0, 1.5, 5.0, 9.0, 2.0])
    out = [fn(x) for x in (a, a.reshape(-1, 1), list(a), pd.DataFrame({"v": a}))]
    out = [o.value if hasattr(o, "value") else o for o in out]
    assert all(o == out[0] for o in out), out
    with pytest.raises(ModelInputError, match=r"\(n,\) or \(n, 1\)"):
        fn(np.ones((7, 2)) if name not in ("williamson",) else np.ones((7, 2, 1)))


# ------------------------------------------------------------------ decompositions
def test_decomposition_never_negative():
    """"A decomposition never yields a negative component" (random data with ties, zeros, a group
    of zeros and zero-population groups; Theil T and MLD; no NaN and no numpy warnings)."""
    rng = np.random.default_rng(12)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # 0 ln 0 and empty groups must be handled, not warned about
        for trial in range(300):
            n = int(rng.integers(4, 30))
            y = np.round(rng.lognormal(0, 1, n), int(rng.integers(0, 3)))
            g = rng.integers(0, int(rng.integers(1, 6)), n).astype(str)
            w = rng.integers(0, 5, n).astype(float) if trial % 3 else None
            if w is not None and w.sum() == 0:
                w[0] = 1.0
            index = "mld" if trial % 2 else "theil"
            if index == "theil" and trial % 4 == 0:
                y[g == g[0]] = 0.0  # a whole group with zero income
                if y.sum() == 0:
                    continue
            if index == "mld":
                y = y + 0.01
            r = iq.theil_decomposition(pd.Series(y), g, weights=w, index=index)
            parts = [r.between, r.within, *r.groups["within_contribution"]]
            assert np.all(np.isfinite(parts)) and min(parts) >= 0, (trial, parts)
            assert r.between + r.within == pytest.approx(r.total, abs=1e-12)
            full = iq.theil if index == "theil" else iq.mld
            assert r.total == pytest.approx(full(y, w).value, abs=1e-12)
    # a group of zeros by hand: T(0, 0, 1, 2) with groups {0, 0} {1, 2}: between = 1 * ln(1.5 / 0.75)
    r = iq.theil_decomposition(pd.Series([0.0, 0.0, 1.0, 2.0]), list("xxyy"))
    assert r.between == pytest.approx(np.log(2.0)) and r.groups.loc[0, "within_contribution"] == 0.0


def test_docs_explain_gini_versus_theil_ranking():
    """"The docs explain why Gini and Theil decompositions can rank between- and within-group
    inequality differently." The module docstring and docs/models/inequality.md say so, and the
    page's worked example (9, 9, 9 | 4, 8, 8) shows it."""
    for text in (iq.__doc__, (ROOT / "docs" / "models" / "inequality.md").read_text(encoding="utf-8")):
        flat = " ".join(text.split())
        assert "Gini and Theil decompositions can" in flat and "rank between" in flat
        assert "overlap" in flat and "Lambert and Aronson 1993" in flat
    y = np.array([9.0, 9, 9, 4, 8, 8])
    groups = np.array(list("xxxyyy"))
    means = pd.Series(y).groupby(groups).transform("mean").to_numpy()

    def gini_by_hand(v):  # mean-difference form, independent of levelup's Lorenz route
        return np.abs(v[:, None] - v[None, :]).sum() / (2 * len(v) ** 2 * v.mean())

    gini_between_share = gini_by_hand(means) / gini_by_hand(y)
    d = iq.theil_decomposition(pd.Series(y), groups)
    assert gini_between_share == pytest.approx(0.7241, abs=1e-4)  # "72%" on the docs page
    assert d.between / d.total == pytest.approx(0.3745, abs=1e-4)  # "37%"
    assert iq.gini(means).value / iq.gini(y).value == pytest.approx(gini_between_share, rel=1e-12)


# ------------------------------------------------------------------ Markov
def test_markov_discrete_states_cutoffs_ties_and_non_ergodic():
    """"Markov: accepts already-discrete states or user cut-offs, breaks ties deterministically,
    and handles non-ergodic chains (steady state and first passage times say so instead of
    failing)."""
    lab = pd.DataFrame({1: ["lo", "hi", "lo"], 2: ["hi", "hi", "lo"], 3: ["hi", "lo", "lo"]}, index=list("xyz"))
    r = cv.markov(lab, discrete=True)  # labels, not only integer codes
    # transitions by hand: x lo->hi->hi, y hi->hi->lo, z lo->lo->lo; states sorted: hi, lo
    assert list(r.p.index) == ["hi", "lo"]
    np.testing.assert_array_equal(r.counts.to_numpy(), [[2, 1], [1, 2]])
    cat = lab.apply(lambda s: pd.Categorical(s, categories=["lo", "mid", "hi"], ordered=True))
    rc = cv.markov(cat, discrete=True)  # categorical order kept, unobserved "mid" an empty class
    assert list(rc.p.index) == ["lo", "mid", "hi"] and rc.p.loc["mid"].isna().all()
    # user cut-offs are right-closed: a value on a cut-off goes to the lower class
    num = pd.DataFrame({1: [1.0, 2.0, 3.0], 2: [2.0, 3.0, 1.0]}, index=list("abc"))
    assert cv.markov(num, bins=[2.0]).classes[1].tolist() == [0, 0, 1]
    # ties: identical values get the same class whatever the row order
    tied = pd.DataFrame({1: [5.0, 1, 1, 1, 9], 2: [1.0, 5, 1, 9, 1]}, index=list("abcde"))
    a = cv.markov(tied, k=3).classes
    b = cv.markov(tied.iloc[::-1], k=3).classes
    pd.testing.assert_frame_equal(a, b.loc[a.index])
    # non-ergodic: two absorbing classes -> NaN steady state, one stationary row each, inf passage
    absorbing = pd.DataFrame({1: [0, 0, 1, 1], 2: [0, 0, 1, 1], 3: [0, 0, 1, 1]}, index=list("abcd"))
    ne = cv.markov(absorbing, discrete=True)
    assert not ne.ergodic and ne.steady_state.isna().all()
    np.testing.assert_array_equal(ne.stationary.to_numpy(), [[1.0, 0.0], [0.0, 1.0]])
    assert np.isinf(ne.fmpt.loc[0, 1]) and np.isinf(ne.fmpt.loc[1, 0]) and ne.fmpt.loc[0, 0] == 1.0
    assert any("not ergodic" in n for n in ne.notes())


# ------------------------------------------------------------------ shift-share IV
def test_ssiv_complete_shares_work_with_a_note():
    """"Shares that sum to one in every region (complete industry shares, the usual UK case)
    work: handled as the AKM paper prescribes (incomplete-shares control or dropping a sector),
    with a note in the result." The intercept is the sum-of-shares control; no warning."""
    from linearmodels.iv import IV2SLS

    df, shares, g = _ssiv_data(n=300, s=30, seed=1, complete=True)
    assert np.allclose(shares.sum(axis=1), 1.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ss.IncompleteSharesWarning)
        r = ss.ssiv(df, y="y", x="x", instrument=g, shares=shares, controls=["c"])
    assert "Shares sum to one in every region" in r.summary()
    assert all(np.isfinite(v) and v > 0 for k, v in r.se.items() if k != "region_cluster")
    d = df.assign(const=1.0, B=shares.to_numpy() @ g.to_numpy())
    fit = IV2SLS(d["y"], d[["const", "c"]], d[["x"]], d[["B"]]).fit(cov_type="robust")
    assert r.coef == pytest.approx(fit.params["x"], rel=1e-10)
    assert r.se["ehw"] == pytest.approx(fit.std_errors["x"], rel=1e-8)
    # with complete shares, shocks are identified only up to their mean: shifting every shock
    # by a constant changes the instrument by that constant, which the intercept absorbs
    r2 = ss.ssiv(df, y="y", x="x", instrument=g + 3.0, shares=shares, controls=["c"])
    assert r2.coef == pytest.approx(r.coef, rel=1e-9) and r2.se["akm"] == pytest.approx(r.se["akm"], rel=1e-6)


def test_rotemberg_weights_for_sector_by_period_panels():
    """"Sector-by-period panels of shocks; Rotemberg weights for panels." Each (period, sector)
    gets a weight; they sum to one, sum(alpha * beta) is the pooled Bartik 2SLS estimate, each
    beta is the just-identified IV with that period's share column, and by_sector sums periods."""
    from linearmodels.iv import IV2SLS

    rng = np.random.default_rng(8)
    n, s, periods = 50, 4, (2000, 2010)
    secs = [f"s{j}" for j in range(s)]
    sh = {p: pd.DataFrame(rng.dirichlet(np.ones(s), n) * 0.8, index=[f"r{i}" for i in range(n)], columns=secs)
          for p in periods}
    shares = pd.concat(sh, names=["period"]).swaplevel().sort_index()
    shares.index.names = ["region", "period"]
    shocks = pd.concat({p: pd.Series(rng.normal(size=s), index=secs) for p in periods}, names=["period", "sector"])
    B = ss.bartik(shares, shocks)
    data = pd.DataFrame(index=shares.index)
    data["t2"] = (data.index.get_level_values("period") == 2010).astype(float)
    data["x"] = 0.9 * B.reindex(data.index) + rng.normal(size=len(data))
    data["y"] = -0.5 * data["x"] + rng.normal(size=len(data))
    rw = ss.rotemberg(data, y="y", x="x", shares=shares, shocks=shocks, controls=["t2"])
    wts = rw.weights
    assert len(wts) == len(periods) * s and isinstance(wts.index, pd.MultiIndex)
    assert wts["alpha"].sum() == pytest.approx(1.0)
    d = data.assign(const=1.0, B=B.reindex(data.index))
    fit = IV2SLS(d["y"], d[["const", "t2"]], d[["x"]], d[["B"]]).fit()
    assert rw.beta_bartik == pytest.approx(fit.params["x"], rel=1e-9)
    key = (2010, "s2")
    zk = shares["s2"].where(shares.index.get_level_values("period") == 2010, 0.0)
    fit_k = IV2SLS(d["y"], d[["const", "t2"]], d[["x"]], zk.rename("Zk").to_frame()).fit()
    assert wts.loc[key, "beta"] == pytest.approx(fit_k.params["x"], rel=1e-9)
    bs = rw.by_sector
    assert bs.loc["s2", "alpha"] == pytest.approx(wts.xs("s2", level=-1)["alpha"].sum())
    # the panel of shocks also works in the long form and in ssiv
    long = shares.stack().rename("share").reset_index()
    long.columns = ["region", "period", "sector", "share"]
    sm_ = ss.shares_from_long(long, region="region", period="period", sector="sector", share="share",
                              regions=data.index)
    rl = ss.rotemberg(data, y="y", x="x", shares=sm_, shocks=shocks, controls=["t2"])
    np.testing.assert_allclose(rl.weights.loc[wts.index, "alpha"], wts["alpha"], rtol=1e-10)


# ------------------------------------------------------------------ convergence clubs
def test_clubs_missing_values_policy_and_long_format():
    """"Convergence clubs - Missing values: an explicit policy that names the offending units
    (ConvergenceClubs stops with an opaque error). Long-format input accepted as well as wide.\""""
    rng = np.random.default_rng(2)
    t = np.arange(1, 31)
    hi = [2.0 + 0.3 / np.sqrt(t) * rng.normal(1, 0.1) for _ in range(5)]
    lo = [1.0 + 0.3 / np.sqrt(t) * rng.normal(1, 0.1) for _ in range(5)]
    wide = pd.DataFrame(hi + lo, index=[f"TLH{i}" for i in range(5)] + [f"TLL{i}" for i in range(5)],
                        columns=range(1991, 2021))
    long = wide.rename_axis("geo_code").reset_index().melt(id_vars="geo_code", var_name="year")
    assert cv.clubs(long).clubs == cv.clubs(wide).clubs
    assert cv.log_t(long).tvalue == pytest.approx(cv.log_t(wide).tvalue, rel=1e-12)
    # a NaN value, and a row missing from long data, both name the unit
    gap = wide.copy()
    gap.loc["TLL3", 2005] = np.nan
    holed = long.drop(long.index[(long["geo_code"] == "TLL3") & (long["year"] == 2005)])
    for panel in (gap, holed):
        with pytest.raises(ModelInputError, match=r"1 unit\(s\): TLL3.*missing='drop'"):
            cv.clubs(panel)
        r = cv.clubs(panel, missing="drop")
        assert r.dropped == ("TLL3",) and "TLL3" not in r.membership.index


# ------------------------------------------------------------------ ONS codes
def test_codes_know_their_vintage(data_root):
    """"Codes know their vintage: UK-prefixed NUTS codes and TL-prefixed ITL codes, ITL
    revisions, local-authority mergers; a lookup from old to new codes with the date of change."
    NUTS 2016 codes map to ITL 2021 with a dated note; codes of older NUTS versions are refused,
    not turned into ITL codes that do not exist; merged districts map to their successor."""
    from levelup import geo
    from levelup.geo.itl import nuts_to_itl

    new, note = nuts_to_itl("UKC11")
    assert new == "TLC11" and "January 2021" in note
    new, note = nuts_to_itl("UKK21")  # Dorset: a boundary change, not a prefix swap
    assert new == "TLK24" and "2021-01-01" in note and "boundary change" in note
    assert nuts_to_itl("TLC11") is None and nuts_to_itl("E06000063") is None
    for old in ("UKM21", "UKM3", "UKI1", "UKI22"):  # NUTS 2010/2013 units with no ITL 2021 twin
        with pytest.raises(UnknownRegionError, match=f"{old} is not a NUTS 2016 code"):
            nuts_to_itl(old)
        with pytest.raises(UnknownRegionError, match="earlier NUTS versions"):
            geo.resolve(old)
    assert geo.resolve("UKM71").code == "TLM71"  # a NUTS 2016 Scottish code still maps
    changes = geo.code_changes()
    assert list(changes.columns[:5]) == ["old_code", "old_name", "new_code", "new_name", "date"]
    allerdale = changes.set_index("old_code").loc["E07000026"]
    assert (allerdale["new_code"], allerdale["date"]) == ("E06000063", "2023-04-01")
    assert changes["date"].str.fullmatch(r"\d{4}-\d{2}-\d{2}").sum() >= 20
