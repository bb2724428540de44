"""
Censuses against independent oracles: counting formulas (primitive polynomials
phi(q^d - 1)/d, Gauss's count of irreducible polynomials, de Bruijn sequences
2^(2^(n-1) - n)), single map_cycles runs, a brute-force walk written here, and
an uninterrupted run for resumed ones.
"""
import itertools
import os
import signal
import subprocess
import sys
import time

import pytest

from sage_lfsr import LFSR, map_cycles
from sage_lfsr.census import census, families, parse_register
from sage_lfsr.census.registers import RegisterTextError
from sage_lfsr.cli import main

pytestmark = pytest.mark.timeout(300)


# ---------------------------------------------------------------- oracles written here

def totient(n):
    return sum(1 for k in range(1, n + 1) if __import__("math").gcd(k, n) == 1)


def mobius(n):
    result, p = 1, 2
    while p * p <= n:
        if n % p == 0:
            n //= p
            if n % p == 0:
                return 0
            result = -result
        p += 1
    return -result if n > 1 else result


def gauss_irreducible_count(q, d):
    return sum(mobius(d // k) * q ** k for k in range(1, d + 1) if d % k == 0) // d


def anf_successor(degree, monomials):
    """The successor of a binary register given as lists of variable indices (an empty list is 1)."""
    def successor(state):
        bits = [(state >> i) & 1 for i in range(degree)]
        feedback = 0
        for monomial in monomials:
            feedback ^= int(all(bits[i] for i in monomial))
        return (state >> 1) | (feedback << (degree - 1))
    return successor


def brute_force_structure(successor, state_count):
    """({cycle length: count}, {depth: states}) by repeated application, no cleverness."""
    on_cycle = set()
    for state in range(state_count):
        for _ in range(state_count):
            state = successor(state)
        on_cycle.add(state)  # after q^d steps every walk is on its cycle
    lengths, seen = {}, set()
    for state in sorted(on_cycle):
        if state in seen:
            continue
        length, current = 0, state
        while True:
            seen.add(current)
            current, length = successor(current), length + 1
            if current == state:
                break
        lengths[length] = lengths.get(length, 0) + 1
    depths = {}
    for state in range(state_count):
        depth = 0
        while state not in on_cycle:
            state, depth = successor(state), depth + 1
        depths[depth] = depths.get(depth, 0) + 1
    return lengths, depths


def brute_force_period(successor, start, state_count):
    state = successor(start)
    for steps in range(1, state_count + 1):
        if state == start:
            return steps
        state = successor(state)
    return None


# ---------------------------------------------------------------- counts against theory

@pytest.mark.parametrize("q, degrees", [(2, range(1, 9)), (3, range(1, 5)), (5, range(1, 4))])
def test_primitive_counts_by_enumeration(q, degrees):
    for degree in degrees:
        result = census(families.lfsrs(degree, q=q), schedule="sequential", check_theory=False)
        full = {row["register"] for row in result.rows if row["longest_cycle"] == q ** degree - 1}
        assert len(full) == totient(q ** degree - 1) // degree, (q, degree)
        assert {spec.text for spec in families.primitive(degree, q=q)} == full


@pytest.mark.parametrize("q, degrees", [(2, range(1, 11)), (3, range(1, 6)), (4, range(1, 4))])
def test_irreducible_counts_by_prediction(q, degrees):
    for degree in degrees:
        result = census(families.lfsrs(degree, q=q), mode="predict", schedule="sequential")
        expected = gauss_irreducible_count(q, degree) - (1 if degree == 1 else 0)  # c0 != 0 leaves out x
        assert result.summary()["irreducible"] == expected, (q, degree)


@pytest.mark.parametrize("schedule", ["sequential", "queue", "threads"])
def test_de_bruijn_counts(schedule):
    for order in range(1, 5):
        result = census(families.feedback_functions(order), schedule=schedule, workers=2)
        assert len(result) == 2 ** 2 ** (order - 1)
        assert result.summary()["full_cycle_count"] == 2 ** (2 ** (order - 1) - order)
        assert all(row["transient_states"] == 0 for row in result.rows)


def test_a_family_known_by_index_equals_its_list_of_specs(rng):
    from sage_lfsr.census.census import CensusResult

    family = families.feedback_functions(4)
    packed = census(family, schedule="threads", workers=2, batch_size=37)
    listed = census(list(family), schedule="sequential")
    assert packed.rows == listed.rows and packed.summary()["full_cycle_count"] == listed.summary()["full_cycle_count"]
    assert packed.choices["schedule"] == "threads"
    by_hand = CensusResult("map", listed.rows)  # rows given, no arrays: the columns come from the rows
    for name in ("longest_cycle", "max_period", "full_cycle", "cycle_count", "transient_states", "matches_theory"):
        assert (by_hand.column(name) == packed.column(name)).all(), name
    mixed = ["lfsr q=2 c=1,1,0", "fsr d=3 f=x0+x1*x2", "lfsr q=3 c=1,1"]
    assert census(mixed, check_theory=False).choices["schedule"] == "threads"
    assert census(mixed).choices["schedule"] == "queue"  # theory checks call Sage: not on threads
    with pytest.raises(ValueError, match="compiled kernels only"):
        census(mixed, schedule="threads", workers=2)


def test_a_result_whose_states_do_not_add_up_is_refused(monkeypatch):
    from sage_lfsr.census import job
    from sage_lfsr.common.errors import IncompleteResult

    original = job.map_params

    def losing_a_state(params, count, state_count):
        cycle_pairs, cycle_offsets, depth_pairs, depth_offsets, steps = original(params, count, state_count)
        depth_pairs[0, 1] -= 1
        return cycle_pairs, cycle_offsets, depth_pairs, depth_offsets, steps

    monkeypatch.setattr(job, "map_params", losing_a_state)
    with pytest.raises(IncompleteResult, match=r"register 0 \(fsr d=3 tt=0xaa\): .* not the 8 states"):
        census(families.feedback_functions(3), schedule="threads", workers=2)


# ---------------------------------------------------------------- against single runs and brute force

def test_rows_equal_single_map_cycles_runs(rng):
    registers = []
    for q, degree in [(2, 6), (3, 3), (4, 3), (5, 2), (9, 2)]:
        for _ in range(4):
            registers.append(LFSR([rng.randrange(q) for _ in range(degree)], q=q))
    result = census(registers, schedule="queue", workers=2, batch_size=3)
    assert [row["index"] for row in result.rows] == list(range(len(registers)))
    for register, row in zip(registers, result.rows):
        reference = map_cycles(register)
        assert row["register"] == parse_register(row["register"]).text
        assert parse_register(row["register"]).register() == register
        assert (row["cycle_counts"], row["tail_depths"]) == (reference.cycle_counts, reference.tail_depths)
        assert row["matches_theory"] is True


def test_nonlinear_rows_against_brute_force(rng):
    degree = 5
    texts, oracles = [], []
    for _ in range(12):
        monomials = [sorted(rng.sample(range(degree), rng.randrange(0, 4))) for _ in range(rng.randrange(1, 5))]
        unique = {tuple(m) for m in monomials}
        if len(unique) != len(monomials):
            continue
        texts.append(f"fsr d={degree} f=" + "+".join("*".join(f"x{i}" for i in m) or "1" for m in monomials))
        oracles.append(brute_force_structure(anf_successor(degree, monomials), 1 << degree))
    result = census(texts, schedule="sequential")
    for row, (lengths, depths) in zip(result.rows, oracles):
        assert (row["cycle_counts"], row["tail_depths"]) == (lengths, depths), row["register"]
        assert row["matches_theory"] is None


def test_fsr_objects_rows_equal_single_map_cycles_runs(rng):
    from sage_lfsr import FSR

    registers = [FSR("x0", 5), FSR("x0 + 1", 4), FSR("0,1,2,(1,2)", 4)]
    for _ in range(5):
        degree = rng.randrange(3, 7)
        monomials = {tuple(sorted(rng.sample(range(degree), rng.randrange(1, 3)))) for _ in range(rng.randrange(1, 5))}
        registers.append(FSR(" + ".join("*".join(f"x{i}" for i in m) for m in sorted(monomials)), degree))
    result = census(registers, schedule="queue", workers=2, batch_size=2)
    for register, row in zip(registers, result.rows):
        reference = map_cycles(register)
        assert (row["cycle_counts"], row["tail_depths"]) == (reference.cycle_counts, reference.tail_depths)
        assert parse_register(row["register"]).register() == register


def test_truth_tables_and_anf_give_the_same_rows(rng):
    degree = 4
    anf_texts, table_texts = [], []
    for _ in range(10):
        monomials = [m for m in range(1 << degree) if rng.random() < 0.25]
        successor = anf_successor(degree, [[i for i in range(degree) if m >> i & 1] for m in monomials])
        table = sum(((successor(s) >> (degree - 1)) & 1) << s for s in range(1 << degree))
        anf_texts.append(f"fsr d={degree} f=" + ("+".join("*".join(f"x{i}" for i in range(degree) if m >> i & 1)
                                                          or "1" for m in monomials) or "0"))
        table_texts.append(f"fsr d={degree} tt={table:#x}")
    by_anf = census(anf_texts, schedule="sequential").rows
    by_table = census(table_texts, schedule="sequential").rows
    keys = ("cycle_counts", "tail_depths")
    assert [[row[k] for k in keys] for row in by_anf] == [[row[k] for k in keys] for row in by_table]


def test_template_family_against_brute_force():
    degree = 6
    expected = {}
    for a in range(1, degree):
        for b, c in itertools.combinations(range(1, degree), 2):
            monomials = {(0,)} ^ {(a,)} ^ {(b, c)}
            if frozenset(monomials) not in expected:
                expected[frozenset(monomials)] = brute_force_period(
                    anf_successor(degree, [list(m) for m in monomials]), 1, 1 << degree)
    specs = list(families.template("x0 + x{a} + x{b}*x{c}", degree))
    assert len(specs) == len(expected)
    result = census(specs, mode="period", schedule="queue", workers=2)
    found = {}
    for row in result.rows:
        masks = parse_register(row["register"]).monomials
        found[frozenset(tuple(i for i in range(degree) if m >> i & 1) for m in masks)] = row["period"]
    assert found == expected
    assert [row["max_period"] for row in result.rows] == [row["period"] == 63 for row in result.rows]


def test_period_mode_transient_start_and_other_start():
    rows = census(["lfsr q=2 c=0,0,1,1", "lfsr q=3 c=1,1", "fsr d=3 f=x0+x1*x2+1"], mode="period",
                  schedule="sequential", start=2).rows
    assert [row["period"] for row in rows] == [None, 8,
                                               brute_force_period(anf_successor(3, [[0], [1, 2], []]), 2, 8)]


def test_affine_registers_map_by_brute_force():
    # x_{n+3} = x_n + x_{n+1} + 1 over GF(2) and x_{n+2} = x_n + 2 over GF(3)
    result = census(["lfsr q=2 c=1,1,0 b=1", "lfsr q=3 c=1,0 b=2"], schedule="sequential").rows
    binary = anf_successor(3, [[0], [1], []])
    assert (result[0]["cycle_counts"], result[0]["tail_depths"]) == brute_force_structure(binary, 8)

    def ternary(state):
        x0, x1 = state % 3, state // 3
        return x1 + 3 * ((x0 + 2) % 3)
    assert (result[1]["cycle_counts"], result[1]["tail_depths"]) == brute_force_structure(ternary, 9)
    assert [row["matches_theory"] for row in result] == [True, True]  # the affine theory of sage_lfsr.theory.prediction
    register = LFSR([1, 1, 0], constant=1)
    assert census([register], schedule="sequential").rows[0]["cycle_counts"] == result[0]["cycle_counts"]
    # the Galois form's matrix is similar to the Fibonacci form's: the same cycle structure
    forms = census([LFSR([1, 1, 0, 1]), LFSR([1, 1, 0, 1], form="galois")], schedule="sequential").rows
    assert forms[0]["cycle_counts"] == forms[1]["cycle_counts"]


# ---------------------------------------------------------------- text, output, errors

def test_texts_round_trip_and_hostile_input_is_refused():
    for spec in [*families.lfsrs(2, q=4), *families.feedback_functions(3),
                 *families.template("x0 + x{a}*x{b} + 1", 5)]:
        assert parse_register(spec.text) == spec
    for text in ["lfsr q=2 c=__import__('os').system('true')", "fsr d=4 f=x0+exec('1')", "fsr d=4 f=x0+x9",
                 "lfsr q=6 c=1", "nlfsr d=3", "fsr d=3 f=x0 tt=0x1", "lfsr q=2 c=1 c=1"]:
        with pytest.raises(ValueError):
            parse_register(text)
    with pytest.raises(RegisterTextError):
        list(families.template("x0 + x{a}**2", 4))


def test_outputs_and_bad_arguments():
    result = census(families.lfsrs(2, q=3), schedule="sequential")
    lines = result.to_csv().splitlines()
    assert len(lines) == 1 + 6 and lines[0].startswith("index,register,")
    import json
    document = json.loads(result.to_json())
    assert document["summary"]["registers"] == 6 and len(document["rows"]) == 6
    try:
        import pandas  # noqa: F401
        assert len(result.to_dataframe()) == 6
    except ImportError:
        with pytest.raises(ImportError, match="pip install pandas"):
            result.to_dataframe()
    with pytest.raises(ValueError, match="mode 'predict' is for linear"):
        census(["fsr d=3 f=x0+x1*x2"], mode="predict", schedule="sequential")
    with pytest.raises(ValueError, match="start state 9"):
        census(["lfsr q=2 c=1,1,0"], mode="period", start=9, schedule="sequential")
    with pytest.raises(TypeError):
        census([1.5], schedule="sequential")


def test_cli_families_and_from_file(tmp_path, capsys):
    assert main(["census", "--family", "primitive", "--degree", "4", "--q", "3", "--format", "csv",
                 "--schedule", "sequential", "--quiet"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 1 + totient(80) // 4
    registers = tmp_path / "registers.txt"
    registers.write_text("# two registers\nlfsr q=2 c=1,1,0,0\n\nfsr d=4 f=x0+x1*x2\n")
    assert main(["census", "--from", str(registers), "--mode", "period", "--schedule", "sequential",
                 "--format", "json", "--quiet"]) == 0
    import json
    document = json.loads(capsys.readouterr().out)
    assert [row["period"] for row in document["rows"]] == [15, brute_force_period(
        anf_successor(4, [[0], [1, 2]]), 1, 16)]
    assert main(["census", "--family", "template", "--template", "x0 + x{a}*x{b}", "--degree", "5",
                 "--mode", "period", "--schedule", "sequential", "--quiet", "--format", "csv"]) == 0
    assert len(capsys.readouterr().out.splitlines()) == 1 + 6
    assert main(["census", "--family", "feedback-functions", "--degree", "3", "--quiet",
                 "--schedule", "sequential", "--format", "csv"]) == 0
    assert len(capsys.readouterr().out.splitlines()) == 1 + 16
    registers.write_text("lfsr q=2 c=1,1\nfsr d=4 f=x0+eval(1)\n")
    assert main(["census", "--from", str(registers), "--quiet"]) == 2
    assert "line 2" in capsys.readouterr().err


# ---------------------------------------------------------------- resume after a kill

def checkpoint_frames(path):
    from sage_lfsr.census.checkpoint import CensusCheckpoint

    return len(CensusCheckpoint(path).read()[1]) if os.path.exists(path) else 0


def test_a_killed_census_resumes_to_the_same_table(tmp_path):
    path = tmp_path / "census.ckpt"
    arguments = ["census", "--family", "lfsrs", "--degree", "11", "--mode", "map", "--schedule", "queue",
                 "--workers", "2", "--batch-size", "8", "--format", "csv", "--quiet"]
    environment = dict(os.environ, PYTHONPATH=os.pathsep.join(
        filter(None, [os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), os.environ.get("PYTHONPATH")])))
    process = subprocess.Popen([sys.executable, "-m", "sage_lfsr", *arguments, "--checkpoint", str(path),
                                "--output", str(tmp_path / "first.csv")], env=environment,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    deadline = time.monotonic() + 120
    while checkpoint_frames(path) < 4 and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait(30)
    recorded = checkpoint_frames(path)
    assert 4 <= recorded < 128, "the run should be killed midway"
    resumed = tmp_path / "resumed.csv"
    assert main([*arguments, "--checkpoint", str(path), "--output", str(resumed)]) == 0
    reference = census(families.lfsrs(11), schedule="sequential")
    assert resumed.read_text() == reference.to_csv()


# ---------------------------------------------------------------- other schedules, interruption

def test_dask_schedule_gives_the_same_rows():
    pytest.importorskip("distributed")
    specs = list(families.feedback_functions(3))
    on_dask = census(specs, schedule="dask", workers=2, batch_size=4)
    assert on_dask.rows == census(specs, schedule="sequential").rows


def test_an_interrupted_census_leaves_no_process():
    psutil = pytest.importorskip("psutil")

    def interrupt(done, total):
        raise KeyboardInterrupt

    def workers():  # multiprocessing's resource tracker (one per interpreter) stays by design
        return [child for child in psutil.Process().children(recursive=True)
                if "resource_tracker" not in " ".join(child.cmdline())]

    with pytest.raises(KeyboardInterrupt):
        census(families.lfsrs(8), schedule="queue", workers=2, batch_size=1, progress=interrupt)
    deadline = time.monotonic() + 10
    while workers() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not workers()


def test_binary_matrices_against_brute_force_and_theory(rng):
    from sage.all__sagemath_modules import GF, matrix

    degree, matrices = 4, []
    for _ in range(8):
        matrices.append(matrix(GF(2), [[rng.randrange(2) for _ in range(degree)] for _ in range(degree)]))
    mapped = census(matrices, schedule="sequential").rows
    predicted = census(matrices, mode="predict", schedule="sequential").rows
    for m, row, prediction in zip(matrices, mapped, predicted):
        entries = [[int(m[i, j]) for j in range(degree)] for i in range(degree)]

        def successor(state):
            bits = [(state >> i) & 1 for i in range(degree)]
            return sum((sum(bits[i] * entries[i][j] for i in range(degree)) % 2) << j for j in range(degree))
        assert (row["cycle_counts"], row["tail_depths"]) == brute_force_structure(successor, 1 << degree)
        assert row["matches_theory"] is True
        assert (prediction["cycle_counts"], prediction["tail_depths"]) == (row["cycle_counts"], row["tail_depths"])
        assert parse_register(row["register"]).register() == m


# ---------------------------------------------------------------- registers mapped from successor tables

def _successor_kinds(rng):
    """Random FSRs over GF(3)/GF(4) (invertible and not), matrices over GF(3)/GF(5) (singular and not), Galois LFSRs."""
    from sage_lfsr import FSR, MatrixRegister
    from sage.all__sagemath_modules import GF, matrix

    registers = [FSR("x0 + 2*x1^2", 2, q=3), FSR("x0*x1 + 1", 2, q=3), FSR("z*x0 + x1^2*x2", 3, q=4),
                 FSR("x1*x2 + z", 3, q=4)]
    for q, degree in [(3, 3), (4, 2)]:
        names = [f"x{i}" for i in range(degree)]
        for _ in range(2):
            terms = [f"{rng.randrange(1, q)}*{rng.choice(names)}^{rng.randrange(1, q)}*{rng.choice(names)}"
                     for _ in range(rng.randrange(1, 4))]
            registers.append(FSR(" + ".join(terms), degree, q=q))
    for q, degree in [(3, 3), (5, 2)]:
        for _ in range(3):
            registers.append(MatrixRegister(matrix(GF(q), degree, degree,
                                                   [rng.randrange(q) for _ in range(degree * degree)])))
    registers += [MatrixRegister(matrix(GF(3), [[1, 2, 0], [2, 1, 0], [0, 0, 0]])),  # singular
                  MatrixRegister(matrix(GF(3), [[0, 1, 0], [0, 0, 1], [1, 2, 0]])),  # invertible
                  MatrixRegister(matrix(GF(5), [[1, 2], [2, 4]])), MatrixRegister(matrix(GF(5), [[0, 1], [1, 4]]))]
    for q, degree in [(2, 5), (3, 3), (4, 2)]:
        registers.append(LFSR([rng.randrange(q) for _ in range(degree)], q=q, constant=rng.randrange(q),
                              form="galois"))
    return registers


@pytest.mark.parametrize("schedule", ["queue", "sequential"])
def test_successor_encoded_rows_equal_single_map_cycles_runs(rng, schedule):
    registers = _successor_kinds(rng)
    for kind in ("FSR", "MatrixRegister"):
        assert {r.is_singular for r in registers if type(r).__name__ == kind} == {True, False}
    result = census(registers, schedule=schedule, workers=2, batch_size=3)
    for register, row in zip(registers, result.rows):
        reference = map_cycles(register)
        assert (row["cycle_counts"], row["tail_depths"]) == (reference.cycle_counts, reference.tail_depths), \
            row["register"]
        spec = parse_register(row["register"])
        assert spec.text == row["register"] and spec.register() == register
        if row["kind"] in ("matrix", "lfsr"):
            assert row["matches_theory"] in (True, None)


def test_successor_encoded_period_mode_against_a_walk():
    from sage_lfsr import FSR

    register = FSR("x0 + 2*x1^2 + x0*x2", 3, q=3)
    periods = census([register], mode="period", start=5, schedule="sequential").rows[0]["period"]
    state, seen = 5, []
    while state not in seen:
        seen.append(state)
        state = register.successor(state)
    assert periods == (len(seen) - seen.index(state) if state == 5 else None)


def test_successor_encoded_registers_are_capped_before_work():
    with pytest.raises(ValueError, match="up to 1048576 states"):
        parse_register("fsr q=3 d=13 f=x0")
    with pytest.raises(ValueError, match="form= takes fibonacci or galois"):
        parse_register("lfsr q=3 c=1,1 form=internal")
    with pytest.raises(ValueError, match="cannot read"):
        parse_register("fsr q=3 d=2 f=x0 + __import__('os')")
