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
