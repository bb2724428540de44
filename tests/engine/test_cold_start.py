r"""
Cold start: compiled traversals are cached on disk, so a fresh process maps a
register of every step kind (and runs the census kernels) without compiling,
and gets what the ``sage`` kernel (Sage arithmetic, no numba) gets. The cache
is filled by two processes at once, in an empty temporary ``NUMBA_CACHE_DIR``.
"""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from sage_lfsr import map_cycles
from sage_lfsr.common.sagemath import GF, matrix  # noqa: F401
from sage_lfsr import precompile
from sage_lfsr.census.registers import parse_register

pytestmark = pytest.mark.timeout(600)

ROOT = Path(__file__).resolve().parent.parent.parent

#: One small register per step kind of the fast kernel, and census lines: what setup.sh precompiles.
REGISTERS, CENSUS = precompile.REGISTERS, precompile.CENSUS

CHILD = r"""
import json, sys
import numba
from sage_lfsr import LFSR, FSR, MatrixRegister, map_cycles
from sage_lfsr.common.sagemath import GF, matrix
from sage_lfsr.census import kernels as census
from sage_lfsr.census.registers import parse_register
from sage_lfsr.engine.kernels import fast

registers, census_texts = json.loads(sys.argv[1])
from sage_lfsr.precompile import build
results = {label: sorted(map_cycles(build(text), schedule="sequential").cycle_counts.items())
           for label, text in registers.items()}
cycles, offsets, _, _, _ = census.run_map("anf", 2, 4, [parse_register(text) for text in census_texts])
results["census map"] = [cycles[offsets[r]:offsets[r + 1]].tolist() for r in range(len(census_texts))]
results["census period"] = census.run_period("anf", 2, 4, [parse_register(text) for text in census_texts], 1)[0].tolist()
dispatchers = fast.all_traversals() + tuple(census.MAP.values()) + tuple(census.PERIOD.values()) + (census._append_pair,)
used = [d for d in dispatchers if d.signatures]
stats = {"used": sorted(d.py_func.__qualname__ for d in used),
         "misses": sum(sum(d.stats.cache_misses.values()) for d in used),
         "hits": sum(sum(d.stats.cache_hits.values()) for d in used),
         "signatures": sum(len(d.signatures) for d in used)}
print(json.dumps({"results": results, "stats": stats}))
"""


def run_children(cache_dir, count):
    environment = dict(os.environ, NUMBA_CACHE_DIR=str(cache_dir), PYTHONPATH=str(ROOT))
    argument = json.dumps([REGISTERS, CENSUS])
    children = [subprocess.Popen([sys.executable, "-c", CHILD, argument], env=environment, cwd=ROOT,
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(count)]
    outputs = []
    for child in children:
        out, err = child.communicate(timeout=540)
        assert child.returncode == 0, err[-3000:]
        outputs.append(json.loads(out.strip().splitlines()[-1]))
    return outputs


def period_of(register, start):
    r"""Steps until ``start`` comes back, walked with Sage's ``next_state``; -1 if it is transient."""
    state = start
    for steps in range(1, register.state_count + 1):
        state = register.state_index(register.next_state(state))
        if state == start:
            return steps
    return -1


def sage_kernel_results():
    expected = {label: sorted(map_cycles(precompile.build(text), kernel="sage", schedule="sequential").cycle_counts.items())
                for label, text in REGISTERS.items()}
    census_registers = [parse_register(text).register() for text in CENSUS]
    expected["census map"] = [sorted(map_cycles(register, kernel="sage", schedule="sequential").cycle_counts.items())
                              for register in census_registers]
    expected["census period"] = [period_of(register, 1) for register in census_registers]
    return expected


def test_a_fresh_process_maps_every_step_kind_from_the_cache_without_compiling(tmp_path):
    first, second = run_children(tmp_path, 2)  # both fill the empty cache at once
    (fresh,) = run_children(tmp_path, 1)
    assert first["stats"]["misses"] > 0 and second["stats"]["misses"] > 0
    assert len(fresh["stats"]["used"]) >= len(REGISTERS) + 3, fresh["stats"]["used"]
    assert fresh["stats"]["misses"] == 0
    assert fresh["stats"]["hits"] == fresh["stats"]["signatures"] > 0
    expected = json.loads(json.dumps(sage_kernel_results()))
    for output in (first, second, fresh):
        assert output["results"] == expected
