"""
predict_cycles against worked values and against a brute-force oracle.

The oracle below walks every state of a small map with integer tables built
from the field's own element list, so it shares nothing with the theory beyond
the matrix itself.
"""
import itertools
import random
import time
from collections import Counter

import pytest

from sage_lfsr.common import sagemath
from sage_lfsr.theory import prediction as theory
from sage_lfsr.theory.structure import CycleStructure
from sage_lfsr.registers.lfsr import LFSR
from sage_lfsr.theory.prediction import (elementary_divisors, factored_characteristic_polynomial, is_primitive_polynomial,
                              polynomial_order, predict_cycles, random_primitive_polynomial)

#: The largest state space the oracle walks.
ORACLE_STATE_LIMIT = 2200
FIELD_ORDERS = (2, 3, 4, 5, 9)


def field_of(q):
    return sagemath.GF(q, "z") if q in (4, 8, 9, 25) else sagemath.GF(q)


# ---------------------------------------------------------------- the oracle

def functional_graph_structure(successors):
    r"""``(cycle_counts, tail_depths)`` of the map ``node -> successors[node]``."""
    unseen, on_path, finished = 0, 1, 2
    status = [unseen] * len(successors)
    on_cycle = [False] * len(successors)
    cycle_counts = Counter()
    for start in range(len(successors)):
        path, node = [], start
        while status[node] == unseen:
            status[node] = on_path
            path.append(node)
            node = successors[node]
        if status[node] == on_path:
            cycle = path[path.index(node):]
            cycle_counts[len(cycle)] += 1
            for member in cycle:
                on_cycle[member] = True
        for member in path:
            status[member] = finished

    predecessors = [[] for _ in successors]
    for node, successor in enumerate(successors):
        predecessors[successor].append(node)
    depth = [0 if cyclic else None for cyclic in on_cycle]
    frontier = [node for node, cyclic in enumerate(on_cycle) if cyclic]
    while frontier:
        next_frontier = []
        for node in frontier:
            for predecessor in predecessors[node]:
                if depth[predecessor] is None:
                    depth[predecessor] = depth[node] + 1
                    next_frontier.append(predecessor)
        frontier = next_frontier
    assert None not in depth
    return dict(cycle_counts), dict(Counter(depth))


def brute_force_structure(matrix):
    r"""Walk every state of ``state -> state * matrix``."""
    field = matrix.base_ring()
    q, degree = int(field.order()), matrix.nrows()
    assert q ** degree <= ORACLE_STATE_LIMIT
    elements = list(field)
    index = {element: n for n, element in enumerate(elements)}
    add = [[index[a + b] for b in elements] for a in elements]
    multiply = [[index[a * b] for b in elements] for a in elements]
    zero = index[field(0)]
    rows = [[index[matrix[i, j]] for j in range(degree)] for i in range(degree)]

    def image(state):
        result = [zero] * degree
        for entry, row in zip(state, rows):
            for column in range(degree):
                result[column] = add[result[column]][multiply[entry][row[column]]]
        return tuple(result)

    states = list(itertools.product(range(q), repeat=degree))
    number = {state: n for n, state in enumerate(states)}
    cycle_counts, tail_depths = functional_graph_structure([number[image(state)] for state in states])
    return CycleStructure(q, degree, cycle_counts, tail_depths)


def assert_matches_oracle(lfsr_or_matrix, description):
    matrix = (lfsr_or_matrix.state_update_matrix() if isinstance(lfsr_or_matrix, LFSR) else lfsr_or_matrix)
    predicted = predict_cycles(lfsr_or_matrix)
    assert predicted.is_complete(), description
    assert predicted == brute_force_structure(matrix), description
    return predicted


def test_oracle_on_hand_made_graphs():
    # 0 -> 1 -> 2 -> 0 (a 3-cycle), 3 -> 0, 4 -> 3, 5 -> 5
    assert functional_graph_structure([1, 2, 0, 0, 3, 5]) == ({3: 1, 1: 1}, {0: 4, 1: 1, 2: 1})
    assert functional_graph_structure([0]) == ({1: 1}, {0: 1})


# ---------------------------------------------------------------- worked values

WORKED_VALUES = [
    (2, "x^4 + x + 1", {1: 1, 15: 1}, {0: 16}),
    (2, "x^4 + x^3 + x^2 + x + 1", {1: 1, 5: 3}, {0: 16}),
    (2, "(x^2 + x + 1)^2", {1: 1, 3: 1, 6: 2}, {0: 16}),
    (2, "x^4 + 1", {1: 2, 2: 1, 4: 3}, {0: 16}),
    (2, "x^4 + x^3 + x^2", {1: 1, 3: 1}, {0: 4, 1: 4, 2: 8}),
    (3, "x^2 + 1", {1: 1, 4: 2}, {0: 9}),
    (3, "(x + 1)^2", {1: 1, 2: 1, 6: 1}, {0: 9}),
]


