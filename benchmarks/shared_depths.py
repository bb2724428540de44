r"""
Singular registers under a process schedule, before and after one depth array
shared by all workers (issue 14 item 5): the parallel speed (queue against
sequential, same process, best of a few), the per-state memory, and what a run
interrupted after 12 and 38 of 64 tasks traces when resumed, against the work
that remains. "Before" is the package at a given git commit (exported to a
temporary directory), "after" the working tree; each runs in its own process,
one after the other, in the same invocation. Writes docs/benchmarks/shared-depths.md.

    python benchmarks/shared_depths.py [--degrees 24 26] [--workers 2] [--before COMMIT]
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import machine_description, write_section

ROOT = Path(__file__).resolve().parent.parent


NOTE = ("Before, each worker kept its own depth array, which the caller cannot copy: no snapshot, and a resumed "
        "run walks the cycles again in every worker. After, the workers write one depth array in shared memory, "
        "which the caller copies as it copies a bitmap; a resumed run starts from the copy and traces less than "
        "what the recorded tasks leave (the copy also holds work of tasks not recorded yet) plus the lag of the last "
        "copy (64 MiB at 2^26, copies are few in a run of a few seconds; measured before the snapshot writes lost their fsync). Under the default "
        "share no snapshot fits in runs this short, so a resumed run costs what it did before. Traced counts are "
        "the robust figures here; seconds, and so speed, follow the load of the other sessions.")


def child(degree, workers, repeats, part):
    r"""One version's figures (``part``: "speed" or "resume"), as JSON on stdout (run with that version first on ``sys.path``)."""
    sys.path.insert(0, str(ROOT / "tests"))
    from faulty_kernels import InterruptAfter

    from sage_lfsr.engine.kernels import register_kernel

    register_kernel("paced", "faulty_kernels", "PacedKernel")  # tasks of at least 15 ms: workers keep pace

    from sage_lfsr.engine import memory
    from sage_lfsr.engine import snapshots
    from sage_lfsr import LFSR, map_cycles
    from sage_lfsr.engine.checkpoint import Checkpoint
    from sage_lfsr.engine.planning import plan
    from sage_lfsr.theory.prediction import random_primitive_polynomial

    polynomial = f"x^2 * ({random_primitive_polynomial(2, degree - 2, seed=4)})"
    register = LFSR.from_polynomial(polynomial)
    batch = 2 ** (degree - 6)
    queue = dict(schedule="queue", workers=workers, batch_size=batch)
    decided = plan(register, **queue)
    figures = {"layout": decided.memory_layout, "register": polynomial}
    figures["memory_bytes"] = memory.bytes_needed(2 ** degree, True, decided.memory_layout, workers)
    times = {"sequential": [], "queue": []}
    map_cycles(register, batch_size=batch)  # compiled once
    for _ in range(repeats):
        for name, options in (("sequential", dict(batch_size=batch)), ("queue", queue)):
            began = time.perf_counter()
            result = map_cycles(register, **options)
            times[name].append(time.perf_counter() - began)
            figures[f"{name}_traced"] = result.states_traced
    figures.update({f"{name}_seconds": min(values) for name, values in times.items()})
    if part == "speed":
        print(json.dumps(figures))
        return
    directory = tempfile.mkdtemp()
    resumes, default_share = [], snapshots.SHARE
    paced = dict(queue, kernel="paced")
    for share in (None, 1e9):  # the default share of time for snapshots; a snapshot at every chance
        for limit in (12, 38):
            path = os.path.join(directory, f"run{limit}{share}.ckpt")
            snapshots.SHARE = default_share if share is None else share
            try:
                map_cycles(register, checkpoint=InterruptAfter(path, limit), **paced)
            except KeyboardInterrupt:
                pass
            snapshots.SHARE = default_share
            _, recorded, _ = Checkpoint(path).read()
            owned = sum(result.states_owned for result in recorded)
            began = time.perf_counter()
            resumed = map_cycles(register, checkpoint=path, **paced)
            seconds = time.perf_counter() - began
            remaining = (2 ** degree - owned) * figures["queue_traced"] / 2 ** degree
            resumes.append(dict(share=share, limit=limit, remaining=remaining, seconds=seconds,
                                traced=resumed.choices["states_traced_this_run"],
                                snapshot=resumed.choices.get("memory_snapshot", "none")))
    figures["resumes"] = resumes
    print(json.dumps(figures))


