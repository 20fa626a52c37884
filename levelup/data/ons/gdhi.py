"""Regional gross disposable household income (GDHI), all ITL regions (ONS, 4 September 2024).

Tables 1-4 give the headline measures (``gdhi``, ``gdhi_population``, ``gdhi_per_head``,
``gdhi_per_head_index``); Tables 7 and 8 the 17 transactions of the household account
(``gdhi_component`` in GBP million and ``gdhi_component_per_head`` in GBP), with the ONS
``transaction_code`` (``B.6g``, ``D.4`` ...; empty for the account's total rows) and the
``transaction`` name, which is unique within a region (``D.4`` occurs as received and paid).

Layout: title in A1, header in row 2 (``ITL | ITL code | Region name | 1997 ...``; Tables 7-8
add ``Transaction code | Transaction`` before the years), data from row 3, no footer. Stray
empty cells to the right of the years (Table 3) are ignored. ``[u]`` (population not
available for some Scottish ITL3 areas from 2012) and ``[x]`` become NaN with the marker in
``flag``. Values are at current basic prices, residence-based; 2022 is provisional.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from levelup.data.ons._excel import Workbook
from levelup.data.ons._itl import read_itl_table

PARSER_VERSION = 1

_CBP = "current basic prices"
#: sheet -> (measure, unit, price basis)
TABLES = {
    "Table 1": ("gdhi", "GBP million", _CBP),
    "Table 2": ("gdhi_population", "persons", "mid-year estimate"),
    "Table 3": ("gdhi_per_head", "GBP", _CBP),
    "Table 4": ("gdhi_per_head_index", "index (UK = 100)", _CBP),
}
#: component tables, read with their transaction columns
COMPONENTS = {
    "Table 7": ("gdhi_component", "GBP million", _CBP),
    "Table 8": ("gdhi_component_per_head", "GBP", _CBP),
}
_HEADERS = ("ITL", "ITL code", "Region name")


def parse(paths: list[Path], source) -> pd.DataFrame:
    """Tables 1-4, 7 and 8 of the GDHI workbook as one tidy table."""
    wb = Workbook(paths[0])
    parts = [
        read_itl_table(wb, sheet, header_row=1, measure=m, unit=u, price_basis=p)
        for sheet, (m, u, p) in TABLES.items()
    ]
    for sheet, (m, u, p) in COMPONENTS.items():
        part = read_itl_table(
            wb,
            sheet,
            header_row=1,
            measure=m,
            unit=u,
            price_basis=p,
            headers=(*_HEADERS, "Transaction code", "Transaction"),
            extra_cols={"transaction_code": 3, "transaction": 4},
        )
        parts.append(part)
    out = pd.concat(parts, ignore_index=True)
    for c in ("transaction_code", "transaction"):
        out[c] = out[c].fillna("")
    return out
