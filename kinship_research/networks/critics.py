"""The critics' checks of network-contagion estimates.

* Placebo outcome (Cohen-Cole & Fletcher 2008, BMJ 337:a2533): the induction model applied to a
  trait that cannot spread. ``permute="trajectories"`` gives every pupil another pupil's whole
  trajectory (within strata such as sex), which keeps persistence and the homophily that runs
  through the strata but cannot spread along the observed ties: the critics' check.
  ``permute="within_wave"`` permutes the trait among the pupils of each wave, which also destroys
  persistence and homophily, so it checks only the calibration of the standard errors.
  A fixed trait (sex, age rank) cannot serve: ego_t predicts ego_{t+1} perfectly.
* Lagged-alter model: alter_t in place of alter_{t+1}.
* Shuffle test (Anagnostopoulos, Kumar & Mahdian 2008, KDD): permute the timing of each pupil's
  trait across the waves; if association comes from stable traits (homophily) the coefficient
  does not depend on timing and the observed value lies inside the shuffle distribution.
* Ego fixed effects: a linear probability model with ego and transition dummies removes every
  stable characteristic of the ego (no school-class identifiers are distributed with the Glasgow
  data, so ego dummies are the group effects available).
* Homophily versus contagion simulation (Shalizi & Thomas 2011, Sociol Methods Res 40:211):
  networks whose ties form on a latent trait with no influence, and networks with influence and
  no homophily; how often each method reports contagion.
* The stochastic actor-oriented model on the same simulated networks (Steglich, Snijders & Pearson
  2010, Sociol Methodol 40:329): how often its influence effect (average alter or average
  similarity) is significant when friends are chosen on an unobserved trait and nobody influences
  anybody, and how often when they do.
* Sensitivity to unmeasured confounding: the bias factor for a binary confounder (VanderWeele
  2011, Sociol Methods Res 40:240) and the E-value (VanderWeele & Ding 2017, Ann Intern Med 167:268).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from kinship_research.methods.checks import (
    check_alpha,
    check_choice,
    check_level,
    check_positive_int,
    random_generator,
    require_columns,
)
from kinship_research.parallel import map_seeded

from .induction import (
    ALTER_TERMS,
    CLUSTERS,
    TIE_TYPES,
    InductionResult,
    design,
    fit_induction,
    induction_panel,
    logistic_cluster_fit,
    node_codes,
)
from .longitudinal import LongitudinalNetwork


def _rate_row(successes: int, trials: int, level: float = 0.95) -> dict:
    from statsmodels.stats.proportion import proportion_confint

    if trials == 0:
        return {"rejections": 0, "n_replications": 0, "rate": np.nan, "rate_low": np.nan, "rate_high": np.nan}
    low, high = proportion_confint(successes, trials, alpha=1 - level, method="beta")
    return {
        "rejections": int(successes),
        "n_replications": int(trials),
        "rate": successes / trials,
        "rate_low": low,
        "rate_high": high,
    }


class _FocalRefits:
    """Refit the focal coefficient quickly after the trait values change (shuffles, permutations).

    The ties, covariates and missing pattern stay fixed, so each tie type's design matrix is built
    once and only its trait columns are re-read from a (n_waves, n_nodes) array.
    """

    def __init__(
        self,
        network: LongitudinalNetwork,
        panel: pd.DataFrame,
        terms: tuple[str, ...],
        focal: str,
        transition_effects: bool,
        cluster: str = "ego",
    ):
        position = {node: k for k, node in enumerate(network.nodes)}
        wave = panel["transition"].map(network.waves.index).to_numpy(int)
        ego = panel["ego"].map(position).to_numpy(int)
        alter = panel["alter"].map(position).to_numpy(int)
        self.sources = {
            "ego_t": (wave, ego),
            "ego_next": (wave + 1, ego),
            "alter_t": (wave, alter),
            "alter_next": (wave + 1, alter),
        }
        self.blocks = {}
        for tie_type, sub in panel.groupby("tie_type", observed=True, sort=False):
            rows = np.flatnonzero((panel["tie_type"] == tie_type).to_numpy())
            x, names = design(sub, terms, transition_effects)
            trait_columns = {names.index(t): t for t in terms if t in self.sources}
            ego_codes, alter_codes = node_codes(sub)
            self.blocks[tie_type] = (
                rows,
                x,
                names.index(focal),
                trait_columns,
                ego_codes,
                alter_codes if cluster == "dyadic" else None,
            )

    def fit(self, values: np.ndarray) -> dict[str, tuple[float, float]]:
        """(estimate, std_error) of the focal term per tie type for trait ``values``."""
        out = {}
        for tie_type, (rows, x, focal, trait_columns, ego, alter) in self.blocks.items():
            x = x.copy()
            for column, term in trait_columns.items():
                wave, node = self.sources[term]
                x[:, column] = values[wave[rows], node[rows]]
            wave, node = self.sources["ego_next"]
            beta, cov = logistic_cluster_fit(x, values[wave[rows], node[rows]], ego, alter)
            variance = cov[focal, focal]
            out[tie_type] = (beta[focal], np.sqrt(variance) if variance > 0 else np.nan)
        return out

    def similarity(self, values: np.ndarray) -> dict[str, float]:
        """Correlation of ego_t and alter_t over each tie type's rows (homophily of ``values``)."""
        (wave, ego), (_, alter) = self.sources["ego_t"], self.sources["alter_t"]
        out = {}
        for tie_type, (rows, *_) in self.blocks.items():
            a, b = values[wave[rows], ego[rows]], values[wave[rows], alter[rows]]
            out[tie_type] = float(np.corrcoef(a, b)[0, 1]) if a.std() > 0 and b.std() > 0 else np.nan
        return out


