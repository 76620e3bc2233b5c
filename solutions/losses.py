r"""Reference loss functions of the course, with their gradients.

Regression losses compare ``y_true`` with ``y_pred`` element by element and
return the **mean** over all elements as a Python ``float``; each ``*_grad``
returns the gradient of that mean with respect to ``y_pred``, shaped like
``y_pred``.  Probability losses compare distributions along the **last axis**
and average over the leading axes.

Symbols: :math:`y` is ``y_true``, :math:`\hat y` is ``y_pred``,
:math:`r = \hat y - y` the residual, :math:`n` the number of elements.
"""

import functools
import inspect

import numpy as np

_SUM_TOLERANCE = 1e-6


# ---------------------------------------------------------------- checks


def _as_pair(y_true, y_pred):
    """Return both inputs as float arrays of one shape, or raise ValueError."""
    y_true = np.asarray(y_true, dtype=float)
    y_pred = np.asarray(y_pred, dtype=float)
    if y_true.shape != y_pred.shape:
        raise ValueError(
            f"y_true and y_pred must have the same shape, got y_true of shape "
            f"{y_true.shape} and y_pred of shape {y_pred.shape}"
        )
    if y_true.size == 0:
        raise ValueError("y_true and y_pred are empty: a mean needs at least one element")
    return y_true, y_pred


def _as_distribution(p, name):
    """Return p as a float array of distributions along its last axis, or raise."""
    p = np.asarray(p, dtype=float)
    if p.ndim == 0 or p.shape[-1] == 0:
        raise ValueError(f"{name} must hold at least one distribution along its last axis, "
                         f"got shape {p.shape}")
    if not np.all(np.isfinite(p)):
        raise ValueError(f"{name} holds a value that is not finite")
    if np.any(p < 0):
        raise ValueError(f"{name} holds a negative probability: {p[p < 0].min()}")
    sums = p.sum(axis=-1)
    if np.any(np.abs(sums - 1.0) > _SUM_TOLERANCE):
        worst = sums.flat[np.argmax(np.abs(sums - 1.0))]
        raise ValueError(f"each distribution in {name} must sum to 1 (within "
                         f"{_SUM_TOLERANCE}); one sums to {worst!r}")
    return p


def _as_distribution_pair(p, q):
    p = _as_distribution(p, "p")
    q = _as_distribution(q, "q")
    if p.shape != q.shape:
        raise ValueError(f"p and q must have the same shape, got p of shape {p.shape} "
                         f"and q of shape {q.shape}")
    return p, q


def _check_delta(delta):
    if not delta > 0:
        raise ValueError(f"delta must be > 0, got {delta!r}")


def _check_tau(tau):
    if not 0.0 <= tau <= 1.0:
        raise ValueError(f"tau must lie in [0, 1], got {tau!r}")


def _as_label_distribution(labels, logits):
    """Turn class indices or probability rows into probability rows shaped like logits."""
    labels = np.asarray(labels)
    if logits.ndim not in (1, 2) or logits.shape[-1] == 0:
        raise ValueError(f"logits must have shape (C,) or (N, C), got {logits.shape}")
    if labels.shape == logits.shape:
        return _as_distribution(labels, "labels")
    if labels.shape != logits.shape[:-1]:
        raise ValueError(
            f"labels must be class indices of shape {logits.shape[:-1]} or probability "
            f"rows of shape {logits.shape}, got labels of shape {labels.shape} for "
            f"logits of shape {logits.shape}"
        )
    if labels.dtype.kind not in "iu":
        if labels.dtype.kind != "f" or np.any(labels != np.round(labels)):
            raise ValueError(f"class indices must be integers, got dtype {labels.dtype}")
        labels = labels.astype(int)
    n_classes = logits.shape[-1]
    if np.any((labels < 0) | (labels >= n_classes)):
        raise ValueError(f"class indices must lie in [0, {n_classes}), got {labels}")
    return np.eye(n_classes)[labels]


def _as_binary_pair(y_true, p_pred):
    y_true, p_pred = _as_pair(y_true, p_pred)
    if np.any((p_pred < 0) | (p_pred > 1)) or not np.all(np.isfinite(p_pred)):
        raise ValueError("p_pred must be probabilities in [0, 1]")
    if np.any((y_true < 0) | (y_true > 1)) or not np.all(np.isfinite(y_true)):
        raise ValueError("y_true must be labels or probabilities in [0, 1]")
    return y_true, p_pred


