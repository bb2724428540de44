r"""
Plain integer tables that describe a register's successor function.

Sage builds them (from the field and the state-update matrix, so Sage stays the
single source of truth); the compiled kernels read them. They hold only numpy
arrays and integers, so they pickle cheaply, can be saved to a file and can be
used on a machine without Sage.

The successor of state index `x = \sum_i x_i q^i` is
`\lfloor x / q \rfloor + q^{d-1} f(x)` with the feedback
`f(x) = \sum_i c_i x_i + b` in `GF(q)` (`b` the constant of an affine
register). The digits are read ``chunk_digits`` at a time:
``feedback_tables[j][v]`` is the feedback contributed by chunk ``j`` with
value ``v``, and ``add_table`` adds two field elements given by their integer
representations. Over `GF(2)` the feedback is the parity of ``x & taps``.

Field elements are ``uint8`` up to `q = 256` and ``uint16`` up to `q = 2^{16}`
(:data:`MAX_FIELD_ORDER`, larger fields are refused). Above `q = 256` there is
no `q \times q` addition table (it would take `2 q^2` bytes, 8 GiB at
`q = 2^{16}`): ``add_modulus`` is then the characteristic `p` and elements are
added digit by digit in base `p` (an XOR for `p = 2`, one sum mod `p` in a prime
field), which is what addition is on integer representations.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: Largest lookup table per chunk of digits (entries); 4096 bytes stay in L1.
CHUNK_TABLE_ENTRIES = 4096
#: Largest field order whose elements the tables hold (16-bit integers).
MAX_FIELD_ORDER = 1 << 16
#: Largest field order with a ``q x q`` addition table (64 KiB).
ADD_TABLE_UP_TO = 256


def element_dtype(q: int):
    r"""The integer type of the tables' field elements: ``uint8`` up to 256, else ``uint16``."""
    return np.uint8 if q <= 256 else np.uint16


def add_elements(a, b, add_table, add_modulus: int, q: int):
    r"""
    Add field elements given as integer representations (numpy arrays): through
    ``add_table``, or digit-wise in base ``add_modulus`` (the characteristic).

    EXAMPLES::

        sage: import numpy as np
        sage: from sage_lfsr.registers.tables import add_elements
        sage: add_elements(np.array([5, 7]), np.array([6, 8]), None, 3, 9)   # (z+2)+(2z) = 2, (2z+1)+(2z+2) = z
        array([2, 3])
        sage: add_elements(np.array([5]), np.array([6]), None, 2, 8), add_elements(np.array([5]), np.array([6]), None, 7, 7)
        (array([3]), array([4]))
    """
    if not add_modulus:
        return add_table[a, b]
    if add_modulus == 2:
        return a ^ b
    a, b = np.asarray(a, dtype=np.int64), np.asarray(b, dtype=np.int64)
    total, place = np.zeros(np.broadcast(a, b).shape, dtype=np.int64), 1
    while place < q:
        total += (a % add_modulus + b % add_modulus) % add_modulus * place
        a, b, place = a // add_modulus, b // add_modulus, place * add_modulus
    return total


def chunk_digits_for(q: int, degree: int) -> int:
    digits = 1
    while digits < degree and q ** (digits + 1) <= CHUNK_TABLE_ENTRIES:
        digits += 1
    return digits


