r"""
``map_cycles``: enumerate the state space of a register under a schedule.
"""
from __future__ import annotations

import numbers
from dataclasses import replace

import numpy as np

from sage_lfsr import planning
from sage_lfsr.cyclemap import CycleList, CycleMap, WorkerLoad
from sage_lfsr.errors import IncompleteResult
from sage_lfsr.job import Job, make_tasks
from sage_lfsr.kernels import check_kernel, make_kernel
from sage_lfsr.limits import check_state_space
from sage_lfsr.schedules import available_schedules as _registered, get_schedule
from sage_lfsr.schedules.base import RunOptions, RunRecord
from sage_lfsr.tables import RegisterTables

REGISTRIES = ("shared", "manager")
START_METHODS = ("fork", "spawn", "forkserver")
#: Largest degree the depth bytes of singular registers allow.
MAX_DEGREE = 250


def available_schedules():
    r"""
    Names accepted by ``map_cycles(schedule=...)``.

    EXAMPLES::

        sage: from sage_lfsr import available_schedules
        sage: available_schedules()
        ['auto', 'dask', 'hybrid', 'queue', 'sequential', 'static', 'steal']
    """
    return sorted(_registered() + ["auto"])


def map_cycles(register, schedule="sequential", workers=None, batch_size=None, kernel="fast",
               registry="shared", split=None, start_method="fork", progress=None, cancel=None,
               scheduler_address=None, checkpoint=None) -> CycleMap:
    r"""
    Map every state of ``register`` into its cycle (and, for singular registers,
    its distance from it).

    INPUT:

    - ``register`` -- an :class:`~sage_lfsr.lfsr.LFSR` (or prebuilt
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
    tables = register if isinstance(register, RegisterTables) else RegisterTables.from_lfsr(register)
    rebuild_from_key = not isinstance(register, RegisterTables)
    options = _check_arguments(schedule, workers, batch_size, kernel, registry, start_method, tables)
    options.progress, options.cancel, options.scheduler_address = progress, cancel, scheduler_address

    if checkpoint is not None:
        from sage_lfsr.checkpoint import Checkpoint

        # Batch sizing is timed: a resumed run must plan the tasks the checkpoint recorded.
        checkpoint = checkpoint if isinstance(checkpoint, Checkpoint) else Checkpoint(checkpoint)
        recorded = checkpoint.planned()
        if recorded is not None:
            batch_size = recorded["batch_size"] if batch_size is None else batch_size
            split = recorded["split"] if split is None else split
    schedule, workers, batch_size, split, dbits, choices = _plan(
        register, tables, kernel, schedule, workers, batch_size, split)
    choices["registry"] = registry
    schedule_object = get_schedule(schedule)
    options.workers = workers
    job = Job(tables.key(), tables, make_tasks(tables.state_count, batch_size, tables.is_singular, split),
              kernel, dbits, registry, rebuild_from_key, choices)
    planned, restored = job, []
    if checkpoint is not None:
        restored = checkpoint.restore(job)
        options.on_result = checkpoint.record
        finished = {result.task_id for result in restored}
        job = replace(job, tasks=tuple(task for task in job.tasks if task.task_id not in finished))
        job.choices["resumed_tasks"] = len(finished)
    record = schedule_object.run(job, options) if job.tasks else RunRecord([])
    record.results = restored + list(record.results)
    return assemble(planned, record, schedule, kernel, workers)


def _plan(register, tables, kernel, schedule, workers, batch_size, split):
    r"""Resolve ``"auto"``, the worker count, the batch size and the splitting; say why in ``choices``."""
    state_count = tables.state_count
    kernel_in_parent = make_kernel(kernel, tables)
    if hasattr(kernel_in_parent, "warm_up"):
        kernel_in_parent.warm_up()  # compiled once here, inherited by forked workers
    step_seconds = planning.measure_step_seconds(kernel_in_parent, state_count, tables.is_singular)
    longest_cycle, structure_note = _longest_cycle(register, tables)
    choices = {"step_seconds": step_seconds, "longest_cycle": longest_cycle, "structure": structure_note}
    if schedule == "auto":
        schedule, workers, choices["auto"] = planning.auto_schedule(state_count, step_seconds)
    if schedule == "sequential":
        workers = 1
    elif workers is None:
        workers = planning.default_workers()
    workers = int(workers)
    if batch_size is None and schedule == "static":
        batch_size = -(-state_count // workers)
        choices["batch_size_reason"] = "static: one chunk per worker"
    elif batch_size is None:
        batch_size = planning.auto_batch_size(state_count, workers, step_seconds)
        choices["batch_size_reason"] = (f"auto: >= {planning.TASK_COST_OVER_IPC}x the IPC per task at "
                                        f"{step_seconds * 1e9:.1f} ns per state, about {planning.TASKS_PER_WORKER} "
                                        "tasks per worker")
    batch_size = int(min(batch_size, state_count))
    if split is None:
        split = not tables.is_singular and schedule != "sequential" and longest_cycle > batch_size
    if tables.is_singular and split:
        raise ValueError("splitting long cycles is implemented for invertible registers (c_0 != 0) only")
    dbits = planning.distinguished_bits(batch_size) if split else 0
    choices.update({"batch_size": batch_size, "split": bool(split), "distinguished_bits": dbits})
    return schedule, workers, batch_size, bool(split), dbits, choices


def _check_arguments(schedule, workers, batch_size, kernel, registry, start_method, tables):
    if schedule not in available_schedules():
        raise ValueError(f"unknown schedule {schedule!r}: choose one of {', '.join(available_schedules())}")
    for name, value in (("workers", workers), ("batch_size", batch_size)):
        if value is not None and (not isinstance(value, numbers.Integral) or isinstance(value, bool) or value <= 0):
            raise ValueError(f"{name} must be a positive integer, not {value!r}")
    check_kernel(kernel)
    if registry not in REGISTRIES:
        raise ValueError(f"unknown registry {registry!r}: choose 'shared' or 'manager'")
    if start_method not in START_METHODS:
        raise ValueError(f"unknown start method {start_method!r}: choose one of {', '.join(START_METHODS)}")
    if tables.degree > MAX_DEGREE:
        raise ValueError(f"degree {tables.degree} is above the supported {MAX_DEGREE}")
    check_state_space(tables.state_count, tables.state_count // 8, "map this state space")
    return RunOptions(start_method=start_method)


def _longest_cycle(register, tables):
    if isinstance(register, RegisterTables):
        return tables.state_count, "no Sage: assumed one cycle as long as the state space"
    from sage_lfsr.theory import predict_cycles

    predicted = predict_cycles(register)
    return max(predicted.cycle_counts), f"predicted {predicted.cycle_count} cycles, longest {max(predicted.cycle_counts)}"


def assemble(job, record, schedule, kernel, workers) -> CycleMap:
    r"""Merge task results into a :class:`CycleMap`, checking that they cover every state."""
    results = _one_per_task(job, record.results)
    loads = {worker: WorkerLoad(worker) for worker in range(workers)}
    for worker, seconds in record.waiting_seconds.items():
        loads.setdefault(worker, WorkerLoad(worker)).waiting_seconds = seconds

    smallest, lengths, cycle_owner = _distinct_cycles(results)
    if record.claims is not None:
        cycle_owner = np.array([record.claims.get(int(state), -1) for state in smallest], dtype=np.int64)

    joined, segment_owned = _join_segments(results)
    depth_counts = _depth_counts(job, results)

    for result in results:
        load = loads.setdefault(result.worker, WorkerLoad(result.worker))
        load.tasks += 1
        load.states_traced += result.states_traced
        load.busy_seconds += result.end - result.start
        load.timeline.append((result.task_id, result.start, result.end))
        if result.phase == "trees":
            load.states_owned += result.states_owned
        if result.stolen_from is not None:
            load.steals_made += 1
            loads.setdefault(result.stolen_from, WorkerLoad(result.stolen_from)).steals_suffered += 1
    if not job.singular:
        known = cycle_owner >= 0
        owned_by = np.bincount(cycle_owner[known], weights=lengths[known], minlength=workers)
        for worker, owned in enumerate(owned_by.astype(np.int64).tolist()):
            if owned:
                loads.setdefault(worker, WorkerLoad(worker)).states_owned += owned
        for worker, owned in segment_owned.items():
            loads[worker].states_owned += owned

    if joined:
        joined_smallest, joined_lengths = np.array(sorted(joined), dtype=np.int64).T
        places = np.searchsorted(smallest, joined_smallest)
        smallest = np.insert(smallest, places, joined_smallest)
        lengths = np.insert(lengths, places, joined_lengths)
    all_cycle_list = CycleList(smallest, lengths)
    counts = _length_counts(lengths)
    tails = depth_counts if job.singular else {0: job.state_count}
    result = CycleMap(job.tables.field_order, job.tables.degree, counts, tails,
                      cycles=all_cycle_list, schedule=schedule, kernel=kernel, workers=workers,
                      worker_loads=tuple(sorted(loads.values(), key=lambda load: load.worker)),
                      wall_seconds=record.wall_seconds, choices=dict(job.choices))
    if not result.is_complete():
        raise IncompleteResult(f"the results cover {result.cycle_states} cycle states and "
                               f"{result.transient_states} transient states, not the {job.state_count} states")
    return result


def _distinct_cycles(results):
    r"""
    The cycles the tasks found whole, each once, sorted by minimal state:
    ``(smallest, lengths, owner)``, the owner being the worker whose result came first.
    """
    found = [result for result in results if len(result.cycles)]
    if not found:
        empty = np.empty(0, dtype=np.int64)
        return empty, empty, empty
    smallest = np.concatenate([result.cycles[:, 0] for result in found])
    lengths = np.concatenate([result.cycles[:, 1] for result in found])
    owners = np.concatenate([np.full(len(result.cycles), result.worker, dtype=np.int64) for result in found])
    order = np.argsort(smallest, kind="stable")
    ordered = smallest[order]
    first = np.ones(len(order), dtype=bool)
    first[1:] = ordered[1:] != ordered[:-1]
    keep = order[first]
    return smallest[keep], lengths[keep], owners[keep]


def _length_counts(lengths):
    r"""``{length: number of cycles}``; a bincount where the lengths are few and small."""
    if len(lengths) and lengths.max() <= 4 * len(lengths) + 1024:
        counts = np.bincount(lengths)
        present = np.flatnonzero(counts)
        return dict(zip(present.tolist(), counts[present].tolist()))
    distinct, multiplicities = np.unique(lengths, return_counts=True)
    return dict(zip(distinct.tolist(), multiplicities.tolist()))


def _one_per_task(job, results):
    by_task = {}
    for result in results:
        by_task.setdefault(result.task_id, result)
    missing = [task.task_id for task in job.tasks if task.task_id not in by_task]
    if missing:
        raise IncompleteResult(f"{len(missing)} tasks returned no result (task ids {missing[:10]})")
    return sorted(by_task.values(), key=lambda result: result.task_id)


def _join_segments(results):
    r"""Chain segments ``start -> end`` into cycles; return ``[(smallest, length)]`` and states per tracer."""
    table, owned = {}, {}
    for result in results:
        for start, end, length, smallest in result.segments.tolist():
            table[start] = (end, length, smallest)
            owned[result.worker] = owned.get(result.worker, 0) + length
    cycles, done = [], set()
    for first in table:
        if first in done:
            continue
        state, total, smallest = first, 0, first
        while True:
            if state not in table:
                raise IncompleteResult(f"the segment chain from state {first} breaks at state {state}")
            done.add(state)
            end, length, segment_smallest = table[state]
            total += length
            smallest = min(smallest, segment_smallest)
            state = end
            if state == first:
                break
        cycles.append((smallest, total))
    return cycles, owned


def _depth_counts(job, results):
    counts = {}
    for result in results:
        for depth, count in enumerate(result.depth_counts.tolist()):
            if count:
                counts[depth] = counts.get(depth, 0) + count
    return counts
