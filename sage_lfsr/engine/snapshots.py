r"""
Memory snapshots: the per-state memory of a run (its visited bitmap, or the
depths of a singular register), saved beside its checkpoint so that a resumed
run skips the states finished work covered, and costs the work that remains.

A checkpoint records the results of finished tasks, but not what those tasks
marked: without the marks a resumed sweep re-walks what finished work covered
(each start on a long cycle walks on to the next distinguished state, so a split
run resumed without them costs more than a fresh one). :class:`SnapshotTaker`
reads the memory while the run goes on, a chunk at a time, and writes it to a
temporary file beside ``CHECKPOINT.memory`` (:func:`snapshot_path`) with the ids
of the tasks whose marks it may hold; once those tasks are recorded the file is
renamed to ``CHECKPOINT.memory``; :func:`load_snapshot` reads it back for a resume.

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
(:meth:`~sage_lfsr.engine.memory.StateMemory.task_flags`); the caller reads the flags
after the copy, and renames the copy to the snapshot file only once every sweep
task that was running, or had closed cycles, is recorded in the checkpoint; the
file lists those tasks with the recorded ones. (A worker sets
its task's flag before its first mark, and the caller reads the flags after the
copy: on x86-64, whose stores are seen in program order, a copy that holds a
mark of a task sees its flag.) On resume a
snapshot is used only when every task it lists is recorded in the checkpoint
(else it is ignored, with the reason); the resumed run keeps it as a read-only
row of ``covered``, so a worker's "own marks" stay its own. A copy read a chunk
at a time is as safe as one read at once: marks are only added, the flags are
read before the first chunk (tasks whose marks it holds whole) and after the last
(tasks whose marks it may hold).

**No ``fsync``.** Snapshot files are written and renamed without ``fsync`` (a
snapshot of 2^28 states took some 25 ms to ``fsync`` on an idle machine here, about as long as reading, coding
and writing it). A killed process loses nothing (the page cache keeps the file).
After a power cut the snapshot file may be damaged (it then fails its CRC and is
ignored, with the reason), the rename may be lost (the older snapshot stays: it
is still safe, as its tasks are recorded) or it may outlive checkpoint records
that were not ``fsync``-ed yet (it then lists tasks the checkpoint does not
record, and is ignored). Each case costs redone work, never a wrong map.

Singular registers: a depth is written only when known, and is a function of
the state, so every worker writes one shared depth array (the process
schedules) and the caller copies it as it copies a bitmap, under the same task
flags. A depth tells a walk to stop. A cycle's depths (0) are written by the
task that closed it, which flags itself as having closed cycles; a tail depth
written by a task X rests on the 0s of a cycle some task Y closed before X read
them, so Y had started before the copy ended: Y was running at the copy, or had
finished (with cycles) before it, and the copy is written only once Y is
recorded, with Y's cycles. X's own record is not needed: a tail depth is right
whoever wrote it, and a task run again counts the depths of its range from the
array. One thing a copy of depths can hold that a copy of marks cannot: part of
a cycle, if it was copied while a task wrote that cycle (a walk that met such
a cycle's 0 after its unknown states would number them as a tail). Only the
cycles of tasks that had not finished when the copy began can be caught so;
on resume they are walked and written whole before the run starts
(:func:`~sage_lfsr.engine.job.settle_cycles`, counted in the steps of the resumed run).
A copy taken between tasks (the sequential schedule) holds no such cycle.

How often: a copy is taken when the time spent on snapshots so far, plus the
last one's cost, stays within :data:`SHARE` of the run's time so far (once every
segment task is recorded, a third of that cost: their marks cover the long
cycles, and a bitmap that is nearly all ones costs little to write). No copy is
taken while no work was recorded since the last (tasks that traced nothing, as
most of a register's with many short cycles once the first tasks closed them, add
nothing a resume would redo); up to :data:`MOST_PENDING` copies may wait
for their tasks at once (a newer one holds all an older one holds: when one is
renamed, the older ones are removed).

What a resumed run costs, then: the work that remains, plus what the recorded
tasks the snapshot does not hold traced (the lag): the tasks recorded since the
last copy was read, and those that ran while it was read. Under a share ``s`` of
the run the copies are at least (cost of a copy) / ``s`` apart.

File layout (version 2; the header last, as it is known only once the memory is read)::

    b"SAGE_LFSR_MEMORY\n"
    frame: body   (the raw blocks, the tail; then per block of BLOCK_BYTES a code, and a fill byte)
    frame: header (JSON: checkpoint header CRC, kind, dtype, length, task ids)

    frame = 4-byte length, 4-byte CRC-32, payload (as in a checkpoint)

A block whose bytes are all equal is stored as its byte (a primitive register's
bitmap is nearly all ones, a depth array starts all unknown).
"""
from __future__ import annotations

