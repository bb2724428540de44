r"""
The cycle structure of a linear map over `GF(q)`, predicted without enumeration.

A linear map of `GF(q)^d` is a direct sum of cyclic blocks, one for each
elementary divisor `g^e` (`g` irreducible); an LFSR is a single cyclic module,
so its blocks come straight from the factorization of its characteristic
polynomial. For `g \neq x` of degree `m` and order `o` (`p` the characteristic)
the block has one fixed state (zero) and, for `j = 1, \ldots, e`,
`(q^{mj} - q^{m(j-1)}) / L_j` cycles of length `L_j = o p^{t_j}`, `p^{t_j}` the
least power of `p` that is at least `j`. Direct sums multiply: `a` cycles of
length `A` with `b` cycles of length `B` give `a b \gcd(A, B)` cycles of length
`\mathrm{lcm}(A, B)`. The blocks `x^{e_i}` make trees: `q^{K(h)} - q^{K(h-1)}`
of their states, `K(h) = \sum_i \min(h, e_i)`, lie `h` steps from zero
(Elspas 1959; Lidl and Niederreiter, ch. 8).

An affine map `x \mapsto xM + b` is the restriction to `t = 1` of the linear map
`(x, t) \mapsto (xM + tb, t)` of `GF(q)^{d+1}`; its states with `t = 0` are those of
`M`, and those with `t = \lambda \neq 0` are scaled copies of those with `t = 1`.
So the affine structure, tail depths included, is (structure of the extended map
minus structure of `M`) divided by `q - 1`.

EXAMPLES::

    sage: from sage_lfsr import LFSR
    sage: from sage_lfsr.theory.prediction import predict_cycles
    sage: predict_cycles(LFSR.from_polynomial("x^4 + x^3 + x^2"))
    CycleStructure(field_order=2, degree=4, cycle_counts={1: 1, 3: 1}, tail_depths={0: 4, 1: 4, 2: 8})
"""
from __future__ import annotations

import random
from collections import Counter
from functools import lru_cache
from math import gcd, lcm

from sage_lfsr.common import sagemath
from sage_lfsr.theory.structure import CycleStructure
from sage_lfsr.registers.lfsr import LFSR, _field
from sage_lfsr.common.limits import check_predictable
from sage_lfsr.registers.matrix import MatrixRegister, check_square_matrix


def _check_polynomial(polynomial):
    ring = getattr(polynomial, "base_ring", lambda: None)()
    if not isinstance(polynomial, sagemath.Polynomial) or not (ring.is_field() and ring.is_finite()):
        raise TypeError(f"expected a polynomial over a finite field, not {polynomial!r}")


def _field_and_degree(lfsr_or_matrix):
    if isinstance(lfsr_or_matrix, (LFSR, MatrixRegister)):
        return lfsr_or_matrix.field, lfsr_or_matrix.degree
    if isinstance(lfsr_or_matrix, sagemath.Matrix):
        check_square_matrix(lfsr_or_matrix)
        return lfsr_or_matrix.base_ring(), lfsr_or_matrix.nrows()
    raise TypeError(f"expected an LFSR or a square matrix over a finite field, not {type(lfsr_or_matrix).__name__}")


#: Seconds the factorization of `q^m - 1` (the order of an irreducible factor of
#: degree `m` needs it) may take before prediction gives up with a clear error.
FACTOR_SECONDS = 60


#: Numbers up to this many bits are factored in the caller without a limit (well under a second).
FACTOR_DIRECTLY_BITS = 100


