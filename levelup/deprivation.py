"""Deprecated: moved to :mod:`levelup.analysis.deprivation` (this path works for one release)."""

from __future__ import annotations

import warnings
from typing import Any


def __getattr__(name: str) -> Any:
    import importlib

    new = importlib.import_module("levelup.analysis.deprivation")
    if name.startswith("__"):
        raise AttributeError(name)
    warnings.warn(
        f"levelup.deprivation.{name} moved to levelup.analysis.deprivation.{name}; the old path will be removed",
        DeprecationWarning,
        stacklevel=2,
    )
    return getattr(new, name)
