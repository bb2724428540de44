"""
A newcomer's first hour (issue 23): one vocabulary across the subcommands, the
README's table and the API; workers without a schedule; one-line refusals;
--version and --traceback anywhere; bench naming its files; the first compile shown.
"""
import argparse
import csv
import io
import json
import os
import pathlib
import re
import subprocess
import sys
from importlib import metadata

import pytest

from sage_lfsr import LFSR, map_cycles
from sage_lfsr.census import census, parse_register
from sage_lfsr.cli import build_parser, main
from sage_lfsr.engine.planning import plan

pytestmark = pytest.mark.timeout(300)

ROOT = pathlib.Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def run_main(capsys, *arguments):
    code = main(list(arguments))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def subcommands():
    actions = [a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction)]
    return actions[0].choices


def test_readme_lists_every_subcommand_and_every_option():
    table = README[README.index("| subcommand |"):]
    vocabulary = README[README.index("### One vocabulary"):]
    for name, parser in subcommands().items():
        assert f"| `{name}` |" in table, name
        for action in parser._actions:
            for option in action.option_strings:
                if option not in ("-h", "--help") and action.help != argparse.SUPPRESS:
                    assert option in README, (name, option)  # each option documented, most in the table
    for option in ("--q", "--coefficients", "--polynomial", "--matrix", "--anf", "--schedule", "--workers",
                   "--format", "--output", "--checkpoint", "--batch-size"):
        assert option in vocabulary, option


def test_version_names_this_package_and_its_engines(capsys):
    code, out, err = run_main(capsys, "--version")
    assert code == 0 and err == ""
    assert out.startswith(f"sage-lfsr {metadata.version('sage-lfsr')} (") or out.startswith("sage-lfsr 0.")
    assert f"numba {metadata.version('numba')}" in out and f"Python {sys.version.split()[0]}" in out


@pytest.mark.parametrize("position", ["before", "after"])
def test_traceback_is_taken_before_or_after_the_subcommand(capsys, position):
    command = ["predict", "--polynomial", "x^4+2*x+1"]
    code, out, err = run_main(capsys, *(["--traceback"] + command if position == "before" else command + ["--traceback"]))
    assert code == 2 and out == ""
    assert "Traceback (most recent call last)" in err
    assert err.splitlines()[-1].startswith("sage-lfsr: error: cannot read 'x^4+2*x+1'")


BAD_COMMANDS = [
    ["map", "--polynomial", "x^4+2*x+1"],                      # an integer outside GF(2), as --coefficients 1,1,0,2
    ["map", "--coefficients", "1,1,0,2"],
    ["map", "--polynomial", "x^41+x^3+1"],                     # too many states
    ["map", "--polynomial", "x^4+x+1", "--workers", "100000"],
    ["map", "--polynomial", "x^4+x+1", "--schedule", "round-robin"],
    ["predict", "--anf", "x0+x1*x2", "--degree", "3"],         # no theory for nonlinear registers
    ["map", "--anf", "x0"],
    ["census", "--family", "lfsrs"],
    ["census", "--family", "primes", "--degree", "3"],
    ["map", "--matrix", "1,1;0"],
    ["bench", "--polynomial", "x^4+x+1", "--workers", "0"],
    ["graph", "--polynomial", "x^20+x^3+1"],
    ["--no-such-option"],
]


@pytest.mark.parametrize("arguments", BAD_COMMANDS, ids=lambda a: " ".join(a)[:40])
def test_every_refusal_is_one_error_line_and_exit_2(capsys, arguments):
    code, out, err = run_main(capsys, *arguments)
    assert (code, out) == (2, "")
    assert len(err.splitlines()) == 1 and err.startswith("sage-lfsr: error: "), err


def test_predict_help_lists_only_what_predict_takes(capsys):
    code, out, _ = run_main(capsys, "predict", "--help")
    assert code == 0 and "--polynomial" in out and "--anf" not in out and "--degree" not in out


def test_workers_without_a_schedule_run_auto_and_say_so(capsys, tmp_path):
    register = LFSR.from_polynomial("x^12 + x^6 + x^4 + x + 1")
    expected = plan(register, schedule="auto", workers=2)
    code, out, err = run_main(capsys, "map", "--polynomial", "x^12 + x^6 + x^4 + x + 1", "--workers", "2", "--quiet")
    document = json.loads(out)
    assert code == 0 and (document["schedule"], document["workers"]) == (expected.schedule, expected.workers)
    assert err == f"sage-lfsr: note: --workers 2 without --schedule runs schedule auto: {expected.reasons['schedule']}\n"
    assert document["choices"]["auto"].startswith("workers=2 without a schedule: auto: ")
    result = map_cycles(register, workers=2)  # the API decides the same way
    assert result.schedule == expected.schedule and result.choices["auto"] == document["choices"]["auto"]
    assert map_cycles(register).schedule == "sequential" and "auto" not in map_cycles(register).choices


