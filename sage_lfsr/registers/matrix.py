r"""
Any square matrix over `GF(q)` as a register: states are row vectors, the next
state is ``state * M``, invertible or not. States are numbered as for an
:class:`~sage_lfsr.registers.lfsr.LFSR`: `\sum_i \mathrm{int}(x_i) q^i`.

EXAMPLES::

    sage: from sage_lfsr import MatrixRegister, map_cycles, predict_cycles
    sage: M = matrix(GF(3), [[1, 1], [0, 1]])
    sage: register = MatrixRegister(M); register
    MatrixRegister of degree 2 over GF(3), invertible
    sage: map_cycles(M).structure() == predict_cycles(M) == predict_cycles(register)
    True
"""
from __future__ import annotations

from sage_lfsr.common import sagemath
from sage_lfsr.registers.lfsr import LFSR, KeyedRegister, _field

#: The first entry of a matrix register's key, telling it from an LFSR's key.
MATRIX_KEY_TAG = "matrix"
#: Most rows (and columns) of a matrix read from text.
MAX_TEXT_MATRIX_ROWS = 256


def check_square_matrix(matrix):
    r"""Refuse a matrix that is not square or not over a finite field (a one-line error)."""
    ring = matrix.base_ring()
    if not (ring.is_field() and ring.is_finite()):
        raise TypeError(f"the matrix must be over a finite field GF(q), not over {ring}")
    if not matrix.is_square():
        raise ValueError(f"the matrix must be square to map states to states, "
                         f"not {matrix.nrows()} x {matrix.ncols()}")


def parse_matrix(text, field):
    r"""
    The square matrix over ``field`` written as rows separated by ``;`` and
    entries by ``,``; each entry is read by
    :func:`~sage_lfsr.registers.parsing.parse_field_element` (never evaluated).

    EXAMPLES::

        sage: from sage_lfsr.registers.matrix import parse_matrix
        sage: parse_matrix("1,0; 1,1", GF(2))
        [1 0]
        [1 1]
        sage: parse_matrix("z, 1; 0, z+1", GF(4, 'z'))
        [    z     1]
        [    0 z + 1]

    TESTS::

        sage: parse_matrix("1,0,1; 0,1,1", GF(2))
        Traceback (most recent call last):
        ...
        ValueError: the matrix must be square to map states to states, not 2 x 3
        sage: parse_matrix("1,0; 1", GF(2))
        Traceback (most recent call last):
        ...
        ValueError: row 2 of the matrix has 1 entries, row 1 has 2
        sage: parse_matrix("1,0; 1,os.system(1)", GF(2))
        Traceback (most recent call last):
        ...
        ValueError: matrix entry (2, 2): cannot read 'os.system(1)' as an element of GF(2): unknown name 'os' at position 1 (known: none)
    """
    from sage_lfsr.registers.parsing import ParseError, parse_field_element

    if not isinstance(text, str):
        raise TypeError(f"expected the matrix as text, not {type(text).__name__}")
    rows = [row.split(",") for row in text.split(";")]
    if len(rows) > MAX_TEXT_MATRIX_ROWS:
        raise ValueError(f"the matrix has {len(rows)} rows, more than {MAX_TEXT_MATRIX_ROWS}")
    for number, row in enumerate(rows[1:], start=2):
        if len(row) != len(rows[0]):
            raise ValueError(f"row {number} of the matrix has {len(row)} entries, row 1 has {len(rows[0])}")
    if len(rows) != len(rows[0]):
        raise ValueError(f"the matrix must be square to map states to states, not {len(rows)} x {len(rows[0])}")
    entries = []
    for i, row in enumerate(rows, start=1):
        for j, entry in enumerate(row, start=1):
            try:
                entries.append(parse_field_element(entry.strip(), field))
            except ParseError as error:
                raise ValueError(f"matrix entry ({i}, {j}): {error}") from None
    return sagemath.matrix(field, len(rows), len(rows), entries)


def matrix_text(matrix) -> str:
    r"""
    The text :func:`parse_matrix` reads back: integer representations.

    EXAMPLES::

        sage: from sage_lfsr.registers.matrix import matrix_text
        sage: matrix_text(matrix(GF(4, 'z'), [[GF(4, 'z').gen(), 1], [0, 0]]))
        '2,1;0,0'
    """
    return ";".join(",".join(str(sagemath.element_to_int(entry)) for entry in row) for row in matrix.rows())


