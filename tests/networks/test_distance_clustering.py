"""distance_clustering against a plain networkx BFS, calibration, power, exact moments."""

import itertools

import networkx as nx
import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from kinship_research.networks.adjacency import graph_adjacency
from kinship_research.networks.distance_clustering import (
    distance_clustering,
    distance_shells,
    shell_permutation_moments,
)


def reference_observed(graph, trait, max_distance, egos=None, symmetrise=True):
    """Per-ego networkx BFS: P(alter has trait | carrier ego) and n_pairs by distance."""
    walk = graph.to_undirected() if graph.is_directed() and symmetrise else graph
    egos = [v for v in graph if not np.isnan(trait.get(v, np.nan))] if egos is None else egos
    hits = np.zeros(max_distance + 1)
    pairs = np.zeros(max_distance + 1)
    for ego in egos:
        if trait.get(ego, np.nan) != 1:
            continue
        lengths = nx.single_source_shortest_path_length(walk, ego, cutoff=max_distance)
        for alter, d in lengths.items():
            value = trait.get(alter, np.nan)
            if d == 0 or np.isnan(value):
                continue
            pairs[d] += 1
            hits[d] += value
    with np.errstate(invalid="ignore"):
        return hits[1:] / pairs[1:], pairs[1:].astype(int)


def random_trait(graph, prevalence, missing, seed):
    rng = np.random.default_rng(seed)
    trait = {}
    for v in graph:
        u = rng.random()
        trait[v] = np.nan if u < missing else float(rng.random() < prevalence)
    return trait


@pytest.mark.parametrize("kind", ["undirected", "directed_symmetrised", "directed", "disconnected"])
def test_observed_and_pairs_match_networkx_bfs(kind):
    if kind == "undirected":
        graph = nx.connected_watts_strogatz_graph(120, 4, 0.1, seed=1)
    elif kind == "disconnected":
        graph = nx.disjoint_union(nx.path_graph(15), nx.gnp_random_graph(60, 0.06, seed=2))
    else:
        graph = nx.gnp_random_graph(80, 0.04, seed=3, directed=True)
    symmetrise = kind != "directed"
    trait = random_trait(graph, 0.4, 0.15, seed=4)
    table = distance_clustering(graph, trait, max_distance=7, n_permutations=20, seed=0, symmetrise=symmetrise)
    expected, pairs = reference_observed(graph, trait, 7, symmetrise=symmetrise)
    np.testing.assert_array_equal(table["n_pairs"].to_numpy(), pairs)
    np.testing.assert_allclose(table["observed"].to_numpy(), expected, rtol=1e-12)
    assert table["n_egos"].iloc[0] == sum(1 for v in trait.values() if v == 1)
    if kind == "directed":  # following directions gives different shells than symmetrising
        sym = distance_clustering(graph, trait, max_distance=7, n_permutations=20, seed=0)
        assert not np.array_equal(sym["n_pairs"].to_numpy(), pairs)


def test_explicit_egos_attribute_trait_and_empty_distances():
    graph = nx.disjoint_union(nx.path_graph(4), nx.path_graph(4))
    nx.set_node_attributes(graph, {v: int(v in (0, 1, 2, 5)) for v in graph}, "smokes")
    graph.nodes[7]["smokes"] = None  # missing: excluded, not absent
    trait = {v: graph.nodes[v]["smokes"] for v in graph}
    trait[7] = np.nan
    egos = [0, 5, 6]
    table = distance_clustering(graph, "smokes", max_distance=5, n_permutations=10, egos=egos, seed=1)
    expected, pairs = reference_observed(graph, trait, 5, egos=egos)
    np.testing.assert_array_equal(table["n_pairs"].to_numpy(), pairs)
    np.testing.assert_allclose(table["observed"].to_numpy(), expected)
    # distances 4 and 5 do not exist in paths of 4 nodes
    assert table.loc[table["distance"] >= 4, "n_pairs"].eq(0).all()
    assert table.loc[table["distance"] >= 4, "observed"].isna().all()


