"""How far a place is behind a benchmark and how long closing the gap takes."""

from __future__ import annotations

from typing import Any

from levelup.analysis._common import _resolve, series, uk_series


def gap(
    place: Any,
    measure: str = "real_gdp_per_head",
    *,
    benchmark: str = "UK",
    rates: tuple[float, ...] = (0.01, 0.03),
    level: str | None = None,
):
    """How far a place is behind a benchmark and how long closing the gap takes.

    The place grows at each of ``rates`` a year while the benchmark keeps its own trend
    growth (compound average over the data's years, stated in the result): see
    :func:`levelup.models.scenarios.compare`. ``benchmark`` is ``"UK"`` or any region.
    The default measure is real GDP per head (chained volume), because the 1% and 3%
    rates are real growth rates; with current-price data the benchmark's trend includes
    inflation and no real rate would ever close the gap.
    """
    from levelup.models.scenarios import compare

    reg = _resolve(place, level)
    s = series(measure, reg)
    if str(benchmark).upper() == "UK":
        b, bname = uk_series(measure, reg), "UK"
    else:
        breg = _resolve(benchmark)
        b, bname = series(measure, breg), breg.name
    return compare(s, b, rates=rates, region_name=reg.name, benchmark_name=bname)

