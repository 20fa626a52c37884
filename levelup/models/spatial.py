"""Spatial weights, global and local Moran's I, Moran scatter plots and choropleths.

Built on PySAL: weights are ``libpysal`` ``W`` objects (contiguity from polygons with
``libpysal``), analytic Moran moments and local Moran with conditional permutations
come from ``esda``. levelup adds what they leave to the user:

- **Islands**: a unit with no neighbour makes Moran's I ill-defined. ``contiguity``
  links islands to their ``k`` nearest units by centroid (``islands="knn"``, the
  default, links made symmetric) or raises naming them (``islands="error"``);
  ``moran``/``local_moran`` raise naming islands in a user-supplied ``w``.
- **Missing values**: raise naming the units, or ``missing="drop"`` drops them (and
  their links) and lists them in ``sample.dropped``.
- **Weights in any form**: a ``libpysal`` ``W`` or ``Graph``, a square array or scipy
  sparse matrix, or a dict of neighbour lists; always row-standardised on a copy
  (the caller's object is never changed).
- **Seeded inference**: permutations draw from ``rng`` (a seed or
  ``numpy.random.Generator``); same seed, same p-values.
- **LISA labels**: GeoDa's cluster codes at a chosen significance, optionally with a
  Benjamini-Hochberg false-discovery-rate correction.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from levelup.errors import ModelInputError
from levelup.models._checks import Missing, _labels, as_series
from levelup.results import Result, Sample, new_axes

__all__ = [
    "LocalMoran",
    "Moran",
    "choropleth",
    "contiguity",
    "knn_islands",
    "local_moran",
    "moran",
    "weights",
]

#: GeoDa's LISA cluster codes (libgeoda / rgeoda ``lisa_clusters``; esda ``geoda_quads=True``).
GEODA_CLUSTERS = {0: "Not significant", 1: "High-High", 2: "Low-Low", 3: "Low-High", 4: "High-Low"}
_COLOURS = {0: "#eeeeee", 1: "#ff0000", 2: "#0000ff", 3: "#a7adf9", 4: "#f4ada8"}


#: relative tolerance under which a simulated statistic counts as equal to the observed one
_TIE = 1e-10


def _rng(rng: Any) -> np.random.Generator:
    return rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)


# --------------------------------------------------------------------------- weights
def weights(w: Any, ids: Iterable | None = None) -> Any:
    """A row-standardised copy of ``w`` as a ``libpysal.weights.W``.

    ``w``: a ``libpysal`` ``W`` or ``Graph``; a dict ``{unit: [neighbours]}`` (binary)
    or ``{unit: {neighbour: weight}}``; a square numpy array or scipy sparse matrix
    (then ``ids`` names the rows, default ``0..n-1``). Row standardisation:
    ``w_ij / sum_j w_ij`` (Anselin 1988, *Spatial Econometrics*, ch. 3).
    """
    import scipy.sparse as sp
    from libpysal.weights import WSP, W

    if hasattr(w, "to_W") and not isinstance(w, W):  # libpysal.graph.Graph
        w = w.to_W()
    if isinstance(w, W):
        neigh = {k: list(v) for k, v in w.neighbors.items()}
        wts = {k: list(v) for k, v in w.weights.items()}
        order = list(w.id_order)
    elif isinstance(w, dict):
        order = list(w)
        neigh, wts = {}, {}
        for k, v in w.items():
            if isinstance(v, dict):
                neigh[k], wts[k] = list(v), [float(x) for x in v.values()]
            else:
                neigh[k] = list(v)
                wts[k] = [1.0] * len(neigh[k])
        unknown = sorted({str(j) for v in neigh.values() for j in v if j not in w})
        if unknown:
            raise ModelInputError(f"neighbour lists mention units that have no entry: {_labels(unknown)}")
    elif sp.issparse(w) or isinstance(w, np.ndarray):
        m = sp.csr_matrix(w, dtype=float)
        if m.shape[0] != m.shape[1]:
            raise ModelInputError(f"a weights matrix must be square, got shape {m.shape}")
        order = list(ids) if ids is not None else list(range(m.shape[0]))
        if len(order) != m.shape[0]:
            raise ModelInputError(f"{len(order)} ids for a {m.shape[0]} x {m.shape[0]} weights matrix")
        if (m.data < 0).any():
            raise ModelInputError("weights must be non-negative")
        m.setdiag(0)
        m.eliminate_zeros()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ww = WSP(m, id_order=order).to_W(silence_warnings=True)
        neigh = {k: list(v) for k, v in ww.neighbors.items()}
        wts = {k: list(v) for k, v in ww.weights.items()}
    else:
        raise ModelInputError(
            f"w must be a libpysal W or Graph, a dict of neighbour lists, or a square array/sparse matrix; "
            f"got {type(w).__name__}"
        )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = W(neigh, wts, id_order=order, silence_warnings=True)
        out.transform = "r"
    return out


def knn_islands(w: Any, centroids: pd.DataFrame, k: int = 1) -> tuple[Any, dict]:
    """Link each island of ``w`` to its ``k`` nearest units by centroid, both ways.

    ``centroids``: DataFrame indexed by unit with two coordinate columns (projected,
    e.g. British National Grid metres). Returns a new binary ``W`` and
    ``{island: [linked units]}``. Links are made symmetric (the mainland unit also gets
    the island as a neighbour), as GeoDa's "include islands" fix does in spirit.
    """
    from libpysal.weights import W
    from scipy.spatial import cKDTree

    if k < 1:
        raise ModelInputError(f"k must be >= 1, got {k}")
    neigh = {i: set(v) for i, v in w.neighbors.items()}
    isl = [i for i, v in neigh.items() if not v]
    ids = list(w.id_order)
    xy = centroids.loc[ids].to_numpy(dtype=float)[:, :2]
    tree = cKDTree(xy)
    linked = {}
    for i in isl:
        _, idx = tree.query(xy[ids.index(i)], k=k + 1)
        near = [ids[j] for j in np.atleast_1d(idx) if ids[j] != i][:k]
        linked[i] = near
        for j in near:
            neigh[i].add(j)
            neigh[j].add(i)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = W({i: sorted(v) for i, v in neigh.items()}, id_order=ids, silence_warnings=True)
    return out, linked


def contiguity(
    level: Literal["itl3", "itl2", "itl1"] = "itl3",
    *,
    kind: Literal["queen", "rook"] = "queen",
    islands: Literal["knn", "error"] = "knn",
    k: int = 1,
    snap: float = 50.0,
    mirrors: Iterable[str | os.PathLike] | None = None,
) -> Any:
    """Row-standardised contiguity weights between ITL units, from the ONS boundaries.

    Queen: units sharing at least a point; rook: sharing a stretch of border (Anselin
    1988). ``snap`` (metres): the ONS BUC boundaries are generalised to a few metres and
    neighbouring polygons often miss each other; with ``snap > 0`` two units count as
    queen neighbours when they are within ``snap`` metres of each other
    (``libpysal`` fuzzy contiguity with a buffer of ``snap/2``), and rook neighbours
    when, in addition, the snapped shared border is longer than ``4 * snap``. With
    ``snap=0`` exact ``libpysal`` ``Queen``/``Rook.from_dataframe`` weights.

    Islands (at ITL3 with the default snap: Isle of Wight ``TLJ34``, Na h-Eileanan Siar
    ``TLM64``, Orkney ``TLM65``, Shetland ``TLM66``): with ``islands="knn"`` each gets its
    ``k`` nearest units by centroid, symmetrically; ``islands="error"`` raises naming
    them. Northern Ireland stays a separate connected component (no land link to
    Great Britain); see ``w.n_components``. The returned ``libpysal`` ``W`` has ids = ITL
    codes, ``transform == "R"`` and an extra attribute ``islands_linked``
    (``{island: [neighbours added]}``).

    >>> w = contiguity("itl3")                                # doctest: +SKIP
    >>> w.islands_linked["TLM66"]                             # doctest: +SKIP
    ['TLM65']
    """
    from libpysal.weights import Queen, Rook

    from levelup.geo.boundaries import boundaries

    if kind not in ("queen", "rook"):
        raise ModelInputError(f"kind must be 'queen' or 'rook', got {kind!r}")
    if islands not in ("knn", "error"):
        raise ModelInputError(f"islands must be 'knn' or 'error', got {islands!r}")
    if snap < 0:
        raise ModelInputError(f"snap must be >= 0 metres, got {snap}")
    g = boundaries(level, mirrors=mirrors)
    ids = list(g.index)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if snap == 0:
            cls = Queen if kind == "queen" else Rook
            w = cls.from_dataframe(g, ids=ids, use_index=False, silence_warnings=True)
        else:
            w = _snapped(g, kind, snap)
    isl = [i for i in w.id_order if not w.neighbors[i]]
    if isl and islands == "error":
        raise ModelInputError(
            f"{len(isl)} unit(s) have no {kind} neighbour: {_labels(isl)}; "
            "use islands='knn' to link them to their nearest units"
        )
    linked: dict = {}
    if isl:
        cent = pd.DataFrame({"x": g.geometry.centroid.x, "y": g.geometry.centroid.y}, index=g.index)
        w, linked = knn_islands(w, cent, k=k)
    w = weights(w)
    w.islands_linked = linked
    return w


def _snapped(g: Any, kind: str, snap: float) -> Any:
    from libpysal.weights import W

    ids = list(g.index)
    geoms = g.geometry.buffer(snap / 2.0).to_numpy()
    from shapely import STRtree

    tree = STRtree(geoms)
    left, right = tree.query(geoms, predicate="intersects")
    neigh: dict = {i: [] for i in ids}
    for a, b in zip(left, right):
        if a == b:
            continue
        if kind == "rook":
            shared = geoms[a].intersection(geoms[b]).area / max(snap, 1e-9)  # ~ border length
            if shared <= 4 * snap:
                continue
        neigh[ids[a]].append(ids[b])
    return W(neigh, id_order=ids, silence_warnings=True)


# --------------------------------------------------------------------------- inputs
def _prepare(values: Any, w: Any, missing: Missing) -> tuple[pd.Series, Any, tuple]:
    """Align values on the weights' ids; NaN and island policies; row-standardised W."""
    from libpysal.weights import w_subset

    is_labelled = isinstance(values, pd.Series | pd.DataFrame)
    y = as_series(values, "values")
    ids_hint = list(y.index) if is_labelled else None
    W_ = weights(w, ids=ids_hint)
    ids = list(W_.id_order)
    if is_labelled:
        only_y = [u for u in y.index if u not in set(ids)]
        only_w = [u for u in ids if u not in set(y.index)]
        if only_y or only_w:
            raise ModelInputError(
                f"values and weights cover different units: only in values: {_labels(only_y) or '-'}; "
                f"only in weights: {_labels(only_w) or '-'}"
            )
        y = y.reindex(ids)
    else:
        if len(y) != len(ids):
            raise ModelInputError(f"values have length {len(y)} but the weights have {len(ids)} units")
        y.index = pd.Index(ids)
    if y.index.has_duplicates:
        raise ModelInputError(f"duplicated units: {_labels(y.index[y.index.duplicated()].unique())}")
    bad = ~np.isfinite(y.to_numpy())
    dropped: tuple = ()
    if bad.any():
        labels = tuple(y.index[bad])
        if missing == "raise":
            raise ModelInputError(
                f"values are missing or infinite for {len(labels)} unit(s): {_labels(labels)}; "
                "pass missing='drop' to drop them and their links (listed in the result's sample.dropped)"
            )
        if missing != "drop":
            raise ModelInputError(f"missing must be 'raise' or 'drop', got {missing!r}")
        dropped = labels
        y = y[~bad]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            W_ = weights(w_subset(W_, list(y.index), silence_warnings=True))
    isl = [i for i in W_.id_order if not W_.neighbors[i]]
    if isl:
        raise ModelInputError(
            f"{len(isl)} unit(s) have no neighbours{' after dropping missing values' if dropped else ''}: "
            f"{_labels(isl)}; link them first (contiguity(islands='knn') or knn_islands())"
        )
    if len(y) < 3:
        raise ModelInputError(f"need at least 3 units, got {len(y)}")
    if np.allclose(y.to_numpy(), y.iloc[0]):
        raise ModelInputError("values are constant: Moran's I is undefined")
    return y, W_, dropped


