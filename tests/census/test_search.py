"""
Maximum-period searches over forms against independent oracles: a plain Python
shift register over term lists enumerated with itertools (not the unranking),
the one-candidate compiled walk, the unreduced and unscreened search, an
uninterrupted run for resumed and Dask runs with a worker killed.
"""
import itertools
import json
import os
import signal

import numpy as np
import pytest

from sage_lfsr.census import families
from sage_lfsr.census.forms import Form
from sage_lfsr.census.lockstep import NOT_REPRESENTATIVE, SHORT_CYCLE, walk, walk_one
from sage_lfsr.census.search import run_task, search, task_ranges

FORMS = ("3,1", "2,2", "5,1", "3,0,1")


def brute_period(degree, terms):
    """The period of the state x0 = 1 under f = XOR of the products of ``terms``, bit by bit in Python."""
    state = [1] + [0] * (degree - 1)
    start, steps = tuple(state), 0
    while True:
        bit = 0
        for term in terms:
            bit ^= all(state[i] for i in term)
        state = state[1:] + [bit]
        steps += 1
        if tuple(state) == start or steps > 1 << degree:
            return steps


def brute_candidates(form, degree):
    """Every feedback of the form as term tuples, from itertools (independent of the unranking)."""
    k1, k2, k3 = (list(map(int, form.split(","))) + [0, 0])[:3]
    variables = range(1, degree)
    for linear in itertools.combinations(variables, k1 - 1):
        for quadratic in itertools.combinations(itertools.combinations(variables, 2), k2):
            for cubic in itertools.combinations(itertools.combinations(variables, 3), k3):
                yield [(0,)] + [(i,) for i in linear] + list(quadratic) + list(cubic)


def mask_set(terms):
    return frozenset(sum(1 << i for i in term) for term in terms)


@pytest.mark.parametrize("form,degree", [("3,1", 7), ("2,2", 6), ("5,1", 7), ("3,0,1", 6)])
def test_counts_equal_a_python_brute_force(form, degree):
    candidates = list(brute_candidates(form, degree))
    family = Form(form, degree)
    assert family.size == len(candidates)
    assert {mask_set(c) for c in candidates} == {frozenset(family.masks(i)) for i in range(family.size)}
    expected = {mask_set(c) for c in candidates if brute_period(degree, c) == (1 << degree) - 1}
    periods, _ = walk(family, reduce=False, screen=False)
    assert {frozenset(family.masks(i)) for i in np.flatnonzero(periods == (1 << degree) - 1)} == expected
    assert search(form, degree).summary()["maximum_period_members"] == len(expected)


@pytest.mark.parametrize("form", FORMS)
def test_lockstep_walk_equals_the_one_candidate_walk(form):
    for degree in (6, 9, 12):
        family = Form(form, degree)
        periods, steps = walk(family, reduce=False, screen=False)
        single = np.array([walk_one(np.array(family.masks(i), dtype=np.int64), degree) for i in range(family.size)])
        assert (periods == single).all()
        assert steps == single.sum()


@pytest.mark.parametrize("form,degree", [("3,1", 14), ("2,2", 11), ("5,1", 11), ("3,0,1", 12)])
def test_reduction_and_screen_equal_the_unreduced_search(form, degree):
    family = Form(form, degree)
    full = (1 << degree) - 1
    plain, _ = walk(family, reduce=False, screen=False)
    maximal = set(np.flatnonzero(plain == full).tolist())
    for reduce, screen in ((True, False), (False, True), (True, True)):
        periods, _ = walk(family, reduce=reduce, screen=screen)
        found = set(np.flatnonzero(periods == full).tolist())
        if reduce:
            found |= {family.reciprocal_index(i) for i in found}
            assert (periods != NOT_REPRESENTATIVE).sum() == len(family)
        assert found == maximal
        # the screen only skips registers that are not of maximum period
        assert not maximal & set(np.flatnonzero(periods == SHORT_CYCLE).tolist())


@pytest.mark.parametrize("form", FORMS)
def test_unranking_is_a_bijection_and_reciprocals_pair_up(form):
    family = Form(form, 9)
    masks = [family.masks(i) for i in range(family.size)]
    assert len({frozenset(m) for m in masks}) == family.size
    assert all(family.index_of(m) == i for i, m in enumerate(masks))
    mirror = [family.reciprocal_index(i) for i in range(family.size)]
    assert all(mirror[mirror[i]] == i for i in range(family.size))
    assert len(family) == sum(1 for i in range(family.size) if i <= mirror[i])


def test_published_notation_and_exports():
    result = search("3,1", 8)
    rows = result.rows(linear_complexity=True)
    assert rows and all(row["feedback"].startswith("x0 + ") for row in rows)
    from sage_lfsr.sequences import linear_complexity
    from sage_lfsr.census.search import output_period

    first = rows[0]
    masks = [sum(1 << i for i in term) for term in first["terms"]]
    sequence = output_period(masks, 8)
    assert len(sequence) == 255 and first["linear_complexity"] == linear_complexity(sequence)
    assert brute_period(8, [tuple(t) for t in first["reciprocal_terms"]]) == 255
    document = json.loads(result.to_json())
    assert document["registers"][0]["terms"] == first["terms"]
    assert result.to_csv().splitlines()[0].startswith("index,feedback,reciprocal")
    assert len(families.form("3,1", 8)) == len(Form("3,1", 8))