def _xlogy(x, y):
    """x * log(y) elementwise, with 0 * log(anything) = 0 and x * log(0) = -inf."""
    out = np.zeros(np.broadcast(x, y).shape)
    with np.errstate(divide="ignore"):
        np.multiply(x, np.log(y, out=np.full(out.shape, -np.inf), where=y > 0),
                    out=out, where=x != 0)
    return out


def _check_inputs(args):
    """Raise ValueError, saying what is wrong, unless the inputs named in ``args`` are valid."""
    if "delta" in args:
        _check_delta(args["delta"])
    if "tau" in args:
        _check_tau(args["tau"])
    if "p_pred" in args:
        _as_binary_pair(args["y_true"], args["p_pred"])
    elif "y_pred" in args:
        _as_pair(args["y_true"], args["y_pred"])
    if "q" in args:
        _as_distribution_pair(args["p"], args["q"])
    elif "p" in args:
        _as_distribution(args["p"], "p")
    if "logits" in args:
        _as_label_distribution(args["labels"], np.asarray(args["logits"], dtype=float))


def _checked(fn):
    """``fn`` with its inputs checked by name first (see :func:`_check_inputs`).

    The checks stay out of the loss's body, so the body is the formula, and the
    problem sets' solution cells, generated from it, hold what a student writes.
    """
    signature = inspect.signature(fn)

    @functools.wraps(fn)
    def checked(*args, **kwargs):
        bound = signature.bind(*args, **kwargs)
        bound.apply_defaults()
        _check_inputs(bound.arguments)
        return fn(*args, **kwargs)
    return checked


# ------------------------------------------------------ regression losses


@_checked
def mae(y_true, y_pred):
    r"""Mean absolute error (L1 loss).

    .. math:: \mathrm{MAE} = \frac{1}{n}\sum_i |\hat y_i - y_i|

    PyTorch: ``torch.nn.L1Loss()`` (reduction ``"mean"``).
    """
    y_true = np.asarray(y_true, dtype=float)
    y_pred = np.asarray(y_pred, dtype=float)
    return float(np.mean(np.abs(y_pred - y_true)))


@_checked
def mae_grad(y_true, y_pred):
    r"""Gradient of :func:`mae` w.r.t. ``y_pred``: :math:`\mathrm{sign}(r) / n` (0 where r = 0).

    PyTorch's autograd also gives 0 for ``abs`` at 0.
    """
    y_true = np.asarray(y_true, dtype=float)
    y_pred = np.asarray(y_pred, dtype=float)
    return np.sign(y_pred - y_true) / y_pred.size


@_checked
def mse(y_true, y_pred):
    r"""Mean squared error (L2 loss).

    .. math:: \mathrm{MSE} = \frac{1}{n}\sum_i (\hat y_i - y_i)^2

    PyTorch: ``torch.nn.MSELoss()`` (reduction ``"mean"``).
    """
    y_true = np.asarray(y_true, dtype=float)
    y_pred = np.asarray(y_pred, dtype=float)
    return float(np.mean((y_pred - y_true) ** 2))


@_checked
def mse_grad(y_true, y_pred):
    r"""Gradient of :func:`mse` w.r.t. ``y_pred``: :math:`2 r / n`."""
    y_true = np.asarray(y_true, dtype=float)
    y_pred = np.asarray(y_pred, dtype=float)
    return 2.0 * (y_pred - y_true) / y_pred.size


@_checked
def huber(y_true, y_pred, delta=1.0):
    r"""Huber loss: quadratic for small residuals, linear for large ones.

    .. math::
        L_\delta(r) = \begin{cases} r^2 / 2 & |r| \le \delta \\
                      \delta\,(|r| - \delta / 2) & |r| > \delta \end{cases}

    ``delta`` is :math:`\delta`.  PyTorch: ``torch.nn.HuberLoss(delta=delta)``.
    """
    y_true = np.asarray(y_true, dtype=float)
    y_pred = np.asarray(y_pred, dtype=float)
    abs_r = np.abs(y_pred - y_true)
    per_element = np.where(abs_r <= delta, 0.5 * abs_r**2, delta * (abs_r - 0.5 * delta))
    return float(np.mean(per_element))