class MatrixRegister(KeyedRegister):
    r"""
    The map ``state -> state * M`` of `GF(q)^d` for a square matrix ``M``.

    INPUT:

    - ``matrix`` -- a square Sage matrix over a finite field; over `GF(p^m)` the
      field must be the default one, ``GF(p^m, 'z')`` (defined by the Conway
      polynomial), so that integer representations mean the same everywhere

    EXAMPLES::

        sage: from sage_lfsr import MatrixRegister
        sage: K = GF(4, 'z'); z = K.gen()
        sage: r = MatrixRegister(matrix(K, [[z, 1, 0], [0, 0, 1], [0, 0, 0]]))
        sage: r.is_singular, r.state_count, r.key()
        (True, 64, ('matrix', 4, ((2, 1, 0), (0, 0, 1), (0, 0, 0))))
        sage: MatrixRegister.from_key(r.key()) == r
        True
        sage: r.next_state(r.state_vector(1))
        (z, 1, 0)

    TESTS::

        sage: MatrixRegister(matrix(GF(2), [[1, 0, 1], [0, 1, 1]]))
        Traceback (most recent call last):
        ...
        ValueError: the matrix must be square to map states to states, not 2 x 3
        sage: MatrixRegister(matrix(QQ, [[1]]))
        Traceback (most recent call last):
        ...
        TypeError: the matrix must be over a finite field GF(q), not over Rational Field
        sage: MatrixRegister(matrix(GF(9, 'a', modulus=[1, 0, 1]), [[1]]))
        Traceback (most recent call last):
        ...
        ValueError: the matrix is over GF(9) defined by x^2 + 1, not by the default x^2 + 2*x + 2 of GF(9, 'z'): integer representations would not match
        sage: MatrixRegister([[1, 0], [0, 1]])
        Traceback (most recent call last):
        ...
        TypeError: expected a square Sage matrix over a finite field, not list
    """

    def __init__(self, matrix):
        if not isinstance(matrix, sagemath.Matrix):
            raise TypeError(f"expected a square Sage matrix over a finite field, not {type(matrix).__name__}")
        check_square_matrix(matrix)
        ring = matrix.base_ring()
        if matrix.nrows() < 1:
            raise ValueError("the matrix must have at least one row")
        default = _field(ring.order())
        if ring.degree() > 1 and ring.modulus() != default.modulus():
            raise ValueError(f"the matrix is over GF({ring.order()}) defined by {ring.modulus()}, "
                             f"not by the default {default.modulus()} of GF({ring.order()}, 'z'): "
                             "integer representations would not match")
        self._matrix = sagemath.matrix(ring, matrix, immutable=True)

    @classmethod
    def from_text(cls, text, q):
        r"""
        The register of the matrix written as text over `GF(q)` (see :func:`parse_matrix`).

        EXAMPLES::

            sage: from sage_lfsr import MatrixRegister
            sage: MatrixRegister.from_text("0,1;1,1", 3).state_update_matrix()
            [0 1]
            [1 1]
        """
        return cls(parse_matrix(text, _field(q)))

    @classmethod
    def from_key(cls, key):
        r"""The register with this :meth:`key`."""
        tag, q, rows = key
        if tag != MATRIX_KEY_TAG:
            raise ValueError(f"not a matrix register key: {key!r}")
        field = _field(q)
        return cls(sagemath.matrix(field, [[sagemath.int_to_element(field, value) for value in row] for row in rows]))

    def __repr__(self):
        kind = "singular" if self.is_singular else "invertible"
        return f"MatrixRegister of degree {self.degree} over GF({self.field_order}), {kind}"

    @property
    def _field(self):
        return self._matrix.base_ring()

    @property
    def degree(self) -> int:
        return int(self._matrix.nrows())

    @property
    def is_singular(self) -> bool:
        r"""``True`` when `\det M = 0`: the map is not invertible and states form trees."""
        return self._matrix.det() == 0

    @property
    def is_affine(self) -> bool:
        return False

    def key(self) -> tuple:
        r"""``("matrix", q, rows)``: the entries as integer representations, plain data."""
        return (MATRIX_KEY_TAG, self.field_order,
                tuple(tuple(sagemath.element_to_int(entry) for entry in row) for row in self._matrix.rows()))

    def describe(self):
        r"""The :class:`~sage_lfsr.registers.description.RegisterDescription` the engine maps."""
        from sage_lfsr.registers.description import RegisterDescription
        from sage_lfsr.registers.linear_tables import LinearMapTables

        return RegisterDescription("matrix", self.key(), LinearMapTables.from_register(self))

    def state_update_matrix(self):
        return self._matrix

    def constant_vector(self):
        return self.vector_space()(0)

    # The state encoding is the LFSR's.
    vector_space = LFSR.vector_space
    state_vector = LFSR.state_vector
    state_index = LFSR.state_index
    next_state = LFSR.next_state
    period = LFSR.period


def rebuild_matrix_register(key):
    r"""The :class:`MatrixRegister` with this key (the engine's rebuilder for kind ``"matrix"``)."""
    return MatrixRegister.from_key(key)
