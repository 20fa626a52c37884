"""Discrete Markov chains of relative classes (Quah 1993; Rey 2001)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from levelup.errors import ModelInputError, ParameterError
from levelup.models._checks import (
    Missing,
)
from levelup.models.convergence._common import (
    _sample,
    _wide,
)
from levelup.results import Result, Sample, new_axes


# ------------------------------------------------------------------ Markov
@dataclass(frozen=True)
class MarkovChain(Result):
    """Discrete Markov chain of class transitions (see :func:`markov`)."""

    title = "Markov chain of relative classes"
    p: pd.DataFrame
    counts: pd.DataFrame
    steady_state: pd.Series
    fmpt: pd.DataFrame
    k: int
    ergodic: bool
    recurrent_classes: list
    transient: list
    stationary: pd.DataFrame
    classes: pd.DataFrame
    cuts: pd.DataFrame | None
    method: str
    sample: Sample
    dropped: tuple = ()
    chain_notes: tuple = ()

    def to_frame(self) -> pd.DataFrame:
        out = self.p.copy()
        out["n"] = self.counts.sum(axis=1)
        out["steady_state"] = self.steady_state
        return out

    def notes(self) -> list[str]:
        return [f"Classes: {self.method}; transitions pooled over consecutive periods",
                *self.chain_notes, *super().notes()]

    def plot(self, ax: Any = None, **kwargs: Any) -> Any:
        """Heat map of the transition matrix with probabilities written in."""
        ax = new_axes(ax, figsize=(5, 4.5))
        P = self.p.to_numpy(dtype=float)
        im = ax.imshow(P, vmin=0, vmax=1, cmap="Blues", **kwargs)
        for i in range(P.shape[0]):
            for j in range(P.shape[1]):
                if np.isfinite(P[i, j]):
                    ax.text(j, i, f"{P[i, j]:.2f}", ha="center", va="center", fontsize=7,
                            color="white" if P[i, j] > 0.5 else "black")
        ax.set_xticks(range(self.k), list(self.p.columns))
        ax.set_yticks(range(self.k), list(self.p.index))
        ax.set_xlabel("class at t+1")
        ax.set_ylabel("class at t")
        ax.figure.colorbar(im, ax=ax)
        return ax


def _classify(wide: pd.DataFrame, k, bins, discrete) -> tuple[np.ndarray, list, pd.DataFrame | None, str]:
    V = wide.to_numpy()
    if discrete:
        cats = [wide[c].cat.categories for c in wide.columns if isinstance(wide[c].dtype, pd.CategoricalDtype)]
        if len(cats) == wide.shape[1] and all(c.equals(cats[0]) for c in cats):
            states = list(cats[0])  # categorical states: the declared order, unobserved ones included
        else:
            try:
                states = sorted(pd.unique(V.ravel()).tolist())
            except TypeError as exc:
                raise ModelInputError(
                    "discrete states must be of one sortable type (numbers or labels), or ordered "
                    "categoricals with the same categories in every period"
                ) from exc
        pos = {s: i for i, s in enumerate(states)}
        ids = np.vectorize(pos.__getitem__, otypes=[int])(V)
        return ids, states, None, f"given (already discrete) states, in the order {states}"
    if bins is not None:
        cuts = np.asarray(bins, dtype=float)
        if cuts.ndim != 1 or np.any(np.diff(cuts) <= 0):
            raise ParameterError("bins must be increasing cut-offs (the k-1 inner class bounds)")
        ids = np.searchsorted(cuts, V, side="left")
        kk = len(cuts) + 1
        cf = pd.DataFrame(np.repeat(cuts[None, :], V.shape[1], axis=0), index=wide.columns)
        return ids, list(range(kk)), cf, f"user cut-offs {list(cuts)} (right-closed)"
    if not (isinstance(k, int | np.integer) and k >= 2):
        raise ParameterError(f"k must be an integer >= 2, got {k!r}")
    q = np.percentile(V, 100 * np.arange(1, k) / k, axis=0)  # (k-1) x T, linear interpolation
    ids = np.empty(V.shape, dtype=int)
    for t in range(V.shape[1]):
        ids[:, t] = np.searchsorted(q[:, t], V[:, t], side="left")
    cf = pd.DataFrame(q.T, index=wide.columns)
    return ids, list(range(k)), cf, (f"{k} quantile classes per period (linear interpolation, right-closed; "
                                     "ties at a cut-off go to the lower class)")


def _stationary(P: np.ndarray) -> np.ndarray:
    k = P.shape[0]
    A = np.vstack([P.T - np.eye(k), np.ones((1, k))])
    b = np.r_[np.zeros(k), 1.0]
    return np.linalg.lstsq(A, b, rcond=None)[0]


def _first_passage(P: np.ndarray) -> np.ndarray:
    """Mean first passage times m_ij (diagonal: mean recurrence times); inf where j is not reached
    almost surely from i (Kemeny and Snell 1976, ch. 4, solved per target state)."""
    k = P.shape[0]
    M = np.full((k, k), np.inf)
    A = P > 0
    for j in range(k):
        # states that can reach j (reverse breadth-first search), then hitting probabilities of j
        can, frontier = {j}, [j]
        while frontier:
            nxt = [i for i in range(k) if i not in can and any(A[i, f] for f in frontier)]
            can.update(nxt)
            frontier = nxt
        others = [i for i in sorted(can) if i != j]
        if others:
            Q = P[np.ix_(others, others)]
            hp = np.linalg.solve(np.eye(len(others)) - Q, P[others, j])
            sure = [i for i, h in zip(others, hp) if h > 1 - 1e-10]
            if sure:
                Qs = P[np.ix_(sure, sure)]
                M[sure, j] = np.linalg.solve(np.eye(len(sure)) - Qs, np.ones(len(sure)))
        others = [i for i in range(k) if i != j]
        finite = np.isfinite(M[:, j])
        row = P[j]
        reach = [i for i in others if row[i] > 0]
        if all(finite[i] for i in reach):
            M[j, j] = 1.0 + sum(row[i] * M[i, j] for i in reach)
    return M


def markov(
    panel: pd.DataFrame,
    *,
    k: int = 5,
    bins: Sequence[float] | None = None,
    discrete: bool = False,
    missing: Missing = "raise",
) -> MarkovChain:
    r"""Classic discrete Markov chain of relative positions (Quah 1993; Rey 2001).

    Each period's values are classed separately into ``k`` quantile classes
    (linear-interpolation quantiles, right-closed classes, as ``mapclassify.Quantiles``;
    values tied at a cut-off go to the lower class, and coinciding cut-offs leave empty
    classes rather than renumbering) or by fixed ``bins`` (the k-1 inner cut-offs), or
    taken as given with ``discrete=True`` (numbers or labels such as ``"low"``/``"high"``,
    ordered as sorted, or categoricals in their declared order). Transitions are pooled over
    consecutive periods:
    :math:`\hat p_{ij} = n_{ij} / \sum_j n_{ij}`. The steady state solves
    :math:`\pi = \pi P`, :math:`\sum \pi = 1`; mean first passage times (Kemeny and Snell
    1976) are ``inf`` where a class cannot be reached for sure, diagonal = recurrence times.
    Non-ergodic chains are reported, not failed: several recurrent classes give a NaN
    ``steady_state`` and one row per recurrent class in ``stationary``; classes never
    observed as an origin get a NaN row in ``p`` and are treated as absorbing for the chain
    analysis (as giddy's ``fill_empty_classes``).

    Example
    -------
    >>> import pandas as pd
    >>> p = pd.DataFrame({1: [1.0, 2, 3, 4], 2: [2.0, 1, 3, 4], 3: [1.0, 2, 4, 3]})
    >>> markov(p, k=2).p.to_numpy().tolist()
    [[1.0, 0.0], [0.0, 1.0]]
    """
    from scipy.sparse.csgraph import connected_components

    wide, dropped = _wide(panel, missing=missing, min_units=2 if discrete else 3, numeric=not discrete)
    ids, states, cuts, method = _classify(wide, k, bins, discrete)
    kk = len(states)
    counts = np.zeros((kk, kk))
    np.add.at(counts, (ids[:, :-1].ravel(), ids[:, 1:].ravel()), 1)
    rows = counts.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        P = counts / rows[:, None]
    notes: list[str] = []
    empty = [states[i] for i in np.flatnonzero(rows == 0)]
    Pc = np.where(np.isnan(P), 0.0, P)
    if empty:
        Pc[rows == 0, rows == 0] = 1.0
        notes.append(f"classes never observed as an origin (NaN rows, treated as absorbing): {empty}")
    ncomp, lab = connected_components(Pc > 0, directed=True, connection="strong")
    comps = [np.flatnonzero(lab == c) for c in range(ncomp)]
    closed = [c for c in comps if Pc[np.ix_(c, np.setdiff1d(np.arange(kk), c))].sum() == 0]
    recurrent = [[states[i] for i in c] for c in closed]
    transient = sorted(states[i] for i in np.setdiff1d(np.arange(kk), np.concatenate(closed)))
    stat_rows = []
    for c in closed:
        pi = np.zeros(kk)
        pi[c] = _stationary(Pc[np.ix_(c, c)])
        stat_rows.append(pi)
    stationary = pd.DataFrame(stat_rows, columns=states, index=[f"recurrent class {i + 1}" for i in range(len(closed))])
    ergodic = len(closed) == 1 and not transient and not empty
    if len(closed) == 1:
        ss = stationary.iloc[0].rename("steady_state")
    else:
        ss = pd.Series(np.nan, index=states, name="steady_state")
        notes.append(f"not ergodic: {len(closed)} recurrent classes {recurrent}; no unique steady state "
                     "(see `stationary`, one distribution per recurrent class)")
    if transient:
        notes.append(f"not ergodic: transient classes {transient} (steady-state mass 0)")
    if ergodic:
        notes.append("ergodic (irreducible): unique steady state and finite first passage times")
    fm = pd.DataFrame(_first_passage(Pc), index=states, columns=states)
    if not ergodic:
        notes.append("first passage times are inf where a class is not reached for sure")
    return MarkovChain(
        p=pd.DataFrame(P, index=states, columns=states), counts=pd.DataFrame(counts, index=states, columns=states),
        steady_state=ss, fmpt=fm, k=kk, ergodic=ergodic, recurrent_classes=recurrent, transient=transient,
        stationary=stationary, classes=pd.DataFrame(ids, index=wide.index, columns=wide.columns), cuts=cuts,
        method=method, sample=_sample(wide.index, wide.columns, dropped), dropped=dropped, chain_notes=tuple(notes),
    )
