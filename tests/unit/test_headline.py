"""levelup.analysis.headline, the one implementation of the report's headline numbers.

Each number is checked against a second route computed here with pandas from the published
tables (levelup.data.indicator, levelup.geo.aggregate_level, the local-authority file), and the
report's table (levelup.report.sections.context) is checked to be exactly analysis.headline's.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from levelup import analysis
from levelup.data import indicator


def _rank(col: pd.Series, code: str) -> tuple[int, int]:
    """Competition rank (1 = highest, ties share the better rank) with pandas' own ranking."""
    col = col.dropna()
    return int(col.rank(ascending=False, method="min")[code]), int(col.size)


def _uk(measure: str, source: str | None = None) -> pd.Series:
    return indicator(measure, "uk", source=source).iloc[0]


def test_itl3_numbers_by_a_second_route(data_root):
    code = "TLC11"  # Hartlepool and Stockton-on-Tees
    h = analysis.headline(code).to_frame().set_index("measure")
    assert list(h.index) == list(analysis.HEADLINE)

    # GDP per head: a level, UK = 100 in the first and last common years, change in index points
    w, uk = indicator("gdp_per_head", "itl3", source=h.loc["gdp_per_head", "source"]), _uk("gdp_per_head", h.loc["gdp_per_head", "source"])
    years = sorted(set(w.loc[code].dropna().index) & set(uk.dropna().index))
    y0, y1 = years[0], years[-1]
    g = h.loc["gdp_per_head"]
    assert (g["first_year"], g["year"]) == (y0, y1)
    assert g["value"] == w.loc[code, y1]
    assert g["index"] == pytest.approx(100 * w.loc[code, y1] / uk[y1], rel=1e-12)
    assert g["change"] == pytest.approx(100 * (w.loc[code, y1] / uk[y1] - w.loc[code, y0] / uk[y0]), rel=1e-12)
    assert (g["rank"], g["peers"]) == _rank(w[y1], code)

    # real GDP per head: average annual growth, a growth index, and ranked on growth (not on the level)
    w, uk = indicator("real_gdp_per_head", "itl3", source=h.loc["real_gdp_per_head", "source"]), _uk("real_gdp_per_head", h.loc["real_gdp_per_head", "source"])
    r = h.loc["real_gdp_per_head"]
    y0, y1 = int(r["first_year"]), int(r["year"])
    x = w.loc[code]
    assert r["value"] == pytest.approx(100 * np.expm1(np.log(x[y1] / x[y0]) / (y1 - y0)), rel=1e-10)
    assert r["index"] == pytest.approx(100 * (x[y1] / x[y0]) / (uk[y1] / uk[y0]), rel=1e-12)
    assert r["change"] == pytest.approx(100 * (x[y1] - x[y0]) / x[y0], rel=1e-12)
    growth_rank, level_rank = _rank(w[y1] / w[y0], code), _rank(w[y1], code)
    assert (r["rank"], r["peers"]) == growth_rank
    assert growth_rank != level_rank  # the test tells growth and level ranks apart

    # GVA per hour in GBP against the UK's GBP figure (not the published UK = 100 index)
    w, uk = indicator("gva_per_hour", "itl3", source=h.loc["gva_per_hour", "source"]), _uk("gva_per_hour", h.loc["gva_per_hour", "source"])
    p = h.loc["gva_per_hour"]
    assert p["value"] == w.loc[code, p["year"]]
    assert p["index"] == pytest.approx(100 * w.loc[code, p["year"]] / uk[p["year"]], rel=1e-12)
    assert (p["rank"], p["peers"]) == _rank(w[p["year"]], code)

    # population: the latest level, a growth index against the UK, ranked on growth like its index (issue 20)
    w, uk = indicator("population", "itl3", source=h.loc["population", "source"]), _uk("population", h.loc["population", "source"])
    s = h.loc["population"]
    y0, y1 = int(s["first_year"]), int(s["year"])
    assert s["value"] == w.loc[code, y1]
    assert s["index"] == pytest.approx(100 * (w.loc[code, y1] / w.loc[code, y0]) / (uk[y1] / uk[y0]), rel=1e-12)
    assert s["first_index"] == 100.0
    assert (s["rank"], s["peers"]) == _rank(w[y1] / w[y0], code)
    assert _rank(w[y1] / w[y0], code) != _rank(w[y1], code)  # the test tells growth and size apart


