r"""
Memory snapshots: the per-state memory of a run (its visited bitmap, or the
depths of a singular register), saved beside its checkpoint so that a resumed
run skips the states finished work covered, and costs the work that remains.

A checkpoint records the results of finished tasks, but not what those tasks
marked: without the marks a resumed sweep re-walks what finished work covered
(each start on a long cycle walks on to the next distinguished state, so a split
run resumed without them costs more than a fresh one). :class:`SnapshotTaker`
copies the memory while the run goes on and writes the copy to
``CHECKPOINT.memory`` (:func:`snapshot_path`), atomically, with the ids of the
tasks whose marks it may hold; :func:`load_snapshot` reads it back for a resume.

**Why a snapshot is safe.** A mark tells a sweep to skip a start. Skipping is
right when the start's cycle is recorded whole, or has a distinguished state
(segment tasks trace it, and those without a record run again). A mark is
written by a walk of some task: a segment walk (on a cycle with a distinguished
state), a sweep walk that gave up (at a distinguished state, or at a state its
worker marked before, which lies on such a cycle) or a sweep walk that closed
its cycle, which the task's result holds. So the marks of segment tasks, and of
sweep tasks that closed no cycle, are safe whether or not the task is recorded;
those of a sweep task that closed cycles once it is recorded. A copy taken while
workers run may hold marks of tasks not recorded yet: workers flag each task
when it starts and when it ends, with whether it closed cycles
(:meth:`~sage_lfsr.memory.StateMemory.task_flags`); the caller reads the flags
after the copy, and writes the copy only once every sweep task that was running,
or had closed cycles, is recorded in the checkpoint; the file lists those tasks
with the recorded ones. (A worker sets
its task's flag before its first mark, and the caller reads the flags after the
copy: on x86-64, whose stores are seen in program order, a copy that holds a
mark of a task sees its flag.) On resume a
snapshot is used only when every task it lists is recorded in the checkpoint
(else it is ignored, with the reason); the resumed run keeps it as a read-only
row of ``covered``, so a worker's "own marks" stay its own.

Singular registers: a depth is written only when known, and at the end of a
task every state its walks reached has one, and each cycle it met is in its
result or an earlier one. So a copy taken between tasks (the sequential
schedule) is safe; the process schedules keep depths in each worker's private
memory, which the caller cannot copy, so they take no depth snapshots.

How often: a copy is taken when the time spent on snapshots so far, plus the
last one's cost, stays within :data:`SHARE` of the run's time so far, and once
as soon as every segment task is recorded (their marks cover the long cycles,
and a bitmap that is nearly all ones costs little to write). No copy is taken
while nothing new was recorded, nor while one waits for its tasks.

File layout::

    b"SAGE_LFSR_MEMORY\n"
    frame: header (JSON: checkpoint header CRC, kind, dtype, length, task ids)
    frame: body   (per block of BLOCK_BYTES: a code, a fill byte; then the raw blocks)

    frame = 4-byte length, 4-byte CRC-32, payload (as in a checkpoint)

A block whose bytes are all equal is stored as its byte (a primitive register's
bitmap is nearly all ones, a depth array starts all unknown).
"""
from __future__ import annotations

import json
import os
import time
import zlib

import numpy as np

from sage_lfsr.files import write_atomically

MAGIC = b"SAGE_LFSR_MEMORY\n"
FORMAT_VERSION = 1
#: Bytes per block of the run-length coding (a multiple of 8).
BLOCK_BYTES = 1 << 16
#: Largest share of a run's time that taking and writing snapshots may take.
SHARE = 0.05
#: Seconds and bytes per second assumed for the first snapshot (copy, coding, a write
#: and an ``fsync`` of memory that does not compress), before one was measured.
FIRST_ESTIMATE_SECONDS, FIRST_ESTIMATE_BYTES_PER_SECOND = 0.02, 1e8
_UNIFORM, _RAW = 0, 1


def snapshot_path(checkpoint_path) -> str:
    r"""
    The snapshot file of a checkpoint file.

    EXAMPLES::

        sage: from sage_lfsr.snapshots import snapshot_path
        sage: snapshot_path("/tmp/run.ckpt")
        '/tmp/run.ckpt.memory'
    """
    return os.fspath(checkpoint_path) + ".memory"


