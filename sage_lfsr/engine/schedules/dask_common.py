r"""
What the two Dask modes share (:mod:`~sage_lfsr.engine.schedules.dask_cluster`, the
shared-memory and private modes, and :mod:`~sage_lfsr.engine.schedules.dask_owned`, the
owned mode): the state each worker process keeps per run and per job, its release
when a run ends, how tasks are grouped into Dask tasks, and the waiting constants.
"""
import collections
import threading

import numpy as np

#: Seconds between checks for cancellation while waiting for results.
POLL_SECONDS = 0.1
#: Seconds to fetch a finished task's result before its handle is renewed.
RESULT_TIMEOUT_SECONDS = 30
#: Extra tries Dask gives a task that raised (a lost worker is handled separately,
#: by the scheduler's ``allowed-failures``).
TASK_RETRIES = 2

#: ``(run id, process id) -> (kernel, worker arrays, memory)`` in each worker process.
RUN_STATE = {}
#: ``job key -> kernel`` in each worker process, kept across runs (the ``sage`` kernel
#: rebuilds its register, the ``fast`` one may compile): the most recent :data:`KERNELS_KEPT`.
KERNELS = {}
KERNELS_KEPT = 8
NO_CYCLES = np.empty((0, 2), dtype=np.int64)
NO_SEGMENTS = np.empty((0, 4), dtype=np.int64)
NO_DEPTHS = np.zeros(0, dtype=np.int64)
RUN_STATE_LOCK = threading.Lock()
#: Runs that have ended in this process: a task of theirs still queued here builds nothing.
ENDED_RUNS = collections.deque(maxlen=1024)


class TaskFailed(Exception):
    r"""A task of a group raised: ``args`` are its task id and the error in one line."""


def cached_kernel(job_key, job):
    r"""The kernel of ``job`` in this worker process, built once per job and kept across runs."""
    with RUN_STATE_LOCK:
        kernel = KERNELS.pop(job_key, None)
        if kernel is None:
            kernel = job.kernel()
            if hasattr(kernel, "warm_up"):  # every traversal compiled now, once per step kind in this process
                kernel.warm_up()
        KERNELS[job_key] = kernel  # most recently used last
        while len(KERNELS) > KERNELS_KEPT:
            KERNELS.pop(next(iter(KERNELS)))
        return kernel


def release_run(run_id):
    r"""Drop the cached kernel and memory of run ``run_id`` in this process; return how many."""
    with RUN_STATE_LOCK:
        ENDED_RUNS.append(run_id)
        keys = [key for key in RUN_STATE if key[0] == run_id]
        for key in keys:
            _kernel, _arrays, memory = RUN_STATE.pop(key)
            del _arrays
            memory.release()  # a shared segment is only closed here; the caller unlinks it
    return len(keys)


def task_groups(tasks, workers):
    r"""
    ``tasks`` cut into groups of consecutive tasks that one Dask task runs, largest
    first (guided self-scheduling: a group is an ``1 / (2 W)`` share of the tasks
    left), so a phase costs a few round trips per worker instead of one per task
    while the last groups, single tasks, still even out the load.

    EXAMPLES::

        sage: from sage_lfsr.engine.schedules.dask_common import task_groups
        sage: [len(group) for group in task_groups(list(range(32)), 2)]
        [8, 6, 5, 4, 3, 2, 1, 1, 1, 1]
        sage: [len(group) for group in task_groups(list(range(3)), 2)]
        [1, 1, 1]
    """
    groups, position = [], 0
    while position < len(tasks):
        size = max(1, -(-(len(tasks) - position) // (2 * workers)))
        groups.append(tuple(tasks[position:position + size]))
        position += size
    return groups
