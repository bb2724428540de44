r"""
One description of a register, as plain picklable data: what a worker gets.

- ``kind`` -- which family of register (``"lfsr"``), naming how to rebuild it;
- ``key`` -- its identity in plain integers (``(q, coefficients)`` for an LFSR),
  recorded in checkpoints;
- ``tables`` -- the integer tables the ``fast`` kernel reads (no Sage needed).

:meth:`RegisterDescription.rebuild` builds the Sage object again from the key
(the ``sage`` kernel does so in each worker, the seed's design). Another kind of
register is one entry in :data:`REBUILDERS` and a ``describe()`` method on its
class that returns a :class:`RegisterDescription`.
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass, field

import numpy as np

#: ``kind -> (module, function)``: the function takes the key and returns the Sage register.
REBUILDERS = {"lfsr": ("sage_lfsr.description", "_rebuild_lfsr"),
              "matrix": ("sage_lfsr.matrix_register", "rebuild_matrix_register"),
              "fsr": ("sage_lfsr.fsr", "rebuild_fsr")}


def _rebuild_lfsr(key):
    from sage_lfsr.lfsr import LFSR

    return LFSR.from_key(key)


@dataclass(frozen=True)
class RegisterDescription:
    r"""
    A register as plain data: ``kind``, ``key`` and the kernel ``tables``.

    EXAMPLES::

        sage: from sage_lfsr import LFSR
        sage: from sage_lfsr.description import describe
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


def describe(register) -> RegisterDescription:
    r"""
    The :class:`RegisterDescription` of ``register``: an
    :class:`~sage_lfsr.lfsr.LFSR` (tables built with Sage), prebuilt
    :class:`~sage_lfsr.tables.RegisterTables` (no Sage), a square Sage matrix
    (as a :class:`~sage_lfsr.matrix_register.MatrixRegister`), an object with a
    ``describe()`` method, or a description (returned as it is).

    EXAMPLES::

        sage: from sage_lfsr import LFSR
        sage: from sage_lfsr.description import describe
        sage: galois = describe(LFSR([1, 1], q=3, constant=2, form="galois"))
        sage: galois.key, type(galois.tables).__name__, galois.rebuild().form
        ((3, (1, 1), 2, 'galois'), 'LinearMapTables', 'galois')
        sage: describe(matrix(GF(2), [[0, 1], [1, 1]])).kind
        'matrix'
    """
    from sage_lfsr.tables import RegisterTables

    if isinstance(register, RegisterDescription):
        return register
    if isinstance(register, RegisterTables):
        return RegisterDescription("lfsr", register.key(), register)
    if type(register).__module__.startswith("sage.matrix."):  # no Sage import for anything else
        from sage_lfsr.matrix_register import MatrixRegister

        register = MatrixRegister(register)
    if hasattr(register, "describe"):
        return register.describe()
    if not hasattr(register, "state_update_matrix"):
        raise TypeError("expected an LFSR, a square matrix over GF(q), a MatrixRegister or register tables, "
                        f"not {type(register).__name__}")
    if register.form == "galois":
        from sage_lfsr.linear_tables import LinearMapTables

        return RegisterDescription("lfsr", register.key(), LinearMapTables.from_register(register))
    tables = RegisterTables.from_lfsr(register)
    return RegisterDescription("lfsr", tables.key(), tables)
