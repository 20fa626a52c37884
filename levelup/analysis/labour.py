"""Work and the labour market of a place against the UK, with ONS's 95% confidence intervals.

Survey estimates (Annual Population Survey rates, ASHE pay, qualifications) carry sampling error.
Whether a place's estimate differs from the UK's is judged with a two-sided z test whose standard
errors are recovered from the published 95% intervals, ``se = (upper - lower) / (2 * 1.96)``,
treating the place's and the UK's estimates as independent (the place is part of the UK sample,
so the test is slightly conservative): ``z = (x - u) / sqrt(se_x**2 + se_u**2)``, ``p = 2 * (1 -
Phi(|z|))``, distinguishable at the 5% level when ``p < 0.05``. Precision is ONS's coefficient
of variation band (ASHE marks it; for the others ``CV = se / x`` from the interval).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from levelup.analysis._common import _memo, _resolve
from levelup.errors import LevelupError
from levelup.geo.resolve import Region
from levelup.results import Result, new_axes

Z95 = 1.959963984540054
#: survey measures of the section, in the order shown: measure -> (label, unit)
RATES = {
    "employment_rate": ("Employment rate", "% of residents aged 16-64"),
    "inactivity_rate": ("Economic inactivity rate", "% of residents aged 16-64"),
    "unemployment_rate": ("Unemployment rate (model-based)", "% of economically active residents aged 16+"),
    "median_weekly_pay": ("Median gross weekly pay", "GBP, employees living in the area"),
    "qualifications_level3_share": ("Qualified to level 3 or above", "% of residents aged 16-64"),
    "no_qualifications_share": ("No qualifications", "% of residents aged 16-64"),
}
#: measures ONS publishes against Great Britain rather than the UK (model-based unemployment)
GB_BENCHMARK = {"unemployment_rate"}
GB = Region("K03000001", "Great Britain", "other")
#: ONS's precision bands of the coefficient of variation (ASHE and APS guidance)
CV_BANDS = ((5.0, "precise"), (10.0, "reasonably precise"), (20.0, "acceptable, use with caution"),
            (math.inf, "unreliable"))


def se_from_ci(lower: float, upper: float) -> float:
    """Standard error implied by a symmetric 95% interval: ``(upper - lower) / (2 * 1.96)``."""
    return (upper - lower) / (2 * Z95)


def z_test(x: float, lo: float, hi: float, u: float, ulo: float, uhi: float) -> tuple[float, float]:
    """(z, two-sided p) of ``x - u`` with both standard errors from their 95% intervals, independent."""
    se = math.hypot(se_from_ci(lo, hi), se_from_ci(ulo, uhi))
    z = (x - u) / se
    return z, math.erfc(abs(z) / math.sqrt(2))


def cv_band(cv_percent: float) -> str:
    for bound, text in CV_BANDS:
        if cv_percent <= bound:
            return text
    return ""


@dataclass(frozen=True)
class LabourRow:
    measure: str
    label: str
    unit: str
    year: int
    value: float
    lower: float
    upper: float
    uk: float
    uk_lower: float
    uk_upper: float
    z: float
    p: float
    cv: float
    precision: str
    source: str
    release: str
    same_area: str = ""
    benchmark: str = "UK"

    @property
    def distinguishable(self) -> bool:
        return self.p < 0.05

    def sentence(self, place: str) -> str:
        """One plain sentence on whether the gap to the UK is statistically distinguishable."""
        fmt = (lambda v: f"£{v:,.0f}") if self.measure == "median_weekly_pay" else (lambda v: f"{v:.1f}%")
        diff = self.value - self.uk
        gap = (f"£{abs(diff):,.0f}" if self.measure == "median_weekly_pay" else f"{abs(diff):.1f} percentage points")
        side = "above" if diff > 0 else "below"
        b = "Great Britain's" if self.benchmark == "GB" else "the UK's"
        p = "p < 0.001" if self.p < 0.001 else f"p = {self.p:.3f}"
        head = f"{self.label} in {place}, {fmt(self.value)} in {self.year}, is {gap} {side} {b} {fmt(self.uk)}"
        if fmt(self.value) == fmt(self.uk):
            head = f"{self.label} in {place}, {fmt(self.value)} in {self.year}, is the same as {b} as published"
        if self.distinguishable:
            return f"{head}: a real difference, larger than the surveys' sampling error ({p})."
        return f"{head}, a difference the surveys cannot tell apart from sampling error ({p})."


@dataclass(frozen=True)
class Labour(Result):
    """The labour market of a place: survey rates and pay with 95% intervals against the UK, the
    claimant rate over time, real pay change and the share of jobs below the Real Living Wage."""

    title = "Work and the labour market"
    region: str = ""
    code: str = ""
    rows: tuple[LabourRow, ...] = ()
    missing: tuple[tuple[str, str], ...] = ()
    claimant: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)  # year x (place, UK)
    claimant_release: str = ""
    pay_series: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)  # year x value, lower, upper, uk
    real_pay: dict = field(default_factory=dict)  # first_year, year, place_nominal, place_real, uk_nominal, uk_real
    living_wage: dict = field(default_factory=dict)  # year, share, uk
    ashe_quality: str = ""  # ONS's CV band of the ASHE 2023 median (place of residence)

    def to_frame(self) -> pd.DataFrame:
        """One row per survey estimate: value and 95% bounds, the UK's, z, p, CV, precision, source."""
        return pd.DataFrame([{k: getattr(r, k) for k in r.__dataclass_fields__} | {
            "distinguishable": r.distinguishable} for r in self.rows])

    def sentences(self) -> list[str]:
        return [r.sentence(self.region) for r in self.rows if r.measure != "median_weekly_pay"] + [
            r.sentence(self.region) for r in self.rows if r.measure == "median_weekly_pay"]

    def plot(self, ax: Any = None, **kwargs: Any) -> Any:
        """Point estimates with 95% error bars, place against the UK, for each rate."""
        ax = new_axes(ax)
        rows = [r for r in self.rows if r.measure != "median_weekly_pay"]
        y = range(len(rows))
        ax.errorbar([r.value for r in rows], [i + 0.15 for i in y],
                    xerr=[[r.value - r.lower for r in rows], [r.upper - r.value for r in rows]],
                    fmt="o", capsize=3, label=self.region)
        ax.errorbar([r.uk for r in rows], [i - 0.15 for i in y],
                    xerr=[[r.uk - r.uk_lower for r in rows], [r.uk_upper - r.uk for r in rows]],
                    fmt="s", capsize=3, color="0.45", label="UK")
        ax.set_yticks(list(y), [r.label for r in rows])
        ax.set_xlabel("per cent (95% confidence interval)")
        ax.legend(frameon=False)
        return ax


