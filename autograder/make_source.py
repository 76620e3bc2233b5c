"""Write the four source notebooks ``source/ps1..ps4/<ps>.ipynb`` from the reference.

Run from anywhere::

    python autograder/make_source.py            # rewrite the notebooks
    python autograder/make_source.py --check    # exit 1 if any is out of date
    python autograder/make_source.py --catalog  # update the Korean catalog from the English

Each set is written twice, with the same cells, ids and test code: in English
(``source/psN/psN.ipynb``, what nbgrader grades against) and in Korean
(``source_ko/psN/psN.ipynb``), whose text comes from the gettext catalog
``locales/ko/LC_MESSAGES/grading.po`` (``grading/language.py``).

Solution code is single-sourced: each solution cell is the reference
function's own code (``inspect.getsource``), its docstring replaced by the
student-facing one below, with the private helpers it calls nested inside
the ``### BEGIN SOLUTION`` region so the cell stands alone.  nbgrader
removes that region from the student release.  Visible checks come from
``grading.cases`` (the same table that decides hidden cases), so the
asserts a student sees are the cases the grader re-runs.
"""

from __future__ import annotations

import ast
import inspect
import json
import sys
import textwrap
from pathlib import Path

import nbformat

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent), str(HERE)]

from grading import cases, confusions, language  # noqa: E402
from grading.language import N_, stub_comment, tr  # noqa: E402
from solutions import losses, optimizers, residuals, training  # noqa: E402

KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}

# --------------------------------------------------- student docstrings

DOCS = {
    "residuals": """Residuals r = (slope * x + intercept) - y of a line, one per point.

    x, y: arrays of one shape; slope, intercept: numbers.
    Returns an array shaped like y.""",
    "signed_error": """Mean of the residuals r along the last axis.

    A 1-D r gives one number; r of shape (k, n) gives k numbers.""",
    "absolute_error": """Mean of |r| along the last axis.""",
    "squared_error": """Mean of r**2 along the last axis.""",
    "grid_loss": """Loss of every line of a grid, without Python loops.

    Returns L of shape (len(slopes), len(intercepts)) where L[i, j] is
    error_fn(residuals of the line slopes[i] * x + intercepts[j]).
    error_fn reduces the last axis (like the three functions above), so
    build the residuals with shape (len(slopes), len(intercepts), len(x))
    by broadcasting and call error_fn once.""",
    "mae": """Mean absolute error: the mean of |y_pred - y_true| over all elements, a float.""",
    "mae_grad": """Gradient of mae w.r.t. y_pred: sign(r) / n, with 0 where r = 0.

    r = y_pred - y_true; n is the number of elements. Shaped like y_pred.""",
    "mse": """Mean squared error: the mean of (y_pred - y_true)**2 over all elements, a float.""",
    "mse_grad": """Gradient of mse w.r.t. y_pred: 2 r / n, shaped like y_pred.""",
    "huber": """Huber loss, averaged over all elements, a float.

    Per element, with r = y_pred - y_true:
        r**2 / 2                     if |r| <= delta
        delta * (|r| - delta / 2)    otherwise""",
    "huber_grad": """Gradient of huber w.r.t. y_pred: clip(r, -delta, delta) / n.""",
    "cross_entropy": """Cross-entropy H(p, q) = -sum p log q along the last axis.

    p is the true distribution, q the predicted one. Rows along the last
    axis are distributions; average over the leading axes (a 1-D input is
    one distribution). 0 * log(0) counts as 0; p > 0 against q = 0 gives
    inf. Return a float and never nan.""",
    "kl_divergence": """Kullback-Leibler divergence KL(p || q) = sum p log(p / q), same conventions.

    It equals cross_entropy(p, q) - entropy(p) and is 0 when p == q.""",
    "softmax_cross_entropy": """Cross-entropy of softmax(logits) against labels, mean over the batch.

    logits: shape (N, C), or (C,) for one example.
    labels: class indices of shape (N,) (a single index for (C,) logits),
            or probability rows shaped like logits.
    Must stay finite for logits as large as +-1e4: work with
    log_softmax(z) = z - max(z) - log(sum(exp(z - max(z)))).""",
    "softmax_cross_entropy_grad": """Gradient of softmax_cross_entropy w.r.t. logits.

    (softmax(logits) - onehot(labels)) / N, shaped like logits
    (N = 1 for (C,) logits); finite for logits up to +-1e4.""",
    "gd_init": """State of gradient descent: it keeps none, so GDState().""",
    "gd_step": """One gradient-descent step: theta' = theta - lr * grad_fn(theta).

    Returns (new_theta, GDState()); never changes theta in place.""",
    "minibatches": """Yield (x_batch, y_batch) pairs that cover the data once, shuffled.

    The order is np.random.default_rng(seed).permutation(len(x)); the
    batches are consecutive slices of batch_size rows of that order (the
    last one may be shorter). Rows of x and y stay paired.""",
    "sgd_linear_regression": """Fit y = theta[0] * x + theta[1] by SGD on the MSE.

    Epoch e (0, 1, ...) loops over batches(x, y, batch_size, seed=seed + e)
    and takes one step per batch: theta, state = step(theta, grad_fn,
    state, lr=lr), where grad_fn(theta) is the gradient of the MSE of that
    batch w.r.t. theta, i.e. [mean(2 r x), mean(2 r)] with
    r = theta[0] * x + theta[1] - y.
    optimizer is an (init, step) pair (None: your gd_init, gd_step);
    batches defaults to your minibatches. state starts as init(theta0).
    Returns an array of shape (n_epochs + 1, 2): theta0, then theta after
    each epoch.""",
    "largest_stable_lr": """Largest stable learning rate 2 / L of J(theta) = theta @ A @ theta / 2.

    A is the symmetric Hessian; L is its largest eigenvalue. Return a float.""",
}

