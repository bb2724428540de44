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

Visited memory: when every worker runs on the caller's machine (a
``LocalCluster``, or workers started there), the caller creates the run's
:class:`~sage_lfsr.memory.StateMemory` in shared memory and each worker
attaches to it by name, so a worker skips what the others traced, as with the
local schedules (``registry="shared"``). Otherwise (workers on other machines,
or ``registry="manager"``) each worker process keeps a private bitmap per run
that persists across its tasks; walks of other workers are not seen, which
costs only redundant work (:func:`~sage_lfsr.assembly.assemble` drops duplicate
cycles). The result's ``choices["dask_memory"]`` says which. When a worker dies, Dask
recomputes its tasks on the others (a restarted worker starts with fresh
memory); the map is the same.

Connecting to ``scheduler_address`` is bounded: the address must answer a
Dask identity request within :func:`connect_timeout` seconds (10 by default;
``dask.config.set({"sage_lfsr.connect-timeout": 30})`` or the environment
variable ``DASK_SAGE_LFSR__CONNECT_TIMEOUT=30``), or the run fails with a
one-line :class:`DaskConnectionError` naming the address, whether it accepts
and never answers, refuses, or is not a Dask scheduler.

Without a scheduler address a ``LocalCluster`` of ``workers`` processes with
one thread each is started and closed around the run. Load records use the
worker's name when it is an index ``0..W-1`` (a ``LocalCluster`` names its
workers so, and a restarted worker keeps its name), otherwise workers are
numbered in the order of their names.
"""
from __future__ import annotations

import asyncio
import collections
import concurrent.futures
import contextlib
import logging
import os
import pickle
import signal
import socket
import sys
import threading
import time
import uuid
import warnings
from dataclasses import replace

from sage_lfsr.errors import MappingCancelled, WorkerError
from sage_lfsr.memory import StateMemory, choose_layout
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

#: Seconds a scheduler gets to answer before the run fails (``sage_lfsr.connect-timeout`` in Dask's config).
CONNECT_TIMEOUT_SECONDS = 10.0

#: ``(run id, process id) -> (kernel, worker arrays, memory)`` in each worker process.
_RUN_STATE = {}
_RUN_STATE_LOCK = threading.Lock()
#: Runs that have ended in this process: a task of theirs still queued here builds nothing.
_ENDED_RUNS = collections.deque(maxlen=1024)


class DaskConnectionError(ConnectionError):
    r"""The scheduler address did not answer as a Dask scheduler in time."""


class DaskStartError(RuntimeError):
    r"""The LocalCluster could not start its workers."""


def connect_timeout():
    r"""
    Seconds to wait for a scheduler: Dask's config key ``sage_lfsr.connect-timeout``, else 10.

    EXAMPLES::

        sage: import dask
        sage: from sage_lfsr.schedules.dask_cluster import connect_timeout
        sage: connect_timeout()
        10.0
        sage: with dask.config.set({"sage_lfsr.connect-timeout": 2.5}):
        ....:     connect_timeout()
        2.5
    """
    import dask

    return float(dask.config.get("sage_lfsr.connect-timeout", CONNECT_TIMEOUT_SECONDS))


async def _identity(address, timeout):
    from distributed.comm import connect

    comm = await connect(address, timeout=timeout)
    try:
        await comm.write({"op": "identity", "reply": True})
        return await comm.read()
    finally:
        comm.abort()


def check_scheduler(address, timeout=None):
    r"""
    Ask ``address`` for its identity; raise :class:`DaskConnectionError` (one line)
    unless a Dask scheduler answers within ``timeout`` seconds.

    It runs on a thread of its own with its own event loop, so it works where
    a loop is already running (Jupyter).
    """
    timeout = connect_timeout() if timeout is None else timeout

    def ask():
        return asyncio.run(asyncio.wait_for(_identity(address, timeout), timeout))

    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        try:
            answer = pool.submit(ask).result()
        except (asyncio.TimeoutError, concurrent.futures.TimeoutError, TimeoutError):
            reason = f"no answer within {timeout:g} s"
        except MemoryError:
            reason = "it answered, but not in Dask's protocol"
        except Exception as error:
            reason = " ".join(f"{type(error).__name__}: {error}".split())
        else:
            if isinstance(answer, dict) and answer.get("type") == "Scheduler":
                return answer
            reason = "it answered, but it is not a Dask scheduler"
    raise DaskConnectionError(f"cannot use the Dask scheduler at {address}: {reason} "
                              f"(timeout {timeout:g} s, config key sage_lfsr.connect-timeout)")


def machine_identity():
    r"""This machine: host name and boot id (two processes with equal identities share memory)."""
    try:
        with open("/proc/sys/kernel/random/boot_id") as boot:
            boot_id = boot.read().strip()
    except OSError:  # pragma: no cover - not Linux
        boot_id = ""
    return socket.gethostname(), boot_id


@contextlib.contextmanager
def _untracked_shared_memory():
    r"""
    Attach to shared memory without the resource tracker: Dask's worker processes
    share one tracker, and on Python < 3.13 each attach registers the segment and
    :class:`~sage_lfsr.memory.SharedArray` unregisters it, so the second worker's
    unregister fails in the tracker. The caller owns (and unlinks) the segment.
    """
    from multiprocessing import resource_tracker

    register, unregister = resource_tracker.register, resource_tracker.unregister
    resource_tracker.register = resource_tracker.unregister = lambda *args: None
    try:
        yield
    finally:
        resource_tracker.register, resource_tracker.unregister = register, unregister


def _run_state(run_id, job, memory_bytes, worker_indices_by_name):
    with _RUN_STATE_LOCK:
        if run_id in _ENDED_RUNS:
            return None
        key = (run_id, os.getpid())
        if key not in _RUN_STATE:
            index = worker_indices_by_name.get(str(distributed.get_worker().name))
            memory = None
            if memory_bytes is not None and index is not None:
                with _untracked_shared_memory():
                    memory = pickle.loads(memory_bytes)
            if memory is None:  # workers elsewhere, or one that joined late
                memory, index = job.memory(), 0
            _RUN_STATE[key] = (job.kernel(), memory.for_worker(index), memory)
        return _RUN_STATE[key][:2]


async def run_task(run_id, job, task, wall_zero, memory_bytes=None, worker_indices_by_name=None):
    r"""
    Run ``task`` of ``job`` in this Dask worker; return ``(worker name, TaskResult)``.

    The kernel and the per-state memory of the run are built on the first task
    the process gets and kept for its later tasks. A coroutine, so the worker
    runs it on its event loop, in the process's main thread: PARI (finite fields
    of order ``p^m``, the ``sage`` kernel) crashes on other threads, and Sage's
    BLAS, first loaded on a task thread, crashes the process when it exits. The
    loop is blocked while a task runs, so keep tasks to seconds (the batch size).
    """
    state = _run_state(run_id, job, memory_bytes, worker_indices_by_name or {})
    if state is None:  # a task of a run that has ended (interrupted, cancelled): nothing to do
        return None
    kernel, arrays = state
    clock_zero = time.perf_counter() - (time.time() - wall_zero)
    result = job.execute(kernel, arrays, task, -1, clock_zero)  # no await: one task at a time
    return str(distributed.get_worker().name), result


def release_run(run_id):
    r"""Drop the cached kernel and memory of run ``run_id`` in this process; return how many."""
    with _RUN_STATE_LOCK:
        _ENDED_RUNS.append(run_id)
        keys = [key for key in _RUN_STATE if key[0] == run_id]
        for key in keys:
            _kernel, _arrays, memory = _RUN_STATE.pop(key)
            del _arrays
            memory.release()  # a shared segment is only closed here; the caller unlinks it
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
        _drop_sync_cancel_noise()
        if self.address:
            timeout = connect_timeout()
            check_scheduler(self.address, timeout)
            self.client = distributed.Client(self.address, timeout=timeout)
            return self.client
        _refuse_in_a_spawned_copy_of_main()
        try:
            with _quiet_dask_logs():  # a failure is raised below, in one line
                self.cluster = distributed.LocalCluster(
                    n_workers=self.workers, threads_per_worker=1, processes=True, dashboard_address=":0",
                    worker_dashboard_address=None, host="127.0.0.1")
        except Exception as error:
            raise _start_error(error) from None  # one line, not the Nanny internals
        try:
            self.client = distributed.Client(self.cluster)
            self.client.register_plugin(IgnoreInterrupts())
        except BaseException:
            self.cluster.close()
            raise
        return self.client

    def __exit__(self, exc_type, *exc_info):
        interrupted = exc_type is not None and issubclass(exc_type, (KeyboardInterrupt, MappingCancelled))
        if interrupted:  # the client's pending coroutine, cut off by Ctrl-C, is collected later
            warnings.filterwarnings("ignore", message="coroutine .* was never awaited", category=RuntimeWarning)
        with _quiet_dask_logs() if interrupted else contextlib.nullcontext():
            if self.client is not None:
                self.client.close()
            if self.cluster is not None:
                self.cluster.close()


class IgnoreInterrupts(distributed.WorkerPlugin if distributed is not None else object):
    r"""
    A Dask worker plugin: the LocalCluster's worker processes ignore SIGINT, so a
    terminal's Ctrl-C (sent to the whole process group) reaches the caller only,
    which closes the cluster, instead of every worker printing a traceback.
    """

    name = "sage_lfsr-ignore-interrupts"

    def setup(self, worker):
        if threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGINT, signal.SIG_IGN)


class _SyncCancelNoise(logging.Filter):
    r"""
    Drops one record: on Ctrl-C, distributed's ``sync`` schedules a ``cancel``
    callback on the event loop that can fail inside distributed itself (a
    ``NameError`` on its variable ``future``), after the run has already ended.
    """

    def filter(self, record):
        return "sync.<locals>.cancel" not in record.getMessage()


def _drop_sync_cancel_noise():
    # The callback runs on the event loop's thread, at any time around the interrupt,
    # so the filter is in place for as long as a client may be interrupted.
    logger = logging.getLogger("tornado.application")
    if not any(isinstance(existing, _SyncCancelNoise) for existing in logger.filters):
        logger.addFilter(_SyncCancelNoise())


@contextlib.contextmanager
def _quiet_dask_logs():
    r"""Silence Dask's shutdown chatter (closed comms, cancelled tasks) while an interrupted run ends."""
    loggers = [logging.getLogger(name) for name in ("distributed", "tornado", "asyncio")]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.CRITICAL + 1)
    try:
        yield
    finally:
        for logger, level in zip(loggers, levels):
            logger.setLevel(level)


