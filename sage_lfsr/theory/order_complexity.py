r"""
Maximum order complexity: the length of the shortest feedback shift register of any kind, linear
or not, that generates a sequence (Jansen, *Investigations on nonlinear streamcipher systems*,
1989), and a register of that length.

A register of order `k` generates `s_0, \ldots, s_{n-1}` exactly when equal windows
`(s_i, \ldots, s_{i+k-1})` are always followed by equal terms; the least such `k` is the maximum
order complexity, `1 +` the length of the longest word that occurs twice followed by different
terms (`0` for a constant sequence). It is computed here in linear time with a suffix automaton
(Blumer et al. 1985), compiled with numba: when the automaton takes the term `c` after the prefix
`s_0 \ldots s_{m-1}`, the longest suffix of the prefix that occurred before is the state that
the new state's suffix link reaches, and a state lacking a `c` transition has been followed by
another term, so that suffix is a new word followed by two different terms. That gives the
whole profile (the complexity of every prefix) in the same pass.

:func:`shortest_fsr` reads a feedback function off the windows: the reduced polynomial of the
lowest algebraic degree that takes every window to its successor, found by linear algebra over
`GF(q)` on the monomials of degree `0, 1, 2, \ldots` (bit-packed elimination over `GF(2)`),
as long as the monomials stay within :data:`MAX_FEEDBACK_MONOMIALS` and the elimination within
:data:`MAX_ELIMINATION_OPERATIONS`; past that, where `q^k \le` :data:`MAX_TRUTH_TABLE_STATES`,
the feedback is the one of the truth table that is zero off the windows (not of the lowest
degree), and otherwise the register is refused (:class:`~sage_lfsr.common.limits.TooLarge`).

EXAMPLES::

    sage: from sage_lfsr.theory.order_complexity import maximum_order_complexity, shortest_fsr
    sage: maximum_order_complexity("0001011100")
    3
    sage: r = shortest_fsr("0001011100"); r
    FSR of degree 3 over GF(2) with feedback x0 + x2 + x1*x2 + 1
    sage: "".join(str(t) for t in r.sequence([0, 0, 0], 10))
    '0001011100'
"""
from __future__ import annotations

import itertools

import numba
import numpy as np

from sage_lfsr.common.compiled import popcount
from sage_lfsr.common.limits import TooLarge

#: Most terms the suffix automaton takes (about 60 bytes a term).
MAX_ORDER_COMPLEXITY_TERMS = 4 * 10 ** 6
#: Most terms :func:`shortest_fsr` takes (its windows are sorted as rows of ``order`` bytes).
MAX_SHORTEST_FSR_TERMS = 10 ** 6
#: Most bytes the distinct windows of :func:`shortest_fsr` may take (terms times order).
MAX_WINDOW_BYTES = 1 << 28
#: Most monomials a feedback of the lowest degree is searched over (columns of the linear system).
MAX_FEEDBACK_MONOMIALS = 4096
#: Most field operations (64-bit words over GF(2)) the elimination may take (about a second).
MAX_ELIMINATION_OPERATIONS = 10 ** 9
#: Largest truth table (`q^k` states) the fallback feedback is read from.
MAX_TRUTH_TABLE_STATES = 1 << 16


# ---------------------------------------------------------------- the suffix automaton

class _Automaton:
    r"""The suffix automaton of a sequence, built in resumable compiled chunks (Ctrl-C between)."""

    def __init__(self, n):
        states, edges = 2 * n + 2, 3 * n + 8
        self.length = np.zeros(states, dtype=np.int32)
        self.link = np.full(states, -1, dtype=np.int32)
        self.head = np.full(states, -1, dtype=np.int32)
        self.symbol = np.zeros(edges, dtype=np.int64)
        self.target = np.zeros(edges, dtype=np.int32)
        self.following = np.zeros(edges, dtype=np.int32)
        self.scalars = np.array([1, 0, 0, 0], dtype=np.int64)  # size, last, edges, best


@numba.njit(cache=True, nogil=True)
def _find(head, symbol, target, following, state, c):  # pragma: no cover - compiled
    edge = head[state]
    while edge != -1:
        if symbol[edge] == c:
            return target[edge]
        edge = following[edge]
    return -1


