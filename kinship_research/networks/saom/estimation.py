"""Method-of-moments estimation of a SAOM by Robbins-Monro stochastic approximation.

Parameters ``theta = (rho_1..rho_P, beta, lambda_1..lambda_P, gamma)``: network rates and effects,
then (with a behaviour) behaviour rates and effects, one rate per period. Without a behaviour each
simulation runs every period conditionally on its observed number of changes (RSiena's
``cond=TRUE``) and returns ``S = (T_1..T_P, sum_m s(x_sim(t_m+1)))`` with targets ``(1..1, sum_m
s(x_obs(t_m+1)))``, ``T_m ~ Gamma(M_m, n rho_m)`` the simulated duration of period ``m`` and the
rate score ``M_m / rho_m - n T_m``. With a behaviour (RSiena's default then, ``cond=FALSE``)
periods have length 1; the rate statistics are the simulated network distance (Hamming, pairs
observed at both waves) and behaviour distance ``sum_i |z_i(t_m+1) - z_i(t_m)|``, with targets the
observed distances and scores ``M_m / rho_m - n``; network statistics use the behaviour at the
start of the period, behaviour statistics the network at the start (Snijders, Steglich &
Schweinberger 2007). As in RSiena (Snijders 2001, Sociological Methodology 31:361-395, section 7;
RSiena manual, section 6.3):

* phase 1: ``n1 = 7 + 3 q`` simulations at the starting values (doubled, up to 3 times, while a
  diagonal element of the estimated derivative has the wrong sign); derivative matrix ``D = cov(S, U)``
  (score-function estimator); one partial Newton step ``theta - 0.2 D^-1 (mean S - target)``.
* phase 2: 4 subphases, gain ``a_k = 0.2 / 2^(k-1)``, updates
  ``theta <- theta - a_k D~^-1 (S - target)`` with ``D~ = 0.8 D + 0.2 diag(D)``; subphase ``k``
  lasts between ``n2min_k = (7 + q) 2.52^(k-1)`` and ``n2min_k + 200`` iterations (stops once every
  coordinate's running sum of products of successive deviations is negative); its average
  ``theta`` starts the next.
* phase 3: ``n3`` simulations at ``theta_hat``; ``cov(theta_hat) = D^-1 Sigma D^-T`` (delta method,
  ``Sigma = cov(S)``); convergence t-ratios ``(mean S - target) / sd S``; overall maximum
  convergence ratio ``sqrt(d' Sigma^-1 d)``, ``d = mean S - target`` (RSiena: good below 0.25).

Failures are errors, never NaN estimates or numpy warnings: every update checks that the parameters
are finite and the rates above ``MIN_RATE`` (else RuntimeError: the estimates diverged); a
statistic that does not vary in phase 3 (its t-ratio would divide by zero) and a covariance of the
statistics that is not positive definite (the maximum convergence ratio and standard errors would
take square roots of negative numbers) are RuntimeErrors too.
"""

from __future__ import annotations

import logging

import numpy as np
from scipy import linalg, stats

from kinship_research.methods.checks import check_level, check_positive_int, random_generator
from kinship_research.networks.saom.effects import (
    Effect,
    SaomData,
    behaviour_statistics,
    kernel_arrays,
    network_statistics,
    pair_matrices,
)
from kinship_research.networks.saom.results import SaomResult
from kinship_research.networks.saom.simulation import run_kernel

logger = logging.getLogger(__name__)

FIRST_GAIN = 0.2
DIAGONALIZE = 0.2
N_SUBPHASES = 4
MAX_STEP = 1.0
PHASE1_EXTENSIONS = 3
MIN_RATE = 1e-8
"""Smallest rate accepted during estimation. Every period has observed changes, so a rate this small
(fewer than 1e-5 expected opportunities per period among 1000 actors) means the estimates diverged;
below it the rate scores ``M / rho - n`` would soon divide 0 by an underflowed rate of 0."""


