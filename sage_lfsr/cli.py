r"""
The command line: ``sage -python -m sage_lfsr``, ``python -m sage_lfsr`` or ``sage-lfsr``.

Subcommands:

- ``map`` -- enumerate the state space of one register under a schedule, as JSON
  or CSV; ``--checkpoint FILE`` makes an interrupted run resumable;
- ``predict`` -- the cycle structure from the factorization alone (no enumeration);
- ``bench`` -- the schedules compared on one register: a CSV and two PNG plots;
- ``graph`` -- the state graph of a register of up to `2^{16}` states as Graphviz
  DOT or GraphML (:mod:`sage_lfsr.exports`);
- ``census`` -- map, walk or predict every register of a family (or of a file,
  one register a line), as CSV or JSON.

Exit codes: 0 done, 1 failure (a worker error, a damaged checkpoint), 2 bad
arguments (a one-line message, no traceback; ``--traceback`` shows it), 128 + the
signal's number after Ctrl-C (130), SIGTERM (143) or SIGHUP (129): one line; workers,
Manager and shared memory are cleaned up. ``--output`` is checked
before the run and written to a temporary file that replaces it whole, so a failed
write never leaves a truncated file (a symbolic link's target is replaced; a device
or a FIFO such as ``/dev/stdout`` is written through; a checkpoint must be a
regular file). A progress bar goes to standard error for runs longer than a second
unless ``--quiet``.

EXAMPLES::

    sage: import os
    sage: from sage_lfsr.cli import main
    sage: main(["predict", "--polynomial", "x^4 + x^3 + x^2", "--format", "csv"])
    quantity,key,value
    schema,version,sage_lfsr.cyclemap/1
    register,q,2
    register,coefficients,"0,0,1,1"
    register,polynomial,x^4 + x^3 + x^2
    summary,field_order,2
    summary,degree,4
    summary,state_count,16
    summary,transient_states,12
    summary,period,3
    summary,cycle_count,2
    cycle_count,1,1
    cycle_count,3,1
    tail_depth,0,4
    tail_depth,1,4
    tail_depth,2,8
    0
    sage: import json, tempfile
    sage: output = os.path.join(tempfile.mkdtemp(), "map.json")
    sage: main(["map", "--polynomial", "x^4 + x + 1", "--quiet", "--output", output])
    0
    sage: json.load(open(output))["cycle_counts"]
    {'1': 1, '15': 1}
    sage: main(["map", "--q", "6", "--coefficients", "1,1"])
    sage-lfsr: error: the field order q = 6 is not a prime power, so there is no field GF(6)
    2
"""
from __future__ import annotations

import argparse
import csv
import io
import os
import re
import signal
import sys
import threading
import time
import traceback
import warnings

from sage_lfsr.cli_arguments import positive_int, positive_int_list, refuse
from sage_lfsr.cli_complexity import add_complexity_command
from sage_lfsr.common.limits import TooLarge
from sage_lfsr.common.progress import ProgressBar

PROG = "sage-lfsr"
#: Seconds a preparation may take before the command line says what it is doing.
NOTICE_AFTER_SECONDS = 1.0
BENCH_SCHEDULES = ("sequential", "static", "queue", "steal", "hybrid")
BENCH_COLUMNS = ("schedule", "workers", "wall_seconds", "run_seconds", "speedup", "imbalance_percent",
                 "redundant_states", "redundant_percent", "states_traced", "tasks", "batch_size",
                 "matches_sequential")


class Terminated(BaseException):
    r"""
    SIGTERM or SIGHUP arrived: the run stops (workers, Manager and shared memory
    cleaned up). Like ``KeyboardInterrupt`` it is no ``Exception``, so code that
    waits and retries on ``except Exception`` (a lost Dask result) cannot swallow it.
    """

    def __init__(self, signum):
        self.signum = signum
        super().__init__(f"terminated by {signal.Signals(signum).name}")


def _raise_terminated(signum, frame):
    raise Terminated(signum)


def _handle_termination():
    r"""
    Turn SIGTERM and SIGHUP into :class:`Terminated`, so a run ends as after Ctrl-C:
    cleaned up, one line, a non-zero exit. Sage (cysignals) is loaded first, since
    loading it installs handlers that would make SIGHUP a silent exit 0.
    """
    import sage_lfsr.common.sagemath  # noqa: F401

    if threading.current_thread() is threading.main_thread():
        for signum in (signal.SIGTERM, signal.SIGHUP):
            signal.signal(signum, _raise_terminated)


class OneLineParser(argparse.ArgumentParser):
    r"""An argument parser whose errors are one line on standard error and exit code 2."""

    def error(self, message):
        refuse(message)


# ---------------------------------------------------------------- arguments

def parse_coefficients(text):
    r"""
    ``c_0, ..., c_{d-1}`` from ``"1,0,1"``: integers (the integer representations
    of field elements) or, in `GF(p^m)`, expressions in the generator ``z``.

    EXAMPLES::

        sage: from sage_lfsr.cli import parse_coefficients
        sage: parse_coefficients("1, 1,0,0")
        [1, 1, 0, 0]
        sage: parse_coefficients("1,z+1")
        [1, 'z+1']
        sage: parse_coefficients(" , ")
        Traceback (most recent call last):
        ...
        ArgumentTypeError: expected coefficients c0,c1,...,c(d-1), not ' , '
    """
    items = [item.strip() for item in text.split(",")]
    if not all(items):
        raise argparse.ArgumentTypeError(f"expected coefficients c0,c1,...,c(d-1), not {text!r}")
    return [int(item) if re.fullmatch(r"-?[0-9]+", item) else item for item in items]


def _add_register_arguments(parser, nonlinear=True):
    parser.add_argument("--q", type=positive_int, default=2, help="the field order, a prime power (default: 2)")
    which = parser.add_mutually_exclusive_group(required=True)
    which.add_argument("--coefficients", type=parse_coefficients, metavar="c0,c1,...",
                       help="feedback coefficients c_0..c_(d-1): x_(n+d) = sum c_i x_(n+i)")
    which.add_argument("--polynomial", metavar="POLY", help='the characteristic polynomial, e.g. "x^4+x+1"')
    which.add_argument("--matrix", metavar="ROWS", help='any square matrix, next state = state * M, '
                                                        'rows split by ";", e.g. "1,0;1,1"')
    parser.add_argument("--constant", default="0", metavar="B",
                        help="an affine (XNOR) register: x_(n+d) = sum c_i x_(n+i) + B (default: 0)")
    parser.add_argument("--form", default="fibonacci", help="fibonacci (default) or galois")
    # predict has no theory for nonlinear registers: it takes --anf only to refuse it with the reason, unlisted
    which.add_argument("--anf", metavar="TEXT", help='a nonlinear feedback in x0..x(d-1), e.g. "x0 + x1*x2 + 1", '
                       'or an index list "0,1,(1,2)"; needs --degree' if nonlinear else argparse.SUPPRESS)
    parser.add_argument("--degree", type=positive_int,
                        help="the degree d of an --anf register" if nonlinear else argparse.SUPPRESS)


