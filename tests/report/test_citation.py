"""CITATION.cff is valid CFF 1.2.0 (required keys and types checked with pyyaml; cffconvert is not installed)."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import yaml

import levelup

ROOT = Path(__file__).resolve().parents[2]


def test_citation_cff_is_valid():
    cff = yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))
    # required by the CFF 1.2.0 schema: cff-version, message, title, authors
    assert cff["cff-version"] == "1.2.0"
    assert isinstance(cff["message"], str) and cff["message"]
    assert isinstance(cff["title"], str) and cff["title"]
    assert isinstance(cff["authors"], list) and cff["authors"]
    for a in cff["authors"]:
        assert isinstance(a, dict) and (a.get("name") or a.get("family-names")), a
    assert cff.get("type", "software") in ("software", "dataset")
    assert str(cff["version"]) == levelup.__version__
    if "date-released" in cff:
        assert isinstance(cff["date-released"], dt.date)
    for key in ("repository-code", "url"):
        if key in cff:
            assert re.match(r"^https?://", cff[key])
    assert isinstance(cff.get("keywords", []), list)
    allowed = {"abstract", "authors", "cff-version", "commit", "contact", "date-released", "doi", "identifiers",
               "keywords", "license", "license-url", "message", "preferred-citation", "references",
               "repository", "repository-artifact", "repository-code", "title", "type", "url", "version"}
    assert set(cff) <= allowed, set(cff) - allowed


def test_cite_names_the_package_and_the_releases():
    from levelup.report.doctor import cite

    text = cite()
    assert f"version {levelup.__version__}" in text
    assert "Regional gross domestic product (GDP)" in text and "Open Government Licence" in text
