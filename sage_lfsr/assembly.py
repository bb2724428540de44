r"""
Assembling a run: the task results merged into a :class:`~sage_lfsr.cyclemap.CycleMap`.

Two separate steps over the same results:

- merging -- every cycle once (found whole, or joined from segments), and the
  tail-depth counts (:func:`merge_found`, :func:`join_segments`, :func:`depth_counts`);
- accounting -- what each worker did: tasks, states traced and owned, busy and
  waiting time, steals (:func:`worker_loads`).

Cycles arrive as integer arrays of ``(minimal state, length)`` rows: with each
task's result, or (process schedules) once per worker at the end of the run,
sorted and merged over the worker's tasks where they were found
(:class:`~sage_lfsr.job.FoundCycles`). :func:`merge_found` merges them with one
in-place numpy sort, so the caller holds about 25 bytes per cycle at its peak.

:func:`assemble` checks that the results cover every state (the conservation
law: cycle states + transient states = ``q^d``).
"""
from __future__ import annotations

import numpy as np

from sage_lfsr.cyclemap import CycleList, CycleMap, WorkerLoad
from sage_lfsr.errors import IncompleteResult

#: Up to this many sorted runs, :func:`merge_found` merges them (numpy's stable sort);
#: beyond, its default sort is faster.
MERGED_RUNS = 2


def assemble(plan, record, restored=None) -> CycleMap:
    r"""
    The :class:`CycleMap` of ``plan`` from the schedule's ``record`` (a
    :class:`~sage_lfsr.schedules.base.RunRecord`) and the results ``restored``
    from a checkpoint (``None``: no checkpoint).
    """
    results = one_per_task(plan.tasks, list(restored or []) + list(record.results))
    found = [(result.worker, result.cycles) for result in results if len(result.cycles)]
    found.extend(record.found)
    record.found = []  # the caller keeps each array only until merge_found has read it
    smallest, lengths, owned = merge_found(found)
    if record.claims is not None:
        owned = claimed_states(record.claims, smallest, lengths)
    joined, segment_owned = join_segments(results)
    loads = worker_loads(results, record, plan.workers, plan.register.singular, owned, segment_owned)
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

def merge_found(found):
    r"""
    The cycles of ``found`` each once, sorted by minimal state: ``(smallest,
    lengths, owned)``, ``owned[w]`` the states of the cycles credited to worker
    ``w`` (a cycle found by several workers goes to the lowest-numbered one).

    INPUT:

    - ``found`` -- a list of pairs ``(worker, cycles)``, ``cycles`` an integer
      array of ``(minimal state, length)`` rows in any order; the list is
      emptied, so that each array can be freed once it has been read

    Each row is packed into one integer, the bits of the minimal state, then of
    the length, then of the worker, and the keys sorted in place (no index
    array); where they do not fit in 63 bits the rows are sorted through an index.

    EXAMPLES::

        sage: import numpy as np
        sage: from sage_lfsr.assembly import merge_found
        sage: found = [(1, np.array([[5, 3], [0, 1]])), (0, np.array([[5, 3], [2, 2]]))]
        sage: smallest, lengths, owned = merge_found(found)
        sage: smallest.tolist(), lengths.tolist(), owned, found
        ([0, 2, 5], [1, 2, 3], {0: 5, 1: 1}, [])

    TESTS::

        sage: merge_found([(0, np.array([[2**40, 2**40], [7, 2**40]]))])[:2]
        (array([           7, 1099511627776]), array([1099511627776, 1099511627776]))
        sage: merge_found([])
        (array([], dtype=int64), array([], dtype=int64), {})
    """
    live = [(int(worker), np.asarray(cycles, dtype=np.int64).reshape(-1, 2)) for worker, cycles in found if len(cycles)]
    found.clear()
    if not live:
        empty = np.empty(0, dtype=np.int64)
        return empty, empty.copy(), {}
    if min(worker for worker, _ in live) < 0:
        raise ValueError("cycles found by a worker without an index")
    length_bits = max(int(cycles[:, 1].max()) for _, cycles in live).bit_length()
    state_bits = max(int(cycles[:, 0].max()) for _, cycles in live).bit_length()
    worker_bits = max(worker for worker, _ in live).bit_length()
    if state_bits + length_bits + worker_bits > 63:
        return _merge_found_by_index(live)
    keys = np.empty(sum(len(cycles) for _, cycles in live), dtype=np.int64)
    found_states, at = {}, 0
    live.sort(key=lambda pair: pair[0], reverse=True)  # a worker's sorted pieces stay one run
    while live:  # pop each array as it is packed: nothing but the keys stays
        worker, cycles = live.pop()
        found_states[worker] = found_states.get(worker, 0) + int(cycles[:, 1].sum())
        row_keys = keys[at:at + len(cycles)]
        np.left_shift(cycles[:, 0], length_bits, out=row_keys)
        row_keys |= cycles[:, 1]
        row_keys <<= worker_bits
        row_keys |= worker
        at += len(cycles)
        del cycles, row_keys
    runs = 1 + np.count_nonzero(keys[1:] < keys[:-1])
    keys.sort(kind="stable" if runs <= MERGED_RUNS else None)  # stable: a merge of the runs
    cycle_keys = keys >> worker_bits
    first = _first_of_runs(cycle_keys)
    if first is not None:  # the copies after the first are not the finders' own
        dropped = ~first
        dropped_states = _states_per_worker(keys[dropped] & ((1 << worker_bits) - 1),
                                            cycle_keys[dropped] & ((1 << length_bits) - 1))
        for worker, states in dropped_states.items():
            found_states[worker] -= states
        del dropped
        cycle_keys = cycle_keys[first]
    del keys, first
    smallest = cycle_keys >> length_bits
    lengths = cycle_keys
    lengths &= (1 << length_bits) - 1
    return smallest, lengths, {worker: states for worker, states in sorted(found_states.items()) if states}


