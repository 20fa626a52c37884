"""Making, fitting and encoding the report's matplotlib figures (the charts are in ``figures``).

Figures are built on the Agg canvas without pyplot; most have one axes at a fixed position
(:func:`_plain_figure`: no layout engine, so a figure is drawn once), and :func:`png` draws it,
moves the axes in when a label would reach past the picture's edge, and encodes the pixels.
A :class:`Backdrop` holds the part of a figure every area of a level shares, drawn once per worker.
"""

from __future__ import annotations

import io
import textwrap
from typing import Any

import numpy as np


def _wrap(title: str, width: int = 90) -> str:
    """A chart title broken into lines that fit the figure (the caption and PNG keep it whole)."""
    return textwrap.fill(title, width)


#: Titles fixed atop their axes (else every draw measures the tick labels to lift them over what sits
#: there: nothing here) and zlib level 1 PNGs (10% larger): 20% of the drawing (issue 21), same pixels.
_AXES_RC, _PNG = {"axes.titley": 1.0}, {"compress_level": 1}


def _axes(fig: Any, rect: tuple | None = None) -> Any:
    """New axes on ``fig`` (at ``rect``, or the whole figure under its layout engine)."""
    import matplotlib as mpl

    with mpl.rc_context(_AXES_RC):
        return fig.add_subplot() if rect is None else fig.add_axes(rect)


def _new_figure(width: float = 7.2, height: float = 3.3):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=110, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


class Backdrop:
    """A figure whose shared part (the same for every area of a level) is drawn once per worker.

    Each report restores those pixels, draws only its own artists on top (highlight, legend,
    title), encodes the PNG and removes them again, so the figure is unchanged for the next
    report. Every report goes through the same steps (the first one of a worker included), so
    the bytes of a report's figure do not depend on what was drawn before it. Axis limits are
    frozen after the first draw: the region's artists never rescale the shared part.
    """

    def __init__(self, fig: Any):
        self.fig = fig
        fig.canvas.draw()
        for ax in fig.axes:
            ax.set_autoscale_on(False)
        self.background = fig.canvas.copy_from_bbox(fig.bbox)

    def png(self, title: str, artists: list) -> bytes:
        try:
            self.fig.canvas.restore_region(self.background)
            for a in artists:
                self.fig.draw_artist(a)
            return _encode(self.fig, title)
        finally:
            for a in artists:
                a.remove()


def _plain_figure(width: float, height: float, rect: tuple = (0.09, 0.14, 0.89, 0.76)):
    """A figure with one axes at a fixed position: no layout engine (it doubles the drawing
    cost and its result would depend on the labels), so every report is drawn once."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=110)
    FigureCanvasAgg(fig)
    return fig, _axes(fig, rect)


def _title(ax: Any, title: str, width: int = 90) -> None:
    """Set a wrapped chart title; on a fixed-layout figure each extra line shrinks the axes by
    one line's height, so a long place name never pushes the title off the picture."""
    text = _wrap(title, width)
    ax.set_title(text, fontsize=10, loc="left")
    extra = text.count("\n")
    if extra and ax.figure.get_layout_engine() is None:
        pos = ax.get_position()
        dy = extra * 13 / 72 / ax.figure.get_figheight()  # 10 pt type on 13 pt lines, as a figure fraction
        ax.set_position([pos.x0, pos.y0, pos.width, pos.height - dy])


def _style(ax: Any) -> None:
    ax.grid(axis="y", color="#dddddd", lw=0.6)
    ax.spines[["top", "right"]].set_visible(False)


def _overhang(fig: Any) -> tuple[float, float]:
    """How far (pixels) the drawn axis labels and tick labels reach past the figure's left and
    right edges: a fixed layout does not move the axes for wide tick labels ("100.0") or a year
    label at the axis' end."""
    r = fig.canvas.get_renderer()
    left = right = 0.0
    for ax in fig.axes:
        (x0, x1), (y0, y1) = sorted(ax.get_xlim()), sorted(ax.get_ylim())
        texts = [ax.xaxis.label, ax.yaxis.label]
        texts += [t for t in ax.get_xticklabels() if x0 <= t.get_position()[0] <= x1]
        texts += [t for t in ax.get_yticklabels() if y0 <= t.get_position()[1] <= y1]
        for t in texts:
            if t.get_visible() and t.get_text():
                box = t.get_window_extent(r)
                left, right = max(left, fig.bbox.x0 - box.x0), max(right, box.x1 - fig.bbox.x1)
    return left, right


def png(fig: Any, title: str) -> bytes:
    """A matplotlib figure as PNG bytes, titled ``title`` (no software stamp: deterministic bytes).

    On a fixed layout, labels that would reach past the picture's edge (the y label beside wide tick
    labels, the last year of an axis) move the axes in by that much, plus a margin, and the figure is
    drawn again; otherwise it is drawn once."""
    fig.canvas.draw()
    left, right = _overhang(fig) if fig.get_layout_engine() is None else (0.0, 0.0)
    if left > 0 or right > 0:
        w = fig.bbox.width
        dl, dr = (left + 3) / w if left > 0 else 0.0, (right + 3) / w if right > 0 else 0.0
        for ax in fig.axes:
            pos = ax.get_position()
            ax.set_position([pos.x0 + dl, pos.y0, pos.width - dl - dr, pos.height])
        fig.canvas.draw()
    return _encode(fig, title)


def _encode(fig: Any, title: str) -> bytes:
    """The pixels drawn on ``fig``'s canvas as PNG bytes, titled, with no software stamp (so the
    bytes are the same on every run) and deflated at zlib's fastest level."""
    from matplotlib.image import imsave

    buf = io.BytesIO()
    imsave(buf, np.asarray(fig.canvas.buffer_rgba()), format="png", dpi=fig.dpi,
           metadata={"Title": title, "Software": None}, pil_kwargs=dict(_PNG))
    return buf.getvalue()
