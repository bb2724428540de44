r"""
The registers of a census as plain data, and their one-line text format.

A census handles many small registers, so it describes each by a few integers
(no Sage objects, no field elements) that pack into the arrays of a batch
kernel (:mod:`sage_lfsr.census.kernels`):

- :class:`LinearSpec` -- an LFSR over `GF(q)`, `x_{n+d} = \sum_i c_i x_{n+i} + b`
  (``constant`` `b` = 0 for a linear register, else affine);
- :class:`AnfSpec` -- a binary register `x_{n+d} = f(x_n, \ldots, x_{n+d-1})` with `f`
  in algebraic normal form: one bit mask per monomial (bit `i` is `x_i`; the mask
  0 is the constant 1);
- :class:`TruthTableSpec` -- a binary register whose `f` is given by its truth
  table: bit `s` of ``table`` is `f` at the state with index `s`;
- :class:`MatrixSpec` -- the linear map ``state -> state * M`` of `GF(2)^d`;
- :class:`SuccessorSpec` -- every other register of the package (FSRs and
  matrices over `GF(q)`, `q > 2`, Galois-form LFSRs) by its key, mapped from
  a successor table (at most :data:`MAX_SUCCESSOR_STATES` states).

The text format, one register a line (``key=value`` fields; ``f=`` takes the
rest of the line)::

    lfsr q=3 c=1,0,2            c_0..c_{d-1} as integer representations 0..q-1
    lfsr q=2 c=1,1,0,0 b=1      an affine (XNOR) register, constant b
    fsr d=4 f=x0+x1+x1*x2       binary ANF in x0..x{d-1}, "1" the constant term
    fsr d=5 tt=0x96696996       binary truth table, as a hexadecimal integer
    matrix d=3 rows=010,001,110 the map state -> state * M over GF(2), M by rows
    fsr q=3 d=2 f=x0 + 2*x1^2   an FSR over GF(q) (the FSR parser reads f)
    matrix q=3 d=2 rows=0,1;1,2 a matrix over GF(q): rows by ';', entries by ','
    lfsr q=3 c=1,1 b=2 form=galois   a Galois-form LFSR

:func:`parse_register` reads it (it parses, never evaluates) and
:func:`as_spec` turns an :class:`~sage_lfsr.registers.lfsr.LFSR`, an ``FSR`` or a text
into a spec.
"""
from __future__ import annotations

import importlib
import re
from dataclasses import dataclass
from functools import cached_property

from sage_lfsr.common.limits import format_count, shorten

#: Longest register text accepted, in characters.
MAX_TEXT_LENGTH = 20000
#: Largest degree of a binary register: states are 63-bit integers.
MAX_BINARY_DEGREE = 62
#: Largest field a census register is over (the batch kernels' field tables hold bytes).
MAX_CENSUS_FIELD_ORDER = 256
#: Most monomials in one feedback function.
MAX_MONOMIALS = 4096
#: Largest state space of a register mapped from a successor table (:class:`SuccessorSpec`).
MAX_SUCCESSOR_STATES = 1 << 20


#: Characters of a message about a register text; beyond them its middle is cut (it echoes the text).
MAX_MESSAGE_LENGTH = 300


class RegisterTextError(ValueError):
    r"""
    A register text that does not follow the format (one-line message, at most
    :data:`MAX_MESSAGE_LENGTH` characters: a long text echoed in it is cut in the middle).

    EXAMPLES::

        sage: from sage_lfsr.census.registers import parse_register
        sage: parse_register("lfsr q=3 c=" + "+".join(["1"] * 3000))  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        RegisterTextError: c='1+1+1+...+1 [... 11755 characters ...] 1+1+...+1'
    """

    def __init__(self, message):
        super().__init__(shorten(message, MAX_MESSAGE_LENGTH))


def _is_prime_power(q: int) -> bool:
    if q < 2:
        return False
    prime = next(p for p in range(2, q + 1) if q % p == 0)
    while q % prime == 0:
        q //= prime
    return q == 1