def _add_run_arguments(parser):
    parser.add_argument("--kernel", default="fast", help="fast (compiled) or sage (reference)")
    parser.add_argument("--batch-size", type=positive_int, help="states per task (default: sized automatically)")
    parser.add_argument("--registry", help="shared (default) or manager")
    parser.add_argument("--split", action=argparse.BooleanOptionalAction, default=None,
                        help="trace long cycles in segments (default: when a cycle is longer than a task)")
    parser.add_argument("--scheduler-address", metavar="ADDRESS",
                        help="Dask scheduler for --schedule dask, e.g. tcp://host:8786 (default: a LocalCluster)")


def build_parser():
    r"""The argument parser of the command line."""
    from sage_lfsr import __version__

    parser = OneLineParser(prog=PROG, description="Map, predict and survey the state space of feedback shift "
                                                  "registers over GF(q): linear, affine, nonlinear, any matrix.")
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    parser.add_argument("--traceback", action="store_true", help="show the traceback of an error")
    commands = parser.add_subparsers(dest="command", required=True, metavar="{map,predict,bench,graph,census,debruijn}")
    _original_add_parser = commands.add_parser

    def add_parser(name, **options):  # --traceback is also taken after the subcommand
        subparser = _original_add_parser(name, **options)
        subparser.add_argument("--traceback", action="store_true", default=argparse.SUPPRESS,
                               help="show the traceback of an error")
        return subparser

    commands.add_parser = add_parser

    mapping = commands.add_parser("map", help="enumerate every cycle (and tree) of a register")
    _add_register_arguments(mapping)
    mapping.add_argument("--schedule", help="sequential, static, queue, steal, hybrid, dask or auto (default: "
                                            "sequential, or auto when --workers is given)")
    mapping.add_argument("--workers", type=positive_int, help="worker processes (default: every core for a parallel "
                                                              "schedule; for auto, the most it may use)")
    _add_run_arguments(mapping)
    mapping.add_argument("--format", choices=("json", "csv"), default="json")
    mapping.add_argument("--output", metavar="FILE", help="write here instead of standard output")
    mapping.add_argument("--checkpoint", metavar="FILE", help="record finished tasks; rerun to resume")
    mapping.add_argument("--quiet", action="store_true", help="no progress bar")
    mapping.set_defaults(run=command_map)

    predicting = commands.add_parser("predict", help="the cycle structure from the factorization")
    _add_register_arguments(predicting, nonlinear=False)
    predicting.add_argument("--format", choices=("json", "csv"), default="json")
    predicting.add_argument("--output", metavar="FILE", help="write here instead of standard output")
    predicting.set_defaults(run=command_predict)

    bench = commands.add_parser("bench", help="compare schedules on one register: a CSV and PNG plots")
    _add_register_arguments(bench)
    bench.add_argument("--schedules", "--schedule", dest="schedules", default=",".join(BENCH_SCHEDULES),
                       help=f"comma-separated (default: {','.join(BENCH_SCHEDULES)}); sequential always runs "
                            "(--schedule, as in map, is the same option)")
    bench.add_argument("--workers", type=positive_int_list, default=[1, 2], metavar="W1,W2,...",
                       help="worker counts (default: 1,2)")
    _add_run_arguments(bench)
    bench.add_argument("--repeat", type=positive_int, default=1, help="runs per point; the fastest counts")
    bench.add_argument("--output", metavar="FILE.csv", default="bench.csv",
                       help="the CSV; the plots go beside it as FILE_speedup.png and FILE_imbalance.png")
    bench.add_argument("--quiet", action="store_true", help="no progress bar")
    bench.set_defaults(run=command_bench)

    graph = commands.add_parser("graph", help="the state graph (up to 2^16 states) as DOT or GraphML")
    _add_register_arguments(graph)
    graph.add_argument("--format", choices=("dot", "graphml"), default="dot")
    graph.add_argument("--output", metavar="FILE", help="write here instead of standard output")
    graph.set_defaults(run=command_graph)
    add_census_command(commands)
    add_debruijn_command(commands)
    add_complexity_command(commands)
    return parser


def build_register(arguments):
    r"""
    The :class:`~sage_lfsr.registers.lfsr.LFSR` named by ``--q`` and ``--coefficients`` or ``--polynomial``.

    EXAMPLES::

        sage: from sage_lfsr.cli import build_parser, build_register
        sage: build_register(build_parser().parse_args(["predict", "--q", "3", "--coefficients", "2,1"]))
        LFSR of degree 2 over GF(3) with characteristic polynomial x^2 + 2*x + 1
        sage: build_register(build_parser().parse_args(["predict", "--q", "4", "--polynomial", "x^2+z*x+1"]))
        LFSR of degree 2 over GF(4) with characteristic polynomial x^2 + z*x + 1
        sage: build_register(build_parser().parse_args(["predict", "--coefficients", "1,1", "--constant", "1",
        ....:                                           "--form", "galois"]))
        LFSR of degree 2 over GF(2) with characteristic polynomial x^2 + x + 1, constant 1, Galois form
        sage: build_register(build_parser().parse_args(["map", "--q", "3", "--matrix", "1,1;0,1"]))
        MatrixRegister of degree 2 over GF(3), invertible
    """
    from sage_lfsr.registers.lfsr import LFSR

    if getattr(arguments, "anf", None) is not None:
        return build_fsr(arguments)
    constant = int(arguments.constant) if re.fullmatch(r"[0-9]+", arguments.constant) else arguments.constant
    if arguments.matrix is not None:
        from sage_lfsr.registers.matrix import MatrixRegister

        if constant != 0 or arguments.form != "fibonacci":
            refuse("--constant and --form describe an LFSR: give --coefficients or --polynomial")
        return MatrixRegister.from_text(arguments.matrix, arguments.q)
    if arguments.polynomial is not None:
        return LFSR.from_polynomial(arguments.polynomial, q=arguments.q, constant=constant, form=arguments.form)
    return LFSR(arguments.coefficients, q=arguments.q, constant=constant, form=arguments.form)


