"""The reference optimizers of solutions/optimizers.py, all eight driven by one table."""

import inspect
from decimal import Decimal, getcontext

import numpy as np
import pytest

from lossopt.surfaces import SURFACES
from lossopt.trajectory import run
from solutions import optimizers as O

THETA0 = np.array([1.0, -2.0])


def identity_grad(theta):
    """The gradient of J = |theta|^2 / 2 is theta itself."""
    return theta.copy()


# One row per optimizer: hyperparameters, and theta after 1 step from THETA0 on
# J = |theta|^2 / 2 (g = theta), worked out by hand one coordinate at a time (eps = 0 where
# that keeps the arithmetic exact):
# gd        x1 = x - 0.1 x = 0.9 x.
# momentum  v1 = 0.1 x, x1 = 0.9 x.
# nag       v = 0, so the look-ahead is x: as momentum.
# adagrad   G1 = x^2, step lr x / |x| = 0.1 sign(x): 0.9 and -1.9.
# rmsprop   G1 = 0.1 x^2, step 0.1 x / sqrt(0.1 x^2) = 0.1 sign(x) / sqrt(0.1).
# adadelta  (gamma 0.9, eps 0.01) G1 = 0.1 x^2, d1 = sqrt(0.01) / sqrt(0.1 x^2 + 0.01) x.
# adam      m^ = g, v^ = g^2 after one step, so the first step is lr sign(g): 0.9, -1.9.
# nadam     first step lr (0.9 g + 0.1 g / 0.1) / |g| = 0.19 sign(g): 0.81, -1.81.
# Three steps are computed by `by_hand` below, from the same formulas.
TABLE = {
    "gd": ({"lr": 0.1}, [0.9, -1.8]),
    "momentum": ({"lr": 0.1, "gamma": 0.9}, [0.9, -1.8]),
    "nag": ({"lr": 0.1, "gamma": 0.9}, [0.9, -1.8]),
    "adagrad": ({"lr": 0.1, "eps": 0.0}, [0.9, -1.9]),
    "rmsprop": ({"lr": 0.1, "gamma": 0.9, "eps": 0.0},
                [1 - 0.1 / np.sqrt(0.1), -2 + 0.1 / np.sqrt(0.1)]),
    "adadelta": ({"gamma": 0.9, "eps": 1e-2},
                 [1 - 0.1 / np.sqrt(0.1 + 0.01), -2 + 0.1 * 2 / np.sqrt(0.4 + 0.01)]),
    "adam": ({"lr": 0.1, "beta1": 0.9, "beta2": 0.999, "eps": 0.0}, [0.9, -1.9]),
    "nadam": ({"lr": 0.1, "beta1": 0.9, "beta2": 0.999, "eps": 0.0}, [0.81, -1.81]),
}


def by_hand(name, x, n_steps, **hyper):
    """theta after ``n_steps`` on J = x^2 / 2 (g = x), for one coordinate ``x``.

    The lecture's update rules (DESIGN.md 3.2), one line per formula, in 40-digit
    decimal arithmetic on scalars: independent of the reference's numpy code.
    """
    getcontext().prec = 40
    h = {key: Decimal(repr(float(value))) for key, value in {**DEFAULTS[name], **hyper}.items()}
    x, v, G, s, m, t = Decimal(repr(float(x))), Decimal(0), Decimal(0), Decimal(0), Decimal(0), 0
    for _ in range(n_steps):
        g = x
        if name == "gd":
            x = x - h["lr"] * g
        elif name == "momentum":
            v = h["gamma"] * v + h["lr"] * g
            x = x - v
        elif name == "nag":
            v = h["gamma"] * v + h["lr"] * (x - h["gamma"] * v)   # g at the look-ahead
            x = x - v
        elif name == "adagrad":
            G = G + g**2
            x = x - h["lr"] * g / (G + h["eps"]).sqrt()
        elif name == "rmsprop":
            G = h["gamma"] * G + (1 - h["gamma"]) * g**2
            x = x - h["lr"] * g / (G + h["eps"]).sqrt()
        elif name == "adadelta":
            G = h["gamma"] * G + (1 - h["gamma"]) * g**2
            d = (s + h["eps"]).sqrt() / (G + h["eps"]).sqrt() * g
            x = x - d
            s = h["gamma"] * s + (1 - h["gamma"]) * d**2
        else:   # adam, nadam
            t = t + 1
            m = h["beta1"] * m + (1 - h["beta1"]) * g
            v = h["beta2"] * v + (1 - h["beta2"]) * g**2
            m_hat = m / (1 - h["beta1"]**t)
            v_hat = v / (1 - h["beta2"]**t)
            if name == "adam":
                x = x - h["lr"] * m_hat / (v_hat + h["eps"]).sqrt()
            else:
                nesterov = h["beta1"] * m_hat + (1 - h["beta1"]) * g / (1 - h["beta1"]**t)
                x = x - h["lr"] * nesterov / (v_hat + h["eps"]).sqrt()
    return float(x)


