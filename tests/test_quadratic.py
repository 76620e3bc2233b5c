"""lossopt.quadratic against simulated runs of the reference momentum and GD steps."""

import numpy as np
import pytest

from lossopt.quadratic import (gd_rate, momentum_is_stable, momentum_matrix, momentum_rate,
                               optimal_gd, optimal_momentum)
from solutions.optimizers import OPTIMIZERS

RAVINE_CURVATURES = (1.0, 20.0)


def simulate(name, curvature, n_steps, **hyper):
    """Size of (theta, velocity) along J = curvature theta^2 / 2, every step, from theta = 1."""
    init, step = OPTIMIZERS[name]
    theta = np.array([1.0])
    state = init(theta)
    sizes = [1.0]
    for _ in range(n_steps):
        theta, state = step(theta, lambda x: curvature * x, state, **hyper)
        sizes.append(np.hypot(theta[0], getattr(state, "velocity", [0.0])[0]))
    return np.array(sizes)


def observed_rate(sizes, early=200):
    # The size oscillates (complex eigenvalues) within bounds set by the eigenvectors:
    # over 800 steps those bounds hardly matter, the per-step geometric mean is the rate.
    return (sizes[-1] / sizes[early]) ** (1 / (len(sizes) - 1 - early))


def test_the_matrix_is_one_step_of_the_reference_momentum():
    init, step = OPTIMIZERS["momentum"]
    theta, state = np.array([0.7]), init(np.array([0.7]))
    theta, state = step(theta, lambda x: 20.0 * x, state, lr=0.03, gamma=0.6)
    pair = np.array([theta[0], state.velocity[0]])
    theta2, state2 = step(theta, lambda x: 20.0 * x, state, lr=0.03, gamma=0.6)
    expected = momentum_matrix(0.03, 0.6, 20.0) @ pair
    np.testing.assert_allclose([theta2[0], state2.velocity[0]], expected, rtol=1e-12)


@pytest.mark.parametrize("lr, gamma, curvature", [
    (0.09, 0.5, 20.0),   # complex eigenvalues: rate sqrt(gamma)
    (0.09, 0.5, 1.0),    # real eigenvalues
    (0.01, 0.9, 1.0),
    (0.134, 0.4, 20.0),
    (0.02, 0.0, 1.0),    # gamma = 0 is gradient descent
    (0.05, 0.8, 20.0),
])
def test_the_rate_is_what_a_long_reference_run_shows(lr, gamma, curvature):
    sizes = simulate("momentum", curvature, 1000, lr=lr, gamma=gamma)
    assert observed_rate(sizes) == pytest.approx(momentum_rate(lr, gamma, curvature),
                                                 rel=0.01)


def test_underdamped_rate_is_sqrt_gamma_whatever_lr():
    # (1 + gamma - lr lambda)^2 < 4 gamma for all three lr at gamma = 0.9
    for lr in (0.01, 0.05, 0.1):
        assert momentum_rate(lr, 0.9, 20.0) == pytest.approx(np.sqrt(0.9))


def test_the_ravine_rate_is_the_slower_direction():
    both = momentum_rate(0.09, 0.5, RAVINE_CURVATURES)
    assert both == max(momentum_rate(0.09, 0.5, 1.0), momentum_rate(0.09, 0.5, 20.0))
    assert both == pytest.approx(momentum_rate(0.09, 0.5, 1.0))


def test_rates_broadcast_over_a_grid():
    lr, gamma = np.meshgrid(np.linspace(0.01, 0.2, 5), np.linspace(0, 0.9, 4))
    grid = momentum_rate(lr, gamma, RAVINE_CURVATURES)
    assert grid.shape == (4, 5)
    assert grid[1, 2] == momentum_rate(lr[1, 2], gamma[1, 2], RAVINE_CURVATURES)


def test_stability_edge_is_two_times_one_plus_gamma():
    gamma = 0.5
    edge = 2 * (1 + gamma) / 20.0
    assert momentum_is_stable(0.99 * edge, gamma, 20.0)
    assert not momentum_is_stable(1.01 * edge, gamma, 20.0)
    assert momentum_rate(0.99 * edge, gamma, 20.0) < 1 < momentum_rate(1.01 * edge, gamma, 20.0)
    grows = simulate("momentum", 20.0, 300, lr=1.01 * edge, gamma=gamma)
    assert grows[-1] > 1.0
    assert not momentum_is_stable(0.01, 1.0, 20.0)


def test_gd_rate_matches_the_reference_gd_and_its_limit():
    sizes = simulate("gd", 20.0, 50, lr=0.09)
    assert sizes[-1] == pytest.approx(gd_rate(0.09, 20.0) ** 50)
    assert gd_rate(0.09, RAVINE_CURVATURES) == pytest.approx(0.91)
    assert gd_rate(0.11, 20.0) > 1


def test_optimal_momentum_beats_optimal_gd_on_the_ravine():
    lr, gamma, rate = optimal_momentum(1.0, 20.0)
    assert lr == pytest.approx(0.1336, abs=1e-4)
    assert gamma == pytest.approx(0.4026, abs=1e-4)
    assert momentum_rate(lr, gamma, RAVINE_CURVATURES) == pytest.approx(rate)
    gd_lr, gd_best = optimal_gd(1.0, 20.0)
    assert gd_best == pytest.approx(19 / 21)
    assert gd_rate(gd_lr, RAVINE_CURVATURES) == pytest.approx(gd_best)
    assert lr > 2 / 20.0  # beyond gradient descent's stability limit


def test_no_grid_point_beats_the_optimum():
    lr, gamma = np.meshgrid(np.linspace(0.001, 0.2, 300), np.linspace(0, 0.99, 300))
    best = momentum_rate(lr, gamma, RAVINE_CURVATURES).min()
    assert best >= optimal_momentum(1.0, 20.0)[2] - 1e-9
    assert best < optimal_momentum(1.0, 20.0)[2] + 0.01
