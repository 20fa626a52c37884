"""Phillips-Sul log t test and convergence clubs: the public functions and results."""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from levelup.errors import ModelInputError, ModelWarning
from levelup.models._checks import (
    Missing,
    require_positive,
)
from levelup.models.convergence import _clubs_core as _clubs
from levelup.models.convergence._clubs_core import THRESHOLD
from levelup.models.convergence._common import (
    _choice,
    _sample,
    _wide,
)
from levelup.results import Result, Sample, new_axes


# ------------------------------------------------------------------ log t
def _hac_label(hac: str) -> str:
    return {
        "fqsb": "QS kernel, Andrews AR(1) plug-in bandwidth on the residuals, Phillips-Sul GAUSS "
                "convention (ConvergenceClubs 'FQSB')",
        "aqsb": "QS kernel, Andrews (1991) automatic bandwidth on the slope score, n/(n-2) correction "
                "(R sandwich::vcovHAC defaults)",
    }[hac]


@dataclass(frozen=True)
class LogT(Result):
    """Phillips-Sul log t convergence test (see :func:`log_t`)."""

    title = "Phillips-Sul log t test"
    beta: float
    se: float
    tvalue: float
    pvalue: float
    converges: bool
    alpha: float
    bandwidth: float
    trim: float
    hac: str
    cov: str
    sample: Sample
    dropped: tuple = ()
    H: pd.Series = field(default=None, repr=False, compare=False)
    regression: pd.DataFrame = field(default=None, repr=False, compare=False)

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame({"value": [self.beta, self.se, self.tvalue, self.pvalue, self.alpha]},
                            index=["beta", "se", "tvalue", "pvalue", "alpha"])

    def notes(self) -> list[str]:
        verdict = "not rejected" if self.converges else "rejected"
        r = self.regression
        return [
            f"Estimator: OLS of log(H_1/H_t) - 2 log(log t) on log t, t = {int(r['t'].iloc[0])}..{int(r['t'].iloc[-1])} "
            f"(first round(T*{self.trim:.4g}) periods trimmed); one-sided p = Phi(t)",
            f"Covariance: {self.cov}; bandwidth {self.bandwidth:.4g}",
            f"Convergence {verdict} at 5% (t {'>' if self.converges else '<='} -1.65)",
            *super().notes(),
        ]

    def plot(self, ax: Any = None, **kwargs: Any) -> Any:
        """The log t regression: log(H_1/H_t) - 2 log log t against log t, with the fit."""
        ax = new_axes(ax)
        r = self.regression
        ax.scatter(r["log_t"], r["y"], s=14, **kwargs)
        ax.plot(r["log_t"], self.alpha + self.beta * r["log_t"], color="black", lw=1,
                label=f"b = {self.beta:.3g}, t = {self.tvalue:.3g}")
        ax.set_xlabel("log t")
        ax.set_ylabel("log(H1/Ht) - 2 log log t")
        ax.legend(fontsize=8)
        return ax


def _clubs_input(panel, missing, min_units: int = 2) -> tuple[pd.DataFrame, tuple]:
    wide, dropped = _wide(panel, missing=missing, min_units=min_units, min_periods=4)
    if not (wide.to_numpy() > 0).all():
        require_positive(wide, "values (h_it = y_it / mean_i y_it needs positive values; rescale log incomes below 1)")
    X = wide.to_numpy()
    flat = np.ptp(X, axis=0) <= 1e-12 * np.abs(X).max(axis=0)
    if flat.any():
        raise ModelInputError(
            f"values are identical across units in period(s) {list(wide.columns[flat])[:10]}: the cross-section "
            "variance H_t is 0 there and the log t regression log(H_1/H_t) is undefined"
        )
    return wide, dropped


