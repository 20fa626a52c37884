"""Regional GVA (balanced) per head and income components (ONS, 25 April 2023, corrected June 2023).

Tables 2 and 3 give ``gva_per_head`` (GBP, current basic prices) and ``gva_per_head_index``
(UK less Extra-Regio = 100; Table 3 has no UK and no Extra-Regio row); Table 6 gives
``gva_by_industry_cp``, GVA(B) by industry at current basic prices, GBP million, for the UK,
England, Extra-Regio, the 12 ITL1 regions (32 industries) and the 41 ITL2 regions (31: at
ITL2 ``CD-CE (19-20)`` and ``CF (21)`` are combined as ``CD-CF (19-21)``), with ``industry``
(the ONS ``SIC07 code``, ``Total`` for all industries) and ``industry_name``.

Layout: title in A1, header in row 2 (``ITL | ITL code | Region name | 1998 ...``; Table 6
adds ``SIC07 code | SIC07 industry`` before the years), data from row 3, no footer. The
``ITL`` cell is ``Other `` with a trailing space on some rows; it is stripped.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from levelup.data.ons._excel import Workbook
from levelup.data.ons._itl import read_itl_table

PARSER_VERSION = 1

_CBP = "current basic prices"
TABLES = {
    "Table 2": ("gva_per_head", "GBP", _CBP),
    "Table 3": ("gva_per_head_index", "index (UK less Extra-Regio = 100)", _CBP),
}


def parse(paths: list[Path], source) -> pd.DataFrame:
    """Tables 2, 3 and 6 of the workbook as one tidy table."""
    wb = Workbook(paths[0])
    parts = [
        read_itl_table(wb, sheet, header_row=1, measure=m, unit=u, price_basis=p)
        for sheet, (m, u, p) in TABLES.items()
    ]
    parts.append(
        read_itl_table(
            wb,
            "Table 6",
            header_row=1,
            measure="gva_by_industry_cp",
            unit="GBP million",
            price_basis=_CBP,
            headers=("ITL", "ITL code", "Region name", "SIC07 code", "SIC07 industry"),
            extra_cols={"industry": 3, "industry_name": 4},
        )
    )
    out = pd.concat(parts, ignore_index=True)
    # Tables 2-3 have no industry: they are whole-economy figures
    out["industry"] = out["industry"].fillna("Total")
    out["industry_name"] = out["industry_name"].fillna("All industries")
    return out
