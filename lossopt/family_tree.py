"""How the optimizers of the course descend from gradient descent.

After Ha's lecture slides, which the course's lecture follows, with one
correction: AdaDelta extends Adagrad (Zeiler 2012 starts from Adagrad's
shrinking steps), and RMSProp (Hinton's lecture notes, 2012) was developed
independently of it; both replace Adagrad's sum by a moving average.
"""

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

from lossopt.i18n import tr

#: Each optimizer of the tree: (label, x, y, branch).  Branch "direction"
#: changes which way a step goes, "size" how long it is, "both" combines them.
FAMILY_NODES = {
    "gd": ("GD", 0.0, 1.0, "root"),
    "sgd": ("SGD", 1.4, 1.0, "root"),
    "momentum": ("Momentum", 2.7, 2.0, "direction"),
    "nag": ("NAG", 4.0, 2.0, "direction"),
    "adagrad": ("Adagrad", 2.7, 0.0, "size"),
    "rmsprop": ("RMSProp", 4.0, 0.3, "size"),
    "adadelta": ("AdaDelta", 4.0, -0.45, "size"),
    "adam": ("Adam", 5.3, 1.0, "both"),
    "nadam": ("Nadam", 6.5, 1.5, "both"),
}

#: (parent, child): the child keeps the parent's idea and adds one of its own.
FAMILY_EDGES = (
    ("gd", "sgd"),
    ("sgd", "momentum"),
    ("momentum", "nag"),
    ("sgd", "adagrad"),
    ("adagrad", "rmsprop"),
    ("adagrad", "adadelta"),
    ("rmsprop", "adam"),
    ("momentum", "adam"),
    ("adam", "nadam"),
    ("nag", "nadam"),
)

_BRANCH_COLORS = {"root": "#e0e0e0", "direction": "#cfe2f3",
                  "size": "#fce5cd", "both": "#d9ead3"}
_BOX_WIDTH, _BOX_HEIGHT = 0.9, 0.36


def _box_edge(start, end):
    """Where the segment from box centre ``start`` towards ``end`` leaves the box."""
    direction = np.asarray(end, dtype=float) - np.asarray(start, dtype=float)
    scales = [(_BOX_WIDTH / 2) / abs(direction[0]) if direction[0] else np.inf,
              (_BOX_HEIGHT / 2) / abs(direction[1]) if direction[1] else np.inf]
    return np.asarray(start) + min(scales) * direction


def draw_family_tree(ax=None):
    """Draw :data:`FAMILY_NODES` and :data:`FAMILY_EDGES` as boxes and arrows.

    Draws on ``ax`` if given, else on a new figure.  Returns the Figure.
    """
    if ax is None:
        fig, ax = plt.subplots(figsize=(8, 3.4), layout="constrained")
    fig = ax.figure
    for parent, child in FAMILY_EDGES:
        a = FAMILY_NODES[parent][1:3]
        b = FAMILY_NODES[child][1:3]
        ax.add_patch(FancyArrowPatch(_box_edge(a, b), _box_edge(b, a), arrowstyle="-|>",
                                     mutation_scale=14, color="0.3", linewidth=1.2,
                                     shrinkA=0, shrinkB=1))
    for label, x, y, branch in FAMILY_NODES.values():
        ax.add_patch(FancyBboxPatch((x - _BOX_WIDTH / 2, y - _BOX_HEIGHT / 2), _BOX_WIDTH,
                                    _BOX_HEIGHT, boxstyle="round,pad=0,rounding_size=0.08",
                                    facecolor=_BRANCH_COLORS[branch], edgecolor="0.3"))
        ax.text(x, y, label, ha="center", va="center", fontsize=11)
    ax.text(3.35, 2.45, tr("which way to step: momentum"), ha="center", fontsize=10,
            color="#1f4e79", style="italic")
    ax.text(3.35, -0.95, tr("how far to step: one step size per parameter"), ha="center",
            fontsize=10, color="#7f4f00", style="italic")
    ax.text(5.9, 0.6, tr("both"), ha="center", fontsize=10, color="#274e13", style="italic")
    ax.set_xlim(-0.6, 7.1)
    ax.set_ylim(-1.15, 2.7)
    ax.set_axis_off()
    return fig
