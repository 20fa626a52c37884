"""Why the gap: GDP per head relative to the UK split into productivity, hours, jobs and the GDP/GVA ratio.

For a place r and the benchmark b (the UK less Extra-Regio, ONS's published row), with GDP and GVA
at current prices (GVA balanced, basic prices), P residents, J filled jobs and H hours worked in an
average week, all in one year:

    GDP/P = GVA/(52 H) * (52 H)/J * J/P * GDP/GVA

so that, taking logs of the place's ratio to the benchmark,

    ln(y_r / y_b) = ln(pi_r / pi_b) + ln(h_r / h_b) + ln(e_r / e_b) + ln(t_r / t_b)

with pi = GVA per hour worked (productivity), h = hours per job, e = jobs per resident and
t = GDP / GVA (taxes less subsidies on products). The four log ratios add up to the log ratio of
GDP per head exactly, since each is computed from the same totals. This is the accounting
decomposition of output per head into productivity and labour utilisation used by ONS's regional
productivity articles and the OECD's *Regions and Cities at a Glance* (productivity x employment
rate x ...); it describes, it does not explain.

One release per decomposition: GDP, GVA and population from Regional GDP (April 2024; the city
regions workbook for councils and combined authorities), hours and jobs from Subregional
productivity (June 2024), which ONS builds on that GDP release's GVA. Combined authorities and
custom places are the sums of their members' totals.

Jobs are counted where people work and residents where they live, so a place that many people
commute into has many jobs per resident and a high GDP per head that its residents do not earn:
:data:`COMMUTING_THRESHOLD` is the difference from the benchmark's jobs per resident beyond which
the report says so.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from levelup.analysis._common import _memo, _resolve
from levelup.data import indicator
from levelup.errors import ModelInputError, UnknownSourceError
from levelup.results import Result, new_axes

#: The releases read (GDP side, productivity side): one decomposition, one release pair.
GDP_VINTAGE, PRODUCTIVITY_VINTAGE = "2024-04", "2024-06"
#: Councils the April 2024 release does not publish (it covers those in city regions only): GDP, GVA and
#: population from the April 2025 local-authority release instead, with hours and jobs still from June 2024.
FALLBACK_GDP_VINTAGE = "2025-04"
#: Jobs per resident more than this far from the benchmark's (either way) earns a commuting caveat.
COMMUTING_THRESHOLD = 0.15
#: The benchmark: ONS's published row for the UK less Extra-Regio (output not assigned to any region).
BENCHMARK_CODE = "UKX"

#: component -> (label, how the place's value is shown)
COMPONENTS = {
    "gva_per_hour": "Productivity (GVA per hour worked)",
    "hours_per_job": "Hours worked per job",
    "jobs_per_resident": "Jobs per resident",
    "gdp_to_gva": "GDP relative to GVA (taxes on products)",
}
_GDP_SIDE = ("gdp", "gva_total", "population")
_PROD_SIDE = ("hours_worked", "filled_jobs")


@dataclass(frozen=True)
class GapDecomposition(Result):
    """GDP per head of a place relative to the benchmark as the sum of four log ratios.

    ``table``: one row per component (``gva_per_hour, hours_per_job, jobs_per_resident,
    gdp_to_gva``) then ``gdp_per_head``, with ``place`` and ``benchmark`` values (GBP per hour,
    hours a week per job, jobs per resident, ratio, GBP per head), ``index`` (benchmark = 100) and
    ``log_points`` (100 * ln ratio); the components' log points add up to GDP per head's.
    ``totals``: the published totals used (place and benchmark).
    """

    title = "Why the gap"
    region: str = ""
    code: str = ""
    benchmark: str = "UK less Extra-Regio"
    year: int = 0
    gdp_release: str = ""
    productivity_release: str = ""
    table: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)
    totals: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)
    sources: tuple[str, ...] = ()

    @property
    def one_release(self) -> bool:
        """GDP side from the release the productivity figures are built on (else a newer one)."""
        return self.gdp_release == "April 2024"

    @property
    def total(self) -> float:
        """100 * ln(GDP per head of the place / the benchmark's)."""
        return float(self.table.loc["gdp_per_head", "log_points"])

    @property
    def jobs_ratio(self) -> float:
        """Jobs per resident of the place / the benchmark's."""
        return float(self.table.loc["jobs_per_resident", "index"]) / 100

    @property
    def commuting(self) -> bool:
        """Jobs per resident more than :data:`COMMUTING_THRESHOLD` away from the benchmark's."""
        return abs(self.jobs_ratio - 1) > COMMUTING_THRESHOLD

    def to_frame(self) -> pd.DataFrame:
        return self.table.reset_index()

    def notes(self) -> list[str]:
        out = [f"{self.region}, {self.year}: GDP per head {self.table.loc['gdp_per_head', 'index']:.1f} "
               f"({self.benchmark} = 100), {self.total:+.1f} log points",
               *(f"{COMPONENTS[k]}: {r.log_points:+.1f} log points (index {r.index:.1f})"
                 for k, r in self.table.drop(index="gdp_per_head").iterrows())]
        if self.commuting:
            out.append(f"Jobs per resident {100 * (self.jobs_ratio - 1):+.0f}% against the {self.benchmark}: "
                       "commuting moves output and residents apart")
        return out

    def plot(self, ax: Any = None, **kwargs: Any) -> Any:
        ax = new_axes(ax)
        t = self.table.iloc[::-1]
        ax.barh([COMPONENTS.get(k, "GDP per head") for k in t.index], t["log_points"], **kwargs)
        ax.axvline(0, color="black", lw=0.8)
        ax.set_xlabel(f"log points (100 x ln ratio to the {self.benchmark})")
        return ax


#: (release, kind of level) -> the registered source of that release (read directly: one parquet each)
_SOURCES = {("2024-04", "itl"): "gdp_2024", ("2024-04", "lad"): "gdp_cityregions_2024",
            ("2025-04", "lad"): "lad_gdp", ("2025-04", "itl"): "lad_gdp", ("2024-06", "itl"): "productivity_2024",
            ("2024-06", "lad"): "productivity_2024"}


def _table(measure: str, level: str, vintage: str) -> pd.DataFrame:
    """Units (rows) x years of ``measure`` at ``level`` from the source of release ``vintage``: the same
    numbers as ``indicator(measure, level, vintage=vintage)``, read from that one source."""

    def build() -> pd.DataFrame:
        from levelup.data import load

        sid = _SOURCES.get((vintage, "lad" if level in ("lad", "cauth") else "itl"))
        if sid is None:
            return indicator(measure, level, vintage=vintage)
        df = load(sid)
        df = df[(df["measure"] == measure) & (df["level"] == level)]
        if df.empty:
            raise UnknownSourceError(f"no {measure} at level {level} in the {vintage} release")
        wide = df.pivot_table(index="geo_code", columns="year", values="value", aggfunc="first", dropna=False)
        wide.columns = wide.columns.astype(int)
        wide.attrs = {"source": sid, "vintage": vintage, "unit": str(df["unit"].iat[0])}
        return wide

    return _memo(("decomposition_table", measure, level, vintage), build)


def _totals_of(reg: Any, gdp_vintage: str = GDP_VINTAGE) -> tuple[pd.DataFrame, list[str]]:
    """Measures (rows) x years of the place's published totals (members summed), and the sources."""
    from levelup.geo.aggregate import match_members

    if reg.level in ("itl1", "itl2", "itl3", "lad"):
        level, members = reg.level, [reg.code]
    elif reg.level in ("cauth", "place"):
        level, members = reg.member_level, list(reg.members)
    else:
        raise ModelInputError(f"no decomposition for {reg.name}: it is the benchmark")
    rows, sources = {}, []
    for m in _GDP_SIDE + _PROD_SIDE:
        wide = _table(m, level, gdp_vintage if m in _GDP_SIDE else PRODUCTIVITY_VINTAGE)
        if m in _GDP_SIDE and wide.attrs.get("vintage") != gdp_vintage:
            raise UnknownSourceError(f"no {m} for {level} in the {gdp_vintage} release")
        try:
            codes, _ = match_members(members, wide.index)
        except ModelInputError:
            raise UnknownSourceError(
                f"{'hours worked and jobs' if m in _PROD_SIDE else 'GDP and GVA'} are not published for "
                f"{reg.name} in the releases used for the decomposition"
            ) from None
        sub = wide.loc[codes]
        rows[m] = sub.sum(min_count=1).where(sub.notna().all())
        src = wide.attrs.get("source")
        if src and src not in sources:
            sources.append(src)
    return pd.DataFrame(rows).T, sources


def _benchmark_totals(gdp_vintage: str = GDP_VINTAGE) -> pd.DataFrame:
    """ONS's UK less Extra-Regio rows: GDP, GVA, population (Regional GDP) and hours, jobs (productivity).
    From the April 2025 local-authority release the GDP side is its UK row, the sum of the councils,
    which leaves out Extra-Regio by construction."""
    rows = {}
    if gdp_vintage == FALLBACK_GDP_VINTAGE:
        for m in _GDP_SIDE:
            wide = _table(m, "uk", gdp_vintage)
            if wide.attrs.get("source") != "lad_gdp":
                raise UnknownSourceError(f"no sum of local authorities for {m} in the {gdp_vintage} release")
            rows[m] = wide.iloc[0]
    for m in _GDP_SIDE + _PROD_SIDE:
        if m in rows:
            continue
        vintage = gdp_vintage if m in _GDP_SIDE else PRODUCTIVITY_VINTAGE
        for level in ("other", "uk"):
            try:
                wide = _table(m, level, vintage)
            except UnknownSourceError:
                continue
            if BENCHMARK_CODE in wide.index:
                rows[m] = wide.loc[BENCHMARK_CODE]
                break
        else:
            raise UnknownSourceError(f"no UK less Extra-Regio row for {m} in the {vintage} release")
    return pd.DataFrame(rows).T


def components(totals: pd.DataFrame, year: int) -> pd.Series:
    """The four factors and GDP per head from the totals of one year (GBP million, persons, weekly hours, jobs)."""
    t = totals[year]
    return pd.Series({
        "gva_per_hour": 1e6 * t["gva_total"] / (52 * t["hours_worked"]),
        "hours_per_job": t["hours_worked"] / t["filled_jobs"],
        "jobs_per_resident": t["filled_jobs"] / t["population"],
        "gdp_to_gva": t["gdp"] / t["gva_total"],
        "gdp_per_head": 1e6 * t["gdp"] / t["population"],
    })


def decompose_gap(place: Any, year: int | None = None, *, level: str | None = None) -> GapDecomposition:
    """GDP per head of ``place`` relative to the UK less Extra-Regio as productivity x hours per job
    x jobs per resident x GDP/GVA (module docstring), in ``year`` (default: the latest year with
    every total), as log points that add up exactly.

    >>> decompose_gap("Camden", level="lad").table["log_points"]   # doctest: +SKIP
    """
    reg = _resolve(place, level)
    gdp_vintage = GDP_VINTAGE
    try:
        own, sources = _totals_of(reg)
    except UnknownSourceError:
        if not (reg.level == "lad" or getattr(reg, "member_level", None) == "lad"):
            raise
        gdp_vintage = FALLBACK_GDP_VINTAGE
        own, sources = _totals_of(reg, gdp_vintage)
    bench = _benchmark_totals(gdp_vintage)
    ok = [int(y) for y in own.columns if y in bench.columns and own[y].notna().all() and bench[y].notna().all()
          and (own[y] > 0).all()]
    if not ok:
        raise UnknownSourceError(f"no year in which GDP, GVA, population, hours and jobs are all published for {reg.name}")
    y = int(year) if year is not None else max(ok)
    if y not in ok:
        raise UnknownSourceError(f"the decomposition for {reg.name} covers {min(ok)}-{max(ok)}, not {y}")
    p, b = components(own, y), components(bench, y)
    table = pd.DataFrame({"label": [COMPONENTS.get(k, "GDP per head") for k in p.index], "place": p, "benchmark": b})
    table["index"] = 100 * table["place"] / table["benchmark"]
    table["log_points"] = 100 * np.log(table["place"] / table["benchmark"])
    table.index.name = "component"
    tot = pd.DataFrame({"place": own[y], "benchmark": bench[y]})
    tot.index.name = "measure"
    return GapDecomposition(
        region=reg.name, code=reg.code, year=y, productivity_release="June 2024",
        gdp_release="April 2024" if gdp_vintage == GDP_VINTAGE else "April 2025",
        table=table, totals=tot, sources=tuple(sources) + ("productivity_2024",) * ("productivity_2024" not in sources),
    )
