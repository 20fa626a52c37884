"""Welsh and Gaelic names, and local-authority codes retired before 2023 (``aliases.toml``).

:func:`levelup.geo.resolve` reads both: an alias resolves like the English name of the code it
is filed under; a retired code (or name) raises ``UnknownRegionError`` saying when it was
retired and which authority it is part of now.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from typing import Any


@lru_cache(maxsize=1)
def _table() -> dict[str, Any]:
    try:
        import tomllib
    except ModuleNotFoundError:  # Python < 3.11
        import tomli as tomllib

    return tomllib.loads(resources.files("levelup.geo").joinpath("aliases.toml").read_text(encoding="utf-8"))


def aliases() -> dict[str, tuple[str, tuple[str, ...]]]:
    """``{code: (English name in the lookup, (other names, ...))}``."""
    return {code: (e["name"], tuple(e["aliases"])) for code, e in _table()["aliases"].items()}


def retired() -> dict[str, dict[str, Any]]:
    """``{old code: {"name", "year", "now": [codes], "reason"}}`` for codes the lookups do not list."""
    return {code: dict(e) for code, e in _table()["retired"].items()}


def retired_message(code: str, entry: dict[str, Any], names: dict[str, str]) -> str:
    """``E06000028 (Bournemouth) was retired in 2019: it is now part of E06000058 ...``."""
    now = " and ".join(f"{c} {names.get(c, '')}".strip() for c in entry["now"])
    return (f"{code} ({entry['name']}) was retired in {entry['year']}: it is now part of {now} ({entry['reason']}). "
            f"The data use April 2023 codes: resolve({entry['now'][0]!r}) for the authority it is part of now.")


__all__ = ["aliases", "retired", "retired_message"]
