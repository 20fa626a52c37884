"""Goldsmith-Pinkham, Sorkin and Swift (2020) Rotemberg weights."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from levelup.models import _ssiv
from levelup.models._checks import Missing
from levelup.models.shiftshare._bartik import _prepare
from levelup.results import Result, Sample, new_axes

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
