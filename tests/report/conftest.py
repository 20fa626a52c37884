"""Rendered reports shared by the report tests (rendered once per session: rendering costs seconds)."""

from __future__ import annotations

import pytest

#: 8 regions of three levels for the shared batch (North East, one ITL2, one ITL3 and a custom place among them).
BATCH = ["TLC", "TLD", "TLI", "TLM", "TLN", "TLE4", "TLC11", "TEES"]


@pytest.fixture(scope="session")
def batch_run(ons_dir, tmp_path_factory):
    """The 8 regions rendered in a shuffled batch with 2 worker processes (pdf, html, ipynb)."""
    from levelup.report import render_many

    out = tmp_path_factory.mktemp("batch")
    res = render_many(BATCH, jobs=2, out_dir=out, formats=("pdf", "html", "ipynb"), shuffle=7, progress=False)
    assert res.exit_code == 0, res.summary()
    return res, out


@pytest.fixture(scope="session")
def alone_ne(ons_dir, tmp_path_factory):
    """North East rendered alone, in this process (fresh kernel), as render() does it."""
    from levelup.report import render

    out = tmp_path_factory.mktemp("alone")
    paths = render("North East", out_dir=out, formats=("pdf", "html", "ipynb"))
    return paths, out


