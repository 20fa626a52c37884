"""ASHE earnings: "Home Geography" Table 8 (place of residence) and the Living Wage Foundation table.

Files (order of ``sources.toml``): Table 8.1a gross weekly pay 2017 (revised), Table 8.1a
gross weekly pay 2023 (provisional), Table 8.7a gross annual pay 2023 (provisional), and the
ad hoc table LWF.1a, jobs paid below the Living Wage Foundation rate 2022 (provisional,
place of work). Source: ONS, Annual Survey of Hours and Earnings (ASHE).

Layout of the Table 8 workbooks: sheet ``Notes`` plus 9 data sheets (``All``, ``Male``,
``Female``, ``Full-Time``, ``Part-Time`` and the four sex x pattern sheets). Rows 3-5 hold
a three-row header: A ``Description``, B ``Code``, C number of jobs (thousand), D
``Median``, E annual % change, F ``Mean``, G annual % change, H-Q percentiles 10 ... 90;
data from row 6, footnotes below. The LWF workbook has the same sheets with A
``Description``, B ``Code``, C jobs below the LWF rate (thousand), D per cent.

Tidy output (one row per place x sheet x statistic):

* ``measure``: ``median_weekly_pay``, ``mean_weekly_pay``, ``p10_weekly_pay`` ...
  ``p90_weekly_pay`` (percentiles 10, 20, 25, 30, 40, 60, 70, 75, 80, 90) and the same
  with ``annual_pay``; ``median_weekly_pay_annual_change`` / ``mean_..._annual_change``
  (per cent, ONS's change on the previous year); ``below_living_wage_share`` (per cent of
  employee jobs) and ``jobs_below_living_wage`` (thousand jobs). Percentiles are separate
  measures rather than a ``statistic`` column so that every measure is one number per
  place and year, as ``indicator()`` expects.
* ``sex`` (``all``, ``male``, ``female``) and ``working_pattern`` (``all``, ``full_time``,
  ``part_time``) from the sheet; ``jobs_thousands`` is ONS's (indicative) number of jobs
  behind each pay estimate (NaN for the LWF rows).
* Geography: UK -> ``UK`` (level ``uk``); England -> ``TLB`` (``nation``); the 9 English
  regions and Wales, Scotland, Northern Ireland -> ITL1 codes ``TLC`` ... ``TLN``
  (``itl1``), the GSS code kept in ``gss_code``; local authorities at level ``lad`` with
  the code and name as published (``code_vintage`` says which set of codes the file
  uses: the 2017 table predates the 2019-2023 reorganisations); Great Britain, England
  and Wales, Inner/Outer London, counties and metropolitan counties at level ``other``
  with ``geo_type`` naming the kind. The "Not Classified" row (no code) is dropped.
* ONS markers (``x`` = CV above 20%, ``..`` disclosive, ``:`` not applicable, ``-``
  nil) become NaN with the marker in ``flag``. Blank annual-change cells are NaN with
  flag ``blank``.
* ``quality``: ONS shows the coefficient-of-variation band only by cell colour. For the
  ``.xls`` originals the colours are read with ``xlrd`` (formatting info) and matched to
  the colour key printed on each sheet: ``CV<=5%``, ``5%<CV<=10%``, ``10%<CV<=20%``;
  ``CV>20%`` for ``x`` cells; empty for annual changes (not colour coded), for other
  markers, and when xlrd is not installed or the file is not an ``.xls``.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from levelup.data.ons._excel import Workbook, cell_name, expect_header, to_number
from levelup.errors import LayoutError

PARSER_VERSION = 1

#: GSS code -> (ITL code, level). Regions and the devolved nations map one to one to ITL1.
GSS_TO_ITL: dict[str, tuple[str, str]] = {
    "K02000001": ("UK", "uk"),
    "E92000001": ("TLB", "nation"),
    "E12000001": ("TLC", "itl1"),
    "E12000002": ("TLD", "itl1"),
    "E12000003": ("TLE", "itl1"),
    "E12000004": ("TLF", "itl1"),
    "E12000005": ("TLG", "itl1"),
    "E12000006": ("TLH", "itl1"),
    "E12000007": ("TLI", "itl1"),
    "E12000008": ("TLJ", "itl1"),
    "E12000009": ("TLK", "itl1"),
    "W92000004": ("TLL", "itl1"),
    "S92000003": ("TLM", "itl1"),
    "N92000002": ("TLN", "itl1"),
}

#: GSS entity prefix -> (level, geo_type)
GSS_TYPES: dict[str, tuple[str, str]] = {
    "K02": ("uk", "country_uk"),
    "K03": ("other", "great_britain"),
    "K04": ("other", "england_and_wales"),
    "E92": ("nation", "country"),
    "W92": ("itl1", "country"),
    "S92": ("itl1", "country"),
    "N92": ("itl1", "country"),
    "E12": ("itl1", "region"),
    "E13": ("other", "inner_outer_london"),
    "E10": ("other", "county"),
    "E11": ("other", "metropolitan_county"),
    "E06": ("lad", "unitary_authority"),
    "E07": ("lad", "non_metropolitan_district"),
    "E08": ("lad", "metropolitan_district"),
    "E09": ("lad", "london_borough"),
    "W06": ("lad", "unitary_authority"),
    "S12": ("lad", "council_area"),
    "N09": ("lad", "local_government_district"),
}

SHEETS: dict[str, tuple[str, str]] = {
    "All": ("all", "all"),
    "Male": ("male", "all"),
    "Female": ("female", "all"),
    "Full-Time": ("all", "full_time"),
    "Part-Time": ("all", "part_time"),
    "Male Full-Time": ("male", "full_time"),
    "Male Part-Time": ("male", "part_time"),
    "Female Full-Time": ("female", "full_time"),
    "Female Part-Time": ("female", "part_time"),
}

PERCENTILES = (10, 20, 25, 30, 40, 60, 70, 75, 80, 90)

#: local-authority code sets by file year (checked against codes that exist only in one set)
CODE_VINTAGES = {
    2017: "LAD codes of 2017 (before the 2019-2023 reorganisations)",
    2022: "LAD codes of April 2021",
    2023: "LAD codes of April 2023",
}

#: colour-key labels printed on each sheet -> quality band
KEY_LABELS = {
    "cv <= 5%": "CV<=5%",
    "cv > 5% and <= 10%": "5%<CV<=10%",
    "cv > 10% and <= 20%": "10%<CV<=20%",
}

_GSS = re.compile(r"^[EKNSW]\d{8}$")


def _kind(title: str, path: Path) -> str:
    t = title.lower()
    if "weekly pay - gross" in t:
        return "weekly"
    if "annual pay - gross" in t:
        return "annual"
    if "lwf" in t:
        return "lwf"
    raise LayoutError(
        f"{path.name}, sheet 'All': expected a title naming 'Weekly pay - Gross', 'Annual pay - Gross' "
        f"or 'LWF' in row 1, found {title!r}"
    )


def _year(title: str, path: Path) -> int:
    found = re.findall(r"\b(20\d\d)\b", title) or re.findall(r"\b(20\d\d)\b", path.stem)
    if not found:
        raise LayoutError(f"{path.name}: no year in the title {title!r} or the file name")
    return int(found[-1])


def _check_pay_header(raw: pd.DataFrame, sheet: str, path: Path) -> None:
    expect_header(raw, 4, {0: "Description", 1: "Code", 2: "(thousand)", 3: "Median", 5: "Mean"},
                  sheet=sheet, path=path)
    expect_header(raw, 3, {7: "Percentiles"}, sheet=sheet, path=path)
    for j, p in enumerate(PERCENTILES):
        got = raw.iat[4, 7 + j] if raw.shape[1] > 7 + j else None
        try:
            ok = float(str(got).strip()) == p
        except ValueError:
            ok = False
        if not ok:
            raise LayoutError(
                f"{path.name}, sheet {sheet!r}: expected header {str(p)!r} (percentile) in cell "
                f"{cell_name(4, 7 + j)}, found {got!r}. ONS may have changed the layout of this table; "
                "the parser needs updating."
            )


def _check_lwf_header(raw: pd.DataFrame, sheet: str, path: Path) -> None:
    expect_header(raw, 4, {0: "Description", 1: "Code", 2: "(thousand)"}, sheet=sheet, path=path)
    expect_header(raw, 3, {2: "Jobs", 3: "Per cent"}, sheet=sheet, path=path)


def _body(raw: pd.DataFrame, sheet: str, path: Path) -> pd.DataFrame:
    """Data rows (from Excel row 6) that carry a GSS code; LayoutError for anything else in column B."""
    body = raw.iloc[5:]
    code = body.iloc[:, 1].astype(str).str.strip()
    body = body[code.ne("")]
    bad = [i for i, c in zip(body.index, body.iloc[:, 1].astype(str).str.strip()) if not _GSS.match(c)]
    if bad:
        i = bad[0]
        raise LayoutError(
            f"{path.name}, sheet {sheet!r}: expected a GSS code (such as 'E12000001') in cell "
            f"{cell_name(i, 1)}, found {raw.iat[i, 1]!r}"
        )
    if body.empty:
        raise LayoutError(f"{path.name}, sheet {sheet!r}: no data rows with a code below the header in row 5")
    return body


# ---------------------------------------------------------------- colours (quality bands)


class _Colours:
    """Cell fills of one ``.xls`` workbook (xlrd formatting info), mapped to ONS's CV bands."""

    def __init__(self, path: Path):
        self.book = None
        if path.suffix.lower() != ".xls":
            return
        try:
            import xlrd
        except ImportError:  # optional: without xlrd the quality band is not carried
            return
        try:
            self.book = xlrd.open_workbook(str(path), formatting_info=True, on_demand=True)
        except Exception:  # a workbook xlrd cannot read still parses; quality stays empty
            self.book = None

    def _signature(self, sheet, r: int, c: int) -> frozenset:
        """Non-white colours a cell shows: none for no fill, the colour for solid, both for patterns."""
        bg = self.book.xf_list[sheet.cell_xf_index(r, c)].background
        if bg.fill_pattern == 0:
            cols = ()
        elif bg.fill_pattern == 1:
            cols = (bg.pattern_colour_index,)
        else:
            cols = (bg.pattern_colour_index, bg.background_colour_index)
        cmap = self.book.colour_map
        return frozenset(i for i in cols if cmap.get(i) not in (None, (255, 255, 255)))

    def bands(self, sheet_name: str, raw: pd.DataFrame, rows, cols) -> np.ndarray | None:
        """Array (len(rows) x len(cols)) of quality bands, or None when colours are not available."""
        if self.book is None:
            return None
        sheet = self.book.sheet_by_name(sheet_name)
        key: dict[frozenset, str] = {}
        for (r, c), v in np.ndenumerate(raw.to_numpy()):
            band = KEY_LABELS.get(re.sub(r"\s+", " ", str(v)).strip().lower())
            if band and r < sheet.nrows and c < sheet.ncols:
                key.setdefault(self._signature(sheet, r, c), band)
        if len(set(key.values())) < len(KEY_LABELS):  # key missing or ambiguous: do not guess
            return None
        out = np.full((len(rows), len(cols)), "", dtype=object)
        for i, r in enumerate(rows):
            for j, c in enumerate(cols):
                if r < sheet.nrows and c < sheet.ncols:
                    out[i, j] = key.get(self._signature(sheet, r, c), "unknown")
        return out


