r"""
``map_cycles``: enumerate the state space of a register under a schedule, in
two steps: :func:`~sage_lfsr.engine.planning.plan` decides everything (with Sage),
:func:`run` carries the plan out (without Sage) and assembles the
:class:`~sage_lfsr.engine.cyclemap.CycleMap`. ``map_cycles(...)`` is ``run(plan(...))``.
"""
from __future__ import annotations

import warnings

import numpy as np

from sage_lfsr.engine.assembly import assemble
from sage_lfsr.engine.checkpoint import Checkpoint, CheckpointWarning
from sage_lfsr.engine.cyclemap import CycleMap
from sage_lfsr.engine.planning import REGISTRIES, available_schedules  # noqa: F401 (public names)
from sage_lfsr.engine.schedules import get_schedule
from sage_lfsr.engine.schedules.base import RunOptions, RunRecord
from sage_lfsr.engine.snapshots import remove_snapshot


def map_cycles(register, schedule=None, workers=None, batch_size=None, kernel="fast",
               registry=None, split=None, start_method="fork", progress=None, cancel=None,
               scheduler_address=None, checkpoint=None, pool=None) -> CycleMap:
    r"""
    Map every state of ``register`` into its cycle (and, for singular registers,
    its distance from it).

    INPUT:

    - ``register`` -- an :class:`~sage_lfsr.registers.lfsr.LFSR` (linear or affine, either
      form), a square Sage matrix over `GF(q)` (row-vector states, ``state * M``)
      or a :class:`~sage_lfsr.registers.matrix.MatrixRegister` (or prebuilt
      :class:`~sage_lfsr.registers.tables.RegisterTables`, for machines without Sage)
    - ``schedule`` -- ``"sequential"``, ``"static"``, ``"queue"``, ``"steal"``,
      ``"hybrid"``, ``"dask"`` or ``"auto"`` (default: ``"sequential"``, or ``"auto"``
      when ``workers`` is given: see :func:`~sage_lfsr.engine.planning.resolve_schedule`)
    - ``workers`` -- worker processes (default: 1 for ``"sequential"``, else every core;
      for ``"auto"``, the most it may use)
    - ``batch_size`` -- states per task (default: sized from the problem and a
      measured cost per state, see :func:`~sage_lfsr.engine.planning.auto_batch_size`)
    - ``kernel`` -- ``"fast"`` (compiled) or ``"sage"`` (Sage vector times matrix)
    - ``registry`` -- ``"shared"`` (default: visited states in shared memory) or
      ``"manager"`` (the seed's design: a Manager dict of claimed cycles only)
    - ``split`` -- trace cycles longer than a task in segments (default: when the
      predicted longest cycle is longer than a task)
    - ``start_method`` -- ``"fork"`` (default) or ``"spawn"``
    - ``progress`` -- called as ``progress(states_done, states_total)``
    - ``cancel`` -- an object with ``is_set()`` (``threading.Event``); when set the
      run stops and raises :class:`~sage_lfsr.common.errors.MappingCancelled`
    - ``scheduler_address`` -- for ``schedule="dask"``: the scheduler to use
      (default: a LocalCluster)
    - ``checkpoint`` -- a file name or :class:`~sage_lfsr.engine.checkpoint.Checkpoint`:
      finished tasks are recorded there, and a rerun resumes from them
    - ``pool`` -- a :class:`~sage_lfsr.engine.pool.MappingPool` whose workers, started
      once, run the tasks (default ``workers``: the pool's); without it each
      map starts its own workers

    OUTPUT: a :class:`~sage_lfsr.engine.cyclemap.CycleMap`

    EXAMPLES::

        sage: from sage_lfsr import LFSR, map_cycles
        sage: result = map_cycles(LFSR.from_polynomial("x^4 + x^3 + x^2"))
        sage: result.cycle_counts, result.tail_depths, result.transient_states
        ({1: 1, 3: 1}, {0: 4, 1: 4, 2: 8}, 12)
        sage: result.cycles
        ((0, 1), (6, 3))
        sage: parallel = map_cycles(LFSR([1, 1, 0, 0, 0, 0, 1, 0]), schedule="steal", workers=2, batch_size=32)
        sage: parallel.cycle_counts, len(parallel.worker_loads)
        ({1: 2, 127: 2}, 2)

    TESTS::

        sage: map_cycles(LFSR([1, 1]), schedule="static", workers=0)
        Traceback (most recent call last):
        ...
        ValueError: workers must be a positive integer, not 0
        sage: map_cycles(LFSR([1, 1]), schedule="round-robin")
        Traceback (most recent call last):
        ...
        ValueError: unknown schedule 'round-robin': choose one of ...
    """
    from sage_lfsr.engine.planning import plan

    if pool is not None:
        workers = pool.workers if workers is None else workers
        if schedule not in (None, "auto"):  # auto is resolved by planning, for at most these workers
            pool.check(schedule, workers)
    decided = plan(register, schedule=schedule, workers=workers, batch_size=batch_size, kernel=kernel,
                   registry=registry, split=split, start_method=start_method, checkpoint=checkpoint,
                   scheduler_address=scheduler_address)
    return run(decided, progress=progress, cancel=cancel, pool=pool)


