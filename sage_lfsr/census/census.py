r"""
``census``: map (or walk, or predict) every register of a family, in parallel.

EXAMPLES::

    sage: from sage_lfsr.census import census, families
    sage: result = census(families.lfsrs(3), schedule="sequential")
    sage: [(row["register"], row["cycle_counts"]) for row in result.rows]
    [('lfsr q=2 c=1,0,0', {1: 2, 3: 2}), ('lfsr q=2 c=1,1,0', {1: 1, 7: 1}),
     ('lfsr q=2 c=1,0,1', {1: 1, 7: 1}), ('lfsr q=2 c=1,1,1', {1: 2, 2: 1, 4: 1})]
    sage: all(row["matches_theory"] for row in result.rows)
    True
    sage: result.summary()["max_period_count"]
    2
"""
from __future__ import annotations

import csv
import io
import json
import math
import numbers
import time
from dataclasses import replace

from sage_lfsr.census import threads
from sage_lfsr.census.collection import collect
from sage_lfsr.census.job import AGREES, MODES, NOT_APPLICABLE, CensusJob, make_tasks, task_columns
from sage_lfsr.census.registers import as_spec
from sage_lfsr.common.errors import IncompleteResult
from sage_lfsr.common.limits import MAX_PERIOD_STEPS, check_state_space, check_workers, format_count, shorten
from sage_lfsr.engine.schedules import get_schedule
from sage_lfsr.engine.schedules.base import RunOptions, RunRecord, available_schedules

#: Successor steps a task should hold (a few milliseconds of compiled work at least).
TASK_STEPS = 1 << 22
#: Tasks per worker the batch size aims at, so a queue can balance them.
TASKS_PER_WORKER = 8
#: Largest number of registers in one task.
MAX_BATCH = 1 << 14
#: Registers per task in mode "predict" and where theory is checked (Sage, about a millisecond each).
THEORY_BATCH = 64


