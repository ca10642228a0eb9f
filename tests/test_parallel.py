"""map_seeded and the Monte Carlo functions that use it: identical numbers serially, on one Dask
worker and on two (one SeedSequence.spawn child per task, gathered in task order)."""

import numpy as np
import pandas as pd
import pytest

from kinship_research.networks.critics import (
    contagion_detection_study,
    placebo_permutations,
    simulate_homophily_contagion,
)
from kinship_research.parallel import map_seeded, seed_children
from kinship_research.pipeline import cluster

SMALL = {"n_nodes": 40, "n_waves": 3, "homophily": 2.0, "latent_effect": 2.0, "influence": 0.0}


def _draw(task, child, *, offset):
    return task * 1000 + offset + np.random.default_rng(child).random(3)


@pytest.fixture(scope="module")
def clients():
    with cluster.connect(1) as one, cluster.connect(2) as two:
        yield {"one worker": one, "two workers": two}


def test_map_seeded_matches_the_spawned_children_in_task_order(clients):
    expected = [t * 1000 + 7 + np.random.default_rng(c).random(3) for t, c in zip(range(6), seed_children(3, 6))]
    serial = map_seeded(_draw, range(6), seed=3, shared={"offset": 7})
    np.testing.assert_array_equal(serial, expected)
    for client in clients.values():
        np.testing.assert_array_equal(
            map_seeded(_draw, range(6), seed=3, client=client, shared={"offset": 7}), expected
        )
    assert not np.array_equal(map_seeded(_draw, range(6), seed=4, shared={"offset": 7}), expected)


def test_placebo_and_detection_study_identical_serial_and_on_one_or_two_workers(clients):
    pytest.importorskip("statsmodels")
    net = simulate_homophily_contagion(**SMALL, seed=1)
    placebo = placebo_permutations(net, "trait", n_permutations=20, tie_types=("ego_nominated",), seed=2)
    study = contagion_detection_study({"homophily": SMALL}, n_replications=3, n_shuffles=19, seed=5)
    for client in clients.values():
        pd.testing.assert_frame_equal(
            placebo_permutations(net, "trait", n_permutations=20, seed=2, tie_types=("ego_nominated",), client=client),
            placebo,
        )
        pd.testing.assert_frame_equal(
            contagion_detection_study({"homophily": SMALL}, n_replications=3, n_shuffles=19, seed=5, client=client),
            study,
        )


def test_replicate_and_equilibrium_sweep_identical_serial_and_on_one_or_two_workers(clients):
    import networkx as nx

    from kinship_research.networks.simulate import equilibrium_sweep, replicate

    graph = nx.erdos_renyi_graph(60, 0.1, seed=1)
    runs = replicate(graph, "SIS", 5.0, 4, seed=9, beta=0.3, gamma=0.2)
    sweep = equilibrium_sweep(graph, "SIS", "beta", [0.2, 0.4], 5.0, 2.0, 3, seed=9, gamma=0.2)
    assert not runs[0].equals(runs[1])
    for client in clients.values():
        for a, b in zip(replicate(graph, "SIS", 5.0, 4, seed=9, beta=0.3, gamma=0.2, client=client), runs):
            pd.testing.assert_frame_equal(a, b)
        pd.testing.assert_frame_equal(
            equilibrium_sweep(graph, "SIS", "beta", [0.2, 0.4], 5.0, 2.0, 3, seed=9, gamma=0.2, client=client), sweep
        )
