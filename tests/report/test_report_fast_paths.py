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


@pytest.mark.parametrize("region", ["S12000017", "E06000001", "TLC"])
def test_the_gap_chart_keeps_every_tick_label_on_the_picture(ons_dir, region, monkeypatch):
    """Highland's projection ran to 2038 and matplotlib's 5% margin put a 2040 tick at the axis' end,
    so the PNG cut its label to "204". Every tick label of the drawn chart lies inside the figure."""
    from levelup.analysis.gap import gap_outlook
    from levelup.geo import resolve
    from levelup.report import figures

    drawn = []
    monkeypatch.setattr(figures, "png", lambda fig, title: drawn.append(fig) or b"")
    res = gap_outlook(resolve(region))
    figures.gap_chart(res)
    (fig,) = drawn
    fig.canvas.draw()
    assert _past_the_edges(fig) == (0.0, 0.0), region


def _past_the_edges(fig) -> tuple[float, float]:
    """How far (inches) everything drawn reaches past the figure's left and right edges, by
    matplotlib's own bounding box of the figure's artists (``Figure.get_tightbbox``)."""
    box = fig.get_tightbbox(fig.canvas.get_renderer())
    return max(0.0, -box.x0), max(0.0, box.x1 - fig.get_figwidth())


@pytest.mark.parametrize("values", [(83.8, 100.0), (250.0, 2500.5)])
def test_the_relative_chart_keeps_its_y_label_on_the_picture(monkeypatch, values):
    """Highland's "GDP per head relative to the UK" chart lost its "UK = 100" label: the tick labels
    "100.0" pushed it past the picture's left edge on the fixed layout (City of London's 2,500 too).
    After png() the figure as encoded has every label inside (read back from matplotlib's extents)."""
    from levelup.report import figures

    drawn = []
    real = figures.png
    monkeypatch.setattr(figures, "png", lambda fig, title: drawn.append(fig) or real(fig, title))
    years = range(1998, 2024)
    lo, hi = values
    frame = pd.DataFrame({"Highland": [lo + (hi - lo) * i / 25 for i in range(26)]}, index=years)
    figures.relative_figure(frame, "GDP per head", "Highland", "UK", False)
    (fig,) = drawn
    assert fig.axes[0].yaxis.label.get_text() == "UK = 100"
    assert _past_the_edges(fig) == (0.0, 0.0)


def test_a_label_past_the_edge_moves_the_axes_in_and_is_drawn_again():
    """The mechanism behind the test above, for any chart on a fixed layout: axes placed too close
    to both edges (tick labels "25,000.5" and a y label on the left, the year 2040 at the right end)
    are moved in by png(); a figure that fits is drawn once and left where it was."""
    from matplotlib.ticker import StrMethodFormatter

    from levelup.report import figures

    fig, ax = figures._plain_figure(7.2, 3.0, (0.02, 0.15, 0.97, 0.7))
    ax.plot([1998, 2040], [10000.5, 25000.5])
    ax.set_xlim(1998, 2040)
    ax.yaxis.set_major_formatter(StrMethodFormatter("{x:,.1f}"))
    ax.set_ylabel("GBP per head")
    figures.png(fig, "t")
    assert _past_the_edges(fig) == (0.0, 0.0)
    assert ax.get_position().x0 > 0.02 and ax.get_position().x1 < 0.99

    fig, ax = figures._plain_figure(7.2, 3.0)
    ax.plot([2000, 2020], [90, 95])
    draws = []
    fig.canvas.mpl_connect("draw_event", lambda event: draws.append(1))
    figures.png(fig, "t")
    assert len(draws) == 1 and tuple(ax.get_position().bounds) == pytest.approx((0.09, 0.14, 0.89, 0.76))


def test_an_index_in_the_thousands_is_written_with_a_separator(ons_dir):
    """City of London's GDP per head is over 200 times the UK's: its sentence read "20550.1% above
    the UK average (20650.1 against UK = 100)"; numbers in the thousands take a comma, as elsewhere
    in the report."""
    from levelup.report import model_sections as M
    from levelup.report import sections as S

    ctx = S.context("E09000001")
    index = float(ctx.headline.set_index("measure").loc["gdp_per_head", "index"])
    assert index > 1100
    text = S.headline_text(ctx)._repr_html_()
    assert f"{index - 100:,.1f}% above" in text and f"({index:,.1f} against" in text
    assert f"{index - 100:.1f}%" not in text
    assert "," in M.gap(ctx)._repr_html_().split("% of the")[0].split("was ")[-1]
    # the headline table ("20650.1"), the revisions sentence, table and alt text, the why-the-gap table
    import re

    from levelup.report import why_sections as W

    html = S.headline_table(ctx)._repr_html_() + W.revisions(ctx)._repr_html_() + W.why_gap(ctx)._repr_html_()
    html = re.sub(r"base64,[A-Za-z0-9+/=]+", "", html)  # the pictures' bytes
    assert re.findall(r"\d{1,3},\d{3}\.\d", html) and not re.findall(r"(?<![\d,])\d{4,}\.\d", html)


def test_the_gap_charts_legend_sits_on_a_white_ground(ons_dir, monkeypatch):
    """Norfolk and Suffolk's wrapped title left no corner free, and the 100 line ran through the
    legend's last label. The legend has an opaque white ground, so a line behind it is hidden."""
    from matplotlib.colors import to_rgba

    from levelup.analysis.gap import gap_outlook
    from levelup.geo import resolve
    from levelup.report import figures

    drawn = []
    monkeypatch.setattr(figures, "png", lambda fig, title: drawn.append(fig) or b"")
    figures.gap_chart(gap_outlook(resolve("NSUF", level="place")))
    frame = drawn[0].axes[0].get_legend().get_frame()
    assert frame.get_visible() and frame.get_facecolor()[:3] == to_rgba("white")[:3]
    assert frame.get_facecolor()[3] >= 0.9