def _merge_found_by_index(live):
    r"""What :func:`merge_found` does, for rows too large to pack into one integer."""
    smallest = np.concatenate([cycles[:, 0] for _, cycles in live])
    lengths = np.concatenate([cycles[:, 1] for _, cycles in live])
    owners = np.concatenate([np.full(len(cycles), worker, dtype=np.int64) for worker, cycles in live])
    order = np.lexsort((owners, smallest))
    smallest, lengths, owners = smallest[order], lengths[order], owners[order]
    first = _first_of_runs(smallest)
    if first is not None:
        smallest, lengths, owners = smallest[first], lengths[first], owners[first]
    return smallest, lengths, _states_per_worker(owners, lengths)


def _first_of_runs(ordered):
    r"""A mask of the first element of each run of equal values of ``ordered``; ``None`` when all differ."""
    first = np.empty(len(ordered), dtype=bool)
    first[:1] = True
    np.not_equal(ordered[1:], ordered[:-1], out=first[1:])
    return None if first.all() else first


def _states_per_worker(owners, lengths):
    r"""``{worker: sum of the lengths of its cycles}`` for workers that own any."""
    owned = np.bincount(owners, weights=lengths).astype(np.int64) if len(owners) else np.zeros(0, np.int64)
    return {worker: states for worker, states in enumerate(owned.tolist()) if states}


def claimed_states(claims, smallest, lengths):
    r"""
    ``{worker: states}`` of the cycles credited to their claimers (``claims``:
    ``{minimal state: worker}``, the seed's Manager registry); unclaimed cycles count for nobody.

    EXAMPLES::

        sage: import numpy as np
        sage: from sage_lfsr.assembly import claimed_states
        sage: claimed_states({0: 1, 5: 1, 2: 0}, np.array([0, 2, 5, 9]), np.array([1, 2, 3, 4]))
        {0: 2, 1: 4}
    """
    owners = np.array([claims.get(int(state), -1) for state in smallest.tolist()], dtype=np.int64)
    known = owners >= 0
    return _states_per_worker(owners[known], lengths[known])


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

def worker_loads(results, record, workers, singular, cycle_owned, segment_owned) -> tuple:
    r"""
    One :class:`WorkerLoad` per worker, sorted: tasks, states traced, busy and
    waiting time, steals, and the states owned (trees: the task's range; cycles:
    ``cycle_owned[w]`` states credited to worker ``w``, see :func:`merge_found`;
    segments: their tracer).
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
        for worker, owned in cycle_owned.items():
            load(worker).states_owned += owned
        for worker, owned in segment_owned.items():
            load(worker).states_owned += owned
    return tuple(sorted(loads.values(), key=lambda entry: entry.worker))
