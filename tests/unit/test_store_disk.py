"""The store's disk layer (issue 21): a table derived in one process is read, not derived again,
by the next; a changed input file or a damaged stored file means it is derived again; the numbers
read back are those derived (checked against a frame built independently in the test)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[2]

# One process: derive (or read) a table through STORE; the producer counts its calls in a file.
CHILD = r"""
import json, sys
import numpy as np, pandas as pd
from levelup._store import STORE
calls = sys.argv[1]

def produce():
    with open(calls, "a") as fh:
        fh.write("x\n")
    idx = pd.MultiIndex.from_tuples([("E06000001", "C"), ("E06000001", "F"), ("E06000002", "C")],
                                    names=["geo_code", "section"])
    frame = pd.DataFrame(np.arange(6, dtype=float).reshape(3, 2) / 7, index=idx,
                         columns=pd.Index([1998, 2021], name="year"))
    frame.attrs = {"source": "lad_gva_industry"}
    names = pd.Series([0.1, np.nan], index=pd.Index(["C", "F"], name="section"), name="share")
    return frame, names, {"C": "Manufacturing"}, "lad_gva_industry"

frame, names, labels, source = STORE.get(("test_table", "lad", 1998), produce)
print(json.dumps({"frame": frame.to_numpy().tolist(), "index": [list(t) for t in frame.index], "frame_attrs": frame.attrs, "names": names.to_json(),
                  "labels": labels, "source": source, "cols": list(frame.columns), "dtype": str(frame.columns.dtype),
                  "index_names": list(frame.index.names), "series_name": names.name}))
