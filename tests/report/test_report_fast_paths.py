"""The report's fast paths give what the library functions give (second route: levelup.deprivation)."""

from __future__ import annotations

import pandas as pd
import pytest


@pytest.mark.parametrize("lads", [["E06000001"], ["E08000012", "E08000011", "E06000063"]])
def test_deprivation_tables_equal_the_library(ons_dir, lads):
    from levelup.deprivation import decile_distribution, most_deprived_areas
    from levelup.report.model_sections import _deprivation_tables

    dist, top = _deprivation_tables(lads)
    lib = decile_distribution(lads)
    pd.testing.assert_frame_equal(dist, lib[["n_areas", "share_areas"]])
    pd.testing.assert_frame_equal(top, most_deprived_areas(lads, n=5), check_like=False)
