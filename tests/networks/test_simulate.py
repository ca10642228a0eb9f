"""simulate() against EoN, mean-field/pair-approximation theory and a plain threshold loop."""

import math

import EoN
import igraph
import networkx as nx
import numpy as np
import pytest
import scipy.sparse as sp
from scipy.integrate import solve_ivp

from kinship_research.networks.adjacency import graph_adjacency
from kinship_research.networks.mean_field import (
    sisa_mean_field_prevalence,
    sisa_mean_field_trajectory,
    sisa_pair_approximation_prevalence,
)
from kinship_research.networks.simulate import (
    _gillespie,
    equilibrium_prevalence,
    equilibrium_sweep,
    replicate,
    simulate,
)


def reference_gillespie(spread, infected, times, model, rates, rng):
    """The pure-Python event loop the compiled one replaces (same random stream)."""
    n = spread.shape[0]
    beta, gamma = rates["beta"], rates["gamma"]
    adoption = rates.get("adoption", 0.0)
    after_recovery = 2 if model == "SIR" else 0
    rate_after_recovery = adoption if model == "SISa" else 0.0
    indptr = spread.indptr.tolist()
    indices = spread.indices.tolist()
    out_degree = np.diff(spread.indptr)
    state = infected.astype(np.int64).tolist()
    infected_rate = (gamma + beta * out_degree).tolist()
    width = 1 << max(n - 1, 1).bit_length()  # power of two >= n: descent needs no bound check
    node_rate = np.zeros(width + 1)
    node_rate[:n] = np.where(infected, gamma + beta * out_degree, adoption)

    def build(values: np.ndarray) -> list:
        """Fenwick tree (1-based): tree[j] = sum of values[j - lowbit(j) : j]."""
        prefix = np.concatenate([[0.0], np.cumsum(values[:width])])
        j = np.arange(1, width + 1)
        return [0.0] + (prefix[j] - prefix[j - (j & -j)]).tolist()

    rate = node_rate.tolist()
    tree = build(node_rate)
    total = float(node_rate.sum())
    n_infected, n_removed = int(infected.sum()), 0
    counts = np.zeros((len(times), 3), dtype=np.int64)
    counts[0] = (n - n_infected, n_infected, 0)
    grid = [float(x) for x in times[1:]] + [math.inf]
    next_record, next_time, t_end = 1, grid[0], float(times[-1])
    t = 0.0
    batch = 1 << 16
    exponentials, uniforms, used = [], [], batch
    n_events, updates = 0, 0
    floor = 1e-12 * max(1.0, gamma + adoption)
    while total > floor:
        if used == batch:
            exponentials = rng.standard_exponential(batch).tolist()
            uniforms = rng.random(batch).tolist()
            used = 0
        t += exponentials[used] / total
        target = uniforms[used] * total
        used += 1
        if t > next_time:
            while t > next_time:
                counts[next_record] = (n - n_infected - n_removed, n_infected, n_removed)
                next_record += 1
                next_time = grid[next_record - 1]
            if t > t_end:
                break
        pos, step = 0, width
        while step:
            nxt = pos + step
            if tree[nxt] < target:
                pos = nxt
                target -= tree[nxt]
            step >>= 1
        if rate[pos] == 0.0:  # rounding at the edge of the tree; draw again
            continue
        if state[pos] == 1:
            if target < gamma or beta == 0.0:  # recovery
                node, new_state, new_rate = pos, after_recovery, rate_after_recovery
                n_infected -= 1
                n_removed += after_recovery == 2
            else:  # transmission attempt to a uniformly chosen out-neighbour
                start, stop = indptr[pos], indptr[pos + 1]
                if stop == start:  # rounding put the draw just past gamma
                    continue
                node = indices[min(start + int((target - gamma) / beta), stop - 1)]
                if state[node] != 0:
                    continue
                new_state, new_rate = 1, infected_rate[node]
                n_infected += 1
        else:  # spontaneous adoption (SISa)
            node, new_state, new_rate = pos, 1, infected_rate[pos]
            n_infected += 1
        n_events += 1
        delta = new_rate - rate[node]
        state[node] = new_state
        rate[node] = new_rate
        total += delta
        j = node + 1
        while j <= width:
            tree[j] += delta
            j += j & -j
        updates += 1
        if updates & 0xFFFFF == 0:  # every 2^20 events: remove floating-point drift
            tree = build(np.asarray(rate))
            total = float(np.sum(rate))
    while next_record < len(times):
        counts[next_record] = (n - n_infected - n_removed, n_infected, n_removed)
        next_record += 1
    return counts, n_events


