"""Real reports from the ONS mirror: content, accessibility, determinism, exports, offline, incremental.

The expected numbers are computed here from ``levelup.data.indicator`` (the published ONS table),
not through ``levelup.report.sections``, and then looked for in the PDF text, the CSV and the
workbook.
"""

from __future__ import annotations

import base64
import json
import re
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest
from report_helpers import pdfinfo, pdftotext

import levelup

pytestmark = pytest.mark.slow


def _ne_pdf(batch_run) -> Path:
    return batch_run[1] / "itl1" / "tlc-north-east.pdf"


def _expected_ne():
    """North East's headline numbers straight from the ONS files: GDP per head from ONS's Explore Local
    Statistics CSV (April 2025 release, the newest holding the ITL1 regions and the UK), read here."""
    import pandas as pd

    from levelup import config

    csv = next(d / "local-indicators" / "gdp-per-head.csv" for d in config.mirror_dirs()
               if (d / "local-indicators" / "gdp-per-head.csv").exists())
    t = pd.read_csv(csv, encoding="utf-8-sig")
    t = t[t["Indicator"] == "Gross domestic product per head at current market price"]
    t["Period"] = t["Period"].astype(int)
    last = int(t["Period"].max())
    itl1 = t[(t["Geography"] == "ITL Level 1") & (t["Period"] == last) & t["AREACD"].str.match(r"^TL[C-N]$")]
    itl1 = itl1.set_index("AREACD")["Observation"]  # the 12 ITL1 regions (not England, not UK less Extra-Regio)
    uk = float(t[(t["AREACD"] == "K02000001") & (t["Period"] == last)]["Observation"].iat[0])
    first = int(t["Period"].min())
    f = lambda code: float(t[(t["AREACD"] == code) & (t["Period"] == first)]["Observation"].iat[0])  # noqa: E731
    pop = levelup.data.indicator("population", "itl1")
    return {
        "gdp_per_head": float(itl1["TLC"]),
        "index": 100 * float(itl1["TLC"]) / uk,
        "index_first": 100 * f("TLC") / f("K02000001"),
        "rank": int((itl1 > itl1["TLC"]).sum() + 1),
        "population": pop.loc["TLC", int(pop.columns.max())],
        "year": last,
    }


def test_north_east_pdf_has_its_name_and_the_library_numbers(batch_run):
    text = pdftotext(_ne_pdf(batch_run))
    exp = _expected_ne()
    assert "North East" in text
    assert f"£{exp['gdp_per_head']:,.0f}" in text and exp["year"] == 2023
    assert f"{exp['index']:.1f}" in text  # UK = 100 index
    assert f"{exp['rank']}th of 12" in text
    assert f"{exp['population']:,.0f}" in text
    assert "Contains public sector information licensed under the Open Government Licence v3.0" in text
    assert f"levelup {levelup.__version__}" in text
    assert "checked against its sha256" in text
    # a compact appendix: the GDP workbook's digest shortened to 12 characters (the full one is in the CSV/XLSX)
    assert "3f6916ca98bf" in text and "3f6916ca98bfc535cd5684684ded85bec6f6a21772d1db3db136b3a053c914f4" not in text
    assert "00f1e22c0bcb" in text  # the April 2024 GDP workbook, the ITL default
    assert not re.search(r"\d{4}-\d\d-\d\d[ T]\d\d:\d\d", text), "no render timestamp in a deterministic report"


def test_north_east_pdf_is_a4_tagged_titled_and_in_english(batch_run):
    pdf = _ne_pdf(batch_run)
    info = pdfinfo(pdf)
    assert 2 <= int(info["Pages"]) <= 12
    assert info["Tagged"] == "yes"
    assert info["Title"] == "North East (TLC): Regional economic profile"
    assert info["Page size"].startswith("595.")  # A4 (595 x 842 pt), not US Letter
    assert b"/Lang (en-GB)" in pdf.read_bytes()
    footer = pdftotext(pdf)
    assert re.search(r"North East\s+Page 1 of \d", footer), "region name and page number in the footer"


