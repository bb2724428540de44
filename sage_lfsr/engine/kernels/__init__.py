r"""
Tracing kernels, by name (the interface: :mod:`sage_lfsr.engine.kernels.base`).

- ``"fast"``: compiled (numba) over integer states; needs only numpy and numba.
- ``"sage"``: the reference, Sage ``vector * matrix`` products; needs Sage.

Both expose ``sweep_cycles``, ``trace_segments`` and ``trace_trees`` with the
same arguments and results (see :mod:`sage_lfsr.engine.kernels.traversal`).
"""
import importlib

#: ``name -> (module, class)``: a new kernel is one line here.
KERNELS = {"fast": ("sage_lfsr.engine.kernels.fast", "FastKernel"),
           "sage": ("sage_lfsr.engine.kernels.sage", "SageKernel")}


def available_kernels():
    return sorted(KERNELS)


def check_kernel(name):
    if name not in KERNELS:
        raise ValueError(f"unknown kernel {name!r}: choose one of {', '.join(available_kernels())}")
    return name


def register_kernel(name, module, class_name):
    r"""Make the kernel class ``module.class_name`` available as ``name`` (for extensions and tests)."""
    KERNELS[name] = (module, class_name)


def kernel_class(name):
    r"""The :class:`~sage_lfsr.engine.kernels.base.Kernel` subclass registered as ``name``."""
    from sage_lfsr.engine.kernels.base import Kernel

    module, class_name = KERNELS[check_kernel(name)]
    cls = getattr(importlib.import_module(module), class_name)
    if not issubclass(cls, Kernel):
        raise TypeError(f"kernel {name!r} ({module}.{class_name}) does not implement sage_lfsr.engine.kernels.base.Kernel")
    return cls


def make_kernel(name, register):
    r"""
    The kernel ``name`` for ``register`` (a
    :class:`~sage_lfsr.registers.description.RegisterDescription`, or anything
    :func:`~sage_lfsr.registers.coercion.describe` takes).

    EXAMPLES::

        sage: from sage_lfsr import LFSR
        sage: from sage_lfsr.engine.kernels import make_kernel
        sage: kernel = make_kernel("fast", LFSR([1, 1, 0, 0]))
        sage: kernel.name, kernel.successor(1)
        ('fast', 8)
    """
    from sage_lfsr.registers.coercion import describe

    return kernel_class(name)(describe(register))
