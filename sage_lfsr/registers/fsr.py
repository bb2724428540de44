r"""
Feedback shift registers with any feedback function over `GF(q)`, nonlinear ones
(NLFSRs) included.

The convention is the one of :class:`~sage_lfsr.registers.lfsr.LFSR`: the state is
`(x_n, \ldots, x_{n+d-1})`, the next term is `x_{n+d} = f(x_n, \ldots, x_{n+d-1})`
and a state's index is `\sum_i \mathrm{int}(x_i) q^i`. The feedback `f` is kept
as its reduced polynomial in `x_0, \ldots, x_{d-1}` (every exponent in
`1, \ldots, q-1`, since `x^q = x` on `GF(q)`): the unique polynomial that computes
the function, so two registers are equal exactly when their feedback functions are.

A monomial is a tuple of ``(variable, exponent)`` pairs, ``()`` for the constant
1, and coefficients are integer representations of field elements
(:func:`sage_lfsr.common.sagemath.element_to_int`), so :meth:`FSR.key` is plain data that
rebuilds the register anywhere.

Invertibility. The state map is a bijection exactly when, for every value of
`x_1, \ldots, x_{d-1}`, `x_0 \mapsto f` is a permutation of `GF(q)`. Write
`f = h + g` with `h` the monomials containing `x_0`: `g` does not depend on `x_0`,
so the test is whether `h(\cdot, y)` permutes `GF(q)` for every value of the
variables `y` that share a monomial with `x_0`. Over `GF(2)` that holds exactly
when `h = x_0`, i.e. `f = x_0 + g(x_1, \ldots, x_{d-1})`; over other fields it is
decided by evaluating `h` on `GF(q)^{1 + |y|}`.
"""
from __future__ import annotations

import numbers
from functools import cached_property

from sage_lfsr.common import sagemath
from sage_lfsr.common.limits import check_sequence_length
from sage_lfsr.registers.feedback import (_add_term, _element_value, _integer, _reduced_exponent,
                                decide_invertible, evaluate_terms, field_arithmetic, read_feedback)
from sage_lfsr.registers.lfsr import LFSR, KeyedRegister, _field, state_index_to_tuple

#: Largest degree an FSR may have (the parser and the tables stay bounded).
MAX_FSR_DEGREE = 1024

def _monomial_text(monomial) -> str:
    return "*".join(f"x{v}" if e == 1 else f"x{v}^{e}" for v, e in monomial)


