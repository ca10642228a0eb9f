"""Sparse adjacency matrices of networkx graphs, built without per-entry Python overhead."""

from __future__ import annotations

import itertools

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
    items = list(graph.adjacency())  # (node, successors dict) in node order
    nodes = [node for node, _ in items]
    n = len(nodes)
    degree = np.fromiter((len(successors) for _, successors in items), dtype=np.int64,
                         count=n)
    targets = itertools.chain.from_iterable(successors for _, successors in items)
    if n and nodes != list(range(n)):
        targets = map({node: i for i, node in enumerate(nodes)}.__getitem__, targets)
    target = np.fromiter(targets, dtype=np.int64, count=int(degree.sum()))
    source = np.repeat(np.arange(n), degree)
    keep = source != target  # drop self-loops; rows are already in node order
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(source[keep], minlength=n), out=indptr[1:])
    adjacency = sp.csr_array((np.ones(int(keep.sum()), dtype=np.float32), target[keep], indptr),
                             shape=(n, n))
    if graph.is_directed() and symmetrise:
        adjacency = adjacency + adjacency.T
    adjacency = sp.csr_array(adjacency)
    adjacency.data = np.ones_like(adjacency.data, dtype=np.float32)
    adjacency.sort_indices()
    return nodes, adjacency
