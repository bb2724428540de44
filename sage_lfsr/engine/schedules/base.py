r"""
The interface every schedule implements, and the registry of schedules by name.

A schedule decides which worker runs which task. It receives a
:class:`~sage_lfsr.engine.job.Job` (the tasks and everything needed to run them) and
returns a :class:`RunRecord`: the task results and what each worker measured.
Adding a schedule is adding a module that defines a subclass and decorates it
with :func:`register`.
"""
from __future__ import annotations

import importlib
from abc import ABC, abstractmethod
from dataclasses import dataclass, field

SCHEDULES = {}
#: Schedules whose module loads on first use, ``name -> module``: importing Dask
#: alone takes longer than a small map.
LAZY_SCHEDULES = {"dask": "sage_lfsr.engine.schedules.dask_cluster"}


def register(cls):
    r"""Class decorator: make the schedule available under ``cls.name``."""
    SCHEDULES[cls.name] = cls
    return cls


def available_schedules():
    return sorted(set(SCHEDULES) | set(LAZY_SCHEDULES))


def schedule_class(name):
    if name not in SCHEDULES and name in LAZY_SCHEDULES:
        importlib.import_module(LAZY_SCHEDULES[name])
    if name not in SCHEDULES:
        raise ValueError(f"unknown schedule {name!r}: choose one of {', '.join(sorted(available_schedules() + ['auto']))}")
    return SCHEDULES[name]


def get_schedule(name):
    return schedule_class(name)()


@dataclass
class RunOptions:
    workers: int = 1
    start_method: str = "fork"
    progress: object = None
    cancel: object = None
    scheduler_address: str | None = None
    #: Called in the calling process with each TaskResult as it arrives (checkpoints).
    on_result: object = None
    #: The kernel the planner built and warmed (used where tasks run in the calling process).
    kernel: object = None
    #: A resumed run's memory snapshot, to start from (schedules that ``keeps_snapshots``).
    restored_memory: object = None
    #: A :class:`~sage_lfsr.engine.snapshots.SnapshotTaker` to offer the run's memory to, or ``None``.
    snapshots: object = None
    #: A :class:`~sage_lfsr.engine.pool.MappingPool` whose workers run the tasks (process schedules only).
    pool: object = None


@dataclass
class RunRecord:
    results: list
    waiting_seconds: dict = field(default_factory=dict)
    claims: dict | None = None
    wall_seconds: float = 0.0
    #: What the schedule measured beyond the task results (e.g. ``dask_start_seconds``).
    measured: dict = field(default_factory=dict)
    #: ``(worker, cycles)`` pairs: the cycles workers kept where they found them and
    #: sent at the end (:class:`~sage_lfsr.engine.job.FoundCycles`), beside those in ``results``.
    found: list = field(default_factory=list)


class Schedule(ABC):
    name: str = ""
    #: One line for listings and plots.
    description: str = ""
    #: Whether workers may share visited bitmaps (``registry="shared"``).
    shares_memory: bool = False
    #: Whether every worker's private memory lives on this machine.
    runs_workers_here: bool = True
    #: Whether the schedule starts from ``options.restored_memory`` and offers its
    #: memory to ``options.snapshots`` (:mod:`~sage_lfsr.engine.snapshots`).
    keeps_snapshots: bool = False
    #: Whether a :class:`~sage_lfsr.engine.pool.MappingPool`'s workers can run it.
    runs_on_pool: bool = False

    @abstractmethod
    def run(self, job, options: RunOptions) -> RunRecord:
        r"""Run every task of ``job``; return the results of all of them."""
