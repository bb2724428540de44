r"""
Forms of feedback functions, the families of maximum-period NLFSR searches.

A form ``"k1,k2,k3"`` is the set of binary feedback functions of a degree `n`

.. MATH::

    f = x_0 + \sum_{k_1 - 1 \text{ linear terms}} x_a
          + \sum_{k_2 \text{ quadratic terms}} x_b x_c
          + \sum_{k_3 \text{ cubic terms}} x_c x_d x_e

(``k1`` counts `x_0`; trailing zero counts may be left out: ``"3,1"`` is
``"3,1,0"``). These are the forms of Dubrova's lists of `n`-bit NLFSRs of
period `2^n - 1` (https://people.kth.se/~dubrova/nlfsr.html; IACR ePrint
2012/166): ``"3,1"`` is `x_0 + x_a + x_b + x_c x_d`, ``"2,2"`` is
`x_0 + x_a + x_b x_c + x_d x_e`, ``"5,1"`` is
`x_0 + x_a + x_b + x_c + x_d + x_e x_f` and ``"3,0,1"`` is
`x_0 + x_a + x_b + x_c x_d x_e`.

Index constraints (those of the published lists: with them a search gives the
published counts at every `n` checked, :mod:`sage_lfsr.census.published`):
every variable index is in `1 .. n-1`; the linear terms are distinct; the monomials
of one degree are distinct sets of distinct indices (a product `x_c x_d` has
`c < d`); a variable may appear in terms of different degrees (`x_1 + x_1 x_2`
is in the form). So each feedback function of the form appears exactly once:
the candidate count is
`\binom{n-1}{k_1-1} \binom{\binom{n-1}{2}}{k_2} \binom{\binom{n-1}{3}}{k_3}`.

Candidates are numbered (mixed radix over colexicographic combination ranks,
linear part fastest) and :meth:`Form.unrank` builds any one from its index, so
a search is split and resumed by index ranges with no list in memory.

The reciprocal register `x_i \mapsto x_{n-i}` (`x_0` kept) produces the
reversed sequence, so it has the same period; :meth:`Form.is_representative`
keeps the one of each pair with the smaller index, and :func:`len` counts the
representatives exactly, `(N + S)/2` with `S` the self-reciprocal candidates
(counted per degree from the orbits of the reflection on the monomials).

EXAMPLES::

    sage: from sage_lfsr.census.forms import Form
    sage: form = Form("3,1", 6)
    sage: form.size, len(form)
    (100, 52)
    sage: form.text(0), form.terms(0)
    ('x0 + x1 + x2 + x1*x2', [[0], [1], [2], [1, 2]])
    sage: form.reciprocal_text(0)
    'x0 + x4 + x5 + x4*x5'
"""
from __future__ import annotations

import math
import re

import numpy as np

from sage_lfsr.common.limits import TooLarge, format_count, shorten
from sage_lfsr.common.compiled import cached_njit

#: Largest degree a form supports (states are 63-bit integers, and the walk is ``2^n`` steps anyway).
MAX_FORM_DEGREE = 40
#: Most terms of each degree in a form.
MAX_TERMS_PER_DEGREE = 8

_FORM_TEXT = re.compile(r"^\s*[0-9]{1,2}(\s*,\s*[0-9]{1,2}){0,2}\s*$")


def parse_form(text) -> tuple:
    r"""
    ``(k1, k2, k3)`` from ``"k1,k2,k3"`` (or ``"k1,k2"``), one-line error otherwise.

    EXAMPLES::

        sage: from sage_lfsr.census.forms import parse_form
        sage: parse_form("3,1"), parse_form("3, 0, 1")
        ((3, 1, 0), (3, 0, 1))
        sage: parse_form("3;1")
        Traceback (most recent call last):
        ...
        ValueError: a form is "k1,k2" or "k1,k2,k3" (linear terms counting x0, quadratic, cubic), not '3;1'
    """
    if not isinstance(text, str) or not _FORM_TEXT.match(text):
        raise ValueError(f'a form is "k1,k2" or "k1,k2,k3" (linear terms counting x0, quadratic, cubic), not {shorten(repr(text), 100)}')
    counts = [int(part) for part in text.split(",")] + [0, 0]
    k1, k2, k3 = counts[:3]
    if k1 < 1:
        raise ValueError(f"a form's linear terms count x0, so k1 >= 1, not {k1}")
    if k2 + k3 == 0:
        raise ValueError(f"the form {text!r} has no nonlinear term: its registers are LFSRs (families.primitive)")
    if max(k1 - 1, k2, k3) > MAX_TERMS_PER_DEGREE:
        raise ValueError(f"a form has at most {MAX_TERMS_PER_DEGREE} terms of each degree besides x0")
    return k1, k2, k3


