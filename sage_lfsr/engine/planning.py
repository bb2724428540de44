r"""
Planning a run: every decision about it, made once, before any work.

:func:`plan` checks the arguments, describes the register (integer tables, with
Sage), predicts its longest cycle (Sage), measures the kernel's cost per state,
resolves ``schedule="auto"``, the worker count, the batch size (states per task),
whether to split long cycles, the distinguished bits, the memory layout, and
reads the plan a checkpoint recorded. The :class:`Plan` it returns is frozen,
says why it chose each value (:attr:`Plan.reasons`), and is all that
:func:`~sage_lfsr.engine.mapper.run` needs: planning is the only step that needs Sage.

EXAMPLES::

    sage: from sage_lfsr import LFSR
    sage: from sage_lfsr.engine.planning import plan
    sage: p = plan(LFSR.from_polynomial("x^10 + x^3 + 1"), schedule="queue", workers=2, batch_size=256)
    sage: p.schedule, p.workers, p.batch_size, p.split, p.dbits, len(p.tasks), p.memory_layout
    ('queue', 2, 256, True, 2, 8, 'rows')
    sage: p.reasons["split"]
    'the longest cycle (1023 states, predicted) is longer than a task (256 states)'
"""
from __future__ import annotations

import math
import numbers
import os
import time
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from sage_lfsr.engine import memory
from sage_lfsr.engine.job import Job, make_tasks
from sage_lfsr.engine.kernels import check_kernel, make_kernel
from sage_lfsr.common.limits import MAX_TASKS, check_state_space, check_task_count, check_workers
from sage_lfsr.engine.schedules import available_schedules as _registered, schedule_class

REGISTRIES = ("shared", "manager")
START_METHODS = ("fork", "spawn", "forkserver")
SPLIT_NEEDS_INVERTIBLE = ("splitting long cycles is implemented for invertible registers only "
                          "(c_0 != 0; for a matrix, det M != 0)")
#: Largest degree the depth bytes of singular registers allow.
MAX_DEGREE = 250

#: A task should cost at least this many times the IPC of handing it out.
TASK_COST_OVER_IPC = 50
#: Seconds of IPC to hand out a task and return its result through a Manager.
IPC_SECONDS_PER_TASK = 4e-4
#: Tasks per worker wanted for balance when the problem is large enough.
TASKS_PER_WORKER = 16
#: Below this many states a parallel run cannot pay for starting its processes.
AUTO_SEQUENTIAL_BELOW = 1 << 20
#: Below this much single-core work (seconds), likewise: starting workers and a
#: Manager costs about 0.05 s here, which should stay under a fifth of the run.
AUTO_SEQUENTIAL_SECONDS = 0.25


