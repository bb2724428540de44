r"""
Figures of cycle joining (issue 21): the adjacency graph of a register's cycles
with vertices sized by cycle length and a spanning tree highlighted, and a
joined register's state graph beside the original's. Data in,
:class:`matplotlib.figure.Figure` out, as in :mod:`sage_lfsr.plot`.

EXAMPLES::

    sage: from sage_lfsr import LFSR
    sage: from sage_lfsr.debruijn_plots import adjacency_figure, joining_figure
    sage: register = LFSR.from_polynomial("x^4 + 1")
    sage: figure = adjacency_figure(register, tree_seed=1)
    sage: len(figure.axes[0].collections) >= 2
    True
    sage: len(joining_figure(register, tree_seed=1).axes)
    2
"""
from __future__ import annotations

from matplotlib.figure import Figure

from sage_lfsr.debruijn import adjacency_graph, join_cycles
from sage_lfsr.debruijn.adjacency import pairs_of
from sage_lfsr.debruijn.cycles import cycle_labels
from sage_lfsr.debruijn.joining import random_spanning_tree
from sage_lfsr.debruijn.successors import integer_argument
from sage_lfsr.plot import transition_graph_figure

#: Most cycles the adjacency figure draws.
MAX_DRAWN_CYCLES = 400


def tree_pairs(register, tree_seed):
    r"""The conjugate pairs of a spanning tree drawn from ``tree_seed`` (as :func:`~sage_lfsr.debruijn.join_cycles` draws it)."""
    pairs = pairs_of(cycle_labels(register))
    return [tuple(pair) for pair in pairs.states[random_spanning_tree(pairs, tree_seed)].tolist()]


def adjacency_figure(register, tree=None, tree_seed=None, axes=None) -> Figure:
    r"""
    The adjacency graph of ``register``'s cycles: a vertex per cycle, its area
    proportional to the cycle's length, labelled by its least state; an edge per
    pair of adjacent cycles, as wide as the conjugate pairs between them; the
    edges of a spanning tree (``tree``: conjugate pairs, or one drawn from
    ``tree_seed``) in red.

    EXAMPLES::

        sage: from sage_lfsr import FSR
        sage: from sage_lfsr.debruijn_plots import adjacency_figure
        sage: adjacency_figure(FSR("x0 + 1", 5)).axes[0].get_title()
        'adjacency graph: 4 cycles, 12 conjugate pairs across them'
    """
    import networkx

    if tree is None and tree_seed is not None:
        integer_argument(tree_seed, "the tree seed")  # before the graph is built
    graph = adjacency_graph(register)
    if graph.number_of_nodes() > MAX_DRAWN_CYCLES:
        raise ValueError(f"the adjacency graph is drawn for at most {MAX_DRAWN_CYCLES} cycles, "
                         f"not {graph.number_of_nodes()}")
    if tree is None and tree_seed is not None:
        tree = tree_pairs(register, tree_seed)
    chosen = {tuple(sorted(pair)) for pair in (tree or [])}
    simple = networkx.Graph()
    simple.add_nodes_from(graph.nodes(data=True))
    for u, v, pair in graph.edges(data="pair"):
        data = simple.get_edge_data(u, v, {"width": 0, "tree": False})
        simple.add_edge(u, v, width=data["width"] + 1, tree=data["tree"] or tuple(sorted(pair)) in chosen)
    if axes is None:
        axes = Figure(figsize=(7, 6), layout="constrained").subplots()
    positions = networkx.spring_layout(simple, seed=1)
    longest = max((length for _, length in simple.nodes(data="length")), default=1)
    sizes = [60 + 600 * length / longest for _, length in simple.nodes(data="length")]
    plain = [(u, v) for u, v, tree_edge in simple.edges(data="tree") if not tree_edge]
    highlighted = [(u, v) for u, v, tree_edge in simple.edges(data="tree") if tree_edge]
    widths = networkx.get_edge_attributes(simple, "width")
    networkx.draw_networkx_edges(simple, positions, edgelist=plain, width=[0.5 + widths[e] ** 0.5 for e in plain],
                                 edge_color="0.7", ax=axes)
    networkx.draw_networkx_edges(simple, positions, edgelist=highlighted, edge_color="tab:red",
                                 width=[1.5 + widths[e] ** 0.5 for e in highlighted], ax=axes)
    networkx.draw_networkx_nodes(simple, positions, node_size=sizes, node_color="tab:blue", alpha=0.85, ax=axes)
    if simple.number_of_nodes() <= 64:
        networkx.draw_networkx_labels(simple, positions, font_size=7, font_color="white", ax=axes)
    axes.axis("off")
    axes.set_title(f"adjacency graph: {graph.number_of_nodes()} cycles, {graph.number_of_edges()} conjugate pairs "
                   f"across them", fontsize="medium")
    return axes.figure


def joining_figure(register, tree=None, tree_seed=0) -> Figure:
    r"""
    The state graph of ``register`` beside that of the register joined on
    ``tree`` (conjugate pairs; default: a spanning tree drawn from ``tree_seed``).

    EXAMPLES::

        sage: from sage_lfsr import LFSR
        sage: from sage_lfsr.debruijn_plots import joining_figure
        sage: [axes.get_title() for axes in joining_figure(LFSR.from_polynomial("x^3 + 1")).axes]
        ['x^3 + 1: 4 cycles', 'joined: one cycle of 8 states']
    """
    joined = join_cycles(register, tree=tree, seed=tree_seed)
    figure = Figure(figsize=(12, 6), layout="constrained")
    left, right = figure.subplots(1, 2)
    name = str(register.characteristic_polynomial()) if hasattr(register, "characteristic_polynomial") \
        else register.anf()
    transition_graph_figure(register, title=f"{name}: {cycle_labels(register).cycle_count} cycles", axes=left)
    transition_graph_figure(joined, title=f"joined: one cycle of {joined.state_count} states", axes=right)
    return figure
