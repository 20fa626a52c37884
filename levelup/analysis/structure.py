"""Industry structure: GVA shares and location quotients by SIC section, and shift-share of job change."""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from levelup.analysis._common import _data_level, _memo, _resolve
from levelup.errors import ModelInputError, UnknownSourceError
from levelup.results import TableResult, new_axes

# ------------------------------------------------------------------- shift-share
#: SIC 2007 sections by letter (what a reader is told when a section is left out or merged).
SIC_SECTIONS = {
    "A": "agriculture, forestry and fishing", "B": "mining and quarrying", "C": "manufacturing",
    "D": "electricity and gas supply", "E": "water supply and waste", "F": "construction",
    "G": "wholesale and retail trade", "H": "transport and storage", "I": "accommodation and food",
    "J": "information and communication", "K": "finance and insurance", "L": "real estate",
    "M": "professional, scientific and technical", "N": "administrative and support services",
    "O": "public administration and defence", "P": "education", "Q": "health and social work",
    "R": "arts, entertainment and recreation", "S": "other services", "T": "households as employers",
    "U": "extraterritorial organisations",
}
#: source name -> (registry measure, level with data, description)
SHIFT_SHARE_SOURCES = {
    "jobs": ("jobs", "itl1", "ONS JOBS05 workforce jobs (June quarters, thousands, seasonally adjusted)"),
    "bres": ("employment", "itl3", "BRES employees (Nomis export)"),
    "gva": ("gva", None, "ONS regional GVA(B) by industry, current prices, GBP million"),
}


def industry_table(source: str, level: str) -> pd.DataFrame:
    """Wide table (geo_code, industry) x year of one by-industry source at a level, sections only.

    ``jobs``: JOBS05 SIC 2007 sections A-T (June quarters). ``bres``: BRES sections A-U.
    ``gva``: GVA(B) by SIC section (AB, C, DE, F, G ... T as ONS groups them), current prices.
    """
    from levelup.data import load

    if source not in SHIFT_SHARE_SOURCES:
        raise UnknownSourceError(f"shift-share source must be one of {list(SHIFT_SHARE_SOURCES)}, got {source!r}")
    measure, _, _ = SHIFT_SHARE_SOURCES[source]
    src = {"jobs": "jobs05", "bres": "bres", "gva": "gva_industry"}[source]
    df = load(src)
    df = df[(df["measure"] == measure) & (df["level"].isin([level, "uk"]))]
    if source == "jobs":
        df = df[df["period"].str.startswith("Jun") & ~df["industry"].isin(["Total", "G-T"])]
    elif source == "bres":
        df = df[df["industry"] != "Total"]
    else:
        df = df[df["section"].astype(str) != ""]
        df = df.assign(industry=df["section"])
    wide = df.pivot_table(index=["geo_code", "industry"], columns="year", values="value", aggfunc="sum", dropna=False)
    wide.columns = wide.columns.astype(int)
    return wide


