r"""
One suite for every registered schedule: each must give exactly the sequential
result, for every register, worker count, batch size, registry and kernel.
"""
import pytest

from sage_lfsr import map_cycles, predict_cycles
from sage_lfsr.engine.schedules import available_schedules
from sage_lfsr.registers.lfsr import LFSR

from conftest import SCHEDULE_REGISTERS, schedule_register

LOCAL_PARALLEL = [name for name in available_schedules() if name not in ("sequential", "dask")]
LABELS = [label for label, _, _ in SCHEDULE_REGISTERS]


@pytest.fixture(scope="module")
def references():
    return {label: map_cycles(schedule_register(label)) for label in LABELS}


def assert_same_map(result, reference):
    assert result.cycles == reference.cycles
    assert result.structure() == reference.structure()
    assert result.is_complete()


def test_every_local_schedule_is_tested():
    assert set(LOCAL_PARALLEL) >= {"static", "queue", "steal", "hybrid"}


@pytest.mark.timeout(240)
@pytest.mark.parametrize("schedule", LOCAL_PARALLEL)
@pytest.mark.parametrize("label", LABELS)
def test_schedule_matches_sequential_for_1_to_4_workers(schedule, label, references):
    register = schedule_register(label)
    reference = references[label]
    assert reference.structure() == predict_cycles(register)
    for workers in (1, 2, 3, 4):
        batch = max(1, register.state_count // (3 * workers + 1))
        result = map_cycles(register, schedule=schedule, workers=workers, batch_size=batch)
        assert_same_map(result, reference)
        assert len(result.worker_loads) == workers
        assert sum(load.tasks for load in result.worker_loads) == len(
            {task for load in result.worker_loads for task, _, _ in load.timeline})


@pytest.mark.timeout(240)
@pytest.mark.parametrize("schedule", LOCAL_PARALLEL)
@pytest.mark.parametrize("registry", ["shared", "manager"])
@pytest.mark.parametrize("split", [False, True])
def test_registry_and_splitting_do_not_change_the_result(schedule, registry, split, references):
    for label in LABELS:
        register = schedule_register(label)
        if split and register.is_singular:
            continue
        result = map_cycles(register, schedule=schedule, workers=3, batch_size=97, registry=registry, split=split)
        assert_same_map(result, references[label])
        if split and not register.is_singular:
            assert result.choices["distinguished_bits"] > 0


@pytest.mark.timeout(240)
@pytest.mark.parametrize("schedule", LOCAL_PARALLEL)
@pytest.mark.parametrize("split", [False, True])
def test_one_bitmap_shared_by_all_workers(schedule, split, references, monkeypatch):
    # Large state spaces share one visited bitmap (bits can be lost in races):
    # force that layout on small ones.
    from sage_lfsr.engine import memory

    monkeypatch.setattr(memory, "ROWS_UP_TO_BYTES", 0)
    for label in LABELS:
        register = schedule_register(label)
        if split and register.is_singular:
            continue
        for workers in (2, 4):
            result = map_cycles(register, schedule=schedule, workers=workers, batch_size=61, split=split)
            assert_same_map(result, references[label])
            if not register.is_singular:
                assert result.choices["visited_layout"] == "single"


@pytest.mark.timeout(240)
@pytest.mark.parametrize("schedule", LOCAL_PARALLEL)
def test_sage_kernel_in_workers(schedule, references):
    for label in ("GF(4) degree 5", "singular GF(2) x^3(x^7+x+1)"):
        register = schedule_register(label)
        result = map_cycles(register, schedule=schedule, workers=2, kernel="sage", batch_size=200)
        assert_same_map(result, references[label])


@pytest.mark.timeout(240)
def test_spawned_workers_rebuild_sage_objects(references):
    label = "GF(9) degree 3 singular"
    result = map_cycles(schedule_register(label), schedule="queue", workers=2, start_method="spawn", batch_size=100)
    assert_same_map(result, references[label])


@pytest.mark.parametrize("schedule", LOCAL_PARALLEL)
def test_worker_loads_account_for_all_states(schedule):
    register = LFSR.from_polynomial("x^12+x^6+x^4+x+1")
    result = map_cycles(register, schedule=schedule, workers=2, batch_size=256, registry="shared")
    loads = result.worker_loads
    assert sum(load.states_owned for load in loads) == register.state_count
    assert sum(load.states_traced for load in loads) >= register.state_count
    assert all(load.busy_seconds >= 0 and load.waiting_seconds >= 0 for load in loads)
    for load in loads:
        for task, start, end in load.timeline:
            assert 0 <= start <= end <= result.wall_seconds + 1e-3
    assert result.imbalance >= 0
    steals_made = sum(load.steals_made for load in loads)
    assert steals_made == sum(load.steals_suffered for load in loads)
    if schedule == "static":
        assert steals_made == 0


def test_static_assigns_contiguous_chunks():
    register = LFSR.from_polynomial("x^10+x^3+1")
    result = map_cycles(register, schedule="static", workers=2, batch_size=128, split=False)
    tasks = [sorted(task for task, _, _ in load.timeline) for load in result.worker_loads]
    assert tasks == [[0, 1, 2, 3], [4, 5, 6, 7]]


def test_seed_design_shows_static_imbalance_on_a_primitive_register():
    # One long cycle, whole cycles only, per-worker visited sets: one worker traces
    # (nearly) the whole cycle while the other finds nothing new. lambda near 100 %.
    register = LFSR.from_polynomial("x^16+x^14+x^13+x^11+1")
    result = map_cycles(register, schedule="static", workers=2, registry="manager", split=False)
    owned = sorted(load.states_owned for load in result.worker_loads)
    assert owned[0] <= 1 and owned[1] >= register.state_count - 1
    assert result.redundant_states >= register.state_count - 2


def test_splitting_spreads_one_long_cycle_over_workers():
    # Static assignment is deterministic: each worker traces the segments that
    # start in its chunk, so each owns a fair share of the one long cycle.
    register = LFSR.from_polynomial("x^16+x^14+x^13+x^11+1")
    result = map_cycles(register, schedule="static", workers=2, split=True)
    assert result.cycle_counts == {1: 1, 2 ** 16 - 1: 1}
    owned = [load.states_owned for load in result.worker_loads]
    assert min(owned) > 0.2 * register.state_count
