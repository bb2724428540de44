r"""
Published counts of maximum-period NLFSRs, the oracle of a form search.

The counts of `n`-bit Fibonacci NLFSRs of period `2^n - 1` in ten forms
(:mod:`sage_lfsr.census.forms`), one per reciprocal pair, for `n = 10..32`, as
listed in the dataset of A. Askeland, "An FPGA accelerated search method for
maximum period NLFSRs" (WAIFI 2024; https://github.com/amundas/NLFSR,
``dataset/nlfsr_dataset.json``), which extends E. Dubrova's lists ("A list of
maximum period NLFSRs", IACR ePrint 2012/166; https://people.kth.se/~dubrova/nlfsr.html)
to ten forms and `n \leq 32`. Only the counts are kept here (facts, not the
dataset); ``None`` where the dataset has no entry.

A search of this package counts the same thing as
``search(form, n).summary()["maximum_period"]`` (representatives of reciprocal
pairs; a self-reciprocal register counts once). Its index constraints
(:mod:`sage_lfsr.census.forms`) give these counts at every `(n, form)` checked
(the tests and ``benchmarks/search.py``).

EXAMPLES::

    sage: from sage_lfsr.census.published import published_count, PUBLISHED_FORMS
    sage: published_count("3,1", 10), published_count("6,2", 32)
    (7, None)
    sage: len(PUBLISHED_FORMS)
    10
"""
from __future__ import annotations

from sage_lfsr.census.forms import parse_form

#: The forms of the published lists, in the order of :data:`COUNTS`' tuples.
PUBLISHED_FORMS = ("3,1", "5,1", "7,1", "9,1", "2,2", "4,2", "6,2", "3,0,1", "5,0,1", "7,0,1")

#: ``COUNTS[n][i]``: maximum-period registers of ``PUBLISHED_FORMS[i]`` at degree ``n`` (one per reciprocal pair).
COUNTS = {
    10: (7, 15, 17, 2, 28, 297, 421, 13, 54, 53),
    11: (3, 25, 13, 7, 22, 314, 584, 15, 49, 58),
    12: (3, 18, 32, 15, 15, 342, 890, 17, 69, 96),
    13: (2, 14, 32, 14, 19, 337, 1067, 7, 84, 148),
    14: (1, 14, 38, 38, 10, 279, 1273, 11, 76, 160),
    15: (1, 10, 35, 44, 8, 236, 1330, 4, 66, 169),
    16: (1, 8, 42, 51, 6, 203, 1331, 3, 52, 199),
    17: (0, 7, 35, 75, 6, 187, 1329, 1, 39, 178),
    18: (0, 5, 22, 63, 2, 128, 1190, 3, 32, 156),
    19: (1, 4, 23, 74, 3, 87, 1006, 3, 19, 150),
    20: (0, 2, 24, 62, 0, 63, 892, 2, 28, 121),
    21: (0, 4, 17, 66, 0, 65, 757, 0, 17, 136),
    22: (0, 3, 10, 52, 2, 43, 604, 1, 15, 104),
    23: (0, 2, 8, 45, 1, 28, 448, 0, 9, 75),
    24: (0, 1, 10, 26, 0, 15, 391, 0, 6, 63),
    25: (0, 0, 7, 24, 0, 18, 279, 1, 1, 49),
    26: (0, 0, 3, 41, 0, 7, 211, 0, 3, 17),
    27: (0, 0, 5, 15, 0, 7, 148, 0, 3, 20),
    28: (0, 0, 1, 20, 0, 3, 120, 0, 3, 25),
    29: (0, 0, 3, 15, 0, 3, None, 0, 1, 10),
    30: (0, 0, 1, 6, 0, 2, None, 0, 0, 7),
    31: (0, 0, 2, 7, 0, 2, None, 0, 0, 7),
    32: (0, 0, None, 10, 0, 0, None, 0, 0, 1),
}


def published_count(form: str, degree: int):
    r"""The published count of maximum-period registers of ``form`` at ``degree``, or ``None`` if not listed."""
    k1, k2, k3 = parse_form(form)
    name = f"{k1},{k2}" + (f",{k3}" if k3 else "")
    if name not in PUBLISHED_FORMS or degree not in COUNTS:
        return None
    return COUNTS[degree][PUBLISHED_FORMS.index(name)]
