"""Get registered files into the raw dir: raw dir, then mirrors, then download.

Every file is checked against its registered sha256 before it is used or kept,
and every write is atomic (a temporary file in the same folder, then a rename),
so an interrupted copy or download never leaves a file that looks complete.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import time
import urllib.error
import urllib.request
from collections.abc import Iterable
from pathlib import Path

from levelup import config
from levelup._io import storage_error, write_atomic
from levelup.data.registry import Source, SourceFile, all_sources, get_source
from levelup.errors import ChecksumError, DataNotFoundError, StorageError

CHUNK = 1 << 20


_DIGESTS: dict[tuple[str, int, int], str] = {}


def sha256_of(path: str | os.PathLike) -> str:
    """The hex sha256 of a file (remembered for the process while its size and mtime are unchanged)."""
    st = os.stat(path)
    key = (os.path.abspath(path), st.st_size, st.st_mtime_ns)
    if key in _DIGESTS:
        return _DIGESTS[key]
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(CHUNK), b""):
            h.update(block)
    _DIGESTS[key] = h.hexdigest()
    return _DIGESTS[key]


def verify(path: Path, f: SourceFile) -> str:
    """Return the file's sha256 if it is a registered one, else raise ``ChecksumError``."""
    digest = sha256_of(path)
    if digest not in f.sha256:
        raise ChecksumError(
            f"{path} does not match the registry: sha256 {digest}, expected "
            f"{' or '.join(f.sha256)} for {f.filename}. The file is corrupt, truncated or a "
            "different release; delete it and fetch again, or register the new release."
        )
    return digest


def _raw_hint() -> str:
    return "levelup's data folder can be moved with LEVELUP_DATA_DIR or [data] root in levelup.toml"


def atomic_copy(src: Path, dest: Path) -> None:
    """Copy ``src`` to ``dest`` through a temporary file in ``dest``'s folder."""

    def copy(tmp: Path) -> None:
        with open(tmp, "wb") as out, open(src, "rb") as inp:
            shutil.copyfileobj(inp, out, CHUNK)

    write_atomic(dest, copy, hint=_raw_hint())


def _download(url: str, dest: Path, *, timeout: float, retries: int, progress: bool) -> None:
    last: Exception | None = None

    def get(tmp: Path) -> None:
        req = urllib.request.Request(url, headers={"User-Agent": "levelup (+https://pypi.org/project/levelup)"})
        with urllib.request.urlopen(req, timeout=timeout) as resp, open(tmp, "wb") as out:
            total = int(resp.headers.get("Content-Length") or 0) or None
            bar = None
            if progress:
                from tqdm.auto import tqdm

                bar = tqdm(total=total, unit="B", unit_scale=True, desc=dest.name, leave=False)
            for block in iter(lambda: resp.read(CHUNK), b""):
                out.write(block)
                if bar is not None:
                    bar.update(len(block))
            if bar is not None:
                bar.close()

    for attempt in range(retries + 1):
        try:
            write_atomic(dest, get, hint=_raw_hint())  # no .part is left, whatever fails
            return
        except StorageError:  # the raw folder, not the network: retrying cannot help
            raise
        except (urllib.error.URLError, OSError, TimeoutError) as exc:
            last = exc
            if attempt < retries:
                time.sleep(min(2**attempt, 8) * 0.5)
    raise DataNotFoundError(f"download of {url} failed after {retries + 1} attempts: {last}")


