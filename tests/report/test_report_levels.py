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


def _published_gdp_per_head(ons_dir, code: str) -> tuple[float, int]:
    """GDP per head of ``code`` in the newest year of ONS's Explore Local Statistics CSV (April 2025
    release), read here with pandas: the newest release holding both the area and the UK."""
    import pandas as pd

    t = pd.read_csv(ons_dir / "local-indicators" / "gdp-per-head.csv", encoding="utf-8-sig")
    t = t[(t["Indicator"] == "Gross domestic product per head at current market price") & (t["AREACD"] == code)]
    t = t.assign(year=t["Period"].astype(int)).sort_values("year")
    return float(t["Observation"].iat[-1]), int(t["year"].iat[-1])


def _manufacturing_share(codes: list[str], year: int) -> float:
    """Section C (10-33) over all industries, current prices, summed over the 2021 districts ``codes``."""
    df = load("lad_gva_industry")
    df = df[(df["measure"] == "gva") & (df["year"] == year) & df["geo_code"].isin(codes)]
    by = df.groupby("industry")["value"].sum()
    return 100 * by["C (10-33)"] / by["Total"]


def test_local_authority_report(rendered, ons_dir):
    paths, out = rendered["lad"]
    assert (out / "lad" / "e09000002-barking-and-dagenham.pdf").is_file()
    text = _text(paths)
    value, year = _published_gdp_per_head(ons_dir, "E09000002")
    assert "Barking and Dagenham" in text
    assert f"In {year}, GDP per head in Barking and Dagenham was £{value:,.0f}" in text and year == 2023
    assert "Industry structure: not available" not in text
    for year in (1998, 2021):
        assert f"{_manufacturing_share(['E09000002'], year):.1f}%" in text
    assert "Manufacturing (C)" in text


def test_combined_authority_report(rendered, ons_dir):
    paths, out = rendered["cauth"]
    assert (out / "cauth" / "e47000006-tees-valley.pdf").is_file()
    text = _text(paths)
    value, year = _published_gdp_per_head(ons_dir, "E47000006")  # ONS publishes the combined authority
    gdp, pop = indicator("gdp", "lad"), indicator("population", "lad")
    per_head = 1e6 * gdp.loc[TEES_VALLEY, year].sum() / pop.loc[TEES_VALLEY, year].sum()  # sum(GDP) / sum(pop)
    assert abs(per_head - value) < 1  # ONS's row is its councils' total over their population, to rounding
    assert "Tees Valley" in text
    assert f"In {year}, GDP per head in Tees Valley was £{value:,.0f}" in text
    for council in ("Hartlepool", "Middlesbrough", "Redcar and Cleveland", "Stockton-on-Tees", "Darlington"):
        assert council in text  # the member councils by name
    assert "Industry structure: not available" not in text
    for year in (1998, 2021):
        assert f"{_manufacturing_share(TEES_VALLEY, year):.1f}%" in text
