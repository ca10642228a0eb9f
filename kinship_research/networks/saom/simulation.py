"""Micro-step simulation of a SAOM period: network and behaviour co-evolution (numba inner loop).

At each micro-step an actor ``i`` is drawn uniformly (every actor has network rate ``rho`` and
behaviour rate ``lambda``; the step is a network step with probability ``rho / (rho + lambda)``).
A network step chooses among toggling ``x_ij`` for each changeable ``j`` and not changing, with
probabilities ``p_j ∝ exp(sum_k beta_k (1 - 2 x_ij) c_ijk)`` (no change: ``exp(0)``); a behaviour
step chooses ``z_i - 1``, ``z_i`` or ``z_i + 1`` within the observed range with probabilities
``∝ exp(sum_k gamma_k Δs_ik)`` (see :mod:`kinship_research.networks.saom.effects`).

Conditional simulation (network only, RSiena's default then) runs until the distance from the
starting network over counted pairs equals the observed one; the elapsed time is then
``Gamma(M, n rho)`` for ``M`` micro-steps. Unconditional simulation over a period of length 1 runs
``M ~ Poisson(n (rho + lambda))`` micro-steps (RSiena's default with a behaviour). The simulator
accumulates the scores ``d log P / d beta`` and ``d log P / d gamma``, ``sum_steps (delta_chosen -
E_p delta)``, used for the derivative matrix (Schweinberger & Snijders 2007, Computational
Statistics & Data Analysis 51:4465-4483).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from numba import njit

from kinship_research.methods.checks import random_generator
from kinship_research.networks.saom.effects import (
    GWESP_ALPHA,
    SAME_TOLERANCE,
    Behaviour,
    Effect,
    KernelArrays,
    gwesp_weight,
    kernel_arrays,
    saom_data,
)

MAX_STEPS_PER_CHANGE = 10_000
"""Safety stop: a conditional run that needs more micro-steps than this per observed change fails."""


@njit(cache=True)
def _neighbours(row, out):
    """Write the indices ``h`` with ``row[h] != 0`` into ``out`` (ascending); return how many."""
    count = 0
    for h in range(row.shape[0]):
        if row[h] != 0:
            out[count] = h
            count += 1
    return count


@njit(cache=True)
def _network_deltas(x, xt, i, codes, values, ranges, sim_means, zc, indeg, outdeg, weights, work, nbrs, deltas):
    """deltas[k, j]: change of s_ik when actor i toggles x_ij (``xt`` is ``x.T``; every j is filled,
    the caller reads only pairs that can change).

    One pass over ``j`` per effect, on contiguous rows (``x[j, i]`` is read as ``xt[i, j]``); the
    sums over i's out-neighbours ``h`` run over their list, ascending, so every value is computed
    in the same order as by the scan over all ``h`` of the reference kernel in the tests.
    """
    n = x.shape[0]
    xi, xti = x[i], xt[i]
    out = _neighbours(xi, nbrs)
    for k in range(codes.shape[0]):
        code = codes[k]
        row = deltas[k]
        if code == 2 or code == 13:
            for j in range(n):
                work[j] = 0.0
            for a in range(out):
                h = nbrs[a]
                xh, xth = x[h], xt[h]
                if code == 2:
                    for j in range(n):
                        work[j] += xh[j] + xth[j]
                else:  # work[j] = number of two-paths i -> h -> j
                    for j in range(n):
                        work[j] += xh[j]
        elif code == 3:
            for j in range(n):
                work[j] = 0.0
            for h in range(n):
                if xti[h] != 0:
                    xth = xt[h]
                    for j in range(n):
                        work[j] += xth[j]
        if code == 0:
            for j in range(n):
                row[j] = 1.0 - 2.0 * xi[j]
        elif code == 1:
            for j in range(n):
                row[j] = xti[j] * (1.0 - 2.0 * xi[j])
        elif code == 2 or code == 3:
            for j in range(n):
                row[j] = work[j] * (1.0 - 2.0 * xi[j])
        elif code == 4 or code == 7:
            v = values[k] if code == 4 else zc
            for j in range(n):
                row[j] = (1.0 - abs(v[i] - v[j]) / ranges[k] - sim_means[k]) * (1.0 - 2.0 * xi[j])
        elif code == 5 or code == 8:
            vi = values[k, i] if code == 5 else zc[i]
            for j in range(n):
                row[j] = vi * (1.0 - 2.0 * xi[j])
        elif code == 6 or code == 9:
            v = values[k] if code == 6 else zc
            for j in range(n):
                row[j] = v[j] * (1.0 - 2.0 * xi[j])
        elif code == 10:
            for j in range(n):
                row[j] = (indeg[j] - xi[j] + 1.0) * (1.0 - 2.0 * xi[j])
        elif code == 11:
            for j in range(n):
                row[j] = outdeg[j] * (1.0 - 2.0 * xi[j])
        elif code == 12:
            for j in range(n):
                row[j] = (2.0 * (outdeg[i] - xi[j]) + 1.0) * (1.0 - 2.0 * xi[j])
        elif code == 14:
            reciprocated = 0.0
            for h in range(n):
                reciprocated += xi[h] * xti[h]
            for j in range(n):
                row[j] = (reciprocated - xi[j] * xti[j] + xti[j] * (outdeg[i] - xi[j] + 1.0)) * (1.0 - 2.0 * xi[j])
        elif code == 15 or code == 18:
            v = values[k] if code == 15 else zc
            for j in range(n):
                row[j] = (1.0 if abs(v[i] - v[j]) < SAME_TOLERANCE else 0.0) * (1.0 - 2.0 * xi[j])
        else:
            # own term w(t_ij) plus the shift of the other ties i -> l with j -> l
            for j in range(n):
                c = weights[int(work[j])]
                xj = x[j]
                for a in range(out):
                    m = nbrs[a]
                    if m != j and xj[m] != 0:
                        t0 = int(work[m] - xi[j])
                        c += weights[t0 + 1] - weights[t0]
                row[j] = c * (1.0 - 2.0 * xi[j])


@njit(cache=True)
def _behaviour_deltas(x, i, z, z_mean, z_range, bcodes, bvalues, outdeg, bdeltas):
    """bdeltas[d + 1, k]: change of s_ik when actor i moves its behaviour by d in (-1, 0, 1)."""
    n = x.shape[0]
    q = bcodes.shape[0]
    zi = z[i] - z_mean
    alter_sum = 0.0
    for j in range(n):
        if x[i, j] != 0:
            alter_sum += z[j] - z_mean
    for row in range(3):
        d = row - 1.0
        for k in range(q):
            code = bcodes[k]
            if d == 0.0:
                c = 0.0
            elif code == 0:
                c = d
            elif code == 1:
                c = 2.0 * zi * d + 1.0
            elif code == 2:
                c = d * alter_sum / outdeg[i] if outdeg[i] > 0 else 0.0
            elif code == 3 or code == 4:
                c = 0.0
                for j in range(n):
                    if x[i, j] != 0:
                        c += (abs(z[i] - z[j]) - abs(z[i] + d - z[j])) / z_range
                if code == 3:
                    c = c / outdeg[i] if outdeg[i] > 0 else 0.0
            else:
                c = d * bvalues[k, i]
            bdeltas[row, k] = c


@njit(cache=True)
def _choose(utility, available, total_options, normalise):
    """Index drawn with probabilities exp(utility) over available options.

    ``utility`` becomes the unnormalised weights, or with ``normalise`` the probabilities.
    """
    top = -1e300
    for o in range(total_options):
        if available[o] and utility[o] > top:
            top = utility[o]
    total = 0.0
    for o in range(total_options):
        if available[o]:
            utility[o] = np.exp(utility[o] - top)
            total += utility[o]
        else:
            utility[o] = 0.0
    draw = np.random.random() * total
    acc = 0.0
    chosen = -1
    for o in range(total_options):
        if available[o]:
            chosen = o
            acc += utility[o]
            if draw < acc:
                break
    if normalise:
        for o in range(total_options):
            utility[o] /= total
    return chosen


@njit(cache=True)
def _simulate(
    x,
    z,
    start,
    changeable,
    counted,
    active,
    target,
    n_steps,
    network_share,
    codes,
    values,
    ranges,
    sim_means,
    bcodes,
    bvalues,
    z_mean,
    z_range,
    z_min,
    z_max,
    beta,
    gamma,
    weights,
    seed,
    scores,
):
    np.random.seed(seed)
    n = x.shape[0]
    p = codes.shape[0]
    q = bcodes.shape[0]
    score = np.zeros(p)
    bscore = np.zeros(q)
    means = np.zeros(p)  # E_p delta_k of a network step
    deltas = np.zeros((p, n + 1))  # column n: the no-change option
    bdeltas = np.zeros((3, q))
    utility = np.zeros(n + 1)
    available = np.zeros(n + 1, dtype=np.bool_)
    butility = np.zeros(3)
    bavailable = np.zeros(3, dtype=np.bool_)
    work = np.zeros(n)
    nbrs = np.zeros(n, dtype=np.int64)
    xt = np.ascontiguousarray(x.T)
    zc = np.zeros(n)
    indeg = np.zeros(n)
    outdeg = np.zeros(n)
    for i in range(n):
        for j in range(n):
            indeg[j] += x[i, j]
            outdeg[i] += x[i, j]
    for j in range(n):
        zc[j] = z[j] - z_mean
    distance = 0
    network_steps = 0
    behaviour_steps = 0
    for _ in range(n_steps):
        if target >= 0 and distance == target:
            break
        i = np.random.randint(n)
        if network_share < 1.0 and np.random.random() >= network_share:
            behaviour_steps += 1
            if not active[i]:
                continue
            _behaviour_deltas(x, i, z, z_mean, z_range, bcodes, bvalues, outdeg, bdeltas)
            for row in range(3):
                bavailable[row] = z_min <= z[i] + row - 1.0 <= z_max
                u = 0.0
                for k in range(q):
                    u += gamma[k] * bdeltas[row, k]
                butility[row] = u
            chosen = _choose(butility, bavailable, 3, scores)
            if scores:
                for k in range(q):
                    expected = 0.0
                    for row in range(3):
                        expected += butility[row] * bdeltas[row, k]
                    bscore[k] += bdeltas[chosen, k] - expected
            z[i] += chosen - 1.0
            zc[i] = z[i] - z_mean
            continue
        network_steps += 1
        _network_deltas(x, xt, i, codes, values, ranges, sim_means, zc, indeg, outdeg, weights, work, nbrs, deltas)
        allowed = changeable[i]
        for j in range(n):
            available[j] = allowed[j]
            utility[j] = 0.0
        for k in range(p):
            b, row = beta[k], deltas[k]
            for j in range(n):
                utility[j] += b * row[j]
        available[n] = True
        utility[n] = 0.0
        chosen = _choose(utility, available, n + 1, scores)
        if scores:
            # p running sums at once, each over j in ascending order
            for k in range(p):
                means[k] = 0.0
            for j in range(n):
                if available[j]:
                    w = utility[j]
                    for k in range(p):
                        means[k] += w * deltas[k, j]
            for k in range(p):
                score[k] += deltas[k, chosen] - means[k]
        if chosen < n:
            j = chosen
            change = 1.0 - 2.0 * x[i, j]
            x[i, j] = 1.0 - x[i, j]
            xt[j, i] = x[i, j]
            outdeg[i] += change
            indeg[j] += change
            if counted[i, j]:
                distance += 1 if x[i, j] != start[i, j] else -1
    if target >= 0 and distance != target:
        return -1, behaviour_steps, score, bscore
    return network_steps, behaviour_steps, score, bscore


_NO_BEHAVIOUR = KernelArrays(np.zeros(0, np.int64), np.zeros((0, 1)), np.zeros(0), np.zeros(0))


def run_kernel(
    start,
    changeable,
    counted,
    arrays: KernelArrays,
    beta,
    kernel_seed: int,
    *,
    target: int = -1,
    n_steps: int | None = None,
    behaviour_start=None,
    behaviour=None,
    behaviour_arrays: KernelArrays | None = None,
    gamma=None,
    active=None,
    network_share: float = 1.0,
    scores: bool = True,
):
    """Run the compiled simulator on copies of ``start`` (and ``behaviour_start``).

    ``target >= 0``: conditional on that network distance (network only); otherwise exactly
    ``n_steps`` micro-steps. ``behaviour``: a :class:`~.effects.Behaviour` (its mean, range and
    observed limits). ``scores=False`` skips the scores (returned as zeros; Robbins-Monro phase 2
    does not use them) without changing the simulated path. Returns ``(x, z, network steps,
    behaviour steps, network score, behaviour score)``.
    """
    x = np.array(start, dtype=float)
    n = x.shape[0]
    if target >= 0:
        n_steps = MAX_STEPS_PER_CHANGE * max(target, 1)
    weights = gwesp_weight(np.arange(n + 2), GWESP_ALPHA)
    if behaviour is None:
        z = np.zeros(n)
        barrays, gamma = _NO_BEHAVIOUR, np.zeros(0)
        limits = (0.0, 1.0, 0.0, 0.0)
        active = np.zeros(n, bool)
    else:
        z = np.array(behaviour_start, dtype=float)
        barrays = behaviour_arrays
        gamma = np.asarray(gamma, dtype=float)
        limits = (behaviour.mean, behaviour.range, behaviour.minimum, behaviour.maximum)
        active = np.ones(n, bool) if active is None else np.asarray(active, bool)
    steps, behaviour_steps, score, bscore = _simulate(
        x,
        z,
        np.asarray(start, dtype=float),
        np.asarray(changeable, dtype=np.bool_),
        np.asarray(counted, dtype=np.bool_),
        active,
        int(target),
        int(n_steps),
        float(network_share),
        arrays.codes,
        arrays.values,
        arrays.ranges,
        arrays.sim_means,
        barrays.codes,
        barrays.values,
        *limits,
        np.asarray(beta, dtype=float),
        gamma,
        weights,
        int(kernel_seed),
        bool(scores),
    )
    if steps < 0:
        raise RuntimeError(
            f"conditional simulation did not reach {target} changes in {n_steps} micro-steps; "
            "the parameters are far from the data (try other starting values)"
        )
    return x, z, steps, behaviour_steps, score, bscore


def _check_beta(name, values, effects):
    values = np.asarray(values, dtype=float)
    if values.shape != (len(effects),):
        raise ValueError(f"{name} must have one value per effect ({len(effects)}), got shape {values.shape}")
    return values


def simulate_network_period(
    start, effects, beta, *, rate=None, target_distance=None, changeable=None, counted=None, covariates=None, seed=None
):
    """Simulate one network period: for a duration 1 at ``rate``, or conditionally on ``target_distance``.

    Give exactly one of ``rate`` and ``target_distance``. Returns ``(end network, number of
    micro-steps, score vector d log P / d beta)``.
    """
    start = np.asarray(start, dtype=float)
    n = start.shape[0]
    effects = [Effect.parse(e) for e in effects]
    beta = _check_beta("beta", beta, effects)
    changeable = ~np.eye(n, dtype=bool) if changeable is None else np.asarray(changeable, dtype=bool)
    counted = changeable if counted is None else np.asarray(counted, dtype=bool)
    data = saom_data(np.stack([start, start]), covariates=covariates)
    arrays = kernel_arrays(effects, data)
    if (rate is None) == (target_distance is None):
        raise ValueError("give exactly one of rate (unconditional) and target_distance (conditional)")
    rng = random_generator(seed)
    if rate is not None:
        if not rate > 0:
            raise ValueError(f"rate must be positive, got {rate}")
        steps = int(rng.poisson(n * rate))
        x, _, steps, _, score, _ = run_kernel(
            start, changeable, counted, arrays, beta, int(rng.integers(2**31 - 1)), n_steps=steps
        )
        return x, steps, score
    x, _, steps, _, score, _ = run_kernel(
        start, changeable, counted, arrays, beta, int(rng.integers(2**31 - 1)), target=int(target_distance)
    )
    return x, steps, score


def simulate_coevolution(
    start,
    behaviour_start,
    effects,
    beta,
    behaviour_effects,
    gamma,
    *,
    rates,
    behaviour_rates,
    behaviour_range,
    behaviour_mean=None,
    behaviour_name: str = "behaviour",
    covariates=None,
    seed=None,
):
    """Simulate network-behaviour co-evolution over ``len(rates)`` periods of length 1 from known parameters.

    ``behaviour_start``: integer codes within ``behaviour_range = (min, max)``; ``behaviour_mean``
    the centring value (default: mean of ``behaviour_start``; estimation centres at the observed
    mean of all waves, so a linear shape estimate absorbs the difference). Returns ``(ties W x n x
    n, behaviour W x n)`` with ``W = len(rates) + 1``.
    """
    start = np.asarray(start, dtype=float)
    z = np.asarray(behaviour_start, dtype=float)
    n = start.shape[0]
    rates, behaviour_rates = np.atleast_1d(rates).astype(float), np.atleast_1d(behaviour_rates).astype(float)
    if rates.shape != behaviour_rates.shape or (rates <= 0).any() or (behaviour_rates <= 0).any():
        raise ValueError("rates and behaviour_rates must be positive and of the same length (one per period)")
    low, high = behaviour_range
    if not (low < high and z.min() >= low and z.max() <= high):
        raise ValueError(f"behaviour_range {behaviour_range} must contain the starting behaviour")
    mean = float(z.mean()) if behaviour_mean is None else float(behaviour_mean)
    off = ~np.eye(n, dtype=bool)
    sim_mean = float((1.0 - np.abs(z[:, None] - z[None, :]) / (high - low))[off].mean())
    one = np.ones((1, n), bool)
    beh = Behaviour(behaviour_name, z[None], z[None], z[None], one, one, float(low), float(high), mean, sim_mean)
    panel = replace(saom_data(np.stack([start, start]), covariates=covariates), behaviour=beh)
    effects = [Effect.parse(e) for e in effects]
    behaviour_effects = [Effect.parse(e, behaviour_name) for e in behaviour_effects]
    beta, gamma = _check_beta("beta", beta, effects), _check_beta("gamma", gamma, behaviour_effects)
    arrays, barrays = kernel_arrays(effects, panel), kernel_arrays(behaviour_effects, panel)
    rng = random_generator(seed)
    networks, behaviours = [start], [z]
    for rate, behaviour_rate in zip(rates, behaviour_rates):
        steps = int(rng.poisson(n * (rate + behaviour_rate)))
        x, z_new, *_ = run_kernel(
            networks[-1],
            off,
            off,
            arrays,
            beta,
            int(rng.integers(2**31 - 1)),
            n_steps=steps,
            behaviour_start=behaviours[-1],
            behaviour=beh,
            behaviour_arrays=barrays,
            gamma=gamma,
            network_share=rate / (rate + behaviour_rate),
        )
        networks.append(x)
        behaviours.append(z_new)
    return np.array(networks), np.array(behaviours)
