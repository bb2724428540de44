r"""A failing worker, a dying worker, cancellation and Ctrl-C: errors surface, nothing hangs, no process is left."""
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time

import psutil
import pytest

from sage_lfsr import LFSR, map_cycles
from sage_lfsr.common.errors import MappingCancelled, WorkerError
from sage_lfsr.engine.kernels import register_kernel
from sage_lfsr.engine.schedules import available_schedules

LOCAL_PARALLEL = [name for name in available_schedules() if name not in ("sequential", "dask")]
REGISTER = LFSR([1] + [0] * 11)  # x^12 - 1: many cycles, tasks of 256 states

for name, cls in (("raising", "RaisingKernel"), ("dying", "DyingKernel"), ("slow", "SlowKernel")):
    register_kernel(name, "faulty_kernels", cls)


def children(parent=None):
    r"""Child processes, less multiprocessing's resource tracker (one per interpreter, by design)."""
    found = []
    for child in (parent or psutil.Process()).children(recursive=True):
        try:
            if "resource_tracker" not in " ".join(child.cmdline()):
                found.append(child)
        except psutil.NoSuchProcess:
            pass
    return found


def wait_for_no_children(timeout=5.0):
    deadline = time.monotonic() + timeout
    while children() and time.monotonic() < deadline:
        time.sleep(0.05)
    return children()


@pytest.mark.timeout(60)
@pytest.mark.parametrize("schedule", LOCAL_PARALLEL)
def test_worker_exception_is_reraised_with_worker_task_and_traceback(schedule):
    with pytest.raises(WorkerError) as caught:
        map_cycles(REGISTER, schedule=schedule, workers=2, batch_size=256, kernel="raising", registry="manager")
    message = str(caught.value)
    assert "deliberate failure at state 512" in message
    assert "ArithmeticError" in message and "Traceback" in message
    assert caught.value.task_id == 2
    assert wait_for_no_children() == []


@pytest.mark.timeout(60)
@pytest.mark.parametrize("schedule", LOCAL_PARALLEL)
def test_worker_that_dies_ends_the_run_with_an_error(schedule):
    with pytest.raises(WorkerError, match="exited with code 3"):
        map_cycles(REGISTER, schedule=schedule, workers=2, batch_size=256, kernel="dying")
    assert wait_for_no_children() == []


@pytest.mark.timeout(60)
def test_cancel_stops_the_run_and_its_workers():
    cancel = threading.Event()
    threading.Timer(0.8, cancel.set).start()
    started = time.monotonic()
    with pytest.raises(MappingCancelled):
        map_cycles(REGISTER, schedule="queue", workers=2, batch_size=64, kernel="slow", cancel=cancel)
    assert time.monotonic() - started < 5
    assert wait_for_no_children() == []


@pytest.mark.timeout(60)
def test_cancel_sequential_run():
    cancel = threading.Event()
    cancel.set()
    with pytest.raises(MappingCancelled):
        map_cycles(REGISTER, batch_size=64, cancel=cancel)


CTRL_C_SCRIPT = textwrap.dedent("""
    import sys
    sys.path.insert(0, {tests!r})
    from sage_lfsr import LFSR, map_cycles
    from sage_lfsr.engine.kernels import register_kernel
    register_kernel("slow", "faulty_kernels", "SlowKernel")
    print("starting", flush=True)
    map_cycles(LFSR([1] + [0] * 11), schedule={schedule!r}, workers=2, batch_size=64, kernel="slow")
""")


@pytest.mark.timeout(90)
@pytest.mark.parametrize("schedule", ["queue", "hybrid"])
def test_ctrl_c_stops_every_worker_within_two_seconds(schedule):
    script = CTRL_C_SCRIPT.format(tests=os.path.dirname(os.path.dirname(os.path.abspath(__file__))), schedule=schedule)
    process = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               start_new_session=True, text=True)
    try:
        assert process.stdout.readline().strip() == "starting"
        parent = psutil.Process(process.pid)
        deadline = time.monotonic() + 30
        spawned = children(parent)
        while len(spawned) < 3 and time.monotonic() < deadline:
            time.sleep(0.05)
            spawned = children(parent)
        assert len(spawned) >= 3  # two workers and the Manager
        time.sleep(0.5)
        os.killpg(process.pid, signal.SIGINT)  # what a terminal's Ctrl-C does
        interrupted = time.monotonic()
        process.wait(timeout=10)
        _, stderr = process.communicate()
        assert "KeyboardInterrupt" in stderr
        gone, alive = psutil.wait_procs(spawned, timeout=max(0.1, interrupted + 2.0 - time.monotonic()))
        assert alive == [], f"still running 2 s after Ctrl-C: {alive}"
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