def log_t(panel: pd.DataFrame, *, trim: float = 1 / 3, hac: Literal["fqsb", "aqsb"] = "fqsb",
          missing: Missing = "raise") -> LogT:
    r"""Phillips and Sul (2007) log t convergence test.

    With relative transition paths :math:`h_{it} = y_{it}/N^{-1}\sum_i y_{it}` and
    :math:`H_t = N^{-1}\sum_i (h_{it}-1)^2`, regress (Phillips and Sul 2007, eq. 25)

    .. math:: \log(H_1/H_t) - 2\log(\log t) = a + b \log t + u_t, \quad t = [rT]+1, \dots, T

    with ``r = trim`` (``[rT]`` rounded half to even, as R). Convergence is rejected
    when the HAC t-statistic of ``b`` is below -1.65. ``hac="fqsb"``: QS kernel with
    Andrews' AR(1) plug-in bandwidth computed as in Phillips and Sul's GAUSS code and
    ConvergenceClubs 2.2.5 ("FQSB", whose numbers it reproduces); ``"aqsb"``: Andrews
    (1991) automatic bandwidth on the slope's score. Columns are periods in order
    (usually HP-filtered log incomes); long input is pivoted. The default ``trim=1/3`` is
    ConvergenceClubs' and Phillips and Sul's applied choice; their simulations recommend
    r = 0.3. The regression needs at least 10 periods after trimming
    (``MIN_LOGT_PERIODS``, a levelup rule: T >= 15 with trim 1/3).

    Example
    -------
    >>> import numpy as np, pandas as pd
    >>> t = np.arange(1, 31)
    >>> p = pd.DataFrame([10 + (0.5 + 0.1 * i) / t for i in range(5)], columns=t)
    >>> log_t(p).converges
    True
    """
    _choice("hac", hac, ("fqsb", "aqsb"))
    wide, dropped = _clubs_input(panel, missing)
    H = _clubs.h_statistic(wide.to_numpy())
    fit = _clubs.logt_from_h(H, trim, hac)
    from scipy.stats import norm

    t = fit.periods
    reg = pd.DataFrame({"t": t, "log_t": np.log(t),
                        "y": np.log(H[0] / H[t - 1]) - 2 * np.log(np.log(t))}, index=wide.columns[t - 1])
    tv = float(fit.tvalue[0])
    return LogT(beta=float(fit.beta[0]), se=float(fit.se[0]), tvalue=tv, pvalue=float(norm.cdf(tv)),
                converges=bool(tv > THRESHOLD), alpha=float(fit.alpha[0]), bandwidth=float(fit.bandwidth[0]),
                trim=float(trim), hac=hac, cov=_hac_label(hac), sample=_sample(wide.index, wide.columns, dropped),
                dropped=dropped, H=pd.Series(H, index=wide.columns, name="H"), regression=reg)


# ------------------------------------------------------------------ clubs
@dataclass(frozen=True)
class Clubs(Result):
    """Phillips-Sul convergence clubs (see :func:`clubs`)."""

    title = "Phillips-Sul convergence clubs"
    clubs: list
    divergent: list
    tests: pd.DataFrame
    membership: pd.Series
    cstar: float
    trim: float
    hac: str
    merge: str | None
    merge_divergent: bool
    cov: str
    sample: Sample
    dropped: tuple = ()
    initial_clubs: list = field(default=None, repr=False, compare=False)
    panel: pd.DataFrame = field(default=None, repr=False, compare=False)
    cstar_method: str = "incremental"
    formation: pd.DataFrame = field(default=None, repr=False, compare=False)
    estar: float = THRESHOLD

    @property
    def failing(self) -> list[int]:
        """Numbers of the reported clubs whose own log t statistic is not above -1.65."""
        if self.tests is None or "tvalue" not in self.tests:
            return []
        return [int(k) for k, t in self.tests["tvalue"].items() if not t > THRESHOLD]

    @property
    def n_clubs(self) -> int:
        return len(self.clubs)

    def to_frame(self) -> pd.DataFrame:
        return self.tests

    def notes(self) -> list[str]:
        m = {None: "none", "ps": "Phillips-Sul (2009)", "vlt": "von Lyncker-Thoennessen (2017)"}[self.merge]
        out = [
            f"Clustering: Phillips-Sul (2007, 2009): ordered by the last period, core group by max t "
            f"(t > -1.65), sieve c* = {self.cstar:g} ({self.cstar_method}), trim {self.trim:.4g}; merging: {m}"
            + (f"; divergent units merged (vLT, e* = {self.estar:g})" if self.merge_divergent else ""),
            f"Covariance: {self.cov}",
            f"{self.n_clubs} club(s) of {', '.join(str(len(c)) for c in self.clubs)} units; "
            f"{len(self.divergent)} divergent" + (f": {', '.join(map(str, self.divergent))}" if self.divergent else ""),
            *super().notes(),
        ]
        if self.formation is not None and len(self.formation):
            out.append("Step 3 (club formation, before merging): " + "; ".join(
                f"club {k}: {r.how}" + (f", t = {r.tvalue:.3g}" if np.isfinite(r.tvalue) else "")
                for k, r in self.formation.iterrows()))
        if self.failing:
            out.append(f"WARNING: club(s) {', '.join(map(str, self.failing))} fail their own log t test "
                       "(t <= -1.65); use cstar_method='incremental' (Phillips and Sul 2007, step 3)")
        return out

    def transition_paths(self) -> pd.DataFrame:
        """Relative transition path of each club: club mean over cross-section mean, by period."""
        p = self.panel
        rel = p / p.mean(axis=0)
        out = {f"club {i + 1}": rel.loc[c].mean(axis=0) for i, c in enumerate(self.clubs)}
        if self.divergent:
            out["divergent"] = rel.loc[self.divergent].mean(axis=0)
        return pd.DataFrame(out)

    def plot(self, ax: Any = None, *, kind: Literal["paths", "units"] = "paths", **kwargs: Any) -> Any:
        """Club transition paths (``kind="paths"``) or every unit's path coloured by club (``"units"``)."""
        ax = new_axes(ax)
        if kind == "paths":
            tp = self.transition_paths()
            for c in tp.columns:
                ax.plot(tp.index, tp[c].to_numpy(), label=c, **kwargs)
        else:
            rel = self.panel / self.panel.mean(axis=0)
            cmap = __import__("matplotlib").colormaps["tab10"]
            for i, c in enumerate(self.clubs):
                for u in c:
                    ax.plot(rel.columns, rel.loc[u].to_numpy(), color=cmap(i % 10), lw=0.6,
                            label=f"club {i + 1}" if u == c[0] else None)
        ax.axhline(1.0, color="grey", lw=0.5)
        ax.set_ylabel("relative transition path h")
        ax.legend(fontsize=7)
        return ax

    def plot_map(self, geo: Any, *, column: str | None = None, ax: Any = None, **kwargs: Any) -> Any:
        """Club map: ``geo`` a GeoDataFrame of the units (indexed by unit label, or with ``column``)."""
        ax = new_axes(ax, figsize=(5, 6))
        keys = geo[column] if column else pd.Series(geo.index, index=geo.index)
        lab = keys.map(self.membership).fillna("not in sample")
        g = geo.assign(club=lab.astype(str).to_numpy())
        g.plot(column="club", categorical=True, legend=True, ax=ax, **kwargs)
        ax.set_axis_off()
        return ax


