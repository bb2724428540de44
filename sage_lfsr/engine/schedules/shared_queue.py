r"""
``"queue"``: the seed's Option 1. All tasks go into one ``Manager().Queue()``
followed by one poison pill (``None``) per worker; workers take the next task
as soon as they are free.
"""
import queue as queue_module

from sage_lfsr.engine.schedules import lifetime
from sage_lfsr.engine.schedules.base import register
from sage_lfsr.engine.schedules.processes import ProcessSchedule

#: Seconds a worker blocks on the queue before checking that the run still exists.
GET_TIMEOUT_SECONDS = 1.0


class SharedQueue:
    def __init__(self, task_queue):
        self.task_queue = task_queue

    def next_task(self, worker):
        while True:
            try:
                task = self.task_queue.get(timeout=GET_TIMEOUT_SECONDS)
            except queue_module.Empty:
                if lifetime.parent_gone():
                    return None  # the run is gone: stop instead of waiting for ever
                continue
            return None if task is None else (task, None)


@register
class Queue(ProcessSchedule):
    name = "queue"
    description = "one shared Manager queue of batches (the seed's Option 1)"
    uses_manager_queues = True

    def task_sources(self, tasks, workers, manager):
        task_queue = manager.Queue()
        for task in tasks:
            task_queue.put(task)
        for _ in range(workers):
            task_queue.put(None)
        return [SharedQueue(task_queue)] * workers
