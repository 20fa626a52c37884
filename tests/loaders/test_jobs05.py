"""JOBS05 workforce jobs by region and industry (ONS, 14 September 2021) on the real mirror file."""

import pytest
import xlrd
from _xl import cell, one

from levelup import data

FILE = "jobs05sep2021.xls"


@pytest.fixture(scope="module")
def df(data_root):
    return data.load("jobs05", root=data_root)


def test_regions_quarters_industries(df):
    assert df.groupby("level")["geo_code"].nunique().to_dict() == {"itl1": 12, "nation": 1, "other": 1, "uk": 1}
    assert set(df.loc[df["level"] == "itl1", "geo_code"]) == {f"TL{c}" for c in "CDEFGHIJKLMN"}
    assert df["period"].nunique() == 102  # Mar 1996 ... Jun 2021
    assert df["year"].min() == 1996 and df["year"].max() == 2021
    assert df.groupby("geo_code")["period"].nunique().eq(102).all()
    assert set(df["industry"]) == {*"ABCDEFGHIJKLMNOPQRST", "G-T", "Total"}
    names = df.drop_duplicates("industry").set_index("industry")["industry_name"]
    assert names["Total"] == "All jobs" and names["O"] == "Public admin & defence; compulsory social security"
    assert names["T"] == "People employed by households, etc"  # footnote digit 3 stripped
    assert df["value"].notna().all()
    assert (df["unit"] == "thousands (seasonally adjusted)").all()


def _quarter(path, sheet, row):
    """Column A of ``row`` as 'Mon YYYY', from an Excel date or a text label (read with xlrd)."""
    a = cell(path, sheet, f"A{row}")
    if isinstance(a, float):
        d = xlrd.xldate_as_datetime(a, 0)
        return d.strftime("%b %Y")
    mon, yy = a.split()[:2]
    return f"{mon} 20{yy}"


@pytest.mark.parametrize(
    "sheet, ref, expected, geo, industry",
    [
        ("15. United Kingdom", "X7", 28098.0, "UK", "Total"),  # Mar 1996 (A7 is an Excel date)
        ("1. North East", "C7", 11.0, "TLC", "A"),  # Mar 1996
        ("7. London", "X108", 5909.0, "TLI", "Total"),  # 'Jun 21 (p)'
        ("14. Great Britain", "W70", 25693.0, "GB", "G-T"),  # 'Dec 11 '
        ("10. England", "C79", 299.0, "TLB", "A"),  # 'Mar 14 '
        ("13. Northern Ireland", "Q78", 59.0, "TLN", "O"),  # Dec 2013, an Excel date in A78
        ("12. Scotland", "P103", 214.0, "TLM", "N"),  # 'Mar 20 4 (r)'
    ],
)
def test_values_match_cells(df, ons_dir, sheet, ref, expected, geo, industry):
    path = ons_dir / FILE
    assert cell(path, sheet, ref) == expected
    row = int(ref[1:])
    # the section letter of the column is in row 6
    code = cell(path, sheet, f"{ref[0]}6")
    assert {"A-T": "Total"}.get(code, code) == industry
    assert one(df, geo_code=geo, period=_quarter(path, sheet, row), industry=industry) == expected


def test_flags(df):
    jun21 = df[df["period"] == "Jun 2021"]
    assert (jun21["flag"] == "(p)").all()
    assert (df.loc[df["period"] == "Mar 2020", "flag"] == "(r)").all()
    assert (df.loc[df["period"] == "Jun 2019", "flag"] == "").all()


def test_sections_add_up(df):
    """Sections A-T sum to all jobs (A-T) and G-T to total services, within rounding."""
    wide = df.pivot_table(index=["geo_code", "period"], columns="industry", values="value")
    secs = list("ABCDEFGHIJKLMNOPQRST")
    assert (wide[secs].sum(axis=1) - wide["Total"]).abs().max() <= 15
    assert (wide[secs[6:]].sum(axis=1) - wide["G-T"]).abs().max() <= 15


def test_indicator_takes_june(df, data_root):
    wide = data.indicator("jobs", "itl1", root=data_root)
    assert wide.shape == (12, 26)
    assert wide.loc["TLI", 2021] == 5909.0  # Jun 2021, '7. London' X108
    assert wide.loc["TLC", 1996] == one(df, geo_code="TLC", period="Jun 1996", industry="Total")
