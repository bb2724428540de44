r"""
One description of a register, as plain picklable data: what a worker gets.

- ``kind`` -- which family of register (``"lfsr"``), naming how to rebuild it;
- ``key`` -- its identity in plain integers (``(q, coefficients)`` for an LFSR),
  recorded in checkpoints;
- ``tables`` -- the integer tables the ``fast`` kernel reads (no Sage needed).

:meth:`RegisterDescription.rebuild` builds the Sage object again from the key
(the ``sage`` kernel does so in each worker, the seed's design). Another kind of
register is one entry in :data:`REBUILDERS` and a ``describe()`` method on its
class that returns a :class:`RegisterDescription`;
:func:`~sage_lfsr.registers.coercion.describe` describes any register.
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass, field

import numpy as np

#: ``kind -> (module, function)``: the function takes the key and returns the Sage register.
REBUILDERS = {"lfsr": ("sage_lfsr.registers.description", "_rebuild_lfsr"),
              "matrix": ("sage_lfsr.registers.matrix", "rebuild_matrix_register"),
              "fsr": ("sage_lfsr.registers.fsr", "rebuild_fsr")}


def _rebuild_lfsr(key):
    from sage_lfsr.registers.lfsr import LFSR

    return LFSR.from_key(key)


@dataclass(frozen=True)
class RegisterDescription:
    r"""
    A register as plain data: ``kind``, ``key`` and the kernel ``tables``.

    EXAMPLES::

        sage: from sage_lfsr import LFSR
        sage: from sage_lfsr.registers.coercion import describe
        sage: description = describe(LFSR([1, 1, 0, 0]))
        sage: description.kind, description.key, description.state_count, description.singular
        ('lfsr', (2, (1, 1, 0, 0)), 16, False)
        sage: description.rebuild()
        LFSR of degree 4 over GF(2) with characteristic polynomial x^4 + x + 1
    """

    kind: str
    key: tuple
    #: Determined by the key, so left out of comparisons and the repr.
    tables: object = field(compare=False, repr=False)

    @property
    def state_count(self) -> int:
        return self.tables.state_count

    @property
    def singular(self) -> bool:
        return self.tables.is_singular

    @property
    def degree(self) -> int:
        return self.tables.degree

    @property
    def depth_dtype(self):
        r"""The unsigned type of the per-state tail depths: bytes unless the tables ask for more."""
        return getattr(self.tables, "depth_dtype", np.uint8)

    def rebuild(self):
        r"""The Sage register, built again from the key (imports Sage)."""
        module, function = REBUILDERS[self.kind]
        return getattr(importlib.import_module(module), function)(self.key)
