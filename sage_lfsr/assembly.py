r"""
Assembling a run: the task results merged into a :class:`~sage_lfsr.cyclemap.CycleMap`.

Two separate steps over the same results:

- merging -- every cycle once (found whole, or joined from segments), and the
  tail-depth counts (:func:`merge_cycles`, :func:`join_segments`, :func:`depth_counts`);
- accounting -- what each worker did: tasks, states traced and owned, busy and
  waiting time, steals (:func:`worker_loads`).

:func:`assemble` checks that the results cover every state (the conservation
law: cycle states + transient states = ``q^d``).
"""
from __future__ import annotations

import numpy as np

from sage_lfsr.cyclemap import CycleList, CycleMap, WorkerLoad
from sage_lfsr.errors import IncompleteResult


def assemble(plan, record, restored=None) -> CycleMap:
    r"""
    The :class:`CycleMap` of ``plan`` from the schedule's ``record`` (a
    :class:`~sage_lfsr.schedules.base.RunRecord`) and the results ``restored``
    from a checkpoint (``None``: no checkpoint).
    """
    results = one_per_task(plan.tasks, list(restored or []) + list(record.results))
    smallest, lengths, cycle_owner = distinct_cycles(results)
    if record.claims is not None:
        cycle_owner = np.array([record.claims.get(int(state), -1) for state in smallest], dtype=np.int64)
    joined, segment_owned = join_segments(results)
    loads = worker_loads(results, record, plan.workers, plan.register.singular, cycle_owner, lengths, segment_owned)
    cycles = merge_cycles(smallest, lengths, joined)
    tails = depth_counts(results) if plan.register.singular else {0: plan.state_count}
    choices = plan.choices()
    if restored is not None:
        choices["resumed_tasks"] = len(restored)
    choices.update(record.measured)
    tables = plan.register.tables
    result = CycleMap(tables.field_order, tables.degree, length_counts(cycles.lengths), tails, cycles=cycles,
                      schedule=plan.schedule, kernel=plan.kernel, workers=plan.workers, worker_loads=loads,
                      wall_seconds=record.wall_seconds, choices=choices)
    if not result.is_complete():
        raise IncompleteResult(f"the results cover {result.cycle_states} cycle states and "
                               f"{result.transient_states} transient states, not the {plan.state_count} states")
    return result


def one_per_task(tasks, results):
    r"""The first result of each task, by task id; raises :class:`IncompleteResult` when a task has none."""
    by_task = {}
    for result in results:
        by_task.setdefault(result.task_id, result)
    missing = [task.task_id for task in tasks if task.task_id not in by_task]
    if missing:
        raise IncompleteResult(f"{len(missing)} tasks returned no result (task ids {missing[:10]})")
    return sorted(by_task.values(), key=lambda result: result.task_id)


# ---------------------------------------------------------------- merging

def distinct_cycles(results):
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


def join_segments(results):
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


def merge_cycles(smallest, lengths, joined) -> CycleList:
    r"""The cycles found whole and those ``joined`` from segments, sorted by minimal state."""
    if joined:
        joined_smallest, joined_lengths = np.array(sorted(joined), dtype=np.int64).T
        places = np.searchsorted(smallest, joined_smallest)
        smallest = np.insert(smallest, places, joined_smallest)
        lengths = np.insert(lengths, places, joined_lengths)
    return CycleList(smallest, lengths)


def length_counts(lengths):
    r"""``{length: number of cycles}``; a bincount where the lengths are few and small."""
    if len(lengths) and lengths.max() <= 4 * len(lengths) + 1024:
        counts = np.bincount(lengths)
        present = np.flatnonzero(counts)
        return dict(zip(present.tolist(), counts[present].tolist()))
    distinct, multiplicities = np.unique(lengths, return_counts=True)
    return dict(zip(distinct.tolist(), multiplicities.tolist()))


def depth_counts(results):
    r"""``{depth: states}`` summed over the tasks (singular registers)."""
    counts = {}
    for result in results:
        for depth, count in enumerate(result.depth_counts.tolist()):
            if count:
                counts[depth] = counts.get(depth, 0) + count
    return counts


# ---------------------------------------------------------------- accounting

def worker_loads(results, record, workers, singular, cycle_owner, lengths, segment_owned) -> tuple:
    r"""
    One :class:`WorkerLoad` per worker, sorted: tasks, states traced, busy and
    waiting time, steals, and the states owned (trees: the task's range; cycles:
    their owner, ``cycle_owner[i]`` for the ``i``-th distinct cycle; segments:
    their tracer).
    """
    loads = {worker: WorkerLoad(worker) for worker in range(workers)}

    def load(worker):
        return loads.setdefault(worker, WorkerLoad(worker))

    for worker, seconds in record.waiting_seconds.items():
        load(worker).waiting_seconds = seconds
    for result in results:
        own = load(result.worker)
        own.tasks += 1
        own.states_traced += result.states_traced
        own.busy_seconds += result.end - result.start
        own.timeline.append((result.task_id, result.start, result.end))
        if result.phase == "trees":
            own.states_owned += result.states_owned
        if result.stolen_from is not None:
            own.steals_made += 1
            load(result.stolen_from).steals_suffered += 1
    if not singular:
        known = cycle_owner >= 0
        owned_by = np.bincount(cycle_owner[known], weights=lengths[known], minlength=workers)
        for worker, owned in enumerate(owned_by.astype(np.int64).tolist()):
            if owned:
                load(worker).states_owned += owned
        for worker, owned in segment_owned.items():
            load(worker).states_owned += owned
    return tuple(sorted(loads.values(), key=lambda entry: entry.worker))