def test_plan_repr_is_one_short_line_and_reasons_name_defaults():
    register = LFSR.from_polynomial("x^16 + x^14 + x^13 + x^11 + 1")
    decided = plan(register, schedule="queue", workers=2, batch_size=256)
    assert len(decided.tasks) >= 256 and "\n" not in repr(decided) and len(repr(decided)) < 200
    assert f"{len(decided.tasks)} tasks of 256" in repr(decided)
    assert decided.reasons["registry"] == "the default" and decided.reasons["schedule"] == "given"
    given = plan(register, schedule="queue", workers=2, batch_size=256, registry="shared")
    assert given.reasons["registry"] == "given"
    assert plan(register).reasons["schedule"].startswith("the default")


def test_census_lines_take_what_the_register_options_take(capsys, tmp_path):
    assert parse_register("lfsr c=1,1,0,0") == parse_register("lfsr q=2 c=1,1,0,0")
    assert parse_register("matrix d=2 rows=1,1;0,1") == parse_register("matrix d=2 rows=11,01")
    lines = tmp_path / "registers.txt"
    lines.write_text("lfsr c=1,1,0,0\nmatrix d=2 rows=1,1;0,1\n")
    code, out, _ = run_main(capsys, "census", "--from", str(lines), "--quiet", "--schedule", "sequential")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert code == 0
    for row, arguments in zip(rows, (["--coefficients", "1,1,0,0"], ["--matrix", "11,01"])):
        code, out, _ = run_main(capsys, "map", *arguments, "--quiet")
        document = json.loads(out)
        counts = " ".join(f"{length}:{count}" for length, count in document["cycle_counts"].items())
        assert (code, row["cycle_counts"]) == (0, counts), arguments
    _, by_semicolons, _ = run_main(capsys, "map", "--matrix", "1,1;0,1", "--quiet", "--format", "csv")
    _, by_digits, _ = run_main(capsys, "map", "--matrix", "11,01", "--quiet", "--format", "csv")
    strip = re.compile(r"^(summary,wall_seconds|summary,imbalance|worker_).*\n", re.MULTILINE)
    assert strip.sub("", by_semicolons) == strip.sub("", by_digits)


def test_family_names_of_the_api_work_on_the_command_line(capsys):
    _, hyphen, _ = run_main(capsys, "census", "--family", "feedback-functions", "--degree", "3", "--quiet")
    _, underscore, _ = run_main(capsys, "census", "--family", "feedback_functions", "--degree", "3", "--quiet")
    assert hyphen == underscore and len(hyphen.splitlines()) == 1 + 2 ** 4


def test_census_summary_reports_the_wait_and_the_run():
    result = census(["lfsr c=1,1,0,0", "lfsr c=1,0,0,0"], schedule="sequential")
    summary = result.summary()
    assert summary["wall_seconds"] >= summary["run_seconds"] > 0
    assert summary["max_period"] == sum(row["max_period"] for row in result.rows) == 1
    assert summary["full_cycle"] == 0  # the primitive LFSR's cycle leaves out the zero state


def test_bench_writes_into_a_directory_and_names_the_files(capsys, tmp_path):
    directory = tmp_path / "runs"
    directory.mkdir()
    code, out, err = run_main(capsys, "bench", "--polynomial", "x^8+x^4+x^3+x^2+1", "--schedules", "queue",
                              "--workers", "2", "--quiet", "--output", str(directory))
    written = [str(directory / name) for name in ("bench.csv", "bench_speedup.png", "bench_imbalance.png")]
    assert (code, out) == (0, "") and all(os.path.getsize(path) > 0 for path in written)
    assert err == f"sage-lfsr: note: wrote 2 runs to {written[0]} and the plots {written[1]}, {written[2]}\n"


def test_the_first_compile_shows_one_line_and_a_warm_cache_none(tmp_path):
    environment = dict(os.environ, PYTHONPATH=str(ROOT), NUMBA_CACHE_DIR=str(tmp_path / "numba"))
    command = [sys.executable, "-m", "sage_lfsr", "map", "--polynomial", "x^6+x+1", "--quiet"]
    cold = subprocess.run(command, capture_output=True, text=True, env=environment, timeout=240)
    warm = subprocess.run(command, capture_output=True, text=True, env=environment, timeout=240)
    assert cold.returncode == warm.returncode == 0, cold.stderr
    assert json.loads(cold.stdout)["cycle_counts"] == json.loads(warm.stdout)["cycle_counts"]
    assert re.fullmatch(r"sage-lfsr: note: compiling the kernels \(once: later runs load them from the cache\) "
                        r"\.+ \d+ functions? in \d+\.\d s\n", cold.stderr), cold.stderr
    assert warm.stderr == ""


def test_a_census_compiles_once_in_the_caller_not_in_each_worker(tmp_path):
    environment = dict(os.environ, PYTHONPATH=str(ROOT), NUMBA_CACHE_DIR=str(tmp_path / "numba"))
    command = [sys.executable, "-m", "sage_lfsr", "census", "--family", "feedback-functions", "--degree", "3",
               "--mode", "period", "--workers", "2", "--quiet"]
    cold = subprocess.run(command, capture_output=True, text=True, env=environment, timeout=240)
    assert cold.returncode == 0 and len(cold.stdout.splitlines()) == 1 + 2 ** 4, cold.stderr
    assert cold.stderr.count("compiling the kernels") == 1 and cold.stderr.endswith(" s\n"), cold.stderr
