"""Interactive figures: one call, two modes.

A figure is a function of named slider values that returns a matplotlib Figure::

    from lossopt.interactive import Slider, interactive_figure

    def draw(lr, gamma):
        fig, ax = plt.subplots(figsize=(6, 3.5), layout="constrained")
        ...
        return fig

    interactive_figure(draw, lr=Slider(0.05, 0.5, 0.05, default=0.1),
                       gamma=Slider.choices([0.0, 0.5, 0.9]))

In a live kernel the sliders call ``draw`` again at every move and replace the
image in place.  When the book is built (environment variable
``LOSSOPT_STATIC_FIGURES=1``), the same call draws every combination of slider
values once and links the sliders to those frames in the browser (a
``SelectionSlider`` whose index is ``jslink``-ed to a ``Stack`` of images;
nested Stacks for several sliders), so the static website needs no kernel.

Every figure rendered here is closed afterwards, so none piles up or shows
twice.

Frames are drawn at ``DENSITY`` (2) device pixels per CSS pixel and the
image is told its CSS width (``DPI`` CSS pixels an inch of figure), so they
are sharp on high-density screens and take the same room as before.  On a
narrow screen the site's CSS shrinks them to the column, but never below
``MIN_SCALE`` of that width (text stays readable on a phone): a wider frame
scrolls sideways in its ``lossopt-pan`` box, whose hidden edge fades out.

In a live kernel the figure's output also carries a PNG of the frame shown
when it was displayed and a plain-text line, so a saved notebook opened
where widgets do not run (GitHub, nbviewer, an editor without the widget
extension) shows the figure, not ``VBox(children=(SelectionSlider(...``.

Static frames are drawn in parallel when the figure is made in a Jupyter
kernel (the book build executes each page in one): the kernel forks one
worker per CPU, so ``draw`` needs no pickling, and each worker returns its
PNG bytes and what ``draw`` printed, which is printed again here, in frame
order.  ``draw`` must then depend only on its slider values (a frame drawn in
a worker cannot change the kernel's state).  ``LOSSOPT_FRAME_JOBS=N`` sets the
number of workers anywhere (1: draw every frame here, one after another).
"""

import base64
import contextlib
import io
import itertools
import math
import multiprocessing
import os
import re
import sys
import traceback
from numbers import Real

import ipywidgets as widgets
import matplotlib.pyplot as plt
from matplotlib.figure import Figure
from PIL import Image

from lossopt.cpus import usable_cpus

STATIC_ENV = "LOSSOPT_STATIC_FIGURES"
FRAME_JOBS_ENV = "LOSSOPT_FRAME_JOBS"
# CSS pixels per inch of figure: a 6-inch-wide figure takes 480 CSS pixels.
DPI = 80
# Device pixels per CSS pixel of a frame: sharp on phones and high-density screens.
DENSITY = 2
# PNG frames are quantized to this many colours: a plot has few distinct colours
# and a palette PNG is a third to a fifth of a true-colour one (and of an SVG).
# At twice the density, 32 colours keep edges smooth and the heaviest page (109
# frames) within 4 MB; 128 would put it at 5.8 MB (WebP is larger still).
PALETTE_COLORS = 32
# A frame shrinks to fit a narrow column down to this fraction of its CSS width, no
# further: at 0.85 a figure's 10-point tick labels stay about 7 px tall.
MIN_SCALE = 0.85


