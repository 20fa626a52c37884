"""Shift-share: decompositions of regional change and shift-share (Bartik) instruments.

Decompositions take Series by industry (index = industry codes, e.g. SIC 2007 sections)
for a region and a benchmark (the nation) at two dates:

* :func:`dunn` - Dunn (1960): national share, industry mix, competitive (regional) share.
* :func:`esteban` - Esteban-Marquillas (1972): the competitive share split with homothetic
  employment into a homothetic competitive effect and an allocation effect.
* :func:`arcelus` - Arcelus (1984): regional growth and regional industry-mix effects, each
  split into homothetic and allocation parts.
* :func:`dynamic` - Barff and Knight (1988): year-on-year Dunn components, summed.

Shift-share IV:

* :func:`bartik` - the instrument ``B_i = sum_s w_is g_s``.
* :func:`ssiv` - 2SLS with homoscedastic, EHW, region-clustered, AKM and AKM0 standard errors
  (Adao, Kolesar and Morales 2019), first stage and reduced form.
* :func:`rotemberg` - Goldsmith-Pinkham, Sorkin and Swift (2020) Rotemberg weights.
* :func:`shock_level` - Borusyak, Hull and Jaravel (2022): exposure-weighted aggregation of
  regional data to shocks and the equivalent shock-level IV.

Shares may be a regions x sectors DataFrame (rows (region, period) for a panel: each
period's shares load on that period's sectors), an array, a scipy.sparse matrix, or a
:class:`ShareMatrix` built by :func:`shares_from_long`.
"""

# Re-exports: every name of the old single-file module stays importable from here.
# ruff: noqa: F401
from __future__ import annotations

from levelup.errors import ModelInputError, ParameterError
from levelup.models import _ssiv
from levelup.models._checks import Missing, align, as_series, handle_missing
from levelup.models._ssiv import ShareMatrix, shares_from_long
from levelup.models.shiftshare._bartik import (
    SSIV,
    Incomplete,
    SSRegression,
    _column_or_array,
    _prepare,
    _sector_codes,
    _share_info,
    bartik,
    ssiv,
)
from levelup.models.shiftshare._common import (
    MISSING_SECTOR,
    SE_TYPES,
    AKMWarning,
    IncompleteSharesWarning,
    _labels,
)
from levelup.models.shiftshare._decomposition import (
    _LABELS,
    _NAMES,
    ArcelusDecomposition,
    Decomposition,
    DynamicDecomposition,
    EstebanDecomposition,
    _classic_frame,
    _dunn_parts,
    _homothetic,
    _panel,
    _totals,
    arcelus,
    dunn,
    dynamic,
    esteban,
)
from levelup.models.shiftshare._rotemberg import (
    Rotemberg,
    rotemberg,
)
from levelup.models.shiftshare._shock_level import (
    ShockLevel,
    shock_level,
)
from levelup.results import Result, Sample, new_axes

__all__ = [
    "dunn",
    "esteban",
    "arcelus",
    "dynamic",
    "bartik",
    "ssiv",
    "rotemberg",
    "shock_level",
    "shares_from_long",
    "ShareMatrix",
    "Decomposition",
    "EstebanDecomposition",
    "ArcelusDecomposition",
    "DynamicDecomposition",
    "SSRegression",
    "SSIV",
    "Rotemberg",
    "ShockLevel",
    "IncompleteSharesWarning",
    "AKMWarning",
]
