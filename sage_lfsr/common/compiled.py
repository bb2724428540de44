r"""
Compiled code that a fresh process loads from numba's on-disk cache instead of
compiling (about 0.1 s a function against one to several seconds).

numba caches a function under its source file, qualified name and first line,
and trusts an entry as long as that one file is unchanged. The kernels inline
steps and helpers from other modules, and build several functions from one
code object (a traversal for each step kind), so here:

- each function gets a name of its own (:func:`specialize`), hence a cache
  entry of its own;
- an entry is fresh only while every source file of compiled code
  (:data:`SOURCES`) is unchanged: their digest joins numba's stamp and key;
- a data file carries the key it was written under and is used only for that
  key, so two processes that fill the cache at once (numba replaces files
  atomically, but an index and its data files separately) can cost a
  recompilation, never load code compiled for another signature or source.

The cache lives where numba puts it: ``__pycache__`` beside the module when
that is writable, else the user's cache directory, or ``NUMBA_CACHE_DIR``.
Where numba's cache internals differ from what this module expects, functions
are compiled in each process as before (slower to start, never wrong).
"""
import functools
import hashlib
import os
import pathlib
import signal
import threading
import types

import numba
from numba.core import types as numba_types
from numba.extending import intrinsic

try:
    from numba.core.caching import FunctionCache
except ImportError:  # pragma: no cover - a numba without its cache module
    FunctionCache = None

_PACKAGE = pathlib.Path(__file__).resolve().parent.parent
#: The source files whose functions are compiled (inlined steps and helpers included).
SOURCES = ("common/compiled.py", "engine/kernels/fast.py", "engine/kernels/traversal.py",
           "registers/linear_steps.py", "registers/nonlinear_steps.py", "census/kernels.py")


@functools.lru_cache(maxsize=None)
def sources_digest() -> str:
    r"""
    The SHA-256 of :data:`SOURCES`, read once per process.

    EXAMPLES::

        sage: from sage_lfsr.common.compiled import sources_digest
        sage: len(sources_digest()), sources_digest() == sources_digest()
        (64, True)
    """
    digest = hashlib.sha256()
    for name in SOURCES:
        digest.update(name.encode() + b"\0" + (_PACKAGE / name).read_bytes())
    return digest.hexdigest()


#: Whether numba's cache has the methods :class:`SourcesCache` refines (numba 0.5x to 0.6x).
CACHEABLE = FunctionCache is not None and all(
    hasattr(FunctionCache, name) for name in ("_index_key", "_load_overload", "_save_overload"))


if CACHEABLE:
    class SourcesCache(FunctionCache):
        r"""numba's function cache, fresh only while :data:`SOURCES` are unchanged, each data file checked against its key."""

        def __init__(self, py_func):
            super().__init__(py_func)
            self._cache_file._source_stamp = (self._cache_file._source_stamp, sources_digest())

        def _index_key(self, sig, codegen):
            return super()._index_key(sig, codegen) + (sources_digest(),)

        def _load_overload(self, sig, target_context):
            if not self._enabled:
                return None
            key = self._index_key(sig, target_context.codegen())
            data = self._cache_file.load(key)
            if not (isinstance(data, tuple) and len(data) == 2 and data[0] == key):
                return None
            return self._impl.rebuild(target_context, data[1])

        def _save_overload(self, sig, data):
            if not self._enabled or not self._impl.check_cachable(data):
                return
            self._impl.locator.ensure_cache_path()
            key = self._index_key(sig, data.codegen)
            self._cache_file.save(key, (key, self._impl.reduce(data)))


def cached_njit(function, **options):
    r"""
    ``numba.njit(**options)(function)``, cached on disk with :class:`SourcesCache`.

    EXAMPLES::

        sage: from sage_lfsr.common.compiled import cached_njit
        sage: from sage_lfsr.census import kernels
        sage: type(kernels._append_pair._cache).__name__
        'SourcesCache'
    """
    dispatcher = numba.njit(**options)(function)
    if CACHEABLE:
        try:
            dispatcher._cache = SourcesCache(function)
        except RuntimeError:  # numba finds no cache locator for the file: compile each time
            pass
    return dispatcher


