r"""Shared helpers of the notebook, widget and JupyterLab tests (imported, not a conftest)."""
from __future__ import annotations

import os
import shutil
import socket
import sys
from pathlib import Path

import pytest

REPOSITORY = Path(__file__).resolve().parent.parent
NOTEBOOKS = REPOSITORY / "notebooks"
NOTEBOOK_NAMES = ("explore_cycles.ipynb", "scheduling.ipynb", "lfsr_theory.ipynb", "census.ipynb", "de_bruijn.ipynb")
KERNEL_NAME = "sage_lfsr"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


def require_kernel():
    r"""Skip unless the ``sage_lfsr`` kernelspec is installed (``bash .ci/jupyter.sh $VENV`` installs it)."""
    pytest.importorskip("nbclient")
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    try:
        KernelSpecManager().get_kernel_spec(KERNEL_NAME)
    except NoSuchKernel:
        pytest.skip(f"no '{KERNEL_NAME}' kernelspec: run `bash .ci/jupyter.sh {sys.prefix}`")


def notebook_environment() -> dict:
    r"""Environment for kernels and servers: headless matplotlib, the package importable."""
    environment = dict(os.environ)
    environment["MPLBACKEND"] = "Agg"
    environment["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPOSITORY), environment.get("PYTHONPATH")]))
    return environment


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def jupyter_executable() -> str | None:
    candidate = Path(sys.executable).parent / "jupyter"
    return str(candidate) if candidate.exists() else shutil.which("jupyter")


def manual_builder():
    r"""``docs/build.py`` (the manual's builder) as a module: its ``execute`` and ``build``."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("sage_lfsr_manual_build", REPOSITORY / "docs" / "build.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_EXECUTED = {}


def executed_notebook(name, directory=None):
    r"""
    ``notebooks/name`` executed headless (nbclient, the ``sage_lfsr`` kernel), once per test
    run: the notebook tests and the manual's build share it. With ``directory`` (the
    ``executed`` fixture's, one for every pytest-xdist worker of the run) the first worker
    that asks executes it under a file lock and the others read it. A copy each call.
    """
    import copy

    require_kernel()
    if name not in _EXECUTED:
        _EXECUTED[name] = manual_builder().execute(name) if directory is None else _executed_once(name, directory)
    return copy.deepcopy(_EXECUTED[name])


def _executed_once(name, directory):
    import fcntl

    import nbformat

    directory.mkdir(parents=True, exist_ok=True)
    path = directory / name
    with open(directory / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if path.exists():
            return nbformat.read(path, as_version=4)
        notebook = manual_builder().execute(name)
        partial = directory / f"{name}.partial"
        nbformat.write(notebook, partial)
        os.replace(partial, path)
        return notebook
