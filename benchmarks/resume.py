r"""
What a resumed run costs (issue 14 item 5): runs interrupted after 20 % and
60 % of their tasks (an ``on_result`` that raises, as Ctrl-C does), then
resumed from the checkpoint with its memory snapshot, and without it (the
snapshot file removed: the behaviour before snapshots). Compared with the work
that remains: the states the recorded tasks do not hold, times the successor
steps a fresh run takes per state. Also the time snapshots take, as a share of
a run with a checkpoint. Writes docs/benchmarks/resume.md.

Lag: what the recorded tasks that the snapshot does not hold traced (the work a
resume does again), in states and as a share of the fresh run's.

    python benchmarks/resume.py [--degrees 26 28] [--workers 2] [--name resume]
"""
import argparse
import os
import tempfile
import time
from pathlib import Path

from common import benchmark_registers, machine_description, write_section

from sage_lfsr import LFSR, map_cycles
from sage_lfsr.engine.checkpoint import Checkpoint
from sage_lfsr.engine.snapshots import decode_snapshot, remove_snapshot, snapshot_path
from sage_lfsr.theory.prediction import random_primitive_polynomial


class InterruptAfter(Checkpoint):
    def __init__(self, path, limit):
        super().__init__(path)
        self.limit, self.count = limit, 0

    def record(self, result):
        super().record(result)
        self.count += 1
        if self.count >= self.limit:
            raise KeyboardInterrupt


def interrupted(register, options, path, limit):
    for stale in (path, snapshot_path(path)):
        if os.path.exists(stale):
            os.unlink(stale)
    try:
        map_cycles(register, checkpoint=InterruptAfter(path, limit), **options)
    except KeyboardInterrupt:
        pass
    header, recorded, _ = Checkpoint(path).read()
    return len(header["tasks"]), recorded


def lag(path, recorded):
    r"""States traced by the recorded tasks whose marks the snapshot beside ``path`` does not hold whole."""
    sidecar = snapshot_path(path)
    held = set(decode_snapshot(open(sidecar, "rb").read())[0]["complete"]) if os.path.exists(sidecar) else set()
    return sum(int(result.states_traced) for result in recorded if result.task_id not in held)


