"""Hidden and visible cases of every autograded test cell, and the reference that decides them.

``TASKS`` is the one table of graded test cells: it maps each ``grade_id``
(written out, as the notebooks carry it) to a :class:`Task`: its problem
set, which student functions it grades, how to call them (``kind``, see
``harness.run_case``), the visible checks shown in the notebook, and a
seeded generator of hidden cases chosen to tell the right rule from its
usual confusions (eps inside or outside the root, 0 log 0, logits that
overflow a naive softmax, a residual of exactly 0, state carried over
several steps, ...).  ``make_source.py`` writes each problem set's cells
from it (:func:`tasks_in`), the verdict grades a notebook's test cells by it
(:func:`tasks_of`), and the tests and the benchmark read it the same way.

Everything here runs in the trusted grader only; it imports the reference
package ``solutions`` and must never be copied next to student code.
"""

from __future__ import annotations

import dataclasses
from typing import Callable

import numpy as np

from solutions import losses, optimizers, residuals, training

from . import harness
from .language import N_, tr

N_HIDDEN = 24


@dataclasses.dataclass(frozen=True)
class Case:
    """One call: ``spec`` goes to the harness as JSON, ``arrays`` as npz."""

    spec: dict
    arrays: dict
    visible: bool = False


@dataclasses.dataclass(frozen=True)
class View:
    """One value a visible check compares: ``expr`` in the notebook, ``pick(outputs)`` here.

    ``call`` says in the failure message what was called; ``stated`` is the
    value the comment above the check works out by hand (a test holds it
    equal to the reference's).
    """

    expr: str
    call: str
    pick: Callable
    stated: object = None
    local: Callable = None    # ns -> value: the value in the notebook, when not pick's
    #: (message, fields) when ``call`` is a sentence: ``call`` is message.format(**fields),
    #: and the notebook in another language shows the message's translation instead
    call_words: tuple = ()

    def call_in(self, language):
        """``call`` in ``language``."""
        if not self.call_words:
            return self.call
        message, fields = self.call_words
        fields = dict(fields)
        fields["steps"] = tr(language, fields["steps"][0]).format(n=fields["steps"][1])
        return tr(language, message).format(**fields)


@dataclasses.dataclass(frozen=True)
class Check:
    """A visible check: code run first, the values it compares, and the same case as data."""

    why: str
    prefix: str
    case: Case
    views: tuple

    def expected(self, task, view):
        if view.local is not None:
            return np.asarray(view.local(REFERENCE), dtype=float)
        return view.pick(reference_outputs(task, self.case))


def _first(out):
    return out[0]


def _last_theta(out):
    return out[0][-1]


@dataclasses.dataclass(frozen=True)
class Task:
    grade_id: str
    functions: tuple[str, ...]
    kind: str
    points: int
    checks: tuple[Check, ...]
    hidden: Callable[[np.random.Generator], list[Case]]
    atol: float = 1e-9
    rtol: float = 1e-6
    ps: str = ""      # the problem set, set by the table

    @property
    def label(self):
        return "/".join(self.functions)

    def cases(self):
        """Visible cases first, then N_HIDDEN hidden ones from a seed fixed per task."""
        seed = sum(ord(ch) * 31**i for i, ch in enumerate(self.grade_id)) % 2**32
        hidden = self.hidden(np.random.default_rng(seed))
        if len(hidden) < 20:
            raise ValueError(f"{self.grade_id}: only {len(hidden)} hidden cases, need >= 20")
        return [c.case for c in self.checks] + hidden


# ------------------------------------------------------ reference answers


def reference_outputs(task, case):
    """The list of float arrays the reference produces for ``case``.

    The harness's own :func:`harness.run_case`, on the reference's functions:
    a case is called the same way for the student and for the answer.
    """
    arrays = {name: np.array(value) for name, value in case.arrays.items()}
    return harness.run_case(task.kind, REFERENCE, case.spec, arrays)


#: The reference's graded functions, by the names the problem sets give them.
REFERENCE = {
    name: getattr(module, name)
    for module, names in [
        (residuals, ["residuals", "signed_error", "absolute_error", "squared_error", "grid_loss"]),
        (losses, ["mae", "mae_grad", "mse", "mse_grad", "huber", "huber_grad",
                  "cross_entropy", "kl_divergence", "softmax_cross_entropy",
                  "softmax_cross_entropy_grad"]),
        (training, ["largest_stable_lr", "sgd_linear_regression", "minibatches"]),
    ]
    for name in names
}
REFERENCE.update({f"{name}_{part}": fn for name, pair in optimizers.OPTIMIZERS.items()
                  for part, fn in zip(("init", "step"), pair)})


# -------------------------------------------------------- case builders


