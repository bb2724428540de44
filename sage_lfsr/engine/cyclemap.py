r"""
Results of a run: the full map of a state space with the per-worker load
records of the run that produced it.

:class:`CycleMap` extends :class:`~sage_lfsr.theory.structure.CycleStructure`
(what theory predicts and what enumeration finds) with every cycle's minimal
state and the measurements of the run (:func:`sage_lfsr.map_cycles`).
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from sage_lfsr.engine.figures import load_imbalance, redundant_percent
from sage_lfsr.theory.structure import CycleStructure


@dataclass
class WorkerLoad:
    r"""
    What one worker did during a run.

    ``states_owned`` counts the states of the cycles (or cycle segments, or tree
    states) credited to this worker; ``states_traced`` counts every successor
    step it computed, so ``redundant_states`` is work another worker also did or
    that was thrown away. ``timeline`` holds ``(task_id, start, end)`` in seconds
    from the start of the run.
    """

    worker: int
    tasks: int = 0
    states_owned: int = 0
    states_traced: int = 0
    busy_seconds: float = 0.0
    waiting_seconds: float = 0.0
    steals_made: int = 0
    steals_suffered: int = 0
    timeline: list = field(default_factory=list)

    @property
    def redundant_states(self) -> int:
        return max(0, self.states_traced - self.states_owned)

    def as_dict(self) -> dict:
        return {
            "worker": self.worker,
            "tasks": self.tasks,
            "states_owned": self.states_owned,
            "states_traced": self.states_traced,
            "redundant_states": self.redundant_states,
            "busy_seconds": self.busy_seconds,
            "waiting_seconds": self.waiting_seconds,
            "steals_made": self.steals_made,
            "steals_suffered": self.steals_suffered,
            "timeline": [list(entry) for entry in self.timeline],
        }


class CycleList(Sequence):
    r"""
    Every cycle as ``(minimal state, length)``, sorted: a read-only sequence of
    pairs over two integer arrays (a register can have millions of cycles),
    ``smallest`` and ``lengths``, kept in the integer types they come in (an
    assembled map's are the narrowest that hold its values, e.g. 32-bit states
    and 8-bit lengths: compare values, not types); pairs are Python integers.

    EXAMPLES::

        sage: import numpy as np
        sage: from sage_lfsr.engine.cyclemap import CycleList
        sage: cycles = CycleList(np.array([0, 1]), np.array([1, 15]))
        sage: cycles, len(cycles), cycles[1], list(cycles) == [(0, 1), (1, 15)]
        (((0, 1), (1, 15)), 2, (1, 15), True)
        sage: cycles == ((0, 1), (1, 15)), cycles == CycleList(np.array([0]), np.array([1]))
        (True, False)
    """

    __slots__ = ("smallest", "lengths")

    def __init__(self, smallest=(), lengths=()):
        self.smallest, self.lengths = _integers(smallest), _integers(lengths)
        if len(self.smallest) != len(self.lengths):
            raise ValueError("a cycle list needs as many lengths as minimal states")
        self.smallest.flags.writeable = self.lengths.flags.writeable = False

    def __len__(self):
        return len(self.smallest)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return CycleList(self.smallest[index], self.lengths[index])
        return int(self.smallest[index]), int(self.lengths[index])

    def __iter__(self):
        return iter(zip(self.smallest.tolist(), self.lengths.tolist()))

    def __eq__(self, other):
        if isinstance(other, CycleList):
            return np.array_equal(self.smallest, other.smallest) and np.array_equal(self.lengths, other.lengths)
        if isinstance(other, (tuple, list)):
            return len(other) == len(self) and all(tuple(a) == b for a, b in zip(other, self))
        return NotImplemented

    __hash__ = None

    def __repr__(self):
        if len(self) > 20:
            return f"CycleList of {len(self)} cycles: {tuple(self[:4])}..."
        return repr(tuple(self))

    def tolist(self):
        return [list(pair) for pair in self]


def _integers(values):
    r"""``values`` as a one-dimensional integer array: integer arrays as they are, anything else as 64-bit."""
    array = np.asarray(values)
    if array.dtype.kind not in "iu":
        array = array.astype(np.int64)
    return array.reshape(-1)


@dataclass(frozen=True)
class CycleMap(CycleStructure):
    r"""
    The enumerated state space of a register, with the record of the run.

    ``cycles`` lists ``(minimal state index, length)`` for every cycle, sorted
    (a :class:`CycleList`).
    ``choices`` says what the plan decided and why (batch size, splitting, memory
    layout, and for ``schedule="auto"`` the reason; see
    :meth:`~sage_lfsr.engine.planning.Plan.choices`), and what the run measured.
    """

    cycles: CycleList = field(default_factory=CycleList)
    schedule: str = "sequential"
    kernel: str = "fast"
    workers: int = 1
    worker_loads: tuple = ()
    wall_seconds: float = 0.0
    choices: dict = field(default_factory=dict)

    @property
    def imbalance(self) -> float:
        return load_imbalance(load.busy_seconds for load in self.worker_loads)

    @property
    def states_traced(self) -> int:
        return sum(load.states_traced for load in self.worker_loads)

    @property
    def redundant_states(self) -> int:
        return sum(load.redundant_states for load in self.worker_loads)

    @property
    def redundant_percent(self) -> float:
        r"""Redundant work in percent of the state space (:func:`~sage_lfsr.engine.figures.redundant_percent`)."""
        return redundant_percent(self.redundant_states, self.state_count)

    @property
    def tasks(self) -> int:
        return sum(load.tasks for load in self.worker_loads)

    @property
    def steals(self) -> int:
        return sum(load.steals_made for load in self.worker_loads)

    def as_dict(self) -> dict:
        result = super().as_dict()
        result.update({
            "cycles": self.cycles.tolist(),
            "schedule": self.schedule,
            "kernel": self.kernel,
            "workers": self.workers,
            "wall_seconds": self.wall_seconds,
            "imbalance": self.imbalance,
            "redundant_percent": self.redundant_percent,
            "choices": dict(self.choices),
            "worker_loads": [load.as_dict() for load in self.worker_loads],
        })
        return result

    def __repr__(self):
        return (f"CycleMap of {self.state_count} states over GF({self.field_order}): "
                f"cycles {self.cycle_counts}, transient states {self.transient_states}")

    def to_json(self, register=None, indent=2) -> str:
        r"""JSON text with a documented schema (:func:`sage_lfsr.exports.cycle_map_json`)."""
        from sage_lfsr.exports import cycle_map_json

        return cycle_map_json(self, register, indent=indent)

    def to_csv(self, register=None) -> str:
        r"""CSV text ``quantity,key,value`` (:func:`sage_lfsr.exports.cycle_map_csv`)."""
        from sage_lfsr.exports import cycle_map_csv

        return cycle_map_csv(self, register)
