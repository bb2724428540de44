r"""
The lockstep period walk of a form's candidates: many registers of one form
stepped together in one compiled call, a finished lane refilled with the next
candidate of the index range.

Each lane holds one candidate's monomial masks and its state; a step computes,
for every lane, `f = \bigoplus_t [s \mathbin{\&} m_t = m_t]` and shifts it in at
the top (`x_0` is the oldest bit). A lane is as narrow as the degree allows
(:func:`lane_type`: 16 bits up to `n = 16`, 32 up to 32, else 64), so a 512-bit
vector holds 32, 16 or 8 of them, and :data:`VECTORS` vectors are stepped
together :data:`CHUNK` steps at a time in registers, with no branch
(:func:`vector_steps`: the step written as LLVM vector operations, as
hand-written SIMD code would be; a lane back at its start state stays there).
Between chunks the finished lanes are read and refilled. Every candidate walks
from the state `x_0 = 1` (index 1) until it returns; the steps reported are the
steps walked. A compiled call does at most :data:`CALL_BUDGET` units of work,
then returns to Python (which calls again), so a walk at any degree answers
signals within a fraction of a second.

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

from llvmlite import ir
from numba.core import types as numba_types
from numba.extending import intrinsic

from sage_lfsr.common.compiled import cached_njit, popcount, rebind, specialize
from sage_lfsr.census.forms import unrank_masks, rank_combination

#: Bits of a lane's state by degree: the narrowest unsigned type that holds `n` bits.
LANE_WIDTHS = ((16, np.uint16), (32, np.uint32), (64, np.uint64))
#: Vector registers stepped together (enough independent chains to hide a step's latency).
VECTORS = 8
#: Bits of one vector register (AVX-512; on narrower machines LLVM splits each vector).
VECTOR_BITS = 512
#: Lanes walked together with 64-bit states (with 32- and 16-bit states: two and four times as many).
LANES = VECTORS * VECTOR_BITS // 64
#: Steps per lane between two refills.
CHUNK = 256
#: Work (chunks stepped plus candidates unranked) of one compiled call: a call returns
#: to Python at least this often (a few tens of milliseconds), so signals are answered.
CALL_BUDGET = 1 << 13
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
#: Placeholders for the constants each kernel variant is compiled for (rebound by :func:`specialize`).
NONLINEAR, LANE, LANE_COUNT, NARROW = 1, np.uint64, LANES, 8


def lane_type(degree):
    r"""
    The unsigned integer type of a lane's state at ``degree``: 16, 32 or 64 bits,
    the narrowest that holds `n` bits (narrower lanes: more of them per vector).

    EXAMPLES::

        sage: from sage_lfsr.census.lockstep import lane_type
        sage: [lane_type(n).__name__ for n in (5, 16, 17, 32, 33)]
        ['uint16', 'uint16', 'uint32', 'uint32', 'uint64']
    """
    for bits, kind in LANE_WIDTHS:
        if degree <= bits:
            return kind
    raise ValueError(f"a lane holds at most {LANE_WIDTHS[-1][0]} bits, not {degree}")


def _has_avx512():
    r"""Whether this machine's vector registers hold 512 bits (x86-64 with AVX-512F)."""
    import platform

    import llvmlite.binding as llvm

    try:
        return platform.machine().lower() in ("x86_64", "amd64") and "+avx512f" in llvm.get_host_cpu_features().flatten()
    except RuntimeError:  # pragma: no cover - llvmlite cannot read the features
        return False


_AVX512 = _has_avx512()


def _declare(builder, name, result, arguments):
    module = builder.module
    try:
        return module.get_global(name)
    except KeyError:
        return ir.Function(module, ir.FunctionType(result, arguments), name=name)


