r"""
Successor rules: de Bruijn sequences of order `n \le 64` streamed bit by bit in
`O(n)` time a bit at worst and a few word operations for most states (compiled;
:func:`_is_necklace` settles most necklace tests by their runs of zeros), without
enumerating or storing states; and :func:`is_de_bruijn`, the compiled check
(orders up to 32).

A state `a_1 a_2 \cdots a_n` is an integer with `a_1` in bit 0 (the package's
`x_0`); the next state is `a_2 \cdots a_n f(a)` and the stream is the bits `f`.
Every rule follows one framework (Gabric, Sawada, Williams, Wong, "A framework
for constructing de Bruijn sequences via simple successor rules", Discrete
Math. 341(11), 2977-2987, 2018): start from a register `g = x_0 + h` whose
cycles are ordered, give every cycle but the least a *representative* state
whose conjugate (first bit flipped) lies on a smaller cycle, and complement `g`
at every representative and at its conjugate. The representatives' pairs are
distinct (two representatives cannot be conjugate: each would lie on the
smaller cycle), there is one per cycle but the root, and each links its cycle
to a smaller one, so they form a spanning tree of the adjacency graph and the
result has one cycle (:mod:`~sage_lfsr.debruijn.joining`). The rules differ in
the register (pure cycling ``pcr``, complemented cycling ``ccr``, pure summing
``psr``, complemented summing ``csr``), the order of its cycles and the
representative; each feedback's docstring proves its choice.

This module needs numpy and numba only (no engine, no Sage).
"""
from __future__ import annotations

import operator

import numpy as np
from llvmlite import ir
from numba.core import types as numba_types
from numba.extending import intrinsic

from sage_lfsr.common.compiled import cached_njit, popcount, specialize

#: Highest order the rules stream (a state is one 64-bit word).
MAX_RULE_ORDER = 64
#: Highest order :func:`is_de_bruijn` checks (a bitmap of `2^n` bits).
MAX_CHECK_ORDER = 32
#: Most bits one call of :func:`de_bruijn_bits` returns (a byte each).
MAX_STREAM_BITS = 1 << 32
#: Bits a compiled call handles before Python sees a Ctrl-C again.
CHUNK = 1 << 22
#: Highest order whose bitmap (`2^n` bits, 2 MB) :func:`is_de_bruijn` sets in stream order;
#: above, it sorts each chunk of :data:`SORT_CHUNK` windows by blocks of `2^{23}` bits first.
CACHED_CHECK_ORDER = 24
SORT_BLOCK_BITS = 23
SORT_CHUNK = 1 << 24


@intrinsic
def trailing_zeros(typingctx, value):
    r"""
    The number of 0 bits below the lowest 1 of a ``uint64`` (64 for 0), one machine instruction.

    EXAMPLES::

        sage: import numba, numpy as np
        sage: from sage_lfsr.debruijn.successors import trailing_zeros
        sage: count = numba.njit(lambda value: trailing_zeros(value))
        sage: count(np.uint64(0b1000)), count(np.uint64(1)), count(np.uint64(0))
        (3, 0, 64)
    """
    def codegen(context, builder, signature, args):
        return builder.cttz(args[0], ir.Constant(ir.IntType(1), 0))
    return numba_types.uint64(numba_types.uint64), codegen


def _bit(value, position):
    return (value >> np.uint64(position)) & np.uint64(1)


bit = cached_njit(_bit, inline="always")


