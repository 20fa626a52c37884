"""The processed cache: warm loads read parquet, and a changed raw file or parser version rebuilds it."""

from __future__ import annotations

import dataclasses
import errno
import hashlib
import importlib
import json
import os
import warnings

import numpy as np
import pandas as pd
import pytest

from levelup import __version__
from levelup.data import api, cache, registry
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
        # the sha256 of the parquet file beside it, hashed here from the file on disk
        "table_sha256": _sha((root / "processed" / "productivity.parquet").read_bytes()),
    }
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
    with pytest.warns(cache.CorruptCacheWarning, match=r"productivity\.parquet does not match the sha256"):
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
    first = api.indicator("gva_per_hour", "itl1", vintage="2023-06", root=root)
    assert first.loc["TLC", 2020] == 1.0
    with monkeypatch.context() as m:
        m.setattr(pd.DataFrame, "pivot", lambda *a, **k: (_ for _ in ()).throw(AssertionError("pivoted again")))
        first.loc["TLC", 2020] = -5.0
        with pytest.raises(TypeError, match="read-only"):  # shared by every copy, so it cannot change
            first.attrs["names"]["TLC"] = "changed by a caller"
        again = api.indicator("gva_per_hour", "itl1", vintage="2023-06", root=root)
    assert again.loc["TLC", 2020] == 1.0 and again.attrs["names"] == {"TLC": "North East"}
    # pandas deep-copies attrs on every operation: the names (one per area) are shared, not copied
    derived = (again * 2).dropna()
    assert derived.attrs["names"] is again.attrs["names"] is first.attrs["names"]
    raw.write_bytes(b)  # another registered release of the file
    assert api.indicator("gva_per_hour", "itl1", vintage="2023-06", root=root).loc["TLC", 2020] == 2.0


# --------------------------------------------------------------------------------------------
# the table's own sha256 (issue 23): a damaged table is never decoded
# --------------------------------------------------------------------------------------------
@pytest.fixture
def wide_source(fake_source, monkeypatch):
    """The fake source with a parser that returns 400 rows of varied numbers, NaNs and flags, so that
    a flipped byte can land in data pages, statistics, dictionaries and the footer alike."""
    root, raw, calls, _ = fake_source
    rng = np.random.default_rng(2023)
    n = 400
    values = rng.normal(25_000, 9_000, n)
    values[rng.choice(n, 20, replace=False)] = np.nan
    table = pd.DataFrame({
        "geo_code": [f"E0{6000000 + i // 8}" for i in range(n)], "geo_name": [f"Place {i // 8}" for i in range(n)],
        "level": "lad", "year": 1998 + np.arange(n) % 8, "measure": "gdp", "unit": "GBP million", "value": values,
        "flag": np.where(np.isnan(values), "[c]", ""),
    })

    def parse(paths, source):
        calls.append(paths[0])
        return table.copy()

    monkeypatch.setattr(productivity, "parse", parse)
    return root, calls


def test_every_single_byte_flip_of_a_table_gives_the_same_numbers_or_an_error(wide_source):
    """Fault injection: 200 single-byte flips at offsets from a seeded generator. Each read returns
    exactly the uncorrupted table (rebuilt from the raw files, with a warning naming the file) or a
    LevelupError; never other numbers. On the old cache (no table checksum) many flips decoded."""
    from levelup.errors import LevelupError

    root, calls = wide_source
    good = api.load("productivity", root=root, mirrors=[])
    path = root / "processed" / "productivity.parquet"
    original = path.read_bytes()
    rng = np.random.default_rng(23)
    offsets = rng.choice(len(original), size=min(200, len(original)), replace=False)
    rebuilt = errors = 0
    for off in offsets:
        damaged = bytearray(original)
        damaged[off] ^= int(rng.integers(1, 256))
        path.write_bytes(bytes(damaged))
        api._MEMO.clear()  # a new session: only the files remain
        with warnings.catch_warnings(record=True) as seen:
            warnings.simplefilter("always")
            try:
                got = api.load("productivity", root=root, mirrors=[])
            except LevelupError:
                errors += 1
                path.write_bytes(original)
                continue
        pd.testing.assert_frame_equal(got, good, check_exact=True, obj=f"table after a flip at byte {off}")
        assert any(issubclass(w.category, cache.CorruptCacheWarning) and str(path) in str(w.message) for w in seen)
        rebuilt += 1
        # the rebuild writes the same bytes again (deterministic), so the next flip starts from them
        assert path.read_bytes() == original
    assert rebuilt + errors == len(offsets) and len(calls) == 1 + rebuilt


