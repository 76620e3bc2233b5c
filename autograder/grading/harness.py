"""The script that runs a student's functions on hidden inputs, in an isolated process.

The grader copies this file, unchanged, into a fresh folder beside:

- ``cells.json``: a list of code strings, the instructor's setup cells and
  the student's solution cells in notebook order;
- ``tasks.json``: the tasks to run, each ``{"task": grade_id, "kind": ...,
  "cases": [...]}`` (see :func:`run_case`);
- ``inputs.npz``: every array input, keyed ``"<task>/<case>/<name>"``.

It runs the cells one by one (a failing cell does not stop the others, as
in a notebook), then calls the student's functions on every case and
writes ``results.npz``: float arrays keyed ``"<task>/<case>/<k>"``.  A case
that raises, or returns something that is not numbers, has no key: the
grader counts it as failed.  Nothing here knows the expected answers.

The module is also imported by the trusted grader, for the fixtures both
sides must share (gradient families, the odd optimizer, the batch order);
only the ``__main__`` block touches files.
"""

import json
import sys

import numpy as np

# --------------------------------------------------------------- fixtures


def make_grad_fn(family, params):
    """A gradient ``grad_fn(theta)`` of a known family, with array parameters."""
    a = np.asarray(params["a"], dtype=float)
    b = np.asarray(params["b"], dtype=float)
    if family == "linear":      # J = sum a (theta - b)^2 / 2
        return lambda theta: a * (np.asarray(theta, dtype=float) - b)
    if family == "cubic":       # J = sum a theta^4 / 4 + b theta
        return lambda theta: a * np.asarray(theta, dtype=float) ** 3 + b
    if family == "wave":        # J = sum -a cos(theta) + b theta^2 / 2
        return lambda theta: a * np.sin(np.asarray(theta, dtype=float)) + b * theta
    raise ValueError(f"unknown gradient family {family!r}")


def odd_init(theta):
    """State of a deliberately unusual optimizer: a step counter."""
    return (0,)


def odd_step(theta, grad_fn, state, *, lr):
    """A rule no problem asks for, so SGD can be checked apart from gd_step."""
    (k,) = state
    g = np.asarray(grad_fn(theta), dtype=float)
    return np.asarray(theta, dtype=float) - lr * np.tanh(g) * (1.0 + 0.5 * k), (k + 1,)


def fixed_batches(x, y, batch_size, seed=0):
    """Batches in an order fixed by ``seed`` (not the order problem set 3 asks for)."""
    order = np.roll(np.arange(len(x))[::-1], seed)
    for start in range(0, len(x), batch_size):
        rows = order[start:start + batch_size]
        yield x[rows], y[rows]


def error_fn_named(name):
    """Error functions handed to ``grid_loss``: they reduce the last axis."""
    return {
        "mean_square": lambda r: np.mean(r**2, axis=-1),
        "mean_abs": lambda r: np.mean(np.abs(r), axis=-1),
        "max_abs": lambda r: np.max(np.abs(r), axis=-1),
    }[name]


# ------------------------------------------------------------------ cases

MUTATED_KEY = "mutated"     # results["<task>/mutated"]: a call changed its inputs


class MutatedInput(Exception):
    """A student's function changed an array it was given (it must return new ones)."""


def _snapshot(values):
    return [np.array(v, copy=True) if isinstance(v, np.ndarray) else None for v in values]


def _unchanged(before, values):
    """Raise MutatedInput unless every array in ``values`` equals its snapshot."""
    for old, new in zip(before, values):
        if old is None:
            continue
        if not (isinstance(new, np.ndarray) and new.shape == old.shape
                and new.dtype == old.dtype and np.array_equal(new, old, equal_nan=True)):
            raise MutatedInput()


def _call(fn, args, kwargs, watched):
    """``fn(*args, **kwargs)``, checking that the arrays in ``watched`` were left alone."""
    before = _snapshot(watched)
    out = fn(*args, **kwargs)
    _unchanged(before, watched)
    return out


