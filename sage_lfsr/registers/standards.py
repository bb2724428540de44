r"""
Standard registers: the PRBS generators of ITU-T O.150, the IEEE 802.11, DVB and
PCI Express / USB 3 scramblers and the CRC-16-CCITT and CRC-32 generators, each as a
:class:`~sage_lfsr.registers.hardware.HardwareRegister` with the standard's polynomial,
shift direction, seed and output order.

Each is checked two ways in its doctest: against the circuit as the standard describes it
(:func:`circuit_output`: stages numbered from the input, written here stage by stage without
the hardware model), through ``register.verify()``; and against the output the standard
publishes, where it publishes one (the 802.11 scrambler's 127 bits, the first DVB randomizer
byte, the first 16 PCI Express / USB 3 scrambler bytes, the CRC check values of
``"123456789"``). O.150 prints no bit strings: its generators are checked by their
polynomial, their period `2^n - 1` and the circuit.

Sources. The standards' own texts could not be read offline, so every clause number and
convention below was checked against what could be found, and says which: O.150's clause
numbers, feedback stages and inversions (5.1 `2^9 - 1` and 5.2 `2^{11} - 1` non-inverted,
5.3 `2^{15} - 1`, 5.6 `2^{23} - 1` and 5.8 `2^{31} - 1` inverted, 5.4 `2^{20} - 1` with stages
3 and 20 non-inverted; 5.5 is the zero-suppressed QRSS, not offered here) agree in Xilinx's
O.150 table (XAPP884, ``PRBS_ANY``), an O.150 generator written clause by clause and the
comnum-mapping documentation; the 802.11 scrambler is clause 18.3.5.5 of IEEE Std
802.11-2012 (MathWorks WLAN Toolbox documentation; clause 17 in later editions); DVB's
randomizer is clause 4.4.1 of EN 300 421 (4.3.1 of EN 300 744, DVB-T); the PCI Express
scrambled-zero table is in Appendix C of the Base Specification 2.1; the CRC parameters are the
CRC RevEng catalogue's CRC-16/IBM-3740 (formerly CRC-16/CCITT-FALSE) and CRC-32/ISO-HDLC, and
the CRC-32 is IEEE 802.3's FCS, clause 3.2.9. The published outputs in the doctests are the
ones these secondary sources quote.

Conventions: a stage-numbered circuit with stages `1..n` (stage 1 takes the feedback) is the
right-shifting Fibonacci register whose bit `n - k` holds stage `k`; its taps are the
exponents of the standard's polynomial (:mod:`sage_lfsr.registers.hardware`). Where the
standard takes its output at the feedback (the scramblers), :meth:`StandardRegister.sequence`
does too; ``register.output`` is always the last stage.

EXAMPLES::

    sage: from sage_lfsr import LFSR
    sage: LFSR.standard("PRBS9")
    PRBS9 (ITU-T O.150, 5.1): 9-bit fibonacci register, taps [9, 5], shift right, characteristic polynomial x^9 + x^4 + 1
    sage: from sage_lfsr.registers.standards import STANDARDS
    sage: sorted(STANDARDS)
    ['CRC-16-CCITT', 'CRC-32', 'DVB', 'IEEE-802.11', 'PCIE', 'PRBS11', 'PRBS15', 'PRBS20', 'PRBS23', 'PRBS31', 'PRBS7', 'PRBS9', 'USB3']
"""
from __future__ import annotations

import re

from dataclasses import dataclass

from sage_lfsr.registers.hardware import HardwareRegister, from_taps