def run(plan, progress=None, cancel=None, checkpoint=None, pool=None) -> CycleMap:
    r"""
    Carry out ``plan`` (a :class:`~sage_lfsr.engine.planning.Plan`): its tasks under its
    schedule, then :func:`~sage_lfsr.engine.assembly.assemble`. Needs no Sage (except
    in the workers of the ``sage`` kernel).

    INPUT:

    - ``plan`` -- from :func:`~sage_lfsr.engine.planning.plan`
    - ``progress``, ``cancel`` -- as for :func:`map_cycles`
    - ``checkpoint`` -- a file name or :class:`~sage_lfsr.engine.checkpoint.Checkpoint`
      (default: the plan's): finished tasks are recorded there, and those
      recorded already are not run again
    - ``pool`` -- a :class:`~sage_lfsr.engine.pool.MappingPool` to run the tasks on
      (a plan for at most as many workers as the pool has)

    OUTPUT: a :class:`~sage_lfsr.engine.cyclemap.CycleMap`

    EXAMPLES::

        sage: from sage_lfsr import LFSR, map_cycles
        sage: from sage_lfsr.engine.mapper import run
        sage: from sage_lfsr.engine.planning import plan
        sage: register = LFSR.from_polynomial("x^6 + x^5 + x^3 + x^2")
        sage: decided = plan(register, schedule="steal", workers=2, batch_size=16)
        sage: run(decided).cycles == map_cycles(register).cycles
        True
    """
    if checkpoint is None:
        checkpoint = plan.checkpoint
    elif not isinstance(checkpoint, Checkpoint):
        checkpoint = Checkpoint(checkpoint)
    options = RunOptions(workers=plan.workers, start_method=plan.start_method, progress=progress, cancel=cancel,
                         scheduler_address=plan.scheduler_address, kernel=plan.calibrated_kernel, pool=pool)
    if pool is not None:
        pool.check(plan.schedule, plan.workers)
    job, restored, resume = plan.job(), None, None
    if checkpoint is not None:
        resume = _Resume(plan, checkpoint, options)
        job, restored = resume.job, resume.restored
    try:
        record = get_schedule(plan.schedule).run(job, options) if job.tasks else RunRecord([])
    finally:
        if resume is not None:
            resume.close()
    if resume is not None:
        record.measured.update(resume.measured(record))
    return assemble(plan, record, restored)


