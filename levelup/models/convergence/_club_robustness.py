"""Robustness of convergence clubs: c*/trim grid, bootstrap, rolling windows, determinants."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from levelup.errors import ModelInputError, ParameterError
from levelup.models._checks import (
    Missing,
    handle_missing,
)
from levelup.models.convergence import _clubs_core as _clubs
from levelup.models.convergence._common import (
    _choice,
    _reindex_named,
    _sample,
)
from levelup.models.convergence._phillips_sul import Clubs, _clubs_input, _run_clubs, clubs
from levelup.results import Result, Sample, new_axes


# ------------------------------------------------------------------ club robustness
def _labels_array(clubs_list, divergent, units) -> np.ndarray:
    pos = {u: i for i, u in enumerate(units)}
    lab = np.zeros(len(units), dtype=int)  # 0 = divergent
    for k, c in enumerate(clubs_list, start=1):
        lab[[pos[u] for u in c]] = k
    return lab


def _same_club(lab: np.ndarray) -> np.ndarray:
    """Pairwise co-membership (divergent units are in no club with anyone)."""
    return (lab[:, None] == lab[None, :]) & (lab[:, None] > 0)


def _rand(a: np.ndarray, b: np.ndarray) -> float:
    A, B = _same_club(a), _same_club(b)
    iu = np.triu_indices(len(a), 1)
    return float((A[iu] == B[iu]).mean())


@dataclass(frozen=True)
class ClubsGrid(Result):
    """Club results over a grid of c* and trim values (see :func:`clubs_grid`)."""

    title = "Convergence clubs over c* and trim"
    table: pd.DataFrame
    membership: pd.DataFrame
    hac: str
    merge: str | None
    sample: Sample
    dropped: tuple = ()

    def to_frame(self) -> pd.DataFrame:
        return self.table

    def notes(self) -> list[str]:
        return ["agreement: share of unit pairs classified alike (same club / not) as the first setting "
                "(Rand index)", *super().notes()]

    def plot(self, ax: Any = None, **kwargs: Any) -> Any:
        """Number of clubs against c*, one line per trim."""
        ax = new_axes(ax)
        for trim, g in self.table.groupby("trim"):
            ax.plot(g["cstar"], g["n_clubs"], marker="o", label=f"trim {trim:.3g}", **kwargs)
        ax.set_xlabel("c*")
        ax.set_ylabel("number of clubs")
        ax.legend(fontsize=8)
        return ax


def clubs_grid(
    panel: pd.DataFrame,
    *,
    cstars: Sequence[float] = (0.0, 0.5, 1.0, 1.65),
    trims: Sequence[float] = (0.2, 0.25, 1 / 3, 0.4),
    hac: Literal["fqsb", "aqsb"] = "fqsb",
    merge: Literal["ps", "vlt"] | None = None,
    missing: Missing = "raise",
) -> ClubsGrid:
    """:func:`clubs` over every (c*, trim) pair: number and sizes of clubs, divergent units, and
    agreement (Rand index of co-membership) with the first pair. ``membership`` has one column
    per pair (club number, 0 = divergent). Clubs are formed as :func:`clubs` does by default
    (``cstar_method="incremental"``: every club passes its own log t test).

    Example
    -------
    >>> import numpy as np, pandas as pd
    >>> t = np.arange(1, 31)
    >>> p = pd.DataFrame([10 + (0.5 + 0.1 * i) / t for i in range(5)], columns=t)
    >>> clubs_grid(p, cstars=(0, 1), trims=(1 / 3,)).table["n_clubs"].tolist()
    [1, 1]
    """
    wide, dropped = _clubs_input(panel, missing, min_units=3)
    X, units = wide.to_numpy(), list(wide.index)
    rows, mem, base = [], {}, None
    for trim in trims:
        _clubs.trim_start(X.shape[1], trim)
        for c in cstars:
            _, merged, div = _run_clubs(X, trim=trim, cstar=c, hac=hac, merge=merge, merge_div=False)
            lab = _labels_array([[units[i] for i in g] for g in merged], [units[i] for i in div], units)
            base = lab if base is None else base
            rows.append({"cstar": float(c), "trim": float(trim), "n_clubs": len(merged),
                         "sizes": ", ".join(str(len(g)) for g in merged), "n_divergent": len(div),
                         "agreement": _rand(base, lab)})
            mem[(float(c), float(trim))] = lab
    membership = pd.DataFrame(mem, index=wide.index)
    membership.columns.names = ["cstar", "trim"]
    return ClubsGrid(table=pd.DataFrame(rows), membership=membership, hac=hac, merge=merge,
                     sample=_sample(wide.index, wide.columns, dropped), dropped=dropped)


@dataclass(frozen=True)
class ClubsBootstrap(Result):
    """Stability of club memberships under resampling of units (see :func:`clubs_bootstrap`)."""

    title = "Convergence clubs: bootstrap stability"
    stability: pd.Series
    co_membership: pd.DataFrame
    n_clubs: pd.Series
    baseline: Clubs
    n_boot: int
    fraction: float
    sample: Sample
    dropped: tuple = ()

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame({"club": self.baseline.membership, "stability": self.stability})

    def notes(self) -> list[str]:
        return [
            f"{self.n_boot} subsamples of {self.fraction:.0%} of units without replacement; stability = mean "
            "share of draws in which a unit shares a club with its baseline club-mates (both drawn)",
            *super().notes(),
        ]

    def plot(self, ax: Any = None, **kwargs: Any) -> Any:
        """Co-membership matrix ordered by baseline club."""
        ax = new_axes(ax, figsize=(6, 5.5))
        order = [u for c in self.baseline.clubs for u in c] + list(self.baseline.divergent)
        im = ax.imshow(self.co_membership.loc[order, order].to_numpy(), vmin=0, vmax=1, cmap="viridis", **kwargs)
        ax.figure.colorbar(im, ax=ax, label="share of draws in the same club")
        ax.set_xticks([])
        ax.set_yticks([])
        return ax


def clubs_bootstrap(
    panel: pd.DataFrame,
    *,
    n_boot: int = 200,
    fraction: float = 0.8,
    rng: int | np.random.Generator | None = None,
    trim: float = 1 / 3,
    cstar: float = 0.0,
    hac: Literal["fqsb", "aqsb"] = "fqsb",
    merge: Literal["ps", "vlt"] | None = None,
    missing: Missing = "raise",
) -> ClubsBootstrap:
    """Bootstrap stability of club membership: rerun :func:`clubs` on ``n_boot`` random
    subsamples of ``fraction`` of the units (without replacement, so no unit is duplicated;
    m-out-of-n subsampling, Politis and Romano 1994) and record, for each pair of units drawn
    together, how often they land in the same club. ``stability`` of a unit is its mean
    co-membership share with its baseline club-mates. Seeded by ``rng``.

    Example
    -------
    >>> import numpy as np, pandas as pd
    >>> t = np.arange(1, 31)
    >>> p = pd.DataFrame([10 + (0.5 + 0.1 * i) / t for i in range(5)], columns=t)
    >>> float(clubs_bootstrap(p, n_boot=5, rng=1).stability.min())
    1.0
    """
    if not 0 < fraction <= 1:
        raise ParameterError(f"fraction must be in (0, 1], got {fraction!r}")
    gen = np.random.default_rng(rng)
    base = clubs(panel, trim=trim, cstar=cstar, hac=hac, merge=merge, missing=missing)
    wide = base.panel
    X, units = wide.to_numpy(), list(wide.index)
    N = len(units)
    m = max(2, int(round(fraction * N)))
    same = np.zeros((N, N))
    both = np.zeros((N, N))
    ncl = []
    for _ in range(int(n_boot)):
        idx = np.sort(gen.choice(N, size=m, replace=False))
        _, merged, div = _run_clubs(X[idx], trim=trim, cstar=cstar, hac=hac, merge=merge, merge_div=False)
        lab = np.zeros(m, dtype=int)
        for k, g in enumerate(merged, start=1):
            lab[g] = k
        ncl.append(len(merged))
        same[np.ix_(idx, idx)] += _same_club(lab)
        both[np.ix_(idx, idx)] += 1
    with np.errstate(invalid="ignore", divide="ignore"):
        co = same / both
    co_df = pd.DataFrame(co, index=wide.index, columns=wide.index)
    blab = _labels_array(base.clubs, base.divergent, units)
    stab = []
    for i in range(N):
        mates = np.flatnonzero((blab == blab[i]) & (np.arange(N) != i)) if blab[i] > 0 else np.array([], int)
        stab.append(float(np.nanmean(co[i, mates])) if mates.size else float("nan"))
    return ClubsBootstrap(stability=pd.Series(stab, index=wide.index, name="stability"), co_membership=co_df,
                          n_clubs=pd.Series(ncl, name="n_clubs").value_counts().sort_index(), baseline=base,
                          n_boot=int(n_boot), fraction=float(fraction), sample=base.sample, dropped=base.dropped)


@dataclass(frozen=True)
class RollingClubs(Result):
    """Clubs found in rolling windows of periods (see :func:`rolling_clubs`)."""

    title = "Convergence clubs in rolling windows"
    membership: pd.DataFrame
    table: pd.DataFrame
    window: int
    sample: Sample
    dropped: tuple = ()

    def to_frame(self) -> pd.DataFrame:
        return self.table

    def plot(self, ax: Any = None, **kwargs: Any) -> Any:
        """Membership (club number, 0 = divergent) of each unit by window end."""
        ax = new_axes(ax, figsize=(7, 5))
        im = ax.imshow(self.membership.to_numpy(dtype=float), aspect="auto", cmap="viridis", **kwargs)
        ax.set_xticks(range(self.membership.shape[1]), [str(c) for c in self.membership.columns], rotation=90,
                      fontsize=6)
        ax.set_yticks([])
        ax.figure.colorbar(im, ax=ax, label="club (0 = divergent)")
        return ax


def rolling_clubs(
    panel: pd.DataFrame,
    *,
    window: int,
    step: int = 1,
    trim: float = 1 / 3,
    cstar: float = 0.0,
    hac: Literal["fqsb", "aqsb"] = "fqsb",
    merge: Literal["ps", "vlt"] | None = None,
    missing: Missing = "raise",
) -> RollingClubs:
    """:func:`clubs` on each window of ``window`` consecutive periods (moved by ``step``);
    ``membership`` has one column per window (labelled by its last period; 0 = divergent), and
    ``table`` the number of clubs, their sizes and the share of units whose club number changed
    from the previous window.

    Example
    -------
    >>> import numpy as np, pandas as pd
    >>> t = np.arange(1, 31)
    >>> p = pd.DataFrame([10 + (0.5 + 0.1 * i) / t for i in range(5)], columns=t)
    >>> rolling_clubs(p, window=20, step=5).table["n_clubs"].tolist()
    [1, 1, 1]
    """
    wide, dropped = _clubs_input(panel, missing, min_units=3)
    if not (isinstance(window, int | np.integer) and 4 <= window <= wide.shape[1]):
        raise ParameterError(f"window must be an integer between 4 and {wide.shape[1]}, got {window!r}")
    _clubs.trim_start(window, trim)
    X, units = wide.to_numpy(), list(wide.index)
    cols = list(wide.columns)
    mem, rows, prev = {}, [], None
    for s in range(0, len(cols) - window + 1, step):
        _, merged, div = _run_clubs(X[:, s:s + window], trim=trim, cstar=cstar, hac=hac, merge=merge,
                                    merge_div=False)
        lab = _labels_array([[units[i] for i in g] for g in merged], [units[i] for i in div], units)
        end = cols[s + window - 1]
        mem[end] = lab
        rows.append({"start": cols[s], "end": end, "n_clubs": len(merged),
                     "sizes": ", ".join(str(len(g)) for g in merged), "n_divergent": len(div),
                     "changed": float((lab != prev).mean()) if prev is not None else float("nan")})
        prev = lab
    return RollingClubs(membership=pd.DataFrame(mem, index=wide.index), table=pd.DataFrame(rows),
                        window=int(window), sample=_sample(wide.index, cols, dropped), dropped=dropped)


@dataclass(frozen=True)
class ClubDeterminants(Result):
    """Ordered logit of club membership on initial conditions (see :func:`club_determinants`)."""

    title = "Club determinants (ordered logit)"
    params: pd.DataFrame
    nobs: int
    n_clubs: int
    distr: str
    sample: Sample
    dropped: tuple = ()
    model: Any = field(default=None, repr=False, compare=False)

    def to_frame(self) -> pd.DataFrame:
        return self.params

    def notes(self) -> list[str]:
        return [
            f"Estimator: statsmodels OrderedModel ({self.distr}) of club number (1 = highest club) on the "
            "covariates; a positive coefficient makes a lower (higher-numbered) club more likely; "
            "cut points follow the coefficients; divergent units excluded",
            "Covariance: inverse Hessian (nonrobust)",
            *super().notes(),
        ]

    def plot(self, ax: Any = None, **kwargs: Any) -> Any:
        """Coefficients with 95% intervals."""
        ax = new_axes(ax)
        p = self.params.iloc[: len(self.params) - (self.n_clubs - 1)]
        y = np.arange(len(p))
        ax.errorbar(p["estimate"], y, xerr=1.96 * p["se"], fmt="o", **kwargs)
        ax.axvline(0, color="grey", lw=0.5)
        ax.set_yticks(y, list(p.index))
        return ax


def club_determinants(
    result: Clubs,
    covariates: pd.DataFrame | pd.Series,
    *,
    distr: Literal["logit", "probit"] = "logit",
    missing: Missing = "raise",
) -> ClubDeterminants:
    r"""Determinants of club membership by ordered logit (or probit) on initial conditions.

    :math:`P(\text{club}_i \le j) = F(\kappa_j - x_i'\gamma)` for clubs ordered 1 (highest)
    to J, fitted with ``statsmodels.miscmodels.ordinal_model.OrderedModel`` (McCullagh 1980),
    as in Bartkowska and Riedl (2012). Divergent units are excluded and listed in
    ``dropped``; ``covariates`` (e.g. initial log income, education, industry shares) are
    indexed by unit.

    Example
    -------
    >>> # club_determinants(clubs(panel), initial.to_frame("ln_y0"))
    """
    from statsmodels.miscmodels.ordinal_model import OrderedModel

    _choice("distr", distr, ("logit", "probit"))
    cov = covariates.to_frame() if isinstance(covariates, pd.Series) else pd.DataFrame(covariates)
    mem = result.membership
    in_club = mem[mem != "divergent"].astype(int)
    cov = _reindex_named(cov, in_club.index, "covariates").astype(float)
    cov, dropped = handle_missing(cov, missing=missing, what="covariates")
    y = in_club.loc[cov.index]
    if y.nunique() < 2:
        raise ModelInputError("club determinants need at least 2 clubs among the units with covariates")
    yc = pd.Series(pd.Categorical(y, categories=sorted(y.unique()), ordered=True), index=y.index)
    res = OrderedModel(yc, cov, distr=distr).fit(method="bfgs", disp=False, maxiter=2000)
    params = pd.DataFrame({"estimate": res.params, "se": res.bse, "tvalue": res.tvalues, "pvalue": res.pvalues})
    div = tuple(mem.index[mem == "divergent"])
    return ClubDeterminants(params=params, nobs=int(res.nobs), n_clubs=int(y.nunique()), distr=distr,
                            sample=_sample(cov.index, (), div + dropped), dropped=div + dropped, model=res)