# --------------------------------------------------------------------------- global Moran
@dataclass(frozen=True)
class Moran(Result):
    """Global Moran's I with normal, randomisation and permutation inference."""

    title = "Global Moran's I"
    I: float  # noqa: E741
    expected: float
    z: float
    p_norm: float
    z_rand: float
    p_rand: float
    p_sim: float
    z_sim: float
    permutations: int
    n: int
    variance_norm: float = field(repr=False, default=np.nan)
    variance_rand: float = field(repr=False, default=np.nan)
    values: pd.Series = field(repr=False, default=None)
    lag: pd.Series = field(repr=False, default=None)
    simulated: np.ndarray = field(repr=False, default=None)
    sample: Sample = field(default_factory=Sample, repr=False)

    def __float__(self) -> float:
        return float(self.I)

    def notes(self) -> list[str]:
        sim = (
            f"p_sim: pseudo p-value from {self.permutations} random permutations, "
            "(min(#sims >= I, #sims <= I) + 1) / (permutations + 1), as esda"
            if self.permutations
            else "no permutations (p_sim is NaN)"
        )
        return [
            "Estimator: I = (n / S0) z'Wz / z'z, z deviations from the mean, W row-standardised (Moran 1950; Cliff and Ord 1981)",
            "z, p_norm: normality assumption; z_rand, p_rand: randomisation assumption (two-sided p)",
            sim,
            *super().notes(),
        ]

    def plot(
        self, ax: Any = None, *, highlight: Iterable | None = None, annotate: bool = False, **kwargs: Any
    ) -> Any:
        """Moran scatter plot: standardised values against their spatial lag, slope I."""
        ax = new_axes(ax, figsize=(5.0, 5.0))
        v = self.values
        z = (v - v.mean()) / v.std(ddof=0)
        lag = (self.lag - v.mean()) / v.std(ddof=0)
        ax.scatter(z, lag, s=18, color="0.45", alpha=0.8, **kwargs)
        xs = np.array([z.min(), z.max()])
        ax.plot(xs, self.I * xs, color="#d6604d", label=f"slope = Moran's I = {self.I:.3f}")
        ax.axhline(0, color="0.7", lw=0.8)
        ax.axvline(0, color="0.7", lw=0.8)
        for u in highlight or ():
            if u in z.index:
                ax.scatter([z[u]], [lag[u]], s=60, color="#d7191c", zorder=3)
                ax.annotate(str(u), (z[u], lag[u]), xytext=(4, 4), textcoords="offset points")
        if annotate:
            for u in z.index:
                ax.annotate(str(u), (z[u], lag[u]), fontsize=6, alpha=0.7)
        ax.set_xlabel("value (standardised)")
        ax.set_ylabel("spatial lag (standardised)")
        ax.legend(frameon=False, loc="upper left")
        return ax


