r"""
Cycle joining and de Bruijn sequences (issue 21), against the issue's targets:
the adjacency graph of x^20 + 1 (52,488 cycles) from its map, its exact joining
count, the four successor rules at order 32 (from the zero state, where the
stream starts, and from a random one: the cost of a bit depends on the state;
``ccr``, ``psr`` and ``csr`` against issue 32's 120 M bits/s, ``pcr`` beside them),
``is_de_bruijn`` at order 28; and, for
information, one joined register of x^20 + 1 (truth table and ANF). Each figure
is the best of ``--repeats`` runs, with the load average beside it. Writes
docs/benchmarks/debruijn.md.

    python benchmarks/debruijn.py [--repeats 3] [--check-order 28]
"""
import argparse
import os
import random
import subprocess
import tempfile
import time
from pathlib import Path

from common import machine_description, write_section


#: The Fredricksen-Kessler-Maiorana construction in C (the lexicographically least de Bruijn sequence: the
#: Lyndon words whose length divides n, in order; amortised O(1) a bit), a byte a bit as de_bruijn_bits writes.
FKM_SOURCE = r"""
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
static double seconds(clockid_t clock) { struct timespec t; clock_gettime(clock, &t); return t.tv_sec + 1e-9 * t.tv_nsec; }
int main(int argc, char **argv) {
    int n = atoi(argv[1]), show = argc > 3;
    long long total = atoll(argv[2]), done = 0;
    unsigned char *out = malloc(total + 128), a[130] = {0};
    double wall = seconds(CLOCK_MONOTONIC), cpu = seconds(CLOCK_PROCESS_CPUTIME_ID);
    int i = n;
    out[done++] = 0;  /* the Lyndon word 0 */
    while (done < total) {
        a[i] += 1;
        for (int j = 1; j <= n - i; j++) a[j + i] = a[j];
        if (n % i == 0) for (int j = 1; j <= i; j++) out[done++] = a[j];
        for (i = n; i > 0 && a[i] == 1; i--) ;
        if (i == 0) break;
    }
    wall = seconds(CLOCK_MONOTONIC) - wall; cpu = seconds(CLOCK_PROCESS_CPUTIME_ID) - cpu;
    if (show) for (long long j = 0; j < done && j < total; j++) putchar('0' + out[j]);
    else printf("bits=%lld wall=%.6f cpu=%.6f\n", done < total ? done : total, wall, cpu);
    free(out);
    return 0;
}
"""


def fkm_binary(directory):
    r"""The C FKM generator built with ``gcc -O3 -march=native`` in ``directory``; its order-10 output checked."""
    from sage_lfsr.debruijn import is_de_bruijn

    source, binary = Path(directory) / "fkm.c", Path(directory) / "fkm"
    source.write_text(FKM_SOURCE)
    subprocess.run(["gcc", "-O3", "-march=native", "-o", str(binary), str(source)], check=True)
    shown = subprocess.run([str(binary), "10", "1024", "show"], check=True, capture_output=True, text=True).stdout
    assert is_de_bruijn(shown, 10) and shown == "0" * 10 + shown[10:], "the C FKM generator is wrong"
    return binary


def fkm_rates(binary, order, bits, repeats):
    r"""``(wall, cpu)`` bits a second of the C FKM generator, the best of ``repeats`` runs."""
    runs = [subprocess.run([str(binary), str(order), str(bits)], check=True, capture_output=True, text=True).stdout
            for _ in range(repeats)]
    values = [dict(item.split("=") for item in run.split()) for run in runs]
    return (bits / min(float(v["wall"]) for v in values), bits / min(float(v["cpu"]) for v in values))


def load():
    return "load {:.1f}, {:.1f}, {:.1f}".format(*os.getloadavg())


