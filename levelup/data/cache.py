"""The processed cache: one parquet table per source plus a provenance sidecar.

``data/processed/<id>.parquet`` is rebuilt from the raw files whenever a raw file's
sha256, the parser's version or levelup's version differs from what the sidecar
``<id>.json`` records. Nothing is written for a source whose files failed their checks.
"""

from __future__ import annotations

import importlib
import json
import os
import tempfile
from pathlib import Path

import pandas as pd

from levelup import __version__, config
from levelup.data.registry import Source

#: Columns every parsed table has (sources add industry, industry_name, period, vintage ...).
TIDY_COLUMNS = ("geo_code", "geo_name", "level", "year", "measure", "unit", "value")
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
    return out.reset_index(drop=True)


def atomic_write_bytes(dest: Path, data: bytes) -> None:
    """Write ``data`` to ``dest`` via a temporary file and a rename."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".part", dir=dest.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, dest)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _atomic_parquet(df: pd.DataFrame, dest: Path) -> None:
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".part", dir=dest.parent)
    os.close(fd)
    try:
        df.to_parquet(tmp, index=False)
        os.replace(tmp, dest)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


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
    """``(name, mtime_ns)`` of every processed table: changes whenever one is rewritten, so a memo
    keyed by it never serves a table older than the cache."""
    d = Path(root) if root is not None else config.processed_dir()
    try:
        return tuple(sorted((p.name, p.stat().st_mtime_ns) for p in d.glob("*.parquet")))
    except OSError:
        return ()


def read_cached(source: Source, digests: dict[str, str], root=None) -> pd.DataFrame | None:
    """The cached table if its sidecar matches ``digests`` and the current versions, else None."""
    table, side = paths_for(source.id, root)
    if not (table.exists() and side.exists()):
        return None
    try:
        meta = json.loads(side.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if meta != provenance(source, digests):
        return None
    try:
        import pyarrow.parquet as pq

        # pyarrow's own reader then to_pandas is several times faster than pd.read_parquet here
        return pq.read_table(table).to_pandas()
    except Exception:  # a damaged cache is rebuilt, never trusted
        return None


def write_cached(source: Source, digests: dict[str, str], df: pd.DataFrame, root=None) -> None:
    """Store the table, then its sidecar (so a sidecar never describes a missing table)."""
    table, side = paths_for(source.id, root)
    _atomic_parquet(df, table)
    atomic_write_bytes(side, json.dumps(provenance(source, digests), indent=2, sort_keys=True).encode())