"""


def _expected() -> tuple[pd.DataFrame, pd.Series]:
    idx = pd.MultiIndex.from_tuples([("E06000001", "C"), ("E06000001", "F"), ("E06000002", "C")],
                                    names=["geo_code", "section"])
    frame = pd.DataFrame([[0 / 7, 1 / 7], [2 / 7, 3 / 7], [4 / 7, 5 / 7]], index=idx,
                         columns=pd.Index([1998, 2021], name="year"))
    return frame, pd.Series([0.1, np.nan], index=pd.Index(["C", "F"], name="section"), name="share")


@pytest.fixture()
def data_dir(tmp_path):
    d = tmp_path / "data"
    (d / "processed").mkdir(parents=True)
    (d / "processed" / "gdp.json").write_text(json.dumps({"raw": {"gdp.xlsx": "a" * 64}}))
    return d


def _run(data_dir: Path, calls: Path) -> dict:
    env = dict(os.environ, LEVELUP_DATA_DIR=str(data_dir), PYTHONPATH=str(ROOT), LEVELUP_DERIVED_CACHE="1")
    p = subprocess.run([sys.executable, "-c", CHILD, str(calls)], capture_output=True, text=True, env=env,
                       cwd=data_dir.parent)
    assert p.returncode == 0, p.stderr[-2000:]
    return json.loads(p.stdout.strip().splitlines()[-1])


def _calls(calls: Path) -> int:
    return len(calls.read_text().splitlines()) if calls.exists() else 0


def _check(out: dict) -> None:
    frame, names = _expected()
    assert out["frame"] == frame.to_numpy().tolist()  # exact: JSON keeps a float's shortest repr
    assert out["index"] == [list(t) for t in frame.index]
    assert out["cols"] == [1998, 2021] and out["dtype"] == "int64"
    assert out["index_names"] == ["geo_code", "section"] and out["frame_attrs"] == {"source": "lad_gva_industry"}
    assert json.loads(out["names"]) == {"C": 0.1, "F": None} and out["series_name"] == "share"
    assert out["labels"] == {"C": "Manufacturing"} and out["source"] == "lad_gva_industry"


def test_second_process_reads_the_table_from_disk(data_dir, tmp_path):
    calls = tmp_path / "calls.txt"
    first, second = _run(data_dir, calls), _run(data_dir, calls)
    assert _calls(calls) == 1  # the second process did not derive it again
    assert first == second
    _check(second)
    assert list((data_dir / "processed" / "derived").glob("*/*.parquet"))


def test_a_changed_input_file_derives_again(data_dir, tmp_path):
    calls = tmp_path / "calls.txt"
    _run(data_dir, calls)
    (data_dir / "processed" / "gdp.json").write_text(json.dumps({"raw": {"gdp.xlsx": "b" * 64}}))
    _check(_run(data_dir, calls))
    assert _calls(calls) == 2


def test_a_damaged_stored_file_derives_again(data_dir, tmp_path):
    calls = tmp_path / "calls.txt"
    _run(data_dir, calls)
    for f in (data_dir / "processed" / "derived").glob("*/*.parquet"):
        data = bytearray(f.read_bytes())
        data[len(data) // 2] ^= 0xFF
        f.write_bytes(bytes(data))
    _check(_run(data_dir, calls))
    assert _calls(calls) == 2
    _check(_run(data_dir, calls))  # rewritten: read again
    assert _calls(calls) == 2


def test_values_that_would_not_read_back_identical_stay_in_memory(tmp_path):
    from levelup._store import Disk

    disk = Disk(tmp_path, "s" * 64)
    mixed = pd.DataFrame({"a": [1, "x"]})  # object column of mixed types: parquet cannot keep it
    assert not disk.write(("k", 1), mixed)
    assert not disk.write(("k", 2), (pd.DataFrame({"a": [1.0]}), object()))
    assert not disk.write(("k", 3), {"nan": float("nan")})
    assert disk.write(("k", 4), pd.Series([1.5, 2.5], index=pd.Index([2020, 2021], name="year"), name=None))
    back = disk.read(("k", 4))
    pd.testing.assert_series_equal(back, pd.Series([1.5, 2.5], index=pd.Index([2020, 2021], name="year")))


def test_read_only_names_survive_the_disk_as_read_only(tmp_path):
    """An indicator's ``names`` are a FrozenDict (shared, never deep-copied by pandas): a table read
    back from disk keeps that type, so it is stored at all (same types all the way down) and stays
    cheap to copy."""
    from levelup._frozen import FrozenDict
    from levelup._store import Disk

    disk = Disk(tmp_path, "s" * 64)
    wide = pd.DataFrame({2020: [1.0, 2.0]}, index=pd.Index(["TLC", "TLD"], name="geo_code"))
    wide.attrs = {"source": "gdp", "names": FrozenDict({"TLC": "North East", "TLD": "North West"})}
    assert disk.write(("k", 5), wide)
    back = disk.read(("k", 5))
    assert type(back.attrs["names"]) is FrozenDict and back.attrs["names"] == {"TLC": "North East", "TLD": "North West"}
    assert back.attrs["source"] == "gdp" and type(back.attrs) is dict


def test_memory_is_bounded_least_recently_used_dropped_first():
    """A kernel renders hundreds of reports, each adding values of its own place: the store keeps at
    most ``limit`` values, and a value every report reads (here ``level``) stays."""
    from levelup._store import Store

    store = Store(disk=False, limit=8)
    calls: list[str] = []

    def compute(name):
        return lambda: calls.append(name) or name

    for i in range(100):
        assert store.get(("level",), compute("level")) == "level"
        store.get(("place", i), compute(f"place {i}"))
    assert len(store._tables) == 8
    assert calls.count("level") == 1  # never dropped: read by every report
    store.get(("place", 0), compute("place 0"))  # dropped long ago: computed again
    assert calls.count("place 0") == 2


def test_attrs_with_tuples_and_year_keys_and_a_range_index_read_back_identical(tmp_path):
    """What the analysis tables carry (members as a tuple, {year: [...]}, a RangeIndex) survives;
    an np.float64 in attrs would come back a float, so such a table stays in memory."""
    from levelup._store import Disk

    disk = Disk(tmp_path, "t" * 64)
    frame = pd.DataFrame({"code": ["E06000001", "E06000002"], "rank": [1, 2]})
    frame.attrs = {"members": ("E06000001", "E06000002"), "uk_excluded": {1998: ["E06000052"]}, "dropped": ()}
    assert disk.write(("t", 1), frame)
    back = disk.read(("t", 1))
    pd.testing.assert_frame_equal(back, pd.DataFrame({"code": ["E06000001", "E06000002"], "rank": [1, 2]}),
                                  check_index_type=True)
    assert isinstance(back.index, pd.RangeIndex)
    assert back.attrs == {"members": ("E06000001", "E06000002"), "uk_excluded": {1998: ["E06000052"]}, "dropped": ()}
    assert type(back.attrs["members"]) is tuple and list(back.attrs["uk_excluded"]) == [1998]
    odd = frame.copy()
    odd.attrs = {"scale": np.float64(1.5)}
    assert not disk.write(("t", 2), odd)


SECTIONS = r"""
import json, matplotlib
matplotlib.use("Agg")
import levelup.report.sections as S, levelup.report.model_sections as M
ctx = S.context("Tees Valley")
html = [S.headline_table(ctx).html, S.headline_text(ctx).html]
html += [getattr(M, n)(ctx).html for n in ("gap", "industry", "convergence", "inside", "peers", "pay", "deprivation")]
print(json.dumps({"html": html, "exports": ctx.exports}, default=str))
"""


@pytest.mark.slow
def test_a_report_from_stored_tables_is_the_report_derived_afresh(ons_dir, tmp_path):
    """Second route: the same sections computed with the disk layer off (every table derived in the
    process) give the same HTML, numbers and figures as a process that reads the stored tables."""
    def run(flag: str) -> dict:
        env = dict(os.environ, PYTHONPATH=str(ROOT), LEVELUP_DERIVED_CACHE=flag)
        p = subprocess.run([sys.executable, "-c", SECTIONS], capture_output=True, text=True, env=env, cwd=ROOT)
        assert p.returncode == 0, p.stderr[-2000:]
        return json.loads(p.stdout.strip().splitlines()[-1])

    run("1")  # stores what is not stored yet
    stored = run("1")
    assert stored == run("0")


def test_pinned_the_files_are_looked_at_once_and_unpinned_a_change_is_seen(data_dir, monkeypatch):
    """While a report runs (pinned) the store does not stat every input file on each of its ~4,000
    reads; after it (unpinned) a replaced file gives a new fingerprint again."""
    import levelup._store as store_mod
    from levelup._store import Store

    monkeypatch.setenv("LEVELUP_DATA_DIR", str(data_dir))
    looked = []
    real = store_mod._inputs
    monkeypatch.setattr(store_mod, "_inputs", lambda: looked.append(1) or real())
    store = Store(disk=False)
    with store.pinned():
        first = store.fingerprint()
        for i in range(50):
            store.get(("k", i), lambda i=i: i)
        (data_dir / "processed" / "gdp.json").write_text(json.dumps({"raw": {"gdp.xlsx": "c" * 64}}))
        assert store.fingerprint() == first  # held while pinned
    assert len(looked) == 1
    assert store.fingerprint() != first
    assert len(looked) == 2