def multiples(field, constant) -> np.ndarray:
    r"""
    The integer representations of ``constant * e`` for every element ``e`` of
    ``field``, indexed by ``e``'s integer representation. Multiplying by a
    constant is linear over `GF(p)`, so Sage computes only the images of
    `1, z, \ldots, z^{m-1}` and numpy the rest (65536 elements in milliseconds).

    EXAMPLES::

        sage: from sage_lfsr.common.sagemath import GF, element_to_int, int_to_element
        sage: from sage_lfsr.registers.tables import multiples
        sage: for q in (2, 4, 7, 9, 16):
        ....:     K = GF(q, "z"); c = K.gen() + 1 if q > 7 else K(3 % q)
        ....:     assert list(multiples(K, c)) == [element_to_int(c * int_to_element(K, v)) for v in range(q)]
    """
    from sage_lfsr.common import sagemath

    p, q = int(field.characteristic()), int(field.order())
    m = 1
    while p ** m < q:
        m += 1
    places = p ** np.arange(m, dtype=np.int64)
    images = np.array([sagemath.element_to_int(constant * sagemath.int_to_element(field, p ** j)) for j in range(m)],
                      dtype=np.int64)
    image_digits = (images[:, None] // places) % p
    element_digits = (np.arange(q, dtype=np.int64)[:, None] // places) % p
    return ((element_digits @ image_digits) % p) @ places


@dataclass(frozen=True)
class RegisterTables:
    field_order: int
    degree: int
    coefficients: tuple
    add_table: np.ndarray
    feedback_tables: np.ndarray
    chunk_digits: int
    constant: int = 0
    #: 0: add with ``add_table``; else the characteristic, digit-wise addition (q > 256).
    add_modulus: int = 0

    @property
    def state_count(self) -> int:
        return self.field_order ** self.degree

    @property
    def is_singular(self) -> bool:
        return self.coefficients[0] == 0

    @property
    def taps(self) -> int:
        return sum(1 << i for i, c in enumerate(self.coefficients) if c)

    def key(self) -> tuple:
        r"""The register's key (see :meth:`~sage_lfsr.registers.lfsr.LFSR.key`)."""
        key = self.field_order, tuple(self.coefficients)
        return key + (self.constant, "fibonacci") if self.constant else key

    @classmethod
    def from_lfsr(cls, lfsr) -> "RegisterTables":
        r"""
        Build the tables from a :class:`~sage_lfsr.registers.lfsr.LFSR` with Sage arithmetic.

        EXAMPLES::

            sage: from sage_lfsr import LFSR
            sage: from sage_lfsr.registers.tables import RegisterTables
            sage: t = RegisterTables.from_lfsr(LFSR([1, 1], q=4))
            sage: int(t.add_table[2, 3]), t.feedback_tables.shape
            (1, (1, 16))
            sage: t = RegisterTables.from_lfsr(LFSR([3, 1], q=257))
            sage: t.add_modulus, t.add_table.shape, t.feedback_tables.dtype
            (257, (1, 1), dtype('uint16'))

        Registers too large to map are refused before any table is built::

            sage: RegisterTables.from_lfsr(LFSR([1, 1], q=65537))
            Traceback (most recent call last):
            ...
            ValueError: q = 65537 is above the largest field order this package maps, 65536 = 2^16 ...
        """
        from sage_lfsr.common import sagemath
        from sage_lfsr.common.limits import check_mappable

        field, q, degree = lfsr.field, lfsr.field_order, lfsr.degree
        check_mappable(q, degree, MAX_FIELD_ORDER)
        matrix = lfsr.state_update_matrix()
        dtype = element_dtype(q)
        if q <= ADD_TABLE_UP_TO:
            elements = [sagemath.int_to_element(field, value) for value in range(q)]
            add_table, add_modulus = np.array([[sagemath.element_to_int(a + b) for b in elements] for a in elements],
                                              dtype=dtype), 0
        else:
            add_table, add_modulus = np.zeros((1, 1), dtype=dtype), int(field.characteristic())
        feedback_column = [matrix[i, degree - 1] for i in range(degree)]
        digits = chunk_digits_for(q, degree)
        chunk_count = -(-degree // digits)
        feedback_tables = np.zeros((chunk_count, q ** digits), dtype=dtype)
        values = np.arange(q ** digits)
        for chunk in range(chunk_count):
            table = np.zeros(q ** digits, dtype=dtype)
            for offset, position in enumerate(range(chunk * digits, min(degree, (chunk + 1) * digits))):
                contribution = multiples(field, feedback_column[position]).astype(dtype)
                table = add_elements(table, contribution[(values // q ** offset) % q], add_table, add_modulus, q)
            feedback_tables[chunk] = table
        return cls(q, degree, lfsr.key()[1], add_table, feedback_tables, digits,
                   constant=sagemath.element_to_int(lfsr.constant), add_modulus=add_modulus)

    def save(self, path):
        np.savez(path, field_order=self.field_order, coefficients=np.array(self.coefficients),
                 add_table=self.add_table, feedback_tables=self.feedback_tables, chunk_digits=self.chunk_digits,
                 constant=self.constant, add_modulus=self.add_modulus)

    @classmethod
    def load(cls, path) -> "RegisterTables":
        data = np.load(path)
        coefficients = tuple(int(c) for c in data["coefficients"])
        add_modulus = int(data["add_modulus"]) if "add_modulus" in data else 0
        return cls(int(data["field_order"]), len(coefficients), coefficients, data["add_table"],
                   data["feedback_tables"], int(data["chunk_digits"]),
                   int(data["constant"]) if "constant" in data else 0, add_modulus)