def vector_steps(width, vectors, nonlinear_terms, chunk=CHUNK):
    r"""
    A compiled-code intrinsic ``steps(state, linear, nonlinear, start, top)``:
    :data:`CHUNK` steps of the first ``vectors`` vectors of lanes (``512 / width``
    lanes a vector), written as explicit LLVM vector operations and kept in
    registers for the whole chunk, as hand-written SIMD code would (the compiler's
    own vectoriser reloads every lane at every step and prefers half-width vectors).
    A step of one vector `x`: `f = \mathrm{parity}(x \& L) \oplus \bigoplus_t [x \& Q_t = Q_t]`,
    `x' = (x \gg 1) | (f \ll (n-1))`, kept only where `x \neq` ``start`` (a
    lane at its start stays there). Steps are not counted here (two operations of
    ten): a lane not at its start after the chunk moved :data:`CHUNK` steps, and one
    that arrived is walked again from its state before the chunk
    (:func:`_steps_to_start`), once per walk.
    """
    per = VECTOR_BITS // width
    element = ir.IntType(width)
    vector = ir.VectorType(element, per)

    def splat(builder, value):
        empty = ir.Constant(vector, ir.Undefined)
        one = builder.insert_element(empty, value, ir.Constant(ir.IntType(32), 0))
        return builder.shuffle_vector(one, empty, ir.Constant(ir.VectorType(ir.IntType(32), per), [0] * per))

    @intrinsic
    def steps(typingctx, state, linear, nonlinear, start, top):
        def codegen(context, builder, signature, args):
            pointers = [context.make_array(kind)(context, builder, value).data
                        for kind, value in zip(signature.args[:3], args[:3])]
            state_at, linear_at, nonlinear_at = pointers
            lanes = builder.extract_value(context.make_array(signature.args[0])(context, builder, args[0]).shape, 0)

            def address(base, offset):
                return builder.bitcast(builder.gep(base, [offset]), vector.as_pointer())

            def at(v):
                return ir.Constant(ir.IntType(64), v * per)

            start_vector = splat(builder, builder.trunc(args[3], element) if width < 64 else args[3])
            shift = builder.trunc(args[4], element) if width < 64 else args[4]
            top_bit = splat(builder, builder.shl(ir.Constant(element, 1), shift))
            one = ir.Constant(vector, [1] * per)
            # a 1 in each lane that the compiler cannot see through (an empty asm): `x & low != 0` stays
            # one vptestmd, where a known 1 becomes a shift and a move to a mask register
            low = builder.asm(ir.FunctionType(vector, [vector]), "", "=v,0", [one], False) if _AVX512 else one
            zero = ir.Constant(vector, [0] * per)
            popcount = _declare(builder, f"llvm.ctpop.v{per}i{width}", vector, [vector])
            first = [builder.load(address(state_at, at(v)), align=1) for v in range(vectors)]
            masks = [builder.load(address(linear_at, at(v)), align=1) for v in range(vectors)]
            products = [[builder.load(address(nonlinear_at, builder.add(builder.mul(
                ir.Constant(ir.IntType(64), t), lanes), at(v))), align=1) for v in range(vectors)]
                for t in range(nonlinear_terms)]
            entry = builder.block
            loop = builder.append_basic_block("vector_steps_loop")
            after = builder.append_basic_block("vector_steps_after")
            builder.branch(loop)
            builder.position_at_end(loop)
            counter = builder.phi(ir.IntType(32))
            counter.add_incoming(ir.Constant(ir.IntType(32), 0), entry)
            states = []
            for v in range(vectors):
                states.append(builder.phi(vector))
                states[-1].add_incoming(first[v], entry)
            for v in range(vectors):
                x = states[v]
                parity = builder.and_(builder.call(popcount, [builder.and_(x, masks[v])]), low)
                bit = builder.icmp_unsigned("!=", parity, zero)
                for t in range(nonlinear_terms):
                    q = products[t][v]
                    bit = builder.xor(bit, builder.icmp_unsigned("==", builder.and_(x, q), q))
                shifted = builder.lshr(x, one)
                following = builder.select(bit, builder.or_(shifted, top_bit), shifted)
                moving = builder.icmp_unsigned("!=", x, start_vector)
                states[v].add_incoming(builder.select(moving, following, x), loop)
            next_counter = builder.add(counter, ir.Constant(ir.IntType(32), 1))
            counter.add_incoming(next_counter, loop)
            builder.cbranch(builder.icmp_unsigned("<", next_counter, ir.Constant(ir.IntType(32), chunk)), loop, after)
            builder.position_at_end(after)
            for v in range(vectors):
                builder.store(_last(states[v]), address(state_at, at(v)), align=1)
            return context.get_dummy_value()

        return numba_types.void(state, linear, nonlinear, start, top), codegen

    return steps


def _last(phi):
    return phi.incomings[-1][0]


def _steps_to_start(state, linear, nonlinear, lane, top):
    r"""Steps from ``state`` back to the start state 1 (fewer than :data:`CHUNK`), one lane in scalar code."""
    s, mask, one, shift = np.uint64(state), np.uint64(linear), np.uint64(1), np.uint64(top)
    count = 0
    while s != one:
        b = popcount(s & mask) & one
        for t in range(NONLINEAR):
            m = np.uint64(nonlinear[t, lane])
            b ^= np.uint64((s & m) == m)
        s = (s >> one) | (b << shift)
        count += 1
    return count


