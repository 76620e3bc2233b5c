r"""Reference for problem set 3: minibatches, SGD on a line, and the largest stable step.

SGD is gradient descent fed the gradient of one minibatch at a time; the
rule is :func:`solutions.optimizers.gd_step`, the data is what changes.
"""

import numpy as np

from solutions.optimizers import gd_init, gd_step


def minibatches(x, y, batch_size, *, seed=0):
    r"""Yield ``(x_batch, y_batch)`` pairs covering the data once, in a shuffled order.

    The order is ``np.random.default_rng(seed).permutation(len(x))``; the
    batches are consecutive slices of it, the last one possibly shorter.
    Rows of ``x`` and ``y`` stay paired.
    """
    x = np.asarray(x)
    y = np.asarray(y)
    if len(x) != len(y):
        raise ValueError(f"x and y must have the same length, got {len(x)} and {len(y)}")
    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}")
    order = np.random.default_rng(seed).permutation(len(x))
    for start in range(0, len(x), batch_size):
        rows = order[start:start + batch_size]
        yield x[rows], y[rows]


def line_mse_grad(theta, x, y):
    r"""Gradient of the MSE of the line :math:`\theta_0 x + \theta_1` over ``(x, y)``.

    .. math:: \nabla = \frac{2}{n}\Big[\sum_i r_i x_i,\; \sum_i r_i\Big], \qquad r = \theta_0 x + \theta_1 - y
    """
    r = theta[0] * x + theta[1] - y
    return np.array([2.0 * np.mean(r * x), 2.0 * np.mean(r)])


def sgd_linear_regression(x, y, theta0, *, lr, n_epochs, batch_size, seed=0,
                          optimizer=None, batches=None):
    r"""Fit the line :math:`\theta_0 x + \theta_1` by SGD on the MSE; return theta after each epoch.

    Epoch ``e`` (from 0) draws its batches from ``batches(x, y, batch_size,
    seed=seed + e)`` and takes one ``step`` per batch with the gradient of
    that batch's MSE.  ``optimizer`` is an ``(init, step)`` pair, by default
    ``(gd_init, gd_step)``; ``batches`` defaults to :func:`minibatches`.
    The result has shape ``(n_epochs + 1, 2)``: ``theta0`` first.
    """
    if optimizer is None:
        optimizer = (gd_init, gd_step)
    if batches is None:
        batches = minibatches
    init, step = optimizer
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    theta = np.array(theta0, dtype=float)
    state = init(theta)
    history = [theta]
    for epoch in range(n_epochs):
        for x_batch, y_batch in batches(x, y, batch_size, seed=seed + epoch):
            def grad_fn(th, x_batch=x_batch, y_batch=y_batch):
                return line_mse_grad(th, x_batch, y_batch)
            theta, state = step(theta, grad_fn, state, lr=lr)
        history.append(np.array(theta, dtype=float))
    return np.array(history)


def largest_stable_lr(A):
    r"""The largest stable learning rate :math:`2 / L` of :math:`J(\theta) = \theta^T A \theta / 2`.

    ``A`` is the symmetric Hessian; :math:`L` is its largest eigenvalue.
    Gradient descent converges exactly when ``lr < 2 / L``.
    """
    A = np.asarray(A, dtype=float)
    if A.ndim != 2 or A.shape[0] != A.shape[1]:
        raise ValueError(f"A must be a square matrix, got shape {A.shape}")
    if not np.allclose(A, A.T):
        raise ValueError("A must be symmetric")
    L = np.linalg.eigvalsh(A)[-1]
    if not L > 0:
        raise ValueError(f"the largest eigenvalue of A must be > 0, got {L}")
    return float(2.0 / L)

