r"""
MappingPool: runs on a pool kept across maps equal the sequential reference and
theory, the workers stay the same processes, failures surface and leave the pool
usable, and closing it (or losing it) leaves no process.
"""
import dataclasses
import gc
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time

import psutil
import pytest

from sage_lfsr import FSR, LFSR, map_cycles, predict_cycles
from sage_lfsr.census import census
from sage_lfsr.common.errors import MappingCancelled, WorkerError
from sage_lfsr.engine.kernels import register_kernel
from sage_lfsr.registers.matrix import MatrixRegister
from sage_lfsr.engine.planning import plan
from sage_lfsr.engine.pool import MappingPool
from sage_lfsr.engine.schedules import get_schedule
from sage_lfsr.engine.schedules.base import RunOptions

from test_failures import REGISTER, children

PROCESS_SCHEDULES = ("static", "queue", "steal", "hybrid")
PRIMITIVE = LFSR.from_polynomial("x^9 + x^4 + 1")
SINGULAR = LFSR.from_polynomial("x^3 * (x^6 + x + 1)")
MANY_CYCLES = LFSR([1] + [0] * 8)  # x^9 - 1

for name, cls in (("raising", "RaisingKernel"), ("dying", "DyingKernel"), ("slow", "SlowKernel")):
    register_kernel(name, "faulty_kernels", cls)


