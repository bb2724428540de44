r"""
Hostile input and faults (issue 14): limits checked before any work, signals
to the caller, atomic output, process faults, widgets. Oracles: theory
(``predict_cycles``), the operating system (psutil's process table, the files
in ``/dev/shm``, a real full tmpfs) and wall-clock bounds far below the work
that a missing check would start.
"""
import glob
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import textwrap
import threading
import time

import psutil
import pytest

from sage_lfsr import LFSR, map_cycles, predict_cycles
from sage_lfsr.common.errors import WorkerError
from sage_lfsr.engine.kernels import register_kernel

TESTS = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(TESTS)
REGISTER = LFSR([1] + [0] * 11)  # x^12 - 1: many cycles, tasks of 256 states

for _name, _cls in (("killed", "KilledKernel"), ("slow", "SlowKernel")):
    register_kernel(_name, "faulty_kernels", _cls)


def python(script, *arguments, **options):
    r"""A Python child running ``script`` with this checkout first on the path."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([ROOT, TESTS, os.environ.get("PYTHONPATH", "")]))
    return subprocess.Popen([sys.executable, "-c", textwrap.dedent(script), *arguments], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **options)


def segments_of(pid):
    return glob.glob(f"/dev/shm/sage_lfsr_{pid}_*")


# ---------------------------------------------------------------- 2. limits before work

@pytest.mark.timeout(120)
@pytest.mark.parametrize("q, coefficients", [(257, (3, 1)), (65536, (5,))])
def test_fields_above_256_map_as_theory_predicts(q, coefficients):
    register = LFSR(list(coefficients), q=q)
    result = map_cycles(register)
    assert result.structure() == predict_cycles(register)


@pytest.mark.timeout(60)
@pytest.mark.parametrize("make, error, message", [
    (lambda: LFSR([1, 1], q=65537), ValueError, r"q = 65537 is above the largest field order .* 2\^16"),
    (lambda: LFSR([1, 1] + [0] * 19998), MemoryError, r"2\^20000 states are too many .* 2\^19997 bytes"),
    (lambda: LFSR([1] * 41), MemoryError, r"1099511627776 \(2\^40\)"),
])
def test_registers_too_large_to_map_are_refused_before_any_table(make, error, message):
    register = make()
    started = time.monotonic()
    with pytest.raises(error, match=message):
        map_cycles(register, schedule="queue", workers=2)
    assert time.monotonic() - started < 5  # the issue: 13 s and 3.3 GB of tables before refusing


@pytest.mark.timeout(60)
def test_worker_counts_beyond_four_per_core_are_refused_with_the_memory_needed():
    started = time.monotonic()
    with pytest.raises(ValueError, match=r"^workers = 1000000 .* at most \d+ \(4 per core, \d+ cores\)$"):
        map_cycles(REGISTER, schedule="queue", workers=10 ** 6)  # 512 bytes a worker: not worth a word
    with pytest.raises(ValueError, match=r"at most \d+ \(4 per core, \d+ cores\); each is a process with 2.0 MiB "):
        map_cycles(LFSR.from_polynomial("x^24 + x^7 + x^2 + x + 1"), schedule="queue", workers=10 ** 6)
    assert time.monotonic() - started < 5


@pytest.mark.timeout(60)
def test_the_census_caps_workers_with_the_same_check_before_anything_starts():
    from sage_lfsr.census import census, families

    started = time.monotonic()
    for workers in (10 ** 6, 4 * os.cpu_count() + 1):
        with pytest.raises(ValueError, match=rf"^workers = {workers} .* at most {4 * os.cpu_count()} \(4 per core"):
            census(families.lfsrs(3), workers=workers)
    assert time.monotonic() - started < 2  # the issue: 30 s filling the queue with stop markers


@pytest.mark.timeout(60)
def test_predict_refuses_huge_degrees_before_factoring():
    register = LFSR([1] + [0] * (10 ** 5 - 1))  # x^(10^5) + 1: over 100 s to factor
    started = time.monotonic()
    with pytest.raises(ValueError, match="degree 100000 is above the 2000"):
        predict_cycles(register)
    assert time.monotonic() - started < 5


PREDICT_SCRIPT = """
    import sys
    from sage_lfsr.theory import prediction as theory
    from sage_lfsr.cli import main
    theory.FACTOR_SECONDS = 3
    sys.exit(main(["predict", "--polynomial", "x^1000 + x + 1"]))
