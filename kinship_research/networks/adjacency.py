"""One conversion of a graph (networkx, scipy sparse or igraph) to a 0/1 CSR adjacency.

Built from the graph's edge arrays (no per-node Python loop over neighbours): networkx
adjacency dicts are read with ``np.fromiter`` over their keys, igraph edge lists and scipy
matrices are used as arrays directly.
"""

from __future__ import annotations

import itertools
import sys
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import scipy.sparse as sp

__all__ = ["graph_adjacency"]


def _kind(graph) -> str | None:
    sparse = sys.modules.get("scipy.sparse")  # a scipy matrix means scipy.sparse is loaded
    if sparse is not None and sparse.issparse(graph):
        return "scipy"
    if hasattr(graph, "get_edgelist") and hasattr(graph, "vcount"):
        return "igraph"
    if hasattr(graph, "_adj") and hasattr(graph, "is_directed"):
        return "networkx"
    return None


def _networkx_edges(graph) -> tuple[list, np.ndarray, np.ndarray]:
    adjacency = graph._adj  # node -> {successor: data}, in node order
    nodes = list(adjacency)
    n = len(nodes)
    degree = np.fromiter(map(len, adjacency.values()), dtype=np.int64, count=n)
    targets = itertools.chain.from_iterable(adjacency.values())
    if n and nodes != list(range(n)):
        targets = map({node: i for i, node in enumerate(nodes)}.__getitem__, targets)
    target = np.fromiter(targets, dtype=np.int64, count=int(degree.sum()))
    return nodes, np.repeat(np.arange(n, dtype=np.int64), degree), target


def graph_adjacency(graph, *, symmetrise: bool = True) -> tuple[list, sp.csr_array]:
    """Return the node list and the 0/1 CSR adjacency (row i lists the successors of node i).

    ``graph`` is a networkx graph (nodes in graph order), an igraph ``Graph`` (nodes are the
    vertex ids 0..n-1) or a square scipy sparse matrix (nodes 0..n-1; a stored non-zero
    A[i, j] is an edge i -> j). Directed graphs and matrices are symmetrised (an edge in
    either direction links the pair) when ``symmetrise`` is true; otherwise distances follow
    edge directions (ego -> alter). Self-loops, weights and edge multiplicities are ignored.
    """
    import scipy.sparse as sp

    kind = _kind(graph)
    if kind == "networkx":
        nodes, source, target = _networkx_edges(graph)
        directed = graph.is_directed()
    elif kind == "igraph":
        n = graph.vcount()
        nodes = list(range(n))
        edges = np.asarray(graph.get_edgelist(), dtype=np.int64).reshape(-1, 2)
        source, target = edges[:, 0], edges[:, 1]
        directed = graph.is_directed()
        if not directed:
            source, target = np.concatenate([source, target]), np.concatenate([target, source])
    elif kind == "scipy":
        if graph.ndim != 2 or graph.shape[0] != graph.shape[1]:
            raise ValueError(f"a sparse adjacency matrix must be square, got shape {graph.shape}")
        coo = sp.coo_array(graph)
        keep = coo.data != 0
        nodes = list(range(graph.shape[0]))
        source, target = coo.row[keep].astype(np.int64), coo.col[keep].astype(np.int64)
        directed = True  # a symmetric matrix is unchanged by symmetrising
    else:
        raise TypeError(
            "graph must be a networkx graph, an igraph Graph or a square scipy "
            f"sparse matrix, got {type(graph).__name__}"
        )
    n = len(nodes)
    keep = source != target  # drop self-loops
    source, target = source[keep], target[keep]
    if directed and symmetrise:
        source, target = np.concatenate([source, target]), np.concatenate([target, source])
    adjacency = sp.csr_array((np.ones(len(source), dtype=np.float32), (source, target)), shape=(n, n))
    adjacency.sum_duplicates()
    adjacency.data = np.ones(adjacency.nnz, dtype=np.float32)
    adjacency.sort_indices()
    return nodes, adjacency
