r"""
Sequences and single states: Berlekamp-Massey at scale (issue 22's table: the subquadratic paths
against the compiled O(n L) kernel, GF(2), GF(p), GF(2^8), a maximum-period NLFSR of degree 20,
the profile), over GF(2) in detail (an LFSR's output of 10^6 terms, random sequences, against
the galois package and Sage's own berlekamp_massey) and the per-state answers at degree 127
(cycle length, tail depth, jump, short-cycle states). Writes docs/benchmarks/sequences.md.
"""
import os
import time

import numpy as np
from common import machine_description, write_section

from sage_lfsr.common import sagemath
from sage_lfsr.engine.figures import best_of
from sage_lfsr.registers.lfsr import LFSR
from sage_lfsr.theory.sequences import linear_complexity, linear_complexity_profile
from sage_lfsr.theory.prediction import random_primitive_polynomial


#: A maximum-period NLFSR of degree 20 from the published dataset of Askeland et al. (University of
#: Bergen, "An FPGA Accelerator for NLFSR Period Testing", github.com/amundas/NLFSR,
#: dataset/nlfsr_dataset.json, n = 20, form "5,1"): f = x0 + x6 + x7 + x12 + x14 + x4 x6.
#: Its period is checked here before it is timed.
NLFSR_20 = ((0,), (6,), (7,), (12,), (14,), (4, 6))


def nlfsr_output(monomials, degree, count):
    r"""``count`` terms of a binary NLFSR from the state x = (1, 0, ..., 0), and whether the state
    came back first after exactly ``count`` steps (a visited bitmap over all 2^degree states)."""
    masks = [sum(1 << i for i in monomial) for monomial in monomials]
    state, start, top = 1, 1, degree - 1
    visited = bytearray(1 << degree)
    out = np.empty(count, dtype=np.uint8)
    first_return = None
    for k in range(count):
        visited[state] = 1
        out[k] = state & 1
        bit = 0
        for mask in masks:
            bit ^= (state & mask) == mask
        state = (state >> 1) | (bit << top)
        if state == start and first_return is None:
            first_return = k + 1
        elif first_return is None and visited[state]:
            first_return = -1  # a state repeated before the start came back
    return out, first_return


def auto_path(q, profile):
    from sage_lfsr.theory.sequences import _subquadratic_kind

    kind = _subquadratic_kind(q, profile)
    return {"ntl": "NTL MinPolySeq", "flint": "FLINT minpoly", "pari": "PARI halfgcd",
            "recursive": "divide and conquer", None: "compiled"}[kind]


def scale_lines():
    lines = ["### Berlekamp-Massey at scale (issue 22)", "",
             "`linear_complexity(terms)` and `linear_complexity_profile(terms)` with `method=\"auto\"` (the default: the "
             "compiled O(n L) kernel while its remaining cost, with the complexity growing at its slope so far, stays "
             "under the subquadratic path's; that path after: NTL `MinPolySeq` over GF(2), FLINT `fmpz_mod_poly_minpoly` "
             "over GF(p), and over GF(2^m) Massey's own steps by divide and conquer, `sage_lfsr.theory.recursive_massey`, "
             "which also gives the profile) against `method=\"compiled\"` (the O(n L) kernel to the end). One run each "
             "(the compiled ones take seconds to a minute); the load average (1 minute, 2 cores, shared with other "
             "sessions) is taken just before each row.", "",
             "| measure | terms | linear complexity | auto path | auto s | compiled s | target | load |",
             "| --- | ---: | ---: | --- | ---: | ---: | ---: | ---: |"]
    rng = np.random.default_rng(22)
    for q in (2, 3, 256):  # compile and load every path outside the timings
        linear_complexity(rng.integers(0, q, 40_000), q=q)
        linear_complexity(rng.integers(0, q, 4000), q=q, method="compiled")
        linear_complexity_profile(rng.integers(0, q, 4000), q=q)
    rows = []
    for seed in range(3):
        rows.append((f"random bits, GF(2) (seed {seed})", np.random.default_rng(seed).integers(0, 2, 10 ** 6), 2,
                     seed == 0, False))
    nlfsr, first_return = nlfsr_output(NLFSR_20, 20, 2 ** 20 - 1)
    assert first_return == 2 ** 20 - 1, first_return
    rows.append(("one period of the maximum-period NLFSR x0+x6+x7+x12+x14+x4x6 (n = 20)", nlfsr, 2, True, False))
    for q in (3, 5, 256):
        rows.append((f"random terms, GF({q})", rng.integers(0, q, 10 ** 5), q, True, False))
    rows.append(("the profile, random bits, GF(2) (seed 0)", np.random.default_rng(0).integers(0, 2, 10 ** 6), 2, True, True))
    for label, terms, q, run_compiled, profile in rows:
        load = os.getloadavg()[0]
        if profile:
            auto, steps = best_of(1, lambda: linear_complexity_profile(terms, q=q))
            complexity = steps[-1]
            compiled = best_of(1, lambda: massey_compiled_profile(terms, q))[0] if run_compiled else None
        else:
            auto, complexity = best_of(1, lambda: linear_complexity(terms, q=q))
            compiled = best_of(1, lambda: linear_complexity(terms, q=q, method="compiled"))[0] if run_compiled else None
        target = "3 s" if profile else "1 s"
        lines.append(f"| {label} | {len(terms):,} | {complexity:,} | {auto_path(q, profile)} | {auto:.3f} | "
                     f"{'' if compiled is None else f'{compiled:.2f}'} | {target} | {load:.1f} |")
        print(lines[-1], flush=True)
    lines += ["", "Over GF(2^8) no library Berlekamp-Massey served: FLINT has none for extension fields and its generic "
              "`_gr_poly_hgcd` over `fq_zech` took 6.3 s for 10^5 terms; PARI's `halfgcd` (on x^n and the reversed "
              "sequence, t_FFELT coefficients) took 4.7 s; NTL's `MinPolySeq` for GF2EX is Massey's quadratic "
              "algorithm (0.49 s for 4,000 terms, 8.4 s for 16,000). So GF(2^m) runs Massey's steps by divide and "
              "conquer: the 2x2 polynomial matrix of a block's steps, the second half's discrepancy series carried "
              "across by carry-less products of Kronecker-packed polynomials (`gf2x`, which Sage's NTL ships), blocks "
              "of 512 terms stepped by a compiled kernel. It is Massey's algorithm, so it gives his connection and the "
              "profile too. PARI's half-gcd serves GF(p^m) for odd p.", ""]
    return lines