def _is_necklace(word, length):
    r"""
    Whether the string `t_1 \cdots t_L` (`t_i` in bit `i - 1` of ``word``, `L \le 64`) is a
    necklace (no larger than any of its rotations), in a few word operations
    for most strings.

    Let `z \ge 1` be the length of its leading run of 0s. A necklace that holds a 1
    ends with 1 (else the rotation moving that last 0 to the front would be
    smaller), and no run of 0s is longer than `z` (the rotation starting there
    would begin with `0^{z+1}`, below `0^z 1`). A rotation that starts with fewer
    than `z` zeros, or with a 1, is larger than `t` (it has a 1 where `t` still has
    a 0). So a string passing those two tests is a necklace exactly when it is no
    larger than its rotations that start at another run of exactly `z` zeros, few
    for most strings: each is compared with `t` in one step, at the lowest bit where
    they differ.

    EXAMPLES::

        sage: import numpy as np
        sage: from sage_lfsr.debruijn.successors import necklace
        sage: word = lambda text: np.uint64(int(text[::-1], 2))  # t_1 in bit 0
        sage: [bool(necklace(word(t), len(t))) for t in ("0011", "0101", "0110", "1111", "0010111", "0000")]
        [True, True, False, True, True, True]
        sage: [bool(necklace(word(t), len(t))) for t in ("0010011", "0010010", "0100101", "01011")]
        [True, False, False, True]
    """
    one = np.uint64(1)
    full = ~np.uint64(0) if length == 64 else (one << np.uint64(length)) - one
    word &= full
    if word & one:  # starts with 1: a necklace only as 1^L
        return word == full
    if word == 0:
        return True
    if (word >> np.uint64(length - 1)) == 0:  # holds a 1 and ends with 0
        return False
    zeros = int(trailing_zeros(word))
    free = ~word & full
    starts = free  # bit i: t_{i+1} .. t_{i+zeros} are all 0
    for shift in range(1, zeros):
        starts &= free >> np.uint64(shift)
    if starts & (free >> np.uint64(zeros)):  # a run of zeros + 1 zeros
        return False
    starts &= starts - one  # the leading run left out
    while starts:
        shift = trailing_zeros(starts)
        starts &= starts - one
        rotated = ((word >> shift) | (word << (np.uint64(length) - shift))) & full
        differ = word ^ rotated
        if differ and word & (differ & (~differ + one)):  # t has the 1 where they first differ
            return False
    return True


necklace = cached_njit(_is_necklace, inline="always")


def _pcr_feedback(state, order):
    r"""
    PCR3 (Sawada, Williams, Wong, "A surprisingly simple de Bruijn sequence
    construction", Discrete Math. 339 (2016), 127-131): `f(a) = \bar a_1` if
    `a_2 \cdots a_n 1` is a necklace, else `a_1`.

    Proof. The pure cycling register `f = a_1` has the necklace classes as
    cycles; order them by weight. A class other than `0^n` has a necklace
    `\nu = y1` (a necklace with a 1 ends with 1: if it ended with 0, moving that
    0 to the front would give a rotation no larger, which forces every symbol to
    be 0). Its representative is `1y` (a rotation of `\nu`), whose conjugate `0y`
    lies in the class of `y0`, of weight one less. `1y` or `0y` is the state
    `a`, `y = a_2 \cdots a_n`, exactly when `a_2 \cdots a_n 1` is a necklace.
    """
    one = np.uint64(1)
    word = (state >> one) | (one << np.uint64(order - 1))
    first = state & one
    return first ^ one if necklace(word, order) else first


def _symbol(alpha, position, order):
    r"""Symbol ``position`` (taken mod `2n`) of `S = \alpha \bar\alpha`."""
    if position >= 2 * order:
        position -= 2 * order
    if position < order:
        return bit(alpha, position)
    return np.uint64(1) - bit(alpha, position - order)


symbol = cached_njit(_symbol, inline="always")