"""


@pytest.mark.timeout(120)
def test_predict_gives_up_on_a_factorization_that_takes_too_long():
    # x^1000 + x + 1 has an irreducible factor of degree 830: its order needs the factors of 2^830 - 1.
    process = python(PREDICT_SCRIPT)
    started = time.monotonic()
    _, stderr = process.communicate(timeout=100)
    assert process.returncode == 2
    assert stderr.strip().splitlines()[-1] == ("sage-lfsr: error: the order of an irreducible factor of degree 830 "
                                               "needs the factorization of 2^830 - 1, which took longer than 3 s")
    assert time.monotonic() - started < 60


# ---------------------------------------------------------------- 3. signals to the caller

CLI_SCRIPT = """
    import sys
    from sage_lfsr.engine.kernels import register_kernel
    from sage_lfsr.cli import main
    register_kernel("slow", "faulty_kernels", "SlowKernel")
    sys.exit(main(sys.argv[1:]))
"""


@pytest.mark.timeout(120)
@pytest.mark.parametrize("signum, schedule, registry", [
    (signal.SIGTERM, "queue", "shared"),
    (signal.SIGHUP, "hybrid", "shared"),
    (signal.SIGKILL, "queue", "shared"),
    (signal.SIGKILL, "static", "manager"),
])
def test_a_signalled_command_line_run_leaves_no_process_and_no_shared_memory(tmp_path, signum, schedule, registry):
    output = tmp_path / "map.json"
    process = python(CLI_SCRIPT, "map", "--coefficients", ",".join(["1"] + ["0"] * 11), "--kernel", "slow",
                     "--schedule", schedule, "--workers", "2", "--registry", registry, "--batch-size", "64",
                     "--quiet", "--output", str(output))
    parent = psutil.Process(process.pid)
    try:
        deadline, descendants = time.monotonic() + 60, []
        while len(descendants) < 3 and time.monotonic() < deadline:  # two workers and the Manager at least
            time.sleep(0.1)
            descendants = parent.children(recursive=True)
        assert len(descendants) >= 3, "the run did not start its workers"
        time.sleep(1.0)
        process.send_signal(signum)
        _, stderr = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    if signum == signal.SIGKILL:
        assert process.returncode == -signal.SIGKILL
    else:
        assert process.returncode == 128 + signum
        name = signal.Signals(signum).name
        assert stderr.strip().splitlines() == [f"sage-lfsr: terminated by {name}"], stderr
    _, alive = psutil.wait_procs(descendants, timeout=10)
    assert alive == [], f"still running after the caller ended: {alive}"
    assert segments_of(process.pid) == []
    assert not output.exists()


@pytest.mark.timeout(120)
def test_stale_segments_of_dead_runs_are_swept_at_the_next_start():
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    pid = int(dead.stdout)
    assert not psutil.pid_exists(pid)
    stale = f"/dev/shm/sage_lfsr_{pid}_deadbeef"
    with open(stale, "wb") as stream:
        stream.write(b"\0" * 4096)
    result = map_cycles(REGISTER, schedule="queue", workers=2, batch_size=256)
    assert result.structure() == predict_cycles(REGISTER)
    assert not os.path.exists(stale)
    assert segments_of(os.getpid()) == []


@pytest.mark.timeout(60)
def test_shared_memory_is_unlinked_while_the_workers_still_run():
    seen = []

    def progress(done, total):
        if not seen:
            seen.append(segments_of(os.getpid()))

    map_cycles(REGISTER, schedule="queue", workers=2, batch_size=256, progress=progress)
    assert seen == [[]]  # by the first result, the segment's name is gone (the memory stays mapped)


# ---------------------------------------------------------------- 4. output

@pytest.mark.timeout(120)
def test_an_unwritable_output_is_refused_before_the_run(tmp_path):
    # 2^34 states would take minutes: the refusal must come first.
    process = python(CLI_SCRIPT, "map", "--polynomial", "x^34 + x^7 + 1", "--schedule", "queue", "--quiet",
                     "--output", str(tmp_path / "no-such-directory" / "map.json"))
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 2
    assert stderr.strip().splitlines() == [f"sage-lfsr: error: cannot write the output file "
                                           f"{tmp_path}/no-such-directory/map.json: the directory "
                                           f"{tmp_path}/no-such-directory does not exist"]


@pytest.mark.timeout(60)
def test_an_empty_checkpoint_name_is_refused_and_leaves_no_file(tmp_path):
    process = python(CLI_SCRIPT, "map", "--coefficients", "1,1,0,0", "--quiet", "--checkpoint", "", cwd=tmp_path)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 2 and "the checkpoint file name is empty" in stderr
    assert os.listdir(tmp_path) == []


@pytest.fixture
def full_disk(tmp_path):
    r"""A 64 KiB tmpfs (needs root and mount); skipped where it cannot be mounted."""
    mount_point = tmp_path / "small"
    mount_point.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(mount_point)],
                             capture_output=True)
    if mounted.returncode != 0:
        pytest.skip("cannot mount a small tmpfs here (needs root)")
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", "-l", str(mount_point)], capture_output=True)


@pytest.mark.timeout(120)
def test_a_full_disk_keeps_the_previous_output_whole(full_disk):
    previous = json.dumps({"previous": "map"})
    target = full_disk / "map.json"
    target.write_text(previous)
    # x^16 - 1 has 4116 cycles: its JSON is several times the 64 KiB of the disk.
    process = python(CLI_SCRIPT, "map", "--coefficients", ",".join(["1"] + ["0"] * 15), "--quiet",
                     "--output", str(target))
    _, stderr = process.communicate(timeout=100)
    assert process.returncode == 1
    assert len(stderr.strip().splitlines()) == 1 and "No space left on device" in stderr
    assert target.read_text() == previous
    assert os.listdir(full_disk) == ["map.json"]  # no temporary file left behind


# ---------------------------------------------------------------- 8. processes

START_METHODS_SCRIPT = """
    from sage_lfsr import LFSR, map_cycles, predict_cycles
    if __name__ == "__main__":
        register = LFSR([1, 0, 0, 1, 0, 0, 0, 0, 0, 0])
        for method, workers in (("forkserver", 2), ("spawn", 1)):
            result = map_cycles(register, schedule="queue", workers=workers, batch_size=256, start_method=method)
            print(method, result.structure() == predict_cycles(register), flush=True)
