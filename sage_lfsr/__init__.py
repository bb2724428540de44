r"""
sage_lfsr: map the state space of linear feedback shift registers over `GF(q)`,
in parallel under several scheduling options, and predict it from theory.

EXAMPLES::

    sage: from sage_lfsr import LFSR, map_cycles, predict_cycles
    sage: register = LFSR.from_polynomial("x^4 + x^3 + x^2 + x + 1")
    sage: result = map_cycles(register)
    sage: result.cycle_counts
    {1: 1, 5: 3}
    sage: result.structure() == predict_cycles(register)
    True

In two steps, deciding first (with Sage) and running later (without)::

    sage: from sage_lfsr import plan, run
    sage: decided = plan(register, schedule="queue", workers=2, batch_size=8)
    sage: decided.split, decided.reasons["split"]
    (False, 'the longest cycle (5 states, predicted) is not longer than a task (8 states)')
    sage: run(decided).cycles == result.cycles
    True

The package in layers, bottom up; a module imports at module level only from its
own layer or below (``tests/test_layers.py`` checks it with ``ast``)::

    common/     errors, limits, files, Sage names, progress, compiled-code cache
    registers/  what a register is: LFSR, FSR, matrix, hardware taps, text parsing,
                integer tables, the description workers receive
    theory/     what algebra says: cycle structure, prediction, sequences and
                Berlekamp-Massey, per-state answers, statistics
    engine/     enumeration: planning, run, jobs, kernels/, schedules/, memory,
                checkpoints and snapshots, assembly, the pool
    census/     families of registers and searches over them
    cli, widgets, plot, crossover, exports: front ends, on top of everything

Facades. A class may offer, as a method, an answer that a higher layer computes
(``LFSR.cycle_length`` by :mod:`sage_lfsr.theory.states`, ``CycleMap.to_json``
by :mod:`sage_lfsr.exports`, ``MappingPool.census`` by :mod:`sage_lfsr.census`),
so that users find it on the object. Such a method only forwards: it imports the
higher module inside its body, never at module level, and the logic lives in the
higher layer. Each one is listed in ``FACADES`` in ``tests/test_layers.py``, so a
new one is a decision; importing a lower layer never loads a higher one.

Stable paths: the names below (``from sage_lfsr import ...``),
:mod:`sage_lfsr.census`, :mod:`sage_lfsr.theory` (the prediction),
``sage_lfsr.sequences``, ``sage_lfsr.states``, ``sage_lfsr.statistics`` (short
for their ``theory/`` modules), :mod:`sage_lfsr.exports`, :mod:`sage_lfsr.widgets`,
:mod:`sage_lfsr.plot` and :mod:`sage_lfsr.cli`. The flat paths of the modules
that moved into the layers (``sage_lfsr.lfsr``, ``sage_lfsr.kernels``, ...) work
for one more release with a ``DeprecationWarning`` naming the new path
(:mod:`sage_lfsr._aliases`).
"""
import importlib

from sage_lfsr import _aliases

_aliases.install()

# Names load on first use, so the compute engine (numpy and numba only) imports
# on machines without Sage.
_HOMES = {
    "CycleMap": "sage_lfsr.engine.cyclemap", "CycleStructure": "sage_lfsr.theory.structure",
    "WorkerLoad": "sage_lfsr.engine.cyclemap", "LFSR": "sage_lfsr.registers.lfsr", "FSR": "sage_lfsr.registers.fsr",
    "state_index_to_tuple": "sage_lfsr.registers.lfsr", "tuple_to_state_index": "sage_lfsr.registers.lfsr",
    "map_cycles": "sage_lfsr.engine.mapper", "available_schedules": "sage_lfsr.engine.mapper",
    "plan": "sage_lfsr.engine.planning", "Plan": "sage_lfsr.engine.planning", "run": "sage_lfsr.engine.mapper",
    "predict_cycles": "sage_lfsr.theory.prediction", "MatrixRegister": "sage_lfsr.registers.matrix",
    "MappingPool": "sage_lfsr.engine.pool",
}


def __getattr__(name):
    if name in _HOMES:
        return getattr(importlib.import_module(_HOMES[name]), name)
    raise AttributeError(f"module 'sage_lfsr' has no attribute {name!r}")


def __dir__():
    return sorted(list(globals()) + list(_HOMES))


__all__ = [
    "LFSR", "FSR", "MatrixRegister", "CycleMap", "CycleStructure", "WorkerLoad",
    "map_cycles", "plan", "run", "Plan", "predict_cycles", "available_schedules", "MappingPool",
    "state_index_to_tuple", "tuple_to_state_index",
]
__version__ = "0.1.0"
