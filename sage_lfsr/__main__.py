r"""
``sage -python -m sage_lfsr``, ``python -m sage_lfsr`` and the ``sage-lfsr``
console script: see :mod:`sage_lfsr.cli`.
"""
import sys


def main(argv=None) -> int:
    r"""Run the command line; return its exit code."""
    from sage_lfsr.cli import main as cli_main

    return cli_main(argv)


if __name__ == "__main__":
    sys.exit(main())
