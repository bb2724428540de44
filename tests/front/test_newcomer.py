r"""
A newcomer's first hour (issue 23): workers without a schedule, the documented
output schemas on the command line, short plans, honest reasons, one vocabulary.
Oracles: the API's own exports and maps, the documentation's schema.
"""
import csv
import io
import json

import pytest

from sage_lfsr import LFSR, map_cycles, plan
from sage_lfsr.cli import main

REGISTER_TEXT = ["--polynomial", "x^12 + x^6 + x^4 + x + 1"]


def run_main(capsys, *arguments):
    code = main(list(arguments))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_workers_without_a_schedule_choose_auto_and_say_so():
    register = LFSR.from_polynomial("x^12 + x^6 + x^4 + x + 1")
    decided = plan(register, workers=2)
    assert decided.reasons["schedule"].startswith("auto, since 2 workers were given without a schedule; ")
    assert decided.schedule in ("sequential", "hybrid") and decided.workers <= 2
    assert plan(register).schedule == "sequential" and plan(register).reasons["schedule"] == "default: no workers given"
    result = map_cycles(register, workers=2)
    assert result.choices["auto"].startswith("auto, since 2 workers were given without a schedule; ")
    assert result.structure() == map_cycles(register).structure()


def test_the_command_line_notes_the_schedule_workers_chose(capsys):
    code, out, err = run_main(capsys, "map", *REGISTER_TEXT, "--workers", "2")
    assert code == 0
    assert err.startswith("sage-lfsr: note: schedule auto, since 2 workers were given without a schedule; ")
    assert len(err.strip().splitlines()) == 1
    assert json.loads(out)["schedule"] in ("sequential", "hybrid")


def test_a_plan_prints_in_one_short_line_and_names_defaults_as_defaults():
    decided = plan(LFSR.from_polynomial("x^16 + x^14 + x^13 + x^11 + 1"), schedule="queue", workers=2, batch_size=1024)
    text = repr(decided)
    assert text == ("Plan(lfsr of 65536 states: queue, 2 workers, kernel fast, 128 tasks of 1024 states, split, "
                    f"{decided.memory_layout} memory)")
    assert decided.reasons["registry"] == "default"
    assert plan(LFSR([1, 1]), registry="manager").reasons["registry"] == "given"


@pytest.mark.parametrize("output_format", ["json", "csv"])
def test_the_command_line_writes_the_documented_schema_with_the_api_code_path(capsys, output_format):
    code, out, _ = run_main(capsys, "map", *REGISTER_TEXT, "--format", output_format, "--quiet")
    assert code == 0
    reference = map_cycles(LFSR.from_polynomial("x^12 + x^6 + x^4 + x + 1"))
    run_fields = {"wall_seconds", "imbalance", "choices", "worker_loads"}
    if output_format == "json":
        document, expected = json.loads(out), json.loads(reference.to_json(
            register=LFSR.from_polynomial("x^12 + x^6 + x^4 + x + 1")))
        assert document["schema"] == "sage_lfsr.cyclemap/1"
        assert {k: v for k, v in document.items() if k not in run_fields} == \
            {k: v for k, v in expected.items() if k not in run_fields}
    else:
        rows = list(csv.reader(io.StringIO(out)))
        expected = list(csv.reader(io.StringIO(reference.to_csv(
            register=LFSR.from_polynomial("x^12 + x^6 + x^4 + x + 1")))))
        assert rows[:2] == [["quantity", "key", "value"], ["schema", "version", "sage_lfsr.cyclemap/1"]]
        assert [row[0] for row in rows] == [row[0] for row in expected]  # the documented order
        assert [row for row in rows if row[0] in ("cycle", "cycle_count", "tail_depth")] == \
            [row for row in expected if row[0] in ("cycle", "cycle_count", "tail_depth")]


def test_census_lines_take_the_command_line_forms():
    from sage_lfsr.census import parse_register

    assert parse_register("lfsr c=1,1,0,0") == parse_register("lfsr q=2 c=1,1,0,0")  # q defaults to 2 as --q does
    assert parse_register("matrix rows=0,1;1,1") == parse_register("matrix d=2 rows=01,11")  # --matrix's form
    assert parse_register("matrix d=2 rows=0,1;1,1") == parse_register("matrix d=2 rows=01,11")