def _p_sim(sims: np.ndarray, obs: np.ndarray) -> np.ndarray:
    perms = sims.shape[0]
    larger = (sims >= obs - _TIE * np.maximum(1.0, np.abs(obs))).sum(axis=0)  # ties count as >=
    low = (perms - larger) < larger
    larger = np.where(low, perms - larger, larger)
    return (larger + 1.0) / (perms + 1.0)


def moran(
    values: Any,
    w: Any,
    *,
    permutations: int = 999,
    rng: Any = None,
    missing: Missing = "raise",
) -> Moran:
    """Global Moran's I (Moran 1950, *Biometrika* 37:17-23; Cliff and Ord 1981).

    ``I = (n / S0) * sum_ij w_ij z_i z_j / sum_i z_i^2``, ``z = y - mean(y)``, ``W``
    row-standardised (so ``S0 = n``), ``E[I] = -1/(n-1)``. ``z``/``p_norm`` use the
    variance under normality, ``z_rand``/``p_rand`` under randomisation (both two-sided,
    from ``esda.Moran``); ``p_sim`` is the folded pseudo p-value of ``permutations``
    random relabellings drawn from ``rng`` (``permutations=0`` skips them).

    ``values``: Series indexed by unit (e.g. ITL3 code; aligned on ``w``'s ids) or an
    array in ``w``'s order; ``(n,)`` and ``(n, 1)`` are the same.

    >>> import numpy as np
    >>> r = moran(np.arange(9.0), np.kron(np.eye(3), np.ones((3, 3))) - np.eye(9), rng=1)
    >>> round(r.I, 4)  # by hand: 51/60
    0.85
    """
    import esda

    if permutations < 0:
        raise ModelInputError(f"permutations must be >= 0, got {permutations}")
    y, W_, dropped = _prepare(values, w, missing)
    arr = y.to_numpy(dtype=float)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        m = esda.Moran(arr, W_, transformation="r", permutations=0, two_tailed=True)
    S = W_.sparse.tocsr()
    lag = pd.Series(S @ arr, index=y.index)
    p_sim = z_sim = np.nan
    sims = None
    if permutations:
        g = _rng(rng)
        z = arr - arr.mean()
        Z = np.stack([g.permutation(z) for _ in range(permutations)])  # (perms, n)
        sims = (len(z) / S.sum()) * np.einsum("pi,pi->p", Z, (S @ Z.T).T) / (z @ z)
        p_sim = float(_p_sim(sims[:, None], np.array([m.I]))[0])
        z_sim = float((m.I - sims.mean()) / sims.std(ddof=1)) if sims.std() > 0 else np.nan
    return Moran(
        I=float(m.I),
        expected=float(m.EI),
        z=float(m.z_norm),
        p_norm=float(m.p_norm),
        z_rand=float(m.z_rand),
        p_rand=float(m.p_rand),
        p_sim=p_sim,
        z_sim=z_sim,
        permutations=int(permutations),
        n=len(y),
        variance_norm=float(m.VI_norm),
        variance_rand=float(m.VI_rand),
        values=y,
        lag=lag,
        simulated=sims,
        sample=Sample(units=tuple(y.index), dropped=dropped),
    )


