r"""
``schedule="dask"`` on a LocalCluster (worker processes on loopback), started
once and reused, against one core: wall seconds, redundant work and marks
moved, in the three memory modes of the workers (``sage_lfsr.dask-memory``):
bitmaps shared on this machine (the default when every worker is here), owned
blocks of states with marks passed in batches (the default when workers run on
other machines; forced here, so the workers share no memory), and a private
bitmap of the whole space per worker (``registry="manager"``). Writes
docs/benchmarks/dask.md.

    python benchmarks/dask_bench.py [--sizes 22,24,26] [--workers 2] [--repeats 2]
"""
import argparse
import os
import time

import dask
from common import benchmark_registers, machine_description, write_section

from sage_lfsr import map_cycles
from sage_lfsr.engine.figures import best_of

MODES = {"shared on this machine": ({}, {}),
         "owned blocks (no shared memory)": ({"sage_lfsr.dask-memory": "owned"}, {}),
         "private bitmaps (no shared memory)": ({}, {"registry": "manager"})}


def timed_dask(register, workers, address, config, options, repeats):
    with dask.config.set(config):
        return best_of(repeats, lambda: map_cycles(register, schedule="dask", workers=workers,
                                                   scheduler_address=address, **options))


def main():
    import distributed

    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="22,24,26")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--modes", default=",".join(MODES), help="comma-separated, from: " + ", ".join(MODES))
    parser.add_argument("--no-shared-up-to", type=int, default=24,
                        help="largest degree measured in the modes without shared memory")
    parser.add_argument("--note", default="")
    arguments = parser.parse_args()
    sizes = [int(size) for size in arguments.sizes.split(",")]
    modes = {name: MODES[name] for name in arguments.modes.split(",")}
    started = time.perf_counter()
    cluster = distributed.LocalCluster(n_workers=arguments.workers, threads_per_worker=1, host="127.0.0.1",
                                       dashboard_address=":0", worker_dashboard_address=None)
    start_seconds = time.perf_counter() - started
    lines = [f"Machine: {machine_description()}", ""] + ([arguments.note, ""] if arguments.note else [])
    lines += [f"A LocalCluster of {arguments.workers} worker processes (one thread each) on loopback, started "
              f"once in {start_seconds:.1f} s and reused by every run (`scheduler_address=`); the first maps on it "
              "(compiling in each worker) are not timed. Speedup over the sequential fast kernel in the same run, "
              f"best of {arguments.repeats}; redundant = states traced beyond q^d, in % of q^d; groups = Dask "
              "tasks (each runs several of the plan's tasks); overhead = wall seconds beyond the busiest worker's "
              "task time (start-up, round trips, barrier, transfers, assembly); work / seq = the workers' task "
              "seconds summed over the sequential run's seconds (what two busy vCPUs and the segment kernel cost "
              "beyond one core); marks = MB of marks moved between workers (owned mode; none through the caller); "
              "load = the machine's load average after the row (2 cores: above 2, other processes took CPU).", "",
              "| register | states | sequential s | memory | dask s | speedup | overhead s | work / seq | redundant % "
              "| groups | marks MB | load |",
              "| --- | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    try:
        address = cluster.scheduler_address
        for kind, register in benchmark_registers(min(sizes[0], 16)).items():  # compile every path on every worker
            for config, options in modes.values():
                timed_dask(register, arguments.workers, address, config, dict(options, split=True), 1)
        for degree in sizes:
            for kind, register in benchmark_registers(degree).items():
                sequential, reference = best_of(arguments.repeats, lambda: map_cycles(register))
                for mode, (config, options) in modes.items():
                    if degree > arguments.no_shared_up_to and mode != "shared on this machine":
                        continue
                    seconds, result = timed_dask(register, arguments.workers, address, config, options,
                                                 arguments.repeats)
                    assert result.cycles == reference.cycles, (kind, degree, mode)
                    redundant = 100.0 * (result.states_traced - result.state_count) / result.state_count
                    marks = result.choices.get("owned_marks_bytes")
                    busy = [load.busy_seconds for load in result.worker_loads]
                    lines.append(f"| {kind} | 2^{degree} | {sequential:.2f} | {mode} | {seconds:.2f} | "
                                 f"{sequential / seconds:.2f}x | {seconds - max(busy):.2f} | "
                                 f"{sum(busy) / sequential:.2f} | {redundant:.1f} | {result.choices['dask_groups']} | "
                                 f"{'-' if marks is None else f'{marks / 2 ** 20:.1f}'} | {os.getloadavg()[0]:.1f} |")
                    print(lines[-1], flush=True)
    finally:
        cluster.close()
    write_section("dask", f"Dask, LocalCluster with {arguments.workers} workers (issue 12)", lines)


if __name__ == "__main__":
    main()
