r"""
Exports: the state graph of a small register as a networkx ``DiGraph``, GraphML
or Graphviz DOT, and a :class:`~sage_lfsr.engine.cyclemap.CycleMap` as JSON or CSV.

The state graph has one node per state index (`0..q^d - 1`, at most
:data:`MAX_GRAPH_STATES`) and one edge from each state to its successor. Node
attributes: ``label`` (the state tuple `(x_0, \ldots, x_{d-1})`, over `GF(2)`
also ``hex``), ``on_cycle``, ``cycle_length`` (the cycle the state lies on or
drains into) and ``tail_depth`` (steps to that cycle). Any register with
``state_count``, ``next_state`` and ``state_index`` (linear or not) works, and
so does a plain successor list.

networkx is optional (``pip install sage_lfsr[graph]``): DOT and the JSON/CSV
exports do not need it. The JSON and CSV schemas are in ``docs/exports.md``.

EXAMPLES::

    sage: from sage_lfsr import LFSR
    sage: from sage_lfsr.exports import state_graph, to_dot
    sage: register = LFSR.from_polynomial("x^2 + x + 1")
    sage: graph = state_graph(register)
    sage: sorted(graph.edges()), graph.nodes[1]["label"], graph.nodes[1]["cycle_length"]
    ([(0, 0), (1, 2), (2, 3), (3, 1)], '(1, 0)', 3)
    sage: print(to_dot(register).splitlines()[4])
      1 [label="(1, 0)", on_cycle=true, cycle_length=3, tail_depth=0, hex="0x1", color="red"];
"""
from __future__ import annotations

import csv
import io
import json

#: Largest state space the graph exports accept (2^16 states).
MAX_GRAPH_STATES = 1 << 16
#: Identifies the layout of :func:`cycle_map_json` and :func:`cycle_map_csv`.
CYCLE_MAP_SCHEMA = "sage_lfsr.cyclemap/1"


def successors_of(source) -> list:
    r"""
    ``successors[i]``: the state after state ``i``, for a register or a successor list.

    EXAMPLES::

        sage: from sage_lfsr import LFSR
        sage: from sage_lfsr.exports import successors_of
        sage: successors_of(LFSR([1, 1])), successors_of([1, 0])
        ([0, 2, 3, 1], [1, 0])
        sage: successors_of(LFSR([1] * 17))
        Traceback (most recent call last):
        ...
        ValueError: the register has 131072 states; state graphs are exported up to 65536 (2^16)
    """
    if isinstance(source, (list, tuple)) or hasattr(source, "dtype"):
        successors = [int(s) for s in source]
        if len(successors) > MAX_GRAPH_STATES:
            raise ValueError(f"{len(successors)} states; state graphs are exported up to {MAX_GRAPH_STATES} (2^16)")
        if any(not 0 <= s < len(successors) for s in successors):
            raise ValueError("a successor list maps 0..n-1 into 0..n-1")
        return successors
    count = int(source.state_count)
    if count > MAX_GRAPH_STATES:
        raise ValueError(f"the register has {count} states; state graphs are exported up to {MAX_GRAPH_STATES} (2^16)")
    if hasattr(source, "successor"):
        return [int(source.successor(index)) for index in range(count)]
    return [int(source.state_index(source.next_state(index))) for index in range(count)]


def node_roles(successors):
    r"""
    ``(cycle_length, tail_depth)``: two lists over the states of the functional
    graph ``successors``, in one pass (each state is walked once).

    EXAMPLES::

        sage: from sage_lfsr.exports import node_roles
        sage: node_roles([1, 2, 1, 0])
        ([2, 2, 2, 2], [1, 0, 0, 2])
    """
    count = len(successors)
    cycle_length, tail_depth = [0] * count, [-1] * count
    position = [-1] * count
    for start in range(count):
        if tail_depth[start] >= 0:
            continue
        path, node = [], start
        while tail_depth[node] < 0 and position[node] < 0:
            position[node] = len(path)
            path.append(node)
            node = successors[node]
        if tail_depth[node] < 0:  # closed a new cycle at path[position[node]:]
            cycle = path[position[node]:]
            for member in cycle:
                cycle_length[member], tail_depth[member] = len(cycle), 0
            path = path[:position[node]]
        for member in reversed(path):
            following = successors[member]
            cycle_length[member], tail_depth[member] = cycle_length[following], tail_depth[following] + 1
    return cycle_length, tail_depth


def _node_attributes(source, successors):
    lengths, depths = node_roles(successors)
    binary = getattr(source, "field_order", None) == 2
    attributes = []
    for index in range(len(successors)):
        label = str(tuple(int(x) if binary else str(x) for x in source.state_vector(index))) \
            if hasattr(source, "state_vector") else str(index)
        node = {"label": label, "on_cycle": depths[index] == 0, "cycle_length": lengths[index],
                "tail_depth": depths[index]}
        if binary:
            node["hex"] = hex(index)
        attributes.append(node)
    return attributes


def state_graph(source):
    r"""
    The state graph as a ``networkx.DiGraph`` (needs networkx; see the module notes).
    """
    try:
        import networkx
    except ImportError:
        raise ImportError("the state graph as a DiGraph needs networkx: pip install networkx "
                          "(or sage_lfsr[graph]); to_dot works without it") from None
    successors = successors_of(source)
    graph = networkx.DiGraph(name=str(source) if not isinstance(source, (list, tuple)) else "state graph")
    for index, attributes in enumerate(_node_attributes(source, successors)):
        graph.add_node(index, **attributes)
    graph.add_edges_from(enumerate(successors))
    return graph