@pytest.mark.parametrize(
    "graph",
    [
        nx.MultiGraph([(0, 1), (0, 1), (1, 1), (2, 3)]),
        nx.DiGraph([("a", "b"), ("b", "a"), ("b", "c")]),
        nx.grid_2d_graph(3, 3),
    ],
)
def test_adjacency_matches_networkx(graph):
    for symmetrise in (True, False):
        nodes, adjacency = graph_adjacency(graph, symmetrise=symmetrise)
        walk = graph.to_undirected() if symmetrise else graph
        expected = nx.to_scipy_sparse_array(
            nx.Graph(walk) if not walk.is_directed() else nx.DiGraph(walk), nodelist=nodes, weight=None
        )
        expected.setdiag(0)
        np.testing.assert_array_equal(adjacency.toarray(), (expected.toarray() > 0) * 1.0)


@pytest.mark.parametrize("egos", [[0, 17, 299], list(range(0, 300, 3))])
def test_shells_match_bfs_layers(egos):
    """Compiled BFS shells equal networkx BFS layers, for few egos and for many on a hub graph."""
    graph = nx.barabasi_albert_graph(300, 2, seed=5)
    nodes, adjacency = graph_adjacency(graph)
    egos = np.array(egos)
    shells = distance_shells(adjacency, egos, 4)
    for row, ego in enumerate(egos):
        lengths = nx.single_source_shortest_path_length(graph, nodes[ego], cutoff=4)
        for d, shell in enumerate(shells, start=1):
            got = {nodes[j] for j in shell[[row], :].indices}
            assert got == {v for v, length in lengths.items() if length == d}


def test_bottom_up_search_gives_the_same_shells():
    """Direction-optimising search (bottom-up levels on a hub graph) equals the plain top-down one."""
    from kinship_research.networks._kernels import bfs_shell_sizes

    graph = nx.barabasi_albert_graph(3000, 3, seed=4)
    _, adjacency = graph_adjacency(graph)
    egos = np.arange(0, 3000, 29, dtype=np.int64)
    indptr, indices = adjacency.indptr.astype(np.int64), adjacency.indices.astype(np.int64)
    top_down = bfs_shell_sizes(indptr, indices, egos, 6, False, 2)
    np.testing.assert_array_equal(bfs_shell_sizes(indptr, indices, egos, 6, True, 2), top_down)
    assert top_down[3].mean() > 3000 / 14  # the large levels that switch the search to bottom-up
    shells = distance_shells(adjacency, egos, 6)
    np.testing.assert_array_equal([np.diff(s.indptr) for s in shells], top_down)
    for row in (0, 50):
        lengths = nx.single_source_shortest_path_length(graph, int(egos[row]), cutoff=6)
        for d, shell in enumerate(shells, start=1):
            assert set(shell[[row], :].indices) == {v for v, length in lengths.items() if length == d}


@pytest.mark.parametrize("directed", [False, True])
def test_moments_from_search_sums_equal_moments_of_stored_shells(directed):
    """The moments rows (sums accumulated during the search, or stored shells when distances are
    not symmetric) equal shell_permutation_moments on the shells restricted to known nodes."""
    from kinship_research.networks.distance_clustering import _ratio_moments, _select_columns

    graph = nx.gnp_random_graph(400, 0.02, seed=6, directed=directed)
    trait = random_trait(graph, 0.3, 0.2, seed=7)
    table = distance_clustering(
        graph, trait, max_distance=4, n_permutations=10, egos=150, seed=8, method="moments", symmetrise=False
    )
    nodes, adjacency = graph_adjacency(graph, symmetrise=False)
    x = np.array([trait[v] for v in nodes])
    known = ~np.isnan(x)
    position = np.full(len(nodes), -1)
    position[known] = np.arange(known.sum())
    egos = np.sort(np.random.default_rng(8).choice(np.flatnonzero(known), size=150, replace=False))
    x_ego = x[egos]
    for d, shell in enumerate(distance_shells(adjacency, egos, 4)):
        weights = _select_columns(shell, position, int(known.sum()))
        pairs = x_ego @ weights.sum(axis=1)
        observed = float(x_ego @ (weights @ x[known])) / pairs
        moments = shell_permutation_moments(weights, position[egos], int(np.nansum(x)))
        mean, sd, p_value = _ratio_moments(moments, observed)
        row = table.iloc[d]
        assert row["n_pairs"] == pairs and row["observed"] == pytest.approx(observed, rel=1e-12)
        assert (row["null_mean"], row["null_sd"], row["p_value"]) == pytest.approx((mean, sd, p_value), rel=1e-9)