"""


@pytest.mark.timeout(300)
def test_forkserver_and_spawn_map_correctly_without_tracebacks(tmp_path):
    script = tmp_path / "start_methods.py"
    script.write_text(textwrap.dedent(START_METHODS_SCRIPT))
    process = python(f"import runpy; runpy.run_path({str(script)!r}, run_name='__main__')")
    stdout, stderr = process.communicate(timeout=280)
    assert process.returncode == 0, stderr
    assert stdout.split() == ["forkserver", "True", "spawn", "True"]
    assert "Traceback" not in stderr and "leaked" not in stderr, stderr


@pytest.mark.timeout(60)
@pytest.mark.parametrize("schedule", ["static", "queue"])
def test_a_worker_killed_mid_task_is_reported_with_its_signal_and_task(schedule):
    with pytest.raises(WorkerError, match=r"worker \d failed during task 2:\n.*was killed by signal SIGKILL"):
        map_cycles(REGISTER, schedule=schedule, workers=2, batch_size=256, kernel="killed")


@pytest.mark.timeout(60)
def test_a_killed_manager_is_noticed_within_seconds(monkeypatch):
    from sage_lfsr.engine.schedules import processes

    started = processes.RunManager.start
    killed_at = []

    def start_and_kill_later(self, *arguments):
        started(self, *arguments)
        pid = self._process.pid

        def kill():
            os.kill(pid, signal.SIGKILL)
            killed_at.append(time.monotonic())
        threading.Timer(1.0, kill).start()

    monkeypatch.setattr(processes.RunManager, "start", start_and_kill_later)
    with pytest.raises(WorkerError, match="killed by signal SIGKILL") as caught:
        map_cycles(REGISTER, schedule="queue", workers=2, batch_size=64, kernel="slow")
    assert killed_at and time.monotonic() - killed_at[0] < 5
    assert str(caught.value).startswith("the Manager process failed during the run")


SMALL_SHM_SCRIPT = """
    from sage_lfsr import LFSR, map_cycles, predict_cycles
    register = LFSR.from_polynomial("x^24 + x^23 + x^22 + x^17 + 1")   # a 2 MiB bitmap row per worker
    result = map_cycles(register, schedule="queue", workers=2)
    print(result.structure() == predict_cycles(register), result.choices["visited_layout"])
    print(result.choices["visited_layout_reason"])
