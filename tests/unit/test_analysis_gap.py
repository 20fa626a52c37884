"""levelup.analysis.gap.gap_outlook: numbers read from to_frame(), checked against the formula worked
here by hand on cells of the ONS workbook (Regional GDP, April 2024, Table 11: chained-volume GDP
per head, 2019 money), read with openpyxl, not levelup's parser."""

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


def test_gap_outlook_matches_the_formula_on_the_published_rows(ons_dir, data_root):
    ne, ukx = _table11(ons_dir, "TLC"), _table11(ons_dir, "UKX")  # North East; UK less Extra-Regio
    ratio = ne[2022] / ukx[2022]
    gb = (ukx[2022] / ukx[1998]) ** (1 / 24) - 1
    assert 0.0134 < gb < 0.0137  # 1.36% a year without Extra-Regio

    res = gap_outlook("TLC")
    t = res.to_frame().set_index(["statistic", "unit"])["value"]
    assert res.benchmark == "UK less Extra-Regio" and res.release == "April 2024"
    assert t[("ratio_to_benchmark", "ratio")] == pytest.approx(ratio, rel=1e-12)
    assert res.benchmark_growth == pytest.approx(gb, rel=1e-12)
    assert res.trend_years == (1998, 2022) and res.base_year == 2022
    # 1% a year is below the benchmark's trend: the gap does not close at that rate
    assert math.isinf(t[("years_to_close", "years at 1% a year")])
    assert t[("years_to_close", "years at 3% a year")] == pytest.approx(
        math.log(1 / ratio) / math.log(1.03 / (1 + gb)), rel=1e-9)
    from levelup.models.scenarios import years_to_close

    assert years_to_close(ratio, 0.03, gb) == pytest.approx(t[("years_to_close", "years at 3% a year")], rel=1e-12)
    proj = res.projections()
    assert proj.loc[2032, 0.03] == pytest.approx(100 * ratio * (1.03 / (1 + gb)) ** 10, rel=1e-9)


def test_gap_outlook_follows_the_years_asked(ons_dir, data_root):
    ukx = _table11(ons_dir, "UKX")
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
