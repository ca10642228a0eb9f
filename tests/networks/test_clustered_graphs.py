"""Relaxed caveman graphs tuned to a mean degree and a transitivity."""

import networkx as nx
import pytest

from kinship_research.networks.clustered_graphs import caveman_graph_with_transitivity


@pytest.mark.parametrize("n_nodes, mean_degree, transitivity", [(2000, 3, 0.64), (600, 4, 0.3), (500, 2, 0.8)])
def test_graph_has_the_mean_degree_and_transitivity_asked_for(n_nodes, mean_degree, transitivity):
    graph, p = caveman_graph_with_transitivity(n_nodes, mean_degree, transitivity, seed=1)
    clique = mean_degree + 1
    assert graph.number_of_nodes() == n_nodes // clique * clique
    assert 2 * graph.number_of_edges() / graph.number_of_nodes() == pytest.approx(mean_degree)
    assert nx.transitivity(graph) == pytest.approx(transitivity, abs=0.01)
    assert 0 < p < 1
    again, _ = caveman_graph_with_transitivity(n_nodes, mean_degree, transitivity, seed=1)
    assert nx.utils.graphs_equal(graph, again)


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"n_nodes": 2000, "mean_degree": 1, "transitivity": 0.5}, ValueError, "mean_degree must be at least 2"),
        ({"n_nodes": 2000, "mean_degree": 3.0, "transitivity": 0.5}, TypeError, "mean_degree must be an integer"),
        ({"n_nodes": 5, "mean_degree": 3, "transitivity": 0.5}, ValueError, "two cliques"),
        ({"n_nodes": 2000, "mean_degree": 3, "transitivity": 1.0}, ValueError, "transitivity must be"),
        ({"n_nodes": 8, "mean_degree": 3, "transitivity": 0.37, "tolerance": 0.001}, ValueError, "no rewiring"),
    ],
)
def test_bad_input(kwargs, error, match):
    with pytest.raises(error, match=match):
        caveman_graph_with_transitivity(**kwargs)
