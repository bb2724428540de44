r"""
Feedback functions over `GF(q)` as reduced polynomials, for :class:`~sage_lfsr.registers.fsr.FSR`.

:func:`read_feedback` turns every form a feedback may take (ANF text, the index
lists of NLFSR tables, a Sage or Boolean polynomial, a truth table, a Python
function) into one canonical form: ``{monomial: coefficient}`` with a monomial a
tuple of ``(variable, exponent)`` pairs (exponents in `1, \ldots, q-1`, since
`x^q = x` on `GF(q)`; ``()`` is the constant) and coefficients integer
representations of field elements. The other functions evaluate that form on
every state (:func:`evaluate_terms`) and decide whether the shift register it
drives is invertible (:func:`decide_invertible`; the criterion is in
:mod:`sage_lfsr.registers.fsr`).
"""
from __future__ import annotations

import numbers
import re
from functools import lru_cache

import numpy as np

from sage_lfsr.common import sagemath
from sage_lfsr.registers.lfsr import _coerce_coefficient, _field, state_index_to_tuple

#: Largest truth table (states) built from a table, a Python function or on request.
MAX_TABULATED_STATES = 1 << 22
#: Largest field: the kernels hold field elements in bytes.
MAX_FIELD_ORDER = 256

_LIST_NOTATION = re.compile(r"[\d\s,()]+")
_NAME = re.compile(r"[A-Za-z_][A-Za-z_0-9]*")
_VARIABLE = re.compile(r"x(\d+)")


@lru_cache(maxsize=None)
def field_arithmetic(q: int):
    r"""
    ``(add, mul, power)`` tables of `GF(q)` on integer representations, as nested
    lists: ``add[a][b]``, ``mul[a][b]`` and ``power[a][e]`` (`0^0 = 1`).

    EXAMPLES::

        sage: from sage_lfsr.registers.feedback import field_arithmetic
        sage: add, mul, power = field_arithmetic(4)
        sage: add[2][3], mul[2][2], power[2][3]
        (1, 3, 1)
    """
    field = _field(q)
    elements = [sagemath.int_to_element(field, value) for value in range(q)]
    add = [[_integer(a + b) for b in elements] for a in elements]
    mul = [[_integer(a * b) for b in elements] for a in elements]
    power = [[_integer(a ** e) for e in range(q)] for a in elements]
    return add, mul, power


def _integer(element) -> int:
    r"""The integer representation of a field element as a Python ``int`` (quick over prime fields)."""
    parent = element.parent()
    return int(element) if parent.degree() == 1 else int(sagemath.element_to_int(element))


def _reduced_exponent(exponent: int, q: int) -> int:
    return 0 if exponent == 0 else (exponent - 1) % (q - 1) + 1


def _add_term(terms: dict, monomial: tuple, coefficient: int, add):
    total = add[terms.get(monomial, 0)][coefficient]
    if total:
        terms[monomial] = total
    else:
        terms.pop(monomial, None)


def _terms_from_exponents(pairs, q: int) -> dict:
    r"""Reduced terms from ``(exponent tuple, coefficient int)`` pairs (exponents reduced, like terms added)."""
    add = field_arithmetic(q)[0]
    terms = {}
    for exponents, coefficient in pairs:
        monomial = tuple((variable, _reduced_exponent(int(e), q)) for variable, e in enumerate(exponents) if e)
        if coefficient:
            _add_term(terms, monomial, coefficient, add)
    return terms


def _check_variables(terms: dict, degree: int):
    used = sorted({variable for monomial in terms for variable, _ in monomial})
    if used and used[-1] >= degree:
        raise ValueError(f"the feedback uses x{used[-1]}, but a register of degree {degree} has x0..x{degree - 1}")


def _element_value(value, field, what: str) -> int:
    r"""The integer representation of ``value``: an integer ``0..q-1`` or an element of ``field``."""
    q = int(field.order())
    if type(value) is int and 0 <= value < q:  # the common case, without Sage
        return value
    return _integer(_coerce_coefficient(field, value, "", name=what))


