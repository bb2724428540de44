r"""
A mapping job cut into tasks, and the execution of one task.

Data flow of a run (every schedule follows it; only step 3 differs)::

    plan(register, ...) -> Plan            parent process (Sage: tables, prediction)
    run(plan)                              parent process, no Sage
      1. plan.job(): Job(register description, tasks, kernel name, dbits, memory layout)
      2. memory: StateMemory (visited bitmap, depths), shared or per worker
      3. schedule hands tasks to workers -----> worker w: kernel = job.kernel()
                                                 for each task it gets:
                                                     TaskResult = execute(...)
      4. RunRecord <----------------------------<-- segments, depths, timings per task;
                                                     cycles per task, or (process schedules
                                                     without a checkpoint) once at the end,
                                                     merged over the worker's tasks (FoundCycles)
      5. assemble: CycleMap (joins segments, drops duplicate cycles, checks
         that cycle states + transient states = q^d)

A task is a range ``[lo, hi)`` of state indices and a phase:

- ``"segments"``: trace the pieces of long cycles from distinguished starts;
- ``"sweep"``: trace whole every cycle through an unvisited start;
- ``"trees"``: singular registers, depths of the states and their cycles.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, replace

import numpy as np


@dataclass(frozen=True)
class Task:
    task_id: int
    phase: str
    lo: int
    hi: int

    @property
    def size(self) -> int:
        return self.hi - self.lo


@dataclass
class TaskResult:
    task_id: int
    worker: int
    phase: str
    cycles: np.ndarray
    segments: np.ndarray
    depth_counts: np.ndarray
    states_traced: int
    states_owned: int
    start: float
    end: float
    stolen_from: int | None = None


@dataclass(frozen=True)
class Job:
    r"""
    Everything a worker needs, as plain data: one description of the register
    (:class:`~sage_lfsr.registers.description.RegisterDescription`), the tasks, and how to
    run them (kernel name, distinguished bits, registry, memory layout).
    """

    register: object
    tasks: tuple
    kernel_name: str = "fast"
    dbits: int = 0
    registry: str = "shared"
    memory_layout: str = "private"
    #: Whether workers keep the cycles they find and send them once at the end
    #: (:class:`FoundCycles`) instead of with each task's result.
    cycles_kept_in_workers: bool = False

    @property
    def state_count(self) -> int:
        return self.register.state_count

    @property
    def singular(self) -> bool:
        return self.register.singular

    def kernel(self):
        r"""
        The kernel, built in the calling process: the ``fast`` kernel reads the
        tables it is given, the ``sage`` kernel rebuilds the register from its key.
        """
        from sage_lfsr.engine.kernels import make_kernel

        return make_kernel(self.kernel_name, self.register)

    def kernel_key(self) -> tuple:
        r"""
        What determines :meth:`kernel`: the kernel's class and the register's
        kind and key. A :class:`~sage_lfsr.engine.pool.MappingPool`'s workers keep one
        kernel per key across runs.

        EXAMPLES::

            sage: from sage_lfsr import LFSR
            sage: from sage_lfsr.engine.planning import plan
            sage: plan(LFSR([1, 1, 0, 0]), kernel="sage").job().kernel_key()
            (('sage_lfsr.engine.kernels.sage', 'SageKernel'), 'lfsr', (2, (1, 1, 0, 0)))
        """
        from sage_lfsr.engine.kernels import KERNELS

        return KERNELS[self.kernel_name], self.register.kind, self.register.key

    def memory(self, workers: int = 1, restored=None):
        r"""
        The per-state memory of this job for ``workers`` workers, in its planned layout,
        starting from a memory snapshot ``restored`` (:mod:`~sage_lfsr.engine.snapshots`) when given.
        """
        from sage_lfsr.engine.memory import StateMemory

        task_slots = 1 + max((task.task_id for task in self.tasks), default=-1)
        return StateMemory(self.state_count, self.singular, self.memory_layout, workers, self.register.depth_dtype,
                           restored=restored, task_slots=task_slots)

    def execute(self, kernel, memory, task, worker: int, clock_zero: float) -> "TaskResult":
        r"""
        Run one task in a worker: what every schedule calls, so a job of another
        kind (a census of many registers, :mod:`sage_lfsr.census`) runs under the
        same schedules by defining its own ``execute``.
        """
        return execute(kernel, memory, task, worker, self.dbits, clock_zero)


def keeping_cycles_in_workers(job, per_task_results_needed: bool):
    r"""
    ``job`` with its cycles kept in the workers until the end of the run
    (:class:`FoundCycles`), unless each task's result must carry its cycles
    (``per_task_results_needed``: a checkpoint records every result as it
    arrives). A job of another kind (a census) is returned as it is.
    """
    if per_task_results_needed or not isinstance(job, Job):
        return job
    return replace(job, cycles_kept_in_workers=True)


class FoundCycles:
    r"""
    The cycles one worker found, over all its tasks: kept where they were found,
    then sent once, sorted by minimal state, each once, counted by length, in
    the narrowest integer types (:class:`~sage_lfsr.engine.assembly.SortedCycles`) and
    in pieces of at most ``PIECE_ROWS`` cycles (so that the caller receives a
    few large messages, not one per task); a large piece's arrays go through
    shared memory, not the results pipe (:mod:`~sage_lfsr.engine.handoff`).
    :func:`~sage_lfsr.engine.assembly.merge_found` merges the workers'.

    EXAMPLES::

        sage: import numpy as np
        sage: from sage_lfsr.engine.job import FoundCycles, TaskResult
        sage: def result(cycles):
        ....:     return TaskResult(0, 0, "sweep", np.array(cycles).reshape(-1, 2), None, None, 0, 0, 0.0, 0.0)
        sage: found = FoundCycles()
        sage: [len(found.take(result(cycles)).cycles) for cycles in ([[9, 2], [3, 4]], [[3, 4], [0, 1]])]
        [0, 0]
        sage: [(piece.rows().tolist(), piece.counts()) for piece in found.pieces(rows=2)]
        [([[0, 1], [3, 4]], {1: 1, 4: 1}), ([[9, 2]], {2: 1})]
        sage: list(found.pieces())
        []
    """

    #: Cycles per message: 2^22 cycles are 20 MiB where states fit in 32 bits and lengths in 8.
    PIECE_ROWS = 1 << 22

    def __init__(self):
        self._found = []

    @classmethod
    def for_job(cls, job):
        r"""A collector for ``job``'s worker, or ``None`` when its results carry their own cycles."""
        return cls() if getattr(job, "cycles_kept_in_workers", False) else None

    def take(self, result):
        r"""Move the cycles of ``result`` (a :class:`TaskResult`) here; return the result without them."""
        if len(result.cycles):
            self._found.append(result.cycles)
            result.cycles = _EMPTY_CYCLES
        return result

    def pieces(self, rows=None):
        r"""The cycles taken so far as :class:`~sage_lfsr.engine.assembly.SortedCycles` of at most ``rows`` cycles; then none."""
        from sage_lfsr.engine.assembly import SortedCycles

        if not self._found:
            return []
        tables, self._found = self._found, []
        pieces = SortedCycles.from_rows(*tables).pieces(rows or self.PIECE_ROWS)
        for piece in pieces:  # large ones reach the caller through shared memory (sage_lfsr.engine.handoff)
            piece.hand_over = True
        return pieces


