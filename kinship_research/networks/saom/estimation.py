"""Method-of-moments estimation of a network SAOM by Robbins-Monro stochastic approximation.

Parameters ``theta = (rho_1..rho_P, beta_1..beta_p)``. Each simulation runs every period
conditionally on its observed number of changes (RSiena's ``cond=TRUE``) and returns the statistics
``S = (T_1..T_P, sum_m s(x_sim(t_m+1)))`` with targets ``(1..1, sum_m s(x_obs(t_m+1)))``, where
``T_m ~ Gamma(M_m, n rho_m)`` is the simulated duration of period ``m`` (``M_m`` micro-steps), and
the score ``U = (M_m / rho_m - n T_m, d log P / d beta)``. As in RSiena (Snijders 2001,
Sociological Methodology 31:361-395, section 7; RSiena manual, section 6.3):

* phase 1: ``n1 = 7 + 3 q`` simulations at the starting values; derivative matrix
  ``D = cov(S, U)`` (score-function estimator); one Newton step.
* phase 2: 4 subphases, gain ``a_k = 0.2 / 2^(k-1)``, updates
  ``theta <- theta - a_k D~^-1 (S - target)`` with ``D~ = 0.8 D + 0.2 diag(D)``; subphase ``k``
  lasts between ``n2min_k = (7 + q) 2.52^(k-1)`` and ``n2min_k + 200`` iterations (stops once every
  coordinate's running sum of products of successive deviations is negative); its average
  ``theta`` starts the next.
* phase 3: ``n3`` simulations at ``theta_hat``; ``cov(theta_hat) = D^-1 Sigma D^-T`` (delta method,
  ``Sigma = cov(S)``); convergence t-ratios ``(mean S - target) / sd S``; overall maximum
  convergence ratio ``sqrt(d' Sigma^-1 d)``, ``d = mean S - target`` (RSiena: good below 0.25).
"""

from __future__ import annotations

import logging

import numpy as np
from scipy import stats

from kinship_research.methods.checks import check_level, check_positive_int
from kinship_research.networks.saom.effects import (
    Effect,
    SaomData,
    covariate_arrays,
    network_statistics,
)
from kinship_research.networks.saom.results import SaomResult
from kinship_research.networks.saom.simulation import run_kernel

logger = logging.getLogger(__name__)

FIRST_GAIN = 0.2
DIAGONALIZE = 0.2
N_SUBPHASES = 4
MAX_STEP = 1.0


