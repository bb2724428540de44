r"""
Hostile input and faults, third pass (issue 31): the search's checkpoint records
checked and locked, its size bounded and stated before work, its worker limit,
its signals and worker lifetimes, and the smaller points (forms past 2^62,
options that do not apply, CRC names and inputs, stale temporary files).
Oracles: a fresh search without a checkpoint, binomial counts, ``zlib``, the
file system and the process table.
"""
import fcntl
import json
import math
import os
import signal
import subprocess
import sys
import time
import warnings

import psutil
import pytest

from sage_lfsr.census.forms import Form
from sage_lfsr.census.search import SearchCheckpoint, search
from sage_lfsr.cli import main
from sage_lfsr.common.limits import MAX_TASKS, TooLarge
from sage_lfsr.engine.checkpoint import CheckpointCorrupted, CheckpointWarning

TESTS = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(TESTS)
ENV = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [ROOT, os.environ.get("PYTHONPATH")])))
FORM = ["census", "--form", "3,1", "--degree", "8", "--mode", "period", "--quiet"]


def run_main(capsys, *arguments):
    code = main(list(arguments))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def one_line(err):
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    return lines[0]


@pytest.fixture(scope="module")
def fresh():
    r"""The search every checkpoint case must equal: no checkpoint at all."""
    return search("3,1", 9, task_candidates=40).summary()


#: Candidates of the form 3,1 at degree 9: two of x1..x8, one product of two.
SIZE = math.comb(8, 2) * math.comb(math.comb(8, 2), 1)


def checkpointed(path):
    r"""The lines of a whole search's checkpoint: the header, then the records by their first candidate."""
    search("3,1", 9, checkpoint=path, task_candidates=40)
    header, *records = path.read_text().splitlines()
    return [header] + sorted(records, key=lambda line: json.loads(line)["lo"])


# ---------------------------------------------------------------- item 1: checkpoint records

def test_records_written_twice_by_two_runs_count_once_with_a_note(tmp_path, fresh):
    path = tmp_path / "ck.jsonl"
    lines = checkpointed(path)
    path.write_text("\n".join(lines + lines[1:]) + "\n")  # two runs at once appended the same tasks
    with pytest.warns(CheckpointWarning, match="repeats the candidates"):
        resumed = search("3,1", 9, checkpoint=path, task_candidates=40).summary()
    assert (resumed["walked"], resumed["maximum_period"]) == (fresh["walked"], fresh["maximum_period"])
    shifted = [json.loads(line) for line in lines[1:3]]
    shifted[1]["lo"] -= 1  # overlaps the first record by one candidate
    shifted[1]["hi"] -= 1
    path.write_text("\n".join([lines[0]] + [json.dumps(record) for record in shifted]) + "\n")
    with pytest.warns(CheckpointWarning, match="line 3 overlaps the candidates 0..39 of line 2"):
        resumed = search("3,1", 9, checkpoint=path, task_candidates=40).summary()
    assert (resumed["walked"], resumed["maximum_period"]) == (fresh["walked"], fresh["maximum_period"])


@pytest.mark.parametrize("change, why", [
    ('"lo": NaN, "hi": Infinity', "is not an integer"),
    ('"hi": 1000000000000000', f"not a range inside the search's candidates 0..{SIZE}"),
    ('"lo": -100', "not a range inside"),
    ('"lo": "0"', "is not an integer"),
    ('"maximum": [5000]', "not distinct indices inside"),
    ('"walked": 1000', "counts that do not fit its range"),
    ('"seconds": NaN', "seconds that are not a finite count"),
])
def test_a_damaged_record_refuses_the_checkpoint_in_one_line(tmp_path, capsys, change, why):
    path = tmp_path / "ck.jsonl"
    lines = checkpointed(path)
    record = json.loads(lines[2])
    name = change.split('"')[1]
    damaged = json.dumps(record).replace(f'"{name}": {json.dumps(record[name])}', change, 1)
    assert damaged != json.dumps(record)
    path.write_text("\n".join([lines[0], lines[1], damaged] + lines[3:]) + "\n")
    with pytest.raises(CheckpointCorrupted, match=f"line 3 .*{why}"):
        search("3,1", 9, checkpoint=path, task_candidates=40)
    code, out, err = run_main(capsys, *FORM[:3], "--degree", "9", "--mode", "period", "--quiet",
                              "--checkpoint", str(path))
    assert (code, out) == (1, "") and "is damaged: line 3" in one_line(err)


