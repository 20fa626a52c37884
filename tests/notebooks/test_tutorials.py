"""Tutorials: committed clean, execute top to bottom on the real data, key numbers checked.

Each tutorial ends with a cell that prints ``KEY_NUMBERS {json}``; the tests below read that line
from the executed notebook and recompute every number through ``levelup`` (an independent route
from the notebook's own code), and pin the headline facts (signs and sizes) so that a silent change
in a model or a data release shows up here.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import nbformat
import numpy as np
import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[2]
TUTORIALS = ROOT / "notebooks" / "tutorials"
NAMES = [
    "01_ons_regional_data",
    "02_beta_sigma_convergence",
    "03_convergence_clubs",
    "04_shift_share",
    "05_shift_share_iv",
    "06_inequality_and_space",
    "07_growth_scenarios",
    "08_pockets_of_deprivation",
]
ALL = [n for name in NAMES for n in (name, f"{name}_solutions")]
CELL_TIMEOUT = 60  # seconds: every tutorial must run in well under a minute


# ----------------------------------------------------------------------------- static checks (fast)
@pytest.mark.parametrize("name", ALL)


def test_committed_without_outputs(name):
    nb = nbformat.read(TUTORIALS / f"{name}.ipynb", as_version=4)
    nbformat.validate(nb)
    dirty = [i for i, c in enumerate(nb.cells) if c.cell_type == "code" and (c.outputs or c.execution_count)]
    assert not dirty, f"{name}: cells {dirty} have outputs; run nbstripout before committing"


@pytest.mark.parametrize("name", NAMES)
def test_tutorial_ends_with_exercises_and_key_numbers(name):
    nb = nbformat.read(TUTORIALS / f"{name}.ipynb", as_version=4)
    last = nb.cells[-1]
    assert last.cell_type == "markdown" and last.source.startswith("## Exercises")
    assert f"{name}_solutions.ipynb" in last.source
    n_exercises = sum(1 for line in last.source.splitlines() if line[:3] in {"1. ", "2. ", "3. "})
    assert 2 <= n_exercises <= 3
    assert any("KEY_NUMBERS" in c.source for c in nb.cells if c.cell_type == "code")


# ----------------------------------------------------------------------------- execution (slow)
async def _run_all(names: list[str], workers: int = 4) -> dict[str, tuple[nbformat.NotebookNode, str | None]]:
    from nbclient import NotebookClient

    sem = asyncio.Semaphore(workers)
    out: dict[str, tuple[nbformat.NotebookNode, str | None]] = {}

    async def one(name: str) -> None:
        nb = nbformat.read(TUTORIALS / f"{name}.ipynb", as_version=4)
        async with sem:
            client = NotebookClient(nb, timeout=CELL_TIMEOUT, kernel_name="python3",
                                    resources={"metadata": {"path": str(TUTORIALS)}})
            try:
                await client.async_execute()
                out[name] = (nb, None)
            except Exception as exc:  # noqa: BLE001 - reported per notebook by the tests
                out[name] = (nb, f"{type(exc).__name__}: {str(exc)[-2000:]}")

    await asyncio.gather(*(one(n) for n in names))
    return out


@pytest.fixture(scope="module")
def executed(ons_dir, reference_dir):
    """Every tutorial and solutions notebook, executed once, four kernels at a time."""
    return asyncio.run(_run_all(ALL))


def key_numbers(executed, name: str) -> dict:
    nb, error = executed[name]
    assert error is None, f"{name} failed: {error}"
    for cell in nb.cells:
        for o in cell.get("outputs", []):
            if o.get("name") == "stdout" and "KEY_NUMBERS " in o.get("text", ""):
                line = next(ln for ln in o["text"].splitlines() if ln.startswith("KEY_NUMBERS "))
                return json.loads(line[len("KEY_NUMBERS "):])
    raise AssertionError(f"{name} printed no KEY_NUMBERS line")


@pytest.mark.slow
@pytest.mark.shared
@pytest.mark.parametrize("name", ALL)
def test_notebook_executes(executed, name):
    nb, error = executed[name]
    assert error is None, f"{name} failed: {error}"
    errors = [o for c in nb.cells for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert not errors


def _indicator(measure, level):
    from levelup.data import indicator

    return indicator(measure, level)


@pytest.mark.slow
@pytest.mark.shared
def test_01_data_numbers(executed):
    from levelup.analysis import series

    k = key_numbers(executed, "01_ons_regional_data")
    gdp = _indicator("gdp_per_head", "itl3")
    uk = _indicator("gdp_per_head", "uk").iloc[0]
    assert k["n_itl3"] == 179 == len(gdp)
    assert k["uk_gdp_per_head_2021"] == pytest.approx(uk[2021]) == 33967  # GDP workbook Table 7, UK 2021
    ne = _indicator("gdp_per_head", "itl1").loc["TLC", 2021]
    assert k["north_east_gdp_per_head_index_2021"] == pytest.approx(100 * ne / uk[2021], rel=1e-12)
    assert 70 < k["north_east_gdp_per_head_index_2021"] < 75
    # a custom place = total GDP / total population of its members (second route: Table 5 / Table 6)
    members = ["TLC11", "TLC12", "TLC13"]
    by_hand = _indicator("gdp", "itl3").loc[members, 2021].sum() * 1e6 / _indicator("population", "itl3").loc[members, 2021].sum()
    assert k["tees_gdp_per_head_2021"] == pytest.approx(by_hand, rel=1e-4)
    assert k["tees_gdp_per_head_2021"] == pytest.approx(series("gdp_per_head", "TEES", level="place")[2021])
    real = _indicator("real_gdp_per_head", "uk").iloc[0]
    assert k["uk_real_growth_pct"] == pytest.approx(100 * ((real[2021] / real[1998]) ** (1 / 23) - 1))


@pytest.mark.slow
@pytest.mark.shared
def test_02_convergence_numbers(executed):
    import statsmodels.api as sm

    from levelup.models import convergence as cv

    k = key_numbers(executed, "02_beta_sigma_convergence")
    p = _indicator("real_gdp_per_head", "itl3")
    # second route: statsmodels OLS with HC1 on the same regression written out here
    g = (np.log(p[2021]) - np.log(p[1998])) / 23
    fit = sm.OLS(g, sm.add_constant(np.log(p[1998]).rename("ln0"))).fit(cov_type="HC1")
    assert k["beta_itl3"] == pytest.approx(fit.params["ln0"], rel=1e-9)
    assert k["se_itl3"] == pytest.approx(fit.bse["ln0"], rel=1e-9)
    assert k["n_itl3"] == 179
    # the headline: no beta convergence across ITL3 1998-2021 (beta ~ +0.0005, p ~ 0.84) ...
    assert abs(k["beta_itl3"]) < 0.002 and k["p_itl3"] > 0.5
    assert k["beta_itl3"] == pytest.approx(0.000538, abs=5e-6)
    # ... positive at ITL1 and ITL2, but convergence outside London
    for lv in ("itl1", "itl2"):
        q = _indicator("real_gdp_per_head", lv)
        assert k[f"beta_{lv}"] == pytest.approx(cv.beta(q[1998], q[2021], years=23).beta, rel=1e-12)
        assert k[f"beta_{lv}"] > 0
    assert k["beta_itl3_ex_london"] < 0 and k["p_itl3_ex_london"] < 0.05
    # sigma divergence: population sd (ddof 0) of logs, computed here with numpy
    for y in (1998, 2021):
        assert k[f"sigma_itl3_{y}"] == pytest.approx(np.log(p[y]).std(ddof=0), rel=1e-12)
    assert k["sigma_itl3_2021"] > k["sigma_itl3_1998"] and k["sigma_trend_itl3"] > 0


def _hp_trend(panel: pd.DataFrame) -> pd.DataFrame:
    from statsmodels.tsa.filters.hp_filter import hpfilter

    return np.log(panel).apply(lambda r: pd.Series(hpfilter(r.to_numpy(), lamb=400)[1], index=r.index), axis=1)


@pytest.mark.slow
@pytest.mark.shared
def test_03_clubs_numbers(executed):
    from levelup.models import convergence as cv

    k = key_numbers(executed, "03_convergence_clubs")
    trend = _hp_trend(_indicator("real_gdp_per_head", "itl3"))
    lt = cv.log_t(trend)
    assert k["log_t_tvalue"] == pytest.approx(lt.tvalue, rel=1e-9) and lt.tvalue < -1.65
    cl, merged = cv.clubs(trend), cv.clubs(trend, merge="ps")
    assert k["club_sizes"] == [len(c) for c in cl.clubs] and sum(k["club_sizes"]) + len(k["divergent"]) == 179
    assert k["divergent"] == cl.divergent == ["TLI31", "TLI32"]  # Camden & City, Westminster
    assert k["club_sizes_ps"] == [len(c) for c in merged.clubs]
    assert k["n_clubs_ps"] < k["n_clubs"]


@pytest.mark.slow
@pytest.mark.shared
def test_04_shift_share_numbers(executed):
    from levelup.data import load
    from levelup.models import shiftshare as ss

    k = key_numbers(executed, "04_shift_share")
    # REAT 3.0.3 shift() example (Farhauer and Kroell), region A: 27, 1, -3
    assert k["textbook"] == pytest.approx({"national": 27, "industry_mix": 1, "competitive": -3}, abs=1e-9)
    jobs = load("jobs05")
    jobs = jobs[jobs["period"].isin(["Jun 1996", "Jun 2021"]) & (jobs["industry"].str.len() == 1)]
    tab = jobs.pivot_table(index="industry", columns=["geo_code", "year"], values="value")
    for code, key in [("TLC", "north_east"), ("TLG", "west_midlands")]:
        r = ss.dunn(tab[(code, 1996)], tab[(code, 2021)], tab[("UK", 1996)], tab[("UK", 2021)])
        got = k[key]
        assert got["growth"] == pytest.approx(tab[(code, 2021)].sum() - tab[(code, 1996)].sum())
        for part in ("national", "industry_mix", "competitive"):
            assert got[part] == pytest.approx(getattr(r, part), rel=1e-12)
        # deindustrialisation: both mix and competitive shares negative
        assert got["industry_mix"] < 0 and got["competitive"] < 0
        assert sum(got[p] for p in ("national", "industry_mix", "competitive")) == pytest.approx(got["growth"])
    assert (k["ne_manufacturing_1996"], k["ne_manufacturing_2021"]) == (tab.loc["C", ("TLC", 1996)], tab.loc["C", ("TLC", 2021)])


@pytest.mark.slow
@pytest.mark.shared
def test_05_ssiv_numbers(executed):
    k = key_numbers(executed, "05_shift_share_iv")
    # ShiftShareSE 1.1 ivreg_ss on ADH (see tests/reference/test_shiftshare_reference.py for the call)
    assert k["coef"] == pytest.approx(-0.7742266588, rel=1e-8)
    expected = {"homoscedastic": 0.1069532033, "ehw": 0.1647891538, "region_cluster": 0.1758095746,
                "akm": 0.2403730450, "akm0": 0.3318966159}
    assert k["se"] == pytest.approx(expected, rel=1e-8)
    assert k["se"]["akm"] > k["se"]["ehw"] > k["se"]["homoscedastic"]
    # bartik.weight (GPSS) ADH example: top Rotemberg weight (2000, SIC 3571) = 0.140442249
    assert k["rotemberg_top"] == "2000/3571"
    assert k["rotemberg_top_alpha"] == pytest.approx(0.140442249, rel=1e-8)
    assert k["n_sectors"] == 770


@pytest.mark.slow
@pytest.mark.shared
@pytest.mark.filterwarnings("ignore:The weights matrix is not fully connected")  # Northern Ireland
def test_06_inequality_numbers(executed):
    import esda
    import libpysal

    from levelup.models import spatial as sp

    k = key_numbers(executed, "06_inequality_and_space")
    y = _indicator("gdp_per_head", "itl3")[2021]
    w = _indicator("population", "itl3")[2021]
    # Gini by the mean-difference formula, written out here
    yy = y.to_numpy()
    assert k["gini_2021"] == pytest.approx(np.abs(yy[:, None] - yy[None, :]).mean() / (2 * yy.mean()), rel=1e-10)
    s = (w / w.sum()).to_numpy()
    wg = (s[:, None] * s[None, :] * np.abs(yy[:, None] - yy[None, :])).sum() / (2 * (s * yy).sum())
    assert k["gini_weighted_2021"] == pytest.approx(wg, rel=1e-10)
    # Theil T between ITL1: sum_g Y_g ln(mu_g / mu), by hand
    inc = y * w
    grp = y.index.str[:3]
    Yg = inc.groupby(grp).sum() / inc.sum()
    mug = inc.groupby(grp).sum() / w.groupby(grp).sum()
    assert k["theil_between_itl1"] == pytest.approx((Yg * np.log(mug / (inc.sum() / w.sum()))).sum(), rel=1e-10)
    assert 0.15 < k["theil_between_itl1"] / (k["theil_between_itl1"] + k["theil_within_itl1"]) < 0.25
    assert k["theil_between_nations"] < 0.01
    # Moran's I: esda on the same weights (second route)
    W = sp.contiguity("itl3")
    ref = esda.Moran(np.log(y.reindex(W.id_order)).to_numpy(), libpysal.weights.W(W.neighbors, W.weights), permutations=0)
    assert k["moran_I"] == pytest.approx(ref.I, rel=1e-10)
    assert 0.25 < k["moran_I"] < 0.4 and k["moran_p_sim"] <= 0.01
    assert sum(k["lisa_counts"].values()) == 179 and k["lisa_counts"]["High-High"] >= 5


@pytest.mark.slow
@pytest.mark.shared
def test_07_scenario_numbers(executed):
    import math

    k = key_numbers(executed, "07_growth_scenarios")
    uk = _indicator("real_gdp_per_head", "uk").iloc[0]
    ne = _indicator("real_gdp_per_head", "itl1").loc["TLC"]
    g = (uk[2021] / uk[1998]) ** (1 / 23) - 1
    r = ne[2021] / uk[2021]
    assert k["uk_trend_growth"] == pytest.approx(g, rel=1e-12)
    assert k["north_east_ratio_2021"] == pytest.approx(r, rel=1e-12)
    for rate, key in [(0.01, "north_east_years_at_1pct"), (0.03, "north_east_years_at_3pct")]:
        assert k[key] == pytest.approx(math.log(1 / r) / math.log((1 + rate) / (1 + g)), rel=1e-12)
    assert 14 < k["north_east_years_at_3pct"] < 17 and k["north_east_years_at_1pct"] > 200
    assert k["north_east_growth_for_2030"] == pytest.approx((1 + g) * r ** (-1 / 9) - 1, rel=1e-12)


@pytest.mark.slow
@pytest.mark.shared
def test_08_deprivation_numbers(executed):
    from levelup.deprivation import small_areas

    k = key_numbers(executed, "08_pockets_of_deprivation")
    a = small_areas("england", 2019)
    mid = a[a["lad_code"] == "E06000002"]
    assert k["middlesbrough_share_most_deprived_10pct"] == pytest.approx((mid["decile"] == 1).mean(), abs=1e-12)
    # IoD2019 File 10: Middlesbrough rank 1 on the share in the most deprived 10% (0.4884),
    # Blackpool rank 1 on average rank and on local concentration
    assert k["middlesbrough_share_most_deprived_10pct"] == pytest.approx(0.4884, abs=5e-5)
    assert k["middlesbrough_rank_of_share"] == 1
    assert k["blackpool_rank_of_average_rank"] == 1 == k["blackpool_rank_of_local_concentration"]
    bp = a[a["lad_code"] == "E06000009"]
    assert k["blackpool_n_decile_1"] == int((bp["decile"] == 1).sum()) == 39
    assert k["blackpool_most_deprived_lsoa"] == bp.sort_values("rank")["code"].iloc[0]


@pytest.fixture(autouse=True)
def _tutorial_releases():
    """The tutorials are written on the April 2023 GDP and June 2023 productivity releases (their first
    cell pins them with ``pin_releases``); the numbers checked here are read from the same releases."""
    from levelup.data import as_of

    with as_of("2023-06"):
        yield
