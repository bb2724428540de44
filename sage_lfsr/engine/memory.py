r"""
The per-state memory of a run: a visited bitmap (invertible registers), or a
depth per state and a bitmap of the states on a worker's own walks (singular
registers).

With ``registry="shared"`` the visited bitmaps, or the depths, live in
:mod:`multiprocessing.shared_memory`, so a worker skips the states any worker
has covered; with ``registry="manager"`` (the seed's design) every worker has
its own and only the Manager's cycle registry is shared. Every worker writes
the one depth array (a depth is a function of the state, so two workers write
the same value; :func:`~sage_lfsr.engine.kernels.traversal.trace_trees` writes a cycle
so that no tail is numbered through a part of it not written yet), and keeps
its bitmap of the states its walks have seen in its own memory.

Shared segments are named ``sage_lfsr_<owner pid>_<random>``. The owner unlinks
a segment's name as soon as every worker has mapped it (:meth:`StateMemory.unlink_names`),
so nothing is left in ``/dev/shm`` however the run ends; a segment whose owner
died before that is removed by the next run (:func:`sweep_stale_segments`).
Before allocating, the free space of ``/dev/shm`` is checked (a tmpfs too small
for the bitmap or the depths would fail later with SIGBUS): where it is too
small, each worker keeps its own in private memory instead.
"""
from __future__ import annotations

import os
import secrets
from multiprocessing import shared_memory

import numpy as np

from sage_lfsr.common.limits import TooLarge, available_memory_bytes, format_bytes

#: Name prefix of this package's shared-memory segments (then the owner's pid).
SEGMENT_PREFIX = "sage_lfsr_"
#: Where POSIX shared memory lives on Linux.
SHM_DIRECTORY = "/dev/shm"


def sweep_stale_segments(directory=SHM_DIRECTORY) -> list:
    r"""
    Remove this package's segments whose owner process is dead; return their names.

    EXAMPLES::

        sage: import os, tempfile
        sage: from sage_lfsr.engine.memory import sweep_stale_segments
        sage: directory = tempfile.mkdtemp()
        sage: for name in ("sage_lfsr_999999999_ab", f"sage_lfsr_{os.getpid()}_cd", "other_1_ef"):
        ....:     open(os.path.join(directory, name), "w").close()
        sage: sweep_stale_segments(directory), sorted(os.listdir(directory))[0]
        (['sage_lfsr_999999999_ab'], 'other_1_ef')
    """
    from sage_lfsr.common.files import remove_files_of_dead_processes

    def owner(name):
        pid = name[len(SEGMENT_PREFIX):].split("_")[0]
        return int(pid) if name.startswith(SEGMENT_PREFIX) and pid.isdigit() else None

    return remove_files_of_dead_processes(directory, owner)


def shared_memory_free_bytes(directory=SHM_DIRECTORY):
    r"""Bytes free for shared memory, or ``None`` where that cannot be told."""
    try:
        stats = os.statvfs(directory)
    except (OSError, AttributeError):
        return None
    return stats.f_bavail * stats.f_frsize


