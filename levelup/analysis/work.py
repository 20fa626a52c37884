"""Work and pay: median pay, its growth and the share of jobs below the Living Wage, against the UK."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from levelup.analysis._common import _memo, _resolve
from levelup.errors import UnknownSourceError
from levelup.results import TableResult, new_axes


@dataclass(frozen=True)
class Pay(TableResult):
    """Median pay, its growth and the share of jobs below the Living Wage against the UK
    (:func:`pay`); ``to_frame()``: ``indicator, period, value, uk, unit, note``."""

    title = "Work and pay"
    region: Any = None

    def plot(self, ax: Any = None, **kwargs: Any) -> Any:
        """Bars: median weekly pay of the place and the UK in each year shown."""
        t = self.table[self.table["indicator"] == "median_weekly_pay"]
        ax = new_axes(ax)
        pos = np.arange(len(t))
        ax.bar(pos - 0.2, t["value"], width=0.4, label=getattr(self.region, "name", "place"), **kwargs)
        ax.bar(pos + 0.2, t["uk"], width=0.4, label="UK", color="#999999")
        ax.set_xticks(pos, [str(p) for p in t["period"]])
        ax.set_ylabel("median weekly pay, GBP")
        ax.legend(frameon=False)
        return ax

    def notes(self) -> list[str]:
        a = self.table.attrs
        return [f"Data: {a.get('source', '')}; deflator {a.get('deflator', '')}.", *super().notes()]


def pay(region: Any) -> Pay:
    """:func:`levelup.data.pay.pay_summary` for ``region`` as a :class:`Pay` result
    (``to_frame()``: ``indicator, period, value, uk, unit, note``).

    Pay is published for ITL1 regions and local authorities; medians cannot be added up, so other
    areas have none. Missing data raise a LevelupError saying why."""
    from levelup.data.pay import pay_summary

    reg = _resolve(region)
    table = _memo(("pay", reg.code, reg.level), lambda: pay_summary(reg.code, reg.level))
    if table is None or table.empty:
        raise UnknownSourceError(getattr(table, "attrs", {}).get("reason", "no ASHE data"))
    return Pay(table=table, region=reg)
