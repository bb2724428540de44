"""
Berlekamp-Massey and the linear complexity profile against two independent oracles:

- a textbook Berlekamp-Massey written here on Sage field elements (Massey 1969, in the
  form of Lidl & Niederreiter / Wikipedia: discrepancy, shift, length change);
- the linear system itself, solved with Sage's linear algebra: a prefix of length n has
  complexity L exactly when the system s_{j+L} = sum_i c_i s_{j+i} (0 <= j < n - L) is
  consistent and the one for L - 1 is not;

and, where it applies, against the ``galois`` package. Sage's own ``berlekamp_massey`` is
not an oracle: it gives the wrong complexity on about a quarter of random sequences.
"""
import random
import time

import numpy as np
import pytest

from sage_lfsr.common import sagemath
from sage_lfsr.registers.lfsr import LFSR
from sage_lfsr.theory.sequences import (berlekamp_massey, field_tables, linear_complexity, linear_complexity_profile,
                                 massey, sequence_terms)

FIELD_ORDERS = (2, 3, 5, 4)


def field_of(q):
    return sagemath.GF(q, "z") if q == 4 else sagemath.GF(q)


def elements_of(q):
    field = field_of(q)
    return field, [sagemath.int_to_element(field, value) for value in range(q)]


# ---------------------------------------------------------------- oracles

def textbook_berlekamp_massey(terms):
    r"""``(L, [C_0, ..., C_L])`` over Sage elements; Massey's algorithm as textbooks print it."""
    field = terms[0].parent()
    n = len(terms)
    C = [field(1)] + [field(0)] * n
    B = [field(1)] + [field(0)] * n
    L, m, b = 0, 1, field(1)
    for k in range(n):
        d = terms[k]
        for i in range(1, L + 1):
            d += C[i] * terms[k - i]
        if d == 0:
            m += 1
        elif 2 * L <= k:
            T = list(C)
            for i in range(n + 1 - m):
                C[i + m] -= d / b * B[i]
            L, B, b, m = k + 1 - L, T, d, 1
        else:
            for i in range(n + 1 - m):
                C[i + m] -= d / b * B[i]
            m += 1
    return L, C[:L + 1]


def textbook_profile(terms):
    return [textbook_berlekamp_massey(terms[:k + 1])[0] for k in range(len(terms))]


def system_is_consistent(field, terms, length):
    r"""Is there an LFSR of degree ``length`` (c_0..c_{L-1} free) generating ``terms``?"""
    n = len(terms)
    if length >= n:
        return True
    if length == 0:
        return all(t == 0 for t in terms)
    A = sagemath.matrix(field, [terms[j:j + length] for j in range(n - length)])
    augmented = A.augment(sagemath.matrix(field, [[terms[j + length]] for j in range(n - length)]))
    return A.rank() == augmented.rank()


def system_complexity_profile(field, terms):
    r"""The least consistent degree of every prefix, searched upwards (complexity never drops)."""
    profile, length = [], 0
    for n in range(1, len(terms) + 1):
        while not system_is_consistent(field, terms[:n], length):
            length += 1
        profile.append(length)
    return profile


def random_terms(rng, q, n):
    return [rng.randrange(q) for _ in range(n)]


def lfsr_terms(rng, q, n, degree):
    coefficients = [rng.randrange(q) for _ in range(degree)]
    register = LFSR(coefficients, q=q)
    fill = [rng.randrange(q) for _ in range(degree)]
    return [sagemath.element_to_int(t) for t in register.sequence(fill, n)]


def generates(register, terms):
    field = register.field
    elements = [sagemath.int_to_element(field, t) for t in terms]
    d = register.degree
    if len(terms) <= d:
        return True
    return register.sequence(elements[:d], len(terms)) == elements


# ---------------------------------------------------------------- against the oracles

@pytest.mark.parametrize("q", FIELD_ORDERS)
def test_every_length_against_the_textbook(q):
    rng = random.Random(1000 + q)
    field, elements = elements_of(q)
    lengths = range(1, 201) if q == 2 else range(q % 4 + 1, 201, 4)  # GF(2) every length; others interleave
    for n in lengths:
        for terms in [random_terms(rng, q, n) if n % 2 else lfsr_terms(rng, q, n, rng.randrange(1, 9))]:
            as_elements = [elements[t] for t in terms]
            expected_length, expected_connection = textbook_berlekamp_massey(as_elements)
            _, connection, profile = massey(terms, q)
            assert len(connection) - 1 == expected_length == profile[-1]
            assert [elements[c] for c in connection] == expected_connection
            register = berlekamp_massey(terms, q)
            assert register.degree == max(expected_length, 1)
            assert generates(register, terms)


