r"""
``map_cycles``: enumerate the state space of a register under a schedule, in
two steps: :func:`~sage_lfsr.planning.plan` decides everything (with Sage),
:func:`run` carries the plan out (without Sage) and assembles the
:class:`~sage_lfsr.cyclemap.CycleMap`. ``map_cycles(...)`` is ``run(plan(...))``.
"""
from __future__ import annotations

from sage_lfsr.assembly import assemble
from sage_lfsr.checkpoint import Checkpoint
from sage_lfsr.cyclemap import CycleMap
from sage_lfsr.planning import REGISTRIES, available_schedules  # noqa: F401 (public names)
from sage_lfsr.schedules import get_schedule
from sage_lfsr.schedules.base import RunOptions, RunRecord


def map_cycles(register, schedule="sequential", workers=None, batch_size=None, kernel="fast",
               registry="shared", split=None, start_method="fork", progress=None, cancel=None,
               scheduler_address=None, checkpoint=None, pool=None) -> CycleMap:
    r"""
    Map every state of ``register`` into its cycle (and, for singular registers,
    its distance from it).

    INPUT:

    - ``register`` -- an :class:`~sage_lfsr.lfsr.LFSR` (linear or affine, either
      form), a square Sage matrix over `GF(q)` (row-vector states, ``state * M``)
      or a :class:`~sage_lfsr.matrix_register.MatrixRegister` (or prebuilt
      :class:`~sage_lfsr.tables.RegisterTables`, for machines without Sage)
    - ``schedule`` -- ``"sequential"`` (default), ``"static"``, ``"queue"``,
      ``"steal"``, ``"hybrid"``, ``"dask"`` or ``"auto"``
    - ``workers`` -- worker processes (default: 1 for ``"sequential"``, else every core)
    - ``batch_size`` -- states per task (default: sized from the problem and a
      measured cost per state, see :func:`~sage_lfsr.planning.auto_batch_size`)
    - ``kernel`` -- ``"fast"`` (compiled) or ``"sage"`` (Sage vector times matrix)
    - ``registry`` -- ``"shared"`` (visited states in shared memory) or
      ``"manager"`` (the seed's design: a Manager dict of claimed cycles only)
    - ``split`` -- trace cycles longer than a task in segments (default: when the
      predicted longest cycle is longer than a task)
    - ``start_method`` -- ``"fork"`` (default) or ``"spawn"``
    - ``progress`` -- called as ``progress(states_done, states_total)``
    - ``cancel`` -- an object with ``is_set()`` (``threading.Event``); when set the
      run stops and raises :class:`~sage_lfsr.errors.MappingCancelled`
    - ``scheduler_address`` -- for ``schedule="dask"``: the scheduler to use
      (default: a LocalCluster)
    - ``checkpoint`` -- a file name or :class:`~sage_lfsr.checkpoint.Checkpoint`:
      finished tasks are recorded there, and a rerun resumes from them
    - ``pool`` -- a :class:`~sage_lfsr.pool.MappingPool` whose workers, started
      once, run the tasks (default ``workers``: the pool's); without it each
      map starts its own workers

    OUTPUT: a :class:`~sage_lfsr.cyclemap.CycleMap`

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
    from sage_lfsr.planning import plan

    if pool is not None:
        workers = pool.workers if workers is None else workers
        pool.check(schedule, workers)
    decided = plan(register, schedule=schedule, workers=workers, batch_size=batch_size, kernel=kernel,
                   registry=registry, split=split, start_method=start_method, checkpoint=checkpoint,
                   scheduler_address=scheduler_address)
    return run(decided, progress=progress, cancel=cancel, pool=pool)


def run(plan, progress=None, cancel=None, checkpoint=None, pool=None) -> CycleMap:
    r"""
    Carry out ``plan`` (a :class:`~sage_lfsr.planning.Plan`): its tasks under its
    schedule, then :func:`~sage_lfsr.assembly.assemble`. Needs no Sage (except
    in the workers of the ``sage`` kernel).

    INPUT:

    - ``plan`` -- from :func:`~sage_lfsr.planning.plan`
    - ``progress``, ``cancel`` -- as for :func:`map_cycles`
    - ``checkpoint`` -- a file name or :class:`~sage_lfsr.checkpoint.Checkpoint`
      (default: the plan's): finished tasks are recorded there, and those
      recorded already are not run again
    - ``pool`` -- a :class:`~sage_lfsr.pool.MappingPool` to run the tasks on
      (a plan for at most as many workers as the pool has)

    OUTPUT: a :class:`~sage_lfsr.cyclemap.CycleMap`

    EXAMPLES::

        sage: from sage_lfsr import LFSR, map_cycles
        sage: from sage_lfsr.mapper import run
        sage: from sage_lfsr.planning import plan
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
    job, restored = plan.job(), None
    if checkpoint is not None:
        restored = checkpoint.restore(job)
        recorded = {result.task_id for result in restored}
        # Sweeps skip what the segments marked; those marks are not in the file, so the
        # segment tasks run again while sweep tasks remain (else resuming costs more than a fresh run).
        rerun = {task.task_id for task in plan.tasks if task.phase == "segments"} if any(
            task.phase == "sweep" and task.task_id not in recorded for task in plan.tasks) else set()
        restored = [result for result in restored if result.task_id not in rerun]
        options.on_result = lambda result: None if result.task_id in recorded else checkpoint.record(result)
        job = plan.job(task for task in plan.tasks if task.task_id not in recorded or task.task_id in rerun)
    record = get_schedule(plan.schedule).run(job, options) if job.tasks else RunRecord([])
    if checkpoint is not None and checkpoint.dropped:
        record.measured["checkpoint_dropped"] = list(checkpoint.dropped)
    if checkpoint is not None and rerun & recorded:
        record.measured["segment_tasks_rerun"] = len(rerun & recorded)
    return assemble(plan, record, restored)