def _club_tests(X: np.ndarray, groups: list[list[int]], trim, hac) -> pd.DataFrame:
    cols = ["club", "size", "beta", "se", "tvalue", "passes"]
    if not groups:
        return pd.DataFrame(columns=cols).set_index("club")
    G = np.array([_clubs._mask(X.shape[0], g) for g in groups])
    f = _clubs.logt_groups(X, G, trim, hac)
    return pd.DataFrame({"club": np.arange(1, len(groups) + 1), "size": [len(g) for g in groups], "beta": f.beta,
                         "se": f.se, "tvalue": f.tvalue, "passes": f.tvalue > THRESHOLD}).set_index("club")


def _run_clubs(X, *, trim, cstar, hac, merge, merge_div, cstar_method="incremental", estar=THRESHOLD,
               record=None):
    order = list(np.argsort(-X[:, -1], kind="stable"))
    found, div = _clubs.find_clubs(X, order, trim=trim, cstar=cstar, hac=hac, cstar_method=cstar_method,
                                   record=record)
    merged = found
    if merge == "ps":
        merged = _clubs.merge_ps(X, found, trim=trim, hac=hac)
    elif merge == "vlt":
        merged = _clubs.merge_vlt(X, found, trim=trim, hac=hac)
    if merge_div:
        merged, div = _clubs.merge_divergent(X, merged, div, trim=trim, hac=hac, estar=estar)
    return found, merged, div