COMPLEXITY_HEADING = "### Sequence complexities beyond Berlekamp-Massey (issue 30)"


def complexity_lines():
    r"""Issue 30's targets: the register at library speed, maximum order complexity, Games-Chan,
    Stamp-Martin, the periodic linear complexity, NIST's worked example. Best of 3 (1 for the NIST
    example); the load beside each row."""
    from sage_lfsr.theory.nist import binary_expansion_of_e
    from sage_lfsr.theory.sequences import (berlekamp_massey, games_chan, k_error_linear_complexity_profile,
                                            maximum_order_complexity_profile, periodic_linear_complexity,
                                            shortest_fsr, sp800_22_linear_complexity_test)

    lines = [COMPLEXITY_HEADING, "",
             "Best of 3 runs (compilation excluded); the load average (1 minute, 2 cores shared with other "
             "sessions) just before each row. `berlekamp_massey` over GF(2) makes two NTL `MinPolySeq` calls on "
             "random data (the first gives L, and where 2L > n the second, on the sequence extended to 2L terms, "
             "the register), so it costs about twice `linear_complexity`.", "",
             "| measure | input | result | seconds | target | load |", "| --- | --- | --- | ---: | ---: | ---: |"]
    rng = np.random.default_rng(30)
    bits = rng.integers(0, 2, 10 ** 6)
    as_list = bits.tolist()
    over_half = np.random.default_rng(0).integers(0, 2, 10 ** 6)
    nlfsr, first_return = nlfsr_output(NLFSR_20, 20, 10 ** 5)
    period = rng.integers(0, 2, 1 << 20).astype(np.uint8)
    period3 = rng.integers(0, 3, 10 ** 6)
    for warm in (lambda: berlekamp_massey(bits[:5000]), lambda: maximum_order_complexity_profile(bits[:5000]),
                 lambda: shortest_fsr(nlfsr[:3000]), lambda: games_chan(period[:1024]),
                 lambda: k_error_linear_complexity_profile(period[:1024]), lambda: periodic_linear_complexity(bits[:999]),
                 lambda: sp800_22_linear_complexity_test(bits[:5000], 500)):
        warm()
    rows = [
        ("`linear_complexity` (for comparison)", "10^6 random bits, numpy", lambda: linear_complexity(bits),
         lambda r: f"L = {r:,}", "", 3),
        ("`berlekamp_massey`", "10^6 random bits, numpy", lambda: berlekamp_massey(bits),
         lambda r: f"degree {r.degree:,}", "1 s", 3),
        ("`berlekamp_massey`", "10^6 random bits, list", lambda: berlekamp_massey(as_list),
         lambda r: f"degree {r.degree:,}", "1 s", 3),
        ("`berlekamp_massey`", "10^6 random bits (seed 0: 2L > n, two NTL calls)", lambda: berlekamp_massey(over_half),
         lambda r: f"degree {r.degree:,}", "1 s", 3),
        ("maximum order complexity profile", "10^6 random bits", lambda: maximum_order_complexity_profile(bits),
         lambda r: f"{r[-1]}", "1 s", 3),
        ("`shortest_fsr`", "10^5 bits of the maximum-period NLFSR x0+x6+x7+x12+x14+x4x6 (n = 20)",
         lambda: shortest_fsr(nlfsr), lambda r: f"order {r.degree}: {r.anf()}", "1 s, order 20", 3),
        ("Games-Chan", "period 2^20, random", lambda: games_chan(period), lambda r: f"L = {r:,}", "0.1 s", 3),
        ("k-error profile (Stamp-Martin, every k)", "period 2^20, random",
         lambda: k_error_linear_complexity_profile(period),
         lambda r: f"k = 0..{len(r) - 1:,}; L_1 = {r[1]:,}, L_100 = {r[100]:,}", "2 s", 3),
        ("periodic linear complexity (NTL gcd)", "one period of 10^6 random bits",
         lambda: periodic_linear_complexity(bits), lambda r: f"L = {r:,}", "1 s", 3),
        ("periodic linear complexity (FLINT gcd)", "one period of 10^6 random terms over GF(3)",
         lambda: periodic_linear_complexity(period3, q=3), lambda r: f"L = {r:,}", "", 1),
    ]
    for label, data, call, show, target, repeats in rows:
        load = os.getloadavg()[0]
        seconds, result = best_of(repeats, call)
        lines.append(f"| {label} | {data} | {show(result)} | {seconds:.3f} | {target} | {load:.1f} |")
        print(lines[-1], flush=True)
    load = os.getloadavg()[0]
    started = time.perf_counter()
    e_bits = binary_expansion_of_e(10 ** 6)
    e_seconds = time.perf_counter() - started
    seconds, result = best_of(1, lambda: sp800_22_linear_complexity_test(e_bits, 1000))
    lines.append(f"| NIST SP 800-22 2.10, the worked example | the first 10^6 bits of e (mpmath, {e_seconds:.2f} s), "
                 f"M = 1000 | counts {', '.join(map(str, result.counts))}; chi-square {result.chi_square:.6f}; "
                 f"P-value {result.p_value:.6f} (document: 0.845406) | {seconds:.3f} | | {load:.1f} |")
    print(lines[-1], flush=True)
    lines += ["", "The document's chi-square (2.700348) follows the reference code's class probability "
              "pi_0 = 0.01047; the text's 0.010417 (1/96) would give 2.706147 and P = 0.844721.", ""]
    return lines


