"""Random-effects meta-analysis: pooling, heterogeneity, small-study bias, influence, meta-regression.

Effects are on an additive scale (log risk ratios, log odds ratios, ...) with known sampling
variances ``v_i``. The random-effects model is ``y_i = mu + u_i + e_i``, ``u_i ~ N(0, tau^2)``,
``e_i ~ N(0, v_i)``; ``mu`` is estimated by inverse-variance weighting with ``w_i = 1/(v_i + tau^2)``.

Validated against the BCG vaccine trials (Colditz et al. 1994), the worked example of metafor
(Viechtbauer 2010, J Stat Softw 36(3)): see ``tests/test_meta.py``.

References
----------
DerSimonian R, Laird N (1986) Meta-analysis in clinical trials. Control Clin Trials 7:177-188.
Viechtbauer W (2005) Bias and efficiency of meta-analytic variance estimators in the random-effects
model. J Educ Behav Stat 30:261-293.
Higgins JPT, Thompson SG, Spiegelhalter DJ (2009) A re-evaluation of random-effects meta-analysis.
J R Stat Soc A 172:137-159.
Egger M, Davey Smith G, Schneider M, Minder C (1997) Bias in meta-analysis detected by a simple,
graphical test. BMJ 315:629-634.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import optimize, stats
from statsmodels.stats.meta_analysis import combine_effects, effectsize_2proportions

from kinship_research.methods.checks import as_float_array, check_level

METHODS = ("DL", "PM", "REML")
"""tau^2 estimators: DerSimonian-Laird, Paule-Mandel (both via statsmodels), restricted ML."""

STUDY_COLUMNS = ("study", "effect", "ci_low", "ci_high", "per_unit", "design")
"""Required columns of a study table (see :func:`read_study_table`)."""


# --------------------------------------------------------------------------- input checks
def _check_level(level: float) -> float:
    return check_level(level)


def _effects(effect, variance, min_k: int = 2) -> tuple[np.ndarray, np.ndarray]:
    """Validated float arrays of effects and variances."""
    y = as_float_array("effect", effect, ndim=None).ravel()
    v = as_float_array("variance", variance, ndim=None).ravel()
    if y.shape != v.shape:
        raise ValueError(f"effect and variance must have the same length, got {y.size} and {v.size}")
    if y.size < min_k:
        raise ValueError(f"need at least {min_k} studies, got {y.size}")
    if not np.all(np.isfinite(y)):
        raise ValueError("effect contains missing or infinite values; every study needs a finite effect")
    if not np.all(np.isfinite(v)) or np.any(v <= 0):
        raise ValueError("variance must be finite and strictly positive for every study")
    return y, v


def _labels(labels, k: int) -> list[str]:
    if labels is None:
        return [f"study {i + 1}" for i in range(k)]
    labels = [str(x) for x in labels]
    if len(labels) != k:
        raise ValueError(f"labels must have one entry per study ({k}), got {len(labels)}")
    return labels


def _method(method: str) -> str:
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}; allowed: {', '.join(METHODS)}")
    return method


# --------------------------------------------------------------------------- tau^2 estimation
def _projection(v: np.ndarray, X: np.ndarray, tau2: float) -> np.ndarray:
    """P = W - W X (X'WX)^-1 X'W with W = diag(1/(v + tau2))."""
    W = np.diag(1.0 / (v + tau2))
    WX = W @ X
    return W - WX @ np.linalg.solve(X.T @ WX, WX.T)


def _restricted_loglik(tau2: float, effect, variance, X=None) -> float:
    """Restricted (REML) log-likelihood of ``tau2``, up to an additive constant.

    ``l_R = -1/2 [ sum log(v_i + tau2) + log det(X'WX) + (y - Xb)'W(y - Xb) ]`` with
    ``W = diag(1/(v_i + tau2))`` and ``b`` the weighted least-squares coefficients
    (Viechtbauer 2005, eq. 9). ``X`` defaults to a column of ones (no moderators).
    """
    y, v = np.asarray(effect, float), np.asarray(variance, float)
    X = np.ones((y.size, 1)) if X is None else np.asarray(X, float)
    w = 1.0 / (v + tau2)
    XtWX = X.T @ (w[:, None] * X)
    b = np.linalg.solve(XtWX, X.T @ (w * y))
    resid = y - X @ b
    return -0.5 * (np.sum(np.log(v + tau2)) + np.linalg.slogdet(XtWX)[1] + np.sum(w * resid**2))


def reml_tau2(effect, variance, X=None) -> float:
    """REML estimate of the between-study variance ``tau^2 >= 0``.

    Maximises the restricted log-likelihood over ``[0, upper]`` with bounded Brent search (scipy),
    where ``upper = 10 (var(y) + max v_i)``; the boundary ``tau^2 = 0`` is checked explicitly.
    At an interior optimum the REML score equation ``y'PPy = tr(P)`` holds (Viechtbauer 2005).
    """
    y, v = _effects(effect, variance)
    X = np.ones((y.size, 1)) if X is None else np.asarray(X, float)
    if X.ndim != 2 or X.shape[0] != y.size or not np.all(np.isfinite(X)):
        raise ValueError(f"X must be a finite design matrix with one row per study ({y.size}), got shape {X.shape}")
    if y.size <= X.shape[1]:
        raise ValueError(f"REML needs more studies ({y.size}) than coefficients ({X.shape[1]})")
    upper = 10.0 * (np.var(y) + v.max())
    res = optimize.minimize_scalar(
        lambda t: -_restricted_loglik(t, y, v, X), bounds=(0.0, upper), method="bounded",
        options={"xatol": 1e-12 * max(upper, 1.0), "maxiter": 500},
    )
    if not res.success or res.x > 0.999 * upper:
        raise RuntimeError(f"REML estimation of tau^2 did not converge (result {res.x!r}, upper bound {upper})")
    if _restricted_loglik(0.0, y, v, X) >= -res.fun:
        return 0.0
    return float(res.x)


def _tau2(y: np.ndarray, v: np.ndarray, method: str) -> float:
    if method == "REML":
        return reml_tau2(y, v)
    method_re = {"DL": "chi2", "PM": "iterated"}[method]
    return float(combine_effects(y, v, method_re=method_re).tau2)


def _i2(v: np.ndarray, X: np.ndarray, tau2: float) -> float:
    """I^2 = tau^2 / (tau^2 + s^2), s^2 = (k - p) / tr(P_FE) the 'typical' sampling variance
    (Higgins & Thompson 2002; equals (Q - df)/Q for DerSimonian-Laird)."""
    s2 = (v.size - X.shape[1]) / np.trace(_projection(v, X, 0.0))
    return float(tau2 / (tau2 + s2))


# --------------------------------------------------------------------------- pooling
@dataclass(frozen=True)
class RandomEffectsResult:
    """A random-effects pooled estimate (on the additive scale of the inputs).

    Attributes: ``estimate``, ``se``, ``ci_low``/``ci_high`` (normal, ``level``), ``z``, ``p_value``,
    ``pi_low``/``pi_high`` (prediction interval for the true effect in a new study: t with k-2 df,
    Higgins et al. 2009; NaN when k < 3), ``tau2``, ``i2`` (fraction, 0-1), ``q`` (Cochran's Q with
    fixed-effect weights), ``q_df = k - 1``, ``q_p_value``, ``k``, ``method``, ``level``, and
    ``studies`` (one row per study: label, effect, variance, CI, relative weight in %).
    """

    method: str
    k: int
    estimate: float
    se: float
    ci_low: float
    ci_high: float
    z: float
    p_value: float
    pi_low: float
    pi_high: float
    tau2: float
    i2: float
    q: float
    q_df: int
    q_p_value: float
    level: float
    studies: pd.DataFrame = field(repr=False, compare=False)

    def to_frame(self) -> pd.DataFrame:
        """One-row table of the pooled estimate and heterogeneity statistics."""
        row = {name: getattr(self, name) for name in self.__dataclass_fields__ if name != "studies"}
        return pd.DataFrame([row])

    def summary(self, exp: bool = False) -> str:
        """Short text report; ``exp=True`` also shows estimate and intervals as ratios."""
        pct = round(100 * self.level)
        lines = [
            f"Random-effects meta-analysis ({self.method}), k = {self.k}",
            (f"estimate {self.estimate:.4f} (se {self.se:.4f}), {pct}% CI [{self.ci_low:.4f}, {self.ci_high:.4f}], "
             f"z = {self.z:.3f}, p = {self.p_value:.3g}"),
            f"{pct}% prediction interval [{self.pi_low:.4f}, {self.pi_high:.4f}]",
            f"tau^2 = {self.tau2:.4f}, I^2 = {100 * self.i2:.2f}%, Q({self.q_df}) = {self.q:.4f}, p = {self.q_p_value:.3g}",
        ]
        if exp:
            lines.append(
                f"as a ratio: {np.exp(self.estimate):.3f} [{np.exp(self.ci_low):.3f}, {np.exp(self.ci_high):.3f}], "
                f"prediction [{np.exp(self.pi_low):.3f}, {np.exp(self.pi_high):.3f}]"
            )
        return "\n".join(lines)


def random_effects(effect, variance, method: str = "REML", labels=None, level: float = 0.95) -> RandomEffectsResult:
    """Random-effects meta-analysis of ``k >= 2`` study effects.

    ``mu = sum w_i y_i / sum w_i`` with ``w_i = 1/(v_i + tau^2)``, ``se = (sum w_i)^-1/2``,
    CI ``mu +- z_{(1+level)/2} se``; prediction interval ``mu +- t_{k-2} sqrt(tau^2 + se^2)``
    (Higgins et al. 2009). ``tau^2`` by DerSimonian-Laird (``"DL"``) or Paule-Mandel (``"PM"``) from
    ``statsmodels.stats.meta_analysis.combine_effects``, or by restricted maximum likelihood
    (``"REML"``, :func:`reml_tau2`). Cochran's ``Q = sum (y_i - y_FE)^2 / v_i`` with ``k-1`` df.

    Parameters
    ----------
    effect, variance : array-like
        Study effects on an additive scale (e.g. log risk ratio) and their sampling variances (> 0).
    method : {"DL", "PM", "REML"}
    labels : sequence of str, optional
        Study names for the per-study table.
    level : float
        Confidence level of the intervals.
    """
    y, v = _effects(effect, variance)
    method, level = _method(method), _check_level(level)
    names = _labels(labels, y.size)
    k = y.size
    tau2 = _tau2(y, v, method)
    w = 1.0 / (v + tau2)
    estimate = float(np.sum(w * y) / w.sum())
    se = float(np.sqrt(1.0 / w.sum()))
    crit = stats.norm.ppf((1 + level) / 2)
    z = estimate / se
    if k >= 3:
        half = stats.t.ppf((1 + level) / 2, k - 2) * np.sqrt(tau2 + se**2)
        pi_low, pi_high = estimate - half, estimate + half
    else:
        pi_low = pi_high = float("nan")
    w_fe = 1.0 / v
    q = float(np.sum(w_fe * (y - np.sum(w_fe * y) / w_fe.sum()) ** 2))
    studies = pd.DataFrame({
        "study": names, "effect": y, "variance": v, "se": np.sqrt(v),
        "ci_low": y - crit * np.sqrt(v), "ci_high": y + crit * np.sqrt(v),
        "weight_pct": 100 * w / w.sum(),
    })
    return RandomEffectsResult(
        method=method, k=k, estimate=estimate, se=se, ci_low=estimate - crit * se, ci_high=estimate + crit * se,
        z=float(z), p_value=float(2 * stats.norm.sf(abs(z))), pi_low=float(pi_low), pi_high=float(pi_high),
        tau2=float(tau2), i2=_i2(v, np.ones((k, 1)), tau2), q=q, q_df=k - 1,
        q_p_value=float(stats.chi2.sf(q, k - 1)), level=level, studies=studies,
    )


def _pooled_row(result: RandomEffectsResult) -> dict:
    return {c: getattr(result, c) for c in
            ("k", "estimate", "se", "ci_low", "ci_high", "pi_low", "pi_high", "tau2", "i2", "q", "q_p_value")}


def leave_one_out(effect, variance, method: str = "REML", labels=None, level: float = 0.95) -> pd.DataFrame:
    """Random-effects estimate with each study omitted in turn (needs k >= 3).

    Returns one row per omitted study: ``omitted``, ``k`` (studies left), estimate, se, CI,
    prediction interval, tau2, i2, q, q_p_value.
    """
    y, v = _effects(effect, variance, min_k=3)
    names = _labels(labels, y.size)
    rows = []
    for i, name in enumerate(names):
        keep = np.arange(y.size) != i
        rows.append({"omitted": name, **_pooled_row(random_effects(y[keep], v[keep], method, level=level))})
    return pd.DataFrame(rows)


def cumulative(effect, variance, method: str = "REML", labels=None, level: float = 0.95) -> pd.DataFrame:
    """Cumulative meta-analysis: studies added one at a time in the order given (e.g. by year).

    Row ``j`` pools the first ``j + 2`` studies (a random-effects model needs at least two), with
    ``added`` naming the study that entered; columns as in :func:`leave_one_out`.
    """
    y, v = _effects(effect, variance)
    names = _labels(labels, y.size)
    rows = [{"added": names[j - 1], **_pooled_row(random_effects(y[:j], v[:j], method, level=level))}
            for j in range(2, y.size + 1)]
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------- small-study effects
@dataclass(frozen=True)
class EggerResult:
    """Egger's regression test for funnel-plot asymmetry.

    ``intercept`` (the asymmetry coefficient) with ``se``, ``ci_low``/``ci_high`` (t, ``df = k-2``),
    ``t`` and two-sided ``p_value``; ``slope`` (the precision coefficient, an effect estimate adjusted
    for small-study effects) with ``slope_se``; ``k`` studies.
    """

    intercept: float
    se: float
    ci_low: float
    ci_high: float
    t: float
    p_value: float
    slope: float
    slope_se: float
    df: int
    k: int
    level: float

    def to_frame(self) -> pd.DataFrame:
        """One-row table of the test."""
        return pd.DataFrame([{name: getattr(self, name) for name in self.__dataclass_fields__}])


def egger_test(effect, variance, level: float = 0.95) -> EggerResult:
    """Egger et al. (1997) regression test: OLS of ``y_i / se_i`` on ``1 / se_i`` with intercept.

    ``y_i/se_i = b0 + b1 (1/se_i) + e_i``; ``b0 != 0`` indicates funnel-plot asymmetry (small-study
    effects). Needs ``k >= 3``; the test has low power for k < 10 (Sterne et al. 2011, BMJ 343:d4002).
    """
    y, v = _effects(effect, variance, min_k=3)
    level = _check_level(level)
    se = np.sqrt(v)
    if np.ptp(se) <= 1e-12 * se.max():
        raise ValueError("Egger's test needs studies of different precision: with equal variances the "
                         "regressor 1/se is constant, so intercept and slope are not identifiable")
    fit = sm.OLS(y / se, sm.add_constant(1.0 / se, has_constant="add")).fit()
    ci = fit.conf_int(alpha=1 - level)
    return EggerResult(
        intercept=float(fit.params[0]), se=float(fit.bse[0]), ci_low=float(ci[0, 0]), ci_high=float(ci[0, 1]),
        t=float(fit.tvalues[0]), p_value=float(fit.pvalues[0]), slope=float(fit.params[1]),
        slope_se=float(fit.bse[1]), df=int(fit.df_resid), k=y.size, level=level,
    )


# --------------------------------------------------------------------------- meta-regression
@dataclass(frozen=True)
class MetaRegressionResult:
    """Mixed-effects meta-regression on one study-level moderator.

    ``coefficients``: one row per term (term, estimate, se, z, p_value, ci_low, ci_high, level);
    ``tau2`` residual between-study variance (``tau2_source`` says "REML" or "given"); ``qe``/``qe_df``/
    ``qe_p_value`` test of residual heterogeneity; ``qm``/``qm_p_value`` Wald test of the moderator
    (chi^2, 1 df); ``r2`` share of the intercept-only REML tau^2 explained by the moderator (0-1,
    floored at 0); ``i2_residual``; ``k``; ``n_at_or_above`` studies with moderator >= threshold
    (None without a threshold).
    """

    coefficients: pd.DataFrame = field(repr=False, compare=False)
    tau2: float
    tau2_source: str
    k: int
    qe: float
    qe_df: int
    qe_p_value: float
    qm: float
    qm_p_value: float
    r2: float
    i2_residual: float
    threshold: float | None
    n_at_or_above: int | None

    def to_frame(self) -> pd.DataFrame:
        """The coefficient table (one row per term)."""
        return self.coefficients.copy()

    def summary(self) -> str:
        """Short text report."""
        lines = [(f"Mixed-effects meta-regression, k = {self.k}, residual tau^2 = {self.tau2:.4f} ({self.tau2_source}), "
                  f"I^2 = {100 * self.i2_residual:.2f}%, R^2 = {100 * self.r2:.2f}%"),
                 f"QE({self.qe_df}) = {self.qe:.4f}, p = {self.qe_p_value:.3g}; QM(1) = {self.qm:.4f}, p = {self.qm_p_value:.3g}"]
        for row in self.coefficients.itertuples():
            lines.append(f"{row.term}: {row.estimate:.4f} (se {row.se:.4f}) [{row.ci_low:.4f}, {row.ci_high:.4f}], p = {row.p_value:.3g}")
        return "\n".join(lines)


def meta_regression(effect, variance, moderator, threshold: float | None = None, tau2: float | None = None,
                    name: str = "moderator", level: float = 0.95) -> MetaRegressionResult:
    """Meta-regression of effects on a study-level moderator, or on ``moderator >= threshold``.

    Model ``y_i = b0 + b1 x_i + u_i + e_i`` with ``x_i`` the moderator (or the indicator
    ``1[moderator_i >= threshold]``), ``u_i ~ N(0, tau^2)`` the residual heterogeneity. Coefficients
    by statsmodels WLS with weights ``1/(v_i + tau^2)`` and the scale fixed at 1 (so standard errors
    are ``(X'WX)^-1/2``, normal-based CIs, as in metafor's default ``test="z"``). ``tau2`` defaults to
    the REML estimate with the moderator in the model (:func:`reml_tau2`). ``QE`` uses weights ``1/v_i``
    (Raudenbush 2009, in Cooper et al., The Handbook of Research Synthesis, ch. 16).
    """
    y, v = _effects(effect, variance, min_k=3)
    level = _check_level(level)
    x = np.asarray(moderator, dtype=float).ravel()
    if x.size != y.size:
        raise ValueError(f"moderator must have one value per study ({y.size}), got {x.size}")
    if not np.all(np.isfinite(x)):
        raise ValueError("moderator contains missing or infinite values; every study needs a value")
    n_above = None
    term = name
    if threshold is not None:
        x = (x >= threshold).astype(float)
        n_above = int(x.sum())
        if n_above in (0, y.size):
            raise ValueError(f"threshold {threshold} puts all {y.size} studies on one side; choose a value that "
                             "splits them (at least one study below and one at or above it)")
        term = f"{name} >= {threshold:g}"
    elif np.ptp(x) == 0:
        raise ValueError("moderator is constant across studies; it cannot explain heterogeneity")
    X = np.column_stack([np.ones(y.size), x])
    if tau2 is None:
        tau2_value, source = reml_tau2(y, v, X), "REML"
    else:
        if not np.isfinite(tau2) or tau2 < 0:
            raise ValueError(f"tau2 must be a finite number >= 0, got {tau2!r}")
        tau2_value, source = float(tau2), "given"
    fit = sm.WLS(y, X, weights=1.0 / (v + tau2_value)).fit(cov_type="fixed scale", cov_kwds={"scale": 1.0})
    ci = fit.conf_int(alpha=1 - level)
    coefficients = pd.DataFrame({
        "term": ["intercept", term], "estimate": fit.params, "se": fit.bse, "z": fit.tvalues,
        "p_value": fit.pvalues, "ci_low": ci[:, 0], "ci_high": ci[:, 1], "level": level,
    })
    resid_fe = y - X @ np.linalg.lstsq(X / np.sqrt(v)[:, None], y / np.sqrt(v), rcond=None)[0]
    qe = float(np.sum(resid_fe**2 / v))
    qm = float(fit.params[1] ** 2 / fit.bse[1] ** 2)
    tau2_total = reml_tau2(y, v)
    r2 = max(0.0, (tau2_total - tau2_value) / tau2_total) if tau2_total > 0 else 0.0
    return MetaRegressionResult(
        coefficients=coefficients, tau2=tau2_value, tau2_source=source, k=y.size, qe=qe, qe_df=y.size - 2,
        qe_p_value=float(stats.chi2.sf(qe, y.size - 2)), qm=qm, qm_p_value=float(stats.chi2.sf(qm, 1)),
        r2=float(r2), i2_residual=_i2(v, X, tau2_value), threshold=threshold, n_at_or_above=n_above,
    )


# --------------------------------------------------------------------------- effect-size helpers
def log_ratio_from_ci(ratio, ci_low, ci_high, level: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Log ratio and its variance from a reported ratio (RR, OR, HR) and its confidence interval.

    ``y = log(ratio)``, ``se = (log(ci_high) - log(ci_low)) / (2 z_{(1+level)/2})``, variance ``se^2``
    (Cochrane Handbook, section 6.3.2). Assumes the interval is symmetric on the log scale.
    """
    level = _check_level(level)
    r, lo, hi = (np.atleast_1d(np.asarray(a, dtype=float)) for a in (ratio, ci_low, ci_high))
    if not (r.shape == lo.shape == hi.shape):
        raise ValueError(f"ratio, ci_low and ci_high must have the same length, got {r.size}, {lo.size}, {hi.size}")
    if not np.all(np.isfinite(np.concatenate([r, lo, hi]))) or np.any((r <= 0) | (lo <= 0) | (hi <= 0)):
        raise ValueError("ratios and confidence limits must be finite and strictly positive")
    bad = np.flatnonzero((lo > r) | (r > hi) | (lo >= hi))
    if bad.size:
        raise ValueError(f"confidence limits must satisfy ci_low <= ratio <= ci_high and ci_low < ci_high; "
                         f"violated at positions {bad.tolist()}")
    se = (np.log(hi) - np.log(lo)) / (2 * stats.norm.ppf((1 + level) / 2))
    return np.log(r), se**2


def rescale(effect, variance, factor) -> tuple[np.ndarray, np.ndarray]:
    """Re-express per-unit effects for a different unit: ``(b * factor, v * factor^2)``.

    E.g. a log RR ``b`` per 0.1 rise in the Gini coefficient becomes ``0.5 b`` per 0.05 rise
    (``factor = 0.05 / 0.1``), with variance ``0.25 v``. ``factor`` may be one number or one per study.
    """
    y = np.asarray(effect, dtype=float)
    v = np.asarray(variance, dtype=float)
    f = np.asarray(factor, dtype=float)
    if y.shape != v.shape:
        raise ValueError(f"effect and variance must have the same shape, got {y.shape} and {v.shape}")
    if f.ndim and f.shape != y.shape:
        raise ValueError(f"factor must be a single number or one per study ({y.size}), got shape {f.shape}")
    if not np.all(np.isfinite(f)) or np.any(f <= 0):
        raise ValueError("factor must be finite and strictly positive (target unit / reported unit)")
    return y * f, v * f**2


def risk_ratios(events_treated, n_treated, events_control, n_control, labels=None,
                level: float = 0.95) -> pd.DataFrame:
    """Risk ratio per study from 2x2 counts: log RR and variance via statsmodels.

    ``log RR = log((a/n1) / (c/n2))``, ``var = 1/a - 1/n1 + 1/c - 1/n2`` (``effectsize_2proportions``,
    statistic "risk-ratio"). Returns study, effect (RR), ci_low, ci_high, log_effect, variance.
    Studies with zero events need a continuity correction, which is not applied here.
    """
    level = _check_level(level)
    a, n1, c, n2 = (np.asarray(x, dtype=float).ravel() for x in (events_treated, n_treated, events_control, n_control))
    if not (a.size == n1.size == c.size == n2.size):
        raise ValueError("events and group sizes must have one value per study")
    if np.any((a <= 0) | (c <= 0)) or np.any((a > n1) | (c > n2)):
        raise ValueError("need 0 < events <= group size in both arms (zero-event studies need a continuity "
                         "correction, which this function does not apply)")
    log_rr, var = effectsize_2proportions(a, n1, c, n2, statistic="risk-ratio")
    log_rr, var = np.asarray(log_rr, float), np.asarray(var, float)
    half = stats.norm.ppf((1 + level) / 2) * np.sqrt(var)
    return pd.DataFrame({
        "study": _labels(labels, a.size), "effect": np.exp(log_rr), "ci_low": np.exp(log_rr - half),
        "ci_high": np.exp(log_rr + half), "log_effect": log_rr, "variance": var,
    })


# --------------------------------------------------------------------------- study tables
def read_study_table(path) -> pd.DataFrame:
    """Read and validate a CSV of published ratio estimates (lines starting with ``#`` are comments).

    Required columns (see ``STUDY_COLUMNS``): ``study`` (unique name), ``effect`` (ratio, e.g. RR > 0),
    ``ci_low``, ``ci_high`` (its 95% confidence limits), ``per_unit`` (the exposure increment the ratio
    refers to, e.g. 0.05 for "per 0.05 rise in Gini"; > 0), ``design`` (e.g. cohort, cross-sectional).
    Extra columns (moderators such as ``mean_gini``) are kept. Rows keep their file order.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"study table {path} does not exist")
    try:
        table = pd.read_csv(path, comment="#", skipinitialspace=True)
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as err:
        raise ValueError(f"study table {path} is not a UTF-8 CSV file ({type(err).__name__}: {err}); "
                         f"expected columns {STUDY_COLUMNS}") from None
    table.columns = [str(c).strip() for c in table.columns]
    missing = [c for c in STUDY_COLUMNS if c not in table.columns]
    if missing:
        raise ValueError(f"{path.name}: missing columns {missing}; required: {list(STUDY_COLUMNS)}")
    if table.empty:
        raise ValueError(f"{path.name}: no studies (the table has a header but no rows)")
    for col in ("effect", "ci_low", "ci_high", "per_unit"):
        values = pd.to_numeric(table[col], errors="coerce")
        bad = table.loc[values.isna() | ~np.isfinite(values.astype(float)), "study"].tolist()
        if bad:
            raise ValueError(f"{path.name}: column {col!r} must be a number for every study; not numeric for {bad}")
        if (values <= 0).any():
            raise ValueError(f"{path.name}: column {col!r} must be > 0 (ratios and unit increments are positive); "
                             f"violated for {table.loc[values <= 0, 'study'].tolist()}")
        table[col] = values.astype(float)
    table["study"] = table["study"].astype(str).str.strip()
    table["design"] = table["design"].astype(str).str.strip()
    dupes = table.loc[table["study"].duplicated(), "study"].tolist()
    if dupes:
        raise ValueError(f"{path.name}: study names must be unique; repeated: {dupes}")
    wrong = table.loc[(table["ci_low"] > table["effect"]) | (table["effect"] > table["ci_high"])
                      | (table["ci_low"] >= table["ci_high"]), "study"].tolist()
    if wrong:
        raise ValueError(f"{path.name}: need ci_low <= effect <= ci_high and ci_low < ci_high; violated for {wrong}")
    return table.reset_index(drop=True)


def study_log_effects(table: pd.DataFrame, per_unit: float = 0.05, level: float = 0.95) -> pd.DataFrame:
    """Log effects and variances of a study table (:func:`read_study_table`) per common ``per_unit``.

    Each study's log ratio and variance (:func:`log_ratio_from_ci`) are rescaled by
    ``per_unit / table.per_unit`` (:func:`rescale`); adds ``log_effect``, ``variance`` and the ratio
    with its CI per ``per_unit`` (``effect_rescaled``, ``ci_low_rescaled``, ``ci_high_rescaled``).
    """
    if not np.isfinite(per_unit) or per_unit <= 0:
        raise ValueError(f"per_unit must be a positive number (e.g. 0.05 Gini points), got {per_unit!r}")
    y, v = log_ratio_from_ci(table["effect"], table["ci_low"], table["ci_high"], level=level)
    y, v = rescale(y, v, per_unit / table["per_unit"].to_numpy(float))
    half = stats.norm.ppf((1 + level) / 2) * np.sqrt(v)
    return table.assign(log_effect=y, variance=v, effect_rescaled=np.exp(y),
                        ci_low_rescaled=np.exp(y - half), ci_high_rescaled=np.exp(y + half))