_OPT_DOCS = {
    "momentum": ("MomentumState", "v' = gamma v + lr g(theta);  theta' = theta - v'"),
    "nag": ("NAGState", "v' = gamma v + lr g(theta - gamma v);  theta' = theta - v'"),
    "adagrad": ("AdagradState", "G' = G + g**2;  theta' = theta - lr g / sqrt(G' + eps)"),
    "rmsprop": ("RMSPropState",
                "G' = gamma G + (1 - gamma) g**2;  theta' = theta - lr g / sqrt(G' + eps)"),
    "adadelta": ("AdaDeltaState",
                 "G' = gamma G + (1 - gamma) g**2\n"
                 "    d = sqrt(s + eps) / sqrt(G' + eps) * g;  theta' = theta - d\n"
                 "    s' = gamma s + (1 - gamma) d**2"),
    "adam": ("AdamState",
             "t' = t + 1\n"
             "    m' = beta1 m + (1 - beta1) g;  v' = beta2 v + (1 - beta2) g**2\n"
             "    m_hat = m' / (1 - beta1**t');  v_hat = v' / (1 - beta2**t')\n"
             "    theta' = theta - lr m_hat / sqrt(v_hat + eps)"),
    "nadam": ("NadamState",
              "t', m', v', m_hat, v_hat as in Adam\n"
              "    theta' = theta - lr (beta1 m_hat + (1 - beta1) g / (1 - beta1**t'))\n"
              "                     / sqrt(v_hat + eps)"),
}
_INIT_DOC = N_("The starting {state}: every array zeros shaped like theta.")
_INIT_DOC_T = N_("The starting {state}: every array zeros shaped like theta, and t = 0.")
_STEP_DOC = N_("One {name} step; returns (new_theta, new {state}).\n\n"
               "    g is grad_fn; the state's fields are the symbols below:\n    {rule}\n\n"
               "    Never change theta or the state in place.")


def docstring(name, language="en"):
    """The student-facing docstring of the graded function ``name``, in ``language``."""
    if name in DOCS:
        return tr(language, DOCS[name])
    base, kind = name.rsplit("_", 1)
    state, rule = _OPT_DOCS[base]
    if kind == "init":
        template = _INIT_DOC_T if base in ("adam", "nadam") else _INIT_DOC
        return tr(language, template).format(state=state)
    return tr(language, _STEP_DOC).format(name=base, state=state, rule=rule)


REFERENCE_MODULES = (residuals, losses, optimizers, training)


def _find(name):
    for module in REFERENCE_MODULES:
        if name in vars(module):
            return module, vars(module)[name]
    raise KeyError(name)


# ------------------------------------------------ solution cell source


def _without_docstring(fn):
    """(header lines, body lines) of a function's source: no decorator, no docstring.

    A decorator of the reference (``losses._checked``: its input checks) is
    not what a student writes, so the solution cell leaves it out.
    """
    src = textwrap.dedent(inspect.getsource(fn))
    lines = src.splitlines()
    node = ast.parse(src).body[0]
    body = node.body
    has_doc = (isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant)
               and isinstance(body[0].value.value, str))
    first = body[1] if has_doc else body[0]
    return lines[node.lineno - 1:body[0].lineno - 1], lines[first.lineno - 1:]


def _free_names(fn_or_src):
    """The names a source text, or a function's signature and body, uses (not its decorators)."""
    if isinstance(fn_or_src, str):
        nodes = [ast.parse(fn_or_src)]
    else:
        node = ast.parse(textwrap.dedent(inspect.getsource(fn_or_src))).body[0]
        nodes = [node.args, *node.body]
    return {n.id for root in nodes for n in ast.walk(root) if isinstance(n, ast.Name)}


