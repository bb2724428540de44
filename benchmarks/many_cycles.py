r"""
Many small cycles (issue 12): where the time and the caller's memory go when a
register has millions of cycles, W = 1 and W = 2, for one or more checkouts of
the package measured side by side (each configuration in a fresh process, the
checkouts alternating, best of ``--repeats``). Writes docs/benchmarks/many-cycles.md.

    python benchmarks/many_cycles.py                                  # this checkout
    python benchmarks/many_cycles.py --trees before=/path/to/main,after=.  # before/after
    python benchmarks/many_cycles.py --registers x24,x26,x28,g3x15
    python benchmarks/many_cycles.py --registers x30 --runs queue:2 --section many-cycles-x30
    python benchmarks/many_cycles.py --registers x28 --caller-workers 16 --section many-cycles-caller

Per run: wall seconds of ``map_cycles`` split into the schedule's run (workers
started, tasks traced, results received) and the assembly in the caller (cycles
merged, counted, loads), and the caller's peak resident memory above what it
held before the run (sampled every 2 ms: the visited bitmap counts where the
caller traces, i.e. sequentially).
"""
import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

REGISTERS = {
    "x24": ("x^24+1", 2), "x26": ("x^26+1", 2), "x28": ("x^28+1", 2), "x30": ("x^30+1", 2),
    "g3x15": ("x^15+2", 3),  # x^15 - 1 over GF(3): about 956 thousand cycles
}
RUNS = "sequential:1,queue:2,steal:2"


def child(arguments):
    r"""One register, every run of ``RUNS``, in this process: prints one JSON row per run."""
    import threading
    import time

    from sage_lfsr import LFSR, map_cycles
    from sage_lfsr.assembly import assemble
    from sage_lfsr.planning import plan
    from sage_lfsr.schedules import get_schedule
    from sage_lfsr.schedules.base import RunOptions

    page = os.sysconf("SC_PAGE_SIZE")

    def resident():
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * page

    class PeakResident:
        def __init__(self):
            self.base = self.peak = resident()
            self.running = True
            self.thread = threading.Thread(target=self.sample, daemon=True)
            self.thread.start()

        def sample(self):
            while self.running:
                self.peak = max(self.peak, resident())
                time.sleep(0.002)

        def stop(self):
            self.running = False
            self.thread.join()
            return max(self.peak, resident()) - self.base

    polynomial, q = REGISTERS[arguments.child]
    register = LFSR.from_polynomial(polynomial, q=q)
    map_cycles(LFSR.from_polynomial("x^12+1"), schedule="queue", workers=2)  # compile, warm the fork path
    if arguments.caller_workers:
        return caller_side(register, arguments.caller_workers, PeakResident)
    for schedule, workers in runs_of(arguments.runs):
        best = None
        for _ in range(arguments.repeats):
            decided = plan(register, schedule=schedule, workers=workers)
            peak = PeakResident()
            start = time.perf_counter()
            record = get_schedule(decided.schedule).run(decided.job(), RunOptions(
                workers=decided.workers, start_method=decided.start_method, kernel=decided.calibrated_kernel))
            ran = time.perf_counter()
            result = assemble(decided, record)
            end = time.perf_counter()
            grown = peak.stop()
            row = {"schedule": schedule, "workers": workers, "cycles": len(result.cycles),
                   "run_s": ran - start, "assemble_s": end - ran, "wall_s": end - start, "peak_bytes": grown,
                   "tasks": len(decided.tasks), "counts": {str(k): v for k, v in result.cycle_counts.items()}}
            if best is None or row["wall_s"] < best["wall_s"]:
                best = row
            del record, result
        print(json.dumps(best), flush=True)


def runs_of(text):
    return [(schedule, int(workers)) for schedule, workers in (pair.split(":") for pair in text.split(","))]


