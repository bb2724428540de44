r"""
Memory checks made before any work starts.
"""
import math
import os

#: Largest state space the package will try to map (2^40 states).
MAX_STATES = 1 << 40
#: Largest degree predict_cycles factors (degree 4000 takes 0.7 s over GF(2), 5 s over GF(3)).
MAX_PREDICT_DEGREE = 2000
#: Largest log2 of the state space predict_cycles factors for (GF(256), degree 1000: 29 s).
MAX_PREDICT_BITS = 4096
#: Most worker processes per core (more only queue behind each other, each a process of its own).
MAX_WORKERS_PER_CORE = 4
#: Most tasks one run is cut into (each is an object, a queue entry and a record: 2^20 take about 0.5 GB).
MAX_TASKS = 1 << 20
#: Most registers one census holds (each a spec in memory and a row of the result).
MAX_CENSUS_REGISTERS = 1 << 22
#: Most steps a period walk may take per register (2^40, as the states :func:`check_state_space` maps).
MAX_PERIOD_STEPS = MAX_STATES


class TooLarge(MemoryError):
    r"""Work refused before it starts, for the memory or the states it would need (bad input, not a failure)."""


def available_memory_bytes() -> int:
    r"""Physical memory still available (``MemAvailable``), or total memory where unknown."""
    try:
        with open("/proc/meminfo") as meminfo:
            for line in meminfo:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")


def format_bytes(count: float) -> str:
    count = float(count)
    if count >= 1024 ** 6:
        return f"2^{math.log2(count):.0f} bytes"
    for unit in ("B", "KiB", "MiB", "GiB", "TiB", "PiB"):
        if count < 1024 or unit == "PiB":
            return f"{count:.0f} {unit}" if unit == "B" else f"{count:.1f} {unit}"
        count /= 1024


def check_state_space(state_count: int, bytes_needed: float, what: str = "map this state space"):
    r"""
    Raise :class:`MemoryError` (a clear message, before any work) when ``bytes_needed``
    exceeds the memory available, or the state space exceeds :data:`MAX_STATES`.

    EXAMPLES::

        sage: from sage_lfsr.common.limits import check_state_space
        sage: check_state_space(2**10, 128)
        sage: check_state_space(2**64, 2**61)
        Traceback (most recent call last):
        ...
        TooLarge: 18446744073709551616 states are too many to map: ...
    """
    state_count, bytes_needed = int(state_count), float(bytes_needed)
    if state_count > MAX_STATES:
        raise TooLarge(f"{state_count} states are too many to map: the limit is {MAX_STATES} (2^40), "
                          f"and {what} would need {format_bytes(bytes_needed)}")
    available = available_memory_bytes()
    if bytes_needed > 0.8 * available:
        raise TooLarge(f"to {what} ({state_count} states) needs {format_bytes(bytes_needed)} "
                          f"but only {format_bytes(available)} of memory is available")


def format_power(base: int, exponent: int) -> str:
    r"""``base^exponent`` written out when short, as a power otherwise."""
    return str(base ** exponent) if exponent * math.log2(max(base, 2)) <= 64 else f"{base}^{exponent}"