# --- reading the feedback -------------------------------------------------------------------

def _read_text(text: str, degree: int, field) -> dict:
    q = int(field.order())
    stripped = text.strip()
    if _LIST_NOTATION.fullmatch(stripped) and "," in stripped:
        return _read_index_list(stripped, degree, q)
    for name in _NAME.findall(stripped):
        match = _VARIABLE.fullmatch(name)
        if match and int(match.group(1)) >= degree:
            raise ValueError(f"the feedback uses {name}, but a register of degree {degree} has x0..x{degree - 1}")
    from sage_lfsr.registers.parsing import parse_sparse_polynomial

    parsed = parse_sparse_polynomial(stripped, field, [f"x{i}" for i in range(degree)], as_functions=True)
    return _terms_from_exponents(((exponents, _integer(c)) for exponents, c in parsed.items()), q)


def _read_index_list(text: str, degree: int, q: int) -> dict:
    r"""The list notation of NLFSR tables: ``"0,1,2,(1,2)"`` is `x_0 + x_1 + x_2 + x_1 x_2`."""
    pairs = []
    tokens = re.findall(r"\(\s*\d+(?:\s*,\s*\d+)*\s*\)|\d+|\S", text)
    expected = "term"
    for token in tokens:
        if expected == "separator":
            if token != ",":
                raise ValueError(f"cannot read the index list {text!r}: expected ',' before {token!r}")
            expected = "term"
            continue
        if not (token.isdigit() or (token.startswith("(") and token.endswith(")") and len(token) > 1)):
            raise ValueError(f"cannot read the index list {text!r}: expected an index or a '(i,j,...)' product "
                             f"at {token!r}")
        indices = [int(part) for part in token.strip("()").split(",")]
        if max(indices) >= degree:
            raise ValueError(f"the feedback uses x{max(indices)}, but a register of degree {degree} "
                             f"has x0..x{degree - 1}")
        exponents = [0] * degree
        for index in indices:
            exponents[index] += 1
        pairs.append((exponents, 1))
        expected = "separator"
    if expected == "term":
        raise ValueError(f"cannot read the index list {text!r}: it ends with a comma")
    return _terms_from_exponents(pairs, q)


def _variable_positions(parent) -> list:
    names = list(parent.variable_names())
    matches = [_VARIABLE.fullmatch(name) for name in names]
    if all(matches):
        return [int(match.group(1)) for match in matches]
    return list(range(len(names)))


def _read_sage_polynomial(polynomial, degree: int, field) -> dict:
    q = int(field.order())
    parent = polynomial.parent()
    positions = _variable_positions(parent)
    if type(polynomial).__name__ == "BooleanPolynomial":
        pairs = []
        for monomial in polynomial.monomials():
            exponents = [0] * (max(positions) + 1)
            for index in monomial.iterindex():
                exponents[positions[index]] = 1
            pairs.append((exponents, 1))
    else:
        pairs = []
        for exponents, coefficient in polynomial.dict().items():
            exponents = (exponents,) if isinstance(exponents, numbers.Integral) else tuple(exponents)
            placed = [0] * (max(positions) + 1)
            for index, exponent in enumerate(exponents):
                placed[positions[index]] = int(exponent)
            pairs.append((placed, _integer(coefficient)))
    terms = _terms_from_exponents(pairs, q)
    _check_variables(terms, degree)
    return terms


def _sage_polynomial_field(polynomial):
    r"""The base field of a Sage polynomial, or ``None`` when ``polynomial`` is not one."""
    parent = polynomial.parent() if hasattr(polynomial, "parent") and callable(polynomial.parent) else None
    if parent is None or not hasattr(parent, "ngens") or not hasattr(parent, "variable_names") \
            or not hasattr(parent, "base_ring") or parent is getattr(parent, "base_ring")():
        return None
    base = parent.base_ring()
    if not (base.is_field() and base.is_finite()):
        raise TypeError(f"the feedback polynomial is over {base}, not a finite field")
    return base