def _constant_source(module, name):
    src = inspect.getsource(module)
    for node in ast.parse(src).body:
        if isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == name for t in node.targets):
            return ast.get_source_segment(src, node)
    raise KeyError(name)


def _helpers(fn, provided):
    """Reference-module names ``fn`` needs that the notebook does not provide, deps first."""
    order, seen = [], set(provided)

    def visit(obj):
        for name in sorted(_free_names(obj)):
            if name in seen:
                continue
            try:
                module, value = _find(name)
            except KeyError:
                continue
            if inspect.ismodule(value) or inspect.isclass(value):
                continue
            seen.add(name)
            if callable(value):
                visit(value)
                order.append(("def", name, value))
            else:
                order.append(("const", name, _constant_source(module, name)))

    visit(fn)
    return order


def solution_cell(names, provided, language="en"):
    """Source of one solution cell defining the reference functions ``names``."""
    blocks = []
    for name in names:
        fn = _find(name)[1]
        header, body = _without_docstring(fn)
        inner = []
        for kind, helper_name, value in _helpers(fn, provided):
            if kind == "const":
                inner.append(value)
            else:
                h_header, h_body = _without_docstring(value)
                inner.append("\n".join(h_header + h_body))
        doc = '    """' + docstring(name, language) + '"""'
        region = ["    ### BEGIN SOLUTION"]
        for block in inner:
            region += textwrap.indent(block, "    ").splitlines() + [""]
        region += body + ["    ### END SOLUTION"]
        blocks.append("\n".join(header + [doc] + region))
    return "\n\n\n".join(blocks)


# ------------------------------------------------------------ cells


def _meta(grade_id, *, solution=False, grade=False, locked=False, points=None, tags=None):
    nb = {"grade": grade, "grade_id": grade_id, "locked": locked, "schema_version": 3,
          "solution": solution, "task": False}
    if points is not None:
        nb["points"] = points
    meta = {"nbgrader": nb}
    if locked:
        meta.update(deletable=False, editable=False)
    if tags:
        meta["tags"] = list(tags)
    return meta


def md(text, grade_id=None):
    cell = nbformat.v4.new_markdown_cell(textwrap.dedent(text).strip())
    if grade_id:
        cell.metadata = _meta(grade_id, locked=True)
    return cell


def code(source, metadata):
    cell = nbformat.v4.new_code_cell(source.strip("\n"))
    cell.metadata = metadata
    return cell


def test_cell(task, language="en"):
    what = tr(language, " and ").join(task.functions)
    lines = ['"""' + tr(language, "Check that {functions} {summary}.").format(
        functions=what, summary=tr(language, SUMMARY[task.grade_id])) + '"""']
    for check, hints in zip(task.checks, confusions.task_hints(task)):
        lines += textwrap.wrap(tr(language, check.why), 88, initial_indent="# ",
                               subsequent_indent="# ")
        lines.append(cases.visible_code(task, check, hints, language))
    n_hidden = len(task.cases()) - len(task.checks)
    hidden = tr(language, "{n} more cases of {function} run in the grader, outside this "
                          "notebook.").format(n=n_hidden, function=task.label)
    lines += ["### BEGIN HIDDEN TESTS", f"# {hidden}", "### END HIDDEN TESTS"]
    return code("\n".join(lines), _meta(task.grade_id, grade=True, locked=True,
                                        points=task.points))


SUMMARY = {
    "residuals_of_a_line": "subtracts the data from the line's predictions",
    "signed_error_mean": "averages signed residuals along the last axis",
    "absolute_error_mean": "averages absolute residuals along the last axis",
    "squared_error_mean": "averages squared residuals along the last axis",
    "grid_loss_no_loops": "evaluates every line of the grid with the given error",
    "mae_value": "averages absolute errors",
    "mae_gradient": "is sign(r) / n and 0 at r = 0",
    "mse_value": "averages squared errors",
    "mse_gradient": "is 2 r / n",
    "huber_two_branches": "is quadratic inside delta and linear outside",
    "huber_gradient_clipped": "clips r to [-delta, delta]",
    "cross_entropy_conventions": "counts 0 log 0 as 0 and -log 0 as infinity",
    "kl_divergence_conventions": "is 0 for equal distributions and follows 0 log 0 = 0",
    "softmax_cross_entropy_stable": "stays finite for huge logits",
    "softmax_cross_entropy_gradient": "is (softmax - onehot) / N",
    "gd_step_rule": "step against the gradient, scaled by lr",
    "minibatch_iterator": "shuffles with the seed and keeps rows paired",
    "sgd_linear_regression_epochs": "steps once per batch and records each epoch",
    "largest_stable_lr_eigen": "uses the largest eigenvalue of A",
    "momentum_update": "follow the lecture's momentum rule",
    "nag_update": "take the gradient at the look-ahead point",
    "adagrad_update": "accumulate squared gradients",
    "rmsprop_update": "keep a decaying average of squared gradients",
    "adadelta_update": "replace lr by the RMS of past steps",
    "adam_bias_correction": "bias-correct both moments",
    "nadam_update": "add Nesterov's look-ahead to Adam",
}


