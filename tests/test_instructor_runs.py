"""An instructor's runs of autograde: what it prints, two at once, and interrupted ones.

One released copy of the course gets four ps2 submissions: a correct one,
one wrong function, the blank release and a correct one that sleeps a few
seconds (``dave``, graded last: the run is interrupted while it is in
flight).  Each run gets its own ``TMPDIR`` so that what a run leaves behind
can be seen (a short one: see ``tests/test_interrupts.py`` for a long one).  In order:

1. a plain run: what it prints (the sandbox, the progress bar, the
   summary, the log's path) and the reference scores;
2. two runs at once: the second refuses (exit 3), names the first, and no
   score changes;
3. SIGINT to the main process only, then to the whole process group (what
   Ctrl-C sends): exit 130, every submission graded by this run or marked
   to grade again, no temporary folder or process left; the next run
   without ``--force`` grades exactly the rest, to the reference scores.
"""

import csv
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from grading_kit import (WRONG_PS2, autograded_points, cell_by_id, edited, graded_times,
                         release_nb, released_copy, scores, source_nb, submit)

pytestmark = pytest.mark.slow       # several sandboxed grading runs

PS = "ps2"
STUDENTS = ["alice", "bob", "carol", "dave"]     # graded in this order with --jobs 1
SLOW = "dave"
SLEEP = 12                                       # seconds dave's notebook sleeps
SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"
SANDBOX = "sandbox: bubblewrap as root, student code as uid 65534; holds: "


def command(root, *args):
    return [sys.executable, "-m", "grading", "--root", str(root), *args]


def start(root, tmp, *args, new_group=False):
    """An autograde run in the background, with ``tmp`` as its TMPDIR."""
    tmp.mkdir(parents=True, exist_ok=True)
    return subprocess.Popen(command(root, "autograde", PS, *args), cwd=root,
                            # as in a shell that just built the site: grading kernels must
                            # still draw live figures (the feedback page's picture)
                            env={**os.environ, "TMPDIR": str(tmp), "LOSSOPT_STATIC_FIGURES": "1"},
                            stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=new_group)


def run(root, tmp, *args):
    proc = start(root, tmp, *args)
    out, err = proc.communicate(timeout=600)
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


def graded_now(root):
    """The students the state file calls graded (by hash of their submission)."""
    path = root / "autograded" / ".graded-hashes.json"
    try:
        return set(json.loads(path.read_text())[PS]["students"])
    except (OSError, ValueError, KeyError):
        return set()


def wait_for(condition, what, timeout=300):
    end = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < end, f"timed out waiting for {what}"
        time.sleep(0.1)


def all_scores(root):
    return {s: scores(root, PS, s) for s in STUDENTS}


def autograded_mtimes(root):
    return graded_times(root, PS, STUDENTS)


def processes_mentioning(text):
    """Live processes whose command line or environment mentions ``text``."""
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit() or int(proc.name) == os.getpid():
            continue
        try:
            blob = (proc / "cmdline").read_bytes() + (proc / "environ").read_bytes()
        except OSError:
            continue
        if text.encode() in blob:
            found.append(blob.replace(b"\0", b" ")[:200].decode(errors="replace"))
    return found


def interrupted(root, send, jobs):
    """A ``--force`` run stopped by ``send(proc)`` once all but the slow student are graded."""
    tmp = Path(tempfile.mkdtemp(prefix="lo-", dir="/tmp"))     # short enough for sockets
    before = time.time_ns()
    proc = start(root, tmp, "--force", "--jobs", str(jobs), new_group=True)
    quick = set(STUDENTS) - {SLOW}
    wait_for(lambda: quick <= graded_now(root) and all(
        autograded_mtimes(root).get(s, 0) >= before for s in quick), "the quick students")
    time.sleep(1)                                   # dave's kernel is sleeping now
    send(proc)
    out, err = proc.communicate(timeout=120)
    time.sleep(0.5)
    seen = {"proc": proc, "out": out, "err": err, "start": before,
            "graded": graded_now(root), "mtimes": autograded_mtimes(root),
            "left_in_tmp": sorted(p.name for p in tmp.iterdir()),
            "left_running": processes_mentioning(str(tmp))}
    shutil.rmtree(tmp)
    return seen


MATHS_ANSWER = ("MAE is $\\frac{1}{n}\\sum_i |y_i - \\hat y_i|$, and\n\n"
                "$$\\nabla_\\theta L = \\frac{2}{n} X^\\top (X\\theta - y).$$")


