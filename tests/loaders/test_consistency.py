"""Cross-checks between ONS tables: the numbers must add up the way the ONS says they do."""

import pytest

from levelup import data


@pytest.fixture(scope="module")
def gdp(data_root):
    return data.load("gdp", root=data_root)


def _series(df, measure, level=None):
    sel = df[df["measure"] == measure]
    if level:
        sel = sel[sel["level"] == level]
    return sel.set_index(["geo_code", "year"])["value"]


@pytest.mark.parametrize("measure", ["gdp", "gva_total"])
def test_itl3_sums_to_itl2_and_itl1_every_year(gdp, measure):
    itl3, itl2, itl1 = (_series(gdp, measure, lv) for lv in ("itl3", "itl2", "itl1"))
    years = sorted(gdp["year"].unique())
    assert years == list(range(1998, 2022))
    for parent, n in ((itl2, 4), (itl1, 3)):
        parents = itl3.groupby([itl3.index.get_level_values(0).str[:n], itl3.index.get_level_values(1)]).sum()
        parents.index.names = ["geo_code", "year"]
        assert set(parents.index) == set(parent.index)  # every region, every year
        diff = (parents - parent.reindex(parents.index)).abs()
        # published in whole GBP million, so each of up to ~25 ITL3 terms carries 0.5 rounding
        assert diff.max() <= 5, diff.idxmax()
    # ITL1 plus Extra-Regio is the UK
    uk = itl1.groupby(level="year").sum() + _series(gdp, measure).xs("TLZ", level="geo_code")
    assert (uk - _series(gdp, measure).xs("UK", level="geo_code")).abs().max() <= 5


def test_population_times_gdp_per_head_is_gdp(gdp):
    gdp_m = _series(gdp, "gdp")
    implied = _series(gdp, "population") * _series(gdp, "gdp_per_head") / 1e6
    implied = implied.dropna()  # Extra-Regio has no population
    assert len(implied) == 235 * 24
    # rounding bound: GDP is in whole GBP million (0.5) and GDP per head in whole pounds (0.5 x population)
    bound = 0.5 + 0.5 * _series(gdp, "population").reindex(implied.index) / 1e6
    assert ((implied - gdp_m.reindex(implied.index)).abs() <= bound + 1e-9).all()


def test_real_gdp_per_head_times_population(gdp):
    implied = (_series(gdp, "population") * _series(gdp, "real_gdp_per_head") / 1e6).dropna()
    real = _series(gdp, "real_gdp").reindex(implied.index)
    assert ((implied - real).abs() / real).max() < 1e-3


def test_gva_by_industry_total_equals_gdp_table_1(gdp, data_root):
    ind = data.load("gva_industry", root=data_root)
    total = ind[(ind["measure"] == "gva") & (ind["industry"] == "Total")].set_index(["geo_code", "year"])["value"]
    t1 = _series(gdp, "gva_total")
    for lv in ("itl1", "itl2", "itl3"):
        codes = set(gdp.loc[gdp["level"] == lv, "geo_code"])
        sel = total[total.index.get_level_values(0).isin(codes)]
        assert len(sel) == len(codes) * 24
        assert (sel - t1.reindex(sel.index)).abs().max() <= 1, lv
    assert total.loc[("UK", 2021)] == t1.loc[("UK", 2021)] == 2040499


def test_gdhi_per_head_times_population(data_root):
    g = data.load("gdhi", root=data_root)
    implied = (_series(g, "gdhi_population") * _series(g, "gdhi_per_head") / 1e6).dropna()
    total = _series(g, "gdhi").reindex(implied.index)
    bound = 0.5 + 0.5 * _series(g, "gdhi_population").reindex(implied.index) / 1e6  # rounding, as above
    assert len(implied) == 234 * 26 - 88 and ((implied - total).abs() <= bound + 1e-9).all()


def test_productivity_jobs_times_gva_per_job_is_gva(data_root, gdp):
    """ITL1 GVA per filled job x filled jobs = GVA (GDP Table 1), a cross-publication check."""
    p = data.load("productivity", root=data_root)
    implied = (_series(p, "gva_per_job", "itl1") * _series(p, "filled_jobs", "itl1") / 1e6)
    gva = _series(gdp, "gva_total").reindex(implied.index)
    assert ((implied - gva).abs() / gva).max() < 0.01
