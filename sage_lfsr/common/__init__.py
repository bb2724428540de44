r"""
The bottom layer: what every other layer uses and that knows nothing of registers.

- :mod:`~sage_lfsr.common.errors` -- the exceptions runs raise (worker failures, cancellation,
  incomplete results);
- :mod:`~sage_lfsr.common.limits` -- the limits checked before any work (state space, memory,
  workers, prediction size) and how they are worded;
- :mod:`~sage_lfsr.common.files` -- output written atomically;
- :mod:`~sage_lfsr.common.sagemath` -- the Sage names the package uses, from their defining modules;
- :mod:`~sage_lfsr.common.progress` -- the progress bar of the command line and the census;
- :mod:`~sage_lfsr.common.compiled` -- numba's on-disk cache for every compiled function.

May import: its own modules only (nothing of the layers above).
"""