def monomial_universe(degree: int, arity: int) -> np.ndarray:
    r"""The monomials of ``arity`` variables among `x_1..x_{n-1}` as bit masks, in colexicographic order."""
    combos = _colex_combinations(degree - 1, arity)
    return np.array([sum(1 << (i + 1) for i in combo) for combo in combos], dtype=np.int64)


def _colex_combinations(n, k):
    import itertools

    return sorted(itertools.combinations(range(n), k), key=lambda c: tuple(reversed(c)))


def _binomial_table(size):
    table = np.zeros((size + 1, MAX_TERMS_PER_DEGREE + 2), dtype=np.int64)
    for n in range(size + 1):
        for k in range(MAX_TERMS_PER_DEGREE + 2):
            table[n, k] = min(math.comb(n, k), 1 << 62)  # capped: ranks stay below 2^62
    return table


def _unrank_combination(rank, count, binomials, out):
    r"""Colex unranking: ``out[0] < ... < out[count-1]`` with ``sum binom(out[i], i+1) == rank``."""
    for i in range(count, 0, -1):
        c = i - 1
        while binomials[c + 1, i] <= rank:
            c += 1
        out[i - 1] = c
        rank -= binomials[c, i]


def _rank_combination(values, count, binomials):
    rank = 0
    for i in range(count):
        rank += binomials[values[i], i + 1]
    return rank


unrank_combination = cached_njit(_unrank_combination)
rank_combination = cached_njit(_rank_combination)


def _unrank_masks(index, k1, k2, k3, radices, universes, offsets, binomials, masks):
    r"""
    The monomial masks of candidate ``index`` into ``masks`` (``x0`` first, then the
    linear, quadratic and cubic terms). ``radices[j]`` is the count of choices of
    part ``j``; ``universes[offsets[j]:offsets[j+1]]`` the masks part ``j`` chooses from.
    """
    counts = (k1 - 1, k2, k3)
    chosen = np.empty(MAX_TERMS_PER_DEGREE, dtype=np.int64)
    masks[0] = 1
    at = 1
    for part in range(3):
        rank = index % radices[part]
        index //= radices[part]
        unrank_combination(rank, counts[part], binomials, chosen)
        for i in range(counts[part]):
            masks[at] = universes[offsets[part] + chosen[i]]
            at += 1


unrank_masks = cached_njit(_unrank_masks)


