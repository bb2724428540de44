r"""
Traversals for workers that share no memory and hold no bitmap of the whole
space (Dask across machines): each worker *owns* blocks of states and keeps
the visited marks (or, for singular registers, the depths) of its own states only.

Ownership: the states are cut into blocks of ``block`` states (the job's task
size, so a task lies in one block) dealt round-robin to the ``workers`` owners,
so state `s` belongs to owner ``(s // block) % workers`` and is entry
``(s // (block * workers)) * block + s % block`` of that owner's arrays
(:func:`owner_of`, :func:`local_index`).

Each walk marks the states of its own owner at once and writes the others'
(as their local indices) into a fixed-size buffer per owner; when one fills,
the walk returns with its place in ``resume`` so that the caller sends the
buffers to their owners and calls again (:class:`OwnedWalker`). A walk never
marks its own start: a mark says "not the start of an unrecorded piece", and a
walk that is run again after its worker was lost must find its starts unmarked.

- :func:`owned_segments_walk` -- the segments from the distinguished starts of
  a range of this owner (with ``fine``: only the unmarked ones, the pieces of
  the cycles that coarser segments left);
- :func:`owned_sweep_walk` -- from every unmarked, not distinguished state
  ``s`` of a range of this owner, walk until the walk comes round (a cycle,
  recorded from ``s``, its minimal state), or reaches a smaller or a
  distinguished state (given up). Only the recording walk passes a cycle's
  minimal state, and no walk marks its start, so a mark never hides the start
  of an unrecorded cycle: marks may arrive at any time, in any order;
- :func:`owned_trees_walk` -- singular registers: the depth of every state of
  a range of this owner, from the owner's own depths only (no marks move).

Each is plain Python that numba compiles for the ``fast`` kernel (one set per
step kind, cached on disk), or that runs as it is with the ``sage`` kernel's successor.
"""
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
    r"""The entry of ``state`` in its owner's arrays."""
    quotient = state // block
    return (quotient // workers) * block + (state - quotient * block)


def local_bits(state_count, block, workers):
    r"""
    Entries of one owner's arrays (every owner gets the same number).

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


def owned_segments_walk(step, params, lo, hi, dbits, block, workers, me, block_shift, worker_shift, bitmap, fine,
                        route, buffers, counts, resume, segments):
    r"""
    Segments ``(start, end, length, smallest)`` from the distinguished starts in
    ``[lo, hi)`` (owned by ``me``; with ``fine`` only the unmarked ones, whose
    starts are not marked), on from ``resume`` (``[next start, in a walk, start,
    state, length, smallest]``): ``(steps, done)``; not done: a buffer is full
    (the place is in ``resume``). Every state walked, this owner's too, goes to
    its owner's buffer (no branch on the owner at each step; this owner's row is
    applied here and copied to its replica); without ``route`` nothing is written
    (a first pass that only measures the segments: when they cover every state,
    no mark is needed at all).
    """
    steps, capacity = 0, buffers.shape[1]
    limit = distinguished_limit(dbits)
    candidate, active = resume[0], resume[1]
    start, state, length, smallest = resume[2], resume[3], resume[4], resume[5]
    while True:
        if active == 0:
            while candidate < hi:
                if hashed_below(candidate, limit) and not (
                        fine and is_marked(bitmap, place(candidate, block, workers, block_shift, worker_shift)[1])):
                    break
                candidate += 1
            if candidate >= hi:
                resume[0], resume[1] = candidate, 0
                return steps, True
            start = state = smallest = candidate
            length, active = 0, 1
            candidate += 1
            if fine:  # its start unmarked: a walk run again after a lost worker finds it again
                state = step(state, params)
                length = 1
        while not (length > 0 and hashed_below(state, limit)):
            if length > 0:
                smallest = min(smallest, state)
            if route:
                owner, index = place(state, block, workers, block_shift, worker_shift)
                count = counts[owner]
                if count == capacity:
                    resume[0], resume[1], resume[2], resume[3], resume[4], resume[5] = (
                        candidate, 1, start, state, length, smallest)
                    return steps, False
                buffers[owner, count] = index
                counts[owner] = count + 1
            state = step(state, params)
            length += 1
        steps += length
        segments.append((start, state, length, smallest))
        active = 0


def owned_sweep_walk(step, params, lo, hi, dbits, block, workers, me, block_shift, worker_shift, bitmap, buffers,
                     counts, resume, cycles, budget):
    r"""
    The sweep of ``[lo, hi)`` (owned by ``me``) on from ``resume`` (``[next
    start, in a walk, start, state, length]``) until ``budget`` states are
    walked or scanned: ``(steps, status)``, status 1 when the range is done, 0
    when a buffer is full, 2 when the budget is spent.
    """
    steps, work, capacity = 0, 0, buffers.shape[1]
    skip_bytes = block % 8 == 0
    position, active, start, state, length = resume[0], resume[1], resume[2], resume[3], resume[4]
    while True:
        if active == 0:
            found = False
            while position < hi:
                candidate = position
                position += 1
                work += 1
                local = place(candidate, block, workers, block_shift, worker_shift)[1]
                if skip_bytes and local & 7 == 0 and candidate + 8 <= hi and bitmap[local >> 3] == 255:
                    position = candidate + 8
                    continue
                if is_marked(bitmap, local) or is_distinguished(candidate, dbits):
                    continue
                found = True
                break
            if not found:
                resume[0], resume[1] = position, 0
                return steps, 1
            start = state = candidate
            length, active = 0, 1
        while True:
            owner, index = place(state, block, workers, block_shift, worker_shift)
            if owner == me:
                if length > 0:
                    mark(bitmap, index)
            else:
                if counts[owner] == capacity:
                    resume[0], resume[1], resume[2], resume[3], resume[4] = position, 1, start, state, length
                    return steps, 0
                buffers[owner, counts[owner]] = index
                counts[owner] += 1
            state = step(state, params)
            length += 1
            if state == start:
                cycles.append((start, length))
                break
            if state < start or is_distinguished(state, dbits):
                break
        steps += length
        work += length
        active = 0
        if work >= budget:
            resume[0], resume[1] = position, 0
            return steps, 2


def _walked_to_cycle(step, params, start, steps_known):
    r"""``(cycle length, steps from start to the cycle)`` of the walk from ``start``, which comes round within ``steps_known`` steps."""
    # A cycle state lies steps_known steps on: walk round from it, then two pointers a cycle apart.
    entry = start
    for _ in range(steps_known):
        entry = step(entry, params)
    length, state = 1, step(entry, params)
    while state != entry:
        state = step(state, params)
        length += 1
    tortoise, hare = start, start
    for _ in range(length):
        hare = step(hare, params)
    tail = 0
    while tortoise != hare:
        tortoise = step(tortoise, params)
        hare = step(hare, params)
        tail += 1
    return length, tail


def owned_trees_walk(step, params, lo, hi, block, workers, me, block_shift, worker_shift, depths, cycles):
    r"""
    Singular registers: the depth of every state of ``[lo, hi)`` (owned by
    ``me``) in ``depths`` (this owner's, ``max`` = unknown), and the cycles whose
    minimal state this owner holds: return the steps walked. A walk from an
    unknown state stops at an own state of known depth ``k``: behind a tail
    state (``k > 0``) the depth adds up; behind a cycle state the walk's entry
    into the cycle is found by walking round it. Otherwise the cycle is found
    by Brent's method (no memory of the states of other owners).
    """
    steps = 0
    unknown = np.iinfo(depths.dtype).max
    for first in range(lo, hi):
        if depths[place(first, block, workers, block_shift, worker_shift)[1]] != unknown:
            continue
        power, distance, known = 1, 1, -1
        tortoise, hare, walked = first, step(first, params), 1
        while True:
            owner, index = place(hare, block, workers, block_shift, worker_shift)
            if owner == me and depths[index] != unknown:
                known = np.int64(depths[index])
                break
            if tortoise == hare:
                break
            if power == distance:
                tortoise, power, distance = hare, 2 * power, 0
            hare = step(hare, params)
            distance += 1
            walked += 1
        steps += walked
        if known > 0:
            tail, base = walked, known
        else:
            # a cycle within ``walked`` steps (``hare`` is on it)
            length, tail = _walked_to_cycle(step, params, first, walked)
            base = 0
            if known < 0:  # a cycle this owner has not walked: its states get depth 0, its minimal state's owner records it
                entry = first
                for _ in range(tail):
                    entry = step(entry, params)
                state, smallest = entry, entry
                for _ in range(length):
                    owner, index = place(state, block, workers, block_shift, worker_shift)
                    if owner == me:
                        depths[index] = 0
                    smallest = min(smallest, state)
                    state = step(state, params)
                steps += length
                if place(smallest, block, workers, block_shift, worker_shift)[0] == me:
                    cycles.append((smallest, length))
        state = first
        for offset in range(tail):
            owner, index = place(state, block, workers, block_shift, worker_shift)
            if owner == me and depths[index] == unknown:
                depths[index] = base + tail - offset
            state = step(state, params)
    return steps


def apply_marks(bitmap, local_indices):
    r"""Mark the states at ``local_indices`` (entries of this owner's bitmap)."""
    for index in local_indices:
        mark(bitmap, index)


is_distinguished = traversal.is_distinguished
distinguished_limit = traversal.distinguished_limit
hashed_below = traversal.hashed_below
is_marked = traversal.is_marked
mark = traversal.mark

# Templates of one step kind's traversals: ``walk`` (the traversal, inlined) and
# ``step`` are globals bound per step kind, so the step is inlined in the walk.
walk = step = PAIR = QUADRUPLE = to_array = None


def _segments_template(params, lo, hi, dbits, block, workers, me, block_shift, worker_shift, bitmap, fine, route,
                       buffers, counts, resume):
    segments = List.empty_list(QUADRUPLE)
    steps, done = walk(step, params, lo, hi, dbits, block, workers, me, block_shift, worker_shift, bitmap, fine,
                       route, buffers, counts, resume, segments)
    return steps, done, to_array(segments, 4)


def _sweep_template(params, lo, hi, dbits, block, workers, me, block_shift, worker_shift, bitmap, buffers, counts,
                    resume, budget):
    cycles = List.empty_list(PAIR)
    steps, status = walk(step, params, lo, hi, dbits, block, workers, me, block_shift, worker_shift, bitmap, buffers,
                         counts, resume, cycles, budget)
    return steps, status, to_array(cycles, 2)


def _trees_template(params, lo, hi, block, workers, me, block_shift, worker_shift, depths):
    cycles = List.empty_list(PAIR)
    steps = walk(step, params, lo, hi, block, workers, me, block_shift, worker_shift, depths, cycles)
    return steps, to_array(cycles, 2)


_TEMPLATES = (("segments", owned_segments_walk, _segments_template), ("sweep", owned_sweep_walk, _sweep_template),
              ("trees", owned_trees_walk, _trees_template))
_COMPILED = {}
_APPLY = []


def compiled(step_function):
    r"""
    ``{"segments", "sweep", "trees", "apply"}``: the owned traversals compiled by
    numba for ``step_function`` (a compiled successor), cached on disk.
    """
    if step_function not in _COMPILED:
        import numba

        from sage_lfsr.common.compiled import cached_njit, rebind, specialize
        from sage_lfsr.engine.kernels import fast

        helpers = {"is_distinguished": fast.is_distinguished, "is_marked": fast.traversal_is_marked,
                   "mark": fast.traversal_mark, "distinguished_limit": fast.distinguished_limit,
                   "hashed_below": fast.hashed_below}
        for function in (owner_of, local_index, _walked_to_cycle):
            helpers[function.__name__] = numba.njit(inline="always")(function)
        helpers["place"] = numba.njit(inline="always")(rebind(place, "place", **helpers))
        suffix = f"{step_function.py_func.__module__.rsplit('.', 1)[-1]}_{step_function.__name__}"
        functions = {}
        for name, function, template in _TEMPLATES:
            inlined = numba.njit(inline="always")(rebind(function, f"{function.__name__}__{suffix}", **helpers))
            functions[name] = specialize(template, f"owned_{name}__{suffix}", walk=inlined, step=step_function,
                                         PAIR=fast.PAIR, QUADRUPLE=fast.QUADRUPLE, to_array=fast._to_array)
        if not _APPLY:
            _APPLY.append(cached_njit(rebind(apply_marks, "owned_apply_marks", mark=fast.traversal_mark), nogil=True))
        functions["apply"] = _APPLY[0]
        _COMPILED[step_function] = functions
    return _COMPILED[step_function]


class OwnedWalker:
    r"""
    The owned traversals of one owner ``me`` of ``workers`` for a kernel:
    compiled for the ``fast`` kernel, plain Python with the ``sage`` kernel's
    successor. Each call walks until it is done or a buffer of marks for
    another owner is full (then the caller sends :meth:`take_buffers` and calls again).

    EXAMPLES::

        sage: import numpy as np
        sage: from sage_lfsr import LFSR
        sage: from sage_lfsr.registers.coercion import describe
        sage: from sage_lfsr.engine.kernels import make_kernel
        sage: from sage_lfsr.engine.kernels.owned_marks import OwnedWalker
        sage: walker = OwnedWalker(make_kernel("fast", describe(LFSR([1, 1, 0, 0]))), block=4, workers=2, me=0, capacity=3)
        sage: bitmap = np.zeros(1, dtype=np.uint8)
        sage: cycles, steps, status = walker.sweep(0, 4, bitmap, 0, [0] * 5, 10**9)
        sage: cycles.tolist(), status, sorted(walker.take_buffers()[1].tolist())
        ([[0, 1]], 0, [0, 2, 4])
    """

    def __init__(self, kernel, block, workers, me, capacity=1 << 16):
        from sage_lfsr.engine.kernels.fast import FastKernel, step_function

        self.block, self.workers, self.me = int(block), int(workers), int(me)
        self.shifts = shifts(self.block, self.workers)
        self.buffers = np.empty((self.workers, int(capacity)), dtype=np.int64)
        self.counts = np.zeros(self.workers, dtype=np.int64)
        if isinstance(kernel, FastKernel):
            step, self.params = step_function(kernel.register.tables)
            self.functions = compiled(step)
            self.compiled = True
        elif hasattr(kernel, "successor"):
            self.step, self.params, self.compiled = (lambda state, _params: kernel.successor(state)), None, False
        else:
            raise TypeError(f"kernel {kernel.name!r} has no successor the owned traversals can step with")

    def _placing(self):
        return (self.block, self.workers, self.me) + self.shifts

    def take_buffers(self):
        r"""``{owner: local indices}`` of the marks for other owners written since the last call."""
        taken = {owner: self.buffers[owner, :count].copy() for owner, count in enumerate(self.counts.tolist()) if count}
        self.counts[:] = 0
        return taken

    def segments(self, lo, hi, dbits, bitmap, fine, resume, route=True):
        r"""``(segments, steps, done)``: :func:`owned_segments_walk` on from ``resume`` (a list of 6, updated)."""
        state = np.asarray(resume, dtype=np.int64)
        if self.compiled:
            steps, done, segments = self.functions["segments"](
                self.params, int(lo), int(hi), int(dbits), *self._placing(), bitmap, bool(fine), bool(route),
                self.buffers, self.counts, state)
        else:
            rows = []
            steps, done = owned_segments_walk(self.step, None, int(lo), int(hi), int(dbits), *self._placing(), bitmap,
                                              bool(fine), bool(route), self.buffers, self.counts, state, rows)
            segments = np.array(rows, dtype=np.int64).reshape(-1, 4)
        resume[:] = state.tolist()
        return segments, int(steps), bool(done)

    def sweep(self, lo, hi, bitmap, dbits, resume, budget):
        r"""``(cycles, steps, status)``: :func:`owned_sweep_walk` on from ``resume`` (a list of 5, updated)."""
        state = np.asarray(resume, dtype=np.int64)
        if self.compiled:
            steps, status, cycles = self.functions["sweep"](
                self.params, int(lo), int(hi), int(dbits), *self._placing(), bitmap, self.buffers, self.counts, state,
                int(budget))
        else:
            rows = []
            steps, status = owned_sweep_walk(self.step, None, int(lo), int(hi), int(dbits), *self._placing(), bitmap,
                                             self.buffers, self.counts, state, rows, int(budget))
            cycles = np.array(rows, dtype=np.int64).reshape(-1, 2)
        resume[:] = state.tolist()
        return cycles, int(steps), int(status)

    def trees(self, lo, hi, depths):
        r"""``(cycles, steps)``: :func:`owned_trees_walk` over ``[lo, hi)``."""
        if self.compiled:
            steps, cycles = self.functions["trees"](self.params, int(lo), int(hi), *self._placing(), depths)
        else:
            rows = []
            steps = owned_trees_walk(self.step, None, int(lo), int(hi), *self._placing(), depths, rows)
            cycles = np.array(rows, dtype=np.int64).reshape(-1, 2)
        return cycles, int(steps)

    def apply(self, bitmap, local_indices):
        r"""Mark ``local_indices`` in ``bitmap``."""
        if self.compiled:
            self.functions["apply"](bitmap, np.asarray(local_indices, dtype=np.int64))
        else:
            apply_marks(bitmap, local_indices)


def marks_to_send(marks, size):
    r"""
    ``marks`` (local indices, int64) as uint32 where the owner's ``size`` bits
    allow: what travels. (Grouping them by region of the owner's bitmap before
    they are applied was measured slower here: at 2^19 marks a flush over a
    2^29-bit bitmap, nearly every mark still touches a cache line of its own.)

    EXAMPLES::

        sage: import numpy as np
        sage: from sage_lfsr.engine.kernels.owned_marks import marks_to_send
        sage: marks_to_send(np.array([5, 2**20]), 2**21).dtype, marks_to_send(np.array([5]), 2**33).dtype
        (dtype('uint32'), dtype('int64'))
    """
    return marks.astype(np.uint32) if size <= 1 << 32 else np.asarray(marks, dtype=np.int64)


def apply_local_marks(bitmap, local_indices):
    r"""
    Mark ``local_indices`` in ``bitmap`` (compiled once, for marks that arrive from other owners).

    EXAMPLES::

        sage: import numpy as np
        sage: from sage_lfsr.engine.kernels.owned_marks import apply_local_marks
        sage: bitmap = np.zeros(2, dtype=np.uint8)
        sage: apply_local_marks(bitmap, np.array([1, 9], dtype=np.uint32)); bitmap.tolist()
        [2, 2]
    """
    if not _APPLY:
        from sage_lfsr.common.compiled import cached_njit, rebind
        from sage_lfsr.engine.kernels import fast

        _APPLY.append(cached_njit(rebind(apply_marks, "owned_apply_marks", mark=fast.traversal_mark), nogil=True))
    indices = np.asarray(local_indices)
    _APPLY[0](bitmap, indices if indices.dtype in (np.uint32, np.int64) else indices.astype(np.int64))
