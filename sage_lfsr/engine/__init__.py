r"""
Enumeration: from a register to its full map, in parallel.

``plan()`` (:mod:`~sage_lfsr.engine.planning`: every decision, once, with Sage) ->
``run()`` (:mod:`~sage_lfsr.engine.mapper`: a schedule runs the tasks, no Sage) ->
``assemble()`` (:mod:`~sage_lfsr.engine.assembly`: cycles, segments and depths merged)
-> :class:`~sage_lfsr.engine.cyclemap.CycleMap`.

- :mod:`~sage_lfsr.engine.job` -- what workers get and do;
- :mod:`~sage_lfsr.engine.kernels` -- the traversals (``fast``: numba; ``sage``: the reference);
- :mod:`~sage_lfsr.engine.schedules` -- one module per schedule behind one interface;
- :mod:`~sage_lfsr.engine.memory`, :mod:`~sage_lfsr.engine.handoff` -- shared memory;
- :mod:`~sage_lfsr.engine.checkpoint`, :mod:`~sage_lfsr.engine.snapshots` -- resumable runs;
- :mod:`~sage_lfsr.engine.pool` -- workers kept across runs;
- :mod:`~sage_lfsr.engine.figures` -- the reported figures (imbalance, speedup, redundant work).

May import: :mod:`sage_lfsr.common`, :mod:`sage_lfsr.registers`, :mod:`sage_lfsr.theory`.
The kernels and schedules import with numpy and numba alone (no Sage), so they run
from exported tables on machines without Sage.
"""
