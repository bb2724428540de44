r"""
Maximum-period searches over a form (:mod:`sage_lfsr.census.forms`): every
representative candidate walked by the lockstep kernel
(:mod:`sage_lfsr.census.lockstep`), in tasks that are index ranges, on worker
processes of this machine or on a Dask cluster (:mod:`sage_lfsr.census.search_dask`).

A task's result is a few numbers and the indices of its maximum-period
candidates; with ``checkpoint`` each finished task is appended to a JSON-lines
file (a header line, then one line a task), and a rerun skips the index ranges
already there.

EXAMPLES::

    sage: from sage_lfsr.census.search import search
    sage: result = search("3,1", 6)
    sage: result.summary()["maximum_period"], result.summary()["maximum_period_members"]
    (8, 16)
    sage: result.rows()[0]["feedback"], result.rows()[0]["reciprocal"]
    ('x0 + x1 + x2 + x1*x2', 'x0 + x4 + x5 + x4*x5')
"""
from __future__ import annotations

import csv
import functools
import io
import json
import math
import numbers
import os
import time
from dataclasses import dataclass, field

import numpy as np

from sage_lfsr.common.files import check_regular, short_path
from sage_lfsr.common.limits import shorten
from sage_lfsr.census.forms import Form
from sage_lfsr.census.published import published_count
from sage_lfsr.census.lockstep import SHORT_CYCLE, SHORT_PERIOD, LaneWalker, walk

#: Estimated steps a task holds at most: under a second of one core.
TASK_STEPS = 1 << 31
#: Fewest candidates in a task that walks on its own (processes, Dask): its last walks
#: leave lanes idle, a cost per task that must stay small against the task.
ISOLATED_TASK_CANDIDATES = 2048
#: The ways :func:`search` runs its tasks.
SCHEDULES = ("sequential", "threads", "processes", "dask")
#: Tasks per worker at least, so the last ones balance.
TASKS_PER_WORKER = 8


@dataclass
class TaskResult:
    r"""One index range's outcome: counts, steps walked and the maximum-period indices."""

    lo: int
    hi: int
    walked: int
    screened: int
    steps: int
    maximum: list
    seconds: float = 0.0

    def to_dict(self) -> dict:
        return dict(self.__dict__)


@functools.lru_cache(maxsize=4)
def _form(name, degree):
    return Form(name, degree)


def run_task(form_name, degree, lo, hi, reduce=True, screen=True) -> TaskResult:
    r"""Walk candidates ``lo..hi-1`` of the form alone, to the end (what a worker runs; arguments are plain data)."""
    if lo == hi:
        return TaskResult(lo, hi, 0, 0, 0, [])
    ledger, done, pending = RangeLedger([(lo, hi)], degree), [], iter([(lo, hi)])
    walk_ranges(_form(form_name, degree), lambda: next(pending, None),
                lambda *settled: done.extend(ledger.settle(*settled)), reduce, screen)
    return done[0]


def estimated_steps_per_candidate(degree) -> float:
    r"""
    Steps one candidate costs on average: half the state space (a walk covers its
    start's cycle), a quarter of candidates surviving the screen (measured at
    `n = 18..20`). Used only to size tasks.
    """
    return (1 << degree) / 2 * 0.25


def task_ranges(size, degree, workers, task_candidates=None, least=1) -> list:
    r"""
    Index ranges covering ``0..size-1``: guided self-scheduling, each task a
    ``1/(2 workers)`` share of the candidates still unassigned, at most about
    :data:`TASK_STEPS` estimated steps and at least a
    ``1/(TASKS_PER_WORKER workers)`` share of all (and ``least`` candidates), so
    the tasks shrink toward the end and the workers finish together; or ranges
    of ``task_candidates`` each.

    EXAMPLES::

        sage: from sage_lfsr.census.search import task_ranges
        sage: task_ranges(10, 4, 1, task_candidates=4)
        [(0, 4), (4, 8), (8, 10)]
        sage: [hi - lo for lo, hi in task_ranges(1000, 12, 2)]
        [250, 188, 141, 106, 79, 59, 45, 33, 25, 19, 16, 16, 16, 7]
    """
    if task_candidates is not None:
        return [(lo, min(lo + task_candidates, size)) for lo in range(0, size, task_candidates)]
    largest = max(1, int(TASK_STEPS / estimated_steps_per_candidate(degree)))
    smallest = min(largest, max(least, math.ceil(size / (workers * TASKS_PER_WORKER * 4))))
    ranges, lo = [], 0
    while lo < size:
        count = min(largest, max(smallest, math.ceil((size - lo) / (2 * workers))))
        ranges.append((lo, min(lo + count, size)))
        lo += count
    return ranges