def measure_step_seconds(kernel, state_count, singular):
    r"""
    Seconds per successor step of ``kernel``, timed on its calibration sample
    of short segments (kernel tables and compiled code are warm afterwards,
    too); its own estimate where no sample can be timed, and where the state
    space is no larger than the sample (timing it would cost as much as the run,
    and a run that small is one task whatever the figure).
    """
    if singular:
        return kernel.step_seconds * 3
    sample_range, bits = kernel.calibration_sample
    if state_count <= sample_range:
        return kernel.step_seconds
    bitmap = np.zeros((state_count + 7) // 8, dtype=np.uint8)  # calloc: untouched pages cost nothing
    kernel.trace_segments(0, 1, bitmap, bits)
    start = time.perf_counter()
    _, steps = kernel.trace_segments(0, min(sample_range, state_count), bitmap, bits)
    elapsed = time.perf_counter() - start
    return elapsed / steps if steps >= 256 else kernel.step_seconds


def auto_batch_size(state_count, workers, step_seconds):
    r"""
    States per task: enough that a task costs ``TASK_COST_OVER_IPC`` times its IPC,
    and otherwise small enough to give each worker ``TASKS_PER_WORKER`` tasks;
    never so many that a worker gets no task.

    EXAMPLES::

        sage: from sage_lfsr.engine.planning import auto_batch_size
        sage: auto_batch_size(2**24, 2, 1e-8)
        2097152
        sage: auto_batch_size(2**16, 2, 1e-8)
        32768
        sage: auto_batch_size(2**12, 4, 3e-5)
        1024
    """
    floor = math.ceil(TASK_COST_OVER_IPC * IPC_SECONDS_PER_TASK / step_seconds)
    balanced = math.ceil(state_count / (workers * TASKS_PER_WORKER))
    batch = 1 << max(0, math.ceil(math.log2(max(floor, balanced))))
    return int(min(batch, math.ceil(state_count / workers)))


def distinguished_bits(batch_size):
    r"""
    Bits for the distinguished states that cut long cycles into segments of
    about ``2^bits`` states, some 64 segments to a task.

    EXAMPLES::

        sage: from sage_lfsr.engine.planning import distinguished_bits
        sage: distinguished_bits(2**20), distinguished_bits(100), distinguished_bits(2**40)
        (14, 1, 24)
    """
    return max(1, min(24, int(math.log2(max(2, batch_size))) - 6))


def default_workers():
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def auto_schedule(state_count, step_seconds, cores=None):
    r"""
    What ``schedule="auto"`` runs: ``(schedule, workers, reason)``.

    EXAMPLES::

        sage: from sage_lfsr.engine.planning import auto_schedule
        sage: auto_schedule(2**16, 3e-9, cores=16)[:2]
        ('sequential', 1)
        sage: schedule, workers, reason = auto_schedule(2**30, 3e-9, cores=16)
        sage: schedule, workers, reason.startswith("hybrid on 16 workers")
        ('hybrid', 16, True)
        sage: auto_schedule(2**30, 3e-9, cores=1)[:2]
        ('sequential', 1)
    """
    cores = default_workers() if cores is None else cores
    estimate = state_count * step_seconds
    if state_count < AUTO_SEQUENTIAL_BELOW or cores == 1 or estimate < AUTO_SEQUENTIAL_SECONDS:
        return "sequential", 1, (f"sequential: {state_count} states take about {estimate:.3f} s on one core "
                                 f"({'one core' if cores == 1 else 'too little to pay for starting worker processes'})")
    return "hybrid", cores, (f"hybrid on {cores} workers: about {estimate:.2f} s of work on one core; static "
                             "chunks keep IPC low and stealing evens out uneven cycles")


def available_schedules():
    r"""
    Names accepted by ``plan(schedule=...)`` and ``map_cycles(schedule=...)``.

    EXAMPLES::

        sage: from sage_lfsr import available_schedules
        sage: available_schedules()
        ['auto', 'dask', 'hybrid', 'queue', 'sequential', 'static', 'steal']
    """
    return sorted(_registered() + ["auto"])


def check_arguments(schedule="sequential", workers=None, batch_size=None, kernel="fast", registry="shared",
                    start_method="fork", split=None):
    r"""
    Raise ``ValueError`` (one line) for an argument :func:`plan` cannot use.

    EXAMPLES::

        sage: from sage_lfsr.engine.planning import check_arguments
        sage: check_arguments("queue", workers=2)
        sage: check_arguments("queue", workers=True)
        Traceback (most recent call last):
        ...
        ValueError: workers must be a positive integer, not True
    """
    if schedule not in available_schedules():
        raise ValueError(f"unknown schedule {schedule!r}: choose one of {', '.join(available_schedules())}")
    for name, value in (("workers", workers), ("batch_size", batch_size)):
        if value is not None and (not isinstance(value, numbers.Integral) or isinstance(value, bool) or value <= 0):
            raise ValueError(f"{name} must be a positive integer, not {value!r}")
    check_kernel(kernel)
    if registry not in REGISTRIES:
        raise ValueError(f"unknown registry {registry!r}: choose one of {', '.join(REGISTRIES)}")
    if start_method not in START_METHODS:
        raise ValueError(f"unknown start method {start_method!r}: choose one of {', '.join(START_METHODS)}")
    if split is not None and not isinstance(split, (bool, np.bool_)):
        raise ValueError(f"split must be True, False or None (automatic), not {split!r}")


class Reasons(Mapping):
    r"""A read-only ``{decision: why}`` mapping (picklable, unlike ``MappingProxyType``)."""

    __slots__ = ("_items",)

    def __init__(self, items=()):
        object.__setattr__(self, "_items", dict(items))

    def __getitem__(self, key):
        return self._items[key]

    def __iter__(self):
        return iter(self._items)

    def __len__(self):
        return len(self._items)

    def __setattr__(self, name, value):
        raise AttributeError("reasons are read-only")

    def __getstate__(self):
        return self._items

    def __setstate__(self, items):
        object.__setattr__(self, "_items", dict(items))

    def __repr__(self):
        return f"Reasons({self._items!r})"


@dataclass(frozen=True, repr=False)
class Plan:
    r"""
    Every decision about a run (see :func:`plan`); frozen.

    ``reasons`` says why each value was chosen. ``calibrated_kernel`` is the
    kernel the planner built and warmed in this process, reused where tasks run
    in it (not pickled, not compared).
    """

    register: object
    schedule: str
    workers: int
    kernel: str
    batch_size: int
    split: bool
    dbits: int
    registry: str
    memory_layout: str
    start_method: str
    tasks: tuple
    step_seconds: float
    longest_cycle: int
    scheduler_address: str | None = None
    checkpoint: object = None
    reasons: Reasons = field(default_factory=Reasons)
    calibrated_kernel: object = field(default=None, compare=False, repr=False)

    def __getstate__(self):
        return dict(self.__dict__, calibrated_kernel=None)

    def __repr__(self):
        return (f"Plan({self.register.kind} of {self.state_count} states: {self.schedule}, {self.workers} "
                f"worker{'s' if self.workers != 1 else ''}, kernel {self.kernel}, {len(self.tasks)} tasks of "
                f"{self.batch_size} states{', split' if self.split else ''}, {self.memory_layout} memory)")

    def __setstate__(self, state):
        self.__dict__.update(state)

    @property
    def state_count(self) -> int:
        return self.register.state_count

    def job(self, tasks=None) -> Job:
        r"""What the workers get: the register description, ``tasks`` (default: all) and how to run them."""
        return Job(self.register, self.tasks if tasks is None else tuple(tasks), self.kernel, self.dbits,
                   self.registry, self.memory_layout)

    def choices(self) -> dict:
        r"""The decisions and their reasons as the plain dict :attr:`CycleMap.choices` reports."""
        choices = {"step_seconds": self.step_seconds, "longest_cycle": self.longest_cycle,
                   "structure": self.reasons["longest_cycle"], "batch_size": self.batch_size, "split": self.split,
                   "distinguished_bits": self.dbits, "registry": self.registry,
                   "visited_layout": self.memory_layout, "batch_size_reason": self.reasons["batch_size"],
                   "kernel_ready": self.reasons.get("kernel_ready")}
        if self.reasons["schedule"] != "given":
            choices["auto"] = self.reasons["schedule"]
        return choices


def resolve_schedule(schedule, workers):
    r"""
    ``(schedule, why)``: a schedule not given is ``"sequential"`` when no workers
    are given either, and ``"auto"`` when they are (workers are a wish to run in
    parallel; auto decides whether it pays). ``why`` is ``None`` for a given schedule.

    EXAMPLES::

        sage: from sage_lfsr.engine.planning import resolve_schedule
        sage: resolve_schedule(None, None), resolve_schedule(None, 2)[0], resolve_schedule("queue", 2)
        (('sequential', 'default: no workers given'), 'auto', ('queue', None))
    """
    if schedule is not None:
        return schedule, None
    if workers is None:
        return "sequential", "default: no workers given"
    return "auto", f"auto, since {workers} workers were given without a schedule"


def plan(register, schedule=None, workers=None, batch_size=None, kernel="fast", registry=None,
         split=None, start_method="fork", checkpoint=None, scheduler_address=None) -> Plan:
    r"""
    Decide everything about mapping ``register``, before any work.

    INPUT: as :func:`~sage_lfsr.engine.mapper.map_cycles` (less ``progress`` and
    ``cancel``, which belong to the run)

    OUTPUT: a :class:`Plan`; run it with :func:`~sage_lfsr.engine.mapper.run`

    Bad arguments raise ``ValueError`` (one line) and a state space too large
    for the memory ``MemoryError``, before anything is built or timed.

    EXAMPLES::

        sage: from sage_lfsr import LFSR
        sage: from sage_lfsr.engine.planning import plan
        sage: p = plan(LFSR.from_polynomial("x^4 + x^3 + x^2"), schedule="static", workers=2)
        sage: p.batch_size, p.split, p.memory_layout, p.reasons["batch_size"]
        (8, False, 'single', 'static: one chunk per worker')
        sage: p.batch_size = 4
        Traceback (most recent call last):
        ...
        FrozenInstanceError: cannot assign to field 'batch_size'
        sage: plan(LFSR([1, 1]), schedule="round-robin")
        Traceback (most recent call last):
        ...
        ValueError: unknown schedule 'round-robin': choose one of ...
    """
    from sage_lfsr.registers.coercion import describe

    schedule, schedule_default = resolve_schedule(schedule, workers)
    registry, registry_reason = (registry, "given") if registry is not None else ("shared", "default")
    check_arguments(schedule, workers, batch_size, kernel, registry, start_method, split)
    description = describe(register)
    if split and description.singular:
        raise ValueError(SPLIT_NEEDS_INVERTIBLE)
    if description.degree > MAX_DEGREE:
        raise ValueError(f"degree {description.degree} is above the supported {MAX_DEGREE}")
    state_count, singular = description.state_count, description.singular
    check_state_space(state_count, state_count // 8, "map this state space")
    if workers is not None and schedule != "sequential" and (schedule == "auto" or schedule_class(schedule).runs_workers_here):
        check_workers(workers, default_workers(), memory.bytes_needed(state_count, singular, "private", 1))
    reasons = {}

    if checkpoint is not None:
        from sage_lfsr.engine.checkpoint import Checkpoint

        checkpoint = checkpoint if isinstance(checkpoint, Checkpoint) else Checkpoint(checkpoint)
        recorded = checkpoint.planned()
        if recorded is not None:  # batch sizing is timed: a resumed run plans the tasks recorded
            if batch_size is None:
                batch_size = recorded["batch_size"]
                reasons["batch_size"] = f"recorded in {checkpoint.path}"
            if split is None:
                split = recorded["split"]
                reasons["split"] = f"recorded in {checkpoint.path}"

    calibrated = make_kernel(kernel, description)
    warming = time.perf_counter()
    calibrated.warm_up()  # compiled once here (or loaded from numba's disk cache), inherited by forked workers
    reasons["kernel_ready"] = f"kernel ready in {time.perf_counter() - warming:.2f} s (compiled, or loaded from the cache)"
    step_seconds = measure_step_seconds(calibrated, state_count, singular)
    longest_cycle, reasons["longest_cycle"] = _longest_cycle(register, description)

    if schedule == "auto":
        # a given worker count (a pool's, say) bounds the choice; else every usable core
        schedule, workers, reasons["schedule"] = auto_schedule(state_count, step_seconds, cores=workers)
        reasons["workers"] = reasons["schedule"]
        if schedule_default:
            reasons["schedule"] = f"{schedule_default}; {reasons['schedule']}"
    else:
        reasons["schedule"] = schedule_default or "given"
    if schedule == "sequential":
        workers, reasons["workers"] = 1, "sequential: one worker"
    elif workers is None:
        workers, reasons["workers"] = default_workers(), "every usable core"
    reasons.setdefault("workers", "given")
    workers = int(workers)

    if batch_size is None and schedule == "static":
        batch_size, reasons["batch_size"] = -(-state_count // workers), "static: one chunk per worker"
    elif batch_size is None:
        batch_size = max(auto_batch_size(state_count, workers, step_seconds), -(-2 * state_count // MAX_TASKS))
        reasons["batch_size"] = (f"auto: >= {TASK_COST_OVER_IPC}x the IPC per task at {step_seconds * 1e9:.1f} ns "
                                 f"per state, about {TASKS_PER_WORKER} tasks per worker")
    reasons.setdefault("batch_size", "given")
    batch_size = int(min(batch_size, state_count))

    if split is None:
        split = not singular and schedule != "sequential" and longest_cycle > batch_size
        reasons["split"] = _split_reason(singular, schedule, longest_cycle, batch_size, split,
                                         "assumed" if description.kind == "fsr" else "predicted")
    reasons.setdefault("split", "given")
    split = bool(split)
    if singular and split:
        raise ValueError(SPLIT_NEEDS_INVERTIBLE)
    check_task_count(state_count, batch_size, 2 if split else 1)
    dbits = distinguished_bits(batch_size) if split else 0
    reasons["dbits"] = f"segments of about 2^{dbits} states" if split else "no splitting"

    runner = schedule_class(schedule)
    layout = memory.choose_layout(state_count, singular, runner.shares_memory and registry == "shared")
    reasons["memory_layout"] = {"private": "each worker its own arrays", "rows": "shared, one row per worker",
                                "single": ("shared, one depth array for all workers" if singular else
                                           "shared, one bitmap for all workers")}[layout]
    copies = workers if runner.runs_workers_here else 1
    check_state_space(state_count, memory.bytes_needed(state_count, singular, layout, copies,
                                                        np.dtype(description.depth_dtype).itemsize),
                      "hold the visited states of this run")
    reasons["registry"] = registry_reason

    return Plan(description, schedule, workers, kernel, batch_size, split, dbits, registry, layout, start_method,
                make_tasks(state_count, batch_size, singular, split), step_seconds, longest_cycle,
                scheduler_address, checkpoint, Reasons(reasons), calibrated)


def _split_reason(singular, schedule, longest_cycle, batch_size, split, known="predicted"):
    if singular:
        return "a singular register: trees are traced whole"
    if schedule == "sequential":
        return "sequential: one worker traces every cycle whole"
    relation = "longer" if split else "not longer"
    return f"the longest cycle ({longest_cycle} states, {known}) is {relation} than a task ({batch_size} states)"


#: Why a nonlinear register is planned as if it had one cycle through every state.
NO_PREDICTION = "nonlinear register: no prediction, so planned for the worst case, one cycle through all q^d states"


def _longest_cycle(register, description):
    r"""
    ``(longest cycle, why)``: predicted with Sage, or the whole state space for
    tables alone and for nonlinear registers (no theory predicts them).
    """
    from sage_lfsr.registers.description import RegisterDescription
    from sage_lfsr.registers.tables import RegisterTables

    if description.kind == "fsr":
        return description.state_count, NO_PREDICTION
    if isinstance(register, (RegisterTables, RegisterDescription)):
        return description.state_count, "no Sage: assumed one cycle as long as the state space"
    from sage_lfsr.theory.prediction import predict_cycles

    predicted = predict_cycles(register)
    longest = max(predicted.cycle_counts)
    return longest, f"predicted {predicted.cycle_count} cycles, longest {longest}"