def shift_share(
    place: Any,
    start: int,
    end: int,
    *,
    source: str = "jobs",
    benchmark: str = "UK",
    method: str = "dunn",
    level: str | None = None,
):
    """Shift-share decomposition of a place's change between two years (Dunn 1960 by default).

    ``source``: ``"jobs"`` (JOBS05, ITL1 regions, 1996-2021), ``"bres"`` (BRES employees,
    ITL3 units and places built from them, GB, 2015-2021) or ``"gva"`` (GVA by industry,
    current prices, ITL1-ITL3, 1998-2021). ``benchmark`` is ``"UK"`` (the sum of all units
    in the same table, so industries align exactly) or another region. ``method``:
    ``dunn``, ``esteban`` or ``arcelus``. Industries are aligned by SIC section; a section
    missing on one side raises an error naming it.
    """
    from levelup.models import shiftshare

    reg = _resolve(place, level)
    _, data_level, desc = SHIFT_SHARE_SOURCES[source]
    unit_level = reg.level if reg.level in ("itl1", "itl2", "itl3") else _data_level(reg)
    if data_level == "itl1" and unit_level != "itl1":
        raise UnknownSourceError(f"{desc} is published for ITL1 regions only; use source='bres' or 'gva' for {reg.name}")
    table_level = data_level or unit_level
    if source == "bres" and unit_level in ("itl1", "itl2"):
        table_level = "itl3"
    if source == "bres" and unit_level == "lad":
        raise UnknownSourceError(f"{desc} is by ITL3 area, not by local authority: no shift-share for {reg.name}")
    wide = industry_table(source, table_level)
    years = [int(start), int(end)]
    for y in years:
        if y not in wide.columns:
            raise UnknownSourceError(f"{desc} has no year {y}; it covers {wide.columns.min()}-{wide.columns.max()}")
    codes = wide.index.get_level_values("geo_code")
    if reg.level == table_level:
        members = [reg.code]
    elif reg.level in ("itl1", "itl2") and table_level == "itl3":
        members = sorted({c for c in codes if c.startswith(reg.code) and len(c) == 5})
    else:
        members = list(reg.members)
    missing = [m for m in members if m not in set(codes)]
    if missing:
        what = "it" if missing == [reg.code] else "part of it (" + ", ".join(missing) + ")"
        raise UnknownSourceError(f"{desc} does not cover {reg.name} or {what}")
    region = wide.loc[members, years].groupby(level="industry").sum(min_count=1)
    units = wide[~codes.isin(["UK", "UKX", "TLB", "TLZ", "GB"])]
    if str(benchmark).upper() == "UK":
        nation = units.loc[:, years].groupby(level="industry").sum(min_count=1)
        bname = f"UK (sum of {table_level} units)"
    else:
        breg = _resolve(benchmark)
        nation = wide.loc[[breg.code], years].groupby(level="industry").sum(min_count=1)
        bname = breg.name
    region, nation, dropped, merged = _without_empty_industries(region[years], nation[years], years)
    fn = {"dunn": shiftshare.dunn, "esteban": shiftshare.esteban, "arcelus": shiftshare.arcelus}[method]
    res = fn(region[years[0]], region[years[1]], nation[years[0]], nation[years[1]])
    object.__setattr__(res, "title", f"{res.title}: {reg.name}, {start}-{end}, against {bname}")
    object.__setattr__(res, "dropped_industries", dropped)
    object.__setattr__(res, "merged_industries", merged)
    return res


def gva_shift_share(place: Any, start: int, end: int, *, level: str | None = None):
    """Shift-share (Dunn 1960) of the change in GVA of a council, combined authority or place made of
    councils, by SIC section, against the UK (the sum of every council of the same table).

    Data: ONS GVA for local authorities by industry (current prices, GBP million, 1998-2021; sections
    as ONS groups them for councils, ``ABDE`` ...), the April 2023 authorities built from the 2021
    districts as in :func:`industry_structure`. Councils with a suppressed section in either year are
    left out of the UK sum (``attrs``-free: listed in ``uk_excluded``); a place with a suppressed
    section of its own raises UnknownSourceError. Empty sections are handled as in :func:`shift_share`.
    """
    from levelup.geo.aggregate import match_members
    from levelup.models import shiftshare

    reg = _resolve(place, level)
    if reg.level == "lad":
        members = [reg.code]
    elif reg.level == "cauth" or getattr(reg, "member_level", None) == "lad":
        members = list(reg.members)
    else:
        raise UnknownSourceError(f"{reg.name} is not made of local authorities: use shift_share()")
    sections, totals, _, src = _gva_sections("lad")
    years = [int(start), int(end)]
    bad = [y for y in years if y not in sections.columns]
    if bad:
        raise UnknownSourceError(f"GVA by industry for local authorities has no year {bad}; it covers "
                                 f"{int(sections.columns.min())}-{int(sections.columns.max())}")
    codes, _ = match_members(members, totals.index)
    wide = sections[years]
    complete = wide.notna().all(axis=1).groupby(level="geo_code").all()
    own = wide.loc[codes]
    if own.isna().any().any():
        raise UnknownSourceError(f"ONS suppresses part of {reg.name}'s GVA by industry (disclosure)")
    region = own.groupby(level="section").sum()
    keep = complete.index[complete]
    nation = wide.loc[wide.index.get_level_values("geo_code").isin(keep)].groupby(level="section").sum()
    region, nation, dropped, merged = _without_empty_industries(region, nation, years)
    res = shiftshare.dunn(region[years[0]], region[years[1]], nation[years[0]], nation[years[1]])
    object.__setattr__(res, "title", f"{res.title}: {reg.name}, GVA {start}-{end}, against the UK (sum of councils)")
    object.__setattr__(res, "dropped_industries", dropped)
    object.__setattr__(res, "merged_industries", merged)
    object.__setattr__(res, "uk_excluded", tuple(sorted(complete.index[~complete])))
    object.__setattr__(res, "source", src)
    return res


