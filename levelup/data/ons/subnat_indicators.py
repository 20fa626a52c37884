"""ONS Subnational indicators explorer, underlying data, ninth release (21 March 2024).

Layout: one sheet per indicator and **one period per sheet**: ``Date:`` in A3 with the period in
B3 (``2021``, ``10/2022 - 09/2023``, ``2018 - 2020``), then a list of the geographies, then the
header row whose A cell is ``Area Code``: the area code, one name column per geography type
(``Country``, ``Nation``, ``Region``, ``County or Unitary Authority``, ``Local Authority
District``, ``Combined Authority or City Region``, ``ITL Level 1``...; each row fills the one
it belongs to), the value column, and for survey estimates ``Lower/Upper 95% Confidence
Interval`` (``na`` where ONS gives none). Data run to the end of the sheet.

Read: the economic, labour-market, business, skills and health sheets of :data:`SHEETS`. ``year``:
a single year as given; a range of years (``2018 - 2020``) its first year, as the Explore Local
Statistics files label three-year periods; a 12-month window (``10/2022 - 09/2023``) the year it
ends in. ``period`` keeps the text of B3. Levels and codes as in
:mod:`levelup.data.ons.local_indicators` (English regions and the nations at their ITL1 codes,
combined authorities ``cauth``, ITL 2021 codes as they are). The GVA per hour sheet is ONS's
smoothed series (North East 2021 = 32.37, the smoothed Table A3 value of June 2023).
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from levelup.data.ons._excel import Workbook, to_number
from levelup.data.ons.local_indicators import classify, dedupe
from levelup.errors import LayoutError

PARSER_VERSION = 1

#: sheet -> (measure, unit, basis)
SHEETS = {
    "GVA per hour": ("gva_per_hour_smoothed", "GBP", "current prices, smoothed (weighted 5-year moving average)"),
    "Weekly pay": ("median_weekly_pay", "GBP", "current prices; ASHE, all employee jobs, place of residence"),
    "Employment rate": ("employment_rate", "per cent of residents aged 16-64", "Annual Population Survey"),
    "Employment rate (NI)": ("employment_rate", "per cent of residents aged 16-64", "NI Labour Force Survey"),
    "Unemployment rate": ("unemployment_rate", "per cent of economically active residents aged 16+", "model-based (APS)"),
    "GDHI per head": ("gdhi_per_head", "GBP", "current prices"),
    "New enterprises": ("business_births", "enterprises", "count, rounded to base 5"),
    "Deaths of enterprises": ("business_deaths", "enterprises", "count, rounded to base 5"),
    "Active enterprises": ("active_businesses", "enterprises", "count, rounded to base 5"),
    "High growth enterprises": ("high_growth_businesses", "enterprises", "count, rounded to base 5"),
    "Level 3+ qualifications": ("qualifications_nvq3_share", "per cent of residents aged 16-64", "Annual Population Survey (NVQ3+)"),
    "Level 3+ qualifications (NI)": ("qualifications_nvq3_share", "per cent of residents aged 16-64", "NI Labour Force Survey (NVQ3+)"),
    "Male HLE": ("healthy_life_expectancy_male", "years at birth", "three-year period"),
    "Female HLE": ("healthy_life_expectancy_female", "years at birth", "three-year period"),
    "UK exports": ("exports", "GBP million", "current prices"),
}

LOWER, UPPER = "Lower 95% Confidence Interval", "Upper 95% Confidence Interval"
#: header cells that name a geography column (the row's name is in the one that is filled)
GEOGRAPHIES = {
    "Country", "Nation", "Region", "County or Unitary Authority", "Local Authority District",
    "Combined Authority or City Region", "ITL Level 1", "ITL Level 2", "ITL Level 3", "Welsh Health Board",
}


def _year(period: str, path: Path, sheet: str) -> int:
    years = re.findall(r"(?:19|20)\d\d", period)
    if not years:
        raise LayoutError(f"{path.name}, sheet {sheet!r}: expected a period such as '2021' in cell B3, found {period!r}")
    if re.search(r"\d{1,2}/(?:19|20)\d\d\s*-\s*\d{1,2}/(?:19|20)\d\d", period):
        return int(years[-1])  # a 12-month window: the year it ends in
    return int(years[0])


def read_sheet(wb: Workbook, sheet: str, release: str) -> pd.DataFrame:
    measure, unit, basis = SHEETS[sheet]
    raw = wb.sheet(sheet)
    if str(raw.iat[2, 0]).strip() != "Date:":
        raise LayoutError(f"{wb.path.name}, sheet {sheet!r}: expected 'Date:' in cell A3, found {raw.iat[2, 0]!r}")
    period = str(raw.iat[2, 1]).strip()
    heads = raw.index[raw.iloc[:, 0].astype(str).str.strip().eq("Area Code")]
    if not len(heads):
        raise LayoutError(f"{wb.path.name}, sheet {sheet!r}: expected a header row starting 'Area Code', found none")
    h = int(heads[0])
    header = [str(v).strip() for v in raw.iloc[h]]
    geo_cols = [i for i, v in enumerate(header) if v in GEOGRAPHIES]
    value_col = next((i for i, v in enumerate(header) if i > 0 and v and v not in GEOGRAPHIES), None)
    if not geo_cols or value_col is None:
        raise LayoutError(f"{wb.path.name}, sheet {sheet!r}: row {h + 1} has no geography or value column: {header}")
    body = raw.iloc[h + 1 :]
    body = body[body.iloc[:, 0].astype(str).str.strip().ne("")]
    names = body.iloc[:, geo_cols].astype(str).apply(lambda s: s.str.strip())
    filled = names.ne("")
    geography = [header[geo_cols[int(np.argmax(r))]] if r.any() else "" for r in filled.to_numpy()]
    geo_name = [r[int(np.argmax(f))] if f.any() else "" for r, f in zip(names.to_numpy(), filled.to_numpy())]
    codes = body.iloc[:, 0].astype(str).str.strip()
    cls = [classify(c, n, g) for c, n, g in zip(codes, geo_name, geography)]
    value, flag = to_number(body.iloc[:, value_col].reset_index(drop=True))
    bounds = {}
    for name, col in (("lower", LOWER), ("upper", UPPER)):
        bounds[name] = (to_number(body.iloc[:, header.index(col)].reset_index(drop=True))[0]
                        if col in header else pd.Series(np.nan, index=value.index))
    return pd.DataFrame(
        {
            "geo_code": [c[0] for c in cls], "geo_name": geo_name, "level": [c[1] for c in cls],
            "year": _year(period, wb.path, sheet), "measure": measure, "unit": unit,
            "value": value.to_numpy(), "lower": bounds["lower"].to_numpy(), "upper": bounds["upper"].to_numpy(),
            "price_basis": basis, "period": period, "indicator": sheet, "ons_code": codes.to_numpy(),
            "geography": geography, "itl_edition": [c[2] for c in cls], "flag": flag.to_numpy(), "vintage": release,
        }
    )


def parse(paths: list[Path], source) -> pd.DataFrame:
    wb = Workbook(paths[0])
    out = pd.concat([read_sheet(wb, s, source.vintage) for s in SHEETS], ignore_index=True)
    return dedupe(out)
