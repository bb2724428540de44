r"""
Keeping worker processes (and the Manager) from outliving the run that started them.

A child calls :func:`watch_parent` first thing: it records which process
started it and, on Linux, asks the kernel to kill it when that process dies
(``prctl(PR_SET_PDEATHSIG)``), so a caller killed by SIGKILL leaves nothing
running. :func:`parent_gone` is the portable check between tasks. The parent
compared is the process that started the child: the caller with ``fork`` and
``spawn``, the fork server with ``forkserver`` (which exits when the caller
does), so ``getppid()`` is never compared with the caller's pid.
"""
from __future__ import annotations

import os
import signal

from sage_lfsr.common.parent import die_with_parent

_started_by = None


def watch_parent(expected_parent=None):
    r"""
    Record the parent, and have the kernel kill this process with SIGKILL when it dies (Linux).
    Exit at once when ``expected_parent`` is given and is already gone.
    """
    global _started_by
    _started_by = os.getppid()
    die_with_parent(expected_parent)


def parent_gone() -> bool:
    r"""Whether the process that started this one has died (this one was re-parented)."""
    return _started_by is not None and os.getppid() != _started_by


def describe_exit(exitcode: int) -> str:
    r"""
    How a process ended, from its ``exitcode``.

    EXAMPLES::

        sage: from sage_lfsr.engine.schedules.lifetime import describe_exit
        sage: describe_exit(3), describe_exit(-9)
        ('exited with code 3', 'was killed by signal SIGKILL (exit code -9)')
    """
    if exitcode is not None and exitcode < 0:
        try:
            name = signal.Signals(-exitcode).name
        except ValueError:
            name = f"number {-exitcode}"
        return f"was killed by signal {name} (exit code {exitcode})"
    return f"exited with code {exitcode}"
