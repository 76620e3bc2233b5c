r"""Two-dimensional test surfaces with analytic gradients.

Every surface takes ``theta`` of shape ``(..., 2)``, so one call evaluates a
single point or a whole grid: ``surface.value(np.stack([X, Y], axis=-1))``.
``grad`` returns an array shaped like ``theta``.
"""

from dataclasses import dataclass
from typing import Callable

import numpy as np


@dataclass(frozen=True)
class Surface:
    """A loss landscape J(theta) over two parameters, with where to look at it."""

    name: str
    formula: str
    value: Callable[[np.ndarray], np.ndarray]
    grad: Callable[[np.ndarray], np.ndarray]
    xlim: tuple[float, float]
    ylim: tuple[float, float]
    start: np.ndarray
    minimum: np.ndarray | None
    curvatures: tuple[float, float] | None = None  # Hessian eigenvalues of a quadratic

    def grid(self, n=120):
        """Return X, Y, Z over the plotting window, for contour plots."""
        X, Y = np.meshgrid(np.linspace(*self.xlim, n), np.linspace(*self.ylim, n))
        return X, Y, self.value(np.stack([X, Y], axis=-1))


def _xy(theta):
    theta = np.asarray(theta, dtype=float)
    if theta.shape[-1:] != (2,):
        raise ValueError(f"theta must have shape (..., 2), got {theta.shape}")
    return theta[..., 0], theta[..., 1]


def _quadratic(name, formula, a, b, xlim, ylim, start):
    """The surface J = (a x^2 + b y^2) / 2, whose curvatures are a and b."""

    def value(theta):
        x, y = _xy(theta)
        return 0.5 * (a * x**2 + b * y**2)

    def grad(theta):
        x, y = _xy(theta)
        return np.stack([a * x, b * y], axis=-1)

    return Surface(name, formula, value, grad, xlim, ylim, np.asarray(start, dtype=float),
                   np.zeros(2), curvatures=(a, b))


def _rosenbrock_value(theta):
    x, y = _xy(theta)
    return (1 - x) ** 2 + 100 * (y - x**2) ** 2


def _rosenbrock_grad(theta):
    x, y = _xy(theta)
    return np.stack([-2 * (1 - x) - 400 * x * (y - x**2), 200 * (y - x**2)], axis=-1)


def _beale_terms(theta):
    x, y = _xy(theta)
    return x, y, (1.5 - x + x * y, 2.25 - x + x * y**2, 2.625 - x + x * y**3)


def _beale_value(theta):
    _, _, (u, v, w) = _beale_terms(theta)
    return u**2 + v**2 + w**2


def _beale_grad(theta):
    x, y, (u, v, w) = _beale_terms(theta)
    dx = 2 * u * (y - 1) + 2 * v * (y**2 - 1) + 2 * w * (y**3 - 1)
    dy = 2 * u * x + 4 * v * x * y + 6 * w * x * y**2
    return np.stack([dx, dy], axis=-1)


def _saddle_value(theta):
    x, y = _xy(theta)
    return 0.5 * (x**2 - y**2)


def _saddle_grad(theta):
    x, y = _xy(theta)
    return np.stack([x, -y], axis=-1)


SURFACES = {
    "bowl": _quadratic("bowl", "(x^2 + y^2) / 2", 1.0, 1.0,
                       (-2.5, 2.5), (-2.5, 2.5), [-2.0, 1.5]),
    "ravine": _quadratic("ravine", "(x^2 + 20 y^2) / 2", 1.0, 20.0,
                         (-2.5, 2.5), (-1.2, 1.2), [-2.2, 0.8]),
    "rosenbrock": Surface("rosenbrock", r"(1 - x)^2 + 100 (y - x^2)^2",
                          _rosenbrock_value, _rosenbrock_grad,
                          (-2.0, 2.0), (-1.0, 3.0), np.array([-1.5, 2.0]), np.array([1.0, 1.0])),
    "beale": Surface("beale",
                     r"(1.5 - x + xy)^2 + (2.25 - x + xy^2)^2 + (2.625 - x + xy^3)^2",
                     _beale_value, _beale_grad,
                     (-4.5, 4.5), (-4.5, 4.5), np.array([1.0, 1.4]), np.array([3.0, 0.5])),
    "saddle": Surface("saddle", r"(x^2 - y^2) / 2", _saddle_value, _saddle_grad,
                      (-2.0, 2.0), (-2.0, 2.0), np.array([-1.8, 1e-3]), None),
}


def get_surface(name):
    """Return the surface called ``name``, or raise a ValueError listing the known ones."""
    try:
        return SURFACES[name]
    except KeyError:
        raise ValueError(f"unknown surface {name!r}; known: {', '.join(SURFACES)}") from None


def largest_stable_lr(surface):
    """2 / L for a quadratic surface, L being its largest curvature.

    Gradient descent on a quadratic converges exactly when lr < 2 / L.
    """
    if surface.curvatures is None:
        raise ValueError(f"{surface.name} is not a quadratic, so it has no single 2 / L")
    return 2.0 / max(surface.curvatures)
