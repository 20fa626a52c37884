"""Spatial weights, global and local Moran's I, Moran scatter plots and choropleths.

Built on PySAL: weights are ``libpysal`` ``W`` objects (contiguity from polygons with
``libpysal``), analytic Moran moments and local Moran with conditional permutations
come from ``esda``. levelup adds what they leave to the user:

- **Islands**: a unit with no neighbour makes Moran's I ill-defined. ``contiguity``
  links islands to their ``k`` nearest units by centroid (``islands="knn"``, the
  default, links made symmetric) or raises naming them (``islands="error"``);
  ``moran``/``local_moran`` raise naming islands in a user-supplied ``w``.
- **Missing values**: raise naming the units, or ``missing="drop"`` drops them (and
  their links) and lists them in ``sample.dropped``.
- **Weights in any form**: a ``libpysal`` ``W`` or ``Graph``, a square array or scipy
  sparse matrix, or a dict of neighbour lists; always row-standardised on a copy
  (the caller's object is never changed).
- **Seeded inference**: permutations draw from ``rng`` (a seed or
  ``numpy.random.Generator``); same seed, same p-values.
- **LISA labels**: GeoDa's cluster codes at a chosen significance, optionally with a
  Benjamini-Hochberg false-discovery-rate correction.
"""

# Re-exports: every name of the old single-file module stays importable from here.
# ruff: noqa: F401
from __future__ import annotations

from levelup.errors import ModelInputError
from levelup.models._checks import Missing, _labels, as_series
from levelup.models.spatial._maps import (
    _COLOURS,
    GEODA_CLUSTERS,
    choropleth,
)
from levelup.models.spatial._moran import (
    _TIE,
    LocalMoran,
    Moran,
    _conditional_p,
    _p_sim,
    _prepare,
    _rng,
    local_moran,
    moran,
)
from levelup.models.spatial._weights import (
    _snapped,
    contiguity,
    knn_islands,
    weights,
)
from levelup.results import Result, Sample, new_axes

__all__ = [
    "LocalMoran",
    "Moran",
    "choropleth",
    "contiguity",
    "knn_islands",
    "local_moran",
    "moran",
    "weights",
]
