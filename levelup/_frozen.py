"""A read-only dict for large ``.attrs`` entries (an indicator's ``names``: one per area).

pandas deep-copies a frame's ``attrs`` on nearly every operation (``__finalize__``); a names
dict of 180-380 areas copied thousands of times cost about 0.2 s of a report. A
:class:`FrozenDict` cannot change, so a deep copy is the same object."""

from __future__ import annotations

from typing import Any, NoReturn


class FrozenDict(dict):
    """A dict that refuses changes; ``copy.deepcopy`` and ``copy.copy`` return it unchanged."""

    __slots__ = ()

    def _refuse(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise TypeError("this mapping is read-only (shared by every copy of the table): use dict(...) for your own")

    __setitem__ = __delitem__ = clear = pop = popitem = setdefault = update = __ior__ = _refuse  # type: ignore[assignment]

    def __deepcopy__(self, memo: dict) -> FrozenDict:
        return self

    def __copy__(self) -> FrozenDict:
        return self

    def __reduce__(self) -> tuple:
        return (FrozenDict, (dict(self),))