# --------------------------------------------------------------------------- local Moran
@dataclass(frozen=True)
class LocalMoran(Result):
    """Local Moran's I (LISA) per unit, with GeoDa cluster codes and labels.

    ``table`` columns: ``value, lag, I, quadrant`` (GeoDa codes 1 High-High, 2 Low-Low,
    3 Low-High, 4 High-Low, from the unit's value and its lag relative to the mean),
    ``p_sim``, ``p_adjusted`` (Benjamini-Hochberg when ``fdr``, else ``p_sim``),
    ``significant``, ``cluster`` (the quadrant when significant, else 0) and ``label``.
    """

    title = "Local Moran's I (LISA)"
    table: pd.DataFrame = field(repr=False)
    alpha: float
    fdr: bool
    permutations: int
    n_significant: int
    sample: Sample = field(default_factory=Sample, repr=False)

    def to_frame(self) -> pd.DataFrame:
        return self.table

    @property
    def labels(self) -> pd.Series:
        """Cluster label per unit ("High-High", ..., "Not significant")."""
        return self.table["label"]

    def notes(self) -> list[str]:
        p = "Benjamini-Hochberg FDR-adjusted p" if self.fdr else "p_sim"
        return [
            "Estimator: I_i = z_i sum_j w_ij z_j / (sum_k z_k^2 / (n-1)), W row-standardised (Anselin 1995); via esda.Moran_Local",
            f"Inference: conditional permutation, {self.permutations} draws; cluster when {p} <= {self.alpha:g}",
            "Cluster codes as GeoDa: 0 Not significant, 1 High-High, 2 Low-Low, 3 Low-High, 4 High-Low",
            *super().notes(),
        ]

    def plot(self, ax: Any = None, *, kind: Literal["scatter", "map"] = "scatter", **kwargs: Any) -> Any:
        """Moran scatter coloured by cluster (``kind="scatter"``) or a LISA cluster map
        (``kind="map"``, ITL3 units; ``mirrors=`` passes through to the boundaries)."""
        t = self.table
        if kind == "map":
            colours = t["cluster"].map(_COLOURS)
            return choropleth(t["value"], colors=colours, ax=ax, legend_labels=True, **kwargs)
        ax = new_axes(ax, figsize=(5.0, 5.0))
        mu, sd = t["value"].mean(), t["value"].std(ddof=0)
        z, lag = (t["value"] - mu) / sd, (t["lag"] - mu) / sd
        for code, label in GEODA_CLUSTERS.items():
            m = t["cluster"] == code
            if m.any():
                ax.scatter(z[m], lag[m], s=18, color=_COLOURS[code], edgecolor="0.4", lw=0.3, label=label)
        ax.axhline(0, color="0.7", lw=0.8)
        ax.axvline(0, color="0.7", lw=0.8)
        ax.set_xlabel("value (standardised)")
        ax.set_ylabel("spatial lag (standardised)")
        ax.legend(frameon=False, fontsize="small")
        return ax