@dataclass(frozen=True)
class StandardRegister:
    r"""
    A register as a standard defines it.

    - ``name``, ``source`` -- the short name and the document (and clause) that defines it
    - ``register`` -- the :class:`~sage_lfsr.registers.hardware.HardwareRegister`
    - ``seed`` -- the initial value the standard prescribes (all ones where it prescribes none)
    - ``output_at`` -- ``"last stage"`` or ``"feedback"`` (the bit fed back, as scramblers use it)
    - ``inverted`` -- whether the standard's signal is the complement of the register's
    - ``crc`` -- for CRC generators: ``(init, reflected, final_xor)``
    """
    name: str
    source: str
    register: HardwareRegister
    seed: int
    output_at: str = "last stage"
    inverted: bool = False
    crc: tuple = None

    def __repr__(self):
        return f"{self.name} ({self.source}): {self.register!r}"

    def sequence(self, count):
        r"""The standard's first ``count`` output bits from :attr:`seed`."""
        delay = self.register.width if self.output_at == "feedback" else 0
        bits = self.register.output(self.seed, count + delay)[delay:]
        return [bit ^ 1 for bit in bits] if self.inverted else bits

    def checksum(self, data: bytes) -> int:
        r"""
        The CRC of ``data``: the register stepped once per message bit with the bit added
        at its input end (the top bit shifting left, bit 0 shifting right; reflected CRCs
        take each byte's bits from the lowest), then the final XOR.
        """
        if self.crc is None:
            raise ValueError(f"{self.name} is not a CRC generator")
        if not isinstance(data, (bytes, bytearray, memoryview)):  # bytes(5) would be five zero bytes
            hint = ": encode text first, e.g. text.encode()" if isinstance(data, str) else ""
            raise TypeError(f"checksum takes bytes, not {type(data).__name__}{hint}")
        init, reflected, final_xor = self.crc
        register, value = self.register, init
        entry = 0 if register.shift == "right" else register.width - 1
        for byte in bytes(data):
            for i in range(8):
                bit = (byte >> i) & 1 if reflected else (byte >> (7 - i)) & 1
                value = register.step(value ^ (bit << entry))
        return value ^ final_xor


def circuit_output(polynomial_exponents, seed_stages, count, output_at="last stage"):
    r"""
    A stage-numbered Fibonacci circuit as standards draw it, independent of the hardware model:
    stages `1..n` (``seed_stages[0]`` is stage 1), the stages named by the polynomial's exponents
    (`n` included) added and fed into stage 1; the output is stage `n` or the feedback.

    EXAMPLES::

        sage: from sage_lfsr.registers.standards import circuit_output
        sage: "".join(map(str, circuit_output([4, 3], [1, 0, 0, 0], 15)))
        '000100110101111'
    """
    stages = list(seed_stages)
    bits = []
    for _ in range(count):
        feedback = 0
        for exponent in polynomial_exponents:
            feedback ^= stages[exponent - 1]
        bits.append(feedback if output_at == "feedback" else stages[-1])
        stages = [feedback] + stages[:-1]
    return bits


def stages_to_value(seed_stages) -> int:
    r"""The hardware value (bit `n - k` = stage `k`) of a circuit's stages listed from stage 1."""
    width = len(seed_stages)
    return sum(bit << (width - 1 - k) for k, bit in enumerate(seed_stages))


def _prbs(n, m, clause, inverted=False):
    return StandardRegister(f"PRBS{n}", f"ITU-T O.150, {clause}", from_taps([n, m], n), (1 << n) - 1,
                            inverted=inverted)


def _mask_taps(mask, width, shift):
    r"""Taps of a Galois register from its XOR mask (bits `t - 1` shifting right, `w - t` left)."""
    bits = [b for b in range(width) if mask >> b & 1]
    return [b + 1 for b in bits] if shift == "right" else [width - b for b in bits]


