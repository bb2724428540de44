r"""
Many small cycles (issue 12): where the time and the caller's memory go when a
register has millions of cycles, W = 1 and W = 2, for one or more checkouts of
the package measured side by side (each configuration in a fresh process, the
checkouts alternating, best of ``--repeats``). Writes docs/benchmarks/many-cycles.md.

    python benchmarks/many_cycles.py                                  # this checkout
    python benchmarks/many_cycles.py --trees before=/path/to/main,after=.  # before/after
    python benchmarks/many_cycles.py --registers x24,x26,x28,g3x15

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
    "x24": ("x^24+1", 2), "x26": ("x^26+1", 2), "x28": ("x^28+1", 2),
    "g3x15": ("x^15+2", 3),  # x^15 - 1 over GF(3): about 956 thousand cycles
}
RUNS = (("sequential", 1), ("queue", 2), ("steal", 2))


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
    for schedule, workers in RUNS:
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


def measure(tree, register, repeats):
    environment = dict(os.environ, PYTHONPATH=str(Path(tree).resolve()), MPLBACKEND="Agg")
    output = subprocess.run([sys.executable, __file__, "--child", register, "--repeats", str(repeats)],
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
    arguments = parser.parse_args()
    if arguments.child:
        return child(arguments)
    from common import machine_description, write_section

    trees = dict(pair.split("=", 1) for pair in arguments.trees.split(","))
    best = {}
    for _ in range(arguments.rounds):
        for register in arguments.registers.split(","):
            for name, tree in trees.items():
                for row in measure(tree, register, arguments.repeats):
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
            sequential = best[(register, name, "sequential", 1)]
            for schedule, workers in RUNS:
                row = best[(register, name, schedule, workers)]
                reference_counts = reference_counts or row["counts"]
                assert row["counts"] == reference_counts, (register, name, schedule)
                lines.append(
                    f"| {REGISTERS[register][0]} over GF({REGISTERS[register][1]}) | {row['cycles']:,} | {name} "
                    f"| {schedule} | {workers} | {row['run_s']:.3f} | {row['assemble_s']:.3f} | {row['wall_s']:.3f} "
                    f"| {sequential['wall_s'] / row['wall_s']:.2f} | {row['peak_bytes'] / 2 ** 20:.0f} "
                    f"| {row['peak_bytes'] / row['cycles']:.0f} |")
    write_section("many-cycles", "Many small cycles: counted and merged where found (issue 12)", lines)
    print("\n".join(lines))


if __name__ == "__main__":
    main()