def _without_empty_industries(region: pd.DataFrame, nation: pd.DataFrame, years: list[int]
                              ) -> tuple[pd.DataFrame, pd.DataFrame, tuple[str, ...], dict[str, tuple[str, ...]]]:
    """Industries (rows) with no benchmark employment at the start, made usable for shift-share.

    A growth rate needs a non-zero start, so an industry whose benchmark value at the start is
    zero is left out when it is zero everywhere in both years (nothing to decompose: BRES's
    sections T and U), and otherwise merged with the industry before it in SIC order (``S`` and
    ``T`` become ``S-T``). Returns the two tables, the industries left out and ``{merged label:
    its parts}``.
    """
    y0 = years[0]
    nation = nation.sort_index()
    region = region.reindex(nation.index)
    empty = (nation.fillna(0) == 0).all(axis=1) & (region.fillna(0) == 0).all(axis=1)
    dropped = tuple(str(i) for i in nation.index[empty])
    region, nation = region.drop(index=list(dropped), errors="ignore"), nation.drop(index=list(dropped))
    merged: dict[str, tuple[str, ...]] = {}
    while (nation[y0] == 0).any() and len(nation) > 1:
        pos = int(np.flatnonzero(nation[y0].to_numpy() == 0)[0])
        a, b = (pos - 1, pos) if pos > 0 else (pos, pos + 1)
        la, lb = nation.index[a], nation.index[b]
        parts = merged.pop(str(la), (str(la),)) + merged.pop(str(lb), (str(lb),))
        label = f"{parts[0]}-{parts[-1]}"
        merged[label] = parts
        region, nation = _merge_rows(region, a, b, label), _merge_rows(nation, a, b, label)
    return region, nation, dropped, merged


def _merge_rows(t: pd.DataFrame, a: int, b: int, label: str) -> pd.DataFrame:
    """``t`` with its adjacent rows ``a`` and ``b`` replaced by their sum, labelled ``label``."""
    row = t.iloc[[a, b]].sum(min_count=1).to_frame(label).T
    return pd.concat([t.iloc[:a], row, t.iloc[b + 1:]])


# ------------------------------------------------------------ industry structure
#: The SIC 2007 sections of the GVA-by-industry tables (ONS groups some at small areas: ``AB``
#: and ``DE`` at ITL3, ``ABDE`` for local authorities); subsections such as ``CA-CB`` are excluded.
_LAD_SECTION = r"^(?P<section>[A-Z]|ABDE) \("


def _gva_sections(level: str) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, str], str]:
    """:func:`_gva_sections_uncached`, kept in the store (read again when its files change)."""
    return _memo(("gva_sections", level), lambda: _gva_sections_uncached(level))


