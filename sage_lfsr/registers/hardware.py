r"""
The hardware bridge: registers described as taps, width, form, shift direction
and XOR/XNOR feedback, as in datasheets and HDL, tied to the characteristic
polynomial and checked against published output streams.

Taps are stage numbers `1..w` (``w`` = ``width``, always a tap: the output
stage), as in the usual tables: taps ``[16, 14, 13, 11]`` are the *tap
polynomial* `P(x) = x^{16} + x^{14} + x^{13} + x^{11} + 1`. A hardware state is
the register's value as an integer (written in hex, ``"0xACE1"``).

- ``form="fibonacci"``, ``shift="right"`` (external XOR): the output is bit 0;
  the feedback ``parity(value & F)`` with ``F`` the bits `w - t` (``t`` in
  ``taps``) enters bit `w - 1` as the value shifts right. This is exactly
  :class:`~sage_lfsr.registers.lfsr.LFSR`'s convention: coefficient `c_{w-t} = 1`, state
  index = the hardware value, characteristic polynomial the reciprocal
  `x^w P(1/x)` of the tap polynomial.
- ``form="galois"``, ``shift="right"`` (internal XOR): the output is bit 0; the
  value shifts right and, when the output is 1, is XORed with the mask ``G`` of
  bits `t - 1` (``taps [16, 14, 13, 11]`` give ``0xB400``). Same
  characteristic polynomial (its state-update matrix is similar, not equal).
- ``shift="left"``: the mirror image. Bit `j` plays the role of bit `w - 1 - j`:
  the output is the top bit, Fibonacci feedback reads bits `t - 1` and enters
  bit 0, the Galois mask is bits `w - t`. A left-shifting value is the bit
  reversal of the right-shifting one.
- ``xnor=True``: Fibonacci feedback is inverted (``1 + parity``), so the
  all-ones value is the lock-up state instead of zero; in Galois form the
  inner taps (`t < w`) are XNOR gates, ``value ^= G'`` after every step with
  ``G'`` the mask without bit `w - 1`, again locking up in all ones. The map is
  affine, `v \mapsto vM + b`.

Both forms generate output sequences with the characteristic polynomial
`x^w P(1/x)` (the ``galois`` package's ``FLFSR(P)`` and ``GLFSR(P)``; its
"feedback polynomial" is our tap polynomial).

EXAMPLES::

    sage: from sage_lfsr import LFSR
    sage: r = LFSR.from_taps([16, 14, 13, 11], 16)
    sage: r.characteristic_polynomial()
    x^16 + x^5 + x^3 + x^2 + 1
    sage: r.format_state(r.step("0xACE1"))
    '0x5670'
    sage: r.lfsr().state_index(r.lfsr().next_state(0xACE1)) == 0x5670
    True
"""
from __future__ import annotations

from dataclasses import dataclass

from sage_lfsr.common.limits import check_sequence_length

FORMS = ("fibonacci", "galois")
SHIFTS = ("right", "left")
#: Widths :meth:`HardwareRegister.verify` and the state formats accept.
MAX_WIDTH = 4096


def _reverse_bits(value, width):
    return int(format(value, f"0{width}b")[::-1], 2)


def _parity(value):
    return value.bit_count() & 1


@dataclass(frozen=True)
class Convention:
    r"""One way to read a published register: form, shift, XNOR and the seed's bit order."""

    form: str
    shift: str
    xnor: bool
    seed_bit_order: str = "as given"

    def __str__(self):
        return (f"form={self.form!r}, shift={self.shift!r}, xnor={self.xnor}"
                + ("" if self.seed_bit_order == "as given" else ", seed bits reversed"))


@dataclass(frozen=True)
class Verification:
    r"""
    The outcome of :meth:`HardwareRegister.verify`: ``matches``, the first
    mismatching position (``None`` when it matches), and every convention that
    reproduces the test vector (the register's own first when it matches).
    """

    matches: bool
    first_mismatch: int | None
    matching_conventions: tuple

    def __bool__(self):
        return self.matches

    def __str__(self):
        if self.matches:
            return "matches"
        found = "; ".join(str(c) for c in self.matching_conventions) or "none of the 16 conventions"
        return f"differs at position {self.first_mismatch}; conventions that match: {found}"


