r"""
Signals sent to real command-line runs (issue 24): SIGTERM and Ctrl-C (SIGINT) at
random moments of a ``map`` under the ``dask`` schedule (2 worker processes) and
under ``queue``, several trials each. Each trial records the exit code, the last
line on standard error, the seconds from the signal to the exit, whether an output
file was written, and whether any process of the run outlived it.

Run: ``.venv/bin/python benchmarks/signals.py [--trials 10]``; writes
``docs/benchmarks/signals.md``.
"""
import argparse
from collections import Counter
import os
import random
import signal
import subprocess
import sys
import tempfile
import time

import psutil

from common import SECTIONS, machine_description

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RUNS = {
    "dask": ["--polynomial", "x^22 + x + 1", "--schedule", "dask", "--workers", "2", "--kernel", "sage"],
    "queue": ["--polynomial", "x^30 + x^6 + x^4 + x + 1", "--schedule", "queue", "--workers", "2"],
}


def trial(schedule, signum, delay):
    output = os.path.join(tempfile.mkdtemp(), "map.json")
    env = dict(os.environ, PYTHONPATH=ROOT)
    process = subprocess.Popen([sys.executable, "-m", "sage_lfsr", "map", *RUNS[schedule], "--quiet", "--output", output],
                               env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    parent = psutil.Process(process.pid)
    time.sleep(delay)
    family = parent.children(recursive=True)
    if process.poll() is not None:
        return {"exit": process.returncode, "line": "finished before the signal", "seconds": 0.0, "output": True,
                "left": 0}
    sent = time.monotonic()
    process.send_signal(signum)
    _, err = process.communicate(timeout=120)
    seconds = time.monotonic() - sent
    _, alive = psutil.wait_procs(family, timeout=10)
    for leftover in alive:
        leftover.kill()
    return {"exit": process.returncode, "line": (err.strip().splitlines() or [""])[-1], "seconds": seconds,
            "output": os.path.exists(output), "left": len(alive)}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument("--trials", type=int, default=10)
    arguments = parser.parse_args()
    rng = random.Random(24)
    lines = ["# Signals to command-line runs", "", f"Machine: {machine_description()}; load at start "
             f"{os.getloadavg()[0]:.1f}. Written by `benchmarks/signals.py --trials {arguments.trials}`.", "",
             "| schedule | signal | trials | exit codes | last line | seconds to exit (max) | outputs written | "
             "processes left |", "| --- | --- | --- | --- | --- | --- | --- | --- |"]
    for schedule in RUNS:
        for signum in (signal.SIGTERM, signal.SIGINT):
            results = [trial(schedule, signum, rng.uniform(3.0, 8.0)) for _ in range(arguments.trials)]
            codes = ", ".join(f"{code} x{count}" for code, count in sorted(Counter(r["exit"] for r in results).items()))
            last = sorted({r["line"] or "(none: killed by the signal)" for r in results})
            lines.append(f"| {schedule} | {signal.Signals(signum).name} | {len(results)} | {codes} | "
                         f"{'; '.join(last)} | {max(r['seconds'] for r in results):.2f} | "
                         f"{sum(r['output'] for r in results)} | {sum(r['left'] for r in results)} |")
            print(lines[-1], flush=True)
    lines.append(f"\nLoad at the end {os.getloadavg()[0]:.1f}.")
    (SECTIONS / "signals.md").write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
