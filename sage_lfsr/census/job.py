r"""
A census cut into tasks, and the execution of one task in a worker.

A task is a run ``[lo, hi)`` of consecutive registers of the census (input
order) that share an encoding, a field and a degree, so they pack into the
arrays of one batch-kernel call (:mod:`sage_lfsr.census.kernels`).
:class:`CensusJob` has the interface the schedules drive
(:mod:`sage_lfsr.engine.schedules`: ``tasks``, ``kernel()``, ``memory()``,
``execute(...)``), so a census runs under the same process machinery and Dask
schedule as a single map::

    census(registers)                        parent
      1. specs -> make_tasks: CensusTask(lo, hi, packed arrays) ...
      2. schedule hands tasks to workers ---> worker: execute_task(task)
                                                 one kernel call for the task
                                                 (predict mode and theory checks: Sage)
      3. CensusTaskResult (arrays only) <----
      4. rows in input order, each checked: cycle states + transient states = q^d
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from sage_lfsr.census.kernels import encoding_of, map_params, pack, period_params
from sage_lfsr.census.registers import LINEAR_KINDS

MODES = ("map", "period", "predict")
#: Theory verdicts per register in a result: not applicable, differs, agrees.
NOT_APPLICABLE, DIFFERS, AGREES = -1, 0, 1


@dataclass(frozen=True, eq=False)
class CensusTask:
    r"""
    Registers ``[lo, hi)`` of a census, packed for one kernel call (``params``);
    ``linear`` holds the :class:`~sage_lfsr.census.registers.LinearSpec` of each
    register where theory is to run (``None`` elsewhere), or is ``None``.
    """

    task_id: int
    lo: int
    hi: int
    signature: tuple
    params: object
    linear: tuple | None = None
    #: The schedules that group tasks by phase (static, hybrid) see one phase.
    phase = "census"

    @property
    def size(self) -> int:
        return self.hi - self.lo

    def packed(self):
        r"""
        The kernel's arrays: ``params``, or what it makes when it is a callable (a
        family known by index packs its task where the task runs, so the packing of
        a census divides among the workers too).
        """
        return self.params() if callable(self.params) else self.params


@dataclass
class CensusTaskResult:
    r"""
    What one task found, as integer arrays (so a checkpoint stores it without
    pickles): per register ``(value, count)`` pairs with offsets for cycle lengths
    and depths, periods, theory verdicts and irreducibility (``-1`` where not applicable).
    """

    task_id: int
    worker: int
    steps: int
    start: float
    end: float
    arrays: dict = field(default_factory=dict)
    stolen_from: int | None = None
    #: ``(columns, problem)`` of :func:`task_columns`, computed where the task ran (not checkpointed).
    columns: tuple | None = field(default=None, compare=False, repr=False)


def signature(spec) -> tuple:
    return encoding_of(spec), spec.q, spec.degree


def make_tasks(specs, batch_size: int, theory: bool = False) -> tuple:
    r"""
    Cut ``specs`` into tasks of at most ``batch_size`` consecutive registers of
    one signature, packed for the kernels; with ``theory`` the linear registers
    travel with their task for the theory that runs beside the kernel.

    EXAMPLES::

        sage: from sage_lfsr.census.job import make_tasks
        sage: from sage_lfsr.census.registers import parse_register
        sage: specs = [parse_register(t) for t in ["lfsr q=2 c=1,1", "lfsr q=2 c=1,0", "lfsr q=3 c=1,1",
        ....:                                        "lfsr q=2 c=0,1"]]
        sage: [(t.lo, t.hi, t.signature) for t in make_tasks(specs, 5)]
        [(0, 2, ('anf', 2, 2)), (2, 3, ('gfq', 3, 2)), (3, 4, ('anf', 2, 2))]
    """
    tasks, lo = [], 0
    signatures = [signature(spec) for spec in specs]
    while lo < len(specs):
        hi = lo + 1
        while hi < len(specs) and hi - lo < batch_size and signatures[hi] == signatures[lo]:
            hi += 1
        run = specs[lo:hi]
        linear = tuple(spec if spec.kind in LINEAR_KINDS else None for spec in run) if theory else None
        tasks.append(CensusTask(len(tasks), lo, hi, signatures[lo], pack(*signatures[lo], run), linear))
        lo = hi
    return tuple(tasks)


def _pairs_with_offsets(per_register):
    r"""Flatten ``[{value: count}, ...]`` into ``(pairs, offsets)`` arrays."""
    offsets = np.zeros(len(per_register) + 1, dtype=np.int64)
    offsets[1:] = np.cumsum([len(counts) for counts in per_register])
    pairs = np.array([(k, v) for counts in per_register for k, v in sorted(counts.items())],
                     dtype=np.int64).reshape(-1, 2)
    return pairs, offsets


def counts_of(pairs, offsets, index) -> dict:
    r"""``{value: count}`` of register ``index`` from ``(pairs, offsets)``."""
    return dict(pairs[offsets[index]:offsets[index + 1]].tolist())


def _theory(spec):
    r"""``(CycleStructure, irreducible)`` of a linear register from its factorization."""
    from sage_lfsr.theory.prediction import elementary_divisors, predict_cycles

    register = spec.register()
    divisors = elementary_divisors(register)
    irreducible = len(divisors) == 1 and divisors[0][1] == 1 and divisors[0][0].degree() == spec.degree
    return predict_cycles(register), irreducible


def _predict(task):
    structures, irreducible = [], []
    for spec in task.linear:
        structure, is_irreducible = _theory(spec)
        structures.append(structure)
        irreducible.append(int(is_irreducible))
    cycle_pairs, cycle_offsets = _pairs_with_offsets([s.cycle_counts for s in structures])
    depth_pairs, depth_offsets = _pairs_with_offsets([s.tail_depths for s in structures])
    return {"cycle_pairs": cycle_pairs, "cycle_offsets": cycle_offsets, "depth_pairs": depth_pairs,
            "depth_offsets": depth_offsets, "irreducible": np.array(irreducible, dtype=np.int64)}, 0


def _map(task, check_theory):
    _, q, degree = task.signature
    cycle_pairs, cycle_offsets, depth_pairs, depth_offsets, steps = map_params(task.packed(), task.size, q ** degree)
    arrays = {"cycle_pairs": cycle_pairs, "cycle_offsets": cycle_offsets, "depth_pairs": depth_pairs,
              "depth_offsets": depth_offsets}
    verdicts = np.full(task.size, NOT_APPLICABLE, dtype=np.int64)
    irreducible = np.full(task.size, NOT_APPLICABLE, dtype=np.int64)
    if check_theory and task.linear is not None:
        for index, spec in enumerate(task.linear):
            if spec is None:
                continue
            try:
                predicted, is_irreducible = _theory(spec)
            except TypeError:  # an affine register before the theory supports it
                continue
            found = (counts_of(cycle_pairs, cycle_offsets, index), counts_of(depth_pairs, depth_offsets, index))
            verdicts[index] = AGREES if found == (predicted.cycle_counts, predicted.tail_depths) else DIFFERS
            irreducible[index] = int(is_irreducible)
    arrays.update(theory=verdicts, irreducible=irreducible)
    return arrays, steps


def execute_task(task: CensusTask, mode: str, start_state: int, check_theory: bool, worker: int,
                 clock_zero: float) -> CensusTaskResult:
    r"""
    Run one census task: one batch-kernel call (or, in mode ``"predict"``, the
    theory for each register).

    EXAMPLES::

        sage: import time
        sage: from sage_lfsr.census.job import counts_of, execute_task, make_tasks
        sage: from sage_lfsr.census.registers import parse_register
        sage: task = make_tasks([parse_register("lfsr q=2 c=1,1,0,0")], 8, theory=True)[0]
        sage: result = execute_task(task, "map", 1, True, 0, time.perf_counter())
        sage: counts_of(result.arrays["cycle_pairs"], result.arrays["cycle_offsets"], 0), result.arrays["theory"]
        ({1: 1, 15: 1}, array([1]))
        sage: execute_task(task, "period", 1, False, 0, time.perf_counter()).arrays["periods"]
        array([15])
    """
    started = time.perf_counter()
    if mode == "map":
        arrays, steps = _map(task, check_theory)
    elif mode == "period":
        _, q, degree = task.signature
        periods, steps = period_params(task.packed(), task.size, q ** degree, start_state)
        arrays = {"periods": periods}
    elif mode == "predict":
        arrays, steps = _predict(task)
    else:
        raise ValueError(f"unknown census mode {mode!r}: choose one of {', '.join(MODES)}")
    result = CensusTaskResult(task.task_id, worker, int(steps), started - clock_zero, time.perf_counter() - clock_zero,
                              arrays)
    result.columns = task_columns(mode, task, result)
    return result


def task_columns(mode, task, result) -> tuple:
    r"""
    ``(columns, problem)``: a task's per-register columns with numpy (what
    :meth:`~sage_lfsr.census.census.CensusResult.column` reads), and ``None`` or
    the first register whose cycle states plus transient states do not make its
    `q^d` states, as ``(offset, cycle states, transient states, q^d)`` (offset
    ``-1``: a register with no cycle at all). Pairs are sorted by value.
    """
    _, q, degree = task.signature
    state_count = q ** degree
    arrays = result.arrays
    size = task.size
    if mode == "period":
        periods = arrays["periods"].astype(np.int64)
        periods = np.where(periods > 0, periods, -1)
        return {"period": periods, "longest_cycle": periods, "max_period": periods >= state_count - 1,
                "full_cycle": periods == state_count}, None
    cycles, cycle_offsets = arrays["cycle_pairs"].reshape(-1, 2), arrays["cycle_offsets"]
    depths, depth_offsets = arrays["depth_pairs"].reshape(-1, 2), arrays["depth_offsets"]
    if size and ((np.diff(cycle_offsets) < 1).any() or (np.diff(depth_offsets) < 1).any()):
        return {}, (-1, 0, 0, state_count)
    empty = np.zeros(0, np.int64)
    longest = cycles[cycle_offsets[1:] - 1, 0] if size else empty
    cycle_count = np.add.reduceat(cycles[:, 1], cycle_offsets[:-1]) if size else empty
    cycle_states = np.add.reduceat(cycles[:, 0] * cycles[:, 1], cycle_offsets[:-1]) if size else empty
    first_depth = depths[depth_offsets[:-1]] if size else np.zeros((0, 2), np.int64)
    on_cycles = np.where(first_depth[:, 0] == 0, first_depth[:, 1], 0)
    all_states = np.add.reduceat(depths[:, 1], depth_offsets[:-1]) if size else empty
    wrong = np.flatnonzero((on_cycles != cycle_states) | (all_states != state_count))
    problem = None
    if len(wrong):
        k = int(wrong[0])
        problem = (k, int(cycle_states[k]), int(all_states[k] - on_cycles[k]), state_count)
    columns = {"longest_cycle": longest, "max_period": longest >= state_count - 1, "full_cycle": longest == state_count,
               "cycle_count": cycle_count, "transient_states": state_count - on_cycles,
               "irreducible": arrays["irreducible"]}
    if mode == "map":
        columns["matches_theory"] = arrays["theory"]
    return columns, problem


class CensusKernel:
    r"""What ``CensusJob.kernel()`` gives each worker: nothing to build (the kernels are compiled and cached)."""

    name = "census"


@dataclass(frozen=True)
class CensusJob:
    r"""
    A census as the schedules see it: ``tasks``, ``kernel()``, ``memory()`` and
    ``execute(...)`` (the interface of :class:`sage_lfsr.engine.job.Job`).
    """

    tasks: tuple
    mode: str = "map"
    start_state: int = 1
    check_theory: bool = True
    choices: dict = field(default_factory=dict)

    #: No Manager cycle registry: each register's map is whole within its task.
    registry = None
    #: Nor per-state memory shared among workers: each task allocates what its kernel call needs.
    memory_layout = "private"

    def kernel(self):
        return CensusKernel()

    def memory(self, workers: int = 1):
        r"""The smallest per-state memory (one state, private): the schedules ask for one, a census uses none."""
        from sage_lfsr.engine.memory import StateMemory

        return StateMemory(1, False, self.memory_layout, workers)

    def execute(self, kernel, memory, task, worker, clock_zero):
        return execute_task(task, self.mode, self.start_state, self.check_theory, worker, clock_zero)
