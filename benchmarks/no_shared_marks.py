r"""
Dask across machines: the owned mode (``sage_lfsr.dask-memory = "owned"``,
:mod:`sage_lfsr.engine.schedules.dask_owned`) on a cluster started as on several
machines: ``dask scheduler --scheduler-file F`` and ``dask worker --scheduler-file F
--nworkers W --nthreads 1 --memory-limit M`` as separate processes, the map
reached through the scheduler file. Each worker holds the marks of its own
blocks of states only. Beside each run, the sequential fast kernel on one core
in the same run, and the load average.

    python benchmarks/no_shared_marks.py scale [--sizes 24,26] [--workers 2,8,16]
        marks moved per state, messages, phases, scheduler tasks against W
        (docs/benchmarks/dask-no-shared-marks.md)
    python benchmarks/no_shared_marks.py large [--degree 30] [--memory 1GB] [--kill]
        the 2^30 / 2^32 targets, a worker killed at about half of a run
        (docs/benchmarks/dask-owned-large.md)
"""
import argparse
import json
import os
import signal
import threading
import time

import dask
from common import SECTIONS, benchmark_registers, machine_description, write_section

from sage_lfsr import LFSR, map_cycles
from sage_lfsr.engine.schedules.dask_commands import separate_cluster



def owned(**more):
    return dask.config.set({"sage_lfsr.dask-memory": "owned", **more})


def timed(function):
    started = time.perf_counter()
    result = function()
    return result, time.perf_counter() - started


def load():
    return f"{os.getloadavg()[0]:.1f}"


