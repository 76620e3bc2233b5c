"""Hidden cases tell each rule from its usual confusions (no nbgrader here: the grader's core).

Each confusion is one text edit of a source notebook's solution cell; the
out-of-kernel verdict must fail that function's hidden cases and pass
every other function of the notebook.
"""

from pathlib import Path

import nbformat
import pytest
from grading import cases, verdict

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
COURSE = ROOT / "autograder"

CONFUSIONS = [
    # (ps, solution cell, old, new, test cell that must fail)
    ("ps1", "residuals_solution", "return slope * x + intercept - y",
     "return y - (slope * x + intercept)", "residuals_of_a_line"),
    ("ps1", "signed_error_solution", "return np.mean(np.asarray(r, dtype=float), axis=-1)",
     "return np.mean(np.asarray(r, dtype=float))", "signed_error_mean"),
    ("ps1", "squared_error_solution", "return np.mean(np.asarray(r, dtype=float) ** 2, axis=-1)",
     "return np.sqrt(np.mean(np.asarray(r, dtype=float) ** 2, axis=-1))", "squared_error_mean"),
    ("ps1", "grid_loss_solution", "r = a * x + b - y\n    return error_fn(r)",
     "r = a * x + b - y\n    return error_fn(r).T", "grid_loss_no_loops"),
    ("ps1", "grid_loss_solution", "return error_fn(r)",
     "return np.mean(r**2, axis=-1)", "grid_loss_no_loops"),
    ("ps2", "mae_grad_solution", "return np.sign(y_pred - y_true) / y_pred.size",
     "return np.where(y_pred >= y_true, 1.0, -1.0) / y_pred.size", "mae_gradient"),
    ("ps2", "mse_grad_solution", "return 2.0 * (y_pred - y_true) / y_pred.size",
     "return 2.0 * (y_pred - y_true)", "mse_gradient"),
    ("ps2", "huber_solution", "delta * (abs_r - 0.5 * delta)", "abs_r - 0.5 * delta",
     "huber_two_branches"),
    ("ps2", "kl_divergence_solution", "return float(np.mean((_xlogy(p, p) - _xlogy(p, q))",
     "return float(np.mean((_xlogy(q, q) - _xlogy(q, p))", "kl_divergence_conventions"),
    ("ps2", "cross_entropy_solution", "return float(np.mean(-_xlogy(p, q).sum(axis=-1)))",
     "return float(np.sum(-_xlogy(p, q)))", "cross_entropy_conventions"),
    ("ps2", "softmax_cross_entropy_solution",
     "per_row = -(y * log_softmax(logits)).sum(axis=-1)",
     "per_row = -(y * np.log(np.exp(logits) / np.exp(logits).sum(axis=-1, keepdims=True)))"
     ".sum(axis=-1)", "softmax_cross_entropy_stable"),
    ("ps3", "gd_init_solution", "return theta - lr * g, GDState()",
     "return theta - g, GDState()", "gd_step_rule"),
    ("ps3", "minibatches_solution", "order = np.random.default_rng(seed).permutation(len(x))",
     "np.random.seed(seed)\n    order = np.random.permutation(len(x))", "minibatch_iterator"),
    ("ps3", "minibatches_solution", "for start in range(0, len(x), batch_size):",
     "for start in range(0, len(x) - batch_size + 1, batch_size):", "minibatch_iterator"),
    ("ps3", "sgd_linear_regression_solution", "theta, state = step(theta, grad_fn, state, lr=lr)",
     "theta, _ = step(theta, grad_fn, state, lr=lr)", "sgd_linear_regression_epochs"),
    ("ps3", "largest_stable_lr_solution", "L = np.linalg.eigvalsh(A)[-1]",
     "L = np.max(np.diag(A))", "largest_stable_lr_eigen"),
    ("ps4", "adagrad_init_solution", "lr * g / np.sqrt(G + eps)",
     "lr * g / (np.sqrt(G) + eps)", "adagrad_update"),
    ("ps4", "rmsprop_init_solution", "lr * g / np.sqrt(G + eps)",
     "lr * g / (np.sqrt(G) + eps)", "rmsprop_update"),
    ("ps4", "adam_init_solution", "lr * m_hat / np.sqrt(v_hat + eps)",
     "lr * m_hat / (np.sqrt(v_hat) + eps)", "adam_bias_correction"),
    ("ps4", "adadelta_init_solution", "s = gamma * state.s + (1.0 - gamma) * delta**2",
     "s = gamma * state.s + (1.0 - gamma) * g**2", "adadelta_update"),
    ("ps4", "nadam_init_solution", "(1.0 - beta1) * g / (1.0 - beta1**t)",
     "(1.0 - beta1) * g", "nadam_update"),
]