def eon_time_average(times, infected, n, start, stop, step):
    grid = np.arange(start, stop + 1e-9, step)
    return infected[np.searchsorted(times, grid, side="right") - 1].mean() / n


def test_gillespie_sis_matches_eon_fast_sis():
    graph = nx.random_regular_graph(6, 1000, seed=0)
    runs = [
        simulate(graph, "SIS", 25, seed=s, engine="gillespie", initial=0.1, dt=0.5, beta=0.3, gamma=1.0)
        for s in range(6)
    ]
    ours = equilibrium_prevalence(runs, burn_in=8)
    eon = []
    for s in range(6):
        np.random.seed(s)  # EoN draws from numpy's and Python's global generators
        __import__("random").seed(s)
        times, _, infected = EoN.fast_SIS(graph, 0.3, 1.0, rho=0.1, tmax=25)
        eon.append(eon_time_average(times, infected, 1000, 8, 25, 0.5))
    se = np.hypot(ours["sd_between_runs"], np.std(eon, ddof=1)) / np.sqrt(6)
    assert abs(ours["prevalence"] - np.mean(eon)) <= 4 * se


def test_sir_final_size_matches_eon():
    graph = nx.gnp_random_graph(400, 5 / 399, seed=1)
    ours_gillespie, ours_discrete, eon = [], [], []
    for s in range(30):
        __import__("random").seed(s)
        np.random.seed(s)
        eon.append(EoN.fast_SIR(graph, 0.5, 1.0, initial_infecteds=[0, 1, 2], tmax=30)[3][-1])
        for engine, sink in (("gillespie", ours_gillespie), ("discrete", ours_discrete)):
            run = simulate(graph, "SIR", 30, seed=s, engine=engine, initial=[0, 1, 2], dt=0.05, beta=0.5, gamma=1.0)
            assert (run[["S", "I", "R"]].sum(axis=1) == 400).all()
            assert run["R"].is_monotonic_increasing
            sink.append(run["R"].iloc[-1])
    for ours in (ours_gillespie, ours_discrete):
        se = np.hypot(np.std(ours, ddof=1), np.std(eon, ddof=1)) / np.sqrt(30)
        assert abs(np.mean(ours) - np.mean(eon)) <= 4 * se


@pytest.mark.parametrize("engine, dt", [("gillespie", 0.5), ("discrete", 0.01)])
def test_sisa_complete_graph_matches_mean_field(engine, dt):
    """K_n is well mixed: the fixed point holds up to O(1/n) finite-size bias (tol 0.01)."""
    n = 200
    graph = nx.complete_graph(n)
    beta, gamma, adoption = 2 / (n - 1), 1.0, 0.1
    runs = [
        simulate(graph, "SISa", 40, seed=s, engine=engine, initial=0, dt=dt, beta=beta, gamma=gamma, adoption=adoption)
        for s in range(4)
    ]
    estimate = equilibrium_prevalence(runs, burn_in=10)
    theory = sisa_mean_field_prevalence(beta, gamma, adoption, mean_degree=n - 1)
    se = estimate["sd_between_runs"] / np.sqrt(estimate["n_runs"])
    assert abs(estimate["prevalence"] - theory) <= 4 * se + 0.01


def test_sisa_random_regular_matches_pair_approximation():
    """Pair approximation on a random 6-regular graph; tolerance 4 SE + 0.01 (closure error)."""
    graph = nx.random_regular_graph(6, 2000, seed=2)
    beta, gamma, adoption = 0.25, 1.0, 0.05
    runs = [
        simulate(
            graph,
            "SISa",
            20,
            seed=s,
            engine="gillespie",
            initial=0.2,
            dt=0.5,
            beta=beta,
            gamma=gamma,
            adoption=adoption,
        )
        for s in range(4)
    ]
    estimate = equilibrium_prevalence(runs, burn_in=6)
    theory = sisa_pair_approximation_prevalence(beta, gamma, adoption, degree=6)
    se = estimate["sd_between_runs"] / np.sqrt(estimate["n_runs"])
    assert abs(estimate["prevalence"] - theory) <= 4 * se + 0.01
    assert abs(estimate["prevalence"] - sisa_mean_field_prevalence(beta, gamma, adoption, 6)) > 0.03


