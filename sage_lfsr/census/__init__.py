r"""
Censuses: map whole families of registers in parallel.

- :func:`census` -- map (mode ``"map"``), walk from one state (``"period"``) or
  predict (``"predict"``) every register of an iterable, batched into tasks
  that run under the package's schedules (:mod:`sage_lfsr.census.census`);
- :mod:`~sage_lfsr.census.families` -- families generated lazily: every LFSR,
  the primitive ones, every invertible binary feedback function, templates, forms;
- :mod:`~sage_lfsr.census.search` -- maximum-period searches over a form (lockstep
  compiled walks of index ranges, on processes or a Dask cluster);
- :mod:`~sage_lfsr.census.registers` -- registers as plain data and their
  one-line text format (``lfsr q=3 c=1,0,2``, ``fsr d=4 f=x0+x1*x2``);
- :mod:`~sage_lfsr.census.kernels` -- the batch kernels (one numba call a task);
- :mod:`~sage_lfsr.census.job` and :mod:`~sage_lfsr.census.checkpoint` -- tasks,
  their execution in workers, and resumable runs.
"""
from sage_lfsr.census import families  # noqa: F401
from sage_lfsr.census.census import CensusResult, census  # noqa: F401
from sage_lfsr.census.registers import as_spec, parse_register  # noqa: F401

__all__ = ["census", "CensusResult", "families", "parse_register", "as_spec"]
