r"""
Massey's algorithm by divide and conquer over `GF(2^m)`: the same connection and profile as the
compiled `O(n L)` kernel of :mod:`sage_lfsr.theory.sequences`, in `O(M(n) \log n)`.

Massey's state after `k` terms is the connection `C` and `D = x^{k-k_B} B / b` (`B` the
connection at the last length change `k_B`, `b` its discrepancy), so that every step is a
`2 \times 2` polynomial matrix acting on the row `(C, D)`: with `d` the discrepancy of `C`,

- `d = 0`: `(C, D) \to (C, x D)`;
- `d \ne 0`, `2L > k`: `(C, D) \to (C - d D, x D)`;
- `d \ne 0`, `2L \le k`: `(C, D) \to (C - d D, x C / d)`, `L \to k + 1 - L`.

The discrepancies only need the series `c_i = (C S)_i` and `e_i = (D S)_i` over the terms still
to come, and the matrix acts on them the same way. So a block of `t` terms is solved by
solving its first half (a matrix `U_1` of degree at most `t/2`), carrying the series of the
second half across with two polynomial products each (`(c, e) U_1`, the coefficients
`t/2 .. t-1`), solving the second half (`U_2`) and returning `U_1 U_2`. Blocks of at most
:data:`LEAF_TERMS` terms run the steps themselves in a compiled kernel (table arithmetic);
the long products are carry-less products of Kronecker-packed polynomials by the ``gf2x``
library that Sage's NTL ships (reached through ``ctypes``). Each step is Massey's own, so the
connection (the register Massey chooses, even where the shortest is not unique) and the
profile are his. (Doubling Massey's algorithm this way for the profile is classical, e.g.
Blackburn, *Fast rational interpolation, Reed-Solomon decoding, and the linear complexity
profiles of sequences*, IEEE Trans. Inform. Theory 43, 1997.) In characteristic 2, `-d = d`.

No library serves this: FLINT has no Berlekamp-Massey over `GF(p^m)` and its generic half-gcd
over ``fq_zech`` took 6.3 s for `10^5` terms over `GF(256)`, PARI's ``halfgcd`` 4.7 s, NTL's
``MinPolySeq`` for ``GF2EX`` is quadratic; this takes 0.8 s (``docs/benchmarks/sequences.md``).

EXAMPLES::

    sage: from sage_lfsr.theory.recursive_massey import recursive_massey, available
    sage: from sage_lfsr.theory.sequences import field_tables
    sage: import numpy as np
    sage: terms = np.array([int(b) for b in "0001001101011110001"])
    sage: connection, profile = recursive_massey(terms, 2, field_tables(2), leaf_terms=4)
    sage: connection.tolist(), profile.tolist()[:6]
    ([1, 0, 0, 1, 1], [0, 0, 0, 4, 4, 4])
    sage: available(2), available(256), available(3)
    (True, True, False)
"""
from __future__ import annotations

import ctypes
from functools import lru_cache

import numba
import numpy as np

#: Terms a block must have before it is split: below it the compiled steps (quadratic in the block)
#: cost less than the products and the interpreter's bookkeeping of a split (512 measured best for
#: GF(2) at 10^6 terms and GF(256) at 10^5, against 256 and 1024).
LEAF_TERMS = 512
#: Products with a factor shorter than this many coefficients are done by the compiled schoolbook.
_SCHOOLBOOK_TERMS = 48
#: Largest `m` served (`GF(2^m)`, Kronecker slots of 32 bits hold the `2m - 1` bits of a product).
MAX_DEGREE = 10


@lru_cache(maxsize=1)
def _gf2x_multiply():
    r"""``gf2x_mul(c, a, an, b, bn)`` of the ``gf2x`` library beside Sage's NTL, or ``None``."""
    from sage_lfsr.theory.minimal_polynomials import sage_ntl_libraries

    for path in sage_ntl_libraries("libgf2x*.so*"):
        try:
            function = ctypes.CDLL(path).gf2x_mul
        except (OSError, AttributeError):  # pragma: no cover
            continue
        function.restype = ctypes.c_int
        function.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_ulong, ctypes.c_void_p, ctypes.c_ulong]
        return function
    return None  # pragma: no cover


def available(q: int) -> bool:
    r"""Whether `GF(q)` is served: `q = 2^m`, `m \le` :data:`MAX_DEGREE`, with ``gf2x`` present."""
    q = int(q)
    return q >= 2 and q & (q - 1) == 0 and q.bit_length() - 1 <= MAX_DEGREE and _gf2x_multiply() is not None


# ---------------------------------------------------------------- arithmetic

