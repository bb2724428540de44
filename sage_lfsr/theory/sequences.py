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

Where the complexity keeps growing (random data, a nonlinear register's output) the `O(n L)`
steps are quadratic, and ``method="auto"`` switches, once its estimate of the remaining
compiled work exceeds the alternative's, to a subquadratic path: Massey's steps by divide
and conquer over `GF(2^m)` (:mod:`~sage_lfsr.theory.recursive_massey`: the same connection and
profile), or a library half-gcd (:mod:`~sage_lfsr.theory.minimal_polynomials`: NTL over `GF(2)`,
FLINT over `GF(p)`, PARI over `GF(p^m)`, `p` odd) for the complexity alone.

Sequences are given as field elements, integers (integer representations
`0..q-1`, see :func:`sage_lfsr.common.sagemath.element_to_int`), a numpy integer array, or
over `GF(2)` a bit string such as ``"0110 1001"`` (spaces and underscores are
ignored).

The other measures of a sequence's complexity are reached from this module too (it is
``sage_lfsr.sequences``): :func:`maximum_order_complexity`, its profile and :func:`shortest_fsr`
(the shortest register of any kind, :mod:`~sage_lfsr.theory.order_complexity`);
:func:`periodic_linear_complexity`, :func:`games_chan` and the `k`-error linear complexity with its
profile (:mod:`~sage_lfsr.theory.periodic`); the linear complexity test of NIST SP 800-22
(:func:`sp800_22_linear_complexity_test`, :mod:`~sage_lfsr.theory.nist`).

EXAMPLES::

    sage: from sage_lfsr.theory.sequences import berlekamp_massey, linear_complexity_profile
    sage: berlekamp_massey("0001001101011110001")
    LFSR of degree 4 over GF(2) with characteristic polynomial x^4 + x + 1
    sage: linear_complexity_profile([1, 2, 0, 1, 2], q=3)
    [1, 1, 2, 2, 2]
