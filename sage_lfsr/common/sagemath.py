r"""
The Sage names this package uses, imported from their defining modules.

On the modular distributions (passagemath) some defining modules rely on lazy
imports that ``sage.all__sagemath_modules`` sets up, so that module is loaded
first when it exists; a full Sage install has it too. Everything else in the
package imports Sage through this module, so Sage is only loaded where it is
needed: planning (:mod:`sage_lfsr.engine.planning`) builds the register's tables and
predicts its cycles with Sage, while running a plan (:mod:`sage_lfsr.engine.mapper`,
the schedules, the ``fast`` kernel) needs numpy and numba alone.
"""
try:
    import sage.all__sagemath_modules  # noqa: F401
except ImportError:  # pragma: no cover - older monolithic Sage
    import sage.all  # noqa: F401

from sage.arith.misc import factor, is_prime_power  # noqa: F401
from sage.crypto.lfsr import lfsr_sequence  # noqa: F401
from sage.matrix.constructor import matrix  # noqa: F401
from sage.matrix.special import companion_matrix  # noqa: F401
from sage.modules.free_module import VectorSpace  # noqa: F401
from sage.rings.finite_rings.finite_field_constructor import GF  # noqa: F401
from sage.rings.integer import Integer  # noqa: F401
from sage.rings.integer_ring import ZZ  # noqa: F401
from sage.rings.polynomial.polynomial_ring_constructor import PolynomialRing  # noqa: F401
from sage.structure.element import Matrix  # noqa: F401
from sage.rings.polynomial.polynomial_element import Polynomial  # noqa: F401


def element_to_int(element):
    r"""
    Integer representation of a finite field element: the coefficients of its
    polynomial in the field generator, read as digits in base `p`.

    EXAMPLES::

        sage: from sage_lfsr.common.sagemath import GF, element_to_int
        sage: K = GF(9, 'z'); z = K.gen()
        sage: element_to_int(z + 2), element_to_int(K(1)), element_to_int(K(0))
        (5, 1, 0)
        sage: type(element_to_int(z))
        <class 'int'>
    """
    p = int(element.parent().characteristic())  # plain ints: keys and tables pickle without Sage
    value = 0
    for digit in reversed(element.polynomial().list()):
        value = value * p + int(digit)
    return value


def int_to_element(field, value):
    r"""
    The element of ``field`` whose integer representation is ``value``.

    EXAMPLES::

        sage: from sage_lfsr.common.sagemath import GF, int_to_element, element_to_int
        sage: K = GF(9, 'z')
        sage: all(element_to_int(int_to_element(K, n)) == n for n in range(9))
        True
    """
    p = field.characteristic()
    generator = field.gen()
    element, power = field(0), field(1)
    while value:
        value, digit = divmod(value, p)
        element += digit * power
        power *= generator
    return element