def build_fsr(arguments):
    r"""
    The :class:`~sage_lfsr.registers.fsr.FSR` named by ``--anf``, ``--degree`` and ``--q``.

    EXAMPLES::

        sage: from sage_lfsr.cli import build_parser, build_register
        sage: build_register(build_parser().parse_args(["map", "--anf", "0,1,(1,2)", "--degree", "3"]))
        FSR of degree 3 over GF(2) with feedback x0 + x1 + x1*x2
        sage: build_register(build_parser().parse_args(["map", "--anf", "x0"]))
        Traceback (most recent call last):
        ...
        UsageError: --anf needs --degree, the number of variables x0..x(d-1)
    """
    from sage_lfsr.registers.fsr import FSR

    if arguments.degree is None:
        refuse("--anf needs --degree, the number of variables x0..x(d-1)")
    if arguments.constant != "0" or arguments.form != "fibonacci":
        refuse("--constant and --form describe an LFSR: an --anf feedback holds its own constant term")
    return FSR(arguments.anf, arguments.degree, q=arguments.q)


# ---------------------------------------------------------------- output

def _check_paths(arguments):
    r"""Before any work: the files the command will write can be written."""
    from sage_lfsr.common.files import check_regular, check_writable, same_file, short_path

    if getattr(arguments, "output", None) is not None:
        check_writable(arguments.output)
    if getattr(arguments, "checkpoint", None) is not None:
        check_regular(arguments.checkpoint)
        check_writable(arguments.checkpoint, "checkpoint file")
        if getattr(arguments, "output", None) is not None and same_file(arguments.output, arguments.checkpoint):
            refuse(f"--output and --checkpoint name the same file {short_path(arguments.output)}: the result would "
                   "replace the checkpoint; give two files")


def _write(text, path):
    from sage_lfsr.common.files import write_atomically

    if path is None:
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    try:
        write_atomically(path, text)
    except OSError as error:
        raise OSError(error.errno, f"cannot write {path}: {error.strerror} (the previous file, if any, "
                                   "is left as it was)") from None


# ---------------------------------------------------------------- commands

def command_map(arguments):
    r"""``map``: the full map of one register."""
    from sage_lfsr.engine.checkpoint import CheckpointWarning
    from sage_lfsr.engine.mapper import run
    from sage_lfsr.engine.planning import plan

    _check_paths(arguments)
    register = build_register(arguments)
    with NoticeWhenSlow("preparing the run: compiling the kernels this register needs (the first time only: "
                          "numba keeps them on disk; scripts/setup.sh compiles them at install)", arguments.quiet):
        decided = plan(register, schedule=arguments.schedule, workers=arguments.workers,
                       checkpoint=arguments.checkpoint, **_run_options(arguments))
    if arguments.schedule is None and arguments.workers is not None and not arguments.quiet:
        print(f"{PROG}: note: schedule {decided.reasons['schedule']}", file=sys.stderr)
    with ProgressBar(arguments.quiet) as progress, warnings.catch_warnings():
        warnings.simplefilter("ignore", CheckpointWarning)  # reported below, one line each
        result = run(decided, progress=progress)
    ignored_snapshot = [result.choices["memory_snapshot"]] if str(result.choices.get("memory_snapshot", "")).startswith(
        "ignored") else []
    for line in result.choices.get("checkpoint_dropped", []) + ignored_snapshot:
        print(f"{PROG}: note: {line}", file=sys.stderr)
    _write(_exported(result, register, arguments.format), arguments.output)
    return 0


def _exported(structure, register, output_format):
    r"""The documented JSON or CSV of a map or a prediction (``docs/exports.md``; one code path with the API)."""
    from sage_lfsr import exports

    if output_format == "json":
        return exports.cycle_map_json(structure, register)
    return exports.cycle_map_csv(structure, register)


class NoticeWhenSlow:
    r"""
    A one-line notice on standard error when a step takes longer than
    :data:`NOTICE_AFTER_SECONDS`, and how long it took once done (unless ``quiet``).
    """

    def __init__(self, message, quiet=False):
        self.message, self.quiet, self.shown = message, quiet, False

    def _show(self):
        self.shown = True
        print(f"{PROG}: {self.message} ...", file=sys.stderr, flush=True)

    def __enter__(self):
        self.started = time.monotonic()
        self.timer = threading.Timer(NOTICE_AFTER_SECONDS, self._show)
        self.timer.daemon = True
        if not self.quiet:
            self.timer.start()
        return self

    def __exit__(self, *exc_info):
        self.timer.cancel()
        if self.shown and exc_info[0] is None:
            print(f"{PROG}: ready after {time.monotonic() - self.started:.1f} s", file=sys.stderr, flush=True)
        return False


def _run_options(arguments) -> dict:
    return {"batch_size": arguments.batch_size, "kernel": arguments.kernel, "registry": arguments.registry,
            "split": arguments.split, "scheduler_address": arguments.scheduler_address}


def command_predict(arguments):
    r"""``predict``: the cycle structure from theory."""
    from sage_lfsr.theory.prediction import predict_cycles

    _check_paths(arguments)
    register = build_register(arguments)
    if hasattr(register, "anf"):
        refuse("nonlinear registers have no prediction: theory covers linear registers only; "
               "map it with the map command")
    _write(_exported(predict_cycles(register), register, arguments.format), arguments.output)
    return 0


