r"""
``"dask"``: the same tasks on a Dask distributed cluster, one machine or many.

::

    parent (map_cycles)                       Dask worker process (any machine)
    -------------------                       ---------------------------------
    Client(scheduler_address) or a LocalCluster
    per phase, groups of tasks (task_groups:  run_tasks (a coroutine: the main thread):
    guided sizes, a few per worker)             the job's kernel from a per-process cache
    submit(run_tasks, job, group) ----------->  kept across runs (built and compiled once),
      (the job inline when small)               the run's StateMemory; runs the group's
                                                tasks, yielding to the loop between them
    wait(FIRST_COMPLETED) <------------------- (worker name, [TaskResult, ...])
      on_result, progress per task; worker name -> index 0..W-1
    client.run(release_run) on every worker: drop the run's memory

Visited memory (:func:`memory_mode`; Dask's config key ``sage_lfsr.dask-memory``
picks one, ``"auto"`` by default):

- ``"shared"`` (the default when every worker runs on the caller's machine: a
  ``LocalCluster``, or workers started there): the caller creates the run's
  :class:`~sage_lfsr.engine.memory.StateMemory` in shared memory (a row per worker,
  :func:`shared_layout`) and each worker attaches to it by name, so a worker
  skips what the others traced, as with the local schedules. When the segments
  cover every state the sweep is not run (its tasks are recorded as done with
  no work); when they leave few, it is one group that sweeps only the pieces the
  caller's scan of the rows finds unmarked (:func:`unmarked_pieces`).
- ``"owned"`` (the default when some worker runs on another machine; with
  ``"owned"`` also for separate worker processes on this machine, e.g. ``dask
  worker`` processes with a memory limit below the whole bitmap): no memory is
  shared and no worker holds an array of the whole space; each owns blocks of
  states and the marks of other workers' walks reach it worker to worker, sent
  straight from the walking worker (:mod:`~sage_lfsr.engine.schedules.dask_owned`).
  Every register, singular ones with depths per owner.
- ``"private"`` (``registry="manager"``, the seed's design, and singular
  registers on this machine): each worker process keeps a bitmap of the whole space per run that
  persists across its tasks; walks of other workers are not seen, which costs
  only redundant work (:func:`~sage_lfsr.engine.assembly.assemble` drops duplicate cycles).

The result's ``choices["dask_memory"]`` says which. When a worker dies, Dask
recomputes its tasks on the others (a restarted worker starts with fresh
memory); the map is the same (in the owned mode the lost worker's owners move
to the replicas of their marks on other workers, and only its unfinished groups run again).

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
import concurrent.futures
import contextlib
import hashlib
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

import numpy as np

from sage_lfsr.common.errors import MappingCancelled, WorkerError
from sage_lfsr.common.files import short_path
from sage_lfsr.engine.job import TaskResult
from sage_lfsr.engine.memory import StateMemory
from sage_lfsr.engine.schedules.base import RunRecord, Schedule, register
from sage_lfsr.engine.schedules.dask_common import (ENDED_RUNS, NO_CYCLES, NO_DEPTHS, NO_SEGMENTS, POLL_SECONDS,  # noqa: F401
                                                       RESULT_TIMEOUT_SECONDS, RUN_STATE, RUN_STATE_LOCK, TASK_RETRIES,
                                                       TaskFailed, cached_kernel, release_run, task_groups)

try:
    import distributed
    from distributed.deploy.spec import SpecCluster
except ImportError:  # the schedule stays listed and says what to install when it is used
    distributed = None

#: Seconds a scheduler gets to answer before the run fails (``sage_lfsr.connect-timeout`` in Dask's config).
CONNECT_TIMEOUT_SECONDS = 10.0

#: A job whose pickle is larger than this is scattered to the workers once; a smaller
#: one travels inline with each group of tasks (a scatter costs a round trip, 10 to 60 ms here).
INLINE_JOB_BYTES = 1 << 20
#: Bytes the workers' own rows of visited bits may take together (:func:`shared_layout`).
SHARED_ROWS_UP_TO_BYTES = 1 << 28
#: A sweep after segments that left fewer than ``1 / SWEEP_ONE_GROUP_BELOW`` of the
#: states is one group: mostly a scan of the bitmap, shorter than a round trip.
SWEEP_ONE_GROUP_BELOW = 64
#: Unmarked ranges closer than this many bytes are swept as one piece (:func:`unmarked_pieces`).
SWEEP_PIECE_GAP_BYTES = 64
class DaskConnectionError(ConnectionError):
    r"""The scheduler address did not answer as a Dask scheduler in time."""


def shared_layout(state_count, workers):
    r"""
    The layout of the visited bitmaps that the workers on this machine share:
    ``"rows"`` (a bitmap per worker, each written by one worker only and read by
    all) while they take at most :data:`SHARED_ROWS_UP_TO_BYTES` together, else
    ``"single"``. Marks of one bitmap written from two cores make its cache
    lines travel between them at every step (measured: the workers' task seconds
    1.5x the one-core run at 2^26 with one bitmap, 8 MB).

    EXAMPLES::

        sage: from sage_lfsr.engine.schedules.dask_cluster import shared_layout
        sage: shared_layout(2**26, 2), shared_layout(2**32, 2), shared_layout(2**30, 16)
        ('rows', 'single', 'single')
    """
    return "rows" if workers * ((state_count + 7) // 8) <= SHARED_ROWS_UP_TO_BYTES else "single"


def scheduler_file_address(address):
    r"""
    ``address``, or the address in ``address`` when it names a scheduler file
    (``dask scheduler --scheduler-file FILE``, JSON with an ``"address"``).

    EXAMPLES::

        sage: import json, tempfile
        sage: from sage_lfsr.engine.schedules.dask_cluster import scheduler_file_address
        sage: with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as file:
        ....:     json.dump({"type": "Scheduler", "address": "tcp://127.0.0.1:8786"}, file)
        sage: scheduler_file_address(file.name), scheduler_file_address("tcp://head:8786")
        ('tcp://127.0.0.1:8786', 'tcp://head:8786')
    """
    import json

    if "://" in str(address) or not os.path.isfile(str(address)):
        return address
    try:
        with open(address) as file:
            return json.load(file)["address"]
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise DaskConnectionError(f"cannot read a Dask scheduler address from the file {short_path(address)}: "
                                  f"{type(error).__name__}: {error}") from None


class DaskStartError(RuntimeError):
    r"""The LocalCluster could not start its workers."""


def connect_timeout():
    r"""
    Seconds to wait for a scheduler: Dask's config key ``sage_lfsr.connect-timeout``, else 10.

    EXAMPLES::

        sage: import dask
        sage: from sage_lfsr.engine.schedules.dask_cluster import connect_timeout
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
    raise DaskConnectionError(f"cannot use the Dask scheduler at {short_path(address)}: {reason} "
                              f"(timeout {timeout:g} s, config key sage_lfsr.connect-timeout)")


