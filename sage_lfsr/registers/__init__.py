r"""
What a register is: linear (Fibonacci, Galois, affine/XNOR), nonlinear, any square
matrix, hardware taps; the text users write them in (parsed, never evaluated); and
the integer tables and description that workers receive instead of Sage objects.

- :mod:`~sage_lfsr.registers.lfsr` -- :class:`LFSR` (Sage: field, matrix, sequences);
- :mod:`~sage_lfsr.registers.fsr`, :mod:`~sage_lfsr.registers.feedback` -- nonlinear registers
  and their feedback functions;
- :mod:`~sage_lfsr.registers.matrix` -- any square matrix as a register;
- :mod:`~sage_lfsr.registers.hardware` -- taps, forms, shift direction, XNOR;
- :mod:`~sage_lfsr.registers.parsing` -- every text from users, with its own grammar and limits;
- :mod:`~sage_lfsr.registers.description` -- what workers receive (kind, key, tables);
- :mod:`~sage_lfsr.registers.tables`, :mod:`~sage_lfsr.registers.fsr_tables`,
  :mod:`~sage_lfsr.registers.linear_tables` -- integer tables, and
  :mod:`~sage_lfsr.registers.linear_steps`, :mod:`~sage_lfsr.registers.nonlinear_steps`
  their compiled steps.

May import: :mod:`sage_lfsr.common`. Methods that answer by theory are facades
(see :mod:`sage_lfsr`).
"""
