"""Static frames drawn in forked workers: the same bytes, the same output, the same errors."""

from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import nbformat  # noqa: E402
import pytest  # noqa: E402
from nbclient import NotebookClient  # noqa: E402

from lossopt import interactive  # noqa: E402
from lossopt.interactive import Slider, frame_jobs, interactive_figure  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def draw(lr, kind):
    fig, ax = plt.subplots(figsize=(3, 2))
    ax.plot([0, 1, 2], [0, lr, lr * lr] if kind == "square" else [0, lr, 2 * lr])
    ax.set_title(f"{kind} lr={lr}")
    return fig


def frames(box):
    outer = box.children[-1]
    return [bytes(frame.value) for inner in outer.children for frame in inner.children]


@pytest.fixture
def static(monkeypatch):
    monkeypatch.setenv(interactive.STATIC_ENV, "1")
    return monkeypatch


@pytest.mark.slow
def test_two_workers_draw_the_same_bytes_as_one(static):
    static.setenv(interactive.FRAME_JOBS_ENV, "1")
    one = frames(interactive_figure(draw, lr=Slider(0.1, 0.5, 0.1),
                                    kind=Slider.choices(["line", "square"])))
    static.setenv(interactive.FRAME_JOBS_ENV, "2")
    parent_calls = []

    def counted(**values):
        parent_calls.append(values)     # only calls made in this process land here
        return draw(**values)
    two = frames(interactive_figure(counted, lr=Slider(0.1, 0.5, 0.1),
                                    kind=Slider.choices(["line", "square"])))
    assert parent_calls == [], "the frames were drawn in this process, not in workers"
    assert len(two) == 10 and len(set(two)) == 10
    assert two == one
    assert plt.get_fignums() == []


def test_what_draw_prints_is_printed_here_in_frame_order(static, capsys):
    static.setenv(interactive.FRAME_JOBS_ENV, "2")

    def talky(k):
        print(f"frame {k}")
        return draw(lr=k, kind="line")
    interactive_figure(talky, k=Slider(1, 6, 1))
    assert capsys.readouterr().out == "".join(f"frame {k}\n" for k in range(1, 7))


def test_an_error_in_a_worker_is_raised_here(static):
    static.setenv(interactive.FRAME_JOBS_ENV, "2")

    def broken(k):
        if k == 3:
            raise ZeroDivisionError("no frame for k = 3")
        return draw(lr=k, kind="line")
    with pytest.raises(ZeroDivisionError, match="no frame for k = 3"):
        interactive_figure(broken, k=Slider(1, 6, 1))
    assert plt.get_fignums() == []


def test_frame_jobs_reads_the_environment(monkeypatch):
    monkeypatch.setenv(interactive.FRAME_JOBS_ENV, "4")
    assert frame_jobs(40) == 4
    assert frame_jobs(5) == 2           # at least two frames a worker
    assert frame_jobs(1) == 1
    monkeypatch.delenv(interactive.FRAME_JOBS_ENV)
    assert frame_jobs(40) == 1          # not in a kernel: one after another
    for bad in ("two", "0"):
        monkeypatch.setenv(interactive.FRAME_JOBS_ENV, bad)
        with pytest.raises(ValueError, match="LOSSOPT_FRAME_JOBS"):
            frame_jobs(40)


@pytest.mark.slow
def test_a_kernel_forks_its_frame_workers_and_keeps_working(tmp_path, monkeypatch):
    monkeypatch.setenv(interactive.STATIC_ENV, "1")
    monkeypatch.delenv(interactive.FRAME_JOBS_ENV, raising=False)
    monkeypatch.setenv("PYTHONPATH", str(ROOT))    # this checkout's lossopt in the kernel
    make = """
import os
import matplotlib.pyplot as plt
from lossopt import interactive
from lossopt.interactive import Slider, interactive_figure
here = os.getpid()
pids = []
def draw(k):
    pids.append(os.getpid())
    print("drawn", k)
    fig, ax = plt.subplots(figsize=(2, 2))
    ax.plot([0, k])
    return fig
box = interactive_figure(draw, k=Slider(1, 8, 1))
print(interactive.frame_jobs(8) > 1, pids, plt.get_fignums(), len(box.children[-1].children))
"""
    after = "print('still alive', 6 * 7)"
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(make),
                                               nbformat.v4.new_code_cell(after)])
    NotebookClient(notebook, timeout=120, kernel_name="python3",
                   resources={"metadata": {"path": str(tmp_path)}}).execute()
    made, alive = ("".join(o.get("text", "") for o in cell.outputs) for cell in notebook.cells)
    assert made == "".join(f"drawn {k}\n" for k in range(1, 9)) + "True [] [] 8\n"
    assert alive == "still alive 42\n"