def _floats(value):
    out = np.asarray(value, dtype=float)
    if out.dtype != np.float64:
        raise TypeError("not float numbers")
    return np.array(out, dtype=np.float64)


def run_case(kind, ns, spec, arrays):
    """Run one case; return the list of float arrays it produced."""
    if kind == "call":
        fn = ns[spec["function"]]
        args = [arrays[a] if isinstance(a, str) else a for a in spec["args"]]
        kwargs = dict(spec.get("kwargs", {}))
        if "error_fn" in kwargs:
            kwargs["error_fn"] = error_fn_named(kwargs["error_fn"])
        return [_floats(_call(fn, args, kwargs, args))]
    if kind == "optimizer":
        init, step = ns[spec["name"] + "_init"], ns[spec["name"] + "_step"]
        grad_fn = make_grad_fn(spec["family"], {"a": arrays["a"], "b": arrays["b"]})
        theta = np.array(arrays["theta0"], dtype=float)
        start = theta.copy()
        state = _call(init, [start], {}, [start])
        thetas, states = [], [[_floats(f) for f in tuple(state)]]
        for _ in range(spec["n_steps"]):
            given = [theta, *tuple(state)]
            theta, state = _call(step, [theta, grad_fn, state], spec["hyper"], given)
            thetas.append(_floats(theta))
            states.append([_floats(f) for f in tuple(state)])
        n_fields = len(states[0])
        return [np.stack(thetas)] + [np.stack([s[i] for s in states]) for i in range(n_fields)]
    if kind == "minibatches":
        fn = ns["minibatches"]
        x, y = arrays["x"], arrays["y"]
        batches = _call(lambda *a, **k: list(fn(*a, **k)), [x, y, spec["batch_size"]],
                        {"seed": spec["seed"]}, [x, y])
        xs = [_floats(xb) for xb, _ in batches]
        ys = [_floats(yb) for _, yb in batches]
        return [np.concatenate(xs), np.concatenate(ys), _floats([len(yb) for yb in ys])]
    if kind == "sgd":
        fn = ns["sgd_linear_regression"]
        given = [arrays["x"], arrays["y"], arrays["theta0"]]
        out = _call(fn, given, dict(lr=spec["lr"], n_epochs=spec["n_epochs"],
                                    batch_size=spec["batch_size"], seed=spec["seed"],
                                    optimizer=(odd_init, odd_step), batches=fixed_batches),
                    given)
        return [_floats(out)]
    raise ValueError(f"unknown case kind {kind!r}")


def _strip_magics(code):
    """IPython lines (``%matplotlib``, ``!pip``) mean nothing here: drop them."""
    lines = []
    for line in code.splitlines():
        stripped = line.lstrip()
        lines.append("pass" if stripped[:1] in ("%", "!") and line == stripped else line)
    return "\n".join(lines)


def main():
    with open("cells.json") as f:
        cells = json.load(f)
    with open("tasks.json") as f:
        tasks = json.load(f)
    with np.load("inputs.npz", allow_pickle=False) as data:
        inputs = {key: data[key] for key in data.files}
    ns = {"__name__": "__main__"}
    for code in cells:
        try:
            exec(compile(_strip_magics(code), "<cell>", "exec"), ns)
        except BaseException as error:  # a broken cell costs only what depends on it
            if isinstance(error, KeyboardInterrupt):
                raise
            print(f"a cell raised {type(error).__name__}", file=sys.stderr)
    results = {}
    for task in tasks:
        for c, spec in enumerate(task["cases"]):
            prefix = f"{task['task']}/{c}/"
            arrays = {key[len(prefix):]: inputs[key].copy() for key in inputs
                      if key.startswith(prefix)}
            try:
                outputs = run_case(task["kind"], ns, spec, arrays)
            except MutatedInput:
                results[f"{task['task']}/{MUTATED_KEY}"] = np.ones(1)
                continue
            except BaseException as error:
                if isinstance(error, KeyboardInterrupt):
                    raise
                continue
            for k, out in enumerate(outputs):
                results[prefix + str(k)] = out
    np.savez("results.npz", **results)


if __name__ == "__main__":
    main()
