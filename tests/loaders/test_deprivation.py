"""Deprivation loaders (levelup/data/ons/deprivation.py) against the mirror's files.

Values are checked against named cells read independently (openpyxl, xlrd, pandas/odf),
not through the parser; counts against MANIFEST.md ("Deprivation indices").
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import openpyxl
import pandas as pd
import pytest
import xlrd

from levelup.data import load
from levelup.data.ons import deprivation as parser
from levelup.errors import LayoutError, UnknownRegionError

DEP = "deprivation"


def _cell(path, sheet, row, cols):
    """Values of one row (1-based Excel row) of an xlsx sheet, via openpyxl."""
    wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        values = next(wb[sheet].iter_rows(min_row=row, max_row=row, values_only=True))
    finally:
        wb.close()
    return [values[c] for c in cols]


def _area(df, code, measure, domain=""):
    sel = df[(df["geo_code"] == code) & (df["measure"] == measure) & (df["domain"] == domain)]
    assert len(sel) == 1, (code, measure, domain, len(sel))
    return sel.iloc[0]


@pytest.mark.parametrize(
    "source, n, area_type, nation, edition",
    [
        ("imd2019", 32_844, "LSOA 2011", "England", "IoD2019"),
        ("imd2025", 33_755, "LSOA 2021", "England", "IoD2025"),
        ("wimd2019", 1_909, "LSOA 2011", "Wales", "WIMD2019"),
        ("simd2020", 6_976, "data zone 2011", "Scotland", "SIMD2020v2"),
        ("nimdm2017", 890, "SOA 2001", "Northern Ireland", "NIMDM2017"),
    ],
)
def test_counts_and_ranks(data_root, source, n, area_type, nation, edition):
    df = load(source)
    ranks = df[(df["level"] == "lsoa") & (df["measure"] == "imd_rank")]
    assert len(ranks) == n and ranks["geo_code"].nunique() == n  # MANIFEST.md counts
    assert set(ranks["area_type"]) == {area_type}
    assert set(ranks["nation"]) == {nation} and set(ranks["edition"]) == {edition}
    assert ranks["value"].min() == 1 and ranks["value"].max() == n
    deciles = df[(df["level"] == "lsoa") & (df["measure"] == "imd_decile")]
    assert len(deciles) == n and set(deciles["value"]) == set(range(1, 11))
    assert (ranks["lad_code"] != "").all() and (ranks["lad_name"] != "").all()
    # the rule used for Northern Ireland, ceil(10 rank / n), reproduces the English and Scottish
    # published deciles; the Welsh Government instead cuts groups of 191 from the top (190 left)
    both = ranks.set_index("geo_code")["value"].to_frame("rank").join(deciles.set_index("geo_code")["value"])
    expected = np.ceil(both["rank"] / 191) if source == "wimd2019" else parser.derive_decile(both["rank"], n)
    assert (expected == both["value"]).all()


def test_imd2019_cells(data_root, ons_dir):
    df = load("imd2019")
    f1 = ons_dir / DEP / "File_1_-_IMD2019_Index_of_Multiple_Deprivation.xlsx"
    # sheet 'IMD2019', row 20000 (cells A..F): an LSOA of Dorset (LAD 2019 code E06000059)
    code, name, lad, lad_name, rank, decile = _cell(f1, "IMD2019", 20000, range(6))
    assert (code, lad, lad_name) == ("E01020561", "E06000059", "Dorset")
    assert _area(df, code, "imd_rank")["value"] == rank
    assert _area(df, code, "imd_decile")["value"] == decile
    assert _area(df, code, "imd_rank")["geo_name"] == name
    assert _area(df, code, "imd_rank")["lad_vintage"] == "LAD 2019"
    # File 6, sheet 'Population Denominators', cells A2 and E2 (total mid-2015)
    f6 = ons_dir / DEP / "File_6_-_IoD2019_Population_Denominators.xlsx"
    code, pop = _cell(f6, "Population Denominators", 2, [0, 4])
    assert _area(df, code, "population")["value"] == pop
    # MANIFEST.md: the total population sums to 54,728,204
    assert df.loc[df["measure"] == "population", "value"].sum() == 54_728_204
    # File 10, sheet 'IMD', row 2 (Hartlepool): columns C..L as published
    f10 = ons_dir / DEP / "File_10_-_IoD2019_Local_Authority_District_Summaries__lower-tier__.xlsx"
    row = _cell(f10, "IMD", 2, range(12))
    lad = df[(df["level"] == "lad") & (df["geo_code"] == row[0])].set_index("measure")["value"]
    assert lad["average_rank"] == row[2] and lad["rank_of_average_rank"] == row[3]
    assert lad["share_most_deprived_10pct"] == row[6] and lad["extent"] == row[8]
    assert lad["local_concentration"] == row[10] and lad["rank_of_local_concentration"] == row[11]
    assert (df["level"] == "lad").sum() == 317 * 10


def test_imd2025_cells(data_root, ons_dir):
    df = load("imd2025")
    f1 = ons_dir / DEP / "File_1_IoD2025_Index_of_Multiple_Deprivation.xlsx"
    code, lad, rank, decile = _cell(f1, "IMD25", 2, [0, 2, 4, 5])  # cells A2, C2, E2, F2
    assert _area(df, code, "imd_rank")["value"] == rank
    assert _area(df, code, "imd_decile")["value"] == decile
    assert _area(df, code, "imd_rank")["lad_code"] == lad
    assert set(df["lad_vintage"]) == {"LAD 2024"} and df["lad_code"].nunique() == 296


def test_wimd_cells(data_root, ons_dir):
    df = load("wimd2019")
    path = ons_dir / DEP / "welsh-index-multiple-deprivation-2019-index-and-domain-ranks-by-small-area.ods"
    # sheet 'WIMD_2019_ranks', header in row 3, first data row 4 (columns A..L)
    ranks = pd.read_excel(path, sheet_name="WIMD_2019_ranks", engine="odf", skiprows=2, nrows=3, header=0)
    first = ranks.iloc[0]
    code = first["LSOA Code"]
    assert _area(df, code, "imd_rank")["value"] == first["WIMD 2019 "]
    assert _area(df, code, "domain_rank", "income")["value"] == first["Income "]
    assert _area(df, code, "domain_rank", "physical_environment")["value"] == first["Physical Environment"]
    assert _area(df, code, "imd_rank")["lad_name"] == first["Local Authority Name (Eng)"]
    dec = pd.read_excel(path, sheet_name="Deciles_quintiles_quartiles", engine="odf", nrows=3)
    assert _area(df, dec.iloc[0]["LSOA Code"], "imd_decile")["value"] == dec.iloc[0]["WIMD 2019 Overall Decile"]
    assert not df["decile_derived"].astype(str).eq("True").any()


def test_simd_cells(data_root, ons_dir):
    df = load("simd2020")
    ranks = ons_dir / DEP / "SIMD+2020v2+-+ranks.xlsx"
    # sheet 'SIMD 2020v2 ranks', row 2: A Data_Zone, D Total_population, F rank, G income rank
    code, pop, rank, income = _cell(ranks, "SIMD 2020v2 ranks", 2, [0, 3, 5, 6])
    assert _area(df, code, "imd_rank")["value"] == rank
    assert _area(df, code, "population")["value"] == pop
    assert _area(df, code, "domain_rank", "income")["value"] == income
    lookup = ons_dir / DEP / "SIMD+2020v2+-+datazone+lookup+-+updated+2025.xlsx"
    # sheet 'SIMD 2020v2 DZ lookup data', row 2: A DZ, B DZname, E decile, T LAcode
    code, name, decile, la = _cell(lookup, "SIMD 2020v2 DZ lookup data", 2, [0, 1, 4, 19])
    row = _area(df, code, "imd_decile")
    assert (row["value"], row["geo_name"], row["lad_code"]) == (decile, name, la)
    assert df.loc[df["measure"] == "imd_rank", "lad_code"].nunique() == 32


def test_nimdm_cells_and_derived_deciles(data_root, ons_dir):
    df = load("nimdm2017")
    sh = xlrd.open_workbook(str(ons_dir / DEP / "NIMDM17_SOAresults.xls")).sheet_by_name("MDM")
    # sheet 'MDM', row 2: A LGD2014NAME, C SOA2001, D name, E MDM rank, F income rank
    lgd, code, name, rank, income = (sh.cell_value(1, c) for c in (0, 2, 3, 4, 5))
    assert _area(df, code, "imd_rank")["value"] == rank
    assert _area(df, code, "domain_rank", "income")["value"] == income
    assert _area(df, code, "imd_rank")["lad_name"] == lgd
    dec = _area(df, code, "imd_decile")
    assert dec["value"] == np.ceil(10 * rank / 890) == 6  # 516 of 890: 5.80 -> decile 6
    assert str(dec["decile_derived"]) == "True"
    deciles = df[df["measure"] == "imd_decile"]["value"].value_counts()
    assert deciles.to_dict() == {d: 89 for d in range(1, 11)}  # 890 SOAs, 89 a decile


def test_la_codes_match_ons_lookup(ons_dir):
    lk = pd.read_csv(ons_dir / "local" / "lookups" / "LAD23_LAU121_ITL321_ITL221_ITL121_UK_LU.csv",
                     encoding="utf-8-sig", dtype=str)
    names = dict(zip(lk["LAD23CD"], lk["LAD23NM"]))
    for name, code in {**parser.WALES_LA, **parser.NI_LGD}.items():
        assert names[code] == name


def test_unitary_successors_are_unions_of_2019_districts(data_root):
    """Every 2019 district behind a new unitary has all its (shared) LSOAs in that unitary in IoD2025."""
    from levelup.deprivation import UNITARIES

    a = load("imd2019").query("measure == 'imd_rank' and level == 'lsoa'").set_index("geo_code")["lad_code"]
    b = load("imd2025").query("measure == 'imd_rank'").set_index("geo_code")["lad_code"]
    shared = a.index.intersection(b.index)
    for new, (_, _, olds) in UNITARIES.items():
        in_old = set(shared[a[shared].isin(olds)])
        in_new = set(shared[b[shared] == new])
        assert in_old == in_new, new


def test_wrong_vintage_code_names_its_vintage(data_root):
    from levelup.deprivation import deprivation, most_deprived_areas

    with pytest.raises(UnknownRegionError, match=r"E07000026 is a LAD 2019 district code.*E06000063 Cumberland"):
        deprivation(edition=2025, places={"Allerdale": ["E07000026"]})
    with pytest.raises(UnknownRegionError, match=r"LAD 2018 code.*E06000058"):
        most_deprived_areas(["E06000028"])  # Bournemouth, abolished 2019
    with pytest.raises(UnknownRegionError, match="Wales code.*nation='wales'"):
        deprivation(places={"Cardiff": ["W06000015"]})
    # the other direction maps exactly: Cumberland (2023) is three whole 2019 districts
    r = deprivation(places={"Cumberland": ["E06000063"]})
    assert r.to_frame()["n_areas"].iloc[0] == deprivation().to_frame().set_index("code").loc[
        ["E07000026", "E07000028", "E07000029"], "n_areas"].sum()
    assert any("E07000026 (Allerdale)" in m for m in r.mapping)


def _synthetic_file1(path, header_e):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "IMD25"
    ws.append(["LSOA code (2021)", "LSOA name (2021)", "Local Authority District code (2024)",
               "Local Authority District name (2024)", header_e, "Index of Multiple Deprivation (IMD) Decile"])
    ws.append(["E01000001", "City of London 001A", "E09000001", "City of London", 1, 1])
    wb.save(path)


def test_layout_errors_name_sheet_and_header(tmp_path):
    good = tmp_path / "good.xlsx"
    _synthetic_file1(good, "Index of Multiple Deprivation (IMD) Rank (where 1 is most deprived)")
    out = parser.parse([good], SimpleNamespace(id="imd2025"))
    assert out.loc[out["measure"] == "imd_rank", "value"].tolist() == [1.0]
    bad = tmp_path / "bad.xlsx"
    _synthetic_file1(bad, "Score")
    with pytest.raises(LayoutError, match=r"sheet 'IMD25'.*Index of Multiple Deprivation \(IMD\) Rank.*E1"):
        parser.parse([bad], SimpleNamespace(id="imd2025"))
    wb = openpyxl.load_workbook(good)
    wb["IMD25"].title = "IMD2025"
    wb["IMD2025"]["A1"] = "LSOA code (2021)"
    wb.save(bad)
    with pytest.raises(LayoutError, match=r"expected a sheet named 'IMD25'"):
        parser.parse([bad], SimpleNamespace(id="imd2025"))
    wb = openpyxl.load_workbook(good)
    wb["IMD25"]["A1"] = "LSOA code"
    wb.save(bad)
    with pytest.raises(LayoutError, match=r"sheet 'IMD25'.*'LSOA code \(2021\)' in cell A1"):
        parser.parse([bad], SimpleNamespace(id="imd2025"))
