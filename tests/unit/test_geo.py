"""levelup.geo: resolve, precedence, code vintages, places and peers.

The geography is read from the registered ONS lookups, so these tests need the mirror
(``data_root`` fixture: skipped outside CI when ../shared is absent, failing in CI).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.spatial.distance import seuclidean

from levelup import geo
from levelup.errors import ModelInputError, UnknownRegionError

pytestmark = pytest.mark.usefixtures("data_root")


@pytest.mark.parametrize(
    "query", ["TLC", "tlc", " TLC ", "North East", "north east", "NORTH-EAST", "north  east!"]
)
def test_resolve_code_name_case_punctuation(query):
    r = geo.resolve(query)
    assert (r.code, r.name, r.level, r.parent) == ("TLC", "North East", "itl1", "UK")
    assert r.members == geo.itl3_under("TLC") and "TLC11" in r.members


def test_punctuation_in_local_authority_names():
    assert geo.resolve("St Helens").code == geo.resolve("st. helens").code == "E08000013"
    assert geo.resolve("stockton on tees").code == "E06000004"
    assert geo.resolve("Bristol").code == "E06000023"  # alias of "Bristol, City of" (LAD)
    assert geo.resolve("Glasgow").code == "S12000049"  # alias of "Glasgow City"
    assert geo.resolve("Barking and Dagenham").code == geo.resolve("E09000002").code == "E09000002"


def test_precedence_north_east():
    r = geo.resolve("North East")
    assert r.level == "itl1"
    assert [(a.code, a.level) for a in r.alternatives] == [("E47000014", "cauth")]
    ca = geo.resolve("North East", level="cauth")
    assert ca.code == "E47000014" and ca.level == "cauth" and ca.member_level == "lad"
    assert [a.code for a in ca.alternatives] == ["TLC"]
    assert len(ca.members) == 7


def test_precedence_liverpool():
    r = geo.resolve("Liverpool")
    assert (r.code, r.level) == ("TLD72", "itl3")
    assert [(a.code, a.level) for a in r.alternatives] == [("E08000012", "lad")]
    assert geo.resolve("Liverpool", level="lad").code == "E08000012"
    lcr = geo.resolve("Liverpool City Region")
    assert (lcr.code, lcr.level) == ("E47000004", "cauth")
    assert [(a.code, a.level) for a in lcr.alternatives] == [("LCR", "place")]
    with pytest.raises(UnknownRegionError, match="no itl1 named"):
        geo.resolve("Liverpool", level="itl1")


def test_unknown_region_suggestions():
    with pytest.raises(UnknownRegionError) as err:
        geo.resolve("Nort East")
    assert isinstance(err.value, LookupError)
    assert err.value.suggestions[0] == "North East"
    assert "did you mean 'North East' (TLC, itl1)" in str(err.value)
    with pytest.raises(UnknownRegionError):
        geo.resolve("Atlantis")
    with pytest.raises(UnknownRegionError, match="unknown level"):
        geo.resolve("Leeds", level="county")


def test_old_lad_code_names_successor():
    with pytest.raises(UnknownRegionError) as err:
        geo.resolve("E07000026")  # Allerdale, abolished 1 April 2023
    msg = str(err.value)
    assert "Allerdale" in msg and "E06000063 Cumberland" in msg and "2023-04-01" in msg
    assert err.value.suggestions == ["E06000063"]
    with pytest.raises(UnknownRegionError, match="E06000065 North Yorkshire"):
        geo.resolve("E07000165")  # Harrogate
    with pytest.raises(UnknownRegionError, match="no region 'E09999999'"):
        geo.resolve("E09999999")


def test_newer_code_of_same_authority_resolves_with_note():
    r = geo.resolve("E08000038")
    assert (r.code, r.name) == ("E08000016", "Barnsley")
    assert "E08000038" in r.note and "April 2023 code E08000016" in r.note


def test_nuts_codes_map_to_itl():
    r = geo.resolve("UKC11")
    assert r.code == "TLC11" and "UKC11" in r.note
    assert geo.resolve("UKK22").code == "TLK25" and "Christchurch" in geo.resolve("UKK22").note
    assert geo.resolve("UKK21").code == "TLK24"
    assert geo.resolve("UK").level == "uk"


def test_older_combined_authority_vintage():
    r = geo.resolve("North of Tyne")
    assert r.code == "E47000011" and r.vintage == "April 2023" and "2025" in r.note
    with pytest.raises(UnknownRegionError):
        geo.resolve("North of Tyne", vintage=2025, level="cauth")
    assert len(geo.regions("cauth")) == 15 and len(geo.regions("cauth", vintage=2023)) == 10


def test_builtin_places():
    t = geo.places()
    required = {
        "Liverpool City Region",
        "Tees Valley",
        "Norfolk and Suffolk",
        "Greater Manchester",
        "West Midlands",
        "West Yorkshire",
        "South Yorkshire",
        "North East combined authority area",
        "Greater London",
        "Glasgow City Region",
        "Cardiff Capital Region",
    }
    assert required <= set(t["name"])
    assert t["note"].str.len().gt(0).all()
    approx = t[~t["exact"]]
    assert set(approx["name"]) == {"Glasgow City Region", "Cardiff Capital Region"}
    assert approx["note"].str.contains("Approximate").all()
    # West Midlands: the ITL1 region wins by precedence, the place is an alternative
    wm = geo.resolve("West Midlands")
    assert wm.level == "itl1" and [a.level for a in wm.alternatives] == ["itl2", "cauth", "place"]  # TLG3 too
    tees = geo.resolve("TEES")
    assert tees.level == "place" and tees.members == ("TLC11", "TLC12", "TLC13")


def write(path, text):
    path.write_text(text, encoding="utf-8")
    return path


def test_place_file_with_unknown_codes(tmp_path):
    bad = write(tmp_path / "bad.toml", '[place.X]\nname = "Made up"\nitl3 = ["TLC11", "TLZ99"]\n')
    with pytest.raises(UnknownRegionError, match=r"bad.toml, place 'X'.*TLZ99"):
        geo.places(bad)
    old = write(tmp_path / "old.toml", '[place.Y]\nname = "Old Cumbria"\nlads = ["E07000026", "E06000064"]\n')
    with pytest.raises(UnknownRegionError, match=r"E07000026 \(replaced by E06000063\)"):
        geo.places(old)
    both = write(tmp_path / "both.toml", '[place.Z]\nname = "Z"\nitl3 = ["TLC11"]\nlads = ["E06000001"]\n')
    with pytest.raises(ValueError, match="exactly one"):
        geo.places(both)
    with pytest.raises(UnknownRegionError, match="does not exist"):
        geo.places(tmp_path / "missing.toml")


def test_user_place_file_argument_and_config(tmp_path, monkeypatch, ons_dir):
    from levelup import config

    mine = write(
        tmp_path / "mine.toml",
        '[place.TYNE]\nname = "Tyne and Wear"\n'
        'lads = ["E08000037", "E08000021", "E08000022", "E08000023", "E08000024"]\nexact = true\n',
    )
    r = geo.resolve("tyne and wear", places_files=[mine])
    assert r.level == "place" and r.member_level == "lad" and len(r.members) == 5
    with pytest.raises(UnknownRegionError):
        geo.resolve("Tyne and Wear")  # not without the file
    cfg = write(
        tmp_path / "levelup.toml",
        f'[data]\nroot = "{config.data_root()}"\nmirrors = ["{ons_dir}"]\n[places]\nfiles = ["mine.toml"]\n',
    )
    monkeypatch.setenv("LEVELUP_CONFIG", str(cfg))
    assert "TYNE" in set(geo.places()["code"])


def test_slug():
    assert geo.slug("Bristol, City of") == "bristol-city-of"
    assert geo.slug("Na h-Eileanan Siar") == "na-h-eileanan-siar"
    assert geo.resolve("North East").slug == "tlc-north-east"
    assert geo.slug("Barking & Dagenham") == "barking-and-dagenham"


def test_regions_tables():
    lad = geo.regions("lad")
    assert len(lad) == 361 and lad["straddles"].sum() == 5
    assert list(geo.regions("itl2").columns) == ["code", "name", "level", "itl1", "itl2"]
    assert geo.children("TLC") == ("TLC1", "TLC2")


def test_peers_synthetic_indicator_against_scipy():
    codes = list(geo.regions("itl1")["code"])
    rng = np.random.default_rng(7)
    x = pd.DataFrame({"a": rng.normal(100, 20, 12), "b": rng.normal(5, 1, 12)}, index=codes)
    res = geo.peers("North East", n=4, on=x)
    X = x.to_numpy()
    var = X.var(axis=0)  # population variance: the z-scores use ddof 0
    target = X[codes.index("TLC")]
    d = {c: seuclidean(target, X[i], var) for i, c in enumerate(codes) if c != "TLC"}
    expected = sorted(d, key=lambda c: (d[c], c))[:4]
    assert res.codes == expected
    assert res.table["distance"].to_numpy() == pytest.approx([d[c] for c in expected])
    assert res.kind == "itl1" and res.n_candidates == 12 and "standardised Euclidean" in res.summary()
    ax = res.plot()
    assert len(ax.patches) == 4


def test_peers_missing_values_dropped_and_errors():
    codes = list(geo.regions("itl1")["code"])
    x = pd.DataFrame({"a": np.arange(12.0)}, index=codes)
    x.loc["TLD", "a"] = np.nan
    res = geo.peers("TLC", n=3, on=x)
    assert res.dropped == ("TLD",) and "TLD" not in res.codes
    assert res.codes == ["TLE", "TLF", "TLG"]  # |z| distance ranks by |a - a_TLC|; ties by code
    with pytest.raises(ModelInputError, match="do not vary"):
        geo.peers("TLC", on=pd.DataFrame({"a": 1.0}, index=codes))
    with pytest.raises(ModelInputError, match="missing values"):
        geo.peers("TLD", on=x)
    with pytest.raises(ModelInputError, match="positive integer"):
        geo.peers("TLC", n=0, on=x)


def test_peer_group_from_file(tmp_path):
    f = write(
        tmp_path / "groups.toml",
        '[group.net]\nname = "A network"\n'
        'members = ["Barking and Dagenham", "Glasgow City", "Cardiff", "Bristol, City of", "Belfast", '
        '"Greater Manchester"]\n',
    )
    codes = list(geo.regions("lad")["code"])
    x = pd.DataFrame({"a": np.linspace(0, 1, len(codes))}, index=codes)
    res = geo.peers("Cardiff", on=x, group="net", places_files=[f])
    assert res.kind == "lad" and set(res.codes) == {"E09000002", "S12000049", "E06000023", "N09000003"}
    assert any("Greater Manchester" in o for o in res.other_kind)  # a cauth: listed, not ranked
    with pytest.raises(UnknownRegionError, match="no peer group"):
        geo.peers("Cardiff", on=x, group="nope", places_files=[f])


def test_place_file_with_lad_codes_that_do_not_exist(tmp_path):
    bad = write(tmp_path / "lads.toml", '[place.X]\nname = "Made up"\nlads = ["E06000001", "E09999999"]\n')
    with pytest.raises(UnknownRegionError, match=r"lads.toml, place 'X'.*E09999999"):
        geo.places(bad)
    grp = write(tmp_path / "grp.toml", '[group.net]\nname = "Net"\nmembers = ["Cardiff", "E09999999"]\n')
    x = pd.DataFrame({"a": np.arange(361.0)}, index=geo.regions("lad")["code"])
    with pytest.raises(UnknownRegionError, match="E09999999"):
        geo.peers("Cardiff", on=x, group="net", places_files=[grp])
