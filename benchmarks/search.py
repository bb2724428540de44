r"""
Maximum-period searches over the published forms (issue 20): the targets table.

- raw lockstep steps per second, one core, form 3,1, every candidate walked (no
  screen, no reduction), against the AVX-512 C brute force (benchmarks/nlfsr_avx512.c,
  32- and 64-bit lanes) in the same run, the steps checked equal;
- walked candidate-steps per second on one core at n = 20: the lockstep walk
  unscreened over the same candidates as the older census period mode, in one run;
- form 3,1 at n = 20 (and --big 24) on one worker and two (threads, processes,
  and with --dask a LocalCluster of two worker processes, warm or started in the run);
- the four forms at every n up to --forms-up-to (and the other six published
  forms up to --all-forms-up-to), against the published counts.

Writes docs/benchmarks/search.md (and docs/benchmarks.md). The machine is shared:
the load average is printed beside each figure; only ratios from one run are compared.

With ``--device cuda`` (on a machine with an NVIDIA GPU; numpy, numba and numba-cuda
suffice, no Sage) it measures the GPU search instead (sage_lfsr.census.gpu): form 3,1
at --gpu-degrees, every candidate walked and the full search, the maximum-period sets
checked against the CPU search where it is quick, and writes docs/benchmarks/search-gpu.md.

    PYTHONPATH=. .venv/bin/python benchmarks/search.py [--degree 20] [--big 24] [--forms-up-to 22]
        [--all-forms-up-to 14] [--dask] [--c-repeats 3] [--device cuda --gpu-degrees 20,24]
"""
import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from common import machine_description, write_section  # noqa: E402

from sage_lfsr.census.forms import Form  # noqa: E402
from sage_lfsr.census.lockstep import walk  # noqa: E402
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
    parser.add_argument("--forms-up-to", type=int, default=22)
    parser.add_argument("--all-forms-up-to", type=int, default=0, help="the ten published forms up to this degree")
    parser.add_argument("--rate-candidates", type=int, default=600)
    parser.add_argument("--dask", action="store_true")
    parser.add_argument("--c-repeats", type=int, default=3, help="alternate runs of C and the walk (best of)")
    parser.add_argument("--device", choices=("cpu", "cuda"), default="cpu")
    parser.add_argument("--gpu-degrees", default="20,24")
    arguments = parser.parse_args()
    if arguments.device == "cuda":
        return gpu_main([int(d) for d in arguments.gpu_degrees.split(",")])
    from sage_lfsr.census import census

    n = arguments.degree
    lines = [f"Machine: {machine_description()}. The load average (1 min, at the start and the end of each row) "
             "is beside each figure: other work shared the 2 cores during some rows.", ""]
    lines += c_reference_rows(n, arguments.c_repeats)

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
                  f"| {name} | lockstep walk (SIMD lanes) | {steps:,} | {lockstep_rate / 1e6:.0f} M | "
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
    lines += gpu_paragraph()
    write_section("search", "Maximum-period searches over forms", lines)


def c_reference_rows(degree, repeats):
    r"""
    Raw steps per second of form 3,1 at ``degree``, every candidate walked, one core:
    the C brute force with 32- and 64-bit AVX-512 lanes and the lockstep walk (its own
    lanes, and 64-bit lanes forced), alternated ``repeats`` times, best of each.
    """
    import tempfile

    from c_reference import build_nlfsr, nlfsr_run

    form = Form("3,1", degree)
    best, loads, steps_seen = {}, [], set()
    with tempfile.TemporaryDirectory() as directory:
        binaries = {width: build_nlfsr(directory, width) for width in (32, 64)}
        for width in (None, 64):
            walk(form, 0, 2, reduce=False, screen=False, width=width)  # compiled before the clock
        for _ in range(repeats):
            loads.append(load())
            for width, binary in binaries.items():
                candidates, _, steps, seconds = nlfsr_run(binary, degree)
                assert candidates == form.size
                steps_seen.add(steps)
                best[f"C, AVX-512 intrinsics, {width}-bit lanes"] = max(
                    best.get(f"C, AVX-512 intrinsics, {width}-bit lanes", 0), steps / seconds)
            for width, label in ((None, "this package, lockstep (lanes by degree)"),
                                 (64, "this package, lockstep, 64-bit lanes forced")):
                clock = time.perf_counter()
                _, steps = walk(form, reduce=False, screen=False, width=width)
                rate = steps / (time.perf_counter() - clock)
                steps_seen.add(steps)
                best[label] = max(best.get(label, 0), rate)
    assert len(steps_seen) == 1, f"the walks disagree on the steps: {steps_seen}"
    reference = best["C, AVX-512 intrinsics, 32-bit lanes"]
    lines = [f"### Raw lockstep steps per second, one core, form 3,1, n = {degree}, every candidate walked "
             "(no screen, no reduction), against hand-written C in the same run", "",
             f"{form.size:,} candidates, {steps_seen.pop():,} steps walked by each (checked equal); best of {repeats} "
             f"runs alternated; load {loads[0]}-{load()}. `benchmarks/nlfsr_avx512.c` built with "
             "`gcc -O3 -march=native -DW=32|64`; the package's lanes at this degree are 32-bit "
             "(explicit 512-bit vector steps, sage_lfsr.census.lockstep).", "",
             "| walk | steps/s | against C 32-bit lanes |", "| --- | --- | --- |"]
    for label, rate in best.items():
        lines.append(f"| {label} | {rate / 1e9:.2f} G | {rate / reference:.2f}x |")
        print(lines[-1], flush=True)
    return lines + [""]