@numba.njit(cache=True, nogil=True)
def _extend(terms, profile, start, stop, length, link, head, symbol, target, following, scalars):  # pragma: no cover
    size, last, edges, best = scalars[0], scalars[1], scalars[2], scalars[3]
    for m in range(start, stop):
        c = terms[m]
        current = size
        size += 1
        length[current] = length[last] + 1
        p = last
        while p != -1 and _find(head, symbol, target, following, p, c) == -1:
            # a state other than the last has been followed by some term, never by c here:
            # its longest word is followed by two different terms (only the first such state counts)
            if p != last and p == link[last] and length[p] + 1 > best:
                best = length[p] + 1
            symbol[edges], target[edges], following[edges] = c, current, head[p]
            head[p] = edges
            edges += 1
            p = link[p]
        if p == -1:
            link[current] = 0
        else:
            q = _find(head, symbol, target, following, p, c)
            if length[p] + 1 == length[q]:
                link[current] = q
            else:
                clone = size
                size += 1
                length[clone] = length[p] + 1
                link[clone] = link[q]
                edge = head[q]
                while edge != -1:
                    symbol[edges], target[edges], following[edges] = symbol[edge], target[edge], head[clone]
                    head[clone] = edges
                    edges += 1
                    edge = following[edge]
                while p != -1:
                    edge = head[p]
                    while edge != -1 and symbol[edge] != c:
                        edge = following[edge]
                    if edge == -1 or target[edge] != q:
                        break
                    target[edge] = clone
                    p = link[p]
                link[q] = clone
                link[current] = clone
        last = current
        profile[m] = best
    scalars[0], scalars[1], scalars[2], scalars[3] = size, last, edges, best


#: Terms one compiled chunk of the automaton takes between two Ctrl-C checks.
_CHUNK_TERMS = 1 << 18


def _terms(sequence, q, limit, what):
    from sage_lfsr.theory.sequences import sequence_terms

    if hasattr(sequence, "__len__") and not isinstance(sequence, str) and len(sequence) > limit:
        raise TooLarge(f"{len(sequence)} terms are too many for {what}: the limit is {limit}")
    field, terms = sequence_terms(sequence, q)
    if len(terms) > limit:
        raise TooLarge(f"{len(terms)} terms are too many for {what}: the limit is {limit}")
    return field, terms


def _profile_of_terms(terms):
    from sage_lfsr.common.compiled import DeferredSignals

    n = len(terms)
    profile = np.zeros(n, dtype=np.int64)
    if terms.dtype == object:  # a field past int64: the automaton only compares terms
        terms = np.unique(terms, return_inverse=True)[1].astype(np.int64)
    terms = np.ascontiguousarray(terms, dtype=np.int64)
    with DeferredSignals() as signals:
        automaton = _Automaton(n)
        for start in range(0, n, _CHUNK_TERMS):
            _extend(terms, profile, start, min(n, start + _CHUNK_TERMS), automaton.length, automaton.link,
                    automaton.head, automaton.symbol, automaton.target, automaton.following, automaton.scalars)
            signals.check()
    return profile


def maximum_order_complexity_profile(sequence, q=2) -> list:
    r"""
    The maximum order complexity of every prefix: entry `m` is the complexity of
    `s_0, \ldots, s_m` (a non-decreasing list).

    INPUT:

    - ``sequence`` -- as for :func:`~sage_lfsr.theory.sequences.sequence_terms`, at most
      :data:`MAX_ORDER_COMPLEXITY_TERMS` terms
    - ``q`` -- the field order (default: 2)

    OUTPUT: a list of ``int``, one per term

    EXAMPLES::

        sage: from sage_lfsr.theory.order_complexity import maximum_order_complexity_profile
        sage: maximum_order_complexity_profile("0001011100")
        [0, 0, 0, 3, 3, 3, 3, 3, 3, 3]
        sage: maximum_order_complexity_profile([0, 1, 2, 0, 1, 1], q=3)
        [0, 1, 1, 1, 1, 3]

    TESTS::

        sage: from sage_lfsr.theory.order_complexity import MAX_ORDER_COMPLEXITY_TERMS
        sage: maximum_order_complexity_profile([0] * (MAX_ORDER_COMPLEXITY_TERMS + 1))
        Traceback (most recent call last):
        ...
        TooLarge: 4000001 terms are too many for the maximum order complexity: the limit is 4000000
    """
    _, terms = _terms(sequence, q, MAX_ORDER_COMPLEXITY_TERMS, "the maximum order complexity")
    return _profile_of_terms(terms).tolist()


