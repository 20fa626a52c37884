"""Geography tables read from lookup files, kept in the one store under those files' sha256.

A lookup table is built once per state of the files behind it: the key holds the sha256 of every
file of the sources it reads (``levelup.data.fetch.source_digests``, remembered per file while its
size and mtime are unchanged), so a lookup file replaced in the raw dir gives a new key and
nothing built from the old file is served again in a running process.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])


def _files(sources: tuple[str, ...], optional: tuple[str, ...]) -> tuple:
    from levelup._store import STORE

    return STORE.steady(("geo-files", sources, optional), lambda: _files_now(sources, optional))


def _files_now(sources: tuple[str, ...], optional: tuple[str, ...]) -> tuple:
    from levelup.data.fetch import source_digests
    from levelup.errors import LevelupError

    digests = source_digests(sources)
    for sid in optional:  # a source the table can do without: its absence is part of the key
        try:
            digests.update(source_digests([sid]))
        except LevelupError as exc:
            digests[sid] = {"unavailable": str(exc).splitlines()[0]}
    return tuple((sid, tuple(sorted(d.items()))) for sid, d in digests.items())


def keyed_by_files(*sources: str, optional: tuple[str, ...] = ()) -> Callable[[F], F]:
    """Keep ``fn(*args, **kwargs)`` in :data:`levelup._store.STORE` under the sha256 of the files
    of ``sources`` (which must be there) and ``optional`` (whose absence is recorded instead)."""

    def deco(fn: F) -> F:
        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            from levelup._store import STORE

            key = ("geo", fn.__module__, fn.__qualname__, args, tuple(sorted(kwargs.items())),
                   _files(sources, optional))
            return STORE.get(key, lambda: fn(*args, **kwargs))

        return wrapper  # type: ignore[return-value]

    return deco
