"""Geography tables follow the lookup file on disk within one process (issue 19: nothing cached
that cannot go stale safely). Before, ``lru_cache(maxsize=1)`` kept the first lookup read forever."""

from __future__ import annotations

import dataclasses
import hashlib

import pytest

from levelup.data import api, registry


@pytest.fixture
def lookup_file(ons_dir, tmp_path, monkeypatch):
    """A private data root whose raw dir holds the LAD-ITL lookup, registered with a second,
    edited release (Hartlepool renamed) so that replacing the file is a valid new lookup."""
    reg = dict(registry._registry())
    src = reg["lad_itl_lookup"]
    f = src.files[0]
    old = (ons_dir / f.path).read_bytes()
    assert b"Hartlepool" in old
    new = old.replace(b"Hartlepool", b"Hartlepool Edited")
    sha = (hashlib.sha256(old).hexdigest(), hashlib.sha256(new).hexdigest())
    reg["lad_itl_lookup"] = dataclasses.replace(src, files=(dataclasses.replace(f, sha256=sha),))
    monkeypatch.setattr(registry, "_registry", lambda: reg)
    root = tmp_path / "data"
    raw = root / "raw" / f.path
    raw.parent.mkdir(parents=True)
    raw.write_bytes(old)
    monkeypatch.setenv("LEVELUP_DATA_DIR", str(root))
    api._MEMO.clear()
    yield raw, new
    api._MEMO.clear()


def _name(code: str) -> str:
    from levelup.geo import lad

    t = lad.lads()
    return t.loc[t["code"] == code, "name"].iat[0]


def test_a_replaced_lookup_file_gives_the_new_tables_in_the_same_process(lookup_file):
    from levelup.geo import itl, lad

    raw, new = lookup_file
    assert _name("E06000001") == "Hartlepool"
    assert "Hartlepool" in set(itl.lookup()["geo_name"])
    before = lad.lad_itl3("E06000001")
    raw.write_bytes(new)  # a new lookup release dropped into the raw dir
    assert _name("E06000001") == "Hartlepool Edited"
    assert "Hartlepool Edited" in set(itl.lookup()["geo_name"])
    assert lad.lad_itl3("E06000001") == before  # derived maps are rebuilt from the new file too
    assert lad.canonical("E06000001") == "E06000001"
