"""The catalogue of confusions: small wrong variants of every graded function.

Each :class:`Confusion` is a mistake students make (or the chapters warn
about), written as a variant of the right rule, with one sentence that
names it and the chapter section that explains it.  The grader runs a
variant on the same cases as the student (``outputs``) to say which
confusion a failing submission made; ``make_source.py`` runs it on the
visible cases, so a failing visible check can name it too.

This module lives with the trusted grader: the variants are never copied
into a release, a student's folder, or the ``lossopt`` wheel.  Only each
confusion's sentence and link, and its value on a visible input, reach
the notebook.
"""

from __future__ import annotations

import dataclasses
from typing import Callable

import numpy as np

from solutions import losses
from solutions import optimizers as opt
from solutions import training

from . import harness
from .language import tr

#: Where the chapters are, seen from a problem set on the website
#: (``problem-sets/psN.ipynb``); an instructor may point it at the public site.
SITE = "../chapters/"
#: The same, for each language: the Korean sets (``problem-sets/ko/psN.ipynb``)
#: link the Korean edition (``ko/chapters/``); section anchors are the same.
SITES = {"en": SITE, "ko": "../../ko/chapters/"}
CH1, CH2, CH3, CH4 = ("01-loss-meaning.html", "02-common-losses.html",
                      "03-gradient-descent.html", "04-optimizer-evolution.html")

#: The section each graded test cell practises.
SECTIONS = {
    "residuals_of_a_line": CH1 + "#one-prediction-500-against-350",
    "signed_error_mean": CH1 + "#many-predictions-why-the-sign-has-to-go",
    "absolute_error_mean": CH1 + "#many-predictions-why-the-sign-has-to-go",
    "squared_error_mean": CH1 + "#many-predictions-why-the-sign-has-to-go",
    "grid_loss_no_loops": CH1 + "#the-landscape-is-the-mountain",
    "mae_value": CH2 + "#mae-and-mse",
    "mae_gradient": CH2 + "#convergence-near-the-minimum",
    "mse_value": CH2 + "#mae-and-mse",
    "mse_gradient": CH2 + "#convergence-near-the-minimum",
    "huber_two_branches": CH2 + "#huber-loss",
    "huber_gradient_clipped": CH2 + "#huber-loss",
    "cross_entropy_conventions": CH2 + "#the-lecture-s-one-hot-example",
    "kl_divergence_conventions": CH2 + "#cross-entropy-comparing-distributions",
    "softmax_cross_entropy_stable": CH2 + "#softmax-from-scores-to-probabilities",
    "softmax_cross_entropy_gradient": CH2 + "#why-classification-uses-cross-entropy-not-mse",
    "gd_step_rule": CH3 + "#the-update-rule",
    "minibatch_iterator": CH3 + "#stochastic-gradient-descent",
    "sgd_linear_regression_epochs": CH3 + "#the-problem-fitting-a-line",
    "largest_stable_lr_eigen": CH3 + "#more-than-one-parameter",
    "momentum_update": CH4 + "#momentum-remember-where-you-were-going",
    "nag_update": CH4 + "#nag-look-before-you-leap",
    "adagrad_update": CH4 + "#adagrad-a-step-size-for-each-parameter",
    "rmsprop_update": CH4 + "#rmsprop-forget-old-gradients",
    "adadelta_update": CH4 + "#adadelta-no-learning-rate-at-all",
    "adam_bias_correction": CH4 + "#adam-momentum-and-rmsprop-together",
    "nadam_update": CH4 + "#nadam-adam-with-nesterov-s-look-ahead",
}


def link(grade_id, anchor=None, language="en"):
    """The address of the section that explains ``grade_id`` (or of ``anchor``)."""
    return SITES[language] + (anchor or SECTIONS[grade_id])


