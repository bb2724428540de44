r"""
The three traversals of a state space, written once.

Each is plain Python that numba compiles: the ``fast`` kernel compiles them
with an integer successor, the ``sage`` kernel runs them as they are with a
successor that multiplies Sage vectors by the state-update matrix. States are
integers; ``visited`` and ``seen`` are bitmaps (numpy ``uint8``, bit ``x & 7``
of byte ``x >> 3``) that only the calling worker writes; ``covered`` stacks
the bitmaps of every worker (``visited`` among them) as rows, so a worker sees
what the others have traced without writing to memory they write to (shared
cache lines written from two cores cost more than the tracing itself).
``depths`` holds one unsigned integer per state (a byte for LFSRs, whose tails
are at most `d` long; wider for nonlinear registers, whose tails can reach
`q^d - 1`), the largest value of its type (``UNKNOWN_DEPTH`` for bytes) until the
state's distance to its cycle is known; every worker may write it (a depth is
the same whoever finds it). The value below the largest (``PENDING_DEPTH`` for
bytes) marks a cycle state while its cycle is being written (see
:func:`trace_trees`); no depth reaches it.

- :func:`sweep_cycles` -- every cycle of an invertible register through a start
  in ``[lo, hi)`` that no worker has visited, traced whole. With ``dbits > 0``
  a walk gives up at a distinguished state (such cycles are traced in segments
  instead) or, with ``own_marks``, at a state it marked before (on such a cycle too).
- :func:`trace_segments` -- from each distinguished start in ``[lo, hi)`` to the
  next distinguished state: the pieces of long cycles split among workers.
- :func:`trace_trees` -- singular registers: the depth of every state reached
  from ``[lo, hi)`` and the cycles the trees drain into.
- :func:`successors` -- the successors of consecutive states, into an array.

Each returns the number of states it walked (the re-walks that ``trace_trees``
makes to number a tail or close a cycle are not counted again), so a
sequential run walks exactly ``q^d`` states.
"""
import numpy as np

UNKNOWN_DEPTH = 255
PENDING_DEPTH = 254
#: Fibonacci hashing: the top bits of ``state * GOLDEN mod 2^64`` spread any
#: pattern of states evenly.
GOLDEN = 0x9E3779B97F4A7C15


def is_distinguished(state, dbits):
    r"""A fixed pseudo-random ``2^-dbits`` share of the states (none for ``dbits = 0``)."""
    if dbits == 0:
        return False
    return ((int(state) * GOLDEN) & 0xFFFFFFFFFFFFFFFF) >> (64 - dbits) == 0


#: Candidate starts a segment trace tests at a time.
START_CHUNK = 4096


def distinguished_limit(dbits):
    r"""With ``dbits > 0``: a state is distinguished when its hash is below this (:func:`hashed_below`)."""
    return 1 << (64 - dbits)


def hashed_below(state, limit):
    r"""Whether the hash of ``state`` is below ``limit``: :func:`is_distinguished` for ``distinguished_limit(dbits)``."""
    return ((int(state) * GOLDEN) & 0xFFFFFFFFFFFFFFFF) < limit


def is_marked(bitmap, state):
    return (bitmap[state >> 3] >> (state & 7)) & 1 == 1


def mark(bitmap, state):
    bitmap[state >> 3] |= np.uint8(1 << (state & 7))


def is_covered(bitmaps, state):
    for row in range(bitmaps.shape[0]):
        if (bitmaps[row, state >> 3] >> (state & 7)) & 1 == 1:
            return True
    return False


def covered_byte(bitmaps, index):
    combined = 0
    for row in range(bitmaps.shape[0]):
        combined |= bitmaps[row, index]
    return combined


def read_depth(depths, state):
    r"""``depths[state]``, read from memory at each call (compiled: an atomic load, which no loop keeps in a register)."""
    return depths[state]


def wait_while(depths, state, value):
    r"""
    The depth of ``state`` once it is not ``value``: another worker is writing it
    (pending: the cycle it lies on, 0 soon; unknown: the tail it lies on).
    """
    current = read_depth(depths, state)
    while current == value:
        current = read_depth(depths, state)
    return current


