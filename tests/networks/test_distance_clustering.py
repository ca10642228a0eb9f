"""distance_clustering against a plain networkx BFS, calibration, power, exact moments."""

import itertools

import networkx as nx
import numpy as np
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


@pytest.mark.parametrize("kind", ["undirected", "directed_symmetrised", "directed",
                                  "disconnected"])
def test_observed_and_pairs_match_networkx_bfs(kind):
    if kind == "undirected":
        graph = nx.connected_watts_strogatz_graph(120, 4, 0.1, seed=1)
    elif kind == "disconnected":
        graph = nx.disjoint_union(nx.path_graph(15), nx.gnp_random_graph(60, 0.06, seed=2))
    else:
        graph = nx.gnp_random_graph(80, 0.04, seed=3, directed=True)
    symmetrise = kind != "directed"
    trait = random_trait(graph, 0.4, 0.15, seed=4)
    table = distance_clustering(graph, trait, max_distance=7, n_permutations=20, seed=0,
                                symmetrise=symmetrise)
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
    table = distance_clustering(graph, "smokes", max_distance=5, n_permutations=10,
                                egos=egos, seed=1)
    expected, pairs = reference_observed(graph, trait, 5, egos=egos)
    np.testing.assert_array_equal(table["n_pairs"].to_numpy(), pairs)
    np.testing.assert_allclose(table["observed"].to_numpy(), expected)
    # distances 4 and 5 do not exist in paths of 4 nodes
    assert table.loc[table["distance"] >= 4, "n_pairs"].eq(0).all()
    assert table.loc[table["distance"] >= 4, "observed"].isna().all()


@pytest.mark.parametrize("graph", [
    nx.MultiGraph([(0, 1), (0, 1), (1, 1), (2, 3)]),
    nx.DiGraph([("a", "b"), ("b", "a"), ("b", "c")]),
    nx.grid_2d_graph(3, 3),
])
def test_adjacency_matches_networkx(graph):
    for symmetrise in (True, False):
        nodes, adjacency = graph_adjacency(graph, symmetrise=symmetrise)
        walk = graph.to_undirected() if symmetrise else graph
        expected = nx.to_scipy_sparse_array(nx.Graph(walk) if not walk.is_directed()
                                            else nx.DiGraph(walk), nodelist=nodes, weight=None)
        expected.setdiag(0)
        np.testing.assert_array_equal(adjacency.toarray(), (expected.toarray() > 0) * 1.0)


@pytest.mark.parametrize("egos", [[0, 17, 299], list(range(0, 300, 3))])
def test_shells_match_bfs_layers(egos):
    """Few egos: sparse frontier steps; many egos on a hub graph: dense steps as well."""
    graph = nx.barabasi_albert_graph(300, 2, seed=5)
    nodes, adjacency = graph_adjacency(graph)
    egos = np.array(egos)
    shells = distance_shells(adjacency, egos, 4)
    for row, ego in enumerate(egos):
        lengths = nx.single_source_shortest_path_length(graph, nodes[ego], cutoff=4)
        for d, shell in enumerate(shells, start=1):
            got = {nodes[j] for j in shell[[row], :].indices}
            assert got == {v for v, length in lengths.items() if length == d}


def test_sampled_egos_are_seeded_and_counted():
    graph = nx.connected_watts_strogatz_graph(400, 6, 0.05, seed=0)
    trait = random_trait(graph, 0.3, 0.0, seed=1)
    first = distance_clustering(graph, trait, max_distance=3, n_permutations=50, egos=100,
                                seed=7)
    second = distance_clustering(graph, trait, max_distance=3, n_permutations=50, egos=100,
                                 seed=7)
    assert first.equals(second)
    assert first.attrs["n_egos_sampled"] == 100
    assert first["n_egos"].iloc[0] < 100


