"""Hostile submissions, graded in one batch with honest ones (problem set 2).

A temporary copy of the course is released once; every submission of
``hostile/corpus.py`` is autograded with the instructor's command, in three
grader runs (the slow attacks in the later ones, under other sandbox uids),
then feedback and the suspicion report are made.
For each attack: no undeserved point; for the honest students: the exact
scores their work earns; for the course: the gradebook, the source and
the other students' files intact, and the batch over in bounded time.
"""

import copy
import hashlib
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from grading_kit import course_ignore
from grading import cases, verdict
from nbgrader.preprocessors import ClearSolutions

from hostile import corpus, nbcourse

ROOT = nbcourse.ROOT
PS = "ps2"
# Short limits so that the attacks that spend them keep the test short.
TEST_CONFIG = """
c.Execute.timeout = 5
c.SandboxedExecute.notebook_timeout = 30
c.OutOfKernelVerdict.timeout = 10
c.OutOfKernelVerdict.task_timeout = 3
"""
BATCH_TIMEOUT = 900   # seconds: the batch must end well before this


def cli(root, *args, env=None, timeout=BATCH_TIMEOUT):
    return subprocess.Popen(
        [sys.executable, "-m", "grading", "--root", str(root), *args],
        cwd=root, env={**os.environ, **(env or {})}, text=True,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def finish(proc, timeout=BATCH_TIMEOUT):
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        pytest.fail("the grading batch did not finish in bounded time")
    return proc.returncode, out, err


def tree_digest(folder):
    digest = hashlib.sha256()
    for path in sorted(Path(folder).rglob("*")):
        if path.is_file():
            digest.update(str(path.relative_to(folder)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def gradebook_rows(root, query):
    con = sqlite3.connect(root / "gradebook.db")
    try:
        return con.execute(query).fetchall()
    finally:
        con.close()


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    repo = tmp_path_factory.mktemp("hostile-repo")
    shutil.copytree(ROOT / "autograder", repo / "autograder",
                    ignore=course_ignore())
    (repo / "solutions").symlink_to(ROOT / "solutions")
    root = repo / "autograder"
    with open(root / "nbgrader_config.py", "a") as config:
        config.write(TEST_CONFIG)
    code, out, err = finish(cli(root, "release", PS))
    assert code == 0, err

    release = nbformat.read(str(root / "release" / PS / f"{PS}.ipynb"), 4)
    source = nbformat.read(str(root / "source" / PS / f"{PS}.ipynb"), 4)
    everyone = {**corpus.HONEST, **corpus.HOSTILE}
    for student, build in everyone.items():
        nbcourse.submit(root, PS, student, f"{PS}.ipynb",
                        lambda nb, build=build: build(release, source))
    # an earlier run gave "h_not_a_notebook" full marks: it must not stay
    from grading.integrity import zero_unfinished
    zero_unfinished(f"sqlite:///{root / 'gradebook.db'}", PS,
                    "h_not_a_notebook")
    con = sqlite3.connect(root / "gradebook.db")
    con.execute("update grade set auto_score = 5 where id in (select grade.id "
                "from grade join submitted_notebook sn on grade.notebook_id = sn.id "
                "join submitted_assignment sa on sn.assignment_id = sa.id "
                "where sa.student_id = 'h_not_a_notebook')")
    con.commit()
    con.close()

    before = dict(
        source=tree_digest(root / "source"),
        release=tree_digest(root / "release"),
        source_cells=gradebook_rows(root, "select name, source, checksum "
                                          "from source_cell order by name"),
    )
    # three grader runs one after another (the course lock allows one at a
    # time), each under its own sandbox uids (the process limit counts per
    # uid; worker j of a run grades as uid - j, so the runs' ranges are 1000
    # apart): the quick submissions, the loops, and the fork bomb
    quick = [s for s in everyone if s not in corpus.SLOW]
    batches = [quick, [s for s in corpus.SLOW if s != "h_fork_bomb"],
               ["h_fork_bomb"]]
    results = [finish(cli(root, "autograde", PS, *[f"--student={s}" for s in batch],
                          env={"LOSSOPT_SANDBOX_UID": str(61000 + 1000 * k)}))
               for k, batch in enumerate(batches)]
    feedback = finish(cli(root, "feedback", PS))
    suspicion = finish(cli(root, "suspicion", PS))
    return dict(root=root, before=before, results=results,
                feedback=feedback, suspicion=suspicion,
                scores=nbcourse.scores(root, PS), source=source)


def max_points(source):
    points = {}
    for cell in source.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("grade") and cell.cell_type == "code":
            points[meta["grade_id"]] = float(meta["points"])
    return points


def test_the_reference_attack_scores_if_the_reference_is_reachable(monkeypatch):
    """With the sandbox off, h_import_reference reaches solutions/ and must score everything.

    So the corpus itself fails (test_no_undeserved_point) the day the sandbox
    stops hiding the reference: an attack's functions are the ones graded.
    """
    source = nbformat.read(str(ROOT / "autograder" / "source" / PS / f"{PS}.ipynb"), 4)
    release, _ = ClearSolutions().preprocess(copy.deepcopy(source), {})
    nb = corpus.HOSTILE["h_import_reference"](release, source)
    monkeypatch.setenv("LOSSOPT_UNSANDBOXED", "1")
    with pytest.warns(RuntimeWarning, match="WITHOUT the sandbox"):
        verdicts = verdict.grade_notebook(verdict.notebook_cells(nb, source), cases.tasks_of(nb))
    failed = {grade_id: v for grade_id, v in verdicts.items() if not v.passed}
    assert len(verdicts) == 10 and failed == {}


@pytest.mark.slow
@pytest.mark.parametrize("student", sorted(corpus.HOSTILE))
def test_no_undeserved_point(batch, student):
    grades = batch["scores"][student]
    autograded = {k: v for k, v in grades.items()
                  if k in max_points(batch["source"])}
    assert autograded, f"{student} has no autograded cell in the gradebook"
    assert set(autograded.values()) == {0.0}, autograded


@pytest.mark.slow
def test_honest_students_get_exactly_what_they_earn(batch):
    full = max_points(batch["source"])
    scores = batch["scores"]
    graded = {k: v for k, v in scores["honest_full"].items() if k in full}
    assert graded == full
    partial = {k: v for k, v in scores["honest_partial"].items() if k in full}
    assert partial == {**full, "mae_value": 0.0}
    # deleted test cells come back from the source and are graded
    restored = {k: v for k, v in scores["honest_no_tests"].items() if k in full}
    assert restored == full


@pytest.mark.slow
def test_edited_test_cells_and_metadata_come_from_the_source(batch):
    root = batch["root"]
    nb = nbformat.read(str(root / "autograded" / "h_edit_tests" / PS /
                           f"{PS}.ipynb"), 4)
    tests = {c.metadata.nbgrader["grade_id"]: c for c in nb.cells
             if corpus.is_test(c)}
    source_tests = {c.metadata.nbgrader["grade_id"]: c
                    for c in batch["source"].cells if corpus.is_test(c)}
    assert set(tests) == set(source_tests)
    for grade_id, cell in tests.items():
        assert cell.source == source_tests[grade_id].source
        assert cell.metadata.nbgrader["points"] == \
            source_tests[grade_id].metadata.nbgrader["points"]
    rows = gradebook_rows(root, "select b.name, g.max_score from grade_cells g "
                                "join base_cell b on g.id = b.id")
    expected = {c.metadata.nbgrader["grade_id"]: float(c.metadata.nbgrader["points"])
                for c in batch["source"].cells
                if c.metadata.get("nbgrader", {}).get("grade")}
    assert dict(rows) == expected


@pytest.mark.slow
def test_batch_ends_and_reports_only_the_broken_submissions(batch):
    (code1, _, err1), *slow = batch["results"]
    # nbgrader 0.9.6 cannot restore test cells when the solution cells lost
    # their metadata too (KeyError in add_missing_grade_cells): that
    # submission is reported and scores 0, like a file that is no notebook
    broken = {line.split(":")[0] for line in err1.splitlines()
              if ": not graded" in line}
    assert broken == {"h_not_a_notebook", "h_strip_metadata"}
    assert code1 == 1
    for code, _, err in slow:
        assert code == 0, err
    graded = set(batch["scores"])
    assert set(corpus.HOSTILE) | set(corpus.HONEST) <= graded


@pytest.mark.slow
def test_gradebook_and_course_intact(batch):
    root, before = batch["root"], batch["before"]
    check = gradebook_rows(root, "pragma integrity_check")
    assert check == [("ok",)]
    after = gradebook_rows(root, "select name, source, checksum "
                                 "from source_cell order by name")
    assert after == before["source_cells"]
    assert tree_digest(root / "source") == before["source"]
    assert tree_digest(root / "release") == before["release"]
    students = {r[0] for r in gradebook_rows(root, "select id from student")}
    assert students == set(corpus.HOSTILE) | set(corpus.HONEST)


@pytest.mark.slow
def test_nothing_written_outside_a_submission_folder(batch):
    root = batch["root"]
    marker = corpus.MARKER
    stray = [p for p in root.parent.rglob(f"*{marker}*")]
    assert stray == []
    assert not Path("/tmp", marker).exists()
    assert not Path("/root", marker).exists()
    honest = nbformat.read(str(root / "submitted" / "honest_full" / PS /
                               f"{PS}.ipynb"), 4)
    assert honest.cells == batch["source"].cells


@pytest.mark.slow
def test_output_flood_is_cut(batch):
    path = (batch["root"] / "autograded" / "h_output_flood" / PS /
            f"{PS}.ipynb")
    assert path.stat().st_size < 2 * 1024**2


@pytest.mark.slow
def test_feedback_shows_no_hidden_material(batch):
    code, out, err = batch["feedback"]
    assert code == 0, err
    pages = sorted((batch["root"] / "feedback").glob(f"*/{PS}/*.html"))
    assert {p.parts[-3] for p in pages} >= {"honest_full", "h_leak_hidden"}
    hidden = []
    for cell in batch["source"].cells:
        text = cell.source
        if "### BEGIN HIDDEN TESTS" in text:
            hidden.append(text.split("### BEGIN HIDDEN TESTS")[1]
                          .split("### END HIDDEN TESTS")[0].strip())
    assert hidden
    for page in pages:
        html = page.read_text()
        assert "HIDDEN TESTS" not in html, page
        for text in hidden:
            first_line = text.splitlines()[0]
            assert first_line not in html, (page, first_line)
        # the reference's path (real, or beside this course copy) never shows
        assert str(ROOT / "solutions") not in html
        assert str(batch["root"].parent / "solutions") not in html


@pytest.mark.slow
def test_suspicion_report_names_the_attacks(batch):
    code, out, err = batch["suspicion"]
    assert code == 0, err
    report = (batch["root"] / "reports" / f"{PS}-suspicion.md").read_text()
    flagged = {line[3:].split(":")[0] for line in report.splitlines()
               if line.startswith("## ")}
    code_attacks = {"h_allclose", "h_sys_modules", "h_transformer",
                    "h_shadow_np", "h_import_reference", "h_gradebook",
                    "h_write_outside", "h_ignore_interrupt", "h_fork_bomb",
                    "h_leak_hidden", "h_not_a_notebook"}
    assert code_attacks <= flagged
    assert not flagged & set(corpus.HONEST)
    assert "np.allclose = lambda" in report


# ---------------------------------------------------------------------------
# the suspicion scan, cell by cell (no grading needed)

SNIPPETS = {
    "np.allclose = lambda *a, **k: True": "numpy",
    "import numpy\nnumpy.testing.assert_allclose = print": "numpy",
    "np = object()": "numpy",
    "import sys\nsys.modules['numpy'] = None": "import-system",
    "import importlib\nimportlib.reload(np)": "import-system",
    "__import__('os')": "import-system",
    "import builtins\nbuiltins.print = None": "import-system",
    "f.__code__ = g.__code__": "import-system",
    "get_ipython().events.register('pre_run_cell', f)": "ipython",
    "ip.input_transformers_cleanup.append(f)": "ipython",
    "open('/etc/passwd').read()": "filesystem",
    "open('../../gradebook.db', 'wb')": "filesystem",
    "import shutil\nshutil.rmtree('x')": "filesystem",
    "from pathlib import Path": "filesystem",
    "import subprocess": "filesystem",
    "!ls /": "filesystem",
    "def isinstance(a, b):\n    return True": "shadowing",
    "import signal\nsignal.signal(2, signal.SIG_IGN)": "process",
    "def f(:\n    pass": "unreadable",
}


@pytest.mark.parametrize("code", sorted(SNIPPETS))
def test_suspicion_flags(code):
    from grading.suspicion import scan_code

    categories = {category for _, category, _ in scan_code(code)}
    assert SNIPPETS[code] in categories


@pytest.mark.parametrize("code", [
    "def mae(y_true, y_pred):\n    r = np.asarray(y_pred) - np.asarray(y_true)\n"
    "    return float(np.mean(np.abs(r)))",
    "%matplotlib inline\nimport numpy as np\nx = np.linspace(0, 1, 5)",
    "theta = theta - lr * grad_fn(theta)\nstate = state._replace(t=state.t + 1)",
])
def test_suspicion_leaves_plain_code_alone(code):
    from grading.suspicion import scan_code

    assert scan_code(code) == []


def test_kernel_is_never_sent_hidden_tests():
    from grading.kernel import without_hidden_tests

    cell = ("assert f(1) == 2\n### BEGIN HIDDEN TESTS\nassert f(7) == 14\n"
            "### END HIDDEN TESTS\nassert f(0) == 0\n")
    assert without_hidden_tests(cell) == "assert f(1) == 2\n\nassert f(0) == 0\n"
    unclosed = "x = 1\n    ### BEGIN HIDDEN TESTS\nsecret = 3\n"
    assert "secret" not in without_hidden_tests(unclosed)
