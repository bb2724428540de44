r"""
Reading field elements and polynomials from text, without evaluating it.

Sage's element and ring constructors evaluate strings (``GF(4)("__import__('os')...")``
runs the code), so no text from a user reaches them. Text is read here by a small
grammar instead::

    expression := term (("+" | "-") term)*
    term       := factor ("*" factor)*
    factor     := ("+" | "-") factor | atom (("^" | "**") exponent)?
    atom       := integer | name | "(" expression ")"
    exponent   := integer | "(" integer ")"

Names are the variables the caller allows (``x``; ``x0, ..., x{d-1}``) and, over
`GF(p^m)` with `m > 1`, the generator ``z``. Inside an expression an integer
``n`` is ``n`` times the field's one (reduced mod `p`, as in Sage); a whole text
that is one integer is, for :func:`parse_field_element`, the integer
representation of an element (see :func:`sage_lfsr.common.sagemath.int_to_element`).

Limits hold before any arithmetic: the text's length, the nesting depth, the
digits of an integer, the degree the expression can reach and the number of
terms of a product, so no input makes the reader run out of time or memory.
Every failure is a :class:`ParseError` with a one-line message.

EXAMPLES::

    sage: from sage_lfsr.common.sagemath import GF
    sage: from sage_lfsr.registers.parsing import parse_field_element, parse_polynomial, parse_sparse_polynomial
    sage: K = GF(4, "z")
    sage: parse_field_element("z^2 + 1", K), parse_field_element("3", K)
    (z, z + 1)
    sage: parse_polynomial("x^4 + x + 1", GF(2))
    x^4 + x + 1
    sage: parse_sparse_polynomial("x0 + x1*x2 + 1", GF(2), ["x0", "x1", "x2"])
    {(0, 0, 0): 1, (0, 1, 1): 1, (1, 0, 0): 1}
    sage: parse_field_element('__import__("os").system("true")', K)
    Traceback (most recent call last):
    ...
    ParseError: cannot read '__import__("os").system("true")' as an element of GF(4): unknown name '__import__' at position 1 (known: z)
"""
from __future__ import annotations

import re

#: Longest text read (characters).
MAX_TEXT_LENGTH = 100_000
#: Deepest nesting of parentheses and signs.
MAX_NESTING = 100
#: Most digits of one integer.
MAX_INTEGER_DIGITS = 100
#: Highest degree of a univariate polynomial read by default.
MAX_POLYNOMIAL_DEGREE = 4096
#: Most terms a multivariate polynomial may have, and most term pairs one product may form.
MAX_TERMS = 1 << 16
MAX_PRODUCT_PAIRS = 1 << 22
#: Most exponents (terms times variables) an expanded polynomial or product may hold: 2^24, about 0.5 GB.
MAX_EXPANDED_ENTRIES = 1 << 24

GENERATOR = "z"
_SPACE = re.compile(r"\s*")
_TRAILING_SPACE = re.compile(r"\s*\Z")
_TOKEN = re.compile(r"\s*(?:([0-9]+)|([A-Za-z_][A-Za-z_0-9]*)|(\*\*|[-+*^()]))")


class ParseError(ValueError):
    r"""Text that is not an expression of the expected kind (a one-line message)."""


def _shorten(text, limit=60):
    return text if len(text) <= limit else text[:limit - 3] + "..."


