"""The report's fast paths give what the library functions give (second route: levelup.analysis)."""

from __future__ import annotations

import pandas as pd
import pytest


@pytest.mark.parametrize(("nation", "lads"), [
    ("england", ["E06000001"]),
    ("england", ["E08000012", "E08000011", "E06000063"]),
    ("wales", ["W06000004", "W06000015"]),
    ("scotland", ["S12000049"]),  # Glasgow City: its 2019 code, as the SIMD 2020v2 lookup has it
    ("northern_ireland", ["N09000003"]),
])
def test_deprivation_tables_are_the_library_and_read_the_areas_once(ons_dir, nation, lads, monkeypatch):
    """The section's tables are analysis.deprivation's own (no re-implementation), and the
    small-area table behind them is read once per state of the data (the store), not per call."""
    import levelup.analysis.deprivation as D
    from levelup.report.model_sections import _DEPRIVATION_INDEX, _deprivation_tables

    edition = _DEPRIVATION_INDEX[nation][0]
    dist, top = _deprivation_tables(lads, nation)
    pd.testing.assert_frame_equal(dist, D.decile_distribution(lads, nation=nation, edition=edition))
    pd.testing.assert_frame_equal(top, D.most_deprived_areas(lads, n=5, nation=nation, edition=edition))
    import levelup.analysis.small_areas as A  # where small_areas() reads the file

    reads = []
    real = A._small_areas
    monkeypatch.setattr(A, "_small_areas", lambda *a, **k: reads.append(a) or real(*a, **k))
    D.decile_distribution(lads, nation=nation, edition=edition)
    D.most_deprived_areas(lads, n=3, nation=nation, edition=edition)
    assert reads == []


@pytest.mark.parametrize(("region", "nation", "index", "n_total"), [
    ("TLC", "england", "English Index of Multiple Deprivation 2025", "33,755"),
    ("W06000004", "wales", "Welsh Index of Multiple Deprivation 2019", "1,909"),
    ("S12000049", "scotland", "Scottish Index of Multiple Deprivation 2020v2", "6,976"),
    ("N09000003", "northern_ireland", "Northern Ireland Multiple Deprivation Measure 2017", "890"),
])
def test_deprivation_section_uses_each_nations_own_index(ons_dir, region, nation, index, n_total):
    """Every nation's report gets the section, ranked within its own nation (issue 14); the
    share in the most deprived decile is recomputed here from the small-area table."""
    from levelup.analysis.deprivation import small_areas
    from levelup.report import model_sections as M
    from levelup.report import sections as S

    ctx = S.context(region)
    html = M.deprivation(ctx)._repr_html_()
    assert index in html and f"most deprived of {n_total}" in html
    areas = small_areas(nation, M._DEPRIVATION_INDEX[nation][0])
    if nation != "england":  # local authority codes are the same vintage as the index's
        mine = areas[areas["lad_code"].isin(M.lad_members(ctx))]
        assert f"{100 * (mine['decile'] == 1).mean():.1f}% of the {len(mine):,} neighbourhoods" in html
    assert "cannot be compared across nations" in html


def test_england_uses_iod2025_with_the_rank_of_average_rank(ons_dir):
    """Hartlepool: IoD2025 by default, its share of LSOAs in England's most deprived decile recomputed
    here from the small-area table (42.1%, against 36.2% in IoD2019), with the rank of average rank."""
    from levelup.analysis.deprivation import small_areas
    from levelup.report import model_sections as M
    from levelup.report import sections as S

    ctx = S.context("E06000001")
    html = M.deprivation(ctx)._repr_html_()
    areas = small_areas("england", 2025)
    mine = areas[areas["lad_code"] == "E06000001"]
    assert f"{100 * (mine['decile'] == 1).mean():.1f}% of the {len(mine):,} neighbourhoods" in html
    assert "42.1%" in html and "Index of Multiple Deprivation 2025" in html
    assert "Rank of average rank:" in html


