"""The reference optimizers of solutions/optimizers.py, all eight driven by one table."""

import inspect

import numpy as np
import pytest

from lossopt.surfaces import SURFACES
from lossopt.trajectory import run
from solutions import optimizers as O

THETA0 = np.array([1.0, -2.0])


def identity_grad(theta):
    """The gradient of J = |theta|^2 / 2 is theta itself."""
    return theta.copy()


# One row per optimizer: hyperparameters, theta after 1 step and after 3 steps from THETA0 on
# J = |theta|^2 / 2 (g = theta).  Worked out by hand in scalar arithmetic, one coordinate at a
# time, independently of the reference (eps = 0 where it keeps the arithmetic exact):
# gd        x1 = x - 0.1 x = 0.9 x; x3 = 0.9^3 x = 0.729 x.
# momentum  v1 = 0.1 x = 0.1, x1 = 0.9; v2 = 0.09 + 0.09 = 0.18, x2 = 0.72;
#           v3 = 0.162 + 0.072 = 0.234, x3 = 0.486 (and -2 times that for x0 = -2).
# nag       v1 = 0.1, x1 = 0.9; look-ahead 0.9 - 0.09 = 0.81, v2 = 0.09 + 0.081 = 0.171,
#           x2 = 0.729; look-ahead 0.729 - 0.1539 = 0.5751, v3 = 0.1539 + 0.05751, x3 = 0.51759.
# adagrad   G1 = x^2, step lr sign(x): 0.9 and -1.9; then G2 = 1 + 0.81 = 1.81,
#           x2 = 0.9 - 0.09 / sqrt(1.81) = 0.83310..., G3 = 1.81 + 0.69406..., x3 = 0.78046...
# rmsprop   G1 = 0.1 x^2, step 0.1 x / sqrt(0.1 x^2) = 0.31623 sign(x): 0.68377, -1.68377.
# adadelta  (gamma 0.9, eps 0.01) G1 = 0.1, d1 = sqrt(0.01) / sqrt(0.11) = 0.30151: 0.69849.
# adam      m^ = g, v^ = g^2 after one step, so the first step is lr sign(g): 0.9, -1.9.
# nadam     first step lr (0.9 g + 0.1 g / 0.1) / |g| = 0.19 sign(g): 0.81, -1.81.
# The three-step values carry the same arithmetic two steps further (16 digits kept).
TABLE = {
    "gd": ({"lr": 0.1}, [0.9, -1.8], [0.729, -1.458]),
    "momentum": ({"lr": 0.1, "gamma": 0.9}, [0.9, -1.8], [0.486, -0.972]),
    "nag": ({"lr": 0.1, "gamma": 0.9}, [0.9, -1.8], [0.51759, -1.03518]),
    "adagrad": ({"lr": 0.1, "eps": 0.0}, [0.9, -1.9],
                [0.7804561813481035, -1.7758215150085808]),
    "rmsprop": ({"lr": 0.1, "gamma": 0.9, "eps": 0.0}, [0.683772233983162, -1.683772233983162],
                [0.36918055315532505, -1.308717866949925]),
    "adadelta": ({"gamma": 0.9, "eps": 1e-2}, [0.6984886554222364, -1.6876524762227878],
                 [0.2702760452434144, -1.1340732516492884]),
    "adam": ({"lr": 0.1, "beta1": 0.9, "beta2": 0.999, "eps": 0.0}, [0.9, -1.9],
             [0.7015862713876456, -1.7006233912808164]),
    "nadam": ({"lr": 0.1, "beta1": 0.9, "beta2": 0.999, "eps": 0.0}, [0.81, -1.81],
              [0.5568291419959323, -1.5475538457072946]),
}

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
    hyper, one, _ = TABLE[name]
    theta, _ = steps(name, THETA0, 1, **hyper)
    np.testing.assert_allclose(theta, one, rtol=1e-12)


@pytest.mark.parametrize("name", NAMES)
def test_three_steps_hand_worked(name):
    hyper, _, three = TABLE[name]
    theta, _ = steps(name, THETA0, 3, **hyper)
    np.testing.assert_allclose(theta, three, rtol=1e-12)


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


BAD_HYPER = [
    ("lr", 0.0, "lr"), ("lr", -0.1, "lr"), ("lr", np.nan, "lr"),
    ("gamma", 1.0, "gamma"), ("gamma", -0.1, "gamma"),
    ("beta1", 1.0, "beta1"), ("beta2", 1.5, "beta2"), ("beta1", -0.5, "beta1"),
    ("eps", -1e-8, "eps"),
]


@pytest.mark.parametrize("name, key, value, message", [
    (name, *bad) for name in NAMES for bad in BAD_HYPER if bad[0] in DEFAULTS[name]])
def test_bad_hyperparameters_raise(name, key, value, message):
    init, step = O.OPTIMIZERS[name]
    with pytest.raises(ValueError, match=message):
        step(THETA0, identity_grad, init(THETA0), **{key: value})


def test_every_optimizer_rejects_some_bad_hyperparameter():
    rejected = {name for name in NAMES for key, _, _ in BAD_HYPER if key in DEFAULTS[name]}
    assert rejected == set(NAMES)


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