#: ``(scheduler, workers) -> whether they all run on this machine``: asked once per cluster.
_SAME_MACHINE = {}


def workers_share_this_machine(client, workers):
    r"""Whether every worker in ``workers`` (``scheduler_info()["workers"]``) runs on this machine."""
    key = (client.scheduler.address, frozenset((address, info.get("id")) for address, info in workers.items()))
    if key not in _SAME_MACHINE:
        _SAME_MACHINE[key] = set(client.run(machine_identity).values()) == {machine_identity()}
    return _SAME_MACHINE[key]


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
    :class:`~sage_lfsr.engine.memory.SharedArray` unregisters it, so the second worker's
    unregister fails in the tracker. The caller owns (and unlinks) the segment.
    """
    from multiprocessing import resource_tracker

    register, unregister = resource_tracker.register, resource_tracker.unregister
    resource_tracker.register = resource_tracker.unregister = lambda *args: None
    try:
        yield
    finally:
        resource_tracker.register, resource_tracker.unregister = register, unregister


def _run_state(run_id, job_key, job, memory_bytes, worker_indices_by_name):
    with RUN_STATE_LOCK:
        if run_id in ENDED_RUNS:
            return None
        key = (run_id, os.getpid())
        if key in RUN_STATE:
            return RUN_STATE[key][:2]
    kernel = cached_kernel(job_key, job)
    with RUN_STATE_LOCK:
        if key not in RUN_STATE:
            index = worker_indices_by_name.get(str(distributed.get_worker().name))
            memory = None
            if memory_bytes is not None and index is not None:
                with _untracked_shared_memory():
                    memory = pickle.loads(memory_bytes)
            if memory is None:  # workers elsewhere, or one that joined late
                memory, index = job.memory(), 0
            RUN_STATE[key] = (kernel, memory.for_worker(index), memory)
        return RUN_STATE[key][:2]


async def run_tasks(run_id, job_key, job, tasks, wall_zero, memory_bytes=None, worker_indices_by_name=None,
                    pieces=None):
    r"""
    Run ``tasks`` (a group of tasks of ``job``) in this Dask worker, one after
    the other; return ``(worker name, [TaskResult, ...])``.

    The kernel is built on the first task of a job the process gets and kept
    for later runs of the same job (``job_key``); the per-state memory of the
    run is kept for the run's later tasks. A coroutine, so the worker runs it on
    its event loop, in the process's main thread: PARI (finite fields of order
    ``p^m``, the ``sage`` kernel) crashes on other threads, and Sage's BLAS,
    first loaded on a task thread, crashes the process when it exits. Between
    two tasks the coroutine yields to the loop, so the worker answers the
    scheduler (and :func:`release_run`) while a group runs; a run released
    meanwhile runs no further task. ``pieces`` (``task id -> ((lo, hi), ...)``)
    restricts a sweep task to the ranges that hold its unmarked states.
    """
    if isinstance(job, bytes):
        job = pickle.loads(job)
    name, results = str(distributed.get_worker().name), []
    for position, task in enumerate(tasks):
        if position:
            await asyncio.sleep(0)
        state = _run_state(run_id, job_key, job, memory_bytes, worker_indices_by_name or {})
        if state is None:  # a task of a run that has ended (interrupted, cancelled): nothing to do
            return None
        kernel, arrays = state
        clock_zero = time.perf_counter() - (time.time() - wall_zero)
        try:
            if pieces and task.task_id in pieces:
                results.append(_swept_in_pieces(job, kernel, arrays, task, pieces[task.task_id], clock_zero))
            else:
                results.append(job.execute(kernel, arrays, task, -1, clock_zero))
        except Exception as error:
            raise TaskFailed(task.task_id, f"{type(error).__name__}: {error}") from error
    return name, results


def _swept_in_pieces(job, kernel, arrays, task, pieces, clock_zero):
    r"""
    Sweep task ``task`` run over its ``pieces`` only: the same result, since a
    sweep walks from unmarked states only and every unmarked state of the task
    lies in a piece.
    """
    results = [job.execute(kernel, arrays, replace(task, lo=lo, hi=hi), -1, clock_zero) for lo, hi in pieces]
    cycles = np.concatenate([result.cycles for result in results]).reshape(-1, 2)
    return TaskResult(task.task_id, -1, task.phase, cycles, NO_SEGMENTS, NO_DEPTHS,
                      sum(result.states_traced for result in results), sum(result.states_owned for result in results),
                      results[0].start, results[-1].end)


def unmarked_pieces(covered, tasks, gap=SWEEP_PIECE_GAP_BYTES):
    r"""
    ``task id -> ((lo, hi), ...)``: the ranges of states of each task in
    ``tasks`` that hold every state no row of ``covered`` (the shared bitmaps)
    marks, ranges closer than ``gap`` bytes joined; a task with none is left out.
    A vectorised scan in the caller, instead of the sweep's scan of the whole space.

    EXAMPLES::

        sage: import numpy as np
        sage: from sage_lfsr.engine.job import Task
        sage: from sage_lfsr.engine.schedules.dask_cluster import unmarked_pieces
        sage: covered = np.full((2, 8), 255, dtype=np.uint8)
        sage: covered[:, 1] = 0b11110111; covered[:, 6] = 0; covered[0, 3] = 0
        sage: tasks = [Task(0, "sweep", 0, 32), Task(1, "sweep", 32, 60), Task(2, "sweep", 60, 64)]
        sage: unmarked_pieces(covered, tasks)
        {0: ((8, 32),), 1: ((32, 56),)}
        sage: covered[:, 2] = 0
        sage: unmarked_pieces(covered, tasks, gap=1)
        {0: ((8, 24),), 1: ((48, 56),)}
    """
    combined = np.bitwise_or.reduce(covered, axis=0) if covered.ndim == 2 else covered
    open_bytes = np.flatnonzero(combined != 255)
    if len(open_bytes):  # consecutive runs of open bytes, joined across gaps of up to ``gap`` bytes
        breaks = np.flatnonzero(np.diff(open_bytes) > gap)
        starts = open_bytes[np.concatenate(([0], breaks + 1))] * 8
        ends = (open_bytes[np.concatenate((breaks, [len(open_bytes) - 1]))] + 1) * 8
    else:
        starts = ends = open_bytes
    pieces = {}
    for task in tasks:
        first, last = np.searchsorted(ends, task.lo, "right"), np.searchsorted(starts, task.hi, "left")
        mine = tuple((max(task.lo, int(lo)), min(task.hi, int(hi))) for lo, hi in zip(starts[first:last], ends[first:last]))
        mine = tuple(piece for piece in mine if piece[0] < piece[1])
        if mine:
            pieces[task.task_id] = mine
    return pieces


def worker_indices(names, workers):
    r"""
    Index ``0..W-1`` for each Dask worker name: names that are such indices keep
    them, the others are numbered in sorted order after them.

    EXAMPLES::

        sage: from sage_lfsr.engine.schedules.dask_cluster import worker_indices
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
            self.address = scheduler_file_address(self.address)
            timeout = connect_timeout()
            check_scheduler(self.address, timeout)
            self.client = distributed.Client(self.address, timeout=timeout)
            return self.client
        _refuse_in_a_spawned_copy_of_main()
        before = set(SpecCluster._instances)
        try:
            with _quiet_dask_logs():  # a failure is raised below, in one line
                self.cluster = distributed.LocalCluster(
                    n_workers=self.workers, threads_per_worker=1, processes=True, dashboard_address=":0",
                    worker_dashboard_address=None, host="127.0.0.1")
        except Exception as error:
            _close_half_started(before)
            raise _start_error(error) from None  # one line, not the Nanny internals
        except BaseException:  # Ctrl-C or SIGTERM while the workers start
            _close_half_started(before)
            raise
        try:
            self.client = distributed.Client(self.cluster)
            self.client.register_plugin(IgnoreInterrupts())
        except BaseException:
            self.cluster.close()
            raise
        return self.client

    def __exit__(self, exc_type, *exc_info):
        # Ctrl-C, SIGTERM (the command line's Terminated), a cancel
        interrupted = exc_type is not None and (issubclass(exc_type, MappingCancelled)
                                                or not issubclass(exc_type, Exception))
        if interrupted:  # the client's pending coroutine, cut off by Ctrl-C, is collected later
            warnings.filterwarnings("ignore", message="coroutine .* was never awaited", category=RuntimeWarning)
        with _quiet_dask_logs() if interrupted else contextlib.nullcontext():
            if self.client is not None:
                self.client.close()
            if self.cluster is not None:
                if interrupted:
                    _stop_workers_now(self.cluster)
                self.cluster.close()