def command_bench(arguments):
    r"""``bench``: every (schedule, workers) on one register, to a CSV and two PNG plots."""
    from sage_lfsr.engine.figures import best_of
    from sage_lfsr.engine.mapper import run
    from sage_lfsr.engine.planning import plan

    os.makedirs(os.path.dirname(os.path.abspath(arguments.output)), exist_ok=True)
    _check_paths(arguments)
    register = build_register(arguments)
    schedules = ["sequential"] + [name.strip() for name in arguments.schedules.split(",")
                                  if name.strip() and name.strip() != "sequential"]
    points = [("sequential", 1)] + [(name, workers) for name in schedules[1:] for workers in arguments.workers]
    plans = [plan(register, schedule=schedule, workers=workers, **_run_options(arguments))
             for schedule, workers in points]  # every argument checked before the first run
    run(plans[0])  # untimed: warms caches
    rows, reference = [], None
    with ProgressBar(arguments.quiet, unit="runs", total=len(points) * arguments.repeat) as progress:
        for decided in plans:
            def once(decided=decided):
                result = run(decided)
                progress(progress.bar.n + 1, progress.bar.total)
                return result

            elapsed, result = best_of(arguments.repeat, once)
            reference = reference or (elapsed, result)
            rows.append(bench_row(elapsed, result, reference))
    note = slow_parallel_note(rows, register.state_count)
    pictures = write_bench(rows, arguments.output, note)
    if not arguments.quiet:
        print(f"{PROG}: wrote {os.path.abspath(arguments.output)} ({len(rows)} runs) and the plots "
              f"{', '.join(os.path.abspath(path) for path in pictures)}", file=sys.stderr)
        if note:
            print(f"{PROG}: note: {note}", file=sys.stderr)
    mismatched = [f"{row['schedule']}/{row['workers']}" for row in rows if not row["matches_sequential"]]
    if mismatched:
        raise RuntimeError(f"these runs disagree with the sequential map: {', '.join(mismatched)}")
    return 0


def command_graph(arguments):
    r"""
    ``graph``: the state graph as DOT or GraphML.

    EXAMPLES::

        sage: from sage_lfsr.cli import main
        sage: main(["graph", "--polynomial", "x^2 + x + 1"])
        digraph "LFSR of degree 2 over GF(2) with characteristic polynomial x^2 + x + 1" {
        ...
          3 -> 1;
        }
        0
    """
    from sage_lfsr import exports

    _check_paths(arguments)
    register = build_register(arguments)
    if arguments.format == "dot":
        _write(exports.to_dot(register), arguments.output)
    else:
        buffer = io.BytesIO()
        exports.write_graphml(register, buffer)
        _write(buffer.getvalue().decode("utf-8"), arguments.output)
    return 0


def bench_row(elapsed, result, reference) -> dict:
    r"""One CSV row: :func:`~sage_lfsr.engine.figures.run_row` over the sequential ``reference``, and agreement with it."""
    from sage_lfsr.engine.figures import run_row

    reference_seconds, reference_map = reference
    row = run_row(result, elapsed, reference_seconds)
    row.update({key: round(row[key], digits) for key, digits in
                (("wall_seconds", 6), ("speedup", 4), ("imbalance_percent", 2), ("redundant_percent", 2))})
    row["run_seconds"] = round(result.wall_seconds, 6)
    row["matches_sequential"] = (result.cycles == reference_map.cycles
                                 and result.structure() == reference_map.structure())
    return row


#: From about this many states a parallel map pays for starting its workers (README, Performance).
PARALLEL_PAYS_FROM = 1 << 26


def slow_parallel_note(rows, state_count):
    r"""
    Why every parallel run of a bench is slower than the sequential one, when it is
    (``None`` otherwise): the register is too small to pay for starting workers.

    EXAMPLES::

        sage: from sage_lfsr.cli import slow_parallel_note
        sage: rows = [{"schedule": "sequential", "workers": 1, "speedup": 1.0, "wall_seconds": 0.002},
        ....:         {"schedule": "queue", "workers": 2, "speedup": 0.1, "wall_seconds": 0.02}]
        sage: note = slow_parallel_note(rows, 4096)
        sage: note.startswith("every parallel run is slower than the sequential one (speedup below 1): "
        ....:                 "4096 states take 0.002 s on one core, less than starting workers costs")
        True
        sage: slow_parallel_note(rows[:1] + [dict(rows[1], speedup=1.6)], 1 << 28) is None
        True
    """
    parallel = [row for row in rows if row["schedule"] != "sequential" and row["workers"] > 1]
    if not parallel or any(row["speedup"] >= 1 for row in parallel):
        return None
    sequential = next((row for row in rows if row["schedule"] == "sequential"), None)
    took = f" take {float(sequential['wall_seconds']):.3g} s on one core," if sequential else ""
    size = f"2^{state_count.bit_length() - 1}" if state_count & (state_count - 1) == 0 and state_count > 4096 \
        else str(state_count)
    small = (f"{size} states{took} less than starting workers costs" if state_count < PARALLEL_PAYS_FROM
             else f"{size} states")
    return (f"every parallel run is slower than the sequential one (speedup below 1): {small}; parallel maps pay "
            f"from about 2^{PARALLEL_PAYS_FROM.bit_length() - 1} states (sage_lfsr.crossover measures it on this "
            "machine)")


def write_bench(rows, csv_path, note=None):
    r"""
    Write ``rows`` to ``csv_path`` and the speedup and imbalance plots beside it; return the plot paths.
    ``note`` (:func:`slow_parallel_note`) is written under the speedup plot.
    """
    os.makedirs(os.path.dirname(os.path.abspath(csv_path)), exist_ok=True)
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=BENCH_COLUMNS, lineterminator="\n", extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    _write(buffer.getvalue(), csv_path)
    stem = csv_path[:-4] if csv_path.endswith(".csv") else csv_path
    paths = []
    for column, label, suffix in (("speedup", "speedup over sequential", "speedup"),
                                  ("imbalance_percent", "load imbalance lambda (%)", "imbalance")):
        path = f"{stem}_{suffix}.png"
        figure = bench_figure(rows, column, label)
        if column == "speedup" and note:
            import textwrap

            figure.suptitle("\n".join(textwrap.wrap(note, 90)), fontsize=7)
            figure.axes[0].axhline(1, color="grey", linewidth=0.8, linestyle="--")
        figure.savefig(path, dpi=100)
        paths.append(path)
    return paths