def write_graphml(source, path):
    r"""Write the state graph as GraphML to ``path`` (a file name or a binary stream)."""
    import networkx

    networkx.write_graphml(state_graph(source), path)


def _dot_value(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'


def to_dot(source) -> str:
    r"""
    The state graph in Graphviz DOT (no networkx needed): cycle states red, tree
    states blue, one edge per state.
    """
    successors = successors_of(source)
    title = str(source) if not isinstance(source, (list, tuple)) else "state graph"
    lines = [f"digraph {_dot_value(title)} {{", "  node [shape=circle, fontsize=8];", "  edge [arrowsize=0.5];"]
    for index, attributes in enumerate(_node_attributes(source, successors)):
        attributes["color"] = "red" if attributes["on_cycle"] else "blue"
        fields = ", ".join(f"{key}={_dot_value(value)}" for key, value in attributes.items())
        lines.append(f"  {index} [{fields}];")
    lines.extend(f"  {index} -> {successor};" for index, successor in enumerate(successors))
    lines.append("}")
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------- cycle maps

def register_document(register) -> dict:
    r"""
    A register as the ``register`` object of the exports: ``q`` and, by kind,
    ``coefficients`` and ``polynomial`` (with ``constant`` and ``form`` for affine
    and Galois registers), ``matrix`` and ``polynomial``, or ``degree``, ``anf``
    and ``invertible`` (nonlinear).

    EXAMPLES::

        sage: from sage_lfsr import FSR, LFSR
        sage: from sage_lfsr.exports import register_document
        sage: register_document(LFSR([1, 1, 0, 0])) == {'q': 2, 'coefficients': [1, 1, 0, 0], 'polynomial': 'x^4 + x + 1'}
        True
        sage: sorted(register_document(FSR("x0 + x1*x2", 3)).items())
        [('anf', 'x0 + x1*x2'), ('degree', 3), ('invertible', True), ('q', 2)]
    """
    if hasattr(register, "anf"):  # an FSR
        return {"q": register.field_order, "degree": register.degree, "anf": register.anf(),
                "invertible": register.is_invertible}
    from sage_lfsr.registers.matrix import MatrixRegister, matrix_text

    if isinstance(register, MatrixRegister):
        matrix = register.state_update_matrix()
        return {"q": register.field_order, "matrix": matrix_text(matrix), "polynomial": str(matrix.charpoly("x"))}
    q, coefficients, *variant = register.key()
    description = {"q": int(q), "coefficients": [int(c) for c in coefficients],
                   "polynomial": str(register.characteristic_polynomial())}
    if variant:
        description.update(constant=int(variant[0]), form=variant[1])
    return description


def cycle_map_document(cycle_map, register=None) -> dict:
    r"""
    The JSON document of a cycle map (schema ``sage_lfsr.cyclemap/1``, ``docs/exports.md``);
    a predicted :class:`~sage_lfsr.theory.structure.CycleStructure` gives the same
    document without the cycles and the run.
    """
    document = {"schema": CYCLE_MAP_SCHEMA}
    if register is not None:
        document["register"] = register_document(register)
    document.update(cycle_map.as_dict())
    document["cycle_count"] = cycle_map.cycle_count
    return document


def cycle_map_json(cycle_map, register=None, indent=2) -> str:
    r"""
    The cycle map as JSON text (see ``docs/exports.md`` for the schema).

    EXAMPLES::

        sage: import json
        sage: from sage_lfsr import LFSR, map_cycles
        sage: document = json.loads(map_cycles(LFSR([1, 1, 0, 0])).to_json())
        sage: document["schema"], document["cycle_counts"], document["cycles"]
        ('sage_lfsr.cyclemap/1', {'1': 1, '15': 1}, [[0, 1], [1, 15]])
    """
    return json.dumps(cycle_map_document(cycle_map, register), indent=indent, default=str) + "\n"


def cycle_map_rows(cycle_map, register=None) -> list:
    r"""``(quantity, key, value)`` rows of :func:`cycle_map_csv`."""
    document = cycle_map_document(cycle_map, register)
    rows = [("schema", "version", CYCLE_MAP_SCHEMA)]
    rows.extend(("register", key, ",".join(map(str, value)) if isinstance(value, list) else value)
                for key, value in document.get("register", {}).items())
    for key, value in document.items():
        if not isinstance(value, (dict, list)) and key != "schema":
            rows.append(("summary", key, value))
    rows.extend(("cycle_count", key, value) for key, value in document["cycle_counts"].items())
    rows.extend(("tail_depth", key, value) for key, value in document["tail_depths"].items())
    rows.extend(("cycle", smallest, length) for smallest, length in document.get("cycles", []))
    for load in document.get("worker_loads", []):
        rows.extend((f"worker_{load['worker']}", key, value) for key, value in load.items() if key != "timeline")
    return rows


def cycle_map_csv(cycle_map, register=None) -> str:
    r"""
    The cycle map as CSV with the columns ``quantity,key,value`` (see ``docs/exports.md``).

    EXAMPLES::

        sage: from sage_lfsr import LFSR, map_cycles
        sage: text = map_cycles(LFSR([1, 1, 0, 0])).to_csv()
        sage: [line for line in text.splitlines() if line.startswith(("quantity", "cycle,"))]
        ['quantity,key,value', 'cycle,0,1', 'cycle,1,15']
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(("quantity", "key", "value"))
    writer.writerows(cycle_map_rows(cycle_map, register))
    return buffer.getvalue()
