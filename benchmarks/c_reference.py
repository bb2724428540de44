r"""
The fast kernel against the plain C loop with a visited bitmap
(``shared/bench/limit.c``: one core, GF(2), every cycle traced whole), in one
run: the C program is built here with ``gcc -O3``, then each degree is timed
alternately in C, in the kernel alone (``FastKernel.sweep_cycles`` over the
whole space, as the sequential schedule runs it) and through ``map_cycles``
(planning, theory check and assembly included). Needs numpy and numba; Sage
only to pick the primitive polynomials (or give ``--taps``). Writes
docs/benchmarks/c-reference.md.

    python benchmarks/c_reference.py [--degrees 24,28,30] [--repeats 3] [--source ../shared/bench/limit.c]
"""
import argparse
import re
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np
from common import machine_description, write_section

DEFAULT_SOURCE = Path(__file__).resolve().parents[2] / "shared" / "bench" / "limit.c"
#: The AVX-512 brute force of form 3,1 (lockstep lanes in intrinsics), kept beside this script.
NLFSR_SOURCE = Path(__file__).resolve().parent / "nlfsr_avx512.c"


def build_nlfsr(directory, width):
    r"""``nlfsr_avx512.c`` built with ``width``-bit lanes (``gcc -O3 -march=native``); the binary's path."""
    binary = Path(directory) / f"nlfsr_avx512_{width}"
    subprocess.run(["gcc", "-O3", "-march=native", f"-DW={width}", "-o", str(binary), str(NLFSR_SOURCE)], check=True)
    return binary


def nlfsr_run(binary, degree):
    r"""Every candidate of form 3,1 at ``degree`` walked by the C brute force: ``(candidates, maximum, steps, seconds)``."""
    output = subprocess.run([str(binary), str(degree)], check=True, capture_output=True, text=True).stdout.split()
    return int(output[0]), int(output[1]), int(output[2]), float(output[3])


def build(source, directory):
    binary = Path(directory) / "limit"
    subprocess.run(["gcc", "-O3", "-o", str(binary), str(source)], check=True)
    return binary


def c_seconds(binary, degree, taps):
    output = subprocess.run([str(binary), str(degree), hex(taps)], check=True, capture_output=True, text=True).stdout
    return float(re.search(r"seconds=([0-9.]+)", output).group(1)), output.strip()


def kernel_seconds(tables):
    from sage_lfsr.registers.coercion import describe
    from sage_lfsr.engine.kernels import make_kernel

    kernel = make_kernel("fast", describe(tables))
    kernel.warm_up()
    visited = np.zeros((1, (tables.state_count + 7) // 8), dtype=np.uint8)
    start = time.perf_counter()
    cycles, steps = kernel.sweep_cycles(0, tables.state_count, visited[0], visited, 0)
    seconds = time.perf_counter() - start
    assert steps == tables.state_count
    return seconds, cycles


def map_seconds(register):
    from sage_lfsr import map_cycles

    start = time.perf_counter()
    map_cycles(register, batch_size=register.state_count)
    return time.perf_counter() - start


def registers(degrees):
    from sage_lfsr import LFSR
    from sage_lfsr.registers.tables import RegisterTables
    from sage_lfsr.theory.prediction import random_primitive_polynomial

    for degree in degrees:
        register = LFSR.from_polynomial(random_primitive_polynomial(2, degree, seed=1))
        yield degree, register, RegisterTables.from_lfsr(register)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--degrees", default="24,28")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--source", default=str(DEFAULT_SOURCE))
    parser.add_argument("--note", default="")
    arguments = parser.parse_args()
    degrees = [int(degree) for degree in arguments.degrees.split(",")]
    lines = [f"Machine: {machine_description()}", ""] + ([arguments.note, ""] if arguments.note else [])
    lines += ["Primitive GF(2) registers (one cycle of 2^d - 1 states and the zero state), one core. Best of "
              f"{arguments.repeats}, the three timed alternately. `limit.c` built with `gcc -O3`; the kernel "
              "is `FastKernel.sweep_cycles` over the whole space (what `schedule=\"sequential\"` runs), "
              "`map_cycles` adds planning, the calibration and the assembly.", "",
              "| degree | C: s | C: million states/s | kernel: s | kernel / C | map_cycles: s | map_cycles / C |",
              "| ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    with tempfile.TemporaryDirectory() as directory:
        binary = build(arguments.source, directory)
        for degree, register, tables in registers(degrees):
            best = {"c": float("inf"), "kernel": float("inf"), "map": float("inf")}
            for _ in range(arguments.repeats):
                best["c"] = min(best["c"], c_seconds(binary, degree, tables.taps)[0])
                best["kernel"] = min(best["kernel"], kernel_seconds(tables)[0])
                best["map"] = min(best["map"], map_seconds(register))
            rate = tables.state_count / best["c"] / 1e6
            lines.append(f"| {degree} | {best['c']:.3f} | {rate:.0f} | {best['kernel']:.3f} | "
                         f"{best['c'] / best['kernel']:.2f}x | {best['map']:.3f} | {best['c'] / best['map']:.2f}x |")
            print(lines[-1], flush=True)
    lines += ["", "A ratio above 1 means the package is faster than the C loop.",
              "", "The AVX-512 brute force of form 3,1 (`benchmarks/nlfsr_avx512.c`) is compared with the lockstep "
              "search walk by `benchmarks/search.py`, in `docs/benchmarks/search.md`."]
    write_section("c-reference", "Fast kernel against the C reference loop (issue 12)", lines)


if __name__ == "__main__":
    main()
