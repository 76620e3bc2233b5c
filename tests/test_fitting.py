"""lossopt.fitting: the chain rule through a line, gradient-descent fits, loss grids."""

import numpy as np
import pytest

from lossopt.data import make_regression
from lossopt.fitting import fit_line, line_grad, loss_landscape


def squared_grad(y_true, y_pred):
    """Gradient of mean((y_pred - y_true)**2) w.r.t. y_pred."""
    return 2.0 * (y_pred - y_true) / y_pred.size


def absolute_grad(y_true, y_pred):
    """Gradient of mean(abs(y_pred - y_true)) w.r.t. y_pred (0 where equal)."""
    return np.sign(y_pred - y_true) / y_pred.size


def squared(y_true, y_pred):
    return float(np.mean((y_pred - y_true) ** 2))


def test_line_grad_is_zero_on_a_perfect_fit():
    x = np.array([0.0, 1.0, 2.0])
    y = 3.0 * x - 1.0
    assert np.allclose(line_grad([3.0, -1.0], x, y, squared_grad), 0.0)


def test_line_grad_matches_central_differences():
    x, y = make_regression(n=12, seed=3)
    theta = np.array([0.7, -2.0])
    h = 1e-6
    numeric = np.zeros(2)
    for k in range(2):
        step = np.zeros(2)
        step[k] = h
        plus = squared(y, (theta + step)[0] * x + (theta + step)[1])
        minus = squared(y, (theta - step)[0] * x + (theta - step)[1])
        numeric[k] = (plus - minus) / (2 * h)
    assert np.allclose(line_grad(theta, x, y, squared_grad), numeric, rtol=1e-5)


def test_line_grad_passes_loss_kwargs():
    x = np.array([0.0, 1.0])
    y = np.array([0.0, 0.0])
    seen = {}

    def grad(y_true, y_pred, delta):
        seen["delta"] = delta
        return np.ones_like(y_pred)

    assert np.allclose(line_grad([1.0, 1.0], x, y, grad, delta=2.5), [1.0, 2.0])
    assert seen == {"delta": 2.5}


def test_squared_loss_fit_matches_least_squares():
    x, y = make_regression(n=40, slope=2.0, intercept=1.0, seed=0)
    trajectory = fit_line(x, y, squared_grad, lr=0.02, n_steps=3000)
    assert not trajectory.diverged
    assert np.allclose(trajectory.thetas[-1], np.polyfit(x, y, 1), atol=1e-3)


def test_absolute_loss_resists_an_outlier_that_drags_the_squared_fit():
    x, y = make_regression(n=30, slope=2.0, intercept=1.0, noise=0.5,
                           n_outliers=1, outlier_size=80.0, seed=1)
    l1 = fit_line(x, y, absolute_grad, lr=0.02, n_steps=2000).thetas[-1]
    l2 = fit_line(x, y, squared_grad, lr=0.02, n_steps=2000).thetas[-1]
    assert abs(l1[0] - 2.0) < 0.2
    assert abs(l2[0] - 2.0) > 0.5


def test_fit_line_reports_divergence_at_a_too_large_lr():
    x, y = make_regression(n=20, seed=0)
    trajectory = fit_line(x, y, squared_grad, lr=1.0, n_steps=200)
    assert trajectory.diverged
    assert np.all(np.isfinite(trajectory.thetas))


def test_fit_line_starts_at_theta0_and_keeps_every_step():
    x, y = make_regression(n=10, seed=0)
    trajectory = fit_line(x, y, squared_grad, n_steps=7, theta0=(1.0, 2.0))
    assert trajectory.thetas.shape == (8, 2)
    assert np.allclose(trajectory.thetas[0], [1.0, 2.0])


def test_loss_landscape_layout_matches_meshgrid():
    x = np.array([0.0, 1.0, 2.0])
    y = 2.0 * x + 1.0
    slopes = np.array([1.0, 2.0, 3.0])
    intercepts = np.array([0.0, 1.0])
    Z = loss_landscape(x, y, squared, slopes, intercepts)
    assert Z.shape == (2, 3)
    assert Z[1, 1] == 0.0
    # slope 3, intercept 0: residuals x - 1 = (-1, 0, 1), mean square 2/3
    assert np.isclose(Z[0, 2], 2.0 / 3.0)


@pytest.mark.parametrize("call, words", [
    (lambda: line_grad([1.0, 0.0], [1.0, 2.0], [1.0], squared_grad), "same shape"),
    (lambda: line_grad([1.0, 0.0, 3.0], [1.0], [1.0], squared_grad), "shape (2,)"),
    (lambda: line_grad([1.0, 0.0], [], [], squared_grad), "empty"),
    (lambda: line_grad([1.0, 0.0], [1.0, 2.0], [1.0, 2.0],
                       lambda y_true, y_pred: np.zeros(3)), "shaped like y_pred"),
    (lambda: fit_line([1.0], [1.0], squared_grad, lr=0.0), "lr must be > 0"),
    (lambda: fit_line([1.0], [1.0], squared_grad, n_steps=-1), "n_steps"),
    (lambda: loss_landscape([1.0], [1.0], squared, [[1.0]], [1.0]), "1-D"),
])
def test_bad_input_is_a_clear_value_error(call, words):
    with pytest.raises(ValueError, match=words.replace("(", r"\(").replace(")", r"\)")):
        call()
