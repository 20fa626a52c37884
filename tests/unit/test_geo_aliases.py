"""Welsh and Gaelic names resolve; codes retired before the 2023 lookup are recognised (issue 23).

The table (levelup/geo/aliases.toml) is checked against the ONS lookup read here with the csv
module, an independent route to the codes and English names.
"""

from __future__ import annotations

import csv

import pytest

from levelup.errors import UnknownRegionError
from levelup.geo import resolve

LOOKUP = "local/lookups/LAD23_LAU121_ITL321_ITL221_ITL121_UK_LU.csv"


@pytest.fixture(scope="module")
def lookup(ons_dir) -> dict[str, str]:
    """``{code: name}`` for every LAD23 and ITL1 unit of the ONS lookup (ITL1 names without "(England)")."""
    with open(ons_dir / LOOKUP, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    names = {r["LAD23CD"]: r["LAD23NM"] for r in rows}
    names |= {r["ITL121CD"]: r["ITL121NM"] for r in rows}
    return names


@pytest.mark.parametrize(("typed", "code", "name"), [
    ("Ynys Môn", "W06000001", "Isle of Anglesey"),
    ("Ynys Mon", "W06000001", "Isle of Anglesey"),  # accents optional
    ("Caerdydd", "W06000015", "Cardiff"),
    ("Abertawe", "W06000011", "Swansea"),
    ("Casnewydd", "W06000022", "Newport"),
    ("Glaschu", "S12000049", "Glasgow City"),
    ("Dùn Èideann", "S12000036", "City of Edinburgh"),
    ("Obar Dheathain", "S12000033", "Aberdeen City"),
    ("Cymru", "TLL", "Wales"),
])
def test_welsh_and_gaelic_names_resolve(data_root, typed, code, name):
    """"Ynys Môn" found nothing."""
    r = resolve(typed)
    assert (r.code, r.name) == (code, name)


def test_every_alias_names_the_region_of_its_code(data_root, lookup):
    from levelup.geo.aliases import aliases

    for code, (english, others) in aliases().items():
        assert lookup.get(code, "").replace(" (England)", "") == english, code
        for other in others:
            assert resolve(other).code == code, other


def test_an_alias_does_not_shadow_a_name(data_root):
    # the English names keep their precedence (ITL3 before local authority)
    assert resolve("Isle of Anglesey").level == "itl3" and resolve("Isle of Anglesey", level="lad").code == "W06000001"


def test_a_code_retired_before_2023_is_recognised(data_root):
    """E06000028 (Bournemouth) said only "no region 'E06000028'; did you mean 'E09000028' ..."."""
    with pytest.raises(UnknownRegionError) as err:
        resolve("E06000028")
    msg = str(err.value)
    assert "E06000028 (Bournemouth) was retired in 2019" in msg
    assert "now part of E06000058 Bournemouth, Christchurch and Poole" in msg
    assert err.value.suggestions == ["E06000058"]
    with pytest.raises(UnknownRegionError, match="was retired in 2019"):
        resolve("Bournemouth")


def test_every_retired_code_is_gone_and_its_successor_exists(data_root, lookup):
    from levelup.geo.aliases import retired

    for code, e in retired().items():
        assert code not in lookup, code
        assert all(c in lookup for c in e["now"]), (code, e["now"])
        with pytest.raises(UnknownRegionError, match=f"{code} \\({e['name']}\\) was retired in {e['year']}"):
            resolve(code)


@pytest.mark.parametrize("old, new", [("S12000046", "S12000049"), ("S12000044", "S12000050"),
                                      ("S12000015", "S12000047"), ("S12000024", "S12000048"),
                                      ("E10000009", "E06000059")])
def test_scottish_recodes_and_dorset_county_point_to_todays_code(data_root, old, new):
    """Codes a 2017 spreadsheet carries (Glasgow City before 2019, Dorset County Council) name
    today's authority instead of "no region"."""
    with pytest.raises(UnknownRegionError) as err:
        resolve(old)
    assert err.value.suggestions == [new]


def test_a_district_merged_away_is_recognised_by_its_name(data_root, ons_dir):
    """"Kettering", "Carlisle" and "Harrogate" said only "no region ...; did you mean 'Tendring'"
    although their old codes named the authority they joined. Expected: every English district of
    the lookup's LAU1 column that is not itself a LAD23 (read here with the csv module), typed by
    name, names its LAD23 authority."""
    with open(ons_dir / LOOKUP, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    lad23 = {r["LAD23CD"] for r in rows}
    merged = {(r["LAU121NM"], r["LAU121CD"], r["LAD23CD"]) for r in rows
              if r["LAU121CD"].startswith("E07") and r["LAU121CD"] not in lad23}
    assert len(merged) >= 20  # Northamptonshire 2021; Cumbria, North Yorkshire and Somerset 2023
    for name, old, new in sorted(merged):
        with pytest.raises(UnknownRegionError) as err:
            resolve(name)
        assert f"{old} ({name}) is no longer a local-authority code" in str(err.value)
        assert f"became part of {new} " in str(err.value)
        assert err.value.suggestions == [new]
