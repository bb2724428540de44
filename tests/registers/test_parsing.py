"""The text reader: correct where text is well formed, a clear error elsewhere, never an evaluation."""
import random
import subprocess
import sys
import time

import pytest

from sage_lfsr.common.sagemath import GF, PolynomialRing
from sage_lfsr.registers.lfsr import LFSR
from sage_lfsr.registers.parsing import (MAX_NESTING, ParseError, parse_field_element, parse_polynomial,
                               parse_sparse_polynomial)

FIELDS = [GF(2), GF(3), GF(4, "z"), GF(9, "z"), GF(25, "z")]
#: Seconds any single read may take, however hostile the text.
READ_SECONDS = 1.0


def random_expression(rng, names, depth=0, largest=12):
    """A well-formed expression in ``names`` and integers below ``largest`` (safe for Sage's own reader)."""
    choice = rng.random()
    if depth > 4 or choice < 0.3:
        return rng.choice(names + [str(rng.randrange(0, largest))])
    if choice < 0.45:
        return f"({random_expression(rng, names, depth + 1, largest)})^{rng.randrange(0, 4)}"
    if choice < 0.55:
        return f"-{random_expression(rng, names, depth + 1, largest)}"
    operator = rng.choice(["+", "-", "*"])
    return (f"({random_expression(rng, names, depth + 1, largest)} {operator} "
            f"{random_expression(rng, names, depth + 1, largest)})")


@pytest.mark.parametrize("field", FIELDS, ids=lambda field: f"GF({field.order()})")
def test_polynomials_read_as_sage_reads_them(field):
    rng = random.Random(int(field.order()))
    ring = PolynomialRing(field, "x")
    names = ["x"] + (["z"] if field.degree() > 1 else [])
    for _ in range(60):  # integers 0..p-1, as a coefficient list takes them (issue 23)
        text = random_expression(rng, names, largest=int(field.characteristic()))
        assert parse_polynomial(text, field) == ring(text), text  # Sage's reader is safe on this alphabet
        assert parse_polynomial(text.replace("^", "**"), field) == ring(text)


@pytest.mark.parametrize("field", FIELDS, ids=lambda field: f"GF({field.order()})")
def test_a_polynomial_coefficient_outside_the_prime_field_is_refused_like_a_coefficient_list(field):
    p = int(field.characteristic())
    with pytest.raises(ParseError, match=f"the coefficient {p} is not an element of GF\\({p}\\)"):
        parse_polynomial(f"x^4 + {p}*x + 1", field)
    with pytest.raises(ValueError, match=f"is outside GF\\({field.order()}\\)|not an element"):
        LFSR([1, 0, 0, int(field.order())], q=int(field.order()))


@pytest.mark.parametrize("field", FIELDS, ids=lambda field: f"GF({field.order()})")
def test_sparse_polynomials_match_sage_multivariate(field):
    rng = random.Random(7 * int(field.order()))
    variables = ["x0", "x1", "x2"]
    ring = PolynomialRing(field, variables)
    for _ in range(40):
        text = random_expression(rng, variables + (["z"] if field.degree() > 1 else []))
        expected = ring(text)
        read = parse_sparse_polynomial(text, field, variables)
        assert read == {tuple(exponents): coefficient for exponents, coefficient in expected.dict().items()}, text


def test_sparse_functions_agree_pointwise():
    field = GF(3)
    rng = random.Random(3)
    variables = ["x0", "x1"]
    points = [(a, b) for a in field for b in field]
    for _ in range(30):
        text = random_expression(rng, variables)
        exact = parse_sparse_polynomial(text, field, variables)
        reduced = parse_sparse_polynomial(text, field, variables, as_functions=True)
        assert all(max(exponents) < 3 for exponents in reduced)

        def value(polynomial, point):
            return sum((c * point[0] ** e[0] * point[1] ** e[1] for e, c in polynomial.items()), field(0))

        assert all(value(exact, point) == value(reduced, point) for point in points), text


def test_field_elements():
    field = GF(9, "z")
    assert [parse_field_element(str(n), field) for n in range(9)] == [LFSR([n], q=9).coefficients()[0]
                                                                      for n in range(9)]
    assert parse_field_element("z^8", field) == 1
    assert parse_field_element("z^(2^100)", field) == field.gen() ** (2 ** 100)


HOSTILE = [
    '__import__("os").system("touch {marker}")',
    "__import__('os').system('touch {marker}')",
    "open('{marker}', 'w')",
    "exec('open(1)')", "lambda: 1", "x.__class__", "x[0]", "x if 1 else 2", "1; 2", "1 // 2", "x @ x",
    "(" * 60000 + "1" + ")" * 60000, "-" * 60000 + "1", "x^(10^9)", "x^(10^(10^9))", "z^(" + "9" * 5000 + ")",
    "9" * 100000, "x" * 200000, "((x+1)^4096)^4096", "\x00", "１", "x\u200b+1", "",
]


@pytest.mark.parametrize("template", HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_text_is_refused_quickly_and_never_run(template, tmp_path):
    marker = tmp_path / "pwned"
    text = template.format(marker=marker) if "{marker}" in template else template
    for read in (lambda: parse_polynomial(text, GF(4, "z")),
                 lambda: parse_field_element(text, GF(4, "z")),
                 lambda: parse_sparse_polynomial(text, GF(2), ["x0", "x1"])):
        started = time.perf_counter()
        with pytest.raises(ParseError) as error:
            read()
        assert time.perf_counter() - started < READ_SECONDS
        assert "\n" not in str(error.value) and len(str(error.value)) < 400
    assert not marker.exists()


def test_random_strings_give_a_parse_or_a_clear_error():
    rng = random.Random(2024)
    alphabet = "xz0123456789+-*^()  _.[]'\"abc,;"
    for _ in range(2000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 30)))
        started = time.perf_counter()
        try:
            parse_polynomial(text, GF(4, "z"))
        except ParseError:
            pass
        assert time.perf_counter() - started < READ_SECONDS, text


def test_nesting_limit_is_the_stated_one():
    parse_field_element("(" * MAX_NESTING + "1" + ")" * MAX_NESTING, GF(2))
    with pytest.raises(ParseError, match="nested more than"):
        parse_field_element("(" * (MAX_NESTING + 1) + "1" + ")" * (MAX_NESTING + 1), GF(2))


def test_cli_never_evaluates_coefficient_text(tmp_path):
    """The reproduction from the hostile-input issue: exit 2 with one line, no file."""
    command = [sys.executable, "-m", "sage_lfsr", "predict", "--q", "4", "--coefficients",
               '__import__("os").system("touch pwned"),1']
    finished = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert finished.returncode == 2
    assert finished.stderr.count("\n") == 1 and "cannot read" in finished.stderr
    assert not (tmp_path / "pwned").exists()


def test_values_from_another_field_are_refused():
    import numpy as np

    with pytest.raises(ValueError, match="element of Finite Field of size 3"):
        LFSR([GF(3)(2), 1])
    with pytest.raises(ValueError, match="outside GF"):
        LFSR([np.int64(5), 1])
    assert LFSR([np.int64(1), np.uint8(1)]) == LFSR([1, 1])
    for bad_order in (2.5, True, "2"):
        with pytest.raises(TypeError, match="must be an integer"):
            LFSR([1], q=bad_order)
    with pytest.raises(TypeError):
        LFSR([True, 1])
    assert LFSR([GF(2)(1), 1], q=4) == LFSR([1, 1], q=4)  # the prime field embeds in GF(4)
