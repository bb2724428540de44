r"""
Running tasks in worker processes: what the static, queue, steal and hybrid
schedules share. A subclass only says where each worker gets its next task
(:meth:`ProcessSchedule.task_sources`).

::

    parent                                   worker w (forked or spawned)
    ------                                   ----------------------------
    Manager: registry, task queues  <------> source = sources[w]
    shared memory: visited / depths <------> kernel = job.kernel()  (sage kernel: Sage rebuilt here)
    results queue  <------------------------ ("result", TaskResult) per task
                   <------------------------ ("done", w, waiting seconds)
                   <------------------------ ("error", w, task id, traceback)

The parent waits on the results queue with a short timeout and checks after
each wait that every worker that has not said "done", and the Manager, are
still alive, so a crashed worker or Manager ends the run within a fraction of
a second with an error naming its exit code or signal and the task it was
running, instead of a hang. On an error, cancellation or Ctrl-C every worker
is terminated (then killed), the Manager shut down and the shared memory
released before the exception propagates.

Nothing outlives the caller: workers and the Manager die with the process that
started them (:mod:`~sage_lfsr.schedules.lifetime`), and the names of the
shared-memory segments are removed as soon as every worker has mapped them
(forked workers at once; spawned ones after each has said "attached").
"""
from __future__ import annotations

import multiprocessing
import os
import queue as queue_module
import signal
import time
import traceback
from abc import abstractmethod
from multiprocessing.managers import SyncManager

from sage_lfsr.errors import MappingCancelled, WorkerError
from sage_lfsr.schedules import lifetime
from sage_lfsr.schedules.base import RunRecord, Schedule

#: Seconds between liveness checks while the parent waits for results.
POLL_SECONDS = 0.1
#: Seconds a worker's error waits for the Manager's exit to show, when the Manager is the cause.
MANAGER_GRACE_SECONDS = 0.2
#: Seconds a terminated worker gets to exit before it is killed.
TERMINATE_GRACE_SECONDS = 1.0


class CycleRegistry:
    r"""
    The Manager-side cycle registry: cycles claimed under their minimal state,
    a whole task's cycles in one call (atomic: the Manager runs it under a lock).
    """

    def __init__(self):
        import threading

        self._owners = {}
        self._lock = threading.Lock()

    def claim(self, worker, smallest_states, lengths):
        r"""Claim cycles for ``worker``; return the number of states it now owns from them."""
        owned = 0
        with self._lock:
            for smallest, length in zip(smallest_states, lengths):
                if self._owners.setdefault(smallest, worker) == worker:
                    owned += length
        return owned

    def owners(self):
        return dict(self._owners)


class RunManager(SyncManager):
    pass


RunManager.register("CycleRegistry", CycleRegistry)


#: Value of a worker's slot in ``current_tasks`` while it runs no task.
NO_TASK = -1


def _child_setup(expected_parent=None):
    r"""
    First thing in a worker or the Manager: die with the starter, leave Ctrl-C to the
    caller, and end quietly on SIGTERM (a fork inherits the caller's handlers).
    """
    lifetime.watch_parent(expected_parent)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, signal.SIG_DFL)


def _worker_main(worker, job, memory, source, registry, results, clock_zero, caller_pid, current_tasks):
    _child_setup(caller_pid)
    task_id = None
    waiting = 0.0
    try:
        results.put(("attached", worker))
        kernel = job.kernel()
        arrays = memory.for_worker(worker)
        while True:
            if lifetime.parent_gone():
                return
            asked = time.perf_counter()
            item = source.next_task(worker)
            waiting += time.perf_counter() - asked
            if item is None:
                break
            task, stolen_from = item
            task_id = current_tasks[worker] = task.task_id
            result = job.execute(kernel, arrays, task, worker, clock_zero)
            result.stolen_from = stolen_from
            if registry is not None and len(result.cycles):
                claimed = registry.claim(worker, result.cycles[:, 0].tolist(), result.cycles[:, 1].tolist())
                if task.phase == "sweep":
                    result.states_owned = claimed
            results.put(("result", result))
            task_id, current_tasks[worker] = None, NO_TASK
        results.put(("done", worker, waiting))
    except BaseException:
        results.put(("error", worker, task_id, traceback.format_exc()))


