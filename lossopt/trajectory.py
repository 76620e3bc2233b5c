"""Run any optimizer, given as an ``(init, step)`` pair, and keep its path."""

from dataclasses import dataclass

import numpy as np

from lossopt.i18n import tr


@dataclass(frozen=True)
class Trajectory:
    """The path of one run.

    ``thetas`` has one row per visited point (the start included); ``values``
    holds ``value_fn`` at each of them, or is None.  When the run left the
    finite numbers, ``diverged`` is True, the path stops at the last finite
    point and ``message`` says at which step (in the figures' language: a problem set's
    figure shows it as a title).
    """

    thetas: np.ndarray
    values: np.ndarray | None
    diverged: bool
    message: str


def run(init, step, theta0, grad_fn, n_steps, value_fn=None, limit=1e6, **hyper):
    """Apply ``step`` ``n_steps`` times from ``theta0``; stop early if it diverges.

    A run diverges when a parameter or the value stops being finite, or a
    parameter grows beyond ``limit`` in size (so a plot never has to hold
    1e300).  ``hyper`` goes to ``step`` as keyword arguments (``lr=0.1``).
    """
    if n_steps < 0:
        raise ValueError(f"n_steps must be >= 0, got {n_steps}")
    theta = np.array(theta0, dtype=float)
    state = init(theta)
    thetas = [theta]
    values = None if value_fn is None else [float(value_fn(theta))]
    message = tr("ran {n} steps").format(n=n_steps)
    with np.errstate(over="ignore", invalid="ignore"):
        for k in range(1, n_steps + 1):
            theta, state = step(theta, grad_fn, state, **hyper)
            theta = np.asarray(theta, dtype=float)
            value = None if value_fn is None else float(value_fn(theta))
            finite = np.all(np.isfinite(theta)) and (value is None or np.isfinite(value))
            if not finite or np.max(np.abs(theta), initial=0.0) > limit:
                reason = (tr("diverged at step {step}: the parameters left the finite numbers")
                          if not finite else
                          tr("diverged at step {step}: the parameters passed {limit:g}"))
                message = reason.format(step=k, limit=limit)
                return Trajectory(np.array(thetas), _array_or_none(values), True, message)
            thetas.append(theta)
            if value is not None:
                values.append(value)
    return Trajectory(np.array(thetas), _array_or_none(values), False, message)


def _array_or_none(values):
    return None if values is None else np.array(values)
