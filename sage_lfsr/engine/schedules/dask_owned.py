r"""
``schedule="dask"`` for workers that share no memory (other machines): every
worker owns blocks of states and holds the marks of its own states only
(:mod:`~sage_lfsr.engine.kernels.owned_marks`), never a bitmap of the whole space.

::

    caller                                     Dask workers (W owners)
    ------                                     -----------------------
    1. segments: groups of segment tasks  -->  any worker: segments from the distinguished
                                               starts; each state walked written, as its
       results only (owned_results)       <--  owner's bit, to that owner's row; the rows
                                               stay on this worker
    2. sweep (only if the segments left states), every pass submitted at once as a graph:
       pass 0 of owner v (pinned) takes the segment groups' rows for v (owned_part: a bitmap
       or indices, moved worker to worker by Dask), applies them, cuts or sweeps its blocks
       of window 0; pass r + 1 of v takes v's pass r and the marks the other owners' pass r
       made for v (owned_outgoing, extracted where they were made)
       results only (owned_found)         <--  cycles found, segments cut, marks moved

Every segment is walked once (no redundant work); after the segments' marks
have reached their owners only cycles without distinguished states are left,
and a cycle is recorded from its minimal state by the owner of that state, in
the round of its window. A walk is redundant only where two owners hold states
of one such cycle in the same window: the more rounds, the less (``R`` from the
states the segments left, :func:`sweep_rounds`). A lost worker takes the marks
of its states with it: the run fails with a :class:`~sage_lfsr.common.errors.WorkerError`.
"""
from __future__ import annotations

import asyncio
import itertools
import os
import pickle
import time

import numpy as np

from sage_lfsr.common.errors import MappingCancelled, WorkerError
from sage_lfsr.engine.job import TaskResult
from sage_lfsr.engine.kernels.owned_marks import EncodedMarks, OwnedTracer, local_bits, marks_by_owner
from sage_lfsr.engine.schedules import dask_common
from sage_lfsr.engine.schedules.base import RunRecord

#: Sweep rounds when the segments leave every state (x^d + 1: only short cycles);
#: fewer in proportion when they leave fewer (config key ``sage_lfsr.owned-rounds``).
ROUNDS_FOR_A_WHOLE_SWEEP = 32
#: Before the rounds, the states the segments left are cut into about ``2^FINE_SEGMENTS_LOG``
#: segments of finer distinguished states (:func:`fine_bits`): a long cycle without a
#: distinguished state of the coarse kind would otherwise be re-walked by every owner.
FINE_SEGMENTS_LOG = 12
#: Seconds between two checks that the owners are still in the cluster.
OWNER_CHECK_SECONDS = 2.0


#: ``(run id, pass, owner) -> found`` of the sweep passes run in this process, until the caller takes them
#: (:func:`owned_found`): kept out of the pass's outcome, which travels to the next pass of another owner.
_FOUND = {}


class _OwnedMemory:
    r"""What :func:`~sage_lfsr.engine.schedules.dask_common.release_run` releases: a private bitmap and the results not taken."""

    def __init__(self, run_id):
        self.run_id = run_id

    def release(self):
        for key in [key for key in _FOUND if key[0] == self.run_id]:
            _FOUND.pop(key, None)