class HardwareRegister:
    r"""
    A binary register as hardware describes it; see the module notes for the
    conventions. Build it with :func:`from_taps` or ``LFSR.from_taps``.

    EXAMPLES::

        sage: from sage_lfsr.registers.hardware import from_taps
        sage: g = from_taps([16, 14, 13, 11], 16, form="galois")
        sage: g.format_state(g.step(0xACE1)), hex(g.galois_mask)
        ('0xE270', '0xb400')
        sage: from_taps([3, 2], 3, xnor=True).step("0x7")   # the XNOR lock-up state
        7
    """

    def __init__(self, taps, width, form="fibonacci", shift="right", xnor=False):
        if isinstance(width, bool) or not (isinstance(width, int) or type(width).__name__ == "Integer") \
                or not 1 <= width <= MAX_WIDTH:
            raise ValueError(f"width must be an integer in 1..{MAX_WIDTH}, not {width!r}")
        width = int(width)
        try:
            taps = sorted({int(t) for t in taps}, reverse=True)
        except (TypeError, ValueError):
            raise TypeError(f"taps are stage numbers 1..{width}, not {taps!r}") from None
        if not taps or taps[0] != width or taps[-1] < 1:
            raise ValueError(f"taps are stage numbers 1..{width} and include the width {width} (the output stage), "
                             f"not {taps}")
        if form not in FORMS:
            raise ValueError(f"unknown form {form!r}: choose 'fibonacci' or 'galois'")
        if shift not in SHIFTS:
            raise ValueError(f"unknown shift {shift!r}: choose 'right' or 'left'")
        self.taps, self.width, self.form, self.shift, self.xnor = tuple(taps), width, form, shift, bool(xnor)
        self.mask = (1 << width) - 1
        self.fibonacci_mask = sum(1 << (width - t) for t in taps)
        self.galois_mask = sum(1 << (t - 1) for t in taps)
        self.inner_galois_mask = self.galois_mask & ~(1 << (width - 1))

    def __repr__(self):
        return (f"{self.width}-bit {self.form} register, taps {list(self.taps)}, shift {self.shift}"
                f"{', XNOR' if self.xnor else ''}, characteristic polynomial {self.characteristic_polynomial()}")

    @property
    def convention(self) -> Convention:
        return Convention(self.form, self.shift, self.xnor)

    def tap_polynomial(self):
        r"""`P(x) = \sum_{t \in taps} x^t + 1`, the polynomial tap tables print."""
        from sage_lfsr.common import sagemath

        ring = sagemath.PolynomialRing(sagemath.GF(2), "x")
        x = ring.gen()
        return sum((x ** t for t in self.taps), ring(1))

    def characteristic_polynomial(self):
        r"""The reciprocal `x^w P(1/x)` of the tap polynomial, for every form and shift."""
        return self.tap_polynomial().reverse()

    def lfsr(self):
        r"""
        The :class:`~sage_lfsr.registers.lfsr.LFSR` that steps like this register:
        ``lfsr().next_state(state_index(v))`` is the state of index
        ``state_index(step(v))``. The Fibonacci form is the plain (XOR) or affine
        (XNOR: constant 1) register; the Galois form is ``LFSR(..., form="galois")``
        (where the installed :class:`~sage_lfsr.registers.lfsr.LFSR` has it). A Galois XNOR
        register (inner XNOR gates) has no LFSR model here.

        EXAMPLES::

            sage: from sage_lfsr.registers.hardware import from_taps
            sage: hardware = from_taps([4, 3], 4)
            sage: register = hardware.lfsr()
            sage: register.state_index(register.next_state(hardware.state_index(0x9))) == hardware.step(0x9)
            True
        """
        from sage_lfsr.registers.lfsr import LFSR

        polynomial = self.characteristic_polynomial()
        if self.form == "fibonacci" and not self.xnor:
            return LFSR.from_polynomial(polynomial)
        if self.form == "galois" and self.xnor:
            raise NotImplementedError("a Galois XNOR register (inner XNOR gates) is affine and has no LFSR model here")
        variant = {"constant": 1} if self.xnor else {"form": "galois"}
        try:
            return LFSR.from_polynomial(polynomial, **variant)
        except TypeError:
            kind = "affine (XNOR)" if self.xnor else "Galois-form"
            raise NotImplementedError(f"the installed LFSR has no {kind} registers") from None

    def state_index(self, state) -> int:
        r"""
        The index, in :meth:`lfsr`'s convention, of a hardware value: the value
        itself for a right-shifting Fibonacci or a left-shifting Galois register,
        its bit reversal for the other two (the Galois LFSR's cell `a_i` is the
        hardware bit that is `i` stages from the input end).
        """
        value = self.parse_state(state)
        straight = (self.form == "fibonacci") == (self.shift == "right")
        return value if straight else _reverse_bits(value, self.width)

    # ------------------------------------------------------------ states

    def parse_state(self, state) -> int:
        r"""A hardware value from an integer or a hex string (``"0xACE1"``, ``"ace1"``)."""
        if isinstance(state, str):
            digits = state.strip().replace("_", "")
            digits = digits[2:] if digits[:2].lower() == "0x" else digits
            if not digits or len(digits) > self.width // 4 + 2 or \
                    any(c not in "0123456789abcdefABCDEF" for c in digits):
                raise ValueError(f"a hex state is hex digits with an optional 0x, not {state!r}")
            value = int(digits, 16)
        elif isinstance(state, bool) or not (isinstance(state, int) or type(state).__name__ == "Integer"):
            raise TypeError(f"a hardware state is an integer or a hex string, not {type(state).__name__}")
        else:
            value = int(state)
        if not 0 <= value <= self.mask:
            raise ValueError(f"state {state} does not fit in {self.width} bits")
        return value

    def format_state(self, value) -> str:
        r"""The value in hex, upper case, padded to the register's width."""
        return f"0x{value:0{-(-self.width // 4)}X}"

    def _right_step(self, value):
        output = value & 1
        if self.form == "fibonacci":
            feedback = _parity(value & self.fibonacci_mask) ^ self.xnor
            return (value >> 1) | (feedback << (self.width - 1)), output
        value = (value >> 1) ^ (self.galois_mask if output else 0)
        return (value ^ self.inner_galois_mask if self.xnor else value), output

    def _step_with_output(self, value):
        if self.shift == "right":
            return self._right_step(value)
        mirrored, output = self._right_step(_reverse_bits(value, self.width))
        return _reverse_bits(mirrored, self.width), output

    def step(self, state) -> int:
        r"""The next hardware value."""
        return self._step_with_output(self.parse_state(state))[0]

    def states(self, seed, count) -> list:
        r"""``count`` consecutive values from ``seed`` (``seed`` first)."""
        value, values = self.parse_state(seed), []
        for _ in range(count):
            values.append(value)
            value = self._step_with_output(value)[0]
        return values

    def output(self, seed, count) -> list:
        r"""The first ``count`` output bits from ``seed``."""
        count = check_sequence_length(count, "an output")
        value, bits = self.parse_state(seed), []
        for _ in range(count):
            value, bit = self._step_with_output(value)
            bits.append(bit)
        return bits

    def period(self, seed) -> int:
        r"""Steps until ``seed`` returns (a walk: use on widths up to about 24)."""
        start = value = self.parse_state(seed)
        for step in range(1, (1 << self.width) + 1):
            value = self._step_with_output(value)[0]
            if value == start:
                return step
        return None

    # ------------------------------------------------------------ test vectors

    def verify(self, test_vector) -> Verification:
        r"""
        Check a published test vector; when it does not match, say which
        conventions would (form, shift, XNOR, and the seed's bit order).

        INPUT:

        - ``test_vector`` -- a dict with ``"seed"`` (int or hex) and either
          ``"output"`` (the output bits: a string ``"0110..."`` or a list) or
          ``"states"`` (the values after the seed, ints or hex strings)

        OUTPUT: a :class:`Verification` (true when it matches)

        EXAMPLES::

            sage: from sage_lfsr.registers.hardware import from_taps
            sage: fib = from_taps([4, 3], 4)
            sage: vector = {"seed": "0x1", "output": "100010011010111"}
            sage: print(fib.verify(vector))
            matches
            sage: print(from_taps([4, 3], 4, shift="left").verify(vector))
            differs at position 0; conventions that match: form='fibonacci', shift='right', xnor=False; ...
        """
        seed, kind, expected = self._read_test_vector(test_vector)
        mismatch = self._first_mismatch(self, seed, kind, expected)
        matching = []
        for form in FORMS:
            for shift in SHIFTS:
                for xnor in (False, True):
                    other = HardwareRegister(self.taps, self.width, form, shift, xnor)
                    for order, start in (("as given", seed), ("reversed", _reverse_bits(seed, self.width))):
                        if self._first_mismatch(other, start, kind, expected) is None:
                            matching.append(Convention(form, shift, xnor, order))
        matching.sort(key=lambda c: c != Convention(self.form, self.shift, self.xnor))
        return Verification(mismatch is None, mismatch, tuple(matching))

    def _read_test_vector(self, test_vector):
        if not isinstance(test_vector, dict) or "seed" not in test_vector or \
                sum(key in test_vector for key in ("output", "states")) != 1:
            raise ValueError('a test vector is a dict with "seed" and one of "output" or "states"')
        seed = self.parse_state(test_vector["seed"])
        if "output" in test_vector:
            bits = test_vector["output"]
            bits = [c for c in bits if c not in " _\n"] if isinstance(bits, str) else list(bits)
            if any(str(b) not in ("0", "1") for b in bits):
                raise ValueError("output bits are 0 and 1")
            return seed, "output", [int(b) for b in bits]
        return seed, "states", [self.parse_state(s) for s in test_vector["states"]]

    @staticmethod
    def _first_mismatch(register, seed, kind, expected):
        produced = (register.output(seed, len(expected)) if kind == "output"
                    else register.states(seed, len(expected) + 1)[1:])
        return next((i for i, (a, b) in enumerate(zip(produced, expected)) if a != b), None)


def from_taps(taps, width, form="fibonacci", shift="right", xnor=False) -> HardwareRegister:
    r"""
    A binary register from its hardware description (see the module notes for
    the mapping from taps to the characteristic polynomial in each form).

    EXAMPLES::

        sage: from sage_lfsr.registers.hardware import from_taps
        sage: from_taps([4, 3], 4)
        4-bit fibonacci register, taps [4, 3], shift right, characteristic polynomial x^4 + x + 1

    TESTS::

        sage: from_taps([3, 2], 4)
        Traceback (most recent call last):
        ...
        ValueError: taps are stage numbers 1..4 and include the width 4 (the output stage), not [3, 2]
        sage: from_taps([4, 3], 4, form="internal")
        Traceback (most recent call last):
        ...
        ValueError: unknown form 'internal': choose 'fibonacci' or 'galois'
    """
    return HardwareRegister(taps, width, form=form, shift=shift, xnor=xnor)
