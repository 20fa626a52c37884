"""ONS Explore Local Statistics datasets (../shared/ons/local-indicators/*.csv).

Every expected number is read from a named line of the CSV with the csv module (tests/loaders/_xl.py
csv_cell), independently of the parser, and compared with what load() and indicator() return.
"""

from __future__ import annotations

import pytest
from _xl import csv_cell

from levelup import data
from levelup.errors import LayoutError

LI = "local-indicators"


def _row(df, **where):
    sel = df
    for k, v in where.items():
        sel = sel[sel[k] == v]
    assert len(sel) == 1, f"{len(sel)} rows match {where}"
    return sel.iloc[0]


def _num(ons_dir, name, line, column):
    return float(csv_cell(ons_dir / LI / name, line, column))


def test_pay_with_confidence_interval(data_root, ons_dir):
    # gross-median-weekly-pay.csv line 135: E06000001 Hartlepool, 2025-04-30 (published as a unitary
    # authority under "County or Unitary Authority"): 533.9, 95% CI 459.602476 to 608.197524
    f = "gross-median-weekly-pay.csv"
    assert csv_cell(ons_dir / LI / f, 135, "areacd") == "E06000001"
    pay = data.load("els_pay", root=data_root)
    r = _row(pay, geo_code="E06000001", year=2025, measure="median_weekly_pay")
    assert r["level"] == "lad" and r["period"] == csv_cell(ons_dir / LI / f, 135, "period") == "2025-04-30"
    assert (r["value"], r["lower"], r["upper"]) == (
        _num(ons_dir, f, 135, "observation"), _num(ons_dir, f, 135, "lci_95"), _num(ons_dir, f, 135, "uci_95"))
    # the same through indicator(): the newest pay release is the default at lad, bounds by bound=
    w = data.indicator("median_weekly_pay", "lad", root=data_root)
    assert w.attrs["vintage"] == "2025-10" and w.loc["E06000001", 2025] == 533.9
    assert data.indicator("median_weekly_pay", "lad", bound="lower", root=data_root).loc["E06000001", 2025] == \
        _num(ons_dir, f, 135, "lci_95")
    assert data.indicator("median_weekly_pay", "lad", bound="upper", root=data_root).loc["E06000001", 2025] == \
        _num(ons_dir, f, 135, "uci_95")
    # line 75: E12000001 North East (an English region) 2025 = 577.9, at its ITL1 code TLC
    assert csv_cell(ons_dir / LI / f, 75, "areacd") == "E12000001"
    r = _row(pay, geo_code="TLC", year=2025, measure="median_weekly_pay")
    assert r["level"] == "itl1" and r["ons_code"] == "E12000001" and r["value"] == _num(ons_dir, f, 75, "observation")


def test_employment_inactivity_unemployment(data_root, ons_dir):
    f = "employment-rate.csv"
    # line 7667: S12000049 Glasgow City, Employment rate 2023 = 71.2 (66.6 to 75.8)
    assert csv_cell(ons_dir / LI / f, 7667, "areacd") == "S12000049"
    for bound, col in ((None, "observation"), ("lower", "lci_95"), ("upper", "uci_95")):
        w = data.indicator("employment_rate", "lad", bound=bound, root=data_root)
        assert w.loc["S12000049", 2023] == _num(ons_dir, f, 7667, col)
    # line 9107: E47000004 Liverpool City Region, Economically inactive 2023 = 24.2 (22.1 to 26.3)
    assert csv_cell(ons_dir / LI / f, 9107, "indicator") == "Economically inactive"
    w = data.indicator("inactivity_rate", "cauth", root=data_root)
    assert w.loc["E47000004", 2023] == _num(ons_dir, f, 9107, "observation")
    assert data.indicator("inactivity_rate", "cauth", bound="upper", root=data_root).loc["E47000004", 2023] == \
        _num(ons_dir, f, 9107, "uci_95")
    # modelled-unemployment.csv line 4182: E09000002 Barking and Dagenham 2023 = 6.8 (4.8 to 8.8)
    g = "modelled-unemployment.csv"
    assert csv_cell(ons_dir / LI / g, 4182, "areacd") == "E09000002"
    assert data.indicator("unemployment_rate", "lad", root=data_root).loc["E09000002", 2023] == \
        _num(ons_dir, g, 4182, "observation")
    assert data.indicator("unemployment_rate", "lad", bound="lower", root=data_root).loc["E09000002", 2023] == \
        _num(ons_dir, g, 4182, "lci_95")
    # Northern Ireland councils come from employment-rate-ni.csv (NISRA), in the same source
    emp = data.load("els_employment", root=data_root)
    assert emp.loc[(emp["level"] == "lad") & emp["geo_code"].str.startswith("N09"), "geo_code"].nunique() == 11
    assert not emp.duplicated(["geo_code", "measure", "period"]).any()