def md_solution(grade_id, answer, points):
    cell = nbformat.v4.new_markdown_cell(textwrap.dedent(answer).strip())
    cell.metadata = _meta(grade_id, solution=True, grade=True, points=points)
    return cell


SETUP_IMPORTS = "import numpy as np"

GRADING_NOTE = N_(
    "**How this is graded.** Each function is graded on its own: the grader "
    "runs the first two code cells and your answer cells (the ones that said "
    "{stub}) in a fresh process, on the checks shown and on "
    "cases you do not see. Keep every helper you need inside those answer "
    "cells; code in cells you add yourself is not graded. A failing check "
    "says what it called, what came back and what was expected, and names "
    "the mistake when it recognises one."
)


def setup_cell(extra=""):
    src = SETUP_IMPORTS + ("\n\n" + extra if extra else "")
    return code(src, _meta("setup", locked=True, tags=["setup"]))


# ------------------------------------- the student's helpers (shipped)
# These two functions are copied, as source, into each notebook's second
# cell: they explain a failing visible check and keep the figure drawing.
# They know only the visible values written into the notebook, and say
# what they say in the words of MESSAGES (written into the cell in the
# notebook's language).

MESSAGES = {
    "returned": N_("  returned {}"),
    "expected": N_("  expected {}"),
    "shape": N_("  (shape {}, expected shape {})"),
    "known": N_("Known mistake: {} See {}"),
    "or": N_("or: {} See {}"),
    "left out": N_("Left out of the figure:"),
    "not written": N_("not written yet"),
    "not finite": N_("it returned values that are not finite"),
}


def check(got, expected, call, confusions=None):
    """A visible check: quiet when ``got`` equals ``expected``, else say what differs.

    ``confusions`` maps a known mistake (a key of CONFUSIONS) to the value
    that mistake gives here; when ``got`` is one of them, the message names it.
    """
    def same(a, b):
        try:
            a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
        except (TypeError, ValueError):
            return False
        return a.shape == b.shape and bool(np.allclose(a, b, equal_nan=True))

    def show(value):
        try:
            a = np.asarray(value, dtype=float)
        except (TypeError, ValueError):
            return repr(value)
        return repr(a.item()) if a.ndim == 0 else np.array2string(a, separator=", ")

    if same(got, expected):
        return
    lines = [call, MESSAGES["returned"].format(show(got)),
             MESSAGES["expected"].format(show(expected))]
    try:
        shape = np.shape(got)
    except Exception:
        shape = None
    if shape is not None and shape != np.shape(expected):
        lines.append(MESSAGES["shape"].format(shape, np.shape(expected)))
    known = [key for key, value in (confusions or {}).items() if same(got, value)]
    for i, key in enumerate(known):   # two mistakes can give the same value here
        text, link = CONFUSIONS[key]
        lines.append(MESSAGES["known" if i == 0 else "or"].format(text, link))
    raise AssertionError("\n".join(lines))


def usable(candidates):
    """The names whose probe runs; one printed line names the others and why.

    ``candidates`` maps a name to a function of no arguments that tries it
    (a missing function, NotImplementedError, any error or a non-finite
    result leaves it out).
    """
    ok, left_out = [], []
    for name, probe in candidates.items():
        try:
            with np.errstate(all="ignore"):
                value = probe()
            if not np.all(np.isfinite(np.asarray(value, dtype=float))):
                raise ValueError(MESSAGES["not finite"])
        except NotImplementedError:
            left_out.append(f"{name} ({MESSAGES['not written']})")
        except NameError as error:
            left_out.append(f"{name} ({error})")
        except Exception as error:
            left_out.append(f"{name} ({type(error).__name__}: {error})")
        else:
            ok.append(name)
    if left_out:
        print(MESSAGES["left out"], "; ".join(left_out))
    return ok


def _text(value, indent):
    """A long string as implicitly joined pieces of at most 84 characters."""
    pieces = textwrap.wrap(value, 84 - indent, drop_whitespace=False) or [""]
    return ("\n" + " " * indent).join(repr(p) for p in pieces)


HELPERS_NOTE = N_("Known mistakes a visible check can recognise, and where the chapter "
                  "explains them. Run this cell; you need not read it.")