import json
import os
import tempfile
import time
import zlib

import numpy as np

from sage_lfsr.common.files import file_kind, file_mode, short_path

MAGIC = b"SAGE_LFSR_MEMORY\n"
FORMAT_VERSION = 2
#: Bytes per block of the run-length coding (a multiple of 8).
BLOCK_BYTES = 1 << 16
#: Blocks read, coded and written at a time (a piece small enough for the caches).
CHUNK_BLOCKS = 16
#: Largest share of a run's time that taking and writing snapshots may take.
SHARE = 0.05
#: Seconds and bytes per second assumed for the first snapshot (reading the memory,
#: coding and writing it when nothing compresses), before one was measured: a
#: third of what an idle core here does (31 ms for the 32 MiB of 2^28 states; 85 to
#: 200 ms with three other sessions' work on the machine's two cores). Used for
#: memory smaller than :data:`SAMPLE_BYTES`; larger memory has its first cost
#: measured (:func:`measure_copy_rate`).
FIRST_ESTIMATE_SECONDS, FIRST_ESTIMATE_BYTES_PER_SECOND = 0.002, 3e8
#: Bytes of the sample whose copy :func:`measure_copy_rate` times (its fixed costs,
#: a new file, about make up for the caches a whole copy outgrows: idle here, 32 MiB
#: estimated at 0.05 s took 0.04 s, 128 MiB at 0.18 s took 0.16 s).
SAMPLE_BYTES = 4 << 20
#: The next copy is expected to cost this times the last one's (their costs vary so
#: much between copies on a loaded machine).
COST_MARGIN = 1.25
#: Copies written and waiting for their tasks' records at a time, at most.
MOST_PENDING = 2
_UNIFORM, _RAW = 0, 1
_HEAD_BYTES = 8  # a frame's length and CRC


def snapshot_path(checkpoint_path) -> str:
    r"""
    The snapshot file of a checkpoint file.

    EXAMPLES::

        sage: from sage_lfsr.engine.snapshots import snapshot_path
        sage: snapshot_path("/tmp/run.ckpt")
        '/tmp/run.ckpt.memory'
    """
    return os.fspath(checkpoint_path) + ".memory"


def _byte_rows(source) -> np.ndarray:
    r"""``source`` (an array, or a 2-D array of bitmap rows to be or-ed) as rows of bytes."""
    source = np.asarray(source)
    if source.ndim == 2 and source.dtype == np.uint8:
        return source
    return np.ascontiguousarray(source).reshape(1, -1).view(np.uint8)


def pack_pieces(source):
    r"""
    The body of a snapshot of ``source``, in pieces: the blocks not all one byte,
    the tail (under a block), then a code (uniform or raw) and a fill byte per block.
    ``source`` is an array, or a 2-D ``uint8`` array of bitmap rows whose union is
    meant (read a chunk at a time: no copy of the whole memory is made). A piece is
    only valid until the next one is asked for (a buffer is reused).
    """
    rows = _byte_rows(source)
    size = rows.shape[1]
    full = size // BLOCK_BYTES
    codes, fills = np.empty(full, np.uint8), np.empty(full, np.uint8)
    buffer = np.empty(min(full, CHUNK_BLOCKS) * BLOCK_BYTES, np.uint8)
    for first in range(0, full, CHUNK_BLOCKS):
        count = min(CHUNK_BLOCKS, full - first)
        chunk = buffer[:count * BLOCK_BYTES]
        _union(rows, first * BLOCK_BYTES, chunk)
        blocks = chunk.reshape(count, BLOCK_BYTES)
        words = blocks.view(np.uint64)
        fills[first:first + count] = blocks[:, 0]
        uniform = (words == words[:, :1]).all(axis=1) & (
            words[:, 0] == blocks[:, 0].astype(np.uint64) * np.uint64(0x0101010101010101))
        codes[first:first + count] = np.where(uniform, _UNIFORM, _RAW)
        if not uniform.any():
            yield chunk
        elif not uniform.all():
            yield blocks[~uniform]
    tail = np.empty(size - full * BLOCK_BYTES, np.uint8)
    _union(rows, full * BLOCK_BYTES, tail)
    yield tail
    yield codes
    yield fills


