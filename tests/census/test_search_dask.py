"""
The Dask search with unfinished walks handed on from task to task, against the
sequential search in this process (the oracle: same registers, same counts, same
steps), with small tasks so that handoffs happen; a worker killed mid-run, a
resumed checkpoint, and no process left running.
"""
import json
import os
import signal
import time

import pytest

from sage_lfsr.census.forms import Form
from sage_lfsr.census.search import RangeLedger, TaskResult, search, task_ranges

distributed = pytest.importorskip("distributed")

from sage_lfsr.census.search_dask import search_with_handoff  # noqa: E402


def children():
    """Live child processes, less multiprocessing's resource tracker (one per interpreter, by design)."""
    import psutil

    found = []
    for child in psutil.Process().children(recursive=True):
        try:
            if child.status() != psutil.STATUS_ZOMBIE and "resource_tracker" not in " ".join(child.cmdline()):
                found.append(child.pid)
        except psutil.NoSuchProcess:
            pass
    return found


def left_running(before, timeout=5.0):
    """The children not in ``before`` still alive after up to ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        new = set(children()) - set(before)
        if not new or time.monotonic() > deadline:
            return new
        time.sleep(0.05)


@pytest.fixture(scope="module")
def cluster():
    before = children()
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as running:
        yield running.scheduler_address
    assert not left_running(before)  # the workers are gone with the cluster


def counts(tasks):
    return {key: sum(getattr(t, key) for t in tasks) for key in ("walked", "screened", "steps")}


@pytest.mark.parametrize("name, degree, size", [("3,1", 12, 150), ("2,2", 10, 300)])
def test_handoff_equals_the_sequential_search(cluster, name, degree, size):
    form = Form(name, degree)
    ranges = list(task_ranges(form.size, degree, 2, task_candidates=size))
    results = []
    done = search_with_handoff(form, ranges, RangeLedger([], degree), 2, cluster, results.append)
    expected = search(name, degree)
    assert done["handed_on"] > 0 and done["drains"] > 0  # walks did move from task to task
    assert sorted((r.lo, r.hi) for r in results) == ranges  # each range once, when all its candidates settled
    assert sorted(i for r in results for i in r.maximum) == expected.maximum
    assert counts(results) == counts(expected.tasks)  # every walk exact: the same steps in total


@pytest.mark.timeout(60)
def test_a_client_the_caller_holds_neither_slows_nor_stalls_the_search(cluster):
    expected = search("3,1", 11).maximum
    with distributed.Client(cluster) as held:  # a notebook's own client of the same scheduler
        assert search("3,1", 11, workers=2, schedule="dask", scheduler_address=cluster).maximum == expected
        held.close()  # the search waited on this client's loop (3-9 s a search), then stalled once it closed
        assert search("3,1", 11, workers=2, schedule="dask", scheduler_address=cluster).maximum == expected


def test_search_on_dask_resumes_its_checkpoint(cluster, tmp_path):
    checkpoint = tmp_path / "search.jsonl"
    first = search("3,1", 11, workers=2, schedule="dask", scheduler_address=cluster, checkpoint=checkpoint,
                   task_candidates=100)
    lines = checkpoint.read_text().splitlines()
    checkpoint.write_text("\n".join(lines[:len(lines) // 2]) + "\n")  # a caller killed halfway
    kept = [TaskResult(**json.loads(line)) for line in lines[1:len(lines) // 2]]
    second = search("3,1", 11, workers=2, schedule="dask", scheduler_address=cluster, checkpoint=checkpoint,
                    task_candidates=100)
    assert second.maximum == first.maximum == search("3,1", 11).maximum
    assert counts(second.tasks) == counts(first.tasks)
    rerun = second.tasks[len(kept):]
    assert not {(t.lo, t.hi) for t in rerun} & {(t.lo, t.hi) for t in kept}  # no range walked twice


def test_a_killed_worker_loses_nothing(cluster):  # last: the cluster's nanny restarts the worker
    form = Form("3,1", 12)
    ranges = list(task_ranges(form.size, form.degree, 2, task_candidates=150))
    results, killed = [], []

    def kill_one(client):
        if not killed and len(results) >= 2:
            victim = sorted(client.run(os.getpid).values())[0]
            os.kill(victim, signal.SIGKILL)
            killed.append(victim)

    done = search_with_handoff(form, ranges, RangeLedger([], form.degree), 2, cluster, results.append,
                               on_result=kill_one)
    assert killed and done["handed_on"] > 0
    assert sorted((r.lo, r.hi) for r in results) == ranges
    expected = search("3,1", 12)
    assert sorted(i for r in results for i in r.maximum) == expected.maximum
    assert counts(results) == counts(expected.tasks)
