"""The one store of tables computed from the data, keyed by the sha256 of every file behind them.

Hundreds of reports in one worker read the same tables (a level's GDP per head, the combined
authorities aggregated from their councils, GVA by industry). :data:`STORE` keeps each one under
its own key plus a fingerprint of the data: the sha256 of every raw file each processed table was
built from (the provenance sidecars record them), and of the place files. When any of those
changes, the fingerprint changes and nothing computed from the old files is served again.

Missing data (a :class:`~levelup.errors.LevelupError`) is kept too and raised again, so a
level without a measure is not re-read for every report (in memory only: missing data can
be a file not fetched yet, which the next process should look for again); any other exception is
never kept.

Tables (a DataFrame, a Series, or a tuple of them) are also kept on disk beside the processed data,
in ``data/processed/derived/<state>/``, so the next process (a report's kernel, a batch worker)
reads them instead of deriving them again. ``<state>`` is the sha256 of the data fingerprint above
and of levelup's version and source code, so a changed input file or a changed producer is never
served from an older state. Each file's sha256 is recorded when it is written and checked when it
is read: a file that fails it, or does not decode, is derived again and rewritten. A table is
written only if it reads back identical (values, dtypes, index, columns, attrs); anything else
(results, figures, a table that does not survive parquet) stays in memory only. Parquet and JSON,
never pickle.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import shutil
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from levelup._frozen import FrozenDict
from levelup.errors import LevelupError


class _Failure:
    __slots__ = ("exc",)

    def __init__(self, exc: LevelupError):
        self.exc = exc


def _inputs() -> list[Path]:
    """Every file whose content decides the tables: processed sidecars (they hold the raw files'
    sha256 and the parser versions) and the place definitions."""
    from levelup import config
    from levelup.geo.places import _files

    try:
        sidecars = sorted(config.processed_dir().glob("*.json"))
    except OSError:
        sidecars = []
    return [*sidecars, *(Path(p) for p in _files(None))]


_ABSENT = object()  # not in the store (None and missing data are values)
_PLAIN = (str, int, float, bool, type(None))


def _plain(key: Any) -> bool:
    """A key made only of strings, numbers, None and tuples of them (its repr names it on disk)."""
    if isinstance(key, tuple):
        return all(_plain(k) for k in key)
    return isinstance(key, _PLAIN)


_CODE: list[str] = []


def code_digest() -> str:
    """sha256 of levelup's version and of every module's source (once per process)."""
    if not _CODE:
        import levelup

        root = Path(levelup.__file__).resolve().parent
        h = hashlib.sha256(str(getattr(levelup, "__version__", "")).encode())
        for f in sorted(root.rglob("*.py")):
            h.update(str(f.relative_to(root)).encode() + b"\0" + hashlib.sha256(f.read_bytes()).digest())
        _CODE.append(h.hexdigest())
    return _CODE[0]


def _json_same(x: Any) -> bool:
    try:
        return json.loads(json.dumps(x)) == x
    except (TypeError, ValueError):
        return False


def _tag(x: Any) -> Any:
    """``x`` as JSON that keeps tuples and non-string dict keys (``attrs`` hold both)."""
    if isinstance(x, tuple):
        return {"__tuple__": [_tag(v) for v in x]}
    if isinstance(x, list):
        return [_tag(v) for v in x]
    if isinstance(x, FrozenDict):
        return {"__frozen__": [[_tag(k), _tag(v)] for k, v in x.items()]}
    if isinstance(x, dict):
        return {"__dict__": [[_tag(k), _tag(v)] for k, v in x.items()]}
    return x


def _same(a: Any, b: Any) -> bool:
    """Equal and of the same types all the way down (an np.float64 is not a float here)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, list | tuple):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict):
        return list(a) == list(b) and all(_same(k, j) and _same(a[k], b[j]) for k, j in zip(a, b, strict=True))
    return a == b or (a != a and b != b)  # NaN is NaN


def _untag(x: Any) -> Any:
    if isinstance(x, list):
        return [_untag(v) for v in x]
    if isinstance(x, dict):
        if "__tuple__" in x:
            return tuple(_untag(v) for v in x["__tuple__"])
        if "__frozen__" in x:
            return FrozenDict((_untag(k), _untag(v)) for k, v in x["__frozen__"])
        return {_untag(k): _untag(v) for k, v in x["__dict__"]}
    return x