def pack(array) -> bytes:
    r"""
    The bytes of ``array``, blocks of one repeated byte stored as that byte.

    EXAMPLES::

        sage: import numpy as np
        sage: from sage_lfsr.snapshots import BLOCK_BYTES, pack, unpack
        sage: bitmap = np.full(10 * BLOCK_BYTES + 3, 255, np.uint8); bitmap[12345] = 7
        sage: packed = pack(bitmap); len(packed) < 2 * BLOCK_BYTES
        True
        sage: bool((unpack(packed, len(bitmap), np.uint8) == bitmap).all())
        True
    """
    data = np.ascontiguousarray(array).reshape(-1).view(np.uint8)
    full = len(data) // BLOCK_BYTES
    blocks = data[:full * BLOCK_BYTES].reshape(full, BLOCK_BYTES)
    fills = blocks[:, 0].copy() if full else np.zeros(0, np.uint8)
    words = blocks.view(np.uint64)
    uniform = ((words == words[:, :1]).all(axis=1) & (words[:, 0] == fills.astype(np.uint64) * 0x0101010101010101)
               if full else np.zeros(0, bool))
    codes = np.where(uniform, _UNIFORM, _RAW).astype(np.uint8)
    return b"".join([codes.tobytes(), fills.tobytes(), blocks[~uniform].tobytes(), data[full * BLOCK_BYTES:].tobytes()])


def unpack(body: bytes, length: int, dtype) -> np.ndarray:
    r"""The array of ``length`` elements of ``dtype`` that :func:`pack` gave ``body`` for; ``ValueError`` if it does not fit."""
    dtype = np.dtype(dtype)
    size = length * dtype.itemsize
    full = size // BLOCK_BYTES
    codes = np.frombuffer(body, np.uint8, full, 0)
    fills = np.frombuffer(body, np.uint8, full, full)
    if ((codes != _UNIFORM) & (codes != _RAW)).any():
        raise ValueError("a block code is neither uniform nor raw")
    raw = np.flatnonzero(codes == _RAW)
    if len(body) != 2 * full + len(raw) * BLOCK_BYTES + size - full * BLOCK_BYTES:
        raise ValueError("the blocks do not fill the body")
    data = np.empty(size, np.uint8)
    blocks = data[:full * BLOCK_BYTES].reshape(full, BLOCK_BYTES)
    blocks[:] = fills[:, None]
    stored = np.frombuffer(body, np.uint8, len(raw) * BLOCK_BYTES, 2 * full).reshape(len(raw), BLOCK_BYTES)
    blocks[raw] = stored
    data[full * BLOCK_BYTES:] = np.frombuffer(body, np.uint8, size - full * BLOCK_BYTES, 2 * full + stored.size)
    return data.view(dtype)


def _frame(payload: bytes) -> bytes:
    return len(payload).to_bytes(4, "big") + zlib.crc32(payload).to_bytes(4, "big") + payload


def encode_snapshot(kind: str, array, tasks, complete, checkpoint_crc: int) -> bytes:
    r"""
    The bytes of a snapshot file (see the module's layout): ``tasks`` are the ids of
    the tasks whose marks ``array`` may hold, ``complete`` those among them that had
    finished when it was copied (whose marks it holds whole).
    """
    header = {"format": "sage_lfsr memory", "version": FORMAT_VERSION, "checkpoint": int(checkpoint_crc),
              "kind": kind, "dtype": np.dtype(array.dtype).str, "length": int(array.size),
              "tasks": sorted(int(task) for task in tasks), "complete": sorted(int(task) for task in complete)}
    return MAGIC + _frame(json.dumps(header).encode("utf-8")) + _frame(pack(array))


def decode_snapshot(data: bytes):
    r"""
    ``(header, array)`` of a snapshot file's bytes; ``ValueError`` with the reason
    when they are not a whole, undamaged snapshot.

    EXAMPLES::

        sage: import numpy as np
        sage: from sage_lfsr.snapshots import decode_snapshot, encode_snapshot
        sage: data = encode_snapshot("visited", np.arange(5, dtype=np.uint8), {3, 1}, {1}, 99)
        sage: header, array = decode_snapshot(data)
        sage: header["tasks"], header["checkpoint"], array.tolist()
        ([1, 3], 99, [0, 1, 2, 3, 4])
        sage: decode_snapshot(data[:-1])
        Traceback (most recent call last):
        ...
        ValueError: its body is cut short
    """
    if not data.startswith(MAGIC):
        raise ValueError("it is not a sage_lfsr memory snapshot")
    payloads, offset = [], len(MAGIC)
    for what in ("header", "body"):
        if offset + 8 > len(data):
            raise ValueError(f"its {what} is cut short")
        length, checksum = int.from_bytes(data[offset:offset + 4], "big"), int.from_bytes(data[offset + 4:offset + 8], "big")
        payload = data[offset + 8:offset + 8 + length]
        if len(payload) != length:
            raise ValueError(f"its {what} is cut short")
        if zlib.crc32(payload) != checksum:
            raise ValueError(f"its {what} fails its checksum")
        payloads.append(payload)
        offset += 8 + length
    if offset != len(data):
        raise ValueError("bytes follow its body")
    try:
        header = json.loads(payloads[0].decode("utf-8"))
        ok = header.get("format") == "sage_lfsr memory" and header.get("version") == FORMAT_VERSION
        kind, dtype, length = header["kind"], np.dtype(header["dtype"]), int(header["length"])
        tasks, complete = header["tasks"], header["complete"]
        ok = (ok and isinstance(kind, str) and dtype.kind == "u" and length >= 0 and isinstance(header["checkpoint"], int)
              and isinstance(tasks, list) and isinstance(complete, list)
              and all(isinstance(task, int) for task in tasks + complete))
    except (ValueError, KeyError, TypeError, AttributeError, RecursionError):
        raise ValueError("its header cannot be read") from None
    if not ok:
        raise ValueError(f"it is not a memory snapshot of format version {FORMAT_VERSION}")
    return header, unpack(payloads[1], length, dtype)


