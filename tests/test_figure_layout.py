"""Every frame of every interactive figure of the chapters: no legend or note over the data,
no curve leaving its axes, no tick labels on top of each other.

Each chapter's code cells run here, in one namespace, with ``interactive_figure``
replaced by a recorder; every combination of slider values is then drawn and
its artists' boxes checked in display coordinates (pixels of the saved frame).
"""

import itertools
import re

import jupytext
import matplotlib
import numpy as np
import pytest
from conftest import ROOT, english_words, figure_texts, run_recording_figures

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.text import Text  # noqa: E402

import lossopt.interactive  # noqa: E402
from lossopt import i18n  # noqa: E402

# Each chapter's code runs here, a minute or more a chapter.
pytestmark = pytest.mark.slow

CHAPTERS = sorted(path.name for path in (ROOT / "chapters").glob("0*.md"))
# Vertices closer than this (pixels) are enough to find a line crossing a box.
STEP_PX = 2.0
# A curve may overshoot its y-limits by this fraction of the axes height (line width).
OVERSHOOT = 0.01
# A text's box may pass the frame's edge by this much (pixels): the box holds the font's
# whole line height, above and below the ink (a y label's θ sits 1.7 px past the edge, its
# ink inside).
EDGE_PX = 2.0
# Curves with fewer vertices are paths of markers (a walker's steps), allowed to leave.
CURVE_VERTICES = 20


def recorded_figures(chapter, static=None):
    """Run the chapter's code; return [(draw, sliders)] for each interactive figure.

    ``static``, a list, receives every other figure the code draws, before it is closed.
    """
    notebook = jupytext.read(ROOT / "chapters" / chapter)
    sources = ["\n".join(line for line in cell.source.splitlines()
                         if not line.lstrip().startswith(("%", "!")))
               for cell in notebook.cells if cell.cell_type == "code"]
    return run_recording_figures(sources, f"{chapter} cell", static)


def visible_lines(ax):
    return [line for line in ax.lines if line.get_visible() and (line.get_alpha() is None
            or line.get_alpha() > 0) and (line.get_linestyle() not in ("None", "", " ")
                                          or line.get_marker() not in ("None", "", " ", None))]


