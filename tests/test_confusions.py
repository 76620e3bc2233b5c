"""The catalogue of confusions: each is caught by a visible check, named there and named by
the diagnosis after grading; a correct function gets no diagnosis.

These run in-process (the grader's own judge on outputs computed here); the
round trip through nbgrader is in test_feedback.py.
"""

from pathlib import Path

import nbformat
import numpy as np
import pytest
from grading import cases, confusions, diagnosis, verdict

ROOT = Path(__file__).resolve().parents[1]
COURSE = ROOT / "autograder"

PS_OF = {}
for _ps in ["ps1", "ps2", "ps3", "ps4"]:
    _nb = nbformat.read(str(COURSE / "source" / _ps / f"{_ps}.ipynb"), as_version=4)
    for _cell in _nb.cells:
        _gid = _cell.metadata.get("nbgrader", {}).get("grade_id")
        if _gid in cases.TASKS:
            PS_OF[_gid] = (_nb, _cell)

#: Confusions no visible check can show: gd keeps no state, so restarting it per
#: epoch changes nothing in the notebook; the grader's cases use a stateful optimizer.
NOT_VISIBLE = {"sgd:reset_state"}

ALL = list(confusions.CATALOGUE.values())


def results_of(task, functions=None, confusion=None):
    """The results dict the harness would return for code that is ``confusion``."""
    results = {}
    for c, case in enumerate(task.cases()):
        out = (confusions.outputs(task, confusion, case) if confusion
               else cases.reference_outputs(task, case))
        for k, value in enumerate(out or []):
            results[f"{task.grade_id}/{c}/{k}"] = np.asarray(value, dtype=float)
    return results


def test_every_graded_function_has_at_least_two_confusions_with_a_live_link():
    built = ROOT / "_build" / "html" / "chapters"
    for grade_id in cases.TASKS:
        assert len(confusions.of(grade_id)) >= 2, grade_id
    for conf in ALL:
        page, anchor = conf.link.removeprefix(confusions.SITE).split("#")
        source = (ROOT / "chapters" / page).with_suffix(".md").read_text()
        assert page.endswith(".html") and anchor
        if (built / page).is_file():   # the anchor exists in the built site
            assert f'id="{anchor}"' in (built / page).read_text(), conf.link
        else:
            assert source, page
        assert conf.text.endswith("."), conf.key


@pytest.mark.parametrize("conf", ALL, ids=lambda c: c.key)
def test_the_diagnosis_names_each_confusion(conf):
    task = cases.TASKS[conf.grade_id]
    judged = verdict.judge(task, results_of(task, confusion=conf))
    assert not judged.passed, "the confusion passes every case"
    found = judged.diagnosis
    assert found is not None and found.confusion == conf.key, found
    assert conf.text in found.text and conf.link in found.text


@pytest.mark.parametrize("grade_id", list(cases.TASKS))
def test_a_correct_function_gets_no_diagnosis(grade_id):
    task = cases.TASKS[grade_id]
    assert verdict.judge(task, results_of(task)) == verdict.Verdict(
        0, len(task.checks), 0, len(task.cases()) - len(task.checks), None, None)


def test_an_unknown_mistake_names_kinds_of_case_but_no_numbers():
    task = cases.TASKS["adam_bias_correction"]
    results = results_of(task)
    for c, case in enumerate(task.cases()):   # wrong only after several steps
        if case.spec["n_steps"] > 1:
            results[f"{task.grade_id}/{c}/0"] = results[f"{task.grade_id}/{c}/0"] + 0.5
    found = verdict.judge(task, results).diagnosis
    assert found.confusion is None
    assert found.kinds[0] == "several steps (state carried over)", found
    for case in task.cases():
        for value in case.arrays.values():
            for v in np.ravel(value)[:3]:
                if abs(v) > 1e-3 and v != round(v):
                    assert f"{v:.4g}" not in found.text


def visible_check_error(nb, cell, functions):
    """Run ``nb``'s set-up cells, then the visible part of ``cell`` with ``functions`` in
    place; the AssertionError's message, or None."""
    ns = {}
    for c in nb.cells:
        if "setup" in c.metadata.get("tags", []):
            exec(c.source, ns)
    ns.update(functions)
    try:
        with np.errstate(all="ignore"):
            exec(cell.source.split("### BEGIN HIDDEN TESTS")[0], ns)
    except AssertionError as error:
        return str(error)
    return None


def _run_test_cell(conf):
    """Run the notebook's helpers and the test cell of ``conf`` with its variant in place."""
    nb, cell = PS_OF[conf.grade_id]
    return visible_check_error(nb, cell, confusions.CATALOGUE[conf.key].functions)


@pytest.mark.parametrize("conf", ALL, ids=lambda c: c.key)
def test_a_visible_check_fails_and_names_each_confusion(conf):
    message = _run_test_cell(conf)
    if conf.key in NOT_VISIBLE:
        assert message is None
        return
    assert message is not None, "no visible check fails"
    assert "returned" in message and "expected" in message
    assert f"{conf.text} See {conf.link}" in message
    assert message.count("See ") <= 2, message   # at most two mistakes share a value


def test_the_visible_checks_of_adaptive_methods_include_eps_inside_the_root():
    for key in ["adagrad:eps_outside", "rmsprop:eps_outside", "adadelta:eps_outside",
                "adam:eps_outside", "nadam:eps_outside"]:
        assert "eps" in _run_test_cell(confusions.CATALOGUE[key])


@pytest.mark.parametrize("ps, skipped, named", [
    ("ps1", "grid_loss_solution", "grid_loss"), ("ps2", "huber_solution", "huber"),
    ("ps3", "gd_init_solution", "gd"), ("ps4", "nadam_init_solution", "nadam")])
def test_the_figure_cell_draws_what_works_and_names_the_rest(ps, skipped, named, capsys):
    import matplotlib
    matplotlib.use("Agg")
    nb = nbformat.read(str(COURSE / "source" / ps / f"{ps}.ipynb"), as_version=4)
    ns = {}
    for c in nb.cells:
        meta = c.metadata.get("nbgrader", {})
        if c.cell_type != "code" or meta.get("grade_id") == skipped:
            continue
        if meta.get("grade") and not meta.get("solution"):
            continue     # test cells: Run All would stop at the first failing one
        with np.errstate(all="ignore"):
            exec(c.source, ns)    # the figure cell is last; it must not raise
    (line,) = [s for s in capsys.readouterr().out.splitlines() if s.startswith("Left out")]
    assert line.startswith(f"Left out of the figure: {named} (") and "defined" in line
    assert line.count("(") == 1   # only the missing one is left out