def resumed(register, options, path):
    began = time.perf_counter()
    result = map_cycles(register, checkpoint=path, **options)
    return result, time.perf_counter() - began


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--degrees", type=int, nargs="+", default=[26, 28])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--schedule", default="queue")
    parser.add_argument("--name", default="resume", help="the section file docs/benchmarks/NAME.md")
    parser.add_argument("--compare", help="a section written by this script before the changes, appended")
    parser.add_argument("--compare-label", default="main", help="what --compare measured")
    arguments = parser.parse_args()
    load_before = os.getloadavg()[0]
    workers = arguments.workers
    registers = []
    for degree in arguments.degrees:
        singular = LFSR.from_polynomial(f"x^2 * ({random_primitive_polynomial(2, degree - 6, seed=4)})")
        registers += [(f"2^{degree} primitive", benchmark_registers(degree)["primitive"]),
                      (f"x^{degree} + 1", benchmark_registers(degree)["many-cycles"]),
                      (f"2^{degree - 4} singular", singular)]
    directory = tempfile.mkdtemp()
    lines = [f"Machine: {machine_description()}; shared with other sessions while measured (noisy): "
             "load average LOAD.", "",
             "The singular register of degree d - 4: x^2 times a primitive of degree d - 6. "
             f"Schedule `{arguments.schedule}` ({workers} workers; the singular register also sequential), "
             "64 tasks a phase. "
             "Remaining: states the recorded tasks do not hold x steps per state of the fresh run. "
             "Traced: successor steps of the resumed run's tasks. Seconds: wall time of the resumed run. "
             "Without snapshot: the same checkpoint with its `.memory` file removed (as before snapshots). "
             "Fresh s and resumed s include planning (the kernel compiled before). Snapshots %: their seconds "
             "over the wall time of an uninterrupted run with a checkpoint (how many it wrote). Lag: what the recorded "
             "tasks whose marks the snapshot does not hold traced, and its share of the fresh run's traced states.", "",
             "| register | schedule | killed after | fresh traced | remaining | lag | lag % | resumed traced | s | "
             "without snapshot traced | s | fresh s | snapshots % of the run |",
             "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for name, register in registers:
        degree = register.degree
        schedules = [arguments.schedule] + (["sequential"] if register.is_singular else [])
        for schedule in schedules:
            options = dict(schedule=schedule, workers=1 if schedule == "sequential" else workers,
                           batch_size=2 ** (degree - 6))
            path = os.path.join(directory, "run.ckpt")
            fresh = map_cycles(register, **options)  # also compiles the kernel: timed again below
            began = time.perf_counter()
            fresh = map_cycles(register, **options)
            fresh_seconds = time.perf_counter() - began
            for stale in (path, snapshot_path(path)):
                if os.path.exists(stale):
                    os.unlink(stale)
            with_checkpoint = map_cycles(register, checkpoint=path, **options)
            overhead = 100 * with_checkpoint.choices.get("memory_snapshot_seconds", 0) / with_checkpoint.wall_seconds
            written = with_checkpoint.choices.get("memory_snapshots_written", 0)
            state_count = fresh.cycle_states + fresh.transient_states
            for share in (0.2, 0.6):
                tasks = len(Checkpoint(path).read(results=False)[0]["tasks"])
                limit = max(1, int(share * tasks))
                tasks, recorded = interrupted(register, options, path, limit)
                owned = sum(result.states_owned for result in recorded)
                remaining = max(0, state_count - owned) * fresh.states_traced / state_count  # owned counts repeats
                redone = lag(path, recorded)
                with_snapshot, seconds = resumed(register, options, path)
                assert with_snapshot.cycles == fresh.cycles
                interrupted(register, options, path, limit)
                remove_snapshot(snapshot_path(path))
                without, seconds_without = resumed(register, options, path)
                assert without.cycles == fresh.cycles
                lines.append(f"| {name} | {schedule} | {limit} of {tasks} tasks | {fresh.states_traced:.3g} | "
                             f"{remaining:.3g} | {redone:.3g} | {100 * redone / fresh.states_traced:.1f} | "
                             f"{with_snapshot.choices['states_traced_this_run']:.3g} | {seconds:.2f} | "
                             f"{without.choices['states_traced_this_run']:.3g} | {seconds_without:.2f} | "
                             f"{fresh_seconds:.2f} | {overhead:.1f} ({written}) |")
                print(lines[-1], flush=True)
    lines += ["", "A resumed run costs the work that remains plus the lag: what the recorded tasks that the snapshot "
              "does not hold traced. A copy is read a chunk at a time while the workers run (the union of their "
              "bitmap rows), coded and written to a temporary file without `fsync` (31 ms for the 32 MiB of 2^28 "
              "states on an idle core here, against 180 ms to copy, code, write and `fsync` it whole before), and "
              "renamed to the snapshot once every sweep task that was running when it was read is recorded. So the lag "
              "is the work recorded since the last copy was read, plus the tasks running then: copies are at least "
              "(cost of a copy) / 5 % apart, and with 64 tasks a phase one task of x^d + 1 holds up to a fifth of the "
              "run's work (the first few tasks close nearly every cycle). A copy inside a run took 150 to 300 ms "
              "while other sessions loaded this machine, 31 ms idle (32 MiB); the first copy's cost is measured on "
              "a 4 MiB sample when the run starts, the next ones are the last one's; the last column counts the "
              "copies. Checkpoint records are written from the result arrays (no "
              "copies) and `fsync`-ed at most every second and at the end. Singular registers: the process schedules "
              "now share one depth array, which the caller copies like the bitmaps (section \"Singular registers: one depth array shared by the workers\": with snapshots at every chance a resumed run traces 0.57 to 1.19 x the remaining "
              "work, against 1.10 to 1.65 x before), and the sequential schedule snapshots depths between tasks; but "
              "no copy of a depth array (a byte a state) fits in 5 % of runs this short, so here they resume as "
              "before (the lag column there is every recorded task). The tests (`tests/test_resume_cost.py`) let snapshots take any share and "
              "check the bound remaining + W x (batch + lag) under sequential, queue and steal, x^16 + 1 included."]
    if arguments.compare:
        before = Path(arguments.compare).read_text().splitlines()
        load = next((line[line.index("load average"):].rstrip(".") for line in before if "load average" in line), "")
        lines += ["", f"Before these changes (the same script on the package at {arguments.compare_label}, run "
                  f"earlier in the session, on the same machine; {load}):", ""]
        lines += [line for line in before if line.startswith("|")]
    lines[0] = lines[0].replace("LOAD", f"{load_before:.1f} at the start, {os.getloadavg()[0]:.1f} at the end")
    write_section(arguments.name, "Resuming from a checkpoint: the work that remains (issue 14)", lines)


if __name__ == "__main__":
    main()
