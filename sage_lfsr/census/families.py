r"""
Families of registers, generated lazily (one spec at a time) for
:func:`~sage_lfsr.census.census`.

- :func:`lfsrs` -- every LFSR of a degree over `GF(q)` (every coefficient vector);
- :func:`primitive` -- the LFSRs with a primitive characteristic polynomial;
- :func:`feedback_functions` -- every invertible binary feedback
  `f = x_0 + g(x_1, \ldots, x_{d-1})`, as truth tables;
- :func:`template` -- the binary registers a template such as
  ``"x0 + x{a} + x{b} + x{c}*x{d}"`` describes;
- :func:`form` -- the candidates of a published form such as ``"3,1"``
  (:mod:`sage_lfsr.census.forms`), for maximum-period searches.
"""
from __future__ import annotations

import hashlib
import itertools
import math
import numbers

import numpy as np

from sage_lfsr.common.limits import check_census_size, format_count
from sage_lfsr.census.registers import (MAX_BINARY_DEGREE, AnfSpec, LinearSpec, RegisterTextError, TruthTableSpec,
                                        anf_text, monomial_masks, parse_terms)

#: Largest degree :func:`feedback_functions` accepts (2^(2^(d-1)) functions: 2^32 at degree 6,
#: so the census size limit, 2^22 registers, stops it at degree 5).
MAX_FEEDBACK_FUNCTION_DEGREE = 6
#: Largest `q^d` whose powers :func:`primitive` walks to find the primitive polynomials (2^24).
MAX_PRIMITIVE_SEARCH = 1 << 24
#: Most placeholder assignments :func:`template` tries (2^24; each is a Python step).
MAX_TEMPLATE_ASSIGNMENTS = 1 << 24


def _check_degree(degree, largest=None) -> int:
    if not isinstance(degree, numbers.Integral) or isinstance(degree, bool) or degree < 1:
        raise ValueError(f"the degree must be a positive integer, not {degree!r}")
    if largest is not None and degree > largest:
        raise ValueError(f"the degree {degree} is above the {largest} this family supports")
    return int(degree)


def lfsrs(degree, q=2, nonsingular=True):
    r"""
    Every LFSR of ``degree`` over `GF(q)`: every coefficient vector
    `(c_0, \ldots, c_{d-1})` in lexicographic order (`c_0` varying fastest),
    with `c_0 \neq 0` unless ``nonsingular=False``.

    EXAMPLES::

        sage: from sage_lfsr.census import families
        sage: [spec.text for spec in families.lfsrs(2)]
        ['lfsr q=2 c=1,0', 'lfsr q=2 c=1,1']
        sage: len(list(families.lfsrs(3, q=3))), len(list(families.lfsrs(3, q=3, nonsingular=False)))
        (18, 27)
    """
    degree, q = _check_degree(degree), int(LinearSpec(q, (0,)).q)  # checks q
    first = range(1, q) if nonsingular else range(q)
    check_census_size(len(first) * q ** (degree - 1), f"the family lfsrs({degree}, q={q})")
    return (LinearSpec(q, (c0,) + tuple(reversed(rest)))
            for rest in itertools.product(range(q), repeat=degree - 1) for c0 in first)


def primitive(degree, q=2):
    r"""
    The LFSRs of ``degree`` over `GF(q)` whose characteristic polynomial is
    primitive, as minimal polynomials of the primitive elements of `GF(q^d)`
    (one per cyclotomic class): `\varphi(q^d - 1)/d` registers, none tested by
    enumeration here (a census in mode ``"map"`` does that).

    EXAMPLES::

        sage: from sage_lfsr.census import families
        sage: sorted(spec.text for spec in families.primitive(4))
        ['lfsr q=2 c=1,0,0,1', 'lfsr q=2 c=1,1,0,0']
        sage: len(list(families.primitive(3, q=3))), euler_phi(3^3 - 1) / 3
        (4, 4)
    """
    degree, q = _check_degree(degree), int(LinearSpec(q, (0,)).q)  # checks q
    if q ** degree > MAX_PRIMITIVE_SEARCH:
        raise ValueError(f"the family primitive({degree}, q={q}) is found by a walk over the {format_count(q ** degree)} "
                         f"powers of a primitive element, above the {MAX_PRIMITIVE_SEARCH} (2^24) walked here; "
                         "families.lfsrs or a random primitive polynomial (sage_lfsr.theory) serve larger degrees")
    return _primitive(degree, q)


