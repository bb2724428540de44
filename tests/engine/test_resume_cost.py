"""
A resumed run costs the work that remains, plus a little (issue 14 item 5): the
memory snapshot saved beside a checkpoint gives it the marks of finished work.

Each run here is interrupted (an ``on_result`` that raises after k records, or
SIGKILL of a real process), resumed, and checked against two oracles: the map
equals an uninterrupted run's and theory's (the conservation law is checked in
assembly), and the states traced on resume stay within

    remaining + W * (batch + lag)

where ``remaining`` is the states the recorded tasks do not hold, times what a
fresh run under the same schedule traces per state, W the workers (each may walk into the same
unmarked stretch once), ``batch`` the task size, and ``lag`` what the recorded
tasks the snapshot does not cover traced (the work done after the snapshot).
"""
import os
import signal
import subprocess
import sys
import time

import pytest

from sage_lfsr import LFSR, map_cycles, predict_cycles
from sage_lfsr.engine import snapshots
from sage_lfsr.engine.checkpoint import Checkpoint, CheckpointWarning
from sage_lfsr.engine.snapshots import decode_snapshot, snapshot_path

from sage_lfsr.engine.kernels import register_kernel

pytestmark = pytest.mark.timeout(300)
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from faulty_kernels import InterruptAfter  # noqa: E402
# Tasks of at least 15 ms: workers do not run far ahead of the caller, which records each result
# with an fsync (as with tasks of realistic size, while these registers take a millisecond a task).
register_kernel("paced", "faulty_kernels", "PacedKernel")

#: (register, batch size, split)
REGISTERS = {
    "primitive-split": (LFSR.from_polynomial("x^14 + x^10 + x^6 + x + 1"), 512, True),
    "reducible": (LFSR.from_polynomial("x^14 + x^7 + 1"), 512, False),
    "reducible-split": (LFSR.from_polynomial("x^16 + x^8 + 1"), 4096, True),
    "singular": (LFSR.from_polynomial("x^14 + x^13 + x^7 + x^3"), 512, False),
    # Many short cycles (2^16 / 16 of them): the first tasks close nearly all of them.
    "many-cycles": (LFSR.from_polynomial("x^16 + 1"), 2048, False),
}
SCHEDULES = {"sequential": 1, "queue": 2, "steal": 2}


@pytest.fixture(autouse=True)
def frequent_snapshots(monkeypatch):
    # Runs of a few milliseconds: a snapshot at every chance (else at most 5 % of the run's time).
    monkeypatch.setattr(snapshots, "SHARE", 1e9)


def snapshot_tasks(path):
    """The ids of the tasks whose marks the snapshot beside checkpoint ``path`` holds whole (none without one)."""
    sidecar = snapshot_path(path)
    return set(decode_snapshot(open(sidecar, "rb").read())[0]["complete"]) if os.path.exists(sidecar) else set()


def check_resume(register, options, path, fresh, uses_snapshot):
    """Resume the run recorded in ``path``; check its map and its cost; return the resumed map."""
    _, recorded, _ = Checkpoint(path).read()
    covered = snapshot_tasks(path)
    state_count = fresh.cycle_states + fresh.transient_states
    owned = sum(result.states_owned for result in recorded)
    lag = sum(result.states_traced for result in recorded if result.task_id not in covered)
    resumed = map_cycles(register, checkpoint=path, **options)
    assert resumed.cycles == fresh.cycles
    assert resumed.structure() == fresh.structure() == predict_cycles(register)
    traced = resumed.choices["states_traced_this_run"]
    remaining = (state_count - owned) * fresh.states_traced / state_count  # at the rate a fresh run works
    bound = remaining + options["workers"] * (options["batch_size"] + lag)
    numbers = dict(traced=traced, remaining=remaining, lag=lag, bound=bound, fresh=fresh.states_traced,
                   recorded=len(recorded), covered=len(covered), choices=resumed.choices)
    if uses_snapshot:
        assert traced <= bound, numbers
        if covered:
            assert resumed.choices["memory_snapshot"].startswith("restored"), numbers
        assert covered or options["workers"] > 1, numbers
    else:
        assert "memory_snapshot" not in resumed.choices, numbers
    assert not os.path.exists(snapshot_path(path))  # every task is recorded: the snapshot is gone
    return resumed


