"""Pay levels and growth from ASHE: nominal and real change, and the gap to the UK.

Real change deflates by CPIH, ONS series L522 (annual average, 2015=100), held as an
explicit input table in ``levelup/data/cpih.csv`` (source and series id in its header).
Medians cannot be added up, so places built from several local authorities have no pay
figure of their own: report their local authorities one by one.

Formulas (``y0``, ``y1`` pay in ``start`` and ``end``; ``P`` the CPIH annual average):

* nominal growth  ``g_nom = y1 / y0 - 1``
* real growth     ``g_real = (y1 / P_end) / (y0 / P_start) - 1`` (the Fisher relation
  ``(1 + g_nom) / (1 + pi) - 1`` with ``pi = P_end / P_start - 1``)
* gap to the UK   ``ratio = y / y_UK`` and ``difference = y - y_UK`` (same table, same year)

Source: ONS, Annual Survey of Hours and Earnings, Table 8 (place of residence) and the
Living Wage Foundation table LWF.1a (place of work); ONS, Consumer price inflation, L522.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from levelup.errors import ModelInputError, UnknownSourceError


def _handle_missing(frame: pd.DataFrame, *, missing: str, what: str) -> tuple[pd.DataFrame, tuple]:
    """Raise naming the places with a missing value, or drop them and return their codes
    (the data layer's own copy of the models' check: ``levelup.data`` does not import the models)."""
    if missing not in ("raise", "drop"):
        raise ModelInputError(f"missing must be 'raise' or 'drop', got {missing!r}")
    bad = frame.isna().any(axis=1).to_numpy()
    labels = tuple(frame.index[bad])
    if labels and missing == "raise":
        shown = ", ".join(map(str, labels[:20])) + (f" and {len(labels) - 20} more" if len(labels) > 20 else "")
        raise ModelInputError(
            f"{what} have missing values for {len(labels)} unit(s): {shown}; "
            "pass missing='drop' to drop them (they are listed in the result's `dropped`)"
        )
    return (frame.loc[~bad] if labels else frame), labels


CPIH_PATH = Path(__file__).with_name("cpih.csv")
CPIH_SOURCE = "ONS series L522 (MM23), CPIH INDEX 00: ALL ITEMS 2015=100, annual average"

#: levels at which ASHE Table 8 publishes pay (others have no pay data of their own)
PAY_LEVELS = ("uk", "nation", "itl1", "lad", "other")

_NO_PAY = (
    "ASHE publishes pay for the UK, countries, regions (ITL1) and local authorities only; "
    "medians cannot be added up, so {what} has no pay figure of its own: see its local authorities"
)


def cpih(path: str | os.PathLike | None = None) -> pd.Series:
    """The CPIH annual-average index (2015=100) by year, from ``levelup/data/cpih.csv`` or ``path``.

    Source: ONS series L522 (dataset MM23). Example: ``cpih()[2023]`` -> 128.6.
    """
    table = pd.read_csv(path or CPIH_PATH, comment="#")
    if list(table.columns) != ["year", "cpih_index"]:
        raise ModelInputError(f"{path or CPIH_PATH}: expected columns 'year,cpih_index', found {list(table.columns)}")
    s = table.set_index("year")["cpih_index"].astype(float)
    s.index = s.index.astype(int)
    s.name = "cpih_index"
    s.attrs["source"] = CPIH_SOURCE if path is None else str(path)
    return s


def _deflator(deflator) -> pd.Series:
    if deflator is None:
        return cpih()
    if isinstance(deflator, (str, os.PathLike)):
        return cpih(deflator)
    if isinstance(deflator, Mapping):
        deflator = pd.Series(dict(deflator), dtype=float)
    if isinstance(deflator, pd.Series):
        s = deflator.astype(float)
        s.index = s.index.astype(int)
        s.attrs.setdefault("source", "user-supplied deflator")
        return s
    raise ModelInputError("deflator must be None (CPIH), a path to a year,cpih_index CSV, a Series or a dict")


def _ashe(data: pd.DataFrame | None) -> pd.DataFrame:
    if data is not None:
        return data
    from levelup.data.api import load

    return load("ashe")


def _select(data: pd.DataFrame, measure: str, level: str, sex: str, working_pattern: str) -> pd.DataFrame:
    sel = data[(data["measure"] == measure) & (data["level"].isin([level, "uk"]))]
    for col, val in (("sex", sex), ("working_pattern", working_pattern)):
        if col in sel.columns:
            sel = sel[sel[col] == val]
    return sel


def pay_growth(
    start: int,
    end: int,
    *,
    measure: str = "median_weekly_pay",
    level: str = "itl1",
    deflator=None,
    sex: str = "all",
    working_pattern: str = "all",
    missing: Literal["raise", "drop"] = "raise",
    data: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Nominal and real pay change between two years, and each place's gap to the UK.

    ``g_nom = y_end / y_start - 1``; ``g_real = (y_end / P_end) / (y_start / P_start) - 1``
    with ``P`` the CPIH annual average (ONS L522; ``deflator`` may replace it with a
    Series or dict {year: index}, or a CSV path); ``ratio_to_uk = y / y_UK`` and
    ``gap_to_uk = y - y_UK`` in each year, the UK value taken from the same ASHE table.
    Growth columns are per cent; ``*_pa`` are compound annual rates
    ``(1 + g) ** (1 / (end - start)) - 1``. ``value_start_in_end_prices`` is
    ``y_start * P_end / P_start``.

    Source: ONS, Annual Survey of Hours and Earnings, Table 8 (``load("ashe")``); the UK
    row is included (index ``UK``). Places with a missing value (ONS marker) raise
    ``ModelInputError`` naming them unless ``missing="drop"`` (then ``attrs["dropped"]``).
    ``data`` takes a tidy frame in the ASHE schema instead of loading the registry source.

    Example: ``pay_growth(2017, 2023).loc["TLC", "nominal_growth"]`` -> 26.9 (North East,
    median gross weekly pay 416.1 -> 528.2).
    """
    if int(end) <= int(start):
        raise ModelInputError(f"end ({end}) must be after start ({start})")
    start, end = int(start), int(end)
    if level not in PAY_LEVELS:
        raise UnknownSourceError(_NO_PAY.format(what=f"level {level!r}"))
    sel = _select(_ashe(data), measure, level, sex, working_pattern)
    if sel.empty:
        raise UnknownSourceError(f"no {measure!r} at level {level!r} in the ASHE data")
    years = sorted(sel["year"].unique())
    missing_years = [y for y in (start, end) if y not in years]
    if missing_years:
        raise UnknownSourceError(f"{measure} has no year(s) {missing_years}; loaded years: {years}")
    wide = sel[sel["year"].isin([start, end])].pivot(index="geo_code", columns="year", values="value")
    names = dict(zip(sel["geo_code"], sel["geo_name"]))
    if "UK" not in wide.index or wide.loc["UK"].isna().any():
        raise ModelInputError(f"the UK row of {measure} is missing for {start} or {end}; cannot compute the gap")
    uk = wide.loc["UK"]
    wide = wide[wide.index.isin(sel.loc[sel["level"] == level, "geo_code"]) | (wide.index == "UK")]
    wide, dropped = _handle_missing(wide, missing=missing, what=f"{measure} {start} and {end}")

    p = _deflator(deflator)
    lacking = [y for y in (start, end) if y not in p.index or pd.isna(p.get(y))]
    if lacking:
        raise ModelInputError(
            f"the deflator has no value for {lacking}; add them to {CPIH_PATH.name} or pass deflator="
        )
    infl = p[end] / p[start]
    y0, y1 = wide[start], wide[end]
    n = end - start
    nominal = y1 / y0
    real = nominal / infl
    out = pd.DataFrame(
        {
            "geo_name": [names.get(c, c) for c in wide.index],
            "value_start": y0,
            "value_end": y1,
            "value_start_in_end_prices": y0 * infl,
            "nominal_growth": 100 * (nominal - 1),
            "real_growth": 100 * (real - 1),
            "nominal_growth_pa": 100 * (nominal ** (1 / n) - 1),
            "real_growth_pa": 100 * (real ** (1 / n) - 1),
            "ratio_to_uk_start": y0 / uk[start],
            "ratio_to_uk_end": y1 / uk[end],
            "gap_to_uk_start": y0 - uk[start],
            "gap_to_uk_end": y1 - uk[end],
        },
        index=wide.index,
    )
    out.index.name = "geo_code"
    unit = sel["unit"].iloc[0]
    out.attrs = {
        "measure": measure,
        "level": level,
        "start": start,
        "end": end,
        "unit": unit,
        "sex": sex,
        "working_pattern": working_pattern,
        "deflator": p.attrs.get("source", "user-supplied deflator"),
        "inflation": 100 * (infl - 1),
        "source": "ashe",
        "dropped": tuple(dropped),
    }
    return out


