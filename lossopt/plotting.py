"""Matplotlib helpers shared by the chapters and the problem sets."""

import numpy as np
from matplotlib.colors import LogNorm
from matplotlib.ticker import FuncFormatter, NullLocator

from lossopt.i18n import tr

PATH_COLORS = ("tab:blue", "tab:orange", "tab:green", "tab:red", "tab:purple",
               "tab:brown", "tab:pink", "tab:olive", "tab:cyan")
_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def plain_log_ticks(axis):
    """A log axis with no minor ticks and decade labels as plain text (10⁻²).

    Dozens of minor ticks over many decades cost and add little, and matplotlib
    parses mathtext labels again for every new figure.
    """
    axis.set_minor_locator(NullLocator())
    axis.set_major_formatter(FuncFormatter(
        lambda value, _: "10" + str(round(np.log10(value))).translate(_SUPERSCRIPT)))


def plot_contours(ax, surface, paths=None, levels=30, n=160):
    """Draw ``surface``'s contours on ``ax``, its minimum, and optimizer paths.

    ``paths`` maps a label to an array of points of shape (k, 2).  Surfaces
    whose values span many decades get log-spaced levels, so the valley floor
    stays visible.
    """
    X, Y, Z = surface.grid(n)
    positive = Z[Z > 0]
    if positive.size and Z.min() >= 0 and Z.max() / positive.min() > 1e3:
        edges = np.geomspace(max(positive.min(), Z.max() * 1e-6), Z.max(), levels)
        ax.contour(X, Y, Z, levels=edges, norm=LogNorm(), cmap="viridis", linewidths=0.8)
    else:
        ax.contour(X, Y, Z, levels=levels, cmap="viridis", linewidths=0.8)
    if surface.minimum is not None:
        ax.plot(*surface.minimum, marker="*", color="black", markersize=12, linestyle="none")
    for color, (label, points) in zip(PATH_COLORS, (paths or {}).items()):
        points = np.asarray(points)
        ax.plot(points[:, 0], points[:, 1], "-o", color=color, markersize=2.5,
                linewidth=1.2, label=label)
        ax.plot(*points[0], "s", color=color, markersize=5)
    ax.set_xlim(surface.xlim)
    ax.set_ylim(surface.ylim)
    ax.set_xlabel(r"$\theta_1$")
    ax.set_ylabel(r"$\theta_2$")
    if paths:
        ax.legend(loc="upper right", fontsize="small")
    return ax


def plot_loss_curves(ax, curves, log=True):
    """Plot each labelled sequence of loss values against the step number."""
    for color, (label, values) in zip(PATH_COLORS, curves.items()):
        ax.plot(np.arange(len(values)), values, color=color, label=label)
    if log:
        ax.set_yscale("log")
    ax.set_xlabel(tr("step"))
    ax.set_ylabel(tr("loss"))
    if curves:
        ax.legend(fontsize="small")
    return ax


def plot_loss_vs_prediction(ax, loss_fn, y_true, y_pred_grid, label=None, **kwargs):
    """Plot ``loss_fn([y_true], [p])`` for every prediction p in ``y_pred_grid``."""
    y_pred_grid = np.asarray(y_pred_grid, dtype=float)
    losses = [loss_fn(np.array([y_true]), np.array([p])) for p in y_pred_grid]
    ax.plot(y_pred_grid, losses, label=label, **kwargs)
    ax.axvline(y_true, color="gray", linewidth=0.8, linestyle="--")
    ax.set_xlabel(tr("predicted value"))
    ax.set_ylabel(tr("loss"))
    return ax
