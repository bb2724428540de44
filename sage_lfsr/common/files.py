r"""
Writing result files safely: the path checked before any work, the content
written to a temporary file beside it and renamed over it, so a full disk or a
kill mid-write leaves the previous file (or none), never a truncated one.
"""
from __future__ import annotations

import os
import tempfile


def check_writable(path, what="output file"):
    r"""
    Raise :class:`ValueError` (one line) unless ``path`` can be written: its
    directory exists and is writable, and ``path`` is not a directory or a
    read-only file. Creates nothing.

    EXAMPLES::

        sage: import os, tempfile
        sage: from sage_lfsr.common.files import check_writable
        sage: check_writable(os.path.join(tempfile.mkdtemp(), "map.json"))
        sage: check_writable("/nonexistent/map.json")
        Traceback (most recent call last):
        ...
        ValueError: cannot write the output file /nonexistent/map.json: the directory /nonexistent does not exist
        sage: check_writable("")
        Traceback (most recent call last):
        ...
        ValueError: the output file name is empty
    """
    path = os.fspath(path)
    if not path:
        raise ValueError(f"the {what} name is empty")
    directory = os.path.dirname(os.path.abspath(path))
    problem = None
    if os.path.isdir(path):
        problem = "it is a directory"
    elif not os.path.isdir(directory):
        problem = f"the directory {directory} does not exist"
    elif not os.access(directory, os.W_OK | os.X_OK):
        problem = f"the directory {directory} is not writable"
    elif os.path.exists(path) and not os.access(path, os.W_OK):
        problem = "it is not writable"
    if problem:
        raise ValueError(f"cannot write the {what} {path}: {problem}")


def write_atomically(path, data, sync=False):
    r"""
    Write ``data`` (``str`` as UTF-8, or ``bytes``) to ``path`` through a temporary
    file in the same directory and :func:`os.replace`; on any error the temporary
    file is removed and ``path`` is untouched. ``sync``: ``fsync`` the file and its
    directory (durable across a power cut).

    EXAMPLES::

        sage: import os, tempfile
        sage: from sage_lfsr.common.files import write_atomically
        sage: directory = tempfile.mkdtemp(); path = os.path.join(directory, "a.txt")
        sage: write_atomically(path, "one"); write_atomically(path, b"two")
        sage: open(path).read(), os.listdir(directory)
        ('two', ['a.txt'])
    """
    path = os.fspath(path)
    check_writable(path, "file")
    directory = os.path.dirname(os.path.abspath(path))
    payload = data.encode("utf-8") if isinstance(data, str) else data
    descriptor, temporary = tempfile.mkstemp(dir=directory, prefix=f".{os.path.basename(path)}.", suffix=".tmp")
    try:
        with os.fdopen(descriptor, "wb") as stream:
            stream.write(payload)
            stream.flush()
            if sync:
                os.fsync(stream.fileno())
        os.chmod(temporary, file_mode(path))
        os.replace(temporary, path)
    except BaseException:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        raise
    if sync:
        sync_directory(directory)


def file_mode(path):
    r"""The mode of the file being replaced, or what a new file would get (0o666 less the umask)."""
    try:
        return os.stat(path).st_mode & 0o7777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def sync_directory(directory):
    r"""``fsync`` a directory, so a rename in it survives a power cut (where the platform allows)."""
    try:
        descriptor = os.open(directory, os.O_RDONLY)
    except OSError:  # pragma: no cover - platforms without directory descriptors
        return
    try:
        os.fsync(descriptor)
    except OSError:  # pragma: no cover
        pass
    finally:
        os.close(descriptor)