def test_shells_too_large_to_keep_are_found_by_a_second_search():
    """method='permutation' with a small budget: the search keeps no shell (a second search finds
    them); the table equals the one from kept shells, column by column."""
    graph = nx.connected_watts_strogatz_graph(500, 6, 0.1, seed=2)
    trait = random_trait(graph, 0.3, 0.1, seed=3)
    kwargs = {"max_distance": 4, "n_permutations": 64, "seed": 5, "method": "permutation"}
    kept = distance_clustering(graph, trait, **kwargs)
    searched = distance_clustering(graph, trait, max_permutation_work=64.0, **kwargs)
    pd.testing.assert_frame_equal(kept, searched)


def test_sampled_egos_are_seeded_and_counted():
    graph = nx.connected_watts_strogatz_graph(400, 6, 0.05, seed=0)
    trait = random_trait(graph, 0.3, 0.0, seed=1)
    first = distance_clustering(graph, trait, max_distance=3, n_permutations=50, egos=100, seed=7)
    second = distance_clustering(graph, trait, max_distance=3, n_permutations=50, egos=100, seed=7)
    assert first.equals(second)
    assert (first["n_egos_sampled"] == 100).all()
    assert first["n_egos"].iloc[0] < 100


def test_calibration_under_random_traits():
    """Random traits on a fixed graph: P(p <= 0.05) is 0.05 within binomial MC error."""
    graph = nx.gnp_random_graph(300, 6 / 299, seed=11)
    replications, level = 300, 0.05
    rng = np.random.default_rng(12)
    p_values = []
    for _ in range(replications):
        trait = {v: float(u < 0.3) for v, u in zip(graph, rng.random(graph.number_of_nodes()))}
        table = distance_clustering(
            graph, trait, max_distance=3, n_permutations=99, seed=int(rng.integers(2**31)), method="permutation"
        )
        p_values.append(table["p_value"].to_numpy())
    p_values = np.array(p_values)
    tolerance = 3 * np.sqrt(level * (1 - level) / replications)
    rate1 = np.mean(p_values[:, 0] <= level)
    assert abs(rate1 - level) <= tolerance, rate1
    for rate in np.mean(p_values[:, 1:] <= level, axis=0):
        assert rate <= level + tolerance, rate


def test_planted_communities_are_detected():
    graph = nx.planted_partition_graph(4, 40, 0.25, 0.01, seed=3)
    trait = {v: float(v < 80) for v in graph}  # two of four communities carry the trait
    table = distance_clustering(graph, trait, max_distance=3, n_permutations=199, seed=0)
    first = table.iloc[0]
    assert first["p_value"] == pytest.approx(1 / 200)
    assert first["observed"] > first["null_high"]
    assert first["excess_pct"] > 50


def test_exact_moments_against_enumeration():
    rng = np.random.default_rng(0)
    n_known, ego_columns, n_ones = 7, np.array([0, 2, 3, 6]), 3
    dense = (rng.random((len(ego_columns), n_known)) < 0.5).astype(float)
    dense[np.arange(len(ego_columns)), ego_columns] = 0
    weights = sp.csr_array(dense)
    r = dense.sum(axis=1)
    qs, ds = [], []
    for ones in itertools.combinations(range(n_known), n_ones):  # equally likely arrangements
        y = np.zeros(n_known)
        y[list(ones)] = 1
        qs.append(y[ego_columns] @ dense @ y)
        ds.append(y[ego_columns] @ r)
    qs, ds = np.array(qs), np.array(ds)
    got = shell_permutation_moments(weights, ego_columns, n_ones)
    assert got["mean_q"] == pytest.approx(qs.mean(), rel=1e-12)
    assert got["var_q"] == pytest.approx(qs.var(), rel=1e-12)
    assert got["mean_d"] == pytest.approx(ds.mean(), rel=1e-12)
    assert got["var_d"] == pytest.approx(ds.var(), rel=1e-12)
    assert got["cov_qd"] == pytest.approx(np.mean((qs - qs.mean()) * (ds - ds.mean())), rel=1e-12)