def test_a_flipped_sidecar_never_gives_other_numbers(wide_source):
    root, calls = wide_source
    good = api.load("productivity", root=root, mirrors=[])
    side = root / "processed" / "productivity.json"
    original = side.read_bytes()
    rng = np.random.default_rng(19)
    for off in rng.choice(len(original), size=40, replace=False):
        damaged = bytearray(original)
        damaged[off] ^= int(rng.integers(1, 256))
        side.write_bytes(bytes(damaged))
        api._MEMO.clear()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", cache.CorruptCacheWarning)
            pd.testing.assert_frame_equal(api.load("productivity", root=root, mirrors=[]), good, check_exact=True)


@pytest.fixture
def count_hashes(monkeypatch):
    """How many times the cache hashes a table's bytes (hashlib.sha256(data) calls with data)."""
    seen = []
    real = hashlib.sha256

    def sha256(*args, **kwargs):
        if args:
            seen.append(len(args[0]))
        return real(*args, **kwargs)

    monkeypatch.setattr(cache.hashlib, "sha256", sha256)
    return seen


def test_an_unchanged_table_is_not_hashed_again(wide_source, count_hashes, monkeypatch):
    """The stamp (inode, size, mtime) is checked first; the bytes are hashed only when it changed."""
    monkeypatch.setattr(cache, "_RACY_NS", 0)  # as if the table had been written long before it was read
    root, calls = wide_source
    api.load("productivity", root=root, mirrors=[])  # cold: hashed once when written
    assert len(count_hashes) == 1
    api._MEMO.clear()
    api.load("productivity", root=root, mirrors=[])  # verified: hashed once
    assert len(count_hashes) == 2
    for _ in range(3):  # a no-op rerun: neither the load nor the build key hash it again
        api._MEMO.clear()
        api.load("productivity", root=root, mirrors=[])
        cache.recorded_table_digests(["productivity"], root=root)
    assert len(count_hashes) == 2 and len(calls) == 1
    path = root / "processed" / "productivity.parquet"
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))  # same size, new mtime: hashed again, found damaged, rebuilt
    api._MEMO.clear()
    with pytest.warns(cache.CorruptCacheWarning):
        api.load("productivity", root=root, mirrors=[])
    assert len(calls) == 2