def _primitive(degree, q):
    from sage_lfsr.common import sagemath
    from sage_lfsr.theory.prediction import random_primitive_polynomial

    modulus = random_primitive_polynomial(q, degree, seed=0)
    root = modulus.parent().quotient(modulus).gen()  # a primitive element of GF(q^d)
    order = q ** degree - 1
    seen = set()
    for exponent in range(1, order + 1):
        if exponent in seen or math.gcd(exponent, order) != 1:
            continue
        conjugate = exponent
        for _ in range(degree):  # the exponent's cyclotomic class shares one minimal polynomial
            seen.add(conjugate)
            conjugate = conjugate * q % order
        polynomial = (root ** exponent).minpoly()
        yield LinearSpec(q, tuple(sagemath.element_to_int(-c) for c in polynomial.list()[:-1]))


def feedback_functions(degree):
    r"""
    Every invertible binary feedback `f = x_0 + g(x_1, \ldots, x_{d-1})` of ``degree``:
    `2^{2^{d-1}}` truth tables (65,536 at degree 5), `g` in the order of its truth table,
    as a :class:`FeedbackFunctions` sequence.

    EXAMPLES::

        sage: from sage_lfsr.census import families
        sage: specs = list(families.feedback_functions(2))
        sage: [spec.text for spec in specs], all(spec.is_invertible for spec in specs)
        (['fsr d=2 tt=0xa', 'fsr d=2 tt=0x9', 'fsr d=2 tt=0x6', 'fsr d=2 tt=0x5'], True)
    """
    degree = _check_degree(degree, MAX_FEEDBACK_FUNCTION_DEGREE)
    check_census_size(1 << (1 << (degree - 1)), f"the family feedback_functions({degree})")
    return FeedbackFunctions(degree)


class FeedbackFunctions:
    r"""
    The invertible binary feedback functions of one degree, known by index: the
    ``i``-th has `g` with truth table ``i`` (bit `s` is `g(s)`, `s` the index of
    `x_1..x_{d-1}`). A sequence of :class:`~sage_lfsr.census.registers.TruthTableSpec`,
    and a census collection (:mod:`~sage_lfsr.census.collection`): its tasks are
    packed from index ranges with numpy, with no object per register.

    EXAMPLES::

        sage: from sage_lfsr.census.families import FeedbackFunctions
        sage: family = FeedbackFunctions(3)
        sage: len(family), family[5].text, family.texts(5, 7)
        (16, 'fsr d=3 tt=0x99', ['fsr d=3 tt=0x99', 'fsr d=3 tt=0x96'])
    """

    def __init__(self, degree):
        self.degree = degree
        self.half = 1 << (degree - 1)
        # bit 2s of the table is f(x0 = 0, rest = s) = g(s), bit 2s + 1 is 1 + g(s)
        self.x0_bits = int("10" * self.half, 2)

    def __len__(self):
        return 1 << self.half

    def __repr__(self):
        return f"feedback_functions({self.degree}): {len(self)} registers"

    def tables(self, lo, hi):
        r"""The truth tables of registers ``lo..hi-1`` as ``uint64`` (degree at most 6: 64 bits)."""
        indices = np.arange(lo, hi, dtype=np.uint64)
        tables = np.full(hi - lo, self.x0_bits, dtype=np.uint64)
        for s in range(self.half):
            tables ^= ((indices >> np.uint64(s)) & np.uint64(1)) * np.uint64(0b11 << (2 * s))
        return tables

    def __getitem__(self, index):
        if not 0 <= index < len(self):
            raise IndexError(f"register {index} is outside 0..{len(self) - 1}")
        return TruthTableSpec(self.degree, int(self.tables(index, index + 1)[0]))

    def __iter__(self):
        for lo in range(0, len(self), 4096):
            for table in self.tables(lo, min(lo + 4096, len(self))).tolist():
                yield TruthTableSpec(self.degree, table)

    def largest(self):
        return self[0]

    smallest = largest

    def first_nonlinear(self):
        return self[0]

    def has_linear(self) -> bool:
        return False

    def texts(self, lo, hi) -> list:
        return [f"fsr d={self.degree} tt={table:#x}" for table in self.tables(lo, hi).tolist()]

    def kinds(self, lo, hi) -> list:
        return ["fsr"] * (hi - lo)

    def digest(self) -> str:
        return hashlib.sha256(repr(self).encode()).hexdigest()

    def tasks(self, batch_size, theory) -> tuple:
        r"""Tasks of ``batch_size`` registers, each packed where it runs (:meth:`~sage_lfsr.census.job.CensusTask.packed`)."""
        import functools

        from sage_lfsr.census.job import CensusTask

        signature = ("truth", 2, self.degree)
        return tuple(CensusTask(k, lo, min(lo + batch_size, len(self)), signature,
                                functools.partial(_packed_feedback_functions, self.degree, lo,
                                                  min(lo + batch_size, len(self))))
                     for k, lo in enumerate(range(0, len(self), batch_size)))