@pytest.mark.parametrize("q", FIELD_ORDERS)
def test_profile_against_the_linear_system(q):
    rng = random.Random(2000 + q)
    field, elements = elements_of(q)
    for terms in (random_terms(rng, q, 90), lfsr_terms(rng, q, 90, 11),
                  [0] * 30 + [1] + [0] * 20, lfsr_terms(rng, q, 60, 5)):
        as_elements = [elements[t] for t in terms]
        profile = linear_complexity_profile(terms, q)
        assert profile == system_complexity_profile(field, as_elements)
        assert profile == textbook_profile(as_elements)[:len(profile)] if len(terms) <= 60 else True


@pytest.mark.parametrize("q", FIELD_ORDERS)
def test_an_lfsr_is_recovered_from_twice_its_degree(q):
    rng = random.Random(3000 + q)
    for degree in (1, 3, 7, 12):
        from sage_lfsr.theory.prediction import random_primitive_polynomial

        secret = LFSR.from_polynomial(random_primitive_polynomial(q, degree, seed=rng.randrange(10 ** 6)))
        fill = [1] + [0] * (degree - 1)
        terms = secret.sequence(fill, 2 * degree)
        recovered = berlekamp_massey(terms, q)
        assert recovered.characteristic_polynomial() == secret.characteristic_polynomial()
        assert recovered.sequence(terms[:degree], 300) == secret.sequence(fill, 300)


@pytest.mark.parametrize("q", (2, 3, 5, 4))
def test_agrees_with_the_galois_package(q):
    galois = pytest.importorskip("galois")
    rng = random.Random(4000 + q)
    field, elements = elements_of(q)
    galois_field = galois.GF(q)
    checked = 0
    for n in (40, 60):
        terms = lfsr_terms(rng, q, n, rng.randrange(2, 9))
        if linear_complexity(terms, q) * 2 > n:
            continue
        # galois orders GF(4) by the integer representation of its own Conway polynomial,
        # which is Sage's x^2 + x + 1 too; integers carry over. Its "characteristic" output
        # drops the factor x^k of a sequence with a preperiod, so compare connection polynomials.
        theirs = galois.berlekamp_massey(galois_field(terms), output="connection")
        connection = massey(terms, q)[1].tolist()
        while connection[-1] == 0:
            connection.pop()
        assert connection[::-1] == [int(c) for c in theirs.coeffs]
        checked += 1
    assert checked


# ---------------------------------------------------------------- inputs and conventions

def test_input_forms_agree():
    bits = "1101 0110_0011"
    field = sagemath.GF(2)
    as_ints = [int(c) for c in bits if c in "01"]
    profile = linear_complexity_profile(bits)
    assert profile == linear_complexity_profile(as_ints)
    assert profile == linear_complexity_profile([field(b) for b in as_ints])
    assert profile == linear_complexity_profile(np.array(as_ints, dtype=np.uint8))
    K = sagemath.GF(4, "z")
    z = K.gen()
    assert linear_complexity_profile([z, z + 1, 1, 0, z], q=4) == linear_complexity_profile([2, 3, 1, 0, 2], q=4)


def test_all_zero_and_degenerate_sequences():
    assert linear_complexity("0" * 50) == 0 and linear_complexity([]) == 0
    zero_register = berlekamp_massey([0, 0, 0], q=3)
    assert zero_register.degree == 1 and zero_register.characteristic_polynomial() == field_of(3)["x"].gen()
    assert linear_complexity("0" * 9 + "1") == 10  # a lone one at the end needs the whole length
    assert linear_complexity([2], q=5) == 1 and linear_complexity([0, 0, 2], q=5) == 3


