"""Deprecated alias of :mod:`levelup.models.convergence._clubs_core` (the Phillips-Sul numerical core)."""

import warnings

from levelup.models.convergence._clubs_core import *  # noqa: F403
from levelup.models.convergence._clubs_core import (  # noqa: F401
    HAC,
    THRESHOLD,
    LogTFit,
    _ar1_noint,
    _cov_aqsb,
    _design,
    _h_sums,
    _lrv_fqsb,
    _mask,
    _qs_bandwidth,
    _qs_kernel,
    _tvals,
)

warnings.warn(
    "levelup.models._clubs moved to levelup.models.convergence._clubs_core; the old path will be removed",
    DeprecationWarning,
    stacklevel=2,
)
