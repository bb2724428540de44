r"""
Batch kernels: many small registers mapped (or walked) in one compiled call.

A task of a census holds registers of one *encoding*, field and degree, packed
into arrays (:func:`pack`); one numba call then runs every register of the task,
with no Python object per state and no compilation per register:

- ``"anf"`` -- binary registers (linear, affine, nonlinear): a linear mask, a
  constant bit and the masks of the nonlinear monomials (CSR: ``monomials``,
  ``offsets``). The feedback is the parity of ``state & linear`` XOR the
  constant XOR one AND per monomial (``state & m == m``);
- ``"truth"`` -- binary registers given by truth tables (one byte per state);
- ``"gfq"`` -- LFSRs over `GF(q)`, `q > 2`: coefficients and constants as integer
  representations with the field's addition and multiplication tables; each
  register's feedback is read a chunk of digits at a time from lookup tables
  built inside the call (as in :mod:`sage_lfsr.registers.tables`);
- ``"successor"`` -- any other register (FSRs and matrices over `GF(q)`,
  `q > 2`, Galois-form LFSRs): its table of `q^d` next-state indices, filled
  in by the fast kernel's compiled step for that register (:func:`successor_table`).

Each encoding has a ``setup(params, r)`` (the values of register ``r``, hoisted
out of the walk) and a ``step(state, row)``. Two traversals, written once in
plain Python over ``setup`` and ``step``, are compiled for each encoding
(``MAP``, ``PERIOD``; cached on disk under a name per encoding by
:func:`~sage_lfsr.common.compiled.specialize`, so a process loads them instead
of compiling):

- :func:`map_registers` -- every state of every register: the cycle lengths and
  the depth of every state (its distance to its cycle), as ``(value, count)``
  pairs per register. One walk per unvisited start, marking the states of the
  walk with their position, so a cycle is recognised (and measured) where the
  walk meets itself and every state is stepped from once;
- :func:`period_registers` -- the steps until one start state comes back (the
  walk of maximum-period searches, O(1) memory), ``-1`` when it does not within
  ``q^d`` steps (the start is transient).
"""
from __future__ import annotations

from typing import NamedTuple


import numba
import numpy as np

from sage_lfsr.common.compiled import cached_njit, specialize
from sage_lfsr.common.compiled import popcount
from sage_lfsr.registers.tables import chunk_digits_for

ENCODINGS = ("anf", "truth", "gfq", "matrix", "successor")
#: Largest state space a census maps per register (depths and walk positions are int32).
MAX_MAP_STATES = 1 << 30


# ---------------------------------------------------------------- successors

ANF, TRUTH, GFQ, MATRIX, SUCCESSOR = 0, 1, 2, 3, 4
ENCODING_CODES = {"anf": ANF, "truth": TRUTH, "gfq": GFQ, "matrix": MATRIX, "successor": SUCCESSOR}
ENCODING_NAMES = {code: name for name, code in ENCODING_CODES.items()}


class Params(NamedTuple):
    r"""
    The registers of a task as arrays; the fields of the other encodings are
    empty, so one compiled (and cached) function serves every encoding.
    """

    encoding: int
    degree: int
    #: "anf": per register, the linear mask, the constant, and CSR monomial masks;
    #: "matrix": the CSR holds the column masks of each register (binary matrices).
    linear: np.ndarray
    constants: np.ndarray
    monomials: np.ndarray
    offsets: np.ndarray
    #: "truth": one byte per state and register.
    tables: np.ndarray
    #: "gfq": coefficients (integer representations), the field's tables, digits per lookup chunk.
    coefficients: np.ndarray
    add: np.ndarray
    mul: np.ndarray
    digits: int
    #: "successor": ``successors[r, s]`` is the index of the state after state ``s`` under register ``r``.
    successors: np.ndarray


@numba.njit(inline="always")
def anf_setup(params, r):
    return (params.linear[r], params.constants[r], params.monomials[params.offsets[r]:params.offsets[r + 1]],
            params.degree - 1)


