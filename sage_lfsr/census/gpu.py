r"""
The maximum-period walk on an NVIDIA GPU through numba's CUDA target: one
candidate per thread, the lanes persisting between launches and between index
ranges, as the lockstep walk of the CPU (:mod:`sage_lfsr.census.lockstep`) keeps
them.

The CPU unranks each candidate, drops the non-representatives and screens the
short cycles (the compiled code of the lockstep walk, so the same candidates
are walked); the GPU walks the rest, each thread from the state `x_0 = 1` for
at most a number of steps per launch (sized so a launch lasts about
:data:`LAUNCH_SECONDS`: Python runs between two launches, signals are answered
and a watchdog never fires). Between launches the finished lanes are read and
refilled. :class:`GpuWalker` has the interface of
:class:`~sage_lfsr.census.lockstep.LaneWalker` (``feed``, ``drain``), so the
search's index-range tasks, checkpoint and resume are those of the CPU
(``search(..., device="cuda")``).

This module imports without CUDA: numba's CUDA target is loaded when a walker
is made. Without a GPU (or its driver) :func:`cuda_target` refuses in one line;
numba's CUDA simulator (``NUMBA_ENABLE_CUDASIM=1``) runs the same kernel on the
CPU, slowly, which is how the tests check it on machines without a GPU.

EXAMPLES::

    sage: from sage_lfsr.census.gpu import lane_dtype
    sage: lane_dtype(20).__name__, lane_dtype(33).__name__
    ('uint32', 'uint64')
"""
from __future__ import annotations

import functools
import time

import numpy as np

from sage_lfsr.common.compiled import cached_njit, rebind
from sage_lfsr.census.lockstep import SHORT_PERIOD, feedback, settle_candidate, short_cycle_windows

#: Lanes (threads) of one walker on a GPU: more than an H100 keeps resident (132 SMs x 2048 threads).
GPU_LANES = 1 << 18
#: Lanes under numba's CUDA simulator, where every thread is a Python thread.
SIMULATOR_LANES = 32
#: Threads per block.
BLOCK = 256
#: Seconds a launch should last (the steps per launch are adjusted to it).
LAUNCH_SECONDS = 0.1
#: Fewest and most steps of one lane in one launch.
LAUNCH_STEPS = (1 << 8, 1 << 28)
#: Candidates unranked and screened in one compiled call on the CPU.
PREPARE_CANDIDATES = 1 << 14


def lane_dtype(degree):
    r"""A lane's state on the GPU: 32 bits up to `n = 32` (native integer width; 16 bits gain nothing), else 64."""
    return np.uint32 if degree <= 32 else np.uint64


def simulated() -> bool:
    r"""Whether numba's CUDA target is its simulator (``NUMBA_ENABLE_CUDASIM=1``)."""
    from numba import config

    return bool(config.ENABLE_CUDASIM)


def cuda_target():
    r"""
    ``numba.cuda``, once a GPU and its driver (or the simulator) answer; else one
    clear :class:`ValueError` (before any work is done).
    """
    try:
        from numba import cuda
    except Exception as error:  # a numba without its CUDA target, or a broken CUDA install
        raise ValueError(f"device cuda needs numba's CUDA target (pip install 'sage_lfsr[gpu]'): {error}") from None
    try:
        available = cuda.is_available()
    except Exception as error:  # pragma: no cover - depends on the driver
        available, reason = False, str(error)
    else:
        reason = "numba.cuda.is_available() is False"
    if not available:
        raise ValueError(f"device cuda: no CUDA GPU or driver found ({reason}); "
                         "run on the CPU (the default), or NUMBA_ENABLE_CUDASIM=1 for numba's simulator")
    return cuda


def _prepare(lo, hi, k1, k2, k3, degree, radices, universes, offsets, binomials,
             window_states, window_bits, window_offsets, reduce, screen,
             out_index, out_code, out_linear, out_nonlinear, out_state):
    r"""
    Candidates ``lo..hi-1`` unranked, reduced and screened as the lockstep walk
    does (:func:`~sage_lfsr.census.lockstep.settle_candidate`): for each, its
    index and code (0: to walk), and for those to walk the linear mask, the
    product masks and the state one step from state 1. Returns how many walk.
    """
    terms = k1 + k2 + k3
    candidate = np.empty(terms, dtype=np.int64)
    walking = 0
    for index in range(lo, hi):
        code = settle_candidate(index, k1, k2, k3, degree, radices, universes, offsets, binomials,
                                window_states, window_bits, window_offsets, reduce, screen, candidate)
        out_index[index - lo], out_code[index - lo] = index, code
        if code != 0:
            continue
        mask = 0
        for t in range(k1):
            mask |= candidate[t]
        out_linear[walking] = mask
        for t in range(k2 + k3):
            out_nonlinear[t, walking] = candidate[k1 + t]
        out_state[walking] = feedback(1, candidate, terms) << (degree - 1)
        walking += 1
    return walking


