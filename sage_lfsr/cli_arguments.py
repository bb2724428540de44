r"""
The command line's argument types and its one refusal path, shared by
:mod:`sage_lfsr.cli` and the subcommands kept in modules of their own
(:mod:`sage_lfsr.cli_complexity`).
"""
import argparse
import re


class UsageError(ValueError):
    r"""A bad argument: reported in one line, exit code 2."""


def refuse(message):
    r"""
    Refuse bad input before any work: the one path of the command line's own
    refusals, which :func:`main` reports as one line ``sage-lfsr: error: ...``
    and exit code 2 (as it reports the library's ``ValueError``). Raised inside
    an ``except`` block too, the message stands alone (no chained traceback).

    EXAMPLES::

        sage: from sage_lfsr.cli_arguments import refuse
        sage: refuse("--anf needs --degree")
        Traceback (most recent call last):
        ...
        UsageError: --anf needs --degree
    """
    raise UsageError(message) from None


def positive_int(text):
    r"""
    An integer ``>= 1`` from the command line.

    EXAMPLES::

        sage: from sage_lfsr.cli_arguments import positive_int
        sage: positive_int("4")
        4
        sage: positive_int("0")
        Traceback (most recent call last):
        ...
        ArgumentTypeError: must be a positive integer, not '0'
    """
    value = int(text) if re.fullmatch(r"\s*\+?[0-9]+\s*", text) else 0  # ASCII digits, as the field parser reads
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer, not {text!r}")
    return value


def positive_int_list(text):
    r"""
    A comma-separated list of positive integers.

    EXAMPLES::

        sage: from sage_lfsr.cli_arguments import positive_int_list
        sage: positive_int_list("1,2, 4")
        [1, 2, 4]
    """
    return [positive_int(item.strip()) for item in text.split(",") if item.strip()]
