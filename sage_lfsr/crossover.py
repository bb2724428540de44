r"""
The crossover: from which state-space size each schedule pays, per kernel.

:func:`measure_crossover` maps one register per size, sequentially and under
each schedule with ``W`` workers, and returns one row per run with its speedup
over the sequential run of the same size and kernel; :func:`crossover_sizes`
reads off, per kernel and schedule, the smallest size from which every larger
measured size is faster than one core. :func:`~sage_lfsr.plot.crossover_figure`
draws the rows.

What is timed is :func:`~sage_lfsr.engine.mapper.run` of a plan made beforehand:
starting the workers (and a Manager), tracing, and assembling the map in the
caller. Planning (with Sage: tables, prediction, calibration) is the same for
every schedule and is not counted.

EXAMPLES::

    sage: from sage_lfsr.crossover import crossover_sizes, measure_crossover
    sage: rows = measure_crossover(kernels={"fast": [6, 8]}, schedules=("queue",), workers=2)
    sage: [(row["kernel"], row["degree"], row["schedule"], row["workers"]) for row in rows]
    [('fast', 6, 'sequential', 1), ('fast', 6, 'queue', 2),
     ('fast', 8, 'sequential', 1), ('fast', 8, 'queue', 2)]
    sage: all(row["matches_sequential"] for row in rows)
    True
    sage: sorted(crossover_sizes(rows))
    [('fast', 'queue')]
"""
from __future__ import annotations

from sage_lfsr.engine.figures import best_of, run_row

#: The four parallel schedules of the seed's question.
SCHEDULES = ("static", "queue", "steal", "hybrid")
#: Degrees over GF(2) of the default run: the compiled kernel, and the Sage one (about 30 us a state).
DEFAULT_DEGREES = {"fast": (10, 12, 14, 16, 18, 20, 22), "sage": (8, 10, 12, 14)}
#: Register kinds :func:`crossover_register` builds.
REGISTER_KINDS = ("primitive", "many-cycles")


def crossover_register(kind, degree, q=2, seed=1):
    r"""
    The register of ``degree`` over `GF(q)` measured at each size: ``"primitive"``
    (a random primitive polynomial drawn with ``seed``: one cycle of `q^d - 1`
    states) or ``"many-cycles"`` (`x^d - 1`: many short cycles).

    EXAMPLES::

        sage: from sage_lfsr.crossover import crossover_register
        sage: crossover_register("many-cycles", 4)
        LFSR of degree 4 over GF(2) with characteristic polynomial x^4 + 1
        sage: crossover_register("primitive", 5).characteristic_polynomial().is_primitive()
        True
        sage: crossover_register("skewed", 5)
        Traceback (most recent call last):
        ...
        ValueError: unknown register kind 'skewed': choose one of primitive, many-cycles
    """
    from sage_lfsr.registers.lfsr import LFSR
    from sage_lfsr.theory.prediction import random_primitive_polynomial

    if kind == "primitive":
        return LFSR.from_polynomial(random_primitive_polynomial(q, degree, seed=seed))
    if kind == "many-cycles":
        return LFSR.from_polynomial(f"x^{degree} - 1", q=q)
    raise ValueError(f"unknown register kind {kind!r}: choose one of {', '.join(REGISTER_KINDS)}")


def _checked(kernels, schedules, workers, repeats, register):
    r"""The arguments of :func:`measure_crossover` as plain integers, or a one-line error."""
    from sage_lfsr.engine.kernels import check_kernel
    from sage_lfsr.registers.lfsr import as_integer
    from sage_lfsr.engine.planning import available_schedules

    if not isinstance(kernels, dict) or not kernels:
        raise TypeError("kernels must be a non-empty dict {kernel name: degrees}")
    checked = {}
    for name, degrees in kernels.items():
        check_kernel(name)
        checked[name] = [as_integer(degree, f"a degree of kernel {name!r}") for degree in degrees]
        if not checked[name] or min(checked[name]) < 1:
            raise ValueError(f"the degrees of kernel {name!r} must be positive integers, not {checked[name]!r}")
    unknown = [s for s in schedules if s not in available_schedules() or s in ("sequential", "auto")]
    if unknown or not schedules:
        raise ValueError(f"schedules must be parallel schedules ({', '.join(SCHEDULES)}, dask), not {unknown!r}")
    workers, repeats = as_integer(workers, "workers"), as_integer(repeats, "repeats")
    if workers < 1 or repeats < 1:
        raise ValueError(f"workers and repeats must be positive integers, not {workers} and {repeats}")
    if not callable(register) and register not in REGISTER_KINDS:
        raise ValueError(f"unknown register kind {register!r}: choose one of {', '.join(REGISTER_KINDS)}")
    return checked, workers, repeats


