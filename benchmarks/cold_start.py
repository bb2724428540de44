r"""
Cold start: fresh Python processes that import the package and map a register
of about 256 states (what the CLI and a notebook's first map pay), against the
import alone, in one run (best of a few fresh processes each). Each map is
timed with numba's on-disk cache warm (filled by an untimed process first) and
empty (a new ``NUMBA_CACHE_DIR`` every process: everything compiles). With
``--compare DIR`` the same rows are timed for another checkout (e.g. main
before a change) in the same run. Writes docs/benchmarks/cold-start.md.

    python benchmarks/cold_start.py [--repeats 3] [--compare /path/to/other/checkout]
"""
import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import machine_description, write_section

ROOT = Path(__file__).resolve().parent.parent
IMPORT = "import sage_lfsr, sage_lfsr.registers.lfsr, sage_lfsr.engine.kernels.fast, sage_lfsr.theory.prediction"
MAPS = {
    "GF(2) LFSR x^8+x^4+x^3+x^2+1 (256 states)": "sage_lfsr.LFSR.from_polynomial('x^8+x^4+x^3+x^2+1')",
    "GF(3) LFSR x^5+2x+1 (243 states)": "sage_lfsr.LFSR.from_polynomial('x^5+2*x+1', q=3)",
    "nonlinear FSR x0+x1x2+x3, d = 8 (256 states)": "sage_lfsr.FSR('x0 + x1*x2 + x3', 8)",
}
CLI = ["-m", "sage_lfsr", "map", "--polynomial", "x^8+x^4+x^3+x^2+1", "--quiet"]


def commands():
    rows = [("import only", ["-c", IMPORT], False)]
    for label, register in MAPS.items():
        rows.append((f"import + map_cycles, {label}", ["-c", f"{IMPORT}; sage_lfsr.map_cycles({register})"], True))
    rows.append(("CLI: sage_lfsr map, GF(2), 256 states", CLI, True))
    return rows


def run(arguments, checkout, cache_dir):
    r"""``(wall seconds, CPU seconds)`` of one fresh process (CPU: user + system, its children included)."""
    environment = dict(os.environ, PYTHONPATH=str(checkout), NUMBA_CACHE_DIR=str(cache_dir))
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run([sys.executable] + arguments, check=True, capture_output=True, env=environment, cwd=checkout)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def best_of(runs):
    return tuple(min(values) for values in zip(*runs))


def time_rows(checkout, repeats):
    r"""
    ``{(label, cache): (wall, CPU)}``, each the best of ``repeats``; cache is
    "warm", "empty" or "" (import only).
    """
    times = {}
    with tempfile.TemporaryDirectory() as warm:
        for label, arguments, maps in commands():
            if not maps:
                times[label, ""] = best_of(run(arguments, checkout, warm) for _ in range(repeats))
                continue
            run(arguments, checkout, warm)  # fills the warm cache
            runs = {"warm": [], "empty": []}
            for _ in range(repeats):  # alternately, so both see the same load
                runs["warm"].append(run(arguments, checkout, warm))
                with tempfile.TemporaryDirectory() as empty:
                    runs["empty"].append(run(arguments, checkout, empty))
            for cache, measured in runs.items():
                times[label, cache] = best_of(measured)
            print(label, {cache: times[label, cache] for cache in runs}, flush=True)
    return times


def table(times):
    wall_base, cpu_base = times["import only", ""]
    lines = ["| what | numba cache | wall s | beyond the import | CPU s | beyond the import |",
             "| --- | --- | ---: | ---: | ---: | ---: |"]
    for (label, cache), (wall, cpu) in times.items():
        lines.append(f"| {label} | {cache or '-'} | {wall:.2f} | {wall - wall_base:+.2f} | {cpu:.2f} "
                     f"| {cpu - cpu_base:+.2f} |")
    return lines


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--compare", help="another checkout to time the same rows for (e.g. main)")
    parser.add_argument("--note", default="")
    arguments = parser.parse_args()
    lines = [f"Machine: {machine_description()}", ""] + ([arguments.note, ""] if arguments.note else [])
    lines += [f"Fresh processes, best of {arguments.repeats} each. *warm*: numba's on-disk cache filled by an "
              "earlier process (what every run after the first gets); *empty*: a new `NUMBA_CACHE_DIR` for every "
              "process (the first run after installing or editing the kernels: everything compiles). CPU: user + system "
              "seconds of the process, less inflated than wall time where other work shares the cores.", ""]
    checkouts = [("this checkout", ROOT)]
    if arguments.compare:
        checkouts.append((f"compared: {arguments.compare}", Path(arguments.compare).resolve()))
    for name, checkout in checkouts:
        times = time_rows(checkout, arguments.repeats)
        if len(checkouts) > 1:
            lines += [f"{name}:", ""]
        lines += table(times) + [""]
    lines += ["Target (issue 12): import time + 0.5 s."]
    write_section("cold-start", "Cold start (issue 12)", lines)


if __name__ == "__main__":
    main()