def test_moments_method_agrees_with_permutations():
    graph = nx.barabasi_albert_graph(600, 3, seed=2)
    trait = random_trait(graph, 0.3, 0.1, seed=3)
    B = 2000
    perm = distance_clustering(graph, trait, max_distance=3, n_permutations=B, seed=1, method="permutation")
    mom = distance_clustering(graph, trait, max_distance=3, n_permutations=B, seed=1, method="moments")
    assert (mom["method"] == "moments").all() and (perm["method"] == "permutation").all()
    np.testing.assert_array_equal(perm["observed"], mom["observed"])
    # MC standard errors of the permutation mean and s.d. (normal theory: sd/sqrt(2B))
    mean_se = perm["null_sd"] / np.sqrt(B)
    assert (np.abs(perm["null_mean"] - mom["null_mean"]) <= 4 * mean_se).all()
    assert (np.abs(perm["null_sd"] / mom["null_sd"] - 1) <= 4 / np.sqrt(2 * B)).all()


def test_auto_switches_to_moments_on_heavy_shells():
    graph = nx.barabasi_albert_graph(400, 4, seed=0)
    trait = random_trait(graph, 0.3, 0.0, seed=1)
    budget = 100 * 5000
    table = distance_clustering(graph, trait, max_distance=3, n_permutations=100, seed=0, max_permutation_work=budget)
    _, adjacency = graph_adjacency(graph)
    sizes = [shell.nnz for shell in distance_shells(adjacency, np.arange(400), 3)]
    expected = ["moments" if size * 100 > budget else "permutation" for size in sizes]
    assert table["method"].tolist() == expected
    assert expected[0] == "permutation" and expected[-1] == "moments"
    assert (table.loc[table["method"] == "moments", "n_permutations"] == 0).all()


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"method": "exact"}, ValueError, "method must be one of"),
        ({"max_distance": 0}, ValueError, "max_distance"),
        ({"n_permutations": 0}, ValueError, "n_permutations"),
        ({"egos": 10_000}, ValueError, "egos=10000"),
        ({"egos": ["nope"]}, KeyError, "egos not in the graph"),
        ({"egos": [1, 1]}, ValueError, "must not repeat"),
    ],
)
def test_bad_arguments(kwargs, error, match):
    graph = nx.path_graph(10)
    with pytest.raises(error, match=match):
        distance_clustering(graph, {v: v % 2 for v in graph}, **kwargs)


def test_bad_traits():
    graph = nx.path_graph(6)
    with pytest.raises(ValueError, match="0/1"):
        distance_clustering(graph, {v: 2 for v in graph})
    with pytest.raises(KeyError, match="not in the graph"):
        distance_clustering(graph, {99: 1, 0: 1, 1: 0})
    with pytest.raises(KeyError, match="no node has the attribute"):
        distance_clustering(graph, "smokes")
    with pytest.raises(ValueError, match="constant"):
        distance_clustering(graph, {v: 1 for v in graph})
    with pytest.raises(ValueError, match="node-attribute name, a mapping"):
        distance_clustering(graph, [0, 1, 0, 1, 0, 1])
    with pytest.raises(ValueError, match="one value per node"):
        distance_clustering(graph, np.array([0, 1, 0]))


def test_permuted_traits_are_uniform_reshuffles():
    """Reference sampler: restriction of a shuffled (1,1,1,0,0,0) to 4 places, all 16 patterns."""
    n_known, n_ones, positions, draws = 6, 3, 4, 20_000
    expected = restricted_shuffle_patterns(n_known, n_ones, positions)
    sample = _permuted_traits(np.random.default_rng(5), n_ones, n_known, positions, draws)
    codes = (sample.T.astype(int) * (2 ** np.arange(positions))).sum(axis=1)
    assert_patterns(codes, expected, draws)