def _union(rows, offset, out):
    r"""``out`` = the union (bitwise or) of ``rows`` over ``len(out)`` bytes from ``offset``."""
    stop = offset + len(out)
    np.copyto(out, rows[0, offset:stop])
    for row in rows[1:]:
        np.bitwise_or(out, row[offset:stop], out=out)


def pack(source) -> bytes:
    r"""
    The body of a snapshot of ``source`` (:func:`pack_pieces`) as one ``bytes``.

    EXAMPLES::

        sage: import numpy as np
        sage: from sage_lfsr.engine.snapshots import BLOCK_BYTES, pack, unpack
        sage: bitmap = np.full(40 * BLOCK_BYTES + 3, 255, np.uint8); bitmap[12345] = 7
        sage: packed = pack(bitmap); len(packed) < 2 * BLOCK_BYTES
        True
        sage: bool((unpack(packed, len(bitmap), np.uint8) == bitmap).all())
        True
        sage: rows = np.zeros((2, len(bitmap)), np.uint8); rows[0, ::2] = 1; rows[1, 1::2] = 2
        sage: unpack(pack(rows), len(bitmap), np.uint8)[:4].tolist()
        [1, 2, 1, 2]
    """
    return b"".join(bytes(piece) for piece in pack_pieces(source))


def unpack(body: bytes, length: int, dtype) -> np.ndarray:
    r"""The array of ``length`` elements of ``dtype`` that :func:`pack` gave ``body`` for; ``ValueError`` if it does not fit."""
    dtype = np.dtype(dtype)
    size = length * dtype.itemsize
    full = size // BLOCK_BYTES
    tail = size - full * BLOCK_BYTES
    if len(body) < 2 * full + tail:
        raise ValueError("the blocks do not fill the body")
    codes = np.frombuffer(body, np.uint8, full, len(body) - 2 * full)
    fills = np.frombuffer(body, np.uint8, full, len(body) - full)
    if ((codes != _UNIFORM) & (codes != _RAW)).any():
        raise ValueError("a block code is neither uniform nor raw")
    raw = np.flatnonzero(codes == _RAW)
    if len(body) != 2 * full + len(raw) * BLOCK_BYTES + tail:
        raise ValueError("the blocks do not fill the body")
    data = np.empty(size, np.uint8)
    blocks = data[:full * BLOCK_BYTES].reshape(full, BLOCK_BYTES)
    blocks[:] = fills[:, None]
    blocks[raw] = np.frombuffer(body, np.uint8, len(raw) * BLOCK_BYTES, 0).reshape(len(raw), BLOCK_BYTES)
    data[full * BLOCK_BYTES:] = np.frombuffer(body, np.uint8, tail, len(raw) * BLOCK_BYTES)
    return data.view(dtype)


def _frame(payload: bytes) -> bytes:
    return _frame_head(len(payload), zlib.crc32(payload)) + payload


def _frame_head(length: int, checksum: int) -> bytes:
    return length.to_bytes(4, "big") + checksum.to_bytes(4, "big")


def _header(kind, dtype, length, tasks, complete, checkpoint_crc) -> bytes:
    return json.dumps({"format": "sage_lfsr memory", "version": FORMAT_VERSION, "checkpoint": int(checkpoint_crc),
                       "kind": kind, "dtype": np.dtype(dtype).str, "length": int(length),
                       "tasks": sorted(int(task) for task in tasks),
                       "complete": sorted(int(task) for task in complete)}).encode("utf-8")


def encode_snapshot(kind: str, array, tasks, complete, checkpoint_crc: int) -> bytes:
    r"""
    The bytes of a snapshot file (see the module's layout): ``tasks`` are the ids of
    the tasks whose marks ``array`` may hold, ``complete`` those among them that had
    finished when it was copied (whose marks it holds whole).
    """
    array = np.asarray(array)
    return (MAGIC + _frame(pack(array))
            + _frame(_header(kind, array.dtype, array.size, tasks, complete, checkpoint_crc)))


