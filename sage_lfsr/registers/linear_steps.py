r"""
Compiled successors of a general affine map ``state -> state * M + b`` read from
:class:`~sage_lfsr.registers.linear_tables.LinearMapTables` (Galois-form registers, any
square matrix). Each is one module-level function whose parameters are arrays,
so numba compiles it once per kind, never per register.

- :func:`xor_map_step` -- characteristic 2: XOR of one image per chunk of bits.
- :func:`galois_xor_step` -- a Galois-form register in characteristic 2: the
  state shifted up one cell, XOR the image of the top cell.
- :func:`digit_map_step` -- odd characteristic: the images' digits, packed
  ``digit_bits`` apart, added one by one through the field's addition table,
  then read back as a state index.
"""
import numba
import numpy as np


@numba.njit(inline="always")
def xor_map_step(state, params):
    chunk_bits, chunk_mask, images, constant = params
    image, rest = constant, state
    for chunk in range(images.shape[0]):
        image ^= images[chunk, rest & chunk_mask]
        rest >>= chunk_bits
    return image


@numba.njit(inline="always")
def galois_xor_step(state, params):
    cell_bits, state_mask, top_shift, top_images, constant = params
    return ((state << cell_bits) & state_mask) ^ top_images[0, state >> top_shift] ^ constant


@numba.njit(inline="always")
def digit_map_step(state, params):
    q, chunk_size, degree, digit_bits, add_table, images, constant = params
    digit_mask = (np.int64(1) << digit_bits) - 1
    packed, rest = constant, state
    for chunk in range(images.shape[0]):
        addend = images[chunk, rest % chunk_size]
        rest //= chunk_size
        total = np.int64(0)
        for position in range(degree):
            shift = digit_bits * position
            total |= add_table[(packed >> shift) & digit_mask, (addend >> shift) & digit_mask] << shift
        packed = total
    image = np.int64(0)
    for position in range(degree - 1, -1, -1):
        image = image * q + ((packed >> (digit_bits * position)) & digit_mask)
    return image


def step_function(tables):
    r"""The compiled successor and its parameters for :class:`~sage_lfsr.registers.linear_tables.LinearMapTables`."""
    q = tables.field_order
    if tables.galois_shift:
        cell_bits = q.bit_length() - 1
        return galois_xor_step, (np.int64(cell_bits), np.int64((1 << (cell_bits * tables.degree)) - 1),
                                 np.int64(cell_bits * (tables.degree - 1)), tables.images, np.int64(tables.constant))
    if tables.binary:
        bits = (q.bit_length() - 1) * tables.chunk_digits
        return xor_map_step, (np.int64(bits), np.int64((1 << bits) - 1), tables.images, np.int64(tables.constant))
    return digit_map_step, (np.int64(q), np.int64(q ** tables.chunk_digits), np.int64(tables.degree),
                            np.int64(tables.digit_bits), tables.add_table, tables.images, np.int64(tables.constant))
