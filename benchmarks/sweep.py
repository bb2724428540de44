r"""
The sweep for a machine with many cores (the 16-core rows of issue 12), in one
call, with numpy and numba only: no Sage is needed where it runs.

On a machine with Sage, export the registers and the structure theory predicts
for them (a few MB)::

    python benchmarks/sweep.py --export sweep-tables

On the many-core machine (copy ``sweep-tables`` and the package there)::

    python benchmarks/sweep.py --tables sweep-tables [--workers 16] [--schedule queue] [--only x28,x30,p30,s30,p36,p38]

Each case maps the register with W workers (and on one core, where that takes
minutes at most), checks the map against the predicted structure, and records
wall seconds, speedup, states per second, redundant work and the peak memory
of the caller and of the largest worker. The section docs/benchmarks/sweep-16-cores.md
is rewritten after every case, so a run cut short keeps what it measured.
"""
import argparse
import json
import resource
import time
from pathlib import Path

from common import machine_description, write_section

#: name -> (kind, degree, whether the one-core baseline is run)
CASES = {
    "x28": ("many-cycles", 28, True), "x30": ("many-cycles", 30, True),
    "p30": ("primitive", 30, True), "s30": ("skewed", 30, True),
    "p36": ("primitive", 36, False), "p38": ("primitive", 38, False),
}
TARGETS = {"x28": "≥ 8x", "x30": "≥ 10x (≥ 12x for the many-cycle kind at 2^30)", "p30": "≥ 12x", "s30": "≥ 12x",
           "p36": "under 90 s", "p38": "under 8 minutes"}


def export(directory, smaller=0):
    from common import benchmark_registers

    from sage_lfsr.registers.tables import RegisterTables
    from sage_lfsr.theory.prediction import predict_cycles

    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    for name, (kind, degree, _) in CASES.items():
        register = benchmark_registers(degree - smaller)[kind]
        RegisterTables.from_lfsr(register).save(directory / f"{name}.npz")
        counts = {str(length): count for length, count in predict_cycles(register).cycle_counts.items()}
        (directory / f"{name}.json").write_text(json.dumps({"kind": kind, "degree": degree, "cycle_counts": counts}))
        print(name, kind, degree, len(counts), "cycle lengths", flush=True)


def peak_gib():
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2 ** 20
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 2 ** 20
    return own, children


def run(directory, names, workers, schedule):
    from sage_lfsr import map_cycles
    from sage_lfsr.registers.tables import RegisterTables

    directory = Path(directory)
    lines = [f"Machine: {machine_description()}", "",
             f"`map_cycles(tables, schedule={schedule!r}, workers={workers})` from tables exported with Sage "
             "(`benchmarks/sweep.py --export`), checked against the structure theory predicted there. Peak "
             "RSS: the caller, and the largest worker (the shared bitmap is counted in both).", "",
             "| case | states | W | wall s | one core s | speedup | million states/s | redundant % | "
             "peak RSS caller GiB | peak RSS worker GiB | target |",
             "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |"]
    from sage_lfsr.registers.coercion import describe
    from sage_lfsr.engine.kernels import make_kernel

    make_kernel("fast", describe(RegisterTables.load(directory / f"{names[0]}.npz"))).warm_up()  # compile once
    for name in names:
        kind, _, baseline = CASES[name]
        tables = RegisterTables.load(directory / f"{name}.npz")
        degree = tables.degree
        expected = {int(length): count for length, count in
                    json.loads((directory / f"{name}.json").read_text())["cycle_counts"].items()}
        start = time.perf_counter()
        result = map_cycles(tables, schedule=schedule, workers=workers)
        seconds = time.perf_counter() - start
        assert result.cycle_counts == expected, name
        own, worker = peak_gib()
        one_core = speedup = "-"
        if baseline:
            start = time.perf_counter()
            reference = map_cycles(tables)
            one_core_seconds = time.perf_counter() - start
            assert reference.cycle_counts == expected, name
            one_core, speedup = f"{one_core_seconds:.1f}", f"{one_core_seconds / seconds:.2f}x"
        redundant = 100.0 * (result.states_traced - result.state_count) / result.state_count
        lines.append(f"| {name} ({kind}) | 2^{degree} | {workers} | {seconds:.1f} | {one_core} | {speedup} | "
                     f"{tables.state_count / seconds / 1e6:.0f} | {redundant:.1f} | {own:.2f} | {worker:.2f} | "
                     f"{TARGETS[name]} |")
        print(lines[-1], flush=True)
        write_section("sweep-16-cores", f"Sweep on a {workers}-worker machine (issue 12)", lines)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--export")
    parser.add_argument("--tables")
    parser.add_argument("--workers", type=int, default=16)
    parser.add_argument("--schedule", default="queue")
    parser.add_argument("--only", default=",".join(CASES))
    parser.add_argument("--smaller", type=int, default=0, help="export every case this many degrees smaller (a trial run)")
    arguments = parser.parse_args()
    if arguments.export:
        export(arguments.export, arguments.smaller)
    elif arguments.tables:
        run(arguments.tables, arguments.only.split(","), arguments.workers, arguments.schedule)
    else:
        parser.error("give --export DIR (with Sage) or --tables DIR (numpy and numba only)")


if __name__ == "__main__":
    main()
