r"""
The ``sage`` kernel: the reference. It runs the traversals of
:mod:`~sage_lfsr.engine.kernels.traversal` as plain Python, and every successor is a
Sage product of the state vector with the state-update matrix (plus the
constant vector of an affine register), as the seed mapper computes it.
Slow (tens of thousands of states per second), exact, and easy to read: use
it to check the fast kernel and to teach.

Over prime fields the vector is built from the digits as integers (Sage's
modular vectors take them without a coercion per entry) and the product is
computed as ``M^T * v``, the column form of ``v * M``: with Sage's specialised
matrix types (``Matrix_mod2_dense`` from passagemath-m4ri-m4rie,
``Matrix_modn_dense_float`` from passagemath-linbox) that is a few
microseconds, while ``v * M`` takes a slower generic path. Over `GF(p^e)`,
where neither helps, the step is the seed's ``v * M`` on field elements.
"""
import numpy as np

from sage_lfsr.engine.kernels import traversal
from sage_lfsr.engine.kernels.base import Kernel


class SageSuccessor:
    r"""
    ``index -> vector v -> v M (+ b) -> index`` for a register (``b``: the
    constant vector of an affine register).

    EXAMPLES::

        sage: from sage_lfsr import LFSR
        sage: from sage_lfsr.engine.kernels.sage import SageSuccessor
        sage: register = LFSR([1, 2, 0], q=4)
        sage: successor = SageSuccessor(register)
        sage: M = register.state_update_matrix()
        sage: all(register.state_vector(successor(state)) == register.state_vector(state) * M
        ....:     for state in range(64))
        True
        sage: affine = LFSR([2, 0, 1], q=3, constant=1)
        sage: successor, M, b = SageSuccessor(affine), affine.state_update_matrix(), affine.constant_vector()
        sage: all(affine.state_vector(successor(state)) == affine.state_vector(state) * M + b
        ....:     for state in range(27))
        True
    """

    def __init__(self, register):
        from sage_lfsr.common import sagemath

        self.q, self.degree = register.field_order, register.degree
        self.space = register.vector_space()
        self.matrix = register.state_update_matrix()
        self.transposed = self.matrix.transpose()
        self.constant = register.constant_vector() if register.is_affine else None
        self.prime_field = register.field.is_prime_field()
        self.elements = [sagemath.int_to_element(register.field, value) for value in range(self.q)]
        self.values = {element: value for value, element in enumerate(self.elements)}

    def __call__(self, state, params=None):
        q, digits, state = self.q, [], int(state)
        for _ in range(self.degree):
            state, digit = divmod(state, q)
            digits.append(digit)
        if self.prime_field:
            image = self.transposed * self.space(digits)
        else:
            image = self.space([self.elements[digit] for digit in digits]) * self.matrix
        if self.constant is not None:
            image += self.constant
        index = 0
        if self.prime_field:
            for entry in reversed(image.list()):
                index = index * q + int(entry)
        else:
            for entry in reversed(image.list()):
                index = index * q + self.values[entry]
        return index


class _SageFeedbackSuccessor:
    r"""``index -> field elements -> f(x_0, ..., x_{d-1})`` with the feedback as a Sage polynomial."""

    def __init__(self, fsr):
        from sage_lfsr.common import sagemath

        self.q, self.degree = fsr.field_order, fsr.degree
        self.top = self.q ** (self.degree - 1)
        self.field, self.polynomial = fsr.field, fsr.polynomial()
        self.elements = [sagemath.int_to_element(fsr.field, value) for value in range(self.q)]
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
        self.successor = _SageFeedbackSuccessor(rebuilt) if nonlinear else SageSuccessor(rebuilt)

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
