r"""
The ``sage`` kernel: the reference. It runs the traversals of
:mod:`~sage_lfsr.kernels.traversal` as plain Python, and every successor is a
Sage product ``state * M`` of a vector by the state-update matrix, as the seed
mapper computes it. Slow (tens of thousands of states per second), exact, and
easy to read: use it to check the fast kernel and to teach.
"""
import numpy as np

from sage_lfsr.kernels import traversal
from sage_lfsr.kernels.base import Kernel


class _SageSuccessor:
    r"""``index -> vector -> vector * M (+ b) -> index``, with the field's elements tabulated."""

    def __init__(self, register):
        from sage_lfsr import _sage

        self.q, self.degree = register.field_order, register.degree
        self.space = register.vector_space()
        self.matrix = register.state_update_matrix()
        self.constant = register.constant_vector() if register.is_affine else None
        self.elements = [_sage.int_to_element(register.field, value) for value in range(self.q)]
        self.values = {element: value for value, element in enumerate(self.elements)}

    def __call__(self, state, params=None):
        digits, state = [], int(state)
        for _ in range(self.degree):
            state, digit = divmod(state, self.q)
            digits.append(self.elements[digit])
        image = self.space(digits) * self.matrix
        if self.constant is not None:
            image += self.constant
        index = 0
        for entry in reversed(list(image)):
            index = index * self.q + self.values[entry]
        return index


class _SageFeedbackSuccessor:
    r"""``index -> field elements -> f(x_0, ..., x_{d-1})`` with the feedback as a Sage polynomial."""

    def __init__(self, fsr):
        from sage_lfsr import _sage

        self.q, self.degree = fsr.field_order, fsr.degree
        self.top = self.q ** (self.degree - 1)
        self.field, self.polynomial = fsr.field, fsr.polynomial()
        self.elements = [_sage.int_to_element(fsr.field, value) for value in range(self.q)]
        self.values = {element: value for value, element in enumerate(self.elements)}

    def __call__(self, state, params=None):
        rest, digits = int(state), []
        for _ in range(self.degree):
            rest, digit = divmod(rest, self.q)
            digits.append(self.elements[digit])
        feedback = self.field(self.polynomial(*digits))
        return int(state) // self.q + self.top * self.values[feedback]


class SageKernel(Kernel):
    name = "sage"
    step_seconds = 3e-5
    calibration_sample = (1 << 8, 4)

    def __init__(self, register):
        super().__init__(register)
        rebuilt = register.rebuild()  # Sage objects built here, from the key
        nonlinear = register.kind == "fsr"
        self.successor = _SageFeedbackSuccessor(rebuilt) if nonlinear else _SageSuccessor(rebuilt)

    def sweep_cycles(self, lo, hi, visited, covered, dbits, own_marks=True):
        cycles = []
        steps = traversal.sweep_cycles(self.successor, None, lo, hi, visited, covered, dbits, own_marks, cycles)
        return np.array(cycles, dtype=np.int64).reshape(-1, 2), steps

    def trace_segments(self, lo, hi, visited, dbits):
        segments = []
        steps = traversal.trace_segments(self.successor, None, lo, hi, visited, dbits, segments)
        return np.array(segments, dtype=np.int64).reshape(-1, 4), steps

    def trace_trees(self, lo, hi, depths, seen):
        cycles = []
        steps = traversal.trace_trees(self.successor, None, lo, hi, depths, seen, cycles)
        return np.array(cycles, dtype=np.int64).reshape(-1, 2), steps
