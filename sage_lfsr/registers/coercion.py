r"""
Any register the engine takes, described: an :class:`~sage_lfsr.registers.lfsr.LFSR`,
an :class:`~sage_lfsr.registers.fsr.FSR`, a
:class:`~sage_lfsr.registers.matrix.MatrixRegister` or a square Sage matrix,
prebuilt :class:`~sage_lfsr.registers.tables.RegisterTables`, or a
:class:`~sage_lfsr.registers.description.RegisterDescription`. It sits above every
register kind, so none of them needs to know the others.
"""
from __future__ import annotations

from sage_lfsr.registers.description import RegisterDescription


def describe(register) -> RegisterDescription:
    r"""
    The :class:`RegisterDescription` of ``register``: an
    :class:`~sage_lfsr.registers.lfsr.LFSR` (tables built with Sage), prebuilt
    :class:`~sage_lfsr.registers.tables.RegisterTables` (no Sage), a square Sage matrix
    (as a :class:`~sage_lfsr.registers.matrix.MatrixRegister`), an object with a
    ``describe()`` method, or a description (returned as it is).

    EXAMPLES::

        sage: from sage_lfsr import LFSR
        sage: from sage_lfsr.registers.coercion import describe
        sage: galois = describe(LFSR([1, 1], q=3, constant=2, form="galois"))
        sage: galois.key, type(galois.tables).__name__, galois.rebuild().form
        ((3, (1, 1), 2, 'galois'), 'LinearMapTables', 'galois')
        sage: describe(matrix(GF(2), [[0, 1], [1, 1]])).kind
        'matrix'
    """
    from sage_lfsr.registers.tables import RegisterTables

    if isinstance(register, RegisterDescription):
        return register
    if isinstance(register, RegisterTables):
        return RegisterDescription("lfsr", register.key(), register)
    if type(register).__module__.startswith("sage.matrix."):  # no Sage import for anything else
        from sage_lfsr.registers.matrix import MatrixRegister

        register = MatrixRegister(register)
    if hasattr(register, "describe"):
        return register.describe()
    if not hasattr(register, "state_update_matrix"):
        raise TypeError("expected an LFSR, a square matrix over GF(q), a MatrixRegister or register tables, "
                        f"not {type(register).__name__}")
    if register.form == "galois":
        from sage_lfsr.registers.linear_tables import LinearMapTables

        return RegisterDescription("lfsr", register.key(), LinearMapTables.from_register(register))
    tables = RegisterTables.from_lfsr(register)
    return RegisterDescription("lfsr", tables.key(), tables)
