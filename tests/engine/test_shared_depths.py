"""
Singular registers under the process schedules: every worker writes one shared
depth array (issue 14 item 5), so the caller can snapshot it and a resumed run
costs the work that remains.

Oracles: the sequential map (computed with private depths in one process),
theory (``predict_cycles``) where it applies, the conservation law cycle states
+ transient states = q^d, an independent brute-force walk of every state, and
the bound on a resumed run's work of tests/engine/test_resume_cost.py.
"""
import os
import random
import sys
import threading

import numpy as np
import pytest

from sage_lfsr import FSR, LFSR, map_cycles, predict_cycles
from sage_lfsr.engine import memory
from sage_lfsr.engine import snapshots
from sage_lfsr.common.sagemath import GF, matrix
from sage_lfsr.registers.coercion import describe
from sage_lfsr.engine.job import Task, count_depths, settle_cycles
from sage_lfsr.engine.kernels import make_kernel, traversal
from sage_lfsr.registers.matrix import MatrixRegister
from sage_lfsr.engine.planning import plan
from sage_lfsr.engine.pool import MappingPool

pytestmark = pytest.mark.timeout(300)
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from faulty_kernels import InterruptAfter  # noqa: E402
from test_resume_cost import check_resume  # noqa: E402  (registers the "paced" kernel)

SCHEDULES = ("static", "queue", "steal", "hybrid")

#: Small singular registers of every kind that routes through trees: name -> (register, theory applies).
REGISTERS = {
    "lfsr x^2(x^8+x^4+x^3+x^2+1)": (LFSR.from_polynomial("x^10 + x^6 + x^5 + x^4 + x^2"), True),
    "lfsr q=3 c_0=0": (LFSR([0, 2, 1, 0, 1, 1], q=3), True),
    "affine singular": (LFSR([0, 1, 1, 0, 1, 0, 0, 1, 1], constant=1), True),
    "nonlinear": (FSR("x1 + x2*x3 + x5", 9), False),
    "matrix q=3": (MatrixRegister(matrix(GF(3), [[1, 2, 0, 0, 1], [0, 0, 1, 0, 0], [2, 0, 0, 1, 0],
                                               [0, 0, 0, 0, 0], [1, 0, 2, 0, 1]])), True),
}


def brute_force(register):
    """``(cycles by smallest state, {depth: states})`` from a plain walk of every state (no package traversal)."""
    kernel = make_kernel("fast", describe(register))
    successor = kernel.successors()  # successor[x] for every state x
    count = len(successor)
    depth = np.full(count, -1, np.int64)
    cycles = {}
    for start in range(count):
        path, index, state = [], {}, start
        while depth[state] < 0 and state not in index:
            index[state] = len(path)
            path.append(state)
            state = int(successor[state])
        if depth[state] < 0:  # closed a new cycle
            cycle = path[index[state]:]
            cycles[min(cycle)] = len(cycle)
            depth[cycle] = 0
            path = path[:index[state]]
        base = depth[state] if path else 0
        for offset, tail_state in enumerate(reversed(path)):
            depth[tail_state] = base + offset + 1
    values, counts = np.unique(depth, return_counts=True)
    return cycles, dict(zip(values.tolist(), counts.tolist()))


@pytest.fixture(scope="module")
def references():
    return {name: (map_cycles(register), brute_force(register)) for name, (register, _) in REGISTERS.items()}


def check_map(result, register, sequential, brute, theory):
    assert result.cycles == sequential.cycles
    assert result.tail_depths == sequential.tail_depths
    assert dict(result.cycles) == brute[0] and result.tail_depths == brute[1]
    assert result.cycle_states + result.transient_states == describe(register).state_count
    if theory:
        assert result.structure() == predict_cycles(register)


@pytest.mark.parametrize("kernel", ["fast", "sage"])
@pytest.mark.parametrize("schedule", SCHEDULES)
def test_every_process_schedule_shares_one_depth_array_and_maps_right(references, schedule, kernel):
    for name, (register, theory) in REGISTERS.items():
        result = map_cycles(register, schedule=schedule, workers=2, batch_size=64, kernel=kernel)
        assert result.choices["visited_layout"] == "single", name
        check_map(result, register, *references[name], theory)


