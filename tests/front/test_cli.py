"""
The command line: output against the sequential map and the theory, exit codes
0 / 1 / 2 with one-line errors, the progress bar, and the bench files. Most
tests call ``cli.main`` in-process; a few run the real entry points.
"""
import contextlib
import csv
import io
import json
import os
import subprocess
import sys
import time

import pytest

from sage_lfsr import LFSR, map_cycles, predict_cycles
from sage_lfsr import cli
from sage_lfsr.common import progress as progress_module
from sage_lfsr.cli import main

pytestmark = pytest.mark.timeout(180)

#: (arguments naming the register, the register): q = 2, 3, 4, 9, singular ones included.
REGISTERS = {
    "gf2-primitive": (["--coefficients", "1,1,0,0"], LFSR([1, 1, 0, 0])),
    "gf2-singular": (["--polynomial", "x^4+x^3+x^2"], LFSR.from_polynomial("x^4 + x^3 + x^2")),
    "gf2-degree-12": (["--polynomial", "x^12 + x^6 + x^4 + x + 1"], LFSR.from_polynomial("x^12 + x^6 + x^4 + x + 1")),
    "gf3-repeated": (["--q", "3", "--polynomial", "(x+1)^2"], LFSR.from_polynomial("(x + 1)^2", q=3)),
    "gf3-singular": (["--q", "3", "--polynomial", "x^6 + x^4 + 2*x^2"], LFSR.from_polynomial("x^6 + x^4 + 2*x^2", q=3)),
    "gf4": (["--q", "4", "--polynomial", "x^5 + z*x + 1"], LFSR.from_polynomial("x^5 + z*x + 1", q=4)),
    "gf9": (["--q", "9", "--coefficients", "1,z,0"], LFSR([1, "z", 0], q=9)),
}


def run_main(capsys, *arguments):
    code = main(list(arguments))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def as_counts(counts):
    return {str(key): value for key, value in counts.items()}


def assert_document_matches(document, register):
    reference = map_cycles(register)
    predicted = predict_cycles(register)
    assert document["cycle_counts"] == as_counts(predicted.cycle_counts) == as_counts(reference.cycle_counts)
    assert document["tail_depths"] == as_counts(predicted.tail_depths)
    assert document["transient_states"] == predicted.transient_states
    assert document["period"] == predicted.period
    assert [tuple(cycle) for cycle in document["cycles"]] == list(reference.cycles)
    q, coefficients = register.key()
    assert document["register"]["q"] == q and document["register"]["coefficients"] == list(coefficients)


# ---------------------------------------------------------------- map and predict

@pytest.mark.parametrize("name", sorted(REGISTERS))
@pytest.mark.parametrize("schedule", [["--schedule", "sequential"], ["--schedule", "steal", "--workers", "2",
                                                                      "--batch-size", "16"]])
def test_map_json_matches_the_reference_and_the_theory(capsys, name, schedule):
    arguments, register = REGISTERS[name]
    code, out, err = run_main(capsys, "map", *arguments, *schedule, "--quiet")
    assert code == 0 and err == ""
    document = json.loads(out)
    assert_document_matches(document, register)
    assert isinstance(document["imbalance"], float)
    assert len(document["worker_loads"]) == document["workers"]
    assert sum(load["states_owned"] for load in document["worker_loads"]) >= register.state_count


def test_map_with_the_sage_kernel_and_the_manager_registry(capsys, tmp_path):
    arguments, register = REGISTERS["gf3-singular"]
    output = tmp_path / "map.json"
    code, out, err = run_main(capsys, "map", *arguments, "--schedule", "queue", "--workers", "2", "--kernel", "sage",
                              "--registry", "manager", "--batch-size", "64", "--output", str(output), "--quiet")
    assert (code, out, err) == (0, "", "")
    document = json.loads(output.read_text())
    assert_document_matches(document, register)
    assert document["kernel"] == "sage" and document["choices"]["registry"] == "manager"