@_checked
def huber_grad(y_true, y_pred, delta=1.0):
    r"""Gradient of :func:`huber` w.r.t. ``y_pred``: :math:`\mathrm{clip}(r, -\delta, \delta) / n`."""
    y_true = np.asarray(y_true, dtype=float)
    y_pred = np.asarray(y_pred, dtype=float)
    return np.clip(y_pred - y_true, -delta, delta) / y_pred.size


@_checked
def log_cosh(y_true, y_pred):
    r"""Log-cosh loss, smooth like MSE near 0 and like MAE far away.

    .. math:: \frac{1}{n}\sum_i \log\cosh r_i, \qquad
              \log\cosh r = |r| + \log(1 + e^{-2|r|}) - \log 2

    The right-hand form never overflows, so the loss is finite for
    :math:`|r|` up to 1e6 and beyond.  PyTorch has no built-in; the same
    identity is what one writes there.
    """
    y_true = np.asarray(y_true, dtype=float)
    y_pred = np.asarray(y_pred, dtype=float)
    abs_r = np.abs(y_pred - y_true)
    return float(np.mean(abs_r + np.log1p(np.exp(-2.0 * abs_r)) - np.log(2.0)))


@_checked
def log_cosh_grad(y_true, y_pred):
    r"""Gradient of :func:`log_cosh` w.r.t. ``y_pred``: :math:`\tanh(r) / n`."""
    y_true = np.asarray(y_true, dtype=float)
    y_pred = np.asarray(y_pred, dtype=float)
    return np.tanh(y_pred - y_true) / y_pred.size


@_checked
def quantile(y_true, y_pred, tau=0.5):
    r"""Quantile (pinball) loss; its minimiser is the ``tau``-quantile.

    .. math:: \frac{1}{n}\sum_i \max\big(\tau (y_i - \hat y_i),\; (\tau - 1)(y_i - \hat y_i)\big)

    ``tau`` is :math:`\tau`; ``tau=0.5`` is half the MAE.  PyTorch has no
    built-in; ``torch.maximum`` of the two lines is the usual way.
    """
    y_true = np.asarray(y_true, dtype=float)
    y_pred = np.asarray(y_pred, dtype=float)
    e = y_true - y_pred
    return float(np.mean(np.maximum(tau * e, (tau - 1.0) * e)))


@_checked
def quantile_grad(y_true, y_pred, tau=0.5):
    r"""Gradient of :func:`quantile` w.r.t. ``y_pred``.

    Per element, before dividing by :math:`n`: :math:`-\tau` where :math:`r < 0`
    (under-prediction), :math:`1 - \tau` where :math:`r > 0`, and 0 where :math:`r = 0`.
    """
    y_true = np.asarray(y_true, dtype=float)
    y_pred = np.asarray(y_pred, dtype=float)
    r = y_pred - y_true
    per_element = np.where(r < 0, -tau, np.where(r > 0, 1.0 - tau, 0.0))
    return per_element / y_pred.size


# ----------------------------------------------------- probability losses


@_checked
def entropy(p):
    r"""Shannon entropy :math:`H(P) = -\sum_x P(x) \log P(x)` in nats, with :math:`0 \log 0 = 0`.

    ``p`` holds distributions along its last axis; the result is averaged
    over the leading axes.
    """
    p = np.asarray(p, dtype=float)
    return float(np.mean(-_xlogy(p, p).sum(axis=-1)))


@_checked
def cross_entropy(p, q):
    r"""Cross-entropy :math:`H(P, Q) = -\sum_x P(x) \log Q(x)` in nats.

    ``p`` is the true distribution :math:`P`, ``q`` the predicted :math:`Q`.
    Terms with :math:`P(x) = 0` count 0; :math:`P(x) > 0` against
    :math:`Q(x) = 0` makes the loss ``inf``.  PyTorch's
    ``nn.CrossEntropyLoss`` takes logits, not ``q``: see
    :func:`softmax_cross_entropy`.
    """
    p, q = np.asarray(p, dtype=float), np.asarray(q, dtype=float)
    return float(np.mean(-_xlogy(p, q).sum(axis=-1)))


