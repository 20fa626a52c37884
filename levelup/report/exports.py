"""The numbers behind each report: one tidy CSV and one XLSX workbook beside the PDF.

Both come from the payload that the template's last cell (``sections.finish``) hands to the
renderer, so they are produced by the same render, from the same numbers, and covered by the
same build key. The CSV has one row per number (``section, table, statistic, geo_code,
geo_name, measure, year, first_year, value, unit, benchmark, source, release``); the workbook
has a sheet per section plus ``About`` (region, levelup version, licence) and ``Sources``
(release and sha256 of every ONS file used).
"""

from __future__ import annotations

import io
from datetime import datetime

import pandas as pd

COLUMNS = ["section", "table", "statistic", "geo_code", "geo_name", "measure", "year", "first_year",
           "value", "unit", "benchmark", "source", "release"]
_EPOCH = datetime(2020, 1, 1)  # fixed document dates: the workbook is deterministic


def records(payload: dict) -> pd.DataFrame:
    df = pd.DataFrame(payload.get("records", []))
    return df.reindex(columns=COLUMNS)


def sources_frame(payload: dict) -> pd.DataFrame:
    rows = [
        {"source": sid, "title": s["title"], "publisher": s.get("publisher", ""), "release": s["release"],
         "file": fn, "sha256": digest}
        for sid, s in sorted(payload.get("sources", {}).items())
        for fn, digest in s["files"].items()
    ]
    return pd.DataFrame(rows, columns=["source", "title", "publisher", "release", "file", "sha256"])


def csv_bytes(payload: dict) -> bytes:
    """The tidy CSV (UTF-8, ``\\n`` line ends, provenance in leading ``#`` comment lines)."""
    import levelup

    region = payload["region"]
    head = [
        f"# {region['name']} ({region['code']}, {region['level']}): numbers behind the levelup report",
        f"# levelup {payload.get('levelup', levelup.__version__)}; {levelup.OGL_ATTRIBUTION}",
    ]
    head += [f"# {r.source} release {r.release}: {r.file} sha256 {r.sha256}" for r in sources_frame(payload).itertuples()]
    body = records(payload).to_csv(index=False, lineterminator="\n", float_format="%.15g")
    return ("\n".join(head) + "\n" + body).encode("utf-8")


def xlsx_bytes(payload: dict) -> bytes:
    """The workbook: a sheet per section, ``About`` and ``Sources``."""
    import levelup

    region = payload["region"]
    recs = records(payload)
    about = pd.DataFrame(
        [
            ("Region", region["name"]),
            ("Code", region["code"]),
            ("Level", region["level"]),
            ("Benchmark", payload.get("benchmark", "UK")),
            ("levelup version", payload.get("levelup", levelup.__version__)),
            ("Licence", levelup.OGL_ATTRIBUTION),
            ("Units", "see the unit column of each sheet"),
        ],
        columns=["item", "value"],
    )
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    sheets = [("About", about)] + [(str(sec)[:31], part) for sec, part in recs.groupby("section", sort=True)]
    sheets.append(("Sources", sources_frame(payload)))
    for name, frame in sheets:
        ws = wb.create_sheet(name)
        ws.append(list(frame.columns))
        for row in frame.itertuples(index=False):
            ws.append([None if (isinstance(v, float) and v != v) else v for v in row])
    props = wb.properties
    props.creator = f"levelup {payload.get('levelup', '')}"
    props.created = props.modified = _EPOCH
    props.title = f"{region['name']}: numbers behind the report"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