def _ccr_feedback(state, order):
    r"""
    A complemented-cycling-register rule, proved here in the framework above:
    `f(a) = a_1` if `W(1 a_2 \cdots a_n)` is a necklace, else `\bar a_1`,
    where for `\alpha = 1 0^m \beta` (`m` zeros after the leading 1)
    `W(\alpha) = \bar\beta\, 1\, 0^m \beta\, 0\, 1^m`, of length `2n`.

    Proof. The CCR `f = \bar a_1` walks the windows of the cyclic string
    `S = \alpha\bar\alpha` of length `2n`; its cycles are these strings up to
    rotation, ordered by their necklaces `N` (every rotation of `S` still has
    `N_{i+n} = \bar N_i`). The least is `0^n 1^n`. Any other `N` has a 1 in its
    first half; let `j` be the last. The window of `N` at `j`, `\alpha =
    1 0^{n-j} \bar N_1 \cdots \bar N_{j-1}`, is the representative: its conjugate
    walks `N` with positions `j` and `j + n` flipped, a string smaller than `N`
    (from `1` to `0` at `j`), whose necklace is smaller still. Conversely, for a
    state `\alpha = 1 0^m \beta`, the rotation of `S` that starts `|\beta|`
    symbols before `\alpha` is `W(\alpha)`, and `\alpha` is its cycle's
    representative exactly when that rotation is the necklace (its first half
    `\bar\beta 1 0^m` then has its last 1 at `j = |\beta| + 1`). A state and its
    conjugate share `a_2 \cdots a_n`, and representatives start with 1, so the
    test is made on `1 a_2 \cdots a_n`. When `a_2 = 1` (`m = 0`), `W` holds a 1 and
    ends with 0, so it is no necklace: half the states are settled by that bit.
    """
    one = np.uint64(1)
    if order <= 32:  # W is one word: the test of the PCR rule
        if state & np.uint64(2):  # m = 0: W holds a 1 and ends with 0, no necklace
            return (state & one) ^ one
        alpha = state | one
        zeros = int(trailing_zeros((alpha >> one) | (one << np.uint64(order - 1))))
        # W = S = alpha + complement(alpha) rotated by n + zeros + 1: S rotated by zeros + 1, complemented
        mask = (one << np.uint64(order)) - one
        whole = alpha | (((~alpha) & mask) << np.uint64(order))
        shift = np.uint64(zeros + 1)
        full = (one << np.uint64(2 * order)) - one if order < 32 else ~np.uint64(0)
        word = ~((whole >> shift) | (whole << (np.uint64(2 * order) - shift))) & full
        return (state & one) ^ one ^ np.uint64(necklace(word, 2 * order))
    alpha = state | one
    above = alpha >> one
    zeros = order - 1 if above == 0 else int(trailing_zeros(above))
    length = 2 * order
    start = order + zeros + 1
    p = 1
    for i in range(1, length):
        current = symbol(alpha, start + i, order)
        previous = symbol(alpha, start + i - p, order)
        if current < previous:
            return (state & one) ^ one
        if current > previous:
            p = i + 1
    if length % p != 0:
        return (state & one) ^ one
    return state & one


@intrinsic
def bit_length(typingctx, value):
    r"""
    The number of bits of a ``uint64`` up to its highest 1 (0 for 0), one machine instruction.

    EXAMPLES::

        sage: import numba, numpy as np
        sage: from sage_lfsr.debruijn.successors import bit_length
        sage: length = numba.njit(lambda value: bit_length(value))
        sage: [length(np.uint64(v)) for v in (0, 1, 6, 2**63)]
        [0, 1, 3, 64]
    """
    def codegen(context, builder, signature, args):
        leading = builder.ctlz(args[0], ir.Constant(ir.IntType(1), 0))
        return builder.sub(ir.Constant(ir.IntType(64), 64), leading)
    return numba_types.uint64(numba_types.uint64), codegen



def _is_necklace_after_zero(rest, length):
    r"""
    Whether `0 r_1 \cdots r_{L-1}` (``rest`` holding `r_i` in bit `i - 1`) is a
    necklace: :func:`_is_necklace` for a string one bit longer than a word.

    EXAMPLES::

        sage: import numpy as np
        sage: from sage_lfsr.debruijn.successors import necklace_after_zero
        sage: bool(necklace_after_zero(~np.uint64(0), int(65))), bool(necklace_after_zero(np.uint64(1), int(65)))
        (True, False)
    """
    p = 1
    for i in range(1, length):
        current = bit(rest, i - 1)
        previous = np.uint64(0) if i == p else bit(rest, i - p - 1)
        if current < previous:
            return False
        if current > previous:
            p = i + 1
    return length % p == 0


necklace_after_zero = cached_njit(_is_necklace_after_zero, inline="always")


