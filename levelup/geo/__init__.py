"""Geography: ITL regions, local and combined authorities, custom places, peers and aggregation.

Everything geographic is read at run time from the registered ONS files (the LAD-ITL lookup, the
combined-authority lookups and the GDP workbook's names) through ``levelup.data.load``; only our
own place definitions (``places.toml``) and a small code-change table live in the package.

>>> from levelup import geo
>>> geo.resolve("North East").code                        # doctest: +SKIP
'TLC'
>>> geo.regions("lad").shape                              # doctest: +SKIP
(361, 7)
"""

from levelup.geo.aggregate import aggregate, aggregate_level, benchmark
from levelup.geo.itl import children, itl3_under, nuts_to_itl
from levelup.geo.lad import (
    canonical,
    code_changes,
    combined_authorities,
    lad_itl3,
    lads_in_itl3,
    predecessors,
    straddling,
    successor,
)
from levelup.geo.levels import LEVELS, Level, data_level, lad_based
from levelup.geo.peers import Peers, peers
from levelup.geo.places import groups, places
from levelup.geo.resolve import PRECEDENCE, Region, norm, parent_region, regions, resolve, slug

__all__ = [
    "LEVELS",
    "PRECEDENCE",
    "Level",
    "Peers",
    "Region",
    "aggregate",
    "aggregate_level",
    "benchmark",
    "canonical",
    "children",
    "code_changes",
    "data_level",
    "combined_authorities",
    "groups",
    "itl3_under",
    "lad_based",
    "lad_itl3",
    "lads_in_itl3",
    "norm",
    "parent_region",
    "nuts_to_itl",
    "peers",
    "places",
    "predecessors",
    "regions",
    "resolve",
    "slug",
    "straddling",
    "successor",
]
