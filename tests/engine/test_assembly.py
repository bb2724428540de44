r"""
Merging the cycles found by workers (:func:`sage_lfsr.engine.assembly.merge_found`,
:class:`sage_lfsr.engine.job.FoundCycles`, the compiled merge of sorted runs) against
a plain-Python merge, the necklace count of x^d + 1 and the theory's
prediction, and the memory the caller spends per cycle.
"""
import math
import mmap
import os
import random
import tracemalloc
from collections import Counter
from multiprocessing.reduction import ForkingPickler

import numpy as np
import pytest

from sage_lfsr import LFSR, map_cycles, predict_cycles
from sage_lfsr.engine import assembly
from sage_lfsr.engine import handoff
from sage_lfsr.engine.assembly import SortedCycles, merge_found, narrowed
from sage_lfsr.engine.job import FoundCycles, TaskResult
from sage_lfsr.engine.planning import plan
from sage_lfsr.engine.schedules import get_schedule
from sage_lfsr.engine.schedules.base import RunOptions


def python_merge(found):
    r"""The oracle: a dict from minimal state to length, each cycle credited to its lowest-numbered finder."""
    lengths, finders = {}, {}
    for worker, cycles in found:
        for smallest, length in cycles.tolist():
            lengths[smallest] = length
            finders[smallest] = min(finders.get(smallest, worker), worker)
    owned = {}
    for smallest, worker in finders.items():
        owned[worker] = owned.get(worker, 0) + lengths[smallest]
    return sorted(lengths.items()), owned, dict(sorted(Counter(lengths.values()).items()))


@pytest.fixture(params=["sort", "compiled"])
def merge_path(request, monkeypatch):
    r"""Each test that takes it runs with the numpy sort, then with the compiled merge of sorted runs (if it sends runs)."""
    monkeypatch.setattr(assembly, "COMPILED_MERGE_FROM", 1 << 62 if request.param == "sort" else 0)
    return request.param


def random_found(rng, cycles, workers, pieces, largest_state, longest):
    r"""``cycles`` distinct cycles spread over ``pieces`` unsorted arrays, a quarter of them found twice."""
    smallest = rng.choice(largest_state, size=cycles, replace=False)
    lengths = rng.integers(1, longest + 1, size=cycles)
    table = np.column_stack((smallest, lengths))
    copies = np.concatenate([table, table[rng.random(cycles) < 0.25]])
    rng.shuffle(copies)
    return [(int(rng.integers(workers)), piece) for piece in np.array_split(copies, pieces)]


@pytest.mark.parametrize("largest_state, longest", [(1 << 20, 40), (1 << 18, 300), (1 << 40, 1 << 30)])
def test_merge_found_agrees_with_a_python_merge(largest_state, longest, merge_path):
    rng = np.random.default_rng(7)
    for workers, pieces in ((1, 1), (2, 2), (3, 7), (16, 40)):
        found = random_found(rng, 3000, workers, pieces, largest_state, longest)
        expected_cycles, expected_owned, expected_counts = python_merge(found)
        if merge_path == "compiled":  # as workers send them: each piece sorted, each cycle once in it
            found = [(worker, SortedCycles.from_rows(piece)) for worker, piece in found]
        merged = merge_found(list(found))
        widest = narrowed(merged.smallest.astype(np.int64), merged.lengths.astype(np.int64))
        assert (merged.smallest.dtype, merged.lengths.dtype) == (widest[0].dtype, widest[1].dtype)  # whatever the path
        assert list(zip(merged.smallest.tolist(), merged.lengths.tolist())) == expected_cycles
        assert merged.owned == expected_owned and merged.counts == expected_counts