def test_claimant_business_poverty_health(data_root, ons_dir):
    # claimant-count.csv line 458: E08000024 Sunderland 2025 = 3.9 (per cent of residents aged 16-64)
    f = "claimant-count.csv"
    assert csv_cell(ons_dir / LI / f, 458, "areacd") == "E08000024"
    w = data.indicator("claimant_rate", "lad", root=data_root)
    assert w.loc["E08000024", 2025] == _num(ons_dir, f, 458, "observation")
    assert "per cent" in w.attrs["unit"]
    # business-demography.csv line 44: E06000001 Hartlepool, Business births 2024
    f = "business-demography.csv"
    assert csv_cell(ons_dir / LI / f, 44, "indicator") == "Business births"
    assert data.indicator("business_birth_rate", "lad", root=data_root).loc["E06000001", 2024] == \
        _num(ons_dir, f, 44, "observation")
    # children-in-relative-poverty.csv line 2414: S12000049 Glasgow City, after housing costs, 2024/25
    f = "children-in-relative-poverty.csv"
    assert csv_cell(ons_dir / LI / f, 2414, "period") == "2024-04-01/P1Y"
    assert data.indicator("child_poverty_ahc", "lad", root=data_root).loc["S12000049", 2024] == \
        _num(ons_dir, f, 2414, "observation")
    # healthy-life-expectancy.csv line 89: Hartlepool, male, 2020-2022 (a three-year period) = 54.5 (51.6-57.4)
    f = "healthy-life-expectancy.csv"
    assert csv_cell(ons_dir / LI / f, 89, "period") == "2020-01-01/P3Y"
    hle = data.load("els_healthy_life_expectancy", root=data_root)
    r = _row(hle, geo_code="E06000001", measure="healthy_life_expectancy_male", year=2020)
    assert r["period"] == "2020-01-01/P3Y"
    assert (r["value"], r["lower"], r["upper"]) == (
        _num(ons_dir, f, 89, "observation"), _num(ons_dir, f, 89, "lci_95"), _num(ons_dir, f, 89, "uci_95"))