def test_a_flip_that_keeps_size_and_mtime_is_caught_while_the_stamp_is_recent(wide_source):
    """File times are coarse: a write in the same tick keeps the mtime. A stamp taken within two
    seconds of the file's mtime proves nothing, so the table is hashed again."""
    root, calls = wide_source
    api.load("productivity", root=root, mirrors=[])
    api._MEMO.clear()
    api.load("productivity", root=root, mirrors=[])  # hashed and remembered
    path = root / "processed" / "productivity.parquet"
    st = path.stat()
    with open(path, "r+b") as fh:  # in place: same inode, same size
        fh.seek(st.st_size // 3)
        b = fh.read(1)
        fh.seek(st.st_size // 3)
        fh.write(bytes([b[0] ^ 0x55]))
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    api._MEMO.clear()
    with pytest.warns(cache.CorruptCacheWarning):
        api.load("productivity", root=root, mirrors=[])
    assert len(calls) == 2


def test_recorded_table_digests_name_the_table_on_disk_and_follow_the_raw_files(fake_source):
    """For a report's build key: the sha256 of each processed table as its sidecar records it (the
    table's bytes hashed here independently); a table rebuilt from another release has another."""
    root, raw, calls, (_, b) = fake_source
    assert cache.recorded_table_digests(["productivity"], root=root) == {}  # no table yet: nothing is built
    api.load("productivity", root=root, mirrors=[])
    path = root / "processed" / "productivity.parquet"
    first = cache.recorded_table_digests(["productivity"], root=root)
    assert first == {"productivity": _sha(path.read_bytes())}
    raw.write_bytes(b)  # another registered release: another table, another digest
    api._MEMO.clear()
    api.load("productivity", root=root, mirrors=[])
    second = cache.recorded_table_digests(["productivity"], root=root)
    assert second == {"productivity": _sha(path.read_bytes())} and second != first


def test_doctor_names_a_corrupt_table_and_the_repair(wide_source, monkeypatch):
    from levelup.data.health import check_cache as _check_cache

    root, _ = wide_source
    api.load("productivity", root=root, mirrors=[])
    ok, msg = _check_cache(root / "processed")
    assert ok and msg.startswith("cache: healthy (1 table(s)")
    path = root / "processed" / "productivity.parquet"
    data = bytearray(path.read_bytes())
    data[100] ^= 0x01
    path.write_bytes(bytes(data))
    ok, msg = _check_cache(root / "processed")
    assert not ok
    assert "broken entries ['productivity.parquet']" in msg and "corrupt" in msg
    assert "delete them" in msg and "rebuilt from the raw files" in msg


# --------------------------------------------------------------------------------------------
# filesystem faults: a StorageError naming the path and what to do, never a traceback
# --------------------------------------------------------------------------------------------
def test_processed_folder_that_is_a_file(fake_source):
    from levelup.errors import StorageError

    root, *_ = fake_source
    (root / "processed").write_text("a file")
    with pytest.raises(StorageError) as info:
        api.load("productivity", root=root, mirrors=[])
    assert f"{root / 'processed'} is a file, not a folder" in str(info.value)
    assert "LEVELUP_DATA_DIR" in str(info.value)


def test_parquet_path_that_is_a_folder(fake_source):
    from levelup.errors import StorageError

    root, *_ = fake_source
    (root / "processed" / "productivity.parquet").mkdir(parents=True)
    with pytest.raises(StorageError, match=r"productivity\.parquet: it is a folder where a file belongs; remove"):
        api.load("productivity", root=root, mirrors=[])
    assert not list((root / "processed").glob(".*.part"))


def test_processed_folder_without_permission(fake_source, monkeypatch):
    from levelup import _io
    from levelup.errors import StorageError

    root, *_ = fake_source

    def denied(*a, dir=None, **k):  # noqa: A002 - tempfile's name
        raise PermissionError(errno.EACCES, "Permission denied", dir)

    monkeypatch.setattr(_io.tempfile, "mkstemp", denied)
    with pytest.raises(StorageError, match=r"no permission to write .*processed.productivity\.parquet"):
        api.load("productivity", root=root, mirrors=[])


def test_raw_folder_that_is_a_file(fake_source, tmp_path):
    from levelup.errors import StorageError

    _, raw, _, (a, _) = fake_source
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    (mirror / raw.name).write_bytes(a)
    other = tmp_path / "other"
    other.mkdir()
    (other / "raw").write_text("a file")
    with pytest.raises(StorageError, match=rf"{other / 'raw'} is a file, not a folder"):
        api.load("productivity", root=other, mirrors=[mirror])


def test_raw_file_that_is_a_folder(fake_source):
    from levelup.errors import StorageError

    root, raw, *_ = fake_source
    raw.unlink()
    raw.mkdir()
    with pytest.raises(StorageError, match=rf"{raw}: it is a folder where a file belongs"):
        api.load("productivity", root=root, mirrors=[])


def test_raw_folder_without_permission(fake_source, monkeypatch):
    from levelup.errors import StorageError

    root, raw, *_ = fake_source
    fetch_mod = importlib.import_module("levelup.data.fetch")
    monkeypatch.setattr(fetch_mod, "_DIGESTS", {})

    def denied(path, *a, **k):
        raise PermissionError(errno.EACCES, "Permission denied", str(path))

    monkeypatch.setattr(fetch_mod, "open", denied, raising=False)
    with pytest.raises(StorageError, match=rf"no permission to read {raw}"):
        api.load("productivity", root=root, mirrors=[])


def test_a_parser_returning_a_row_twice_raises_and_caches_nothing(fake_source, monkeypatch):
    """Every parser's table is checked for duplicated rows (all columns but value and flag)."""
    from levelup.errors import LayoutError

    root, *_ = fake_source
    row = {"geo_code": "TLC", "geo_name": "North East", "level": "itl1", "measure": "gva_per_hour", "unit": "GBP"}
    table = pd.DataFrame([row | {"year": 2019, "value": 1.0}, row | {"year": 2020, "value": 1.0},
                          row | {"year": 2020, "value": 2.0}])
    monkeypatch.setattr(productivity, "parse", lambda paths, source: table)
    with pytest.raises(LayoutError, match=r"productivity: the parser 'productivity' returned the same data row more "
                                          r"than once \(geo_code='TLC', year=2020, measure='gva_per_hour'; rows \[1, 2\]"):
        api.load("productivity", root=root, mirrors=[])
    assert not (root / "processed").exists() or not list((root / "processed").iterdir())


def test_flipped_bytes_of_the_real_gdp_table_are_never_decoded(tmp_path, ons_dir):
    """The case of issue 23 on the real table (processed/gdp.parquet, where 141 of 200 flips decoded
    to other numbers): each of 200 single-byte flips is refused by the read (None: the caller rebuilds)."""
    api._MEMO.clear()
    good = api.load("gdp", root=tmp_path, mirrors=[ons_dir])
    api._MEMO.clear()
    source = registry.get_source("gdp")
    table, side = cache.paths_for("gdp", tmp_path)
    digests = json.loads(side.read_text())["files"]
    pd.testing.assert_frame_equal(cache.read_cached(source, digests, tmp_path), good)
    original = table.read_bytes()
    rng = np.random.default_rng(141)
    for off in rng.choice(len(original), size=200, replace=False):
        damaged = bytearray(original)
        damaged[off] ^= int(rng.integers(1, 256))
        table.write_bytes(bytes(damaged))
        with pytest.warns(cache.CorruptCacheWarning, match="gdp.parquet does not match the sha256"):
            assert cache.read_cached(source, digests, tmp_path) is None, f"a flip at byte {off} was decoded"