def reference_threshold(graph, seeds, threshold, rounds):
    adopted = set(seeds)
    sizes = [len(adopted)]
    for _ in range(rounds):
        adopted = adopted | {
            v
            for v in graph
            if graph.degree(v) > 0
            and v not in adopted
            and sum(u in adopted for u in graph[v]) / graph.degree(v) >= threshold
        }
        sizes.append(len(adopted))
    return sizes


@pytest.mark.parametrize("threshold", [0.15, 0.3, 0.5])
def test_threshold_matches_plain_loop(threshold):
    graph = nx.connected_watts_strogatz_graph(200, 6, 0.1, seed=4)
    seeds = [0, 1, 2, 3]
    run = simulate(graph, "threshold", 15, initial=seeds, threshold=threshold)
    assert run["I"].tolist() == reference_threshold(graph, seeds, threshold, 15)
    assert run["t"].tolist() == list(range(16))


def test_runs_are_seeded_and_counts_conserved():
    graph = nx.barabasi_albert_graph(300, 3, seed=0)
    for engine in ("discrete", "gillespie"):
        a = simulate(graph, "SISa", 5, seed=3, engine=engine, beta=0.2, gamma=1, adoption=0.1)
        b = simulate(graph, "SISa", 5, seed=3, engine=engine, beta=0.2, gamma=1, adoption=0.1)
        assert a.equals(b)
        assert (a["S"] + a["I"] == 300).all()
        assert a["t"].iloc[-1] == pytest.approx(5)
    start = simulate(graph, "SIS", 1, seed=0, initial=0.1, beta=0.1, gamma=1)
    assert start["I"].iloc[0] == 30


def test_equilibrium_prevalence_interval():
    graph = nx.path_graph(10)
    runs = [simulate(graph, "SISa", 3, seed=s, beta=0.5, gamma=1, adoption=0.5) for s in range(3)]
    result = equilibrium_prevalence(runs, burn_in=1)
    averages = [r.loc[r["t"] >= 1, "I"].mean() / 10 for r in runs]
    assert result["prevalence"] == pytest.approx(np.mean(averages))
    assert result["ci_low"] < result["prevalence"] < result["ci_high"]
    with pytest.raises(ValueError, match="at least two runs"):
        equilibrium_prevalence(runs[:1], burn_in=1)
    with pytest.raises(ValueError, match="burn_in"):
        equilibrium_prevalence(runs, burn_in=99)
    with pytest.raises(KeyError, match="compartment"):
        equilibrium_prevalence(runs, burn_in=1, compartment="R")


@pytest.mark.parametrize(
    "args, kwargs, error, match",
    [
        (("SEIR", 5), {"beta": 1, "gamma": 1}, ValueError, "model must be one of"),
        (("SIS", 5), {"beta": 1, "gamma": 1, "engine": "tau"}, ValueError, "engine must be one"),
        (("SIS", 0), {"beta": 1, "gamma": 1}, ValueError, "t_max"),
        (("SIS", "10"), {"beta": 1, "gamma": 1}, ValueError, "t_max"),
        (("SIS", 5), {"beta": 1}, ValueError, "missing \\['gamma'\\]"),
        (("SIS", 5), {"beta": 1, "gamma": 1, "adoption": 1}, ValueError, "unknown \\['adoption'\\]"),
        (("SISa", 5), {"beta": 1, "gamma": 1, "alpha": 1}, ValueError, "'alpha' is now 'adoption'"),
        (("SIS", 5), {"beta": -1, "gamma": 1}, ValueError, "beta must be a finite number >= 0"),
        (("threshold", 5), {"threshold": 1.5}, ValueError, "threshold is a fraction"),
        (("threshold", 5), {"threshold": 0.5, "engine": "gillespie"}, ValueError, "rounds"),
        (("SIS", 5), {"beta": 1, "gamma": 1, "dt": 0}, ValueError, "dt must be"),
        (("SIS", 5), {"beta": 1, "gamma": 1, "initial": 1.5}, ValueError, "fraction"),
        (("SIS", 5), {"beta": 1, "gamma": 1, "initial": 99}, ValueError, "count"),
        (("SIS", 5), {"beta": 1, "gamma": 1, "initial": ["x"]}, KeyError, "not in the graph"),
    ],
)
def test_bad_input(args, kwargs, error, match):
    with pytest.raises(error, match=match):
        simulate(nx.path_graph(5), *args, **kwargs)


