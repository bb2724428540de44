r"""
Compiled successors of nonlinear registers (:class:`~sage_lfsr.registers.fsr_tables.FeedbackTables`).

Each step is one module-level function whose register is entirely in its
parameters (integers and arrays of fixed types), so numba compiles each
traversal once per step kind and every further register reuses that code.
"""
import numba
import numpy as np

from sage_lfsr.common.compiled import popcount


@numba.njit(inline="always")
def binary_anf_step(state, params):
    linear_mask, masks, constant, top_shift = params
    parity = popcount(np.uint64(state & linear_mask)) ^ np.uint64(constant)
    for index in range(masks.shape[0]):
        mask = masks[index]
        parity ^= np.uint64((state & mask) == mask)
    return (state >> 1) | np.int64((parity & np.uint64(1)) << np.uint64(top_shift))


@numba.njit(inline="always")
def general_anf_step(state, params):
    q, top, add, mul, power, coefficients, offsets, places, exponents = params
    feedback = 0
    for monomial in range(coefficients.shape[0]):
        term = coefficients[monomial]
        for factor in range(offsets[monomial], offsets[monomial + 1]):
            term = mul[term, power[(state // places[factor]) % q, exponents[factor]]]
        feedback = add[feedback, term]
    return state // q + top * np.int64(feedback)


@numba.njit(inline="always")
def table_step(state, params):
    q, top, values = params
    return state // q + top * np.int64(values[state])


STEPS = {"binary_anf": binary_anf_step, "general_anf": general_anf_step, "table": table_step}


def step_function(tables):
    r"""The compiled successor and its parameters for :class:`~sage_lfsr.registers.fsr_tables.FeedbackTables`."""
    return STEPS[tables.step_kind], tables.arrays