class _Model:
    """Data, effects and the simulate-one-panel function for given theta.

    ``theta = (network rates, beta, behaviour rates, gamma)``; index arrays say which is which.
    """

    def __init__(self, data: SaomData, effects: list[Effect], behaviour_effects: list[Effect], conditional: bool):
        self.data = data
        self.effects, self.behaviour_effects = effects, behaviour_effects
        self.conditional = conditional
        self.arrays = kernel_arrays(effects, data)
        self.behaviour = data.behaviour
        periods = self.n_periods = data.n_periods
        self.distances = [data.distance(m) for m in range(periods)]
        for m, d in enumerate(self.distances):
            if d == 0:
                raise ValueError(f"period {m + 1} has no observed tie change; its rate is not identified")
        p, q = len(effects), len(behaviour_effects)
        self.rate = np.arange(periods)
        self.beta = periods + np.arange(p)
        self.behaviour_rate = periods + p + np.arange(periods if self.behaviour is not None else 0)
        self.gamma = periods + p + len(self.behaviour_rate) + np.arange(q)
        self.size = periods + p + len(self.behaviour_rate) + q
        self.rates = np.concatenate([self.rate, self.behaviour_rate])
        target = np.zeros(self.size)
        target[self.rate] = 1.0 if conditional else self.distances
        beh = self.behaviour
        self.z_start = [None if beh is None else beh.start[m] - beh.mean for m in range(periods)]
        self.pairs = [pair_matrices(self.arrays, z) for z in self.z_start]
        target[self.beta] = sum(
            network_statistics(data.end[m], self.arrays, self.z_start[m], self.pairs[m]) for m in range(periods)
        )
        if beh is not None:
            self.behaviour_arrays = kernel_arrays(behaviour_effects, data)
            self.behaviour_distances = [beh.distance(m) for m in range(periods)]
            for m, d in enumerate(self.behaviour_distances):
                if d == 0:
                    raise ValueError(f"period {m + 1} has no observed change of {beh.name}; its rate is not identified")
            target[self.behaviour_rate] = self.behaviour_distances
            target[self.gamma] = sum(
                behaviour_statistics(data.start[m], beh.end[m], self.behaviour_arrays, beh) for m in range(periods)
            )
        self.target = target

    def simulate(
        self, theta: np.ndarray, rng: np.random.Generator, scores: bool = True
    ) -> tuple[np.ndarray, np.ndarray]:
        """Statistics and scores of one simulated panel (``scores=False``: same statistics, scores of the
        effects left at 0, as phase 2 needs)."""
        data, beh = self.data, self.behaviour
        n = data.n_actors
        beta, gamma = theta[self.beta], theta[self.gamma]
        statistics = np.zeros(self.size)
        score = np.zeros(self.size)
        for m in range(self.n_periods):
            rate = theta[self.rate[m]]
            period = (data.start[m], data.changeable[m], data.counted[m], self.arrays, beta)
            kernel_seed = int(rng.integers(2**31 - 1))
            if beh is None:
                options = {"target": self.distances[m]} if self.conditional else {"n_steps": int(rng.poisson(n * rate))}
                x, _, steps, _, beta_score, _ = run_kernel(*period, kernel_seed, scores=scores, **options)
            else:
                behaviour_rate = theta[self.behaviour_rate[m]]
                x, z, steps, behaviour_steps, beta_score, gamma_score = run_kernel(
                    *period,
                    kernel_seed,
                    n_steps=int(rng.poisson(n * (rate + behaviour_rate))),
                    behaviour_start=beh.start[m],
                    behaviour=beh,
                    behaviour_arrays=self.behaviour_arrays,
                    gamma=gamma,
                    active=beh.changeable[m],
                    network_share=rate / (rate + behaviour_rate),
                    scores=scores,
                )
                k = self.behaviour_rate[m]
                statistics[k] = np.abs(z - beh.start[m])[beh.counted[m]].sum()
                score[k] = behaviour_steps / behaviour_rate - n
                score[self.gamma] += gamma_score
                z_end = np.where(beh.changeable[m] & ~np.isnan(beh.values[m + 1]), z, beh.end[m])
                statistics[self.gamma] += behaviour_statistics(data.start[m], z_end, self.behaviour_arrays, beh)
            if self.conditional:
                duration = rng.gamma(steps, 1.0 / (n * rate))
                statistics[m] = duration
                score[m] = steps / rate - n * duration
            else:
                statistics[m] = np.sum((x != data.start[m]) & data.counted[m])
                score[m] = steps / rate - n
            # cells missing at the end of the period count at their starting value, as observed
            end = np.where(data.changeable[m] & ~np.isnan(data.ties[m + 1]), x, data.end[m])
            statistics[self.beta] += network_statistics(end, self.arrays, self.z_start[m], self.pairs[m])
            score[self.beta] += beta_score
        return statistics, score

    def check(self, theta: np.ndarray, where: str) -> np.ndarray:
        """``theta`` if finite with rates of at least ``MIN_RATE``; else RuntimeError naming the parameters."""
        bad = ~np.isfinite(theta)
        bad[self.rates] |= ~(theta[self.rates] >= MIN_RATE)
        if bad.any():
            labels = self.labels()[0]
            found = {labels[k]: float(theta[k]) for k in np.flatnonzero(bad)}
            raise RuntimeError(
                f"{where}: the estimates diverged ({found}; rates must stay finite and at least {MIN_RATE:g}, "
                "effects finite); try other starting values (initial=), more phase-1 information or fewer effects"
            )
        return theta

    def batch(self, theta, n_sims, rng):
        runs = [self.simulate(theta, rng) for _ in range(n_sims)]
        return np.array([r[0] for r in runs]), np.array([r[1] for r in runs])

    def labels(self) -> tuple[list[str], list[str], list[str]]:
        """Parameter labels, kinds (rate / eval) and dependent variables (network / behaviour name)."""
        periods = range(1, self.n_periods + 1)
        labels = [f"network rate (period {m})" for m in periods] + [e.label for e in self.effects]
        kinds = ["rate"] * self.n_periods + ["eval"] * len(self.effects)
        variables = ["network"] * len(labels)
        if self.behaviour is not None:
            name = self.behaviour.name
            labels += [f"{name} rate (period {m})" for m in periods] + [e.label for e in self.behaviour_effects]
            kinds += ["rate"] * self.n_periods + ["eval"] * len(self.behaviour_effects)
            variables += [name] * (self.n_periods + len(self.behaviour_effects))
        return labels, kinds, variables


