"""ONS geography lookups: LAD (2023) -> LAU1 -> ITL3 -> ITL2 -> ITL1, and LAD -> combined authority.

Lookups are not measures, but they go through the same processed cache as the tables, so
``parse`` returns the tidy schema: one row per lookup row, ``geo_code`` = the LAD code,
``level = "lad"``, ``year`` = the lookup's vintage year, ``measure = "lookup"``,
``unit = ""``, ``value = 1.0``, plus the lookup's own columns:

- ``lad_itl_lookup`` (``LAD23_LAU121_ITL321_ITL221_ITL121_UK_LU.csv``, 388 rows): ``lau1``,
  ``lau1_name``, ``itl3``, ``itl3_name``, ``itl2``, ``itl2_name``, ``itl1``, ``itl1_name``,
  ``vintage``. A LAD lies in several ITL3 units when it has one row per part (Cumberland,
  Highland, ...); the old district codes of the 2021 and 2023 reorganisations survive as
  ``lau1`` (E07000026 Allerdale -> E06000063 Cumberland).
- ``cauth_lookup`` (April 2023 and May 2025 files): ``cauth``, ``cauth_name``, ``vintage``
  (``"April 2023"`` / ``"May 2025"``); ``year`` is 2023 or 2025.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from levelup.errors import LayoutError

PARSER_VERSION = 1

ITL_COLUMNS = {
    "LAD23CD": "geo_code",
    "LAD23NM": "geo_name",
    "LAU121CD": "lau1",
    "LAU121NM": "lau1_name",
    "ITL321CD": "itl3",
    "ITL321NM": "itl3_name",
    "ITL221CD": "itl2",
    "ITL221NM": "itl2_name",
    "ITL121CD": "itl1",
    "ITL121NM": "itl1_name",
}

_MONTHS = {"23": "April 2023", "25": "May 2025"}


def _read_csv(path: Path) -> pd.DataFrame:
    try:
        df = pd.read_csv(path, dtype=str, encoding="utf-8-sig", keep_default_na=False)
    except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as exc:
        raise LayoutError(f"{Path(path).name} cannot be read as a CSV lookup: {exc}") from exc
    df.columns = [str(c).strip() for c in df.columns]
    return df


def _require(df: pd.DataFrame, wanted: list[str], path: Path) -> None:
    missing = [c for c in wanted if c not in df.columns]
    if missing:
        raise LayoutError(
            f"{Path(path).name}: expected header column(s) {missing} in row 1, found {list(df.columns)}. "
            "ONS may have changed the lookup's layout; the parser needs updating."
        )


def _tidy(df: pd.DataFrame, year: int) -> pd.DataFrame:
    df = df.apply(lambda s: s.str.strip())
    df = df[df["geo_code"] != ""].copy()
    df["level"] = "lad"
    df["year"] = year
    df["measure"] = "lookup"
    df["unit"] = ""
    df["value"] = 1.0
    return df


def parse_itl_lookup(path: Path) -> pd.DataFrame:
    """The LAD23 -> LAU121 -> ITL321 -> ITL221 -> ITL121 lookup as tidy rows."""
    raw = _read_csv(path)
    _require(raw, list(ITL_COLUMNS), path)
    df = _tidy(raw[list(ITL_COLUMNS)].rename(columns=ITL_COLUMNS), 2023)
    df["vintage"] = "LAD April 2023, LAU1 2021, ITL January 2021"
    return df


def parse_cauth_lookup(path: Path) -> pd.DataFrame:
    """One LAD -> combined authority lookup; the vintage is read from its header (LAD23CD, LAD25CD ...)."""
    raw = _read_csv(path)
    yy = next((m.group(1) for c in raw.columns if (m := re.fullmatch(r"LAD(\d\d)CD", c))), None)
    if yy is None:
        raise LayoutError(
            f"{Path(path).name}: expected a header column 'LADyyCD' (e.g. 'LAD23CD') in row 1, "
            f"found {list(raw.columns)}"
        )
    cols = {
        f"LAD{yy}CD": "geo_code",
        f"LAD{yy}NM": "geo_name",
        f"CAUTH{yy}CD": "cauth",
        f"CAUTH{yy}NM": "cauth_name",
    }
    _require(raw, list(cols), path)
    df = _tidy(raw[list(cols)].rename(columns=cols), 2000 + int(yy))
    df["vintage"] = _MONTHS.get(yy, f"20{yy}")
    return df


def parse(paths: list[Path], source) -> pd.DataFrame:
    """Dispatch on ``source.id``: ``lad_itl_lookup`` or ``cauth_lookup`` (several vintages)."""
    if source.id == "lad_itl_lookup":
        return parse_itl_lookup(paths[0])
    if source.id == "cauth_lookup":
        return pd.concat([parse_cauth_lookup(p) for p in paths], ignore_index=True)
    raise LayoutError(f"the lookups parser does not know source {source.id!r}")
