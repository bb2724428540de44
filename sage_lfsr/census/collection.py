r"""
The registers of a census as the census reads them: their count, the largest
and smallest state spaces, the texts of a range, a digest, and tasks packed for
the batch kernels.

:class:`SpecList` serves any list of specs (one object per register). A family
that knows its registers by index (:class:`~sage_lfsr.census.families.FeedbackFunctions`)
offers the same methods straight from arrays, so a census of it has no Python
per register before or after the compiled run.

EXAMPLES::

    sage: from sage_lfsr.census.collection import collect
    sage: from sage_lfsr.census import families
    sage: listed = collect(list(families.feedback_functions(3)))
    sage: packed = collect(families.feedback_functions(3))
    sage: len(listed), len(packed), listed.texts(0, 2) == packed.texts(0, 2)
    (16, 16, True)
    sage: [(t.lo, t.hi) for t in listed.tasks(6, False)] == [(t.lo, t.hi) for t in packed.tasks(6, False)]
    True
"""
from __future__ import annotations

import hashlib

from sage_lfsr.census.job import make_tasks
from sage_lfsr.census.registers import LINEAR_KINDS, as_spec
from sage_lfsr.common.limits import MAX_CENSUS_REGISTERS, check_census_size


class SpecList:
    r"""A census's registers held as one spec each (any iterable of registers, read once)."""

    def __init__(self, registers):
        if hasattr(registers, "__len__"):
            check_census_size(len(registers))
        specs = []
        for register in registers:
            specs.append(as_spec(register))
            if len(specs) > MAX_CENSUS_REGISTERS:
                check_census_size(len(specs), "the census (counted so far)")
        self.specs = specs

    def __len__(self):
        return len(self.specs)

    def __getitem__(self, index):
        return self.specs[index]

    def largest(self):
        return max(self.specs, key=lambda spec: spec.state_count)

    def smallest(self):
        return min(self.specs, key=lambda spec: spec.state_count)

    def first_nonlinear(self):
        return next((spec for spec in self.specs if spec.kind not in LINEAR_KINDS), None)

    def has_linear(self) -> bool:
        return any(spec.kind in LINEAR_KINDS for spec in self.specs)

    def texts(self, lo, hi) -> list:
        return [spec.text for spec in self.specs[lo:hi]]

    def kinds(self, lo, hi) -> list:
        return [spec.kind for spec in self.specs[lo:hi]]

    def digest(self) -> str:
        r"""SHA-256 of the registers' texts, one a line: what a checkpoint compares."""
        digest = hashlib.sha256()
        for spec in self.specs:
            digest.update(spec.text.encode("utf-8") + b"\n")
        return digest.hexdigest()

    def tasks(self, batch_size, theory) -> tuple:
        return make_tasks(self.specs, batch_size, theory)


def collect(registers):
    r"""``registers`` as the census reads them: a family that packs itself as it is, anything else as a :class:`SpecList`."""
    return registers if hasattr(registers, "tasks") and hasattr(registers, "texts") else SpecList(registers)