def test_map_csv_holds_the_counts(capsys):
    arguments, register = REGISTERS["gf3-singular"]
    code, out, _ = run_main(capsys, "map", *arguments, "--format", "csv", "--quiet")
    assert code == 0
    rows = list(csv.reader(out.splitlines()))
    assert rows[0] == ["quantity", "key", "value"]
    predicted = predict_cycles(register)
    assert {int(k): int(v) for quantity, k, v in rows[1:] if quantity == "cycle_count"} == predicted.cycle_counts
    assert {int(k): int(v) for quantity, k, v in rows[1:] if quantity == "tail_depth"} == predicted.tail_depths
    summary = {k: v for quantity, k, v in rows[1:] if quantity == "summary"}
    assert int(summary["period"]) == predicted.period
    assert int(summary["transient_states"]) == predicted.transient_states
    assert "imbalance" in summary and any(quantity == "worker_0" for quantity, _, _ in rows[1:])


@pytest.mark.parametrize("name", sorted(REGISTERS))
def test_predict_gives_the_structure(capsys, name):
    arguments, register = REGISTERS[name]
    code, out, _ = run_main(capsys, "predict", *arguments)
    assert code == 0
    document = json.loads(out)
    predicted = predict_cycles(register)
    assert document["cycle_counts"] == as_counts(predicted.cycle_counts)
    assert document["tail_depths"] == as_counts(predicted.tail_depths)
    assert (document["transient_states"], document["period"], document["cycle_count"]) == (
        predicted.transient_states, predicted.period, predicted.cycle_count)
    mapped = json.loads(run_main(capsys, "map", *arguments, "--quiet")[1])
    for key in ("cycle_counts", "tail_depths", "transient_states", "period", "state_count"):
        assert document[key] == mapped[key]


def test_predict_needs_no_enumeration(capsys):
    code, out, _ = run_main(capsys, "predict", "--polynomial", "x^127 + x + 1")
    assert code == 0
    assert json.loads(out)["cycle_counts"] == {"1": 1, str(2 ** 127 - 1): 1}


def test_polynomial_and_coefficients_name_the_same_register(capsys):
    by_polynomial = json.loads(run_main(capsys, "map", "--polynomial", "x^4+x+1", "--quiet")[1])
    by_coefficients = json.loads(run_main(capsys, "map", "--coefficients", "1,1,0,0", "--quiet")[1])
    assert by_polynomial["cycles"] == by_coefficients["cycles"] == [[0, 1], [1, 15]]
    assert by_polynomial["register"] == by_coefficients["register"]


# ---------------------------------------------------------------- errors and exit codes

@pytest.mark.parametrize("arguments, message", [
    (["map", "--q", "6", "--coefficients", "1,1"], "the field order q = 6 is not a prime power"),
    (["map", "--q", "3", "--coefficients", "1,3"], "coefficient c_1 = 3 is outside GF(3)"),
    (["map", "--coefficients", "1,1", "--schedule", "round-robin"], "unknown schedule 'round-robin'"),
    (["map", "--coefficients", "1,1", "--workers", "0"], "argument --workers: must be a positive integer, not '0'"),
    (["map", "--coefficients", "1,1", "--batch-size", "-4"], "argument --batch-size: must be a positive integer"),
    (["map", "--coefficients", "1,1", "--kernel", "gpu"], "unknown kernel 'gpu'"),
    (["map", "--coefficients", "1,1", "--registry", "redis"], "unknown registry 'redis'"),
    (["map", "--coefficients", "1,,1"], "expected coefficients c0,c1,...,c(d-1)"),
    (["map", "--coefficients", "1,1", "--polynomial", "x^2+x+1"], "not allowed with argument"),
    (["map", "--q", "2"], "one of the arguments --coefficients --polynomial"),
    (["map", "--polynomial", "x^2 + y"], "cannot read 'x^2 + y' as a polynomial over GF(2)"),
    (["map", "--polynomial", "x^3 + x^2", "--split"], "splitting long cycles is implemented for invertible"),
    (["map", "--coefficients", "1,1", "--format", "xml"], "argument --format: invalid choice: 'xml'"),
    (["predict", "--q", "abc", "--coefficients", "1"], "argument --q: must be a positive integer, not 'abc'"),
    (["bench", "--coefficients", "1,1", "--schedules", "static,nope"], "unknown schedule 'nope'"),
    ([], "the following arguments are required"),
    (["transmogrify"], "invalid choice: 'transmogrify'"),
])
def test_bad_arguments_give_one_line_and_exit_code_2(capsys, arguments, message):
    code, out, err = run_main(capsys, *arguments)
    assert code == 2 and out == ""
    assert len(err.splitlines()) == 1, err
    assert err.startswith("sage-lfsr: error: ") and message in err and "Traceback" not in err


