"""Micro-step simulation of a SAOM network period (numba inner loop).

At each micro-step an actor ``i`` is drawn uniformly (all actors have rate ``rho``) and chooses
among toggling ``x_ij`` for each changeable ``j`` and not changing, with probabilities
``p_j ∝ exp(sum_k beta_k (1 - 2 x_ij) c_ijk)`` (no change: ``exp(0)``); see
:mod:`kinship_research.networks.saom.effects` for ``c_ijk``. Conditional simulation (RSiena's
default) runs until the distance from the starting network, over counted pairs, equals the observed
one; the elapsed time is then ``Gamma(M, n rho)`` for ``M`` micro-steps. Unconditional simulation
over a period of length 1 runs ``M ~ Poisson(n rho)`` micro-steps. The simulator also
accumulates the score ``d log P / d beta = sum_steps (delta_chosen - E_p delta)`` used for the
derivative matrix (Schweinberger & Snijders 2007, Computational Statistics & Data Analysis 51:4465).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from kinship_research.networks.saom.effects import Effect, covariate_arrays

MAX_STEPS_PER_CHANGE = 10_000
"""Safety stop: a conditional run that needs more micro-steps than this per observed change fails."""


@njit(cache=True)
def _contributions(x, i, j, codes, values, ranges, sim_means, out):
    n = x.shape[0]
    for k in range(codes.shape[0]):
        code = codes[k]
        if code == 0:
            c = 1.0
        elif code == 1:
            c = x[j, i]
        elif code == 2:
            c = 0.0
            for h in range(n):
                if x[i, h] != 0:
                    c += x[h, j] + x[j, h]
        elif code == 3:
            c = 0.0
            for h in range(n):
                if x[h, i] != 0:
                    c += x[j, h]
        elif code == 4:
            c = 1.0 - abs(values[k, i] - values[k, j]) / ranges[k] - sim_means[k]
        elif code == 5:
            c = values[k, i]
        else:
            c = values[k, j]
        out[k] = c * (1.0 - 2.0 * x[i, j])


@njit(cache=True)
def _simulate_conditional(
    x, start, changeable, counted, target, codes, values, ranges, sim_means, beta, seed, max_steps
):
    np.random.seed(seed)
    n = x.shape[0]
    p = codes.shape[0]
    score = np.zeros(p)
    deltas = np.zeros((n, p))
    utility = np.zeros(n)
    mean_delta = np.zeros(p)
    distance = 0
    steps = 0
    while distance != target or target < 0:
        if steps >= max_steps:
            return -1 if target >= 0 else steps, score
        steps += 1
        i = np.random.randint(n)
        top = 0.0
        for j in range(n):
            if changeable[i, j]:
                _contributions(x, i, j, codes, values, ranges, sim_means, deltas[j])
                u = 0.0
                for k in range(p):
                    u += beta[k] * deltas[j, k]
                utility[j] = u
                if u > top:
                    top = u
        total = np.exp(-top)  # the no-change option, utility 0
        for j in range(n):
            if changeable[i, j]:
                utility[j] = np.exp(utility[j] - top)
                total += utility[j]
        for k in range(p):
            mean_delta[k] = 0.0
        for j in range(n):
            if changeable[i, j]:
                w = utility[j] / total
                for k in range(p):
                    mean_delta[k] += w * deltas[j, k]
        draw = np.random.random() * total
        chosen = -1
        acc = np.exp(-top)
        if draw >= acc:
            for j in range(n):
                if changeable[i, j]:
                    acc += utility[j]
                    if draw < acc:
                        chosen = j
                        break
            if chosen == -1:  # rounding at the upper end
                for j in range(n - 1, -1, -1):
                    if changeable[i, j]:
                        chosen = j
                        break
        if chosen == -1:
            for k in range(p):
                score[k] -= mean_delta[k]
        else:
            for k in range(p):
                score[k] += deltas[chosen, k] - mean_delta[k]
            x[i, chosen] = 1.0 - x[i, chosen]
            if counted[i, chosen]:
                distance += 1 if x[i, chosen] != start[i, chosen] else -1
    return steps, score


def simulate_network_period(
    start, effects, beta, *, rate=None, target_distance=None, changeable=None, counted=None, covariates=None, seed=None
):
    """Simulate one period: for a duration 1 at ``rate``, or conditionally on ``target_distance`` changes.

    Give exactly one of ``rate`` and ``target_distance``. Returns ``(end network, number of
    micro-steps, score vector d log P / d beta)``.
    """
    from kinship_research.networks.saom.effects import SaomData

    start = np.asarray(start, dtype=float)
    n = start.shape[0]
    effects = [Effect.parse(e) for e in effects]
    beta = np.asarray(beta, dtype=float)
    if beta.shape != (len(effects),):
        raise ValueError(f"beta must have one value per effect ({len(effects)}), got shape {beta.shape}")
    changeable = ~np.eye(n, dtype=bool) if changeable is None else np.asarray(changeable, dtype=bool)
    counted = changeable if counted is None else np.asarray(counted, dtype=bool)
    data = SaomData(
        start[None],
        start[None],
        start[None],
        changeable[None],
        counted[None],
        {k: np.asarray(v, float) for k, v in (covariates or {}).items()},
    )
    arrays = covariate_arrays(effects, data)
    if (rate is None) == (target_distance is None):
        raise ValueError("give exactly one of rate (unconditional) and target_distance (conditional)")
    rng = np.random.default_rng(seed)
    if rate is not None:
        if not rate > 0:
            raise ValueError(f"rate must be positive, got {rate}")
        steps = int(rng.poisson(n * rate))
        return run_kernel(
            start, changeable, counted, -1, effects, arrays, beta, int(rng.integers(2**31 - 1)), max_steps=steps
        )
    return run_kernel(
        start, changeable, counted, int(target_distance), effects, arrays, beta, int(rng.integers(2**31 - 1))
    )


def run_kernel(start, changeable, counted, target, effects, arrays, beta, kernel_seed, max_steps=None):
    """Run the compiled simulator on a copy of ``start`` (``target < 0``: exactly ``max_steps`` steps)."""
    x = start.copy()
    codes = np.array([e.code for e in effects], dtype=np.int64)
    values, ranges, sim_means = arrays
    if max_steps is None:
        max_steps = MAX_STEPS_PER_CHANGE * max(target, 1)
    steps, score = _simulate_conditional(
        x, start, changeable, counted, target, codes, values, ranges, sim_means, beta, kernel_seed, max_steps
    )
    if steps < 0:
        raise RuntimeError(
            f"conditional simulation did not reach {target} changes in {max_steps} micro-steps; "
            "the parameters are far from the data (try other starting values)"
        )
    return x, steps, score
