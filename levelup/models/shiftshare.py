"""Shift-share: decompositions of regional change and shift-share (Bartik) instruments.

Decompositions take Series by industry (index = industry codes, e.g. SIC 2007 sections)
for a region and a benchmark (the nation) at two dates:

* :func:`dunn` - Dunn (1960): national share, industry mix, competitive (regional) share.
* :func:`esteban` - Esteban-Marquillas (1972): the competitive share split with homothetic
  employment into a homothetic competitive effect and an allocation effect.
* :func:`arcelus` - Arcelus (1984): regional growth and regional industry-mix effects, each
  split into homothetic and allocation parts.
* :func:`dynamic` - Barff and Knight (1988): year-on-year Dunn components, summed.

Shift-share IV:

* :func:`bartik` - the instrument ``B_i = sum_s w_is g_s``.
* :func:`ssiv` - 2SLS with homoscedastic, EHW, region-clustered, AKM and AKM0 standard errors
  (Adao, Kolesar and Morales 2019), first stage and reduced form.
* :func:`rotemberg` - Goldsmith-Pinkham, Sorkin and Swift (2020) Rotemberg weights.
* :func:`shock_level` - Borusyak, Hull and Jaravel (2022): exposure-weighted aggregation of
  regional data to shocks and the equivalent shock-level IV.

Shares may be a regions x sectors DataFrame (rows (region, period) for a panel: each
period's shares load on that period's sectors), an array, a scipy.sparse matrix, or a
:class:`ShareMatrix` built by :func:`shares_from_long`.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy import stats

from levelup.errors import ModelInputError, ParameterError
from levelup.models import _ssiv
from levelup.models._checks import Missing, align, as_series, handle_missing
from levelup.models._ssiv import ShareMatrix, shares_from_long
from levelup.results import Result, Sample, new_axes

__all__ = [
    "dunn",
    "esteban",
    "arcelus",
    "dynamic",
    "bartik",
    "ssiv",
    "rotemberg",
    "shock_level",
    "shares_from_long",
    "ShareMatrix",
    "Decomposition",
    "EstebanDecomposition",
    "ArcelusDecomposition",
    "DynamicDecomposition",
    "SSRegression",
    "SSIV",
    "Rotemberg",
    "ShockLevel",
    "IncompleteSharesWarning",
    "AKMWarning",
]

SE_TYPES = ("homoscedastic", "ehw", "region_cluster", "akm", "akm0")
MISSING_SECTOR = "(missing)"


class IncompleteSharesWarning(UserWarning):
    """Shares sum to less than one and the sum of shares is not among the controls."""


class AKMWarning(UserWarning):
    """AKM standard errors far below EHW ones (controls may absorb the shock variation)."""


def _labels(idx, k: int = 20) -> str:
    return _ssiv._labels(idx, k)


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


# ---------------------------------------------------------------------------------------
# Shift-share IV
# ---------------------------------------------------------------------------------------


def bartik(shares, shocks) -> pd.Series:
    """The shift-share (Bartik 1991) instrument ``B_i = sum_s w_is g_s``.

    ``shares``: regions x sectors (DataFrame, array, sparse matrix or :class:`ShareMatrix`);
    for a panel, rows are (region, period) and ``shocks`` is indexed by (period, sector) or
    is a sectors x periods DataFrame. Every sector must appear in both, or the error names
    the unmatched ones. Bartik, T. J. (1991), Who Benefits from State and Local Economic
    Development Policies? Upjohn Institute.

    >>> shares = pd.DataFrame({"a": [.5, .1], "b": [.2, .8]}, index=["r1", "r2"])
    >>> bartik(shares, pd.Series({"a": 1.0, "b": -1.0})).round(6).tolist()
    [0.3, -0.7]
    """
    sm = _ssiv.as_share_matrix(shares)
    g = _ssiv.align_shocks(shocks, sm)
    return pd.Series(sm.matrix @ g, index=sm.regions, name="bartik")


@dataclass(frozen=True, kw_only=True)
class SSRegression(Result):
    """One shift-share regression (OLS on the shift-share variable, or 2SLS with it as the
    instrument) with its five standard errors."""

    title = "Shift-share regression"

    kind: str
    coef: float
    se: dict = field(repr=False)
    ci_akm0: tuple[float, float]
    nobs: int
    n_sectors: int
    n_sector_clusters: int
    info: tuple = field(default=(), repr=False)
    sample: Sample = field(default_factory=Sample, repr=False)

    @property
    def dropped(self) -> tuple:
        return self.sample.dropped

    def to_frame(self) -> pd.DataFrame:
        rows = []
        for k in SE_TYPES:
            s = self.se.get(k, np.nan)
            if k == "akm0":
                lo, hi = self.ci_akm0
                p = np.nan
            else:
                lo, hi = self.coef - _ssiv.Z975 * s, self.coef + _ssiv.Z975 * s
                p = 2 * stats.norm.sf(abs(self.coef / s)) if s and np.isfinite(s) else np.nan
            rows.append({"coef": self.coef, "se": s, "pvalue": p, "ci_low": lo, "ci_high": hi})
        return pd.DataFrame(rows, index=pd.Index(SE_TYPES, name="se_type"))

    def notes(self) -> list[str]:
        return [
            f"Estimator: {self.kind}; intercept included; {self.nobs} regions, {self.n_sectors} sectors "
            f"in {self.n_sector_clusters} sector clusters.",
            "SEs: homoscedastic and EHW without small-sample correction; AKM and AKM0 of Adao, "
            "Kolesar and Morales (2019); akm0 'se' = 95% CI half-length / 1.96 (ShiftShareSE convention).",
            *self.info,
            *super().notes(),
        ]

    def plot(self, ax: Any = None, **kwargs: Any) -> Any:
        """Point estimate with the 95% interval of each inference method."""
        ax = new_axes(ax)
        f = self.to_frame()
        y = np.arange(len(f))[::-1]
        lo = f["ci_low"].clip(lower=self.coef - 10 * abs(self.coef) - 1)
        hi = f["ci_high"].clip(upper=self.coef + 10 * abs(self.coef) + 1)
        ax.hlines(y, lo, hi, color="#2166ac", lw=2)
        ax.plot(f["coef"], y, "o", color="black", **kwargs)
        ax.axvline(0, color="grey", lw=0.8, ls="--")
        ax.set_yticks(y, f.index)
        ax.set_xlabel("coefficient (95% CI)")
        ax.set_title(self.title)
        return ax


@dataclass(frozen=True, kw_only=True)
class SSIV(SSRegression):
    """Shift-share IV: the 2SLS estimate with its first stage and reduced form."""

    title = "Shift-share IV (2SLS, Adao-Kolesar-Morales inference)"

    first_stage: SSRegression = field(repr=False)
    reduced_form: SSRegression = field(repr=False)


Incomplete = Literal["warn", "control", "ignore"]


def _column_or_array(data: pd.DataFrame, v, name: str) -> pd.Series:
    if isinstance(v, str):
        if v not in data.columns:
            raise ModelInputError(f"{name}: no column {v!r} in data")
        return data[v]
    if isinstance(v, pd.Series):
        if not v.index.equals(data.index):
            raise ModelInputError(f"{name} must be indexed like data")
        return v
    a = np.asarray(v)
    if a.shape != (len(data),):
        raise ModelInputError(f"{name} must have one entry per row of data ({len(data)}), got shape {a.shape}")
    return pd.Series(a, index=data.index)


def _sector_codes(clusters, sm: ShareMatrix) -> np.ndarray:
    if clusters is None:
        return np.arange(sm.shape[1])
    if isinstance(clusters, pd.Series):
        idx = sm.sectors
        if not clusters.index.is_unique:
            raise ModelInputError("sector_clusters has duplicated sectors")
        if isinstance(idx, pd.MultiIndex) and not isinstance(clusters.index, pd.MultiIndex):
            idx = idx.get_level_values(-1)
        missing = pd.Index(idx).difference(clusters.index)
        if len(missing):
            raise ModelInputError(f"sector_clusters has no entry for sectors: {_labels(missing)}")
        vals = clusters.reindex(idx).to_numpy()
    else:
        vals = np.asarray(clusters)
        if vals.shape != (sm.shape[1],):
            raise ModelInputError(
                f"sector_clusters must have one entry per sector ({sm.shape[1]}), got shape {vals.shape}"
            )
    if pd.isna(vals).any():
        raise ModelInputError("sector_clusters has missing values")
    return pd.factorize(vals)[0]


def _prepare(data, cols: dict, shares, controls, weights, missing: Missing, extra: dict | None = None):
    """Common front end: pick columns, handle missing, align shares; returns a dict."""
    if not isinstance(data, pd.DataFrame):
        raise ModelInputError("data must be a DataFrame with one row per region")
    if data.index.has_duplicates:
        raise ModelInputError(f"data has duplicated index labels: {_labels(data.index[data.index.duplicated()])}")
    controls = [controls] if isinstance(controls, str) else list(controls)
    for c in [*cols.values(), *controls]:
        if c not in data.columns:
            raise ModelInputError(f"no column {c!r} in data; columns: {_labels(data.columns)}")
    # shares first, aligned to the full data (arrays are positional)
    sm = _ssiv.as_share_matrix(shares, regions=data.index)
    frame = data[list(dict.fromkeys([*cols.values(), *controls]))].copy()
    if weights is not None:
        frame["__w"] = _column_or_array(data, weights, "weights").astype(float)
    for k, v in (extra or {}).items():
        if v is not None:
            frame[k] = _column_or_array(data, v, k)
    frame, dropped = handle_missing(frame, missing=missing, what="data")
    if dropped:
        keep = data.index.get_indexer(frame.index)
        sm = ShareMatrix(sm.matrix[keep], sm.regions[keep], sm.sectors)
    w = frame["__w"].to_numpy(float) if weights is not None else np.ones(len(frame))
    if (w <= 0).any() or not np.isfinite(w).all():
        raise ModelInputError(f"weights must be positive; not for regions: {_labels(frame.index[~(w > 0)])}")
    _ssiv_min = 3
    if len(frame) < _ssiv_min:
        raise ModelInputError(f"need at least {_ssiv_min} regions, got {len(frame)}")
    Z, znames = _ssiv.design(frame, controls)
    return {"frame": frame, "sm": sm, "w": w, "Z": Z, "znames": znames, "dropped": dropped}


def _share_info(sm: ShareMatrix, Z: np.ndarray, w: np.ndarray, incomplete: Incomplete, part) -> tuple[np.ndarray, list[str]]:
    """AKM (2019, Sec. IV) / BHJ (2022): with incomplete shares control for their sum."""
    if incomplete not in ("warn", "control", "ignore"):
        raise ParameterError(f"incomplete must be 'warn', 'control' or 'ignore', got {incomplete!r}")
    sums = _ssiv.share_sums(sm)
    info = []
    if np.allclose(sums, 1.0, atol=1e-6):
        info.append(
            "Shares sum to one in every region: the intercept is the sum-of-shares control that AKM "
            "(2019, Sec. IV) prescribe, so shocks are identified up to their mean, which the "
            "intercept absorbs; no sector needs dropping."
        )
        return Z, info
    r = part(sums)
    spanned = (r @ r) <= 1e-10 * ((np.sqrt(w) * sums) @ (np.sqrt(w) * sums))
    if spanned:
        info.append("Shares are incomplete; their sum is spanned by the controls (AKM 2019, Sec. IV).")
        return Z, info
    if incomplete == "control":
        info.append("Shares are incomplete: their sum was added as a control (AKM 2019, Sec. IV; BHJ 2022).")
        return np.column_stack([Z, sums]), info
    msg = ("Shares sum to less than one in some regions and their sum is not among the controls; "
           "AKM (2019, Sec. IV) and BHJ (2022) recommend controlling for it (incomplete='control').")
    if incomplete == "warn":
        warnings.warn(msg, IncompleteSharesWarning, stacklevel=3)
    info.append(msg)
    return Z, info


def ssiv(
    data: pd.DataFrame,
    *,
    y: str,
    x: str,
    instrument: str | pd.Series,
    shares,
    controls: Sequence[str] = (),
    weights: str | np.ndarray | pd.Series | None = None,
    sector_clusters: Any = None,
    region_clusters: Any = None,
    incomplete: Incomplete = "warn",
    missing: Missing = "raise",
) -> SSIV:
    """Shift-share IV: 2SLS of ``y`` on ``x`` instrumented by the shift-share ``instrument``,
    with Adao, Kolesar and Morales (2019) inference.

    ``data`` has one row per region (row order = rows of ``shares``, or matched by label
    when ``shares`` is labelled); ``instrument`` is a column name or a Series of shocks by
    sector (then the instrument is ``bartik(shares, shocks)``). With the controls (and an
    intercept) partialled out by weighted least squares (``..``),

        beta = X..'Y / X..'D,   e = Y.. - D.. beta,   R_s = sum_i w_is e_i,
        X^ = (W'W)^{-1} W'X..   (AKM eq. 36: the shocks net of controls),
        se_AKM^2 = sum_c (sum_{s in c} X^_s R_s)^2 / (X..'D)^2        (AKM Remark 6, Prop. 5),

    with ``c`` the sector clusters. AKM0 imposes the null in ``R_s``: its 95% interval is
    ``{b : (X..'(Y - D b))^2 <= 1.96^2 sum_c (sum_{s in c} X^_s R_s(b))^2}`` and the
    reported se is its half-length / 1.96 (infinite when the set is unbounded). The
    homoscedastic (sigma^2 = e'e/N), EHW and region-clustered SEs have no small-sample
    correction, as ShiftShareSE. ``first_stage`` and ``reduced_form`` are the OLS
    regressions of ``x`` and ``y`` on the instrument with the same five SEs.

    Incomplete shares: ``incomplete="warn"`` warns when the sum of shares is not among the
    controls, ``"control"`` adds it, ``"ignore"`` only notes it. A warning is also raised
    when the AKM SE is below half the EHW one (the symptom of controls, such as fixed
    effects, absorbing the shock variation).

    Adao, R., Kolesar, M. and Morales, E. (2019), "Shift-share designs: theory and
    inference", Quarterly Journal of Economics 134(4), 1949-2010.

    Example (``W`` shares, ``df`` columns ``dy``, ``dx``, ``z``)::

        res = ssiv(df, y="dy", x="dx", instrument="z", shares=W, controls=["t2"])
        res.se["akm"], res.first_stage.coef
    """
    P = _prepare(data, {"y": y, "x": x, **({"instrument": instrument} if isinstance(instrument, str) else {})},
                 shares, controls, weights, missing, {"__rc": region_clusters})
    frame, sm, w = P["frame"], P["sm"], P["w"]
    part = _ssiv.Partial(P["Z"], w)
    Z, info = _share_info(sm, P["Z"], w, incomplete, part)
    if Z.shape[1] != P["Z"].shape[1]:
        part = _ssiv.Partial(Z, w)
    if isinstance(instrument, str):
        inst = frame[instrument].to_numpy(float)
    else:
        inst = sm.matrix @ _ssiv.align_shocks(instrument, sm, "instrument shocks")
    rc = None
    if region_clusters is not None:
        rc = pd.factorize(frame["__rc"])[0]
    sc = _sector_codes(sector_clusters, sm)
    Ws = sp.diags(part.sw) @ sm.matrix
    yv, xv = frame[y].to_numpy(float), frame[x].to_numpy(float)
    args = (part, Ws.tocsr(), sm.sectors, sc, rc)
    info = list(info)
    Xhat, collinear, zero = _ssiv.shock_projection(args[1], part(inst), sm.sectors)
    if len(collinear):
        msg = (f"the share matrix is collinear: {len(collinear)} sector(s) whose shares are linear combinations "
               f"of earlier sectors' were dropped from the AKM shock projection (as ShiftShareSE does by "
               f"pivoted QR): {_labels(collinear)}")
        warnings.warn(msg, AKMWarning, stacklevel=2)
        info.append(msg)
    if len(zero):
        info.append(f"{len(zero)} sector(s) with all-zero shares carry no AKM weight: {_labels(zero)}")
    fs = _ssiv.ss_fit(xv, inst, inst, *args, Xhat=Xhat)
    rf = _ssiv.ss_fit(yv, inst, inst, *args, Xhat=Xhat)
    iv = _ssiv.ss_fit(yv, xv, inst, *args, Xhat=Xhat)
    n_sc = int(sc.max() + 1)
    sample = Sample(units=tuple(frame.index), dropped=tuple(P["dropped"]))
    if rc is None:
        info.append("Region-clustered SE not computed (no region_clusters).")
    for res in (iv,):
        if not res["akm0_bounded"]:
            info.append("AKM0 confidence set is unbounded (weak instrument): akm0 se is infinite.")
        if Xhat is not None and res["se"]["akm"] < 0.5 * res["se"]["ehw"]:
            msg = (f"AKM SE ({res['se']['akm']:.4g}) is far below the EHW SE ({res['se']['ehw']:.4g}): "
                   "controls (e.g. fixed effects) may absorb most shock variation, or there are few "
                   "effective shocks; check the share matrix and clusters before relying on AKM.")
            warnings.warn(msg, AKMWarning, stacklevel=2)
            info.append(msg)

    def make(cls, r, kind, **kw):
        return cls(kind=kind, coef=r["coef"], se=r["se"], ci_akm0=r["ci_akm0"], nobs=r["nobs"],
                   n_sectors=sm.shape[1], n_sector_clusters=n_sc, info=tuple(info), sample=sample, **kw)

    first = make(SSRegression, fs, f"first stage: OLS of {x} on the shift-share instrument")
    reduced = make(SSRegression, rf, f"reduced form: OLS of {y} on the shift-share instrument")
    return make(SSIV, iv, f"2SLS of {y} on {x}", first_stage=first, reduced_form=reduced)


# ---------------------------------------------------------------------------------------
# Rotemberg weights
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class Rotemberg(Result):
    """Rotemberg weights: ``weights`` has one row per sector (or (period, sector)) with the
    shock, ``alpha`` (weight) and ``beta`` (just-identified IV with that sector's share)."""

    title = "Rotemberg weights (Goldsmith-Pinkham, Sorkin and Swift 2020)"

    weights: pd.DataFrame = field(repr=False)
    beta_bartik: float
    sum_positive: float
    sum_negative: float
    nobs: int
    info: tuple = field(default=(), repr=False)
    sample: Sample = field(default_factory=Sample, repr=False)

    def top(self, n: int = 5) -> pd.DataFrame:
        """The ``n`` largest weights (by alpha)."""
        return self.weights.sort_values("alpha", ascending=False).head(n)

    @property
    def by_sector(self) -> pd.DataFrame:
        """For panels: alpha summed over periods per sector, beta the alpha-weighted mean."""
        w = self.weights
        if not isinstance(w.index, pd.MultiIndex):
            return w
        key = w.index.get_level_values(-1)
        a = w["alpha"].groupby(key).sum()
        ab = (w["alpha"] * w["beta"].fillna(0)).groupby(key).sum()
        return pd.DataFrame({"alpha": a, "beta": ab / a}).sort_values("alpha", ascending=False)

    def to_frame(self) -> pd.DataFrame:
        return self.weights.sort_values("alpha", ascending=False)

    def summary(self) -> str:
        lines = [self.title, "=" * len(self.title), self.top(10).to_string(), *self.notes()]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        import html

        notes = "".join(f"<li>{html.escape(n)}</li>" for n in self.notes())
        t = self.top(10).to_html(float_format=lambda v: f"{v:.6g}")
        return f"<div><strong>{html.escape(self.title)}</strong>{t}<ul>{notes}</ul></div>"

    def notes(self) -> list[str]:
        return [
            f"{len(self.weights)} sectors; weights sum to {self.weights['alpha'].sum():.6g} "
            f"(positive {self.sum_positive:.6g}, negative {self.sum_negative:.6g}); "
            f"Bartik 2SLS estimate sum(alpha*beta) = {self.beta_bartik:.6g}; {self.nobs} regions.",
            *self.info,
            *super().notes(),
        ]

    def plot(self, ax: Any = None, n: int = 10, **kwargs: Any) -> Any:
        """Horizontal bars of the ``n`` sectors with the largest absolute weights."""
        ax = new_axes(ax)
        w = self.weights.reindex(self.weights["alpha"].abs().sort_values(ascending=False).index[:n])
        labels = [" ".join(map(str, k)) if isinstance(k, tuple) else str(k) for k in w.index]
        colors = ["#2166ac" if a >= 0 else "#b2182b" for a in w["alpha"]]
        ax.barh(np.arange(len(w))[::-1], w["alpha"], color=colors, **kwargs)
        ax.set_yticks(np.arange(len(w))[::-1], labels)
        ax.axvline(0, color="black", lw=0.8)
        ax.set_xlabel("Rotemberg weight (alpha)")
        ax.set_title(f"Top {len(w)} Rotemberg weights")
        return ax


def rotemberg(
    data: pd.DataFrame,
    *,
    y: str,
    x: str,
    shares,
    shocks,
    controls: Sequence[str] = (),
    weights: str | np.ndarray | pd.Series | None = None,
    missing: Missing = "raise",
) -> Rotemberg:
    """Rotemberg weights of the Bartik instrument (Goldsmith-Pinkham, Sorkin and Swift 2020).

    The Bartik 2SLS estimate is ``beta = sum_k alpha_k beta_k`` with (GPSS eq. 9, controls
    and intercept partialled out by weighted least squares, ``M`` the annihilator)

        alpha_k = g_k Z_k' M x / sum_k' g_k' Z_k'' M x,     beta_k = Z_k' M y / Z_k' M x,

    ``Z_k`` the share column of sector k, ``g_k`` its shock. Panels: shares rows (region,
    period) and shocks by (period, sector); each (period, sector) gets its weight, and
    ``by_sector`` sums them over periods. ``beta_k`` is NaN for a sector whose shares are
    orthogonal to ``x`` (its alpha is then 0). Goldsmith-Pinkham, P., Sorkin, I. and Swift,
    H. (2020), "Bartik instruments: what, when, why, and how", American Economic Review
    110(8), 2586-2624.

    Example::

        rw = rotemberg(df, y="dy", x="dx", shares=W, shocks=g, controls=["t2"], weights="pop")
        rw.top(5); rw.plot()
    """
    P = _prepare(data, {"y": y, "x": x}, shares, controls, weights, missing)
    frame, sm, w = P["frame"], P["sm"], P["w"]
    g = _ssiv.align_shocks(shocks, sm)
    part = _ssiv.Partial(P["Z"], w)
    alpha, beta, _ = _ssiv.rotemberg_core(frame[y].to_numpy(float), frame[x].to_numpy(float), sm.matrix, g, part)
    wf = pd.DataFrame({"shock": g, "alpha": alpha, "beta": beta}, index=sm.sectors)
    ok = np.isfinite(beta)
    info = []
    if (~ok).any():
        info.append(f"beta undefined (shares orthogonal to x) for {int((~ok).sum())} sectors; their alpha is 0.")
    return Rotemberg(
        weights=wf,
        beta_bartik=float(alpha[ok] @ beta[ok]),
        sum_positive=float(alpha[alpha > 0].sum()),
        sum_negative=float(alpha[alpha < 0].sum()),
        nobs=len(frame),
        info=tuple(info),
        sample=Sample(units=tuple(frame.index), dropped=tuple(P["dropped"])),
    )


# ---------------------------------------------------------------------------------------
# Borusyak-Hull-Jaravel shock-level IV
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class ShockLevel(Result):
    """Shock-level IV (Borusyak, Hull and Jaravel 2022) and the aggregated shock data."""

    title = "Shock-level IV (Borusyak, Hull and Jaravel 2022)"

    coef: float
    se: float
    cov: str
    nobs: int
    first_stage_f: float
    aggregated: pd.DataFrame = field(repr=False)
    model: Any = field(repr=False, default=None)
    info: tuple = field(default=(), repr=False)
    sample: Sample = field(default_factory=Sample, repr=False)

    def to_frame(self) -> pd.DataFrame:
        t = self.coef / self.se
        return pd.DataFrame(
            {"coef": [self.coef], "se": [self.se], "tvalue": [t], "pvalue": [2 * stats.norm.sf(abs(t))],
             "ci_low": [self.coef - _ssiv.Z975 * self.se], "ci_high": [self.coef + _ssiv.Z975 * self.se]},
            index=pd.Index(["x"], name="term"),
        )

    def notes(self) -> list[str]:
        return [
            f"2SLS of exposure-weighted y on x at the shock level, instrument the shock, weights s_n; "
            f"{self.nobs} shocks; covariance {self.cov}; first-stage F {self.first_stage_f:.4g}.",
            *self.info,
            *super().notes(),
        ]

    def plot(self, ax: Any = None, **kwargs: Any) -> Any:
        """First stage at the shock level: aggregated x against the shock, sized by s_n."""
        ax = new_axes(ax)
        a = self.aggregated
        ax.scatter(a["shock"], a["x"], s=2000 * a["s_n"] / a["s_n"].max() * 0.1 + 2, alpha=0.5, **kwargs)
        ax.set_xlabel("shock g_n")
        ax.set_ylabel("exposure-weighted x (residualised)")
        ax.set_title("Shock-level first stage")
        return ax


def shock_level(
    data: pd.DataFrame,
    *,
    y: str,
    x: str,
    shares,
    shocks,
    controls: Sequence[str] = (),
    weights: str | np.ndarray | pd.Series | None = None,
    shock_controls: pd.DataFrame | None = None,
    period_effects: bool = True,
    missing_industry: bool = True,
    cov: Literal["HC0", "HC1", "cluster"] = "HC1",
    shock_clusters: pd.Series | None = None,
    missing: Missing = "raise",
) -> ShockLevel:
    """Borusyak, Hull and Jaravel (2022) shock-level IV.

    Location variables are residualised on the controls (and intercept) with the weights
    ``e_l``, then aggregated to shocks with exposure weights (BHJ eq. 4 and Sec. 3):

        s_n = sum_l e_l s_ln / sum_l e_l,    v_n = sum_l e_l s_ln v_l^perp / sum_l e_l s_ln,

    and ``y_n`` is regressed on ``x_n`` instrumented by the shock ``g_n`` with weights
    ``s_n`` (plus an intercept, period effects for panels, and ``shock_controls``). With
    ``missing_industry`` (incomplete shares) each period gets a "missing" sector with share
    ``1 - sum_n s_ln`` and shock 0, as BHJ and ssaggregate do; its rows take 0 in
    ``shock_controls`` (the ssaggregate convention). The coefficient equals the location-level
    2SLS with the Bartik instrument when the location controls include the period effects
    (BHJ Proposition 3). ``cov``: ``"HC1"`` (BHJ's default), ``"HC0"`` or ``"cluster"`` by
    ``shock_clusters`` (a Series by sector). Borusyak, K., Hull, P. and Jaravel, X. (2022),
    "Quasi-experimental shift-share research designs", Review of Economic Studies 89(1), 181-213.

    Example::

        res = shock_level(df, y="y", x="x", shares=S, shocks=g, controls=["t2"], weights="pop")
        res.coef, res.aggregated.head()
    """
    from linearmodels.iv import IV2SLS

    if cov not in ("HC0", "HC1", "cluster"):
        raise ParameterError(f"cov must be 'HC0', 'HC1' or 'cluster', got {cov!r}")
    P = _prepare(data, {"y": y, "x": x}, shares, controls, weights, missing)
    frame, sm, w = P["frame"], P["sm"], P["w"]
    g = _ssiv.align_shocks(shocks, sm)
    part = _ssiv.Partial(P["Z"], w)
    resid = {v: part(frame[v].to_numpy(float)) / part.sw for v in (y, x)}
    S = sm.matrix
    total = w.sum()
    sn = (S.T @ w) / total
    agg = {"s_n": sn}
    for k, v in (("y", y), ("x", x)):
        with np.errstate(divide="ignore", invalid="ignore"):
            agg[k] = (S.T @ (w * resid[v])) / total / sn
    A = pd.DataFrame(agg, index=sm.sectors)
    A["shock"] = g
    info = []
    zero = sn <= 0
    if zero.any():
        info.append(f"{int(zero.sum())} sectors with no exposure dropped: {_labels(sm.sectors[zero])}.")
        A = A[~zero]
    panel = isinstance(sm.regions, pd.MultiIndex) and isinstance(sm.sectors, pd.MultiIndex)
    if missing_industry:
        miss = 1 - _ssiv.share_sums(sm)
        periods = sm.regions.get_level_values(-1) if panel else np.zeros(len(miss))
        rows = []
        for p in pd.unique(periods):
            k = np.asarray(periods == p)
            s0 = (w * miss)[k].sum() / total
            if s0 > 1e-12:
                rows.append({"key": (p, MISSING_SECTOR) if panel else MISSING_SECTOR, "s_n": s0,
                             "y": (w * miss * resid[y])[k].sum() / total / s0,
                             "x": (w * miss * resid[x])[k].sum() / total / s0, "shock": 0.0})
        if rows:
            M = pd.DataFrame(rows)
            idx = pd.MultiIndex.from_tuples(M.pop("key"), names=A.index.names) if panel else pd.Index(M.pop("key"))
            M.index = idx
            A = pd.concat([A, M])
            info.append("Missing-industry rows (share 1 - sum of shares, shock 0) added per period (BHJ 2022).")
    exog = pd.DataFrame({"const": 1.0}, index=A.index)
    if panel and period_effects:
        per = A.index.get_level_values(0)
        d = pd.get_dummies(pd.Categorical(per), prefix="period", drop_first=True, dtype=float)
        d.index = A.index
        exog = exog.join(d)
    if shock_controls is not None:
        sc = shock_controls.reindex(A.index)
        is_missing = A.index.get_level_values(-1) == MISSING_SECTOR if missing_industry else np.zeros(len(A), bool)
        sc.loc[is_missing] = sc.loc[is_missing].fillna(0.0)
        if sc.isna().any().any():
            raise ModelInputError(f"shock_controls missing for sectors: {_labels(A.index[sc.isna().any(axis=1)])}")
        exog = exog.join(sc.astype(float))
    mod = IV2SLS(A["y"], exog, A[["x"]], A[["shock"]], weights=A["s_n"])
    if cov == "cluster":
        if shock_clusters is None:
            raise ParameterError("cov='cluster' needs shock_clusters (a Series by sector)")
        keys = A.index.get_level_values(-1)
        cl = pd.Series(keys.map(lambda s: shock_clusters.get(s, s)), index=A.index)
        fit = mod.fit(cov_type="clustered", clusters=pd.Series(pd.factorize(cl)[0], index=A.index), debiased=True)
    else:
        fit = mod.fit(cov_type="robust", debiased=(cov == "HC1"))
    se = float(fit.std_errors["x"])
    try:
        f = float(fit.first_stage.diagnostics["f.stat"].iloc[0])
    except Exception:  # pragma: no cover - diagnostics layout differs across versions
        f = float("nan")
    return ShockLevel(
        coef=float(fit.params["x"]), se=se, cov=cov, nobs=len(A), first_stage_f=f,
        aggregated=A, model=fit, info=tuple(info),
        sample=Sample(units=tuple(frame.index), dropped=tuple(P["dropped"])),
    )
