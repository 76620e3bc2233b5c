r"""Reference optimizers of the course, in the lecture's form.

Each optimizer is a pair of pure functions::

    <name>_init(theta) -> state
    <name>_step(theta, grad_fn, state, *, <hyperparameters>) -> (new_theta, new_state)

``theta`` is :math:`\theta`, ``grad_fn(theta)`` is :math:`g = \nabla_\theta J(\theta)`,
``lr`` is :math:`\eta`, ``gamma`` is :math:`\gamma`, ``beta1``/``beta2`` are
:math:`\beta_1`/:math:`\beta_2` and ``eps`` is :math:`\epsilon`.  States are
NamedTuples; a step returns a new one and never mutates its inputs.  SGD is
:func:`gd_step` fed a minibatch ``grad_fn``: the difference is the data, not
the rule.
"""

import functools
import inspect
from typing import NamedTuple

import numpy as np


class GDState(NamedTuple):
    """Plain gradient descent keeps no state."""


class MomentumState(NamedTuple):
    velocity: np.ndarray


class NAGState(NamedTuple):
    velocity: np.ndarray


class AdagradState(NamedTuple):
    G: np.ndarray


class RMSPropState(NamedTuple):
    G: np.ndarray


class AdaDeltaState(NamedTuple):
    G: np.ndarray
    s: np.ndarray


class AdamState(NamedTuple):
    m: np.ndarray
    v: np.ndarray
    t: int


class NadamState(NamedTuple):
    m: np.ndarray
    v: np.ndarray
    t: int


# ---------------------------------------------------------------- checks


def _check_lr(lr):
    if not (np.isfinite(lr) and lr > 0):
        raise ValueError(f"lr must be a finite number > 0, got {lr!r}")


def _check_decay(name, value):
    if not 0.0 <= value < 1.0:
        raise ValueError(f"{name} must lie in [0, 1), got {value!r}")


def _check_eps(eps):
    if not eps >= 0:
        raise ValueError(f"eps must be >= 0, got {eps!r}")


def _checked_step(step):
    """``step`` with its hyperparameters checked by name and ``grad_fn``'s shape checked.

    The checks stay out of the step's body, so the body is the update rule,
    line by line, and the problem sets' solution cells, generated from it,
    hold what a student writes.
    """
    signature = inspect.signature(step)

    @functools.wraps(step)
    def checked(theta, grad_fn, state, **hyper):
        bound = signature.bind(theta, grad_fn, state, **hyper)
        bound.apply_defaults()
        for name, value in bound.arguments.items():
            if name == "lr":
                _check_lr(value)
            elif name in ("gamma", "beta1", "beta2"):
                _check_decay(name, value)
            elif name == "eps":
                _check_eps(value)
        return step(theta, _shape_checked(grad_fn), state, **hyper)
    return checked


def _shape_checked(grad_fn):
    """``grad_fn``, raising ValueError when a gradient is not shaped like its theta."""
    def checked(x):
        g = grad_fn(x)
        if np.shape(g) != np.shape(x):
            raise ValueError(f"grad_fn returned a gradient of shape {np.shape(g)} for theta "
                             f"of shape {np.shape(x)}; they must match")
        return g
    return checked


# -------------------------------------------------------------------- GD


def gd_init(theta):
    return GDState()


@_checked_step
def gd_step(theta, grad_fn, state, *, lr=0.01):
    r"""Gradient descent: :math:`\theta' = \theta - \eta\, g(\theta)`.

    PyTorch: ``torch.optim.SGD(params, lr=lr)``.
    """
    theta = np.asarray(theta, dtype=float)
    g = np.asarray(grad_fn(theta), dtype=float)
    return theta - lr * g, GDState()


# -------------------------------------------------------------- Momentum


def momentum_init(theta):
    return MomentumState(velocity=np.zeros_like(theta, dtype=float))