def measure_crossover(kernels=None, schedules=SCHEDULES, workers=None, repeats=1, register="primitive",
                      pool=None, progress=None) -> list:
    r"""
    Speedup over one core against state-space size, per schedule and kernel.

    INPUT:

    - ``kernels`` -- ``{kernel name: degrees}`` (default :data:`DEFAULT_DEGREES`:
      ``"fast"`` at `2^{10}` to `2^{22}` states, ``"sage"`` at `2^8` to `2^{14}`)
    - ``schedules`` -- the parallel schedules to compare (default: static,
      queue, steal, hybrid)
    - ``workers`` -- worker processes of each parallel run (default: every core)
    - ``repeats`` -- runs per point; the fastest counts (the machine is shared)
    - ``register`` -- ``"primitive"``, ``"many-cycles"`` (see
      :func:`crossover_register`) or a function ``degree -> register``
    - ``pool`` -- a :class:`~sage_lfsr.engine.pool.MappingPool` whose workers, started
      once, run the parallel maps (default: workers started for each map);
      ``workers`` defaults to the pool's
    - ``progress`` -- called as ``progress(runs done, runs in all)``

    OUTPUT: a list of dicts, one per run, sequential first at each size: the
    figures of :func:`~sage_lfsr.engine.figures.run_row` (``wall_seconds``, ``speedup``
    over the sequential run of the same size and kernel, ``imbalance_percent``,
    ``redundant_percent``, ...), and ``kernel``, ``degree``, ``states``,
    ``sequential_seconds``, ``cycle_counts``, ``matches_sequential`` (the
    run found the same cycles and tails as the sequential run) and ``series``
    (the schedule, with ``", warm pool"`` for runs on ``pool``).

    EXAMPLES::

        sage: from sage_lfsr.crossover import measure_crossover
        sage: rows = measure_crossover(kernels={"sage": [4]}, schedules=("steal",), workers=2, register="many-cycles")
        sage: [(row["schedule"], row["states"], row["cycle_counts"]) for row in rows]
        [('sequential', 16, {1: 2, 2: 1, 4: 3}), ('steal', 16, {1: 2, 2: 1, 4: 3})]
        sage: rows[1]["speedup"] == rows[1]["sequential_seconds"] / rows[1]["wall_seconds"]
        True

    TESTS::

        sage: measure_crossover(kernels={"fast": [6]}, schedules=("sequential",))
        Traceback (most recent call last):
        ...
        ValueError: schedules must be parallel schedules (static, queue, steal, hybrid, dask), not ['sequential']
        sage: measure_crossover(kernels={"fast": [0]})
        Traceback (most recent call last):
        ...
        ValueError: the degrees of kernel 'fast' must be positive integers, not [0]
    """
    from sage_lfsr.engine.mapper import run
    from sage_lfsr.engine.planning import default_workers, plan

    kernels = dict(DEFAULT_DEGREES) if kernels is None else kernels
    if workers is None:
        workers = default_workers() if pool is None else pool.workers
    schedules = tuple(schedules)
    kernels, workers, repeats = _checked(kernels, schedules, workers, repeats, register)
    build = register if callable(register) else (lambda degree: crossover_register(register, degree))
    points = [(kernel, degree) for kernel, degrees in kernels.items() for degree in degrees]
    total, done, rows = len(points) * (1 + len(schedules)), 0, []
    for kernel, degree in points:
        lfsr = build(degree)
        # Every argument is checked, and Sage used, before the first timed run.
        plans = [plan(lfsr, kernel=kernel)] + [plan(lfsr, schedule=name, workers=workers, kernel=kernel)
                                               for name in schedules]
        baseline_seconds = reference = None
        for decided in plans:
            on_pool = pool if decided.schedule != "sequential" else None
            seconds, result = best_of(repeats, lambda decided=decided, on_pool=on_pool: run(decided, pool=on_pool))
            if reference is None:
                baseline_seconds, reference = seconds, result
            row = run_row(result, seconds, baseline_seconds)
            row.update(kernel=kernel, degree=degree, states=result.state_count, sequential_seconds=baseline_seconds,
                       cycle_counts=dict(result.cycle_counts),
                       matches_sequential=bool(result.cycles == reference.cycles
                                               and result.structure() == reference.structure()),
                       series=result.schedule + (", warm pool" if on_pool is not None else ""))
            rows.append(row)
            done += 1
            if progress is not None:
                progress(done, total)
    return rows


