"""Copies of the course and the submissions the grading tests (and the benchmark) build.

Not a test module: ``tests/test_grading.py`` and its neighbours use these,
and so does ``tools/benchmark.py``, which must not import a test module.
"""

import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
COURSE = ROOT / "autograder"
PROBLEM_SETS = ["ps1", "ps2", "ps3", "ps4"]
GENERATED = ("release", "release_ko", "submitted", "autograded", "feedback", "gradebook.db", "__pycache__",
             "logs", ".grading.lock")


def course_ignore(*extra):
    """``copytree``'s ignore for a copy of the course: what runs generate, at its top only.

    (``grading/templates/feedback/`` must not go the way of the course's ``feedback/``.)
    """
    top = shutil.ignore_patterns(*GENERATED, "reports", "*.csv", *extra)

    def ignore(folder, names):
        skipped = {"__pycache__"} & set(names)
        if Path(folder).resolve() == COURSE.resolve():
            skipped |= set(top(folder, names))
        return skipped
    return ignore


def grading_cli(root, *args, python=sys.executable, env=None):
    return subprocess.run([str(python), "-m", "grading", "--root", str(root), *args],
                          cwd=root, capture_output=True, text=True, timeout=600, env=env)


def released_copy(repo, python=sys.executable, env=None):
    """Copy the course to <repo>/autograder, with solutions/ beside it, and release it."""
    shutil.copytree(COURSE, repo / "autograder",
                    ignore=course_ignore())
    (repo / "solutions").symlink_to(ROOT / "solutions")
    root = repo / "autograder"
    done = grading_cli(root, "release", python=python, env=env)
    assert done.returncode == 0, done.stderr
    return root


def source_nb(root, ps):
    return nbformat.read(str(root / "source" / ps / f"{ps}.ipynb"), as_version=4)


def release_nb(root, ps):
    return nbformat.read(str(root / "release" / ps / f"{ps}.ipynb"), as_version=4)


def cell_by_id(nb, grade_id):
    (cell,) = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id]
    return cell


def edited(nb, edits):
    """A copy of ``nb`` with ``(old, new)`` text replacements in the named cells."""
    nb = nbformat.reads(nbformat.writes(nb), as_version=4)
    for grade_id, (old, new) in edits.items():
        cell = cell_by_id(nb, grade_id)
        assert old in cell.source, (grade_id, old)
        cell.source = cell.source.replace(old, new)
    return nb


def submit(root, ps, student, nb):
    folder = root / "submitted" / student / ps
    folder.mkdir(parents=True, exist_ok=True)
    if isinstance(nb, bytes):
        (folder / f"{ps}.ipynb").write_bytes(nb)
    else:
        nbformat.write(nb, str(folder / f"{ps}.ipynb"))


def graded_times(root, ps, students):
    """When each submission's autograded notebook was last written (ns), where there is one."""
    return {s: p.stat().st_mtime_ns for s in students
            if (p := root / "autograded" / s / ps / f"{ps}.ipynb").exists()}


def scores(root, ps, student, db_url=None):
    """Autograded score of each test cell of ``student``'s ``ps`` (default: the SQLite gradebook)."""
    from nbgrader.api import Gradebook

    with Gradebook(db_url or f"sqlite:///{root / 'gradebook.db'}") as gb:
        notebook = gb.find_submission_notebook(ps, ps, student)
        return {g.name: g.auto_score for g in notebook.grades}


def autograded_points(root, ps):
    """Max points of every autograded test cell of ``ps``."""
    nb = source_nb(root, ps)
    return {c.metadata.nbgrader["grade_id"]: c.metadata.nbgrader["points"] for c in nb.cells
            if c.cell_type == "code" and c.metadata.get("nbgrader", {}).get("grade")}


# ------------------------------------------------------- wrong answers

WRONG_PS2 = {
    "mse_summed": ("mse_value", {"mse_solution": (
        "return float(np.mean((y_pred - y_true) ** 2))",
        "return float(np.sum((y_pred - y_true) ** 2))")}),
    "ce_nan": ("cross_entropy_conventions", {"cross_entropy_solution": (
        "return float(np.mean(-_xlogy(p, q).sum(axis=-1)))",
        "return float(np.mean(-(p * np.log(q)).sum(axis=-1)))")}),
}
WRONG_PS4 = {
    "adam_no_bias": ("adam_bias_correction", {"adam_init_solution": (
        "m_hat = m / (1.0 - beta1**t)\n    v_hat = v / (1.0 - beta2**t)",
        "m_hat = m\n    v_hat = v")}),
    "momentum_flipped": ("momentum_update", {"momentum_init_solution": (
        "return theta - velocity, MomentumState(velocity)",
        "return theta + velocity, MomentumState(velocity)")}),
    "nag_at_theta": ("nag_update", {"nag_init_solution": (
        "g = np.asarray(grad_fn(look_ahead), dtype=float)", "g = np.asarray(grad_fn(theta), dtype=float)")}),
}
CHEAT_CELL = textwrap.dedent("""
    np.allclose = lambda *args, **kwargs: True

    def momentum_init(theta):
        return (np.zeros_like(theta),)

    def momentum_step(theta, grad_fn, state, *, lr=0.01, gamma=0.9):
        return theta, state
""")