def test_the_census_family_takes_the_api_spelling_too(capsys):
    dashed = run_main(capsys, "census", "--family", "feedback-functions", "--degree", "3", "--quiet",
                      "--schedule", "sequential")
    underscored = run_main(capsys, "census", "--family", "feedback_functions", "--degree", "3", "--quiet",
                           "--schedule", "sequential")
    assert dashed[0] == underscored[0] == 0
    strip = lambda text: [line for line in text.splitlines() if "seconds" not in line]  # noqa: E731
    assert strip(dashed[1]) == strip(underscored[1])


def test_the_census_reports_the_time_the_user_waited_beside_the_run():
    import time

    from sage_lfsr.census import census, families

    started = time.perf_counter()
    result = census(families.feedback_functions(4), schedule="sequential")
    waited = time.perf_counter() - started
    summary = result.summary()
    assert summary["run_seconds"] <= summary["wall_seconds"] <= waited
    assert summary["wall_seconds"] >= 0.5 * waited
    assert summary["full_cycle_count"] == 16 and "max_period" not in summary and "full_cycle" not in summary


def test_version_and_traceback_after_the_subcommand(capsys):
    import sage_lfsr

    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"sage-lfsr {sage_lfsr.__version__}"
    code, _, err = run_main(capsys, "map", "--q", "6", "--coefficients", "1,1", "--traceback")
    assert code == 2 and "Traceback (most recent call last)" in err


def test_a_slow_preparation_is_announced_in_one_line_and_its_time_reported(capsys, monkeypatch):
    from sage_lfsr import cli

    monkeypatch.setattr(cli, "NOTICE_AFTER_SECONDS", 0.0)
    code, out, err = run_main(capsys, "map", *REGISTER_TEXT)
    lines = err.strip().splitlines()
    assert code == 0 and lines[0].startswith("sage-lfsr: preparing the run: compiling the kernels")
    assert lines[1].startswith("sage-lfsr: ready after ")
    assert json.loads(out)["choices"]["kernel_ready"].startswith("kernel ready in ")
    code, _, err = run_main(capsys, "map", *REGISTER_TEXT, "--quiet")
    assert code == 0 and err == ""


def test_the_readme_lists_every_subcommand_and_every_option():
    import argparse
    import pathlib

    from sage_lfsr.cli import build_parser

    readme = (pathlib.Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    subcommands = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction)).choices
    assert len(subcommands) >= 6
    for name, parser in subcommands.items():
        assert f"| `{name}` |" in readme, name
        for action in parser._actions:
            shown = action.help != argparse.SUPPRESS
            for option in action.option_strings:
                assert option in ("-h", "--help") or not shown or option in readme, (name, option)


@pytest.mark.parametrize("arguments", [
    ["predict", "--anf", "x0+x1*x2", "--degree", "3"],
    ["map", "--anf", "x0"],
    ["census", "--family", "lfsrs"],
    ["census", "--family", "template", "--degree", "3"],
    ["map", "--polynomial", "x^4+x+1", "--constant", "1", "--matrix", "1,0;0,1"],
    ["map", "--matrix", "1,0;0,1", "--constant", "1"],
], ids=lambda arguments: " ".join(arguments)[:40])
def test_the_command_lines_own_refusals_are_one_error_line_and_exit_2(capsys, arguments):
    code, out, err = run_main(capsys, *arguments)
    assert (code, out) == (2, "") and len(err.splitlines()) == 1 and err.startswith("sage-lfsr: error: "), err


def test_a_census_compiles_its_kernels_once_in_the_caller(tmp_path):
    # forked workers inherit the code: a cold cache is compiled by one process, not by each worker at once
    import os
    import pathlib
    import subprocess
    import sys

    root = pathlib.Path(__file__).resolve().parents[2]
    environment = dict(os.environ, PYTHONPATH=str(root), NUMBA_CACHE_DIR=str(tmp_path / "numba"))
    command = [sys.executable, "-c", "from sage_lfsr.census import census, families; import numba.core.event as e\n"
               "import os\n"
               "class Count(e.Listener):\n    def on_start(self, event): print('compile in', os.getpid(), flush=True)\n"
               "    def on_end(self, event): pass\n"
               "e.register('numba:compile', Count())\n"
               "result = census(families.feedback_functions(3), mode='period', schedule='queue', workers=2)\n"
               "print('rows', len(result.rows), 'caller', os.getpid())"]
    done = subprocess.run(command, capture_output=True, text=True, env=environment, timeout=240)
    lines = done.stdout.splitlines()
    assert done.returncode == 0 and lines[-1].startswith("rows 16 caller "), done.stderr
    caller = lines[-1].split()[-1]
    compiled_in = [line.split()[-1] for line in lines[:-1]]
    assert compiled_in and set(compiled_in) == {caller}, lines  # none in a worker