@_checked
def kl_divergence(p, q):
    r"""Kullback-Leibler divergence :math:`KL(P \| Q) = \sum_x P(x) \log \frac{P(x)}{Q(x)}`.

    Equals ``cross_entropy(p, q) - entropy(p)``; 0 exactly when ``p == q``.
    PyTorch: ``F.kl_div(q.log(), p, reduction="batchmean")`` (note the order).
    """
    p, q = np.asarray(p, dtype=float), np.asarray(q, dtype=float)
    return float(np.mean((_xlogy(p, p) - _xlogy(p, q)).sum(axis=-1)))


def softmax(z):
    r"""Softmax along the last axis: :math:`\sigma(z)_k = e^{z_k} / \sum_j e^{z_j}`.

    Shifting by :math:`\max_j z_j` first keeps every exponent <= 0, so logits
    of +-1e4 do not overflow.  PyTorch: ``torch.softmax(z, dim=-1)``.
    """
    z = np.asarray(z, dtype=float)
    shifted = z - z.max(axis=-1, keepdims=True)
    e = np.exp(shifted)
    return e / e.sum(axis=-1, keepdims=True)


def log_softmax(z):
    r"""Log-softmax along the last axis: :math:`z_k - \log \sum_j e^{z_j}`, computed stably.

    PyTorch: ``torch.log_softmax(z, dim=-1)``.
    """
    z = np.asarray(z, dtype=float)
    shifted = z - z.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


def _label_rows(labels, logits):
    """Class indices as one-hot rows shaped like ``logits``; probability rows as they are."""
    labels = np.asarray(labels)
    if labels.shape == logits.shape:
        return labels.astype(float)
    return np.eye(logits.shape[-1])[labels.astype(int)]


@_checked
def softmax_cross_entropy(labels, logits):
    r"""Cross-entropy of softmax(``logits``) against ``labels``, averaged over the batch.

    .. math:: L = -\frac{1}{N}\sum_{i=1}^N \sum_k y_{ik} \,\mathrm{log\_softmax}(z_i)_k

    ``logits`` (:math:`z`) has shape (N, C) or (C,); ``labels`` are class
    indices (N,) (a scalar for (C,) logits) or probability rows (:math:`y`)
    shaped like ``logits``.  Working with log-softmax keeps it finite for
    logits up to +-1e4.  PyTorch: ``nn.CrossEntropyLoss()(logits, labels)``.
    """
    logits = np.asarray(logits, dtype=float)
    y = _label_rows(labels, logits)
    per_row = -(y * log_softmax(logits)).sum(axis=-1)
    return float(np.mean(per_row))


@_checked
def softmax_cross_entropy_grad(labels, logits):
    r"""Gradient of :func:`softmax_cross_entropy` w.r.t. ``logits``: :math:`(\sigma(z) - y) / N`."""
    logits = np.asarray(logits, dtype=float)
    y = _label_rows(labels, logits)
    n_rows = 1 if logits.ndim == 1 else logits.shape[0]
    return (softmax(logits) - y) / n_rows


@_checked
def binary_cross_entropy(y_true, p_pred):
    r"""Binary cross-entropy :math:`-\frac{1}{n}\sum_i y_i \log p_i + (1 - y_i)\log(1 - p_i)`.

    ``y_true`` is :math:`y`, ``p_pred`` is :math:`p`; :math:`0 \log 0 = 0`.
    PyTorch: ``nn.BCELoss()`` (which clamps the logs at -100; here they may be ``inf``).
    """
    y, p = np.asarray(y_true, dtype=float), np.asarray(p_pred, dtype=float)
    return float(np.mean(-(_xlogy(y, p) + _xlogy(1.0 - y, 1.0 - p))))


@_checked
def binary_cross_entropy_grad(y_true, p_pred):
    r"""Gradient of :func:`binary_cross_entropy` w.r.t. ``p_pred``.

    .. math:: \frac{1}{n}\Big(-\frac{y}{p} + \frac{1 - y}{1 - p}\Big)

    each term counting 0 where its numerator is 0.
    """
    y, p = np.asarray(y_true, dtype=float), np.asarray(p_pred, dtype=float)
    with np.errstate(divide="ignore"):
        positive = np.divide(y, p, out=np.zeros_like(y), where=y != 0)
        negative = np.divide(1.0 - y, 1.0 - p, out=np.zeros_like(y), where=y != 1)
    return (negative - positive) / p.size
