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
"""
import importlib

# Names load on first use, so the compute engine (numpy and numba only) imports
# on machines without Sage.
_HOMES = {
    "CycleMap": "sage_lfsr.cyclemap", "CycleStructure": "sage_lfsr.cyclemap",
    "WorkerLoad": "sage_lfsr.cyclemap", "LFSR": "sage_lfsr.lfsr", "FSR": "sage_lfsr.fsr",
    "state_index_to_tuple": "sage_lfsr.lfsr", "tuple_to_state_index": "sage_lfsr.lfsr",
    "map_cycles": "sage_lfsr.mapper", "available_schedules": "sage_lfsr.mapper",
    "plan": "sage_lfsr.planning", "Plan": "sage_lfsr.planning", "run": "sage_lfsr.mapper",
    "predict_cycles": "sage_lfsr.theory", "MatrixRegister": "sage_lfsr.matrix_register",
    "MappingPool": "sage_lfsr.pool",
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