@pytest.mark.parametrize("q, polynomial, cycle_counts, tail_depths", WORKED_VALUES)
def test_worked_values(q, polynomial, cycle_counts, tail_depths):
    register = LFSR.from_polynomial(polynomial, q=q)
    expected = CycleStructure(q, register.degree, cycle_counts, tail_depths)
    assert predict_cycles(register) == expected
    assert predict_cycles(register.state_update_matrix()) == expected
    assert brute_force_structure(register.state_update_matrix()) == expected


@pytest.mark.parametrize("q, degree", [(2, 1), (2, 2), (2, 5), (2, 11), (3, 3), (4, 5), (5, 4), (9, 3)])
def test_pure_nilpotent_register(q, degree):
    register = LFSR([0] * degree, q=q)  # characteristic polynomial x^degree
    expected_tails = {0: 1, **{h: q ** h - q ** (h - 1) for h in range(1, degree + 1)}}
    predicted = assert_matches_oracle(register, f"x^{degree} over GF({q})")
    assert predicted.cycle_counts == {1: 1}
    assert predicted.tail_depths == expected_tails


# ---------------------------------------------------------------- seeded sweeps

def sweep_degrees(q):
    return [d for d in range(1, 12) if q ** d <= ORACLE_STATE_LIMIT]


def random_register(q, degree, draw, singular):
    coefficients = [draw.randrange(q) for _ in range(degree)]
    coefficients[0] = 0 if singular else draw.randrange(1, q)
    return LFSR(coefficients, q=q)


@pytest.mark.timeout(120)
@pytest.mark.parametrize("q", FIELD_ORDERS)
def test_random_registers_match_oracle(q):
    draw = random.Random(1000 + q)
    checked = 0
    for degree in sweep_degrees(q):
        for trial in range(6):
            register = random_register(q, degree, draw, singular=(trial % 3 == 2))
            predicted = assert_matches_oracle(register, repr(register))
            if not register.is_singular:
                assert not predicted.is_singular
                assert predicted.period == polynomial_order(register.characteristic_polynomial()), repr(register)
            checked += 1
    assert checked >= 18


def random_field_matrix(field, size, draw):
    q = int(field.order())
    return sagemath.matrix(field, size, size, [sagemath.int_to_element(field, draw.randrange(q)) for _ in range(size * size)])


def random_invertible_matrix(field, size, draw):
    while True:
        candidate = random_field_matrix(field, size, draw)
        if candidate.det() != 0:
            return candidate


def block_diagonal(field, blocks):
    size = sum(block.nrows() for block in blocks)
    result = sagemath.matrix(field, size, size, 0)
    offset = 0
    for block in blocks:
        for i in range(block.nrows()):
            for j in range(block.ncols()):
                result[offset + i, offset + j] = block[i, j]
        offset += block.nrows()
    return result


def strictly_upper_triangular(field, size, draw):
    result = random_field_matrix(field, size, draw)
    for i in range(size):
        for j in range(i + 1):
            result[i, j] = 0
    return result