@_checked_step
def momentum_step(theta, grad_fn, state, *, lr=0.01, gamma=0.9):
    r"""Momentum (Polyak's heavy ball), the lecture's form.

    .. math::
        v'      &= \gamma v + \eta\, g(\theta) \\
        \theta' &= \theta - v'

    PyTorch keeps :math:`b' = \mu b + g` and steps :math:`\eta b'`; with a
    constant ``lr`` this is the same rule with :math:`v = \eta b`.
    """
    theta = np.asarray(theta, dtype=float)
    g = np.asarray(grad_fn(theta), dtype=float)
    velocity = gamma * state.velocity + lr * g
    return theta - velocity, MomentumState(velocity)


# ------------------------------------------------------------------- NAG


def nag_init(theta):
    return NAGState(velocity=np.zeros_like(theta, dtype=float))


@_checked_step
def nag_step(theta, grad_fn, state, *, lr=0.01, gamma=0.9):
    r"""Nesterov accelerated gradient: the gradient is taken at the look-ahead point.

    .. math::
        v'      &= \gamma v + \eta\, g(\theta - \gamma v) \\
        \theta' &= \theta - v'

    PyTorch (``SGD(nesterov=True)``) stores the look-ahead point
    :math:`\theta - \gamma v` as its parameter instead of :math:`\theta`.
    """
    theta = np.asarray(theta, dtype=float)
    look_ahead = theta - gamma * state.velocity
    g = np.asarray(grad_fn(look_ahead), dtype=float)
    velocity = gamma * state.velocity + lr * g
    return theta - velocity, NAGState(velocity)


# --------------------------------------------------------------- Adagrad


def adagrad_init(theta):
    return AdagradState(G=np.zeros_like(theta, dtype=float))


@_checked_step
def adagrad_step(theta, grad_fn, state, *, lr=0.01, eps=1e-8):
    r"""Adagrad: each parameter's step shrinks with its own sum of squared gradients.

    .. math::
        G'      &= G + g^2 \\
        \theta' &= \theta - \frac{\eta}{\sqrt{G' + \epsilon}}\, g

    PyTorch puts ``eps`` outside the root, :math:`\eta g / (\sqrt{G'} + \epsilon)`;
    the two agree when ``eps = 0``.
    """
    theta = np.asarray(theta, dtype=float)
    g = np.asarray(grad_fn(theta), dtype=float)
    G = state.G + g**2
    return theta - lr * g / np.sqrt(G + eps), AdagradState(G)


# --------------------------------------------------------------- RMSProp


def rmsprop_init(theta):
    return RMSPropState(G=np.zeros_like(theta, dtype=float))


@_checked_step
def rmsprop_step(theta, grad_fn, state, *, lr=0.001, gamma=0.9, eps=1e-8):
    r"""RMSProp: Adagrad with a decaying average, so the step never dies out.

    .. math::
        G'      &= \gamma G + (1 - \gamma)\, g^2 \\
        \theta' &= \theta - \frac{\eta}{\sqrt{G' + \epsilon}}\, g

    PyTorch calls :math:`\gamma` ``alpha`` (default 0.99, the lecture's 0.9)
    and puts ``eps`` outside the root.
    """
    theta = np.asarray(theta, dtype=float)
    g = np.asarray(grad_fn(theta), dtype=float)
    G = gamma * state.G + (1.0 - gamma) * g**2
    return theta - lr * g / np.sqrt(G + eps), RMSPropState(G)


# -------------------------------------------------------------- AdaDelta


def adadelta_init(theta):
    return AdaDeltaState(G=np.zeros_like(theta, dtype=float), s=np.zeros_like(theta, dtype=float))


@_checked_step
def adadelta_step(theta, grad_fn, state, *, gamma=0.95, eps=1e-6):
    r"""AdaDelta: RMSProp whose learning rate is replaced by the RMS of past steps.

    .. math::
        G'      &= \gamma G + (1 - \gamma)\, g^2 \\
        \Delta  &= \frac{\sqrt{s + \epsilon}}{\sqrt{G' + \epsilon}}\, g \\
        \theta' &= \theta - \Delta \\
        s'      &= \gamma s + (1 - \gamma)\, \Delta^2

    There is no learning rate.  PyTorch's ``Adadelta`` with ``lr=1`` (its
    ``rho`` is :math:`\gamma`) is this rule.
    """
    theta = np.asarray(theta, dtype=float)
    g = np.asarray(grad_fn(theta), dtype=float)
    G = gamma * state.G + (1.0 - gamma) * g**2
    delta = np.sqrt(state.s + eps) / np.sqrt(G + eps) * g
    s = gamma * state.s + (1.0 - gamma) * delta**2
    return theta - delta, AdaDeltaState(G, s)