def with_maths_answer(nb):
    """``nb`` with TeX in its written answer (a manually graded markdown cell)."""
    nb = edited(nb, {})
    (cell,) = [c for c in nb.cells if c.cell_type == "markdown"
               and c.metadata.get("nbgrader", {}).get("solution")]
    cell.source = MATHS_ANSWER
    return nb


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    base = tmp_path_factory.mktemp("instructor")
    root = released_copy(base / "repo")
    source = source_nb(root, PS)
    submit(root, PS, "alice", with_maths_answer(source))
    submit(root, PS, "bob", edited(source, WRONG_PS2["mse_summed"][1]))
    submit(root, PS, "carol", release_nb(root, PS))
    slow = edited(source, {})
    cell = cell_by_id(slow, "mse_solution")
    cell.source = f"import time\ntime.sleep({SLEEP})\n" + cell.source
    submit(root, PS, SLOW, slow)
    out = {"root": root}

    plain_tmp = Path(tempfile.mkdtemp(prefix="lo-", dir="/tmp"))
    out["plain"] = run(root, plain_tmp, "--jobs", "2")
    out["reference"] = all_scores(root)
    out["plain_tmp"] = sorted(p.name for p in plain_tmp.iterdir())
    shutil.rmtree(plain_tmp)

    first = start(root, base / "tmp-first", "--force", "--jobs", "1")
    wait_for(lambda: f"pid {first.pid}," in (root / ".grading.lock").read_text(),
             "the first run to take the lock")
    out["second"] = run(root, base / "tmp-second", "--force", "--jobs", "1")
    out["export_meanwhile"] = subprocess.run(command(root, "export", "--to", "during.csv"),
                                             cwd=root, capture_output=True, text=True)
    out["first_pid"] = first.pid
    first.communicate(timeout=600)
    out["first"] = first
    out["after_two"] = all_scores(root)

    out["main_only"] = interrupted(root, lambda p: p.send_signal(signal.SIGINT), 1)
    out["resume_main"] = run(root, base / "tmp-resume-main")
    out["after_main"] = all_scores(root)

    out["group"] = interrupted(root, lambda p: os.killpg(p.pid, signal.SIGINT), 2)
    out["resume_group"] = run(root, base / "tmp-resume-group")
    out["after_group"] = all_scores(root)

    out["feedback"] = subprocess.run(command(root, "feedback", PS), cwd=root,
                                     capture_output=True, text=True, timeout=600)
    out["export"] = subprocess.run(command(root, "export", "--to", "grades.csv"), cwd=root,
                                   capture_output=True, text=True, timeout=600)
    return out


def test_a_run_prints_the_sandbox_the_bar_and_the_summary_only(runs):
    plain, root = runs["plain"], runs["root"]
    assert plain.returncode == 0, plain.stderr[-2000:]
    mode, summary, details = plain.stdout.splitlines()
    assert mode.startswith(SANDBOX), mode
    assert summary == f"{PS}: graded 4 of 4 submissions"
    log = Path(details.removeprefix(f"{PS}: details in "))
    assert log.parent == root / "logs" and log.name.startswith(f"autograde-{PS}-"), details
    bar = [part for part in plain.stderr.replace("\r", "\n").splitlines() if part.strip()]
    assert bar and all(part.startswith(f"autograde {PS} (2 workers):") for part in bar), bar
    assert "4/4" in bar[-1]
    text = log.read_text()
    assert all(f"---- {s}: nbgrader's log\n[INFO]" in text for s in STUDENTS)   # went here
    assert "has changed" not in text          # carol hands in the release untouched


def test_the_reference_scores_are_right(runs):
    points = autograded_points(runs["root"], PS)
    auto = {s: {k: v for k, v in runs["reference"][s].items() if k in points} for s in STUDENTS}
    assert auto["alice"] == auto["dave"] == points
    assert auto["bob"] == dict(points, **{WRONG_PS2["mse_summed"][0]: 0.0})
    assert sum(auto["carol"].values()) < sum(points.values())


def test_a_second_run_refuses_and_names_the_first(runs):
    second = runs["second"]
    assert second.returncode == 3, (second.stdout, second.stderr)
    assert second.stdout == ""
    assert f"pid {runs['first_pid']}" in second.stderr
    assert "autograde ps2 --force --jobs 1" in second.stderr
    assert "nothing was changed" in second.stderr
    export = runs["export_meanwhile"]
    assert export.returncode == 3 and f"pid {runs['first_pid']}" in export.stderr
    assert not (runs["root"] / "during.csv").exists()


def test_two_runs_at_once_change_no_score(runs):
    assert runs["first"].returncode == 0
    assert runs["after_two"] == runs["reference"]


@pytest.mark.parametrize("how", ["main_only", "group"])
def test_an_interrupted_run_says_so_and_exits_130(runs, how):
    stopped = runs[how]
    assert stopped["proc"].returncode == 130, stopped["err"][-2000:]
    last = stopped["err"].strip().replace("\r", "\n").splitlines()[-1]
    assert last.startswith(f"{PS}: interrupted by SIGINT: graded 3 of 4 submissions; the other 1 "
                           "are marked to grade again and the next run grades them"), last


