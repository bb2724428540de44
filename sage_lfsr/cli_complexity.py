r"""
The ``complexity`` subcommand: the complexity of a file of bits.

``sage-lfsr complexity FILE --measure linear|max-order|k-error|nist`` reads the bits of ``FILE``
(text of ``0`` and ``1``, spaces and line breaks ignored; or any other bytes, eight bits a byte,
the most significant first; ``--format`` says which where the guess would be wrong; ``-`` is
standard input) and prints one measure:

- ``linear``: the linear complexity (Berlekamp-Massey);
- ``max-order``: the maximum order complexity (the shortest register of any kind);
- ``k-error``: the file is one period; with ``--k K`` the ``K``-error linear complexity, without
  it the whole profile over `k` as the steps where it falls (periods `2^n` only);
- ``nist``: the linear complexity test of NIST SP 800-22 (``--block M`` bits a block, default 500).

The file's size is checked before it is read (at most
:data:`~sage_lfsr.common.limits.MAX_SEQUENCE_TERMS` bits).

EXAMPLES::

    sage: import os, tempfile
    sage: from sage_lfsr.cli import main
    sage: path = os.path.join(tempfile.mkdtemp(), "bits.txt")
    sage: _ = open(path, "w").write("0001 0011 0101 1110 001\n")
    sage: main(["complexity", path, "--measure", "linear"])
    linear complexity: 4 (19 bits)
    0
    sage: main(["complexity", path, "--measure", "max-order"])
    maximum order complexity: 4 (19 bits)
    0
"""
from __future__ import annotations

import os
import sys

import numpy as np

#: What ``--measure`` accepts.
MEASURES = ("linear", "max-order", "k-error", "nist")
#: Bytes a text file may hold besides the bits (separators).
_TEXT_BYTES = b"01 \t\r\n_"


def add_complexity_command(commands):
    r"""The ``complexity`` subcommand's arguments (:func:`command_complexity` runs it)."""
    from sage_lfsr.cli_arguments import positive_int

    complexity = commands.add_parser("complexity", help="the linear, maximum order or k-error complexity of a file "
                                                        "of bits, or NIST's linear complexity test")
    complexity.add_argument("file", metavar="FILE", help="the bits: text of 0 and 1, or bytes (8 bits each); - is "
                                                        "standard input")
    complexity.add_argument("--measure", choices=MEASURES, default="linear",
                            help="linear (default), max-order, k-error (the file is one period) or nist")
    complexity.add_argument("--format", choices=("auto", "text", "binary"), default="auto",
                            help="how to read FILE (default: text when it holds only 0, 1 and spaces)")
    complexity.add_argument("--k", type=int, metavar="K", help="k-error: at most K changed bits (default: "
                                                              "the whole profile, periods 2^n)")
    complexity.add_argument("--block", type=positive_int, metavar="M", help="nist: bits a block (default: 500)")
    complexity.set_defaults(run=command_complexity)
    if commands.metavar and "complexity" not in commands.metavar:
        commands.metavar = commands.metavar.rstrip("}") + ",complexity}"


def read_bits(path, format="auto"):
    r"""
    The bits of the file ``path`` as a numpy ``uint8`` array, its size checked before it is read.

    INPUT:

    - ``path`` -- a regular file, or ``"-"`` for standard input (a pipe)
    - ``format`` -- ``"text"`` (``0`` and ``1``; spaces, tabs, line breaks and underscores
      ignored), ``"binary"`` (8 bits a byte, the most significant first) or ``"auto"`` (text
      when the file holds only those characters)

    EXAMPLES::

        sage: import os, tempfile
        sage: from sage_lfsr.cli_complexity import read_bits
        sage: path = os.path.join(tempfile.mkdtemp(), "bits.bin")
        sage: _ = open(path, "wb").write(bytes([0b10110000, 0xff]))
        sage: read_bits(path).tolist()
        [1, 0, 1, 1, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1]
    """
    from sage_lfsr.common.files import check_regular
    from sage_lfsr.common.limits import MAX_SEQUENCE_TERMS, TooLarge

    if format not in ("auto", "text", "binary"):
        raise ValueError(f"the format is auto, text or binary, not {format!r}")
    most_bytes = 2 * MAX_SEQUENCE_TERMS  # text: a separator after each bit at most
    if path == "-":
        stream = sys.stdin.buffer
        data = stream.read(most_bytes + 1)
    else:
        check_regular(path, "file of bits")  # a FIFO would block, a device never end: `-` reads a pipe
        try:
            size = os.stat(path).st_size
            if size > most_bytes:
                raise TooLarge(f"{path} has {size} bytes, too many: a file of bits holds at most {MAX_SEQUENCE_TERMS} "
                               f"bits ({MAX_SEQUENCE_TERMS // 8} bytes, or {most_bytes} bytes of text)")
            with open(path, "rb") as stream:
                data = stream.read(most_bytes + 1)
        except OSError as error:
            raise ValueError(f"cannot read {path}: {error.strerror}") from None
    if len(data) > most_bytes:
        raise TooLarge(f"{path} holds more than {most_bytes} bytes, too many: a file of bits holds at most "
                       f"{MAX_SEQUENCE_TERMS} bits")
    if format == "auto":
        format = "text" if data and not data.translate(None, _TEXT_BYTES) else "binary"
    if format == "text":
        raw = np.frombuffer(data.translate(None, _TEXT_BYTES[2:]), dtype=np.uint8)
        bad = np.flatnonzero((raw != ord("0")) & (raw != ord("1")))
        if len(bad):
            raise ValueError(f"a text file of bits holds only 0, 1 and spaces, not byte {raw[bad[0]]} "
                             "(give --format binary for bytes)")
        bits = raw - ord("0")
    else:
        bits = np.unpackbits(np.frombuffer(data, dtype=np.uint8))
    if len(bits) > MAX_SEQUENCE_TERMS:
        raise TooLarge(f"{len(bits)} bits are too many: a file of bits holds at most {MAX_SEQUENCE_TERMS}")
    if len(bits) == 0:
        raise ValueError(f"{path} holds no bits")
    return bits.astype(np.uint8)