def test_kernel_reshuffles_are_uniform():
    """The kernel's draws on 4 places of 6 (egos at places 0..3, alters 1, 2, 4, 8, so that
    the denominator is the bit pattern of the carrier egos): all 16 patterns at exact rates."""
    from kinship_research.networks._kernels import shell_permutation_counts

    n_known, n_ones, positions, draws = 6, 3, 4, 20_000
    rng = np.random.default_rng(6)
    carriers = rng.hypergeometric(n_ones, n_known - n_ones, positions, size=draws)
    seeds = rng.integers(0, 2**63, size=draws, dtype=np.int64)
    _, den = shell_permutation_counts(
        np.zeros((1, positions + 1), dtype=np.int64),
        np.zeros(0, dtype=np.int32),
        np.arange(positions),
        (2 ** np.arange(positions))[None, :].astype(np.int64),
        carriers.astype(np.int64),
        seeds,
        positions,
        2,
    )
    assert_patterns(den[0], restricted_shuffle_patterns(n_known, n_ones, positions), draws)
    again = shell_permutation_counts(
        np.zeros((1, positions + 1), dtype=np.int64),
        np.zeros(0, dtype=np.int32),
        np.arange(positions),
        (2 ** np.arange(positions))[None, :].astype(np.int64),
        carriers.astype(np.int64),
        seeds,
        positions,
        3,
    )[1]
    np.testing.assert_array_equal(den, again)  # seeded, whatever the number of threads


def restricted_shuffle_patterns(n_known, n_ones, positions):
    """Exact probabilities of the bit patterns of a uniform shuffle restricted to ``positions``."""
    expected = {}
    arrangements = list(itertools.permutations([1] * n_ones + [0] * (n_known - n_ones)))
    for arrangement in arrangements:
        code = int(sum(v << i for i, v in enumerate(arrangement[:positions])))
        expected[code] = expected.get(code, 0) + 1 / len(arrangements)
    return expected


def assert_patterns(codes, expected, draws):
    from scipy import stats

    assert set(np.unique(codes)) <= set(expected)
    keys = sorted(expected)
    counts = np.array([np.sum(codes == k) for k in keys])
    assert stats.chisquare(counts, draws * np.array([expected[k] for k in keys])).pvalue > 1e-3


def test_kernel_null_matches_sparse_product_reference():
    """Same observed values; null mean and s.d. within Monte-Carlo error of the sparse-product
    reference (random reshuffles as dense columns, products S_d X)."""
    graph = nx.connected_watts_strogatz_graph(2000, 6, 0.1, seed=3)
    trait = random_trait(graph, 0.3, 0.1, seed=4)
    B = 2000
    table = distance_clustering(graph, trait, max_distance=5, n_permutations=B, seed=2, method="permutation", egos=300)
    observed, null = reference_null(graph, trait, 5, B, seed=2, egos=300)
    np.testing.assert_array_equal(table["observed"].to_numpy(), observed)
    sd = null.std(axis=1, ddof=1)
    assert (np.abs(table["null_mean"].to_numpy() - null.mean(axis=1)) <= 4 * np.sqrt(2 / B) * sd).all()
    assert (np.abs(table["null_sd"].to_numpy() / sd - 1) <= 4 * np.sqrt(2 / (2 * B))).all()


