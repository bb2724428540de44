r"""
Work on threads of this process, for compiled kernels that release the GIL:
no process to start and nothing to send, so a run of a fraction of a second
still divides among the cores.

EXAMPLES::

    sage: from contextlib import closing
    sage: from sage_lfsr.common.threads import threaded
    sage: def loop(worker, emit, stop):
    ....:     emit(worker * 10)
    sage: with closing(threaded(3, loop)) as items:
    ....:     sorted(items)
    [0, 10, 20]
"""
from __future__ import annotations

import queue
import threading


class _Failure:
    def __init__(self, error):
        self.error = error


_DONE = object()


def threaded(workers, loop, name="sage-lfsr"):
    r"""
    Run ``loop(worker, emit, stop)`` on ``workers`` threads and yield, in the
    caller's thread, every item they ``emit``. An error in a thread is raised
    here; when the caller stops (an error, Ctrl-C, the generator closed) ``stop``
    (a :class:`threading.Event` the loops check between pieces of work) is set
    and every thread is joined, so none outlives the call by more than the
    piece it was on. Use it under :func:`contextlib.closing`.
    """
    results, stop = queue.Queue(), threading.Event()

    def work(worker):
        try:
            loop(worker, results.put, stop)
        except BaseException as error:  # noqa: B036 -- raised again in the caller's thread
            results.put(_Failure(error))
        finally:
            results.put(_DONE)

    threads = [threading.Thread(target=work, args=(k,), name=f"{name}-{k}", daemon=True) for k in range(workers)]
    for thread in threads:
        thread.start()
    try:
        running = workers
        while running:
            item = results.get()
            if item is _DONE:
                running -= 1
            elif isinstance(item, _Failure):
                raise item.error
            else:
                yield item
    finally:
        stop.set()
        for thread in threads:
            thread.join()
