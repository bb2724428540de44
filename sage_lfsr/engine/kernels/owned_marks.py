r"""
Traversals for workers that share no memory and hold no bitmap of the whole
space (Dask across machines): each worker *owns* blocks of states and keeps
the visited marks of its own states only.

Ownership: the states are cut into blocks of ``block`` states dealt round-robin
to the ``workers`` owners, so state `s` belongs to owner ``(s // block) % workers``
and is bit ``(s // (block * workers)) * block + s % block`` of that owner's
bitmap (:func:`owner_of`, :func:`local_index`).

- :func:`trace_owned_segments` -- the segments of long cycles, as
  :func:`~sage_lfsr.engine.kernels.traversal.trace_segments`, returning every state
  walked, so the caller hands the marks to their owners (no shared bitmap: the
  walk needs none, and each segment is walked once, by the task of its start).
- :func:`owned_unmarked_segments` -- the same from the unmarked distinguished
  states of an owner's blocks for a finer ``dbits``: the rare long cycles that
  have no distinguished state of the coarse kind, cut before the sweep.
- :func:`sweep_owned` -- once every mark of the segments has reached its owner,
  the unmarked states lie on cycles without distinguished states. An owner walks
  from each unmarked state ``s`` of one of its blocks and gives up at a state
  smaller than ``s`` (a cycle is recorded only from its minimal state); the states
  it walks that others own are returned as marks for them. Run in rounds over
  windows of ``workers`` consecutive blocks (round `r`: block `r` of every owner),
  with the marks of a round delivered before the next, a walk that gives up
  meets a smaller state of the same window, whose owner walks the cycle whole in
  this round: so every cycle is recorded, and re-walks happen only where two
  owners hold states of one cycle in the same window.

Each is plain Python that numba compiles for the ``fast`` kernel (:func:`compiled`),
or that runs as it is with the ``sage`` kernel's successor.
"""
import numba
import numpy as np
from numba.typed import List

from sage_lfsr.engine.kernels import traversal