def test_ties_share_the_better_rank():
    wide = pd.DataFrame({2000: [1.0, 2.0, 2.0, 3.0], 2001: [1.0, 2.0, 2.0, np.nan]}, index=list("abcd"))
    assert analysis._rank(wide, "b", 2001, 2001, "level") == (1, 3)  # b and c tie first; d has no value
    assert analysis._rank(wide, "c", 2001, 2001, "level") == (1, 3)
    assert analysis._rank(wide, "a", 2001, 2001, "level") == (3, 3)
    assert analysis._rank(wide, "a", 2000, 2001, "growth") == (1, 3)  # growth 1.0 against 1.0, 1.0: all tie
    assert analysis._rank(wide, "d", 2000, 2001, "level") is None


def test_combined_authority_ranked_among_combined_authorities(data_root):
    from levelup.geo import resolve
    from levelup.geo.aggregate import aggregate_level

    reg = resolve("Tees Valley", level="cauth")
    h = analysis.headline(reg).to_frame().set_index("measure")
    # published by ONS for combined authorities: ranked among the combined authorities of that file
    src = h.loc["gdp_per_head", "source"]
    y1 = int(h.loc["gdp_per_head", "year"])
    assert (h.loc["gdp_per_head", "rank"], h.loc["gdp_per_head", "peers"]) == _rank(
        indicator("gdp_per_head", "cauth", source=src)[y1], reg.code)
    # not published (population): aggregated from the councils, ranked on growth among aggregated combined authorities
    wide = aggregate_level("population", "cauth")
    y0, y1 = int(h.loc["population", "first_year"]), int(h.loc["population", "year"])
    assert (h.loc["population", "rank"], h.loc["population", "peers"]) == _rank((wide[y1] / wide[y0]).dropna(), reg.code)


def test_local_authority_against_the_same_vintage_uk_total(data_root):
    h = analysis.headline("E09000002")  # Barking and Dagenham
    f = h.to_frame().set_index("measure")
    for m in ("gdp_per_head", "gdhi_per_head", "employment_rate", "median_weekly_pay"):
        src, y1 = f.loc[m, "source"], int(f.loc[m, "year"])
        own = indicator(m, "lad", source=src)
        uk = _uk(m, src)
        assert f.loc[m, "index"] == pytest.approx(100 * own.loc["E09000002", y1] / uk[y1], rel=1e-12), m
        assert (f.loc[m, "rank"], f.loc[m, "peers"]) == _rank(own[y1], "E09000002"), m
    # the newest year with a UK row in the same file: 2023 (the local-authority GDP file's UK sum stops in 2022)
    assert int(f.loc["gdp_per_head", "year"]) == 2023 and f.loc["gdp_per_head", "source"] == "els_gdp_per_head"
    # real growth from the same release's chained-volume series and UK row; pay with its 95% interval
    assert pd.notna(f.loc["real_gdp_per_head", "value"])
    assert f.loc["median_weekly_pay", "lower"] < f.loc["median_weekly_pay", "value"] < f.loc["median_weekly_pay", "upper"]
    assert h.missing == ()


def test_other_benchmark_and_start_year(data_root):
    h = analysis.headline("TLC", benchmark="TLD", start_year=2005).to_frame().set_index("measure")
    g = h.loc["gdp_per_head"]
    w = indicator("gdp_per_head", "itl1", source=g["source"])
    assert g["first_year"] == 2005
    y1 = int(g["year"])
    assert g["index"] == pytest.approx(100 * w.loc["TLC", y1] / w.loc["TLD", y1], rel=1e-12)
    assert g["first_index"] == pytest.approx(100 * w.loc["TLC", 2005] / w.loc["TLD", 2005], rel=1e-12)
    s = h.loc["population"]
    pop = indicator("population", "itl1", source=s["source"])
    y1 = int(s["year"])
    assert s["index"] == pytest.approx(
        100 * (pop.loc["TLC", y1] / pop.loc["TLC", 2005]) / (pop.loc["TLD", y1] / pop.loc["TLD", 2005]), rel=1e-12)
    # ranks do not depend on the benchmark
    assert g["rank"] == _rank(w[int(g["year"])], "TLC")[0]


