"""Aggregation: totals are sums over members; per head = sum GDP / sum population (never a mean of ratios).

Expected values are computed by hand in the test from cells read with openpyxl (an independent
route from levelup's parser), or compared with ONS's own published aggregate (ITL2 Merseyside).
"""

from __future__ import annotations

import math

import openpyxl
import pytest

from levelup import geo
from levelup.data import load
from levelup.errors import ModelInputError

GDP_LA = "local/gdp_la_2025-04-17_corrected-2025-10-10/regionalgrossdomesticproductgdplocalauthorities.xlsx"
GDP_ITL = "regionalgrossdomesticproductgdpallitlregions.xlsx"
# Table 5/6/7 rows 44-49: Halton, Knowsley, St. Helens, Liverpool, Sefton, Wirral; column AC = 2023
LCR_ROWS = range(44, 50)


@pytest.fixture(scope="module")
def cells(ons_dir):
    wb = openpyxl.load_workbook(ons_dir / GDP_LA, read_only=True, data_only=True)
    out = {
        s: {wb[s][f"B{r}"].value: wb[s][f"AC{r}"].value for r in LCR_ROWS}
        for s in ("Table 5", "Table 6", "Table 7")
    }
    wb.close()
    return out


def test_combined_authority_per_head_is_ratio_of_sums(data_root, cells):
    lcr = geo.resolve("Liverpool City Region")
    assert lcr.level == "cauth" and set(lcr.members) == set(
        cells["Table 5"]
    )  # the six councils, from the lookup
    gdp, pop = sum(cells["Table 5"].values()), sum(cells["Table 6"].values())
    got = geo.aggregate(["gdp", "population", "gdp_per_head"], lcr)
    assert got.loc[2023, "gdp"] == pytest.approx(gdp)
    assert got.loc[2023, "population"] == pytest.approx(pop)
    assert got.loc[2023, "gdp_per_head"] == pytest.approx(gdp / pop * 1e6, rel=1e-12)
    naive = sum(cells["Table 7"].values()) / 6  # the mean of per-head values: wrong, and different
    assert abs(got.loc[2023, "gdp_per_head"] - naive) > 100
    s = geo.aggregate("gdp_per_head", "Liverpool City Region")
    assert s.attrs["source"] == "lad_gdp" and "sum(gdp) / sum(population)" in s.attrs["formula"]


def test_itl3_place_matches_ons_itl2_aggregate(data_root, ons_dir, release_2023):
    # ITL3-based place LCR = TLD71-74 = ITL2 Merseyside (TLD7); ONS publishes TLD7 itself (Table 7, row 36,
    # column AA = 2021), computed by ONS from unrounded data: agreement to rounding (< 1 GBP)
    wb = openpyxl.load_workbook(ons_dir / GDP_ITL, read_only=True, data_only=True)
    ws = wb["Table 7"]
    assert ws["B36"].value == "TLD7" and ws["AA2"].value == "2021"
    ons = ws["AA36"].value
    wb.close()
    place = geo.resolve("LCR")
    got = geo.aggregate("gdp_per_head", place)
    assert got.attrs["source"] == "gdp"
    assert abs(got.loc[2021] - ons) < 1.0


def test_newer_codes_and_predecessor_districts_are_mapped(data_root):
    # May 2025 lookup uses E08000038/39; the data use E08000016/19 and the mapping is recorded
    sy = geo.resolve("South Yorkshire", "cauth")
    s = geo.aggregate(
        "gdp", list(geo.combined_authorities().set_index("name").at["South Yorkshire", "members"])
    )
    assert s.attrs["code_map"] == {"E08000038": ("E08000016",), "E08000039": ("E08000019",)}
    assert s.loc[2023] == pytest.approx(geo.aggregate("gdp", sy).loc[2023])
    # the 374-code GVA-by-industry file has no E06000065: North Yorkshire = sum of its seven old districts
    gva = load("lad_gva_industry")
    gva = gva[(gva["industry"] == "Total") & (gva["measure"] == "gva")]
    wide = gva.pivot(index="geo_code", columns="year", values="value")
    got = geo.aggregate(wide, ["E06000014", "E06000065"])
    olds = geo.predecessors("E06000065")
    assert len(olds) == 7 and got.attrs["code_map"] == {"E06000065": olds}
    assert got.loc[2021] == pytest.approx(wide.loc[["E06000014", *olds], 2021].sum())


