"""Reports for a local authority and a combined authority (issue 10), rendered to PDF.

The expected numbers are computed here from the published tables (``levelup.data.indicator``,
``levelup.data.load``), by hand, not through ``levelup.report`` or ``levelup.analysis``.
"""

from __future__ import annotations

import re

import pytest
from report_helpers import pdftotext

from levelup.data import indicator, load

pytestmark = pytest.mark.slow

TEES_VALLEY = ["E06000001", "E06000002", "E06000003", "E06000004", "E06000005"]  # the 2025 lookup's members


@pytest.fixture(scope="module")
def rendered(ons_dir, tmp_path_factory):
    from levelup.report import render

    out = tmp_path_factory.mktemp("levels")
    lad = render("Barking and Dagenham", out_dir=out)
    cauth = render("Tees Valley", out_dir=out)
    return {"lad": (lad, out), "cauth": (cauth, out)}


def _text(paths) -> str:
    return re.sub(r"[ \t]+", " ", pdftotext(paths["pdf"]))


def _headline_year() -> int:
    """Latest year with a UK benchmark at local-authority level: the UK is the sum over every local
    authority of the same file, so a year in which any authority lacks GDP or population (Northern
    Ireland's 2023 population in the April 2025 release) has none, and the headline uses the year before."""
    gdp, pop = indicator("gdp", "lad"), indicator("population", "lad")
    return max(int(y) for y in gdp.columns if gdp[y].notna().all() and pop[y].notna().all())


def _manufacturing_share(codes: list[str], year: int) -> float:
    """Section C (10-33) over all industries, current prices, summed over the 2021 districts ``codes``."""
    df = load("lad_gva_industry")
    df = df[(df["measure"] == "gva") & (df["year"] == year) & df["geo_code"].isin(codes)]
    by = df.groupby("industry")["value"].sum()
    return 100 * by["C (10-33)"] / by["Total"]


def test_local_authority_report(rendered):
    paths, out = rendered["lad"]
    assert (out / "lad" / "e09000002-barking-and-dagenham.pdf").is_file()
    text = _text(paths)
    gdp = indicator("gdp_per_head", "lad")
    last = _headline_year()
    assert "Barking and Dagenham" in text
    assert f"£{gdp.loc['E09000002', last]:,.0f}" in text  # headline GDP per head
    assert "Industry structure: not available" not in text
    for year in (1998, 2021):
        assert f"{_manufacturing_share(['E09000002'], year):.1f}%" in text
    assert "Manufacturing (C)" in text


def test_combined_authority_report(rendered):
    paths, out = rendered["cauth"]
    assert (out / "cauth" / "e47000006-tees-valley.pdf").is_file()
    text = _text(paths)
    gdp, pop = indicator("gdp", "lad"), indicator("population", "lad")
    last = _headline_year()
    per_head = 1e6 * gdp.loc[TEES_VALLEY, last].sum() / pop.loc[TEES_VALLEY, last].sum()  # sum(GDP) / sum(pop)
    assert "Tees Valley" in text
    assert f"£{per_head:,.0f}" in text
    assert "Industry structure: not available" not in text
    for year in (1998, 2021):
        assert f"{_manufacturing_share(TEES_VALLEY, year):.1f}%" in text