def bench_figure(rows, column, label):
    r"""
    A :class:`matplotlib.figure.Figure` of ``column`` against workers, a line per schedule.

    EXAMPLES::

        sage: from sage_lfsr.cli import bench_figure
        sage: rows = [{"schedule": "steal", "workers": 1, "speedup": 0.9}, {"schedule": "steal", "workers": 2, "speedup": 1.7}]
        sage: figure = bench_figure(rows, "speedup", "speedup")
        sage: [line.get_label() for line in figure.axes[0].get_lines()]
        ['steal']
    """
    from matplotlib.figure import Figure

    figure = Figure(figsize=(6, 4), layout="constrained")
    axes = figure.add_subplot()
    for schedule in dict.fromkeys(row["schedule"] for row in rows):
        points = sorted((row["workers"], row[column]) for row in rows if row["schedule"] == schedule)
        axes.plot([w for w, _ in points], [v for _, v in points], marker="o", label=schedule)
    axes.set_xlabel("workers")
    axes.set_ylabel(label)
    axes.set_xticks(sorted({row["workers"] for row in rows}))
    axes.legend()
    return figure


# ---------------------------------------------------------------- census

#: Registers of a census whose kinds are compiled before the notice ends (families have one kind).
CENSUS_SAMPLE = 4096
CENSUS_FAMILIES = ("lfsrs", "primitive", "feedback-functions", "template")


def add_census_command(commands):
    r"""The ``census`` subcommand's arguments (:func:`command_census` runs it)."""
    from sage_lfsr.census.job import MODES

    census = commands.add_parser("census", help="map, walk or predict every register of a family")
    source = census.add_mutually_exclusive_group(required=True)
    source.add_argument("--family", choices=CENSUS_FAMILIES, type=lambda name: name.replace("_", "-"),
                        help="a family generated for --degree (and --q); feedback_functions as in the API also works")
    source.add_argument("--from", dest="from_file", metavar="FILE",
                        help='registers, one a line: "lfsr q=3 c=1,0,2", "fsr d=4 f=x0+x1*x2", "matrix d=2 rows=01,11", '
                             '"fsr q=3 d=2 f=x0+2*x1^2" ("#" comments)')
    source.add_argument("--nlfsr-form", "--form", dest="form", metavar="K1,K2[,K3]",
                        help='a maximum-period search over a published NLFSR form: "3,1" is x0 + xa + xb + xc*xd, '
                             '"2,2", "5,1", "3,0,1" (with --degree; a period walk, so --mode period is implied; '
                             'sage_lfsr.census.forms). Not the Fibonacci/Galois --form of map; --form still works here')
    census.add_argument("--linear-complexity", action="store_true",
                        help="--form: add the linear complexity of one period of each register's output")
    census.add_argument("template_text", nargs="?", metavar="TEMPLATE",
                        help='for --family template, e.g. "x0 + x{a} + x{b}*x{c}" (or --template)')
    census.add_argument("--template", help="the template of --family template")
    census.add_argument("--degree", type=positive_int, help="the degree of the family's registers")
    census.add_argument("--q", type=positive_int, default=2, help="the field order of --family lfsrs and primitive")
    census.add_argument("--singular", action="store_true", help="--family lfsrs: also registers with c_0 = 0")
    census.add_argument("--mode", choices=MODES, help="map (default), period or predict (--nlfsr-form: period)")
    census.add_argument("--start", type=int, default=1, help="the start state index of --mode period (default: 1)")
    census.add_argument("--schedule", help="threads (default where no register needs Sage), queue (default "
                                            "otherwise), sequential, static, steal, hybrid, dask; "
                                            "--form: threads (default), processes, sequential, dask")
    census.add_argument("--workers", type=positive_int, help="worker processes (default: every core)")
    census.add_argument("--device", choices=("cpu", "cuda"),
                        help="--form: walk on the CPU (default) or on an NVIDIA GPU (one walker; pip extra gpu)")
    census.add_argument("--batch-size", type=positive_int, help="registers per task (default: sized automatically)")
    census.add_argument("--no-theory", action="store_true", help="--mode map: skip the theory check of LFSRs")
    census.add_argument("--scheduler-address", metavar="ADDRESS", help="Dask scheduler for --schedule dask")
    census.add_argument("--format", choices=("csv", "json"), default="csv")
    census.add_argument("--output", metavar="FILE", help="write here instead of standard output")
    census.add_argument("--checkpoint", metavar="FILE", help="record finished tasks; rerun to resume")
    census.add_argument("--quiet", action="store_true", help="no progress bar")
    census.set_defaults(run=command_census)


def census_registers(arguments):
    r"""
    The registers ``census`` runs over: a family, or the lines of ``--from FILE``
    (blank lines and ``#`` comments skipped; a bad line is reported by number).

    EXAMPLES::

        sage: from sage_lfsr.cli import build_parser, census_registers
        sage: arguments = build_parser().parse_args(["census", "--family", "template", "x0 + x{a}*x{b}", "--degree", "4"])
        sage: [spec.text for spec in census_registers(arguments)]
        ['fsr d=4 f=x0+x1*x2', 'fsr d=4 f=x0+x1*x3', 'fsr d=4 f=x0+x2*x3']
    """
    from sage_lfsr.census import families, parse_register

    if arguments.from_file is not None:
        registers = []
        with open(arguments.from_file, encoding="utf-8") as stream:
            for number, line in enumerate(stream, start=1):
                if line.strip() and not line.lstrip().startswith("#"):
                    try:
                        registers.append(parse_register(line.strip()))
                    except ValueError as error:
                        refuse(f"{arguments.from_file}, line {number}: {_first_line(error)}")
        return registers
    template = arguments.template or arguments.template_text
    if arguments.family != "template" and template is not None:
        refuse("a template goes with --family template")
    if arguments.degree is None:
        refuse(f"--family {arguments.family} needs --degree")
    if arguments.family == "lfsrs":
        return families.lfsrs(arguments.degree, q=arguments.q, nonsingular=not arguments.singular)
    if arguments.family == "primitive":
        return families.primitive(arguments.degree, q=arguments.q)
    if arguments.q != 2:
        refuse(f"--family {arguments.family} is binary: leave out --q")
    if arguments.family == "feedback-functions":
        return families.feedback_functions(arguments.degree)
    if template is None:
        refuse('--family template needs the template, e.g. "x0 + x{a} + x{b}*x{c}"')
    return list(families.template(template, arguments.degree))


