r"""
Dask across machines: the owned mode (``sage_lfsr.dask-memory = "owned"``,
:mod:`sage_lfsr.engine.schedules.dask_owned`) on a LocalCluster whose workers are made
to share no memory, W = 2 and 4: each worker holds the marks of its own blocks
of states only. Measures the redundant work (states traced beyond q^d), the
sweep rounds and the marks passed to their owners (the transfer), against the
floor (W - 1) / W of any rule without marks from the others. Writes
docs/benchmarks/dask-no-shared-marks.md.

    python benchmarks/no_shared_marks.py [--sizes 20,22,24] [--workers 2,4]
"""
import argparse
import os
import time

import dask
from common import benchmark_registers, machine_description, write_section

from sage_lfsr import map_cycles
from sage_lfsr.engine.schedules.dask_owned import ROUNDS_FOR_A_WHOLE_SWEEP


def main():
    import distributed

    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="20,22,24")
    parser.add_argument("--workers", default="2,4")
    parser.add_argument("--note", default="")
    arguments = parser.parse_args()
    sizes = [int(size) for size in arguments.sizes.split(",")]
    lines = [f"Machine: {machine_description()}", ""] + ([arguments.note, ""] if arguments.note else [])
    lines += ["The owned mode of `schedule=\"dask\"` (the default for workers on other machines), forced on a "
              "LocalCluster so that the workers share no memory: each owns blocks of states and holds their marks "
              "only. Segments are walked once; each walk writes the marks of the states it passes to their owners' "
              "rows, which stay on the worker that walked them until a sweep needs them, then travel worker to worker "
              "as Dask dependencies (a bitmap of the owner's bits where denser than 4-byte indices); none pass "
              f"through the caller. The states the segments leave are swept in rounds (up to {ROUNDS_FOR_A_WHOLE_SWEEP}) "
              "with the minimal-state rule, submitted at once as a graph: an owner's round r + 1 waits on Dask for "
              "every owner's round r. Redundant = states traced beyond q^d, in % of q^d (the floor for a rule "
              "without marks from the others is (W - 1) / W); marks = marks made for other owners (millions of "
              "states); moved = MB of marks that travelled between workers, and against a bitmap of the whole space; "
              "wall seconds beside the sequential fast kernel's (one run each, the load average of the machine "
              "beside each row).", "",
              "| register | states | W | redundant % | floor % | rounds | marks M | moved MB | moved / bitmap | "
              "dask s | sequential s | slowdown | load |",
              "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for workers in [int(count) for count in arguments.workers.split(",")]:
        cluster = distributed.LocalCluster(n_workers=workers, threads_per_worker=1, host="127.0.0.1",
                                           dashboard_address=":0", worker_dashboard_address=None)
        try:
            with dask.config.set({"sage_lfsr.dask-memory": "owned"}):
                for register in benchmark_registers(14).values():  # compile every path on every worker
                    map_cycles(register, schedule="dask", workers=workers, split=True,
                               scheduler_address=cluster.scheduler_address)
                for degree in sizes:
                    for kind, register in benchmark_registers(degree).items():
                        started = time.perf_counter()
                        reference = map_cycles(register)
                        sequential = time.perf_counter() - started
                        started = time.perf_counter()
                        result = map_cycles(register, schedule="dask", workers=workers,
                                            scheduler_address=cluster.scheduler_address)
                        seconds = time.perf_counter() - started
                        assert result.cycles == reference.cycles, (kind, degree, workers)
                        state_count = result.state_count
                        redundant = 100.0 * (result.states_traced - state_count) / state_count
                        moved = result.choices["owned_marks_bytes"]
                        assert result.choices["owned_marks_via_caller_bytes"] == 0
                        lines.append(f"| {kind} | 2^{degree} | {workers} | {redundant:.1f} | "
                                     f"{100.0 * (workers - 1) / workers:.0f} | {result.choices['owned_rounds']} | "
                                     f"{result.choices['owned_marks_states'] / 1e6:.1f} | {moved / 2 ** 20:.1f} | "
                                     f"{moved / (state_count / 8):.2f}x | {seconds:.2f} | {sequential:.2f} | "
                                     f"{seconds / sequential:.1f}x | {os.getloadavg()[0]:.1f} |")
                        print(lines[-1], flush=True)
        finally:
            cluster.close()
    write_section("dask-no-shared-marks", "Dask across machines: owned blocks of states, marks passed in batches "
                  "(issue 12)", lines)


if __name__ == "__main__":
    main()
