r"""
Library calls that Ctrl-C can stop: a long call into NTL, FLINT or PARI runs in a forked child
process, and the caller waits for its answer in short slices, so a signal is honoured within
:data:`POLL_SECONDS` and the child is killed (nothing keeps running after an interrupt).

A compiled library call holds the interpreter until it returns: Python's own signal handler
runs only after it (NTL's ``MinPolySeq`` on `10^7` bits takes about 5 s, FLINT's
``minpoly`` over `GF(3)` about 10 s for `2 \times 10^6` terms, PARI's half-gcd over `GF(9)` a
minute for `10^6`). A forked child costs a few tens of milliseconds, so only calls expected to
take longer than :data:`CHILD_ABOVE_SECONDS` go there; shorter ones run in place. The child dies
with the caller (even a caller killed by SIGKILL) and may grow PARI's stack to
:data:`PARI_STACK_MAX_BYTES` (the default maximum, 1 GB, overflows at `10^6` terms over `GF(9)`),
without changing the caller's PARI.

EXAMPLES::

    sage: from sage_lfsr.theory.library_calls import interruptible
    sage: interruptible(sum, [1, 2, 3], expected_seconds=10)
    6
    sage: interruptible(int, "x", expected_seconds=10)
    Traceback (most recent call last):
    ...
    ValueError: invalid literal for int() with base 10: 'x'
"""
from __future__ import annotations

import os
import pickle
import select
import signal
import threading

from sage_lfsr.common.parent import die_with_parent

#: Calls expected to take longer than this run in a child process (a fork costs 10-50 ms).
CHILD_ABOVE_SECONDS = 0.5
#: Longest wait between two looks at a pending signal.
POLL_SECONDS = 0.05
#: Largest PARI stack the child may grow to (PARI grows it by doubling, up to this).
PARI_STACK_MAX_BYTES = 4 << 30


def interruptible(function, *arguments, expected_seconds=0.0, signals=None, pari=False):
    r"""
    ``function(*arguments)``, in a forked child when it is expected to take more than
    :data:`CHILD_ABOVE_SECONDS`, so that a signal stops it at once.

    INPUT:

    - ``function``, ``arguments`` -- the call; its result and any error must pickle
    - ``expected_seconds`` -- the caller's estimate of the call's time
    - ``signals`` -- a :class:`~sage_lfsr.common.compiled.DeferredSignals` in force (its
      :meth:`check` passes a signal on); without one, Python's handlers act directly
    - ``pari`` -- whether the call uses PARI (the child's PARI stack may then grow to
      :data:`PARI_STACK_MAX_BYTES`)

    OUTPUT: the call's result; its error is raised here
    """
    # only the main thread gets signals, and PARI's state in a child forked from another thread
    # crashes (see sage_lfsr.theory.prediction._factor_in_child): elsewhere the call runs in place
    if (expected_seconds <= CHILD_ABOVE_SECONDS or not hasattr(os, "fork")
            or threading.current_thread() is not threading.main_thread()):
        return function(*arguments)
    read_end, write_end = os.pipe()
    parent = os.getpid()
    child = os.fork()
    if child == 0:  # pragma: no cover - runs in the child, which never returns
        die_with_parent(parent)
        _run_child(read_end, write_end, function, arguments, pari)
    os.close(write_end)
    finished = False
    try:
        data = _read_all(read_end, signals)
        finished = True
    finally:
        os.close(read_end)
        if not finished:
            _kill(child)
        else:
            os.waitpid(child, 0)
    if not data:
        raise RuntimeError(f"the library call {getattr(function, '__name__', function)} ended without an answer "
                           "(its process was killed)")
    failed, value = pickle.loads(data)
    if failed:
        raise value
    return value


def _read_all(descriptor, signals):
    chunks = []
    while True:
        if signals is not None:
            signals.check()
        ready, _, _ = select.select([descriptor], [], [], POLL_SECONDS)
        if not ready:
            continue
        chunk = os.read(descriptor, 1 << 20)
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)


def _kill(child):
    try:
        os.kill(child, signal.SIGKILL)
    except ProcessLookupError:  # pragma: no cover - it ended meanwhile
        pass
    os.waitpid(child, 0)


def _run_child(read_end, write_end, function, arguments, pari):  # pragma: no cover - the child
    status = 0
    try:
        os.close(read_end)
        for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(signum, signal.SIG_DFL)
        if pari:
            _grow_pari_stack()
        try:
            answer = (False, function(*arguments))
        except Exception as error:  # noqa: BLE001 - handed to the caller
            answer = (True, error)
        try:
            data = pickle.dumps(answer, protocol=pickle.HIGHEST_PROTOCOL)
        except Exception as error:  # noqa: BLE001
            data = pickle.dumps((True, RuntimeError(f"the library call's answer does not pickle: {error}")))
        view = memoryview(data)
        while view:
            view = view[os.write(write_end, view):]
    except BaseException:
        status = 1
    finally:
        os._exit(status)


def _grow_pari_stack():  # pragma: no cover - the child
    from sage.libs.pari import pari

    if pari.stacksizemax() < PARI_STACK_MAX_BYTES:
        pari.allocatemem(pari.stacksize(), PARI_STACK_MAX_BYTES, silent=True)
