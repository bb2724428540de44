r"""
Linear complexity of periodic sequences, and its stability under errors.

A sequence of period `N` is given by one period `s_0, \ldots, s_{N-1}`; its linear complexity
is the degree of the shortest LFSR that generates the infinite periodic sequence.

- Period `2^n` over `GF(2)`: Games and Chan (*A fast algorithm for determining the complexity of
  a binary sequence with period 2^n*, IEEE Trans. Inform. Theory 29, 1983) halve the period:
  where the halves differ the complexity gains half the length and the halves' sum goes on,
  where they agree one half goes on; `O(N)` operations.
- Any period `N`: `L = N - \deg \gcd(x^N - 1, s(x))`, `s(x) = \sum_i s_i x^i` (Lidl and
  Niederreiter, *Finite fields*, 8.2), with the library gcd: NTL's ``GF2X`` over `GF(2)`
  (through Sage), FLINT's ``nmod_poly`` over `GF(p)`; over `GF(p^m)`, `m > 1`, Berlekamp-Massey
  on two periods (the complexity is at most `N`, so `2N` terms determine it).
- The `k`-error linear complexity: the least complexity of the sequence with at most `k` terms of
  the period changed (the change repeats with the period). Period `2^n` over `GF(2)`: Stamp and
  Martin (*An algorithm for the k-error linear complexity of binary sequences with period 2^n*,
  IEEE Trans. Inform. Theory 39, 1993), Games-Chan with the cost of changing each term carried
  along, `O(N)`; the whole profile over `k` follows both of its choices at each halving, each
  with the budgets it serves (in the manner of Lauder and Paterson, *Computing the error linear
  complexity spectrum of a binary sequence of period 2^n*, IEEE Trans. Inform. Theory 49, 2003),
  `O(N \log N)`. Other periods and fields: every error pattern of weight at most `k`, counted
  and limited (:data:`MAX_ERROR_PATTERNS`) before any work.

EXAMPLES::

    sage: from sage_lfsr.theory.periodic import (games_chan, periodic_linear_complexity,
    ....:     k_error_linear_complexity, k_error_linear_complexity_profile)
    sage: games_chan("00010111"), periodic_linear_complexity("0010111"), periodic_linear_complexity([1, 2, 0], q=3)
    (7, 3, 2)
    sage: k_error_linear_complexity("00010111", 2), k_error_linear_complexity_profile("00010111")
    (2, [7, 7, 2, 2, 0])
"""
from __future__ import annotations

import itertools
import math

import numba
import numpy as np

from sage_lfsr.common.limits import TooLarge

#: Most terms in one period (:func:`periodic_linear_complexity`, Games-Chan, Stamp-Martin).
MAX_PERIOD_TERMS = 10 ** 7
#: Most error patterns the exhaustive `k`-error search tries (periods other than `2^n` over `GF(2)`).
MAX_ERROR_PATTERNS = 10 ** 5
#: Longest period the exhaustive search takes (each pattern costs one Berlekamp-Massey on `2N` terms).
MAX_EXHAUSTIVE_PERIOD = 4096


def _period_terms(period, q, what):
    from sage_lfsr.theory.order_complexity import _terms

    field, terms = _terms(period, q, MAX_PERIOD_TERMS, what)
    if len(terms) == 0:
        raise ValueError(f"{what} needs one period of at least one term")
    return field, terms


def _is_power_of_two(n):
    return n & (n - 1) == 0


def _binary_power_of_two(terms, q, what):
    if q != 2 or not _is_power_of_two(len(terms)):
        raise ValueError(f"{what} takes a binary period of length 2^n, not {len(terms)} terms over GF({q})")
    return terms.astype(np.uint8)


def games_chan(period) -> int:
    r"""
    The linear complexity of the binary sequence of period `2^n` whose period is ``period``
    (Games-Chan, `O(N)`).

    INPUT:

    - ``period`` -- one period, `2^n` bits (a list, a numpy array or a bit string)

    EXAMPLES::

        sage: from sage_lfsr.theory.periodic import games_chan
        sage: games_chan("0001"), games_chan("1111"), games_chan("0000"), games_chan("01")
        (4, 1, 0, 2)

    TESTS::

        sage: games_chan("011")
        Traceback (most recent call last):
        ...
        ValueError: Games-Chan takes a binary period of length 2^n, not 3 terms over GF(2)
    """
    _, terms = _period_terms(period, 2, "Games-Chan")
    return _games_chan(_binary_power_of_two(terms, 2, "Games-Chan"))