def test_missing_member_values_give_nan_not_partial_sums(data_root):
    s = geo.aggregate("population", ["N09000003", "N09000001"])  # Belfast, Antrim and Newtownabbey
    assert math.isnan(s.loc[2023]) and s.attrs["incomplete"] == {2023: ["N09000001", "N09000003"]}
    assert not math.isnan(s.loc[2022])


def test_bad_input(data_root):
    with pytest.raises(ModelInputError, match="not additive"):
        geo.aggregate("real_gdp_per_head", "Liverpool City Region")
    with pytest.raises(ModelInputError, match="mix"):
        geo.aggregate("gdp", ["TLC11", "E06000001"])
    with pytest.raises(ModelInputError, match="E06000099"):
        geo.aggregate("gdp", ["E06000001", "E06000099"])


def test_aggregate_level_and_benchmark(data_root):
    ca = geo.aggregate_level("gdp_per_head", "cauth")
    assert len(ca) == 15 and ca.loc["E47000004", 2023] == pytest.approx(
        geo.aggregate("gdp_per_head", "E47000004").loc[2023]
    )
    uk = geo.benchmark("gdp_per_head", "lad")
    assert uk.loc[2022] == pytest.approx(
        geo.aggregate("gdp", list(geo.regions("lad")["code"])).loc[2022]
        / geo.aggregate("population", list(geo.regions("lad")["code"])).loc[2022]
        * 1e6
    )


def test_aggregate_level_for_combined_authorities_is_built_once_per_data_state(data_root, monkeypatch):
    """A batch of reports ranks every combined authority on the same tables: they are built once
    (the mechanism: aggregate() is not called again), handed out as copies (a caller's edit does
    not reach the next caller), and rebuilt when a file behind them changes (the store's sha256 fingerprint)."""
    import importlib

    from levelup._store import STORE

    A = importlib.import_module("levelup.geo.aggregate")  # the module (geo.aggregate is the function)
    monkeypatch.setattr(STORE, "disk", False)  # the in-memory store (the disk layer: test_store_disk.py)
    STORE.clear()
    first = geo.aggregate_level("population", "cauth")
    calls = []
    real = A.aggregate
    monkeypatch.setattr(A, "aggregate", lambda *a, **k: calls.append(a) or real(*a, **k))
    first.loc[:, :] = -1.0
    again = geo.aggregate_level("population", "cauth")
    assert calls == [] and (again > 0).all().all()
    assert again.loc["E47000006", 2022] == pytest.approx(geo.aggregate("population", "E47000006").loc[2022])
    calls.clear()
    monkeypatch.setattr(STORE, "fingerprint", lambda: "a raw file behind a processed table changed")
    geo.aggregate_level("population", "cauth")
    assert len(calls) == 15  # rebuilt, one aggregate per combined authority


def test_gva_per_hour_of_a_place_is_total_gva_over_total_hours(data_root, release_2023):
    """Second route: ONS's own ITL2 figures. Each ITL2 unit is a place made of its ITL3 units;
    sum(x_i h_i) / sum(h_i) over them must equal the published ITL2 GVA per hour worked, up to
    the rounding of the published 2-decimal values (at most 0.005 + 0.005)."""
    from levelup.data import indicator
    from levelup.geo.itl import itl3_under

    pub = indicator("gva_per_hour", "itl2")
    worst = 0.0
    # Northern Ireland (TLN0) is the exception: ONS's NI ITL3 hours and GVA per hour do not add up
    # to its ITL2 figure (up to 1.77 GBP an hour apart, 2014), so it cannot serve as the second route.
    for code in pub.index.drop("TLN0"):
        agg = geo.aggregate("gva_per_hour", itl3_under(code), level="itl3")
        assert agg.attrs["formula"] == "sum(gva_per_hour * hours_worked) / sum(hours_worked)"
        diff = (agg - pub.loc[code]).dropna()
        assert len(diff) >= 15, code
        worst = max(worst, float(diff.abs().max()))
    assert worst <= 0.0101, worst
