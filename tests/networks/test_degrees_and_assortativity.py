"""Consecutive significant degrees of separation; friend-to-friend correlation with a node jackknife."""

import networkx as nx
import numpy as np
import pandas as pd
import pytest

from kinship_research.networks.assortativity import tie_correlation
from kinship_research.networks.degrees import significant_reach


def _table(p_values):
    return pd.DataFrame(
        {"network": "g", "wave": 1, "trait": "t", "distance": range(1, len(p_values) + 1), "p_value": p_values}
    )


@pytest.mark.parametrize(
    ("p_values", "alpha", "degrees"),
    [
        ([0.001, 0.01, 0.03, 0.2], 0.05, 3),
        ([0.001, 0.2, 0.01], 0.05, 1),
        ([0.3, 0.01], 0.05, 0),
        ([0.001, 0.01, 0.03, 0.2], 0.02, 2),
    ],
)
def test_reach_counts_consecutive_significant_distances(p_values, alpha, degrees):
    assert significant_reach(_table(p_values), alpha=alpha).loc[0, "degrees"] == degrees


def test_reach_rejects_gaps_and_bad_alpha():
    with pytest.raises(ValueError, match="without gaps"):
        significant_reach(_table([0.01, 0.01]).assign(distance=[1, 3]))
    with pytest.raises(ValueError, match="alpha is the decision threshold"):
        significant_reach(_table([0.01]), alpha=0.95 * 2)


def test_tie_correlation_equals_networkx_assortativity():
    graph = nx.watts_strogatz_graph(300, 6, 0.1, seed=1)
    rng = np.random.default_rng(2)
    values = rng.normal(size=300)
    for u, v in graph.edges:  # make friends alike
        values[v] = 0.7 * values[u] + 0.3 * values[v]
    nx.set_node_attributes(graph, dict(enumerate(values)), "x")
    ties = np.array([(u, v) for u, v in graph.edges] + [(v, u) for u, v in graph.edges])
    ours = tie_correlation(values, ties[:, 0], ties[:, 1])
    assert ours["estimate"] == pytest.approx(nx.numeric_assortativity_coefficient(graph, "x"), abs=1e-10)
    assert ours["ci_low"] < ours["estimate"] < ours["ci_high"] and ours["n_nodes"] == 300


def test_tie_correlation_interval_covers_zero_for_unrelated_friends():
    graph = nx.erdos_renyi_graph(120, 0.05, seed=3)
    ties = np.array([(u, v) for u, v in graph.edges] + [(v, u) for u, v in graph.edges])
    covered = 0
    for rep in range(200):
        values = np.random.default_rng(100 + rep).normal(size=120)
        result = tie_correlation(values, ties[:, 0], ties[:, 1])
        covered += result["ci_low"] <= 0 <= result["ci_high"]
    # nominal 95%: with 200 replications the binomial 99.9% range is about 177-199
    assert 177 <= covered


def test_tie_correlation_bad_input():
    with pytest.raises(ValueError, match="tie indices"):
        tie_correlation(np.arange(5.0), np.array([0, 1, 2]), np.array([1, 2, 9]))
    with pytest.raises(ValueError, match="constant"):
        tie_correlation(np.ones(6), np.array([0, 1, 2, 3]), np.array([1, 2, 3, 4]))


def test_jackknife_standard_error_matches_a_direct_leave_one_node_out_loop():
    rng = np.random.default_rng(4)
    ego, alter = rng.integers(0, 30, 200), rng.integers(0, 30, 200)
    keep = ego != alter
    ego, alter = ego[keep], alter[keep]
    values = rng.normal(size=30)
    ours = tie_correlation(values, ego, alter)
    nodes = np.unique(np.concatenate([ego, alter]))
    deleted = []
    for i in nodes:
        mask = (ego != i) & (alter != i)
        deleted.append(np.corrcoef(values[ego[mask]], values[alter[mask]])[0, 1])
    deleted = np.array(deleted)
    m = len(deleted)
    assert ours["std_error"] == pytest.approx(np.sqrt((m - 1) / m * ((deleted - deleted.mean()) ** 2).sum()))
