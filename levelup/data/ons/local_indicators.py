"""ONS Explore Local Statistics datasets (``local-indicators/*.csv``), one source per dataset.

Layout: one long CSV per dataset, columns ``areacd, areanm, geography, indicator, period,
observation, measure, unit, lci_95, uci_95, status, notes`` (``gdp-per-head.csv`` spells them
``AREACD, AREANM, Geography, Indicator, Observation, Unit, Measure, Period, Lower Confidence
Interval (95%), Upper Confidence Interval (95%), Observation Status``). A JSON file beside each
CSV holds ONS's metadata; it is registered (and hashed) with the CSV but not parsed.

Tidy rows: ``value`` = ``observation``; ``lower`` / ``upper`` = ONS's 95% confidence interval
(NaN where ONS gives none); ``period`` = the ONS period string (``2023-01-01/P1Y``,
``2025-04-30``, ``2020-01-01/P3Y``); ``year`` = the year the period starts in (a financial or
academic year ``2021-04-01/P1Y`` is 2021, i.e. 2021/22; a three-year period ``2020-01-01/P3Y``
is 2020, i.e. 2020-2022); ``indicator`` = ONS's indicator name; ``ons_code`` and
``geography`` = the code and geography type as published; ``vintage`` = the source's release.

Levels (``geo_code`` follows levelup's codes where the area is the same):

- ``K02000001`` United Kingdom -> ``UK`` (level ``uk``); Great Britain, England and Wales,
  ``K99000002`` UK less Extra-Regio -> level ``other`` under their own codes.
- ``E92000001`` England -> ``TLB`` (level ``nation``, as in the ITL workbooks).
- English regions ``E12000001``-``E12000009`` and Wales, Scotland, Northern Ireland
  (``W92000004``, ``S92000003``, ``N92000002``) -> their ITL1 codes ``TLC``-``TLN`` (level
  ``itl1``; the areas are identical). Where a file has both the region and the ITL1 row, the
  ITL1 row is kept.
- Local authority districts, and unitary authorities published only as "County or Unitary
  Authority" (``E06``) -> level ``lad``; counties (``E10``), metropolitan counties (``E11``),
  Inner/Outer London (``E13``) -> ``other``.
- Combined authorities (``E47``, and ``E61000001`` Greater London Authority) -> ``cauth``, also
  where ONS lists them under "ITL Level 2" (ITL 2025 made some ITL2 units identical to combined
  authorities); other city regions (``W42``, ``N34``, and the Scottish city regions published
  without a code, kept under their name) -> ``other``.
- ITL codes (``TL...``): ITL 2025 changed ITL2/ITL3 codes. A code that is an ITL 2021 code of
  the same area keeps level ``itl2``/``itl3``. An ITL 2025 code whose area is an ITL 2021 unit
  (``TLC31`` Hartlepool and Stockton-on-Tees = ITL 2021 ``TLC11``: :data:`ITL2025_TO_2021`) is
  mapped to the ITL 2021 code (``ons_code`` keeps ``TLC31``). Any other ITL 2025 code
  (``TLD13`` Cumberland, ``TLH5`` Norfolk...) has no ITL 2021 equivalent: level ``other``,
  ``itl_edition = "ITL 2025 (no identical ITL 2021 unit)"``; ``indicator(..., "itl3")`` for
  that release then lacks the ITL 2021 units that ITL 2025 redrew (it is never the default there).
  Two ITL 2021 codes were reused by ITL 2025 for a different area (:data:`REUSED_CODES`:
  ``TLM93`` and its parent ``TLM9`` gained Arran and Cumbrae); their rows are level ``other``
  under ``TLM93@ITL2025`` / ``TLM9@ITL2025`` so they never match the ITL 2021 unit silently.
  The other shared codes were checked against the April 2025 local-authority file: the
  population-weighted sum of ONS's own council values over each ITL 2021 unit's councils equals
  ONS's ITL value for the same code in every year 1998-2022 (within rounding).
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from levelup.errors import LayoutError

PARSER_VERSION = 3

COLUMNS = ["areacd", "areanm", "geography", "indicator", "period", "observation", "measure", "unit",
           "lci_95", "uci_95", "status"]
#: the capitalised spelling of gdp-per-head.csv
CAPITALISED = {
    "AREACD": "areacd", "AREANM": "areanm", "Geography": "geography", "Indicator": "indicator",
    "Observation": "observation", "Unit": "unit", "Measure": "measure", "Period": "period",
    "Lower Confidence Interval (95%)": "lci_95", "Upper Confidence Interval (95%)": "uci_95",
    "Observation Status": "status",
}

#: ONS indicator -> (levelup measure, unit, price basis / definition); TABLES is the name the docs hook reads
INDICATORS: dict[str, tuple[str, str, str]] = {
    "Employment rate": ("employment_rate", "per cent of residents aged 16-64", "Annual Population Survey"),
    "Economically inactive": ("inactivity_rate", "per cent of residents aged 16-64", "Annual Population Survey"),
    "Employment rate (Northern Ireland)": ("employment_rate", "per cent of residents aged 16-64", "NI Labour Force Survey"),
    "Economically inactive (Northern Ireland)": ("inactivity_rate", "per cent of residents aged 16-64", "NI Labour Force Survey"),
    "Modelled unemployment rate": ("unemployment_rate", "per cent of economically active residents aged 16+", "model-based (APS)"),
    "Claimant Count": ("claimant_rate", "per cent of residents aged 16-64", "claimant count (official statistics in development)"),
    "Gross median weekly pay": ("median_weekly_pay", "GBP", "current prices; ASHE, all employee jobs, place of residence"),
    "Gross disposable household income": ("gdhi_per_head", "GBP", "current prices"),
    # the smoothed series (equal to Tables A3/B3 of the June 2025 workbook, not the unsmoothed A4/B4)
    "Gross value added per hour worked": (
        "gva_per_hour_smoothed", "GBP", "current prices, smoothed (weighted 5-year moving average)"),
    "Gross value added per filled job": (
        "gva_per_job_smoothed", "GBP", "current prices, smoothed (weighted 5-year moving average)"),
    "Gross domestic product per head at current market price": ("gdp_per_head", "GBP", "current market prices"),
    "Gross domestic product per head in chained volume measure": (
        "real_gdp_per_head", "GBP (2022 money value)", "chained volume measures"),
    "Active businesses": ("active_businesses", "enterprises", "count"),
    "Business births": ("business_birth_rate", "per cent of active enterprises", "count ratio"),
    "Business deaths": ("business_death_rate", "per cent of active enterprises", "count ratio"),
    "High growth businesses": ("high_growth_business_share", "per cent of active enterprises with 10+ employees", "count ratio"),
    "One-year survival rate": ("business_survival_1y", "per cent of businesses born in the year", "count ratio"),
    "Two-year survival rate": ("business_survival_2y", "per cent of businesses born in the year", "count ratio"),
    "Three-year survival rate": ("business_survival_3y", "per cent of businesses born in the year", "count ratio"),
    "Four-year survival rate": ("business_survival_4y", "per cent of businesses born in the year", "count ratio"),
    "Five-year survival rate": ("business_survival_5y", "per cent of businesses born in the year", "count ratio"),
    "Children in relative poverty before housing costs": (
        "child_poverty_bhc", "per cent of children under 16", "relative low income, before housing costs"),
    "Children in relative poverty after housing costs": (
        "child_poverty_ahc", "per cent of children under 16", "relative low income, after housing costs"),
    "Level 3 or above qualifications (Great Britain)": (
        "qualifications_level3_share", "per cent of residents aged 16-64", "Annual Population Survey"),
    "Level 3 or above qualifications (Northern Ireland)": (
        "qualifications_level3_share", "per cent of residents aged 16-64", "NI Labour Force Survey"),
    "No qualifications": ("no_qualifications_share", "per cent of residents aged 16-64", "Annual Population Survey"),
    "Male healthy life expectancy": ("healthy_life_expectancy_male", "years at birth", "three-year period"),
    "Female healthy life expectancy": ("healthy_life_expectancy_female", "years at birth", "three-year period"),
    "Housing affordability ratio (residence-based)": (
        "housing_affordability_ratio", "ratio of median house price to median residence-based annual earnings",
        "current prices"),
    "Value of UK exports": ("exports", "GBP million", "current prices"),
    "Inward foreign direct investment": ("fdi_inward", "GBP million", "international investment position, end of period"),
    "Outward foreign direct investment": ("fdi_outward", "GBP million", "international investment position, end of period"),
    "Apprenticeship starts (England)": ("apprenticeship_starts_rate", "per 100,000 residents", "academic year"),
    "Apprenticeship achievements (England)": ("apprenticeship_achievements_rate", "per 100,000 residents", "academic year"),
    "Gigabit capable broadband": ("gigabit_broadband_share", "per cent of premises", "snapshot"),
    "Business expenditure on research and development": ("business_rd_expenditure", "GBP million", "current prices"),
    "Public-funded expenditure on research and development": ("public_rd_expenditure", "GBP million", "current prices"),
}

TABLES = INDICATORS

#: ONS region / nation codes whose area is an ITL1 region (or England, level ``nation``)
REGION_TO_ITL1 = {
    "E12000001": "TLC", "E12000002": "TLD", "E12000003": "TLE", "E12000004": "TLF", "E12000005": "TLG",
    "E12000006": "TLH", "E12000007": "TLI", "E12000008": "TLJ", "E12000009": "TLK",
    "W92000004": "TLL", "S92000003": "TLM", "N92000002": "TLN",
}

#: ITL 2021 codes (levelup's geography: the January 2021 lookup)
ITL2_2021 = frozenset(
    "TLC1 TLC2 TLD1 TLD3 TLD4 TLD6 TLD7 TLE1 TLE2 TLE3 TLE4 TLF1 TLF2 TLF3 TLG1 TLG2 TLG3 TLH1 TLH2 TLH3 "
    "TLI3 TLI4 TLI5 TLI6 TLI7 TLJ1 TLJ2 TLJ3 TLJ4 TLK1 TLK2 TLK3 TLK4 TLL1 TLL2 TLM5 TLM6 TLM7 TLM8 TLM9 "
    "TLN0".split()
)
ITL3_2021 = frozenset(
    "TLC11 TLC12 TLC13 TLC14 TLC21 TLC22 TLC23 TLD11 TLD12 TLD33 TLD34 TLD35 TLD36 TLD37 TLD41 TLD42 TLD44 "
    "TLD45 TLD46 TLD47 TLD61 TLD62 TLD63 TLD71 TLD72 TLD73 TLD74 TLE11 TLE12 TLE13 TLE21 TLE22 TLE31 TLE32 "
    "TLE41 TLE42 TLE44 TLE45 TLF11 TLF12 TLF13 TLF14 TLF15 TLF16 TLF21 TLF22 TLF24 TLF25 TLF30 TLG11 TLG12 "
    "TLG13 TLG21 TLG22 TLG23 TLG24 TLG31 TLG32 TLG33 TLG36 TLG37 TLG38 TLG39 TLH11 TLH12 TLH14 TLH15 TLH16 "
    "TLH17 TLH21 TLH23 TLH24 TLH25 TLH31 TLH32 TLH34 TLH35 TLH36 TLH37 TLI31 TLI32 TLI33 TLI34 TLI41 TLI42 "
    "TLI43 TLI44 TLI45 TLI51 TLI52 TLI53 TLI54 TLI61 TLI62 TLI63 TLI71 TLI72 TLI73 TLI74 TLI75 TLJ11 TLJ12 "
    "TLJ13 TLJ14 TLJ21 TLJ22 TLJ25 TLJ26 TLJ27 TLJ28 TLJ31 TLJ32 TLJ34 TLJ35 TLJ36 TLJ37 TLJ41 TLJ43 TLJ44 "
    "TLJ45 TLJ46 TLK11 TLK12 TLK13 TLK14 TLK15 TLK23 TLK24 TLK25 TLK30 TLK41 TLK42 TLK43 TLL11 TLL12 TLL13 "
    "TLL14 TLL15 TLL16 TLL17 TLL18 TLL21 TLL22 TLL23 TLL24 TLM50 TLM61 TLM62 TLM63 TLM64 TLM65 TLM66 TLM71 "
    "TLM72 TLM73 TLM75 TLM76 TLM77 TLM78 TLM81 TLM82 TLM83 TLM84 TLM91 TLM92 TLM93 TLM94 TLM95 TLN06 TLN07 "
    "TLN08 TLN09 TLN0A TLN0B TLN0C TLN0D TLN0E TLN0F TLN0G".split()
)
#: ITL 2025 ITL3 codes whose area is an ITL 2021 unit under another code (same councils, same
#: values): mapped to the ITL 2021 code. Established on gdp-per-head.csv: the ITL 2025 unit's
#: series equals, in every year 1998-2022, the population-weighted mean of ONS's own council values
#: over the ITL 2021 unit's councils (populations from the April 2025 local-authority workbook),
#: and the names agree. Other ITL 2025 codes (Cumberland, Barnsley, Norfolk, Mid Wales ...) have no
#: identical ITL 2021 unit.
ITL2025_TO_2021 = {
    "TLC31": "TLC11", "TLC32": "TLC12", "TLC33": "TLC13", "TLC41": "TLC14", "TLC42": "TLC21",
    "TLC43": "TLC22", "TLC44": "TLC23", "TLH41": "TLH11", "TLH42": "TLH12", "TLH51": "TLH15",
    "TLH52": "TLH16", "TLH53": "TLH17", "TLK51": "TLK11", "TLK62": "TLK23", "TLK63": "TLK24",
    "TLK64": "TLK25", "TLK71": "TLK14", "TLK72": "TLK15", "TLK73": "TLK13", "TLL31": "TLL11",
    "TLL32": "TLL12", "TLL33": "TLL13", "TLL34": "TLL23", "TLL43": "TLL18", "TLL52": "TLL22",
    "TLL53": "TLL16", "TLL54": "TLL21", "TLM01": "TLM72", "TLM02": "TLM77", "TLM03": "TLM71",
    "TLM11": "TLM73", "TLM12": "TLM76", "TLM13": "TLM75", "TLM14": "TLM78", "TLM32": "TLM82",
    "TLM33": "TLM83", "TLM34": "TLM84",
}
#: ITL 2021 codes that ITL 2025 reuses for a different area (Arran and Cumbrae moved into TLM93)
REUSED_CODES = frozenset({"TLM9", "TLM93"})


def read_csv(path: Path) -> pd.DataFrame:
    """One dataset with its columns checked and renamed to the lower-case spelling."""
    raw = pd.read_csv(path, dtype=str, encoding="utf-8-sig", keep_default_na=False)
    raw = raw.rename(columns=CAPITALISED)
    missing = [c for c in COLUMNS if c not in raw.columns]
    if missing:
        raise LayoutError(
            f"{path.name}: expected the Explore Local Statistics columns {COLUMNS}, missing {missing} "
            f"(found {list(raw.columns)}). ONS may have changed the layout; the parser needs updating."
        )
    unknown = sorted(set(raw["indicator"]) - set(INDICATORS))
    if unknown:
        raise LayoutError(
            f"{path.name}: indicator(s) {unknown} are not known to levelup's local-indicators parser "
            f"(known: {sorted(INDICATORS)}); add them to INDICATORS with a measure name and unit."
        )
    return raw


def _year(period: pd.Series) -> pd.Series:
    years = period.str.extract(r"^(\d{4})", expand=False)
    if years.isna().any():
        bad = period[years.isna()].unique()[:5].tolist()
        raise LayoutError(f"periods {bad} do not start with a year (expected e.g. '2023-01-01/P1Y' or '2023')")
    return years.astype("int64")


def classify(code: str, name: str, geography: str) -> tuple[str, str, str]:
    """``(geo_code, level, itl_edition)`` for one published area (see the module docstring)."""
    if code == "K02000001":
        return "UK", "uk", ""
    if code == "E92000001":
        return "TLB", "nation", ""
    if code in REGION_TO_ITL1:
        return REGION_TO_ITL1[code], "itl1", ""
    if code.startswith("E47") or code == "E61000001":
        return code, "cauth", ""
    if code == "TLB":
        return code, "nation", ""
    if re.fullmatch(r"TL[A-Z]", code):
        return code, "itl1", ""
    if re.fullmatch(r"TL[A-Z][0-9A-Z]{1,2}", code):
        level = "itl2" if len(code) == 4 else "itl3"
        known = ITL2_2021 if level == "itl2" else ITL3_2021
        if code in REUSED_CODES:
            return f"{code}@ITL2025", "other", "ITL 2025 (code reused for a different area)"
        if code in ITL2025_TO_2021:
            return ITL2025_TO_2021[code], level, f"ITL 2025 {code} (the same area as ITL 2021 {ITL2025_TO_2021[code]})"
        if code in known:
            return code, level, "ITL 2021"
        return code, "other", "ITL 2025 (no identical ITL 2021 unit)"
    if geography == "Local Authority District" or code[:3] in ("E06", "E07", "E08", "E09", "W06", "S12", "N09"):
        return code, "lad", ""
    if code in ("", "na", "n/a"):
        return name, "other", ""
    return code, "other", ""


def parse_frame(raw: pd.DataFrame, source) -> pd.DataFrame:
    """The tidy rows of one dataset (already read and checked)."""
    cls = [classify(c.strip(), n.strip(), g.strip()) for c, n, g in zip(raw["areacd"], raw["areanm"], raw["geography"])]
    spec = raw["indicator"].map(INDICATORS)
    value = pd.to_numeric(raw["observation"].str.replace(",", "", regex=False), errors="coerce")
    flag = np.where(value.isna() & raw["observation"].str.strip().ne(""), raw["observation"].str.strip().str.lower(), "")
    out = pd.DataFrame(
        {
            "geo_code": [c[0] for c in cls],
            "geo_name": raw["areanm"].str.strip(),
            "level": [c[1] for c in cls],
            "year": _year(raw["period"].str.strip()),
            "measure": [s[0] for s in spec],
            "unit": [s[1] for s in spec],
            "value": value.astype(float),
            "lower": pd.to_numeric(raw["lci_95"], errors="coerce").astype(float),
            "upper": pd.to_numeric(raw["uci_95"], errors="coerce").astype(float),
            "price_basis": [s[2] for s in spec],
            "period": raw["period"].str.strip(),
            "indicator": raw["indicator"],
            "ons_code": raw["areacd"].str.strip(),
            "geography": raw["geography"].str.strip(),
            "itl_edition": [c[2] for c in cls],
            "status": raw["status"].str.strip(),
            "flag": flag,
        }
    )
    out["vintage"] = source.release[:7]
    return out


def dedupe(out: pd.DataFrame) -> pd.DataFrame:
    # an area published twice (an English region also as ITL1, a unitary authority under two
    # geographies, a combined authority also as an ITL 2025 ITL2 unit): keep the first, with ITL
    # codes and local-authority geographies first
    pref = np.where(out["ons_code"].str.startswith("TL"), 0, np.where(out["geography"].eq("Local Authority District"), 1, 2))
    out = out.assign(_p=pref).sort_values("_p", kind="stable").drop(columns="_p")
    out = out.drop_duplicates(["geo_code", "measure", "period"], keep="first")
    return out.sort_values(["measure", "level", "geo_code", "year"], kind="stable").reset_index(drop=True)


def parse(paths: list[Path], source) -> pd.DataFrame:
    """Every CSV among the source's files (the JSON metadata files are skipped)."""
    frames = [parse_frame(read_csv(p), source) for p in paths if p.suffix.lower() == ".csv"]
    return dedupe(pd.concat(frames, ignore_index=True))
