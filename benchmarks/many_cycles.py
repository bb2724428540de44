r"""
Many small cycles (issue 12): where the time and the caller's memory go when a
register has millions of cycles, W = 1 and W = 2, for one or more checkouts of
the package measured side by side (each configuration in a fresh process, the
checkouts alternating, best of ``--repeats``). Writes docs/benchmarks/many-cycles.md.

    python benchmarks/many_cycles.py                                  # this checkout
    python benchmarks/many_cycles.py --trees before=/path/to/main,after=.  # before/after
    python benchmarks/many_cycles.py --registers x24,x26,x28,g3x15
    python benchmarks/many_cycles.py --registers x30 --runs queue:2 --section many-cycles-x30
    python benchmarks/many_cycles.py --registers x28,x30 --caller-workers 16 --section many-cycles-caller \
        --trees before=/path/to/main,after=.

Per run: wall seconds of ``map_cycles`` split into the schedule's run (workers
started, tasks traced, results received) and the assembly in the caller (cycles
merged, counted, loads), and the caller's peak resident memory above what it
held before the run (the kernel's high-water mark where it can be reset, else
sampled every 2 ms: the visited bitmap counts where the caller traces, i.e.
sequentially).
"""
import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

REGISTERS = {
    "x24": ("x^24+1", 2), "x26": ("x^26+1", 2), "x28": ("x^28+1", 2), "x30": ("x^30+1", 2),
    "g3x15": ("x^15+2", 3),  # x^15 - 1 over GF(3): about 956 thousand cycles
}
RUNS = "sequential:1,queue:2,steal:2"


def child(arguments):
    r"""One register, every run of ``RUNS``, in this process: prints one JSON row per run."""
    import threading
    import time

    from sage_lfsr import LFSR, map_cycles
    from sage_lfsr.engine.assembly import assemble
    from sage_lfsr.engine.planning import plan
    from sage_lfsr.engine.schedules import get_schedule
    from sage_lfsr.engine.schedules.base import RunOptions

    page = os.sysconf("SC_PAGE_SIZE")

    def resident():
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * page

    def high_water():
        with open("/proc/self/status") as status:
            return next(int(line.split()[1]) * 1024 for line in status if line.startswith("VmHWM"))

    class PeakResident:
        r"""The growth of resident memory: the kernel's high-water mark, reset at the start; else sampled every 2 ms."""

        def __init__(self):
            self.base = self.peak = resident()
            try:
                with open("/proc/self/clear_refs", "w") as clear_refs:
                    clear_refs.write("5")
                self.thread = None
            except OSError:
                self.running = True
                self.thread = threading.Thread(target=self.sample, daemon=True)
                self.thread.start()

        def sample(self):
            while self.running:
                self.peak = max(self.peak, resident())
                time.sleep(0.002)

        def stop(self):
            if self.thread is None:
                return max(high_water(), resident()) - self.base
            self.running = False
            self.thread.join()
            return max(self.peak, resident()) - self.base

    polynomial, q = REGISTERS[arguments.child]
    register = LFSR.from_polynomial(polynomial, q=q)
    map_cycles(LFSR.from_polynomial("x^12+1"), schedule="queue", workers=2)  # compile, warm the fork path
    if arguments.caller_workers:
        return caller_side(register, arguments.caller_workers, arguments.repeats)
    for schedule, workers in runs_of(arguments.runs):
        best = None
        for _ in range(arguments.repeats):
            decided = plan(register, schedule=schedule, workers=workers)
            peak = PeakResident()
            start = time.perf_counter()
            record = get_schedule(decided.schedule).run(decided.job(), RunOptions(
                workers=decided.workers, start_method=decided.start_method, kernel=decided.calibrated_kernel))
            ran = time.perf_counter()
            result = assemble(decided, record)
            end = time.perf_counter()
            grown = peak.stop()
            row = {"schedule": schedule, "workers": workers, "cycles": len(result.cycles),
                   "run_s": ran - start, "assemble_s": end - ran, "wall_s": end - start, "peak_bytes": grown,
                   "tasks": len(decided.tasks), "counts": {str(k): v for k, v in result.cycle_counts.items()}}
            if best is None or row["wall_s"] < best["wall_s"]:
                best = row
            del record, result
        print(json.dumps(best), flush=True)