def _games_chan(bits):
    a, complexity = bits, 0
    while len(a) > 1:
        half = len(a) // 2
        left, right = a[:half], a[half:]
        if np.array_equal(left, right):
            a = left
        else:
            complexity += half
            a = left ^ right
    return complexity + int(a[0])


def periodic_linear_complexity(period, q=2) -> int:
    r"""
    The linear complexity of the periodic sequence with period ``period`` over `GF(q)`.

    Games-Chan for binary periods of length `2^n`; otherwise `N - \deg \gcd(x^N - 1, s(x))`
    by the library gcd (NTL over `GF(2)`, FLINT over `GF(p)`), or over `GF(p^m)` Berlekamp-Massey
    on two periods (its limits apply).

    INPUT:

    - ``period`` -- one period, at least one term, at most :data:`MAX_PERIOD_TERMS`
    - ``q`` -- the field order (default: 2)

    EXAMPLES::

        sage: from sage_lfsr import LFSR
        sage: from sage_lfsr.theory.periodic import periodic_linear_complexity
        sage: m = LFSR.from_polynomial("x^5 + x^2 + 1").sequence([1, 0, 0, 0, 0], 31)
        sage: periodic_linear_complexity(m)
        5
        sage: periodic_linear_complexity([1, 0, 0, 1, 0, 1], q=2), periodic_linear_complexity([1, 1, 1], q=3)
        (6, 1)
    """
    field, terms = _period_terms(period, q, "the periodic linear complexity")
    q = int(field.order())
    n = len(terms)
    if not terms.any():
        return 0
    if q == 2 and _is_power_of_two(n):
        return _games_chan(terms.astype(np.uint8))
    from sage_lfsr.common import sagemath
    from sage_lfsr.common.compiled import DeferredSignals
    from sage_lfsr.theory.library_calls import interruptible

    if q == 2:
        with DeferredSignals() as signals:
            return n - interruptible(_ntl_gf2_gcd_degree, terms.astype(np.uint8), expected_seconds=n * 1.5e-6,
                                     signals=signals)
    if sagemath.Integer(q).is_prime():
        if n > MAX_FLINT_PERIOD_TERMS:
            raise TooLarge(f"a period of {n} terms is too long for FLINT's gcd over GF({q}): about 10 s a million "
                           f"terms; the limit is {MAX_FLINT_PERIOD_TERMS}")
        with DeferredSignals() as signals:
            return n - interruptible(_flint_gcd_degree, terms, q, expected_seconds=n * 1e-5, signals=signals)
    from sage_lfsr.theory.sequences import linear_complexity

    return linear_complexity(np.concatenate([terms, terms]), q=q)


#: Most terms of a period over an odd prime field (FLINT's gcd: about 10 s a million terms).
MAX_FLINT_PERIOD_TERMS = 2 * 10 ** 6
_NTL_GCD_GF2X = "_ZN3NTL3GCDERNS_4GF2XERKS0_S3_"  # GCD(GF2X&, const GF2X&, const GF2X&)


def _ntl_gf2_gcd_degree(bits):
    r"""`\deg \gcd(x^N + 1, s(x))` over `GF(2)` by NTL's ``GF2X`` half-gcd (through ``ctypes``)."""
    import ctypes

    from sage_lfsr.theory.minimal_polynomials import _WordStorage, _taken_gf2x, sage_ntl_libraries

    gcd = None
    for path in sage_ntl_libraries("libntl*.so*"):
        try:
            gcd = getattr(ctypes.CDLL(path), _NTL_GCD_GF2X)
            break
        except (OSError, AttributeError):  # pragma: no cover
            continue
    if gcd is None:  # pragma: no cover - Sage without NTL
        from sage_lfsr.common import sagemath

        ring = sagemath.PolynomialRing(sagemath.GF(2), "x")
        return (ring.gen() ** len(bits) - 1).gcd(ring(bits.tolist())).degree()
    gcd.restype = None
    gcd.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p]
    cycle = np.zeros(len(bits) + 1, dtype=np.uint8)
    cycle[0] = cycle[-1] = 1
    left, right = _WordStorage(cycle).gf2x(), _WordStorage(bits).gf2x()  # kept alive through the call
    result = (ctypes.c_uint64 * 1)(0)
    gcd(ctypes.addressof(result), ctypes.addressof(left), ctypes.addressof(right))
    return len(_taken_gf2x(result)) - 1