_REDUCTIONS = {}


def _reduction(q, mul):
    r"""The map from a carry-less product of two integer representations of `GF(q)`, `q = 2^m`
    (``2m - 1`` bits), to its integer representation, read off Sage's multiplication table."""
    if q not in _REDUCTIONS:
        m = q.bit_length() - 1
        modulus = (1 << m) | int(mul[2, 1 << (m - 1)]) if m > 1 else 0  # z^m = z z^(m-1)
        reduction = np.arange(1 << (2 * m - 1), dtype=np.int64)
        for bit in range(2 * m - 2, m - 1, -1):
            reduction ^= ((reduction >> bit) & 1) * (modulus << (bit - m))
        _REDUCTIONS[q] = reduction
    return _REDUCTIONS[q]


def _multiply(a, b, q, mul):
    r"""The product of two polynomials over `GF(q)` given as integer representations."""
    if len(a) == 0 or len(b) == 0:
        return np.zeros(0, dtype=np.int64)
    if min(len(a), len(b)) < _SCHOOLBOOK_TERMS:
        return _schoolbook(a, b, mul)
    m, reduction = q.bit_length() - 1, _reduction(q, mul)
    if m == 1:
        product = _carryless(np.packbits(a.astype(np.uint8), bitorder="little"),
                             np.packbits(b.astype(np.uint8), bitorder="little"))
        return np.unpackbits(product, bitorder="little")[:len(a) + len(b) - 1].astype(np.int64)
    slot = np.uint16 if m <= 8 else np.uint32
    product = _carryless(a.astype(slot).view(np.uint8), b.astype(slot).view(np.uint8)).view(slot)
    return reduction[product[:len(a) + len(b) - 1]]


def _carryless(a_bytes, b_bytes):
    r"""The carry-less product of two little-endian bit strings given as bytes (as bytes)."""
    a_words, b_words = _as_words(a_bytes), _as_words(b_bytes)
    product = np.zeros(len(a_words) + len(b_words), dtype=np.uint64)
    _gf2x_multiply()(product.ctypes.data, a_words.ctypes.data, len(a_words), b_words.ctypes.data, len(b_words))
    return product.view(np.uint8)


