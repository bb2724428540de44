r"""
Plain integer tables that describe an :class:`~sage_lfsr.registers.fsr.FSR`'s successor
for the kernels: numpy arrays and integers only, so they pickle cheaply and the
compiled steps of :mod:`sage_lfsr.registers.nonlinear_steps` read them directly.

The successor of state index `x = \sum_i x_i q^i` is
`\lfloor x / q \rfloor + q^{d-1} f(x)`. The feedback `f` is evaluated one of three ways
(``step_kind``):

- ``"binary_anf"`` (`GF(2)`): monomials as bit masks; `f` is the parity of
  ``x & linear_mask``, XOR one bit ``x & m == m`` per nonlinear monomial ``m``, XOR
  the constant;
- ``"general_anf"`` (`GF(q)`): each monomial a coefficient and a list of
  ``(place q^i, exponent)`` factors, multiplied and added through field tables;
- ``"table"``: the truth table itself, ``f = values[x]``, chosen where the
  feedback has many monomials and the table is small.

The arrays have the same types for every register of a kind, so a new register
costs no compilation.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: A feedback with more monomials than this (GF(2)), or more factors (GF(q)),
#: is evaluated from its truth table where that table is small enough.
ANF_STEP_MONOMIALS = 24
ANF_STEP_FACTORS = 48
#: Largest truth table the ``"table"`` step holds (one byte a state).
TABLE_STEP_STATES = 1 << 22


@dataclass(frozen=True, eq=False)
class FeedbackTables:
    field_order: int
    degree: int
    terms: tuple
    invertible: bool
    step_kind: str
    arrays: tuple

    @property
    def state_count(self) -> int:
        return self.field_order ** self.degree

    @property
    def is_singular(self) -> bool:
        return not self.invertible

    @property
    def depth_dtype(self):
        r"""
        The type of the per-state tail depths: a tail can pass through every other
        state, so it holds ``q^d`` (its largest value marks a depth not yet known).
        """
        return np.uint32 if self.state_count <= np.iinfo(np.uint32).max else np.uint64

    def key(self) -> tuple:
        r"""``(q, degree, terms)``, as :meth:`~sage_lfsr.registers.fsr.FSR.key`."""
        return self.field_order, self.degree, self.terms

    def compiled_step(self):
        r"""The fast kernel's successor and parameters (see :mod:`sage_lfsr.registers.nonlinear_steps`)."""
        from sage_lfsr.registers.nonlinear_steps import step_function

        return step_function(self)

    @classmethod
    def from_fsr(cls, fsr, step_kind=None) -> "FeedbackTables":
        r"""
        The tables of ``fsr``; ``step_kind`` forces one evaluation (default: chosen as the module says).

        EXAMPLES::

            sage: from sage_lfsr import FSR
            sage: from sage_lfsr.registers.fsr_tables import FeedbackTables
            sage: t = FeedbackTables.from_fsr(FSR("x0 + x2 + x1*x2 + 1", 3))
            sage: linear_mask, masks, constant, top_shift = t.arrays
            sage: t.step_kind, int(linear_mask), masks, int(constant), int(top_shift)
            ('binary_anf', 5, array([6]), 1, 2)
            sage: FeedbackTables.from_fsr(FSR("x0 + 2*x1^2", 2, q=3)).step_kind
            'general_anf'
            sage: FeedbackTables.from_fsr(FSR("x0", 2), step_kind="table").arrays[2]
            array([0, 1, 0, 1], dtype=uint8)
        """
        q, degree, terms = fsr.key()
        state_count = q ** degree
        if step_kind is None:
            cost = len(terms) if q == 2 else sum(len(monomial) for monomial, _ in terms)
            small = state_count <= TABLE_STEP_STATES
            step_kind = "table" if small and cost > (ANF_STEP_MONOMIALS if q == 2 else ANF_STEP_FACTORS) \
                else ("binary_anf" if q == 2 else "general_anf")
        if step_kind == "binary_anf":
            if q != 2:
                raise ValueError("the binary_anf step evaluates feedbacks over GF(2) only")
            masks = fsr.anf_masks()
            linear = sum(mask for mask in masks if mask & (mask - 1) == 0 and mask)
            nonlinear = np.array([mask for mask in masks if mask & (mask - 1)], dtype=np.int64)
            arrays = (np.int64(linear), nonlinear, np.int64(0 in masks), np.int64(degree - 1))
        elif step_kind == "general_anf":
            from sage_lfsr.registers.feedback import field_arithmetic

            add, mul, power = (np.array(table, dtype=np.uint8) for table in field_arithmetic(q))
            coefficients = np.array([c for _, c in terms], dtype=np.int64)
            offsets = np.cumsum([0] + [len(monomial) for monomial, _ in terms]).astype(np.int64)
            places = np.array([q ** v for monomial, _ in terms for v, _ in monomial], dtype=np.int64)
            exponents = np.array([e for monomial, _ in terms for _, e in monomial], dtype=np.int64)
            arrays = (np.int64(q), np.int64(q ** (degree - 1)), add, mul, power, coefficients, offsets, places,
                      exponents)
        elif step_kind == "table":
            if state_count > TABLE_STEP_STATES:
                raise ValueError(f"the table step holds up to {TABLE_STEP_STATES} states, not {state_count}")
            arrays = (np.int64(q), np.int64(q ** (degree - 1)), np.ascontiguousarray(fsr.truth_table()).copy())
        else:
            raise ValueError(f"unknown step kind {step_kind!r}: choose binary_anf, general_anf or table")
        return cls(q, degree, terms, fsr.is_invertible, step_kind, arrays)
