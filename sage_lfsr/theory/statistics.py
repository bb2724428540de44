r"""
Statistics of binary sequences for teaching: run counts, periodic
autocorrelation and Golomb's three randomness postulates, checked on one
period. (The linear complexity profile is in :mod:`sage_lfsr.theory.sequences`; the
figures of all four are in :mod:`sage_lfsr.plot`.)

Golomb's postulates, in the form of Menezes, van Oorschot and Vanstone
(Handbook of Applied Cryptography, 5.4.1), for a period `s_0, \ldots, s_{N-1}`
read cyclically:

- R1 (balance): the numbers of ones and zeros differ by at most 1;
- R2 (runs): at least half the runs have length 1, at least a quarter length 2,
  and so on while the number so indicated exceeds 1; for each of these lengths
  the runs of ones (blocks) and of zeros (gaps) differ in number by at most 1;
- R3 (autocorrelation): `C(t) = \sum_i (-1)^{s_i + s_{i+t}}` takes one value for
  every `0 < t < N`.

Every m-sequence (the output of a primitive LFSR over one period) satisfies all
three, with `C(t) = -1`.

EXAMPLES::

    sage: from sage_lfsr import LFSR
    sage: from sage_lfsr.theory.statistics import golomb_postulates
    sage: period = LFSR.from_polynomial("x^5 + x^2 + 1").sequence([1, 0, 0, 0, 0], 31)
    sage: report = golomb_postulates(period); report
    GolombReport(balance=True, runs=True, autocorrelation=True, ones=16, zeros=15, off_peak={-1})
    sage: all(report)
    True
"""
from __future__ import annotations

from collections import Counter
from typing import NamedTuple

import numpy as np


def _bits(sequence):
    from sage_lfsr.theory.sequences import sequence_terms

    _, terms = sequence_terms(sequence, 2)
    if len(terms) == 0:
        raise ValueError("a period needs at least one term")
    return terms


def run_counts(sequence, cyclic=True) -> dict:
    r"""
    ``{"ones": {length: runs}, "zeros": {length: runs}}``: the maximal runs of
    equal bits. ``cyclic=True`` reads the sequence as one period (a run may wrap
    around the end); a constant period is one run of its length.

    EXAMPLES::

        sage: from sage_lfsr.theory.statistics import run_counts
        sage: run_counts("0011101")
        {'ones': {1: 1, 3: 1}, 'zeros': {1: 1, 2: 1}}
        sage: run_counts("1001101")           # the last 1 and the first join
        {'ones': {2: 2}, 'zeros': {1: 1, 2: 1}}
        sage: run_counts("1001101", cyclic=False)
        {'ones': {1: 2, 2: 1}, 'zeros': {1: 1, 2: 1}}
    """
    bits = _bits(sequence)
    if cyclic and bits[0] == bits[-1] and not np.all(bits == bits[0]):
        start = int(np.flatnonzero(bits != bits[0])[0])
        bits = np.roll(bits, -start)
    boundaries = np.flatnonzero(np.diff(bits)) + 1
    starts = np.concatenate(([0], boundaries))
    lengths = np.diff(np.concatenate((starts, [len(bits)])))
    counts = {"ones": Counter(), "zeros": Counter()}
    for start, length in zip(starts.tolist(), lengths.tolist()):
        counts["ones" if bits[start] else "zeros"][length] += 1
    return {key: dict(sorted(value.items())) for key, value in counts.items()}


def periodic_autocorrelation(sequence) -> np.ndarray:
    r"""
    `C(t) = \sum_{i<N} (-1)^{s_i + s_{(i+t) \bmod N}}` for `t = 0, \ldots, N-1`
    (integers; `C(0) = N`), by FFT.

    EXAMPLES::

        sage: from sage_lfsr.theory.statistics import periodic_autocorrelation
        sage: periodic_autocorrelation("1110100").tolist()
        [7, -1, -1, -1, -1, -1, -1]
    """
    signs = 1.0 - 2.0 * _bits(sequence)
    spectrum = np.fft.rfft(signs)
    values = np.fft.irfft(spectrum * np.conj(spectrum), n=len(signs))
    return np.rint(values).astype(np.int64)


class GolombReport(NamedTuple):
    r"""Whether R1, R2 and R3 hold, with the counts behind R1 and the off-peak values of R3."""

    balance: bool
    runs: bool
    autocorrelation: bool
    ones: int
    zeros: int
    off_peak: set

    def __iter__(self):
        return iter((self.balance, self.runs, self.autocorrelation))


def _runs_postulate(runs) -> bool:
    total = sum(runs["ones"].values()) + sum(runs["zeros"].values())
    length = 1
    while total / 2 ** length > 1:
        blocks, gaps = runs["ones"].get(length, 0), runs["zeros"].get(length, 0)
        if blocks + gaps < total / 2 ** length or abs(blocks - gaps) > 1:
            return False
        length += 1
    return True


def golomb_postulates(period) -> GolombReport:
    r"""
    Golomb's three postulates checked on one period of a binary sequence (see the
    module notes). Iterating the report gives ``(R1, R2, R3)``.

    EXAMPLES::

        sage: from sage_lfsr.theory.statistics import golomb_postulates
        sage: tuple(golomb_postulates("0001111")), tuple(golomb_postulates("00001"))
        ((True, True, False), (False, True, True))
    """
    bits = _bits(period)
    ones = int(bits.sum())
    zeros = len(bits) - ones
    off_peak = set(periodic_autocorrelation(bits)[1:].tolist())
    return GolombReport(abs(ones - zeros) <= 1, _runs_postulate(run_counts(bits)), len(off_peak) <= 1,
                        ones, zeros, off_peak)