def _summing_feedback(state, order, constant):
    r"""
    Rules for the pure summing register (``constant`` 0, PSR, `f = a_1 + \cdots + a_n`)
    and the complemented one (``constant`` 1, CSR, `f = 1 + a_1 + \cdots + a_n`):
    let `a^*` be whichever of `a` and its conjugate `\bar a_1 a_2 \cdots a_n` has
    weight of parity `1 + c` (odd for the PSR, even for the CSR), `j` the position
    of its last 1 and `k = n - j`. Then `g(a) = \overline{f(a)}` if `a^* \ne 0^n` and
    `0^k 1 a^*_1 a^*_2 \cdots a^*_j` (of length `n + 1`) is a necklace, else `f(a)`.

    Proof, in the framework above. Extend a state to the word `w(a) = a_1 \cdots a_n p`
    with `p = f(a)`: its weight is `c` mod 2 (`p` completes it), and the next state
    `a_2 \cdots a_n p` has feedback `c + a_2 + \cdots + a_n + p = a_1`, so the
    register walks the rotations of `w(a)`. Its cycles are the necklaces of length
    `n + 1` and weight `\equiv c` (mod 2), a state being the first `n` bits of a
    rotation. Order them by weight, then lexicographically by necklace; the root
    is `0^{n+1}` (PSR) or `0^n 1` (CSR). Any other necklace has weight at least 2
    (3 for the CSR), so it is `N = 0^k 1 u` with `k \ge 0` leading zeros and `u`
    nonempty, ending with 1 (a necklace with a 1 ends with 1: see the PCR rule). Its
    representative is the state whose word is the rotation `u 0^k 1`, that is the
    state `u 0^k` with `p = 1`. Its conjugate flips the first bit of `u` and `p`:
    if `u = 1v`, the word becomes `0 v 0^k 0`, of weight two less; if `u = 0v`, it
    becomes `1 v 0^{k+1}`, whose rotation `0^{k+1} 1 v` is below `N` (0 against 1
    at position `k + 1`), so its necklace is too. Both are smaller cycles.

    Conversely a state `a` with `p = 1` (weight of parity `1 + c`) and `a \ne 0^n`
    is `u 0^k` with `u` ending in its last 1; it is the representative of its cycle
    exactly when `0^k 1 u` is a necklace (then it is the cycle's necklace, with
    exactly `k` leading zeros). A state and its conjugate share `a_2 \cdots a_n`,
    and exactly one of them has `p = 1`: `a^*`, the only candidate.

    The framework's paper gives rules for both registers too; this one is proved
    here in full, and the tests compare it with a plain reading of the definition
    above (words, necklaces, representatives) for every state of order up to 12.

    EXAMPLES::

        sage: import numpy as np
        sage: from sage_lfsr.debruijn.successors import summing_feedback
        sage: # n = 3: representatives 100, 010, 111 (words 1001, 0101, 1111); f complemented there and at 000, 110, 011
        sage: [int(summing_feedback(np.uint64(s), int(3), int(0))) for s in range(8)]  # a_1 in bit 0
        [1, 0, 0, 1, 1, 0, 1, 0]
    """
    one = np.uint64(1)
    rest = state >> one
    parity = (popcount(rest) & one) ^ np.uint64(constant)  # of c + a_2 + ... + a_n
    star = (rest << one) | (parity ^ one)  # p = 1 on a^*
    value = parity ^ (state & one)
    if (star >> np.uint64(order - 1)) & one:  # k = 0: 1 u is a necklace only as 1^{n+1}
        full = ~np.uint64(0) if order == 64 else (one << np.uint64(order)) - one
        return value ^ one if star == full else value
    if star == 0:  # 0^n, on the CSR's root
        return value
    length = int(bit_length(star))  # j: a^* = u 0^k with u = a*_1 .. a*_j
    zeros = order - length
    if order < 64:  # 0^k 1 u in one word
        word = (star << np.uint64(zeros + 1)) | (one << np.uint64(zeros))
        representative = necklace(word, order + 1)
    else:  # 0 . 0^{k-1} 1 u: the first 0 kept apart
        representative = necklace_after_zero((star << np.uint64(zeros)) | (one << np.uint64(zeros - 1)), order + 1)
    return value ^ one if representative else value


summing_feedback = cached_njit(_summing_feedback, inline="always")


def _psr_feedback(state, order):
    return summing_feedback(state, order, 0)


