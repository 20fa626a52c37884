"""Exceptions raised by levelup.

Every error is a :class:`LevelupError` and also subclasses the builtin a caller
would naturally catch (``ValueError``, ``LookupError``, ``OSError``), so both
``except levelup.errors.UnknownRegionError`` and ``except LookupError`` work.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence


class LevelupError(Exception):
    """Base class of every error levelup raises on purpose."""


class UnknownRegionError(LevelupError, LookupError):
    """A region, place or code that levelup does not know.

    ``suggestions`` holds close matches (possibly empty), best first.
    """

    def __init__(self, message: str, suggestions: Sequence[str] = ()):  # noqa: D107
        super().__init__(message)
        self.suggestions = list(suggestions)

    def __str__(self) -> str:  # LookupError would quote the message otherwise
        return str(self.args[0])


class UnknownSourceError(LevelupError, LookupError):
    """A source id or measure that is not in the registry."""

    def __init__(self, message: str, suggestions: Sequence[str] = ()):  # noqa: D107
        super().__init__(message)
        self.suggestions = list(suggestions)

    def __str__(self) -> str:
        return str(self.args[0])


class ChecksumError(LevelupError, ValueError):
    """A file whose sha256 is not one of the registered values."""


class LayoutError(LevelupError, ValueError):
    """A spreadsheet whose layout is not the one the parser expects."""


class DataNotFoundError(LevelupError, FileNotFoundError):
    """A registered file that is in no raw dir or mirror and could not be downloaded."""


class StorageError(LevelupError, OSError):
    """A file or folder levelup cannot read or write (no permission, a file where a folder belongs,
    a folder where a file belongs, a full disk); the message names the path and what to do."""

    def __str__(self) -> str:  # OSError would format (errno, strerror) otherwise
        return str(self.args[0])


class ParameterError(LevelupError, ValueError):
    """A report parameter that is unknown, mistyped or of the wrong type."""


class ModelInputError(LevelupError, ValueError):
    """Data that a model cannot use as given (NaN, non-positive values, misaligned indexes)."""


class RenderError(LevelupError, RuntimeError):
    """A report that failed to render (a cell raised, the kernel died, the PDF engine failed)."""


def close_matches(query: str, choices: Iterable[str], n: int = 5) -> list[str]:
    """Return up to ``n`` of ``choices`` that look like ``query`` (case-insensitive)."""
    import difflib

    choices = list(dict.fromkeys(choices))
    lowered = {c.lower(): c for c in choices}
    q = query.lower()
    hits = difflib.get_close_matches(q, list(lowered), n=n, cutoff=0.6)
    # substring matches help with partial names ("Tees" -> "Tees Valley")
    for low in lowered:
        if len(hits) >= n:
            break
        if q and q in low and low not in hits:
            hits.append(low)
    return [lowered[h] for h in hits]


class ModelWarning(UserWarning):
    """A model result that is computed but should be read with care (for example a reported
    convergence club that fails its own log t test, or a small-sample caveat)."""