def reference_null(graph, trait, max_distance, n_permutations, seed, egos):
    """The former implementation: sparse shells times a dense matrix of permuted traits."""
    from kinship_research.networks.distance_clustering import _choose_egos, trait_vector

    nodes, adjacency = graph_adjacency(graph)
    x = trait_vector(graph, trait, nodes)
    known = ~np.isnan(x)
    n_known, n_ones = int(known.sum()), int(np.nansum(x))
    rng = np.random.default_rng(seed)
    ego_index = _choose_egos(egos, known, nodes, rng)
    position = np.full(len(nodes), -1)
    position[known] = np.arange(n_known)
    from kinship_research.networks.distance_clustering import _select_columns

    shells = [_select_columns(s, position, n_known) for s in distance_shells(adjacency, ego_index, max_distance)]
    ego, x_known = position[ego_index], x[known]
    values = _permuted_traits(rng, n_ones, n_known, n_known, n_permutations).astype(np.float64)
    observed, null = [], []
    for shell in shells:
        alters = np.asarray(shell.sum(axis=1)).ravel()
        observed.append(float(np.dot(x_known[ego], shell @ x_known)) / float(np.dot(x_known[ego], alters)))
        null.append(np.einsum("ij,ij->j", values[ego], shell @ values) / (alters @ values[ego]))
    return np.array(observed), np.array(null)


def _permuted_traits(rng, n_ones: int, n_known: int, positions: int, size: int) -> np.ndarray:
    """Trait values at ``positions`` known nodes under ``size`` uniform reshuffles.

    A uniform shuffle of the known trait vector restricted to m of its places is a sample
    without replacement: the number of carriers h is hypergeometric(K, N - K, m) and their
    places are a uniform h-subset. Each column starts as independent Bernoulli(~h/m) places
    (random bytes against a threshold) and is then corrected to exactly h carriers by
    switching off (or on) places drawn uniformly among its current ones (zeros), by
    rejection. Every step treats the places symmetrically and the result has exactly h
    carriers, so it is uniform over h-subsets whatever the starting probability; the work is
    O(m) in C per column plus O(sqrt m) for the correction. Returns float32 (positions x size).
    """
    carriers = rng.hypergeometric(n_ones, n_known - n_ones, positions, size=size)
    thresholds = np.round(256 * carriers / positions).astype(np.uint16)
    noise = np.frombuffer(rng.bytes(positions * size), dtype=np.uint8).reshape(positions, size)
    table = noise < thresholds[None, :]
    counts = table.sum(axis=0)
    for column in np.flatnonzero(counts != carriers):
        values = table[:, column]  # a view: corrections write through
        switch_from = bool(counts[column] > carriers[column])
        need = abs(int(counts[column]) - int(carriers[column]))
        available = counts[column] if switch_from else positions - counts[column]
        chosen = np.empty(0, dtype=np.int64)
        while len(chosen) < need:
            draws = rng.integers(0, positions, size=int(2 * need * positions / available) + 16)
            chosen = np.concatenate([chosen, draws[values[draws] == switch_from]])
            _, first = np.unique(chosen, return_index=True)
            chosen = chosen[np.sort(first)]
        values[chosen[:need]] = not switch_from
    return table.astype(np.float32)


@pytest.mark.parametrize("chunk", [1, 7, 10**6])
def test_select_columns_in_chunks(chunk):
    from kinship_research.networks.distance_clustering import _select_columns

    matrix = sp.csr_array(sp.random(50, 40, density=0.3, random_state=1, format="csr"))
    chosen = np.random.default_rng(0).choice(40, 15, replace=False)
    new_column = np.full(40, -1)
    new_column[chosen] = np.arange(15)
    got = _select_columns(matrix, new_column, 15, chunk=chunk)
    np.testing.assert_array_equal(got.toarray(), matrix.toarray()[:, chosen])


def test_scipy_and_igraph_inputs_give_the_same_table():
    import igraph

    graph = nx.connected_watts_strogatz_graph(300, 4, 0.1, seed=8)
    trait = np.array([v for v in random_trait(graph, 0.3, 0.1, seed=9).values()])
    matrix = nx.to_scipy_sparse_array(graph, weight=None)
    other = igraph.Graph(n=300, edges=list(graph.edges()))
    tables = [
        distance_clustering(g, trait, max_distance=4, n_permutations=50, seed=3)
        for g in (graph, matrix, sp.coo_matrix(matrix), other)
    ]
    for table in tables[1:]:
        assert table.equals(tables[0])
    with pytest.raises(ValueError, match="needs a networkx graph"):
        distance_clustering(matrix, "smokes")