def pay_summary(
    region_code: str,
    level: str,
    *,
    start: int = 2017,
    end: int = 2023,
    deflator=None,
    data: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """A small tidy table for a report: median weekly pay, its growth and the LWF share, vs the UK.

    Rows (``indicator, period, value, uk, unit``): ``median_weekly_pay`` in ``start`` and
    ``end`` (GBP), ``nominal_growth`` and ``real_growth`` (per cent, CPIH-deflated, see
    :func:`pay_growth`), ``ratio_to_uk`` and ``gap_to_uk`` (in ``end``), and
    ``below_living_wage_share`` (per cent of employee jobs paid below the Living Wage
    Foundation rate, place of work, latest year). The UK column holds the UK's own value.

    When the level has no pay data (ITL2/ITL3, combined authorities, custom places: medians
    cannot be added up) the frame is empty and ``attrs["reason"]`` says why; a value that
    ONS suppressed or a place absent from one year's table (local-authority codes changed
    between 2017 and 2023) is NaN with the reason in ``note``.

    Example: ``pay_summary("TLC", "itl1")`` -> North East 416.1 (2017) and 528.2 (2023).
    """
    empty = pd.DataFrame(columns=["indicator", "period", "value", "uk", "unit", "note"])
    if level not in ("uk", "nation", "itl1", "lad"):
        empty.attrs = {"reason": _NO_PAY.format(what=f"a place at level {level!r}"), "region": region_code}
        return empty
    df = _ashe(data)
    code = str(region_code).strip()
    if level != "lad" and "gss_code" in df.columns:  # accept E12000001 as well as TLC
        hit = df.loc[df["gss_code"] == code, "geo_code"]
        code = hit.iloc[0] if len(hit) else code
    allpat = df
    for col in ("sex", "working_pattern"):
        if col in allpat.columns:
            allpat = allpat[allpat[col] == "all"]
    place = allpat[(allpat["geo_code"] == code) & (allpat["level"] == level)]
    if place.empty:
        empty.attrs = {"reason": f"no ASHE pay data for {code!r} at level {level!r}", "region": region_code}
        return empty

    def value(measure: str, year: int, geo: str) -> tuple[float, str]:
        row = allpat[(allpat["geo_code"] == geo) & (allpat["measure"] == measure) & (allpat["year"] == year)]
        if geo != "UK":
            row = row[row["level"] == level]
        if row.empty:
            return np.nan, f"{geo} is not in the {year} table (local-authority codes change between years)"
        v = float(row["value"].iloc[0])
        flag = str(row["flag"].iloc[0]) if "flag" in row.columns else ""
        return v, (f"ONS marker {flag!r}" if np.isnan(v) and flag else "")

    rows = []
    pay = {}
    for y in (start, end):
        v, note = value("median_weekly_pay", y, code)
        u, _ = value("median_weekly_pay", y, "UK")
        pay[y] = (v, u)
        rows.append(("median_weekly_pay", str(y), v, u, "GBP", note))
    p = _deflator(deflator)
    infl = p[end] / p[start]
    (v0, u0), (v1, u1) = pay[start], pay[end]
    period = f"{start}-{end}"
    rows.append(("nominal_growth", period, 100 * (v1 / v0 - 1), 100 * (u1 / u0 - 1), "per cent", ""))
    rows.append(("real_growth", period, 100 * (v1 / v0 / infl - 1), 100 * (u1 / u0 / infl - 1),
                 "per cent (CPIH-deflated)", ""))
    rows.append(("ratio_to_uk", str(end), v1 / u1, 1.0, "ratio", ""))
    rows.append(("gap_to_uk", str(end), v1 - u1, 0.0, "GBP", ""))
    lwf_years = sorted(allpat.loc[allpat["measure"] == "below_living_wage_share", "year"].unique())
    if lwf_years:
        y = int(lwf_years[-1])
        v, note = value("below_living_wage_share", y, code)
        u, _ = value("below_living_wage_share", y, "UK")
        rows.append(("below_living_wage_share", str(y), v, u, "per cent of employee jobs (place of work)", note))
    out = pd.DataFrame(rows, columns=["indicator", "period", "value", "uk", "unit", "note"])
    out.attrs = {
        "region": code,
        "name": str(place["geo_name"].iloc[0]),
        "level": level,
        "reason": "",
        "source": "ONS ASHE Table 8 (place of residence); LWF.1a (place of work)",
        "deflator": p.attrs.get("source", "user-supplied deflator"),
    }
    return out
