r"""
Handing large arrays from a worker to the caller through a file in
``/dev/shm`` instead of the results pipe.

A pipe costs the caller a copy in and out of the kernel for every byte, in
64 KiB pieces, one worker's message after the other: about 0.12 s for the 46
MiB of cycles that 16 workers send for x^28+1 on a loaded 2-core machine. Here
the worker writes its arrays into a file in shared memory (in parallel with
the other workers) and sends only the file's name; the caller maps the file
(no copy) and removes its name at once, so the memory goes when the last
array over it does.

Files are named like the run's shared memory (:mod:`~sage_lfsr.engine.memory`),
``sage_lfsr_<worker pid>_<random>``: a file whose worker died before the
caller took it is removed by the next run's
:func:`~sage_lfsr.engine.memory.sweep_stale_segments`. Where a file cannot be written
(no ``/dev/shm``, no space: the write fails, never a SIGBUS), :func:`hand_over`
returns ``None`` and the arrays travel in the message.
"""
from __future__ import annotations

import mmap
import os
import secrets

import numpy as np

from sage_lfsr.engine.memory import SEGMENT_PREFIX, SHM_DIRECTORY

#: Each array starts at a multiple of this many bytes in the file (aligned for any dtype).
ALIGNMENT = 64


def hand_over(arrays, directory=SHM_DIRECTORY):
    r"""
    Write ``arrays`` (one-dimensional numpy arrays) into a new file in
    ``directory``; return what :func:`take_over` needs to map them, or ``None``
    where the file cannot be written.

    EXAMPLES::

        sage: import numpy as np, os, tempfile
        sage: from sage_lfsr.engine.handoff import hand_over, take_over
        sage: directory = tempfile.mkdtemp()
        sage: sent = hand_over([np.arange(5, dtype=np.uint32), np.array([7, 8], dtype=np.int64)], directory)
        sage: len(os.listdir(directory))
        1
        sage: [array.tolist() for array in take_over(sent, directory)], os.listdir(directory)
        ([[0, 1, 2, 3, 4], [7, 8]], [])
        sage: hand_over([np.arange(3)], os.path.join(directory, "missing")) is None
        True
    """
    name = f"{SEGMENT_PREFIX}{os.getpid()}_{secrets.token_hex(6)}"
    path = os.path.join(directory, name)
    layout = []
    try:
        descriptor = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    except OSError:
        return None
    try:
        with os.fdopen(descriptor, "wb") as file:
            for array in arrays:
                array = np.ascontiguousarray(array)
                file.write(bytes(-file.tell() % ALIGNMENT))
                layout.append((array.dtype.str, len(array), file.tell()))
                file.write(memoryview(array).cast("B"))
    except OSError:
        _remove(path)
        return None
    return name, tuple(layout)


def take_over(sent, directory=SHM_DIRECTORY):
    r"""
    The arrays written by :func:`hand_over` (``sent``: what it returned),
    mapped copy-on-write from the file, whose name is removed.
    """
    name, layout = sent
    path = os.path.join(directory, name)
    descriptor = os.open(path, os.O_RDONLY)
    try:
        _remove(path)
        size = os.fstat(descriptor).st_size
        buffer = mmap.mmap(descriptor, size, access=mmap.ACCESS_COPY) if size else bytearray()
    finally:
        os.close(descriptor)
    return [np.frombuffer(buffer, dtype, length, offset) if length else np.empty(0, dtype)
            for dtype, length, offset in layout]


def _remove(path):
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