def call(function, *args, **kwargs):
    """A call case; array arguments are stored as npz, scalars stay in the JSON."""
    spec_args, arrays = [], {}
    for i, a in enumerate(args):
        if isinstance(a, (int, float)) and not isinstance(a, bool):
            spec_args.append(a)
        else:
            arrays[f"a{i}"] = np.asarray(a)
            spec_args.append(f"a{i}")
    return Case({"function": function, "args": spec_args, "kwargs": kwargs}, arrays)


def _render(value):
    if isinstance(value, np.ndarray):
        value = value.tolist()
    if isinstance(value, float) and np.isinf(value):
        return "np.inf" if value > 0 else "-np.inf"
    return repr(value)


def render(value):
    """Python text of a float, list or array, inf and nan included (as np.inf, np.nan)."""
    if isinstance(value, np.ndarray):
        value = value.tolist()
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(render(v) for v in value) + "]"
    if isinstance(value, (float, np.floating)):
        value = float(value)
        if np.isnan(value):
            return "np.nan"
        if np.isinf(value):
            return "np.inf" if value > 0 else "-np.inf"
    return repr(value)


_render = render


def check_call(function, args, expect, why, **kwargs):
    """A visible call check: one call, compared with the reference's value."""
    arg_text = ", ".join([_render(a) for a in args]
                         + [f"{k}={_render(v)}" for k, v in kwargs.items()])
    expr = f"{function}({arg_text})"
    return Check(why, "", dataclasses.replace(call(function, *args, **kwargs), visible=True),
                 (View(expr, expr, _first, expect),))


def visible_code(task, check, hints=None, language="en"):
    """The notebook text of one visible check.

    Each compared value becomes ``check(got, expected, call, confusions)``,
    with the expected value and each catalogued confusion's value on this
    visible input (``hints``: ``{view index: {key: value}}``, see
    ``confusions.visible_hints``) computed here, at generation time.  Only
    ``call``, the words of the failure message, depends on ``language``.
    """
    lines = [check.prefix] if check.prefix else []
    for i, view in enumerate(check.views):
        expected = render(check.expected(task, view))
        known = (hints or {}).get(i, {})
        head = f"check({view.expr}, {expected},\n      {view.call_in(language)!r}"
        if known:
            items = ",\n       ".join(f"{k!r}: {render(v)}" for k, v in known.items())
            head += f",\n      {{{items}}}"
        lines.append(head + ")")
    return "\n".join(lines)


def _shape(rng):
    return [(5,), (1,), (12,), (3, 4), (2, 3, 2)][rng.integers(5)]


def _scale(rng):
    return [1.0, 1.0, 1e-3, 10.0, 1e6][rng.integers(5)]


def _pairs(rng, n=N_HIDDEN):
    """(y_true, y_pred) pairs: several shapes and scales, exact ties, zeros."""
    out = []
    for i in range(n):
        shape = _shape(rng)
        s = _scale(rng)
        y_true = rng.normal(size=shape) * s
        y_pred = y_true + rng.normal(size=shape) * s
        if i % 4 == 0:       # some residuals exactly 0
            mask = rng.random(shape) < 0.4
            y_pred = np.where(mask, y_true, y_pred)
        if i == 1:
            y_pred = y_true.copy()
        if i == 2:
            y_true, y_pred = np.zeros(shape), np.zeros(shape)
        out.append((y_true, y_pred))
    return out


def _regression_cases(function, extra=lambda rng, i: {}):
    def hidden(rng):
        return [call(function, y_true, y_pred, **extra(rng, i))
                for i, (y_true, y_pred) in enumerate(_pairs(rng))]
    return hidden


def _huber_delta(rng, i):
    return {"delta": [1.0, 0.5, 2.0, 3.0][i % 4]}


def _huber_hidden(function):
    """Residuals near, below, above and exactly at delta, so both branches and the kink count."""
    def hidden(rng):
        cases = _regression_cases(function, _huber_delta)(rng)
        for delta in [1.0, 0.5, 2.0]:
            y_true = rng.normal(size=6)
            r = np.array([0.0, delta, -delta, 0.5 * delta, 3.0 * delta, -4.0 * delta])
            cases.append(call(function, y_true, y_true + r, delta=delta))
        return cases
    return hidden


def _distribution(rng, shape, n_zeros=0):
    p = rng.random(shape) + 0.05
    if n_zeros:
        idx = rng.permuted(np.tile(np.arange(shape[-1]), shape[:-1] + (1,)), axis=-1)
        p = np.where(idx < n_zeros, 0.0, p)
    return p / p.sum(axis=-1, keepdims=True)