def test_the_compiled_merge_of_sorted_runs_agrees_with_a_sort_in_any_order_of_arrival(monkeypatch):
    rng = np.random.default_rng(3)
    workers = 16
    # a dense range (many cycles per block) with a sparse tail (blocks with one cycle, far apart)
    states = np.concatenate([rng.choice(1 << 17, size=40000, replace=False), rng.choice(1 << 33, size=50) + (1 << 34)])
    lengths = rng.integers(1, 29, size=len(states))
    owners = rng.integers(workers, size=len(states))
    twice = rng.random(len(states)) < 0.1  # found by a second worker too
    rows = np.column_stack((states, lengths))
    found = [(worker, np.concatenate([rows[owners == worker], rows[twice & ((owners + 5) % workers == worker)]]))
             for worker in range(workers)]
    expected_cycles, expected_owned, expected_counts = python_merge(found)
    reference = np.unique(states)
    assert [smallest for smallest, _ in expected_cycles] == reference.tolist()
    runs = [(worker, piece) for worker, table in found for piece in SortedCycles.from_rows(table).pieces(997)]
    assert len({piece.smallest.dtype for _, piece in runs}) == 2  # uint32 and int64 runs: widened to one type
    monkeypatch.setattr(assembly, "COMPILED_MERGE_FROM", 0)
    for copies_counted in (1 << 16, 5):  # the copies' lengths kept, or the merged lengths counted
        monkeypatch.setattr(assembly, "COPIES_COUNTED", copies_counted)
        random.Random(copies_counted).shuffle(runs)
        merged = merge_found(list(runs))
        assert np.array_equal(merged.smallest, reference)
        assert merged.lengths.tolist() == [length for _, length in expected_cycles]
        assert merged.owned == expected_owned and merged.counts == expected_counts


def test_merge_found_takes_sorted_runs_of_a_worker_in_any_order(merge_path):
    found = FoundCycles()
    for task_cycles in ([[9, 2], [3, 4]], [[3, 4], [0, 1]], [[7, 5]]):
        result = TaskResult(0, 0, "sweep", np.array(task_cycles), None, None, 0, 0, 0.0, 0.0)
        assert len(found.take(result).cycles) == 0
    pieces = list(found.pieces(rows=2))
    assert [len(piece) for piece in pieces] == [2, 2]
    other = [(1, np.array([[3, 4], [1, 8]]))]
    merged = merge_found([(0, piece) for piece in reversed(pieces)] + other)
    assert merged.smallest.tolist() == [0, 1, 3, 7, 9] and merged.lengths.tolist() == [1, 8, 4, 5, 2]
    assert merged.owned == {0: 1 + 4 + 5 + 2, 1: 8}
    assert merged.counts == {1: 1, 2: 1, 4: 1, 5: 1, 8: 1}


def test_merge_found_holds_about_25_bytes_per_cycle():
    cycles = 1 << 20
    rng = np.random.default_rng(1)
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        table = np.column_stack((rng.choice(1 << 26, size=cycles, replace=False), rng.integers(1, 27, size=cycles)))
        found = [(worker, part[np.argsort(part[:, 0])]) for worker, part in enumerate(np.array_split(table, 2))]
        del table
        received = tracemalloc.get_traced_memory()[0] - before
        tracemalloc.reset_peak()
        smallest = merge_found(found).smallest
        peak = tracemalloc.get_traced_memory()[1] - before
    finally:
        tracemalloc.stop()
    assert len(smallest) == cycles and received >= 16 * cycles
    # The received arrays (16 bytes a cycle) are freed as they are packed into keys (8 bytes a cycle).
    assert peak <= 25 * cycles, f"{peak / cycles:.1f} bytes per cycle"


def test_the_compiled_merge_allocates_only_the_narrow_cycle_list(monkeypatch):
    monkeypatch.setattr(assembly, "COMPILED_MERGE_FROM", 0)
    cycles = 1 << 20
    rng = np.random.default_rng(2)
    table = np.column_stack((rng.choice(1 << 26, size=cycles, replace=False), rng.integers(1, 27, size=cycles)))
    found = [(worker, SortedCycles.from_rows(part)) for worker, part in enumerate(np.array_split(table, 4))]
    del table
    tracemalloc.start()
    try:
        merged = merge_found(found)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert len(merged.smallest) == cycles and (merged.smallest.dtype, merged.lengths.dtype) == (np.uint32, np.uint8)
    # 4 + 1 bytes a cycle for the merged list (and 0.5 MiB for copies' lengths), beside the received runs
    assert peak <= 6 * cycles, f"{peak / cycles:.1f} bytes per cycle"


