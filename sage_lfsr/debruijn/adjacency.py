r"""
Conjugate pairs and the adjacency graph of a register's cycles.

Two states are conjugate when they differ only in `x_0`. Over `GF(q)` the `q`
states `(c, x_1, \ldots, x_{d-1})`, `c \in GF(q)`, form a conjugate set, and in
a shift register they all have successors in `\{(x_1, \ldots, x_{d-1}, v)\}`:
exchanging the successors of two conjugate states on different cycles joins the
two cycles into one and keeps a shift register (the cycle-joining method).
The adjacency graph has the cycles as vertices and one edge for each conjugate
pair whose states lie on two different cycles: its spanning trees are the ways
of joining every cycle into one (:mod:`sage_lfsr.debruijn.counting`,
:mod:`sage_lfsr.debruijn.joining`).

Vertices are the cycles' least states (the map's names for them), with the
attribute ``length``; each edge carries ``pair``, the two conjugate states.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from sage_lfsr.debruijn.cycles import CycleLabels, cycle_labels


class ConjugatePairs(NamedTuple):
    r"""
    The conjugate pairs across two cycles: ``states[k] = (a, b)`` (`a < b`, equal
    but for `x_0`) and ``cycles[k]``, the numbers of their cycles in ``labels``.
    """

    states: np.ndarray
    cycles: np.ndarray
    labels: CycleLabels


def conjugate_pairs(register, cycle_map=None, **map_options) -> ConjugatePairs:
    r"""
    Every conjugate pair of ``register`` whose two states lie on different
    cycles (an invertible register that :func:`~sage_lfsr.map_cycles` takes; the
    map is ``cycle_map`` or one made now with ``map_options``).

    OUTPUT: a :class:`ConjugatePairs`

    EXAMPLES:

    The pure cycling register of order 3 (`x^3 + 1`) has four cycles, the
    necklaces ``000, 001, 011, 111``; the pair ``(000, 100)`` joins the first two::

        sage: from sage_lfsr import LFSR
        sage: from sage_lfsr.debruijn import conjugate_pairs
        sage: pairs = conjugate_pairs(LFSR.from_polynomial("x^3 + 1"))
        sage: pairs.states.tolist()
        [[0, 1], [2, 3], [4, 5], [6, 7]]
        sage: pairs.labels.smallest[pairs.cycles].tolist()
        [[0, 1], [1, 3], [1, 3], [3, 7]]

    Over `GF(3)` every two states of a conjugate set count::

        sage: len(conjugate_pairs(LFSR.from_polynomial("x^2 + 2", q=3)).states)
        9
    """
    return pairs_of(cycle_labels(register, cycle_map, **map_options))


def pairs_of(labels: CycleLabels) -> ConjugatePairs:
    r"""The :class:`ConjugatePairs` of the cycles ``labels`` (:func:`~sage_lfsr.debruijn.cycles.cycle_labels`)."""
    q = labels.q
    bases = np.arange(0, labels.state_count, q, dtype=np.int64)
    firsts, seconds = [], []
    for low in range(q):
        for high in range(low + 1, q):
            across = labels.labels[bases + low] != labels.labels[bases + high]
            firsts.append(bases[across] + low)
            seconds.append(bases[across] + high)
    states = np.stack([np.concatenate(firsts), np.concatenate(seconds)], axis=1) if firsts else \
        np.empty((0, 2), dtype=np.int64)
    states = states[np.lexsort((states[:, 1], states[:, 0]))]
    return ConjugatePairs(states, labels.labels[states].astype(np.int64), labels)


def adjacency_graph(register, cycle_map=None, pairs=None, **map_options):
    r"""
    The adjacency graph of ``register``'s cycles as a ``networkx.MultiGraph``:
    a vertex for each cycle (its least state, attribute ``length``), an edge for
    each conjugate pair across two cycles (attribute ``pair``).

    INPUT:

    - ``register`` -- an invertible register :func:`~sage_lfsr.map_cycles` takes
      (LFSR of either form, affine, FSR, matrix)
    - ``cycle_map`` -- its map (default: one made now with ``map_options``:
      ``schedule``, ``workers``, ``kernel``, ...)
    - ``pairs`` -- :func:`conjugate_pairs` already computed (then the other
      arguments are not used)

    EXAMPLES::

        sage: from sage_lfsr import LFSR
        sage: from sage_lfsr.debruijn import adjacency_graph
        sage: graph = adjacency_graph(LFSR.from_polynomial("x^4 + 1"), schedule="steal", workers=2)
        sage: sorted(graph.nodes(data="length"))
        [(0, 1), (1, 4), (3, 4), (5, 2), (7, 4), (15, 1)]
        sage: graph.number_of_edges(), graph.number_of_edges(1, 3)
        (8, 2)
        sage: sorted(pair for _, _, pair in graph.edges(data="pair"))[:3]
        [(0, 1), (2, 3), (4, 5)]
    """
    if pairs is None:
        pairs = conjugate_pairs(register, cycle_map, **map_options)
    return multigraph(pairs)


def multigraph(pairs: ConjugatePairs):
    r"""
    The ``networkx.MultiGraph`` of ``pairs``, written straight into networkx's
    documented adjacency dicts (node -> neighbour -> key -> data), edges grouped
    by their two ends, with the garbage collector paused: half a million edges
    (`x^{20} + 1`) in about a second, three times faster than ``add_edges_from``.

    EXAMPLES::

        sage: import networkx
        sage: from sage_lfsr import FSR
        sage: from sage_lfsr.debruijn import conjugate_pairs
        sage: from sage_lfsr.debruijn.adjacency import multigraph
        sage: pairs = conjugate_pairs(FSR("x0 + x1*x3 + x2", 5))
        sage: graph, slow = multigraph(pairs), networkx.MultiGraph()
        sage: slow.add_nodes_from(graph.nodes(data=True))
        sage: _ = slow.add_edges_from((int(pairs.labels.smallest[u]), int(pairs.labels.smallest[v]), {"pair": tuple(p)})
        ....:                         for (u, v), p in zip(pairs.cycles.tolist(), pairs.states.tolist()))
        sage: networkx.utils.edges_equal(graph.edges(keys=True, data=True), slow.edges(keys=True, data=True))
        True
    """
    import gc

    import networkx

    labels = pairs.labels
    names = labels.smallest
    ends = names[pairs.cycles]
    low, high = np.minimum(ends[:, 0], ends[:, 1]), np.maximum(ends[:, 0], ends[:, 1])
    order = np.lexsort((high, low))
    graph = networkx.MultiGraph()
    nodes, adjacency = graph._node, graph._adj
    collecting = gc.isenabled()
    gc.disable()  # a collection per few thousand new dicts would triple the time
    try:
        for name, length in zip(names.tolist(), labels.lengths.tolist()):
            nodes[name], adjacency[name] = {"length": length}, {}
        previous, keyed, key = None, None, 0
        for u, v, a, b in zip(low[order].tolist(), high[order].tolist(), pairs.states[order, 0].tolist(),
                              pairs.states[order, 1].tolist()):
            if (u, v) != previous:
                previous, keyed, key = (u, v), {}, 0
                adjacency[u][v] = adjacency[v][u] = keyed
            keyed[key] = {"pair": (a, b)}
            key += 1
    finally:
        if collecting:
            gc.enable()
    return graph