class RangeLedger:
    r"""
    Per-range tallies of the candidates a :class:`~sage_lfsr.census.lockstep.LaneWalker`
    settles (in any order, ranges interleaved); a range's :class:`TaskResult` comes
    out once its last candidate is settled. Tallies are numpy operations per call,
    not Python per candidate.
    """

    def __init__(self, ranges, degree):
        self.ranges = sorted(ranges)
        self.starts = np.array([lo for lo, _ in self.ranges], dtype=np.int64)
        count = len(self.ranges)
        self.left = np.array([hi - lo for lo, hi in self.ranges], dtype=np.int64)
        self.walked, self.screened = np.zeros(count, np.int64), np.zeros(count, np.int64)
        self.steps, self.seconds = np.zeros(count, np.int64), np.zeros(count)
        self.maximum = [[] for _ in range(count)]
        self.full = (1 << degree) - 1

    def settle(self, indices, periods, steps, seconds) -> list:
        r"""Record one call's settled candidates (``seconds`` shared out by steps); the ranges completed."""
        if not len(indices):
            return []
        at = np.searchsorted(self.starts, indices, side="right") - 1
        count = len(self.ranges)
        self.left -= np.bincount(at, minlength=count)
        self.walked += np.bincount(at, weights=periods >= -1, minlength=count).astype(np.int64)
        self.screened += np.bincount(at, weights=periods == SHORT_CYCLE, minlength=count).astype(np.int64)
        per_range = np.bincount(at, weights=steps, minlength=count)
        self.steps += per_range.astype(np.int64)
        total = per_range.sum()
        self.seconds += per_range * (seconds / total) if total else np.bincount(at, minlength=count) * (seconds / len(at))
        for where in np.flatnonzero(periods == self.full):
            self.maximum[at[where]].append(int(indices[where]))
        done = []
        for k in np.unique(at):
            if self.left[k] == 0:
                lo, hi = self.ranges[k]
                done.append(TaskResult(lo, hi, int(self.walked[k]), int(self.screened[k]), int(self.steps[k]),
                                       sorted(self.maximum[k]), float(self.seconds[k])))
        return done


def walk_ranges(form, next_range, emit, reduce=True, screen=True, stop=None):
    r"""
    One worker's loop: ranges from ``next_range()`` (``None`` when there are no
    more) fed into one :class:`~sage_lfsr.census.lockstep.LaneWalker`, then the
    lanes drained; ``emit(indices, periods, steps, seconds)`` after each call.
    ``stop`` (a :class:`threading.Event`) ends the loop between two ranges.
    """
    walker = LaneWalker(form, reduce, screen)
    while stop is None or not stop.is_set():
        taken = next_range()
        clock = time.perf_counter()
        settled = walker.drain() if taken is None else walker.feed(*taken)
        emit(*settled, time.perf_counter() - clock)
        if taken is None:
            return


class SearchCheckpoint:
    r"""Finished tasks of one search, appended as JSON lines; a torn last line is ignored."""

    def __init__(self, path, header):
        self.path, self.header = os.fspath(path), header
        self.done = []
        check_regular(self.path)
        if os.path.exists(self.path):
            with open(self.path, encoding="utf-8", errors="replace") as handle:  # damage reads as not a header
                lines = handle.read().split("\n")
            if lines and lines[0]:
                try:
                    found = json.loads(lines[0])
                except ValueError:
                    found = None
                if found != header:
                    raise ValueError(f"the checkpoint {short_path(self.path)} is not one of this search "
                                     f"(its first line is not {shorten(json.dumps(header), 200)})")
                for line in lines[1:]:
                    try:
                        self.done.append(TaskResult(**json.loads(line)))
                    except (ValueError, TypeError):
                        continue  # a line torn by a kill
        if not self.done and not (os.path.exists(self.path) and os.path.getsize(self.path)):
            with open(self.path, "w", encoding="utf-8") as handle:
                handle.write(json.dumps(header) + "\n")

    def record(self, result: TaskResult):
        with open(self.path, "a", encoding="utf-8") as handle:
            handle.write(json.dumps(result.to_dict()) + "\n")
            handle.flush()
            os.fsync(handle.fileno())