def _stop_workers_now(cluster):
    r"""
    End a LocalCluster's worker processes at once (SIGKILL), their nannies told not to
    restart them: a worker inside a kernel answers its nanny's request to close only
    when the kernel returns, and the nanny waits 4 s before it kills the worker itself.
    """
    from distributed.core import Status

    for nanny in list(getattr(cluster, "workers", {}).values()):
        with contextlib.suppress(Exception):
            pid = nanny.process.process.pid
            nanny.status = Status.closing_gracefully  # its worker's exit closes it, no restart
            os.kill(pid, signal.SIGKILL)


def _close_half_started(before):
    r"""
    Close, quietly, the clusters a LocalCluster start cut short left behind: a
    signal while its workers start leaves one that ``distributed`` would close at
    exit with an ``AssertionError`` traceback (a worker still starting).
    """
    for cluster in set(SpecCluster._instances) - before:
        with _quiet_dask_logs(), contextlib.suppress(Exception):
            cluster.close(timeout=10)
        SpecCluster._instances.discard(cluster)


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
            record = self._run(client, uuid.uuid4().hex, job, options)
            record.measured["dask_start_seconds"] = start_seconds
            return record

    def _run(self, client, run_id, job, options):
        workers = client.scheduler_info()["workers"]
        names = [str(info.get("name", address)) for address, info in workers.items()]
        indices = worker_indices(names, options.workers)
        mode, how = memory_mode(client, job, workers)
        memory = None
        if mode == "shared":
            layout = shared_layout(job.state_count, max(indices.values()) + 1)
            memory = StateMemory(job.state_count, False, layout, max(indices.values()) + 1)
            how = f"{how} ({layout})"
        ended = False
        try:
            record = self._run_tasks(client, run_id, job, options, indices, memory, mode == "owned")
            record.measured["dask_memory"] = how
            if memory is not None:
                record.measured["visited_layout"] = memory.layout
            ended = True
            return record
        finally:
            # a worker gone at the end keeps nothing; workers close first. After Ctrl-C or a failure a
            # LocalCluster's workers are not asked (they close next): each would answer only once its task's
            # kernel returns (10-20 s after Ctrl-C)
            if ended or options.scheduler_address is not None:
                with contextlib.suppress(Exception):
                    client.run(release_run, run_id)
            if memory is not None:
                memory.release()

    def _run_tasks(self, client, run_id, job, options, indices, memory, owned=False):
        spec = replace(job, tasks=())
        job_bytes = pickle.dumps(spec)
        job_key = hashlib.sha1(job_bytes).hexdigest()
        # Inline, a small job costs nothing extra; a scatter costs a round trip per run.
        job_argument = job_bytes if len(job_bytes) <= INLINE_JOB_BYTES else client.scatter(
            spec, broadcast=True, hash=False)
        wall_zero, clock_zero = time.time(), time.perf_counter()
        progress = _Progress(options, indices, job.tasks)
        if owned:
            from sage_lfsr.engine.schedules.dask_owned import OwnedRun

            return OwnedRun(client, run_id, job, options, indices, job_key, job_argument, progress).run(
                wall_zero, clock_zero)
        memory_bytes = pickle.dumps(memory) if memory is not None else None
        arguments = (run_id, job_key, job_argument)
        # One phase after the other: a sweep that ran beside the segments would walk
        # segments nobody has marked yet (redundant work, 20 % measured at 2^22).
        for phase in dict.fromkeys(task.phase for task in job.tasks):
            tasks = [task for task in job.tasks if task.phase == phase]
            groups, pieces = task_groups(tasks, len(indices)), None
            if phase == "sweep" and memory is not None:
                groups, pieces = self._sweep_groups(job, progress, tasks, groups, clock_zero, memory)
            pending = {client.submit(run_tasks, *arguments, group, wall_zero, memory_bytes,
                                     dict(indices) if memory is not None else None,
                                     None if pieces is None else {task.task_id: pieces[task.task_id] for task in group},
                                     pure=False,
                                     retries=TASK_RETRIES, key=f"sage_lfsr-{run_id}-{group[0].task_id}"): group
                       for group in groups}
            try:
                self._collect(client, options, pending, progress)
            except BaseException:  # Ctrl-C, cancel, a failed task: nothing more runs for this run
                client.cancel(list(pending))
                raise
        waiting = {index: 0.0 for index in set(indices.values())}
        record = RunRecord(progress.collected, waiting, None, time.perf_counter() - clock_zero)
        record.measured["dask_groups"] = progress.groups
        return record

    @staticmethod
    def _sweep_groups(job, progress, tasks, groups, clock_zero, memory):
        r"""
        ``(groups, pieces)``: the sweep's groups once the segments are traced into
        the shared bitmaps. When the segments cover every state, none (the sweep
        would find nothing: its tasks are recorded as done, with no work); when
        they leave a few, one group that sweeps only the pieces of the space
        holding unmarked states (:func:`unmarked_pieces`, a scan of the bitmaps
        here, instead of a scan of the whole space by one worker).
        """
        segments = [result for result in progress.collected if result.phase == "segments"]
        if not segments or len(segments) != sum(task.phase == "segments" for task in job.tasks):
            return groups, None
        uncovered = job.state_count - sum(int(result.segments[:, 2].sum()) for result in segments)
        if uncovered * SWEEP_ONE_GROUP_BELOW >= job.state_count:
            return groups, None
        pieces = unmarked_pieces(memory.marks()[1], tasks) if uncovered else {}
        now = time.perf_counter() - clock_zero
        for task in tasks:
            if task.task_id not in pieces:
                progress.add(TaskResult(task.task_id, 0, "sweep", NO_CYCLES, NO_SEGMENTS, NO_DEPTHS, 0, 0, now, now))
        swept = tuple(task for task in tasks if task.task_id in pieces)
        return ([swept] if swept else []), pieces

    def _collect(self, client, options, pending, progress):
        r"""Wait for the ``pending`` futures (groups of tasks) and hand their results to ``progress``."""
        while pending:
            if options.cancel is not None and options.cancel.is_set():
                raise MappingCancelled("the run was cancelled")
            try:
                finished = distributed.wait(list(pending), timeout=POLL_SECONDS, return_when="FIRST_COMPLETED").done
            except distributed.TimeoutError:
                continue
            for future in finished:
                group = pending.pop(future)
                outcome = self._outcome(future, group)
                if outcome is None:  # lost with its worker: Dask recomputes it, wait on a new handle
                    pending[distributed.Future(future.key, client)] = group
                    future.release()
                    continue
                name, results = outcome
                future.release()
                progress.groups += 1
                for result in results:
                    progress.add(result, name)

    @staticmethod
    def _outcome(future, group):
        r"""``(worker name, [TaskResult])``, or ``None`` when the result was lost with its worker."""
        try:
            if future.status != "error":
                return future.result(timeout=RESULT_TIMEOUT_SECONDS)
        except Exception:
            if future.status != "error":
                return None
        error = future.exception()
        if isinstance(error, TaskFailed):
            task_id, details = error.args
        else:
            task_id, details = group[0].task_id, f"{type(error).__name__}: {error}"
        raise WorkerError(f"on Dask ({future.key})", task_id, details) from error


