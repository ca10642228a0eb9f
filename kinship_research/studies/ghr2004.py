"""Cross-national health models: the Ghobarah, Huth & Russett (2004) HALE equation.

Ghobarah, Huth & Russett (2004, Table III) regress healthy life expectancy (HALE, years, WHO 1999)
on (log) total health expenditure, urban growth, the Gini index, (log) Vanhanen
racial-linguistic-religious heterogeneity, (log) education, civil-war deaths and a civil war in a
contiguous country, by OLS over ~180 countries. The functions here fit that model (or any OLS
given by outcome and predictor names) and return tidy tables with classical and
heteroskedasticity-robust (HC1, HC3) standard errors, confidence intervals, N and R².

References
----------
Ghobarah HA, Huth P, Russett B (2004) Comparative public health: the political economy of human
misery and well-being. International Studies Quarterly 48:73-94.
MacKinnon JG, White H (1985) Some heteroskedasticity-consistent covariance matrix estimators with
improved finite sample properties. Journal of Econometrics 29:305-325.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import statsmodels.api as sm

HALE_OUTCOME = "hale"
HALE_PREDICTORS = (
    "totexphlth", "urban_growth", "gini", "log_vanhanen", "log_educ", "cwdeaths", "contig_cw",
)
"""Predictors of GHR (2004) Table III in the stevedata ``GHR04`` names (ethnic heterogeneity is
``log_vanhanen``; ``rivalry`` belongs to their public-expenditure equation, Table I)."""
COVARIANCE_TYPES = ("nonrobust", "HC0", "HC1", "HC2", "HC3")


@dataclass(frozen=True)
class OLSFit:
    """A fitted OLS model with its data (complete cases) and covariance types to report.

    Attributes
    ----------
    outcome, predictors : the model ``outcome ~ const + predictors``.
    data : the complete-case rows used (outcome and predictors only, original index).
    results : statsmodels ``RegressionResults`` with the classical covariance.
    covariances : covariance types reported by :meth:`to_frame`.
    dropped : requested predictors left out because they are constant in the sample.
    """

    outcome: str
    predictors: tuple[str, ...]
    data: pd.DataFrame
    results: object
    covariances: tuple[str, ...]
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

    def robust(self, covariance: str):
        """The same fit with ``covariance`` (one of COVARIANCE_TYPES) standard errors."""
        _check_covariance(covariance)
        return self.results if covariance == "nonrobust" else self.results.get_robustcov_results(covariance)

    def to_frame(self, alpha: float = 0.05) -> pd.DataFrame:
        """Tidy coefficients: one row per (term, covariance) with estimate, std_error, t, p_value,
        ci_low, ci_high (t-based, level 1 - alpha), n, r_squared and adj_r_squared."""
        _check_alpha(alpha)
        rows = []
        for cov in self.covariances:
            res = self.robust(cov)
            ci = np.asarray(res.conf_int(alpha))
            for k, term in enumerate(["const", *self.predictors]):
                rows.append({
                    "term": term, "covariance": cov, "estimate": float(res.params[k]),
                    "std_error": float(res.bse[k]), "t": float(res.tvalues[k]),
                    "p_value": float(res.pvalues[k]), "ci_low": float(ci[k, 0]), "ci_high": float(ci[k, 1]),
                })
        out = pd.DataFrame(rows)
        out["n"] = self.n
        out["r_squared"] = self.r_squared
        out["adj_r_squared"] = self.adj_r_squared
        return out


def _check_alpha(alpha: float) -> None:
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must be in (0, 1), got {alpha!r}")


def _check_covariance(covariance: str) -> None:
    if covariance not in COVARIANCE_TYPES:
        raise ValueError(f"unknown covariance type {covariance!r}; allowed: {', '.join(COVARIANCE_TYPES)}")


def fit_ols(
    data: pd.DataFrame,
    outcome: str,
    predictors: Sequence[str],
    covariances: Sequence[str] = ("nonrobust", "HC1", "HC3"),
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
    predictors = tuple(predictors)
    if not predictors:
        raise ValueError("predictors must name at least one column")
    columns = [outcome, *predictors]
    missing = [c for c in columns if c not in data.columns]
    if missing:
        raise KeyError(f"columns {missing} not in data; available: {', '.join(map(str, data.columns))}")
    for cov in covariances:
        _check_covariance(cov)
    frame = data[columns]
    non_numeric = [c for c in columns if not pd.api.types.is_numeric_dtype(frame[c])]
    if non_numeric:
        raise ValueError(f"columns {non_numeric} are not numeric; the model needs numeric columns")
    frame = frame.dropna().astype(float)
    constant = tuple(c for c in predictors if frame[c].nunique() < 2)
    if constant and not drop_constant:
        raise ValueError(f"predictors {list(constant)} are constant in the complete cases and cannot be estimated; "
                         "remove them or pass drop_constant=True")
    predictors = tuple(c for c in predictors if c not in constant)
    if not predictors:
        raise ValueError("every predictor is constant in the complete cases")
    if len(frame) < len(predictors) + 3:
        raise ValueError(
            f"only {len(frame)} complete cases for {len(predictors)} predictors; need at least {len(predictors) + 3}"
        )
    exog = sm.add_constant(frame[list(predictors)].to_numpy(), has_constant="add")
    if np.linalg.matrix_rank(exog) < exog.shape[1]:
        raise ValueError(f"the predictors {list(predictors)} are collinear (design matrix rank "
                         f"{np.linalg.matrix_rank(exog)} < {exog.shape[1]} columns)")
    results = sm.OLS(frame[outcome].to_numpy(), exog).fit()
    return OLSFit(outcome, predictors, frame[[outcome, *predictors]], results, tuple(covariances), constant)


def hale_model(
    ghr: pd.DataFrame,
    min_log_gdppc: float | None = None,
    covariances: Sequence[str] = ("nonrobust", "HC1", "HC3"),
) -> OLSFit:
    """GHR (2004) Table III: HALE on health spending, urban growth, Gini, heterogeneity, education,
    civil-war deaths and contiguous civil war (OLS).

    Parameters
    ----------
    ghr : the ``ghr04`` table (stevedata GHR04 column names).
    min_log_gdppc : if given, keep only countries with ``log_gdppc >= min_log_gdppc`` (e.g.
        ``np.log(10_000)`` for the rich-country robustness check); countries without GDP are dropped.
        Predictors constant in the subset (no civil-war deaths among rich countries) are left out
        and listed in ``OLSFit.dropped``.
    """
    if min_log_gdppc is not None:
        if "log_gdppc" not in ghr.columns:
            raise KeyError("min_log_gdppc needs a log_gdppc column (log GDP per capita)")
        if not np.isfinite(min_log_gdppc):
            raise ValueError(f"min_log_gdppc must be a finite number, got {min_log_gdppc!r}")
        ghr = ghr[ghr["log_gdppc"] >= min_log_gdppc]
    return fit_ols(ghr, HALE_OUTCOME, HALE_PREDICTORS, covariances, drop_constant=min_log_gdppc is not None)


def partial_effect(
    fit: OLSFit,
    term: str,
    n_points: int = 50,
    covariance: str = "HC3",
    alpha: float = 0.05,
) -> pd.DataFrame:
    """Predicted outcome across the observed range of ``term``, other predictors at their means.

    yhat(x) = b0 + b_term x + sum_j b_j mean(x_j); its standard error is sqrt(c' V c) with
    c = (1, ..., x, ..., means) and V the ``covariance`` type covariance matrix; the band is
    yhat ± t_{1-alpha/2, n-k} se (confidence for the conditional mean, not a prediction interval).

    Returns
    -------
    DataFrame with columns ``term``, ``value``, ``predicted``, ``std_error``, ``ci_low``, ``ci_high``,
    ``covariance``, ``n``.
    """
    if term not in fit.predictors:
        raise KeyError(f"term {term!r} is not a predictor of the model; predictors: {', '.join(fit.predictors)}")
    if int(n_points) != n_points or n_points < 2:
        raise ValueError(f"n_points must be an integer >= 2, got {n_points!r}")
    _check_alpha(alpha)
    res = fit.robust(covariance)
    grid = np.linspace(fit.data[term].min(), fit.data[term].max(), int(n_points))
    means = fit.data[list(fit.predictors)].mean()
    exog = np.tile(np.r_[1.0, means.to_numpy()], (len(grid), 1))
    exog[:, 1 + fit.predictors.index(term)] = grid
    frame = res.get_prediction(exog).summary_frame(alpha=alpha)
    return pd.DataFrame({
        "term": term, "value": grid, "predicted": frame["mean"].to_numpy(),
        "std_error": frame["mean_se"].to_numpy(), "ci_low": frame["mean_ci_lower"].to_numpy(),
        "ci_high": frame["mean_ci_upper"].to_numpy(), "covariance": covariance, "n": fit.n,
    })


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
    return pd.DataFrame({"value": value, "adjusted": at_means + params[1 + k] * value + np.asarray(fit.results.resid)},
                        index=fit.data.index)
