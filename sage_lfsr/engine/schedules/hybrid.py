r"""
``"hybrid"``: the seed's Option 3. Each worker starts on its own static chunk,
whose first half it keeps locally (no IPC at all for those tasks); the second
half sits in the worker's ``Manager().Queue()``, where the worker takes it
from when its local part is done, and where idle workers steal it.
"""
from sage_lfsr.engine.schedules.base import register
from sage_lfsr.engine.schedules.processes import ProcessSchedule
from sage_lfsr.engine.schedules.static import chunk_per_worker
from sage_lfsr.engine.schedules.steal import StealingQueues


@register
class Hybrid(ProcessSchedule):
    name = "hybrid"
    description = "static chunks, the second half of each open to stealing (the seed's Option 3)"
    uses_manager_queues = True

    def task_sources(self, tasks, workers, manager):
        queues = [manager.Queue() for _ in range(workers)]
        sources = []
        for worker, run in enumerate(chunk_per_worker(tasks, workers)):
            kept = (len(run) + 1) // 2
            for task in run[kept:]:
                queues[worker].put(task)
            sources.append(StealingQueues(queues, local=run[:kept]))
        return sources
