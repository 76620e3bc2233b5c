"""The reference of problem sets 1 and 3 (solutions/residuals.py, solutions/training.py)."""

import numpy as np
import pytest

from solutions import residuals, training
from solutions.optimizers import gd_init, gd_step


def test_residuals_are_prediction_minus_truth():
    # the line 2 x + 1 at x = [0, 1, 2] predicts [1, 3, 5]
    assert np.array_equal(residuals.residuals([0.0, 1.0, 2.0], [1.0, 3.0, 5.0], 2.0, 1.0), [0, 0, 0])
    assert np.array_equal(residuals.residuals([0.0, 1.0, 2.0], [0.0, 0.0, 9.0], 2.0, 1.0),
                          [1.0, 3.0, -4.0])
    with pytest.raises(ValueError, match="same shape"):
        residuals.residuals([0.0, 1.0], [1.0], 1.0, 0.0)


def test_the_three_errors_reduce_the_last_axis_only():
    r = np.array([[1.0, -3.0, 2.0, -2.0], [0.0, 0.0, 0.0, 0.0]])
    assert np.allclose(residuals.signed_error(r), [-0.5, 0.0])
    assert np.allclose(residuals.absolute_error(r), [2.0, 0.0])
    assert np.allclose(residuals.squared_error(r), [4.5, 0.0])


def test_grid_loss_matches_a_double_loop():
    rng = np.random.default_rng(3)
    x, y = rng.normal(size=9), rng.normal(size=9)
    slopes, intercepts = np.linspace(-1, 2, 4), np.linspace(0, 1, 3)
    L = residuals.grid_loss(x, y, slopes, intercepts, residuals.squared_error)
    looped = [[residuals.squared_error(residuals.residuals(x, y, a, b)) for b in intercepts]
              for a in slopes]
    assert L.shape == (4, 3)
    assert np.allclose(L, looped)
    with pytest.raises(ValueError, match="1-D"):
        residuals.grid_loss(x[:, None], y[:, None], slopes, intercepts, residuals.squared_error)


def test_minibatches_cover_the_data_once_in_the_seeded_order():
    x = np.arange(7.0)
    batches = list(training.minibatches(x, 10 * x, 3, seed=4))
    order = np.random.default_rng(4).permutation(7)
    assert [len(b[0]) for b in batches] == [3, 3, 1]
    assert np.array_equal(np.concatenate([b[0] for b in batches]), order)
    assert all(np.array_equal(yb, 10 * xb) for xb, yb in batches)
    with pytest.raises(ValueError, match="batch_size"):
        list(training.minibatches(x, x, 0))
    with pytest.raises(ValueError, match="same length"):
        list(training.minibatches(x, x[:3], 2))


def test_sgd_with_one_full_batch_is_gradient_descent():
    x = np.linspace(-1, 1, 6)
    y = 3 * x - 1
    thetas = training.sgd_linear_regression(x, y, [0.0, 0.0], lr=0.2, n_epochs=4, batch_size=6)
    theta = np.zeros(2)
    for _ in range(4):
        theta, _ = gd_step(theta, lambda th: training.line_mse_grad(th, x, y), gd_init(theta),
                           lr=0.2)
    assert thetas.shape == (5, 2)
    assert np.allclose(thetas[-1], theta)


def test_sgd_converges_on_noiseless_data():
    x = np.linspace(-2, 2, 40)
    thetas = training.sgd_linear_regression(x, 2 * x + 1, [0.0, 0.0], lr=0.05,
                                            n_epochs=60, batch_size=4)
    assert np.allclose(thetas[-1], [2.0, 1.0], atol=1e-6)


def test_largest_stable_lr_is_two_over_the_top_eigenvalue():
    assert training.largest_stable_lr([[1.0, 0.0], [0.0, 20.0]]) == pytest.approx(0.1)
    assert training.largest_stable_lr([[2.0, 1.0], [1.0, 2.0]]) == pytest.approx(2 / 3)
    with pytest.raises(ValueError, match="symmetric"):
        training.largest_stable_lr([[1.0, 2.0], [0.0, 1.0]])
    with pytest.raises(ValueError, match="square"):
        training.largest_stable_lr([1.0, 2.0])
    with pytest.raises(ValueError, match="> 0"):
        training.largest_stable_lr([[-1.0]])