def test_first_page_is_not_blank(batch_run, tmp_path):
    subprocess.run(["pdftoppm", "-f", "1", "-l", "1", "-r", "30", "-gray", str(_ne_pdf(batch_run)), str(tmp_path / "p")],
                   check=True)
    page = next(tmp_path.glob("p*.pgm")).read_bytes()
    header_end = page.index(b"255\n") + 4
    pixels = page[header_end:]
    dark = sum(1 for b in pixels if b < 128)
    assert dark > 0.01 * len(pixels), "first page is (nearly) blank"


def test_no_page_is_blank(batch_run):
    """Every page of every rendered PDF has text besides its footer (an empty cell after a full
    last page once gave the North East report a blank eighth page)."""
    pdfs = sorted(batch_run[1].rglob("*.pdf"))
    assert len(pdfs) >= 3
    for pdf in pdfs:
        n = int(pdfinfo(pdf)["Pages"])
        for i in range(1, n + 1):
            text = subprocess.run(["pdftotext", "-f", str(i), "-l", str(i), str(pdf), "-"], capture_output=True,
                                  text=True, check=True).stdout
            body = [ln for ln in text.splitlines() if ln.strip() and not re.fullmatch(r"Page \d+ of \d+", ln.strip())]
            assert len(body) > 1, f"{pdf.name}: page {i} of {n} is blank"


def _els_gdp_per_head(code: str) -> tuple[float, int]:
    """GDP per head of ``code`` (as ONS's CSV spells it) in the newest year of the Explore Local
    Statistics file (April 2025 release), read here with pandas."""
    from levelup import config

    csv = next(d / "local-indicators" / "gdp-per-head.csv" for d in config.mirror_dirs()
               if (d / "local-indicators" / "gdp-per-head.csv").exists())
    t = pd.read_csv(csv, encoding="utf-8-sig")
    t = t[(t["Indicator"] == "Gross domestic product per head at current market price") & (t["AREACD"] == code)]
    t = t.assign(year=t["Period"].astype(int)).sort_values("year")
    return float(t["Observation"].iat[-1]), int(t["year"].iat[-1])


def test_itl3_and_custom_place_reports(batch_run):
    out = batch_run[1]
    text = pdftotext(out / "itl3" / "tlc11-hartlepool-and-stockton-on-tees.pdf")
    value, year = _els_gdp_per_head("TLC31")  # ITL 2025 code of the same area as ITL 2021 TLC11
    assert "Hartlepool and Stockton-on-Tees" in text and "ITL3 region" in text
    assert f"£{value:,.0f}" in text and year == 2023
    assert re.search(r"\d+(st|nd|rd|th) of \d+", text)  # ranked among the ITL3 regions with that year
    # custom place of the same councils as Tees Valley combined authority: ONS's published figure for it, not ranked
    place = pdftotext(out / "place" / "tees-tees-valley.pdf")
    value, year = _els_gdp_per_head("E47000006")
    assert "Tees Valley" in place and "custom place" in place and "not ranked" in place
    assert f"£{value:,.0f}" in place and "Same area as Tees Valley" in place
    assert 2 <= int(pdfinfo(out / "place" / "tees-tees-valley.pdf")["Pages"]) <= 12


def _images(page: str) -> list[tuple[str, str]]:
    """(base64 PNG, alt text) of every <img> in the page, whatever the attribute order and quotes."""
    import html

    out = []
    for tag in re.findall(r"<img\b[^>]*>", page):
        src = re.search(r"""src=["']data:image/png;base64,([^"']+)""", tag)
        alt = re.search(r"""alt=(["'])(.*?)\1""", tag)
        out.append((src.group(1) if src else "", html.unescape(alt.group(2)) if alt else ""))
    return out


def _png_title(png: bytes) -> str:
    """The ``Title`` text chunk of a PNG (the figure title matplotlib was given)."""
    import struct

    pos = 8
    while pos < len(png):
        (length,), kind = struct.unpack(">I", png[pos:pos + 4]), png[pos + 4:pos + 8]
        body = png[pos + 8:pos + 8 + length]
        if kind == b"tEXt" and body.startswith(b"Title\x00"):
            return body[6:].decode("latin-1")
        pos += 12 + length
    return ""


