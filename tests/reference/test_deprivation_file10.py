"""Reproduce IoD2019 File 10 (MHCLG's published district summaries) from File 1 and File 6.

Reference numbers: File_10_-_IoD2019_Local_Authority_District_Summaries__lower-tier__.xlsx,
sheet 'IMD' (MHCLG, 26 September 2019; ../shared/ons/deprivation, sha256 e4ade0ca...),
read here with openpyxl. Ours: ``levelup.deprivation.deprivation()``, which re-aggregates the
32,844 LSOA ranks of File 1 with the mid-2015 populations of File 6.

Published precision: proportions and extent to 4 d.p., average rank and local concentration
to 2 d.p. Shares, their ranks, the rank of average rank and the rank of extent match for
every district. Average rank and local concentration match to the 2 d.p. for about four
districts in five; the rest (Bromsgrove, Stafford, Bedford, Breckland, Chorley, Swale, ...:
districts with prisons) differ by at most 0.14 and 0.19 rank points (of 32,844), because
File 6's denominators exclude prisoners while the published summaries were weighted with a
population that differs for those LSOAs; no published file has that population.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import numpy as np
import openpyxl
import pandas as pd
import pytest

from levelup.deprivation import deprivation

FILE10 = "deprivation/File_10_-_IoD2019_Local_Authority_District_Summaries__lower-tier__.xlsx"


@pytest.fixture(scope="module")
def both(ons_dir, data_root):
    wb = openpyxl.load_workbook(ons_dir / FILE10, read_only=True, data_only=True)
    rows = list(wb["IMD"].iter_rows(values_only=True))
    wb.close()
    pub = pd.DataFrame(rows[1:], columns=[str(c).strip() for c in rows[0]])
    pub = pub.set_index("Local Authority District code (2019)")
    ours = deprivation(level="lad", nation="england", edition=2019).to_frame().set_index("code")
    assert set(ours.index) == set(pub.index) and len(pub) == 317
    return ours.loc[pub.index], pub


def _round_half_up(x: float, places: int) -> float:
    return float(Decimal(repr(float(x))).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP))


def test_share_in_most_deprived_10pct_to_4dp(both):
    ours, pub = both
    col = "IMD - Proportion of LSOAs in most deprived 10% nationally"
    rounded = ours["share_most_deprived_10pct"].map(lambda v: _round_half_up(v, 4))
    mismatch = rounded[rounded != pub[col]]
    assert mismatch.empty, mismatch
    rank = "IMD - Rank of proportion of LSOAs in most deprived 10% nationally"
    assert (ours["rank_of_share_most_deprived_10pct"] == pub[rank]).all()
    assert ours.loc["E09000002", "name"] == "Barking and Dagenham"
    assert _round_half_up(ours.loc["E09000002", "share_most_deprived_10pct"], 4) == 0.0364  # 2 of 110 LSOAs


def test_average_rank_and_its_rank(both):
    ours, pub = both
    diff = (ours["average_rank"] - pub["IMD - Average rank"]).abs()
    assert (diff <= 0.005 + 1e-9).sum() >= 255  # 257 of 317 within the published rounding
    assert diff.max() < 0.15  # the rest: prison districts, see the module docstring
    assert (ours["rank_of_average_rank"] == pub["IMD - Rank of average rank"]).all()
    blackpool = ours.index[ours["name"] == "Blackpool"][0]
    assert ours.loc[blackpool, "rank_of_average_rank"] == 1 == pub.loc[blackpool, "IMD - Rank of average rank"]
    # a plain mean of reversed ranks is not the published measure (MANIFEST note)
    plain = (ours["average_rank_unweighted"] - pub["IMD - Average rank"]).abs()
    assert (plain > 1).sum() > 250


def test_extent(both):
    ours, pub = both
    diff = (ours["extent"] - pub["IMD 2019 - Extent"]).abs()
    assert (diff <= 0.00005 + 1e-9).sum() >= 316  # 4 d.p.; Hammersmith and Fulham: 0.0000015 beyond it
    assert diff.max() < 0.0001
    assert (ours["rank_of_extent"] == pub["IMD 2019 - Rank of extent"]).all()


def test_local_concentration(both):
    ours, pub = both
    diff = (ours["local_concentration"] - pub["IMD 2019 - Local concentration"]).abs()
    assert (diff <= 0.005 + 1e-9).sum() >= 265  # 268 of 317 within the published rounding
    assert diff.max() < 0.2
    rank_diff = (ours["rank_of_local_concentration"] - pub["IMD 2019 - Rank of local concentration"]).abs()
    assert rank_diff.max() <= 1 and (rank_diff == 0).sum() >= 315


def test_summary_and_plot(both):
    r = deprivation()
    assert "not comparable across nations" in r.summary()
    assert r.within_nation.startswith("Ranks within England only (IoD2019, 32,844")
    ax = r.plot(n=5)
    assert len(ax.patches) == 5
    assert np.isfinite(r["average_rank"]).all() and r.dropped == ()
