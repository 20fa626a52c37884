"""The one store of tables computed from the data, keyed by the sha256 of every file behind them.

Hundreds of reports in one worker read the same tables (a level's GDP per head, the combined
authorities aggregated from their councils, GVA by industry). :data:`STORE` keeps each one under
its own key plus a fingerprint of the data: the sha256 of every raw file each processed table was
built from (the provenance sidecars record them), and of the place files. When any of those
changes, the fingerprint changes and nothing computed from the old files is served again.

Missing data (a :class:`~levelup.errors.LevelupError`) is kept too and raised again, so a
level without a measure is not re-read for every report; any other exception is never kept.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

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


class Store:
    """Computed tables keyed by ``(key, fingerprint of the data)``."""

    def __init__(self) -> None:
        self._tables: dict[tuple, Any] = {}
        self._stat: tuple = ()
        self._fingerprint = ""
        self._lock = threading.Lock()

    def fingerprint(self) -> str:
        """sha256 over the raw files' sha256 (from the processed sidecars) and the place files.

        Recomputed only when one of those files changes size or modification time."""
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

    def get(self, key: tuple, compute: Callable[[], Any]) -> Any:
        """``compute()`` once per state of the data; missing data (LevelupError) is raised again."""
        full = (*key, self.fingerprint())
        with self._lock:
            hit = self._tables.get(full, self)
        if hit is self:
            try:
                hit = compute()
            except LevelupError as exc:
                hit = _Failure(exc)
            with self._lock:
                self._tables[full] = hit
        if isinstance(hit, _Failure):
            raise hit.exc.with_traceback(None)
        return hit

    def clear(self) -> None:
        with self._lock:
            self._tables.clear()
            self._stat = ()


#: The process's store (one per worker; nothing in it outlives a change of the files behind it).
STORE = Store()
