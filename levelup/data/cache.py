"""The processed cache: one parquet table per source plus a provenance sidecar.

``data/processed/<id>.parquet`` is rebuilt from the raw files whenever a raw file's
sha256, the parser's version or levelup's version differs from what the sidecar
``<id>.json`` records. Nothing is written for a source whose files failed their checks.

The sidecar also records the sha256 of the parquet file itself (``table_sha256``): a table is
decoded only when its bytes still have that digest, otherwise it is rebuilt from the raw files
with a :class:`CorruptCacheWarning` naming the file, so a damaged cache never gives other
numbers. :func:`recorded_table_digests` reads those digests for a report's build key.
"""

from __future__ import annotations

import hashlib
import importlib
import io
import json
import os
import time
import warnings
from pathlib import Path

import pandas as pd

from levelup import __version__, config
from levelup._io import storage_error, write_atomic
from levelup.data.registry import Source
from levelup.errors import LayoutError

#: Columns every parsed table has (sources add industry, industry_name, period, vintage ...).
TIDY_COLUMNS = ("geo_code", "geo_name", "level", "year", "measure", "unit", "value")
#: the sidecar key holding the sha256 of the parquet file written beside it
TABLE_KEY = "table_sha256"
DATA_HINT = (
    "levelup's data folder can be moved with LEVELUP_DATA_DIR or [data] root in levelup.toml; "
    "processed/ is rebuilt from the raw files when deleted"
)
LEVELS = ("uk", "nation", "itl1", "itl2", "itl3", "lad", "cauth", "lsoa", "other")


def parser_module(source: Source):
    """The parser module for a source: ``levelup.data.ons.<parser>``."""
    return importlib.import_module(f"levelup.data.ons.{source.parser}")


def check_tidy(df: pd.DataFrame, source: Source) -> pd.DataFrame:
    """Raise if a parser returned something that is not the tidy schema; normalise dtypes."""
    missing = [c for c in TIDY_COLUMNS if c not in df.columns]
    if missing:
        raise TypeError(f"parser {source.parser!r} for {source.id!r} returned no column(s) {missing}")
    out = df.copy()
    out["value"] = pd.to_numeric(out["value"], errors="raise").astype("float64")
    out["year"] = out["year"].astype("int64")
    for c in out.columns:
        if c not in ("value", "year") and str(out[c].dtype) not in ("float64", "int64", "bool"):
            out[c] = out[c].astype(str)
    bad = set(out["level"]) - set(LEVELS)
    if bad:
        raise TypeError(f"parser {source.parser!r} returned unknown level(s) {sorted(bad)}")
    # the same row twice (every column but the number and its flag) is a layout the parser did not
    # understand; caught here for every parser, before pandas fails on it later (e.g. in a pivot)
    key = [c for c in out.columns if c not in ("value", "flag")]
    dup = out.duplicated(key, keep=False).to_numpy()
    if dup.any():
        first = out.loc[dup, key].iloc[0]
        rows = out.index[(out[key] == first).all(axis=1).to_numpy()].tolist()
        ids = ", ".join(f"{c}={first[c]!r}" if c != "year" else f"year={int(first[c])}"
                        for c in ("geo_code", "year", "measure") if c in key)
        raise LayoutError(
            f"{source.id}: the parser {source.parser!r} returned the same data row more than once ({ids}; "
            f"rows {rows[:5]} of its table, {int(dup.sum())} duplicated row(s) in all); the source file "
            f"({', '.join(f.filename for f in source.files)}) repeats a row or its layout changed"
        )
    return out.reset_index(drop=True)


def provenance(source: Source, digests: dict[str, str]) -> dict:
    """What the sidecar records: source, each raw file's sha256, parser and levelup versions."""
    mod = parser_module(source)
    return {
        "source": source.id,
        "release": source.release,
        "files": digests,
        "parser": source.parser,
        "parser_version": getattr(mod, "PARSER_VERSION", 1),
        "levelup_version": __version__,
    }


def paths_for(source_id: str, root: str | os.PathLike | None = None) -> tuple[Path, Path]:
    d = config.processed_dir(root)
    return d / f"{source_id}.parquet", d / f"{source_id}.json"


def data_stamp(root: str | os.PathLike | None = None) -> tuple:
    """``(name, size, mtime_ns)`` of every processed table: changes whenever one is rewritten, so a
    memo keyed by it never serves a table older than the cache (a stat per table, no hashing)."""
    d = Path(root) if root is not None else config.processed_dir()
    try:
        return tuple(sorted((p.name, (st := p.stat()).st_size, st.st_mtime_ns) for p in d.glob("*.parquet")))
    except OSError:
        return ()


#: str(path) -> (inode, size, mtime_ns, sha256, when hashed in ns): the table digests this process
#: computed. A table whose inode, size and mtime are unchanged is not hashed again, unless it was
#: modified within ``_RACY_NS`` of being hashed (file times are coarse: a write in the same tick
#: can keep the mtime, so such an entry proves nothing and the file is hashed again).
_VERIFIED: dict[str, tuple[int, int, int, str, int]] = {}
_RACY_NS = 2_000_000_000


