"""The optimizer race.

A race runs several optimizers, each an ``(init, step)`` pair, from the same
start on the same surface and keeps every path::

    from lossopt.race import race, plot_race
    paths = race({"adam": (adam_init, adam_step)}, "ravine", n_steps=100)
    plot_race(ax, "ravine", paths, upto=50)

The book races the reference optimizers; a problem set races the student's.
Learning rates are not portable between surfaces (a steep surface needs a
small one), so :data:`RACE_HYPER` suggests, per surface, hyperparameters that
let each of the course's eight optimizers behave sensibly there.

The family tree of the optimizers is in :mod:`lossopt.family_tree`.
"""

import copy

import numpy as np

from lossopt.i18n import tr
from lossopt.plotting import PATH_COLORS, plot_contours
from lossopt.surfaces import Surface, get_surface
from lossopt.trajectory import Trajectory, run

# --------------------------------------------------------- hyperparameters

#: Suggested hyperparameters per surface and optimizer.  Momentum's velocity
#: adds up about 1 / (1 - gamma) = 10 gradients, so it gets a smaller lr than
#: GD (on the ravine, lr = 0.01 and gamma = 0.9 sit where the rate is
#: sqrt(gamma), see lossopt.quadratic, so GD at lr = 0.09 beats them there);
#: the adaptive methods move each parameter about lr per step whatever the
#: slope, so one lr of about 0.1 suits every surface.  AdaDelta has no lr;
#: its eps sets how small its first steps are (sqrt(eps)), and the book's
#: default of 1e-6 would spend most of a 300-step race getting started.
# The adaptive methods share one setting on every surface.
_ADAPTIVE_HYPER = {
    "adagrad": {"lr": 0.5}, "rmsprop": {"lr": 0.05, "gamma": 0.9},
    "adadelta": {"gamma": 0.95, "eps": 1e-4}, "adam": {"lr": 0.1}, "nadam": {"lr": 0.1},
}


def _momentum_family(gd_lr, momentum_lr):
    return {"gd": {"lr": gd_lr}, "momentum": {"lr": momentum_lr, "gamma": 0.9},
            "nag": {"lr": momentum_lr, "gamma": 0.9}}


RACE_HYPER = {
    surface: {**_momentum_family(gd_lr, momentum_lr), **_ADAPTIVE_HYPER}
    for surface, gd_lr, momentum_lr in [
        ("bowl", 0.1, 0.02),
        ("ravine", 0.09, 0.01),
        ("rosenbrock", 0.001, 0.001),
        ("beale", 0.01, 0.005),
        ("saddle", 0.1, 0.02),
    ]
}


def _surface(surface):
    if isinstance(surface, Surface):
        return surface
    if isinstance(surface, str):
        return get_surface(surface)
    raise ValueError(f"surface must be a Surface or the name of one, got {surface!r}")


def race_hyper(surface):
    """A fresh copy of :data:`RACE_HYPER` for ``surface`` (a Surface or a name).

    A surface the table does not know gets an empty dict: every optimizer then
    runs with its own defaults.
    """
    return copy.deepcopy(RACE_HYPER.get(_surface(surface).name, {}))


def hyper_table(names=None):
    """:data:`RACE_HYPER` as a Markdown table: one row per optimizer, one column per surface."""
    surfaces = list(RACE_HYPER)
    names = list(names) if names is not None else list(RACE_HYPER[surfaces[0]])
    rows = [f"| {tr('optimizer')} | " + " | ".join(tr(s) for s in surfaces) + " |",
            "| --- |" + " --- |" * len(surfaces)]
    for name in names:
        cells = []
        for surface in surfaces:
            settings = RACE_HYPER[surface].get(name, {})
            cells.append(", ".join(f"{key} = {value:g}" for key, value in settings.items())
                         or tr("defaults"))
        rows.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(rows)


# ------------------------------------------------------------------- race


