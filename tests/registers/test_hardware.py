"""
The hardware bridge against published vectors, Sage's characteristic polynomial of
the simulated step, and the ``galois`` package (FLFSR and GLFSR) for both forms.

Published facts used (Wikipedia, "Linear-feedback shift register", and Xilinx XAPP052):
taps 16, 14, 13, 11 with seed 0xACE1 run through all 65535 nonzero states in both the
Fibonacci (feedback bits 0, 2, 3, 5 entering bit 15) and the Galois form (mask 0xB400);
an XNOR register locks up in the all-ones state instead of zero.
"""
import random

import pytest

from sage_lfsr.common import sagemath
from sage_lfsr.registers.hardware import FORMS, SHIFTS, from_taps
from sage_lfsr.registers.lfsr import LFSR

MAXIMAL_TAPS = [([4, 3], 4), ([5, 3], 5), ([8, 6, 5, 4], 8), ([16, 14, 13, 11], 16)]


def step_matrix(register):
    r"""The matrix of an XOR register's step, read off the simulation (rows: images of unit vectors)."""
    width = register.width
    rows = [[(register.step(1 << j) >> i) & 1 for i in range(width)] for j in range(width)]
    return sagemath.matrix(sagemath.GF(2), rows)


@pytest.mark.parametrize("form", FORMS)
def test_published_16_bit_vector_runs_through_every_nonzero_state(form):
    register = LFSR.from_taps([16, 14, 13, 11], 16, form=form)
    assert register.period("0xACE1") == 65535
    expected_first = 0x5670 if form == "fibonacci" else 0xE270  # the Wikipedia C code, one step
    assert register.step(0xACE1) == expected_first
    assert (register.fibonacci_mask, register.galois_mask) == (0b101101, 0xB400)


@pytest.mark.parametrize("taps, width", MAXIMAL_TAPS)
@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize("shift", SHIFTS)
def test_characteristic_polynomial_is_that_of_the_simulated_step(taps, width, form, shift):
    register = LFSR.from_taps(taps, width, form=form, shift=shift)
    assert step_matrix(register).charpoly() == register.characteristic_polynomial()
    x = register.tap_polynomial().parent().gen()
    assert register.tap_polynomial() == sum(x ** t for t in taps) + 1


@pytest.mark.parametrize("taps, width", MAXIMAL_TAPS)
def test_right_fibonacci_value_is_the_lfsr_state_index(taps, width):
    hardware = LFSR.from_taps(taps, width)
    register = hardware.lfsr()
    for value in random.Random(width).sample(range(1 << width), min(16, 1 << width)):
        assert register.state_index(register.next_state(value)) == hardware.step(value)
        assert [int(b) for b in register.sequence(value, 40)] == hardware.output(value, 40)


@pytest.mark.parametrize("taps, width", MAXIMAL_TAPS)
@pytest.mark.parametrize("form", FORMS)
def test_left_shift_is_the_mirror_image(taps, width, form):
    right = LFSR.from_taps(taps, width, form=form)
    left = LFSR.from_taps(taps, width, form=form, shift="left")
    mirror = lambda value: int(format(value, f"0{width}b")[::-1], 2)  # noqa: E731
    for value in random.Random(1).sample(range(1 << width), 10):
        assert left.step(mirror(value)) == mirror(right.step(value))
        assert left.output(mirror(value), 30) == right.output(value, 30)


@pytest.mark.parametrize("taps, width", MAXIMAL_TAPS[:3])
@pytest.mark.parametrize("form", FORMS)
def test_xnor_locks_up_in_all_ones_and_is_maximal_otherwise(taps, width, form):
    register = LFSR.from_taps(taps, width, form=form, xnor=True)
    all_ones = (1 << width) - 1
    assert register.step(all_ones) == all_ones
    assert register.period(0) == (1 << width) - 1
    if len(taps) % 2 == 0 and form == "fibonacci":  # with an even tap count XNOR is XOR on complements
        xor = LFSR.from_taps(taps, width, form=form)
        assert register.states(all_ones ^ 5, 20) == [all_ones ^ v for v in xor.states(5, 20)]