def started_since(before, timeout=5.0):
    r"""Child processes (less the resource tracker) started since ``before`` and still running after ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        new = [child.pid for child in children() if child.pid not in before and child.status() != psutil.STATUS_ZOMBIE]
        if not new or time.monotonic() > deadline:
            return new
        time.sleep(0.05)


def child_pids():
    return {child.pid for child in children()}


@pytest.fixture(scope="module")
def pool():
    with MappingPool(workers=2).start() as kept:
        yield kept


def assert_matches_theory(result, register):
    predicted = predict_cycles(register)
    assert result.cycle_counts == predicted.cycle_counts
    assert result.tail_depths == predicted.tail_depths


@pytest.mark.timeout(300)
@pytest.mark.parametrize("schedule", PROCESS_SCHEDULES)
@pytest.mark.parametrize("kernel", ["fast", "sage"])
def test_pool_runs_equal_the_sequential_reference_and_theory(pool, schedule, kernel):
    pids = pool.pids
    for register, split in ((PRIMITIVE, True), (PRIMITIVE, False), (SINGULAR, None), (MANY_CYCLES, None)):
        result = pool.map_cycles(register, schedule=schedule, kernel=kernel, batch_size=64, split=split)
        assert result.cycles == map_cycles(register).cycles
        assert_matches_theory(result, register)
        loads = result.worker_loads
        assert len(loads) == 2
        assert sum(load.states_owned for load in loads) == register.state_count
        assert all(0 <= start <= end <= result.wall_seconds + 1e-3 for load in loads for _, start, end in load.timeline)
    assert pool.pids == pids and pool.restarts == 0


@pytest.mark.timeout(120)
def test_worker_loads_on_the_pool_are_those_of_fresh_workers(pool):
    def loads(result):
        return [(load.worker, sorted(task for task, _, _ in load.timeline), load.states_traced)
                for load in result.worker_loads]

    options = dict(schedule="static", workers=2, batch_size=128, split=False, registry="manager")
    pooled, fresh = map_cycles(MANY_CYCLES, pool=pool, **options), map_cycles(MANY_CYCLES, **options)
    assert loads(pooled) == loads(fresh) and pooled.cycles == fresh.cycles
    assert sum(load.states_owned for load in pooled.worker_loads) == MANY_CYCLES.state_count


@pytest.mark.timeout(120)
def test_one_pool_maps_registers_of_every_kind_with_the_same_workers(pool):
    pids = pool.pids
    registers = [LFSR([1, 2, 0, 1], q=3), FSR("x0 + x1*x2", 6), PRIMITIVE,
                 MatrixRegister(matrix_over_gf3()), LFSR([1, 1, 0, 1], q=4, constant=1)]
    for register in registers:
        for schedule in ("steal", "hybrid"):
            result = pool.map_cycles(register, schedule=schedule, batch_size=16)
            assert result.cycles == map_cycles(register).cycles
            assert result.cycle_states + result.transient_states == register.state_count
    assert pool.pids == pids
    assert all(psutil.Process(pid).is_running() for pid in pids)


def matrix_over_gf3():
    from sage_lfsr.common.sagemath import GF, matrix

    return matrix(GF(3), [[0, 1, 0, 0], [0, 0, 1, 0], [1, 0, 0, 2], [2, 1, 0, 0]])


@pytest.mark.timeout(120)
def test_run_and_census_take_the_pool(pool):
    decided = plan(MANY_CYCLES, schedule="queue", workers=1, batch_size=32)
    result = pool.run(decided)  # a plan for fewer workers runs on the pool's first
    assert len(result.worker_loads) == 1 and result.cycles == map_cycles(MANY_CYCLES).cycles
    texts = ["lfsr q=2 c=1,1,0,0", "fsr d=4 f=x0+x1*x2", "lfsr q=3 c=1,1", "lfsr q=2 c=0,1,1"]
    pooled = pool.census(texts, schedule="steal", batch_size=1)
    assert pooled.rows == census(texts, schedule="sequential").rows
    with pytest.raises(ValueError, match="the plan asks for 3"):
        pool.run(dataclasses.replace(decided, workers=3))
    with pytest.raises(ValueError, match="does not run on a MappingPool"):
        pool.map_cycles(MANY_CYCLES, schedule="dask")
    # auto chooses for the pool's workers: sequential for a map this small, never more workers than the pool has
    automatic = pool.map_cycles(MANY_CYCLES, schedule="auto")
    assert automatic.cycles == map_cycles(MANY_CYCLES).cycles
    assert plan(MANY_CYCLES, schedule="auto", workers=1).schedule == "sequential"


@pytest.mark.timeout(120)
def test_manager_registry_claims_are_per_run(pool):
    claims = []
    for register in (MANY_CYCLES, LFSR([1, 0, 0, 0, 0, 0, 1])):
        job = plan(register, schedule="queue", workers=2, batch_size=32, registry="manager", split=False).job()
        record = get_schedule("queue").run(job, RunOptions(workers=2, pool=pool))
        smallest = {cycle[0] for cycle in map_cycles(register).cycles}
        assert set(record.claims) == smallest
        assert set(record.claims.values()) <= {0, 1}
        claims.append(record.claims)
    result = pool.map_cycles(MANY_CYCLES, schedule="steal", registry="manager", batch_size=32)
    assert sum(load.states_owned for load in result.worker_loads) == MANY_CYCLES.state_count


@pytest.mark.timeout(120)
@pytest.mark.parametrize("schedule", ["static", "steal"])
def test_an_error_in_a_worker_surfaces_and_the_pool_stays_usable(schedule):
    before = child_pids()
    with MappingPool(workers=2).start() as pool:
        pids = pool.pids
        with pytest.raises(WorkerError) as caught:
            pool.map_cycles(REGISTER, schedule=schedule, batch_size=256, kernel="raising")
        assert "deliberate failure at state 512" in str(caught.value) and caught.value.task_id == 2
        result = pool.map_cycles(REGISTER, schedule=schedule, batch_size=256)
        assert result.cycles == map_cycles(REGISTER).cycles
        assert pool.pids == pids and pool.restarts == 0
    assert started_since(before) == []


@pytest.mark.timeout(120)
def test_a_worker_that_dies_is_reported_and_the_pool_restarts():
    before = child_pids()
    with MappingPool(workers=2) as pool:
        with pytest.raises(WorkerError, match="exited with code 3"):
            pool.map_cycles(REGISTER, schedule="queue", batch_size=256, kernel="dying")
        result = pool.map_cycles(REGISTER, schedule="hybrid", batch_size=256)
        assert result.cycles == map_cycles(REGISTER).cycles
        assert pool.restarts == 1
        pids = pool.pids
        os.kill(pids[1], signal.SIGKILL)  # between runs
        while pool._owned.processes[1].exitcode is None:  # gone (a kill racing a run's start fails that run)
            time.sleep(0.01)
        assert pool.map_cycles(REGISTER, schedule="steal", batch_size=256).cycles == result.cycles
        assert pool.restarts == 2 and pool.pids[1] != pids[1]
    assert started_since(before) == []


@pytest.mark.timeout(120)
def test_cancel_and_ctrl_c_stop_the_run_and_close_leaves_no_process():
    before = child_pids()
    pool = MappingPool(workers=2).start()
    workers = [psutil.Process(pid) for pid in pool.pids]
    cancel = threading.Event()
    threading.Timer(0.8, cancel.set).start()
    started = time.monotonic()
    with pytest.raises(MappingCancelled):
        pool.map_cycles(REGISTER, schedule="queue", batch_size=64, kernel="slow", cancel=cancel)
    assert time.monotonic() - started < 5

    def interrupt(done, total):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        pool.map_cycles(REGISTER, schedule="steal", batch_size=64, kernel="slow", progress=interrupt)
    assert pool.map_cycles(REGISTER, schedule="steal", batch_size=256).cycles == map_cycles(REGISTER).cycles
    assert len(started_since(before, timeout=0)) == 3  # two workers and the Manager
    pool.close()
    assert started_since(before) == [] and not any(worker.is_running() for worker in workers)
    with pytest.raises(RuntimeError, match="closed"):
        pool.map_cycles(REGISTER)


@pytest.mark.timeout(60)
def test_a_pool_lost_to_garbage_collection_ends_its_processes():
    before = child_pids()
    pool = MappingPool(workers=2)
    assert pool.pids == [] and started_since(before, timeout=0) == []
    pool.start()
    assert len(started_since(before, timeout=0)) == 3
    del pool
    gc.collect()
    assert started_since(before) == []


@pytest.mark.timeout(120)
def test_interpreter_exit_ends_an_open_pool(tmp_path):
    script = textwrap.dedent("""
        from sage_lfsr import LFSR
        from sage_lfsr.engine.pool import MappingPool
        pool = MappingPool(workers=2)
        pool.map_cycles(LFSR([1, 1, 0, 0, 0, 1]), schedule="steal")
        print(*pool.pids, pool._owned.manager._process.pid, flush=True)
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=100,
                          env=dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path)))
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr and "leaked" not in done.stderr
    deadline = time.monotonic() + 5
    pids = [int(pid) for pid in done.stdout.split()]
    while any(psutil.pid_exists(pid) for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(psutil.pid_exists(pid) for pid in pids)
