r"""
Checkpoints: finished tasks recorded on disk, so an interrupted run resumes.

:func:`~sage_lfsr.engine.planning.plan` with ``checkpoint=FILE`` plans the batch size
and splitting the file records (:meth:`Checkpoint.planned`);
:func:`~sage_lfsr.engine.mapper.run` calls :meth:`Checkpoint.restore` before the run (it creates the file, or reads the
results recorded there) and :meth:`Checkpoint.record` in the calling process
for every task result that arrives. A rerun with the same file runs only the
tasks without a recorded result and ends with the identical map.

File layout::

    b"SAGE_LFSR_CHECKPOINT\n"                       magic line
    frame: header  (JSON: register key, tasks, dbits, batch size, split)
    frame: result  (one TaskResult) ...             one frame a finished task

    frame = 4-byte payload length, 4-byte CRC-32 of the payload, payload

A result payload is one line of JSON (the numbers of a
:class:`~sage_lfsr.engine.job.TaskResult`, its phase, its arrays' shapes and the
CRC-32 of the header it belongs to) followed by the arrays as raw
little-endian int64. The header is written to a temporary file that is then
renamed, so a checkpoint file always has a whole header. Each result frame is
appended as soon as its task's result arrives (the arrays written from where they
lie, not copied), and ``fsync``-ed in groups: at once when the last ``fsync`` is
:data:`SYNC_SECONDS` old, else with a later record or at the end of the run
(:meth:`Checkpoint.sync`). A killed process loses nothing written (the page cache
keeps it); a power cut may lose the records appended since the last ``fsync``,
which only means their tasks run again (a memory snapshot that needs them is then
refused, see :mod:`~sage_lfsr.engine.snapshots`). (Recording x^28 + 1's 25 MB records by
copying each whole, then an ``fsync`` each, took 2.9 s of the caller's 9.2 s run on
a loaded machine here, 0.5 s of it in ``fsync``: the caller fell behind its workers.)

Reading checks everything it can, and drops nothing silently:

- a frame cut short (the process was killed while writing it) can only be the
  last one: it is dropped, cut off on restore, and reported
  (:attr:`Checkpoint.dropped`, a :class:`CheckpointWarning`, and the map's
  ``choices["checkpoint_dropped"]``); a frame whose length field points past the
  end while whole records follow it is damage, not a torn write, and is refused;
- a record repeated byte for byte is dropped and reported; two different
  records for one task are refused;
- a record must add up against its task: the phase the header lists, cycles
  whose smallest state lies below the task's end, segments that start in the
  task's range, depth counts that sum to the task's size, and the header's CRC;
- anything else that does not check out (bad magic, a checksum mismatch, a
  result for a task the header does not list) is refused with
  :class:`CheckpointCorrupted`; a header for another job with
  :class:`CheckpointMismatch`.

While a run uses the file (from :meth:`Checkpoint.restore` to :meth:`Checkpoint.close`)
it is locked (``flock``): a second run on the same file is refused in one line, so
two runs never append the same tasks side by side.

Result frames hold numbers only (no pickles), so reading a checkpoint runs no
code from the file. **A checkpoint is trusted input**: the CRCs guard against
accidents (torn writes, bit rot, a file of another run), not against forgery.
Someone who can write the file can recompute the checksums of records whose
numbers they changed, and a changed record that still adds up gives a wrong
map (a change that breaks the count of states is caught when the map is
assembled). Keep checkpoints where only you can write.

A run with a checkpoint also saves snapshots of its per-state memory (the
visited marks, or a singular register's depths) beside it, in
``FILE.memory`` (:mod:`~sage_lfsr.engine.snapshots`), so a resumed run skips what
finished tasks covered and costs the work that remains, plus the work done
since the last snapshot. A snapshot that is damaged, belongs to another
checkpoint or covers tasks the checkpoint does not record is ignored, with the
reason in the map's ``choices["memory_snapshot"]`` and a warning. Without a
usable snapshot (none yet, or a schedule whose workers' memory the caller
cannot see) a resumed split run re-runs the recorded segment tasks while sweep
tasks remain, so it costs at most what a fresh run costs. The snapshot is
removed when every task is recorded.
"""
from __future__ import annotations

