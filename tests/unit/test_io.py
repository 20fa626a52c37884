"""One atomic write (levelup._io) and filesystem faults in the data layer (issue 23).

Each fault ends in a StorageError (a LevelupError and an OSError) whose message names the path and
what to do, never a bare traceback, and no ``.part`` file is left behind. Permission faults are
simulated (the tests may run as root, for whom chmod does not deny anything).
"""

from __future__ import annotations

import errno
import importlib

import pytest

from levelup import _io
from levelup.errors import LevelupError, StorageError

fetch_mod = importlib.import_module("levelup.data.fetch")


def _parts(folder):
    return sorted(p.name for p in folder.rglob("*.part"))


def test_write_atomic_writes_bytes_text_and_callbacks(tmp_path):
    assert _io.write_atomic(tmp_path / "a" / "b.bin", b"\x00\x01").read_bytes() == b"\x00\x01"
    assert _io.write_atomic(tmp_path / "t.txt", "Ynys Môn").read_text(encoding="utf-8") == "Ynys Môn"
    _io.write_atomic(tmp_path / "c.txt", lambda p: p.write_text("via callback"))
    assert (tmp_path / "c.txt").read_text() == "via callback" and _parts(tmp_path) == []


@pytest.mark.parametrize("exc", [OSError(errno.ENOSPC, "No space left on device"), KeyboardInterrupt()])
def test_a_write_that_fails_half_way_leaves_no_part_file(tmp_path, exc):
    """The temporary file is registered before the first byte is written (the old render helper
    registered it after the write succeeded, so a full disk left .part files)."""

    def half(path):
        path.write_bytes(b"half of it")
        raise exc

    (tmp_path / "keep.txt").write_text("old")
    with pytest.raises((StorageError, KeyboardInterrupt)) as info:
        _io.write_atomic(tmp_path / "keep.txt", half)
    if isinstance(exc, OSError):
        assert isinstance(info.value, LevelupError) and isinstance(info.value, OSError)
        assert str(tmp_path / "keep.txt") in str(info.value) and "the disk is full" in str(info.value)
    assert _parts(tmp_path) == [] and (tmp_path / "keep.txt").read_text() == "old"


def test_write_atomic_many_renames_only_when_every_file_was_written(tmp_path):
    def full(path):
        raise OSError(errno.ENOSPC, "No space left on device")

    with pytest.raises(StorageError, match=r"b\.html: the disk is full"):
        _io.write_atomic_many({tmp_path / "a.pdf": b"1", tmp_path / "b.html": full})
    assert sorted(p.name for p in tmp_path.iterdir()) == []  # a.pdf was written but never renamed in


def test_a_file_where_a_folder_belongs_is_named(tmp_path):
    (tmp_path / "processed").write_text("not a folder")
    with pytest.raises(StorageError) as info:
        _io.write_atomic(tmp_path / "processed" / "gdp.parquet", b"x", hint="choose another data folder")
    msg = str(info.value)
    assert f"{tmp_path / 'processed'} is a file, not a folder" in msg and "choose another data folder" in msg


def test_no_permission_is_named(tmp_path, monkeypatch):
    def denied(*a, **k):
        raise PermissionError(errno.EACCES, "Permission denied", str(tmp_path))

    monkeypatch.setattr(_io.tempfile, "mkstemp", denied)
    with pytest.raises(StorageError, match=r"no permission to write .*x\.json; fix the permissions"):
        _io.write_atomic(tmp_path / "x.json", b"{}")


def test_a_network_error_in_a_callback_is_not_blamed_on_the_path(tmp_path):
    import urllib.error

    def fail(path):
        raise urllib.error.URLError("connection refused")

    with pytest.raises(urllib.error.URLError):
        _io.write_atomic(tmp_path / "f", fail)
    assert _parts(tmp_path) == []


def test_atomic_copy_that_fails_leaves_no_part(tmp_path, monkeypatch):
    src = tmp_path / "src.bin"
    src.write_bytes(b"x" * 5_000_000)
    real = fetch_mod.shutil.copyfileobj

    def full(inp, out, n):
        out.write(inp.read(1000))
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(fetch_mod.shutil, "copyfileobj", full)
    with pytest.raises(StorageError, match=r"raw.*dest\.bin: the disk is full; .*LEVELUP_DATA_DIR"):
        fetch_mod.atomic_copy(src, tmp_path / "raw" / "dest.bin")
    assert _parts(tmp_path) == [] and not (tmp_path / "raw" / "dest.bin").exists()
    monkeypatch.setattr(fetch_mod.shutil, "copyfileobj", real)
