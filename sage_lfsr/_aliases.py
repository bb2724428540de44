r"""
Module paths kept for users: the stable short paths (``sage_lfsr.sequences`` is
:mod:`sage_lfsr.theory.sequences`) and, for one release, the flat paths of the
modules that moved into the layers, with a ``DeprecationWarning`` naming the
new path.

An alias is the module itself, not a copy: ``sage_lfsr.lfsr.LFSR is
sage_lfsr.registers.lfsr.LFSR``, so ``isinstance``, pickles and patches agree.

EXAMPLES::

    sage: import warnings
    sage: with warnings.catch_warnings(record=True) as caught:
    ....:     warnings.simplefilter("always")
    ....:     from sage_lfsr.lfsr import LFSR
    sage: from sage_lfsr.registers.lfsr import LFSR as moved
    sage: LFSR is moved, str(caught[0].message)
    (True, 'sage_lfsr.lfsr moved to sage_lfsr.registers.lfsr; the old path goes in the next release')
    sage: import sage_lfsr.sequences, sage_lfsr.theory.sequences
    sage: sage_lfsr.sequences is sage_lfsr.theory.sequences
    True
"""
import importlib
import importlib.abc
import importlib.util
import sys
import warnings

#: Short paths that stay: documented in the README, no warning.
STABLE = {
    "sage_lfsr.sequences": "sage_lfsr.theory.sequences",
    "sage_lfsr.states": "sage_lfsr.theory.states",
    "sage_lfsr.statistics": "sage_lfsr.theory.statistics",
}

#: Flat paths of modules that moved into a layer (deprecated; a package's submodules follow it).
MOVED = {
    "sage_lfsr.errors": "sage_lfsr.common.errors",
    "sage_lfsr.limits": "sage_lfsr.common.limits",
    "sage_lfsr.files": "sage_lfsr.common.files",
    "sage_lfsr._sage": "sage_lfsr.common.sagemath",
    "sage_lfsr.parsing": "sage_lfsr.registers.parsing",
    "sage_lfsr.lfsr": "sage_lfsr.registers.lfsr",
    "sage_lfsr.fsr": "sage_lfsr.registers.fsr",
    "sage_lfsr.feedback": "sage_lfsr.registers.feedback",
    "sage_lfsr.hardware": "sage_lfsr.registers.hardware",
    "sage_lfsr.description": "sage_lfsr.registers.description",
    "sage_lfsr.tables": "sage_lfsr.registers.tables",
    "sage_lfsr.fsr_tables": "sage_lfsr.registers.fsr_tables",
    "sage_lfsr.linear_tables": "sage_lfsr.registers.linear_tables",
    "sage_lfsr.matrix_register": "sage_lfsr.registers.matrix",
    "sage_lfsr.planning": "sage_lfsr.engine.planning",
    "sage_lfsr.mapper": "sage_lfsr.engine.mapper",
    "sage_lfsr.job": "sage_lfsr.engine.job",
    "sage_lfsr.assembly": "sage_lfsr.engine.assembly",
    "sage_lfsr.cyclemap": "sage_lfsr.engine.cyclemap",
    "sage_lfsr.figures": "sage_lfsr.engine.figures",
    "sage_lfsr.memory": "sage_lfsr.engine.memory",
    "sage_lfsr.handoff": "sage_lfsr.engine.handoff",
    "sage_lfsr.snapshots": "sage_lfsr.engine.snapshots",
    "sage_lfsr.checkpoint": "sage_lfsr.engine.checkpoint",
    "sage_lfsr.pool": "sage_lfsr.engine.pool",
    "sage_lfsr.kernels.compiled": "sage_lfsr.common.compiled",
    "sage_lfsr.kernels.linear_steps": "sage_lfsr.registers.linear_steps",
    "sage_lfsr.kernels.nonlinear_steps": "sage_lfsr.registers.nonlinear_steps",
    "sage_lfsr.kernels": "sage_lfsr.engine.kernels",
    "sage_lfsr.schedules": "sage_lfsr.engine.schedules",
}


def new_path(name):
    r"""
    The module that ``name`` stands for, and whether the path is deprecated;
    ``(None, False)`` for a name that is not an alias.

    EXAMPLES::

        sage: from sage_lfsr._aliases import new_path
        sage: new_path("sage_lfsr.kernels.fast"), new_path("sage_lfsr.kernels.compiled")
        (('sage_lfsr.engine.kernels.fast', True), ('sage_lfsr.common.compiled', True))
        sage: new_path("sage_lfsr.states"), new_path("sage_lfsr.census")
        (('sage_lfsr.theory.states', False), (None, False))
    """
    if name in STABLE:
        return STABLE[name], False
    for old in sorted(MOVED, key=len, reverse=True):
        if name == old or name.startswith(old + "."):
            return MOVED[old] + name[len(old):], True
    return None, False


def _caller_stacklevel():
    # The first frame outside the import machinery and this module: the user's import.
    frame, level = sys._getframe(1), 1
    while frame is not None and (frame.f_code.co_filename == __file__
                                 or frame.f_code.co_filename.startswith("<frozen importlib")):
        frame, level = frame.f_back, level + 1
    return level


class AliasFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    r"""Resolves an alias to the module it stands for (first on ``sys.meta_path``)."""

    def find_spec(self, fullname, path=None, target=None):
        target_name, _deprecated = new_path(fullname)
        if target_name is None:
            return None
        return importlib.util.spec_from_loader(fullname, self)

    def create_module(self, spec):
        target_name, deprecated = new_path(spec.name)
        if deprecated:
            warnings.warn(f"{spec.name} moved to {target_name}; the old path goes in the next release",
                          DeprecationWarning, stacklevel=_caller_stacklevel())
        return importlib.import_module(target_name)

    def exec_module(self, module):
        pass  # the module it stands for is already executed


def install():
    if not any(isinstance(finder, AliasFinder) for finder in sys.meta_path):
        sys.meta_path.insert(0, AliasFinder())
