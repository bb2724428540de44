r"""
Affine (XNOR) and Galois-form LFSRs and arbitrary square matrices: prediction,
enumeration (every schedule, both kernels) and an independent brute-force walk
agree; the Galois form has the Fibonacci structure and its states translate by
`T` state by state; the ``galois`` package's ``GLFSR`` steps like our Galois form.
"""
import random
import re
from collections import Counter

import pytest
from math import gcd

from sage.all__sagemath_modules import GF, QQ, matrix, random_matrix

from sage_lfsr import LFSR, MatrixRegister, map_cycles, predict_cycles
from sage_lfsr.common.sagemath import element_to_int, int_to_element
from sage_lfsr.engine.checkpoint import Checkpoint
from sage_lfsr.engine.schedules import available_schedules

SCHEDULES = [name for name in available_schedules() if name != "dask"]
FIELDS = (2, 3, 4, 5)


def field(q):
    return GF(q, "z") if q == 4 else GF(q)


# --- an independent oracle: the step written from the definitions, walked in plain Python

def definition_step(register):
    r"""The successor on integer tuples, from the definitions (not from the package's matrices)."""
    F, q, d = register.field, register.field_order, register.degree
    elements = [int_to_element(F, value) for value in range(q)]
    if isinstance(register, MatrixRegister):
        M = register.state_update_matrix()

        def step(state):
            return tuple(element_to_int(sum(elements[state[i]] * M[i, k] for i in range(d))) for k in range(d))
        return step
    c, b = register.coefficients(), register.constant

    def fibonacci(state):
        feedback = sum(ci * elements[x] for ci, x in zip(c, state)) + b
        return state[1:] + (element_to_int(feedback),)

    def galois(state):
        top = elements[state[-1]]
        cells = [(elements[state[i - 1]] if i else b) + c[i] * top for i in range(d)]
        return tuple(element_to_int(cell) for cell in cells)
    return fibonacci if register.form == "fibonacci" else galois


def index_of(state, q):
    return sum(x * q ** i for i, x in enumerate(state))


