r"""
A pool of worker processes kept across maps: :class:`MappingPool`.

Each ``map_cycles(schedule=...)`` without a pool starts its workers and a
Manager, and every worker of the ``sage`` kernel rebuilds the register's
field and matrix from its key: some 0.05 to 0.1 s on a 2-core machine, as much
as the whole work of a small map. A notebook, a census or a batch script that
maps many registers pays that once with a pool, as joblib/loky's reusable
executor does::

    caller                                     pool worker w (started once)
    ------                                     ----------------------------
    MappingPool(workers=W): W workers, a Manager, one results queue
    each run: shared memory created  ------->  pipe: (run, job, memory names, source, registry)
              task queues, registry: the       attach the memory by name; kernel from its
              Manager's, kept across runs      cache (one per register key: Sage's rebuild,
              (a proxy reaches a worker once)  compiled code, kept); tasks as without a pool
              results queue  <----------------  ("attached" / "result" / "done" / "error", run, ...)
              names unlinked once all attached
    close(): "stop" to each worker, then terminate; the Manager shut down

A run on the pool is the run without it (:class:`~sage_lfsr.engine.schedules.processes.ProcessSchedule`
with the pool's :class:`PoolCrew` instead of fresh workers): the same tasks,
results, per-worker loads, Manager registry (emptied for each run), progress,
cancellation and checkpoints. A plan for ``n`` workers runs on the pool's
first ``n``; a plan for more than the pool has is refused. The pool's start
method applies (the plan's is not used).

When a run fails, the other workers are asked to stop after their current task
and the pool stays usable; a worker that raised reports its traceback as
without a pool. Workers that do not stop within :data:`SETTLE_SECONDS`, a
worker that died (its exit code or signal and task are reported) or a dead
Manager mark the pool for a restart: the next run starts all of them afresh
(:attr:`MappingPool.restarts` counts them). Closing the pool (``close()``, the
end of a ``with`` block, garbage collection, the interpreter's exit) ends every
process; each also dies with the caller (:mod:`~sage_lfsr.engine.schedules.lifetime`).
"""
from __future__ import annotations

import collections
import multiprocessing
import os
import pickle
import queue as queue_module
import threading
import time
import weakref
from multiprocessing.reduction import ForkingPickler

from sage_lfsr.common.errors import WorkerError
from sage_lfsr.engine.schedules import lifetime
from sage_lfsr.engine.schedules.processes import (NO_TASK, POLL_SECONDS, Crew, _child_setup, expected_parent_of,
                                           run_tasks, start_manager, stop_processes)

#: Seconds the workers of a failed or cancelled run get to stop before the pool is restarted.
SETTLE_SECONDS = 1.0
#: Kernels a worker keeps (one per register key and kernel), least recently used dropped first.
KERNELS_KEPT = 8


class KernelCache:
    r"""
    A worker's kernels by key (:meth:`~sage_lfsr.engine.job.Job.kernel_key`): a
    register mapped again reuses its kernel (the ``sage`` kernel's field and
    matrix, the ``fast`` kernel's tables). Jobs without a key build theirs each run.

    EXAMPLES::

        sage: from sage_lfsr import LFSR
        sage: from sage_lfsr.engine.planning import plan
        sage: from sage_lfsr.engine.pool import KernelCache
        sage: cache = KernelCache(kept=1)
        sage: job = plan(LFSR([1, 1, 0, 0]), kernel="sage").job()
        sage: cache.kernel(job) is cache.kernel(job)
        True
        sage: other = plan(LFSR([1, 0, 1]), kernel="sage").job()
        sage: first = cache.kernel(job); _ = cache.kernel(other); cache.kernel(job) is first
        False
    """

    def __init__(self, kept=KERNELS_KEPT):
        self.kept, self.kernels = kept, collections.OrderedDict()

    def kernel(self, job):
        key = getattr(job, "kernel_key", None)
        key = key() if key is not None else None
        if key is None:
            return job.kernel()
        if key in self.kernels:
            self.kernels.move_to_end(key)
        else:
            self.kernels[key] = job.kernel()
            while len(self.kernels) > self.kept:
                self.kernels.popitem(last=False)
        return self.kernels[key]


