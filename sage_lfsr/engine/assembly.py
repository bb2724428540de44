r"""
Assembling a run: the task results merged into a :class:`~sage_lfsr.engine.cyclemap.CycleMap`.

Two separate steps over the same results:

- merging -- every cycle once (found whole, or joined from segments), and the
  tail-depth counts (:func:`merge_found`, :func:`join_segments`, :func:`depth_counts`);
- accounting -- what each worker did: tasks, states traced and owned, busy and
  waiting time, steals (:func:`worker_loads`).

Cycles arrive as integer arrays of ``(minimal state, length)`` rows with each
task's result, or (process schedules) once per worker at the end of the run,
sorted, each once, counted by length and narrowed where they were found
(:class:`SortedCycles`, :class:`~sage_lfsr.engine.job.FoundCycles`; 5 bytes a cycle
where states fit in 32 bits and lengths in 8). :func:`merge_found` merges the
workers' sorted runs in one linear pass in compiled code and adds their counts,
so the caller's part after the last task is short (x^28+1, 9.6 million cycles
from 16 workers: about 0.1 s) and holds the cycle list in those narrow types.

:func:`assemble` checks that the results cover every state (the conservation
law: cycle states + transient states = ``q^d``).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np

from sage_lfsr.engine.cyclemap import CycleList, CycleMap, WorkerLoad
from sage_lfsr.common.errors import IncompleteResult

#: Up to this many sorted runs, :func:`_merge_by_sort` merges them (numpy's stable sort);
#: beyond, its default sort is faster.
MERGED_RUNS = 2


def assemble(plan, record, restored=None) -> CycleMap:
    r"""
    The :class:`CycleMap` of ``plan`` from the schedule's ``record`` (a
    :class:`~sage_lfsr.engine.schedules.base.RunRecord`) and the results ``restored``
    from a checkpoint (``None``: no checkpoint).
    """
    results = one_per_task(plan.tasks, list(restored or []) + list(record.results))
    found = [(result.worker, result.cycles) for result in results if len(result.cycles)]
    found.extend(record.found)
    record.found = []  # the caller keeps each array only until merge_found has read it
    merged = merge_found(found)
    owned = merged.owned
    if record.claims is not None:
        owned = claimed_states(record.claims, merged.smallest, merged.lengths)
    joined, segment_owned = join_segments(results)
    loads = worker_loads(results, record, plan.workers, plan.register.singular, owned, segment_owned)
    cycles = merge_cycles(merged.smallest, merged.lengths, joined)
    counts = merged.counts
    for _, length in joined:
        counts[length] = counts.get(length, 0) + 1
    del merged
    tails = depth_counts(results) if plan.register.singular else {0: plan.state_count}
    choices = plan.choices()
    if restored is not None:
        choices["resumed_tasks"] = len(restored)
    choices.update(record.measured)
    tables = plan.register.tables
    result = CycleMap(tables.field_order, tables.degree, counts, tails, cycles=cycles,
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

class MergedCycles(NamedTuple):
    r"""What :func:`merge_found` returns: the cycles sorted, each once, who owns them, and how many of each length."""

    smallest: np.ndarray
    lengths: np.ndarray
    #: ``{worker: states of the cycles credited to it}``.
    owned: dict
    #: ``{length: cycles}``.
    counts: dict


@dataclass(eq=False)
class SortedCycles:
    r"""
    Cycles sorted by minimal state, each once, in the narrowest integer types
    that hold them, with their number by length: what a worker sends the caller
    at the end of a run (:class:`~sage_lfsr.engine.job.FoundCycles`), 5 bytes a cycle
    where states fit in 32 bits and lengths in 8, so that the caller receives
    and merges little (:func:`merge_found`) and adds counts instead of counting.

    EXAMPLES::

        sage: import numpy as np
        sage: from sage_lfsr.engine.assembly import SortedCycles
        sage: run = SortedCycles.from_rows(np.array([[9, 2], [3, 4], [3, 4], [0, 1]]))
        sage: run.smallest, run.lengths, run.counts(), run.states
        (array([0, 3, 9], dtype=uint32), array([1, 4, 2], dtype=uint8), {1: 1, 2: 1, 4: 1}, 7)
        sage: [piece.smallest.tolist() for piece in run.pieces(2)], [piece.states for piece in run.pieces(2)]
        ([[0, 3], [9]], [5, 2])
    """

    smallest: np.ndarray
    lengths: np.ndarray
    #: The distinct lengths, and the number of cycles of each.
    count_lengths: np.ndarray
    count_cycles: np.ndarray
    #: Whether pickling hands the arrays over through shared memory (:mod:`~sage_lfsr.engine.handoff`)
    #: where they take at least :data:`HANDED_OVER_FROM_BYTES`: set on what a worker sends, once.
    hand_over: bool = field(default=False, repr=False)

    def __reduce__(self):
        if self.hand_over and self.smallest.nbytes + self.lengths.nbytes >= HANDED_OVER_FROM_BYTES:
            from sage_lfsr.engine.handoff import hand_over

            sent = hand_over((self.smallest, self.lengths))
            if sent is not None:
                return _taken_over, (sent, self.count_lengths, self.count_cycles)
        return SortedCycles, (self.smallest, self.lengths, self.count_lengths, self.count_cycles)

    @classmethod
    def from_rows(cls, *tables):
        r"""
        The cycles of ``tables`` (integer arrays of ``(minimal state, length)``
        rows in any order, copies allowed), sorted together without joining
        the arrays first.
        """
        live = [(0, np.asarray(rows, dtype=np.int64).reshape(-1, 2)) for rows in tables if len(rows)]
        smallest, lengths, _ = _merge_by_sort(live, narrow=True) if live else (_EMPTY, _EMPTY, {})
        return cls.from_sorted(smallest, lengths)

    @classmethod
    def from_sorted(cls, smallest, lengths):
        r"""The cycles ``smallest``, ``lengths`` (sorted by minimal state, each once) in their narrowest types."""
        count_lengths, count_cycles = _count_lengths(lengths)
        return cls(*narrowed(smallest, lengths), count_lengths, count_cycles)

    def __len__(self):
        return len(self.smallest)

    @property
    def states(self) -> int:
        return int(np.dot(self.count_lengths, self.count_cycles)) if len(self.count_lengths) else 0

    def counts(self) -> dict:
        return dict(zip(self.count_lengths.tolist(), self.count_cycles.tolist()))

    def pieces(self, rows):
        r"""These cycles in pieces of at most ``rows`` cycles, each with its own counts."""
        if len(self) <= rows:
            return [self] if len(self) else []
        return [SortedCycles.from_sorted(self.smallest[lo:lo + rows], self.lengths[lo:lo + rows])
                for lo in range(0, len(self), rows)]

    def rows(self):
        r"""The cycles as an ``(n, 2)`` array of 64-bit integers."""
        return np.column_stack((self.smallest.astype(np.int64), self.lengths.astype(np.int64)))


def _taken_over(sent, count_lengths, count_cycles):
    from sage_lfsr.engine.handoff import take_over

    return SortedCycles(*take_over(sent), count_lengths, count_cycles)


def narrowed(smallest, lengths):
    r"""
    The arrays ``smallest`` (sorted) and ``lengths`` in the narrowest of
    :data:`STATE_TYPES` and :data:`LENGTH_TYPES` that hold them: the types of a
    merged cycle list depend only on its largest values, not on how it was merged.

    EXAMPLES::

        sage: import numpy as np
        sage: from sage_lfsr.engine.assembly import narrowed
        sage: [array.dtype.name for array in narrowed(np.array([0, 2**32]), np.array([1, 256]))]
        ['int64', 'uint16']
    """
    largest_state = int(smallest[-1]) if len(smallest) else 0
    largest_length = int(lengths.max()) if len(lengths) else 0
    return (smallest.astype(_narrowest(largest_state, STATE_TYPES), copy=False),
            lengths.astype(_narrowest(largest_length, LENGTH_TYPES), copy=False))


#: The types :class:`SortedCycles` stores minimal states and lengths in, narrowest first.
STATE_TYPES = (np.uint32, np.int64)
LENGTH_TYPES = (np.uint8, np.uint16, np.uint32, np.int64)
#: From this many cycles on, :func:`merge_found` merges sorted runs in compiled code
#: (:mod:`sage_lfsr.engine.kernels.merging`); below, one numpy sort (nothing to compile in a fresh process).
COMPILED_MERGE_FROM = 1 << 16
#: The lengths of up to this many copies of cycles (found by several workers) are
#: kept to correct the counts the workers sent; beyond, the merged lengths are counted.
COPIES_COUNTED = 1 << 16
#: Pieces of at least this many bytes are handed over through shared memory, not the results pipe.
HANDED_OVER_FROM_BYTES = 1 << 20
_EMPTY = np.empty(0, dtype=np.int64)


def _narrowest(largest, types):
    return next(kind for kind in types if largest <= np.iinfo(kind).max)


def merge_found(found) -> MergedCycles:
    r"""
    The cycles of ``found`` each once, sorted by minimal state, with ``owned[w]``
    the states of the cycles credited to worker ``w`` (a cycle found by several
    workers goes to the lowest-numbered one) and the counts by length.

    INPUT:

    - ``found`` -- a list of pairs ``(worker, cycles)``, ``cycles`` a
      :class:`SortedCycles` or an integer array of ``(minimal state, length)``
      rows in any order; the list is emptied, so that each array can be freed
      once it has been read

    Sorted runs (what workers send at the end of a run) are merged from
    :data:`COMPILED_MERGE_FROM` cycles on by a linear pass in compiled code
    (:func:`~sage_lfsr.engine.kernels.merging.merge_sorted_runs`), the counts being
    the sums of the runs' less the copies dropped; below, by one numpy sort.
    Arrays alone (cycles with each task's result) are merged by one sort of
    packed keys, each array freed as it is packed.

    EXAMPLES::

        sage: import numpy as np
        sage: from sage_lfsr.engine.assembly import merge_found
        sage: found = [(1, np.array([[5, 3], [0, 1]])), (0, np.array([[5, 3], [2, 2]]))]
        sage: merged = merge_found(found)
        sage: merged.smallest.tolist(), merged.lengths.tolist(), merged.owned, merged.counts, found
        ([0, 2, 5], [1, 2, 3], {0: 5, 1: 1}, {1: 1, 2: 1, 3: 1}, [])

    TESTS::

        sage: merge_found([(0, np.array([[2**40, 2**40], [7, 2**40]]))])[:2]
        (array([           7, 1099511627776]), array([1099511627776, 1099511627776]))
        sage: merge_found([])
        MergedCycles(smallest=array([], dtype=int64), lengths=array([], dtype=int64), owned={}, counts={})
    """
    runs, tables = [], []
    for worker, cycles in found:
        if int(worker) < 0:
            raise ValueError("cycles found by a worker without an index")
        if len(cycles):
            (runs if isinstance(cycles, SortedCycles) else tables).append((int(worker), cycles))
    found.clear()
    cycles = None  # hold each array only in one list, so that it is freed once read
    if tables and not runs:  # cycles with each task's result: one sort, each array freed as it is packed
        live = [(worker, np.asarray(rows, dtype=np.int64).reshape(-1, 2)) for worker, rows in tables]
        tables.clear()
        smallest, lengths, owned = _merge_by_sort(live, narrow=True)
        return MergedCycles(smallest, lengths, owned, length_counts(lengths))
    for worker, rows in tables:
        runs.append((worker, SortedCycles.from_rows(rows)))
    del tables
    runs.sort(key=lambda pair: pair[0])
    if not runs:
        return MergedCycles(_EMPTY.copy(), _EMPTY.copy(), {}, {})
    if len(runs) == 1:  # one worker's cycles: already merged
        worker, run = runs[0]
        return MergedCycles(run.smallest, run.lengths, {worker: run.states} if run.states else {}, run.counts())
    if sum(len(run) for _, run in runs) >= COMPILED_MERGE_FROM:
        return _merge_compiled(runs)
    smallest, lengths, owned = _merge_by_sort([(worker, run.rows()) for worker, run in runs], narrow=True)
    return MergedCycles(smallest, lengths, owned, length_counts(lengths))


def _merge_compiled(runs) -> MergedCycles:
    r"""What :func:`merge_found` does with many cycles: the runs merged in one linear pass in compiled code."""
    from sage_lfsr.engine.kernels.merging import merge_sorted_runs

    state_type = np.result_type(*(run.smallest.dtype for _, run in runs))
    length_type = np.result_type(*(run.lengths.dtype for _, run in runs))
    total = sum(len(run) for _, run in runs)
    workers = 1 + runs[-1][0]
    owners = np.array([worker for worker, _ in runs], dtype=np.int64)
    rows = np.array([len(run) for _, run in runs], dtype=np.int64)
    found_states = np.zeros(workers, dtype=np.int64)
    count_lengths, count_cycles = [], []
    for worker, run in runs:
        found_states[worker] += run.states
        count_lengths.append(run.count_lengths)
        count_cycles.append(run.count_cycles)
    # one type for all runs (a run of another type is widened); kept alive until the merge is done
    runs_smallest = [np.ascontiguousarray(run.smallest, dtype=state_type) for _, run in runs]
    runs_lengths = [np.ascontiguousarray(run.lengths, dtype=length_type) for _, run in runs]
    runs.clear()
    smallest, lengths = np.empty(total, dtype=state_type), np.empty(total, dtype=length_type)
    dropped_states = np.zeros(workers, dtype=np.int64)
    dropped_lengths = np.empty(COPIES_COUNTED, dtype=np.int64)
    cycles, copies = merge_sorted_runs(_addresses(runs_smallest), _addresses(runs_lengths), rows, owners,
                                       smallest, lengths, dropped_states, dropped_lengths)
    del runs_smallest, runs_lengths
    if copies:
        smallest, lengths = smallest[:cycles].copy(), lengths[:cycles].copy()
    owned = {worker: states for worker, states in enumerate((found_states - dropped_states).tolist()) if states}
    if copies > COPIES_COUNTED:
        return MergedCycles(smallest, lengths, owned, length_counts(lengths))
    count_lengths.append(dropped_lengths[:copies])
    count_cycles.append(np.full(copies, -1, dtype=np.int64))
    distinct, where = np.unique(np.concatenate(count_lengths), return_inverse=True)
    totals = np.zeros(len(distinct), dtype=np.int64)
    np.add.at(totals, where, np.concatenate(count_cycles))
    return MergedCycles(smallest, lengths, owned, {length: number for length, number
                                                   in zip(distinct.tolist(), totals.tolist()) if number})


def _addresses(arrays):
    return np.array([array.ctypes.data for array in arrays], dtype=np.int64)


def _merge_by_sort(live, narrow=False):
    r"""
    What :func:`merge_found` does with few cycles: ``(smallest, lengths, owned)``
    of the pairs ``(worker, rows)`` of ``live`` (emptied) by one sort; with
    ``narrow``, in the narrowest types of :class:`SortedCycles` (not 64 bits).

    Each row is packed into one integer, the bits of the minimal state, then of
    the length, then of the worker, and the keys sorted in place (no index
    array); where they do not fit in 63 bits the rows are sorted through an index.
    """
    live[:] = [(worker, cycles) for worker, cycles in live if len(cycles)]  # in place: popped below, freed
    if not live:
        return _EMPTY.copy(), _EMPTY.copy(), {}
    length_bits = max(int(cycles[:, 1].max()) for _, cycles in live).bit_length()
    state_bits = max(int(cycles[:, 0].max()) for _, cycles in live).bit_length()
    worker_bits = max(worker for worker, _ in live).bit_length()
    if state_bits + length_bits + worker_bits > 63:
        smallest, lengths, owned = _merge_by_index(live)
        return (*narrowed(smallest, lengths), owned) if narrow else (smallest, lengths, owned)
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
    cycle_keys = keys >> worker_bits if worker_bits else keys
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
    if narrow:  # written straight into the narrow types: no 64-bit temporaries
        smallest = np.right_shift(cycle_keys, length_bits, casting="unsafe", out=np.empty(
            len(cycle_keys), _narrowest((1 << state_bits) - 1, STATE_TYPES)))
        lengths = np.bitwise_and(cycle_keys, (1 << length_bits) - 1, casting="unsafe", out=np.empty(
            len(cycle_keys), _narrowest((1 << length_bits) - 1, LENGTH_TYPES)))
    else:
        smallest = cycle_keys >> length_bits
        lengths = cycle_keys
        lengths &= (1 << length_bits) - 1
    return smallest, lengths, {worker: states for worker, states in sorted(found_states.items()) if states}


def _merge_by_index(live):
    r"""What :func:`_merge_by_sort` does, for rows too large to pack into one integer."""
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
        sage: from sage_lfsr.engine.assembly import claimed_states
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
        smallest = np.insert(smallest.astype(np.int64), places, joined_smallest)
        lengths = np.insert(lengths.astype(np.int64), places, joined_lengths)
        smallest, lengths = narrowed(smallest, lengths)
    return CycleList(smallest, lengths)


def length_counts(lengths):
    r"""``{length: number of cycles}``."""
    distinct, multiplicities = _count_lengths(lengths)
    return dict(zip(distinct.tolist(), multiplicities.tolist()))


def _count_lengths(lengths):
    r"""The distinct ``lengths``, ascending, and how often each occurs; a bincount where they are few and small."""
    if len(lengths) and int(lengths.max()) <= 4 * len(lengths) + 1024:
        counts = np.bincount(lengths)
        present = np.flatnonzero(counts)
        return present.astype(np.int64), counts[present].astype(np.int64)
    distinct, multiplicities = np.unique(lengths, return_counts=True)
    return distinct.astype(np.int64), multiplicities.astype(np.int64)


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
