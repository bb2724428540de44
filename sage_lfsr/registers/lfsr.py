r"""
Linear feedback shift registers over `GF(q)`.

The convention is Sage's (:func:`sage.crypto.lfsr.lfsr_sequence`): with
coefficients `c_0, \ldots, c_{d-1}` the sequence obeys
`x_{n+d} = \sum_i c_i x_{n+i}`, the state is `(x_n, \ldots, x_{n+d-1})`, the next
state is ``state * M`` for the state-update matrix `M` (the right companion
matrix of the characteristic polynomial `x^d - \sum_i c_i x^i`), and a state's
index is `\sum_i \mathrm{int}(x_i) q^i`, `\mathrm{int}` being the integer
representation of a field element (:func:`sage_lfsr.common.sagemath.element_to_int`).

Two variants of hardware registers are covered too. An *affine* register (XNOR
feedback) adds a constant: `x_{n+d} = \sum_i c_i x_{n+i} + b`, so the next state
is ``state * M + b'`` with `b' = b e_{d-1}`. The *Galois* form (internal XOR)
keeps the coefficients in the cells: with state `(a_0, \ldots, a_{d-1})` the next
state is `a_i' = a_{i-1} + c_i a_{d-1}` (`a_{-1} = 0`), multiplication by `x`
modulo the characteristic polynomial, whose matrix is the transpose of the
Fibonacci one; its constant enters the first cell, `b' = b e_0`. This is the
convention of the ``galois`` package's ``GLFSR``.
"""
from __future__ import annotations

import numbers
from functools import cached_property

from sage_lfsr.common import sagemath
from sage_lfsr.common.limits import check_sequence_length, format_count

#: Largest field order, in bits, a register is built over: proving a larger order prime
#: (and factoring `q^m - 1` for a prediction) takes minutes.
MAX_FIELD_BITS = 256


def _field(q):
    q = as_integer(q, "the field order")
    if q.bit_length() > MAX_FIELD_BITS:
        raise ValueError(f"the field order q = {format_count(q)} has {q.bit_length()} bits, above the {MAX_FIELD_BITS} "
                         "this package builds fields for (proving it prime would take minutes)")
    if q < 2 or not sagemath.is_prime_power(q):
        raise ValueError(f"the field order q = {q} is not a prime power, so there is no field GF({q})")
    return sagemath.GF(q, "z") if q > _prime_of(q) else sagemath.GF(q)


FORMS = ("fibonacci", "galois")


def _check_form(form):
    if form not in FORMS:
        raise ValueError(f"unknown form {form!r}: choose 'fibonacci' or 'galois'")
    return form


def _coerce_constant(field, value):
    return _coerce_coefficient(field, value, "", name="the constant b")


def _prime_of(q):
    return int(sagemath.Integer(q).prime_divisors()[0])


def as_integer(value, what):
    r"""
    ``value`` as a Python ``int`` when it is an integer (Python, Sage or numpy);
    otherwise a :class:`TypeError` (booleans, floats, rationals and field elements
    are not integers here, even where they equal one).

    EXAMPLES::

        sage: import numpy as np
        sage: from sage_lfsr.registers.lfsr import as_integer
        sage: as_integer(np.int64(5), "q"), as_integer(Integer(7), "q")
        (5, 7)
        sage: as_integer(float(2.5), "the field order")
        Traceback (most recent call last):
        ...
        TypeError: the field order must be an integer, not 2.5
        sage: as_integer(True, "q")
        Traceback (most recent call last):
        ...
        TypeError: q must be an integer, not True
    """
    if isinstance(value, bool) or not (isinstance(value, numbers.Integral) or type(value).__name__ == "Integer"):
        raise TypeError(f"{what} must be an integer, not {value!r}")
    return int(value)


