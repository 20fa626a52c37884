"""levelup.deprivation on a small synthetic nation (no ONS files): hand-worked numbers and bad input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from levelup.analysis import deprivation as dep
from levelup.data.ons.deprivation import derive_decile
from levelup.errors import ParameterError, UnknownRegionError

# 20 small areas; district X has ranks 1, 5, 12, 18, district Y ranks 2, 8, 15, Z the rest.
X, Y, Z = "E06000063", "E07000999", "E07000998"  # X uses Cumberland's LAD 2024 code
RANKS = {X: [1, 5, 12, 18], Y: [2, 8, 15], Z: [3, 4, 6, 7, 9, 10, 11, 13, 14, 16, 17, 19, 20]}
POPS = {X: [60, 80, 300, 560], Y: [150, 250, 350], Z: [100] * 13}


def _areas(relabel: dict[str, str] | None = None) -> pd.DataFrame:
    rows = []
    for lad, ranks in RANKS.items():
        code = (relabel or {}).get(lad, lad)
        for r, p in zip(ranks, POPS[lad]):
            rows.append((f"A{r:02d}", f"area {r}", code, f"district {code}", float(r), float(np.ceil(r / 2)), float(p)))
    out = pd.DataFrame(rows, columns=["code", "name", "lad_code", "lad_name", "rank", "decile", "population"])
    out.attrs = {"nation": "England", "edition": 2025, "index": "IoD2025"}
    return out.sort_values("rank").reset_index(drop=True)


@pytest.fixture
def synthetic(monkeypatch):
    state = {"relabel": None}
    monkeypatch.setattr(dep, "small_areas", lambda nation="england", edition=None, **kw: _areas(state["relabel"]))
    return state


def test_decile_derivation_by_hand():
    # NIMDM: 890 SOAs, 89 in each decile; rank 89 is decile 1, rank 90 decile 2
    d = derive_decile(np.arange(1, 891))
    assert np.bincount(d.astype(int))[1:].tolist() == [89] * 10
    assert derive_decile([89, 90], 890).tolist() == [1, 2]
    # England 2019 (MANIFEST: deciles = ceil(rank / 3284.4)): 3284 -> 1, 3285 -> 2;
    # 9 x 3284.4 = 29559.6, so 29559 -> 9 and 29560 -> 10
    assert derive_decile([1, 3284, 3285, 29559, 29560, 32844], 32844).tolist() == [1, 1, 2, 9, 10, 10]
    # 1,909 areas: 190 in decile 1, then 191 in each (the Welsh Government itself puts 190 in decile 10)
    assert np.bincount(derive_decile(np.arange(1, 1910)).astype(int))[1:].tolist() == [190] + [191] * 9


def test_district_measures_by_hand(synthetic):
    t = dep.deprivation(edition=2025).to_frame().set_index("code")
    x = t.loc[X]
    # reversed ranks 21 - r: 20, 16, 9, 3 with populations 60, 80, 300, 560 (total 1,000)
    assert x["share_most_deprived_10pct"] == 0.25  # only rank 1 is in decile 1
    assert x["average_rank"] == pytest.approx((60 * 20 + 80 * 16 + 300 * 9 + 560 * 3) / 1000)  # 6.86
    # percentiles 5, 25, 60, 90: weights 1, 0.95 - 0.9 * 14 / 19, 0, 0
    assert x["extent"] == pytest.approx((60 * 1 + 80 * (0.95 - 0.9 * 14 / 19)) / 1000)
    # 10% of 1,000 people: all 60 of rank 1 and 40 of the 80 of rank 5
    assert x["local_concentration"] == pytest.approx((60 * 20 + 40 * 16) / 100)  # 18.4
    # Y: reversed 19, 13, 6 with 150, 250, 350; 10% = 75 people, all in rank 2
    assert t.loc[Y, "local_concentration"] == pytest.approx(19)
    assert t.loc[Y, "share_most_deprived_10pct"] == pytest.approx(1 / 3)
    # ranks: 1 = most deprived (highest share, highest average reversed rank)
    assert t.loc[Y, "rank_of_share_most_deprived_10pct"] == 1
    assert t["rank_of_average_rank"].tolist() == list(t["average_rank"].rank(ascending=False))


def test_place_equals_reaggregation_by_hand(synthetic):
    place = dep.deprivation(edition=2025, places={"XY": [X, Y]}).to_frame().iloc[0]
    synthetic["relabel"] = {X: "E07000997", Y: "E07000997"}  # the same areas as one district
    merged = dep.deprivation(edition=2025).to_frame().set_index("code").loc["E07000997"]
    for col in ("n_areas", "share_most_deprived_10pct", "average_rank", "extent", "local_concentration"):
        assert place[col] == pytest.approx(merged[col]), col
    assert place["share_most_deprived_10pct"] == pytest.approx(2 / 7)  # ranks 1 and 2 of 7 areas
    # not an average of district figures: the district mean of average ranks differs
    synthetic["relabel"] = None
    t = dep.deprivation(edition=2025).to_frame().set_index("code")
    assert place["average_rank"] != pytest.approx(t.loc[[X, Y], "average_rank"].mean())
    assert np.isnan(place["rank_of_average_rank"])  # custom places are not ranked


def test_decile_distribution_and_most_deprived(synthetic):
    dist = dep.decile_distribution([X, Y], edition=2025)
    assert dist["n_areas"].tolist() == [2, 0, 1, 1, 0, 1, 0, 1, 1, 0]  # ranks 1,2 | 5 | 8 | 12 | 15 | 18
    assert dist["share_areas"].sum() == pytest.approx(1)
    assert dist.loc[1, "population"] == 60 + 150
    top = dep.most_deprived_areas([X, Y], n=3, edition=2025)
    assert top["rank"].tolist() == [1, 2, 5]


def test_bad_input(synthetic):
    with pytest.raises(ParameterError, match="england, wales, scotland, northern_ireland"):
        dep.deprivation(nation="france")
    with pytest.raises(ParameterError, match=r"no England deprivation index of 2015.*england: 2019, 2025"):
        dep.deprivation(edition=2015)
    with pytest.raises(ParameterError, match="scotland: 2020"):
        dep.deprivation(nation="scotland", edition=2019)
    with pytest.raises(ParameterError, match="unknown level 'itl3'"):
        dep.deprivation(level="itl3", edition=2025)
    with pytest.raises(ParameterError, match="England only"):
        dep.deprivation(level="cauth", nation="wales")
    with pytest.raises(ParameterError, match="positive"):
        dep.most_deprived_areas([X], n=0, edition=2025)
    # a LAD 2019 district that is now part of Cumberland: the error names its vintage and successor
    with pytest.raises(UnknownRegionError, match=r"E07000026 is a LAD 2019 district code.*E06000063 Cumberland"):
        dep.deprivation(edition=2025, places={"Allerdale": ["E07000026"]})
    with pytest.raises(UnknownRegionError, match="Scotland code"):
        dep.decile_distribution(["S12000033"], edition=2025)
    with pytest.raises(UnknownRegionError) as err:
        dep.most_deprived_areas(["E07000996"], edition=2025)
    assert "E07000999" in err.value.suggestions or "E07000998" in err.value.suggestions


def test_nations_and_editions_resolve():
    assert dep.resolve_edition("Northern Ireland") == ("northern_ireland", 2017)
    assert dep.resolve_edition("england") == ("england", 2019)
    assert dep.resolve_edition("scotland", "SIMD2020v2") == ("scotland", 2020)
    assert dep.resolve_edition("england", "2025") == ("england", 2025)


def test_deprivation_is_in_analysis_and_the_old_path_still_works():
    """API.md: ``levelup.analysis.deprivation(level, nation, edition)``; ``levelup.deprivation``
    keeps working for one release with a DeprecationWarning."""
    import levelup.analysis

    assert callable(levelup.analysis.deprivation) and levelup.analysis.deprivation is dep
    with pytest.warns(DeprecationWarning, match="moved to levelup.analysis.deprivation"):
        from levelup.deprivation import most_deprived_areas
    assert most_deprived_areas is dep.most_deprived_areas