def maximum_order_complexity(sequence, q=2) -> int:
    r"""
    The maximum order complexity of ``sequence``: the least `k` such that equal windows of
    `k` terms are always followed by equal terms (the length of the shortest feedback shift
    register of any kind that generates it; `0` for an empty or constant sequence).

    INPUT: as for :func:`maximum_order_complexity_profile`

    EXAMPLES::

        sage: from sage_lfsr.theory.order_complexity import maximum_order_complexity
        sage: maximum_order_complexity("00010111"), maximum_order_complexity("0000"), maximum_order_complexity("")
        (3, 0, 0)
    """
    _, terms = _terms(sequence, q, MAX_ORDER_COMPLEXITY_TERMS, "the maximum order complexity")
    return int(_profile_of_terms(terms)[-1]) if len(terms) else 0


# ---------------------------------------------------------------- a feedback from the windows

def _distinct_windows(terms, order):
    r"""``(windows, successors)``: each window of ``order`` terms once, with the term after it."""
    n = len(terms)
    small = terms.astype(np.uint8 if int(terms.max(initial=0)) < 256 else np.int64)
    rows = np.ascontiguousarray(np.lib.stride_tricks.sliding_window_view(small, order)[:n - order])
    keys = rows.view(np.dtype((np.void, rows.dtype.itemsize * order))).ravel()
    _, first = np.unique(keys, return_index=True)
    first.sort()
    return rows[first].astype(np.int64), terms[first + order].astype(np.int64)


def _monomials(order, q, degree):
    r"""The monomials (``((variable, exponent), ...)``) of total degree ``degree``, exponents in ``1..q-1``."""
    if degree == 0:
        return [()]
    found = []
    for count in range(1, min(degree, order) + 1):
        for variables in itertools.combinations(range(order), count):
            for exponents in itertools.product(range(1, q), repeat=count):
                if sum(exponents) == degree:
                    found.append(tuple(zip(variables, exponents)))
    return found


def _monomial_counts(order, q):
    r"""How many monomials have each total degree: the coefficients of `(1 + t + \cdots + t^{q-1})^{order}`."""
    counts = [1]
    for _ in range(order):
        widened = [0] * (len(counts) + q - 1)
        for degree, count in enumerate(counts):
            for e in range(q):
                widened[degree + e] += count
        counts = widened
    return counts


@numba.njit(cache=True, nogil=True)
def _monomial_row_gf2(window_masks, r, successor, monomial_masks, row):  # pragma: no cover - compiled
    # bit j of row: monomial j at window r (its variables' bits all set); the last bit the successor
    columns, parts = monomial_masks.shape[0], monomial_masks.shape[1]
    row[:] = 0
    for j in range(columns):
        value = True
        for w in range(parts):
            if window_masks[r, w] & monomial_masks[j, w] != monomial_masks[j, w]:
                value = False
                break
        if value:
            row[j >> 6] |= np.uint64(1) << np.uint64(j & 63)
    if successor:
        row[columns >> 6] |= np.uint64(1) << np.uint64(columns & 63)


@numba.njit(cache=True, nogil=True)
def _back_substitute_gf2(basis, pivot_row, columns, solution):  # pragma: no cover - compiled
    # by decreasing pivot column, so every later column is known (free columns 0); solution is bit-packed
    solution[:] = 0
    for j in range(columns - 1, -1, -1):
        b = pivot_row[j]
        if b < 0:
            continue
        value = (basis[b, columns >> 6] >> np.uint64(columns & 63)) & np.uint64(1)
        parity = np.uint64(0)
        for w in range(basis.shape[1]):
            parity ^= popcount(basis[b, w] & solution[w])
        if (value ^ parity) & np.uint64(1):
            solution[j >> 6] |= np.uint64(1) << np.uint64(j & 63)