def write_snapshot(path, kind: str, source, header_tasks, checkpoint_crc: int) -> str:
    r"""
    Write a snapshot of ``source`` (an array, or bitmap rows whose union is meant,
    read a chunk at a time while workers may still mark) to a new temporary file
    beside ``path``, and return its name; rename it to ``path`` once its tasks are
    recorded. ``header_tasks()`` is called after the memory was read, and gives
    ``(tasks, complete)`` for the header. Not ``fsync``-ed (see the module's notes).

    EXAMPLES::

        sage: import os, tempfile, numpy as np
        sage: from sage_lfsr.engine.snapshots import decode_snapshot, write_snapshot
        sage: path = os.path.join(tempfile.mkdtemp(), "run.ckpt.memory")
        sage: rows = np.array([[1, 0, 4], [2, 0, 0]], np.uint8)
        sage: written = write_snapshot(path, "visited", rows, lambda: ({1, 2}, {1}), 7)
        sage: header, array = decode_snapshot(open(written, "rb").read())
        sage: array.tolist(), header["tasks"], header["complete"], header["checkpoint"]
        ([3, 0, 4], [1, 2], [1], 7)
    """
    source = np.asarray(source)
    dtype, length = (np.uint8, source.shape[1]) if source.ndim == 2 else (source.dtype, source.size)
    directory, name = os.path.split(os.path.abspath(path))
    descriptor, temporary = tempfile.mkstemp(dir=directory, prefix=f".{name}.", suffix=".tmp")
    try:
        with os.fdopen(descriptor, "wb") as stream:
            stream.write(MAGIC + bytes(_HEAD_BYTES))
            checksum, size = 0, 0
            for piece in pack_pieces(source):
                stream.write(piece)
                checksum, size = zlib.crc32(piece, checksum), size + piece.nbytes
            tasks, complete = header_tasks()
            stream.write(_frame(_header(kind, dtype, length, tasks, complete, checkpoint_crc)))
            stream.seek(len(MAGIC))
            stream.write(_frame_head(size, checksum))
        os.chmod(temporary, file_mode(path))
    except BaseException:
        _unlink(temporary)
        raise
    return temporary


def measure_copy_rate(path) -> float:
    r"""
    Bytes per second a snapshot of memory that does not compress is read, coded
    and written at beside ``path``, here and now (the machine's load included):
    :func:`write_snapshot` of :data:`SAMPLE_BYTES`, timed, its file removed.

    EXAMPLES::

        sage: import os, tempfile
        sage: from sage_lfsr.engine.snapshots import measure_copy_rate
        sage: directory = tempfile.mkdtemp()
        sage: measure_copy_rate(os.path.join(directory, "run.ckpt.memory")) > 0, os.listdir(directory)
        (True, [])
    """
    sample = np.arange(SAMPLE_BYTES, dtype=np.uint8)  # no block of one byte: nothing compresses
    begun = time.perf_counter()
    _unlink(write_snapshot(path, "visited", sample, lambda: (set(), set()), 0))
    return SAMPLE_BYTES / max(time.perf_counter() - begun, 1e-6)


def _unlink(path):
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


