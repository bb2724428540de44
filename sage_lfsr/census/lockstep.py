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

#: Lanes walked together (four AVX-512 vectors: enough independent chains to hide a step's latency).
LANES = 32
#: Lanes stepped once the range is fed and no more than this many walks are left (one AVX-512 vector).
NARROW = 8
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
#: Placeholder for the nonlinear terms the kernel is compiled for (rebound per count by :func:`specialize`).
NONLINEAR = 1


def _step_lanes(state, linear, nonlinear, walked, start, top):
    r"""
    :data:`CHUNK` steps of every lane: the lane loop has a fixed trip count, no
    branch and no call, so the compiler turns it into SIMD code (8 lanes a vector
    on AVX-512, with a variable shift and a popcount per lane); a lane at
    ``start`` stays there and its count stops.
    """
    one = np.uint64(1)
    for _ in range(CHUNK):
        for lane in range(LANES):
            s = state[lane]
            b = popcount(s & linear[lane]) & one
            for t in range(NONLINEAR):
                m = nonlinear[t, lane]
                b ^= np.uint64((s & m) == m)
            moving = s != start
            state[lane] = ((s >> one) | (b << top)) if moving else s
            walked[lane] += moving


step_lanes = numba.njit(inline="always")(_step_lanes)  # rebound per count of product terms by walk_lanes_for
step_narrow = step_single = step_lanes


def _compact(state, walked, owner, linear, nonlinear):
    r"""Move the busy lanes to the front (in place), so the first :data:`NARROW` lanes hold every walk left."""
    free = 0
    for lane in range(LANES):
        if owner[lane] < 0:
            continue
        if lane != free:
            state[free], walked[free], owner[free], linear[free] = state[lane], walked[lane], owner[lane], linear[lane]
            for t in range(nonlinear.shape[0]):
                nonlinear[t, free] = nonlinear[t, lane]
            owner[lane], state[lane], walked[lane] = -1, np.uint64(1), 0
        free += 1


_compact = numba.njit(inline="always")(_compact)


def _walk_lanes(lo, hi, drain, k1, k2, k3, degree, radices, universes, offsets, binomials,
                window_states, window_bits, window_offsets, reduce, screen,
                state, walked, owner, linear, nonlinear, out_index, out_value, out_steps):
    r"""
    Feed candidates ``lo..hi-1`` of a form into the lanes (whose arrays persist
    between calls) and step them; return once every one of them is in a lane
    and a lane is free for the next range, or, with ``drain``, once every lane
    has finished. Each candidate settled (of this range or an earlier one) is
    written to ``out_*``: its index, its period from the state `x_0 = 1` (or
    :data:`NOT_REPRESENTATIVE`, :data:`SHORT_CYCLE`, ``-1`` past `2^n` steps)
    and the steps walked. Returns how many were written.
    """
    terms = k1 + k2 + k3
    candidate = np.empty(terms, dtype=np.int64)
    top, start, limit = np.uint64(degree - 1), np.uint64(1), np.int64(1) << degree
    following, count, active = lo, 0, 0
    for lane in range(LANES):
        active += owner[lane] >= 0
    while True:
        idle = False
        for lane in range(LANES):
            if owner[lane] >= 0:
                continue
            idle = True
            while following < hi:
                index = following
                following += 1
                code = 0
                unrank_masks(index, k1, k2, k3, radices, universes, offsets, binomials, candidate)
                if reduce and reciprocal_index(candidate, k1, k2, k3, degree, radices, universes, offsets,
                                               binomials) < index:
                    code = NOT_REPRESENTATIVE
                elif screen and has_short_cycle(candidate, terms, window_states, window_bits, window_offsets):
                    code = SHORT_CYCLE
                if code != 0:
                    out_index[count], out_value[count], out_steps[count] = index, code, 0
                    count += 1
                    continue
                mask = 0
                for t in range(k1):
                    mask |= candidate[t]
                linear[lane] = np.uint64(mask)
                for t in range(NONLINEAR):
                    nonlinear[t, lane] = np.uint64(candidate[k1 + t])
                state[lane] = np.uint64(feedback(1, candidate, terms) << (degree - 1))  # one step from state 1
                walked[lane] = 1
                owner[lane] = index
                active += 1
                idle = False
                break
        if active == 0 or (idle and not drain and following >= hi):
            return count
        if following >= hi and active <= NARROW:  # the last walks: one vector, or one lane, fewer idle lanes stepped
            _compact(state, walked, owner, linear, nonlinear)
            if active == 1:
                step_single(state, linear, nonlinear, walked, start, top)
            else:
                step_narrow(state, linear, nonlinear, walked, start, top)
        else:
            step_lanes(state, linear, nonlinear, walked, start, top)
        for lane in range(LANES):
            if owner[lane] >= 0 and (state[lane] == start or walked[lane] >= limit):
                out_index[count] = owner[lane]
                out_value[count] = walked[lane] if state[lane] == start else -1
                out_steps[count] = walked[lane]
                count += 1
                owner[lane] = -1
                state[lane] = start
                active -= 1


_WALKS = {}


def walk_lanes_for(nonlinear_terms):
    r""":func:`_walk_lanes` compiled for forms with ``nonlinear_terms`` product terms (cached on disk)."""
    if nonlinear_terms not in _WALKS:
        step, narrow, single = (numba.njit(inline="always")(rebind(
            _step_lanes, f"step_lanes_{lanes}_{nonlinear_terms}", NONLINEAR=nonlinear_terms, LANES=lanes))
            for lanes in (LANES, NARROW, 1))
        _WALKS[nonlinear_terms] = specialize(_walk_lanes, f"walk_lanes_{nonlinear_terms}", NONLINEAR=nonlinear_terms,
                                             step_lanes=step, step_narrow=narrow, step_single=single)
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


