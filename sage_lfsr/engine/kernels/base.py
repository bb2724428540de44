r"""
The interface of a tracing kernel.

A kernel is built from a :class:`~sage_lfsr.registers.description.RegisterDescription`
and runs the three traversals of :mod:`~sage_lfsr.engine.kernels.traversal` over
integer states. The planner reads its cost estimate and calibration sample to
size tasks, and calls :meth:`Kernel.warm_up` once in the calling process.
A new kernel is one module with a subclass and one line in
:data:`sage_lfsr.engine.kernels.KERNELS` (or :func:`~sage_lfsr.engine.kernels.register_kernel`).
"""
from abc import ABC, abstractmethod


class Kernel(ABC):
    #: The name ``map_cycles(kernel=...)`` takes.
    name: str = ""
    #: Rough seconds per successor step, used where no measurement is made.
    step_seconds: float = 1e-8
    #: ``(states, distinguished bits)`` timed to measure the cost per step.
    calibration_sample: tuple = (1 << 14, 10)

    def __init__(self, register):
        self.register = register

    def warm_up(self):
        r"""Prepare everything costly once (compiled code), before any worker starts."""

    @abstractmethod
    def sweep_cycles(self, lo, hi, visited, covered, dbits, own_marks=True):
        r"""Whole cycles through unvisited starts in ``[lo, hi)``: ``(cycles array, steps)``."""

    @abstractmethod
    def trace_segments(self, lo, hi, visited, dbits):
        r"""Segments from the distinguished starts in ``[lo, hi)``: ``(segments array, steps)``."""

    @abstractmethod
    def trace_trees(self, lo, hi, depths, seen):
        r"""Depths of the states reached from ``[lo, hi)`` (singular registers): ``(cycles array, steps)``."""
