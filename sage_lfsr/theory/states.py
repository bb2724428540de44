r"""
Per-state answers by theory, without enumerating the state space.

For a state `v` of a linear register with state-update matrix `M` the sequence
`v, vM, vM^2, \ldots` is annihilated by a least monic polynomial, the minimal
polynomial of `v`: `m_v(x) = x^t g(x)` with `g(0) \neq 0`. Then

- `t` is the tail depth of `v` (steps before it reaches its cycle; 0 on a cycle),
- the order of `g` (the least `e` with `g \mid x^e - 1`) is the length of the
  cycle `v` ends on.

In Fibonacci form the state is a window `(s_n, \ldots, s_{n+d-1})` of the output
sequence, so `m_v` is the minimal polynomial of the output from `v`:
Berlekamp-Massey on `2d` terms (:mod:`sage_lfsr.theory.sequences`) finds it exactly,
because a sequence of complexity `L \le d` has a unique shortest register once
`2L` terms are known. For another state-update matrix (a Galois-form register)
`m_v` is the least common multiple of the minimal polynomials of the `d`
coordinate sequences, each again from Berlekamp-Massey on `2d` terms.

Jumps use `x^n \bmod f` (`f` the characteristic polynomial): if
`x^n \equiv \sum_i r_i x^i`, then `v M^n = \sum_i r_i\, v M^i`, so a jump costs
`O(d^2 \log n)` field operations. Short cycles come from the subspaces
`\ker(M^e - I)`; `M` is a companion matrix (cyclic), so
`\dim \ker g(M) = \deg \gcd(g, f)`.

An affine register (`v \mapsto vM + b`, XNOR feedback) is the linear map
`(v, t) \mapsto (vM + tb, t)` on `GF(q)^{d+1}` restricted to `t = 1`: its
minimal polynomials are those of `(v, 1)` (multiples of `x - 1`, from `2(d+1)`
terms) and its jumps use `x^n \bmod f(x)(x - 1)`.

State arguments (:func:`state_vector`): an index `\sum_i \mathrm{int}(x_i) q^i`,
a tuple or vector `(x_0, \ldots, x_{d-1})`, or over `GF(2)` a hex string. The
hex string is the index written in base 16: bit `i` (value `2^i`) is `x_i`, so
`x_0`, the oldest term and the next output of a Fibonacci register, is the
least significant bit (``"0x1"`` is `(1, 0, \ldots, 0)`).

EXAMPLES::

    sage: from sage_lfsr import LFSR
    sage: r = LFSR.from_polynomial("x^4 + x^3 + x^2")     # x^2 (x^2 + x + 1): trees of height 2
    sage: [(r.cycle_length(s), r.tail_depth(s)) for s in (0, 1, 6, 12)]
    [(1, 0), (1, 1), (3, 0), (3, 1)]
    sage: big = LFSR.from_polynomial("x^127 + x + 1")
    sage: big.cycle_length("0x1") == 2^127 - 1
    True
"""
from __future__ import annotations

from dataclasses import dataclass

from sage_lfsr.common import sagemath
from sage_lfsr.registers.lfsr import hex_state_index, state_hex  # noqa: F401 (the state encoding, also named here)

#: :func:`short_cycle_states` lists the states when there are at most this many.
MAX_LISTED_STATES = 1 << 16


# ---------------------------------------------------------------- state arguments