@dataclasses.dataclass(frozen=True)
class Confusion:
    key: str                  # unique, e.g. "mse:sum"
    grade_id: str             # the test cell it belongs to
    text: str                 # one sentence naming the mistake
    functions: dict           # name -> the variant that replaces the student's function
    anchor: str | None = None  # a section other than the task's own

    @property
    def link(self):
        return link(self.grade_id, self.anchor)

    def text_in(self, language):
        return tr(language, self.text)

    def link_in(self, language):
        return link(self.grade_id, self.anchor, language)

    def sentence(self, language="en"):
        return tr(language, "{text} See {link}").format(text=self.text_in(language),
                                                        link=self.link_in(language))


CATALOGUE: dict[str, Confusion] = {}


def _add(grade_id, key, text, anchor=None, **functions):
    CATALOGUE[key] = Confusion(key, grade_id, text, functions, anchor)


def of(grade_id):
    """The confusions of one test cell, in catalogue order."""
    return [c for c in CATALOGUE.values() if c.grade_id == grade_id]


def _quiet(fn):
    """Run a variant with numpy's warnings off: a naive formula may divide by 0 on purpose."""
    def wrapped(*args, **kwargs):
        with np.errstate(all="ignore"):
            return fn(*args, **kwargs)
    wrapped.__name__ = fn.__name__
    return wrapped


def outputs(task, confusion, case):
    """The float arrays ``confusion`` produces on ``case``, or None when it raises."""
    ns = {name: _quiet(fn) for name, fn in confusion.functions.items()}
    arrays = {k: np.array(v) for k, v in case.arrays.items()}
    try:
        with np.errstate(all="ignore"):
            return harness.run_case(task.kind, ns, case.spec, arrays)
    except Exception:   # a variant that cannot run this case matches nothing on it
        return None


def _f(x):
    return np.asarray(x, dtype=float)


# ================================================================== ps1

_add("residuals_of_a_line", "residuals:flipped",
     "The residual is taken the other way round: r is y_pred - y_true, not y_true - y_pred.",
     residuals=lambda x, y, slope, intercept: _f(y) - (slope * _f(x) + intercept))
_add("residuals_of_a_line", "residuals:swapped",
     "Slope and intercept are swapped: the line is slope * x + intercept.",
     residuals=lambda x, y, slope, intercept: intercept * _f(x) + slope - _f(y))

for _name, _per in [("signed_error", lambda r: r), ("absolute_error", np.abs),
                    ("squared_error", np.square)]:
    _gid = f"{_name}_mean"
    _add(_gid, f"{_name}:sum",
         "The errors are summed where they should be averaged: divide by the number n "
         "of residuals.",
         **{_name: (lambda per: lambda r: per(_f(r)).sum(axis=-1))(_per)})
    _add(_gid, f"{_name}:all_axes",
         "The mean runs over every axis at once; it should reduce only the last axis, "
         "one error per data set (np.mean(..., axis=-1)).",
         **{_name: (lambda per: lambda r: np.mean(per(_f(r))))(_per)})
_add("absolute_error_mean", "absolute_error:abs_of_mean",
     "The absolute value is taken after averaging, |mean(r)|, so errors of both signs "
     "still cancel; take |r| first, then the mean.",
     absolute_error=lambda r: np.abs(np.mean(_f(r), axis=-1)))
_add("squared_error_mean", "squared_error:square_of_mean",
     "The mean is squared, mean(r)**2, so errors of both signs still cancel; square each "
     "residual first, then average.",
     squared_error=lambda r: np.mean(_f(r), axis=-1) ** 2)
_add("squared_error_mean", "squared_error:root",
     "This is the root of the mean square (RMSE); the mean squared error has no square root.",
     squared_error=lambda r: np.sqrt(np.mean(_f(r) ** 2, axis=-1)))


def _grid(swap_roles=False, transpose=False):
    def grid_loss(x, y, slopes, intercepts, error_fn):
        x, y = _f(x), _f(y)
        a, b = _f(slopes), _f(intercepts)
        if swap_roles:
            r = b[None, :, None] * x + a[:, None, None] - y
        else:
            r = a[:, None, None] * x + b[None, :, None] - y
        L = error_fn(r)
        return L.T if transpose else L
    return grid_loss


_add("grid_loss_no_loops", "grid_loss:transposed",
     "The grid is transposed: L[i, j] belongs to slopes[i] and intercepts[j], so slopes "
     "run along axis 0.", grid_loss=_grid(transpose=True))
