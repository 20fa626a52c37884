"""Health of the data layer: registered files present in the raw dir or a mirror, processed tables
intact. ``levelup doctor`` shows these checks (through :mod:`levelup.analysis.provenance`)."""

from __future__ import annotations

import json
from pathlib import Path


def online(timeout: float = 3.0) -> bool:
    import socket

    try:
        socket.create_connection(("www.ons.gov.uk", 443), timeout=timeout).close()
        return True
    except OSError:
        return False


def check_files() -> list[tuple[bool, str]]:
    from levelup import config
    from levelup.data.registry import all_sources

    out = []
    mirrors = config.mirror_dirs()
    missing = []
    for s in all_sources():
        for f in s.files:
            if not ((config.raw_dir() / f.path).is_file() or any((m / f.path).is_file() for m in mirrors)):
                missing.append(f"{s.id}:{f.filename}")
    if missing:
        reachable = online()
        msg = f"{len(missing)} registered file(s) are in no raw dir or mirror ({', '.join(missing[:4])}...)"
        out.append((reachable, msg + ("; ons.gov.uk is reachable, `levelup fetch` will download them" if reachable else
                                   "; no network either: set LEVELUP_MIRROR or [data] mirrors in levelup.toml")))
    else:
        out.append((True, f"every registered file found (mirrors: {', '.join(map(str, mirrors)) or 'none'})"))
    return out


def check_cache(processed: Path) -> tuple[bool, str]:
    """Every processed table against the sha256 its sidecar recorded (the same check a load makes)."""
    from levelup.data.cache import TABLE_KEY, file_digest

    if processed.exists() and not processed.is_dir():
        return False, f"cache: {processed} is a file where the processed-data folder belongs; move it away"
    bad: dict[str, str] = {}
    old = 0
    try:
        sides = sorted(processed.glob("*.json"))
        for side in sides:
            table = side.with_suffix(".parquet")
            try:
                meta = json.loads(side.read_text(encoding="utf-8"))
                recorded = meta.get(TABLE_KEY) if isinstance(meta, dict) else None
            except ValueError:
                bad[side.name] = "not valid JSON"
                continue
            if not table.exists():
                bad[table.name] = "missing"
            elif not table.is_file():
                bad[table.name] = "a folder, not a file"
            elif recorded is None:
                old += 1  # written before tables carried a checksum: the next load rebuilds it
            elif file_digest(table) != recorded:
                bad[table.name] = f"corrupt: its sha256 is not the one {side.name} recorded"
    except OSError as exc:
        return False, f"cache: cannot read {processed} ({exc.strerror or exc}); fix its permissions"
    if bad:
        why = "; ".join(f"{k} is {v}" for k, v in bad.items())
        return False, (f"cache: broken entries {sorted(bad)} in {processed} ({why}); delete them (the .parquet and "
                       "its .json): they are rebuilt from the raw files on the next load, which also does so by itself")
    note = f"; {old} written by an older levelup without a checksum are rebuilt on their next load" if old else ""
    return True, f"cache: healthy ({len(sides) - old} table(s) match their recorded sha256{note})"


__all__ = ["check_cache", "check_files", "online"]
