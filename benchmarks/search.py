r"""
Maximum-period searches over the published forms (issue 20): the targets table.

- walked candidate-steps per second on one core at n = 20: the lockstep walk
  unscreened over the same candidates as the older census period mode, in one run;
- form 3,1 at n = 20 (and --big 24) on one worker and two (threads, processes,
  and with --dask a LocalCluster of two worker processes, warm or started in the run);
- the four forms at every n up to --forms-up-to (and the other six published
  forms up to --all-forms-up-to), against the published counts.

Writes docs/benchmarks/search.md (and docs/benchmarks.md). The machine is shared:
the load average is printed beside each figure; only ratios from one run are compared.

    PYTHONPATH=. .venv/bin/python benchmarks/search.py [--degree 20] [--big 24] [--forms-up-to 20]
        [--all-forms-up-to 14] [--dask]
"""
import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from common import machine_description, write_section  # noqa: E402

from sage_lfsr.census import census  # noqa: E402
from sage_lfsr.census.forms import Form  # noqa: E402
from sage_lfsr.census.lockstep import LANES, walk  # noqa: E402
from sage_lfsr.census.published import PUBLISHED_FORMS, published_count  # noqa: E402
from sage_lfsr.census.search import search  # noqa: E402

FORMS = ("3,1", "2,2", "5,1", "3,0,1")


def load():
    return f"{os.getloadavg()[0]:.1f}"


def timed_search(form, degree, **options):
    start_load = load()
    result = search(form, degree, **options)
    return result, f"{start_load}-{load()}"


def dask_rows(degree, cold):
    r"""Form 3,1 at ``degree`` on a LocalCluster of 2 worker processes: started inside the timing (``cold``) or before."""
    import distributed

    if cold:
        return timed_search("3,1", degree, workers=2, schedule="dask")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        search("3,1", 12, workers=2, schedule="dask", scheduler_address=cluster.scheduler_address)  # untimed warm-up
        return timed_search("3,1", degree, workers=2, schedule="dask", scheduler_address=cluster.scheduler_address)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--degree", type=int, default=20)
    parser.add_argument("--big", type=int, default=0, help="also form 3,1 at this degree on 2 workers")
    parser.add_argument("--forms-up-to", type=int, default=20)
    parser.add_argument("--all-forms-up-to", type=int, default=0, help="the ten published forms up to this degree")
    parser.add_argument("--rate-candidates", type=int, default=600)
    parser.add_argument("--dask", action="store_true")
    arguments = parser.parse_args()
    n = arguments.degree
    lines = [f"Machine: {machine_description()}. The load average (1 min, at the start and the end of each row) "
             "is beside each figure: other work shared the 2 cores during some rows.", ""]

    # steps per second, one core, same candidates: lockstep (no screen, no reduction) vs census period mode
    lines += [f"### Walked candidate-steps per second, one core, n = {n}, the first {arguments.rate_candidates} "
              "candidates of each form", "",
              "| form | walk | steps | steps/s | ratio | load |", "| --- | --- | --- | --- | --- | --- |"]
    for name in FORMS:
        form = Form(name, n)
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
        old_rate = old.steps / (time.perf_counter() - clock)
        assert [row["period"] for row in old.rows] == periods.tolist()
        lines += [f"| {name} | census mode period (one register at a time) | {old.steps:,} | {old_rate / 1e6:.0f} M | "
                  f"1.00x | {before} |",
                  f"| {name} | lockstep walk ({LANES} lanes, SIMD) | {steps:,} | {lockstep_rate / 1e6:.0f} M | "
                  f"{lockstep_rate / old_rate:.2f}x | {load()} |"]
        print(lines[-1], flush=True)
    lines += ["", "Steps are steps actually walked (no screen, no reduction here, so both walk the same registers, "
              "and the periods are checked equal).", ""]

    # form 3,1 on 1 and 2 workers
    lines += ["### Form 3,1 (x0 + xa + xb + xc*xd), full search", "",
              "| n | workers | schedule | seconds | candidates | walked | screened out | steps | steps/s per busy core | "
              "maximum period (with reciprocals) | load |", "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    search("3,1", 12, workers=2)  # untimed: loads the compiled kernels
    rows = {}
    plan = [(n, 1, "sequential"), (n, 2, "threads"), (n, 2, "processes")]
    plan += [(n, 2, "dask (warm cluster)"), (n, 2, "dask (cluster started in the run)")] if arguments.dask else []
    if arguments.big:
        plan += [(arguments.big, 1, "sequential"), (arguments.big, 2, "threads")]
        plan += [(arguments.big, 2, "dask (warm cluster)")] if arguments.dask else []
    for degree, workers, schedule in plan:
        if schedule.startswith("dask"):
            result, span = dask_rows(degree, cold="started" in schedule)
        else:
            result, span = timed_search("3,1", degree, workers=workers, schedule=schedule)
        s = result.summary()
        rows[(degree, workers, schedule)] = s
        lines.append(f"| {degree} | {workers} | {schedule} | {s['seconds']:.2f} | {s['candidates']:,} | {s['walked']:,} | "
                     f"{s['screened']:,} | {s['steps']:,} | {s['steps_per_busy_second'] / 1e6:.0f} M | "
                     f"{s['maximum_period']} ({s['maximum_period_members']}) | {span} |")
        print(lines[-1], flush=True)
    lines.append("")
    for degree in sorted({d for d, _, _ in plan}):
        one = rows[(degree, 1, "sequential")]["seconds"]
        ratios = [f"{schedule} {one / s['seconds']:.2f}x" for (d, w, schedule), s in rows.items() if d == degree and w == 2]
        lines.append(f"- n = {degree}, 2 workers over one core (same run): " + ", ".join(ratios) + ".")
    lines.append("")

    # the four forms at every n, against the published counts
    lines += published_rows(FORMS, 5, arguments.forms_up_to)
    if arguments.all_forms_up_to:
        lines += published_rows([f for f in PUBLISHED_FORMS if f not in FORMS], 10, arguments.all_forms_up_to)
    write_section("search", "Maximum-period searches over forms", lines)


def published_rows(forms, lowest, highest):
    r"""Maximum-period representatives of ``forms`` at ``lowest..highest`` on 2 threads, beside the published counts."""
    lines = [f"### Forms {', '.join(forms)}, n = {lowest}..{highest}, 2 workers (threads): maximum-period registers, "
             "one per reciprocal pair, against the published lists", "",
             "| form | " + " | ".join(str(d) for d in range(lowest, highest + 1)) + " | seconds | load |",
             "| --- | " + " | ".join("---" for _ in range(lowest, highest + 1)) + " | --- | --- |"]
    total, agree, compared = 0.0, 0, 0
    for name in forms:
        cells, clock, before = [], time.perf_counter(), load()
        for degree in range(lowest, highest + 1):
            try:
                found = search(name, degree, workers=2).summary()["maximum_period"]
            except ValueError:
                cells.append("-")
                continue
            published = published_count(name, degree)
            if published is not None:
                compared += 1
                agree += found == published
            cells.append(f"{found}" + ("" if published is None else (" =" if found == published else f" (published {published})")))
        seconds = time.perf_counter() - clock
        total += seconds
        lines.append(f"| {name} | " + " | ".join(cells) + f" | {seconds:.1f} | {before}-{load()} |")
        print(lines[-1], flush=True)
    lines += ["", f"{agree} of {compared} counts equal the published ones (`=`; n >= 10, the dataset of "
              "sage_lfsr.census.published); all the rows took {:.1f} s.".format(total), ""]
    return lines


if __name__ == "__main__":
    main()