def test_the_warm_pool_shares_one_depth_array(references):
    with MappingPool(workers=2) as pool:
        for schedule in SCHEDULES:
            for name, (register, theory) in REGISTERS.items():
                result = pool.map_cycles(register, schedule=schedule, batch_size=32)
                assert result.choices["visited_layout"] == "single", (schedule, name)
                check_map(result, register, *references[name], theory)


def test_sharing_off_keeps_private_depths(references):
    register, theory = REGISTERS["lfsr q=3 c_0=0"]
    result = map_cycles(register, schedule="queue", workers=2, batch_size=64, registry="manager")
    assert result.choices["visited_layout"] == "private"
    check_map(result, register, *references["lfsr q=3 c_0=0"], theory)


def test_walks_interleaved_at_every_step_number_no_tail_through_a_cycle():
    # The pure-Python traversal in threads that switch at random steps: every
    # interleaving of two walks meeting one cycle, a tail numbered while another
    # thread writes the cycle among them. Depths and cycles must equal one walker's.
    register = LFSR.from_polynomial("x^9 + x^6 + x^5 + x^4 + x^2")  # x^2 times a primitive: one long cycle
    kernel = make_kernel("fast", describe(register))
    successor = kernel.successors().tolist()
    alone = np.full(len(successor), 255, np.uint8)
    expected = []
    traversal.trace_trees(lambda state, _: successor[state], None, 0, len(successor), alone,
                          np.zeros(len(successor) // 8, np.uint8), expected)
    for seed in range(8):
        chooser = random.Random(seed)

        def step(state, _):
            if chooser.random() < 0.3:
                threading.Event().wait(0.0001)  # hand the interpreter to another walker
            return successor[state]

        shared = np.full(len(successor), 255, np.uint8)
        found = [[] for _ in range(3)]
        starts = chooser.sample(range(0, len(successor), 64), 3)
        threads = [threading.Thread(target=traversal.trace_trees, args=(
            step, None, lo, lo + 64, shared, np.zeros(len(successor) // 8, np.uint8), found[index]))
            for index, lo in enumerate(starts)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        touched = shared != 255
        assert (shared[touched] == alone[touched]).all(), seed
        assert set(cycle for cycles in found for cycle in cycles) <= set(expected)
        # A walker closes a cycle only through states it read unknown, none left once it has written it:
        # each walker writes a cycle once at most (two walkers writing one cycle back and forth would not).
        assert all(len(set(cycles)) == len(cycles) for cycles in found), found


def test_count_depths_counts_pending_cycle_states_as_cycle_states():
    depths = np.array([0, traversal.PENDING_DEPTH, 3, 1, 0, 3], np.uint8)
    assert count_depths(depths, Task(0, "trees", 1, 6)).tolist() == [2, 1, 0, 2]
    wide = np.array([5, np.iinfo(np.uint32).max - 1], np.uint32)  # a nonlinear register's depths
    assert count_depths(wide, Task(0, "trees", 0, 2)).tolist() == [1, 0, 0, 0, 0, 1]


def test_a_half_written_cycle_in_a_snapshot_is_settled():
    # A copy taken while a worker wrote a cycle: some of its states 0, the others unknown.
    register = LFSR.from_polynomial("x^10 + x^6 + x^5 + x^4 + x^2")
    kernel = make_kernel("fast", describe(register))
    full = np.full(1024, 255, np.uint8)
    cycles, _ = kernel.trace_trees(0, 1024, full, np.zeros(128, np.uint8))
    longest = cycles[np.argmax(cycles[:, 1])]
    assert longest[1] == 255
    torn = full.copy()
    on_cycle = np.flatnonzero(full == 0)
    torn[on_cycle[::2]] = 255  # half the cycle states not written yet, every tail depth kept
    torn[full > 0] = 255
    # Unsettled, a walk from a tail would number the unknown cycle states as a tail.
    resumed = torn.copy()
    kernel.trace_trees(0, 1024, resumed, np.zeros(128, np.uint8))
    assert (resumed != full).any()
    steps = settle_cycles(kernel, torn, cycles[:, 0])
    assert steps == int(cycles[:, 1].sum())
    assert (torn[full == 0] == 0).all() and (torn[full > 0] == 255).all()
    kernel.trace_trees(0, 1024, torn, np.zeros(128, np.uint8))
    assert (torn == full).all()


def test_memory_counts_one_depth_array_and_a_bitmap_per_worker(monkeypatch):
    count, workers = 2 ** 20, 4
    bitmap = count // 8
    assert memory.bytes_needed(count, True, "single", workers) == count + workers * bitmap
    assert memory.bytes_needed(count, True, "private", workers) == workers * (count + bitmap)
    assert memory.bytes_needed(count, True, "single", workers, depth_bytes=4) == 4 * count + workers * bitmap
    # With memory for one depth array but not for four, the shared plan passes and the private one is refused.
    register = LFSR.from_polynomial("x^20 + x^3 + x^2")  # singular: c_0 = 0
    monkeypatch.setattr("sage_lfsr.common.limits.available_memory_bytes", lambda: 3 * count)
    assert plan(register, schedule="queue", workers=workers, batch_size=2 ** 16).memory_layout == "single"
    with pytest.raises(MemoryError, match="hold the visited states"):
        plan(register, schedule="queue", workers=workers, batch_size=2 ** 16, registry="manager")


def test_a_small_dev_shm_falls_back_to_private_depths(monkeypatch, references):
    monkeypatch.setattr(memory, "shared_memory_free_bytes", lambda directory=memory.SHM_DIRECTORY: 100)
    register, theory = REGISTERS["lfsr x^2(x^8+x^4+x^3+x^2+1)"]
    result = map_cycles(register, schedule="queue", workers=2, batch_size=64)
    assert result.choices["visited_layout"] == "private"
    assert result.choices["visited_layout_reason"] == ("/dev/shm has 100 B free but the shared depths need 1.0 KiB: "
                                                       "each worker keeps its own depths")
    check_map(result, register, *references["lfsr x^2(x^8+x^4+x^3+x^2+1)"], theory)


RESUMED = {
    "lfsr x^2 primitive": LFSR.from_polynomial("x^14 + x^13 + x^12 + x^4 + x^2"),
    "affine singular": LFSR([0, 1, 1, 0, 1, 0, 0, 1, 1, 0, 0, 0, 1], constant=1),
}


@pytest.mark.parametrize("name", sorted(RESUMED))
@pytest.mark.parametrize("schedule", ["queue", "steal"])
def test_a_resumed_singular_run_costs_the_work_that_remains(tmp_path, monkeypatch, name, schedule):
    monkeypatch.setattr(snapshots, "SHARE", 1e9)  # a snapshot at every chance: runs of milliseconds
    register, batch_size, workers = RESUMED[name], 256, 2
    options = dict(schedule=schedule, workers=workers, batch_size=batch_size, split=False, kernel="paced")
    fresh = map_cycles(register, **options)
    tasks = -(-2 ** register.degree // batch_size)
    for share in (0.3, 0.6):
        path = tmp_path / f"run{share}.ckpt"
        with pytest.raises(KeyboardInterrupt):
            map_cycles(register, checkpoint=InterruptAfter(path, int(share * tasks)), **options)
        resumed = check_resume(register, options, path, fresh, uses_snapshot=True)
        assert resumed.tail_depths == fresh.tail_depths
        assert resumed.choices["memory_snapshot"].startswith("restored")


def test_the_compiled_wait_for_a_pending_depth_sees_another_threads_write():
    # A plain load in the waiting loop could be read once and kept (the wait would never end).
    import numba

    from sage_lfsr.engine.kernels.fast import traversal_wait_while

    @numba.njit(nogil=True)
    def wait(depths, out):
        out[0] = traversal_wait_while(depths, 1, traversal.PENDING_DEPTH)

    depths, out = np.array([0, traversal.PENDING_DEPTH], np.uint8), np.full(1, -1, np.int64)
    waiter = threading.Thread(target=wait, args=(depths, out), daemon=True)
    waiter.start()
    waiter.join(0.3)
    assert waiter.is_alive() and out[0] == -1
    depths[1] = 0
    waiter.join(10)
    assert not waiter.is_alive() and out[0] == 0
