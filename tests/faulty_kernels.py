r"""Kernels (and a checkpoint) that fail on purpose, to test how runs end when a worker, or the caller, does."""
import os
import signal
import time

from sage_lfsr.engine.checkpoint import Checkpoint
from sage_lfsr.engine.kernels.fast import FastKernel

FAILING_LO = 512


class RaisingKernel(FastKernel):
    name = "raising"

    def sweep_cycles(self, lo, hi, visited, covered, dbits, own_marks=True):
        if lo == FAILING_LO:
            raise ArithmeticError(f"deliberate failure at state {lo}")
        return super().sweep_cycles(lo, hi, visited, covered, dbits, own_marks)


class DyingKernel(FastKernel):
    name = "dying"

    def sweep_cycles(self, lo, hi, visited, covered, dbits, own_marks=True):
        if lo == FAILING_LO:
            os._exit(3)
        return super().sweep_cycles(lo, hi, visited, covered, dbits, own_marks)


class SlowKernel(FastKernel):
    name = "slow"

    def sweep_cycles(self, lo, hi, visited, covered, dbits, own_marks=True):
        time.sleep(0.5)
        return super().sweep_cycles(lo, hi, visited, covered, dbits, own_marks)


class KilledKernel(FastKernel):
    name = "killed"

    def sweep_cycles(self, lo, hi, visited, covered, dbits, own_marks=True):
        if lo == FAILING_LO:
            os.kill(os.getpid(), signal.SIGKILL)
        return super().sweep_cycles(lo, hi, visited, covered, dbits, own_marks)


class PacedKernel(FastKernel):
    r"""Every task takes at least ``PACE_SECONDS``: workers do not run far ahead of the caller's recording."""
    name = "paced"
    PACE_SECONDS = 0.015

    def sweep_cycles(self, lo, hi, visited, covered, dbits, own_marks=True):
        time.sleep(self.PACE_SECONDS)
        return super().sweep_cycles(lo, hi, visited, covered, dbits, own_marks)

    def trace_segments(self, lo, hi, visited, dbits):
        time.sleep(self.PACE_SECONDS)
        return super().trace_segments(lo, hi, visited, dbits)

    def trace_trees(self, lo, hi, depths, seen):
        time.sleep(self.PACE_SECONDS)
        return super().trace_trees(lo, hi, depths, seen)


class InterruptAfter(Checkpoint):
    """A checkpoint whose run raises KeyboardInterrupt (as Ctrl-C or a callback error would) once ``limit`` tasks are recorded."""

    def __init__(self, path, limit):
        super().__init__(path)
        self.limit, self.count = limit, 0

    def record(self, result):
        super().record(result)
        self.count += 1
        if self.count >= self.limit:
            raise KeyboardInterrupt