#: In a pool worker: the Manager objects the pool keeps (task queues, registry), by index.
_WORKER_PROXIES = {}


def _kept_proxy(index):
    return _WORKER_PROXIES[index]


class KeptProxy:
    r"""
    A Manager object (task queue, cycle registry) a pool keeps across runs. In
    the caller it stands for its proxy; pickled it is its index, which a pool
    worker resolves to the proxy it received once: a new proxy costs a
    connection and an authentication per process, a few milliseconds a run.
    """

    def __init__(self, index, proxy):
        self.index, self.proxy = index, proxy

    def __getattr__(self, name):
        return getattr(self.proxy, name)

    def __reduce__(self):
        return _kept_proxy, (self.index,)


class _KeptManager:
    r"""
    The pool's Manager as one run's task sources see it: ``Queue()`` and
    ``CycleRegistry()`` give the objects kept from earlier runs (emptied), new
    ones only when a run needs more; anything else is the Manager's.
    """

    def __init__(self, owned):
        self._owned, self._queues_given = owned, 0

    def Queue(self):
        owned = self._owned
        if self._queues_given == len(owned.queues):
            owned.queues.append(owned.keep(owned.manager.Queue()))
        self._queues_given += 1
        return owned.queues[self._queues_given - 1]

    def CycleRegistry(self):
        owned = self._owned
        if owned.registry is None:
            owned.registry = owned.keep(owned.manager.CycleRegistry())
        else:
            owned.registry.reset()
        return owned.registry

    def __getattr__(self, name):
        return getattr(self._owned.manager, name)


def _pool_worker_main(worker, commands, results, current_tasks, aborted, caller_pid):
    _child_setup(caller_pid)
    from sage_lfsr.engine.kernels import KERNELS

    kernels = KernelCache()
    while True:
        if not commands.poll(POLL_SECONDS * 10):
            if lifetime.parent_gone():
                return
            continue
        try:
            run_id, new_proxies, payload = commands.recv()
        except EOFError:
            return
        if run_id is None:
            return  # close()
        memory = None
        try:
            _WORKER_PROXIES.update(pickle.loads(new_proxies))
            job, memory, source, registry, clock_zero, kernel_classes = pickle.loads(payload)
        except BaseException:
            import traceback

            results.put(("error", run_id, worker, None, traceback.format_exc()))
            continue
        KERNELS.update(kernel_classes)  # kernels registered in the caller after the pool started
        run_tasks(worker, run_id, job, lambda: kernels.kernel(job), memory, source, registry, results,
                  current_tasks, clock_zero, aborted)
        del source, registry  # Manager proxies of a finished run
        try:
            memory.release()
        except Exception:  # pragma: no cover - the mapping goes with the worker at worst
            pass


