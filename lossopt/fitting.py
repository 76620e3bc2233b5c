r"""Fit a line y = slope * x + intercept under any loss, given its gradient.

A loss gradient here has the signature of the course's reference losses:
``loss_grad(y_true, y_pred, **loss_kwargs)`` returns the gradient of the
mean loss with respect to ``y_pred``.  The line's parameters are
``theta = (slope, intercept)``; the chain rule through
:math:`\hat y_i = \theta_0 x_i + \theta_1` gives

.. math::
    \frac{\partial L}{\partial \theta_0} = \sum_i g_i x_i, \qquad
    \frac{\partial L}{\partial \theta_1} = \sum_i g_i,

where :math:`g_i` is entry i of ``loss_grad(y, y_pred)``.
"""

import numpy as np

from lossopt.trajectory import run


def _check_xy(x, y):
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    if x.ndim != 1 or x.shape != y.shape:
        raise ValueError(f"x and y must be 1-D arrays of the same shape, got x of shape "
                         f"{x.shape} and y of shape {y.shape}")
    if x.size == 0:
        raise ValueError("x and y are empty: a line needs at least one point")
    return x, y


def _check_theta(theta):
    theta = np.asarray(theta, dtype=float)
    if theta.shape != (2,):
        raise ValueError(f"theta must be (slope, intercept) of shape (2,), got shape "
                         f"{theta.shape}")
    return theta


def line_grad(theta, x, y, loss_grad, **loss_kwargs):
    """Gradient of the mean loss of the line ``theta`` w.r.t. (slope, intercept)."""
    x, y = _check_xy(x, y)
    slope, intercept = _check_theta(theta)
    g = np.asarray(loss_grad(y, slope * x + intercept, **loss_kwargs), dtype=float)
    if g.shape != y.shape:
        raise ValueError(f"loss_grad must return an array shaped like y_pred {y.shape}, "
                         f"got shape {g.shape}")
    # chain rule: d y_pred_i / d slope = x_i, d y_pred_i / d intercept = 1
    return np.array([g @ x, g.sum()])


def _gd_init(theta):
    return ()


def _gd_step(theta, grad_fn, state, *, lr):
    return theta - lr * grad_fn(theta), state


def fit_line(x, y, loss_grad, lr=0.02, n_steps=500, theta0=(0.0, 0.0),
             **loss_kwargs):
    """Run gradient descent on (slope, intercept) under ``loss_grad``.

    ``lr`` is the fixed learning rate, ``theta0`` the starting line and
    ``loss_kwargs`` go to ``loss_grad`` (``delta=1.0`` for Huber).  Returns a
    :class:`lossopt.trajectory.Trajectory` whose ``thetas[-1]`` is the fitted
    ``(slope, intercept)``; when the run diverges, ``diverged`` says so.
    """
    x, y = _check_xy(x, y)
    theta0 = _check_theta(theta0)
    if not lr > 0:
        raise ValueError(f"lr must be > 0, got {lr!r}")
    if n_steps < 0:
        raise ValueError(f"n_steps must be >= 0, got {n_steps}")

    def grad_fn(theta):
        return line_grad(theta, x, y, loss_grad, **loss_kwargs)

    return run(_gd_init, _gd_step, theta0, grad_fn, n_steps, lr=lr)


def loss_landscape(x, y, loss_fn, slopes, intercepts, **loss_kwargs):
    """Mean loss of every line on a grid: Z[i, j] for intercepts[i], slopes[j].

    The layout matches ``np.meshgrid(slopes, intercepts)``, ready for
    ``ax.contour(S, B, Z)``.
    """
    x, y = _check_xy(x, y)
    slopes = np.asarray(slopes, dtype=float)
    intercepts = np.asarray(intercepts, dtype=float)
    if slopes.ndim != 1 or intercepts.ndim != 1:
        raise ValueError("slopes and intercepts must be 1-D arrays")
    Z = np.empty((intercepts.size, slopes.size))
    for i, intercept in enumerate(intercepts):
        for j, slope in enumerate(slopes):
            Z[i, j] = loss_fn(y, slope * x + intercept, **loss_kwargs)
    return Z