STANDARDS = {
    # ITU-T O.150, clause 5 (numbers and inversions as the module's sources tabulate them); PRBS7 is not among them.
    "PRBS7": StandardRegister("PRBS7", "not in ITU-T O.150 (non-standard in Xilinx XAPP884's O.150 table): "
                              "x^7 + x^6 + 1 as test sets use it", from_taps([7, 6], 7), 0x7F),
    "PRBS9": _prbs(9, 5, "5.1"),
    "PRBS11": _prbs(11, 9, "5.2"),
    "PRBS15": _prbs(15, 14, "5.3", inverted=True),
    "PRBS20": _prbs(20, 3, "5.4"),
    "PRBS23": _prbs(23, 18, "5.6", inverted=True),
    "PRBS31": _prbs(31, 28, "5.8", inverted=True),
    "IEEE-802.11": StandardRegister(
        "IEEE-802.11", "IEEE Std 802.11-2012, 18.3.5.5 (OFDM data scrambler, S(x) = x^7 + x^4 + 1)",
        from_taps([7, 4], 7), 0x7F, output_at="feedback"),
    "DVB": StandardRegister(
        "DVB", "ETSI EN 300 421, 4.4.1 (randomization for energy dispersal, 1 + x^14 + x^15)",
        from_taps([15, 14], 15), stages_to_value([1, 0, 0, 1, 0, 1, 0, 1, 0, 0, 0, 0, 0, 0, 0]), output_at="feedback"),
    "PCIE": StandardRegister(
        "PCIE", "PCI Express Base Specification 2.1 8b/10b scrambling (Appendix C: scrambled 00h) and USB 3.0's, "
        "clause not checked: G(X) = X^16 + X^5 + X^4 + X^3 + 1",
        from_taps(_mask_taps(0x0039, 16, "left"), 16, form="galois", shift="left"), 0xFFFF),
    "CRC-16-CCITT": StandardRegister(
        "CRC-16-CCITT", "ITU-T V.41's x^16 + x^12 + x^5 + 1 with CRC RevEng's CRC-16/IBM-3740 (CCITT-FALSE) parameters",
        from_taps(_mask_taps(0x1021, 16, "left"), 16, form="galois", shift="left"), 0xFFFF, crc=(0xFFFF, False, 0)),
    "CRC-32": StandardRegister(
        "CRC-32", "IEEE Std 802.3, 3.2.9 (FCS); CRC RevEng's CRC-32/ISO-HDLC: reflected, init and final XOR 0xFFFFFFFF",
        from_taps(_mask_taps(0xEDB88320, 32, "right"), 32, form="galois"), 0xFFFFFFFF,
        crc=(0xFFFFFFFF, True, 0xFFFFFFFF)),
}
STANDARDS["USB3"] = STANDARDS["PCIE"]