DEFAULTS = {
    "gd": {"lr": 0.01},
    "momentum": {"lr": 0.01, "gamma": 0.9},
    "nag": {"lr": 0.01, "gamma": 0.9},
    "adagrad": {"lr": 0.01, "eps": 1e-8},
    "rmsprop": {"lr": 0.001, "gamma": 0.9, "eps": 1e-8},
    "adadelta": {"gamma": 0.95, "eps": 1e-6},
    "adam": {"lr": 0.001, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8},
    "nadam": {"lr": 0.002, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8},
}

STATE_FIELDS = {
    "gd": (O.GDState, ()),
    "momentum": (O.MomentumState, ("velocity",)),
    "nag": (O.NAGState, ("velocity",)),
    "adagrad": (O.AdagradState, ("G",)),
    "rmsprop": (O.RMSPropState, ("G",)),
    "adadelta": (O.AdaDeltaState, ("G", "s")),
    "adam": (O.AdamState, ("m", "v", "t")),
    "nadam": (O.NadamState, ("m", "v", "t")),
}

NAMES = list(TABLE)


def steps(name, theta, n, grad_fn=identity_grad, **hyper):
    init, step = O.OPTIMIZERS[name]
    state = init(theta)
    for _ in range(n):
        theta, state = step(theta, grad_fn, state, **hyper)
    return theta, state


def test_registry_names_all_eight_in_order():
    assert list(O.OPTIMIZERS) == NAMES
    for name, (init, step) in O.OPTIMIZERS.items():
        assert init is getattr(O, f"{name}_init") and step is getattr(O, f"{name}_step")


@pytest.mark.parametrize("name", NAMES)
def test_one_step_hand_worked(name):
    hyper, one = TABLE[name]
    theta, _ = steps(name, THETA0, 1, **hyper)
    np.testing.assert_allclose(theta, one, rtol=1e-12)
    np.testing.assert_allclose([by_hand(name, x, 1, **hyper) for x in THETA0], one, rtol=1e-12)


@pytest.mark.parametrize("name", NAMES)
def test_three_steps_match_the_formulas_step_by_step(name):
    hyper, _ = TABLE[name]
    theta, _ = steps(name, THETA0, 3, **hyper)
    np.testing.assert_allclose(theta, [by_hand(name, x, 3, **hyper) for x in THETA0],
                               rtol=1e-12)


@pytest.mark.parametrize("name", NAMES)
def test_signature_and_defaults(name):
    init, step = O.OPTIMIZERS[name]
    params = inspect.signature(step).parameters
    assert list(params)[:3] == ["theta", "grad_fn", "state"]
    keyword_only = {p.name: p.default for p in params.values() if p.kind is p.KEYWORD_ONLY}
    assert keyword_only == DEFAULTS[name]
    assert list(inspect.signature(init).parameters) == ["theta"]


@pytest.mark.parametrize("name", NAMES)
def test_init_state_fields_are_zeros_shaped_like_theta(name):
    theta = np.arange(6.0).reshape(2, 3)
    cls, fields = STATE_FIELDS[name]
    state = O.OPTIMIZERS[name][0](theta)
    assert type(state) is cls and cls._fields == fields
    for field in fields:
        value = getattr(state, field)
        if field == "t":
            assert value == 0
        else:
            assert value.shape == theta.shape and not value.any()


@pytest.mark.parametrize("name", NAMES)
def test_step_never_mutates_its_inputs(name):
    theta = np.array([[0.5, -1.0], [2.0, 0.25]])
    init, step = O.OPTIMIZERS[name]
    _, state = step(theta, identity_grad, init(theta))  # a state with non-zero fields
    theta_before = theta.copy()
    state_before = [np.copy(f) for f in state]
    new_theta, new_state = step(theta, identity_grad, state)
    np.testing.assert_array_equal(theta, theta_before)
    for before, after in zip(state_before, state):
        np.testing.assert_array_equal(before, after)
    assert new_theta is not theta
    assert all(new is not old for new, old in zip(new_state, state) if isinstance(old, np.ndarray))


# Hyperparameters under which each optimizer converges on the bowl within 500 steps.
CONVERGING = {
    "gd": {"lr": 0.1}, "momentum": {"lr": 0.05}, "nag": {"lr": 0.05},
    "adagrad": {"lr": 0.5}, "rmsprop": {"lr": 0.01}, "adadelta": {"eps": 1e-4},
    "adam": {"lr": 0.05}, "nadam": {"lr": 0.05},
}


