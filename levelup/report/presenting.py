"""What every report section shares: a missing-data line, the report's years, and the numbers
shown recorded for the CSV and XLSX (used by :mod:`levelup.report.model_sections` and the
section modules beside it)."""

from __future__ import annotations

import pandas as pd

from levelup.report.sections import Block, Context, na


def _na(what: str, ctx: Context, why: str) -> Block:
    return na(f"{what}: not available for {ctx.region.name} ({why}).")


def _years(s: pd.Series, ctx: Context) -> pd.Series:
    """``s`` within the report's ``start_year``..``end_year`` (each when given)."""
    if ctx.start_year:
        s = s[s.index >= int(ctx.start_year)]
    if ctx.end_year:
        s = s[s.index <= int(ctx.end_year)]
    return s


def _period(first: int, last: int, ctx: Context) -> tuple[int, int]:
    """The data's ``first``..``last`` years narrowed to the report's ``start_year``..``end_year``."""
    if ctx.start_year and first < int(ctx.start_year) < last:
        first = int(ctx.start_year)
    if ctx.end_year and first < int(ctx.end_year) < last:
        last = int(ctx.end_year)
    return first, last


def _export(ctx: Context, section: str, table: str, rows: list[dict]) -> None:
    for r in rows:
        ctx.exports.append({"section": section, "table": table, "geo_code": ctx.region.code,
                            "geo_name": ctx.region.name, "benchmark": ctx.benchmark.code, **r})


def itl3_members(ctx: Context) -> list[str]:
    """The ITL3 units that make up the report's area (:func:`levelup.analysis.inside.itl3_units`)."""
    from levelup.analysis.inside import itl3_units

    return itl3_units(ctx.region)


def lad_members(ctx: Context) -> list[str]:
    """The local authorities that make up the report's area (:func:`levelup.analysis.inside.local_authorities`)."""
    from levelup.analysis.inside import local_authorities

    return local_authorities(ctx.region)
