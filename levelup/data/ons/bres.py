"""BRES employees by NUTS3 (2016) and SIC 2007 section, 2015-2021 (Nomis export, edited).

The file is not an unmodified Nomis export: its uploader stacked seven single-year exports
in the one sheet ``Data``, inserted a column A (``year``) and wrote a header in row 1
(``year | ITL_code | A : Agriculture, forestry and fishing | (blank) | B : ...``). Each year
block has Nomis preamble rows, a header row ``nuts 2016 level 3 | A : ... | Flags | ...``,
then 168 data rows: ``year | "<NUTS3 code> <name>" | value | flag | value | flag ...`` for
sections A-U. Data rows are the rows whose column A is a year.

Output: measure ``employment`` (unit ``employees``: rounded employee counts), level ``itl3``,
Great Britain only (no Northern Ireland). NUTS3 2016 codes become ITL3 2021 codes by
swapping ``UK`` for ``TL`` (``UKC11`` -> ``TLC11``); the original code is kept in
``nuts3_code``. Two areas changed boundary in 2019: NUTS3 ``UKK21`` (Bournemouth and Poole)
and ``UKK22`` (Dorset CC) are given as ITL3 ``TLK24`` (Bournemouth, Christchurch and Poole)
and ``TLK25`` (Dorset), with ``geo_note`` saying that the boundary is the 2016 one
(Christchurch counted in Dorset). ``flag`` holds the Nomis flag: ``*`` on section A for
2015-2017 means the figure excludes farm agriculture (SIC 01000). ``industry`` is the
section letter; ``Total`` ("All industries") is computed here as the sum of sections A-U,
with flag ``computed`` (``computed; *`` where section A excludes farm agriculture).
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from levelup.data.ons._excel import Workbook, expect_header
from levelup.errors import LayoutError

PARSER_VERSION = 1
SHEET = "Data"
SECTIONS = "ABCDEFGHIJKLMNOPQRSTU"
#: NUTS3 2016 areas whose ITL3 2021 successor has a different code and boundary
RECODE = {
    "UKK21": ("TLK24", "NUTS3 2016 Bournemouth and Poole; ITL3 2021 TLK24 also includes Christchurch"),
    "UKK22": ("TLK25", "NUTS3 2016 Dorset CC, which includes Christchurch; ITL3 2021 TLK25 does not"),
}


def parse(paths: list[Path], source) -> pd.DataFrame:
    """Every year, area and section of the BRES extract as one tidy table."""
    wb = Workbook(paths[0])
    raw = wb.sheet(SHEET)
    for c in range(raw.shape[1], 2 + 2 * len(SECTIONS)):  # an empty last flag column may be cut off
        raw[c] = ""
    expect_header(raw, 0, {0: "year", 1: "ITL_code"}, sheet=SHEET, path=wb.path)
    names = {}
    for i, s in enumerate(SECTIONS):
        col = 2 + 2 * i
        text = str(raw.iat[0, col]) if col < raw.shape[1] else ""
        m = re.match(r"^\s*([A-U])\s*:\s*(.+)$", text)
        if not m or m.group(1) != s:
            expect_header(raw, 0, {col: f"{s} : <section name>"}, sheet=SHEET, path=wb.path)
        names[s] = m.group(2).strip()
    years = pd.to_numeric(raw.iloc[:, 0], errors="coerce")
    body = raw[years.between(1990, 2100) & years.eq(years.round())]
    if body.empty:
        raise LayoutError(f"{wb.path.name}, sheet {SHEET!r}: expected data rows with a year in column A, found none")
    area = body.iloc[:, 1].astype(str).str.strip().str.extract(r"^(UK[C-N]\w{2,3})\s+(.+)$")
    if area[0].isna().any():
        r = int(area.index[area[0].isna()][0])
        raise LayoutError(f"{wb.path.name}, sheet {SHEET!r}: expected '<NUTS3 code> <name>' in cell B{r + 1}, "
                          f"found {raw.iat[r, 1]!r}")
    nuts = area[0].to_numpy()
    geo = np.array([RECODE.get(c, ("TL" + c[2:], ""))[0] for c in nuts])
    note = np.array([RECODE.get(c, ("", ""))[1] for c in nuts])
    values = body.iloc[:, 2 : 2 + 2 * len(SECTIONS) : 2].apply(pd.to_numeric, errors="coerce").to_numpy(float)
    flags = body.iloc[:, 3 : 3 + 2 * len(SECTIONS) : 2].astype(str).apply(lambda c: c.str.strip()).to_numpy()
    bad = np.isnan(values)
    if bad.any():
        r, c = (int(x[0]) for x in bad.nonzero())
        raise LayoutError(f"{wb.path.name}, sheet {SHEET!r}: expected a number in row {body.index[r] + 1}, "
                          f"section {SECTIONS[c]}")
    total = values.sum(axis=1, keepdims=True)
    total_flag = np.where(flags[:, 0] == "*", "computed; *", "computed")[:, None]
    values = np.hstack([values, total])
    flags = np.hstack([flags, total_flag])
    codes = [*SECTIONS, "Total"]
    ind_names = [*(names[s] for s in SECTIONS), "All industries (sum of sections A-U)"]
    k = len(codes)
    return pd.DataFrame(
        {
            "geo_code": np.repeat(geo, k),
            "geo_name": np.repeat(area[1].str.strip().to_numpy(), k),
            "nuts3_code": np.repeat(nuts, k),
            "geo_note": np.repeat(note, k),
            "level": "itl3",
            "year": np.repeat(years[body.index].astype(int).to_numpy(), k),
            "industry": codes * len(body),
            "industry_name": ind_names * len(body),
            "measure": "employment",
            "unit": "employees",
            "value": values.reshape(-1),
            "flag": flags.reshape(-1),
        }
    )