def make_tasks(state_count: int, batch_size: int, singular: bool, split: bool) -> tuple:
    r"""
    Cut ``[0, state_count)`` into ranges of ``batch_size`` for each phase.

    EXAMPLES::

        sage: from sage_lfsr.engine.job import make_tasks
        sage: [(t.phase, t.lo, t.hi) for t in make_tasks(10, 4, False, True)]
        [('segments', 0, 4), ('segments', 4, 8), ('segments', 8, 10),
         ('sweep', 0, 4), ('sweep', 4, 8), ('sweep', 8, 10)]
    """
    phases = ("trees",) if singular else (("segments", "sweep") if split else ("sweep",))
    tasks = []
    for phase in phases:
        for lo in range(0, state_count, batch_size):
            tasks.append(Task(len(tasks), phase, lo, min(state_count, lo + batch_size)))
    return tuple(tasks)


_EMPTY_CYCLES = np.empty((0, 2), dtype=np.int64)
_EMPTY_SEGMENTS = np.empty((0, 4), dtype=np.int64)


def count_depths(depths, task: Task) -> np.ndarray:
    r"""
    How many states of ``task``'s range have each depth, once ``trace_trees`` has
    numbered them: ``counts[k]`` states at depth ``k``. Each task counts its own
    range only, so where workers share ``depths`` no state is counted twice; a
    cycle state another worker is writing again reads "pending" (see
    :func:`~sage_lfsr.engine.kernels.traversal.trace_trees`) and counts as depth 0.

    EXAMPLES::

        sage: import numpy as np
        sage: from sage_lfsr.engine.job import Task, count_depths
        sage: count_depths(np.array([0, 254, 2, 1, 2], np.uint8), Task(0, "trees", 0, 5)).tolist()
        [2, 1, 2]
        sage: count_depths(np.array([0, 255], np.uint8), Task(3, "trees", 0, 2))
        Traceback (most recent call last):
        ...
        RuntimeError: task 3 left states of [0, 2) without a depth
    """
    block = depths[task.lo:task.hi].copy()  # shared depths may change while they are counted
    unknown = np.iinfo(block.dtype).max
    if (block == unknown).any():
        raise RuntimeError(f"task {task.task_id} left states of [{task.lo}, {task.hi}) without a depth")
    block[block == unknown - 1] = 0
    return np.bincount(block).astype(np.int64)