def _owner_state(run_id, job_key, job, bits):
    r"""``(tracer, bitmap)`` of this owner for the run, or ``None`` once the run has ended."""
    with dask_common.RUN_STATE_LOCK:
        if run_id in dask_common.ENDED_RUNS:
            return None
        key = (run_id, os.getpid())
        if key not in dask_common.RUN_STATE:
            dask_common.RUN_STATE[key] = (None, np.zeros((bits + 7) // 8, dtype=np.uint8), _OwnedMemory(run_id))
        _, bitmap, _ = dask_common.RUN_STATE[key]
    return _tracer(job_key, job), bitmap


_TRACERS = {}


def _tracer(job_key, job):
    kernel = dask_common.cached_kernel(job_key, job)
    tracer = _TRACERS.get(id(kernel))
    if tracer is None or tracer[0] is not kernel:
        tracer = _TRACERS[id(kernel)] = (kernel, OwnedTracer(kernel))
        while len(_TRACERS) > dask_common.KERNELS_KEPT:
            _TRACERS.pop(next(iter(_TRACERS)))
    return tracer[1]


def _job(job):
    return pickle.loads(job) if isinstance(job, bytes) else job


async def owned_segments(run_id, job_key, job, tasks, wall_zero, block, owners):
    r"""
    Segment tasks on any worker: ``(worker name, [TaskResult], [marks for owner 0, 1, ...])``,
    kept where it ran: the caller takes the results (:func:`owned_results`), the
    owners their marks (:func:`owned_part`), worker to worker.
    """
    import distributed

    job = _job(job)
    tracer, results, marks_parts = _tracer(job_key, job), [], []
    for position, task in enumerate(tasks):
        if position:
            await asyncio.sleep(0)
        if run_id in dask_common.ENDED_RUNS:
            return None
        clock_zero = time.perf_counter() - (time.time() - wall_zero)
        start = time.perf_counter()
        try:
            segments, marks, steps = tracer.segments(task.lo, task.hi, job.dbits, block, owners)
        except Exception as error:
            raise dask_common.TaskFailed(task.task_id, f"{type(error).__name__}: {error}") from error
        marks_parts.append(marks)
        results.append(TaskResult(task.task_id, -1, "segments", dask_common.NO_CYCLES, segments, dask_common.NO_DEPTHS, steps,
                                  int(segments[:, 2].sum()), start - clock_zero, time.perf_counter() - clock_zero))
    marks = [np.concatenate([part[owner] for part in marks_parts]) if marks_parts else np.empty(0, dtype=np.uint32)
             for owner in range(owners)]
    return str(distributed.get_worker().name), results, marks


def owned_results(outcome):
    r"""The small part of a segment group's ``outcome``: ``(worker name, results, marks per owner)``."""
    if outcome is None:
        return None
    name, results, parts = outcome
    return name, results, [len(part) for part in parts]


def owned_part(outcome, owner, bits):
    r"""The marks of a segment group's ``outcome`` for ``owner``, encoded (:class:`EncodedMarks`)."""
    name, _, parts = outcome
    return EncodedMarks(parts[owner], bits, name)


def owned_outgoing(outcome, owner):
    r"""The marks of a sweep pass's ``outcome`` for ``owner`` (``None``: none), without the rest of it."""
    return None if outcome is None else outcome[2][owner]


def owned_found(outcome):
    r"""The small part of a sweep pass's ``outcome``: ``(worker name, found, marks sent, bytes received)``."""
    if outcome is None:
        return None
    name, key, outgoing, _, received_bytes = outcome
    return name, _FOUND.pop(key), sum(part.count for part in outgoing if part is not None), received_bytes


async def owned_sweep(run_id, job_key, job, owner, blocks, bits, block, owners, incoming, wall_zero, dbits, cut=False,
                      pass_index=0):
    r"""
    Apply the marks ``incoming`` (:class:`EncodedMarks` from segment groups, or
    earlier passes' outcomes, whose marks for this owner it takes), then sweep
    ``blocks`` (``(task id, lo, hi)``, this owner's) of one round, or with
    ``cut`` trace the segments from their unmarked distinguished states:
    ``(worker name, key of its found [(task id, cycles, segments, steps, start, end)]
    here, [marks for owner 0, 1, ... (none for this one)], marks received, bytes
    received from other workers)``.
    """
    import distributed

    job = _job(job)
    state = _owner_state(run_id, job_key, job, bits)
    if state is None:
        return None
    name = str(distributed.get_worker().name)
    tracer, bitmap = state
    received = received_bytes = 0
    for item in incoming:
        if item is None:  # a pass of a run that has ended
            continue
        if isinstance(item, tuple):  # an earlier pass of some owner: its marks for this one
            if item[2][owner] is None:
                continue
            item = item[2][owner]
        item.apply(bitmap)
        received += item.count
        received_bytes += item.nbytes if item.source != name else 0
    clock_zero = time.perf_counter() - (time.time() - wall_zero)
    found, walked_parts = [], []
    # A task's blocks in one call.
    calls = [list(entries) for _, entries in itertools.groupby(blocks, key=lambda entry: entry[0])]
    for position, entries in enumerate(calls):
        if position:
            await asyncio.sleep(0)
        start = time.perf_counter()
        cycles = segments = None
        task_id, ranges = entries[0][0], [entry[1:] for entry in entries]
        try:
            if cut:
                segments, walked, steps = tracer.unmarked_segments(ranges, bitmap, dbits, block, owners, owner)
            else:
                cycles, walked, steps = tracer.sweep(ranges, bitmap, dbits, block, owners, owner)
        except Exception as error:
            raise dask_common.TaskFailed(task_id, f"{type(error).__name__}: {error}") from error
        walked_parts.append(walked)
        found.append((task_id, dask_common.NO_CYCLES if cycles is None else cycles, dask_common.NO_SEGMENTS if segments is None else segments,
                      steps, start - clock_zero, time.perf_counter() - clock_zero))
    walked = np.concatenate(walked_parts) if walked_parts else np.empty(0, dtype=np.int64)
    outgoing = [None if destination == owner or not len(part) else EncodedMarks(part, bits, name)
                for destination, part in enumerate(marks_by_owner(walked, block, owners))]
    _FOUND[(run_id, pass_index, owner)] = found
    return name, (run_id, pass_index, owner), outgoing, received, received_bytes


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


def sweep_rounds(uncovered, state_count, configured=None):
    r"""
    Sweep rounds: none when the segments cover every state; else
    :data:`ROUNDS_FOR_A_WHOLE_SWEEP`, fewer only when the states left are under an
    eighth of the space (at most ``uncovered`` states can be re-walked per round
    and owner, so a few states need one round).

    EXAMPLES::

        sage: from sage_lfsr.engine.schedules.dask_owned import sweep_rounds
        sage: sweep_rounds(0, 2**20), sweep_rounds(31, 2**20), sweep_rounds(2**19, 2**20), sweep_rounds(2**14, 2**20)
        (0, 1, 32, 4)
        sage: sweep_rounds(5, 2**20, 8)
        8
    """
    if uncovered == 0:
        return 0
    if configured is not None:
        return int(configured)
    return max(1, min(ROUNDS_FOR_A_WHOLE_SWEEP, -(-8 * ROUNDS_FOR_A_WHOLE_SWEEP * uncovered // state_count)))


def block_size(batch, state_count, owners, rounds):
    r"""
    States per block: a divisor of the task size ``batch`` (a block lies in one
    task) near ``state_count / (owners * rounds)``, so a window of ``owners``
    blocks makes about ``rounds`` rounds.

    EXAMPLES::

        sage: from sage_lfsr.engine.schedules.dask_owned import block_size
        sage: block_size(2**16, 2**20, 2, 64), block_size(2**16, 2**20, 4, 1), block_size(100, 1000, 3, 7)
        (8192, 65536, 50)
    """
    wanted = max(1, state_count // (owners * max(1, rounds)))
    divisors = [divisor for divisor in range(1, batch + 1) if batch % divisor == 0] if batch < 1 << 20 else [
        batch >> shift for shift in range(batch.bit_length()) if batch % (batch >> shift) == 0]
    return min(divisors, key=lambda divisor: (abs(np.log2(divisor / wanted)), -divisor))


class OwnedRun:
    r"""One run of the owned mode on ``client``'s workers (see the module's description)."""

    def __init__(self, client, run_id, job, options, indices, job_key, job_argument, progress):
        self.client, self.run_id, self.job, self.options = client, run_id, job, options
        self.job_key, self.job_argument, self.progress = job_key, job_argument, progress
        workers = client.scheduler_info()["workers"]
        by_name = {str(info.get("name", address)): address for address, info in workers.items()}
        #: Owner ``v`` is the worker with index ``v``: its address, for pinned tasks.
        self.addresses = [by_name[name] for name, _ in sorted(indices.items(), key=lambda item: item[1])
                          if name in by_name]
        self.indices = indices
        self.owners = len(self.addresses)
        #: Marks for other owners the walks produced (states); bytes of marks moved between
        #: workers (worker to worker); none travel through the caller.
        self.marks_states = self.marks_bytes = self.passes = 0
        self.owners_checked, self.owners_missing = time.monotonic(), set()

    def run(self, wall_zero, clock_zero):
        job = self.job
        unknown = {task.phase for task in job.tasks} - {"segments", "sweep"}
        if unknown:
            raise ValueError(f"the owned mode runs segment and sweep tasks, not {', '.join(sorted(unknown))}")
        sweeps = [task for task in job.tasks if task.phase == "sweep"]
        segments = [task for task in job.tasks if task.phase == "segments"]
        batch = max((task.size for task in sweeps), default=job.state_count)
        covered = job.state_count if not sweeps else 0
        # The blocks are fixed before the segments route their marks: small enough
        # for the most rounds; a sweep of fewer rounds takes several windows a round.
        self.block = block_size(batch, job.state_count, self.owners,
                                _configured_rounds() or ROUNDS_FOR_A_WHOLE_SWEEP)
        self.bits = local_bits(job.state_count, self.block, self.owners)
        groups = []
        try:
            if segments:
                covered, groups = self._segments(segments, wall_zero)
            rounds = 0
            if sweeps:
                # A run with sweeps left runs every segment task (a resumed one too: see mapper),
                # so the segments' lengths tell the states they leave.
                uncovered = job.state_count - covered if segments else job.state_count
                rounds = self._sweep(sweeps, uncovered, groups, wall_zero, clock_zero)
        finally:
            for future in groups:
                future.release()
        record = RunRecord(self.progress.collected, {index: 0.0 for index in range(self.owners)}, None,
                           time.perf_counter() - clock_zero)
        record.measured.update(dask_groups=self.progress.groups, owned_block=self.block, owned_rounds=rounds,
                               owned_marks_states=self.marks_states, owned_marks_bytes=self.marks_bytes,
                               owned_marks_via_caller_bytes=0)
        return record

    # ---------------------------------------------------------------- segments

    def _segments(self, tasks, wall_zero):
        r"""
        The segment groups on any workers; their marks stay there until the sweep
        asks for them. Return ``(states covered, the groups' futures)``.
        """
        groups = dask_common.task_groups(tasks, self.owners)
        outcomes = [self.client.submit(owned_segments, self.run_id, self.job_key, self.job_argument, group, wall_zero,
                                       self.block, self.owners, pure=False, retries=dask_common.TASK_RETRIES,
                                       key=f"sage_lfsr-{self.run_id}-{group[0].task_id}") for group in groups]
        pending = {self.client.submit(owned_results, outcome, pure=False): outcome for outcome in outcomes}
        covered, self.segment_marks = 0, {}
        for (name, results, counts), outcome in self._wait(pending):
            self.progress.groups += 1
            for result in results:
                covered += result.states_owned
                self.progress.add(result, name)
            self.segment_marks[outcome] = counts
            self.marks_states += sum(count for owner, count in enumerate(counts) if owner != self.indices.get(name))
        return covered, outcomes

    def _segment_parts(self, groups):
        r"""Per owner, its marks from the segment groups (futures on the groups' workers)."""
        return [[self.client.submit(owned_part, outcome, owner, self.bits, pure=False)
                 for outcome in groups if self.segment_marks[outcome][owner]] for owner in range(self.owners)]

    # ---------------------------------------------------------------- sweep

    def _sweep(self, tasks, uncovered, groups, wall_zero, clock_zero):
        r"""The sweep tasks: a pass of finer segments, then rounds; return the rounds."""
        block, owners = self.block, self.owners
        by_task = {task.task_id: task for task in tasks}
        parts = {task.task_id: [] for task in tasks}
        blocks = [[] for _ in range(owners)]  # (global block index, task id, lo, hi) per owner
        for task in tasks:
            for lo in range(task.lo, task.hi, block):
                index = lo // block
                blocks[index % owners].append((index, task.task_id, lo, min(task.hi, lo + block)))
        dbits = self.job.dbits
        incoming = self._segment_parts(groups) if uncovered else [[] for _ in range(owners)]
        if uncovered:
            fine = fine_bits(uncovered, dbits)
            if fine:
                passes = self._pass([[entry[1:] for entry in mine] for mine in blocks], incoming, wall_zero, fine,
                                    True)
                uncovered -= self._collect(passes, parts)
                incoming = self._incoming(passes)
                dbits = fine
        rounds = sweep_rounds(uncovered, self.job.state_count, _configured_rounds())
        if rounds:
            # A round is ``per_round`` windows of ``owners`` consecutive blocks; each owner
            # sweeps its blocks of the round in increasing order. The rounds are submitted
            # at once: round r + 1 of an owner waits on Dask for every owner's round r
            # (their marks for it travel worker to worker), not on the caller.
            per_round = -(-(-(-self.job.state_count // (block * owners))) // rounds)
            by_round = {}
            for owner, mine in enumerate(blocks):
                for index, task_id, lo, hi in mine:
                    by_round.setdefault(index // owners // per_round, [[] for _ in range(owners)])[owner].append(
                        (task_id, lo, hi))
            every = []
            for window in sorted(by_round):
                passes = self._pass(by_round[window], incoming, wall_zero, dbits, False)
                every.append(passes)
                incoming = self._incoming(passes)
            passes = incoming = None
            for position in range(len(every)):
                self._collect(every[position], parts)
                every[position] = None  # its marks are with the next round's tasks: free them there once used
            rounds = len(by_round)
        for task_id, task in by_task.items():
            self.progress.add(_merged(task, parts[task_id], clock_zero))
        return rounds

    def _incoming(self, passes):
        r"""
        What each owner's next pass takes: its own last pass (so it runs after it)
        and the marks the others' last passes made for it (moved worker to worker).
        """
        # With two owners a pass's outcome holds marks for the other one only: it travels whole, one task less a round.
        return [[future if sender == owner or self.owners == 2 else
                 self.client.submit(owned_outgoing, future, owner, pure=False, workers=[self.addresses[sender]])
                 for sender, future in enumerate(passes)] for owner in range(self.owners)]

    def _pass(self, blocks, incoming, wall_zero, dbits, cut):
        r"""One pass: owner ``v`` applies ``incoming[v]`` and sweeps (or cuts) ``blocks[v]``; its future per owner."""
        self.passes += 1
        return [self.client.submit(
            owned_sweep, self.run_id, self.job_key, self.job_argument, owner, blocks[owner], self.bits,
            self.block, self.owners, incoming[owner], wall_zero, dbits, cut, self.passes, pure=False,
            workers=[self.addresses[owner]], allow_other_workers=False) for owner in range(self.owners)]

    def _collect(self, passes, parts):
        r"""Wait for one pass's results (not its marks); file them under their tasks; return the states cut."""
        pending = {self.client.submit(owned_found, future, pure=False, workers=[self.addresses[owner]]): owner
                   for owner, future in enumerate(passes)}
        cut_states = 0
        for (name, found, sent, received_bytes), owner in self._wait(pending, pinned=True):
            self.progress.groups += 1
            self.marks_states += sent
            self.marks_bytes += received_bytes
            for task_id, cycles, segments, steps, start, end in found:
                parts[task_id].append((owner, cycles, segments, steps, start, end))
                cut_states += int(segments[:, 2].sum())
        return cut_states

    # ---------------------------------------------------------------- waiting

    def _wait(self, pending, pinned=False):
        r"""Yield ``(outcome, tag)`` of the ``pending`` futures as they finish; raise on cancel, errors, lost owners."""
        import distributed

        client, options = self.client, self.options
        while pending:
            if options.cancel is not None and options.cancel.is_set():
                client.cancel(list(pending))
                raise MappingCancelled("the run was cancelled")
            try:
                finished = distributed.wait(list(pending), timeout=dask_common.POLL_SECONDS,
                                            return_when="FIRST_COMPLETED").done
            except distributed.TimeoutError:
                if pinned:
                    self._check_owners(pending)
                continue
            for future in finished:
                tag = pending.pop(future)
                try:
                    if future.status == "error":
                        error = future.exception()
                        task_id, details = error.args if isinstance(error, dask_common.TaskFailed) else (
                            None, f"{type(error).__name__}: {error}")
                        raise WorkerError(f"on Dask ({future.key})", task_id, details) from error
                    outcome = future.result(timeout=dask_common.RESULT_TIMEOUT_SECONDS)
                except WorkerError:
                    client.cancel(list(pending))
                    raise
                except Exception:
                    if pinned:
                        client.cancel(list(pending))
                        raise WorkerError(f"on Dask ({future.key})", None, "an owner of states was lost with its "
                                          "marks (owned mode): run again", where="during the run") from None
                    pending[distributed.Future(future.key, client)] = tag  # recomputed elsewhere
                    future.release()
                    continue
                future.release()
                if outcome is None:
                    raise MappingCancelled("the run ended on the workers")
                yield outcome, tag

    def _check_owners(self, pending):
        r"""Fail when an owner has left the cluster (seen missing twice, :data:`OWNER_CHECK_SECONDS` apart)."""
        now = time.monotonic()
        if now - self.owners_checked < OWNER_CHECK_SECONDS:
            return
        self.owners_checked = now
        present = set(self.client.scheduler_info()["workers"])
        lost = [address for address in self.addresses if address not in present]
        if lost and self.owners_missing & set(lost):
            self.client.cancel(list(pending))
            raise WorkerError(f"on Dask ({', '.join(lost)})", None, "an owner of states was lost with its marks "
                              "(owned mode): run again", where="during the run")
        self.owners_missing = set(lost)


def _merged(task, parts, clock_zero):
    r"""
    One task's result from its blocks' ``(owner, cycles, segments, steps, start, end)``:
    the owner of most steps as its worker.
    """
    if not parts:
        now = time.perf_counter() - clock_zero
        return TaskResult(task.task_id, 0, "sweep", dask_common.NO_CYCLES, dask_common.NO_SEGMENTS, dask_common.NO_DEPTHS, 0, 0, now, now)
    cycles = np.concatenate([part[1] for part in parts]).reshape(-1, 2)
    segments = np.concatenate([part[2] for part in parts]).reshape(-1, 4)
    steps_by_owner = {}
    for owner, _, _, steps, _, _ in parts:
        steps_by_owner[owner] = steps_by_owner.get(owner, 0) + steps
    # Its blocks ran in several rounds: the busy time (end - start) is their sum, ending with the last.
    end = max(part[5] for part in parts)
    busy = sum(part[5] - part[4] for part in parts)
    return TaskResult(task.task_id, max(steps_by_owner, key=steps_by_owner.get), "sweep", cycles, segments,
                      dask_common.NO_DEPTHS, sum(steps_by_owner.values()), int(cycles[:, 1].sum()), end - busy, end)


def _configured_rounds():
    import dask

    value = dask.config.get("sage_lfsr.owned-rounds", None)
    return None if value in (None, "auto") else int(value)
