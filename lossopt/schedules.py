r"""Learning-rate schedules: the step size :math:`\eta_t` as a function of the step ``t``.

Each schedule is a pure function of the step index ``t`` (``0, 1, 2, ...``)
and its settings, written with the symbols of chapter 3::

    constant(t, lr)                        eta_t = lr
    step_decay(t, lr, drop, every)         eta_t = lr * drop ** floor(t / every)
    inverse_time(t, lr, decay)             eta_t = lr / (1 + decay * t)
    cosine(t, lr, n_steps, lr_min)         eta_t = lr_min + (lr - lr_min) (1 + cos(pi t / n_steps)) / 2
    linear_warmup(t, lr, warmup_steps)     eta_t = lr * min(1, (t + 1) / warmup_steps)

``lr`` is the base rate :math:`\eta_0`.  ``t`` may be an int (the result is a
float) or an array of ints (the result is an array), so one call draws a
whole schedule.  Cosine stays at ``lr_min`` after ``n_steps``.

:func:`with_schedule` turns any ``(init, step)`` pair whose step takes ``lr``
into one that counts its steps and uses ``schedule(t)`` at step ``t``, so a
scheduled optimizer runs through :func:`lossopt.trajectory.run` unchanged.
PyTorch keeps schedules apart from optimizers in the same way
(``torch.optim.lr_scheduler.StepLR``, ``CosineAnnealingLR``, ``LinearLR``),
but there a scheduler rewrites the optimizer's ``lr`` once per ``.step()``.
"""

from typing import Any, NamedTuple

import numpy as np


def _steps(t):
    t = np.asarray(t)
    if t.dtype.kind not in "iu":
        if not np.all(np.equal(np.mod(t, 1), 0)):
            raise ValueError(f"the step t must be a whole number, got {t}")
    if np.any(t < 0):
        raise ValueError(f"the step t must be >= 0, got {t}")
    return t.astype(float)


def _positive(name, value):
    if not value > 0:
        raise ValueError(f"{name} must be > 0, got {value}")


def _out(t, eta):
    return float(eta) if np.ndim(t) == 0 else eta


def constant(t, lr):
    """The same ``lr`` at every step (the baseline)."""
    _positive("lr", lr)
    steps = _steps(t)
    return _out(t, np.full_like(steps, lr))


def step_decay(t, lr, drop=0.5, every=10):
    """Multiply ``lr`` by ``drop`` once every ``every`` steps."""
    _positive("lr", lr)
    if not 0 < drop <= 1:
        raise ValueError(f"drop must be in (0, 1], got {drop}")
    if not (every >= 1 and float(every).is_integer()):
        raise ValueError(f"every must be a whole number >= 1, got {every}")
    return _out(t, lr * drop ** np.floor(_steps(t) / every))


def inverse_time(t, lr, decay):
    """The 1/t schedule ``lr / (1 + decay t)``: the rates sum to infinity."""
    _positive("lr", lr)
    if not decay >= 0:
        raise ValueError(f"decay must be >= 0, got {decay}")
    return _out(t, lr / (1 + decay * _steps(t)))


def cosine(t, lr, n_steps, lr_min=0.0):
    """Half a cosine from ``lr`` at t = 0 down to ``lr_min`` at t = n_steps."""
    _positive("lr", lr)
    if not (n_steps >= 1 and float(n_steps).is_integer()):
        raise ValueError(f"n_steps must be a whole number >= 1, got {n_steps}")
    if not 0 <= lr_min <= lr:
        raise ValueError(f"lr_min must be in [0, lr], got {lr_min}")
    progress = np.minimum(_steps(t), n_steps) / n_steps
    return _out(t, lr_min + (lr - lr_min) * (1 + np.cos(np.pi * progress)) / 2)


def linear_warmup(t, lr, warmup_steps):
    """Ramp up linearly to ``lr`` over the first ``warmup_steps`` steps, then hold it.

    Step 0 uses ``lr / warmup_steps``: never a step of size zero.
    """
    _positive("lr", lr)
    if not (warmup_steps >= 1 and float(warmup_steps).is_integer()):
        raise ValueError(f"warmup_steps must be a whole number >= 1, got {warmup_steps}")
    return _out(t, lr * np.minimum(1.0, (_steps(t) + 1) / warmup_steps))


class ScheduledState(NamedTuple):
    """The inner optimizer's state and the number of steps taken so far."""

    t: int
    inner: Any


def with_schedule(init, step, schedule):
    """The pair ``(init, step)`` driven by ``schedule(t)`` instead of a fixed ``lr``.

    Step ``t`` (from 0) calls ``step(..., lr=schedule(t), **hyper)``; the
    other hyperparameters pass through.  Returns a new ``(init, step)`` pair
    whose state is a :class:`ScheduledState`.
    """
    if not callable(schedule):
        raise ValueError(f"schedule must be a function of the step t, got {schedule!r}")

    def scheduled_init(theta):
        return ScheduledState(0, init(theta))

    def scheduled_step(theta, grad_fn, state, **hyper):
        if "lr" in hyper:
            raise ValueError("a scheduled step takes its lr from the schedule, not lr=")
        lr = schedule(state.t)
        theta, inner = step(theta, grad_fn, state.inner, lr=lr, **hyper)
        return theta, ScheduledState(state.t + 1, inner)

    return scheduled_init, scheduled_step
