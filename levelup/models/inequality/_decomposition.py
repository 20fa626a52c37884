"""Theil decomposition of inequality into between- and within-group parts."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from levelup.errors import ModelInputError
from levelup.models._checks import Missing, _labels, as_series
from levelup.models.inequality._base import _prepare
from levelup.models.inequality._indices import (
    _mld,
    _theil_t,
)
from levelup.results import Result, Sample, new_axes


# --------------------------------------------------------------------------- decomposition
@dataclass(frozen=True)
class TheilDecomposition(Result):
    """Between- and within-group parts of Theil's T (or the MLD); they add up to ``total``.

    ``between``, ``within`` and ``total`` are floats for one cross-section, or Series
    by period when a wide frame (units x periods) was given. ``groups`` has one row per
    group (and period): ``n, population_share, income_share, mean, relative_mean,
    index`` (the group's own inequality) and ``within_contribution`` (its weighted
    share of the within part), all non-negative.
    """

    between: Any
    within: Any
    total: Any
    index: str
    weighted: bool
    groups: pd.DataFrame = field(repr=False)
    sample: Sample = field(default_factory=Sample, repr=False)

    @property
    def title(self) -> str:  # type: ignore[override]
        name = "Theil T" if self.index == "theil" else "Mean log deviation"
        return f"{name} decomposition ({'population-weighted' if self.weighted else 'unweighted'})"

    @property
    def between_share(self) -> Any:
        """Between part over total (0 when there is no inequality)."""
        if isinstance(self.total, pd.Series):
            return (self.between / self.total).where(self.total > 0, 0.0)
        return self.between / self.total if self.total > 0 else 0.0

    def to_frame(self) -> pd.DataFrame:
        """Tidy: one row per (period,) component: ``between``, ``within``, ``total``."""
        if isinstance(self.total, pd.Series):
            f = pd.DataFrame({"between": self.between, "within": self.within, "total": self.total})
            f.index.name = "period"
            return f
        return pd.DataFrame({"value": {"between": self.between, "within": self.within, "total": self.total}})

    def notes(self) -> list[str]:
        if self.index == "theil":
            f = "T = sum_g Y_g T_g (within) + sum_g Y_g ln(mu_g/mu) (between), Y_g group income shares"
        else:
            f = "L = sum_g P_g L_g (within) + sum_g P_g ln(mu/mu_g) (between), P_g group population shares"
        return [f"Decomposition (Shorrocks 1980): {f}", *super().notes()]

    def plot(self, ax: Any = None, **kwargs: Any) -> Any:
        """Stacked bars: between and within parts (by period when there are periods)."""
        ax = new_axes(ax)
        f = self.to_frame()
        if isinstance(self.total, pd.Series):
            x = np.arange(len(f))
            ax.bar(x, f["within"], label="within groups", color="#9ecae1", **kwargs)
            ax.bar(x, f["between"], bottom=f["within"], label="between groups", color="#3182bd", **kwargs)
            ax.set_xticks(x, [str(p) for p in f.index], rotation=90 if len(f) > 12 else 0)
        else:
            g = self.groups
            ax.bar(["between"], [self.between], color="#3182bd", label="between groups")
            bottom = 0.0
            for name, v in zip(g["group"], g["within_contribution"]):
                ax.bar(["within"], [v], bottom=bottom, label=f"within {name}")
                bottom += v
        ax.set_ylabel(self.title.split(" (")[0])
        ax.legend(frameon=False, fontsize="small", ncols=2)
        return ax


def _decompose(
    y: np.ndarray, w: np.ndarray, g: np.ndarray, index: str
) -> tuple[float, float, float, pd.DataFrame]:
    s = w / w.sum()
    mu = np.sum(s * y)
    rows = []
    for name in pd.unique(g):
        m = g == name
        sg = s[m].sum()
        yg = y[m]
        inc_share = np.sum(s[m] * yg) / mu
        if sg > 0:
            mug = np.sum(s[m] * yg) / sg
            own = _theil_t(yg, s[m] / sg) if index == "theil" else _mld(yg, s[m] / sg)
        else:  # a group with zero total weight has no people: no mean, contributes nothing
            mug, own = np.nan, 0.0
        weight = inc_share if index == "theil" else sg
        rows.append(
            {
                "group": name,
                "n": int(m.sum()),
                "population_share": sg,
                "income_share": inc_share,
                "mean": mug,
                "relative_mean": mug / mu,
                "index": own,
                "within_contribution": weight * own,
            }
        )
    groups = pd.DataFrame(rows)
    within = float(groups["within_contribution"].sum())
    if index == "theil":
        # a group whose values are all zero has income share 0 and adds 0 (limit Y ln Y -> 0)
        share, rel = groups["income_share"].to_numpy(), groups["relative_mean"].to_numpy()
        between = float(np.sum(np.where(share > 0, share * np.log(np.where(share > 0, rel, 1.0)), 0.0)))
        total = _theil_t(y, s)
    else:
        pop, rel = groups["population_share"].to_numpy(), groups["relative_mean"].to_numpy()
        between = float(np.sum(np.where(pop > 0, pop * np.log(1.0 / np.where(pop > 0, rel, 1.0)), 0.0)))
        total = _mld(y, s)
    # between is a Kullback-Leibler divergence, >= 0 exactly; clip rounding noise only
    if between < 0:
        if between < -1e-12 * max(total, 1.0):  # pragma: no cover - impossible in exact arithmetic
            raise ModelInputError(f"between-group part came out negative ({between}); please report")
        between = 0.0
    return between, within, total, groups


def theil_decomposition(
    values: Any,
    groups: Any,
    *,
    weights: Any = None,
    index: Literal["theil", "mld"] = "theil",
    missing: Missing = "raise",
) -> TheilDecomposition:
    """Split Theil's T (or the MLD) into between-group and within-group parts.

    Theil T: ``T = sum_g Y_g T_g + sum_g Y_g ln(mu_g / mu)``, ``Y_g`` the group's share of
    the total (income), ``T_g`` the Theil index inside group ``g``. MLD:
    ``L = sum_g P_g L_g + sum_g P_g ln(mu / mu_g)``, ``P_g`` population shares
    (Theil 1967; Shorrocks 1980, *Econometrica* 48(3):613-625). Both parts are
    non-negative and add up to the total exactly (up to floating point).

    ``values``: a Series (one cross-section) or a wide DataFrame units x periods (a
    decomposition per period; ``weights`` then a Series or a frame of the same shape).
    ``groups``: a Series or mapping unit -> group (e.g. ITL3 code -> ITL1 code), or a
    callable applied to each unit label (``lambda code: code[:3]``).

    The Gini has no such exact split (see the module docstring), so a Gini-based
    "between" share can rank regions-versus-nations inequality differently.

    >>> r = theil_decomposition(pd.Series([1.0, 1.0, 3.0, 3.0], index=list("abcd")),
    ...                         {"a": "x", "b": "x", "c": "y", "d": "y"})
    >>> round(r.within, 12), round(r.between + r.within - r.total, 12)
    (0.0, 0.0)
    """
    if index not in ("theil", "mld"):
        raise ModelInputError(f"index must be 'theil' or 'mld', got {index!r}")
    if isinstance(values, pd.DataFrame) and values.shape[1] > 1:
        per: dict[Any, TheilDecomposition] = {}
        dropped: list = []
        for col in values.columns:
            wcol = weights[col] if isinstance(weights, pd.DataFrame) else weights
            per[col] = theil_decomposition(values[col], groups, weights=wcol, index=index, missing=missing)
            dropped += [(col, u) for u in per[col].sample.dropped]
        gframes = [r.groups.assign(period=p) for p, r in per.items()]
        first = next(iter(per.values()))
        return TheilDecomposition(
            between=pd.Series({p: r.between for p, r in per.items()}, name="between"),
            within=pd.Series({p: r.within for p, r in per.items()}, name="within"),
            total=pd.Series({p: r.total for p, r in per.items()}, name="total"),
            index=index,
            weighted=weights is not None,
            groups=pd.concat(gframes, ignore_index=True)[["period", *first.groups.columns]],
            sample=Sample(units=tuple(values.index), periods=tuple(values.columns), dropped=tuple(dropped)),
        )
    zeros = "allow" if index == "theil" else "raise"
    y = as_series(values, "values")
    g = _group_labels(groups, y.index)
    frame = pd.DataFrame({"values": y, "group": g})
    if weights is not None:
        w = as_series(weights, "weights")
        frame["weights"] = w.reindex(y.index) if isinstance(weights, pd.Series) else w.to_numpy()
    missing_group = frame.index[frame["group"].isna()]
    if len(missing_group) and missing == "raise":
        raise ModelInputError(f"no group for {len(missing_group)} unit(s): {_labels(missing_group)}")
    d = _prepare(
        frame["values"], frame["weights"] if weights is not None else None, missing=missing, zeros=zeros
    )
    gl = frame.loc[d.index, "group"]
    keep = gl.notna().to_numpy()
    dropped = d.dropped + tuple(d.index[~keep])
    y_, w_ = d.y[keep], (d.w if d.w is not None else np.ones(len(d.y)))[keep]
    between, within, total, table = _decompose(y_, w_, gl.to_numpy()[keep], index)
    return TheilDecomposition(
        between=between,
        within=within,
        total=total,
        index=index,
        weighted=weights is not None,
        groups=table,
        sample=Sample(units=tuple(d.index[keep]), dropped=dropped),
    )


def _group_labels(groups: Any, index: pd.Index) -> pd.Series:
    if callable(groups) and not isinstance(groups, pd.Series | dict):
        return pd.Series([groups(u) for u in index], index=index, dtype=object)
    if isinstance(groups, dict):
        return pd.Series([groups.get(u) for u in index], index=index, dtype=object)
    if isinstance(groups, pd.Series):
        if (
            not set(index) <= set(groups.index)
            and len(groups) == len(index)
            and not groups.index.equals(index)
        ):
            if isinstance(groups.index, pd.RangeIndex):
                return pd.Series(groups.to_numpy(), index=index, dtype=object)
        return groups.reindex(index).astype(object)
    arr = np.asarray(groups, dtype=object).ravel()
    if len(arr) != len(index):
        raise ModelInputError(f"groups have length {len(arr)} but values have length {len(index)}")
    return pd.Series(arr, index=index, dtype=object)
