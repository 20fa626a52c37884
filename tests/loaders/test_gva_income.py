"""GVA(B) per head and income components (ONS, April 2023, corrected June 2023) on the real mirror file."""

import pytest
from _xl import cell, check_cell, one

from levelup import data

FILE = "regionalgrossvalueaddedbalancedperheadandincomecomponents.xlsx"


@pytest.fixture(scope="module")
def df(data_root):
    return data.load("gva_income", root=data_root)


def test_regions_per_level_and_years(df):
    counts = df.groupby(["measure", "level"])["geo_code"].nunique().unstack().fillna(0).astype(int)
    assert counts.loc["gva_per_head"].to_dict() == {"itl1": 12, "itl2": 41, "itl3": 179, "nation": 1, "other": 1, "uk": 1}
    # Table 3 has no UK and no Extra-Regio row: UKX (= 100) is the only 'other'
    assert counts.loc["gva_per_head_index"].to_dict() == {"itl1": 12, "itl2": 41, "itl3": 179, "nation": 1, "other": 1, "uk": 0}
    assert counts.loc["gva_by_industry_cp"].to_dict() == {"itl1": 12, "itl2": 41, "itl3": 0, "nation": 1, "other": 2, "uk": 1}
    assert df["year"].min() == 1998 and df["year"].max() == 2021
    ind = df[df["measure"] == "gva_by_industry_cp"].groupby("level")["industry"].nunique()
    assert ind["itl1"] == 32 and ind["itl2"] == 31
    # 'Other ' (trailing space) on England and Extra-Regio still gives the right levels
    lv = df.drop_duplicates("geo_code").set_index("geo_code")["level"]
    assert lv["TLB"] == "nation" and lv["TLZ"] == "other"


@pytest.mark.parametrize(
    "sheet, ref, expected, measure",
    [
        ("Table 2", "D3", 15402, "gva_per_head"),  # UK, 1998
        ("Table 2", "AA237", 30221, "gva_per_head"),  # UKX UK less Extra-Regio, 2021
        ("Table 3", "D5", 74.1, "gva_per_head_index"),  # TLC North East, 1998
        ("Table 3", "AA236", 71.5, "gva_per_head_index"),  # TLN0G Fermanagh and Omagh, 2021
    ],
)
def test_values_match_cells(df, ons_dir, sheet, ref, expected, measure):
    check_cell(df, ons_dir / FILE, sheet, ref, expected, year_row=2, measure=measure)


@pytest.mark.parametrize(
    "ref, expected",
    [
        ("F3", 900616),  # UK, Total, 1998
        ("AC879", 487437),  # TLI London, Total, 2021
        ("AC901", 97008),  # TLI London, K (64-66), 2021
        ("AC230", 1291),  # TLD3 Greater Manchester, CD-CF (19-21), 2021
        ("F1722", 11870),  # TLZ Extra-Regio ('Other '), Total, 1998
    ],
)
def test_table6_cells(df, ons_dir, ref, expected):
    path = ons_dir / FILE
    row = int(ref.lstrip("ACF"))
    assert cell(path, "Table 6", ref) == expected
    code, industry = cell(path, "Table 6", f"B{row}"), cell(path, "Table 6", f"D{row}")
    year = int(cell(path, "Table 6", f"{ref.rstrip('0123456789')}2"))
    assert one(df, measure="gva_by_industry_cp", geo_code=code, industry=industry, year=year) == expected


def test_table6_matches_gva_by_industry_csv(df, data_root):
    """The manifest's fidelity check: Table 6 equals CSV Tables 1c/2c for every row and year."""
    csv = data.load("gva_industry", root=data_root)
    csv = csv[csv["measure"] == "gva"].set_index(["geo_code", "industry", "year"])["value"]
    t6 = df[df["measure"] == "gva_by_industry_cp"].set_index(["geo_code", "industry", "year"])["value"]
    assert len(t6) == 1783 * 24
    assert (t6 - csv.reindex(t6.index)).abs().max() == 0


def test_indicator(data_root):
    wide = data.indicator("gva_per_head", "itl3", root=data_root)
    assert wide.shape == (179, 24) and wide.attrs["unit"] == "GBP"