def fetch_file(
    source: Source,
    f: SourceFile,
    *,
    mirrors: Iterable[str | os.PathLike] | None = None,
    force: bool = False,
    root: str | os.PathLike | None = None,
    timeout: float = 60.0,
    retries: int = 2,
    progress: bool = True,
) -> Path:
    """One verified file in the raw dir (see :func:`fetch`)."""
    dest = config.raw_dir(root) / f.path
    looked: list[str] = []
    try:
        present = dest.exists() and not force
        if present:
            verify(dest, f)
            return dest
    except ChecksumError:
        # a file that was changed in place: never use it, fetch a good copy over it
        looked.append(f"{dest} (present but its checksum is wrong)")
    except OSError as exc:  # no permission, a folder where the file belongs ...
        raise storage_error(dest, exc, doing="read", hint=_raw_hint()) from exc
    else:
        looked.append(str(dest))
    for m in config.mirror_dirs(list(mirrors) if mirrors is not None else None):
        cand = m / f.path
        looked.append(str(cand))
        if cand.is_file():
            verify(cand, f)  # a corrupt mirror is an error, not something to skip silently
            atomic_copy(cand, dest)
            return dest
    if f.file_url and not source.mirror_only:
        looked.append(f.file_url)
        try:
            _download(f.file_url, dest, timeout=timeout, retries=retries, progress=progress)
        except DataNotFoundError as exc:
            raise DataNotFoundError(
                f"{f.filename} (source {source.id!r}) was not found. Looked in:\n  - "
                + "\n  - ".join(looked)
                + f"\nDownload failed ({exc}). Download it by hand from {f.file_url} "
                f"(page: {source.page_url}) into {dest.parent}, or set LEVELUP_MIRROR to a folder holding it."
            ) from None
        try:
            verify(dest, f)
        except ChecksumError:
            dest.unlink(missing_ok=True)
            raise
        return dest
    how = (
        "This source is available from a mirror only"
        if source.mirror_only or not f.file_url
        else "No download address is registered"
    )
    raise DataNotFoundError(
        f"{f.filename} (source {source.id!r}) was not found. Looked in:\n  - "
        + "\n  - ".join(looked)
        + f"\n{how}: get it from {source.page_url} and put it at {dest}, "
        "or set LEVELUP_MIRROR (or [data] mirrors in levelup.toml) to a folder holding it."
    )


def fetch_files(
    source_id: str,
    *,
    mirrors: Iterable[str | os.PathLike] | None = None,
    force: bool = False,
    root: str | os.PathLike | None = None,
    progress: bool = True,
) -> list[Path]:
    """All verified files of one source, in registry order."""
    s = get_source(source_id)
    return [fetch_file(s, f, mirrors=mirrors, force=force, root=root, progress=progress) for f in s.files]


def fetch(
    ids: str | Iterable[str] | None = None,
    *,
    mirrors: Iterable[str | os.PathLike] | None = None,
    force: bool = False,
    root: str | os.PathLike | None = None,
    progress: bool = True,
) -> dict[str, Path]:
    """Make registered files available in the raw dir and return ``{id: path}``.

    Looks in the raw dir, then each mirror folder (``mirrors``, ``LEVELUP_MIRROR``,
    ``levelup.toml``), then downloads ``file_url``. Every file is sha256-checked.
    For a source with several files the path is that of its first file; all of
    them are fetched (use :func:`fetch_files` for the full list).
    """
    if ids is None:
        chosen = [s.id for s in all_sources()]
    elif isinstance(ids, str):
        chosen = [ids]
    else:
        chosen = list(ids)
    return {
        sid: fetch_files(sid, mirrors=mirrors, force=force, root=root, progress=progress)[0] for sid in chosen
    }


def digest_memo() -> dict[tuple[str, int, int], str]:
    """The in-process memo of file digests, ``{(path, size, mtime_ns): sha256}`` (seeded by the
    report's rerun memo so a no-op rerun re-hashes only files whose size or mtime changed)."""
    return _DIGESTS


def source_digests(source_ids, optional=()) -> dict[str, dict[str, str]]:
    """``{source: {file: sha256}}`` of the files behind each source, fetched (and checked) first.

    A required source that cannot be fetched raises :class:`~levelup.errors.DataNotFoundError`; an
    optional one is recorded as ``{"unavailable": reason}``. Digests come from :func:`sha256_of`'s
    memo, so an unchanged file is hashed once per process.
    """
    out: dict[str, dict[str, str]] = {}
    source_ids = list(dict.fromkeys(source_ids))
    optional = set(optional) - set(source_ids)
    for sid in [*source_ids, *sorted(optional)]:  # required first, in the caller's order
        src = get_source(sid)
        try:
            paths = fetch_files(sid, progress=False)
        except DataNotFoundError as exc:
            if sid not in optional:
                raise
            out[sid] = {"unavailable": str(exc).splitlines()[0]}
            continue
        out[sid] = {f.path: sha256_of(p) for f, p in zip(src.files, paths)}
    return out
