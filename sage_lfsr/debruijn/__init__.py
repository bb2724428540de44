r"""
From cycles to de Bruijn sequences: the adjacency graph of a register's cycles
(:mod:`~sage_lfsr.debruijn.adjacency`), how many ways there are to join them
into one (:mod:`~sage_lfsr.debruijn.counting`), a joined register
(:mod:`~sage_lfsr.debruijn.joining`), and the compiled successor rules that
stream de Bruijn sequences without enumerating anything
(:mod:`~sage_lfsr.debruijn.successors`, which needs no engine).
"""
from sage_lfsr.debruijn.adjacency import adjacency_graph, conjugate_pairs  # noqa: F401
from sage_lfsr.debruijn.counting import count_joinings, spanning_tree_count  # noqa: F401
from sage_lfsr.debruijn.joining import join_cycles, random_spanning_tree  # noqa: F401
from sage_lfsr.debruijn.successors import RULES, de_bruijn_bits, is_de_bruijn  # noqa: F401

__all__ = ["adjacency_graph", "conjugate_pairs", "count_joinings", "spanning_tree_count", "join_cycles",
           "random_spanning_tree", "de_bruijn_bits", "is_de_bruijn", "RULES"]