def _permute_observed(values: np.ndarray, axis: int, rng: np.random.Generator) -> np.ndarray:
    """Permute the non-missing entries of each column (axis 0) or row (axis 1) among themselves."""
    keys = np.where(np.isnan(values), np.inf, rng.random(values.shape))
    order = np.argsort(keys, axis=axis)
    slots = np.argsort(np.isnan(values), axis=axis, kind="stable")
    out = np.full_like(values, np.nan)
    taken = np.take_along_axis(values, order, axis=axis)
    np.put_along_axis(out, slots, taken, axis=axis)
    return out


def _trajectory_strata(network: LongitudinalNetwork, values: np.ndarray, strata: tuple[str, ...]) -> np.ndarray:
    """Stratum code per pupil: the missing pattern of ``values`` and each fixed ``strata`` attribute."""
    keys = {f"missing_{k}": np.isnan(values[k]) for k in range(values.shape[0])}
    for name in strata:
        attribute = network.attribute(name)
        observed = ~np.isnan(attribute)
        low = np.where(observed, attribute, np.inf).min(axis=0)
        high = np.where(observed, attribute, -np.inf).max(axis=0)
        if np.any(observed.any(axis=0) & (low != high)):
            raise ValueError(f"stratum attribute {name!r} changes across waves; strata must be fixed traits")
        keys[name] = np.where(observed.any(axis=0), low, np.nan)
    return pd.DataFrame(keys).groupby(list(keys), dropna=False, sort=True).ngroup().to_numpy()


