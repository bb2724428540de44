r"""
The package's layers (see the docstring of :mod:`sage_lfsr`): every import, read
with ``ast``, goes to the module's own layer or below, and no modules import each
other in a circle. The only imports that go up are the facades listed here: a
method that forwards to a higher layer, importing it inside its body.
"""
import ast
import pathlib

import pytest

PACKAGE = pathlib.Path(__file__).resolve().parent.parent / "sage_lfsr"

#: Bottom up; a top-level module not named here is a front end.
LAYERS = ("common", "registers", "theory", "engine", "census", "front")
#: Layers beside each other: the census and cycle joining both build on the engine.
LAYER_OF_FOLDER = {"common": 0, "registers": 1, "theory": 2, "engine": 3, "census": 4, "debruijn": 4}
FRONT = len(LAYERS) - 1

#: (module, function or method, imported module): the upward imports that are facades.
FACADES = {
    ("sage_lfsr.registers.lfsr", "LFSR.jump", "sage_lfsr.theory.states"),
    ("sage_lfsr.registers.lfsr", "LFSR.tail_depth", "sage_lfsr.theory.states"),
    ("sage_lfsr.registers.lfsr", "LFSR.from_taps", "sage_lfsr.registers.hardware"),
    ("sage_lfsr.registers.lfsr", "LFSR.standard", "sage_lfsr.registers.standards"),
    ("sage_lfsr.registers.lfsr", "LFSR.cycle_length", "sage_lfsr.theory.states"),
    ("sage_lfsr.registers.lfsr", "LFSR.short_cycle_states", "sage_lfsr.theory.states"),
    ("sage_lfsr.engine.cyclemap", "CycleMap.to_json", "sage_lfsr.exports"),
    ("sage_lfsr.engine.cyclemap", "CycleMap.to_csv", "sage_lfsr.exports"),
    ("sage_lfsr.engine.pool", "MappingPool.census", "sage_lfsr.census"),
}


def module_name(path):
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def layer_of(module):
    parts = module.split(".")
    if len(parts) > 1 and parts[1] in LAYER_OF_FOLDER:
        return LAYER_OF_FOLDER[parts[1]]
    return FRONT


def resolve(module, target):
    r"""``target`` if it names a module of the package, else the package that holds the name."""
    while target not in MODULES and "." in target:
        target = target.rsplit(".", 1)[0]
    return target if target != module else None


class ImportVisitor(ast.NodeVisitor):
    r"""Every ``sage_lfsr`` import of one module with the function it sits in (``None``: module level)."""

    def __init__(self, module, is_package):
        self.module, self.package = module, module if is_package else module.rsplit(".", 1)[0]
        self.scope, self.found = [], []

    def _scoped(self, node):
        self.scope.append(node.name)
        self.generic_visit(node)
        self.scope.pop()

    visit_FunctionDef = visit_AsyncFunctionDef = visit_ClassDef = _scoped

    def _record(self, target):
        if target.startswith("sage_lfsr"):
            self.found.append((".".join(self.scope) or None, target))

    def visit_Import(self, node):
        for alias in node.names:
            self._record(alias.name)

    def visit_ImportFrom(self, node):
        base = node.module or ""
        if node.level:
            parts = self.package.split(".")[:len(self.package.split(".")) - node.level + 1]
            base = ".".join(parts + ([node.module] if node.module else []))
        for alias in node.names:
            self._record(f"{base}.{alias.name}" if f"{base}.{alias.name}" in MODULES else base)


PATHS = {module_name(path): path for path in PACKAGE.rglob("*.py")}
MODULES = set(PATHS)


def imports():
    r"""``(module, scope, imported module)`` for every import in the package."""
    edges = []
    for module, path in sorted(PATHS.items()):
        visitor = ImportVisitor(module, path.name == "__init__.py")
        visitor.visit(ast.parse(path.read_text(), str(path)))
        for scope, target in visitor.found:
            target = resolve(module, target)
            if target is not None:
                edges.append((module, scope, target))
    return edges


def is_facade(module, scope, target):
    return scope is not None and any(module == m and (scope == f or scope.startswith(f + ".")) and
                                     (target == t or target.startswith(t + ".")) for m, f, t in FACADES)


def test_every_module_is_in_a_layer_folder_or_a_front_end():
    top_level = sorted(m for m in MODULES if m.count(".") == 1 and not (PACKAGE / m.split(".")[1]).is_dir())
    assert set(top_level) <= {"sage_lfsr.__main__", "sage_lfsr._aliases", "sage_lfsr.cli", "sage_lfsr.cli_arguments", "sage_lfsr.cli_complexity", "sage_lfsr.crossover",
                              "sage_lfsr.exports", "sage_lfsr.plot", "sage_lfsr.widgets", "sage_lfsr.register_widget", "sage_lfsr.precompile",
                              "sage_lfsr.debruijn_plots"}, top_level