_add("grid_loss_no_loops", "grid_loss:swapped",
     "Slopes and intercepts swap roles: the slope multiplies x, the intercept is added.",
     grid_loss=_grid(swap_roles=True))

# ================================================================== ps2


def _r(y_true, y_pred):
    return _f(y_pred) - _f(y_true)


_add("mae_value", "mae:sum",
     "The absolute errors are summed where they should be averaged: divide by the number "
     "of elements.", mae=lambda t, p: float(np.sum(np.abs(_r(t, p)))))
_add("mae_value", "mae:no_abs",
     "The absolute value is missing, so positive and negative errors cancel.",
     anchor=CH1 + "#many-predictions-why-the-sign-has-to-go",
     mae=lambda t, p: float(np.mean(_r(t, p))))
_add("mae_gradient", "mae_grad:no_n",
     "The 1/n is missing: the loss is a mean, so its gradient is sign(r) / n.",
     mae_grad=lambda t, p: np.sign(_r(t, p)))
_add("mae_gradient", "mae_grad:flipped",
     "The sign is flipped: the gradient with respect to y_pred is +sign(y_pred - y_true) / n.",
     mae_grad=lambda t, p: -np.sign(_r(t, p)) / _f(p).size)
_add("mse_value", "mse:sum",
     "The squared errors are summed where they should be averaged: divide by the number "
     "of elements.", mse=lambda t, p: float(np.sum(_r(t, p) ** 2)))
_add("mse_value", "mse:root",
     "This is the root of the mean square (RMSE); the MSE has no square root.",
     mse=lambda t, p: float(np.sqrt(np.mean(_r(t, p) ** 2))))
_add("mse_value", "mse:half",
     "The squares are halved: r**2 / 2 is Huber's inner branch, the MSE is the plain mean "
     "of r**2.", mse=lambda t, p: float(np.mean(_r(t, p) ** 2) / 2))
_add("mse_gradient", "mse_grad:no_2",
     "The factor 2 is missing: the derivative of r**2 is 2 r.",
     mse_grad=lambda t, p: _r(t, p) / _f(p).size)
_add("mse_gradient", "mse_grad:no_n",
     "The 1/n is missing: the loss is a mean, so its gradient is 2 r / n.",
     mse_grad=lambda t, p: 2.0 * _r(t, p))
_add("mse_gradient", "mse_grad:flipped",
     "The sign is flipped: with r = y_pred - y_true the gradient is +2 r / n.",
     mse_grad=lambda t, p: -2.0 * _r(t, p) / _f(p).size)


def _huber_with(inner, outer):
    def huber(y_true, y_pred, delta=1.0):
        a = np.abs(_r(y_true, y_pred))
        return float(np.mean(np.where(a <= delta, inner(a, delta), outer(a, delta))))
    return huber


_add("huber_two_branches", "huber:no_half_delta",
     "The linear branch lacks the - delta / 2: delta (|r| - delta / 2) is what makes the "
     "two branches meet at |r| = delta.",
     huber=_huber_with(lambda a, d: a**2 / 2, lambda a, d: d * a))
_add("huber_two_branches", "huber:no_half",
     "The quadratic branch lacks the 1/2: inside delta Huber is r**2 / 2.",
     huber=_huber_with(lambda a, d: a**2, lambda a, d: d * (a - d / 2)))
_add("huber_two_branches", "huber:sum",
     "The losses are summed where they should be averaged: divide by the number of elements.",
     huber=lambda t, p, delta=1.0: _huber_with(
         lambda a, d: a**2 / 2, lambda a, d: d * (a - d / 2))(t, p, delta) * _f(p).size)
_add("huber_gradient_clipped", "huber_grad:no_n",
     "The 1/n is missing: the loss is a mean, so its gradient is clip(r, -delta, delta) / n.",
     huber_grad=lambda t, p, delta=1.0: np.clip(_r(t, p), -delta, delta))