def command_census(arguments):
    r"""``census``: a table of one row per register."""
    from sage_lfsr.census import census

    from sage_lfsr.engine.checkpoint import CheckpointWarning

    from sage_lfsr.census.census import compile_kernels

    _check_paths(arguments)
    if arguments.form is not None:
        return command_form_search(arguments)
    arguments.mode = arguments.mode or "map"
    if arguments.linear_complexity:
        refuse("--linear-complexity goes with --form (a search's registers): leave it out")
    if arguments.device is not None:
        refuse("--device goes with --form (a search's registers): leave it out")
    registers = census_registers(arguments)
    if not hasattr(registers, "tasks"):  # a family that is a generator; one known by index stays as it is
        registers = list(registers)
    with NoticeWhenSlow("preparing the census: compiling its batch kernels (the first time only: numba keeps "
                          "them on disk; scripts/setup.sh compiles them at install)", arguments.quiet):
        sample = [registers[i] for i in range(min(len(registers), CENSUS_SAMPLE))]
        compile_kernels((sample, arguments.mode))  # census() compiles any other kind
    with ProgressBar(arguments.quiet, unit="registers") as progress, warnings.catch_warnings(record=True) as notes:
        warnings.simplefilter("always", CheckpointWarning)
        result = census(registers, mode=arguments.mode, schedule=arguments.schedule, workers=arguments.workers,
                        checkpoint=arguments.checkpoint, progress=progress, start=arguments.start,
                        batch_size=arguments.batch_size, check_theory=not arguments.no_theory,
                        scheduler_address=arguments.scheduler_address)
    for note in notes:  # a dropped checkpoint record, as map reports it: one line each
        if issubclass(note.category, CheckpointWarning):
            print(f"{PROG}: note: {_first_line(note.message)}", file=sys.stderr)
        else:
            warnings.showwarning(note.message, note.category, note.filename, note.lineno)
    _write(result.to_csv() if arguments.format == "csv" else result.to_json(indent=1) + "\n", arguments.output)
    return 0


# ---------------------------------------------------------------- de Bruijn sequences

def add_debruijn_command(commands):
    r"""The ``debruijn`` subcommand's arguments (:func:`command_debruijn` runs it)."""
    from sage_lfsr.debruijn.successors import RULES

    debruijn = commands.add_parser("debruijn", help="join a register's cycles into one, or stream a de Bruijn "
                                                    "sequence by a successor rule", conflict_handler="resolve")
    _add_register_arguments(debruijn)
    debruijn._mutually_exclusive_groups[-1].required = False  # --rule needs no register
    debruijn.add_argument("--count", action="store_true", help="the number of ways to join the cycles into one")
    debruijn.add_argument("--exact", action="store_true", help="with --count: every digit of the number (default: "
                                                               "above 50 digits, its scientific form and digit count)")
    debruijn.add_argument("--tree-seed", type=int, metavar="S", help="join the cycles on a random spanning tree "
                                                                     "drawn from seed S")
    debruijn.add_argument("--anf", nargs="?", const=True, metavar="TEXT",  # bare --anf: refused with the new spelling
                          help='a nonlinear feedback in x0..x(d-1) to join, as for map (needs --degree)')
    debruijn.add_argument("--format", choices=["table", "anf"], help="with --tree-seed: print the joined feedback "
                          "as a truth table (default) or as ANF")
    debruijn.add_argument("--zero-apart", action="store_true", help="keep the zero state a cycle of its own")
    debruijn.add_argument("--schedule", help="the schedule of the map (default: sequential)")
    debruijn.add_argument("--workers", type=positive_int, help="worker processes of the map")
    debruijn.add_argument("--rule", choices=list(RULES), help="stream a de Bruijn sequence by the successor rule "
                          "that joins the pure (pcr) or complemented (ccr) cycling register, or the pure (psr) or "
                          "complemented (csr) summing register")
    debruijn.add_argument("--order", type=positive_int, help="the order n of --rule (up to 64)")
    debruijn.add_argument("--bits", type=int, metavar="N", help="how many bits --rule writes (default: 2^n up to 2^20)")
    debruijn.add_argument("--output", metavar="FILE", help="write here instead of standard output")
    debruijn.set_defaults(run=command_debruijn)


#: Most bits ``debruijn --rule`` writes (a byte each; a file's text is held whole before its atomic rename).
MAX_DEBRUIJN_TEXT_BITS = 1 << 30
#: Bits ``debruijn --rule`` makes and writes to standard output at a time.
DEBRUIJN_CHUNK_BITS = 1 << 22
#: Digits of a joining count printed as they are; above, its scientific form (``--exact``: all of them).
MAX_PLAIN_DIGITS = 50


def _readable_count(number, exact):
    r"""
    The decimal text of ``number``, shortened above :data:`MAX_PLAIN_DIGITS` digits
    unless ``exact``.

    EXAMPLES::

        sage: from sage_lfsr.cli import _readable_count
        sage: _readable_count(576, False), _readable_count(3 ** 200, False)
        ('576', '2.656139888e95 (96 digits; --exact prints them all)')
    """
    from sage_lfsr.common.sagemath import Integer  # its decimal text has no length limit, unlike int's

    digits = str(Integer(number))
    if exact or len(digits) <= MAX_PLAIN_DIGITS:
        return digits
    return f"{digits[0]}.{digits[1:10]}e{len(digits) - 1} ({len(digits):,} digits; --exact prints them all)"


def _debruijn_stream(arguments):
    r"""
    ``debruijn --rule``: the bits in chunks of :data:`DEBRUIJN_CHUNK_BITS`, to standard
    output as they come (bounded memory), or into one buffer of the file's size
    (the file is replaced whole, through a temporary file and a rename).
    """
    import numpy as np

    from sage_lfsr.debruijn import de_bruijn_bits

    count = arguments.bits if arguments.bits is not None else 1 << min(arguments.order, 20)
    if not 0 <= count <= MAX_DEBRUIJN_TEXT_BITS:
        refuse(f"--bits is 0 to {MAX_DEBRUIJN_TEXT_BITS} (2^30), not {count}")
    de_bruijn_bits(arguments.rule, arguments.order, 0)  # the order checked before any output
    text = None if arguments.output is None else np.empty(count + 1, dtype=np.uint8)
    state, done = 0, 0
    while done < count:
        bits, state = de_bruijn_bits(arguments.rule, arguments.order, min(count - done, DEBRUIJN_CHUNK_BITS), state)
        bits += 48  # ASCII digits, in place
        if text is None:
            sys.stdout.write(bits.tobytes().decode("ascii"))
        else:
            text[done:done + len(bits)] = bits
        done += len(bits)
    if text is None:
        _write("\n", None)
    else:
        text[count] = 10
        _write(memoryview(text), arguments.output)
    return 0