def export(commit):
    r"""The package at ``commit``, in a temporary directory (its path)."""
    target = tempfile.mkdtemp(prefix="sage_lfsr_before_")
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", commit, "sage_lfsr"], check=True,
                             capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", target], input=archive, check=True)
    return target


def measure(source, degree, arguments, part, repeats=1):
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([source, str(ROOT / "benchmarks")]))
    completed = subprocess.run([sys.executable, __file__, "--child", part, "--degrees", str(degree), "--workers",
                                str(arguments.workers), "--repeats", str(repeats)],
                               env=env, capture_output=True, text=True)
    if completed.returncode:
        raise RuntimeError(f"the measurement in {source} failed:\n{completed.stderr}")
    return json.loads(completed.stdout.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--degrees", type=int, nargs="+", default=[24, 26])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--before", default="b428652")
    parser.add_argument("--child", choices=["speed", "resume"])
    arguments = parser.parse_args()
    if arguments.child:
        return child(arguments.degrees[0], arguments.workers, arguments.repeats, arguments.child)
    load_before = os.getloadavg()
    versions = ((f"before ({arguments.before})", export(arguments.before)), ("after", str(ROOT)))
    runs = []
    for degree in arguments.degrees:
        for name, source in versions:
            runs.append((degree, name, measure(source, degree, arguments, "resume")))
        for _ in range(arguments.repeats - 1):  # the versions taking turns: the load changes as they run
            for (_, name, figures), (_, source) in zip(runs[-2:], versions):
                again = measure(source, degree, arguments, "speed")
                for key in ("sequential_seconds", "queue_seconds"):
                    figures[key] = min(figures[key], again[key])
    load_after = os.getloadavg()
    workers = arguments.workers
    lines = [f"Machine: {machine_description()}; load average {load_before[0]:.1f} before and "
             f"{load_after[0]:.1f} after (the machine is shared with other sessions: noisy).", "",
             "Registers: x^2 times a primitive of degree d - 2 (seed 4), "
             f"`queue` with {workers} workers, 64 tasks. Seconds: best of {arguments.repeats}, including planning, "
             "the two versions taking turns; speed: sequential seconds over queue seconds. Memory: the per-state "
             "memory the run holds (`bytes_needed`: depths and bitmaps).", "",
             "| states | version | layout | sequential s | queue s | speed | queue traced / q^d | memory |",
             "| --- | --- | --- | ---: | ---: | ---: | ---: | ---: |"]
    for degree, name, figures in runs:
        lines.append(f"| 2^{degree} | {name} | {figures['layout']} | {figures['sequential_seconds']:.2f} | "
                     f"{figures['queue_seconds']:.2f} | {figures['sequential_seconds'] / figures['queue_seconds']:.2f}x | "
                     f"{figures['queue_traced'] / 2 ** degree:.2f} | {figures['memory_bytes'] / 2 ** 20:.1f} MiB |")
    lines += ["", "Resumed after an interruption (an `on_result` that raises after k of 64 tasks are recorded), "
              "with tasks of at least 15 ms (the tests' `paced` kernel: 2^18-state tasks take about 2 ms here, "
              "and workers would run far ahead of the caller's recording). "
              "Remaining: states the recorded tasks do not hold x steps per state of a fresh queue run. Snapshot "
              "share while interrupted: the default (at most 5 % of the run's time), or any (a snapshot at every "
              "chance); the resumed run takes the default. Seconds: the resumed run, planning included.", "",
              "| states | version | snapshot share | killed after | remaining | resumed traced | traced / remaining | s "
              "| snapshot |",
              "| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | --- |"]
    for degree, name, figures in runs:
        for resume in figures["resumes"]:
            share = "default" if resume["share"] is None else "any"
            lines.append(f"| 2^{degree} | {name} | {share} | {resume['limit']} of 64 | {resume['remaining']:.3g} | "
                         f"{resume['traced']:.3g} | {resume['traced'] / max(resume['remaining'], 1):.2f} | "
                         f"{resume['seconds']:.2f} | {resume['snapshot']} |")
    lines += ["", NOTE]
    print("\n".join(lines))
    write_section("shared-depths", "Singular registers: one depth array shared by the workers (issue 14)", lines)


if __name__ == "__main__":
    main()