class _Reader:
    r"""Tokenizer and recursive-descent parser producing a small tree of tuples."""

    def __init__(self, text, names, what):
        self.text, self.names, self.what = text, names, what
        if not isinstance(text, str):
            raise ParseError(f"{what} must be given as text, not {type(text).__name__}")
        if len(text) > MAX_TEXT_LENGTH:
            raise ParseError(f"cannot read {what}: the text has {len(text)} characters, more than {MAX_TEXT_LENGTH}")
        # Tokens are read as the parser asks for them, so a hostile text fails at
        # its first fault instead of being tokenized whole first.
        self.tokens, self.read_up_to, self.ended = [], 0, False
        self.position = 0
        self.depth = 0

    def fail(self, message, at=None):
        if at is None:
            self._read_tokens(self.position)
        at = self.tokens[self.position][1] if at is None and self.position < len(self.tokens) else at
        where = f" at position {at + 1}" if at is not None else ""
        known = ""
        if message.endswith(")") and " (known: " in message:  # the position reads better before the list
            message, known = message.split(" (known: ")
            known = " (known: " + known
        raise ParseError(f"cannot read {_shorten(self.text)!r} as {self.what}: {message}{where}{known}")

    def _read_tokens(self, position):
        r"""Read tokens until there are more than ``position`` of them or the text ends."""
        text = self.text
        while len(self.tokens) <= position and not self.ended:
            index = self.read_up_to
            if _TRAILING_SPACE.match(text, index):
                self.ended = True
                break
            match = _TOKEN.match(text, index)
            if not match:
                start = _SPACE.match(text, index).end()
                self.ended = True
                self.position = len(self.tokens)
                self.fail(f"unexpected character {text[start]!r}", at=start)
            start = match.start(match.lastindex)
            integer, name, symbol = match.groups()
            if integer is not None:
                if len(integer) > MAX_INTEGER_DIGITS:
                    self.ended = True
                    self.fail(f"an integer of {len(integer)} digits is longer than {MAX_INTEGER_DIGITS}", at=start)
                self.tokens.append((("int", int(integer)), start))
            elif name is not None:
                self.tokens.append((("name", name), start))
            else:
                self.tokens.append((("symbol", "^" if symbol == "**" else symbol), start))
            self.read_up_to = match.end()

    def peek(self):
        self._read_tokens(self.position)
        return self.tokens[self.position][0] if self.position < len(self.tokens) else ("end", None)

    def take(self):
        token = self.peek()
        self.position += 1
        return token

    def expect(self, symbol):
        if self.peek() != ("symbol", symbol):
            found = self.peek()
            self.fail(f"expected {symbol!r}, found " + ("the end" if found[0] == "end" else repr(str(found[1]))))
        self.take()

    def nest(self):
        self.depth += 1
        if self.depth > MAX_NESTING:
            self.fail(f"nested more than {MAX_NESTING} deep")

    def parse(self):
        if self.peek()[0] == "end":
            raise ParseError(f"cannot read {self.what} from empty text")
        tree = self.expression()
        if self.peek()[0] != "end":
            self.fail(f"unexpected {str(self.peek()[1])!r}")
        return tree

    def expression(self):
        # A flat sum is one node with its terms in a tuple (so is a product, below): a sum
        # of thousands of terms is read, bounded and evaluated in loops, never by recursion.
        terms = [(1, self.term())]
        while self.peek() in (("symbol", "+"), ("symbol", "-")):
            operator = self.take()[1]
            terms.append((1 if operator == "+" else -1, self.term()))
        return terms[0][1] if len(terms) == 1 else ("sum", tuple(terms))

    def term(self):
        factors = [self.factor()]
        while self.peek() == ("symbol", "*"):
            self.take()
            factors.append(self.factor())
        return factors[0] if len(factors) == 1 else ("product", tuple(factors))

    def factor(self):
        if self.peek() in (("symbol", "+"), ("symbol", "-")):
            self.nest()
            operator = self.take()[1]
            inner = self.factor()
            self.depth -= 1
            return inner if operator == "+" else ("neg", inner)
        tree = self.atom()
        if self.peek() == ("symbol", "^"):
            self.take()
            tree = ("pow", tree, self.exponent())
            if self.peek() == ("symbol", "^"):
                self.fail("write powers of powers with parentheses, e.g. (a^2)^3")
        return tree

    def exponent(self):
        if self.peek() == ("symbol", "("):
            start = self.position
            self.take()
            self.nest()
            tree = self.expression()
            self.expect(")")
            self.depth -= 1
            value = _integer_value(tree)
            if value is None or value < 0:
                self.position = start
                self.fail("an exponent must be a non-negative integer")
            return value
        kind, value = self.take()
        if kind != "int":
            self.position -= 1
            self.fail("an exponent must be a non-negative integer")
        return value

    def atom(self):
        kind, value = self.take()
        if kind == "int":
            return ("int", value)
        if kind == "name":
            if value not in self.names:
                self.position -= 1
                names = list(self.names)
                known = ", ".join(names if len(names) <= 8 else names[:3] + ["...", names[-1]]) if names else "none"
                self.fail(f"unknown name {_shorten(value)!r} (known: {known})")
            return ("name", value)
        if (kind, value) == ("symbol", "("):
            self.nest()
            tree = self.expression()
            self.expect(")")
            self.depth -= 1
            return tree
        self.position -= 1
        self.fail("expected a number, a name or '('" if kind != "end" else "the text ends too early")