def _gva_sections_uncached(level: str) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, str], str]:
    """(sections, totals, section names, source id) of current-price GVA at ``level``.

    ``sections``: index (geo_code, section) x years; ``totals``: geo_code x years (the published
    all-industries row). Local authorities come from ``lad_gva_industry`` (2021 codes) summed to
    their April 2023 codes with the file's ``lad23`` column; a sum with a suppressed member is NaN.
    """
    from levelup.data import load

    if level == "lad":
        src = "lad_gva_industry"
        df = load(src)
        df = df[df["measure"] == "gva"]
        sec = df["industry"].str.extract(_LAD_SECTION)["section"]
        df = df.assign(section=sec.fillna(""), geo_code=df["lad23"])
        df = df[(df["section"] != "") | (df["industry"] == "Total")]
    else:
        src = "gva_industry"
        df = load(src)
        df = df[(df["measure"] == "gva") & (df["level"] == level)]
        df = df[(df["section"].astype(str) != "") | (df["industry"] == "Total")]
        df = df.assign(section=df["section"].astype(str))
    if df.empty:
        raise UnknownSourceError(f"GVA by industry has no rows at level {level!r}")
    names = dict(zip(df["section"], df["industry_name"]))
    names.pop("", None)
    df = df.assign(nan=df["value"].isna())
    agg = df.groupby(["geo_code", "section", "year"], sort=True).agg(value=("value", "sum"), nan=("nan", "any"))
    agg["value"] = agg["value"].where(~agg["nan"])
    wide = agg["value"].unstack("year")
    wide.columns = wide.columns.astype(int)
    totals = wide.xs("", level="section")
    sections = wide.drop(index="", level="section")
    return sections, totals, names, src


@dataclass(frozen=True)
class IndustryShares(TableResult):
    """GVA shares by SIC section and location quotients of a place against the UK
    (:func:`industry_structure`); ``to_frame()`` one row per year and section."""

    title = "Industry shares and location quotients"
    region: Any = None

    def plot(self, ax: Any = None, year: int | None = None, **kwargs: Any) -> Any:
        """Horizontal bars: the place's share of GVA by section beside the UK's, one year (latest)."""
        t = self.table
        y = int(t["year"].max()) if year is None else int(year)
        d = t[t["year"] == y].dropna(subset=["share"]).sort_values("share")
        ax = new_axes(ax, figsize=(6.4, 0.28 * len(d) + 1.2))
        pos = np.arange(len(d))
        ax.barh(pos + 0.2, d["share"], height=0.4, label=getattr(self.region, "name", "place"), **kwargs)
        ax.barh(pos - 0.2, d["uk_share"], height=0.4, label="UK", color="#999999")
        ax.set_yticks(pos, d["section"])
        ax.set_xlabel(f"share of GVA, % ({y})")
        ax.legend(frameon=False)
        return ax

    def notes(self) -> list[str]:
        a = self.table.attrs
        out = [f"Data: {a.get('source', '')}; {a.get('unit', '')}; {a.get('benchmark', '')}.",
               "LQ = share / UK share (Miller, Gibson and Wright 1991)."]
        left_out = {y: u for y, u in a.get("uk_excluded", {}).items() if u}
        if left_out:
            out.append("Left out of the UK sum (a suppressed section): "
                       + "; ".join(f"{y}: {', '.join(u)}" for y, u in left_out.items()) + ".")
        return [*out, *super().notes()]


def industry_shares(place: Any, year: int | list[int] | None = None, *, level: str | None = None) -> pd.DataFrame:
    """Deprecated: ``industry_structure(place, year, level=level).to_frame()`` (removed in 0.3)."""
    warnings.warn("levelup.analysis.industry_shares is deprecated and will be removed in 0.3: use "
                  "industry_structure(...), a result whose to_frame() is this table", DeprecationWarning, stacklevel=2)
    return industry_structure(place, year, level=level).to_frame()


