r"""
``sage -python -m sage_lfsr``, ``python -m sage_lfsr`` and the ``sage-lfsr``
console script: see :mod:`sage_lfsr.cli`.
"""
import os
import signal
import sys
import threading


def _terminated_while_loading(signum, frame):
    r"""
    SIGTERM before the command line installs its own handler (while Sage loads):
    nothing is started or written yet, so the process ends here, with the line a
    run prints. (An exception raised here could be swallowed by the code loading.)
    """
    os.write(2, b"sage-lfsr: terminated by SIGTERM\n")
    os._exit(128 + signum)


def main(argv=None) -> int:
    r"""Run the command line; return its exit code."""
    main_thread = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, _terminated_while_loading) if main_thread else None
    try:
        from sage_lfsr.cli import main as cli_main

        return cli_main(argv)
    except KeyboardInterrupt:  # Ctrl-C while Sage loads (seconds on a busy machine)
        print("sage-lfsr: interrupted", file=sys.stderr)
        return 128 + signal.SIGINT
    finally:
        if main_thread:
            signal.signal(signal.SIGTERM, previous)


if __name__ == "__main__":
    sys.exit(main())
