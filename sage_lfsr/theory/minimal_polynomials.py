r"""
Subquadratic Berlekamp-Massey from libraries: the shortest LFSR of a long sequence by half-gcd.

Massey's algorithm costs `O(n L)`; a sequence of complexity about `n/2` (random data, a
nonlinear register's output) makes that quadratic. Two well-kept libraries solve the same
problem by half-gcd in `O(M(n) \log n)`:

- over `GF(2)`, NTL's ``MinPolySeq`` on bit-packed ``GF2X`` polynomials (the copy of NTL
  that passagemath-ntl ships, called through ``ctypes``: Sage wraps ``GF2X`` but not
  this function). It assumes `2L \le n`; its answer is checked (one NTL product) and,
  where it does not generate the sequence, a second call on the sequence extended to `2L`
  terms answers (see :func:`_ntl_gf2_connection`);
- over a prime field `GF(p)`, FLINT's ``fmpz_mod_poly_minpoly`` (python-flint): every `n`;
- over an extension field `GF(p^m)`, `m > 1`, `q \le` :data:`MAX_PARI_ORDER`,
  PARI's ``halfgcd`` (subquadratic over `\mathbb{F}_q[x]`, ``FlxqX``/``F2xqX`` inside) on
  `x^n` and the reversed sequence, reached through Sage's cypari2 (see :func:`_pari_connection`).
  FLINT has no Berlekamp-Massey over `GF(p^m)` and its generic ``_gr_poly_hgcd`` over ``fq_zech``
  took 6.3 s for `10^5` terms over `GF(256)` against PARI's 4.7 s (measured here, load 1.4);
  NTL's ``MinPolySeq`` for ``GF2EX`` is Massey's quadratic algorithm.

Each returns the same register as Massey's algorithm wherever the shortest register is
unique (`2L \le n`; checked on every length 1..300 in ``tests/theory/test_sequences.py``).
Where `2L > n` there are several, and the libraries may pick another of the same length.

Connections are returned as in :func:`sage_lfsr.theory.sequences.massey`: integer
representations of `C_0 = 1, C_1, \ldots, C_L`.

EXAMPLES::

    sage: from sage_lfsr.theory.minimal_polynomials import library_connection
    sage: library_connection([int(b) for b in "0001001101011110001"], 2).tolist()
    [1, 0, 0, 1, 1]
    sage: library_connection([1, 2, 0, 1, 2], 3).tolist()
    [1, 1, 1]
    sage: library_connection([1, 2, 3, 1, 2, 3], 4).tolist()  # GF(4): 1, z, z^2, ...: s_k = z s_{k-1}
    [1, 2]
"""
from __future__ import annotations

import ctypes
import ctypes.util
import glob
import os
from functools import lru_cache

import numpy as np

#: Largest extension field served by PARI: its elements are tabulated as ``t_FFELT`` once.
MAX_PARI_ORDER = 1024
_NTL_MINPOLY_GF2X = "_ZN3NTL10MinPolySeqERNS_4GF2XERKNS_3VecINS_3GF2EEEl"  # MinPolySeq(GF2X&, const vec_GF2&, long)


def library_available(q: int) -> bool:
    r"""
    Whether a library Berlekamp-Massey serves `GF(q)` here.

    EXAMPLES::

        sage: from sage_lfsr.theory.minimal_polynomials import library_available
        sage: library_available(2), library_available(4), library_available(2 ** 11)
        (True, True, False)
    """
    if _is_prime(q):
        return _flint() is not None
    return int(q) <= MAX_PARI_ORDER and _pari_available()


@lru_cache(maxsize=1)
def _pari_available():
    try:
        from sage.libs.pari import pari
    except ImportError:  # pragma: no cover - passagemath-pari is a dependency
        return False
    return hasattr(pari, "halfgcd")


@lru_cache(maxsize=1)
def _flint():
    try:
        import flint
    except ImportError:  # pragma: no cover - python-flint is a dependency
        return None
    return flint if hasattr(flint, "fmpz_mod_poly_ctx") else None


