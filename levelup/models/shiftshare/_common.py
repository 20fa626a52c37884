"""Shared constants, warnings and labels of the shift-share models."""

from __future__ import annotations

from levelup.models import _ssiv

SE_TYPES = ("homoscedastic", "ehw", "region_cluster", "akm", "akm0")
MISSING_SECTOR = "(missing)"


class IncompleteSharesWarning(UserWarning):
    """Shares sum to less than one and the sum of shares is not among the controls."""


class AKMWarning(UserWarning):
    """AKM standard errors far below EHW ones (controls may absorb the shock variation)."""


def _labels(idx, k: int = 20) -> str:
    return _ssiv._labels(idx, k)


def _norm_sf(x):
    """Standard normal upper tail, ``scipy.stats.norm.sf`` (which is ``ndtr(-x)``) without
    importing scipy.stats (0.4 s; the report's shift-share decomposition never needs it)."""
    import numpy as np
    from scipy.special import ndtr

    return ndtr(-np.asarray(x, dtype=float))
