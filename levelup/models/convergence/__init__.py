# ruff: noqa: F401
"""Convergence: beta (OLS, NLS, panel), sigma, Phillips-Sul log t and clubs, Markov chains.

Every function takes pandas objects (a Series of levels by unit, or a panel as a
wide frame of units x periods) and returns a frozen result with ``summary()``,
``to_frame()``, ``plot()`` and an HTML repr. Panels may also be given long (a
frame with unit, period and ``value`` columns, as the tidy data schema, or a Series
with a (unit, period) MultiIndex).

References
----------
Barro, R. and Sala-i-Martin, X. (1992) Convergence. J. Political Economy 100(2), 223-251.
Phillips, P.C.B. and Sul, D. (2007) Transition modeling and econometric convergence tests.
    Econometrica 75(6), 1771-1855.
Phillips, P.C.B. and Sul, D. (2009) Economic transition and growth. J. Applied Econometrics 24(7),
    1153-1185.
von Lyncker, K. and Thoennessen, R. (2017) Regional club convergence in the EU: evidence from a
    panel data analysis. Empirical Economics 52, 525-553.
Andrews, D.W.K. (1991) Heteroskedasticity and autocorrelation consistent covariance matrix
    estimation. Econometrica 59(3), 817-858.
Quah, D. (1993) Empirical cross-section dynamics in economic growth. European Economic Review 37,
    426-434. Rey, S. (2001) Spatial analysis of regional income inequality (giddy's Markov).
Kemeny, J. and Snell, J. (1976) Finite Markov Chains. Springer (mean first passage times).

(The package's modules: ``_common`` helpers, ``_beta`` beta OLS/NLS/panel, ``_sigma``,
``_clubs_core`` the numerical core of log t and clustering, ``_phillips_sul`` log t and
clubs, ``_club_robustness`` grid/bootstrap/rolling/determinants, ``_markov``. Every name
importable from the former single module is re-exported here.)
"""

from __future__ import annotations

from levelup.errors import ModelInputError, ParameterError
from levelup.models._checks import (
    Missing,
    align,
    as_series,
    handle_missing,
    require_min_units,
    require_positive,
)
from levelup.models.convergence import _clubs_core
from levelup.models.convergence import _clubs_core as _clubs
from levelup.models.convergence._beta import (
    BetaConvergence,
    BetaNLS,
    PanelBeta,
    beta,
    beta_nls,
    panel_beta,
)
from levelup.models.convergence._club_robustness import (
    ClubDeterminants,
    ClubsBootstrap,
    ClubsGrid,
    RollingClubs,
    _labels_array,
    _rand,
    _same_club,
    club_determinants,
    clubs_bootstrap,
    clubs_grid,
    rolling_clubs,
)
from levelup.models.convergence._clubs_core import (
    THRESHOLD,
    find_clubs,
    h_statistic,
    logt_from_h,
    merge_ps,
    merge_vlt,
)
from levelup.models.convergence._common import (
    _COVS,
    _LN2,
    _TIME_COLS,
    _UNIT_COLS,
    Cov,
    _choice,
    _coef_table,
    _convergence_scatter,
    _cross_section,
    _fit_ols,
    _label_points,
    _period_label,
    _reindex_named,
    _sample,
    _speed_note,
    _wide,
    speed_half_life,
)
from levelup.models.convergence._markov import MarkovChain, _classify, _first_passage, _stationary, markov
from levelup.models.convergence._phillips_sul import (
    Clubs,
    LogT,
    _club_tests,
    _clubs_input,
    _hac_label,
    _run_clubs,
    clubs,
    log_t,
)
from levelup.models.convergence._sigma import SigmaConvergence, Trend, sigma
from levelup.results import Result, Sample, field, new_axes

merge_divergent_units = _clubs_core.merge_divergent  # re-exported (the name merge_divergent is a clubs() flag)

__all__ = [  # noqa: RUF022
    "beta",
    "beta_nls",
    "panel_beta",
    "sigma",
    "log_t",
    "clubs",
    "clubs_grid",
    "clubs_bootstrap",
    "rolling_clubs",
    "club_determinants",
    "markov",
    "BetaConvergence",
    "BetaNLS",
    "PanelBeta",
    "SigmaConvergence",
    "Trend",
    "LogT",
    "Clubs",
    "ClubsGrid",
    "ClubsBootstrap",
    "RollingClubs",
    "ClubDeterminants",
    "MarkovChain",
    "speed_half_life",
]