import json
import math
import os
import struct
import time
import warnings
import zlib

import numpy as np

from sage_lfsr.common.files import check_regular, open_locked, release, write_atomically
from sage_lfsr.engine.job import TaskResult
from sage_lfsr.engine.snapshots import remove_snapshot, snapshot_path

MAGIC = b"SAGE_LFSR_CHECKPOINT\n"
FORMAT_VERSION = 2
_FRAME_HEAD = struct.Struct(">II")
#: Seconds between ``fsync`` calls of a run's records at most: a power cut loses at
#: most the records of the last this many seconds (their tasks run again on resume).
SYNC_SECONDS = 1.0
#: TaskResult fields stored as arrays (raw little-endian int64) and as JSON numbers in a result frame.
_ARRAY_FIELDS = ("cycles", "segments", "depth_counts")
_NUMBER_FIELDS = ("task_id", "worker", "states_traced", "states_owned", "start", "end", "stolen_from")


class CheckpointError(ValueError):
    r"""A checkpoint file cannot be used for this run."""


class CheckpointMismatch(CheckpointError):
    r"""The checkpoint was written for another register or another plan of tasks."""


class CheckpointCorrupted(CheckpointError):
    r"""The checkpoint file is damaged or is not a checkpoint."""


class CheckpointWarning(UserWarning):
    r"""A record of a checkpoint was dropped (a torn final write, a repeated record)."""


def job_header(job) -> dict:
    r"""
    What identifies ``job`` for a checkpoint: the register key, the tasks and the
    distinguished bits (not the kernel, schedule or workers, which do not change
    the results).

    EXAMPLES::

        sage: from sage_lfsr import LFSR
        sage: from sage_lfsr.engine.checkpoint import job_header
        sage: from sage_lfsr.registers.coercion import describe
        sage: from sage_lfsr.engine.job import Job, make_tasks
        sage: header = job_header(Job(describe(LFSR([1, 1, 0, 0])), make_tasks(16, 8, False, False)))
        sage: header["key"], header["tasks"], header["batch_size"], header["split"]
        ([2, [1, 1, 0, 0]], [['sweep', 0, 8], ['sweep', 8, 16]], 8, False)
    """
    tasks = [[task.phase, int(task.lo), int(task.hi)] for task in job.tasks]
    batch_size = max((task.hi - task.lo for task in job.tasks), default=0)  # the first task of a phase is whole
    return {
        "format": "sage_lfsr checkpoint",
        "version": FORMAT_VERSION,
        "key": _plain_key(job.register.key),
        "state_count": int(job.state_count),
        "batch_size": int(batch_size),
        "split": any(task.phase == "segments" for task in job.tasks),
        "dbits": int(job.dbits),
        "tasks": tasks,
    }


def _plain_key(key):
    r"""A register key (nested tuples of integers and names) as JSON lists."""
    if isinstance(key, (tuple, list)):
        return [_plain_key(part) for part in key]
    return key if isinstance(key, str) else int(key)


def _describe(header) -> str:
    key = header["key"]
    nonlinear = len(key) == 3 and isinstance(key[1], int)  # an FSR: (q, degree, terms)
    register = (f"the register over GF({key[0]}) with coefficients {tuple(key[1])}" if len(key) == 2 else
                f"the degree-{key[1]} register over GF({key[0]}) with feedback terms {key[2]}" if nonlinear
                else f"the register with key {key}")
    return (f"{register} in {len(header['tasks'])} tasks "
            f"(batch size {header['batch_size']}, split {'on' if header['split'] else 'off'}, "
            f"distinguished bits {header['dbits']})")


def _frame(payload: bytes) -> bytes:
    return _FRAME_HEAD.pack(len(payload), zlib.crc32(payload)) + payload