_NTL_MUL_GF2X = "_ZN3NTL3mulERNS_4GF2XERKS0_S3_"  # mul(GF2X&, const GF2X&, const GF2X&)


def sage_ntl_libraries(pattern):
    r"""
    The shared libraries named ``pattern`` (``"libntl*.so*"``, ``"libgf2x*.so*"``) that come with the
    NTL Sage was built with (passagemath-ntl's), after loading it.
    """
    candidates = []
    try:
        import sage.libs.ntl.all  # noqa: F401 - loads the NTL that Sage was built with
        import sage

        for root in sage.__path__:
            candidates += glob.glob(os.path.join(os.path.dirname(root), "passagemath_ntl.libs", pattern))
    except ImportError:  # pragma: no cover - Sage without NTL
        pass
    return candidates


@lru_cache(maxsize=1)
def _ntl_gf2():
    r"""NTL's ``MinPolySeq`` and ``mul`` for ``GF2X`` (or ``None`` where no NTL library has them)."""
    candidates = sage_ntl_libraries("libntl*.so*")
    found = ctypes.util.find_library("ntl")
    if found:  # pragma: no cover - a system or conda NTL
        candidates.append(found)
    for path in candidates:
        try:
            library = ctypes.CDLL(path)
            minpoly, multiply = getattr(library, _NTL_MINPOLY_GF2X), getattr(library, _NTL_MUL_GF2X)
        except (OSError, AttributeError):  # pragma: no cover
            continue
        minpoly.restype = multiply.restype = None
        minpoly.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_long]
        multiply.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p]
        return minpoly, multiply
    return None  # pragma: no cover


_libc = ctypes.CDLL(None)
_libc.free.argtypes = [ctypes.c_void_p]
_libc.free.restype = None

# NTL's GF2X is one WordVector: a pointer to its 64-bit words, which are preceded by two header
# words (capacity times 2, then the length in words; the top word nonzero). vec_GF2 is a
# WordVector followed by its length in bits and its capacity times 2. Both are built here over
# numpy storage that NTL only reads; what NTL returns it allocated with malloc.


class _WordStorage:
    def __init__(self, bits):
        packed = np.packbits(np.asarray(bits, dtype=np.uint8), bitorder="little")
        self.words = (len(packed) + 7) // 8
        self.storage = np.zeros(2 + self.words, dtype=np.uint64)
        self.storage[2:].view(np.uint8)[:len(packed)] = packed

    def gf2x(self):
        r"""A ``GF2X`` over this storage (the storage must outlive it: see :meth:`vec_gf2`)."""
        used = self.words
        while used and self.storage[1 + used] == 0:
            used -= 1
        self.storage[0], self.storage[1] = self.words << 1, used
        structure = (ctypes.c_uint64 * 1)(self.storage.ctypes.data + 16)
        structure.storage = self  # the structure keeps its words alive
        return structure

    def vec_gf2(self, bits):
        self.storage[0], self.storage[1] = self.words << 1, self.words
        structure = (ctypes.c_uint64 * 3)(self.storage.ctypes.data + 16, bits, bits << 1)
        structure.storage = self
        return structure


def _taken_gf2x(result):
    r"""The bits of a ``GF2X`` that NTL allocated (``uint8``, low to high), freeing it."""
    pointer = result[0]
    if pointer == 0:
        return np.zeros(0, dtype=np.uint8)
    length = ctypes.c_uint64.from_address(pointer - 8).value
    words = np.ctypeslib.as_array((ctypes.c_uint64 * length).from_address(pointer)).copy() if length else \
        np.zeros(0, dtype=np.uint64)
    _libc.free(pointer - 16)
    bits = np.unpackbits(words.view(np.uint8), bitorder="little")
    nonzero = np.flatnonzero(bits)
    return bits[:nonzero[-1] + 1] if len(nonzero) else bits[:0]