class LaneWalker:
    r"""
    The lanes of one worker, kept between index ranges so a range's last long
    walks share the vector with the next range's first ones (a lane is idle
    only at the very end, in :meth:`drain`).

    :meth:`feed` and :meth:`drain` return the candidates settled by the call as
    arrays ``(indices, periods, steps)``, in no particular order; ``periods``
    holds the codes of :func:`_walk_lanes` for candidates not walked.

    EXAMPLES::

        sage: from sage_lfsr.census.forms import Form
        sage: from sage_lfsr.census.lockstep import LaneWalker
        sage: form = Form("3,1", 6)
        sage: walker = LaneWalker(form)
        sage: first, second = walker.feed(0, 50), walker.feed(50, form.size)
        sage: last = walker.drain()
        sage: sorted(sum((part[0].tolist() for part in (first, second, last)), [])) == list(range(form.size))
        True
    """

    def __init__(self, form, reduce=True, screen=True, longest=SHORT_PERIOD):
        self.form = form
        self.options = (bool(reduce), bool(screen))
        self.windows = short_cycle_windows(form.degree, longest)
        self.kernel = walk_lanes_for(form.counts[1] + form.counts[2])
        self.state = np.ones(LANES, dtype=np.uint64)  # an idle lane sits at the start state and does not step
        self.walked = np.zeros(LANES, dtype=np.int64)
        self.owner = np.full(LANES, -1, dtype=np.int64)
        self.linear = np.zeros(LANES, dtype=np.uint64)
        self.nonlinear = np.zeros((max(form.counts[1] + form.counts[2], 1), LANES), dtype=np.uint64)

    def feed(self, lo, hi):
        r"""Candidates ``lo..hi-1`` into the lanes; the candidates settled meanwhile."""
        if not 0 <= lo <= hi <= self.form.size:
            raise ValueError(f"the range {lo}..{hi} is outside the candidates 0..{self.form.size}")
        return self._run(lo, hi, False)

    def drain(self):
        r"""Every lane walked to its end; the candidates settled."""
        return self._run(0, 0, True)

    def take_unfinished(self):
        r"""
        The walks still in the lanes, taken out (the lanes left idle) to be
        continued by another walker's :meth:`resume`, maybe on another machine:
        ``(indices, states, steps, linear, nonlinear)`` arrays, one entry a walk
        (``nonlinear`` one column a walk).

        EXAMPLES::

            sage: from sage_lfsr.census.forms import Form
            sage: from sage_lfsr.census.lockstep import LaneWalker
            sage: form = Form("3,1", 8)
            sage: first = LaneWalker(form)
            sage: settled = [first.feed(0, form.size)]
            sage: walks = first.take_unfinished()
            sage: len(walks[0]) > 0, len(first.drain()[0])
            (True, 0)
            sage: second = LaneWalker(form)
            sage: settled += [second.resume(walks), second.drain()]
            sage: sorted(sum((part[0].tolist() for part in settled), [])) == list(range(form.size))
            True
        """
        busy = np.flatnonzero(self.owner >= 0)
        walks = (self.owner[busy], self.state[busy], self.walked[busy], self.linear[busy], self.nonlinear[:, busy])
        self.owner[busy], self.state[busy], self.walked[busy] = -1, np.uint64(1), 0
        return walks

    def resume(self, walks):
        r"""
        Walks taken from a walker of the same form (:meth:`take_unfinished`)
        continued in these lanes from where they stopped; those that find no
        free lane wait for one. The candidates settled meanwhile.
        """
        indices, states, steps, linear, nonlinear = walks
        settled, at = [], 0
        while at < len(indices):
            free = np.flatnonzero(self.owner < 0)[:len(indices) - at]
            taken = slice(at, at + len(free))
            self.owner[free], self.state[free], self.walked[free] = indices[taken], states[taken], steps[taken]
            self.linear[free], self.nonlinear[:, free] = linear[taken], nonlinear[:, taken]
            at += len(free)
            if at < len(indices):
                settled.append(self._run(0, 0, False))  # every lane busy: steps until one finishes
        if not settled:
            return tuple(np.empty(0, dtype=np.int64) for _ in range(3))
        return tuple(np.concatenate(part) for part in zip(*settled))

    def _run(self, lo, hi, drain):
        room = hi - lo + LANES
        out = np.empty(room, dtype=np.int64), np.empty(room, dtype=np.int64), np.empty(room, dtype=np.int64)
        k1, k2, k3, *tables = self.form._kernel_args()
        count = self.kernel(np.int64(lo), np.int64(hi), drain, k1, k2, k3, np.int64(self.form.degree), *tables,
                            *self.windows, *self.options, self.state, self.walked, self.owner, self.linear,
                            self.nonlinear, *out)
        return tuple(a[:count] for a in out)


def walk(form, lo=0, hi=None, reduce=True, screen=True, longest=SHORT_PERIOD):
    r"""
    Candidates ``lo..hi-1`` of ``form`` (a :class:`~sage_lfsr.census.forms.Form`)
    walked by a :class:`LaneWalker` of their own: ``(periods, steps)``, ``periods[i]``
    for candidate ``lo + i``.

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
    walker = LaneWalker(form, reduce, screen, longest)
    periods = np.empty(hi - lo, dtype=np.int64)
    steps = 0
    for indices, values, walked in (walker.feed(lo, hi), walker.drain()):
        periods[indices - lo] = values
        steps += int(walked.sum())
    return periods, steps