def command_debruijn(arguments):
    r"""
    ``debruijn``: count the joinings of a register's cycles (``--count``), join
    them on a random tree (``--tree-seed``), or stream a rule's bits (``--rule``).

    EXAMPLES::

        sage: from sage_lfsr.cli import main
        sage: main(["debruijn", "--polynomial", "x^5+1", "--count"])
        cycles: 8
        conjugate pairs across cycles: 16
        joinings: 576
        0
        sage: main(["debruijn", "--polynomial", "x^3+1", "--tree-seed", "1", "--format", "anf"])
        x0 + x1 + x1*x2 + 1
        0
        sage: main(["debruijn", "--rule", "pcr", "--order", "3"])
        11101000
        0
        sage: main(["debruijn", "--rule", "csr", "--order", "3"])
        10111000
        0
        sage: main(["debruijn", "--rule", "pcr", "--order", "65", "--bits", "8"])
        sage-lfsr: error: the successor rules stream orders 1 to 64, not 65
        2
        sage: main(["debruijn", "--rule", "pcr", "--order", "8", "--workers", "2", "--zero-apart"])
        sage-lfsr: error: --rule streams bits by itself: leave out --zero-apart, --workers
        2
        sage: main(["debruijn", "--polynomial", "x^23+1", "--count", "--tree-seed", "1"])
        sage-lfsr: error: a joined register is a truth table of up to 4194304 (2^22) states; the register has 8388608 (its cycles are counted up to 2^24)
        2
    """
    from sage_lfsr.debruijn import count_joinings, join_cycles
    from sage_lfsr.debruijn.adjacency import pairs_of
    from sage_lfsr.debruijn.cycles import cycle_labels
    from sage_lfsr.debruijn.joining import check_join_size

    _check_paths(arguments)
    if arguments.anf is True:
        refuse("--anf gives a nonlinear register to join (--anf TEXT --degree d); to print the joined feedback "
               "as ANF, use --format anf")
    register_options = {"--coefficients": arguments.coefficients, "--polynomial": arguments.polynomial,
                        "--matrix": arguments.matrix, "--anf": arguments.anf, "--degree": arguments.degree,
                        "--q": None if arguments.q == 2 else arguments.q,
                        "--constant": None if arguments.constant == "0" else arguments.constant,
                        "--form": None if arguments.form == "fibonacci" else arguments.form}
    joining_options = {"--count": arguments.count or None, "--exact": arguments.exact or None,
                       "--tree-seed": arguments.tree_seed, "--format": arguments.format,
                       "--zero-apart": arguments.zero_apart or None, "--schedule": arguments.schedule,
                       "--workers": arguments.workers}
    if arguments.rule is not None:
        given = [name for name, value in {**register_options, **joining_options}.items() if value is not None]
        if given:
            refuse(f"--rule streams bits by itself: leave out {', '.join(given)}")
        if arguments.order is None:
            refuse("--rule needs --order")
        return _debruijn_stream(arguments)
    for name, value in (("--order", arguments.order), ("--bits", arguments.bits)):
        if value is not None:
            refuse(f"{name} is for --rule (a successor rule's order and length)")
    registers = [name for name in ("--coefficients", "--polynomial", "--matrix", "--anf")
                 if register_options[name] is not None]
    if len(registers) != 1:
        refuse("give a register (--polynomial, --coefficients, --matrix or --anf) or --rule" if not registers else
               f"give one register, not {' and '.join(registers)}")
    if not arguments.count and arguments.tree_seed is None:
        refuse("say what to do: --count, --tree-seed S, or --rule")
    if arguments.exact and not arguments.count:
        refuse("--exact is for --count (every digit of the number of joinings)")
    if arguments.format is not None and arguments.tree_seed is None:
        refuse("--format is for --tree-seed (how the joined feedback is printed)")
    register = build_register(arguments)
    if arguments.tree_seed is not None:
        check_join_size(register)  # before the count, which takes larger registers
    options = {"schedule": arguments.schedule or "sequential", "workers": arguments.workers}
    lines = []
    if arguments.count:
        labels = cycle_labels(register, **options)
        count = count_joinings(register, zero_apart=arguments.zero_apart, **options)
        lines += [f"cycles: {labels.cycle_count}", f"conjugate pairs across cycles: {len(pairs_of(labels).states)}",
                  "joinings: " + _readable_count(count, arguments.exact)]
    if arguments.tree_seed is not None:
        joined = join_cycles(register, seed=arguments.tree_seed, zero_apart=arguments.zero_apart, **options)
        lines.append(joined.anf() if arguments.format == "anf" else "".join(map(str, joined.truth_table().tolist())))
    _write("\n".join(lines) + "\n", arguments.output)
    return 0


def command_form_search(arguments):
    r"""``census --form``: the maximum-period registers of a form, a summary line on standard error."""
    from sage_lfsr.census.forms import Form
    from sage_lfsr.census.search import check_output_period, check_search, estimated_steps_per_candidate, search
    from sage_lfsr.engine.checkpoint import CheckpointWarning

    if arguments.mode not in (None, "period"):
        raise ValueError(f"--nlfsr-form searches walk periods: --mode {arguments.mode} does not apply (leave --mode "
                         "out, or give --mode period)")
    if arguments.degree is None:
        raise ValueError("--nlfsr-form needs --degree")
    if arguments.schedule not in (None, "sequential", "threads", "processes", "dask"):
        raise ValueError("--form runs on --schedule threads (default), processes, sequential or dask")
    _refuse_options_of_families(arguments)
    form = Form(arguments.form, arguments.degree)
    if arguments.linear_complexity:
        check_output_period(form.degree)
    device = arguments.device or "cpu"
    workers = arguments.workers or (1 if arguments.schedule == "sequential" or device == "cuda"
                                    else _default_census_workers())
    workers, schedule = check_search(form, workers, arguments.schedule, scheduler_address=arguments.scheduler_address)
    if not arguments.quiet:
        print(f"{PROG}: form {form.name} degree {form.degree}: {len(form)} candidates ({form.size} before the "
              f"reciprocal reduction), about {estimated_steps_per_candidate(form.degree) * len(form):.2g} steps",
              file=sys.stderr, flush=True)
    with ProgressBar(arguments.quiet, unit="candidates", total=form.size) as progress, \
            warnings.catch_warnings(record=True) as notes:
        warnings.simplefilter("always", CheckpointWarning)
        result = search(form, arguments.degree, workers=workers, checkpoint=arguments.checkpoint, progress=progress,
                        schedule=schedule, scheduler_address=arguments.scheduler_address, device=device)
    for note in notes:  # a dropped checkpoint record: one line each
        print(f"{PROG}: note: {_first_line(note.message)}", file=sys.stderr)
    summary = result.summary()
    print(f"{PROG}: form {summary['form']} degree {summary['degree']}: {summary['candidates']} candidates "
          f"({summary['indices']} before the reciprocal reduction), {summary['walked']} walked, "
          f"{summary['screened']} screened out, {summary['maximum_period']} of maximum period "
          f"({summary['maximum_period_members']} with reciprocals"
          + ("" if summary["published_count"] is None else f"; published lists: {summary['published_count']}")
          + f"), {summary['seconds']:.1f} s", file=sys.stderr)
    document = (result.to_csv(arguments.linear_complexity) if arguments.format == "csv"
                else result.to_json(arguments.linear_complexity, indent=1) + "\n")
    _write(document, arguments.output)
    return 0