@numba.njit(cache=True, nogil=True)
def _eliminate_gf2(window_masks, successors, monomial_masks):  # pragma: no cover - compiled
    # Online elimination of one row per window: a row reduced to the successor alone means no feedback
    # of these monomials exists (an empty array comes back); else a solution. Once the basis has full
    # rank the solution is unique, and the remaining rows are only checked against it.
    rows, columns = window_masks.shape[0], monomial_masks.shape[0]
    words = (columns + 1 + 63) // 64
    basis = np.zeros((columns, words), dtype=np.uint64)
    pivot_row = np.full(columns, -1, dtype=np.int64)
    solution = np.zeros(words, dtype=np.uint64)
    count = 0
    row = np.zeros(words, dtype=np.uint64)
    for r in range(rows):
        _monomial_row_gf2(window_masks, r, successors[r], monomial_masks, row)
        if count == columns:
            parity = np.uint64(successors[r])
            for w in range(words):
                parity ^= popcount(row[w] & solution[w])
            if parity & np.uint64(1):
                return np.zeros(0, dtype=np.int64)
            continue
        placed = False
        for j in range(columns):
            if (row[j >> 6] >> np.uint64(j & 63)) & np.uint64(1):
                b = pivot_row[j]
                if b >= 0:
                    for w in range(j >> 6, words):
                        row[w] ^= basis[b, w]
                else:
                    basis[count, :] = row
                    pivot_row[j] = count
                    count += 1
                    placed = True
                    break
        if not placed and (row[columns >> 6] >> np.uint64(columns & 63)) & np.uint64(1):
            return np.zeros(0, dtype=np.int64)
        if count == columns:
            _back_substitute_gf2(basis, pivot_row, columns, solution)
    _back_substitute_gf2(basis, pivot_row, columns, solution)
    out = np.zeros(columns, dtype=np.int64)
    for j in range(columns):
        out[j] = (solution[j >> 6] >> np.uint64(j & 63)) & np.uint64(1)
    return out


@numba.njit(cache=True, nogil=True)
def _eliminate_tables(windows, successors, variables, exponents, add, mul, neg, inv, power):  # pragma: no cover
    # As _eliminate_gf2 over GF(q) by tables; power[a, e] = a^e; basis rows have pivot 1.
    rows, columns = windows.shape[0], variables.shape[0]
    basis = np.zeros((columns, columns + 1), dtype=np.int64)
    pivot_row = np.full(columns, -1, dtype=np.int64)
    count = 0
    row = np.zeros(columns + 1, dtype=np.int64)
    for r in range(rows):
        for j in range(columns):
            value = 1
            for i in range(variables.shape[1]):
                v = variables[j, i]
                if v < 0:
                    break
                value = mul[value, power[windows[r, v], exponents[j, i]]]
            row[j] = value
        row[columns] = successors[r]
        placed = False
        for j in range(columns):
            if row[j] != 0:
                b = pivot_row[j]
                if b >= 0:
                    factor = neg[row[j]]
                    for k in range(j, columns + 1):
                        row[k] = add[row[k], mul[factor, basis[b, k]]]
                else:
                    scale = inv[row[j]]
                    for k in range(j, columns + 1):
                        basis[count, k] = mul[scale, row[k]]
                    pivot_row[j] = count
                    count += 1
                    placed = True
                    break
        if not placed and row[columns] != 0:
            return np.zeros(0, dtype=np.int64)
    solution = np.zeros(columns, dtype=np.int64)
    for j in range(columns - 1, -1, -1):
        b = pivot_row[j]
        if b < 0:
            continue
        value = basis[b, columns]
        for k in range(j + 1, columns):
            value = add[value, neg[mul[basis[b, k], solution[k]]]]
        solution[j] = value
    return solution


