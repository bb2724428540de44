r"""
Cycle joining (issue 21) against independent oracles: necklace formulas, brute
force over edge subsets, the engine's own map, and naive string versions of the
successor rules.
"""
import itertools
import math
import random

import numpy as np
import pytest

from sage_lfsr import FSR, LFSR, map_cycles, predict_cycles
from sage_lfsr.debruijn import (adjacency_graph, conjugate_pairs, count_joinings, de_bruijn_bits, is_de_bruijn,
                                join_cycles, spanning_tree_count)
from sage_lfsr.debruijn.adjacency import pairs_of
from sage_lfsr.debruijn.cycles import cycle_labels
from sage_lfsr.debruijn import successors
from sage_lfsr.debruijn.successors import MAX_CHECK_ORDER, MAX_RULE_ORDER


def divisors(n):
    return [d for d in range(1, n + 1) if n % d == 0]


def necklaces(n):
    return sum(_phi(d) * 2 ** (n // d) for d in divisors(n)) // n


def _phi(n):
    return sum(1 for k in range(1, n + 1) if math.gcd(k, n) == 1)


def even_weight_necklaces(m):
    # Burnside: a string fixed by a rotation of order d is a block of m/d repeated d times
    return sum(_phi(d) * (2 ** (m // d) if d % 2 == 0 else 2 ** (m // d - 1)) for d in divisors(m)) // m


def complemented_necklaces(n):
    return sum(_phi(d) * 2 ** (n // d) for d in divisors(n) if d % 2) // (2 * n)


@pytest.mark.parametrize("n", range(1, 21))
def test_cycle_counts_of_the_cycling_and_summing_registers_are_necklace_counts(n):
    pure = predict_cycles(LFSR.from_polynomial(f"x^{n} + 1"))
    complemented = predict_cycles(LFSR.from_polynomial(f"x^{n} + 1", constant=1))
    summing = predict_cycles(LFSR([1] * n))  # f = x0 + ... + x_{n-1}: even-weight necklaces of length n + 1
    assert sum(pure.cycle_counts.values()) == necklaces(n)
    assert sum(complemented.cycle_counts.values()) == complemented_necklaces(n)
    assert sum(summing.cycle_counts.values()) == even_weight_necklaces(n + 1)


@pytest.mark.parametrize("n", range(2, 9))
def test_the_maps_agree_with_the_formulas_and_the_adjacency_graph_has_every_cycle(n):
    graph = adjacency_graph(FSR("x0 + 1", n))
    assert graph.number_of_nodes() == complemented_necklaces(n)
    assert sum(length for _, length in graph.nodes(data="length")) == 2 ** n
    pure = adjacency_graph(LFSR.from_polynomial(f"x^{n} + 1"))
    assert pure.number_of_nodes() == necklaces(n)
    assert pure.number_of_edges() == 2 ** (n - 1)  # conjugates differ in weight: never on one necklace


def brute_force_trees(graph):
    r"""Every spanning tree of the multigraph, as edge lists, by trying every set of |V| - 1 edges."""
    nodes, edges = list(graph), list(graph.edges(keys=True))
    trees = []
    for chosen in itertools.combinations(edges, len(nodes) - 1):
        parent = {v: v for v in nodes}

        def find(v):
            while parent[v] != v:
                v = parent[v]
            return v

        for u, v, _ in chosen:
            ru, rv = find(u), find(v)
            if ru == rv:
                break
            parent[ru] = rv
        else:
            trees.append(chosen)
    return trees


SMALL_REGISTERS = [LFSR.from_polynomial("x^3 + 1"), LFSR.from_polynomial("x^4 + 1"), FSR("x0 + 1", 4),
                   FSR("x0 + x1*x2", 4), FSR("x0 + x1*x3 + x2", 5), LFSR.from_polynomial("x^4 + x^3 + x^2 + x + 1"),
                   LFSR.from_polynomial("x^2 + 2", q=3), LFSR([1, 1, 0], q=3, constant=1), FSR("x0 + x1*x2 + 1", 4)]


@pytest.mark.parametrize("register", SMALL_REGISTERS, ids=repr)
def test_count_joinings_is_the_number_of_spanning_edge_subsets(register):
    graph = adjacency_graph(register)
    trees = brute_force_trees(graph)
    assert count_joinings(register) == len(trees) == spanning_tree_count(graph)


def test_x_to_the_n_plus_1_gives_the_counts_of_the_design_notes():
    assert [count_joinings(LFSR.from_polynomial(f"x^{n} + 1")) for n in (3, 4, 5)] == [2, 12, 576]


def random_affine(rng, q, degree):
    coefficients = [rng.randrange(q) for _ in range(degree)]
    coefficients[0] = rng.randrange(1, q)
    return LFSR(coefficients, q=q, constant=rng.randrange(q), form=rng.choice(["fibonacci", "galois"]))


def test_the_spectral_count_matches_the_determinant_on_linear_and_affine_registers():
    rng = random.Random(21)
    registers = [random_affine(rng, 2, rng.randrange(2, 8)) for _ in range(12)]
    registers += [random_affine(rng, 3, rng.randrange(2, 4)) for _ in range(5)] + [random_affine(rng, 4, 2)]
    for register in registers:
        assert count_joinings(register) == count_joinings(register, method="determinant"), register


def test_every_schedule_gives_the_same_adjacency_graph():
    register = LFSR.from_polynomial("x^10 + 1")
    reference = adjacency_graph(register)
    pairs = conjugate_pairs(register).states
    assert (pairs[:, 0] // 2 == pairs[:, 1] // 2).all() and (pairs[:, 0] != pairs[:, 1]).all()
    for schedule in ("static", "queue", "steal", "hybrid"):
        graph = adjacency_graph(register, schedule=schedule, workers=2, batch_size=64)
        assert sorted(graph.nodes(data="length")) == sorted(reference.nodes(data="length"))
        assert sorted(graph.edges(data="pair")) == sorted(reference.edges(data="pair"))


def swapped(successors, pairs, tree_rows):
    joined = successors.copy()
    for a, b in pairs.states[list(tree_rows)].tolist():
        joined[a], joined[b] = joined[b], joined[a]
    return joined


def one_cycle(successors):
    state, steps = 0, 0
    while True:
        state, steps = successors[state], steps + 1
        if state == 0:
            return steps == len(successors)


@pytest.mark.parametrize("n", [3, 4])
def test_joining_the_cycles_of_every_register_reaches_every_de_bruijn_sequence(n):
    reached = set()
    for table in itertools.product((0, 1), repeat=2 ** (n - 1)):  # g(x1..x_{n-1}); f = x0 + g
        register = FSR([table[index >> 1] ^ (index & 1) for index in range(2 ** n)], n)
        labels = cycle_labels(register)
        if labels.cycle_count == 1:
            continue  # reached from the registers with more cycles, or the test means nothing
        pairs = pairs_of(labels)
        graph = adjacency_graph(register, pairs=pairs)
        rows = {tuple(p): k for k, p in enumerate(pairs.states.tolist())}
        for tree in brute_force_trees(graph):
            chosen = [rows[graph.edges[u, v, key]["pair"]] for u, v, key in tree]
            joined = swapped(labels.successors, pairs, chosen)
            assert one_cycle(joined)
            reached.add(tuple((joined >> (n - 1)).tolist()))
    assert len(reached) == 2 ** (2 ** (n - 1) - n)


def every_register_of_order(n):
    r"""
    ``(g, labels, cycles)`` for every register f = x0 + g(x1..x_{n-1}), ``g`` its truth table as an integer:
    the least state of each state's cycle and the number of cycles, by numpy alone (pointer doubling).
    """
    g = np.arange(2 ** 2 ** (n - 1), dtype=np.int64)[:, None]
    states = np.arange(2 ** n, dtype=np.int64)[None, :]
    successors = (states >> 1) | ((states & 1) ^ ((g >> (states >> 1)) & 1)) << (n - 1)
    labels, jump = np.broadcast_to(states, successors.shape).copy(), successors
    for _ in range(n):  # after k rounds: the least of 2^k states along the cycle; every cycle is at most 2^n long
        labels = np.minimum(labels, np.take_along_axis(labels, jump, axis=1))
        jump = np.take_along_axis(jump, jump, axis=1)
    return g[:, 0], labels, (labels == states).sum(axis=1)


def spanning_tree_counts(labels, n):
    r"""Matrix-tree theorem on the cycles (named by their least states), in floating point, a batch at a time."""
    counts = []
    for first in range(0, len(labels), 4096):
        batch = labels[first:first + 4096]
        rows = np.arange(len(batch))
        laplacian = np.zeros((len(batch), 2 ** n, 2 ** n))
        laplacian[:, range(2 ** n), range(2 ** n)] = batch != np.arange(2 ** n)  # a state that names no cycle: 1
        for y in range(2 ** (n - 1)):
            a, b = batch[:, 2 * y], batch[:, 2 * y + 1]
            across = a != b
            for u, v, value in ((a, a, 1), (b, b, 1), (a, b, -1), (b, a, -1)):
                np.add.at(laplacian, (rows[across], u[across], v[across]), value)
        counts.append(np.rint(np.linalg.det(laplacian[:, 1:, 1:])).astype(np.int64))  # state 0 names its cycle
    return np.concatenate(counts)


def test_no_register_of_order_5_joins_into_every_de_bruijn_sequence_but_all_registers_together_do():
    n = 5
    g, labels, cycles = every_register_of_order(n)
    de_bruijn = g[cycles == 1]
    assert len(de_bruijn) == 2 ** (2 ** (n - 1) - n) == 2048
    joinings = spanning_tree_counts(labels[cycles > 1], n)
    # distinct trees of one register give distinct sequences, so a register reaches exactly its count
    assert joinings.max() == count_joinings(LFSR.from_polynomial(f"x^{n} + 1")) == 576 < 2048
    # swapping one conjugate pair of a de Bruijn register splits its cycle in two, and that pair (a spanning
    # tree of the two cycles) joins them back: together, the registers' joinings reach every sequence
    for y in range(2 ** (n - 1)):
        assert (cycles[de_bruijn ^ (1 << y)] == 2).all()
    # x^5 + 1 (8 cycles) reaches, by 7 swaps, exactly the de Bruijn registers whose g has weight 7, the least
    register = LFSR.from_polynomial(f"x^{n} + 1")
    labels_of_pcr = cycle_labels(register)
    pairs = pairs_of(labels_of_pcr)
    graph = adjacency_graph(register, pairs=pairs)
    rows = {tuple(p): k for k, p in enumerate(pairs.states.tolist())}
    reached = set()
    for tree in brute_force_trees(graph):
        joined = swapped(labels_of_pcr.successors, pairs, [rows[graph.edges[u, v, key]["pair"]] for u, v, key in tree])
        assert one_cycle(joined)
        table = [(int(joined[state]) >> (n - 1)) ^ (state & 1) for state in range(0, 2 ** n, 2)]  # g(x1..x_{n-1})
        reached.add(sum(bit << y for y, bit in enumerate(table)))
    weights = np.array([bin(int(x)).count("1") for x in de_bruijn])
    assert weights.min() == 7 and reached == set(de_bruijn[weights == 7].tolist()) and len(reached) == 576


@pytest.mark.parametrize("register", [LFSR.from_polynomial("x^6 + 1"), FSR("x0 + 1", 6), LFSR([1] * 6),
                                      FSR("x0 + x1*x2 + x3*x4*x5", 6), LFSR.from_polynomial("x^3 + 2", q=3)],
                         ids=repr)
def test_joined_registers_map_to_one_cycle(register):
    for seed in range(3):
        joined = join_cycles(register, seed=seed)
        result = map_cycles(joined, schedule="queue", workers=2, batch_size=16)
        assert result.cycle_counts == {register.state_count: 1}
        assert FSR(joined.anf(), joined.degree, joined.field_order) == joined


def test_distinct_trees_give_distinct_de_bruijn_sequences():
    register = LFSR.from_polynomial("x^4 + 1")
    graph = adjacency_graph(register)
    feedbacks = set()
    for tree in brute_force_trees(graph):
        joined = join_cycles(register, tree=[graph.edges[edge]["pair"] for edge in tree])
        assert map_cycles(joined).cycle_counts == {16: 1}
        feedbacks.add(tuple(joined.truth_table().tolist()))
    assert len(feedbacks) == count_joinings(register) == 12


def test_zero_apart_keeps_the_zero_state_and_joins_the_rest():
    register = LFSR.from_polynomial("x^6 + x^3 + 1")  # 0 is a fixed point; the rest has many cycles
    joined = join_cycles(register, zero_apart=True, seed=5)
    assert map_cycles(joined).cycle_counts == {1: 1, 63: 1}
    assert count_joinings(register, zero_apart=True) == count_joinings(register)  # the zero cycle is a leaf


def naive_necklace(text):
    return all(text <= text[k:] + text[:k] for k in range(len(text)))


def naive_pcr(state):
    return state[0] if not naive_necklace(state[1:] + "1") else "10"[int(state[0])]


def naive_ccr(state):
    n = len(state)
    candidate = "1" + state[1:]
    word = candidate + "".join("10"[int(c)] for c in candidate)
    necklace = min(word[k:] + word[:k] for k in range(2 * n))
    if "1" not in necklace[:n]:
        return "10"[int(state[0])]  # the root cycle has no representative
    j = necklace[:n].rindex("1")
    representative = (necklace + necklace)[j:j + n]
    return state[0] if representative == candidate else "10"[int(state[0])]


def naive_summing(constant):
    r"""The PSR (constant 0) or CSR (constant 1) rule from its definition: words, necklaces, rotations."""
    def feedback(state):
        return str((state.count("1") + constant) % 2)

    def representative(state):
        word = state + feedback(state)
        necklace = min(word[k:] + word[:k] for k in range(len(word)))
        if necklace.count("1") <= constant:
            return False  # the root: 0^{n+1} or 0^n 1
        first_one = necklace.index("1")
        return (necklace[first_one + 1:] + necklace[:first_one + 1])[:len(state)] == state

    def rule(state):
        conjugate = "10"[int(state[0])] + state[1:]
        value = feedback(state)
        return "10"[int(value)] if representative(state) or representative(conjugate) else value
    return rule


NAIVE = {"pcr": naive_pcr, "ccr": naive_ccr, "psr": naive_summing(0), "csr": naive_summing(1)}


@pytest.mark.parametrize("rule", sorted(NAIVE))
@pytest.mark.parametrize("n", range(1, 13))
def test_the_rules_match_a_naive_version_and_give_de_bruijn_sequences(rule, n):
    bits, state = de_bruijn_bits(rule, n, 2 ** n)
    assert state == 0 and is_de_bruijn(bits, n)
    window, naive = "0" * n, []
    for _ in range(2 ** n):
        bit = NAIVE[rule](window)
        naive.append(int(bit))
        window = window[1:] + bit
    assert bits.tolist() == naive


@pytest.mark.parametrize("rule, n", [("pcr", 16), ("ccr", 16), ("psr", 16), ("csr", 16), ("pcr", 20), ("ccr", 20),
                                     ("psr", 21), ("csr", 22), ("pcr", 24), ("psr", 24), ("csr", 23)])
def test_the_rules_give_de_bruijn_sequences_of_higher_orders(rule, n):
    first, state = de_bruijn_bits(rule, n, 2 ** (n - 1))
    second, state = de_bruijn_bits(rule, n, 2 ** (n - 1), state)  # a stream continues where it stopped
    assert state == 0 and is_de_bruijn(np.concatenate([first, second]), n)


def test_is_de_bruijn_rejects_what_is_not_one():
    bits, _ = de_bruijn_bits("pcr", 10, 1024)
    assert is_de_bruijn(bits, 10) and not is_de_bruijn(bits[:-1], 10)
    broken = bits.copy()
    broken[100] ^= 1
    assert not is_de_bruijn(broken, 10) and not is_de_bruijn(np.roll(bits, 3)[:512], 9)


def naive_is_de_bruijn(bits, n):
    text = "".join(map(str, bits)) * 2
    return len(bits) == 2 ** n and len({text[i:i + n] for i in range(2 ** n)}) == 2 ** n


@pytest.mark.parametrize("sorted_windows", [False, True], ids=["in stream order", "sorted by block"])
def test_is_de_bruijn_agrees_with_the_set_of_windows(monkeypatch, sorted_windows):
    if sorted_windows:  # the path of orders above 24, on small blocks and chunks
        monkeypatch.setattr(successors, "CACHED_CHECK_ORDER", 0)
        monkeypatch.setattr(successors, "SORT_BLOCK_BITS", 3)
        monkeypatch.setattr(successors, "SORT_CHUNK", 40)
    rng = np.random.default_rng(21)
    for n in range(1, 9):
        sequences = [rng.integers(0, 2, 2 ** n, dtype=np.uint8) for _ in range(30)]
        for rule in ("pcr", "ccr", "psr", "csr"):
            bits = de_bruijn_bits(rule, n, 2 ** n)[0]
            swapped_pair = bits.copy()
            i, j = rng.integers(0, 2 ** n, 2)
            swapped_pair[i], swapped_pair[j] = bits[j], bits[i]
            sequences += [bits, np.roll(bits, int(rng.integers(2 ** n))), swapped_pair]
        verdicts = [is_de_bruijn(bits, n) for bits in sequences]
        assert verdicts == [naive_is_de_bruijn(bits.tolist(), n) for bits in sequences]
        assert any(verdicts) and (n < 3 or not all(verdicts))


def one_line_error(call, error=ValueError):
    with pytest.raises(error) as raised:
        call()
    assert "\n" not in str(raised.value) and str(raised.value)
    return str(raised.value)


def test_bad_input_gets_one_line_errors():
    assert "not invertible" in one_line_error(lambda: count_joinings(LFSR.from_polynomial("x^4 + x^3")))
    assert "not invertible" in one_line_error(lambda: join_cycles(FSR("x0*x1 + x2", 3)))
    assert "not spanning" in one_line_error(
        lambda: join_cycles(LFSR.from_polynomial("x^3 + 1"), tree=[(0, 1), (2, 3), (4, 5)]))
    assert "edges" in one_line_error(lambda: join_cycles(LFSR.from_polynomial("x^3 + 1"), tree=[(0, 1)]))
    assert "not conjugate" in one_line_error(
        lambda: join_cycles(LFSR.from_polynomial("x^3 + 1"), tree=[(0, 2), (2, 3), (6, 7)]))
    assert "orders 1 to 64" in one_line_error(lambda: de_bruijn_bits("pcr", MAX_RULE_ORDER + 1, 8))
    assert "orders 1 to 64, not 0" in one_line_error(lambda: de_bruijn_bits("csr", 0, 8))
    assert "unknown rule 'prr'" in one_line_error(lambda: de_bruijn_bits("prr", 8, 8))
    assert "not 65" in one_line_error(lambda: de_bruijn_bits("psr", 65, 8))
    assert "orders 1 to 32" in one_line_error(lambda: is_de_bruijn("01", MAX_CHECK_ORDER + 1))
    assert "Galois" in one_line_error(lambda: join_cycles(LFSR([1, 1, 0, 0], form="galois")), TypeError)


@pytest.mark.parametrize("rule", sorted(NAIVE))
@pytest.mark.parametrize("n", [31, 32, 33, 47, 64])
def test_the_rules_match_the_naive_version_on_a_stretch_of_high_orders(rule, n):
    for state in (random.Random(n).getrandbits(n), 0, 2 ** n - 1):  # the stretches from 0^n and 1^n meet the root
        bits, _ = de_bruijn_bits(rule, n, 700, state)
        window, naive = "".join(str(state >> i & 1) for i in range(n)), []
        for _ in range(700):
            bit = NAIVE[rule](window)
            naive.append(int(bit))
            window = window[1:] + bit
        assert bits.tolist() == naive


def test_the_word_necklace_test_matches_the_definition():
    for length in range(1, 11):  # every word
        verdicts = [bool(successors.necklace(np.uint64(word), length)) for word in range(2 ** length)]
        texts = [format(word, f"0{length}b")[::-1] for word in range(2 ** length)]  # t_1 in bit 0
        assert verdicts == [naive_necklace(text) for text in texts]
    rng = random.Random(5)
    for length in (31, 32, 33, 63, 64):  # random words, and words built to pass the zero-run test
        for _ in range(300):
            text = rng.choice(["".join(rng.choice("01") for _ in range(length)),
                               ("0" * rng.randint(1, 3) + "1" * rng.randint(1, 3)) * length])[:length]
            word = np.uint64(int(text[::-1], 2))
            assert bool(successors.necklace(word, length)) == naive_necklace(text), text


def test_de_bruijn_arguments_of_the_wrong_type_are_refused_not_cast():
    bits = "00010111"
    assert is_de_bruijn([int(c) for c in bits], 3) and is_de_bruijn([float(c) for c in bits], 3)
    for value in (0.3, float("nan"), "1"):
        assert "0s and 1s only" in one_line_error(lambda: is_de_bruijn([int(c) for c in bits[:-1]] + [value], 3))
    assert "not bytes" in one_line_error(lambda: is_de_bruijn(bits.encode(), 3), TypeError)
    assert "generator" in one_line_error(lambda: is_de_bruijn((int(c) for c in bits), 3), TypeError)
    for keywords in ({"state": "7"}, {"state": 1.9}, {"count": 2.5}, {"order": 8.0}, {"state": True}):
        arguments = {"rule": "pcr", "order": 8, "count": 8, **keywords}
        assert "must be an integer" in one_line_error(lambda: de_bruijn_bits(**arguments), TypeError)
    for seed in ("7", 1.9):
        assert "must be an integer" in one_line_error(lambda: join_cycles(LFSR.from_polynomial("x^3 + 1"), seed=seed),
                                                      TypeError)
    numpy_typed = de_bruijn_bits("pcr", 8, np.int64(8), state=np.uint8(7))[0]
    assert numpy_typed.tolist() == de_bruijn_bits("pcr", 8, 8, 7)[0].tolist()


def run_cli(capsys, *arguments):
    from sage_lfsr.cli import main
    code = main(["debruijn", *arguments])
    out, err = capsys.readouterr()
    return code, out, err


def test_the_debruijn_command_refuses_before_any_work(capsys, monkeypatch):
    import sage_lfsr.debruijn as debruijn

    def no_work(*arguments, **keywords):
        raise AssertionError("work started before the refusal")
    monkeypatch.setattr(debruijn, "count_joinings", no_work)
    monkeypatch.setattr(debruijn, "join_cycles", no_work)
    code, _, err = run_cli(capsys, "--polynomial", "x^23+1", "--count", "--tree-seed", "1")
    assert code == 2 and "4194304 (2^22)" in err and err.count("\n") == 1
    for options, said in ((["--workers", "2"], "--workers"), (["--zero-apart"], "--zero-apart"),
                          (["--anf", "x0"], "--anf"), (["--schedule", "threads"], "--schedule")):
        code, _, err = run_cli(capsys, "--rule", "pcr", "--order", "8", *options)
        assert code == 2 and "leave out" in err and said in err and err.count("\n") == 1
    code, _, err = run_cli(capsys, "--polynomial", "x^3+1", "--tree-seed", "1", "--anf")
    assert code == 2 and "--format anf" in err
    code, _, err = run_cli(capsys, "--polynomial", "x^3+1", "--count", "--bits", "8")
    assert code == 2 and "--bits" in err


def test_the_debruijn_command_prints_a_long_count_readably_and_anf_on_request(capsys):
    from sage_lfsr.cli import MAX_PLAIN_DIGITS
    register = LFSR.from_polynomial("x^10 + 1")
    digits = str(count_joinings(register))
    assert len(digits) > MAX_PLAIN_DIGITS
    code, out, _ = run_cli(capsys, "--polynomial", "x^10+1", "--count")
    shown = out.splitlines()[-1]
    assert code == 0 and shown.startswith(f"joinings: {digits[0]}.{digits[1:10]}e{len(digits) - 1} ")
    assert f"{len(digits):,} digits" in shown and len(shown) < 100
    code, out, _ = run_cli(capsys, "--polynomial", "x^10+1", "--count", "--exact")
    assert out.splitlines()[-1] == f"joinings: {digits}"
    code, out, _ = run_cli(capsys, "--polynomial", "x^4+1", "--tree-seed", "3", "--format", "anf")
    assert out == join_cycles(LFSR.from_polynomial("x^4 + 1"), seed=3).anf() + "\n"


def test_the_debruijn_stream_is_written_in_bounded_chunks(capsys, monkeypatch, tmp_path):
    import sys
    import sage_lfsr.cli as cli
    monkeypatch.setattr(cli, "DEBRUIJN_CHUNK_BITS", 1000)
    count = 3005
    expected = "".join(map(str, de_bruijn_bits("ccr", 24, count)[0].tolist())) + "\n"
    writes = []
    write = sys.stdout.write
    monkeypatch.setattr(sys.stdout, "write", lambda text: writes.append(len(text)) or write(text))
    code, out, _ = run_cli(capsys, "--rule", "ccr", "--order", "24", "--bits", str(count))
    assert code == 0 and out == expected and max(writes) <= 1000
    path = tmp_path / "s"
    code, _, _ = run_cli(capsys, "--rule", "ccr", "--order", "24", "--bits", str(count), "--output", str(path))
    assert code == 0 and path.read_text() == expected