@numba.njit(inline="always")
def anf_step(state, row):
    linear, constant, monomials, top = row
    feedback = np.int64(popcount(np.uint64(state & linear)) & np.uint64(1)) ^ constant
    for mask in monomials:
        if state & mask == mask:
            feedback ^= 1
    return (state >> 1) | (feedback << top)


@numba.njit(inline="always")
def truth_setup(params, r):
    return params.tables[r], params.degree - 1


@numba.njit(inline="always")
def truth_step(state, row):
    table, top = row
    return (state >> 1) | (np.int64(table[state]) << top)


@numba.njit(inline="always")
def gfq_setup(params, r):
    r"""Register ``r``: ``tables[chunk, v]`` is the feedback that chunk ``v`` of digits contributes."""
    q, degree, digits = params.add.shape[0], params.degree, params.digits
    chunk_size = q ** digits
    chunk_count = (degree + digits - 1) // digits
    tables = np.zeros((chunk_count, chunk_size), dtype=np.uint8)
    for chunk in range(chunk_count):
        power, position = 1, 0  # each value from the value without its top digit
        for value in range(1, chunk_size):
            if value == power * q:
                power *= q
                position += 1
            digit = value // power
            index = chunk * digits + position
            term = params.mul[params.coefficients[r, index], digit] if index < degree else 0
            tables[chunk, value] = params.add[tables[chunk, value - digit * power], term]
    return q, chunk_size, q ** (degree - 1), params.add, tables, np.int64(params.constants[r])


@numba.njit(inline="always")
def gfq_step(state, row):
    q, chunk_size, top, add, tables, constant = row
    feedback, rest = constant, state
    for chunk in range(tables.shape[0]):
        feedback = np.int64(add[feedback, tables[chunk, rest % chunk_size]])
        rest //= chunk_size
    return state // q + top * feedback


@numba.njit(inline="always")
def matrix_setup(params, r):
    return params.monomials[params.offsets[r]:params.offsets[r + 1]]


@numba.njit(inline="always")
def matrix_step(state, columns):
    following = 0
    for column in range(columns.shape[0]):
        following |= np.int64(popcount(np.uint64(state & columns[column])) & np.uint64(1)) << column
    return following


@numba.njit(inline="always")
def successor_setup(params, r):
    return params.successors[r]


@numba.njit(inline="always")
def successor_step(state, successors):
    return np.int64(successors[state])


SUCCESSORS = {"anf": (anf_setup, anf_step), "truth": (truth_setup, truth_step), "gfq": (gfq_setup, gfq_step),
              "matrix": (matrix_setup, matrix_step), "successor": (successor_setup, successor_step)}


def successor_table(spec) -> np.ndarray:
    r"""
    The next-state index of every state of ``spec``'s register (int32), from the
    fast kernel's compiled step: one Sage object per register, none per state.

    EXAMPLES::

        sage: from sage_lfsr.census.kernels import successor_table
        sage: from sage_lfsr.census.registers import parse_register
        sage: successor_table(parse_register("fsr q=3 d=2 f=x0 + 2*x1^2")).tolist()
        [0, 3, 6, 7, 1, 4, 8, 2, 5]
    """
    from sage_lfsr.engine.kernels import make_kernel

    return make_kernel("fast", spec.register()).successors().astype(np.int32)


# ---------------------------------------------------------------- traversals

def _append_pair(pairs, used, first, second):
    if used == pairs.shape[0]:
        bigger = np.empty((2 * used, 2), dtype=np.int64)
        bigger[:used] = pairs
        pairs = bigger
    pairs[used, 0] = first
    pairs[used, 1] = second
    return pairs


_append_pair = cached_njit(_append_pair)


