r"""
The maximum-period search on Dask worker processes started as on several machines
(issue 28, item 5): ``dask scheduler --scheduler-file F`` and ``dask worker
--scheduler-file F --nworkers 2 --nthreads 1`` as separate processes, the search
connected through the scheduler file; form 3,1 at n = 20 and 24.

Each degree is timed in one run, in this order: one core (the sequential search
in this process), Dask with unfinished walks handed on from task to task
(:func:`~sage_lfsr.census.search_dask.search_with_handoff`, what ``search(...,
schedule="dask")`` runs), and Dask with each task walking its range to its end
alone (the schedule before, ranges of at least 2048 candidates); ``--repeat``
runs the three again. Every Dask run is checked against the one-core run (the
same registers and steps).

Writes docs/benchmarks/search-dask.md. The machine is shared: the load average
(1 min, at the start and the end of each row) is beside each figure; only ratios
from one run are compared.

    PYTHONPATH=. .venv/bin/python benchmarks/search_dask.py [--degrees 20 24] [--repeat 1]
"""
import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from common import SECTIONS, machine_description  # noqa: E402

from sage_lfsr.census.forms import Form  # noqa: E402
from sage_lfsr.census.lockstep import warm_up  # noqa: E402
from sage_lfsr.census.search import (ISOLATED_TASK_CANDIDATES, RangeLedger, run_task, search,  # noqa: E402
                                     task_ranges)
from sage_lfsr.census.search_dask import run_on_dask, search_with_handoff  # noqa: E402
from sage_lfsr.engine.schedules.dask_commands import separate_cluster  # noqa: E402

WORKERS = 2


def load():
    return f"{os.getloadavg()[0]:.1f}"


def handoff_run(form, scheduler_file):
    r"""What ``search(..., schedule="dask")`` runs, with the handoff counts: ``(tasks, counts)``."""
    results = []
    counts = search_with_handoff(form, task_ranges(form.size, form.degree, WORKERS), RangeLedger([], form.degree),
                                 WORKERS, scheduler_file, results.append)
    return results, counts


def alone_run(form, scheduler_file):
    r"""The schedule before: each task walks its range to its end alone (:func:`~sage_lfsr.census.search.run_task`)."""
    results = []
    arguments = [(form.name, form.degree, lo, hi, True, True)
                 for lo, hi in task_ranges(form.size, form.degree, WORKERS, least=ISOLATED_TASK_CANDIDATES)]
    run_on_dask(run_task, arguments, WORKERS, scheduler_file, results.append,
                prepare=(run_task, (form.name, form.degree, 0, 1)))
    return results, {"tasks": len(arguments), "busy_seconds": sum(t.seconds for t in results)}


def totals(tasks):
    return sorted(i for t in tasks for i in t.maximum), sum(t.steps for t in tasks)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--degrees", type=int, nargs="+", default=[20, 24])
    parser.add_argument("--repeat", type=int, default=1)
    arguments = parser.parse_args()
    lines = [f"Machine: {machine_description()}. Form 3,1 (x0 + xa + xb + xc*xd), every representative candidate "
             "walked (reduced, screened). Dask: `dask scheduler --scheduler-file F` and `dask worker --scheduler-file F "
             f"--nworkers {WORKERS} --nthreads 1` started as separate processes before the timings (the scheduler, the "
             "workers and this caller share the machine's cores), the search connected through the scheduler file. "
             "Busy: the tasks' walking time over 2 x the wall time. "
             "The load average (1 min, at the start and the end of each row) is beside each figure: the machine is "
             "shared with other work, so only ratios from one run are compared.", "",
             "| n | schedule | seconds | over one core | busy | steps/s per busy core | tasks | walks handed on | drain tasks | load |",
             "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    with separate_cluster(WORKERS) as (scheduler_file, _):
        search("3,1", 12)  # untimed: this process and the workers load the compiled walk
        search("3,1", 12, workers=WORKERS, schedule="dask", scheduler_address=scheduler_file)
        summary = []
        for degree in arguments.degrees:
            form = Form("3,1", degree)
            warm_up(form)  # the walk of this degree's lane width loaded here, untimed (the workers load theirs first)
            for attempt in range(arguments.repeat):
                before = load()
                clock = time.perf_counter()
                one = search(form, degree)
                one_seconds = time.perf_counter() - clock
                expected = totals(one.tasks)
                lines.append(f"| {degree} | one core (sequential) | {one_seconds:.2f} | 1.00x | - | "
                             f"{expected[1] / one_seconds / 1e9:.2f} G | {len(one.tasks)} | - | - | "
                             f"{before}-{load()} |")
                print(lines[-1], flush=True)
                ratios = []
                for name, run in (("Dask, walks handed on", handoff_run), ("Dask, each task to its end alone", alone_run)):
                    before = load()
                    clock = time.perf_counter()
                    tasks, counts = run(form, scheduler_file)
                    seconds = time.perf_counter() - clock
                    assert totals(tasks) == expected, f"{name}: not the registers or steps of the one-core search"
                    ratios.append(f"{name} {one_seconds / seconds:.2f}x")
                    busy = counts["busy_seconds"] / (WORKERS * seconds)
                    lines.append(f"| {degree} | {name} | {seconds:.2f} | {one_seconds / seconds:.2f}x | {busy:.0%} | "
                                 f"{expected[1] / counts['busy_seconds'] / 1e9:.2f} G | "
                                 f"{counts['tasks']} | "
                                 f"{counts.get('handed_on', '-')} | {counts.get('drains', '-')} | {before}-{load()} |")
                    print(lines[-1], flush=True)
                summary.append(f"- n = {degree}, run {attempt + 1}: " + ", ".join(ratios) + f" ({len(expected[0])} "
                               "maximum-period representatives, the same registers and steps in every row).")
    lines += [""] + summary + ["",
              "How: a task returns, once its last candidate is in a lane, what it settled and its unfinished walks "
              "(index, state, steps so far, masks), and the next task submitted continues them beside its own "
              "candidates; the walks left when the candidates are used up are drained in pieces, one a worker then "
              "idle (`sage_lfsr.census.search_dask`). Before, each task drained its own lanes, its last long walks "
              "stepping with most lanes idle. Walks handed on: walks continued by another task than the one that "
              "began them. Busy below 100 % is the workers' time outside walks: connecting, Dask's round trips "
              "between tasks, and the last walks, which no schedule can split.", ""]
    SECTIONS.mkdir(parents=True, exist_ok=True)
    (SECTIONS / "search-dask.md").write_text("## The search on Dask worker processes: walks handed on\n\n"
                                             + "\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
