"""Regional GVA by industry (derived CSVs of the ONS April 2023 tables) on the real mirror files."""

import pytest
from _xl import csv_cell, one

from levelup import data

DIR = "gva_by_industry_csv"
T1B = "Table 1b ITL1 UK chained volume measures in 2019 money value pounds million.csv"
T1C = "Table 1c ITL1 UK current price estimates pounds million.csv"
T2C = "Table 2c ITL2 UK current price estimates pounds million.csv"
T3B = "Table 3b ITL3 UK chained volume measures in 2019 money value pounds million.csv"
T3C = "Table 3c ITL3 UK current price estimates pounds million.csv"


@pytest.fixture(scope="module")
def df(data_root):
    return data.load("gva_industry", root=data_root)


def test_regions_industries_years(df):
    counts = df.groupby(["measure", "level"])["geo_code"].nunique().unstack()
    for m in ("gva", "real_gva"):
        assert counts.loc[m].to_dict() == {"itl1": 12, "itl2": 41, "itl3": 179, "nation": 1, "other": 2, "uk": 1}
    n_ind = df[df["year"] == 2021].groupby(["measure", "level"])["industry"].nunique()
    assert n_ind[("gva", "itl1")] == 107 and n_ind[("gva", "itl2")] == 96 and n_ind[("gva", "itl3")] == 64
    assert df["year"].min() == 1998 and df["year"].max() == 2021
    assert df["value"].notna().all()
    basis = df.drop_duplicates("measure").set_index("measure")["price_basis"]
    assert "not additive" in basis["real_gva"] and basis["gva"] == "current basic prices"


@pytest.mark.parametrize(
    "file, line, year, text, measure",
    [
        (T1C, 2, "1998", "900,616", "gva"),  # UK, Total
        (T1C, 867, "2021", "8,923", "gva"),  # TLI London, C (10-33)
        (T1C, 932, "1998", "14,916", "gva"),  # TLI London, 68IMP
        (T1B, 2, "1998", "1,345,618", "real_gva"),  # UK, Total
        (T2C, 306, "2021", "1,291", "gva"),  # TLD3 Greater Manchester, CD-CF (19-21)
        (T3B, 2, "1998", "5,109", "real_gva"),  # TLC11, Total
        (T3C, 2, "1998", "3,345", "gva"),  # TLC11, Total
    ],
)
def test_values_match_cells(df, ons_dir, file, line, year, text, measure):
    path = ons_dir / DIR / file
    assert csv_cell(path, line, year) == text
    code, industry = csv_cell(path, line, "ITL region code"), csv_cell(path, line, "SIC07 code")
    got = one(df, measure=measure, geo_code=code, industry=industry, year=int(year))
    assert got == float(text.replace(",", ""))


def test_negative_values_kept(df):
    # 2c has 17 negative current-price cells, 3c has 4 (MANIFEST section 6)
    neg = df[(df["measure"] == "gva") & (df["value"] < 0)]
    assert neg.groupby("level").size().reindex(["itl2", "itl3"]).tolist() == [17, 4]


def test_aggregate_and_section_columns(df):
    first = df.drop_duplicates(["level", "industry"]).set_index(["level", "industry"])
    for code in ("Total", "A-E", "G-T", "C (10-33)", "CA (10-12)", "L (68)", "A (1-3)"):
        assert first.loc[("itl1", code), "aggregate"], code
    for code in ("D (35)", "10", "68IMP", "68", "CF (21)", "O (84)", "T (97-98)"):
        assert not first.loc[("itl1", code), "aggregate"], code
    assert first.loc[("itl1", "C (10-33)"), "section"] == "C"
    assert first.loc[("itl1", "CA (10-12)"), "section"] == ""
    assert first.loc[("itl3", "AB (1-9)"), "section"] == "AB"
    # every level has one row per section (or combination) and they tile the economy
    for lv, want in [("itl1", list("ABCDEFGHIJKLMNOPQRST")), ("itl3", ["AB", "C", "DE", *"FGHIJKLMNOPQRST"])]:
        assert sorted(first.loc[lv].query("section != ''")["section"]) == want


def test_non_aggregates_sum_to_total(df):
    """Current prices: the leaf industries add up to 'Total' for every region and year (rounding)."""
    cp = df[df["measure"] == "gva"]
    leaves = cp[~cp["aggregate"]].groupby(["geo_code", "year"])["value"].sum()
    total = cp[cp["industry"] == "Total"].set_index(["geo_code", "year"])["value"]
    assert (leaves - total.reindex(leaves.index)).abs().max() <= 12
    sections = cp[cp["section"] != ""].groupby(["geo_code", "year"])["value"].sum()
    assert (sections - total.reindex(sections.index)).abs().max() <= 12


def test_indicator(data_root):
    wide = data.indicator("gva", "itl3", root=data_root)
    assert wide.shape == (179, 24) and wide.loc["TLC11", 1998] == 3345
    manuf = data.indicator("gva", "itl1", industry="C (10-33)", root=data_root)
    assert manuf.loc["TLI", 2021] == 8923
