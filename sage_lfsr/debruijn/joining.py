r"""
Join the cycles of a shift register into one: exchange the successors of the
two states of each conjugate pair on a spanning tree of the adjacency graph.

Why one cycle: exchanging the successors of two states on different cycles of a
permutation joins those two cycles. Take the tree's edges in any order: the
cycles of the map so far are the unions of the original cycles over the
components of the edges taken, and a tree edge always links two components, so
each exchange joins two cycles and the last leaves one. Conjugate states
`(c, x_1, \ldots, x_{d-1})` all have successors `(x_1, \ldots, x_{d-1}, v)`, so
the result is a shift register again: its feedback is the last cell of the new
successor (over `GF(2)`, the old feedback plus 1 at both states of each tree pair).
"""
from __future__ import annotations

import operator

import numpy as np

from sage_lfsr.common.compiled import cached_njit
from sage_lfsr.common.limits import TooLarge
from sage_lfsr.debruijn.adjacency import pairs_of
from sage_lfsr.debruijn.cycles import MAX_LABELLED_STATES, cycle_labels
from sage_lfsr.debruijn.successors import integer_argument
from sage_lfsr.registers.coercion import describe
from sage_lfsr.registers.feedback import MAX_TABULATED_STATES

#: Largest state space joined into one register: the joined feedback is a truth table
#: (:data:`~sage_lfsr.registers.feedback.MAX_TABULATED_STATES`), below the cycles' own limit.
MAX_JOINED_STATES = min(MAX_TABULATED_STATES, MAX_LABELLED_STATES)


def _wilson(offsets, ends, edges, vertex_count, root, leave_out, seed):
    r"""A uniformly random spanning tree (Wilson's algorithm): ``parent_edge[v]`` for each vertex, -1 at the root."""
    np.random.seed(seed)
    in_tree = np.zeros(vertex_count, dtype=np.bool_)
    following = np.full(vertex_count, -1, dtype=np.int64)
    chosen = np.full(vertex_count, -1, dtype=np.int64)
    in_tree[root] = True
    if leave_out >= 0:
        in_tree[leave_out] = True
    for start in range(vertex_count):
        vertex = start
        while not in_tree[vertex]:  # loop-erased walk: the last exit from each vertex is kept
            degree = offsets[vertex + 1] - offsets[vertex]
            pick = offsets[vertex] + np.random.randint(0, degree)
            following[vertex], chosen[vertex] = ends[pick], edges[pick]
            vertex = ends[pick]
        vertex = start
        while not in_tree[vertex]:
            in_tree[vertex] = True
            vertex = following[vertex]
    return chosen


wilson = cached_njit(_wilson, nogil=True)


def random_spanning_tree(pairs, seed=0, leave_out=-1) -> np.ndarray:
    r"""
    The rows of ``pairs`` (:class:`~sage_lfsr.debruijn.adjacency.ConjugatePairs`) on a
    spanning tree of the adjacency graph drawn uniformly (Wilson's algorithm,
    parallel edges counted), from ``seed``; ``leave_out`` is a cycle number the
    tree does not touch.

    EXAMPLES::

        sage: from sage_lfsr import LFSR
        sage: from sage_lfsr.debruijn import conjugate_pairs, random_spanning_tree
        sage: pairs = conjugate_pairs(LFSR.from_polynomial("x^4 + 1"))
        sage: len(random_spanning_tree(pairs, seed=1)), pairs.labels.cycle_count
        (5, 6)
    """
    seed = integer_argument(seed, "the seed")
    cycles = pairs.cycles
    keep = np.flatnonzero((cycles[:, 0] != leave_out) & (cycles[:, 1] != leave_out))
    count = pairs.labels.cycle_count
    tails = np.concatenate([cycles[keep, 0], cycles[keep, 1]])
    heads = np.concatenate([cycles[keep, 1], cycles[keep, 0]])
    rows = np.concatenate([keep, keep])
    order = np.argsort(tails, kind="stable")
    offsets = np.zeros(count + 1, dtype=np.int64)
    np.cumsum(np.bincount(tails, minlength=count), out=offsets[1:])
    vertices = [v for v in range(count) if v != leave_out]
    isolated = [v for v in vertices if offsets[v + 1] == offsets[v]]
    if isolated and len(vertices) > 1:
        raise ValueError(f"the adjacency graph is not connected (the cycle through state "
                         f"{pairs.labels.smallest[isolated[0]]} meets no other): no joining exists")
    root = vertices[0]
    chosen = wilson(offsets, heads[order].astype(np.int64), rows[order].astype(np.int64), count, root,
                    leave_out, seed % (1 << 32))
    picked = np.delete(chosen, [root] + ([leave_out] if leave_out >= 0 else []))
    if (picked < 0).any():
        raise ValueError("the adjacency graph is not connected: no joining exists")
    return np.sort(picked)