def sweep_cycles(step, params, lo, hi, visited, covered, dbits, own_marks, cycles):
    steps = 0
    start = lo - 1
    while start + 1 < hi:
        start += 1
        if start & 7 == 0 and start + 8 <= hi and covered_byte(covered, start >> 3) == 255:
            start += 7
            continue
        if is_covered(covered, start) or is_distinguished(start, dbits):
            continue
        state, smallest, length, complete = start, start, 0, True
        if dbits == 0:
            # Every walk closes its cycle, so one from an unvisited start meets no
            # mark of this worker before it does: the plain loop (1.3x faster).
            while True:
                mark(visited, state)
                state = step(state, params)
                length += 1
                if state == start:
                    break
                smallest = min(smallest, state)
            steps += length
            cycles.append((smallest, length))
            continue
        while True:
            mark(visited, state)
            state = step(state, params)
            length += 1
            if state == start:
                break
            # A state this worker marked before lies on a cycle with distinguished
            # states: segments cover it. (Another worker's mark proves nothing:
            # it may be walking this very cycle, and would stop at ours; so where
            # ``visited`` is shared by all workers, ``own_marks`` is False.)
            if is_distinguished(state, dbits) or (own_marks and is_marked(visited, state)):
                complete = False
                break
            smallest = min(smallest, state)
        steps += length
        if complete:
            cycles.append((smallest, length))
    return steps


def trace_segments(step, params, lo, hi, visited, dbits, segments):
    # A segment starts at a distinguished state, so the walk ends at the next
    # one (the start itself on a cycle with one): a single test per step, a
    # comparison of the hashed state with ``limit``. The starts of a chunk are
    # found first, by a loop without branches (the walks would break its pace).
    steps = 0
    if dbits == 0:
        return steps
    limit = distinguished_limit(dbits)
    starts = np.empty(START_CHUNK, dtype=np.int64)
    for chunk in range(lo, hi, START_CHUNK):
        found = 0
        for candidate in range(chunk, min(hi, chunk + START_CHUNK)):
            starts[found] = candidate
            found += hashed_below(candidate, limit)
        for index in range(found):
            start = int(starts[index])
            state, smallest, length = start, start, 0
            while True:
                mark(visited, state)
                state = step(state, params)
                length += 1
                if hashed_below(state, limit):
                    break
                smallest = min(smallest, state)
            steps += length
            segments.append((start, state, length, smallest))
    return steps


def trace_trees(step, params, lo, hi, depths, seen, cycles):
    # ``depths`` may be shared by every worker, ``seen`` is this worker's own. A
    # depth is a function of the state, so workers writing one state write the
    # same value; what must not happen is a tail numbered through cycle states
    # that another worker has not written yet. So a cycle is written in two
    # passes, first "pending" on each state, then 0: whoever reads a 0 of a cycle
    # finds no state of it unknown any more (stores are seen in program order
    # on x86-64). A walk that meets a pending state waits for its 0 (it never
    # closes a cycle through pending states, so a cycle once pending is written
    # again only by walks that went round it before: no two workers write one
    # cycle back and forth); its numbering pass, which runs after the walk met a
    # 0 or a depth (or wrote the cycle itself), reads pending as 0 and stops at the
    # first state another worker has numbered meanwhile: so a state this worker saw
    # in an earlier walk may still be unknown while that worker numbers on. A state
    # seen and unknown closes a cycle only if it is on this walk (a second pass from
    # the start finds it); else the walk waits for its depth.
    steps = 0
    unknown = np.iinfo(depths.dtype).max
    pending = unknown - 1
    for start in range(lo, hi):
        if depths[start] != unknown:
            continue
        state, closed, first = start, False, steps
        while True:
            value = depths[state]
            if value == pending:
                value = wait_while(depths, state, pending)
            if value != unknown:
                break
            if is_marked(seen, state):
                probe, on_walk = start, False
                for _ in range(steps - first):
                    if probe == state:
                        on_walk = True
                        break
                    probe = step(probe, params)
                if on_walk:
                    closed = True  # ``state`` is on this walk and comes round again: a cycle
                    break
                value = wait_while(depths, state, unknown)
                if value == pending:
                    value = wait_while(depths, state, pending)
                break
            mark(seen, state)
            state = step(state, params)
            steps += 1
        if closed:
            entry, smallest, length = state, state, 0
            while True:
                depths[state] = pending
                state = step(state, params)
                length += 1
                smallest = min(smallest, state)
                if state == entry:
                    break
            cycles.append((smallest, length))
            while True:
                depths[state] = 0
                state = step(state, params)
                if state == entry:
                    break
        # Number the walk's tail back from where it met known depths.
        state, tail = start, 0
        while depths[state] == unknown:
            state = step(state, params)
            tail += 1
        base = (np.int64(0) if depths[state] == pending else np.int64(depths[state])) + tail
        state = start
        for offset in range(tail):
            depths[state] = base - offset
            state = step(state, params)
    return steps


def successors(step, params, first, out):
    for offset in range(out.shape[0]):
        out[offset] = step(first + offset, params)
