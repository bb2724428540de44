r"""
Compile every kernel once, at install, so the first map a user runs does not wait
for numba (3 to 11 s on a 2-core machine): one small register of each step kind
of the ``fast`` kernel is mapped, and the census kernels run once. numba keeps
the code on disk (:mod:`sage_lfsr.common.compiled`), so later processes load it.

``scripts/setup.sh`` runs ``python -m sage_lfsr.precompile``; running it again is
cheap (everything loads from the cache).

EXAMPLES::

    sage: from sage_lfsr.precompile import precompile
    sage: sorted(precompile())
    ['binary_anf_step', 'binary_step', 'binary_step, affine singular', 'census map', 'census period',
     'digit_map_step', 'galois_xor_step', 'general_anf_step', 'general_step', 'search 2,2', 'search 3,1']
"""
import ast
import sys
import time

#: One small register per step kind of the fast kernel (label: the step it compiles).
REGISTERS = {
    "binary_step": "LFSR.from_polynomial('x^6 + x + 1')",
    "binary_step, affine singular": "LFSR([0, 1, 1, 0, 1], constant=1)",
    "general_step": "LFSR([2, 1, 0, 1], q=3)",
    "galois_xor_step": "LFSR([1, 1, 0, 1], constant=1, form='galois')",
    "digit_map_step": "MatrixRegister.from_text('1,1,0;0,1,0;2,0,0', 3)",
    "binary_anf_step": "FSR('x0 + x1*x2 + x3', 5)",
    "general_anf_step": "FSR('x0 + 2*x1^2 + x2', 3, q=3)",
}
#: Census lines whose batch kernels are compiled too.
CENSUS = ["fsr d=4 f=x0+x1+x1*x2", "lfsr q=2 c=1,0,0,1"]
#: Published forms whose lockstep walks are compiled (one per count of product terms: 3,1, 5,1 and
#: 3,0,1 share the first), so the first maximum-period search does not wait for numba (about 30 s).
SEARCH_FORMS = ("3,1", "2,2")


def build(text):
    r"""The register a line of :data:`REGISTERS` names (read by a small table, not evaluated)."""
    from sage_lfsr import FSR, LFSR, MatrixRegister

    constructors = {"LFSR.from_polynomial": LFSR.from_polynomial, "LFSR": LFSR, "FSR": FSR,
                    "MatrixRegister.from_text": MatrixRegister.from_text}
    name = text.partition("(")[0]
    call = ast.parse(text, mode="eval").body
    positional = [ast.literal_eval(argument) for argument in call.args]
    keywords = {keyword.arg: ast.literal_eval(keyword.value) for keyword in call.keywords}
    return constructors[name](*positional, **keywords)


def precompile() -> dict:
    r"""Map each register of :data:`REGISTERS` and compile the census kernels; ``{label: cycle counts or "compiled"}``."""
    from sage_lfsr import map_cycles
    from sage_lfsr.census.census import compile_kernels

    results = {label: map_cycles(build(text)).cycle_counts for label, text in REGISTERS.items()}
    for mode in ("map", "period"):
        compile_kernels((CENSUS, mode))  # what a census compiles before its workers start
        results[f"census {mode}"] = "compiled"
    from sage_lfsr.census.forms import Form
    from sage_lfsr.census.lockstep import walk

    for name in SEARCH_FORMS:
        for width in (16, 32, 64):  # the lanes of n <= 16, n <= 32 and above (sage_lfsr.census.lockstep.lane_type)
            walk(Form(name, 6), 0, 1, width=width)
        results[f"search {name}"] = "compiled"
    return results


def precompile_owned(labels=None) -> dict:
    r"""
    Map each register of :data:`REGISTERS` (or those of ``labels``) in the owned
    mode of ``schedule="dask"`` on a small in-process cluster, so that workers that
    share no memory load their walks from the cache instead of compiling them (10 to
    90 s on a 2-core machine); ``{label: True}`` where the map equals the sequential
    one, ``{}`` without Dask.

    EXAMPLES::

        sage: from sage_lfsr.precompile import precompile_owned
        sage: precompile_owned(["binary_step"])
        {'owned binary_step': True}
    """
    try:
        import dask
        from distributed import Client, LocalCluster
    except ImportError:  # the dask extra is not installed: nothing to compile
        return {}
    from sage_lfsr import map_cycles
    from sage_lfsr.registers.coercion import describe

    results = {}
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None) as cluster, \
            Client(cluster), dask.config.set({"sage_lfsr.dask-memory": "owned"}):
        for label in labels or REGISTERS:
            register = build(REGISTERS[label])
            owned = map_cycles(register, schedule="dask", workers=2, scheduler_address=cluster.scheduler_address,
                               batch_size=16, split=None if describe(register).singular else True)
            results[f"owned {label}"] = owned.cycles == map_cycles(register).cycles
    return results


def main():
    started = time.monotonic()
    done = precompile()
    done.update(precompile_owned())
    print(f"sage_lfsr: compiled the kernels of {len(done)} register kinds in {time.monotonic() - started:.1f} s "
          "(numba keeps them on disk; later runs load them)", file=sys.stderr)


if __name__ == "__main__":
    main()