class ProcessSchedule(Schedule):
    shares_memory = True
    keeps_snapshots = True
    #: Whether the task sources need a Manager (for its queues).
    uses_manager_queues = False

    @abstractmethod
    def task_sources(self, tasks, workers, manager):
        r"""One object per worker with ``next_task(worker) -> (task, stolen_from) or None``."""

    def run(self, job, options):
        context = multiprocessing.get_context(options.start_method)
        workers = options.workers
        memory = job.memory(workers, restored=options.restored_memory)
        measured = {}
        if memory.layout != job.memory_layout:
            measured.update(visited_layout=memory.layout, visited_layout_reason=memory.layout_reason)
        manager = processes = None
        # The fork server, not the caller, starts forkserver children.
        expected_parent = None if options.start_method == "forkserver" else os.getpid()
        try:
            if self.uses_manager_queues or job.registry == "manager":
                starting = RunManager(ctx=context)
                starting.start(_child_setup, (expected_parent,))
                manager = starting
            registry = manager.CycleRegistry() if job.registry == "manager" else None
            sources = self.task_sources(list(job.tasks), workers, manager)
            results = context.Queue()
            current_tasks = context.RawArray("q", [NO_TASK] * workers)
            clock_zero = time.perf_counter()
            processes = [context.Process(target=_worker_main, name=f"sage_lfsr-worker-{worker}",
                                         args=(worker, job, memory, sources[worker], registry, results,
                                               clock_zero, expected_parent, current_tasks), daemon=True)
                         for worker in range(workers)]
            for process in processes:
                process.start()
            if options.start_method == "fork":
                memory.unlink_names()  # forked workers inherit the mapping
            watched = _Watched(processes, manager, current_tasks, memory)
            record = self._collect(job, watched, results, options)
            record.wall_seconds = time.perf_counter() - clock_zero
            record.measured.update(measured)
            if registry is not None:
                record.claims = registry.owners()
            return record
        finally:
            _stop(processes or [])
            if manager is not None:
                manager.shutdown()
            memory.release()

    def _collect(self, job, watched, results, options):
        collected, waiting, attached = [], {}, set()
        sizes = {task.task_id: task.size for task in job.tasks}
        total = sum(sizes.values())
        done_states = 0
        while len(waiting) < len(watched.processes):
            if options.cancel is not None and options.cancel.is_set():
                raise MappingCancelled("the run was cancelled")
            try:
                message = results.get(timeout=POLL_SECONDS)
            except queue_module.Empty:
                watched.check_alive(waiting)
                _offer_snapshot(options, watched.memory)
                continue
            kind = message[0]
            if kind == "attached":
                attached.add(message[1])
                if len(attached) == len(watched.processes):
                    watched.memory.unlink_names()
            elif kind == "result":
                collected.append(message[1])
                if options.on_result is not None:
                    options.on_result(message[1])
                done_states += sizes[message[1].task_id]
                if options.progress is not None:
                    options.progress(done_states, total)
                _offer_snapshot(options, watched.memory)
            elif kind == "done":
                waiting[message[1]] = message[2]
            else:
                _, worker, task_id, details = message
                # A worker cut off from a dead Manager reports a broken pipe: name the cause.
                watched.check_manager(grace_seconds=MANAGER_GRACE_SECONDS)
                raise WorkerError(worker, task_id, details)
        return RunRecord(collected, waiting)


def _offer_snapshot(options, memory):
    if options.snapshots is not None:
        options.snapshots.offer(memory.marks, memory.started_tasks)


class _Watched:
    r"""What the parent watches during a run: the workers, the Manager, the task each worker is on."""

    def __init__(self, processes, manager, current_tasks, memory):
        self.processes, self.manager, self.current_tasks, self.memory = processes, manager, current_tasks, memory

    def check_alive(self, finished):
        for worker, process in enumerate(self.processes):
            if worker not in finished and process.exitcode is not None:
                task_id = self.current_tasks[worker]
                task_id, where = (None, "before or between tasks") if task_id == NO_TASK else (task_id, None)
                raise WorkerError(worker, task_id, f"the worker process (pid {process.pid}) "
                                                   f"{lifetime.describe_exit(process.exitcode)} "
                                                   "before finishing its tasks", where)
        self.check_manager()

    def check_manager(self, grace_seconds=0.0):
        r"""Raise if the Manager has died (waiting up to ``grace_seconds`` for its exit to be seen)."""
        manager_process = getattr(self.manager, "_process", None)
        if manager_process is not None and grace_seconds:
            manager_process.join(grace_seconds)
        if manager_process is not None and manager_process.exitcode is not None:
            raise WorkerError("the Manager process", None,
                              f"pid {manager_process.pid} {lifetime.describe_exit(manager_process.exitcode)}: "
                              "the task queues and the cycle registry are gone", "during the run")


def _stop(processes):
    for process in processes:
        if process.is_alive():
            process.terminate()
    deadline = time.monotonic() + TERMINATE_GRACE_SECONDS
    for process in processes:
        process.join(max(0.0, deadline - time.monotonic()))
        if process.is_alive():
            process.kill()
            process.join(1.0)


def split_evenly(items, parts):
    r"""
    ``parts`` contiguous runs of ``items``, as even as possible.

    EXAMPLES::

        sage: from sage_lfsr.schedules.processes import split_evenly
        sage: split_evenly(list(range(7)), 3)
        [[0, 1, 2], [3, 4], [5, 6]]
    """
    size, extra = divmod(len(items), parts)
    runs, lo = [], 0
    for part in range(parts):
        hi = lo + size + (1 if part < extra else 0)
        runs.append(items[lo:hi])
        lo = hi
    return runs