def _csr_feedback(state, order):
    return summing_feedback(state, order, 1)


pcr_feedback = cached_njit(_pcr_feedback, inline="always")
ccr_feedback = cached_njit(_ccr_feedback, inline="always")
psr_feedback = cached_njit(_psr_feedback, inline="always")
csr_feedback = cached_njit(_csr_feedback, inline="always")


feedback = None  # set per rule by specialize()


def _stream_template(state, order, out):
    top = np.uint64(order - 1)
    one = np.uint64(1)
    for index in range(out.shape[0]):
        value = feedback(state, order)
        out[index] = value
        state = (state >> one) | (value << top)
    return state


#: ``name -> (compiled stream, what it joins)``.
RULES = {"pcr": (specialize(_stream_template, "stream_pcr", feedback=pcr_feedback),
                 "pure cycling register (PCR3, Sawada-Williams-Wong 2016)"),
         "ccr": (specialize(_stream_template, "stream_ccr", feedback=ccr_feedback),
                 "complemented cycling register (necklace order of a + not a)"),
         "psr": (specialize(_stream_template, "stream_psr", feedback=psr_feedback),
                 "pure summing register (weight, then necklace order of the words a + parity)"),
         "csr": (specialize(_stream_template, "stream_csr", feedback=csr_feedback),
                 "complemented summing register (weight, then necklace order of the words a + 1 + parity)")}


def integer_argument(value, what):
    r"""
    ``value`` as an ``int`` if it is an integer (Python, numpy or Sage; not a
    bool), else a :class:`TypeError` naming ``what``: never cast (``"7"``, ``1.9``).

    EXAMPLES::

        sage: import numpy as np
        sage: from sage_lfsr.debruijn.successors import integer_argument
        sage: integer_argument(np.uint8(7), "the state"), integer_argument(7, "the state")
        (7, 7)
        sage: integer_argument(float(1.9), "the state")
        Traceback (most recent call last):
        ...
        TypeError: the state must be an integer, not 1.9
    """
    if isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{what} must be an integer, not {value!r}")
    try:
        return operator.index(value)
    except TypeError:
        raise TypeError(f"{what} must be an integer, not {value!r}") from None


def _check_order(order, limit, what):
    order = integer_argument(order, "the order")
    if not 1 <= order <= limit:
        raise ValueError(f"{what} orders 1 to {limit}, not {order}")
    return order


def de_bruijn_bits(rule, order, count, state=0):
    r"""
    ``(bits, state)``: the next ``count`` bits of the de Bruijn sequence of
    ``order`` that ``rule`` (a name in :data:`RULES`) produces from ``state``
    (an integer, `a_1` in bit 0), and the state after them, so a stream continues
    where the last call stopped.

    EXAMPLES::

        sage: from sage_lfsr.debruijn import de_bruijn_bits, is_de_bruijn
        sage: bits, state = de_bruijn_bits("pcr", 4, 16)
        sage: "".join(map(str, bits)), state
        ('1111011001010000', 0)
        sage: is_de_bruijn(bits, 4), is_de_bruijn(de_bruijn_bits("ccr", 10, 1024)[0], 10)
        (True, True)
        sage: "".join(map(str, de_bruijn_bits("psr", 4, 16)[0])), "".join(map(str, de_bruijn_bits("csr", 4, 16)[0]))
        ('1101111001010000', '1001111010110000')
        sage: all(is_de_bruijn(de_bruijn_bits(rule, 12, 4096)[0], 12) for rule in ("psr", "csr"))
        True
        sage: de_bruijn_bits("pcr", 64, 8, state=2**64 - 1)[0].tolist()
        [0, 1, 1, 1, 1, 1, 1, 1]

    TESTS::

        sage: de_bruijn_bits("pcr", 65, 8)
        Traceback (most recent call last):
        ...
        ValueError: the successor rules stream orders 1 to 64, not 65
        sage: de_bruijn_bits("prr", 8, 8)
        Traceback (most recent call last):
        ...
        ValueError: unknown rule 'prr': choose one of pcr, ccr, psr, csr
        sage: de_bruijn_bits("psr", 0, 8)
        Traceback (most recent call last):
        ...
        ValueError: the successor rules stream orders 1 to 64, not 0
        sage: de_bruijn_bits("pcr", 8, 8, state="7")
        Traceback (most recent call last):
        ...
        TypeError: the state must be an integer, not '7'
        sage: de_bruijn_bits("pcr", 8, float(2.5))
        Traceback (most recent call last):
        ...
        TypeError: the number of bits must be an integer, not 2.5
    """
    if not isinstance(rule, str) or rule not in RULES:
        raise ValueError(f"unknown rule {rule!r}: choose one of {', '.join(RULES)}")
    order = _check_order(order, MAX_RULE_ORDER, "the successor rules stream")
    state, count = integer_argument(state, "the state"), integer_argument(count, "the number of bits")
    if not 0 <= state < 1 << order:
        raise ValueError(f"a state of order {order} is an integer 0..2^{order} - 1, not {state}")
    if not 0 <= count <= MAX_STREAM_BITS:
        raise ValueError(f"the number of bits is 0 to {MAX_STREAM_BITS} (2^32) a call, not {count}")
    out = np.empty(count, dtype=np.uint8)
    state = np.uint64(state)
    for first in range(0, len(out), CHUNK):  # Ctrl-C is seen between chunks
        state = RULES[rule][0](state, order, out[first:first + CHUNK])
    return out, int(state)


