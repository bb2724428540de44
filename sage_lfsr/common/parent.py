r"""
Children that do not outlive their caller: on Linux the kernel kills a process with
SIGKILL when the one that started it dies (``prctl(PR_SET_PDEATHSIG)``), even when
the caller itself is killed with SIGKILL and can clean nothing up. Worker processes,
forked library calls and the Dask commands of a local test cluster all call
:func:`die_with_parent` first thing.
"""
import ctypes
import os
import signal
import sys

_PR_SET_PDEATHSIG = 1


def die_with_parent(expected_parent=None):
    r"""
    Have the kernel kill this process with SIGKILL when its parent dies (Linux; elsewhere
    nothing). Exit at once when ``expected_parent`` is given and is no longer the parent:
    the caller died before the signal was armed.

    EXAMPLES::

        sage: import os, subprocess, sys
        sage: from sage_lfsr.common.parent import die_with_parent
        sage: subprocess.run([sys.executable, "-c", "import os; from sage_lfsr.common.parent import die_with_parent; "
        ....:                 f"die_with_parent({os.getpid()}); print('armed')"], capture_output=True, text=True).stdout
        'armed\n'
    """
    if sys.platform.startswith("linux"):
        try:
            ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):  # pragma: no cover - no prctl
            pass
    if expected_parent is not None and os.getppid() != expected_parent:
        os._exit(1)
