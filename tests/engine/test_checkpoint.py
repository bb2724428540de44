"""
Checkpoints: a run interrupted after some tasks resumes from the file and ends
with the map an uninterrupted run gives (and theory predicts); files of another
register, another plan or damaged ones are refused.
"""
import json
import os
import signal
import struct
import subprocess
import sys
import time

import numpy as np
import pytest

from sage_lfsr import LFSR, map_cycles, predict_cycles
from sage_lfsr.engine.checkpoint import MAGIC, Checkpoint, CheckpointCorrupted, CheckpointMismatch, CheckpointWarning
from sage_lfsr.engine.job import TaskResult
from sage_lfsr.engine.snapshots import decode_snapshot, snapshot_path

from faulty_kernels import InterruptAfter

pytestmark = pytest.mark.timeout(180)

#: (register, batch size, split): invertible split and unsplit, singular, q = 2, 3, 4, 9.
CASES = {
    "gf2-primitive-split": (LFSR.from_polynomial("x^12 + x^6 + x^4 + x + 1"), 256, True),
    "gf2-reducible": (LFSR.from_polynomial("x^10 + x^3 + x^2 + 1"), 64, False),
    "gf2-singular": (LFSR.from_polynomial("x^10 + x^9 + x^4 + x^3"), 64, False),
    "gf3-singular": (LFSR.from_polynomial("x^6 + x^4 + 2*x^2", q=3), 32, False),
    "gf4-split": (LFSR.from_polynomial("x^5 + z*x + 1", q=4), 64, True),
    "gf9": (LFSR([1, "z", 0], q=9), 32, False),
}


def frame_ends(path):
    """Byte offsets where each frame of the file ends (parsed here, independently of the module)."""
    data = open(path, "rb").read()
    ends, offset = [], len(MAGIC)
    while offset + 8 <= len(data):
        length = struct.unpack_from(">I", data, offset)[0]
        if offset + 8 + length > len(data):
            break
        offset += 8 + length
        ends.append(offset)
    return ends


def assert_same_map(result, reference, register):
    assert result.cycles == reference.cycles
    assert result.structure() == reference.structure() == predict_cycles(register)


@pytest.mark.parametrize("name", sorted(CASES))
@pytest.mark.parametrize("resume_schedule", ["sequential", "steal"])
def test_interrupted_run_resumes_to_the_same_map(tmp_path, name, resume_schedule):
    register, batch_size, split = CASES[name]
    reference = map_cycles(register)
    path = tmp_path / "run.ckpt"
    with pytest.raises(KeyboardInterrupt):
        map_cycles(register, schedule="static", workers=2, batch_size=batch_size, split=split,
                   checkpoint=InterruptAfter(path, 3))
    header, recorded, _ = Checkpoint(path).read()
    assert 3 <= len(recorded) < len(header["tasks"])
    sidecar = snapshot_path(path)
    in_snapshot = set(decode_snapshot(open(sidecar, "rb").read())[0]["complete"]) if os.path.exists(sidecar) else set()
    resumed = map_cycles(register, schedule=resume_schedule, workers=2, batch_size=batch_size, split=split,
                         checkpoint=path)
    # Recorded segment tasks whose marks the memory snapshot lacks run again while sweep tasks remain.
    rerun = resumed.choices.get("segment_tasks_rerun", 0)
    assert resumed.choices["resumed_tasks"] + rerun == len(recorded)
    assert rerun == (sum(result.phase == "segments" and result.task_id not in in_snapshot for result in recorded)
                     if split else 0)
    assert_same_map(resumed, reference, register)
    # Every task is recorded now: a third run runs no task.
    again = map_cycles(register, batch_size=batch_size, split=split, checkpoint=path)
    assert again.choices["resumed_tasks"] == len(header["tasks"]) and again.wall_seconds == 0.0
    assert_same_map(again, reference, register)


