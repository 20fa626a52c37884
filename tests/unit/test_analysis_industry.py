"""levelup.analysis.industry_shares and peer_table on the real mirror data (issue 10).

Every expected number is computed here by hand from the loaded tables
(``levelup.data.load`` / ``indicator``), selecting rows by the 2021 district codes and names
the file publishes, not through the function's own lad23 mapping or aggregation.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from levelup import analysis, geo
from levelup.data import indicator, load
from levelup.errors import ModelInputError, UnknownSourceError

pytestmark = pytest.mark.usefixtures("data_root")

TEES_VALLEY = ["E06000001", "E06000002", "E06000003", "E06000004", "E06000005"]  # Hartlepool ... Darlington


def _lad_table(year: int) -> pd.DataFrame:
    """geo_code (2021 districts) x industry label, current-price GVA, one year."""
    df = load("lad_gva_industry")
    df = df[(df["measure"] == "gva") & (df["year"] == year)]
    return df.pivot(index="geo_code", columns="industry", values="value")


def _by_hand(codes: list[str], year: int) -> pd.DataFrame:
    t = _lad_table(year)
    sections = {"C": "C (10-33)", "Q": "Q (86-88)", "ABDE": "ABDE (1-9; 35-39)", "J": "J (58-63)"}
    sec_cols = [c for c in t.columns if c[0].isalpha() and " (" in c and (len(c.split(" ")[0]) == 1 or
                                                                          c.startswith("ABDE"))]
    assert len(sec_cols) == 17
    complete = t[sec_cols + ["Total"]].notna().all(axis=1)
    uk = t[complete]
    out = {}
    for s, col in sections.items():
        share = 100 * t.loc[codes, col].sum() / t.loc[codes, "Total"].sum()
        uk_share = 100 * uk[col].sum() / uk["Total"].sum()
        out[s] = {"share": share, "uk_share": uk_share, "lq": share / uk_share,
                  "region_gva": t.loc[codes, col].sum()}
    return pd.DataFrame(out).T


@pytest.mark.parametrize("place,codes", [("E08000012", ["E08000012"]), ("Tees Valley", TEES_VALLEY)])
def test_lad_and_combined_authority_shares_by_hand(place, codes):
    res = analysis.industry_structure(place, [1998, 2021]).to_frame()
    for year in (1998, 2021):
        got = res[res["year"] == year].set_index("section")
        exp = _by_hand(codes, year)
        for s in exp.index:
            for col in ("share", "uk_share", "lq", "region_gva"):
                assert got.at[s, col] == pytest.approx(exp.at[s, col], rel=1e-12), (place, year, s, col)
        assert len(got) == 17 and got["share"].sum() == pytest.approx(100, abs=0.1)  # rounding in the file
    assert res.attrs["source"] == "lad_gva_industry" and res.attrs["table_level"] == "lad"
    named = res[res["year"] == 2021].set_index("section")["section_name"]
    assert named["C"] == "Manufacturing" and named["Q"] == "Human health and social work activities"
    assert res.attrs["uk_excluded"][2021] == ["E06000052", "E06000053"]  # Cornwall, Isles of Scilly: 'c' cells


def test_tees_valley_resolves_to_the_combined_authority():
    res = analysis.industry_structure("Tees Valley", 2021).to_frame()
    assert res.attrs["level"] == "cauth" and sorted(res.attrs["members"]) == TEES_VALLEY


def test_merged_unitary_is_the_sum_of_its_2021_districts():
    t = load("lad_gva_industry")
    t = t[(t["measure"] == "gva") & (t["year"] == 2021)]
    names = ["Allerdale", "Carlisle", "Copeland"]  # became Cumberland (E06000063) on 1 April 2023
    sub = t[t["geo_name"].isin(names)]
    assert sub["geo_code"].nunique() == 3
    c = sub.loc[sub["industry"] == "C (10-33)", "value"].sum()
    total = sub.loc[sub["industry"] == "Total", "value"].sum()
    got = analysis.industry_structure("Cumberland", 2021, level="lad").to_frame().set_index("section")
    assert got.at["C", "region_gva"] == c and got.at["C", "region_total"] == total
    assert got.at["C", "share"] == pytest.approx(100 * c / total, rel=1e-12)


def test_suppressed_sections_are_nan_not_partial():
    got = analysis.industry_structure("Cornwall", 2021, level="lad").to_frame().set_index("section")
    assert np.isnan(got.at["J", "share"]) and np.isnan(got.at["J", "lq"])
    t = _lad_table(2021)
    assert got.at["C", "share"] == pytest.approx(100 * t.at["E06000052", "C (10-33)"] / t.at["E06000052", "Total"])


def test_itl_levels_have_section_names_and_sum_of_units_benchmark():
    g = load("gva_industry")
    g = g[(g["measure"] == "gva") & (g["year"] == 2021) & (g["level"] == "itl1")]
    ne = g[g["geo_code"] == "TLC"].set_index("industry")["value"]
    c_name = "C (10-33)"
    uk_c = g.loc[g["industry"] == c_name, "value"].sum()
    uk_total = g.loc[g["industry"] == "Total", "value"].sum()
    got = analysis.industry_structure("North East", 2021).to_frame().set_index("section")
    assert got.at["C", "section_name"] == "Manufacturing" and got.at["A", "section_name"].startswith("Agriculture")
    assert got.at["C", "share"] == pytest.approx(100 * ne[c_name] / ne["Total"], rel=1e-12)
    assert got.at["C", "uk_share"] == pytest.approx(100 * uk_c / uk_total, rel=1e-12)
    itl3 = analysis.industry_structure("TLC11", 2021).to_frame().set_index("section")
    assert {"AB", "DE"} <= set(itl3.index)  # ONS groups A+B and D+E at ITL3


def test_bad_year_names_the_range():
    with pytest.raises(UnknownSourceError, match="1998-2021"):
        analysis.industry_structure("Liverpool", 2030, level="lad")


# ----------------------------------------------------------------------------- peers
def test_peer_table_local_authority():
    t = analysis.statistical_neighbours("Barking and Dagenham", n=5).to_frame()
    assert list(t["role"]) == ["place"] + ["peer"] * 5 and t["code"].iat[0] == "E09000002"
    from levelup.analysis.neighbours import neighbour_indicators

    table = neighbour_indicators("lad")
    assert list(t["code"].iloc[1:]) == geo.peers("E09000002", n=5, on=table, standardise="rank").codes
    years = t.attrs["years"]
    gdp, pop = indicator("gdp_per_head", "lad")[years["gdp_per_head"]], indicator("population", "lad")[years["population"]]
    np.testing.assert_array_equal(t["gdp_per_head"], gdp.reindex(t["code"]).to_numpy())
    np.testing.assert_array_equal(t["population"], pop.reindex(t["code"]).to_numpy())
    assert (t["distance"].diff().iloc[2:] >= 0).all()


def test_peer_table_combined_authority_is_onss_published_row(ons_dir):
    """A combined authority's GDP per head is ONS's published figure, as in the report's headline
    (Tees Valley GBP 27,005 in 2023, read here from ONS's file); the sum over its councils, from
    rounded GDP, agrees to within a pound (it gave 27,004 beside the headline's 27,005)."""
    import csv

    t = analysis.statistical_neighbours("Tees Valley", n=3).to_frame()
    year = t.attrs["years"]["gdp_per_head"]
    with open(ons_dir / "local-indicators" / "gdp-per-head.csv", newline="", encoding="utf-8-sig") as fh:
        published = [float(r["Observation"]) for r in csv.DictReader(fh)
                     if r["AREACD"] == "E47000006" and r["Period"] == str(year) and "current market" in r["Indicator"]]
    gdp, pop = indicator("gdp", "lad")[year], indicator("population", "lad")[year]
    summed = 1e6 * gdp[TEES_VALLEY].sum() / pop[TEES_VALLEY].sum()  # GBP million -> GBP per person
    assert t["code"].iat[0] == "E47000006" and len(t) == 4
    assert published == [t["gdp_per_head"].iat[0]]
    assert abs(t["gdp_per_head"].iat[0] - summed) < 1


def test_peer_table_custom_place_has_no_peers():
    with pytest.raises(ModelInputError, match="custom places"):
        analysis.statistical_neighbours("TEES")


# ----------------------------------------------------------------------------- results and old names
def test_answers_are_results_and_the_old_names_warn_and_give_the_same_table():
    """industry_structure, statistical_neighbours and pay return frozen results (summary, HTML,
    plot; to_frame() the table); industry_shares and peer_table still work for one release, with a
    DeprecationWarning, and give exactly to_frame()."""
    import dataclasses

    import matplotlib

    matplotlib.use("Agg")
    from levelup.results import TableResult

    cases = [(analysis.industry_structure("Tees Valley", 2021), analysis.industry_shares, ("Tees Valley", 2021)),
             (analysis.statistical_neighbours("Hartlepool", n=3), analysis.peer_table, ("Hartlepool", 3)),
             (analysis.pay("North East"), None, None)]
    for res, old, args in cases:
        assert isinstance(res, TableResult)
        with pytest.raises(dataclasses.FrozenInstanceError):
            res.table = None
        assert res.title in res.summary() and "<table" in res._repr_html_() and res.notes()
        assert res.plot() is not None
        if old is not None:
            with pytest.warns(DeprecationWarning, match="will be removed in 0.3"):
                frame = old(*args)
            pd.testing.assert_frame_equal(frame, res.to_frame())
            assert frame.attrs == res.to_frame().attrs