def local_moran(
    values: Any,
    w: Any,
    *,
    permutations: int = 999,
    rng: Any = None,
    alpha: float = 0.05,
    fdr: bool = False,
    missing: Missing = "raise",
) -> LocalMoran:
    """Local Moran's I with conditional-permutation p-values and cluster labels.

    ``I_i = (z_i / m2) sum_j w_ij z_j``, ``m2 = sum_k z_k^2 / (n - 1)`` (Anselin 1995,
    *Geographical Analysis* 27(2):93-115), ``I_i`` and quadrants from ``esda.Moran_Local``;
    the conditional permutations are drawn here from ``rng`` in numpy (esda's numba
    routine costs ~20 s of compilation per process and takes no numpy Generator). A unit is a cluster when its pseudo p-value is ``<= alpha``; with
    ``fdr=True`` the p-values are first adjusted with Benjamini and Hochberg (1995).

    >>> import numpy as np
    >>> w = np.kron(np.eye(2), np.ones((4, 4))) - np.eye(8)
    >>> r = local_moran([1, 1, 2, 1, 9, 8, 9, 9.0], w, permutations=99, rng=0)
    >>> r.table["quadrant"].tolist()
    [2, 2, 2, 2, 1, 1, 1, 1]
    """
    import esda
    from statsmodels.stats.multitest import multipletests

    if not 0 < alpha < 1:
        raise ModelInputError(f"alpha must be in (0, 1), got {alpha}")
    if permutations < 1:
        raise ModelInputError("local_moran needs permutations >= 1 for its p-values")
    y, W_, dropped = _prepare(values, w, missing)
    arr = y.to_numpy(dtype=float)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        lm = esda.Moran_Local(arr, W_, transformation="r", permutations=0, geoda_quads=True)
    p = _conditional_p(arr, W_, np.asarray(lm.Is, dtype=float), permutations, _rng(rng))
    p_adj = multipletests(p, alpha=alpha, method="fdr_bh")[1] if fdr else p
    sig = p_adj <= alpha
    quad = np.asarray(lm.q, dtype=int)
    cluster = np.where(sig, quad, 0)
    table = pd.DataFrame(
        {
            "value": y,
            "lag": W_.sparse.tocsr() @ y.to_numpy(dtype=float),
            "I": lm.Is,
            "quadrant": quad,
            "p_sim": p,
            "p_adjusted": p_adj,
            "significant": sig,
            "cluster": cluster,
            "label": [GEODA_CLUSTERS[c] for c in cluster],
        },
        index=y.index,
    )
    return LocalMoran(
        table=table,
        alpha=float(alpha),
        fdr=bool(fdr),
        permutations=int(permutations),
        n_significant=int(sig.sum()),
        sample=Sample(units=tuple(y.index), dropped=dropped),
    )


