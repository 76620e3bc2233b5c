"""Seeded synthetic data sets: the same seed always gives the same numbers."""

import numpy as np


def make_regression(n=40, slope=2.0, intercept=1.0, noise=1.0, n_outliers=0,
                    outlier_size=30.0, seed=0):
    """Points near the line y = slope * x + intercept, x in [0, 10].

    ``n_outliers`` of the points (the last ones, in x order) are pushed up by
    ``outlier_size``; noise is Gaussian with standard deviation ``noise``.
    Returns ``(x, y)``, two arrays of shape (n,).
    """
    if n < 1:
        raise ValueError(f"n must be >= 1, got {n}")
    if not 0 <= n_outliers <= n:
        raise ValueError(f"n_outliers must lie in [0, n={n}], got {n_outliers}")
    if noise < 0:
        raise ValueError(f"noise must be >= 0, got {noise}")
    rng = np.random.default_rng(seed)
    x = np.sort(rng.uniform(0.0, 10.0, n))
    y = slope * x + intercept + noise * rng.standard_normal(n)
    if n_outliers:
        y[n - n_outliers:] += outlier_size
    return x, y


def make_classification(n=60, n_classes=2, spread=1.0, seed=0):
    """Gaussian blobs in the plane, one per class, centres on a circle of radius 2.

    Returns ``(X, labels)``: X of shape (n, 2), integer labels of shape (n,)
    in ``range(n_classes)``, classes as balanced as n allows.
    """
    if n_classes not in (2, 3):
        raise ValueError(f"n_classes must be 2 or 3, got {n_classes}")
    if n < n_classes:
        raise ValueError(f"n must be >= n_classes={n_classes}, got {n}")
    rng = np.random.default_rng(seed)
    labels = np.arange(n) % n_classes
    angles = 2 * np.pi * np.arange(n_classes) / n_classes
    centres = 2.0 * np.stack([np.cos(angles), np.sin(angles)], axis=-1)
    X = centres[labels] + spread * rng.standard_normal((n, 2))
    return X, labels