@lru_cache(maxsize=None)
def _prime_factors_of_group_order(q: int, m: int) -> tuple:
    r"""
    ``((prime, exponent), ...)`` of `q^m - 1`, the order of `GF(q^m)^*`.

    Integer factorization has no useful bound on its time (`2^{830} - 1` has a
    composite part of some 250 digits), so it gets :data:`FACTOR_SECONDS` and then
    raises :class:`ValueError`: under an alarm in the main thread (where no other
    timer is set and SIGTERM has no Python handler), else in a child process that
    is killed when the time is up or a signal stops the caller (the alarm cannot
    reach other threads, such as the widgets' planning thread).

    TESTS::

        sage: from sage_lfsr.theory.prediction import _prime_factors_of_group_order
        sage: _prime_factors_of_group_order(2, 12)
        ((3, 2), (5, 1), (7, 1), (13, 1))
        sage: _prime_factors_of_group_order(3, 80) == tuple(factor(3**80 - 1))
        True
    """
    import signal
    import threading

    number = q ** m - 1
    if number.bit_length() <= FACTOR_DIRECTLY_BITS:
        return tuple((int(prime), int(exponent)) for prime, exponent in sagemath.factor(number))
    # The alarm needs the main thread, and must not displace a timer someone else set (pytest-timeout).
    # Where SIGTERM has a Python handler (the CLI's), PARI would hold it until it returns: the child
    # keeps this process waiting in Python, where the handler runs at once (and the child is killed).
    timer_free = (threading.current_thread() is threading.main_thread()
                  and signal.getitimer(signal.ITIMER_REAL)[0] == 0 and not callable(signal.getsignal(signal.SIGALRM))
                  and not callable(signal.getsignal(signal.SIGTERM)))
    too_long = ValueError(f"the order of an irreducible factor of degree {m} needs the factorization of "
                          f"{q}^{m} - 1, which took longer than {FACTOR_SECONDS} s")
    if not timer_free:
        factored = _factor_in_child(number, FACTOR_SECONDS)
        if factored is None:
            raise too_long
        return factored
    from cysignals.alarm import AlarmInterrupt, alarm, cancel_alarm

    alarm(FACTOR_SECONDS)
    try:
        factored = sagemath.factor(number)
    except AlarmInterrupt:
        raise too_long from None
    finally:
        cancel_alarm()
    return tuple((int(prime), int(exponent)) for prime, exponent in factored)


#: What the child process of :func:`_factor_in_child` runs: PARI's factorization (as Sage's
#: ``factor`` of an integer), the number read from stdin, the pairs written as JSON.
_FACTOR_CHILD = ("import json, sys, cypari2; pari = cypari2.Pari(); n = pari(int(sys.stdin.read())); "
                 "primes, exponents = pari.factor(n); "
                 "print(json.dumps([[int(p), int(e)] for p, e in zip(primes, exponents)]))")


def _factor_in_child(number: int, seconds: float):
    r"""
    ``((prime, exponent), ...)`` of ``number``, factored by PARI in a child process
    that gets ``seconds``; ``None`` when the time ran out (the child is killed).

    A fresh interpreter, not a fork: PARI's state belongs to the thread that set it
    up, and a fork from another thread crashes in it.

    EXAMPLES::

        sage: from sage_lfsr.theory.prediction import _factor_in_child
        sage: _factor_in_child(2**64 - 1, 30)
        ((3, 1), (5, 1), (17, 1), (257, 1), (641, 1), (65537, 1), (6700417, 1))
    """
    import json
    import subprocess
    import sys

    try:
        finished = subprocess.run([sys.executable, "-c", _FACTOR_CHILD], input=str(int(number)), capture_output=True,
                                  text=True, timeout=seconds)
    except subprocess.TimeoutExpired:
        return None  # subprocess.run kills the child
    try:
        factors = tuple((int(prime), int(exponent)) for prime, exponent in json.loads(finished.stdout))
    except ValueError:
        factors = ()
    product = 1
    for prime, exponent in factors:
        product *= prime ** exponent
    if finished.returncode != 0 or product != number:
        raise RuntimeError(f"factoring {number} in a child process failed: {finished.stderr.strip()[-200:]}")
    return factors


