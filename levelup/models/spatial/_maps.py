"""Choropleth maps of values and LISA clusters, and the LISA cluster codes and colours."""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import Any, Literal

import pandas as pd

from levelup.errors import ModelInputError
from levelup.models._checks import _labels, as_series
from levelup.results import new_axes

#: GeoDa's LISA cluster codes (libgeoda / rgeoda ``lisa_clusters``; esda ``geoda_quads=True``).
GEODA_CLUSTERS = {0: "Not significant", 1: "High-High", 2: "Low-Low", 3: "Low-High", 4: "High-Low"}
_COLOURS = {0: "#eeeeee", 1: "#ff0000", 2: "#0000ff", 3: "#a7adf9", 4: "#f4ada8"}


# --------------------------------------------------------------------------- maps
def choropleth(
    values: pd.Series,
    *,
    highlight: str | Iterable[str] | None = None,
    level: Literal["itl3", "itl2", "itl1"] | None = None,
    ax: Any = None,
    cmap: str = "viridis",
    colors: pd.Series | None = None,
    legend_labels: bool = False,
    title: str | None = None,
    mirrors: Iterable[str | os.PathLike] | None = None,
) -> Any:
    """Map of values by ITL unit (Series indexed by code), with regions highlighted.

    ``level`` is inferred from the code length when omitted (``TLC11`` ITL3, ``TLC1``
    ITL2, ``TLC`` ITL1). Units without a value are drawn hatched grey; unknown codes
    raise. ``highlight``: one code or several, outlined in red. ``colors``: a Series of
    colours by code instead of a colour scale (used for LISA cluster maps).
    """
    from levelup.geo.boundaries import boundaries

    v = as_series(values, "values")
    if level is None:
        lens = {len(str(c)) for c in v.index}
        lookup = {5: "itl3", 4: "itl2", 3: "itl1"}
        if len(lens) != 1 or next(iter(lens)) not in lookup:
            raise ModelInputError("cannot tell the ITL level from the codes; pass level=")
        level = lookup[next(iter(lens))]  # type: ignore[assignment]
    g = boundaries(level, mirrors=mirrors)
    unknown = [c for c in v.index if c not in g.index]
    if unknown:
        raise ModelInputError(f"codes not in the {level} boundaries: {_labels(unknown)}")
    g = g.assign(value=v.reindex(g.index))
    ax = new_axes(ax, figsize=(5.0, 7.0))
    missing_units = g[g["value"].isna()]
    if len(missing_units):
        missing_units.plot(ax=ax, color="#dddddd", hatch="///", edgecolor="white", linewidth=0.2)
    have = g[g["value"].notna()]
    if colors is not None:
        have.plot(
            ax=ax,
            color=colors.reindex(have.index).fillna("#dddddd").tolist(),
            edgecolor="white",
            linewidth=0.2,
        )
        if legend_labels:
            from matplotlib.patches import Patch

            ax.legend(
                handles=[Patch(color=_COLOURS[k], label=lab) for k, lab in GEODA_CLUSTERS.items()],
                loc="upper left",
                fontsize="small",
                frameon=False,
            )
    else:
        have.plot(
            ax=ax,
            column="value",
            cmap=cmap,
            edgecolor="white",
            linewidth=0.2,
            legend=True,
            legend_kwds={"shrink": 0.6},
        )
    if highlight is not None:
        hl = [highlight] if isinstance(highlight, str) else list(highlight)
        bad = [h for h in hl if h not in g.index]
        if bad:
            raise ModelInputError(f"highlight codes not in the {level} boundaries: {_labels(bad)}")
        g.loc[hl].boundary.plot(ax=ax, color="#d7191c", linewidth=1.6)
    ax.set_axis_off()
    ax.set_aspect("equal")
    if title:
        ax.set_title(title)
    return ax
