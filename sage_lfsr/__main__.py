r"""
``sage -python -m sage_lfsr``, ``python -m sage_lfsr`` and the ``sage-lfsr``
console script: see :mod:`sage_lfsr.cli`.
"""
import atexit
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


def _after_the_run(code):
    r"""
    The handler of a signal that arrives once the run has ended, while the process
    exits (threads joined, a Dask cluster's last messages): one line that says the
    run's outcome stands, the signal's exit code.
    """
    outcome = b"its output is complete" if code == 0 else b"it had ended with exit code %d" % code

    def ended(signum, frame):
        name = signal.Signals(signum).name.encode("ascii")
        os.write(2, b"sage-lfsr: %s after the run ended: %s\n" % (name, outcome))
        os._exit(128 + signum)

    return ended


def _ignore_signals_while_python_ends():
    r"""
    Last of the exit handlers (registered first): from here Python ends by itself
    and resets its handlers to the default, so a signal would kill it silently
    (exit 143 with the output complete). The run has ended: the signal is ignored
    and the exit code stands.
    """
    for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(signum, signal.SIG_IGN)


def main(argv=None) -> int:
    r"""Run the command line; return its exit code."""
    main_thread = threading.current_thread() is threading.main_thread()
    if main_thread and argv is None:  # the program itself
        atexit.register(_ignore_signals_while_python_ends)
    previous = signal.signal(signal.SIGTERM, _terminated_while_loading) if main_thread else None
    code = None
    try:
        from sage_lfsr.cli import main as cli_main

        code = cli_main(argv)
        return code
    except KeyboardInterrupt:  # Ctrl-C while Sage loads (seconds on a busy machine)
        print("sage-lfsr: interrupted", file=sys.stderr)
        return 128 + signal.SIGINT
    finally:
        if main_thread and argv is None and code is not None:  # the program itself (not a call): it exits next
            for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
                signal.signal(signum, _after_the_run(code))
        elif main_thread:
            signal.signal(signal.SIGTERM, previous)


if __name__ == "__main__":
    sys.exit(main())
