"""Regression estimators: OLS with robust covariances, survey-weighted logit and ordinal fits,
and within-group (random-intercept and fixed-effect) models.

References
----------
MacKinnon JG, White H (1985) Some heteroskedasticity-consistent covariance matrix estimators with
improved finite sample properties. Journal of Econometrics 29:305-325.
Binder DA (1983) On the variances of asymptotically normal estimators from complex surveys.
Int Stat Rev 51:279-292.
Cameron AC, Miller DL (2015) A practitioner's guide to cluster-robust inference. J Hum Resour
50:317-372.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from kinship_research.methods.checks import check_choice, check_level, require_columns

COVARIANCE_TYPES = ("nonrobust", "HC0", "HC1", "HC2", "HC3")


@dataclass(frozen=True)
class OLSFit:
    """A fitted OLS model with its data (complete cases) and covariance types to report.

    Attributes
    ----------
    outcome, predictors : the model ``outcome ~ const + predictors``.
    data : the complete-case rows used (outcome and predictors only, original index).
    results : statsmodels ``RegressionResults`` with the classical covariance.
    cov_types : covariance types reported by :meth:`to_frame`.
    dropped : requested predictors left out because they are constant in the sample.
    """

    outcome: str
    predictors: tuple[str, ...]
    data: pd.DataFrame
    results: object
    cov_types: tuple[str, ...]
    dropped: tuple[str, ...] = ()

    @property
    def n(self) -> int:
        """Number of observations used."""
        return int(self.results.nobs)

    @property
    def r_squared(self) -> float:
        return float(self.results.rsquared)

    @property
    def adj_r_squared(self) -> float:
        return float(self.results.rsquared_adj)

    def robust(self, cov_type: str):
        """The same fit with ``cov_type`` (one of COVARIANCE_TYPES) standard errors."""
        check_choice("cov_type", cov_type, COVARIANCE_TYPES)
        return self.results if cov_type == "nonrobust" else self.results.get_robustcov_results(cov_type)

    def to_frame(self, *, level: float = 0.95) -> pd.DataFrame:
        """Tidy coefficients: one row per (term, cov_type) with estimate, std_error, t, p_value,
        ci_low, ci_high (t-based, coverage ``level``), n, r_squared and adj_r_squared."""
        level = check_level(level)
        rows = []
        for cov in self.cov_types:
            res = self.robust(cov)
            ci = np.asarray(res.conf_int(1 - level))
            for k, term in enumerate(["const", *self.predictors]):
                rows.append(
                    {
                        "term": term,
                        "cov_type": cov,
                        "estimate": float(res.params[k]),
                        "std_error": float(res.bse[k]),
                        "t": float(res.tvalues[k]),
                        "p_value": float(res.pvalues[k]),
                        "ci_low": float(ci[k, 0]),
                        "ci_high": float(ci[k, 1]),
                    }
                )
        out = pd.DataFrame(rows)
        out["n"] = self.n
        out["r_squared"] = self.r_squared
        out["adj_r_squared"] = self.adj_r_squared
        return out


def fit_ols(
    data: pd.DataFrame,
    outcome: str,
    predictors: Sequence[str],
    *,
    cov_types: Sequence[str] = ("nonrobust", "HC1", "HC3"),
    drop_constant: bool = False,
) -> OLSFit:
    """OLS of ``outcome`` on a constant and ``predictors`` over the complete cases of ``data``.

    beta = (X'X)^-1 X'y; classical Var(beta) = s^2 (X'X)^-1 with s^2 = e'e/(n-k); robust
    HC1 = n/(n-k) (X'X)^-1 X' diag(e^2) X (X'X)^-1, HC3 replaces e_i^2 by e_i^2/(1-h_ii)^2
    (MacKinnon & White 1985). Predictors that are constant over the complete cases are not
    identified: with ``drop_constant`` they are left out (listed in ``OLSFit.dropped``), otherwise
    they raise ValueError.

    Raises
    ------
    KeyError if a column is missing; ValueError for non-numeric columns, unknown covariance types,
    constant or collinear predictors, or fewer complete cases than parameters + 2.
    """
    import statsmodels.api as sm

    predictors = tuple(predictors)
    if not predictors:
        raise ValueError("predictors must name at least one column")
    columns = [outcome, *predictors]
    require_columns(data, columns, numeric=True)
    for cov in cov_types:
        check_choice("cov_type", cov, COVARIANCE_TYPES)
    frame = data[columns].dropna().astype(float)
    constant = tuple(c for c in predictors if frame[c].nunique() < 2)
    if constant and not drop_constant:
        raise ValueError(
            f"predictors {list(constant)} are constant in the complete cases and cannot be estimated; "
            "remove them or pass drop_constant=True"
        )
    predictors = tuple(c for c in predictors if c not in constant)
    if not predictors:
        raise ValueError("every predictor is constant in the complete cases")
    if len(frame) < len(predictors) + 3:
        raise ValueError(
            f"only {len(frame)} complete cases for {len(predictors)} predictors; need at least {len(predictors) + 3}"
        )
    exog = sm.add_constant(frame[list(predictors)].to_numpy(), has_constant="add")
    if np.linalg.matrix_rank(exog) < exog.shape[1]:
        raise ValueError(
            f"the predictors {list(predictors)} are collinear (design matrix rank "
            f"{np.linalg.matrix_rank(exog)} < {exog.shape[1]} columns)"
        )
    results = sm.OLS(frame[outcome].to_numpy(), exog).fit()
    return OLSFit(outcome, predictors, frame[[outcome, *predictors]], results, tuple(cov_types), constant)


def partial_effect(
    fit: OLSFit,
    term: str,
    *,
    n_points: int = 50,
    cov_type: str = "HC3",
    level: float = 0.95,
) -> pd.DataFrame:
    """Predicted outcome across the observed range of ``term``, other predictors at their means.

    yhat(x) = b0 + b_term x + sum_j b_j mean(x_j); its standard error is sqrt(c' V c) with
    c = (1, ..., x, ..., means) and V the ``cov_type`` covariance matrix; the band is
    yhat ± t_{(1+level)/2, n-k} se (confidence for the conditional mean, not a prediction interval).

    Returns
    -------
    DataFrame with columns ``term``, ``value``, ``predicted``, ``std_error``, ``ci_low``, ``ci_high``,
    ``cov_type``, ``n``.
    """
    if term not in fit.predictors:
        raise KeyError(f"term {term!r} is not a predictor of the model; predictors: {', '.join(fit.predictors)}")
    if int(n_points) != n_points or n_points < 2:
        raise ValueError(f"n_points must be an integer >= 2, got {n_points!r}")
    level = check_level(level)
    res = fit.robust(cov_type)
    grid = np.linspace(fit.data[term].min(), fit.data[term].max(), int(n_points))
    means = fit.data[list(fit.predictors)].mean()
    exog = np.tile(np.r_[1.0, means.to_numpy()], (len(grid), 1))
    exog[:, 1 + fit.predictors.index(term)] = grid
    frame = res.get_prediction(exog).summary_frame(alpha=1 - level)
    return pd.DataFrame(
        {
            "term": term,
            "value": grid,
            "predicted": frame["mean"].to_numpy(),
            "std_error": frame["mean_se"].to_numpy(),
            "ci_low": frame["mean_ci_lower"].to_numpy(),
            "ci_high": frame["mean_ci_upper"].to_numpy(),
            "cov_type": cov_type,
            "n": fit.n,
        }
    )


def partial_residuals(fit: OLSFit, term: str) -> pd.DataFrame:
    """Component-plus-residual values for ``term``: yhat(x_i, other predictors at their means) + e_i.

    Plotted against ``term`` they scatter around the :func:`partial_effect` line, showing the
    association of ``term`` with the outcome net of the other predictors (Larsen & McCleary 1972).
    Returns ``value``, ``adjusted`` and the row index of ``fit.data`` (so labels can be joined).
    """
    if term not in fit.predictors:
        raise KeyError(f"term {term!r} is not a predictor of the model; predictors: {', '.join(fit.predictors)}")
    params = np.asarray(fit.results.params)
    means = fit.data[list(fit.predictors)].mean().to_numpy()
    k = fit.predictors.index(term)
    at_means = params[0] + params[1:] @ means - params[1 + k] * means[k]
    value = fit.data[term]
    return pd.DataFrame(
        {"value": value, "adjusted": at_means + params[1 + k] * value + np.asarray(fit.results.resid)},
        index=fit.data.index,
    )


def _weighted_ordered_model(y_rank, x, weights):
    """statsmodels OrderedModel whose per-observation log-likelihood is multiplied by a survey weight."""
    from statsmodels.miscmodels.ordinal_model import OrderedModel

    class WeightedOrderedModel(OrderedModel):
        def __init__(self, endog, exog, survey_weights, **kwargs):
            super().__init__(endog, exog, **kwargs)
            self.survey_weights = np.asarray(survey_weights, dtype=float)

        def loglikeobs(self, params):
            return self.survey_weights * super().loglikeobs(params)

    return WeightedOrderedModel(y_rank, x, weights, distr="logit"), OrderedModel


@dataclass(frozen=True, eq=False)
class WeightedFit:
    """A survey-weighted (pseudo-maximum-likelihood) fit; ``to_frame()`` gives the coefficients."""

    kind: str  # "ordinal" or "logit"
    outcome: str
    exposure: str
    params: pd.Series
    cov: pd.DataFrame
    data: pd.DataFrame = field(repr=False)  # complete cases used (outcome, exposure, controls, weight)
    columns: tuple[str, ...] = ()  # regressors, in parameter order
    weight: str = "weight"
    categories: tuple[str, ...] = ()  # outcome categories (ordinal) or event label (logit)
    model: object = field(default=None, repr=False)  # the fitted statsmodels model

    @property
    def n(self) -> int:
        return len(self.data)

    def to_frame(self, *, level: float = 0.95) -> pd.DataFrame:
        """term, estimate (log-odds), std_error, CI, odds ratio with CI, p_value, n."""
        import scipy.stats as stats

        se = np.sqrt(np.diag(self.cov.to_numpy()))
        z = stats.norm.ppf(0.5 + level / 2)
        est = self.params.to_numpy()
        out = pd.DataFrame(
            {
                "outcome": self.outcome,
                "model": self.kind,
                "term": self.params.index,
                "estimate": est,
                "std_error": se,
                "ci_low": est - z * se,
                "ci_high": est + z * se,
                "p_value": 2 * stats.norm.sf(np.abs(est / se)),
                "n": self.n,
            }
        )
        regressor = out["term"].isin(self.columns)  # odds ratios only for regressors
        for col in ("estimate", "ci_low", "ci_high"):
            name = "odds_ratio" if col == "estimate" else f"odds_ratio_{col}"
            out[name] = np.exp(out[col]).where(regressor)
        return out

    def _exog(self, frame: pd.DataFrame) -> np.ndarray:
        import statsmodels.api as sm

        x = frame[list(self.columns)].to_numpy(float)
        return sm.add_constant(x, has_constant="add") if self.kind == "logit" else x

    def _mean_probabilities(self, params: np.ndarray, frame: pd.DataFrame) -> np.ndarray:
        w = frame[self.weight].to_numpy(float)
        x = self._exog(frame)
        if self.kind == "logit":
            p = 1 / (1 + np.exp(-x @ params))[:, None]
        else:
            p = self.model.predict(params, exog=x)
        return w @ p / w.sum()


def weighted_logit(y: np.ndarray, x: np.ndarray, weights: np.ndarray):
    """Survey-weighted logistic regression (constant added): statsmodels ``GLM(Binomial,
    var_weights=w).fit(cov_type="HC0")``, whose likelihood is :math:`\\sum_i w_i \\ell_i` and whose
    HC0 covariance is the sandwich :math:`H^{-1}(\\sum_i w_i^2 s_i s_i^\\top)H^{-1}` (Binder 1983).
    Returns (params, covariance, model)."""
    import statsmodels.api as sm

    res = sm.GLM(y, sm.add_constant(x, has_constant="add"), family=sm.families.Binomial(), var_weights=weights).fit(
        cov_type="HC0"
    )
    return np.asarray(res.params), np.asarray(res.cov_params()), res.model


def weighted_ordinal(y_rank: np.ndarray, x: np.ndarray, weights: np.ndarray):
    """Survey-weighted proportional-odds (logit) model of categories ranked 0..K-1: statsmodels
    ``OrderedModel`` with weighted per-observation log-likelihood and HC0 sandwich covariance
    (numerical score and Hessian). Parameters: slopes, the first cut-point, log increments of the
    others. Returns (params, covariance, model)."""
    model, unweighted = _weighted_ordered_model(y_rank, x, weights)
    start = unweighted(y_rank, x, distr="logit").fit(method="bfgs", disp=False).params
    res = model.fit(start_params=start, method="bfgs", disp=False, cov_type="HC0", maxiter=500, gtol=1e-8)
    return np.asarray(res.params), np.asarray(res.cov_params()), model


def predicted_probabilities(fit: WeightedFit, values, *, level: float = 0.95) -> pd.DataFrame:
    """Population-averaged predicted probabilities across values of the exposure, with CIs.

    For each exposure value *v*, every respondent's exposure is set to *v* and the predicted
    probability of each outcome category is averaged with the survey weights (marginal
    standardisation): :math:`\\bar p_k(v) = \\sum_i w_i\\, p_k(x_i^{(v)};\\hat\\theta) / \\sum_i w_i`.
    The standard error is from the delta method, :math:`g^\\top \\hat V g` with
    :math:`g = \\partial \\bar p_k / \\partial \\theta` (numerical), and the CI is formed on the logit
    scale and transformed back so it stays inside (0, 1).

    Returns
    -------
    DataFrame: exposure value, category, probability, std_error, ci_low, ci_high, n.

    References
    ----------
    Graubard BI, Korn EL (1999) Predictive margins with survey data. Biometrics 55:652-659.
    """
    import scipy.stats as stats
    from statsmodels.tools.numdiff import approx_fprime

    values = np.atleast_1d(np.asarray(values, dtype=float))
    if values.size == 0 or not np.isfinite(values).all():
        raise ValueError("values must be a non-empty sequence of finite numbers")
    level = check_level(level)
    z = stats.norm.ppf(0.5 + level / 2)
    theta = fit.params.to_numpy()
    cov = fit.cov.to_numpy()
    rows = []
    for v in values:
        frame = fit.data.assign(**{fit.exposure: v})
        p = fit._mean_probabilities(theta, frame)
        grad = approx_fprime(theta, lambda t, f=frame: fit._mean_probabilities(t, f), centered=True)
        grad = np.atleast_2d(grad)
        se = np.sqrt(np.einsum("ki,ij,kj->k", grad, cov, grad))
        logit = np.log(p / (1 - p))
        half = z * se / (p * (1 - p))
        for category, pk, sk, lo, hi in zip(fit.categories, p, se, logit - half, logit + half):
            rows.append(
                {
                    fit.exposure: v,
                    "category": category,
                    "probability": pk,
                    "std_error": sk,
                    "ci_low": 1 / (1 + np.exp(-lo)),
                    "ci_high": 1 / (1 + np.exp(-hi)),
                    "n": fit.n,
                }
            )
    return pd.DataFrame(rows)


def within_group_models(
    data: pd.DataFrame,
    outcome: str,
    exposure: str,
    *,
    controls=(),
    group: str,
    group_name: str | None = None,
    level: float = 0.95,
) -> pd.DataFrame:
    """Association of ``outcome`` with ``exposure`` within groups, two ways.

    1. Random group intercepts (statsmodels ``MixedLM``, REML):
       :math:`y_{ig} = \\beta_0 + \\beta x_{ig} + \\gamma^\\top z_{ig} + u_g + e_{ig}`,
       :math:`u_g \\sim N(0, \\tau^2)`, :math:`e_{ig} \\sim N(0, \\sigma^2)`; also reports the
       intraclass correlation :math:`\\tau^2/(\\tau^2+\\sigma^2)` of the residuals.
    2. Group fixed effects (OLS with group dummies) and cluster-robust (CR1) standard errors by
       group; t-based CI with (groups − 1) degrees of freedom (Cameron & Miller 2015).

    Units are unweighted; only complete cases are used. Returns one row per model: outcome,
    exposure, model (labelled with ``group_name``, default ``group``), estimate, std_error, ci_low,
    ci_high, p_value, icc, n, n_groups.
    """
    import scipy.stats as stats
    import statsmodels.api as sm

    group_name = group_name or group
    columns = [outcome, exposure, *controls]
    require_columns(data, [*columns, group])
    level = check_level(level)
    data = data[[group, *columns]].dropna().reset_index(drop=True)
    n_groups = data[group].nunique()
    if n_groups < 3 or len(data) <= n_groups + len(columns):
        raise ValueError(f"too few complete units ({len(data)}) or groups ({n_groups}) for {outcome} ~ {exposure}")
    exog = sm.add_constant(data[[exposure, *controls]].to_numpy(float), has_constant="add")
    y = data[outcome].to_numpy(float)
    z = stats.norm.ppf(0.5 + level / 2)

    mixed = sm.MixedLM(y, exog, groups=data[group].to_numpy()).fit(reml=True)
    beta, se = float(mixed.fe_params[1]), float(mixed.bse_fe[1])
    tau2, sigma2 = float(np.asarray(mixed.cov_re)[0, 0]), float(mixed.scale)
    rows = [
        {
            "model": f"{group_name} random intercepts (MixedLM)",
            "estimate": beta,
            "std_error": se,
            "ci_low": beta - z * se,
            "ci_high": beta + z * se,
            "p_value": float(2 * stats.norm.sf(abs(beta / se))),
            "icc": tau2 / (tau2 + sigma2),
        }
    ]

    dummies = pd.get_dummies(data[group], drop_first=True, dtype=float).to_numpy()
    fixed = sm.OLS(y, np.column_stack([exog, dummies])).fit(
        cov_type="cluster", cov_kwds={"groups": pd.factorize(data[group])[0]}
    )
    beta, se = float(fixed.params[1]), float(fixed.bse[1])
    t = stats.t.ppf(0.5 + level / 2, n_groups - 1)
    rows.append(
        {
            "model": f"{group_name} fixed effects (OLS, cluster-robust SE)",
            "estimate": beta,
            "std_error": se,
            "ci_low": beta - t * se,
            "ci_high": beta + t * se,
            "p_value": float(2 * stats.t.sf(abs(beta / se), n_groups - 1)),
            "icc": np.nan,
        }
    )
    out = pd.DataFrame(rows)
    out.insert(0, "exposure", exposure)
    out.insert(0, "outcome", outcome)
    out["n"] = len(data)
    out["n_groups"] = n_groups
    return out