def helpers_cell(tasks, language="en"):
    """The second setup cell: CONFUSIONS seen in these tasks' checks, MESSAGES, check(), usable()."""
    keys = []
    for task in tasks:
        for hints in confusions.task_hints(task):
            for hint in hints.values():
                keys += [k for k in hint if k not in keys]
    entries = []
    for key in keys:
        conf = confusions.CATALOGUE[key]
        entries.append(f"    {key!r}: (\n        {_text(conf.text_in(language), 8)},\n"
                       f"        {conf.link_in(language)!r}),")
    words = [f"    {key!r}: {tr(language, text)!r}," for key, text in MESSAGES.items()]
    note = textwrap.wrap(tr(language, HELPERS_NOTE), 86, initial_indent="# ",
                         subsequent_indent="# ")
    parts = [*note, "CONFUSIONS = {", *entries, "}", "MESSAGES = {", *words, "}", "", "",
             inspect.getsource(check).strip(), "", "", inspect.getsource(usable).strip()]
    return code("\n".join(parts), _meta("helpers", locked=True, tags=["setup"]))


def state_classes(names):
    parts = ["from typing import NamedTuple"]
    for name in names:
        parts.append(inspect.getsource(getattr(optimizers, name)).strip())
    return "\n\n\n".join(parts)


# ------------------------------------------------------ problem sets


def _section(tasks, provided, intro, language):
    cells = []
    for task in tasks:
        text = intro.get(task.grade_id)
        if text:
            cells.append(md(prose(text, language)))
        cells.append(code(solution_cell(task.functions, provided, language),
                          _meta(f"{task.functions[0]}_solution", solution=True)))
        cells.append(test_cell(task, language))
    return cells


def prose(text, language="en"):
    """A text of the tables below (dedented, stripped), in ``language``."""
    return tr(language, textwrap.dedent(text).strip())


PS = {}

PS["ps1"] = dict(
    title="Problem set 1: what a loss function measures",
    brief="""
    A model predicts, the data answers, and a loss turns the gap into one
    number to make small. Here you fit a line y = slope * x + intercept,
    measure its residuals, and compare three ways of averaging them. Then you
    evaluate a loss over a whole grid of lines at once, with broadcasting and
    no Python loops, and look at the landscape it draws.

    Write each function between its docstring and the end of its cell, run the
    check below it, and keep going. The checks shown here are a few of the
    cases the grader runs; it also runs others you do not see.
    """,
    intro={
        "residuals_of_a_line": "## 1. Residuals\n\nA residual is prediction minus truth.",
        "signed_error_mean": "## 2. Three averages of the residuals\n\nEach reduces the "
                             "**last** axis, so one call handles many data sets.",
        "grid_loss_no_loops": "## 3. A loss over a grid of lines",
    },
    written=("written_raw_difference", """
    ## 4. In your words

    Why does the mean of the raw differences (your `signed_error`) fail as a
    loss over a data set? Use the figure below: where is it zero, and is the
    line there any good?
    """, """
    Positive and negative residuals cancel: a line that overshoots half the
    points and undershoots the other half by the same amount gets a signed
    error of 0, however far it is from every point. The signed error is zero on
    a whole line of (slope, intercept) pairs and negative beyond it, so it has
    no minimum to find. Absolute or squared residuals cannot cancel, are 0 only
    for a perfect fit, and grow with every miss.
    """),
    figure="""
    from lossopt.data import make_regression
    from lossopt.interactive import Slider, interactive_figure

    x, y = make_regression(n=30, seed=1)
    slopes = np.linspace(-2, 6, 81)
    intercepts = np.linspace(-4, 6, 101)


    def probe(error_fn):
        L = grid_loss(x[:3], y[:3], slopes[:2], intercepts[:4], error_fn)
        if np.shape(L) != (2, 4):
            raise ValueError(_("grid_loss returned shape {shape} for a 2 x 4 grid").format(
                shape=np.shape(L)))
        return L


    # each error is drawn only if it and grid_loss run; the others are named
    errors = {_("signed error"): lambda: signed_error,
              _("absolute error"): lambda: absolute_error,
              _("squared error"): lambda: squared_error}
    if usable({"grid_loss": lambda: probe(lambda r: np.mean(r**2, axis=-1))}):
        errors = {name: errors[name]() for name in usable(
            {name: (lambda get=get: probe(get())) for name, get in errors.items()})}
    else:
        errors = {}


    def draw(error):
        L = grid_loss(x, y, slopes, intercepts, errors[error])
        fig, ax = plt.subplots(figsize=(6, 4), layout="constrained")
        mesh = ax.contourf(intercepts, slopes, L, levels=30, cmap="viridis")
        fig.colorbar(mesh, ax=ax, label=error)
        ax.set_xlabel(_("intercept"))
        ax.set_ylabel(_("slope"))
        ax.set_title(_("mean {error} of every line").format(error=error))
        return fig


    if errors:
        default = _("squared error") if _("squared error") in errors else list(errors)[0]
        display(interactive_figure(draw, error=Slider.choices(list(errors), default=default,
                                                              label=_("error"))))
    """,
)

