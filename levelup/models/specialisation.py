"""Regional specialisation: location quotients, Krugman dissimilarity, Herfindahl, and the
change in the manufacturing share.

Inputs are Series of employment (or GVA) by industry, index = industry codes; a region is
compared with a benchmark (usually the UK) on the same industries.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from levelup.errors import ModelInputError
from levelup.models._checks import align, as_series, handle_missing
from levelup.results import Result, Sample, new_axes

__all__ = [
    "location_quotient",
    "krugman",
    "herfindahl",
    "manufacturing_share_change",
    "LocationQuotients",
    "SpecialisationIndex",
    "ShareChange",
]


def _by_industry(values, name: str) -> pd.Series:
    s = as_series(values, name)
    handle_missing(s, what=name)
    if s.index.has_duplicates:
        raise ModelInputError(f"{name}: duplicated industries: {list(s.index[s.index.duplicated()])}")
    neg = s < 0
    if neg.any():
        raise ModelInputError(f"{name} must be non-negative; negative for industries: {list(s.index[neg])}")
    if s.sum() <= 0:
        raise ModelInputError(f"{name} sums to zero")
    return s


def _pair(region, benchmark) -> tuple[pd.Series, pd.Series]:
    r = _by_industry(region, "region")
    b = _by_industry(benchmark, "benchmark")
    return tuple(align(r, b, names=("region", "benchmark")))  # type: ignore[return-value]


@dataclass(frozen=True, kw_only=True)
class SpecialisationIndex(Result):
    """A single index value; converts with ``float()``."""

    title = "Specialisation index"

    name: str
    value: float
    normalised: float | None = None
    n_industries: int
    sample: Sample = field(default_factory=Sample, repr=False)

    def __float__(self) -> float:
        return float(self.value)

    def notes(self) -> list[str]:
        return [f"{self.name} over {self.n_industries} industries.", *super().notes()]

    def plot(self, ax: Any = None, **kwargs: Any) -> Any:
        ax = new_axes(ax, figsize=(4, 3))
        ax.bar([self.name], [self.value], **kwargs)
        ax.set_title(self.title)
        return ax


@dataclass(frozen=True, kw_only=True)
class LocationQuotients(Result):
    """Location quotients by industry; ``specialised`` flags LQ > ``threshold``."""

    title = "Location quotients"

    table: pd.DataFrame = field(repr=False)
    threshold: float
    sample: Sample = field(default_factory=Sample, repr=False)

    @property
    def lq(self) -> pd.Series:
        return self.table["lq"]

    @property
    def specialised(self) -> pd.Series:
        return self.table["specialised"]

    def to_frame(self) -> pd.DataFrame:
        return self.table

    def notes(self) -> list[str]:
        k = int(self.table["specialised"].sum())
        return [f"LQ = (e_i/e)/(E_i/E); {k} of {len(self.table)} industries above {self.threshold}.",
                *super().notes()]

    def plot(self, ax: Any = None, **kwargs: Any) -> Any:
        """Horizontal bars of LQ by industry, with lines at 1 and the threshold."""
        ax = new_axes(ax)
        t = self.table.sort_values("lq")
        colors = np.where(t["specialised"], "#1b7837", "#999999")
        ax.barh([str(i) for i in t.index], t["lq"], color=colors, **kwargs)
        ax.axvline(1, color="black", lw=0.8)
        ax.axvline(self.threshold, color="#1b7837", lw=0.8, ls="--")
        ax.set_xlabel("location quotient")
        ax.set_title(self.title)
        return ax


def location_quotient(region: pd.Series, benchmark: pd.Series, *, threshold: float = 1.25) -> LocationQuotients:
    """Location quotients ``LQ_i = (e_i / e) / (E_i / E)`` for region ``e`` and benchmark ``E``.

    ``specialised`` flags ``LQ_i > threshold`` (1.25 by default: a common cut-off for a
    clear specialisation, above the noise around 1; e.g. Miller, Gibson and Wright 1991,
    "Location quotient: a basic tool for economic development analysis", Economic
    Development Review 9(2)). Industries where the benchmark is zero raise.

    >>> lq = location_quotient(pd.Series({"C": 30, "G": 70.}), pd.Series({"C": 10, "G": 90.}))
    >>> lq.lq.round(3).tolist(), lq.specialised.tolist()
    ([3.0, 0.778], [True, False])
    """
    r, b = _pair(region, benchmark)
    if (b == 0).any():
        raise ModelInputError(f"benchmark is zero for industries: {list(b.index[b == 0])}; LQ undefined")
    rs, bs = r / r.sum(), b / b.sum()
    lq = rs / bs
    table = pd.DataFrame({"region_share": rs, "benchmark_share": bs, "lq": lq, "specialised": lq > threshold})
    table.index.name = "industry"
    return LocationQuotients(table=table, threshold=float(threshold), sample=Sample(units=tuple(r.index)))


def krugman(region: pd.Series, benchmark: pd.Series) -> SpecialisationIndex:
    """Krugman dissimilarity (specialisation) index ``K = sum_i |e_i/e - E_i/E|``, in [0, 2].

    0 when the region's industry mix equals the benchmark's. Krugman, P. (1991), Geography
    and Trade, MIT Press.

    >>> float(krugman(pd.Series({"C": 30, "G": 70.}), pd.Series({"C": 10, "G": 90.})))
    0.4
    """
    r, b = _pair(region, benchmark)
    k = float(np.abs(r / r.sum() - b / b.sum()).sum())
    return SpecialisationIndex(name="Krugman dissimilarity index", value=k, n_industries=len(r),
                               sample=Sample(units=tuple(r.index)))


def herfindahl(values: pd.Series) -> SpecialisationIndex:
    """Herfindahl-Hirschman concentration ``H = sum_i s_i^2`` of industry shares ``s_i``;
    ``normalised = (H - 1/n) / (1 - 1/n)`` in [0, 1]. Herfindahl, O. C. (1950),
    Concentration in the Steel Industry, PhD thesis, Columbia University.

    >>> h = herfindahl(pd.Series({"C": 50, "G": 50.}))
    >>> float(h), h.normalised
    (0.5, 0.0)
    """
    s = _by_industry(values, "values")
    sh = s / s.sum()
    h = float((sh**2).sum())
    n = len(s)
    norm = (h - 1 / n) / (1 - 1 / n) if n > 1 else float("nan")
    return SpecialisationIndex(name="Herfindahl index", value=h, normalised=norm, n_industries=n,
                               sample=Sample(units=tuple(s.index)))


@dataclass(frozen=True, kw_only=True)
class ShareChange(Result):
    """Share of the given industries in the total at two dates, and the change (points)."""

    title = "Change in manufacturing share"

    share_t0: float
    share_t1: float
    change: float
    industries: tuple
    sample: Sample = field(default_factory=Sample, repr=False)

    def notes(self) -> list[str]:
        return [f"Industries counted: {', '.join(map(str, self.industries))}; shares in per cent, "
                "change in percentage points.", *super().notes()]

    def plot(self, ax: Any = None, **kwargs: Any) -> Any:
        ax = new_axes(ax, figsize=(4, 3))
        ax.bar(["start", "end"], [self.share_t0, self.share_t1], color=["#999999", "#2166ac"], **kwargs)
        ax.set_ylabel("share of total (%)")
        ax.set_title(self.title)
        return ax


def manufacturing_share_change(
    region_t0: pd.Series, region_t1: pd.Series, *, manufacturing: str | Sequence[str] = "C"
) -> ShareChange:
    """Change in the share of manufacturing (SIC 2007 section ``C`` by default, or any list
    of industry codes) in the region's total: ``100 (m_1/e_1 - m_0/e_0)`` percentage points.

    >>> r = manufacturing_share_change(pd.Series({"C": 20, "G": 80.}), pd.Series({"C": 15, "G": 85.}))
    >>> r.share_t0, r.share_t1, r.change
    (20.0, 15.0, -5.0)
    """
    a, b = _by_industry(region_t0, "region_t0"), _by_industry(region_t1, "region_t1")
    a, b = align(a, b, names=("region_t0", "region_t1"))
    codes = [manufacturing] if isinstance(manufacturing, str) else list(manufacturing)
    missing = [c for c in codes if c not in a.index]
    if missing:
        raise ModelInputError(f"manufacturing industries not in the data: {missing}; industries: {list(a.index)}")
    s0 = 100 * float(a[codes].sum() / a.sum())
    s1 = 100 * float(b[codes].sum() / b.sum())
    return ShareChange(share_t0=s0, share_t1=s1, change=s1 - s0, industries=tuple(codes),
                       sample=Sample(units=tuple(a.index)))
