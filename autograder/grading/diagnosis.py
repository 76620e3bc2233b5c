"""Say what a failing function got wrong, from the numbers that came back.

After grading, for a function that failed some cases, the student's
outputs on every failed case (hidden ones included) are compared, in the
trusted process, with each catalogued confusion's outputs on the same
cases (``confusions.py``).  A confusion that reproduces every failure is
named.  Otherwise the diagnosis names the kinds of case that failed
("after several steps", "tiny gradients", "logits above 1e3"), never an
input or an expected value.  A function that passes gets no diagnosis.
"""

from __future__ import annotations

import dataclasses
import functools

import numpy as np

from . import cases as cases_module
from . import confusions, harness
from .language import N_, tr


@dataclasses.dataclass(frozen=True)
class Diagnosis:
    confusion: str | None        # a catalogue key, or None
    text: str                    # what the student reads
    kinds: tuple = ()            # the kinds of case that failed most

    def as_dict(self):
        return {"confusion": self.confusion, "text": self.text, "kinds": list(self.kinds)}


@functools.lru_cache(maxsize=None)
def _confusion_outputs(grade_id, key):
    """Outputs of one confusion on every case of its task (computed once per process)."""
    task = cases_module.TASKS[grade_id]
    confusion = confusions.CATALOGUE[key]
    return tuple(confusions.outputs(task, confusion, case) for case in task.cases())


@functools.lru_cache(maxsize=None)
def _kinds(grade_id):
    task = cases_module.TASKS[grade_id]
    return tuple(tuple(describe(task, case)) for case in task.cases())


def _student(task, results, c, n):
    got = [results.get(f"{task.grade_id}/{c}/{k}") for k in range(n)]
    extra = results.get(f"{task.grade_id}/{c}/{n}") is not None
    return None if extra or any(g is None for g in got) else got


def matches(task, results, failed, key):
    """Whether confusion ``key`` reproduces the student's outputs on every failed case."""
    outs = _confusion_outputs(task.grade_id, key)
    for c in failed:
        conf = outs[c]
        if conf is None:    # the confusion raises here: so must the student's code
            if results.get(f"{task.grade_id}/{c}/0") is not None:
                return False
            continue
        got = _student(task, results, c, len(conf))
        if got is None or not all(confusions.same(g, e, rtol=task.rtol, atol=task.atol)
                                  for g, e in zip(got, conf)):
            return False
    return True


def diagnose(task, results, failed, language="en"):
    """A :class:`Diagnosis` of ``task`` whose cases ``failed`` (indices) failed; None if none.

    Its text is in ``language``; its ``kinds`` are the English words of :func:`describe`.
    """
    if not failed:
        return None
    for confusion in confusions.of(task.grade_id):
        if matches(task, results, failed, confusion.key):
            return Diagnosis(confusion.key, tr(
                language, "Every failed case is what you get when: {sentence}").format(
                    sentence=confusion.sentence(language)))
    kinds = _kinds(task.grade_id)
    n_cases = len(kinds)
    if all(_student(task, results, c, 1) is None for c in failed) and len(failed) == n_cases:
        return Diagnosis(None, tr(language, "No case returned numbers: the function is "
                                            "missing, raises, or returns something that is "
                                            "not an array of numbers."))
    total, bad = {}, {}
    for c in range(n_cases):
        for kind in kinds[c]:
            total[kind] = total.get(kind, 0) + 1
            bad[kind] = bad.get(kind, 0) + (c in failed)
    ranked = sorted((k for k in total if bad[k]),
                    key=lambda k: (-bad[k] / total[k], -bad[k], k))[:3]
    if not ranked:
        return Diagnosis(None, tr(language, "No known mistake matches."))
    parts = [tr(language, "{kind} ({failed} of {total} failed)").format(
        kind=tr(language, k), failed=bad[k], total=total[k]) for k in ranked]
    return Diagnosis(None, tr(language, "No known mistake matches; the cases that failed "
                                        "most were those with {kinds}.").format(
                                            kinds=tr(language, "; ").join(parts)),
                     tuple(ranked))


def record(task, verdict, language="en"):
    """What the feedback summary and the class report read, kept in a failing cell's metadata."""
    cases = verdict.n_visible + verdict.n_hidden
    found = verdict.diagnosis
    return {"function": task.label,
            "passed": cases - verdict.visible_failed - verdict.hidden_failed,
            "cases": cases, "problem": verdict.problem,
            "diagnosis": found.as_dict() if found else None,
            "section": confusions.link(task.grade_id, language=language)}


# ------------------------------------------------------- kinds of case

#: The error function a grid_loss case passes (``cases.py``), as a kind of case.
ERROR_KINDS = {"mean_square": N_("the error mean_square"), "mean_abs": N_("the error mean_abs"),
               "max_abs": N_("the error max_abs")}


def _arr(case, name):
    return np.asarray(case.arrays[name], dtype=float)


def _call_args(case):
    return [np.asarray(case.arrays[a]) if isinstance(a, str) else a for a in case.spec["args"]]