def _integer_value(tree):
    r"""The integer an exponent's tree stands for, or ``None`` (names, or beyond :data:`MAX_INTEGER_DIGITS` digits)."""
    kind = tree[0]
    if kind == "int":
        return tree[1]
    if kind == "name":
        return None
    if kind in ("sum", "product"):
        value = 0 if kind == "sum" else 1
        for child in tree[1]:
            sign, child = child if kind == "sum" else (1, child)
            child_value = _integer_value(child)
            if child_value is None:
                return None
            value = value + sign * child_value if kind == "sum" else value * child_value
            if abs(value).bit_length() > 4 * MAX_INTEGER_DIGITS:
                return None
        return value
    base = _integer_value(tree[1])
    if base is None:
        return None
    if kind == "neg":
        return -base
    exponent = tree[2]
    if abs(base) > 1 and exponent * abs(base).bit_length() > 4 * MAX_INTEGER_DIGITS:
        return None
    return base ** exponent


def _degree_bound(tree, variables):
    r"""An upper bound of the total degree ``tree`` can reach (0 for constants)."""
    kind = tree[0]
    if kind == "int":
        return 0
    if kind == "name":
        return 1 if tree[1] in variables else 0
    if kind == "neg":
        return _degree_bound(tree[1], variables)
    if kind == "sum":
        return max(_degree_bound(term, variables) for _, term in tree[1])
    if kind == "product":
        return sum(_degree_bound(factor, variables) for factor in tree[1])
    return _degree_bound(tree[1], variables) * tree[2]


def _reduced_exponent(exponent, field_order):
    r"""An exponent with the same power on every element of `GF(q)` (`a^q = a`)."""
    return exponent if exponent < field_order else (exponent - 1) % (field_order - 1) + 1


def _field_names(field):
    return (GENERATOR,) if field.degree() > 1 else ()


def _field_label(field):
    return f"GF({field.order()})"


def _evaluate(tree, algebra):
    kind = tree[0]
    if kind == "int":
        return algebra.integer(tree[1])
    if kind == "name":
        return algebra.name(tree[1])
    if kind == "neg":
        return algebra.neg(_evaluate(tree[1], algebra))
    if kind == "pow":
        return algebra.power(_evaluate(tree[1], algebra), tree[2])
    if kind == "product":
        value = _evaluate(tree[1][0], algebra)
        for factor in tree[1][1:]:
            value = algebra.mul(value, _evaluate(factor, algebra))
        return value
    (sign, first), rest = tree[1][0], tree[1][1:]
    value = _evaluate(first, algebra)
    for sign, term in rest:
        value = (algebra.add if sign > 0 else algebra.sub)(value, _evaluate(term, algebra))
    return value


class _RingAlgebra:
    r"""Arithmetic in a Sage ring (the field itself, or a univariate polynomial ring)."""

    def __init__(self, ring, field, variable=None):
        self.ring, self.field, self.variable = ring, field, variable

    def integer(self, value):
        return self.ring(self.field(value))  # an int, not text: nothing is evaluated

    def name(self, name):
        return self.ring.gen() if name == self.variable else self.ring(self.field.gen())

    def neg(self, value):
        return -value

    def add(self, left, right):
        return left + right

    def sub(self, left, right):
        return left - right

    def mul(self, left, right):
        return left * right

    def power(self, value, exponent):
        if self.ring is self.field:
            return value ** _reduced_exponent(exponent, self.field.order())
        if value.degree() <= 0:  # a constant: its exponent may be huge
            return self.ring(value.constant_coefficient() ** _reduced_exponent(exponent, self.field.order()))
        return value ** exponent  # the degree bound was checked before any arithmetic