def rebind(function, name, **names):
    r"""
    A copy of ``function`` named ``name`` whose global ``names`` are replaced.

    EXAMPLES::

        sage: from sage_lfsr.common.compiled import rebind
        sage: def scaled(x):
        ....:     return factor * x
        sage: doubled = rebind(scaled, "doubled", factor=2)
        sage: doubled(21), doubled.__qualname__
        (42, 'doubled')
    """
    copy = types.FunctionType(function.__code__, dict(function.__globals__, **names), name,
                              function.__defaults__, function.__closure__)
    copy.__qualname__ = name
    return copy


def specialize(template, name, **names):
    r"""
    ``template`` with the global ``names`` replaced (:func:`rebind`), compiled
    under the qualified name ``name`` (so each variant has a cache entry of its
    own) and cached (:func:`cached_njit`).

    EXAMPLES::

        sage: from sage_lfsr.engine.kernels import fast
        sage: sweep = fast.compiled_traversals(fast.binary_step).sweep_cycles
        sage: sweep.py_func.__qualname__
        'sweep_cycles__fast_binary_step'
    """
    return cached_njit(rebind(template, name, **names), nogil=True)


@intrinsic
def popcount(typingctx, value):
    r"""
    The number of set bits of a ``uint64``, as one machine instruction (for compiled code).

    EXAMPLES::

        sage: import numba, numpy as np
        sage: from sage_lfsr.common.compiled import popcount
        sage: numba.njit(lambda value: popcount(value))(np.uint64(0b1011))
        3
    """
    def codegen(context, builder, signature, args):
        return builder.ctpop(args[0])
    return numba_types.uint64(numba_types.uint64), codegen


class DeferredSignals:
    r"""
    While a loop of compiled calls runs, Ctrl-C (SIGINT, SIGTERM, SIGHUP) only
    sets a flag; :meth:`check`, between two calls, hands the signal to the handler
    that was there before (``KeyboardInterrupt`` for Ctrl-C). So the signal never
    lands inside numba's own Python callbacks, where it would surface as a
    ``SystemError``, and a loop cut into short chunks stops within one chunk.
    Outside the main thread it does nothing (signals reach the main thread only).

    EXAMPLES::

        sage: import os, signal
        sage: from sage_lfsr.common.compiled import DeferredSignals
        sage: with DeferredSignals() as signals:
        ....:     os.kill(os.getpid(), signal.SIGINT)
        ....:     caught = signals.caught
        ....:     try:
        ....:         signals.check()
        ....:     except KeyboardInterrupt:
        ....:         print("interrupted between two calls")
        interrupted between two calls
        sage: caught == signal.SIGINT
        True
    """

    def __init__(self):
        self.caught, self._previous = None, {}

    def __enter__(self):
        if threading.current_thread() is threading.main_thread():
            for signum in _DEFERRED_SIGNALS:
                self._previous[signum] = signal.signal(signum, self._note)
        return self

    def _note(self, signum, frame):
        self.caught = self.caught or signum

    def check(self):
        r"""Restore the handlers and pass on a signal that arrived; else nothing."""
        if self.caught is None:
            return
        signum, self.caught = self.caught, None
        handler = self._previous.get(signum)
        self._restore()
        if callable(handler):
            handler(signum, None)  # the CLI's SIGTERM handler raises; Python's SIGINT handler too
        elif handler == signal.SIG_DFL and signum != signal.SIGINT:
            os.kill(os.getpid(), signum)
        if signum == signal.SIGINT and handler != signal.SIG_IGN:  # cysignals' handler only records it outside sig_on
            raise KeyboardInterrupt

    def _restore(self):
        for signum, handler in self._previous.items():
            signal.signal(signum, handler if handler is not None else signal.SIG_DFL)
        self._previous = {}

    def __exit__(self, *exc_info):
        if exc_info[0] is None:
            self.check()
        self._restore()
        return False


_DEFERRED_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
