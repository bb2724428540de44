r"""
Plain matplotlib figures of cycle structures, state-transition graphs and
scheduling runs: data in, :class:`matplotlib.figure.Figure` out.

Every function builds a new ``Figure`` with matplotlib's object API (never the
``pyplot`` state machine), so it works in scripts, in tests with the ``Agg``
backend and in notebooks (where :mod:`sage_lfsr.widgets` shows the figures).

- :func:`cycle_length_figure` -- number of cycles and share of states per cycle
  length, for one structure or several side by side (predicted, enumerated);
- :func:`tail_depth_figure` -- the tail-depth histogram of a singular register;
- :func:`transition_graph_figure` -- the state-transition graph of a small
  register: cycles as rings, trees hanging outward;
- :func:`worker_load_figure`, :func:`timeline_figure`, :func:`speedup_figure`
  and :func:`speedup_rows` -- how runs under several schedules spread their work;
- :func:`crossover_figure` -- speedup against state-space size per schedule and
  kernel (:mod:`sage_lfsr.crossover`).

EXAMPLES::

    sage: from sage_lfsr import LFSR, map_cycles, predict_cycles
    sage: from sage_lfsr.plot import cycle_length_figure
    sage: register = LFSR.from_polynomial("x^4 + x^3 + x^2 + x + 1")
    sage: fig = cycle_length_figure({"predicted": predict_cycles(register), "enumerated": map_cycles(register)})
    sage: len(fig.axes)
    2
"""
from __future__ import annotations

import io
import math

from matplotlib.figure import Figure

#: Largest state space :func:`transition_graph_figure` draws.
MAX_GRAPH_STATES = 256
#: Above this many states the graph's nodes carry no index labels.
MAX_LABELLED_STATES = 64
#: A value range at least this wide (largest / smallest) gets a logarithmic axis.
LOG_AXIS_SPREAD = 50

_CYCLE_COLOUR = "tab:red"
_TREE_COLOUR = "tab:blue"
_SERIES_COLOURS = ("tab:blue", "tab:orange", "tab:green", "tab:purple", "tab:brown")


def _as_labelled(structures):
    if isinstance(structures, dict):
        return list(structures.items())
    if isinstance(structures, (list, tuple)):
        return [(getattr(s, "schedule", f"structure {i}"), s) for i, s in enumerate(structures)]
    return [("", structures)]


def _wide_spread(values) -> bool:
    positive = [v for v in values if v > 0]
    return bool(positive) and max(positive) / min(positive) >= LOG_AXIS_SPREAD


def figure_png(figure) -> bytes:
    r"""
    The figure rendered as PNG bytes (what the notebook widgets display).

    EXAMPLES::

        sage: from matplotlib.figure import Figure
        sage: from sage_lfsr.plot import figure_png
        sage: figure_png(Figure(figsize=(1, 1)))[:4]
        b'\x89PNG'
    """
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=90, bbox_inches="tight")
    return buffer.getvalue()