# ------------------------------------------------------------------ Adam


def adam_init(theta):
    return AdamState(m=np.zeros_like(theta, dtype=float), v=np.zeros_like(theta, dtype=float),
                     t=0)


@_checked_step
def adam_step(theta, grad_fn, state, *, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8):
    r"""Adam: momentum on the gradient, RMSProp on its square, both bias-corrected.

    .. math::
        t'        &= t + 1 \\
        m'        &= \beta_1 m + (1 - \beta_1)\, g \\
        v'        &= \beta_2 v + (1 - \beta_2)\, g^2 \\
        \hat m    &= m' / (1 - \beta_1^{t'}) \\
        \hat v    &= v' / (1 - \beta_2^{t'}) \\
        \theta'   &= \theta - \eta\, \hat m / \sqrt{\hat v + \epsilon}

    PyTorch and the Adam paper put ``eps`` outside the root,
    :math:`\hat m / (\sqrt{\hat v} + \epsilon)`; they agree when ``eps = 0``.
    """
    theta = np.asarray(theta, dtype=float)
    g = np.asarray(grad_fn(theta), dtype=float)
    t = state.t + 1
    m = beta1 * state.m + (1.0 - beta1) * g
    v = beta2 * state.v + (1.0 - beta2) * g**2
    # bias-correct: m and v start at zero, so early averages are too small
    m_hat = m / (1.0 - beta1**t)
    v_hat = v / (1.0 - beta2**t)
    return theta - lr * m_hat / np.sqrt(v_hat + eps), AdamState(m, v, t)


# ----------------------------------------------------------------- Nadam


def nadam_init(theta):
    return NadamState(m=np.zeros_like(theta, dtype=float), v=np.zeros_like(theta, dtype=float),
                      t=0)


@_checked_step
def nadam_step(theta, grad_fn, state, *, lr=0.002, beta1=0.9, beta2=0.999, eps=1e-8):
    r"""Nadam: Adam whose momentum looks ahead like NAG (Dozat 2016, as in Ruder's overview).

    .. math::
        t', m', v', \hat m, \hat v &\text{ as in Adam} \\
        \theta' &= \theta - \frac{\eta}{\sqrt{\hat v + \epsilon}}
                   \Big(\beta_1 \hat m + \frac{(1 - \beta_1)\, g}{1 - \beta_1^{t'}}\Big)

    PyTorch's ``NAdam`` adds a momentum-decay schedule (``momentum_decay``)
    and puts ``eps`` outside the root; the course uses Dozat's simple form.
    """
    theta = np.asarray(theta, dtype=float)
    g = np.asarray(grad_fn(theta), dtype=float)
    # t', m', v' as in Adam (whose own step to theta' is not taken)
    _, (m, v, t) = adam_step(theta, lambda _: g, state, lr=lr, beta1=beta1, beta2=beta2, eps=eps)
    m_hat = m / (1.0 - beta1**t)
    v_hat = v / (1.0 - beta2**t)
    # the look-ahead: this step's gradient enters with its own bias correction
    m_bar = beta1 * m_hat + (1.0 - beta1) * g / (1.0 - beta1**t)
    return theta - lr * m_bar / np.sqrt(v_hat + eps), NadamState(m, v, t)


OPTIMIZERS = {
    "gd": (gd_init, gd_step),
    "momentum": (momentum_init, momentum_step),
    "nag": (nag_init, nag_step),
    "adagrad": (adagrad_init, adagrad_step),
    "rmsprop": (rmsprop_init, rmsprop_step),
    "adadelta": (adadelta_init, adadelta_step),
    "adam": (adam_init, adam_step),
    "nadam": (nadam_init, nadam_step),
}
