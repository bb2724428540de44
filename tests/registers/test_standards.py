"""
The standard registers against references written here from the standards' descriptions (not the
package's hardware model nor the module's own circuit) and Python's zlib/binascii CRCs.
"""
import binascii
import random
import zlib

import pytest

from sage_lfsr import LFSR
from sage_lfsr.registers.standards import STANDARDS

PRBS = {"PRBS7": (7, 6), "PRBS9": (9, 5), "PRBS11": (11, 9), "PRBS15": (15, 14), "PRBS20": (20, 3),
        "PRBS23": (23, 18), "PRBS31": (31, 28)}


def prbs_reference(n, m, count):
    r"""x^n + x^m + 1 as an integer shift register: stage k is bit k - 1, stages n and m fed back into stage 1."""
    state, bits = (1 << n) - 1, []
    for _ in range(count):
        bits.append(state >> (n - 1) & 1)
        feedback = (state >> (n - 1) ^ state >> (m - 1)) & 1
        state = ((state << 1) | feedback) & ((1 << n) - 1)
    return bits


@pytest.mark.parametrize("name", sorted(PRBS))
def test_prbs_generators_are_the_o150_circuits(name):
    n, m = PRBS[name]
    standard = LFSR.standard(name)
    reference = prbs_reference(n, m, 3 * n + 50)
    expected = [1 - b for b in reference] if standard.inverted else reference
    assert standard.sequence(len(reference)) == expected
    assert standard.register.verify({"seed": standard.seed, "output": reference})
    assert standard.register.characteristic_polynomial().is_primitive()


def test_scramblers_against_their_descriptions():
    state, bits = 0x7F, []  # 802.11: x^7 + x^4 + 1, output = the feedback, seven stages from all ones
    for _ in range(300):
        feedback = (state >> 6 ^ state >> 3) & 1
        bits.append(feedback)
        state = ((state << 1) | feedback) & 0x7F
    assert LFSR.standard("IEEE-802.11").sequence(300) == bits
    lfsr, out = 0xFFFF, []  # PCIe / USB 3: Galois, G(X) = X^16 + X^5 + X^4 + X^3 + 1, output the top bit
    for _ in range(500):
        out.append(lfsr >> 15 & 1)
        lfsr = ((lfsr << 1) & 0xFFFF) ^ (0x39 if lfsr >> 15 else 0)
    assert LFSR.standard("pcie").sequence(500) == out == LFSR.standard("USB3").sequence(500)


def test_crcs_agree_with_zlib_and_binascii_on_random_messages():
    rng = random.Random(22)
    for length in (0, 1, 7, 64, 300):
        data = bytes(rng.randrange(256) for _ in range(length))
        assert STANDARDS["CRC-32"].checksum(data) == zlib.crc32(data)
        assert STANDARDS["CRC-16-CCITT"].checksum(data) == binascii.crc_hqx(data, 0xFFFF)


def test_unknown_names_are_refused_in_one_line():
    with pytest.raises(ValueError, match="unknown standard register 'PRBS8'"):
        LFSR.standard("PRBS8")
    with pytest.raises(TypeError, match="named by a string"):
        LFSR.standard(7)