def test_custom_place_of_the_same_councils_shows_the_published_area(data_root):
    """TEES (ITL3 units TLC11-TLC13) is the same area as Tees Valley combined authority: ONS's
    published figures for it are shown, marked as such, and the place is not ranked."""
    h = analysis.headline("TEES", level="place")
    f = h.to_frame().set_index("measure")
    assert f["rank"].isna().all() and f["peers"].isna().all()
    g = f.loc["gdp_per_head"]
    assert g["same_area"].startswith("Tees Valley (E47000006")
    y1 = int(g["year"])
    pub = indicator("gdp_per_head", "cauth", source=g["source"]).loc["E47000006", y1]
    assert g["value"] == pub
    assert g["index"] == pytest.approx(100 * pub / _uk("gdp_per_head", g["source"])[y1], rel=1e-12)
    assert any("not ranked" in n for n in h.notes())


@pytest.mark.parametrize(
    "region,level",
    [("TLC", None), ("TLC1", None), ("TLC11", None), ("E09000002", None), ("Tees Valley", "cauth"),
     ("LCR", "place"), ("GCR-LA", "place")],
)
def test_report_shows_exactly_the_analysis_numbers(data_root, region, level):
    from levelup.report import sections

    ctx = sections.context(region, level=level)
    res = analysis.headline(region, level=level)
    pd.testing.assert_frame_equal(ctx.headline, res.to_frame(), check_exact=True)
    assert ctx.unavailable == res.reasons()
    assert set(res.sources) <= set(ctx.sources)


def test_store_follows_the_sha256_of_the_files_behind_it(tmp_path, monkeypatch):
    """The store serves a table until a file behind it changes content (not merely its time)."""
    import levelup._store as store_mod
    from levelup.errors import LevelupError, UnknownSourceError

    side = tmp_path / "gdp.json"
    side.write_text('{"files": {"a.xlsx": "1111"}}')
    monkeypatch.setattr(store_mod, "_inputs", lambda: [side])
    store = store_mod.Store()
    calls = []
    fn = lambda: calls.append(1) or pd.Series([len(calls)])  # noqa: E731
    first = store.get(("t",), fn)
    assert store.get(("t",), fn) is first and len(calls) == 1
    side.write_text('{"files": {"a.xlsx": "1111"}}  ')  # rewritten, same record: same tables
    assert store.get(("t",), fn) is first and len(calls) == 1
    side.write_text('{"files": {"a.xlsx": "2222"}}')  # a new raw file behind the processed table
    again = store.get(("t",), fn)
    assert len(calls) == 2 and again is not first

    def missing():
        calls.append("missing")
        raise UnknownSourceError("no such table")

    for _ in range(2):  # missing data is kept (not re-read) and raised again, typed
        with pytest.raises(UnknownSourceError, match="no such table"):
            store.get(("m",), missing)
    assert calls.count("missing") == 1

    def bug():
        raise KeyError("a bug")

    with pytest.raises(KeyError):  # anything else is never turned into a message nor kept
        store.get(("b",), bug)
    assert not issubclass(KeyError, LevelupError)
    assert isinstance(analysis.stored(("m",), missing), analysis.Missing)


def test_result_shape(data_root):
    h = analysis.headline("North East", level="itl1")
    with pytest.raises(dataclasses.FrozenInstanceError):
        h.code = "X"  # type: ignore[misc]
    text = h.summary()
    assert "North East (TLC, ITL1 region), against the UK" in text
    g = h.to_frame().set_index("measure").loc["gdp_per_head"]
    assert f"£{g['value']:,.0f} ({int(g['year'])})" in text
    assert "Rank among all ITL1 regions" in text
    assert "<table" in h._repr_html_()
    assert list(h.to_frame().columns) == list(analysis.HEADLINE_COLUMNS)
    ax = h.plot()
    assert len(ax.patches) == len(analysis.HEADLINE)
