r"""
``sage -python -m sage_lfsr``, ``python -m sage_lfsr`` and the ``sage-lfsr``
console script: see :mod:`sage_lfsr.cli`.
"""
import sys


def main(argv=None) -> int:
    r"""Run the command line; return its exit code."""
    try:
        from sage_lfsr.cli import main as cli_main

        return cli_main(argv)
    except KeyboardInterrupt:  # Ctrl-C while Sage loads (seconds on a busy machine): the line a run prints
        print("sage-lfsr: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
