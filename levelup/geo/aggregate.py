"""Aggregation done right: a place's totals are sums over its members, per-head values are ratios of sums.

For a place P with members i (ITL3 units or local authorities):

    GDP_P = sum_i GDP_i,        population_P = sum_i population_i,
    GDP per head_P = sum_i GDP_i / sum_i population_i        (never mean_i GDP per head_i),

which is the population-weighted mean of the members' per-head values, as in the ONS regional
accounts, where an ITL2 value is the sum of its ITL3 values (ONS, *Regional economic activity by
GDP, UK: 1998 to 2021*, Methods). Numerator and denominator come from the same source file and
vintage (``lad_gdp`` for local authorities, ``gdp`` for ITL3 units). Chained-volume (CVM) values,
indices, deflators and growth rates are not additive and are refused.

Member codes are matched to the data deliberately and the mapping is recorded in
``attrs["code_map"]``: a newer code of the same authority uses its April 2023 code (E08000038 ->
E08000016); a 2023 unitary authority missing from an older-vintage file (e.g. the 374-code GVA by
industry) is the sum of its predecessor districts (E06000063 <- E07000026, E07000028, E07000029).
A year in which any member is NaN gives NaN (never a partial sum), listed in ``attrs["incomplete"]``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from levelup._frozen import FrozenDict
from levelup.errors import ModelInputError

#: measure -> ("sum",) or ("ratio", numerator, denominator, scale)
RULES: dict[str, tuple] = {
    "gdp": ("sum",),
    "gva_total": ("sum",),
    "gva": ("sum",),
    "population": ("sum",),
    "gdhi": ("sum",),
    "gdhi_population": ("sum",),
    "jobs": ("sum",),
    "employment": ("sum",),
    "hours_worked": ("sum",),
    "filled_jobs": ("sum",),
    "gdp_per_head": ("ratio", "gdp", "population", 1e6),
    "gdhi_per_head": ("ratio", "gdhi", "gdhi_population", 1e6),
    # per-hour values weighted by hours: sum(x_i h_i) / sum(h_i) = total GVA / total hours
    "gva_per_hour": ("weighted", "hours_worked"),
}


def _members(region) -> tuple[list[str], str, object]:
    """(member codes, member level, Region or None) for a Region, a name/code or a list of codes."""
    from levelup.geo.resolve import Region, resolve

    if isinstance(region, str):
        region = resolve(region)
    if isinstance(region, Region):
        return list(region.members), region.member_level, region
    codes = [str(c) for c in region]
    if not codes:
        raise ModelInputError("aggregate() needs at least one member")
    kinds = {"itl3" if c.startswith("TL") else "lad" for c in codes}
    if len(kinds) > 1:
        raise ModelInputError(f"members mix ITL3 and local-authority codes: {codes}")
    return codes, kinds.pop(), None


def match_members(
    members: Sequence[str], available: Iterable[str]
) -> tuple[list[str], dict[str, tuple[str, ...]]]:
    """Data codes for ``members`` and the mapping used ({member: (data codes)} where they differ).

    Raises ``ModelInputError`` naming members that cannot be matched.
    """
    from levelup.geo.lad import canonical, predecessors

    have = set(available)
    used: list[str] = []
    mapping: dict[str, tuple[str, ...]] = {}
    missing = []
    for m in members:
        if m in have:
            used.append(m)
            continue
        c = canonical(m, strict=False) if not m.startswith("TL") else m
        if c in have:
            used.append(c)
            mapping[m] = (c,)
            continue
        olds = predecessors(c)
        if olds and all(o in have for o in olds):
            used.extend(olds)
            mapping[m] = olds
            continue
        missing.append(m)
    if missing:
        raise ModelInputError(f"no data for member(s) {', '.join(missing)} in this table")
    return list(dict.fromkeys(used)), mapping


def sum_members(wide: pd.DataFrame, members: Sequence[str]) -> pd.Series:
    """Sum of a wide table (codes x years) over ``members``; NaN in a year where any member is NaN."""
    codes, mapping = match_members(members, wide.index)
    sub = wide.loc[codes]
    out = sub.sum(axis=0, min_count=1)
    bad = sub.isna().any(axis=0)
    out[bad] = np.nan
    out.attrs = {
        "members": tuple(codes),
        "code_map": mapping,
        "incomplete": {int(y): sorted(sub.index[sub[y].isna()]) for y in sub.columns[bad.to_numpy()]},
    }
    return out


def _wide(measure: str, level: str, source: str | None, years) -> pd.DataFrame:
    from levelup.data import indicator, load

    if source is None:
        return indicator(measure, level, years=years)
    df = load(source)
    sel = df[(df["measure"] == measure) & (df["level"] == level)]
    if "industry" in sel.columns:
        sel = sel[sel["industry"] == "Total"]
    if sel.empty:
        raise ModelInputError(f"source {source!r} has no {measure!r} at level {level!r}")
    wide = sel.pivot(index="geo_code", columns="year", values="value")
    wide.columns = wide.columns.astype(int)
    if years is not None:
        wide = wide[[int(y) for y in years]]
    wide.attrs = {"unit": sel["unit"].iat[0], "source": source}
    return wide


def aggregate(data, members, *, level: str | None = None, years=None, source: str | None = None):
    """Aggregate one measure (or several) over a place's members, by year.

    ``data``: a measure name (rule: totals are sums, ``gdp_per_head`` = sum GDP / sum population,
    ``gdhi_per_head`` = sum GDHI / sum population); a list of names (-> DataFrame, one column each);
    a wide DataFrame (codes x years) of an additive quantity (-> its sum); or a pair
    ``(numerator_frame, denominator_frame)`` / triple with a scale (-> ratio of sums).
    ``members``: a ``Region``, a name/code to resolve, or a list of ITL3 or LAD codes.
    ``level`` overrides the data level (default: the members' level); ``source`` forces a source.

    Formula (ratio measures): ``X_P = scale * sum_i num_i / sum_i den_i`` (ONS regional accounts:
    aggregates are sums of components; per-head = aggregate / aggregate population).

    >>> aggregate("gdp_per_head", "Liverpool City Region")     # doctest: +SKIP
    year
    1998    14630.1 ...
    """
    codes, member_level, region = _members(members)
    level = level or member_level
    if isinstance(data, (list, tuple)) and data and all(isinstance(d, str) for d in data):
        out = pd.DataFrame({m: aggregate(m, codes, level=level, years=years, source=source) for m in data})
        out.index.name = "year"
        return out
    if isinstance(data, pd.DataFrame):
        res = sum_members(data, codes)
        res.attrs.update(formula="sum over members", unit=data.attrs.get("unit", ""))
        return res
    if isinstance(data, tuple) and data and isinstance(data[0], pd.DataFrame):
        num, den = data[0], data[1]
        scale = data[2] if len(data) > 2 else 1.0
        n, d = sum_members(num, codes), sum_members(den, codes)
        res = scale * n / d
        res.attrs = {**n.attrs, "formula": f"{scale:g} * sum(numerator) / sum(denominator)"}
        return res
    if not isinstance(data, str):
        raise ModelInputError(
            "aggregate() takes a measure name, a list of names, a wide DataFrame or a (num, den) pair"
        )
    rule = RULES.get(data)
    if rule is None:
        raise ModelInputError(
            f"{data!r} cannot be aggregated from its members (indices, CVM values, deflators and growth "
            f"rates are not additive); aggregable measures: {', '.join(sorted(RULES))}"
        )
    if rule[0] == "sum":
        wide = _wide(data, level, source, years)
        res = sum_members(wide, codes)
        res.attrs.update(
            measure=data,
            unit=wide.attrs.get("unit", ""),
            source=wide.attrs.get("source", source),
            formula=f"sum of {data} over members",
        )
    elif rule[0] == "weighted":
        _, w_m = rule
        x = _wide(data, level, source, years)
        w = _wide(w_m, level, source or x.attrs.get("source"), years)
        cols = [y for y in x.columns if y in w.columns]
        n = sum_members(x[cols] * w.reindex(index=x.index, columns=cols), codes)
        d = sum_members(w.reindex(index=x.index, columns=cols), codes)
        res = n / d
        res.attrs = {
            **n.attrs,
            "incomplete": {**n.attrs["incomplete"], **d.attrs["incomplete"]},
            "measure": data,
            "unit": x.attrs.get("unit", ""),
            "source": x.attrs.get("source", source),
            "formula": f"sum({data} * {w_m}) / sum({w_m})",
        }
    else:
        _, num_m, den_m, scale = rule
        num = _wide(num_m, level, source, years)
        den = _wide(den_m, level, source or num.attrs.get("source"), years)
        n, d = sum_members(num, codes), sum_members(den, codes)
        res = scale * n / d
        res.attrs = {
            **n.attrs,
            "incomplete": {**n.attrs["incomplete"], **d.attrs["incomplete"]},
            "measure": data,
            "unit": "GBP",
            "source": num.attrs.get("source", source),
            "formula": f"sum({num_m}) / sum({den_m}) * {scale:g}",
        }
    res.name = data
    res.index.name = "year"
    if region is not None:
        res.attrs["region"] = region.code
    return res


def aggregate_level(
    measure: str, kind: str = "cauth", *, vintage=None, years=None, places_files=None
) -> pd.DataFrame:
    """A wide table (codes x years) of ``measure`` for every combined authority or custom place.

    The same rules as ``aggregate``; used to rank and compare places among their own kind.
    For ``kind="place"`` the places are those of the built-in and configured files.
    """
    if kind == "cauth" and places_files is None:  # official areas: the same table for every report
        from levelup._store import STORE

        key = ("aggregate_level", measure, vintage, None if years is None else tuple(years))
        table = STORE.get(key, lambda: _aggregate_level(measure, kind, vintage=vintage, years=years, places_files=None))
        out = table.copy()
        out.attrs = dict(table.attrs)
        return out
    return _aggregate_level(measure, kind, vintage=vintage, years=years, places_files=places_files)


def _aggregate_level(measure: str, kind: str, *, vintage=None, years=None, places_files=None) -> pd.DataFrame:
    from levelup.geo.resolve import by_code, regions

    t = regions(kind, vintage=vintage, places_files=places_files)
    rows = {}
    for code in t["code"]:
        reg = by_code(code, kind, vintage=vintage, places_files=places_files)
        rows[code] = aggregate(measure, reg, years=years)
    wide = pd.DataFrame(rows).T
    wide.index.name = "geo_code"
    wide.columns.name = "year"
    wide.attrs = {"measure": measure, "level": kind, "names": FrozenDict(zip(t["code"], t["name"]))}
    return wide


def benchmark(measure: str, level: str) -> pd.Series:
    """The UK value of ``measure`` from the same file and vintage as ``level``'s data.

    At ``lad`` and ``cauth`` level this is the UK row of the local-authority GDP file (the sum over
    its local authorities); at ITL levels the UK row of the ITL file.
    """
    from levelup.data import indicator, load

    if level in ("lad", "cauth"):
        df = load("lad_gdp")
        sel = df[(df["level"] == "uk") & (df["measure"] == measure)]
        if sel.empty:
            raise ModelInputError(f"the local-authority GDP file has no UK total for {measure!r}")
        s = sel.set_index("year")["value"].sort_index()
        s.index = s.index.astype(int)
        return s
    return indicator(measure, "uk").loc["UK"]
