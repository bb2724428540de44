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
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: Largest lookup table per chunk of digits (entries); 4096 bytes stay in L1.
CHUNK_TABLE_ENTRIES = 4096


def chunk_digits_for(q: int, degree: int) -> int:
    digits = 1
    while digits < degree and q ** (digits + 1) <= CHUNK_TABLE_ENTRIES:
        digits += 1
    return digits


@dataclass(frozen=True)
class RegisterTables:
    field_order: int
    degree: int
    coefficients: tuple
    add_table: np.ndarray
    feedback_tables: np.ndarray
    chunk_digits: int
    constant: int = 0

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
        r"""The register's key (see :meth:`~sage_lfsr.lfsr.LFSR.key`)."""
        key = self.field_order, tuple(self.coefficients)
        return key + (self.constant, "fibonacci") if self.constant else key

    @classmethod
    def from_lfsr(cls, lfsr) -> "RegisterTables":
        r"""
        Build the tables from a :class:`~sage_lfsr.lfsr.LFSR` with Sage arithmetic.

        EXAMPLES::

            sage: from sage_lfsr import LFSR
            sage: from sage_lfsr.tables import RegisterTables
            sage: t = RegisterTables.from_lfsr(LFSR([1, 1], q=4))
            sage: int(t.add_table[2, 3]), t.feedback_tables.shape
            (1, (1, 16))
        """
        from sage_lfsr import _sage

        field, q, degree = lfsr.field, lfsr.field_order, lfsr.degree
        matrix = lfsr.state_update_matrix()
        elements = [_sage.int_to_element(field, value) for value in range(q)]
        add_table = np.array([[_sage.element_to_int(a + b) for b in elements] for a in elements], dtype=np.uint8)
        feedback_column = [matrix[i, degree - 1] for i in range(degree)]
        digits = chunk_digits_for(q, degree)
        chunk_count = -(-degree // digits)
        feedback_tables = np.zeros((chunk_count, q ** digits), dtype=np.uint8)
        values = np.arange(q ** digits)
        for chunk in range(chunk_count):
            table = np.zeros(q ** digits, dtype=np.uint8)
            for offset, position in enumerate(range(chunk * digits, min(degree, (chunk + 1) * digits))):
                contribution = np.array([_sage.element_to_int(element * feedback_column[position])
                                         for element in elements], dtype=np.uint8)
                table = add_table[table, contribution[(values // q ** offset) % q]]
            feedback_tables[chunk] = table
        return cls(q, degree, lfsr.key()[1], add_table, feedback_tables, digits, _sage.element_to_int(lfsr.constant))

    def save(self, path):
        np.savez(path, field_order=self.field_order, coefficients=np.array(self.coefficients),
                 add_table=self.add_table, feedback_tables=self.feedback_tables, chunk_digits=self.chunk_digits,
                 constant=self.constant)

    @classmethod
    def load(cls, path) -> "RegisterTables":
        data = np.load(path)
        coefficients = tuple(int(c) for c in data["coefficients"])
        return cls(int(data["field_order"]), len(coefficients), coefficients, data["add_table"],
                   data["feedback_tables"], int(data["chunk_digits"]),
                   int(data["constant"]) if "constant" in data else 0)