def _prob_hidden(function):
    """Distributions with zeros in p (0 log 0 = 0) and in q (inf when p > 0 there)."""
    def hidden(rng):
        cases = []
        for i in range(N_HIDDEN):
            shape = [(3,), (5,), (4, 3), (2, 6), (3, 2, 4)][i % 5]
            p = _distribution(rng, shape, n_zeros=[0, 1, 2][i % 3])
            q = _distribution(rng, shape, n_zeros=0)
            if i % 6 == 5:   # q is 0 only where p is 0: finite
                q = np.where(p == 0, 0.0, q)
                q = q / q.sum(axis=-1, keepdims=True)
            if i == 7:
                q = p.copy()
            cases.append(call(function, p, q))
        one_hot = np.eye(3)
        cases.append(call(function, one_hot, one_hot[[1, 2, 0]]))  # every row inf
        cases.append(call(function, one_hot[0], one_hot[0]))        # exactly 0
        return cases
    return hidden


def _softmax_hidden(function):
    """Class indices and probability rows; logits of 1e3-1e4 that overflow exp."""
    def hidden(rng):
        cases = []
        for i in range(N_HIDDEN):
            n, c = [(4, 3), (1, 5), (6, 2), (3, 4)][i % 4]
            scale = [1.0, 10.0, 1e3, 1e4][(i // 4) % 4]
            logits = rng.normal(size=(n, c)) * scale
            if i % 3 == 0:
                labels = _distribution(rng, (n, c), n_zeros=1 if c > 2 else 0)
            else:
                labels = rng.integers(0, c, size=n)
            if i % 8 == 7:   # one row (C,) with a scalar label
                logits, labels = logits[0], np.asarray(labels[0])
            cases.append(call(function, labels, logits))
        return cases
    return hidden


def _residual_hidden(rng):
    cases = []
    for i in range(N_HIDDEN):
        shape = _shape(rng)
        s = _scale(rng)
        x = rng.normal(size=shape) * s
        y = rng.normal(size=shape) * s
        slope, intercept = [(0.0, 0.0), (2.5, 0.0), (0.0, -1.5), (-1.2, 3.0)][i % 4]
        if i > 4:
            slope, intercept = float(rng.normal() * 3), float(rng.normal() * 3)
        cases.append(call("residuals", x, y, slope, intercept))
    return cases


def _reduce_hidden(function):
    """Residual arrays of 1 to 3 axes: the mean runs along the last one only."""
    def hidden(rng):
        cases = []
        for i in range(N_HIDDEN):
            shape = [(7,), (1,), (3, 5), (4, 1), (2, 3, 4)][i % 5]
            r = rng.normal(size=shape) * _scale(rng)
            if i == 3:
                r = np.zeros(shape)
            if i % 5 == 2:   # errors of both signs that cancel
                r = np.concatenate([r[..., :2], -r[..., :2]], axis=-1)
            cases.append(call(function, r))
        return cases
    return hidden


def _grid_hidden(rng):
    cases = []
    for i in range(N_HIDDEN):
        n = [5, 1, 12][i % 3]
        x = rng.normal(size=n) * 2
        y = 1.5 * x - 0.5 + rng.normal(size=n)
        slopes = np.linspace(-2, 3, [4, 1, 6][i % 3])
        intercepts = np.linspace(-1, 1, [3, 5, 2][(i // 3) % 3])
        error_fn = ["mean_square", "mean_abs", "max_abs"][i % 3]
        cases.append(call("grid_loss", x, y, slopes, intercepts, error_fn=error_fn))
    return cases


def _spd(rng, d, scale):
    q, _ = np.linalg.qr(rng.normal(size=(d, d)))
    eig = rng.uniform(0.1, 10.0, size=d) * scale
    return (q * eig) @ q.T


def _stable_lr_hidden(rng):
    """Hessians whose largest eigenvalue is not their largest entry, trace or diagonal."""
    cases = []
    for i in range(N_HIDDEN):
        d = [1, 2, 3, 5][i % 4]
        scale = [1.0, 1e-3, 1e3][(i // 4) % 3]
        A = _spd(rng, d, scale)
        if i % 7 == 6:
            A = np.diag(rng.uniform(0.5, 20.0, size=d))
        A = 0.5 * (A + A.T)
        cases.append(call("largest_stable_lr", A))
    return cases


# --------------------------------------------------------- optimizers

_HYPER = {
    "momentum": [{}, {"lr": 0.1, "gamma": 0.5}, {"lr": 0.05, "gamma": 0.0}],
    "nag": [{}, {"lr": 0.1, "gamma": 0.5}, {"lr": 0.05, "gamma": 0.95}],
    "adagrad": [{}, {"lr": 0.5}, {"lr": 0.1, "eps": 1e-4}],
    "rmsprop": [{}, {"lr": 0.01, "gamma": 0.5}, {"lr": 0.1, "gamma": 0.99, "eps": 1e-6}],
    "adadelta": [{}, {"gamma": 0.5}, {"gamma": 0.9, "eps": 1e-4}],
    "adam": [{}, {"lr": 0.1, "beta1": 0.5}, {"lr": 0.01, "beta2": 0.9, "eps": 1e-6}],
    "nadam": [{}, {"lr": 0.1, "beta1": 0.5}, {"lr": 0.01, "beta2": 0.9, "eps": 1e-6}],
    "gd": [{}, {"lr": 0.1}, {"lr": 0.7}],
}


def optimizer_case(name, theta0, family, a, b, hyper, n_steps, visible=False):
    arrays = {"theta0": np.asarray(theta0, dtype=float), "a": np.asarray(a, dtype=float),
              "b": np.asarray(b, dtype=float)}
    spec = {"name": name, "family": family, "hyper": hyper, "n_steps": n_steps}
    return Case(spec, arrays, visible)


def _optimizer_hidden(name):
    """Several shapes and steps; tiny gradients (g**2 near eps); start at the minimum."""
    def hidden(rng):
        cases = []
        for i in range(N_HIDDEN):
            shape = [(2,), (3, 2), (1,), ()][i % 4]
            family = ["linear", "cubic", "wave"][i % 3]
            theta0 = rng.normal(size=shape) * 2
            a = rng.uniform(0.5, 3.0, size=shape)
            b = rng.normal(size=shape)
            if i % 5 == 1:      # gradients about 1e-4: eps inside or outside the root differ
                a, b = a * 1e-4, b * 1e-4
                family = "linear"
            if family == "cubic":   # keep theta**3 from running away
                theta0, a = theta0 * 0.5, a * 0.1
            if i % 8 == 3:      # a zero gradient at the start
                family, b = "linear", theta0.copy()
            hyper = _HYPER[name][i % 3]
            n_steps = [1, 2, 5, 9][i % 4]
            cases.append(optimizer_case(name, theta0, family, a, b, hyper, n_steps))
        return cases
    return hidden


def _grad_text(family, a, b):
    if family == "linear":
        return f"lambda theta: {a!r} * (theta - {b!r})"
    raise ValueError(family)


AFTER_STEPS = N_("{value} after {steps} of {step} from theta = {theta0} with grad_fn = "
                 "{grad_fn}{hyper}")
ONE_STEP, N_STEPS = N_("1 step"), N_("{n} steps")


def check_optimizer(name, theta0, a, b, hyper, n_steps, expect, why, fields=()):
    """A visible optimizer check: theta after ``n_steps`` (and the named state fields)."""
    hyper_text = "".join(f", {k}={v!r}" for k, v in hyper.items())
    prefix = "\n".join([
        f"theta = np.array({theta0!r})",
        f"grad_fn = {_grad_text('linear', a, b)}",
        f"state = {name}_init(theta)",
        f"for _ in range({n_steps}):",
        f"    theta, state = {name}_step(theta, grad_fn, state{hyper_text})",
    ])
    words = {"steps": (ONE_STEP if n_steps == 1 else N_STEPS, n_steps),
             "step": f"{name}_step", "theta0": repr(theta0),
             "grad_fn": _grad_text("linear", a, b), "hyper": hyper_text}

    def view(value, pick, stated=None):
        call = (AFTER_STEPS, tuple({**words, "value": value}.items()))
        english = View(value, "", pick, stated, call_words=call).call_in("en")
        return View(value, english, pick, stated, call_words=call)

    views = [view("theta", _last_theta, expect)]
    state_fields = optimizers.OPTIMIZERS[name][0](np.zeros(1))._fields
    for field in fields:
        k = 1 + state_fields.index(field)
        views.append(view(f"state.{field}", lambda out, k=k: out[k][-1]))
    case = optimizer_case(name, theta0, "linear", a, b, hyper, n_steps, visible=True)
    return Check(why, prefix, case, tuple(views))


# ------------------------------------------------------- minibatches, sgd


def _minibatch_hidden(rng):
    cases = []
    for i in range(N_HIDDEN):
        n = [10, 7, 1, 32][i % 4]
        batch_size = [3, 7, 1, 5, 40][i % 5]
        x = rng.normal(size=(n, 2)) if i % 2 else rng.normal(size=n)
        y = rng.normal(size=n)
        spec = {"batch_size": batch_size, "seed": int(rng.integers(0, 1000))}
        cases.append(Case(spec, {"x": x, "y": y}))
    return cases


def _sgd_hidden(rng):
    cases = []
    for i in range(N_HIDDEN):
        n = [12, 7, 20][i % 3]
        x = rng.normal(size=n)
        y = 2.0 * x - 1.0 + 0.3 * rng.normal(size=n)
        spec = {"lr": [0.05, 0.1, 0.01][i % 3], "n_epochs": [1, 3, 5][i % 3],
                "batch_size": [4, 1, 32, 5][i % 4], "seed": int(rng.integers(0, 50))}
        theta0 = rng.normal(size=2)
        cases.append(Case(spec, {"x": x, "y": y, "theta0": theta0}))
    return cases


def _sgd_check(why, x, y, theta0, *, lr, n_epochs, batch_size, x_text=None, y_text=None):
    """A visible SGD check, run in the notebook with the student's own gd and minibatches.

    The grader's copy of the case runs with another optimizer and batch
    order (see ``harness.run_case``), so the value shown is worked out with
    the gd and minibatches of the course (``View.local``).
    """
    x_text = x_text or render(list(x))
    y_text = y_text or render(list(y))
    call_text = (f"sgd_linear_regression({x_text}, {y_text}, {theta0!r}, lr={lr!r}, "
                 f"n_epochs={n_epochs}, batch_size={batch_size})")
    prefix = (f"thetas = sgd_linear_regression({x_text}, {y_text}, {theta0!r},\n"
              f"                               lr={lr!r}, n_epochs={n_epochs}, "
              f"batch_size={batch_size})")

    def local(ns):
        return ns["sgd_linear_regression"](
            np.asarray(x, dtype=float), np.asarray(y, dtype=float), theta0, lr=lr,
            n_epochs=n_epochs, batch_size=batch_size, seed=0,
            optimizer=(optimizers.gd_init, optimizers.gd_step), batches=training.minibatches)

    case = _visible_case({"lr": lr, "n_epochs": n_epochs, "batch_size": batch_size, "seed": 0},
                         {"x": x, "y": y, "theta0": theta0})
    return Check(why, prefix, case, (View("thetas", call_text, _first, local=local),))


def _visible_case(kind_spec, arrays):
    return Case(kind_spec, {k: np.asarray(v, dtype=float) for k, v in arrays.items()}, True)


# ------------------------------------------------------------ the table


def _tasks():
    t = {}
    ps = ""

    def add(task):
        if task.grade_id in t:
            raise ValueError(f"grade_id {task.grade_id!r} is in the table twice")
        t[task.grade_id] = dataclasses.replace(task, ps=ps)

    ps = "ps1"
    add(Task("residuals_of_a_line", ("residuals",), "call", 1, (
        check_call("residuals", ([1.0, 2.0], [3.0, 5.0], 2.0, 1.0), [0.0, 0.0],
                   "identity: the line 2 x + 1 passes through (1, 3) and (2, 5)"),
        check_call("residuals", ([0.0, 1.0], [1.0, 1.0], 2.0, 0.0), [-1.0, 1.0],
                   "predictions 0 and 2 against 1 and 1: r = y_pred - y_true"),
    ), _residual_hidden))
    for fn, exp, why in [
        ("signed_error", -0.5, "(1 - 3 + 2 - 2) / 4 = -0.5: signs cancel"),
        ("absolute_error", 2.0, "(1 + 3 + 2 + 2) / 4 = 2"),
        ("squared_error", 4.5, "(1 + 9 + 4 + 4) / 4 = 4.5"),
    ]:
        add(Task(f"{fn}_mean", (fn,), "call", 1, (
            check_call(fn, ([0.0, 0.0, 0.0],), 0.0, "identity: no residual, no error"),
            check_call(fn, ([1.0, -3.0, 2.0, -2.0],), exp, why),
            check_call(fn, ([[1.0, -3.0, 2.0, -2.0], [0.0, 0.0, 0.0, 0.0]],), [exp, 0.0],
                       "two data sets, one per row: one error each"),
        ), _reduce_hidden(fn)))
    add(Task("grid_loss_no_loops", ("grid_loss",), "call", 3, (
        Check("the line 2 x + 1 fits exactly, so L[1, 1] is 0; slope 1, intercept 0: "
              "r = [-1, -2], so L[0, 0] is 2.5; shape is (slopes, intercepts)",
              "L = grid_loss(np.array([0.0, 1.0]), np.array([1.0, 3.0]),\n"
              "              np.array([1.0, 2.0]), np.array([0.0, 1.0, 2.0]),\n"
              "              lambda r: np.mean(r**2, axis=-1))",
              Case({"function": "grid_loss", "args": ["a0", "a1", "a2", "a3"],
                    "kwargs": {"error_fn": "mean_square"}},
                   {"a0": np.array([0.0, 1.0]), "a1": np.array([1.0, 3.0]),
                    "a2": np.array([1.0, 2.0]), "a3": np.array([0.0, 1.0, 2.0])}, True),
              (View("L", "grid_loss(x=[0, 1], y=[1, 3], slopes=[1, 2], intercepts=[0, 1, 2], "
                         "mean of r**2)", _first),)),
    ), _grid_hidden))

    ps = "ps2"
    y_t, y_p = [1.0, 2.0, 3.0], [2.0, 2.0, 0.0]   # r = [1, 0, -3]
    add(Task("mae_value", ("mae",), "call", 1, (
        check_call("mae", (y_t, y_t), 0.0, "identity: equal inputs cost nothing"),
        check_call("mae", (y_t, y_p), 4.0 / 3.0, "r = [1, 0, -3]: (1 + 0 + 3) / 3"),
    ), _regression_cases("mae")))
    add(Task("mae_gradient", ("mae_grad",), "call", 1, (
        check_call("mae_grad", (y_t, y_t), [0.0, 0.0, 0.0], "identity: sign(0) = 0"),
        check_call("mae_grad", (y_t, y_p), [1 / 3, 0.0, -1 / 3], "sign(r) / n, r = [1, 0, -3]"),
    ), _regression_cases("mae_grad")))
    add(Task("mse_value", ("mse",), "call", 1, (
        check_call("mse", (y_t, y_t), 0.0, "identity: equal inputs cost nothing"),
        check_call("mse", (y_t, y_p), 10.0 / 3.0, "r = [1, 0, -3]: (1 + 0 + 9) / 3"),
    ), _regression_cases("mse")))
    add(Task("mse_gradient", ("mse_grad",), "call", 1, (
        check_call("mse_grad", (y_t, y_t), [0.0, 0.0, 0.0], "identity: zero gradient"),
        check_call("mse_grad", (y_t, y_p), [2 / 3, 0.0, -2.0], "2 r / n, r = [1, 0, -3]"),
    ), _regression_cases("mse_grad")))
    add(Task("huber_two_branches", ("huber",), "call", 2, (
        check_call("huber", (y_t, y_t), 0.0, "identity: equal inputs cost nothing"),
        check_call("huber", (y_t, y_p), 3.0 / 3.0,
                   "delta = 1, r = [1, 0, -3]: (1/2 + 0 + 1 (3 - 1/2)) / 3 = 1"),
        check_call("huber", ([0.0], [3.0]), 4.0, "delta = 2, r = 3: 2 (3 - 2/2) = 4",
                   delta=2.0),
    ), _huber_hidden("huber")))
    add(Task("huber_gradient_clipped", ("huber_grad",), "call", 2, (
        check_call("huber_grad", (y_t, y_t), [0.0, 0.0, 0.0], "identity: zero gradient"),
        check_call("huber_grad", (y_t, y_p), [1 / 3, 0.0, -1 / 3],
                   "clip(r, -1, 1) / n, r = [1, 0, -3]"),
        check_call("huber_grad", ([0.0, 0.0], [3.0, 0.5]), [1.0, 0.25],
                   "delta = 2, r = [3, 0.5]: clip(r, -2, 2) / 2 = [1, 0.25]", delta=2.0),
    ), _huber_hidden("huber_grad")))
    add(Task("cross_entropy_conventions", ("cross_entropy",), "call", 2, (
        check_call("cross_entropy", ([0.0, 1.0], [0.0, 1.0]), 0.0,
                   "the lecture's label [0, 1] predicted [0, 1]: 0 log 0 counts 0, cost 0"),
        check_call("cross_entropy", ([0.0, 1.0], [1.0, 0.0]), np.inf,
                   "predicted [1, 0] for the label [0, 1]: -log 0, cost infinity"),
        check_call("cross_entropy", ([0.5, 0.5], [0.25, 0.75]), 0.5 * np.log(4 / 0.75),
                   "-(0.5 log 0.25 + 0.5 log 0.75) = 0.5 log(4 / 0.75)"),
        check_call("cross_entropy", ([[0.5, 0.5], [1.0, 0.0]], [[0.5, 0.5], [0.5, 0.5]]),
                   np.log(2.0), "two distributions, one per row, each costing log 2: "
                   "the loss is their mean, log 2"),
    ), _prob_hidden("cross_entropy")))
    add(Task("kl_divergence_conventions", ("kl_divergence",), "call", 2, (
        check_call("kl_divergence", ([0.25, 0.75], [0.25, 0.75]), 0.0,
                   "identity: a distribution is 0 away from itself"),
        check_call("kl_divergence", ([0.0, 1.0], [0.5, 0.5]), np.log(2.0),
                   "1 log(1 / 0.5) = log 2; the 0 term counts 0"),
        check_call("kl_divergence", ([0.0, 1.0], [1.0, 0.0]), np.inf,
                   "true 1 against predicted 0: infinity"),
        check_call("kl_divergence", ([[0.5, 0.5], [1.0, 0.0]], [[0.5, 0.5], [0.5, 0.5]]),
                   np.log(2.0) / 2, "two rows, 0 away and log 2 away: their mean, log(2) / 2"),
    ), _prob_hidden("kl_divergence")))
    add(Task("softmax_cross_entropy_stable", ("softmax_cross_entropy",), "call", 3, (
        check_call("softmax_cross_entropy", ([0, 1], [[0.0, 0.0], [0.0, 0.0]]), np.log(2.0),
                   "equal logits: softmax is [1/2, 1/2], each row costs log 2"),
        check_call("softmax_cross_entropy", ([0], [[1000.0, 0.0]]), 0.0,
                   "logit 1000 for the true class: probability 1 to double precision, cost 0"),
        check_call("softmax_cross_entropy", ([1], [[1000.0, 0.0]]), 1000.0,
                   "logit 1000 for the wrong class: log_softmax of the true one is -1000"),
    ), _softmax_hidden("softmax_cross_entropy")))
    add(Task("softmax_cross_entropy_gradient", ("softmax_cross_entropy_grad",), "call", 2, (
        check_call("softmax_cross_entropy_grad", ([0, 1], [[0.0, 0.0], [0.0, 0.0]]),
                   [[-0.25, 0.25], [0.25, -0.25]],
                   "(softmax - onehot) / N = ([1/2, 1/2] - onehot) / 2"),
        check_call("softmax_cross_entropy_grad", ([1], [[1000.0, 0.0]]), [[1.0, -1.0]],
                   "softmax is [1, 0] for the label 1: [1, 0] - [0, 1]"),
    ), _softmax_hidden("softmax_cross_entropy_grad")))

    ps = "ps3"
    add(Task("gd_step_rule", ("gd_init", "gd_step"), "optimizer", 2, (
        check_optimizer("gd", [1.0, -2.0], 2.0, 0.0, {}, 1, [0.98, -1.96],
                        "g = 2 theta = [2, -4]; theta - 0.01 g = [0.98, -1.96]"),
        check_optimizer("gd", [1.0], 2.0, 0.0, {"lr": 0.5}, 3, [0.0],
                        "lr = 1 / L with L = 2 lands on the minimum in one step and stays"),
    ), _optimizer_hidden("gd")))
    add(Task("minibatch_iterator", ("minibatches",), "minibatches", 2, (
        Check("default_rng(0).permutation(5) is [2, 4, 3, 0, 1]; batches of 2, 2 and 1; "
              "y = 10 x stays paired with x",
              "x = np.arange(5.0)\n"
              "batches = list(minibatches(x, 10 * x, 2, seed=0))",
              _visible_case({"batch_size": 2, "seed": 0},
                            {"x": np.arange(5.0), "y": 10 * np.arange(5.0)}),
              (View("[len(xb) for xb, yb in batches]",
                    "the batch sizes of minibatches(x, 10 * x, 2, seed=0), x = np.arange(5.0)",
                    lambda out: out[2]),
               View("np.concatenate([xb for xb, yb in batches])",
                    "the x batches, joined", lambda out: out[0]),
               View("np.concatenate([yb for xb, yb in batches])",
                    "the y batches, joined", lambda out: out[1]))),
    ), _minibatch_hidden))
    add(Task("sgd_linear_regression_epochs", ("sgd_linear_regression",), "sgd", 3, (
        _sgd_check("data on the line 2 x + 1 and theta0 = [2, 1]: every gradient is 0",
                   np.linspace(-1, 1, 8), 2 * np.linspace(-1, 1, 8) + 1, [2.0, 1.0],
                   lr=0.1, n_epochs=3, batch_size=3, x_text="np.linspace(-1, 1, 8)",
                   y_text="2 * np.linspace(-1, 1, 8) + 1"),
        _sgd_check("one batch of the points (0, 0) and (1, 2) from [0, 0]: r = [0, -2], so the "
                   "gradient [mean(2 r x), mean(2 r)] is [-2, -2] and theta = 0 - 0.25 [-2, -2]",
                   [0.0, 1.0], [0.0, 2.0], [0.0, 0.0], lr=0.25, n_epochs=1, batch_size=2),
        _sgd_check("two epochs of two batches: epoch e shuffles with seed + e, so the second "
                   "epoch visits the points in another order",
                   [0.0, 1.0, 2.0, 3.0], [1.0, 0.0, 3.0, 2.0], [0.0, 0.0], lr=0.1,
                   n_epochs=2, batch_size=2),
    ), _sgd_hidden))
    add(Task("largest_stable_lr_eigen", ("largest_stable_lr",), "call", 2, (
        check_call("largest_stable_lr", ([[1.0, 0.0], [0.0, 20.0]],), 0.1,
                   "the ravine (x^2 + 20 y^2) / 2: L = 20, so 2 / L = 0.1"),
        check_call("largest_stable_lr", ([[2.0, 1.0], [1.0, 2.0]],), 2.0 / 3.0,
                   "eigenvalues 1 and 3 (vectors [1, -1] and [1, 1]): 2 / 3"),
    ), _stable_lr_hidden))

    ps = "ps4"
    theta0 = [1.0, -2.0]
    for name, grade_id, points, items in [
        ("momentum", "momentum_update", 2, [
            ({}, 1, [0.98, -1.96], "g = 2 theta = [2, -4]; v = 0.01 g; theta - v",
             {"fields": ("velocity",)}),
            ({"lr": 0.1, "gamma": 0.5}, 2, [0.54, -1.08],
             "v1 = [0.2, -0.4], theta1 = [0.8, -1.6]; "
             "v2 = 0.5 v1 + 0.1 (2 theta1) = [0.26, -0.52], theta2 = [0.54, -1.08]"),
        ]),
        ("nag", "nag_update", 2, [
            ({}, 1, [0.98, -1.96], "v = 0 at first, so the look-ahead is theta: as momentum"),
            ({"lr": 0.1, "gamma": 0.5}, 2, [0.56, -1.12],
             "v1 = [0.2, -0.4], theta1 = [0.8, -1.6]; look-ahead theta1 - 0.5 v1 = [0.7, -1.4]; "
             "v2 = [0.1, -0.2] + 0.1 (2 [0.7, -1.4]) = [0.24, -0.48], theta2 = [0.56, -1.12]"),
        ]),
        ("adagrad", "adagrad_update", 2, [
            ({"lr": 0.1, "eps": 0.0}, 1, [0.9, -1.9],
             "G = g^2, so the first step is lr g / |g| = 0.1 sign(g)"),
            ({"lr": 0.1, "eps": 0.0}, 2, [0.9 - 0.18 / np.sqrt(4 + 3.24),
                                          -1.9 + 0.38 / np.sqrt(16 + 14.44)],
             "g1 = [2, -4], theta1 = [0.9, -1.9]; g2 = [1.8, -3.8], G2 = [4 + 3.24, 16 + 14.44]"),
            ({"lr": 0.1, "eps": 1e-4}, 2, None, "gradients of about 0.01: g**2 is as small as eps = 1e-4, so where eps sits matters", {"a": 0.01}),
        ]),
        ("rmsprop", "rmsprop_update", 2, [
            ({"lr": 0.01, "eps": 0.0}, 1, [1.0 - 0.01 / np.sqrt(0.1), -2.0 + 0.01 / np.sqrt(0.1)],
             "G = 0.1 g^2, so the step is lr g / (|g| sqrt(0.1)) = 0.01 sign(g) / sqrt(0.1)"),
            ({"lr": 0.01, "gamma": 0.5, "eps": 1e-4}, 3, None,
             "three steps with " + "gradients of about 0.01: g**2 is as small as eps = 1e-4, so where eps sits matters", {"a": 0.01}),
        ]),
        ("adadelta", "adadelta_update", 3, [
            ({"eps": 1e-6}, 1, [1.0 - 1e-3 / np.sqrt(0.05 * 4 + 1e-6) * 2,
                                -2.0 + 1e-3 / np.sqrt(0.05 * 16 + 1e-6) * 4],
             "s = 0, so the step is sqrt(eps) / sqrt(0.05 g^2 + eps) g with sqrt(1e-6) = 1e-3"),
            ({"gamma": 0.9, "eps": 1e-4}, 3, None,
             "three steps: from the second on, s holds the squared steps taken so far", {}),
        ]),
        ("adam", "adam_bias_correction", 3, [
            ({"lr": 0.1, "eps": 0.0}, 1, [0.9, -1.9],
             "bias correction makes m_hat = g and v_hat = g^2: the first step is lr sign(g)"),
            ({"lr": 0.1, "eps": 1e-4}, 3, None, "three steps with " + "gradients of about 0.01: g**2 is as small as eps = 1e-4, so where eps sits matters", {"a": 0.01}),
        ]),
        ("nadam", "nadam_update", 3, [
            ({"lr": 0.1, "eps": 0.0}, 1, [0.81, -1.81],
             "m_hat = g, v_hat = g^2: lr (0.9 g + 0.1 g / 0.1) / |g| = 0.19 sign(g)"),
            ({"lr": 0.1, "eps": 1e-4}, 3, None, "three steps with " + "gradients of about 0.01: g**2 is as small as eps = 1e-4, so where eps sits matters", {"a": 0.01}),
        ]),
    ]:
        built = []
        for hyper, n_steps, expect, why, *extra in items:
            extra = extra[0] if extra else {}
            stated = None if expect is None else [float(v) for v in expect]
            built.append(check_optimizer(name, theta0, extra.get("a", 2.0), 0.0, hyper,
                                         n_steps, stated, why, extra.get("fields", ())))
        add(Task(grade_id, (f"{name}_init", f"{name}_step"), "optimizer", points,
                 tuple(built), _optimizer_hidden(name), atol=1e-12))
    return t


TASKS: dict[str, Task] = _tasks()


def tasks_in(ps):
    """The tasks of problem set ``ps``, in the order its notebook shows them."""
    return [task for task in TASKS.values() if task.ps == ps]


def task_of(cell):
    """The :class:`Task` of an autograded test cell; None for any other cell."""
    meta = cell.get("metadata", {}).get("nbgrader", {})
    if cell.get("cell_type") != "code" or not meta.get("grade") or meta.get("solution"):
        return None
    if meta.get("grade_id") not in TASKS:
        raise ValueError(f"test cell {meta.get('grade_id')!r} has no entry in "
                         "grading/cases.py TASKS")
    return TASKS[meta["grade_id"]]


def tasks_of(nb):
    """The tasks of a notebook's autograded test cells, in notebook order."""
    return [task for task in map(task_of, nb.cells) if task is not None]
