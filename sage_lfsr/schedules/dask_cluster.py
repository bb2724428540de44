r"""
``"dask"``: the same tasks on a Dask distributed cluster, one machine or many.

::

    parent (map_cycles)                       Dask worker process (any machine)
    -------------------                       ---------------------------------
    Client(scheduler_address) or a LocalCluster
    submit(run_task, spec, task) per task --> run_task (a coroutine: the main thread):
      (pure=False, retries)                    the run's (kernel, StateMemory) from a
                                               module-level cache, built on the first
                                               task (job.kernel(): the fast kernel
                                               reads the tables, the sage kernel
                                               rebuilds the register from its key)
    wait(FIRST_COMPLETED) <------------------- (worker name, TaskResult)
      on_result, progress; worker name -> index 0..W-1
    client.run(release_run) on every worker: drop the run's cache entries

Each worker process keeps one private :class:`~sage_lfsr.memory.StateMemory`
(layout ``"private"``) per run, so its visited bitmap persists across its tasks as
with ``registry="manager"``; walks of other workers are not seen, which costs
only redundant work (:func:`~sage_lfsr.assembly.assemble` drops duplicate
cycles). When a worker dies, Dask recomputes its tasks on the others (a
restarted worker starts with fresh memory); the map is the same.

Without a scheduler address a ``LocalCluster`` of ``workers`` processes with
one thread each is started and closed around the run. Load records use the
worker's name when it is an index ``0..W-1`` (a ``LocalCluster`` names its
workers so, and a restarted worker keeps its name), otherwise workers are
numbered in the order of their names.
"""
from __future__ import annotations

import collections
import os
import threading
import time
import uuid
from dataclasses import replace

from sage_lfsr.errors import MappingCancelled, WorkerError
from sage_lfsr.schedules.base import RunRecord, Schedule, register

try:
    import distributed
except ImportError:  # the schedule stays listed and says what to install when it is used
    distributed = None

#: Seconds between checks for cancellation while waiting for results.
POLL_SECONDS = 0.1
#: Seconds to fetch a finished task's result before its handle is renewed.
RESULT_TIMEOUT_SECONDS = 30
#: Extra tries Dask gives a task that raised (a lost worker is handled separately,
#: by the scheduler's ``allowed-failures``).
TASK_RETRIES = 2

#: ``(run id, process id) -> (kernel, worker arrays)`` in each worker process.
_RUN_STATE = {}
_RUN_STATE_LOCK = threading.Lock()
#: Runs that have ended in this process: a task of theirs still queued here builds nothing.
_ENDED_RUNS = collections.deque(maxlen=1024)


def _run_state(run_id, job):
    with _RUN_STATE_LOCK:
        if run_id in _ENDED_RUNS:
            raise MappingCancelled(f"run {run_id} has ended")
        key = (run_id, os.getpid())
        if key not in _RUN_STATE:
            _RUN_STATE[key] = (job.kernel(), job.memory().for_worker(0))
        return _RUN_STATE[key]


async def run_task(run_id, job, task, wall_zero):
    r"""
    Run ``task`` of ``job`` in this Dask worker; return ``(worker name, TaskResult)``.

    The kernel and the per-state memory of the run are built on the first task
    the process gets and kept for its later tasks. A coroutine, so the worker
    runs it on its event loop, in the process's main thread: PARI (finite fields
    of order ``p^m``, the ``sage`` kernel) crashes on other threads, and Sage's
    BLAS, first loaded on a task thread, crashes the process when it exits. The
    loop is blocked while a task runs, so keep tasks to seconds (the batch size).
    """
    kernel, arrays = _run_state(run_id, job)
    clock_zero = time.perf_counter() - (time.time() - wall_zero)
    result = job.execute(kernel, arrays, task, -1, clock_zero)  # no await: one task at a time
    return str(distributed.get_worker().name), result


def release_run(run_id):
    r"""Drop the cached kernel and memory of run ``run_id`` in this process; return how many."""
    with _RUN_STATE_LOCK:
        _ENDED_RUNS.append(run_id)
        keys = [key for key in _RUN_STATE if key[0] == run_id]
        for key in keys:
            del _RUN_STATE[key]
    return len(keys)