prepare = cached_njit(_prepare)


#: Steps between two checks of a lane (within a block, a lane at its start stays there).
BLOCK_STEPS = 16
#: Placeholders for the names each kernel is compiled with (rebound by :func:`walk_kernel`).
cuda, TERMS, KIND, ONE = None, 1, np.uint32, np.uint32(1)


def _walk_kernel(state, walked, linear, nonlinear, steps, top, limit):
    r"""
    Each thread steps its lane from ``state`` about ``steps`` times (whole blocks of
    :data:`BLOCK_STEPS`, no branch within a block), stopping at the start state 1
    (or past ``limit`` steps in all), and adds the steps to ``walked``. A step:
    `f = \mathrm{parity}(s \& L) \oplus \bigoplus_t [s \& Q_t = Q_t]`,
    `s' = (s \gg 1) | f 2^{n-1}`, kept only while `s \neq 1`.
    """
    lane = cuda.grid(1)
    if lane >= state.shape[0]:
        return
    s = state[lane]
    if s == ONE:  # idle, or done
        return
    mask = linear[lane]
    top_bit = KIND(ONE << KIND(top))
    room = np.uint32(max(min(steps, limit - walked[lane]), 0))  # below 2^31: LAUNCH_STEPS
    moved = np.uint32(0)
    while moved < room and s != ONE:
        for _ in range(BLOCK_STEPS):
            bit = (cuda.popc(KIND(s & mask)) & 1) != 0
            for t in range(TERMS):
                m = nonlinear[t, lane]
                bit ^= KIND(s & m) == m
            moving = s != ONE
            moved = np.uint32(moved + np.uint32(moving))
            s = KIND(KIND(s >> ONE) | (top_bit if bit else KIND(0))) if moving else s
    state[lane] = s
    walked[lane] += moved


@functools.lru_cache(maxsize=16)
def walk_kernel(nonlinear_terms, wide):
    r"""The CUDA kernel :func:`_walk_kernel` for ``nonlinear_terms`` product terms, 64-bit states if ``wide`` else 32-bit."""
    target = cuda_target()
    kind = np.uint64 if wide else np.uint32
    return target.jit(rebind(_walk_kernel, f"walk_kernel_{nonlinear_terms}_{64 if wide else 32}",
                             cuda=target, TERMS=nonlinear_terms, KIND=kind, ONE=kind(1)))