def clubs(
    panel: pd.DataFrame,
    *,
    trim: float = 1 / 3,
    cstar: float = 0.0,
    hac: Literal["fqsb", "aqsb"] = "fqsb",
    merge: Literal["ps", "vlt"] | None = None,
    merge_divergent: bool = False,
    cstar_method: Literal["incremental", "fixed"] = "incremental",
    estar: float = THRESHOLD,
    missing: Missing = "raise",
) -> Clubs:
    r"""Phillips-Sul club convergence clustering (2007, sec. 4; 2009, sec. 3).

    1. Order units by the last period, highest first (ties keep input order); each club
       lists its units in this order.
    2. Core group: the first consecutive pair with log t statistic > -1.65 starts it;
       units are added in order while t > -1.65; the core is the size with the
       largest t.
    3. Sieve: a unit joins the club when the log t of core plus that unit exceeds ``cstar``;
       the club so formed must itself pass the log t test (Phillips and Sul 2007, sec. 4.2,
       step 3). ``cstar_method="incremental"`` (default) raises c* by 0.1 until it does,
       and keeps the core group when c* would exceed 3 (the defaults of ConvergenceClubs'
       ``findClubs(cstar_method="incremental")``); ``"fixed"`` keeps the sieved club as
       ConvergenceClubs' default does. What was done is in ``formation`` and ``summary()``;
       a reported club that fails its own test is flagged in ``tests["passes"]``, in the
       summary and by a :class:`~levelup.errors.ModelWarning`.
    4. Recursion: if the remaining units pass the log t test together they form a
       club; otherwise steps 2-3 repeat on them; units left when no pair passes diverge.

    ``merge="ps"``: Phillips and Sul (2009) merging of adjacent clubs while the union
    passes; ``"vlt"``: von Lyncker and Thoennessen (2017) (merge pair m when
    t_m > -1.65 and t_m > t_{m+1}, restart); ``merge_divergent=True`` then tries to
    place divergent units into clubs (vLT 2017 as ConvergenceClubs' ``mergeDivergent``
    documents it: all divergent units together if they pass; else the best (unit, club)
    pair with t > ``estar``, repeated). Log t regressions as :func:`log_t`.

    The default ``trim=1/3`` follows ConvergenceClubs and Phillips and Sul's applications
    (2007; 2009); their simulations recommend r = 0.3, which can
    change the clubs (7 clubs become 9 on ConvergenceClubs' ``filteredGDP`` with
    ``cstar=0``). ``hac="fqsb"`` (default) is the long-run variance of Phillips and Sul's
    GAUSS code as ConvergenceClubs computes it ("FQSB"), so clubs match that package;
    ``"aqsb"`` is Andrews' (1991) automatic bandwidth on the slope score.
    Missing values: ``missing="raise"`` names the units, ``"drop"`` drops and lists them.

    Example
    -------
    >>> import numpy as np, pandas as pd
    >>> t = np.arange(1, 31)
    >>> rows = [10 + (0.5 + 0.1 * i) / t for i in range(4)] + [5 + (0.5 + 0.1 * i) / t for i in range(4)]
    >>> r = clubs(pd.DataFrame(rows, index=list("abcdefgh"), columns=t))
    >>> r.clubs
    [['d', 'c', 'b', 'a'], ['h', 'g', 'f', 'e']]
    """
    _choice("hac", hac, ("fqsb", "aqsb"))
    _choice("merge", merge, (None, "ps", "vlt"))
    _choice("cstar_method", cstar_method, ("incremental", "fixed"))
    wide, dropped = _clubs_input(panel, missing, min_units=3)
    _clubs.trim_start(wide.shape[1], trim)
    X = wide.to_numpy()
    record: list = []
    found, merged, div = _run_clubs(X, trim=trim, cstar=cstar, hac=hac, merge=merge, merge_div=merge_divergent,
                                    cstar_method=cstar_method, estar=estar, record=record)
    labels = list(wide.index)
    named = [[labels[i] for i in c] for c in merged]
    mem = np.full(len(labels), "divergent", dtype=object)
    for k, c in enumerate(merged, start=1):
        mem[c] = k
    membership = pd.Series(mem, index=wide.index, name="club")
    tests = _club_tests(X, merged, trim, hac)
    formation = pd.DataFrame([vars(r) for r in record], columns=["how", "cstar", "tvalue"],
                             index=pd.RangeIndex(1, len(record) + 1, name="club"))
    failing = [int(k) for k, ok in tests["passes"].items() if not ok]
    if failing:
        warnings.warn(f"convergence club(s) {', '.join(map(str, failing))} fail their own log t test "
                      f"(t <= {THRESHOLD}); cstar_method='incremental' applies step 3 of Phillips and Sul (2007)",
                      ModelWarning, stacklevel=2)
    return Clubs(
        clubs=named, divergent=[labels[i] for i in div], tests=tests, cstar_method=cstar_method,
        formation=formation, estar=float(estar),
        membership=membership, cstar=float(cstar), trim=float(trim), hac=hac, merge=merge,
        merge_divergent=merge_divergent, cov=_hac_label(hac), sample=_sample(wide.index, wide.columns, dropped),
        dropped=dropped, initial_clubs=[[labels[i] for i in c] for c in found], panel=wide,
    )