def _tabulate(function, degree: int, field) -> np.ndarray:
    q, count = int(field.order()), int(field.order()) ** degree
    _check_table_size(count, q, degree, "a feedback function is tabulated")
    elements = [sagemath.int_to_element(field, value) for value in range(q)]
    values = np.empty(count, dtype=np.uint8)
    for index in range(count):
        state = tuple(elements[digit] for digit in state_index_to_tuple(index, q, degree))
        values[index] = _element_value(function(state), field, f"the feedback function's value at state {index}")
    return values


def _check_table_size(count: int, q: int, degree: int, what: str):
    if count > MAX_TABULATED_STATES:
        raise ValueError(f"{what} only up to {MAX_TABULATED_STATES} states; GF({q})^{degree} has {count}")


def _read_truth_table(table, degree: int, field) -> np.ndarray:
    q = int(field.order())
    count = q ** degree
    if isinstance(table, np.ndarray) and table.dtype.kind in "iu":
        values = table.ravel()
    else:
        try:
            table = list(table)
        except TypeError:
            raise TypeError(f"cannot read a feedback from {type(table).__name__}: give ANF text, an index "
                            "list, a Sage polynomial, a truth table or a function of the state") from None
        if len(table) != count:
            raise ValueError(f"a truth table for degree {degree} over GF({q}) has {count} values, not {len(table)}")
        values = np.array([_element_value(value, field, f"truth table entry {index}")
                           for index, value in enumerate(table)], dtype=np.int64)
    if len(values) != count:
        raise ValueError(f"a truth table for degree {degree} over GF({q}) has {count} values, not {len(values)}")
    _check_table_size(count, q, degree, "a truth table is accepted")
    outside = np.flatnonzero((values < 0) | (values >= q))
    if len(outside):
        raise ValueError(f"truth table entry {outside[0]} = {values[outside[0]]} is outside GF({q}): "
                         f"integers stand for field elements 0..{q - 1}")
    return values.astype(np.uint8)


def _interpolate(values: np.ndarray, degree: int, q: int) -> dict:
    r"""
    The reduced polynomial with the given values, one variable at a time: over
    `GF(q)`, `p(t) = \sum_k c_k t^k` with `c_0 = p(0)` and
    `c_k = -\sum_a p(a) a^{q-1-k}` for `k \ge 1` (`0^0 = 1`), from
    `p(t) = \sum_a p(a) (1 - (t - a)^{q-1})` and `\binom{q-1}{k} \equiv (-1)^k`.
    """
    add, mul, power = (np.array(table, dtype=np.uint8) for table in field_arithmetic(q))
    negative = np.array([int(np.flatnonzero(add[a] == 0)[0]) for a in range(q)], dtype=np.uint8)
    transform = np.zeros((q, q), dtype=np.uint8)
    transform[0, 0] = 1
    for k in range(1, q):
        transform[k] = negative[power[np.arange(q), q - 1 - k]]
    # Axis j of the reshaped array is the digit x_{d-1-j} (indices are sum x_i q^i).
    grid = values.reshape((q,) * degree)
    for axis in range(degree):
        moved = np.moveaxis(grid, axis, 0)
        result = np.zeros_like(moved)
        for k in range(q):
            for a in range(q):
                if transform[k, a]:
                    result[k] = add[result[k], mul[transform[k, a], moved[a]]]
        grid = np.moveaxis(result, 0, axis)
    coefficients = grid.reshape(-1)
    terms = {}
    for index in np.flatnonzero(coefficients).tolist():
        exponents = state_index_to_tuple(index, q, degree)
        terms[tuple((variable, e) for variable, e in enumerate(exponents) if e)] = int(coefficients[index])
    return terms


