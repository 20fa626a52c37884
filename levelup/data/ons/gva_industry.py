"""Regional GVA (balanced) by industry, all ITL regions, 1998-2021 (ONS, 25 April 2023).

Six CSVs, one per table of the ONS workbook (a third party saved each sheet as CSV and
dropped its title row): Tables 1b/2b/3b (ITL1/ITL2/ITL3, chained volume measures in 2019
money value, GBP million) and 1c/2c/3c (current prices, GBP million). Header on line 1:
``ITL region code | ITL region name | SIC07 code | SIC07 description | 1998 ... 2021``;
numbers are quoted with thousands separators. The level follows from the file (the ITL1
files also hold ``UK``, England ``TLB``, Extra-Regio ``TLZ`` and ``UKX`` UK less
Extra-Regio).

Output: measures ``gva`` (current basic prices, additive) and ``real_gva`` (chained volume
measures, 2019 money value: **not additive**, components do not sum to aggregates).
``industry`` is the ONS SIC07 code as published (``Total``, ``A-E``, ``C (10-33)``,
``CA (10-12)``, ``10`` ...), ``industry_name`` its description. The codes mix aggregates and
detail, so two helper columns come with them:

- ``aggregate`` (bool): the row is the sum of other rows of the same table (``Total``,
  ``A-E``, ``G-T``, a section with its divisions shown, ...). Sum only rows where it is
  False (the non-aggregate rows of a region add up to its ``Total`` in current prices).
- ``section``: the SIC 2007 section letter(s) when the row is exactly one whole section,
  or a whole-section combination that ONS publishes at ITL3 (``AB``, ``DE``), else ``""``.
  ``df[df.section == "C"]`` finds manufacturing at every level.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from levelup.data.ons._excel import expect_header, year_columns
from levelup.errors import LayoutError

PARSER_VERSION = 1

#: SIC 2007 sections and their divisions
SECTION_DIVISIONS = {
    "A": (1, 3), "B": (5, 9), "C": (10, 33), "D": (35, 35), "E": (36, 39), "F": (41, 43),
    "G": (45, 47), "H": (49, 53), "I": (55, 56), "J": (58, 63), "K": (64, 66), "L": (68, 68),
    "M": (69, 75), "N": (77, 82), "O": (84, 84), "P": (85, 85), "Q": (86, 88), "R": (90, 93),
    "S": (94, 96), "T": (97, 98),
}  # fmt: skip
HEADERS = ("ITL region code", "ITL region name", "SIC07 code", "SIC07 description")
_ALL = frozenset(d for a, b in SECTION_DIVISIONS.values() for d in range(a, b + 1))
_PAREN = re.compile(r"^([A-Z]{1,2}(?:-[A-Z]{1,2})?)\s*\((\d+)(?:-(\d+))?\)$")


def _divisions(code: str) -> frozenset[int] | None:
    """The SIC divisions a published code covers (``'C (10-33)'`` -> 10..33); None if unknown."""
    if code == "Total":
        return _ALL
    m = re.fullmatch(r"([A-T])-([A-T])", code)
    if m:
        secs = [s for s in SECTION_DIVISIONS if m.group(1) <= s <= m.group(2)]
        return frozenset(d for s in secs for d in range(SECTION_DIVISIONS[s][0], SECTION_DIVISIONS[s][1] + 1))
    m = _PAREN.match(code)
    if m:
        a = int(m.group(2))
        return frozenset(range(a, int(m.group(3) or a) + 1)) & _ALL
    m = re.fullmatch(r"(\d+)(?:-(\d+))?(IMP)?", code)
    if m:
        a = int(m.group(1))
        return frozenset(range(a, int(m.group(2) or a) + 1))
    return None


def _section(code: str) -> str:
    """Section letter(s) if ``code`` is exactly one or more whole sections (``'C (10-33)'`` -> ``'C'``)."""
    m = _PAREN.match(code)
    if not m:
        return ""
    divs = _divisions(code)
    whole = [s for s, (a, b) in SECTION_DIVISIONS.items() if set(range(a, b + 1)) <= divs]
    covered = {d for s in whole for d in range(SECTION_DIVISIONS[s][0], SECTION_DIVISIONS[s][1] + 1)}
    return "".join(whole) if whole and covered == divs else ""


def aggregates(codes: list[str]) -> dict[str, bool]:
    """{code: True} for codes that are sums of other codes of the same table.

    A code is an aggregate when another code covers a strict subset of its divisions, or the
    same divisions at finer detail (``L (68)`` is ``68IMP`` plus ``68``).
    """
    divs = {c: _divisions(c) for c in codes}
    out = {}
    for c, d in divs.items():
        detailed = c == "Total" or bool(_PAREN.match(c)) or "-" in c and not c[0].isdigit()
        out[c] = d is not None and any(
            o != c and od is not None and (od < d or (od == d and detailed and o[0].isdigit()))
            for o, od in divs.items()
        )
    return out


def read_table(path: Path, level: str, measure: str, unit: str, price_basis: str) -> pd.DataFrame:
    """One CSV table as tidy rows, with ``aggregate`` and ``section``."""
    wide = pd.read_csv(path, thousands=",", dtype={h: str for h in HEADERS}, keep_default_na=False)
    head = pd.DataFrame([list(wide.columns)], dtype=object)
    expect_header(head, 0, dict(enumerate(HEADERS)), sheet=f"CSV {path.name}", path=path)
    years = year_columns(head.iloc[0], start_col=4, path=path)
    if not years:
        raise LayoutError(f"{path.name}: expected year columns ('1998' ...) on line 1, found none")
    wide = wide[wide[HEADERS[0]].str.strip().ne("")]
    block = wide.iloc[:, list(years)].apply(pd.to_numeric, errors="coerce").to_numpy(float)
    if np.isnan(block).any():
        r, c = (int(x[0]) for x in np.isnan(block).nonzero())
        raise LayoutError(f"{path.name}: expected a number on line {r + 2} under {list(years.values())[c]}, "
                          f"found {wide.iat[r, list(years)[c]]!r}")
    ids = wide.iloc[:, :4].apply(lambda c: c.str.strip())
    ids.columns = ["geo_code", "geo_name", "industry", "industry_name"]
    if level == "itl1":
        lv = {"UK": "uk", "TLB": "nation", "TLZ": "other", "UKX": "other"}
        ids["level"] = ids["geo_code"].map(lv).fillna("itl1")
    else:
        ids["level"] = level
    codes = list(dict.fromkeys(ids["industry"]))
    agg, sec = aggregates(codes), {c: _section(c) for c in codes}
    ids["aggregate"] = [agg[c] for c in ids["industry"]]
    ids["section"] = [sec[c] for c in ids["industry"]]
    n, k = len(ids), len(years)
    long = pd.DataFrame({c: np.repeat(ids[c].to_numpy(), k) for c in ids.columns})
    long["year"] = np.tile(np.array(list(years.values()), dtype=np.int64), n)
    long["value"] = block.reshape(-1)
    long["flag"] = ""
    long["measure"] = measure
    long["unit"] = unit
    long["price_basis"] = price_basis
    return long


def parse(paths: list[Path], source) -> pd.DataFrame:
    """The six tables (files in registry order: 1b, 1c, 2b, 2c, 3b, 3c) as one tidy table."""
    parts = []
    for p in paths:
        m = re.match(r"Table ([123])([bc]) ", Path(p).name)
        if not m:
            raise LayoutError(f"{Path(p).name}: expected a file named 'Table <1-3><b|c> ...'")
        level = f"itl{m.group(1)}"
        if m.group(2) == "c":
            args = ("gva", "GBP million", "current basic prices")
        else:
            args = ("real_gva", "GBP million (2019 money value)",
                    "chained volume measures, 2019 money value (not additive)")
        parts.append(read_table(Path(p), level, *args))
    out = pd.concat(parts, ignore_index=True)
    out.loc[out["industry"] == "Total", "industry_name"] = "All industries"
    return out
