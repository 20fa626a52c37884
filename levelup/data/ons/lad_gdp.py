"""Regional GDP for local authorities (ONS, 17 April 2025, corrected 10 October 2025).

Layout (Tables 1-13): title in A1, header in row 2 (``ITL1 Region | LA code | LA name |
'1998' ... '2023'``, years as text), 361 data rows (April 2023 local-authority codes), no
footer. ``[u]`` marks the 2023 population-based values of the 11 Northern Ireland councils
(Tables 6, 7, 11, 13): NaN with flag ``[u]``.

Read: Tables 1, 5, 6, 7, 9, 10, 11. Every row carries ``vintage`` = ``"April 2025 (corrected
October 2025)"`` and ``itl1_name`` (the ONS region column). The real (CVM) tables of this file are
in **2022** money value (the ITL file of April 2023 uses 2019): never mix the two.

A UK row (``geo_code = "UK"``, level ``uk``) is added for the additive measures, computed as the
sum over the 361 local authorities of this file (the benchmark at local-authority level, API.md
conventions): ``gva_total``, ``gdp``, ``population`` are sums; ``gdp_per_head`` = sum(GDP) /
sum(population) * 1e6 (GBP million to GBP). A year in which any local authority is NaN has a NaN
UK value with flag ``incomplete`` (2023 population: Northern Ireland is ``[u]``); the others
have flag ``computed``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from levelup.data.ons._excel import Workbook, read_wide_table

PARSER_VERSION = 1

VINTAGE = "April 2025 (corrected October 2025)"
HEADERS = ("ITL1 Region", "LA code", "LA name")

#: sheet -> (measure, unit, price basis)
TABLES = {
    "Table 1": ("gva_total", "GBP million", "current basic prices"),
    "Table 5": ("gdp", "GBP million", "current market prices"),
    "Table 6": ("population", "persons", "mid-year estimate"),
    "Table 7": ("gdp_per_head", "GBP", "current market prices"),
    "Table 9": ("real_gdp_index", "index 2022=100", "chained volume measures"),
    "Table 10": ("real_gdp", "GBP million (2022 money value)", "chained volume measures"),
    "Table 11": ("real_gdp_per_head", "GBP (2022 money value)", "chained volume measures"),
}

ADDITIVE = ("gva_total", "gdp", "population")


def read_table(wb: Workbook, sheet: str, measure: str, unit: str, price_basis: str) -> pd.DataFrame:
    """One LA table as tidy rows; checks the id headers in row 2 and the year columns."""
    long = read_wide_table(wb, sheet, header_row=1, headers=HEADERS, ids={"itl1_name": 0, "geo_code": 1, "geo_name": 2},
                           measure=measure, unit=unit, price_basis=price_basis)
    long["level"] = "lad"
    return long


def uk_totals(lad: pd.DataFrame) -> pd.DataFrame:
    """UK rows computed from the local authorities of the same file (see module docstring)."""
    sums = {}
    for m in ADDITIVE:
        sub = lad[lad["measure"] == m]
        wide = sub.pivot(index="geo_code", columns="year", values="value")
        total = wide.sum(axis=0, min_count=1)
        total[wide.isna().any(axis=0)] = np.nan
        sums[m] = total
    sums["gdp_per_head"] = sums["gdp"] / sums["population"] * 1e6
    first = lad.drop_duplicates("measure").set_index("measure")
    rows = []
    for m, series in sums.items():
        for year, v in series.items():
            rows.append(
                {
                    "itl1_name": "",
                    "geo_code": "UK",
                    "geo_name": "United Kingdom (sum of local authorities)",
                    "year": int(year),
                    "value": float(v),
                    "flag": "incomplete" if np.isnan(v) else "computed",
                    "level": "uk",
                    "measure": m,
                    "unit": first.at[m, "unit"],
                    "price_basis": first.at[m, "price_basis"],
                }
            )
    return pd.DataFrame(rows)


def parse(paths: list[Path], source) -> pd.DataFrame:
    wb = Workbook(paths[0])
    lad = pd.concat(
        [read_table(wb, sheet, m, u, p) for sheet, (m, u, p) in TABLES.items()], ignore_index=True
    )
    out = pd.concat([lad, uk_totals(lad)], ignore_index=True)
    out["vintage"] = VINTAGE
    return out