def _derivative(statistics: np.ndarray, scores: np.ndarray) -> np.ndarray:
    """Score-function estimate of ``d E[S] / d theta``: ``cov(S_k, U_l)``."""
    centred = statistics - statistics.mean(axis=0)
    return centred.T @ scores / len(statistics)


def _starting_values(model: _Model) -> np.ndarray:
    data = model.data
    theta = np.zeros(model.size)
    theta[model.rate] = [model.distances[m] / data.n_actors for m in range(model.n_periods)]
    # outdegree: balance of tie creation and dissolution, exp(2 beta) (1 - d) / d = n01 / n10
    created = dissolved = 0
    for m in range(model.n_periods):
        counted = data.counted[m]
        created += np.sum((data.ties[m] == 0) & (data.ties[m + 1] == 1) & counted)
        dissolved += np.sum((data.ties[m] == 1) & (data.ties[m + 1] == 0) & counted)
    density = np.mean([data.start[m][data.changeable[m]].mean() for m in range(model.n_periods)])
    density = np.clip(density, 0.01, 0.99)
    outdegree = 0.5 * np.log((created + 1) * density / ((dissolved + 1) * (1 - density)))
    theta[model.beta] = [outdegree if e.name == "outdegree" else 0.0 for e in model.effects]
    beh = model.behaviour
    if beh is not None:
        theta[model.behaviour_rate] = [
            model.behaviour_distances[m] / max(beh.changeable[m].sum(), 1) for m in range(model.n_periods)
        ]
        # linear shape: balance of upward and downward steps, exp(2 gamma) = ups / downs
        change = np.concatenate([(beh.values[m + 1] - beh.values[m])[beh.counted[m]] for m in range(model.n_periods)])
        linear = 0.5 * np.log((np.sum(change > 0) + 1) / (np.sum(change < 0) + 1))
        theta[model.gamma] = [linear if e.name == "linear" else 0.0 for e in model.behaviour_effects]
    return theta


