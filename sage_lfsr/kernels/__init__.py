r"""
Tracing kernels, by name.

- ``"fast"``: compiled (numba) over integer states; needs only numpy and numba.
- ``"sage"``: the reference, Sage ``vector * matrix`` products; needs Sage.

Both expose ``sweep_cycles``, ``trace_segments`` and ``trace_trees`` with the
same arguments and results (see :mod:`sage_lfsr.kernels.traversal`).
"""
import importlib

_KERNELS = {"fast": ("sage_lfsr.kernels.fast", "FastKernel"),
            "sage": ("sage_lfsr.kernels.sage", "SageKernel")}

#: Rough cost of one successor step in seconds, used to size tasks before any
#: measurement (the schedules refine it from a short calibration run).
STEP_SECONDS = {"fast": 1e-8, "sage": 3e-5}


def available_kernels():
    return sorted(_KERNELS)


def check_kernel(name):
    if name not in _KERNELS:
        raise ValueError(f"unknown kernel {name!r}: choose one of {', '.join(available_kernels())}")
    return name


def register_kernel(name, module, class_name):
    r"""Make the kernel class ``module.class_name`` available as ``name`` (for extensions and tests)."""
    _KERNELS[name] = (module, class_name)


def make_kernel(name, tables):
    module, cls = _KERNELS[check_kernel(name)]
    return getattr(importlib.import_module(module), cls)(tables)
