r"""
The number of spanning trees of the adjacency graph of a linear or affine
register, from the cycles of its dual: the matrix-tree theorem with the
Laplacian's eigenvalues known exactly, so registers of millions of states and
tens of thousands of cycles are counted in exact integers without a determinant.

The argument. Let the register be `x \mapsto xM + b` on `V = GF(q)^d` (row
vectors), with cycles `C_1, \ldots, C_N`, and let `P` be the `q^d \times N`
matrix of the states' cycles. The conjugate sets `\{x + c e_0\}` are cliques
`K_q`, so the adjacency graph's Laplacian is `L = P^T Q P` with
`Q = \sum_{c \ne 0} (I - X_c)`, `X_c` the translation by `c e_0` (loops inside a
cycle cancel in `P^T Q P`). With `D = P^T P = \mathrm{diag}(|C_i|)`,
`L = D^{1/2} L' D^{1/2}`, where `L'` is `Q` compressed to the functions that are
constant on cycles; since `\det(L + J) = N^2 \tau` and the kernel of `L'` is
spanned by `D^{1/2} \mathbf 1` (norm `q^d`), the number of spanning trees is

.. MATH::

    \tau = \frac{\prod_i |C_i| \cdot \mathrm{pdet}(L')}{q^d}.

The functions constant on cycles are those invariant under `A: x \mapsto xM + b`.
A character `\chi_s(x) = \omega^{\mathrm{Tr}(x \cdot s)}` goes to
`\chi_s \circ A = \omega^{\mathrm{Tr}(b \cdot s)} \chi_{Ms}`, so the invariant
functions are spanned by one sum per orbit `T` of `s \mapsto Ms` (the cycles of
the dual register `s \mapsto s M^T`) whose phases close, i.e.
`\sum_{s \in T} \mathrm{Tr}(b \cdot s) = 0` (always, for a linear register).
`X_c` multiplies `\chi_s` by `\omega^{\mathrm{Tr}(c s_0)}`, and
`\sum_{c \ne 0} (1 - \omega^{\mathrm{Tr}(c s_0)})` is `q` when `s_0 \ne 0`, else 0.
Different orbits have disjoint characters, so `L'` is diagonal in that basis,
with eigenvalue `q\, c(T) / |T|` for the orbit `T`, `c(T)` the number of its
states with `s_0 \ne 0`. Hence

.. MATH::

    \tau = \frac{1}{q^d} \prod_i |C_i| \prod_{T \ne \{0\}} \frac{q\, c(T)}{|T|},

the second product over the closed orbits other than `\{0\}` (as many as there
are cycles, minus one). Over `GF(2)` and for `x^d + 1` (the dual orbits are
necklaces again, `c(T)/|T| = w(T)/d` for weight `w`) this gives 2, 12, 576 for
`d = 3, 4, 5`.
"""
from __future__ import annotations

from collections import Counter

import numpy as np


def affine_parts(register):
    r"""
    ``(M, b)`` over `GF(q)` with next state `xM + b`, for a linear or affine
    register (LFSR in either form, matrix, or an FSR whose feedback has degree at
    most 1), else ``None``.

    EXAMPLES::

        sage: from sage_lfsr import FSR, LFSR
        sage: from sage_lfsr.debruijn.spectral import affine_parts
        sage: M, b = affine_parts(FSR("x0 + 1", 3)); b
        (0, 0, 1)
        sage: affine_parts(FSR("x0 + x1*x2", 3)) is None
        True
    """
    from sage_lfsr.common import sagemath
    from sage_lfsr.registers.fsr import FSR
    from sage_lfsr.registers.lfsr import LFSR

    if type(register).__module__.startswith("sage.matrix."):
        return register, sagemath.VectorSpace(register.base_ring(), register.nrows())(0)
    if isinstance(register, FSR):
        terms = register.terms()
        if any(len(monomial) > 1 or (monomial and monomial[0][1] != 1) for monomial, _ in terms):
            return None
        coefficients, constant = [0] * register.degree, 0
        for monomial, coefficient in terms:
            if monomial:
                coefficients[monomial[0][0]] = coefficient
            else:
                constant = coefficient
        register = LFSR(coefficients, q=register.field_order, constant=constant)
    if isinstance(register, LFSR) or hasattr(register, "state_update_matrix"):
        return register.state_update_matrix(), register.constant_vector()
    return None


