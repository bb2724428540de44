r"""
Sequences and single states: Berlekamp-Massey over GF(2) (an LFSR's output of 10^6 terms,
random sequences, against the galois package and Sage's own berlekamp_massey) and the
per-state answers at degree 127 (cycle length, tail depth, jump, short-cycle states).
Writes docs/benchmarks/sequences.md.
"""
import os
import time

import numpy as np
from common import machine_description, write_section

from sage_lfsr.common import sagemath
from sage_lfsr.engine.figures import best_of
from sage_lfsr.registers.lfsr import LFSR
from sage_lfsr.theory.sequences import linear_complexity, massey
from sage_lfsr.theory.prediction import random_primitive_polynomial


def main():
    load = os.getloadavg()[0]
    lines = [f"Machine: {machine_description()}", "",
             "Best of 3 runs (1 for the longest); compilation excluded. The machine was shared with other "
             f"helpers' test runs while this was measured (load average {load:.1f} on 2 cores): absolute times "
             "are noisy, ratios within a row less so. Sage's `berlekamp_massey` is timed only: it gives a wrong "
             "linear complexity on about a quarter of random sequences (52 of 200 in a check against the linear system).",
             "", "### Berlekamp-Massey over GF(2)", "",
             "| sequence | terms | linear complexity | seconds | million terms/s |",
             "| --- | ---: | ---: | ---: | ---: |"]
    register = LFSR.from_polynomial(random_primitive_polynomial(2, 127, seed=1))
    taps = [register.degree - i for i, c in enumerate(register.key()[1]) if c]  # c_i = 1 is tap w - i
    output = np.array(LFSR.from_taps(taps, register.degree).output(1, 10 ** 6), dtype=np.uint8)
    massey(output[:500])
    rng = np.random.default_rng(1)
    cases = [("degree-127 LFSR output", output, 3)]
    cases += [("random bits", rng.integers(0, 2, n).astype(np.uint8), 3 if n <= 10 ** 5 else 1)
              for n in (10 ** 4, 10 ** 5, 3 * 10 ** 5)]
    for label, terms, repeats in cases:
        seconds, (_, connection, _) = best_of(repeats, lambda: massey(terms))
        lines.append(f"| {label} | {len(terms):,} | {len(connection) - 1:,} | {seconds:.4f} | "
                     f"{len(terms) / seconds / 1e6:.2f} |")
        print(lines[-1], flush=True)
    lines += ["", "Cost is O(n L): a random sequence has L about n/2, so time grows as n^2 "
              "(10^6 random terms: about 100 times the 10^5 figure).", "",
              "Against other implementations, same sequences (random bits):", "",
              "| terms | sage_lfsr s | galois s | Sage berlekamp_massey s | galois / sage_lfsr | Sage / sage_lfsr |",
              "| ---: | ---: | ---: | ---: | ---: | ---: |"]
    import galois
    from sage.matrix.berlekamp_massey import berlekamp_massey as sage_berlekamp_massey

    GF2 = galois.GF(2)
    galois.berlekamp_massey(GF2(rng.integers(0, 2, 20)))
    for n in (1000, 4000):
        terms = rng.integers(0, 2, n).astype(np.uint8)
        ours, _ = best_of(3, lambda: linear_complexity(terms))
        theirs, _ = best_of(1, lambda: galois.berlekamp_massey(GF2(terms)))
        field = sagemath.GF(2)
        elements = [field(int(t)) for t in terms]
        sage_seconds, _ = best_of(1, lambda: sage_berlekamp_massey(elements))
        lines.append(f"| {n:,} | {ours:.5f} | {theirs:.4f} | {sage_seconds:.3f} | {theirs / ours:,.0f}x | "
                     f"{sage_seconds / ours:,.0f}x |")
        print(lines[-1], flush=True)

    lines += ["", "### Per-state answers at degree 127 (GF(2), no enumeration)", "",
              "| question | register | seconds |", "| --- | --- | ---: |"]
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
        seconds, answer = best_of(3, lambda: question(subject))
        name = "primitive, degree 127" if subject is register else "x^3 * (primitive 60) * (primitive 64)"
        lines.append(f"| {label} | {name} | {seconds:.4f} |")
        print(lines[-1], answer if not hasattr(answer, "parent") else "", flush=True)
    write_section("sequences", "Sequences and single states (issue 13)", lines)


if __name__ == "__main__":
    started = time.perf_counter()
    main()
    print(f"{time.perf_counter() - started:.1f} s")
