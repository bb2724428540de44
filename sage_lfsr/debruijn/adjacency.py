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
    import networkx

    if pairs is None:
        pairs = conjugate_pairs(register, cycle_map, **map_options)
    labels = pairs.labels
    names = labels.smallest.tolist()
    graph = networkx.MultiGraph()
    graph.add_nodes_from((name, {"length": length}) for name, length in zip(names, labels.lengths.tolist()))
    ends = labels.smallest[pairs.cycles].tolist()
    graph.add_edges_from((u, v, {"pair": (a, b)}) for (u, v), (a, b) in zip(ends, pairs.states.tolist()))
    return graph
