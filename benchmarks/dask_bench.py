r"""
``schedule="dask"`` on a LocalCluster (worker processes on loopback), started
once and reused, against one core: wall seconds and redundant work with the
visited bitmaps shared on this machine (the default when every worker is here)
and with private bitmaps (``registry="manager"``: what workers on other
machines, sharing no memory, do). Writes docs/benchmarks/dask.md.

    python benchmarks/dask_bench.py [--sizes 22,24,26] [--workers 2] [--repeats 2]
"""
import argparse
import time

from common import benchmark_registers, machine_description, write_section

from sage_lfsr import map_cycles
from sage_lfsr.figures import best_of

MODES = {"shared on this machine": {}, "private (no shared memory)": {"registry": "manager"}}


def main():
    import distributed

    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="22,24,26")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--note", default="")
    arguments = parser.parse_args()
    sizes = [int(size) for size in arguments.sizes.split(",")]
    started = time.perf_counter()
    cluster = distributed.LocalCluster(n_workers=arguments.workers, threads_per_worker=1, host="127.0.0.1",
                                       dashboard_address=":0", worker_dashboard_address=None)
    start_seconds = time.perf_counter() - started
    lines = [f"Machine: {machine_description()}", ""] + ([arguments.note, ""] if arguments.note else [])
    lines += [f"A LocalCluster of {arguments.workers} worker processes (one thread each) on loopback, started "
              f"once in {start_seconds:.1f} s and reused by every run (`scheduler_address=`); the first map on it "
              "(compiling in each worker) is not timed. Speedup over the sequential fast kernel in the same run, "
              f"best of {arguments.repeats}; redundant = states traced beyond q^d, in % of q^d.", "",
              "| register | states | sequential s | memory | dask s | speedup | redundant % | tasks |",
              "| --- | ---: | ---: | --- | ---: | ---: | ---: | ---: |"]
    try:
        address = cluster.scheduler_address
        first = benchmark_registers(sizes[0])["primitive"]
        for options in MODES.values():
            map_cycles(first, schedule="dask", workers=arguments.workers, scheduler_address=address, **options)
        for degree in sizes:
            for kind, register in benchmark_registers(degree).items():
                sequential, reference = best_of(arguments.repeats, lambda: map_cycles(register))
                for mode, options in MODES.items():
                    seconds, result = best_of(arguments.repeats, lambda: map_cycles(
                        register, schedule="dask", workers=arguments.workers, scheduler_address=address, **options))
                    assert result.cycles == reference.cycles, (kind, degree, mode)
                    redundant = 100.0 * (result.states_traced - result.state_count) / result.state_count
                    tasks = sum(load.tasks for load in result.worker_loads)
                    lines.append(f"| {kind} | 2^{degree} | {sequential:.2f} | {mode} | {seconds:.2f} | "
                                 f"{sequential / seconds:.2f}x | {redundant:.0f} | {tasks} |")
                    print(lines[-1], flush=True)
    finally:
        cluster.close()
    write_section("dask", f"Dask, LocalCluster with {arguments.workers} workers (issue 12)", lines)


if __name__ == "__main__":
    main()