@pytest.mark.parametrize("bad, q, error, message", [
    ("01a1", 2, ValueError, "holds only 0 and 1"),
    ([0, 1, 2], 2, ValueError, "term 2 = 2 is outside GF(2)"),
    ([0, -1], 3, ValueError, "term 1 = -1 is outside GF(3)"),
    ([0.5], 3, TypeError, "neither an integer"),
    ("0101", 5, TypeError, "bit string is a sequence over GF(2)"),
    ([1], 6, ValueError, "not a prime power"),
    (np.zeros((2, 2), dtype=int), 2, TypeError, "one-dimensional"),
])
def test_bad_input_gets_a_clear_error(bad, q, error, message):
    with pytest.raises(error, match=message.replace("(", r"\(").replace(")", r"\)")):
        linear_complexity_profile(bad, q)
    with pytest.raises(ValueError, match="at least one term"):
        berlekamp_massey("")


def test_field_tables_are_the_field():
    for q in (2, 3, 4, 5, 8, 9, 25):
        field, elements = elements_of(q) if q < 8 else (None, None)
        field = sagemath.GF(q, "z") if q in (4, 8, 9, 25) else sagemath.GF(q)
        elements = [sagemath.int_to_element(field, v) for v in range(q)]
        add, mul, neg, inv = field_tables(q)
        for a in range(q):
            assert elements[neg[a]] == -elements[a]
            if a:
                assert elements[inv[a]] == 1 / elements[a]
            for b in range(q):
                assert elements[add[a, b]] == elements[a] + elements[b]
                assert elements[mul[a, b]] == elements[a] * elements[b]


def test_large_fields_use_the_element_path():
    q = 2 ** 11  # beyond the tables
    rng = random.Random(5)
    terms = lfsr_terms(rng, q, 12, 3)
    field = sagemath.GF(q, "z")
    expected_length, expected_connection = textbook_berlekamp_massey([sagemath.int_to_element(field, t) for t in terms])
    _, connection, _ = massey(terms, q)
    assert [sagemath.int_to_element(field, int(c)) for c in connection] == expected_connection
    assert sequence_terms(terms, q)[1].tolist() == terms


def binary_output(coefficients, fill, n):
    r"""``n`` terms of a GF(2) LFSR, stepped on a Python integer (independent of the package)."""
    taps = sum(1 << i for i, c in enumerate(coefficients) if c)
    state = sum(1 << i for i, bit in enumerate(fill) if bit)
    top = len(coefficients) - 1
    out = np.empty(n, dtype=np.uint8)
    for k in range(n):
        out[k] = state & 1
        state = (state >> 1) | (((state & taps).bit_count() & 1) << top)
    return out


def test_a_million_binary_terms_take_well_under_a_second():
    from sage_lfsr.theory.prediction import random_primitive_polynomial

    register = LFSR.from_polynomial(random_primitive_polynomial(2, 127, seed=1))
    fill = [1] + [0] * 126
    terms = binary_output(register.key()[1], fill, 10 ** 6)
    assert terms[:300].tolist() == [int(t) for t in register.sequence(fill, 300)]
    linear_complexity(terms[:1000])  # compile outside the timing
    started = time.perf_counter()
    recovered = berlekamp_massey(terms)
    elapsed = time.perf_counter() - started
    assert recovered == register
    assert elapsed < 1.0, f"{elapsed:.2f} s"


# ---------------------------------------------------------------- the library half-gcd against Massey

def connection_generates(connection, terms, q):
    r"""Does `\sum_i C_i s_{k-i} = 0` hold for `L <= k < n` (Sage's arithmetic, through the tables)?"""
    add, mul, _, _ = field_tables(q)
    length, n = len(connection) - 1, len(terms)
    terms = np.asarray(terms, dtype=np.int64)
    total = np.zeros(max(n - length, 0), dtype=np.int64)
    for i in range(length + 1):  # every k at once: total_k += C_i s_{k-i}
        total = add[total, mul[int(connection[i]), terms[length - i:n - i]]]
    return not total.any()


