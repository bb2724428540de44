r"""
Build the sage_lfsr manual (``bash scripts/docs.sh``; the test suite calls :func:`build`).

Steps, all offline:

1. stage the sources in ``BUILD/source``: the pages of ``docs/manual`` (which include the
   README's sections), ``docs/*.md``, one API page per layer written from the package's
   modules (autodoc), and the five notebooks;
2. the notebooks with their outputs: executed with nbclient on the ``sage_lfsr`` kernel,
   kept in ``BUILD/notebooks`` under a key of the notebook and the package's sources, so
   a rebuild executes only what changed (or taken already executed, as the tests do);
   every widget is rendered as the picture of its state it carries (``text/html``);
3. Sphinx with ``-W`` (a warning fails the build) into ``BUILD/html``.

Usage: ``python docs/build.py [BUILD]`` (default ``docs/_build``).
"""
from __future__ import annotations

import copy
import hashlib
import json
import os
import shutil
import sys
import time
from pathlib import Path

DOCS = Path(__file__).resolve().parent
REPOSITORY = DOCS.parent
NOTEBOOKS = ("lfsr_theory.ipynb", "explore_cycles.ipynb", "scheduling.ipynb", "census.ipynb", "de_bruijn.ipynb")
KERNEL_NAME = "sage_lfsr"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"

#: The API pages: (page, title, what the layer is, the module prefixes it holds).
LAYERS = (
    ("registers", "Registers", "What a register is: LFSR (Fibonacci, Galois, affine), FSR, matrices, "
     "hardware taps, text parsing, the integer tables the kernels read.", ("sage_lfsr.registers",)),
    ("theory", "Theory", "What algebra says without enumeration: the cycle structure predicted from the "
     "factored characteristic polynomial, Berlekamp-Massey and linear complexity, per-state answers, statistics.",
     ("sage_lfsr.theory",)),
    ("engine", "Engine", "Enumeration: planning, the run, kernels, schedules, shared memory, checkpoints, "
     "assembly into a CycleMap, the pool.", ("sage_lfsr.engine",)),
    ("census", "Census", "Families of registers and the searches over them (maximum-period NLFSRs).",
     ("sage_lfsr.census",)),
    ("debruijn", "De Bruijn", "Cycle joining and de Bruijn sequences: adjacency graphs, counts of "
     "joinings, joined registers, successor rules.", ("sage_lfsr.debruijn",)),
    ("front", "Front ends", "On top of everything: the command line, the notebook widgets, figures, "
     "the crossover measurement, exports.", ()),
    ("common", "Common", "The bottom layer: errors, limits, files, Sage names, progress, compiled-code cache.",
     ("sage_lfsr.common",)),
)
#: Modules that are no page of their own (the entry point, the deprecated flat paths).
SKIPPED = {"sage_lfsr.__main__", "sage_lfsr._aliases"}


def package_modules() -> list:
    r"""Every module of the package, by name, sorted (packages before their modules)."""
    import pkgutil

    import sage_lfsr

    names = ["sage_lfsr"] + [info.name for info in pkgutil.walk_packages(sage_lfsr.__path__, "sage_lfsr.")]
    return sorted(name for name in names if name not in SKIPPED)


def layer_of(module: str) -> str:
    for page, _, _, prefixes in LAYERS:
        if any(module == prefix or module.startswith(prefix + ".") for prefix in prefixes):
            return page
    return "front"


def api_page(page, title, about, modules) -> str:
    lines = [title, "=" * len(title), "", about, "", ".. contents:: Modules", "   :local:", "   :depth: 1", ""]
    for module in modules:
        heading = f"``{module}``"
        lines += [heading, "-" * len(heading), "", f".. automodule:: {module}", ""]
    return "\n".join(lines)