@dataclass(frozen=True)
class LinearSpec:
    r"""
    An LFSR over `GF(q)` with coefficients `c_0, \ldots, c_{d-1}` and constant `b`
    (integer representations).

    EXAMPLES::

        sage: from sage_lfsr.census.registers import LinearSpec
        sage: spec = LinearSpec(3, (1, 0, 2))
        sage: spec.text, spec.degree, spec.state_count, spec.is_invertible
        ('lfsr q=3 c=1,0,2', 3, 27, True)
        sage: spec.register()
        LFSR of degree 3 over GF(3) with characteristic polynomial x^3 + x^2 + 2
        sage: LinearSpec(2, (0, 1, 1), constant=1).text
        'lfsr q=2 c=0,1,1 b=1'
        sage: LinearSpec(6, (1,))
        Traceback (most recent call last):
        ...
        ValueError: the field order q = 6 is not a prime power, so there is no field GF(6)
    """

    q: int
    coefficients: tuple
    constant: int = 0

    def __post_init__(self):
        object.__setattr__(self, "coefficients", tuple(int(c) for c in self.coefficients))
        object.__setattr__(self, "q", int(self.q))
        object.__setattr__(self, "constant", int(self.constant))
        if self.q > MAX_CENSUS_FIELD_ORDER:
            raise ValueError(f"q = {format_count(self.q)} is above the {MAX_CENSUS_FIELD_ORDER} field elements a census "
                             "handles (its batch kernels hold elements in bytes); map_cycles maps one register over "
                             "a field of up to 2^16 elements")
        if not _is_prime_power(self.q):
            raise ValueError(f"the field order q = {self.q} is not a prime power, so there is no field GF({self.q})")
        if not self.coefficients:
            raise ValueError("an LFSR needs at least one coefficient")
        for name, value in [(f"c_{i}", c) for i, c in enumerate(self.coefficients)] + [("b", self.constant)]:
            if not 0 <= int(value) < self.q:
                raise ValueError(f"{name} = {value} is outside GF({self.q}): integers stand for field "
                                 f"elements 0..{self.q - 1}")

    kind = "lfsr"

    @property
    def degree(self) -> int:
        return len(self.coefficients)

    @property
    def state_count(self) -> int:
        return self.q ** self.degree

    @property
    def is_invertible(self) -> bool:
        return self.coefficients[0] != 0

    @cached_property
    def text(self) -> str:
        constant = f" b={self.constant}" if self.constant else ""
        return f"lfsr q={self.q} c={','.join(map(str, self.coefficients))}{constant}"

    def register(self):
        r"""The :class:`~sage_lfsr.registers.lfsr.LFSR` (built with Sage); affine registers need ``LFSR(..., constant=b)``."""
        from sage_lfsr.registers.lfsr import LFSR

        if self.constant:
            return LFSR(self.coefficients, q=self.q, constant=self.constant)
        return LFSR(self.coefficients, q=self.q)


@dataclass(frozen=True)
class AnfSpec:
    r"""
    A binary register of degree `d` whose feedback is the XOR of its monomials,
    each a bit mask over `x_0, \ldots, x_{d-1}` (0 is the constant 1).

    EXAMPLES::

        sage: from sage_lfsr.census.registers import AnfSpec
        sage: spec = AnfSpec(4, (0b0110, 0b0001, 0b0010))
        sage: spec.text, spec.is_invertible
        ('fsr d=4 f=x0+x1+x1*x2', True)
        sage: spec.linear_mask, spec.nonlinear_masks, spec.constant
        (3, (6,), 0)
        sage: AnfSpec(3, (0b1000,))
        Traceback (most recent call last):
        ...
        ValueError: the monomial mask 8 names a variable beyond x2 (degree 3)
    """

    degree: int
    monomials: tuple

    def __post_init__(self):
        degree = int(self.degree)
        if not 1 <= degree <= MAX_BINARY_DEGREE:
            raise ValueError(f"a binary register has degree 1..{MAX_BINARY_DEGREE}, not {degree}")
        masks = tuple(sorted({int(m) for m in self.monomials}, key=lambda m: (bin(m).count("1"), _bits(m))))
        if len(masks) != len(self.monomials):
            raise ValueError("a monomial is listed twice: over GF(2) it would cancel; list it once or not at all")
        for mask in masks:
            if mask < 0 or mask >> degree:
                raise ValueError(f"the monomial mask {mask} names a variable beyond x{degree - 1} (degree {degree})")
        object.__setattr__(self, "degree", degree)
        object.__setattr__(self, "monomials", masks)

    kind = "fsr"
    q = 2

    @property
    def state_count(self) -> int:
        return 1 << self.degree

    @property
    def linear_mask(self) -> int:
        return sum(m for m in self.monomials if bin(m).count("1") == 1)

    @property
    def nonlinear_masks(self) -> tuple:
        return tuple(m for m in self.monomials if bin(m).count("1") > 1)

    @property
    def constant(self) -> int:
        return int(0 in self.monomials)

    @property
    def is_invertible(self) -> bool:
        r"""`f = x_0 + g(x_1, \ldots, x_{d-1})`: the state map is a bijection."""
        return all(not m & 1 for m in self.monomials if m != 1) and 1 in self.monomials

    @cached_property
    def text(self) -> str:
        return f"fsr d={self.degree} f={anf_text(self.monomials)}"

    def register(self):
        r"""
        The :class:`~sage_lfsr.registers.fsr.FSR` (built with Sage).

        EXAMPLES::

            sage: from sage_lfsr.census.registers import AnfSpec
            sage: AnfSpec(3, (0b001, 0b110)).register()
            FSR of degree 3 over GF(2) with feedback x0 + x1*x2
        """
        from sage_lfsr.registers.fsr import FSR

        return FSR(anf_text(self.monomials), self.degree)