def caller_side(register, workers, PeakResident):
    r"""
    The caller's part of a run with ``workers`` workers, without the workers: a
    sequential run's tasks (32 per worker) dealt round-robin to ``workers``
    pretend workers, their results handed to the assembly as they would arrive
    (each task's cycles with its result, or, where the checkout keeps them in
    the workers, each worker's cycles sorted, once). Prints one JSON row.
    """
    import time

    from sage_lfsr import job as job_module
    from sage_lfsr.assembly import assemble
    from sage_lfsr.planning import plan
    from sage_lfsr.schedules import get_schedule
    from sage_lfsr.schedules.base import RunOptions

    decided = plan(register, batch_size=max(1, register.state_count // (32 * workers)))
    record = get_schedule("sequential").run(decided.job(), RunOptions(kernel=decided.calibrated_kernel))
    for number, result in enumerate(record.results):
        result.worker = number % workers
    if hasattr(job_module, "FoundCycles"):
        for worker in range(workers):
            found = job_module.FoundCycles()
            for result in record.results[worker::workers]:
                found.take(result)
            record.found.extend((worker, piece) for piece in found.pieces())
    peak = PeakResident()
    start = time.perf_counter()
    result = assemble(decided, record)
    seconds = time.perf_counter() - start
    print(json.dumps({"schedule": f"caller of {workers} workers", "workers": workers, "cycles": len(result.cycles),
                      "run_s": 0.0, "assemble_s": seconds, "wall_s": seconds, "peak_bytes": peak.stop(),
                      "tasks": len(decided.tasks), "counts": {str(k): v for k, v in result.cycle_counts.items()}}),
          flush=True)


def measure(tree, register, repeats, runs, caller_workers=0):
    environment = dict(os.environ, PYTHONPATH=str(Path(tree).resolve()), MPLBACKEND="Agg")
    output = subprocess.run([sys.executable, __file__, "--child", register, "--repeats", str(repeats), "--runs", runs,
                             "--caller-workers", str(caller_workers)],
                            env=environment, capture_output=True, text=True, check=True).stdout
    return [json.loads(line) for line in output.splitlines() if line.startswith("{")]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--registers", default="x24,x26,g3x15")
    parser.add_argument("--trees", default="this=.")
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=1, help="alternate the trees this many times")
    parser.add_argument("--child")
    parser.add_argument("--note", default="")
    parser.add_argument("--runs", default=RUNS, help="schedule:workers pairs")
    parser.add_argument("--caller-workers", type=int, default=0,
                        help="measure only the caller's assembly of this many workers' results (no workers run)")
    parser.add_argument("--section", default="many-cycles")
    parser.add_argument("--title", default="Many small cycles: counted and merged where found (issue 12)")
    arguments = parser.parse_args()
    if arguments.child:
        return child(arguments)
    from common import machine_description, write_section

    trees = dict(pair.split("=", 1) for pair in arguments.trees.split(","))
    best = {}
    for _ in range(arguments.rounds):
        for register in arguments.registers.split(","):
            for name, tree in trees.items():
                for row in measure(tree, register, arguments.repeats, arguments.runs, arguments.caller_workers):
                    key = (register, name, row["schedule"], row["workers"])
                    if key not in best or row["wall_s"] < best[key]["wall_s"]:
                        best[key] = row
                    print(key, {k: round(v, 3) if isinstance(v, float) else v for k, v in row.items()
                                if k != "counts"}, flush=True)
    lines = [f"Machine: {machine_description()}", "", arguments.note, "",
             "`map_cycles` split into the schedule's run (workers, tracing, results received) and the assembly "
             "in the caller (cycles merged and counted); peak = the caller's resident memory above what it held "
             "before the run, per cycle. Best of the runs; each checkout in a fresh process, the checkouts "
             "alternating. Speedup = sequential wall / this wall, same checkout.", "",
             "| register | cycles | code | schedule | W | run s | assemble s | wall s | speedup | caller peak MB "
             "| bytes/cycle |",
             "| --- | ---: | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for register in arguments.registers.split(","):
        reference_counts = None
        for name in trees:
            sequential = best.get((register, name, "sequential", 1))
            points = runs_of(arguments.runs)
            if arguments.caller_workers:
                points = [(f"caller of {arguments.caller_workers} workers", arguments.caller_workers)]
            for schedule, workers in points:
                row = best[(register, name, schedule, workers)]
                reference_counts = reference_counts or row["counts"]
                assert row["counts"] == reference_counts, (register, name, schedule)
                speedup = f"{sequential['wall_s'] / row['wall_s']:.2f}" if sequential else "-"
                lines.append(
                    f"| {REGISTERS[register][0]} over GF({REGISTERS[register][1]}) | {row['cycles']:,} | {name} "
                    f"| {schedule} | {workers} | {row['run_s']:.3f} | {row['assemble_s']:.3f} | {row['wall_s']:.3f} "
                    f"| {speedup} | {row['peak_bytes'] / 2 ** 20:.0f} | {row['peak_bytes'] / row['cycles']:.0f} |")
    write_section(arguments.section, arguments.title, lines)
    print("\n".join(lines))


if __name__ == "__main__":
    main()
