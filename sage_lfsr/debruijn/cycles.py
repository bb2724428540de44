r"""
Every state's cycle, from the engine's map: the ground the adjacency graph and
the joining stand on.

The engine's :class:`~sage_lfsr.engine.cyclemap.CycleMap` lists each cycle as
``(least state, length)``; walking each cycle once from its least state with
the register's compiled successor (:meth:`~sage_lfsr.engine.kernels.fast.FastKernel.successors`)
gives every state its cycle's number, in one linear compiled pass.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sage_lfsr.common.compiled import cached_njit
from sage_lfsr.common.limits import TooLarge
from sage_lfsr.registers.coercion import describe

#: Largest state space whose cycles are labelled (an 8-byte successor and a 4-byte label a state).
MAX_LABELLED_STATES = 1 << 24


def _walk_cycles(successors, smallest, lengths, labels):
    r"""``labels[s] = c`` for every state ``s`` of cycle ``c``; ``False`` if a walk does not close."""
    for cycle in range(smallest.shape[0]):
        state = smallest[cycle]
        for _ in range(lengths[cycle]):
            labels[state] = cycle
            state = successors[state]
        if state != smallest[cycle]:
            return False
    return True


walk_cycles = cached_njit(_walk_cycles, nogil=True)


@dataclass(frozen=True)
class CycleLabels:
    r"""
    The cycles of an invertible register and the cycle of every state.

    ``successors[s]`` is the state after ``s``, ``labels[s]`` the number of the
    cycle through ``s``; cycle ``c`` has least state ``smallest[c]`` and
    ``lengths[c]`` states (sorted by least state, as the map lists them).
    """

    q: int
    degree: int
    successors: np.ndarray
    labels: np.ndarray
    smallest: np.ndarray
    lengths: np.ndarray

    @property
    def cycle_count(self) -> int:
        return len(self.smallest)

    @property
    def state_count(self) -> int:
        return len(self.successors)


def cycle_labels(register, cycle_map=None, **map_options) -> CycleLabels:
    r"""
    The :class:`CycleLabels` of ``register`` (any register :func:`~sage_lfsr.map_cycles`
    takes), from ``cycle_map`` or from a map made now with ``map_options``
    (``schedule``, ``workers``, ...).

    EXAMPLES::

        sage: from sage_lfsr import LFSR
        sage: from sage_lfsr.debruijn.cycles import cycle_labels
        sage: cycles = cycle_labels(LFSR.from_polynomial("x^4 + 1"), schedule="queue", workers=2)
        sage: cycles.smallest.tolist(), cycles.lengths.tolist()
        ([0, 1, 3, 5, 7, 15], [1, 4, 4, 2, 4, 1])
        sage: cycles.labels.tolist()
        [0, 1, 1, 2, 1, 3, 2, 4, 1, 2, 3, 4, 2, 4, 4, 5]

    TESTS::

        sage: cycle_labels(LFSR.from_polynomial("x^4 + x^3"))
        Traceback (most recent call last):
        ...
        ValueError: the register is not invertible (14 of its 16 states lie on trees, not cycles): cycle joining needs every state on a cycle
    """
    from sage_lfsr.engine.kernels import make_kernel
    from sage_lfsr.engine.mapper import map_cycles

    description = describe(register)
    count = int(description.state_count)
    if count > MAX_LABELLED_STATES:
        raise TooLarge(f"cycle joining labels up to {MAX_LABELLED_STATES} (2^24) states; the register has {count}")
    if cycle_map is None:
        cycle_map = map_cycles(register, **map_options)
    if cycle_map.state_count != count:
        raise ValueError(f"the cycle map has {cycle_map.state_count} states, the register {count}")
    if cycle_map.transient_states:
        raise ValueError(f"the register is not invertible ({cycle_map.transient_states} of its {count} states lie "
                         "on trees, not cycles): cycle joining needs every state on a cycle")
    successors = make_kernel("fast", description).successors()
    smallest = np.asarray(cycle_map.cycles.smallest, dtype=np.int64)
    lengths = np.asarray(cycle_map.cycles.lengths, dtype=np.int64)
    labels = np.empty(count, dtype=np.int32)
    if not walk_cycles(successors, smallest, lengths, labels):
        raise ValueError("the cycle map does not match the register: a cycle's walk does not close")
    return CycleLabels(int(cycle_map.field_order), int(description.degree), successors, labels, smallest, lengths)
