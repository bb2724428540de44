"""
Exports read back: GraphML with networkx, DOT with a plain parser, JSON and CSV with the
standard library; node roles against the enumerated map (map_cycles) and a direct walk.
"""
import csv
import io
import json
import re
from collections import Counter

import pytest

from sage_lfsr.cli import main
from sage_lfsr.exports import MAX_GRAPH_STATES, node_roles, state_graph, to_dot, write_graphml
from sage_lfsr.registers.lfsr import LFSR
from sage_lfsr.engine.mapper import map_cycles

networkx = pytest.importorskip("networkx")

REGISTERS = [("x^4+x^3+x^2", 2), ("x^6+x^5+x^3", 2), ("(x^2+x+1)^2", 2), ("x^3+x^2", 3), ("x^2*(x+z)", 4)]


def walk_successors(register):
    return [register.state_index(register.next_state(i)) for i in range(register.state_count)]


@pytest.mark.parametrize("polynomial, q", REGISTERS)
def test_graph_agrees_with_the_enumerated_map(polynomial, q):
    register = LFSR.from_polynomial(polynomial, q=q)
    graph = state_graph(register)
    successors = walk_successors(register)
    assert sorted(graph.edges()) == sorted(enumerate(successors))
    cycle_map = map_cycles(register)
    assert Counter(graph.nodes[n]["tail_depth"] for n in graph) == Counter(cycle_map.tail_depths)
    cycles = [c for c in networkx.simple_cycles(graph)]
    assert sorted(len(c) for c in cycles) == sorted(length for _, length in cycle_map.cycles)
    for cycle in cycles:
        assert all(graph.nodes[n]["on_cycle"] and graph.nodes[n]["cycle_length"] == len(cycle) for n in cycle)


def test_node_roles_of_a_hand_drawn_graph():
    # 0 -> 1 -> 2 -> 1 (cycle of 2), 3 -> 0, 4 -> 4, 5 -> 3
    assert node_roles([1, 2, 1, 0, 4, 3]) == ([2, 2, 2, 2, 1, 2], [1, 0, 0, 2, 0, 3])


def test_graphml_reads_back(tmp_path):
    register = LFSR.from_polynomial("x^5 + x^4 + x^2", q=2)
    path = tmp_path / "graph.graphml"
    write_graphml(register, path)
    back = networkx.read_graphml(path, node_type=int)
    original = state_graph(register)
    assert sorted(back.edges()) == sorted(original.edges())
    assert all(back.nodes[n] == original.nodes[n] for n in original)


def test_dot_reads_back():
    register = LFSR.from_polynomial("x^3 + x^2 + 1", q=3)
    text = to_dot(register)
    edges = [tuple(map(int, m)) for m in re.findall(r"^\s*(\d+) -> (\d+);$", text, re.M)]
    assert sorted(edges) == sorted(enumerate(walk_successors(register)))
    nodes = re.findall(r'^\s*(\d+) \[label="([^"]*)", on_cycle=(true|false), cycle_length=(\d+)', text, re.M)
    assert len(nodes) == 27 and text.startswith("digraph ") and text.rstrip().endswith("}")


def test_cycle_map_json_and_csv_read_back():
    register = LFSR.from_polynomial("x^6 + x^5 + x^3")
    cycle_map = map_cycles(register)
    document = json.loads(cycle_map.to_json(register))
    assert document["schema"] == "sage_lfsr.cyclemap/1"
    assert document["register"]["coefficients"] == list(register.key()[1])
    assert {int(k): v for k, v in document["cycle_counts"].items()} == cycle_map.cycle_counts
    assert [tuple(c) for c in document["cycles"]] == list(cycle_map.cycles)
    rows = list(csv.DictReader(io.StringIO(cycle_map.to_csv(register))))
    assert [(int(r["key"]), int(r["value"])) for r in rows if r["quantity"] == "cycle"] == list(cycle_map.cycles)
    assert {int(r["key"]): int(r["value"]) for r in rows if r["quantity"] == "tail_depth"} == cycle_map.tail_depths
    summary = {r["key"]: r["value"] for r in rows if r["quantity"] == "summary"}
    assert int(summary["state_count"]) == 64 and int(summary["transient_states"]) == cycle_map.transient_states


def test_cli_graph_writes_graphml_and_dot(tmp_path, capsys):
    path = tmp_path / "g.graphml"
    assert main(["graph", "--polynomial", "x^4+x+1", "--format", "graphml", "--output", str(path)]) == 0
    assert networkx.read_graphml(path).number_of_edges() == 16
    assert main(["graph", "--coefficients", "1,1", "--q", "3"]) == 0
    assert capsys.readouterr().out.count("->") == 9
    assert main(["graph", "--polynomial", "x^17+x^3+1"]) == 2
    assert "exported up to 65536" in capsys.readouterr().err


def test_too_large_and_bad_successor_lists():
    with pytest.raises(ValueError, match="up to 65536"):
        to_dot(LFSR.from_polynomial("x^11 + x^2 + 1", q=3))
    with pytest.raises(ValueError, match="maps 0..n-1"):
        to_dot([0, 5])
    assert MAX_GRAPH_STATES == 2 ** 16
    assert state_graph([1, 0]).number_of_edges() == 2
