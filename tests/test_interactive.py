"""lossopt.interactive: slider grids, the frame budget, live redraws and static frames."""

import base64
import math

import ipywidgets as widgets
from ipywidgets.widgets.widget_link import Link
import matplotlib
import matplotlib.pyplot as plt
import pytest

from lossopt import interactive
from lossopt.interactive import Slider, frame_class, grid, interactive_figure

matplotlib.use("Agg")

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def png(image):
    """An Image widget's bytes (ipywidgets keeps them as a memoryview)."""
    return bytes(image.value)


class Recorder:
    """A draw function that remembers its calls and draws its arguments as text."""

    def __init__(self):
        self.calls = []

    def __call__(self, **values):
        self.calls.append(values)
        fig, ax = plt.subplots(figsize=(3, 2))
        ax.plot([0, 1], [0, len(self.calls) % 7])
        ax.set_title(", ".join(f"{k}={v}" for k, v in values.items()))
        return fig


@pytest.fixture
def live(monkeypatch):
    monkeypatch.delenv(interactive.STATIC_ENV, raising=False)


@pytest.fixture
def static(monkeypatch):
    monkeypatch.setenv(interactive.STATIC_ENV, "1")


# Slider grids ----------------------------------------------------------------

def test_float_grid_is_exact_and_inclusive():
    slider = Slider(0.1, 0.5, 0.1)
    assert slider.values == (0.1, 0.2, 0.3, 0.4, 0.5)
    assert slider.labels() == ["0.1", "0.2", "0.3", "0.4", "0.5"]


def test_int_grid_stays_int_and_default_is_the_middle():
    slider = Slider(0, 1000, 100)
    assert slider.values == tuple(range(0, 1001, 100))
    assert all(isinstance(v, int) for v in slider.values)
    assert slider.default == 500 and slider.index == 5


def test_explicit_default_matches_within_rounding():
    slider = Slider(0.05, 1.05, 0.1, default=0.15)
    assert slider.default == 0.15
    assert slider.index == 1


def test_choices_take_strings_and_numbers():
    slider = Slider.choices(["mse", "mae", "huber"], default="mae", label="loss")
    assert slider.values == ("mse", "mae", "huber")
    assert slider.default == "mae" and slider.label == "loss"
    assert Slider.choices([0.0, 0.9]).labels() == ["0", "0.9"]


@pytest.mark.parametrize("make, words", [
    (lambda: Slider(0, 1, 0.3), "does not divide"),
    (lambda: Slider(0, 1, 0), "step must be > 0"),
    (lambda: Slider(1, 0, 0.1), "must be >= start"),
    (lambda: Slider(0, 1, 0.5, default=0.7), "not one of the slider values"),
    (lambda: Slider(0, float("nan"), 0.5), "finite number"),
    (lambda: Slider.choices([]), "at least one value"),
    (lambda: Slider.choices([1, 2, 1]), "distinct"),
    (lambda: Slider.choices(["a", "b"], default="c"), "not one of the slider values"),
])
def test_bad_sliders_are_value_errors(make, words):
    with pytest.raises(ValueError, match=words):
        make()


def test_grid_enumerates_every_combination_last_slider_fastest():
    combos = grid(lr=Slider(1, 3, 1), gamma=Slider.choices(["a", "b"]))
    assert combos == [
        {"lr": 1, "gamma": "a"}, {"lr": 1, "gamma": "b"},
        {"lr": 2, "gamma": "a"}, {"lr": 2, "gamma": "b"},
        {"lr": 3, "gamma": "a"}, {"lr": 3, "gamma": "b"},
    ]


# The frame budget --------------------------------------------------------------

@pytest.mark.parametrize("mode", ["live", "static"])
def test_budget_is_a_value_error_naming_grid_and_budget(request, mode):
    request.getfixturevalue(mode)
    draw = Recorder()
    with pytest.raises(ValueError, match=r"61 frames .*max_frames=60"):
        interactive_figure(draw, lr=Slider(0, 60, 1))
    with pytest.raises(ValueError, match=r"12 frames \(4 lr x 3 gamma\).*max_frames=10"):
        interactive_figure(draw, max_frames=10, lr=Slider(1, 4, 1), gamma=Slider(1, 3, 1))
    assert draw.calls == [], "nothing is drawn once the budget is exceeded"