def test_no_import_goes_to_a_higher_layer_except_the_facades():
    upward = [f"{module} ({scope or 'module level'}) imports {target}: {LAYERS[layer_of(module)]} -> "
              f"{LAYERS[layer_of(target)]}"
              for module, scope, target in imports()
              if layer_of(target) > layer_of(module) and not is_facade(module, scope, target)]
    assert upward == []


def test_the_facades_are_imports_inside_their_methods():
    found = {(module, scope, target) for module, scope, target in imports() if scope is not None}
    for module, function, target in FACADES:
        assert any(m == module and s.startswith(function) and t.startswith(target) for m, s, t in found), \
            (module, function, target)


def strongly_connected(graph):
    index, low, stack, on_stack, components, counter = {}, {}, [], set(), [], [0]

    def visit(node):  # Tarjan's algorithm; the graph has about 60 nodes
        index[node] = low[node] = counter[0]
        counter[0] += 1
        stack.append(node)
        on_stack.add(node)
        for successor in graph.get(node, ()):
            if successor not in index:
                visit(successor)
                low[node] = min(low[node], low[successor])
            elif successor in on_stack:
                low[node] = min(low[node], index[successor])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            components.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return components


def is_inside(module, package):
    return module.startswith(package + ".")


def test_no_import_circle():
    graph = {}
    for module, scope, target in imports():
        # a package's __init__ re-exporting its own submodules is not a circle with them
        if not is_facade(module, scope, target) and not is_inside(target, module):
            graph.setdefault(module, set()).add(target)
    circles = [component for component in strongly_connected(graph) if len(component) > 1]
    assert circles == []


@pytest.mark.parametrize("layer", ["common", "registers", "theory", "engine"])
def test_a_layer_imports_without_the_layers_above(layer):
    import subprocess
    import sys

    code = (f"import sys, sage_lfsr.{layer}, pkgutil, importlib\n"
            f"for info in pkgutil.walk_packages(sage_lfsr.{layer}.__path__, 'sage_lfsr.{layer}.'):\n"
            "    if 'dask' not in info.name: importlib.import_module(info.name)\n"
            "print(' '.join(sorted(m for m in sys.modules if m.startswith('sage_lfsr.'))))")
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    above = [m for m in loaded if m not in {"sage_lfsr._aliases"} and layer_of(m) > LAYERS.index(layer)]
    assert above == []


def run_python(code):
    import subprocess
    import sys

    completed = subprocess.run([sys.executable, "-W", "always::DeprecationWarning", "-c", code],
                               capture_output=True, text=True)
    assert completed.returncode == 0, completed.stderr
    return completed.stdout, completed.stderr


def test_every_flat_path_of_before_the_layers_still_imports_with_a_warning_naming_the_new_path():
    from sage_lfsr._aliases import MOVED

    code = "import importlib\n" + "".join(
        f"assert importlib.import_module({old!r}) is importlib.import_module({new!r})\n" for old, new in MOVED.items())
    _, err = run_python(code)
    for old, new in MOVED.items():
        assert f"DeprecationWarning: {old} moved to {new}" in err


def test_submodules_of_moved_packages_and_names_from_them_are_the_new_objects():
    out, err = run_python("from sage_lfsr.kernels.fast import FastKernel\n"
                          "from sage_lfsr.engine.kernels.fast import FastKernel as new\n"
                          "from sage_lfsr.lfsr import LFSR\n"
                          "import sage_lfsr\n"
                          "print(FastKernel is new, LFSR is sage_lfsr.LFSR)")
    assert out.split() == ["True", "True"]
    assert "sage_lfsr.kernels.fast moved to sage_lfsr.engine.kernels.fast" in err


def test_the_stable_paths_import_without_a_warning():
    out, err = run_python("import sage_lfsr.sequences, sage_lfsr.states, sage_lfsr.statistics, sage_lfsr.theory\n"
                          "from sage_lfsr.theory import predict_cycles, polynomial_order\n"
                          "from sage_lfsr import census, exports, plot, cli, LFSR, map_cycles, MappingPool\n"
                          "from sage_lfsr.sequences import berlekamp_massey\n"
                          "print(sage_lfsr.states is sage_lfsr.theory.states)")
    assert out.split() == ["True"]
    assert "DeprecationWarning" not in err