class _SparseAlgebra:
    r"""
    Polynomials in several variables as ``{exponent tuple: element}``; with
    ``as_functions`` the exponents are reduced by `a^q = a` (polynomial functions).
    """

    def __init__(self, field, variables, as_functions):
        self.field, self.variables, self.as_functions = field, tuple(variables), as_functions
        self.zero_exponents = (0,) * len(self.variables)
        self.order = int(field.order())

    def constant(self, element):
        return {self.zero_exponents: element} if element else {}

    def integer(self, value):
        return self.constant(self.field(value))

    def name(self, name):
        if name == GENERATOR and name not in self.variables:
            return self.constant(self.field.gen())
        exponents = [0] * len(self.variables)
        exponents[self.variables.index(name)] = 1
        return {tuple(exponents): self.field(1)}

    def neg(self, value):
        return {exponents: -coefficient for exponents, coefficient in value.items()}

    def add(self, left, right):
        total = dict(left)
        for exponents, coefficient in right.items():
            value = total.get(exponents, 0) + coefficient
            if value:
                total[exponents] = value
            else:
                total.pop(exponents, None)
        return self._checked(total)

    def sub(self, left, right):
        return self.add(left, self.neg(right))

    def mul(self, left, right):
        if len(left) * len(right) > MAX_PRODUCT_PAIRS:
            raise ParseError(f"a product of {len(left)} by {len(right)} terms is more than this reader expands "
                             f"({MAX_PRODUCT_PAIRS} term pairs)")
        if len(left) * len(right) * len(self.variables) > MAX_EXPANDED_ENTRIES:
            raise ParseError(f"a product of {len(left)} by {len(right)} terms in {len(self.variables)} variables is "
                             f"more than this reader expands ({MAX_EXPANDED_ENTRIES} exponents in all)")
        total = {}
        for left_exponents, left_coefficient in left.items():
            for right_exponents, right_coefficient in right.items():
                exponents = tuple(self._exponent(a + b) for a, b in zip(left_exponents, right_exponents))
                value = total.get(exponents, 0) + left_coefficient * right_coefficient
                if value:
                    total[exponents] = value
                else:
                    total.pop(exponents, None)
        return self._checked(total)

    def power(self, value, exponent):
        if self.as_functions:
            exponent = _reduced_exponent(exponent, self.order)
        if set(value) <= {self.zero_exponents}:
            element = value.get(self.zero_exponents, self.field(0))
            return self.constant(element ** _reduced_exponent(exponent, self.order))
        result, base = self.constant(self.field(1)), value
        while exponent:
            if exponent & 1:
                result = self.mul(result, base)
            exponent >>= 1
            if exponent:
                base = self.mul(base, base)
        return result

    def _exponent(self, exponent):
        return _reduced_exponent(exponent, self.order) if self.as_functions else exponent

    def _checked(self, polynomial):
        if len(polynomial) > MAX_TERMS:
            raise ParseError(f"the polynomial has more than {MAX_TERMS} terms")
        if len(polynomial) * len(self.variables) > MAX_EXPANDED_ENTRIES:
            raise ParseError(f"the polynomial has {len(polynomial)} terms in {len(self.variables)} variables, more than "
                             f"this reader holds ({MAX_EXPANDED_ENTRIES} exponents in all)")
        return polynomial


def _read(text, names, what):
    return _Reader(text, names, what).parse()


def parse_field_element(text, field):
    r"""
    The element of ``field`` (a finite field) written as ``text``.

    A text that is one integer ``n`` is the element whose integer representation
    is ``n`` (``0 <= n < q``); any other text is an expression in integers and,
    over `GF(p^m)`, the generator ``z``.

    EXAMPLES::

        sage: from sage_lfsr.common.sagemath import GF
        sage: from sage_lfsr.registers.parsing import parse_field_element
        sage: K = GF(9, "z")
        sage: parse_field_element("2*z + 1", K), parse_field_element("5", K), parse_field_element("z^(10^3)", K)
        (2*z + 1, z + 2, 1)

    TESTS::

        sage: parse_field_element("9", K)
        Traceback (most recent call last):
        ...
        ParseError: 9 is outside GF(9): integers stand for field elements 0..8
        sage: parse_field_element("z", GF(5))
        Traceback (most recent call last):
        ...
        ParseError: cannot read 'z' as an element of GF(5): unknown name 'z' at position 1 (known: none)
        sage: parse_field_element("(" * 5000 + "1" + ")" * 5000, K)
        Traceback (most recent call last):
        ...
        ParseError: cannot read '((((((...' as an element of GF(9): nested more than 100 deep at position 102
    """
    from sage_lfsr.common.sagemath import int_to_element

    stripped = text.strip() if isinstance(text, str) else text
    if isinstance(stripped, str) and stripped.isdigit() and stripped.isascii():
        if len(stripped) > MAX_INTEGER_DIGITS or int(stripped) >= field.order():
            raise ParseError(f"{_shorten(stripped)} is outside {_field_label(field)}: integers stand for field "
                             f"elements 0..{field.order() - 1}")
        return int_to_element(field, int(stripped))
    what = f"an element of {_field_label(field)}"
    tree = _read(text, _field_names(field), what)
    return _evaluate(tree, _RingAlgebra(field, field))


