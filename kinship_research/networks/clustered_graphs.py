"""Synthetic friendship graphs with a chosen mean degree and transitivity.

A relaxed caveman graph (Watts 1999) starts from disjoint cliques of ``mean_degree + 1`` people
(transitivity 1) and moves one end of each tie, with probability ``p``, to a uniformly chosen
person: the number of ties, hence the mean degree, is unchanged and transitivity falls with
``p``. :func:`caveman_graph_with_transitivity` finds the ``p`` that gives a target transitivity,
e.g. the Framingham network's (mean degree about 3, transitivity about 0.64), which a
Watts-Strogatz ring (even degree only) cannot reach at so low a degree.
"""

from __future__ import annotations

import networkx as nx
import numpy as np

from kinship_research.methods.checks import check_positive_int, random_generator

__all__ = ["caveman_graph_with_transitivity"]


def caveman_graph_with_transitivity(
    n_nodes: int, mean_degree: int, transitivity: float, *, seed=None, tolerance: float = 0.01
) -> tuple[nx.Graph, float]:
    """Relaxed caveman graph with mean degree ``mean_degree`` and transitivity within ``tolerance``.

    ``n_nodes // (mean_degree + 1)`` cliques of ``mean_degree + 1`` nodes (so the graph has that many
    cliques times ``mean_degree + 1`` nodes), each tie rewired with probability ``p``
    (``networkx.relaxed_caveman_graph``, seeded by ``seed``). Transitivity
    ``T = 3 x triangles / connected triples`` falls from 1 at ``p = 0``; ``p`` is found by bisection
    (40 halvings), every candidate graph drawn with the same seed, and the candidate closest to the
    target is returned with its ``p``. Raises ValueError when no candidate is within ``tolerance``.

    References
    ----------
    Watts DJ (1999) Small Worlds, Princeton University Press (caveman graphs).
    """
    n_nodes = check_positive_int("n_nodes", n_nodes)
    mean_degree = check_positive_int("mean_degree", mean_degree, minimum=2)
    n_cliques = n_nodes // (mean_degree + 1)
    if n_cliques < 2:
        raise ValueError(f"n_nodes must hold at least two cliques of {mean_degree + 1}, got {n_nodes}")
    if not isinstance(transitivity, (int, float)) or not 0 < transitivity < 1:
        raise ValueError(f"transitivity must be a number in (0, 1), got {transitivity!r}")
    if not isinstance(tolerance, (int, float)) or not 0 < tolerance < 1:
        raise ValueError(f"tolerance must be a number in (0, 1), got {tolerance!r}")
    graph_seed = int(random_generator(seed).integers(2**31))

    def draw(p):
        graph = nx.relaxed_caveman_graph(n_cliques, mean_degree + 1, p, seed=graph_seed)
        return graph, nx.transitivity(graph)

    low, high = 0.0, 1.0
    best = (np.inf, None, None)
    for _ in range(40):
        p = (low + high) / 2
        graph, value = draw(p)
        if abs(value - transitivity) < best[0]:
            best = (abs(value - transitivity), graph, p)
        if best[0] <= tolerance / 4:
            break
        low, high = (p, high) if value > transitivity else (low, p)
    gap, graph, p = best
    if gap > tolerance:
        raise ValueError(
            f"no rewiring probability gives transitivity {transitivity} within {tolerance} "
            f"(closest {transitivity + gap:.3f} or {transitivity - gap:.3f}); raise n_nodes or tolerance"
        )
    return graph, p