PS["ps2"] = dict(
    title="Problem set 2: common loss functions and their gradients",
    brief="""
    Regression losses (MAE, MSE, Huber) and their gradients, then losses on
    probability distributions: cross-entropy, KL divergence, and the
    softmax cross-entropy that classifiers train on. Each loss returns the
    **mean** over its elements as a float; each gradient is the gradient of
    that mean with respect to the prediction, shaped like it.

    Mind the edges: a residual of exactly 0, a probability of exactly 0, and
    logits large enough that `np.exp` overflows. The grader tries all three.
    """,
    intro={
        "mae_value": "## 1. Regression losses\n\nWith r = y_pred - y_true and n elements.",
        "cross_entropy_conventions": "## 2. Losses on distributions",
        "softmax_cross_entropy_stable": "## 3. From logits, stably",
    },
    written=("written_mae_or_mse", """
    ## 4. In your words

    When would you train with MAE rather than MSE, and what do you give up?
    Use the figure below (move delta) and the gradients you wrote.
    """, """
    MAE when the data holds outliers that should not steer the fit: its
    gradient has the same size for every residual, so a point 100 away pulls
    no harder than a point 1 away, while MSE's pull grows with the residual and
    lets a few outliers drag the line. The price: MAE's gradient does not
    shrink near the minimum (it is sign(r)), so gradient descent with a fixed
    lr keeps jumping around it, and it is not differentiable at 0. Huber keeps
    MSE's gentle bowl inside delta and MAE's bounded pull outside it.
    """),
    figure="""
    from lossopt.interactive import Slider, interactive_figure

    y_pred = np.linspace(-4, 4, 401)
    y_true = np.zeros_like(y_pred)


    def per_point(loss, **kwargs):
        return np.array([loss(y_true[i:i + 1], y_pred[i:i + 1], **kwargs)
                         for i in range(len(y_pred))])


    # each loss is drawn only if it runs; the others are named
    losses = {"mae": lambda: mae, "mse": lambda: mse, "huber": lambda: huber}
    losses = {name: losses[name]() for name in usable(
        {name: (lambda get=get: get()(np.zeros(3), np.array([-1.0, 0.5, 2.0])))
         for name, get in losses.items()})}


    def draw(delta):
        fig, ax = plt.subplots(figsize=(6, 3.5), layout="constrained")
        for name, loss in losses.items():
            if name == "huber":
                ax.plot(y_pred, per_point(loss, delta=delta), label=f"huber, delta = {delta}")
            else:
                ax.plot(y_pred, per_point(loss), label=name)
        ax.set_ylim(0, 8)
        ax.set_xlabel("y_pred - y_true")
        ax.set_ylabel(_("loss"))
        if losses:
            ax.legend()
        return fig


    interactive_figure(draw, delta=Slider(0.5, 3.0, 0.5, default=1.0))
    """,
)

PS["ps3"] = dict(
    title="Problem set 3: gradient descent and SGD",
    brief="""
    Gradient descent takes a step against the gradient; SGD takes the same
    step with the gradient of a small random batch. You write the step, a
    minibatch iterator, a whole SGD training loop for a line, and the largest
    learning rate that keeps gradient descent on a quadratic from blowing up.

    Optimizers here are pairs of pure functions, `<name>_init(theta) -> state`
    and `<name>_step(theta, grad_fn, state, *, lr) -> (new_theta, new_state)`,
    the form problem set 4 uses for all of them.
    """,
    setup=state_classes(["GDState"]),
    intro={
        "gd_step_rule": "## 1. One step of gradient descent",
        "minibatch_iterator": "## 2. Minibatches",
        "sgd_linear_regression_epochs": "## 3. SGD for a line",
        "largest_stable_lr_eigen": "## 4. How large can lr be?\n\nOn J(theta) = theta @ A "
                                   "@ theta / 2 gradient descent converges exactly when "
                                   "0 < lr < 2 / L, L the largest eigenvalue of A.",
    },
    written=("written_three_learning_rates", """
    ## 5. In your words

    The lecture runs gradient descent with lr = 0.01, 0.03 and 0.13. Move the
    slider below (the ravine (x^2 + 20 y^2) / 2, so 2 / L = 0.1). What does each
    learning rate show, and what does your `largest_stable_lr` predict?
    """, """
    0.01 is safe but slow: after 60 steps it is still far along the shallow x
    direction. 0.03 gets there faster and still never overshoots. 0.13 is past
    2 / L = 0.1: along the steep y direction every step overshoots by more than
    it corrects (|1 - 0.13 * 20| = 1.6 > 1), so the path zig-zags outward and
    diverges. The largest stable lr is set by the steepest direction, while
    progress is set by the shallowest one; that mismatch is what momentum and
    the adaptive methods of problem set 4 address.
    """),
    figure="""
    from lossopt.interactive import Slider, interactive_figure
    from lossopt.plotting import plot_contours
    from lossopt.surfaces import get_surface
    from lossopt.trajectory import run

    ravine = get_surface("ravine")
    ready = usable({"gd": lambda: run(gd_init, gd_step, ravine.start, ravine.grad, 2,
                                      lr=0.01).thetas})


    def draw(lr):
        path = run(gd_init, gd_step, ravine.start, ravine.grad, 60, lr=lr)
        fig, ax = plt.subplots(figsize=(6, 3.5), layout="constrained")
        plot_contours(ax, ravine, {f"lr = {lr}": path.thetas})
        ax.set_title(path.message)
        return fig


    if ready:
        display(interactive_figure(draw, lr=Slider.choices([0.01, 0.03, 0.13], default=0.03)))
    """,
)