def parse_polynomial(text, field, variable="x", max_degree=MAX_POLYNOMIAL_DEGREE):
    r"""
    The univariate polynomial over ``field`` in ``variable`` written as ``text``.

    EXAMPLES::

        sage: from sage_lfsr.common.sagemath import GF
        sage: from sage_lfsr.registers.parsing import parse_polynomial
        sage: parse_polynomial("x**2 + z*x + 1", GF(4, "z"))
        x^2 + z*x + 1
        sage: parse_polynomial("(x + 1)^3 - x^3", GF(3))
        1
        sage: parse_polynomial("x^4 + 2*x + 1", GF(2))
        Traceback (most recent call last):
        ...
        ParseError: cannot read 'x^4 + 2*x + 1' as a polynomial over GF(2): the coefficient 2 is not an element of GF(2); integers in a polynomial are 0..1, as in a coefficient list

    TESTS::

        sage: parse_polynomial("x^(10^9) + 1", GF(2))
        Traceback (most recent call last):
        ...
        ParseError: cannot read 'x^(10^9) + 1' as a polynomial over GF(2): its degree may reach 1000000000, above the limit of 4096
        sage: parse_polynomial("x^(10^(10^9))", GF(2))
        Traceback (most recent call last):
        ...
        ParseError: cannot read 'x^(10^(10^9))' as a polynomial over GF(2): an exponent must be a non-negative integer at position 3
    """
    from sage_lfsr.common.sagemath import PolynomialRing

    what = f"a polynomial over {_field_label(field)}"
    names = (variable,) + _field_names(field)
    tree = _read(text, names, what)
    bound = _degree_bound(tree, (variable,))
    if bound > max_degree:
        raise ParseError(f"cannot read {_shorten(text)!r} as {what}: its degree may reach {bound}, "
                         f"above the limit of {max_degree}")
    characteristic = int(field.characteristic())
    too_large = next((value for value in _integers(tree) if value >= characteristic), None)
    if too_large is not None:
        raise ParseError(f"cannot read {_shorten(text)!r} as {what}: the coefficient {_shorten(str(too_large))} is "
                         f"not an element of GF({characteristic}); integers in a polynomial are 0..{characteristic - 1}, "
                         "as in a coefficient list" + ("" if field.degree() == 1 else " (other elements are "
                                                       f"written with {GENERATOR})"))
    ring = PolynomialRing(field, variable)
    return _evaluate(tree, _RingAlgebra(ring, field, variable))


def _integers(tree):
    r"""The integers written in ``tree`` (exponents aside), read without recursion."""
    pending = [tree]
    while pending:
        node = pending.pop()
        if node[0] == "int":
            yield node[1]
        elif node[0] == "sum":
            pending.extend(term for _, term in node[1])
        elif node[0] == "product":
            pending.extend(node[1])
        elif node[0] in ("neg", "pow"):
            pending.append(node[1])


def parse_sparse_polynomial(text, field, variables, as_functions=False):
    r"""
    A polynomial in ``variables`` over ``field`` as ``{exponent tuple: element}``
    (zero coefficients left out).

    With ``as_functions`` exponents are reduced by `a^q = a`, so the result is the
    reduced form of the polynomial function (over `GF(2)`: the algebraic normal form).

    EXAMPLES::

        sage: from sage_lfsr.common.sagemath import GF
        sage: from sage_lfsr.registers.parsing import parse_sparse_polynomial
        sage: parse_sparse_polynomial("x0^2 + x1 + x0*x0", GF(3), ["x0", "x1"])
        {(0, 1): 1, (2, 0): 2}
        sage: parse_sparse_polynomial("x0^5 + (x0 + x1)^2", GF(2), ["x0", "x1"], as_functions=True)
        {(0, 1): 1}
        sage: parse_sparse_polynomial("x2", GF(2), ["x0", "x1"])
        Traceback (most recent call last):
        ...
        ParseError: cannot read 'x2' as a polynomial in x0, x1 over GF(2): unknown name 'x2' at position 1 (known: x0, x1)
    """
    variables = tuple(variables)
    what = f"a polynomial in {', '.join(variables) if len(variables) <= 6 else variables[0] + ', ...'} " \
           f"over {_field_label(field)}"
    names = variables + tuple(name for name in _field_names(field) if name not in variables)
    tree = _read(text, names, what)
    return _evaluate(tree, _SparseAlgebra(field, variables, as_functions))