# ---------------------------------------------------------------- parsing


def _geo(codes: pd.Series, names: pd.Series) -> pd.DataFrame:
    gss = codes.to_numpy()
    kinds = [GSS_TYPES.get(c[:3], ("other", "other")) for c in gss]
    geo_code = [GSS_TO_ITL.get(c, (c, ""))[0] for c in gss]
    return pd.DataFrame(
        {
            "geo_code": geo_code,
            "geo_name": names.astype(str).str.strip().to_numpy(),
            "level": [k[0] for k in kinds],
            "geo_type": [k[1] for k in kinds],
            "gss_code": gss,
        }
    )


def _sheet_rows(wb: Workbook, colours: _Colours, sheet: str, kind: str, year: int) -> pd.DataFrame:
    raw = wb.sheet(sheet)
    if kind == "lwf":
        _check_lwf_header(raw, sheet, wb.path)
        columns = {2: ("jobs_below_living_wage", "thousand jobs"), 3: ("below_living_wage_share", "per cent")}
        coloured = [2, 3]
    else:
        _check_pay_header(raw, sheet, wb.path)
        stem = f"{kind}_pay"
        columns = {
            3: (f"median_{stem}", "GBP"),
            4: (f"median_{stem}_annual_change", "per cent"),
            5: (f"mean_{stem}", "GBP"),
            6: (f"mean_{stem}_annual_change", "per cent"),
            **{7 + j: (f"p{p}_{stem}", "GBP") for j, p in enumerate(PERCENTILES)},
        }
        coloured = [2, 3, 5, *range(7, 7 + len(PERCENTILES))]
    body = _body(raw, sheet, wb.path)
    where = f"{wb.path.name}, sheet {sheet!r}"
    geo = _geo(body.iloc[:, 1].astype(str).str.strip(), body.iloc[:, 0])
    cols = sorted(set(columns) | set(coloured))
    bands = colours.bands(wb.resolve_sheet(sheet), raw, list(body.index), cols)
    if kind == "lwf":
        jobs = pd.Series(np.nan, index=body.index)
    else:
        jobs, _ = to_number(body.iloc[:, 2].replace("", np.nan), where=where, locate=lambda i: cell_name(body.index[i], 2))
    sex, pattern = SHEETS[sheet]
    parts = []
    for c, (measure, unit) in columns.items():
        cells = body.iloc[:, c]
        value, flag = to_number(cells.replace("", np.nan), where=where,
                                locate=lambda i, c=c: cell_name(body.index[i], c))
        blank = cells.astype(str).str.strip().eq("").to_numpy()
        flag = flag.to_numpy().astype(object)
        flag[blank] = "blank"
        part = geo.copy()
        part["year"] = year
        part["measure"] = measure
        part["unit"] = unit
        part["value"] = value.to_numpy()
        part["flag"] = flag
        if bands is not None and c in coloured:
            q = bands[:, cols.index(c)].copy()
            q[flag == "x"] = "CV>20%"
            q[(flag != "") & (flag != "x")] = ""
        else:
            q = np.full(len(part), "", dtype=object)
        part["quality"] = q
        part["sex"] = sex
        part["working_pattern"] = pattern
        part["jobs_thousands"] = jobs.to_numpy()
        parts.append(part)
    return pd.concat(parts, ignore_index=True)


