"""
Nonlinear feedback shift registers (FSR): every schedule and both kernels
against an independent brute-force walk written here in plain Python, Golomb's
cycle counts for the pure and complemented cycling registers, FSR(linear
feedback) = LFSR state for state, a de Bruijn register, and bad input.
"""
import math
import random

import numpy as np
import pytest

from sage_lfsr import FSR, LFSR, map_cycles
from sage_lfsr.engine.kernels import fast

pytestmark = pytest.mark.timeout(300)

SCHEDULES = ["sequential", "static", "queue", "steal", "hybrid"]


# --- the oracle: plain Python, prime fields ------------------------------------------------

def feedback_value(terms, digits, q):
    total = 0
    for coefficient, factors in terms:
        term = coefficient
        for variable, exponent in factors:
            term = term * digits[variable] ** exponent % q
        total = (total + term) % q
    return total


def successor_list(terms, degree, q):
    successors = []
    for index in range(q ** degree):
        digits = [index // q ** i % q for i in range(degree)]
        successors.append(index // q + q ** (degree - 1) * feedback_value(terms, digits, q))
    return successors


def brute_force_map(successors):
    r"""Cycles as sorted ``(smallest state, length)`` and ``{distance to the cycle: states}``."""
    on_cycle, cycles = {}, []
    for start in range(len(successors)):
        path, position, state = [], {}, start
        while state not in position and state not in on_cycle:
            position[state] = len(path)
            path.append(state)
            state = successors[state]
        if state in position:  # a new cycle closes on this path
            cycle = path[position[state]:]
            for member in cycle:
                on_cycle[member] = True
            cycles.append((min(cycle), len(cycle)))
    depth = {state: 0 for state in on_cycle}
    for start in range(len(successors)):
        path, state = [], start
        while state not in depth:
            path.append(state)
            state = successors[state]
        for offset, member in enumerate(reversed(path)):
            depth[member] = depth[state] + offset + 1
    tails = {}
    for value in depth.values():
        tails[value] = tails.get(value, 0) + 1
    return sorted(cycles), tails


def anf_text(terms):
    parts = []
    for coefficient, factors in terms:
        monomial = "*".join(f"x{v}" if e == 1 else f"x{v}^{e}" for v, e in factors)
        parts.append(monomial if monomial and coefficient == 1 else
                     (str(coefficient) if not monomial else f"{coefficient}*{monomial}"))
    return " + ".join(parts) if parts else "0"


def random_terms(rng, q, degree, monomials, invertible):
    r"""Random feedback terms; invertible: ``c x0 + g(x1..)``; otherwise x0 in a product (or absent)."""
    terms = [(rng.randrange(1, q), ((0, 1),))] if invertible else []
    if not invertible:
        terms.append((rng.randrange(1, q), ((0, rng.randrange(1, q)), (rng.randrange(1, degree), 1))))
    for _ in range(monomials):
        variables = sorted(rng.sample(range(1, degree), rng.randrange(1, min(4, degree))))
        terms.append((rng.randrange(1, q), tuple((v, rng.randrange(1, q)) for v in variables)))
    if rng.random() < 0.5:
        terms.append((rng.randrange(1, q), ()))
    return terms


def make_cases():
    rng = random.Random(20261127)
    cases = {}
    for label, q, degree, invertible in (("gf2-invertible", 2, 8, True), ("gf2-singular", 2, 8, False),
                                         ("gf3-invertible", 3, 5, True), ("gf3-singular", 3, 5, False)):
        terms = random_terms(rng, q, degree, 4, invertible)
        cases[label] = (FSR(anf_text(terms), degree, q=q), successor_list(terms, degree, q))
    table = [rng.randrange(2) for _ in range(2 ** 8)]  # dense: mapped through the table step
    cases["gf2-truth-table"] = (FSR(table, 8), [i // 2 + 128 * table[i] for i in range(256)])
    return cases


CASES = make_cases()


@pytest.fixture(scope="module")
def oracles():
    return {label: brute_force_map(successors) for label, (_, successors) in CASES.items()}


def assert_matches(result, oracle):
    cycles, tails = oracle
    assert list(result.cycles) == cycles
    assert result.tail_depths == tails
    assert result.is_complete()


# --- the engine against the oracle ---------------------------------------------------------

def test_cases_cover_both_kinds_and_every_step():
    from sage_lfsr.registers.fsr_tables import FeedbackTables

    assert {r.is_invertible for r, _ in CASES.values()} == {True, False}
    assert {FeedbackTables.from_fsr(r).step_kind for r, _ in CASES.values()} == {"binary_anf", "general_anf", "table"}


@pytest.mark.parametrize("label", sorted(CASES))
def test_successor_and_invertibility_match_the_oracle(label, oracles):
    register, successors = CASES[label]
    assert [register.successor(i) for i in range(register.state_count)] == successors
    assert register.is_invertible == (len(set(successors)) == len(successors))


@pytest.mark.parametrize("kernel", ["fast", "sage"])
@pytest.mark.parametrize("schedule", SCHEDULES)
@pytest.mark.parametrize("label", sorted(CASES))
def test_every_schedule_and_kernel_matches_the_brute_force_walk(label, schedule, kernel, oracles):
    register, _ = CASES[label]
    workers = 1 if schedule == "sequential" else 2
    result = map_cycles(register, schedule=schedule, workers=workers, batch_size=register.state_count // 5,
                        kernel=kernel)
    assert_matches(result, oracles[label])
    if schedule != "sequential" and register.is_invertible:
        assert result.choices["split"], "no prediction: long cycles are split whenever a task is shorter than q^d"
    assert "no prediction" in result.choices["structure"]


@pytest.mark.parametrize("kernel", ["fast", "sage"])
def test_tails_longer_than_a_byte(kernel):
    # x^10 + x^3 + 1 with the feedback of the all-ones state flipped: one tail of 1022 states.
    terms = [(1, ((0, 1),)), (1, ((3, 1),)), (1, tuple((i, 1) for i in range(10)))]
    register, oracle = FSR(anf_text(terms), 10), brute_force_map(successor_list(terms, 10, 2))
    assert max(oracle[1]) == 1022
    assert_matches(map_cycles(register, kernel=kernel), oracle)
    assert_matches(map_cycles(register, schedule="queue", workers=2, batch_size=200, kernel=kernel), oracle)


def test_checkpoint_resumes_a_nonlinear_run(tmp_path, oracles):
    register, _ = CASES["gf3-singular"]
    path = tmp_path / "fsr.checkpoint"
    first = map_cycles(register, schedule="queue", workers=2, batch_size=40, checkpoint=str(path))
    resumed = map_cycles(register, batch_size=40, checkpoint=str(path))
    assert_matches(first, oracles["gf3-singular"])
    assert_matches(resumed, oracles["gf3-singular"])
    assert resumed.choices["resumed_tasks"] == len([1 for lo in range(0, 243, 40)])
    from sage_lfsr.engine.checkpoint import CheckpointMismatch

    with pytest.raises(CheckpointMismatch, match="feedback terms"):
        map_cycles(CASES["gf3-invertible"][0], batch_size=40, checkpoint=str(path))


def test_dask_maps_a_nonlinear_register(oracles):
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                                  dashboard_address=":0", worker_dashboard_address=None) as cluster:
        # The sage kernel: a fast-kernel run would mostly time numba compiling in each Dask worker.
        for label, kernel in (("gf2-singular", "sage"), ("gf3-invertible", "sage")):
            register, _ = CASES[label]
            result = map_cycles(register, schedule="dask", workers=2, batch_size=64, kernel=kernel,
                                scheduler_address=cluster.scheduler_address)
            assert_matches(result, oracles[label])


def test_a_new_register_of_a_known_kind_costs_no_compilation():
    rng = random.Random(7)
    first = FSR(anf_text(random_terms(rng, 2, 9, 3, True)), 9)
    map_cycles(first)
    compiled = {function.py_func.__qualname__: len(function.signatures) for function in fast.all_traversals()}
    assert compiled["sweep_cycles__nonlinear_steps_binary_anf_step"] == 1
    for _ in range(5):
        map_cycles(FSR(anf_text(random_terms(rng, 2, 9, rng.randrange(1, 6), rng.random() < 0.7)), 9))
    assert {function.py_func.__qualname__: len(function.signatures) for function in fast.all_traversals()} == compiled


# --- textbook oracles ----------------------------------------------------------------------

def euler_phi(n):
    return sum(1 for k in range(1, n + 1) if math.gcd(k, n) == 1)


@pytest.mark.parametrize("degree", range(1, 10))
def test_golomb_pure_and_complemented_cycling_registers(degree):
    divisors = [e for e in range(1, degree + 1) if degree % e == 0]
    necklaces = sum(euler_phi(e) * 2 ** (degree // e) for e in divisors) // degree
    complemented = sum(euler_phi(e) * 2 ** (degree // e) for e in divisors if e % 2) // (2 * degree)
    assert map_cycles(FSR("x0", degree)).cycle_count == necklaces
    assert map_cycles(FSR("x0 + 1", degree), kernel="sage" if degree < 6 else "fast").cycle_count == complemented


def test_de_bruijn_register_of_order_4():
    # x4 = x0 + x1 (primitive x^4 + x + 1) with (x1+1)(x2+1)(x3+1) added: 0000 joins the m-sequence.
    register = FSR("x0 + x2 + x3 + x1*x2 + x1*x3 + x2*x3 + x1*x2*x3 + 1", 4)
    assert map_cycles(register).cycle_counts == {16: 1}
    bits = [int(b) for b in register.sequence([0, 0, 0, 0], 16 + 3)]
    assert len({tuple(bits[i:i + 4]) for i in range(16)}) == 16


@pytest.mark.parametrize("q, degree", [(2, 8), (3, 5), (4, 4), (9, 2)])
def test_a_linear_feedback_gives_the_lfsr_state_for_state(q, degree):
    rng = random.Random(q * 100 + degree)
    for _ in range(2):
        coefficients = [rng.randrange(q) for _ in range(degree)]
        lfsr = LFSR(coefficients, q=q)
        field = lfsr.field
        text = " + ".join(f"({field(lfsr.coefficients()[i])})*x{i}" if q > 3 else f"{c}*x{i}"
                          for i, c in enumerate(coefficients) if c) or "0"
        register = FSR(text, degree, q=q)
        assert register == FSR.from_lfsr(lfsr) and register.to_lfsr() == lfsr
        for index in range(q ** degree):
            assert register.next_state(index) == lfsr.next_state(index)
        assert map_cycles(register).structure() == map_cycles(lfsr).structure()


# --- the register object -------------------------------------------------------------------

def test_every_form_of_feedback_gives_the_same_register():
    from sage.rings.polynomial.polynomial_ring_constructor import PolynomialRing
    from sage.rings.finite_rings.finite_field_constructor import GF

    reference = FSR("x0 + x1 + x2 + x1*x2", 4)
    ring = PolynomialRing(GF(2), ["x0", "x1", "x2", "x3"])
    x0, x1, x2, _ = ring.gens()
    table = [(i & 1) ^ (i >> 1 & 1) ^ (i >> 2 & 1) ^ ((i >> 1) & (i >> 2) & 1) for i in range(16)]
    forms = ["0,1,2,(1,2)", "x0 + x1 + x2 + x1*x2 + 2*x3", "x0^3 + x1**2 + x2 + x1*x2^5",
             x0 + x1 + x2 + x1 * x2, reference.polynomial(), table, np.array(table),
             lambda state: state[0] + state[1] + state[2] + state[1] * state[2]]
    for form in forms:
        assert FSR(form, 4) == reference
    assert reference.anf_masks() == (1, 2, 4, 6)
    assert list(reference.truth_table()) == table
    assert FSR(reference.anf(), 4) == FSR.from_key(reference.key()) == reference
    assert len({reference, FSR(table, 4)}) == 1


def test_invertibility_over_gf3_is_decided_by_permutations_not_by_form():
    # x0^3 = x0 and 2*x0 permute GF(3); x0^2 does not; x0*x1 + x0 = x0 (x1 + 1) fails at x1 = 2.
    assert FSR("2*x0 + x1^2*x2", 3, q=3).is_invertible
    assert not FSR("x0^2 + x1", 3, q=3).is_invertible
    assert not FSR("x0*x1 + x0", 3, q=3).is_invertible
    assert FSR("x0 + x1*x2", 3, q=5).is_invertible
    assert FSR("x0^3 + x1", 2, q=5).is_invertible  # gcd(3, 4) = 1: a permutation of GF(5)


@pytest.mark.parametrize("feedback, degree, q, message", [
    ("x0 + x4", 4, 2, "uses x4, but a register of degree 4 has x0..x3"),
    ("0,1,(2,5)", 4, 2, "uses x5, but a register of degree 4"),
    ("y0 + x1", 4, 2, "unknown name 'y0'"),
    ("z*x0", 3, 2, "unknown name 'z'"),
    ("__import__('os').system('true')", 3, 2, "cannot read"),
    ("x0 + ", 3, 2, "cannot read"),
    ([0, 1, 0.5, 1], 2, 2, None),
    (3.5, 2, 2, None),
    ("0,1,,2", 3, 2, "cannot read the index list"),
    ("0,1,", 3, 2, "ends with a comma"),
    ([0, 1, 1], 2, 2, "has 4 values, not 3"),
    ([0, 1, 3, 1], 2, 2, "entry 2 = 3 is outside GF(2)"),
    ([0, 1, 2, 1, 0, 0, 0, 0, 0], 2, 3, None),
    (lambda state: 7, 2, 2, "value at state 0 = 7 is outside GF(2)"),
    ("x0", 0, 2, "degree must be between 1"),
    ("x0", 3, 6, "not a prime power"),
])
def test_bad_feedback_is_refused_before_any_work(feedback, degree, q, message):
    if message is None:
        if q == 3:
            FSR(feedback, degree, q=q)  # values 0..2 are fine over GF(3)
        else:
            with pytest.raises(TypeError, match="neither an element of GF.2. nor an integer|cannot read a feedback"):
                FSR(feedback, degree, q=q)
        return
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        FSR(feedback, degree, q=q)


def test_a_polynomial_over_another_field_is_refused():
    from sage.rings.polynomial.polynomial_ring_constructor import PolynomialRing
    from sage.rings.finite_rings.finite_field_constructor import GF
    from sage.rings.rational_field import QQ

    x0, x1 = PolynomialRing(GF(3), ["x0", "x1"]).gens()
    with pytest.raises(ValueError, match=r"the feedback is over GF\(3\), not GF\(2\)"):
        FSR(x0 + x1, 2, q=2)
    assert FSR(x0 + x1, 2).field_order == 3
    with pytest.raises(ValueError, match="uses x5"):
        FSR(PolynomialRing(GF(2), ["x0", "x5"]).gens()[1], 3)
    with pytest.raises(TypeError, match="not a finite field"):
        FSR(PolynomialRing(QQ, ["x0"]).gen(), 1)
    with pytest.raises(ValueError, match="modulus"):
        FSR(PolynomialRing(GF(8, "a", modulus=[1, 0, 1, 1]), ["x0"]).gen(), 1)


# --- command line and explorer -------------------------------------------------------------

def test_command_line_maps_an_anf_and_refuses_to_predict_it(tmp_path, capsys):
    import json

    from sage_lfsr.cli import main

    output = tmp_path / "map.json"
    assert main(["map", "--anf", "x0*x1 + x2 + 1", "--degree", "3", "--quiet", "--output", str(output)]) == 0
    document = json.loads(output.read_text())
    terms = [(1, ((0, 1), (1, 1))), (1, ((2, 1),)), (1, ())]
    cycles, tails = brute_force_map(successor_list(terms, 3, 2))
    assert document["register"] == {"q": 2, "degree": 3, "anf": "x2 + x0*x1 + 1", "invertible": False}
    assert {int(k): v for k, v in document["tail_depths"].items()} == tails
    assert sum(document["cycle_counts"].values()) == len(cycles)
    assert main(["predict", "--anf", "x0 + x1*x2", "--degree", "3"]) == 2
    assert "nonlinear registers have no prediction" in capsys.readouterr().err
    assert main(["map", "--anf", "x0 + x1*x2"]) == 2
    assert "--anf needs --degree" in capsys.readouterr().err


def test_explorer_maps_an_anf_and_says_there_is_no_prediction():
    from sage_lfsr.widgets import CycleExplorer

    explorer = CycleExplorer(source="nonlinear (ANF)", anf="x0*x1 + x2", degree=3, field_order=3, background=False)
    terms = [(1, ((0, 1), (1, 1))), (1, ((2, 1),))]
    cycles, tails = brute_force_map(successor_list(terms, 3, 3))
    assert list(explorer.enumerated.cycles) == cycles and explorer.enumerated.tail_depths == tails
    assert "no prediction" in explorer.summary.value and "no prediction" in explorer.table.value
    assert explorer.graph_view.figure is not None and explorer.anf.layout.display is None
    explorer.anf.value = "x0 + x5"
    explorer.wait()
    assert "uses x5, but a register of degree 3" in explorer.message.value