def test_planned_gives_the_recorded_batch_size_and_split(tmp_path):
    register, _, _ = CASES["gf2-primitive-split"]
    path = tmp_path / "run.ckpt"
    assert Checkpoint(path).planned() is None
    first = map_cycles(register, schedule="queue", workers=2, checkpoint=path)  # automatic sizing
    planned = Checkpoint(path).planned()
    assert planned == {"batch_size": first.choices["batch_size"], "split": first.choices["split"]}
    resumed = map_cycles(register, checkpoint=path, **planned)
    assert resumed.choices["resumed_tasks"] == len(Checkpoint(path).read()[0]["tasks"])
    assert_same_map(resumed, first, register)


def test_resume_with_automatic_sizing_reuses_the_recorded_plan(tmp_path):
    # Neither run names a batch size or split: the second must take them from the file,
    # though it is sequential (whose own automatic sizing would differ).
    register, _, _ = CASES["gf2-primitive-split"]
    path = tmp_path / "run.ckpt"
    first = map_cycles(register, schedule="steal", workers=3, checkpoint=path)
    resumed = map_cycles(register, checkpoint=path)
    assert resumed.choices["batch_size"] == first.choices["batch_size"]
    assert resumed.choices["split"] == first.choices["split"]
    assert resumed.choices["resumed_tasks"] == len(Checkpoint(path).read()[0]["tasks"])
    assert_same_map(resumed, first, register)


def test_torn_final_record_is_ignored_and_cut_off(tmp_path):
    register, batch_size, split = CASES["gf2-singular"]
    path = tmp_path / "run.ckpt"
    complete = map_cycles(register, batch_size=batch_size, checkpoint=path)
    ends = frame_ends(path)
    torn_at = ends[5] + 11  # the header, five results, and 11 bytes of the sixth
    with open(path, "r+b") as stream:
        stream.truncate(torn_at)
    header, recorded, good_length = Checkpoint(path).read()
    assert len(recorded) == 5 and good_length == ends[5]
    with pytest.warns(CheckpointWarning, match=f"dropped an incomplete last record \\(11 bytes at byte {ends[5]}"):
        resumed = map_cycles(register, batch_size=batch_size, checkpoint=path)
    assert resumed.choices["resumed_tasks"] == 5
    assert_same_map(resumed, complete, register)
    assert len(Checkpoint(path).read()[1]) == len(header["tasks"])  # the new records follow whole frames


def test_a_checkpoint_of_another_register_is_refused(tmp_path):
    path = tmp_path / "run.ckpt"
    map_cycles(LFSR([1, 1, 0, 0]), batch_size=4, checkpoint=path)
    before = path.read_bytes()
    with pytest.raises(CheckpointMismatch, match=r"written for the register over GF\(2\) with coefficients "
                                                 r"\(1, 1, 0, 0\).*not for the register over GF\(2\) with "
                                                 r"coefficients \(1, 0, 0, 1\)"):
        map_cycles(LFSR([1, 0, 0, 1]), batch_size=4, checkpoint=path)
    with pytest.raises(CheckpointMismatch, match=r"GF\(3\)"):
        map_cycles(LFSR([1, 1, 0, 0], q=3), batch_size=4, checkpoint=path)
    assert path.read_bytes() == before


def test_a_checkpoint_of_another_plan_is_refused(tmp_path):
    path = tmp_path / "run.ckpt"
    register = LFSR.from_polynomial("x^8 + x^4 + x^3 + x^2 + 1")
    map_cycles(register, batch_size=16, checkpoint=path)
    with pytest.raises(CheckpointMismatch, match="rerun with batch size 16 and split off"):
        map_cycles(register, batch_size=32, checkpoint=path)
    with pytest.raises(CheckpointMismatch, match="rerun with batch size 16 and split off"):
        map_cycles(register, batch_size=16, split=True, checkpoint=path)


