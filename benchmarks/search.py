r"""
Maximum-period searches over the published forms (issue 20): the targets table.

- form 3,1 at n = 20 (and --big 24) on one worker and two (processes), the speedup;
- walked candidate-steps per second on one core at n = 20: the lockstep walk
  unscreened over the same candidates as the older census period mode, in one run;
- Dask: a LocalCluster of two worker processes (no shared memory) at n = 20;
- the four forms at every n up to --forms-up-to, counts of maximum-period registers.

Writes docs/benchmarks/search.md (and docs/benchmarks.md). The machine is shared:
the load average is printed beside each figure; only ratios from one run are compared.

    PYTHONPATH=. .venv/bin/python benchmarks/search.py [--degree 20] [--big 24] [--forms-up-to 16]
"""
import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from common import machine_description, write_section  # noqa: E402

from sage_lfsr.census import census  # noqa: E402
from sage_lfsr.census.forms import Form  # noqa: E402
from sage_lfsr.census.lockstep import walk  # noqa: E402
from sage_lfsr.census.search import search  # noqa: E402

FORMS = ("3,1", "2,2", "5,1", "3,0,1")


def load():
    return f"{os.getloadavg()[0]:.1f}"


def timed_search(form, degree, **options):
    start_load = load()
    result = search(form, degree, **options)
    return result, f"{start_load}-{load()}"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--degree", type=int, default=20)
    parser.add_argument("--big", type=int, default=0, help="also form 3,1 at this degree on 2 workers")
    parser.add_argument("--forms-up-to", type=int, default=16)
    parser.add_argument("--rate-candidates", type=int, default=600)
    parser.add_argument("--dask", action="store_true")
    arguments = parser.parse_args()
    n = arguments.degree
    lines = [f"Machine: {machine_description()}. The 2 cores were shared with other work during every run: "
             "the load average (1 min, at the start and the end of each row) is beside each figure.", ""]

    # steps per second, one core, same candidates: lockstep (no screen, no reduction) vs census period mode
    form = Form("3,1", n)
    count = min(arguments.rate_candidates, form.size)
    walk(form, 0, 2)
    census([form.spec(i) for i in range(2)], mode="period", schedule="sequential")
    before = load()
    clock = time.perf_counter()
    periods, steps = walk(form, 0, count, reduce=False, screen=False)
    lockstep_rate = steps / (time.perf_counter() - clock)
    specs = [form.spec(i) for i in range(count)]
    clock = time.perf_counter()
    old = census(specs, mode="period", schedule="sequential")
    old_seconds = time.perf_counter() - clock
    assert [row["period"] for row in old.rows] == periods.tolist()
    old_rate = old.steps / old_seconds
    lines += [f"### Walked candidate-steps per second, one core, form 3,1, n = {n}, the first {count} candidates",
              "", "| walk | steps | steps/s | ratio | load |", "| --- | --- | --- | --- | --- |",
              f"| census mode period (one register at a time) | {old.steps:,} | {old_rate / 1e6:.0f} M | 1.00x | {before} |",
              f"| lockstep walk (16 lanes, groups of 4) | {steps:,} | {lockstep_rate / 1e6:.0f} M | "
              f"{lockstep_rate / old_rate:.2f}x | {load()} |", "",
              "Steps are steps actually walked (no screen, no reduction here, so both walk the same registers).", ""]

    # form 3,1 at n on 1 and 2 workers
    lines += ["### Form 3,1 (x0 + xa + xb + xc*xd), full search", "",
              "| n | workers | schedule | seconds | candidates | walked | screened out | steps | steps/s per busy core | "
              "maximum period (with reciprocals) | load |", "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    search("3,1", 12, workers=2)  # untimed: forks once, loads the compiled kernels
    rows = {}
    plan = [(n, 1, "sequential"), (n, 2, "processes")] + ([(n, 2, "dask")] if arguments.dask else []) + \
        ([(arguments.big, 2, "processes")] if arguments.big else [])
    for degree, workers, schedule in plan:
        result, span = timed_search("3,1", degree, workers=workers, schedule=schedule)
        s = result.summary()
        rows[(degree, workers, schedule)] = s
        lines.append(f"| {degree} | {workers} | {schedule} | {s['seconds']:.1f} | {s['candidates']:,} | {s['walked']:,} | "
                     f"{s['screened']:,} | {s['steps']:,} | {s['steps_per_busy_second'] / 1e6:.0f} M | "
                     f"{s['maximum_period']} ({s['maximum_period_members']}) | {span} |")
        print(lines[-1], flush=True)
    one, two = rows[(n, 1, "sequential")], rows[(n, 2, "processes")]
    lines += ["", f"W = 2 over W = 1 at n = {n}: {one['seconds'] / two['seconds']:.2f}x (same run)."]
    if arguments.dask:
        lines.append(f"Dask (LocalCluster, 2 worker processes) over one core: "
                     f"{one['seconds'] / rows[(n, 2, 'dask')]['seconds']:.2f}x.")
    lines.append("")

    # the four forms at every n
    lines += [f"### The four forms, n = 5..{arguments.forms_up_to}: maximum-period registers (with reciprocals)", "",
              "| form | " + " | ".join(str(d) for d in range(5, arguments.forms_up_to + 1)) + " | seconds | load |",
              "| --- | " + " | ".join("---" for _ in range(5, arguments.forms_up_to + 1)) + " | --- | --- |"]
    for name in FORMS:
        cells, clock, before = [], time.perf_counter(), load()
        for degree in range(5, arguments.forms_up_to + 1):
            try:
                cells.append(str(search(name, degree, workers=2).summary()["maximum_period_members"]))
            except ValueError:
                cells.append("-")
        lines.append(f"| {name} | " + " | ".join(cells) + f" | {time.perf_counter() - clock:.1f} | {before}-{load()} |")
        print(lines[-1], flush=True)
    lines += ["", "These counts are NOT compared with Dubrova's lists here: the lists could not be read offline "
              "(the index constraints of sage_lfsr.census.forms are documented there as a choice). If the lists have "
              "registers where these counts are 0, the published searches use other index constraints than the ones "
              "chosen here, and forms.py should change to match. The counts at n <= 10 agree with a plain Python "
              "brute force in the tests."]
    write_section("search", "Maximum-period searches over forms", lines)


if __name__ == "__main__":
    main()
