r"""
A search's tasks on a Dask cluster whose workers share no memory.

Each task is an index range, sent as plain data (the form's name, degree and
range) and walked in the lanes of a
:class:`~sage_lfsr.census.lockstep.LaneWalker` on whichever worker the scheduler
picks. A task does not walk its range to the end alone: once its last candidate
is in a lane it returns the candidates settled so far and its *unfinished walks*
(index, state, steps so far, masks), and those are handed on to the next task
submitted, which continues them in its own lanes beside its range
(:func:`search_with_handoff`). Only when the ranges are used up are the walks
left drained, shared among the workers then idle. So a task's last long walks
never leave lanes idle, and the workers finish together.

The caller tallies the settled candidates per range
(:class:`~sage_lfsr.census.search.RangeLedger`): a range's result (and its
checkpoint line) comes out only once all its candidates are settled, whichever
tasks settled them. A task's walks in hand are part of its arguments, so a task
whose worker dies is run again by the scheduler on another worker from the same
data (Dask reruns the tasks a lost worker held), and nothing is lost; the walks
in hand when the caller itself is killed are simply walked again by the rerun,
their ranges not being checkpointed.

Without ``scheduler_address`` a ``LocalCluster`` of ``workers`` single-threaded
processes stands in for machines, started and closed as the map's
(:mod:`~sage_lfsr.engine.schedules.dask_cluster`: its workers ignore a terminal's
Ctrl-C, which the caller handles). Tasks are submitted as results come, a few per
worker ahead, and the index ranges are taken as they are needed, so the futures
and ranges held stay few at any size.
"""
from __future__ import annotations

import collections
import functools
import itertools
import math
import os
import time
from dataclasses import dataclass

import numpy as np

from sage_lfsr.census.forms import Form
from sage_lfsr.census.lockstep import LaneWalker

#: Tasks submitted a worker at most, ahead of their results (so a search of any size holds few futures).
IN_FLIGHT_PER_WORKER = 4
#: Tasks kept submitted per worker thread when walks are handed on: one running and one
#: waiting, so a worker never waits for the caller's round trip between two tasks.
HANDOFF_IN_FLIGHT = 2
#: Ranges a task holds at most (:func:`task_pieces`): what a killed worker's task walks again.
RANGES_A_PIECE = 4
#: Extra tries Dask gives a task that raised (a lost worker is the scheduler's ``allowed-failures``).
TASK_RETRIES = 2
@dataclass
class HandoffResult:
    r"""
    What one task returns: the candidates it settled (``indices, periods, steps``
    arrays, of its range or of walks handed to it), the seconds it walked, and
    its unfinished walks (:meth:`~sage_lfsr.census.lockstep.LaneWalker.take_unfinished`);
    when it began and ended (``time.time()`` on the worker) and the worker's process id.
    """

    settled: tuple
    unfinished: tuple
    seconds: float
    began: float = 0.0
    ended: float = 0.0
    process: int = 0


def walks_count(walks) -> int:
    r"""How many walks a ``(indices, states, steps, linear, nonlinear)`` tuple holds (``None``: none)."""
    return 0 if walks is None else len(walks[0])


def join_walks(parts):
    r"""Several walk tuples (:meth:`~sage_lfsr.census.lockstep.LaneWalker.take_unfinished`) as one, or ``None``."""
    parts = [part for part in parts if walks_count(part)]
    if not parts:
        return None
    return tuple(np.concatenate([part[k] for part in parts], axis=-1) for k in range(5))


def split_walks(walks, pieces) -> list:
    r"""
    ``walks`` dealt round-robin into at most ``pieces`` nonempty walk tuples.

    EXAMPLES::

        sage: import numpy as np
        sage: from sage_lfsr.census.search_dask import split_walks
        sage: walks = (np.arange(5), np.ones(5), np.zeros(5), np.zeros(5), np.zeros((1, 5)))
        sage: [part[0].tolist() for part in split_walks(walks, 2)]
        [[0, 2, 4], [1, 3]]
    """
    count = walks_count(walks)
    return [tuple(a[..., k::step] for a in walks) for step in [max(1, min(pieces, count))] for k in range(step)
            if k < count]