@dataclass(frozen=True)
class TruthTableSpec:
    r"""
    A binary register of degree `d` whose feedback at the state with index `s` is
    bit `s` of ``table``.

    EXAMPLES::

        sage: from sage_lfsr.census.registers import TruthTableSpec
        sage: spec = TruthTableSpec(2, 0b0110)  # f = x0 + x1
        sage: spec.text, spec.is_invertible
        ('fsr d=2 tt=0x6', True)
    """

    degree: int
    table: int

    def __post_init__(self):
        degree = int(self.degree)
        if not 1 <= degree <= 20:
            raise ValueError(f"a truth-table register has degree 1..20, not {degree}")
        if not 0 <= int(self.table) < 1 << (1 << degree):
            raise ValueError(f"a truth table of degree {degree} has {1 << degree} bits")
        object.__setattr__(self, "degree", degree)
        object.__setattr__(self, "table", int(self.table))

    kind = "fsr"
    q = 2

    @property
    def state_count(self) -> int:
        return 1 << self.degree

    @cached_property
    def is_invertible(self) -> bool:
        pairs = self.table ^ (self.table >> 1)
        even_bits = int("01" * (1 << (self.degree - 1)), 2)  # bit 2s compares f(2s) with f(2s + 1)
        return pairs & even_bits == even_bits

    @cached_property
    def text(self) -> str:
        return f"fsr d={self.degree} tt={self.table:#x}"

    def bits(self) -> list:
        return [(self.table >> state) & 1 for state in range(1 << self.degree)]

    def register(self):
        r"""The :class:`~sage_lfsr.registers.fsr.FSR` with this truth table (built with Sage)."""
        from sage_lfsr.registers.fsr import FSR

        return FSR(self.bits(), self.degree)


@dataclass(frozen=True)
class MatrixSpec:
    r"""
    The linear map ``state -> state * M`` of `GF(2)^d`, ``rows[i]`` the bit mask of
    row `i` of `M` (bit `j` for column `j`).

    EXAMPLES::

        sage: from sage_lfsr.census.registers import MatrixSpec
        sage: spec = MatrixSpec(3, (0b010, 0b100, 0b011))
        sage: spec.text, spec.columns
        ('matrix d=3 rows=010,001,110', (4, 5, 2))
        sage: spec.register()
        [0 1 0]
        [0 0 1]
        [1 1 0]
    """

    degree: int
    rows: tuple

    def __post_init__(self):
        degree = int(self.degree)
        if not 1 <= degree <= MAX_BINARY_DEGREE or len(self.rows) != degree:
            raise ValueError(f"a matrix of degree {degree} has {degree} rows (degree 1..{MAX_BINARY_DEGREE})")
        rows = tuple(int(row) for row in self.rows)
        if any(row < 0 or row >> degree for row in rows):
            raise ValueError(f"a row of a degree-{degree} matrix has {degree} bits")
        object.__setattr__(self, "degree", degree)
        object.__setattr__(self, "rows", rows)

    kind = "matrix"
    q = 2
    constant = 0

    @property
    def state_count(self) -> int:
        return 1 << self.degree

    @property
    def columns(self) -> tuple:
        r"""Column `j` as the bit mask of the rows with a 1 there: bit `j` of the next state is its parity with the state."""
        return tuple(sum(1 << i for i, row in enumerate(self.rows) if row >> j & 1) for j in range(self.degree))

    @cached_property
    def text(self) -> str:
        return f"matrix d={self.degree} rows=" + ",".join(
            "".join(str(row >> j & 1) for j in range(self.degree)) for row in self.rows)

    def register(self):
        r"""The Sage matrix over `GF(2)`."""
        from sage_lfsr.common import sagemath

        field = sagemath.GF(2)
        return sagemath.matrix(field, [[row >> j & 1 for j in range(self.degree)] for row in self.rows])