def _mark_windows(bits, order, seen, first, stop, window):
    r"""
    Set in the bitmap ``seen`` (64-bit words) the cyclic windows of ``order`` bits
    ending at positions ``first + order - 1, ...`` (up to ``stop``) of ``bits``;
    ``window`` holds the ``order - 1`` bits before. Returns ``(window, the OR of
    the bits read)``. Only stores: no test per window, so the misses of the
    bitmap (it outgrows the caches from `n \approx 24`) overlap.

    EXAMPLES::

        sage: import numpy as np
        sage: from sage_lfsr.debruijn.successors import mark_windows
        sage: seen = np.zeros(1, dtype=np.uint64)
        sage: window, read = mark_windows(np.array([0, 0, 1, 1], dtype=np.uint8), int(2), seen, int(0), int(4), np.uint64(0))
        sage: bin(int(seen[0])), int(read)  # windows 00, 01, 11, 10 (cyclic)
        ('0b1111', 1)
    """
    length = bits.shape[0]
    one = np.uint64(1)
    mask = (one << np.uint64(order)) - one
    read = np.uint8(0)
    unwrapped = min(stop, length - order + 1)  # windows that end before the sequence wraps
    for index in range(first, unwrapped):
        value = bits[index + order - 1]
        read |= value
        window = ((window << one) | np.uint64(value & np.uint8(1))) & mask
        seen[window >> np.uint64(6)] |= one << (window & np.uint64(63))
    for index in range(max(first, unwrapped), stop):
        value = bits[index + order - 1 - length]
        read |= value
        window = ((window << one) | np.uint64(value & np.uint8(1))) & mask
        seen[window >> np.uint64(6)] |= one << (window & np.uint64(63))
    return window, read


mark_windows = cached_njit(_mark_windows, nogil=True)