def scale(arguments):
    sizes = [int(size) for size in arguments.sizes.split(",")]
    lines = [f"Machine: {machine_description()}", "",
             "The owned mode of `schedule=\"dask\"` on `dask scheduler` + `dask worker --nworkers W --nthreads 1` "
             "started as separate processes (connected through the scheduler file; on this 2-core machine W > 2 "
             "processes share the 2 cores). Each owner holds the marks of its own blocks; a walk marks its own "
             "states at once and writes the others' into a fixed-size buffer per owner, sent straight to the "
             "owner's worker (and its replica's) when full. marks/state = marks sent worker to worker per state "
             "of the space (replicas included); bytes/state = their bytes (4-byte indices); messages = sends; "
             "phases = barriers the caller waits at (segments, fine segments, sweep); tasks = Dask tasks "
             "submitted; held = the largest bytes of owned arrays one worker process held; redundant = states "
             "walked beyond q^d, in % of q^d. Sequential = the fast kernel on one core in the same run.", "",
             "| register | states | W | marks/state | bytes/state | messages | phases | tasks | held MB | "
             "redundant % | owned s | sequential s | speedup | load |",
             "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    rows = []
    for workers in [int(count) for count in arguments.workers.split(",")]:
        with separate_cluster(workers, arguments.memory) as (scheduler_file, client), owned():
            for register in benchmark_registers(14).values():  # load the compiled walks on every worker
                map_cycles(register, schedule="dask", workers=workers, split=True, scheduler_address=scheduler_file)
            for degree in sizes:
                for kind, register in benchmark_registers(degree).items():
                    reference, sequential = timed(lambda: map_cycles(register))
                    result, seconds = timed(lambda: map_cycles(register, schedule="dask", workers=workers,
                                                               scheduler_address=scheduler_file))
                    assert result.cycles == reference.cycles, (kind, degree, workers)
                    choices, states = result.choices, register.state_count
                    row = dict(kind=kind, degree=degree, workers=workers, marks=choices["owned_marks_sent"] / states,
                               bytes=choices["owned_marks_bytes"] / states, messages=choices["owned_messages"],
                               tasks=choices["owned_scheduler_tasks"], held=choices["owned_worker_bytes"] / 2 ** 20,
                               redundant=100.0 * (result.states_traced - states) / states, seconds=seconds,
                               sequential=sequential, load=load(), phases=_phases(choices, workers),
                               marking=choices["owned_marking_steps"] > 0)
                    rows.append(row)
                    lines.append(f"| {kind} | 2^{degree} | {workers} | {row['marks']:.2f} | {row['bytes']:.2f} | "
                                 f"{row['messages']} | {row['phases']} | {row['tasks']} | {row['held']:.1f} | "
                                 f"{row['redundant']:.1f} | {seconds:.2f} | {sequential:.2f} | "
                                 f"{sequential / seconds:.2f}x | {row['load']} |")
                    print(lines[-1], flush=True)
    (SECTIONS / "dask-owned-scale.json").write_text(json.dumps(rows, indent=1))
    write_section("dask-no-shared-marks", "Dask across machines: owned blocks of states, marks pushed worker to "
                  "worker (issue 28)", lines)


def _phases(choices, workers):
    r"""Barriers of a run: the segments measured, marked, the fine pass, the sweep."""
    return choices["owned_phases"]


LARGE = {
    30: {"primitive": "x^30+x^6+x^4+x+1", "skewed": "(x^19+x^5+x^2+x+1)*(x^7+x+1)*(x^4+x+1)", "many-cycles": "x^30+1"},
    32: {"primitive": "x^32+x^22+x^2+x+1"},
}


def large(arguments):
    degree, lines = arguments.degree, []
    lines += [f"Machine: {machine_description()}", "",
              f"2^{degree} states, owned mode, W = 2 worker processes started as `dask worker --nworkers 2 "
              f"--nthreads 1 --memory-limit {arguments.memory}` (separate from the scheduler and the caller), "
              f"replicas {arguments.replicas}. Sequential = the fast kernel on one core in the same run; the "
              "machine is shared (load beside each row).", "",
              "| register | owned s | sequential s | speedup | held MB per worker | marks/state | load |",
              "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
    kinds = arguments.kinds.split(",") if arguments.kinds else list(LARGE[degree])
    with separate_cluster(2, arguments.memory) as (scheduler_file, client), owned(**{
            "sage_lfsr.owned-replicas": arguments.replicas}):
        for register in benchmark_registers(14).values():
            map_cycles(register, schedule="dask", workers=2, split=True, scheduler_address=scheduler_file)
        for kind in kinds:
            register = LFSR.from_polynomial(LARGE[degree][kind])
            result, seconds = timed(lambda: map_cycles(register, schedule="dask", workers=2,
                                                       scheduler_address=scheduler_file))
            reference, sequential = timed(lambda: map_cycles(register))
            assert result.cycles == reference.cycles, kind
            choices = result.choices
            lines.append(f"| {kind} ({LARGE[degree][kind]}) | {seconds:.1f} | {sequential:.1f} | "
                         f"{sequential / seconds:.2f}x | {choices['owned_worker_bytes'] / 2 ** 20:.0f} | "
                         f"{choices['owned_marks_sent'] / register.state_count:.2f} | {load()} |")
            print(lines[-1], flush=True)
            if arguments.kill:
                pids = client.run(os.getpid)
                timer = threading.Timer(seconds / 2, lambda: os.kill(pids[sorted(pids)[0]], signal.SIGKILL))
                timer.start()
                killed, killed_seconds = timed(lambda: map_cycles(register, schedule="dask", workers=2,
                                                                  scheduler_address=scheduler_file))
                timer.cancel()
                assert killed.cycles == reference.cycles, kind
                lines.append(f"| {kind}, a worker killed at {seconds / 2:.1f} s | {killed_seconds:.1f} | | "
                             f"{killed_seconds / seconds:.2f}x the uninterrupted run | failovers "
                             f"{len(killed.choices['owned_failovers'])} | | {load()} |")
                print(lines[-1], flush=True)
                client.wait_for_workers(2, timeout=300)
    name = f"dask-owned-large-{degree}"
    (SECTIONS / f"{name}.md").write_text(f"## Owned mode at 2^{degree} (issue 28)\n\n" + "\n".join(lines) + "\n")


def redundancy_slopes(rows):
    r"""``(kind, degree) -> rho``: the sweep's redundant walks fitted as ``rho (W - 1)`` of q^d (rows without marked segments)."""
    slopes = {}
    for key in sorted({(row["kind"], row["degree"]) for row in rows}):
        mine = [row for row in rows if (row["kind"], row["degree"]) == key and not row["marking"] and row["marks"]]
        x = sum((row["workers"] - 1) ** 2 for row in mine)
        slopes[key] = sum(row["redundant"] / 100 * (row["workers"] - 1) for row in mine) / x if x else 0.0
    return slopes


def modelled_marks(row, slopes):
    r"""
    Marks sent per state: marked segments send each covered state's mark to its
    owner and to the owner's replica, each on another worker with probability
    (W - 1) / W: 2 (W - 1) / W; the sweep sends a walked state's mark when another
    owner holds it, to that owner and its replica (on the walker with probability
    1 / (W - 1)): (2W - 3) / W a walked state, and walks (1 + rho (W - 1)) q^d.
    """
    workers = row["workers"]
    if not row["marks"]:
        return 0.0
    if row["marking"]:
        return 2 * (workers - 1) / workers
    return (2 * workers - 3) / workers * (1 + slopes[(row["kind"], row["degree"])] * (workers - 1))


def fitted_model(rows, cores=2):
    r"""
    Least squares over the measured rows (docs/dask.md gives the model): owned seconds =
    a marks / min(W, cores) + b Dask tasks + c messages + d (W processes share ``cores``).
    """
    import numpy as np

    design = np.array([[row["marks"] * 2.0 ** row["degree"] / min(row["workers"], cores), row["tasks"],
                        row["messages"], 1.0] for row in rows])
    seconds = np.array([row["seconds"] for row in rows])
    weights = 1.0 / seconds  # relative errors
    coefficients, *_ = np.linalg.lstsq(design * weights[:, None], seconds * weights, rcond=None)
    return np.maximum(coefficients, 0.0), design @ np.maximum(coefficients, 0.0)


def model(arguments):
    rows = json.loads((SECTIONS / "dask-owned-scale.json").read_text())
    slopes = redundancy_slopes(rows)
    (a, b, c, d), predicted = fitted_model(rows)
    lines = ["Fitted to the rows of the scale table (`python benchmarks/no_shared_marks.py model`): "
             "marks/state = 2 (W - 1) / W where the segments are marked, (2W - 3) / W x (1 + rho (W - 1)) in a "
             "sweep, rho fitted per register and size (" + ", ".join(
                 f"{kind} 2^{degree}: {rho:.3f}" for (kind, degree), rho in slopes.items() if rho)
             + f"); seconds = {a * 1e9:.1f} ns x marks / min(W, 2 cores) + {b * 1e3:.1f} ms x Dask tasks + "
             f"{c * 1e3:.2f} ms x messages + {d:.2f} s.", "",
             "| register | states | W | marks/state measured | model | off by | seconds measured | model | off by |",
             "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for row, seconds in zip(rows, predicted):
        modelled = modelled_marks(row, slopes)
        marks_off = abs(modelled - row["marks"]) / row["marks"] if row["marks"] else 0.0
        lines.append(f"| {row['kind']} | 2^{row['degree']} | {row['workers']} | {row['marks']:.2f} | {modelled:.2f} | "
                     f"{100 * marks_off:.0f} % | {row['seconds']:.2f} | {seconds:.2f} | "
                     f"{100 * abs(seconds - row['seconds']) / row['seconds']:.0f} % |")
    (SECTIONS / "dask-owned-model.md").write_text("## Owned mode: the model against the measurements (issue 28)\n\n"
                                                  + "\n".join(lines) + "\n")
    print("\n".join(lines))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("what", choices=["scale", "large", "model"])
    parser.add_argument("--sizes", default="24,26")
    parser.add_argument("--workers", default="2,8,16")
    parser.add_argument("--memory", default="1GB")
    parser.add_argument("--degree", type=int, default=30)
    parser.add_argument("--kinds", default="")
    parser.add_argument("--replicas", type=int, default=1)
    parser.add_argument("--kill", action="store_true")
    arguments = parser.parse_args()
    {"scale": scale, "large": large, "model": model}[arguments.what](arguments)


if __name__ == "__main__":
    main()
