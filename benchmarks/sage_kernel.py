r"""
The seed's own setting: ``kernel="sage"`` (a Sage matrix-vector product per
step). Part 1: microseconds per step of the seed's successor (``v * M`` with
the digits coerced to field elements one by one) against this package's
(``M^T * v`` from integer digits), per field, with the Sage matrix type in use
(the specialised types come with passagemath-m4ri-m4rie and passagemath-linbox).
Part 2: ``map_cycles(kernel="sage")`` on the primitive, many-cycle and skewed
registers, 2^12 to 2^16 states, W = 1, 2, 4, in the seed design (Manager
registry, static chunks, whole cycles) and the package design (shared bitmaps,
split cycles, dynamic schedules), speedups over the sequential sage kernel
measured in the same run. Part 3: the same maps on a warm
:class:`~sage_lfsr.engine.pool.MappingPool` (workers and Manager started once) against
fresh workers and a cold pool, with the CPU time per state in the caller and in
the pool's workers; and the fast kernel's state-space size from which W = 2 pays,
with and without a warm pool. Writes docs/benchmarks/sage-kernel.md (``--parts
pool`` keeps parts 1 and 2 of the existing section).

    python benchmarks/sage_kernel.py [--sizes 12,14,16] [--workers 1,2,4] [--repeats 2] [--parts steps,schedules,pool]
"""
import argparse
import os
import time

from common import benchmark_registers, machine_description, write_section

from common import SECTIONS
from sage_lfsr import LFSR, map_cycles
from sage_lfsr.registers.coercion import describe
from sage_lfsr.engine.figures import best_of
from sage_lfsr.engine.kernels import make_kernel
from sage_lfsr.engine.kernels.sage import SageSuccessor
from sage_lfsr.engine.pool import MappingPool

DYNAMIC = ("queue", "steal", "hybrid")
SEED_FIGURES = ("The seed's own figures (dynamic-threading-feasibility.md, 14-bit register, 4 workers, its "
                "static design): sequential 1.99 s, static parallel 4.04 s (400 % imbalance), i.e. 0.49x; "
                "its estimates for dynamic scheduling 0.60 s (3.3x), 0.80 s (2.5x), 1.20 s (1.7x).")


def seed_successor(lfsr):
    r"""The seed mapper's step: digits -> field elements -> ``v * M`` -> digits (a dict lookup each)."""
    from sage_lfsr.common import sagemath

    q, degree = lfsr.field_order, lfsr.degree
    space, matrix = lfsr.vector_space(), lfsr.state_update_matrix()
    elements = [sagemath.int_to_element(lfsr.field, value) for value in range(q)]
    values = {element: value for value, element in enumerate(elements)}

    def step(state):
        digits = []
        for _ in range(degree):
            state, digit = divmod(state, q)
            digits.append(elements[digit])
        index = 0
        for entry in reversed(list(space(digits) * matrix)):
            index = index * q + values[entry]
        return index
    return step


def microseconds_per_step(step, state_count, steps=3000):
    state, start = 1, time.process_time()
    for _ in range(steps):
        state = step(state) % state_count or 1
    return (time.process_time() - start) / steps * 1e6


def step_rows():
    registers = [("GF(2), degree 14", LFSR.from_polynomial("x^14+x^13+x^12+x^2+1")),
                 ("GF(3), degree 9", LFSR([1, 2, 1, 0, 1, 1, 0, 1, 2], q=3)),
                 ("GF(4), degree 7", LFSR([1, 2, 1, 0, 3, 1, 1], q=4)),
                 ("GF(9), degree 5", LFSR([1, 2, 1, 0, 5], q=9))]
    lines = ["| register | Sage matrix type | seed step (v * M) us | package step us | gain |",
             "| --- | --- | ---: | ---: | ---: |"]
    for label, register in registers:
        seed, package = seed_successor(register), SageSuccessor(register)
        assert all(seed(state) == package(state) for state in range(1, 200))
        # Alternate the two, keep the best of three: the machine is shared.
        seed_us = min(microseconds_per_step(seed, register.state_count) for _ in range(3))
        package_us = min(microseconds_per_step(package, register.state_count) for _ in range(3))
        lines.append(f"| {label} | `{type(package.matrix).__name__}` | {seed_us:.1f} | {package_us:.1f} | "
                     f"{seed_us / package_us:.1f}x |")
        print(lines[-1], flush=True)
    return lines