@pytest.mark.parametrize("how", ["main_only", "group"])
def test_an_interrupted_run_leaves_each_submission_graded_now_or_to_grade_again(runs, how):
    stopped = runs[how]
    assert stopped["graded"] == set(STUDENTS) - {SLOW}
    assert all(stopped["mtimes"][s] >= stopped["start"] for s in stopped["graded"]), stopped
    assert SLOW not in stopped["mtimes"], "the in-flight student keeps a half-done notebook"


@pytest.mark.parametrize("how", ["main_only", "group"])
def test_an_interrupted_run_leaves_no_temporary_folder_or_process(runs, how):
    assert runs[how]["left_in_tmp"] == []
    assert runs[how]["left_running"] == []
    assert runs["plain_tmp"] == []


@pytest.mark.parametrize("how", ["main", "group"])
def test_the_next_run_grades_exactly_the_rest(runs, how):
    resume = runs[f"resume_{how}"]
    assert resume.returncode == 0, resume.stderr[-2000:]
    assert resume.stdout.splitlines()[1] == (
        f"{PS}: graded 1 of 1 submissions; 3 unchanged since their last grading, "
        "skipped (--force re-grades them)")
    assert runs[f"after_{how}"] == runs["reference"]


def overwrite_warnings(root, nb):
    """What nbgrader's sanitizing OverwriteCells step (the course's) warns about ``nb``."""
    import logging

    from grading.overwrite import ReleasedCellsOverwrite

    records = []
    log = logging.getLogger("test-overwrite")
    handler = logging.Handler()
    handler.emit = lambda record: records.append(record.getMessage())
    log.addHandler(handler)
    step = ReleasedCellsOverwrite(log=log)
    resources = {"nbgrader": {"notebook": PS, "assignment": PS,
                              "db_url": f"sqlite:///{root / 'gradebook.db'}"}}
    step.preprocess(nb, resources)
    log.removeHandler(handler)
    return [r for r in records if "has changed" in r]


def test_an_untouched_release_is_not_called_tampered(runs):
    assert overwrite_warnings(runs["root"], release_nb(runs["root"], PS)) == []


def test_a_changed_test_cell_is_named_and_put_back(runs):
    nb = release_nb(runs["root"], PS)
    cell_by_id(nb, "mae_value").source = "pass  # my own test"
    (warning,) = overwrite_warnings(runs["root"], nb)
    assert warning.startswith("Attribute 'checksum' for cell mae_value has changed!")
    assert "### BEGIN HIDDEN TESTS" in cell_by_id(nb, "mae_value").source     # the source's


def feedback_page(runs, student):
    return runs["root"] / "feedback" / student / PS / f"{PS}.html"


def test_feedback_reads_offline_with_its_maths_and_figure(runs, browser):
    assert runs["feedback"].returncode == 0, runs["feedback"].stderr[-2000:]
    assert "warning" not in runs["feedback"].stderr
    page = browser.new_page()
    off_machine = []
    page.route("**/*", lambda route: route.continue_()
               if route.request.url.startswith(("file:", "data:"))
               else (off_machine.append(route.request.url), route.abort()))
    page.goto(feedback_page(runs, "alice").as_uri())
    page.wait_for_function("() => window.MathJax && MathJax.startup && MathJax.startup.promise")
    page.evaluate("() => MathJax.startup.promise")
    maths = page.locator("mjx-container")
    assert maths.count() == 2                    # the answer's inline and displayed formulas
    assert "\\frac" not in page.inner_text("body")
    figures = page.evaluate("() => [...document.images].map(i => i.naturalWidth)")
    assert figures and all(width > 100 for width in figures), figures   # the slider figure
    maths.first.scroll_into_view_if_needed()
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "feedback-offline-maths.png"))
    page.close()
    assert off_machine == []


def test_a_page_without_maths_carries_no_mathjax(runs):
    assert feedback_page(runs, "alice").stat().st_size > 2_000_000
    assert feedback_page(runs, "bob").stat().st_size < 1_000_000
    assert "cdnjs" not in feedback_page(runs, "bob").read_text()


def test_feedback_names_no_folder_of_the_grader(runs):
    for student in STUDENTS:
        html = re.sub(r'data:[^"]+', "", feedback_page(runs, student).read_text())   # base64
        for folder in [str(runs["root"].parent), sys.prefix, "/tmp/"]:
            assert folder not in html, (student, folder)


def test_the_export_leaves_a_set_never_handed_in_empty(runs):
    assert runs["export"].returncode == 0, runs["export"].stderr
    with open(runs["root"] / "grades.csv", newline="") as handle:
        table = {(r["assignment"], r["student_id"]): r for r in csv.DictReader(handle)}
    points = sum(autograded_points(runs["root"], PS).values())
    assert table[(PS, "alice")]["status"] == "submitted"
    assert float(table[(PS, "alice")]["raw_score"]) >= points
    never = table[("ps1", "alice")]
    assert (never["status"], never["raw_score"], never["score"]) == ("missing", "", "")
