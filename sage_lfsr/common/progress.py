r"""
Progress reporting shared by the command line and the census: a tqdm bar on
standard error that a run feeds through its ``progress(done, total)`` callback.

EXAMPLES::

    sage: from sage_lfsr.common.progress import ProgressBar
    sage: with ProgressBar(quiet=True, unit="registers") as progress:
    ....:     progress(3, 10)
    sage: progress.bar.total, progress.bar.disable
    (10, True)
"""
import sys

#: Seconds a run must last before its progress bar shows.
PROGRESS_DELAY_SECONDS = 1.0
#: Least seconds between two redraws of the progress bar.
PROGRESS_REDRAW_SECONDS = 0.1


class ProgressBar:
    r"""A tqdm bar on standard error fed by ``map_cycles(progress=...)``; shows after a second."""

    def __init__(self, quiet, unit="states", total=None):
        from tqdm import tqdm

        self.bar = tqdm(total=total, unit=unit, unit_scale=unit == "states", delay=PROGRESS_DELAY_SECONDS,
                        mininterval=PROGRESS_REDRAW_SECONDS,
                        disable=quiet, file=sys.stderr, leave=False, dynamic_ncols=True)

    def __call__(self, done, total):
        if self.bar.total != total:
            self.bar.total = total
        self.bar.update(done - self.bar.n)

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.bar.close()


class CompileNotice:
    r"""
    While active, a first compilation (numba's cache empty or stale: a fresh
    install, changed sources) shows one line on standard error, a dot per
    function compiled and the seconds it took, so the seconds before a first map
    are not silent. Loading compiled code from the cache shows nothing. The
    command line shows it also under ``--quiet`` (which silences the progress
    bar): like its other ``note:`` lines it is said once, not redrawn.
    ``scripts/setup.sh`` compiles the kernels at install.

    EXAMPLES::

        sage: import numba
        sage: from sage_lfsr.common.progress import CompileNotice
        sage: with CompileNotice(quiet=True) as notice:
        ....:     _ = numba.njit(lambda x: x * x)(int(3))
        sage: notice.compiled
        1
    """

    def __init__(self, quiet=False, stream=None):
        self.quiet, self.stream = quiet, stream
        self.compiled, self._depth, self._started = 0, 0, None

    def on_start(self, event):
        import time

        self._depth += 1
        if self._depth > 1:  # a function compiled inside another: one dot for the outer one
            return
        if self._started is None:
            self._started = time.perf_counter()
            self._show("sage-lfsr: note: compiling the kernels (once: later runs load them from the cache) ")
        self.compiled += 1
        self._show(".")

    def on_end(self, event):
        self._depth -= 1

    def _show(self, text):
        if not self.quiet:
            stream = self.stream or sys.stderr
            stream.write(text)
            stream.flush()

    def __enter__(self):
        from numba.core import event

        self._listener = _forwarding_listener(self)
        event.register("numba:compile", self._listener)
        return self

    def __exit__(self, *exc_info):
        import time

        from numba.core import event

        event.unregister("numba:compile", self._listener)
        if self._started is not None:
            self._show(f" {self.compiled} function{'s' * (self.compiled != 1)} in "
                       f"{time.perf_counter() - self._started:.1f} s\n")


def _forwarding_listener(notice):
    r"""A numba event listener that hands compile events to ``notice``."""
    from numba.core import event

    class Forward(event.Listener):
        def on_start(self, item):
            notice.on_start(item)

        def on_end(self, item):
            notice.on_end(item)

    return Forward()