#: Census options that choose or shape a family (argparse dest, option, default): a --form search has its own.
_FAMILY_OPTIONS = (("q", "--q", 2), ("start", "--start", 1), ("batch_size", "--batch-size", None),
                   ("singular", "--singular", False), ("no_theory", "--no-theory", False),
                   ("template", "--template", None), ("template_text", "TEMPLATE", None))


def _refuse_options_of_families(arguments):
    r"""
    Refuse, in one line, census options a ``--form`` search does not take (they would be ignored).

    EXAMPLES::

        sage: from sage_lfsr.cli import main
        sage: main(["census", "--form", "3,1", "--degree", "6", "--mode", "period", "--q", "3", "--quiet"])
        sage-lfsr: error: --q does not apply to a --form search (binary registers walked from state 1, in tasks it sizes itself): leave it out
        2
    """
    given = [option for dest, option, default in _FAMILY_OPTIONS if getattr(arguments, dest, default) != default]
    if given:
        refuse(f"{', '.join(given)} {'does' if len(given) == 1 else 'do'} not apply to a --form search (binary "
               "registers walked from state 1, in tasks it sizes itself): leave "
               f"{'it' if len(given) == 1 else 'them'} out")


def _default_census_workers():
    import os

    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


# ---------------------------------------------------------------- entry point

def _first_line(error):
    text = str(error).strip() or type(error).__name__
    return text.splitlines()[0]


def _stopped(stop, arguments):
    if "distributed" in sys.modules:  # the run is over: a Dask cluster's late shutdown records must not follow the line
        import logging

        for name in ("distributed", "tornado", "asyncio"):
            logging.getLogger(name).setLevel(logging.CRITICAL + 1)
    resume = getattr(arguments, "checkpoint", None)
    hint = f": rerun with --checkpoint {resume} to resume" if resume else ""
    what = "interrupted" if isinstance(stop, KeyboardInterrupt) else str(stop)
    print(f"{PROG}: {what}{hint}", file=sys.stderr)
    return 128 + (stop.signum if isinstance(stop, Terminated) else signal.SIGINT)


def _signal_behind(error):
    r"""
    The Ctrl-C or SIGTERM an error stands for: a signal's exception raised while
    a compiled kernel ran comes back wrapped (numba: ``SystemError: ... returned a
    result with an exception set``, the signal as its cause).
    """
    for _ in range(8):
        error = error.__cause__ or error.__context__
        if error is None or isinstance(error, (KeyboardInterrupt, Terminated)):
            return error
    return None


#: The warning filter the resource tracker process starts with (it takes the -W options of its parent).
_TRACKER_QUIET = "ignore::UserWarning:multiprocessing.resource_tracker"


def _quiet_helper_processes():
    r"""
    Keep the run's last line last. A worker process killed while it starts (Ctrl-C
    as Dask starts its workers) may leave a semaphore that multiprocessing's resource
    tracker removes when this process ends, warning in three lines: the tracker
    removes it all the same, so its warning is filtered (set before it starts).
    """
    if _TRACKER_QUIET not in sys.warnoptions:
        sys.warnoptions.append(_TRACKER_QUIET)
    # Dask worker processes log at INFO to the same standard error, even after this process has said its
    # last line (a worker told to close as the run is interrupted): the command line shows their warnings only.
    os.environ.setdefault("DASK_LOGGING__DISTRIBUTED", "warning")


def _reader_gone() -> int:
    r"""
    Standard output's reader has gone (``sage-lfsr ... | head -1``): no message (nobody
    reads one), the rest of the output dropped, and exit 141 (128 + SIGPIPE), as a shell
    tool stopped by the closed pipe.
    """
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # so the flush at exit does not fail again
        os.close(devnull)
    except (OSError, ValueError, AttributeError):  # a stdout without a descriptor (tests)
        pass
    return 128 + signal.SIGPIPE


def main(argv=None) -> int:
    r"""
    Run the command line with ``argv`` (default: ``sys.argv[1:]``); return the exit code.
    """
    from sage_lfsr.engine.checkpoint import CheckpointCorrupted

    arguments = None
    previous = {signum: signal.getsignal(signum) for signum in (signal.SIGTERM, signal.SIGHUP)}
    _quiet_helper_processes()
    try:
        arguments = build_parser().parse_args(argv)
        _handle_termination()
        return arguments.run(arguments)
    except SystemExit as exit_request:  # --help
        return exit_request.code if isinstance(exit_request.code, int) else 0
    except (KeyboardInterrupt, Terminated) as stop:
        return _stopped(stop, arguments)
    except BrokenPipeError:
        return _reader_gone()
    except Exception as error:
        if _signal_behind(error) is not None:
            return _stopped(_signal_behind(error), arguments)
        if getattr(arguments, "traceback", False):
            traceback.print_exc()
        bad_input = isinstance(error, (ValueError, TypeError, argparse.ArgumentTypeError, TooLarge))
        bad_input = bad_input and not isinstance(error, CheckpointCorrupted)
        kind = "error" if bad_input else f"failed ({type(error).__name__})"
        print(f"{PROG}: {kind}: {_first_line(error)}", file=sys.stderr)
        return 2 if bad_input else 1
    finally:
        if threading.current_thread() is threading.main_thread():
            for signum, handler in previous.items():
                if handler is not None:
                    signal.signal(signum, handler)