def encode_record(numbers: dict, arrays) -> bytes:
    r"""
    A record payload: one line of JSON (``numbers`` and the arrays' shapes), then
    the arrays as raw little-endian int64. :func:`decode_record` reads it back.

    EXAMPLES::

        sage: import numpy as np
        sage: from sage_lfsr.engine.checkpoint import decode_record, encode_record
        sage: numbers, arrays = decode_record(encode_record({"task_id": int(3)}, [np.arange(4).reshape(2, 2)]))
        sage: numbers["task_id"], arrays[0].tolist()
        (3, [[0, 1], [2, 3]])
    """
    return b"".join(record_pieces(numbers, arrays))


def record_pieces(numbers: dict, arrays) -> list:
    r"""The payload of :func:`encode_record` in pieces (the JSON line, then the arrays' bytes), without copying the arrays."""
    arrays = [np.ascontiguousarray(array, dtype="<i8") for array in arrays]
    numbers = dict(numbers, shapes=[list(array.shape) for array in arrays])
    return [json.dumps(numbers).encode("utf-8") + b"\n"] + [array.reshape(-1).view(np.uint8) for array in arrays
                                                             if array.size]


def decode_record(payload: bytes):
    r"""``(numbers, arrays)`` of a payload written by :func:`encode_record`; raises ``ValueError`` when malformed."""
    line_end = payload.index(b"\n")
    numbers = json.loads(payload[:line_end].decode("utf-8"))
    arrays, offset = [], line_end + 1
    for shape in numbers["shapes"]:
        size = int(np.prod(shape, dtype=np.int64))
        arrays.append(np.frombuffer(payload, dtype="<i8", count=size, offset=offset).astype(np.int64).reshape(shape))
        offset += 8 * size
    if offset != len(payload):
        raise ValueError("the record's arrays do not fill it")
    return numbers, arrays


def _result_pieces(result: TaskResult, header_crc: int) -> list:
    numbers = {name: (float if name in ("start", "end") else int)(getattr(result, name))
               for name in _NUMBER_FIELDS if getattr(result, name) is not None}
    numbers.update(phase=result.phase, header=int(header_crc))
    return record_pieces(numbers, [getattr(result, name) for name in _ARRAY_FIELDS])


def _decode_result(payload: bytes) -> tuple:
    r"""``(TaskResult, header CRC)`` of a result payload."""
    numbers, (cycles, segments, depth_counts) = decode_record(payload)
    result = TaskResult(int(numbers["task_id"]), int(numbers["worker"]), str(numbers["phase"]),
                        cycles.reshape(-1, 2), segments.reshape(-1, 4), depth_counts.reshape(-1),
                        int(numbers["states_traced"]), int(numbers["states_owned"]), float(numbers["start"]),
                        float(numbers["end"]), numbers.get("stolen_from"))
    return result, int(numbers["header"])


def _inconsistency(result: TaskResult, lo: int, hi: int, state_count: int):
    r"""Why ``result`` cannot be the result of the task ``[lo, hi)``, or ``None``."""
    if result.states_traced < 0 or result.states_owned < 0:
        return "negative counts"
    cycles, segments = result.cycles, result.segments
    # A sweep's cycle runs through a start in [lo, hi), so its smallest state is below hi;
    # a tree walk may reach a cycle anywhere.
    below = hi if result.phase == "sweep" else state_count
    if len(cycles) and ((cycles[:, 1] < 1).any() or (cycles[:, 0] < 0).any() or (cycles[:, 0] >= below).any()
                        or int(cycles[:, 1].sum()) > state_count):
        return f"a cycle whose smallest state is not below {below} or whose length is out of range"
    if result.phase == "segments":
        starts, ends, lengths, smallest = segments.T if len(segments) else ([],) * 4
        if len(segments) and ((starts < lo).any() or (starts >= hi).any() or (ends < 0).any()
                              or (ends >= state_count).any() or (lengths < 1).any() or (smallest > starts).any()):
            return f"a segment that does not start in [{lo}, {hi}) or whose states are out of range"
    elif len(segments):
        return f"segments in a {result.phase} task"
    if result.phase == "trees":
        if (result.depth_counts < 0).any() or int(result.depth_counts.sum()) != hi - lo:
            return f"depth counts that do not sum to the task's {hi - lo} states"
    elif len(result.depth_counts):
        return f"depth counts in a {result.phase} task"
    return None