def source_nb(ps):
    return nbformat.read(str(COURSE / "source" / ps / f"{ps}.ipynb"), as_version=4)


@pytest.mark.parametrize("ps", ["ps1", "ps2", "ps3", "ps4"])
def test_the_source_notebook_passes_every_case(ps):
    nb = source_nb(ps)
    verdicts = verdict.grade_notebook(verdict.notebook_cells(nb, nb), cases.tasks_of(nb))
    failed = {k: v for k, v in verdicts.items() if not v.passed}
    assert not failed


def grade_edited(ps, cell_id, old, new):
    """Verdicts of ``ps``'s source with one text edit of one solution cell, and what failed."""
    nb = source_nb(ps)
    (cell,) = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == cell_id]
    assert old in cell.source
    cell.source = cell.source.replace(old, new)
    verdicts = verdict.grade_notebook(verdict.notebook_cells(nb, nb), cases.tasks_of(nb))
    return verdicts, sorted(k for k, v in verdicts.items() if not v.passed)


@pytest.mark.parametrize("ps, cell_id, old, new, fails", CONFUSIONS,
                         ids=[f"{c[4]}-{i}" for i, c in enumerate(CONFUSIONS)])
def test_a_confusion_fails_hidden_cases_of_its_function_only(ps, cell_id, old, new, fails):
    verdicts, failed = grade_edited(ps, cell_id, old, new)
    assert failed == [fails]
    assert verdicts[fails].hidden_failed > 0, "some hidden case must catch it"


def test_setup_cells_come_from_the_source_not_the_submission():
    source = source_nb("ps4")
    submission = source_nb("ps4")
    setup = [c for c in submission.cells if "setup" in c.metadata.get("tags", [])][0]
    setup.source = "np = None"
    cells = verdict.notebook_cells(submission, source)
    assert "np = None" not in cells
    assert cells[0].startswith("import numpy as np")


def test_an_endless_loop_costs_only_its_own_function():
    nb = source_nb("ps2")
    (cell,) = [c for c in nb.cells
               if c.metadata.get("nbgrader", {}).get("grade_id") == "mae_solution"]
    cell.source = cell.source.replace("    ### BEGIN SOLUTION\n",
                                      "    ### BEGIN SOLUTION\n    while True:\n        pass\n")
    tasks = [cases.TASKS[g] for g in ["mae_value", "mse_value", "huber_two_branches"]]
    verdicts = verdict.grade_notebook(verdict.notebook_cells(nb, nb), tasks,
                                      timeout=10, task_timeout=10)
    assert verdicts["mse_value"].passed and verdicts["huber_two_branches"].passed
    assert verdicts["mae_value"].problem == "it ran out of time"
    assert verdict.message(cases.TASKS["mae_value"], verdicts["mae_value"]).startswith(
        "mae: 2 of 2 visible cases and 24 of 24 hidden cases failed")


def test_a_run_that_prints_timeout_is_not_taken_for_a_timeout():
    nb = source_nb("ps2")
    (cell,) = [c for c in nb.cells
               if c.metadata.get("nbgrader", {}).get("grade_id") == "mae_solution"]
    cell.source = "import os, sys\nsys.stderr.write('timeout\\n' * 50)\nos._exit(3)\n" + cell.source
    verdicts = verdict.grade_notebook(verdict.notebook_cells(nb, nb), [cases.TASKS["mae_value"]],
                                      timeout=10, task_timeout=10)
    assert verdicts["mae_value"].problem == "the process stopped with exit code 3"


IN_PLACE = [
    # (ps, solution cell, old, new, test cell that must fail): the value returned is
    # right, but the function changed an array it was given
    ("ps4", "adagrad_init_solution",
     "    G = state.G + g**2\n    return theta - lr * g / np.sqrt(G + eps), AdagradState(G)",
     "    G = state.G\n    G += g**2\n    theta -= lr * g / np.sqrt(G + eps)\n"
     "    return theta, AdagradState(G)", "adagrad_update"),
    ("ps2", "mse_grad_solution", "    return 2.0 * (y_pred - y_true) / y_pred.size",
     "    y_pred -= y_true\n    y_pred *= 2.0 / y_pred.size\n    return y_pred",
     "mse_gradient"),
]


@pytest.mark.parametrize("ps, cell_id, old, new, fails", IN_PLACE,
                         ids=[c[4] for c in IN_PLACE])
def test_a_function_that_changes_its_inputs_loses_its_points(ps, cell_id, old, new, fails):
    verdicts, failed = grade_edited(ps, cell_id, old, new)
    assert failed == [fails]
    assert verdicts[fails].problem == verdict.MUTATED
    text = verdict.message(cases.TASKS[fails], verdicts[fails])
    assert "changed an array it was given, in place" in text