def check_successor_size(q: int, degree: int):
    r"""Refuse, before any work, a register too large for a successor table."""
    if int(q) ** int(degree) > MAX_SUCCESSOR_STATES:
        raise ValueError(f"a census maps FSRs and matrices over GF(q > 2) and Galois-form LFSRs of up to "
                         f"{MAX_SUCCESSOR_STATES} states, not GF({q})^{degree}")


@dataclass(frozen=True)
class SuccessorSpec:
    r"""
    Any register of the package by its ``key`` (``kind`` ``"fsr"``, ``"matrix"``
    or ``"lfsr"``, as :class:`~sage_lfsr.registers.description.RegisterDescription`);
    the census maps it from its table of `q^d` successors. Build it with
    :func:`as_spec` or :func:`parse_register`.

    EXAMPLES::

        sage: from sage_lfsr import FSR
        sage: from sage_lfsr.census.registers import as_spec
        sage: spec = as_spec(FSR("x0 + 2*x1^2", 2, q=3))
        sage: spec.text, spec.state_count
        ('fsr q=3 d=2 f=x0 + 2*x1^2', 9)
        sage: spec.register()
        FSR of degree 2 over GF(3) with feedback x0 + 2*x1^2
    """

    kind: str
    q: int
    degree: int
    key: tuple
    text: str

    def __post_init__(self):
        check_successor_size(self.q, self.degree)

    @property
    def state_count(self) -> int:
        return self.q ** self.degree

    def register(self):
        r"""The package's register, rebuilt from the key (imports Sage)."""
        from sage_lfsr.registers.description import REBUILDERS

        module, function = REBUILDERS[self.kind]
        return getattr(importlib.import_module(module), function)(self.key)

    @classmethod
    def of(cls, register) -> "SuccessorSpec":
        r"""The spec of an ``FSR``, a ``MatrixRegister`` or an ``LFSR`` (size checked first)."""
        from sage_lfsr.registers.matrix import MatrixRegister, matrix_text

        q, degree = int(register.field_order), int(register.degree)
        check_successor_size(q, degree)
        if isinstance(register, MatrixRegister):
            text = f"matrix q={q} d={degree} rows={matrix_text(register.state_update_matrix())}"
            return cls("matrix", q, degree, register.key(), text)
        if hasattr(register, "anf"):
            return cls("fsr", q, degree, register.key(), f"fsr q={q} d={degree} f={register.anf()}")
        key = register.key()
        constant = int(key[2]) if len(key) > 2 else 0
        text = (f"lfsr q={q} c={','.join(map(str, key[1]))}" + (f" b={constant}" if constant else "")
                + f" form={register.form}")
        return cls("lfsr", q, degree, key, text)


SPECS = (LinearSpec, AnfSpec, TruthTableSpec, MatrixSpec, SuccessorSpec)
#: Kinds whose cycle structure theory predicts (modes "predict" and the checks of mode "map").
LINEAR_KINDS = ("lfsr", "matrix")


def _bits(mask: int) -> list:
    return [i for i in range(mask.bit_length()) if mask >> i & 1]


def anf_text(monomials) -> str:
    r"""
    ``"x0+x1+x1*x2"`` for monomial masks (0 is ``"1"``; no monomial is ``"0"``).

    EXAMPLES::

        sage: from sage_lfsr.census.registers import anf_text
        sage: anf_text([0b101, 0, 0b10]), anf_text([])
        ('1+x1+x0*x2', '0')
    """
    ordered = sorted(monomials, key=lambda m: (bin(m).count("1"), _bits(m)))
    terms = ["*".join(f"x{i}" for i in _bits(m)) if m else "1" for m in ordered]
    return "+".join(terms) or "0"


# ---------------------------------------------------------------- expressions

