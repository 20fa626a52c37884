"""Issue 20, items 6, 7, 8, 10, 11: why the gap, revisions, gap scenarios without Extra-Regio,
statistical neighbours on robustly standardised indicators, and shift-share without empty industries.

Numbers are read from the ONS workbooks cell by cell (openpyxl/xlrd, tests/loaders/_xl.py), never
from levelup's parsers, or worked by hand in the test.
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "loaders"))
from _xl import _rows  # noqa: E402

GDP24 = "gdp-2024/regionalgrossdomesticproductgdpbyallitlregions.xlsx"
CR24 = "gdp-2024/regionalgrossdomesticproductgdpcityregions.xlsx"
ITLS24 = "productivity-2024/labourproductivityitls.xls"
LAS24 = "productivity-2024/labourproductivitylocalauthorities.xls"


def _cell(path: Path, sheet: str, code: str, year: int) -> float:
    """The value in ``sheet`` on the row whose code column holds ``code``, in the column headed ``year``
    (ONS writes ``2022``, ``Hours_2022`` or ``Jobs_2022``)."""
    rows = _rows(str(path), sheet)
    head = next(r for r in rows if any(str(c).strip().split("_")[-1] == str(year) for c in r if c is not None))
    col = next(i for i, c in enumerate(head) if c is not None and str(c).strip().split("_")[-1] == str(year))
    row = next(r for r in rows if any(str(c).strip() == code for c in r[:3] if c is not None))
    return float(row[col])


# ------------------------------------------------------------------------------- item 7
@pytest.mark.parametrize(("place", "level", "gdp_file", "prod_file"), [
    ("E06000001", "lad", CR24, LAS24),   # Hartlepool
    ("TLL", "itl1", GDP24, ITLS24),      # Wales
])
def test_gap_decomposition_adds_up_with_numbers_from_the_workbooks(ons_dir, data_root, place, level, gdp_file,
                                                                   prod_file):
    from levelup.analysis.decomposition import decompose_gap

    year = 2022

    def totals(code: str, gdp_path: str, prod_path: str) -> dict:
        return {"gva": _cell(ons_dir / gdp_path, "Table 1", code, year),
                "gdp": _cell(ons_dir / gdp_path, "Table 5", code, year),
                "pop": _cell(ons_dir / gdp_path, "Table 6", code, year),
                "hours": _cell(ons_dir / prod_path, "Productivity Hours", code, year),
                "jobs": _cell(ons_dir / prod_path, "Productivity Jobs", code, year)}

    r, b = totals(place, gdp_file, prod_file), totals("UKX", GDP24, ITLS24)
    # the four parts by hand, as log ratios to the UK less Extra-Regio
    parts = {
        "gva_per_hour": math.log((r["gva"] / r["hours"]) / (b["gva"] / b["hours"])),
        "hours_per_job": math.log((r["hours"] / r["jobs"]) / (b["hours"] / b["jobs"])),
        "jobs_per_resident": math.log((r["jobs"] / r["pop"]) / (b["jobs"] / b["pop"])),
        "gdp_to_gva": math.log((r["gdp"] / r["gva"]) / (b["gdp"] / b["gva"])),
    }
    total = math.log((r["gdp"] / r["pop"]) / (b["gdp"] / b["pop"]))
    assert sum(parts.values()) == pytest.approx(total, abs=1e-12)  # the identity, on the published numbers

    res = decompose_gap(place, level=level)
    assert res.year == year
    for k, v in parts.items():
        assert res.table.loc[k, "log_points"] == pytest.approx(100 * v, rel=1e-9), k
    assert res.total == pytest.approx(100 * total, rel=1e-9)
    assert res.table["log_points"].drop("gdp_per_head").sum() == pytest.approx(res.total, abs=1e-9)
    # GVA per hour of the UK less Extra-Regio as ONS publishes it (A4, 2022: 41.0)
    assert res.table.loc["gva_per_hour", "benchmark"] == pytest.approx(41.0, abs=0.05)


def test_commuting_caveat_follows_jobs_per_resident(data_root):
    from levelup.analysis.decomposition import COMMUTING_THRESHOLD, decompose_gap

    camden = decompose_gap("Camden", level="lad")
    wales = decompose_gap("TLL")
    assert camden.jobs_ratio > 1 + COMMUTING_THRESHOLD and camden.commuting
    assert abs(wales.jobs_ratio - 1) < COMMUTING_THRESHOLD and not wales.commuting
    from levelup.report import model_sections as M
    from levelup.report import sections as S

    html = M.why_gap(S.context("Camden", level="lad")).html
    assert "Commuting." in html and "15%" in html and "overstates" in html
    assert "Commuting." not in M.why_gap(S.context("Wales")).html


# ------------------------------------------------------------------------------ item 11
def test_itl3_shift_share_leaves_out_empty_industries_and_says_so(data_root):
    """BRES records no employees in sections T and U: the ITL3 shift-share runs without them and
    the report says so in words; the national share is worked by hand from the BRES table."""
    from levelup.analysis import industry_table, shift_share
    from levelup.report import model_sections as M
    from levelup.report import sections as S

    res = shift_share("TLC23", 2015, 2021, source="bres")
    assert res.dropped_industries == ("T", "U")
    w = industry_table("bres", "itl3")
    codes = w.index.get_level_values("geo_code")
    nation = w[~codes.isin(["UK", "UKX", "TLB", "TLZ", "GB"])].groupby(level="industry").sum()
    e0 = w.loc["TLC23", 2015].sum()
    growth = nation[2021].sum() / nation[2015].sum() - 1
    assert res.national == pytest.approx(e0 * growth, rel=1e-12)
    assert res.growth == pytest.approx(w.loc["TLC23", 2021].sum() - e0, rel=1e-12)
    html = M.industry(S.context("TLC23")).html
    assert "households as employers (T) and extraterritorial organisations (U) are left out" in html
    for dev in ("drop or merge", "benchmark employment at the start is zero", "['"):
        assert dev not in html


def test_an_industry_with_no_benchmark_start_is_merged_with_the_one_before():
    from levelup.analysis.structure import _without_empty_industries

    region = pd.DataFrame({2015: [5.0, 1.0, 0.0, 0.0], 2021: [6.0, 1.0, 2.0, 0.0]}, index=list("RSTU"))
    nation = pd.DataFrame({2015: [50.0, 10.0, 0.0, 0.0], 2021: [55.0, 12.0, 4.0, 0.0]}, index=list("RSTU"))
    r, n, dropped, merged = _without_empty_industries(region, nation, [2015, 2021])
    assert dropped == ("U",)
    assert merged == {"S-T": ("S", "T")}
    assert list(n.index) == ["R", "S-T"] and n.loc["S-T", 2021] == 16.0 and r.loc["S-T", 2021] == 3.0


# ------------------------------------------------------------------------------- item 6
def test_barking_and_dagenham_neighbours_are_urban_and_their_distances_recompute(data_root):
    """Distances recomputed here with scipy (rankdata, cdist) from the indicator table; the neighbours
    are metropolitan districts or London boroughs, not the North Somerset and Peterborough that GDP per
    head and population alone gave."""
    from scipy.spatial.distance import cdist
    from scipy.stats import rankdata

    from levelup.analysis.neighbours import neighbour_indicators, statistical_neighbours

    t = statistical_neighbours("Barking and Dagenham", level="lad").to_frame()
    assert len(t.attrs["on"]) == 7
    table = neighbour_indicators("lad").dropna()
    u = np.column_stack([(rankdata(table[c]) - 1) / (len(table) - 1) for c in table.columns])
    d = cdist(u[list(table.index).index("E09000002")][None, :], u)[0]
    order = sorted(zip(d, table.index))
    expected = [c for _, c in order if c != "E09000002"][:5]
    assert list(t["code"].iloc[1:]) == expected
    np.testing.assert_allclose(t["distance"].iloc[1:], sorted(d)[1:6], rtol=1e-12)
    assert all(c[:3] in ("E08", "E09") for c in expected)  # metropolitan districts and London boroughs
    assert not {"E06000024", "E06000031"} & set(t["code"])


@pytest.mark.parametrize("outlier", ["E09000033", "E06000017"])  # Westminster (top); Rutland (mid-table)
def test_a_huge_outlier_elsewhere_leaves_neighbours_unchanged(data_root, outlier):
    from levelup.analysis.neighbours import neighbour_indicators
    from levelup.geo import peers

    table = neighbour_indicators("lad").copy()
    wild = table.copy()
    wild.loc[outlier, "gdp_per_head"] *= 1000
    for place in ("E09000002", "E06000001", "S12000049"):  # Barking and Dagenham, Hartlepool, Glasgow City
        before = peers(place, n=5, on=table, standardise="rank").codes
        after = peers(place, n=5, on=wild, standardise="rank").codes
        assert before == after, place
    if outlier == "E09000033":  # z-scores are swamped by it: GDP per head stops mattering
        z0 = peers("E06000001", n=5, on=table, standardise="z").table["z_gdp_per_head"]
        z1 = peers("E06000001", n=5, on=wild, standardise="z").table["z_gdp_per_head"]
        assert z1.abs().max() < z0.abs().max() / 10


# ------------------------------------------------------------------------------- item 8
def _els(ons_dir: Path, code: str, year: int) -> float:
    import csv

    with open(ons_dir / "local-indicators/gdp-per-head.csv", encoding="utf-8-sig", newline="") as f:
        for row in csv.DictReader(f):
            if (row["AREACD"] == code and row["Period"] == str(year)
                    and row["Indicator"].endswith("at current market price")):
                return float(row["Observation"])
    raise LookupError(code)


def test_revisions_are_each_release_against_its_own_uk(ons_dir, data_root):
    """North East 2021, UK = 100, in the April 2023 (Table 7), April 2024 (Table 7) and April 2025
    (Explore Local Statistics CSV) releases, read from the files themselves."""
    from levelup.analysis.revisions import revisions

    old = "regionalgrossdomesticproductgdpallitlregions.xlsx"
    by_hand = {
        "April 2023": 100 * _cell(ons_dir / old, "Table 7", "TLC", 2021) / _cell(ons_dir / old, "Table 7", "UK", 2021),
        "April 2024": 100 * _cell(ons_dir / GDP24, "Table 7", "TLC", 2021) / _cell(ons_dir / GDP24, "Table 7", "UK", 2021),
        "April 2025": 100 * _els(ons_dir, "TLC", 2021) / _els(ons_dir, "K02000001", 2021),
    }
    res = revisions("TLC")
    assert res.releases == ["April 2023", "April 2024", "April 2025"]
    for rel, v in by_hand.items():
        assert res.table.loc[2021, rel] == pytest.approx(v, rel=1e-12), rel
    assert 2023 in res.table.index and pd.isna(res.table.loc[2023, "April 2023"])


def test_revisions_section_says_what_moved(data_root):
    from levelup.report import model_sections as M
    from levelup.report import sections as S

    html = M.revisions(S.context("Wales")).html
    assert "April 2023 release" in html and "April 2025 release" in html and "ONS revised" in html


def test_council_shift_share_of_gva_worked_by_hand(data_root):
    """Hartlepool's GVA change 1998-2021 split by SIC section (the letter rows of the local-authority
    GVA table, summed here with pandas): national share = e0 * (N1/N0 - 1) over councils with no
    suppressed section."""
    from levelup.analysis.structure import gva_shift_share
    from levelup.data import load

    df = load("lad_gva_industry")
    df = df[(df["measure"] == "gva") & df["industry"].str.match(r"^([A-Z]|ABDE) \(")]
    wide = df.pivot_table(index=["lad23", "industry"], columns="year", values="value", aggfunc="sum",
                          dropna=False)[[1998, 2021]]
    raw = df.assign(nan=df["value"].isna()).groupby("lad23")["nan"].any()
    ok = raw.index[~raw]
    n = wide.loc[wide.index.get_level_values(0).isin(ok)].sum()
    e = wide.loc["E06000001"].sum()
    res = gva_shift_share("E06000001", 1998, 2021, level="lad")
    assert res.growth == pytest.approx(e[2021] - e[1998], rel=1e-12)
    assert res.national == pytest.approx(e[1998] * (n[2021] / n[1998] - 1), rel=1e-9)
    assert res.growth == pytest.approx(res.national + res.industry_mix + res.competitive, rel=1e-12)


def test_a_council_outside_the_city_regions_uses_the_newer_gdp_release_and_says_so(data_root):
    """Broxbourne is not in the April 2024 city-regions workbook: GDP, GVA and population come from the
    April 2025 local-authority release (its UK row, the sum of councils, as the benchmark); its GDP per
    head from the totals equals the per-head value ONS publishes in that release (GDP is rounded to GBP 1m)."""
    from levelup.analysis.decomposition import decompose_gap
    from levelup.data import indicator
    from levelup.report import model_sections as M
    from levelup.report import sections as S

    res = decompose_gap("Broxbourne")
    assert res.gdp_release == "April 2025" and not res.one_release and res.year == 2022
    published = indicator("gdp_per_head", "lad", vintage="2025-04").loc[res.code, 2022]
    assert res.table.loc["gdp_per_head", "place"] == pytest.approx(published, rel=3e-4)  # GDP rounded to GBP 1m
    assert res.table["log_points"].drop("gdp_per_head").sum() == pytest.approx(res.total, abs=1e-9)
    html = M.why_gap(S.context("Broxbourne")).html
    assert "April 2024 release does not publish Broxbourne" in html
