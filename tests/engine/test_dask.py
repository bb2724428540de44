"""
The ``dask`` schedule on a LocalCluster (processes, 2 workers, loopback): the
same map as the sequential reference and the theory, per-worker memory kept
across a worker's tasks and released after the run, and a worker killed in the
middle of a run whose tasks are recomputed elsewhere.
"""
import multiprocessing
import os
import threading
import time

import pytest

distributed = pytest.importorskip("distributed")

from sage_lfsr import LFSR, map_cycles, predict_cycles  # noqa: E402
from sage_lfsr.engine.schedules import dask_cluster, dask_common  # noqa: E402,F401

pytestmark = pytest.mark.timeout(180)

REGISTERS = {
    "gf2-primitive": LFSR.from_polynomial("x^12 + x^6 + x^4 + x + 1"),
    "gf2-reducible": LFSR.from_polynomial("(x^2 + x + 1)^2 * (x^5 + x^2 + 1)"),
    "gf2-singular": LFSR.from_polynomial("x^10 + x^9 + x^4 + x^3"),
    "gf3": LFSR.from_polynomial("(x + 1)^2 * (x^4 + x + 2)", q=3),
    "gf3-singular": LFSR.from_polynomial("x^6 + x^4 + 2*x^2", q=3),
    "gf4": LFSR.from_polynomial("x^5 + z*x + 1", q=4),
    "gf9": LFSR([1, "z", 0], q=9),
}


def local_cluster():
    return distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                                    dashboard_address=":0", worker_dashboard_address=None)


@pytest.fixture(scope="module")
def cluster():
    with local_cluster() as running, distributed.Client(running) as client:
        yield running, client


def assert_matches_reference(result, register):
    reference = map_cycles(register)
    assert result.cycles == reference.cycles
    assert result.structure() == reference.structure() == predict_cycles(register)


@pytest.mark.parametrize("name", sorted(REGISTERS))
@pytest.mark.parametrize("kernel", ["fast", "sage"])
def test_dask_maps_like_the_reference(cluster, name, kernel):
    running, client = cluster
    register = REGISTERS[name]
    result = map_cycles(register, schedule="dask", workers=2, batch_size=64, kernel=kernel,
                        scheduler_address=running.scheduler_address)
    assert_matches_reference(result, register)
    task_count = len(range(0, register.state_count, 64)) * (2 if result.choices["split"] else 1)
    assert sum(load.tasks for load in result.worker_loads) == task_count
    assert {load.worker for load in result.worker_loads} == {0, 1}
    assert all(load.tasks > 0 for load in result.worker_loads)  # both workers took part
    assert result.schedule == "dask" and result.workers == 2


def test_worker_memory_persists_across_tasks_and_is_released(cluster):
    running, client = cluster
    register = REGISTERS["gf2-primitive"]  # one cycle of 4095 states, traced whole (no split)
    result = map_cycles(register, schedule="dask", workers=2, batch_size=64, split=False,
                        scheduler_address=running.scheduler_address)
    assert_matches_reference(result, register)
    # A worker traces the long cycle on its first task only; fresh memory per task
    # would retrace it on each of the 64 tasks.
    assert result.states_traced <= 2 * register.state_count
    cached = client.run(lambda: len(dask_common.RUN_STATE))
    assert set(cached.values()) == {0}


def test_a_local_cluster_is_started_and_closed():
    register = REGISTERS["gf3-singular"]
    children_before = set(multiprocessing.active_children())
    result = map_cycles(register, schedule="dask", workers=2, batch_size=32)
    assert_matches_reference(result, register)
    assert len(result.worker_loads) == 2 and result.choices["dask_start_seconds"] > 0
    assert set(multiprocessing.active_children()) <= children_before  # its worker processes are gone


def test_a_worker_killed_mid_run_has_its_tasks_recomputed():
    register = LFSR.from_polynomial("x^13 + x^4 + x^3 + x + 1")  # 8192 states, sage kernel: about 0.3 s of work
    with local_cluster() as running, distributed.Client(running) as client:
        pids_before = client.run(os.getpid)
        victim = sorted(pids_before)[0]
        progress_calls, killed_at = [], []

        def kill_victim():
            client.run(os._exit, 1, workers=[victim], on_error="ignore")
            killed_at.append(time.monotonic())

        killer = threading.Thread(target=kill_victim)

        def kill_on_first_result(done, total):
            progress_calls.append((done, total, time.monotonic()))
            if len(progress_calls) == 1:
                killer.start()

        result = map_cycles(register, schedule="dask", workers=2, batch_size=32, kernel="sage", split=True,
                            progress=kill_on_first_result, scheduler_address=running.scheduler_address)
        killer.join(timeout=60)
        assert killed_at and killed_at[0] < progress_calls[-1][2]  # the worker died before the run ended
        done, total, _ = progress_calls[-1]
        assert done == total == 2 * register.state_count  # two phases
        assert len(progress_calls) == len(range(0, register.state_count, 32)) * 2
        client.wait_for_workers(2, timeout=60)
        pids_after = client.run(os.getpid)
        assert set(pids_after.values()).isdisjoint({pids_before[victim]})  # the victim did die
    assert_matches_reference(result, register)
    assert {load.worker for load in result.worker_loads} <= {0, 1}  # the restarted worker keeps its name


