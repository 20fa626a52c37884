"""Regional GDP, all ITL regions (ONS, April 2023): Tables 1, 5-13.

Layout (every table): title in A1, header in row 2 (``ITL | ITL code | Region name | 1998 ...``,
years as text), data from row 3, hierarchical row order, no footer.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from levelup.data.ons._excel import Workbook
from levelup.data.ons._itl import read_itl_table

PARSER_VERSION = 1

#: sheet -> (measure, unit, price basis)
TABLES = {
    "Table 1": ("gva_total", "GBP million", "current basic prices"),
    "Table 5": ("gdp", "GBP million", "current market prices"),
    "Table 6": ("population", "persons", "mid-year estimate"),
    "Table 7": ("gdp_per_head", "GBP", "current market prices"),
    "Table 8": ("gdp_deflator", "index 2019=100", "implied deflator"),
    "Table 9": ("real_gdp_index", "index 2019=100", "chained volume measures"),
    "Table 10": ("real_gdp", "GBP million (2019 money value)", "chained volume measures"),
    "Table 11": ("real_gdp_per_head", "GBP (2019 money value)", "chained volume measures"),
    "Table 12": ("real_gdp_growth", "per cent", "chained volume measures"),
    "Table 13": ("real_gdp_per_head_growth", "per cent", "chained volume measures"),
}


def parse(paths: list[Path], source) -> pd.DataFrame:
    wb = Workbook(paths[0])
    parts = [
        read_itl_table(wb, sheet, header_row=1, measure=m, unit=u, price_basis=p)
        for sheet, (m, u, p) in TABLES.items()
    ]
    out = pd.concat(parts, ignore_index=True)
    # Extra-Regio holds 0 (not blank) for population and per-head values: not a number to use
    zero = (out["geo_code"] == "TLZ") & out["measure"].isin(["population", "gdp_per_head", "real_gdp_per_head"])
    out.loc[zero, "value"] = float("nan")
    out.loc[zero, "flag"] = "not applicable"
    return out