@pytest.mark.parametrize("name", sorted(REGISTERS))
@pytest.mark.parametrize("schedule", sorted(SCHEDULES))
def test_a_resumed_run_costs_the_work_that_remains(tmp_path, name, schedule):
    register, batch_size, split = REGISTERS[name]
    options = dict(schedule=schedule, workers=SCHEDULES[schedule], batch_size=batch_size, split=split,
                   kernel="paced" if SCHEDULES[schedule] > 1 else "fast")
    fresh = map_cycles(register, **options)
    tasks = -(-2 ** register.degree // batch_size) * (2 if split else 1)
    uses_snapshot = True  # singular registers too: workers share one depth array, which the caller copies
    for share in (0.3, 0.7):
        path = tmp_path / f"run{share}.ckpt"
        with pytest.raises(KeyboardInterrupt):
            map_cycles(register, checkpoint=InterruptAfter(path, int(share * tasks)), **options)
        assert not [name for name in os.listdir(tmp_path) if name.endswith(".tmp")]  # no copy left waiting
        check_resume(register, options, path, fresh, uses_snapshot)


def interrupted_split_run(tmp_path):
    """``(register, options, fresh map, checkpoint path)`` of a sequential split run interrupted after 20 records."""
    register, batch_size, split = REGISTERS["primitive-split"]
    options = dict(schedule="sequential", workers=1, batch_size=batch_size, split=split)
    fresh = map_cycles(register, **options)
    path = tmp_path / "run.ckpt"
    with pytest.raises(KeyboardInterrupt):
        map_cycles(register, checkpoint=InterruptAfter(path, 20), **options)
    return register, options, fresh, path


def test_a_damaged_or_foreign_snapshot_is_ignored_with_its_reason(tmp_path):
    register, options, fresh, path = interrupted_split_run(tmp_path)
    checkpoint_bytes, sidecar = path.read_bytes(), snapshot_path(path)
    good = open(sidecar, "rb").read()
    damaged = bytearray(good)
    damaged[-3] ^= 0x20
    other = tmp_path / "other.ckpt"
    with pytest.raises(KeyboardInterrupt):
        map_cycles(LFSR.from_polynomial("x^14 + x^13 + x^12 + x^2 + 1"), checkpoint=InterruptAfter(other, 20),
                   **options)
    cases = {"fails its checksum": bytes(damaged), "cut short": good[:-100],
             "belongs to another checkpoint": open(snapshot_path(other), "rb").read(),
             "not a sage_lfsr memory snapshot": b"garbage"}
    for reason, content in cases.items():
        path.write_bytes(checkpoint_bytes)
        with open(sidecar, "wb") as stream:
            stream.write(content)
        with pytest.warns(CheckpointWarning, match=reason):
            resumed = map_cycles(register, checkpoint=path, **options)
        assert reason in resumed.choices["memory_snapshot"]
        assert resumed.cycles == fresh.cycles and resumed.structure() == fresh.structure()
    # A snapshot that covers tasks whose records were lost (the checkpoint cut back) is not used.
    path.write_bytes(checkpoint_bytes[:len(checkpoint_bytes) // 3])
    with open(sidecar, "wb") as stream:
        stream.write(good)
    with pytest.warns(CheckpointWarning):
        resumed = map_cycles(register, checkpoint=path, **options)
    assert "the checkpoint does not record" in resumed.choices["memory_snapshot"]
    assert resumed.cycles == fresh.cycles


def test_an_older_snapshot_of_the_same_run_is_still_safe(tmp_path):
    # A rename lost to a power cut leaves the previous snapshot beside a checkpoint that records more.
    register, options, fresh, path = interrupted_split_run(tmp_path)
    older = open(snapshot_path(path), "rb").read()
    with pytest.raises(KeyboardInterrupt):
        map_cycles(register, checkpoint=InterruptAfter(path, 20), **options)  # 20 more tasks recorded
    with open(snapshot_path(path), "wb") as stream:
        stream.write(older)
    assert 0 < len(snapshot_tasks(path)) < 20 < len(Checkpoint(path).read()[1])
    check_resume(register, options, path, fresh, uses_snapshot=True)  # used (its tasks are recorded), the map exact


def test_chunked_snapshots_hold_the_union_of_the_rows(tmp_path):
    import numpy as np

    from sage_lfsr.engine.snapshots import BLOCK_BYTES, CHUNK_BLOCKS, write_snapshot

    rng = np.random.default_rng(5)
    for size in (0, 5, BLOCK_BYTES, 3 * CHUNK_BLOCKS * BLOCK_BYTES + 7):
        rows = rng.integers(0, 256, (3, size), dtype=np.uint8)
        rows[:, :BLOCK_BYTES] = 0  # a uniform block among raw ones
        rows[1, 2 * BLOCK_BYTES:4 * BLOCK_BYTES] = 255
        written = write_snapshot(tmp_path / "m", "visited", rows, lambda: ({4}, {3}), 11)
        header, array = decode_snapshot(open(written, "rb").read())
        assert array.tolist() == (rows[0] | rows[1] | rows[2]).tolist()
        assert (header["tasks"], header["complete"], header["length"]) == ([4], [3], size)
    depths = rng.integers(0, 2 ** 16, 1000, dtype=np.uint16)
    header, array = decode_snapshot(open(write_snapshot(tmp_path / "d", "depths", depths, lambda: ((), ()), 1),
                                         "rb").read())
    assert array.dtype == np.uint16 and array.tolist() == depths.tolist()


class FakeClock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def test_snapshots_keep_to_their_share_of_the_run(tmp_path, monkeypatch):
    # A simulated run (the clock is ours): a result every 10 ms, 20 segment tasks first; a copy takes 4 ms,
    # a third of that once the segments are recorded (the bitmap is then nearly all ones: measured 10 ms
    # against 31 ms for 2^28 states).
    import numpy as np

    clock = FakeClock()
    monkeypatch.setattr(snapshots.time, "perf_counter", clock)
    monkeypatch.setattr(snapshots, "SHARE", 0.05)
    cost = 0.004
    memory_bytes = int((cost - snapshots.FIRST_ESTIMATE_SECONDS) * snapshots.FIRST_ESTIMATE_BYTES_PER_SECOND)
    taker = snapshots.SnapshotTaker(str(tmp_path / "run.ckpt.memory"), 1, set(), set(range(20)), memory_bytes)
    taken = []

    def read():
        clock.now += cost if len(taker.recorded) < 20 else cost / 3
        taken.append(len(taker.recorded))
        return "visited", np.zeros(8, np.uint8)

    for task in range(200):
        clock.now += 0.010
        taker.note_recorded(task)
        taker.offer(read)
        assert taker.seconds <= 0.05 * clock.now + 1e-9
    assert 20 in taken  # as soon as the last segment task is recorded (it fits at a third of the cost)
    assert taker.seconds >= 0.05 * clock.now - 2 * cost  # and otherwise as often as the share allows
    assert taker.written == len(taken) and os.listdir(tmp_path) == ["run.ckpt.memory"]


def test_records_are_fsynced_in_groups_and_at_the_end(tmp_path, monkeypatch):
    from sage_lfsr.engine import checkpoint as checkpoint_module

    register, batch_size, split = REGISTERS["reducible"]
    fsynced = []
    real_fsync = os.fsync
    monkeypatch.setattr(checkpoint_module.os, "fsync", lambda descriptor: fsynced.append(descriptor) or real_fsync(descriptor))
    monkeypatch.setattr(checkpoint_module, "SYNC_SECONDS", 3600.0)
    path = tmp_path / "run.ckpt"
    result = map_cycles(register, batch_size=batch_size, checkpoint=path)
    tasks = 2 ** register.degree // batch_size
    # The header (and its directory), the first record, then one at the end: not one per record.
    assert result.choices["resumed_tasks"] == 0 and 2 <= len(fsynced) <= 4 < tasks
    assert len(Checkpoint(path).read()[1]) == tasks


def test_a_snapshot_with_a_hostile_header_is_refused_in_one_line():
    # Headers that pass their checksum (a forged or buggy writer), read without evaluating anything.
    import json
    import zlib

    import numpy as np

    from sage_lfsr.engine.snapshots import MAGIC, pack

    def frame(payload):
        return len(payload).to_bytes(4, "big") + zlib.crc32(payload).to_bytes(4, "big") + payload

    good = {"format": "sage_lfsr memory", "version": snapshots.FORMAT_VERSION, "checkpoint": 1, "kind": "visited", "dtype": "|u1", "length": 3, "tasks": [], "complete": []}
    hostile = [dict(good, dtype="|O"), dict(good, dtype="<U4"), dict(good, length=10 ** 18),
               dict(good, length=-1), dict(good, checkpoint="1"), dict(good, tasks="12"),
               dict(good, dtype="__import__('os').system('touch pwned')"), {k: v for k, v in good.items() if k != "checkpoint"}]
    texts = [json.dumps(header).encode() for header in hostile] + [b"[" * 100000 + b"]" * 100000, b"\xff\xfe"]
    for text in texts:
        data = MAGIC + frame(pack(np.zeros(3, np.uint8))) + frame(text)
        with pytest.raises(ValueError) as raised:
            decode_snapshot(data)
        assert "\n" not in str(raised.value)
    assert not os.path.exists("pwned")


def test_a_new_checkpoint_removes_a_stale_snapshot(tmp_path):
    register, batch_size, split = REGISTERS["reducible"]
    path = tmp_path / "run.ckpt"
    with pytest.raises(KeyboardInterrupt):
        map_cycles(register, batch_size=batch_size, checkpoint=InterruptAfter(path, 10))
    assert os.path.exists(snapshot_path(path))
    path.unlink()
    result = map_cycles(register, batch_size=batch_size, checkpoint=path)
    assert "memory_snapshot" not in result.choices and result.choices["resumed_tasks"] == 0
    assert sorted(os.listdir(tmp_path)) == ["run.ckpt"]


def test_a_killed_process_resumes_for_the_work_that_remains(tmp_path):
    register, batch_size, split = REGISTERS["primitive-split"]
    polynomial = "x^14 + x^10 + x^6 + x + 1"
    options = dict(schedule="queue", workers=2, batch_size=batch_size, split=split)
    path = str(tmp_path / "run.ckpt")
    script = ("import sys; import sage_lfsr.engine.snapshots as s; s.SHARE = 1e9; from sage_lfsr.cli import main; "
              "sys.exit(main(sys.argv[1:]))")
    process = subprocess.Popen([sys.executable, "-c", script, "map", "--polynomial", polynomial, "--kernel", "sage",
                                "--schedule", "queue", "--workers", "2", "--batch-size", str(batch_size), "--split",
                                "--checkpoint", path, "--quiet"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while not (os.path.exists(snapshot_path(path)) and len(snapshot_tasks(path)) >= 8):
        assert process.poll() is None, process.stderr.read()
        assert time.monotonic() < deadline, "no snapshot appeared"
        time.sleep(0.01)
    process.send_signal(signal.SIGKILL)
    process.communicate(timeout=60)
    assert process.returncode == -signal.SIGKILL
    header, recorded, _ = Checkpoint(path).read()
    assert len(recorded) < len(header["tasks"])
    check_resume(register, options, path, map_cycles(register, **options), uses_snapshot=True)


def test_a_cancelled_run_resumes_for_the_work_that_remains(tmp_path):
    import threading

    from sage_lfsr.common.errors import MappingCancelled

    register, batch_size, split = REGISTERS["primitive-split"]
    options = dict(schedule="steal", workers=2, batch_size=batch_size, split=split, kernel="paced")
    fresh = map_cycles(register, **options)
    path = tmp_path / "run.ckpt"
    cancel = threading.Event()

    def progress(done, total):
        if done >= 0.6 * total:
            cancel.set()

    with pytest.raises(MappingCancelled):
        map_cycles(register, checkpoint=path, progress=progress, cancel=cancel, **options)
    check_resume(register, options, path, fresh, uses_snapshot=True)


def test_first_snapshot_cost_is_measured_for_large_memory(tmp_path, monkeypatch):
    # Memory beyond the sample: the first copy's expected cost comes from the measured rate
    # (counted in the snapshots' seconds); where the sample cannot be written, from the estimate.
    path = str(tmp_path / "run.ckpt.memory")
    large = 8 * snapshots.SAMPLE_BYTES
    monkeypatch.setattr(snapshots, "measure_copy_rate", lambda _: 1e9)
    taker = snapshots.SnapshotTaker(path, 1, set(), set(), memory_bytes=large)
    assert taker._cost == pytest.approx(snapshots.FIRST_ESTIMATE_SECONDS + large / 1e9)

    def unwritable(_):
        raise PermissionError("read-only")

    monkeypatch.setattr(snapshots, "measure_copy_rate", unwritable)
    taker = snapshots.SnapshotTaker(path, 1, set(), set(), memory_bytes=large)
    estimate = snapshots.FIRST_ESTIMATE_SECONDS + large / snapshots.FIRST_ESTIMATE_BYTES_PER_SECOND
    assert taker._cost == pytest.approx(estimate)
    monkeypatch.undo()
    measured = snapshots.SnapshotTaker(path, 1, set(), set(), memory_bytes=large)
    assert measured.seconds > 0 and os.listdir(tmp_path) == []  # timed, and the sample's file removed
