r"""
What algebra says, without enumeration.

- :mod:`~sage_lfsr.theory.structure` -- :class:`CycleStructure`, what a prediction and a map share;
- :mod:`~sage_lfsr.theory.prediction` -- the cycle structure from the factored characteristic
  polynomial (also reachable as ``sage_lfsr.theory.predict_cycles`` and so on);
- :mod:`~sage_lfsr.theory.sequences` -- sequences, Berlekamp-Massey, linear complexity;
- :mod:`~sage_lfsr.theory.states` -- per-state answers (cycle length, jumps, short cycles);
- :mod:`~sage_lfsr.theory.statistics` -- Golomb's postulates, autocorrelation, runs.

May import: :mod:`sage_lfsr.common`, :mod:`sage_lfsr.registers`.

EXAMPLES::

    sage: from sage_lfsr import LFSR
    sage: from sage_lfsr.theory import predict_cycles
    sage: predict_cycles(LFSR.from_polynomial("x^4 + 1")).cycle_counts
    {1: 2, 2: 1, 4: 3}
"""
import importlib

_SUBMODULES = ("structure", "prediction", "sequences", "states", "statistics")


def __getattr__(name):
    # ``sage_lfsr.theory.X`` is the prediction's ``X`` (the path before the layout), loaded on first use.
    if name in _SUBMODULES:
        return importlib.import_module(f"{__name__}.{name}")
    if name.startswith("__"):
        raise AttributeError(name)
    return getattr(importlib.import_module(f"{__name__}.prediction"), name)


def __dir__():
    return sorted(set(globals()) | set(dir(importlib.import_module(f"{__name__}.prediction"))))