def labour(region: Any) -> Labour:
    """The labour market of ``region`` against the UK, each measure from the newest release that
    publishes it for the place or an area of the same councils
    (:func:`levelup.analysis.headline.measure_pair`); see the module docstring for the test."""
    from levelup.analysis.headline import measure_pair

    reg = _resolve(region)
    rows, missing = [], []
    pay_series = pd.DataFrame()
    for m, (label, unit) in RATES.items():
        bench = GB if m in GB_BENCHMARK else None
        try:
            p = _memo(("pair", m, reg.code, reg.level, tuple(reg.members), None if bench is None else bench.code),
                      lambda m=m, bench=bench: measure_pair(m, reg, benchmark=bench))
        except LevelupError as exc:
            missing.append((m, str(exc).splitlines()[0]))
            continue
        if p.lower is None or p.uk_lower is None:
            missing.append((m, "ONS publishes no confidence interval for it here"))
            continue
        years = [y for y in p.years if pd.notna(p.lower.get(y)) and pd.notna(p.uk_lower.get(y))]
        if not years:
            missing.append((m, "no year with confidence intervals for both the area and the UK"))
            continue
        y = years[-1]
        x, lo, hi = float(p.place[y]), float(p.lower[y]), float(p.upper[y])
        u, ulo, uhi = float(p.uk[y]), float(p.uk_lower[y]), float(p.uk_upper[y])
        z, pv = z_test(x, lo, hi, u, ulo, uhi)
        cv = 100 * se_from_ci(lo, hi) / x if x else math.nan
        same = f"{p.same_as.name} ({p.same_as.code})" if p.same_as is not None else ""
        rows.append(LabourRow(m, label, unit, int(y), x, lo, hi, u, ulo, uhi, z, pv, cv, cv_band(cv), p.source,
                              p.release, same, "GB" if bench is not None else "UK"))
        if m == "median_weekly_pay":
            pay_series = pd.DataFrame({"value": p.place, "lower": p.lower, "upper": p.upper, "uk": p.uk}).dropna(
                subset=["value", "uk"])
            pay_series.index.name = "year"
    claimant, claimant_release = pd.DataFrame(), ""
    try:
        c = _memo(("pair", "claimant_rate", reg.code, reg.level, tuple(reg.members), None),
                  lambda: measure_pair("claimant_rate", reg))
        claimant = pd.DataFrame({reg.name: c.place, "UK": c.uk}).dropna()
        claimant.index.name = "year"
        claimant_release = c.release
    except LevelupError as exc:
        missing.append(("claimant_rate", str(exc).splitlines()[0]))
    real_pay = _real_pay(pay_series) if not pay_series.empty else {}
    living_wage, quality = _ashe_extras(reg)
    return Labour(region=reg.name, code=reg.code, rows=tuple(rows), missing=tuple(missing), claimant=claimant,
                  claimant_release=claimant_release, pay_series=pay_series, real_pay=real_pay,
                  living_wage=living_wage, ashe_quality=quality)


