"""lossopt.schedules: learning-rate schedules and the wrapper that feeds them to a step."""

import numpy as np
import pytest

from lossopt import schedules
from lossopt.trajectory import run
from solutions.optimizers import gd_init, gd_step, momentum_init, momentum_step


# Expected values worked out by hand from each formula in the module docstring.
CASES = [
    (schedules.constant, {"lr": 0.1}, [0, 7, 100], [0.1, 0.1, 0.1]),
    # 0.1 * 0.5 ** floor(t / 10)
    (schedules.step_decay, {"lr": 0.1, "drop": 0.5, "every": 10},
     [0, 9, 10, 19, 20, 35], [0.1, 0.1, 0.05, 0.05, 0.025, 0.0125]),
    # 0.1 / (1 + 0.5 t)
    (schedules.inverse_time, {"lr": 0.1, "decay": 0.5},
     [0, 1, 2, 8], [0.1, 0.1 / 1.5, 0.05, 0.02]),
    # 0.01 + 0.09 (1 + cos(pi t / 4)) / 2; stays at lr_min after n_steps
    (schedules.cosine, {"lr": 0.1, "n_steps": 4, "lr_min": 0.01},
     [0, 1, 2, 4, 9], [0.1, 0.01 + 0.045 * (1 + np.sqrt(0.5)), 0.055, 0.01, 0.01]),
    # 0.1 * min(1, (t + 1) / 4)
    (schedules.linear_warmup, {"lr": 0.1, "warmup_steps": 4},
     [0, 1, 3, 4, 50], [0.025, 0.05, 0.1, 0.1, 0.1]),
]


@pytest.mark.parametrize("schedule, settings, steps, expected", CASES,
                         ids=[case[0].__name__ for case in CASES])
def test_schedule_values_worked_by_hand(schedule, settings, steps, expected):
    for t, eta in zip(steps, expected):
        value = schedule(t, **settings)
        assert isinstance(value, float)
        assert value == pytest.approx(eta, rel=1e-12)


@pytest.mark.parametrize("schedule, settings, steps, expected", CASES,
                         ids=[case[0].__name__ for case in CASES])
def test_schedule_is_vectorised_over_steps(schedule, settings, steps, expected):
    values = schedule(np.array(steps), **settings)
    assert isinstance(values, np.ndarray) and values.shape == (len(steps),)
    np.testing.assert_allclose(values, expected, rtol=1e-12)


def test_decaying_schedules_never_increase_and_warmup_never_decreases():
    t = np.arange(300)
    for values in (schedules.step_decay(t, 0.1, 0.5, 7),
                   schedules.inverse_time(t, 0.1, 0.01),
                   schedules.cosine(t, 0.1, 250)):
        assert np.all(np.diff(values) <= 0) and values[-1] < values[0]
    ramp = schedules.linear_warmup(t, 0.1, 30)
    assert np.all(np.diff(ramp) >= 0) and ramp[0] > 0 and ramp[-1] == 0.1


@pytest.mark.parametrize("call", [
    lambda: schedules.constant(0, lr=0.0),
    lambda: schedules.step_decay(0, 0.1, drop=1.5),
    lambda: schedules.step_decay(0, 0.1, every=0),
    lambda: schedules.step_decay(0, 0.1, every=2.5),
    lambda: schedules.inverse_time(0, 0.1, decay=-1),
    lambda: schedules.cosine(0, 0.1, n_steps=0),
    lambda: schedules.cosine(0, 0.1, n_steps=10, lr_min=0.2),
    lambda: schedules.linear_warmup(0, 0.1, warmup_steps=0),
    lambda: schedules.constant(-1, 0.1),
    lambda: schedules.constant(1.5, 0.1),
])
def test_bad_settings_are_value_errors(call):
    with pytest.raises(ValueError):
        call()


def test_with_schedule_matches_a_hand_written_loop():
    """Gradient descent on 8 theta^2 with a step decay, step by step."""
    def grad_fn(theta):
        return 16.0 * theta

    def schedule(t):
        return schedules.step_decay(t, 0.05, drop=0.5, every=3)

    init, step = schedules.with_schedule(gd_init, gd_step, schedule)
    path = run(init, step, np.array([2.0]), grad_fn, 9)
    theta, expected = 2.0, [2.0]
    for t in range(9):
        theta = theta - schedule(t) * 16.0 * theta
        expected.append(theta)
    np.testing.assert_allclose(path.thetas[:, 0], expected, rtol=1e-12)


def test_with_schedule_counts_steps_and_passes_other_hyperparameters():
    init, step = schedules.with_schedule(
        momentum_init, momentum_step, lambda t: 0.1 / (t + 1))
    theta = np.array([1.0, -1.0])
    state = init(theta)
    assert state.t == 0
    theta1, state = step(theta, lambda th: th, state, gamma=0.5)
    theta2, state = step(theta1, lambda th: th, state, gamma=0.5)
    assert state.t == 2
    # v1 = 0.1 g(theta); v2 = 0.5 v1 + 0.05 g(theta1)
    v1 = 0.1 * theta
    v2 = 0.5 * v1 + 0.05 * (theta - v1)
    np.testing.assert_allclose(theta2, theta - v1 - v2, rtol=1e-12)
    np.testing.assert_allclose(state.inner.velocity, v2, rtol=1e-12)


def test_with_schedule_refuses_a_fixed_lr_and_a_non_function():
    init, step = schedules.with_schedule(gd_init, gd_step, lambda t: 0.1)
    with pytest.raises(ValueError, match="schedule"):
        step(np.zeros(1), lambda th: th, init(np.zeros(1)), lr=0.1)
    with pytest.raises(ValueError, match="schedule"):
        schedules.with_schedule(gd_init, gd_step, 0.1)
