r"""
The seed's question, measured: every schedule side by side on a primitive, a
many-cycle and a skewed register, state spaces 2^12 to 2^24, W = 1, 2, 4, in
the seed's design (Manager registry, whole cycles) and in this package's
(shared visited bitmaps, long cycles split). Writes docs/benchmarks/schedules.md,
or with --tables DIR runs from prepared tables on a machine without Sage.

    python benchmarks/schedules.py [--sizes 12,16,20,22,24] [--workers 1,2,4]
    python benchmarks/schedules.py --export DIR --sizes 28     # tables for another machine
    python benchmarks/schedules.py --sizes 26,28 --workers 2 --designs package \
        --section schedules-large --title "Schedules, large state spaces, 2 cores (issue 4)"
    python benchmarks/schedules.py --tables DIR --sizes 28 --workers 2,8,16 --designs package \
        --section scaling-16-cores-one-bitmap --title "Schedules on the lent 16-core machine, ..."
"""
import argparse
from pathlib import Path

from common import machine_description, write_section

from sage_lfsr import map_cycles
from sage_lfsr.engine.figures import best_of, run_row
from sage_lfsr.registers.tables import RegisterTables

SCHEDULES = ("static", "queue", "steal", "hybrid")
DESIGNS = {"seed": {"registry": "manager", "split": False}, "package": {"registry": "shared"}}


def registers(sizes, tables_dir):
    if tables_dir:
        for path in sorted(Path(tables_dir).glob("*.npz")):
            kind, degree = path.stem.rsplit("-", 1)
            if int(degree) in sizes:
                yield int(degree), kind, RegisterTables.load(path)
        return
    from common import benchmark_registers

    for degree in sizes:
        for kind, register in benchmark_registers(degree).items():
            yield degree, kind, register


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="12,16,20,22,24")
    parser.add_argument("--workers", default="1,2,4")
    parser.add_argument("--designs", default="seed,package")
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--tables")
    parser.add_argument("--export")
    parser.add_argument("--section", default="schedules")
    parser.add_argument("--title", default="Schedules (issues 3 and 4)")
    arguments = parser.parse_args()
    sizes = [int(size) for size in arguments.sizes.split(",")]
    worker_counts = [int(count) for count in arguments.workers.split(",")]
    if arguments.export:
        Path(arguments.export).mkdir(parents=True, exist_ok=True)
        for degree, kind, register in registers(sizes, None):
            RegisterTables.from_lfsr(register).save(Path(arguments.export) / f"{kind}-{degree}.npz")
        return
    lines = [f"Machine: {machine_description()}", "",
             "Wall seconds of `map_cycles` (process start included), speedup over the sequential fast "
             "kernel measured in the same run, lambda = (max busy / mean busy - 1) * 100 %, and redundant "
             "work = states traced beyond the states owned, in % of the state count (`sage_lfsr.engine.figures`). Design `seed`: Manager cycle registry, "
             "whole cycles (the seed's mapper); `package`: shared-memory visited bitmaps, cycles longer than "
             "a task split into segments.", "",
             "| register | states | design | schedule | W | wall s | speedup | lambda % | redundant % | tasks |",
             "| --- | ---: | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
    map_cycles(next(iter(registers(sizes[:1], arguments.tables)))[2])  # compile the kernels once
    for degree, kind, register in registers(sizes, arguments.tables):
        sequential_seconds, reference = best_of(arguments.repeats, lambda: map_cycles(register))
        lines.append(f"| {kind} | 2^{degree} | - | sequential | 1 | {sequential_seconds:.3f} | 1.00 | 0 | 0 | "
                     f"{reference.tasks} |")
        print(lines[-1], flush=True)
        for design in arguments.designs.split(","):
            for workers in worker_counts:
                for schedule in SCHEDULES:
                    seconds, result = best_of(arguments.repeats, lambda: map_cycles(
                        register, schedule=schedule, workers=workers, **DESIGNS[design]))
                    assert result.cycles == reference.cycles, (kind, degree, design, schedule, workers)
                    row = run_row(result, seconds, sequential_seconds)
                    lines.append(f"| {kind} | 2^{degree} | {design} | {schedule} | {workers} | {seconds:.3f} | "
                                 f"{row['speedup']:.2f} | {row['imbalance_percent']:.0f} | "
                                 f"{row['redundant_percent']:.0f} | {row['tasks']} |")
                    print(lines[-1], flush=True)
    write_section(arguments.section, arguments.title, lines)


if __name__ == "__main__":
    main()