def state_of(index, q, d):
    return tuple((index // q ** i) % q for i in range(d))


def walk(register):
    r"""``({cycle length: count}, {depth: count})`` by following every state until it repeats."""
    q, d = register.field_order, register.degree
    step = definition_step(register)
    successor = [index_of(step(state_of(x, q, d)), q) for x in range(q ** d)]
    on_cycle, cycles = set(), Counter()
    for start in range(q ** d):
        seen, x = [], start
        while x not in seen and x not in on_cycle:
            seen.append(x)
            x = successor[x]
        if x in seen:
            loop = seen[seen.index(x):]
            on_cycle.update(loop)
            cycles[len(loop)] += 1
    depths = Counter()
    for start in range(q ** d):
        depth, x = 0, start
        while x not in on_cycle:
            x, depth = successor[x], depth + 1
        depths[depth] += 1
    return dict(cycles), dict(depths)


def random_lfsr(rng, q, degree, singular, form="fibonacci"):
    coefficients = [rng.randrange(q) for _ in range(degree)]
    coefficients[0] = 0 if singular else rng.randrange(1, q)
    return LFSR(coefficients, q=q, constant=rng.randrange(1, q), form=form)


def random_square(q, degree, singular):
    while True:
        M = random_matrix(field(q), degree, degree)
        if (M.det() == 0) == singular:
            return M


# --- affine registers

@pytest.mark.parametrize("q", FIELDS)
def test_affine_prediction_equals_enumeration_and_the_walk(q):
    rng = random.Random(1000 + q)
    for trial in range(6):
        register = random_lfsr(rng, q, rng.randint(1, 5 if q == 2 else 3), singular=trial % 2 == 1,
                               form=("fibonacci", "galois")[trial % 3 == 2])
        predicted = predict_cycles(register)
        assert (predicted.cycle_counts, predicted.tail_depths) == walk(register), register
        assert map_cycles(register).structure() == predicted, register
        assert map_cycles(register, kernel="sage").structure() == predicted, register


def golomb_complemented_cycling_count(degree):
    r"""Cycles of `x_{n+d} = x_n + 1`: `(1/2d) \sum_{e | d, e odd} \varphi(e) 2^{d/e}` (Golomb)."""
    def phi(e):
        return sum(1 for k in range(1, e + 1) if gcd(k, e) == 1)
    return sum(phi(e) * 2 ** (degree // e) for e in range(1, degree + 1, 2) if degree % e == 0) // (2 * degree)


def test_complemented_cycling_register_has_golombs_cycle_counts():
    for degree in range(1, 9):
        expected = golomb_complemented_cycling_count(degree)
        register = LFSR([1] + [0] * (degree - 1), constant=1)
        assert sum(map_cycles(register).cycle_counts.values()) == expected
        assert sum(predict_cycles(register).cycle_counts.values()) == expected


@pytest.mark.parametrize("schedule", SCHEDULES)
def test_affine_and_galois_registers_under_every_schedule(schedule):
    registers = [LFSR.from_polynomial("x^10 + x^3 + 1", constant=1),
                 LFSR.from_polynomial("x^10 + x^3 + 1", constant=1, form="galois"),
                 LFSR([0, 1, 2, 1, 1], q=3, constant=2, form="galois"),
                 LFSR([2, 0, 1], q=5, constant=4)]
    for register in registers:
        predicted = predict_cycles(register)
        for split in ((False, True) if schedule != "sequential" and not register.is_singular else (False,)):
            result = map_cycles(register, schedule=schedule, workers=2, batch_size=97, split=split)
            assert result.structure() == predicted, (register, split)


# --- Galois form

@pytest.mark.parametrize("q", FIELDS)
def test_galois_form_has_the_fibonacci_structure_and_translates_state_by_state(q):
    rng = random.Random(2000 + q)
    for trial in range(4):
        degree = rng.randint(2, 4 if q < 4 else 3)
        coefficients = [rng.randrange(q) for _ in range(degree)]
        constant = rng.randrange(q) if trial % 2 else 0
        fibonacci = LFSR(coefficients, q=q, constant=constant)
        galois = LFSR(coefficients, q=q, constant=constant, form="galois")
        assert map_cycles(galois).structure() == map_cycles(fibonacci).structure() == predict_cycles(fibonacci)
        T = fibonacci.fibonacci_to_galois_matrix()
        assert T == galois.fibonacci_to_galois_matrix() and T.is_invertible()
        assert T.inverse() * fibonacci.state_update_matrix() * T == galois.state_update_matrix()
        fibonacci_step, galois_step = definition_step(fibonacci), definition_step(galois)
        for index in range(q ** degree):
            state = fibonacci.state_vector(index)
            translated = tuple(element_to_int(x) for x in state * T)
            image = tuple(element_to_int(x) for x in fibonacci.state_vector(fibonacci_step(state_of(index, q, degree))) * T)
            assert galois_step(translated) == image


@pytest.mark.parametrize("q", (2, 3, 5))
def test_galois_form_steps_like_the_galois_package(q):
    galois = pytest.importorskip("galois")
    rng = random.Random(3000 + q)
    GFq = galois.GF(q)
    for _ in range(5):
        degree = rng.randint(2, 6)
        register = LFSR([rng.randrange(1, q)] + [rng.randrange(q) for _ in range(degree - 1)], q=q, form="galois")
        characteristic = galois.Poly([int(c) for c in reversed(register.characteristic_polynomial().list())], field=GFq)
        for _ in range(5):
            state = [rng.randrange(q) for _ in range(degree)]
            oracle = galois.GLFSR(characteristic.reverse(), state=GFq(state))
            oracle.step(1)
            assert tuple(int(x) for x in oracle.state) == tuple(int(x) for x in register.next_state(tuple(state)))


# --- any square matrix

MATRICES = [(q, degree, singular) for q, degree in ((2, 7), (3, 4), (4, 3), (5, 3)) for singular in (False, True)]


@pytest.mark.parametrize("q,degree,singular", MATRICES)
def test_matrix_walk_equals_prediction_and_sequential_map(q, degree, singular):
    M = random_square(q, degree, singular)
    register = MatrixRegister(M)
    predicted = predict_cycles(M)
    assert register.is_singular == singular
    assert (predicted.cycle_counts, predicted.tail_depths) == walk(register)
    assert map_cycles(M).structure() == predicted


@pytest.mark.timeout(300)
@pytest.mark.parametrize("kernel", ["fast", "sage"])
@pytest.mark.parametrize("schedule", SCHEDULES)
def test_matrices_under_every_schedule_and_kernel(schedule, kernel):
    for q, degree, singular in ((2, 8, False), (2, 8, True), (3, 4, False), (4, 3, True), (5, 3, False)):
        if kernel == "sage" and q ** degree > 128:
            degree -= 1 if q == 2 else 0
        M = random_square(q, degree, singular)
        result = map_cycles(M, schedule=schedule, workers=2, batch_size=37, kernel=kernel)
        assert result.structure() == predict_cycles(M), (M, schedule, kernel)


def test_a_matrix_run_resumes_from_its_checkpoint(tmp_path):
    M = matrix(GF(3), [[1, 1, 0, 0], [0, 1, 1, 0], [0, 0, 0, 1], [2, 0, 0, 0]])
    path = tmp_path / "matrix.ckpt"
    first = map_cycles(M, schedule="queue", workers=2, batch_size=20, checkpoint=path)
    header, recorded, _ = Checkpoint(path).read()
    assert header["key"][0] == "matrix" and len(recorded) == len(header["tasks"])
    again = map_cycles(M, batch_size=20, checkpoint=path)
    assert again.choices["resumed_tasks"] == len(header["tasks"])
    assert again.structure() == first.structure() == predict_cycles(M)


def test_identity_and_nilpotent_matrices():
    assert map_cycles(matrix(GF(4, "z"), 3, 3, 1)).cycle_counts == {1: 64}
    shift = matrix(GF(2), [[0, 1, 0], [0, 0, 1], [0, 0, 0]])
    assert map_cycles(shift).tail_depths == {0: 1, 1: 1, 2: 2, 3: 4}


# --- bad input, refused before any work

@pytest.mark.parametrize("make, error, message", [
    (lambda: map_cycles(matrix(GF(2), [[1, 0, 1], [0, 1, 1]])), ValueError, "must be square"),
    (lambda: map_cycles(matrix(QQ, [[1, 1], [0, 1]])), TypeError, "must be over a finite field"),
    (lambda: LFSR([1, 1], q=3, constant=3), ValueError, "the constant b = 3 is outside GF(3)"),
    (lambda: LFSR([1, 1], q=3, constant=GF(5)(1)), ValueError, "the constant b = 1 is an element of Finite Field of size 5"),
    (lambda: LFSR([1, 1], q=4, constant="z^"), ValueError, "the constant b: cannot read 'z^'"),
    (lambda: LFSR([1, 1], form="xor"), ValueError, "unknown form 'xor'"),
    (lambda: LFSR.from_polynomial("x^2 + x + 1", form="internal"), ValueError, "unknown form"),
    (lambda: map_cycles([[1, 0], [0, 1]]), TypeError, "expected an LFSR, a square matrix"),
    (lambda: map_cycles(matrix(GF(2), [[1, 1], [1, 1]]), schedule="queue", workers=2, split=True), ValueError,
     "splitting long cycles is implemented for invertible registers only"),
])
def test_bad_input_gets_a_clear_error(make, error, message):
    with pytest.raises(error, match=re.escape(message)):
        make()


# --- command line

def run_cli(capsys, *argv):
    from sage_lfsr.cli import main

    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("argv, register", [
    (["--q", "3", "--matrix", "1,1,0; 0,1,0; 2,0,0"], MatrixRegister(matrix(GF(3), [[1, 1, 0], [0, 1, 0], [2, 0, 0]]))),
    (["--q", "4", "--coefficients", "1,2,0", "--constant", "z+1", "--form", "galois"],
     LFSR([1, 2, 0], q=4, constant=3, form="galois")),
    (["--polynomial", "x^6+x+1", "--constant", "1"], LFSR.from_polynomial("x^6+x+1", constant=1)),
])
def test_command_line_maps_and_predicts_every_kind(capsys, argv, register):
    import json

    predicted = predict_cycles(register)
    for command in (["map", "--quiet", "--schedule", "queue", "--workers", "2", "--batch-size", "16"], ["predict"]):
        code, out, err = run_cli(capsys, command[0], *argv, *command[1:])
        assert code == 0 and err == ""
        document = json.loads(out)
        assert document["cycle_counts"] == {str(length): count for length, count in predicted.cycle_counts.items()}
        assert document["tail_depths"] == {str(depth): count for depth, count in predicted.tail_depths.items()}
        description = document["register"]
        if isinstance(register, MatrixRegister):
            assert MatrixRegister.from_text(description["matrix"], description["q"]) == register
        else:
            assert (description["constant"], description["form"]) == register.key()[2:]


@pytest.mark.parametrize("argv, message", [
    (["--matrix", "1,0,1;0,1,1"], "must be square"),
    (["--matrix", "1,0;0,1", "--constant", "1"], "--constant and --form describe an LFSR"),
    (["--q", "3", "--coefficients", "1,1", "--constant", "3"], "the constant b = 3 is outside GF(3)"),
    (["--coefficients", "1,1", "--form", "xor"], "unknown form 'xor'"),
])
def test_command_line_refuses_bad_kinds(capsys, argv, message):
    code, out, err = run_cli(capsys, "predict", *argv)
    assert code == 2 and out == "" and message in err