def _coerce_coefficient(field, value, position, name="coefficient c_"):
    r"""
    A field element from ``value``: an element of ``field`` (or of a subfield that
    coerces into it), an integer read as an integer representation, or text read by
    :func:`~sage_lfsr.registers.parsing.parse_field_element` (never evaluated).
    """
    label = f"{name}{position}"
    if isinstance(value, str):
        from sage_lfsr.registers.parsing import ParseError, parse_field_element

        try:
            return parse_field_element(value, field)
        except ParseError as error:
            raise ValueError(f"{label}: {error}") from None
    parent = getattr(value, "parent", None)
    if callable(parent) and type(value).__name__ != "Integer":
        parent = value.parent()
        if parent is field:
            return value
        if getattr(parent, "is_finite", lambda: False)() and parent.is_field() and field.has_coerce_map_from(parent):
            return field(value)
        raise ValueError(f"{label} = {value!r} is an element of {parent}, not of GF({field.order()})")
    try:
        integer = as_integer(value, label)
    except TypeError:
        raise TypeError(f"{label} = {value!r} is neither an element of GF({field.order()}) nor an integer "
                        f"standing for one") from None
    if not 0 <= integer < field.order():
        raise ValueError(f"{label} = {integer} is outside GF({field.order()}): "
                         f"integers stand for field elements 0..{field.order() - 1}")
    return sagemath.int_to_element(field, integer)


class KeyedRegister:
    r"""
    What every register class shares: equality and hash by :meth:`key`, and the
    field, its order and the number of states (``q^degree``). A subclass sets
    ``_field`` and defines ``degree`` and ``key()``.
    """

    def __eq__(self, other):
        return isinstance(other, type(self)) and self.key() == other.key()

    def __hash__(self):
        return hash(self.key())

    @property
    def field(self):
        return self._field

    @property
    def field_order(self) -> int:
        return int(self._field.order())

    @property
    def state_count(self) -> int:
        return self.field_order ** self.degree