#: Dask config key that picks the workers' memory: ``"auto"`` (default), ``"shared"``, ``"owned"``, ``"private"``.
MEMORY_CONFIG_KEY = "sage_lfsr.dask-memory"
MEMORY_MODES = ("auto", "shared", "owned", "private")


def memory_mode(client, job, workers):
    r"""
    ``(mode, why)``: how the workers hold the visited states of ``job``.

    - ``"shared"``: every worker on this machine, bitmaps in shared memory;
    - ``"owned"``: workers that share no memory (the default when some run on
      other machines; asked for with ``"owned"``, also for worker processes on
      this machine): each owns blocks of states and their marks (singular
      registers: depths) only (:mod:`~sage_lfsr.engine.schedules.dask_owned`);
    - ``"private"``: a bitmap of the whole space per worker (``registry="manager"``,
      the seed's design; singular registers when every worker is on this machine).

    Dask's config key ``sage_lfsr.dask-memory`` asks for one (``"auto"`` by default).
    """
    import dask

    wanted = dask.config.get(MEMORY_CONFIG_KEY, "auto") or "auto"
    if wanted not in MEMORY_MODES:
        raise ValueError(f"unknown {MEMORY_CONFIG_KEY} {wanted!r}: choose one of {', '.join(MEMORY_MODES)}")
    if getattr(job, "registry", None) != "shared" or wanted == "private":
        return "private", "private: one bitmap per worker process"
    what = "depths" if job.singular else "marks"
    if wanted == "owned":
        return "owned", f"owned: each worker holds the {what} of its own blocks of states (asked for)"
    if not workers_share_this_machine(client, workers):
        why = "workers on other machines" if wanted == "auto" else "shared memory asked for, but workers run elsewhere"
        return "owned", f"owned: each worker holds the {what} of its own blocks of states ({why})"
    if job.singular:
        return "private", "private: one array of depths per worker process (singular register, workers on this machine)"
    return "shared", "shared on this machine"


class _Progress:
    r"""The results collected so far, numbered by worker, reported to ``on_result`` and ``progress``."""

    def __init__(self, options, indices, tasks):
        self.options, self.indices = options, indices
        self.sizes = {task.task_id: task.size for task in tasks}
        self.total = sum(self.sizes.values())
        self.collected, self.done, self.groups = [], 0, 0

    def add(self, result, name=None):
        if name is not None:
            if name not in self.indices:  # a worker that joined during the run
                self.indices[name] = max(self.indices.values(), default=-1) + 1
            result.worker = self.indices[name]
        self.collected.append(result)
        if self.options.on_result is not None:
            self.options.on_result(result)
        self.done += self.sizes.get(result.task_id, 0)
        if self.options.progress is not None:
            self.options.progress(self.done, self.total)