@pytest.mark.parametrize("damage, message", [
    ("flip a byte of a middle record", "fails its checksum"),
    ("flip a byte of the header", "fails its checksum"),
    ("not a checkpoint", "is not a sage_lfsr checkpoint"),
    ("empty file", "is not a sage_lfsr checkpoint"),
    ("magic only", "header is incomplete"),
    ("a record for an unknown task", "which its header does not list"),
])
def test_a_corrupted_checkpoint_is_refused(tmp_path, damage, message):
    path = tmp_path / "run.ckpt"
    register = LFSR.from_polynomial("x^8 + x^4 + x^3 + x^2 + 1")
    map_cycles(register, batch_size=16, checkpoint=path)
    data = bytearray(path.read_bytes())
    ends = frame_ends(path)
    if damage == "flip a byte of a middle record":
        data[ends[3] + 20] ^= 0x40
    elif damage == "flip a byte of the header":
        data[len(MAGIC) + 30] ^= 0x01
    elif damage == "not a checkpoint":
        data = bytearray(b"cycle_count,1,1\n" * 20)
    elif damage == "empty file":
        data = bytearray()
    elif damage == "magic only":
        data = bytearray(MAGIC)
    else:
        path.write_bytes(bytes(data[:ends[0]]))
        Checkpoint(path).record(TaskResult(999, 0, "sweep", np.empty((0, 2), np.int64), np.empty((0, 4), np.int64),
                                           np.zeros(0, np.int64), 0, 0, 0.0, 0.0))
        data = bytearray(path.read_bytes())
    path.write_bytes(bytes(data))
    with pytest.raises(CheckpointCorrupted, match=message):
        map_cycles(register, batch_size=16, checkpoint=path)
    assert path.read_bytes() == bytes(data)


def test_records_round_trip(tmp_path):
    register = LFSR.from_polynomial("x^6 + x^5 + x^2", q=3)
    path = tmp_path / "run.ckpt"
    recorded = []

    class Keep(Checkpoint):
        def record(self, result):
            recorded.append(result)
            super().record(result)

    map_cycles(register, schedule="steal", workers=2, batch_size=64, checkpoint=Keep(path))
    restored = Checkpoint(path).read()[1]
    assert len(restored) == len(recorded) > 1
    for mine, theirs in zip(sorted(recorded, key=lambda r: r.task_id), sorted(restored, key=lambda r: r.task_id)):
        for name in ("task_id", "worker", "phase", "states_traced", "states_owned", "start", "end", "stolen_from"):
            assert getattr(mine, name) == getattr(theirs, name), name
        for name in ("cycles", "segments", "depth_counts"):
            np.testing.assert_array_equal(getattr(mine, name), getattr(theirs, name))
            assert getattr(theirs, name).dtype == np.int64


# ---------------------------------------------------------------- a real process, killed

SLOW_POLYNOMIAL = "x^14 + x^13 + x^7 + x^3"  # singular, 2^14 states, about 3 s with the sage kernel
SLOW_ARGUMENTS = ["map", "--polynomial", SLOW_POLYNOMIAL, "--kernel", "sage", "--batch-size", "16", "--quiet"]


def cli(*arguments, **options):
    return subprocess.Popen([sys.executable, "-m", "sage_lfsr", *arguments], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, **options)


def wait_for_records(path, count, process, timeout=120):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if os.path.exists(path) and len(frame_ends(path)) > count:  # the header and ``count`` results
            return
        assert process.poll() is None, "the run ended before it was interrupted"
        time.sleep(0.002)
    raise AssertionError("no records appeared")