def test_bad_calls_are_value_errors(live):
    with pytest.raises(ValueError, match="at least one slider"):
        interactive_figure(Recorder())
    with pytest.raises(ValueError, match="must be a Slider"):
        interactive_figure(Recorder(), lr=[0.1, 0.2])
    with pytest.raises(ValueError, match="must return a matplotlib Figure"):
        interactive_figure(lambda lr: None, lr=Slider(1, 2, 1))


# Live mode: real sliders that redraw --------------------------------------------

def test_live_slider_redraws_with_the_new_values(live):
    draw = Recorder()
    box = interactive_figure(draw, lr=Slider(0.1, 0.5, 0.1, default=0.2),
                             gamma=Slider.choices([0.0, 0.9]))
    lr_slider, gamma_slider, image = box.children[:3]
    assert isinstance(lr_slider, widgets.SelectionSlider)
    assert isinstance(image, widgets.Image)
    assert draw.calls == [{"lr": 0.2, "gamma": 0.0}]
    first = png(image)
    assert first.startswith(PNG_MAGIC)

    lr_slider.value = 0.4
    assert draw.calls[-1] == {"lr": 0.4, "gamma": 0.0}
    second = png(image)
    assert second != first

    gamma_slider.index = 1
    assert draw.calls[-1] == {"lr": 0.4, "gamma": 0.9}
    assert png(image) not in (first, second)
    assert len(draw.calls) == 3
    # The same Image widget is updated in place: no stacked figures, no open figures.
    assert box.children[2] is image
    assert plt.get_fignums() == []


def test_live_slider_shows_real_values_not_indices(live):
    box = interactive_figure(Recorder(), lr=Slider(0.1, 0.3, 0.1))
    slider = box.children[0]
    assert slider._options_labels == ("0.1", "0.2", "0.3")
    assert slider.value == 0.2 and slider.label == "0.2"


def test_live_draw_error_is_reported_and_keeps_the_last_image(live):
    def draw(lr):
        if lr > 2:
            raise RuntimeError("lr too large for this demo")
        return Recorder()(lr=lr)

    box = interactive_figure(draw, lr=Slider(1, 3, 1, default=1))
    slider, image, errors = box.children
    before = png(image)
    slider.value = 3
    assert png(image) == before
    assert "lr too large for this demo" in str(errors.outputs)
    slider.value = 2
    assert png(image) != before
    assert errors.outputs == ()


# Static mode: precomputed frames linked in the browser ----------------------------

def test_static_one_slider_is_a_linked_stack_of_frames(static):
    draw = Recorder()
    box = interactive_figure(draw, lr=Slider(0.1, 0.5, 0.1, default=0.3))
    slider, stack = box.children
    assert isinstance(slider, widgets.SelectionSlider)
    assert isinstance(stack, widgets.Stack)
    assert len(stack.children) == 5
    assert stack.selected_index == slider.index == 2
    assert [c["lr"] for c in draw.calls] == [0.1, 0.2, 0.3, 0.4, 0.5]
    frames = stack.children
    assert all(isinstance(f, widgets.Image) and png(f).startswith(PNG_MAGIC) for f in frames)
    assert len({png(f) for f in frames}) == 5
    assert frames[3]._dom_classes == ("lossopt-frame", "lossopt-at=0.4")
    (link,) = box._lossopt_links
    assert isinstance(link, Link)
    assert link.source == (slider, "index")
    assert link.target == (stack, "selected_index")
    assert plt.get_fignums() == []


def test_static_two_sliders_nest_stacks_and_link_every_inner_stack(static):
    draw = Recorder()
    box = interactive_figure(draw, lr=Slider(1, 3, 1), gamma=Slider.choices(["a", "b"]))
    lr_slider, gamma_slider, outer = box.children
    assert len(draw.calls) == 6
    assert [type(c) for c in outer.children] == [widgets.Stack] * 3
    assert all(len(inner.children) == 2 for inner in outer.children)
    assert outer.children[2].children[1]._dom_classes[1] == "lossopt-at=3|b"
    links = {(link.source[0].model_id, link.target[0].model_id) for link in box._lossopt_links}
    assert links == {(lr_slider.model_id, outer.model_id)} | {
        (gamma_slider.model_id, inner.model_id) for inner in outer.children}
    assert all(link.source[1] == "index" and link.target[1] == "selected_index"
               for link in box._lossopt_links)


def test_static_frames_are_small_palette_pngs(static):
    box = interactive_figure(Recorder(), lr=Slider(1, 2, 1))
    frame = box.children[1].children[0]
    assert png(frame).startswith(PNG_MAGIC)
    # Byte 25 of a PNG is its colour type: 3 means an indexed palette.
    assert png(frame)[25] == 3
    assert len(png(frame)) < 20_000