class _Resume:
    r"""
    What a run with a checkpoint does before and while it runs: the recorded
    results, the tasks left (and the recorded segment tasks run again), the memory
    snapshot to start from, and the recording of each new result.

    A recorded segment task runs again when sweep tasks remain and the memory
    snapshot does not hold its marks: sweeps skip what the segments marked, and
    without those marks each sweep start on a long cycle would walk to the next
    distinguished state (on a degree-30 register, 8 times the work of a fresh run).
    """

    def __init__(self, plan, checkpoint, options):
        from sage_lfsr.engine.schedules.base import schedule_class
        from sage_lfsr.engine.snapshots import SnapshotTaker, load_snapshot

        self.checkpoint, self.tasks = checkpoint, plan.tasks
        restored = checkpoint.restore(plan.job())
        self.recorded = recorded = {result.task_id for result in restored}
        register = plan.register
        kind = (("depths", register.depth_dtype, register.state_count) if register.singular
                else ("visited", np.uint8, (register.state_count + 7) // 8))
        keeps = schedule_class(plan.schedule).keeps_snapshots
        snapshot, covered, self.snapshot_reason = (
            load_snapshot(checkpoint.snapshot_path, checkpoint.header_crc(), *kind, recorded)
            if keeps and recorded else (None, set(), None))
        if self.snapshot_reason:
            warnings.warn(self.snapshot_reason, CheckpointWarning, stacklevel=4)
        self.snapshot_tasks = len(covered) if snapshot is not None else None
        self.settle_steps = 0
        if snapshot is not None and register.singular:
            self.settle_steps = _settle_snapshot_cycles(register, snapshot, restored, covered)
        sweeps_remain = any(task.phase == "sweep" and task.task_id not in recorded for task in plan.tasks)
        self.rerun = {task.task_id for task in plan.tasks if task.phase == "segments" and task.task_id in recorded
                      and task.task_id not in covered} if sweeps_remain else set()
        self.restored = [result for result in restored if result.task_id not in self.rerun]
        self.job = plan.job(task for task in plan.tasks if task.task_id not in recorded or task.task_id in self.rerun)
        self.taker = None
        if keeps and self.job.tasks:
            self.taker = SnapshotTaker(checkpoint.snapshot_path, checkpoint.header_crc(), recorded - self.rerun,
                                       {task.task_id for task in self.job.tasks if task.phase == "segments"},
                                       memory_bytes=kind[2] * np.dtype(kind[1]).itemsize)
        options.restored_memory, options.snapshots, options.on_result = snapshot, self.taker, self.on_result

    def on_result(self, result):
        if result.task_id not in self.recorded:
            self.checkpoint.record(result)
        if self.taker is not None:
            self.taker.note_recorded(result.task_id, int(result.states_traced))

    def close(self):
        r"""When the run ends, however: the records are ``fsync``-ed, the last memory snapshot whose tasks are recorded is written."""
        try:
            self.checkpoint.close()  # fsync-ed and unlocked
        finally:
            if self.taker is not None:
                self.taker.close()

    def measured(self, record) -> dict:
        r"""What the map's ``choices`` report; called after the run, which recorded every task."""
        remove_snapshot(self.checkpoint.snapshot_path)  # every task is recorded: nothing to resume
        measured = {"states_traced_this_run": self.settle_steps + sum(int(result.states_traced)
                                                                      for result in record.results)}
        if self.checkpoint.dropped:
            measured["checkpoint_dropped"] = list(self.checkpoint.dropped)
        if self.rerun:
            measured["segment_tasks_rerun"] = len(self.rerun)
        if self.snapshot_reason:
            measured["memory_snapshot"] = self.snapshot_reason
        elif self.snapshot_tasks is not None:
            measured["memory_snapshot"] = f"restored the marks of {self.snapshot_tasks} recorded tasks"
        if self.taker is not None:
            measured.update(self.taker.measured())
        return measured


def _settle_snapshot_cycles(register, depths, restored, covered) -> int:
    r"""
    Write whole, in the restored ``depths``, the cycles that the recorded tasks
    not ``covered`` by the snapshot found: workers sharing the depths may have
    been writing them while the snapshot was copied (:func:`~sage_lfsr.engine.job.settle_cycles`).
    """
    from sage_lfsr.engine.job import settle_cycles
    from sage_lfsr.engine.kernels import make_kernel

    starts = [result.cycles[:, 0] for result in restored if result.task_id not in covered and len(result.cycles)]
    if not starts:
        return 0
    return settle_cycles(make_kernel("fast", register), depths, np.concatenate(starts))