def state_vector(register, state):
    r"""
    ``state`` as a vector of the register's vector space.

    INPUT:

    - ``state`` -- an index in `0..q^d-1`, a tuple or vector of `d` entries, or
      (`q = 2`) a hex string such as ``"0x1f"`` or ``"1F"`` (see the module notes)

    EXAMPLES::

        sage: from sage_lfsr import LFSR
        sage: from sage_lfsr.theory.states import state_vector, state_hex
        sage: r = LFSR([1, 1, 0, 0])
        sage: state_vector(r, "0x6"), state_vector(r, 6), state_vector(r, (0, 1, 1, 0))
        ((0, 1, 1, 0), (0, 1, 1, 0), (0, 1, 1, 0))
        sage: state_hex(r, state_vector(r, "0x6"))
        '0x6'

    TESTS::

        sage: state_vector(r, "0x1f")
        Traceback (most recent call last):
        ...
        ValueError: hex state 0x1f has more than the register's 4 bits
        sage: state_vector(r, "0xg")
        Traceback (most recent call last):
        ...
        ValueError: a hex state is hex digits with an optional 0x, not '0xg'
        sage: state_vector(LFSR([1, 1], q=3), "0x1")
        Traceback (most recent call last):
        ...
        TypeError: hex states are for GF(2) registers; give an index or a tuple over GF(3)
        sage: state_vector(r, float(2.5))
        Traceback (most recent call last):
        ...
        TypeError: a state is an index, a tuple or a hex string, not float
    """
    if isinstance(state, str):
        return register.state_vector(hex_state_index(register, state))
    if isinstance(state, bool):
        raise TypeError("a state is an index, a tuple or a hex string, not bool")
    try:
        return register.state_vector(state)
    except TypeError:
        raise TypeError(f"a state is an index, a tuple or a hex string, not {type(state).__name__}") from None


def _is_affine(register) -> bool:
    return bool(getattr(register, "is_affine", False))


def _is_fibonacci(register) -> bool:
    return getattr(register, "form", "fibonacci") == "fibonacci"


# ---------------------------------------------------------------- the orbit of one state

def orbit_prefix(register, vector, length):
    r"""
    ``[v, vM, ..., vM^{length-1}]``; in Fibonacci form read off the output sequence.

    EXAMPLES::

        sage: from sage_lfsr import LFSR
        sage: from sage_lfsr.theory.states import orbit_prefix
        sage: r = LFSR([1, 1, 0, 0]); v = r.state_vector(1)
        sage: orbit_prefix(r, v, 3) == [v, v * r.state_update_matrix(), v * r.state_update_matrix()^2]
        True
    """
    degree = register.degree
    if _is_fibonacci(register):
        terms = register.sequence(vector, length + degree - 1)
        space = register.vector_space()
        return [space(terms[k:k + degree]) for k in range(length)]
    orbit = [vector]
    while len(orbit) < length:
        orbit.append(register.next_state(orbit[-1]))
    return orbit


def minimal_polynomial_of_state(register, state, fibonacci=None):
    r"""
    The least monic `m` with `v\, m(M) = 0`: the minimal polynomial of the state.

    ``fibonacci=False`` forces the coordinate-wise computation used for other
    state-update matrices (for tests); by default the register's form decides.

    EXAMPLES::

        sage: from sage_lfsr import LFSR
        sage: from sage_lfsr.theory.states import minimal_polynomial_of_state
        sage: r = LFSR.from_polynomial("(x^2 + x + 1) * (x^3 + x + 1)")
        sage: minimal_polynomial_of_state(r, (1, 1, 0, 1, 1))
        x^2 + x + 1
        sage: minimal_polynomial_of_state(r, (1, 1, 0, 1, 1), fibonacci=False)
        x^2 + x + 1
        sage: minimal_polynomial_of_state(r, 0)
        1
    """
    from sage_lfsr.theory.sequences import massey

    vector = state_vector(register, state)
    field, degree, q = register.field, register.degree, register.field_order
    fibonacci = _is_fibonacci(register) if fibonacci is None else fibonacci
    ring = sagemath.PolynomialRing(field, "x")
    affine = _is_affine(register)
    dimension = degree + affine  # an affine map is linear on (state, 1)
    if fibonacci:
        coordinate_sequences = [register.sequence(vector, 2 * dimension)]
    else:
        orbit = orbit_prefix(register, vector, 2 * dimension)
        coordinate_sequences = [[w[j] for w in orbit] for j in range(degree)]
    result = ring.gen() - 1 if affine else ring(1)
    for terms in coordinate_sequences:
        _, connection, _ = massey([sagemath.element_to_int(t) for t in terms], q)
        length = len(connection) - 1
        reciprocal = ring([sagemath.int_to_element(field, int(connection[length - i])) for i in range(length + 1)])
        result = result.lcm(reciprocal) if result != 1 else reciprocal
    return result.monic()


