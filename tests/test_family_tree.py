"""Tests of lossopt.family_tree: who descends from whom, and the drawing."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from lossopt.family_tree import (_BOX_HEIGHT, _BOX_WIDTH, FAMILY_EDGES, FAMILY_NODES,  # noqa: E402
                                 draw_family_tree)


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def test_family_tree_edges_join_known_nodes_and_reach_everyone_from_gd():
    reached = {"gd"}
    for parent, child in FAMILY_EDGES:
        assert parent in FAMILY_NODES and child in FAMILY_NODES
    changed = True
    while changed:
        changed = False
        for parent, child in FAMILY_EDGES:
            if parent in reached and child not in reached:
                reached.add(child)
                changed = True
    assert reached == set(FAMILY_NODES)


def test_family_tree_parents_of_adam_and_nadam():
    def parents(child):
        return {p for p, c in FAMILY_EDGES if c == child}
    assert parents("adam") == {"momentum", "rmsprop"}
    assert parents("nadam") == {"adam", "nag"}
    assert parents("adadelta") == {"adagrad"}
    assert parents("rmsprop") == {"adagrad"}


def test_draw_family_tree_draws_one_label_per_optimizer():
    fig = draw_family_tree()
    texts = {text.get_text() for text in fig.axes[0].texts}
    assert {label for label, *_ in FAMILY_NODES.values()} <= texts


def test_every_arrow_is_long_enough_to_see():
    # between the boxes' edges, each arrow runs at least a third of a box width
    for parent, child in FAMILY_EDGES:
        (x0, y0), (x1, y1) = FAMILY_NODES[parent][1:3], FAMILY_NODES[child][1:3]
        gap = abs(x1 - x0) - _BOX_WIDTH
        assert gap >= _BOX_WIDTH / 3 or abs(y1 - y0) > 0.6, (parent, child)


def test_no_two_boxes_overlap():

    nodes = list(FAMILY_NODES.values())
    for i, (_, xa, ya, _) in enumerate(nodes):
        for _, xb, yb, _ in nodes[i + 1:]:
            assert abs(xa - xb) >= _BOX_WIDTH or abs(ya - yb) >= _BOX_HEIGHT
