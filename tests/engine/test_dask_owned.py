"""
The owned mode of ``schedule="dask"`` (workers that share no memory) on a cluster
started as on several machines: ``dask scheduler`` and ``dask worker --nworkers 2
--nthreads 1 --memory-limit`` as separate processes, reached through the scheduler
file. Every register kind maps as the sequential reference does at W = 2 and 5
owners; a worker killed mid-run and a caller killed mid-run both end in the same
map; nothing is left running.
"""
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

distributed = pytest.importorskip("distributed")

from sage_lfsr import FSR, LFSR, MatrixRegister, map_cycles  # noqa: E402
from sage_lfsr.registers.coercion import describe  # noqa: E402
from sage_lfsr.engine.schedules.dask_owned import owned_arrays_held  # noqa: E402

pytestmark = pytest.mark.timeout(240)


def _registers():
    from sage.rings.finite_rings.finite_field_constructor import GF
    from sage.matrix.constructor import matrix

    return {
        "primitive": LFSR.from_polynomial("x^12 + x^6 + x^4 + x + 1"),
        "short-cycles": LFSR.from_polynomial("x^12 + 1"),
        "skewed": LFSR.from_polynomial("(x^5 + x^2 + 1) * (x^7 + x + 1)"),
        "singular": LFSR.from_polynomial("x^12 + x^11"),
        "affine": LFSR([0, 1, 1, 0, 1, 0, 0, 1, 1, 0, 0, 1], constant=1),
        "galois-gf3": LFSR([2, 0, 1, 1, 2, 1, 0, 2], q=3, constant=1, form="galois"),
        "matrix-gf3": MatrixRegister(matrix(GF(3), [[1, 2, 0, 0, 1], [0, 0, 1, 0, 0], [2, 0, 0, 1, 0],
                                                    [0, 0, 0, 0, 0], [1, 0, 2, 0, 1]])),
        "nonlinear-trees": FSR("x1 + x2*x3 + x5", 12),
        "nonlinear-invertible": FSR("x0 + x2*x3 + x5", 12),
    }


@pytest.fixture(scope="module")
def separate_cluster(tmp_path_factory):
    r"""A scheduler and two worker processes (one nanny each) started as commands; all killed afterwards."""
    from sage_lfsr.engine.schedules.dask_commands import separate_cluster as started

    with started(2, "2GB", tmp_path_factory.mktemp("dask")) as cluster:
        yield cluster


def _owned(owners, **more):
    import dask

    return dask.config.set({"sage_lfsr.dask-memory": "owned", "sage_lfsr.owned-owners": owners, **more})


def _wait_for_two_workers(client):
    client.wait_for_workers(2, timeout=120)
    while len(client.scheduler_info()["workers"]) > 2:
        time.sleep(0.2)


