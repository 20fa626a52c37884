"""ONS geography lookups (lad_itl_lookup, cauth_lookup) and what levelup.geo builds from them.

Counts are checked against the CSVs read independently with the csv module.
"""

from __future__ import annotations

import csv

import pytest

from levelup import geo
from levelup.data import load
from levelup.data.registry import get_source
from levelup.errors import LayoutError, UnknownRegionError

LU = "local/lookups/LAD23_LAU121_ITL321_ITL221_ITL121_UK_LU.csv"
CA23 = "local/lookups/Local_Authority_District_to_Combined_Authority_(April_2023)_Lookup_in_England.csv"
CA25 = "local/lookups/Local_Authority_District_to_Combined_Authority_(May_2025)_Lookup_in_EN.csv"


def rows(path):
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def test_itl_lookup_counts(data_root, ons_dir):
    df = load("lad_itl_lookup")
    assert len(df) == 388 == len(rows(ons_dir / LU))
    assert df["geo_code"].nunique() == 361
    assert df["lau1"].nunique() == 388
    assert df["itl3"].nunique() == 179
    assert df["itl2"].nunique() == 41
    assert df["itl1"].nunique() == 12
    assert len(geo.regions("lad")) == 361
    assert [len(geo.regions(lv)) for lv in ("itl1", "itl2", "itl3")] == [12, 41, 179]


def test_itl_names_come_from_the_gdp_workbook(data_root, ons_dir):
    import openpyxl

    wb = openpyxl.load_workbook(ons_dir / "regionalgrossdomesticproductgdpallitlregions.xlsx", read_only=True)
    names = {
        r[1]: r[2]
        for r in wb["Table 5"].iter_rows(min_row=3, max_col=3, values_only=True)
        if r[0] in ("ITL1", "ITL2", "ITL3")
    }
    wb.close()
    got = {}
    for lv in ("itl1", "itl2", "itl3"):
        got.update(dict(zip(geo.regions(lv)["code"], geo.regions(lv)["name"])))
    assert got == names and len(got) == 232
    assert got["TLC"] == "North East"  # the lookup writes "North East (England)"
    assert geo.resolve("North East (England)").code == "TLC"  # the lookup's spelling is an alias
    assert geo.resolve("Durham CC").code == "TLC14"


def test_straddling_lads_listed_explicitly(data_root, ons_dir):
    itl3 = {}
    for r in rows(ons_dir / LU):
        itl3.setdefault(r["LAD23CD"], set()).add(r["ITL321CD"])
    expected = {c: tuple(sorted(u)) for c, u in itl3.items() if len(u) > 1}
    assert set(expected) == {"E06000063", "E06000064", "S12000017", "S12000021", "S12000035"}
    got = geo.straddling()
    assert dict(zip(got["code"], got["itl3"].str.split(";").map(tuple))) == expected
    assert geo.lad_itl3("S12000017") == ("TLM61", "TLM62", "TLM63")  # Highland: every unit, no first match
    cumberland = geo.resolve("Cumberland")
    assert cumberland.itl3 == ("TLD11", "TLD12") and cumberland.parent == "TLD1"


def test_combined_authorities_exactly_from_lookups(data_root, ons_dir):
    ca23, ca25 = geo.combined_authorities(2023), geo.combined_authorities()
    assert len(ca23) == 10 and len(ca25) == 15
    assert len({r["CAUTH23CD"] for r in rows(ons_dir / CA23)}) == 10
    assert len({r["CAUTH25CD"] for r in rows(ons_dir / CA25)}) == 15
    expected = sorted(r["LAD25CD"] for r in rows(ons_dir / CA25) if r["CAUTH25NM"] == "South Yorkshire")
    assert sorted(ca25.set_index("name").at["South Yorkshire", "members"]) == expected
    # the Region uses the April 2023 codes of the data (E08000038 Barnsley -> E08000016)
    sy = geo.resolve("South Yorkshire", "cauth")
    assert sy.members == ("E08000016", "E08000017", "E08000018", "E08000019")
    assert "E08000038 -> E08000016" in sy.note
    assert (
        geo.resolve("North East", "cauth").members != geo.resolve("North East", "cauth", vintage=2023).members
    )
    assert len(geo.resolve("North East", "cauth", vintage=2023).members) == 4


def test_code_changes_from_the_lau1_column(data_root, ons_dir):
    lau = {
        r["LAU121CD"]: r["LAD23CD"]
        for r in rows(ons_dir / LU)
        if r["LAU121CD"] != r["LAD23CD"] and not r["LAU121CD"].startswith("S30")
    }
    t = geo.code_changes()
    from_lookup = t[t["via"].str.startswith("ONS LAD23")]
    assert dict(zip(from_lookup["old_code"], from_lookup["new_code"])) == lau
    assert geo.successor("E07000026") == "E06000063"  # Allerdale -> Cumberland
    assert geo.successor("E08000016") == "E08000038"  # Barnsley, 2025 code
    assert geo.canonical("E08000039") == "E08000019"
    assert set(geo.predecessors("E06000066")) == {"E07000187", "E07000188", "E07000189", "E07000246"}
    assert t.set_index("old_code").at["E07000163", "date"] == "2023-04-01"
    with pytest.raises(UnknownRegionError):
        geo.canonical("E07999999")


def test_lookup_with_renamed_column(tmp_path):
    from levelup.data.ons import lookups

    bad = tmp_path / "lu.csv"
    bad.write_text(
        "LAD23CD,LAD23NM,LAU121CD,LAU121NM,ITL3CD,ITL321NM,ITL221CD,ITL221NM,ITL121CD,ITL121NM\n",
        encoding="utf-8",
    )
    with pytest.raises(LayoutError, match="ITL321CD"):
        lookups.parse([bad], get_source("lad_itl_lookup"))
    bad.write_text("LADCODE,NAME\nE1,x\n", encoding="utf-8")
    with pytest.raises(LayoutError, match="LADyyCD"):
        lookups.parse([bad], get_source("cauth_lookup"))