_add("huber_gradient_clipped", "huber_grad:clip_one",
     "The clip ignores delta: the gradient is clipped to [-delta, delta], not [-1, 1].",
     huber_grad=lambda t, p, delta=1.0: np.clip(_r(t, p), -1.0, 1.0) / _f(p).size)
_add("huber_gradient_clipped", "huber_grad:flipped",
     "The sign is flipped: the gradient with respect to y_pred is +clip(r, -delta, delta) / n.",
     huber_grad=lambda t, p, delta=1.0: -np.clip(_r(t, p), -delta, delta) / _f(p).size)


def _rows_mean(per_row):
    return float(np.mean(per_row))


_add("cross_entropy_conventions", "cross_entropy:nan_0log0",
     "0 * log 0 came out as nan: a zero in p contributes 0, so skip those terms "
     "(e.g. np.where(p > 0, ...)) rather than multiply 0 by -inf.",
     cross_entropy=lambda p, q: _rows_mean(-(_f(p) * np.log(_f(q))).sum(axis=-1)))
_add("cross_entropy_conventions", "cross_entropy:swapped",
     "p and q are swapped: H(p, q) = -sum p log q weighs the log of the prediction q by "
     "the true p.", anchor=CH2 + "#cross-entropy-comparing-distributions",
     cross_entropy=lambda p, q: _rows_mean(-losses._xlogy(_f(q), _f(p)).sum(axis=-1)))
_add("cross_entropy_conventions", "cross_entropy:sum_rows",
     "The rows are summed where they should be averaged: a 2-D input holds several "
     "distributions, and the loss is their mean.",
     cross_entropy=lambda p, q: float(-losses._xlogy(_f(p), _f(q)).sum()))


def _kl_terms(p, q):
    p, q = _f(p), _f(q)
    return losses._xlogy(p, p) - losses._xlogy(p, q)


_add("kl_divergence_conventions", "kl:nan_0log0",
     "0 * log 0 came out as nan: a zero in p contributes 0 to sum p log(p / q).",
     kl_divergence=lambda p, q: _rows_mean((_f(p) * np.log(_f(p) / _f(q))).sum(axis=-1)))
_add("kl_divergence_conventions", "kl:swapped",
     "p and q are swapped: KL is not symmetric, and KL(p || q) weighs log(p / q) by the "
     "true p.", kl_divergence=lambda p, q: _rows_mean(_kl_terms(q, p).sum(axis=-1)))
_add("kl_divergence_conventions", "kl:sum_rows",
     "The rows are summed where they should be averaged: a 2-D input holds several "
     "distributions, and the divergence is their mean.",
     kl_divergence=lambda p, q: float(_kl_terms(p, q).sum()))


def _labels_like(labels, logits):
    labels = np.asarray(labels)
    if labels.shape == logits.shape:
        return labels.astype(float)
    return np.eye(logits.shape[-1])[labels.astype(int)]


def _naive_softmax(z):
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


def _sce(stable=True, reduce=np.mean):
    def softmax_cross_entropy(labels, logits):
        z = _f(logits)
        y = _labels_like(labels, z)
        if stable:
            s = z - z.max(axis=-1, keepdims=True)
            logp = s - np.log(np.exp(s).sum(axis=-1, keepdims=True))
        else:
            logp = np.log(_naive_softmax(z))
        per_row = -np.where(y > 0, y * logp, 0.0).sum(axis=-1)
        return float(reduce(per_row))
    return softmax_cross_entropy


def _sce_grad(stable=True, per_n=True, sign=1.0):
    def softmax_cross_entropy_grad(labels, logits):
        z = _f(logits)
        y = _labels_like(labels, z)
        s = z - z.max(axis=-1, keepdims=True) if stable else z
        n = (1 if z.ndim == 1 else z.shape[0]) if per_n else 1
        return sign * (_naive_softmax(s) - y) / n
    return softmax_cross_entropy_grad


_add("softmax_cross_entropy_stable", "sce:unstable",
     "np.exp overflows for large logits: subtract the row's largest logit before "
     "exponentiating (log-softmax).", softmax_cross_entropy=_sce(stable=False))
