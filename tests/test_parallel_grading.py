"""Parallel autograding, and re-runs that grade only what changed.

One temporary copy of the course (the ``course`` fixture of test_grading)
gets seven ps4 submissions: the source notebook, the blank release, three
plausible wrong answers, a cheat and a file that is not a notebook.  They
are graded with ``--jobs 1``, then every score is zeroed and they are
graded again with ``--jobs 2 --force``; then re-runs show what is skipped.
"""

import os
import subprocess
import sys

import pytest
from test_grading import (CHEAT_CELL, COURSE, WRONG_PS4, cell_by_id, course,  # noqa: F401
                          edited, release_nb, scores, source_nb, submit)

import grading_kit
from grading import parallel
from grading.integrity import zero_unfinished

PS = "ps4"
BASE_UID = 64000       # the workers run student code as 64000 and 63999
BROKEN = b"%PDF-1.4 a scan, not a notebook\n"
N = 3 + len(WRONG_PS4) + 1   # complete, blank, cheat, the wrong ones, and "broken"


def cli(root, *args):
    env = {**os.environ, "LOSSOPT_SANDBOX_UID": str(BASE_UID)}
    return subprocess.run([sys.executable, "-m", "grading", "--root", str(root), *args],
                          cwd=root, env=env, capture_output=True, text=True, timeout=600)


def all_scores(root, students):
    return {s: scores(root, PS, s) for s in students}


def graded_times(root, students):
    return grading_kit.graded_times(root, PS, students)


@pytest.fixture(scope="module")
def runs(course):
    root = course
    submit(root, PS, "complete", source_nb(root, PS))
    submit(root, PS, "blank", release_nb(root, PS))
    for student, (_, edits) in WRONG_PS4.items():
        submit(root, PS, student, edited(source_nb(root, PS), edits))
    cheat = release_nb(root, PS)
    cell_by_id(cheat, "momentum_init_solution").source = CHEAT_CELL
    submit(root, PS, "cheat", cheat)
    submit(root, PS, "broken", BROKEN)
    students = ["complete", "blank", *WRONG_PS4, "cheat"]
    out = {"root": root, "students": students}

    out["jobs1"] = cli(root, "autograde", PS, "--jobs", "1")
    out["scores1"] = all_scores(root, students)
    for student in students:            # a run that grades nothing would keep these zeros
        zero_unfinished(f"sqlite:///{root / 'gradebook.db'}", PS, student)
    out["jobs2"] = cli(root, "autograde", PS, "--jobs", "2", "--force")
    out["scores2"] = all_scores(root, students)
    out["owners"] = {s: (root / "autograded" / s / PS).stat().st_uid for s in students}

    before = graded_times(root, students)
    out["rerun"] = cli(root, "autograde", PS)
    out["rerun_changed"] = sorted(s for s, t in graded_times(root, students).items()
                                  if t != before[s])

    submit(root, PS, "adam_no_bias", source_nb(root, PS))      # fixed it
    submit(root, PS, "broken", release_nb(root, PS))           # sent a real notebook
    before = graded_times(root, students)
    out["changed"] = cli(root, "autograde", PS)
    out["changed_regraded"] = sorted(s for s, t in graded_times(root, students).items()
                                     if t != before[s])
    out["scores_changed"] = all_scores(root, students)

    out["nothing"] = cli(root, "autograde", PS)

    before = graded_times(root, students + ["broken"])
    out["force"] = cli(root, "autograde", PS, "--force")
    out["force_regraded"] = sorted(s for s, t in graded_times(root, students + ["broken"]).items()
                                   if t != before[s])
    return out


@pytest.mark.slow
def test_two_workers_give_the_same_scores_as_one(runs):
    assert runs["jobs1"].returncode == 1, runs["jobs1"].stderr   # "broken" is not graded
    assert runs["jobs2"].returncode == 1, runs["jobs2"].stderr
    for run in (runs["jobs1"], runs["jobs2"]):
        assert f"graded {N - 1} of {N} submissions" in run.stdout
        assert "broken: not graded: ps4.ipynb (" in run.stderr
    assert runs["scores2"] == runs["scores1"]
    points = {k: float(v) for k, v in source_points(runs["root"]).items()}
    assert {k: runs["scores2"]["complete"][k] for k in points} == points
    assert runs["scores2"]["adam_no_bias"]["adam_bias_correction"] == 0.0
    assert runs["scores2"]["cheat"]["momentum_update"] == 0.0


def source_points(root):
    nb = source_nb(root, PS)
    return {c.metadata.nbgrader["grade_id"]: c.metadata.nbgrader["points"] for c in nb.cells
            if c.cell_type == "code" and c.metadata.get("nbgrader", {}).get("grade")}


@pytest.mark.slow
def test_two_workers_share_one_bar_and_student_code_writes_nothing_in_autograded(runs):
    assert "autograde ps4 (2 workers)" in runs["jobs2"].stderr
    assert f"{N}/{N}" in runs["jobs2"].stderr          # one progress bar for both workers
    # student code works in the sandbox's own memory: autograded/ is the grader's alone
    assert set(runs["owners"].values()) == {os.getuid()}


@pytest.mark.slow
def test_a_rerun_grades_only_what_failed_last_time(runs):
    run = runs["rerun"]
    assert f"graded 0 of 1 submissions; {N - 1} unchanged since their last grading" in run.stdout
    assert "broken: not graded" in run.stderr
    assert runs["rerun_changed"] == []


@pytest.mark.slow
def test_a_changed_submission_is_graded_again_and_no_other(runs):
    run = runs["changed"]
    assert run.returncode == 0, run.stderr
    assert f"graded 2 of 2 submissions; {N - 2} unchanged" in run.stdout
    assert runs["changed_regraded"] == ["adam_no_bias"]   # "broken" had no graded notebook
    after = runs["scores_changed"]
    assert after["adam_no_bias"]["adam_bias_correction"] == 3.0
    assert after["complete"] == runs["scores1"]["complete"]
    assert scores(runs["root"], PS, "broken")["momentum_update"] == 0.0


@pytest.mark.slow
def test_a_rerun_with_nothing_new_grades_nothing_and_says_so(runs):
    run = runs["nothing"]
    assert run.returncode == 0, run.stderr
    assert f"nothing to grade: all {N} submissions are unchanged" in run.stdout


@pytest.mark.slow
def test_force_grades_everything_again(runs):
    run = runs["force"]
    assert run.returncode == 0, run.stderr
    assert f"graded {N} of {N} submissions" in run.stdout
    assert runs["force_regraded"] == sorted(runs["students"] + ["broken"])


def test_a_submission_hash_follows_its_content(tmp_path):
    (tmp_path / "ps4.ipynb").write_text("{}")
    first = parallel.folder_hash(tmp_path)
    assert parallel.folder_hash(tmp_path) == first
    (tmp_path / "ps4.ipynb").write_text("{ }")
    assert parallel.folder_hash(tmp_path) != first