def remaining(ranges, done) -> list:
    r"""
    The parts of ``ranges`` no result in ``done`` (checkpointed) covers, so a
    rerun with other task sizes or workers walks no candidate twice.

    EXAMPLES::

        sage: from sage_lfsr.census.search import remaining, TaskResult
        sage: remaining([(0, 10), (10, 20)], [TaskResult(5, 12, 0, 0, 0, [])])
        [(0, 5), (12, 20)]
    """
    covered = sorted((r.lo, r.hi) for r in done)
    out = []
    for lo, hi in ranges:
        for a, b in covered:
            if b <= lo or a >= hi:
                continue
            if a > lo:
                out.append((lo, a))
            lo = max(lo, b)
            if lo >= hi:
                break
        if lo < hi:
            out.append((lo, hi))
    return out


@dataclass
class SearchResult:
    r"""The outcome of :func:`search`: counts, time and the maximum-period representatives."""

    form: Form
    reduce: bool
    screen: bool
    tasks: list = field(default_factory=list)
    seconds: float = 0.0

    @property
    def maximum(self) -> list:
        return sorted(i for task in self.tasks for i in task.maximum)

    def summary(self) -> dict:
        r"""
        Candidates, walked, screened, steps, maximum-period count (representatives
        and members), the count of the published lists where they have this form and
        degree (:mod:`~sage_lfsr.census.published`; else ``None``), seconds.
        """
        maximum = self.maximum
        members = sum(1 if self.form.reciprocal_index(i) == i else 2 for i in maximum) if self.reduce else len(maximum)
        steps = sum(t.steps for t in self.tasks)
        busy = sum(t.seconds for t in self.tasks)
        return {"form": self.form.name, "degree": self.form.degree, "candidates": len(self.form) if self.reduce
                else self.form.size, "indices": self.form.size, "walked": sum(t.walked for t in self.tasks),
                "screened": sum(t.screened for t in self.tasks), "steps": steps,
                "maximum_period": len(maximum), "maximum_period_members": members,
                "published_count": published_count(self.form.name, self.form.degree), "seconds": round(self.seconds, 3),
                "steps_per_busy_second": round(steps / busy) if busy else None}

    def rows(self, linear_complexity=False) -> list:
        r"""
        One row per maximum-period representative: its feedback and its reciprocal in
        published notation and as term lists, whether it is its own reciprocal, and
        (with ``linear_complexity``) the linear complexity of one period of its output.
        """
        rows = []
        for index in self.maximum:
            row = {"index": index, "feedback": self.form.text(index), "terms": self.form.terms(index),
                   "reciprocal": self.form.reciprocal_text(index), "reciprocal_terms": self.form.reciprocal_terms(index),
                   "self_reciprocal": self.form.reciprocal_index(index) == index}
            if linear_complexity:
                row["linear_complexity"] = output_linear_complexity(self.form.masks(index), self.form.degree)
            rows.append(row)
        return rows

    def to_json(self, linear_complexity=False, indent=None) -> str:
        return json.dumps({"summary": self.summary(), "registers": self.rows(linear_complexity)}, indent=indent)

    def to_csv(self, linear_complexity=False) -> str:
        buffer = io.StringIO()
        rows = self.rows(linear_complexity)
        columns = ["index", "feedback", "reciprocal", "terms", "reciprocal_terms", "self_reciprocal"] + (
            ["linear_complexity"] if linear_complexity else [])
        writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow({k: json.dumps(v) if isinstance(v, list) else v for k, v in row.items()})
        return buffer.getvalue()


def output_period(masks, degree) -> list:
    r"""One period of the output (`x_0`, the oldest bit) of the register from state 1."""
    from sage_lfsr.census.lockstep import output_bits

    return output_bits(np.array(masks, dtype=np.int64), np.int64(degree)).tolist()


def output_linear_complexity(masks, degree) -> int:
    r"""The linear complexity of one period of the output, through :func:`sage_lfsr.sequences.linear_complexity` (defined in :mod:`sage_lfsr.theory.sequences`)."""
    from sage_lfsr.theory.sequences import linear_complexity

    return int(linear_complexity(output_period(masks, degree)))