@pytest.mark.parametrize("interruption", [signal.SIGKILL, signal.SIGINT])
def test_a_killed_command_line_run_resumes(tmp_path, interruption):
    path = str(tmp_path / "run.ckpt")
    process = cli(*SLOW_ARGUMENTS, "--checkpoint", path)
    wait_for_records(path, 3, process)
    process.send_signal(interruption)
    _, stderr = process.communicate(timeout=60)
    header, recorded, _ = Checkpoint(path).read()
    assert 3 <= len(recorded) < len(header["tasks"])
    if interruption == signal.SIGKILL:
        assert process.returncode == -signal.SIGKILL
    else:
        assert process.returncode == 128 + signal.SIGINT
        assert stderr.strip().splitlines()[-1] == f"sage-lfsr: interrupted: rerun with --checkpoint {path} to resume"

    finished = cli(*SLOW_ARGUMENTS, "--checkpoint", path, "--schedule", "hybrid", "--workers", "2")
    stdout, stderr = finished.communicate(timeout=120)
    assert finished.returncode == 0, stderr
    document = json.loads(stdout)
    register = LFSR.from_polynomial(SLOW_POLYNOMIAL)
    reference = map_cycles(register)
    assert document["choices"]["resumed_tasks"] >= len(recorded)
    assert [tuple(cycle) for cycle in document["cycles"]] == list(reference.cycles)
    assert document["cycle_counts"] == {str(k): v for k, v in predict_cycles(register).cycle_counts.items()}
    assert document["tail_depths"] == {str(k): v for k, v in predict_cycles(register).tail_depths.items()}


# ---------------------------------------------------------------- hostile files (issue 14)

def frames_of(path):
    """``(start, end)`` of every frame (the header first), parsed independently of the module."""
    ends = frame_ends(path)
    return list(zip([len(MAGIC)] + ends[:-1], ends))


def test_a_resumed_split_run_costs_no_more_than_a_fresh_run(tmp_path):
    register = LFSR.from_polynomial("x^20 + x^3 + 1")  # primitive: one long cycle, traced in segments
    options = dict(schedule="queue", workers=2, batch_size=2 ** 15, split=True)
    fresh = map_cycles(register, **options)
    path = tmp_path / "run.ckpt"
    with pytest.raises(KeyboardInterrupt):
        map_cycles(register, checkpoint=InterruptAfter(path, 8), **options)
    resumed = map_cycles(register, checkpoint=path, **options)
    assert_same_map(resumed, fresh, register)
    # Without the segments' marks every sweep start on the long cycle walked on to the next
    # distinguished state: 1.8x a fresh run at 2^24 states, 6.6x at 2^26.
    assert resumed.states_traced <= 1.05 * fresh.states_traced


def test_a_damaged_length_field_is_refused_not_taken_for_a_torn_write(tmp_path):
    register, batch_size, split = CASES["gf2-reducible"]
    path = tmp_path / "run.ckpt"
    map_cycles(register, batch_size=batch_size, checkpoint=path)
    data = bytearray(path.read_bytes())
    start, _ = frames_of(path)[4]
    data[start] ^= 0x10  # the length now points far past the end of the file
    path.write_bytes(bytes(data))
    with pytest.raises(CheckpointCorrupted, match=f"the record at byte {start} has a damaged length field"):
        map_cycles(register, batch_size=batch_size, checkpoint=path)


def test_dropped_records_are_reported(tmp_path):
    register, batch_size, split = CASES["gf2-singular"]
    path = tmp_path / "run.ckpt"
    complete = map_cycles(register, batch_size=batch_size, checkpoint=path)
    frames = frames_of(path)
    data = path.read_bytes()
    (start, end), (last_start, last_end) = frames[3], frames[-1]
    # the third result repeated after the others, then the last one torn
    path.write_bytes(data[:last_start] + data[start:end] + data[last_start:last_end - 5])
    with pytest.warns(Warning) as caught:
        resumed = map_cycles(register, batch_size=batch_size, checkpoint=path)
    dropped = resumed.choices["checkpoint_dropped"]
    assert len(dropped) == 2 == len(caught)
    torn_at = last_start + end - start
    assert f"dropped an incomplete last record ({last_end - 5 - last_start} bytes at byte {torn_at}" in dropped[0]
    assert f"dropped the record at byte {last_start}, a repeat of the record of task 2 at byte {start}" in dropped[1]
    assert_same_map(resumed, complete, register)


