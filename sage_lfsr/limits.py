r"""
Memory checks made before any work starts.
"""
import os

#: Largest state space the package will try to map (2^40 states).
MAX_STATES = 1 << 40


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
    for unit in ("B", "KiB", "MiB", "GiB", "TiB", "PiB"):
        if count < 1024 or unit == "PiB":
            return f"{count:.0f} {unit}" if unit == "B" else f"{count:.1f} {unit}"
        count /= 1024


def check_state_space(state_count: int, bytes_needed: float, what: str = "map this state space"):
    r"""
    Raise :class:`MemoryError` (a clear message, before any work) when ``bytes_needed``
    exceeds the memory available, or the state space exceeds :data:`MAX_STATES`.

    EXAMPLES::

        sage: from sage_lfsr.limits import check_state_space
        sage: check_state_space(2**10, 128)
        sage: check_state_space(2**64, 2**61)
        Traceback (most recent call last):
        ...
        MemoryError: 18446744073709551616 states are too many to map: ...
    """
    state_count, bytes_needed = int(state_count), float(bytes_needed)
    if state_count > MAX_STATES:
        raise MemoryError(f"{state_count} states are too many to map: the limit is {MAX_STATES} (2^40), "
                          f"and {what} would need {format_bytes(bytes_needed)}")
    available = available_memory_bytes()
    if bytes_needed > 0.8 * available:
        raise MemoryError(f"to {what} ({state_count} states) needs {format_bytes(bytes_needed)} "
                          f"but only {format_bytes(available)} of memory is available")
