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

import contextlib
import csv
import functools
import io
import json
import math
import numbers
import os
import time
import warnings
from dataclasses import dataclass, field

import numpy as np

from sage_lfsr.common.files import check_regular, open_locked, release, short_path
from sage_lfsr.common.limits import MAX_TASKS, check_search_size, check_sequence_length, check_workers, shorten
from sage_lfsr.census.forms import Form
from sage_lfsr.census.published import published_count
from sage_lfsr.census.lockstep import SHORT_CYCLE, SHORT_PERIOD, LaneWalker, warm_up
from sage_lfsr.engine.checkpoint import CheckpointCorrupted, CheckpointWarning

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


def task_ranges(size, degree, workers, task_candidates=None, least=1):
    r"""
    Index ranges covering ``0..size-1``, generated one at a time (a search of
    billions of candidates holds none of them in a list): guided self-scheduling,
    each task a ``1/(2 workers)`` share of the candidates still unassigned, at most
    about :data:`TASK_STEPS` estimated steps and at least a
    ``1/(TASKS_PER_WORKER workers)`` share of all (and ``least`` candidates), so
    the tasks shrink toward the end and the workers finish together; or ranges
    of ``task_candidates`` each. Never more than
    :data:`~sage_lfsr.common.limits.MAX_TASKS` tasks: past that the tasks grow (each
    finished task is a result the search keeps and a line of its checkpoint).

    EXAMPLES::

        sage: from sage_lfsr.census.search import task_ranges
        sage: list(task_ranges(10, 4, 1, task_candidates=4))
        [(0, 4), (4, 8), (8, 10)]
        sage: [hi - lo for lo, hi in task_ranges(1000, 12, 2)]
        [250, 188, 141, 106, 79, 59, 45, 33, 25, 19, 16, 16, 16, 7]
        sage: from sage_lfsr.common.limits import MAX_TASKS
        sage: sum(1 for _ in task_ranges(10**9, 28, 2)) <= MAX_TASKS
        True
    """
    fewest = -(-size // MAX_TASKS)  # the least count a task holds so that no more than MAX_TASKS exist
    if task_candidates is not None:
        step = max(int(task_candidates), fewest)
        yield from ((lo, min(lo + step, size)) for lo in range(0, size, step))
        return
    largest = max(1, fewest, int(TASK_STEPS / estimated_steps_per_candidate(degree)))
    smallest = min(largest, max(least, fewest, math.ceil(size / (workers * TASKS_PER_WORKER * 4))))
    lo = 0
    while lo < size:
        count = min(largest, max(smallest, math.ceil((size - lo) / (2 * workers))))
        yield lo, min(lo + count, size)
        lo += count


class RangeLedger:
    r"""
    Per-range tallies of the candidates a :class:`~sage_lfsr.census.lockstep.LaneWalker`
    settles (in any order, ranges interleaved); a range's :class:`TaskResult` comes
    out once its last candidate is settled, and the range is then forgotten. Ranges
    are added as workers take them (:meth:`add`), so the ledger holds only those
    under way. Tallies are numpy operations per call, not Python per candidate.

    EXAMPLES::

        sage: import numpy as np
        sage: from sage_lfsr.census.search import RangeLedger
        sage: ledger = RangeLedger([(0, 2)], 3)
        sage: ledger.add(2, 4)
        sage: ledger.settle(np.array([0, 2, 3]), np.array([7, 3, 7]), np.array([7, 3, 7]), 1.0)
        [TaskResult(lo=2, hi=4, walked=2, screened=0, steps=10, maximum=[3], seconds=0.588...)]
        sage: len(ledger)
        1
    """

    def __init__(self, ranges, degree):
        self.bounds = np.zeros((2, 0), dtype=np.int64)  # lo, hi of the ranges under way, by lo
        self.tallies = np.zeros((4, 0), dtype=np.int64)  # candidates left, walked, screened, steps
        self.seconds = np.zeros(0)
        self.maximum = []
        self.full = (1 << degree) - 1
        for lo, hi in ranges:
            self.add(lo, hi)

    def __len__(self):
        return self.bounds.shape[1]

    def add(self, lo, hi):
        r"""Tally the candidates ``lo..hi-1`` too (a range that overlaps none under way)."""
        at = int(np.searchsorted(self.bounds[0], lo))
        self.bounds = np.insert(self.bounds, at, [lo, hi], axis=1)
        self.tallies = np.insert(self.tallies, at, [hi - lo, 0, 0, 0], axis=1)
        self.seconds = np.insert(self.seconds, at, 0.0)
        self.maximum.insert(at, [])

    def settle(self, indices, periods, steps, seconds) -> list:
        r"""Record one call's settled candidates (``seconds`` shared out by steps); the ranges completed."""
        if not len(indices):
            return []
        at = np.searchsorted(self.bounds[0], indices, side="right") - 1
        count = len(self)
        self.tallies[0] -= np.bincount(at, minlength=count)
        self.tallies[1] += np.bincount(at, weights=periods >= -1, minlength=count).astype(np.int64)
        self.tallies[2] += np.bincount(at, weights=periods == SHORT_CYCLE, minlength=count).astype(np.int64)
        per_range = np.bincount(at, weights=steps, minlength=count)
        self.tallies[3] += per_range.astype(np.int64)
        total = per_range.sum()
        self.seconds += per_range * (seconds / total) if total else np.bincount(at, minlength=count) * (seconds / len(at))
        for where in np.flatnonzero(periods == self.full):
            self.maximum[at[where]].append(int(indices[where]))
        finished = [int(k) for k in np.unique(at) if self.tallies[0, k] == 0]
        done = [TaskResult(int(self.bounds[0, k]), int(self.bounds[1, k]), int(self.tallies[1, k]),
                           int(self.tallies[2, k]), int(self.tallies[3, k]), sorted(self.maximum[k]),
                           float(self.seconds[k])) for k in finished]
        if finished:
            self.bounds, self.tallies = np.delete(self.bounds, finished, axis=1), np.delete(self.tallies, finished, axis=1)
            self.seconds = np.delete(self.seconds, finished)
            for k in reversed(finished):
                del self.maximum[k]
        return done


def walk_ranges(form, next_range, emit, reduce=True, screen=True, stop=None, walker_class=None):
    r"""
    One worker's loop: ranges from ``next_range()`` (``None`` when there are no
    more) fed into one :class:`~sage_lfsr.census.lockstep.LaneWalker`, then the
    lanes drained; ``emit(indices, periods, steps, seconds)`` after each call.
    ``stop`` (a :class:`threading.Event`) ends the loop between two ranges, and a
    walk within a few hundredths of a second. ``walker_class`` walks in place of
    :class:`~sage_lfsr.census.lockstep.LaneWalker` (the GPU's, :mod:`~sage_lfsr.census.gpu`).
    """
    walker = (walker_class or LaneWalker)(form, reduce, screen, stop=stop)
    while stop is None or not stop.is_set():
        taken = next_range()
        clock = time.perf_counter()
        settled = walker.drain() if taken is None else walker.feed(*taken)
        emit(*settled, time.perf_counter() - clock)
        if taken is None:
            return


#: Fields of a checkpoint's task record (a :class:`TaskResult`), integers but ``seconds``.
_RECORD_FIELDS = ("lo", "hi", "walked", "screened", "steps", "maximum", "seconds")


class SearchCheckpoint:
    r"""
    Finished tasks of one search, appended as JSON lines after a header line.

    Reading checks every record against the search (``size`` candidates):
    integer bounds inside ``0..size``, counts that fit the range, maximum-period
    indices inside it; a damaged record refuses the file in one line. A record
    repeated (two runs on one file) or overlapping an earlier one is dropped, with
    a line in :attr:`notes`; a torn last line (a kill mid-write) is cut off, with a
    note. While open, the file is locked (``flock``): a second search on it is
    refused at once. Use it as a context manager, or :meth:`close` it.

    EXAMPLES::

        sage: import os, tempfile
        sage: from sage_lfsr.census.search import SearchCheckpoint, TaskResult
        sage: path = os.path.join(tempfile.mkdtemp(), "search.jsonl")
        sage: task = TaskResult(int(0), int(10), int(4), int(6), int(80), [int(3)], float(0.1))
        sage: with SearchCheckpoint(path, {"search": "3,1"}, 100) as saved:
        ....:     saved.record(task)
        ....:     saved.record(task)
        sage: with SearchCheckpoint(path, {"search": "3,1"}, 100) as saved:
        ....:     [(task.lo, task.hi) for task in saved.done], saved.notes
        ([(0, 10)], ['the checkpoint ... line 3 repeats the candidates 0..9 of line 2: dropped'])
        sage: with SearchCheckpoint(path, {"search": "3,1"}, 100) as saved:
        ....:     SearchCheckpoint(path, {"search": "3,1"}, 100)
        Traceback (most recent call last):
        ...
        ValueError: the checkpoint ... is in use by another search (it is locked): wait for it to end, or use another file
    """

    def __init__(self, path, header, size):
        self.path, self.header, self.size = os.fspath(path), header, int(size)
        self.done, self.notes = [], []
        check_regular(self.path)
        self._stream = open_locked(self.path, "a+b")
        if self._stream is None:
            raise ValueError(f"the checkpoint {short_path(self.path)} is in use by another search (it is locked): "
                             "wait for it to end, or use another file")
        try:
            self._read()
        except BaseException:
            self.close()
            raise

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()
        return False

    def close(self):
        r"""Release the file (and its lock)."""
        release(self._stream)

    def _read(self):
        stream = self._stream
        stream.seek(0)
        first = stream.readline()
        if not first:
            stream.write((json.dumps(self.header) + "\n").encode("utf-8"))
            stream.flush()
            return
        try:
            found = json.loads(first.decode("utf-8"))
        except (ValueError, RecursionError):
            found = None
        if found != self.header:
            raise ValueError(f"the checkpoint {short_path(self.path)} is not one of this search "
                             f"(its first line is not {shorten(json.dumps(self.header), 200)})")
        good, number, found = len(first), 1, []
        for line in stream:
            number += 1
            if not line.endswith(b"\n"):
                self.notes.append(f"the checkpoint {short_path(self.path)}: its last line was cut short by a kill "
                                  "(dropped; its task runs again)")
                break
            good += len(line)
            found.append((self._task(line, number), number))
        if good < stream.tell():
            stream.truncate(good)  # appended records start on a line of their own
        last = None  # the record kept last, by first candidate: the kept ones do not overlap
        for task, number in sorted(found, key=lambda entry: (entry[0].lo, entry[1])):
            if last is not None and task.lo < last[0].hi:
                verb = "repeats" if (task.lo, task.hi) == (last[0].lo, last[0].hi) else "overlaps"
                self.notes.append(f"the checkpoint {short_path(self.path)}: line {number} {verb} the candidates "
                                  f"{last[0].lo}..{last[0].hi - 1} of line {last[1]}: dropped")
                continue
            last = task, number
            self.done.append(task)

    def _task(self, line, number) -> TaskResult:
        r"""The record on ``line``, checked against the search; refused (one line) when it cannot be one."""
        def damaged(why):
            return CheckpointCorrupted(f"the checkpoint {short_path(self.path)} is damaged: line {number} {why}; "
                                       "remove that line (its task runs again) or the file")

        try:
            record = json.loads(line.decode("utf-8"))
        except (ValueError, RecursionError):
            raise damaged("is not a JSON record") from None
        if not isinstance(record, dict) or sorted(record) != sorted(_RECORD_FIELDS):
            raise damaged(f"is not a task record (fields {', '.join(_RECORD_FIELDS)})")
        whole = ("lo", "hi", "walked", "screened", "steps")
        if not all(type(record[name]) is int for name in whole):
            raise damaged(f"has a field among {', '.join(whole)} that is not an integer")
        lo, hi, walked, screened, steps = (record[name] for name in whole)
        if not 0 <= lo < hi <= self.size:
            raise damaged(f"covers {shorten(str(lo), 30)}..{shorten(str(hi), 30)}, not a range inside the "
                          f"search's candidates 0..{self.size}")
        if min(walked, screened, steps) < 0 or walked + screened > hi - lo:
            raise damaged("has counts that do not fit its range")
        maximum, seconds = record["maximum"], record["seconds"]
        if (not isinstance(maximum, list) or len(maximum) > walked or not all(type(i) is int for i in maximum)
                or maximum != sorted(set(maximum)) or (maximum and not lo <= maximum[0] <= maximum[-1] < hi)):
            raise damaged(f"lists maximum-period candidates that are not distinct indices inside {lo}..{hi - 1}")
        if type(seconds) not in (int, float) or not 0 <= seconds < math.inf:
            raise damaged("has seconds that are not a finite count")
        return TaskResult(lo, hi, walked, screened, steps, maximum, float(seconds))

    def record(self, result: TaskResult):
        r"""Append ``result`` durably (one line, flushed and ``fsync``-ed)."""
        self._stream.write((json.dumps(result.to_dict()) + "\n").encode("utf-8"))
        self._stream.flush()
        os.fsync(self._stream.fileno())


def remaining(ranges, done):
    r"""
    The parts of ``ranges`` no result in ``done`` (checkpointed, not overlapping)
    covers, generated as ``ranges`` are, so a rerun with other task sizes or
    workers walks no candidate twice.

    EXAMPLES::

        sage: from sage_lfsr.census.search import remaining, TaskResult
        sage: list(remaining([(0, 10), (10, 20)], [TaskResult(5, 12, 0, 0, 0, [])]))
        [(0, 5), (12, 20)]
    """
    return _uncovered(ranges, sorted((r.lo, r.hi) for r in done))  # ``done`` read now, not as ranges are taken


def _uncovered(ranges, covered):
    first = 0  # covered[:first] ends before the ranges still to come (they arrive in order)
    for lo, hi in ranges:
        while first < len(covered) and covered[first][1] <= lo:
            first += 1
        for k in range(first, len(covered)):
            a, b = covered[k]
            if a >= hi:
                break
            if a > lo:
                yield lo, a
            lo = max(lo, b)
            if lo >= hi:
                break
        if lo < hi:
            yield lo, hi


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
        if linear_complexity:
            check_output_period(self.form.degree)
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


def check_output_period(degree):
    r"""
    Refuse, before any work, a degree whose one period of output (`2^n - 1` terms)
    is longer than the linear complexity takes
    (:data:`~sage_lfsr.common.limits.MAX_SEQUENCE_TERMS`): from `n = 24`.

    EXAMPLES::

        sage: from sage_lfsr.census.search import check_output_period
        sage: check_output_period(23)
        sage: check_output_period(24)
        Traceback (most recent call last):
        ...
        TooLarge: one period of a degree-24 register's output of 16777215 terms is too long: the limit is 10000000 (10^7)
    """
    check_sequence_length((1 << int(degree)) - 1, f"one period of a degree-{degree} register's output")


def output_linear_complexity(masks, degree) -> int:
    r"""The linear complexity of one period of the output, through :func:`sage_lfsr.sequences.linear_complexity` (defined in :mod:`sage_lfsr.theory.sequences`)."""
    from sage_lfsr.theory.sequences import linear_complexity

    return int(linear_complexity(output_period(masks, degree)))


def check_search(form, workers=1, schedule=None, task_candidates=None, scheduler_address=None) -> tuple:
    r"""
    Refuse, before any work, a search :func:`search` would not run: more than
    :data:`~sage_lfsr.common.limits.MAX_SEARCH_CANDIDATES` candidates, more workers
    than the limit of every surface (:func:`~sage_lfsr.common.limits.check_workers`,
    threads and processes alike), an unknown schedule, a task size that is not a
    positive integer. ``(workers, schedule)`` as the search takes them.

    EXAMPLES::

        sage: from sage_lfsr.census.forms import Form
        sage: from sage_lfsr.census.search import check_search
        sage: check_search(Form("3,1", 8), 2)
        (2, 'threads')
        sage: check_search(Form("3,1", 8), 10**5)
        Traceback (most recent call last):
        ...
        ValueError: workers = 100000 is more than this machine runs usefully: at most ...
        sage: check_search(Form("3,1", 8), task_candidates=-5)
        Traceback (most recent call last):
        ...
        ValueError: task_candidates must be a positive integer, not -5
    """
    if not isinstance(workers, numbers.Integral) or isinstance(workers, bool) or workers < 1:
        raise ValueError(f"workers must be a positive integer, not {shorten(repr(workers), 60)}")
    workers = int(workers)
    schedule = schedule or ("threads" if workers > 1 else "sequential")
    if schedule not in SCHEDULES:
        raise ValueError(f"unknown search schedule {shorten(repr(schedule), 60)}: choose {', '.join(SCHEDULES)}")
    if task_candidates is not None and (not isinstance(task_candidates, numbers.Integral)
                                        or isinstance(task_candidates, bool) or task_candidates < 1):
        raise ValueError(f"task_candidates must be a positive integer, not {shorten(repr(task_candidates), 60)}")
    check_search_size(form.size, f"the form {form.name} at degree {form.degree}")
    if schedule != "sequential" and not (schedule == "dask" and scheduler_address is not None):
        from sage_lfsr.engine.planning import default_workers

        check_workers(workers, default_workers())  # the limit of map and census
    return workers, schedule


def search(form, degree, workers=1, checkpoint=None, progress=None, reduce=True, screen=True,
           task_candidates=None, schedule=None, scheduler_address=None, device="cpu", observe=None) -> SearchResult:
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
    - ``device`` -- ``"cpu"`` (default) or ``"cuda"``: the walks on an NVIDIA GPU
      (:mod:`~sage_lfsr.census.gpu`), one walker, same tasks and checkpoint
    - ``observe`` -- ``observe(indices, periods)`` with every candidate settled (the
      lockstep codes for those not walked), in the caller's process: schedules
      ``"sequential"`` and ``"threads"`` only (what a census of a form reads)

    EXAMPLES::

        sage: from sage_lfsr.census.search import search
        sage: a = search("2,2", 7, reduce=False, screen=False).summary()
        sage: b = search("2,2", 7, workers=2).summary()
        sage: a["maximum_period"] == b["maximum_period_members"], b["walked"] < a["walked"]
        (True, True)
    """
    form = form if isinstance(form, Form) else Form(form, degree)
    workers, schedule = check_search(form, workers, schedule, task_candidates, scheduler_address)
    walker_class = _device_walker(device, workers, schedule)
    if observe is not None and schedule not in ("sequential", "threads"):
        raise ValueError(f"observe= reads the walks in this process: schedule 'sequential' or 'threads', not {schedule!r}")
    header = {"search": form.name, "degree": form.degree, "reduce": bool(reduce), "screen": bool(screen),
              "short_period": SHORT_PERIOD}
    with contextlib.ExitStack() as closing:
        saved = None
        if checkpoint is not None:
            saved = closing.enter_context(SearchCheckpoint(checkpoint, header, form.size))
            for note in saved.notes:
                warnings.warn(note, CheckpointWarning, stacklevel=2)
        return _search(form, workers, saved, progress, bool(reduce), bool(screen), task_candidates, schedule,
                       scheduler_address, walker_class, observe)


def _search(form, workers, saved, progress, reduce, screen, task_candidates, schedule, scheduler_address,
            walker_class=None, observe=None):
    isolated = schedule == "processes"  # tasks walk on their own (Dask tasks hand their unfinished walks on)
    ranges = task_ranges(form.size, form.degree, workers, task_candidates,
                         ISOLATED_TASK_CANDIDATES if isolated else 1)
    result = SearchResult(form, reduce, screen, list(saved.done) if saved else [])
    todo = remaining(ranges, result.tasks)
    done = sum(task.hi - task.lo for task in result.tasks)
    clock = time.perf_counter()

    def finished(task):
        nonlocal done
        result.tasks.append(task)
        if saved:
            saved.record(task)
        done += task.hi - task.lo
        if progress:
            progress(done, form.size)

    arguments = ((form.name, form.degree, lo, hi, reduce, screen) for lo, hi in todo)
    if schedule in ("sequential", "threads"):
        _run_in_this_process(form, todo, 1 if schedule == "sequential" else workers, reduce, screen, finished,
                             walker_class, observe)
    elif schedule == "processes":
        warm_up(form, reduce, screen)  # compiled (or loaded) once here, before the workers fork
        _run_processes(arguments, workers, finished)
    else:
        from sage_lfsr.census.search_dask import search_with_handoff

        search_with_handoff(form, todo, RangeLedger([], form.degree), workers, scheduler_address, finished, reduce,
                            screen)
    result.seconds = time.perf_counter() - clock
    return result


def _device_walker(device, workers, schedule):
    r"""The walker class of ``device`` (``None``: the CPU's), refused in one line where it cannot run."""
    if device == "cpu":
        return None
    if device != "cuda":
        raise ValueError(f"unknown search device {shorten(repr(device), 60)}: choose cpu or cuda")
    if workers != 1 or schedule != "sequential":
        raise ValueError("device cuda walks on one GPU from this process: give workers=1 (schedule sequential)")
    from sage_lfsr.census.gpu import GpuWalker, cuda_target

    cuda_target()  # no GPU: one line now, before any work
    return GpuWalker


def _star_run_task(args):
    return run_task(*args)


def _run_in_this_process(form, ranges, workers, reduce, screen, finished, walker_class=None, observe=None):
    r"""
    The ranges on ``workers`` threads (the compiled walk releases the GIL,
    :func:`~sage_lfsr.common.threads.threaded`), each with persistent lanes
    (:func:`walk_ranges`); a single worker runs in the caller's thread itself.
    ``finished`` is called in the caller's thread.
    """
    import threading
    from contextlib import closing

    from sage_lfsr.common.threads import threaded

    ledger = RangeLedger([], form.degree)
    pending = iter(ranges)
    taking, tallying = threading.Lock(), threading.Lock()

    def next_range():
        with taking:
            taken = next(pending, None)
        if taken is not None:
            with tallying:
                ledger.add(*taken)
        return taken

    if workers == 1:  # sequential: no thread at all
        def emit(*settled):
            if observe is not None:
                observe(*settled[:2])
            for task in ledger.settle(*settled):
                finished(task)

        walk_ranges(form, next_range, emit, reduce, screen, walker_class=walker_class)
        return
    warm_up(form, reduce, screen)  # compiled (or loaded) once, not by each thread

    def loop(worker, put, stop):
        def emit(*settled):
            with tallying:
                if observe is not None:
                    observe(*settled[:2])
                done = ledger.settle(*settled)
            for task in done:
                put(task)

        walk_ranges(form, next_range, emit, reduce, screen, stop)

    with closing(threaded(workers, loop, "sage-lfsr-search")) as tasks:
        for task in tasks:
            finished(task)


def _run_processes(arguments, workers, finished):
    import multiprocessing

    from sage_lfsr.engine.schedules.processes import _child_setup

    # each worker dies with this process (even after a kill -9), ignores a terminal's Ctrl-C
    # (this process ends the pool) and ends quietly on SIGTERM: the map's workers' set-up
    with multiprocessing.get_context("fork").Pool(workers, initializer=_child_setup, initargs=(os.getpid(),)) as pool:
        for task in pool.imap_unordered(_star_run_task, arguments):
            finished(task)