def test_a_deeply_nested_line_is_damage_not_a_recursion_error(tmp_path):
    path = tmp_path / "ck.jsonl"
    lines = checkpointed(path)
    path.write_text("\n".join(lines[:2] + ["[" * 100000] + lines[2:]) + "\n")
    with pytest.raises(CheckpointCorrupted, match="line 3 is not a JSON record"):
        search("3,1", 9, checkpoint=path, task_candidates=40)


def test_a_checkpoint_whose_first_line_is_empty_is_refused_and_left_as_it_was(tmp_path, capsys):
    path = tmp_path / "ck.jsonl"
    lines = checkpointed(path)
    content = "\n" + "\n".join(lines[1:]) + "\n"  # was appended to and never resumed
    path.write_text(content)
    code, out, err = run_main(capsys, *FORM[:3], "--degree", "9", "--mode", "period", "--quiet",
                              "--checkpoint", str(path))
    assert (code, out) == (2, "") and "is not one of this search" in one_line(err)
    assert path.read_text() == content


def test_after_a_torn_last_line_the_next_records_start_on_their_own_lines(tmp_path, fresh):
    path = tmp_path / "ck.jsonl"
    lines = checkpointed(path)
    path.write_text("\n".join(lines[:4]) + "\n" + lines[4][:17])  # killed mid-write
    with pytest.warns(CheckpointWarning, match="last line was cut short"):
        search("3,1", 9, checkpoint=path, task_candidates=40)
    records = [json.loads(line) for line in path.read_text().splitlines()[1:]]  # every line whole
    assert sorted((r["lo"], r["hi"]) for r in records) == [(lo, min(lo + 40, SIZE)) for lo in range(0, SIZE, 40)]
    with warnings.catch_warnings():
        warnings.simplefilter("error", CheckpointWarning)  # nothing dropped this time
        again = search("3,1", 9, checkpoint=path, task_candidates=40).summary()
    assert (again["walked"], again["maximum_period"]) == (fresh["walked"], fresh["maximum_period"])


def test_a_second_search_on_a_checkpoint_in_use_is_refused_in_one_line(tmp_path, capsys):
    path = tmp_path / "ck.jsonl"
    header = {"search": "3,1", "degree": 8, "reduce": True, "screen": True, "short_period": 10}
    with SearchCheckpoint(path, header, Form("3,1", 8).size):
        code, out, err = run_main(capsys, *FORM, "--checkpoint", str(path))
    assert (code, out) == (2, "") and "is in use by another search (it is locked)" in one_line(err)
    assert run_main(capsys, *FORM, "--checkpoint", str(path))[0] == 0  # released


def test_a_second_map_on_a_checkpoint_in_use_is_refused_in_one_line(tmp_path, capsys):
    path = tmp_path / "map.ckpt"
    arguments = ["map", "--polynomial", "x^6 + x + 1", "--quiet", "--batch-size", "16", "--checkpoint", str(path)]
    assert run_main(capsys, *arguments)[0] == 0
    with open(path, "rb") as held:
        fcntl.flock(held.fileno(), fcntl.LOCK_EX)  # as a run under way holds it
        code, out, err = run_main(capsys, *arguments)
    assert (code, out) == (2, "") and "is in use by another run (it is locked)" in one_line(err)
    assert run_main(capsys, *arguments)[0] == 0