def _packed_feedback_functions(degree, lo, hi):
    from sage_lfsr.census.kernels import pack_tables

    return pack_tables(degree, FeedbackFunctions(degree).tables(lo, hi))


def template(text, degree, distinct=True):
    r"""
    The binary registers of ``degree`` that the template ``text`` describes.

    A template is a sum of monomials in variables ``x<i>`` (fixed indices) and
    ``x{name}`` (placeholders), e.g. ``"x0 + x{a} + x{b} + x{c}*x{d}"``. It is
    parsed, never evaluated. The constraints, all stated here:

    - each placeholder takes every index ``1..degree-1``; a name used twice
      takes the same value in both places;
    - within one monomial the indices increase strictly from left to right, as
      written (``x{c}*x{d}`` means `c < d`; ``x{c}*x3`` means `c < 3`);
    - with ``distinct`` (default), an assignment whose feedback (over `GF(2)`,
      after `x_i x_i = x_i` and the cancelling of equal monomials) equals that of
      an earlier one is skipped, so each function appears once; assignments run
      in lexicographic order of the placeholders' values, in order of first
      appearance in the text.

    EXAMPLES::

        sage: from sage_lfsr.census import families
        sage: [spec.text for spec in families.template("x0 + x{a}*x{b}", 4)]
        ['fsr d=4 f=x0+x1*x2', 'fsr d=4 f=x0+x1*x3', 'fsr d=4 f=x0+x2*x3']
        sage: len(list(families.template("x0 + x{a} + x{b}", 4))), len(list(families.template("x0 + x{a} + x{b}", 4, distinct=False)))
        (4, 9)
        sage: next(families.template("x0 + __import__('os')", 4))
        Traceback (most recent call last):
        ...
        RegisterTextError: cannot read "__import__('os')" as a product of x<i>, x{name} or 1 (terms are joined by '+')
    """
    degree = _check_degree(degree, MAX_BINARY_DEGREE)
    terms = parse_terms(text, allow_placeholders=True)
    names = list(dict.fromkeys(f for term in terms for f in term if isinstance(f, str)))
    for term in terms:
        fixed = [f for f in term if isinstance(f, int)]
        for index in fixed:
            if index >= degree:
                raise RegisterTextError(f"x{index} is not a variable of a degree-{degree} register (x0..x{degree - 1})")
        if len(fixed) > 1 and fixed != sorted(set(fixed)):
            raise RegisterTextError(f"the fixed indices of {anf_text([sum(1 << i for i in fixed)])} must "
                                    "increase from left to right")
    assignments = (degree - 1) ** len(names)
    if assignments > MAX_TEMPLATE_ASSIGNMENTS:
        raise ValueError(f"the template has {len(names)} placeholders, {format_count(assignments)} assignments at degree "
                         f"{degree}: above the {MAX_TEMPLATE_ASSIGNMENTS} (2^24) tried here (each in Python)")
    return _template(terms, names, degree, distinct)


def _template(terms, names, degree, distinct):
    seen = set()
    for values in itertools.product(range(1, degree), repeat=len(names)):
        assignment = dict(zip(names, values))
        resolved = [[assignment.get(f, f) for f in term] for term in terms]
        if any(any(a >= b for a, b in zip(term, term[1:])) for term in resolved):
            continue
        masks = monomial_masks(resolved, degree)
        if distinct:
            if masks in seen:
                continue
            seen.add(masks)
        yield AnfSpec(degree, masks)


def form(name, degree):
    r"""
    The candidates of a published form (``"3,1"``, ``"2,2"``, ``"5,1"``, ``"3,0,1"``,
    any ``"k1,k2,k3"``) at ``degree``: a :class:`~sage_lfsr.census.forms.Form`, whose
    ``len`` is the representatives (one per reciprocal pair), iterated lazily as specs;
    :func:`~sage_lfsr.census.search.search` walks it in compiled lockstep.

    EXAMPLES::

        sage: from sage_lfsr.census import families
        sage: family = families.form("3,1", 20)
        sage: family.size, len(family)
        (29241, 14661)
        sage: next(iter(family)).text
        'fsr d=20 f=x0+x1+x2+x1*x2'
    """
    from sage_lfsr.census.forms import Form

    return Form(name, degree)
