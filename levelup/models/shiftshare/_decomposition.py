"""Shift-share decompositions: Dunn, Esteban-Marquillas, Arcelus and the dynamic (Barff-Knight) one."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from levelup.errors import ModelInputError
from levelup.models._checks import align, as_series, handle_missing
from levelup.models.shiftshare._common import _labels
from levelup.results import Result, Sample, new_axes

# ---------------------------------------------------------------------------------------
# Classic decompositions
# ---------------------------------------------------------------------------------------

_LABELS = {
    "national": "National share",
    "industry_mix": "Industry mix",
    "competitive": "Competitive share",
    "competitive_homothetic": "Competitive (homothetic)",
    "allocation": "Allocation effect",
    "regional_growth_homothetic": "Regional growth (homothetic)",
    "regional_growth_allocation": "Regional growth (allocation)",
    "regional_mix_homothetic": "Regional mix (homothetic)",
    "regional_mix_allocation": "Regional mix (allocation)",
    "net_shift": "Net shift",
    "growth": "Total change",
}


@dataclass(frozen=True, kw_only=True)
class Decomposition(Result):
    """Dunn (1960) shift-share: ``growth = national + industry_mix + competitive``.

    ``components`` has one row per industry; ``base`` is the region's total at the start.
    """

    title = "Shift-share decomposition (Dunn 1960)"
    _steps = ("national", "industry_mix", "competitive")

    growth: float
    national: float
    industry_mix: float
    competitive: float
    net_shift: float
    base: float
    components: pd.DataFrame = field(repr=False)
    sample: Sample = field(default_factory=Sample, repr=False)

    def to_frame(self) -> pd.DataFrame:
        rows = [*self._steps, "net_shift", "growth"]
        vals = [float(getattr(self, r)) for r in rows]
        return pd.DataFrame(
            {"value": vals, "percent_of_base": [100 * v / self.base for v in vals]},
            index=pd.Index(rows, name="component"),
        )

    def notes(self) -> list[str]:
        return [
            f"Method: {self.title}; components summed over {len(self.components)} industries; "
            f"base (region total at start) {self.base:.6g}.",
            *super().notes(),
        ]

    def plot(self, ax: Any = None, **kwargs: Any) -> Any:
        """Waterfall: each component stacked from zero to the total change."""
        ax = new_axes(ax)
        steps = list(self._steps)
        vals = [float(getattr(self, s)) for s in steps]
        start = np.concatenate([[0.0], np.cumsum(vals)[:-1]])
        colors = ["#1b7837" if v >= 0 else "#c51b7d" for v in vals]
        x = np.arange(len(steps) + 1)
        ax.bar(x[:-1], vals, bottom=start, color=colors, **kwargs)
        ax.bar(x[-1], self.growth, color="#4d4d4d")
        for i in range(len(steps) - 1):
            ax.plot([i - 0.4, i + 1.4], [start[i + 1]] * 2, color="grey", lw=0.8)
        ax.axhline(0, color="black", lw=0.8)
        ax.set_xticks(x, [_LABELS[s] for s in steps] + [_LABELS["growth"]], rotation=20, ha="right")
        ax.set_ylabel("change")
        ax.set_title(self.title)
        return ax


@dataclass(frozen=True, kw_only=True)
class EstebanDecomposition(Decomposition):
    """Esteban-Marquillas (1972): ``competitive = competitive_homothetic + allocation``."""

    title = "Shift-share decomposition (Esteban-Marquillas 1972)"
    _steps = ("national", "industry_mix", "competitive_homothetic", "allocation")

    competitive_homothetic: float
    allocation: float


@dataclass(frozen=True, kw_only=True)
class ArcelusDecomposition(Decomposition):
    """Arcelus (1984): competitive share = regional growth + regional industry mix,
    each split into homothetic and allocation parts."""

    title = "Shift-share decomposition (Arcelus 1984)"
    _steps = (
        "national",
        "industry_mix",
        "regional_growth_homothetic",
        "regional_growth_allocation",
        "regional_mix_homothetic",
        "regional_mix_allocation",
    )

    regional_growth_homothetic: float
    regional_growth_allocation: float
    regional_mix_homothetic: float
    regional_mix_allocation: float

    @property
    def regional_growth(self) -> float:
        return self.regional_growth_homothetic + self.regional_growth_allocation

    @property
    def regional_mix(self) -> float:
        return self.regional_mix_homothetic + self.regional_mix_allocation


@dataclass(frozen=True, kw_only=True)
class DynamicDecomposition(Decomposition):
    """Barff and Knight (1988): Dunn components for each pair of consecutive years, summed.

    ``by_period`` has one row per end year of each one-year step.
    """

    title = "Dynamic shift-share decomposition (Barff and Knight 1988)"

    by_period: pd.DataFrame = field(repr=False)

    def notes(self) -> list[str]:
        p = self.by_period.index
        return [f"Year-on-year steps {p[0] - 1 if len(p) else ''}-{p[-1] if len(p) else ''}: "
                f"{len(p)} steps, base of each step its own start year.", *super().notes()]


def _classic_frame(region_t0, region_t1, nation_t0, nation_t1) -> pd.DataFrame:
    names = ("region_t0", "region_t1", "nation_t0", "nation_t1")
    ss = [as_series(s, n) for s, n in zip((region_t0, region_t1, nation_t0, nation_t1), names)]
    ss = align(*ss, names=names)
    if any(s.index.has_duplicates for s in ss):
        raise ModelInputError("industries are duplicated in the inputs")
    df = pd.concat(ss, axis=1, keys=["e0", "e1", "E0", "E1"])
    df.index.name = "industry"
    handle_missing(df, what="employment by industry")
    neg = (df < 0).any(axis=1)
    if neg.any():
        raise ModelInputError(f"employment must be non-negative; negative for industries: {_labels(df.index[neg])}")
    zero = df["E0"] == 0
    if zero.any():
        raise ModelInputError(
            f"benchmark employment at the start is zero for industries: {_labels(df.index[zero])}; "
            "their growth rate is undefined (drop or merge them)"
        )
    if df["e0"].sum() == 0:
        raise ModelInputError("the region's total at the start is zero")
    return df


def _dunn_parts(df: pd.DataFrame) -> pd.DataFrame:
    G = df["E1"].sum() / df["E0"].sum() - 1
    R = df["E1"] / df["E0"] - 1
    out = pd.DataFrame(index=df.index)
    out["growth"] = df["e1"] - df["e0"]
    out["national"] = df["e0"] * G
    out["industry_mix"] = df["e0"] * (R - G)
    out["competitive"] = out["growth"] - df["e0"] * R
    out["net_shift"] = out["industry_mix"] + out["competitive"]
    return out


def _totals(parts: pd.DataFrame) -> dict[str, float]:
    return {k: float(v) for k, v in parts.sum().items()}


def dunn(region_t0: pd.Series, region_t1: pd.Series, nation_t0: pd.Series, nation_t1: pd.Series) -> Decomposition:
    """Classic shift-share decomposition (Dunn 1960).

    With regional employment ``e_i`` and national ``E_i`` in industry ``i`` at t and t+1,
    national growth ``G = E_{t+1}/E_t - 1`` and industry growth ``G_i``:

        e_{t+1} - e_t = sum_i e_it G  +  sum_i e_it (G_i - G)  +  sum_i (e_{i,t+1} - e_it - e_it G_i)
                        national share   industry mix            competitive (regional) share

    and ``net_shift = industry_mix + competitive``. Dunn, E. S. (1960), "A statistical and
    analytical technique for regional analysis", Papers of the Regional Science Association 6.

    >>> nat0, nat1 = pd.Series([400, 150, 150, 400.]), pd.Series([440, 210, 135, 480.])
    >>> r = dunn(pd.Series([90, 20, 10, 60.]), pd.Series([100, 40, 10, 55.]), nat0, nat1)
    >>> round(r.national, 6), round(r.industry_mix, 6), round(r.competitive, 6)
    (27.0, 1.0, -3.0)
    """
    df = _classic_frame(region_t0, region_t1, nation_t0, nation_t1)
    parts = _dunn_parts(df)
    comp = pd.concat([df.rename(columns=dict(zip(["e0", "e1", "E0", "E1"], _NAMES))), parts], axis=1)
    return Decomposition(**_totals(parts), base=float(df["e0"].sum()), components=comp,
                         sample=Sample(units=tuple(df.index)))


_NAMES = ("region_t0", "region_t1", "nation_t0", "nation_t1")


def _homothetic(df: pd.DataFrame, parts: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    bad = (df["e0"] == 0) & (df["e1"] != 0)
    if bad.any():
        raise ModelInputError(
            f"the region has no employment at the start in industries {_labels(df.index[bad])} "
            "but some at the end: their regional growth rate (needed for homothetic employment) "
            "is undefined; merge them with a neighbouring industry"
        )
    hom = df["e0"].sum() * df["E0"] / df["E0"].sum()
    with np.errstate(divide="ignore", invalid="ignore"):
        r = np.where(df["e0"] > 0, df["e1"] / df["e0"].where(df["e0"] > 0, 1.0) - 1, 0.0)
    diff = pd.Series(r, index=df.index) - (df["E1"] / df["E0"] - 1)
    diff[df["e0"] == 0] = 0.0
    return hom, diff


def esteban(region_t0: pd.Series, region_t1: pd.Series, nation_t0: pd.Series, nation_t1: pd.Series) -> EstebanDecomposition:
    """Esteban-Marquillas (1972) shift-share with homothetic employment.

    Homothetic employment ``e^_i = e_t E_it / E_t`` (the region's total with the nation's
    mix). With ``r_i`` and ``G_i`` the regional and national growth of industry i, the
    competitive share ``sum_i e_it (r_i - G_i)`` splits into

        competitive_homothetic = sum_i e^_i (r_i - G_i)
        allocation             = sum_i (e_it - e^_i)(r_i - G_i)

    Esteban-Marquillas, J. M. (1972), "A reinterpretation of shift-share analysis",
    Regional and Urban Economics 2(3), 249-255.

    >>> nat0, nat1 = pd.Series([400, 150, 150, 400.]), pd.Series([440, 210, 135, 480.])
    >>> r = esteban(pd.Series([90, 20, 10, 60.]), pd.Series([100, 40, 10, 55.]), nat0, nat1)
    >>> round(r.allocation, 6)
    -2.363636
    """
    df = _classic_frame(region_t0, region_t1, nation_t0, nation_t1)
    parts = _dunn_parts(df)
    hom, diff = _homothetic(df, parts)
    parts["homothetic"] = hom
    parts["competitive_homothetic"] = hom * diff
    parts["allocation"] = (df["e0"] - hom) * diff
    tot = _totals(parts.drop(columns="homothetic"))
    comp = pd.concat([df.rename(columns=dict(zip(["e0", "e1", "E0", "E1"], _NAMES))), parts], axis=1)
    return EstebanDecomposition(**tot, base=float(df["e0"].sum()), components=comp,
                                sample=Sample(units=tuple(df.index)))


def arcelus(region_t0: pd.Series, region_t1: pd.Series, nation_t0: pd.Series, nation_t1: pd.Series) -> ArcelusDecomposition:
    """Arcelus (1984) extension of the Esteban-Marquillas decomposition.

    With regional total growth ``r``, national ``G``, industry rates ``r_i``, ``G_i`` and
    homothetic employment ``e^_i``, the competitive share is split into

        regional growth  = sum_i e^_i (r - G)  +  sum_i (e_it - e^_i)(r - G)
        regional mix     = sum_i e^_i [(r_i - r) - (G_i - G)] + sum_i (e_it - e^_i)[(r_i - r) - (G_i - G)]

    (homothetic + allocation parts of each). Arcelus, F. J. (1984), "An extension of
    shift-share analysis", Growth and Change 15(1), 3-8.

    >>> nat0, nat1 = pd.Series([400, 150, 150, 400.]), pd.Series([440, 210, 135, 480.])
    >>> r = arcelus(pd.Series([90, 20, 10, 60.]), pd.Series([100, 40, 10, 55.]), nat0, nat1)
    >>> round(r.regional_growth + r.regional_mix, 6) == round(r.competitive, 6)
    True
    """
    df = _classic_frame(region_t0, region_t1, nation_t0, nation_t1)
    parts = _dunn_parts(df)
    hom, diff = _homothetic(df, parts)
    rg = df["e1"].sum() / df["e0"].sum() - 1 - (df["E1"].sum() / df["E0"].sum() - 1)  # r - G
    parts["homothetic"] = hom
    parts["regional_growth_homothetic"] = hom * rg
    parts["regional_growth_allocation"] = (df["e0"] - hom) * rg
    parts["regional_mix_homothetic"] = hom * (diff - rg)
    parts["regional_mix_allocation"] = (df["e0"] - hom) * (diff - rg)
    tot = _totals(parts.drop(columns="homothetic"))
    comp = pd.concat([df.rename(columns=dict(zip(["e0", "e1", "E0", "E1"], _NAMES))), parts], axis=1)
    return ArcelusDecomposition(**tot, base=float(df["e0"].sum()), components=comp,
                                sample=Sample(units=tuple(df.index)))


def _panel(frame: pd.DataFrame, name: str) -> tuple[np.ndarray, pd.Index, np.ndarray]:
    """Industries x years -> (values sorted by year, industries, years); checked in numpy."""
    if not isinstance(frame, pd.DataFrame):
        raise ModelInputError(f"{name} must be a DataFrame with industries as rows and years as columns")
    try:
        years = np.array([int(c) for c in frame.columns])
    except (TypeError, ValueError) as exc:
        raise ModelInputError(f"{name} columns must be years (integers): {list(frame.columns)[:5]}") from exc
    order = np.argsort(years, kind="stable")
    v = frame.to_numpy(dtype=float)[:, order]
    bad = np.isnan(v).any(axis=1)
    if bad.any():
        raise ModelInputError(f"{name} has missing values for industries: {_labels(frame.index[bad])}")
    neg = (v < 0).any(axis=1)
    if neg.any():
        raise ModelInputError(f"{name}: employment must be non-negative; negative for industries: {_labels(frame.index[neg])}")
    return v, frame.index, years[order]


def dynamic(region_panel: pd.DataFrame, nation_panel: pd.DataFrame) -> DynamicDecomposition:
    """Dynamic shift-share (Barff and Knight 1988): Dunn components for every one-year step
    ``t-1 -> t`` with that step's base, summed over the steps:

        national = sum_t sum_i e_{i,t-1} G_t,  industry_mix = sum_t sum_i e_{i,t-1} (G_it - G_t),
        competitive = sum_t sum_i (e_it - e_{i,t-1} - e_{i,t-1} G_it).

    Panels are industries x years (columns consecutive years in order). Barff, R. A. and
    Knight, P. L. (1988), "Dynamic shift-share analysis", Growth and Change 19(2), 1-10.

    >>> reg = pd.DataFrame({2000: [90, 20.], 2001: [95, 30.], 2002: [100, 40.]}, index=["A", "B"])
    >>> nat = pd.DataFrame({2000: [400, 150.], 2001: [420, 180.], 2002: [440, 210.]}, index=["A", "B"])
    >>> round(dynamic(reg, nat).growth, 6)
    30.0
    """
    e, ind, years_all = _panel(region_panel, "region_panel")
    E, ind_n, years_n = _panel(nation_panel, "nation_panel")
    if not np.array_equal(years_all, years_n):
        raise ModelInputError(
            f"region_panel and nation_panel cover different years: {list(years_all)} vs {list(years_n)}"
        )
    if len(years_all) < 2:
        raise ModelInputError("need at least two years")
    if not ind.equals(ind_n):
        pos = ind_n.get_indexer(ind)
        if len(ind) != len(ind_n) or (pos < 0).any() or ind.has_duplicates:
            align(pd.Series(0, index=ind), pd.Series(0, index=ind_n), names=("region_panel", "nation_panel"))
        E = E[pos]
    if (E[:, :-1] == 0).any():
        bad = ind[(E[:, :-1] == 0).any(axis=1)]
        raise ModelInputError(f"nation_panel is zero in a base year for industries: {_labels(bad)}")
    Et = E.sum(axis=0)
    G = Et[1:] / Et[:-1] - 1
    R = E[:, 1:] / E[:, :-1] - 1
    base = e[:, :-1]
    nat_ = base * G
    mix = base * (R - G)
    growth = np.diff(e, axis=1)
    comp = growth - base * R
    years = years_all[1:]
    net = mix + comp
    by_period = pd.DataFrame(
        {"growth": growth.sum(0), "national": nat_.sum(0), "industry_mix": mix.sum(0),
         "competitive": comp.sum(0), "net_shift": net.sum(0)},
        index=pd.Index(years, name="year"),
    )
    components = pd.DataFrame(
        {"region_t0": e[:, 0], "region_t1": e[:, -1], "nation_t0": E[:, 0], "nation_t1": E[:, -1],
         "growth": growth.sum(1), "national": nat_.sum(1), "industry_mix": mix.sum(1),
         "competitive": comp.sum(1), "net_shift": net.sum(1)},
        index=ind,
    )
    tot = {"growth": float(growth.sum()), "national": float(nat_.sum()), "industry_mix": float(mix.sum()),
           "competitive": float(comp.sum()), "net_shift": float(net.sum())}
    return DynamicDecomposition(**tot, base=float(e[:, 0].sum()), components=components, by_period=by_period,
                                sample=Sample(units=tuple(ind), periods=tuple(int(y) for y in years_all)))