def _ntl_gf2_characteristic(terms, bound):
    r"""
    NTL's minimal polynomial (coefficients low to high, ``uint8``) of ``terms`` over `GF(2)`,
    exact when its degree is at most ``bound`` (it reads the first ``2 bound`` terms).
    """
    minpoly, _ = _ntl_gf2()
    result = (ctypes.c_uint64 * 1)(0)
    vector = _WordStorage(terms).vec_gf2(len(terms))  # kept alive through the call
    minpoly(ctypes.addressof(result), ctypes.addressof(vector), int(bound))
    return _taken_gf2x(result)


def _first_failure(connection, terms):
    r"""
    The first `k \ge L` with `\sum_i C_i s_{k-i} \ne 0` over `GF(2)`, or ``None`` where the
    connection generates every term (one NTL product).
    """
    _, multiply = _ntl_gf2()
    left, right = _WordStorage(connection).gf2x(), _WordStorage(terms).gf2x()  # kept alive through the call
    result = (ctypes.c_uint64 * 1)(0)
    multiply(ctypes.addressof(result), ctypes.addressof(left), ctypes.addressof(right))
    product = _taken_gf2x(result)
    failures = np.flatnonzero(product[len(connection) - 1:len(terms)])
    return int(failures[0]) + len(connection) - 1 if len(failures) else None