def _flint_gcd_degree(terms, p):
    import flint

    n = len(terms)
    sequence = flint.nmod_poly(terms.tolist(), p)
    cycle = flint.nmod_poly([p - 1] + [0] * (n - 1) + [1], p)
    return cycle.gcd(sequence).degree()


# ---------------------------------------------------------------- k errors

@numba.njit(cache=True, nogil=True)
def _spectrum_node(a, cost, offsets, depth, length, low, high, shift, base, profile):  # pragma: no cover
    # Stamp-Martin for every budget k in low..high at once. The node's terms and costs are
    # a[offsets[depth]:][:length] (one buffer a depth, so the two children reuse the next one).
    # With T the cost of making the halves equal, a budget k - shift >= T makes them equal (the
    # "force" child, shift + T) and a smaller one adds half the length (the "add" child): each
    # child gets the budgets it serves, so a single k walks one path (O(N)) and the whole range
    # at most every node (O(N log N)). Leaves write the complexities of their budgets.
    start = offsets[depth]
    if length == 1:
        if a[start] == 1:
            cut = min(high + 1, max(low, shift + cost[start]))
            profile[low:cut] = base + 1
            profile[cut:high + 1] = base
        else:
            profile[low:high + 1] = base
        return 0
    half = length // 2
    child = offsets[depth + 1]
    total = 0
    for i in range(half):
        if a[start + i] != a[start + i + half]:
            total += min(cost[start + i], cost[start + i + half])
    add_high = min(high, shift + total - 1)
    if low <= add_high:
        for i in range(half):
            a[child + i] = a[start + i] ^ a[start + i + half]
            cost[child + i] = min(cost[start + i], cost[start + i + half])
        _spectrum_node(a, cost, offsets, depth + 1, half, low, add_high, shift, base + half, profile)
    force_low = max(low, shift + total)
    if force_low <= high:
        for i in range(half):
            left, right = cost[start + i], cost[start + i + half]
            if a[start + i] != a[start + i + half]:
                if left <= right:
                    a[child + i] = a[start + i + half]
                    cost[child + i] = right - left
                else:
                    a[child + i] = a[start + i]
                    cost[child + i] = left - right
            else:
                a[child + i] = a[start + i]
                cost[child + i] = left + right
        _spectrum_node(a, cost, offsets, depth + 1, half, force_low, high, shift + total, base, profile)
    return 0


def _stamp_martin_range(bits, low, high):
    r"""The `k`-error complexities of the binary period ``bits`` (`2^n` terms) for `k` in ``low..high``."""
    n = len(bits)
    depths = n.bit_length()
    offsets = np.zeros(depths + 1, dtype=np.int64)
    for depth in range(1, depths + 1):
        offsets[depth] = offsets[depth - 1] + (n >> (depth - 1))
    a = np.zeros(2 * n, dtype=np.int64)
    cost = np.ones(2 * n, dtype=np.int64)
    a[:n] = bits
    profile = np.zeros(high + 1, dtype=np.int64)
    _spectrum_node(a, cost, offsets, 0, n, low, high, 0, 0, profile)
    return profile[low:]


def _check_k(k, terms):
    r"""``k`` as an integer ``>= 0``, at most ``terms``: changing more terms than a period has changes nothing more."""
    from sage_lfsr.registers.lfsr import as_integer

    k = as_integer(k, "k")
    if k < 0:
        raise ValueError(f"k counts changed terms, so it is at least 0, not {k}")
    return min(k, terms)


def _error_patterns(n, q, k):
    return sum(math.comb(n, j) * (q - 1) ** j for j in range(min(k, n) + 1))


def _check_exhaustive(n, q, k):
    if n > MAX_EXHAUSTIVE_PERIOD:
        raise TooLarge(f"a period of {n} terms is too long for the exhaustive k-error search (only binary periods "
                       f"2^n have Stamp-Martin): the limit is {MAX_EXHAUSTIVE_PERIOD}")
    patterns = _error_patterns(n, q, k)
    if patterns > MAX_ERROR_PATTERNS:
        raise TooLarge(f"{patterns} error patterns of weight at most {k} in a period of {n} over GF({q}) are too many "
                       f"for the exhaustive k-error search (only binary periods 2^n have Stamp-Martin): the limit is "
                       f"{MAX_ERROR_PATTERNS}")


