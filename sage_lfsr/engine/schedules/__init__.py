r"""
Scheduling options, one module each, registered by name:

- ``sequential``: the reference, in the calling process;
- ``static``: fixed chunks, one per worker (the seed's baseline);
- ``queue``: one shared task queue (Option 1);
- ``steal``: per-worker queues with work stealing (Option 2);
- ``hybrid``: static chunks plus stealing (Option 3);
- ``dask``: the same tasks on a Dask cluster (needs ``dask[distributed]``;
  its module loads when the schedule is first used).
"""
from sage_lfsr.engine.schedules.base import (  # noqa: F401
    SCHEDULES, available_schedules, get_schedule, register, schedule_class)
from sage_lfsr.engine.schedules import hybrid, sequential, shared_queue, static, steal  # noqa: F401