def _main_guard_advice(script):
    return (f"Worker processes import {script} again: put the map_cycles call under "
            "`if __name__ == \"__main__\":`, or pass scheduler_address= to use a cluster started elsewhere.")


def _start_error(error):
    r"""What to do when the LocalCluster's workers do not start: mostly a script without the main guard."""
    script = getattr(sys.modules.get("__main__"), "__file__", None)
    if script and ("Nanny failed to start" in str(error) or isinstance(error, RuntimeError)):
        return DaskStartError(f"schedule='dask' could not start its LocalCluster workers ({type(error).__name__}: "
                              f"{' '.join(str(error).split())[:200]}). {_main_guard_advice(os.path.basename(script))}")
    return error


def _refuse_in_a_spawned_copy_of_main():
    r"""
    In a worker process that is importing the caller's script again (a script
    without the main guard), stop with one line instead of starting a cluster there.
    """
    import multiprocessing

    if getattr(multiprocessing.current_process(), "_inheriting", False):
        raise SystemExit("sage_lfsr: schedule='dask' was called while a new worker process imported the calling "
                         f"script. {_main_guard_advice('it')}")


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
        memory, how = self._shared_memory(client, job, indices)
        try:
            record = self._run_tasks(client, run_id, job, options, indices, memory)
            record.measured["dask_memory"] = how
            if memory is not None:
                record.measured["visited_layout"] = memory.layout
            return record
        finally:
            if memory is not None:
                with contextlib.suppress(Exception):  # workers close their mappings first
                    client.run(release_run, run_id)
                memory.release()

    @staticmethod
    def _shared_memory(client, job, indices):
        r"""
        ``(memory, how)``: visited bitmaps in shared memory when every worker is on
        this machine, else ``None`` (each worker keeps private arrays).
        """
        if job.registry != "shared" or job.singular:
            return None, "private: one bitmap per worker process"
        if set(client.run(machine_identity).values()) != {machine_identity()}:
            return None, "private: workers on other machines, one bitmap per worker process"
        layout = choose_layout(job.state_count, False, True)
        memory = StateMemory(job.state_count, False, layout, max(indices.values()) + 1)
        return memory, f"shared on this machine ({layout})"

    def _run_tasks(self, client, run_id, job, options, indices, memory):
        spec = client.scatter(replace(job, tasks=()), broadcast=True, hash=False)
        if memory is not None:
            memory_handle = client.scatter(pickle.dumps(memory), broadcast=True, hash=False)
            indices_handle = client.scatter(dict(indices), broadcast=True, hash=False)
        else:
            memory_handle = indices_handle = None
        wall_zero, clock_zero = time.time(), time.perf_counter()
        total, collected, done_states = sum(task.size for task in job.tasks), [], 0
        # One phase after the other: a sweep that ran beside the segments would walk
        # segments nobody has marked yet (redundant work, 20 % measured at 2^22).
        for phase in dict.fromkeys(task.phase for task in job.tasks):
            pending = {client.submit(run_task, run_id, spec, task, wall_zero, memory_handle, indices_handle,
                                     pure=False, retries=TASK_RETRIES, key=f"sage_lfsr-{run_id}-{task.task_id}"): task
                       for task in job.tasks if task.phase == phase}
            try:
                done_states = self._collect(client, options, indices, pending, collected, done_states, total)
            except BaseException:  # Ctrl-C, cancel, a failed task: nothing more runs for this run
                client.cancel(list(pending))
                raise
        waiting = {index: 0.0 for index in set(indices.values())}
        return RunRecord(collected, waiting, None, time.perf_counter() - clock_zero)

    def _collect(self, client, options, indices, pending, collected, done_states, total):
        r"""Wait for the ``pending`` futures, append their results to ``collected``; return the states done."""
        while pending:
            if options.cancel is not None and options.cancel.is_set():
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
        return done_states

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