def map_registers(params, count, state_count):
    r"""
    Map ``count`` registers of ``state_count`` states each. Returns
    ``(cycle_pairs, cycle_offsets, depth_pairs, depth_offsets, steps)``: register
    ``r`` has ``cycle_pairs[cycle_offsets[r]:cycle_offsets[r + 1]]`` as
    ``(cycle length, number of cycles)`` and likewise ``(depth, number of states)``.
    """
    depth = np.empty(state_count, dtype=np.int32)  # -1 unknown, -2 - i: i-th state of the current walk
    path = np.empty(state_count, dtype=np.int32)
    lengths = np.empty(state_count, dtype=np.int64)
    histogram = np.zeros(state_count + 1, dtype=np.int64)
    cycle_pairs = np.empty((16, 2), dtype=np.int64)
    depth_pairs = np.empty((16, 2), dtype=np.int64)
    cycle_offsets = np.zeros(count + 1, dtype=np.int64)
    depth_offsets = np.zeros(count + 1, dtype=np.int64)
    cycles_used, depths_used, steps = 0, 0, 0
    for r in range(count):
        row = setup(params, r)
        depth[:] = -1
        cycle_count, deepest = 0, 0
        for start in range(state_count):
            if depth[start] != -1:
                continue
            state, walked = start, 0
            while depth[state] == -1:
                depth[state] = -2 - walked
                path[walked] = state
                walked += 1
                state = step(state, row)
            steps += walked
            met = depth[state]
            if met <= -2:  # the walk met itself: a new cycle from that position on
                position = -2 - met
                lengths[cycle_count] = walked - position
                cycle_count += 1
                for i in range(position, walked):
                    depth[path[i]] = 0
                tail, base = position, 0
            else:
                tail, base = walked, met
            for i in range(tail):
                depth[path[i]] = base + tail - i
            deepest = max(deepest, base + tail)
        ordered = np.sort(lengths[:cycle_count])
        i = 0
        while i < cycle_count:
            j = i
            while j < cycle_count and ordered[j] == ordered[i]:
                j += 1
            cycle_pairs = _append_pair(cycle_pairs, cycles_used, ordered[i], j - i)
            cycles_used += 1
            i = j
        cycle_offsets[r + 1] = cycles_used
        histogram[:deepest + 1] = 0
        for state in range(state_count):
            histogram[depth[state]] += 1
        for level in range(deepest + 1):
            if histogram[level]:
                depth_pairs = _append_pair(depth_pairs, depths_used, level, histogram[level])
                depths_used += 1
        depth_offsets[r + 1] = depths_used
    return cycle_pairs[:cycles_used].copy(), cycle_offsets, depth_pairs[:depths_used].copy(), depth_offsets, steps


def period_registers(params, count, state_count, start):
    r"""
    The period of ``start`` under each of ``count`` registers (``-1`` where
    ``start`` is transient) and the steps walked, as ``(periods, steps)``.
    """
    periods = np.empty(count, dtype=np.int64)
    steps = 0
    for r in range(count):
        row = setup(params, r)
        state, walked = step(start, row), 1
        while state != start and walked < state_count:
            state = step(state, row)
            walked += 1
        steps += walked
        periods[r] = walked if state == start else -1
    return periods, steps


def _specialize(traversal, encoding):
    r"""``traversal`` compiled with the ``setup`` and ``step`` of ``encoding``, cached under a name of its own."""
    setup, step = SUCCESSORS[encoding]
    return specialize(traversal, f"{traversal.__name__}_{encoding}", setup=setup, step=step)


MAP = {encoding: _specialize(map_registers, encoding) for encoding in ENCODINGS}
PERIOD = {encoding: _specialize(period_registers, encoding) for encoding in ENCODINGS}


# ---------------------------------------------------------------- packing

