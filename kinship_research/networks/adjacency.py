"""Sparse adjacency matrices of networkx graphs, built without per-entry Python overhead."""

from __future__ import annotations

import networkx as nx
import numpy as np
import scipy.sparse as sp

__all__ = ["graph_adjacency"]


def graph_adjacency(graph: nx.Graph, symmetrise: bool = True) -> tuple[list, sp.csr_array]:
    """Return the node list and the 0/1 CSR adjacency (row i lists the successors of node i).

    Directed graphs are symmetrised (an edge in either direction links the pair) when
    ``symmetrise`` is true; otherwise distances follow edge directions (ego -> alter).
    Self-loops and edge multiplicities are ignored.
    """
    if not isinstance(graph, nx.Graph):
        raise ValueError(f"graph must be a networkx graph, got {type(graph).__name__}")
    nodes = list(graph.nodes())
    n = len(nodes)
    if n and nodes == list(range(n)):
        ends = np.fromiter((x for edge in graph.edges() for x in edge[:2]), dtype=np.int64,
                           count=2 * graph.number_of_edges())
    else:
        index = {node: i for i, node in enumerate(nodes)}
        ends = np.fromiter((index[x] for edge in graph.edges() for x in edge[:2]),
                           dtype=np.int64, count=2 * graph.number_of_edges())
    source, target = ends[0::2], ends[1::2]
    loops = source == target
    source, target = source[~loops], target[~loops]
    if not graph.is_directed():
        source, target = np.concatenate([source, target]), np.concatenate([target, source])
    adjacency = sp.csr_array((np.ones(len(source), dtype=np.float32), (source, target)),
                             shape=(n, n))
    if graph.is_directed() and symmetrise:
        adjacency = adjacency + adjacency.T
    adjacency = sp.csr_array(adjacency)
    adjacency.data = np.ones_like(adjacency.data, dtype=np.float32)
    adjacency.sort_indices()
    return nodes, adjacency