class _Model:
    """Data, effects and the simulate-one-panel function for given theta."""

    def __init__(self, data: SaomData, effects: list[Effect]):
        self.data = data
        self.effects = effects
        self.arrays = covariate_arrays(effects, data)
        self.n_periods = data.n_periods
        self.distances = [data.distance(m) for m in range(self.n_periods)]
        for m, d in enumerate(self.distances):
            if d == 0:
                raise ValueError(f"period {m + 1} has no observed tie change; its rate is not identified")
        observed = sum(network_statistics(data.end[m], effects, *self.arrays) for m in range(self.n_periods))
        self.target = np.concatenate([np.ones(self.n_periods), observed])

    def simulate(self, theta: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        n, periods = self.data.n_actors, self.n_periods
        rates, beta = theta[:periods], theta[periods:]
        statistics = np.zeros(len(theta))
        score = np.zeros(len(theta))
        for m in range(periods):
            x, steps, beta_score = run_kernel(
                self.data.start[m],
                self.data.changeable[m],
                self.data.counted[m],
                self.distances[m],
                self.effects,
                self.arrays,
                beta,
                int(rng.integers(2**31 - 1)),
            )
            duration = rng.gamma(steps, 1.0 / (n * rates[m]))
            statistics[m] = duration
            score[m] = steps / rates[m] - n * duration
            # cells missing at the end of the period count at their starting value, as observed
            end = np.where(self.data.changeable[m] & ~np.isnan(self.data.ties[m + 1]), x, self.data.end[m])
            statistics[periods:] += network_statistics(end, self.effects, *self.arrays)
            score[periods:] += beta_score
        return statistics, score

    def batch(self, theta, n_sims, rng):
        runs = [self.simulate(theta, rng) for _ in range(n_sims)]
        return np.array([r[0] for r in runs]), np.array([r[1] for r in runs])


def _derivative(statistics: np.ndarray, scores: np.ndarray) -> np.ndarray:
    """Score-function estimate of ``d E[S] / d theta``: ``cov(S_k, U_l)``."""
    centred = statistics - statistics.mean(axis=0)
    return centred.T @ scores / len(statistics)


def _starting_values(model: _Model) -> np.ndarray:
    data = model.data
    rates = [model.distances[m] / data.n_actors for m in range(model.n_periods)]
    # outdegree: balance of tie creation and dissolution, exp(2 beta) (1 - d) / d = n01 / n10
    created = dissolved = 0
    for m in range(model.n_periods):
        counted = data.counted[m]
        created += np.sum((data.ties[m] == 0) & (data.ties[m + 1] == 1) & counted)
        dissolved += np.sum((data.ties[m] == 1) & (data.ties[m + 1] == 0) & counted)
    density = np.mean([data.start[m][data.changeable[m]].mean() for m in range(model.n_periods)])
    density = np.clip(density, 0.01, 0.99)
    outdegree = 0.5 * np.log((created + 1) * density / ((dissolved + 1) * (1 - density)))
    beta = [outdegree if e.name == "outdegree" else 0.0 for e in model.effects]
    return np.array(rates + beta, dtype=float)


def _step(theta: np.ndarray, change: np.ndarray, n_periods: int) -> np.ndarray:
    # truncation as RSiena's: no effect moves by more than MAX_STEP in one update
    largest = np.abs(change[n_periods:]).max(initial=0.0)
    if largest > MAX_STEP:
        change = change * (MAX_STEP / largest)
    new = theta - change
    # rates stay positive: at most a tenfold decrease per step
    new[:n_periods] = np.maximum(new[:n_periods], theta[:n_periods] / 10)
    return new


def estimate_saom(
    data: SaomData,
    effects,
    *,
    n_phase3: int = 1000,
    n_subphases: int = N_SUBPHASES,
    level: float = 0.95,
    seed=None,
    initial=None,
) -> SaomResult:
    """Estimate a network SAOM by the method of moments (RSiena's default algorithm).

    Parameters
    ----------
    data : SaomData
        From :func:`~kinship_research.networks.saom.effects.saom_data`.
    effects : list of str or Effect
        Evaluation effects, e.g. ``["outdegree", "reciprocity", "similarity:smoke1"]``; must include
        ``"outdegree"``.
    n_phase3 : int
        Phase-3 simulations for standard errors and convergence (RSiena's default 1000).
    level : float
        Confidence-interval coverage (Wald intervals ``estimate ± z se``).
    seed : int, Generator or None
        Seed of ``numpy.random.default_rng``; the same seed gives the same estimates.
    initial : array or None
        Starting values (rates then betas); default: ``distance / n`` and logit(density).
    """
    level = check_level(level)
    n_phase3 = check_positive_int("n_phase3", n_phase3, minimum=10)
    n_subphases = check_positive_int("n_subphases", n_subphases)
    effects = [Effect.parse(e) for e in effects]
    if len({e for e in effects}) != len(effects):
        raise ValueError(f"effects repeat: {[e.label for e in effects]}")
    if not any(e.name == "outdegree" for e in effects):
        raise ValueError("the model needs the 'outdegree' effect (RSiena includes it always)")
    if not isinstance(data, SaomData):
        raise TypeError(f"data must be a SaomData (see saom_data), got {type(data).__name__}")
    rng = np.random.default_rng(seed)
    model = _Model(data, effects)
    periods, q = model.n_periods, model.n_periods + len(effects)
    theta = _starting_values(model) if initial is None else np.asarray(initial, dtype=float).copy()
    if theta.shape != (q,):
        raise ValueError(f"initial must have {q} values (rates then effects), got shape {theta.shape}")

    # phase 1
    statistics, scores = model.batch(theta, 7 + 3 * q, rng)
    derivative = _derivative(statistics, scores)
    deviation = statistics.mean(axis=0) - model.target
    theta = _step(theta, np.linalg.solve(derivative, deviation), periods)
    logger.info("phase 1 done: theta=%s", theta)
    gain_matrix = np.linalg.inv((1 - DIAGONALIZE) * derivative + DIAGONALIZE * np.diag(np.diag(derivative)))

    # phase 2
    n_min = 7 + q
    for k in range(n_subphases):
        gain = FIRST_GAIN / 2**k
        minimum = int(round(n_min * 2.52**k))
        thetas, previous, products = [], None, np.zeros(q)
        for iteration in range(minimum + 200):
            statistics, _ = model.simulate(theta, rng)
            deviation = statistics - model.target
            theta = _step(theta, gain * gain_matrix @ deviation, periods)
            thetas.append(theta)
            if previous is not None:
                products += deviation * previous
            previous = deviation
            if iteration + 1 >= minimum and (products < 0).all():
                break
        theta = np.mean(thetas, axis=0)
        logger.info("phase 2 subphase %d: %d iterations, theta=%s", k + 1, len(thetas), theta)

    # phase 3
    statistics, scores = model.batch(theta, n_phase3, rng)
    derivative = _derivative(statistics, scores)
    sigma = np.cov(statistics, rowvar=False)
    deviation = statistics.mean(axis=0) - model.target
    sd = np.sqrt(np.diag(sigma))
    t_convergence = deviation / sd
    max_ratio = float(np.sqrt(deviation @ np.linalg.solve(sigma, deviation)))
    inverse = np.linalg.inv(derivative)
    covariance = inverse @ sigma @ inverse.T
    labels = tuple([f"rate period {m + 1}" for m in range(periods)] + [e.label for e in effects])
    kinds = tuple(["rate"] * periods + ["eval"] * len(effects))
    z = stats.norm.ppf(0.5 + level / 2)
    std_error = np.sqrt(np.diag(covariance))
    return SaomResult(
        effects=labels,
        kinds=kinds,
        estimate=theta,
        std_error=std_error,
        t_convergence=t_convergence,
        max_convergence_ratio=max_ratio,
        covariance=covariance,
        ci_low=theta - z * std_error,
        ci_high=theta + z * std_error,
        level=level,
        n_actors=data.n_actors,
        n_periods=periods,
        n_phase3=n_phase3,
    )