def _as_words(data):
    words = np.zeros((len(data) + 7) // 8, dtype=np.uint64)
    words.view(np.uint8)[:len(data)] = data
    return words


@numba.njit(cache=True, nogil=True)
def _schoolbook(a, b, mul):  # pragma: no cover - compiled
    out = np.zeros(len(a) + len(b) - 1, dtype=np.int64)
    for i in range(len(a)):
        if a[i]:
            row = mul[a[i]]
            for j in range(len(b)):
                out[i + j] ^= row[b[j]]
    return out


def _add(a, b):
    r"""Sum over `GF(2^m)` (XOR) of two polynomials of any lengths."""
    if len(a) < len(b):
        a, b = b, a
    out = a.copy()
    out[:len(b)] ^= b
    return out


def _trimmed(a):
    return a[:_length_without_top_zeros(a)]


@numba.njit(cache=True, nogil=True)
def _length_without_top_zeros(a):  # pragma: no cover - compiled
    length = len(a)
    while length and a[length - 1] == 0:
        length -= 1
    return length


# ---------------------------------------------------------------- the steps

@numba.njit(cache=True, nogil=True)
def _leaf_steps(c, e, first, length, mul, inv, profile, matrix):  # pragma: no cover - compiled
    # Massey's steps on the series c = (C S), e = (D S) of one block (both changed in place), from
    # absolute term `first`; matrix[0..3] = u00, u01, u10, u11 of [C, D] -> [C, D] U, starting at 1.
    t = len(c)
    matrix[:] = 0
    matrix[0, 0] = 1
    matrix[3, 0] = 1
    degree = 0
    for j in range(t):
        d = c[j]
        k = first + j
        if d != 0:
            grows = 2 * length <= k
            row = mul[d]  # characteristic 2: -d = d
            if grows:
                to_d = mul[inv[d]]
                for i in range(t - 1, j, -1):  # descending: c[i - 1] is still the old C's
                    old = c[i]
                    c[i] = old ^ row[e[i]]
                    e[i] = to_d[c[i - 1]] if i - 1 > j else to_d[d]
                for r in (0, 2):  # column 1 <- x column 0 / d; column 0 <- column 0 - d column 1
                    for a in range(degree + 1, -1, -1):
                        old0 = matrix[r, a]
                        shifted = matrix[r, a - 1] if a > 0 else 0
                        matrix[r, a] = old0 ^ row[matrix[r + 1, a]]
                        matrix[r + 1, a] = to_d[shifted]
                length = k + 1 - length
            else:
                for i in range(t - 1, j, -1):
                    c[i] ^= row[e[i]]
                    e[i] = e[i - 1]
                for r in (0, 2):
                    for a in range(degree + 1, -1, -1):
                        matrix[r, a] ^= row[matrix[r + 1, a]]
                        matrix[r + 1, a] = matrix[r + 1, a - 1] if a > 0 else 0
        else:
            for i in range(t - 1, j, -1):
                e[i] = e[i - 1]
            for r in (1, 3):
                for a in range(degree + 1, 0, -1):
                    matrix[r, a] = matrix[r, a - 1]
                matrix[r, 0] = 0
        degree += 1
        profile[k] = length
    return length


class _Solver:
    def __init__(self, q, tables, n, leaf_terms, signals):
        self.q, self.signals = q, signals
        _, self.mul, _, self.inv = tables
        self.leaf = leaf_terms or LEAF_TERMS
        self.profile = np.empty(n, dtype=np.int64)

    def solve(self, c, e, first, length, columns=(0, 1)):
        r"""``(U, L)``: the block's matrix (``U[i]`` for i in 0..3, trimmed; only the columns asked for)."""
        t = len(c)
        if t <= self.leaf:
            matrix = np.zeros((4, t + 2), dtype=np.int64)
            length = _leaf_steps(c.copy(), e.copy(), first, length, self.mul, self.inv, self.profile, matrix)
            if self.signals is not None:
                self.signals.check()
            return [_trimmed(matrix[i]) for i in range(4)], length
        h = t // 2
        left, length = self.solve(c[:h], e[:h], first, length)
        c_right = _add(self._middle(c, left[0], h), self._middle(e, left[2], h))
        e_right = _add(self._middle(c, left[1], h), self._middle(e, left[3], h))
        right, length = self.solve(_padded(c_right, t - h), _padded(e_right, t - h), first + h, length,
                                   columns=(0,) if columns == (0,) else (0, 1))
        multiply = self._multiply
        combined = [None] * 4
        for column in columns:  # U = U1 U2
            combined[column] = _add(multiply(left[0], right[column]), multiply(left[1], right[2 + column]))
            combined[2 + column] = _add(multiply(left[2], right[column]), multiply(left[3], right[2 + column]))
        return [_trimmed(u) if u is not None else None for u in combined], length

    def _multiply(self, a, b):
        return _multiply(a, b, self.q, self.mul)

    def _middle(self, series, polynomial, h):
        r"""Coefficients `h .. t - 1` of ``series * polynomial`` (`t` the series' length): they read
        the series from `h - \deg` on only, which a matrix of degree about `h/2` halves."""
        degree = len(polynomial) - 1
        if degree < 0:
            return np.zeros(0, dtype=np.int64)
        start = max(h - degree, 0)
        return self._multiply(series[start:], polynomial)[h - start:len(series) - start]


def _padded(a, length):
    out = np.zeros(length, dtype=np.int64)
    out[:min(len(a), length)] = a[:length]
    return out


def recursive_massey(terms, q, tables, leaf_terms=None, signals=None):
    r"""
    Massey's connection (`C_0 = 1, \ldots, C_L`) and profile of ``terms`` over `GF(q)`,
    `q = 2^m` (:func:`available`), by divide and conquer (see the module's description).

    INPUT:

    - ``terms`` -- a numpy integer array of integer representations
    - ``q`` -- the field order
    - ``tables`` -- its :func:`~sage_lfsr.theory.sequences.field_tables`
    - ``leaf_terms`` -- blocks this short run the steps directly (default: :data:`LEAF_TERMS`)
    - ``signals`` -- a :class:`~sage_lfsr.common.compiled.DeferredSignals` to check between blocks

    OUTPUT: ``(connection, profile)``, numpy ``int64`` arrays, as
    :func:`sage_lfsr.theory.sequences.massey` gives them
    """
    terms = np.ascontiguousarray(terms, dtype=np.int64)
    n = len(terms)
    solver = _Solver(int(q), tables, n, leaf_terms, signals)
    if n == 0:
        return np.ones(1, dtype=np.int64), solver.profile
    delayed = np.zeros(n, dtype=np.int64)  # the series of D = x: s_{i-1}
    delayed[1:] = terms[:-1]
    matrix, length = solver.solve(terms, delayed, 0, 0, columns=(0,))
    connection = _add(matrix[0], np.concatenate([[0], matrix[2]]).astype(np.int64))  # C = 1 u00 + x u10
    return _padded(connection, length + 1), solver.profile