class GpuWalker:
    r"""
    The lanes of the GPU, with the interface of
    :class:`~sage_lfsr.census.lockstep.LaneWalker`: :meth:`feed` returns once every
    candidate of the range is in a lane (launching as lanes are needed),
    :meth:`drain` once every lane has finished; each returns the candidates
    settled as ``(indices, periods, steps)``.

    INPUT:

    - ``form`` -- a :class:`~sage_lfsr.census.forms.Form`
    - ``reduce``, ``screen``, ``longest`` -- as for the CPU walk
    - ``lanes`` -- threads (default :data:`GPU_LANES`, :data:`SIMULATOR_LANES` under the simulator)
    - ``stop`` -- an event: once set, the walk returns after the launch under way

    EXAMPLES::

        sage: import os
        sage: from sage_lfsr.census.forms import Form
        sage: from sage_lfsr.census.gpu import GpuWalker, simulated
        sage: try:
        ....:     walker = GpuWalker(Form("3,1", 5))
        ....: except ValueError as error:
        ....:     print("no GPU")   # the usual answer on a machine without one
        ....: else:
        ....:     indices, periods, steps = walker.feed(0, 36)
        ....:     more = walker.drain()
        ....:     print(sorted(indices.tolist() + more[0].tolist()) == list(range(36)))
        no GPU...
    """

    def __init__(self, form, reduce=True, screen=True, longest=SHORT_PERIOD, lanes=None, stop=None):
        self.cuda = cuda_target()
        self.form, self.stop = form, stop
        self.options = (bool(reduce), bool(screen))
        self.windows = short_cycle_windows(form.degree, longest)
        self.terms = form.counts[1] + form.counts[2]
        self.kind = lane_dtype(form.degree)
        self.kernel = walk_kernel(self.terms, self.kind == np.uint64)
        lanes = lanes or (SIMULATOR_LANES if simulated() else GPU_LANES)
        self.block = min(BLOCK, lanes)
        self.lanes = -(-lanes // self.block) * self.block
        self.state = np.ones(self.lanes, dtype=self.kind)
        self.walked = np.zeros(self.lanes, dtype=np.int64)
        self.owner = np.full(self.lanes, -1, dtype=np.int64)
        self.linear = np.zeros(self.lanes, dtype=self.kind)
        self.nonlinear = np.zeros((max(self.terms, 1), self.lanes), dtype=self.kind)
        self.device = {name: self.cuda.to_device(getattr(self, name))
                       for name in ("state", "walked", "linear", "nonlinear")}
        self.steps = LAUNCH_STEPS[0]
        self.pending = []  # prepared candidates not yet in a lane: (indices, linear, nonlinear, state)
        self.launches, self.busy_seconds = 0, 0.0

    def feed(self, lo, hi):
        r"""Candidates ``lo..hi-1`` into the lanes; the candidates settled meanwhile."""
        if not 0 <= lo <= hi <= self.form.size:
            raise ValueError(f"the range {lo}..{hi} is outside the candidates 0..{self.form.size}")
        settled = []
        k1, k2, k3, *tables = self.form._kernel_args()
        for a in range(lo, hi, PREPARE_CANDIDATES):
            b = min(hi, a + PREPARE_CANDIDATES)
            index, code = np.empty(b - a, np.int64), np.empty(b - a, np.int64)
            linear, state = np.empty(b - a, np.int64), np.empty(b - a, np.int64)
            nonlinear = np.zeros((max(self.terms, 1), b - a), np.int64)
            walking = prepare(np.int64(a), np.int64(b), k1, k2, k3, np.int64(self.form.degree), *tables,
                              *self.windows, *self.options, index, code, linear, nonlinear, state)
            skipped = code != 0
            settled.append((index[skipped], code[skipped], np.zeros(int(skipped.sum()), np.int64)))
            if walking:
                self.pending.append((index[~skipped], linear[:walking], nonlinear[:, :walking], state[:walking]))
            if self._stopped():
                break
        while self.pending and not self._stopped():
            self._fill()
            if self.pending:
                settled.append(self._launch())
        self._fill()
        return self._joined(settled)

    def drain(self):
        r"""Every lane walked to its end; the candidates settled."""
        settled = []
        while (self.owner >= 0).any() and not self._stopped():
            settled.append(self._launch())
        return self._joined(settled)

    def _stopped(self):
        return self.stop is not None and self.stop.is_set()

    def _fill(self):
        r"""Free lanes given the pending candidates, and copied to the GPU."""
        free = np.flatnonzero(self.owner < 0)
        filled = False
        while len(free) and self.pending:
            index, linear, nonlinear, state = self.pending[0]
            take = min(len(free), len(index))
            lanes, free = free[:take], free[take:]
            self.owner[lanes], self.walked[lanes] = index[:take], 1
            self.linear[lanes], self.state[lanes] = linear[:take].astype(self.kind), state[:take].astype(self.kind)
            self.nonlinear[:, lanes] = nonlinear[:, :take].astype(self.kind)
            if take == len(index):
                self.pending.pop(0)
            else:
                self.pending[0] = (index[take:], linear[take:], nonlinear[:, take:], state[take:])
            filled = True
        if filled:
            for name, array in self.device.items():
                array.copy_to_device(getattr(self, name))

    def _launch(self):
        r"""One launch of the kernel; the lanes that finished (freed)."""
        clock = time.perf_counter()
        limit = np.int64(1) << self.form.degree
        self.kernel[self.lanes // self.block, self.block](
            self.device["state"], self.device["walked"], self.device["linear"], self.device["nonlinear"],
            np.int64(self.steps), np.int64(self.form.degree - 1), limit)
        self.device["state"].copy_to_host(self.state)
        self.device["walked"].copy_to_host(self.walked)
        seconds = time.perf_counter() - clock
        self.launches += 1
        self.busy_seconds += seconds
        if seconds < LAUNCH_SECONDS / 2 and self.steps < LAUNCH_STEPS[1]:
            self.steps *= 2
        elif seconds > LAUNCH_SECONDS * 2 and self.steps > LAUNCH_STEPS[0]:
            self.steps //= 2
        done = np.flatnonzero((self.owner >= 0) & ((self.state == 1) | (self.walked >= limit)))
        result = (self.owner[done].copy(), np.where(self.state[done] == 1, self.walked[done], -1),
                  self.walked[done].copy())
        self.owner[done] = -1
        self.state[done] = 1
        if len(done):
            self.device["state"].copy_to_device(self.state)
        return result

    @staticmethod
    def _joined(parts):
        if not parts:
            return tuple(np.empty(0, np.int64) for _ in range(3))
        return tuple(np.concatenate([part[k] for part in parts]).astype(np.int64) for k in range(3))
