"""
Run counts, autocorrelation and Golomb's postulates against theory (every m-sequence
satisfies them, with the run distribution and two-valued autocorrelation known in closed
form) and against direct brute-force counts; the figures draw the data they are given.
"""
import itertools
import random

import pytest

from sage_lfsr.registers.lfsr import LFSR
from sage_lfsr.plot import autocorrelation_figure, linear_complexity_figure, run_counts_figure
from sage_lfsr.theory.sequences import linear_complexity_profile
from sage_lfsr.theory.statistics import golomb_postulates, periodic_autocorrelation, run_counts
from sage_lfsr.theory.prediction import random_primitive_polynomial


def m_sequence(degree, seed=0):
    register = LFSR.from_polynomial(random_primitive_polynomial(2, degree, seed=seed))
    return [int(b) for b in register.sequence([1] + [0] * (degree - 1), 2 ** degree - 1)]


def brute_runs(bits, cyclic):
    if cyclic and len(set(bits)) > 1:
        start = next(i for i in range(len(bits)) if bits[i] != bits[i - 1])  # a run starts here
        bits = bits[start:] + bits[:start]
    counts = {"ones": {}, "zeros": {}}
    for bit, group in itertools.groupby(bits):
        key, length = ("ones" if bit else "zeros"), len(list(group))
        counts[key][length] = counts[key].get(length, 0) + 1
    return {key: dict(sorted(value.items())) for key, value in counts.items()}


@pytest.mark.parametrize("degree", range(3, 11))
def test_m_sequences_satisfy_the_postulates_with_the_known_counts(degree):
    bits = m_sequence(degree, seed=degree)
    report = golomb_postulates(bits)
    assert tuple(report) == (True, True, True)
    assert (report.ones, report.zeros, report.off_peak) == (2 ** (degree - 1), 2 ** (degree - 1) - 1, {-1})
    expected = {"ones": {k: 2 ** (degree - k - 2) for k in range(1, degree - 1)},
                "zeros": {k: 2 ** (degree - k - 2) for k in range(1, degree - 1)}}
    expected["ones"][degree] = 1
    expected["zeros"][degree - 1] = 1
    assert run_counts(bits) == expected


def test_autocorrelation_and_runs_against_brute_force():
    rng = random.Random(11)
    for n in (1, 2, 5, 17, 64, 101):
        bits = [rng.randrange(2) for _ in range(n)]
        direct = [sum((-1) ** (bits[i] ^ bits[(i + t) % n]) for i in range(n)) for t in range(n)]
        assert periodic_autocorrelation(bits).tolist() == direct
        for cyclic in (True, False):
            assert run_counts(bits, cyclic=cyclic) == brute_runs(bits, cyclic)
    assert run_counts("1111") == {"ones": {4: 1}, "zeros": {}}


def test_sequences_that_are_not_m_sequences_fail():
    period = [int(b) for b in LFSR.from_polynomial("x^4 + x^3 + x^2 + x + 1").sequence([1, 0, 0, 0], 5)]
    assert not golomb_postulates(period * 3).autocorrelation or not golomb_postulates(period * 3).balance
    assert tuple(golomb_postulates("0011001100110011")) == (True, False, False)
    with pytest.raises(ValueError, match="at least one term"):
        golomb_postulates("")


def test_figures_draw_their_data():
    bits = m_sequence(5)
    profile = linear_complexity_profile(bits * 2)
    figure = linear_complexity_figure({"m-sequence": profile}, degree=5)
    line = figure.axes[0].get_lines()[0]
    assert list(line.get_ydata()) == profile
    stems = autocorrelation_figure(periodic_autocorrelation(bits))
    assert stems.axes[0].get_ylabel() == "C(t)"
    runs = run_counts(bits)
    bars = run_counts_figure(runs).axes[0].patches
    assert sorted(round(bar.get_height()) for bar in bars) == sorted(
        runs[key].get(length, 0) for key in ("ones", "zeros") for length in range(1, 6))