def search(form, degree, workers=1, checkpoint=None, progress=None, reduce=True, screen=True,
           task_candidates=None, schedule=None, scheduler_address=None) -> SearchResult:
    r"""
    Every candidate of ``form`` (``"3,1"``, ...) at ``degree`` walked from state 1;
    the maximum-period ones kept.

    INPUT:

    - ``workers`` -- threads of this process (``schedule="threads"``, the default
      above one worker: the compiled walk releases the GIL, so threads run on
      separate cores with no process to start and nothing to send), processes
      of this machine (``"processes"``) or Dask workers (``"dask"``)
    - ``checkpoint`` -- a JSON-lines file of finished tasks; a rerun resumes
    - ``progress`` -- ``progress(candidates_done, candidates_total)`` after each task
    - ``reduce`` -- one candidate per reciprocal pair (default)
    - ``screen`` -- skip the candidates with a short cycle (:mod:`~sage_lfsr.census.lockstep`)
    - ``scheduler_address`` -- a running Dask scheduler, its address or its scheduler file (``.json``)
      (else a LocalCluster of ``workers``); its tasks hand their unfinished walks on
      (:func:`~sage_lfsr.census.search_dask.search_with_handoff`)

    EXAMPLES::

        sage: from sage_lfsr.census.search import search
        sage: a = search("2,2", 7, reduce=False, screen=False).summary()
        sage: b = search("2,2", 7, workers=2).summary()
        sage: a["maximum_period"] == b["maximum_period_members"], b["walked"] < a["walked"]
        (True, True)
    """
    form = form if isinstance(form, Form) else Form(form, degree)
    if not isinstance(workers, numbers.Integral) or isinstance(workers, bool) or workers < 1:
        raise ValueError(f"workers must be a positive integer, not {workers!r}")
    workers = int(workers)
    schedule = schedule or ("threads" if workers > 1 else "sequential")
    if schedule not in SCHEDULES:
        raise ValueError(f"unknown search schedule {shorten(repr(schedule), 60)}: choose {', '.join(SCHEDULES)}")
    header = {"search": form.name, "degree": form.degree, "reduce": bool(reduce), "screen": bool(screen),
              "short_period": SHORT_PERIOD}
    saved = SearchCheckpoint(checkpoint, header) if checkpoint is not None else None
    isolated = schedule == "processes"  # tasks walk on their own (Dask tasks hand their unfinished walks on)
    ranges = task_ranges(form.size, form.degree, workers, task_candidates,
                         ISOLATED_TASK_CANDIDATES if isolated else 1)
    result = SearchResult(form, bool(reduce), bool(screen), list(saved.done) if saved else [])
    todo = remaining(ranges, result.tasks)
    done = sum(hi - lo for lo, hi in ranges) - sum(hi - lo for lo, hi in todo)
    clock = time.perf_counter()

    def finished(task):
        nonlocal done
        result.tasks.append(task)
        if saved:
            saved.record(task)
        done += task.hi - task.lo
        if progress:
            progress(done, form.size)

    arguments = [(form.name, form.degree, lo, hi, bool(reduce), bool(screen)) for lo, hi in todo]
    if schedule in ("sequential", "threads"):
        _run_in_this_process(form, todo, 1 if schedule == "sequential" else workers, bool(reduce), bool(screen),
                             finished)
    elif schedule == "processes":
        walk(form, 0, min(1, form.size))  # compiled (or loaded) once here, before the workers fork
        _run_processes(arguments, workers, finished)
    else:
        from sage_lfsr.census.search_dask import search_with_handoff

        search_with_handoff(form, RangeLedger(todo, form.degree), workers, scheduler_address, finished, bool(reduce),
                            bool(screen))
    result.seconds = time.perf_counter() - clock
    return result


def _star_run_task(args):
    return run_task(*args)


def _run_in_this_process(form, ranges, workers, reduce, screen, finished):
    r"""
    The ranges on ``workers`` threads (the compiled walk releases the GIL,
    :func:`~sage_lfsr.common.threads.threaded`), each with persistent lanes
    (:func:`walk_ranges`); a single worker runs in the caller's thread itself.
    ``finished`` is called in the caller's thread.
    """
    import threading
    from contextlib import closing

    from sage_lfsr.common.threads import threaded

    ledger = RangeLedger(ranges, form.degree)
    pending = iter(ranges)
    taking, tallying = threading.Lock(), threading.Lock()

    def next_range():
        with taking:
            return next(pending, None)

    if workers == 1:  # sequential: no thread at all
        def emit(*settled):
            for task in ledger.settle(*settled):
                finished(task)

        walk_ranges(form, next_range, emit, reduce, screen)
        return
    walk(form, 0, min(1, form.size))  # compiled (or loaded) once, not by each thread

    def loop(worker, put, stop):
        def emit(*settled):
            with tallying:
                done = ledger.settle(*settled)
            for task in done:
                put(task)

        walk_ranges(form, next_range, emit, reduce, screen, stop)

    with closing(threaded(workers, loop, "sage-lfsr-search")) as tasks:
        for task in tasks:
            finished(task)


def _run_processes(arguments, workers, finished):
    import multiprocessing

    with multiprocessing.get_context("fork").Pool(workers) as pool:
        for task in pool.imap_unordered(_star_run_task, arguments):
            finished(task)
