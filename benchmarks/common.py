r"""Shared pieces of the benchmark scripts: the registers, timing, the machine, the report."""
import os
import platform
from pathlib import Path

DOCS = Path(__file__).resolve().parent.parent / "docs"
SECTIONS = DOCS / "benchmarks"


def machine_description():
    cpu = platform.processor() or "unknown CPU"
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return f"{cpu}, {cores} cores usable, Python {platform.python_version()}, {platform.system()} {platform.release()}"


def benchmark_registers(degree):
    r"""
    The three kinds of register of the schedule benchmark, over GF(2):
    primitive (one cycle of 2^d - 1 states), many equal cycles (x^d + 1),
    skewed (primitive of degree d - 5 times primitive of degree 5).
    """
    from sage_lfsr.registers.lfsr import LFSR
    from sage_lfsr.theory.prediction import random_primitive_polynomial

    primitive = random_primitive_polynomial(2, degree, seed=1)
    small = random_primitive_polynomial(2, 5, seed=2)
    large = random_primitive_polynomial(2, degree - 5, seed=3) if degree > 6 else random_primitive_polynomial(2, 1, seed=3)
    return {
        "primitive": LFSR.from_polynomial(primitive),
        "many-cycles": LFSR.from_polynomial(f"x^{degree}+1"),
        "skewed": LFSR.from_polynomial(small * large),
    }


def write_section(name, title, lines):
    SECTIONS.mkdir(parents=True, exist_ok=True)
    (SECTIONS / f"{name}.md").write_text(f"## {title}\n\n" + "\n".join(lines) + "\n")
    assemble_report()


def assemble_report():
    order = ["summary", "perf-targets", "kernels", "linear-kinds", "nonlinear", "c-reference", "sage-kernel", "schedules",
             "schedules-large", "many-cycles", "many-cycles-x30", "many-cycles-caller", "dask", "dask-no-shared-marks",
             "scale", "cold-start", "resume", "resume-30", "shared-depths", "scaling-16-cores-one-bitmap", "scaling-16-cores", "sweep-16-cores",
             "dask-owned-large-30", "dask-owned-large-32", "dask-owned-model",
             "sequences", "census", "search", "search-gpu", "search-dask", "debruijn"]
    parts = ["# Benchmarks", "",
             "Written by the scripts in `benchmarks/`: `kernels.py`, `linear_kinds.py`, `nonlinear.py`, `c_reference.py`, "
             "`sage_kernel.py`, `schedules.py` (also on a machine without Sage, from tables it exports), "
             "`many_cycles.py`, `dask_bench.py`, `no_shared_marks.py`, `scale.py`, `cold_start.py`, `resume.py`, "
             "`sweep.py` (the 16-core sweep, "
             "numpy and numba only), `sequences.py`, `census.py`, `search.py`, `search_dask.py`, `debruijn.py`; `summary.md` beside the sections "
             "is written by hand from "
             "them. Each section names the machine it ran on. Times are the best of a few runs (the machines are "
             "shared and noisy); speedups are ratios measured in the same run.", ""]
    for name in order:
        path = SECTIONS / f"{name}.md"
        if path.exists():
            parts.append(path.read_text())
    (DOCS / "benchmarks.md").write_text("\n".join(parts))
