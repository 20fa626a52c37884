"""One atomic write for the whole package, and filesystem faults turned into clear errors.

``write_atomic(dest, data)`` writes ``data`` (bytes, text, or a callback that writes a path)
to a temporary ``.<name>.<random>.part`` file in ``dest``'s folder, then renames it into place,
so a reader never sees a half-written file. The temporary file is known (and removed) from the
moment it exists: whatever fails (full disk, no permission, an interrupt), no ``.part`` is left
behind. ``write_atomic_many`` does the same for several files, renaming all only when every one
was written.

Filesystem faults (no permission, a file where a folder belongs, a folder where a file belongs,
a full disk) raise :class:`~levelup.errors.StorageError` naming the path and what to do.
"""

from __future__ import annotations

import errno
import os
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path

from levelup.errors import StorageError

#: the errors that are about the file or folder written (others, e.g. from a callback, pass through)
FS_ERRNOS = frozenset({
    errno.EACCES, errno.EPERM, errno.EROFS, errno.ENOTDIR, errno.EISDIR, errno.EEXIST, errno.ENOTEMPTY,
    errno.ENOSPC, errno.EDQUOT, errno.EIO, errno.EFBIG, errno.ENAMETOOLONG,
})
#: what a write can be: the bytes, a text (written as UTF-8), or a callback writing the given path
Data = bytes | str | Callable[[Path], None]


def _file_parent(path: Path) -> Path | None:
    return next((p for p in path.parents if p.is_file()), None)


def storage_error(path: str | os.PathLike, exc: OSError, *, doing: str = "write", hint: str = "") -> StorageError:
    """A :class:`StorageError` for ``exc`` on ``path``: what went wrong in words, and what to do
    (``hint`` adds what the caller knows, e.g. how to choose another folder)."""
    path = Path(path)
    code = exc.errno
    if code in (errno.EACCES, errno.EPERM, errno.EROFS):
        what = f"levelup has no permission to {doing} {path}"
        todo = "fix the permissions of that folder, or choose another folder"
    elif code == errno.ENOTDIR or (code == errno.EEXIST and _file_parent(path) is not None):
        what = f"cannot {doing} {path}: {_file_parent(path) or 'a part of that path'} is a file, not a folder"
        todo = "move that file away, or choose another folder"
    elif code == errno.EISDIR or (code in (errno.EEXIST, errno.ENOTEMPTY) and path.is_dir()):
        what = f"cannot {doing} {path}: it is a folder where a file belongs"
        todo = "remove or rename that folder"
    elif code in (errno.ENOSPC, errno.EDQUOT):
        what = f"cannot {doing} {path}: the disk is full"
        todo = "free some space and run again"
    else:
        what = f"cannot {doing} {path}: {exc.strerror or exc}"
        todo = "check that the folder exists and is writable"
    return StorageError(f"{what}; {todo}" + (f"; {hint}" if hint else "") + ".")


def _write_tmp(dest: Path, data: Data, tmps: list[Path]) -> Path:
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".part", dir=dest.parent)
    tmp = Path(name)
    tmps.append(tmp)  # registered before anything is written: a failed write is cleaned up too
    if callable(data):
        os.close(fd)
        data(tmp)
    else:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data.encode("utf-8") if isinstance(data, str) else data)
    os.chmod(tmp, 0o644)
    return tmp


def write_atomic_many(files: Mapping[str | os.PathLike, Data], *, hint: str = "") -> list[Path]:
    """Write every file as a ``.part`` first, then rename all into place (or none).

    Raises :class:`StorageError` (naming the path and what to do) on a filesystem fault;
    no ``.part`` file is left behind whatever happens.
    """
    tmps: list[Path] = []
    pairs: list[tuple[Path, Path]] = []
    current = Path(".")
    try:
        for dest, data in files.items():
            current = Path(dest)
            pairs.append((_write_tmp(current, data, tmps), current))
        for tmp, dest in pairs:
            current = dest
            os.replace(tmp, dest)
            tmps.remove(tmp)
    except OSError as exc:
        if exc.errno not in FS_ERRNOS:  # e.g. a network error raised by a callback: not about the path
            raise
        raise storage_error(current, exc, hint=hint) from exc
    finally:
        for tmp in tmps:  # the ones not renamed into place
            try:
                tmp.unlink(missing_ok=True)
            except OSError:
                pass
    return [d for _, d in pairs]


def write_atomic(dest: str | os.PathLike, data: Data, *, hint: str = "") -> Path:
    """Write ``data`` to ``dest`` through a temporary file in the same folder and a rename.

    ``data`` is bytes, text (UTF-8) or a callback ``f(path)`` that writes the temporary path
    (e.g. ``lambda p: df.to_parquet(p)``). Returns ``dest``.
    """
    return write_atomic_many({dest: data}, hint=hint)[0]