def standard(name) -> StandardRegister:
    r"""
    The standard register ``name`` (case and ``_``/``-`` ignored): one of :data:`STANDARDS`.

    EXAMPLES:

    O.150's generators have period `2^n - 1` (a walk up to 2^15, primitivity above) and are the
    circuit the standard draws (stage `n` and stage `m` fed back), from all ones::

        sage: from sage_lfsr.registers.standards import standard, circuit_output
        sage: for name, m in [("PRBS7", 6), ("PRBS9", 5), ("PRBS11", 9), ("PRBS15", 14),
        ....:                 ("PRBS20", 3), ("PRBS23", 18), ("PRBS31", 28)]:
        ....:     s = standard(name); n = s.register.width
        ....:     reference = circuit_output([n, m], [1] * n, 200)
        ....:     assert s.register.verify({"seed": s.seed, "output": reference})
        ....:     assert s.sequence(200) == ([1 - b for b in reference] if s.inverted else reference)
        ....:     period_ok = (s.register.period(s.seed) == 2**n - 1 if n <= 15
        ....:                  else s.register.characteristic_polynomial().is_primitive())
        ....:     print(name, s.register.tap_polynomial(), s.inverted, period_ok)
        PRBS7 x^7 + x^6 + 1 False True
        PRBS9 x^9 + x^5 + 1 False True
        PRBS11 x^11 + x^9 + 1 False True
        PRBS15 x^15 + x^14 + 1 True True
        PRBS20 x^20 + x^3 + 1 False True
        PRBS23 x^23 + x^18 + 1 True True
        PRBS31 x^31 + x^28 + 1 True True

    The IEEE 802.11 data scrambler from all ones gives the 127 bits printed in its clause
    (18.3.5.5 of 802.11-2012)::

        sage: s = standard("ieee-802.11")
        sage: published = ("00001110111100101100100100000010001001100010111010110110000011001101"
        ....:              "01001110011110110100001010101111101001010001101110001111111")
        sage: "".join(map(str, s.sequence(127))) == published
        True
        sage: s.register.verify({"seed": s.seed, "output": circuit_output([7, 4], [1] * 7, 127)}).matches
        True

    The DVB randomizer, loaded with 100101010000000, starts 00000011 (the randomizer figure of
    EN 300 421, 4.4.1, as the module's sources quote it)::

        sage: s = standard("DVB")
        sage: "".join(map(str, s.sequence(8)))
        '00000011'
        sage: seed = [1, 0, 0, 1, 0, 1, 0, 1, 0, 0, 0, 0, 0, 0, 0]
        sage: s.sequence(300) == circuit_output([15, 14], seed, 300, output_at="feedback")
        True

    The PCI Express / USB 3 scrambler from 0xFFFF, bits taken lowest first into bytes: the
    first 16 bytes of the scrambled-00h table (PCI Express Base Specification 2.1, Appendix C)::

        sage: s = standard("USB3")
        sage: bits = s.sequence(128)
        sage: " ".join(f"{sum(b << i for i, b in enumerate(bits[8 * k:8 * k + 8])):02X}" for k in range(16))
        'FF 17 C0 14 B2 E7 02 82 72 6E 28 A6 BE 6D BF 8D'
        sage: s.register.characteristic_polynomial()
        x^16 + x^5 + x^4 + x^3 + 1

    The CRC generators are LFSRs whose characteristic polynomial is the generator; their
    check values of ``"123456789"`` as the CRC RevEng catalogue lists them (and Python's ``zlib``
    and ``binascii`` as a second implementation)::

        sage: import binascii, zlib
        sage: crc32, crc16 = standard("CRC-32"), standard("crc_16_ccitt")
        sage: hex(crc32.checksum(b"123456789")), hex(crc16.checksum(b"123456789"))
        ('0xcbf43926', '0x29b1')
        sage: crc32.checksum(b"sage_lfsr") == zlib.crc32(b"sage_lfsr"), crc16.checksum(b"x" * 5) == binascii.crc_hqx(b"x" * 5, 0xFFFF)
        (True, True)
        sage: crc32.register.characteristic_polynomial() == crc32.register.characteristic_polynomial().parent()(
        ....:     [int(b) for b in bin(0x104C11DB7)[2:][::-1]])
        True
        sage: crc16.register.characteristic_polynomial()
        x^16 + x^12 + x^5 + 1

    TESTS::

        sage: standard("CRC32") is standard("crc_32") is standard("CRC-32"), standard("PRBS_31").name
        (True, 'PRBS31')
        sage: standard("CRC-32").checksum(int(5))
        Traceback (most recent call last):
        ...
        TypeError: checksum takes bytes, not int
        sage: standard("PRBS8")
        Traceback (most recent call last):
        ...
        ValueError: unknown standard register 'PRBS8': choose one of CRC-16-CCITT, CRC-32, DVB, IEEE-802.11, PCIE, PRBS11, PRBS15, PRBS20, PRBS23, PRBS31, PRBS7, PRBS9, USB3
        sage: standard("PRBS9").checksum(b"1")
        Traceback (most recent call last):
        ...
        ValueError: PRBS9 is not a CRC generator
    """
    if not isinstance(name, str):
        raise TypeError(f"a standard register is named by a string, not {type(name).__name__}")
    key = _plain_name(name[:60])
    by_plain_name = {_plain_name(known): register for known, register in STANDARDS.items()}
    if key not in by_plain_name:
        raise ValueError(f"unknown standard register {name[:40]!r}: choose one of {', '.join(sorted(STANDARDS))}")
    return by_plain_name[key]


def _plain_name(name) -> str:
    r"""A standard's name without case, spaces, ``-``, ``_`` or ``.``: ``"crc_32"``, ``"CRC32"`` and ``"CRC-32"`` alike."""
    return re.sub(r"[\s_.-]", "", name).upper()