def _step(theta: np.ndarray, change: np.ndarray, rates: np.ndarray) -> np.ndarray:
    # truncation as RSiena's: no effect moves by more than MAX_STEP in one update
    others = np.ones(len(theta), bool)
    others[rates] = False
    largest = np.abs(change[others]).max(initial=0.0)
    if largest > MAX_STEP:
        change = change * (MAX_STEP / largest)
    new = theta - change
    # rates stay positive: at most a tenfold decrease per step
    new[rates] = np.maximum(new[rates], theta[rates] / 10)
    return new


def estimate_saom(
    data: SaomData,
    effects,
    *,
    behaviour_effects=None,
    conditional: bool | None = None,
    n_phase3: int = 1000,
    n_subphases: int = N_SUBPHASES,
    level: float = 0.95,
    seed=None,
    initial=None,
) -> SaomResult:
    """Estimate a SAOM (network, or network-behaviour co-evolution) by the method of moments.

    Parameters
    ----------
    data : SaomData
        From :func:`~kinship_research.networks.saom.effects.saom_data`.
    effects : list of str or Effect
        Network evaluation effects, e.g. ``["outdegree", "reciprocity", "similarity:smoke1"]``; must
        include ``"outdegree"``. A similarity/ego/alter effect naming the behaviour is a selection effect.
    behaviour_effects : list of str or Effect
        Behaviour evaluation effects when ``data`` has a behaviour, e.g. ``["linear", "quadratic",
        "average_alter"]``; must include ``"linear"``.
    conditional : bool or None
        Simulate conditionally on the observed network distance (RSiena's default, and ours, without
        a behaviour) or unconditionally over periods of length 1 (RSiena's default, and the only
        option here, with a behaviour).
    n_phase3 : int
        Phase-3 simulations for standard errors and convergence (RSiena's default 1000).
    n_subphases : int
        Robbins-Monro phase-2 subphases (RSiena's default 4).
    level : float
        Confidence-interval coverage (Wald intervals ``estimate ± z se``).
    seed : int, Generator or None
        Seed of ``numpy.random.default_rng``; the same seed gives the same estimates.
    initial : array or None
        Starting values in the order of the result's parameters; default: ``distance / n``,
        logit(density), the balance of upward and downward behaviour steps, else 0. Must be finite,
        rates at least ``MIN_RATE``.

    Raises RuntimeError when the estimates diverge (a rate below ``MIN_RATE`` or a non-finite
    parameter during phases 1-2, a statistic constant over phase 3, a phase-3 covariance that is not
    positive definite or a singular derivative matrix), so no numpy warning or NaN estimate is left.
    """
    level = check_level(level)
    n_phase3 = check_positive_int("n_phase3", n_phase3, minimum=10)
    n_subphases = check_positive_int("n_subphases", n_subphases)
    if not isinstance(data, SaomData):
        raise TypeError(f"data must be a SaomData (see saom_data), got {type(data).__name__}")
    effects = [Effect.parse(e) for e in effects]
    if len(set(effects)) != len(effects):
        raise ValueError(f"effects repeat: {[e.label for e in effects]}")
    if not any(e.name == "outdegree" for e in effects):
        raise ValueError("the model needs the 'outdegree' effect (RSiena includes it always)")
    if data.behaviour is None:
        if behaviour_effects:
            raise ValueError("behaviour_effects given but the data have no behaviour (saom_data(..., behaviour=...))")
        behaviour_effects = []
        conditional = True if conditional is None else bool(conditional)
    else:
        if conditional:
            raise ValueError("with a behaviour only unconditional estimation is implemented (conditional=False)")
        conditional = False
        behaviour_effects = [Effect.parse(e, data.behaviour.name) for e in (behaviour_effects or ["linear"])]
        if len(set(behaviour_effects)) != len(behaviour_effects):
            raise ValueError(f"behaviour effects repeat: {[e.label for e in behaviour_effects]}")
        if not any(e.name == "linear" for e in behaviour_effects):
            raise ValueError("the behaviour model needs the 'linear' shape effect (RSiena includes it always)")
    rng = random_generator(seed)
    model = _Model(data, effects, behaviour_effects, conditional)
    q = model.size
    theta = _starting_values(model) if initial is None else np.asarray(initial, dtype=float).copy()
    if theta.shape != (q,):
        raise ValueError(f"initial must have {q} values (in the order of the result's parameters), got {theta.shape}")
    if initial is not None and not (np.isfinite(theta).all() and (theta[model.rates] >= MIN_RATE).all()):
        raise ValueError(f"initial values must be finite and the rates at least {MIN_RATE:g}, got {theta.tolist()}")

    # phase 1 (more simulations while the derivative estimate has a diagonal of the wrong sign: the
    # durations of conditional simulation fall with the rate, every other statistic rises with its parameter)
    sign = np.ones(q)
    if conditional:
        sign[model.rate] = -1.0
    statistics, scores = model.batch(theta, 7 + 3 * q, rng)
    for _ in range(PHASE1_EXTENSIONS):
        derivative = _derivative(statistics, scores)
        if (sign * np.diag(derivative) > 0).all():
            break
        more = model.batch(theta, len(statistics), rng)
        statistics, scores = np.vstack([statistics, more[0]]), np.vstack([scores, more[1]])
    if not (sign * np.diag(derivative) > 0).all():
        raise RuntimeError(
            f"phase 1 derivative has a diagonal of the wrong sign {np.diag(derivative)}; an effect does not move its "
            "statistic at the starting values (collinear effects or bad starting values)"
        )
    deviation = statistics.mean(axis=0) - model.target
    theta = model.check(_step(theta, FIRST_GAIN * np.linalg.solve(derivative, deviation), model.rates), "phase 1")
    logger.info("phase 1 done: theta=%s", theta)
    gain_matrix = np.linalg.inv((1 - DIAGONALIZE) * derivative + DIAGONALIZE * np.diag(np.diag(derivative)))

    # phase 2
    n_min = 7 + q
    for k in range(n_subphases):
        gain = FIRST_GAIN / 2**k
        minimum = int(round(n_min * 2.52**k))
        thetas, previous, products = [], None, np.zeros(q)
        for iteration in range(minimum + 200):
            statistics, _ = model.simulate(theta, rng, scores=False)
            deviation = statistics - model.target
            theta = model.check(_step(theta, gain * gain_matrix @ deviation, model.rates), f"phase 2.{k + 1}")
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
    labels, kinds, variables = model.labels()
    # a spread at rounding level of the mean is a constant statistic too (its t-ratio would be 0/0 or huge)
    scale = np.maximum(1.0, np.abs(statistics.mean(axis=0)))
    constant = [label for label, spread, size in zip(labels, sd, scale) if not spread > 1e-12 * size]
    if constant:
        raise RuntimeError(
            f"the statistics of {constant} did not vary over the phase-3 simulations: the estimates diverged "
            f"(theta = {np.round(theta, 3).tolist()}); use more subphases or phase-3 simulations, or fewer effects"
        )
    t_convergence = deviation / sd
    try:
        # Sigma = L L': the maximum convergence ratio is |L^-1 d| and cov(theta) = (D^-1 L)(D^-1 L)'
        root = np.linalg.cholesky(sigma)
        max_ratio = float(np.linalg.norm(linalg.solve_triangular(root, deviation, lower=True)))
        factor = np.linalg.inv(derivative) @ root
        if not np.isfinite(factor).all():
            raise np.linalg.LinAlgError("the inverse derivative matrix is not finite")
    except np.linalg.LinAlgError as error:
        raise RuntimeError(
            f"phase 3: {error} (covariance of the statistics not positive definite, or derivative matrix "
            f"singular); the effects are collinear or the estimates diverged (theta = {np.round(theta, 3).tolist()})"
        ) from error
    covariance = factor @ factor.T
    z = stats.norm.ppf(0.5 + level / 2)
    std_error = np.hypot.reduce(factor, axis=1)  # sqrt of row sums of squares, without overflow
    beh = data.behaviour
    return SaomResult(
        effects=tuple(labels),
        kinds=tuple(kinds),
        estimate=theta,
        std_error=std_error,
        t_convergence=t_convergence,
        max_convergence_ratio=max_ratio,
        covariance=covariance,
        ci_low=theta - z * std_error,
        ci_high=theta + z * std_error,
        level=level,
        n_actors=data.n_actors,
        n_periods=model.n_periods,
        n_phase3=n_phase3,
        variables=tuple(variables),
        conditional=conditional,
        behaviour_scale=None if beh is None else (beh.minimum, beh.maximum, beh.mean, beh.sim_mean),
    )