def encoding_of(spec) -> str:
    r"""
    The batch encoding of a spec: ``"anf"``, ``"truth"``, ``"gfq"``, ``"matrix"`` or ``"successor"``.

    EXAMPLES::

        sage: from sage_lfsr.census.kernels import encoding_of
        sage: from sage_lfsr.census.registers import parse_register
        sage: [encoding_of(parse_register(t)) for t in ("lfsr q=2 c=1,1", "lfsr q=3 c=1,1", "fsr d=2 tt=0x6",
        ....:                                           "fsr q=3 d=2 f=x0*x1", "lfsr q=2 c=1,1 form=galois")]
        ['anf', 'gfq', 'truth', 'successor', 'successor']
    """
    if hasattr(spec, "key"):
        return "successor"
    if spec.kind == "lfsr":
        return "anf" if spec.q == 2 else "gfq"
    if spec.kind == "matrix":
        return "matrix"
    return "truth" if hasattr(spec, "table") else "anf"


def _binary_parts(spec):
    if spec.kind == "lfsr":
        return sum(1 << i for i, c in enumerate(spec.coefficients) if c), spec.constant, ()
    return spec.linear_mask, spec.constant, spec.nonlinear_masks


def _field_tables(q):
    r"""Addition and multiplication tables of `GF(q)` on integer representations (Sage builds them)."""
    from sage_lfsr.common import sagemath

    field = sagemath.GF(q, "z") if not sagemath.Integer(q).is_prime() else sagemath.GF(q)
    elements = [sagemath.int_to_element(field, value) for value in range(q)]
    add = np.array([[sagemath.element_to_int(a + b) for b in elements] for a in elements], dtype=np.uint8)
    mul = np.array([[sagemath.element_to_int(a * b) for b in elements] for a in elements], dtype=np.uint8)
    return add, mul


_FIELD_TABLES = {}


_NO_INT = np.zeros(0, dtype=np.int64)
_NO_TABLE = np.zeros((0, 0), dtype=np.uint8)
_NO_SUCCESSORS = np.zeros((0, 0), dtype=np.int32)


def pack_tables(degree, words) -> Params:
    r"""
    The :class:`Params` of binary truth-table registers of ``degree`` at most 6,
    their tables given as ``uint64`` words (bit `s` is the feedback at state `s`).

    EXAMPLES::

        sage: import numpy as np
        sage: from sage_lfsr.census.kernels import pack_tables
        sage: pack_tables(2, np.array([0b0110], dtype=np.uint64)).tables.tolist()
        [[0, 1, 1, 0]]
    """
    words = np.ascontiguousarray(words, dtype="<u8")
    tables = np.unpackbits(words.view(np.uint8).reshape(-1, 8), axis=1, bitorder="little")[:, :1 << degree]
    tables = np.ascontiguousarray(tables)
    return Params(np.int64(ENCODING_CODES["truth"]), np.int64(degree), _NO_INT, _NO_INT, _NO_INT,
                  np.zeros(len(words) + 1, dtype=np.int64), tables, np.zeros((0, 0), dtype=np.int64), _NO_TABLE,
                  _NO_TABLE, np.int64(1), _NO_SUCCESSORS)