_add("softmax_cross_entropy_stable", "sce:sum",
     "The rows are summed where they should be averaged: the loss is the mean over the batch.",
     softmax_cross_entropy=_sce(reduce=np.sum))
_add("softmax_cross_entropy_gradient", "sce_grad:unstable",
     "np.exp overflows for large logits: subtract the row's largest logit before "
     "exponentiating.", anchor=CH2 + "#softmax-from-scores-to-probabilities",
     softmax_cross_entropy_grad=_sce_grad(stable=False))
_add("softmax_cross_entropy_gradient", "sce_grad:no_n",
     "The 1/N is missing: the loss is a mean over the batch, so is its gradient.",
     softmax_cross_entropy_grad=_sce_grad(per_n=False))
_add("softmax_cross_entropy_gradient", "sce_grad:flipped",
     "The sign is flipped: the gradient is (softmax - onehot) / N, not (onehot - softmax) / N.",
     softmax_cross_entropy_grad=_sce_grad(sign=-1.0))

# ================================================================== ps3

_add("gd_step_rule", "gd:flipped",
     "The step goes up the gradient: theta' = theta - lr g, with a minus.",
     gd_init=opt.gd_init,
     gd_step=lambda theta, grad_fn, state, *, lr=0.01: (
         _f(theta) + lr * _f(grad_fn(_f(theta))), opt.GDState()))
_add("gd_step_rule", "gd:no_lr",
     "The learning rate is missing: the step is lr times the gradient.",
     gd_init=opt.gd_init,
     gd_step=lambda theta, grad_fn, state, *, lr=0.01: (
         _f(theta) - _f(grad_fn(_f(theta))), opt.GDState()))


def _batches(shuffle=True, pair=True, drop_last=False):
    def minibatches(x, y, batch_size, *, seed=0):
        x, y = np.asarray(x), np.asarray(y)
        n = len(x)
        order = np.random.default_rng(seed).permutation(n) if shuffle else np.arange(n)
        stop = n - n % batch_size if drop_last else n
        for start in range(0, stop, batch_size):
            rows = order[start:start + batch_size]
            yield x[rows], (y[rows] if pair else y[start:start + batch_size])
    return minibatches


_add("minibatch_iterator", "minibatches:no_shuffle",
     "The data is not shuffled: the order is np.random.default_rng(seed).permutation(len(x)).",
     minibatches=_batches(shuffle=False))
_add("minibatch_iterator", "minibatches:unpaired",
     "x is shuffled but y is not, so rows lose their partners: index both with the same "
     "rows.", minibatches=_batches(pair=False))
_add("minibatch_iterator", "minibatches:drop_last",
     "The last, shorter batch is dropped: the batches must cover the data once.",
     minibatches=_batches(drop_last=True))


def _sgd(same_seed=False, factor=2.0, reset_state=False):
    def sgd_linear_regression(x, y, theta0, *, lr, n_epochs, batch_size, seed=0,
                              optimizer=None, batches=None):
        init, step = optimizer or (opt.gd_init, opt.gd_step)
        batches = batches or training.minibatches
        x, y = _f(x), _f(y)
        theta = np.array(theta0, dtype=float)
        state = init(theta)
        history = [theta]
        for epoch in range(n_epochs):
            if reset_state:
                state = init(theta)
            for xb, yb in batches(x, y, batch_size, seed=seed if same_seed else seed + epoch):
                def grad_fn(th, xb=xb, yb=yb):
                    r = th[0] * xb + th[1] - yb
                    return np.array([factor * np.mean(r * xb), factor * np.mean(r)])
                theta, state = step(theta, grad_fn, state, lr=lr)
            history.append(np.array(theta, dtype=float))
        return np.array(history)
    return sgd_linear_regression


_add("sgd_linear_regression_epochs", "sgd:same_seed",
     "Every epoch uses the same seed, so the same batch order: epoch e uses seed + e.",
     anchor=CH3 + "#a-noisy-compass", sgd_linear_regression=_sgd(same_seed=True))