class _PoolProcesses:
    r"""
    What a pool owns: the workers, their command pipes, the Manager, the
    results queue and the shared slots. Kept apart from :class:`MappingPool`
    so that its finalizer can end the processes without keeping the pool alive.
    """

    def __init__(self, workers, start_method):
        self.workers, self.start_method = workers, start_method
        self.context = multiprocessing.get_context(start_method)
        self.expected_parent = expected_parent_of(start_method)
        self.owner = os.getpid()
        self.processes, self.pipes, self.manager = [], [], None
        self.broken = None  # why the next run must restart the workers, or None
        self.restarts = 0

    def start(self):
        try:
            self._start()
        except BaseException:
            self.broken = "the workers did not start"
            stop_processes(self.processes)
            raise

    def _start(self):
        from multiprocessing import resource_tracker

        # Workers attach shared memory by name and register it with the resource
        # tracker: one tracker, started before they fork, is the creator's own.
        resource_tracker.ensure_running()
        context = self.context
        if self.manager is None or self.manager._process.exitcode is not None:
            self.manager = start_manager(context, self.expected_parent)
        self.results = context.Queue()
        self.kept, self.queues, self.registry = [], [], None
        self.proxies_sent = [set() for _ in range(self.workers)]
        self.current_tasks = context.RawArray("q", [NO_TASK] * self.workers)
        self.aborted = context.RawValue("q", 0)
        self.pipes, self.processes = [], []
        for worker in range(self.workers):
            receiver, sender = context.Pipe(duplex=False)
            process = context.Process(target=_pool_worker_main, name=f"sage_lfsr-pool-worker-{worker}",
                                      args=(worker, receiver, self.results, self.current_tasks, self.aborted,
                                            self.expected_parent), daemon=True)
            process.start()
            receiver.close()
            self.pipes.append(sender)
            self.processes.append(process)
        self.broken = None

    def keep(self, proxy):
        r"""A :class:`KeptProxy` for ``proxy``, handed to each worker once."""
        self.kept.append(KeptProxy(len(self.kept), proxy))
        return self.kept[-1]

    def new_proxies_for(self, worker):
        r"""The kept proxies ``worker`` has not received yet, pickled, as ``{index: proxy}``."""
        sent = self.proxies_sent[worker]
        new = {kept.index: kept.proxy for kept in self.kept if kept.index not in sent}
        sent.update(new)
        return bytes(ForkingPickler.dumps(new))

    def empty_queues(self):
        r"""Drop the tasks an interrupted run left in the kept queues (its workers have stopped)."""
        for task_queue in self.queues:
            while True:
                try:
                    task_queue.get_nowait()
                except queue_module.Empty:
                    break

    def restart(self):
        self.stop_workers()
        self.restarts += 1
        self.start()

    def stop_workers(self):
        for pipe in self.pipes:
            try:
                pipe.send((None, None, None))
            except OSError:
                pass
        deadline = time.monotonic() + SETTLE_SECONDS
        for process in self.processes:
            process.join(max(0.0, deadline - time.monotonic()))
        stop_processes(self.processes)
        for pipe in self.pipes:
            pipe.close()
        self.pipes = []

    def close(self):
        if os.getpid() != self.owner:
            return  # a forked child's copy: the processes are the caller's
        self.broken = "closed"
        self.stop_workers()
        self.processes = []
        if self.manager is not None:
            try:
                self.manager.shutdown()
            except Exception:  # pragma: no cover - a Manager already gone
                pass
            self.manager = None


