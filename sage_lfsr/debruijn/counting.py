r"""
How many ways the cycles of a register join into one: the number of spanning
trees of its adjacency graph (Kirchhoff's matrix-tree theorem), in exact
integers.

Each spanning tree gives a register with one cycle (one exchange of successors
per tree edge, :func:`~sage_lfsr.debruijn.joining.join_cycles`). Over `GF(2)`
different trees change the feedback at different conjugate pairs, so they give
different de Bruijn sequences; over larger fields different trees can give the
same sequence, and the count is one of trees.

Linear and affine registers are counted from the cycles of their dual
(:mod:`~sage_lfsr.debruijn.spectral`: the Laplacian's eigenvalues are known),
any register up to :data:`MAX_DETERMINANT_VERTICES` cycles by a determinant.
"""
from __future__ import annotations

from sage_lfsr.common.limits import TooLarge
from sage_lfsr.debruijn.adjacency import adjacency_graph, pairs_of
from sage_lfsr.debruijn.cycles import cycle_labels

#: Most vertices of a graph counted by a determinant (after removing leaves).
MAX_DETERMINANT_VERTICES = 3000


def _pruned_laplacian(graph):
    r"""
    ``(factor, rows)``: the graph's leaves (one neighbour, `m` parallel edges)
    removed one by one, each multiplying the count by `m`, and the Laplacian of
    what remains as ``{vertex: {neighbour: -edges, vertex: degree}}``; ``None``
    when a vertex has no neighbour (the graph is not connected).
    """
    weights = {v: {} for v in graph}
    for u, v in graph.edges():
        if u != v:
            weights[u][v] = weights[u].get(v, 0) + 1
            weights[v][u] = weights[v].get(u, 0) + 1
    factor = 1
    leaves = [v for v, around in weights.items() if len(around) == 1]
    while leaves and len(weights) > 1:
        leaf = leaves.pop()
        if leaf not in weights or len(weights[leaf]) != 1:
            continue
        (neighbour, edges), = weights.pop(leaf).items()
        factor *= edges
        del weights[neighbour][leaf]
        if len(weights[neighbour]) == 1:
            leaves.append(neighbour)
    if len(weights) > 1 and any(not around for around in weights.values()):
        return None
    return factor, weights


def _determinant(rows):
    r"""The determinant of the Laplacian ``rows`` with its last vertex removed (Sage's exact integer determinant)."""
    from sage_lfsr.common.sagemath import ZZ, matrix

    vertices = list(rows)[:-1]
    position = {v: i for i, v in enumerate(vertices)}
    entries = {}
    for v in vertices:
        i = position[v]
        entries[i, i] = sum(rows[v].values())
        for u, edges in rows[v].items():
            if u in position:
                entries[i, position[u]] = -edges
    if not vertices:
        return ZZ(1)
    return matrix(ZZ, len(vertices), len(vertices), entries, sparse=False).det()


def spanning_tree_count(graph):
    r"""
    The number of spanning trees of the multigraph ``graph`` (networkx; loops
    ignored), exact: leaves removed, then the determinant of the reduced Laplacian.

    EXAMPLES::

        sage: import networkx
        sage: from sage_lfsr.debruijn import spanning_tree_count
        sage: spanning_tree_count(networkx.complete_graph(5)), spanning_tree_count(networkx.MultiGraph([(0, 1), (0, 1), (1, 2)]))
        (125, 2)
        sage: spanning_tree_count(networkx.MultiGraph([(0, 1), (2, 3)]))
        0
    """
    from sage_lfsr.common.sagemath import Integer

    if graph.number_of_nodes() <= 1:
        return Integer(1)
    pruned = _pruned_laplacian(graph)
    if pruned is None:
        return Integer(0)
    factor, rows = pruned
    if len(rows) > MAX_DETERMINANT_VERTICES:
        raise TooLarge(f"the adjacency graph has {len(rows)} vertices left after removing leaves; spanning trees "
                       f"are counted by a determinant up to {MAX_DETERMINANT_VERTICES}")
    return Integer(factor) * _determinant(rows) if len(rows) > 1 else Integer(factor)


def count_joinings(register, zero_apart=False, cycle_map=None, **map_options):
    r"""
    The number of ways to join every cycle of ``register`` into one, a Sage
    ``Integer`` (it prints in full however long; a Python ``int`` of over 4300
    digits would not) (or, with
    ``zero_apart``, every cycle but the zero state's, for registers whose zero
    state is a cycle of its own, as maximum-period registers keep it): the
    spanning trees of the adjacency graph.

    INPUT:

    - ``register`` -- an invertible register :func:`~sage_lfsr.map_cycles` takes
    - ``zero_apart`` -- leave the zero state out (it must be a fixed point)
    - ``cycle_map``, ``map_options`` -- as for :func:`~sage_lfsr.debruijn.adjacency_graph`

    Linear and affine registers are counted by the formula of
    :mod:`~sage_lfsr.debruijn.spectral` (their dual is mapped too), others by a
    determinant (:func:`spanning_tree_count`).

    EXAMPLES::

        sage: from sage_lfsr import FSR, LFSR
        sage: from sage_lfsr.debruijn import count_joinings
        sage: [count_joinings(LFSR.from_polynomial(f"x^{n} + 1")) for n in (3, 4, 5)]
        [2, 12, 576]
        sage: count_joinings(FSR("x0 + x1*x2", 4)) == count_joinings(FSR("x0 + x1*x2", 4), method="determinant")
        True
        sage: count_joinings(LFSR.from_polynomial("x^4 + x^3 + x^2 + x + 1"), zero_apart=True)
        8
        sage: count_joinings(LFSR.from_polynomial("x^2 + 2", q=3))
        54

    TESTS::

        sage: count_joinings(FSR("x0 + 1", 3), zero_apart=True)
        Traceback (most recent call last):
        ...
        ValueError: zero_apart needs the zero state to be a cycle of its own; it lies on a cycle of 6 states
    """
    method = map_options.pop("method", "auto")
    if method not in ("auto", "spectral", "determinant"):
        raise ValueError(f"unknown method {method!r}: choose 'auto', 'spectral' or 'determinant'")
    labels = cycle_labels(register, cycle_map, **map_options)
    if zero_apart and labels.lengths[labels.labels[0]] != 1:
        raise ValueError("zero_apart needs the zero state to be a cycle of its own; it lies on a cycle of "
                         f"{labels.lengths[labels.labels[0]]} states")
    from sage_lfsr.debruijn.spectral import affine_parts, spectral_count

    binary_leaf = zero_apart and labels.q == 2  # the zero cycle meets one pair, (0, 1): every tree has that edge
    if method != "determinant" and (not zero_apart or binary_leaf) and affine_parts(register) is not None:
        return spectral_count(register, labels, **map_options)
    if method == "spectral":
        raise ValueError("the spectral count needs a linear or affine register (and zero_apart only over GF(2))")
    graph = adjacency_graph(register, pairs=pairs_of(labels))
    if zero_apart:
        graph.remove_node(int(labels.smallest[labels.labels[0]]))
    return spanning_tree_count(graph)
