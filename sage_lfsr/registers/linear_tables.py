r"""
Integer tables for a general affine map ``state -> state * M + b`` of `GF(q)^d`
(a Galois-form register, any square matrix).

A state index `x = \sum_i x_i q^i` with `q = p^m` is a number of `dm` base-`p`
digits (the integer representation of each field element supplies `m` of them),
and adding two vectors adds those digits modulo `p` without carries. The image
of `x` is the sum over chunks of its digits of the image of each chunk, so
``images[j][v]`` holds the image of chunk ``j`` having value ``v``:

- characteristic 2: the image as a state index, and the sum is XOR;
- odd characteristic: the image's `d` digits packed ``digit_bits`` bits apart,
  added digit by digit through ``add_table``.

A Galois-form register in characteristic 2 takes a shortcut
(``galois_shift``): its image is the state shifted up one cell, XOR the image
of the top cell, ``images[0][a_{d-1}]``.

A Fibonacci-form LFSR (affine or not) keeps the shift tables of
:class:`~sage_lfsr.registers.tables.RegisterTables`; :func:`~sage_lfsr.registers.coercion.describe`
chooses.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: Largest field order of a general map (its q x q addition table of int64: 512 KiB).
MAX_FIELD_ORDER = 256
#: Largest lookup table per chunk of digits (entries of 8 bytes); a few stay in L1.
MAP_CHUNK_ENTRIES = 256


@dataclass(frozen=True)
class LinearMapTables:
    field_order: int
    degree: int
    register_key: tuple
    is_singular: bool
    chunk_digits: int
    images: np.ndarray
    constant: int
    add_table: np.ndarray
    digit_bits: int
    galois_shift: bool = False

    @property
    def state_count(self) -> int:
        return self.field_order ** self.degree

    @property
    def binary(self) -> bool:
        r"""Whether vector addition is XOR of state indices (characteristic 2)."""
        return self.field_order & (self.field_order - 1) == 0

    def key(self) -> tuple:
        return self.register_key

    def compiled_step(self):
        r"""The fast kernel's successor and parameters (see :mod:`sage_lfsr.registers.linear_steps`)."""
        from sage_lfsr.registers.linear_steps import step_function

        return step_function(self)

    @classmethod
    def from_register(cls, register) -> "LinearMapTables":
        r"""
        Build the tables of ``state -> state * M + b'`` for a register with
        ``state_update_matrix()`` and ``constant_vector()``, with Sage arithmetic.

        EXAMPLES::

            sage: from sage_lfsr import LFSR
            sage: from sage_lfsr.registers.linear_tables import LinearMapTables
            sage: t = LinearMapTables.from_register(LFSR([1, 1, 0, 0], constant=1, form="galois"))
            sage: t.galois_shift, t.images.shape, t.constant
            (True, (1, 2), 1)
            sage: int(t.images[0, 1])  # the top cell feeds back into c: x^4 = x + 1
            3
            sage: from sage_lfsr import MatrixRegister
            sage: m = LinearMapTables.from_register(MatrixRegister(matrix(GF(3), [[1, 1, 0], [0, 1, 0], [2, 0, 0]])))
            sage: m.images.shape, m.digit_bits, hex(m.images[0, 1])  # row 0 = (1, 1, 0), packed 2 bits a digit
            ((1, 27), 2, '0x5')
        """
        from sage_lfsr.common import sagemath
        from sage_lfsr.common.limits import check_mappable

        field, q, degree = register.field, register.field_order, register.degree
        check_mappable(q, degree, MAX_FIELD_ORDER, "these tables add field elements through a q x q table")
        matrix = register.state_update_matrix()
        elements = [sagemath.int_to_element(field, value) for value in range(q)]
        digits = 1
        while digits < degree and q ** (digits + 1) <= MAP_CHUNK_ENTRIES:
            digits += 1
        binary = q & (q - 1) == 0
        galois_shift = binary and getattr(register, "form", None) == "galois"
        if galois_shift:
            digits = 1
        chunk_count = -(-degree // digits)
        add_table = np.array([[sagemath.element_to_int(a + b) for b in elements] for a in elements], dtype=np.int64)
        digit_bits = 0 if binary else int(q - 1).bit_length()
        if degree * digit_bits > 63:
            raise ValueError(f"a map of degree {degree} over GF({q}) is too large for the packed tables")

        def encode(vector):
            values = [sagemath.element_to_int(entry) for entry in vector]
            if binary:
                return sum(value * q ** i for i, value in enumerate(values))
            return sum(value << (digit_bits * i) for i, value in enumerate(values))

        def add(first, second):
            if binary:
                return first ^ second
            total = 0
            for i in range(degree):
                shift = digit_bits * i
                mask = (1 << digit_bits) - 1
                total |= int(add_table[(first >> shift) & mask, (second >> shift) & mask]) << shift
            return total

        if galois_shift:  # only the top cell's image: the other cells shift
            images = np.array([[encode(element * matrix.row(degree - 1)) for element in elements]], dtype=np.int64)
            return cls(q, degree, register.key(), bool(register.is_singular), 1, images,
                       encode(register.constant_vector()), add_table, 0, True)
        images = np.zeros((chunk_count, q ** digits), dtype=np.int64)
        for chunk in range(chunk_count):
            positions = range(chunk * digits, min(degree, (chunk + 1) * digits))
            contributions = [[encode(element * matrix.row(position)) for element in elements] for position in positions]
            for value in range(q ** digits):
                image, rest = 0, value
                for contribution in contributions:
                    rest, digit = divmod(rest, q)
                    image = add(image, contribution[digit])
                images[chunk, value] = image
        return cls(q, degree, register.key(), bool(register.is_singular), digits, images,
                   encode(register.constant_vector()), add_table, digit_bits)

