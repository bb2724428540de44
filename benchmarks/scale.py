r"""
Scale: a degree-32 GF(2) register (2^32 states, a 512 MiB visited bitmap)
mapped with W workers, against one core, with the peak memory. Writes
docs/benchmarks/scale.md.

    python benchmarks/scale.py [--degree 32] [--workers 2] [--schedule queue]
"""
import argparse
import resource
import time

from common import machine_description, write_section

from sage_lfsr import LFSR, map_cycles, predict_cycles
from sage_lfsr.engine.figures import run_row
from sage_lfsr.theory.prediction import random_primitive_polynomial


def peak_rss_gib():
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return own / 2 ** 20, children / 2 ** 20


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--degree", type=int, default=32)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--schedule", default="queue")
    arguments = parser.parse_args()
    register = LFSR.from_polynomial(random_primitive_polynomial(2, arguments.degree, seed=1))
    map_cycles(LFSR.from_polynomial("x^4+x+1"))
    start = time.perf_counter()
    result = map_cycles(register, schedule=arguments.schedule, workers=arguments.workers)
    seconds = time.perf_counter() - start
    assert result.structure() == predict_cycles(register)
    own, worker = peak_rss_gib()
    start = time.perf_counter()
    reference = map_cycles(register)
    sequential_seconds = time.perf_counter() - start
    assert reference.cycles == result.cycles
    row = run_row(result, seconds, sequential_seconds)
    lines = [f"Machine: {machine_description()}", "",
             f"`map_cycles(register, schedule={arguments.schedule!r}, workers={arguments.workers})` on the primitive "
             f"register {register.characteristic_polynomial()} ({register.state_count:,} states, one cycle of "
             f"{register.state_count - 1:,}).", "",
             "| wall s | sequential s | speedup | million states/s | lambda % | redundant % | tasks | "
             "peak RSS caller GiB | peak RSS largest worker GiB |",
             "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
             f"| {seconds:.1f} | {sequential_seconds:.1f} | {row['speedup']:.2f} | "
             f"{register.state_count / seconds / 1e6:.1f} | {row['imbalance_percent']:.1f} | "
             f"{row['redundant_percent']:.1f} | {row['tasks']} | {own:.2f} | {worker:.2f} |", "",
             "The visited bitmap lives in shared memory (2^32 bits = 512 MiB, one bitmap shared by the workers), "
             "counted in the RSS of the processes that touch them. The sequential run (the reference "
             "the result is compared with) ran after the parallel one, in the same process."]
    print("\n".join(lines))
    write_section("scale", f"Scale: 2^{arguments.degree} states (issue 4)", lines)


if __name__ == "__main__":
    main()
