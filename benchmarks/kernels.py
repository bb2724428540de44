r"""
Kernel throughput: states mapped per second on one core, fast (numba) and sage
(Sage vector * matrix), and the ratio between them. Writes docs/benchmarks/kernels.md.
"""
import random

from common import machine_description, write_section

from sage_lfsr import LFSR, map_cycles
from sage_lfsr.engine.figures import best_of
from sage_lfsr.theory.prediction import random_primitive_polynomial


def random_invertible(q, degree, seed):
    rng = random.Random(seed)
    return LFSR([rng.randrange(1, q)] + [rng.randrange(q) for _ in range(degree - 1)], q=q)


def main():
    cases = [
        ("GF(2) degree 24, primitive", LFSR.from_polynomial(random_primitive_polynomial(2, 24, seed=1)), 3),
        ("GF(2) degree 28, primitive", LFSR.from_polynomial(random_primitive_polynomial(2, 28, seed=1)), 1),
        ("GF(3) degree 15", random_invertible(3, 15, 1), 2),
        ("GF(4) degree 12", random_invertible(4, 12, 1), 2),
        ("GF(9) degree 7", random_invertible(9, 7, 1), 2),
        ("GF(2) degree 24, singular x^2 * primitive", LFSR([0, 0] + list(
            LFSR.from_polynomial(random_primitive_polynomial(2, 22, seed=4)).key()[1])), 2),
    ]
    lines = [f"Machine: {machine_description()}", "",
             "Sequential `map_cycles(register, kernel=...)`, whole state space, one core.", "",
             "| register | states | fast: seconds | fast: million states/s | sage: million states/s (on 2^14 states) | fast / sage |",
             "| --- | ---: | ---: | ---: | ---: | ---: |"]
    map_cycles(LFSR.from_polynomial("x^4+x+1"))
    for label, register, repeats in cases:
        seconds, result = best_of(repeats, lambda: map_cycles(register, batch_size=register.state_count))
        fast_rate = register.state_count / seconds / 1e6
        small = LFSR(register.key()[1][:14] if register.field_order == 2 else register.key()[1][:max(1, round(14 / register.field_order.bit_length()))], q=register.field_order)
        sage_seconds, _ = best_of(1, lambda: map_cycles(small, kernel="sage", batch_size=small.state_count))
        sage_rate = small.state_count / sage_seconds / 1e6
        lines.append(f"| {label} | {register.state_count:,} | {seconds:.3f} | {fast_rate:.1f} | {sage_rate:.3f} | "
                     f"{fast_rate / sage_rate:,.0f}x |")
        print(lines[-1], flush=True)
    write_section("kernels", "Kernels (issue 2)", lines)


if __name__ == "__main__":
    main()