class CorruptCacheWarning(UserWarning):
    """A processed table that no longer matches the sha256 its sidecar recorded (it is rebuilt)."""


def _memo_hit(path: Path, st: os.stat_result) -> str | None:
    hit = _VERIFIED.get(str(path))
    if hit is not None and hit[:3] == (st.st_ino, st.st_size, st.st_mtime_ns) and st.st_mtime_ns < hit[4] - _RACY_NS:
        return hit[3]
    return None


def _digest(path: Path, data: bytes, st: os.stat_result) -> str:
    """sha256 of ``data`` (the bytes just read from ``path``), from the memo when the file is unchanged."""
    digest = _memo_hit(path, st)
    if digest is None:
        digest = hashlib.sha256(data).hexdigest()
        _VERIFIED[str(path)] = (st.st_ino, st.st_size, st.st_mtime_ns, digest, time.time_ns())
    return digest


def file_digest(path: str | os.PathLike) -> str:
    """sha256 of a processed table file; not hashed again while its inode, size and mtime are those
    this process saw when it last hashed it (the stamp is checked first, the bytes only when it differs)."""
    path = Path(path)
    with open(path, "rb") as fh:
        st = os.fstat(fh.fileno())
        return _memo_hit(path, st) or _digest(path, fh.read(), st)


def _read_meta(side: Path) -> dict | None:
    try:
        meta = json.loads(side.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return meta if isinstance(meta, dict) else None


def read_cached(source: Source, digests: dict[str, str], root=None) -> pd.DataFrame | None:
    """The cached table if its sidecar matches ``digests`` and the current versions and the table's
    bytes still have the sha256 the sidecar recorded, else None (the caller rebuilds it).

    A table that fails its sha256 is reported with a :class:`CorruptCacheWarning` naming the file;
    it is never decoded (a damaged parquet file can decode to other numbers without an error).
    """
    table, side = paths_for(source.id, root)
    try:
        if not (table.exists() and side.exists()):
            return None
    except OSError as exc:
        raise storage_error(table, exc, doing="read", hint=DATA_HINT) from exc
    meta = _read_meta(side)
    if meta is None:
        return None
    recorded = meta.pop(TABLE_KEY, None)
    if meta != provenance(source, digests) or not isinstance(recorded, str):
        return None
    try:
        with open(table, "rb") as fh:
            st = os.fstat(fh.fileno())
            data = fh.read()
    except OSError as exc:
        raise storage_error(table, exc, doing="read", hint=DATA_HINT) from exc
    if _digest(table, data, st) != recorded:
        warnings.warn(
            f"{table} does not match the sha256 recorded in {side.name} (the file was changed or damaged "
            "after levelup wrote it); rebuilding it from the raw files",
            CorruptCacheWarning,
            stacklevel=4,
        )
        return None
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq

        # pyarrow's own reader then to_pandas is several times faster than pd.read_parquet here
        return pq.read_table(pa.BufferReader(data)).to_pandas()
    except Exception:  # a table with the right sha256 that does not decode: rebuilt, never trusted
        return None


def table_bytes(df: pd.DataFrame) -> bytes:
    """The parquet file levelup writes for a table (deterministic for equal tables)."""
    buf = io.BytesIO()
    df.to_parquet(buf, index=False)
    return buf.getvalue()


def write_cached(source: Source, digests: dict[str, str], df: pd.DataFrame, root=None) -> None:
    """Store the table, then its sidecar with the table's sha256 (so a sidecar never describes a
    missing table, and a changed table is noticed on the next read)."""
    table, side = paths_for(source.id, root)
    data = table_bytes(df)
    meta = provenance(source, digests) | {TABLE_KEY: hashlib.sha256(data).hexdigest()}
    write_atomic(table, data, hint=DATA_HINT)
    write_atomic(side, json.dumps(meta, indent=2, sort_keys=True).encode(), hint=DATA_HINT)


def _recorded_digest(source_id: str, root) -> str | None:
    """The sha256 the sidecar records, if the table on disk still has it."""
    table, side = paths_for(source_id, root)
    digest = (_read_meta(side) or {}).get(TABLE_KEY)
    try:
        return digest if isinstance(digest, str) and file_digest(table) == digest else None
    except OSError:
        return None


def recorded_table_digests(source_ids, root: str | os.PathLike | None = None) -> dict[str, str]:
    """``{source: sha256}`` as the processed tables' sidecars record them, for the sources whose
    table is on disk: no table is built, read or hashed (a report's build key, recorded after the
    render, whose kernel checked every table it read against this sha256 in :func:`read_cached`)."""
    out = {}
    for sid in dict.fromkeys(source_ids):
        digest = (_read_meta(paths_for(sid, root)[1]) or {}).get(TABLE_KEY)
        if isinstance(digest, str):
            out[sid] = digest
    return out