def _split_off_x(polynomial):
    r"""``(t, g)`` with ``polynomial = x^t g`` and `g(0) \neq 0`."""
    coefficients = polynomial.list()
    depth = next(i for i, c in enumerate(coefficients) if c != 0)
    return depth, polynomial.shift(-depth)


def cycle_length(register, state) -> int:
    r"""
    The length of the cycle that ``state`` lies on or drains into: the order of
    its minimal polynomial with the factor `x^t` removed.

    EXAMPLES::

        sage: from sage_lfsr import LFSR
        sage: from sage_lfsr.theory.states import cycle_length
        sage: r = LFSR.from_polynomial("x^4 + x^3 + x^2 + x + 1")
        sage: {cycle_length(r, s) for s in range(1, 16)}
        {5}
    """
    from sage_lfsr.theory.prediction import polynomial_order

    _, remainder = _split_off_x(minimal_polynomial_of_state(register, state))
    return 1 if remainder.degree() == 0 else int(polynomial_order(remainder))


def tail_depth(register, state) -> int:
    r"""
    Steps from ``state`` to the first state on a cycle (0 for a cycle state): the
    power of `x` in its minimal polynomial. Only singular registers have tails.

    EXAMPLES::

        sage: from sage_lfsr import LFSR
        sage: from sage_lfsr.theory.states import tail_depth
        sage: r = LFSR.from_polynomial("x^4 + x^3 + x^2")
        sage: sorted(tail_depth(r, s) for s in range(16))
        [0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2]
    """
    return _split_off_x(minimal_polynomial_of_state(register, state))[0]


def jump(register, state, steps):
    r"""
    The state ``steps`` steps after ``state``: `v M^n` from `x^n \bmod f`, in
    `O(d^2 \log n)` field operations. Returned as a vector (like
    :meth:`~sage_lfsr.registers.lfsr.LFSR.next_state`).

    EXAMPLES::

        sage: from sage_lfsr import LFSR
        sage: from sage_lfsr.theory.states import jump
        sage: r = LFSR.from_polynomial("x^127 + x + 1")
        sage: v = r.state_vector(1)
        sage: jump(r, v, 2^127 - 1) == v, jump(r, v, 3) == r.next_state(r.next_state(r.next_state(v)))
        (True, True)

    TESTS::

        sage: jump(r, v, -1)
        Traceback (most recent call last):
        ...
        ValueError: a jump goes forward: steps must be a nonnegative integer, not -1
    """
    if isinstance(steps, bool) or not (isinstance(steps, int) or type(steps).__name__ == "Integer") or steps < 0:
        raise ValueError(f"a jump goes forward: steps must be a nonnegative integer, not {steps!r}")
    vector = state_vector(register, state)
    polynomial = register.characteristic_polynomial()
    x = polynomial.parent().gen()
    if _is_affine(register):  # (v, 1) under the extended map; its first d+1 images are affine states
        polynomial *= x - 1
    remainder = pow(x, int(steps), polynomial).list()
    if not remainder:
        return register.vector_space().zero()
    orbit = orbit_prefix(register, vector, len(remainder))
    return sum((coefficient * image for coefficient, image in zip(remainder, orbit) if coefficient),
               register.vector_space().zero())


# ---------------------------------------------------------------- short cycles

