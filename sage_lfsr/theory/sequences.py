r"""
Sequences: Berlekamp-Massey and the linear complexity profile over any `GF(q)`.

The linear complexity of a finite sequence `s_0, \ldots, s_{n-1}` is the degree
of the shortest LFSR that generates it; the profile lists the complexity of
every prefix. Massey's algorithm (1969) finds both in `O(n L)` field operations,
`L` the complexity.

Three paths, one algorithm:

- `GF(2)`: a numba kernel on bit-packed 64-bit words (a discrepancy is an
  AND/XOR over `L/64` aligned words and one popcount; the sequence is kept
  in 64 shifted copies, 8 bytes a term), so an LFSR output of `10^6`
  terms and complexity in the hundreds takes a fraction of a second; a random
  sequence has `L \approx n/2`, so `n` random terms cost about `n^2/128` word
  operations (seconds for `10^6`: see ``docs/benchmarks/sequences.md``);
- `GF(q)`, `q \le` :data:`MAX_TABLE_ORDER`: the same kernel over integer
  representations with addition, multiplication and inverse tables that Sage
  builds once per field (no Sage object in the loop);
- larger `q`: a plain loop over Sage field elements (slow, but any field).

Sequences are given as field elements, integers (integer representations
`0..q-1`, see :func:`sage_lfsr.common.sagemath.element_to_int`), a numpy integer array, or
over `GF(2)` a bit string such as ``"0110 1001"`` (spaces and underscores are
ignored).

EXAMPLES::

    sage: from sage_lfsr.theory.sequences import berlekamp_massey, linear_complexity_profile
    sage: berlekamp_massey("0001001101011110001")
    LFSR of degree 4 over GF(2) with characteristic polynomial x^4 + x + 1
    sage: linear_complexity_profile([1, 2, 0, 1, 2], q=3)
    [1, 1, 2, 2, 2]
"""
from __future__ import annotations

import math
from functools import lru_cache

import numba
import numpy as np

from sage_lfsr.common.compiled import DeferredSignals, popcount

#: Largest field order whose arithmetic is tabulated (``q^2`` entries per table).
MAX_TABLE_ORDER = 1024
#: Work of one compiled call, bounded with `L \le k` (word operations over `GF(2)`, pairs of
#: table look-ups otherwise): about 0.05 to 0.2 s, after which Python runs and Ctrl-C takes effect.
CHUNK_WORK = 1 << 26
#: Most terms Massey's algorithm takes, by path: its work is `O(n L)` and a random
#: sequence has `L \approx n/2`, so these keep the worst case within minutes
#: (about 7 over `GF(2)`, 7 by tables, 5 on Sage elements on the machines of
#: ``docs/benchmarks.md``); longer sequences are refused before any work.
MAX_TERMS_BINARY = 1 << 23
MAX_TERMS_TABLES = 1 << 19
MAX_TERMS_ELEMENTS = 1 << 15
#: Characters a bit string may contain besides ``0`` and ``1``.
_BIT_STRING_SEPARATORS = " _\n\t"


# ---------------------------------------------------------------- input

def _field_of_order(q):
    from sage_lfsr.registers.lfsr import _field

    return _field(q)


def _bit_string_terms(text):
    cleaned = text.translate({ord(c): None for c in _BIT_STRING_SEPARATORS})
    raw = np.frombuffer(cleaned.encode("ascii", errors="replace"), dtype=np.uint8)
    bad = np.flatnonzero((raw != ord("0")) & (raw != ord("1")))
    if len(bad):
        raise ValueError(f"a bit string holds only 0 and 1 (and spaces), not {cleaned[bad[0]]!r}")
    return (raw - ord("0")).astype(np.int64)


