r"""Plan, then run: ``map_cycles`` is ``run(plan(...))``, plans are frozen and checked before any work."""
import dataclasses
import pickle
import subprocess
import sys
import textwrap

import pytest

from sage_lfsr import LFSR, map_cycles, predict_cycles
from sage_lfsr.engine import planning
from sage_lfsr.engine.checkpoint import Checkpoint
from sage_lfsr.engine.mapper import run
from sage_lfsr.engine.planning import plan

from conftest import schedule_register

#: (register label, schedule, options): the paths through plan() worth comparing.
CASES = [
    ("primitive GF(2) x^10+x^3+1", "queue", {"workers": 2, "batch_size": 128}),
    ("singular GF(2) x^3(x^7+x+1)", "steal", {"workers": 2, "batch_size": 100}),
    ("GF(9) degree 4", "hybrid", {"workers": 3, "batch_size": 500, "split": True}),
    ("GF(3) degree 6", "static", {"workers": 2, "registry": "manager"}),
    ("GF(4) degree 5", "sequential", {"kernel": "sage", "batch_size": 256}),
]


def without_timing(choices):
    return {key: value for key, value in choices.items()
            if key not in ("step_seconds", "batch_size_reason", "dask_start_seconds")}


@pytest.mark.timeout(240)
@pytest.mark.parametrize("label, schedule, options", CASES)
def test_map_cycles_is_run_of_plan(label, schedule, options):
    register = schedule_register(label)
    decided = plan(register, schedule=schedule, **options)
    result, direct = run(decided), map_cycles(register, schedule=schedule, **options)
    assert result.cycles == direct.cycles and result.structure() == direct.structure() == predict_cycles(register)
    assert (result.schedule, result.workers, result.kernel) == (direct.schedule, direct.workers, direct.kernel)
    assert without_timing(result.choices) == without_timing(direct.choices)
    assert result.tasks == direct.tasks == len(decided.tasks)
    assert {task for load in result.worker_loads for task, _, _ in load.timeline} == {t.task_id for t in decided.tasks}


@pytest.mark.parametrize("kwargs, message", [
    ({"workers": 0, "schedule": "static"}, "workers must be a positive integer"),
    ({"workers": True, "schedule": "queue"}, "workers must be a positive integer"),
    ({"batch_size": 2.5}, "batch_size must be a positive integer"),
    ({"schedule": "fifo"}, "unknown schedule"),
    ({"kernel": "gpu"}, "unknown kernel"),
    ({"registry": "redis"}, "unknown registry"),
    ({"start_method": "thread"}, "unknown start method"),
    ({"split": "yes"}, "split must be True, False or None"),
])
def test_plan_rejects_bad_arguments_before_any_work(monkeypatch, kwargs, message):
    def no_work(*args, **kwargs):
        raise AssertionError("work started before the arguments were checked")

    monkeypatch.setattr(planning, "make_kernel", no_work)
    monkeypatch.setattr("sage_lfsr.theory.prediction.predict_cycles", no_work)
    with pytest.raises(ValueError, match=message):
        plan(LFSR.from_polynomial("x^4+x+1"), **kwargs)


def test_splitting_a_singular_register_is_refused_by_the_plan():
    with pytest.raises(ValueError, match="invertible registers"):
        plan(LFSR.from_polynomial("x^4+x^3+x^2"), schedule="queue", workers=2, split=True)


def test_a_plan_is_immutable_and_pickles_without_its_kernel():
    decided = plan(LFSR.from_polynomial("x^10+x^3+1"), schedule="queue", workers=2, batch_size=128)
    with pytest.raises(dataclasses.FrozenInstanceError):
        decided.batch_size = 64
    with pytest.raises(TypeError):
        decided.reasons["split"] = "because"
    with pytest.raises(AttributeError):
        decided.reasons._items = {}
    assert isinstance(decided.tasks, tuple) and decided.calibrated_kernel is not None
    copy = pickle.loads(pickle.dumps(decided))
    assert copy == decided and copy.calibrated_kernel is None and dict(copy.reasons) == dict(decided.reasons)
    assert run(copy).cycles == map_cycles(LFSR.from_polynomial("x^10+x^3+1")).cycles


def test_a_resumed_checkpoint_plans_the_recorded_tasks(tmp_path):
    register = LFSR.from_polynomial("x^10+x^3+1")
    path = tmp_path / "run.ckpt"
    first = map_cycles(register, schedule="queue", workers=2, batch_size=128, checkpoint=path)
    header = Checkpoint(path).read(results=False)[0]
    # A plain sequential plan would be one task, unsplit: the checkpoint's plan wins.
    resumed = plan(register, checkpoint=path)
    assert [[t.phase, t.lo, t.hi] for t in resumed.tasks] == header["tasks"]
    assert (resumed.batch_size, resumed.split, resumed.dbits) == (128, True, header["dbits"])
    assert resumed.reasons["batch_size"].startswith("recorded in") and resumed.reasons["split"].startswith("recorded")
    again = run(resumed)
    assert again.choices["resumed_tasks"] == len(header["tasks"]) and again.cycles == first.cycles


@pytest.mark.timeout(240)
def test_a_plan_runs_where_sage_cannot_be_imported(tmp_path):
    # Planning needs Sage; running the plan (fast kernel, forked workers) must not.
    register = LFSR.from_polynomial("x^12+x^6+x^4+x+1")
    (tmp_path / "plan.pickle").write_bytes(pickle.dumps(plan(register, schedule="queue", workers=2, batch_size=512)))
    script = textwrap.dedent(f"""
        import pickle, sys
        sys.modules["sage"] = None  # any import of Sage now fails
        from sage_lfsr.engine.mapper import run
        result = run(pickle.loads(open({str(tmp_path / "plan.pickle")!r}, "rb").read()))
        assert not [name for name in sys.modules if name.startswith("sage.")]
        print(result.cycle_counts)
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=200)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == str(predict_cycles(register).cycle_counts)
