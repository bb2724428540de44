r"""
The lockstep period walk of a form's candidates: many registers of one form
stepped together in one compiled call, a finished lane refilled with the next
candidate of the index range.

Each lane holds one candidate's monomial masks and its state; a step computes,
for every lane, `f = \bigoplus_t [s \mathbin{\&} m_t = m_t]` and shifts it in at
the top (`x_0` is the oldest bit). The lanes are stepped :data:`CHUNK` steps at a
time with no branch (a lane back at its start state stays there, and its step
count stops), so the compiler vectorises the lane loop; between chunks the
finished lanes are read and refilled. Every candidate walks from the state
`x_0 = 1` (index 1) until it returns; the steps reported are the steps walked.

Before a walk, one filter (:func:`has_short_cycle`), proved necessary:

**Theorem.** If the register of `f` (with `f(0) = 0`) has period `2^n - 1`, no
nonzero periodic sequence of period `p < 2^n - 1` satisfies its recurrence
`s_{i+n} = f(s_i, \ldots, s_{i+n-1})`.

*Proof.* Such a sequence gives the states `S_i = (s_i, \ldots, s_{i+n-1})` with
`S_{i+p} = S_i`: a cycle of the state map of length dividing `p`, of nonzero
states. A register of period `2^n - 1` has the zero state fixed and every nonzero
state on one cycle of length `2^n - 1 > p`; contradiction. `\square`

So a candidate for which some nonzero word `w` of length `p \leq` :data:`SHORT_PERIOD`
repeated satisfies the recurrence at its `p` positions is not of maximum period,
and it is not walked. (The other classical conditions are vacuous for these forms:
`f(1, \ldots, 1) = 0` because every published form has an even number of terms,
and Golomb's parity of the cycle count depends only on the top monomial
`x_1 \cdots x_{n-1}`, absent from every form.)
"""
from __future__ import annotations

import numpy as np

import functools

import numba

from sage_lfsr.common.compiled import cached_njit, popcount, rebind, specialize
from sage_lfsr.census.forms import unrank_masks, rank_combination

#: Lanes walked together.
LANES = 16
#: Steps per lane between two refills.
CHUNK = 64
#: Longest period `p` of the words :func:`has_short_cycle` tries.
SHORT_PERIOD = 10