def settle_cycles(kernel, depths, starts) -> int:
    r"""
    Give every state of the cycles through ``starts`` depth 0 in ``depths``; return
    the steps walked. For a memory snapshot of depths that workers shared: a copy
    taken while a cycle was being written may hold 0 on some of its states and
    "unknown" on others, and a resumed walk would number those as a tail. Only
    the cycles of tasks that ran while the copy was taken can be caught so.

    EXAMPLES::

        sage: import numpy as np
        sage: from sage_lfsr import LFSR
        sage: from sage_lfsr.registers.coercion import describe
        sage: from sage_lfsr.engine.job import settle_cycles
        sage: from sage_lfsr.engine.kernels import make_kernel
        sage: kernel = make_kernel("fast", describe(LFSR.from_polynomial("x^4 + x^3 + x^2")))
        sage: depths = np.full(16, 255, np.uint8); depths[[6, 13]] = 0   # the cycle 6 -> 11 -> 13 -> 6, caught half written
        sage: settle_cycles(kernel, depths, [6]), np.flatnonzero(depths == 0).tolist()
        (3, [6, 11, 13])
    """
    unknown = np.iinfo(depths.dtype).max
    on_cycles = (depths == 0) | (depths == unknown - 1)
    depths[on_cycles] = unknown  # no cycle state known: a walk from a start goes round its cycle and writes it
    seen = np.zeros((len(depths) + 7) // 8, np.uint8)
    steps = 0
    for start in np.unique(np.asarray(starts, dtype=np.int64)).tolist():
        if depths[start] == unknown:
            steps += int(kernel.trace_trees(start, start + 1, depths, seen)[1])
    depths[on_cycles & (depths == unknown)] = 0  # the other cycles, as they were (pending ones written)
    return steps


def execute(kernel, memory, task: Task, worker: int, dbits: int, clock_zero: float) -> TaskResult:
    r"""Run one task with ``kernel`` on ``memory`` (a :class:`~sage_lfsr.engine.memory.StateMemory`)."""
    start = time.perf_counter()
    flags = getattr(memory, "started", None)
    if flags is not None:
        flags[task.task_id] = 1  # before any mark of this task (see sage_lfsr.engine.snapshots)
    cycles, segments, depth_counts = _EMPTY_CYCLES, _EMPTY_SEGMENTS, np.zeros(0, dtype=np.int64)
    if task.phase == "segments":
        segments, steps = kernel.trace_segments(task.lo, task.hi, memory.visited, dbits)
        owned = int(segments[:, 2].sum())
    elif task.phase == "sweep":
        cycles, steps = kernel.sweep_cycles(task.lo, task.hi, memory.visited, memory.covered, dbits, memory.own_marks)
        owned = int(cycles[:, 1].sum())
    elif task.phase == "trees":
        cycles, steps = kernel.trace_trees(task.lo, task.hi, memory.depths, memory.seen)
        depth_counts = count_depths(memory.depths, task)
        owned = task.size
    else:
        raise ValueError(f"unknown task phase {task.phase!r}")
    end = time.perf_counter()
    if flags is not None:  # finished; whether it holds whole cycles (their marks need its record)
        flags[task.task_id] = 3 if len(cycles) else 2
    return TaskResult(task.task_id, worker, task.phase, cycles, segments, depth_counts,
                      int(steps), owned, start - clock_zero, end - clock_zero)
