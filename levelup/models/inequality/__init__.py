"""Inequality between regions: Gini, Theil, MLD, Atkinson, Williamson, CV, Hoover, ratios.

Every index takes ``values`` (per-head levels such as GDP per head, one per unit) and
optional ``weights`` (population). With weights each unit counts in proportion to its
population, so the index describes inequality between *people* by where they live;
without weights each region counts once. Each function returns an
:class:`InequalityIndex` whose ``value`` is the number (``float(result)`` works) and whose
``weighted`` says which of the two was computed.

Notation: ``y_i`` values, ``s_i = w_i / sum(w)`` population shares (``1/n`` unweighted),
``mu = sum(s_i y_i)`` the (weighted) mean.

Input rules (shared by all functions): values may be a Series, a list, an ``(n,)`` or an
``(n, 1)`` array; weights the same length (a Series is aligned on the values' index).
Missing values raise :class:`~levelup.errors.ModelInputError` naming the units unless
``missing="drop"``, which drops them and lists them in ``result.sample.dropped``.
Negative values always raise; zeros raise for the measures that take logs of values
(``mld``, ``atkinson`` with ``epsilon >= 1``), while ``theil`` uses the limit
``0 * ln 0 = 0`` and says so in its notes. Negative or all-zero weights raise.

Why Gini and Theil decompositions can disagree: Theil's T (and the MLD) split exactly
into a between-group and a within-group part (Shorrocks 1980). The Gini does not: its
group decomposition has a third, "overlap" term whenever group income ranges overlap
(Lambert and Aronson 1993), so the Gini "between" share (the Gini of the group means)
and the Theil between share weight the same gaps differently (the Gini by rank
differences, Theil by log ratios) and can rank between- against within-group
inequality differently. Use :func:`theil_decomposition` for the additive split.
"""

# Re-exports: every name of the old single-file module stays importable from here.
# ruff: noqa: F401
from __future__ import annotations

from levelup.errors import ModelInputError
from levelup.models import _intervals as _iv
from levelup.models._checks import Missing, _labels, as_series, handle_missing
from levelup.models._intervals import CI
from levelup.models.inequality._base import (
    InequalityIndex,
    _Data,
    _interval,
    _prepare,
    _result,
)
from levelup.models.inequality._decomposition import (
    TheilDecomposition,
    _decompose,
    _group_labels,
    theil_decomposition,
)
from levelup.models.inequality._indices import (
    Lorenz,
    _atkinson,
    _cv,
    _gini,
    _mld,
    _share_of,
    _theil_t,
    _wquantile,
    atkinson,
    cv,
    gini,
    hoover,
    lorenz,
    mld,
    ratio,
    theil,
    williamson,
)
from levelup.models.inequality._summary import (
    _MEASURES,
    summary_table,
)
from levelup.results import Result, Sample, new_axes

__all__ = [
    "InequalityIndex",
    "Lorenz",
    "TheilDecomposition",
    "atkinson",
    "cv",
    "gini",
    "hoover",
    "lorenz",
    "mld",
    "ratio",
    "summary_table",
    "theil",
    "theil_decomposition",
    "williamson",
]