def cycle_length_figure(structures) -> Figure:
    r"""
    The number of cycles and the share of the state space per cycle length.

    Lengths, counts or shares spread over a wide range get logarithmic axes.

    INPUT:

    - ``structures`` -- a :class:`~sage_lfsr.engine.cyclemap.CycleStructure`, or a dict
      ``{label: structure}`` drawn side by side (e.g. predicted and enumerated)

    OUTPUT: a :class:`~matplotlib.figure.Figure` with two axes

    EXAMPLES::

        sage: from sage_lfsr import LFSR, predict_cycles
        sage: from sage_lfsr.plot import cycle_length_figure
        sage: fig = cycle_length_figure(predict_cycles(LFSR.from_polynomial("x^4 + 1")))
        sage: [ax.get_ylabel() for ax in fig.axes]
        ['number of cycles', 'share of states']
        sage: fig = cycle_length_figure(predict_cycles(LFSR.from_polynomial("x^12 + x^6 + x^4 + x + 1")))
        sage: fig.axes[0].get_xscale()
        'log'
    """
    labelled = _as_labelled(structures)
    figure = Figure(figsize=(9, 3.4), layout="constrained")
    count_axes, share_axes = figure.subplots(1, 2)
    lengths = sorted({length for _, s in labelled for length in s.cycle_counts})
    log_lengths = _wide_spread(lengths)
    counts = [c for _, s in labelled for c in s.cycle_counts.values()]
    shares = [length * count / s.state_count for _, s in labelled for length, count in s.cycle_counts.items()]
    # Side by side: each series shifted a little (multiplicatively on a log axis).
    width = 0.8 / max(1, len(labelled))
    for number, (label, structure) in enumerate(labelled):
        shift = (number - (len(labelled) - 1) / 2) * width
        positions = [length * 1.15 ** shift if log_lengths else length + shift for length in structure.cycle_counts]
        colour = _SERIES_COLOURS[number % len(_SERIES_COLOURS)]
        marker = "os^Dv"[number % 5]
        number_of_cycles = list(structure.cycle_counts.values())
        share_of_states = [length * count / structure.state_count for length, count in structure.cycle_counts.items()]
        for axes, values in ((count_axes, number_of_cycles), (share_axes, share_of_states)):
            axes.vlines(positions, 0 if not _wide_spread(values) else min(values) / 2, values,
                        colors=colour, alpha=0.6)
            axes.plot(positions, values, marker, color=colour, label=label or None,
                      fillstyle="none" if number else "full")
    for axes, values, name in ((count_axes, counts, "number of cycles"), (share_axes, shares, "share of states")):
        axes.set_xlabel("cycle length")
        axes.set_ylabel(name)
        if log_lengths:
            axes.set_xscale("log")
        if _wide_spread(values):
            axes.set_yscale("log")
        else:
            axes.set_ylim(bottom=0, top=max(values) * 1.15 if values else 1)
        if not log_lengths and len(lengths) <= 12:
            axes.set_xticks(lengths)
        axes.grid(alpha=0.3)
    share_axes.yaxis.set_major_formatter(lambda value, _: f"{value:.0%}" if value >= 0.01 or value == 0 else f"{value:.1e}")
    if any(label for label, _ in labelled):
        count_axes.legend(fontsize="small")
    first = labelled[0][1]
    figure.suptitle(f"cycles of the {first.state_count} states over GF({first.field_order})", fontsize="medium")
    return figure


def tail_depth_figure(structure) -> Figure:
    r"""
    How many states lie ``h`` steps before their cycle (``h = 0``: the cycle states).

    INPUT:

    - ``structure`` -- a :class:`~sage_lfsr.engine.cyclemap.CycleStructure`

    OUTPUT: a :class:`~matplotlib.figure.Figure` with one axes

    EXAMPLES::

        sage: from sage_lfsr import LFSR, predict_cycles
        sage: from sage_lfsr.plot import tail_depth_figure
        sage: fig = tail_depth_figure(predict_cycles(LFSR.from_polynomial("x^4 + x^3 + x^2")))
        sage: len(fig.axes), [int(p.get_height()) for p in fig.axes[0].patches]
        (1, [4, 4, 8])
    """
    figure = Figure(figsize=(5, 3), layout="constrained")
    axes = figure.subplots()
    depths = list(structure.tail_depths)
    counts = list(structure.tail_depths.values())
    colours = [_CYCLE_COLOUR if depth == 0 else _TREE_COLOUR for depth in depths]
    axes.bar(depths, counts, color=colours)
    axes.set_xticks(depths)
    axes.set_xlabel("steps to the cycle (tail depth h)")
    axes.set_ylabel("states")
    if _wide_spread(counts):
        axes.set_yscale("log")
    axes.set_title(f"{structure.transient_states} transient states, deepest h = {max(depths)}", fontsize="medium")
    axes.grid(axis="y", alpha=0.3)
    return figure