def series_name(row) -> str:
    r"""The line a row belongs to: its ``series``, or its schedule for rows without one."""
    return row.get("series", row["schedule"])


def crossover_sizes(rows) -> dict:
    r"""
    ``{(kernel, series): states}``: the smallest measured size from which this
    schedule (``series``: the schedule, or the schedule on a warm pool) beats
    one core (speedup above 1) at every larger measured size; ``None`` where it
    does not beat one core at the largest size.

    EXAMPLES::

        sage: from sage_lfsr.crossover import crossover_sizes
        sage: rows = [{"kernel": "fast", "schedule": "queue", "states": 2**k, "speedup": s}
        ....:         for k, s in ((10, 0.2), (12, 1.1), (14, 0.9), (16, 1.3), (18, 1.6))]
        sage: crossover_sizes(rows + [{"kernel": "fast", "schedule": "static", "states": 2**18, "speedup": 0.7}])
        {('fast', 'queue'): 65536, ('fast', 'static'): None}
    """
    series = {}
    for row in rows:
        if row["schedule"] != "sequential":
            series.setdefault((row["kernel"], series_name(row)), []).append((row["states"], row["speedup"]))
    sizes = {}
    for key, points in series.items():
        pays_from = None
        for states, speedup in sorted(points, reverse=True):
            if speedup <= 1:
                break
            pays_from = states
        sizes[key] = pays_from
    return sizes


def crossover_summary(rows) -> str:
    r"""
    One line per kernel and schedule: from which size it pays, and its best speedup.

    EXAMPLES::

        sage: from sage_lfsr.crossover import crossover_summary
        sage: rows = [{"kernel": "sage", "schedule": "queue", "workers": 2, "states": 2**k, "speedup": s}
        ....:         for k, s in ((10, 0.4), (12, 0.9), (14, 1.3))]
        sage: print(crossover_summary(rows + [{"kernel": "sage", "schedule": "static", "workers": 2,
        ....:                                  "states": 2**14, "speedup": 0.8}]))
        kernel sage, queue  (W = 2): pays from 2^14 states; best speedup 1.30 at 2^14
        kernel sage, static (W = 2): does not pay up to 2^14 states; best speedup 0.80 at 2^14
    """
    sizes = crossover_sizes(rows)
    width = max((len(schedule) for _, schedule in sizes), default=0)
    lines = []
    for (kernel, schedule), states in sizes.items():
        runs = [row for row in rows if row["kernel"] == kernel and series_name(row) == schedule]
        best = max(runs, key=lambda row: row["speedup"])
        largest = max(row["states"] for row in runs)
        workers = ", ".join(str(w) for w in sorted({row["workers"] for row in runs}))
        verdict = f"pays from {size_text(states)} states" if states else f"does not pay up to {size_text(largest)} states"
        lines.append(f"kernel {kernel}, {schedule:{width}} (W = {workers}): {verdict}; "
                     f"best speedup {best['speedup']:.2f} at {size_text(best['states'])}")
    return "\n".join(lines)


def size_text(states) -> str:
    r"""
    ``2^k`` for a power of two, else the number with thousands separators.

    EXAMPLES::

        sage: from sage_lfsr.crossover import size_text
        sage: size_text(2**20), size_text(3**9)
        ('2^20', '19,683')
    """
    states = int(states)
    return f"2^{states.bit_length() - 1}" if states > 0 and states & (states - 1) == 0 else f"{states:,}"