def test_cancel_stops_a_dask_run(cluster):
    from sage_lfsr.common.errors import MappingCancelled

    running, client = cluster
    cancel = threading.Event()
    with pytest.raises(MappingCancelled):
        map_cycles(REGISTERS["gf2-primitive"], schedule="dask", workers=2, batch_size=64, kernel="sage",
                   scheduler_address=running.scheduler_address, cancel=cancel,
                   progress=lambda done, total: cancel.set())
    assert set(client.run(lambda: len(dask_common.RUN_STATE)).values()) == {0}


def test_a_task_that_raises_ends_the_run_with_a_worker_error(cluster, monkeypatch):
    from sage_lfsr.common.errors import WorkerError
    from sage_lfsr.engine.job import Task

    running, client = cluster
    register = REGISTERS["gf2-reducible"]
    # One task of an unknown phase: execute() raises on the worker, after Dask's retries too.
    import sage_lfsr.engine.planning as planning

    real_make_tasks = planning.make_tasks
    monkeypatch.setattr(planning, "make_tasks", lambda *args: real_make_tasks(*args) + (
        Task(len(real_make_tasks(*args)), "bogus-phase", 0, 8),))
    with pytest.raises(WorkerError, match=r"failed during task \d+:\nValueError: unknown task phase 'bogus-phase'"):
        map_cycles(register, schedule="dask", workers=2, batch_size=64, scheduler_address=running.scheduler_address)
    assert set(client.run(lambda: len(dask_common.RUN_STATE)).values()) == {0}


def test_affine_galois_and_matrix_registers_map_on_dask(cluster):
    from sage.all__sagemath_modules import GF, matrix

    from sage_lfsr import MatrixRegister

    running, client = cluster
    singular = MatrixRegister(matrix(GF(3), [[1, 2, 0, 0, 1], [0, 0, 1, 0, 0], [2, 0, 0, 1, 0],
                                             [0, 0, 0, 0, 0], [1, 0, 2, 0, 1]]))
    for register in (LFSR([2, 0, 1, 1, 2], q=3, constant=1, form="galois"), singular):
        result = map_cycles(register, schedule="dask", workers=2, batch_size=64,
                            scheduler_address=running.scheduler_address)
        assert result.structure() == predict_cycles(register), register


def test_workers_on_this_machine_share_visited_memory(cluster):
    running, _ = cluster
    register = LFSR.from_polynomial("x^14 + x^13 + x^12 + x^2 + 1")  # one cycle of 16383 states, split
    shared = map_cycles(register, schedule="dask", workers=2, batch_size=1024,
                        scheduler_address=running.scheduler_address)
    private = map_cycles(register, schedule="dask", workers=2, batch_size=1024, registry="manager",
                         scheduler_address=running.scheduler_address)
    for result in (shared, private):
        assert_matches_reference(result, register)
    assert shared.choices["dask_memory"].startswith("shared on this machine")
    assert private.choices["dask_memory"].startswith("private")
    # Private bitmaps: each worker re-walks the segments the other traced.
    assert private.states_traced >= 1.5 * register.state_count
    assert shared.states_traced <= 1.1 * register.state_count


def test_shared_rows_and_a_sweep_of_the_few_states_the_segments_left(cluster, monkeypatch):
    running, _ = cluster
    scans = []

    def recorded(covered, tasks, *args):
        pieces = unmarked_pieces(covered, tasks, *args)
        scans.append((np.unpackbits(covered, bitorder="little").size - int(np.unpackbits(covered).sum()), pieces))
        return pieces

    import numpy as np

    unmarked_pieces = dask_cluster.unmarked_pieces
    monkeypatch.setattr(dask_cluster, "unmarked_pieces", recorded)
    # degree 5 x degree 9, about 64 states a segment: the segments cover the long cycles and the
    # zero state (distinguished), and leave the 31-cycle (none of its states is distinguished
    # at 6 bits): the sweep runs on the pieces around its states only
    register = LFSR.from_polynomial("(x^5 + x^3 + 1) * (x^9 + x^4 + 1)")
    result = map_cycles(register, schedule="dask", workers=2, batch_size=4096, split=True,
                        scheduler_address=running.scheduler_address)
    assert_matches_reference(result, register)
    assert result.choices["visited_layout"] == "rows"  # one row per worker: no line written from two cores
    assert result.states_traced == register.state_count  # no state walked twice
    [(unmarked, pieces)] = scans
    assert result.choices["distinguished_bits"] == 6 and unmarked == 31  # the states the segments left
    swept = sum(hi - lo for ranges in pieces.values() for lo, hi in ranges)
    assert unmarked <= swept <= 8 * 64 * unmarked  # pieces around them, not the whole space