def evaluate_terms(terms, degree: int, q: int) -> np.ndarray:
    r"""
    The values of the polynomial ``terms`` (pairs ``(monomial, coefficient)``) at
    every state of `GF(q)^d`, by state index, as a ``uint8`` array.

    EXAMPLES::

        sage: from sage_lfsr.registers.feedback import evaluate_terms
        sage: evaluate_terms([(((0, 1),), 1), (((1, 1), (2, 1)), 1), ((), 1)], 3, 2)
        array([1, 0, 1, 0, 1, 0, 0, 1], dtype=uint8)
    """
    count = q ** degree
    _check_table_size(count, q, degree, "feedback values are tabulated")
    add, mul, power = (np.array(table, dtype=np.uint8) for table in field_arithmetic(q))
    index = np.arange(count, dtype=np.int64)
    digits = {}
    values = np.zeros(count, dtype=np.uint8)
    for monomial, coefficient in terms:
        term = np.full(count, coefficient, dtype=np.uint8)
        for variable, exponent in monomial:
            if variable not in digits:
                digits[variable] = ((index // q ** variable) % q).astype(np.uint8)
            term = mul[term, power[digits[variable], exponent]]
        values = add[values, term]
    return values


def decide_invertible(terms: dict, q: int, values) -> bool:
    if values is not None:
        rows = np.sort(values.reshape(-1, q), axis=1)
        return bool((rows == np.arange(q, dtype=np.uint8)).all())
    with_x0 = [(monomial, c) for monomial, c in terms.items() if monomial and monomial[0][0] == 0]
    if q == 2:
        return with_x0 == [(((0, 1),), 1)]
    partners = sorted({variable for monomial, _ in with_x0 for variable, _ in monomial} - {0})
    renamed = {variable: position for position, variable in enumerate([0] + partners)}
    local = [(tuple((renamed[v], e) for v, e in monomial), c) for monomial, c in with_x0]
    if q ** (1 + len(partners)) > MAX_TABULATED_STATES:
        raise ValueError(f"cannot decide whether the register is invertible: x0 shares monomials with "
                         f"{len(partners)} variables, too many to check over GF({q})")
    rows = np.sort(evaluate_terms(local, 1 + len(partners), q).reshape(-1, q), axis=1)
    return bool((rows == np.arange(q, dtype=np.uint8)).all())



def read_feedback(feedback, degree: int, q=None):
    r"""
    ``(field, terms, values)`` for a feedback in any form :class:`~sage_lfsr.registers.fsr.FSR`
    takes: the field `GF(q)` (``q`` default: the polynomial's field, else 2), the
    reduced polynomial as ``{monomial: coefficient}``, and the truth table where
    one was given or tabulated (else ``None``).

    EXAMPLES::

        sage: from sage_lfsr.registers.feedback import read_feedback
        sage: field, terms, values = read_feedback("x0^3 + 2*x1", 2, 3)
        sage: field, terms, values
        (Finite Field of size 3, {((0, 1),): 1, ((1, 1),): 2}, None)
        sage: read_feedback([0, 1, 1, 0], 2)[1:]
        ({((0, 1),): 1, ((1, 1),): 1}, array([0, 1, 1, 0], dtype=uint8))
    """
    polynomial_field = None if isinstance(feedback, str) else _sage_polynomial_field(feedback)
    if polynomial_field is not None:
        if q is not None and int(polynomial_field.order()) != int(q):
            raise ValueError(f"the feedback is over GF({polynomial_field.order()}), not GF({q})")
        q = int(polynomial_field.order())
    field = _field(2 if q is None else q)
    q = int(field.order())
    if q > MAX_FIELD_ORDER:
        raise ValueError(f"the field order {q} is above the supported {MAX_FIELD_ORDER}")
    if polynomial_field is not None and polynomial_field.degree() > 1 \
            and polynomial_field.modulus().list() != field.modulus().list():
        raise ValueError(f"the feedback's field GF({q}) is built on the modulus {polynomial_field.modulus()}, "
                         f"not {field.modulus()} as this package's GF({q})")
    values = None
    if isinstance(feedback, str):
        terms = _read_text(feedback, degree, field)
    elif polynomial_field is not None:
        terms = _read_sage_polynomial(feedback, degree, field)
    elif callable(feedback):
        values = _tabulate(feedback, degree, field)
    else:
        values = _read_truth_table(feedback, degree, field)
    if values is not None:
        terms = _interpolate(values, degree, q)
    return field, terms, values