_add("sgd_linear_regression_epochs", "sgd:no_2",
     "The factor 2 of the MSE gradient is missing: it is [mean(2 r x), mean(2 r)].",
     sgd_linear_regression=_sgd(factor=1.0))
_add("sgd_linear_regression_epochs", "sgd:reset_state",
     "The optimizer's state is restarted every epoch: call init once, before the first "
     "epoch, and carry the state on.", sgd_linear_regression=_sgd(reset_state=True))
_add("largest_stable_lr_eigen", "stable_lr:one_over_L",
     "This is 1 / L; gradient descent on a quadratic stays stable up to lr = 2 / L.",
     anchor=CH3 + "#how-large-can-the-step-be",
     largest_stable_lr=lambda A: float(1.0 / np.linalg.eigvalsh(_f(A))[-1]))
_add("largest_stable_lr_eigen", "stable_lr:max_entry",
     "L is the largest eigenvalue of A, not its largest entry (they agree only for a "
     "diagonal A).", largest_stable_lr=lambda A: float(2.0 / np.max(_f(A))))
_add("largest_stable_lr_eigen", "stable_lr:smallest",
     "This uses the smallest eigenvalue; the steepest direction, the largest eigenvalue, "
     "sets the limit.", largest_stable_lr=lambda A: float(2.0 / np.linalg.eigvalsh(_f(A))[0]))

# ================================================================== ps4
# Each variant is the lecture's rule with one thing changed; _g checks nothing.


def _g(grad_fn, x):
    return _f(grad_fn(x))


def _momentum(flip=False, carry=True, torch_units=False, nag=False, look_sign=-1.0):
    State = opt.NAGState if nag else opt.MomentumState

    def step(theta, grad_fn, state, *, lr=0.01, gamma=0.9):
        theta = _f(theta)
        v = state.velocity if carry else np.zeros_like(theta)
        point = theta + look_sign * gamma * v if nag else theta
        g = _g(grad_fn, point)
        if torch_units:
            v = gamma * v + g
            return theta - lr * v, State(v)
        v = gamma * v + lr * g
        return (theta + v if flip else theta - v), State(v)
    return step


_add("momentum_update", "momentum:flipped",
     "The step goes up: theta' = theta - v', with a minus.",
     momentum_init=opt.momentum_init, momentum_step=_momentum(flip=True))
_add("momentum_update", "momentum:not_carried",
     "The velocity is not carried over: v' = gamma v + lr g starts from the state's v, "
     "not from 0.", momentum_init=opt.momentum_init, momentum_step=_momentum(carry=False))
_add("momentum_update", "momentum:torch_units",
     "The velocity is kept in PyTorch's units (b = gamma b + g, step lr b); the lecture's "
     "velocity v = lr b already includes lr.",
     momentum_init=opt.momentum_init, momentum_step=_momentum(torch_units=True))
_add("nag_update", "nag:at_theta",
     "The gradient is taken at theta, which is plain momentum; NAG takes it at the "
     "look-ahead point theta - gamma v.",
     nag_init=opt.nag_init, nag_step=_momentum(nag=True, look_sign=0.0))
_add("nag_update", "nag:look_plus",
     "The look-ahead goes the wrong way: the velocity is subtracted, theta - gamma v.",
     nag_init=opt.nag_init, nag_step=_momentum(nag=True, look_sign=1.0))
_add("nag_update", "nag:not_carried",
     "The velocity is not carried over: v' = gamma v + lr g starts from the state's v.",
     nag_init=opt.nag_init, nag_step=_momentum(nag=True, carry=False))


def _root(x, eps, outside):
    return np.sqrt(x) + eps if outside else np.sqrt(x + eps)


_EPS_TEXT = ("eps is outside the square root, as in PyTorch and the Adam paper; the lecture "
             "puts it inside, sqrt(G + eps), and the two differ when g**2 is as small as eps.")


def _adagrad(outside=False, accumulate=True, root=True):
    def step(theta, grad_fn, state, *, lr=0.01, eps=1e-8):
        theta = _f(theta)
        g = _g(grad_fn, theta)
        G = state.G + g**2 if accumulate else g**2
        scale = _root(G, eps, outside) if root else G + eps
        return theta - lr * g / scale, opt.AdagradState(G)
    return step