def _mark_sorted_windows(bits, order, seen, first, stop, window, low_bits, counts, ordered):
    r"""
    :func:`_mark_windows` for a bitmap larger than the caches: the windows of
    positions ``first`` to ``stop`` are sorted by their bits above ``low_bits``
    (a counting sort into ``ordered``, with ``counts`` of one more entry than there
    are such prefixes), then set in that order, so each stretch of settings stays
    in a block of `2^{low\_bits}` bits that the cache holds. Returns ``(window, the
    OR of the bits read)``.

    EXAMPLES::

        sage: import numpy as np
        sage: from sage_lfsr.debruijn.successors import mark_sorted_windows
        sage: seen, counts, ordered = np.zeros(1, dtype=np.uint64), np.zeros(3, dtype=np.int64), np.empty(4, dtype=np.uint32)
        sage: bits = np.array([0, 0, 1, 1], dtype=np.uint8)
        sage: window, read = mark_sorted_windows(bits, int(2), seen, int(0), int(4), np.uint64(0), int(1), counts, ordered)
        sage: bin(int(seen[0])), ordered.tolist()  # windows 00, 01, 11, 10 (cyclic), sorted by their first bit
        ('0b1111', [0, 1, 3, 2])
    """
    length = bits.shape[0]
    one = np.uint64(1)
    mask = (one << np.uint64(order)) - one
    shift = np.uint64(low_bits)
    counts[:] = 0
    first_window = window
    read = np.uint8(0)
    for index in range(first, stop):  # how many windows have each prefix
        position = index + order - 1
        if position >= length:
            position -= length
        value = bits[position]
        read |= value
        window = ((window << one) | np.uint64(value & np.uint8(1))) & mask
        counts[(window >> shift) + one] += 1
    for prefix in range(counts.shape[0] - 1):
        counts[prefix + 1] += counts[prefix]
    window = first_window
    for index in range(first, stop):  # the windows again, each to its prefix's place
        position = index + order - 1
        if position >= length:
            position -= length
        window = ((window << one) | np.uint64(bits[position] & np.uint8(1))) & mask
        prefix = window >> shift
        ordered[counts[prefix]] = np.uint32(window)
        counts[prefix] += 1
    for index in range(stop - first):
        value = np.uint64(ordered[index])
        seen[value >> np.uint64(6)] |= one << (value & np.uint64(63))
    return window, read


mark_sorted_windows = cached_njit(_mark_sorted_windows, nogil=True)


def _bits_of(sequence, length):
    r"""
    ``sequence`` as a 1-d ``uint8`` array of 0s and 1s, or ``None`` if it is not
    ``length`` terms long (checked before anything is converted). Refused: bytes
    (ASCII digits or byte values? say which: ``text.decode()`` or
    ``np.frombuffer``), iterators (their length is unknown until read whole), and
    any term that is not 0 or 1 (``0.3``, ``nan``, ``"1"`` in a list), rather
    than cast.
    """
    if isinstance(sequence, (bytes, bytearray, memoryview)):
        raise TypeError("is_de_bruijn takes bits as an array, a list or a '0101' string, not bytes: decode ASCII "
                        "digits (data.decode()) or read byte values with numpy.frombuffer(data, dtype=numpy.uint8)")
    if not hasattr(sequence, "__len__") or not hasattr(sequence, "__getitem__") or isinstance(sequence, dict):
        why = "its terms have no order" if hasattr(sequence, "__len__") else \
            "its length is known only once it is read whole (list() it)"
        raise TypeError(f"is_de_bruijn takes bits as an array, a list or a '0101' string, not "
                        f"{type(sequence).__name__}: {why}")
    if len(sequence) != length:
        return None
    if isinstance(sequence, str):
        if not sequence.isascii():
            raise ValueError("a binary sequence holds 0s and 1s only")
        return np.frombuffer(sequence.encode("ascii"), dtype=np.uint8) - np.uint8(48)  # others caught later
    bits = np.asarray(sequence)
    if bits.ndim != 1:
        return None
    if bits.dtype.kind in "ui":
        if bits.dtype != np.uint8 and (bits.min() < 0 or bits.max() > 1):  # before a cast could wrap 256 to 0
            raise ValueError("a binary sequence holds 0s and 1s only")
        return bits.astype(np.uint8, copy=False)
    if bits.dtype.kind == "b":
        return bits.view(np.uint8)
    if bits.dtype.kind not in "fO":
        raise ValueError("a binary sequence holds 0s and 1s only, not "
                         + ("strings (a '0101' string is read whole)" if bits.dtype.kind in "US" else
                            f"{bits.dtype} terms"))
    ones = np.asarray(bits == 1, dtype=bool)  # float and object terms compared, never cast: 0.3 is not 0
    wrong = np.flatnonzero(~(ones | np.asarray(bits == 0, dtype=bool)))
    if len(wrong):
        raise ValueError(f"a binary sequence holds 0s and 1s only, not {bits[wrong[0]].item()!r} (term {wrong[0]})")
    return ones.view(np.uint8)


