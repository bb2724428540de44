r"""
The ``fast`` kernel: the traversals of :mod:`~sage_lfsr.engine.kernels.traversal`
compiled by numba, over integer states, with the successor read from
:class:`~sage_lfsr.registers.tables.RegisterTables`.

Over `GF(2)` the feedback bit is the parity of ``state & taps`` (one ``popcnt``);
over other fields the digits are read a chunk at a time through lookup tables;
both start from the constant of an affine register. Tables of other kinds bring
their own successor (``tables.compiled_step()``, e.g. :mod:`~sage_lfsr.registers.linear_steps`).

Each kind of successor gets its own compiled traversals
(:func:`compiled_traversals`), shared by every register of that kind and cached
on disk (:mod:`~sage_lfsr.common.compiled`), so a fresh process loads them.
"""
from typing import NamedTuple

import numba
import numpy as np
from numba import types
from numba.core import cgutils
from numba.extending import intrinsic
from numba.typed import List

from sage_lfsr.engine.kernels import traversal
from sage_lfsr.engine.kernels.base import Kernel
from sage_lfsr.common.compiled import popcount, rebind, specialize


@intrinsic
def _load_atomic(typingctx, array, index):
    # A monotonic atomic load: a plain load in a loop that writes nothing may be
    # read once and kept (a wait on another worker's write would never end).
    def codegen(context, builder, signature, args):
        array_type = signature.args[0]
        data = context.make_array(array_type)(context, builder, args[0])
        pointer = cgutils.get_item_pointer(context, builder, array_type, data, [args[1]])
        return builder.load_atomic(pointer, "monotonic", array_type.dtype.bitwidth // 8)
    return array.dtype(array, types.int64), codegen


@numba.njit(inline="always")
def binary_step(state, params):
    taps, top_shift, constant = params
    feedback = (popcount(np.uint64(state & taps)) & np.uint64(1)) ^ np.uint64(constant)
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


@numba.njit(inline="always")
def distinguished_limit(dbits):
    return np.uint64(1) << np.uint64(64 - dbits)


@numba.njit(inline="always")
def hashed_below(state, limit):
    return np.uint64(state) * np.uint64(traversal.GOLDEN) < limit


# Unsigned indices: a signed one costs a test for negative (wrap-around) indices at every step.
@numba.njit(inline="always")
def traversal_is_marked(bitmap, state):
    index = np.uint64(state)
    return (bitmap[index >> np.uint64(3)] >> (index & np.uint64(7))) & np.uint64(1) == np.uint64(1)


@numba.njit(inline="always")
def traversal_mark(bitmap, state):
    index = np.uint64(state)
    bitmap[index >> np.uint64(3)] |= np.uint8(1) << np.uint8(index & np.uint64(7))


traversal_is_covered = numba.njit(inline="always")(traversal.is_covered)
traversal_covered_byte = numba.njit(inline="always")(traversal.covered_byte)
traversal_wait_while = numba.njit(inline="always")(rebind(traversal.wait_while, "wait_while", read_depth=_load_atomic))


def _compile(function):
    # The traversal module's helpers resolve to their compiled versions.
    return numba.njit(nogil=True, inline="always")(rebind(
        function, function.__name__, is_distinguished=is_distinguished, is_marked=traversal_is_marked,
        mark=traversal_mark, is_covered=traversal_is_covered, covered_byte=traversal_covered_byte,
        distinguished_limit=distinguished_limit, hashed_below=hashed_below,
        wait_while=traversal_wait_while))


# The traversals with the step as an argument, inlined into each step kind's
# traversals below, where the step is a global: with a compiled function as an
# argument, a traversal called from Python is cached under a key that no later
# process finds, and one called from compiled code cannot be cached at all.
_sweep_cycles = _compile(traversal.sweep_cycles)
_trace_segments = _compile(traversal.trace_segments)
_trace_trees = _compile(traversal.trace_trees)
_successors = _compile(traversal.successors)

PAIR, QUADRUPLE = types.UniTuple(types.int64, 2), types.UniTuple(types.int64, 4)


@numba.njit
def _to_array(tuples, width):
    array = np.empty((len(tuples), width), dtype=np.int64)
    for row in range(len(tuples)):
        for column in range(width):
            array[row, column] = tuples[row][column]
    return array


# Templates of one step kind's traversals: ``step`` is a global that
# :func:`compiled_traversals` sets (a compile-time constant). The lists of
# results are made here rather than by the caller: a typed list made in Python
# costs a compilation in every process.
step = None


def sweep_cycles_template(params, lo, hi, visited, covered, dbits, own_marks):
    cycles = List.empty_list(PAIR)
    steps = _sweep_cycles(step, params, lo, hi, visited, covered, dbits, own_marks, cycles)
    return _to_array(cycles, 2), steps


def trace_segments_template(params, lo, hi, visited, dbits):
    segments = List.empty_list(QUADRUPLE)
    steps = _trace_segments(step, params, lo, hi, visited, dbits, segments)
    return _to_array(segments, 4), steps


def trace_trees_template(params, lo, hi, depths, seen):
    cycles = List.empty_list(PAIR)
    steps = _trace_trees(step, params, lo, hi, depths, seen, cycles)
    return _to_array(cycles, 2), steps


def successors_template(params, first, out):
    _successors(step, params, first, out)


class Traversals(NamedTuple):
    r"""One step kind's compiled traversals (each cached on disk under its own name)."""

    sweep_cycles: object
    trace_segments: object
    trace_trees: object
    successors: object


_TRAVERSALS = {}


def compiled_traversals(step_kind) -> Traversals:
    r"""
    The traversals of :mod:`~sage_lfsr.engine.kernels.traversal` with the successor
    ``step_kind`` built in: one set per step kind, for every register of that
    kind, loaded from numba's on-disk cache where an earlier process compiled them.

    EXAMPLES::

        sage: from sage_lfsr.engine.kernels.fast import binary_step, compiled_traversals
        sage: compiled_traversals(binary_step) is compiled_traversals(binary_step)
        True
    """
    if step_kind not in _TRAVERSALS:
        suffix = f"{step_kind.py_func.__module__.rsplit('.', 1)[-1]}_{step_kind.__name__}"
        _TRAVERSALS[step_kind] = Traversals(*(
            specialize(template, f"{name}__{suffix}", step=step_kind) for name, template in (
                ("sweep_cycles", sweep_cycles_template), ("trace_segments", trace_segments_template),
                ("trace_trees", trace_trees_template), ("successors", successors_template))))
    return _TRAVERSALS[step_kind]


def all_traversals() -> tuple:
    r"""Every compiled traversal built in this process (to count compilations and cache loads)."""
    return tuple(function for traversals in _TRAVERSALS.values() for function in traversals)


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


#: ``(step function, singular, depth type)`` whose traversals are compiled in this process.
_WARMED_STEPS = set()


class FastKernel(Kernel):
    name = "fast"
    step_seconds = 1e-8
    calibration_sample = (1 << 14, 10)

    def __init__(self, register):
        super().__init__(register)
        self._step, self._params = step_function(register.tables)
        self._traversals = compiled_traversals(self._step)

    def warm_up(self):
        r"""
        Compile (or load from the on-disk cache) the traversals that maps of
        this register run, so forked workers inherit the code: ``trace_trees``
        for a singular register, else ``sweep_cycles`` and ``trace_segments``
        (split runs and the planner's calibration). Once per step function: its
        parameters have the same types for every register, so a later register
        of the same kind has nothing to compile.
        """
        singular = bool(self.register.singular)
        depth_dtype = np.dtype(getattr(self.register, "depth_dtype", np.uint8))
        if (self._step, singular, depth_dtype) in _WARMED_STEPS:
            return
        bitmap = np.zeros((1, 1), dtype=np.uint8)
        if singular:
            self.trace_trees(0, 0, np.zeros(1, dtype=depth_dtype), bitmap[0])
        else:
            self.sweep_cycles(0, 0, bitmap[0], bitmap, 0)
            self.trace_segments(0, 0, bitmap[0], 0)
        _WARMED_STEPS.add((self._step, singular, depth_dtype))

    def successor(self, state: int) -> int:
        return int(self.successors(state, 1)[0])

    def successors(self, first=0, count=None) -> np.ndarray:
        r"""
        The successors of states ``first, ..., first + count - 1`` (default: every state), int64.

        EXAMPLES::

            sage: from sage_lfsr import FSR
            sage: from sage_lfsr.engine.kernels import make_kernel
            sage: register = FSR("x0 + x1*x2", 3)
            sage: make_kernel("fast", register).successors().tolist()
            [0, 4, 1, 5, 2, 6, 7, 3]
            sage: _ == [register.successor(index) for index in range(8)]
            True
        """
        if count is None:
            count = self.register.state_count - first
        out = np.empty(count, dtype=np.int64)
        self._traversals.successors(self._params, np.int64(first), out)
        return out

    def sweep_cycles(self, lo, hi, visited, covered, dbits, own_marks=True):
        return self._traversals.sweep_cycles(self._params, lo, hi, visited, covered, dbits, own_marks)

    def trace_segments(self, lo, hi, visited, dbits):
        return self._traversals.trace_segments(self._params, lo, hi, visited, dbits)

    def trace_trees(self, lo, hi, depths, seen):
        return self._traversals.trace_trees(self._params, lo, hi, depths, seen)