def structured_matrices(field, size, draw):
    r"""Matrices with repeated invariant factors, nilpotent parts, and hidden block structure."""
    one = sagemath.matrix(field, size, size, 1)
    yield "identity", one
    yield "zero", sagemath.matrix(field, size, size, 0)
    yield "scalar", sagemath.int_to_element(field, draw.randrange(1, int(field.order()))) * one
    yield "nilpotent", strictly_upper_triangular(field, size, draw)
    if size >= 2:
        half = random_field_matrix(field, size // 2, draw)
        blocks = [half, half] + ([random_field_matrix(field, 1, draw)] if size % 2 else [])
        yield "repeated block", block_diagonal(field, blocks)
        nilpotent_block = strictly_upper_triangular(field, size - 1, draw)
        yield "singular plus unit", block_diagonal(field, [nilpotent_block, sagemath.matrix(field, 1, 1, 1)])
    conjugator = random_invertible_matrix(field, size, draw)
    hidden = block_diagonal(field, [random_field_matrix(field, 1, draw) for _ in range(size)])
    yield "conjugated diagonal", conjugator.inverse() * hidden * conjugator
    yield "random", random_field_matrix(field, size, draw)


@pytest.mark.timeout(180)
@pytest.mark.parametrize("q", FIELD_ORDERS)
def test_random_and_structured_matrices_match_oracle(q):
    field = field_of(q)
    draw = random.Random(2000 + q)
    for size in sweep_degrees(q):
        for name, matrix in structured_matrices(field, size, draw):
            description = f"{name} {size}x{size} over GF({q}):\n{matrix}"
            predicted = assert_matches_oracle(matrix, description)
            assert predict_cycles(matrix.transpose()) == predicted, description


def test_matrix_and_register_agree_on_elementary_divisors():
    draw = random.Random(7)
    for q in FIELD_ORDERS:
        for degree in (1, 3, 6, 10):
            register = random_register(q, degree, draw, singular=draw.random() < 0.3)
            matrix = register.state_update_matrix()
            assert elementary_divisors(register) == elementary_divisors(matrix)
            assert predict_cycles(register) == predict_cycles(matrix)
            assert factored_characteristic_polynomial(matrix).expand() == register.characteristic_polynomial()


def test_elementary_divisors_multiply_to_the_characteristic_polynomial():
    draw = random.Random(8)
    for q in FIELD_ORDERS:
        field = field_of(q)
        for size in (1, 2, 4, 7):
            for _, matrix in structured_matrices(field, size, draw):
                product = field(1)
                for g, exponent in elementary_divisors(matrix):
                    assert g.is_irreducible() and g.is_monic()
                    product = g ** exponent * product
                assert product == matrix.charpoly("x")


# ---------------------------------------------------------------- orders and primitivity against Sage

def random_nonsingular_polynomial(q, degree, draw):
    field = field_of(q)
    ring = sagemath.PolynomialRing(field, "x")
    coefficients = [draw.randrange(1, q)] + [draw.randrange(q) for _ in range(degree - 1)] + [1]
    return ring([sagemath.int_to_element(field, c) for c in coefficients])


@pytest.mark.timeout(120)
def test_polynomial_order_matches_matrix_order():
    draw = random.Random(9)
    for q in FIELD_ORDERS:
        for degree in (1, 2, 3, 5, 8, 12):
            for _ in range(3):
                f = random_nonsingular_polynomial(q, degree, draw)
                companion = sagemath.companion_matrix(f, format="right")
                assert polynomial_order(f) == companion.multiplicative_order(), f


@pytest.mark.timeout(120)
def test_is_primitive_matches_sage():
    ring = sagemath.PolynomialRing(sagemath.GF(2), "x")
    try:
        ring("x^4 + x + 1").is_primitive()
    except (ImportError, NotImplementedError, AttributeError):
        pytest.skip("Polynomial.is_primitive is not available on this Sage install")
    draw = random.Random(10)
    primitive_seen = 0
    for q in FIELD_ORDERS:
        for degree in (1, 2, 3, 4, 6):
            for _ in range(8):
                f = random_nonsingular_polynomial(q, degree, draw)
                assert is_primitive_polynomial(f) == f.is_primitive(), f
                primitive_seen += is_primitive_polynomial(f)
    assert primitive_seen > 0


def test_polynomial_order_of_products_and_bad_input():
    ring = sagemath.PolynomialRing(sagemath.GF(2), "x")
    x = ring.gen()
    assert polynomial_order((x ** 4 + x + 1) * (x ** 2 + x + 1) ** 3) == 15 * 4
    assert polynomial_order(ring(1)) == 1
    with pytest.raises(ValueError, match="g\\(0\\) = 0"):
        polynomial_order(x ** 3 + x)
    with pytest.raises(ValueError):
        polynomial_order(ring(0))
    with pytest.raises(TypeError):
        polynomial_order(15)
    with pytest.raises(TypeError):
        is_primitive_polynomial("x^4 + x + 1")


@pytest.mark.parametrize("q, degree", [(2, 1), (2, 9), (3, 5), (4, 4), (5, 3), (9, 3), (2, 64)])
def test_random_primitive_polynomial(q, degree):
    f = random_primitive_polynomial(q, degree, seed=degree)
    assert f == random_primitive_polynomial(q, degree, seed=degree)
    assert f.degree() == degree and f.is_monic() and f.base_ring().order() == q
    assert is_primitive_polynomial(f)
    structure = predict_cycles(LFSR.from_polynomial(f))
    assert structure.cycle_counts == dict(Counter([1, q ** degree - 1]))
    if q ** degree <= ORACLE_STATE_LIMIT:
        assert_matches_oracle(LFSR.from_polynomial(f), str(f))


def test_random_primitive_polynomial_rejects_bad_input():
    with pytest.raises(ValueError):
        random_primitive_polynomial(6, 3)
    with pytest.raises(ValueError):
        random_primitive_polynomial(2, 0)


# ---------------------------------------------------------------- bad input and edge cases

def test_bad_input_is_rejected_clearly():
    with pytest.raises(ValueError, match="square"):
        predict_cycles(sagemath.matrix(sagemath.GF(2), 2, 3, 0))
    with pytest.raises(TypeError, match="finite field"):
        predict_cycles(sagemath.matrix([[1, 2], [3, 4]]))
    with pytest.raises(TypeError, match="finite field"):
        predict_cycles(sagemath.matrix(sagemath.PolynomialRing(sagemath.GF(2), "t"), [[1]]))
    with pytest.raises(TypeError, match="LFSR or a square matrix"):
        predict_cycles("x^4 + x + 1")
    with pytest.raises(TypeError):
        factored_characteristic_polynomial([[1, 0], [0, 1]])


def test_empty_matrix_has_one_state():
    structure = predict_cycles(sagemath.matrix(sagemath.GF(3), 0, 0))
    assert structure == CycleStructure(3, 0, {1: 1}, {0: 1}) and structure.is_complete()


# ---------------------------------------------------------------- large degree, answered fast

def clear_caches():
    theory._irreducible_order.cache_clear()
    theory._prime_factors_of_group_order.cache_clear()


@pytest.mark.timeout(60)
def test_degree_128_over_gf2_is_fast():
    ring = sagemath.PolynomialRing(sagemath.GF(2), "x")
    x = ring.gen()
    product = ((x ** 31 + x ** 3 + 1) * (x ** 47 + x ** 5 + 1) * (x ** 2 + x + 1) ** 3
               * (x ** 7 + x + 1) ** 2 * (x + 1) ** 16 * (x ** 11 + x ** 2 + 1) * x ** 3)
    assert product.degree() == 128
    draw = random.Random(128)
    polynomials = [x ** 127 + x + 1, product, (x + 1) ** 128, x ** 128 + x ** 7 + x ** 2 + x + 1]
    polynomials += [ring([draw.randrange(2) for _ in range(128)] + [1]) for _ in range(4)]
    clear_caches()
    for f in polynomials:
        start = time.perf_counter()
        structure = predict_cycles(LFSR.from_polynomial(f))
        assert time.perf_counter() - start < 5, f
        assert structure.is_complete(), f
    clear_caches()
    start = time.perf_counter()
    structure = predict_cycles(random_field_matrix(sagemath.GF(2), 128, draw))
    assert time.perf_counter() - start < 5
    assert structure.is_complete()


def test_primitive_trinomial_127():
    structure = predict_cycles(LFSR.from_polynomial("x^127 + x + 1"))
    assert structure.cycle_counts == {1: 1, 2 ** 127 - 1: 1}
    assert structure.period == 2 ** 127 - 1 == polynomial_order(LFSR.from_polynomial("x^127 + x + 1")
                                                                .characteristic_polynomial())


def test_the_factoring_time_limit_holds_outside_the_main_thread(monkeypatch):
    # The explorer widget plans in a background thread, where no alarm can reach:
    # the factorization of 2^830 - 1 (a composite part of some 250 digits) must still stop.
    import threading
    import time

    from sage_lfsr.theory import prediction as theory

    monkeypatch.setattr(theory, "FACTOR_SECONDS", 1)
    outcome = {}

    def plan_in_background():
        began = time.monotonic()
        try:
            theory._prime_factors_of_group_order(2, 830)
        except ValueError as error:
            outcome["error"] = str(error)
        outcome["seconds"] = time.monotonic() - began

    thread = threading.Thread(target=plan_in_background)
    thread.start()
    thread.join(60)
    assert not thread.is_alive()
    assert outcome["error"] == ("the order of an irreducible factor of degree 830 needs the factorization of "
                                "2^830 - 1, which took longer than 1 s")
    assert outcome["seconds"] < 10
    # A number that factors in time still does, in the child (2^120 - 1 against Sage's own factorization).
    outcome.clear()
    thread = threading.Thread(target=lambda: outcome.update(factors=theory._prime_factors_of_group_order(2, 120)))
    thread.start()
    thread.join(60)
    from sage_lfsr.common.sagemath import factor
    assert outcome["factors"] == tuple((int(p), int(e)) for p, e in factor(2 ** 120 - 1))