def _conditional_p(
    y: np.ndarray, W_: Any, Is: np.ndarray, permutations: int, rng: np.random.Generator
) -> np.ndarray:
    """Folded pseudo p-values of local Moran by conditional permutation (Anselin 1995).

    For unit i, z_i stays put and its k_i neighbour values are drawn without
    replacement from the other n-1 units; one random ordering of n-1 slots is shared by
    all units in a draw (as esda does), shifted past i. Plain numpy, no JIT warm-up.
    """
    n = len(y)
    z = (y - y.mean()) / y.std()
    scale = (n - 1) / (z @ z)
    card = np.array([len(W_.neighbors[i]) for i in W_.id_order])
    kmax = int(card.max())
    rids = np.argsort(rng.random((permutations, n - 1)), axis=1)[:, :kmax]  # (perms, kmax)
    larger = np.empty(n)
    for i, uid in enumerate(W_.id_order):
        k = card[i]
        idx = rids[:, :k]
        idx = idx + (idx >= i)
        wi = np.asarray(W_.weights[uid], dtype=float)
        sims = z[i] * (z[idx] @ wi) * scale  # (perms,)
        larger[i] = np.sum(sims >= Is[i] - _TIE * max(1.0, abs(Is[i])))  # ties count as >=
    low = (permutations - larger) < larger
    larger = np.where(low, permutations - larger, larger)
    return (larger + 1.0) / (permutations + 1.0)


