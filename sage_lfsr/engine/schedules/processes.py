r"""
Running tasks in worker processes: what the static, queue, steal and hybrid
schedules share. A subclass only says where each worker gets its next task
(:meth:`ProcessSchedule.task_sources`).

::

    parent                                   worker w (forked or spawned)
    ------                                   ----------------------------
    Manager: registry, task queues  <------> source = sources[w]
    shared memory: visited / depths <------> kernel = job.kernel()  (sage kernel: Sage rebuilt here)
    results queue  <------------------------ ("result", run, TaskResult) per task
                   <------------------------ ("cycles", run, w, SortedCycles) the cycles w kept, in
                                             pieces (large ones through /dev/shm: sage_lfsr.engine.handoff)
                   <------------------------ ("done", run, w, waiting seconds)
                   <------------------------ ("error", run, w, task id, traceback)

The parent waits on the results queue with a short timeout and checks after
each wait that every worker that has not said "done", and the Manager, are
still alive, so a crashed worker or Manager ends the run within a fraction of
a second with an error naming its exit code or signal and the task it was
running, instead of a hang. On an error, cancellation or Ctrl-C every worker
is terminated (then killed; a pool's workers are first asked to stop), the
Manager shut down (a pool's is kept) and the shared memory released before the
exception propagates.

Who the workers are is a :class:`Crew`: :class:`FreshCrew` starts them (and
the Manager) for the run and stops them after it; a
:class:`~sage_lfsr.engine.pool.MappingPool` keeps them across runs and hands each
run to them (its workers attach the run's shared memory by name). Every
message names its run, so a pool drops the late messages of an aborted run.

Nothing outlives the caller: workers and the Manager die with the process that
started them (:mod:`~sage_lfsr.engine.schedules.lifetime`), and the names of the
shared-memory segments are removed as soon as every worker has mapped them
(workers forked for the run at once; others after each has said "attached").
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

from sage_lfsr.common.errors import MappingCancelled, WorkerError
from sage_lfsr.engine.job import FoundCycles, keeping_cycles_in_workers
from sage_lfsr.engine.schedules import lifetime
from sage_lfsr.engine.schedules.base import RunRecord, Schedule

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

    def reset(self):
        r"""Forget every claim (a pool's registry, kept from one run to the next)."""
        with self._lock:
            self._owners.clear()


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


def run_tasks(worker, run_id, job, build_kernel, memory, source, registry, results, current_tasks, clock_zero,
              aborted=None):
    r"""
    One worker's part of one run: take tasks from ``source`` until it has none
    (or the run is aborted, ``aborted.value == run_id``), report each result,
    then ``"done"``; on an exception report ``"error"`` with the traceback.
    Every message names the run, so a pool's caller can drop a finished run's
    late messages. Shared by fresh workers and a pool's (:mod:`sage_lfsr.engine.pool`).
    """
    task_id = None
    waiting = 0.0
    try:
        results.put(("attached", run_id, worker))
        kernel = build_kernel()
        arrays = memory.for_worker(worker)
        found = FoundCycles.for_job(job)
        while aborted is None or aborted.value != run_id:
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
            results.put(("result", run_id, result if found is None else found.take(result)))
            task_id, current_tasks[worker] = None, NO_TASK
        for piece in found.pieces() if found is not None else ():
            results.put(("cycles", run_id, worker, piece))
        results.put(("done", run_id, worker, waiting))
    except BaseException:
        results.put(("error", run_id, worker, task_id, traceback.format_exc()))
    finally:
        current_tasks[worker] = NO_TASK


def _worker_main(worker, job, memory, source, registry, results, clock_zero, caller_pid, current_tasks):
    _child_setup(caller_pid)
    run_tasks(worker, 0, job, job.kernel, memory, source, registry, results, current_tasks, clock_zero)


class Crew:
    r"""
    The workers of one run as the caller sees them: their processes (worker
    ``w`` is ``processes[w]``), the Manager, the results queue, the task each
    worker is on, and the workers that have stopped for this run (``idle``).
    :class:`FreshCrew` starts them for the run; a pool's crew hands the run to
    workers it keeps (:mod:`sage_lfsr.engine.pool`).
    """

    #: Whether the workers map the run's shared memory by inheritance (fork at the run's start).
    inherits_memory = False
    run_id = 0
    processes = manager = results = current_tasks = None

    def __init__(self):
        self.idle = set()

    def open(self, needs_manager):
        r"""Make the workers, the Manager (when ``needs_manager``) and the results queue ready."""

    @abstractmethod
    def begin(self, job, memory, sources, registry, clock_zero):
        r"""Hand worker ``w`` its part of the run: ``sources[w]`` (and the job, memory, registry)."""

    @abstractmethod
    def end(self, finished):
        r"""After the run (``finished``: whether it succeeded): stop or settle the workers."""

    def measured(self):
        return {}

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


def start_manager(context, expected_parent):
    r"""A :class:`RunManager` whose process dies with its starter and leaves Ctrl-C to the caller."""
    manager = RunManager(ctx=context)
    manager.start(_child_setup, (expected_parent,))
    return manager


def expected_parent_of(start_method):
    r"""The pid a child should see as its parent: the fork server, not the caller, starts forkserver children."""
    return None if start_method == "forkserver" else os.getpid()


class FreshCrew(Crew):
    r"""Workers (and a Manager) started for one run and stopped after it."""

    def __init__(self, workers, start_method):
        super().__init__()
        self.workers, self.start_method = workers, start_method
        self.context = multiprocessing.get_context(start_method)
        self.expected_parent = expected_parent_of(start_method)
        self.inherits_memory = start_method == "fork"
        self.processes = []

    def open(self, needs_manager):
        if needs_manager:
            self.manager = start_manager(self.context, self.expected_parent)
        self.results = self.context.Queue()
        self.current_tasks = self.context.RawArray("q", [NO_TASK] * self.workers)

    def begin(self, job, memory, sources, registry, clock_zero):
        self.processes = [self.context.Process(
            target=_worker_main, name=f"sage_lfsr-worker-{worker}",
            args=(worker, job, memory, sources[worker], registry, self.results, clock_zero, self.expected_parent,
                  self.current_tasks), daemon=True) for worker in range(self.workers)]
        for process in self.processes:
            process.start()

    def end(self, finished):
        stop_processes(self.processes)
        if self.manager is not None:
            self.manager.shutdown()


class ProcessSchedule(Schedule):
    shares_memory = True
    keeps_snapshots = True
    #: Whether the task sources need a Manager (for its queues).
    uses_manager_queues = False
    #: Whether a :class:`~sage_lfsr.engine.pool.MappingPool`'s workers can run it.
    runs_on_pool = True

    @abstractmethod
    def task_sources(self, tasks, workers, manager):
        r"""One object per worker with ``next_task(worker) -> (task, stolen_from) or None``."""

    def run(self, job, options):
        workers = options.workers
        job = keeping_cycles_in_workers(job, per_task_results_needed=options.on_result is not None)
        crew = FreshCrew(workers, options.start_method) if options.pool is None else options.pool.crew(workers)
        finished, memory, measured = False, None, {}
        try:
            # Before the queues' semaphores take their pages of /dev/shm.
            memory = job.memory(workers) if options.restored_memory is None else job.memory(
                workers, restored=options.restored_memory)
            if memory.layout != job.memory_layout:
                measured.update(visited_layout=memory.layout, visited_layout_reason=memory.layout_reason)
            crew.open(self.uses_manager_queues or job.registry == "manager")
            registry = crew.manager.CycleRegistry() if job.registry == "manager" else None
            sources = self.task_sources(list(job.tasks), workers, crew.manager)
            clock_zero = time.perf_counter()
            crew.begin(job, memory, sources, registry, clock_zero)
            if crew.inherits_memory:
                memory.unlink_names()  # forked workers inherit the mapping
            record = self._collect(job, crew, memory, options)
            record.wall_seconds = time.perf_counter() - clock_zero
            record.measured.update(measured, **crew.measured())
            if registry is not None:
                record.claims = registry.owners()
            finished = True
            return record
        finally:
            try:
                crew.end(finished)
            finally:
                if memory is not None:
                    memory.release()

    def _collect(self, job, crew, memory, options):
        collected, waiting, attached, found = [], {}, set(), []
        sizes = {task.task_id: task.size for task in job.tasks}
        total = sum(sizes.values())
        done_states = 0
        while len(waiting) < len(crew.processes):
            if options.cancel is not None and options.cancel.is_set():
                raise MappingCancelled("the run was cancelled")
            try:
                message = crew.results.get(timeout=POLL_SECONDS)
            except queue_module.Empty:
                crew.check_alive(waiting)
                _offer_snapshot(options, memory)
                continue
            kind, run_id = message[:2]
            if run_id != crew.run_id:
                continue  # a late message of an earlier, aborted run on a pool
            if kind == "attached":
                attached.add(message[2])
                if len(attached) == len(crew.processes):
                    memory.unlink_names()
            elif kind == "result":
                collected.append(message[2])
                if options.on_result is not None:
                    options.on_result(message[2])
                done_states += sizes[message[2].task_id]
                if options.progress is not None:
                    options.progress(done_states, total)
                _offer_snapshot(options, memory)
            elif kind == "cycles":
                found.append(message[2:])
            elif kind == "done":
                waiting[message[2]] = message[3]
                crew.idle.add(message[2])
            else:
                _, _, worker, task_id, details = message
                crew.idle.add(worker)
                # A worker cut off from a dead Manager reports a broken pipe: name the cause.
                crew.check_manager(grace_seconds=MANAGER_GRACE_SECONDS)
                raise WorkerError(worker, task_id, details)
        return RunRecord(collected, waiting, found=found)


def _offer_snapshot(options, memory):
    if options.snapshots is not None:
        options.snapshots.offer(lambda: memory.marks(live=True), memory.task_flags)


def stop_processes(processes):
    r"""Terminate ``processes``, then kill those still running after a grace period."""
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

        sage: from sage_lfsr.engine.schedules.processes import split_evenly
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