def _step_lanes(state, linear, nonlinear, walked, before, start, top):
    r"""
    :data:`CHUNK` steps of the first ``LANE_COUNT`` lanes (:func:`vector_steps`),
    and the steps each moved added to ``walked``.
    """
    for lane in range(LANE_COUNT):
        before[lane] = state[lane]
    vector_step(state, linear, nonlinear, start, top)
    for lane in range(LANE_COUNT):
        if state[lane] != start:
            walked[lane] += CHUNK
        elif before[lane] != start:
            walked[lane] += steps_to_start(before[lane], linear[lane], nonlinear, lane, top)


def _compact(state, walked, owner, linear, nonlinear):
    r"""Move the busy lanes to the front (in place), so the first ``NARROW`` lanes hold every walk left."""
    free = 0
    for lane in range(len(state)):
        if owner[lane] < 0:
            continue
        if lane != free:
            state[free], walked[free], owner[free], linear[free] = state[lane], walked[lane], owner[lane], linear[lane]
            for t in range(nonlinear.shape[0]):
                nonlinear[t, free] = nonlinear[t, lane]
            owner[lane], state[lane], walked[lane] = -1, LANE(1), 0
        free += 1


def _settle_candidate(index, k1, k2, k3, degree, radices, universes, offsets, binomials,
                      window_states, window_bits, window_offsets, reduce, screen, candidate):
    r"""
    Candidate ``index`` unranked into ``candidate`` (its masks); 0 when it is to be
    walked, else its code (:data:`NOT_REPRESENTATIVE`, :data:`SHORT_CYCLE`).
    """
    unrank_masks(index, k1, k2, k3, radices, universes, offsets, binomials, candidate)
    if reduce and reciprocal_index(candidate, k1, k2, k3, degree, radices, universes, offsets, binomials) < index:
        return NOT_REPRESENTATIVE
    if screen and has_short_cycle(candidate, k1 + k2 + k3, window_states, window_bits, window_offsets):
        return SHORT_CYCLE
    return 0


settle_candidate = cached_njit(_settle_candidate, inline="always")


def _walk_lanes(lo, hi, drain, budget, k1, k2, k3, degree, radices, universes, offsets, binomials,
                window_states, window_bits, window_offsets, reduce, screen,
                state, walked, owner, linear, nonlinear, before, out_index, out_value, out_steps):
    r"""
    Feed candidates ``lo..hi-1`` of a form into the lanes (whose arrays persist
    between calls) and step them, until every one of them is in a lane and a
    lane is free for the next range, or, with ``drain``, every lane has finished;
    or until ``budget`` units of work (chunks stepped, candidates unranked) are
    spent, so the caller regains control often. Each candidate settled (of this
    range or an earlier one) is written to ``out_*``: its index, its period from
    the state `x_0 = 1` (or :data:`NOT_REPRESENTATIVE`, :data:`SHORT_CYCLE`,
    ``-1`` past `2^n` steps) and the steps walked. Returns how many were written,
    the next candidate not yet taken and whether the work asked for is done.
    """
    terms = k1 + k2 + k3
    candidate = np.empty(terms, dtype=np.int64)
    top, start, limit = np.int64(degree - 1), LANE(1), np.int64(1) << degree
    following, count, active, work = lo, 0, 0, 0
    for lane in range(LANE_COUNT):
        active += owner[lane] >= 0
    while work < budget:
        idle = False
        for lane in range(LANE_COUNT):
            if owner[lane] >= 0:
                continue
            idle = True
            while following < hi and work < budget:
                index = following
                following += 1
                work += 1
                code = settle_candidate(index, k1, k2, k3, degree, radices, universes, offsets, binomials,
                                        window_states, window_bits, window_offsets, reduce, screen, candidate)
                if code != 0:
                    out_index[count], out_value[count], out_steps[count] = index, code, 0
                    count += 1
                    continue
                mask = 0
                for t in range(k1):
                    mask |= candidate[t]
                linear[lane] = LANE(mask)
                for t in range(NONLINEAR):
                    nonlinear[t, lane] = LANE(candidate[k1 + t])
                state[lane] = LANE(feedback(1, candidate, terms) << (degree - 1))  # one step from state 1
                walked[lane] = 1
                owner[lane] = index
                active += 1
                idle = False
                break
        if active == 0 or (idle and not drain and following >= hi):
            return count, following, True
        if work >= budget:
            break
        work += 1
        if following >= hi and active <= NARROW:  # the last walks: one vector, fewer idle lanes stepped
            _compact(state, walked, owner, linear, nonlinear)
            step_narrow(state, linear, nonlinear, walked, before, start, top)
        else:
            step_lanes(state, linear, nonlinear, walked, before, start, top)
        for lane in range(LANE_COUNT):
            if owner[lane] >= 0 and (state[lane] == start or walked[lane] >= limit):
                out_index[count] = owner[lane]
                out_value[count] = walked[lane] if state[lane] == start else -1
                out_steps[count] = walked[lane]
                count += 1
                owner[lane] = -1
                state[lane] = start
                active -= 1
    return count, following, False