def is_de_bruijn(sequence, order) -> bool:
    r"""
    Whether ``sequence`` (bits: a numpy array, a list or tuple of integers, bools
    or floats equal to 0 or 1, or a ``"0101..."`` string; bytes, iterators and
    any other term, ``0.3`` or ``nan``, are refused, not cast)
    is a binary de Bruijn sequence of ``order`` `\le 32`: `2^n` bits in which,
    read cyclically, every `n`-bit string occurs once. The `2^n` windows are
    all distinct exactly when they cover every string: a compiled pass sets each
    window's bit in a bitmap of `2^n` bits, then looks for a bit left at 0 (above
    `n = 24`, where the bitmap outgrows the cache, each chunk of windows is sorted
    by block first; about 1.5 s at `n = 28`).

    EXAMPLES::

        sage: from sage_lfsr.debruijn import de_bruijn_bits, is_de_bruijn
        sage: is_de_bruijn("00010111", 3), is_de_bruijn("00011101", 3), is_de_bruijn("0001011", 3)
        (True, True, False)
        sage: is_de_bruijn("00110011", 3)
        False

    TESTS::

        sage: is_de_bruijn("01", 33)
        Traceback (most recent call last):
        ...
        ValueError: is_de_bruijn checks orders 1 to 32, not 33
        sage: is_de_bruijn("00020111", 3)
        Traceback (most recent call last):
        ...
        ValueError: a binary sequence holds 0s and 1s only
        sage: import numpy as np
        sage: bits = np.array(list(map(int, "0000100110101111")), dtype=np.uint8)
        sage: is_de_bruijn(bits, 4), is_de_bruijn(np.roll(bits, 5), 4), is_de_bruijn(bits[::-1], 4)
        (True, True, True)
        sage: is_de_bruijn(np.tile(de_bruijn_bits("pcr", 6, 64)[0], 2), 7)
        False
        sage: is_de_bruijn(np.array([0, 0, 0, 256, 0, 1, 1, 1]), 3)
        Traceback (most recent call last):
        ...
        ValueError: a binary sequence holds 0s and 1s only
        sage: is_de_bruijn([0, 0, 0, 1, 0.0, 1, 1, 1.0], 3)
        True
        sage: is_de_bruijn([0, 0, 0, 1, 0, 1, 1, 0.3], 3)
        Traceback (most recent call last):
        ...
        ValueError: a binary sequence holds 0s and 1s only, not 0.3 (term 7)
        sage: is_de_bruijn((int(c) for c in "00010111"), 3)
        Traceback (most recent call last):
        ...
        TypeError: is_de_bruijn takes bits as an array, a list or a '0101' string, not generator: its length is known only once it is read whole (list() it)
    """
    order = _check_order(order, MAX_CHECK_ORDER, "is_de_bruijn checks")
    bits = _bits_of(sequence, 1 << order)
    if bits is None:
        return False
    seen = np.zeros(max(1, (1 << order) >> 6), dtype=np.uint64)
    window, read = np.uint64(0), 0
    for index in range(order - 1):
        window = (window << np.uint64(1)) | np.uint64(bits[index] & 1)
        read |= int(bits[index])
    if order <= CACHED_CHECK_ORDER:
        for first in range(0, len(bits), CHUNK):  # Ctrl-C is seen between chunks
            window, more = mark_windows(bits, order, seen, first, min(first + CHUNK, len(bits)), window)
            read |= int(more)
    else:  # the bitmap outgrows the cache: windows sorted by blocks of 2^23 bits a chunk of 2^24
        block = min(SORT_BLOCK_BITS, order)
        counts = np.zeros((1 << (order - block)) + 1, dtype=np.int64)
        ordered = np.empty(SORT_CHUNK, dtype=np.uint32)
        for first in range(0, len(bits), SORT_CHUNK):
            window, more = mark_sorted_windows(bits, order, seen, first, min(first + SORT_CHUNK, len(bits)), window,
                                               block, counts, ordered)
            read |= int(more)
    if read > 1:
        raise ValueError("a binary sequence holds 0s and 1s only")
    if order < 6:
        return int(seen[0]) == (1 << (1 << order)) - 1
    return bool((seen == ~np.uint64(0)).all())