class LFSR(KeyedRegister):
    r"""
    A linear feedback shift register of degree `d` over `GF(q)`.

    INPUT:

    - ``coefficients`` -- `c_0, \ldots, c_{d-1}`: field elements, or integers read
      as integer representations of field elements
    - ``q`` -- the field order, a prime power (default: 2)
    - ``constant`` -- `b`, added to every feedback term (default: 0, a linear
      register), read as the coefficients are
    - ``form`` -- ``"fibonacci"`` (default) or ``"galois"`` (see the module notes)

    EXAMPLES::

        sage: from sage_lfsr import LFSR
        sage: r = LFSR([1, 1, 0, 0])
        sage: r
        LFSR of degree 4 over GF(2) with characteristic polynomial x^4 + x + 1
        sage: r.sequence([1, 0, 0, 0], 10)
        [1, 0, 0, 0, 1, 0, 0, 1, 1, 0]
        sage: r.period(1)
        15
        sage: LFSR([1, 2], q=9).field
        Finite Field in z of size 3^2

    An XNOR register, and the Galois form of `x^4 + x + 1`::

        sage: LFSR([1, 1, 0, 0], constant=1)
        LFSR of degree 4 over GF(2) with characteristic polynomial x^4 + x + 1, constant 1
        sage: g = LFSR([1, 1, 0, 0], form="galois"); g
        LFSR of degree 4 over GF(2) with characteristic polynomial x^4 + x + 1, Galois form
        sage: g.next_state((0, 0, 0, 1))
        (1, 1, 0, 0)

    TESTS::

        sage: LFSR([1, 1], q=6)
        Traceback (most recent call last):
        ...
        ValueError: the field order q = 6 is not a prime power, so there is no field GF(6)
        sage: LFSR([1, 3], q=3)
        Traceback (most recent call last):
        ...
        ValueError: coefficient c_1 = 3 is outside GF(3): integers stand for field elements 0..2
        sage: LFSR([])
        Traceback (most recent call last):
        ...
        ValueError: an LFSR needs at least one coefficient
        sage: LFSR([GF(3)(2), 1])
        Traceback (most recent call last):
        ...
        ValueError: coefficient c_0 = 2 is an element of Finite Field of size 3, not of GF(2)
        sage: LFSR(['__import__("os").system("touch pwned")', 1], q=4)
        Traceback (most recent call last):
        ...
        ValueError: coefficient c_0: cannot read '__import__("os").system("touch pwned")' as an element of GF(4): unknown name '__import__' at position 1 (known: z)
        sage: LFSR(["z + 1", "1"], q=4).coefficients()
        (z + 1, 1)
        sage: LFSR([1, 1], constant=2)
        Traceback (most recent call last):
        ...
        ValueError: the constant b = 2 is outside GF(2): integers stand for field elements 0..1
        sage: LFSR([1, 1], form="internal")
        Traceback (most recent call last):
        ...
        ValueError: unknown form 'internal': choose 'fibonacci' or 'galois'
    """

    def __init__(self, coefficients, q=2, constant=0, form="fibonacci"):
        self._field = _field(q)
        coefficients = list(coefficients)
        if not coefficients:
            raise ValueError("an LFSR needs at least one coefficient")
        self._coefficients = tuple(_coerce_coefficient(self._field, c, i) for i, c in enumerate(coefficients))
        self._form = _check_form(form)
        self._constant = _coerce_constant(self._field, constant)

    @classmethod
    def from_polynomial(cls, polynomial, q=None, constant=0, form="fibonacci"):
        r"""
        The register whose characteristic polynomial is ``polynomial`` (made monic).

        ``polynomial`` is a Sage polynomial over a finite field, or a string such as
        ``"x^4 + x + 1"`` read over ``GF(q)`` (in `GF(p^m)` the generator is ``z``) by
        :func:`~sage_lfsr.registers.parsing.parse_polynomial`, which never evaluates it.
        ``constant`` and ``form`` are as for :class:`LFSR`.

        EXAMPLES::

            sage: from sage_lfsr import LFSR
            sage: LFSR.from_polynomial("x^4 + x + 1").coefficients()
            (1, 1, 0, 0)
            sage: LFSR.from_polynomial("x^2 + 1", q=3).characteristic_polynomial()
            x^2 + 1
            sage: LFSR.from_polynomial("x^2 + z*x + 1", q=4).coefficients()
            (1, z)

        TESTS::

            sage: LFSR.from_polynomial("x^(10^9) + 1")
            Traceback (most recent call last):
            ...
            ParseError: cannot read 'x^(10^9) + 1' as a polynomial over GF(2): its degree may reach 1000000000, above the limit of 4096
            sage: LFSR.from_polynomial(GF(3)['x']([1, 1]), q=2)
            Traceback (most recent call last):
            ...
            ValueError: the polynomial is over GF(3), not GF(2)

        The Galois form::

            sage: LFSR.from_polynomial("x^3 + x + 1", form="galois").state_update_matrix()
            [0 1 0]
            [0 0 1]
            [1 1 0]
        """
        if isinstance(polynomial, str):
            from sage_lfsr.registers.parsing import parse_polynomial

            field = _field(2 if q is None else q)
            polynomial = parse_polynomial(polynomial, field)
        else:
            if not isinstance(polynomial, sagemath.Polynomial):
                raise TypeError(f"expected a polynomial or its text, not {type(polynomial).__name__}")
            field = polynomial.base_ring()
            if not (field.is_field() and field.is_finite()):
                raise ValueError(f"the polynomial must be over a finite field GF(q), not over {field}")
            if q is not None and field.order() != q:
                raise ValueError(f"the polynomial is over GF({field.order()}), not GF({q})")
        if polynomial.degree() < 1:
            raise ValueError("the characteristic polynomial must have degree at least 1")
        polynomial = polynomial.monic()
        if field.order() == _prime_of(field.order()) and form == "fibonacci" and isinstance(constant, int) \
                and constant == 0:  # integers in one pass: fast at large degree
            return cls.from_integers([int(c) for c in (-polynomial).list()[:-1]], q=int(field.order()))
        coefficients = [-c for c in polynomial.list()[:-1]]
        if field.order() == _prime_of(field.order()):
            return cls(coefficients, q=field.order(), constant=constant, form=form)
        return cls._over(field, coefficients, constant, form)

    @classmethod
    def _over(cls, field, coefficients, constant=0, form="fibonacci"):
        register = cls.__new__(cls)
        register._field = field
        register._coefficients = tuple(field(c) for c in coefficients)
        register._form = _check_form(form)
        register._constant = _coerce_constant(field, constant)
        return register

    @classmethod
    def from_integers(cls, values, q=2):
        r"""
        The Fibonacci register with coefficients given as integer representations, built in one
        vectorised pass: each of the `q` field elements is made once and the coefficients index
        them (for a register of degree `10^5` and more, where :class:`LFSR` coerces one by one).
        The values are checked as :class:`LFSR` checks them.

        INPUT:

        - ``values`` -- `c_0, \ldots, c_{d-1}` as a numpy integer array or a list of integers
          in `0..q-1`
        - ``q`` -- the field order (default: 2)

        EXAMPLES::

            sage: import numpy as np
            sage: from sage_lfsr import LFSR
            sage: LFSR.from_integers(np.array([1, 1, 0, 0])) == LFSR([1, 1, 0, 0])
            True
            sage: LFSR.from_integers([1, 3], q=9).coefficients()
            (1, z)

        TESTS::

            sage: LFSR.from_integers([1, 3], q=3)
            Traceback (most recent call last):
            ...
            ValueError: coefficient c_1 = 3 is outside GF(3): integers stand for field elements 0..2
            sage: LFSR.from_integers([])
            Traceback (most recent call last):
            ...
            ValueError: an LFSR needs at least one coefficient
        """
        import numpy as np

        field = _field(q)
        order = int(field.order())
        if isinstance(values, np.ndarray) and values.dtype.kind in "iu" and order <= 1 << 16:
            array = values.astype(np.int64, copy=False).ravel()
        else:
            array = np.array([as_integer(v, f"coefficient c_{i}") for i, v in enumerate(values)], dtype=object)
        if len(array) == 0:
            raise ValueError("an LFSR needs at least one coefficient")
        outside = np.flatnonzero((array < 0) | (array >= order))
        if len(outside):
            i = int(outside[0])
            raise ValueError(f"coefficient c_{i} = {array[i]} is outside GF({order}): "
                             f"integers stand for field elements 0..{order - 1}")
        if order <= 1 << 16:
            elements = np.empty(order, dtype=object)
            elements[:] = [sagemath.int_to_element(field, v) for v in range(order)]
            coefficients = tuple(elements[array.astype(np.int64)].tolist())
        else:
            coefficients = tuple(sagemath.int_to_element(field, int(v)) for v in array)
        register = cls.__new__(cls)
        register._field, register._coefficients = field, coefficients
        register._form, register._constant = "fibonacci", field(0)
        return register

    @classmethod
    def from_key(cls, key):
        r"""
        The register with this :meth:`key`.

        EXAMPLES::

            sage: from sage_lfsr import LFSR
            sage: r = LFSR([1, 2], q=3, constant=1, form="galois")
            sage: LFSR.from_key(r.key()) == r
            True
        """
        q, coefficients, *variant = key
        return cls(coefficients, q=q, constant=variant[0] if variant else 0,
                   form=variant[1] if variant else "fibonacci")

    def __repr__(self):
        variant = (f", constant {self._constant}" if self.is_affine else "") + (
            ", Galois form" if self._form == "galois" else "")
        return (f"LFSR of degree {self.degree} over GF({self.field_order}) "
                f"with characteristic polynomial {self.characteristic_polynomial()}{variant}")

    @property
    def degree(self) -> int:
        return len(self._coefficients)

    @property
    def is_singular(self) -> bool:
        r"""``True`` when `c_0 = 0`: the update is not invertible and states form trees."""
        return self._coefficients[0] == 0

    @property
    def constant(self):
        r"""`b`, added to every feedback term (zero for a linear register)."""
        return self._constant

    @property
    def is_affine(self) -> bool:
        return self._constant != 0

    @property
    def form(self) -> str:
        r"""``"fibonacci"`` or ``"galois"``."""
        return self._form

    def coefficients(self) -> tuple:
        return self._coefficients

    def key(self) -> tuple:
        r"""
        ``(q, (int(c_0), ..., int(c_{d-1})))``: plain integers that rebuild the register
        in another process with ``LFSR(coefficients, q)``; an affine or Galois register
        appends ``(int(b), form)`` (rebuild any of them with :meth:`from_key`).

        EXAMPLES::

            sage: from sage_lfsr import LFSR
            sage: r = LFSR.from_polynomial("x^3 + z*x + 1", q=4)
            sage: r.key()
            (4, (1, 2, 0))
            sage: LFSR(r.key()[1], q=r.key()[0]) == r
            True
            sage: LFSR([1, 1], constant=1).key()
            (2, (1, 1), 1, 'fibonacci')
        """
        key = self.field_order, tuple(sagemath.element_to_int(c) for c in self._coefficients)
        if self.is_affine or self._form != "fibonacci":
            key += (sagemath.element_to_int(self._constant), self._form)
        return key

    def characteristic_polynomial(self):
        r"""`x^d - \sum_i c_i x^i` over the register's field."""
        ring = sagemath.PolynomialRing(self._field, "x")
        return ring([-c for c in self._coefficients] + [1])

    @cached_property
    def _matrix(self):
        matrix = sagemath.companion_matrix(self.characteristic_polynomial(), format="right")
        if self._form == "galois":
            matrix = matrix.transpose()
        matrix.set_immutable()
        return matrix

    def state_update_matrix(self):
        r"""
        The matrix `M` with ``next_state = state * M`` (plus :meth:`constant_vector`
        for an affine register), in the register's form.

        EXAMPLES::

            sage: from sage_lfsr import LFSR
            sage: r = LFSR([1, 0, 1], q=3)
            sage: M = r.state_update_matrix(); M
            [0 0 1]
            [1 0 0]
            [0 1 1]
            sage: M.charpoly() == r.characteristic_polynomial()
            True
        """
        return self._matrix

    def constant_vector(self):
        r"""
        `b'`, added to ``state * M`` at every step: `b` in the cell that takes the
        feedback (the last for the Fibonacci form, the first for the Galois form).

        EXAMPLES::

            sage: from sage_lfsr import LFSR
            sage: LFSR([1, 0, 1], q=3, constant=2).constant_vector()
            (0, 0, 2)
            sage: LFSR([1, 0, 1], q=3, constant=2, form="galois").constant_vector()
            (2, 0, 0)
        """
        vector = self.vector_space()(0)
        vector[self.degree - 1 if self._form == "fibonacci" else 0] = self._constant
        return vector

    def fibonacci_to_galois_matrix(self):
        r"""
        The matrix `T` with `M_{galois} = T^{-1} M_{fib} T`: the Galois state that
        corresponds to the Fibonacci state `s` is `s T`, for the linear and the
        affine register alike (its rows are the Galois states of the Fibonacci unit
        states; the impulse `(0, \ldots, 0, 1)` corresponds to `(1, 0, \ldots, 0)`).

        EXAMPLES::

            sage: from sage_lfsr import LFSR
            sage: fib = LFSR([1, 1, 0, 0], constant=1); gal = LFSR([1, 1, 0, 0], constant=1, form="galois")
            sage: T = fib.fibonacci_to_galois_matrix()
            sage: T.inverse() * fib.state_update_matrix() * T == gal.state_update_matrix()
            True
            sage: s = fib.state_vector(6)
            sage: gal.next_state(s * T) == fib.next_state(s) * T
            True
        """
        fibonacci = sagemath.companion_matrix(self.characteristic_polynomial(), format="right")
        impulse = self.vector_space().gen(self.degree - 1)
        krylov = sagemath.matrix(self._field, [impulse * fibonacci ** k for k in range(self.degree)])
        return krylov.inverse()

    def vector_space(self):
        return sagemath.VectorSpace(self._field, self.degree)

    def state_vector(self, state):
        r"""
        The state as a vector; ``state`` is an index, a tuple or a vector, or over
        `GF(2)` a hex string of the index (bit `i` is `x_i`, :func:`hex_state_index`).
        """
        if isinstance(state, str):
            state = hex_state_index(self, state)
        if isinstance(state, int) or type(state).__name__ == "Integer":
            state = state_index_to_tuple(int(state), self.field_order, self.degree)
            return self.vector_space()([sagemath.int_to_element(self._field, x) for x in state])
        values = list(state)
        if len(values) != self.degree:
            raise ValueError(f"a state of this register has {self.degree} entries, not {len(values)}")
        return self.vector_space()([_coerce_coefficient(self._field, x, i, name="state entry x_") for i, x in enumerate(values)])

    def state_index(self, vector) -> int:
        r"""The index `\sum_i \mathrm{int}(x_i) q^i` of a state vector."""
        return tuple_to_state_index([sagemath.element_to_int(x) for x in vector], self.field_order)

    def next_state(self, state):
        image = self.state_vector(state) * self._matrix
        return image + self.constant_vector() if self.is_affine else image

    def sequence(self, fill, length):
        r"""
        The first ``length`` terms from the initial ``fill`` `(x_0, \ldots, x_{d-1})`.

        For the Galois form ``fill`` is a Galois state, and the terms are those of
        the Fibonacci register in the corresponding state (see
        :meth:`fibonacci_to_galois_matrix`).

        EXAMPLES::

            sage: from sage_lfsr import LFSR
            sage: from sage.crypto.lfsr import lfsr_sequence
            sage: r = LFSR([2, 1], q=3); F = r.field
            sage: r.sequence([1, 0], 8) == lfsr_sequence([F(2), F(1)], [F(1), F(0)], 8)
            True
            sage: LFSR([1, 1], constant=1).sequence([0, 0], 6)
            [0, 0, 1, 0, 0, 1]

        TESTS::

            sage: r.sequence([1, 0], 10**12)
            Traceback (most recent call last):
            ...
            TooLarge: a sequence of 1000000000000 terms is too long: the limit is 10000000 (10^7)
        """
        length = check_sequence_length(length)
        fill = self.state_vector(fill)
        if self._form == "galois":
            fill = fill * self.fibonacci_to_galois_matrix().inverse()
        if not self.is_affine:
            return sagemath.lfsr_sequence(list(self._coefficients), list(fill), int(length))
        terms = list(fill)
        while len(terms) < length:
            window = terms[len(terms) - self.degree:]
            terms.append(sum(c * x for c, x in zip(self._coefficients, window)) + self._constant)
        return terms[:int(length)]

    def period(self, state) -> int:
        r"""
        Steps until ``state`` comes back, or ``None`` for a transient state of a
        singular register (checked by tracing: use it on small registers).
        """
        start = self.state_vector(state)
        current, seen = start, {tuple(start): 0}
        for step in range(1, self.state_count + 1):
            current = self.next_state(current)
            key = tuple(current)
            if current == start:
                return step
            if key in seen:
                return None
            seen[key] = step
        raise AssertionError("a state of a finite register must recur")

    # Per-state answers by theory (:mod:`sage_lfsr.theory.states`); state arguments are an
    # index, a tuple or vector, or over GF(2) a hex string (bit i is x_i).

    def cycle_length(self, state) -> int:
        r"""
        The length of the cycle ``state`` lies on or drains into, from its minimal
        polynomial (no enumeration; see :func:`sage_lfsr.theory.states.cycle_length`).

        EXAMPLES::

            sage: from sage_lfsr import LFSR
            sage: LFSR.from_polynomial("x^4 + x^3 + x^2").cycle_length(1)
            1
        """
        from sage_lfsr.theory import states

        return states.cycle_length(self, state)

    def tail_depth(self, state) -> int:
        r"""Steps from ``state`` to its cycle (see :func:`sage_lfsr.theory.states.tail_depth`)."""
        from sage_lfsr.theory import states

        return states.tail_depth(self, state)

    def jump(self, state, steps):
        r"""
        The state ``steps`` steps ahead, in `O(d^2 \log n)` (see :func:`sage_lfsr.theory.states.jump`).

        EXAMPLES::

            sage: from sage_lfsr import LFSR
            sage: LFSR([1, 1, 0, 0]).jump("0x1", 15)
            (1, 0, 0, 0)
        """
        from sage_lfsr.theory import states

        return states.jump(self, state, steps)

    def short_cycle_states(self, max_length, list_limit=None):
        r"""
        The states on cycles of length at most ``max_length``, counted and listed
        when few (see :func:`sage_lfsr.theory.states.short_cycle_states`).

        EXAMPLES::

            sage: from sage_lfsr import LFSR
            sage: LFSR.from_polynomial("x^4 + 1").short_cycle_states(2).states
            (0, 5, 10, 15)
        """
        from sage_lfsr.theory import states

        limit = states.MAX_LISTED_STATES if list_limit is None else list_limit
        return states.short_cycle_states(self, max_length, limit)

    @classmethod
    def from_taps(cls, taps, width, form="fibonacci", shift="right", xnor=False):
        r"""
        A binary register from its hardware description: taps (stage numbers,
        the width included), form, shift direction and XNOR feedback; see
        :mod:`sage_lfsr.registers.hardware` for the conventions and ``verify``.

        EXAMPLES::

            sage: from sage_lfsr import LFSR
            sage: LFSR.from_taps([16, 14, 13, 11], 16).lfsr()
            LFSR of degree 16 over GF(2) with characteristic polynomial x^16 + x^5 + x^3 + x^2 + 1
        """
        from sage_lfsr.registers.hardware import from_taps

        return from_taps(taps, width, form=form, shift=shift, xnor=xnor)

    @classmethod
    def standard(cls, name):
        r"""
        A register a standard defines (PRBS7..PRBS31 of ITU-T O.150, the IEEE 802.11, DVB and
        PCI Express / USB 3 scramblers, CRC-16-CCITT, CRC-32): see
        :mod:`sage_lfsr.registers.standards`.

        EXAMPLES::

            sage: from sage_lfsr import LFSR
            sage: LFSR.standard("CRC-32").checksum(b"123456789") == 0xCBF43926
            True
        """
        from sage_lfsr.registers.standards import standard

        return standard(name)