GPU_BOUND = [
    "### GPU search (sage_lfsr.census.gpu): expected rate, a bound from the instruction count (not a measurement)", "",
    "No NVIDIA GPU has run it yet; `benchmarks/search.py --device cuda` records the rate on one. The bound: "
    "the kernel's inner loop, compiled to PTX for compute capability 9.0 by numba-cuda 0.30.4 (NVVM of CUDA 12.9), "
    "is 228 instructions for a block of 16 steps of form 3,1 with 32-bit lanes (14.25 a step: 13.25 integer "
    "and predicate operations and one `popc`; 17.25 for two product terms, 15.25 with 64-bit lanes). An H100 "
    "SM issues 64 int32 operations a clock (16 `popc`, on another unit), so at most 64 / 13.25 = 4.8 "
    "lane-steps a clock per SM: 132 SMs x 1.98 GHz (SXM5) give **at most about 1.26 T steps/s**, "
    "114 SMs x 1.755 GHz (PCIe) about 0.97 T steps/s (PTX is not SASS: ptxas may fuse or add a few).",
    "",
    "What keeps a search below that bound: the full search of form 3,1 at n = 24 walks 8,407 candidates "
    "(after reduction and screen), about two warps per SM, so each SM waits on the latency of the step's "
    "dependent chain (about 8 operations, some 40 clocks) rather than on issue: about 1.6 lane-steps a clock "
    "per SM, some 0.4 T steps/s while every lane is busy; and the longest walk (up to 2^24 steps, one thread) "
    "takes about 2^24 x 40 / 1.98e9 = 0.34 s on its own. With 64 G steps in all, the full search at n = 24 "
    "should take about 0.35-0.5 s: an expected 130-180 G steps/s, above the 100 G target but only a bound "
    "until measured. Every candidate walked (64,009 at n = 24, 15 warps per SM) runs nearer the issue bound.", ""]


def gpu_paragraph():
    r"""The GPU rate: the measured section where a GPU run wrote one, and the bound."""
    from pathlib import Path

    measured = Path(__file__).resolve().parents[1] / "docs" / "benchmarks" / "search-gpu.md"
    lines = list(GPU_BOUND)
    if measured.exists():
        lines += ["Measured on a GPU (`docs/benchmarks/search-gpu.md`):", ""]
        lines += [line for line in measured.read_text().splitlines()[1:]]
    return lines


def gpu_main(degrees):
    r"""The GPU search of form 3,1 at ``degrees``: every candidate walked, and the full search; docs/benchmarks/search-gpu.md."""
    from sage_lfsr.census.gpu import cuda_target, simulated

    cuda = cuda_target()
    if simulated():
        gpu = "numba's CUDA simulator"
    else:
        device = cuda.get_current_device()
        name = device.name.decode() if isinstance(device.name, bytes) else str(device.name)
        gpu = f"{name} (compute capability {'.'.join(map(str, device.compute_capability))})"
    lines = [f"Machine: {machine_description()}; GPU: {gpu}, numba {__import__('numba').__version__}.", "",
             "| n | walk | seconds | candidates walked | steps | steps/s | maximum period | check | load |",
             "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    search("3,1", 12, device="cuda")  # compiles the kernel and the CPU preparation
    for degree in degrees:
        for reduce_screen, label in ((False, "every candidate"), (True, "full search (reduced, screened)")):
            before = load()
            clock = time.perf_counter()
            result = search("3,1", degree, device="cuda", reduce=reduce_screen, screen=reduce_screen)
            seconds = time.perf_counter() - clock
            summary = result.summary()
            check = "-"
            if degree <= 20 and reduce_screen:
                check = "= CPU" if search("3,1", degree, workers=1).maximum == result.maximum else "DIFFERS from CPU"
            published = published_count("3,1", degree)
            if reduce_screen and published is not None:
                check += ", = published" if summary["maximum_period"] == published else f", published {published}"
            lines.append(f"| {degree} | {label} | {seconds:.2f} | {summary['walked']:,} | {summary['steps']:,} | "
                         f"{summary['steps'] / seconds / 1e9:.1f} G | {summary['maximum_period']} | {check} | "
                         f"{before}-{load()} |")
            print(lines[-1], flush=True)
    lines += ["", "Seconds include the CPU's preparation (unranking, reduction, screen) and the copies; "
              "steps are the steps walked (as on the CPU).", ""]
    if simulated():
        print("numba's CUDA simulator: nothing written (its rates are not a GPU's)")
        return
    write_section("search-gpu", "Maximum-period search on a GPU (measured)", lines)


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
