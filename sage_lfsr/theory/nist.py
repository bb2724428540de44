r"""
The linear complexity test of NIST SP 800-22 rev. 1a (Rukhin et al., *A statistical test suite for
random and pseudorandom number generators for cryptographic applications*, 2010), section 2.10.

The `n` bits are cut into `N = \lfloor n/M \rfloor` blocks of `M` bits (the rest is discarded);
each block's linear complexity `L_i` (Berlekamp-Massey, the compiled kernel of
:mod:`sage_lfsr.theory.sequences`) gives `T_i = (-1)^M (L_i - \mu) + 2/9` with the mean
`\mu = M/2 + (9 + (-1)^{M+1})/36 - (M/3 + 2/9)/2^M`; the `T_i` fall into seven classes
(`\le -2.5`, `(-2.5, -1.5]`, ..., `(1.5, 2.5]`, `> 2.5`) whose expected shares are the
document's `\pi_0, \ldots, \pi_6`; `\chi^2 = \sum_i (v_i - N \pi_i)^2 / (N \pi_i)` and the P-value is
`\mathrm{igamc}(3, \chi^2/2) = e^{-x} (1 + x + x^2/2)`, `x = \chi^2/2` (six degrees of freedom).

The document's worked example (2.10.8): the first `10^6` bits of the binary expansion of `e`,
`M = 1000`, give `v = (11, 31, 116, 501, 258, 57, 26)`, `\chi^2 = 2.700348`, P-value `0.845406`
(checked in ``tests/theory/test_complexity.py`` and ``benchmarks/sequences.py``; the bits of `e`
are :func:`binary_expansion_of_e`).

EXAMPLES::

    sage: from sage_lfsr.theory.nist import sp800_22_linear_complexity_test, binary_expansion_of_e
    sage: result = sp800_22_linear_complexity_test(binary_expansion_of_e(100000), 500)
    sage: result.blocks, sum(result.counts), result.passed
    (200, 200, True)
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

#: The document's class probabilities `\pi_0, \ldots, \pi_6` (section 3.10).
CLASS_PROBABILITIES = (0.01047, 0.03125, 0.125, 0.5, 0.25, 0.0625, 0.020833)
#: The block lengths the document recommends (`500 \le M \le 5000`); others are accepted, not advised.
RECOMMENDED_BLOCK_BITS = (500, 5000)
#: Most bits the test takes (the limit of every sequence function).
from sage_lfsr.common.limits import MAX_SEQUENCE_TERMS as MAX_TEST_BITS  # noqa: E402
#: Longest block (each block runs Massey's O(M^2) algorithm).
MAX_BLOCK_BITS = 10 ** 5


@dataclass(frozen=True)
class LinearComplexityTest:
    r"""The outcome of :func:`sp800_22_linear_complexity_test`."""
    #: block length M and number of blocks N
    block_bits: int
    blocks: int
    #: the mean `\mu` of a block's complexity
    mean: float
    #: `v_0, \ldots, v_6`
    counts: tuple
    chi_square: float
    p_value: float

    @property
    def passed(self) -> bool:
        r"""The document's decision at the 1 % level: random when the P-value is at least 0.01."""
        return self.p_value >= 0.01


def block_mean(block_bits: int) -> float:
    r"""
    `\mu`, the expected linear complexity of a random block of `M` bits (SP 800-22, 2.10.4 (3)).

    EXAMPLES::

        sage: from sage_lfsr.theory.nist import block_mean
        sage: round(block_mean(13), 6)
        6.777222
    """
    m = int(block_bits)
    return m / 2 + (9 + (-1) ** (m + 1)) / 36 - (m / 3 + 2 / 9) / 2.0 ** m


def block_statistic(complexity: int, block_bits: int) -> float:
    r"""
    `T = (-1)^M (L - \mu) + 2/9` of one block (SP 800-22, 2.10.4 (3)).

    EXAMPLES::

        sage: from sage_lfsr.theory.nist import block_statistic
        sage: round(block_statistic(4, 13), 6)
        2.999444
    """
    return (-1) ** int(block_bits) * (complexity - block_mean(block_bits)) + 2 / 9


def classify(statistics) -> tuple:
    r"""
    The counts `v_0, \ldots, v_6` of the statistics `T_i` in the seven classes.

    EXAMPLES::

        sage: from sage_lfsr.theory.nist import classify
        sage: classify([-3, -2.5, -2, 0, 0.5, 2.6])
        (2, 1, 0, 2, 0, 0, 1)
    """
    statistics = np.asarray(statistics, dtype=float)
    edges = np.array([-2.5, -1.5, -0.5, 0.5, 1.5, 2.5])
    classes = np.searchsorted(edges, statistics, side="left")  # T <= -2.5 is class 0, (-2.5, -1.5] class 1, ...
    return tuple(int(c) for c in np.bincount(classes, minlength=7))