def test_a_checkpoint_of_another_register_is_a_bad_argument(capsys, tmp_path):
    path = str(tmp_path / "run.ckpt")
    assert run_main(capsys, "map", "--coefficients", "1,1,0,0", "--checkpoint", path, "--quiet")[0] == 0
    code, out, err = run_main(capsys, "map", "--coefficients", "1,0,0,1", "--checkpoint", path, "--quiet")
    assert code == 2 and out == "" and len(err.splitlines()) == 1
    assert "was written for the register over GF(2) with coefficients (1, 1, 0, 0)" in err


@pytest.mark.parametrize("damage", ["corrupted checkpoint", "unwritable output"])
def test_failures_give_one_line_and_exit_code_1_or_2(capsys, tmp_path, damage):
    arguments = ["map", "--coefficients", "1,1,0,0", "--quiet"]
    if damage == "corrupted checkpoint":
        path = tmp_path / "run.ckpt"
        path.write_bytes(b"SAGE_LFSR_CHECKPOINT\n\x00\x00\x00\x05\x00\x00\x00\x00hello")
        arguments += ["--checkpoint", str(path)]
        expected, expected_code, start = "fails its checksum", 1, "sage-lfsr: failed ("
    else:  # checked before the run: a bad argument
        arguments += ["--output", str(tmp_path / "missing-directory" / "map.json")]
        expected, expected_code, start = "missing-directory does not exist", 2, "sage-lfsr: error: "
    code, out, err = run_main(capsys, *arguments)
    assert code == expected_code and out == ""
    assert len(err.splitlines()) == 1 and err.startswith(start) and expected in err


def test_traceback_flag_shows_the_traceback(capsys):
    code, _, err = run_main(capsys, "--traceback", "map", "--q", "6", "--coefficients", "1,1")
    assert code == 2 and "Traceback (most recent call last)" in err and err.splitlines()[-1].startswith("sage-lfsr")


def test_help_exits_0(capsys):
    code, out, _ = run_main(capsys, "map", "--help")
    assert code == 0 and "--checkpoint" in out and "--scheduler-address" in out


# ---------------------------------------------------------------- real processes

def run_process(command, timeout=120):
    return subprocess.run(command, capture_output=True, text=True, timeout=timeout)


def test_python_dash_m_runs_the_command_line():
    done = run_process([sys.executable, "-m", "sage_lfsr", "map", "--polynomial", "x^4+x^3+x^2"])
    assert done.returncode == 0, done.stderr
    assert_document_matches(json.loads(done.stdout), LFSR.from_polynomial("x^4 + x^3 + x^2"))
    bad = run_process([sys.executable, "-m", "sage_lfsr", "map", "--q", "6", "--coefficients", "1,1"])
    assert bad.returncode == 2 and bad.stdout == ""
    assert bad.stderr == "sage-lfsr: error: the field order q = 6 is not a prime power, so there is no field GF(6)\n"


@pytest.mark.parametrize("launcher", ["sage-lfsr", "sage"])
def test_console_script_and_sage_python(launcher):
    path = os.path.join(os.path.dirname(sys.executable), launcher)
    if not os.path.exists(path):
        pytest.skip(f"{launcher} is not installed beside {sys.executable}")
    prefix = [path] if launcher == "sage-lfsr" else [path, "-python", "-m", "sage_lfsr"]
    done = run_process(prefix + ["predict", "--q", "3", "--polynomial", "(x+1)^2"])
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["cycle_counts"] == {"1": 1, "2": 1, "6": 1}
    bad = run_process(prefix + ["map", "--coefficients", "1,1", "--workers", "0"])
    assert bad.returncode == 2 and len(bad.stderr.splitlines()) == 1


