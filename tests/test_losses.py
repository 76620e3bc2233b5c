"""The reference losses of solutions/losses.py against hand-worked values and their own maths."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from solutions import losses as L

REGRESSION = [L.mae, L.mse, L.huber, L.log_cosh, L.quantile]
REGRESSION_GRADS = {
    L.mae: L.mae_grad,
    L.mse: L.mse_grad,
    L.huber: L.huber_grad,
    L.log_cosh: L.log_cosh_grad,
    L.quantile: L.quantile_grad,
}


def central_difference(f, x, h=1e-6):
    """d f / d x by central differences, one element at a time."""
    x = np.array(x, dtype=float)
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        step = np.zeros_like(x)
        step[i] = h
        grad[i] = (f(x + step) - f(x - step)) / (2 * h)
    return grad


# ------------------------------------------------------------ regression


@pytest.mark.parametrize("loss", REGRESSION)
def test_regression_loss_is_zero_when_prediction_equals_truth(loss):
    y = np.array([[1.5, -2.0, 0.0], [3.0, 1e6, -7.25]])
    assert loss(y, y.copy()) == 0.0


@pytest.mark.parametrize("loss", REGRESSION)
def test_regression_loss_returns_python_float(loss):
    assert type(loss([1.0, 2.0], [0.0, 2.5])) is float


# y_true = [1, 2, 3], y_pred = [2, 2, 5]: residuals r = [1, 0, 2].
HAND_WORKED = [
    (L.mae, {}, 1.0),  # (|1| + |0| + |2|) / 3 = 1
    (L.mse, {}, 5.0 / 3.0),  # (1 + 0 + 4) / 3
    # delta = 1: r=1 -> 1/2, r=0 -> 0, r=2 -> 1 * (2 - 1/2) = 1.5; mean = 2 / 3
    (L.huber, {}, 2.0 / 3.0),
    # delta = 3: every |r| <= 3 -> r^2/2: (0.5 + 0 + 2) / 3
    (L.huber, {"delta": 3.0}, 2.5 / 3.0),
    # log cosh 1 = 0.4337808304830271, log cosh 2 = 1.3250027473578645 (tables)
    (L.log_cosh, {}, (0.4337808304830271 + 1.3250027473578645) / 3),
    # over-prediction everywhere: (1 - tau) * r; tau = 0.25 -> 0.75 * 3 / 3
    (L.quantile, {"tau": 0.25}, 0.75),
    (L.quantile, {}, 0.5),  # tau = 0.5 is half the MAE
]


@pytest.mark.parametrize("loss, kwargs, expected", HAND_WORKED)
def test_regression_loss_hand_worked(loss, kwargs, expected):
    assert loss([1.0, 2.0, 3.0], [2.0, 2.0, 5.0], **kwargs) == pytest.approx(expected, rel=1e-12)


def test_quantile_under_prediction_costs_tau():
    # y_true = 4, y_pred = 1: e = y_true - y_pred = 3, max(0.9 * 3, -0.1 * 3) = 2.7
    assert L.quantile([4.0], [1.0], tau=0.9) == pytest.approx(2.7)


def test_lecture_example_500_against_350():
    # the lecture: true 500, predicted 350, a gap of 150
    assert L.mae([500.0], [350.0]) == 150.0
    assert L.mse([500.0], [350.0]) == 22500.0


# r = [1, 0, 2] again, n = 3
HAND_WORKED_GRADS = [
    (L.mae_grad, {}, [1 / 3, 0.0, 1 / 3]),  # sign(r) / n, 0 at r = 0
    (L.mse_grad, {}, [2 / 3, 0.0, 4 / 3]),  # 2 r / n
    (L.huber_grad, {}, [1 / 3, 0.0, 1 / 3]),  # clip(r, -1, 1) / n
    (L.log_cosh_grad, {}, [np.tanh(1) / 3, 0.0, np.tanh(2) / 3]),
    (L.quantile_grad, {"tau": 0.25}, [0.25, 0.0, 0.25]),  # (1 - tau) / n where r > 0
]


@pytest.mark.parametrize("grad, kwargs, expected", HAND_WORKED_GRADS)
def test_regression_grad_hand_worked(grad, kwargs, expected):
    got = grad([1.0, 2.0, 3.0], [2.0, 2.0, 5.0], **kwargs)
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=0)


def test_quantile_grad_under_prediction_is_minus_tau():
    np.testing.assert_allclose(L.quantile_grad([4.0, 0.0], [1.0, -3.0], tau=0.9), [-0.45, -0.45])


@pytest.mark.parametrize("loss", REGRESSION + list(REGRESSION_GRADS.values()))
def test_shape_mismatch_names_both_shapes(loss):
    with pytest.raises(ValueError, match=r"\(3,\).*\(2, 3\)"):
        loss(np.zeros(3), np.zeros((2, 3)))


@pytest.mark.parametrize("loss", [L.huber, L.huber_grad])
def test_huber_rejects_nonpositive_delta(loss):
    with pytest.raises(ValueError, match="delta"):
        loss([1.0], [2.0], delta=0.0)


@pytest.mark.parametrize("loss", [L.quantile, L.quantile_grad])
def test_quantile_rejects_tau_outside_unit_interval(loss):
    with pytest.raises(ValueError, match="tau"):
        loss([1.0], [2.0], tau=1.5)


def test_log_cosh_is_finite_at_a_residual_of_a_million():
    value = L.log_cosh([0.0], [1e6])
    # log cosh r = |r| - log 2 for large |r|
    assert np.isfinite(value) and value == pytest.approx(1e6 - np.log(2), rel=1e-15)
    assert np.isfinite(L.log_cosh_grad([0.0], [-1e6])).all()


finite = st.floats(-1e3, 1e3, allow_nan=False)


@settings(max_examples=60, deadline=None)
@given(arrays(float, st.integers(1, 6), elements=finite), st.data())
def test_regression_losses_are_nonnegative(y_true, data):
    y_pred = data.draw(arrays(float, y_true.shape, elements=finite))
    for loss in REGRESSION:
        assert loss(y_true, y_pred) >= 0


def away_from_kinks(r, min_gap=1e-2):
    """Move residuals at least min_gap from 0 and from +-1 (Huber's delta), where losses kink."""
    return r + np.where(np.abs(np.abs(r) - 1.0) < min_gap, 3 * min_gap, 0.0) \
        + np.where(np.abs(r) < min_gap, 3 * min_gap, 0.0)


@pytest.mark.parametrize("loss", REGRESSION)
def test_regression_grad_matches_central_differences(loss):
    rng = np.random.default_rng(0)
    for shape in [(5,), (2, 3)]:
        y_true = rng.normal(size=shape)
        y_pred = y_true + away_from_kinks(rng.normal(scale=2.0, size=shape))
        numeric = central_difference(lambda p: loss(y_true, p), y_pred)
        np.testing.assert_allclose(REGRESSION_GRADS[loss](y_true, y_pred), numeric,
                                   rtol=1e-6, atol=1e-9)


# ------------------------------------------------------------ probability

def test_lecture_one_hot_examples():
    label = [0.0, 1.0]
    assert L.cross_entropy(label, [0.0, 1.0]) == 0.0  # the right class: cost 0
    assert L.cross_entropy(label, [1.0, 0.0]) == np.inf  # the wrong class: cost infinity


def test_cross_entropy_hand_worked():
    # p = [1/2, 1/2], q = [1/4, 3/4]: -(1/2 log 1/4 + 1/2 log 3/4)
    expected = -0.5 * np.log(0.25) - 0.5 * np.log(0.75)
    assert L.cross_entropy([0.5, 0.5], [0.25, 0.75]) == pytest.approx(expected, rel=1e-15)


def test_entropy_hand_worked():
    assert L.entropy([0.5, 0.5]) == pytest.approx(np.log(2))  # a fair coin: log 2 nats
    assert L.entropy([1.0, 0.0, 0.0]) == 0.0  # certainty, with 0 log 0 = 0
    # rows averaged: (log 2 + 0) / 2
    assert L.entropy([[0.5, 0.5], [0.0, 1.0]]) == pytest.approx(np.log(2) / 2)


def test_kl_hand_worked():
    # p = [1/2, 1/2], q = [1/4, 3/4]: 1/2 log 2 + 1/2 log(2/3)
    expected = 0.5 * np.log(2.0) + 0.5 * np.log(2.0 / 3.0)
    assert L.kl_divergence([0.5, 0.5], [0.25, 0.75]) == pytest.approx(expected, rel=1e-14)
    assert L.kl_divergence([0.0, 1.0], [0.5, 0.5]) == pytest.approx(np.log(2))
    assert L.kl_divergence([0.5, 0.5], [1.0, 0.0]) == np.inf


def test_probability_losses_average_over_leading_axes():
    p = np.array([[[1.0, 0.0], [0.5, 0.5]], [[0.0, 1.0], [0.5, 0.5]]])
    q = np.full_like(p, 0.5)
    # per row: log 2, log 2, log 2, log 2 -> mean log 2
    assert L.cross_entropy(p, q) == pytest.approx(np.log(2))


@pytest.mark.parametrize("bad, message", [
    ([0.5, 0.6], "sum to 1"),
    ([1.5, -0.5], "negative"),
    ([np.nan, 1.0], "finite"),
])
def test_invalid_distributions_raise(bad, message):
    for call in (lambda: L.entropy(bad), lambda: L.cross_entropy(bad, [0.5, 0.5]),
                 lambda: L.cross_entropy([0.5, 0.5], bad), lambda: L.kl_divergence(bad, [0.5, 0.5])):
        with pytest.raises(ValueError, match=message):
            call()


def test_distribution_shape_mismatch_raises():
    with pytest.raises(ValueError, match=r"\(2,\).*\(3,\)"):
        L.cross_entropy([0.5, 0.5], [0.2, 0.3, 0.5])


def test_sum_tolerance_is_one_in_a_million():
    L.entropy([0.5, 0.5 + 9e-7])
    with pytest.raises(ValueError):
        L.entropy([0.5, 0.5 + 2e-6])


def distributions(n):
    """Hypothesis strategy: a probability vector of length n, zeros allowed."""
    return arrays(float, n, elements=st.floats(0, 1)).filter(lambda w: w.sum() > 1e-3).map(
        lambda w: w / w.sum())


@settings(max_examples=80, deadline=None)
@given(st.integers(2, 6).flatmap(lambda n: st.tuples(distributions(n), distributions(n))))
def test_cross_entropy_is_entropy_plus_kl(pq):
    p, q = pq
    h, kl, ce = L.entropy(p), L.kl_divergence(p, q), L.cross_entropy(p, q)
    assert h >= 0
    assert kl >= -1e-12  # Gibbs' inequality, up to rounding
    if np.isfinite(ce):
        assert ce == pytest.approx(h + kl, rel=1e-9, abs=1e-12)
    else:
        assert kl == np.inf


@settings(max_examples=50, deadline=None)
@given(st.integers(2, 6).flatmap(distributions))
def test_kl_is_zero_for_equal_distributions(p):
    assert L.kl_divergence(p, p) == 0.0


def test_kl_is_positive_for_different_distributions():
    assert L.kl_divergence([0.3, 0.7], [0.31, 0.69]) > 0


# ------------------------------------------------------------ softmax


def test_softmax_hand_worked():
    # softmax([0, log 3]) = [1/4, 3/4]
    np.testing.assert_allclose(L.softmax([0.0, np.log(3.0)]), [0.25, 0.75])
    np.testing.assert_allclose(L.log_softmax([0.0, np.log(3.0)]), np.log([0.25, 0.75]))


@pytest.mark.parametrize("z", [[1e4, -1e4, 0.0], [-1e4, -1e4 + 1.0, -1e4]])
def test_softmax_is_finite_for_huge_logits(z):
    s = L.softmax(z)
    assert np.isfinite(s).all() and s.sum() == pytest.approx(1.0)
    assert np.isfinite(L.log_softmax(z)).all()


def test_softmax_cross_entropy_with_indices_and_probability_rows():
    logits = np.array([[0.0, np.log(3.0)], [np.log(3.0), 0.0]])
    # each row puts 3/4 on the true class: -log(3/4)
    expected = -np.log(0.75)
    assert L.softmax_cross_entropy([1, 0], logits) == pytest.approx(expected)
    assert L.softmax_cross_entropy([[0.0, 1.0], [1.0, 0.0]], logits) == pytest.approx(expected)
    assert L.softmax_cross_entropy(1, logits[0]) == pytest.approx(expected)


def test_softmax_cross_entropy_is_finite_for_logits_of_1e4():
    # the wrong class wins by 2e4: the loss is 2e4, not inf or nan
    assert L.softmax_cross_entropy([1], [[1e4, -1e4]]) == pytest.approx(2e4)
    assert L.softmax_cross_entropy([0], [[1e4, -1e4]]) == 0.0
    assert np.isfinite(L.softmax_cross_entropy_grad([1], [[1e4, -1e4]])).all()


def test_softmax_cross_entropy_grad_hand_worked():
    # (softmax - onehot) / N with softmax rows [1/4, 3/4], labels [1, 0], N = 2
    logits = np.array([[0.0, np.log(3.0)], [0.0, np.log(3.0)]])
    expected = np.array([[0.25, -0.25], [-0.75, 0.75]]) / 2
    np.testing.assert_allclose(L.softmax_cross_entropy_grad([1, 0], logits), expected)


def test_softmax_cross_entropy_grad_matches_central_differences():
    rng = np.random.default_rng(1)
    logits = rng.normal(size=(4, 3))
    labels = np.array([0, 2, 1, 2])
    numeric = central_difference(lambda z: L.softmax_cross_entropy(labels, z), logits)
    np.testing.assert_allclose(L.softmax_cross_entropy_grad(labels, logits), numeric,
                               rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("labels, message", [
    ([3, 0], r"\[0, 3\)"),
    ([0.5, 1.0], "integers"),
    ([0, 1, 2], "shape"),
])
def test_softmax_cross_entropy_rejects_bad_labels(labels, message):
    with pytest.raises(ValueError, match=message):
        L.softmax_cross_entropy(labels, np.zeros((2, 3)))


# ------------------------------------------------------------ binary


def test_binary_cross_entropy_hand_worked():
    # y = [1, 0], p = [0.8, 0.4]: -(log 0.8 + log 0.6) / 2
    expected = -(np.log(0.8) + np.log(0.6)) / 2
    assert L.binary_cross_entropy([1.0, 0.0], [0.8, 0.4]) == pytest.approx(expected)
    assert L.binary_cross_entropy([1.0, 0.0], [1.0, 0.0]) == 0.0
    assert L.binary_cross_entropy([1.0], [0.0]) == np.inf


def test_binary_cross_entropy_grad_hand_worked_and_numeric():
    # (-y / p + (1 - y) / (1 - p)) / n: [-1/0.8, 1/0.6] / 2
    np.testing.assert_allclose(L.binary_cross_entropy_grad([1.0, 0.0], [0.8, 0.4]),
                               [-0.625, 0.8333333333333334])
    y, p = np.array([0.3, 1.0, 0.0]), np.array([0.6, 0.2, 0.9])
    numeric = central_difference(lambda q: L.binary_cross_entropy(y, q), p)
    np.testing.assert_allclose(L.binary_cross_entropy_grad(y, p), numeric, rtol=1e-6)


def test_binary_cross_entropy_rejects_probabilities_outside_unit_interval():
    with pytest.raises(ValueError, match="p_pred"):
        L.binary_cross_entropy([1.0], [1.2])
    with pytest.raises(ValueError, match="p_pred"):
        L.binary_cross_entropy_grad([1.0], [-0.1])