def decode_snapshot(data: bytes):
    r"""
    ``(header, array)`` of a snapshot file's bytes; ``ValueError`` with the reason
    when they are not a whole, undamaged snapshot.

    EXAMPLES::

        sage: import numpy as np
        sage: from sage_lfsr.engine.snapshots import decode_snapshot, encode_snapshot
        sage: data = encode_snapshot("visited", np.arange(5, dtype=np.uint8), {3, 1}, {1}, 99)
        sage: header, array = decode_snapshot(data)
        sage: header["tasks"], header["checkpoint"], array.tolist()
        ([1, 3], 99, [0, 1, 2, 3, 4])
        sage: decode_snapshot(data[:-1])
        Traceback (most recent call last):
        ...
        ValueError: its header is cut short
    """
    if not data.startswith(MAGIC):
        raise ValueError("it is not a sage_lfsr memory snapshot")
    payloads, offset = [], len(MAGIC)
    for what in ("body", "header"):
        if offset + _HEAD_BYTES > len(data):
            raise ValueError(f"its {what} is cut short")
        length, checksum = int.from_bytes(data[offset:offset + 4], "big"), int.from_bytes(data[offset + 4:offset + 8], "big")
        payload = data[offset + _HEAD_BYTES:offset + _HEAD_BYTES + length]
        if len(payload) != length:
            raise ValueError(f"its {what} is cut short")
        if zlib.crc32(payload) != checksum:
            raise ValueError(f"its {what} fails its checksum")
        payloads.append(payload)
        offset += _HEAD_BYTES + length
    if offset != len(data):
        raise ValueError("bytes follow its header")
    try:
        header = json.loads(payloads[1].decode("utf-8"))
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
    return header, unpack(payloads[0], length, dtype)


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
    not_regular = file_kind(path)
    if not_regular is not None:
        return None, set(), f"ignored the memory snapshot {short_path(path)}: it is {not_regular}, not a regular file"
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
    writes to it (:func:`remove_strays`).

    EXAMPLES::

        sage: import os, tempfile
        sage: from sage_lfsr.engine.snapshots import remove_snapshot
        sage: directory = tempfile.mkdtemp()
        sage: for name in ("run.ckpt.memory", ".run.ckpt.memory.x1.tmp", "run.ckpt"):
        ....:     open(os.path.join(directory, name), "w").close()
        sage: remove_snapshot(os.path.join(directory, "run.ckpt.memory")); os.listdir(directory)
        ['run.ckpt']
    """
    remove_strays(path)
    _unlink(os.path.abspath(path))


def remove_strays(path):
    r"""Remove the temporary files of writes to the snapshot file ``path`` (cut short, or left waiting by a kill)."""
    directory, name = os.path.split(os.path.abspath(path))
    try:
        strays = [entry for entry in os.listdir(directory) if entry.startswith(f".{name}.") and entry.endswith(".tmp")]
    except OSError:
        strays = []
    for entry in strays:
        _unlink(os.path.join(directory, entry))


class SnapshotTaker:
    r"""
    Takes the snapshots of one run: the schedule calls :meth:`offer` after each
    result (and while it waits), the caller :meth:`note_recorded` for each task
    recorded in the checkpoint, and :meth:`close` when the run ends, however it ends.

    INPUT:

    - ``path`` -- the snapshot file
    - ``checkpoint_crc`` -- the CRC of the checkpoint's header
    - ``recorded`` -- ids of the tasks recorded (and not run again) when the run starts
    - ``segment_tasks`` -- ids of the run's segment tasks not recorded yet
    - ``memory_bytes`` -- the bytes a snapshot reads (for the cost of the first one)
    - ``share`` -- the largest share of the run's time snapshots may take (default :data:`SHARE`)

    EXAMPLES::

        sage: import os, tempfile, numpy as np
        sage: from sage_lfsr.engine.snapshots import SnapshotTaker, load_snapshot, snapshot_path
        sage: path = snapshot_path(os.path.join(tempfile.mkdtemp(), "run.ckpt"))
        sage: taker = SnapshotTaker(path, 7, recorded={0}, segment_tasks=set(), memory_bytes=3, share=1e9)
        sage: taker.note_recorded(1)
        sage: marks = np.array([[5, 0, 255], [0, 0, 0]], np.uint8)
        sage: flags = np.array([2, 3, 1], np.uint8)   # task 2 still runs
        sage: taker.offer(lambda: ("visited", marks), lambda: flags)
        sage: os.path.exists(path), len(os.listdir(os.path.dirname(path)))   # written, waiting for task 2's record
        (False, 1)
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
        #: Seconds spent reading, coding, writing and renaming; snapshots written; why taking stopped.
        self.seconds, self.written, self.stopped = 0.0, 0, None
        #: Copies written to temporary files, oldest first, as ``(file, task ids)``:
        #: each is renamed to ``path`` once its task ids are recorded.
        self._pending = []
        remove_strays(path)  # of writes that a kill cut short, or copies a kill left waiting
        #: Seconds the next snapshot is expected to take (the last one's; at first
        #: measured on a sample, or an estimate for small memory).
        self._cost = FIRST_ESTIMATE_SECONDS + memory_bytes / FIRST_ESTIMATE_BYTES_PER_SECOND
        if memory_bytes > SAMPLE_BYTES:
            begun = time.perf_counter()
            try:
                self._cost = FIRST_ESTIMATE_SECONDS + memory_bytes / measure_copy_rate(path)
            except OSError:
                pass  # the first copy reports why it cannot be written
            self.seconds += time.perf_counter() - begun
        #: States traced by the tasks recorded since the last copy was taken (what a new copy adds).
        self._new_work = 0

    def note_recorded(self, task_id, states_traced=1):
        r"""Task ``task_id`` is recorded in the checkpoint; its walks took ``states_traced`` steps."""
        self.recorded.add(task_id)
        self.segments_left.discard(task_id)
        self._new_work += states_traced

    def offer(self, read, flags=None):
        r"""
        Rename the newest written copy whose tasks are recorded to the snapshot file;
        take a new copy when one is due. ``read()`` gives ``(kind, memory)`` (the
        memory itself, read while the run goes on: an array, or bitmap rows whose
        union is meant) or ``None`` (not visible here); ``flags()`` the tasks' flags
        (:meth:`~sage_lfsr.engine.memory.StateMemory.task_flags`), or ``None`` when the run
        is in this process (a copy between tasks).
        """
        if self.stopped:
            return
        self._publish()
        if len(self._pending) < MOST_PENDING and self._due():
            self._take(read, flags)
            self._publish()

    def close(self):
        r"""At the end of the run: publish the newest copy whose tasks are recorded, remove the others."""
        if not self.stopped:
            self._publish()
        for temporary, _ in self._pending:
            _unlink(temporary)
        self._pending = []

    def _due(self):
        if not self._new_work:
            return False  # no work recorded since the last copy (a resume would redo none)
        # Once every segment task is recorded their marks cover the long cycles, and the
        # bitmap is nearly all ones: a copy reads it and writes next to nothing, some
        # third of the cost of one that writes every block; taken as soon as that fits.
        after_segments = self._after_segments and not self.segments_left
        cost = COST_MARGIN * (self._cost / 3 if after_segments else self._cost)
        if self.seconds + cost > self.share * (time.perf_counter() - self.started_at):
            return False
        self._after_segments = self._after_segments and not after_segments
        return True

    def _take(self, read, flags):
        begun = time.perf_counter()
        recorded = set(self.recorded)
        self._new_work = 0
        before = flags() if flags is not None else None
        marks = read()
        if marks is None:
            self.stopped = "the memory of this run's workers is not visible to the caller"
            return
        kind, memory = marks
        tasks = []

        def header_tasks():  # after the copy: whose marks it may hold, and whose it holds whole
            complete, wait_for = set(recorded), set()
            if before is not None:
                after = flags()
                complete |= set(np.flatnonzero(before >= 2).tolist())  # ended before the copy: all its marks are in it
                wait_for = {task for task in np.flatnonzero((after == 1) | (after == 3)).tolist()
                            if task not in self.segment_tasks} - recorded
            tasks.append(recorded | wait_for)
            return recorded | wait_for, complete

        try:
            temporary = write_snapshot(self.path, kind, memory, header_tasks, self.checkpoint_crc)
        except OSError as error:
            self.stopped = f"writing the memory snapshot {self.path} failed: {error.strerror or error}"
        else:
            self._pending.append((temporary, tasks[0]))
        self._cost = time.perf_counter() - begun
        self.seconds += self._cost

    def _publish(self):
        ready = [index for index, (_, tasks) in enumerate(self._pending) if tasks <= self.recorded]
        if not ready:
            return
        begun = time.perf_counter()
        newest = ready[-1]
        for temporary, _ in self._pending[:newest]:
            _unlink(temporary)  # an older copy: the newest holds all it holds
        try:
            os.replace(self._pending[newest][0], self.path)
        except OSError as error:
            _unlink(self._pending[newest][0])
            self.stopped = f"writing the memory snapshot {self.path} failed: {error.strerror or error}"
        else:
            self.written += 1
        self._pending = self._pending[newest + 1:]
        self.seconds += time.perf_counter() - begun

    def measured(self) -> dict:
        r"""What the run's ``choices`` report about its snapshots."""
        measured = {"memory_snapshots_written": self.written, "memory_snapshot_seconds": round(self.seconds, 4)}
        if self.stopped:
            measured["memory_snapshots_stopped"] = self.stopped
        return measured