"""


@pytest.mark.timeout(300)
def test_a_small_dev_shm_falls_back_to_private_bitmaps():
    if shutil.which("unshare") is None:
        pytest.skip("unshare is not available")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([ROOT, TESTS, os.environ.get("PYTHONPATH", "")]))
    command = (f"mount -t tmpfs -o size=1m tmpfs /dev/shm && exec {sys.executable} -c "
               f"'{textwrap.dedent(SMALL_SHM_SCRIPT)}'")
    completed = subprocess.run(["unshare", "-m", "sh", "-c", command], capture_output=True, text=True, env=env,
                               timeout=280)
    if completed.returncode != 0 and "mount" in completed.stderr and "sage_lfsr" not in completed.stderr:
        pytest.skip(f"cannot mount a small /dev/shm here: {completed.stderr.strip()}")
    assert completed.returncode == 0, completed.stderr
    first, reason = completed.stdout.strip().splitlines()
    assert first == "True private"
    # multiprocessing's own arenas may take a few KiB of the 1 MiB first
    assert re.match(r"/dev/shm has (1\.0 MiB|\d+(\.\d)? KiB) free but the shared bitmap needs 4\.0 MiB", reason), reason
    assert "SIGBUS" not in completed.stderr and "Bus error" not in completed.stderr


# ---------------------------------------------------------------- 9. widgets

@pytest.mark.timeout(120)
@pytest.mark.parametrize("settings, expected", [
    ({"field_order": 65537, "coefficients": "1"}, "above the largest field order"),
    ({"source": "polynomial", "polynomial": "x^(10^8)+1"}, "Error:"),
    ({"coefficients": "1 " * 10 ** 5}, "2^100000 states are more than this view maps"),
])
def test_the_explorer_shows_hostile_input_as_a_message(settings, expected):
    from sage_lfsr.widgets import CycleExplorer

    started = time.monotonic()
    explorer = CycleExplorer(background=False, **settings)
    assert expected in explorer.message.value
    assert explorer.enumerated is None
    assert time.monotonic() - started < 30


@pytest.mark.timeout(120)
def test_the_explorer_maps_q_257():
    from sage_lfsr.widgets import CycleExplorer

    explorer = CycleExplorer(field_order=257, coefficients="3 1", background=False)
    assert explorer.message.value == "" and explorer.enumerated is not None
    assert explorer.enumerated.structure() == explorer.predicted


@pytest.mark.timeout(60)
def test_the_bench_shows_hostile_input_as_a_message():
    from sage_lfsr.widgets import SchedulingBench

    bench = SchedulingBench(register="x^d + 1", degree=2, field_order=65537, schedules=("sequential",),
                            run_now=False)
    bench.run(background=False)
    assert "above the largest field order" in bench.message.value and bench.runs == []