def successor_table(register) -> list:
    r"""
    ``successors[i]``: the index of the state after state ``i`` (traced with Sage).

    EXAMPLES::

        sage: from sage_lfsr import LFSR
        sage: from sage_lfsr.plot import successor_table
        sage: successor_table(LFSR.from_polynomial("x^2 + x + 1"))
        [0, 2, 3, 1]
    """
    if register.state_count > 1 << 16:
        raise ValueError(f"{register.state_count} states are too many for a successor table here")
    return [register.state_index(register.next_state(index)) for index in range(register.state_count)]


def _components(successors):
    r"""``[(cycle, trees)]``: each cycle in order of travel, and each state's tree children."""
    state_count = len(successors)
    predecessors = [[] for _ in range(state_count)]
    for state, successor in enumerate(successors):
        predecessors[successor].append(state)
    on_cycle = [False] * state_count
    colour = [0] * state_count  # 0 unseen, 1 on the current path, 2 done
    cycles = []
    for start in range(state_count):
        path, state = [], start
        while colour[state] == 0:
            colour[state] = 1
            path.append(state)
            state = successors[state]
        if colour[state] == 1:
            cycle = path[path.index(state):]
            for member in cycle:
                on_cycle[member] = True
            cycles.append(cycle)
        for member in path:
            colour[member] = 2
    children = [[p for p in predecessors[state] if not on_cycle[p]] for state in range(state_count)]
    return cycles, children


def _leaf_count(state, children, memo):
    if state not in memo:
        memo[state] = max(1, sum(_leaf_count(child, children, memo) for child in children[state]))
    return memo[state]


def _depth(state, children):
    return 1 + max((_depth(child, children) for child in children[state]), default=0)


