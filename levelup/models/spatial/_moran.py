"""Global and local Moran's I (with esda) and the Moran scatter plot."""

from __future__ import annotations

import warnings
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from levelup.errors import ModelInputError
from levelup.models._checks import Missing, _labels, as_series
from levelup.models.spatial._maps import _COLOURS, GEODA_CLUSTERS, choropleth
from levelup.models.spatial._weights import weights
from levelup.results import Result, Sample, new_axes

#: relative tolerance under which a simulated statistic counts as equal to the observed one
_TIE = 1e-10


def _rng(rng: Any) -> np.random.Generator:
    return rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)



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
