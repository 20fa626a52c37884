"""JOBS05: workforce jobs by region and industry, seasonally adjusted (ONS, 14 September 2021).

Fifteen region sheets (``1. North East`` ... ``15. United Kingdom``), identical layout:
section descriptions in row 5 (with footnote digits, e.g. ``Public admin & defence;
compulsory social security2``), **header in row 6** (``SIC 2007 section`` in A6, section
letters ``A`` ... ``T`` in C6:V6, ``G-T`` in W6, ``A-T`` in X6), one row per quarter from
row 7 (Mar 1996 ...), then footnotes. Column A mixes Excel dates and text labels such as
``'Dec 10 '``, ``'Mar 20 4 (r)'`` (a footnote digit, revised) and ``'Jun 21 (p)'``
(provisional).

Output: measure ``jobs`` (thousands, seasonally adjusted), every quarter, with ``period``
(``"Jun 2021"``), ``year`` (the quarter's calendar year) and ``flag`` (``(r)`` revised,
``(p)`` provisional, else empty). ``industry`` is the SIC 2007 section letter, ``G-T`` for
total services and ``Total`` ("All jobs", column A-T). The nine English regions, Wales,
Scotland and Northern Ireland get their ITL1 codes ``TLC`` ... ``TLN``; England is ``TLB``
(level ``nation``), Great Britain ``GB`` (level ``other``), the United Kingdom ``UK``.
``indicator("jobs")`` uses the June quarter as the annual value (ONS's mid-year convention).
Section T excludes employee jobs before September 2001 (footnote 3).
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pandas as pd

from levelup.data.ons._excel import Workbook, expect_header
from levelup.errors import LayoutError

PARSER_VERSION = 1

#: sheet -> (geo_code, geo_name, level)
SHEETS = {
    "1. North East": ("TLC", "North East", "itl1"),
    "2. North West": ("TLD", "North West", "itl1"),
    "3. Yorkshire and The Humber": ("TLE", "Yorkshire and The Humber", "itl1"),
    "4. East Midlands": ("TLF", "East Midlands", "itl1"),
    "5. West Midlands": ("TLG", "West Midlands", "itl1"),
    "6. East of England": ("TLH", "East of England", "itl1"),
    "7. London": ("TLI", "London", "itl1"),
    "8. South East": ("TLJ", "South East", "itl1"),
    "9. South West": ("TLK", "South West", "itl1"),
    "10. England": ("TLB", "England", "nation"),
    "11. Wales": ("TLL", "Wales", "itl1"),
    "12. Scotland": ("TLM", "Scotland", "itl1"),
    "13. Northern Ireland": ("TLN", "Northern Ireland", "itl1"),
    "14. Great Britain": ("GB", "Great Britain", "other"),
    "15. United Kingdom": ("UK", "United Kingdom", "uk"),
}
HEADER_ROW = 5  # 0-based: Excel row 6
CODES = [*"ABCDEFGHIJKLMNOPQRST", "G-T", "A-T"]
MONTHS = ("Mar", "Jun", "Sep", "Dec")
_LABEL = re.compile(r"^(Mar|Jun|Sep|Dec)\s+(\d{2}|\d{4})\b(.*)$")


def quarter(cell: object) -> tuple[str, int, str] | None:
    """(``"Jun 2021"``, 2021, flag) for a column-A cell, or None when it is not a quarter.

    >>> quarter("Mar 20 4 (r)")
    ('Mar 2020', 2020, '(r)')
    """
    if isinstance(cell, (dt.date, dt.datetime)):
        if cell.month % 3:
            return None
        return f"{MONTHS[cell.month // 3 - 1]} {cell.year}", cell.year, ""
    m = _LABEL.match(str(cell).strip())
    if not m:
        return None
    year = int(m.group(2))
    year = year + 2000 if year < 100 else year
    flag = " ".join(re.findall(r"\((?:r|p)\)", m.group(3)))
    return f"{m.group(1)} {year}", year, flag


def _clean_name(text: object) -> str:
    name = re.sub(r"(?<=[a-z])\d+$", "", str(text).strip()).strip()  # footnote digits
    return name.replace("Accommod-ation", "Accommodation")


def read_sheet(wb: Workbook, sheet: str) -> pd.DataFrame:
    """One region sheet as tidy rows, one per quarter and industry."""
    code, name, level = SHEETS[sheet]
    raw = wb.sheet(sheet)
    expect_header(raw, HEADER_ROW, {0: "SIC 2007 section", **{i + 2: c for i, c in enumerate(CODES)}},
                  sheet=sheet, path=wb.path)
    names = [_clean_name(n) for n in raw.iloc[HEADER_ROW - 1, 2 : 2 + len(CODES)]]
    rows = []
    for r in range(HEADER_ROW + 1, raw.shape[0]):
        q = quarter(raw.iat[r, 0])
        if q is not None:
            rows.append((r, *q))
    if not rows:
        raise LayoutError(f"{wb.path.name}, sheet {sheet!r}: expected quarters (e.g. 'Jun 21') in column A from row 7")
    idx = [r for r, *_ in rows]
    block = raw.iloc[idx, 2 : 2 + len(CODES)].apply(pd.to_numeric, errors="coerce").to_numpy(dtype=float)
    if pd.isna(block).any():
        r, c = [int(x[0]) for x in pd.isna(block).nonzero()]
        raise LayoutError(f"{wb.path.name}, sheet {sheet!r}: expected a number in cell "
                          f"{chr(67 + c)}{idx[r] + 1}, found {raw.iat[idx[r], c + 2]!r}")
    n = len(CODES)
    industries = [c if c not in ("A-T",) else "Total" for c in CODES]
    ind_names = [*names[:-1], "All jobs"]
    return pd.DataFrame(
        {
            "geo_code": code,
            "geo_name": name,
            "level": level,
            "period": [p for _, p, _, _ in rows for _ in range(n)],
            "year": [y for _, _, y, _ in rows for _ in range(n)],
            "industry": industries * len(rows),
            "industry_name": ind_names * len(rows),
            "value": block.reshape(-1),
            "flag": [f for *_, f in rows for _ in range(n)],
        }
    )


def parse(paths: list[Path], source) -> pd.DataFrame:
    """Every quarter, region and industry of JOBS05 as one tidy table."""
    wb = Workbook(paths[0])
    out = pd.concat([read_sheet(wb, s) for s in SHEETS], ignore_index=True)
    out["measure"] = "jobs"
    out["unit"] = "thousands (seasonally adjusted)"
    out["price_basis"] = "not applicable (count)"
    return out
