"""Missing data is a typed value shown as one plain line; anything else fails the section (issue 19)."""

from __future__ import annotations

import importlib

import pytest


@pytest.fixture()
def fresh_store():
    from levelup._store import STORE

    STORE.clear()
    yield STORE
    STORE.clear()


def test_missing_data_is_one_plain_line(ons_dir, fresh_store, monkeypatch):
    G = importlib.import_module("levelup.analysis.gap")  # the module (analysis.gap is the function)
    from levelup.errors import UnknownSourceError
    from levelup.report import model_sections as M
    from levelup.report import sections as S

    ctx = S.context("TLC")

    def missing(*a, **k):
        raise UnknownSourceError("no <real> GDP per head for the benchmark")

    monkeypatch.setattr(G, "gap_outlook", missing)
    html = M.gap(ctx).html
    assert html == ("<p class='na'>The gap: not available for North East "
                    "(no &lt;real&gt; GDP per head for the benchmark).</p>")


def test_any_other_error_fails_the_section(ons_dir, fresh_store, monkeypatch):
    """A bug (here a KeyError) is not turned into a reason: it propagates, so the render fails
    with the cell and the message (before, every exception became a string in analysis._memo)."""
    G = importlib.import_module("levelup.analysis.gap")  # the module (analysis.gap is the function)
    from levelup.report import model_sections as M
    from levelup.report import sections as S

    ctx = S.context("TLC")

    def bug(*a, **k):
        raise KeyError("a column that should be there")

    monkeypatch.setattr(G, "gap_outlook", bug)
    with pytest.raises(KeyError, match="a column that should be there"):
        M.gap(ctx)