def test_a_lock_ends_with_its_run_not_with_the_workers_it_forked(tmp_path):
    from sage_lfsr.common.files import open_locked, release

    path = tmp_path / "ck"
    held = open_locked(path, "a+b")
    started, ready = os.pipe()
    child = os.fork()  # a worker (a pool kept across runs) started while the run holds its checkpoint
    if child == 0:
        os.write(ready, b"1")
        time.sleep(5)
        os._exit(0)
    try:
        assert os.read(started, 1) == b"1"
        release(held)
        again = open_locked(path)
        assert again is not None  # the next run on the file is not refused while the worker lives
        release(again)
    finally:
        os.kill(child, signal.SIGKILL)
        os.waitpid(child, 0)
        os.close(started)
        os.close(ready)


# ---------------------------------------------------------------- item 2: size before work, bounded memory

def test_ranges_are_generated_lazily_and_their_count_is_capped():
    from sage_lfsr.census.search import task_ranges

    size = 10 ** 8  # 9,1 at degree 28 has 7.8e8 indices: 1.2e7 tasks of 64 were one list of 5.6 GB
    ranges = task_ranges(size, 28, 2)
    assert next(iter(ranges)) == (0, math.ceil(size / MAX_TASKS))
    count = 1 + sum(1 for _ in ranges)
    assert count <= MAX_TASKS


def test_the_walkers_hold_only_the_ranges_under_way(monkeypatch):
    from sage_lfsr.census import search as module
    from sage_lfsr.census.lockstep import LaneWalker

    lanes = LaneWalker(Form("3,1", 12), True, True).lanes  # the lane width follows the degree
    held, add = [], module.RangeLedger.add

    def watched(ledger, lo, hi):
        add(ledger, lo, hi)
        held.append(len(ledger))

    monkeypatch.setattr(module.RangeLedger, "add", watched)
    result = search("3,1", 12, workers=2, task_candidates=1)  # 3025 ranges of one candidate
    assert len(held) == Form("3,1", 12).size and max(held) <= 2 * (lanes + 1)
    assert result.maximum == search("3,1", 12, task_candidates=500).maximum


@pytest.mark.parametrize("form, degree, message", [
    ("2,0,7", 20, f"has {math.comb(19, 1) * math.comb(math.comb(19, 3), 7)} candidates, above the "
                  "1099511627776 \\(2\\^40\\) a search walks"),
    ("9,8,8", 30, "has about 2\\^155 candidates at degree 30: above the 2\\^62"),
    ("2,0,8", 20, "has about 2\\^68 candidates at degree 20: above the 2\\^62"),
])
def test_absurd_searches_are_refused_in_one_line_before_work(capsys, form, degree, message):
    import re

    started = time.monotonic()
    code, out, err = run_main(capsys, "census", "--form", form, "--degree", str(degree), "--mode", "period")
    assert time.monotonic() - started < 5
    assert (code, out) == (2, "") and re.search(message, one_line(err)), err
    with pytest.raises(TooLarge):
        search(form, degree)


def test_the_search_states_its_size_before_work(capsys):
    code, out, err = run_main(capsys, *FORM[:-1], "--format", "json")
    indices = math.comb(7, 2) * math.comb(math.comb(7, 2), 1)  # two of x1..x7, one product of two
    assert code == 0
    first = err.splitlines()[0]
    assert first.startswith("sage-lfsr: form 3,1 degree 8: ") and f"({indices} before the reciprocal" in first
    assert json.loads(out)["summary"]["indices"] == indices


# ---------------------------------------------------------------- items 4, 9, 11: refused before work

def test_searches_take_the_worker_limit_of_map_and_census(capsys):
    from sage_lfsr.engine.planning import default_workers

    above = 4 * default_workers() + 1
    for schedule in ("threads", "processes"):
        with pytest.raises(ValueError, match=f"workers = {above} is more than this machine runs usefully"):
            search("3,1", 8, workers=above, schedule=schedule)
    code, out, err = run_main(capsys, *FORM, "--workers", "99999")
    assert (code, out) == (2, "") and "workers = 99999 is more than" in one_line(err)
    with pytest.raises(ValueError, match="task_candidates must be a positive integer, not -5"):
        search("3,1", 8, task_candidates=-5)


