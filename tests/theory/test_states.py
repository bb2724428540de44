"""
Per-state answers (cycle length, tail depth, jump, short-cycle states) against a
brute-force walk of every state of small registers, singular ones included. The
walk uses only ``next_state`` (Sage's ``vector * matrix``), never the theory.
"""
import random
import time
from collections import Counter

import pytest

from sage_lfsr.registers.lfsr import LFSR
from sage_lfsr.theory.states import minimal_polynomial_of_state, state_hex, state_vector

REGISTERS = [
    ("x^4+x^3+x^2", 2), ("x^6+x^5+x^3", 2), ("(x^2+x+1)^2*(x+1)", 2), ("x^6+1", 2), ("x^7+x+1", 2),
    ("x^3*(x^3+x+1)", 2), ("x^8+x^4+x^3+x^2", 2), ("(x+1)^2*x", 3), ("x^4+x^2+2", 3), ("x^2*(x^2+1)", 3),
    ("x^3+z*x+1", 4), ("x^2*(x+z)", 4), ("x^3+x+2", 5),
]


def walk(register):
    r"""``{index: (cycle length, tail depth)}`` for every state, by stepping."""
    successor = [register.state_index(register.next_state(i)) for i in range(register.state_count)]
    answers = {}
    for start in range(register.state_count):
        seen, node, step = {}, start, 0
        while node not in seen:
            seen[node] = step
            node, step = successor[node], step + 1
        answers[start] = (step - seen[node], seen[node])  # the cycle is entered at step seen[node]
    return successor, answers


@pytest.mark.parametrize("polynomial, q", REGISTERS)
def test_cycle_length_and_tail_depth_of_every_state(polynomial, q):
    register = LFSR.from_polynomial(polynomial, q=q)
    _, answers = walk(register)
    for index, (length, depth) in answers.items():
        assert (register.cycle_length(index), register.tail_depth(index)) == (length, depth), index
    # the coordinate-wise path (used for other state-update matrices) on a sample
    for index in random.Random(1).sample(range(register.state_count), min(12, register.state_count)):
        assert minimal_polynomial_of_state(register, index, fibonacci=False) == \
            minimal_polynomial_of_state(register, index)


@pytest.mark.parametrize("polynomial, q", REGISTERS)
def test_jump_against_repeated_steps(polynomial, q):
    register = LFSR.from_polynomial(polynomial, q=q)
    successor, _ = walk(register)
    rng = random.Random(7)
    for _ in range(6):
        start, steps = rng.randrange(register.state_count), rng.randrange(0, 3 * register.state_count)
        node = start
        for _ in range(steps):
            node = successor[node]
        assert register.state_index(register.jump(start, steps)) == node


