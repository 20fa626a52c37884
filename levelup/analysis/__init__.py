"""The questions a report or a researcher asks, each a function returning a result.

This is the only package where data, geo and models meet: models never read files, and the
report only presents what these functions return. One module per question:

* :mod:`~levelup.analysis.headline`: headline indicators against a benchmark, relative series;
* :mod:`~levelup.analysis.gap`: how far behind, and how long closing the gap takes;
* :mod:`~levelup.analysis.structure`: industry shares and location quotients, shift-share;
* :mod:`~levelup.analysis.convergence`: beta and sigma convergence, inequality across a level;
* :mod:`~levelup.analysis.neighbours`: statistical neighbours;
* :mod:`~levelup.analysis.deprivation`: local summaries of the small-area deprivation indices.

Every function states its sample; units with missing values are dropped and listed in the
result's ``dropped``. ``levelup.analysis.deprivation`` is a module that can be called:
``levelup.analysis.deprivation(level, nation, edition)`` is its function ``deprivation`` (API.md).
"""

from __future__ import annotations

from levelup.analysis import deprivation
from levelup.analysis._common import (
    ADDITIVE,
    RANKED_LEVELS,
    UK,
    WEIGHTS,
    Missing,
    annualised_growth,
    benchmark_series,
    data_years,
    default_source,
    missing_reason,
    rank_among_peers,
    series,
    source_release,
    stored,
    uk_series,
)
from levelup.analysis._common import (
    _data_level as _data_level,
)
from levelup.analysis._common import (
    _growth_pa as _growth_pa,
)
from levelup.analysis._common import (
    _in_years as _in_years,
)
from levelup.analysis._common import (
    _is_uk as _is_uk,
)
from levelup.analysis._common import (
    _lad_based as _lad_based,
)
from levelup.analysis._common import (
    _memo as _memo,
)
from levelup.analysis._common import (
    _peers_table as _peers_table,
)
from levelup.analysis._common import (
    _place_series as _place_series,
)
from levelup.analysis._common import (
    _rank as _rank,
)
from levelup.analysis._common import (
    _Reads as _Reads,
)
from levelup.analysis._common import (
    _resolve as _resolve,
)
from levelup.analysis.convergence import ConvergenceSummary, convergence, inequality
from levelup.analysis.deprivation import DeprivationSummary
from levelup.analysis.gap import gap
from levelup.analysis.headline import (
    HEADLINE,
    HEADLINE_COLUMNS,
    MEASURES,
    Headline,
    HeadlineRow,
    Pair,
    Relative,
    headline,
    measure_pair,
    relative,
)
from levelup.analysis.members import same_area
from levelup.analysis.neighbours import Neighbours, peer_table, statistical_neighbours
from levelup.analysis.structure import (
    SHIFT_SHARE_SOURCES,
    IndustryShares,
    industry_shares,
    industry_structure,
    industry_table,
    shift_share,
)
from levelup.analysis.work import Pay, pay

__all__ = [
    "ADDITIVE",
    "HEADLINE",
    "HEADLINE_COLUMNS",
    "MEASURES",
    "Missing",
    "RANKED_LEVELS",
    "SHIFT_SHARE_SOURCES",
    "UK",
    "WEIGHTS",
    "ConvergenceSummary",
    "DeprivationSummary",
    "Headline",
    "HeadlineRow",
    "Relative",
    "annualised_growth",
    "benchmark_series",
    "convergence",
    "data_years",
    "deprivation",
    "gap",
    "headline",
    "industry_shares",
    "industry_structure",
    "IndustryShares",
    "industry_table",
    "inequality",
    "missing_reason",
    "default_source",
    "measure_pair",
    "same_area",
    "Pair",
    "peer_table",
    "Neighbours",
    "Pay",
    "pay",
    "statistical_neighbours",
    "rank_among_peers",
    "relative",
    "series",
    "shift_share",
    "source_release",
    "stored",
    "uk_series",
]