def _permute_trajectories(codes: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Donor per pupil: pupil i receives the whole trajectory of pupil ``donor[i]``, a random pupil
    of the same stratum (a uniformly random permutation within each stratum)."""
    donor = np.empty(len(codes), dtype=int)
    donor[np.argsort(codes, kind="stable")] = np.lexsort((rng.random(len(codes)), codes))
    return donor


def _homophilous_trajectories(
    values: np.ndarray, codes: np.ndarray, pairs: tuple, target: float, rng: np.random.Generator
) -> np.ndarray:
    """Trajectories permuted within strata, then swapped until friends are as alike as observed.

    Starting from :func:`_permute_trajectories`, two pupils of one stratum exchange trajectories
    when that moves the correlation of ego_t and alter_t over the panel's ``pairs`` (wave, ego,
    alter) closer to ``target``; it stops within 0.01 of the target or after 50 proposals per
    pupil (greedy, so the draw is random but not uniform among permutations with that similarity).
    """
    wave, ego, alter = pairs
    donor = _permute_trajectories(codes, rng)
    movable = np.flatnonzero(np.bincount(codes)[codes] > 1)
    if len(movable) == 0:
        return donor

    def gap(d):
        return abs(np.corrcoef(values[wave, d[ego]], values[wave, d[alter]])[0, 1] - target)

    current = gap(donor)
    for _ in range(50 * len(codes)):
        if current <= 0.01:
            break
        i = rng.choice(movable)
        mates = np.flatnonzero(codes == codes[i])
        j = mates[rng.integers(len(mates))]
        donor[[i, j]] = donor[[j, i]]
        proposed = gap(donor)
        if proposed < current:
            current = proposed
        else:
            donor[[i, j]] = donor[[j, i]]
    return donor


PERMUTATIONS = ("trajectories", "homophilous_trajectories", "within_wave")


def _placebo_fit(_, child, *, refits, values, codes, pairs, target) -> tuple[dict, dict]:
    rng = np.random.default_rng(child)
    if codes is None:
        placebo = _permute_observed(values, 1, rng)
    elif pairs is None:
        placebo = values[:, _permute_trajectories(codes, rng)]
    else:
        placebo = values[:, _homophilous_trajectories(values, codes, pairs, target, rng)]
    return refits.fit(placebo), refits.similarity(placebo)


def _two_sided_permutation_p(draws: np.ndarray, observed: float) -> float:
    """(1 + #{|draw - m| >= |observed - m|}) / (1 + n) over the finite draws, m their mean."""
    draws = draws[np.isfinite(draws)]
    if not np.isfinite(observed) or len(draws) == 0:
        return np.nan
    centre = draws.mean()
    return float((1 + np.sum(np.abs(draws - centre) >= abs(observed - centre))) / (1 + len(draws)))


def placebo_permutations(
    network: LongitudinalNetwork,
    trait: str,
    *,
    covariates: tuple[str, ...] = (),
    n_permutations: int = 200,
    tie_types: tuple[str, ...] = TIE_TYPES,
    transition_effects: bool = True,
    cluster: str = "ego",
    permute: str = "trajectories",
    strata: tuple[str, ...] = (),
    alpha: float = 0.05,
    level: float = 0.95,
    seed: int | None = None,
    client=None,
) -> pd.DataFrame:
    """Induction model on a placebo trait that cannot spread along the observed ties.

    ``permute`` chooses the placebo:

    * ``"within_wave"``: the trait permuted among the pupils of each wave. Each wave's prevalence
      and missingness are kept, but persistence (ego_t -> ego_{t+1}) and homophily are destroyed, so
      this checks only the **calibration of the standard errors**: a rejection rate above
      ``alpha`` means the model's p-values are too small for rows that share pupils.
    * ``"trajectories"``: every pupil receives the whole trajectory of another pupil of the same
      stratum (same missing pattern and the same value of each fixed attribute in ``strata``, e.g.
      sex). Persistence is kept exactly, and so is the homophily that runs through the strata; the
      trait cannot spread along the ties (Cohen-Cole & Fletcher's placebo logic). A rejection rate
      above ``alpha`` is then the false-positive rate of the model for a persistent trait.
    * ``"homophilous_trajectories"``: as ``"trajectories"``, then pupils of a stratum exchange
      trajectories until friends' trait values (ego_t, alter_t over all panel rows) correlate as much
      as observed (:func:`_homophilous_trajectories`): a persistent, homophilous trait that
      cannot spread, the closest permutation analogue of the critics' acne and height.

    In both the alter_{t+1} coefficient has no causal content. Returns, per tie type: the mean and
    central ``level`` range of the placebo estimates, the share of permutations in which the test
    rejects at ``alpha`` (Clopper-Pearson ``level`` interval), the observed coefficient with its
    z and model p-value under this ``cluster`` ("ego" or "dyadic", as in
    :func:`~kinship_research.networks.induction.fit_induction`), and two calibrated p-values that
    come from the placebo distribution: ``permutation_p_value`` of the estimate (needs no standard
    error) and ``calibrated_p_value`` of the z-statistic, both two-sided,
    ``(1 + #{|placebo - m| >= |observed - m|}) / (1 + n_permutations)`` with ``m`` the mean placebo
    value (not exactly 0: the logistic MLE is biased in small samples). ``similarity_observed`` and
    ``similarity_placebo`` are the correlation of ego_t and alter_t (homophily) in the data and on
    average in the placebos. A dyadic sandwich need not be positive: permutations whose variance is
    not (``n_undefined_se``) are left out of the rejection rate and of ``calibrated_p_value``.
    Permutation i is drawn from the i-th ``SeedSequence(seed).spawn``
    child (:func:`kinship_research.parallel.map_seeded`): the same numbers serially and with a
    ``dask.distributed`` ``client``, and the same permutations for either ``cluster``.
    """
    from scipy import stats

    check_choice("cluster", cluster, CLUSTERS)
    check_choice("permute", permute, PERMUTATIONS)
    if strata and permute == "within_wave":
        raise ValueError("strata apply to the trajectory permutations only, not permute='within_wave'")
    alpha, level = check_alpha(alpha), check_level(level)
    tail = 50 * (1 - level)
    if n_permutations < 20:
        raise ValueError(f"n_permutations must be at least 20, got {n_permutations}")
    panel = induction_panel(network, trait, covariates, tie_types)
    values = network.attribute(trait)
    codes = _trajectory_strata(network, values, tuple(strata)) if permute != "within_wave" else None
    pairs, target = None, None
    if permute == "homophilous_trajectories":
        position = {node: k for k, node in enumerate(network.nodes)}
        pairs = (
            panel["transition"].map(network.waves.index).to_numpy(int),
            panel["ego"].map(position).to_numpy(int),
            panel["alter"].map(position).to_numpy(int),
        )
        target = float(np.corrcoef(panel["ego_t"], panel["alter_t"])[0, 1])
    refits = _FocalRefits(
        network, panel, ("ego_t", *ALTER_TERMS, *covariates), "alter_next", transition_effects, cluster
    )
    observed, observed_similarity = refits.fit(values), refits.similarity(values)
    z_crit = stats.norm.ppf(1 - alpha / 2)
    results = map_seeded(
        _placebo_fit,
        range(n_permutations),
        seed=seed,
        client=client,
        shared={"refits": refits, "values": values, "codes": codes, "pairs": pairs, "target": target},
    )
    rows = []
    for tie_type in tie_types:
        draws = np.array([fit[tie_type] for fit, _ in results])
        b, se = observed[tie_type]
        z = draws[:, 0] / draws[:, 1]  # NaN where a dyadic sandwich variance is not positive
        defined = np.isfinite(z)
        rows.append(
            {
                "tie_type": tie_type,
                "term": "alter_next",
                "permute": permute,
                "cluster": cluster,
                "observed": b,
                "observed_z": b / se,
                "model_p_value": 2 * stats.norm.sf(abs(b / se)),
                "permutation_p_value": _two_sided_permutation_p(draws[:, 0], b),
                "calibrated_p_value": _two_sided_permutation_p(z, b / se),
                "placebo_mean": draws[:, 0].mean(),
                "placebo_low": np.percentile(draws[:, 0], tail),
                "placebo_high": np.percentile(draws[:, 0], 100 - tail),
                "similarity_observed": observed_similarity[tie_type],
                "similarity_placebo": float(np.nanmean([sim[tie_type] for _, sim in results])),
                "alpha": alpha,
                **_rate_row(int(np.sum(np.abs(z[defined]) > z_crit)), int(defined.sum()), level),
                "n_undefined_se": int((~defined).sum()),
                "n_obs": int((panel["tie_type"] == tie_type).sum()),
            }
        )
    return pd.DataFrame(rows)


def lagged_alter_test(
    panel: pd.DataFrame, *, covariates: tuple[str, ...] = (), n_draws: int = 1000, seed: int | None = None, **kwargs
) -> InductionResult:
    """The induction GEE with the alter's earlier state alter_t in place of alter_{t+1}.

    ``logit P(ego_{t+1}) = b0 + b1 ego_t + b3 alter_t + covariates``: influence needs time, so an
    influence process should show through the alter's state at the start of the interval, while
    a purely contemporaneous association (common shocks within the interval) should not. Other
    keyword arguments go to :func:`~kinship_research.networks.induction.fit_induction`.
    """
    return fit_induction(
        panel, covariates, alter_terms=("alter_t",), focal="alter_t", n_draws=n_draws, seed=seed, **kwargs
    )


def shuffle_test(
    network: LongitudinalNetwork,
    trait: str,
    *,
    covariates: tuple[str, ...] = (),
    n_shuffles: int = 200,
    tie_types: tuple[str, ...] = TIE_TYPES,
    exclusive: bool = True,
    transition_effects: bool = True,
    level: float = 0.95,
    seed: int | None = None,
) -> pd.DataFrame:
    """Shuffle test: is the alter_{t+1} coefficient larger than when the timing is shuffled?

    Each shuffle permutes every pupil's trait values across the waves at which they were
    observed (Anagnostopoulos et al. 2008 shuffle adoption times; with panel states the analogue
    is a within-person permutation of waves). Ties, each pupil's mix of states and the missing
    pattern are kept. One-sided permutation p-value ``(1 + #{null >= observed}) / (1 + n_shuffles)``.

    Returns
    -------
    DataFrame
        Per tie type: observed, null_mean, null_low, null_high (central ``level`` range), p_value,
        n_shuffles, n_obs.
    """
    tail = 50 * (1 - check_level(level))
    if n_shuffles < 19:
        raise ValueError(f"n_shuffles must be at least 19 (p-values of 0.05), got {n_shuffles}")
    panel = induction_panel(network, trait, covariates, tie_types, exclusive)
    values = network.attribute(trait)
    refits = _FocalRefits(network, panel, ("ego_t", *ALTER_TERMS, *covariates), "alter_next", transition_effects)
    observed = refits.fit(values)
    rng = random_generator(seed)
    null = {t: [] for t in observed}
    for _ in range(n_shuffles):
        try:
            fits = refits.fit(_permute_observed(values, 0, rng))
        except (np.linalg.LinAlgError, RuntimeError):
            continue  # a shuffle that leaves no variation in one tie type is skipped
        for tie_type, (b, _) in fits.items():
            null[tie_type].append(b)
    rows = []
    for tie_type, (b, _) in observed.items():
        draws = np.asarray(null[tie_type])
        rows.append(
            {
                "tie_type": tie_type,
                "term": "alter_next",
                "observed": b,
                "null_mean": draws.mean(),
                "null_low": np.percentile(draws, tail),
                "null_high": np.percentile(draws, 100 - tail),
                "p_value": (1 + np.sum(draws >= b)) / (1 + len(draws)),
                "n_shuffles": len(draws),
                "n_obs": int((panel["tie_type"] == tie_type).sum()),
            }
        )
    return pd.DataFrame(rows)


def ego_fixed_effects(
    panel: pd.DataFrame, *, alter_terms: tuple[str, ...] = ALTER_TERMS, focal: str = "alter_next", level: float = 0.95
) -> pd.DataFrame:
    """Linear probability model with ego and transition fixed effects, by tie type.

    ``ego_{t+1} = a_ego + c_t + b2 alter_{t+1} + b3 alter_t + e``, OLS with standard errors
    clustered on the ego (small-sample corrected as statsmodels' ``cov_type="cluster"``). The ego dummies absorb every
    stable trait of the ego, including a latent trait that drives both friendship choice and
    behaviour; ego_t is left out because with ego effects and two or three waves a lagged outcome
    is badly biased (Nickell 1981). Only egos whose outcome varies inform the estimate.

    Returns
    -------
    DataFrame
        tie_type, term, estimate (change in probability), std_error, ci_low, ci_high, p_value,
        n_obs, n_egos, n_informative_egos.
    """
    from scipy import stats

    if focal not in alter_terms or not set(alter_terms) <= set(ALTER_TERMS):
        raise ValueError(f"alter_terms must be drawn from {ALTER_TERMS} and contain focal {focal!r}")
    require_columns(
        panel, ("ego", "tie_type", "transition", "ego_next", *alter_terms), "panel (build it with induction_panel)"
    )
    z_crit = stats.norm.ppf(0.5 + level / 2)
    k = alter_terms.index(focal)
    rows = []
    for tie_type, sub in panel.groupby("tie_type", observed=True, sort=False):
        periods = pd.get_dummies(sub["transition"], dtype=float, drop_first=True)
        x = np.column_stack([sub[list(alter_terms)].to_numpy(float), periods.to_numpy()])
        y = sub["ego_next"].to_numpy(float)
        groups, egos = pd.factorize(sub["ego"])
        beta, cov = _within_cluster_ols(x, y, groups)
        se = np.sqrt(cov[k, k])
        informative = sub.groupby("ego", observed=True)["ego_next"].nunique().gt(1).sum()
        rows.append(
            {
                "tie_type": tie_type,
                "term": focal,
                "estimate": beta[k],
                "std_error": se,
                "ci_low": beta[k] - z_crit * se,
                "ci_high": beta[k] + z_crit * se,
                "p_value": 2 * stats.norm.sf(abs(beta[k] / se)),
                "n_obs": len(sub),
                "n_egos": len(egos),
                "n_informative_egos": int(informative),
            }
        )
    return pd.DataFrame(rows)


def _within_cluster_ols(x: np.ndarray, y: np.ndarray, groups: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """OLS with group (ego) dummies by the within transformation, clustered on the same groups.

    Frisch-Waugh-Lovell: demeaning y and x within groups gives the dummy regression's slopes and
    residuals; the sandwich uses statsmodels' small-sample factor
    ``G / (G - 1) * (N - 1) / (N - K)`` with K counting the group dummies.
    """
    n_groups = groups.max() + 1
    counts = np.bincount(groups, minlength=n_groups)

    def demean(a):
        sums = np.zeros((n_groups, a.shape[1]))
        np.add.at(sums, groups, a)
        return a - (sums / counts[:, None])[groups]

    xt, yt = demean(x), demean(y[:, None])[:, 0]
    if np.linalg.matrix_rank(xt) < x.shape[1]:
        raise ValueError("a regressor does not vary within egos; the fixed-effects model cannot estimate it")
    bread = np.linalg.inv(xt.T @ xt)
    beta = bread @ xt.T @ yt
    scores = np.zeros((n_groups, x.shape[1]))
    np.add.at(scores, groups, xt * (yt - xt @ beta)[:, None])
    n, k = len(y), x.shape[1] + n_groups
    factor = n_groups / (n_groups - 1) * (n - 1) / (n - k)
    return beta, factor * bread @ (scores.T @ scores) @ bread


def simulate_homophily_contagion(
    n_nodes: int = 150,
    n_waves: int = 3,
    influence: float = 0.0,
    homophily: float = 0.0,
    latent_effect: float = 0.0,
    out_degree: int = 4,
    tie_stability: float = 0.7,
    steps_per_wave: int = 4,
    persistence: float = 2.0,
    base_logit: float = -2.0,
    seed: int | None = None,
) -> LongitudinalNetwork:
    """A longitudinal network with latent homophily and/or social influence on a binary trait.

    Every node has a latent trait ``z ~ N(0, 1)``. Ties: each node names ``out_degree`` others,
    chosen with probability proportional to ``exp(-homophily (z_i - z_j)^2)``; at each later wave
    a tie survives with probability ``tie_stability`` and lost ties are replaced by the same
    rule. Trait: between waves (and in a burn-in before wave 1) ``steps_per_wave`` synchronous
    updates ``logit P(y_i = 1) = base_logit + latent_effect z_i + persistence y_i + influence f_i``,
    ``f_i`` the share of i's current nominees with y = 1 minus the share of everyone (so influence
    pulls towards one's friends without driving the whole population to saturation).
    ``influence = 0`` with ``homophily`` and
    ``latent_effect`` > 0 is Shalizi & Thomas's confounded case; ``homophily = 0`` with
    ``influence`` > 0 is pure contagion.

    Returns a :class:`LongitudinalNetwork` with attributes ``trait`` (0/1) and ``latent`` (z).
    """
    from scipy.special import expit

    if n_nodes <= out_degree + 1 or out_degree < 1:
        raise ValueError(f"need 1 <= out_degree < n_nodes - 1, got out_degree={out_degree}, n_nodes={n_nodes}")
    if n_waves < 2 or steps_per_wave < 1:
        raise ValueError("need n_waves >= 2 and steps_per_wave >= 1")
    if not 0 <= tie_stability <= 1 or homophily < 0:
        raise ValueError("tie_stability must be in [0, 1] and homophily >= 0")
    rng = random_generator(seed)
    z = rng.standard_normal(n_nodes)
    weights = np.exp(-homophily * (z[:, None] - z[None, :]) ** 2)
    np.fill_diagonal(weights, 0.0)
    ties = np.zeros((n_waves, n_nodes, n_nodes))
    for k in range(n_waves):
        current = ties[k - 1] * (rng.random((n_nodes, n_nodes)) < tie_stability) if k else ties[0]
        for i in range(n_nodes):
            need = out_degree - int(current[i].sum())
            if need > 0:
                w = np.where(current[i] == 1, 0.0, weights[i])
                current[i, rng.choice(n_nodes, size=need, replace=False, p=w / w.sum())] = 1.0
        ties[k] = current
    y = (rng.random(n_nodes) < expit(base_logit + latent_effect * z)).astype(float)
    states = np.zeros((n_waves, n_nodes))
    for k in range(n_waves):
        network = ties[max(k - 1, 0)]
        for _ in range(steps_per_wave):
            excess = network @ y / out_degree - y.mean()
            y = (
                rng.random(n_nodes) < expit(base_logit + latent_effect * z + persistence * y + influence * excess)
            ).astype(float)
        states[k] = y
    nodes = tuple(f"n{i:04d}" for i in range(n_nodes))
    waves = tuple(range(1, n_waves + 1))
    attributes = pd.DataFrame(
        {
            "wave": np.repeat(waves, n_nodes),
            "node": np.tile(nodes, n_waves),
            "trait": states.ravel(),
            "latent": np.tile(z, n_waves),
        }
    )
    return LongitudinalNetwork(nodes, waves, ties, np.ones((n_waves, n_nodes), bool), attributes)


METHODS = ("naive_gee", "lagged_alter", "shuffle", "ego_fixed_effects")


def _replication_network(arguments: dict, child) -> tuple[LongitudinalNetwork, int]:
    """The simulated network of one replication and the seed of its analysis (shuffles, SAOM):
    both drawn from ``child``, so every study given the same child analyses the same network."""
    simulate_seed, analysis_seed = (int(v) for v in np.random.default_rng(child).integers(0, 2**63 - 1, size=2))
    return simulate_homophily_contagion(**arguments, seed=simulate_seed), analysis_seed


def _detection_replication(arguments: dict, child, *, n_shuffles: int, alpha: float) -> dict:
    """One replication of :func:`contagion_detection_study`: whether each method reports contagion."""
    from scipy import stats

    z_crit = stats.norm.ppf(1 - alpha / 2)
    network, shuffle_seed = _replication_network(arguments, child)
    tie_types = ("ego_nominated",)
    panel = induction_panel(network, "trait", tie_types=tie_types, exclusive=False)
    trait = network.attribute("trait")
    b, se = _FocalRefits(network, panel, ("ego_t", *ALTER_TERMS), "alter_next", True).fit(trait)["ego_nominated"]
    naive = b / se > z_crit
    b, se = _FocalRefits(network, panel, ("ego_t", "alter_t"), "alter_t", True).fit(trait)["ego_nominated"]
    shuffle = shuffle_test(
        network, "trait", n_shuffles=n_shuffles, tie_types=tie_types, exclusive=False, seed=shuffle_seed
    )
    fixed = ego_fixed_effects(panel).iloc[0]
    return {
        "naive_gee": bool(naive),
        "lagged_alter": bool(b / se > z_crit),
        "shuffle": bool(shuffle["p_value"].iloc[0] < alpha),
        "ego_fixed_effects": bool(fixed["estimate"] > 0 and fixed["p_value"] < alpha),
    }


def contagion_detection_study(
    scenarios: dict[str, dict],
    *,
    n_replications: int = 100,
    n_shuffles: int = 49,
    alpha: float = 0.05,
    level: float = 0.95,
    seed: int | None = None,
    client=None,
) -> pd.DataFrame:
    """How often each method reports contagion in simulated networks (rejection rates).

    For each scenario (keyword arguments of :func:`simulate_homophily_contagion`, without
    ``seed``) ``n_replications`` networks are simulated and the ego-nominated ties (every tie the
    ego names, the direction in which influence acts in the simulation) analysed by:
    ``naive_gee`` (alter_{t+1} coefficient of the Christakis-Fowler model positive with two-sided
    p < alpha), ``lagged_alter`` (alter_t model, same rule), ``shuffle`` (one-sided shuffle
    p-value < alpha, ``n_shuffles`` shuffles) and ``ego_fixed_effects`` (alter_{t+1} coefficient of
    the fixed-effects model positive, p < alpha). Rejection rates carry Clopper-Pearson ``level`` CIs.
    Replication r of scenario s is seeded by child ``s * n_replications + r`` of
    ``SeedSequence(seed).spawn`` (:func:`kinship_research.parallel.map_seeded`): the same numbers
    serially and with a ``dask.distributed`` ``client`` (one task per replication).
    """
    if not scenarios:
        raise ValueError("scenarios must map names to simulate_homophily_contagion keyword arguments")
    for name, arguments in scenarios.items():
        if "seed" in arguments:
            raise ValueError(f"scenario {name!r}: seeds come from the study's seed, drop 'seed'")
    if n_replications < 1:
        raise ValueError(f"n_replications must be positive, got {n_replications}")
    tasks = [arguments for arguments in scenarios.values() for _ in range(n_replications)]
    flags = map_seeded(
        _detection_replication, tasks, seed=seed, client=client, shared={"n_shuffles": n_shuffles, "alpha": alpha}
    )
    rows = []
    for s, name in enumerate(scenarios):
        hits = {m: sum(f[m] for f in flags[s * n_replications : (s + 1) * n_replications]) for m in METHODS}
        for method in METHODS:
            rows.append({"scenario": name, "method": method, **_rate_row(hits[method], n_replications, level)})
    return pd.DataFrame(rows)


SAOM_EFFECTS = ("outdegree", "reciprocity", "similarity:trait")
"""Network effects of :func:`saom_rejection_rates`: density, reciprocity and selection on the behaviour."""
INFLUENCE_EFFECTS = ("average_alter", "average_similarity")


@dataclass(frozen=True, eq=False)
class SaomStudy:
    """Rejection rates of the SAOM's influence effect over simulated data sets.

    ``rates``: per scenario, ``method = "saom"``, rejections among the converged fits
    (``n_replications``), ``rate`` with its Clopper-Pearson ``level`` interval, and ``n_datasets``,
    ``n_converged``, ``n_failed`` (estimation stopped with an error or the data had no change);
    ``fits``: one row per data set (influence and selection estimates with standard errors, overall
    maximum convergence ratio, restarts, converged, reports_influence, error).
    """

    rates: pd.DataFrame
    fits: pd.DataFrame
    influence_effect: str
    alpha: float
    max_convergence_ratio: float
    level: float

    def to_frame(self) -> pd.DataFrame:
        """The rejection rates, one row per scenario (the columns of :func:`contagion_detection_study`)."""
        return self.rates.copy()

    def summary(self) -> str:
        lines = [
            f"SAOM {self.influence_effect.replace('_', ' ')} positive at alpha = {self.alpha:g} (converged fits: "
            f"overall maximum convergence ratio < {self.max_convergence_ratio:g})"
        ]
        for row in self.rates.itertuples():
            lines.append(
                f"  {row.scenario}: {row.rejections}/{row.n_replications} = {row.rate:.2f} "
                f"({self.level:.0%} CI {row.rate_low:.2f} to {row.rate_high:.2f}); "
                f"{row.n_converged} of {row.n_datasets} data sets converged, {row.n_failed} failed"
            )
        return "\n".join(lines)


def _saom_replication(
    task,
    _,
    *,
    effects: tuple[str, ...],
    behaviour_effects: tuple[str, ...],
    n_phase3: int,
    n_subphases: int,
    max_restarts: int,
    max_convergence_ratio: float,
    z_crit: float,
) -> dict:
    """One data set of :func:`saom_rejection_rates` (``task = (scenario arguments, child seed)``)."""
    from kinship_research.networks.saom import Effect, estimate_saom, saom_data

    arguments, child = task
    network, analysis_seed = _replication_network(arguments, child)
    rng = np.random.default_rng(analysis_seed)
    trait = network.attribute("trait")
    row = {
        "influence_estimate": np.nan,
        "influence_std_error": np.nan,
        "selection_estimate": np.nan,
        "selection_std_error": np.nan,
        "max_convergence_ratio": np.nan,
        "restarts": 0,
        "converged": False,
        "reports_influence": False,
        "error": "",
    }
    if (np.diff(trait, axis=0) == 0).all(axis=1).any() or (np.diff(network.ties, axis=0) == 0).all(axis=(1, 2)).any():
        return row | {"error": "no tie or no behaviour changes in a period (its rate is not identified)"}
    data = saom_data(network.ties, behaviour=("trait", trait))
    options = {"behaviour_effects": list(behaviour_effects), "n_phase3": n_phase3, "n_subphases": n_subphases}
    try:
        result = estimate_saom(data, list(effects), seed=rng, **options)
    except (RuntimeError, np.linalg.LinAlgError) as error:
        return row | {"error": str(error)}
    while result.max_convergence_ratio >= max_convergence_ratio and row["restarts"] < max_restarts:
        row["restarts"] += 1  # as RSiena users do: estimate again from the last estimates (prevAns)
        try:
            result = estimate_saom(data, list(effects), seed=rng, initial=result.estimate, **options)
        except (RuntimeError, np.linalg.LinAlgError):
            break
    influence = result[Effect(behaviour_effects[1], behaviour="trait").label]
    selection = result[Effect("similarity", "trait").label] if "similarity:trait" in effects else (np.nan, np.nan)
    converged = bool(result.max_convergence_ratio < max_convergence_ratio and np.isfinite(influence[1]))
    return row | {
        "influence_estimate": influence[0],
        "influence_std_error": influence[1],
        "selection_estimate": selection[0],
        "selection_std_error": selection[1],
        "max_convergence_ratio": result.max_convergence_ratio,
        "converged": converged,
        "reports_influence": bool(converged and influence[0] / influence[1] > z_crit),
    }


def saom_rejection_rates(
    scenarios: dict[str, dict],
    *,
    n_replications: int = 10,
    study_replications: int | None = None,
    only: tuple[str, ...] | None = None,
    influence_effect: str = "average_similarity",
    effects: tuple[str, ...] = SAOM_EFFECTS,
    n_phase3: int = 500,
    n_subphases: int = 4,
    max_restarts: int = 1,
    max_convergence_ratio: float = 0.25,
    alpha: float = 0.05,
    level: float = 0.95,
    seed: int | None = None,
    client=None,
) -> SaomStudy:
    """How often a network-behaviour SAOM reports influence in simulated networks.

    Each data set of :func:`simulate_homophily_contagion` (three waves of ties and of the binary
    trait) is given to :func:`~kinship_research.networks.saom.estimate_saom` as network waves and
    behaviour waves, with network ``effects`` (default: outdegree, reciprocity and selection on the
    trait, ``similarity:trait``) and behaviour effects ``linear`` and ``influence_effect``
    (``average_alter``, ``z_i sum_j x_ij z_j / x_i+``, or ``average_similarity``; no quadratic
    shape, which a binary behaviour cannot identify). The latent trait is not given to the model:
    it is the unobserved confounder. The SAOM reports influence when the influence estimate is
    positive with ``estimate / std_error > z_{1 - alpha/2}`` (the rule of the other methods in
    :func:`contagion_detection_study`), counted only over converged fits: overall maximum
    convergence ratio below ``max_convergence_ratio`` (RSiena's 0.25) after at most
    ``max_restarts`` re-estimations from the last estimates. ``n_phase3`` and ``n_subphases`` are
    the Robbins-Monro phase-3 simulations and phase-2 subphases (RSiena: 1000 and 4). ``only``
    names the scenarios to analyse (default all); their data sets stay those of the full ``scenarios``.

    Data set r < ``n_replications`` of scenario s is the one :func:`contagion_detection_study`
    analyses as replication r when it runs with ``n_replications = study_replications`` (default
    ``n_replications``) and the same ``seed``: the SAOM sees the same networks as the other methods.
    Serially or with a ``dask.distributed`` ``client`` (one task per data set,
    :func:`kinship_research.parallel.map_seeded`) the numbers are the same.
    """
    from scipy import stats

    from kinship_research.parallel import seed_children

    if not scenarios:
        raise ValueError("scenarios must map names to simulate_homophily_contagion keyword arguments")
    for name, arguments in scenarios.items():
        if "seed" in arguments:
            raise ValueError(f"scenario {name!r}: seeds come from the study's seed, drop 'seed'")
    check_positive_int("n_replications", n_replications)
    study_replications = n_replications if study_replications is None else study_replications
    check_positive_int("study_replications", study_replications, minimum=n_replications)
    check_choice("influence_effect", influence_effect, INFLUENCE_EFFECTS)
    check_positive_int("max_restarts", max_restarts, minimum=0)
    only = tuple(scenarios) if only is None else tuple(only)
    for name in only:
        check_choice("scenario in only", name, scenarios)
    only = tuple(name for name in scenarios if name in only)
    if not 0 < max_convergence_ratio:
        raise ValueError(f"max_convergence_ratio must be positive, got {max_convergence_ratio}")
    alpha, level = check_alpha(alpha), check_level(level)
    children = seed_children(seed, len(scenarios) * study_replications)
    tasks = [
        (arguments, children[s * study_replications + r])
        for s, (name, arguments) in enumerate(scenarios.items())
        if name in only
        for r in range(n_replications)
    ]
    shared = {
        "effects": tuple(effects),
        "behaviour_effects": ("linear", influence_effect),
        "n_phase3": n_phase3,
        "n_subphases": n_subphases,
        "max_restarts": max_restarts,
        "max_convergence_ratio": max_convergence_ratio,
        "z_crit": float(stats.norm.ppf(1 - alpha / 2)),
    }
    fits = pd.DataFrame(map_seeded(_saom_replication, tasks, client=client, shared=shared))
    fits.insert(0, "scenario", np.repeat(list(only), n_replications))
    fits.insert(1, "replication", np.tile(np.arange(n_replications), len(only)))
    rows = []
    for name, sub in fits.groupby("scenario", sort=False):
        converged = sub["converged"].to_numpy()
        rows.append(
            {
                "scenario": name,
                "method": "saom",
                **_rate_row(int(sub["reports_influence"].sum()), int(converged.sum()), level),
                "n_datasets": len(sub),
                "n_converged": int(converged.sum()),
                "n_failed": int((sub["error"] != "").sum()),
            }
        )
    return SaomStudy(pd.DataFrame(rows), fits, influence_effect, alpha, max_convergence_ratio, level)


def e_value(risk_ratio: float, ci_low: float | None = None, ci_high: float | None = None) -> dict:
    """E-value of a risk ratio and of its confidence limit closer to 1 (VanderWeele & Ding 2017).

    ``E = RR + sqrt(RR (RR - 1))`` for ``RR >= 1`` (use ``1 / RR`` below 1): the minimum strength of
    association, on the risk-ratio scale, that an unmeasured confounder would need with both the
    exposure and the outcome to fully explain away the estimate. The E-value of the CI is 1 when
    the interval includes 1.
    """
    values = [v for v in (risk_ratio, ci_low, ci_high) if v is not None]
    if any(not np.isfinite(v) or v <= 0 for v in values):
        raise ValueError(f"risk ratios must be positive and finite, got {values}")
    if (ci_low is None) != (ci_high is None) or (ci_low is not None and not ci_low <= risk_ratio <= ci_high):
        raise ValueError("give both ci_low <= risk_ratio <= ci_high, or neither")

    def single(rr: float) -> float:
        rr = 1 / rr if rr < 1 else rr
        return rr + np.sqrt(rr * (rr - 1))

    out = {"risk_ratio": risk_ratio, "e_value": single(risk_ratio)}
    if ci_low is not None:
        limit = 1.0 if ci_low <= 1 <= ci_high else (ci_low if risk_ratio > 1 else ci_high)
        out["e_value_ci"] = single(limit)
    return out


def confounder_bias_table(
    risk_ratio: float,
    confounder_outcome_rr=(1.5, 2.0, 3.0, 5.0),
    prevalence_exposed=(0.3, 0.5, 0.7, 0.9),
    prevalence_unexposed: float = 0.1,
) -> pd.DataFrame:
    """Sensitivity of a risk ratio to a binary unmeasured confounder U (VanderWeele 2011).

    Bias factor ``B = (1 + (g - 1) p1) / (1 + (g - 1) p0)`` with ``g`` the risk ratio of U on the
    outcome, ``p1 = P(U = 1 | alter's trait)``, ``p0 = P(U = 1 | not)``; the corrected estimate is
    ``RR / B``. Rows with ``corrected_rr <= 1`` are confounders strong enough to explain the
    estimate away. (VanderWeele TJ 2011, Sociol Methods Res 40:240-255, eq. for risk ratios.)
    """
    if risk_ratio <= 0:
        raise ValueError(f"risk_ratio must be positive, got {risk_ratio}")
    probabilities = [*prevalence_exposed, prevalence_unexposed]
    if any(not 0 <= p <= 1 for p in probabilities):
        raise ValueError(f"prevalences must lie in [0, 1], got {probabilities}")
    if any(g < 1 for g in confounder_outcome_rr):
        raise ValueError("confounder_outcome_rr values must be >= 1 (code U so that it raises risk)")
    rows = []
    for g in confounder_outcome_rr:
        for p1 in prevalence_exposed:
            bias = (1 + (g - 1) * p1) / (1 + (g - 1) * prevalence_unexposed)
            rows.append(
                {
                    "confounder_outcome_rr": g,
                    "prevalence_exposed": p1,
                    "prevalence_unexposed": prevalence_unexposed,
                    "bias_factor": bias,
                    "corrected_rr": risk_ratio / bias,
                    "explained_away": risk_ratio / bias <= 1,
                }
            )
    return pd.DataFrame(rows)