def test_figures_belong_to_their_region(batch_run):
    """8 regions, 2 workers: every figure's title (inside the PNG) and alt text name its own region."""
    res, out = batch_run
    assert len(res.rendered) == 8
    for label, paths in res.outputs.items():
        name = label.rsplit(" (", 1)[0]
        page = Path(paths["html"]).read_text()
        imgs = _images(page)
        assert imgs, f"{label}: no figure"
        for data, alt in imgs:
            assert re.match(r"^[A-Z][A-Za-z -]*: \S", alt) and name in alt, alt  # "Line chart: ...", "Map: ..."
            assert name in _png_title(base64.b64decode(data)), f"{label}: a figure of another region"
        assert f"in {name}" in pdftotext(Path(paths["pdf"]))


def test_alt_text_says_what_the_chart_shows(batch_run):
    page = (batch_run[1] / "itl1" / "tlc-north-east.html").read_text()
    exp = _expected_ne()
    alts = [alt for _, alt in _images(page) if alt.startswith("Line chart: GDP per head in North East relative")]
    assert len(alts) == 1
    direction = "falling" if exp["index"] < exp["index_first"] else "rising"
    assert alts[0].startswith(f"Line chart: GDP per head in North East relative to the UK, 1998-{exp['year']}, "
                              f"{direction} from {exp['index_first']:.0f} to {exp['index']:.0f}")


def test_html_is_offline_and_accessible(batch_run):
    page = (batch_run[1] / "itl1" / "tlc-north-east.html").read_text()
    assert page.startswith("<!DOCTYPE html>") and '<html lang="en-GB">' in page
    assert "<script" not in page and "require.js" not in page and "mathjax" not in page.lower()
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page), "a resource outside the page"
    assert "<caption>Headline indicators for North East" in page and '<th scope="col">' in page


def test_no_request_leaves_the_machine(batch_run):
    """Print the rendered page again behind a route that records every outside request."""
    import asyncio

    from levelup.report.pdf import PdfEngine

    page = (batch_run[1] / "itl1" / "tlc-north-east.html").read_text()
    leaked: list[str] = []

    async def go(html):
        eng = PdfEngine()
        await eng.start()

        async def spy(route):
            if not route.request.url.startswith(("data:", "about:")):
                leaked.append(route.request.url)
            await route.abort()

        await eng._context.route("**/*", spy)  # the newest route is consulted first
        try:
            return await eng.pdf(html, region_name="North East")
        finally:
            await eng.close()

    assert asyncio.run(go(page))[:5] == b"%PDF-"
    assert leaked == []
    # the spy does see a request when there is one (so the assertion above can fail)
    asyncio.run(go(page.replace("<main>", "<main><img src='http://example.invalid/x.png' alt='x'>")))
    assert leaked == ["http://example.invalid/x.png"]


def test_csv_and_xlsx_beside_each_pdf_hold_the_library_numbers(batch_run):
    out = batch_run[1]
    for pdf in out.rglob("*.pdf"):
        assert pdf.with_suffix(".csv").is_file() and pdf.with_suffix(".xlsx").is_file()
    exp = _expected_ne()
    csv = pd.read_csv(out / "itl1" / "tlc-north-east.csv", comment="#")
    row = csv[(csv["table"] == "headline") & (csv["measure"] == "gdp_per_head")].set_index("statistic")["value"]
    assert row["value"] == exp["gdp_per_head"]
    assert row["index"] == pytest.approx(exp["index"], rel=1e-12)
    assert row["rank"] == exp["rank"] and row["peers"] == 12
    head = [line for line in (out / "itl1" / "tlc-north-east.csv").read_text().splitlines() if line.startswith("#")]
    assert any("levelup" in h for h in head) and any("sha256 00f1e22c" in h for h in head)
    xl = pd.read_excel(out / "itl1" / "tlc-north-east.xlsx", sheet_name=None, engine="openpyxl")
    assert {"About", "2 Headline", "3 Charts", "Sources"} <= set(xl)
    h = xl["2 Headline"]
    v = h[(h["measure"] == "population") & (h["statistic"] == "value")]["value"].iloc[0]
    assert v == exp["population"]
    assert "00f1e22c0bcbfd4ca121bd232df72162227e66438a452c06e4bd3b74b216026e" in set(xl["Sources"]["sha256"])
    assert levelup.__version__ in set(xl["About"]["value"].astype(str))
    manifest = json.loads((out / ".manifest.json").read_text())
    outs = manifest["reports"]["itl1/tlc-north-east"]["outputs"]
    assert {"pdf", "html", "ipynb", "csv", "xlsx"} <= set(outs)  # covered by the same build key


