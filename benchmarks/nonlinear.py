r"""
Nonlinear registers (issue 10): the fast kernel's rate on a degree-24 NLFSR with
five monomials against a degree-24 LFSR in the same run, and the time to map
10,000 distinct degree-10 NLFSRs in one process. Writes docs/benchmarks/nonlinear.md.
"""
import os
import random
import sys
import time

from common import machine_description, write_section

from sage_lfsr import FSR, LFSR, map_cycles
from sage_lfsr.engine.figures import best_of
from sage_lfsr.registers.fsr_tables import FeedbackTables
from sage_lfsr.theory.prediction import random_primitive_polynomial

#: Five monomials, two of them linear; x0 alone carries x0, so the register is invertible.
NLFSR_24 = "x0 + x7 + x3*x11 + x5*x13*x21 + x2*x9*x17*x23"
BATCH_COUNT = 10_000
BATCH_DEGREE = 10


def random_feedback(rng, degree):
    r"""``x0`` (invertible) or ``x0*x_i`` (not) plus two to five random monomials in x1..x(d-1)."""
    parts = ["x0" if rng.random() < 0.7 else f"x0*x{rng.randrange(1, degree)}"]
    for _ in range(rng.randrange(2, 6)):
        variables = sorted(rng.sample(range(1, degree), rng.randrange(1, 5)))
        parts.append("*".join(f"x{v}" for v in variables))
    if rng.random() < 0.5:
        parts.append("1")
    return " + ".join(parts)


def rates(repeats):
    nlfsr = FSR(NLFSR_24, 24)
    lfsr = LFSR.from_polynomial(random_primitive_polynomial(2, 24, seed=1))
    map_cycles(FSR("x0 + x1*x2", 4))  # compile both steps before timing
    map_cycles(LFSR([1, 1, 0, 0]))
    rows = []
    for label, register in (("LFSR, primitive", lfsr), (f"NLFSR `{NLFSR_24}`", nlfsr)):
        seconds, result = best_of(repeats, lambda: map_cycles(register, batch_size=register.state_count))
        rows.append((label, register.state_count / seconds / 1e6, seconds, result))
    return nlfsr, rows


def batch(count, degree):
    rng = random.Random(2026)
    map_cycles(FSR("x0 + x1*x2", degree))  # compile once (the binary ANF step), outside the timing
    clocks = [(time.perf_counter(), time.process_time())]
    registers, seen, built = [], set(), 0
    while len(registers) < count:  # distinct registers, not only distinct texts ("x1 + x1" is 0)
        register = FSR(random_feedback(rng, degree), degree)
        built += 1
        if register not in seen:
            seen.add(register)
            registers.append(register)
    clocks.append((time.perf_counter(), time.process_time()))
    maps = [map_cycles(register) for register in registers]
    clocks.append((time.perf_counter(), time.process_time()))
    assert all(cycle_map.is_complete() for cycle_map in maps)
    (wall_0, cpu_0), (wall_1, cpu_1), (wall_2, cpu_2) = clocks
    return len(registers), built, (wall_1 - wall_0, cpu_1 - cpu_0), (wall_2 - wall_1, cpu_2 - cpu_1)


def main():
    repeats = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    nlfsr, rows = rates(repeats)
    (lfsr_label, lfsr_rate, _, _), (nlfsr_label, nlfsr_rate, _, nlfsr_map) = rows
    distinct, built, (build_wall, build_seconds), (map_wall, map_seconds) = batch(BATCH_COUNT, BATCH_DEGREE)
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    lines = [f"Machine: {machine_description()}; load average {load} while measured (shared with other "
             "sessions: absolute rates are depressed, the ratio and the CPU seconds are the figures to read).", "",
             "Sequential `map_cycles(register)`, fast kernel, whole state space (2^24 states), best of "
             f"{repeats}. The NLFSR's step is `{FeedbackTables.from_fsr(nlfsr).step_kind}`: the parity of the "
             "linear taps plus one AND test per nonlinear monomial.", "",
             "| register | million states/s | against the LFSR |", "| --- | ---: | ---: |"]
    for label, rate, seconds, _ in rows:
        lines.append(f"| {label} | {rate:.1f} | {rate / lfsr_rate:.2f}x |")
    lines += ["", f"The NLFSR has {nlfsr_map.cycle_count} cycles, the longest {max(nlfsr_map.cycle_counts)} states. "
              f"Target: at least half the LFSR's rate: {'met' if nlfsr_rate >= lfsr_rate / 2 else 'NOT met'} "
              f"({nlfsr_rate / lfsr_rate:.2f}x).", "",
              f"{distinct:,} distinct degree-{BATCH_DEGREE} registers over GF(2) (random ANF: `x0` or `x0*x_i` "
              "plus two to five monomials of one to four variables; about 30 % not invertible), one process, "
              "one core, sequential `map_cycles(FSR(text, 10))` each after one warm-up map (the compiled step "
              "is shared by all). "
              "CPU seconds of the process (one core), wall seconds beside them:", "",
              "| step | CPU seconds | per register | wall seconds |", "| --- | ---: | ---: | ---: |",
              f"| `FSR(text, 10)` x {built:,} (parse, reduce, decide invertibility; duplicates dropped) | "
              f"{build_seconds:.2f} | {build_seconds / built * 1e3:.2f} ms | {build_wall:.2f} |",
              f"| `map_cycles` (plan, run, assemble) | {map_seconds:.2f} | {map_seconds / distinct * 1e3:.2f} ms | "
              f"{map_wall:.2f} |",
              f"| both | {build_seconds + map_seconds:.2f} | {(build_seconds + map_seconds) / distinct * 1e3:.2f} ms | "
              f"{build_wall + map_wall:.2f} |",
              "", f"Target: under 10 s on one core: {'met' if build_seconds + map_seconds < 10 else 'NOT met'}."]
    print("\n".join(lines))
    write_section("nonlinear", "Nonlinear registers (issue 10)", lines)


if __name__ == "__main__":
    main()