@pytest.mark.parametrize("owners", [2, 5])
def test_every_register_kind_maps_as_the_sequential_reference(separate_cluster, owners):
    scheduler_file, client = separate_cluster
    _wait_for_two_workers(client)
    for name, register in _registers().items():
        reference = map_cycles(register)
        with _owned(owners):
            result = map_cycles(register, schedule="dask", workers=2, batch_size=128, scheduler_address=scheduler_file,
                                split=None if describe(register).singular else True)
        assert result.cycles == reference.cycles, name
        assert result.structure() == reference.structure(), name  # cycle counts, tail depths, q^d conserved
        choices = result.choices
        assert choices["dask_memory"].startswith("owned") and choices["owned_owners"] == owners
        # no worker holds an array of the whole space: its owners' and their replicas' shares
        description = describe(register)
        whole = (register.state_count // 8 if not description.singular else
                 register.state_count * np.dtype(description.depth_dtype).itemsize)
        hosted = -(-owners // 2)
        assert choices["owned_worker_bytes"] <= 2 * hosted * (whole // owners + 128) + 64, name
    # every run released its arrays on the workers
    assert set(client.run(owned_arrays_held).values()) == {0}


def test_a_worker_killed_mid_run_loses_nothing(separate_cluster):
    scheduler_file, client = separate_cluster
    _wait_for_two_workers(client)
    register = LFSR.from_polynomial("x^16 + 1")  # a sweep of many short cycles: marks move all the time
    reference = map_cycles(register)
    pids = client.run(os.getpid)
    killed = []

    def kill_one_worker(done, total):
        if done > 0.6 * total and not killed:  # in the sweep (segments are the first half): groups under way
            address = sorted(pids)[0]
            os.kill(pids[address], signal.SIGKILL)
            killed.append(address)

    with _owned(2):
        result = map_cycles(register, schedule="dask", workers=2, batch_size=256, split=True,
                            scheduler_address=scheduler_file, progress=kill_one_worker)
    assert killed and result.choices["owned_failovers"] and result.choices["owned_failovers"][0]["lost"] == killed[0]
    assert result.cycles == reference.cycles and result.structure() == reference.structure()
    _wait_for_two_workers(client)  # the nanny restarted it


CALLER = """
import sys, dask
from sage_lfsr import LFSR, map_cycles
with dask.config.set({"sage_lfsr.dask-memory": "owned"}):
    map_cycles(LFSR.from_polynomial("x^16 + 1"), schedule="dask", workers=2, batch_size=256, split=True,
               scheduler_address=sys.argv[1], checkpoint=sys.argv[2],
               progress=lambda done, total: __import__("time").sleep(0.05))
"""


def test_a_caller_killed_mid_run_resumes_from_its_checkpoint(separate_cluster, tmp_path):
    scheduler_file, client = separate_cluster
    _wait_for_two_workers(client)
    checkpoint = tmp_path / "x16.ckpt"
    caller = subprocess.Popen([sys.executable, "-c", CALLER, scheduler_file, str(checkpoint)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        began, header = time.monotonic(), None
        while time.monotonic() - began < 120:  # until a few task results follow the header
            assert caller.poll() is None, "the caller ended before it could be killed"
            if checkpoint.exists() and checkpoint.stat().st_size:
                header = header or checkpoint.stat().st_size
                if checkpoint.stat().st_size > header + 4000:
                    break
            time.sleep(0.02)
    finally:
        caller.kill()
        caller.wait(timeout=30)
    register = LFSR.from_polynomial("x^16 + 1")
    with _owned(2):
        result = map_cycles(register, schedule="dask", workers=2, batch_size=256, split=True,
                            scheduler_address=scheduler_file, checkpoint=str(checkpoint))
    reference = map_cycles(register)
    assert result.cycles == reference.cycles and result.structure() == reference.structure()
    assert result.choices["resumed_tasks"] + result.choices.get("segment_tasks_rerun", 0) > 0  # it read the records
    # the dead caller's arrays were dropped on the workers by the next run, and this run's at its end
    assert set(client.run(owned_arrays_held).values()) == {0}


@pytest.mark.timeout(120)
def test_a_separate_cluster_dies_with_its_caller_even_by_sigkill():
    import psutil

    code = ("import time\nfrom sage_lfsr.engine.schedules.dask_commands import separate_cluster\n"
            "with separate_cluster(1) as (scheduler_file, client):\n    print(scheduler_file, flush=True)\n"
            "    time.sleep(600)")
    caller = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    folder = os.path.dirname(caller.stdout.readline().strip())
    started = [process for process in psutil.process_iter(["cmdline"])
               if any(folder in part for part in process.info["cmdline"] or [])]
    started += [child for process in started for child in process.children(recursive=True)]
    assert len(started) >= 3  # the scheduler, the worker command and its worker
    caller.kill()  # no finally, no atexit: only the kernel's parent-death signal is left
    caller.wait()
    gone, alive = psutil.wait_procs(started, timeout=10)
    assert all(process.status() == psutil.STATUS_ZOMBIE for process in alive if process.is_running())
