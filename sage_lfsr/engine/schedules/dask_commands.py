r"""
A Dask cluster started as on several machines, on this one: ``dask scheduler
--scheduler-file F`` and ``dask worker --scheduler-file F --nworkers W --nthreads 1
[--memory-limit M]`` as separate commands, each in a session of its own, so that the
workers are not the caller's processes and share no memory with it. The tests and
benchmarks of the owned mode and of the search run on it; a user can try the owned
mode (``sage_lfsr.dask-memory = "owned"``) the same way before taking it to a real cluster.

Everything started is killed when the ``with`` block ends, however it ends, and
with the caller when it is killed (the kernel's parent-death signal; the block must
be entered from the thread that stays alive for it, as the main thread does).
"""
import contextlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

from sage_lfsr.common.parent import die_with_parent

#: Seconds the scheduler gets to write its file, and the workers to join it.
START_SECONDS = 120


@contextlib.contextmanager
def separate_cluster(workers, memory_limit=None, folder=None):
    r"""
    Start a scheduler and ``workers`` single-threaded worker processes (one nanny
    each) as commands; yield ``(scheduler file, client)``; kill them all afterwards.

    INPUT:

    - ``workers`` -- the ``--nworkers`` of the ``dask worker`` command
    - ``memory_limit`` -- (default: ``None``, Dask's own) ``--memory-limit`` of each
      worker, e.g. ``"1GB"``: past 95 % of it a nanny kills its worker
    - ``folder`` -- (default: a new temporary folder, removed afterwards) where the
      scheduler file and the log of both commands go

    EXAMPLES::

        sage: from sage_lfsr import LFSR, map_cycles
        sage: from sage_lfsr.engine.schedules.dask_commands import separate_cluster
        sage: with separate_cluster(1, "1GB") as (scheduler_file, client):
        ....:     run = map_cycles(LFSR.from_polynomial("x^10 + x^3 + 1"), schedule="dask",
        ....:                      scheduler_address=scheduler_file)
        ....:     sorted(run.cycle_counts.items()), len(client.scheduler_info()["workers"])
        ([(1, 1), (1023, 1)], 1)
    """
    import distributed

    own_folder = folder is None
    folder = tempfile.mkdtemp(prefix="sage-lfsr-dask-") if own_folder else str(folder)
    scheduler_file = os.path.join(folder, "scheduler.json")
    dask = shutil.which("dask", path=os.path.dirname(sys.executable)) or "dask"
    environment = dict(os.environ, DASK_LOGGING__DISTRIBUTED=os.environ.get("DASK_LOGGING__DISTRIBUTED", "warning"))
    processes = []

    caller = os.getpid()

    def start(*arguments):
        with open(os.path.join(folder, "cluster.log"), "ab") as log:
            processes.append(subprocess.Popen([dask, *arguments], cwd=folder, env=environment, stdout=log,
                                              stderr=subprocess.STDOUT, start_new_session=True,
                                              preexec_fn=lambda: die_with_parent(caller)))

    try:
        start("scheduler", "--scheduler-file", scheduler_file, "--host", "127.0.0.1", "--port", "0",
              "--dashboard-address", ":0", "--no-show")
        deadline = time.monotonic() + START_SECONDS
        while not os.path.exists(scheduler_file):
            if processes[0].poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"dask scheduler did not start (its log: {folder}/cluster.log)")
            time.sleep(0.1)
        limit = ["--memory-limit", str(memory_limit)] if memory_limit is not None else []
        start("worker", "--scheduler-file", scheduler_file, "--nworkers", str(int(workers)), "--nthreads", "1",
              *limit, "--host", "127.0.0.1", "--no-dashboard")
        with distributed.Client(scheduler_file=scheduler_file, timeout=START_SECONDS) as client:
            client.wait_for_workers(int(workers), timeout=START_SECONDS)
            yield scheduler_file, client
    finally:
        for process in processes:  # each command's session: the nannies and their workers with it
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=60)
        if own_folder:
            shutil.rmtree(folder, ignore_errors=True)
