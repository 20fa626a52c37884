"""Spatial weights: libpysal W objects from matrices or tables, contiguity from polygons, islands linked to their nearest units."""

from __future__ import annotations

import os
import warnings
from collections.abc import Iterable
from typing import Any, Literal

import numpy as np
import pandas as pd

from levelup.errors import ModelInputError
from levelup.models._checks import _labels


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
