r"""
``schedule="dask"`` for workers that share no memory (other machines, or
separate worker processes): every owner holds the marks (singular registers:
the depths) of its own blocks of states only
(:mod:`~sage_lfsr.engine.kernels.owned_marks`), never an array of the whole space.

::

    caller                                   Dask workers (owners 0..W-1, W >= 1 a worker process)
    ------                                   --------------------------------------------------
    per phase, each owner's tasks in 16      owned_group (pinned to the owner's worker, one group
    groups, pinned to its worker, in   --->  at a time, its walks on a thread of their own): each
    increasing order of states               mark written to a fixed-size buffer per owner; a full
                                             one is handed to the event loop, which sends it
                                             straight to that owner's worker (and its replica's):
                                             a Dask handler ORs the marks in there
    results only (segments, cycles)   <---   (nothing of the marks passes the scheduler or caller)

Phases: segments from the coarse distinguished starts of each owner's blocks,
walked once without marks (when they cover every state, as for primitive
registers, that is the whole map and no mark moves); when they leave states,
walked again with their marks, then a pass of finer
distinguished starts left unmarked (the long cycles without a coarse one),
then one sweep: each owner walks from its unmarked states and gives up at a
smaller or distinguished state, so a cycle is recorded by the owner of its
minimal state. Marks are only ever hints (a walk never marks its start; only
the recording walk passes a cycle's minimal state), so they may arrive late,
in any order, twice: the sweep has no rounds, and each owner walks on while
the marks of the others arrive; a barrier (the caller waiting for a phase)
only separates the phases. Singular registers: each owner numbers the depths
of its own states from its own depths only (:func:`~sage_lfsr.engine.kernels.owned_marks.owned_trees_walk`).

A lost worker: every mark for an owner also goes to a *replica* of its array
on another worker (``sage_lfsr.owned-replicas``, 1 by default; 0 halves the
memory), so when the worker dies its owners move to their replicas' workers,
which run its unfinished groups again: the map is the same and only the lost
worker's unfinished groups are walked twice. A caller that dies: ``checkpoint=``
records every task result as it arrives, and the rerun resumes as the local
schedules do (the segment tasks run again while sweep tasks remain).
"""
from __future__ import annotations

import asyncio
import pickle
import sys
import time

import numpy as np

from sage_lfsr.common.errors import MappingCancelled, WorkerError
from sage_lfsr.engine.job import TaskResult, count_depths
from sage_lfsr.engine.kernels.owned_marks import OwnedWalker, apply_local_marks, local_bits, marks_to_send, place, shifts
from sage_lfsr.engine.schedules import dask_common
from sage_lfsr.engine.schedules.base import RunRecord

#: Before the sweep, the states the segments left are cut into about ``2^FINE_SEGMENTS_LOG``
#: segments of finer distinguished states (:func:`fine_bits`): a long cycle without a
#: distinguished state of the coarse kind would otherwise be walked by several owners.
FINE_SEGMENTS_LOG = 12
#: Marks a buffer holds per owner (int64 while walking, sent as uint32): bounded memory per worker.
BUFFER_MARKS = 1 << 20
#: States a sweep call walks or scans before it yields (the worker applies the marks that arrived).
SWEEP_BUDGET = 1 << 18
#: Groups a phase's tasks of one owner are cut into (a lost worker's unfinished group is walked again).
GROUPS_PER_OWNER = 16
#: Seconds between two checks that the owners' workers are still in the cluster.
OWNER_CHECK_SECONDS = 1.0
#: Seconds one send of marks may take before it is tried again; a send to a worker the
#: caller has declared lost is dropped (its replica has the marks), else given up after
#: :data:`SEND_GIVE_UP_SECONDS` (the task fails: marks must not be lost silently).
SEND_TIMEOUT_SECONDS = 30.0
SEND_GIVE_UP_SECONDS = 300.0
HANDLER = "sage_lfsr_owned_marks"
#: Seconds to fetch a finished group's result (small: a result lost with its worker is run again elsewhere).
RESULT_SECONDS = 5.0


# ---------------------------------------------------------------------------- in the worker


class _OwnedArray:
    r"""An owner's array in :data:`~sage_lfsr.engine.schedules.dask_common.RUN_STATE` (released with its run)."""

    def release(self):
        pass