def splice_complexity_section(lines):
    r"""Replace (or append) the issue-30 subsection of docs/benchmarks/sequences.md, keeping the rest."""
    from common import SECTIONS, assemble_report

    path = SECTIONS / "sequences.md"
    text = path.read_text() if path.exists() else "## Sequences and single states (issues 13, 22 and 30)\n"
    if COMPLEXITY_HEADING in text:
        before, rest = text.split(COMPLEXITY_HEADING, 1)
        following = rest.find("\n### ")
        after = rest[following + 1:] if following >= 0 else ""
    else:
        before, after = text.rstrip("\n") + "\n\n", ""
    path.write_text(before + "\n".join(lines) + "\n" + after)
    assemble_report()


def compiled_massey(terms, q=2):
    r"""``massey(terms, q)`` by the compiled O(n L) kernel only (``massey`` itself may divide and conquer)."""
    from sage_lfsr.theory.sequences import _connection_and_profile

    return _connection_and_profile(terms, q, "compiled", profile=True)


def massey_compiled_profile(terms, q):
    return compiled_massey(terms, q)[2]


def main():
    lines = [f"Machine: {machine_description()}", ""] + scale_lines()
    load = os.getloadavg()[0]
    lines += [
             "Below: best of 3 runs (1 for the longest); compilation excluded. The machine was shared with other "
             f"sessions' runs while this was measured (load average {load:.1f} on 2 cores here; each row gives "
             "its own): absolute times are noisy, ratios within a row less so. Sage's `berlekamp_massey` is timed only: it gives a wrong "
             "linear complexity on about a quarter of random sequences (52 of 200 in a check against the linear system).",
             "", "### Massey's compiled kernel over GF(2) (the O(n L) path: short sequences, low complexity)", "",
             "| sequence | terms | linear complexity | seconds | million terms/s | load |",
             "| --- | ---: | ---: | ---: | ---: | ---: |"]
    register = LFSR.from_polynomial(random_primitive_polynomial(2, 127, seed=1))
    taps = [register.degree - i for i, c in enumerate(register.key()[1]) if c]  # c_i = 1 is tap w - i
    output = np.array(LFSR.from_taps(taps, register.degree).output(1, 10 ** 6), dtype=np.uint8)
    compiled_massey(output[:500])
    rng = np.random.default_rng(1)
    cases = [("degree-127 LFSR output", output, 3)]
    cases += [("random bits", rng.integers(0, 2, n).astype(np.uint8), 3 if n <= 10 ** 5 else 1)
              for n in (10 ** 4, 10 ** 5, 3 * 10 ** 5)]
    for label, terms, repeats in cases:
        load = os.getloadavg()[0]
        seconds, (_, connection, _) = best_of(repeats, lambda: compiled_massey(terms))
        lines.append(f"| {label} | {len(terms):,} | {len(connection) - 1:,} | {seconds:.4f} | "
                     f"{len(terms) / seconds / 1e6:.2f} | {load:.1f} |")
        print(lines[-1], flush=True)
    lines += ["", "Cost is O(n L): a random sequence has L about n/2, so time grows as n^2 "
              "(10^6 random terms: about 100 times the 10^5 figure).", "",
              "Against other implementations, same sequences (random bits):", "",
              "| terms | sage_lfsr s | galois s | Sage berlekamp_massey s | galois / sage_lfsr | Sage / sage_lfsr | load |",
              "| ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    import galois
    from sage.matrix.berlekamp_massey import berlekamp_massey as sage_berlekamp_massey

    GF2 = galois.GF(2)
    galois.berlekamp_massey(GF2(rng.integers(0, 2, 20)))
    for n in (1000, 4000):
        terms = rng.integers(0, 2, n).astype(np.uint8)
        load = os.getloadavg()[0]
        ours, _ = best_of(3, lambda: linear_complexity(terms))
        theirs, _ = best_of(1, lambda: galois.berlekamp_massey(GF2(terms)))
        field = sagemath.GF(2)
        elements = [field(int(t)) for t in terms]
        sage_seconds, _ = best_of(1, lambda: sage_berlekamp_massey(elements))
        lines.append(f"| {n:,} | {ours:.5f} | {theirs:.4f} | {sage_seconds:.3f} | {theirs / ours:,.0f}x | "
                     f"{sage_seconds / ours:,.0f}x | {load:.1f} |")
        print(lines[-1], flush=True)

    lines += ["", "### Per-state answers at degree 127 (GF(2), no enumeration)", "",
              "| question | register | seconds | load |", "| --- | --- | ---: | ---: |"]
    reducible = LFSR.from_polynomial(random_primitive_polynomial(2, 60, seed=2) * random_primitive_polynomial(2, 64, seed=3)
                                     * sagemath.PolynomialRing(sagemath.GF(2), "x")("x^3"))
    register.cycle_length(5)
    rng_states = np.random.default_rng(2)
    state = tuple(int(b) for b in rng_states.integers(0, 2, 127))
    questions = [
        ("cycle_length(random state) = 2^127 - 1", register, lambda r: r.cycle_length(state)),
        ("cycle_length(random state)", reducible, lambda r: r.cycle_length(state)),
        ("tail_depth(random state)", reducible, lambda r: r.tail_depth(state)),
        ("jump(state, 10^30)", register, lambda r: r.jump(state, 10 ** 30)),
        ("short_cycle_states(10^6)", reducible, lambda r: r.short_cycle_states(10 ** 6).count),
    ]
    for label, subject, question in questions:
        load = os.getloadavg()[0]
        seconds, answer = best_of(3, lambda: question(subject))
        name = "primitive, degree 127" if subject is register else "x^3 * (primitive 60) * (primitive 64)"
        lines.append(f"| {label} | {name} | {seconds:.4f} | {load:.1f} |")
        print(lines[-1], answer if not hasattr(answer, "parent") else "", flush=True)
    write_section("sequences", "Sequences and single states (issues 13, 22 and 30)", lines + [""] + complexity_lines())


if __name__ == "__main__":
    import sys

    started = time.perf_counter()
    if sys.argv[1:] == ["--complexity"]:  # issue 30's rows only, spliced into the written section
        splice_complexity_section(complexity_lines())
    else:
        main()
    print(f"{time.perf_counter() - started:.1f} s")
