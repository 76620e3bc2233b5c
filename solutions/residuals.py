r"""Reference for problem set 1: residuals, three ways to average them, and a loss grid.

A line predicts :math:`\hat y = a x + b` (``slope`` is :math:`a`,
``intercept`` is :math:`b`); its residuals are :math:`r = \hat y - y`.
The error functions reduce residuals along the **last axis**, so one call
handles a single data set or a whole grid of lines at once.
"""

import numpy as np


def residuals(x, y, slope, intercept):
    r"""Residuals :math:`r_i = (a x_i + b) - y_i` of the line with ``slope`` a and ``intercept`` b."""
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    if x.shape != y.shape:
        raise ValueError(f"x and y must have the same shape, got {x.shape} and {y.shape}")
    return slope * x + intercept - y


def signed_error(r):
    r"""Mean signed error :math:`\frac{1}{n}\sum_i r_i` along the last axis: errors cancel."""
    return np.mean(np.asarray(r, dtype=float), axis=-1)


def absolute_error(r):
    r"""Mean absolute error :math:`\frac{1}{n}\sum_i |r_i|` along the last axis."""
    return np.mean(np.abs(np.asarray(r, dtype=float)), axis=-1)


def squared_error(r):
    r"""Mean squared error :math:`\frac{1}{n}\sum_i r_i^2` along the last axis."""
    return np.mean(np.asarray(r, dtype=float) ** 2, axis=-1)


def grid_loss(x, y, slopes, intercepts, error_fn):
    r"""Loss of every line on a grid: ``L[i, j] = error_fn(r)`` for slope i, intercept j.

    Broadcasting does the loops: slopes run along axis 0, intercepts along
    axis 1 and the data along axis 2, which ``error_fn`` averages away.
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    if x.ndim != 1 or x.shape != y.shape:
        raise ValueError(f"x and y must be 1-D of one length, got {x.shape} and {y.shape}")
    a = np.asarray(slopes, dtype=float)[:, None, None]
    b = np.asarray(intercepts, dtype=float)[None, :, None]
    r = a * x + b - y
    return error_fn(r)
