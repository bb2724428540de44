r"""
Scheduling options, one module each, registered by name:

- ``sequential``: the reference, in the calling process;
- ``static``: fixed chunks, one per worker (the seed's baseline);
- ``queue``: one shared task queue (Option 1);
- ``steal``: per-worker queues with work stealing (Option 2);
- ``hybrid``: static chunks plus stealing (Option 3);
- ``dask``: the same tasks on a Dask cluster (when ``distributed`` is installed).
"""
import importlib

from sage_lfsr.schedules.base import SCHEDULES, available_schedules, get_schedule, register  # noqa: F401

for _module in ("sequential", "static", "shared_queue", "steal", "hybrid", "dask_cluster"):
    try:
        importlib.import_module(f"sage_lfsr.schedules.{_module}")
    except ImportError as error:  # pragma: no cover - optional engines
        if _module != "dask_cluster" or "dask" not in str(error).lower() and "distributed" not in str(error).lower():
            raise