# --------------------------------------------------------------------------- maps
def choropleth(
    values: pd.Series,
    *,
    highlight: str | Iterable[str] | None = None,
    level: Literal["itl3", "itl2", "itl1"] | None = None,
    ax: Any = None,
    cmap: str = "viridis",
    colors: pd.Series | None = None,
    legend_labels: bool = False,
    title: str | None = None,
    mirrors: Iterable[str | os.PathLike] | None = None,
) -> Any:
    """Map of values by ITL unit (Series indexed by code), with regions highlighted.

    ``level`` is inferred from the code length when omitted (``TLC11`` ITL3, ``TLC1``
    ITL2, ``TLC`` ITL1). Units without a value are drawn hatched grey; unknown codes
    raise. ``highlight``: one code or several, outlined in red. ``colors``: a Series of
    colours by code instead of a colour scale (used for LISA cluster maps).
    """
    from levelup.geo.boundaries import boundaries

    v = as_series(values, "values")
    if level is None:
        lens = {len(str(c)) for c in v.index}
        lookup = {5: "itl3", 4: "itl2", 3: "itl1"}
        if len(lens) != 1 or next(iter(lens)) not in lookup:
            raise ModelInputError("cannot tell the ITL level from the codes; pass level=")
        level = lookup[next(iter(lens))]  # type: ignore[assignment]
    g = boundaries(level, mirrors=mirrors)
    unknown = [c for c in v.index if c not in g.index]
    if unknown:
        raise ModelInputError(f"codes not in the {level} boundaries: {_labels(unknown)}")
    g = g.assign(value=v.reindex(g.index))
    ax = new_axes(ax, figsize=(5.0, 7.0))
    missing_units = g[g["value"].isna()]
    if len(missing_units):
        missing_units.plot(ax=ax, color="#dddddd", hatch="///", edgecolor="white", linewidth=0.2)
    have = g[g["value"].notna()]
    if colors is not None:
        have.plot(
            ax=ax,
            color=colors.reindex(have.index).fillna("#dddddd").tolist(),
            edgecolor="white",
            linewidth=0.2,
        )
        if legend_labels:
            from matplotlib.patches import Patch

            ax.legend(
                handles=[Patch(color=_COLOURS[k], label=lab) for k, lab in GEODA_CLUSTERS.items()],
                loc="upper left",
                fontsize="small",
                frameon=False,
            )
    else:
        have.plot(
            ax=ax,
            column="value",
            cmap=cmap,
            edgecolor="white",
            linewidth=0.2,
            legend=True,
            legend_kwds={"shrink": 0.6},
        )
    if highlight is not None:
        hl = [highlight] if isinstance(highlight, str) else list(highlight)
        bad = [h for h in hl if h not in g.index]
        if bad:
            raise ModelInputError(f"highlight codes not in the {level} boundaries: {_labels(bad)}")
        g.loc[hl].boundary.plot(ax=ax, color="#d7191c", linewidth=1.6)
    ax.set_axis_off()
    ax.set_aspect("equal")
    if title:
        ax.set_title(title)
    return ax