def test_itl_2025_codes_are_never_silently_matched(data_root, ons_dir):
    f = "gdp-per-head.csv"  # capitalised header: AREACD, Observation, Period, ...
    gdp = data.load("els_gdp_per_head", root=data_root)
    cur = gdp[gdp["measure"] == "gdp_per_head"]
    # line 9518: TLC31 (ITL 2025) Hartlepool and Stockton-on-Tees, 2016 = 24,719 -> ITL 2021 TLC11
    assert csv_cell(ons_dir / LI / f, 9518, "AREACD") == "TLC31"
    r = _row(cur, ons_code="TLC31", year=2016)
    assert (r["geo_code"], r["level"]) == ("TLC11", "itl3") and r["value"] == _num(ons_dir, f, 9518, "Observation")
    # second route for that identity: ONS's own values for the two councils of ITL 2021 TLC11 (lines 66
    # and 161: Hartlepool E06000001, Stockton-on-Tees E06000004, 2016), weighted by their populations
    # in the April 2025 local-authority workbook, give the ITL 2025 unit's value
    lad = data.load("lad_gdp", root=data_root)
    pop = lad[(lad["measure"] == "population") & (lad["year"] == 2016)].set_index("geo_code")["value"]
    assert csv_cell(ons_dir / LI / f, 66, "AREACD") == "E06000001" and csv_cell(ons_dir / LI / f, 161, "AREACD") == "E06000004"
    h, s = _num(ons_dir, f, 66, "Observation"), _num(ons_dir, f, 161, "Observation")
    by_hand = (h * pop["E06000001"] + s * pop["E06000004"]) / (pop["E06000001"] + pop["E06000004"])
    assert by_hand == pytest.approx(r["value"], abs=1.0)
    # line 15324: TLM93 is an ITL 2021 code that ITL 2025 redrew (North Ayrshire and East Ayrshire now
    # with Arran and Cumbrae): kept apart under TLM93@ITL2025, never as the ITL 2021 unit TLM93
    assert csv_cell(ons_dir / LI / f, 15324, "AREANM") == "North Ayrshire and East Ayrshire"
    r = _row(cur, ons_code="TLM93", year=2022)
    assert (r["geo_code"], r["level"]) == ("TLM93@ITL2025", "other") and r["value"] == _num(ons_dir, f, 15324, "Observation")
    assert not ((cur["geo_code"] == "TLM93") & (cur["level"] == "itl3")).any()
    # line 11112: TLF21 Leicester is the same code and area in both editions
    assert _row(cur, geo_code="TLF21", year=2022)["value"] == _num(ons_dir, f, 11112, "Observation")
    # every itl2/itl3 row is an ITL 2021 unit of levelup's lookup; ITL 2025-only units are 'other'
    lk = data.load("lad_itl_lookup", root=data_root)
    assert set(cur.loc[cur["level"] == "itl3", "geo_code"]) <= set(lk["itl3"])
    assert set(cur.loc[cur["level"] == "itl2", "geo_code"]) <= set(lk["itl2"])
    assert _row(cur, ons_code="TLD13", year=2022)["level"] == "other"  # Cumberland, ITL 2025 only
    # line 9501: E47000006 Tees Valley, published under "ITL Level 2": a combined authority
    assert csv_cell(ons_dir / LI / f, 9501, "Geography") == "ITL Level 2"
    r = _row(cur, geo_code="E47000006", year=2022)
    assert r["level"] == "cauth" and r["value"] == _num(ons_dir, f, 9501, "Observation")
    # indicator() at itl3 for this release says which units it lacks and is not the default
    w = data.indicator("gdp_per_head", "itl3", vintage="2025-04", root=data_root)
    assert "ITL 2025" in w.attrs["note"] and len(w) == 158
    assert data.indicator("gdp_per_head", "itl3", root=data_root).attrs["vintage"] != "2025-04"


def test_gva_series_are_the_smoothed_ones(data_root, ons_dir):
    """ONS's local-indicators GVA per hour equals Table A3 (smoothed) of the June 2025 workbook."""
    from _xl import cell

    gva = data.load("els_gva", root=data_root)
    r = _row(gva, geo_code="E47000006", year=2023, measure="gva_per_hour_smoothed")
    # labourproductivitycaeer3.xlsx A3 V11: Tees Valley, smoothed GBP per hour 2023 (2 decimals)
    assert cell(ons_dir / "productivity-2025/labourproductivitycaeer3.xlsx", "A3", "A11") == "E47000006"
    assert r["value"] == pytest.approx(cell(ons_dir / "productivity-2025/labourproductivitycaeer3.xlsx", "A3", "V11"),
                                       abs=0.005)
    assert not (gva["measure"] == "gva_per_hour").any()


def test_layout_errors_name_the_problem(tmp_path):
    from levelup.data.ons import local_indicators as li

    p = tmp_path / "x.csv"
    p.write_text("areacd,areanm,geography,indicator,period,observation,measure,unit,lci_95,uci_95,status,notes\n"
                 "E06000001,Hartlepool,Local Authority District,Gross median hourly pay,2025-04-30,1,Pounds,£,,,,\n")
    with pytest.raises(LayoutError, match="Gross median hourly pay"):
        li.read_csv(p)
    p.write_text("areacd,areanm,indicator\nE06000001,Hartlepool,Claimant Count\n")
    with pytest.raises(LayoutError, match="missing"):
        li.read_csv(p)