@pytest.mark.parametrize("polynomial, q", REGISTERS)
def test_short_cycle_states_against_enumeration(polynomial, q):
    register = LFSR.from_polynomial(polynomial, q=q)
    _, answers = walk(register)
    on_cycles = Counter(length for length, depth in answers.values() if depth == 0)
    for max_length in (1, 2, 3, 4, 6, 7, 15, 10 ** 6):
        found = register.short_cycle_states(max_length)
        expected = sorted(i for i, (length, depth) in answers.items() if depth == 0 and length <= max_length)
        assert found.states == tuple(expected)
        assert found.count == len(expected)
        assert found.cycle_counts == {k: v // k for k, v in sorted(on_cycles.items()) if k <= max_length}
    assert register.short_cycle_states(10 ** 6, list_limit=0).states is None


def test_degree_127_answers_well_under_a_second():
    register = LFSR.from_polynomial("x^127 + x + 1")
    register.cycle_length(3)  # compile Berlekamp-Massey and warm the caches
    reducible = LFSR.from_polynomial("(x^2 + x + 1) * (x^125 + x^7 + x^6 + x^5 + x^4 + x^3 + x^2 + x + 1)")
    started = time.perf_counter()
    assert register.cycle_length("0x7" + "f" * 30 + "e") == 2 ** 127 - 1
    elapsed = time.perf_counter() - started
    assert elapsed < 0.5, f"{elapsed:.2f} s"
    # a state on the x^2 + x + 1 component: its output is periodic with period 3
    small = reducible.state_vector([1, 1, 0] * 42 + [1])
    assert reducible.cycle_length(small) == 3 and reducible.jump(small, 3) == small
    v = register.state_vector(12345)
    assert register.jump(v, 2 ** 127 - 1) == v
    assert register.jump(register.jump(v, 10 ** 30), 10 ** 30) == register.jump(v, 2 * 10 ** 30)


def test_state_arguments():
    register = LFSR([1, 1, 0, 0, 0, 0, 0, 0])
    vector = register.state_vector((1, 0, 1, 0, 0, 0, 0, 1))
    assert state_vector(register, "0x85") == state_vector(register, 0x85) == vector
    assert state_vector(register, "85") == state_vector(register, "0X8_5") == vector
    assert state_hex(register, vector) == "0x85"
    with pytest.raises(ValueError, match="more than the register's 8 bits"):
        register.cycle_length("0x185")
    with pytest.raises(ValueError, match="outside"):
        register.cycle_length(256)
    with pytest.raises(ValueError, match="8 entries"):
        register.tail_depth((1, 0))
    with pytest.raises(ValueError, match="nonnegative"):
        register.jump(1, -3)
    with pytest.raises(ValueError, match="positive integer"):
        register.short_cycle_states(0)


AFFINE_AND_GALOIS = [("x^4+x^3+x^2", 2, 1, "fibonacci"), ("x^5+x^2+1", 2, 1, "fibonacci"), ("(x+1)^3", 2, 1, "fibonacci"),
                     ("(x^2+x+1)^2", 2, 1, "galois"), ("x^4+x^3+x^2", 2, 0, "galois"), ("x^3+x^2", 3, 2, "fibonacci"),
                     ("x^2*(x+z)", 4, 3, "galois")]


def other_register(polynomial, q, constant, form):
    try:
        return LFSR.from_polynomial(polynomial, q=q, constant=constant, form=form)
    except TypeError:
        pytest.skip("this LFSR has no affine or Galois registers")


@pytest.mark.parametrize("polynomial, q, constant, form", AFFINE_AND_GALOIS)
def test_affine_and_galois_registers_against_the_walk(polynomial, q, constant, form):
    register = other_register(polynomial, q, constant, form)
    successors, answers = walk(register)
    for index, (length, depth) in answers.items():
        assert (register.cycle_length(index), register.tail_depth(index)) == (length, depth), index
    rng = random.Random(3)
    for _ in range(6):
        start, steps = rng.randrange(register.state_count), rng.randrange(3 * register.state_count)
        node = start
        for _ in range(steps):
            node = successors[node]
        assert register.state_index(register.jump(start, steps)) == node
    on_cycles = Counter(length for length, depth in answers.values() if depth == 0)
    for max_length in (1, 2, 3, 4, 6, 7, 10 ** 6):
        found = register.short_cycle_states(max_length)
        expected = tuple(sorted(i for i, (length, depth) in answers.items() if depth == 0 and length <= max_length))
        assert found.states == expected
        assert found.cycle_counts == {k: v // k for k, v in sorted(on_cycles.items()) if k <= max_length}


@pytest.mark.parametrize("q, degree", [(2, 6), (2, 7), (3, 4), (4, 3), (5, 3)])
def test_short_cycle_states_of_random_affine_registers(q, degree):
    rng = random.Random(q * 100 + degree)
    for _ in range(4):
        coefficients = [rng.randrange(q) for _ in range(degree)]
        register = LFSR(coefficients, q=q, constant=rng.randrange(1, q), form=rng.choice(["fibonacci", "galois"]))
        _, answers = walk(register)
        for max_length in (1, 2, 3, 5, 12):
            expected = tuple(sorted(i for i, (length, depth) in answers.items() if depth == 0 and length <= max_length))
            assert register.short_cycle_states(max_length).states == expected, (coefficients, max_length)