def _ntl_gf2_first_call(terms):
    r"""
    ``(connection, L)``: ``MinPolySeq``'s register for at most `n/2` and the linear complexity,
    its length where it generates the terms, `k + 1 - L_k` where it first fails at `k` (see
    :func:`_ntl_gf2_connection`).
    """
    connection = _ntl_gf2_characteristic(terms, len(terms) // 2)[::-1]
    failure = _first_failure(connection, terms)
    if failure is None:
        return connection, len(connection) - 1
    return connection, failure + 1 - (len(connection) - 1)


def _ntl_gf2_connection(terms):
    r"""
    The shortest register over `GF(2)` by NTL. ``MinPolySeq`` assumes `2L \le n`. Where
    that fails, its answer is the connection `C_k` of the last length change `k` (the
    largest convergent of degree at most `n/2`), `k` its first failure and `L = k + 1 - L_k`
    (Massey). A sequence keeps its complexity when terms are appended while its length is
    below `2L`: with `2L - n` zeros appended, the shortest register is unique, and generates
    the given terms.
    """
    n = len(terms)
    connection, length = _ntl_gf2_first_call(terms)
    if length == len(connection) - 1:
        return connection.astype(np.int64)
    extended = np.zeros(2 * length, dtype=np.uint8)
    extended[:n] = terms
    connection = _ntl_gf2_characteristic(extended, length)[::-1]
    if len(connection) != length + 1 or _first_failure(connection, terms) is not None:  # pragma: no cover
        raise ArithmeticError("NTL's MinPolySeq gave a register that does not generate the sequence")
    return connection.astype(np.int64)


def _flint_connection(terms, p):
    ctx = _flint().fmpz_mod_poly_ctx(int(p))
    characteristic = [int(c) for c in ctx.minpoly(terms.tolist()).coeffs()]
    return np.array(characteristic[::-1], dtype=np.int64)  # C_i = f_{L-i}, f monic


# Two fixed GP closures (our text, never a user's): integer representations to a polynomial over the
# t_FFELT table and back, so that no Python loop runs over the terms.
_PARI_FROM_INTEGERS = "(v, table) -> Polrev(vector(#v, i, table[v[i] + 1]))"
_PARI_TO_INTEGERS = "(v, p) -> apply(c -> subst(c.pol, 'a, p), v)"


@lru_cache(maxsize=16)
def _pari_field(q):
    r"""
    ``(elements, p, from_integers, to_integers)``: the elements of `GF(q)` as PARI ``t_FFELT`` in
    the order of their integer representations, over Sage's modulus (so both agree on every
    element), and the two conversion closures.
    """
    from sage.libs.pari import pari

    from sage_lfsr.registers.lfsr import _field

    field = _field(q)
    p, m = int(field.characteristic()), int(field.degree())
    modulus = pari.Mod(1, p) * pari.Polrev([int(c) for c in field.modulus().list()], "a")
    generator = pari.ffgen(modulus, "a")
    powers = [generator ** i for i in range(m)]
    elements = []
    for value in range(q):
        element, rest = 0 * generator, value
        for i in range(m):
            element += (rest % p) * powers[i]
            rest //= p
        elements.append(element)
    return pari(elements), p, pari(_PARI_FROM_INTEGERS), pari(_PARI_TO_INTEGERS)


def _pari_connection(terms, q):
    r"""
    The shortest register over `GF(q)` by PARI's half-gcd. With `g` the reversed sequence
    `\sum_i s_{n-1-i} x^i`, a characteristic polynomial `f` of degree `L` generates the terms
    exactly when `f g \equiv r \pmod{x^n}` with `\deg r < L`. The remainders `r_j = u_j x^n + v_j g`
    of Euclid's algorithm on `(x^n, g)` have `\deg v_j = n - \deg r_{j-1}`; the least `L` is
    `\deg v_j` at the first `j` with `\deg r_j < \deg v_j` (Sugiyama et al. 1975; Dornstetter
    1987). ``halfgcd`` stops at `\deg r_{j-1} \ge \lceil n/2 \rceil > \deg r_j`, where no earlier
    `j` qualifies, so that `j` or the next Euclid step gives `f = v_j` made monic.
    """
    from sage.libs.pari import pari

    elements, p, from_integers, to_integers = _pari_field(q)
    n = len(terms)
    reversed_sequence = from_integers(pari.Vecsmall(terms[::-1].tolist()), elements)
    matrix, (high, low) = pari.halfgcd(pari("x") ** n, reversed_sequence)
    previous, cofactor = matrix[0, 1], matrix[1, 1]
    if low != 0 and cofactor.poldegree() <= low.poldegree():  # a zero remainder has degree -infinity
        cofactor = previous - (high // low) * cofactor
    characteristic = cofactor / pari.pollead(cofactor)
    connection = to_integers(pari.Vec(characteristic), p)  # C_i = f_{L-i}: leading coefficient first
    return np.array([int(c) for c in connection], dtype=np.int64)


def library_connection(terms, q):
    r"""
    The connection polynomial of the shortest LFSR generating ``terms`` over `GF(q)`, by
    half-gcd (see the module's description).

    INPUT:

    - ``terms`` -- a numpy integer array (or list) of integer representations `0..q-1`
    - ``q`` -- a prime with :func:`library_available`

    OUTPUT: a numpy ``int64`` array `C_0 = 1, \ldots, C_L`
    """
    terms = np.asarray(terms, dtype=np.int64)
    if len(terms) == 0 or not terms.any():
        return np.ones(1, dtype=np.int64)
    if q == 2 and _ntl_gf2() is not None:
        return _ntl_gf2_connection(terms)
    if _flint() is not None and _is_prime(q):
        return _flint_connection(terms, q)
    return _pari_connection(terms, q)


def library_complexity(terms, q) -> int:
    r"""
    The linear complexity of ``terms`` over `GF(q)` (:func:`library_available`), without the
    register where that saves work: over `GF(2)`, when `2L > n`, NTL's first call gives `L`
    and the second (the register, :func:`_ntl_gf2_connection`) is skipped.

    EXAMPLES::

        sage: from sage_lfsr.theory.minimal_polynomials import library_complexity
        sage: library_complexity([0, 0, 0, 1], 2), library_complexity([1, 2, 0, 1, 2], 3)
        (4, 2)
    """
    terms = np.asarray(terms, dtype=np.int64)
    if len(terms) == 0 or not terms.any():
        return 0
    if q == 2 and _ntl_gf2() is not None:
        return _ntl_gf2_first_call(terms)[1]
    return len(library_connection(terms, q)) - 1


def _is_prime(q):
    from sage_lfsr.common import sagemath

    return bool(sagemath.Integer(int(q)).is_prime())