def parse_file(path: Path) -> pd.DataFrame:
    """One ASHE workbook (any of the four) as tidy rows; the table kind and year come from its title."""
    path = Path(path)
    wb = Workbook(path)
    raw_all = wb.sheet("All")
    title = " ".join(str(v) for v in raw_all.iloc[0].tolist() if str(v).strip())
    kind = _kind(title, path)
    year = _year(title, path)
    colours = _Colours(path)
    out = pd.concat([_sheet_rows(wb, colours, s, kind, year) for s in SHEETS], ignore_index=True)
    out["basis"] = "place of work" if kind == "lwf" else "place of residence"
    out["vintage"] = f"{year} provisional" if path.name.upper().startswith("PROV") else f"{year} revised"
    out["code_vintage"] = np.where(out["level"].eq("lad"), CODE_VINTAGES.get(year, f"LAD codes of {year}"), "")
    out["price_basis"] = np.where(out["unit"].eq("GBP"), "current prices", "")
    return out


def parse(paths: list[Path], source) -> pd.DataFrame:
    """All four workbooks as one tidy table (see the module docstring for the columns)."""
    out = pd.concat([parse_file(p) for p in paths], ignore_index=True)
    keys = ["geo_code", "year", "measure", "sex", "working_pattern"]
    dup = out[out.duplicated(keys, keep=False)]
    if not dup.empty:
        first = dup.iloc[0]
        raise LayoutError(
            f"ASHE: {len(dup)} duplicated rows, e.g. {first['geo_code']} {first['measure']} {first['year']} "
            f"({first['sex']}, {first['working_pattern']}); two files cover the same table and year"
        )
    return out