@pytest.mark.parametrize("name", NAMES)
def test_converges_on_the_bowl(name):
    bowl = SURFACES["bowl"]
    init, step = O.OPTIMIZERS[name]
    path = run(init, step, bowl.start, bowl.grad, 500, bowl.value, **CONVERGING[name])
    assert not path.diverged
    assert np.linalg.norm(path.thetas[-1]) < 0.05 * np.linalg.norm(bowl.start)
    assert path.values[-1] < 1e-3 * path.values[0]


def test_nag_evaluates_the_gradient_at_the_look_ahead_point():
    seen = []

    def recording_grad(x):
        seen.append(x.copy())
        return identity_grad(x)

    theta = np.array([1.0, -2.0])
    velocity = np.array([0.3, 0.1])
    new_theta, state = O.nag_step(theta, recording_grad, O.NAGState(velocity), lr=0.1, gamma=0.9)
    assert len(seen) == 1
    np.testing.assert_allclose(seen[0], theta - 0.9 * velocity)
    # and the update uses that gradient: v' = 0.9 v + 0.1 g(theta - 0.9 v)
    np.testing.assert_allclose(state.velocity, 0.9 * velocity + 0.1 * (theta - 0.9 * velocity))


def test_adadelta_has_no_learning_rate():
    params = inspect.signature(O.adadelta_step).parameters
    assert "lr" not in params
    with pytest.raises(TypeError):
        O.adadelta_step(THETA0, identity_grad, O.adadelta_init(THETA0), lr=0.1)


def test_adam_bias_correction_makes_the_first_step_lr_in_size():
    # without correction the first step would be lr * 0.1 g / sqrt(0.001 g^2) ~ 3.16 lr
    theta, state = steps("adam", np.array([5.0, -0.01]), 1, lr=0.01, eps=0.0)
    np.testing.assert_allclose(theta, [4.99, 0.0], atol=1e-15)
    assert state.t == 1


def test_eps_sits_inside_the_square_root():
    # g = 1e-4: inside, 1e-4 / sqrt(1e-8 + 1e-8); outside, 1e-4 / (1e-4 + 1e-8)
    small = np.array([1e-4])
    theta, _ = O.adagrad_step(np.zeros(1), lambda x: small, O.adagrad_init(small), lr=1.0)
    np.testing.assert_allclose(theta, [-1e-4 / np.sqrt(2e-8)], rtol=1e-12)


# Values each hyperparameter must refuse: lr <= 0 (or NaN), gamma and betas outside [0, 1),
# eps < 0.
BAD_VALUES = {
    "lr": [0.0, -0.1, np.nan],
    "gamma": [1.0, -0.1],
    "beta1": [1.0, -0.5],
    "beta2": [1.0, 1.5],
    "eps": [-1e-8],
}


@pytest.mark.parametrize("name", NAMES)
def test_every_hyperparameter_rejects_its_bad_values(name):
    """Every keyword of every step (read from its signature) refuses each of its bad values."""
    init, step = O.OPTIMIZERS[name]
    keywords = [p.name for p in inspect.signature(step).parameters.values()
                if p.kind is p.KEYWORD_ONLY]
    assert keywords, f"{name}_step takes no hyperparameter"
    for key in keywords:
        for value in BAD_VALUES[key]:
            with pytest.raises(ValueError, match=key):
                step(THETA0, identity_grad, init(THETA0), **{key: value})


@pytest.mark.parametrize("name", NAMES)
def test_gradient_of_the_wrong_shape_raises(name):
    init, step = O.OPTIMIZERS[name]
    with pytest.raises(ValueError, match=r"shape \(3,\).*\(2,\)"):
        step(THETA0, lambda x: np.zeros(3), init(THETA0))


@pytest.mark.parametrize("name", NAMES)
def test_works_on_any_shape(name):
    theta = np.ones((2, 2, 3))
    new_theta, state = steps(name, theta, 2, **CONVERGING[name])
    assert new_theta.shape == theta.shape
    assert (new_theta < 1.0).all()  # every coordinate moved downhill


def test_sgd_is_gd_with_a_minibatch_gradient():
    rng = np.random.default_rng(0)
    x = rng.normal(size=20)
    y = 3.0 * x
    batch = np.array([1, 4, 7])
    minibatch_grad = lambda w: np.array([np.mean(2 * (w[0] * x[batch] - y[batch]) * x[batch])])
    theta, _ = O.gd_step(np.array([0.0]), minibatch_grad, O.gd_init(None), lr=0.1)
    np.testing.assert_allclose(theta, [0.1 * np.mean(2 * y[batch] * x[batch])])