class Form:
    r"""
    The candidates of one form at one degree (see the module's description).

    INPUT:

    - ``form`` -- ``"k1,k2,k3"`` (or ``"k1,k2"``)
    - ``degree`` -- the register's length `n`

    EXAMPLES::

        sage: from sage_lfsr.census.forms import Form
        sage: form = Form("2,2", 5)
        sage: form.size, form.text(form.size - 1)
        (60, 'x0 + x4 + x2*x4 + x3*x4')
        sage: [form.index_of(form.masks(i)) for i in range(4)]
        [0, 1, 2, 3]
    """

    def __init__(self, form, degree):
        import numbers

        self.counts = parse_form(form)
        if not isinstance(degree, numbers.Integral) or isinstance(degree, bool):
            raise ValueError(f"the degree must be an integer, not {degree!r}")
        k1, k2, k3 = self.counts
        least = max(k1 - 1, 2 if k2 else 1, 3 if k3 else 1) + 1
        if not least <= degree <= MAX_FORM_DEGREE:
            raise ValueError(f"the form {self.name} needs a degree in {least}..{MAX_FORM_DEGREE}, not {degree}")
        self.degree = int(degree)
        parts = [monomial_universe(self.degree, arity) for arity in (1, 2, 3)]
        self.universes = np.concatenate(parts)
        self.offsets = np.array([0, len(parts[0]), len(parts[0]) + len(parts[1]),
                                 len(parts[0]) + len(parts[1]) + len(parts[2])], dtype=np.int64)
        radices = [math.comb(len(parts[0]), k1 - 1), math.comb(len(parts[1]), k2), math.comb(len(parts[2]), k3)]
        self.size = math.prod(radices)  # Python integers: a count past 2^63 is refused, not wrapped
        if self.size >= 1 << 62:
            raise TooLarge(f"the form {self.name} has {format_count(self.size)} candidates at degree {degree}: "
                           f"above the 2^62 its indices hold")
        self.radices = np.array(radices, dtype=np.int64)
        self.binomials = _binomial_table(max(len(p) for p in parts))
        self.term_count = k1 + k2 + k3
        self.self_reciprocal = self._count_self_reciprocal(parts)

    @property
    def name(self) -> str:
        k1, k2, k3 = self.counts
        return f"{k1},{k2}" + (f",{k3}" if k3 else "")

    def __len__(self):
        r"""The representatives: one per reciprocal pair (self-reciprocal candidates once)."""
        return (self.size + self.self_reciprocal) // 2

    def __repr__(self):
        return f"Form {self.name} at degree {self.degree}: {len(self)} candidates (of {self.size}, one per reciprocal pair)"

    def _count_self_reciprocal(self, parts) -> int:
        total = 1
        for arity, universe, count in zip((1, 2, 3), parts, (self.counts[0] - 1,) + self.counts[1:]):
            mirrored = {int(m): self.reciprocal_mask(int(m)) for m in universe}
            fixed = sum(1 for m, r in mirrored.items() if m == r)
            pairs = (len(mirrored) - fixed) // 2
            total *= sum(math.comb(pairs, j) * math.comb(fixed, count - 2 * j) for j in range(count // 2 + 1))
        return total

    def reciprocal_mask(self, mask: int) -> int:
        r"""A monomial under `x_i \mapsto x_{n-i}` (`i \geq 1`); `x_0` kept."""
        out = mask & 1
        for i in range(1, self.degree):
            if mask >> i & 1:
                out |= 1 << (self.degree - i)
        return out

    def masks(self, index) -> tuple:
        r"""The monomial masks of candidate ``index`` (``x0`` first)."""
        if not 0 <= index < self.size:
            raise IndexError(f"candidate {index} is outside 0..{self.size - 1}")
        out = np.empty(self.term_count, dtype=np.int64)
        unrank_masks(np.int64(index), *self._kernel_args(), out)
        return tuple(int(m) for m in out)

    def _kernel_args(self):
        k1, k2, k3 = self.counts
        return np.int64(k1), np.int64(k2), np.int64(k3), self.radices, self.universes, self.offsets, self.binomials

    def index_of(self, masks) -> int:
        r"""The index of the candidate with these monomial masks (inverse of :meth:`masks`)."""
        masks = [int(m) for m in masks if m != 1]
        index, scale = 0, 1
        for part, arity in enumerate((1, 2, 3)):
            universe = self.universes[self.offsets[part]:self.offsets[part + 1]].tolist()
            positions = sorted(universe.index(m) for m in masks if bin(m).count("1") == arity)
            rank = sum(math.comb(p, i + 1) for i, p in enumerate(positions))
            index += rank * scale
            scale *= int(self.radices[part])
        return index

    def reciprocal_index(self, index) -> int:
        return self.index_of([self.reciprocal_mask(m) for m in self.masks(index)])

    def is_representative(self, index) -> bool:
        return index <= self.reciprocal_index(index)

    def terms(self, index) -> list:
        r"""The feedback as a term list, as published datasets write it: ``[[0], [1], [4], [3, 7]]``."""
        return _terms(self.masks(index))

    def text(self, index) -> str:
        r"""The feedback in published notation: ``x0 + x1 + x4 + x3*x7``."""
        return _text(self.masks(index))

    def reciprocal_terms(self, index) -> list:
        return _terms(self.reciprocal_mask(m) for m in self.masks(index))

    def reciprocal_text(self, index) -> str:
        return _text(self.reciprocal_mask(m) for m in self.masks(index))

    def spec(self, index):
        r"""The census spec (:class:`~sage_lfsr.census.registers.AnfSpec`) of candidate ``index``."""
        from sage_lfsr.census.registers import AnfSpec

        return AnfSpec(self.degree, self.masks(index))

    def __iter__(self):
        r"""The representatives' specs, lazily, in index order."""
        return (self.spec(i) for i in range(self.size) if self.is_representative(i))


def _bits(mask):
    return [i for i in range(mask.bit_length()) if mask >> i & 1]


def _terms(masks) -> list:
    terms = [_bits(m) for m in masks]
    return sorted(terms, key=lambda t: (len(t), t))


def _text(masks) -> str:
    return " + ".join("*".join(f"x{i}" for i in term) for term in _terms(masks))