def load_snapshot(path, checkpoint_crc: int, kind: str, dtype, length: int, recorded):
    r"""
    ``(array, complete, reason)`` from the snapshot file ``path``: the memory and
    the tasks whose marks it holds whole, when it can be used for a resume with the
    checkpoint whose header has CRC ``checkpoint_crc`` and records the task ids
    ``recorded`` (every task whose marks it may hold); else ``(None, set(),
    reason)`` (``reason`` ``None`` when there is no file).
    """
    if not os.path.exists(path):
        return None, set(), None
    try:
        with open(path, "rb") as stream:
            header, array = decode_snapshot(stream.read())
    except (OSError, ValueError) as error:
        return None, set(), f"ignored the memory snapshot {path}: {getattr(error, 'strerror', None) or error}"
    tasks = set(header["tasks"])
    problem = None
    if header["checkpoint"] != checkpoint_crc:
        problem = "it belongs to another checkpoint"
    elif (header["kind"], np.dtype(header["dtype"]), int(header["length"])) != (kind, np.dtype(dtype), length):
        problem = f"it holds {header['kind']} ({header['length']} of {header['dtype']}), not {kind} ({length} of {np.dtype(dtype).str})"
    elif not tasks <= set(recorded):
        problem = f"it covers {len(tasks - set(recorded))} tasks the checkpoint does not record"
    if problem:
        return None, set(), f"ignored the memory snapshot {path}: {problem}"
    return array, set(header["complete"]), None


def remove_snapshot(path):
    r"""
    Remove the snapshot file ``path`` if there is one, and the temporary files of
    writes to it that a kill cut short.

    EXAMPLES::

        sage: import os, tempfile
        sage: from sage_lfsr.snapshots import remove_snapshot
        sage: directory = tempfile.mkdtemp()
        sage: for name in ("run.ckpt.memory", ".run.ckpt.memory.x1.tmp", "run.ckpt"):
        ....:     open(os.path.join(directory, name), "w").close()
        sage: remove_snapshot(os.path.join(directory, "run.ckpt.memory")); os.listdir(directory)
        ['run.ckpt']
    """
    directory, name = os.path.split(os.path.abspath(path))
    try:
        strays = [entry for entry in os.listdir(directory) if entry.startswith(f".{name}.") and entry.endswith(".tmp")]
    except OSError:
        strays = []
    for entry in [name] + strays:
        try:
            os.unlink(os.path.join(directory, entry))
        except FileNotFoundError:
            pass


