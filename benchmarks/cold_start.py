r"""
Cold start: a fresh Python process that imports the package and maps a
256-state register (what the CLI and a notebook's first map pay), against the
import alone, in one run (best of a few fresh processes each). Writes
docs/benchmarks/cold-start.md.

    python benchmarks/cold_start.py [--repeats 3]
"""
import argparse
import subprocess
import sys
import time

from common import machine_description, write_section

IMPORT = "import sage_lfsr, sage_lfsr.lfsr, sage_lfsr.kernels.fast, sage_lfsr.theory"
MAP = IMPORT + "; sage_lfsr.map_cycles(sage_lfsr.LFSR.from_polynomial('x^8+x^4+x^3+x^2+1'))"
CLI = [sys.executable, "-m", "sage_lfsr", "map", "--polynomial", "x^8+x^4+x^3+x^2+1", "--quiet"]


def fresh_seconds(command, repeats):
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True)
        best = min(best, time.perf_counter() - start)
    return best


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--note", default="")
    arguments = parser.parse_args()
    rows = [("import only", [sys.executable, "-c", IMPORT]),
            ("import + map_cycles of a 256-state register", [sys.executable, "-c", MAP]),
            ("CLI: sage_lfsr map, 256 states", CLI)]
    times = {label: fresh_seconds(command, arguments.repeats) for label, command in rows}
    base = times["import only"]
    lines = [f"Machine: {machine_description()}", ""] + ([arguments.note, ""] if arguments.note else [])
    lines += [f"Fresh processes, best of {arguments.repeats} each (numba's on-disk cache as left by earlier runs).", "",
              "| what | seconds | beyond the import |", "| --- | ---: | ---: |"]
    for label, _ in rows:
        lines.append(f"| {label} | {times[label]:.2f} | {times[label] - base:+.2f} |")
        print(lines[-1], flush=True)
    lines += ["", "Target (issue 12): import time + 0.5 s."]
    write_section("cold-start", "Cold start (issue 12)", lines)


if __name__ == "__main__":
    main()