def test_the_progress_bar_waits_a_second():
    stream = io.StringIO()
    with contextlib.redirect_stderr(stream), progress_module.ProgressBar(quiet=False) as progress:
        progress(10, 100)
        assert stream.getvalue() == ""
        time.sleep(progress_module.PROGRESS_DELAY_SECONDS + 0.1)
        progress(60, 100)
        assert "60/100" in stream.getvalue().replace(".0", "") and "%|" in stream.getvalue()
    silent = io.StringIO()
    with contextlib.redirect_stderr(silent), progress_module.ProgressBar(quiet=True) as progress:
        time.sleep(progress_module.PROGRESS_DELAY_SECONDS + 0.1)
        progress(60, 100)
    assert silent.getvalue() == ""


@pytest.mark.parametrize("quiet", [False, True])
def test_map_feeds_the_progress_bar_unless_quiet(capsys, monkeypatch, quiet):
    monkeypatch.setattr(progress_module, "PROGRESS_DELAY_SECONDS", 0.0)
    monkeypatch.setattr(progress_module, "PROGRESS_REDRAW_SECONDS", 0.0)
    arguments, register = REGISTERS["gf3-singular"]
    code, out, err = run_main(capsys, "map", *arguments, "--batch-size", "81", "--format", "csv",
                              *(["--quiet"] if quiet else []))
    assert code == 0
    if quiet:
        assert err == ""
    else:
        assert "%|" in err and f"/{register.state_count} [" in err  # tqdm's bar, total in states
    assert _counts(out) == sorted([f"cycle_count,{k},{v}" for k, v in predict_cycles(register).cycle_counts.items()]
                                  + [f"tail_depth,{k},{v}" for k, v in predict_cycles(register).tail_depths.items()])


def _counts(text):
    return sorted(line for line in text.splitlines() if line.startswith(("cycle_count", "tail_depth")))


# ---------------------------------------------------------------- dask and bench

def test_map_on_a_local_dask_cluster(capsys):
    pytest.importorskip("distributed")
    arguments, register = REGISTERS["gf4"]
    code, out, err = run_main(capsys, "map", *arguments, "--schedule", "dask", "--workers", "2",
                              "--batch-size", "64", "--quiet")
    assert code == 0, err
    document = json.loads(out)
    assert_document_matches(document, register)
    assert document["schedule"] == "dask" and {load["worker"] for load in document["worker_loads"]} == {0, 1}


def test_bench_writes_a_csv_and_two_plots(capsys, tmp_path):
    arguments, register = REGISTERS["gf2-degree-12"]
    output = tmp_path / "out" / "bench.csv"
    code, out, err = run_main(capsys, "bench", *arguments, "--schedules", "static,steal", "--workers", "1,2",
                              "--batch-size", "256", "--output", str(output), "--quiet")
    assert (code, out, err) == (0, "", "")
    rows = list(csv.DictReader(output.open()))
    assert [(row["schedule"], row["workers"]) for row in rows] == [
        ("sequential", "1"), ("static", "1"), ("static", "2"), ("steal", "1"), ("steal", "2")]
    assert all(row["matches_sequential"] == "True" for row in rows)
    assert float(rows[0]["speedup"]) == 1.0
    for row in rows:
        assert float(row["speedup"]) == pytest.approx(float(rows[0]["wall_seconds"]) / float(row["wall_seconds"]),
                                                      rel=1e-3, abs=1e-3)
        assert float(row["imbalance_percent"]) <= (int(row["workers"]) - 1) * 100 + 1e-6
        assert int(row["states_traced"]) >= register.state_count
        assert int(row["redundant_states"]) >= 0 and row["batch_size"] == "256"
    for suffix in ("speedup", "imbalance"):
        picture = tmp_path / "out" / f"bench_{suffix}.png"
        assert picture.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and picture.stat().st_size > 5000


