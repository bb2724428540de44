r"""
The ``fast`` kernel: the traversals of :mod:`~sage_lfsr.kernels.traversal`
compiled by numba, over integer states, with the successor read from
:class:`~sage_lfsr.tables.RegisterTables`.

Over `GF(2)` the feedback bit is the parity of ``state & taps`` (one ``popcnt``);
over other fields the digits are read a chunk at a time through lookup tables;
both start from the constant of an affine register. Tables of other kinds bring
their own successor (``tables.compiled_step()``, e.g. :mod:`~sage_lfsr.kernels.linear_steps`).
"""
import numba
import numpy as np
from numba import types
from numba.extending import intrinsic
from numba.typed import List

from sage_lfsr.kernels import traversal
from sage_lfsr.kernels.base import Kernel


@intrinsic
def _popcount(typingctx, value):
    def codegen(context, builder, signature, args):
        return builder.ctpop(args[0])
    return types.uint64(types.uint64), codegen


@numba.njit(inline="always")
def binary_step(state, params):
    taps, top_shift, constant = params
    feedback = (_popcount(np.uint64(state & taps)) & np.uint64(1)) ^ np.uint64(constant)
    return (state >> 1) | np.int64(feedback << np.uint64(top_shift))


@numba.njit(inline="always")
def general_step(state, params):
    q, chunk_size, top, add_table, feedback_tables, constant = params
    feedback, rest = constant, state
    for chunk in range(feedback_tables.shape[0]):
        feedback = add_table[feedback, feedback_tables[chunk, rest % chunk_size]]
        rest //= chunk_size
    return state // q + top * np.int64(feedback)


@numba.njit(inline="always")
def digitwise_step(state, params):
    r"""``general_step`` for q > 256: field elements added digit-wise in base p (no q x q table)."""
    q, chunk_size, top, p, feedback_tables, constant = params
    feedback, rest = constant, state
    for chunk in range(feedback_tables.shape[0]):
        a, b = feedback, np.int64(feedback_tables[chunk, rest % chunk_size])
        if p == 2:
            feedback = a ^ b
        else:
            feedback, place = np.int64(0), np.int64(1)
            while place < q:
                feedback += (a % p + b % p) % p * place
                a, b, place = a // p, b // p, place * p
        rest //= chunk_size
    return state // q + top * feedback


@numba.njit(inline="always")
def is_distinguished(state, dbits):
    if dbits == 0:
        return False
    return (np.uint64(state) * np.uint64(traversal.GOLDEN)) >> np.uint64(64 - dbits) == np.uint64(0)


traversal_is_marked = numba.njit(inline="always")(traversal.is_marked)
traversal_mark = numba.njit(inline="always")(traversal.mark)
traversal_is_covered = numba.njit(inline="always")(traversal.is_covered)
traversal_covered_byte = numba.njit(inline="always")(traversal.covered_byte)


def _compile(function):
    # The traversal module's helpers resolve to their compiled versions.
    globals_ = dict(function.__globals__, is_distinguished=is_distinguished,
                    is_marked=traversal_is_marked, mark=traversal_mark,
                    is_covered=traversal_is_covered, covered_byte=traversal_covered_byte)
    rebuilt = type(function)(function.__code__, globals_, function.__name__)
    return numba.njit(nogil=True)(rebuilt)


_sweep_cycles = _compile(traversal.sweep_cycles)
_trace_segments = _compile(traversal.trace_segments)
_trace_trees = _compile(traversal.trace_trees)


def step_function(tables):
    r"""The compiled successor and its parameters for ``tables``."""
    if hasattr(tables, "compiled_step"):
        return tables.compiled_step()
    if tables.field_order == 2:
        return binary_step, (np.int64(tables.taps), np.int64(tables.degree - 1), np.int64(tables.constant))
    q = tables.field_order
    sizes = (np.int64(q), np.int64(q ** tables.chunk_digits), np.int64(q ** (tables.degree - 1)))
    if tables.add_modulus:
        return digitwise_step, sizes + (np.int64(tables.add_modulus), tables.feedback_tables, np.int64(tables.constant))
    return general_step, sizes + (tables.add_table, tables.feedback_tables, np.int64(tables.constant))


@numba.njit(cache=True)
def _to_array(pairs, width):
    array = np.empty((len(pairs), width), dtype=np.int64)
    for row in range(len(pairs)):
        for column in range(width):
            array[row, column] = pairs[row][column]
    return array


#: ``(step function, depth type)`` pairs whose traversals are compiled in this process.
_WARMED_STEPS = set()


class FastKernel(Kernel):
    name = "fast"
    step_seconds = 1e-8
    calibration_sample = (1 << 14, 10)

    def __init__(self, register):
        super().__init__(register)
        self._step, self._params = step_function(register.tables)

    def warm_up(self):
        r"""
        Compile every traversal for this successor now, so forked workers inherit
        the code. Once per step function: its parameters have the same types for
        every register, so a later register of the same kind has nothing to compile.
        """
        depth_dtype = np.dtype(getattr(self.register, "depth_dtype", np.uint8))
        if (self._step, depth_dtype) in _WARMED_STEPS:
            return
        bitmap = np.zeros((1, 1), dtype=np.uint8)
        self.sweep_cycles(0, 0, bitmap[0], bitmap, 0)
        self.trace_segments(0, 0, bitmap[0], 0)
        self.trace_trees(0, 0, np.zeros(1, dtype=depth_dtype), bitmap[0])
        _WARMED_STEPS.add((self._step, depth_dtype))

    def successor(self, state: int) -> int:
        return int(self._step(np.int64(state), self._params))

    def sweep_cycles(self, lo, hi, visited, covered, dbits, own_marks=True):
        cycles = List.empty_list(types.UniTuple(types.int64, 2))
        steps = _sweep_cycles(self._step, self._params, lo, hi, visited, covered, dbits, own_marks, cycles)
        return _to_array(cycles, 2), steps

    def trace_segments(self, lo, hi, visited, dbits):
        segments = List.empty_list(types.UniTuple(types.int64, 4))
        steps = _trace_segments(self._step, self._params, lo, hi, visited, dbits, segments)
        return _to_array(segments, 4), steps

    def trace_trees(self, lo, hi, depths, seen):
        cycles = List.empty_list(types.UniTuple(types.int64, 2))
        steps = _trace_trees(self._step, self._params, lo, hi, depths, seen, cycles)
        return _to_array(cycles, 2), steps