def _encode(part: Any) -> tuple[bytes, dict] | None:
    """Parquet bytes and a JSON description of a DataFrame or Series (a plain JSON value: no
    bytes), or None if it would not read back identical."""
    import pandas as pd

    if not isinstance(part, pd.Series | pd.DataFrame) and type(part) in (str, int, float, bool, dict, list):
        return (b"", {"kind": "json", "value": part}) if _json_same(part) else None
    if isinstance(part, pd.Series):
        kind, frame = "series", part.to_frame(name="s")
        name = part.name
    elif isinstance(part, pd.DataFrame):
        kind, frame, name = "frame", part, None
    else:
        return None
    cols = frame.columns
    if isinstance(cols, pd.MultiIndex) or not _json_same(list(cols)) or not _json_same(name):
        return None
    meta = {"kind": kind, "name": name, "columns": list(cols), "columns_dtype": str(cols.dtype),
            "columns_name": cols.name, "attrs": _tag(part.attrs)}
    if not _json_same(meta["columns_name"]) or not _json_same(meta["attrs"]):
        return None
    data = frame.copy(deep=False)
    data.columns = [f"c{i}" for i in range(len(cols))]
    buf = io.BytesIO()
    try:
        data.to_parquet(buf)  # a RangeIndex as metadata, any other index as columns
        back = _decode(buf.getvalue(), json.loads(json.dumps(meta)))
        if kind == "series":
            pd.testing.assert_series_equal(back, part, check_exact=True, check_index_type=True,
                                           check_series_type=True, check_names=True, check_freq=True,
                                           check_flags=True)
        else:
            pd.testing.assert_frame_equal(back, part, check_exact=True, check_index_type=True,
                                          check_column_type=True, check_frame_type=True, check_names=True,
                                          check_freq=True, check_flags=True)
    except Exception:  # anything that does not survive parquet exactly stays in memory only
        return None
    if not _same(back.attrs, part.attrs) or not _same(back.name if kind == "series" else None, name):
        return None
    return buf.getvalue(), meta


def _decode(data: bytes, meta: dict) -> Any:
    import pandas as pd

    frame = pd.read_parquet(io.BytesIO(data))
    frame.columns = pd.Index(meta["columns"], dtype=meta["columns_dtype"], name=meta["columns_name"])
    out = frame.iloc[:, 0].rename(meta["name"]) if meta["kind"] == "series" else frame
    out.attrs = _untag(meta["attrs"])
    return out


class Disk:
    """Tables of one data state and code version as parquet files (see the module's docstring)."""

    KEEP = 3  #: states kept (the newest by modification time); older ones are removed

    def __init__(self, root: Path, state: str):
        self.dir = root / state[:24]

    def _name(self, key: tuple) -> str:
        return hashlib.sha256(repr(key).encode()).hexdigest()[:32]

    def read(self, key: tuple) -> Any:
        """The stored value, or ``_ABSENT`` when absent, damaged or not decodable."""
        name = self._name(key)
        try:
            manifest = json.loads((self.dir / f"{name}.json").read_text())
            if manifest["key"] != repr(key):
                return _ABSENT
            parts = []
            for meta in manifest["parts"]:
                if meta["kind"] == "json":
                    parts.append(meta["value"])
                    continue
                data = (self.dir / f"{name}.{meta['sha256'][:16]}.parquet").read_bytes()
                if hashlib.sha256(data).hexdigest() != meta["sha256"]:
                    return _ABSENT
                parts.append(_decode(data, meta))
        except Exception:  # absent, damaged or not decodable: derived again, never trusted
            return _ABSENT
        return tuple(parts) if manifest["tuple"] else parts[0]

    def write(self, key: tuple, value: Any) -> bool:
        """Store ``value`` if it is a table (or a tuple of tables) that reads back identical."""
        many = isinstance(value, tuple)
        encoded = [_encode(v) for v in (value if many else (value,))]
        if not encoded or any(e is None for e in encoded):
            return False
        name = self._name(key)
        try:
            fresh = not self.dir.exists()
            self.dir.mkdir(parents=True, exist_ok=True)
            if fresh:
                self._prune()
            metas = []
            for data, meta in encoded:
                if meta["kind"] == "json":
                    metas.append(meta)
                    continue
                meta = {**meta, "sha256": hashlib.sha256(data).hexdigest()}
                self._atomic(self.dir / f"{name}.{meta['sha256'][:16]}.parquet", data)
                metas.append(meta)
            manifest = {"key": repr(key), "tuple": many, "parts": metas}
            self._atomic(self.dir / f"{name}.json", json.dumps(manifest).encode())
        except OSError:  # a read-only or full disk: the value stays in memory only
            return False
        return True

    @staticmethod
    def _atomic(path: Path, data: bytes) -> None:
        tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
        tmp.write_bytes(data)
        os.replace(tmp, path)

    def _prune(self) -> None:
        states = sorted((d for d in self.dir.parent.iterdir() if d.is_dir()), key=lambda d: d.stat().st_mtime_ns)
        for d in states[: max(0, len(states) - self.KEEP)]:
            if d != self.dir:
                shutil.rmtree(d, ignore_errors=True)


