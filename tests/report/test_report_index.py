"""reports/index.html from a synthetic manifest: grouped by level, parents and children linked.

Cheap: no report is rendered; the manifest and its (empty) output files are written here.
"""

from __future__ import annotations

import re
from pathlib import Path

from levelup.report.batch import hierarchy, write_index

# (level, code, name): North East down to Hartlepool, with the combined authority and the place
ENTRIES = [
    ("itl1", "TLC", "North East"),
    ("itl2", "TLC1", "Tees Valley and Durham"),
    ("itl3", "TLC11", "Hartlepool and Stockton-on-Tees"),
    ("lad", "E06000001", "Hartlepool"),
    ("cauth", "E47000006", "Tees Valley"),
    ("place", "TEES", "Tees Valley"),
    ("itl1", "TLD", "North West"),
]


def _manifest(out: Path, entries=ENTRIES, missing=()) -> dict:
    reports = {}
    for level, code, name in entries:
        rel = f"{level}/{code.lower()}.pdf"
        if code not in missing:
            (out / level).mkdir(parents=True, exist_ok=True)
            (out / rel).write_bytes(b"%PDF")
        reports[f"{level}/{code.lower()}"] = {"code": code, "name": name, "level": level,
                                               "outputs": {"pdf": {"path": rel, "sha256": "", "size": 4}}}
    return {"format": 1, "reports": reports}


def _row(page: str, level: str, code: str) -> str:
    m = re.search(rf"<tr id='{level}-{code}'>(.*?)</tr>", page)
    assert m, f"no row for {level} {code}"
    return m.group(1)


def _cell(row: str, cls: str) -> list[str]:
    """The hrefs in the row's 'Part of' (up) or 'Contains' (down) cell."""
    return re.findall(r"href='([^']+)'", re.search(rf"<td class='{cls}'>(.*?)</td>", row).group(1))


def test_index_groups_by_level_and_links_parents_and_children(ons_dir, tmp_path):
    page = write_index(tmp_path, _manifest(tmp_path)).read_text()
    headings = re.findall(r"<h2>([^<]+)</h2>", page)
    assert headings == ["ITL1 regions", "ITL2 regions", "ITL3 regions", "Combined authorities",
                        "Local authorities", "Custom places"]
    # the ITL chain, both ways
    assert _cell(_row(page, "itl2", "TLC1"), "up") == ["itl1/tlc.pdf"]
    assert _cell(_row(page, "itl1", "TLC"), "down") == ["itl2/tlc1.pdf"]
    assert _cell(_row(page, "itl3", "TLC11"), "up") == ["itl2/tlc1.pdf"]
    # Hartlepool (E06000001) lies in ITL3 TLC11 (ONS LAD-ITL lookup) and in the Tees Valley CA
    assert _cell(_row(page, "lad", "E06000001"), "up") == ["itl3/tlc11.pdf", "cauth/e47000006.pdf"]
    assert _cell(_row(page, "itl3", "TLC11"), "down") == ["lad/e06000001.pdf"]
    assert _cell(_row(page, "cauth", "E47000006"), "down") == ["lad/e06000001.pdf"]
    # the combined authority and the custom place sit in ITL2 TLC1, which lists them
    assert _cell(_row(page, "cauth", "E47000006"), "up") == ["itl2/tlc1.pdf"]
    assert _cell(_row(page, "place", "TEES"), "up") == ["itl2/tlc1.pdf"]
    assert set(_cell(_row(page, "itl2", "TLC1"), "down")) == {"itl3/tlc11.pdf", "cauth/e47000006.pdf",
                                                               "place/tees.pdf"}
    # North West has no parent and none of its children are rendered
    assert _cell(_row(page, "itl1", "TLD"), "up") == [] and _cell(_row(page, "itl1", "TLD"), "down") == []
    for href in re.findall(r"href='([^']+)'", page):
        assert (tmp_path / href).is_file()


def test_index_links_only_reports_whose_files_exist(tmp_path):
    """A report whose file is gone is neither listed nor linked from its relatives."""
    rel = {("itl1", "TLC"): [], ("itl2", "TLC1"): [("itl1", "TLC")], ("itl3", "TLC11"): [("itl2", "TLC1")]}
    entries = ENTRIES[:3]
    page = write_index(tmp_path, _manifest(tmp_path, entries, missing=("TLC1",)),
                       relations=lambda keys: {k: rel[k] for k in keys}).read_text()
    assert "tlc1.pdf" not in page and "<h2>ITL2 regions</h2>" not in page
    assert _cell(_row(page, "itl3", "TLC11"), "up") == []
    assert _cell(_row(page, "itl1", "TLC"), "down") == []


def test_hierarchy_of_a_straddling_or_unknown_authority(ons_dir):
    """A local authority gets every ITL3 unit it lies in; a code the lookup lacks gets none."""
    from levelup.geo import lad_itl3, straddling

    s = straddling()
    code = s["code"].iat[0] if "code" in s.columns else s.index[0]
    rel = hierarchy([("lad", code), ("lad", "E99999999")])
    assert [c for lv, c in rel[("lad", code)] if lv == "itl3"] == list(lad_itl3(code))
    assert len(lad_itl3(code)) > 1
    assert rel[("lad", "E99999999")] == []