def test_mean_field_closed_forms():
    assert sisa_mean_field_prevalence(0.5, 1.0, 0.0, 4) == pytest.approx(0.5)
    assert sisa_mean_field_prevalence(0.1, 1.0, 0.0, 4) == 0.0
    assert sisa_mean_field_prevalence(0.0, 1.0, 0.25, 4) == pytest.approx(0.2)
    beta, gamma, adoption, k = 0.3, 1.0, 0.2, 5
    i = sisa_mean_field_prevalence(beta, gamma, adoption, k)
    assert (adoption + beta * k * i) * (1 - i) - gamma * i == pytest.approx(0, abs=1e-12)
    # pair approximation, SIS: q = 1 - gamma / (beta (k - 1)), i = beta k q / (beta k q + gamma)
    q = 1 - 1 / (0.4 * 5)
    assert sisa_pair_approximation_prevalence(0.4, 1.0, 0.0, 6) == pytest.approx(2.4 * q / (2.4 * q + 1))
    assert sisa_pair_approximation_prevalence(0.1, 1.0, 0.0, 6) == 0.0


def test_pair_approximation_is_steady_state_of_pair_equations():
    """Integrate the pair-approximation ODEs (Keeling 1999) to equilibrium."""
    beta, gamma, adoption, k = 0.25, 1.0, 0.05, 6

    def rhs(_, y):
        i, ss, ii = y  # per node: prevalence, ordered [SS] and [II] pairs
        s, si = 1 - i, (k - ss - ii) / 2
        q = si / (k * s)
        return [
            adoption * s + beta * si - gamma * i,
            2 * gamma * si - 2 * ss * (adoption + beta * (k - 1) * q),
            2 * si * (adoption + beta + beta * (k - 1) * q) - 2 * gamma * ii,
        ]

    solution = solve_ivp(rhs, (0, 400), [0.01, k * 0.98, 0.0], rtol=1e-10, atol=1e-12)
    assert solution.y[0, -1] == pytest.approx(sisa_pair_approximation_prevalence(beta, gamma, adoption, k), rel=1e-6)


def test_mean_field_bad_input():
    with pytest.raises(ValueError, match="beta must be"):
        sisa_mean_field_prevalence(-1, 1)
    with pytest.raises(ValueError, match="degree must be"):
        sisa_pair_approximation_prevalence(0.1, 1, 0, degree=1)
    with pytest.raises(ValueError, match="at least one"):
        sisa_mean_field_prevalence(0, 0, 0)


def test_spontaneous_only_sisa_is_independent_two_state_chain():
    """beta = 0: nodes flip independently, equilibrium adoption / (adoption + gamma) exactly."""
    graph = nx.path_graph(500)
    runs = [
        simulate(graph, "SISa", 20, seed=s, engine="gillespie", initial=0, dt=0.5, beta=0.0, gamma=1.0, adoption=0.5)
        for s in range(4)
    ]
    estimate = equilibrium_prevalence(runs, burn_in=5)
    se = estimate["sd_between_runs"] / np.sqrt(estimate["n_runs"])
    assert abs(estimate["prevalence"] - 1 / 3) <= 4 * se


def test_mean_field_trajectory_matches_logistic_solution():
    """adoption = 0: i(t) = i* / (1 + (i*/i0 - 1) exp(-(beta k - gamma) t))."""
    beta, gamma, k, i0 = 0.5, 1.0, 4, 0.01
    times = np.linspace(0, 10, 21)
    star = 1 - gamma / (beta * k)
    expected = star / (1 + (star / i0 - 1) * np.exp(-(beta * k - gamma) * times))
    got = sisa_mean_field_trajectory(beta, gamma, 0.0, k, i0, times)
    np.testing.assert_allclose(got, expected, rtol=1e-5)
    with pytest.raises(ValueError, match="initial prevalence"):
        sisa_mean_field_trajectory(beta, gamma, 0.0, k, 2.0, times)
    with pytest.raises(ValueError, match="increasing"):
        sisa_mean_field_trajectory(beta, gamma, 0.0, k, i0, [3, 1])


