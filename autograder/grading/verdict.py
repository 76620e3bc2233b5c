"""Decide every autograded test cell outside the student's kernel.

:class:`OutOfKernelVerdict` is an nbgrader preprocessor that runs after
``Execute`` and before ``SaveAutoGrades`` (see ``nbgrader_config.py``).
Whatever the kernel printed in a test cell is replaced by this verdict:

1. the code of the submission's solution cells, plus the read-only setup
   cells of the instructor's SOURCE notebook (never the submission's copy),
   goes into a fresh temporary folder with ``harness.py`` and the inputs of
   every case of every test cell: visible ones (the asserts shown in the
   notebook) and hidden ones (``cases.py``);
2. ``isolation.run_isolated`` runs the harness in another process;
3. only numbers come back (``results.npz``, read with
   ``allow_pickle=False`` after a size check); they are compared here, in
   the trusted process, with the reference;
4. a passing test cell gets no output; a failing one gets one error output
   naming the function and how many visible and hidden cases failed, never
   an input, an expected value, or where the reference lives.

So nothing the student's code does inside the kernel (replacing
``np.allclose``, blanking cells, faking modules) changes a score.
"""

from __future__ import annotations

import json
import re
import shutil
import sys
import tempfile
import zipfile
from pathlib import Path
from typing import NamedTuple

import nbformat
import numpy as np
from nbgrader import utils
from nbgrader.coursedir import CourseDirectory
from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import Float

from . import cases as cases_module
from . import diagnosis, harness
from . import language as language_module
from .isolation import run_isolated
from .language import N_, tr

HARNESS = Path(__file__).with_name("harness.py")
RESULT_LIMIT = 64 * 1024 * 1024     # bytes, uncompressed, of results.npz
# What the harness reads; it writes only results.npz (see isolation.run_isolated).
RUN_FILES = ("harness.py", "cells.json", "tasks.json", "inputs.npz")
KERNEL_TRACE_CHARS = 3000
MUTATED = N_("it changed an array it was given, in place; a function here must leave "
             "its inputs (theta, the state, y_true, y_pred, ...) as they were and return "
             "new arrays")
TIMED_OUT = N_("it ran out of time")
EXIT_CODE = N_("the process stopped with exit code {code}")
_EXIT_CODE = re.compile(r"the process stopped with exit code (-?\d+)$")
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


# -------------------------------------------------------------- comparing


def close(actual, expected, *, rtol, atol):
    """Shapes equal, inf where inf (same sign), finite values within tolerance, no NaN."""
    if actual.shape != expected.shape:
        return False
    if np.isnan(actual).any() or np.isnan(expected).any():
        return False
    inf_a, inf_e = np.isinf(actual), np.isinf(expected)
    if not np.array_equal(inf_a, inf_e) or not np.array_equal(actual[inf_a], expected[inf_e]):
        return False
    fin = ~inf_e
    return bool(np.all(np.abs(actual[fin] - expected[fin])
                       <= atol + rtol * np.abs(expected[fin])))


# ---------------------------------------------------------- running code


def notebook_cells(submission, source):
    """The code the harness runs: source setup cells and submission solution cells, in order.

    ``source`` is the instructor's notebook: its cells tagged ``setup`` are
    taken from it, whatever the submission holds in their place.
    """
    setup = [c.source for c in source.cells
             if c.cell_type == "code" and "setup" in c.metadata.get("tags", [])]
    solutions = [c.source for c in submission.cells
                 if c.cell_type == "code" and utils.is_solution(c) and not utils.is_grade(c)]
    return setup + solutions


def _write_inputs(folder, tasks):
    plan, arrays = [], {}
    for task in tasks:
        specs = []
        for c, case in enumerate(task.cases()):
            specs.append(case.spec)
            for name, value in case.arrays.items():
                arrays[f"{task.grade_id}/{c}/{name}"] = np.asarray(value)
        plan.append({"task": task.grade_id, "kind": task.kind, "cases": specs})
    (folder / "tasks.json").write_text(json.dumps(plan))
    np.savez(folder / "inputs.npz", **arrays)


def _read_results(path):
    """Float arrays from results.npz, or {} when the file is missing, too big or not numbers."""
    try:
        if not path.is_file() or path.stat().st_size > RESULT_LIMIT:
            return {}
        with zipfile.ZipFile(path) as archive:
            if sum(info.file_size for info in archive.infolist()) > RESULT_LIMIT:
                return {}
        out = {}
        with np.load(path, allow_pickle=False) as data:
            for key in data.files:
                value = data[key]
                if value.dtype == np.float64:
                    out[key] = value
        return out
    except Exception:    # whatever the student's process left there, it is not a result
        return {}


def run_tasks(cells, tasks, *, timeout):
    """Run ``tasks`` on the student's ``cells`` in an isolated process.

    Returns ``(results, problem)``: the float arrays keyed
    ``"<grade_id>/<case>/<k>"`` and a short description of what went wrong
    with the run as a whole (None when it finished).
    """
    folder = Path(tempfile.mkdtemp(prefix="lossopt-grade-"))
    try:
        shutil.copy(HARNESS, folder / "harness.py")
        (folder / "cells.json").write_text(json.dumps(cells))
        _write_inputs(folder, tasks)
        proc = run_isolated([sys.executable, "-I", "harness.py"], cwd=str(folder),
                            timeout=timeout, stdin_bytes=b"", files=RUN_FILES,
                            outputs=["results.npz"])
        results = _read_results(folder / "results.npz")
        problem = None
        if proc.timed_out:
            problem = TIMED_OUT
        elif proc.returncode != 0:
            problem = EXIT_CODE.format(code=proc.returncode)
        return results, problem
    finally:
        shutil.rmtree(folder, ignore_errors=True)