def library_cases(q, lengths, seed):
    r"""Random, late-starting and LFSR sequences of every length in ``lengths``."""
    rng = np.random.default_rng(seed)
    for n in lengths:
        yield n, "random", rng.integers(0, q, n)
        yield n, "late start", np.concatenate([np.zeros(n // 2, dtype=np.int64), rng.integers(0, q, n - n // 2)])
        yield n, "lfsr", np.array(lfsr_terms(random.Random(n), q, n, 1 + n % 9), dtype=np.int64)


def assert_library_agrees_with_massey(q, cases):
    r"""The library's connection has Massey's length (so has its complexity alone), is Massey's where
    the shortest register is unique, and generates the terms otherwise. Returns how many were unique."""
    from sage_lfsr.theory.minimal_polynomials import library_complexity

    unique = 0
    for n, kind, terms in cases:
        _, compiled, _ = massey(terms, q)
        library = library_connection(terms, q)
        assert len(library) == len(compiled) == library_complexity(terms, q) + 1, (n, kind)
        if 2 * (len(compiled) - 1) <= n:
            assert library.tolist() == compiled.tolist(), (n, kind)
            unique += 1
        else:
            assert library[0] == 1 and connection_generates(library, terms, q), (n, kind)
    return unique


@pytest.mark.parametrize("q", (2, 3))
def test_library_and_compiled_agree_on_every_length_to_300(q):
    cases = list(library_cases(q, range(1, 301), 6000 + q))
    assert assert_library_agrees_with_massey(q, cases) > 300
    for n, kind, terms in cases[::7]:
        assert berlekamp_massey(terms, q, method="library").degree == berlekamp_massey(terms, q, method="compiled").degree


@pytest.mark.parametrize("q", (4, 256))
def test_pari_half_gcd_agrees_with_massey_on_every_length_to_300(q):
    r"""GF(p^m): PARI's half-gcd against the compiled kernel (GF(4) every length, GF(256) interleaved)."""
    lengths = range(1, 301) if q == 4 else range(1, 301, 3)
    assert assert_library_agrees_with_massey(q, library_cases(q, lengths, 6100 + q)) > len(lengths)


@pytest.mark.parametrize("q, n, degree", [(8, 3000, None), (256, 1500, 400), (9, 2000, None), (16, 2400, 1100)])
def test_pari_half_gcd_agrees_with_massey_on_longer_sequences(q, n, degree):
    rng = np.random.default_rng(6200 + q)
    terms = rng.integers(0, q, n) if degree is None else \
        np.array(lfsr_terms(random.Random(q), q, n, degree), dtype=np.int64)
    unique = assert_library_agrees_with_massey(q, [(n, "long", terms)])
    if degree is not None:  # 2 x its degree or more of an LFSR's output: one shortest register
        assert unique == 1


def library_connection(terms, q):
    from sage_lfsr.theory.minimal_polynomials import library_connection as connection

    return connection(terms, q)


def test_fields_beyond_the_tables_have_no_library_and_auto_is_massey():
    terms = [2, 3, 1, 0, 2, 2, 1]
    with pytest.raises(ValueError, match=r"prime fields and GF\(p\^m\) up to 1024"):
        berlekamp_massey(terms, q=2 ** 11, method="library")
    assert linear_complexity(terms, q=4) == linear_complexity(terms, q=4, method="compiled") == massey(terms, 4)[1].size - 1


def counting_calls(monkeypatch, module, name):
    calls = []
    original = getattr(module, name)
    monkeypatch.setattr(module, name, lambda *args, **options: calls.append(args[1]) or original(*args, **options))
    return calls


def test_auto_switches_to_pari_on_a_long_random_sequence_over_gf9(monkeypatch):
    from sage_lfsr.theory import minimal_polynomials

    calls = counting_calls(monkeypatch, minimal_polynomials, "_pari_connection")
    terms = np.random.default_rng(8).integers(0, 9, 20_000)
    auto = berlekamp_massey(terms, q=9)
    assert calls == [9]  # after the first compiled chunk: the complexity grows as k/2
    assert auto.degree in range(9_990, 10_011)


# ---------------------------------------------------------------- Massey's steps by divide and conquer

def recursive(terms, q, leaf_terms=None):
    from sage_lfsr.theory.recursive_massey import recursive_massey

    return recursive_massey(np.asarray(terms, dtype=np.int64), q, field_tables(q), leaf_terms=leaf_terms)


@pytest.mark.parametrize("q, step", [(2, 2), (4, 3), (256, 5)])
def test_divide_and_conquer_is_massey_on_every_length_to_300(q, step):
    r"""Blocks of 5 terms, so every length splits several times (lengths interleaved): the same connection (Massey's
    choice, even where the shortest register is not unique) and the same profile."""
    for n, kind, terms in library_cases(q, range(1, 301, step), 6300 + q):
        _, connection, profile = massey(terms, q)
        divided_connection, divided_profile = recursive(terms, q, leaf_terms=5)
        assert divided_connection.tolist() == connection.tolist(), (n, kind)
        assert divided_profile.tolist() == profile.tolist(), (n, kind)


@pytest.mark.parametrize("q, n, degree", [(2, 30_000, None), (2, 8_000, 3_000), (256, 3_000, None), (1024, 1_200, 400)])
def test_divide_and_conquer_is_massey_on_longer_sequences(q, n, degree):
    rng = np.random.default_rng(6400 + q)
    if degree is None:
        terms = rng.integers(0, q, n)
    elif q == 2:
        terms = binary_output([1] + rng.integers(0, 2, degree - 1).tolist(), rng.integers(0, 2, degree), n).astype(np.int64)
    else:
        terms = np.array(lfsr_terms(random.Random(q), q, n, degree), dtype=np.int64)
    _, connection, profile = massey(terms, q)
    divided_connection, divided_profile = recursive(terms, q)
    assert divided_connection.tolist() == connection.tolist()
    assert (divided_profile == profile).all()


def test_auto_switches_to_divide_and_conquer_over_gf256(monkeypatch):
    from sage_lfsr.theory import recursive_massey

    calls = counting_calls(monkeypatch, recursive_massey, "recursive_massey")
    terms = np.random.default_rng(9).integers(0, 256, 20_000)
    field, connection, profile = massey(terms, 256)
    assert calls == [256]
    assert len(connection) - 1 == profile[-1] == 10_000 and connection_generates(connection, terms, 256)
    assert linear_complexity(terms, q=256) == 10_000 and calls == [256, 256]


def test_auto_switches_to_the_library_on_a_long_random_sequence():
    terms = np.random.default_rng(7).integers(0, 2, 200_000)
    started = time.perf_counter()
    auto = berlekamp_massey(terms)
    elapsed = time.perf_counter() - started
    library = berlekamp_massey(terms, method="library")
    assert auto == library and auto.degree in range(99_990, 100_011)
    assert elapsed < 2.0, f"{elapsed:.2f} s: the O(n L) kernel ran to the end"


def test_sizes_are_refused_before_work():
    from sage_lfsr.common.limits import TooLarge

    started = time.perf_counter()
    with pytest.raises(TooLarge, match="too many for Massey's algorithm over GF\\(4\\)"):
        linear_complexity(np.ones(300_000, dtype=np.int64), q=4, method="compiled")
    with pytest.raises(TooLarge, match="too many for PARI's half-gcd over GF\\(9\\)"):
        linear_complexity(np.ones(10 ** 6 + 1, dtype=np.int64), q=9)
    with pytest.raises(TooLarge, match="too many for Massey's algorithm over GF\\(4\\): about 20 s"):
        linear_complexity(np.ones(10 ** 6 + 1, dtype=np.int64), q=4)
    with pytest.raises(TooLarge, match="sequence functions take at most"):
        linear_complexity(np.ones(10 ** 7 + 1, dtype=np.uint8))
    with pytest.raises(TooLarge, match="FLINT's Berlekamp-Massey over GF\\(3\\)"):
        linear_complexity(np.ones(2 * 10 ** 6 + 1, dtype=np.int64), q=3)
    with pytest.raises(ValueError, match="method is one of"):
        linear_complexity("0101", method="fast")
    assert time.perf_counter() - started < 1.0


def test_ctrl_c_stops_a_long_compiled_run_within_a_second():
    import signal
    import subprocess
    import sys

    script = ("import numpy as np, sys\n"
              "from sage_lfsr.theory.sequences import linear_complexity\n"
              "linear_complexity(np.ones(50, dtype=np.int64), q=4)\n"
              "print('ready', flush=True)\n"
              "try:\n"
              "    linear_complexity(np.random.default_rng(1).integers(0, 4, 200_000), q=4, method='compiled')\n"
              "except KeyboardInterrupt:\n"
              "    print('interrupted', flush=True); sys.exit(130)\n")
    process = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert process.stdout.readline().strip() == "ready"
        time.sleep(1.5)
        process.send_signal(signal.SIGINT)
        sent = time.perf_counter()
        answer = process.stdout.readline().strip()
        reacted = time.perf_counter() - sent  # the interpreter's exit (Sage's teardown) is not counted
        out, err = process.communicate(timeout=30)
    finally:
        process.kill()
    assert answer == "interrupted" and process.returncode == 130, err[-2000:]
    assert reacted < 1.0, f"{reacted:.2f} s"