class SnapshotTaker:
    r"""
    Takes the snapshots of one run: the schedule calls :meth:`offer` after each
    result (and while it waits), the caller :meth:`note_recorded` for each task
    recorded in the checkpoint.

    INPUT:

    - ``path`` -- the snapshot file
    - ``checkpoint_crc`` -- the CRC of the checkpoint's header
    - ``recorded`` -- ids of the tasks recorded (and not run again) when the run starts
    - ``segment_tasks`` -- ids of the run's segment tasks not recorded yet
    - ``memory_bytes`` -- the size of the memory (for the cost of the first snapshot)

    EXAMPLES::

        sage: import os, tempfile, numpy as np
        sage: from sage_lfsr.snapshots import SnapshotTaker, load_snapshot, snapshot_path
        sage: path = snapshot_path(os.path.join(tempfile.mkdtemp(), "run.ckpt"))
        sage: taker = SnapshotTaker(path, 7, recorded={0}, segment_tasks=set(), memory_bytes=3, share=1e9)
        sage: taker.note_recorded(1)
        sage: marks = np.array([5, 0, 255], np.uint8)
        sage: flags = np.array([2, 3, 1], np.uint8)   # task 2 still runs
        sage: taker.offer(lambda: ("visited", marks.copy()), lambda: flags)
        sage: os.path.exists(path)
        False
        sage: taker.note_recorded(2); taker.offer(lambda: None)
        sage: array, complete, reason = load_snapshot(path, 7, "visited", np.uint8, 3, {0, 1, 2})
        sage: array.tolist(), sorted(complete), reason
        ([5, 0, 255], [0, 1], None)
        sage: taker.measured()["memory_snapshots_written"]
        1
        sage: load_snapshot(path, 7, "visited", np.uint8, 3, {0, 1})[2]
        'ignored the memory snapshot ...: it covers 1 tasks the checkpoint does not record'
    """

    def __init__(self, path, checkpoint_crc, recorded, segment_tasks, memory_bytes=0, share=None):
        self.path, self.checkpoint_crc = path, checkpoint_crc
        self.recorded = set(recorded)
        self.segment_tasks = frozenset(segment_tasks)
        self.segments_left = set(segment_tasks)
        self._after_segments = bool(self.segments_left)
        self.share = SHARE if share is None else share
        self.started_at = time.perf_counter()
        #: Seconds spent copying, coding and writing; snapshots written; why taking stopped.
        self.seconds, self.written, self.stopped = 0.0, 0, None
        self._pending = None  # (kind, array, task ids, complete ids): written once its task ids are recorded
        #: Seconds the next snapshot is expected to take (the last one's, at first an estimate).
        self._cost = FIRST_ESTIMATE_SECONDS + memory_bytes / FIRST_ESTIMATE_BYTES_PER_SECOND
        self._take_seconds = 0.0
        self._saved = set(self.recorded)  # the recorded tasks when the last copy was taken

    def note_recorded(self, task_id):
        self.recorded.add(task_id)
        self.segments_left.discard(task_id)

    def offer(self, read, flags=None):
        r"""
        Write the pending copy if its tasks are recorded; take a new copy when one is
        due. ``read()`` gives ``(kind, copy of the memory)`` or ``None`` (not visible
        here); ``flags()`` the tasks' flags (:meth:`~sage_lfsr.memory.StateMemory.task_flags`),
        or ``None`` when the run is in this process (a copy between tasks).
        """
        if self.stopped:
            return
        if self._pending is not None and self._pending[2] <= self.recorded:
            self._write()
        if self._pending is None and self._due():
            self._take(read, flags)
            if self._pending is not None and self._pending[2] <= self.recorded:
                self._write()

    def _due(self):
        if self.recorded <= self._saved:
            return False  # nothing recorded since the last snapshot
        if self._after_segments and not self.segments_left:
            self._after_segments = False
            return True
        elapsed = time.perf_counter() - self.started_at
        return self.seconds + self._cost <= self.share * elapsed

    def _take(self, read, flags):
        begun = time.perf_counter()
        recorded = set(self.recorded)
        self._saved = set(recorded)
        before = flags() if flags is not None else None
        marks = read()
        if marks is None:
            self.stopped = "the memory of this run's workers is not visible to the caller"
            return
        kind, array = marks
        complete, wait_for = set(recorded), set()
        if before is not None:
            after = flags()
            complete |= set(np.flatnonzero(before >= 2).tolist())  # ended before the copy: all its marks are in it
            wait_for = {task for task in np.flatnonzero((after == 1) | (after == 3)).tolist()
                        if task not in self.segment_tasks} - recorded
        self._pending = (kind, array, recorded | wait_for, complete)
        self._take_seconds = time.perf_counter() - begun
        self.seconds += self._take_seconds

    def _write(self):
        begun = time.perf_counter()
        kind, array, tasks, complete = self._pending
        self._pending = None
        try:
            write_atomically(self.path, encode_snapshot(kind, array, tasks, complete, self.checkpoint_crc), sync=True)
        except OSError as error:
            self.stopped = f"writing the memory snapshot {self.path} failed: {error.strerror or error}"
        else:
            self.written += 1
        written = time.perf_counter() - begun
        self._cost = self._take_seconds + written
        self.seconds += written

    def measured(self) -> dict:
        r"""What the run's ``choices`` report about its snapshots."""
        measured = {"memory_snapshots_written": self.written, "memory_snapshot_seconds": round(self.seconds, 4)}
        if self.stopped:
            measured["memory_snapshots_stopped"] = self.stopped
        return measured
