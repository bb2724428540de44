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
processes stands in for machines.
"""
from __future__ import annotations

#: Seconds to wait for a scheduler to answer.
CONNECT_SECONDS = 10


def run_on_dask(run_task, arguments, workers, scheduler_address, finished, cluster_options=None, on_result=None,
                prepare=None):
    r"""
    Run ``run_task`` (:func:`~sage_lfsr.census.search.run_task`) on each of ``arguments``; call
    ``finished(result)`` once per range as results arrive (then ``on_result(client)``,
    which tests use to kill a worker mid-run). ``prepare`` (a ``(function, args)`` pair)
    runs once on every worker first, all at once: loading the compiled kernel there
    rather than inside the first task each worker gets.
    """
    import distributed

    cluster = None
    if scheduler_address is None:
        cluster = distributed.LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                           dashboard_address=None, **(cluster_options or {}))
        client = distributed.Client(cluster)
    else:
        client = distributed.Client(scheduler_address, timeout=CONNECT_SECONDS)
    try:
        if prepare is not None:
            client.run(prepare[0], *prepare[1])
        futures = [client.submit(run_task, *args, key=f"search-{args[0]}-{args[1]}-{args[2]}-{args[3]}", pure=False,
                                 retries=2) for args in arguments]
        seen = set()
        for future in distributed.as_completed(futures):
            task = future.result()
            if (task.lo, task.hi) in seen:
                continue
            seen.add((task.lo, task.hi))
            finished(task)
            if on_result is not None:
                on_result(client)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
