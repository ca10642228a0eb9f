"""Contagion on networks: SIS, SIR, SISa and threshold models through one entry point.

Discrete time is vectorised over nodes (one sparse matrix-vector product per step); the exact
continuous-time (Gillespie) engine draws each event from a Fenwick tree of per-node rates.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy import stats

from kinship_research.methods.checks import random_generator
from kinship_research.networks.adjacency import graph_adjacency
from kinship_research.parallel import map_seeded

__all__ = ["MODELS", "equilibrium_prevalence", "equilibrium_sweep", "replicate", "simulate"]

MODELS = {  # model -> (required rates, compartments)
    "SIS": (("beta", "gamma"), ("S", "I")),
    "SIR": (("beta", "gamma"), ("S", "I", "R")),
    "SISa": (("beta", "gamma", "adoption"), ("S", "I")),
    "threshold": (("threshold",), ("S", "I")),
}
ENGINES = ("discrete", "gillespie")
RENAMED = {"alpha": "adoption"}  # old rate name -> current one (alpha now means only a decision threshold)


def _renamed_message(names, model: str) -> str:
    """' (...)' hint for rate names that were renamed, or ''."""
    old = [name for name in names if name in RENAMED]
    if not old:
        return ""
    hints = ", ".join(f"{name!r} is now {RENAMED[name]!r}" for name in old)
    return f" ({hints}: the spontaneous-adoption rate of {model!r}; alpha means only a decision threshold)"


def _check_rates(model: str, rates: dict) -> dict:
    required = MODELS[model][0]
    unknown = sorted(set(rates) - set(required))
    missing = [name for name in required if name not in rates]
    if unknown or missing:
        raise ValueError(
            f"model {model!r} takes rates {required}; missing {missing}, unknown {unknown}"
            + _renamed_message(unknown, model)
        )
    for name in required:
        value = rates[name]
        if (
            isinstance(value, bool)
            or not isinstance(value, (int, float, np.number))
            or not np.isfinite(value)
            or value < 0
        ):
            raise ValueError(f"rate {name} must be a finite number >= 0, got {value!r}")
    if model == "threshold" and not 0 < rates["threshold"] <= 1:
        raise ValueError(f"threshold is a fraction of neighbours in (0, 1], got {rates['threshold']!r}")
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


def simulate(
    graph, model: str, t_max: float, *, seed=None, engine: str = "discrete", initial=0.01, dt: float = 0.1, **rates
) -> pd.DataFrame:
    """Simulate a contagion model and return the number of nodes in each state over time.

    Models (per susceptible node with k infected neighbours; on directed graphs the
    neighbours are in-neighbours, i.e. infection flows along edge directions):

    - ``"SIS"``: S -> I at rate beta k; I -> S at rate gamma.
    - ``"SIR"``: S -> I at rate beta k; I -> R at rate gamma.
    - ``"SISa"``: S -> I at rate adoption + beta k (spontaneous adoption rate; Hill et al.'s
      a, b, g = adoption, beta, gamma); I -> S at rate gamma.
    - ``"threshold"``: S -> I (permanent) once the fraction of adopted neighbours is at least
      ``threshold`` (Watts 2002); synchronous rounds, t counts rounds and ``dt`` is unused.

    ``engine="discrete"`` updates all nodes synchronously every ``dt`` from the state at the
    start of the step: P(S -> I) = 1 - exp(-(adoption + beta k) dt), P(I -> S or R) =
    1 - exp(-gamma dt), i.e. the exact per-node hazards held fixed over the step (tends to the
    continuous-time process as dt -> 0). k comes from one CSR matrix-vector product.
    ``engine="gillespie"`` (SIS, SIR, SISa) is exact continuous time: node i has total rate
    gamma + beta outdeg_i if infected (recovery plus transmission attempts to a uniformly
    chosen out-neighbour, which succeed when it is susceptible) and adoption if susceptible; the
    next event is drawn from a Fenwick tree (a sum tree) of these rates in O(log n), in a
    compiled (numba) event loop. The state is reported every ``dt``.

    Parameters
    ----------
    graph : networkx graph, igraph Graph, or square scipy sparse matrix (A[i, j] != 0: i
        can infect j; nodes 0..n-1).
    model : one of "SIS", "SIR", "SISa", "threshold".
    t_max : simulated time (> 0); rows at t = 0, dt, 2 dt, ... <= t_max.
    seed : seed for numpy.random.default_rng.
    initial : infected at t = 0: a count (int), a fraction of nodes (float) or a node list.
    dt : time step (discrete) or reporting interval (gillespie), > 0.
    **rates : beta, gamma (SIS, SIR), plus adoption (SISa); threshold (threshold model).

    Returns
    -------
    DataFrame with columns t, S, I (and R for SIR); the compartments sum to the number of nodes,
    so prevalence needs nothing beyond the table (``attrs`` adds model, engine, rates and, for
    gillespie, n_events for information only; no library function reads them).

    References
    ----------
    Hill AL, Rand DG, Nowak MA, Christakis NA (2010) PLoS Comput Biol 6(11):e1000968 (SISa).
    Gillespie DT (1977) J Phys Chem 81:2340. Watts DJ (2002) PNAS 99:5766 (threshold).
    Kiss IZ, Miller JC, Simon PL (2017) Mathematics of Epidemics on Networks, Springer.
    """
    if model not in MODELS:
        raise ValueError(f"model must be one of {tuple(MODELS)}, got {model!r}")
    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {ENGINES}, got {engine!r}")
    if engine == "gillespie" and model == "threshold":
        raise ValueError("the threshold model runs in synchronous rounds; use engine='discrete'")
    for name, value in (("t_max", t_max), ("dt", dt)):
        if (
            isinstance(value, bool)
            or not isinstance(value, (int, float, np.number))
            or not np.isfinite(value)
            or value <= 0
        ):
            raise ValueError(f"{name} must be a finite number > 0, got {value!r}")
    checked = _check_rates(model, rates)
    rng = random_generator(seed)
    # row i of `spread` lists the nodes that node i can infect
    nodes, spread = graph_adjacency(graph, symmetrise=False)
    if not nodes:
        raise ValueError("graph must have at least one node")
    infected = _initial_state(initial, nodes, rng)
    if model == "threshold":
        counts = _threshold(spread, infected, int(math.floor(t_max)), checked["threshold"])
        times = np.arange(len(counts), dtype=float)
    elif engine == "discrete":
        times = np.arange(0, int(math.floor(t_max / dt + 1e-9)) + 1) * dt
        counts = _discrete(spread, infected, len(times), dt, model, checked, rng)
    else:
        times = np.arange(0, int(math.floor(t_max / dt + 1e-9)) + 1) * dt
        counts, n_events = _gillespie(spread, infected, times, model, checked, rng)
    columns = MODELS[model][1]
    table = pd.DataFrame(counts[:, : len(columns)], columns=list(columns))
    table.insert(0, "t", times)
    table.attrs.update({"n_nodes": len(nodes), "model": model, "engine": engine, "rates": checked})
    if engine == "gillespie":
        table.attrs["n_events"] = n_events
    return table


def _discrete(spread, infected, n_times, dt, model, rates, rng) -> np.ndarray:
    """Synchronous discrete-time SIS/SIR/SISa; returns counts (n_times x 3: S, I, R).

    Per step: k = A^T x by one CSR product (float32); only susceptible nodes with a positive
    hazard draw a uniform number (with adoption = 0, those with k = 0 cannot be infected).
    """
    pressure = sp.csr_array(spread.T)  # row v: who can infect v
    state = infected.astype(np.int8)  # 0 S, 1 I, 2 R
    x = infected.astype(np.float32)
    beta, gamma = rates["beta"], rates["gamma"]
    adoption = rates.get("adoption", 0.0)
    recovery_prob = -math.expm1(-gamma * dt)
    after_recovery = 2 if model == "SIR" else 0
    counts = np.zeros((n_times, 3), dtype=np.int64)
    counts[0] = np.bincount(state, minlength=3)
    for step in range(1, n_times):
        k = pressure @ x
        susceptible = state == 0
        at_risk = np.flatnonzero(susceptible if adoption > 0 else susceptible & (k > 0))
        hazard = adoption + beta * k[at_risk].astype(np.float64)
        infect = at_risk[rng.random(len(at_risk)) < -np.expm1(-hazard * dt)]
        sick = np.flatnonzero(state == 1)
        recover = sick[rng.random(len(sick)) < recovery_prob]
        state[infect] = 1
        state[recover] = after_recovery
        x[infect] = 1.0
        x[recover] = 0.0
        moved = (len(infect), len(recover))
        counts[step] = counts[step - 1] + (
            (-moved[0], moved[0] - moved[1], moved[1])
            if after_recovery == 2
            else (moved[1] - moved[0], moved[0] - moved[1], 0)
        )
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
        share = np.divide(pressure @ adopted.astype(np.float64), degree, out=np.zeros(n), where=degree > 0)
        adopted = adopted | (share >= threshold - 1e-12) & (degree > 0)
        counts[step] = (n - adopted.sum(), adopted.sum(), 0)
    return counts


def _fenwick(values: np.ndarray) -> np.ndarray:
    """Fenwick tree (1-based) of ``values`` (length a power of two): tree[j] = sum of
    values[j - lowbit(j) : j]."""
    width = len(values)
    prefix = np.concatenate([[0.0], np.cumsum(values)])
    j = np.arange(1, width + 1)
    return np.concatenate([[0.0], prefix[j] - prefix[j - (j & -j)]])


def _gillespie(spread, infected, times, model, rates, rng):
    """Exact continuous-time SIS/SIR/SISa: a compiled event loop over a Fenwick tree of rates.

    Random numbers are drawn by ``rng`` in batches of 2^16 (exponential waiting times, then
    uniforms for the event choice); every 2^20 updates the tree is rebuilt from the rates to
    remove floating-point drift. Returns (counts, n_events).
    """
    from kinship_research.networks._kernels import gillespie_events

    n = spread.shape[0]
    beta, gamma = rates["beta"], rates["gamma"]
    adoption = rates.get("adoption", 0.0)
    after_recovery = 2 if model == "SIR" else 0
    rate_after_recovery = adoption if model == "SISa" else 0.0
    out_degree = np.diff(spread.indptr)
    infected_rate = gamma + beta * out_degree.astype(np.float64)
    width = 1 << max(n - 1, 1).bit_length()  # power of two >= n: descent needs no bound check
    rate = np.zeros(width + 1)
    rate[:n] = np.where(infected, infected_rate, adoption)
    tree = _fenwick(rate[:width])
    state = infected.astype(np.int64)
    n_infected = int(infected.sum())
    counts = np.zeros((len(times), 3), dtype=np.int64)
    counts[0] = (n - n_infected, n_infected, 0)
    grid = np.append(np.asarray(times[1:], dtype=np.float64), np.inf)
    scalars = np.array([0.0, float(rate.sum()), float(times[-1])])
    batch = 1 << 16
    counters = np.array([batch, n_infected, 0, 1, 0, 0], dtype=np.int64)
    exponentials = uniforms = np.zeros(batch)
    indptr, indices = spread.indptr.astype(np.int64), spread.indices.astype(np.int64)
    floor = 1e-12 * max(1.0, gamma + adoption)
    while True:
        if counters[0] == batch and scalars[1] > floor:
            exponentials = rng.standard_exponential(batch)
            uniforms = rng.random(batch)
            counters[0] = 0
        status = gillespie_events(
            tree,
            rate,
            state,
            indptr,
            indices,
            infected_rate,
            exponentials,
            uniforms,
            scalars,
            counters,
            grid,
            counts,
            beta,
            gamma,
            after_recovery,
            rate_after_recovery,
            floor,
        )
        if status == 1:
            break
        if status == 2:  # every 2^20 events: remove floating-point drift
            tree = _fenwick(rate[:width])
            scalars[1] = float(np.sum(rate))
    n_infected, n_removed, next_record = (int(v) for v in counters[1:4])
    counts[next_record:] = (n - n_infected - n_removed, n_infected, n_removed)
    return counts, int(counters[4])


def _compartments(run: pd.DataFrame) -> tuple[str, ...]:
    """The compartment columns of a simulate() table (their sum is the number of nodes)."""
    return tuple(c for c in ("S", "I", "R") if c in run.columns)


def equilibrium_prevalence(
    runs: Iterable[pd.DataFrame], burn_in: float, compartment: str = "I", level: float = 0.95
) -> dict:
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
        averages.append(float((late / run.loc[late.index, list(_compartments(run))].sum(axis=1)).mean()))
    if len(averages) < 2:
        raise ValueError("need at least two runs for an interval")
    averages = np.array(averages)
    mean, sd = float(averages.mean()), float(averages.std(ddof=1))
    half = stats.t.ppf(0.5 + level / 2, len(averages) - 1) * sd / np.sqrt(len(averages))
    return {
        "prevalence": mean,
        "ci_low": float(mean - half),
        "ci_high": float(mean + half),
        "sd_between_runs": sd,
        "n_runs": len(averages),
        "level": level,
    }


def _seed_sequence(seed) -> np.random.SeedSequence:
    return seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)


def _one_run(_, child, *, graph, model: str, t_max: float, kwargs: dict) -> pd.DataFrame:
    return simulate(graph, model, t_max, seed=np.random.default_rng(child), **kwargs)


def replicate(graph, model: str, t_max: float, n_runs: int, *, seed=None, client=None, **kwargs) -> list[pd.DataFrame]:
    """``n_runs`` independent runs of :func:`simulate`, seeded from one SeedSequence.

    Run r uses the r-th child of ``numpy.random.SeedSequence(seed)`` (``seed`` may itself be a
    SeedSequence), so the set of runs is
    reproducible from ``seed`` and the runs are statistically independent. With a
    ``dask.distributed`` ``client`` each run is one task (the graph scattered once), with the same
    numbers (:func:`kinship_research.parallel.map_seeded`).
    """
    if not isinstance(n_runs, (int, np.integer)) or n_runs < 1:
        raise ValueError(f"n_runs must be an int >= 1, got {n_runs!r}")
    return map_seeded(
        _one_run,
        range(int(n_runs)),
        seed=_seed_sequence(seed),
        client=client,
        shared={"graph": graph, "model": model, "t_max": t_max, "kwargs": kwargs},
    )


def equilibrium_sweep(
    graph,
    model: str,
    parameter: str,
    values,
    t_max: float,
    burn_in: float,
    n_runs: int,
    *,
    seed=None,
    client=None,
    **kwargs,
) -> pd.DataFrame:
    """Equilibrium prevalence (mean and 95% t-interval over runs) as one rate varies.

    For each value v of ``parameter`` (a rate of ``model``), runs :func:`replicate` with
    that rate (seeded by the v-th child of ``SeedSequence(seed)``; ``seed`` may be one)
    and summarises with :func:`equilibrium_prevalence`. Returns one row per value:
    the parameter, prevalence, ci_low, ci_high, sd_between_runs, n_runs. ``client``: the runs of
    each value as ``dask.distributed`` tasks (:func:`replicate`), same numbers.
    """
    if parameter not in MODELS.get(model, ((),))[0]:
        raise ValueError(
            f"parameter must be a rate of model {model!r} {MODELS.get(model, ((),))[0]}, got {parameter!r}"
            + _renamed_message([parameter], model)
        )
    sequence = _seed_sequence(seed)
    rows = []
    for value, child in zip(values, sequence.spawn(len(values))):
        runs = replicate(graph, model, t_max, n_runs, seed=child, client=client, **{parameter: value}, **kwargs)
        rows.append({parameter: float(value), **equilibrium_prevalence(runs, burn_in)})
    return pd.DataFrame(rows).drop(columns="level")
