r"""
``"static"``: the seed's current design, kept as the baseline. The state space
is cut into one contiguous chunk per worker before the run; no task moves.
"""
from sage_lfsr.engine.schedules.base import register
from sage_lfsr.engine.schedules.processes import ProcessSchedule, split_evenly


class FixedTasks:
    def __init__(self, tasks):
        self.tasks = list(tasks)

    def next_task(self, worker):
        return (self.tasks.pop(0), None) if self.tasks else None


def chunk_per_worker(tasks, workers):
    r"""Each phase's tasks cut into ``workers`` contiguous runs, run ``w`` going to worker ``w``."""
    runs = [[] for _ in range(workers)]
    for phase in dict.fromkeys(task.phase for task in tasks):
        for worker, run in enumerate(split_evenly([t for t in tasks if t.phase == phase], workers)):
            runs[worker].extend(run)
    return runs


@register
class Static(ProcessSchedule):
    name = "static"
    description = "one fixed chunk of states per worker (the seed's baseline)"

    def task_sources(self, tasks, workers, manager):
        return [FixedTasks(run) for run in chunk_per_worker(tasks, workers)]
