"""Regional GDHI, all ITL regions (ONS, 4 September 2024) on the real mirror file."""

import pytest
from _xl import cell, check_cell, one

from levelup import data

FILE = "regionalgrossdisposablehouseholdincomeallitlregions20221.xlsx"
HEADLINE = ["gdhi", "gdhi_population", "gdhi_per_head", "gdhi_per_head_index"]


@pytest.fixture(scope="module")
def df(data_root):
    return data.load("gdhi", root=data_root)


def test_regions_per_level_and_years(df):
    counts = df.groupby(["measure", "level"])["geo_code"].nunique().unstack()
    for m in [*HEADLINE, "gdhi_component", "gdhi_component_per_head"]:
        assert counts.loc[m].to_dict() == {"itl1": 12, "itl2": 41, "itl3": 179, "nation": 1, "uk": 1}
    years = df.groupby("measure")["year"].agg(["min", "max"])
    assert (years["min"] == 1997).all() and (years["max"] == 2022).all()
    comp = df[(df["measure"] == "gdhi_component") & (df["year"] == 2022)]
    assert comp.groupby("geo_code")["transaction"].nunique().eq(17).all()


@pytest.mark.parametrize(
    "sheet, ref, expected, measure",
    [
        ("Table 1", "D3", 617873, "gdhi"),  # UK, 1997
        ("Table 2", "D4", 48664777, "gdhi_population"),  # England, 1997
        ("Table 4", "D236", 71.1, "gdhi_per_head_index"),  # TLN0G Fermanagh and Omagh, 1997
        ("Table 3", "AC236", 18127, "gdhi_per_head"),  # TLN0G, 2022
        ("Table 3", "AC5", 18388, "gdhi_per_head"),  # TLC North East, 2022
        ("Table 3", "S199", "[u]", "gdhi_per_head"),  # TLM61, 2012: suppressed
    ],
)
def test_values_match_cells(df, ons_dir, sheet, ref, expected, measure):
    check_cell(df, ons_dir / FILE, sheet, ref, expected, year_row=2, measure=measure)


def test_component_cells(df, ons_dir):
    path = ons_dir / FILE
    # Table 7, row 3: UK, B.2g Operating surplus, 1997 (F2 = '1997')
    assert cell(path, "Table 7", "E3") == "Operating surplus" and cell(path, "Table 7", "F3") == 100516
    assert one(df, measure="gdhi_component", geo_code="UK", transaction="Operating surplus", year=1997) == 100516
    # Table 7, row 223: TLD North West, B.6g Gross Disposable Income, 2022 (AE2 = '2022')
    assert cell(path, "Table 7", "D223") == "B.6g" and cell(path, "Table 7", "AE223") == 148447
    assert one(df, measure="gdhi_component", geo_code="TLD", transaction_code="B.6g", year=2022) == 148447


def test_markers_become_nan_with_flag(df):
    u = df[df["flag"] == "[u]"]
    assert u["value"].isna().all() and df.loc[df["flag"] == "", "value"].notna().all()
    # 88 suppressed cells in each of Tables 2-4 (the manifest's count)
    assert u.groupby("measure").size().reindex(HEADLINE[1:]).eq(88).all()
    assert set(u.loc[u["measure"] == "gdhi_per_head", "year"]) == set(range(2012, 2023))


def test_gross_disposable_income_equals_table_1(df):
    """B.6g in Table 7 is total GDHI (Table 1): a second route to every headline number."""
    t1 = df[df["measure"] == "gdhi"].set_index(["geo_code", "year"])["value"]
    b6 = df[(df["measure"] == "gdhi_component") & (df["transaction_code"] == "B.6g")]
    b6 = b6.set_index(["geo_code", "year"])["value"]
    assert (t1 - b6.reindex(t1.index)).abs().max() <= 1.0


def test_indicator(data_root):
    wide = data.indicator("gdhi_per_head", "itl3", root=data_root)
    assert wide.shape == (179, 26) and wide.attrs["unit"] == "GBP"
    assert wide.loc["TLM61", 2012] != wide.loc["TLM61", 2012]  # NaN where ONS suppressed it