_add("adagrad_update", "adagrad:eps_outside", _EPS_TEXT,
     adagrad_init=opt.adagrad_init, adagrad_step=_adagrad(outside=True))
_add("adagrad_update", "adagrad:not_accumulated",
     "G is not accumulated: Adagrad adds each g**2 to the sum it carries, G' = G + g**2.",
     adagrad_init=opt.adagrad_init, adagrad_step=_adagrad(accumulate=False))
_add("adagrad_update", "adagrad:no_root",
     "The square root is missing: the step is lr g / sqrt(G' + eps).",
     adagrad_init=opt.adagrad_init, adagrad_step=_adagrad(root=False))


def _rmsprop(outside=False, swap=False, carry=True):
    def step(theta, grad_fn, state, *, lr=0.001, gamma=0.9, eps=1e-8):
        theta = _f(theta)
        g = _g(grad_fn, theta)
        G0 = state.G if carry else np.zeros_like(theta)
        G = (1 - gamma) * G0 + gamma * g**2 if swap else gamma * G0 + (1 - gamma) * g**2
        return theta - lr * g / _root(G, eps, outside), opt.RMSPropState(G)
    return step


_add("rmsprop_update", "rmsprop:eps_outside", _EPS_TEXT,
     rmsprop_init=opt.rmsprop_init, rmsprop_step=_rmsprop(outside=True))
_add("rmsprop_update", "rmsprop:swapped",
     "The weights are swapped: the old average keeps gamma, the new g**2 gets 1 - gamma.",
     rmsprop_init=opt.rmsprop_init, rmsprop_step=_rmsprop(swap=True))
_add("rmsprop_update", "rmsprop:not_carried",
     "G is not carried over: the decaying average starts from the state's G.",
     rmsprop_init=opt.rmsprop_init, rmsprop_step=_rmsprop(carry=False))


def _adadelta(outside=False, s_of_g=False, no_eps_top=False):
    def step(theta, grad_fn, state, *, gamma=0.95, eps=1e-6):
        theta = _f(theta)
        g = _g(grad_fn, theta)
        G = gamma * state.G + (1 - gamma) * g**2
        top = np.sqrt(state.s) if no_eps_top else _root(state.s, eps, outside)
        delta = top / _root(G, eps, outside) * g
        s = gamma * state.s + (1 - gamma) * (g**2 if s_of_g else delta**2)
        return theta - delta, opt.AdaDeltaState(G, s)
    return step


_add("adadelta_update", "adadelta:eps_outside",
     "eps is outside the square roots; the lecture writes sqrt(s + eps) / sqrt(G' + eps).",
     adadelta_init=opt.adadelta_init, adadelta_step=_adadelta(outside=True))
_add("adadelta_update", "adadelta:s_of_g",
     "s averages squared gradients; it should average squared steps, s' = gamma s + "
     "(1 - gamma) d**2.", adadelta_init=opt.adadelta_init, adadelta_step=_adadelta(s_of_g=True))
_add("adadelta_update", "adadelta:no_eps_top",
     "eps is missing from the numerator: with s = 0 at the start, sqrt(s) makes every step 0; "
     "the numerator is sqrt(s + eps).",
     adadelta_init=opt.adadelta_init, adadelta_step=_adadelta(no_eps_top=True))


def _adam(outside=False, correct=True, carry_t=True, nadam=False, look=True, g_corrected=True):
    State = opt.NadamState if nadam else opt.AdamState

    def step(theta, grad_fn, state, *, lr=0.002 if nadam else 0.001, beta1=0.9,
             beta2=0.999, eps=1e-8):
        theta = _f(theta)
        g = _g(grad_fn, theta)
        t = state.t + 1
        m = beta1 * state.m + (1 - beta1) * g
        v = beta2 * state.v + (1 - beta2) * g**2
        c1, c2 = (1 - beta1**t, 1 - beta2**t) if correct else (1.0, 1.0)
        m_hat, v_hat = m / c1, v / c2
        if nadam and look:
            m_hat = beta1 * m_hat + (1 - beta1) * g / (c1 if g_corrected else 1.0)
        return theta - lr * m_hat / _root(v_hat, eps, outside), State(
            m, v, t if carry_t else state.t)
    return step