def state_index_to_tuple(index: int, q: int, degree: int) -> tuple:
    r"""
    The integer representations `(x_0, \ldots, x_{d-1})` of state number ``index``.

    EXAMPLES::

        sage: from sage_lfsr import state_index_to_tuple, tuple_to_state_index
        sage: state_index_to_tuple(11, 3, 3)
        (2, 0, 1)
        sage: tuple_to_state_index((2, 0, 1), 3)
        11
    """
    if not 0 <= index < q ** degree:
        raise ValueError(f"state index {index} is outside 0..{q ** degree - 1}")
    digits = []
    for _ in range(degree):
        index, digit = divmod(index, q)
        digits.append(digit)
    return tuple(digits)


def tuple_to_state_index(digits, q: int) -> int:
    r"""The index `\sum_i x_i q^i` of a tuple of integer representations."""
    index = 0
    for digit in reversed(tuple(digits)):
        if not 0 <= int(digit) < q:
            raise ValueError(f"state entry {digit} is outside 0..{q - 1}")
        index = index * q + int(digit)
    return index


# ---------------------------------------------------------------- hex states over GF(2)

def hex_state_index(register, text) -> int:
    r"""The state index written by a hex string (`GF(2)` registers only)."""
    if register.field_order != 2:
        raise TypeError(f"hex states are for GF(2) registers; give an index or a tuple over GF({register.field_order})")
    digits = text.strip().replace("_", "")  # underscores group digits; leading zeros are allowed
    digits = digits[2:] if digits[:2].lower() == "0x" else digits
    if not digits or any(c not in "0123456789abcdefABCDEF" for c in digits):
        raise ValueError(f"a hex state is hex digits with an optional 0x, not {text[:80]!r}")
    if len(digits.lstrip("0")) > register.degree // 4 + 1:
        raise ValueError(f"hex state {text[:80]} has more than the register's {register.degree} bits")
    index = int(digits, 16)
    if index >> register.degree:
        raise ValueError(f"hex state {text} has more than the register's {register.degree} bits")
    return index


def state_hex(register, vector) -> str:
    r"""The hex string of a `GF(2)` state: its index in base 16 (bit `i` is `x_i`)."""
    if register.field_order != 2:
        raise TypeError(f"hex states are for GF(2) registers, not GF({register.field_order})")
    return hex(register.state_index(vector))