def describe(task, case):
    """Words for what is special about ``case``; nothing that gives away its numbers."""
    kinds = []
    if case.visible:
        kinds.append(N_("the visible checks"))
    kind = task.kind
    if kind == "optimizer":
        theta0 = _arr(case, "theta0")
        g0 = harness.make_grad_fn(case.spec["family"], case.arrays)(theta0)
        if case.spec["n_steps"] > 1:
            kinds.append(N_("several steps (state carried over)"))
        else:
            kinds.append(N_("a single step"))
        if np.all(g0 == 0):
            kinds.append(N_("a zero gradient at the start"))
        elif np.max(np.abs(g0)) < 1e-2:
            kinds.append(N_("tiny gradients (g**2 near eps)"))
        if theta0.ndim == 0:
            kinds.append(N_("a scalar theta"))
        elif theta0.ndim > 1:
            kinds.append(N_("a theta with two axes"))
        if case.spec["family"] != "linear":
            kinds.append(N_("a gradient that is not linear in theta"))
        if case.spec["hyper"]:
            kinds.append(N_("hyperparameters other than the defaults"))
        return kinds
    if kind == "minibatches":
        n, bs = len(case.arrays["x"]), case.spec["batch_size"]
        if n % bs:
            kinds.append(N_("a last batch shorter than the others"))
        if bs >= n:
            kinds.append(N_("a batch as large as the data"))
        if np.ndim(case.arrays["x"]) > 1:
            kinds.append(N_("x with two columns"))
        return kinds
    if kind == "sgd":
        n, spec = len(case.arrays["x"]), case.spec
        if spec["n_epochs"] > 1:
            kinds.append(N_("several epochs"))
        if spec["batch_size"] == 1:
            kinds.append(N_("batches of one point"))
        if spec["batch_size"] >= n:
            kinds.append(N_("one batch holding all the data"))
        return kinds
    fn = case.spec["function"]
    args = _call_args(case)
    kwargs = case.spec.get("kwargs", {})
    if fn in ("softmax_cross_entropy", "softmax_cross_entropy_grad"):
        labels, logits = args[0], np.asarray(args[1], dtype=float)
        if np.max(np.abs(logits)) >= 1e3:
            kinds.append(N_("logits above 1e3"))
        kinds.append(N_("probability rows as labels") if labels.shape == logits.shape
                     else N_("class indices as labels"))
        if logits.ndim == 1:
            kinds.append(N_("a single example (1-D logits)"))
        return kinds
    if fn in ("cross_entropy", "kl_divergence"):
        p, q = (np.asarray(a, dtype=float) for a in args[:2])
        if np.any(p == 0):
            kinds.append(N_("a true probability of exactly 0"))
        if np.any((q == 0) & (p > 0)):
            kinds.append(N_("a predicted 0 where the true probability is not"))
        if p.ndim > 1:
            kinds.append(N_("several distributions (rows)"))
        return kinds
    if fn == "largest_stable_lr":
        A = np.asarray(args[0], dtype=float)
        kinds.append(N_("a diagonal matrix") if np.allclose(A, np.diag(np.diag(A)))
                     else N_("a matrix that is not diagonal"))
        if A.shape[0] == 1:
            kinds.append(N_("a 1 x 1 matrix"))
        return kinds
    if fn == "grid_loss":
        kinds.append(ERROR_KINDS[kwargs.get("error_fn")])
        if len(args[2]) == 1 or len(args[3]) == 1:
            kinds.append(N_("a grid with a single slope or intercept"))
        return kinds
    if fn == "residuals":
        x = np.asarray(args[0])
        if args[3] != 0:
            kinds.append(N_("a nonzero intercept"))
        if args[2] == 0:
            kinds.append(N_("a slope of 0"))
        if x.ndim > 1:
            kinds.append(N_("inputs with more than one axis"))
        return kinds
    if len(args) == 1:      # the three averages of ps1
        r = np.asarray(args[0], dtype=float)
        if r.ndim > 1:
            kinds.append(N_("residual arrays with more than one axis"))
        if np.all(r == 0):
            kinds.append(N_("residuals all 0"))
        elif abs(np.sum(r)) < 1e-9 * max(1.0, np.max(np.abs(r))):
            kinds.append(N_("residuals that cancel"))
        return kinds
    y_true, y_pred = (np.asarray(a, dtype=float) for a in args[:2])    # regression losses
    r = y_pred - y_true
    if np.any(r == 0):
        kinds.append(N_("a residual of exactly 0"))
    if y_pred.ndim > 1:
        kinds.append(N_("inputs with more than one axis"))
    if y_pred.size == 1:
        kinds.append(N_("a single element"))
    if np.max(np.abs(r), initial=0) > 1e3:
        kinds.append(N_("large residuals"))
    if "delta" in kwargs:
        delta = kwargs["delta"]
        if np.any(np.abs(r) > delta):
            kinds.append(N_("residuals beyond delta"))
        if np.any(np.abs(r) == delta):
            kinds.append(N_("a residual exactly at delta"))
        if delta != 1.0:
            kinds.append(N_("a delta other than 1"))
    return kinds