class Slider:
    """The values one slider can take: a grid ``start, start + step, ..., stop``.

    ``default`` is where the slider starts (the middle value if None); it must
    be one of the values.  ``label`` is shown beside the slider (the keyword
    name if None).  ``Slider.choices`` takes an explicit list instead.
    """

    def __init__(self, start, stop, step, default=None, label=None):
        for name, number in (("start", start), ("stop", stop), ("step", step)):
            if not isinstance(number, Real) or not math.isfinite(number):
                raise ValueError(f"Slider {name} must be a finite number, got {number!r}")
        if step <= 0:
            raise ValueError(f"Slider step must be > 0, got {step}")
        if stop < start:
            raise ValueError(f"Slider stop ({stop}) must be >= start ({start})")
        count = (stop - start) / step
        if abs(count - round(count)) > 1e-6:
            raise ValueError(f"Slider step {step} does not divide stop - start = {stop - start}")
        count = round(count)
        if all(isinstance(n, int) for n in (start, stop, step)):
            values = [start + k * step for k in range(count + 1)]
        else:
            # Round to the step's decimals so labels read 0.3, not 0.30000000000000004.
            decimals = max(0, 12 - int(math.floor(math.log10(step))))
            values = [round(start + k * step, decimals) for k in range(count + 1)]
        self._setup(values, default, label)

    @classmethod
    def choices(cls, values, default=None, label=None, names=None):
        """A slider over an explicit list of values (numbers or strings).

        ``names``, a function of a value, gives the text the slider shows for it (a
        string value in the reader's language, say ``names=tr``); ``draw`` still
        receives the value itself.
        """
        values = list(values)
        if not values:
            raise ValueError("Slider.choices needs at least one value")
        if len(set(map(repr, values))) != len(values):
            raise ValueError(f"Slider.choices values must be distinct, got {values}")
        slider = cls.__new__(cls)
        slider._setup(values, default, label, names)
        return slider

    def _setup(self, values, default, label, names=None):
        self.values = tuple(values)
        if default is None:
            self.index = (len(self.values) - 1) // 2
        else:
            self.index = _index_of(self.values, default)
        self.default = self.values[self.index]
        self.label = label
        self._names = names

    def labels(self):
        """The text shown for each value."""
        if self._names is not None:
            return [str(self._names(value)) for value in self.values]
        return [_format(value) for value in self.values]

    def __len__(self):
        return len(self.values)

    def __repr__(self):
        return f"Slider(values={list(self.values)}, default={self.default!r})"


def _index_of(values, default):
    for k, value in enumerate(values):
        if isinstance(value, Real) and isinstance(default, Real):
            if math.isclose(value, default, rel_tol=1e-9, abs_tol=1e-12):
                return k
        elif value == default:
            return k
    raise ValueError(f"default {default!r} is not one of the slider values {list(values)}")


def _format(value):
    if isinstance(value, Real) and not isinstance(value, bool):
        return f"{value:g}"
    return str(value)


def grid(**sliders):
    """Every combination of slider values, the last slider varying fastest.

    Returns a list of dicts ``{name: value}``; its length is the frame count.
    """
    names = list(sliders)
    return [dict(zip(names, combo))
            for combo in itertools.product(*(s.values for s in sliders.values()))]


def static_mode():
    """True while the book is built: figures become precomputed frames."""
    return os.environ.get(STATIC_ENV, "") not in ("", "0")


def interactive_figure(draw, max_frames=60, **sliders):
    """Show ``draw(**values)`` with one slider per keyword argument.

    ``draw`` returns a matplotlib Figure.  Each keyword is a :class:`Slider`.
    The grid of all slider combinations may hold at most ``max_frames``
    frames (the static site stores one image per combination).  Returns a
    widget; make it the last expression of a cell to show it.
    """
    if not callable(draw):
        raise ValueError(f"draw must be a function returning a Figure, got {draw!r}")
    if not sliders:
        raise ValueError("interactive_figure needs at least one slider, e.g. lr=Slider(0.1, 1, 0.1)")
    for name, slider in sliders.items():
        if not isinstance(slider, Slider):
            raise ValueError(f"slider {name!r} must be a Slider, got {slider!r}")
    count = math.prod(len(s) for s in sliders.values())
    if count > max_frames:
        shape = " x ".join(f"{len(s)} {name}" for name, s in sliders.items())
        raise ValueError(f"the slider grid has {count} frames ({shape}), more than the "
                         f"budget max_frames={max_frames}; use fewer slider values")
    if static_mode():
        return _static_figure(draw, sliders)
    return _live_figure(draw, sliders)