class SharedArray:
    r"""
    A numpy array in shared memory. Forked children use the parent's mapping;
    a pickled copy (spawned children) attaches by name.
    """

    def __init__(self, shape, dtype, fill=0):
        self.shape, self.dtype = shape, np.dtype(dtype)
        size = max(1, int(np.prod(shape)) * self.dtype.itemsize)
        name = f"{SEGMENT_PREFIX}{os.getpid()}_{secrets.token_hex(6)}"
        self._memory = shared_memory.SharedMemory(name=name, create=True, size=size)
        self._owner, self._linked = True, True
        self.array = np.ndarray(shape, self.dtype, buffer=self._memory.buf)
        if fill:
            self.array.fill(fill)

    def __getstate__(self):
        return {"name": self._memory.name, "shape": self.shape, "dtype": self.dtype.str}

    def __setstate__(self, state):
        self.shape, self.dtype = state["shape"], np.dtype(state["dtype"])
        # Spawned and forkserver children share the creator's resource tracker, so the
        # registration this attach makes (Python < 3.13) is the creator's own: it is not
        # unregistered here, which would make the creator's unlink print a traceback.
        self._memory = shared_memory.SharedMemory(name=state["name"])
        self._owner, self._linked = False, False
        self.array = np.ndarray(self.shape, self.dtype, buffer=self._memory.buf)

    def unlink_name(self):
        r"""Remove the segment's name (the owner, once every process has mapped it); the memory stays."""
        if self._owner and self._linked:
            self._linked = False
            try:
                self._memory.unlink()
            except FileNotFoundError:
                pass

    def release(self):
        self.array = None
        try:
            self._memory.close()
        except BufferError:
            pass
        self.unlink_name()


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
    no sharing), ``"rows"`` (shared, one row per worker, up to
    :data:`ROWS_UP_TO_BYTES`) or ``"single"`` (one shared bitmap; for a singular
    register, one shared depth array, each worker its own bitmap of its walks).

    EXAMPLES::

        sage: from sage_lfsr.engine.memory import choose_layout
        sage: choose_layout(2**10, False, True), choose_layout(2**30, False, True), choose_layout(2**10, True, True)
        ('rows', 'single', 'single')
        sage: choose_layout(2**10, True, False)
        'private'
    """
    if not shared:
        return "private"
    return "rows" if not singular and (state_count + 7) // 8 <= ROWS_UP_TO_BYTES else "single"


def bytes_needed(state_count: int, singular: bool, layout: str, workers: int, depth_bytes: int = 1) -> int:
    r"""
    Bytes of per-state memory a run in ``layout`` holds with ``workers`` workers:
    their bitmaps (one, or one per worker) and, for a singular register, its
    depths (one array shared, or one per worker) and one bitmap per worker.

    EXAMPLES::

        sage: from sage_lfsr.engine.memory import bytes_needed
        sage: bytes_needed(2**20, True, "single", 4), bytes_needed(2**20, True, "private", 4)
        (1572864, 4718592)
        sage: bytes_needed(2**20, False, "single", 4), bytes_needed(2**20, False, "rows", 4)
        (131072, 524288)
    """
    bitmap_bytes = (state_count + 7) // 8
    depth_array_bytes = depth_bytes * state_count
    if singular:
        return workers * bitmap_bytes + depth_array_bytes * (1 if layout == "single" else workers)
    return bitmap_bytes if layout == "single" else workers * bitmap_bytes


class StateMemory:
    r"""
    The storage of the per-state memory in a layout chosen by
    :func:`choose_layout`; :meth:`for_worker` gives the arrays one worker uses.

    In a shared layout an invertible register gets its visited bitmaps in
    shared memory: ``"rows"`` one per worker, rows of one array (each worker
    writes only its own row and reads all of them), ``"single"`` one bitmap all
    workers write. Two workers setting bits of one byte at once
    can lose one of them; that costs redundant work only, never a wrong map
    (see :mod:`~sage_lfsr.engine.kernels.traversal`). A singular register in
    ``"single"`` gets one depth array in shared memory that every worker writes
    (whole values: aligned stores of one element are atomic on x86-64).

    EXAMPLES::

        sage: from sage_lfsr.engine.memory import StateMemory
        sage: memory = StateMemory(2**10, singular=False, layout="rows", workers=2)
        sage: arrays = memory.for_worker(1)
        sage: arrays.visited.nbytes, arrays.covered.shape, arrays.depths
        (128, (2, 128), None)
        sage: memory.release()
        sage: memory = StateMemory(2**10, singular=True, layout="single", workers=2)
        sage: one, two = memory.for_worker(0), memory.for_worker(1)
        sage: one.depths[5] = 3; int(two.depths[5]), one.seen is two.seen, memory.marks()[0]
        (3, False, 'depths')
        sage: memory.release()
    """

    def __init__(self, state_count: int, singular: bool, layout: str = "private", workers: int = 1,
                 depth_dtype=np.uint8, restored=None, task_slots: int = 0):
        if layout not in LAYOUTS:
            raise ValueError(f"unknown memory layout {layout!r}: choose one of {', '.join(LAYOUTS)}")
        self.state_count, self.singular, self.depth_dtype = state_count, singular, np.dtype(depth_dtype)
        self.bitmap_bytes = bitmap_bytes = (state_count + 7) // 8
        self.layout = "single" if singular and layout != "private" else layout
        #: A resumed run's memory snapshot (:mod:`~sage_lfsr.engine.snapshots`): a read-only
        #: row of ``covered`` (invertible registers) or the first depths (singular).
        self.restored = restored
        self._extra_rows = 0 if singular or restored is None else 1
        #: Why the layout differs from the planned one (``/dev/shm`` too small), or ``None``.
        self.layout_reason = None
        if self.layout != "private":
            sweep_stale_segments()
            self._check_shared_memory_space(workers)
        self._shared = self._started = None
        if self.layout != "private" and singular:
            unknown = np.iinfo(self.depth_dtype).max
            self._shared = SharedArray((state_count,), self.depth_dtype, fill=unknown if restored is None else 0)
            if restored is not None:
                self._shared.array[:] = restored
                self.restored = None  # in shared memory now: not sent to workers that attach by name
        elif self.layout != "private":
            rows = (workers if self.layout == "rows" else 1) + self._extra_rows
            self._shared = SharedArray((rows, bitmap_bytes), np.uint8)
            if self._extra_rows:
                self._shared.array[-1] = restored
                self.restored = None  # in the shared row now: not sent to workers that attach by name
        if self.layout != "private" and task_slots:
            # Which tasks have started: the caller reads it after copying the
            # bitmap or the depths, to know whose marks the copy may hold.
            self._started = SharedArray((task_slots,), np.uint8)

    def for_worker(self, worker: int = 0) -> "WorkerArrays":
        started = None if self._started is None else self._started.array
        if self.singular and self._shared is not None:
            return WorkerArrays(None, None, self._shared.array, np.zeros(self.bitmap_bytes, np.uint8), started=started)
        if self.singular:
            unknown = np.iinfo(self.depth_dtype).max
            depths = (np.full(self.state_count, unknown, self.depth_dtype) if self.restored is None
                      else np.array(self.restored, dtype=self.depth_dtype))
            return WorkerArrays(None, None, depths, np.zeros(self.bitmap_bytes, np.uint8))
        if self.layout == "private":
            covered = np.zeros((1 + self._extra_rows, self.bitmap_bytes), np.uint8)
            if self._extra_rows:
                covered[-1] = self.restored
            return WorkerArrays(covered[0], covered, None, None)
        shared = self._shared.array
        if self.layout == "rows":
            return WorkerArrays(shared[worker], shared, None, None, started=started)
        return WorkerArrays(shared[0], shared, None, None, own_marks=False, started=started)

    def marks(self, arrays=None, live=False):
        r"""
        ``(kind, copy)`` of the memory as a snapshot holds it: ``("visited", bitmap)``,
        every mark of every worker (and of the restored snapshot), or ``("depths",
        depths)``; ``None`` where the caller cannot see it (private memory of worker
        processes). ``arrays``: the :class:`WorkerArrays` of a run in this process.
        ``live``: the memory itself instead of a copy (the bitmap rows, whose union
        is meant), for :mod:`~sage_lfsr.engine.snapshots` to read a chunk at a time.
        """
        if self.singular and self._shared is not None:
            return "depths", self._shared.array.copy()
        if self.singular:
            return None if arrays is None else ("depths", arrays.depths if live else arrays.depths.copy())
        if self._shared is not None:
            rows = self._shared.array
        elif arrays is not None:
            rows = arrays.covered
        else:
            return None
        return "visited", rows if live else np.bitwise_or.reduce(rows, axis=0)

    def task_flags(self):
        r"""
        A copy of the flag of each task id (shared layouts; else ``None``): 0 not
        started, 1 running, 2 finished without whole cycles, 3 finished with some.
        """
        return None if self._started is None else self._started.array.copy()

    def _check_shared_memory_space(self, workers):
        if self.singular:
            what, shared_bytes = "depths", self.depth_dtype.itemsize * self.state_count
        else:
            what = "bitmap"
            shared_bytes = self.bitmap_bytes * ((workers if self.layout == "rows" else 1) + self._extra_rows)
        free = shared_memory_free_bytes()
        if free is None or shared_bytes <= free:
            return
        shortage = f"{SHM_DIRECTORY} has {format_bytes(free)} free but the shared {what} need{'s' * (what == 'bitmap')} {format_bytes(shared_bytes)}"
        private_bytes = bytes_needed(self.state_count, self.singular, "private", workers, self.depth_dtype.itemsize)
        if private_bytes > 0.8 * available_memory_bytes():
            raise TooLarge(f"{shortage}, and {workers} private copies ({format_bytes(private_bytes)}) do not "
                              f"fit in memory either: enlarge {SHM_DIRECTORY} (mount -o remount,size=...) "
                              "or use fewer workers")
        self.layout, self.layout_reason = "private", f"{shortage}: each worker keeps its own {what}"

    def unlink_names(self):
        r"""Remove the names of the shared segments once every worker has mapped them."""
        for segment in (self._shared, self._started):
            if segment is not None:
                segment.unlink_name()

    def release(self):
        for segment in (self._shared, self._started):
            if segment is not None:
                segment.release()
        self._shared = self._started = None


class WorkerArrays:
    r"""
    One worker's view: ``visited`` (the bitmap it writes), ``covered`` (the
    bitmaps it reads, as rows), ``depths`` and ``seen`` (singular registers), and
    ``own_marks``: whether ``visited`` holds only this worker's marks, and
    ``started``: a flag per task id, set when a task starts and when it ends
    (shared layouts, see :meth:`StateMemory.task_flags`), or ``None``.
    """

    __slots__ = ("visited", "covered", "depths", "seen", "own_marks", "started")

    def __init__(self, visited, covered, depths, seen, own_marks=True, started=None):
        self.visited, self.covered, self.depths, self.seen = visited, covered, depths, seen
        self.own_marks, self.started = own_marks, started