def default_batch_size(specs, mode, workers, check_theory) -> int:
    r"""
    Registers per task: enough successor steps to outweigh the cost of a task
    (:data:`TASK_STEPS`), yet about :data:`TASKS_PER_WORKER` tasks per worker.

    EXAMPLES::

        sage: from sage_lfsr.census.census import default_batch_size
        sage: from sage_lfsr.census import families
        sage: default_batch_size(families.feedback_functions(5), "map", 2, False)
        4096
    """
    registers = collect(specs)
    if not len(registers):
        return 1
    by_steps = max(1, TASK_STEPS // registers.largest().state_count)
    by_workers = max(1, math.ceil(len(registers) / (workers * TASKS_PER_WORKER)))
    size = min(by_steps, by_workers, MAX_BATCH)
    if mode == "predict" or (check_theory and registers.has_linear()):
        size = min(size, THEORY_BATCH)
    return max(1, size)


def _check_arguments(mode, workers, start, batch_size):
    if mode not in MODES:
        raise ValueError(f"unknown census mode {mode!r}: choose one of {', '.join(MODES)}")
    for name, value in (("workers", workers), ("batch_size", batch_size)):
        if value is not None and (not isinstance(value, numbers.Integral) or isinstance(value, bool) or value <= 0):
            raise ValueError(f"{name} must be a positive integer, not {value!r}")
    if not isinstance(start, numbers.Integral) or isinstance(start, bool) or start < 0:
        raise ValueError(f"the start state must be a non-negative state index, not {start!r}")


def census(registers, mode="map", schedule=None, workers=None, checkpoint=None, progress=None, start=1,
           batch_size=None, check_theory=True, scheduler_address=None, start_method="fork", cancel=None, pool=None):
    r"""
    Map, walk or predict every register of ``registers``.

    INPUT:

    - ``registers`` -- any iterable of registers: :class:`~sage_lfsr.registers.lfsr.LFSR`,
      ``FSR``, :class:`~sage_lfsr.registers.matrix.MatrixRegister` or square
      matrices over `GF(q)` (those over `GF(q > 2)`, and Galois-form LFSRs, of
      up to `2^{20}` states), register texts (:mod:`~sage_lfsr.census.registers`) or the
      specs the families of :mod:`~sage_lfsr.census.families` generate
    - ``mode`` -- ``"map"`` (the full cycle structure of each register, with
      tree depths), ``"period"`` (the length of the cycle through state ``start``,
      ``None`` where ``start`` is transient; O(1) memory) or ``"predict"``
      (linear and affine registers only, from the factorization)
    - ``schedule`` -- ``"threads"`` (:mod:`~sage_lfsr.census.threads`: threads of
      this process, for tasks of compiled work only), or ``"queue"``,
      ``"sequential"``, ``"static"``, ``"steal"``, ``"hybrid"`` or ``"dask"``: the
      schedules of :func:`~sage_lfsr.engine.mapper.map_cycles`, handing out tasks
      of registers. Default: ``"threads"`` where no task calls Sage (no theory
      check, not mode ``"predict"``) and no ``pool`` is given (``"sequential"``
      for one worker), else ``"queue"``
    - ``workers`` -- worker processes (default: every core; 1 for ``"sequential"``)
    - ``checkpoint`` -- a file name: finished tasks are recorded there, and a
      rerun with the same file resumes (by register index)
    - ``progress`` -- ``True`` for a progress bar, or a callable
      ``progress(registers_done, registers_total)``
    - ``start`` -- the start state index of mode ``"period"`` (default: 1)
    - ``batch_size`` -- registers per task (default: :func:`default_batch_size`)
    - ``check_theory`` -- in mode ``"map"``, compare each linear register's map
      with its prediction (``"matches_theory"`` in the rows)
    - ``scheduler_address``, ``start_method``, ``cancel``, ``pool`` -- as for
      ``map_cycles`` (with a :class:`~sage_lfsr.engine.pool.MappingPool`, ``workers``
      defaults to the pool's)

    A published form (``families.form("3,1", 20)``) in mode ``"period"`` from state 1
    runs the maximum-period search's lockstep walk (:func:`~sage_lfsr.census.search.search`,
    on threads; schedule ``None``, ``"threads"`` or ``"sequential"``, no checkpoint or
    pool): the same time as ``search``, one row per representative; a candidate
    with a cycle shorter than :data:`~sage_lfsr.census.lockstep.SHORT_PERIOD` is
    screened out (``"screened"`` true, ``"period"`` ``None``, ``"max_period"`` false:
    exact, since a short cycle leaves no room for one of `2^n - 1` states).

    OUTPUT: a :class:`CensusResult`; it is exact or the census fails (every
    mapped register is checked: cycle states + transient states = `q^d`)

    EXAMPLES::

        sage: from sage_lfsr.census import census
        sage: result = census(["fsr d=4 f=x0+x1*x2", "lfsr q=3 c=1,1"], mode="period", schedule="sequential")
        sage: [(row["register"], row["period"], row["max_period"]) for row in result.rows]
        [('fsr d=4 f=x0+x1*x2', 4, False), ('lfsr q=3 c=1,1', 8, True)]
        sage: census(["lfsr q=2 c=1,1"], mode="count")
        Traceback (most recent call last):
        ...
        ValueError: unknown census mode 'count': choose one of map, period, predict
        sage: from sage_lfsr.census import families
        sage: from sage_lfsr.census.published import published_count
        sage: forms = census(families.form("2,2", 10), mode="period")
        sage: forms.summary()["max_period_count"] == published_count("2,2", 10)
        True
    """
    called = time.perf_counter()  # what the user waits for: generating, checking, planning and the run
    _check_arguments(mode, workers, start, batch_size)
    if _walks_in_lockstep(registers, mode, schedule, start, checkpoint, pool, batch_size):
        return _form_period_census(registers, schedule, workers, progress, called)
    if schedule not in (None, "threads") and schedule not in available_schedules():
        raise ValueError(f"unknown census schedule {shorten(repr(schedule), 60)}: choose one of "
                         f"{', '.join(sorted(available_schedules() + ['threads']))}")
    if schedule is None and pool is not None:
        schedule = "queue"  # a pool's workers are processes
    if workers is not None and schedule != "sequential":
        check_workers(workers, _default_workers())
    specs = collect(registers)
    _check_work(specs, mode)
    if mode == "period" and len(specs) and start >= specs.smallest().state_count:
        smallest = specs.smallest()
        raise ValueError(f"the start state {start} is outside 0..{smallest.state_count - 1} of {smallest.text!r}")
    if mode == "predict" and len(specs) and specs.first_nonlinear() is not None:
        raise ValueError(f"mode 'predict' is for linear and affine registers; {specs.first_nonlinear().text!r} "
                         "is nonlinear")
    if pool is not None:
        workers = workers or pool.workers
        pool.check(schedule, 1 if schedule == "sequential" else workers)
    workers = 1 if schedule == "sequential" else int(workers or _default_workers())

    if checkpoint is not None:
        from sage_lfsr.census.checkpoint import CensusCheckpoint

        checkpoint = checkpoint if isinstance(checkpoint, CensusCheckpoint) else CensusCheckpoint(checkpoint)
        recorded = checkpoint.planned()
        if recorded is not None and batch_size is None:
            batch_size = recorded["batch_size"]
    batch_size = batch_size or default_batch_size(specs, mode, workers, check_theory)
    theory = mode == "predict" or (mode == "map" and check_theory)
    batch_size, workers = int(batch_size), int(workers)
    tasks = specs.tasks(batch_size, theory)
    if schedule is None:
        schedule = "queue" if not threads.runs_on_threads(CensusJob(tasks, mode)) else (
            "threads" if workers > 1 else "sequential")
    schedule_object = None if schedule == "threads" else get_schedule(schedule)
    job = CensusJob(tasks, mode, int(start), bool(check_theory),
                    {"batch_size": batch_size, "schedule": schedule, "workers": workers,
                     "registers_digest": specs.digest()})
    planned, restored = job, []
    options = RunOptions(workers=workers, start_method=start_method, cancel=cancel,
                         scheduler_address=scheduler_address, pool=pool)
    if checkpoint is not None:
        restored = checkpoint.restore(job)
        options.on_result = checkpoint.record
        finished = {result.task_id for result in restored}
        job = replace(job, tasks=tuple(task for task in job.tasks if task.task_id not in finished))
        job.choices["resumed_tasks"] = len(finished)

    bar = None
    if progress is True:
        from sage_lfsr.common.progress import ProgressBar

        bar = progress = ProgressBar(False, unit="registers", total=len(specs))
    if progress is not None:
        done_before = sum(planned.tasks[result.task_id].size for result in restored)
        options.progress = lambda done, total: progress(done_before + done, len(specs))
    compile_kernels(job)
    started = time.perf_counter()
    try:
        if not job.tasks:
            record = RunRecord([])
        else:
            record = threads.run(job, options) if schedule_object is None else schedule_object.run(job, options)
    finally:
        if bar is not None:
            bar.bar.close()
        if checkpoint is not None:
            checkpoint.close()  # unlocked for the next run
    run_seconds = time.perf_counter() - started
    result = CensusResult.assemble(planned, specs, restored + list(record.results), run_seconds)
    result.wall_seconds = time.perf_counter() - called
    return result


def _walks_in_lockstep(registers, mode, schedule, start, checkpoint, pool, batch_size) -> bool:
    r"""Whether a census is the maximum-period search's question: a form's period walks from state 1."""
    from sage_lfsr.census.forms import Form

    return (isinstance(registers, Form) and mode == "period" and start == 1 and schedule in (None, "threads", "sequential")
            and checkpoint is None and pool is None and batch_size is None)


def _form_period_census(form, schedule, workers, progress, called) -> "FormPeriodResult":
    r"""A form's census in mode ``"period"`` by :func:`~sage_lfsr.census.search.search` (its lockstep walk on threads)."""
    import numpy as np

    from sage_lfsr.census.lockstep import NOT_REPRESENTATIVE
    from sage_lfsr.census.search import search

    if workers is not None and schedule != "sequential":
        check_workers(workers, _default_workers())
    workers = 1 if schedule == "sequential" else int(workers or _default_workers())
    periods = np.full(form.size, NOT_REPRESENTATIVE, dtype=np.int64)

    def observe(indices, walked):
        periods[indices] = walked

    bar = None
    if progress is True:
        from sage_lfsr.common.progress import ProgressBar

        bar = progress = ProgressBar(False, unit="candidates", total=form.size)
    try:
        found = search(form, form.degree, workers=workers, progress=progress or None,
                       schedule="threads" if workers > 1 else "sequential", observe=observe)
    finally:
        if bar is not None:
            bar.bar.close()
    representatives = np.flatnonzero(periods != NOT_REPRESENTATIVE)
    choices = {"schedule": "threads" if workers > 1 else "sequential", "workers": workers, "batch_size": None,
               "search": "lockstep"}
    return FormPeriodResult(form, representatives, periods[representatives], sum(t.steps for t in found.tasks),
                            choices, found.seconds, time.perf_counter() - called)


def compile_kernels(job):
    r"""
    Compile (or load from the cache) the batch kernels ``job`` runs, here and
    before any worker starts, as the planner does for a map: forked workers
    inherit the code instead of each compiling it at once (a cold census of
    ``feedback-functions`` at degree 4 on 2 busy cores: 39 s with both workers
    compiling, 17 s compiled here). Each kernel is called on no register, so
    nothing is mapped twice. Accepts a :class:`CensusJob`, or specs and a mode
    (``compile_kernels((specs, mode))``, as the command line does before it says so).

    EXAMPLES::

        sage: from sage_lfsr.census.census import compile_kernels
        sage: from sage_lfsr.census.registers import parse_register
        sage: compile_kernels(([parse_register("fsr d=3 f=x0+x1*x2")], "period"))
    """
    from sage_lfsr.census.kernels import map_params, period_params

    if isinstance(job, tuple):
        from sage_lfsr.census.job import signature

        specs, mode = job
        one_of_each = list({signature(spec): spec for spec in map(as_spec, specs)}.values())
        job = CensusJob(make_tasks(one_of_each, 1), mode, 0, False, {})
    if job.mode == "predict":
        return
    first_of_kind = {}
    for task in job.tasks:
        first_of_kind.setdefault(task.signature[0], task)
    for task in first_of_kind.values():
        _, q, degree = task.signature
        if job.mode == "map":
            map_params(task.packed(), 0, q ** degree)
        else:
            period_params(task.packed(), 0, q ** degree, 0)


def _check_work(specs, mode):
    r"""Before any work: every register's map fits the state-space limit and memory, and every period walk is bounded."""
    if mode == "predict" or not len(specs):
        return
    largest = specs.largest()
    if mode == "period" and largest.state_count > MAX_PERIOD_STEPS:
        raise ValueError(f"{largest.text!r} has {format_count(largest.state_count)} states: a period walk from one "
                         f"state may take that many steps, above the {MAX_PERIOD_STEPS} (2^40) a census walks")
    if mode == "map":
        check_state_space(largest.state_count, largest.state_count // 8, f"map {largest.text!r}")


def _default_workers():
    from sage_lfsr.engine.planning import default_workers

    return default_workers()


def _format_counts(counts) -> str:
    return " ".join(f"{key}:{value}" for key, value in sorted(counts.items()))


def _verdict(code):
    return None if code == NOT_APPLICABLE else code == AGREES


class CensusResult:
    r"""
    The rows of a census, in input order, and how it ran.

    Each row is a dict with ``"index"``, ``"register"`` (a text that rebuilds the
    register, :func:`~sage_lfsr.census.registers.parse_register`), ``"kind"``,
    ``"q"``, ``"degree"``, ``"longest_cycle"`` and ``"max_period"`` (whether
    the longest cycle has `q^d - 1` states or more: all nonzero states, or all
    states); in modes ``"map"`` and ``"predict"`` also ``"cycle_counts"``
    (``{length: cycles}``), ``"tail_depths"`` (``{depth: states}``),
    ``"cycle_count"``, ``"transient_states"``, ``"irreducible"`` (the
    characteristic polynomial, linear registers where theory ran, else ``None``)
    and, in mode ``"map"``, ``"matches_theory"`` (``None`` where theory does not
    apply); in mode ``"period"`` ``"period"`` (``None`` where the start state is
    transient).

    The result keeps the tasks' arrays: the checks (every register's states
    conserved), :meth:`summary` and :meth:`column` work on them with numpy,
    and ``rows`` are built the first time they are read.
    """

    def __init__(self, mode, rows=None, run_seconds=0.0, steps=0, choices=None, wall_seconds=0.0, parts=None,
                 registers=None):
        self.mode = mode
        self._rows = rows
        #: Seconds of the run under the schedule (the rate's denominator).
        self.run_seconds = run_seconds
        self.steps = steps
        self.choices = dict(choices or {})
        #: Seconds of the whole ``census()`` call: what the user waited (families generated, plan, run).
        self.wall_seconds = wall_seconds
        self._parts = parts or []  # (task, result, columns) in input order
        self._registers = registers

    @classmethod
    def assemble(cls, job, specs, results, run_seconds) -> "CensusResult":
        by_task = {}
        for result in results:
            by_task.setdefault(result.task_id, result)
        missing = [task.task_id for task in job.tasks if task.task_id not in by_task]
        if missing:
            raise IncompleteResult(f"{len(missing)} census tasks returned no result (task ids {missing[:10]})")
        parts = [(task, by_task[task.task_id], _columns(job.mode, task, specs, by_task[task.task_id]))
                 for task in job.tasks]
        return cls(job.mode, None, run_seconds, sum(result.steps for result in by_task.values()), dict(job.choices),
                   run_seconds, parts, specs)

    @property
    def rows(self) -> list:
        if self._rows is None:
            self._rows = [row for task, result, columns in self._parts
                          for row in _rows(self.mode, task, self._registers, result, columns)]
        return self._rows

    def column(self, name):
        r"""
        One column over every register as a numpy array, from the tasks' arrays
        without building rows: ``"longest_cycle"``, ``"max_period"``, ``"full_cycle"``,
        and in modes ``"map"``, ``"predict"`` ``"cycle_count"``, ``"transient_states"``,
        ``"irreducible"`` (``-1`` not applicable, ``0``, ``1``), in mode ``"map"``
        ``"matches_theory"`` (the same codes), in mode ``"period"`` ``"period"`` (``-1``: transient).

        EXAMPLES::

            sage: from sage_lfsr.census import census, families
            sage: result = census(families.feedback_functions(3), schedule="sequential")
            sage: int(result.column("full_cycle").sum())
            2
            sage: result.column("longest_cycle").tolist() == [row["longest_cycle"] for row in result.rows]
            True
        """
        import numpy as np

        if self._rows is not None and not self._parts:
            return np.array([_row_value(row, name) for row in self._rows])
        return np.concatenate([columns[name] for *_, columns in self._parts]) if self._parts else np.zeros(0, np.int64)

    def __len__(self):
        return sum(task.size for task, *_ in self._parts) if self._parts else len(self.rows)

    def __repr__(self):
        return f"CensusResult of {len(self)} registers (mode {self.mode!r})"

    def summary(self) -> dict:
        r"""
        Counts over the rows: registers, those of maximum period (``max_period_count``;
        each row's ``max_period`` says it of one register), those with one cycle
        through all `q^d` states (``full_cycle_count``: de Bruijn registers; a
        primitive LFSR has maximum period `q^d - 1` but leaves the zero state on a
        cycle of its own, so it is not full-cycle), theory checks, irreducible
        characteristic polynomials, and the distribution of the number of cycles
        (modes ``"map"``, ``"predict"``) or of the periods (``"period"``).
        ``wall_seconds`` is the whole call, ``run_seconds`` the run under the schedule.

        EXAMPLES::

            sage: from sage_lfsr.census import census, families
            sage: s = census(families.feedback_functions(3), schedule="sequential").summary()
            sage: s["registers"], s["max_period_count"], s["full_cycle_count"]
            (16, 6, 2)
            sage: s["wall_seconds"] >= s["run_seconds"]
            True
        """
        column = self.column
        summary = {
            "mode": self.mode,
            "registers": len(self),
            "max_period_count": int(column("max_period").sum()),
            "full_cycle_count": int(column("full_cycle").sum()),
            "wall_seconds": round(self.wall_seconds, 6),
            "run_seconds": round(self.run_seconds, 6),
            "registers_per_second": round(len(self) / self.run_seconds, 1) if self.run_seconds else None,
            "steps": self.steps,
            "schedule": self.choices.get("schedule"),
            "workers": self.choices.get("workers"),
            "batch_size": self.choices.get("batch_size"),
        }
        if self.mode == "period":
            periods = column("period")
            summary["transient_start"] = int((periods < 0).sum())
            summary["period_distribution"] = _distribution(periods[periods >= 0])
        else:
            summary["cycle_count_distribution"] = _distribution(column("cycle_count"))
            summary["irreducible"] = int((column("irreducible") == AGREES).sum())
        if self.mode == "map":
            verdicts = column("matches_theory")
            summary["theory_checked"] = int((verdicts != NOT_APPLICABLE).sum())
            summary["theory_agrees"] = int((verdicts == AGREES).sum())
        return summary

    def columns(self) -> list:
        common = ["index", "register", "kind", "q", "degree"]
        if self.mode == "period":
            return common + ["period", "longest_cycle", "max_period"]
        extra = ["matches_theory"] if self.mode == "map" else []
        return common + ["cycle_count", "longest_cycle", "max_period", "transient_states", "irreducible",
                         "cycle_counts", "tail_depths"] + extra

    def to_csv(self) -> str:
        r"""
        One line per register; ``cycle_counts`` and ``tail_depths`` as ``"length:count ..."``.

        EXAMPLES::

            sage: from sage_lfsr.census import census
            sage: print(census(["lfsr q=2 c=1,1,0,0"], schedule="sequential").to_csv())
            index,register,kind,q,degree,cycle_count,longest_cycle,max_period,transient_states,irreducible,cycle_counts,tail_depths,matches_theory
            0,"lfsr q=2 c=1,1,0,0",lfsr,2,4,2,15,True,0,True,1:1 15:1,0:16,True
        """
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        columns = self.columns()
        writer.writerow(columns)
        for row in self.rows:
            writer.writerow([_format_counts(row[c]) if isinstance(row[c], dict) else row[c] for c in columns])
        return buffer.getvalue()

    def to_json(self, indent=None) -> str:
        r"""``{"mode", "summary", "rows"}`` as JSON (dictionary keys as strings)."""
        return json.dumps({"mode": self.mode, "summary": self.summary(), "rows": self.rows}, indent=indent)

    def to_dataframe(self):
        r"""The rows as a :class:`pandas.DataFrame` (needs pandas)."""
        try:
            import pandas
        except ImportError:
            raise ImportError("CensusResult.to_dataframe needs pandas: pip install pandas "
                              "(or use to_csv / to_json)") from None
        return pandas.DataFrame(self.rows, columns=self.columns())


class FormPeriodResult(CensusResult):
    r"""
    A census of a published form in mode ``"period"``, walked in lockstep (see
    :func:`census`): the rows of :class:`CensusResult` and ``"screened"``, built
    from arrays the first time they are read.

    EXAMPLES::

        sage: from sage_lfsr.census import census, families
        sage: result = census(families.form("3,1", 8), mode="period", schedule="sequential")
        sage: general = census(list(families.form("3,1", 8)), mode="period", schedule="sequential")
        sage: len(result) == len(general), result.summary()["max_period_count"] == general.summary()["max_period_count"]
        (True, True)
        sage: [row["period"] for row in result.rows if not row["screened"]] == [
        ....:     row["period"] for row, fast in zip(general.rows, result.rows) if not fast["screened"]]
        True
    """

    def __init__(self, form, indices, periods, steps, choices, run_seconds, wall_seconds):
        super().__init__("period", None, run_seconds, steps, choices, wall_seconds)
        self.form, self.indices, self.periods = form, indices, periods

    def __len__(self):
        return len(self.indices)

    @property
    def rows(self) -> list:
        from sage_lfsr.census.lockstep import SHORT_CYCLE

        if self._rows is None:
            full = (1 << self.form.degree) - 1
            self._rows = [{"index": k, "register": self.form.spec(int(i)).text, "kind": "fsr", "q": 2,
                           "degree": self.form.degree, "period": int(p) if p > 0 else None,
                           "longest_cycle": int(p) if p > 0 else None, "max_period": int(p) == full,
                           "screened": int(p) == SHORT_CYCLE}
                          for k, (i, p) in enumerate(zip(self.indices.tolist(), self.periods.tolist()))]
        return self._rows

    def column(self, name):
        import numpy as np

        from sage_lfsr.census.lockstep import SHORT_CYCLE

        walked = np.where(self.periods > 0, self.periods, -1)
        columns = {"period": walked, "longest_cycle": walked, "max_period": self.periods == (1 << self.form.degree) - 1,
                   "full_cycle": self.periods == 1 << self.form.degree, "screened": self.periods == SHORT_CYCLE}
        if name not in columns:
            raise KeyError(f"a census in mode 'period' has no column {name!r}")
        return columns[name]

    def summary(self) -> dict:
        summary = super().summary()
        summary["screened"] = int(self.column("screened").sum())
        summary["transient_start"] -= summary["screened"]
        return summary

    def columns(self) -> list:
        return super().columns() + ["screened"]


def _distribution(values) -> dict:
    import numpy as np

    found, counts = np.unique(values, return_counts=True)
    return dict(zip(found.tolist(), counts.tolist()))


def _row_value(row, name):
    r"""A column's value in a row built by hand (the column codes of :meth:`CensusResult.column`)."""
    if name == "full_cycle":
        return row["longest_cycle"] == row["q"] ** row["degree"]
    value = row.get(name)
    if name in ("irreducible", "matches_theory"):
        return NOT_APPLICABLE if value is None else int(value)
    if name == "period":
        return -1 if value is None else value
    return value


def _per_register(arrays, name):
    r"""``[{value: count}, ...]`` per register of a task from its ``name_pairs`` and ``name_offsets``."""
    pairs, offsets = arrays[f"{name}_pairs"].tolist(), arrays[f"{name}_offsets"].tolist()
    return [dict(pairs[offsets[i]:offsets[i + 1]]) for i in range(len(offsets) - 1)]


def _columns(mode, task, specs, result) -> dict:
    r"""
    A task's columns (computed where the task ran, or here for a result restored
    from a checkpoint: :func:`~sage_lfsr.census.job.task_columns`), refused unless
    every register's cycle states plus transient states make its `q^d` states.
    """
    columns, problem = result.columns if result.columns is not None else task_columns(mode, task, result)
    if problem is not None:
        k, cycle_states, transient, state_count = problem
        where = f"register {task.lo + k} ({specs.texts(task.lo + k, task.lo + k + 1)[0]})" if k >= 0 else \
            f"a register of task {task.task_id}"
        raise IncompleteResult(f"{where}: {cycle_states} cycle states and {transient} transient states, "
                               f"not the {state_count} states")
    return columns


def _rows(mode, task, specs, result, columns):
    _, q, degree = task.signature
    rows = [{"index": task.lo + offset, "register": text, "kind": kind, "q": q, "degree": degree}
            for offset, (text, kind) in enumerate(zip(specs.texts(task.lo, task.hi), specs.kinds(task.lo, task.hi)))]
    if mode == "period":
        for row, period, maximal in zip(rows, columns["period"].tolist(), columns["max_period"].tolist()):
            row.update(period=period if period > 0 else None, longest_cycle=period if period > 0 else None,
                       max_period=maximal)
        return rows
    arrays = result.arrays
    verdicts = [_verdict(code) for code in columns["matches_theory"].tolist()] if mode == "map" else None
    irreducible = [_verdict(code) for code in columns["irreducible"].tolist()]
    for offset, (row, cycle_counts, tail_depths, longest, maximal, count, transient) in enumerate(zip(
            rows, _per_register(arrays, "cycle"), _per_register(arrays, "depth"), columns["longest_cycle"].tolist(),
            columns["max_period"].tolist(), columns["cycle_count"].tolist(), columns["transient_states"].tolist())):
        row.update(cycle_count=count, longest_cycle=longest, max_period=maximal, transient_states=transient,
                   irreducible=irreducible[offset], cycle_counts=cycle_counts, tail_depths=tail_depths)
        if verdicts is not None:
            row["matches_theory"] = verdicts[offset]
    return rows
