"""The lossopt core: surfaces, data sets, the trajectory runner and the plotting helpers."""

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from lossopt import data, plotting, surfaces  # noqa: E402
from lossopt.trajectory import run  # noqa: E402
from solutions.optimizers import gd_init, gd_step  # noqa: E402

NAMES = ["bowl", "ravine", "rosenbrock", "beale", "saddle"]


def test_the_five_surfaces_exist():
    assert set(NAMES) <= set(surfaces.SURFACES)


@pytest.mark.parametrize("name", NAMES)
def test_surface_gradient_matches_central_differences(name):
    surface = surfaces.get_surface(name)
    rng = np.random.default_rng(2)
    lo = np.array([surface.xlim[0], surface.ylim[0]])
    hi = np.array([surface.xlim[1], surface.ylim[1]])
    for theta in rng.uniform(lo, hi, size=(10, 2)):
        h = 1e-6
        numeric = [(surface.value(theta + h * e) - surface.value(theta - h * e)) / (2 * h)
                   for e in np.eye(2)]
        np.testing.assert_allclose(surface.grad(theta), numeric, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("name", NAMES)
def test_surface_is_vectorised_over_grids(name):
    surface = surfaces.get_surface(name)
    X, Y, Z = surface.grid(7)
    assert Z.shape == (7, 7)
    assert surface.grad(np.stack([X, Y], axis=-1)).shape == (7, 7, 2)
    assert Z[3, 4] == pytest.approx(surface.value(np.array([X[3, 4], Y[3, 4]])))


@pytest.mark.parametrize("name", ["bowl", "ravine", "rosenbrock", "beale"])
def test_minimum_is_a_stationary_point_with_the_lowest_value(name):
    surface = surfaces.get_surface(name)
    np.testing.assert_allclose(surface.grad(surface.minimum), [0.0, 0.0], atol=1e-12)
    _, _, Z = surface.grid(80)
    assert surface.value(surface.minimum) <= Z.min() + 1e-12


def test_saddle_has_no_minimum_and_is_unbounded_below():
    saddle = surfaces.get_surface("saddle")
    assert saddle.minimum is None
    assert saddle.value(np.array([0.0, 10.0])) < saddle.value(np.zeros(2)) == 0.0


@pytest.mark.parametrize("name", NAMES)
def test_start_is_inside_the_window(name):
    surface = surfaces.get_surface(name)
    assert surface.xlim[0] < surface.start[0] < surface.xlim[1]
    assert surface.ylim[0] < surface.start[1] < surface.ylim[1]


def test_unknown_surface_names_the_known_ones():
    with pytest.raises(ValueError, match="rosenbrock"):
        surfaces.get_surface("himmelblau")


def test_surface_rejects_points_that_are_not_pairs():
    with pytest.raises(ValueError, match=r"\(\.\.\., 2\)"):
        surfaces.get_surface("bowl").value(np.zeros(3))


def test_largest_stable_lr_is_two_over_the_largest_curvature():
    ravine = surfaces.get_surface("ravine")
    assert surfaces.largest_stable_lr(ravine) == 0.1  # curvatures 1 and 20: 2 / 20
    lr = surfaces.largest_stable_lr(ravine)
    below = run(gd_init, gd_step, ravine.start, ravine.grad, 400, lr=0.95 * lr)
    above = run(gd_init, gd_step, ravine.start, ravine.grad, 400, lr=1.05 * lr)
    assert not below.diverged and above.diverged
    with pytest.raises(ValueError, match="not a quadratic"):
        surfaces.largest_stable_lr(surfaces.get_surface("rosenbrock"))


# ------------------------------------------------------------------ data


def test_regression_is_seeded_and_shaped():
    x1, y1 = data.make_regression(n=30, seed=4)
    x2, y2 = data.make_regression(n=30, seed=4)
    np.testing.assert_array_equal(y1, y2)
    assert x1.shape == y1.shape == (30,)
    assert not np.array_equal(y1, data.make_regression(n=30, seed=5)[1])


def test_regression_follows_its_line_without_noise():
    x, y = data.make_regression(n=10, slope=-1.5, intercept=4.0, noise=0.0)
    np.testing.assert_allclose(y, -1.5 * x + 4.0)


def test_regression_outliers_are_shifted_by_their_size():
    x, clean = data.make_regression(n=20, seed=1)
    _, dirty = data.make_regression(n=20, n_outliers=2, outlier_size=50.0, seed=1)
    np.testing.assert_allclose(dirty - clean, [0.0] * 18 + [50.0, 50.0])


@pytest.mark.parametrize("kwargs, message", [
    ({"n": 0}, "n must"), ({"n": 5, "n_outliers": 6}, "n_outliers"), ({"noise": -1}, "noise")])
def test_regression_rejects_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        data.make_regression(**kwargs)


@pytest.mark.parametrize("n_classes", [2, 3])
def test_classification_has_balanced_seeded_classes(n_classes):
    X, labels = data.make_classification(n=60, n_classes=n_classes, seed=3)
    assert X.shape == (60, 2) and labels.shape == (60,)
    assert np.bincount(labels).tolist() == [60 // n_classes] * n_classes
    np.testing.assert_array_equal(X, data.make_classification(n=60, n_classes=n_classes,
                                                              seed=3)[0])


def test_classification_rejects_other_class_counts():
    with pytest.raises(ValueError, match="n_classes"):
        data.make_classification(n_classes=4)


# ------------------------------------------------------------ trajectory


def test_run_records_every_point_and_value():
    bowl = surfaces.get_surface("bowl")
    path = run(gd_init, gd_step, bowl.start, bowl.grad, 5, bowl.value, lr=0.5)
    assert path.thetas.shape == (6, 2) and path.values.shape == (6,)
    np.testing.assert_allclose(path.thetas[-1], bowl.start * 0.5**5)
    assert not path.diverged and "5 steps" in path.message


def test_run_stops_and_says_so_when_values_stop_being_finite():
    def exploding_grad(theta):
        return theta * 1e200

    path = run(gd_init, gd_step, np.array([1.0, 1.0]), exploding_grad, 50, lr=1.0, limit=np.inf)
    assert path.diverged and "diverged at step" in path.message
    assert np.isfinite(path.thetas).all()


def test_run_stops_past_the_limit():
    ravine = surfaces.get_surface("ravine")
    path = run(gd_init, gd_step, ravine.start, ravine.grad, 100, ravine.value, lr=0.2)
    assert path.diverged and "passed" in path.message
    assert np.abs(path.thetas).max() <= 1e6 and np.isfinite(path.values).all()
    assert len(path.thetas) == len(path.values) < 101


def test_run_without_value_fn_has_no_values():
    bowl = surfaces.get_surface("bowl")
    assert run(gd_init, gd_step, bowl.start, bowl.grad, 3, lr=0.1).values is None


def test_run_does_not_alter_the_start():
    start = np.array([1.0, 2.0])
    run(gd_init, gd_step, start, lambda t: t, 3, lr=0.1)
    np.testing.assert_array_equal(start, [1.0, 2.0])


# -------------------------------------------------------------- plotting


def test_plot_contours_draws_paths_and_the_minimum():
    surface = surfaces.get_surface("rosenbrock")
    fig, ax = plt.subplots()
    path = np.array([surface.start, [0.0, 0.5], [0.9, 0.8]])
    plotting.plot_contours(ax, surface, paths={"gd": path})
    lines = [line for line in ax.get_lines() if line.get_label() == "gd"]
    assert len(lines) == 1
    np.testing.assert_array_equal(lines[0].get_xdata(), path[:, 0])
    assert ax.get_legend() is not None and ax.get_xlim() == surface.xlim
    plt.close(fig)


def test_plot_loss_curves_and_loss_vs_prediction():
    fig, (a, b) = plt.subplots(1, 2)
    plotting.plot_loss_curves(a, {"x": [4.0, 2.0, 1.0]})
    assert a.get_yscale() == "log" and list(a.get_lines()[0].get_ydata()) == [4.0, 2.0, 1.0]
    plotting.plot_loss_vs_prediction(b, lambda t, p: float(np.abs(t - p).sum()), 1.0,
                                     [0.0, 1.0, 3.0])
    assert list(b.get_lines()[0].get_ydata()) == [1.0, 0.0, 2.0]
    plt.close(fig)


def test_plain_log_ticks_label_decades_as_text_without_minor_ticks():
    fig, ax = plt.subplots()
    ax.set_yscale("log")
    ax.plot([1.0, 2.0], [1e-3, 1e2])
    plotting.plain_log_ticks(ax.yaxis)
    fig.canvas.draw()
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert "10⁻³" in labels and "10⁰" in labels and "10²" in labels, labels
    assert list(ax.yaxis.get_minorticklocs()) == []
    plt.close(fig)
