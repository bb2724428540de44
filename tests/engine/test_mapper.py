r"""Enumeration (both kernels) against the algebraic prediction and a brute-force walk."""
import pytest
from hypothesis import given, settings, strategies as st

from sage_lfsr import LFSR, map_cycles, predict_cycles
from sage_lfsr.registers.tables import RegisterTables

from conftest import random_register

#: (q, largest degree) swept with random registers; q^d stays below ~2^14.
SWEEP = [(2, 13), (3, 8), (4, 7), (5, 5), (9, 4)]


def brute_force_cycles(register):
    r"""Every cycle as ``(smallest state, length)``, found with Sage vector products."""
    successor = [register.state_index(register.next_state(index)) for index in range(register.state_count)]
    cycles = set()
    for start in range(register.state_count):
        state = start
        for _ in range(register.state_count + 1):
            state = successor[state]
        cycle, member = [state], successor[state]
        while member != state:
            cycle.append(member)
            member = successor[member]
        cycles.add((min(cycle), len(cycle)))
    return sorted(cycles)


@pytest.mark.parametrize("q, max_degree", SWEEP)
def test_enumeration_equals_prediction_on_random_registers(rng, q, max_degree):
    for degree in range(1, max_degree + 1):
        for singular in (False, True):
            register = random_register(rng, q, degree, singular=singular)
            result = map_cycles(register)
            assert result.is_complete()
            assert result.structure() == predict_cycles(register), register


@pytest.mark.parametrize("q, degree", [(2, 6), (3, 4), (4, 3), (9, 2), (5, 3)])
def test_both_kernels_find_the_brute_force_cycles(rng, q, degree):
    for singular in (False, True):
        register = random_register(rng, q, degree, singular=singular)
        expected = brute_force_cycles(register)
        for kernel in ("fast", "sage"):
            result = map_cycles(register, kernel=kernel)
            assert list(result.cycles) == expected
            assert result.structure() == predict_cycles(register)


#: The largest degree per field whose state space the sage kernel (~40 thousand states/s) walks
#: in a fraction of a second: 2^10, 3^6, 4^5 and 9^3 states, every step kind and tree shape.
SAGE_KERNEL_DEGREES = {2: 10, 3: 6, 4: 5, 9: 3}


@settings(max_examples=40, deadline=None)
@given(st.sampled_from(sorted(SAGE_KERNEL_DEGREES)), st.data())
def test_kernels_agree_everywhere(q, data):
    degree = data.draw(st.integers(1, SAGE_KERNEL_DEGREES[q]))
    coefficients = data.draw(st.lists(st.integers(0, q - 1), min_size=degree, max_size=degree))
    register = LFSR(coefficients, q=q)
    fast = map_cycles(register, kernel="fast", batch_size=7)
    sage = map_cycles(register, kernel="sage")
    assert fast.cycles == sage.cycles
    assert fast.structure() == sage.structure() == predict_cycles(register)


@pytest.mark.parametrize("polynomial, q, cycles, tails", [
    ("x^4+x+1", 2, {1: 1, 15: 1}, None),
    ("x^4+x^3+x^2+x+1", 2, {1: 1, 5: 3}, None),
    ("(x^2+x+1)^2", 2, {1: 1, 3: 1, 6: 2}, None),
    ("x^4+1", 2, {1: 2, 2: 1, 4: 3}, None),
    ("x^4+x^3+x^2", 2, {1: 1, 3: 1}, {0: 4, 1: 4, 2: 8}),
    ("x^2+1", 3, {1: 1, 4: 2}, None),
    ("(x+1)^2", 3, {1: 1, 2: 1, 6: 1}, None),
])
def test_worked_values_from_design_notes(polynomial, q, cycles, tails):
    result = map_cycles(LFSR.from_polynomial(polynomial, q=q))
    assert result.cycle_counts == cycles
    assert result.tail_depths == (tails or {0: q ** 4 if q == 2 else q ** 2})


def test_sequential_run_walks_each_state_once(rng):
    for singular in (False, True):
        result = map_cycles(random_register(rng, 3, 7, singular=singular), batch_size=100)
        load = result.worker_loads[0]
        assert load.states_traced == result.state_count == load.states_owned
        assert result.imbalance == 0.0


def test_mapping_from_prebuilt_tables_matches(tmp_path, rng):
    register = random_register(rng, 4, 5)
    tables = RegisterTables.from_lfsr(register)
    tables.save(tmp_path / "tables.npz")
    loaded = RegisterTables.load(tmp_path / "tables.npz")
    assert map_cycles(loaded).cycles == map_cycles(register).cycles


def test_progress_reports_every_state():
    seen = []
    map_cycles(LFSR.from_polynomial("x^12+x^6+x^4+x+1"), batch_size=512, progress=lambda done, total: seen.append((done, total)))
    assert seen[-1] == (4096, 4096)
    assert len(seen) == 8


@pytest.mark.parametrize("kwargs, error, message", [
    ({"workers": 0, "schedule": "static"}, ValueError, "workers must be a positive integer"),
    ({"workers": -2, "schedule": "queue"}, ValueError, "workers must be a positive integer"),
    ({"batch_size": 0}, ValueError, "batch_size must be a positive integer"),
    ({"schedule": "fifo"}, ValueError, "unknown schedule"),
    ({"kernel": "gpu"}, ValueError, "unknown kernel"),
    ({"registry": "redis"}, ValueError, "unknown registry"),
    ({"start_method": "thread"}, ValueError, "unknown start method"),
])
def test_bad_arguments_fail_before_any_work(kwargs, error, message):
    with pytest.raises(error, match=message):
        map_cycles(LFSR.from_polynomial("x^4+x+1"), **kwargs)


def test_state_space_too_big_for_memory_says_how_much_it_needs():
    with pytest.raises(MemoryError, match=r"needs .*GiB"):
        map_cycles(LFSR([1] + [0] * 38 + [1]), schedule="static", workers=2, registry="manager")
    with pytest.raises(MemoryError, match="too many to map"):
        map_cycles(LFSR([1] + [0] * 62 + [1]))


def test_auto_runs_small_spaces_sequentially_and_says_why():
    register = LFSR.from_polynomial("x^10+x^3+1")
    result = map_cycles(register, schedule="auto")
    assert result.schedule == "sequential" and result.workers == 1
    assert result.choices["auto"].startswith("sequential:")
    assert result.structure() == predict_cycles(register)


def test_auto_goes_parallel_when_the_work_pays_for_the_workers(monkeypatch):
    from sage_lfsr.engine import planning

    monkeypatch.setattr(planning, "AUTO_SEQUENTIAL_BELOW", 1)
    monkeypatch.setattr(planning, "AUTO_SEQUENTIAL_SECONDS", 0.0)
    monkeypatch.setattr(planning, "default_workers", lambda: 2)
    register = LFSR.from_polynomial("x^16+x^14+x^13+x^11+1")
    result = map_cycles(register, schedule="auto")
    assert result.schedule == "hybrid" and result.workers == 2
    assert result.choices["auto"].startswith("hybrid on 2 workers")
    assert result.choices["split"] is True  # the predicted cycle is longer than a task
    assert result.structure() == predict_cycles(register)