def task_pieces(ranges, size, threads, take):
    r"""
    The index ranges of the tasks over ``ranges`` (in order, generated as they are
    taken; ``take(lo, hi)`` is called with each range as it is first used), guided:
    a piece is a ``1/(2 threads)`` share of the candidates ``0..size-1`` not yet
    reached, at most :data:`RANGES_A_PIECE` times the largest range so far and at
    least a quarter of it (and 32), so there are few tasks and the last ones are
    short. A piece may span ranges (the caller tallies them), never a gap between
    them. (A piece costs only a round trip: its unfinished walks go on to the next task.)

    EXAMPLES::

        sage: from sage_lfsr.census.search_dask import task_pieces
        sage: taken = []
        sage: pieces = task_pieces([(0, 1000), (1000, 2000), (3000, 4000)], 4000, 2, lambda *r: taken.append(r))
        sage: [hi - lo for lo, hi in pieces], taken
        ([1000, 750, 250, 250, 250, 250, 250], [(0, 1000), (1000, 2000), (3000, 4000)])
        sage: [hi - lo for lo, hi in task_pieces([(lo, lo + 100) for lo in range(0, 4000, 100)], 4000, 2, max)]
        [400, 400, 400, 400, 400, 400, 400, 300, 225, 169, 127, 95, 71, 54, 40, 32, 32, 32, 23]
    """
    largest, lo, hi = 0, 0, 0  # the span lo..hi of contiguous ranges taken and not yet handed out
    for start, end in ranges:
        if start != hi:  # a gap (or the first range): the span so far handed out whole
            while lo < hi:
                count = min(hi - lo, _piece(lo, size, threads, largest))
                yield lo, lo + count
                lo += count
            lo = start
        take(start, end)
        largest, hi = max(largest, end - start), end
        while hi - lo >= _piece(lo, size, threads, largest):
            count = _piece(lo, size, threads, largest)
            yield lo, lo + count
            lo += count
    while lo < hi:
        count = min(hi - lo, _piece(lo, size, threads, largest))
        yield lo, lo + count
        lo += count