PS["ps4"] = dict(
    title="Problem set 4: the optimizer family",
    brief="""
    Seven optimizers, from momentum to Nadam, each a pair of pure functions:

        <name>_init(theta) -> state
        <name>_step(theta, grad_fn, state, *, <hyperparameters>) -> (new_theta, new_state)

    `theta` is a float array of any shape and `grad_fn(theta)` its gradient.
    The states are the NamedTuples defined in the first cell; a step returns a
    new state and never changes its inputs in place. Hyperparameters are
    keyword-only, with the defaults shown, and follow the lecture: eps sits
    **inside** the square root. The race at the end runs your optimizers.
    """,
    setup=state_classes(["MomentumState", "NAGState", "AdagradState", "RMSPropState",
                         "AdaDeltaState", "AdamState", "NadamState"]),
    intro={
        "momentum_update": "## 1. Momentum and NAG",
        "adagrad_update": "## 2. Adaptive step sizes",
        "adam_bias_correction": "## 3. Adam and Nadam",
    },
    written=("written_adam_bias_correction", """
    ## 4. In your words

    Why does Adam divide m and v by (1 - beta1**t) and (1 - beta2**t)? What
    would its first steps look like without it, with the defaults
    beta1 = 0.9, beta2 = 0.999?
    """, """
    m and v start at zero, so early on they are averages of a few gradients
    and many zeros: after one step m = 0.1 g and v = 0.001 g**2, both biased
    toward 0 by exactly the factors 1 - beta1**t and 1 - beta2**t. Dividing by
    them makes m_hat and v_hat unbiased estimates of the mean gradient and mean
    squared gradient. Without it the first step would be
    lr * 0.1 g / sqrt(0.001 g**2) = lr * 3.16 sign(g): more than three times
    the intended size, because v is biased far more than m (beta2 is closer to
    1). The error fades only after a few thousand steps for v.
    """),
    figure="""
    from lossopt.i18n import tr
    from lossopt.interactive import Slider, interactive_figure
    from lossopt.race import plot_race, race

    names = ["momentum", "nag", "adagrad", "rmsprop", "adadelta", "adam", "nadam"]
    surfaces = ["ravine", "rosenbrock", "saddle"]


    def pair(name):
        return eval(name + "_init"), eval(name + "_step")   # NameError if not defined


    def probe(name):
        for surface in surfaces:   # a few steps on each surface the slider offers
            race({name: pair(name)}, surface, n_steps=3)
        return 0.0


    # an optimizer runs in the race only if it exists and works; the others are named
    mine = {name: pair(name) for name in usable({n: (lambda n=n: probe(n)) for n in names})}


    def draw(surface):
        fig, ax = plt.subplots(figsize=(7, 4), layout="constrained")
        if mine:
            plot_race(ax, surface, race(mine, surface, n_steps=150))
        ax.set_title(_("your optimizers on the {surface} surface").format(surface=tr(surface)))
        return fig


    interactive_figure(draw, surface=Slider.choices(surfaces, names=tr, label=_("surface")))
    """,
)


# Checked in headless Chromium (notebook 7.6, jupyterlab 4.6, ipywidgets 8.1): in
# Notebook 7 a focused slider ignores the arrow keys, while Home, End, a click on the track
# and a drag move it; in JupyterLab the arrow keys move it too.
FIGURE_NOTE = N_("""\
## The figure, drawn by your functions

Run it after the functions above; move the slider. In Jupyter Notebook 7 the arrow keys
do not move a slider: drag the handle, click the track, or use Home and End; in
JupyterLab the arrow keys work.""")


# ------------------------------------------------------ the figure cell
# A figure's source marks each text a student reads as _("..."), a template followed by
# .format(...) rather than an f-string, so that the catalog holds it; the notebook gets the
# text itself, in its language, as a plain literal (a student reads plain Python).

FIGURE_LANGUAGE_COMMENT = N_("lossopt's figure texts in Korean, in a font that draws Hangul")


