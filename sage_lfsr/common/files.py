r"""
Writing result files safely: the path checked before any work, the content
written to a temporary file beside it and renamed over it, so a full disk or a
kill mid-write leaves the previous file (or none), never a truncated one.

Only regular files are replaced. A symbolic link is followed: its target is
replaced and the link kept. A descriptor of this process (``/dev/stdout``,
``/dev/fd/3``, ``/proc/self/fd/1``), a character device or a FIFO (``/dev/null``,
a pipe) is written through, never replaced: ``--output /dev/stdout >> log``
appends to ``log``; anything else that
is not a regular file (a directory, a socket, a block device) is refused in one
line, and so is any path that is not a regular file where the package keeps
state it reads back (checkpoints, snapshots: :func:`check_regular`).
"""
from __future__ import annotations

import errno
import fcntl
import os
import re
import stat
import tempfile

from sage_lfsr.common.limits import shorten

#: What a path that is not a regular file is, by the ``S_IS*`` test of its mode.
_KINDS = ((stat.S_ISDIR, "a directory"), (stat.S_ISCHR, "a character device"), (stat.S_ISFIFO, "a FIFO"),
          (stat.S_ISSOCK, "a socket"), (stat.S_ISBLK, "a block device"))
#: Kinds that are written through (opened and written, never renamed over).
STREAM_KINDS = ("a character device", "a FIFO")


def file_kind(path):
    r"""
    ``None`` when ``path`` (a symbolic link followed) is missing or a regular
    file, else what it is (``"a character device"``, ``"a FIFO"``, ...).

    EXAMPLES::

        sage: import os, tempfile
        sage: from sage_lfsr.common.files import file_kind
        sage: file_kind(os.devnull), file_kind(tempfile.mkdtemp()), file_kind("/nonexistent/file")
        ('a character device', 'a directory', None)
    """
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return None
    if stat.S_ISREG(mode):
        return None
    return next((kind for test, kind in _KINDS if test(mode)), "not a regular file")


#: A path that names a descriptor of this process: ``/dev/fd/N``, ``/proc/self/fd/N``, ``/proc/<this pid>/fd/N``.
_DESCRIPTOR_PATH = re.compile(r"/(?:dev/fd|proc/(?:self|thread-self|(?P<pid>\d+))/fd)/(?P<number>\d+)")


def own_descriptor(path):
    r"""
    The number of the descriptor of this process that ``path`` names, through
    any symbolic links (``/dev/stdout`` is ``1``), or ``None``.

    EXAMPLES::

        sage: import os, tempfile
        sage: from sage_lfsr.common.files import own_descriptor
        sage: own_descriptor("/dev/stdout"), own_descriptor("/dev/fd/2"), own_descriptor(tempfile.mkdtemp())
        (1, 2, None)
    """
    current = os.path.abspath(os.fspath(path))
    for _ in range(40):  # the kernel's own limit on links followed
        match = _DESCRIPTOR_PATH.fullmatch(current)
        if match:
            if match["pid"] is not None and int(match["pid"]) != os.getpid():
                return None
            return int(match["number"])
        if not os.path.islink(current):
            return None
        current = os.path.normpath(os.path.join(os.path.dirname(current), os.readlink(current)))
    return None


def check_descriptor(path, number, what):
    r"""Raise :class:`ValueError` (one line) unless descriptor ``number`` is open for writing."""
    try:
        mode = fcntl.fcntl(number, fcntl.F_GETFL) & os.O_ACCMODE
    except OSError:
        raise ValueError(f"cannot write the {what} {short_path(path)}: descriptor {number} is not open") from None
    if mode not in (os.O_WRONLY, os.O_RDWR):
        raise ValueError(f"cannot write the {what} {short_path(path)}: descriptor {number} is open for reading only")


def check_regular(path, what="checkpoint file"):
    r"""
    Raise :class:`ValueError` (one line) unless ``path`` is missing or a regular
    file (a symbolic link followed): what the package reads back must not be a
    device that never ends (``/dev/zero``) or a FIFO that blocks.

    EXAMPLES::

        sage: import os
        sage: from sage_lfsr.common.files import check_regular
        sage: check_regular(os.devnull)
        Traceback (most recent call last):
        ...
        ValueError: cannot use /dev/null as the checkpoint file: it is a character device, not a regular file
    """
    if own_descriptor(path) is not None:
        raise ValueError(f"cannot use {short_path(path)} as the {what}: it is a descriptor of this process, "
                         "not a regular file")
    kind = file_kind(path)
    if kind is not None:
        raise ValueError(f"cannot use {short_path(path)} as the {what}: it is {kind}, not a regular file")


