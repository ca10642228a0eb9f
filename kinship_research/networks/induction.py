"""Christakis-Fowler induction models: does a friend's change predict one's own?

For every transition from wave ``t`` to the next wave ``t+1`` and every ordered pair (ego, alter)
tied at wave ``t``, the ego-alter-wave panel holds the binary trait of both at both waves. The model
of Christakis & Fowler (2007, NEJM 357:370; 2008, NEJM 358:2249; 2008, BMJ 337:a2338) is the
logistic regression

    logit P(ego_{t+1} = 1) = b0 + b1 ego_t + b2 alter_{t+1} + b3 alter_t + covariates,

fitted by generalized estimating equations with an independence working correlation and
standard errors clustered on the ego (Liang & Zeger 1986) or, optionally, dyadic-robust,
separately by tie type. The effect of
a friend becoming a smoker is reported as the simulated percentage change in the ego's risk when
``alter_{t+1}`` goes from 0 to 1 with the other variables at their means (King, Tomz & Wittenberg
2000, AJPS 44:347: draws of the coefficients from their estimated normal distribution).

All tie types are fitted in one stacked GEE in which every coefficient is interacted with the tie
type. Its point estimates equal the separate fits, and because rows of one ego share a cluster
whatever their tie type, the robust covariance between tie types is available: that gives the
Wald test of the difference between the ego-nominated and the alter-nominated coefficients.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from kinship_research.methods.checks import check_choice, check_level, random_generator, require_columns

from .longitudinal import TIE_VIEWS, LongitudinalNetwork, tie_view

TIE_TYPES = ("mutual", "ego_nominated", "alter_nominated")
"""Tie types of Christakis & Fowler: mutual, ego-perceived (ego names alter), alter-perceived."""
ALTER_TERMS = ("alter_next", "alter_t")
CLUSTERS = ("ego", "dyadic")
PANEL_COLUMNS = ("ego", "alter", "transition", "tie_type", "ego_t", "ego_next", "alter_t", "alter_next")


def induction_panel(
    network: LongitudinalNetwork,
    trait: str,
    covariates: tuple[str, ...] = (),
    tie_types: tuple[str, ...] = TIE_TYPES,
    exclusive: bool = True,
) -> pd.DataFrame:
    """The ego-alter-wave panel: one row per ordered tie (at wave t) per transition t -> t+1.

    Parameters
    ----------
    network : LongitudinalNetwork
    trait : str
        A 0/1 attribute of ``network`` (see :meth:`LongitudinalNetwork.indicator`).
    covariates : tuple of str
        Numeric attributes of the ego, taken at wave ``t``.
    tie_types : tuple of str
        Views of :data:`~kinship_research.networks.longitudinal.TIE_VIEWS` to include.
    exclusive : bool
        If True (default) the ego- and alter-nominated types leave out mutual ties, so each
        ordered pair has exactly one type (Christakis & Fowler's classification).

    Returns
    -------
    DataFrame
        Columns ``ego``, ``alter``, ``transition`` (label of wave t), ``tie_type``, ``ego_t``,
        ``ego_next``, ``alter_t``, ``alter_next`` and the covariates. Pairs are kept when both
        pupils are present at both waves and all four trait values and the covariates are known.
    """
    if network.n_waves < 2:
        raise ValueError("an induction panel needs at least two waves")
    for tie_type in tie_types:
        if tie_type not in TIE_VIEWS:
            raise ValueError(f"unknown tie type {tie_type!r}; allowed: {', '.join(TIE_VIEWS)}")
    if not tie_types or len(set(tie_types)) != len(tie_types):
        raise ValueError(f"tie_types must be distinct and non-empty, got {tie_types}")
    values = network.attribute(trait)
    if not np.isin(values[~np.isnan(values)], (0.0, 1.0)).all():
        raise ValueError(
            f"trait {trait!r} must be coded 0/1 (missing allowed); make one with LongitudinalNetwork.indicator"
        )
    reserved = set(PANEL_COLUMNS) & set(covariates)
    if reserved:
        raise ValueError(f"covariate names {sorted(reserved)} clash with panel columns")
    extra = {name: network.attribute(name) for name in covariates}
    nodes = np.asarray(network.nodes)
    frames = []
    for k in range(network.n_waves - 1):
        both = network.present[k] & network.present[k + 1]
        known = both & ~np.isnan(values[k]) & ~np.isnan(values[k + 1])
        for series in extra.values():
            known &= ~np.isnan(series[k])
        for tie_type in tie_types:
            tied = tie_view(network.ties[k], tie_type, exclusive) == 1
            ego, alter = np.nonzero(tied & known[:, None] & known[None, :])
            frame = pd.DataFrame(
                {
                    "ego": nodes[ego],
                    "alter": nodes[alter],
                    "transition": network.waves[k],
                    "tie_type": tie_type,
                    "ego_t": values[k, ego],
                    "ego_next": values[k + 1, ego],
                    "alter_t": values[k, alter],
                    "alter_next": values[k + 1, alter],
                    **{name: series[k, ego] for name, series in extra.items()},
                }
            )
            frames.append(frame)
    panel = pd.concat(frames, ignore_index=True)
    return panel.astype({"ego": "string", "alter": "string", "tie_type": "string"})


def _check_panel(panel: pd.DataFrame, terms: tuple[str, ...], covariates: tuple[str, ...]) -> None:
    needed = ["ego", "tie_type", "transition", "ego_next", *terms, *covariates]
    require_columns(panel, needed, "panel (build it with induction_panel)")
    if panel[needed].isna().any().any():
        raise ValueError("panel has missing values; induction_panel drops them")
    if not panel["ego_next"].isin((0.0, 1.0)).all():
        raise ValueError("ego_next must be 0/1")


def design(panel: pd.DataFrame, terms: tuple[str, ...], transition_effects: bool) -> tuple[np.ndarray, list[str]]:
    """Design matrix (intercept, ``terms``, transition dummies) of one tie type's rows."""
    columns = [np.ones(len(panel))] + [panel[t].to_numpy(dtype=float) for t in terms]
    names = ["intercept", *terms]
    if transition_effects:
        for label in sorted(panel["transition"].unique())[1:]:
            columns.append((panel["transition"] == label).to_numpy(dtype=float))
            names.append(f"transition[{label}]")
    return np.column_stack(columns), names


def _stacked_design(
    panel: pd.DataFrame, tie_types: list[str], terms: tuple[str, ...], transition_effects: bool
) -> tuple[np.ndarray, list[tuple[str, str]], dict]:
    """Block design: each tie type's columns are non-zero only on its own rows."""
    blocks, labels, means = [], [], {}
    for tie_type in tie_types:
        rows = (panel["tie_type"] == tie_type).to_numpy()
        sub = panel.loc[rows]
        x, names = design(sub, terms, transition_effects)
        if len(sub) <= x.shape[1] or np.linalg.matrix_rank(x) < x.shape[1]:
            raise ValueError(
                f"tie type {tie_type!r}: {len(sub)} rows cannot identify {names} "
                "(too few ties or a constant covariate); drop that tie type or covariate"
            )
        outcome = sub["ego_next"].to_numpy()
        if outcome.min() == outcome.max():
            raise ValueError(f"tie type {tie_type!r}: ego_next is constant ({outcome[0]:g}); nothing to model")
        block = np.zeros((len(panel), x.shape[1]))
        block[rows] = x
        blocks.append(block)
        labels += [(tie_type, name) for name in names]
        means[tie_type] = x.mean(axis=0)
    return np.column_stack(blocks), labels, means


@dataclass(frozen=True)
class InductionResult:
    """Stacked induction GEE: coefficients, simulated risk changes and the direction contrast.

    Attributes
    ----------
    coefficients : DataFrame
        tie_type, term, estimate, std_error, ci_low, ci_high, p_value, n_obs, n_egos.
    risk_change : DataFrame
        Per tie type the focal term's effect: baseline_risk (focal term 0, others at means),
        risk_ratio and pct_change at the estimates, simulated CI of pct_change and of risk_ratio.
    contrast : DataFrame
        Wald test of (first minus second compared tie type) for the focal term: difference,
        std_error, ci_low, ci_high, z, p_value; empty if fewer than two compared types were fitted.
    focal : str
    n_obs : int
    n_egos : int
    """

    coefficients: pd.DataFrame
    risk_change: pd.DataFrame
    contrast: pd.DataFrame
    focal: str
    n_obs: int
    n_egos: int

    def to_frame(self) -> pd.DataFrame:
        """The focal rows: coefficients merged with the simulated risk change."""
        focal = self.coefficients.loc[self.coefficients["term"] == self.focal]
        return focal.merge(self.risk_change, on=["tie_type", "term", "n_obs", "n_egos"], how="left")


def fit_induction(
    panel: pd.DataFrame,
    covariates: tuple[str, ...] = (),
    alter_terms: tuple[str, ...] = ALTER_TERMS,
    focal: str = "alter_next",
    transition_effects: bool = True,
    compare: tuple[str, str] = ("ego_nominated", "alter_nominated"),
    cluster: str = "ego",
    n_draws: int = 1000,
    level: float = 0.95,
    seed: int | None = None,
) -> InductionResult:
    """Fit the induction GEE by tie type and simulate the effect of the focal alter term.

    Parameters
    ----------
    panel : DataFrame
        From :func:`induction_panel`.
    covariates : tuple of str
        Further numeric panel columns (ego covariates at wave t).
    alter_terms : tuple of str
        Alter terms of the model: ``("alter_next", "alter_t")`` (Christakis & Fowler) or
        ``("alter_t",)`` (lagged-alter model).
    focal : str
        The alter term whose 0 -> 1 change is simulated and compared (one of ``alter_terms``).
    transition_effects : bool
        Add dummies for the transitions (common time trends, e.g. smoking rising with age).
    compare : pair of str
        Tie types whose focal coefficients are contrasted by a Wald test.
    cluster : {"ego", "dyadic"}
        Standard errors clustered on the ego (Christakis & Fowler; the robust covariance of
        statsmodels' GEE) or dyadic-robust (:func:`robust_covariance`), which also allows for
        the dependence between rows that share a pupil, e.g. the two directions of a mutual tie.
    n_draws : int
        Coefficient draws for the simulated percentage change (King et al. 2000).
    level : float
        Confidence level of all intervals.
    seed : int, optional
        Seed of ``numpy.random.default_rng`` for the draws.

    Notes
    -----
    Percentage change in risk: ``100 (expit(x1 b) / expit(x0 b) - 1)`` with ``x0``, ``x1`` the tie
    type's mean covariate vector with the focal term set to 0 and 1. Wald contrast:
    ``z = (b_1 - b_2) / sqrt(V_11 + V_22 - 2 V_12)`` using the stacked robust covariance.
    """
    import statsmodels.api as sm
    from scipy import stats
    from scipy.special import expit

    if focal not in alter_terms or not set(alter_terms) <= set(ALTER_TERMS):
        raise ValueError(f"alter_terms must be drawn from {ALTER_TERMS} and contain focal {focal!r}; got {alter_terms}")
    check_choice("cluster", cluster, CLUSTERS)
    level = check_level(level)
    if n_draws < 100:
        raise ValueError(f"n_draws must be at least 100 for percentile intervals, got {n_draws}")
    if len(compare) != 2 or compare[0] == compare[1] or not set(compare) <= set(TIE_VIEWS):
        raise ValueError(f"compare must name two different tie types from {TIE_VIEWS}, got {compare}")
    terms = ("ego_t", *alter_terms, *covariates)
    _check_panel(panel, terms, covariates)
    tie_types = [t for t in TIE_VIEWS if t in set(panel["tie_type"])]
    if not tie_types:
        raise ValueError("panel is empty: no ties with known trait values")
    x, labels, means = _stacked_design(panel, tie_types, terms, transition_effects)
    ego, alter = node_codes(panel)
    y = panel["ego_next"].to_numpy(dtype=float)
    model = sm.GEE(y, x, groups=ego, family=sm.families.Binomial(), cov_struct=sm.cov_struct.Independence())
    beta = np.asarray(model.fit().params)
    cov = robust_covariance(x, y, beta, ego, alter if cluster == "dyadic" else None)
    z_crit = stats.norm.ppf(0.5 + level / 2)
    se = np.sqrt(np.diag(cov))
    counts = panel.groupby("tie_type", observed=True).agg(n_obs=("ego", "size"), n_egos=("ego", "nunique"))
    coefficients = pd.DataFrame(labels, columns=["tie_type", "term"]).assign(
        estimate=beta,
        std_error=se,
        ci_low=beta - z_crit * se,
        ci_high=beta + z_crit * se,
        p_value=2 * stats.norm.sf(np.abs(beta / se)),
    )
    coefficients = coefficients.merge(counts, left_on="tie_type", right_index=True)
    rng = random_generator(seed)
    # a dyadic sandwich need not be positive semi-definite: draw from its PSD part
    values, vectors = np.linalg.eigh((cov + cov.T) / 2)
    draws = beta + rng.standard_normal((n_draws, len(beta))) @ (vectors * np.sqrt(np.clip(values, 0, None))).T
    tail = 100 * (1 - level) / 2
    rows = []
    for tie_type in tie_types:
        index = [k for k, (t, _) in enumerate(labels) if t == tie_type]
        x0 = means[tie_type].copy()
        position = 1 + terms.index(focal)
        x0[position] = 0.0
        x1 = x0.copy()
        x1[position] = 1.0
        ratio_hat = expit(x1 @ beta[index]) / expit(x0 @ beta[index])
        ratio_draws = expit(draws[:, index] @ x1) / expit(draws[:, index] @ x0)
        low, high = np.percentile(ratio_draws, [tail, 100 - tail])
        rows.append(
            {
                "tie_type": tie_type,
                "term": focal,
                "baseline_risk": expit(x0 @ beta[index]),
                "risk_ratio": ratio_hat,
                "risk_ratio_low": low,
                "risk_ratio_high": high,
                "pct_change": 100 * (ratio_hat - 1),
                "pct_change_low": 100 * (low - 1),
                "pct_change_high": 100 * (high - 1),
                "n_draws": n_draws,
                "n_obs": int(counts.loc[tie_type, "n_obs"]),
                "n_egos": int(counts.loc[tie_type, "n_egos"]),
            }
        )
    contrast = pd.DataFrame(
        columns=["contrast", "term", "difference", "std_error", "ci_low", "ci_high", "z", "p_value"]
    )
    if set(compare) <= set(tie_types):
        first, second = (labels.index((t, focal)) for t in compare)
        difference = beta[first] - beta[second]
        std_error = np.sqrt(cov[first, first] + cov[second, second] - 2 * cov[first, second])
        contrast = pd.DataFrame(
            [
                {
                    "contrast": f"{compare[0]} - {compare[1]}",
                    "term": focal,
                    "difference": difference,
                    "std_error": std_error,
                    "ci_low": difference - z_crit * std_error,
                    "ci_high": difference + z_crit * std_error,
                    "z": difference / std_error,
                    "p_value": 2 * stats.norm.sf(abs(difference / std_error)),
                }
            ]
        )
    return InductionResult(
        coefficients, pd.DataFrame(rows), contrast, focal, n_obs=len(panel), n_egos=int(panel["ego"].nunique())
    )


def node_codes(panel: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Integer codes of the ego and alter columns in one shared node index."""
    codes, _ = pd.factorize(pd.concat([panel["ego"], panel["alter"]], ignore_index=True))
    return codes[: len(panel)], codes[len(panel) :]


def robust_covariance(
    x: np.ndarray, y: np.ndarray, beta: np.ndarray, ego: np.ndarray, alter: np.ndarray | None = None
) -> np.ndarray:
    """Sandwich covariance of a logistic fit, clustered on the ego or dyadic-robust.

    ``V = B^-1 M B^-1`` with ``B = X' W X`` and scores ``u_r = x_r (y_r - p_r)``. Clustered on the
    ego (Liang & Zeger 1986; ``alter=None``): ``M = sum_g S_g S_g'`` over egos. Dyadic-robust
    (Fafchamps & Gubert 2007; Aronow, Samii & Assenova 2015, Political Analysis 23:564): every pair
    of rows that share a pupil, as ego or alter, may be correlated:
    ``M = sum_v S_v S_v' - sum_d D_d D_d'`` with ``S_v`` the score sum of the rows involving pupil
    ``v`` and ``D_d`` that of the rows of the unordered pair ``d`` (counted twice in the first sum).
    ``ego`` and ``alter`` are integer codes in one node index.
    """
    from scipy.special import expit

    p = expit(x @ beta)
    inverse = np.linalg.inv((x * (p * (1 - p))[:, None]).T @ x)
    scores = x * (y - p)[:, None]
    n_nodes = int(max(ego.max(), -1 if alter is None else alter.max())) + 1
    sums = np.zeros((n_nodes, x.shape[1]))
    np.add.at(sums, ego, scores)
    if alter is None:
        return inverse @ (sums.T @ sums) @ inverse
    np.add.at(sums, alter, scores)
    dyad = pd.factorize(np.minimum(ego, alter) * n_nodes + np.maximum(ego, alter))[0]
    pairs = np.zeros((dyad.max() + 1, x.shape[1]))
    np.add.at(pairs, dyad, scores)
    return inverse @ (sums.T @ sums - pairs.T @ pairs) @ inverse


def logistic_cluster_fit(
    x: np.ndarray,
    y: np.ndarray,
    ego: np.ndarray,
    alter: np.ndarray | None = None,
    max_iter: int = 50,
    tol: float = 1e-10,
) -> tuple[np.ndarray, np.ndarray]:
    """Logistic regression by Newton-Raphson with the :func:`robust_covariance` sandwich.

    With ``alter=None`` equal to a GEE with independence working correlation and robust
    covariance clustered on ``ego`` (statsmodels ``GEE(..., cov_struct=Independence()).fit()``).
    A fast kernel for the many refits of the placebo, shuffle and simulation studies.
    """
    from scipy.special import expit

    beta = np.zeros(x.shape[1])
    for _ in range(max_iter):
        p = expit(x @ beta)
        step = np.linalg.solve((x * (p * (1 - p))[:, None]).T @ x, x.T @ (y - p))
        beta += step
        if np.max(np.abs(step)) < tol:
            break
    else:
        raise RuntimeError("logistic fit did not converge (separation?)")
    return beta, robust_covariance(x, y, beta, ego, alter)