def necklaces(degree):
    r"""Binary necklaces of length ``degree``: the cycles of x^degree + 1 (the pure cycling register)."""
    return sum(euler_phi(e) * 2 ** (degree // e) for e in range(1, degree + 1) if degree % e == 0) // degree


def euler_phi(n):
    return sum(1 for k in range(1, n + 1) if math.gcd(k, n) == 1)


def own_handed_over_files():
    return sorted(name for name in os.listdir(handoff.SHM_DIRECTORY)
                  if name.startswith(f"{handoff.SEGMENT_PREFIX}{os.getpid()}_"))


@pytest.mark.parametrize("through_shared_memory", [True, False])
def test_a_piece_handed_over_arrives_whole_and_leaves_no_file(through_shared_memory, monkeypatch):
    monkeypatch.setattr(assembly, "HANDED_OVER_FROM_BYTES", 0)
    if not through_shared_memory:  # no room in /dev/shm: the arrays travel in the message
        monkeypatch.setattr(handoff, "hand_over", lambda arrays: None)
    rng = np.random.default_rng(5)
    rows = np.column_stack((rng.choice(1 << 34, size=5000), rng.integers(1, 1 << 17, size=5000)))
    piece = SortedCycles.from_rows(rows)
    piece.hand_over = True
    before = own_handed_over_files()
    message = ForkingPickler.dumps(("cycles", 0, 3, piece))
    assert len(own_handed_over_files()) == len(before) + through_shared_memory
    _, _, worker, received = ForkingPickler.loads(message)
    assert own_handed_over_files() == before
    assert worker == 3 and received.counts() == piece.counts()
    assert np.array_equal(received.smallest, piece.smallest) and np.array_equal(received.lengths, piece.lengths)
    assert (received.smallest.dtype, received.lengths.dtype) == (np.int64, np.uint32)
    assert isinstance(getattr(received.smallest.base, "obj", None), mmap.mmap) == through_shared_memory
    assert not received.hand_over  # pickled again, it travels in the message


@pytest.mark.parametrize("schedule", ["static", "queue", "steal", "hybrid"])
def test_workers_send_their_cycles_once_and_the_map_is_the_sequential_one(schedule, monkeypatch):
    monkeypatch.setattr(assembly, "HANDED_OVER_FROM_BYTES", 0)  # every piece through shared memory
    register = LFSR.from_polynomial("x^16 + 1")
    decided = plan(register, schedule=schedule, workers=2, batch_size=4096)
    record = get_schedule(schedule).run(decided.job(), RunOptions(workers=2))
    assert all(len(result.cycles) == 0 for result in record.results)
    assert record.found and {worker for worker, _ in record.found} <= {0, 1}
    for _, piece in record.found:  # each worker's cycles arrive sorted, each once, counted, in shared memory
        assert isinstance(piece.smallest.base.obj, mmap.mmap)
        assert (np.diff(piece.smallest.astype(np.int64)) > 0).all()
        assert piece.counts() == dict(sorted(Counter(piece.lengths.tolist()).items()))
    result = map_cycles(register, schedule=schedule, workers=2, batch_size=4096)
    assert result.cycles == map_cycles(register).cycles
    assert result.cycle_count == necklaces(16)
    assert sum(load.states_owned for load in result.worker_loads) == register.state_count


def test_a_checkpointed_run_keeps_its_cycles_per_task(tmp_path):
    register = LFSR.from_polynomial("x^14 + 1")
    decided = plan(register, schedule="queue", workers=2, batch_size=2048)
    recorded = []
    options = RunOptions(workers=2, on_result=recorded.append)
    record = get_schedule("queue").run(decided.job(), options)
    assert record.found == []
    assert sum(len(result.cycles) for result in recorded) >= necklaces(14)


@pytest.mark.parametrize("schedule", ["static", "queue", "steal", "hybrid"])
def test_a_map_with_many_cycles_merged_in_compiled_code_is_the_sequential_map(schedule, monkeypatch):
    monkeypatch.setattr(assembly, "COMPILED_MERGE_FROM", 1000)  # x^18+1: 14,602 cycles, sent in pieces
    monkeypatch.setattr(FoundCycles, "PIECE_ROWS", 3000)
    register = LFSR.from_polynomial("x^18 + 1")
    sequential = map_cycles(register)
    result = map_cycles(register, schedule=schedule, workers=3, batch_size=2048)
    assert result.cycles == sequential.cycles and result.cycle_count == necklaces(18)
    assert result.structure() == sequential.structure() == predict_cycles(register)
    assert sum(load.states_owned for load in result.worker_loads) == register.state_count