def test_a_rerun_with_a_checkpoint_plans_the_recorded_tasks(capsys, tmp_path):
    arguments, register = REGISTERS["gf2-degree-12"]
    path = str(tmp_path / "run.ckpt")
    # Sized automatically for 2 workers, split (a cycle of 4095 states is longer than a task) ...
    code, out, _ = run_main(capsys, "map", *arguments, "--schedule", "queue", "--workers", "2",
                            "--checkpoint", path, "--quiet")
    first = json.loads(out)
    assert code == 0 and first["choices"]["split"] and first["choices"].get("resumed_tasks") == 0
    # ... which a plain sequential run would plan otherwise (one task, no split): the header wins.
    code, out, err = run_main(capsys, "map", *arguments, "--checkpoint", path, "--quiet")
    assert code == 0, err
    again = json.loads(out)
    assert again["choices"]["batch_size"] == first["choices"]["batch_size"] and again["choices"]["split"]
    assert again["choices"]["resumed_tasks"] == sum(load["tasks"] for load in first["worker_loads"])
    assert again["cycles"] == first["cycles"]
    assert_document_matches(again, register)
    # An explicit batch size that contradicts the checkpoint is refused, in one line.
    code, _, err = run_main(capsys, "map", *arguments, "--checkpoint", path, "--batch-size", "7", "--quiet")
    assert code == 2 and len(err.splitlines()) == 1
    assert f"rerun with batch size {first['choices']['batch_size']} and split on" in err


def test_dev_null_is_still_a_character_device_after_the_command_line_tests():
    import stat

    assert stat.S_ISCHR(os.stat(os.devnull).st_mode), "a test replaced /dev/null (issue 24): restore it with mknod"


# ---------------------------------------------------------------- a first hour (issue 29)

def test_bench_takes_schedule_as_map_does_and_says_why_parallel_runs_are_slower(capsys, tmp_path):
    arguments, register = REGISTERS["gf2-degree-12"]
    output = tmp_path / "bench.csv"
    code, out, err = run_main(capsys, "bench", *arguments, "--schedule", "queue", "--workers", "2",
                              "--output", str(output))
    rows = list(csv.DictReader(output.open()))
    assert code == 0 and [(row["schedule"], row["workers"]) for row in rows] == [("sequential", "1"), ("queue", "2")]
    notes = [line for line in err.splitlines() if line.startswith("sage-lfsr: note: ")]
    if float(rows[1]["speedup"]) < 1:  # 2^12 states: starting workers costs more than the whole map
        assert len(notes) == 1 and "(speedup below 1): 4096 states take" in notes[0] and "2^26" in notes[0]
    else:
        assert notes == []


def test_a_reader_that_stops_reading_ends_the_command_quietly():
    command = [sys.executable, "-m", "sage_lfsr", "predict", "--polynomial", "x^4+x+1"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    process.stdout.close()  # as `| head -1` does once it has its line: every write now fails (EPIPE)
    try:
        error = process.stderr.read()
        code = process.wait(timeout=120)
    finally:
        process.kill()
        process.wait()
    assert (code, error) == (141, b"")  # 128 + SIGPIPE, as a shell tool stopped by the pipe; no message


def test_a_census_of_a_published_form_needs_no_mode_and_lists_the_published_registers(capsys):
    from sage_lfsr.census.published import published_count

    code, out, _ = run_main(capsys, "census", "--nlfsr-form", "2,2", "--degree", "10", "--quiet")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert code == 0 and len(rows) == published_count("2,2", 10) == 28
    assert run_main(capsys, "census", "--form", "2,2", "--degree", "10", "--quiet")[:2] == (0, out)  # old spelling
    code, out, err = run_main(capsys, "census", "--nlfsr-form", "2,2", "--degree", "10", "--mode", "map")
    assert (code, out) == (2, "") and len(err.splitlines()) == 1 and "--mode map does not apply" in err


def test_a_census_of_a_form_in_mode_period_walks_as_the_search_does():
    from sage_lfsr.census import census, families
    from sage_lfsr.census.published import published_count
    from sage_lfsr.census.search import search

    fast = census(families.form("3,1", 10), mode="period", workers=2)
    searched = search("3,1", 10, workers=2).summary()
    assert fast.choices["search"] == "lockstep" and fast.steps == searched["steps"]
    assert fast.summary()["max_period_count"] == searched["maximum_period"] == published_count("3,1", 10)
    general = census(list(families.form("3,1", 10)), mode="period", schedule="sequential")  # one at a time
    assert len(fast.rows) == len(general.rows) and fast.summary()["screened"] > 0
    for row, reference in zip(fast.rows, general.rows):
        assert (row["register"], row["max_period"]) == (reference["register"], reference["max_period"])
        assert row["screened"] or row["period"] == reference["period"]
