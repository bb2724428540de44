"""
The GPU search (sage_lfsr.census.gpu) against the CPU search, through numba's
CUDA simulator on machines without a GPU; the lane widths and the budgeted
calls of the lockstep walk against the one-register walk.
"""
import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest

from sage_lfsr.census import lockstep
from sage_lfsr.census.forms import Form
from sage_lfsr.census.lockstep import LaneWalker, walk, walk_one, warm_up
from sage_lfsr.census.published import PUBLISHED_FORMS
from sage_lfsr.census.search import search

HERE = Path(__file__).resolve().parent


def one_register_periods(form):
    return np.array([walk_one(np.array(form.masks(i), dtype=np.int64), form.degree) for i in range(form.size)])


@pytest.mark.parametrize("name", PUBLISHED_FORMS)
def test_every_lane_width_equals_the_one_register_walk(name):
    form = Form(name, 9)
    single = one_register_periods(form)
    for width in (16, 32, 64):
        periods, steps = walk(form, reduce=False, screen=False, width=width)
        assert (periods == single).all() and steps == single.sum()


def test_budgeted_calls_and_stop(monkeypatch):
    form = Form("2,2", 10)
    whole, steps = walk(form, reduce=False, screen=False)
    monkeypatch.setattr(lockstep, "CALL_BUDGET", 3)  # a call returns after three chunks or candidates
    periods, fewer_steps = walk(form, reduce=False, screen=False)
    assert (periods == whole).all() and fewer_steps == steps
    stop = threading.Event()
    stop.set()
    walker = LaneWalker(form, stop=stop)
    assert [len(part) for part in walker.feed(0, form.size)] == [0, 0, 0]  # returns at once, nothing settled


def test_warm_up_walks_nothing(monkeypatch):
    calls = []
    original = LaneWalker._run

    def recorded(self, lo, hi, drain):
        settled = original(self, lo, hi, drain)
        calls.append((lo, hi, drain, len(settled[0])))
        return settled

    monkeypatch.setattr(LaneWalker, "_run", recorded)
    warm_up(Form("3,1", 34))
    assert calls == [(0, 0, True, 0)]


def test_device_is_checked_before_work(tmp_path):
    with pytest.raises(ValueError, match="unknown search device"):
        search("3,1", 6, device="tpu")
    with pytest.raises(ValueError, match="workers=1"):
        search("3,1", 6, device="cuda", workers=2)
    from numba import cuda

    if cuda.is_available():
        pytest.skip("a CUDA GPU (or the simulator) is present here")
    with pytest.raises(ValueError, match="no CUDA GPU or driver"):
        search("3,1", 6, device="cuda", checkpoint=tmp_path / "ck.jsonl")
    assert not (tmp_path / "ck.jsonl").exists()  # refused before the checkpoint is made


def test_gpu_search_equals_the_cpu_search_under_the_simulator(tmp_path):
    pytest.importorskip("numba.cuda", reason="this numba has no CUDA target (nor its simulator): pip install numba-cuda")
    environment = dict(os.environ, NUMBA_ENABLE_CUDASIM="1")
    done = subprocess.run([sys.executable, str(HERE / "gpu_simulated.py"), str(tmp_path / "ck.jsonl")],
                          env=environment, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    found = json.loads(done.stdout)
    sys.path.insert(0, str(HERE))
    try:
        from gpu_simulated import DEGREES
    finally:
        sys.path.remove(str(HERE))
    assert sorted(found["maximum"]) == sorted(PUBLISHED_FORMS)
    for name, degree in DEGREES.items():
        cpu = search(name, degree, workers=1)
        assert found["maximum"][name] == cpu.maximum, name
        assert found["walked"][name] == [cpu.summary()["walked"], cpu.summary()["steps"]], name
    form = Form("2,2", 6)
    single = one_register_periods(form)
    assert found["periods"] == single.tolist() and found["steps"] == single.tolist()
    whole = search("3,0,1", 9, workers=1)
    assert found["resumed"] == [whole.maximum, whole.summary()["walked"], -(-Form("3,0,1", 9).size // 100)]