def _exhaustive_profile(terms, q, k):
    r"""The least periodic complexity over error patterns of each weight ``0..k`` (a running minimum)."""
    from sage_lfsr.common.compiled import DeferredSignals
    from sage_lfsr.theory.sequences import compiled_complexity, field_tables

    n = len(terms)
    add = field_tables(q)[0] if q > 2 else None
    best = []
    with DeferredSignals() as signals:
        for weight in range(min(k, n) + 1):
            least = best[-1] if best else None
            for positions in itertools.combinations(range(n), weight):
                for values in itertools.product(range(1, q), repeat=weight):
                    changed = terms.copy()
                    for position, value in zip(positions, values):
                        changed[position] = changed[position] ^ 1 if q == 2 else add[changed[position], value]
                    complexity = compiled_complexity(np.concatenate([changed, changed]), q)  # two periods
                    least = complexity if least is None else min(least, complexity)
                signals.check()
            best.append(least)
    return best + [best[-1]] * (k + 1 - len(best))


def k_error_linear_complexity(period, k, q=2) -> int:
    r"""
    The `k`-error linear complexity of the periodic sequence with period ``period``: the least
    linear complexity after changing at most `k` terms of the period.

    INPUT:

    - ``period`` -- one period (at least one term)
    - ``k`` -- the most terms changed, an integer `\ge 0`
    - ``q`` -- the field order (default: 2)

    Binary periods of length `2^n` use Stamp-Martin (`O(N)`); others try every error pattern of
    weight at most `k` (refused before work above :data:`MAX_ERROR_PATTERNS` patterns or
    :data:`MAX_EXHAUSTIVE_PERIOD` terms).

    EXAMPLES::

        sage: from sage_lfsr.theory.periodic import k_error_linear_complexity
        sage: k_error_linear_complexity("0000000100000001", 0), k_error_linear_complexity("0000000100000001", 2)
        (8, 0)
        sage: k_error_linear_complexity([1, 2, 0, 1, 2, 1], 1, q=3)
        2

    TESTS::

        sage: k_error_linear_complexity("0" * 100, 10)
        Traceback (most recent call last):
        ...
        TooLarge: 19415908147836 error patterns of weight at most 10 in a period of 100 over GF(2) are too many for the exhaustive k-error search (only binary periods 2^n have Stamp-Martin): the limit is 100000
    """
    field, terms = _period_terms(period, q, "the k-error linear complexity")
    q, k = int(field.order()), _check_k(k, len(terms))
    if q == 2 and _is_power_of_two(len(terms)):
        return int(_stamp_martin_range(terms.astype(np.uint8), k, k)[0])
    _check_exhaustive(len(terms), q, k)
    return _exhaustive_profile(terms, q, k)[k]


def k_error_linear_complexity_profile(period, q=2, max_k=None) -> list:
    r"""
    The `k`-error linear complexity for every `k`: entry `k` is
    :func:`k_error_linear_complexity` of ``period`` with `k` changes (a non-increasing list).

    For a binary period of length `2^n` the list runs until the complexity is 0 (the weight of
    the period), or to ``max_k`` (at most the period's length: more changes change nothing), by Stamp-Martin over every budget at once (`O(N \log N)`). Other periods need ``max_k`` and search every error pattern (see
    :func:`k_error_linear_complexity`).

    EXAMPLES::

        sage: from sage_lfsr.theory.periodic import k_error_linear_complexity_profile
        sage: k_error_linear_complexity_profile("0110100110010110")
        [9, 9, 9, 9, 9, 9, 9, 9, 0]
        sage: k_error_linear_complexity_profile([1, 1, 0], max_k=2)
        [2, 1, 0]

    TESTS::

        sage: k_error_linear_complexity_profile([1, 1, 0])
        Traceback (most recent call last):
        ...
        ValueError: the k-error profile of a period of 3 terms over GF(2) (not a binary period 2^n) needs max_k
    """
    field, terms = _period_terms(period, q, "the k-error linear complexity")
    q = int(field.order())
    if max_k is not None:
        max_k = _check_k(max_k, len(terms))
    if not (q == 2 and _is_power_of_two(len(terms))):
        if max_k is None:
            raise ValueError(f"the k-error profile of a period of {len(terms)} terms over GF({q}) (not a binary "
                             "period 2^n) needs max_k")
        _check_exhaustive(len(terms), q, max_k)
        return _exhaustive_profile(terms, q, max_k)
    bits = terms.astype(np.uint8)
    return _stamp_martin_range(bits, 0, int(bits.sum()) if max_k is None else max_k).tolist()