def test_linear_complexity_past_one_period_of_ten_million_terms_is_refused_before_work(capsys):
    started = time.monotonic()
    code, out, err = run_main(capsys, "census", "--form", "3,1", "--degree", "24", "--mode", "period",
                              "--linear-complexity")
    assert time.monotonic() - started < 5
    assert (code, out) == (2, "") and "16777215 terms is too long: the limit is 10000000" in one_line(err)


@pytest.mark.parametrize("option", [["--q", "3"], ["--start", "5"], ["--batch-size", "4"], ["--singular"]])
def test_census_options_a_form_search_does_not_take_are_refused(capsys, option):
    code, out, err = run_main(capsys, *FORM, *option)
    assert (code, out) == (2, "") and f"{option[0]} does not apply to a --form search" in one_line(err)


def test_the_same_file_as_output_and_checkpoint_is_refused(tmp_path, capsys):
    path = tmp_path / "both"
    code, out, err = run_main(capsys, *FORM, "--output", str(path), "--checkpoint", str(tmp_path / "." / "both"))
    assert (code, out) == (2, "") and "name the same file" in one_line(err)
    assert not path.exists()


def test_crc_names_and_inputs():
    import zlib

    from sage_lfsr.registers.standards import standard

    assert standard("CRC32").checksum(b"hostile") == zlib.crc32(b"hostile")
    assert standard("PRBS_31") is standard("prbs31")
    with pytest.raises(TypeError, match="checksum takes bytes, not int"):
        standard("CRC32").checksum(5)  # was the CRC of five zero bytes


def test_a_temporary_file_left_by_a_killed_write_is_removed_by_the_next(tmp_path, capsys):
    output = tmp_path / "map.json"
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                          text=True).stdout.strip()  # a process that has ended
    (tmp_path / f".map.json.sage-lfsr-{dead}-k1ll.tmp").write_text("half a document")
    code, _, err = run_main(capsys, "map", "--polynomial", "x^4 + x + 1", "--quiet", "--output", str(output))
    assert (code, err) == (0, "")
    assert os.listdir(tmp_path) == ["map.json"]


# ---------------------------------------------------------------- items 5, 6, 10: signals and lifetimes

def test_processes_search_workers_leave_signals_to_the_caller(monkeypatch):
    seen = []

    def inspect(done, total):
        for child in psutil.Process().children():
            with open(f"/proc/{child.pid}/status") as status:
                fields = dict(line.split(":", 1) for line in status)
            seen.append((int(fields["SigIgn"], 16) >> (signal.SIGINT - 1) & 1,
                         int(fields["SigCgt"], 16) >> (signal.SIGTERM - 1) & 1))

    previous = signal.signal(signal.SIGTERM, lambda *_: None)  # as the command line's handler, which forks inherit
    try:
        search("3,1", 12, workers=2, schedule="processes", progress=inspect)
    finally:
        signal.signal(signal.SIGTERM, previous)
    assert seen and set(seen) == {(1, 0)}  # Ctrl-C ignored, SIGTERM not caught: no worker traceback


def started_search(arguments, wanted_children):
    process = subprocess.Popen([sys.executable, *arguments], env=ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True, start_new_session=True)
    deadline, children = time.monotonic() + 60, []
    while len(children) < wanted_children and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.1)
        children = psutil.Process(process.pid).children()
    time.sleep(0.5)
    assert process.poll() is None, process.communicate()
    return process, children


def gone(children, timeout):
    _, alive = psutil.wait_procs(children, timeout=timeout)
    return all(child.status() == psutil.STATUS_ZOMBIE for child in alive if child.is_running())


@pytest.mark.timeout(120)
def test_a_process_group_ctrl_c_ends_a_processes_search_in_one_line():
    process, workers = started_search(["-m", "sage_lfsr", *FORM[:3], "--degree", "25", "--mode", "period",
                                       "--schedule", "processes", "--workers", "2", "--quiet"], 2)
    sent = time.monotonic()
    os.killpg(process.pid, signal.SIGINT)  # a terminal's Ctrl-C reaches every worker too
    out, err = process.communicate(timeout=30)
    assert time.monotonic() - sent < 2
    assert (process.returncode, out, err.splitlines()) == (130, "", ["sage-lfsr: interrupted"])
    assert gone(workers, 2)