def chi_square_p_value(counts) -> tuple:
    r"""
    ``(chi_square, p_value)`` of the seven class counts (SP 800-22, 2.10.4 (5) and (6)).

    EXAMPLES::

        sage: from sage_lfsr.theory.nist import chi_square_p_value
        sage: chi, p = chi_square_p_value((11, 31, 116, 501, 258, 57, 26))
        sage: round(chi, 6), round(p, 6)
        (2.700348, 0.845406)
    """
    counts = np.asarray(counts, dtype=float)
    expected = counts.sum() * np.array(CLASS_PROBABILITIES)
    chi_square = float(((counts - expected) ** 2 / expected).sum())
    x = chi_square / 2
    return chi_square, float(math.exp(-x) * (1 + x + x * x / 2))  # igamc(3, x)


def block_complexities(bits, block_bits):
    r"""The linear complexity of each whole block of ``block_bits`` bits (numpy ``int64``)."""
    from sage_lfsr.common.compiled import DeferredSignals
    from sage_lfsr.theory.sequences import compiled_complexity

    blocks = len(bits) // block_bits
    complexities = np.zeros(blocks, dtype=np.int64)
    with DeferredSignals() as signals:
        for i in range(blocks):
            complexities[i] = compiled_complexity(bits[i * block_bits:(i + 1) * block_bits], 2)
            signals.check()
    return complexities


def sp800_22_linear_complexity_test(bits, block_bits=500) -> LinearComplexityTest:
    r"""
    The linear complexity test of NIST SP 800-22 rev. 1a, section 2.10.

    INPUT:

    - ``bits`` -- the bits (a list, a numpy array or a bit string), at most
      :data:`MAX_TEST_BITS`; at least one whole block
    - ``block_bits`` -- `M`, the block length (the document advises `500 \le M \le 5000` and
      `n \ge 10^6`), at most :data:`MAX_BLOCK_BITS`

    OUTPUT: a :class:`LinearComplexityTest` (``p_value``, ``chi_square``, ``counts``, ``passed``)

    EXAMPLES::

        sage: from sage_lfsr import LFSR
        sage: from sage_lfsr.theory.nist import sp800_22_linear_complexity_test
        sage: bits = LFSR.from_polynomial("x^31 + x^3 + 1").sequence([1] + [0] * 30, 20000)
        sage: sp800_22_linear_complexity_test(bits, 500).passed   # every block has complexity 31
        False

    TESTS::

        sage: sp800_22_linear_complexity_test("0101", 500)
        Traceback (most recent call last):
        ...
        ValueError: the linear complexity test needs at least one block of 500 bits, not 4 bits
        sage: sp800_22_linear_complexity_test("01" * 10, 1)
        Traceback (most recent call last):
        ...
        ValueError: the block length M is at least 2, not 1
    """
    from sage_lfsr.registers.lfsr import as_integer
    from sage_lfsr.theory.order_complexity import _terms

    block_bits = as_integer(block_bits, "the block length M")
    if not 2 <= block_bits <= MAX_BLOCK_BITS:
        raise ValueError(f"the block length M is at least 2, not {block_bits}" if block_bits < 2 else
                         f"the block length M is at most {MAX_BLOCK_BITS}, not {block_bits}")
    _, terms = _terms(bits, 2, MAX_TEST_BITS, "the linear complexity test")
    if len(terms) < block_bits:
        raise ValueError(f"the linear complexity test needs at least one block of {block_bits} bits, "
                         f"not {len(terms)} bits")
    complexities = block_complexities(terms, block_bits)
    mean = block_mean(block_bits)
    statistics = (-1) ** block_bits * (complexities - mean) + 2 / 9
    counts = classify(statistics)
    chi_square, p_value = chi_square_p_value(counts)
    return LinearComplexityTest(block_bits, len(complexities), mean, counts, chi_square, p_value)


def binary_expansion_of_e(count: int) -> np.ndarray:
    r"""
    The first ``count`` bits of the binary expansion of `e = 10.1011011111\ldots_2` (its integer
    part first), the data of SP 800-22's worked examples (``data.e`` of the NIST suite), by mpmath.

    EXAMPLES::

        sage: from sage_lfsr.theory.nist import binary_expansion_of_e
        sage: "".join(str(b) for b in binary_expansion_of_e(16))
        '1010110111111000'
    """
    import mpmath

    from sage_lfsr.common.limits import check_sequence_length

    count = check_sequence_length(count, "the bits of e")
    with mpmath.workprec(count + 64):
        scaled = int(mpmath.floor(mpmath.e * mpmath.mpf(2) ** (count - 2)))
    digits = np.frombuffer(format(scaled, "b").encode("ascii"), dtype=np.uint8) - ord("0")
    return digits[:count].astype(np.uint8)
