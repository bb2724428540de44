r"""
How much work a rule without shared marks costs (the multi-machine Dask case),
measured by simulation with the fast successor: each worker owns the tasks
``i`` with ``i mod W = w`` and keeps marks only for the states it owns (no
bitmap of the whole space); long cycles are traced in segments between
distinguished states, and a sweep walk from ``s`` stops at a distinguished
state, a state smaller than ``s`` (a cycle is recorded only from its minimal
state) or a state it marked itself. Counts every successor step. Writes
docs/benchmarks/dask-no-shared-marks.md.

    python benchmarks/no_shared_marks.py [--degree 18]
"""
import argparse

import numba
import numpy as np
from common import benchmark_registers, machine_description, write_section

from sage_lfsr.kernels.traversal import GOLDEN
from sage_lfsr.planning import distinguished_bits


@numba.njit(inline="always")
def _step(state, taps, top):
    masked, parity = state & taps, 0
    while masked:
        parity ^= 1
        masked &= masked - 1
    return (state >> 1) | (parity << top)


@numba.njit(inline="always")
def _distinguished(state, dbits):
    return ((np.uint64(state) * np.uint64(GOLDEN)) >> np.uint64(64 - dbits)) == np.uint64(0)


@numba.njit
def steps_without_shared_marks(degree, taps, workers, batch, dbits):
    count, top, total = 1 << degree, degree - 1, 0
    for worker in range(workers):
        marked = np.zeros(count, np.bool_)  # only this worker's own states are ever set
        for phase in range(2):
            for start in range(count):
                if (start // batch) % workers != worker or marked[start]:
                    continue
                if _distinguished(start, dbits) != (phase == 0):
                    continue
                state = start
                while True:
                    if (state // batch) % workers == worker:
                        marked[state] = True
                    state = _step(state, taps, top)
                    total += 1
                    if state == start or _distinguished(state, dbits):
                        break
                    if phase == 1 and (state < start or ((state // batch) % workers == worker and marked[state])):
                        break
    return total


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--degree", type=int, default=18)
    arguments = parser.parse_args()
    degree = arguments.degree
    lines = [f"Machine: {machine_description()}", "",
             "Simulated with the fast GF(2) successor, 2^%d states, tasks of 2^%d states dealt round-robin, "
             "about 16 a worker. Redundant = successor steps beyond q^d, in %% of q^d. Without marks from the "
             "others, a worker spends at least one step on each of its states that another worker traced, so "
             "(W - 1) / W x 100 %% is a floor for any such rule." % (degree, degree - 5), "",
             "| register | W | redundant % | floor % |", "| --- | ---: | ---: | ---: |"]
    for kind, register in benchmark_registers(degree).items():
        taps = sum(1 << index for index, coefficient in enumerate(register.key()[1]) if coefficient)
        for workers in (1, 2, 4):
            batch = (1 << degree) // (16 * workers)
            steps = steps_without_shared_marks(degree, taps, workers, batch, distinguished_bits(batch))
            lines.append(f"| {kind} | {workers} | {100.0 * steps / (1 << degree) - 100:.0f} | "
                         f"{100.0 * (workers - 1) / workers:.0f} |")
            print(lines[-1], flush=True)
    write_section("dask-no-shared-marks", "Dask across machines: a rule without shared marks (issue 12)", lines)


if __name__ == "__main__":
    main()
