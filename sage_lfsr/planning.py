r"""
Sizing a run: the batch size (states per task), whether to split long cycles,
and what ``schedule="auto"`` picks. Every decision is written into the
result's ``choices`` with its reason.
"""
from __future__ import annotations

import math
import os
import time

import numpy as np

from sage_lfsr.kernels import STEP_SECONDS

#: A task should cost at least this many times the IPC of handing it out.
TASK_COST_OVER_IPC = 50
#: Seconds of IPC to hand out a task and return its result through a Manager.
IPC_SECONDS_PER_TASK = 4e-4
#: Tasks per worker wanted for balance when the problem is large enough.
TASKS_PER_WORKER = 16
#: Below this many states a parallel run cannot pay for starting its processes.
AUTO_SEQUENTIAL_BELOW = 1 << 20
#: Below this much single-core work (seconds), likewise: starting workers and a
#: Manager costs about 0.05 s here, which should stay under a fifth of the run.
AUTO_SEQUENTIAL_SECONDS = 0.25


def measure_step_seconds(kernel, state_count, singular):
    r"""
    Seconds per successor step of ``kernel``, timed on a few short segments
    (kernel tables and compiled code are warm afterwards, too).
    """
    if singular:
        return STEP_SECONDS.get(kernel.name, STEP_SECONDS["fast"]) * 3
    sample_range, bits = (1 << 8, 4) if kernel.name == "sage" else (1 << 14, 10)
    bitmap = np.zeros((state_count + 7) // 8, dtype=np.uint8)  # calloc: untouched pages cost nothing
    kernel.trace_segments(0, 1, bitmap, bits)
    start = time.perf_counter()
    _, steps = kernel.trace_segments(0, min(sample_range, state_count), bitmap, bits)
    elapsed = time.perf_counter() - start
    return elapsed / steps if steps >= 256 else STEP_SECONDS.get(kernel.name, STEP_SECONDS["fast"])


def auto_batch_size(state_count, workers, step_seconds):
    r"""
    States per task: enough that a task costs ``TASK_COST_OVER_IPC`` times its IPC,
    and otherwise small enough to give each worker ``TASKS_PER_WORKER`` tasks;
    never so many that a worker gets no task.

    EXAMPLES::

        sage: from sage_lfsr.planning import auto_batch_size
        sage: auto_batch_size(2**24, 2, 1e-8)
        2097152
        sage: auto_batch_size(2**16, 2, 1e-8)
        32768
        sage: auto_batch_size(2**12, 4, 3e-5)
        1024
    """
    floor = math.ceil(TASK_COST_OVER_IPC * IPC_SECONDS_PER_TASK / step_seconds)
    balanced = math.ceil(state_count / (workers * TASKS_PER_WORKER))
    batch = 1 << max(0, math.ceil(math.log2(max(floor, balanced))))
    return int(min(batch, math.ceil(state_count / workers)))


def distinguished_bits(batch_size):
    r"""
    Bits for the distinguished states that cut long cycles into segments of
    about ``2^bits`` states, some 64 segments to a task.

    EXAMPLES::

        sage: from sage_lfsr.planning import distinguished_bits
        sage: distinguished_bits(2**20), distinguished_bits(100), distinguished_bits(2**40)
        (14, 1, 24)
    """
    return max(1, min(24, int(math.log2(max(2, batch_size))) - 6))


def default_workers():
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def auto_schedule(state_count, step_seconds, cores=None):
    r"""
    What ``schedule="auto"`` runs: ``(schedule, workers, reason)``.

    EXAMPLES::

        sage: from sage_lfsr.planning import auto_schedule
        sage: auto_schedule(2**16, 3e-9, cores=16)[:2]
        ('sequential', 1)
        sage: schedule, workers, reason = auto_schedule(2**30, 3e-9, cores=16)
        sage: schedule, workers, reason.startswith("hybrid on 16 workers")
        ('hybrid', 16, True)
        sage: auto_schedule(2**30, 3e-9, cores=1)[:2]
        ('sequential', 1)
    """
    cores = default_workers() if cores is None else cores
    estimate = state_count * step_seconds
    if state_count < AUTO_SEQUENTIAL_BELOW or cores == 1 or estimate < AUTO_SEQUENTIAL_SECONDS:
        return "sequential", 1, (f"sequential: {state_count} states take about {estimate:.3f} s on one core "
                                 f"({'one core' if cores == 1 else 'too little to pay for starting worker processes'})")
    return "hybrid", cores, (f"hybrid on {cores} workers: about {estimate:.2f} s of work on one core; static "
                             "chunks keep IPC low and stealing evens out uneven cycles")