def _tree_rows(pairs, tree, leave_out):
    r"""The given ``tree`` (conjugate state pairs) checked to span the cycles (but ``leave_out``), as ``(k, 2)`` states."""
    labels = pairs.labels
    edges = tree.edges(data="pair") if hasattr(tree, "edges") else None
    states = [tuple(pair) for _, _, pair in edges] if edges is not None else [tuple(pair) for pair in tree]
    q, count = labels.q, labels.state_count
    parent = list(range(labels.cycle_count))

    def find(v):
        while parent[v] != v:
            parent[v] = parent[parent[v]]
            v = parent[v]
        return v

    needed = labels.cycle_count - 1 - (leave_out >= 0)
    if len(states) != needed:
        raise ValueError(f"the tree has {len(states)} edges; a spanning tree of these {needed + 1} cycles has {needed}")
    for pair in states:
        try:
            a, b = (operator.index(s) for s in pair)
        except (TypeError, ValueError):
            raise ValueError(f"a tree edge is a pair of states, not {pair!r}") from None
        if not (0 <= a < count and 0 <= b < count):
            raise ValueError(f"a tree edge is a pair of states 0..{count - 1}, not {pair!r}")
        if a == b or a // q != b // q:
            raise ValueError(f"states {a} and {b} are not conjugate (they must differ in x0 only)")
        u, v = int(labels.labels[a]), int(labels.labels[b])
        if leave_out in (u, v):
            raise ValueError(f"the pair ({a}, {b}) touches the zero cycle, which is kept apart")
        if find(u) == find(v):
            raise ValueError(f"the tree is not spanning: the pair ({a}, {b}) closes a loop between cycles "
                             f"through states {labels.smallest[u]} and {labels.smallest[v]}")
        parent[find(u)] = find(v)
    return np.array(states, dtype=np.int64).reshape(-1, 2)


def check_join_size(register):
    r"""
    Refuse, before any work, a register too large for :func:`join_cycles`: more than
    :data:`MAX_JOINED_STATES` (`2^{22}`) states, the truth table's limit.

    EXAMPLES::

        sage: from sage_lfsr import LFSR
        sage: from sage_lfsr.debruijn.joining import check_join_size
        sage: check_join_size(LFSR.from_polynomial("x^22 + 1"))
        sage: check_join_size(LFSR.from_polynomial("x^23 + 1"))
        Traceback (most recent call last):
        ...
        sage_lfsr.common.limits.TooLarge: a joined register is a truth table of up to 4194304 (2^22) states; the register has 8388608 (its cycles are counted up to 2^24)
    """
    count = int(describe(register).state_count)
    if count > MAX_JOINED_STATES:
        raise TooLarge(f"a joined register is a truth table of up to {MAX_JOINED_STATES} (2^22) states; the "
                       f"register has {count} (its cycles are counted up to 2^24)")


def join_cycles(register, tree=None, seed=0, zero_apart=False, cycle_map=None, **map_options):
    r"""
    A shift register whose state graph is one cycle through every state (or,
    with ``zero_apart``, every state but the zero state, which stays a fixed
    point): ``register``'s successors exchanged on a spanning tree of its
    adjacency graph.

    INPUT:

    - ``register`` -- an invertible shift register: an
      :class:`~sage_lfsr.registers.fsr.FSR` or an LFSR in Fibonacci form (linear or affine)
    - ``tree`` -- conjugate pairs ``(a, b)`` of states (or a subgraph of
      :func:`~sage_lfsr.debruijn.adjacency_graph` with its ``pair`` attributes)
      forming a spanning tree; default: one drawn uniformly from ``seed``
    - ``seed`` -- the random tree's seed
    - ``zero_apart`` -- keep the zero state a cycle of its own
    - ``cycle_map``, ``map_options`` -- as for :func:`~sage_lfsr.debruijn.adjacency_graph`

    OUTPUT: an :class:`~sage_lfsr.registers.fsr.FSR` (its ``truth_table()`` and ``anf()``)

    EXAMPLES::

        sage: from sage_lfsr import LFSR, map_cycles
        sage: from sage_lfsr.debruijn import join_cycles
        sage: joined = join_cycles(LFSR.from_polynomial("x^4 + 1"), seed=3); joined
        FSR of degree 4 over GF(2) with feedback ...
        sage: map_cycles(joined).cycle_counts
        {16: 1}
        sage: join_cycles(LFSR.from_polynomial("x^3 + 1"), tree=[(0, 1), (2, 3), (6, 7)]).anf()
        'x0 + x2 + x1*x2 + 1'
        sage: map_cycles(join_cycles(LFSR.from_polynomial("x^4 + x^3 + x^2 + x + 1"), zero_apart=True)).cycle_counts
        {1: 1, 15: 1}

    TESTS::

        sage: join_cycles(LFSR.from_polynomial("x^3 + 1"), tree=[(0, 1), (2, 3), (4, 5)])
        Traceback (most recent call last):
        ...
        ValueError: the tree is not spanning: the pair (4, 5) closes a loop between cycles through states 1 and 3
        sage: join_cycles(LFSR.from_polynomial("x^3 + x^2"))
        Traceback (most recent call last):
        ...
        ValueError: the register is not invertible (6 of its 8 states lie on trees, not cycles): cycle joining needs every state on a cycle
    """
    from sage_lfsr.registers.fsr import FSR

    if not isinstance(register, FSR) and getattr(register, "form", None) != "fibonacci":
        raise TypeError(f"cycle joining builds a shift register from an FSR or a Fibonacci LFSR, not "
                        f"{type(register).__name__}{' in Galois form' if getattr(register, 'form', None) else ''}")
    check_join_size(register)
    if tree is None:
        integer_argument(seed, "the seed")
    labels = cycle_labels(register, cycle_map, **map_options)
    leave_out = -1
    if zero_apart:
        if labels.lengths[labels.labels[0]] != 1:
            raise ValueError("zero_apart needs the zero state to be a cycle of its own; it lies on a cycle of "
                             f"{labels.lengths[labels.labels[0]]} states")
        leave_out = int(labels.labels[0])
    pairs = pairs_of(labels)
    if tree is None:
        states = pairs.states[random_spanning_tree(pairs, seed, leave_out)]
    else:
        states = _tree_rows(pairs, tree, leave_out)
    successors = labels.successors.copy()
    for a, b in states.tolist():
        successors[a], successors[b] = successors[b], successors[a]
    top = labels.q ** (labels.degree - 1)
    return FSR((successors // top).astype(np.uint8), labels.degree, q=labels.q)