class PoolCrew(Crew):
    r"""The first ``workers`` of a pool as the crew of one run (see :class:`~sage_lfsr.engine.schedules.processes.Crew`)."""

    def __init__(self, owned, workers, run_id, busy):
        super().__init__()
        self.owned, self.workers, self.run_id = owned, workers, run_id
        self.busy, self.holding = busy, False
        #: The workers this run was handed to (those to settle if it fails).
        self.handed = set()

    def open(self, needs_manager):
        if not self.busy.acquire(blocking=False):
            raise RuntimeError("the MappingPool is running another map: one run at a time")
        self.holding = True
        owned = self.owned
        if not owned.processes and owned.broken is None:
            owned.start()  # the first run: forked after the caller planned it, so they inherit its compiled code
        if owned.broken is None and any(process.exitcode is not None for process in owned.processes):
            owned.broken = "a worker process ended between runs"
        if owned.broken is None and owned.manager._process.exitcode is not None:
            owned.broken = "the Manager process ended between runs"
        if owned.broken is not None:
            owned.restart()
        self.manager, self.results = _KeptManager(owned), owned.results
        self.current_tasks, self.processes = owned.current_tasks, owned.processes[:self.workers]
        for worker in range(self.workers):
            self.current_tasks[worker] = NO_TASK

    def begin(self, job, memory, sources, registry, clock_zero):
        from sage_lfsr.engine.kernels import KERNELS

        for worker in range(self.workers):
            payload = ForkingPickler.dumps((job, memory, sources[worker], registry, clock_zero, dict(KERNELS)))
            try:
                self.owned.pipes[worker].send((self.run_id, self.owned.new_proxies_for(worker), bytes(payload)))
                self.handed.add(worker)
            except OSError:  # it died since open(): the run ends, the next one restarts the pool
                process = self.processes[worker]
                process.join(SETTLE_SECONDS)
                raise WorkerError(worker, None, f"the pool's worker process (pid {process.pid}) "
                                                f"{lifetime.describe_exit(process.exitcode)}", "before the run")

    def end(self, finished):
        if not self.holding:
            return
        try:
            if not finished and self.handed:
                self._settle()
        finally:
            self.holding = False
            self.busy.release()

    def measured(self):
        return {"pool_run": self.run_id, "pool_restarts": self.owned.restarts}

    def _settle(self):
        r"""Ask the run's workers to stop after their task; restart the pool at its next run if they do not."""
        owned = self.owned
        owned.broken = "the workers of an interrupted run did not stop"  # until they have, below
        owned.aborted.value = self.run_id
        deadline = time.monotonic() + SETTLE_SECONDS
        while not self.handed <= self.idle and time.monotonic() < deadline:
            if any(process.exitcode is not None for process in self.processes):
                owned.broken = "a worker process died during a run"
                break
            try:
                message = self.results.get(timeout=POLL_SECONDS / 2)
            except queue_module.Empty:
                continue
            if message[1] == self.run_id and message[0] in ("done", "error"):
                self.idle.add(message[2])
        else:
            if self.handed <= self.idle and owned.manager._process.exitcode is None:
                try:
                    owned.empty_queues()
                    owned.broken = None
                except Exception:  # the Manager went away meanwhile: restart at the next run
                    pass
        if owned.broken is not None:
            owned.stop_workers()  # nothing keeps running; the next run starts them again


