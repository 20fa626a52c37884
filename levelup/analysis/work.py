"""Work and pay: median pay, its growth and the share of jobs below the Living Wage, against the UK."""

from __future__ import annotations

from typing import Any

import pandas as pd

from levelup.analysis._common import _memo, _resolve
from levelup.errors import UnknownSourceError


def pay(region: Any) -> pd.DataFrame:
    """:func:`levelup.data.pay.pay_summary` for ``region`` (``indicator, period, value, uk, unit, note``).

    Pay is published for ITL1 regions and local authorities; medians cannot be added up, so other
    areas have none. Missing data raise a LevelupError saying why."""
    from levelup.data.pay import pay_summary

    reg = _resolve(region)
    table = _memo(("pay", reg.code, reg.level), lambda: pay_summary(reg.code, reg.level))
    if table is None or table.empty:
        raise UnknownSourceError(getattr(table, "attrs", {}).get("reason", "no ASHE data"))
    return table