_TERM_FACTOR = re.compile(r"\s*(?:x(\d+)|x\{([A-Za-z_]\w*)\}|(1)|(0))\s*$")


def parse_terms(text: str, allow_placeholders: bool = False) -> list:
    r"""
    The terms of a sum of products over `GF(2)`: ``"x0 + x{a}*x3 + 1"`` gives
    ``[[0], ['a', 3], []]`` (an index, a placeholder name; ``[]`` is the constant 1).
    ``0`` terms are dropped. The text is split and matched, never evaluated.

    EXAMPLES::

        sage: from sage_lfsr.census.registers import parse_terms
        sage: parse_terms("x0 + x{a}*x3 + 1", allow_placeholders=True)
        [[0], ['a', 3], []]
        sage: parse_terms("x0 + x{a}")
        Traceback (most recent call last):
        ...
        RegisterTextError: placeholders such as x{a} belong in templates, not in a register: 'x{a}'
        sage: parse_terms("x0 + x1^2")
        Traceback (most recent call last):
        ...
        RegisterTextError: cannot read 'x1^2' as a product of x<i>, x{name} or 1 (terms are joined by '+')
    """
    if len(text) > MAX_TEXT_LENGTH:
        raise RegisterTextError(f"the expression is {len(text)} characters long, above the limit {MAX_TEXT_LENGTH}")
    if not text.strip():
        raise RegisterTextError("the feedback expression is empty")
    terms = []
    for term_text in text.split("+"):
        factors, zero = [], False
        for factor_text in term_text.split("*"):
            match = _TERM_FACTOR.match(factor_text)
            if match is None:
                raise RegisterTextError(f"cannot read {term_text.strip()!r} as a product of x<i>, x{{name}} or 1 "
                                        "(terms are joined by '+')")
            index, name, _, naught = match.groups()
            if name is not None and not allow_placeholders:
                raise RegisterTextError(f"placeholders such as x{{{name}}} belong in templates, not in a register: "
                                        f"{term_text.strip()!r}")
            if naught is not None:
                zero = True
            elif index is not None:
                if len(index) > 3:
                    raise RegisterTextError(f"the variable x{index} is beyond x{MAX_BINARY_DEGREE - 1}")
                factors.append(int(index))
            elif name is not None:
                factors.append(name)
        if not zero:
            terms.append(factors)
        if len(terms) > MAX_MONOMIALS:
            raise RegisterTextError(f"more than {MAX_MONOMIALS} terms")
    return terms


def monomial_masks(terms, degree: int) -> tuple:
    r"""
    The XOR of ``terms`` (lists of variable indices) as monomial masks over `GF(2)`:
    `x_i x_i = x_i`, and a monomial listed twice cancels.

    EXAMPLES::

        sage: from sage_lfsr.census.registers import monomial_masks
        sage: monomial_masks([[0], [1, 1], [2, 1], [1, 2], []], 3)
        (0, 1, 2)
    """
    masks = set()
    for factors in terms:
        mask = 0
        for index in factors:
            if not 0 <= index < degree:
                raise RegisterTextError(f"x{index} is not a variable of a degree-{degree} register (x0..x{degree - 1})")
            mask |= 1 << index
        masks ^= {mask}
    return tuple(sorted(masks))


# ---------------------------------------------------------------- the text format

_FIELDS = {"lfsr": {"q", "c", "b", "form"}, "fsr": {"d", "q", "f", "tt"}, "matrix": {"d", "q", "rows"}}


def _integer(text, name, line):
    if not re.fullmatch(r"[0-9]{1,6}", text.strip()):  # ASCII digits, as everywhere the package reads numbers
        raise RegisterTextError(f"{name}={text!r} is not a small non-negative integer in {line!r}")
    return int(text)


def _fields(line):
    kind, _, rest = line.strip().partition(" ")
    if kind not in _FIELDS:
        raise RegisterTextError(f"a register line starts with 'lfsr', 'fsr' or 'matrix', not {kind!r}")
    fields = {}
    while rest.strip():
        rest = rest.strip()
        key, equals, value = rest.partition("=")
        key = key.strip()
        if not equals or key not in _FIELDS[kind] or key in fields or " " in key:
            raise RegisterTextError(f"unexpected {rest.split()[0]!r} in {line!r}: {kind} lines take "
                                    f"{', '.join(sorted(_FIELDS[kind]))}=... (each once)")
        if key == "f":  # the expression runs to the end of the line
            fields[key], rest = value, ""
        else:
            fields[key], _, rest = value.partition(" ")
    return kind, fields


