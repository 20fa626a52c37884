"""The processed cache: warm loads read parquet, and a changed raw file or parser version rebuilds it."""

from __future__ import annotations

import dataclasses
import hashlib
import json

import pandas as pd
import pytest

from levelup import __version__
from levelup.data import api, registry
from levelup.data.ons import productivity


def _sha(b: bytes) -> str:
    return hashlib.sha256(b).hexdigest()


@pytest.fixture
def fake_source(tmp_path, monkeypatch):
    """'productivity' registered with two acceptable files, and a parser that reads a number from the file.

    The cache is what is tested here, so the parser is a stand-in that counts its calls.
    """
    a, b = b"value=1", b"value=2"
    reg = dict(registry._registry())
    src = reg["productivity"]
    reg["productivity"] = dataclasses.replace(
        src, files=(dataclasses.replace(src.files[0], sha256=(_sha(a), _sha(b))),)
    )
    monkeypatch.setattr(registry, "_registry", lambda: reg)
    calls = []

    def parse(paths, source):
        calls.append(paths[0])
        v = float(paths[0].read_bytes().split(b"=")[1])
        return pd.DataFrame({"geo_code": ["TLC"], "geo_name": ["North East"], "level": ["itl1"], "year": [2020],
                             "measure": ["gva_per_hour"], "unit": ["GBP"], "value": [v]})

    monkeypatch.setattr(productivity, "parse", parse)
    root = tmp_path / "data"
    (root / "raw").mkdir(parents=True)
    raw = root / "raw" / src.files[0].path
    raw.write_bytes(a)
    api._MEMO.clear()
    api._WIDE.clear()
    yield root, raw, calls, (a, b)
    api._MEMO.clear()
    api._WIDE.clear()


def test_sidecar_and_warm_load(fake_source):
    root, raw, calls, (a, _) = fake_source
    df = api.load("productivity", root=root, mirrors=[])
    assert len(calls) == 1 and df["value"].item() == 1.0
    side = json.loads((root / "processed" / "productivity.json").read_text())
    assert side == {
        "source": "productivity",
        "release": registry.get_source("productivity").release,
        "files": {"itlproductivity.xlsx": _sha(a)},
        "parser": "productivity",
        "parser_version": productivity.PARSER_VERSION,
        "levelup_version": __version__,
    }
    assert (root / "processed" / "productivity.parquet").is_file()
    api._MEMO.clear()  # a new session: only the parquet file remains
    again = api.load("productivity", root=root, mirrors=[])
    assert len(calls) == 1  # the parser was not called: the table came from parquet
    pd.testing.assert_frame_equal(again, df)


def test_rebuilt_when_raw_file_changes(fake_source):
    root, raw, calls, (_, b) = fake_source
    api.load("productivity", root=root, mirrors=[])
    raw.write_bytes(b)  # another registered release of the file
    api._MEMO.clear()
    df = api.load("productivity", root=root, mirrors=[])
    assert len(calls) == 2 and df["value"].item() == 2.0
    side = json.loads((root / "processed" / "productivity.json").read_text())
    assert side["files"] == {"itlproductivity.xlsx": _sha(b)}


def test_rebuilt_when_parser_version_changes(fake_source, monkeypatch):
    root, raw, calls, _ = fake_source
    api.load("productivity", root=root, mirrors=[])
    monkeypatch.setattr(productivity, "PARSER_VERSION", productivity.PARSER_VERSION + 1)
    api._MEMO.clear()
    api.load("productivity", root=root, mirrors=[])
    assert len(calls) == 2
    side = json.loads((root / "processed" / "productivity.json").read_text())
    assert side["parser_version"] == productivity.PARSER_VERSION


def test_damaged_cache_is_rebuilt(fake_source):
    root, raw, calls, _ = fake_source
    api.load("productivity", root=root, mirrors=[])
    (root / "processed" / "productivity.parquet").write_bytes(b"garbage")
    api._MEMO.clear()
    assert api.load("productivity", root=root, mirrors=[])["value"].item() == 1.0
    assert len(calls) == 2


def test_data_dir_from_environment(fake_source, monkeypatch):
    root, raw, calls, _ = fake_source
    monkeypatch.setenv("LEVELUP_DATA_DIR", str(root))
    api.load("productivity", mirrors=[])
    assert (root / "processed" / "productivity.parquet").is_file()


def test_real_round_trip(tmp_path, ons_dir):
    """A real source: the warm (parquet) load equals the cold parse, dtypes included."""
    api._MEMO.clear()
    cold = api.load("jobs05", root=tmp_path, mirrors=[ons_dir])
    api._MEMO.clear()
    warm = api.load("jobs05", root=tmp_path, mirrors=[ons_dir])
    pd.testing.assert_frame_equal(cold, warm)
    api._MEMO.clear()


def test_sidecar_records_sources_a_parser_depends_on(data_root):
    """lad_population maps old codes through the LAD-ITL lookup: the lookup's sha256 is part of the key."""
    import json

    from levelup import config
    from levelup.data import load

    load("lad_population")
    meta = json.loads((config.processed_dir() / "lad_population.json").read_text())
    dep = [k for k in meta["files"] if k.startswith("lad_itl_lookup:")]
    assert dep == ["lad_itl_lookup:local/lookups/LAD23_LAU121_ITL321_ITL221_ITL121_UK_LU.csv"]
    assert meta["files"][dep[0]] == "1a90ff17d11db53b1765bc84ee0d652f89bbd8623e27295785a85e4e78aae0cf"


def test_load_of_a_source_without_a_table_says_what_to_use(data_root):
    from levelup.data import load
    from levelup.errors import UnknownSourceError

    with pytest.raises(UnknownSourceError, match=r"boundaries.*levelup.geo.boundaries.itl3"):
        load("boundaries")


def test_indicator_tables_are_memoised_under_the_files_sha256(fake_source, monkeypatch):
    """indicator() pivots a table once per state of its files (the mechanism: no second pivot),
    hands out copies, and pivots again when a raw file changes."""
    root, raw, calls, (_, b) = fake_source
    first = api.indicator("gva_per_hour", "itl1", root=root)
    assert first.loc["TLC", 2020] == 1.0
    with monkeypatch.context() as m:
        m.setattr(pd.DataFrame, "pivot", lambda *a, **k: (_ for _ in ()).throw(AssertionError("pivoted again")))
        first.loc["TLC", 2020] = -5.0
        first.attrs["names"]["TLC"] = "changed by a caller"
        again = api.indicator("gva_per_hour", "itl1", root=root)
    assert again.loc["TLC", 2020] == 1.0 and again.attrs["names"] == {"TLC": "North East"}
    raw.write_bytes(b)  # another registered release of the file
    assert api.indicator("gva_per_hour", "itl1", root=root).loc["TLC", 2020] == 2.0
