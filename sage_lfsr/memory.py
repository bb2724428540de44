r"""
The per-state memory of a run: a visited bitmap (invertible registers), or a
depth byte per state and a bitmap of the states on a worker's own walks
(singular registers).

With ``registry="shared"`` the visited bitmaps live in
:mod:`multiprocessing.shared_memory`, so a worker skips the states any worker
has covered; with ``registry="manager"`` (the seed's design) every worker has
its own and only the Manager's cycle registry is shared. Depths (singular
registers) are always kept per worker: a worker numbering a tail could read a
cycle state as "unknown" just before another worker marks it as on the cycle,
and sharing them safely would need whole cycles published atomically.
"""
from __future__ import annotations

from multiprocessing import resource_tracker, shared_memory

import numpy as np


class SharedArray:
    r"""
    A numpy array in shared memory. Forked children use the parent's mapping;
    a pickled copy (spawned children) attaches by name.
    """

    def __init__(self, shape, dtype, fill=0):
        self.shape, self.dtype = shape, np.dtype(dtype)
        size = max(1, int(np.prod(shape)) * self.dtype.itemsize)
        self._memory = shared_memory.SharedMemory(create=True, size=size)
        self._owner = True
        self.array = np.ndarray(shape, self.dtype, buffer=self._memory.buf)
        if fill:
            self.array.fill(fill)

    def __getstate__(self):
        return {"name": self._memory.name, "shape": self.shape, "dtype": self.dtype.str}

    def __setstate__(self, state):
        self.shape, self.dtype = state["shape"], np.dtype(state["dtype"])
        self._memory = shared_memory.SharedMemory(name=state["name"])
        # The creating process owns the segment; keep this process's tracker from unlinking it.
        resource_tracker.unregister(self._memory._name, "shared_memory")
        self._owner = False
        self.array = np.ndarray(self.shape, self.dtype, buffer=self._memory.buf)

    def release(self):
        self.array = None
        try:
            self._memory.close()
            if self._owner:
                self._memory.unlink()
        except (FileNotFoundError, BufferError):
            pass


#: Largest bitmap (bytes) kept as one row per worker. A worker's own row of up to
#: this size stays in its core's cache, where writes from two cores to one
#: bitmap would make its lines bounce; a larger bitmap misses the caches either
#: way, and one bitmap shared by all (W times less memory traffic) is faster
#: (2^28 states, 2 workers here: 1.57 s against 2.1 s).
ROWS_UP_TO_BYTES = 1 << 21


LAYOUTS = ("private", "rows", "single")


def choose_layout(state_count: int, singular: bool, shared: bool) -> str:
    r"""
    Where the visited states live: ``"private"`` (each worker its own arrays:
    singular registers, or no sharing), ``"rows"`` (shared, one row per worker,
    up to :data:`ROWS_UP_TO_BYTES`) or ``"single"`` (one shared bitmap).

    EXAMPLES::

        sage: from sage_lfsr.memory import choose_layout
        sage: choose_layout(2**10, False, True), choose_layout(2**30, False, True), choose_layout(2**10, True, True)
        ('rows', 'single', 'private')
    """
    if not shared or singular:
        return "private"
    return "rows" if (state_count + 7) // 8 <= ROWS_UP_TO_BYTES else "single"


def bytes_needed(state_count: int, singular: bool, layout: str, workers: int, depth_bytes: int = 1) -> int:
    r"""Bytes of per-state memory a run in ``layout`` holds with ``workers`` copies of private arrays."""
    bitmap_bytes = (state_count + 7) // 8
    per_worker = depth_bytes * state_count + bitmap_bytes if singular else bitmap_bytes
    return bitmap_bytes if layout == "single" else workers * per_worker


class StateMemory:
    r"""
    The storage of the per-state memory in a layout chosen by
    :func:`choose_layout`; :meth:`for_worker` gives the arrays one worker uses.

    In a shared layout an invertible register gets its visited bitmaps in
    shared memory: ``"rows"`` one per worker, rows of one array (each worker
    writes only its own row and reads all of them), ``"single"`` one bitmap all
    workers write. Two workers setting bits of one byte at once
    can lose one of them; that costs redundant work only, never a wrong map
    (see :mod:`~sage_lfsr.kernels.traversal`).

    EXAMPLES::

        sage: from sage_lfsr.memory import StateMemory
        sage: memory = StateMemory(2**10, singular=False, layout="rows", workers=2)
        sage: arrays = memory.for_worker(1)
        sage: arrays.visited.nbytes, arrays.covered.shape, arrays.depths
        (128, (2, 128), None)
        sage: memory.release()
    """

    def __init__(self, state_count: int, singular: bool, layout: str = "private", workers: int = 1,
                 depth_dtype=np.uint8):
        if layout not in LAYOUTS:
            raise ValueError(f"unknown memory layout {layout!r}: choose one of {', '.join(LAYOUTS)}")
        self.state_count, self.singular, self.depth_dtype = state_count, singular, np.dtype(depth_dtype)
        self.bitmap_bytes = bitmap_bytes = (state_count + 7) // 8
        self.layout = "private" if singular else layout
        self._shared = None
        if self.layout != "private":
            self._shared = SharedArray((workers if self.layout == "rows" else 1, bitmap_bytes), np.uint8)

    def for_worker(self, worker: int = 0) -> "WorkerArrays":
        if self.singular:
            depths = np.full(self.state_count, np.iinfo(self.depth_dtype).max, self.depth_dtype)
            return WorkerArrays(None, None, depths, np.zeros(self.bitmap_bytes, np.uint8))
        if self.layout == "private":
            covered = np.zeros((1, self.bitmap_bytes), np.uint8)
            return WorkerArrays(covered[0], covered, None, None)
        shared = self._shared.array
        if self.layout == "rows":
            return WorkerArrays(shared[worker], shared, None, None)
        return WorkerArrays(shared[0], shared, None, None, own_marks=False)

    def release(self):
        if self._shared is not None:
            self._shared.release()
            self._shared = None


class WorkerArrays:
    r"""
    One worker's view: ``visited`` (the bitmap it writes), ``covered`` (the
    bitmaps it reads, as rows), ``depths`` and ``seen`` (singular registers), and
    ``own_marks``: whether ``visited`` holds only this worker's marks.
    """

    __slots__ = ("visited", "covered", "depths", "seen", "own_marks")

    def __init__(self, visited, covered, depths, seen, own_marks=True):
        self.visited, self.covered, self.depths, self.seen = visited, covered, depths, seen
        self.own_marks = own_marks