def _bit_masks(rows):
    r"""Each row of bits (0/1) as little-endian 64-bit words."""
    packed = np.packbits(rows.astype(np.uint8), axis=1, bitorder="little")
    words = np.zeros((len(rows), (packed.shape[1] + 7) // 8 * 8), dtype=np.uint8)
    words[:, :packed.shape[1]] = packed
    return np.ascontiguousarray(words).view(np.uint64)


def _lowest_degree_feedback(windows, successors, order, q):
    r"""``(monomials, coefficients)`` of the feedback of the lowest degree, or ``None`` past the budget."""
    from sage_lfsr.theory.sequences import field_tables

    rows = len(windows)
    window_masks = _bit_masks(windows) if q == 2 else None
    columns = 0
    for degree, count in enumerate(_monomial_counts(order, q)):
        columns += count
        words = (columns + 64) // 64 if q == 2 else columns + 1
        if columns > MAX_FEEDBACK_MONOMIALS or rows * min(columns, rows) * words > MAX_ELIMINATION_OPERATIONS:
            return None
        monomials = [m for d in range(degree + 1) for m in _monomials(order, q, d)]
        if q == 2:
            variables = np.zeros((len(monomials), order), dtype=np.uint8)
            for j, monomial in enumerate(monomials):
                variables[j, [v for v, _ in monomial]] = 1
            solution = _eliminate_gf2(window_masks, successors, _bit_masks(variables))
        else:
            width = max(1, max(len(m) for m in monomials))
            variables = np.full((len(monomials), width), -1, dtype=np.int64)
            exponents = np.zeros((len(monomials), width), dtype=np.int64)
            for j, monomial in enumerate(monomials):
                for i, (v, e) in enumerate(monomial):
                    variables[j, i], exponents[j, i] = v, e
            add, mul, neg, inv = field_tables(q)
            power = np.ones((q, q), dtype=np.int64)
            for e in range(1, q):
                power[:, e] = mul[power[:, e - 1], np.arange(q)]
            solution = _eliminate_tables(windows, successors, variables, exponents, add, mul, neg, inv, power)
        if len(solution):
            return monomials, solution
    return None  # pragma: no cover - the full degree always interpolates


def shortest_fsr(sequence, q=2):
    r"""
    A shortest feedback shift register that generates ``sequence`` from its first terms: an
    :class:`~sage_lfsr.registers.fsr.FSR` of degree the maximum order complexity `k`, filled with
    `s_0, \ldots, s_{k-1}`, whose feedback takes every window of `k` terms to the term after it.

    The feedback is the reduced polynomial of the lowest algebraic degree that does so (see the
    module's description for the budget; past it, over small `q^k`, the truth table that is zero
    off the windows). A constant sequence (order 0) gets the register of degree 1 whose feedback
    is that constant.

    INPUT:

    - ``sequence`` -- at least one term, as for :func:`~sage_lfsr.theory.sequences.sequence_terms`;
      at most :data:`MAX_SHORTEST_FSR_TERMS`
    - ``q`` -- the field order (default: 2)

    OUTPUT: an :class:`~sage_lfsr.registers.fsr.FSR`

    EXAMPLES::

        sage: from sage_lfsr import FSR
        sage: from sage_lfsr.theory.order_complexity import shortest_fsr
        sage: secret = FSR("x0 + x1*x2", 4)
        sage: terms = secret.sequence([1, 0, 1, 1], 40)
        sage: shortest_fsr(terms)
        FSR of degree 4 over GF(2) with feedback x0 + x1*x2
        sage: terms = [1, 2, 0, 1, 1, 2, 0, 2]
        sage: r = shortest_fsr(terms, q=3); r.degree, r.sequence(terms[:r.degree], 8) == terms
        (4, True)
        sage: shortest_fsr("1111")
        FSR of degree 1 over GF(2) with feedback 1

    TESTS::

        sage: shortest_fsr([])
        Traceback (most recent call last):
        ...
        ValueError: a shortest register needs at least one term
    """
    from sage_lfsr.registers.fsr import FSR, MAX_FSR_DEGREE

    field, terms = _terms(sequence, q, MAX_SHORTEST_FSR_TERMS, "the shortest register")
    q = int(field.order())
    n = len(terms)
    if n == 0:
        raise ValueError("a shortest register needs at least one term")
    order = int(_profile_of_terms(terms)[-1])
    if order == 0:
        return FSR.from_key((q, 1, [((), int(terms[0]))] if terms[0] else []))
    if order > MAX_FSR_DEGREE:
        raise TooLarge(f"the shortest register has order {order}, above the {MAX_FSR_DEGREE} an FSR may have")
    if (n - order) * order > MAX_WINDOW_BYTES:
        raise TooLarge(f"{n - order} windows of {order} terms are too many to read a feedback from: the limit "
                       f"is {MAX_WINDOW_BYTES} terms in all")
    windows, successors = _distinct_windows(terms, order)
    found = _lowest_degree_feedback(windows, successors, order, q)
    if found is not None:
        monomials, coefficients = found
        feedback = [(monomial, int(c)) for monomial, c in zip(monomials, coefficients) if c]
        return FSR.from_key((q, order, feedback))
    if q ** order <= MAX_TRUTH_TABLE_STATES:
        table = np.zeros(q ** order, dtype=np.int64)
        table[windows @ (q ** np.arange(order, dtype=np.int64))] = successors
        return FSR(table.tolist(), order, q=q)
    raise TooLarge(f"the shortest register has order {order}, and no feedback of the {len(windows)} windows "
                   f"was found within {MAX_FEEDBACK_MONOMIALS} monomials and {MAX_ELIMINATION_OPERATIONS} "
                   f"operations, nor a truth table of at most {MAX_TRUTH_TABLE_STATES} states")