def test_frame_class_uses_displayed_labels():
    assert frame_class({"lr": 0.30000000000000004, "kind": "log cosh"}) == "lossopt-at=0.3|log_cosh"


# A real kernel: the figure displays once, redraws in place, leaves no stray figures --

@pytest.mark.slow
def test_live_figure_in_a_real_kernel(live, tmp_path):
    import nbformat
    from nbclient import NotebookClient

    setup = """
import matplotlib.pyplot as plt
from lossopt.interactive import Slider, interactive_figure
calls = []
def draw(lr):
    calls.append(lr)
    fig, ax = plt.subplots(figsize=(3, 2))
    ax.plot([0, 1], [0, lr])
    return fig
box = interactive_figure(draw, lr=Slider(0.1, 0.5, 0.1))
box
"""
    move = """
slider, image = box.children[:2]
before = bytes(image.value)
slider.value = 0.5
print(calls, bytes(image.value) != before, plt.get_fignums())
"""
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(setup),
                                               nbformat.v4.new_code_cell(move)])
    NotebookClient(notebook, timeout=120, kernel_name="python3",
                   resources={"metadata": {"path": str(tmp_path)}}).execute()
    shown, moved = (cell.outputs for cell in notebook.cells)
    (output,) = [output for output in shown if "data" in output]
    assert sorted(output["data"]) == [
        "application/vnd.jupyter.widget-view+json", "image/png", "text/plain"]
    # Where widgets do not run, the saved notebook shows the first frame and a sentence.
    still = base64.b64decode(output["data"]["image/png"])
    assert still.startswith(PNG_MAGIC)
    assert output["metadata"]["image/png"]["width"] == interactive.css_width(still)
    assert output["data"]["text/plain"].startswith("Interactive figure (lr = 0.3)")
    assert [output["text"] for output in moved] == ["[0.3, 0.5] True []\n"]


def test_static_frames_share_one_layout_and_inner_stacks_another(static):
    box = interactive_figure(Recorder(), lr=Slider(1, 2, 1), gamma=Slider(1, 2, 1))
    outer = box.children[2]
    frames = [frame for inner in outer.children for frame in inner.children]
    assert len({id(frame.layout) for frame in frames}) == 1
    assert len({id(inner.layout) for inner in outer.children}) == 1
    assert len({id(outer.layout), id(outer.children[0].layout), id(frames[0].layout)}) == 3


def test_static_frames_shrink_no_further_than_min_scale_and_pan_instead(static):
    box = interactive_figure(Recorder(), lr=Slider(1, 2, 1))
    pan = box.children[1]
    width = int(pan.children[0].width)
    assert pan.children[0].layout.min_width == \
        f"{math.floor(interactive.MIN_SCALE * width)}px"
    assert "lossopt-pan" in pan._dom_classes
    assert (pan.layout.max_width, pan.layout.overflow) == ("100%", "auto hidden")


# Sharp frames and the fallback of a saved notebook -------------------------------

def png_size(data):
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


@pytest.mark.parametrize("mode", ["live", "static"])
def test_frames_have_twice_the_pixels_of_their_css_width(request, mode):
    request.getfixturevalue(mode)
    box = interactive_figure(Recorder(), lr=Slider(1, 2, 1))
    image = box.children[1] if mode == "live" else box.children[1].children[0]
    # Recorder draws 3 x 2 inches: 240 x 160 CSS pixels, twice that in device pixels.
    assert png_size(png(image)) == (3 * interactive.DPI * 2, 2 * interactive.DPI * 2)
    assert image.width == str(3 * interactive.DPI)


def test_live_figure_falls_back_to_a_still_of_the_frame_shown(live):
    box = interactive_figure(Recorder(), lr=Slider(0.1, 0.3, 0.1))
    slider, image = box.children[:2]
    data, metadata = box._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in data
    assert base64.b64decode(data["image/png"]) == png(image)
    assert metadata == {"image/png": {"width": 3 * interactive.DPI}}
    assert "VBox" not in data["text/plain"] and "lr = 0.2" in data["text/plain"]
    slider.value = 0.3
    data, _ = box._repr_mimebundle_()
    assert base64.b64decode(data["image/png"]) == png(image)
    assert "lr = 0.3" in data["text/plain"]