@pytest.mark.timeout(120)
def test_the_workers_of_a_processes_search_die_with_it():
    process, workers = started_search(["-c", "from sage_lfsr.census.search import search; "
                                             "search('3,1', 25, workers=2, schedule='processes')"], 2)
    process.kill()
    process.wait(10)
    assert gone(workers, 1)  # they ran on for 2-11 s, reparented to init


def test_an_interrupted_dask_map_on_its_own_cluster_neither_waits_for_busy_workers_nor_leaves_them():
    pytest.importorskip("distributed")
    from types import SimpleNamespace

    from sage_lfsr.engine.schedules import dask_cluster

    class Client:
        calls = []

        def scheduler_info(self):
            return {"workers": {"tcp://a": {"name": 0}}}

        def run(self, *arguments, **options):  # a busy worker answers when its kernel returns: 10-20 s
            self.calls.append(arguments)

    def interrupted(*arguments):
        raise KeyboardInterrupt

    schedule = dask_cluster.DaskSchedule()
    schedule._run_tasks = interrupted
    job = SimpleNamespace(state_count=16)
    original = dask_cluster.memory_mode
    dask_cluster.memory_mode = lambda *arguments: ("private", "private")
    try:
        for address, asked in ((None, 0), ("tcp://remote:8786", 1)):
            Client.calls = []
            with pytest.raises(KeyboardInterrupt):
                schedule._run(Client(), "run", job, SimpleNamespace(workers=1, scheduler_address=address))
            assert len(Client.calls) == asked
    finally:
        dask_cluster.memory_mode = original
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    nanny = SimpleNamespace(process=SimpleNamespace(process=SimpleNamespace(pid=sleeper.pid)), status=None)
    dask_cluster._stop_workers_now(SimpleNamespace(workers={0: nanny}))
    assert sleeper.wait(5) == -signal.SIGKILL and nanny.status is not None


@pytest.mark.timeout(60)
def test_a_signal_after_the_output_is_written_says_the_output_is_complete(tmp_path):
    output = tmp_path / "map.json"
    script = ("import os, signal, sys; import sage_lfsr.__main__ as program; "
              f"sys.argv = ['sage-lfsr', 'map', '--polynomial', 'x^4 + x + 1', '--quiet', '--output', {str(output)!r}]; "
              "code = program.main(); os.kill(os.getpid(), signal.SIGTERM); sys.exit(code)")
    done = subprocess.run([sys.executable, "-c", script], env=ENV, capture_output=True, text=True, timeout=60)
    assert (done.returncode, done.stderr.splitlines()) == (
        143, ["sage-lfsr: SIGTERM after the run ended: its output is complete"])
    assert json.loads(output.read_text())["cycle_counts"] == {"1": 1, "15": 1}


@pytest.mark.timeout(120)
@pytest.mark.parametrize("schedule, signum, code, line", [
    ("threads", signal.SIGINT, 130, "sage-lfsr: interrupted"),
    ("sequential", signal.SIGTERM, 143, "sage-lfsr: terminated by SIGTERM"),
])
def test_a_search_at_degree_40_answers_a_signal_within_two_seconds(schedule, signum, code, line):
    process = subprocess.Popen([sys.executable, "-m", "sage_lfsr", *FORM[:3], "--degree", "40", "--mode", "period",
                                "--schedule", schedule, "--workers", "2" if schedule == "threads" else "1"],
                               env=ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    size = process.stderr.readline()  # stated before the walk starts
    assert "degree 40" in size, size
    time.sleep(1.5)  # inside the walk: candidate 0 alone is hours at this degree
    sent = time.monotonic()
    process.send_signal(signum)
    out, err = process.communicate(timeout=30)
    assert time.monotonic() - sent < 2
    assert (process.returncode, out, err.splitlines()[-1:]) == (code, "", [line])
