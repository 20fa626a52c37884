"""levelup.analysis.gap.gap_outlook: numbers read from to_frame(), checked against the formula worked
here by hand on the ONS files themselves (Explore Local Statistics ``gdp-per-head.csv``, April 2025,
read with the csv module; Regional GDP April 2024, Tables 6, 10 and 11, read with openpyxl), not
levelup's parsers."""

from __future__ import annotations

import math
import sys
from pathlib import Path

import pytest

from levelup.analysis.gap import gap_outlook

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "loaders"))
from _xl import _rows  # noqa: E402

GDP24 = "gdp-2024/regionalgrossdomesticproductgdpbyallitlregions.xlsx"


def _table11(ons_dir: Path, code: str) -> dict[int, float]:
    rows = _rows(str(ons_dir / GDP24), "Table 11")
    head = next(r for r in rows if r[1] == "ITL code")
    row = next(r for r in rows if str(r[1]).strip() == code)
    return {int(h): float(v) for h, v in zip(head[3:], row[3:]) if h is not None}


def _els_real(ons_dir: Path, code: str) -> dict[int, float]:
    import csv

    with open(ons_dir / "local-indicators/gdp-per-head.csv", encoding="utf-8-sig", newline="") as f:
        return {int(r["Period"]): float(r["Observation"]) for r in csv.DictReader(f)
                if r["AREACD"] == code and r["Indicator"].endswith("in chained volume measure")}


def test_gap_outlook_matches_the_formula_on_the_published_rows(ons_dir, data_root):
    # North East and the UK less Extra-Regio (K99000002), April 2025, chained volumes in 2022 money
    ne, ukx = _els_real(ons_dir, "TLC"), _els_real(ons_dir, "K99000002")
    ratio = ne[2023] / ukx[2023]
    gb = (ukx[2023] / ukx[1998]) ** (1 / 25) - 1
    assert 0.0124 < gb < 0.0127  # 1.26% a year without Extra-Regio

    res = gap_outlook("TLC")
    t = res.to_frame().set_index(["statistic", "unit"])["value"]
    assert res.benchmark == "UK less Extra-Regio" and res.release == "April 2025"
    assert res.price_basis == "chained volume measures, 2022 money"
    assert t[("ratio_to_benchmark", "ratio")] == pytest.approx(ratio, rel=1e-12)
    assert res.benchmark_growth == pytest.approx(gb, rel=1e-12)
    assert res.trend_years == (1998, 2023) and res.base_year == 2023
    # 1% a year is below the benchmark's trend: the gap does not close at that rate
    assert math.isinf(t[("years_to_close", "years at 1% a year")])
    assert t[("years_to_close", "years at 3% a year")] == pytest.approx(
        math.log(1 / ratio) / math.log(1.03 / (1 + gb)), rel=1e-9)
    from levelup.models.scenarios import years_to_close

    assert years_to_close(ratio, 0.03, gb) == pytest.approx(t[("years_to_close", "years at 3% a year")], rel=1e-12)
    proj = res.projections()
    assert proj.loc[2033, 0.03] == pytest.approx(100 * ratio * (1.03 / (1 + gb)) ** 10, rel=1e-9)


def test_gap_outlook_follows_the_years_asked(ons_dir, data_root):
    ukx = _els_real(ons_dir, "K99000002")
    res = gap_outlook("TLC", start_year=2004, end_year=2019)
    assert res.trend_years == (2004, 2019) and res.base_year == 2019
    assert res.benchmark_growth == pytest.approx((ukx[2019] / ukx[2004]) ** (1 / 15) - 1, rel=1e-12)
    assert res.history.index.min() == 2004


def test_no_projection_where_there_is_no_gap(data_root):
    from levelup.report import model_sections as M
    from levelup.report import sections as S

    res = gap_outlook("Camden")
    assert res.no_gap and res.projections().empty and res.horizon == 0
    html = M.gap(S.context("Camden", level="lad")).html
    assert "no gap to close and no projection is drawn" in html and "already level" not in html
    html = M.gap(S.context("Wales")).html
    assert "does not close the gap at this rate" in html and "UK less Extra-Regio" in html


def _table(ons_dir: Path, table: str, code: str) -> dict[int, float]:
    rows = _rows(str(ons_dir / GDP24), table)
    head = next(r for r in rows if r[1] == "ITL code")
    row = next(r for r in rows if str(r[1]).strip() == code)
    return {int(h): float(v) for h, v in zip(head[3:], row[3:]) if h is not None}


def test_a_place_the_newest_release_cannot_build_falls_back_to_one_older_release(ons_dir, data_root):
    """Norfolk and Suffolk (four ITL3 units): the April 2025 release gives no chained-volume totals for
    ITL3 units, so ratio and growth both come from April 2024: the members' chained-volume GDP (Table 10)
    over their population (Table 6) against the UK less Extra-Regio (Table 11)."""
    members = ["TLH14", "TLH15", "TLH16", "TLH17"]
    gdp = sum(_table(ons_dir, "Table 10", c)[2022] for c in members)
    pop = sum(_table(ons_dir, "Table 6", c)[2022] for c in members)
    ukx = _table11(ons_dir, "UKX")
    res = gap_outlook("Norfolk and Suffolk")
    assert res.release == "April 2024" and res.approximate and res.price_basis == "chained volume measures, 2019 money"
    assert res.ratio == pytest.approx(1e6 * gdp / pop / ukx[2022], rel=1e-9)
    assert res.benchmark_growth == pytest.approx((ukx[2022] / ukx[1998]) ** (1 / 24) - 1, rel=1e-12)