def sources_digest() -> str:
    r"""A digest of the package's Python sources: executed notebooks are reused while it holds."""
    digest = hashlib.sha256()
    for path in sorted((REPOSITORY / "sage_lfsr").rglob("*.py")):
        digest.update(str(path.relative_to(REPOSITORY)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def execute(name):
    r"""``notebooks/name`` executed top to bottom on the package's kernel (nbclient), as a notebook node."""
    import nbformat
    from nbclient import NotebookClient

    notebook = nbformat.read(REPOSITORY / "notebooks" / name, as_version=4)
    environment = {"MPLBACKEND": "Agg"}
    previous = {key: os.environ.get(key) for key in environment}
    os.environ.update(environment)
    try:
        NotebookClient(notebook, kernel_name=KERNEL_NAME, timeout=300, allow_errors=False,
                       resources={"metadata": {"path": str(REPOSITORY)}}).execute()
    finally:
        for key, value in previous.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    return notebook


def executed_notebook(name, cache: Path):
    r"""The executed notebook, from ``cache`` while the notebook and the package are unchanged."""
    import nbformat

    key = hashlib.sha256((REPOSITORY / "notebooks" / name).read_bytes()).hexdigest()[:16] + "-" + sources_digest()
    cached = cache / f"{Path(name).stem}-{key}.ipynb"
    if cached.exists():
        return nbformat.read(cached, as_version=4)
    clock = time.perf_counter()
    notebook = execute(name)
    cache.mkdir(parents=True, exist_ok=True)
    for stale in cache.glob(f"{Path(name).stem}-*.ipynb"):
        stale.unlink()
    nbformat.write(notebook, cached)
    print(f"docs: executed notebooks/{name} in {time.perf_counter() - clock:.1f} s", flush=True)
    return notebook


def static_widgets(notebook):
    r"""
    The notebook as a renderer without widgets shows it: each widget output keeps
    its picture (``text/html``) and loses its view; the widget state is dropped.
    Refused if a widget carries no picture (it would be a blank cell).
    """
    notebook = copy.deepcopy(notebook)
    notebook.metadata.pop("widgets", None)
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if WIDGET_VIEW in data:
                if "text/html" not in data and "image/png" not in data:
                    raise ValueError(f"a widget output carries no picture of its state: {data.get('text/plain')}")
                del data[WIDGET_VIEW]
    return notebook


def stage(staging: Path, notebooks: dict):
    r"""Write the Sphinx sources into ``staging``; ``notebooks`` maps names to executed notebooks."""
    import nbformat

    if staging.exists():
        shutil.rmtree(staging)
    shutil.copytree(DOCS / "manual", staging)
    shutil.copy2(REPOSITORY / "README.md", staging / "README.md")
    (staging / "docs").mkdir()
    for page in DOCS.glob("*.md"):
        shutil.copy2(page, staging / "docs" / page.name)
    shutil.copytree(DOCS / "benchmarks", staging / "docs" / "benchmarks")
    (staging / "notebooks").mkdir()
    shutil.copy2(REPOSITORY / "notebooks" / "README.md", staging / "notebooks" / "README.md")
    for name, notebook in notebooks.items():
        nbformat.write(static_widgets(notebook), staging / "notebooks" / name)
    (staging / "api").mkdir()
    modules = package_modules()
    for page, title, about, _ in LAYERS:
        (staging / "api" / f"{page}.rst").write_text(
            api_page(page, title, about, [m for m in modules if layer_of(m) == page]))


def build(output: Path, executed: dict | None = None, cache: Path | None = None, quiet=False) -> Path:
    r"""
    The manual built into ``output`` (``output/html/index.html``): ``executed`` maps
    notebook names to executed notebooks (the others are executed, cached in ``cache``).
    Raises ``RuntimeError`` if Sphinx warns.
    """
    from sphinx.cmd.build import build_main

    output = Path(output)
    cache = Path(cache) if cache is not None else output / "notebooks"
    executed = dict(executed or {})
    notebooks = {name: executed[name] if name in executed else executed_notebook(name, cache) for name in NOTEBOOKS}
    stage(output / "source", notebooks)
    arguments = ["-W", "--keep-going", "-b", "html", "-c", str(DOCS), "-d", str(output / "doctrees"),
                 "-j", "1", str(output / "source"), str(output / "html")] + (["-q"] if quiet else [])
    if build_main(arguments) != 0:
        raise RuntimeError("the manual did not build without warnings (see above)")
    return output / "html"


def main(argv):
    output = Path(argv[1]) if len(argv) > 1 else DOCS / "_build"
    clock = time.perf_counter()
    html = build(output)
    print(f"docs: the manual is in {html / 'index.html'} ({time.perf_counter() - clock:.0f} s)")


if __name__ == "__main__":
    main(sys.argv)