class Verdict(NamedTuple):
    """How one task fared: failed and total cases, visible and hidden, and why a run failed.

    ``problem`` says what went wrong with the run (None when it finished);
    ``diagnosis`` names the confusion a failing function made
    (``diagnosis.diagnose``), or None.
    """

    visible_failed: int
    n_visible: int
    hidden_failed: int
    n_hidden: int
    problem: str | None = None
    diagnosis: object = None

    @property
    def passed(self):
        return not self.visible_failed and not self.hidden_failed and self.problem is None


def judge(task, results, problem=None, language="en"):
    """The :class:`Verdict` on one task's results, diagnosed here, in the trusted process."""
    counts = {True: [0, 0], False: [0, 0]}     # visible -> [failed, total]
    failed = []
    for c, case in enumerate(task.cases()):
        expected = cases_module.reference_outputs(task, case)
        ok = all(results.get(f"{task.grade_id}/{c}/{k}") is not None
                 and close(results[f"{task.grade_id}/{c}/{k}"], np.asarray(exp, dtype=float),
                           rtol=task.rtol, atol=task.atol)
                 for k, exp in enumerate(expected))
        if results.get(f"{task.grade_id}/{c}/{len(expected)}") is not None:
            ok = False   # more outputs than the reference: e.g. a state with extra fields
        counts[case.visible][0] += not ok
        counts[case.visible][1] += 1
        if not ok:
            failed.append(c)
    return Verdict(*counts[True], *counts[False], problem,
                   diagnosis.diagnose(task, results, failed, language))


def grade_notebook(cells, tasks, *, timeout=60.0, task_timeout=30.0, language="en"):
    """``{grade_id: Verdict}`` for ``tasks`` run on the student's ``cells``.

    Diagnoses are worded in ``language``; ``problem`` stays English (see :func:`problem_text`).

    One run for the whole notebook; if it does not finish, each task gets a
    run of its own, so one endless loop costs only its own function.
    """
    results, problem = run_tasks(cells, tasks, timeout=timeout)
    verdicts = {}
    for task in tasks:
        task_results, task_problem = results, None
        if problem is not None:
            task_results, task_problem = run_tasks(cells, [task], timeout=task_timeout)
        if f"{task.grade_id}/{harness.MUTATED_KEY}" in task_results:
            task_problem = MUTATED
        verdicts[task.grade_id] = judge(task, task_results, task_problem, language)
    return verdicts


def problem_text(problem, language="en"):
    """What went wrong with a run (a :class:`Verdict`'s ``problem``), in ``language``."""
    exit_code = _EXIT_CODE.match(problem)
    if exit_code:
        return tr(language, EXIT_CODE).format(code=exit_code.group(1))
    return tr(language, problem)


def message(task, verdict, language="en"):
    """The one line a student reads about a failed test cell."""
    parts = []
    if verdict.visible_failed:
        parts.append(tr(language, "{failed} of {total} visible cases").format(
            failed=verdict.visible_failed, total=verdict.n_visible))
    if verdict.hidden_failed:
        parts.append(tr(language, "{failed} of {total} hidden cases").format(
            failed=verdict.hidden_failed, total=verdict.n_hidden))
    text = tr(language, "{function}: {cases} failed").format(
        function=task.label, cases=tr(language, " and ").join(parts))
    if verdict.problem == MUTATED:
        text += ": " + tr(language, MUTATED)
    elif verdict.problem:
        text += tr(language, " (the run of your code did not finish: {problem})").format(
            problem=problem_text(verdict.problem, language))
    return text


# ---------------------------------------------------------- preprocessor


class OutOfKernelVerdict(NbGraderPreprocessor):
    """Replace each autograded test cell's outputs with the verdict computed outside the kernel."""

    timeout = Float(60.0, help="Seconds for one isolated run of a whole notebook.").tag(
        config=True)
    task_timeout = Float(30.0, help="Seconds for the isolated run of one task.").tag(
        config=True)

    def _source_notebook(self, resources):
        coursedir = CourseDirectory(parent=self)
        assignment = resources["nbgrader"]["assignment"]
        notebook = resources["nbgrader"]["notebook"]
        path = Path(coursedir.format_path(coursedir.source_directory, ".", assignment),
                    f"{notebook}.ipynb")
        return nbformat.read(str(path), as_version=4)

    def preprocess(self, nb, resources):
        tasks = cases_module.tasks_of(nb)
        language = language_module.of(nb)
        cells = notebook_cells(nb, self._source_notebook(resources))
        verdicts = grade_notebook(cells, tasks, timeout=self.timeout,
                                  task_timeout=self.task_timeout, language=language)
        for cell in nb.cells:
            task = cases_module.task_of(cell)
            if task is None:
                continue
            verdict = verdicts[task.grade_id]
            kernel_error = [o for o in cell.get("outputs", []) if o.output_type == "error"]
            if verdict.passed:
                cell.outputs = []
                continue
            lines = [message(task, verdict, language)]
            if verdict.diagnosis is not None:
                lines.append(tr(language, "Diagnosis: {text}").format(
                    text=verdict.diagnosis.text))
            cell.metadata["lossopt"] = diagnosis.record(task, verdict, language)
            if kernel_error:   # the student's own kernel, on the visible checks only
                trace = _ANSI.sub("", "\n".join(kernel_error[0].get("traceback", [])))
                lines += ["", tr(language, "In this notebook, the visible checks raised:"),
                          trace[-KERNEL_TRACE_CHARS:]]
            cell.outputs = [nbformat.v4.new_output(
                "error", ename="TestsFailed", evalue=lines[0], traceback=lines)]
            self.log.info("%s: %s", task.grade_id, lines[0])
        return nb, resources
