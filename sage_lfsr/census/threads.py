r"""
``schedule="threads"`` for a census: the tasks on threads of the calling
process, one shared queue of tasks in input order. The batch kernels release
the GIL, so a census of many tiny registers (a fraction of a second of compiled
work) divides among the cores with no process to start and no task to send.
Only for tasks that run compiled code alone: the theory checks and mode
``"predict"`` call Sage (PARI, FLINT), which is not thread-safe.

EXAMPLES::

    sage: from sage_lfsr.census import census, families
    sage: one = census(families.feedback_functions(4), schedule="sequential")
    sage: two = census(families.feedback_functions(4), schedule="threads", workers=2)
    sage: one.rows == two.rows
    True
"""
from __future__ import annotations

import threading
import time
from contextlib import closing

from sage_lfsr.common.errors import MappingCancelled
from sage_lfsr.common.threads import threaded
from sage_lfsr.engine.schedules.base import RunRecord


def runs_on_threads(job) -> bool:
    r"""Whether every task of ``job`` is compiled work only (no Sage): what :func:`run` accepts."""
    return job.mode != "predict" and all(task.linear is None or not any(task.linear) for task in job.tasks)


def run(job, options) -> RunRecord:
    r"""The tasks of ``job`` (a :class:`~sage_lfsr.census.job.CensusJob`) on ``options.workers`` threads."""
    if not runs_on_threads(job):
        raise ValueError("schedule 'threads' runs compiled kernels only; this census checks or predicts with Sage "
                         "(theory): use schedule 'queue', or check_theory=False")
    clock_zero = time.perf_counter()
    kernel = job.kernel()
    pending, taking = iter(job.tasks), threading.Lock()

    def loop(worker, emit, stop):
        memory = job.memory().for_worker()
        while not stop.is_set():
            if options.cancel is not None and options.cancel.is_set():
                raise MappingCancelled("the run was cancelled")
            with taking:
                task = next(pending, None)
            if task is None:
                return
            emit(job.execute(kernel, memory, task, worker, clock_zero))

    sizes = {task.task_id: task.size for task in job.tasks}
    results, done, total = [], 0, sum(sizes.values())
    with closing(threaded(options.workers, loop, "sage-lfsr-census")) as finished:
        for result in finished:
            results.append(result)
            if options.on_result is not None:
                options.on_result(result)
            done += sizes[result.task_id]
            if options.progress is not None:
                options.progress(done, total)
    return RunRecord(results, {}, None, time.perf_counter() - clock_zero)