def test_two_different_records_for_one_task_are_refused(tmp_path):
    register, batch_size, _ = CASES["gf2-reducible"]
    path = tmp_path / "run.ckpt"
    map_cycles(register, batch_size=batch_size, checkpoint=path)
    header, recorded, _ = Checkpoint(path).read()
    twin = recorded[0]
    twin.worker += 1
    Checkpoint(path).record(twin)
    with pytest.raises(CheckpointCorrupted, match=f"differ for task {twin.task_id}"):
        map_cycles(register, batch_size=batch_size, checkpoint=path)


def test_a_record_of_another_checkpoint_is_refused(tmp_path):
    register, batch_size, _ = CASES["gf2-reducible"]
    mine, other = tmp_path / "mine.ckpt", tmp_path / "other.ckpt"
    map_cycles(register, batch_size=batch_size, checkpoint=mine)
    map_cycles(LFSR.from_polynomial("x^10 + x^3 + 1"), batch_size=batch_size, checkpoint=other)
    start, end = frames_of(other)[2]
    data = mine.read_bytes()
    mine.write_bytes(data + other.read_bytes()[start:end])
    with pytest.raises(CheckpointCorrupted, match="belongs to another checkpoint"):
        map_cycles(register, batch_size=batch_size, checkpoint=mine)


@pytest.mark.parametrize("name", ["gf2-primitive-split", "gf3-singular"])
def test_seeded_fuzz_of_checkpoint_files_gives_the_map_or_a_clear_error(tmp_path, name):
    r"""
    Truncations, bit flips, duplicated, dropped, reordered and forged frames (valid
    checksums over garbage, or over a record whose numbers were changed): every run
    ends with the uninterrupted map or a clear error, never with another map.
    """
    import random
    import warnings
    import zlib

    from sage_lfsr.engine.checkpoint import CheckpointError
    from sage_lfsr.common.errors import IncompleteResult

    register, batch_size, split = CASES[name]
    reference = map_cycles(register)
    original = tmp_path / "original.ckpt"
    map_cycles(register, batch_size=batch_size, split=split, checkpoint=original)
    data = original.read_bytes()
    frames = frames_of(original)
    rng = random.Random(14)

    def frame(payload):
        return struct.pack(">II", len(payload), zlib.crc32(payload)) + payload

    def forged_numbers(payload):
        line, _, arrays = payload.partition(b"\n")
        numbers = json.loads(line)
        values = bytearray(arrays)
        if values:
            values[8 * rng.randrange(len(values) // 8)] ^= 1 << rng.randrange(3)  # a small number changed
        else:
            numbers["task_id"] = rng.randrange(len(frames))
        return json.dumps(numbers).encode() + b"\n" + bytes(values)

    outcomes = {"map": 0, "error": 0}
    for case in range(60):
        body = [data[start:end] for start, end in frames[1:]]
        kind = case % 6
        if kind == 0:
            damaged = data[:rng.randrange(len(MAGIC), len(data))]
        elif kind == 1:
            damaged = bytearray(data)
            damaged[rng.randrange(len(damaged))] ^= 1 << rng.randrange(8)
            damaged = bytes(damaged)
        elif kind == 2:
            body.insert(rng.randrange(len(body) + 1), rng.choice(body))
        elif kind == 3:
            body.pop(rng.randrange(len(body)))
            rng.shuffle(body)
        elif kind == 4:
            body.insert(rng.randrange(len(body) + 1), frame(rng.randbytes(rng.randrange(1, 200))))
        else:
            victim = rng.randrange(len(body))
            body[victim] = frame(forged_numbers(body[victim][8:]))
        if kind in (2, 3, 4, 5):
            damaged = data[:frames[0][1]] + b"".join(body)
        path = tmp_path / f"case{case}.ckpt"
        path.write_bytes(damaged)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                result = map_cycles(register, batch_size=batch_size, split=split, checkpoint=path)
        except (CheckpointError, IncompleteResult) as error:
            assert len(str(error).splitlines()) == 1, error
            outcomes["error"] += 1
            continue
        assert result.cycles == reference.cycles, f"case {case} (kind {kind}) gave another map"
        assert result.structure() == reference.structure()
        outcomes["map"] += 1
    assert outcomes["map"] > 0 and outcomes["error"] > 0