def display_points(line, box):
    """The pixels a drawn line covers inside ``box`` (vertices joined every STEP_PX)."""
    xy = line.get_transform().transform(np.asarray(line.get_xydata(), dtype=float))
    xy = xy[np.isfinite(xy).all(axis=1)]
    if len(xy) > 1 and line.get_linestyle() not in ("None", "", " "):
        pieces = [xy[:1]]
        for a, b in zip(xy[:-1], xy[1:]):
            n = int(min(np.hypot(*(b - a)) // STEP_PX, 2000)) + 1
            pieces.append(a + (b - a) * np.linspace(0, 1, n + 1)[1:, None])
        xy = np.concatenate(pieces)
    inside = ((xy[:, 0] >= box.x0) & (xy[:, 0] <= box.x1)
              & (xy[:, 1] >= box.y0) & (xy[:, 1] <= box.y1))
    return xy[inside]


def covered(box, points, margin=1.0):
    return int(((points[:, 0] > box.x0 + margin) & (points[:, 0] < box.x1 - margin)
                & (points[:, 1] > box.y0 + margin) & (points[:, 1] < box.y1 - margin)).sum())


def layout_problems(fig):
    """What a reader would see wrong in ``fig``: a list of sentences (empty when clean)."""
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    problems = []
    for number, ax in enumerate(fig.axes):
        name = f"axes {number} ({ax.get_title() or ax.get_ylabel() or ax.get_label()})"
        if ax.name == "3d":
            problems += tick_overlaps(ax, renderer, name)
            continue
        points = [display_points(line, ax.bbox) for line in visible_lines(ax)]
        points = np.concatenate(points) if points else np.empty((0, 2))
        points = np.concatenate([points, *[c.get_offset_transform().transform(c.get_offsets())
                                           for c in ax.collections
                                           if type(c).__name__ == "PathCollection"]])
        legend = ax.get_legend()
        if legend is not None and legend.get_visible():
            hidden = covered(legend.get_window_extent(renderer), points)
            if hidden:
                problems.append(f"{name}: the legend covers {hidden} px of data")
        for text in ax.texts:
            if text.get_visible() and text.get_text().strip():
                hidden = covered(text.get_window_extent(renderer), points)
                if hidden:
                    problems.append(f"{name}: the note {text.get_text()!r} covers "
                                    f"{hidden} px of data")
        problems += curves_leaving(ax, name)
        problems += tick_overlaps(ax, renderer, name)
    return problems + texts_cut_off(fig, renderer)


def texts_cut_off(fig, renderer):
    """Titles, axis labels, notes and legends that run past the frame's edge.

    A frame is saved at the figure's size, not trimmed to its contents, so a
    title wider than the figure loses its ends.
    """
    artists = [*fig.texts, *fig.legends]
    for ax in fig.axes:
        artists += [ax.title, ax._left_title, ax._right_title, ax.xaxis.label,
                    ax.yaxis.label, *ax.texts, ax.get_legend()]
    frame = fig.bbox
    problems = []
    for artist in artists:
        if artist is None or not artist.get_visible() or \
                (isinstance(artist, Text) and not artist.get_text().strip()):
            continue
        box = artist.get_window_extent(renderer)
        if box.x0 < frame.x0 - EDGE_PX or box.x1 > frame.x1 + EDGE_PX or \
                box.y0 < frame.y0 - EDGE_PX or box.y1 > frame.y1 + EDGE_PX:
            what = repr(artist.get_text()) if isinstance(artist, Text) else "a legend"
            problems.append(f"{what} runs past the frame's edge")
    return problems


def curves_leaving(ax, name):
    """Curves (many vertices, no markers) that run past the y-limits inside the x-range.

    Points a figure left out on purpose (NaN: a run cut where it blew up) do not count,
    nor a curve sinking through the floor of a log axis (a run converging past the
    precision the axis shows).
    """
    problems = []
    x0, x1 = sorted(ax.get_xlim())
    y0, y1 = sorted(ax.get_ylim())
    for line in visible_lines(ax):
        if line.get_marker() not in ("None", "", " ", None) or \
                line.get_transform() != ax.transData:
            continue
        xy = np.asarray(line.get_xydata(), dtype=float)
        if len(xy) < CURVE_VERTICES:
            continue
        shown = (xy[:, 0] >= x0) & (xy[:, 0] <= x1) & np.isfinite(xy[:, 1])
        y = xy[shown, 1]
        # in display pixels, so log and symlog axes are measured as drawn
        y = ax.transData.transform(np.column_stack([np.full_like(y, (x0 + x1) / 2), y]))[:, 1]
        low, high = ax.bbox.y0, ax.bbox.y1
        slack = OVERSHOOT * (high - low)
        out = y > high + slack
        if ax.get_yscale() != "log":
            out |= y < low - slack
        if out.any():
            problems.append(f"{name}: the curve {line.get_label()!r} leaves the axes "
                            f"({out.sum()} of {len(y)} points)")
    return problems


def tick_overlaps(ax, renderer, name):
    problems = []
    axes = [ax.xaxis, ax.yaxis] + ([ax.zaxis] if ax.name == "3d" else [])
    for axis in axes:
        boxes = [label.get_window_extent(renderer) for label in axis.get_ticklabels()
                 if label.get_visible() and label.get_text()]
        for a, b in itertools.combinations(boxes, 2):
            if a.overlaps(b) and a.intersection(a, b).width * a.intersection(a, b).height > 4:
                problems.append(f"{name}: tick labels overlap on its {axis.axis_name} axis")
                break
    return problems


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_every_frame_is_clean(chapter, monkeypatch):
    monkeypatch.chdir(ROOT / "chapters")      # where the book build runs each chapter
    figures = recorded_figures(chapter)
    assert figures, f"{chapter} has no interactive figure"
    problems = []
    for number, (draw, sliders) in enumerate(figures):
        for values in lossopt.interactive.grid(**sliders):
            fig = draw(**values)
            try:
                found = layout_problems(fig)
            finally:
                plt.close(fig)
            problems += [f"figure {number} at {values}: {p}" for p in found]
    assert problems == [], f"{chapter}: {len(problems)} problems:\n" + "\n".join(problems)


#: Frames of each Korean figure drawn here: its words differ from the English frames', not
#: its data, so a sample (first, last and evenly between) meets every text it shows.
KOREAN_FRAMES = 8


def english_in(texts, where):
    return [f"{where}: {text!r} says {' '.join(english_words(text))!r} in English"
            for text in dict.fromkeys(texts) if english_words(text)]


def sample(frames, n=KOREAN_FRAMES):
    if len(frames) <= n:
        return frames
    return [frames[round(k * (len(frames) - 1) / (n - 1))] for k in range(n)]


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_the_korean_figures_speak_korean_and_fit(chapter, monkeypatch):
    """The Korean edition's figures: no English word, and their frames as clean as the English.

    Every static figure, every slider's label and value names, and a sample of every
    interactive figure's frames, drawn as the Korean build draws them.
    """
    monkeypatch.setenv(i18n.LANGUAGE_ENV, "ko")
    monkeypatch.chdir(ROOT / "chapters")
    problems = []
    with matplotlib.rc_context():
        i18n.use_language_font("ko")
        static = []
        figures = recorded_figures(chapter, static)
        for number, fig in enumerate(static):
            problems += english_in(figure_texts(fig), f"figure {number} (static)")
            plt.close(fig)
        for number, (draw, sliders) in enumerate(figures):
            shown = [s.label or name for name, s in sliders.items()]
            shown += [label for s in sliders.values() for label in s.labels()]
            problems += english_in(shown, f"figure {number}'s sliders")
            for values in sample(lossopt.interactive.grid(**sliders)):
                fig = draw(**values)
                try:
                    where = f"figure {number} at {values}"
                    problems += english_in(figure_texts(fig), where)
                    problems += [f"{where}: {p}" for p in layout_problems(fig)]
                finally:
                    plt.close(fig)
    assert problems == [], f"{chapter} in Korean: {len(problems)} problems:\n" + "\n".join(problems)


def test_the_english_word_audit_tells_names_and_maths_from_words():
    assert english_words(r"$\eta$ = 0.1: 전체 배치 GD 10 스텝, MSE 1e+05, lr = 0.1") == []
    assert english_words("배치 크기 5: 8 steps per epoch") == ["steps", "per", "epoch"]
    assert english_words(r"$\theta$ (where we stand)") == ["where", "we", "stand"]


def test_the_audit_sees_a_title_cut_off_by_the_frame():
    fig, ax = plt.subplots(figsize=(2, 2), dpi=80)
    ax.set_title("a title far too long for a figure two inches wide")
    assert any("runs past the frame's edge" in p for p in layout_problems(fig))
    ax.set_title("short")
    assert not any("runs past" in p for p in layout_problems(fig))
    plt.close(fig)


def test_the_audit_sees_a_legend_over_a_curve_and_a_curve_past_its_axes():
    fig, ax = plt.subplots(figsize=(4, 3), dpi=80)
    x = np.linspace(0, 1, 50)
    ax.plot(x, np.ones_like(x), label="flat")
    ax.legend(loc="center")
    ax.set_ylim(0, 2)
    assert any("legend covers" in p for p in layout_problems(fig))
    ax.get_legend().remove()
    ax.plot(x, 3 * x, label="steep")
    assert any("'steep' leaves the axes" in p for p in layout_problems(fig))
    plt.close(fig)
