r"""
Census benchmark: registers per second and the W = 2 speedup for

- the de Bruijn census: all 65,536 invertible feedback functions of degree 5,
  mapped (target: under 20 s on 2 cores), checked against 2^(2^4 - 5) = 2048;
- a maximum-period search at n = 20: registers x0 + x{a} + x{b} + x{c}*x{d}
  (the first --registers of the family) walked from state 1 (mode "period"), steps per second per core against the
  single-register fast kernel mapping a degree-20 LFSR (target >= 0.8x).

Writes docs/benchmarks/census.md (and docs/benchmarks.md).

    PYTHONPATH=. .venv/bin/python benchmarks/census.py [--degree 20] [--repeat 2]
"""
import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from common import machine_description, write_section  # noqa: E402

import numpy as np  # noqa: E402

from sage_lfsr import LFSR  # noqa: E402
from sage_lfsr.census import census, families  # noqa: E402
from sage_lfsr.engine.figures import best_of  # noqa: E402
from sage_lfsr.engine.kernels import make_kernel  # noqa: E402
from sage_lfsr.theory.prediction import random_primitive_polynomial  # noqa: E402

TEMPLATE = "x0 + x{a} + x{b} + x{c}*x{d}"


def de_bruijn_rows(repeat):
    rows = []
    for schedule, workers in (("sequential", 1), ("threads", 2), ("queue", 1), ("queue", 2)):
        def run():
            return census(families.feedback_functions(5), schedule=schedule, workers=workers)
        seconds, result = best_of(repeat, run)
        assert result.summary()["full_cycle_count"] == 2 ** (2 ** 4 - 5)
        rows.append((schedule, workers, seconds, result.run_seconds, len(result)))
    listed = list(families.feedback_functions(5))  # one spec object per register, the path of any iterable
    seconds, result = best_of(repeat, lambda: census(listed, schedule="sequential"))
    rows.append(("sequential, a list of 65,536 specs, rows read", 1, seconds + _rows_seconds(result),
                 result.run_seconds, len(result)))
    return rows


def _rows_seconds(result):
    clock = time.perf_counter()
    assert len(result.rows) == len(result)
    return time.perf_counter() - clock


def period_rows(degree, repeat, limit):
    specs = list(families.template(TEMPLATE, degree))[:limit]
    census(specs[:2], mode="period", schedule="sequential")  # untimed: loads the compiled kernel
    rows, periods = [], None
    for schedule, workers in (("sequential", 1), ("threads", 2), ("queue", 2)):
        seconds, result = best_of(repeat, lambda: census(specs, mode="period", schedule=schedule, workers=workers))
        found = [row["period"] for row in result.rows]
        assert periods is None or found == periods
        periods = found
        rows.append((schedule, workers, seconds, result.run_seconds, result.steps))
    maximum = sum(p == 2 ** degree - 1 for p in periods)
    return specs, rows, maximum, fast_kernel_rate(degree, max(5, repeat))


def fast_kernel_rate(degree, repeat):
    r"""States per second of the single-register fast kernel sweeping a primitive register of ``degree`` (one core)."""
    register = LFSR.from_polynomial(random_primitive_polynomial(2, degree, seed=1))
    kernel = make_kernel("fast", register)
    kernel.warm_up()
    states = register.state_count

    def sweep():
        visited = np.zeros(states // 8, dtype=np.uint8)
        cycles, steps = kernel.sweep_cycles(0, states, visited, visited.reshape(1, -1), 0)
        assert steps == states
    seconds, _ = best_of(repeat, sweep)
    return states / seconds


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument("--degree", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--registers", type=int, default=2000, help="registers of the template walked")
    parser.add_argument("--note", default="", help="a line about the conditions (e.g. other jobs running)")
    arguments = parser.parse_args()

    lines = [f"Machine: {machine_description()}.", ""]
    if arguments.note:
        lines += [arguments.note, ""]
    lines += ["### de Bruijn census: all 65,536 feedback functions x0 + g(x1..x4), mode map", "",
              "| schedule | workers | census seconds (all) | run seconds | registers/s | speedup |",
              "| --- | --- | --- | --- | --- | --- |"]
    rows = de_bruijn_rows(arguments.repeat)
    reference = rows[0][2]
    for schedule, workers, seconds, run_seconds, count in rows:
        lines.append(f"| {schedule} | {workers} | {seconds:.2f} | {run_seconds:.2f} | {count / seconds:,.0f} | "
                     f"{reference / seconds:.2f}x |")
    lines += ["", "Found 2048 = 2^(2^4 - 5) de Bruijn cycles every time. \"census seconds\" is the whole call "
              "(the family packed from its indices with numpy, the run, the checks and the summary from the "
              "tasks' arrays; the 65,536 row dicts are built only when read, as in the last row, which also "
              "goes through one spec object per register); \"run seconds\" the schedule's part. The threads "
              "schedule runs the tasks on threads of this process (the kernels release the GIL); the queue "
              "schedule starts worker processes, which costs more than this whole census.", ""]

    specs, rows, maximum, fast_rate = period_rows(arguments.degree, arguments.repeat, arguments.registers)
    lines += [f"### Maximum-period search, n = {arguments.degree}: {TEMPLATE}, mode period", "",
              f"The first {len(specs)} distinct registers of the family, walked from state 1; {maximum} have period "
              f"2^{arguments.degree} - 1.",
              "",
              "| schedule | workers | seconds | steps | steps/s | steps/s per core | against the fast kernel "
              "| speedup |", "| --- | --- | --- | --- | --- | --- | --- | --- |"]
    reference = rows[0][2]
    for schedule, workers, seconds, run_seconds, steps in rows:
        per_core = steps / seconds / workers
        lines.append(f"| {schedule} | {workers} | {seconds:.2f} | {steps:,} | {steps / seconds / 1e6:.0f} M | "
                     f"{per_core / 1e6:.0f} M | {per_core / fast_rate:.2f}x | {reference / seconds:.2f}x |")
    lines += ["", f"\"Against the fast kernel\": steps per second per core over the rate of the single-register "
              f"fast kernel (`kernels.fast`, `sweep_cycles` over all 2^{arguments.degree} states of a primitive LFSR, "
              f"one core, no planning): {fast_rate / 1e6:.0f} million states/s here, measured in the same run. The "
              "census walks nonlinear registers (a parity and one AND per step) with no visited bitmap.", "",
              "The 16-worker row of this search was not run: no 16-core machine was available this session."]
    write_section("census", "Census: whole families of registers", lines)
    print("\n".join(lines))


if __name__ == "__main__":
    main()