#: Files this process holds locked (:func:`open_locked`); a forked child closes its copies.
_LOCKED = set()


def open_locked(path, mode="rb"):
    r"""
    ``path`` opened and locked (``flock``, exclusive, not waited for): the open file,
    or ``None`` when another open file holds the lock (another run, in this process
    or another). :func:`release` unlocks it. A process forked meanwhile (a worker)
    closes its copy at once, so the lock ends with :func:`release`, not with the
    last worker.

    EXAMPLES::

        sage: import os, tempfile
        sage: from sage_lfsr.common.files import open_locked, release
        sage: path = os.path.join(tempfile.mkdtemp(), "checkpoint")
        sage: first = open_locked(path, "a+b")
        sage: open_locked(path) is None
        True
        sage: release(first); second = open_locked(path); second is not None
        True
        sage: release(second)
    """
    stream = open(path, mode)  # noqa: SIM115 -- held until release()
    try:
        fcntl.flock(stream.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        stream.close()
        return None
    except BaseException:
        stream.close()
        raise
    _LOCKED.add(stream)
    return stream


def release(stream):
    r"""Close a file of :func:`open_locked`, ending its lock."""
    _LOCKED.discard(stream)
    stream.close()


def _close_locked_in_child():
    for stream in list(_LOCKED):
        try:
            stream.close()  # written through at once by its owner: nothing buffered to write twice
        except OSError:
            pass
    _LOCKED.clear()


os.register_at_fork(after_in_child=_close_locked_in_child)


def short_path(path, limit=200):
    r"""``path`` as text, cut in the middle beyond ``limit`` characters (for one-line messages)."""
    return shorten(os.fspath(path), limit)


def same_file(first, second) -> bool:
    r"""
    Whether two paths name one file: the same file once links are followed, or
    the same place when neither exists yet.

    EXAMPLES::

        sage: import os, tempfile
        sage: from sage_lfsr.common.files import same_file
        sage: directory = tempfile.mkdtemp()
        sage: same_file(os.path.join(directory, "a"), os.path.join(directory, ".", "a"))
        True
        sage: same_file(os.path.join(directory, "a"), os.path.join(directory, "b"))
        False
    """
    try:
        return os.path.samefile(first, second)
    except OSError:
        return os.path.realpath(first) == os.path.realpath(second)


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
    number = own_descriptor(path)
    if number is not None:
        check_descriptor(path, number, what)
        return
    kind = file_kind(path)
    if kind in STREAM_KINDS:
        if not os.access(path, os.W_OK):
            raise ValueError(f"cannot write the {what} {short_path(path)}: it is {kind} that is not writable")
        return
    directory = os.path.dirname(os.path.realpath(path))
    problem = None
    if kind is not None:
        problem = f"it is {kind}"
    elif not os.path.isdir(directory):
        problem = f"the directory {directory} does not exist"
    elif not os.access(directory, os.W_OK | os.X_OK):
        problem = f"the directory {directory} is not writable"
    elif os.path.exists(path) and not os.access(path, os.W_OK):
        problem = "it is not writable"
    if problem:
        raise ValueError(f"cannot write the {what} {short_path(path)}: {problem}")


def write_atomically(path, data, sync=False):
    r"""
    Write ``data`` (``str`` as UTF-8, or ``bytes``) to ``path`` through a temporary
    file in the same directory (``.NAME.sage-lfsr-PID-XXXX.tmp``) and :func:`os.replace`; on
    any error the temporary file is removed and ``path`` is untouched; one left by a
    process killed mid-write is removed by the next write to ``path``
    (:func:`remove_stale_temporaries`). ``sync``: ``fsync`` the file and its
    directory (durable across a power cut). A symbolic link's target is replaced
    (the link kept); a character device or a FIFO is written through.

    EXAMPLES::

        sage: import os, tempfile
        sage: from sage_lfsr.common.files import write_atomically
        sage: directory = tempfile.mkdtemp(); path = os.path.join(directory, "a.txt")
        sage: write_atomically(path, "one"); write_atomically(path, b"two")
        sage: open(path).read(), os.listdir(directory)
        ('two', ['a.txt'])
        sage: os.symlink(path, os.path.join(directory, "link")); write_atomically(os.path.join(directory, "link"), "three")
        sage: open(path).read(), os.path.islink(os.path.join(directory, "link"))
        ('three', True)
        sage: from sage_lfsr.common.files import file_kind
        sage: fifo = os.path.join(directory, "fifo"); os.mkfifo(fifo)
        sage: write_atomically(fifo, "nobody reads")
        Traceback (most recent call last):
        ...
        ValueError: cannot write .../fifo: it is a FIFO that no process reads
        sage: reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
        sage: write_atomically(fifo, "through"); os.read(reader, 100), file_kind(fifo)
        (b'through', 'a FIFO')
        sage: os.close(reader)
    """
    path = os.fspath(path)
    check_writable(path, "file")
    payload = data.encode("utf-8") if isinstance(data, str) else data
    number = own_descriptor(path)
    if number is not None:
        write_to_descriptor(number, payload)
        return
    if file_kind(path) in STREAM_KINDS:
        write_through(path, payload)
        return
    path = os.path.realpath(path)
    directory = os.path.dirname(path)
    remove_stale_temporaries(path)
    descriptor, temporary = tempfile.mkstemp(dir=directory, prefix=_temporary_prefix(path) + f"{os.getpid()}-",
                                             suffix=".tmp")
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


def _temporary_prefix(path) -> str:
    return f".{os.path.basename(path)}.sage-lfsr-"


def remove_stale_temporaries(path) -> list:
    r"""
    Remove the temporary files :func:`write_atomically` left beside ``path`` when
    killed mid-write (``.NAME.sage-lfsr-PID-XXXX.tmp`` whose process ``PID`` is
    gone); the names removed.

    EXAMPLES::

        sage: import os, tempfile
        sage: from sage_lfsr.common.files import remove_stale_temporaries
        sage: directory = tempfile.mkdtemp(); path = os.path.join(directory, "map.json")
        sage: for pid in (os.getpid(), 2**22 + 1):  # this process's and one no process has
        ....:     open(os.path.join(directory, f".map.json.sage-lfsr-{pid}-x1y2.tmp"), "w").close()
        sage: [name.split("-")[2] for name in remove_stale_temporaries(path)], len(os.listdir(directory))
        (['4194305'], 1)
    """
    prefix = _temporary_prefix(path)
    pattern = re.compile(re.escape(prefix) + r"(\d+)-\w+\.tmp")

    def owner(name):
        match = pattern.fullmatch(name)
        return int(match[1]) if match else None

    return remove_files_of_dead_processes(os.path.dirname(os.path.abspath(path)), owner)


def remove_files_of_dead_processes(directory, owner) -> list:
    r"""
    Remove the files of ``directory`` whose name ``owner(name)`` maps to the id of a
    process that has ended (``None``: not a file of this kind); the names removed.
    """
    removed = []
    try:
        names = os.listdir(directory)
    except OSError:
        return removed
    for name in names:
        pid = owner(name)
        if pid is None or pid_alive(pid):
            continue
        try:
            os.unlink(os.path.join(directory, name))
            removed.append(name)
        except OSError:
            pass
    return removed


def pid_alive(pid: int) -> bool:
    r"""Whether a process ``pid`` exists (a zombie counts as alive; so does one we may not signal)."""
    try:
        os.kill(pid, 0)
    except (ProcessLookupError, OverflowError):
        return False
    except PermissionError:
        return True
    return True


def write_through(path, payload):
    r"""
    Write ``payload`` to a character device or a FIFO as it is (no temporary file,
    no rename); a FIFO that nothing reads is refused instead of waited on.
    """
    flags = os.O_WRONLY | (os.O_NONBLOCK if file_kind(path) == "a FIFO" else 0)
    try:
        descriptor = os.open(path, flags)
    except OSError as error:
        if error.errno == errno.ENXIO:
            raise ValueError(f"cannot write {short_path(path)}: it is a FIFO that no process reads") from None
        raise
    os.set_blocking(descriptor, True)
    with os.fdopen(descriptor, "wb") as stream:
        stream.write(payload)


def write_to_descriptor(number, payload):
    r"""
    Write ``payload`` to this process's open descriptor ``number`` itself (not a
    fresh open of its file), so the shell's redirection holds: ``>>`` appends,
    and what the process prints to the same descriptor stays in order.
    """
    import sys

    for stream in (sys.stdout, sys.stderr):
        try:
            if stream is not None and stream.fileno() == number:
                stream.flush()
        except (AttributeError, OSError, ValueError):  # a replaced stream without a descriptor
            pass
    view = memoryview(payload)
    while view:
        view = view[os.write(number, view):]


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
