r"""
The cycle structure of a state space: how its ``q^d`` states fall into cycles
and trees. It is what theory predicts (:func:`sage_lfsr.predict_cycles`) and
what an enumeration reduces to (:meth:`sage_lfsr.CycleMap.structure`).
"""
from __future__ import annotations

import math
from dataclasses import dataclass


def sorted_counts(counts):
    return {int(key): int(value) for key, value in sorted(counts.items()) if value}


@dataclass(frozen=True)
class CycleStructure:
    r"""
    How the ``q^d`` states of a linear map over ``GF(q)`` fall into cycles and trees.

    - ``cycle_counts``: ``{cycle length: number of cycles}``;
    - ``tail_depths``: ``{h: number of states h steps from their cycle}``, ``h = 0``
      counting the cycle states.

    EXAMPLES::

        sage: from sage_lfsr import CycleStructure
        sage: s = CycleStructure(2, 4, {1: 1, 3: 1}, {0: 4, 1: 4, 2: 8})
        sage: s.state_count, s.cycle_states, s.transient_states, s.period
        (16, 4, 12, 3)
        sage: s.is_complete()
        True

    TESTS::

        sage: CycleStructure(2, 4, {1: 1, 15: 1}, {0: 16}) == CycleStructure(2, 4, {15: 1, 1: 1}, {0: 16})
        True
    """

    field_order: int
    degree: int
    cycle_counts: dict
    tail_depths: dict

    def __post_init__(self):
        object.__setattr__(self, "cycle_counts", sorted_counts(self.cycle_counts))
        object.__setattr__(self, "tail_depths", sorted_counts(self.tail_depths))

    @property
    def state_count(self) -> int:
        return self.field_order ** self.degree

    @property
    def cycle_states(self) -> int:
        return sum(length * count for length, count in self.cycle_counts.items())

    @property
    def transient_states(self) -> int:
        return sum(count for depth, count in self.tail_depths.items() if depth > 0)

    @property
    def cycle_count(self) -> int:
        return sum(self.cycle_counts.values())

    @property
    def period(self) -> int:
        return math.lcm(*self.cycle_counts) if self.cycle_counts else 1

    @property
    def is_singular(self) -> bool:
        return self.transient_states > 0

    def is_complete(self) -> bool:
        r"""
        The conservation law: cycle states and transient states add up to ``q^d``,
        and the tail-depth count at ``h = 0`` equals the cycle states.
        """
        return (self.cycle_states + self.transient_states == self.state_count
                and self.tail_depths.get(0, 0) == self.cycle_states)

    def structure(self) -> "CycleStructure":
        r"""The bare structure (for comparing a :class:`CycleMap` with a prediction)."""
        return CycleStructure(self.field_order, self.degree, self.cycle_counts, self.tail_depths)

    def as_dict(self) -> dict:
        return {
            "field_order": self.field_order,
            "degree": self.degree,
            "state_count": self.state_count,
            "cycle_counts": {str(k): v for k, v in self.cycle_counts.items()},
            "tail_depths": {str(k): v for k, v in self.tail_depths.items()},
            "transient_states": self.transient_states,
            "period": self.period,
        }