def industry_structure(place: Any, year: int | list[int] | None = None, *, level: str | None = None) -> IndustryShares:
    """Shares of GVA by SIC 2007 section and location quotients of a place against the UK.

    For a place P (its members summed), a SIC section s and a year:

        share_Ps = 100 * GVA_Ps / GVA_P      uk_share_s = 100 * GVA_UKs / GVA_UK
        LQ_Ps = share_Ps / uk_share_s        (Miller, Gibson and Wright 1991; as
                                              :func:`levelup.models.specialisation.location_quotient`)

    with ``GVA_P`` the published all-industries total (so a suppressed section does not inflate
    the others). GVA is current basic prices, GBP million. Data: ITL regions and places made of
    ITL3 units use the regional GVA-by-industry table (``gva_industry``); local authorities,
    combined authorities and places made of local authorities use the local-authority table
    (``lad_gva_industry``, 374 districts of 2021 summed to the April 2023 authorities: Cumberland =
    Allerdale + Carlisle + Copeland, ...; newer member codes such as E08000038 map to their April
    2023 code). The UK is the sum over every unit of the same table and level, so vintages are
    never mixed; units with a suppressed section (ONS marker ``c``: Cornwall and the Isles of
    Scilly) are left out of the UK sum in that year and listed in ``attrs["uk_excluded"]``. A
    region's section is NaN where a member's value is suppressed.

    Returns an :class:`IndustryShares` whose ``to_frame()`` is tidy, one row per year and section:
    ``year, section, section_name, region_gva, region_total, share, uk_gva, uk_total, uk_share, lq``
    (shares in per cent). ``year``: one year, a list, or None for the latest.

    >>> industry_structure("Liverpool", 2021, level="lad").to_frame().set_index("section").loc["C", "share"]  # doctest: +SKIP
    """
    from levelup.geo.aggregate import match_members

    reg = _resolve(place, level)
    if reg.level in ("itl1", "itl2", "itl3"):
        table_level, members = reg.level, [reg.code]
    elif reg.level in ("lad", "cauth") or getattr(reg, "member_level", None) == "lad":
        table_level, members = "lad", [reg.code] if reg.level == "lad" else list(reg.members)
    elif reg.level == "place":
        table_level, members = "itl3", list(reg.members)
    else:
        raise ModelInputError(f"no industry structure for {reg.name} ({reg.level}): it is the benchmark")
    sections, totals, names, src = _gva_sections(table_level)
    codes, code_map = match_members(members, totals.index)
    have = [int(c) for c in totals.columns]
    years = [have[-1]] if year is None else [int(y) for y in np.atleast_1d(year)]
    bad = [y for y in years if y not in have]
    if bad:
        raise UnknownSourceError(f"GVA by industry ({src}) has no year {bad}; it covers {have[0]}-{have[-1]}")
    secs = sections.index.get_level_values("section")
    sec_order = sorted(set(secs), key=lambda s: (s[0], len(s)))
    rows, excluded = [], {}
    for y in years:
        col = sections[y].unstack("section").reindex(columns=sec_order)
        tot = totals[y]
        sub, t = col.loc[codes], tot.loc[codes]
        reg_gva = sub.sum(min_count=1).where(sub.notna().all())
        reg_tot = float(t.sum()) if t.notna().all() else np.nan
        complete = col.notna().all(axis=1) & tot.reindex(col.index).notna()
        excluded[y] = sorted(col.index[~complete])
        uk_gva = col.loc[complete].sum()
        uk_tot = float(tot.reindex(col.index)[complete].sum())
        share, uk_share = 100 * reg_gva / reg_tot, 100 * uk_gva / uk_tot
        rows.append(pd.DataFrame({
            "year": y, "section": sec_order, "section_name": [names.get(s, s) for s in sec_order],
            "region_gva": reg_gva.to_numpy(), "region_total": reg_tot, "share": share.to_numpy(),
            "uk_gva": uk_gva.to_numpy(), "uk_total": uk_tot, "uk_share": uk_share.to_numpy(),
            "lq": (share / uk_share).to_numpy(),
        }))
    out = pd.concat(rows, ignore_index=True)
    out.attrs = {
        "region": reg.code, "name": reg.name, "level": reg.level, "table_level": table_level, "source": src,
        "members": tuple(codes), "code_map": code_map, "uk_excluded": excluded,
        "unit": "GBP million, current basic prices",
        "benchmark": f"UK = sum of the {table_level} units of the same table"
        + (" (April 2023 authorities built from the 2021 districts)" if table_level == "lad" else ""),
    }
    return IndustryShares(table=out, region=reg)