@functools.lru_cache(maxsize=8)
def short_cycle_windows(degree, longest=SHORT_PERIOD):
    r"""
    The windows of every nonzero word of period `p \leq` ``longest`` (`p < 2^n - 1`),
    one word per necklace: ``(states, bits, offsets)`` where word ``w`` has the
    windows ``states[offsets[w]:offsets[w+1]]`` (`n`-bit states) and the bits
    that must follow them.
    """
    states, bits, offsets = [], [], [0]
    seen = set()
    for p in range(1, longest + 1):
        if p >= (1 << degree) - 1:
            break
        for word in range(1, 1 << p):
            digits = [word >> i & 1 for i in range(p)]
            rotations = [tuple(digits[j:] + digits[:j]) for j in range(p)]
            key = min(rotations)
            if key in seen or any(tuple(digits[:k]) * (p // k) == tuple(digits) for k in range(1, p) if p % k == 0):
                continue  # a rotation already listed, or a word of a shorter period
            seen.add(key)
            for j in range(p):
                states.append(sum(digits[(j + i) % p] << i for i in range(degree)))
                bits.append(digits[(j + degree) % p])
            offsets.append(len(states))
    return np.array(states, dtype=np.int64), np.array(bits, dtype=np.int64), np.array(offsets, dtype=np.int64)


def _feedback(state, masks, count):
    bit = 0
    for t in range(count):
        m = masks[t]
        if state & m == m:
            bit ^= 1
    return bit


feedback = cached_njit(_feedback, inline="always")


def _has_short_cycle(masks, count, states, bits, offsets):
    r"""Whether a word of :func:`short_cycle_windows` satisfies the recurrence (then no maximum period)."""
    for w in range(len(offsets) - 1):
        holds = True
        for j in range(offsets[w], offsets[w + 1]):
            if feedback(states[j], masks, count) != bits[j]:
                holds = False
                break
        if holds:
            return True
    return False


has_short_cycle = cached_njit(_has_short_cycle)


def _position(universes, lo, hi, mask):
    r"""The position of ``mask`` in ``universes[lo:hi]`` (colex order is increasing mask value)."""
    a, b = lo, hi
    while a < b:
        mid = (a + b) // 2
        if universes[mid] < mask:
            a = mid + 1
        else:
            b = mid
    return a - lo


position = cached_njit(_position, inline="always")


def _reciprocal_index(masks, k1, k2, k3, degree, radices, universes, offsets, binomials):
    r"""The index of the reciprocal of the candidate with ``masks`` (`x_i \mapsto x_{n-i}`, `i \geq 1`)."""
    chosen = np.empty(8, dtype=np.int64)
    index, scale, at = 0, 1, 1
    for part in range(3):
        n = k1 - 1 if part == 0 else (k2 if part == 1 else k3)
        for i in range(n):
            m = masks[at + i]
            r = 0
            for b in range(1, degree):
                if m >> b & 1:
                    r |= 1 << (degree - b)
            chosen[i] = position(universes, offsets[part], offsets[part + 1], r)
        chosen[:n].sort()
        at += n
        index += rank_combination(chosen, n, binomials) * scale
        scale *= radices[part]
    return index


reciprocal_index = cached_njit(_reciprocal_index)


#: Codes in the periods a walk returns for candidates it did not walk.
NOT_REPRESENTATIVE, SHORT_CYCLE = -2, -3
#: Lanes stepped in one interleaved group (independent dependency chains for the core to overlap).
GROUP = 4
#: Placeholder for the nonlinear terms the kernel is compiled for (rebound per count by :func:`specialize`).
NONLINEAR = 1


def _lane_step(s, linear, nonlinear, lane, top):
    b = np.int64(popcount(np.uint64(s & linear)) & np.uint64(1))
    for t in range(NONLINEAR):
        m = nonlinear[t, lane]
        b ^= np.int64((s & m) == m)
    return (s >> 1) | (b << top)


lane_step = numba.njit(inline="always")(_lane_step)  # rebound per count of product terms by walk_range_for


def _walk_range(lo, hi, k1, k2, k3, degree, radices, universes, offsets, binomials,
                window_states, window_bits, window_offsets, reduce, screen):
    r"""
    Candidates ``lo..hi-1`` of a form: the period of the state `x_0 = 1` of each
    representative (``reduce``) that passes the short-cycle screen (``screen``),
    :data:`NOT_REPRESENTATIVE` or :data:`SHORT_CYCLE` for the others; and the steps walked.
    """
    terms = k1 + k2 + k3
    periods = np.empty(hi - lo, dtype=np.int64)
    linear = np.zeros(LANES, dtype=np.int64)
    nonlinear = np.zeros((max(NONLINEAR, 1), LANES), dtype=np.int64)
    state = np.ones(LANES, dtype=np.int64)  # an idle lane sits at the start state and does not step
    walked = np.zeros(LANES, dtype=np.int64)
    owner = np.full(LANES, -1, dtype=np.int64)
    candidate = np.empty(terms, dtype=np.int64)
    top, start, limit = degree - 1, np.int64(1), np.int64(1) << degree
    following, active, steps = lo, 0, 0
    while True:
        # refill every idle lane with the next candidate that needs a walk
        for lane in range(LANES):
            if owner[lane] >= 0:
                continue
            while following < hi:
                index = following
                following += 1
                unrank_masks(index, k1, k2, k3, radices, universes, offsets, binomials, candidate)
                if reduce and reciprocal_index(candidate, k1, k2, k3, degree, radices, universes, offsets,
                                               binomials) < index:
                    periods[index - lo] = NOT_REPRESENTATIVE
                    continue
                if screen and has_short_cycle(candidate, terms, window_states, window_bits, window_offsets):
                    periods[index - lo] = SHORT_CYCLE
                    continue
                linear[lane] = 0
                for t in range(k1):
                    linear[lane] |= candidate[t]
                for t in range(NONLINEAR):
                    nonlinear[t, lane] = candidate[k1 + t]
                state[lane] = (start >> 1) | (feedback(start, candidate, terms) << top)
                walked[lane] = 1
                owner[lane] = index
                active += 1
                break
        if active == 0:
            break
        for group in range(0, LANES, GROUP):
            s0, s1, s2, s3 = state[group], state[group + 1], state[group + 2], state[group + 3]
            l0, l1, l2, l3 = linear[group], linear[group + 1], linear[group + 2], linear[group + 3]
            w0 = w1 = w2 = w3 = 0
            for _ in range(CHUNK):  # a lane back at the start stays there (no branch per lane)
                r0, r1, r2, r3 = s0 != start, s1 != start, s2 != start, s3 != start
                s0 = lane_step(s0, l0, nonlinear, group, top) if r0 else s0
                s1 = lane_step(s1, l1, nonlinear, group + 1, top) if r1 else s1
                s2 = lane_step(s2, l2, nonlinear, group + 2, top) if r2 else s2
                s3 = lane_step(s3, l3, nonlinear, group + 3, top) if r3 else s3
                w0 += r0
                w1 += r1
                w2 += r2
                w3 += r3
            state[group], state[group + 1], state[group + 2], state[group + 3] = s0, s1, s2, s3
            walked[group] += w0
            walked[group + 1] += w1
            walked[group + 2] += w2
            walked[group + 3] += w3
        for lane in range(LANES):
            if owner[lane] >= 0 and (state[lane] == start or walked[lane] >= limit):
                periods[owner[lane] - lo] = walked[lane] if state[lane] == start else -1
                steps += walked[lane]
                owner[lane] = -1
                state[lane] = start
                active -= 1
    return periods, steps


_WALKS = {}


def walk_range_for(nonlinear_terms):
    r""":func:`_walk_range` compiled for forms with ``nonlinear_terms`` product terms (cached on disk)."""
    if nonlinear_terms not in _WALKS:
        step = numba.njit(inline="always")(rebind(_lane_step, f"lane_step_{nonlinear_terms}",
                                                  NONLINEAR=nonlinear_terms))
        _WALKS[nonlinear_terms] = specialize(_walk_range, f"walk_range_{nonlinear_terms}",
                                             NONLINEAR=nonlinear_terms, lane_step=step)
    return _WALKS[nonlinear_terms]


def _walk_one(masks, degree):
    r"""The plain walk of one register from state 1: its period (the oracle of the lockstep walk)."""
    top, start = degree - 1, 1
    terms = len(masks)
    state = (start >> 1) | (feedback(start, masks, terms) << top)
    walked = 1
    while state != start and walked < (1 << degree):
        state = (state >> 1) | (feedback(state, masks, terms) << top)
        walked += 1
    return walked if state == start else -1


walk_one = cached_njit(_walk_one)


def _output_bits(masks, degree):
    r"""One period of the output `x_0` of the register from state 1 (at most `2^n` bits)."""
    top, start = degree - 1, 1
    terms = len(masks)
    out = np.empty(np.int64(1) << degree, dtype=np.uint8)
    state, count = start, 0
    while True:
        out[count] = state & 1
        count += 1
        state = (state >> 1) | (feedback(state, masks, terms) << top)
        if state == start or count == len(out):
            break
    return out[:count]


output_bits = cached_njit(_output_bits)


def walk(form, lo=0, hi=None, reduce=True, screen=True, longest=SHORT_PERIOD):
    r"""
    :func:`walk_range` over candidates ``lo..hi-1`` of ``form`` (a :class:`~sage_lfsr.census.forms.Form`):
    ``(periods, steps)``.

    EXAMPLES::

        sage: from sage_lfsr.census.forms import Form
        sage: from sage_lfsr.census.lockstep import walk
        sage: form = Form("3,1", 5)
        sage: periods, steps = walk(form, reduce=False, screen=False)
        sage: [form.text(i) for i in range(form.size) if periods[i] == 31][:2]
        ['x0 + x1 + x3 + x1*x3', 'x0 + x3 + x4 + x1*x3']
        sage: reduced, fewer = walk(form)
        sage: int((periods == 31).sum()), 2 * int((reduced == 31).sum()), fewer < steps
        (8, 8, True)
    """
    hi = form.size if hi is None else hi
    if not 0 <= lo <= hi <= form.size:
        raise ValueError(f"the range {lo}..{hi} is outside the candidates 0..{form.size}")
    windows = short_cycle_windows(form.degree, longest)
    k1, k2, k3, radices, universes, offsets, binomials = form._kernel_args()
    return walk_range_for(form.counts[1] + form.counts[2])(np.int64(lo), np.int64(hi), k1, k2, k3, np.int64(form.degree), radices, universes, offsets,
                      binomials, *windows, bool(reduce), bool(screen))