def _piece(lo, size, threads, largest):
    r"""Candidates of the piece that starts at ``lo`` (:func:`task_pieces`)."""
    return min(RANGES_A_PIECE * largest, max(32, largest // 4, math.ceil((size - lo) / (2 * threads))))


@functools.lru_cache(maxsize=4)
def _form(name, degree):  # a worker builds a form's tables once, not per task
    return Form(name, degree)


def handoff_task(form_name, degree, lo, hi, walks=None, reduce=True, screen=True, drain=False) -> HandoffResult:
    r"""
    What a worker runs: the ``walks`` handed to it continued and candidates
    ``lo..hi-1`` fed into one walker's lanes; with ``drain`` every lane walked to its
    end, else the walks still unfinished once the range is in the lanes returned.
    Arguments and result are plain data (numbers and numpy arrays).

    EXAMPLES::

        sage: from sage_lfsr.census.search_dask import handoff_task, walks_count
        sage: first = handoff_task("3,1", 9, 0, 40)
        sage: walks_count(first.unfinished) > 0
        True
        sage: last = handoff_task("3,1", 9, 40, 64, first.unfinished, drain=True)
        sage: walks_count(last.unfinished)
        0
        sage: sorted(first.settled[0].tolist() + last.settled[0].tolist()) == list(range(64))
        True
    """
    began = time.time()
    walker = LaneWalker(_form(form_name, degree), reduce, screen)
    clock = time.perf_counter()
    parts = [walker.resume(walks)] if walks_count(walks) else []
    parts.append(walker.feed(lo, hi))
    if drain:
        parts.append(walker.drain())
    settled = tuple(np.concatenate(part) for part in zip(*parts))
    return HandoffResult(settled, walker.take_unfinished(), time.perf_counter() - clock, began, time.time(), os.getpid())


def search_with_handoff(form, ranges, ledger, workers, scheduler_address, finished, reduce=True, screen=True,
                        on_result=None) -> dict:
    r"""
    The index ``ranges`` of ``form`` (in order, taken as they are needed) searched
    on Dask with unfinished walks handed on (:func:`handoff_task`):
    :data:`HANDOFF_IN_FLIGHT` tasks a worker thread kept submitted, each new one
    carrying the walks of the task just finished; once the ranges are used up, the
    walks left are drained in pieces, one a worker then idle. ``ledger`` (an empty
    :class:`~sage_lfsr.census.search.RangeLedger`) tallies the ranges;
    ``finished(task_result)`` is called once per range, in the caller, when its last
    candidate is settled (then ``on_result(client)``, which tests use to kill a
    worker mid-run). Returns counts: ``tasks``, ``drains``, ``handed_on`` (walks
    continued by another task than the one that began them), ``busy_seconds`` (the
    tasks' walking time, summed), and ``timeline``: each task's ``(began, ended,
    process)`` on the workers' clocks.
    """
    import distributed

    from sage_lfsr.engine.schedules.dask_cluster import _ClusterClient

    timeline = []
    counts = {"tasks": 0, "drains": 0, "handed_on": 0, "busy_seconds": 0.0, "timeline": timeline}
    ranges = iter(ranges)
    first = next(ranges, None)
    if first is None:
        return counts
    with _ClusterClient(scheduler_address, workers) as client:  # the map's: bounded connect, quiet Ctrl-C
        threads = sum(w["nthreads"] for w in client.scheduler_info()["workers"].values()) or workers
        pieces = task_pieces(itertools.chain([first], ranges), form.size, threads, ledger.add)
        client.run(handoff_task, form.name, form.degree, 0, 0, None, reduce, screen, True)  # loads the walk everywhere
        running = distributed.as_completed(loop=client.loop)  # this client's loop, not the default client's

        def submit(lo, hi, walks, drain):
            counts["tasks"] += 1
            counts["drains"] += drain
            counts["handed_on"] += walks_count(walks)
            running.add(client.submit(handoff_task, form.name, form.degree, lo, hi, walks, reduce, screen, drain,
                                      key=f"search-{form.name}-{form.degree}-{lo}-{hi}-{counts['tasks']}",
                                      pure=False, retries=TASK_RETRIES))

        for piece in itertools.islice(pieces, HANDOFF_IN_FLIGHT * threads):
            submit(*piece, None, False)
        pool = []
        for future in running:
            out = future.result()
            counts["busy_seconds"] += out.seconds
            timeline.append((out.began, out.ended, out.process))
            for task in ledger.settle(*out.settled, out.seconds):
                finished(task)
            if walks_count(out.unfinished):
                pool.append(out.unfinished)
            piece = next(pieces, None)
            if piece is not None:
                submit(*piece, join_walks(pool), False)
                pool = []
            elif pool:
                idle = max(1, threads - running.count())
                for part in split_walks(join_walks(pool), idle):
                    submit(0, 0, part, True)
                pool = []
            if on_result is not None:
                on_result(client)
    if len(ledger):  # a walk lost on the way: never passed off as complete
        raise RuntimeError(f"the Dask search ended with {len(ledger)} ranges unsettled")
    return counts


def run_on_dask(run_task, arguments, workers, scheduler_address, finished, on_result=None, prepare=None):
    r"""
    Run ``run_task`` (:func:`~sage_lfsr.census.search.run_task`) on each of ``arguments``; call
    ``finished(result)`` once per range as results arrive (then ``on_result(client)``,
    which tests use to kill a worker mid-run). ``prepare`` (a ``(function, args)`` pair)
    runs once on every worker first, all at once: loading the compiled kernel there
    rather than inside the first task each worker gets.
    """
    import distributed

    from sage_lfsr.engine.schedules.dask_cluster import _ClusterClient

    arguments = iter(arguments)
    with _ClusterClient(scheduler_address, workers) as client:  # the map's: bounded connect, quiet Ctrl-C
        if prepare is not None:
            client.run(prepare[0], *prepare[1])
        pending = distributed.as_completed(loop=client.loop)

        def submit_next():  # a few tasks a worker in flight: the ranges are generated as results come
            args = next(arguments, None)
            if args is not None:
                pending.add(client.submit(run_task, *args, key=f"search-{args[0]}-{args[1]}-{args[2]}-{args[3]}",
                                          pure=False, retries=2))

        for _ in range(IN_FLIGHT_PER_WORKER * max(workers, len(client.scheduler_info()["workers"]))):
            submit_next()
        seen = set()
        for future in pending:
            task = future.result()
            submit_next()
            if (task.lo, task.hi) in seen:
                continue
            seen.add((task.lo, task.hi))
            finished(task)
            if on_result is not None:
                on_result(client)