def _outputs(nb_path: Path) -> list:
    nb = json.loads(nb_path.read_text())
    return [c.get("outputs") for c in nb["cells"] if c["cell_type"] == "code"]


def test_alone_and_in_a_shuffled_batch_give_the_same_report(batch_run, alone_ne):
    paths, _ = alone_ne
    batch_dir = batch_run[1] / "itl1"
    assert _outputs(paths["ipynb"]) == _outputs(batch_dir / "tlc-north-east.ipynb")
    assert pdftotext(paths["pdf"]) == pdftotext(batch_dir / "tlc-north-east.pdf")
    assert paths["html"].read_bytes() == (batch_dir / "tlc-north-east.html").read_bytes()
    assert paths["csv"].read_bytes() == (batch_dir / "tlc-north-east.csv").read_bytes()


def test_index_lists_every_report_by_level(batch_run):
    page = (batch_run[1] / "index.html").read_text()
    for heading in ("ITL1 regions", "ITL2 regions", "ITL3 regions", "Custom places"):
        assert f"<h2>{heading}</h2>" in page
    assert page.index("ITL1 regions") < page.index("ITL3 regions")
    for href in re.findall(r"href='([^']+)'", page):
        assert (batch_run[1] / href).is_file()
    assert "itl1/tlc-north-east.pdf" in page


def test_incremental_rebuilds(batch_run, tmp_path):
    """Second run renders nothing and rewrites no output; a template edit re-renders all; one
    place's new parameters re-render that place only."""
    from report_helpers import custom_template

    from levelup.report import render_many

    res, src = batch_run
    out = shutil.copytree(src, tmp_path / "reports")
    regions = [label.rsplit("(", 1)[1].rstrip(")") for label in res.rendered]
    stamps = {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()
              and p.name not in (".manifest.json", "index.html", ".rerun.json")}
    again = render_many(regions, jobs=2, out_dir=out, formats=("pdf", "html", "ipynb"), progress=False)
    assert again.rendered == [] and len(again.skipped) == 8 and again.exit_code == 0
    # the mechanism behind the speed-up (benchmarks/bench_reports.py prints the ratio): nothing rewritten
    assert {p: p.stat().st_mtime_ns for p in stamps} == stamps
    # one place's parameters changed: only that one renders, as a variant beside the default report
    changed = [{"region": "TLM", "start_year": 2005}] + [r for r in regions if r != "TLM"]
    one = render_many(changed, jobs=2, out_dir=out, formats=("pdf", "html", "ipynb"), progress=False)
    assert one.rendered == ["Scotland (TLM)"] and one.plan == [("Scotland (TLM)", "new")]
    assert len(one.skipped) == 7
    assert "since 2005" in pdftotext(out / "itl1" / "tlm-scotland--start-2005.pdf")
    assert (out / "itl1" / "tlm-scotland.pdf").stat().st_mtime_ns == stamps[out / "itl1" / "tlm-scotland.pdf"]
    # a damaged output is noticed
    (out / "itl1" / "tln-northern-ireland.pdf").write_bytes(b"%PDF-1.4 truncated")
    plan = render_many(changed, out_dir=out, formats=("pdf", "html", "ipynb"), dry_run=True).plan
    assert plan == [("Northern Ireland (TLN)", "pdf output modified or incomplete")]
    # the template changed: every report is planned again, and says why
    tpl = custom_template(tmp_path, extra_cells=["# an edit"])
    plan = render_many(changed, out_dir=out, formats=("pdf", "html", "ipynb"), template=tpl, dry_run=True).plan
    assert len(plan) == 8 and {why for _, why in plan} == {"template changed"}


