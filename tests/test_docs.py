"""The documentation site builds with warnings as errors, and its generated tables match the registry."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

pytest.importorskip("mkdocs", reason="docs extra not installed (pip install mkdocs 'mkdocstrings[python]')")
pytest.importorskip("mkdocstrings_handlers.python")


def test_mkdocs_build_strict(tmp_path):
    site = tmp_path / "site"
    proc = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--clean", "-f", str(ROOT / "mkdocs.yml"), "-d", str(site)],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-4000:]
    assert "WARNING" not in proc.stderr, proc.stderr[-4000:]
    for page in ["index.html", "data-sources.html", "reports.html", "api/models.html", "models/convergence.html"]:
        assert (site / page).is_file(), page
    assert not (site / "hooks.py").exists()
    api = (site / "api" / "models.html").read_text(encoding="utf-8")
    for name in ["convergence.beta", "convergence.sigma", "convergence.clubs", "shiftshare.dunn", "shiftshare.ssiv",
                 "shiftshare.rotemberg", "inequality.gini", "inequality.theil_decomposition", "spatial.moran",
                 "scenarios.years_to_close"]:
        assert f'id="levelup.models.{name}"' in api, name
    shutil.rmtree(site)


def test_generated_tables_cover_the_registry():
    sys.path.insert(0, str(ROOT / "docs"))
    try:
        import hooks
    finally:
        sys.path.remove(str(ROOT / "docs"))
    from levelup.data.registry import all_sources

    sources = hooks.sources_table()
    measures = hooks.measures_table()
    for s in all_sources():
        assert f"| `{s.id}` |" in sources
        for m in s.measures:
            assert f"| `{m}` | `{s.id}` |" in measures
    # a few rows checked against the parser tables (GDP workbook Table 7 and Table 11)
    assert "| `gdp_per_head` | `gdp` | Table 7 | GBP | current market prices |" in measures
    assert "| `real_gdp_per_head` | `gdp` | Table 11 | GBP (2019 money value) | chained volume measures |" in measures