def _listening_socket(answer=None):
    r"""A loopback server that accepts and then says nothing, or ``answer`` (not Dask's protocol)."""
    import socket

    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    accepted = []

    def serve():
        while True:
            try:
                connection, _ = server.accept()
            except OSError:
                return
            accepted.append(connection)
            if answer:
                connection.sendall(answer)

    threading.Thread(target=serve, daemon=True).start()
    return server, accepted


@pytest.mark.parametrize("server_kind", ["silent", "refused", "not-dask"])
def test_an_address_that_is_no_dask_scheduler_fails_within_the_timeout(server_kind):
    import dask

    if server_kind == "refused":
        server, _ = _listening_socket()
        port = server.getsockname()[1]
        server.close()
    else:
        server, _ = _listening_socket(b"HTTP/1.1 400 Bad Request\r\n\r\n" * 4 if server_kind == "not-dask" else None)
        port = server.getsockname()[1]
    address = f"tcp://127.0.0.1:{port}"
    start = time.monotonic()
    with dask.config.set({"sage_lfsr.connect-timeout": 1.5}):
        with pytest.raises(dask_cluster.DaskConnectionError) as raised:
            map_cycles(REGISTERS["gf2-reducible"], schedule="dask", workers=2, scheduler_address=address)
    assert time.monotonic() - start < 1.5 + 3
    message = str(raised.value)
    assert address in message and "\n" not in message
    server.close()


def _run_script(tmp_path, body, interrupt_on=None):
    import signal
    import subprocess
    import sys

    script = tmp_path / "script.py"
    script.write_text(body)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(__import__("pathlib").Path(__file__).resolve().parent.parent.parent),
                                                       os.environ.get("PYTHONPATH", "")]))
    process = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True, start_new_session=True, env=env, cwd=tmp_path)
    if interrupt_on is not None:
        for line in process.stdout:
            if line.startswith(interrupt_on):
                os.killpg(process.pid, signal.SIGINT)  # what a terminal's Ctrl-C does
                break
    out, err = process.communicate(timeout=150)
    return process.returncode, out, err


def test_a_script_without_the_main_guard_is_told_what_to_do(tmp_path):
    code, _, err = _run_script(tmp_path, "from sage_lfsr import LFSR, map_cycles\n"
                                         "map_cycles(LFSR([1, 1, 0, 1]), schedule='dask', workers=1)\n")
    assert code != 0
    assert 'if __name__ == "__main__":' in err.splitlines()[-1]
    assert err.count("Traceback") <= 1


def test_ctrl_c_ends_a_dask_run_without_a_flood_of_tracebacks(tmp_path):
    code, out, err = _run_script(tmp_path, """
import sys
from sage_lfsr import LFSR, map_cycles
if __name__ == "__main__":
    def report(done, total):
        print("PROGRESS", flush=True)
    try:
        map_cycles(LFSR.from_polynomial("x^13 + x^4 + x^3 + x + 1"), schedule="dask", workers=2, batch_size=32,
                   kernel="sage", progress=report)
    except KeyboardInterrupt:
        print("INTERRUPTED", flush=True)
        sys.exit(130)
""", interrupt_on="PROGRESS")
    assert code == 130 and "INTERRUPTED" in out
    assert "Traceback (most recent call last)" not in err and len(err.splitlines()) <= 3


def test_owned_mode_is_chosen_for_workers_on_other_machines(cluster, monkeypatch):
    running, _ = cluster
    monkeypatch.setattr(dask_cluster, "workers_share_this_machine", lambda client, workers: False)
    register = LFSR.from_polynomial("x^12 + 1")
    result = map_cycles(register, schedule="dask", workers=2, batch_size=512, kernel="sage",
                        scheduler_address=running.scheduler_address)
    assert_matches_reference(result, register)
    assert result.choices["dask_memory"].startswith("owned") and "other machines" in result.choices["dask_memory"]
    singular = REGISTERS["gf2-singular"]  # trees: each owner numbers the depths of its own states
    result = map_cycles(singular, schedule="dask", workers=2, batch_size=256, scheduler_address=running.scheduler_address)
    assert_matches_reference(result, singular)
    assert result.choices["dask_memory"].startswith("owned") and "depths" in result.choices["dask_memory"]


def test_an_unknown_memory_mode_is_refused(cluster):
    import dask

    running, _ = cluster
    with dask.config.set({"sage_lfsr.dask-memory": "telepathy"}), pytest.raises(ValueError, match="telepathy"):
        map_cycles(REGISTERS["gf2-reducible"], schedule="dask", workers=2, scheduler_address=running.scheduler_address)
