r"""
``"sequential"``: the reference. Every task runs in the calling process, in order.
"""
import time

from sage_lfsr.common.errors import MappingCancelled
from sage_lfsr.engine.schedules.base import RunRecord, Schedule, register


@register
class Sequential(Schedule):
    name = "sequential"
    description = "all tasks in the calling process (the reference)"
    keeps_snapshots = True

    def run(self, job, options):
        clock_zero = time.perf_counter()
        kernel = options.kernel if options.kernel is not None else job.kernel()
        memory = job.memory() if options.restored_memory is None else job.memory(restored=options.restored_memory)
        arrays = memory.for_worker()
        results, done, total = [], 0, sum(task.size for task in job.tasks)
        for task in job.tasks:
            if options.cancel is not None and options.cancel.is_set():
                raise MappingCancelled("the run was cancelled")
            results.append(job.execute(kernel, arrays, task, 0, clock_zero))
            if options.on_result is not None:
                options.on_result(results[-1])
            if options.snapshots is not None:
                options.snapshots.offer(lambda: memory.marks(arrays, live=True))
            done += task.size
            if options.progress is not None:
                options.progress(done, total)
        return RunRecord(results, {0: 0.0}, None, time.perf_counter() - clock_zero)