def owner_of(state, block, workers):
    r"""
    The owner of ``state``.

    EXAMPLES::

        sage: from sage_lfsr.engine.kernels.owned_marks import owner_of, local_index
        sage: [owner_of(s, 4, 2) for s in range(0, 20, 2)]
        [0, 0, 1, 1, 0, 0, 1, 1, 0, 0]
        sage: [local_index(s, 4, 2) for s in (0, 3, 8, 11, 17)]
        [0, 3, 4, 7, 9]
    """
    return (state // block) % workers


def local_index(state, block, workers):
    r"""The bit of ``state`` in its owner's bitmap."""
    # ``state // block`` and ``% / // workers`` as in owner_of: compiled together, two divisions, not four
    quotient = state // block
    return (quotient // workers) * block + (state - quotient * block)


def local_bits(state_count, block, workers):
    r"""
    Bits of one owner's bitmap (every owner gets the same number).

    EXAMPLES::

        sage: from sage_lfsr.engine.kernels.owned_marks import local_bits
        sage: local_bits(20, 4, 2), local_bits(2**20, 2**10, 4)
        (12, 262144)
    """
    return -(-state_count // (block * workers)) * block


def shifts(block, workers):
    r"""
    ``(block shift, worker shift)`` when ``block`` and ``workers`` are powers of
    two (then :func:`place` uses shifts and masks), else ``(-1, -1)``.

    EXAMPLES::

        sage: from sage_lfsr.engine.kernels.owned_marks import shifts
        sage: shifts(4096, 2), shifts(4096, 3), shifts(96, 4)
        ((12, 1), (-1, -1), (-1, -1))
    """
    if block & (block - 1) or workers & (workers - 1):
        return -1, -1
    return block.bit_length() - 1, workers.bit_length() - 1


def place(state, block, workers, block_shift, worker_shift):
    r"""
    ``(owner, local index)`` of ``state`` (:func:`owner_of`, :func:`local_index`),
    without divisions when ``block_shift >= 0`` (:func:`shifts`).

    EXAMPLES::

        sage: from sage_lfsr.engine.kernels.owned_marks import place, shifts, owner_of, local_index
        sage: all(place(s, 4, 2, *shifts(4, 2)) == place(s, 4, 2, -1, -1) == (owner_of(s, 4, 2), local_index(s, 4, 2))
        ....:     for s in range(64))
        True
    """
    if block_shift >= 0:
        return ((state >> block_shift) & (workers - 1),
                ((state >> (block_shift + worker_shift)) << block_shift) | (state & (block - 1)))
    return owner_of(state, block, workers), local_index(state, block, workers)


def grown(buffer):
    r"""``buffer`` copied into one twice as large (called only when full: an array
    reassigned at every step would cost compiled code two reference counts a step)."""
    bigger = np.empty(2 * buffer.shape[0] + 16, dtype=np.int64)
    bigger[:buffer.shape[0]] = buffer
    return bigger


def trace_owned_segments(step, params, lo, hi, dbits, block, workers, segments, walked, counts):
    r"""
    Segments from the distinguished starts in ``[lo, hi)``; every state walked
    goes, as its bit (local index), to its owner's row of ``walked``, ``counts[v]``
    of them in row ``v``: ``(steps, whether they fitted)``. When a row is full
    the walk stops (it marks nothing, so it is run again with larger rows: an
    array reassigned in the loop would cost two reference counts a step).
    """
    steps, capacity = 0, walked.shape[1]
    counts[:] = 0
    # Powers of two (the usual block and worker counts): shifts and masks, not divisions.
    powers = block & (block - 1) == 0 and workers & (workers - 1) == 0
    block_shift, worker_shift = 0, 0
    while (1 << block_shift) < block:
        block_shift += 1
    while (1 << worker_shift) < workers:
        worker_shift += 1
    for start in range(lo, hi):
        if not is_distinguished(start, dbits):
            continue
        state, smallest, length = start, start, 0
        while True:
            if powers:
                owner = (state >> block_shift) & (workers - 1)
                index = ((state >> (block_shift + worker_shift)) << block_shift) | (state & (block - 1))
            else:
                owner, index = owner_of(state, block, workers), local_index(state, block, workers)
            if counts[owner] == capacity:
                return steps, False
            walked[owner, counts[owner]] = index
            counts[owner] += 1
            state = step(state, params)
            length += 1
            if state == start or is_distinguished(state, dbits):
                break
            smallest = min(smallest, state)
        steps += length
        segments.append((start, state, length, smallest))
    return steps, True


def owned_unmarked_segments(step, params, ranges, bitmap, dbits, block, workers, me, block_shift, worker_shift,
                            segments, walked):
    r"""
    Segments (as :func:`trace_owned_segments`) from the distinguished starts of
    the ranges ``[lo, hi)`` of ``ranges`` (states owned by ``me``) that are not
    marked: the pieces of the cycles the segments of a coarser ``dbits`` left.
    Marks this owner's states; the others' go to ``walked``: ``(steps, walked, count)``.
    """
    steps, count = 0, 0
    for row in range(len(ranges)):
        for start in range(ranges[row][0], ranges[row][1]):
            if not is_distinguished(start, dbits) or is_marked(bitmap, place(start, block, workers, block_shift,
                                                                              worker_shift)[1]):
                continue
            state, smallest, length = start, start, 0
            while True:
                owner, index = place(state, block, workers, block_shift, worker_shift)
                if owner == me:
                    mark(bitmap, index)
                else:
                    if count == walked.shape[0]:
                        walked = grown(walked)
                    walked[count] = state
                    count += 1
                state = step(state, params)
                length += 1
                if state == start or is_distinguished(state, dbits):
                    break
                smallest = min(smallest, state)
            steps += length
            segments.append((start, state, length, smallest))
    return steps, walked, count


def apply_marks(bitmap, local_indices):
    r"""Mark the states at ``local_indices`` (bits of this owner's bitmap)."""
    for index in local_indices:
        mark(bitmap, index)


def sweep_walk(step, params, state, start, length, bitmap, dbits, block, workers, me, block_shift, worker_shift,
               walked, count):
    r"""
    The walk of :func:`sweep_owned` from ``start``, on from ``state`` after
    ``length`` steps: ``(state, length, count, outcome)``, outcome 1 when the
    cycle closed, 2 when given up, 0 when ``walked`` is full (at ``state``,
    not yet marked: the caller grows ``walked`` and walks on).
    """
    capacity = walked.shape[0]
    while True:
        owner, index = place(state, block, workers, block_shift, worker_shift)
        if owner == me:
            mark(bitmap, index)
        else:
            if count == capacity:
                return state, length, count, 0
            walked[count] = state
            count += 1
        state = step(state, params)
        length += 1
        if state == start:
            return state, length, count, 1
        if state < start or is_distinguished(state, dbits):
            return state, length, count, 2


def sweep_owned(step, params, ranges, bitmap, dbits, block, workers, me, block_shift, worker_shift, cycles, walked):
    r"""
    Walk from every unmarked state ``s`` of the ranges ``[lo, hi)`` of ``ranges``
    (rows ``(lo, hi)`` of states owned by ``me``) until it comes round (a cycle,
    recorded from ``s``, its minimal state), or reaches a smaller or a
    distinguished state (given up). Marks this owner's states; the others' go to
    ``walked``: ``(steps, walked, count)``. (``walked`` is replaced only between
    steps of :func:`sweep_walk`, never inside its loop.)
    """
    steps, count = 0, 0
    skip_bytes = block % 8 == 0
    for row in range(len(ranges)):
        lo, hi = ranges[row][0], ranges[row][1]
        start = lo - 1
        while start + 1 < hi:
            start += 1
            local = place(start, block, workers, block_shift, worker_shift)[1]
            if skip_bytes and local & 7 == 0 and start + 8 <= hi and bitmap[local >> 3] == 255:
                start += 7
                continue
            if is_marked(bitmap, local) or is_distinguished(start, dbits):
                continue
            state, length, outcome = start, 0, 0
            while outcome == 0:
                state, length, count, outcome = sweep_walk(step, params, state, start, length, bitmap, dbits, block,
                                                           workers, me, block_shift, worker_shift, walked, count)
                if outcome == 0:
                    walked = grown(walked)
            if outcome == 1:
                cycles.append((start, length))
            steps += length
    return steps, walked, count


is_distinguished = traversal.is_distinguished
is_marked = traversal.is_marked
mark = traversal.mark

_COMPILED = {}

# Templates of one step kind's traversals: ``walk`` (the traversal, inlined) and
# ``step`` are globals bound per step kind, so the step is inlined in the walk: a
# compiled step passed as an argument is called through a pointer at every step
# (measured: 5x slower).
walk = step = PAIR = QUADRUPLE = to_array = None


def _segments_template(params, lo, hi, dbits, block, workers, walked, counts):
    segments = List.empty_list(QUADRUPLE)
    steps, fitted = walk(step, params, lo, hi, dbits, block, workers, segments, walked, counts)
    return steps, fitted, to_array(segments, 4)


def _unmarked_segments_template(params, ranges, bitmap, dbits, block, workers, me, block_shift, worker_shift):
    segments = List.empty_list(QUADRUPLE)
    steps, walked, count = walk(step, params, ranges, bitmap, dbits, block, workers, me, block_shift, worker_shift,
                                segments, np.empty(1024, dtype=np.int64))
    return steps, to_array(segments, 4), walked[:count]


def _sweep_template(params, ranges, bitmap, dbits, block, workers, me, block_shift, worker_shift):
    cycles = List.empty_list(PAIR)
    steps, walked, count = walk(step, params, ranges, bitmap, dbits, block, workers, me, block_shift, worker_shift,
                                cycles, np.empty(1024, dtype=np.int64))
    return steps, to_array(cycles, 2), walked[:count]


_TEMPLATES = {"trace_owned_segments": _segments_template, "owned_unmarked_segments": _unmarked_segments_template,
              "sweep_owned": _sweep_template}


def compiled(step_function):
    r"""
    ``{name: function}``: the traversals compiled by numba for ``step_function``
    (a compiled successor; the functions take its parameters, not the step), their
    helpers resolved to compiled versions (as :mod:`~sage_lfsr.engine.kernels.fast` does).
    """
    if step_function not in _COMPILED:
        from sage_lfsr.engine.kernels import fast

        def rebuilt(function, **names):
            return type(function)(function.__code__, dict(function.__globals__, **names), function.__name__)

        helpers = {"is_distinguished": fast.is_distinguished, "is_marked": fast.traversal_is_marked,
                   "mark": fast.traversal_mark}
        for function in (owner_of, local_index, grown):
            helpers[function.__name__] = numba.njit(inline="always")(function)
        helpers["place"] = numba.njit(inline="always")(rebuilt(place, **helpers))
        helpers["sweep_walk"] = numba.njit(inline="always")(rebuilt(sweep_walk, **helpers))

        functions = {"apply_marks": numba.njit(nogil=True)(rebuilt(apply_marks, **helpers))}
        for function in (trace_owned_segments, owned_unmarked_segments, sweep_owned):
            inlined = numba.njit(inline="always")(rebuilt(function, **helpers))
            functions[function.__name__] = numba.njit(nogil=True)(
                rebuilt(_TEMPLATES[function.__name__], walk=inlined, step=step_function, List=List,
                        PAIR=fast.PAIR, QUADRUPLE=fast.QUADRUPLE, to_array=fast._to_array))
        _COMPILED[step_function] = functions
    return _COMPILED[step_function]


class OwnedTracer:
    r"""
    The owned traversals for a kernel: compiled for the ``fast`` kernel, plain
    Python with the ``sage`` kernel's successor. States and marks are numpy arrays.

    EXAMPLES::

        sage: import numpy as np
        sage: from sage_lfsr import LFSR
        sage: from sage_lfsr.registers.coercion import describe
        sage: from sage_lfsr.engine.kernels import make_kernel
        sage: from sage_lfsr.engine.kernels.owned_marks import OwnedTracer
        sage: tracer = OwnedTracer(make_kernel("fast", describe(LFSR([1, 1, 0, 0]))))
        sage: segments, marks, steps = tracer.segments(0, 16, 1, 16, 1)
        sage: steps, sorted(marks[0].tolist()) == list(range(16))
        (16, True)
        sage: bitmap = np.zeros(1, dtype=np.uint8)
        sage: cycles, walked, steps = tracer.sweep([(0, 16)], bitmap, 0, 16, 1, 0)
        sage: cycles.tolist(), steps, len(walked)
        ([[0, 1], [1, 15]], 16, 0)
    """

    def __init__(self, kernel):
        from sage_lfsr.engine.kernels.fast import FastKernel, step_function

        if isinstance(kernel, FastKernel):
            step, self.params = step_function(kernel.register.tables)
            self.functions = compiled(step)
            self.step_arguments = (self.params,)
            self.compiled = True
        elif hasattr(kernel, "successor"):
            self.step_arguments = (kernel.successor, None)
            self.functions = {function.__name__: function
                              for function in (trace_owned_segments, owned_unmarked_segments, apply_marks,
                                               sweep_owned)}
            self.compiled = False
        else:
            raise TypeError(f"kernel {kernel.name!r} has no successor the owned traversals can step with")

    def _list(self, width):
        if not self.compiled:
            return []
        from numba import types
        from numba.typed import List

        return List.empty_list(types.UniTuple(types.int64, width))

    @staticmethod
    def _array(rows, width):
        return np.array([tuple(row) for row in rows], dtype=np.int64).reshape(-1, width)

    def segments(self, lo, hi, dbits, block, workers):
        r"""
        ``(segments, marks, steps)`` for the distinguished starts in ``[lo, hi)``:
        ``marks[v]``, the bits of owner ``v`` the segments walked.
        """
        dtype = np.uint32 if local_bits(int(hi), block, workers) <= 2 ** 32 else np.int64
        capacity = max(4096, 2 * (int(hi) - int(lo)) // workers)
        counts = np.zeros(workers, dtype=np.int64)
        while True:
            walked = np.empty((workers, capacity), dtype=dtype)
            if self.compiled:
                steps, fitted, segments = self.functions["trace_owned_segments"](
                    self.params, int(lo), int(hi), int(dbits), int(block), int(workers), walked, counts)
            else:
                rows = []
                steps, fitted = trace_owned_segments(*self.step_arguments, int(lo), int(hi), int(dbits), int(block),
                                                     int(workers), rows, walked, counts)
                segments = self._array(rows, 4)
            if fitted:
                return segments, [walked[owner, :counts[owner]] for owner in range(workers)], int(steps)
            capacity *= 4

    def unmarked_segments(self, ranges, bitmap, dbits, block, workers, me):
        r"""``(segments, walked states owned by others, steps)`` from the unmarked distinguished states of ``ranges``."""
        return self._owned_walk("owned_unmarked_segments", 4, ranges, bitmap, dbits, block, workers, me)

    def _owned_walk(self, name, width, ranges, bitmap, dbits, block, workers, me):
        ranges = np.asarray(ranges, dtype=np.int64).reshape(-1, 2)
        arguments = (bitmap, int(dbits), int(block), int(workers), int(me)) + shifts(int(block), int(workers))
        if self.compiled:
            steps, rows, walked = self.functions[name](self.params, ranges, *arguments)
            return rows, walked, int(steps)
        rows = []
        steps, walked, count = self.functions[name](*self.step_arguments, ranges.tolist(), *arguments, rows,
                                                    np.empty(1024, dtype=np.int64))
        return self._array(rows, width), walked[:count], int(steps)

    def apply(self, bitmap, local_indices):
        self.functions["apply_marks"](bitmap, np.asarray(local_indices, dtype=np.int64))

    def sweep(self, ranges, bitmap, dbits, block, workers, me):
        r"""``(cycles, walked states owned by others, steps)`` for the unmarked states of the ``(lo, hi)`` ``ranges``."""
        return self._owned_walk("sweep_owned", 2, ranges, bitmap, dbits, block, workers, me)


def split_by_owner(states, block, workers, local, offsets):
    r"""
    ``local[offsets[v]:offsets[v + 1]]`` := the bits (local indices) of the
    states of ``states`` that owner ``v`` holds, in their order.
    """
    counts = np.zeros(workers, dtype=np.int64)
    # Powers of two (the usual block and worker counts): shifts and masks, not divisions.
    powers = block & (block - 1) == 0 and workers & (workers - 1) == 0
    block_shift, worker_shift = np.int64(0), np.int64(0)
    while np.int64(1) << block_shift < block:
        block_shift += 1
    while np.int64(1) << worker_shift < workers:
        worker_shift += 1
    for state in states:
        if powers:
            counts[(state >> block_shift) & (workers - 1)] += 1
        else:
            counts[owner_of(state, block, workers)] += 1
    offsets[0] = 0
    for owner in range(workers):
        offsets[owner + 1] = offsets[owner] + counts[owner]
    position = offsets[:workers].copy()
    for state in states:
        if powers:
            owner = (state >> block_shift) & (workers - 1)
            index = ((state >> (block_shift + worker_shift)) << block_shift) | (state & (block - 1))
        else:
            owner, index = owner_of(state, block, workers), local_index(state, block, workers)
        local[position[owner]] = index
        position[owner] += 1


def set_bits(bitmap, local_indices):
    r"""Set the bits ``local_indices`` of ``bitmap`` (any integer type)."""
    for index in local_indices:
        mark(bitmap, index)


_SPLIT = {}


def _split_compiled():
    if not _SPLIT:
        from sage_lfsr.engine.kernels import fast

        helpers = {"owner_of": numba.njit(inline="always")(owner_of),
                   "local_index": numba.njit(inline="always")(local_index), "mark": fast.traversal_mark}
        for function in (split_by_owner, set_bits):
            rebuilt = type(function)(function.__code__, dict(function.__globals__, **helpers), function.__name__)
            _SPLIT[function.__name__] = numba.njit(nogil=True)(rebuilt)
    return _SPLIT


def marks_by_owner(states, block, workers):
    r"""
    ``states`` as one array of bits (local indices) per owner, in the smallest
    unsigned type that holds them (a compiled pass: two reads of ``states``).

    EXAMPLES::

        sage: import numpy as np
        sage: from sage_lfsr.engine.kernels.owned_marks import marks_by_owner
        sage: [part.tolist() for part in marks_by_owner(np.array([0, 5, 9, 12, 3]), 4, 2)]
        [[0, 5, 3], [1, 4]]
        sage: marks_by_owner(np.array([7]), 4, 2)[0].dtype
        dtype('uint32')
    """
    states = np.asarray(states, dtype=np.int64)
    dtype = np.uint32 if local_bits(int(states.max()) + 1 if len(states) else 1, block, workers) <= 2 ** 32 else np.int64
    local, offsets = np.empty(len(states), dtype=dtype), np.empty(workers + 1, dtype=np.int64)
    _split_compiled()["split_by_owner"](states, np.int64(block), np.int64(workers), local, offsets)
    return [local[offsets[owner]:offsets[owner + 1]] for owner in range(workers)]


class EncodedMarks:
    r"""
    One owner's marks on their way to it: its bits as a bitmap of its ``bits``
    local bits when that is smaller than 4 bytes a mark, else the indices.
    ``nbytes`` is what travels; :meth:`apply` sets them in the owner's bitmap.

    EXAMPLES::

        sage: import numpy as np
        sage: from sage_lfsr.engine.kernels.owned_marks import EncodedMarks
        sage: sparse, dense = EncodedMarks(np.array([3, 9], dtype=np.uint32), 1024), EncodedMarks(np.arange(0, 1024, 2, dtype=np.uint32), 1024)
        sage: sparse.kind, sparse.nbytes, sparse.count, dense.kind, dense.nbytes, dense.count
        ('indices', 8, 2, 'bitmap', 128, 512)
        sage: bitmap = np.zeros(128, dtype=np.uint8)
        sage: sparse.apply(bitmap); dense.apply(bitmap)
        sage: sorted(np.flatnonzero(np.unpackbits(bitmap, bitorder="little")).tolist())[:4]
        [0, 2, 3, 4]
    """

    def __init__(self, local_indices, bits, source=None):
        self.count, self.source = len(local_indices), source
        if 32 * len(local_indices) > bits:
            self.kind, self.data = "bitmap", np.zeros((bits + 7) // 8, dtype=np.uint8)
            _split_compiled()["set_bits"](self.data, local_indices)
        else:
            self.kind, self.data = "indices", np.ascontiguousarray(local_indices)

    @property
    def nbytes(self):
        return self.data.nbytes

    def apply(self, bitmap):
        if self.kind == "bitmap":
            np.bitwise_or(bitmap, self.data, out=bitmap)
        elif len(self.data):
            _split_compiled()["set_bits"](bitmap, self.data)