def _real_pay(pay: pd.DataFrame, span: int = 5) -> dict:
    """Nominal and CPIH-deflated change of median pay over the last ``span`` years CPIH covers."""
    from levelup.data.pay import cpih

    index = cpih()
    years = [int(y) for y in pay.index if int(y) in index.index]
    if len(years) < 2:
        return {}
    y1 = years[-1]
    y0 = max(years[0], y1 - span)
    out = {"first_year": y0, "year": y1}
    for key, col in (("place", "value"), ("uk", "uk")):
        nominal = pay.loc[y1, col] / pay.loc[y0, col]
        out[f"{key}_nominal"] = 100 * (nominal - 1)
        out[f"{key}_real"] = 100 * (nominal / (index[y1] / index[y0]) - 1)
    return out


def _ashe_extras(reg) -> tuple[dict, str]:
    """The share of jobs below the Real Living Wage (ASHE, place of work) and ONS's precision band
    of the 2023 median (place of residence), for ITL1 regions and councils."""
    if reg.level not in ("itl1", "lad"):
        return {}, ""
    from levelup.data.api import _load_keyed
    from levelup.data.pay import pay_summary

    lw: dict = {}
    try:
        t = _memo(("pay_table", reg.code, reg.level), lambda: pay_summary(reg.code, reg.level))
        row = t[t["indicator"] == "below_living_wage_share"]
        if len(row) and pd.notna(row["value"].iat[0]):
            lw = {"year": str(row["period"].iat[0]), "share": float(row["value"].iat[0]), "uk": float(row["uk"].iat[0])}
    except LevelupError:
        pass
    quality = ""
    try:
        df = _memo(("ashe_tidy",), lambda: _load_keyed("ashe")[1])
        q = df[(df["geo_code"] == reg.code) & (df["level"] == reg.level) & (df["measure"] == "median_weekly_pay")
               & (df["sex"] == "all") & (df["working_pattern"] == "all")].sort_values("year")
        if len(q) and q["quality"].iat[-1]:
            quality = f"{q['quality'].iat[-1]} in ASHE {int(q['year'].iat[-1])}"
    except LevelupError:
        pass
    return lw, quality