def _marked_texts(source):
    """The ``_("text")`` calls of a figure's source: (call node, text), in source order."""
    calls = [(node, node.args[0].value) for node in ast.walk(ast.parse(source))
             if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "_"
             and len(node.args) == 1 and not node.keywords
             and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)]
    return sorted(calls, key=lambda call: (call[0].lineno, call[0].col_offset))


def figure_texts(ps):
    """The texts that problem set ``ps``'s figure draws or prints, in English (its marks)."""
    return [text for _node, text in _marked_texts(textwrap.dedent(PS[ps]["figure"]))]


def _literal(text):
    """``text`` as a double-quoted Python literal that keeps Hangul readable."""
    return json.dumps(text, ensure_ascii=False)


def figure_source(ps, language="en"):
    """The source of ``ps``'s figure cell in ``language``: each mark replaced by its text.

    The Korean cell also calls ``lossopt.i18n.set_language``, so that what lossopt itself
    writes on the figures (axes, legends, a run's message) is Korean too.
    """
    source = textwrap.dedent(PS[ps]["figure"])
    lines = source.splitlines(keepends=True)
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line.encode()))
    data = source.encode()
    for node, text in reversed(_marked_texts(source)):   # ast offsets are in UTF-8 bytes
        start = offsets[node.lineno - 1] + node.col_offset
        end = offsets[node.end_lineno - 1] + node.end_col_offset
        data = data[:start] + _literal(tr(language, text)).encode() + data[end:]
    head = "import matplotlib.pyplot as plt\n"
    if language != "en":
        comment = tr(language, FIGURE_LANGUAGE_COMMENT)
        head += (f"from lossopt.i18n import set_language\n\n"
                 f"set_language({_literal(language)})   # {comment}\n")
    return head + data.decode()


def build(ps, language="en"):
    spec = PS[ps]
    tasks = cases.tasks_in(ps)
    task_functions = {f for task in tasks for f in task.functions}
    provided = task_functions | {"np", "NamedTuple"}
    setup_src = spec.get("setup", "")
    if setup_src:
        provided |= _free_names(setup_src) | {
            n.name for n in ast.parse(setup_src).body if isinstance(n, ast.ClassDef)}
    brief = (prose(spec["brief"], language) + "\n\n"
             + tr(language, GRADING_NOTE).format(stub=f"`{stub_comment(language)}`"))
    cells = [md(f"# {prose(spec['title'], language)}\n\n" + brief, grade_id="brief"),
             setup_cell(setup_src), helpers_cell(tasks, language)]
    cells += _section(tasks, provided, spec["intro"], language)
    grade_id, prompt, answer = spec["written"]
    cells += [md(prose(prompt, language)), md_solution(grade_id, prose(answer, language), 2)]
    cells.append(md(tr(language, FIGURE_NOTE)))
    cells.append(code(figure_source(ps, language), _meta("figure", locked=True)))
    nb = nbformat.v4.new_notebook(cells=cells)
    nb.metadata = {"kernelspec": KERNELSPEC,
                   "language_info": {"name": "python"}}
    if language != "en":
        nb.metadata["lossopt"] = {"language": language}
    for i, cell in enumerate(nb.cells):
        cell.id = f"{ps}-{i:02d}"
    nbformat.validate(nb)
    return nbformat.writes(nb) + ""


def texts():
    """(where, text) of every text above that a student reads, for the catalog (English)."""
    out = [(f"DOCS:{name}", text) for name, text in DOCS.items()]
    out += [(f"SUMMARY:{gid}", text) for gid, text in SUMMARY.items()]
    for ps, spec in PS.items():
        out += [(f"{ps}:title", prose(spec["title"])), (f"{ps}:brief", prose(spec["brief"]))]
        out += [(f"{ps}:{gid}", prose(text)) for gid, text in spec["intro"].items()]
        out.append((f"{ps}:written", prose(spec["written"][1])))
        out.append((f"{ps}:answer", prose(spec["written"][2])))   # the model answer
        out += [(f"{ps}:figure", text) for text in figure_texts(ps)]
    return out


def target(ps, root=HERE, lang="en"):
    return language.source_path(lang, ps, root)


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if "--catalog" in argv:
        for lang in language.LANGUAGES[1:]:
            path = language.update_catalog(lang)
            todo = language.missing(lang)
            print(f"updated {path}: {len(todo)} messages untranslated or fuzzy")
        return 0
    check = "--check" in argv
    stale = []
    for lang in language.LANGUAGES:
        for ps in PS:
            text = build(ps, lang)
            path = target(ps, lang=lang)
            if check:
                if not path.exists() or path.read_text() != text:
                    stale.append(str(path))
                continue
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
            print(f"wrote {path}")
    if stale:
        print("out of date (run python autograder/make_source.py):", *stale, sep="\n  ")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