def render(draw, values, palette=True):
    """Call ``draw(**values)``, return its PNG bytes, and close the figure."""
    fig = draw(**values)
    if not isinstance(fig, Figure):
        raise ValueError(f"draw must return a matplotlib Figure, got {type(fig).__name__}")
    try:
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=DPI * DENSITY)
    finally:
        plt.close(fig)
    if not palette:
        return buffer.getvalue()
    buffer.seek(0)
    # Fast octree quantization is about 4x quicker than median cut here, and as small.
    image = Image.open(buffer).convert("RGB").quantize(
        colors=PALETTE_COLORS, method=Image.Quantize.FASTOCTREE)
    small = io.BytesIO()
    image.save(small, format="PNG", optimize=True)
    return small.getvalue()


def css_width(png):
    """The CSS width in pixels at which a frame from :func:`render` shows at 1:1.

    A PNG stores its pixel width big-endian at bytes 16-19 (the IHDR chunk).
    """
    return max(1, round(int.from_bytes(png[16:20], "big") / DENSITY))


def _in_kernel():
    """True inside a Jupyter kernel (where the book build runs each page)."""
    if "ipykernel" not in sys.modules:
        return False
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and getattr(shell, "kernel", None) is not None


def frame_jobs(count):
    """How many processes draw ``count`` static frames (see the module doc)."""
    text = os.environ.get(FRAME_JOBS_ENV, "").strip()
    if text:
        try:
            jobs = int(text)
        except ValueError:
            raise ValueError(f"{FRAME_JOBS_ENV} must be a whole number of processes, "
                             f"got {text!r}") from None
        if jobs < 1:
            raise ValueError(f"{FRAME_JOBS_ENV} must be at least 1, got {jobs}")
    else:
        jobs = usable_cpus() if _in_kernel() else 1
    if "fork" not in multiprocessing.get_all_start_methods():
        return 1
    return max(1, min(jobs, count // 2))    # a worker for fewer than 2 frames costs more


_FORKED_DRAW = None     # the draw function, as the forked workers inherit it


def _quiet_worker():
    # The kernel's stdout/stderr send to its sockets: a forked worker must not.
    sys.stdout, sys.stderr = io.StringIO(), io.StringIO()


def _render_forked(values):
    """In a worker: (png or None if draw failed, printed stdout, printed stderr)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            png = render(_FORKED_DRAW, values)
        except Exception:
            png = None
    return png, out.getvalue(), err.getvalue()


def render_frames(draw, combos):
    """PNG bytes of ``render(draw, values)`` for each of ``combos``, in order."""
    global _FORKED_DRAW
    jobs = frame_jobs(len(combos))
    if jobs > 1:
        for stream in (sys.stdout, sys.stderr):
            stream.flush()       # nothing buffered may be copied into the workers
        _FORKED_DRAW = draw
        try:
            with multiprocessing.get_context("fork").Pool(jobs, _quiet_worker) as pool:
                done = pool.map(_render_forked, combos, chunksize=1)
                pool.close()
                pool.join()
        except OSError:
            done = None          # could not fork: draw here instead
        finally:
            _FORKED_DRAW = None
        if done is not None:
            frames = []
            for values, (png, out, err) in zip(combos, done):
                sys.stdout.write(out)
                sys.stderr.write(err)
                # a frame that failed in a worker is drawn here, so its error is raised here
                frames.append(png if png is not None else render(draw, values))
            return frames
    return [render(draw, values) for values in combos]


def _describe(values):
    return ", ".join(f"{name} = {_format(value)}" for name, value in values.items())


def frame_class(values):
    """The CSS class that marks the frame drawn for ``values`` on the static site.

    ``values`` are the sliders' values or the texts they show for them
    (:meth:`Slider.labels`).  The class lists them as displayed, e.g. ``lossopt-at=0.1|0.9``
    (whitespace becomes ``_``), so a browser test can check that the frame shown
    is the one drawn for the values the sliders show.  (Image widgets cannot
    carry a tooltip: ipywidgets 8.1 fails to render an Image that has one.)
    """
    return "lossopt-at=" + "|".join(re.sub(r"\s+", "_", _format(v)) for v in values.values())


def _selection_sliders(sliders):
    """One SelectionSlider per Slider; they show the real values, not indices."""
    descriptions = {name: s.label or name for name, s in sliders.items()}
    # One description width for all, so the slider tracks line up.
    width = f"{0.6 * max(map(len, descriptions.values())) + 1:.1f}em"
    return {name: widgets.SelectionSlider(
                options=list(zip(s.labels(), s.values)),
                index=s.index,
                description=descriptions[name],
                continuous_update=True,
                style={"description_width": width},
                # Full column width up to 460 px: on a phone the track shrinks, so
                # the value readout stays on screen.
                layout=widgets.Layout(width="100%", max_width="460px"))
            for name, s in sliders.items()}


def _live_figure(draw, sliders):
    """Real sliders: every move calls ``draw`` and replaces the image's bytes."""
    controls = _selection_sliders(sliders)
    current = {name: s.default for name, s in sliders.items()}
    first = render(draw, current, palette=False)
    image = widgets.Image(value=first, format="png", width=str(css_width(first)))
    errors = widgets.Output()

    def redraw(change):
        values = {name: control.value for name, control in controls.items()}
        errors.outputs = ()  # clear_output() would need a kernel; this works anywhere
        try:
            png = render(draw, values, palette=False)
        except Exception:
            errors.append_stdout(f"draw({_describe(values)}) failed:\n{traceback.format_exc()}")
            return
        image.value = png
        image.width = str(css_width(png))

    for control in controls.values():
        control.observe(redraw, names="value")
    box = LiveFigure([*controls.values(), image, errors])
    box.add_class("lossopt-figure")
    return box


class LiveFigure(widgets.VBox):
    """The box of a live figure; its output also holds a still of the frame shown.

    A front end that runs widgets shows the sliders (it ranks the widget view
    above images); any other shows the PNG and, in text-only places, a line
    naming the slider values.
    """

    def _repr_mimebundle_(self, **kwargs):
        data = super()._repr_mimebundle_(**kwargs)
        *controls, image, _errors = self.children
        values = ", ".join(f"{c.description} = {c.label}" for c in controls)
        data["text/plain"] = (f"Interactive figure ({values}); run the notebook with "
                              "ipywidgets to move its sliders.")
        data["image/png"] = base64.b64encode(bytes(image.value)).decode("ascii")
        return data, {"image/png": {"width": int(image.width)}}


def _static_figure(draw, sliders):
    """Precompute every frame and link the sliders to nested Stacks in the browser."""
    names = list(sliders)
    controls = list(_selection_sliders(sliders).values())
    stacks_at_depth = [[] for _ in names]
    # One Layout shared by every Stack and one by every frame: the page stores each once.
    layout = widgets.Layout()
    pngs = render_frames(draw, grid(**sliders))
    narrowest = min(map(css_width, pngs))
    frame_layout = widgets.Layout(min_width=f"{math.floor(MIN_SCALE * narrowest)}px")
    frames = iter(pngs)   # in the order build() visits them

    def build(depth, shown):
        """The Stack of the frames below the slider values ``shown`` (as displayed)."""
        if depth == len(names):
            png = next(frames)
            frame = widgets.Image(value=png, format="png", width=str(css_width(png)),
                                  layout=frame_layout)
            frame.add_class("lossopt-frame")
            frame.add_class(frame_class(shown))
            return frame
        slider = sliders[names[depth]]
        children = [build(depth + 1, {**shown, names[depth]: label})
                    for label in slider.labels()]
        stack = widgets.Stack(children=children, selected_index=slider.index, layout=layout)
        stacks_at_depth[depth].append(stack)
        return stack

    root = build(0, {})
    # The outermost Stack gets its own Layout: at most the column's width, scrolling
    # sideways when a frame at MIN_SCALE is wider (lossopt-site.css/js add the cue).
    root.layout = widgets.Layout(max_width="100%", overflow="auto hidden")
    root.add_class("lossopt-pan")
    # The links live in the browser: the page needs no kernel to switch frames.
    links = [widgets.jslink((control, "index"), (stack, "selected_index"))
             for control, stacks in zip(controls, stacks_at_depth) for stack in stacks]
    box = widgets.VBox([*controls, root])
    box.add_class("lossopt-figure")
    box._lossopt_links = links  # keep them reachable, and inspectable by tests
    return box
