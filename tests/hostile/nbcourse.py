"""Build, run and read small nbgrader courses in a temporary folder."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

ROOT = Path(__file__).resolve().parents[2]
AUTOGRADER = ROOT / "autograder"


def nbgrader_meta(grade_id, *, solution=False, grade=False, locked=False,
                  points=None):
    meta = dict(grade_id=grade_id, schema_version=3, solution=solution,
                grade=grade, locked=locked, task=False)
    if grade:
        meta["points"] = points
    return meta


def code(source, grade_id=None, **kw):
    cell = new_code_cell(source)
    if grade_id is not None:
        cell.metadata["nbgrader"] = nbgrader_meta(grade_id, **kw)
    return cell


def markdown(source):
    return new_markdown_cell(source)


def write_notebook(path, cells):
    nb = new_notebook(cells=list(cells))
    nb.metadata["kernelspec"] = {"name": "python3", "language": "python",
                                 "display_name": "Python 3"}
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, str(path))


def nbgrader(course, *args, env=None, timeout=600):
    """Run one nbgrader command in ``course``; return the CompletedProcess."""
    full_env = dict(os.environ)
    full_env["PYTHONPATH"] = os.pathsep.join(
        [str(AUTOGRADER), str(ROOT), full_env.get("PYTHONPATH", "")])
    full_env.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "nbgrader", *args], cwd=course,
        env=full_env, capture_output=True, text=True, timeout=timeout)


def submit(course, assignment, student, notebook, edit):
    """Copy the released notebook to ``submitted/`` and apply ``edit(nb)``.

    ``edit`` returns the notebook to write, or bytes to write instead
    (a file that is not a notebook).
    """
    release = Path(course) / "release" / assignment / notebook
    dest = Path(course) / "submitted" / student / assignment / notebook
    dest.parent.mkdir(parents=True, exist_ok=True)
    nb = nbformat.read(str(release), as_version=4)
    out = edit(nb)
    if isinstance(out, bytes):
        dest.write_bytes(out)
    else:
        nbformat.write(out, str(dest))
    return dest


def scores(course, assignment):
    """{student: {grade_id: auto_score}} read from the gradebook."""
    from nbgrader.api import Gradebook

    out = {}
    url = f"sqlite:///{Path(course) / 'gradebook.db'}"
    with Gradebook(url) as gb:
        for student in gb.students:
            try:
                sub = gb.find_submission(assignment, student.id)
            except Exception:
                continue
            out[student.id] = {
                grade.name: grade.auto_score
                for nb in sub.notebooks for grade in nb.grades
            }
    return out


def totals(course, assignment):
    """{student: total auto score} (None scores count as 0)."""
    return {student: sum(s or 0 for s in grades.values())
            for student, grades in scores(course, assignment).items()}