_WALKS = {}


def walk_lanes_for(nonlinear_terms, width=64):
    r"""
    :func:`_walk_lanes` compiled for forms with ``nonlinear_terms`` product terms
    and ``width``-bit lanes (cached on disk), with its lane count.
    """
    key = (nonlinear_terms, width)
    if key not in _WALKS:
        kind = dict(LANE_WIDTHS)[width]
        per = VECTOR_BITS // width
        lanes = VECTORS * per
        to_start = numba.njit(inline="always")(rebind(_steps_to_start, f"steps_to_start_{nonlinear_terms}",
                                                      NONLINEAR=nonlinear_terms))
        step, narrow = (numba.njit(inline="always")(rebind(
            _step_lanes, f"step_lanes_{width}_{vectors}_{nonlinear_terms}", LANE_COUNT=vectors * per,
            vector_step=vector_steps(width, vectors, nonlinear_terms), steps_to_start=to_start)) for vectors in (VECTORS, 1))
        compact = numba.njit(inline="always")(rebind(_compact, f"compact_{width}", LANE=kind))
        kernel = specialize(_walk_lanes, f"walk_lanes_{width}_{VECTORS}_{CHUNK}_{nonlinear_terms}",
                            NONLINEAR=nonlinear_terms, LANE=kind, LANE_COUNT=lanes, NARROW=per,
                            step_lanes=step, step_narrow=narrow, _compact=compact)
        _WALKS[key] = kernel, lanes
    return _WALKS[key]


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

    def __init__(self, form, reduce=True, screen=True, longest=SHORT_PERIOD, width=None, stop=None):
        self.form = form
        self.options = (bool(reduce), bool(screen))
        self.windows = short_cycle_windows(form.degree, longest)
        kind = lane_type(form.degree) if width is None else dict(LANE_WIDTHS)[width]
        if width is not None and form.degree > width:
            raise ValueError(f"{width}-bit lanes cannot hold degree {form.degree}")
        terms = form.counts[1] + form.counts[2]
        self.kernel, lanes = walk_lanes_for(terms, np.dtype(kind).itemsize * 8)
        self.stop = stop
        self.state = np.ones(lanes, dtype=kind)  # an idle lane sits at the start state and does not step
        self.walked = np.zeros(lanes, dtype=np.int64)
        self.owner = np.full(lanes, -1, dtype=np.int64)
        self.linear = np.zeros(lanes, dtype=kind)
        self.nonlinear = np.zeros((max(terms, 1), lanes), dtype=kind)
        self.before = np.zeros(lanes, dtype=kind)  # the states before a chunk

    @property
    def lanes(self) -> int:
        r"""How many candidates walk at once."""
        return len(self.state)

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
        r"""
        Compiled calls of at most :data:`CALL_BUDGET` work each until the work is
        done: between two calls Python runs (signal handlers among it), and a set
        ``stop`` event ends the run early with what was settled so far.
        """
        room = hi - lo + self.lanes
        out = np.empty(room, dtype=np.int64), np.empty(room, dtype=np.int64), np.empty(room, dtype=np.int64)
        k1, k2, k3, *tables = self.form._kernel_args()
        written, done = 0, False
        while not done and not (self.stop is not None and self.stop.is_set()):
            count, lo, done = self.kernel(
                np.int64(lo), np.int64(hi), drain, np.int64(CALL_BUDGET), k1, k2, k3, np.int64(self.form.degree),
                *tables, *self.windows, *self.options, self.state, self.walked, self.owner, self.linear,
                self.nonlinear, self.before, *(a[written:] for a in out))
            written += count
        return tuple(a[:written] for a in out)


def warm_up(form, reduce=True, screen=True):
    r"""
    The walk of ``form`` compiled (or loaded from the cache) without walking any
    candidate: an empty drain of fresh lanes (so a warm-up costs no walk, at any degree).

    EXAMPLES::

        sage: from sage_lfsr.census.forms import Form
        sage: from sage_lfsr.census.lockstep import warm_up
        sage: warm_up(Form("3,1", 34))
    """
    LaneWalker(form, reduce, screen).drain()


def walk(form, lo=0, hi=None, reduce=True, screen=True, longest=SHORT_PERIOD, width=None):
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
    walker = LaneWalker(form, reduce, screen, longest, width)
    periods = np.empty(hi - lo, dtype=np.int64)
    steps = 0
    for indices, values, walked in (walker.feed(lo, hi), walker.drain()):
        periods[indices - lo] = values
        steps += int(walked.sum())
    return periods, steps