def sequence_terms(sequence, q=2):
    r"""
    The field `GF(q)` and the terms of ``sequence`` as a numpy array of integer
    representations.

    INPUT:

    - ``sequence`` -- field elements of `GF(q)`, integers in `0..q-1`, a numpy
      integer array, or (only for `q = 2`) a string of ``0`` and ``1``
    - ``q`` -- the field order, a prime power (default: 2)

    OUTPUT: ``(field, terms)`` with ``terms`` an ``int64`` array

    EXAMPLES::

        sage: from sage_lfsr.theory.sequences import sequence_terms
        sage: sequence_terms("01 10")
        (Finite Field of size 2, array([0, 1, 1, 0]))
        sage: K = GF(4, "z"); z = K.gen()
        sage: sequence_terms([z, z + 1, 1, 0], q=4)[1]
        array([2, 3, 1, 0])

    TESTS::

        sage: sequence_terms("012")
        Traceback (most recent call last):
        ...
        ValueError: a bit string holds only 0 and 1 (and spaces), not '2'
        sage: sequence_terms("0110", q=3)
        Traceback (most recent call last):
        ...
        TypeError: a bit string is a sequence over GF(2), not GF(3): give a list of integers
        sage: sequence_terms([0, 3], q=3)
        Traceback (most recent call last):
        ...
        ValueError: term 1 = 3 is outside GF(3): integers stand for field elements 0..2
        sage: sequence_terms([GF(5)(1)], q=3)
        Traceback (most recent call last):
        ...
        ValueError: term 0 = 1 lies in GF(5), not GF(3)
        sage: sequence_terms(5)
        Traceback (most recent call last):
        ...
        TypeError: a sequence is a list of terms or a bit string, not Integer
    """
    from sage_lfsr.common import sagemath

    field = _field_of_order(q)
    q = int(field.order())
    if isinstance(sequence, str):
        if q != 2:
            raise TypeError(f"a bit string is a sequence over GF(2), not GF({q}): give a list of integers")
        return field, _bit_string_terms(sequence)
    if isinstance(sequence, np.ndarray):
        if sequence.dtype.kind not in "iub" or sequence.ndim != 1:
            raise TypeError(f"a sequence array must be one-dimensional with integer entries, not {sequence.dtype}")
        terms = sequence.astype(np.int64)
    else:
        try:
            items = list(sequence)
        except TypeError:
            raise TypeError(f"a sequence is a list of terms or a bit string, not {type(sequence).__name__}") from None
        values = []
        for position, item in enumerate(items):
            if isinstance(item, (int, np.integer)) or type(item).__name__ == "Integer":
                values.append(int(item))
            elif hasattr(item, "parent"):
                parent = item.parent()
                if not getattr(parent, "is_field", lambda: False)() or parent.order() != q:
                    raise ValueError(f"term {position} = {item} lies in {_field_name(parent)}, not GF({q})")
                values.append(sagemath.element_to_int(item))
            else:
                raise TypeError(f"term {position} = {item!r} is neither an integer nor an element of GF({q})")
        terms = np.array(values, dtype=np.int64)
    bad = np.flatnonzero((terms < 0) | (terms >= q))
    if len(bad):
        raise ValueError(f"term {bad[0]} = {terms[bad[0]]} is outside GF({q}): "
                         f"integers stand for field elements 0..{q - 1}")
    return field, terms


def _field_name(parent):
    try:
        return f"GF({parent.order()})" if parent.is_finite() else str(parent)
    except (AttributeError, NotImplementedError):
        return str(parent)


# ---------------------------------------------------------------- arithmetic tables