def graph_layout(successors) -> dict:
    r"""
    Positions ``{state: (x, y)}`` for the transition graph: one cell per cycle
    (largest components first), the cycle as a ring, each tree fanned out
    beyond its root inside the root's slice of the circle.

    EXAMPLES::

        sage: from sage_lfsr.plot import graph_layout
        sage: positions = graph_layout([0, 3, 1, 2])
        sage: sorted(positions) == [0, 1, 2, 3]
        True
    """
    cycles, children = _components(successors)
    memo = {}
    sizes = [sum(_leaf_count(s, children, memo) for s in cycle) + len(cycle) for cycle in cycles]
    order = sorted(range(len(cycles)), key=lambda i: (-sizes[i], cycles[i][0]))
    columns = max(1, math.ceil(math.sqrt(len(cycles))))
    positions = {}
    for cell, number in enumerate(order):
        cycle = cycles[number]
        centre_x, centre_y = 2.4 * (cell % columns), -2.4 * (cell // columns)
        ring = 0.0 if len(cycle) == 1 else 1.0
        depth = max((_depth(child, children) for s in cycle for child in children[s]), default=0)
        step = 1.0 / max(1, depth)
        scale = 1.0 / (ring + depth * step) if ring + depth * step > 0 else 1.0
        slice_width = 2 * math.pi / len(cycle)

        def place(state, radius, low, high):
            angle = (low + high) / 2
            positions[state] = (centre_x + scale * radius * math.cos(angle),
                                centre_y + scale * radius * math.sin(angle))
            total = sum(_leaf_count(child, children, memo) for child in children[state])
            start = low
            for child in children[state]:
                end = start + (high - low) * _leaf_count(child, children, memo) / total
                place(child, radius + step, start, end)
                start = end

        for position, state in enumerate(cycle):
            angle = math.pi / 2 - position * slice_width
            place(state, ring, angle - slice_width / 2, angle + slice_width / 2)
    return positions


def transition_graph_figure(register_or_successors, title=None, axes=None) -> Figure:
    r"""
    The state-transition graph: every state an arrow to its successor, cycles as
    rings (red) with their trees of transient states (blue) hanging outward.

    INPUT:

    - ``register_or_successors`` -- a register (:class:`~sage_lfsr.registers.lfsr.LFSR`,
      :class:`~sage_lfsr.registers.fsr.FSR`, ...) with at most :data:`MAX_GRAPH_STATES`
      states, or the list of successor indices
    - ``title`` -- (optional) the figure's title
    - ``axes`` -- (optional) matplotlib axes to draw on (default: a new figure's)

    OUTPUT: a :class:`~matplotlib.figure.Figure` with one axes (or the figure of ``axes``)

    EXAMPLES::

        sage: from sage_lfsr import LFSR
        sage: from sage_lfsr.plot import transition_graph_figure
        sage: fig = transition_graph_figure(LFSR.from_polynomial("x^4 + x^3 + x^2"))
        sage: len(fig.axes), len(fig.axes[0].collections[0].get_offsets())
        (1, 16)
        sage: from sage_lfsr import FSR
        sage: transition_graph_figure(FSR("x0 + x1*x2 + x3", 4)).axes[0].get_title()
        'state transitions of the FSR of degree 4 over GF(2) with feedback x0 + x3 + x1*x2'
        sage: transition_graph_figure(LFSR.from_polynomial("x^9 + x^4 + 1"))
        Traceback (most recent call last):
        ...
        ValueError: the graph is drawn for at most 256 states, not 512
    """
    successors = register_or_successors
    if not isinstance(successors, (list, tuple)):
        if successors.state_count > MAX_GRAPH_STATES:
            raise ValueError(f"the graph is drawn for at most {MAX_GRAPH_STATES} states, not {successors.state_count}")
        if title is None and hasattr(successors, "characteristic_polynomial"):
            title = f"state transitions of x -> x*M, characteristic polynomial {successors.characteristic_polynomial()}"
        elif title is None:  # a nonlinear register has no characteristic polynomial
            title = f"state transitions of the {successors!r}"
        successors = successor_table(successors)
    if len(successors) > MAX_GRAPH_STATES:
        raise ValueError(f"the graph is drawn for at most {MAX_GRAPH_STATES} states, not {len(successors)}")
    positions = graph_layout(successors)
    cycles, _ = _components(successors)
    on_cycle = {state for cycle in cycles for state in cycle}
    if axes is None:
        axes = Figure(figsize=(7, 7), layout="constrained").subplots()
    figure = axes.figure
    states = list(range(len(successors)))
    small = len(successors) <= MAX_LABELLED_STATES
    for state, successor in enumerate(successors):
        if state == successor:
            continue
        axes.annotate("", xy=positions[successor], xytext=positions[state],
                      arrowprops=dict(arrowstyle="-|>", color="0.45", lw=0.6, shrinkA=4, shrinkB=4,
                                      mutation_scale=7 if small else 5,
                                      connectionstyle="arc3,rad=0.15" if state in on_cycle else "arc3"))
    axes.scatter([positions[s][0] for s in states], [positions[s][1] for s in states],
                 s=110 if small else 18, zorder=3,
                 c=[_CYCLE_COLOUR if s in on_cycle else _TREE_COLOUR for s in states])
    if small:
        for state in states:
            axes.annotate(str(state), positions[state], ha="center", va="center", fontsize=6, color="white", zorder=4)
    axes.set_aspect("equal")
    axes.axis("off")
    axes.set_title(title or f"{len(successors)} states, {len(cycles)} cycles", fontsize="medium")
    return figure


def _schedule_label(cycle_map) -> str:
    return f"{cycle_map.schedule} ({cycle_map.workers} w)"


def worker_load_figure(cycle_maps) -> Figure:
    r"""
    Per-worker load under each run, one column per run: busy and waiting time;
    states traced against states owned; steals made and suffered.

    INPUT:

    - ``cycle_maps`` -- a list of :class:`~sage_lfsr.engine.cyclemap.CycleMap` (or one)

    OUTPUT: a :class:`~matplotlib.figure.Figure` with three rows of axes

    EXAMPLES::

        sage: from sage_lfsr import LFSR, map_cycles
        sage: from sage_lfsr.plot import worker_load_figure
        sage: register = LFSR.from_polynomial("x^8 + x^4 + x^3 + x^2 + 1")
        sage: runs = [map_cycles(register), map_cycles(register, schedule="queue", workers=int(2), batch_size=int(64))]
        sage: len(worker_load_figure(runs).axes)
        6
    """
    maps = list(cycle_maps) if isinstance(cycle_maps, (list, tuple)) else [cycle_maps]
    figure = Figure(figsize=(3.3 * len(maps) + 1, 7), layout="constrained")
    grid = figure.subplots(3, len(maps), squeeze=False, sharey="row")
    for column, cycle_map in enumerate(maps):
        loads = cycle_map.worker_loads
        workers = [load.worker for load in loads]
        busy_axes, states_axes, steal_axes = grid[0][column], grid[1][column], grid[2][column]
        busy = [load.busy_seconds for load in loads]
        waiting = [load.waiting_seconds for load in loads]
        busy_axes.bar(workers, busy, color="tab:blue", label="busy")
        busy_axes.bar(workers, waiting, bottom=busy, color="0.8", label="waiting")
        busy_axes.set_title(f"{_schedule_label(cycle_map)}\nlambda = {cycle_map.imbalance:.0f} %, "
                            f"wall {cycle_map.wall_seconds:.3f} s", fontsize="medium")
        half = 0.38
        states_axes.bar([w - half / 2 for w in workers], [load.states_owned for load in loads], half,
                        color="tab:green", label="owned")
        states_axes.bar([w + half / 2 for w in workers], [load.states_traced for load in loads], half,
                        color="tab:orange", label="traced")
        steal_axes.bar([w - half / 2 for w in workers], [load.steals_made for load in loads], half,
                       color="tab:purple", label="made")
        steal_axes.bar([w + half / 2 for w in workers], [load.steals_suffered for load in loads], half,
                       color="tab:gray", label="suffered")
        for axes in (busy_axes, states_axes, steal_axes):
            axes.set_xticks(workers)
            axes.grid(axis="y", alpha=0.3)
        steal_axes.set_xlabel("worker")
    most_steals = max([max(load.steals_made, load.steals_suffered) for run in maps for load in run.worker_loads] + [1])
    grid[2][0].set_ylim(0, most_steals * 1.1)
    grid[2][0].yaxis.get_major_locator().set_params(integer=True)
    grid[0][0].set_ylabel("seconds")
    grid[1][0].set_ylabel("states")
    grid[2][0].set_ylabel("steals")
    for row in range(3):
        grid[row][0].legend(fontsize="small")
    return figure


def timeline_figure(cycle_maps) -> Figure:
    r"""
    A Gantt chart per run: one lane per worker, one bar per task (start to end).

    INPUT:

    - ``cycle_maps`` -- a list of :class:`~sage_lfsr.engine.cyclemap.CycleMap` (or one)

    OUTPUT: a :class:`~matplotlib.figure.Figure`, one axes per run, sharing the time axis

    EXAMPLES::

        sage: from sage_lfsr import LFSR, map_cycles
        sage: from sage_lfsr.plot import timeline_figure
        sage: run = map_cycles(LFSR.from_polynomial("x^8 + x^4 + x^3 + x^2 + 1"), batch_size=int(64))
        sage: fig = timeline_figure([run])
        sage: len(fig.axes), len(fig.axes[0].collections[0].get_paths())
        (1, 4)
    """
    maps = list(cycle_maps) if isinstance(cycle_maps, (list, tuple)) else [cycle_maps]
    lanes = sum(max(1, len(m.worker_loads)) for m in maps)
    figure = Figure(figsize=(9, 1.0 + 0.55 * lanes + 0.5 * len(maps)), layout="constrained")
    axes_list = figure.subplots(len(maps), 1, squeeze=False, sharex=True,
                                height_ratios=[max(1, len(m.worker_loads)) for m in maps])[:, 0]
    for axes, cycle_map in zip(axes_list, maps):
        for lane, load in enumerate(cycle_map.worker_loads):
            bars = [(start, max(end - start, 1e-9)) for _, start, end in sorted(load.timeline, key=lambda t: t[1])]
            colours = [("tab:blue", "tab:cyan")[number % 2] for number in range(len(bars))]
            axes.broken_barh(bars, (lane - 0.4, 0.8), facecolors=colours, edgecolor="white", linewidth=0.3)
        axes.set_yticks(range(len(cycle_map.worker_loads)),
                        [f"worker {load.worker}" for load in cycle_map.worker_loads])
        axes.set_ylim(-0.6, max(1, len(cycle_map.worker_loads)) - 0.4)
        axes.set_title(f"{_schedule_label(cycle_map)}: {sum(l.tasks for l in cycle_map.worker_loads)} tasks, "
                       f"lambda = {cycle_map.imbalance:.0f} %", fontsize="medium", loc="left")
        axes.grid(axis="x", alpha=0.3)
    axes_list[-1].set_xlabel("seconds from the start of the run")
    return figure


def speedup_rows(cycle_maps, baseline=None) -> list:
    r"""
    One row per run: schedule, workers, wall seconds, speedup over the baseline
    run, load imbalance lambda (%), states traced and redundant work (% of the
    state space), as :func:`~sage_lfsr.engine.figures.run_row` defines them.

    INPUT:

    - ``cycle_maps`` -- a list of :class:`~sage_lfsr.engine.cyclemap.CycleMap`
    - ``baseline`` -- (default: the ``"sequential"`` run if there is one, else
      the first) the run whose wall time counts as speedup 1

    OUTPUT: a list of dicts

    EXAMPLES::

        sage: from sage_lfsr import LFSR, map_cycles
        sage: from sage_lfsr.plot import speedup_rows
        sage: run = map_cycles(LFSR.from_polynomial("x^8 + x^4 + x^3 + x^2 + 1"))
        sage: row = speedup_rows([run])[0]
        sage: row["schedule"], row["speedup"], row["lambda %"]
        ('sequential', 1.0, 0.0)
    """
    from sage_lfsr.engine.figures import run_row

    maps = list(cycle_maps)
    if not maps:
        return []
    if baseline is None:
        baseline = next((m for m in maps if m.schedule == "sequential"), maps[0])
    rows = []
    for cycle_map in maps:
        row = run_row(cycle_map, baseline_seconds=baseline.wall_seconds)
        rows.append({
            "schedule": row["schedule"],
            "workers": row["workers"],
            "wall s": round(row["wall_seconds"], 4),
            "speedup": round(row["speedup"], 2),
            "lambda %": round(row["imbalance_percent"], 1),
            "states traced": row["states_traced"],
            "redundant %": round(row["redundant_percent"], 1),
            "steals": row["steals"],
        })
    return rows


def speedup_figure(cycle_maps, baseline=None) -> Figure:
    r"""
    Speedup over the baseline run and load imbalance lambda, one bar per run.

    EXAMPLES::

        sage: from sage_lfsr import LFSR, map_cycles
        sage: from sage_lfsr.plot import speedup_figure
        sage: run = map_cycles(LFSR.from_polynomial("x^8 + x^4 + x^3 + x^2 + 1"))
        sage: [ax.get_ylabel() for ax in speedup_figure([run]).axes]
        ['speedup', 'lambda (%)']
    """
    rows = speedup_rows(cycle_maps, baseline)
    figure = Figure(figsize=(8, 3), layout="constrained")
    speed_axes, lambda_axes = figure.subplots(1, 2)
    labels = [f"{row['schedule']}\n{row['workers']} w" for row in rows]
    speed_axes.bar(labels, [row["speedup"] for row in rows], color="tab:green")
    speed_axes.axhline(1.0, color="0.3", lw=0.8, ls="--")
    speed_axes.set_ylabel("speedup")
    lambda_axes.bar(labels, [row["lambda %"] for row in rows], color="tab:red")
    workers = max((row["workers"] for row in rows), default=1)
    if workers > 1:
        lambda_axes.axhline((workers - 1) * 100.0, color="0.3", lw=0.8, ls="--")
        lambda_axes.annotate("(W-1)*100 %", (0, (workers - 1) * 100.0), fontsize="small", va="bottom")
    lambda_axes.set_ylabel("lambda (%)")
    for axes in (speed_axes, lambda_axes):
        axes.grid(axis="y", alpha=0.3)
    return figure



def crossover_figure(rows) -> Figure:
    r"""
    Speedup over one core against state-space size, one line per schedule and
    one panel per kernel, with the size from which each schedule pays marked
    (:func:`~sage_lfsr.crossover.crossover_sizes`).

    INPUT:

    - ``rows`` -- from :func:`~sage_lfsr.crossover.measure_crossover` (dicts
      with ``kernel``, ``schedule``, ``workers``, ``states``, ``speedup``, and
      ``series`` where runs of one schedule on fresh workers and on a warm pool
      are drawn as two lines)

    OUTPUT: a :class:`~matplotlib.figure.Figure`, one axes per kernel, the
    states on a logarithmic axis

    EXAMPLES::

        sage: from sage_lfsr.plot import crossover_figure
        sage: rows = [{"kernel": kernel, "schedule": schedule, "workers": 2, "states": 2**k, "speedup": k / 12}
        ....:         for kernel in ("fast", "sage") for schedule in ("queue", "steal") for k in (8, 12, 16)]
        sage: fig = crossover_figure(rows)
        sage: [axes.get_title() for axes in fig.axes]
        ['kernel "fast", W = 2', 'kernel "sage", W = 2']
        sage: [text.get_text() for text in fig.axes[0].get_legend().get_texts()]
        ['queue (pays from 2^16)', 'steal (pays from 2^16)']
    """
    from sage_lfsr.crossover import crossover_sizes, series_name, size_text

    parallel = [row for row in rows if row["schedule"] != "sequential"]
    kernels = list(dict.fromkeys(row["kernel"] for row in parallel))
    pays_from = crossover_sizes(parallel)
    figure = Figure(figsize=(5.2 * max(1, len(kernels)), 3.8), layout="constrained")
    axes_list = figure.subplots(1, max(1, len(kernels)), squeeze=False)[0]
    for axes, kernel in zip(axes_list, kernels):
        kernel_rows = [row for row in parallel if row["kernel"] == kernel]
        schedules = list(dict.fromkeys(row["schedule"] for row in kernel_rows))
        for series in dict.fromkeys(series_name(row) for row in kernel_rows):
            points = sorted((row["states"], row["speedup"]) for row in kernel_rows if series_name(row) == series)
            schedule = next(row["schedule"] for row in kernel_rows if series_name(row) == series)
            states = pays_from[(kernel, series)]
            label = f"{series} (pays from {size_text(states)})" if states else f"{series} (does not pay)"
            colour = _SERIES_COLOURS[schedules.index(schedule) % len(_SERIES_COLOURS)]
            style = "-" if series == schedule else "--"  # the same schedule on a warm pool: dashed
            axes.plot([p[0] for p in points], [p[1] for p in points], marker="o", color=colour, ls=style,
                      label=label)
            if states:
                axes.axvline(states, color=colour, lw=0.8, ls=":")
        axes.axhline(1.0, color="0.3", lw=0.8, ls="--")
        axes.set_xscale("log", base=2)
        axes.set_xlabel("states (q^d)")
        axes.set_ylabel("speedup over one core")
        workers = sorted({row["workers"] for row in kernel_rows})
        axes.set_title(f'kernel "{kernel}", W = {", ".join(map(str, workers))}', fontsize="medium")
        axes.grid(alpha=0.3)
        axes.legend(fontsize="small")
    return figure


# ---------------------------------------------------------------- sequences

def linear_complexity_figure(profiles, degree=None) -> Figure:
    r"""
    The linear complexity profile: the complexity after each term, with the
    line `n/2` a random sequence follows.

    INPUT:

    - ``profiles`` -- a list of complexities (from
      :func:`sage_lfsr.theory.sequences.linear_complexity_profile`), or a dict
      ``{label: profile}`` to draw several
    - ``degree`` -- optional: a horizontal line at a register's degree

    EXAMPLES::

        sage: from sage_lfsr.plot import linear_complexity_figure
        sage: from sage_lfsr.theory.sequences import linear_complexity_profile
        sage: figure = linear_complexity_figure({"x^4+x+1": linear_complexity_profile("000100110101111")}, degree=4)
        sage: [line.get_label() for line in figure.axes[0].get_lines()]
        ['x^4+x+1', 'n/2', 'degree 4']
    """
    labelled = profiles if isinstance(profiles, dict) else {"": profiles}
    figure = Figure(figsize=(6, 3.5), layout="constrained")
    axes = figure.add_subplot()
    longest = 1
    for (label, profile), colour in zip(labelled.items(), _SERIES_COLOURS * len(labelled)):
        profile = list(profile)
        longest = max(longest, len(profile))
        axes.step(range(1, len(profile) + 1), profile, where="post", color=colour, label=label or "complexity")
    axes.plot([0, longest], [0, longest / 2], color="grey", linestyle="--", label="n/2")
    if degree is not None:
        axes.axhline(degree, color=_CYCLE_COLOUR, linestyle=":", label=f"degree {degree}")
    axes.set_xlabel("terms n")
    axes.set_ylabel("linear complexity")
    axes.legend()
    return figure


def autocorrelation_figure(values) -> Figure:
    r"""
    The periodic autocorrelation `C(t)` against the shift `t` (from
    :func:`sage_lfsr.theory.statistics.periodic_autocorrelation`).

    EXAMPLES::

        sage: from sage_lfsr.plot import autocorrelation_figure
        sage: autocorrelation_figure([7, -1, -1, -1, -1, -1, -1]).axes[0].get_xlabel()
        'shift t'
    """
    values = [int(v) for v in values]
    figure = Figure(figsize=(6, 3), layout="constrained")
    axes = figure.add_subplot()
    axes.stem(range(len(values)), values, basefmt="grey")
    axes.axhline(0, color="grey", linewidth=0.5)
    axes.set_xlabel("shift t")
    axes.set_ylabel("C(t)")
    return figure


def run_counts_figure(runs) -> Figure:
    r"""
    Runs of ones and of zeros per run length, side by side (from
    :func:`sage_lfsr.theory.statistics.run_counts`).

    EXAMPLES::

        sage: from sage_lfsr.plot import run_counts_figure
        sage: figure = run_counts_figure({"ones": {1: 4, 2: 2}, "zeros": {1: 4, 3: 1}})
        sage: len(figure.axes[0].patches)
        6
    """
    lengths = sorted(set(runs.get("ones", {})) | set(runs.get("zeros", {})))
    figure = Figure(figsize=(6, 3), layout="constrained")
    axes = figure.add_subplot()
    width = 0.4
    for offset, key, colour in ((-width / 2, "ones", _CYCLE_COLOUR), (width / 2, "zeros", _TREE_COLOUR)):
        axes.bar([length + offset for length in lengths], [runs.get(key, {}).get(length, 0) for length in lengths],
                 width=width, color=colour, label=f"runs of {key}")
    axes.set_xticks(lengths)
    axes.set_xlabel("run length")
    axes.set_ylabel("runs")
    axes.legend()
    return figure