def runs_of(text):
    return [(schedule, int(workers)) for schedule, workers in (pair.split(":") for pair in text.split(","))]


def caller_side(register, workers, repeats):
    r"""
    The caller's serial part of a run with ``workers`` workers, without the
    workers: a sequential run's tasks (32 per worker) dealt round-robin to
    ``workers`` pretend workers, each worker's last step done here (where the
    checkout keeps cycles in the workers: its cycles prepared to be sent,
    :class:`~sage_lfsr.engine.job.FoundCycles`), every message pickled as the results
    queue pickles it and sent through a pipe by a forked process. Timed in the
    caller: receiving and unpickling the messages, then the assembly. Beside it,
    the one-core map (``map_cycles``, sequential) of the same register, same
    process. Prints one JSON row, the best of ``repeats``.
    """
    import dataclasses
    import multiprocessing
    import time
    import tracemalloc
    from multiprocessing.reduction import ForkingPickler

    from sage_lfsr.engine import job as job_module
    from sage_lfsr import map_cycles
    from sage_lfsr.engine.assembly import assemble
    from sage_lfsr.engine.planning import plan
    from sage_lfsr.engine.schedules import get_schedule
    from sage_lfsr.engine.schedules.base import RunOptions

    one_core, one_core_cpu = [], []
    for _ in range(max(1, repeats // 2)):
        start, cpu_start = time.perf_counter(), time.thread_time()
        reference = map_cycles(register, schedule="sequential")
        one_core.append(time.perf_counter() - start)
        one_core_cpu.append(time.thread_time() - cpu_start)
    reference_counts = reference.cycle_counts
    del reference
    decided = plan(register, batch_size=max(1, register.state_count // (32 * workers)))
    record = get_schedule("sequential").run(decided.job(), RunOptions(kernel=decided.calibrated_kernel))
    for number, result in enumerate(record.results):
        result.worker = number % workers
    messages, last_step = [], [0.0]
    if hasattr(job_module, "FoundCycles"):
        for worker in range(workers):
            start = time.perf_counter()
            found = job_module.FoundCycles()
            for result in record.results[worker::workers]:
                found.take(result)
            pieces = list(found.pieces())
            for piece in pieces:  # the worker's pickling (here in-band: a write to shared memory costs about as much)
                ForkingPickler.dumps(dataclasses.replace(piece, hand_over=False) if hasattr(piece, "hand_over") else piece)
            last_step.append(time.perf_counter() - start)
            messages.extend(("cycles", 0, worker, piece) for piece in pieces)
    # Task results arrive while the workers work; only what the workers send after their last task is serial.
    messages[:0] = [("result", 0, result) for result in record.results]
    received_bytes = sum(_array_bytes(message[-1]) for message in messages)
    context = multiprocessing.get_context("fork")
    best = None
    for _ in range(repeats):
        reader, writer = context.Pipe(duplex=False)
        sender = context.Process(target=_send_all, args=(writer, messages), daemon=True)
        sender.start()
        writer.close()
        results = [ForkingPickler.loads(reader.recv_bytes())[2] for _ in record.results]
        found = []
        reader.poll(None)
        tracemalloc.start()
        start, cpu_start = time.perf_counter(), time.thread_time()
        for _ in range(len(messages) - len(results)):
            found.append(ForkingPickler.loads(reader.recv_bytes())[2:])
        received = time.perf_counter()
        mapped = sum(_array_bytes(piece) for _, piece in found if _mapped(piece))
        result = assemble(decided, type(record)(results, found=found))
        end, cpu_end = time.perf_counter(), time.thread_time()
        grown = tracemalloc.get_traced_memory()[1] + mapped
        tracemalloc.stop()
        sender.join()
        assert result.cycle_counts == reference_counts
        row = {"schedule": f"caller of {workers} workers", "workers": workers, "cycles": len(result.cycles),
               "run_s": 0.0, "receive_s": received - start, "assemble_s": end - received, "wall_s": end - start,
               "cpu_s": cpu_end - cpu_start, "peak_bytes": grown, "received_bytes": received_bytes, "one_core_s": min(one_core),
               "one_core_cpu_s": min(one_core_cpu),
               "last_step_s": max(last_step), "tasks": len(decided.tasks),
               "counts": {str(k): v for k, v in result.cycle_counts.items()}}
        del result, results, found
        if best is None or row["wall_s"] < best["wall_s"]:
            best = row
    print(json.dumps(best), flush=True)


def _send_all(writer, messages):
    r"""Pickle every message as a worker's results queue does (large cycles into shared memory, where the
    checkout hands them over), then send them all: the caller's clock starts at the first."""
    from multiprocessing.reduction import ForkingPickler

    pickled = [ForkingPickler.dumps(message) for message in messages]
    for message in pickled:
        writer.send_bytes(message)
    writer.close()


def _mapped(piece):
    r"""Whether the arrays of a received piece are mapped from shared memory (not allocated by the caller)."""
    array = getattr(piece, "smallest", None)
    return array is not None and isinstance(array.base, memoryview)


def _array_bytes(value):
    r"""Bytes of the arrays in a message's payload (an array, or an object holding arrays)."""
    if hasattr(value, "nbytes"):
        return value.nbytes
    return sum(item.nbytes for item in vars(value).values() if hasattr(item, "nbytes"))


def amdahl_bound(one_core_seconds, serial_seconds, workers):
    r"""The most ``workers`` workers can gain when ``serial_seconds`` of a one-core run's work stay serial."""
    return one_core_seconds / (one_core_seconds / workers + serial_seconds)


def caller_table(arguments, trees, best):
    r"""The rows of the caller's serial part (``--caller-workers``) and the Amdahl bounds they imply."""
    workers = arguments.caller_workers
    lines = [f"Caller's serial part = receiving what the {workers} workers send after their last task (their "
             "cycles: through the results pipe, unpickled; where the checkout hands large pieces over through shared "
             "memory, mapping them; the task results arrive during the run and are not counted) + the "
             "assembly (merge, counts, loads, CycleMap): best of "
             f"{arguments.repeats} (by wall); its CPU s = the caller thread's CPU time, which a loaded machine does "
             "not stretch. The workers' own last step (sorting, counting and pickling their cycles, each in "
             "parallel) is beside it. Caller peak = what the caller holds at once: the arrays it allocates "
             "(tracemalloc) and those it maps from shared memory. One-core map T1 = `map_cycles` sequential, same "
             f"process, best of {max(1, arguments.repeats // 2)}. Bound = T1 / (T1/{workers} + serial): Amdahl's "
             f"bound on {workers} workers from this serial part alone, not a measurement; with the last step: "
             f"T1 / (T1/{workers} + worker's last step + serial), the tail after the last task when that task's worker "
             "still has to sort and send its cycles.", "",
             "| register | cycles | code | T1 s (its CPU s) | T1/16 s | received MB | receive s | assemble s "
             f"| serial s (its CPU s) | serial / (T1/{workers}) | worker's last step s | caller peak MB | bytes/cycle "
             f"| bound on {workers} workers (from CPU s) | with the last step |",
             "| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for register in arguments.registers.split(","):
        for name in trees:
            row = best[(register, name, f"caller of {workers} workers", workers)]
            one_core, serial = row["one_core_s"], row["wall_s"]
            lines.append(
                f"| {REGISTERS[register][0]} over GF({REGISTERS[register][1]}) | {row['cycles']:,} | {name} "
                f"| {one_core:.2f} ({row['one_core_cpu_s']:.2f}) | {one_core / workers:.3f} "
                f"| {row['received_bytes'] / 2 ** 20:.0f} | {row['receive_s']:.3f} | {row['assemble_s']:.3f} "
                f"| {serial:.3f} ({row['cpu_s']:.3f}) | {serial / (one_core / workers):.2f} | {row['last_step_s']:.3f} "
                f"| {row['peak_bytes'] / 2 ** 20:.0f} | {row['peak_bytes'] / row['cycles']:.0f} "
                f"| {amdahl_bound(one_core, serial, workers):.1f}x "
                f"({amdahl_bound(row['one_core_cpu_s'], row['cpu_s'], workers):.1f}x) "
                f"| {amdahl_bound(one_core, serial + row['last_step_s'], workers):.1f}x |")
    return lines


def measure(tree, register, repeats, runs, caller_workers=0):
    environment = dict(os.environ, PYTHONPATH=str(Path(tree).resolve()), MPLBACKEND="Agg")
    output = subprocess.run([sys.executable, __file__, "--child", register, "--repeats", str(repeats), "--runs", runs,
                             "--caller-workers", str(caller_workers)],
                            env=environment, capture_output=True, text=True, check=True).stdout
    return [json.loads(line) for line in output.splitlines() if line.startswith("{")]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--registers", default="x24,x26,g3x15")
    parser.add_argument("--trees", default="this=.")
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=1, help="alternate the trees this many times")
    parser.add_argument("--child")
    parser.add_argument("--note", default="")
    parser.add_argument("--runs", default=RUNS, help="schedule:workers pairs")
    parser.add_argument("--caller-workers", type=int, default=0,
                        help="measure only the caller's assembly of this many workers' results (no workers run)")
    parser.add_argument("--section", default="many-cycles")
    parser.add_argument("--title", default="Many small cycles: counted and merged where found (issue 12)")
    arguments = parser.parse_args()
    if arguments.child:
        return child(arguments)
    from common import machine_description, write_section

    trees = dict(pair.split("=", 1) for pair in arguments.trees.split(","))
    best, loads = {}, [os.getloadavg()[0]]
    for _ in range(arguments.rounds):
        for register in arguments.registers.split(","):
            for name, tree in trees.items():
                loads.append(os.getloadavg()[0])
                for row in measure(tree, register, arguments.repeats, arguments.runs, arguments.caller_workers):
                    key = (register, name, row["schedule"], row["workers"])
                    if key not in best or row["wall_s"] < best[key]["wall_s"]:
                        best[key] = row
                    print(key, {k: round(v, 3) if isinstance(v, float) else v for k, v in row.items()
                                if k != "counts"}, flush=True)
    loads.append(os.getloadavg()[0])
    lines = [f"Machine: {machine_description()}; 1-minute load average {min(loads):.1f} to {max(loads):.1f} "
             "during the run (other sessions share the machine: compare ratios within one run).", "",
             arguments.note, ""]
    if arguments.caller_workers:
        lines += caller_table(arguments, trees, best)
        write_section(arguments.section, arguments.title, lines)
        print("\n".join(lines))
        return
    lines += ["`map_cycles` split into the schedule's run (workers, tracing, results received) and the assembly "
              "in the caller (cycles merged and counted); peak = the caller's resident memory above what it held "
              "before the run, per cycle. Best of the runs; each checkout in a fresh process, the checkouts "
              "alternating. Speedup = sequential wall / this wall, same checkout.", "",
              "| register | cycles | code | schedule | W | run s | assemble s | wall s | speedup | caller peak MB "
              "| bytes/cycle |",
              "| --- | ---: | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for register in arguments.registers.split(","):
        reference_counts = None
        for name in trees:
            sequential = best.get((register, name, "sequential", 1))
            for schedule, workers in runs_of(arguments.runs):
                row = best[(register, name, schedule, workers)]
                reference_counts = reference_counts or row["counts"]
                assert row["counts"] == reference_counts, (register, name, schedule)
                speedup = f"{sequential['wall_s'] / row['wall_s']:.2f}" if sequential else "-"
                lines.append(
                    f"| {REGISTERS[register][0]} over GF({REGISTERS[register][1]}) | {row['cycles']:,} | {name} "
                    f"| {schedule} | {workers} | {row['run_s']:.3f} | {row['assemble_s']:.3f} | {row['wall_s']:.3f} "
                    f"| {speedup} | {row['peak_bytes'] / 2 ** 20:.0f} | {row['peak_bytes'] / row['cycles']:.0f} |")
    write_section(arguments.section, arguments.title, lines)
    print("\n".join(lines))


if __name__ == "__main__":
    main()