def _owned_array(run_id, owner, size, dtype):
    r"""This process's array (owner's or replica's) of ``owner`` for the run; ``None`` once the run has ended."""
    key = (run_id, "owned", owner)
    with dask_common.RUN_STATE_LOCK:
        if run_id in dask_common.ENDED_RUNS:
            return None
        if key not in dask_common.RUN_STATE:
            dtype = np.dtype(dtype)
            array = (np.zeros((size + 7) // 8, dtype=np.uint8) if dtype == np.uint8 and size >= 0 else
                     np.full(-size, np.iinfo(dtype).max, dtype=dtype))
            dask_common.RUN_STATE[key] = (None, array, _OwnedArray())
        return dask_common.RUN_STATE[key][1]


def owned_arrays_held(dask_worker=None):
    r"""How many owners' arrays (of any run) this process holds: 0 once every run has ended."""
    with dask_common.RUN_STATE_LOCK:
        return sum(1 for key in dask_common.RUN_STATE if len(key) == 3 and key[1] == "owned")


#: ``run id -> addresses`` the caller declared lost: marks for them are dropped.
_LOST = {}


async def receive_marks(run_id=None, client_id=None, owner=None, size=None, marks=None):
    r"""The Dask handler :data:`HANDLER`: OR ``marks`` (local indices) into this worker's array of ``owner``."""
    _RUN_CLIENTS[run_id] = client_id
    bitmap = _owned_array(run_id, owner, size, np.uint8)
    if bitmap is not None:
        apply_local_marks(bitmap, marks)
    return len(marks)


def install_handler(dask_worker=None):
    r"""Let this worker receive marks (:func:`receive_marks`); for ``client.run`` and every owned task."""
    import distributed

    worker = dask_worker or distributed.get_worker()
    worker.handlers.setdefault(HANDLER, receive_marks)
    # The walking thread takes the GIL back between its compiled calls; with the default 5 ms
    # switch interval it waits that long whenever the event loop is busy receiving marks.
    sys.setswitchinterval(min(sys.getswitchinterval(), SWITCH_INTERVAL_SECONDS))
    return True


#: The GIL switch interval of a worker that runs owned walks (see :func:`install_handler`).
SWITCH_INTERVAL_SECONDS = 0.0005


def declare_lost(run_id, address, dask_worker=None):
    r"""Marks for ``address`` in run ``run_id`` are dropped from now on (its owners moved to their replicas)."""
    _LOST.setdefault(run_id, set()).add(address)
    return True


def release_abandoned(live_clients, dask_worker=None):
    r"""Drop the owned arrays of runs whose caller is no longer connected (a caller that died)."""
    with dask_common.RUN_STATE_LOCK:
        ended = {key[0] for key in dask_common.RUN_STATE if len(key) == 3 and key[1] == "owned"
                 and _RUN_CLIENTS.get(key[0], None) not in live_clients}
    for run_id in ended:
        dask_common.release_run(run_id)
    return len(ended)


#: ``run id -> the caller's client id`` of the owned runs seen in this process.
_RUN_CLIENTS = {}


def _walker(job_key, job, block, owners, me):
    kernel = dask_common.cached_kernel(job_key, job)
    key = (id(kernel), block, owners, me)
    walker = _WALKERS.get(key)
    if walker is None or walker[0] is not kernel:
        capacity = max(1 << 14, BUFFER_MARKS // max(1, owners - 1))
        walker = _WALKERS[key] = (kernel, OwnedWalker(kernel, block, owners, me, capacity))
        while len(_WALKERS) > 4 * dask_common.KERNELS_KEPT:
            _WALKERS.pop(next(iter(_WALKERS)))
    return walker[1]


_WALKERS = {}


async def _send(worker, run_id, client_id, taken, routes, me, size, sent):
    r"""Send each owner's marks ``taken`` to the workers of ``routes[owner]`` (its own and its replica's)."""
    began, sends = time.perf_counter(), []
    for owner, marks in taken.items():
        marks = marks_to_send(marks, size)
        for address in routes[owner]:
            if address == worker.address:  # this owner's own marks, another owner's or a replica held here
                apply_local_marks(_owned_array(run_id, owner, size, np.uint8), marks)
            else:
                sends.append(_send_one(worker, run_id, client_id, address, owner, size, marks))
                sent[0] += len(marks)
                sent[1] += marks.nbytes
                sent[2] += 1
    if sends:
        await asyncio.gather(*sends)
    sent[3] += time.perf_counter() - began


async def _send_one(worker, run_id, client_id, address, owner, size, marks):
    from distributed.protocol import to_serialize

    began = time.monotonic()
    while address not in _LOST.get(run_id, ()):
        sending = asyncio.ensure_future(worker.rpc(address).sage_lfsr_owned_marks(
            run_id=run_id, client_id=client_id, owner=owner, size=size, marks=to_serialize(marks)))
        waited = time.monotonic()
        while not sending.done():  # a worker declared lost meanwhile ends the wait at once
            await asyncio.wait({sending}, timeout=0.25)
            if address in _LOST.get(run_id, ()) or time.monotonic() - waited > SEND_TIMEOUT_SECONDS:
                sending.cancel()
                break
        if sending.done() and not sending.cancelled() and sending.exception() is None:
            return
        if time.monotonic() - began > SEND_GIVE_UP_SECONDS:
            raise RuntimeError(f"marks for owner {owner} could not reach {address}")
        await asyncio.sleep(0.25)


async def owned_group(run_id, client_id, job_key, job, owner, owners, block, routes, phase, tasks, dbits, wall_zero):
    r"""
    Run ``tasks`` (of one phase, all in blocks of ``owner``) as that owner:
    ``(worker name, [(task id, cycles, segments, depth counts, steps, states, start, end)],
    bytes of this run's arrays in this process)``,
    or ``None`` when the run has ended. ``phase`` is ``"measure"`` (the segments,
    no marks), ``"segments"`` (with their marks), ``"fine"`` (segments from
    unmarked starts of ``dbits``), ``"sweep"`` or ``"trees"``.
    """
    import distributed

    worker = distributed.get_worker()
    install_handler(worker)
    _RUN_CLIENTS[run_id] = client_id
    if isinstance(job, bytes):
        job = pickle.loads(job)
    walker = _walker(job_key, job, block, owners, owner)
    size = local_bits(job.state_count, block, owners)
    singular = phase == "trees"
    if phase == "measure":  # no marks yet: an owner whose segments cover every state never allocates its bitmap
        array = None if run_id in dask_common.ENDED_RUNS else np.zeros(1, dtype=np.uint8)
    else:
        array = _owned_array(run_id, owner, -size if singular else size,
                             job.register.depth_dtype if singular else np.uint8)
    if array is None:
        return None
    # marks, bytes and messages sent to other workers; seconds sending; seconds walking; seconds waiting for sends
    name, sent = str(worker.name), [0, 0, 0, 0.0, 0.0, 0.0]
    clock_zero = time.perf_counter() - (time.time() - wall_zero)
    loop = asyncio.get_running_loop()
    sender = _Sender(loop, worker, run_id, client_id, routes, owner, size, sent, threaded=walker.compiled)
    arguments = (run_id, walker, array, phase, tasks, dbits, block, owners, singular, sender, clock_zero)
    # Dask runs coroutine tasks side by side on the event loop, not one a thread slot: the groups
    # of this process take turns, in the order they came (so each owner sweeps its states in
    # increasing order, and the marks of the others arrive before it gets there).
    async with _turns():
        try:
            if walker.compiled:  # on a thread of its own, without the GIL: the event loop sends and receives
                found = await loop.run_in_executor(_executor(), _walk_group, *arguments)
            else:  # the sage kernel: PARI runs on the main thread only
                found = _walk_group(*arguments)
        finally:
            await sender.drain()
    if found is None:
        return None
    with dask_common.RUN_STATE_LOCK:
        held = sum(entry[1].nbytes for key, entry in dask_common.RUN_STATE.items() if key[0] == run_id)
    return name, found, held, sent


def _walk_group(run_id, walker, array, phase, tasks, dbits, block, owners, singular, sender, clock_zero):
    r"""The walks of :func:`owned_group`; full buffers go to ``sender`` (which does not wait for their delivery)."""
    found, sent = [], sender.sent
    for task in tasks:
        if run_id in dask_common.ENDED_RUNS:
            return None
        start = time.perf_counter()
        cycles = segments = depth_counts = None
        try:
            if singular:
                cycles, steps = walker.trees(task.lo, task.hi, array)
                first = place(task.lo, block, owners, *shifts(block, owners))[1]
                depth_counts = count_depths(array[first:first + task.size], _Range(task))
                states = task.size
            elif phase == "sweep":
                steps, pieces, resume, status = 0, [], [task.lo, 0, 0, 0, 0], 0
                while status != 1:
                    part, walked, status = walker.sweep(task.lo, task.hi, array, dbits, resume, SWEEP_BUDGET)
                    steps += walked
                    pieces.append(part)
                    if status != 1 and walker.counts.any():  # marks reach the others while they sweep
                        sender.send(walker.take_buffers())
                cycles = np.concatenate(pieces).reshape(-1, 2)
                states = int(cycles[:, 1].sum())
                if len(cycles) and int(cycles.max()) < 1 << 32:  # x^d + 1 has q^d / d cycles: half the bytes
                    cycles = cycles.astype(np.uint32)
            else:
                steps, pieces, resume, done = 0, [], [task.lo, 0, 0, 0, 0, 0], False
                while not done:
                    part, walked, done = walker.segments(task.lo, task.hi, dbits, array, phase == "fine", resume,
                                                         phase != "measure")
                    steps += walked
                    pieces.append(part)
                    if not done:
                        sender.send(walker.take_buffers())
                segments = np.concatenate(pieces).reshape(-1, 4)
                states = int(segments[:, 2].sum())
        except Exception as error:
            raise dask_common.TaskFailed(task.task_id, f"{type(error).__name__}: {error}") from error
        end = time.perf_counter()
        sent[4] += end - start
        found.append((task.task_id, cycles, segments, depth_counts, steps, states, start - clock_zero,
                      end - clock_zero))
    sender.send(walker.take_buffers())
    return found


#: Sends of marks a group keeps under way while it walks on (bounded memory: this many buffers' copies).
SENDS_IN_FLIGHT = 16
_EXECUTOR = []


_TURNS = []


def _turns():
    r"""The lock the owned groups of this process take turns with (FIFO)."""
    if not _TURNS:
        _TURNS.append(asyncio.Lock())
    return _TURNS[0]


def _executor():
    import concurrent.futures

    if not _EXECUTOR:
        _EXECUTOR.append(concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="sage_lfsr-owned"))
    return _EXECUTOR[0]


class _Sender:
    r"""
    Sends of one group's buffers on the event loop, at most :data:`SENDS_IN_FLIGHT`
    under way: a walk on its own thread hands them over and walks on (it waits
    only when that many are still under way); one on the loop's thread does not wait.
    """

    def __init__(self, loop, worker, run_id, client_id, routes, owner, size, sent, threaded):
        import threading

        self.loop, self.arguments = loop, (worker, run_id, client_id)
        self.routes, self.owner, self.size, self.sent = routes, owner, size, sent
        self.threaded, self.flying, self.slots = threaded, [], threading.Semaphore(SENDS_IN_FLIGHT)

    def send(self, taken):
        if not taken:
            return
        coroutine = _send(*self.arguments, taken, self.routes, self.owner, self.size, self.sent)
        if not self.threaded:
            self.flying.append(asyncio.ensure_future(coroutine))
            return
        began = time.perf_counter()
        self.slots.acquire()
        self.sent[5] += time.perf_counter() - began
        future = asyncio.run_coroutine_threadsafe(coroutine, self.loop)
        future.add_done_callback(lambda _: self.slots.release())
        self.flying.append(future)

    async def drain(self):
        r"""Wait for every send (on the loop); raise the first that failed."""
        began = time.perf_counter()
        flying, self.flying = self.flying, []
        for send in flying:
            await (asyncio.wrap_future(send) if not isinstance(send, asyncio.Future) else send)
        self.sent[5] += time.perf_counter() - began


class _Range:
    def __init__(self, task):
        self.task_id, self.lo, self.hi = task.task_id, 0, task.size


# ---------------------------------------------------------------------------- in the caller


def fine_bits(uncovered, dbits):
    r"""
    Distinguished bits that cut the ``uncovered`` states left by segments of
    ``dbits`` bits into at most about ``2^FINE_SEGMENTS_LOG`` segments (0: none needed).

    EXAMPLES::

        sage: from sage_lfsr.engine.schedules.dask_owned import fine_bits
        sage: fine_bits(33000, 13), fine_bits(2**24, 0), fine_bits(2**24, 9), fine_bits(3000, 13)
        (4, 12, 8, 0)
    """
    wanted = max(0, int(uncovered - 1).bit_length() - FINE_SEGMENTS_LOG)
    return min(wanted, dbits - 1) if dbits > 0 else wanted


def owner_hosts(addresses, owners, replicas=1):
    r"""
    ``(host of each owner, replica host of each owner or None)``: owners dealt
    round-robin to the worker ``addresses``; an owner's replica lives on the
    worker of the next owner held elsewhere (none with one worker or ``replicas=0``).

    EXAMPLES::

        sage: from sage_lfsr.engine.schedules.dask_owned import owner_hosts
        sage: owner_hosts(["a", "b"], 2)
        (['a', 'b'], ['b', 'a'])
        sage: owner_hosts(["a", "b"], 5)
        (['a', 'b', 'a', 'b', 'a'], ['b', 'a', 'b', 'a', 'b'])
        sage: owner_hosts(["a"], 2), owner_hosts(["a", "b"], 2, replicas=0)
        ((['a', 'a'], [None, None]), (['a', 'b'], [None, None]))
    """
    hosts = [addresses[owner % len(addresses)] for owner in range(owners)]
    replica_hosts = [None] * owners
    if replicas and len(addresses) > 1:
        for owner in range(owners):
            replica_hosts[owner] = next(hosts[(owner + shift) % owners] for shift in range(1, owners + 1)
                                        if hosts[(owner + shift) % owners] != hosts[owner])
    return hosts, replica_hosts


def configured(key, default):
    r"""Dask's config key ``sage_lfsr.<key>`` as an int, else ``default``."""
    import dask

    value = dask.config.get(f"sage_lfsr.{key}", None)
    return default if value in (None, "auto") else int(value)


class OwnedRun:
    r"""One run of the owned mode on ``client``'s workers (see the module's description)."""

    def __init__(self, client, run_id, job, options, indices, job_key, job_argument, progress):
        self.client, self.run_id, self.job, self.options = client, run_id, job, options
        self.job_key, self.job_argument, self.progress = job_key, job_argument, progress
        workers = client.scheduler_info()["workers"]
        by_name = {str(info.get("name", address)): address for address, info in workers.items()}
        addresses = [by_name[name] for name, _ in sorted(indices.items(), key=lambda item: item[1]) if name in by_name]
        self.owners = configured("owned-owners", len(addresses))
        self.hosts, self.replica_hosts = owner_hosts(addresses, self.owners, configured("owned-replicas", 1))
        self.scheduler_tasks, self.failovers, self.held = 0, [], 0
        self.sent, self.phases = [0, 0, 0, 0.0, 0.0, 0.0], 0
        self.owners_checked = time.monotonic()

    def routes(self):
        return {owner: [host for host in (self.hosts[owner], self.replica_hosts[owner]) if host is not None]
                for owner in range(self.owners)}

    def run(self, wall_zero, clock_zero):
        job = self.job
        unknown = {task.phase for task in job.tasks} - {"segments", "sweep", "trees"}
        if unknown:
            raise ValueError(f"the owned mode runs segment, sweep and tree tasks, not {', '.join(sorted(unknown))}")
        self.block = max(task.size for task in job.tasks)
        self.size = local_bits(job.state_count, self.block, self.owners)
        self.wall_zero = wall_zero
        self.client.run(install_handler)
        with _suppressed():
            live = self.client.run_on_scheduler(_client_ids)
            self.client.run(release_abandoned, live)
        started = time.perf_counter()
        by_phase = {phase: [task for task in job.tasks if task.phase == phase] for phase in ("segments", "sweep", "trees")}
        fine, covered = 0, 0
        if by_phase["trees"]:
            for result in self._phase("trees", by_phase["trees"], 0):
                self.progress.add(result)
        marked = 0  # states walked again to mark them
        if by_phase["segments"]:
            # First the segments alone: when they cover every state (primitive registers) no mark is needed.
            for result in self._phase("measure", by_phase["segments"], job.dbits):
                covered += result.states_owned
                self.progress.add(result)
        if by_phase["sweep"]:
            uncovered = job.state_count - covered if by_phase["segments"] else job.state_count
            if uncovered and by_phase["segments"]:  # walked again, their marks to their owners
                marked = sum(result.states_traced for result in self._phase("segments", by_phase["segments"],
                                                                            job.dbits))
            dbits, fine_segments = job.dbits, {}
            if uncovered and by_phase["segments"]:
                fine = fine_bits(uncovered, job.dbits)
                if fine:
                    for result in self._phase("fine", by_phase["sweep"], fine):
                        fine_segments[result.task_id] = result
                    dbits = fine
            if uncovered:
                for result in self._phase("sweep", by_phase["sweep"], dbits):
                    cut = fine_segments.get(result.task_id)
                    if cut is not None:
                        result.segments, result.states_traced = cut.segments, result.states_traced + cut.states_traced
                        result.states_owned += cut.states_owned
                        result.start = cut.start
                    self.progress.add(result)
            else:
                now = time.perf_counter() - clock_zero
                for task in by_phase["sweep"]:
                    self.progress.add(TaskResult(task.task_id, 0, "sweep", dask_common.NO_CYCLES,
                                                 dask_common.NO_SEGMENTS, dask_common.NO_DEPTHS, 0, 0, now, now))
        record = RunRecord(self.progress.collected, {index: 0.0 for index in range(len(set(self.hosts)))}, None,
                           time.perf_counter() - clock_zero)
        record.measured.update(dask_groups=self.progress.groups, owned_owners=self.owners, owned_block=self.block,
                               owned_fine_bits=fine, owned_marking_steps=marked, owned_scheduler_tasks=self.scheduler_tasks, owned_phases=self.phases,
                               owned_worker_bytes=self.held, owned_marks_sent=self.sent[0],
                               owned_marks_bytes=self.sent[1], owned_messages=self.sent[2], owned_send_seconds=self.sent[3], owned_walk_seconds=self.sent[4], owned_wait_seconds=self.sent[5],
                               owned_replicas=sum(host is not None for host in self.replica_hosts),
                               owned_seconds=time.perf_counter() - started,
                               owned_failovers=list(self.failovers), owned_marks_via_caller_bytes=0)
        return record

    # ---------------------------------------------------------------- one phase

    def _phase(self, phase, tasks, dbits):
        r"""Run ``tasks`` as ``phase`` on their owners; yield their :class:`TaskResult`\ s as groups finish."""
        self.phases += 1
        by_owner = {}
        for task in tasks:
            by_owner.setdefault((task.lo // self.block) % self.owners, []).append(task)
        groups = []
        for owner, mine in sorted(by_owner.items()):
            size = max(1, -(-len(mine) // GROUPS_PER_OWNER))
            groups += [(owner, tuple(mine[position:position + size])) for position in range(0, len(mine), size)]
        pending = {self._submit(phase, owner, group, dbits): (owner, group) for owner, group in groups}
        result_phase = {"fine": "sweep", "measure": "segments"}.get(phase, phase)
        try:
            for (name, found, held, sent), (owner, group) in self._wait(pending, phase, dbits):
                self.progress.groups += 1
                self.sent = [total + part for total, part in zip(self.sent, sent)]
                self.held = max(self.held, held)
                for task_id, cycles, segments, depth_counts, steps, states, start, end in found:
                    result = TaskResult(task_id, -1, result_phase,
                                        dask_common.NO_CYCLES if cycles is None else cycles,
                                        dask_common.NO_SEGMENTS if segments is None else segments,
                                        dask_common.NO_DEPTHS if depth_counts is None else depth_counts,
                                        steps, states, start, end)
                    result.worker = self.progress.indices.setdefault(
                        name, max(self.progress.indices.values(), default=-1) + 1)
                    yield result
        except BaseException:
            self.client.cancel(list(pending))
            raise

    def _submit(self, phase, owner, group, dbits):
        self.scheduler_tasks += 1
        return self.client.submit(
            owned_group, self.run_id, self.client.id, self.job_key, self.job_argument, owner, self.owners, self.block,
            self.routes(), phase, group, dbits, self.wall_zero, pure=False, workers=[self.hosts[owner]],
            allow_other_workers=False, priority=-group[0].lo,  # an owner's groups in increasing order of states
            key=f"sage_lfsr-{self.run_id}-{phase}-{owner}-{group[0].task_id}-{len(self.failovers)}")

    def _wait(self, pending, phase, dbits):
        r"""Yield ``(outcome, (owner, group))`` as groups finish; move the owners of a lost worker to their replicas."""
        import distributed

        client, options = self.client, self.options
        while pending:
            if options.cancel is not None and options.cancel.is_set():
                raise MappingCancelled("the run was cancelled")
            try:
                finished = distributed.wait(list(pending), timeout=dask_common.POLL_SECONDS,
                                            return_when="FIRST_COMPLETED").done
            except distributed.TimeoutError:
                self._check_hosts(pending, phase, dbits)
                continue
            for future in finished:
                if future not in pending:  # moved with its owner by a fail-over a moment ago
                    continue
                owner, group = tag = pending.pop(future)
                error = future.exception() if future.status == "error" else None
                if isinstance(error, dask_common.TaskFailed):
                    task_id, details = error.args
                    raise WorkerError(f"on Dask ({future.key})", task_id, details) from error
                outcome = None
                if error is None:
                    try:
                        outcome = future.result(timeout=RESULT_SECONDS)
                    except Exception as lost:
                        error = lost
                future.release()
                if error is not None:
                    if not self._host_lost(self.hosts[owner]):
                        raise WorkerError(f"on Dask ({future.key})", group[0].task_id,
                                          f"{type(error).__name__}: {error}") from error
                    self._fail_over(self.hosts[owner], pending, phase, dbits)
                    pending[self._submit(phase, owner, group, dbits)] = tag
                    continue
                if outcome is None:
                    raise MappingCancelled("the run ended on the workers")
                yield outcome, tag

    def _host_lost(self, host, seconds=10.0):
        r"""Whether ``host`` has left the cluster (its departure may reach the scheduler a moment after its tasks' errors)."""
        until = time.monotonic() + seconds
        while host in self._present():
            if time.monotonic() > until:
                return False
            time.sleep(0.25)
        return True

    def _present(self):
        return set(self.client.scheduler_info()["workers"])

    def _check_hosts(self, pending, phase, dbits):
        now = time.monotonic()
        if now - self.owners_checked < OWNER_CHECK_SECONDS:
            return
        self.owners_checked = now
        present = self._present()
        for host in sorted(set(self.hosts) - present):
            self._fail_over(host, pending, phase, dbits)

    def _fail_over(self, host, pending, phase, dbits):
        r"""
        The worker at ``host`` is lost: its owners move to their replicas'
        workers (which hold their marks), and their unfinished groups run there again.
        """
        if host not in self.hosts:
            return
        moved = [owner for owner in range(self.owners) if self.hosts[owner] == host]
        orphans = [owner for owner in moved if self.replica_hosts[owner] is None]
        if orphans and phase != "trees":
            self.client.cancel(list(pending))
            raise WorkerError(f"on Dask ({host})", None, "an owner of states was lost with its marks and no "
                              "replica of them (owned mode, sage_lfsr.owned-replicas = 0): run again",
                              where="during the run")
        survivors = sorted(set(self.hosts) - {host})
        if not survivors:
            raise WorkerError(f"on Dask ({host})", None, "every worker of the owned run was lost", where="during the run")
        for owner in moved:
            self.hosts[owner] = self.replica_hosts[owner] or survivors[owner % len(survivors)]
            self.replica_hosts[owner] = None
        for owner in range(self.owners):
            if self.replica_hosts[owner] == host:
                self.replica_hosts[owner] = None
        self.failovers.append({"lost": host, "owners": moved, "phase": phase})
        with _suppressed():
            self.client.run(declare_lost, self.run_id, host, workers=sorted(set(self.hosts)))
        for future, (owner, group) in list(pending.items()):
            if owner in moved:
                pending.pop(future)
                self.client.cancel([future])
                pending[self._submit(phase, owner, group, dbits)] = (owner, group)


def _client_ids(dask_scheduler=None):
    return set(dask_scheduler.clients)


class _suppressed:
    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        return exc_info[0] is not None and issubclass(exc_info[0], Exception)