@lru_cache(maxsize=16)
def field_tables(q):
    r"""
    ``(add, mul, neg, inv)``: integer tables of `GF(q)` arithmetic on integer
    representations, built from Sage's field (``inv[0] = 0``).

    EXAMPLES::

        sage: from sage_lfsr.theory.sequences import field_tables
        sage: add, mul, neg, inv = field_tables(4)
        sage: int(add[2, 3]), int(mul[2, 2]), int(neg[3]), int(inv[2])
        (1, 3, 3, 3)
    """
    from sage_lfsr.common import sagemath

    field = _field_of_order(q)
    p = int(field.characteristic())
    values = np.arange(q, dtype=np.int64)
    add = np.zeros((q, q), dtype=np.int64)
    power = 1
    while power < q:  # integer representations add digit by digit mod p
        add += ((values[:, None] // power + values[None, :] // power) % p) * power
        power *= p
    generator = field.multiplicative_generator()
    exponent_of = np.zeros(q, dtype=np.int64)
    element_of = np.zeros(q - 1, dtype=np.int64)
    element = field(1)
    for k in range(q - 1):
        element_of[k] = sagemath.element_to_int(element)
        exponent_of[element_of[k]] = k
        element *= generator
    mul = np.zeros((q, q), dtype=np.int64)
    logs = exponent_of[1:]
    mul[1:, 1:] = element_of[(logs[:, None] + logs[None, :]) % (q - 1)]
    inv = np.zeros(q, dtype=np.int64)
    inv[1:] = element_of[(-logs) % (q - 1)]
    neg = np.argmin(add, axis=1).astype(np.int64)  # add[a, neg[a]] = 0, the only zero in row a
    for table in (add, mul, neg, inv):
        table.flags.writeable = False
    return add, mul, neg, inv


# ---------------------------------------------------------------- kernels

@numba.njit(cache=True, nogil=True)
def _binary_windows(terms):  # pragma: no cover - compiled
    # Bit-packed: the reversed sequence in 64 shifted copies, so every window of
    # terms a discrepancy reads is a run of aligned 64-bit words.
    n = terms.shape[0]
    words = (n + 63) // 64 + 2
    # shifted[b, j] holds bits 64 j + b .. 64 j + b + 63 of the reversed sequence
    # (bit k is s[n - 1 - k]), so every window is a run of aligned words.
    reversed_words = np.zeros(words + 1, dtype=np.uint64)
    for k in range(n):
        if terms[n - 1 - k]:
            reversed_words[k >> 6] |= np.uint64(1) << np.uint64(k & 63)
    shifted = np.empty((64, words), dtype=np.uint64)
    shifted[0, :] = reversed_words[:words]
    for b in range(1, 64):
        back = np.uint64(64 - b)
        for j in range(words):
            shifted[b, j] = (reversed_words[j] >> np.uint64(b)) | (reversed_words[j + 1] << back)
    return shifted


@numba.njit(cache=True, nogil=True)
def _massey_binary_steps(shifted, n, connection, previous, spare, profile, state, k_start, k_end):  # pragma: no cover
    # Terms k_start..k_end - 1 of Massey's algorithm over GF(2); ``state`` holds
    # (length, previous_bits, shift, spare_words) between calls.
    length, previous_bits, shift, spare_words = state[0], state[1], state[2], state[3]
    for k in range(k_start, k_end):
        offset = n - 1 - k  # s[k - i] is bit offset + i of the reversed sequence
        used = (length >> 6) + 1
        window = shifted[offset & 63, offset >> 6:(offset >> 6) + used]
        accumulated = np.uint64(0)
        for j in range(used):
            accumulated ^= connection[j] & window[j]
        if not (popcount(accumulated) & np.uint64(1)):
            shift += 1
            profile[k] = length
            continue
        grows = 2 * length <= k
        if grows:
            spare[:used] = connection[:used]
            spare[used:max(used, spare_words)] = 0
        word_shift, bit_shift = shift >> 6, np.uint64(shift & 63)
        previous_words = (previous_bits + 63) >> 6
        if bit_shift == 0:
            for j in range(previous_words):
                connection[j + word_shift] ^= previous[j]
        else:
            back = np.uint64(64) - bit_shift
            for j in range(previous_words):
                connection[j + word_shift] ^= previous[j] << bit_shift
                connection[j + word_shift + 1] ^= previous[j] >> back
        if grows:
            spare_words = previous_words
            previous, spare = spare, previous
            previous_bits = length + 1
            length = k + 1 - length
            shift = 1
        else:
            shift += 1
        profile[k] = length
    state[0], state[1], state[2], state[3] = length, previous_bits, shift, spare_words
    return previous, spare


@numba.njit(cache=True, nogil=True)
def _binary_connection(connection, length):  # pragma: no cover - compiled
    result = np.empty(length + 1, dtype=np.int64)
    for i in range(length + 1):
        result[i] = (connection[i >> 6] >> np.uint64(i & 63)) & np.uint64(1)
    return result


def _chunk_length(k, work):
    r"""
    Terms ``c`` to run from term ``k`` so that ``c (k + c) <= work``: step ``j`` costs
    at most `L + 1 \le j + 1` units (`L \le j`), so a chunk costs at most ``work``.

    EXAMPLES::

        sage: from sage_lfsr.theory.sequences import _chunk_length
        sage: c = _chunk_length(10**5, 2**26); c * (10**5 + c) <= 2**26 < (c + 1) * (10**5 + c + 1)
        True
    """
    return max(1, (math.isqrt(k * k + 4 * work) - k) // 2)


def _massey_binary(terms):
    r"""Massey over `GF(2)`, bit-packed, in chunks of about :data:`CHUNK_WORK` word operations."""
    n = terms.shape[0]
    shifted = _binary_windows(terms)
    words = shifted.shape[1]
    connection, previous, spare = (np.zeros(words, dtype=np.uint64) for _ in range(3))
    connection[0] = previous[0] = 1
    profile = np.empty(n, dtype=np.int64)
    state = np.array([0, 1, 1, 0], dtype=np.int64)  # length, previous_bits, shift, spare_words
    k = 0
    with DeferredSignals() as signals:  # Ctrl-C stops the work between two chunks
        while k < n:
            end = min(n, k + _chunk_length(k, 64 * CHUNK_WORK))  # a step reads at most L/64 + 1 words
            previous, spare = _massey_binary_steps(shifted, n, connection, previous, spare, profile, state, k, end)
            signals.check()
            k = end
    return _binary_connection(connection, int(state[0])), profile


@numba.njit(cache=True, nogil=True)
def _massey_table_steps(terms, add, mul, neg, inv, connection, previous, spare, profile, state, k_start,
                        k_end):  # pragma: no cover - compiled
    # Terms k_start..k_end - 1 over GF(q) by tables; ``state`` holds (length,
    # previous_size, shift, previous_discrepancy) between calls.
    length, previous_size, shift, previous_discrepancy = state[0], state[1], state[2], state[3]
    for k in range(k_start, k_end):
        discrepancy = 0
        for i in range(length + 1):
            discrepancy = add[discrepancy, mul[connection[i], terms[k - i]]]
        if discrepancy == 0:
            shift += 1
            profile[k] = length
            continue
        factor = neg[mul[discrepancy, inv[previous_discrepancy]]]  # C <- C - (d / b) x^m B
        grows = 2 * length <= k
        if grows:
            spare[:length + 1] = connection[:length + 1]
        for i in range(previous_size):
            connection[i + shift] = add[connection[i + shift], mul[factor, previous[i]]]
        if grows:
            previous_size = length + 1
            previous, spare = spare, previous
            length = k + 1 - length
            previous_discrepancy = discrepancy
            shift = 1
        else:
            shift += 1
        profile[k] = length
    state[0], state[1], state[2], state[3] = length, previous_size, shift, previous_discrepancy
    return previous, spare


def _massey_tables(terms, add, mul, neg, inv):
    r"""Massey over `GF(q)` by tables, in chunks of about :data:`CHUNK_WORK` table look-ups."""
    n = terms.shape[0]
    connection, previous, spare = (np.zeros(n + 1, dtype=np.int64) for _ in range(3))
    connection[0] = previous[0] = 1
    profile = np.empty(n, dtype=np.int64)
    state = np.array([0, 1, 1, 1], dtype=np.int64)  # length, previous_size, shift, previous_discrepancy
    k = 0
    with DeferredSignals() as signals:  # Ctrl-C stops the work between two chunks
        while k < n:
            end = min(n, k + _chunk_length(k, CHUNK_WORK))  # a step looks up at most 2 (L + 1) entries
            previous, spare = _massey_table_steps(terms, add, mul, neg, inv, connection, previous, spare, profile,
                                                  state, k, end)
            signals.check()
            k = end
    return connection[:int(state[0]) + 1].copy(), profile


def _massey_elements(field, terms):
    r"""The same algorithm on Sage elements, for fields too large to tabulate."""
    from sage_lfsr.common import sagemath

    sequence = [sagemath.int_to_element(field, int(t)) for t in terms]
    one, zero = field(1), field(0)
    connection, previous = [one], [one]
    length, shift, previous_discrepancy, profile = 0, 1, one, []
    for k, term in enumerate(sequence):
        discrepancy = term + sum((connection[i] * sequence[k - i] for i in range(1, length + 1)), zero)
        if discrepancy != 0:
            factor = discrepancy / previous_discrepancy
            updated = connection + [zero] * max(0, len(previous) + shift - len(connection))
            for i, value in enumerate(previous):
                updated[i + shift] -= factor * value
            if 2 * length <= k:
                previous, previous_discrepancy = connection, discrepancy
                length, shift = k + 1 - length, 0
            connection = updated
        shift += 1
        profile.append(length)
    connection = (connection + [zero] * (length + 1))[:length + 1]
    return np.array([sagemath.element_to_int(c) for c in connection], dtype=np.int64), np.array(profile, dtype=np.int64)


def check_massey_length(count, q):
    r"""
    Refuse, before any work, a sequence longer than Massey's algorithm takes over `GF(q)`.

    EXAMPLES::

        sage: from sage_lfsr.theory.sequences import check_massey_length
        sage: check_massey_length(10**6, 2)
        sage: check_massey_length(10**6, 3)
        Traceback (most recent call last):
        ...
        ValueError: 1000000 terms over GF(3) are more than Berlekamp-Massey takes here (524288): its work grows as n^2/2 table operations for a random sequence, hours at this length
    """
    limit, unit = ((MAX_TERMS_BINARY, "n^2/128 word operations") if q == 2 else
                   (MAX_TERMS_TABLES, "n^2/2 table operations") if q <= MAX_TABLE_ORDER else
                   (MAX_TERMS_ELEMENTS, "n^2/2 Sage field operations"))
    if count > limit:
        raise ValueError(f"{count} terms over GF({q}) are more than Berlekamp-Massey takes here ({limit}): its work "
                         f"grows as {unit} for a random sequence, hours at this length")


def massey(sequence, q=2):
    r"""
    Massey's algorithm: ``(field, connection, profile)``.

    ``connection`` holds the integer representations of `C_0 = 1, C_1, \ldots, C_L`
    with `\sum_{i=0}^{L} C_i s_{k-i} = 0` for `L \le k < n` (`L` the linear
    complexity, ``len(connection) - 1``); ``profile[k]`` is the complexity of
    `s_0, \ldots, s_k`. Both are numpy ``int64`` arrays.

    EXAMPLES::

        sage: from sage_lfsr.theory.sequences import massey
        sage: field, connection, profile = massey("1101")
        sage: connection, profile
        (array([1, 1, 1]), array([1, 1, 2, 2]))
    """
    field, terms = sequence_terms(sequence, q)
    q = int(field.order())
    check_massey_length(len(terms), q)
    if q == 2:
        connection, profile = _massey_binary(terms)
    elif q <= MAX_TABLE_ORDER:
        connection, profile = _massey_tables(terms, *field_tables(q))
    else:
        connection, profile = _massey_elements(field, terms)
    return field, connection, profile


def berlekamp_massey(sequence, q=2):
    r"""
    The shortest LFSR that generates ``sequence``: its degree is the linear
    complexity `L`.

    The register's characteristic polynomial is the reciprocal
    `x^L C(1/x)` of the connection polynomial `C(x) = 1 + C_1 x + \cdots + C_L x^L`
    (so the register is singular when `C_L = 0`). When `2L > n` (more than half
    of the terms are needed) the shortest register is not unique and this is
    Massey's choice. The register's fill is ``sequence[:L]``.

    An all-zero sequence has linear complexity 0; an LFSR has degree at least 1,
    so it gets the degree-1 register `x_{n+1} = 0` (characteristic polynomial
    `x`), which generates it. Use :func:`linear_complexity` for the number.

    INPUT:

    - ``sequence`` -- at least one term: field elements, integers `0..q-1`, or
      over `GF(2)` a bit string (see :func:`sequence_terms`)
    - ``q`` -- the field order (default: 2)

    OUTPUT: an :class:`~sage_lfsr.registers.lfsr.LFSR`

    EXAMPLES::

        sage: from sage_lfsr import LFSR
        sage: from sage_lfsr.theory.sequences import berlekamp_massey
        sage: secret = LFSR.from_polynomial("x^5 + x^2 + 1")
        sage: terms = secret.sequence([1, 0, 0, 1, 1], 10)
        sage: berlekamp_massey(terms)
        LFSR of degree 5 over GF(2) with characteristic polynomial x^5 + x^2 + 1
        sage: r = berlekamp_massey([1, 3, 0, 1], q=9); r.degree, r.sequence([1, 3], 4)
        (2, [1, z, 0, 1])
        sage: berlekamp_massey("0000")
        LFSR of degree 1 over GF(2) with characteristic polynomial x

    TESTS::

        sage: berlekamp_massey([])
        Traceback (most recent call last):
        ...
        ValueError: Berlekamp-Massey needs at least one term
    """
    from sage_lfsr.registers.lfsr import LFSR

    field, connection, _ = massey(sequence, q)
    q = int(field.order())
    if len(_) == 0:
        raise ValueError("Berlekamp-Massey needs at least one term")
    length = len(connection) - 1
    if length == 0:
        return LFSR([0], q=q)
    neg = field_tables(q)[2] if q <= MAX_TABLE_ORDER else None
    coefficients = []
    for j in range(length):  # x_{n+L} = -sum_i C_i x_{n+L-i}, so c_j = -C_{L-j}
        value = int(connection[length - j])
        coefficients.append(int(neg[value]) if neg is not None else _negated(field, value))
    return LFSR(coefficients, q=q)


def _negated(field, value):
    from sage_lfsr.common import sagemath

    return sagemath.element_to_int(-sagemath.int_to_element(field, value))


def linear_complexity(sequence, q=2) -> int:
    r"""
    The linear complexity of ``sequence`` (0 for an empty or all-zero sequence).

    EXAMPLES::

        sage: from sage_lfsr.theory.sequences import linear_complexity
        sage: linear_complexity("0001"), linear_complexity("0000"), linear_complexity([])
        (4, 0, 0)
    """
    return len(massey(sequence, q)[1]) - 1


def linear_complexity_profile(sequence, q=2) -> list:
    r"""
    The linear complexity of every prefix: entry `k` is the complexity of
    `s_0, \ldots, s_k`.

    A random sequence follows `k/2` closely; an LFSR's output of degree `d`
    climbs to `d` within `2d` terms and stays there.

    EXAMPLES::

        sage: from sage_lfsr.theory.sequences import linear_complexity_profile
        sage: linear_complexity_profile("0001001101011110001")
        [0, 0, 0, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4]
    """
    return massey(sequence, q)[2].tolist()