def test_pay_table_reads_as_prose_with_units(ons_dir):
    """The pay table shows pay_summary's numbers with their units (pounds, per cent) and plain
    labels; the ratio and gap have no UK column (the UK against itself)."""
    import re

    from levelup.data.pay import pay_summary
    from levelup.report import model_sections as M
    from levelup.report import sections as S

    html = M.pay(S.context("TLC"))._repr_html_()
    t = pay_summary("TLC", "itl1").set_index(["indicator", "period"])
    assert f"<td>£{t.loc[('median_weekly_pay', '2023'), 'value']:,.2f}</td>" in html
    assert f"<td>£{t.loc[('median_weekly_pay', '2023'), 'uk']:,.2f}</td>" in html
    assert f"<td>−£{-t.loc[('gap_to_uk', '2023'), 'value']:,.2f}</td><td></td>" in html
    assert f"<td>{t.loc[('below_living_wage_share', '2022'), 'value']:.1f}%</td>" in html
    assert not re.search(r"<th scope='row'>[a-z]+_", html)  # no raw indicator names
    assert "<th scope='col'>North East</th>" in html


def test_a_whole_nation_gets_no_decile_chart(ons_dir):
    """Wales against the Welsh index: 10% in every decile by construction, so no chart, and the
    text says why; the five most deprived areas are still named (the index's own ranks 1-5)."""
    from levelup.analysis.deprivation import small_areas
    from levelup.report import model_sections as M
    from levelup.report import sections as S

    html = M.deprivation(S.context("TLL"))._repr_html_()
    assert "<figure" not in html and "by construction" in html
    top = small_areas("wales", 2019).nsmallest(5, "rank")
    assert all(name in html for name in top["name"])


def test_a_wrapped_title_makes_room_on_a_fixed_layout():
    """A title that wraps to two lines shrinks the axes by a line, so it stays on the picture."""
    from levelup.report.figures import _plain_figure, _title

    fig, ax = _plain_figure(7.2, 2.8, (0.075, 0.17, 0.91, 0.72))
    _title(ax, "short")
    assert abs(ax.get_position().height - 0.72) < 1e-9
    _title(ax, "a long title " * 10)
    assert abs(ax.get_position().height - (0.72 - 13 / 72 / 2.8)) < 1e-9
    fig.canvas.draw()
    title = ax.title.get_window_extent()
    assert title.y1 <= fig.bbox.y1  # inside the figure


def test_a_chart_is_drawn_without_measuring_for_its_title_and_encoded_fast(monkeypatch):
    """Issue 21: matplotlib measured every tick label on each draw to lift a title above whatever
    sits on top of the axes (nothing, on these charts: 9% of the drawing), and Pillow deflated the
    PNGs at level 6. The title stays at the top of the axes and the PNG is deflated at the fastest
    level (the zlib header's FLEVEL bits are 0); the title still clears the plot."""
    import struct
    import zlib

    from matplotlib.axes import Axes

    from levelup.report import figures

    measured = []
    real = Axes._update_title_position
    monkeypatch.setattr(Axes, "_update_title_position", lambda self, r: measured.append(self._autotitlepos) or real(self, r))
    fig, ax = figures._plain_figure(7.2, 2.8, (0.075, 0.17, 0.91, 0.72))
    ax.plot([2000, 2010, 2020], [90, 95, 93])
    figures._title(ax, "A chart")
    data = figures.png(fig, "A chart")
    assert measured and not any(measured)  # drawn with the title's position fixed: returns at once
    assert ax.title.get_window_extent().y0 >= ax.get_window_extent().y1  # above the plot, not on it
    pos, chunks = 8, {}
    while pos < len(data):
        size, kind = struct.unpack(">I4s", data[pos:pos + 8])
        chunks.setdefault(kind, data[pos + 8:pos + 8 + size])
        pos += 12 + size
    assert chunks[b"IDAT"][1] >> 6 == 0  # FLEVEL 0: compressed at zlib level 0 or 1
    assert zlib.decompress(chunks[b"IDAT"])  # a whole stream in the first chunk here


@pytest.mark.parametrize(("region", "level", "measure", "plain"), [
    ("GCR-LA", "place", "gva_per_hour", "ONS does not publish it for Glasgow City Region"),
])
def test_a_missing_chart_is_explained_in_plain_words(ons_dir, region, level, measure, plain):
    """Readers get the reason in words, not the library's error text (level codes, lists). Councils
    and combined authorities now have the chart (ONS's smoothed council series, its combined-authority
    rows): see test_profiles."""
    from levelup.report import sections as S

    html = S.relative_chart(S.context(region, level=level), measure)._repr_html_()
    assert plain in html and "level '" not in html and "[" not in html