class Store:
    """Computed tables keyed by ``(key, fingerprint of the data)``; tables also on disk (:class:`Disk`).

    At most ``limit`` values are kept in memory, the least recently used dropped first: a worker's
    kernel renders hundreds of reports, each adding a few values of its own place (its gap, its
    industry shares), while the level-wide tables every report reads stay recent."""

    def __init__(self, disk: bool = True, limit: int = 512) -> None:
        self._tables: OrderedDict[tuple, Any] = OrderedDict()
        self.limit = limit
        self._stat: tuple = ()
        self._fingerprint = ""
        self._lock = threading.Lock()
        self.disk = disk and os.environ.get("LEVELUP_DERIVED_CACHE", "1") != "0"
        self._pinned: dict | None = None

    def pin(self) -> None:
        """Hold the state of the files fixed until :meth:`unpin`: the fingerprint, and whatever
        :meth:`steady` is asked for, are looked up once instead of on every read.

        A report's kernel pins while one report runs (its sections read the store thousands of
        times; checking every input file's size and mtime each time took 2-3 s of a report). The
        batch has checked the files before the report started; a file replaced while one report
        runs is seen by the next report."""
        self._pinned = {}

    def unpin(self) -> None:
        self._pinned = None

    @contextlib.contextmanager
    def pinned(self) -> Iterator[None]:
        """:meth:`pin` for a ``with`` block (nested blocks keep the outer pin)."""
        if self._pinned is not None:
            yield
            return
        self.pin()
        try:
            yield
        finally:
            self.unpin()

    def steady(self, key: tuple, look: Callable[[], Any]) -> Any:
        """``look()``, once per :meth:`pin` (every time when not pinned)."""
        memo = self._pinned
        if memo is None:
            return look()
        if key not in memo:
            memo[key] = look()
        return memo[key]

    def fingerprint(self) -> str:
        """sha256 over the raw files' sha256 (from the processed sidecars) and the place files.

        Recomputed only when one of those files changes size or modification time (checked once
        per :meth:`pin` while pinned)."""
        return self.steady(("fingerprint",), self._fingerprint_now)

    def _fingerprint_now(self) -> str:
        files = _inputs()
        stat = []
        for p in files:
            try:
                st = p.stat()
                stat.append((str(p), st.st_size, st.st_mtime_ns))
            except OSError:
                stat.append((str(p), None, None))
        stat = tuple(stat)
        if stat != self._stat:
            h = hashlib.sha256()
            for p in files:
                try:
                    data = p.read_bytes()
                except OSError:
                    continue
                if p.suffix == ".json":  # the sidecar's record of the raw files and parser, not its layout
                    try:
                        data = json.dumps(json.loads(data), sort_keys=True).encode()
                    except ValueError:
                        pass
                h.update(p.name.encode() + b"\0" + hashlib.sha256(data).digest())
            self._stat, self._fingerprint = stat, h.hexdigest()
        return self._fingerprint

    def _disk(self, fingerprint: str) -> Disk | None:
        from levelup import config

        try:
            root = config.processed_dir() / "derived"
        except Exception:  # no data folder configured: memory only
            return None
        state = hashlib.sha256(f"{fingerprint}\0{code_digest()}".encode()).hexdigest()
        return Disk(root, state)

    def get(self, key: tuple, compute: Callable[[], Any], persist: bool = True) -> Any:
        """``compute()`` once per state of the data; missing data (LevelupError) is raised again.

        A table is read from disk when an earlier process derived it from the same files with the
        same code, and written there after ``compute()`` (``persist=False``: memory only)."""
        fp = self.fingerprint()
        full = (*key, fp)
        with self._lock:
            hit = self._tables.get(full, _ABSENT)
            if hit is not _ABSENT:
                self._tables.move_to_end(full)
        if hit is _ABSENT:
            disk = self._disk(fp) if persist and self.disk and _plain(key) else None
            if disk is not None:
                hit = disk.read(key)
            if hit is _ABSENT:
                try:
                    hit = compute()
                except LevelupError as exc:
                    hit = _Failure(exc)
                # written only if no file behind the data changed meanwhile (a table built on first use)
                if disk is not None and not isinstance(hit, _Failure) and self.fingerprint() == fp:
                    disk.write(key, hit)
            with self._lock:
                self._tables[full] = hit
                while len(self._tables) > self.limit:
                    self._tables.popitem(last=False)
        if isinstance(hit, _Failure):
            raise hit.exc.with_traceback(None)
        return hit

    def clear(self) -> None:
        with self._lock:
            self._tables.clear()
            self._stat = ()
            if self._pinned is not None:
                self._pinned.clear()


#: The process's store (one per worker; nothing in it outlives a change of the files behind it).
STORE = Store()