def parse_register(line: str):
    r"""
    The spec a register text describes (see the module documentation).

    EXAMPLES::

        sage: from sage_lfsr.census.registers import parse_register
        sage: parse_register("lfsr q=3 c=1,0,2")
        LinearSpec(q=3, coefficients=(1, 0, 2), constant=0)
        sage: parse_register("fsr d=4 f=x0 + x1 + x1*x2").text
        'fsr d=4 f=x0+x1+x1*x2'
        sage: parse_register("fsr d=5 tt=0x96696996").degree
        5
        sage: parse_register("fsr d=3 f=x0 + x3")
        Traceback (most recent call last):
        ...
        RegisterTextError: x3 is not a variable of a degree-3 register (x0..x2)
        sage: parse_register("lfsr q=2 c=1,__import__('os')")
        Traceback (most recent call last):
        ...
        RegisterTextError: c=..."__import__('os')" is not a small non-negative integer in ...
    """
    if not isinstance(line, str):
        raise TypeError(f"a register text is a string, not {type(line).__name__}")
    if len(line) > MAX_TEXT_LENGTH:
        raise RegisterTextError(f"the register text is {len(line)} characters long, above the limit {MAX_TEXT_LENGTH}")
    kind, fields = _fields(line)
    if kind == "lfsr":
        if "c" not in fields:
            raise RegisterTextError(f"an lfsr line needs c=... (and q=..., default 2): {line!r}")
        fields.setdefault("q", "2")  # as the command line's --q
        coefficients = [_integer(c, "c", line) for c in fields["c"].split(",")]
        form = fields.get("form", "fibonacci").strip()
        if form not in ("fibonacci", "galois"):
            raise RegisterTextError(f"form= takes fibonacci or galois, not {form!r}")
        if form == "galois":
            from sage_lfsr.registers.lfsr import LFSR

            q = _integer(fields["q"], "q", line)
            spec = LinearSpec(q, tuple(coefficients), _integer(fields.get("b", "0"), "b", line))  # checks values
            check_successor_size(q, spec.degree)
            return SuccessorSpec.of(LFSR(spec.coefficients, q=q, constant=spec.constant, form="galois"))
        return LinearSpec(_integer(fields["q"], "q", line), tuple(coefficients),
                          _integer(fields.get("b", "0"), "b", line))
    if fields.get("q", "2").strip() != "2":
        return _parse_over_gfq(kind, fields, line)
    if kind == "matrix":
        rows_text = fields.get("rows", "").strip()
        if ";" in rows_text:  # the command line's --matrix form, "1,1;0,1": a row's entries comma-separated
            rows_text = ",".join(row.replace(",", "").replace(" ", "") for row in rows_text.split(";"))
            fields.setdefault("d", str(rows_text.count(",") + 1))
        rows = rows_text.split(",")
        if "d" not in fields or not all(re.fullmatch(r"[01]{1,62}", row) for row in rows):
            raise RegisterTextError(f"a matrix line needs d=... and rows=... (rows of 0 and 1, comma-separated): "
                                    f"{line!r}")
        degree = _integer(fields["d"], "d", line)
        if any(len(row) != degree for row in rows):
            raise RegisterTextError(f"each row of a degree-{degree} matrix has {degree} entries: {line!r}")
        return MatrixSpec(degree, tuple(int(row[::-1], 2) for row in rows))
    if "d" not in fields or ("f" in fields) == ("tt" in fields):
        raise RegisterTextError(f"an fsr line needs d=... and one of f=... or tt=...: {line!r}")
    degree = _integer(fields["d"], "d", line)
    if "tt" in fields:
        table = fields["tt"].strip()
        if not re.fullmatch(r"0x[0-9a-fA-F]{1,70000}", table):
            raise RegisterTextError(f"tt= takes a hexadecimal integer such as 0x96, not {table[:40]!r}")
        return TruthTableSpec(degree, int(table, 16))
    if not 1 <= degree <= MAX_BINARY_DEGREE:
        raise RegisterTextError(f"a binary register has degree 1..{MAX_BINARY_DEGREE}, not {degree}")
    return AnfSpec(degree, monomial_masks(parse_terms(fields["f"]), degree))


