"""
The complexities beyond Berlekamp-Massey against their definitions:

- maximum order complexity: the least k with equal windows of k terms followed by equal terms,
  checked for every k on every binary sequence of length <= 14 (through the profiles of the
  sequences of length 14, whose prefixes are all the shorter ones) and random GF(3) ones;
- shortest_fsr: the register regenerates the sequence, has that order, and no feedback of lower
  degree takes the windows to their successors (every polynomial of lower degree tried);
- periodic and k-error linear complexity: Berlekamp-Massey on two periods of each changed period,
  over every error pattern;
- NIST SP 800-22 2.10: the document's worked example (the first 10^6 bits of e, M = 1000,
  P-value 0.845406) and its step values.
"""
import itertools
import os
import signal
import threading
import time

import numpy as np
import pytest

from sage_lfsr.common.limits import TooLarge
from sage_lfsr.common.sagemath import element_to_int
from sage_lfsr.registers.fsr import FSR
from sage_lfsr.sequences import (games_chan, k_error_linear_complexity, k_error_linear_complexity_profile,
                                 linear_complexity, maximum_order_complexity, maximum_order_complexity_profile,
                                 periodic_linear_complexity, shortest_fsr, sp800_22_linear_complexity_test)


# ---------------------------------------------------------------- oracles

def order_by_definition(terms, start=0):
    """The least k >= start such that equal windows of k terms are followed by equal terms."""
    n = len(terms)
    for k in range(start, n + 1):
        following = {}
        if all(following.setdefault(tuple(terms[i:i + k]), terms[i + k]) == terms[i + k] for i in range(n - k)):
            return k
    raise AssertionError("k = n always serves")


def periodic_by_massey(period, q=2):
    return linear_complexity(list(period) * 2, q=q)


def k_error_by_patterns(period, k, q=2):
    n, best = len(period), None
    for weight in range(min(k, n) + 1):
        for positions in itertools.combinations(range(n), weight):
            for values in itertools.product(range(1, q), repeat=weight):
                changed = list(period)
                for position, value in zip(positions, values):
                    changed[position] = (changed[position] + value) % q  # q prime here
                complexity = periodic_by_massey(changed, q)
                best = complexity if best is None else min(best, complexity)
    return best


# ---------------------------------------------------------------- maximum order complexity

def test_maximum_order_complexity_is_its_definition_on_every_binary_sequence_to_length_14():
    by_prefix = {(): 0}
    for length in range(1, 15):  # the definition for every binary word, each from its prefix's (it only grows)
        for word in itertools.product((0, 1), repeat=length):
            by_prefix[word] = order_by_definition(word, by_prefix[word[:-1]])
    for word in itertools.product((0, 1), repeat=14):
        profile = maximum_order_complexity_profile(np.array(word, dtype=np.uint8))
        assert profile == [by_prefix[word[:m + 1]] for m in range(14)], word


def test_maximum_order_complexity_over_gf3_and_larger_alphabets():
    rng = np.random.default_rng(30)
    for trial in range(150):
        q = (3, 4, 5)[trial % 3]
        n = int(rng.integers(1, 40))
        terms = rng.integers(0, q, n).tolist() if trial % 2 else (rng.integers(0, q, 4).tolist() * 10)[:n]
        assert maximum_order_complexity_profile(terms, q=q) == [order_by_definition(terms[:m + 1]) for m in range(n)]
    big = np.random.default_rng(1).integers(0, 2, 3000)
    assert maximum_order_complexity(big) == order_by_definition(big.tolist())


# ---------------------------------------------------------------- shortest_fsr

def regenerated(register, terms):
    fill = terms[:register.degree]
    return [element_to_int(x) for x in register.sequence(fill, len(terms))] if len(terms) >= register.degree else terms


def test_shortest_fsr_regenerates_every_binary_sequence_to_length_7_at_the_least_order():
    rng = np.random.default_rng(30)
    words = [w for length in range(1, 8) for w in itertools.product((0, 1), repeat=length)]
    words += [tuple(rng.integers(0, 2, int(rng.integers(8, 30))).tolist()) for _ in range(60)]
    for word in words:
        terms = list(word)
        register = shortest_fsr(terms)
        order = order_by_definition(terms)
        assert register.degree == max(order, 1) and regenerated(register, terms) == terms, terms