def schedule_rows(sizes, worker_counts, repeats):
    lines = ["| register | states | sequential s | W | seed design (manager, static): s / speedup | "
             "package design, best dynamic: schedule, s / speedup | redundant % (package) |",
             "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for degree in sizes:
        for kind, register in benchmark_registers(degree).items():
            sequential, reference = best_of(repeats, lambda: map_cycles(register, kernel="sage"))
            for workers in worker_counts:
                seed_seconds, seed = best_of(repeats, lambda: map_cycles(
                    register, kernel="sage", schedule="static", workers=workers, registry="manager", split=False))
                assert seed.cycles == reference.cycles
                best = None
                for schedule in DYNAMIC:
                    seconds, result = best_of(repeats, lambda: map_cycles(
                        register, kernel="sage", schedule=schedule, workers=workers))
                    assert result.cycles == reference.cycles
                    if best is None or seconds < best[0]:
                        best = (seconds, schedule, result)
                seconds, schedule, result = best
                redundant = 100.0 * (result.states_traced - result.state_count) / result.state_count
                lines.append(f"| {kind} | 2^{degree} | {sequential:.2f} | {workers} | {seed_seconds:.2f} / "
                             f"{sequential / seed_seconds:.2f}x | {schedule}, {seconds:.2f} / "
                             f"{sequential / seconds:.2f}x | {redundant:.0f} |")
                print(lines[-1], flush=True)
    return lines


POOL_HEADING = "### A warm pool (`MappingPool`)"


def pool_cpu_seconds(pool):
    r"""``(CPU seconds of the caller, of each pool worker)``: user + system."""
    import psutil

    return time.process_time(), [sum(psutil.Process(pid).cpu_times()[:2]) for pid in pool.pids]


def timed(function):
    started = time.perf_counter()
    result = function()
    return time.perf_counter() - started, result


def cold_pool_map(register, kernel, schedule, workers):
    with MappingPool(workers=workers) as pool:
        return timed(lambda: pool.map_cycles(register, kernel=kernel, schedule=schedule))


class Rounds:
    r"""
    Every variant of a row timed once per round, rounds repeated, the best
    kept: the variants see the same load (the machine is shared), which best-of
    runs done one variant after the other do not.
    """

    def __init__(self, reference):
        self.reference, self.best, self.cpu, self.critical = reference, {}, {}, {}

    def measure(self, label, function, pool=None):
        r"""
        Time ``function``; with ``pool`` also record the CPU per traced state
        (caller and workers) and the CPU critical path: the caller's CPU plus
        the busiest worker's, what the run would take with a free core each.
        """
        caller_before, workers_before = pool_cpu_seconds(pool) if pool else (time.process_time(), [])
        seconds, result = function()
        assert result.cycles == self.reference.cycles
        caller_after, workers_after = pool_cpu_seconds(pool) if pool else (time.process_time(), [])
        if label not in self.best or seconds < self.best[label]:
            self.best[label] = seconds
            caller = caller_after - caller_before
            workers = [after - before for before, after in zip(workers_before, workers_after)]
            self.cpu[label] = (caller + sum(workers)) / result.states_traced * 1e6
            self.critical[label] = caller + max(workers, default=0.0)
        return seconds


def pool_sage_rows(sizes, worker_counts, repeats):
    lines = ["| register | states | sequential s (CPU us/state) | W | fresh workers s / speedup | cold pool s / "
             "speedup | warm pool: schedule, s / speedup (CPU us/state) | warm pool, CPU critical path: speedup |",
             "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for degree in sizes:
        for kind, register in benchmark_registers(degree).items():
            reference = map_cycles(register, kernel="sage")
            pools = {workers: MappingPool(workers=workers) for workers in worker_counts}
            rounds, chosen = Rounds(reference), {}
            try:
                for workers, pool in pools.items():  # start, kernels cached, best schedule picked
                    warm_up = {schedule: timed(lambda: pool.map_cycles(register, kernel="sage", schedule=schedule))
                               for schedule in DYNAMIC}
                    chosen[workers] = min(DYNAMIC, key=lambda schedule: warm_up[schedule][0])
                for _ in range(repeats):
                    rounds.measure("sequential", lambda: timed(lambda: map_cycles(register, kernel="sage")))
                    for workers, pool in pools.items():
                        schedule = chosen[workers]
                        rounds.measure(("fresh", workers), lambda: timed(lambda: map_cycles(
                            register, kernel="sage", schedule=schedule, workers=workers)))
                        rounds.measure(("cold", workers), lambda: cold_pool_map(register, "sage", schedule, workers))
                        rounds.measure(("warm", workers), lambda: timed(lambda: pool.map_cycles(
                            register, kernel="sage", schedule=schedule)), pool)
            finally:
                for pool in pools.values():
                    pool.close()
            best, sequential = rounds.best, rounds.best["sequential"]
            for workers in worker_counts:
                fresh, cold, warm = (best[(label, workers)] for label in ("fresh", "cold", "warm"))
                cpu_speedup = rounds.critical["sequential"] / rounds.critical[("warm", workers)]
                lines.append(f"| {kind} | 2^{degree} | {sequential:.3f} ({rounds.cpu['sequential']:.0f}) | {workers} | "
                             f"{fresh:.3f} / {sequential / fresh:.2f}x | {cold:.3f} / {sequential / cold:.2f}x | "
                             f"{chosen[workers]}, {warm:.3f} / {sequential / warm:.2f}x "
                             f"({rounds.cpu[('warm', workers)]:.0f}) | {cpu_speedup:.2f}x |")
                print(lines[-1], flush=True)
    return lines


def pool_fast_rows(sizes, repeats, workers=2, schedule="steal"):
    lines = [f"| register | states | sequential s | fresh workers s / speedup | warm pool s / speedup |",
             "| --- | ---: | ---: | ---: | ---: |"]
    pays = {"fresh": {}, "warm": {}}
    with MappingPool(workers=workers) as pool:
        for degree in sizes:
            for kind in ("primitive", "many-cycles"):
                register = benchmark_registers(degree)[kind]
                rounds = Rounds(map_cycles(register))
                pool.map_cycles(register, schedule=schedule)
                for _ in range(repeats):
                    rounds.measure("sequential", lambda: timed(lambda: map_cycles(register)))
                    rounds.measure("fresh", lambda: timed(lambda: map_cycles(register, schedule=schedule,
                                                                             workers=workers)))
                    rounds.measure("warm", lambda: timed(lambda: pool.map_cycles(register, schedule=schedule)))
                sequential, fresh, warm = (rounds.best[label] for label in ("sequential", "fresh", "warm"))
                for label, seconds in (("fresh", fresh), ("warm", warm)):
                    if sequential / seconds > 1 and kind not in pays[label]:
                        pays[label][kind] = degree
                lines.append(f"| {kind} | 2^{degree} | {sequential:.4f} | {fresh:.4f} / {sequential / fresh:.2f}x | "
                             f"{warm:.4f} / {sequential / warm:.2f}x |")
                print(lines[-1], flush=True)
    summary = "; ".join(f"{kind}: fresh workers from 2^{pays['fresh'].get(kind, '?')}, warm pool from "
                        f"2^{pays['warm'].get(kind, '?')}" for kind in ("primitive", "many-cycles"))
    return lines, (f"W = {workers} ({schedule}) first faster than the sequential fast kernel (smallest size "
                   f"measured; '?': not within the sizes measured): {summary}.")


def pool_part(sizes, worker_counts, fast_sizes, repeats, note=""):
    rebuild = min(timed(lambda: make_kernel("sage", describe(benchmark_registers(14)["primitive"])))[0]
                  for _ in range(5))
    lines = [POOL_HEADING, "", f"Machine: {machine_description()}", ""] + ([note, ""] if note else [])
    lines += [f"Load average at the start: {os.getloadavg()[0]:.1f}. `map_cycles(register, "
             "kernel=\"sage\", schedule=..., workers=W)` in wall seconds, the best of "
             f"{repeats} rounds in which every variant of a row runs once (so they see the same load), speedup "
             "over the sequential sage kernel of the same rounds: fresh workers (started for the map, as without "
             "a pool), a cold pool (a `MappingPool` created for the map, its start included) and a warm pool "
             "(started, the register's kernel cached in its workers). The schedule: the fastest dynamic one on "
             "the warm pool in a first round, used for all three. CPU microseconds per traced state (user + "
             "system, planning included): the caller's for the sequential map, the caller's and the pool "
             "workers' for the warm one. The last column divides the sequential map's CPU seconds by the warm "
             "run's CPU critical path (the caller's CPU plus its busiest worker's): the speedup each worker "
             "would see with a free core of its own, which the load of this shared machine hides from the wall "
             f"clock (two busy vCPUs also slow each other, which this includes). Rebuilding the `sage` kernel from its key (GF(2), degree 14) takes {rebuild * 1e3:.1f} ms "
             "here; a warm worker skips it.", ""]
    lines += pool_sage_rows(sizes, worker_counts, repeats)
    fast_lines, summary = pool_fast_rows(fast_sizes, repeats)
    lines += ["", POOL_READING]
    lines += ["", "The fast kernel, W = 2, whole `map_cycles` calls (planning included in every column), best of "
              f"{repeats} rounds:", ""] + fast_lines + ["", summary, "", f"Load average at the end: {os.getloadavg()[0]:.1f}."]
    return lines


POOL_READING = ("How to read it: a warm pool removes the start of the workers and the Manager and the kernel's "
                "rebuild (fresh workers cost 0.1 to 0.3 s more than a warm pool at 2^12 to 2^16 states of the fast "
                "kernel, where the work is milliseconds); what is left is the work and a few milliseconds of IPC. "
                "On a 2-vCPU machine that other jobs load, the wall-clock ratios are dominated by the load; the CPU "
                "critical path is the figure to compare with a target, and only for W up to the number of cores "
                "(for W = 4 on 2 vCPUs it assumes cores that are not there).")


def earlier_parts():
    r"""Parts 1 and 2 of the section as last written (kept by ``--parts pool``)."""
    path = SECTIONS / "sage-kernel.md"
    text = path.read_text() if path.exists() else ""
    body = text.split("\n", 2)[2] if text.startswith("## ") else text
    return body.split(POOL_HEADING)[0].rstrip("\n").split("\n")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="12,14,16")
    parser.add_argument("--workers", default="1,2,4")
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--note", default="", help="conditions to record (e.g. other jobs on the machine)")
    parser.add_argument("--fast-sizes", default="16,18,20,22,24,26")
    parser.add_argument("--parts", default="steps,schedules,pool")
    arguments = parser.parse_args()
    parts = arguments.parts.split(",")
    sizes = [int(size) for size in arguments.sizes.split(",")]
    worker_counts = [int(count) for count in arguments.workers.split(",")]
    map_cycles(LFSR.from_polynomial("x^4+x+1"), kernel="sage")
    map_cycles(LFSR.from_polynomial("x^4+x+1"))
    if "steps" in parts or "schedules" in parts:
        lines = [f"Machine: {machine_description()}", ""] + ([arguments.note, ""] if arguments.note else [])
    else:
        lines = earlier_parts()
    if "steps" in parts:
        lines += ["Microseconds of CPU time per successor step (best of 3 x 3000 steps, in this process):", ""]
        lines += step_rows()
    if "schedules" in parts:
        lines += ["", "`map_cycles(register, kernel=\"sage\")`, wall seconds (workers' start included), speedup "
                  "over the sequential sage kernel measured in the same run, best of "
                  f"{arguments.repeats}.", ""]
        lines += schedule_rows(sizes, worker_counts, arguments.repeats)
        lines += ["", SEED_FIGURES]
    if "pool" in parts:
        lines += [""] + pool_part(sizes, worker_counts, [int(size) for size in arguments.fast_sizes.split(",")],
                                  arguments.repeats, arguments.note)
    write_section("sage-kernel", "The `sage` kernel, the seed's setting (issue 12)", lines)


if __name__ == "__main__":
    main()
