r"""Gradient descent and momentum on a quadratic, solved exactly.

On J(theta) = sum_i lambda_i theta_i^2 / 2 (any quadratic, in the axes of its
Hessian) every eigen-direction evolves on its own.  Momentum in the lecture's
form, v' = gamma v + lr g and theta' = theta - v', with g = lambda theta, is a
linear map of the pair (theta, v) along each direction:

.. math::

    \begin{pmatrix}\theta' \\ v'\end{pmatrix} =
    \begin{pmatrix}1 - \eta\lambda & -\gamma \\ \eta\lambda & \gamma\end{pmatrix}
    \begin{pmatrix}\theta \\ v\end{pmatrix}

Its eigenvalues z solve z^2 - (1 + gamma - lr lambda) z + gamma = 0; the
larger modulus (the spectral radius) is the factor by which that direction's
error shrinks per step in the long run.  ``lr`` is eta, ``gamma`` is gamma,
``curvatures`` are the lambdas.  PyTorch's momentum buffer (b = mu b + g,
theta -= lr b) gives the same map with v = lr b for a constant lr.
"""

import numpy as np


def momentum_matrix(lr, gamma, curvature):
    """The 2 x 2 map of (theta, v) for one step of momentum along one direction."""
    h = lr * curvature
    return np.array([[1.0 - h, -gamma], [h, gamma]])


def momentum_rate(lr, gamma, curvatures):
    """Spectral radius of momentum's map, the largest over ``curvatures``.

    ``lr`` and ``gamma`` may be arrays (they broadcast): the result is the
    long-run factor by which the slowest direction's error shrinks per step;
    1 or more means no convergence.  When (1 + gamma - lr lambda)^2 < 4 gamma
    the two eigenvalues are complex conjugates whose product is gamma, so the
    rate is exactly sqrt(gamma) whatever lr is.
    """
    lr, gamma = np.broadcast_arrays(np.asarray(lr, dtype=float),
                                    np.asarray(gamma, dtype=float))
    rates = []
    for curvature in np.atleast_1d(curvatures):
        trace = 1.0 + gamma - lr * curvature
        disc = trace**2 - 4.0 * gamma
        real = (np.abs(trace) + np.sqrt(np.maximum(disc, 0.0))) / 2
        rates.append(np.where(disc < 0, np.sqrt(gamma), real))
    return np.max(rates, axis=0)


def gd_rate(lr, curvatures):
    """Gradient descent's factor per step, max |1 - lr lambda| over ``curvatures``."""
    lr = np.asarray(lr, dtype=float)
    return np.max([np.abs(1.0 - lr * c) for c in np.atleast_1d(curvatures)], axis=0)


def momentum_is_stable(lr, gamma, curvature):
    """True when 0 <= gamma < 1 and 0 < lr lambda < 2 (1 + gamma): the iteration converges."""
    h = lr * curvature
    return bool(0 <= gamma < 1 and 0 < h < 2 * (1 + gamma))


def optimal_gd(mu, L):
    """Best fixed step 2 / (mu + L) and its rate (kappa - 1) / (kappa + 1), kappa = L / mu."""
    kappa = L / mu
    return 2.0 / (mu + L), (kappa - 1) / (kappa + 1)


def optimal_momentum(mu, L):
    """Polyak's best (lr, gamma, rate) for curvatures between mu and L.

    lr = (2 / (sqrt L + sqrt mu))^2, gamma = ((sqrt kappa - 1) / (sqrt kappa + 1))^2,
    rate = (sqrt kappa - 1) / (sqrt kappa + 1).
    """
    root = np.sqrt(L / mu)
    rate = (root - 1) / (root + 1)
    return (2.0 / (np.sqrt(L) + np.sqrt(mu))) ** 2, rate**2, rate