def test_equilibrium_sweep_and_replicate():
    graph = nx.path_graph(300)
    sweep = equilibrium_sweep(
        graph,
        "SISa",
        "adoption",
        [0.5, 2.0],
        t_max=10,
        burn_in=3,
        n_runs=3,
        seed=1,
        engine="gillespie",
        dt=0.5,
        beta=0.0,
        gamma=1.0,
        initial=0,
    )
    assert list(sweep.columns) == ["adoption", "prevalence", "ci_low", "ci_high", "sd_between_runs", "n_runs"]
    for _, row in sweep.iterrows():  # beta = 0: independent nodes, adoption / (adoption + gamma)
        exact = row["adoption"] / (row["adoption"] + 1)
        assert abs(row["prevalence"] - exact) <= 4 * row["sd_between_runs"] / np.sqrt(3)
    again = equilibrium_sweep(
        graph,
        "SISa",
        "adoption",
        [0.5, 2.0],
        t_max=10,
        burn_in=3,
        n_runs=3,
        seed=1,
        engine="gillespie",
        dt=0.5,
        beta=0.0,
        gamma=1.0,
        initial=0,
    )
    assert sweep.equals(again)
    runs = replicate(graph, "SIS", 2, 2, seed=0, beta=0.5, gamma=1.0, initial=5)
    assert len(runs) == 2 and not runs[0].equals(runs[1])
    with pytest.raises(ValueError, match="n_runs"):
        replicate(graph, "SIS", 2, 0, beta=0.5, gamma=1.0)
    with pytest.raises(ValueError, match="parameter must be a rate"):
        equilibrium_sweep(graph, "SIS", "adoption", [0.1], 5, 1, 2, beta=0.5, gamma=1.0)
    with pytest.raises(ValueError, match="'alpha' is now 'adoption'"):
        equilibrium_sweep(graph, "SISa", "alpha", [0.1], 5, 1, 2, beta=0.5, gamma=1.0, adoption=0.1)


@pytest.mark.parametrize(
    "model, rates, initial",
    [
        ("SIS", {"beta": 0.4, "gamma": 1.0}, 0.1),
        ("SIR", {"beta": 0.8, "gamma": 1.0}, [0, 1, 2]),
        ("SISa", {"beta": 0.3, "gamma": 1.0, "adoption": 0.2}, 0),
    ],
)
def test_compiled_gillespie_equals_reference_loop(model, rates, initial):
    """Same seed, same random stream: identical counts and event numbers."""
    graph = nx.connected_watts_strogatz_graph(5_000 if model == "SIS" else 500, 6, 0.1, seed=2)
    _, spread = graph_adjacency(graph, symmetrise=False)
    t_max = 12.0 if model == "SIS" else 20.0
    times = np.arange(0, int(t_max / 0.5) + 1) * 0.5
    for seed in (0, 1):
        infected = np.zeros(graph.number_of_nodes(), dtype=bool)
        if isinstance(initial, list):
            infected[initial] = True
        else:
            infected[np.random.default_rng(seed).choice(len(infected), int(initial * len(infected)), replace=False)] = (
                True
            )
        got, got_events = _gillespie(spread, infected, times, model, rates, np.random.default_rng(seed))
        want, want_events = reference_gillespie(spread, infected, times, model, rates, np.random.default_rng(seed))
        assert got_events == want_events
        np.testing.assert_array_equal(got, want)
    assert want_events > 100


def test_graph_inputs_networkx_scipy_igraph_agree():
    graph = nx.gnp_random_graph(300, 0.02, seed=5, directed=True)
    matrix = nx.to_scipy_sparse_array(graph, weight=None, format="csr")
    other = igraph.Graph(n=300, edges=list(graph.edges()), directed=True)
    runs = [
        simulate(g, "SIS", 5, seed=2, engine="gillespie", initial=0.2, beta=0.5, gamma=1.0)
        for g in (graph, matrix, sp.coo_matrix(matrix), other)
    ]
    for run in runs[1:]:
        assert run.equals(runs[0])
    with pytest.raises(TypeError, match="networkx graph, an igraph Graph or a square scipy"):
        simulate([[0, 1]], "SIS", 5, beta=0.5, gamma=1.0)
    with pytest.raises(ValueError, match="square"):
        simulate(sp.csr_array(np.ones((2, 3))), "SIS", 5, beta=0.5, gamma=1.0)