def test_calibration_under_random_traits():
    """Random traits on a fixed graph: P(p <= 0.05) is 0.05 within binomial MC error."""
    graph = nx.gnp_random_graph(300, 6 / 299, seed=11)
    replications, level = 300, 0.05
    rng = np.random.default_rng(12)
    p_values = []
    for _ in range(replications):
        trait = {v: float(u < 0.3) for v, u in zip(graph, rng.random(graph.number_of_nodes()))}
        table = distance_clustering(graph, trait, max_distance=3, n_permutations=99,
                                    seed=int(rng.integers(2**31)), method="permutation")
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
    assert got["cov_qd"] == pytest.approx(np.mean((qs - qs.mean()) * (ds - ds.mean())),
                                          rel=1e-12)


def test_moments_method_agrees_with_permutations():
    graph = nx.barabasi_albert_graph(600, 3, seed=2)
    trait = random_trait(graph, 0.3, 0.1, seed=3)
    B = 2000
    perm = distance_clustering(graph, trait, max_distance=3, n_permutations=B, seed=1,
                               method="permutation")
    mom = distance_clustering(graph, trait, max_distance=3, n_permutations=B, seed=1,
                              method="moments")
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
    table = distance_clustering(graph, trait, max_distance=3, n_permutations=100, seed=0,
                                max_permutation_work=budget)
    _, adjacency = graph_adjacency(graph)
    sizes = [shell.nnz for shell in distance_shells(adjacency, np.arange(400), 3)]
    expected = ["moments" if size * 100 > budget else "permutation" for size in sizes]
    assert table["method"].tolist() == expected
    assert expected[0] == "permutation" and expected[-1] == "moments"
    assert (table.loc[table["method"] == "moments", "n_permutations"] == 0).all()


@pytest.mark.parametrize("kwargs, error, match", [
    ({"method": "exact"}, ValueError, "method must be one of"),
    ({"max_distance": 0}, ValueError, "max_distance"),
    ({"n_permutations": 0}, ValueError, "n_permutations"),
    ({"egos": 10_000}, ValueError, "egos=10000"),
    ({"egos": ["nope"]}, KeyError, "egos not in the graph"),
    ({"egos": [1, 1]}, ValueError, "must not repeat"),
])
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
    with pytest.raises(ValueError, match="attribute name or a mapping"):
        distance_clustering(graph, [0, 1, 0, 1, 0, 1])


def test_permuted_traits_are_uniform_reshuffles():
    """Restriction of a shuffled (1,1,1,0,0,0) to 4 places: all 16 patterns at exact rates."""
    from scipy import stats

    from kinship_research.networks.distance_clustering import _permuted_traits

    n_known, n_ones, positions, draws = 6, 3, 4, 20_000
    expected = {}
    for arrangement in itertools.permutations([1, 1, 1, 0, 0, 0]):
        key = arrangement[:positions]
        expected[key] = expected.get(key, 0) + 1 / 720
    sample = _permuted_traits(np.random.default_rng(5), n_ones, n_known, positions, draws)
    observed = {}
    for column in sample.T.astype(int):
        observed[tuple(column)] = observed.get(tuple(column), 0) + 1
    assert set(observed) <= set(expected)
    keys = sorted(expected)
    counts = np.array([observed.get(k, 0) for k in keys])
    assert stats.chisquare(counts, draws * np.array([expected[k] for k in keys])).pvalue > 1e-3


@pytest.mark.parametrize("chunk", [1, 7, 10**6])
def test_select_columns_in_chunks(chunk):
    from kinship_research.networks.distance_clustering import _select_columns

    matrix = sp.csr_array(sp.random(50, 40, density=0.3, random_state=1, format="csr"))
    chosen = np.random.default_rng(0).choice(40, 15, replace=False)
    new_column = np.full(40, -1)
    new_column[chosen] = np.arange(15)
    got = _select_columns(matrix, new_column, 15, chunk=chunk)
    np.testing.assert_array_equal(got.toarray(), matrix.toarray()[:, chosen])
