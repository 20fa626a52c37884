"""Small-area deprivation indices of the four UK nations, in the tidy schema.

One parser for five registered sources (dispatch on ``source.id``):

========== ======================================================== ==================
source     files (in registry order)                                small areas
========== ======================================================== ==================
imd2019    File 1 (sheet ``IMD2019``), File 6 (``Population          32,844 LSOA 2011
           Denominators``), File 10 (``IMD``: district summaries)
imd2025    File 1 (sheet ``IMD25``)                                 33,755 LSOA 2021
wimd2019   ODS, sheets ``WIMD_2019_ranks`` (header row 3) and        1,909 LSOA 2011
           ``Deciles_quintiles_quartiles``
simd2020   ranks (``SIMD 2020v2 ranks``), data zone lookup           6,976 data zones
           (``SIMD 2020v2 DZ lookup data``)                          2011
nimdm2017  XLS, sheet ``MDM``                                        890 SOA 2001
========== ======================================================== ==================

Output (tidy schema plus): small areas at level ``"lsoa"`` whatever the nation calls them
(``area_type`` says: ``LSOA 2011``, ``LSOA 2021``, ``data zone 2011``, ``SOA 2001``),
``year`` = the edition's year, ``nation``, ``edition`` (``IoD2019`` ...), the area's
local authority ``lad_code``, ``lad_name``, ``lad_vintage`` (``LAD 2019``, ``LAD 2024``,
``council area S12``, ``LGD 2014``), ``domain`` and ``decile_derived``.

Measures: ``imd_rank`` (1 = most deprived, within the nation), ``imd_decile`` (1 = most
deprived 10%; derived as ``ceil(10 * rank / N)`` where the nation publishes none: Northern
Ireland; ``decile_derived`` is True on those rows), ``domain_rank`` (one row per published
domain, the domain's slug in ``domain``: ``income``, ``employment``, ``health``,
``education``, ``access_to_services``, ``housing``, ``community_safety``,
``physical_environment``, ``crime``, ``living_environment``), ``population`` where the
publisher gives it (England 2019: File 6 total mid-2015 excluding prisoners; Scotland:
``Total_population``, the 2017 mid-year estimate SIMD uses).

File 10 of IoD2019 adds rows at level ``"lad"`` (LAD 2019 codes) with the published
district summaries of the IMD: ``average_rank``, ``rank_of_average_rank``,
``average_score``, ``rank_of_average_score``, ``share_most_deprived_10pct``,
``rank_of_share_most_deprived_10pct``, ``extent``, ``rank_of_extent``,
``local_concentration``, ``rank_of_local_concentration``, exactly as published, so that
``levelup.deprivation`` can be checked against them.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from levelup.data.ons._excel import Workbook, expect_header, to_number
from levelup.errors import LayoutError

PARSER_VERSION = 1

RANK_UNIT = "rank (1 = most deprived)"
DECILE_UNIT = "decile (1 = most deprived 10%)"

#: Welsh unitary authorities (codes unchanged since 1996; WIMD publishes names only).
#: Checked against the ONS LAD23 lookup in tests/loaders/test_deprivation.py.
WALES_LA = {
    "Isle of Anglesey": "W06000001", "Gwynedd": "W06000002", "Conwy": "W06000003",
    "Denbighshire": "W06000004", "Flintshire": "W06000005", "Wrexham": "W06000006",
    "Ceredigion": "W06000008", "Pembrokeshire": "W06000009", "Carmarthenshire": "W06000010",
    "Swansea": "W06000011", "Neath Port Talbot": "W06000012", "Bridgend": "W06000013",
    "Vale of Glamorgan": "W06000014", "Cardiff": "W06000015", "Rhondda Cynon Taf": "W06000016",
    "Caerphilly": "W06000018", "Blaenau Gwent": "W06000019", "Torfaen": "W06000020",
    "Monmouthshire": "W06000021", "Newport": "W06000022", "Powys": "W06000023",
    "Merthyr Tydfil": "W06000024",
}

#: Northern Ireland's 11 Local Government Districts (2014); NIMDM publishes names only.
NI_LGD = {
    "Antrim and Newtownabbey": "N09000001", "Armagh City, Banbridge and Craigavon": "N09000002",
    "Belfast": "N09000003", "Causeway Coast and Glens": "N09000004",
    "Derry City and Strabane": "N09000005", "Fermanagh and Omagh": "N09000006",
    "Lisburn and Castlereagh": "N09000007", "Mid and East Antrim": "N09000008",
    "Mid Ulster": "N09000009", "Newry, Mourne and Down": "N09000010",
    "Ards and North Down": "N09000011",
}

#: File 10 (sheet IMD) column -> (measure, unit)
FILE10 = {
    2: ("IMD - Average rank", "average_rank", "population-weighted mean of reversed ranks (32,844 = most deprived)"),
    3: ("IMD - Rank of average rank", "rank_of_average_rank", "rank of 317 districts (1 = most deprived)"),
    4: ("IMD - Average score", "average_score", "population-weighted mean IMD score"),
    5: ("IMD - Rank of average score", "rank_of_average_score", "rank of 317 districts (1 = most deprived)"),
    6: ("IMD - Proportion of LSOAs in most deprived 10% nationally", "share_most_deprived_10pct", "proportion of LSOAs"),
    7: ("IMD - Rank of proportion of LSOAs in most deprived 10% nationally",
        "rank_of_share_most_deprived_10pct", "rank of 317 districts (1 = most deprived)"),
    8: ("IMD 2019 - Extent", "extent", "proportion of population"),
    9: ("IMD 2019 - Rank of extent", "rank_of_extent", "rank of 317 districts (1 = most deprived)"),
    10: ("IMD 2019 - Local concentration", "local_concentration", "population-weighted mean of reversed ranks"),
    11: ("IMD 2019 - Rank of local concentration", "rank_of_local_concentration",
         "rank of 317 districts (1 = most deprived)"),
}


def derive_decile(rank: pd.Series | np.ndarray, n: int | None = None) -> np.ndarray:
    """Decile 1-10 from rank 1..n (1 = most deprived): ``ceil(10 * rank / n)``.

    This is MHCLG's rule (File 1 deciles of 2019 and 2025 agree with it for every LSOA, as do
    SIMD 2020v2's; the Welsh Government instead cuts groups of 191 from the top, leaving 190 in
    decile 10). It is applied where a nation publishes no deciles (Northern Ireland, 89 SOAs
    a decile). ``n`` defaults to the number of ranks given.
    """
    r = np.asarray(rank, dtype=float)
    n = len(r) if n is None else n
    # 10 * rank and n are exact integers in floating point, so the quotient is exact at boundaries
    return np.ceil(10 * r / n).clip(1, 10)


def _table(wb: Workbook, sheet: str, header_row: int, expected: dict[int, str]) -> pd.DataFrame:
    """Data rows below ``header_row`` (0-based) after checking the header cells; blank rows dropped."""
    raw = wb.sheet(sheet)
    expect_header(raw, header_row, expected, sheet=sheet, path=wb.path)
    data = raw.iloc[header_row + 1 :].reset_index(drop=True)
    first = data.iloc[:, min(expected)].astype(str).str.strip()
    return data[first != ""].reset_index(drop=True)


def _num(values: pd.Series, what: str, path: Path, sheet: str) -> np.ndarray:
    out, flags = to_number(values, where=f"{path.name}, sheet {sheet!r}")
    if out.isna().any():
        bad = flags[out.isna()].unique()[:5]
        raise LayoutError(f"{path.name}, sheet {sheet!r}: {what} has non-numeric cells {list(bad)}")
    return out.to_numpy()


class _Builder:
    """Collects long rows for one source: ids shared, one block per measure."""

    def __init__(self, *, codes, names, lad_codes, lad_names, meta: dict):
        n = len(codes)
        self.base = pd.DataFrame(
            {
                "geo_code": np.asarray(codes, dtype=object),
                "geo_name": np.asarray(names, dtype=object),
                "lad_code": np.asarray(lad_codes, dtype=object),
                "lad_name": np.asarray(lad_names, dtype=object),
            }
        )
        self.meta = meta
        self.parts: list[pd.DataFrame] = []
        self.n = n

    def add(self, measure: str, unit: str, values, *, domain: str = "", decile_derived: bool = False) -> None:
        part = self.base.copy()
        part["measure"] = measure
        part["unit"] = unit
        part["value"] = np.asarray(values, dtype=float)
        part["domain"] = domain
        part["decile_derived"] = decile_derived
        self.parts.append(part)

    def frame(self) -> pd.DataFrame:
        out = pd.concat(self.parts, ignore_index=True)
        for k, v in self.meta.items():
            out[k] = v
        out["flag"] = ""
        return out


def _meta(level: str, area_type: str, year: int, nation: str, edition: str, lad_vintage: str) -> dict:
    return {
        "level": level, "area_type": area_type, "year": year, "nation": nation,
        "edition": edition, "lad_vintage": lad_vintage,
    }


def _clean(values: pd.Series) -> np.ndarray:
    return values.astype(str).str.strip().to_numpy()


def _england_file1(path: Path, sheet: str, year: int, vintage: str, area_type: str, edition: str) -> _Builder:
    wb = Workbook(path)
    y = area_type[-4:]
    t = _table(
        wb, sheet, 0,
        {
            0: f"LSOA code ({y})", 1: f"LSOA name ({y})",
            2: f"Local Authority District code ({vintage[-4:]})",
            3: f"Local Authority District name ({vintage[-4:]})",
        },
    )
    head = wb.sheet(sheet).iloc[0]
    for col, word in ((4, "rank"), (5, "decile")):
        if not str(head.iat[col]).strip().lower().startswith(f"index of multiple deprivation (imd) {word}"):
            raise LayoutError(
                f"{path.name}, sheet {sheet!r}: expected header 'Index of Multiple Deprivation (IMD) "
                f"{word.capitalize()}...' in cell {'EF'[col - 4]}1, found {head.iat[col]!r}"
            )
    b = _Builder(
        codes=_clean(t[0]), names=_clean(t[1]), lad_codes=_clean(t[2]), lad_names=_clean(t[3]),
        meta=_meta("lsoa", area_type, year, "England", edition, vintage),
    )
    b.add("imd_rank", RANK_UNIT, _num(t[4], "IMD rank", path, sheet))
    b.add("imd_decile", DECILE_UNIT, _num(t[5], "IMD decile", path, sheet))
    return b


def _imd2019(paths: list[Path]) -> pd.DataFrame:
    b = _england_file1(paths[0], "IMD2019", 2019, "LAD 2019", "LSOA 2011", "IoD2019")
    # File 6: population denominators, mid-2015, excluding prisoners
    sheet = "Population Denominators"
    t = _table(
        Workbook(paths[1]), sheet, 0,
        {0: "LSOA code (2011)", 4: "Total population: mid 2015 (excluding prisoners)"},
    )
    pop = pd.Series(_num(t[4], "total population", paths[1], sheet), index=_clean(t[0]))
    codes = b.base["geo_code"]
    missing = sorted(set(codes) - set(pop.index))
    if missing or len(pop) != len(codes):
        raise LayoutError(
            f"{paths[1].name}: population denominators do not cover File 1's LSOAs "
            f"(missing {missing[:5]}; {len(pop)} rows for {len(codes)} LSOAs)"
        )
    b.add("population", "persons (mid-2015, excluding prisoners)", pop.reindex(codes).to_numpy())
    small = b.frame()

    # File 10: district summaries as published
    sheet = "IMD"
    t = _table(
        Workbook(paths[2]), sheet, 0,
        {
            0: "Local Authority District code (2019)", 1: "Local Authority District name (2019)",
            **{c: h for c, (h, _, _) in FILE10.items()},
        },
    )
    lad = _Builder(
        codes=_clean(t[0]), names=_clean(t[1]), lad_codes=_clean(t[0]), lad_names=_clean(t[1]),
        meta=_meta("lad", "LAD 2019", 2019, "England", "IoD2019", "LAD 2019"),
    )
    for c, (_, measure, unit) in FILE10.items():
        lad.add(measure, unit, _num(t[c], measure, paths[2], sheet))
    return pd.concat([small, lad.frame()], ignore_index=True)


def _imd2025(paths: list[Path]) -> pd.DataFrame:
    return _england_file1(paths[0], "IMD25", 2025, "LAD 2024", "LSOA 2021", "IoD2025").frame()


WIMD_DOMAINS = {
    4: ("Income", "income"), 5: ("Employment", "employment"), 6: ("Health", "health"),
    7: ("Education", "education"), 8: ("Access to Services", "access_to_services"),
    9: ("Housing", "housing"), 10: ("Community Safety", "community_safety"),
    11: ("Physical Environment", "physical_environment"),
}


def _wimd2019(paths: list[Path]) -> pd.DataFrame:
    path = paths[0]
    wb = Workbook(path)
    sheet = "WIMD_2019_ranks"
    t = _table(
        wb, sheet, 2,
        {0: "LSOA Code", 1: "LSOA Name (Eng)", 2: "Local Authority Name (Eng)", 3: "WIMD 2019",
         **{c: h for c, (h, _) in WIMD_DOMAINS.items()}},
    )
    las = _clean(t[2])
    unknown = sorted(set(las) - set(WALES_LA))
    if unknown:
        raise LayoutError(f"{path.name}, sheet {sheet!r}: unknown local authority name(s) {unknown}")
    b = _Builder(
        codes=_clean(t[0]), names=_clean(t[1]), lad_codes=[WALES_LA[x] for x in las], lad_names=las,
        meta=_meta("lsoa", "LSOA 2011", 2019, "Wales", "WIMD2019", "LAD 2019"),
    )
    rank = _num(t[3], "WIMD 2019 rank", path, sheet)
    b.add("imd_rank", RANK_UNIT, rank)
    # published deciles (second sheet), matched on LSOA code
    sheet2 = "Deciles_quintiles_quartiles"
    d = _table(wb, sheet2, 0, {0: "LSOA Code", 3: "WIMD 2019 Overall Rank", 4: "WIMD 2019 Overall Decile"})
    dec = pd.Series(_num(d[4], "decile", path, sheet2), index=_clean(d[0]))
    if set(dec.index) != set(b.base["geo_code"]):
        raise LayoutError(f"{path.name}: sheets {sheet!r} and {sheet2!r} list different LSOAs")
    b.add("imd_decile", DECILE_UNIT, dec.reindex(b.base["geo_code"]).to_numpy())
    for c, (_, slug) in WIMD_DOMAINS.items():
        b.add("domain_rank", RANK_UNIT, _num(t[c], f"{slug} rank", path, sheet), domain=slug)
    return b.frame()


SIMD_DOMAINS = {
    6: ("SIMD2020v2_Income_Domain_Rank", "income"),
    7: ("SIMD2020_Employment_Domain_Rank", "employment"),
    8: ("SIMD2020_Health_Domain_Rank", "health"),
    9: ("SIMD2020_Education_Domain_Rank", "education"),
    10: ("SIMD2020_Access_Domain_Rank", "access_to_services"),
    11: ("SIMD2020_Crime_Domain_Rank", "crime"),
    12: ("SIMD2020_Housing_Domain_Rank", "housing"),
}


def _simd2020(paths: list[Path]) -> pd.DataFrame:
    sheet = "SIMD 2020v2 ranks"
    t = _table(
        Workbook(paths[0]), sheet, 0,
        {0: "Data_Zone", 2: "Council_area", 3: "Total_population", 5: "SIMD2020v2_Rank",
         **{c: h for c, (h, _) in SIMD_DOMAINS.items()}},
    )
    sheet2 = "SIMD 2020v2 DZ lookup data"
    lk = _table(
        Workbook(paths[1]), sheet2, 0,
        {0: "DZ", 1: "DZname", 2: "SIMD2020v2_Rank", 4: "SIMD2020v2_Decile", 19: "LAcode", 20: "LAname"},
    )
    codes = _clean(t[0])
    lk.index = _clean(lk[0])
    if set(lk.index) != set(codes):
        raise LayoutError(f"{paths[1].name}: sheet {sheet2!r} lists other data zones than {paths[0].name}")
    lk = lk.reindex(codes)
    rank = _num(t[5], "SIMD rank", paths[0], sheet)
    if not np.array_equal(rank, _num(lk[2], "SIMD rank", paths[1], sheet2)):
        raise LayoutError(f"{paths[1].name}: SIMD2020v2_Rank differs from {paths[0].name}")
    b = _Builder(
        codes=codes, names=_clean(lk[1]), lad_codes=_clean(lk[19]), lad_names=_clean(lk[20]),
        meta=_meta("lsoa", "data zone 2011", 2020, "Scotland", "SIMD2020v2", "council area S12"),
    )
    b.add("imd_rank", RANK_UNIT, rank)
    b.add("imd_decile", DECILE_UNIT, _num(lk[4], "SIMD decile", paths[1], sheet2))
    for c, (_, slug) in SIMD_DOMAINS.items():
        b.add("domain_rank", RANK_UNIT, _num(t[c], f"{slug} rank", paths[0], sheet), domain=slug)
    b.add("population", "persons (mid-2017, as used by SIMD 2020)", _num(t[3], "population", paths[0], sheet))
    return b.frame()


NIMDM_DOMAINS = {
    5: ("Income Domain Rank (where 1 is most deprived)", "income"),
    6: ("Employment Domain Rank (where 1 is most deprived)", "employment"),
    7: ("Health Deprivation and Disability Domain Rank (where 1 is most deprived)", "health"),
    8: ("Education, Skills and Training Domain Rank (where 1 is most deprived)", "education"),
    9: ("Access to Services Domain Rank (where 1 is most deprived)", "access_to_services"),
    10: ("Living Environment Domain Rank (where 1 is most deprived)", "living_environment"),
    11: ("Crime and Disorder Domain Rank (where 1 is most deprived)", "crime"),
}


def _nimdm2017(paths: list[Path]) -> pd.DataFrame:
    path = paths[0]
    sheet = "MDM"
    t = _table(
        Workbook(path), sheet, 0,
        {0: "LGD2014NAME", 2: "SOA2001", 3: "SOA2001_name",
         4: "Multiple Deprivation Measure Rank (where 1 is most deprived)",
         **{c: h for c, (h, _) in NIMDM_DOMAINS.items()}},
    )
    lgd = _clean(t[0])
    unknown = sorted(set(lgd) - set(NI_LGD))
    if unknown:
        raise LayoutError(f"{path.name}, sheet {sheet!r}: unknown LGD2014 name(s) {unknown}")
    b = _Builder(
        codes=_clean(t[2]), names=_clean(t[3]), lad_codes=[NI_LGD[x] for x in lgd], lad_names=lgd,
        meta=_meta("lsoa", "SOA 2001", 2017, "Northern Ireland", "NIMDM2017", "LGD 2014"),
    )
    rank = _num(t[4], "MDM rank", path, sheet)
    b.add("imd_rank", RANK_UNIT, rank)
    b.add("imd_decile", DECILE_UNIT, derive_decile(rank), decile_derived=True)
    for c, (_, slug) in NIMDM_DOMAINS.items():
        b.add("domain_rank", RANK_UNIT, _num(t[c], f"{slug} rank", path, sheet), domain=slug)
    return b.frame()


PARSERS = {
    "imd2019": _imd2019, "imd2025": _imd2025, "wimd2019": _wimd2019,
    "simd2020": _simd2020, "nimdm2017": _nimdm2017,
}


def parse(paths: list[Path], source) -> pd.DataFrame:
    """Parse one registered deprivation source (dispatch on ``source.id``) into the tidy schema."""
    try:
        fn = PARSERS[source.id]
    except KeyError:
        raise LayoutError(
            f"the deprivation parser knows sources {sorted(PARSERS)}, not {source.id!r}"
        ) from None
    out = fn([Path(p) for p in paths])
    out["year"] = out["year"].astype(np.int64)
    return out


__all__ = ["parse", "derive_decile", "PARSER_VERSION", "WALES_LA", "NI_LGD"]