def worker_indices(names, workers):
    r"""
    Index ``0..W-1`` for each Dask worker name: names that are such indices keep
    them, the others are numbered in sorted order after them.

    EXAMPLES::

        sage: from sage_lfsr.schedules.dask_cluster import worker_indices
        sage: worker_indices(["1", "0"], 2)
        {'0': 0, '1': 1}
        sage: worker_indices(["tcp://10.0.0.2:4000", "tcp://10.0.0.1:4000"], 2)
        {'tcp://10.0.0.1:4000': 0, 'tcp://10.0.0.2:4000': 1}
        sage: worker_indices(["0", "node-b", "node-a"], 3)
        {'0': 0, 'node-a': 1, 'node-b': 2}
    """
    indices = {name: int(name) for name in names if name.isdigit() and int(name) < workers}
    taken = set(indices.values())
    free = (index for index in range(10 ** 9) if index not in taken)
    for name in sorted(set(names) - set(indices)):
        indices[name] = next(free)
    return indices


class _ClusterClient:
    r"""A client of the cluster at ``address``, or of a LocalCluster it starts and closes."""

    def __init__(self, address, workers):
        self.address, self.workers = address, workers
        self.cluster = self.client = None

    def __enter__(self):
        if self.address:
            self.client = distributed.Client(self.address)
            return self.client
        self.cluster = distributed.LocalCluster(n_workers=self.workers, threads_per_worker=1, processes=True,
                                                dashboard_address=":0", worker_dashboard_address=None,
                                                host="127.0.0.1")
        try:
            self.client = distributed.Client(self.cluster)
        except BaseException:
            self.cluster.close()
            raise
        return self.client

    def __exit__(self, *exc_info):
        if self.client is not None:
            self.client.close()
        if self.cluster is not None:
            self.cluster.close()


@register
class DaskSchedule(Schedule):
    name = "dask"
    description = "tasks on a Dask distributed cluster (a LocalCluster without an address)"
    runs_workers_here = False

    def run(self, job, options):
        if distributed is None:
            raise ImportError("schedule 'dask' needs Dask's distributed package: pip install 'dask[distributed]'")
        started = time.perf_counter()
        with _ClusterClient(options.scheduler_address, options.workers) as client:
            start_seconds = time.perf_counter() - started
            run_id = uuid.uuid4().hex
            try:
                record = self._run(client, run_id, job, options)
                record.measured["dask_start_seconds"] = start_seconds
                return record
            finally:
                try:
                    client.run(release_run, run_id)
                except Exception:  # pragma: no cover - a worker gone at the end keeps nothing
                    pass

    def _run(self, client, run_id, job, options):
        names = [str(info.get("name", address)) for address, info in client.scheduler_info()["workers"].items()]
        indices = worker_indices(names, options.workers)
        spec = client.scatter(replace(job, tasks=()), broadcast=True, hash=False)
        wall_zero, clock_zero = time.time(), time.perf_counter()
        pending = {client.submit(run_task, run_id, spec, task, wall_zero, pure=False, retries=TASK_RETRIES,
                                 key=f"sage_lfsr-{run_id}-{task.task_id}"): task
                   for task in job.tasks}
        total = sum(task.size for task in job.tasks)
        collected, done_states = [], 0
        while pending:
            if options.cancel is not None and options.cancel.is_set():
                client.cancel(list(pending))
                raise MappingCancelled("the run was cancelled")
            try:
                finished = distributed.wait(list(pending), timeout=POLL_SECONDS, return_when="FIRST_COMPLETED").done
            except distributed.TimeoutError:
                continue
            for future in finished:
                task = pending.pop(future)
                outcome = self._outcome(future, task)
                if outcome is None:  # lost with its worker: Dask recomputes it, wait on a new handle
                    pending[distributed.Future(future.key, client)] = task
                    future.release()
                    continue
                name, result = outcome
                future.release()
                if name not in indices:  # a worker that joined during the run
                    indices[name] = max(indices.values(), default=-1) + 1
                result.worker = indices[name]
                collected.append(result)
                if options.on_result is not None:
                    options.on_result(result)
                done_states += task.size
                if options.progress is not None:
                    options.progress(done_states, total)
        waiting = {index: 0.0 for index in set(indices.values())}
        return RunRecord(collected, waiting, None, time.perf_counter() - clock_zero)

    @staticmethod
    def _outcome(future, task):
        r"""``(worker name, TaskResult)``, or ``None`` when the result was lost with its worker."""
        try:
            if future.status != "error":
                return future.result(timeout=RESULT_TIMEOUT_SECONDS)
        except Exception:
            if future.status != "error":
                return None
        error = future.exception()
        raise WorkerError(f"on Dask ({future.key})", task.task_id, f"{type(error).__name__}: {error}") from error