class FSR(KeyedRegister):
    r"""
    A feedback shift register of degree `d` over `GF(q)` with any feedback function.

    INPUT:

    - ``feedback`` -- one of:

      - an algebraic normal form as text in ``x0``, ..., ``x{d-1}``:
        ``"x0 + x1*x2 + 1"``, with ``^`` or ``**`` for powers over `GF(q)` and the
        generator ``z`` in `GF(p^m)` (parsed, never evaluated);
      - the list notation of NLFSR tables, ``"0,1,2,(1,2)"`` for
        `x_0 + x_1 + x_2 + x_1 x_2` (at least one comma: a lone number is a constant);
      - a Sage polynomial over `GF(q)`, multivariate or a ``BooleanPolynomial``
        (variables named ``x<i>`` are `x_i`, others are taken in the ring's order);
      - a truth table: `q^d` values by state index (integers ``0..q-1`` or field elements);
      - a Python function of the state, a tuple of `d` field elements, returning
        a field element or its integer (tabulated once, up to
        :data:`~sage_lfsr.registers.feedback.MAX_TABULATED_STATES` states).

    - ``degree`` -- `d`
    - ``q`` -- the field order (default: the feedback polynomial's field, else 2)

    EXAMPLES::

        sage: from sage_lfsr import FSR
        sage: r = FSR("x0 + x1*x2 + 1", 4); r
        FSR of degree 4 over GF(2) with feedback x0 + x1*x2 + 1
        sage: r.is_invertible, r.state_count
        (True, 16)
        sage: r.sequence([0, 0, 0, 0], 10)
        [0, 0, 0, 0, 1, 1, 1, 0, 1, 0]
        sage: FSR("0,1,2,(1,2)", 3) == FSR("x0 + x1 + x2 + x1*x2", 3)
        True
        sage: FSR(lambda s: s[1] * s[2], 3).anf()
        'x1*x2'
        sage: FSR([0, 1, 0, 1, 0, 1, 1, 0], 3).anf()
        'x0 + x1*x2'
        sage: FSR("x0^3 + 2*x1", 2, q=3).anf()
        'x0 + 2*x1'
        sage: FSR("x0*x1", 2).is_invertible
        False

    TESTS::

        sage: FSR("x0 + x4", 4)
        Traceback (most recent call last):
        ...
        ValueError: the feedback uses x4, but a register of degree 4 has x0..x3
        sage: FSR([0, 1, 1], 2)
        Traceback (most recent call last):
        ...
        ValueError: a truth table for degree 2 over GF(2) has 4 values, not 3
        sage: FSR([0, 1, 2, 1], 2)
        Traceback (most recent call last):
        ...
        ValueError: truth table entry 2 = 2 is outside GF(2): integers stand for field elements 0..1
        sage: FSR("0,1,(1,", 3)
        Traceback (most recent call last):
        ...
        ValueError: cannot read the index list '0,1,(1,': expected an index or a '(i,j,...)' product at '('
    """

    def __init__(self, feedback, degree, q=None):
        degree = _check_degree(degree)
        field, terms, values = read_feedback(feedback, degree, q)
        self._setup(field, degree, terms, values)

    def _setup(self, field, degree, terms, values):
        self._field, self._degree, self._values = field, degree, values
        self._terms = tuple(sorted(terms.items(), key=_term_order))
        self._invertible = decide_invertible(dict(self._terms), self.field_order, values)

    @classmethod
    def from_key(cls, key) -> "FSR":
        r"""
        The register whose :meth:`key` is ``key``.

        EXAMPLES::

            sage: from sage_lfsr import FSR
            sage: r = FSR("2*x0*x1^2 + x1 + 1", 2, q=3)
            sage: FSR.from_key(r.key()) == r
            True
        """
        q, degree, terms = key
        field, degree = _field(q), _check_degree(degree)
        reduced = {}
        add = field_arithmetic(int(q))[0]
        for monomial, coefficient in terms:
            exponents = [0] * degree
            for variable, exponent in monomial:
                if not 0 <= int(variable) < degree:
                    raise ValueError(f"the feedback uses x{variable}, but a register of degree {degree} "
                                     f"has x0..x{degree - 1}")
                exponents[int(variable)] += int(exponent)
            exponents = tuple(_reduced_exponent(e, int(q)) for e in exponents)
            monomial = tuple((v, e) for v, e in enumerate(exponents) if e)
            _add_term(reduced, monomial, _element_value(coefficient, field, "a coefficient"), add)
        register = cls.__new__(cls)
        register._setup(field, degree, reduced, None)
        return register

    @classmethod
    def from_lfsr(cls, lfsr) -> "FSR":
        r"""
        The FSR with the linear feedback `\sum_i c_i x_i` of ``lfsr``.

        EXAMPLES::

            sage: from sage_lfsr import FSR, LFSR
            sage: FSR.from_lfsr(LFSR([1, 1, 0, 0])).anf()
            'x0 + x1'
        """
        q, coefficients = lfsr.key()
        return cls.from_key((q, len(coefficients), [(((i, 1),), c) for i, c in enumerate(coefficients) if c]))

    def __repr__(self):
        return f"FSR of degree {self.degree} over GF({self.field_order}) with feedback {self.anf()}"

    @property
    def degree(self) -> int:
        return self._degree

    @property
    def is_invertible(self) -> bool:
        r"""``True`` when the state map is a bijection (every state on a cycle); see the module text."""
        return self._invertible

    @property
    def is_singular(self) -> bool:
        r"""``True`` when the state map is not invertible: states form trees (as for singular LFSRs)."""
        return not self._invertible

    @property
    def is_linear(self) -> bool:
        return all(len(monomial) == 1 and monomial[0][1] == 1 for monomial, _ in self._terms)

    def terms(self) -> tuple:
        r"""The reduced feedback: ``((monomial, coefficient), ...)``, a monomial being ``((variable, exponent), ...)``."""
        return self._terms

    def key(self) -> tuple:
        r"""
        ``(q, degree, terms)``: plain integers that rebuild the register with :meth:`from_key`.

        EXAMPLES::

            sage: from sage_lfsr import FSR
            sage: FSR("x0 + x1*x2 + 1", 3).key()
            (2, 3, ((((0, 1),), 1), (((1, 1), (2, 1)), 1), ((), 1)))
        """
        return self.field_order, self.degree, self._terms

    def anf(self) -> str:
        r"""
        The feedback as text that :class:`FSR` reads back: ``FSR(r.anf(), r.degree, r.field_order) == r``.

        EXAMPLES::

            sage: from sage_lfsr import FSR
            sage: r = FSR("z*x0 + x1^5 + 1", 2, q=4); r.anf()
            'z*x0 + x1^2 + 1'
            sage: FSR(r.anf(), 2, q=4) == r
            True
            sage: FSR([0, 0, 0, 0], 2).anf()
            '0'
        """
        if not self._terms:
            return "0"
        parts = []
        for monomial, coefficient in self._terms:
            element = str(sagemath.int_to_element(self._field, coefficient))
            if " " in element:
                element = f"({element})"
            if not monomial:
                parts.append(element)
            else:
                parts.append(_monomial_text(monomial) if coefficient == 1 else f"{element}*{_monomial_text(monomial)}")
        return " + ".join(parts)

    def polynomial(self):
        r"""
        The feedback as a Sage polynomial in ``x0, ..., x{d-1}``: a ``BooleanPolynomial``
        over `GF(2)` where passagemath-brial is installed, else a multivariate polynomial.

        EXAMPLES::

            sage: from sage_lfsr import FSR
            sage: FSR("x0 + x1*x2 + 1", 3).polynomial()
            x0 + x1*x2 + 1
            sage: FSR(FSR("x0 + x1*x2", 3).polynomial(), 3) == FSR("x0 + x1*x2", 3)
            True
        """
        names = [f"x{i}" for i in range(self.degree)]
        if self.field_order == 2:
            try:
                from sage.rings.polynomial.pbori.pbori import BooleanPolynomialRing
            except ImportError:
                pass
            else:
                ring = BooleanPolynomialRing(self.degree, names)
                generators = ring.gens()
                total = ring(0)
                for monomial, _ in self._terms:
                    product = ring(1)
                    for variable, _ in monomial:
                        product *= generators[variable]
                    total += product
                return total
        ring = sagemath.PolynomialRing(self._field, self.degree, names)
        exponents = {}
        for monomial, coefficient in self._terms:
            powers = [0] * self.degree
            for variable, exponent in monomial:
                powers[variable] = exponent
            exponents[tuple(powers)] = sagemath.int_to_element(self._field, coefficient)
        return ring(exponents)

    def linear_coefficients(self):
        r"""`(c_0, \ldots, c_{d-1})` as integers when the feedback is `\sum_i c_i x_i`, else ``None``."""
        if not self.is_linear:
            return None
        coefficients = [0] * self.degree
        for monomial, coefficient in self._terms:
            coefficients[monomial[0][0]] = coefficient
        return tuple(coefficients)

    def anf_masks(self) -> tuple:
        r"""
        Over `GF(2)`: one bit mask per monomial (bit `i` for `x_i`; ``0`` is the constant 1).

        EXAMPLES::

            sage: from sage_lfsr import FSR
            sage: FSR("x0 + x1*x2 + 1", 3).anf_masks()
            (1, 6, 0)
        """
        if self.field_order != 2:
            raise ValueError(f"bit masks describe feedbacks over GF(2), not GF({self.field_order})")
        return tuple(sum(1 << variable for variable, _ in monomial) for monomial, _ in self._terms)

    def truth_table(self):
        r"""
        The `q^d` feedback values by state index, a ``uint8`` array (up to
        :data:`~sage_lfsr.registers.feedback.MAX_TABULATED_STATES` states).

        EXAMPLES::

            sage: from sage_lfsr import FSR
            sage: FSR("x0 + x1*x2", 3).truth_table()
            array([0, 1, 0, 1, 0, 1, 1, 0], dtype=uint8)
        """
        if self._values is None:
            self._values = evaluate_terms(self._terms, self.degree, self.field_order)
        values = self._values.view()
        values.flags.writeable = False
        return values

    def feedback_value(self, digits) -> int:
        r"""`f` at the state with integer representations ``digits`` `(x_0, \ldots, x_{d-1})`."""
        add, mul, power = field_arithmetic(self.field_order)
        value = 0
        for monomial, coefficient in self._terms:
            term = coefficient
            for variable, exponent in monomial:
                term = mul[term][power[digits[variable]][exponent]]
            value = add[value][term]
        return value

    def successor(self, index: int) -> int:
        r"""
        The index of the state after state number ``index``.

        EXAMPLES::

            sage: from sage_lfsr import FSR
            sage: [FSR("x0 + x1*x2 + 1", 3).successor(i) for i in range(8)]
            [4, 0, 5, 1, 6, 2, 3, 7]
        """
        q, degree = self.field_order, self.degree
        digits = state_index_to_tuple(int(index), q, degree)
        return int(index) // q + q ** (degree - 1) * self.feedback_value(digits)

    def vector_space(self):
        return sagemath.VectorSpace(self._field, self.degree)

    def state_vector(self, state):
        r"""The state as a vector; ``state`` is an index, a tuple or a vector."""
        return LFSR.state_vector(self, state)

    def state_index(self, vector) -> int:
        return LFSR.state_index(self, vector)

    def next_state(self, state):
        r"""
        The state after ``state`` (an index, a tuple or a vector), as a vector.

        EXAMPLES::

            sage: from sage_lfsr import FSR
            sage: FSR("x0 + x1*x2 + 1", 3).next_state([1, 1, 0])
            (1, 0, 0)
        """
        vector = self.state_vector(state)
        digits = [_integer(x) for x in vector]
        value = sagemath.int_to_element(self._field, self.feedback_value(digits))
        return self.vector_space()(list(vector)[1:] + [value])

    def sequence(self, fill, length):
        r"""
        The first ``length`` terms from the initial ``fill`` `(x_0, \ldots, x_{d-1})`, as field elements.

        EXAMPLES::

            sage: from sage_lfsr import FSR
            sage: FSR("x0 + 2*x1^2", 2, q=3).sequence([1, 1], 6)
            [1, 1, 0, 1, 2, 0]
        """
        length = check_sequence_length(length)
        digits = [_integer(x) for x in self.state_vector(fill)]
        while len(digits) < length:
            digits.append(self.feedback_value(digits[len(digits) - self.degree:]))
        return [sagemath.int_to_element(self._field, digit) for digit in digits[:int(length)]]

    def to_lfsr(self):
        r"""The :class:`~sage_lfsr.registers.lfsr.LFSR` with the same (linear) feedback; ``ValueError`` if it is not linear."""
        coefficients = self.linear_coefficients()
        if coefficients is None:
            raise ValueError("the feedback is not linear, so there is no LFSR with it")
        return LFSR(coefficients, q=self.field_order)

    def tables(self):
        r"""The plain integer description the kernels read (:class:`~sage_lfsr.registers.fsr_tables.FeedbackTables`)."""
        from sage_lfsr.registers.fsr_tables import FeedbackTables

        return FeedbackTables.from_fsr(self)

    def describe(self):
        r"""
        The register as plain data for the engine (:class:`~sage_lfsr.registers.description.RegisterDescription`),
        built once.

        EXAMPLES::

            sage: from sage_lfsr import FSR
            sage: description = FSR("x0*x1 + x2", 3).describe()
            sage: description.kind, description.singular, description.rebuild()
            ('fsr', True, FSR of degree 3 over GF(2) with feedback x2 + x0*x1)
        """
        return self._description

    @cached_property
    def _description(self):
        from sage_lfsr.registers.description import RegisterDescription

        return RegisterDescription("fsr", self.key(), self.tables())


def rebuild_fsr(key) -> FSR:
    r"""The :class:`FSR` with :meth:`FSR.key` ``key`` (how workers rebuild it)."""
    return FSR.from_key(key)


def _term_order(term):
    r"""The order of index lists, ``x0 + x1 + x2 + x1*x2 + 1``: fewer variables first, the constant last."""
    monomial = term[0]
    return (not monomial, len(monomial), tuple((variable, -exponent) for variable, exponent in monomial))


def _check_degree(degree) -> int:
    if not isinstance(degree, numbers.Integral) and type(degree).__name__ != "Integer" or isinstance(degree, bool):
        raise TypeError(f"the degree must be an integer, not {degree!r}")
    if not 1 <= int(degree) <= MAX_FSR_DEGREE:
        raise ValueError(f"the degree must be between 1 and {MAX_FSR_DEGREE}, not {degree}")
    return int(degree)