def command_complexity(arguments):
    r"""
    ``complexity``: one measure of a file of bits.

    EXAMPLES::

        sage: import os, tempfile
        sage: from sage_lfsr.cli import main
        sage: path = os.path.join(tempfile.mkdtemp(), "period.txt")
        sage: _ = open(path, "w").write("0001011100010111")
        sage: main(["complexity", path, "--measure", "k-error"])
        k-error linear complexity of the period of 16 bits (k: complexity, where it falls):
        0: 7
        4: 2
        8: 0
        0
        sage: main(["complexity", path, "--measure", "k-error", "--k", "4"])
        4-error linear complexity: 2 (period of 16 bits)
        0
        sage: main(["complexity", path, "--measure", "nist"])
        sage-lfsr: error: the linear complexity test needs at least one block of 500 bits, not 16 bits
        2
        sage: main(["complexity", path, "--block", "8"])
        sage-lfsr: error: --block is for --measure nist
        2
    """
    from sage_lfsr.cli_arguments import refuse

    if arguments.k is not None and arguments.measure != "k-error":
        refuse("--k is for --measure k-error")
    if arguments.block is not None and arguments.measure != "nist":
        refuse("--block is for --measure nist")
    if arguments.k is not None and arguments.k < 0:
        refuse(f"--k counts changed bits, so it is at least 0, not {arguments.k}")
    bits = read_bits(arguments.file, arguments.format)
    n = len(bits)
    if arguments.measure == "linear":
        from sage_lfsr.theory.sequences import linear_complexity

        lines = [f"linear complexity: {linear_complexity(bits)} ({n} bits)"]
    elif arguments.measure == "max-order":
        from sage_lfsr.theory.order_complexity import maximum_order_complexity

        lines = [f"maximum order complexity: {maximum_order_complexity(bits)} ({n} bits)"]
    elif arguments.measure == "k-error":
        from sage_lfsr.theory.periodic import k_error_linear_complexity, k_error_linear_complexity_profile

        if arguments.k is not None:
            lines = [f"{arguments.k}-error linear complexity: {k_error_linear_complexity(bits, arguments.k)} "
                     f"(period of {n} bits)"]
        else:
            profile = k_error_linear_complexity_profile(bits)
            lines = [f"k-error linear complexity of the period of {n} bits (k: complexity, where it falls):"]
            lines += [f"{k}: {value}" for k, value in enumerate(profile) if k == 0 or value != profile[k - 1]]
    else:
        from sage_lfsr.theory.nist import sp800_22_linear_complexity_test

        result = sp800_22_linear_complexity_test(bits, 500 if arguments.block is None else arguments.block)
        lines = [f"NIST SP 800-22 linear complexity test: M = {result.block_bits}, {result.blocks} blocks "
                 f"({n} bits)", f"class counts: {', '.join(map(str, result.counts))}",
                 f"chi-square: {result.chi_square:.6f}", f"P-value: {result.p_value:.6f} "
                 f"({'passed' if result.passed else 'failed'} at the 1% level)"]
    sys.stdout.write("\n".join(lines) + "\n")
    sys.stdout.flush()
    return 0
