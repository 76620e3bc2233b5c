"""Measure the course's slow paths; print a table and write benchmarks/results.md.

    python tools/benchmark.py                       # everything (about 20-30 minutes on 2 cores)
    python tools/benchmark.py --only grading --submissions 20
    python tools/benchmark.py --only sliders --only weights

Sections (``--only`` picks some; the default runs all four):

- ``grading``: a temporary copy of the course gets ``--submissions`` synthetic
  ps4 submissions (see :func:`submission_mix`), graded with
  ``python -m grading autograde ps4 --force`` and ``--jobs 1``, then
  ``--jobs 2``; the per-submission cost of a correct notebook is set against a
  bare ``nbclient`` run of the same notebook (no sandbox, no verdict).
- ``book``: ``jupyter-book build`` into a fresh temporary folder (cold: every
  page executed, every static frame drawn), then again (warm: nothing changed).
- ``frames``: every static frame of the intro and the chapters drawn in this
  process, one after another and then in 2 forked workers (what the book build
  does in its kernels); the bytes must be identical.
- ``sliders``: the code of the intro and of every chapter run in this process in
  live mode (``LOSSOPT_STATIC_FIGURES`` unset), every figure's sliders moved
  through the widget API, and each redraw timed.
- ``weights``: every page of the built site (from the ``book`` section, or
  ``_build/html``) with ``tools/page_weights.py``, and the shared front-end files.

Run it as root from the repository root, on a quiet machine (the load average
goes into the results).  It needs the course installed (``make setup``) and
bubblewrap (``make system-packages``).  To see where the time goes, profile a
section with py-spy or pyinstrument (``pip install py-spy pyinstrument``; they
are not dependencies of the course), e.g.::

    py-spy record -o grading.svg --subprocesses -- python tools/benchmark.py --only grading
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import datetime
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))      # this checkout's lossopt, whatever pip installed
RESULTS = ROOT / "benchmarks" / "results.md"
SECTIONS = ("grading", "book", "frames", "sliders", "weights")
PAGES = ["intro.md"] + [f"chapters/{p}" for p in (
    "01-loss-meaning.md", "02-common-losses.md", "03-gradient-descent.md",
    "04-optimizer-evolution.md")]
PS = "ps4"
FIRST_SOLUTION_PS4 = "momentum_init_solution"
# Shorter limits than the course's, so a submission that loops forever costs
# about 40 s instead of about 6 minutes (the same as tests/test_hostile.py).
BENCH_CONFIG = """
# benchmark: short limits, so the few endless submissions end soon
c.Execute.timeout = 5
c.SandboxedExecute.notebook_timeout = 30
c.OutOfKernelVerdict.timeout = 10
c.OutOfKernelVerdict.task_timeout = 3
"""
# The slow hostile kinds: each spends every time limit above.
SLOW_KINDS = ("h_infinite_loop", "h_fork_bomb")
TARGETS = {
    "parallel": 1.8,          # speed-up of 2 workers over 1
    "overhead": 1.5,          # per-submission cost / bare nbclient
    "cold": 120.0,            # seconds
    "warm": 15.0,             # seconds
    "redraw": 150.0,          # ms, median a figure
    "page": 4.0,              # MB a page
}


def load_average():
    return " / ".join(f"{x:.2f}" for x in os.getloadavg())


def timed(function, *args, **kwargs):
    start = time.perf_counter()
    value = function(*args, **kwargs)
    return time.perf_counter() - start, value


def table(header, rows):
    lines = ["| " + " | ".join(header) + " |",
             "| " + " | ".join("---" for _ in header) + " |"]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def verdict(ok):
    return "**holds**" if ok else "**missed**"


# ------------------------------------------------------------ grading


def _course_helpers():
    """The submissions the tests build (tests/grading_kit.py, tests/hostile/corpus.py)."""
    sys.path[:0] = [str(ROOT / "tests"), str(ROOT / "autograder")]
    import grading_kit
    from hostile import corpus
    return grading_kit, corpus


def submission_mix(n):
    """The kinds of ``n`` synthetic ps4 submissions, as [(student_id, kind)].

    About 49% correct (the source notebook), 24% wrong in one function (the
    three plausible wrong answers of tests/grading_kit.py), 10% blank (the
    release), 1 cheat (replaces np.allclose, grading_kit.CHEAT_CELL), about
    13% quick hostile kinds of tests/hostile/corpus.py (cycled), and, from 50
    submissions on, 2 slow hostile ones (an endless loop, a fork bomb) that
    spend every time limit.
    """
    if n < 1:
        raise ValueError(f"--submissions must be at least 1, got {n}")
    grading_kit, corpus = _course_helpers()
    quick = [k for k in corpus.HOSTILE if k not in corpus.SLOW]
    wrong = list(grading_kit.WRONG_PS4)
    kinds = list(SLOW_KINDS) if n >= 50 else []
    kinds += [quick[k % len(quick)] for k in range(round(0.13 * n))]
    kinds += ["cheat"] if n >= 4 else []
    kinds += ["blank"] * round(0.10 * n)
    kinds += [wrong[k % len(wrong)] for k in range(round(0.24 * n))]
    kinds = kinds[:n]
    kinds += ["correct"] * (n - len(kinds))
    # interleave, so the slow ones are not all at the end of the queue
    order = sorted(range(n), key=lambda k: (k * 37) % n)
    return [(f"s{k:03d}_{kinds[i]}", kinds[i]) for k, i in enumerate(order)]


def build_course(folder, n):
    """A released copy of the course with ``n`` submissions of ps4."""
    grading_kit, corpus = _course_helpers()
    repo = Path(folder)
    shutil.copytree(ROOT / "autograder", repo / "autograder",
                    ignore=shutil.ignore_patterns(*grading_kit.GENERATED, "*.csv", "reports"))
    (repo / "solutions").symlink_to(ROOT / "solutions")
    root = repo / "autograder"
    with open(root / "nbgrader_config.py", "a") as config:
        config.write(BENCH_CONFIG)
    done = grading_kit.grading_cli(root, "release", PS)
    if done.returncode:
        raise RuntimeError(f"release failed:\n{done.stderr}")
    source = grading_kit.source_nb(root, PS)
    release = grading_kit.release_nb(root, PS)
    mix = submission_mix(n)
    for student, kind in mix:
        if kind == "correct":
            nb = source
        elif kind == "blank":
            nb = release
        elif kind == "cheat":
            nb = copy.deepcopy(release)
            grading_kit.cell_by_id(nb, FIRST_SOLUTION_PS4).source = grading_kit.CHEAT_CELL
        elif kind in grading_kit.WRONG_PS4:
            nb = grading_kit.edited(source, grading_kit.WRONG_PS4[kind][1])
        else:
            nb = corpus.HOSTILE[kind](release, source)
        grading_kit.submit(root, PS, student, nb)
    return root, mix


def _gradebook_scores(root):
    from nbgrader.api import Gradebook

    out = {}
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gb:
        for sub in gb.assignment_submissions(PS):
            out[sub.student.id] = {g.name: g.auto_score for nb in sub.notebooks
                                   for g in nb.grades}
    return out


def _autograde(root, jobs):
    command = [sys.executable, "-m", "grading", "--root", str(root), "autograde", PS,
               "--force", "--jobs", str(jobs)]
    seconds, done = timed(subprocess.run, command, cwd=root, capture_output=True, text=True)
    state = json.loads((root / "autograded" / ".graded-hashes.json").read_text())
    summary = [line for line in done.stdout.splitlines() if "graded" in line]
    summary = summary[-1] if summary else done.stderr[-500:]
    summary += f"; gradebook lock retries: {done.stderr.count('gradebook locked')}"
    return seconds, summary, state[PS]["seconds"]


def bare_nbclient(root, repeat):
    """Seconds of plain nbclient runs of the source notebook (no sandbox, no verdict)."""
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(str(root / "source" / PS / f"{PS}.ipynb"), as_version=4)
    env = {"PYTHONPATH": str(ROOT)}
    times = []
    with tempfile.TemporaryDirectory() as work, _environ(env):
        for _ in range(repeat):
            copy_nb = copy.deepcopy(nb)
            seconds, _ = timed(NotebookClient(copy_nb, timeout=60, kernel_name="python3",
                                              resources={"metadata": {"path": work}}).execute)
            times.append(seconds)
    return times


def verdict_only(root, repeat):
    """Seconds of the out-of-kernel verdict alone on the source notebook."""
    import nbformat
    from grading import cases
    from grading.verdict import grade_notebook, notebook_cells

    nb = nbformat.read(str(root / "source" / PS / f"{PS}.ipynb"), as_version=4)
    cells = notebook_cells(nb, nb)
    return [timed(grade_notebook, cells, cases.tasks_of(nb))[0] for _ in range(repeat)]


@contextlib.contextmanager
def _environ(values):
    before = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for k, v in before.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def bench_grading(n, out):
    print(f"grading: building {n} submissions ...", flush=True)
    with tempfile.TemporaryDirectory(prefix="lossopt-bench-") as tmp:
        root, mix = build_course(tmp, n)
        kinds = {}
        for _, kind in mix:
            kinds[kind] = kinds.get(kind, 0) + 1
        print(f"grading: --jobs 1 (load {load_average()}) ...", flush=True)
        t1, line1, took1 = _autograde(root, 1)
        scores1 = _gradebook_scores(root)
        print(f"grading: {t1:.0f} s; --jobs 2 (load {load_average()}) ...", flush=True)
        t2, line2, took2 = _autograde(root, 2)
        scores2 = _gradebook_scores(root)
        print(f"grading: {t2:.0f} s; bare nbclient and verdict ...", flush=True)
        bare = bare_nbclient(root, 10)
        alone = verdict_only(root, 10)
    correct = [took1[s] for s, kind in mix if kind == "correct" and s in took1]
    per_sub = statistics.median(correct) if correct else float("nan")
    slowest = sorted(took1.items(), key=lambda kv: -kv[1])[:3]
    speedup = t1 / t2
    overhead = per_sub / statistics.median(bare)
    out["grading"] = dict(speedup=speedup, overhead=overhead)
    rows = [
        ["--jobs 1 (sequential)", f"{t1:.1f} s", f"{t1 / n:.2f} s", line1],
        ["--jobs 2 (parallel)", f"{t2:.1f} s", f"{t2 / n:.2f} s", line2],
    ]
    detail = [
        ["a correct submission, graded (median, --jobs 1)", f"{per_sub:.2f} s"],
        ["bare nbclient run of the same notebook (median of 10)",
         f"{statistics.median(bare):.2f} s"],
        ["the out-of-kernel verdict alone, part of the graded cost (median of 10)",
         f"{statistics.median(alone):.2f} s"],
        ["slowest three (--jobs 1)", ", ".join(f"{s} {v:.1f} s" for s, v in slowest)],
    ]
    text = [
        f"## Autograding {n} synthetic ps4 submissions",
        "",
        "Mix: " + ", ".join(f"{count} {kind}" for kind, count in sorted(kinds.items())) + ".",
        "`correct` is the source notebook, `blank` the release, the three wrong kinds come "
        "from tests/grading_kit.py (one function wrong each), `cheat` replaces np.allclose, "
        "`h_*` are tests/hostile/corpus.py's attacks put into ps4's first solution cell. "
        "Limits shortened as in tests/test_hostile.py (cell 5 s, notebook 30 s, verdict 10 s, "
        "3 s a task), so the two slow ones (`h_infinite_loop`, `h_fork_bomb`) cost about "
        "40 s each instead of minutes.",
        "",
        table(["run", "wall time", "per submission", "summary"], rows),
        "",
        f"Scores identical in the gradebook after both runs: "
        f"{'yes' if scores1 == scores2 else 'NO'} ({len(scores1)} submissions).",
        "",
        table(["per-submission cost", "seconds"], detail),
    ]
    return "\n".join(text)


# --------------------------------------------------------------- book


def bench_book(out):
    tmp = Path(tempfile.mkdtemp(prefix="lossopt-book-"))
    command = [str(Path(sys.executable).with_name("jupyter-book")), "build", str(ROOT),
               "--path-output", str(tmp),
               "--warningiserror", "--keep-going"]
    env = {**os.environ, "LOSSOPT_STATIC_FIGURES": "1"}
    runs = []
    serial = Path(tempfile.mkdtemp(prefix="lossopt-book-serial-"))
    builds = [("cold", command, env), ("warm", command, env),
              ("cold, LOSSOPT_FRAME_JOBS=1 (no frame workers)",
               command[:3] + ["--path-output", str(serial)] + command[5:],
               {**env, "LOSSOPT_FRAME_JOBS": "1"})]
    for name, argv, environment in builds:
        print(f"book: {name} build (load {load_average()}) ...", flush=True)
        seconds, done = timed(subprocess.run, argv, cwd=ROOT, env=environment,
                              capture_output=True, text=True)
        if done.returncode:
            raise RuntimeError(f"the {name} build failed:\n{done.stdout[-3000:]}"
                               f"\n{done.stderr[-3000:]}")
        runs.append((name, seconds, load_average()))
        print(f"book: {name} {seconds:.0f} s", flush=True)
    shutil.rmtree(serial, ignore_errors=True)
    out["book"] = dict(cold=runs[0][1], warm=runs[1][1], site=tmp / "_build" / "html",
                       tmp=tmp)
    rows = [[name, f"{seconds:.1f} s", load] for name, seconds, load in runs]
    return "\n".join([
        "## Building the book",
        "",
        "`jupyter-book build . --path-output <fresh temp folder> --warningiserror "
        "--keep-going` with LOSSOPT_STATIC_FIGURES=1 (what `make site` runs), "
        "then the same command again with nothing changed; for comparison, a cold "
        "build whose kernels draw every static frame themselves, one after another.",
        "",
        table(["build", "wall time", "load after (1/5/15 min)"], rows),
    ])


# ------------------------------------------------------------- sliders


def page_cells(page):
    """The code cells of a MyST page, in order."""
    import jupytext

    nb = jupytext.read(str(ROOT / page))
    return [c.source for c in nb.cells if c.cell_type == "code"]


def run_page(page, static=False):
    """Run a page's code; return its figures, in order, as (box, sliders, draw_ms).

    Live (``static=False``): ``box`` is the live widget and ``draw_ms`` collects
    the time of each call of the page's draw function.  Static: nothing is
    rendered; ``box`` is the draw function itself.
    """
    import matplotlib
    matplotlib.use("Agg")
    import lossopt.interactive as interactive

    made = []
    real = interactive.interactive_figure

    def recording(draw, max_frames=60, **sliders):
        if static:
            made.append((draw, sliders, None))
            return None
        spent = []

        def timed_draw(**values):          # draw alone, without the PNG
            start = time.perf_counter()
            fig = draw(**values)
            spent.append((time.perf_counter() - start) * 1000)
            return fig
        box = real(timed_draw, max_frames=max_frames, **sliders)
        made.append((box, sliders, spent))
        return box

    namespace = {"__name__": "__main__", "display": lambda *a, **k: None}
    with _environ({"LOSSOPT_STATIC_FIGURES": "1"}), contextlib.ExitStack() as stack:
        if not static:
            os.environ.pop("LOSSOPT_STATIC_FIGURES", None)
        stack.callback(setattr, interactive, "interactive_figure", real)
        interactive.interactive_figure = recording
        here = os.getcwd()
        os.chdir(ROOT / Path(page).parent)
        stack.callback(os.chdir, here)
        if str(ROOT) not in sys.path:      # the book root is on the kernels' path too
            sys.path.insert(0, str(ROOT))
        for source in page_cells(page):
            code = "\n".join(line for line in source.splitlines()
                             if not line.lstrip().startswith(("%", "!")))
            exec(compile(code, f"{page}", "exec"), namespace)
    return made


def time_moves(box, spent, moves_per_slider=4):
    """Milliseconds of each redraw after a slider moves, and of its draw() alone."""
    import ipywidgets as widgets

    controls = [w for w in box.children if isinstance(w, widgets.SelectionSlider)]
    image = next(w for w in box.children if isinstance(w, widgets.Image))
    errors = next(w for w in box.children if isinstance(w, widgets.Output))
    times, draws = [], []
    for control in controls:
        count = len(control.options)
        start = control.index
        for step in range(1, min(moves_per_slider, count - 1) + 1):
            index = (start + step * max(1, count // (moves_per_slider + 1))) % count
            if index == control.index:
                index = (index + 1) % count
            before = image.value
            spent.clear()
            t0 = time.perf_counter()
            control.index = index          # observe() redraws synchronously
            times.append((time.perf_counter() - t0) * 1000)
            draws.append(sum(spent))
            if errors.outputs:
                raise RuntimeError(f"redraw failed: {errors.outputs}")
            if image.value == before and count > 1:
                times[-1] = draws[-1] = float("nan")   # nothing redrawn: not fast
        control.index = start
    return times, draws


def bench_sliders(out):
    rows, medians = [], []
    for page in PAGES:
        print(f"sliders: {page} (load {load_average()}) ...", flush=True)
        figures = run_page(page)
        for number, (box, sliders, spent) in enumerate(figures, 1):
            times, draws = time_moves(box, spent)
            times = [t for t in times if t == t]
            draws = [t for t in draws if t == t]
            median = statistics.median(times)
            medians.append(median)
            names = ", ".join(f"{name} ({len(s)})" for name, s in sliders.items())
            rows.append([page, number, names, len(times), f"{median:.0f}",
                         f"{statistics.median(draws):.0f}", f"{max(times):.0f}", "yes" if median <= TARGETS["redraw"] else "NO"])
    import matplotlib.pyplot as plt
    plt.close("all")
    out["sliders"] = dict(worst=max(medians), over=sum(m > TARGETS["redraw"] for m in medians),
                          count=len(medians))
    return "\n".join([
        "## Live redraw after a slider moves",
        "",
        "Each page's code run in this process with LOSSOPT_STATIC_FIGURES unset (live "
        "widgets); every slider set through the widget API to up to 4 other values; "
        "each redraw (draw, PNG, image update) timed. `draw()` is the page's own "
        "function (computing and laying out the figure); the rest is matplotlib's "
        "rendering to PNG (`savefig`) and the widget update.",
        "",
        table(["page", "figure", "sliders (values)", "moves", "median ms",
               "of which draw() ms", "max ms",
               f"<= {TARGETS['redraw']:.0f} ms"], rows),
    ])


# -------------------------------------------------------------- frames


def bench_frames(out):
    from lossopt import interactive

    rows, totals, same = [], [0.0, 0.0], True
    for page in PAGES:
        print(f"frames: {page} (load {load_average()}) ...", flush=True)
        for number, (draw, sliders, _) in enumerate(run_page(page, static=True), 1):
            combos = interactive.grid(**sliders)
            results = []
            for jobs in (1, 2):
                with _environ({interactive.FRAME_JOBS_ENV: str(jobs)}):
                    results.append(timed(interactive.render_frames, draw, combos))
            (t1, one), (t2, two) = results
            same &= one == two
            totals[0] += t1
            totals[1] += t2
            rows.append([page, number, len(combos), f"{t1:.1f}", f"{t2:.1f}",
                         f"{t1 / t2:.2f}x", "yes" if one == two else "NO"])
    rows.append(["all", "", sum(int(r[2]) for r in rows), f"{totals[0]:.1f}",
                 f"{totals[1]:.1f}", f"{totals[0] / totals[1]:.2f}x", "yes" if same else "NO"])
    out["frames"] = dict(sequential=totals[0], parallel=totals[1], same=same)
    return "\n".join([
        "## Static frames: one process or two",
        "",
        "Every static frame of every figure (draw, PNG, 128-colour palette), drawn with "
        "`lossopt.interactive.render_frames` in this process (LOSSOPT_FRAME_JOBS=1), then "
        "in 2 forked workers (LOSSOPT_FRAME_JOBS=2; the book build's kernels use one "
        "worker per CPU). Identical = the same PNG bytes, frame by frame.",
        "",
        table(["page", "figure", "frames", "1 process s", "2 workers s", "speed-up",
               "identical"], rows),
    ])


# ------------------------------------------------------------- weights


def bench_weights(out, site):
    sys.path.insert(0, str(ROOT / "tools"))
    from page_weights import page_weights

    site = Path(site)
    if not (site / "intro.html").is_file():
        raise RuntimeError(f"no built site in {site}: run `make site` or the book section")
    rows, worst = [], 0.0
    for page, html_bytes, image_bytes in page_weights(site):
        total = (html_bytes + image_bytes) / 1e6
        worst = max(worst, total)
        rows.append([page, f"{total:.2f}", f"{html_bytes / 1e6:.2f}", f"{image_bytes / 1e6:.2f}",
                     "yes" if total <= TARGETS["page"] else "NO"])
    static = site / "_static"
    files = [f for f in static.rglob("*") if f.is_file()]
    shared = sum(f.stat().st_size for f in files)
    groups = {}
    for f in files:
        top = f.relative_to(static).parts[0]
        groups[top] = groups.get(top, 0) + f.stat().st_size
    biggest = sorted(groups.items(), key=lambda kv: -kv[1])[:5]
    out["weights"] = dict(worst=worst)
    return "\n".join([
        "## Page weights",
        "",
        f"From {'the cold build above' if 'book' in out else site}: each page's HTML "
        "(with the embedded widget state, so every static frame) and its images.",
        "",
        table(["page", "MB", "html MB", "images MB", f"<= {TARGETS['page']:.0f} MB"], rows),
        "",
        f"Shared front-end files (`_static/`, downloaded once): {shared / 1e6:.1f} MB in "
        f"{len(files)} files; biggest parts: "
        + ", ".join(f"{name} {size / 1e6:.1f} MB" for name, size in biggest) + ".",
    ])


# ------------------------------------------------------------- summary


def targets_table(out):
    rows = []
    if "grading" in out:
        g = out["grading"]
        rows.append(["parallel grading, 2 workers vs 1", f">= {TARGETS['parallel']}x",
                     f"{g['speedup']:.2f}x", verdict(g["speedup"] >= TARGETS["parallel"])])
        rows.append(["per-submission cost vs bare nbclient", f"<= {TARGETS['overhead']}x",
                     f"{g['overhead']:.2f}x", verdict(g["overhead"] <= TARGETS["overhead"])])
    if "book" in out:
        b = out["book"]
        rows.append(["cold build", f"<= {TARGETS['cold']:.0f} s",
                     f"{b['cold']:.0f} s ({b['cold'] / TARGETS['cold']:.2f}x the target)",
                     verdict(b["cold"] <= TARGETS["cold"])])
        rows.append(["warm rebuild", f"<= {TARGETS['warm']:.0f} s",
                     f"{b['warm']:.1f} s ({b['warm'] / TARGETS['warm']:.2f}x the target)",
                     verdict(b["warm"] <= TARGETS["warm"])])
    if "sliders" in out:
        s = out["sliders"]
        rows.append(["live redraw, worst figure's median", f"<= {TARGETS['redraw']:.0f} ms",
                     f"{s['worst']:.0f} ms ({s['worst'] / TARGETS['redraw']:.2f}x; "
                     f"{s['over']} of {s['count']} figures over)",
                     verdict(s["over"] == 0)])
    if "weights" in out:
        w = out["weights"]
        rows.append(["heaviest page", f"<= {TARGETS['page']:.0f} MB",
                     f"{w['worst']:.2f} MB ({w['worst'] / TARGETS['page']:.2f}x)",
                     verdict(w["worst"] <= TARGETS["page"])])
    return table(["target", "budget", "measured (ratio)", ""], rows)


def commit():
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,
                              capture_output=True, text=True).stdout.strip()
    except OSError:
        return "?"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", action="append", choices=SECTIONS,
                        help="run only this section (repeatable); default: all")
    parser.add_argument("--submissions", type=int, default=100,
                        help="synthetic ps4 submissions to grade (default 100)")
    parser.add_argument("--out", default=str(RESULTS), help="markdown file to write")
    args = parser.parse_args(argv)
    if args.submissions < 1:
        parser.error(f"--submissions must be at least 1, got {args.submissions}")
    chosen = [s for s in SECTIONS if not args.only or s in args.only]
    load_before = load_average()
    started = datetime.datetime.now().strftime("%Y-%m-%d %H:%M")
    out, parts = {}, []
    try:
        if "grading" in chosen:
            parts.append(bench_grading(args.submissions, out))
        if "book" in chosen:
            parts.append(bench_book(out))
        if "frames" in chosen:
            parts.append(bench_frames(out))
        if "sliders" in chosen:
            parts.append(bench_sliders(out))
        if "weights" in chosen:
            site = out["book"]["site"] if "book" in out else ROOT / "_build" / "html"
            parts.append(bench_weights(out, site))
    finally:
        if "book" in out:
            shutil.rmtree(out["book"]["tmp"], ignore_errors=True)
    header = "\n".join([
        "# Benchmarks",
        "",
        f"Written by `python tools/benchmark.py"
        f"{''.join(f' --only {s}' for s in args.only or [])}"
        f"{f' --submissions {args.submissions}' if args.submissions != 100 else ''}` "
        f"on {started}, commit {commit()}, {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}.",
        f"Load average (1/5/15 min) before: {load_before}; after: {load_average()} "
        "(the hostile fork bomb of the grading section raises it for minutes; "
        "the per-section figures below are read as they start).",
        "",
        "## Targets",
        "",
        targets_table(out),
    ])
    text = header + "\n\n" + "\n\n".join(parts) + "\n"
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(text)
    print(text)
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
