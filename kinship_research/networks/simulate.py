"""Contagion on networks: SIS, SIR, SISa and threshold models through one entry point.

Discrete time is vectorised over nodes (one sparse matrix-vector product per step); the exact
continuous-time (Gillespie) engine draws each event from a Fenwick tree of per-node rates.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import networkx as nx
import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy import stats

from kinship_research.networks.adjacency import graph_adjacency

__all__ = ["MODELS", "equilibrium_prevalence", "equilibrium_sweep", "replicate", "simulate"]

MODELS = {  # model -> (required rates, compartments)
    "SIS": (("beta", "gamma"), ("S", "I")),
    "SIR": (("beta", "gamma"), ("S", "I", "R")),
    "SISa": (("beta", "gamma", "alpha"), ("S", "I")),
    "threshold": (("threshold",), ("S", "I")),
}
SIMULATION_METHODS = ("discrete", "gillespie")


def _check_rates(model: str, rates: dict) -> dict:
    required = MODELS[model][0]
    unknown = sorted(set(rates) - set(required))
    missing = [name for name in required if name not in rates]
    if unknown or missing:
        raise ValueError(f"model {model!r} takes rates {required}; missing {missing}, "
                         f"unknown {unknown}")
    for name in required:
        value = rates[name]
        if isinstance(value, bool) or not isinstance(value, (int, float, np.number)) \
                or not np.isfinite(value) or value < 0:
            raise ValueError(f"rate {name} must be a finite number >= 0, got {value!r}")
    if model == "threshold" and not 0 < rates["threshold"] <= 1:
        raise ValueError(f"threshold is a fraction of neighbours in (0, 1], got "
                         f"{rates['threshold']!r}")
    return {name: float(rates[name]) for name in required}


def _initial_state(initial, nodes: list, rng) -> np.ndarray:
    """Boolean vector of initially infected nodes from a count, a fraction or a node list."""
    n = len(nodes)
    if isinstance(initial, (bool, np.bool_)):
        raise ValueError("initial must be a count (int), a fraction (float) or nodes, not bool")
    if isinstance(initial, (int, np.integer)):
        if not 0 <= initial <= n:
            raise ValueError(f"initial count must be between 0 and {n}, got {initial}")
        count = int(initial)
    elif isinstance(initial, (float, np.floating)):
        if not 0 <= initial <= 1:
            raise ValueError(f"initial fraction must be in [0, 1], got {initial}")
        count = int(round(initial * n))
    elif isinstance(initial, Iterable) and not isinstance(initial, str):
        position = {node: i for i, node in enumerate(nodes)}
        listed = list(initial)
        missing = [node for node in listed if node not in position]
        if missing:
            raise KeyError(f"initial nodes not in the graph: {missing[:3]!r}")
        infected = np.zeros(n, dtype=bool)
        infected[[position[node] for node in listed]] = True
        return infected
    else:
        raise ValueError(f"initial must be an int, a float or a list of nodes, got {initial!r}")
    infected = np.zeros(n, dtype=bool)
    infected[rng.choice(n, size=count, replace=False)] = True
    return infected


def simulate(graph: nx.Graph, model: str, t_max: float, seed=None, method: str = "discrete",
             initial=0.01, dt: float = 0.1, **rates) -> pd.DataFrame:
    """Simulate a contagion model and return the number of nodes in each state over time.

    Models (per susceptible node with k infected neighbours; on directed graphs the
    neighbours are in-neighbours, i.e. infection flows along edge directions):

    - ``"SIS"``: S -> I at rate beta k; I -> S at rate gamma.
    - ``"SIR"``: S -> I at rate beta k; I -> R at rate gamma.
    - ``"SISa"``: S -> I at rate alpha + beta k (spontaneous adoption alpha; Hill et al.'s
      a, b, g = alpha, beta, gamma); I -> S at rate gamma.
    - ``"threshold"``: S -> I (permanent) once the fraction of adopted neighbours is at least
      ``threshold`` (Watts 2002); synchronous rounds, t counts rounds and ``dt`` is unused.

    ``method="discrete"`` updates all nodes synchronously every ``dt`` from the state at the
    start of the step: P(S -> I) = 1 - exp(-(alpha + beta k) dt), P(I -> S or R) =
    1 - exp(-gamma dt), i.e. the exact per-node hazards held fixed over the step (tends to the
    continuous-time process as dt -> 0). k comes from one CSR matrix-vector product.
    ``method="gillespie"`` (SIS, SIR, SISa) is exact continuous time: node i has total rate
    gamma + beta outdeg_i if infected (recovery plus transmission attempts to a uniformly
    chosen out-neighbour, which succeed when it is susceptible) and alpha if susceptible; the
    next event is drawn from a Fenwick tree of these rates (O(log n) per event). The state is
    reported every ``dt``.

    Parameters
    ----------
    graph : networkx graph.
    model : one of "SIS", "SIR", "SISa", "threshold".
    t_max : simulated time (> 0); rows at t = 0, dt, 2 dt, ... <= t_max.
    seed : seed for numpy.random.default_rng.
    initial : infected at t = 0: a count (int), a fraction of nodes (float) or a node list.
    dt : time step (discrete) or reporting interval (gillespie), > 0.
    **rates : beta, gamma (SIS, SIR), plus alpha (SISa); threshold (threshold model).

    Returns
    -------
    DataFrame with columns t, S, I (and R for SIR); ``attrs`` holds n_nodes, model, method,
    rates and, for gillespie, n_events.

    References
    ----------
    Hill AL, Rand DG, Nowak MA, Christakis NA (2010) PLoS Comput Biol 6(11):e1000968 (SISa).
    Gillespie DT (1977) J Phys Chem 81:2340. Watts DJ (2002) PNAS 99:5766 (threshold).
    Kiss IZ, Miller JC, Simon PL (2017) Mathematics of Epidemics on Networks, Springer.
    """
    if model not in MODELS:
        raise ValueError(f"model must be one of {tuple(MODELS)}, got {model!r}")
    if method not in SIMULATION_METHODS:
        raise ValueError(f"method must be one of {SIMULATION_METHODS}, got {method!r}")
    if method == "gillespie" and model == "threshold":
        raise ValueError("the threshold model runs in synchronous rounds; use method='discrete'")
    if not isinstance(graph, nx.Graph) or graph.number_of_nodes() == 0:
        raise ValueError("graph must be a non-empty networkx graph")
    for name, value in (("t_max", t_max), ("dt", dt)):
        if isinstance(value, bool) or not isinstance(value, (int, float, np.number)) \
                or not np.isfinite(value) or value <= 0:
            raise ValueError(f"{name} must be a finite number > 0, got {value!r}")
    checked = _check_rates(model, rates)
    rng = np.random.default_rng(seed)
    # row i of `spread` lists the nodes that node i can infect
    nodes, spread = graph_adjacency(graph, symmetrise=False)
    infected = _initial_state(initial, nodes, rng)
    if model == "threshold":
        counts = _threshold(spread, infected, int(math.floor(t_max)), checked["threshold"])
        times = np.arange(len(counts), dtype=float)
    elif method == "discrete":
        times = np.arange(0, int(math.floor(t_max / dt + 1e-9)) + 1) * dt
        counts = _discrete(spread, infected, len(times), dt, model, checked, rng)
    else:
        times = np.arange(0, int(math.floor(t_max / dt + 1e-9)) + 1) * dt
        counts, n_events = _gillespie(spread, infected, times, model, checked, rng)
    columns = MODELS[model][1]
    table = pd.DataFrame(counts[:, :len(columns)], columns=list(columns))
    table.insert(0, "t", times)
    table.attrs.update({"n_nodes": len(nodes), "model": model, "method": method,
                        "rates": checked})
    if method == "gillespie":
        table.attrs["n_events"] = n_events
    return table


def _discrete(spread, infected, n_times, dt, model, rates, rng) -> np.ndarray:
    """Synchronous discrete-time SIS/SIR/SISa; returns counts (n_times x 3: S, I, R).

    Per step: k = A^T x by one CSR product (float32); only susceptible nodes with a positive
    hazard draw a uniform number (with alpha = 0, those with k = 0 cannot be infected).
    """
    pressure = sp.csr_array(spread.T)  # row v: who can infect v
    state = infected.astype(np.int8)  # 0 S, 1 I, 2 R
    x = infected.astype(np.float32)
    beta, gamma = rates["beta"], rates["gamma"]
    alpha = rates.get("alpha", 0.0)
    recovery_prob = -math.expm1(-gamma * dt)
    after_recovery = 2 if model == "SIR" else 0
    counts = np.zeros((n_times, 3), dtype=np.int64)
    counts[0] = np.bincount(state, minlength=3)
    for step in range(1, n_times):
        k = pressure @ x
        susceptible = state == 0
        at_risk = np.flatnonzero(susceptible if alpha > 0 else susceptible & (k > 0))
        hazard = alpha + beta * k[at_risk].astype(np.float64)
        infect = at_risk[rng.random(len(at_risk)) < -np.expm1(-hazard * dt)]
        sick = np.flatnonzero(state == 1)
        recover = sick[rng.random(len(sick)) < recovery_prob]
        state[infect] = 1
        state[recover] = after_recovery
        x[infect] = 1.0
        x[recover] = 0.0
        moved = (len(infect), len(recover))
        counts[step] = counts[step - 1] + (
            (-moved[0], moved[0] - moved[1], moved[1]) if after_recovery == 2
            else (moved[1] - moved[0], moved[0] - moved[1], 0))
    return counts


def _threshold(spread, infected, rounds, threshold) -> np.ndarray:
    """Synchronous threshold (complex) contagion; adoption is permanent."""
    pressure = sp.csr_array(spread.T.astype(np.float64))
    degree = np.asarray(pressure.sum(axis=1)).ravel()
    adopted = infected.copy()
    counts = np.zeros((rounds + 1, 3), dtype=np.int64)
    n = len(adopted)
    counts[0] = (n - adopted.sum(), adopted.sum(), 0)
    for step in range(1, rounds + 1):
        share = np.divide(pressure @ adopted.astype(np.float64), degree,
                          out=np.zeros(n), where=degree > 0)
        adopted = adopted | (share >= threshold - 1e-12) & (degree > 0)
        counts[step] = (n - adopted.sum(), adopted.sum(), 0)
    return counts


def _gillespie(spread, infected, times, model, rates, rng):
    """Exact continuous-time SIS/SIR/SISa with a Fenwick tree of node rates."""
    n = spread.shape[0]
    beta, gamma = rates["beta"], rates["gamma"]
    alpha = rates.get("alpha", 0.0)
    after_recovery = 2 if model == "SIR" else 0
    rate_after_recovery = alpha if model == "SISa" else 0.0
    indptr = spread.indptr.tolist()
    indices = spread.indices.tolist()
    out_degree = np.diff(spread.indptr)
    state = infected.astype(np.int64).tolist()
    infected_rate = (gamma + beta * out_degree).tolist()
    width = 1 << max(n - 1, 1).bit_length()  # power of two >= n: descent needs no bound check
    node_rate = np.zeros(width + 1)
    node_rate[:n] = np.where(infected, gamma + beta * out_degree, alpha)

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
    floor = 1e-12 * max(1.0, gamma + alpha)
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


def equilibrium_prevalence(runs: Iterable[pd.DataFrame], burn_in: float,
                           compartment: str = "I", level: float = 0.95) -> dict:
    """Mean prevalence after ``burn_in`` with a t-interval over independent runs.

    Each run contributes its time-averaged fraction of nodes in ``compartment`` over
    t >= burn_in; the estimate is the mean over runs with a Student-t interval
    mean +- t_{n-1} s / sqrt(n).

    Returns a dict: prevalence, ci_low, ci_high, sd_between_runs, n_runs, level.
    """
    averages = []
    for run in runs:
        if compartment not in run.columns:
            raise KeyError(f"compartment {compartment!r} not in {list(run.columns)}")
        late = run.loc[run["t"] >= burn_in, compartment]
        if late.empty:
            raise ValueError(f"burn_in={burn_in} leaves no time points (t_max={run['t'].max()})")
        averages.append(float(late.mean()) / run.attrs.get("n_nodes", np.nan))
    if len(averages) < 2:
        raise ValueError("need at least two runs for an interval")
    averages = np.array(averages)
    mean, sd = float(averages.mean()), float(averages.std(ddof=1))
    half = stats.t.ppf(0.5 + level / 2, len(averages) - 1) * sd / np.sqrt(len(averages))
    return {"prevalence": mean, "ci_low": float(mean - half), "ci_high": float(mean + half),
            "sd_between_runs": sd, "n_runs": len(averages), "level": level}


def _seed_sequence(seed) -> np.random.SeedSequence:
    return seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)


def replicate(graph: nx.Graph, model: str, t_max: float, n_runs: int, seed=None,
              **kwargs) -> list[pd.DataFrame]:
    """``n_runs`` independent runs of :func:`simulate`, seeded from one SeedSequence.

    Run r uses the r-th child of ``numpy.random.SeedSequence(seed)`` (``seed`` may itself be a
    SeedSequence), so the set of runs is
    reproducible from ``seed`` and the runs are statistically independent.
    """
    if not isinstance(n_runs, (int, np.integer)) or n_runs < 1:
        raise ValueError(f"n_runs must be an int >= 1, got {n_runs!r}")
    children = _seed_sequence(seed).spawn(int(n_runs))
    return [simulate(graph, model, t_max, seed=np.random.default_rng(child), **kwargs)
            for child in children]


def equilibrium_sweep(graph: nx.Graph, model: str, parameter: str, values, t_max: float,
                      burn_in: float, n_runs: int, seed=None, **kwargs) -> pd.DataFrame:
    """Equilibrium prevalence (mean and 95% t-interval over runs) as one rate varies.

    For each value v of ``parameter`` (a rate of ``model``), runs :func:`replicate` with
    that rate (seeded by the v-th child of ``SeedSequence(seed)``; ``seed`` may be one)
    and summarises with :func:`equilibrium_prevalence`. Returns one row per value:
    the parameter, prevalence, ci_low, ci_high, sd_between_runs, n_runs.
    """
    if parameter not in MODELS.get(model, ((),))[0]:
        raise ValueError(f"parameter must be a rate of model {model!r} "
                         f"{MODELS.get(model, ((),))[0]}, got {parameter!r}")
    sequence = _seed_sequence(seed)
    rows = []
    for value, child in zip(values, sequence.spawn(len(values))):
        runs = replicate(graph, model, t_max, n_runs, seed=child, **{parameter: value},
                         **kwargs)
        rows.append({parameter: float(value), **equilibrium_prevalence(runs, burn_in)})
    return pd.DataFrame(rows).drop(columns="level")