@dataclass(frozen=True)
class ShortCycleStates:
    r"""
    The states on cycles of length at most ``max_length``.

    - ``state_counts``: ``{cycle length: number of states on cycles of that length}``
    - ``cycle_counts``: ``{cycle length: number of cycles}``
    - ``states``: every such state index, sorted, or ``None`` when there are more
      than :data:`MAX_LISTED_STATES` (or than the ``list_limit`` asked for)
    """

    max_length: int
    state_counts: dict
    states: tuple | None

    @property
    def cycle_counts(self) -> dict:
        return {length: count // length for length, count in self.state_counts.items()}

    @property
    def count(self) -> int:
        return sum(self.state_counts.values())


def _divisors_up_to(factorization, bound):
    divisors = [1]
    for prime, exponent in factorization:
        divisors = [d * prime ** k for d in divisors for k in range(exponent + 1) if d * prime ** k <= bound]
    return sorted(divisors)


def short_cycle_states(register, max_length, list_limit=MAX_LISTED_STATES) -> ShortCycleStates:
    r"""
    The states whose cycle has length at most ``max_length``: the union of the
    subspaces `\ker(M^e - I)` over `e \le` ``max_length``, counted by cycle length
    and listed when there are at most ``list_limit`` of them.

    Only states on cycles count (a transient state of a singular register is on
    no cycle; :func:`cycle_length` says where it drains). Only the irreducible
    factors `g` of `f` of order at most ``max_length`` matter; with `s` their part
    of `f` (multiplicities kept) the possible lengths are the divisors `e` of the
    order of `s`, `|\ker(M^e - I)| = q^{\deg \gcd(x^e - 1, s)}`, and the states
    of exact period `e` follow by subtracting those of the proper divisors.

    An affine register is the extended map `M'` on `(v, t)` restricted to `t = 1`
    (see the module notes), with characteristic polynomial `f(x)(x - 1)`: its
    states of period dividing `e` are the `t = 1` coset of `\ker(M'^e - I)`,
    empty or of size `|\ker(M'^e - I)| / q`.

    EXAMPLES::

        sage: from sage_lfsr import LFSR
        sage: from sage_lfsr.theory.states import short_cycle_states
        sage: r = LFSR.from_polynomial("(x^2 + x + 1) * (x^4 + x + 1)")
        sage: s = short_cycle_states(r, 3); s.state_counts, s.cycle_counts, s.states
        ({1: 1, 3: 3}, {1: 1, 3: 1}, (0, 27, 45, 54))
        sage: big = LFSR.from_polynomial("(x^2 + x + 1) * (x^127 + x + 1)")
        sage: short_cycle_states(big, 1000).state_counts
        {1: 1, 3: 3}

    With a constant (XNOR feedback) the all-zero state is no longer fixed; the
    all-ones state is (the XNOR register's lock-up state)::

        sage: xnor = LFSR.from_polynomial("(x^2 + x + 1) * (x^4 + x + 1)", constant=1)
        sage: s = short_cycle_states(xnor, 3); s.state_counts, s.states
        ({1: 1, 3: 3}, (9, 18, 36, 63))
        sage: [xnor.state_index(xnor.next_state(i)) for i in s.states]
        [36, 9, 18, 63]
        sage: short_cycle_states(LFSR.from_polynomial("x^4 + x + 1", constant=1), 14).states
        (15,)
    """
    if isinstance(max_length, bool) or not (isinstance(max_length, int) or type(max_length).__name__ == "Integer") \
            or max_length < 1:
        raise ValueError(f"max_length must be a positive integer, not {max_length!r}")
    from sage_lfsr.theory.prediction import _irreducible_order, extended_matrix, polynomial_order

    affine = _is_affine(register)
    linear_polynomial = register.characteristic_polynomial()
    x = linear_polynomial.parent().gen()
    polynomial = linear_polynomial * (x - 1) if affine else linear_polynomial
    _, invertible_part = _split_off_x(polynomial)
    # only irreducible factors of order <= max_length can share a root with x^e - 1, e <= max_length
    short = polynomial.parent()(1)
    for factor, multiplicity in invertible_part.factor():
        if _irreducible_order(factor) <= max_length:
            short *= factor ** multiplicity
    order = 1 if short.degree() == 0 else int(polynomial_order(short))
    lengths = _divisors_up_to([(int(p), int(e)) for p, e in sagemath.factor(order)] if order > 1 else [], max_length)
    q = register.field_order
    kernels = {e: short.gcd(pow(x, e, short) - 1) if short.degree() else short for e in lengths}
    offsets = {}
    if affine:
        extended = extended_matrix(register)
        for e in lengths:
            offsets[e] = _affine_solution(kernels[e](extended).left_kernel())
        period_dividing = {e: 0 if offsets[e] is None else q ** kernels[e].gcd(linear_polynomial).degree()
                           for e in lengths}
    else:
        period_dividing = {e: q ** kernels[e].degree() for e in lengths}
    exact = {}
    for e in lengths:
        exact[e] = period_dividing[e] - sum(exact[d] for d in lengths if d < e and e % d == 0)
    state_counts = {e: count for e, count in exact.items() if count}
    total = sum(state_counts.values())
    states = None
    if total <= list_limit:
        maximal = [e for e in state_counts if not any(f != e and f % e == 0 for f in state_counts)]
        found = set()
        for e in maximal:
            found.update(_kernel_indices(register, kernels[e].gcd(linear_polynomial), offsets.get(e)))
        states = tuple(sorted(found))
    return ShortCycleStates(int(max_length), state_counts, states)


def _affine_solution(kernel):
    r"""A state `v` with `(v, 1)` in ``kernel`` (a subspace of `GF(q)^{d+1}`), or ``None``."""
    for vector in kernel.basis():
        if vector[-1] != 0:
            return (vector / vector[-1])[:-1]
    return None


def _kernel_indices(register, annihilator, offset=None):
    r"""
    Indices of the states `v` with `v\, g(M) = 0`, ``annihilator`` `= g` dividing `f`,
    each plus ``offset`` (a state vector) when one is given.
    """
    field, degree = register.field, register.degree
    if _is_fibonacci(register) and annihilator.degree() > 0:
        from sage_lfsr.registers.lfsr import LFSR

        generator = LFSR.from_polynomial(annihilator)
        k = annihilator.degree()
        basis = [register.vector_space()(generator.sequence([field(i == j) for i in range(k)], degree)[:degree])
                 for j in range(k)]
    else:
        basis = annihilator(register.state_update_matrix()).left_kernel().basis()
    q = register.field_order
    if offset is not None:
        offset = register.vector_space()(list(offset))
    if q == 2:  # integer indices add as XOR
        span = [0 if offset is None else register.state_index(offset)]
        for vector in basis:
            index = register.state_index(vector)
            span += [member ^ index for member in span]
        return set(span)
    import numpy as np

    from sage_lfsr.theory.sequences import MAX_TABLE_ORDER, field_tables

    if not basis:
        return {0 if offset is None else register.state_index(offset)}
    if q > MAX_TABLE_ORDER:  # a few states (at most the listing limit) over a huge field
        import itertools

        zero = register.vector_space().zero() if offset is None else offset
        return {register.state_index(sum((c * b for c, b in zip(combination, basis)), zero))
                for combination in itertools.product(list(field), repeat=len(basis))}
    add, mul, _, _ = field_tables(q)
    vectors = np.zeros((1, degree), dtype=np.int64)
    if offset is not None:
        vectors[0] = [sagemath.element_to_int(x) for x in offset]
    for vector in basis:
        row = np.array([sagemath.element_to_int(x) for x in vector], dtype=np.int64)
        vectors = np.concatenate([add[vectors, mul[c, row][None, :]] for c in range(q)])
    indices = np.zeros(len(vectors), dtype=object)
    for column in range(degree - 1, -1, -1):
        indices = indices * q + vectors[:, column].astype(object)
    return {int(index) for index in indices}