def _phases(b, q, count):
    r"""`\mathrm{Tr}(b \cdot s)` for every state index `s`, as integers mod `p`."""
    from sage_lfsr.common import sagemath
    from sage_lfsr.registers.feedback import field_arithmetic

    field = b.parent().base_ring()
    add, mul, _ = (np.array(table, dtype=np.int64) for table in field_arithmetic(q))
    trace = np.array([int(sagemath.int_to_element(field, v).trace()) for v in range(q)], dtype=np.int64)
    index = np.arange(count, dtype=np.int64)
    value = np.zeros(count, dtype=np.int64)
    for position, entry in enumerate(b):
        coefficient = sagemath.element_to_int(entry)
        if coefficient:
            value = add[value, mul[coefficient, (index // q ** position) % q]]
    return trace[value]


def exact_ratio(numerator: Counter, denominator: Counter):
    r"""
    `\prod v^{e}` over ``numerator`` divided by the same over ``denominator``
    (``Counter`` of value -> exponent), as an exact Sage ``Integer`` (``ValueError``
    if it is not one).

    EXAMPLES::

        sage: from collections import Counter
        sage: from sage_lfsr.debruijn.spectral import exact_ratio
        sage: exact_ratio(Counter({6: 2}), Counter({4: 1, 3: 1}))
        3
    """
    from sage_lfsr.common.sagemath import Integer

    def product(counts):
        factors = [Integer(value) ** exponent for value, exponent in counts.items() if exponent]
        while len(factors) > 1:  # balanced: big numbers meet big numbers
            factors = [factors[i] * factors[i + 1] if i + 1 < len(factors) else factors[i]
                       for i in range(0, len(factors), 2)]
        return factors[0] if factors else Integer(1)

    top, bottom = product(numerator), product(denominator)
    quotient, remainder = top.quo_rem(bottom)
    if remainder:
        raise ValueError("the spanning-tree count came out as a fraction: the cycle data are inconsistent")
    return quotient


def spectral_count(register, labels, **map_options):
    r"""
    The number of spanning trees of the adjacency graph of the linear or affine
    ``register`` whose cycles are ``labels``
    (:class:`~sage_lfsr.debruijn.cycles.CycleLabels`), by the formula of this
    module; the dual register is mapped with ``map_options``.

    EXAMPLES::

        sage: from sage_lfsr import LFSR
        sage: from sage_lfsr.debruijn.cycles import cycle_labels
        sage: from sage_lfsr.debruijn.spectral import spectral_count
        sage: [spectral_count(r, cycle_labels(r)) for r in (LFSR.from_polynomial(f"x^{n} + 1") for n in (3, 4, 5))]
        [2, 12, 576]
    """
    from sage_lfsr.common.sagemath import Integer
    from sage_lfsr.debruijn.cycles import cycle_labels
    from sage_lfsr.registers.matrix import MatrixRegister

    M, b = affine_parts(register)
    q, count = labels.q, labels.state_count
    dual = cycle_labels(MatrixRegister(M.transpose()), **map_options)
    weights = np.bincount(dual.labels, weights=(np.arange(count) % q != 0), minlength=dual.cycle_count)
    closed = np.ones(dual.cycle_count, dtype=bool)
    if any(b):
        p = int(b.parent().base_ring().characteristic())
        phase = np.bincount(dual.labels, weights=_phases(b, q, count), minlength=dual.cycle_count)
        closed = np.rint(phase).astype(np.int64) % p == 0
    orbits = np.flatnonzero(closed)
    if len(orbits) != labels.cycle_count:
        raise ValueError(f"the dual has {len(orbits)} closed orbits for {labels.cycle_count} cycles")
    orbits = orbits[dual.smallest[orbits] != 0]
    weights = np.rint(weights[orbits]).astype(np.int64)
    if (weights == 0).any():
        return Integer(0)  # an eigenvalue 0 besides the constant functions: the graph is not connected
    numerator = Counter(labels.lengths.tolist()) + Counter((q * weights).tolist())
    denominator = Counter(dual.lengths[orbits].tolist())
    denominator[q] += labels.degree
    return exact_ratio(numerator, denominator)
