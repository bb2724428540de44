r"""
The reported figures of a run, each defined once: load imbalance lambda,
speedup, redundant work, and the row of figures that the plots, the command
line's ``bench`` and the benchmark scripts show for a run.

- lambda = ``(max busy / mean busy - 1) * 100`` percent (0 for one worker);
- speedup = baseline seconds / seconds;
- redundant work = states traced beyond the states owned (every state is owned
  once), in percent of the state space.
"""
from __future__ import annotations

import math
import time


def load_imbalance(busy_seconds) -> float:
    r"""
    ``lambda = (max busy / mean busy - 1) * 100`` percent; 0 for one worker or no work.

    EXAMPLES::

        sage: from sage_lfsr.engine.figures import load_imbalance
        sage: load_imbalance([1, 1]), load_imbalance([3, 1]), load_imbalance([2, 0, 0, 0])
        (0.0, 50.0, 300.0)
    """
    busy = [float(seconds) for seconds in busy_seconds]
    mean = sum(busy) / len(busy) if busy else 0.0
    return (max(busy) / mean - 1.0) * 100.0 if mean > 0 else 0.0


def speedup(baseline_seconds, seconds) -> float:
    r"""
    ``baseline_seconds / seconds`` (infinite for a run that took no measurable time).

    EXAMPLES::

        sage: from sage_lfsr.engine.figures import speedup
        sage: speedup(3r, 2r), speedup(1r, 0r)
        (1.5, inf)
    """
    return baseline_seconds / seconds if seconds > 0 else math.inf


def redundant_percent(redundant_states, state_count) -> float:
    r"""
    Redundant work in percent of the state space.

    EXAMPLES::

        sage: from sage_lfsr.engine.figures import redundant_percent
        sage: redundant_percent(2**16, 2**16), redundant_percent(0, 16)
        (100.0, 0.0)
    """
    return 100.0 * redundant_states / state_count if state_count else 0.0


def best_of(repeats, function):
    r"""
    The fastest of ``repeats`` calls of ``function()`` as ``(seconds, result)``
    (the machines are shared and noisy).

    EXAMPLES::

        sage: from sage_lfsr.engine.figures import best_of
        sage: seconds, result = best_of(3, lambda: 42)
        sage: result, seconds >= 0
        (42, True)
    """
    best = None
    for _ in range(repeats):
        start = time.perf_counter()
        result = function()
        elapsed = time.perf_counter() - start
        if best is None or elapsed < best[0]:
            best = (elapsed, result)
    return best


def run_row(cycle_map, seconds=None, baseline_seconds=None) -> dict:
    r"""
    The figures of one run (a :class:`~sage_lfsr.engine.cyclemap.CycleMap`): ``seconds``
    (default: the run's own wall time) and the speedup over ``baseline_seconds``
    (default: the same, speedup 1).

    EXAMPLES::

        sage: from sage_lfsr import LFSR, map_cycles
        sage: from sage_lfsr.engine.figures import run_row
        sage: row = run_row(map_cycles(LFSR.from_polynomial("x^8 + x^4 + x^3 + x^2 + 1")))
        sage: row["schedule"], row["speedup"], row["imbalance_percent"], row["redundant_percent"]
        ('sequential', 1.0, 0.0, 0.0)
    """
    seconds = cycle_map.wall_seconds if seconds is None else seconds
    baseline_seconds = seconds if baseline_seconds is None else baseline_seconds
    return {
        "schedule": cycle_map.schedule, "workers": cycle_map.workers, "wall_seconds": seconds,
        "speedup": speedup(baseline_seconds, seconds),
        "imbalance_percent": cycle_map.imbalance, "redundant_percent": cycle_map.redundant_percent,
        "redundant_states": cycle_map.redundant_states, "states_traced": cycle_map.states_traced,
        "tasks": cycle_map.tasks, "steals": cycle_map.steals, "batch_size": cycle_map.choices.get("batch_size"),
    }
