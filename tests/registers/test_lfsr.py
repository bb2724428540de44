r"""The register model against Sage's own LFSR functions and matrices."""
import pytest

from sage_lfsr.common import sagemath
from sage_lfsr.registers.lfsr import LFSR, state_index_to_tuple, tuple_to_state_index
from sage_lfsr.registers.tables import RegisterTables
from sage_lfsr.engine.kernels import make_kernel

from conftest import random_register

FIELDS = (2, 3, 4, 5, 7, 8, 9, 16, 25)


@pytest.mark.parametrize("q", FIELDS)
def test_sequence_equals_sage_lfsr_sequence(rng, q):
    for _ in range(5):
        register = random_register(rng, q, rng.randrange(1, 7), singular=rng.random() < 0.3)
        fill = [rng.randrange(q) for _ in range(register.degree)]
        field = register.field
        expected = sagemath.lfsr_sequence(list(register.coefficients()),
                                       [sagemath.int_to_element(field, value) for value in fill], 40)
        assert register.sequence(fill, 40) == expected


@pytest.mark.parametrize("q", FIELDS)
def test_matrix_is_companion_of_characteristic_polynomial(rng, q):
    register = random_register(rng, q, 5)
    matrix = register.state_update_matrix()
    assert matrix == sagemath.companion_matrix(register.characteristic_polynomial(), format="right")
    assert matrix.charpoly() == register.characteristic_polynomial()


@pytest.mark.parametrize("q", FIELDS)
def test_state_update_follows_the_sequence(rng, q):
    register = random_register(rng, q, 4)
    fill = [rng.randrange(q) for _ in range(4)]
    terms = register.sequence(fill, 12)
    state = register.state_vector(fill)
    for n in range(8):
        assert list(state) == terms[n:n + 4]
        state = state * register.state_update_matrix()


@pytest.mark.parametrize("q", (2, 3, 4, 9))
def test_index_round_trip(rng, q):
    degree = 3
    for index in range(q ** degree):
        digits = state_index_to_tuple(index, q, degree)
        assert tuple_to_state_index(digits, q) == index
    register = random_register(rng, q, degree)
    for index in range(q ** degree):
        assert register.state_index(register.state_vector(index)) == index


def test_period_matches_sage_multiplicative_order():
    register = LFSR.from_polynomial("x^6 + x + 1")
    order = register.state_update_matrix().multiplicative_order()
    assert register.period(1) == order == 63


def test_period_of_transient_state_is_none():
    register = LFSR.from_polynomial("x^4 + x^3 + x^2")
    periods = [register.period(index) for index in range(16)]
    assert periods.count(None) == 12


@pytest.mark.parametrize("q", (2, 3, 4, 9, 5))
def test_fast_and_sage_successors_agree_on_every_state(rng, q):
    for _ in range(3):
        register = random_register(rng, q, 4, singular=rng.random() < 0.5)
        tables = RegisterTables.from_lfsr(register)
        fast, sage = make_kernel("fast", tables), make_kernel("sage", tables)
        for index in range(register.state_count):
            expected = register.state_index(register.next_state(index))
            assert fast.successor(index) == expected
            assert sage.successor(index) == expected


def test_from_polynomial_round_trip(rng):
    for q in (2, 3, 4, 9):
        register = random_register(rng, q, 5)
        again = LFSR.from_polynomial(register.characteristic_polynomial())
        assert again == register
        assert LFSR(register.key()[1], q=register.key()[0]) == register


@pytest.mark.parametrize("q, coefficients, message", [
    (6, [1, 1], "not a prime power"),
    (1, [1], "not a prime power"),
    (3, [1, 3], "outside GF(3)"),
    (4, [1, -1], "outside GF(4)"),
    (2, [], "at least one coefficient"),
])
def test_bad_registers_are_refused_with_clear_errors(q, coefficients, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        LFSR(coefficients, q=q)


def test_non_integer_field_order_is_a_type_error():
    with pytest.raises(TypeError, match="field order"):
        LFSR([1], q="two")


def test_unreadable_polynomial_is_refused():
    with pytest.raises(ValueError, match="cannot read"):
        LFSR.from_polynomial("x^^4 + ", q=2)