def race(optimizers, surface, n_steps=300, hyper=None, theta0=None, limit=1e6):
    """Run every optimizer on ``surface`` from the same start; return their paths.

    ``optimizers`` maps a name to an ``(init, step)`` pair.  ``surface`` is a
    Surface or its name.  ``hyper`` maps a name to keyword arguments for that
    optimizer's step; they override :func:`race_hyper`'s suggestion for the
    surface, which is used for any name ``hyper`` leaves out (a name in
    neither runs with its step's defaults).  ``theta0`` defaults to the
    surface's suggested start.  A run that leaves the finite numbers, or
    passes ``limit`` in size, stops there: its Trajectory says
    ``diverged=True`` and at which step.

    Returns ``{name: Trajectory}`` in the order of ``optimizers``; each
    Trajectory holds the surface's value at every visited point.
    """
    surface = _surface(surface)
    if not isinstance(optimizers, dict) or not optimizers:
        raise ValueError("optimizers must be a non-empty dict: name -> (init, step)")
    for name, pair in optimizers.items():
        if (not isinstance(pair, (tuple, list)) or len(pair) != 2
                or not all(callable(f) for f in pair)):
            raise ValueError(f"optimizers[{name!r}] must be an (init, step) pair of "
                             f"functions, got {pair!r}")
    hyper = {} if hyper is None else hyper
    if not isinstance(hyper, dict):
        raise ValueError(f"hyper must be a dict: name -> keyword arguments, got {hyper!r}")
    unknown = sorted(set(hyper) - set(optimizers))
    if unknown:
        raise ValueError(f"hyper names {unknown} are not among the optimizers "
                         f"{list(optimizers)}")
    if not isinstance(n_steps, (int, np.integer)) or n_steps < 0:
        raise ValueError(f"n_steps must be an integer >= 0, got {n_steps!r}")
    start = surface.start if theta0 is None else np.asarray(theta0, dtype=float)
    if start.shape != (2,):
        raise ValueError(f"theta0 must have shape (2,), got {start.shape}")
    suggested = race_hyper(surface)
    paths = {}
    for name, (init, step) in optimizers.items():
        settings = {**suggested.get(name, {}), **hyper.get(name, {})}
        paths[name] = run(init, step, start, surface.grad, n_steps,
                          value_fn=surface.value, limit=limit, **settings)
    return paths


def _diverged_at(trajectory):
    """The step whose result left the finite numbers or the limit, as its message says.

    The path keeps the points before it, so this is one more than its last index.
    """
    return len(trajectory.thetas)


def plot_race(ax, surface, trajectories, upto=None, legend=True):
    """Draw the race on ``ax``: contours and each path up to step ``upto``.

    ``trajectories`` is what :func:`race` returns.  A run that diverged
    before ``upto`` ends in a cross at its last finite point, and its label
    names the step that diverged, as its Trajectory's message does:
    ``"gd (diverged at step 17)"``.
    """
    surface = _surface(surface)
    if upto is not None and upto < 0:
        raise ValueError(f"upto must be >= 0, got {upto}")
    paths = {}
    stops = {}
    for name, trajectory in trajectories.items():
        if not isinstance(trajectory, Trajectory):
            raise ValueError(f"trajectories[{name!r}] must be a Trajectory, got {trajectory!r}")
        end = len(trajectory.thetas) if upto is None else upto + 1
        label = name
        if trajectory.diverged and end >= len(trajectory.thetas):
            stops[name] = trajectory.thetas[-1]
            label = tr("{name} (diverged at step {step})").format(
                name=name, step=_diverged_at(trajectory))
        paths[label] = trajectory.thetas[:end]
    plot_contours(ax, surface, paths)
    for color, (name, point) in zip(PATH_COLORS, ((n, stops.get(n)) for n in trajectories)):
        if point is not None:
            ax.plot(*point, marker="X", color=color, markersize=9, markeredgecolor="black",
                    linestyle="none")
    if legend and paths:
        ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), fontsize="small",
                  borderaxespad=0.0)
    elif ax.get_legend() is not None:
        ax.get_legend().remove()
    return ax