def check_mappable(q: int, degree: int, max_field_order: int, why="its tables hold field elements as 16-bit integers"):
    r"""
    Refuse, before any table or bitmap is built, a register too large to map:
    a field above ``max_field_order`` (:class:`ValueError`, saying ``why``) or a state space
    above :data:`MAX_STATES` or the memory available (:class:`MemoryError`);
    the message says what the work would need.

    EXAMPLES::

        sage: from sage_lfsr.common.limits import check_mappable
        sage: check_mappable(2, 20, 2**16)
        sage: check_mappable(2, 20000, 2**16)
        Traceback (most recent call last):
        ...
        TooLarge: 2^20000 states are too many to map: the limit is 1099511627776 (2^40), and map this state space would need 2^19997 bytes
        sage: check_mappable(65537, 2, 2**16)
        Traceback (most recent call last):
        ...
        ValueError: q = 65537 is above the largest field order this package maps, 65536 = 2^16 ...
    """
    q, degree = int(q), int(degree)
    if q > max_field_order:
        raise ValueError(f"q = {q} is above the largest field order this package maps, {max_field_order} = "
                         f"2^{max_field_order.bit_length() - 1} ({why}); predict_cycles still gives the "
                         "structure from theory")
    log2_states = degree * math.log2(q)
    if log2_states > math.log2(MAX_STATES) + 1:  # q^degree not even computed: it may have millions of digits
        raise TooLarge(f"{format_power(q, degree)} states are too many to map: the limit is {MAX_STATES} "
                          f"(2^40), and map this state space would need 2^{log2_states - 3:.0f} bytes")
    check_state_space(q ** degree, q ** degree // 8, "map this state space")


def check_workers(workers: int, cores: int, bytes_per_worker: float = 0):
    r"""
    Refuse more than :data:`MAX_WORKERS_PER_CORE` worker processes per core (the
    map and the census alike), saying what they would need when that is much.

    EXAMPLES::

        sage: from sage_lfsr.common.limits import check_workers
        sage: check_workers(8, 2, 2**20)
        sage: check_workers(9, 2, 2)
        Traceback (most recent call last):
        ...
        ValueError: workers = 9 is more than this machine runs usefully: at most 8 (4 per core, 2 cores)
        sage: check_workers(10**6, 2, 2**20)
        Traceback (most recent call last):
        ...
        ValueError: workers = 1000000 is more than this machine runs usefully: at most 8 (4 per core, 2 cores); each is a process with 1.0 MiB of per-state memory (976.6 GiB in all)
    """
    workers, limit = int(workers), MAX_WORKERS_PER_CORE * max(1, int(cores))
    if workers > limit:
        memory = (f"; each is a process with {format_bytes(bytes_per_worker)} of per-state memory "
                  f"({format_bytes(workers * bytes_per_worker)} in all)" if bytes_per_worker >= 1 << 20 else "")
        raise ValueError(f"workers = {workers} is more than this machine runs usefully: at most {limit} "
                         f"({MAX_WORKERS_PER_CORE} per core, {cores} cores){memory}")


def check_task_count(state_count: int, batch_size: int, phases: int = 1):
    r"""
    Refuse a batch size that cuts ``state_count`` states into more than
    :data:`MAX_TASKS` tasks, naming the smallest batch size that fits.

    EXAMPLES::

        sage: from sage_lfsr.common.limits import check_task_count
        sage: check_task_count(2**30, 2**11, phases=2)
        sage: check_task_count(2**30, 1, phases=2)
        Traceback (most recent call last):
        ...
        ValueError: batch_size = 1 cuts 1073741824 states into 2147483648 tasks, above the limit of 1048576 (each task is an object, a queue entry and a record): use batch_size >= 2048
    """
    tasks = -(-int(state_count) // int(batch_size)) * phases
    if tasks > MAX_TASKS:
        smallest = -(-int(state_count) * phases // MAX_TASKS)
        raise ValueError(f"batch_size = {batch_size} cuts {state_count} states into {tasks} tasks, above the limit "
                         f"of {MAX_TASKS} (each task is an object, a queue entry and a record): use batch_size >= "
                         f"{smallest}")


def check_census_size(count: int, what: str = "the census"):
    r"""
    Refuse a census of more than :data:`MAX_CENSUS_REGISTERS` registers before any is built.

    EXAMPLES::

        sage: from sage_lfsr.common.limits import check_census_size
        sage: check_census_size(2**39, "the family lfsrs(40)")
        Traceback (most recent call last):
        ...
        ValueError: the family lfsrs(40) has 549755813888 registers, above the 4194304 (2^22) a census holds; ...
    """
    if count > MAX_CENSUS_REGISTERS:
        raise ValueError(f"{what} has {format_count(count)} registers, above the {MAX_CENSUS_REGISTERS} (2^22) a census "
                         "holds; take a smaller degree or field, or a slice of the family (itertools.islice)")


def format_count(count: int) -> str:
    r"""An integer written out when short, as a power of 2 (about) when it has more than 20 digits."""
    count = int(count)
    return str(count) if count < 10 ** 20 else f"about 2^{count.bit_length() - 1}"


def check_predictable(q: int, degree: int):
    r"""
    Refuse, before factoring, a characteristic polynomial too large to factor in
    seconds: degree above :data:`MAX_PREDICT_DEGREE`, or `q^d` above
    `2^{4096}` (:data:`MAX_PREDICT_BITS`).

    EXAMPLES::

        sage: from sage_lfsr.common.limits import check_predictable
        sage: check_predictable(2, 2000)
        sage: check_predictable(2, 10**5)
        Traceback (most recent call last):
        ...
        ValueError: degree 100000 is above the 2000 whose characteristic polynomial this package factors ...
        sage: check_predictable(256, 1000)
        Traceback (most recent call last):
        ...
        ValueError: GF(256)^1000 has 2^8000 states, above the 2^4096 whose structure this package predicts ...
    """
    q, degree = int(q), int(degree)
    if degree > MAX_PREDICT_DEGREE:
        raise ValueError(f"degree {degree} is above the {MAX_PREDICT_DEGREE} whose characteristic polynomial this "
                         "package factors (factoring time grows with the square of the degree and more)")
    bits = degree * math.log2(q)
    if bits > MAX_PREDICT_BITS:
        raise ValueError(f"GF({q})^{degree} has 2^{bits:.0f} states, above the 2^{MAX_PREDICT_BITS} whose structure "
                         "this package predicts (factoring over large fields takes minutes from there)")