_add("adam_bias_correction", "adam:no_bias_correction",
     "m and v are not bias-corrected: divide them by 1 - beta1**t and 1 - beta2**t, or the "
     "first steps are too large.", adam_init=opt.adam_init, adam_step=_adam(correct=False))
_add("adam_bias_correction", "adam:eps_outside", _EPS_TEXT,
     adam_init=opt.adam_init, adam_step=_adam(outside=True))
_add("adam_bias_correction", "adam:t_not_advanced",
     "The step count t is not carried forward: the new state holds t + 1, so the bias "
     "correction fades step after step.",
     adam_init=opt.adam_init, adam_step=_adam(carry_t=False))
_add("nadam_update", "nadam:plain_adam",
     "This is Adam: Nadam adds the look-ahead term (1 - beta1) g / (1 - beta1**t) to "
     "beta1 m_hat.", nadam_init=opt.nadam_init, nadam_step=_adam(nadam=True, look=False))
_add("nadam_update", "nadam:eps_outside", _EPS_TEXT,
     nadam_init=opt.nadam_init, nadam_step=_adam(nadam=True, outside=True))
_add("nadam_update", "nadam:no_bias_correction",
     "m, v and the look-ahead gradient are not bias-corrected: divide by 1 - beta1**t and "
     "1 - beta2**t.", anchor=CH4 + "#adam-momentum-and-rmsprop-together",
     nadam_init=opt.nadam_init, nadam_step=_adam(nadam=True, correct=False))
_add("nadam_update", "nadam:g_uncorrected",
     "The look-ahead gradient misses its own bias correction: it is (1 - beta1) g / "
     "(1 - beta1**t).", nadam_init=opt.nadam_init,
     nadam_step=_adam(nadam=True, g_corrected=False))


# ------------------------------------------------- visible checks, by value


def same(a, b, *, rtol, atol):
    """Equal shapes and values within tolerance; nan matches nan and inf matches inf."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if a.shape != b.shape:
        return False
    return bool(np.allclose(a, b, rtol=rtol, atol=atol, equal_nan=True))


def view_value(task, check, view, confusion):
    """The value ``confusion`` gives for one view of a visible check, or None."""
    if view.local is not None:
        ns = {name: _quiet(fn) for name, fn in confusion.functions.items()}
        try:
            with np.errstate(all="ignore"):
                return np.asarray(view.local(ns), dtype=float)
        except Exception:
            return None
    out = outputs(task, confusion, check.case)
    if out is None:
        return None
    try:
        return np.asarray(view.pick(out), dtype=float)
    except (IndexError, ValueError):
        return None


def visible_hints(task, check, caught=None):
    """``{view index: {key: value}}``: each confusion's value where it differs from the answer.

    The tolerance is the notebook's (``np.allclose``'s), so a confusion the
    check cannot tell apart from the answer is not listed there.  Keys in
    ``caught`` (failed by an earlier check of the cell, so the cell stops
    there) are left out; ``caught`` gains the keys this check fails.
    """
    caught = set() if caught is None else caught
    hints = {}
    for i, view in enumerate(check.views):
        expected = check.expected(task, view)
        for confusion in of(task.grade_id):
            if confusion.key in caught:
                continue
            value = view_value(task, check, view, confusion)
            if value is None or same(value, expected, rtol=1e-5, atol=1e-8):
                continue
            hints.setdefault(i, {})[confusion.key] = value
        caught.update(hints.get(i, {}))
    return hints


def task_hints(task):
    """``visible_hints`` of each check of ``task``, in the cell's order."""
    caught = set()
    return [visible_hints(task, check, caught) for check in task.checks]


def invisible(task):
    """The confusions of ``task`` that pass every visible check."""
    caught = {key for hints in task_hints(task) for hint in hints.values() for key in hint}
    return [c for c in of(task.grade_id) if c.key not in caught]
