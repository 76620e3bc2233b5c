"""Tests of lossopt.race: the race runner, its hyperparameter table, its plots."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from lossopt.race import RACE_HYPER, hyper_table, plot_race, race, race_hyper  # noqa: E402
from lossopt.surfaces import SURFACES  # noqa: E402
from solutions.optimizers import OPTIMIZERS  # noqa: E402


def plain_init(theta):
    return ()


def plain_step(theta, grad_fn, state, *, lr=0.01):
    return theta - lr * grad_fn(theta), state


PLAIN = {"plain": (plain_init, plain_step)}


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def test_race_starts_every_run_at_the_surface_start():
    paths = race(OPTIMIZERS, "bowl", n_steps=5)
    assert list(paths) == list(OPTIMIZERS)
    for trajectory in paths.values():
        np.testing.assert_array_equal(trajectory.thetas[0], SURFACES["bowl"].start)
        assert trajectory.thetas.shape == (6, 2)
        assert trajectory.values.shape == (6,)


def test_hyper_overrides_the_table_and_reaches_the_step():
    # one plain GD step from the bowl's start: theta - lr * theta (the bowl's gradient is theta)
    start = SURFACES["bowl"].start
    paths = race(PLAIN, "bowl", n_steps=1, hyper={"plain": {"lr": 0.25}})
    np.testing.assert_allclose(paths["plain"].thetas[1], start - 0.25 * start)


def test_names_missing_from_hyper_get_the_table_suggestion():
    gd_init, gd_step = OPTIMIZERS["gd"]
    paths = race({"gd": (gd_init, gd_step)}, "ravine", n_steps=1)
    start = SURFACES["ravine"].start
    lr = RACE_HYPER["ravine"]["gd"]["lr"]
    np.testing.assert_allclose(paths["gd"].thetas[1], start - lr * SURFACES["ravine"].grad(start))


def test_a_name_in_neither_table_nor_hyper_runs_with_its_defaults():
    paths = race(PLAIN, "bowl", n_steps=1)
    start = SURFACES["bowl"].start
    np.testing.assert_allclose(paths["plain"].thetas[1], start - 0.01 * start)


def test_theta0_replaces_the_start():
    paths = race(PLAIN, "bowl", n_steps=1, theta0=[1.0, -1.0])
    np.testing.assert_array_equal(paths["plain"].thetas[0], [1.0, -1.0])


def test_a_diverging_run_stops_and_says_so():
    # ravine curvature 20: each GD step multiplies theta_2 by 1 - 20 lr = -19
    paths = race(PLAIN, "ravine", n_steps=50, hyper={"plain": {"lr": 1.0}})
    trajectory = paths["plain"]
    assert trajectory.diverged
    assert len(trajectory.thetas) < 51
    assert np.all(np.isfinite(trajectory.thetas))
    assert "diverged" in trajectory.message


@pytest.mark.parametrize("surface", ["bowl", "ravine", "rosenbrock", "beale"])
def test_the_suggested_hyperparameters_make_every_optimizer_descend(surface):
    paths = race(OPTIMIZERS, surface, n_steps=300)
    for name, trajectory in paths.items():
        assert not trajectory.diverged, f"{name} diverged on {surface}"
        assert trajectory.values[-1] < 0.5 * trajectory.values[0], f"{name} on {surface}"


@pytest.mark.parametrize("surface", ["bowl", "ravine"])
def test_on_the_quadratics_every_optimizer_gets_near_the_minimum(surface):
    paths = race(OPTIMIZERS, surface, n_steps=300)
    for name, trajectory in paths.items():
        distance = np.linalg.norm(trajectory.thetas[-1] - SURFACES[surface].minimum)
        assert distance < 0.1, f"{name} ended {distance:.3f} from the minimum of {surface}"


def test_on_the_saddle_every_optimizer_escapes_downhill():
    paths = race(OPTIMIZERS, "saddle", n_steps=300)
    for name, trajectory in paths.items():
        assert trajectory.values[-1] < -1.0, f"{name} stayed on the saddle"


@pytest.mark.parametrize("bad, match", [
    ({}, "non-empty"),
    ({"plain": plain_step}, "pair"),
    ({"plain": (plain_init, 3)}, "pair"),
])
def test_bad_optimizers_are_a_value_error(bad, match):
    with pytest.raises(ValueError, match=match):
        race(bad, "bowl", n_steps=1)


def test_a_hyper_name_without_optimizer_is_a_value_error():
    with pytest.raises(ValueError, match="adamm"):
        race(PLAIN, "bowl", n_steps=1, hyper={"adamm": {"lr": 0.1}})


def test_an_unknown_surface_is_a_value_error():
    with pytest.raises(ValueError, match="unknown surface"):
        race(PLAIN, "volcano", n_steps=1)


@pytest.mark.parametrize("n_steps", [-1, 2.5])
def test_a_bad_step_count_is_a_value_error(n_steps):
    with pytest.raises(ValueError, match="n_steps"):
        race(PLAIN, "bowl", n_steps=n_steps)


def test_race_hyper_is_a_copy():
    settings = race_hyper("bowl")
    settings["gd"]["lr"] = 123.0
    assert RACE_HYPER["bowl"]["gd"]["lr"] != 123.0


def test_the_table_covers_every_surface_and_optimizer():
    assert set(RACE_HYPER) == set(SURFACES)
    for surface, settings in RACE_HYPER.items():
        assert set(settings) == set(OPTIMIZERS), surface


def test_hyper_table_has_a_row_per_optimizer():
    table = hyper_table().splitlines()
    assert table[0] == "| optimizer | bowl | ravine | rosenbrock | beale | saddle |"
    assert len(table) == 2 + len(OPTIMIZERS)
    assert table[2].startswith("| gd | lr = 0.1 |")


def test_plot_race_cuts_each_path_at_upto():
    paths = race(PLAIN, "bowl", n_steps=20, hyper={"plain": {"lr": 0.1}})
    fig, ax = plt.subplots()
    plot_race(ax, "bowl", paths, upto=7)
    lines = [line for line in ax.get_lines() if line.get_label() == "plain"]
    assert len(lines) == 1
    assert len(lines[0].get_xdata()) == 8


def test_plot_race_marks_where_a_diverged_run_stopped():
    paths = race(PLAIN, "ravine", n_steps=50, hyper={"plain": {"lr": 1.0}})
    fig, ax = plt.subplots()
    plot_race(ax, "ravine", paths, upto=50)
    labels = [text.get_text() for text in ax.get_legend().get_texts()]
    # the label and the Trajectory's message name the same step
    step = int(paths["plain"].message.split("diverged at step ")[1].split(":")[0])
    assert labels == [f"plain (diverged at step {step})"]
    assert step == len(paths["plain"].thetas)


def test_plot_race_before_the_divergence_shows_a_plain_label():
    paths = race(PLAIN, "ravine", n_steps=50, hyper={"plain": {"lr": 1.0}})
    fig, ax = plt.subplots()
    plot_race(ax, "ravine", paths, upto=1)
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["plain"]