class Checkpoint:
    r"""
    A checkpoint file: :meth:`restore` before a run, :meth:`record` after each task.

    INPUT:

    - ``path`` -- the file name (created by :meth:`restore` when absent)

    EXAMPLES::

        sage: import os, tempfile
        sage: from sage_lfsr import LFSR, map_cycles
        sage: from sage_lfsr.engine.checkpoint import Checkpoint
        sage: path = os.path.join(tempfile.mkdtemp(), "run.ckpt")
        sage: register = LFSR.from_polynomial("x^4 + x^3 + x^2 + x + 1")
        sage: first = map_cycles(register, batch_size=4, checkpoint=path)
        sage: Checkpoint(path).planned()
        {'batch_size': 4, 'split': False}
        sage: len(Checkpoint(path).read()[1])
        4
        sage: again = map_cycles(register, batch_size=4, checkpoint=path)
        sage: again.choices["resumed_tasks"], again.cycles == first.cycles
        (4, True)

    A checkpoint of another register is refused::

        sage: map_cycles(LFSR([1, 1, 0, 0]), batch_size=4, checkpoint=path)
        Traceback (most recent call last):
        ...
        CheckpointMismatch: checkpoint ... was written for the register over GF(2) with coefficients (1, 1, 1, 1) ...
    """

    def __init__(self, path):
        self.path = os.fspath(path)
        if not self.path:
            raise ValueError("the checkpoint file name is empty")
        check_regular(self.path)
        #: One line for each record the last :meth:`read` dropped (a torn final write, a repeat).
        self.dropped = []
        self._header_crc = None
        self._synced_at, self._unsynced = -math.inf, False
        self._held = None  # the open file holding the lock while a run uses the checkpoint

    def __repr__(self):
        return f"Checkpoint({self.path!r})"

    def exists(self) -> bool:
        return os.path.exists(self.path)

    def planned(self):
        r"""
        ``{"batch_size": ..., "split": ...}`` the recorded run used, or ``None`` when
        there is no checkpoint file yet: :func:`~sage_lfsr.engine.planning.plan` uses them so a
        resumed run plans the same tasks (batch sizing is timed, so it can differ between runs).
        """
        if not self.exists():
            return None
        header = self.read(results=False)[0]
        return {"batch_size": header["batch_size"], "split": header["split"]}

    def read(self, results=True):
        r"""
        ``(header, results, good_length)``: the header, the recorded task results
        (when ``results``) and the length of the file up to its last whole frame.
        Reads only; raises :class:`CheckpointCorrupted` for a damaged file.
        """
        try:
            with open(self.path, "rb") as stream:
                data = stream.read()
        except OSError as error:
            raise CheckpointError(f"cannot read checkpoint {self.path}: {error.strerror}") from None
        if not data.startswith(MAGIC):
            raise CheckpointCorrupted(f"{self.path} is not a sage_lfsr checkpoint (or its first bytes are damaged)")
        self.dropped = []
        frames, good_length = self._frames(data)
        if not frames:
            raise CheckpointCorrupted(f"checkpoint {self.path} is corrupted: its header is incomplete")
        self._header_crc = zlib.crc32(frames[0][1])
        try:
            header = json.loads(frames[0][1].decode("utf-8"))
            header["key"], header["tasks"], header["dbits"]
        except (ValueError, KeyError, TypeError):
            raise CheckpointCorrupted(f"checkpoint {self.path} is corrupted: its header cannot be read") from None
        if header.get("format") != "sage_lfsr checkpoint" or header.get("version") != FORMAT_VERSION:
            raise CheckpointCorrupted(f"{self.path} is not a sage_lfsr checkpoint of format version {FORMAT_VERSION}")
        recorded = self._results(header, frames[1:]) if results else []
        return header, recorded, good_length

    def _results(self, header, frames):
        by_task = {}
        for offset, payload in frames:
            result = self._result(header, offset, payload)
            if result.task_id in by_task:
                first_offset, first_payload, _ = by_task[result.task_id]
                if first_payload != payload:
                    raise CheckpointCorrupted(f"checkpoint {self.path} is corrupted: the records at bytes "
                                              f"{first_offset} and {offset} differ for task {result.task_id}")
                self.dropped.append(f"checkpoint {self.path}: dropped the record at byte {offset}, "
                                    f"a repeat of the record of task {result.task_id} at byte {first_offset}")
                continue
            by_task[result.task_id] = (offset, payload, result)
        return [entry[2] for entry in by_task.values()]

    def _frames(self, data):
        frames, offset = [], len(MAGIC)
        while offset < len(data):
            body = offset + _FRAME_HEAD.size
            length = _FRAME_HEAD.unpack_from(data, offset)[0] if body <= len(data) else None
            if length is None or body + length > len(data):
                self._drop_torn_tail(data, offset)
                break
            checksum = _FRAME_HEAD.unpack_from(data, offset)[1]
            payload = data[body:body + length]
            if zlib.crc32(payload) != checksum:
                raise CheckpointCorrupted(f"checkpoint {self.path} is corrupted: the record at byte {offset} "
                                          "fails its checksum")
            frames.append((offset, payload))
            offset = body + length
        return frames, offset

    def _drop_torn_tail(self, data, offset):
        r"""
        The bytes from ``offset`` do not hold a whole frame: a write cut short, unless a
        whole frame starts after ``offset`` (then a damaged length field hides records).
        """
        for start in range(offset + 1, len(data) - _FRAME_HEAD.size):
            length, checksum = _FRAME_HEAD.unpack_from(data, start)
            body = start + _FRAME_HEAD.size
            if (data[body:body + 2] == b'{"' and body + length <= len(data)
                    and zlib.crc32(data[body:body + length]) == checksum):
                raise CheckpointCorrupted(f"checkpoint {self.path} is corrupted: the record at byte {offset} has a "
                                          f"damaged length field, and a whole record follows it at byte {start}")
        self.dropped.append(f"checkpoint {self.path}: dropped an incomplete last record ({len(data) - offset} "
                            f"bytes at byte {offset}; the run was stopped while writing it)")

    def _result(self, header, offset, payload):
        try:
            result, header_crc = _decode_result(payload)
        except Exception:
            raise CheckpointCorrupted(f"checkpoint {self.path} is corrupted: the record at byte {offset} "
                                      "is not a task result") from None
        tasks = header["tasks"]
        if not 0 <= result.task_id < len(tasks) or tasks[result.task_id][0] != result.phase:
            raise CheckpointCorrupted(f"checkpoint {self.path} is corrupted: the record at byte {offset} is for "
                                      f"task {result.task_id} ({result.phase}), which its header does not list")
        if header_crc != self._header_crc:
            raise CheckpointCorrupted(f"checkpoint {self.path} is corrupted: the record at byte {offset} belongs "
                                      "to another checkpoint (its header checksum differs)")
        _, lo, hi = tasks[result.task_id]
        problem = _inconsistency(result, int(lo), int(hi), int(header["state_count"]))
        if problem:
            raise CheckpointCorrupted(f"checkpoint {self.path} is corrupted: the record at byte {offset} "
                                      f"(task {result.task_id}) does not add up: {problem}")
        return result

    def header_for(self, job) -> dict:
        r"""What identifies ``job`` in this checkpoint's header (:func:`job_header`)."""
        return job_header(job)

    def restore(self, job) -> list:
        r"""
        The results recorded for ``job``; creates the file with ``job``'s header
        when it does not exist. Raises :class:`CheckpointMismatch` when the file
        was written for another job, :class:`CheckpointCorrupted` when it is damaged.
        """
        wanted = self.header_for(job)
        if not self.exists():
            self._create(wanted)
            self._lock()
            return []
        self._lock()
        try:
            header, results, good_length = self.read()
            self._check_same_job(header, wanted)
        except BaseException:  # refused: the file stays free for the run that fits it
            self.close()
            raise
        for line in self.dropped:
            warnings.warn(line, CheckpointWarning, stacklevel=3)
        if good_length < os.path.getsize(self.path):
            os.truncate(self.path, good_length)  # drop a record torn by a kill
        return results

    def _check_same_job(self, header, wanted):
        if header["key"] != wanted["key"]:
            raise CheckpointMismatch(f"checkpoint {self.path} was written for {_describe(header)}, "
                                     f"not for {_describe(wanted)}: use another file for this register")
        if header["tasks"] != wanted["tasks"] or header["dbits"] != wanted["dbits"]:
            raise CheckpointMismatch(f"checkpoint {self.path} was written for {_describe(header)}, but this run "
                                     f"plans {_describe(wanted)}: rerun with batch size {header['batch_size']} "
                                     f"and split {'on' if header['split'] else 'off'} to resume it")

    @property
    def snapshot_path(self) -> str:
        r"""The file of this checkpoint's memory snapshot (:mod:`~sage_lfsr.engine.snapshots`)."""
        return snapshot_path(self.path)

    def _create(self, header):
        remove_snapshot(self.snapshot_path)  # of an earlier run with this file name
        payload = json.dumps(header).encode("utf-8")
        write_atomically(self.path, MAGIC + _frame(payload), sync=True)
        self._header_crc = zlib.crc32(payload)

    def record(self, result: TaskResult):
        r"""
        Append ``result`` (written at once; ``fsync``-ed at most every
        :data:`SYNC_SECONDS`, and by :meth:`sync`).
        """
        pieces = _result_pieces(result, self.header_crc())
        checksum, length = 0, 0
        for piece in pieces:
            checksum, length = zlib.crc32(piece, checksum), length + memoryview(piece).nbytes
        self._append([_FRAME_HEAD.pack(length, checksum)] + pieces, grouped=True)

    def header_crc(self) -> int:
        r"""The CRC-32 of this checkpoint's header, which every record carries."""
        if self._header_crc is None:
            self.read(results=False)
        return self._header_crc

    def _append(self, pieces, grouped=False):
        r"""
        Append the bytes of ``pieces`` (a frame), flushed; ``fsync``-ed now, or when
        ``grouped`` only if the last ``fsync`` is :data:`SYNC_SECONDS` old.
        """
        if isinstance(pieces, (bytes, bytearray)):
            pieces = [pieces]
        with open(self.path, "ab") as stream:
            for piece in pieces:
                stream.write(piece)
            stream.flush()
            now = time.monotonic()
            self._unsynced = grouped and now - self._synced_at < SYNC_SECONDS
            if not self._unsynced:
                os.fsync(stream.fileno())
                self._synced_at = now

    def _lock(self):
        r"""
        Hold the file locked (``flock``) until :meth:`close`: a second run on it, in
        another process or this one, is refused in one line instead of writing beside this one.
        """
        if self._held is not None:
            return
        stream = open_locked(self.path)
        if stream is not None and os.stat(self.path).st_ino != os.fstat(stream.fileno()).st_ino:
            release(stream)  # created anew under our feet by another run
            stream = None
        if stream is None:
            raise CheckpointError(f"checkpoint {self.path} is in use by another run (it is locked): wait for it "
                                  "to end, or use another file")
        self._held = stream

    def close(self):
        r"""When the run ends, however: the records ``fsync``-ed (:meth:`sync`) and the file's lock released."""
        try:
            self.sync()
        finally:
            if self._held is not None:
                release(self._held)
                self._held = None

    def sync(self):
        r"""``fsync`` the records appended since the last ``fsync`` (at the end of a run)."""
        if self._unsynced and self.exists():
            with open(self.path, "ab") as stream:
                os.fsync(stream.fileno())
            self._unsynced, self._synced_at = False, time.monotonic()