def test_processes_and_resume_equal_one_sequential_run(tmp_path):
    whole = search("2,2", 12, task_candidates=500)
    for schedule in ("threads", "processes"):
        assert search("2,2", 12, workers=2, schedule=schedule).maximum == whole.maximum
    checkpoint = tmp_path / "run.jsonl"
    search("2,2", 12, checkpoint=checkpoint, task_candidates=500)
    lines = checkpoint.read_text().splitlines()
    checkpoint.write_text("\n".join(lines[: len(lines) // 2]) + '\n{"lo": 1, "hi"')  # a kill mid-line
    resumed = search("2,2", 12, checkpoint=checkpoint, task_candidates=500)
    assert resumed.maximum == whole.maximum
    assert resumed.summary()["walked"] == whole.summary()["walked"]
    # a rerun with other task sizes walks only what no saved task covers
    checkpoint.write_text("\n".join(lines[: len(lines) // 2]) + "\n")
    resumed = search("2,2", 12, workers=2, checkpoint=checkpoint, task_candidates=333)
    assert resumed.maximum == whole.maximum
    assert resumed.summary()["walked"] == whole.summary()["walked"]
    assert sum(t.hi - t.lo for t in resumed.tasks) == Form("2,2", 12).size


def test_bad_forms_are_refused_in_one_line():
    for text, degree in (("3;1", 8), ("3,0", 8), ("0,1", 8), ("3,1", 2), ("3,1", 2.5), ("3,1", 41)):
        with pytest.raises(ValueError):
            Form(text, degree)


def test_dask_census_with_a_worker_killed_equals_the_uninterrupted_one():
    pytest.importorskip("distributed")
    from sage_lfsr.census.search_dask import run_on_dask

    degree, form = 14, "3,1"
    ranges = list(task_ranges(Form(form, degree).size, degree, 2, task_candidates=150))
    arguments = [(form, degree, lo, hi, True, True) for lo, hi in ranges]
    expected = sorted(i for args in arguments for i in run_task(*args).maximum)
    results, killed = [], []

    def kill_one(client):
        if not killed:
            pids = client.run(os.getpid)
            victim = sorted(pids.values())[0]
            os.kill(victim, signal.SIGKILL)
            killed.append(victim)

    run_on_dask(run_task, arguments, 2, None, results.append, on_result=kill_one,
                prepare=(run_task, (form, degree, 0, 1)))  # as search() does: each worker loads the kernel first
    assert killed
    assert sorted((r.lo, r.hi) for r in results) == ranges  # each range once: nothing lost, nothing twice
    assert sorted(i for r in results for i in r.maximum) == expected


def test_cli_form_search_writes_the_registers_and_a_summary(tmp_path, capsys):
    from sage_lfsr.cli import main

    output = tmp_path / "found.json"
    assert main(["census", "--form", "3,1", "--degree", "9", "--mode", "period", "--workers", "1",
                 "--format", "json", "--output", str(output), "--quiet", "--linear-complexity"]) == 0
    document = json.loads(output.read_text())
    expected = search("3,1", 9)
    assert [row["feedback"] for row in document["registers"]] == [row["feedback"] for row in expected.rows()]
    assert all(row["linear_complexity"] > 9 for row in document["registers"])
    assert "of maximum period" in capsys.readouterr().err
    assert main(["census", "--form", "3,1", "--degree", "9", "--mode", "map"]) == 2  # a search walks periods


def test_counts_equal_the_published_lists():
    from sage_lfsr.census.published import COUNTS, PUBLISHED_FORMS, published_count

    for form in PUBLISHED_FORMS:
        for degree in (10, 11, 12) if form in FORMS else (10,):
            assert search(form, degree).summary()["maximum_period"] == published_count(form, degree), (form, degree)
    # the one 3,1 register of degree 19 in the lists (x0 + x9 + x12 + x1*x13) and no other
    family = Form("3,1", 19)
    found = search(family, 19, workers=2).maximum
    assert len(found) == COUNTS[19][0] == 1
    assert [[0], [9], [12], [1, 13]] in (family.terms(found[0]), family.reciprocal_terms(found[0]))


def test_persistent_lanes_over_many_ranges_equal_one_walk():
    from sage_lfsr.census.lockstep import LaneWalker

    family = Form("2,2", 10)
    periods, steps = walk(family)
    walker = LaneWalker(family)
    seen = np.full(family.size, 7, dtype=np.int64)
    total = 0
    for lo in range(0, family.size, 37):  # ranges far smaller than the lanes' walks: lanes carry over
        indices, values, walked = walker.feed(lo, min(lo + 37, family.size))
        seen[indices] = values
        total += walked.sum()
    indices, values, walked = walker.drain()
    seen[indices] = values
    assert (seen == periods).all() and total + walked.sum() == steps


def test_a_failing_thread_surfaces_in_the_caller_and_no_thread_is_left(monkeypatch):
    import threading

    from sage_lfsr.census import lockstep

    before = threading.active_count()
    original = lockstep.LaneWalker.feed

    def failing(self, lo, hi):
        if lo > 0:
            raise RuntimeError("a worker failed")
        return original(self, lo, hi)

    monkeypatch.setattr(lockstep.LaneWalker, "feed", failing)
    with pytest.raises(RuntimeError, match="a worker failed"):
        search("2,2", 12, workers=2, task_candidates=100)
    assert threading.active_count() == before


def test_ctrl_c_in_a_threaded_search_and_census_stops_every_thread():
    import threading

    from sage_lfsr.census import census, families

    def interrupt(done, total):
        raise KeyboardInterrupt

    before = threading.active_count()
    with pytest.raises(KeyboardInterrupt):
        search("2,2", 14, workers=2, progress=interrupt)
    with pytest.raises(KeyboardInterrupt):
        census(families.feedback_functions(4), schedule="threads", workers=2, batch_size=4, progress=interrupt)
    assert threading.active_count() == before