@pytest.mark.parametrize("taps, width", MAXIMAL_TAPS)
@pytest.mark.parametrize("form", FORMS)
def test_against_the_galois_package(taps, width, form):
    galois = pytest.importorskip("galois")
    hardware = LFSR.from_taps(taps, width, form=form)
    field = galois.GF(2)
    feedback = galois.Poly.Degrees(list(taps) + [0], field=field)  # galois's feedback polynomial: the tap polynomial
    cls = galois.FLFSR if form == "fibonacci" else galois.GLFSR
    for value in random.Random(3).sample(range(1, 1 << width), 5):
        # galois shifts toward S[n-1] and outputs it: hardware bit j is S[n-1-j]
        theirs = cls(feedback, state=field([(value >> (width - 1 - i)) & 1 for i in range(width)]))
        assert [int(b) for b in theirs.step(3 * width)] == hardware.output(value, 3 * width)
    assert str(cls(feedback).characteristic_poly) == str(hardware.characteristic_polynomial())


def test_verify_names_the_matching_convention():
    fibonacci = LFSR.from_taps([8, 6, 5, 4], 8)
    galois_left = LFSR.from_taps([8, 6, 5, 4], 8, form="galois", shift="left", xnor=True)
    vector = {"seed": "0x5A", "output": "".join(map(str, galois_left.output(0x5A, 64)))}
    assert galois_left.verify(vector)
    verdict = fibonacci.verify(vector)
    assert not verdict and verdict.first_mismatch is not None
    assert ("galois", "left", True, "as given") in [(c.form, c.shift, c.xnor, c.seed_bit_order)
                                                    for c in verdict.matching_conventions]
    assert "form='galois', shift='left', xnor=True" in str(verdict)
    states_vector = {"seed": 0x5A, "states": [fibonacci.format_state(v) for v in fibonacci.states(0x5A, 9)[1:]]}
    assert fibonacci.verify(states_vector).matches
    reversed_seed = {"seed": 0x5B, "output": fibonacci.output(int(format(0x5B, "08b")[::-1], 2), 40)}
    assert "seed bits reversed" in str(fibonacci.verify(reversed_seed))


@pytest.mark.parametrize("call, error, message", [
    (lambda: from_taps([4, 1], 5), ValueError, "include the width 5"),
    (lambda: from_taps([4, 0], 4), ValueError, "stage numbers 1..4"),
    (lambda: from_taps(["a"], 4), TypeError, "stage numbers"),
    (lambda: from_taps([4, 3], 0), ValueError, "width must be"),
    (lambda: from_taps([4, 3], 4, shift="up"), ValueError, "unknown shift"),
    (lambda: from_taps([4, 3], 4).step("0x1F"), ValueError, "does not fit in 4 bits"),
    (lambda: from_taps([4, 3], 4).step(1.5), TypeError, "integer or a hex string"),
    (lambda: from_taps([4, 3], 4).verify({"seed": 1}), ValueError, "a test vector is a dict"),
    (lambda: from_taps([4, 3], 4).verify({"seed": 1, "output": "012"}), ValueError, "output bits"),
    (lambda: from_taps([4, 3], 4, form="galois", xnor=True).lfsr(), NotImplementedError, "Galois XNOR"),
])
def test_bad_input_gets_a_clear_error(call, error, message):
    with pytest.raises(error, match=message):
        call()


@pytest.mark.parametrize("form, shift, xnor", [(f, s, x) for f in FORMS for s in SHIFTS for x in (False, True)
                                                if not (f == "galois" and x)])
def test_the_lfsr_model_steps_like_the_hardware(form, shift, xnor):
    hardware = LFSR.from_taps([8, 6, 5, 4], 8, form=form, shift=shift, xnor=xnor)
    try:
        register = hardware.lfsr()
    except NotImplementedError as error:  # an LFSR without affine or Galois registers
        assert "installed LFSR" in str(error)
        pytest.skip(str(error))
    assert register.characteristic_polynomial() == hardware.characteristic_polynomial()
    for value in range(256):
        assert register.state_index(register.next_state(hardware.state_index(value))) == \
            hardware.state_index(hardware.step(value))