"""
from __future__ import annotations

import itertools
import math
from functools import lru_cache

import numba
import numpy as np

from sage_lfsr.common.compiled import DeferredSignals, popcount

#: Largest field order whose arithmetic is tabulated (``q^2`` entries per table).
MAX_TABLE_ORDER = 1024
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
    from sage_lfsr.common.limits import TooLarge

    field = _field_of_order(q)
    q = int(field.order())
    if hasattr(sequence, "__len__") and len(sequence) > MAX_SEQUENCE_TERMS:
        raise TooLarge(f"{len(sequence)} terms are too many: sequence functions take at most {MAX_SEQUENCE_TERMS}")
    if isinstance(sequence, (bytes, bytearray, memoryview)):
        raise TypeError("a sequence is a list of terms or a bit string, not bytes: unpack them first "
                        "(numpy.unpackbits, or sage_lfsr.cli_complexity.read_bits for a file)")
    if isinstance(sequence, str):
        if q != 2:
            raise TypeError(f"a bit string is a sequence over GF(2), not GF({q}): give a list of integers")
        return field, _bit_string_terms(sequence)
    if isinstance(sequence, np.ndarray) and sequence.dtype != object:
        if sequence.dtype.kind not in "iub" or sequence.ndim != 1:
            raise TypeError(f"a sequence array must be one-dimensional with integer entries, not {sequence.dtype}")
        terms = sequence.astype(np.int64)
    else:
        try:
            # a generator or an endless iterator is read only up to the limit
            items = list(itertools.islice(iter(sequence), MAX_SEQUENCE_TERMS + 1))
        except TypeError:
            raise TypeError(f"a sequence is a list of terms or a bit string, not {type(sequence).__name__}") from None
        if len(items) > MAX_SEQUENCE_TERMS:
            raise TooLarge(f"more than {MAX_SEQUENCE_TERMS} terms are too many: sequence functions take at most "
                           f"{MAX_SEQUENCE_TERMS} (an iterator is read no further)")
        terms = _plain_integers(items, q)
        if terms is None:
            terms = np.array(_checked_values(items, q), dtype=_term_dtype(q))
    bad = np.flatnonzero((terms < 0) | (terms >= q))
    if len(bad):
        raise ValueError(f"term {bad[0]} = {terms[bad[0]]} is outside GF({q}): "
                         f"integers stand for field elements 0..{q - 1}")
    return field, terms


#: Fields whose integer representations reach past int64 hold their terms in object arrays.
_INT64_FIELD_ORDER = 1 << 62


def _checked_values(items, q):
    r"""The integer representations of ``items`` (integers or field elements), each checked."""
    from sage_lfsr.common import sagemath

    values = []
    for position, item in enumerate(items):
        if isinstance(item, bool):
            raise TypeError(f"term {position} = {item!r} is neither an integer nor an element of GF({q})")
        if isinstance(item, (int, np.integer)) or type(item).__name__ == "Integer":
            value = int(item)
            if not 0 <= value < q:  # checked here: a huge integer fits no int64
                raise ValueError(f"term {position} = {value} is outside GF({q}): "
                                 f"integers stand for field elements 0..{q - 1}")
            values.append(value)
        elif hasattr(item, "parent"):
            parent = item.parent()
            if not getattr(parent, "is_field", lambda: False)() or parent.order() != q:
                raise ValueError(f"term {position} = {item} lies in {_field_name(parent)}, not GF({q})")
            values.append(sagemath.element_to_int(item))
        else:
            raise TypeError(f"term {position} = {item!r} is neither an integer nor an element of GF({q})")
    return values


def _plain_integers(items, q):
    r"""A list of Python ``int`` (the common case) as an array in one pass, or ``None`` (checked one by one)."""
    if not all(type(item) is int for item in items):
        return None
    try:
        return np.array(items, dtype=_term_dtype(q))
    except OverflowError:  # beyond int64: the terms are refused one by one, with their positions
        return None


def _term_dtype(q):
    return np.int64 if q < _INT64_FIELD_ORDER else object


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
# Both kernels are resumable: they step terms start..stop-1 and keep everything they need in
# the arrays they are given, so the caller runs them in chunks (Ctrl-C is honoured between
# chunks, and a long sequence can be handed to the library half-gcd once its complexity shows).

@numba.njit(cache=True, nogil=True)
def _binary_windows(terms):  # pragma: no cover - compiled
    # shifted[b, j] holds bits 64 j + b .. 64 j + b + 63 of the reversed sequence
    # (bit k is s[n - 1 - k]), so every window is a run of aligned words.
    n = terms.shape[0]
    words = (n + 63) // 64 + 2
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
def _massey_binary_steps(shifted, n, connection, others, scalars, profile, start, stop):  # pragma: no cover
    # Bit-packed: the reversed sequence and the polynomials in 64-bit words, so a
    # discrepancy is an AND/XOR over L/64 words and one popcount. others[which] is the
    # previous connection B, others[1 - which] spare room; scalars = (L, bits of B,
    # shift, words of spare in use, which).
    length, previous_bits, shift, spare_words, which = scalars[0], scalars[1], scalars[2], scalars[3], scalars[4]
    for k in range(start, stop):
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
        previous, spare = others[which], others[1 - which]
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
            which = 1 - which
            previous_bits = length + 1
            length = k + 1 - length
            shift = 1
        else:
            shift += 1
        profile[k] = length
    scalars[0], scalars[1], scalars[2], scalars[3], scalars[4] = length, previous_bits, shift, spare_words, which


@numba.njit(cache=True, nogil=True)
def _massey_tables_steps(terms, add, mul, neg, inv, connection, others, scalars, profile, start, stop):  # pragma: no cover
    # scalars = (L, size of B, shift, discrepancy of B, which): others[which] is B.
    length, previous_size, shift, previous_discrepancy, which = scalars[0], scalars[1], scalars[2], scalars[3], scalars[4]
    for k in range(start, stop):
        discrepancy = 0
        for i in range(length + 1):
            discrepancy = add[discrepancy, mul[connection[i], terms[k - i]]]
        if discrepancy == 0:
            shift += 1
            profile[k] = length
            continue
        previous, spare = others[which], others[1 - which]
        factor = neg[mul[discrepancy, inv[previous_discrepancy]]]  # C <- C - (d / b) x^m B
        grows = 2 * length <= k
        if grows:
            spare[:length + 1] = connection[:length + 1]
        for i in range(previous_size):
            connection[i + shift] = add[connection[i + shift], mul[factor, previous[i]]]
        if grows:
            previous_size = length + 1
            which = 1 - which
            length = k + 1 - length
            previous_discrepancy = discrepancy
            shift = 1
        else:
            shift += 1
        profile[k] = length
    scalars[0], scalars[1], scalars[2], scalars[3], scalars[4] = length, previous_size, shift, previous_discrepancy, which


#: Term operations (64-bit words over GF(2), table look-ups otherwise) one compiled chunk does
#: between two Ctrl-C checks: about 10 ms.
_CHUNK_OPERATIONS = 1 << 24
#: Measured rates (2-core machine, see docs/benchmarks/sequences.md) that decide between the
#: compiled O(n L) kernel and the library half-gcd: compiled word or table operations a second,
#: and library seconds a term.
_COMPILED_RATE = {"binary": 1.0e9, "tables": 1.5e8}
_LIBRARY_SECONDS_PER_TERM = {"ntl": 6e-7, "flint": 4e-6, "pari": 2.2e-5, "recursive": 7e-6, "recursive GF(2)": 1.3e-6}
#: PARI's cost a term grows with the field's degree m (its polynomials are Kronecker-packed):
#: about 2.2e-5 (m + 1) / 3 s at 10^5 terms (GF(4) 1.8e-5, GF(256) 4.7e-5 measured here).


class _CompiledMassey:
    r"""Massey's algorithm in resumable compiled chunks (one object per sequence)."""

    def __init__(self, terms, q):
        n = len(terms)
        self.n, self.q, self.done = n, q, 0
        self.profile = np.empty(n, dtype=np.int64)
        # (L, size of B, shift, 0 words of spare in use / discrepancy 1 of B, B in others[0])
        self.scalars = np.array([0, 1, 1, 0 if q == 2 else 1, 0], dtype=np.int64)
        if q == 2:
            self.kind = "binary"
            self.shifted = _binary_windows(terms)
            size = self.shifted.shape[1]
        else:
            self.kind = "tables"
            self.terms, self.tables = terms, field_tables(q)
            size = n + 1
        self.connection = np.zeros(size, dtype=np.uint64 if q == 2 else np.int64)
        self.others = np.zeros((2, size), dtype=self.connection.dtype)
        self.connection[0] = self.others[0, 0] = 1

    @property
    def length(self):
        return int(self.scalars[0])

    def remaining_seconds(self):
        r"""
        Compiled seconds the rest would take. While the complexity has kept up with `k/2` (random
        data, a nonlinear register's output, or an LFSR's output before `2d` terms) it is taken to
        keep growing at its slope so far, a mean of `L + (n - k) L / (2k)` over the rest; once it
        has fallen behind (an LFSR's output of degree `d` after `2d` terms) it is taken to stay.
        """
        remaining = self.n - self.done
        growing = 2 * self.length >= 0.9 * self.done
        mean_length = self.length + (remaining * self.length / (2 * max(self.done, 1)) if growing else 0)
        per_term = mean_length + 1 if self.kind == "tables" else mean_length / 64 + 1
        return remaining * per_term / _COMPILED_RATE[self.kind]

    def step(self):
        r"""One chunk of about :data:`_CHUNK_OPERATIONS` operations."""
        # c terms can raise L to (done + c) / 2: c (L + c) operations at most (over 64 for GF(2))
        per_term = self.length + 1 if self.kind == "tables" else (self.length >> 6) + 1
        largest = math.isqrt(_CHUNK_OPERATIONS * (1 if self.kind == "tables" else 64))
        stop = min(self.n, self.done + max(64, min(largest, _CHUNK_OPERATIONS // per_term)))
        if self.kind == "binary":
            _massey_binary_steps(self.shifted, self.n, self.connection, self.others, self.scalars,
                                 self.profile, self.done, stop)
        else:
            _massey_tables_steps(self.terms, *self.tables, self.connection, self.others, self.scalars,
                                 self.profile, self.done, stop)
        self.done = stop

    def connection_terms(self):
        length = self.length
        if self.kind == "tables":
            return self.connection[:length + 1].copy()
        bits = np.unpackbits(self.connection.view(np.uint8), bitorder="little")
        return bits[:length + 1].astype(np.int64)


def compiled_complexity(terms, q=2) -> int:
    r"""
    The linear complexity of a short sequence of integer representations by the compiled kernel
    alone, without the input checks (for callers that run it on many blocks of checked terms:
    NIST's test, the exhaustive `k`-error search).

    EXAMPLES::

        sage: import numpy as np
        sage: from sage_lfsr.theory.sequences import compiled_complexity
        sage: compiled_complexity(np.array([0, 0, 0, 1])), compiled_complexity(np.array([1, 2, 0, 1, 2]), 3)
        (4, 2)
    """
    massey = _CompiledMassey(np.ascontiguousarray(terms, dtype=np.int64), q)
    while massey.done < massey.n:
        massey.step()
    return massey.length


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
    return (np.array([sagemath.element_to_int(c) for c in connection], dtype=_term_dtype(int(field.order()))),
            np.array(profile, dtype=np.int64))


# ---------------------------------------------------------------- limits

from sage_lfsr.common.limits import MAX_SEQUENCE_TERMS  # noqa: E402,F401 - most terms any sequence function takes
#: Most terms the quadratic paths take when they run to the end: the compiled GF(2) kernel (about
#: 3.3 s for 10^6 random terms), the tabulated fields (about 13 s for 10^5 random terms over GF(3),
#: 27 s over GF(256)) and Sage elements (fields above :data:`MAX_TABLE_ORDER`). ``method="auto"``
#: is not held to them where a subquadratic path serves (see :func:`_subquadratic_kind`).
MAX_QUADRATIC_TERMS = {"binary": 4 * 10 ** 6, "tables": 2 * 10 ** 5, "elements": 2 * 10 ** 4}
#: Most terms one FLINT call takes over GF(p), p > 2 (about 10 s: the call holds the interpreter, so
#: Ctrl-C waits for it; NTL's GF(2) call takes the 10^7 of :data:`MAX_SEQUENCE_TERMS` in about 5 s).
MAX_FLINT_TERMS = 2 * 10 ** 6
#: Most terms PARI's half-gcd takes over GF(p^m), p odd, m > 1 (50 s and 1.2 GB for 5 x 10^5 terms over
#: GF(27) at load 6; 10^6 overflowed PARI's default 1 GB stack; the call runs in a child process that
#: Ctrl-C stops at once, with a stack of up to 4 GB).
MAX_PARI_TERMS = 5 * 10 ** 5
#: Most terms the divide-and-conquer Massey takes over GF(2^m), m > 1 (5 s for 4 x 10^5 random terms
#: over GF(256), about 20 s for 10^6; its largest carry-less product, under a second, is the longest
#: Ctrl-C waits); over GF(2) it takes the :data:`MAX_SEQUENCE_TERMS` (6.5 s for 4 x 10^6, about 25 s
#: for 10^7).
MAX_RECURSIVE_TERMS = 10 ** 6
METHODS = ("auto", "compiled", "library")


def _check_size(n, q, method, profile):
    from sage_lfsr.common.limits import TooLarge

    if method not in METHODS:
        raise ValueError(f"method is one of {', '.join(METHODS)}, not {method!r}")
    if n > MAX_SEQUENCE_TERMS:
        raise TooLarge(f"{n} terms are too many: sequence functions take at most {MAX_SEQUENCE_TERMS}")
    kind = _subquadratic_kind(q, profile)
    if method == "library" and kind is None:
        raise ValueError("no subquadratic Berlekamp-Massey serves "
                         + (f"the profile over GF({q}) (only GF(2^m))" if profile else
                            f"GF({q}) (prime fields and GF(p^m) up to {MAX_TABLE_ORDER})"))
    if method == "library" or (method == "auto" and kind is not None):
        if kind == "flint" and n > MAX_FLINT_TERMS:
            raise TooLarge(f"{n} terms are too many for FLINT's Berlekamp-Massey over GF({q}): one call that "
                           f"Ctrl-C cannot stop, about 5 s a million terms; the limit is {MAX_FLINT_TERMS}")
        if kind == "pari" and n > MAX_PARI_TERMS:
            raise TooLarge(f"{n} terms are too many for PARI's half-gcd over GF({q}): about a minute and 1.2 GB for "
                           f"half a million terms; the limit is {MAX_PARI_TERMS}")
        if kind == "recursive" and q != 2 and n > MAX_RECURSIVE_TERMS:
            raise TooLarge(f"{n} terms are too many for Massey's algorithm over GF({q}): about 20 s for "
                           f"{MAX_RECURSIVE_TERMS} by divide and conquer, the limit here")
        return
    kind = "binary" if q == 2 else "tables" if q <= MAX_TABLE_ORDER else "elements"
    if n > MAX_QUADRATIC_TERMS[kind]:
        what = "the profile" if profile else f"Massey's algorithm over GF({q})"
        raise TooLarge(f"{n} terms are too many for {what}: it takes O(n L) steps, up to n^2/4, "
                       f"and is limited to {MAX_QUADRATIC_TERMS[kind]} terms here")


@lru_cache(maxsize=128)
def _subquadratic_kind(q, profile=False):
    r"""
    The subquadratic path for `GF(q)`: Massey's algorithm by divide and conquer
    (``"recursive"``, :mod:`~sage_lfsr.theory.recursive_massey`) over `GF(2^m)`, `m > 1`, and for
    the profile over `GF(2)`; otherwise a library half-gcd (:mod:`~sage_lfsr.theory.minimal_polynomials`):
    ``"ntl"`` over `GF(2)`, ``"flint"`` over odd prime fields, ``"pari"`` over the other `GF(p^m)`;
    ``None`` where none serves (the profile needs every step: only the divide and conquer gives it).
    """
    from sage_lfsr.common import sagemath
    from sage_lfsr.theory.minimal_polynomials import library_available
    from sage_lfsr.theory.recursive_massey import available

    if available(q) and q <= MAX_TABLE_ORDER and (profile or q != 2):
        return "recursive"
    if profile or not library_available(q):
        return None
    if q == 2:
        return "ntl"
    return "flint" if sagemath.Integer(int(q)).is_prime() else "pari"


def _library_seconds(n, q, kind):
    if kind == "recursive":
        return n * _LIBRARY_SECONDS_PER_TERM["recursive GF(2)" if q == 2 else "recursive"]
    per_term = _LIBRARY_SECONDS_PER_TERM[kind]
    if kind == "pari":
        per_term *= (_field_degree(q) + 1) / 3
    return n * per_term


def _field_degree(q):
    r"""The degree `m` of `GF(q)`, `q = p^m`."""
    from sage_lfsr.common import sagemath

    return int(sagemath.Integer(int(q)).is_prime_power(get_data=True)[1])


def _subquadratic(kind, terms, q, signals, complexity_only):
    r"""``(connection or L, profile or None)`` by the subquadratic path ``kind``."""
    if kind == "recursive":
        from sage_lfsr.theory.recursive_massey import recursive_massey

        connection, steps = recursive_massey(terms, q, field_tables(q), signals=signals)
        return (len(connection) - 1 if complexity_only else connection), steps
    from sage_lfsr.theory.library_calls import interruptible
    from sage_lfsr.theory.minimal_polynomials import library_complexity, library_connection

    # a library call holds the interpreter: a long one runs in a child that Ctrl-C stops at once
    call = library_complexity if complexity_only else library_connection
    return interruptible(call, terms, q, expected_seconds=_library_seconds(len(terms), q, kind),
                         signals=signals, pari=kind == "pari"), None


def _connection_and_profile(sequence, q, method="auto", profile=True, complexity_only=False):
    r"""
    ``(field, connection, profile or None)`` by the path ``method`` and the sizes choose; with
    ``complexity_only``, the linear complexity `L` (an ``int``) in place of the connection.
    """
    field, terms = sequence_terms(sequence, q)
    q = int(field.order())
    n = len(terms)
    _check_size(n, q, method, profile)
    kind = _subquadratic_kind(q, profile)
    if method == "library":
        with DeferredSignals() as signals:
            return (field, *_subquadratic(kind, terms, q, signals, complexity_only))
    if q > MAX_TABLE_ORDER:
        connection, steps = _massey_elements(field, terms)
        return field, (len(connection) - 1 if complexity_only else connection), steps
    may_switch = method == "auto" and kind is not None
    with DeferredSignals() as signals:  # Ctrl-C lands between two chunks, never inside numba's callbacks
        compiled = _CompiledMassey(terms, q)  # (nor inside numba's compiler, whose state it would break)
        while compiled.done < n:
            if may_switch and compiled.remaining_seconds() > _library_seconds(n, q, kind):
                return (field, *_subquadratic(kind, terms, q, signals, complexity_only))
            compiled.step()
            signals.check()
    return field, (compiled.length if complexity_only else compiled.connection_terms()), compiled.profile


def massey(sequence, q=2):
    r"""
    Massey's algorithm: ``(field, connection, profile)``.

    ``connection`` holds the integer representations of `C_0 = 1, C_1, \ldots, C_L`
    with `\sum_{i=0}^{L} C_i s_{k-i} = 0` for `L \le k < n` (`L` the linear
    complexity, ``len(connection) - 1``); ``profile[k]`` is the complexity of
    `s_0, \ldots, s_k`. Both are numpy ``int64`` arrays. The profile needs every
    step: this is the compiled `O(n L)` algorithm (run in chunks: Ctrl-C stops it)
    or, over `GF(2^m)` once that is cheaper, the same steps by divide and conquer
    (:mod:`~sage_lfsr.theory.recursive_massey`, `O(M(n) \log n)`, the same answer);
    :func:`berlekamp_massey` and :func:`linear_complexity` also use a library
    half-gcd where it is faster.

    EXAMPLES::

        sage: from sage_lfsr.theory.sequences import massey
        sage: field, connection, profile = massey("1101")
        sage: connection, profile
        (array([1, 1, 1]), array([1, 1, 2, 2]))

    TESTS::

        sage: massey("01" * (10 ** 7))
        Traceback (most recent call last):
        ...
        TooLarge: 20000000 terms are too many: sequence functions take at most 10000000
        sage: massey([1, 2] * (10 ** 5 + 1), q=3)
        Traceback (most recent call last):
        ...
        TooLarge: 200002 terms are too many for the profile: it takes O(n L) steps, up to n^2/4, and is limited to 200000 terms here
    """
    return _connection_and_profile(sequence, q, "auto", profile=True)


def berlekamp_massey(sequence, q=2, method="auto"):
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
    - ``method`` -- ``"auto"`` (default: Massey's compiled algorithm while its
      remaining cost, ``(n - k) (L + 1)`` at the measured rates with `L` growing at its slope so far
      while it keeps up with `k/2`, stays under the library's, the library
      half-gcd of :mod:`~sage_lfsr.theory.minimal_polynomials` or, over `GF(2^m)`, `m > 1`,
      Massey's steps by divide and conquer (:mod:`~sage_lfsr.theory.recursive_massey`) after that), ``"compiled"``
      or ``"library"`` (`GF(2)`, prime fields, and `GF(p^m)` up to :data:`MAX_TABLE_ORDER`)

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

    field, terms = sequence_terms(sequence, q)
    if len(terms) == 0:
        raise ValueError("Berlekamp-Massey needs at least one term")
    field, connection, _ = _connection_and_profile(terms, int(field.order()), method, profile=False)
    q = int(field.order())
    length = len(connection) - 1
    if length == 0:
        return LFSR([0], q=q)
    top_first = connection[length:0:-1]  # x_{n+L} = -sum_i C_i x_{n+L-i}, so c_j = -C_{L-j}
    if q <= MAX_TABLE_ORDER:
        return LFSR.from_integers(field_tables(q)[2][top_first.astype(np.int64)], q=q)
    return LFSR.from_integers([_negated(field, int(value)) for value in top_first], q=q)


def _negated(field, value):
    from sage_lfsr.common import sagemath

    return sagemath.element_to_int(-sagemath.int_to_element(field, value))


def linear_complexity(sequence, q=2, method="auto") -> int:
    r"""
    The linear complexity of ``sequence`` (0 for an empty or all-zero sequence);
    ``method`` as for :func:`berlekamp_massey`.

    EXAMPLES::

        sage: from sage_lfsr.theory.sequences import linear_complexity
        sage: linear_complexity("0001"), linear_complexity("0000"), linear_complexity([])
        (4, 0, 0)
    """
    return _connection_and_profile(sequence, q, method, profile=False, complexity_only=True)[1]


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


# ---------------------------------------------------------------- the other complexities
# Reached from here too (``sage_lfsr.sequences`` is this module), loaded on first use: those modules
# build on this one, so importing them here at load time would be a circle.
_ELSEWHERE = {
    "maximum_order_complexity": "order_complexity", "maximum_order_complexity_profile": "order_complexity",
    "shortest_fsr": "order_complexity", "games_chan": "periodic", "periodic_linear_complexity": "periodic",
    "k_error_linear_complexity": "periodic", "k_error_linear_complexity_profile": "periodic",
    "sp800_22_linear_complexity_test": "nist",
}


def __getattr__(name):
    r"""The complexities of :mod:`~sage_lfsr.theory.order_complexity`, :mod:`~sage_lfsr.theory.periodic`
    and :mod:`~sage_lfsr.theory.nist`, by their names here."""
    if name not in _ELSEWHERE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(f"sage_lfsr.theory.{_ELSEWHERE[name]}"), name)


def __dir__():
    return sorted(set(globals()) | set(_ELSEWHERE))