def _parse_over_gfq(kind, fields, line):
    r"""An ``fsr`` or ``matrix`` line over `GF(q)`, `q > 2`: read by the package's parsers, size checked first."""
    from sage_lfsr.registers.matrix import MatrixRegister

    body = "f" if kind == "fsr" else "rows"
    if "d" not in fields or body not in fields or (kind == "fsr" and "tt" in fields):
        raise RegisterTextError(f"an {kind} line over GF(q > 2) needs q=..., d=... and {body}=...: {line!r}")
    q, degree = _integer(fields["q"], "q", line), _integer(fields["d"], "d", line)
    if not _is_prime_power(q) or degree < 1:
        raise RegisterTextError(f"q={q} d={degree} is no register: q is a prime power, d >= 1: {line!r}")
    check_successor_size(q, degree)
    if kind == "fsr":
        from sage_lfsr.registers.fsr import FSR

        return SuccessorSpec.of(FSR(fields["f"].strip(), degree, q=q))
    register = MatrixRegister.from_text(fields["rows"].strip(), q)
    if register.degree != degree:
        raise RegisterTextError(f"d={degree} but the matrix has {register.degree} rows: {line!r}")
    return SuccessorSpec.of(register)


def as_spec(register):
    r"""
    A census spec for ``register``: a spec, a register text, an
    :class:`~sage_lfsr.registers.lfsr.LFSR`, an ``FSR``, a
    :class:`~sage_lfsr.registers.matrix.MatrixRegister` or a square Sage matrix
    over `GF(q)`. Binary registers and Fibonacci LFSRs get their own encodings;
    the others are :class:`SuccessorSpec` (up to :data:`MAX_SUCCESSOR_STATES` states).

    EXAMPLES::

        sage: from sage_lfsr import LFSR
        sage: from sage_lfsr.census.registers import as_spec
        sage: as_spec(LFSR.from_polynomial("x^4 + z*x + 1", q=4)).text
        'lfsr q=4 c=1,2,0,0'
        sage: as_spec(matrix(GF(2), [[0, 1], [1, 1]])).text
        'matrix d=2 rows=01,11'
        sage: as_spec(matrix(GF(5), [[0, 1], [1, 4]])).text
        'matrix q=5 d=2 rows=0,1;1,4'
        sage: as_spec(LFSR([1, 1], q=3, constant=2, form="galois")).text
        'lfsr q=3 c=1,1 b=2 form=galois'
        sage: as_spec(matrix(GF(3), 13, 13))
        Traceback (most recent call last):
        ...
        ValueError: a census maps FSRs and matrices over GF(q > 2) and Galois-form LFSRs of up to 1048576 states, not GF(3)^13
        sage: as_spec(None)
        Traceback (most recent call last):
        ...
        TypeError: a census takes LFSRs, FSRs, matrices, specs or register texts, not NoneType
    """
    if isinstance(register, SPECS):
        return register
    if isinstance(register, str):
        return parse_register(register)
    if hasattr(register, "nrows") and hasattr(register, "base_ring"):
        from sage_lfsr.registers.matrix import MatrixRegister, check_square_matrix

        check_square_matrix(register)
        if register.base_ring().order() != 2:
            check_successor_size(register.base_ring().order(), register.nrows())
            return SuccessorSpec.of(MatrixRegister(register))
        return MatrixSpec(register.nrows(), tuple(sum(int(entry) << j for j, entry in enumerate(row))
                                                  for row in register.rows()))
    if hasattr(register, "state_update_matrix") and not hasattr(register, "characteristic_polynomial"):
        return as_spec(register.state_update_matrix())  # a MatrixRegister
    if hasattr(register, "anf_masks"):
        if int(register.field_order) != 2:
            return SuccessorSpec.of(register)
        masks = set()
        for mask in register.anf_masks():  # over GF(2) x_i^2 = x_i: equal masks cancel
            masks ^= {int(mask)}
        return AnfSpec(int(register.degree), tuple(sorted(masks)))
    if hasattr(register, "key") and hasattr(register, "characteristic_polynomial"):
        q, coefficients, *variant = register.key()  # affine or Galois registers append (b, form)
        if variant and variant[1] != "fibonacci":
            return SuccessorSpec.of(register)
        return LinearSpec(int(q), tuple(coefficients), int(variant[0]) if variant else 0)
    raise TypeError(f"a census takes LFSRs, FSRs, matrices, specs or register texts, not {type(register).__name__}")