def best(function, repeats, clock=time.perf_counter):
    r"""The least time over the repeats, and the result; ``clock=time.process_time``: the process's own CPU time,
    which the machine's other load does not take."""
    times, result = [], None
    for _ in range(repeats):
        start = clock()
        result = function()
        times.append(clock() - start)
    return min(times), result


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--check-order", type=int, default=28)
    arguments = parser.parse_args()

    from sage_lfsr import LFSR, map_cycles
    from sage_lfsr.debruijn import RULES, count_joinings, de_bruijn_bits, is_de_bruijn, join_cycles
    from sage_lfsr.debruijn.adjacency import multigraph, pairs_of
    from sage_lfsr.debruijn.cycles import cycle_labels

    register = LFSR.from_polynomial("x^20 + 1")
    small = LFSR.from_polynomial("x^6 + 1")  # compiled code loaded (or compiled) before timing
    count_joinings(small), join_cycles(small), multigraph(pairs_of(cycle_labels(small)))
    for rule in RULES:
        de_bruijn_bits(rule, 8, 8)
    is_de_bruijn("01", 1)
    rows = []

    seconds, cycle_map = best(lambda: map_cycles(register), arguments.repeats)
    rows.append(("map of x^20 + 1 (sequential, one core)", f"{seconds:.2f} s", "-", load()))
    seconds, graph = best(lambda: multigraph(pairs_of(cycle_labels(register, cycle_map))), arguments.repeats)
    rows.append((f"adjacency graph of x^20 + 1 from its map ({graph.number_of_nodes()} cycles, "
                 f"{graph.number_of_edges()} edges, networkx MultiGraph)", f"{seconds:.2f} s", "<= 3 s", load()))
    seconds, graph = best(lambda: multigraph(pairs_of(cycle_labels(register))), arguments.repeats)
    rows.append(("the same, map included", f"{seconds:.2f} s", "-", load()))
    seconds, count = best(lambda: count_joinings(register, cycle_map=cycle_map), arguments.repeats)
    rows.append((f"exact joining count of x^20 + 1 ({int(count).bit_length()} bits; the dual register mapped too)",
                 f"{seconds:.2f} s", "<= 10 s", load()))
    seconds, joined = best(lambda: join_cycles(register, cycle_map=cycle_map, seed=1), 1)
    rows.append((f"one joined register of x^20 + 1 (random tree, truth table and ANF of {len(joined.terms())} terms)",
                 f"{seconds:.2f} s", "-", load()))
    bits, start = 1 << 25, random.Random(32).getrandbits(32)
    for rule in RULES:  # pcr first: the reference the others are held to, in the same run
        for state, where in ((0, "the zero state"), (start, f"state {start}")):
            seconds, _ = best(lambda: de_bruijn_bits(rule, 32, bits, state), arguments.repeats)
            cpu, _ = best(lambda: de_bruijn_bits(rule, 32, bits, state), arguments.repeats, time.process_time)
            rows.append((f"successor rule {rule}, order 32, {bits} bits from {where}, one core",
                         f"{bits / seconds / 1e6:.1f} M bits/s ({bits / cpu / 1e6:.1f} M a CPU second)",
                         ">= 20 M bits/s" if rule == "pcr" else ">= 120 M bits/s (issue 32)", load()))
    with tempfile.TemporaryDirectory() as directory:
        wall, cpu = fkm_rates(fkm_binary(directory), 32, bits, arguments.repeats)
    rows.append((f"C FKM generator (gcc -O3 -march=native, amortised O(1) a bit), order 32, {bits} bits, one core",
                 f"{wall / 1e6:.1f} M bits/s ({cpu / 1e6:.1f} M a CPU second)", "reference", load()))
    order = arguments.check_order
    for rule in ("pcr", "psr"):
        sequence, _ = de_bruijn_bits(rule, order, 1 << order)
        seconds, verdict = best(lambda: is_de_bruijn(sequence, order), arguments.repeats)
        assert verdict
        rows.append((f"is_de_bruijn at n = {order} ({1 << order} bits, {rule}'s sequence)", f"{seconds:.2f} s",
                     "<= 2 s", load()))
        del sequence

    lines = [f"Machine: {machine_description()}", "",
             "Best of the repeats; the load average (1, 5, 15 minutes) read after each row. The machine has 2 cores "
             "shared with other sessions, so a load above 2 slows every figure. The successor rules also give their "
             "rate per second of the process's own CPU time (best of the repeats), which the other sessions' "
             "load does not take (their share of the caches and memory bus it does).", "",
             "| measure | figure | target | load |", "| --- | --- | --- | --- |"]
    lines += [f"| {what} | {figure} | {target} | {where} |" for what, figure, target, where in rows]
    write_section("debruijn", "Cycle joining and de Bruijn sequences (issue 21)", lines)
    print("\n".join(lines))


if __name__ == "__main__":
    main()