def test_readme_picture_matches_a_fresh_render(batch_run):
    """The README's picture of a report page says "Page 2 of N": scripts/readme_screenshot.sh records N
    beside the PNG, and a fresh render of the same report must still have N pages (issue 18)."""
    meta = json.loads((Path(__file__).resolve().parents[2] / "docs" / "img" / "report-page.json").read_text())
    pages = int(pdfinfo(_ne_pdf(batch_run))["Pages"])
    assert meta["pages"] == pages, (f"the README picture shows page {meta['page']} of {meta['pages']}, a fresh "
                                    f"render has {pages} pages: rerun scripts/readme_screenshot.sh")


def test_a_table_caption_stays_with_its_first_rows(ons_dir, tmp_path):
    """Norfolk and Suffolk's councils table once left its caption alone at the foot of page 5 and
    began on page 6: a caption (or header) now goes with the table's first rows."""
    from levelup.report import render_many

    res = render_many(["Norfolk and Suffolk"], jobs=1, out_dir=tmp_path, progress=False)
    assert res.exit_code == 0, res.summary()
    pdf = tmp_path / "place" / "nsuf-norfolk-and-suffolk.pdf"
    pages = [subprocess.run(["pdftotext", "-f", str(i), "-l", str(i), str(pdf), "-"], capture_output=True, text=True,
                            check=True).stdout for i in range(1, int(pdfinfo(pdf)["Pages"]) + 1)]
    caption = "The councils of Norfolk and Suffolk: headline measures"
    on = [i for i, p in enumerate(pages) if caption in p]
    assert len(on) == 1 and "Babergh" in pages[on[0]]  # the first council on the caption's page
    # "The gap" and its opening sentence once ended page 3 while their chart began page 4
    gap = [i for i, p in enumerate(pages) if "The gap" in p and "1% versus 3% real growth. Source" in p]
    assert len(gap) == 1 and "growing at 1% a year" in pages[gap[0]]


def test_a_sections_heading_and_opening_sentence_go_with_its_table(ons_dir, tmp_path):
    """Hartlepool's "Statistical neighbours" and Camden's "Industry structure" headings and first
    sentences once ended a page while the table they introduce began the next: the opening sentence
    now belongs to the block kept whole, so heading, sentence and table start on one page."""
    from levelup.report import render_many

    res = render_many(["Hartlepool", "Camden"], jobs=2, out_dir=tmp_path, progress=False)
    assert res.exit_code == 0, res.summary()
    cases = {
        "e06000001-hartlepool": (("Statistical neighbours", "most like Hartlepool", "Hartlepool and its statistical"),
                                 ("Why the gap", "Hartlepool", "GDP per head in Hartlepool and its four parts"),
                                 ("Convergence", "the estimated beta is", "the 1998 level, Hartlepool highlighted"),
                                 ("Deprivation", "neighbourhoods (LSOAs) in Hartlepool are among",
                                  "of Hartlepool by deprivation decile")),
        # Camden's "Convergence" and "Deprivation" and their first paragraph ended pages 5 and 9 while
        # their charts (captions here: the charts are pictures) began pages 6 and 10
        "e09000007-camden": (("Industry structure", "Manufacturing (SIC section C)", "Largest industries in Camden"),
                             ("Convergence", "the estimated beta is", "the 1998 level, Camden highlighted"),
                             ("Deprivation", "neighbourhoods (LSOAs) in Camden are among", "of Camden by deprivation decile")),
    }
    for stem, checks in cases.items():
        pdf = tmp_path / "lad" / f"{stem}.pdf"
        pages = [subprocess.run(["pdftotext", "-f", str(i), "-l", str(i), str(pdf), "-"], capture_output=True,
                                text=True, check=True).stdout for i in range(1, int(pdfinfo(pdf)["Pages"]) + 1)]
        for heading, sentence, table in checks:
            on = [i for i, p in enumerate(pages) if heading in p.splitlines() and table in p]
            assert len(on) == 1, (stem, heading)
            assert sentence in pages[on[0]]
