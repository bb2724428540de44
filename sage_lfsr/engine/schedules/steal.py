r"""
``"steal"``: the seed's Option 2. Each worker has its own ``Manager().Queue()``,
filled round-robin; a worker whose queue is empty steals from the others, the
next one along first, and stops when every queue is empty (no task is added
during a run, so an empty round means the work is done).
"""
import queue as queue_module

from sage_lfsr.engine.schedules.base import register
from sage_lfsr.engine.schedules.processes import ProcessSchedule


class StealingQueues:
    r"""Own queue first, then the others' in turn. ``local`` tasks (hybrid) come before any queue."""

    def __init__(self, queues, local=()):
        self.queues, self.local = queues, list(local)

    def next_task(self, worker):
        if self.local:
            return self.local.pop(0), None
        count = len(self.queues)
        for offset in range(count):
            victim = (worker + offset) % count
            try:
                task = self.queues[victim].get_nowait()
            except queue_module.Empty:
                continue
            return task, (victim if victim != worker else None)
        return None


@register
class Steal(ProcessSchedule):
    name = "steal"
    description = "a Manager queue per worker, idle workers steal (the seed's Option 2)"
    uses_manager_queues = True

    def task_sources(self, tasks, workers, manager):
        queues = [manager.Queue() for _ in range(workers)]
        for index, task in enumerate(tasks):
            queues[index % workers].put(task)
        return [StealingQueues(queues) for _ in range(workers)]