def pack(encoding, q, degree, specs) -> Params:
    r"""The :class:`Params` of ``specs`` (all of one encoding, field and degree)."""
    count = len(specs)
    linear = constants = monomials = _NO_INT
    offsets = np.zeros(count + 1, dtype=np.int64)
    tables, coefficients, add, mul, digits = _NO_TABLE, np.zeros((0, 0), dtype=np.int64), _NO_TABLE, _NO_TABLE, 1
    successors = _NO_SUCCESSORS
    if encoding == "successor":
        successors = np.empty((count, q ** degree), dtype=np.int32)
        for row, spec in enumerate(specs):
            successors[row] = successor_table(spec)
    elif encoding == "matrix":
        offsets[1:] = degree * np.arange(1, count + 1)
        monomials = np.array([spec.columns for spec in specs], dtype=np.int64).reshape(-1)
    elif encoding == "anf":
        parts = [_binary_parts(spec) for spec in specs]
        linear = np.array([p[0] for p in parts], dtype=np.int64)
        constants = np.array([p[1] for p in parts], dtype=np.int64)
        offsets[1:] = np.cumsum([len(p[2]) for p in parts])
        monomials = np.array([m for p in parts for m in p[2]], dtype=np.int64)
    elif encoding == "truth":
        if degree <= 6:  # a table fits in 64 bits: unpack all at once
            return pack_tables(degree, np.array([spec.table for spec in specs], dtype=np.uint64))
        else:
            tables = np.empty((count, 1 << degree), dtype=np.uint8)
        for row, spec in enumerate(specs if degree > 6 else ()):
            tables[row] = np.unpackbits(np.frombuffer(spec.table.to_bytes(((1 << degree) + 7) // 8, "little"),
                                                      dtype=np.uint8), bitorder="little")[:1 << degree]
    elif encoding == "gfq":
        if q not in _FIELD_TABLES:
            _FIELD_TABLES[q] = _field_tables(q)
        add, mul = _FIELD_TABLES[q]
        coefficients = np.array([spec.coefficients for spec in specs], dtype=np.int64).reshape(count, degree)
        constants = np.array([spec.constant for spec in specs], dtype=np.int64)
        digits = chunk_digits_for(q, degree)
    else:
        raise ValueError(f"unknown encoding {encoding!r}: choose one of {', '.join(ENCODINGS)}")
    return Params(np.int64(ENCODING_CODES[encoding]), np.int64(degree), linear, constants, monomials, offsets,
                  tables, coefficients, add, mul, np.int64(digits), successors)


def map_params(params, count, state_count):
    r""":func:`map_registers` over packed ``params``, the state space checked first."""
    if state_count > MAX_MAP_STATES:
        raise ValueError(f"a census maps registers of up to {MAX_MAP_STATES} states, not {state_count}")
    return MAP[ENCODING_NAMES[int(params.encoding)]](params, count, state_count)


def period_params(params, count, state_count, start):
    r""":func:`period_registers` over packed ``params`` from state index ``start``."""
    if not 0 <= start < state_count:
        raise ValueError(f"the start state {start} is outside 0..{state_count - 1}")
    return PERIOD[ENCODING_NAMES[int(params.encoding)]](params, count, state_count, np.int64(start))


def run_map(encoding, q, degree, specs):
    r"""
    :func:`map_registers` over ``specs``.

    EXAMPLES::

        sage: from sage_lfsr.census.kernels import run_map
        sage: from sage_lfsr.census.registers import parse_register
        sage: cycles, cycle_offsets, depths, depth_offsets, steps = run_map(
        ....:     "anf", 2, 4, [parse_register("lfsr q=2 c=1,1,0,0"), parse_register("lfsr q=2 c=0,0,1,1")])
        sage: cycles.tolist(), cycle_offsets.tolist()
        ([[1, 1], [15, 1], [1, 1], [3, 1]], [0, 2, 4])
        sage: depths[depth_offsets[1]:].tolist(), steps
        ([[0, 4], [1, 4], [2, 8]], 32)
    """
    q, degree = int(q), int(degree)
    return map_params(pack(encoding, q, degree, specs), len(specs), q ** degree)


def run_period(encoding, q, degree, specs, start):
    r"""
    :func:`period_registers` over ``specs`` from state index ``start``.

    EXAMPLES::

        sage: from sage_lfsr.census.kernels import run_period
        sage: from sage_lfsr.census.registers import parse_register
        sage: specs = [parse_register("fsr d=4 f=x0+x1+x1*x2"), parse_register("lfsr q=2 c=0,0,1,1")]
        sage: periods, steps = run_period("anf", 2, 4, specs, 1)
        sage: periods.tolist()
        [8, -1]
        sage: run_period("gfq", 3, 2, [parse_register("lfsr q=3 c=1,1")], 1)[0].tolist()
        [8]
    """
    q, degree = int(q), int(degree)
    return period_params(pack(encoding, q, degree, specs), len(specs), q ** degree, int(start))