class MappingPool:
    r"""
    Worker processes (and a Manager) started once and kept for many maps.

    INPUT:

    - ``workers`` -- the number of worker processes (default: every usable core)
    - ``start_method`` -- ``"fork"`` (default), ``"spawn"`` or ``"forkserver"``

    Use it as a context manager (or call :meth:`close`). Its :meth:`map_cycles`,
    :meth:`run` and :meth:`census` are :func:`~sage_lfsr.engine.mapper.map_cycles`,
    :func:`~sage_lfsr.engine.mapper.run` and :func:`~sage_lfsr.census.census` on the
    pool's workers (those functions also take ``pool=``). The ``static``,
    ``queue``, ``steal`` and ``hybrid`` schedules run on it; ``sequential`` runs
    in the caller as always; ``dask`` is refused. One run at a time.

    EXAMPLES::

        sage: from sage_lfsr import LFSR, map_cycles
        sage: from sage_lfsr.engine.pool import MappingPool
        sage: register = LFSR.from_polynomial("x^8 + x^4 + x^3 + x^2 + 1")
        sage: other = LFSR([1, 2, 0, 1], q=3)
        sage: with MappingPool(workers=2) as pool:
        ....:     first = pool.map_cycles(register, schedule="steal", batch_size=32)
        ....:     pids = pool.pids
        ....:     second = pool.map_cycles(other, schedule="queue", kernel="sage")
        ....:     same_workers = pool.pids == pids
        sage: first.cycle_counts == map_cycles(register).cycle_counts, len(first.worker_loads), same_workers
        (True, 2, True)
        sage: second.cycle_counts == map_cycles(other).cycle_counts
        True
        sage: pool
        MappingPool(2 workers, fork, closed)

    The workers start at the first run (or :meth:`start`), after the caller
    has planned it: forked workers then inherit the compiled kernel.

    TESTS::

        sage: MappingPool(workers=0)
        Traceback (most recent call last):
        ...
        ValueError: workers must be a positive integer, not 0
        sage: with MappingPool(workers=1) as pool:
        ....:     pool.map_cycles(register, schedule="static", workers=2)
        Traceback (most recent call last):
        ...
        ValueError: this pool has 1 worker; the plan asks for 2: plan with workers <= 1, or map without the pool
        sage: pool.map_cycles(register)
        Traceback (most recent call last):
        ...
        RuntimeError: the MappingPool is closed
    """

    def __init__(self, workers=None, start_method="fork"):
        from sage_lfsr.engine.planning import START_METHODS, check_arguments, default_workers

        check_arguments(workers=workers)
        if start_method not in START_METHODS:
            raise ValueError(f"unknown start method {start_method!r}: choose one of {', '.join(START_METHODS)}")
        self._owned = _PoolProcesses(int(workers or default_workers()), start_method)
        self._runs, self._busy = 0, threading.Lock()
        self._finalizer = weakref.finalize(self, self._owned.close)

    def start(self):
        r"""
        Start the workers and the Manager now (else the first run does, after
        planning, so forked workers inherit the kernel the caller compiled).
        Return the pool.
        """
        if self.closed:
            raise RuntimeError("the MappingPool is closed")
        if not self._owned.processes:
            self._owned.start()
        return self

    @property
    def workers(self) -> int:
        return self._owned.workers

    @property
    def start_method(self) -> str:
        return self._owned.start_method

    @property
    def closed(self) -> bool:
        return not self._finalizer.alive

    @property
    def pids(self) -> list:
        r"""The process ids of the workers, in worker order."""
        return [process.pid for process in self._owned.processes]

    @property
    def restarts(self) -> int:
        r"""How many times the workers were started again (after a worker died or a run did not stop)."""
        return self._owned.restarts

    def check(self, schedule, workers):
        r"""Raise unless a run of ``schedule`` (a name or class) on ``workers`` workers can use this pool."""
        from sage_lfsr.engine.schedules import schedule_class

        if self.closed:
            raise RuntimeError("the MappingPool is closed")
        cls = schedule_class(schedule) if isinstance(schedule, str) else type(schedule)
        if cls.name != "sequential" and not cls.runs_on_pool:
            raise ValueError(f"schedule {cls.name!r} does not run on a MappingPool: use static, queue, steal or "
                             "hybrid, or map without the pool")
        if cls.runs_on_pool and workers > self.workers:
            raise ValueError(f"this pool has {self.workers} worker{'s' if self.workers > 1 else ''}; the plan asks "
                             f"for {workers}: plan with workers <= {self.workers}, or map without the pool")

    def crew(self, workers):
        r"""The crew of the next run: the pool's first ``workers`` workers (for the process schedules)."""
        if self.closed:
            raise RuntimeError("the MappingPool is closed")
        self._runs += 1
        return PoolCrew(self._owned, workers, self._runs, self._busy)

    def map_cycles(self, register, schedule="hybrid", workers=None, **options):
        r"""
        :func:`~sage_lfsr.engine.mapper.map_cycles` on this pool's workers (default
        ``schedule="hybrid"`` on all of them); the other options as there.
        """
        from sage_lfsr.engine.mapper import map_cycles

        return map_cycles(register, schedule=schedule, workers=workers, pool=self, **options)

    def run(self, plan, **options):
        r""":func:`~sage_lfsr.engine.mapper.run` of ``plan`` on this pool's workers."""
        from sage_lfsr.engine.mapper import run

        return run(plan, pool=self, **options)

    def census(self, registers, **options):
        r""":func:`~sage_lfsr.census.census` of ``registers`` on this pool's workers."""
        from sage_lfsr.census import census

        return census(registers, pool=self, **options)

    def close(self):
        r"""End every worker and the Manager (also at the end of a ``with`` block, on garbage collection and at exit)."""
        self._finalizer()

    def __enter__(self):
        return self

    def __exit__(self, *exception):
        self.close()

    def __repr__(self):
        state = "closed" if self.closed else "running"
        return f"MappingPool({self.workers} worker{'s' if self.workers > 1 else ''}, {self.start_method}, {state})"