def test_shortest_fsr_over_gf3_gf4_and_gf5():
    rng = np.random.default_rng(31)
    for trial in range(30):
        q = (3, 4, 5)[trial % 3]
        n = int(rng.integers(1, 25))
        terms = rng.integers(0, q, n).tolist()
        register = shortest_fsr(terms, q=q)
        assert register.field_order == q and register.degree == max(order_by_definition(terms), 1)
        assert regenerated(register, terms) == terms, (terms, q, register)


def test_the_feedback_has_the_lowest_degree_the_windows_allow():
    rng = np.random.default_rng(32)
    checked = 0
    while checked < 25:
        terms = rng.integers(0, 2, int(rng.integers(6, 16))).tolist()
        register = shortest_fsr(terms)
        k = register.degree
        if k > 3 or not register.terms():  # (the zero feedback has no lower degree)
            continue
        degree = max((len(monomial) for monomial, _ in register.terms()), default=0)
        windows = {tuple(terms[i:i + k]): terms[i + k] for i in range(len(terms) - k)}
        lower = [m for d in range(degree) for m in itertools.combinations(range(k), d)]
        for chosen in itertools.product((0, 1), repeat=len(lower)):  # every feedback of lower degree fails
            def value(window):
                return sum(c * all(window[v] for v in m) for c, m in zip(chosen, lower)) % 2
            assert any(value(w) != s for w, s in windows.items()), (terms, register, chosen)
        checked += 1


def test_a_maximum_period_nlfsr_of_degree_20_is_recovered():
    secret = FSR("x0 + x6 + x7 + x12 + x14 + x4*x6", 20)  # published (github.com/amundas/NLFSR), period 2^20 - 1
    terms = [element_to_int(x) for x in secret.sequence([1] + [0] * 19, 4000)]
    assert maximum_order_complexity(terms) == 20 and shortest_fsr(terms) == secret


def test_shortest_fsr_past_its_budget():
    from sage_lfsr.theory import order_complexity

    terms = np.random.default_rng(3).integers(0, 2, 100).tolist()
    register = shortest_fsr(terms)
    original = order_complexity.MAX_FEEDBACK_MONOMIALS
    try:
        order_complexity.MAX_FEEDBACK_MONOMIALS = 2  # the truth table zero off the windows instead
        fallback = shortest_fsr(terms)
    finally:
        order_complexity.MAX_FEEDBACK_MONOMIALS = original
    assert fallback.degree == register.degree and regenerated(fallback, terms) == terms


# ---------------------------------------------------------------- periodic and k-error

