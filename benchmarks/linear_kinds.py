r"""
Fast-kernel throughput of the other linear kinds (affine Fibonacci, Galois form,
any invertible matrix) against the linear Fibonacci register of the same
characteristic polynomial, measured in the same run. Writes
docs/benchmarks/linear-kinds.md.
"""
import os
import random

from common import machine_description, write_section

from sage_lfsr import LFSR, MatrixRegister, map_cycles
from sage_lfsr.common.sagemath import int_to_element, matrix
from sage_lfsr.engine.figures import best_of
from sage_lfsr.theory.prediction import random_primitive_polynomial


def random_invertible_matrix(q, degree, seed):
    field = LFSR([1], q=q).field
    rng = random.Random(seed)
    while True:
        candidate = matrix(field, degree, degree, [int_to_element(field, rng.randrange(q))
                                                   for _ in range(degree * degree)])
        if candidate.det() != 0:
            return candidate


def busy_seconds(register):
    result = map_cycles(register, batch_size=register.state_count, split=False)
    return sum(load.busy_seconds for load in result.worker_loads)


def main():
    cases = [(2, 24), (3, 14), (4, 11)]
    lines = [f"Machine: {machine_description()}; load average {os.getloadavg()[0]:.1f} at the start (a machine "
             "shared with other jobs: compare the ratios, measured in one run, not the rates)", "",
             "Sequential `map_cycles`, fast kernel, whole state space, one core; the time is the traversal "
             "(task busy time), best of 3. Each kind is compared with the linear Fibonacci register of the same "
             "primitive polynomial in the same run (the matrix: a random invertible one of the same size).", "",
             "| field, degree | kind | million states/s | rate / linear Fibonacci rate |",
             "| --- | --- | ---: | ---: |"]
    for q, degree in cases:
        polynomial = random_primitive_polynomial(q, degree, seed=1)
        kinds = [("linear Fibonacci", LFSR.from_polynomial(polynomial)),
                 ("affine Fibonacci (b = 1)", LFSR.from_polynomial(polynomial, constant=1)),
                 ("Galois", LFSR.from_polynomial(polynomial, form="galois")),
                 ("affine Galois (b = 1)", LFSR.from_polynomial(polynomial, constant=1, form="galois")),
                 ("invertible matrix", MatrixRegister(random_invertible_matrix(q, degree, seed=2)))]
        baseline = None
        for label, register in kinds:
            seconds, _ = best_of(3, lambda: busy_seconds(register))
            rate = register.state_count / seconds / 1e6
            baseline = rate if baseline is None else baseline
            lines.append(f"| GF({q}), {degree} | {label} | {rate:.1f} | {rate / baseline:.2f} |")
            print(lines[-1], flush=True)
    write_section("linear-kinds", "Affine, Galois and matrix registers (issue 10)", lines)


if __name__ == "__main__":
    main()
