"""Clustering of a binary trait by network distance, with an exact permutation null.

Christakis & Fowler (2007, NEJM 357:370) report, for each geodesic distance d, the probability
that an alter at distance d of an ego with the trait also has it, compared with the same
probability after randomly reshuffling the trait over the fixed network. This module computes
that statistic for every distance at once: one compiled breadth-first search per ego accumulates
the observed counts and the sums behind the exact permutation moments, and stores a shell only
where the permutation kernel needs it (on heavy-tailed graphs the distance-4 and -5 shells hold
most of the graph for every ego and are never stored).
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from statistics import NormalDist
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from kinship_research.methods.checks import check_level, check_positive_int, random_generator
from kinship_research.networks.adjacency import _kind, graph_adjacency

if TYPE_CHECKING:
    import scipy.sparse as sp

__all__ = ["distance_clustering", "distance_shells", "shell_permutation_moments", "trait_vector"]

METHODS = ("permutation", "moments", "auto")


def trait_vector(graph, trait, nodes: Sequence | None = None) -> np.ndarray:
    """Trait values aligned with ``nodes`` (default: graph order) as floats 0/1 with NaN missing.

    ``trait`` is a node-attribute name (networkx graphs), a mapping / pandas Series from node
    to 0/1 (bool, 0/1 numbers, NaN/None for missing), or a 1-D numpy array of one value per
    node in node order. Nodes absent from the mapping or lacking the attribute are missing; a
    mapping key that is not a node raises KeyError.
    """
    networkx_graph = _kind(graph) == "networkx"
    if nodes is None:
        nodes = list(graph.nodes()) if networkx_graph else graph_adjacency(graph)[0]
    nodes = list(nodes)
    if isinstance(trait, np.ndarray):
        if trait.shape != (len(nodes),):
            raise ValueError(f"a trait array needs one value per node ({len(nodes)}), got shape {trait.shape}")
        keys, raw = nodes, trait
    elif isinstance(trait, str):
        if not networkx_graph:
            raise ValueError(
                "a trait attribute name needs a networkx graph; for igraph or "
                "scipy input give an array or a mapping node -> 0/1"
            )
        import networkx as nx  # the graph is a networkx graph: already imported

        found = nx.get_node_attributes(graph, trait)
        if not found:
            raise KeyError(
                f"no node has the attribute {trait!r}; give an attribute name "
                "present on the nodes or a mapping node -> 0/1"
            )
        keys, raw = list(found.keys()), list(found.values())
    elif isinstance(trait, (Mapping, pd.Series)):
        keys = list(trait.keys())
        raw = [trait[key] for key in keys] if isinstance(trait, Mapping) else list(trait.array)
        known_nodes = set(nodes)
        unknown = [node for node in keys if node not in known_nodes]
        if unknown:
            raise KeyError(f"trait given for {len(unknown)} node(s) not in the graph, e.g. {unknown[:3]!r}")
    else:
        raise ValueError(
            "trait must be a node-attribute name, a mapping/Series node -> 0/1 or "
            f"a numpy array in node order, got {type(trait).__name__}"
        )
    try:  # fast path: numbers, bools and None/NaN
        numeric = np.asarray(raw, dtype=np.float64).reshape(len(raw))
        missing = np.isnan(numeric)
    except (TypeError, ValueError):
        series = pd.Series(raw, dtype=object)
        missing = series.isna().to_numpy()
        numeric = pd.to_numeric(series.where(~missing, np.nan), errors="coerce").to_numpy(float)
    bad = ~missing & ~np.isin(numeric, [0.0, 1.0])
    if bad.any():
        shown = list(dict.fromkeys(raw[i] for i in np.flatnonzero(bad)[:5]))
        raise ValueError(f"trait values must be 0/1 (or True/False) with NaN for missing; got {shown!r}")
    if keys == nodes:
        return numeric
    position = {node: i for i, node in enumerate(nodes)}
    out = np.full(len(nodes), np.nan)
    for node, value in zip(keys, numeric):
        if node in position:
            out[position[node]] = value
    return out


def distance_shells(adjacency: sp.csr_array, egos: np.ndarray, max_distance: int) -> list[sp.csr_array]:
    """Distance shells by breadth-first search from each ego (compiled, egos in parallel).

    Returns ``[S_1, ..., S_D]`` where ``S_d`` is a 0/1 CSR array (len(egos) x n) whose row r
    marks the nodes at geodesic distance exactly d from ``egos[r]`` (sorted column indices).
    Two passes: the first counts the shell sizes, the second writes the shells into arrays
    of exactly that size, so memory is the shells plus O(n) per thread. Each search costs
    O(edges within distance D of the ego).
    """
    import numba

    from kinship_research.networks._kernels import bfs_shell_sizes

    n = adjacency.shape[0]
    egos = np.asarray(egos, dtype=np.int64)
    indptr, indices = adjacency.indptr.astype(np.int64), adjacency.indices.astype(np.int64)
    symmetric = _is_symmetric(adjacency)
    sizes = bfs_shell_sizes(indptr, indices, egos, int(max_distance), symmetric, numba.get_num_threads())
    shells = _fill_shells(indptr, indices, symmetric, egos, sizes, np.arange(n), range(max_distance), n)
    return [shells[d] for d in range(max_distance)]


def _is_symmetric(adjacency: sp.csr_array) -> bool:
    """Whether every edge i -> j has its reverse (then distances are symmetric and the
    breadth-first searches may run bottom-up)."""
    return (adjacency != adjacency.T).nnz == 0


def _fill_shells(
    indptr, indices, symmetric: bool, egos, sizes, column_of, distances, width: int
) -> dict[int, sp.csr_array]:
    """The shells at the 0-based ``distances`` as 0/1 CSR arrays (len(egos) x ``width``), by a
    second breadth-first search that writes node ``v`` to column ``column_of[v]`` (-1: left
    out; increasing in v) into arrays of the ``sizes[d, e]`` counted by the first."""
    import numba
    import scipy.sparse as sp

    from kinship_research.networks._kernels import bfs_shell_fill

    distances = sorted(distances)
    if not distances:
        return {}
    keep = np.zeros(sizes.shape[0], dtype=np.bool_)
    keep[distances] = True
    sizes = np.where(keep[:, None], sizes, 0)
    offsets = np.zeros(sizes.size + 1, dtype=np.int64)
    np.cumsum(sizes.ravel(), out=offsets[1:])
    out = np.empty(int(offsets[-1]), dtype=np.int32 if width < 2**31 else np.int64)
    depth = distances[-1] + 1
    starts = offsets[:-1].reshape(sizes.shape)[:depth]
    bfs_shell_fill(indptr, indices, egos, depth, symmetric, starts, out, column_of, keep, numba.get_num_threads())
    ones = np.ones(int(sizes.sum(axis=1).max(initial=0)), dtype=np.float32)  # shared, read-only
    ones.flags.writeable = False
    n_egos, shells = len(egos), {}
    for d in distances:
        first, last = offsets[d * n_egos], offsets[(d + 1) * n_egos]
        shell_indptr = offsets[d * n_egos : (d + 1) * n_egos + 1] - first
        pointer_type = np.int32 if last - first < 2**31 else np.int64
        shells[d] = sp.csr_array(
            (
                ones[: int(last - first)],
                out[first:last].astype(pointer_type, copy=False),
                shell_indptr.astype(pointer_type),
            ),
            shape=(n_egos, width),
        )
    return shells


def _kept_shells(kept, count, alters, distances, width: int) -> dict[int, sp.csr_array]:
    """CSR shells (egos x ``width``) at the 0-based ``distances`` from the columns the search
    kept: chunk c holds, in order, the shells of egos c, c + n_chunks, ... (column order within
    a shell is the search's, which no statistic depends on)."""
    import scipy.sparse as sp

    n_chunks, n_egos = kept.shape[0], alters.shape[1]
    order = np.concatenate([np.arange(c, n_egos, n_chunks) for c in range(n_chunks)])
    inverse = np.empty(n_egos, dtype=np.int64)
    inverse[order] = np.arange(n_egos)
    shells = {}
    for d in distances:
        columns = np.concatenate([kept[c, d, : count[c, d]] for c in range(n_chunks)])
        indptr = np.concatenate([[0], np.cumsum(alters[d][order])])
        in_search_order = sp.csr_array(
            (np.ones(len(columns), dtype=np.float32), columns, indptr), shape=(n_egos, width)
        )
        shells[d] = in_search_order[inverse]
    return shells


def _select_columns(matrix: sp.csr_array, new_column: np.ndarray, width: int, chunk: int = 2**23) -> sp.csr_array:
    """Keep the columns j with ``new_column[j] >= 0``, renumbered to ``new_column[j]``.

    Works through the stored entries ``chunk`` at a time so that temporaries stay small.
    """
    import scipy.sparse as sp

    indptr = matrix.indptr
    counts = np.zeros(len(indptr), dtype=np.int64)
    data, indices = [], []
    for start in range(0, matrix.nnz, chunk):
        mapped = new_column[matrix.indices[start : start + chunk]]
        keep = mapped >= 0
        data.append(matrix.data[start : start + chunk][keep])
        indices.append(mapped[keep].astype(np.int32))
        # kept entries before each row start that falls in this chunk
        counts[1:] += np.searchsorted(np.flatnonzero(keep) + start, indptr[1:], side="left")
    kept_indptr = counts
    kept_indptr[0] = 0
    return sp.csr_array(
        (
            np.concatenate(data) if data else np.zeros(0, np.float32),
            np.concatenate(indices) if indices else np.zeros(0, np.int32),
            kept_indptr,
        ),
        shape=(matrix.shape[0], width),
    )


def _choose_egos(egos, known: np.ndarray, nodes: list, rng) -> np.ndarray:
    """Indices of the egos: all nodes with a known trait, a seeded sample, or a given list."""
    known_index = np.flatnonzero(known)
    if egos is None:
        return known_index
    if isinstance(egos, (bool, np.bool_)):
        raise ValueError("egos must be None, a positive int or a list of nodes, not a bool")
    if isinstance(egos, (int, np.integer)):
        if not 0 < egos <= len(known_index):
            raise ValueError(
                f"egos={egos} must be between 1 and the number of nodes with a known trait ({len(known_index)})"
            )
        return np.sort(rng.choice(known_index, size=int(egos), replace=False))
    if isinstance(egos, (str, bytes)) or not isinstance(egos, Iterable):
        raise TypeError(f"egos must be None, a positive int or a list of nodes, got {type(egos).__name__} {egos!r:.80}")
    listed = list(egos)
    unhashable = [node for node in listed if not isinstance(node, Hashable)]
    if unhashable:
        raise TypeError(f"egos must list nodes (hashable values), got {unhashable[:3]!r:.80}")
    position = {node: i for i, node in enumerate(nodes)}
    missing = [node for node in listed if node not in position]
    if missing:
        raise KeyError(f"egos not in the graph: {missing[:3]!r}")
    index = np.array([position[node] for node in listed], dtype=np.int64)
    if len(np.unique(index)) != len(index):
        raise ValueError("egos must not repeat a node")
    if len(index) == 0:
        raise ValueError("egos is empty; give None (all nodes), a positive int or nodes")
    return index[known[index]]


def _permutation_null(
    shells: dict[int, sp.csr_array],
    permuted: list[int],
    shell_alters: np.ndarray,
    ego_known: np.ndarray,
    n_known: int,
    n_ones: int,
    n_permutations: int,
    rng,
) -> dict[int, np.ndarray]:
    """Null draws of the shell statistic at the distances ``permuted``, by the compiled kernel.

    Columns are compressed to the set U of known nodes that appear in a permuted shell or as
    an ego: a uniform reshuffle of the known trait restricted to U has a hypergeometric
    (K, N - K, |U|) number of carriers on a uniform subset of U, which the kernel draws per
    permutation (exact, seeded from ``rng``) and evaluates by gathering over each ego's shell,
    32 permutations per pass, without forming the permuted trait matrix. ``shell_alters[d, e]``
    is the number of known alters of ego e at distance d + 1. Memory is O(nnz of the permuted
    shells + |U| per thread).
    """
    import numba

    from kinship_research.networks._kernels import shell_permutation_counts

    if not permuted:
        return {}
    in_use = np.zeros(n_known, dtype=bool)
    for d in permuted:
        in_use[shells[d].indices] = True
    in_use[ego_known] = True
    used = np.flatnonzero(in_use)
    compress = np.full(n_known, -1, dtype=np.int64)
    compress[used] = np.arange(len(used))
    n_egos = len(ego_known)
    indptr = np.empty((len(permuted), n_egos + 1), dtype=np.int64)
    indices, offset = [], 0
    for row, d in enumerate(permuted):
        indptr[row] = shells[d].indptr.astype(np.int64) + offset
        indices.append(compress[shells[d].indices].astype(np.int32))
        offset += shells[d].nnz
    indices = np.concatenate(indices)
    alters = np.ascontiguousarray(shell_alters[permuted], dtype=np.int64).reshape(len(permuted), n_egos)
    carriers = rng.hypergeometric(n_ones, n_known - n_ones, len(used), size=n_permutations)
    seeds = rng.integers(0, 2**63, size=n_permutations, dtype=np.int64)
    num, den = shell_permutation_counts(
        indptr,
        indices,
        compress[ego_known],
        alters,
        carriers.astype(np.int64),
        seeds,
        len(used),
        numba.get_num_threads(),
    )
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = num / den
    return {d: ratio[row] for row, d in enumerate(permuted)}


def shell_permutation_moments(weights: sp.csr_array, ego_columns: np.ndarray, n_ones: int) -> dict[str, float]:
    """Exact permutation moments of Q = sum_ij W_ij y_i y_j and D = sum_i y_i r_i.

    ``weights`` is the 0/1 matrix W (egos x N known nodes) of one distance shell, row r
    belonging to the node in column ``ego_columns[r]``; y is a uniform reshuffle of a 0/1
    vector with K = ``n_ones`` ones over the N columns, r the row sums, c the column sums.
    With p_m = [K]_m / [N]_m (falling factorials; probability that m given places all hold
    carriers) and the Mantel/Moran sums S0 = sum W, S1 = 1/2 sum (W_ij + W_ji)^2,
    S2 = sum_i (r_i + c_i)^2 (Cliff & Ord 1981, ch. 2):

    E Q = p2 S0,  E Q^2 = p2 S1 + p3 (S2 - 2 S1) + p4 (S0^2 - S2 + S1),
    E D = p1 S0,  Var D = p1 (1 - p1) sum r^2 + (p2 - p1^2)(S0^2 - sum r^2),
    E QD = p2 A + p3 (S0^2 - A),  A = sum_ij W_ij (r_i + r_j).

    Returns a dict with mean_q, var_q, mean_d, var_d, cov_qd. W must have zero diagonal
    (an ego is never its own alter), which holds for shells at distance >= 1.
    """
    n_known = weights.shape[1]
    r = np.asarray(weights.sum(axis=1)).ravel().astype(np.float64)
    c = np.asarray(weights.sum(axis=0)).ravel().astype(np.float64)
    ego_position = np.full(n_known, -1, dtype=np.int64)
    ego_position[ego_columns] = np.arange(len(ego_columns))
    among_egos = _select_columns(weights, ego_position, len(ego_columns))
    s1 = float(weights.sum()) + float(among_egos.multiply(among_egos.T).sum())
    return _moments_from_sums(n_known, n_ones, r, ego_columns, c, s1)


def _moments_from_sums(n_known: int, n_ones: int, r, ego_columns, c, s1: float) -> dict[str, float]:
    """:func:`shell_permutation_moments` from the row sums ``r`` (egos, in the columns
    ``ego_columns``), the column sums ``c`` (n_known) and S1, which the breadth-first search
    accumulates without storing the shell."""
    N, K = float(n_known), float(n_ones)
    p = [1.0]
    for m in range(1, 5):
        p.append(p[-1] * max(K - m + 1, 0.0) / max(N - m + 1, 1.0))
    r, c = np.asarray(r, dtype=np.float64), np.asarray(c, dtype=np.float64)
    s0 = float(r.sum())
    r_full = np.zeros(n_known)
    np.add.at(r_full, ego_columns, r)
    s2 = float(np.sum((r_full + c) ** 2))
    sum_r2 = float(np.sum(r * r))
    a = sum_r2 + float(np.dot(c, r_full))
    mean_q, mean_d = p[2] * s0, p[1] * s0
    return {
        "mean_q": mean_q,
        "var_q": p[2] * s1 + p[3] * (s2 - 2 * s1) + p[4] * (s0 * s0 - s2 + s1) - mean_q**2,
        "mean_d": mean_d,
        "var_d": p[1] * (1 - p[1]) * sum_r2 + (p[2] - p[1] ** 2) * (s0 * s0 - sum_r2),
        "cov_qd": p[2] * a + p[3] * (s0 * s0 - a) - mean_q * mean_d,
    }


def _ratio_moments(m: dict[str, float], observed: float) -> tuple[float, float, float]:
    """Null mean and s.d. of R = Q/D by the second-order delta method, and normal p-value,
    from the exact moments ``m`` of :func:`shell_permutation_moments`.

    E R ~ EQ/ED - Cov(Q,D)/ED^2 + EQ Var D/ED^3;
    Var R ~ (EQ/ED)^2 (Var Q/EQ^2 - 2 Cov(Q,D)/(EQ ED) + Var D/ED^2).
    """
    eq, ed = m["mean_q"], m["mean_d"]
    if not ed > 0:
        return np.nan, np.nan, np.nan
    mean = eq / ed - m["cov_qd"] / ed**2 + eq * m["var_d"] / ed**3
    var = (eq / ed) ** 2 * (m["var_q"] / eq**2 - 2 * m["cov_qd"] / (eq * ed) + m["var_d"] / ed**2)
    sd = float(np.sqrt(max(var, 0.0)))
    p_value = NormalDist().cdf((mean - observed) / sd) if sd > 0 else np.nan
    return float(mean), sd, p_value


def distance_clustering(
    graph,
    trait,
    *,
    max_distance: int = 6,
    n_permutations: int = 1000,
    egos=None,
    seed=None,
    symmetrise: bool = True,
    method: str = "auto",
    level: float = 0.95,
    max_permutation_work: float = 2e10,
) -> pd.DataFrame:
    """Probability that an alter at distance d of a trait carrier carries the trait, vs a null.

    For each distance d = 1..max_distance, with E the egos and S_d(e) the nodes at geodesic
    distance d from e whose trait is known,

        observed_d = sum_{e in E, x_e = 1} sum_{j in S_d(e)} x_j / sum_{e in E, x_e = 1} |S_d(e)|,

    i.e. P(alter has trait | ego has trait, distance d) over n_pairs (carrier ego, known
    alter) pairs. The null shuffles the trait over the nodes with a known trait (ego and alter
    values together), keeping topology and prevalence; ``excess_pct`` = 100 (observed /
    null_mean - 1) is Christakis & Fowler's "% increase in the probability".

    Parameters
    ----------
    graph : networkx graph, igraph Graph or square scipy sparse adjacency matrix (nodes
        0..n-1); directed graphs are symmetrised unless ``symmetrise=False``, in which case
        distances follow edge directions from the ego.
    trait : node-attribute name (networkx), mapping/Series node -> 0/1, or an array of n
        values in node order; NaN/None/absent = missing, which excludes the node as ego and
        alter (it still carries paths).
    max_distance : largest distance (>= 1).
    n_permutations : number of reshuffles B (>= 1).
    egos : None (every node with a known trait), an int (that many egos sampled with
        ``seed``), or a list of nodes.
    seed : seed for numpy.random.default_rng (ego sample and permutations).
    method : "permutation" (B explicit reshuffles, each evaluated by a compiled kernel that
        sums the reshuffled trait over every carrier ego's shell, in parallel), "moments"
        (exact permutation moments of numerator and denominator, delta method
        for the ratio, normal interval and p-value), or "auto" (permutation
        unless nnz(S_d) * B exceeds ``max_permutation_work`` at that distance, as happens on
        heavy-tailed graphs whose shells cover most nodes); the ``method`` column says which.
    level : coverage of the null interval.

    Returns
    -------
    DataFrame, one row per distance: distance, n_egos (carrier egos), n_pairs, observed,
    null_mean, null_sd, null_low, null_high (``level`` null interval: permutation quantiles or
    mean +- z sd), excess_pct, p_value (one-sided; permutation: (1 + #{null >= observed}) /
    (1 + B)), method, n_permutations, and on every row the sample: n_nodes, n_known (nodes with a
    known trait), n_egos_sampled, prevalence (share of carriers among the known).

    References
    ----------
    Christakis NA, Fowler JH (2007) N Engl J Med 357:370-379 (distance analysis).
    Mantel N (1967) Cancer Res 27:209-220; Cliff AD, Ord JK (1981) Spatial Processes (moments).
    """
    max_distance = check_positive_int("max_distance", max_distance)
    n_permutations = check_positive_int("n_permutations", n_permutations)
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}")
    level = check_level(level)
    tail = (1 - level) / 2
    z = NormalDist().inv_cdf(1 - tail)
    nodes, adjacency = graph_adjacency(graph, symmetrise=symmetrise)
    n = len(nodes)
    if n < 2:
        raise ValueError("graph must have at least two nodes")
    x = trait_vector(graph, trait, nodes)
    known = ~np.isnan(x)
    n_known, n_ones = int(known.sum()), int(np.nansum(x))
    if n_ones == 0 or n_ones == n_known:
        raise ValueError(
            f"trait is constant over the {n_known} nodes with known values "
            f"({n_ones} carriers); it needs carriers and non-carriers"
        )
    rng = random_generator(seed)
    ego_index = _choose_egos(egos, known, nodes, rng)
    if len(ego_index) == 0:
        raise ValueError("none of the given egos has a known trait")

    import numba

    from kinship_research.networks._kernels import bfs_shell_sums

    # Work in the space of known nodes: column j of a shell = j-th known node. One breadth-first
    # search per ego yields, per distance, every sum the observed values and the exact moments
    # need; shells are stored only where the permutation kernel (or a directed graph) needs them.
    known_position = np.full(n, -1, dtype=np.int64)
    known_position[known] = np.arange(n_known)
    ego_known = known_position[ego_index]
    ego_of = np.full(n_known, -1, dtype=np.int64)
    ego_of[ego_known] = np.arange(len(ego_index))
    x_known = x[known]
    x_ego = x_known[ego_known].astype(np.int64)
    indptr, indices = adjacency.indptr.astype(np.int64), adjacency.indices.astype(np.int64)
    # symmetric distances (always when symmetrised): S1 from the sums, bottom-up searches
    symmetric = symmetrise or _is_symmetric(adjacency)
    # shells the kernel may take (at most max_permutation_work / B columns at a distance) are kept
    # by the search, per chunk of egos up to twice an even share, the whole buffer below 2^28 entries
    threads = numba.get_num_threads()
    n_chunks = max(1, min(threads, len(ego_index)))
    store = np.full(max_distance, method != "moments" or not symmetric)
    limit = max_permutation_work / n_permutations
    cap = int(min(2 * limit / n_chunks + 1, 2**28 // (max_distance * n_chunks)))
    alters, carriers, ego_alters, columns, kept, kept_count, full = bfs_shell_sums(
        indptr,
        indices,
        ego_index.astype(np.int64),
        max_distance,
        symmetric,
        known_position,
        x_known.astype(np.int64),
        ego_of,
        n_known,
        store,
        cap,
        threads,
    )
    sizes = alters.sum(axis=1)
    chosen = []
    for size in sizes:
        heavy = float(size) * n_permutations > max_permutation_work
        chosen.append("moments" if method == "moments" or (method == "auto" and heavy) else "permutation")
    permuted = [d for d, m in enumerate(chosen) if m == "permutation"]
    stored = range(max_distance) if not symmetric else permuted
    shells = _kept_shells(kept, kept_count, alters, [d for d in stored if not full[:, d].any()], n_known)
    del kept
    missed = [d for d in stored if full[:, d].any()]  # too large to keep: a second search
    shells |= _fill_shells(
        indptr, indices, symmetric, ego_index.astype(np.int64), alters, known_position, missed, n_known
    )
    null = _permutation_null(shells, permuted, alters, ego_known, n_known, n_ones, n_permutations, rng)

    rows = []
    for d in range(max_distance):
        n_pairs = int(x_ego @ alters[d])
        observed = int(x_ego @ carriers[d]) / n_pairs if n_pairs > 0 else np.nan
        if chosen[d] == "permutation":
            draws = null[d]
            finite = draws[np.isfinite(draws)]
            if len(finite) and np.isfinite(observed):
                mean = float(finite.mean())
                sd = float(finite.std(ddof=1)) if len(finite) > 1 else np.nan
                low, high = np.quantile(finite, [tail, 1 - tail])
                p_value = (1 + int(np.sum(finite >= observed - 1e-12))) / (1 + len(finite))
            else:
                mean = sd = low = high = p_value = np.nan
        else:
            if symmetric:
                s1 = float(sizes[d] + ego_alters[d].sum())
                moments = _moments_from_sums(n_known, n_ones, alters[d], ego_known, columns[d], s1)
            else:
                moments = shell_permutation_moments(shells[d], ego_known, n_ones)
            mean, sd, p_value = _ratio_moments(moments, observed)
            low, high = mean - z * sd, mean + z * sd
        rows.append(
            {
                "distance": d + 1,
                "n_egos": int(x_ego.sum()),
                "n_pairs": n_pairs,
                "observed": observed,
                "null_mean": mean,
                "null_sd": sd,
                "null_low": float(low),
                "null_high": float(high),
                "excess_pct": 100 * (observed / mean - 1) if mean and np.isfinite(mean) else np.nan,
                "p_value": p_value,
                "method": chosen[d],
                "n_permutations": n_permutations if chosen[d] == "permutation" else 0,
            }
        )
    return pd.DataFrame(rows).assign(
        n_nodes=n, n_known=n_known, n_egos_sampled=len(ego_index), prevalence=n_ones / n_known
    )