def test_games_chan_is_massey_on_two_periods():
    for length in (1, 2, 4, 8):
        for word in itertools.product((0, 1), repeat=length):
            assert games_chan(list(word)) == periodic_by_massey(word), word
    rng = np.random.default_rng(33)
    for n in (1024, 4096):
        period = rng.integers(0, 2, n)
        period[n // 2:] = period[:n // 2] ^ (rng.random(n // 2) < 0.01)  # near a repeat: lower complexity
        assert games_chan(period) == periodic_by_massey(period.tolist())


def test_periodic_linear_complexity_any_period_and_field():
    rng = np.random.default_rng(34)
    for trial in range(60):
        q = (2, 3, 4, 5)[trial % 4]
        n = int(rng.integers(1, 200))
        period = rng.integers(0, q, n)
        if trial % 3 == 0:
            period = np.tile(period[:max(1, n // 5)], 5)
        assert periodic_linear_complexity(period, q=q) == periodic_by_massey(period.tolist(), q), (q, n)


def test_k_error_by_every_error_pattern():
    for length in (1, 2, 4):
        for word in itertools.product((0, 1), repeat=length):
            profile = k_error_linear_complexity_profile(list(word))
            assert profile == [k_error_by_patterns(word, k) for k in range(len(profile))], word
            assert profile[-1] == 0 and len(profile) == sum(word) + 1
    rng = np.random.default_rng(35)
    for period in [rng.integers(0, 2, 8).tolist() for _ in range(4)] + [rng.integers(0, 2, 16).tolist()]:
        top = 3 if len(period) == 8 else 2
        expected = [k_error_by_patterns(period, k) for k in range(top + 1)]
        assert k_error_linear_complexity_profile(period, max_k=top) == expected, period
        assert [k_error_linear_complexity(period, k) for k in range(top + 1)] == expected


def test_a_k_past_the_period_length_counts_as_the_whole_period():
    for period, q in (([1, 0, 1, 1, 0, 1, 0, 0], 2), ([2, 1, 0, 1], 3)):
        whole = k_error_by_patterns(period, len(period), q)
        assert k_error_linear_complexity(period, 10**22, q=q) == whole == 0  # was a numpy allocation error
        assert k_error_linear_complexity_profile(period, q=q, max_k=10**22)[-1] == whole


def test_k_error_off_period_2n_searches_every_pattern():
    from sage_lfsr.theory.periodic import _exhaustive_profile

    period = [1, 0, 1, 1, 0, 0, 0, 1]  # the exhaustive path agrees with Stamp-Martin where both apply
    assert _exhaustive_profile(np.array(period), 2, 4) == k_error_linear_complexity_profile(period, max_k=4)
    rng = np.random.default_rng(36)
    for q, n in ((2, 6), (3, 5), (2, 12)):
        period = rng.integers(0, q, n).tolist()
        assert [k_error_linear_complexity(period, k, q=q) for k in range(3)] == \
            [k_error_by_patterns(period, k, q) for k in range(3)]


# ---------------------------------------------------------------- NIST SP 800-22 2.10

def test_nist_step_values_of_the_document():
    from sage_lfsr.theory.nist import block_mean, block_statistic, chi_square_p_value

    assert linear_complexity("1101011110001") == 4  # 2.10.4 (2): the block of the example
    assert round(block_mean(13), 6) == 6.777222 and round(block_statistic(4, 13), 6) == 2.999444
    chi_square, p_value = chi_square_p_value((11, 31, 116, 501, 258, 57, 26))  # 2.10.8
    assert round(chi_square, 6) == 2.700348 and round(p_value, 6) == 0.845406


def test_nist_worked_example_on_the_bits_of_e():
    from sage_lfsr.common import sagemath
    from sage_lfsr.theory.nist import binary_expansion_of_e

    bits = binary_expansion_of_e(10 ** 6)
    exact = sagemath.Integer(bits[:200].astype(np.uint8).tobytes().translate(bytes.maketrans(b"\0\1", b"01")), 2)
    from sage.rings.real_mpfr import RealField  # Sage's own e, an independent oracle for the first bits

    assert exact == (RealField(300)(1).exp() * 2 ** 198).floor()
    result = sp800_22_linear_complexity_test(bits, 1000)
    assert result.blocks == 1000 and result.counts == (11, 31, 116, 501, 258, 57, 26)
    assert round(result.chi_square, 6) == 2.700348 and round(result.p_value, 6) == 0.845406 and result.passed


def test_nist_rejects_an_lfsr():
    bits = np.array([int(b) for b in "01" * 25_000], dtype=np.uint8)
    assert not sp800_22_linear_complexity_test(bits, 500).passed


# ---------------------------------------------------------------- bad input

@pytest.mark.parametrize("call, error, message", [
    (lambda: maximum_order_complexity([0, 2]), ValueError, "outside GF\\(2\\)"),
    (lambda: shortest_fsr([]), ValueError, "at least one term"),
    (lambda: shortest_fsr([0, 3], q=3), ValueError, "outside GF\\(3\\)"),
    (lambda: periodic_linear_complexity([]), ValueError, "at least one term"),
    (lambda: games_chan("011"), ValueError, "length 2\\^n"),
    (lambda: k_error_linear_complexity("0110", -1), ValueError, "at least 0"),
    (lambda: k_error_linear_complexity("0110", 1.5), TypeError, "must be an integer"),
    (lambda: k_error_linear_complexity_profile([1, 0, 1]), ValueError, "needs max_k"),
    (lambda: k_error_linear_complexity([0] * 100, 10), TooLarge, "error patterns"),
    (lambda: sp800_22_linear_complexity_test("0101", 500), ValueError, "at least one block"),
    (lambda: sp800_22_linear_complexity_test("0101", 0), ValueError, "at least 2"),
    (lambda: sp800_22_linear_complexity_test([0, 1, 2] * 400, 500), ValueError, "outside GF\\(2\\)"),
])
def test_bad_input_gets_one_clear_error(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_too_long_is_refused_before_work():
    from sage_lfsr.theory.order_complexity import MAX_ORDER_COMPLEXITY_TERMS, MAX_SHORTEST_FSR_TERMS

    started = time.perf_counter()
    with pytest.raises(TooLarge, match="the limit is 4000000"):
        maximum_order_complexity(np.zeros(MAX_ORDER_COMPLEXITY_TERMS + 1, dtype=np.uint8))
    with pytest.raises(TooLarge, match="the limit is 1000000"):
        shortest_fsr(np.zeros(MAX_SHORTEST_FSR_TERMS + 1, dtype=np.uint8))
    with pytest.raises(TooLarge, match="FLINT's gcd"):
        periodic_linear_complexity(np.ones(2 * 10 ** 6 + 1, dtype=np.int64), q=3)
    with pytest.raises(TooLarge):
        games_chan(itertools.cycle([0, 1]))
    assert time.perf_counter() - started < 3.0


# ---------------------------------------------------------------- issue 31, item 7

def test_iterators_are_read_only_up_to_the_limit_and_huge_terms_refused():
    started = time.perf_counter()
    with pytest.raises(TooLarge, match="an iterator is read no further"):
        linear_complexity(itertools.cycle([0, 1]))
    assert time.perf_counter() - started < 5.0
    with pytest.raises(ValueError, match="outside GF\\(2\\)"):
        linear_complexity([0, 2 ** 70])
    with pytest.raises(TypeError, match="a list of terms or a bit string, not bytes"):
        linear_complexity(b"\x01\x00")


def test_pari_takes_what_its_stack_holds():
    from sage_lfsr.theory.sequences import MAX_PARI_TERMS

    with pytest.raises(TooLarge, match=f"the limit is {MAX_PARI_TERMS}"):
        linear_complexity(np.ones(MAX_PARI_TERMS + 1, dtype=np.int64), q=27)


def test_a_field_past_int64():
    from sage_lfsr.theory.sequences import berlekamp_massey

    q = 2 ** 255 - 19
    terms = [1, 2 ** 200, 5, 7, 2 ** 254]
    register = berlekamp_massey(terms, q=q)
    assert register.sequence(terms[:register.degree], len(terms)) == terms
    assert linear_complexity(terms, q=q) == register.degree and maximum_order_complexity(terms, q=q) == 1


def children_of_this_process():
    children = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as stat:
                    if int(stat.read().rsplit(")", 1)[1].split()[1]) == os.getpid():
                        children.append(int(entry))
            except (OSError, IndexError, ValueError):
                pass
    return children


@pytest.mark.parametrize("q, n", [(2, 4 * 10 ** 6), (3, 10 ** 6)])
def test_ctrl_c_stops_a_library_call_within_a_second(q, n, monkeypatch):
    from sage_lfsr.theory import library_calls

    monkeypatch.setattr(library_calls, "CHILD_ABOVE_SECONDS", 0.0)
    terms = np.random.default_rng(37).integers(0, q, n)
    before = set(children_of_this_process())
    fired = []

    def interrupt():
        time.sleep(0.8)
        fired.append(time.perf_counter())
        os.kill(os.getpid(), signal.SIGINT)

    threading.Thread(target=interrupt, daemon=True).start()
    with pytest.raises(KeyboardInterrupt):
        linear_complexity(terms, q=q, method="library")
        time.sleep(2)  # finished before the signal: the interrupt lands here and the check below fails
    assert fired and time.perf_counter() - fired[0] < 1.0
    assert set(children_of_this_process()) <= before  # the child was killed and reaped


def test_the_command_reads_only_regular_files_or_standard_input(tmp_path, capsys):
    from sage_lfsr.cli import main

    fifo = tmp_path / "bits.fifo"
    os.mkfifo(fifo)  # no writer: reading it would block for ever
    for path, kind in ((fifo, "a FIFO"), ("/dev/zero", "a character device"), (tmp_path, "a directory")):
        assert main(["complexity", str(path)]) == 2
        err = capsys.readouterr().err.splitlines()
        assert len(err) == 1 and f"it is {kind}, not a regular file" in err[0], err
    bits = tmp_path / "bits.txt"
    bits.write_text("1011 0001\n")
    assert main(["complexity", str(bits), "--measure", "k-error", "--k", "9" * 30]) == 0
    assert capsys.readouterr().out.endswith("-error linear complexity: 0 (period of 8 bits)\n")
