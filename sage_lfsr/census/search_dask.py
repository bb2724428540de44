r"""
A search's tasks on a Dask cluster whose workers share no memory.

Each task is an index range, sent as plain data (the form's name, degree and
range) and run by :func:`~sage_lfsr.census.search.run_task` on whichever worker
the scheduler picks; results stream back as they finish (``as_completed``) and
are checkpointed one by one by :func:`~sage_lfsr.census.search.search`. A task
whose worker dies is run again by the scheduler on another worker (Dask reruns
the tasks a lost worker held, up to ``allowed_failures`` times), and a result
is taken once per range, so nothing is lost and nothing counted twice.

Without ``scheduler_address`` a ``LocalCluster`` of ``workers`` single-threaded
processes stands in for machines, started and closed as the map's
(:mod:`~sage_lfsr.engine.schedules.dask_cluster`: its workers ignore a terminal's
Ctrl-C, which the caller handles). Tasks are submitted as results come, a few per
worker ahead, so the futures held stay few at any size.
"""
from __future__ import annotations

#: Tasks submitted a worker at most, ahead of their results (so a search of any size holds few futures).
IN_FLIGHT_PER_WORKER = 4


def run_on_dask(run_task, arguments, workers, scheduler_address, finished, on_result=None, prepare=None):
    r"""
    Run ``run_task`` (:func:`~sage_lfsr.census.search.run_task`) on each of ``arguments``; call
    ``finished(result)`` once per range as results arrive (then ``on_result(client)``,
    which tests use to kill a worker mid-run). ``prepare`` (a ``(function, args)`` pair)
    runs once on every worker first, all at once: loading the compiled kernel there
    rather than inside the first task each worker gets.
    """
    import distributed

    from sage_lfsr.engine.schedules.dask_cluster import _ClusterClient

    arguments = iter(arguments)
    with _ClusterClient(scheduler_address, workers) as client:  # the map's: bounded connect, quiet Ctrl-C
        if prepare is not None:
            client.run(prepare[0], *prepare[1])
        pending = distributed.as_completed()

        def submit_next():  # a few tasks a worker in flight: the ranges are generated as results come
            args = next(arguments, None)
            if args is not None:
                pending.add(client.submit(run_task, *args, key=f"search-{args[0]}-{args[1]}-{args[2]}-{args[3]}",
                                          pure=False, retries=2))

        for _ in range(IN_FLIGHT_PER_WORKER * max(workers, len(client.scheduler_info()["workers"]))):
            submit_next()
        seen = set()
        for future in pending:
            task = future.result()
            submit_next()
            if (task.lo, task.hi) in seen:
                continue
            seen.add((task.lo, task.hi))
            finished(task)
            if on_result is not None:
                on_result(client)