@lru_cache(maxsize=4096)
def _irreducible_order(g) -> int:
    r"""The order of a root of the monic irreducible ``g`` (`g(0) \neq 0`)."""
    q, m = int(g.base_ring().order()), int(g.degree())
    x = g.parent().gen()
    order = q ** m - 1
    for prime, exponent in _prime_factors_of_group_order(q, m):
        for _ in range(exponent):
            if pow(x, order // prime, g) != 1:
                break
            order //= prime
    return order


def _least_power_at_least(p: int, bound: int) -> int:
    power = 1
    while power < bound:
        power *= p
    return power


def polynomial_order(g) -> int:
    r"""
    The order of ``g``: the least `n \geq 1` with `g \mid x^n - 1`.

    For `g = \prod_i g_i^{e_i}` (the `g_i` irreducible) it is
    `\mathrm{lcm}_i(\mathrm{ord}\, g_i) \cdot p^t`, `p^t` the least power of the
    characteristic `p` that is at least `\max_i e_i`. It is the period of every
    LFSR whose characteristic polynomial is ``g``.

    INPUT:

    - ``g`` -- a nonzero polynomial over `GF(q)` with `g(0) \neq 0`

    OUTPUT: an integer

    EXAMPLES::

        sage: from sage_lfsr.theory.prediction import polynomial_order
        sage: R.<x> = GF(2)[]
        sage: polynomial_order(x^4 + x + 1), polynomial_order(x^4 + x^3 + x^2 + x + 1)
        (15, 5)
        sage: polynomial_order((x^2 + x + 1)^2), polynomial_order((x + 1)^4)
        (6, 4)
        sage: polynomial_order(x^127 + x + 1) == 2^127 - 1
        True
        sage: S.<y> = GF(3)[]
        sage: polynomial_order(y^2 + 1), polynomial_order(2*y^2 + 2)
        (4, 4)

    TESTS::

        sage: polynomial_order(x^3 + x)
        Traceback (most recent call last):
        ...
        ValueError: the order is defined for g(0) != 0, and x^3 + x has g(0) = 0
        sage: polynomial_order(x^0)
        1
    """
    _check_polynomial(g)
    if g.is_zero() or g[0] == 0:
        raise ValueError(f"the order is defined for g(0) != 0, and {g} has g(0) = 0")
    factors = list(g.factor())
    if not factors:
        return 1
    p = int(g.base_ring().characteristic())
    root_order = lcm(*(_irreducible_order(factor) for factor, _ in factors))
    return root_order * _least_power_at_least(p, max(exponent for _, exponent in factors))


def is_primitive_polynomial(f) -> bool:
    r"""
    Whether ``f`` of degree `d \geq 1` over `GF(q)` is irreducible with order
    `q^d - 1`, that is, whether its roots generate `GF(q^d)^*` (an LFSR with this
    characteristic polynomial runs through all `q^d - 1` nonzero states).

    INPUT:

    - ``f`` -- a polynomial over `GF(q)`; a constant multiple of a primitive
      polynomial counts as primitive

    OUTPUT: a boolean

    EXAMPLES::

        sage: from sage_lfsr.theory.prediction import is_primitive_polynomial
        sage: R.<x> = GF(2)[]
        sage: is_primitive_polynomial(x^4 + x + 1), is_primitive_polynomial(x^4 + x^3 + x^2 + x + 1)
        (True, False)
        sage: is_primitive_polynomial(x^127 + x + 1), is_primitive_polynomial(x^4 + 1)
        (True, False)
        sage: S.<y> = GF(9, 'z')[]
        sage: [is_primitive_polynomial(y - c) for c in GF(9, 'z') if c != 0].count(True)
        4
        sage: is_primitive_polynomial(x), is_primitive_polynomial(R(1))
        (False, False)
    """
    _check_polynomial(f)
    if f.degree() < 1 or f[0] == 0 or not f.is_irreducible():
        return False
    q, degree = int(f.base_ring().order()), int(f.degree())
    return _irreducible_order(f.monic()) == q ** degree - 1


def random_primitive_polynomial(q, degree, seed=None):
    r"""
    A random monic primitive polynomial in ``x`` over `GF(q)` (generator ``z``
    when `q` is not prime), drawn by rejection.

    INPUT:

    - ``q`` -- a prime power
    - ``degree`` -- a positive integer
    - ``seed`` -- (default: ``None``) an integer that makes the draw repeatable

    OUTPUT: a polynomial over `GF(q)`

    EXAMPLES::

        sage: from sage_lfsr.theory.prediction import random_primitive_polynomial, is_primitive_polynomial
        sage: f = random_primitive_polynomial(2, 16, seed=1)
        sage: f.degree(), is_primitive_polynomial(f)
        (16, True)
        sage: f == random_primitive_polynomial(2, 16, seed=1)
        True
        sage: g = random_primitive_polynomial(9, 3, seed=5); g.base_ring()
        Finite Field in z of size 3^2
        sage: g.is_monic() and is_primitive_polynomial(g)
        True

    TESTS::

        sage: random_primitive_polynomial(2, 0)
        Traceback (most recent call last):
        ...
        ValueError: the degree must be a positive integer, not 0
    """
    field = _field(q)
    if int(degree) != degree or degree < 1:
        raise ValueError(f"the degree must be a positive integer, not {degree}")
    ring = sagemath.PolynomialRing(field, "x")
    draw = random.Random(None if seed is None else int(seed))
    order = int(field.order())
    while True:
        constant = draw.randrange(1, order)
        middle = [draw.randrange(order) for _ in range(int(degree) - 1)]
        coefficients = [sagemath.int_to_element(field, c) for c in [constant] + middle]
        candidate = ring(coefficients + [field(1)])
        if is_primitive_polynomial(candidate):
            return candidate


def factored_characteristic_polynomial(lfsr_or_matrix):
    r"""
    The factorization of the characteristic polynomial of an LFSR or of a square
    matrix over `GF(q)`.

    EXAMPLES::

        sage: from sage_lfsr import LFSR
        sage: from sage_lfsr.theory.prediction import factored_characteristic_polynomial
        sage: factored_characteristic_polynomial(LFSR.from_polynomial("x^4 + x^3 + x^2"))
        x^2 * (x^2 + x + 1)
        sage: factored_characteristic_polynomial(matrix(GF(3), [[1, 1], [0, 1]]))
        (x + 2)^2
    """
    _field_and_degree(lfsr_or_matrix)
    if isinstance(lfsr_or_matrix, LFSR):
        return lfsr_or_matrix.characteristic_polynomial().factor()
    if isinstance(lfsr_or_matrix, MatrixRegister):
        lfsr_or_matrix = lfsr_or_matrix.state_update_matrix()
    return lfsr_or_matrix.charpoly("x").factor()


def elementary_divisors(lfsr_or_matrix) -> list:
    r"""
    ``[(g, e), ...]``: the elementary divisors `g^e` (`g` monic irreducible) of the
    map, one for each cyclic block, sorted.

    EXAMPLES::

        sage: from sage_lfsr.theory.prediction import elementary_divisors
        sage: elementary_divisors(identity_matrix(GF(2), 3))
        [(x + 1, 1), (x + 1, 1), (x + 1, 1)]
        sage: from sage_lfsr import LFSR
        sage: elementary_divisors(LFSR.from_polynomial("x^4 + 1"))
        [(x + 1, 4)]
    """
    field, _ = _field_and_degree(lfsr_or_matrix)
    if isinstance(lfsr_or_matrix, LFSR):
        # Either form is a single cyclic block (the Galois matrix is the transpose).
        return sorted(lfsr_or_matrix.characteristic_polynomial().factor())
    if isinstance(lfsr_or_matrix, MatrixRegister):
        lfsr_or_matrix = lfsr_or_matrix.state_update_matrix()
    ring = sagemath.PolynomialRing(field, "x")
    divisors = []
    for coefficients in lfsr_or_matrix.rational_form(format="invariants"):
        divisors.extend(ring(coefficients).factor())
    return sorted(divisors)


def _block_cycle_counts(q: int, p: int, m: int, order: int, exponent: int) -> Counter:
    counts = Counter({1: 1})
    for j in range(1, exponent + 1):
        length = order * _least_power_at_least(p, j)
        counts[length] += (q ** (m * j) - q ** (m * (j - 1))) // length
    return counts


def _direct_sum_cycle_counts(first: Counter, second: Counter) -> Counter:
    counts = Counter()
    for length_a, count_a in first.items():
        for length_b, count_b in second.items():
            counts[lcm(length_a, length_b)] += count_a * count_b * gcd(length_a, length_b)
    return counts


def _tail_depths(q: int, cycle_states: int, nilpotent_sizes: list) -> dict:
    def states_killed_within(h):
        return q ** sum(min(h, size) for size in nilpotent_sizes)

    depths = {0: cycle_states}
    for h in range(1, max(nilpotent_sizes, default=0) + 1):
        depths[h] = cycle_states * (states_killed_within(h) - states_killed_within(h - 1))
    return depths


def predict_cycles(lfsr_or_matrix) -> CycleStructure:
    r"""
    The cycle structure of an LFSR (linear or affine, either form), or of the map
    ``state -> state * M`` for a square matrix ``M`` over `GF(q)`, from the
    elementary divisors alone.

    INPUT:

    - ``lfsr_or_matrix`` -- an :class:`~sage_lfsr.registers.lfsr.LFSR`, a
      :class:`~sage_lfsr.registers.matrix.MatrixRegister`, or a square matrix over
      a finite field

    OUTPUT: a :class:`~sage_lfsr.engine.cyclemap.CycleStructure`

    EXAMPLES::

        sage: from sage_lfsr import LFSR
        sage: from sage_lfsr.theory.prediction import predict_cycles
        sage: predict_cycles(LFSR.from_polynomial("x^4 + x + 1")).cycle_counts
        {1: 1, 15: 1}
        sage: predict_cycles(LFSR.from_polynomial("(x^2 + x + 1)^2")).cycle_counts
        {1: 1, 3: 1, 6: 2}
        sage: predict_cycles(LFSR.from_polynomial("(x + 1)^2", q=3)).cycle_counts
        {1: 1, 2: 1, 6: 1}
        sage: s = predict_cycles(LFSR.from_polynomial("x^127 + x + 1"))
        sage: s.cycle_counts == {1: 1, 2^127 - 1: 1}, s.is_complete()
        (True, True)

    A general matrix may repeat blocks; the identity fixes every state, and a
    nilpotent matrix sends every state down a tree to zero::

        sage: predict_cycles(identity_matrix(GF(4, 'z'), 3)).cycle_counts
        {1: 64}
        sage: predict_cycles(matrix(GF(3), [[0, 1], [0, 0]]))
        CycleStructure(field_order=3, degree=2, cycle_counts={1: 1}, tail_depths={0: 1, 1: 2, 2: 6})

    An affine register through the extended map: the complemented cycling
    register of degree 4 (`x_{n+4} = x_n + 1`) has Golomb's 2 cycles of length 8,
    and the Galois form has the Fibonacci form's structure::

        sage: predict_cycles(LFSR([1, 0, 0, 0], constant=1)).cycle_counts
        {8: 2}
        sage: predict_cycles(LFSR([0, 1, 1], q=3, constant=1)).tail_depths
        {0: 9, 1: 18}
        sage: r = LFSR([1, 0, 2, 1], q=5, constant=3)
        sage: predict_cycles(r) == predict_cycles(LFSR([1, 0, 2, 1], q=5, constant=3, form="galois"))
        True

    TESTS::

        sage: predict_cycles(matrix(GF(2), [[1, 0, 1], [0, 1, 1]]))
        Traceback (most recent call last):
        ...
        ValueError: the matrix must be square to map states to states, not 2 x 3
        sage: predict_cycles(matrix(ZZ, [[1, 1], [1, 0]]))
        Traceback (most recent call last):
        ...
        TypeError: the matrix must be over a finite field GF(q), not over Integer Ring
        sage: predict_cycles(matrix(GF(5), 0, 0))
        CycleStructure(field_order=5, degree=0, cycle_counts={1: 1}, tail_depths={0: 1})
    """
    field, degree = _field_and_degree(lfsr_or_matrix)
    if getattr(lfsr_or_matrix, "is_affine", False):
        return _affine_cycles(lfsr_or_matrix)
    q, p = int(field.order()), int(field.characteristic())
    check_predictable(q, degree)
    cycle_counts = Counter({1: 1})
    nilpotent_sizes = []
    for g, exponent in elementary_divisors(lfsr_or_matrix):
        exponent = int(exponent)
        if g == g.parent().gen():
            nilpotent_sizes.append(exponent)
            continue
        block = _block_cycle_counts(q, p, int(g.degree()), _irreducible_order(g), exponent)
        cycle_counts = _direct_sum_cycle_counts(cycle_counts, block)
    cycle_states = q ** (degree - sum(nilpotent_sizes))
    return CycleStructure(field_order=q, degree=degree, cycle_counts=dict(cycle_counts),
                          tail_depths=_tail_depths(q, cycle_states, nilpotent_sizes))


def extended_matrix(register):
    r"""
    `M'`, the linear map `(v, t) \mapsto (vM + tb', t)` on `GF(q)^{d+1}` of an
    affine register `v \mapsto vM + b'` (row vectors): its states are `(v, 1)`.

    EXAMPLES::

        sage: from sage_lfsr import LFSR
        sage: from sage_lfsr.theory.prediction import extended_matrix
        sage: extended_matrix(LFSR([1, 1], constant=1))
        [0 1 0]
        [1 1 0]
        [0 1 1]
    """
    field = register.field
    rows = [list(row) + [field(0)] for row in register.state_update_matrix().rows()]
    return sagemath.matrix(field, rows + [list(register.constant_vector()) + [field(1)]])


def _affine_cycles(register) -> CycleStructure:
    r"""The structure of ``state -> state * M + b'`` from the extended linear map (see the module notes)."""
    matrix, field, degree = register.state_update_matrix(), register.field, register.degree
    extended = predict_cycles(extended_matrix(register))
    linear = predict_cycles(matrix)
    q = int(field.order())

    def restricted(extended_counts, linear_counts):
        counts = {}
        for key, count in extended_counts.items():
            share, remainder = divmod(count - linear_counts.get(key, 0), q - 1)
            if remainder or share < 0:
                raise ArithmeticError(f"the extended map does not split into scaled copies at {key}")
            if share:
                counts[key] = share
        return counts

    return CycleStructure(field_order=q, degree=degree,
                          cycle_counts=restricted(extended.cycle_counts, linear.cycle_counts),
                          tail_depths=restricted(extended.tail_depths, linear.tail_depths))
