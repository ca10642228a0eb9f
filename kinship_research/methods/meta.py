"""Random-effects meta-analysis: pooling, heterogeneity, small-study bias, influence, meta-regression.

Effects are on an additive scale (log risk ratios, log odds ratios, ...) with known sampling
variances ``v_i``. The random-effects model is ``y_i = x_i'b + u_i + e_i``, ``u_i ~ N(0, tau^2)``,
``e_i ~ N(0, v_i)``; ``b`` is estimated by weighted least squares with ``w_i = 1/(v_i + tau^2)``.
Every computation is O(k) in time and memory (no k x k matrix is formed): traces of the projection
``P = W - W X (X'WX)^-1 X'W`` use ``tr(P) = sum w_i - tr((X'WX)^-1 X'W^2 X)``.

Validated against R metafor 3.8 (Viechtbauer 2010, J Stat Softw 36(3)) on its bundled data sets:
see ``tests/fixtures/metafor/make_reference.R`` and ``tests/methods/test_meta_metafor.py``.

References
----------
DerSimonian R, Laird N (1986) Meta-analysis in clinical trials. Control Clin Trials 7:177-188.
Viechtbauer W (2005) Bias and efficiency of meta-analytic variance estimators in the random-effects
model. J Educ Behav Stat 30:261-293.
Higgins JPT, Thompson SG (2002) Quantifying heterogeneity in a meta-analysis. Stat Med 21:1539-1558.
Higgins JPT, Thompson SG, Spiegelhalter DJ (2009) A re-evaluation of random-effects meta-analysis.
J R Stat Soc A 172:137-159.
Egger M, Davey Smith G, Schneider M, Minder C (1997) Bias in meta-analysis detected by a simple,
graphical test. BMJ 315:629-634.
Konstantopoulos S (2011) Fixed effects and variance components estimation in three-level
meta-analysis. Res Synth Methods 2:61-76.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from kinship_research.methods.checks import (
    as_float_array,
    check_choice,
    check_finite,
    check_level,
    check_positive_int,
    random_generator,
)

TAU2_METHODS = ("DL", "HE", "HS", "SJ", "PM", "EB", "ML", "REML")
"""tau^2 estimators (metafor's names): DerSimonian-Laird, Hedges, Hunter-Schmidt, Sidik-Jonkman,
Paule-Mandel, empirical Bayes (Morris 1983; the same estimating equation as PM), maximum likelihood,
restricted maximum likelihood."""

PREDICTIONS = ("z", "t")
"""Prediction-interval quantiles: ``"z"`` normal (metafor's default with ``test="z"``) or ``"t"`` with
k - 2 df (Higgins et al. 2009)."""

STUDY_COLUMNS = ("study", "effect", "ci_low", "ci_high", "per_unit", "design")
"""Required columns of a study table (see :func:`read_study_table`)."""


# --------------------------------------------------------------------------- input checks
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


def _design(X, k: int) -> np.ndarray:
    X = np.ones((k, 1)) if X is None else np.asarray(X, float)
    if X.ndim != 2 or X.shape[0] != k or not np.all(np.isfinite(X)):
        raise ValueError(f"X must be a finite design matrix with one row per study ({k}), got shape {X.shape}")
    if k <= X.shape[1]:
        raise ValueError(f"need more studies ({k}) than coefficients ({X.shape[1]})")
    return X


def _centring(X: np.ndarray) -> np.ndarray:
    """Matrix ``M`` with ``X M`` = X with every non-constant column centred, when X has a constant
    column (then the fit is the same model, better conditioned: ``b = M b_centred``)."""
    p = X.shape[1]
    M = np.eye(p)
    const = np.flatnonzero(np.all(X == X[0], axis=0) & (X[0] != 0))
    if const.size:
        c = const[0]
        for j in range(p):
            if j not in const:
                M[c, j] = -X[:, j].mean() / X[0, c]
    return M


# --------------------------------------------------------------------------- O(k) linear algebra
def _wls(y: np.ndarray, X: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Weighted least squares: coefficients ``b``, ``X'WX`` and residuals ``y - Xb``."""
    XtW = X.T * w
    A = XtW @ X
    b = np.linalg.solve(A, XtW @ y)
    return b, A, y - X @ b


def _trace_p(X: np.ndarray, w: np.ndarray, A: np.ndarray) -> float:
    """``tr(P) = sum w_i - tr((X'WX)^-1 X'W^2 X)`` in O(k p^2)."""
    return float(w.sum() - np.trace(np.linalg.solve(A, (X.T * w**2) @ X)))


def _trace_pp(X: np.ndarray, w: np.ndarray, A: np.ndarray) -> float:
    """``tr(P P)`` for ``P = W - W X A^-1 X'W``, in O(k p^2)."""
    B2 = np.linalg.solve(A, (X.T * w**2) @ X)
    B3 = np.linalg.solve(A, (X.T * w**3) @ X)
    return float(np.sum(w**2) - 2 * np.trace(B3) + np.trace(B2 @ B2))


def _rss(y, v, X, tau2) -> float:
    w = 1.0 / (v + tau2)
    _, _, r = _wls(y, X, w)
    return float(np.sum(w * r**2))


# --------------------------------------------------------------------------- tau^2 estimation
def _score(y, v, X, tau2, restricted: bool) -> float:
    """Derivative (times 2) of the (restricted) log-likelihood in tau^2:
    ``y'PPy - tr(P)`` (REML) or ``sum w_i^2 r_i^2 - sum w_i`` (ML)."""
    w = 1.0 / (v + tau2)
    _, A, r = _wls(y, X, w)
    return float(np.sum((w * r) ** 2) - (_trace_p(X, w, A) if restricted else w.sum()))


def _score_grid(y, v, X, grid: np.ndarray, restricted: bool) -> np.ndarray:
    """:func:`_score` at every ``tau^2`` in ``grid`` at once (batched p x p solves; chunks of at most
    about 2 million weights)."""
    out = np.empty(grid.size)
    step = max(1, 2_000_000 // y.size)
    for start in range(0, grid.size, step):
        g = grid[start : start + step]
        W = 1.0 / (v[:, None] + g[None, :])
        A = np.einsum("ki,kg,kj->gij", X, W, X)
        b = np.linalg.solve(A, np.einsum("ki,kg,k->gi", X, W, y)[..., None])[..., 0]
        r = y[:, None] - X @ b.T
        score = np.sum((W * r) ** 2, axis=0) - W.sum(axis=0)
        if restricted:
            B = np.einsum("ki,kg,kj->gij", X, W**2, X)
            score += np.trace(np.linalg.solve(A, B), axis1=1, axis2=2)
        out[start : start + step] = score
    return out


def _decreasing_root(f, start: float, what: str) -> float:
    """Root of ``f`` on ``(0, inf)`` given ``f(0) > 0``: bracket by doubling, then Brent."""
    from scipy import optimize

    upper = max(start, 1e-8)
    for _ in range(200):
        if f(upper) < 0:
            break
        upper *= 2.0
    else:
        raise RuntimeError(f"{what}: no upper bracket for tau^2 (the estimating equation stays positive)")
    root, info = optimize.brentq(f, 0.0, upper, xtol=1e-14, rtol=1e-12, maxiter=500, full_output=True)
    if not info.converged:
        raise RuntimeError(f"{what}: root search for tau^2 did not converge ({info.flag})")
    return float(root)


def tau2_estimate(effect, variance, X=None, *, tau2_method: str = "REML") -> float:
    """Between-study variance ``tau^2 >= 0`` by one of ``TAU2_METHODS`` (metafor's definitions).

    With ``Q_E = y'P_0 y`` (fixed-effect weights ``1/v_i``), ``p`` coefficients and ``k`` studies:
    DL ``max(0, (Q_E - (k - p)) / tr(P_0))``; HE ``max(0, (RSS_OLS - sum v_i (1 - h_ii)) / (k - p))``;
    HS ``max(0, (Q_E - k) / sum(1/v_i))``; SJ ``t0 y'P(t0)y / (k - p)`` with ``t0 = sum (y_i - ybar)^2 / k``
    (metafor's starting value, the same with moderators); PM = EB: the root of ``y'P(tau^2)y = k - p``
    (0 if ``Q_E <= k - p``); ML and REML: the root of the likelihood score (0 when the score at 0 is not
    positive). Non-constant moderator columns are centred internally when ``X`` has an intercept.
    References: Viechtbauer (2005); Sidik & Jonkman (2005) Stat Med 24:1763; Paule & Mandel (1982)
    J Res Natl Bur Stand 87:377.
    """
    y, v = _effects(effect, variance)
    X = _design(X, y.size)
    tau2_method = check_choice("tau2_method", tau2_method, TAU2_METHODS)
    X = X @ _centring(X)
    k, p = X.shape
    if tau2_method in ("DL", "HS"):
        w = 1.0 / v
        _, A, r = _wls(y, X, w)
        q = float(np.sum(w * r**2))
        value = (q - (k - p)) / _trace_p(X, w, A) if tau2_method == "DL" else (q - k) / w.sum()
        return max(0.0, float(value))
    if tau2_method == "HE":
        Q, _ = np.linalg.qr(X)
        r_ols = y - Q @ (Q.T @ y)
        h = np.sum(Q**2, axis=1)
        return max(0.0, float((np.sum(r_ols**2) - np.sum(v * (1 - h))) / (k - p)))
    if tau2_method == "SJ":
        t0 = float(np.var(y))
        if t0 == 0:
            return 0.0
        return t0 * _rss(y, v, X, t0) / (k - p)
    if tau2_method in ("PM", "EB"):
        f = lambda t: _rss(y, v, X, t) - (k - p)  # noqa: E731 - decreasing in t
        return 0.0 if f(0.0) <= 0 else _decreasing_root(f, np.var(y) + v.mean(), tau2_method)
    return _likelihood_maximum(y, v, X, restricted=tau2_method == "REML")


def _loglik(y, v, X, tau2, restricted: bool) -> float:
    """(Restricted) log-likelihood up to a constant: ``-1/2 [sum log(v_i + tau2) (+ log|X'WX|) + y'Py]``."""
    w = 1.0 / (v + tau2)
    _, A, r = _wls(y, X, w)
    return -0.5 * (np.sum(np.log(v + tau2)) + (np.linalg.slogdet(A)[1] if restricted else 0.0) + np.sum(w * r**2))


def _likelihood_maximum(y, v, X, restricted: bool) -> float:
    """Global maximiser of the (restricted) likelihood in ``tau^2 >= 0``.

    The likelihood can have several local maxima (e.g. with a few very precise estimates), so every
    downward zero crossing of the score on a log grid from ``1e-4 min v_i`` to an upper bound (where the
    score is negative), and the boundary 0 when the score there is not positive, are candidates; each
    crossing is refined by Brent's method and the candidate with the largest likelihood wins.
    """
    from scipy import optimize

    f = lambda t: _score(y, v, X, t, restricted)  # noqa: E731
    what = "REML" if restricted else "ML"
    upper = 10.0 * (np.var(y) + v.max())
    for _ in range(200):
        if f(upper) < 0:
            break
        upper *= 2.0
    else:
        raise RuntimeError(f"{what}: the likelihood of tau^2 keeps increasing (no finite maximum)")
    grid = np.concatenate([[0.0], np.geomspace(1e-4 * v.min(), upper, 120)])
    scores = _score_grid(y, v, X, grid, restricted)
    candidates = [0.0] if scores[0] <= 0 else []
    for lo, hi, s_lo, s_hi in zip(grid[:-1], grid[1:], scores[:-1], scores[1:]):
        if s_lo > 0 >= s_hi:
            root, info = optimize.brentq(f, lo, hi, xtol=1e-15, rtol=1e-13, maxiter=500, full_output=True)
            if not info.converged:
                raise RuntimeError(f"{what}: root search for tau^2 did not converge ({info.flag})")
            candidates.append(float(root))
    return max(candidates, key=lambda t: _loglik(y, v, X, t, restricted))


def reml_tau2(effect, variance, X=None) -> float:
    """REML estimate of ``tau^2`` (:func:`tau2_estimate` with ``tau2_method="REML"``)."""
    return tau2_estimate(effect, variance, X, tau2_method="REML")


def _p_traces(X: np.ndarray, w: np.ndarray, d: np.ndarray) -> tuple[float, float, float]:
    """``tr(PD)``, ``tr(PDP)`` and ``tr(PDPD)`` for ``P = W - W X (X'WX)^-1 X'W`` and diagonal ``D``, in
    O(k p^2): with ``X'WX = L L'`` and ``U = W X L^-T``, ``P = W - U U'``."""
    L = np.linalg.cholesky((X.T * w) @ X)
    U = np.linalg.solve(L, (X * w[:, None]).T).T
    u2 = np.sum(U**2, axis=1)
    G = U.T @ U
    tr_pd = float(np.sum(w * d) - np.sum(d * u2))
    tr_pdp = float(np.sum(d * (w**2 - 2 * w * u2 + np.sum((U @ G) * U, axis=1))))
    Ud = U * np.sqrt(d)[:, None]
    tr_pdpd = float(np.sum((w * d) ** 2) - 2 * np.sum(w * d * np.sum(Ud**2, axis=1)) + np.sum((Ud.T @ Ud) ** 2))
    return tr_pd, tr_pdp, tr_pdpd


def _tau2_se(y, v, X, tau2: float, tau2_method: str) -> float:
    """Standard error of tau^2 as metafor 3.8 reports it (``rma.uni``'s ``se.tau2``).

    ML ``sqrt(2 / sum w_i^2)`` and REML ``sqrt(2 / tr(PP))`` (inverse Fisher information);
    PM and EB ``sqrt(2 k^2 / (k - p)) / sum w_i``; the moment estimators by the variance of their
    quadratic forms, with ``V = diag(v_i)``, ``t = tau^2``: DL ``sqrt(2(k-p) + 4t tr(P_0) + 2t^2 tr(P_0P_0))
    / tr(P_0)``, HS the same over ``sum 1/v_i``, HE ``sqrt(2 tr(P_1VP_1V) + 4t tr(P_1V) + 2t^2 (k-p)) / (k-p)``
    (``P_1 = I - H`` the OLS residual projection), SJ ``t_0/(k-p) sqrt(2 tr(P_sVP_sV) + 4t tr(P_sVP_s)
    + 2t^2 tr(P_sP_s))`` (``P_s`` with weights ``1/(v_i + t_0)``, ``t_0`` the SJ starting value).
    ``P_0`` has weights ``1/v_i``. Reference: Viechtbauer (2005); metafor's source.
    """
    k, p = X.shape
    if tau2_method in ("DL", "HS"):
        w = 1.0 / v
        tr, _, tr_pp = _p_traces(X, w, np.ones(k))
        scale = tr if tau2_method == "DL" else w.sum()
        return float(np.sqrt(2 * (k - p) + 4 * tau2 * tr + 2 * tau2**2 * tr_pp) / scale)
    if tau2_method == "HE":
        tr_pv, _, tr_pvpv = _p_traces(X, np.ones(k), v)
        return float(np.sqrt(2 * tr_pvpv + 4 * tau2 * tr_pv + 2 * tau2**2 * (k - p)) / (k - p))
    if tau2_method == "SJ":
        t0 = float(np.var(y))
        if t0 == 0:
            return 0.0
        w = 1.0 / (v + t0)
        _, tr_pvp, tr_pvpv = _p_traces(X, w, v)
        tr_pp = _p_traces(X, w, np.ones(k))[2]
        return float(t0 / (k - p) * np.sqrt(2 * tr_pvpv + 4 * tau2 * tr_pvp + 2 * tau2**2 * tr_pp))
    w = 1.0 / (v + tau2)
    if tau2_method in ("PM", "EB"):
        return float(np.sqrt(2 * k**2 / (k - p)) / w.sum())
    if tau2_method == "REML":
        return float(np.sqrt(2.0 / _trace_pp(X, w, (X.T * w) @ X)))
    return float(np.sqrt(2.0 / np.sum(w**2)))  # ML


def q_profile_interval(effect, variance, X=None, *, level: float = 0.95) -> tuple[float, float]:
    """Q-profile confidence interval for tau^2 (Viechtbauer 2007, Stat Med 26:37; metafor ``confint``).

    The generalised ``Q(tau^2) = sum w_i (y_i - x_i'b(tau^2))^2``, ``w_i = 1/(v_i + tau^2)``, decreases in
    ``tau^2`` and is chi^2 with ``k - p`` df at the true value, so the bounds solve ``Q(lo) =
    chi^2_{(1+level)/2}`` and ``Q(hi) = chi^2_{(1-level)/2}``; a bound is 0 when ``Q(0)`` is already below
    its quantile. The interval does not depend on the tau^2 estimator. I^2 and H^2 intervals follow by
    ``I^2 = tau^2 / (tau^2 + s^2)`` and ``H^2 = (tau^2 + s^2) / s^2`` (monotone in tau^2).
    """
    y, v = _effects(effect, variance)
    X = _design(X, y.size)
    level = check_level(level)
    return _q_profile(y, v, X @ _centring(X), level)


def _q_profile(y, v, X, level: float) -> tuple[float, float]:
    from scipy import stats

    df = y.size - X.shape[1]
    bounds = []
    for quantile in ((1 + level) / 2, (1 - level) / 2):
        crit = stats.chi2.ppf(quantile, df)
        f = lambda t, c=crit: _rss(y, v, X, t) - c  # noqa: E731 - decreasing in t
        bounds.append(0.0 if f(0.0) <= 0 else _decreasing_root(f, np.var(y) + v.mean(), "Q-profile"))
    return bounds[0], bounds[1]


def _typical_variance(v: np.ndarray, X: np.ndarray) -> float:
    """``s^2 = (k - p) / tr(P_0)``, the 'typical' sampling variance of Higgins & Thompson (2002)."""
    w = 1.0 / v
    return (v.size - X.shape[1]) / _trace_p(X, w, (X.T * w) @ X)


def _i2(v: np.ndarray, X: np.ndarray, tau2: float) -> float:
    """I^2 = tau^2 / (tau^2 + s^2) with s^2 from :func:`_typical_variance`; O(k)."""
    return float(tau2 / (tau2 + _typical_variance(v, X)))


# --------------------------------------------------------------------------- pooling
@dataclass(frozen=True)
class RandomEffectsResult:
    """A random-effects pooled estimate (on the additive scale of the inputs).

    Attributes: ``estimate``, ``std_error``, ``ci_low``/``ci_high`` (``level``; normal, or t with k-1
    df under Knapp-Hartung), ``statistic`` (z or t), ``p_value``, ``pi_low``/``pi_high`` (prediction
    interval for the true effect in a new study, ``sqrt(tau^2 + se^2)`` with quantiles per
    ``prediction``), ``tau2`` with ``tau2_se`` (:func:`_tau2_se`), ``i2`` (fraction, 0-1), ``h2``
    (``(tau^2 + s^2)/s^2``), each with a Q-profile ``level`` interval (``*_ci_low``/``*_ci_high``,
    :func:`q_profile_interval`),
    ``q`` (Cochran's Q with fixed-effect weights), ``q_df = k - 1``, ``q_p_value``, ``k``,
    ``tau2_method``, ``test`` ("z" or "knha"), ``prediction``, ``level``, and ``studies`` (one row per
    study: label, effect, variance, CI, relative weight in %).
    """

    tau2_method: str
    k: int
    estimate: float
    std_error: float
    ci_low: float
    ci_high: float
    statistic: float
    p_value: float
    pi_low: float
    pi_high: float
    tau2: float
    tau2_se: float
    tau2_ci_low: float
    tau2_ci_high: float
    i2: float
    i2_ci_low: float
    i2_ci_high: float
    h2: float
    h2_ci_low: float
    h2_ci_high: float
    q: float
    q_df: int
    q_p_value: float
    test: str
    prediction: str
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
            f"Random-effects meta-analysis ({self.tau2_method}, test {self.test}), k = {self.k}",
            (
                f"estimate {self.estimate:.4f} (se {self.std_error:.4f}), {pct}% CI [{self.ci_low:.4f}, "
                f"{self.ci_high:.4f}], {'t' if self.test == 'knha' else 'z'} = {self.statistic:.3f}, "
                f"p = {self.p_value:.3g}"
            ),
            f"{pct}% prediction interval ({self.prediction}) [{self.pi_low:.4f}, {self.pi_high:.4f}]",
            (
                f"tau^2 = {self.tau2:.4f} (se {self.tau2_se:.4f}; Q-profile {pct}% CI [{self.tau2_ci_low:.4f}, "
                f"{self.tau2_ci_high:.4f}]), I^2 = {100 * self.i2:.2f}% [{100 * self.i2_ci_low:.2f}, "
                f"{100 * self.i2_ci_high:.2f}], H^2 = {self.h2:.3f}, Q({self.q_df}) = {self.q:.4f}, "
                f"p = {self.q_p_value:.3g}"
            ),
        ]
        if exp:
            lines.append(
                f"as a ratio: {np.exp(self.estimate):.3f} [{np.exp(self.ci_low):.3f}, {np.exp(self.ci_high):.3f}], "
                f"prediction [{np.exp(self.pi_low):.3f}, {np.exp(self.pi_high):.3f}]"
            )
        return "\n".join(lines)


def random_effects(
    effect,
    variance,
    *,
    tau2_method: str = "REML",
    labels=None,
    level: float = 0.95,
    test: str = "z",
    prediction: str = "z",
) -> RandomEffectsResult:
    """Random-effects meta-analysis of ``k >= 2`` study effects (metafor ``rma(yi, vi, method=)``).

    ``mu = sum w_i y_i / sum w_i`` with ``w_i = 1/(v_i + tau^2)``, ``se = (sum w_i)^-1/2``, CI
    ``mu +- z se``. ``test="knha"`` (Knapp & Hartung 2003, Stat Med 22:2693) multiplies the variance by
    ``sum w_i (y_i - mu)^2 / (k - 1)`` and uses t with k - 1 df. Prediction interval
    ``mu +- c sqrt(tau^2 + se^2)``, ``c`` the normal quantile (``prediction="z"``, metafor's default;
    t with k - 1 df under knha) or t with k - 2 df (``"t"``, Higgins et al. 2009; NaN for k < 3).
    ``tau2_method`` one of ``TAU2_METHODS`` (:func:`tau2_estimate`); ``tau2_method="EE"`` is not
    offered: use :func:`equal_effects`. Cochran's ``Q = sum (y_i - y_FE)^2 / v_i`` with ``k-1`` df.
    """
    y, v = _effects(effect, variance)
    level = check_level(level)
    check_choice("test", test, ("z", "knha"))
    check_choice("prediction", prediction, PREDICTIONS)
    names = _labels(labels, y.size)
    k = y.size
    X = np.ones((k, 1))
    tau2 = tau2_estimate(y, v, tau2_method=tau2_method)
    return _pooled(y, v, X, tau2, tau2_method, names, level, test, prediction)


def equal_effects(effect, variance, *, labels=None, level: float = 0.95) -> RandomEffectsResult:
    """Equal-effects (fixed-effect) model: inverse-variance pooling with ``tau^2 = 0``
    (metafor ``rma(method="EE")``); ``tau2_method`` is reported as "EE"."""
    y, v = _effects(effect, variance)
    return _pooled(y, v, np.ones((y.size, 1)), 0.0, "EE", _labels(labels, y.size), check_level(level), "z", "z")


def _pooled(y, v, X, tau2, tau2_method, names, level, test, prediction) -> RandomEffectsResult:
    from scipy import stats

    k = y.size
    w = 1.0 / (v + tau2)
    estimate = float(np.sum(w * y) / w.sum())
    var = 1.0 / w.sum()
    if test == "knha":
        var *= float(np.sum(w * (y - estimate) ** 2) / (k - 1))
        crit = stats.t.ppf((1 + level) / 2, k - 1)
    else:
        crit = stats.norm.ppf((1 + level) / 2)
    se = float(np.sqrt(var))
    statistic = estimate / se
    p_value = 2 * (stats.t.sf(abs(statistic), k - 1) if test == "knha" else stats.norm.sf(abs(statistic)))
    if prediction == "t":
        pi_crit = stats.t.ppf((1 + level) / 2, k - 2) if k >= 3 else float("nan")
    else:
        pi_crit = crit
    half = pi_crit * np.sqrt(tau2 + se**2)
    w_fe = 1.0 / v
    q = float(np.sum(w_fe * (y - np.sum(w_fe * y) / w_fe.sum()) ** 2))
    z = stats.norm.ppf((1 + level) / 2)
    studies = pd.DataFrame(
        {
            "study": names,
            "effect": y,
            "variance": v,
            "std_error": np.sqrt(v),
            "ci_low": y - z * np.sqrt(v),
            "ci_high": y + z * np.sqrt(v),
            "weight_pct": 100 * w / w.sum(),
        }
    )
    s2 = _typical_variance(v, X)
    tau2_se = 0.0 if tau2_method == "EE" else _tau2_se(y, v, X, tau2, tau2_method)
    lo, hi = _q_profile(y, v, X, level)
    return RandomEffectsResult(
        tau2_method=tau2_method,
        k=k,
        estimate=estimate,
        std_error=se,
        ci_low=estimate - crit * se,
        ci_high=estimate + crit * se,
        statistic=float(statistic),
        p_value=float(p_value),
        pi_low=float(estimate - half),
        pi_high=float(estimate + half),
        tau2=float(tau2),
        tau2_se=tau2_se,
        tau2_ci_low=lo,
        tau2_ci_high=hi,
        i2=float(tau2 / (tau2 + s2)),
        i2_ci_low=lo / (lo + s2),
        i2_ci_high=hi / (hi + s2),
        h2=float((tau2 + s2) / s2),
        h2_ci_low=(lo + s2) / s2,
        h2_ci_high=(hi + s2) / s2,
        q=q,
        q_df=k - 1,
        q_p_value=float(stats.chi2.sf(q, k - 1)),
        test=test,
        prediction=prediction,
        level=level,
        studies=studies,
    )


def _pooled_row(result: RandomEffectsResult) -> dict:
    return {
        c: getattr(result, c)
        for c in (
            "k",
            "estimate",
            "std_error",
            "statistic",
            "p_value",
            "ci_low",
            "ci_high",
            "pi_low",
            "pi_high",
            "tau2",
            "i2",
            "q",
            "q_p_value",
        )
    }


def leave_one_out(
    effect, variance, *, groups=None, tau2_method: str = "REML", labels=None, level: float = 0.95, test: str = "z"
) -> pd.DataFrame:
    """Random-effects estimate with each study omitted in turn (needs k >= 3; metafor ``leave1out``).

    With ``groups`` (one label per estimate, e.g. the study of each of several estimates) all estimates
    of one group are omitted together (leave-one-study-out). One row per omitted study or group:
    ``omitted``, ``n_omitted`` (estimates dropped), ``k`` (estimates left), estimate, std_error, statistic
    (z or t), p_value, CI, prediction interval, tau2, i2, q, q_p_value.
    """
    y, v = _effects(effect, variance, min_k=3)
    if groups is None:
        codes, names = np.arange(y.size), _labels(labels, y.size)
    else:
        codes, n = _cluster_codes(groups, y.size)
        if n < 3:
            raise ValueError(f"leave-one-group-out needs at least 3 groups, got {n}")
        names = [str(g) for g in pd.unique(pd.Series(np.asarray(groups, dtype=object).ravel()))]
    rows = []
    for i, name in enumerate(names):
        keep = codes != i
        fit = random_effects(y[keep], v[keep], tau2_method=tau2_method, level=level, test=test)
        rows.append({"omitted": name, "n_omitted": int(np.sum(~keep)), **_pooled_row(fit)})
    return pd.DataFrame(rows)


def cumulative(
    effect, variance, *, order=None, tau2_method: str = "REML", labels=None, level: float = 0.95, test: str = "z"
) -> pd.DataFrame:
    """Cumulative meta-analysis: studies added one at a time (metafor ``cumul``).

    ``order`` (one sortable value per study, e.g. publication year; stable sort) sets the order;
    without it the given order is used. Row ``j`` pools the first ``j + 2`` studies (a random-effects
    model needs at least two), with ``added`` naming the study that entered; columns as in
    :func:`leave_one_out`.
    """
    y, v = _effects(effect, variance)
    names = np.asarray(_labels(labels, y.size), dtype=object)
    if order is not None:
        order = np.asarray(order).ravel()
        if order.size != y.size:
            raise ValueError(f"order must have one value per study ({y.size}), got {order.size}")
        idx = np.argsort(order, kind="stable")
        y, v, names = y[idx], v[idx], names[idx]
    rows = [
        {
            "added": names[j - 1],
            **_pooled_row(random_effects(y[:j], v[:j], tau2_method=tau2_method, level=level, test=test)),
        }
        for j in range(2, y.size + 1)
    ]
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------- three-level model
def _cluster_codes(cluster, k: int) -> tuple[np.ndarray, int]:
    codes, uniques = pd.factorize(pd.Series(np.asarray(cluster, dtype=object).ravel()), sort=False)
    if codes.size != k:
        raise ValueError(f"cluster must have one label per estimate ({k}), got {codes.size}")
    if np.any(codes < 0):
        raise ValueError("cluster has missing labels; every estimate needs the study it belongs to")
    return codes, len(uniques)


class _BlockInverse:
    """``V = diag(v + s2_within) + s2_cluster Z Z'`` (Z the cluster indicators) applied in O(k) by
    Sherman-Morrison within each cluster: ``V_j^-1 = D^-1 - s2_c D^-1 1 1'D^-1 / (1 + s2_c 1'D^-1 1)``."""

    def __init__(self, v, codes, n_clusters, s2_cluster, s2_within):
        self.codes, self.n = codes, n_clusters
        self.d_inv = 1.0 / (v + s2_within)
        self.s = np.bincount(codes, self.d_inv, n_clusters)
        self.g = s2_cluster / (1.0 + s2_cluster * self.s)
        self.logdet = float(np.sum(np.log(v + s2_within)) + np.sum(np.log1p(s2_cluster * self.s)))

    def cluster_sums(self, M: np.ndarray) -> np.ndarray:
        """``Z' D^-1 M`` (clusters x columns)."""
        out = np.zeros((self.n, M.shape[1]))
        np.add.at(out, self.codes, self.d_inv[:, None] * M)
        return out

    def apply(self, M: np.ndarray) -> np.ndarray:
        """``V^-1 M``."""
        return self.d_inv[:, None] * M - self.d_inv[:, None] * (self.g[:, None] * self.cluster_sums(M))[self.codes]

    def quad(self, A: np.ndarray, B: np.ndarray) -> np.ndarray:
        """``A' V^-1 B``."""
        return (A.T * self.d_inv) @ B - self.cluster_sums(A).T @ (self.g[:, None] * self.cluster_sums(B))


def _three_level_fit(y, v, X, codes, n_clusters, s2c, s2w):
    inv = _BlockInverse(v, codes, n_clusters, s2c, s2w)
    A = inv.quad(X, X)
    b = np.linalg.solve(A, inv.quad(X, y[:, None]).ravel())
    r = y - X @ b
    rss = float(inv.quad(r[:, None], r[:, None])[0, 0])
    return inv, A, b, r, rss


def _three_level_reml(log_s2, y, v, X, codes, n_clusters) -> float:
    s2c, s2w = np.exp(log_s2)
    inv, A, _, _, rss = _three_level_fit(y, v, X, codes, n_clusters, s2c, s2w)
    return 0.5 * (inv.logdet + np.linalg.slogdet(A)[1] + rss)


@dataclass(frozen=True)
class ThreeLevelResult:
    """Three-level random-effects model: estimates nested in clusters (e.g. several estimates per study).

    ``estimate``, ``std_error``, ``ci_low``/``ci_high`` (normal), ``statistic`` (z), ``p_value`` from the
    model-based variance; ``robust_std_error``, ``robust_ci_low``/``robust_ci_high``, ``robust_p_value``
    (cluster-robust sandwich, t with ``robust_df = n_clusters - p`` df); ``sigma2_cluster`` (between
    clusters), ``sigma2_within`` (between estimates within a cluster), ``loglik`` (REML log-likelihood
    as in metafor), ``i2_cluster``/``i2_within`` (shares of the total variance ``sigma2_cluster + sigma2_within
    + s^2``, ``s^2`` the typical sampling variance of :func:`_typical_variance`; Cheung 2014, Psychol Methods
    19:211), ``k`` estimates, ``n_clusters``, ``level``.
    """

    k: int
    n_clusters: int
    estimate: float
    std_error: float
    ci_low: float
    ci_high: float
    statistic: float
    p_value: float
    robust_std_error: float
    robust_ci_low: float
    robust_ci_high: float
    robust_p_value: float
    robust_df: int
    sigma2_cluster: float
    sigma2_within: float
    i2_cluster: float
    i2_within: float
    loglik: float
    level: float

    def to_frame(self) -> pd.DataFrame:
        """One-row table."""
        return pd.DataFrame([{name: getattr(self, name) for name in self.__dataclass_fields__}])

    def summary(self) -> str:
        """Short text report."""
        pct = round(100 * self.level)
        return (
            f"Three-level REML model, k = {self.k} estimates in {self.n_clusters} clusters\n"
            f"estimate {self.estimate:.4f} (se {self.std_error:.4f}), {pct}% CI [{self.ci_low:.4f}, "
            f"{self.ci_high:.4f}], p = {self.p_value:.3g}\n"
            f"cluster-robust se {self.robust_std_error:.4f}, t({self.robust_df}) CI [{self.robust_ci_low:.4f}, "
            f"{self.robust_ci_high:.4f}], p = {self.robust_p_value:.3g}\n"
            f"sigma^2 between clusters {self.sigma2_cluster:.5f}, within clusters {self.sigma2_within:.5f}"
        )


def cluster_robust_se(X, residuals, weights_apply, bread: np.ndarray, codes: np.ndarray, n_clusters: int):
    """Cluster-robust (sandwich) covariance ``c B^-1 (sum_j X_j'W_j e_j e_j'W_j X_j) B^-1`` with
    ``B = X'WX`` and small-sample factor ``c = n/(n - p)`` (metafor ``robust(..., clubSandwich=FALSE)``;
    Hedges, Tipton & Johnson 2010, Res Synth Methods 1:39). ``weights_apply(M)`` returns ``W M``."""
    We = weights_apply(residuals[:, None]).ravel()
    scores = np.zeros((n_clusters, X.shape[1]))
    np.add.at(scores, codes, X * We[:, None])
    p = X.shape[1]
    B_inv = np.linalg.inv(bread)
    return n_clusters / (n_clusters - p) * B_inv @ (scores.T @ scores) @ B_inv


def three_level(effect, variance, cluster, *, level: float = 0.95) -> ThreeLevelResult:
    """Three-level meta-analysis ``y_ij = mu + u_j + w_ij + e_ij`` (metafor
    ``rma.mv(yi, vi, random = ~ 1 | cluster/estimate)``), by REML.

    ``u_j ~ N(0, sigma2_cluster)``, ``w_ij ~ N(0, sigma2_within)``, ``e_ij ~ N(0, v_ij)``. The restricted
    log-likelihood ``-1/2 [log|V| + log|X'V^-1X| + r'V^-1 r]`` is maximised over both variances
    (L-BFGS-B on their logs, then the boundary checked); ``V^-1`` is applied per cluster in O(k)
    (Sherman-Morrison). ``mu`` by generalised least squares with model-based and cluster-robust
    standard errors (:func:`cluster_robust_se`). Reference: Konstantopoulos (2011).
    """
    from scipy import optimize, stats

    y, v = _effects(effect, variance, min_k=3)
    level = check_level(level)
    codes, n_clusters = _cluster_codes(cluster, y.size)
    if n_clusters < 2 or n_clusters == y.size:
        raise ValueError(
            f"a three-level model needs at least 2 clusters and at least one cluster with several "
            f"estimates; got {n_clusters} clusters for {y.size} estimates"
        )
    X = np.ones((y.size, 1))
    start = np.log(np.full(2, max(np.var(y) / 2, 1e-6)))
    best = None
    for x0 in (start, start + np.array([2.0, -2.0]), start + np.array([-2.0, 2.0])):
        res = optimize.minimize(
            _three_level_reml,
            x0,
            args=(y, v, X, codes, n_clusters),
            method="L-BFGS-B",
            bounds=[(-30, 10)] * 2,
            options={"ftol": 1e-15, "gtol": 1e-10, "maxiter": 2000},
        )
        if best is None or res.fun < best.fun:
            best = res
    res = optimize.minimize(
        _three_level_reml,
        best.x,
        args=(y, v, X, codes, n_clusters),
        method="Nelder-Mead",
        options={"xatol": 1e-10, "fatol": 1e-14, "maxiter": 4000},
    )
    if not res.success and best.fun < res.fun:
        raise RuntimeError(f"three-level REML did not converge: {res.message}")
    s2c, s2w = (0.0 if s < 1e-10 else s for s in np.exp(res.x))
    inv, A, b, r, rss = _three_level_fit(y, v, X, codes, n_clusters, s2c, s2w)
    k, p = X.shape
    loglik = float(
        -0.5 * (k - p) * np.log(2 * np.pi)
        + 0.5 * np.linalg.slogdet(X.T @ X)[1]
        - 0.5 * (inv.logdet + np.linalg.slogdet(A)[1] + rss)
    )
    se = float(np.sqrt(np.linalg.inv(A)[0, 0]))
    z = stats.norm.ppf((1 + level) / 2)
    robust = cluster_robust_se(X, r, inv.apply, A, codes, n_clusters)
    rse = float(np.sqrt(robust[0, 0]))
    df = n_clusters - p
    t = stats.t.ppf((1 + level) / 2, df)
    est = float(b[0])
    total = s2c + s2w + _typical_variance(v, X)
    return ThreeLevelResult(
        k=k,
        n_clusters=n_clusters,
        estimate=est,
        std_error=se,
        ci_low=est - z * se,
        ci_high=est + z * se,
        statistic=est / se,
        p_value=float(2 * stats.norm.sf(abs(est / se))),
        robust_std_error=rse,
        robust_ci_low=est - t * rse,
        robust_ci_high=est + t * rse,
        robust_p_value=float(2 * stats.t.sf(abs(est / rse), df)),
        robust_df=df,
        sigma2_cluster=float(s2c),
        sigma2_within=float(s2w),
        i2_cluster=float(s2c / total),
        i2_within=float(s2w / total),
        loglik=loglik,
        level=level,
    )


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
    import statsmodels.api as sm

    y, v = _effects(effect, variance, min_k=3)
    level = check_level(level)
    se = np.sqrt(v)
    if np.ptp(se) <= 1e-12 * se.max():
        raise ValueError(
            "Egger's test needs studies of different precision: with equal variances the "
            "regressor 1/se is constant, so intercept and slope are not identifiable"
        )
    fit = sm.OLS(y / se, sm.add_constant(1.0 / se, has_constant="add")).fit()
    ci = fit.conf_int(alpha=1 - level)
    return EggerResult(
        intercept=float(fit.params[0]),
        se=float(fit.bse[0]),
        ci_low=float(ci[0, 0]),
        ci_high=float(ci[0, 1]),
        t=float(fit.tvalues[0]),
        p_value=float(fit.pvalues[0]),
        slope=float(fit.params[1]),
        slope_se=float(fit.bse[1]),
        df=int(fit.df_resid),
        k=y.size,
        level=level,
    )


# --------------------------------------------------------------------------- meta-regression
@dataclass(frozen=True)
class MetaRegressionResult:
    """Mixed-effects meta-regression on study-level moderators (metafor ``rma(yi, vi, mods=)``).

    ``coefficients``: one row per term (term, estimate, std_error, statistic, p_value, ci_low, ci_high,
    level); ``tau2`` residual between-study variance (``tau2_source`` is the estimator or "given") with
    its standard error ``tau2_se`` (as metafor, see :func:`_tau2_se`; NaN when tau2 is given, metafor's NA)
    and Q-profile interval ``tau2_ci_low``/``tau2_ci_high`` (:func:`q_profile_interval`);
    ``qe``/``qe_df``/``qe_p_value`` test of residual heterogeneity; ``qm``/``qm_df``/``qm_p_value`` Wald
    test of all moderators (chi^2, or F under Knapp-Hartung); ``r2`` share of the intercept-only tau^2
    explained (0-1, floored at 0); ``i2_residual``; ``k``; ``n_at_or_above`` studies with moderator >=
    threshold (None without a threshold); ``vcov`` the coefficients' covariance matrix. New moderator
    values: :meth:`predict`.
    """

    coefficients: pd.DataFrame = field(repr=False, compare=False)
    tau2: float
    tau2_source: str
    tau2_se: float
    tau2_ci_low: float
    tau2_ci_high: float
    k: int
    qe: float
    qe_df: int
    qe_p_value: float
    qm: float
    qm_df: int
    qm_p_value: float
    r2: float
    i2_residual: float
    test: str
    level: float
    threshold: float | None
    n_at_or_above: int | None
    vcov: np.ndarray = field(repr=False, compare=False)
    encoding: _Encoding = field(repr=False, compare=False)

    def to_frame(self) -> pd.DataFrame:
        """The coefficient table (one row per term)."""
        return self.coefficients.copy()

    def summary(self) -> str:
        """Short text report."""
        pct = round(100 * self.level)
        lines = [
            (
                f"Mixed-effects meta-regression, k = {self.k}, residual tau^2 = {self.tau2:.4f} "
                f"({self.tau2_source}; Q-profile {pct}% CI [{self.tau2_ci_low:.4f}, {self.tau2_ci_high:.4f}]), "
                f"I^2 = {100 * self.i2_residual:.2f}%, R^2 = {100 * self.r2:.2f}%"
            ),
            (
                f"QE({self.qe_df}) = {self.qe:.4f}, p = {self.qe_p_value:.3g}; "
                f"QM({self.qm_df}) = {self.qm:.4f}, p = {self.qm_p_value:.3g}"
            ),
        ]
        for row in self.coefficients.itertuples():
            lines.append(
                f"{row.term}: {row.estimate:.4f} (se {row.std_error:.4f}) [{row.ci_low:.4f}, "
                f"{row.ci_high:.4f}], p = {row.p_value:.3g}"
            )
        return "\n".join(lines)

    def predict(self, new) -> pd.DataFrame:
        """Predicted true effect at new moderator values (metafor ``predict(fit, newmods=)``).

        ``new`` has the form of the fitted ``moderator``: a sequence (one moderator; raw values, the
        ``threshold`` is applied), a 2-D array with one column per moderator, or a DataFrame with the
        fitted columns (factor levels as in the fit). One row per new point: ``estimate = x'b``,
        ``std_error = sqrt(x' V_b x)``, ``ci_low``/``ci_high`` (z, or t with ``k - p`` df under
        Knapp-Hartung) and the prediction interval ``pi_low``/``pi_high`` with ``sqrt(se^2 + tau^2)``
        and the same quantile, at ``level``.
        """
        x = self.encoding.apply(new)
        X = np.column_stack([np.ones(x.shape[0]), x])
        estimate = X @ self.coefficients["estimate"].to_numpy()
        se = np.sqrt(np.einsum("ij,jk,ik->i", X, self.vcov, X))
        crit = _critical(self.level, self.test, self.qe_df)
        half_pi = crit * np.sqrt(se**2 + self.tau2)
        table = pd.DataFrame(x, columns=self.coefficients["term"].iloc[1:].tolist())
        return table.assign(
            estimate=estimate,
            std_error=se,
            ci_low=estimate - crit * se,
            ci_high=estimate + crit * se,
            pi_low=estimate - half_pi,
            pi_high=estimate + half_pi,
            level=self.level,
        )


@dataclass(frozen=True)
class _Encoding:
    """How moderators became design columns (for :meth:`MetaRegressionResult.predict`)."""

    name: str
    terms: tuple[str, ...]
    threshold: float | None = None
    columns: tuple[str, ...] | None = None  # DataFrame input: its columns
    categories: dict = field(default_factory=dict)  # DataFrame input: factor column -> levels

    def apply(self, new) -> np.ndarray:
        """Design columns (without intercept) for ``new`` moderator values."""
        if self.columns is not None:
            if not isinstance(new, pd.DataFrame):
                raise TypeError(f"the model was fitted on a table of moderators; pass a DataFrame with {self.columns}")
            missing = [c for c in self.columns if c not in new.columns]
            if missing:
                raise KeyError(f"new moderator values lack column(s) {missing}; the model has {list(self.columns)}")
            frame = new[list(self.columns)].copy()
            for col, levels in self.categories.items():
                unknown = sorted({str(x) for x in frame[col]} - {str(x) for x in levels})
                if unknown:
                    raise ValueError(f"{col}: levels {unknown} were not in the fitted data; allowed: {list(levels)}")
                frame[col] = pd.Categorical(frame[col], categories=levels)
            frame = pd.get_dummies(frame, drop_first=True, dtype=float)
            x = frame.reindex(columns=list(self.terms)).to_numpy(float)
        else:
            x = as_float_array(self.name, new, ndim=None)
            if x.ndim == 0 or (x.ndim == 1 and len(self.terms) > 1):
                x = x.reshape(1, -1)
            x = x.reshape(-1, 1) if x.ndim == 1 else x
            if x.ndim != 2 or x.shape[1] != len(self.terms):
                raise ValueError(
                    f"new moderator values need {len(self.terms)} column(s) ({list(self.terms)}), got shape {x.shape}"
                )
            if self.threshold is not None:
                x = (x >= self.threshold).astype(float)
        if not np.all(np.isfinite(x)):
            raise ValueError("new moderator values contain missing or infinite values")
        return x


def _moderator_matrix(moderator, k: int, name: str, threshold):
    """(matrix without intercept, encoding, n at or above threshold)."""
    columns, categories = None, {}
    if isinstance(moderator, pd.DataFrame):
        if threshold is not None:
            raise ValueError("threshold applies to a single moderator, not to a table of moderators")
        columns = tuple(str(c) for c in moderator.columns)
        factors = moderator.select_dtypes(include=["object", "category", "string"]).columns
        categories = {str(c): list(pd.Categorical(moderator[c]).categories) for c in factors}
        frame = pd.get_dummies(moderator, drop_first=True, dtype=float)
        x, terms = frame.to_numpy(float), [str(c) for c in frame.columns]
    else:
        x = as_float_array(name, moderator, ndim=None)
        if x.ndim not in (1, 2):
            raise ValueError(
                f"{name} must be one value per study (1-D) or a studies x moderators matrix, got shape {x.shape}"
            )
        x = x.reshape(-1, 1) if x.ndim == 1 else x
        terms = [name] if x.shape[1] == 1 else [f"{name}{j + 1}" for j in range(x.shape[1])]
    if x.shape[0] != k:
        raise ValueError(f"moderator must have one value per study ({k}), got {x.shape[0]}")
    if not np.all(np.isfinite(x)):
        raise ValueError("moderator contains missing or infinite values; every study needs a value")
    n_above = None
    if threshold is not None:
        threshold = check_finite("threshold", threshold)
        if x.shape[1] != 1:
            raise ValueError("threshold applies to a single moderator")
        x = (x >= threshold).astype(float)
        n_above = int(x.sum())
        if n_above in (0, k):
            raise ValueError(
                f"threshold {threshold} puts all {k} studies on one side; choose a value that "
                "splits them (at least one study below and one at or above it)"
            )
        terms = [f"{name} >= {threshold:g}"]
    elif np.any(np.ptp(x, axis=0) == 0):
        raise ValueError("a moderator is constant across studies; it cannot explain heterogeneity")
    encoding = _Encoding(name, tuple(terms), threshold, columns, categories)
    return x, encoding, n_above


def _critical(level: float, test: str, df: int) -> float:
    """Two-sided quantile: normal (``test="z"``) or t with ``df`` (``"knha"``)."""
    from scipy import stats

    return float(stats.t.ppf((1 + level) / 2, df) if test == "knha" else stats.norm.ppf((1 + level) / 2))


@dataclass(frozen=True)
class _MixedFit:
    """Weighted least squares at a given tau^2: coefficients ``b``, covariance ``vb`` (times the
    Knapp-Hartung factor ``s2w`` under ``test="knha"``, else ``s2w = 1``), residuals ``y - Xb``, weights."""

    b: np.ndarray
    vb: np.ndarray
    residuals: np.ndarray
    w: np.ndarray
    s2w: float


def _mixed_fit(y, v, X, tau2: float, test: str) -> _MixedFit:
    k, p = X.shape
    M = _centring(X)
    w = 1.0 / (v + tau2)
    b_c, A_c, r = _wls(y, X @ M, w)
    s2w = float(np.sum(w * r**2) / (k - p)) if test == "knha" else 1.0
    return _MixedFit(M @ b_c, s2w * (M @ np.linalg.inv(A_c) @ M.T), r, w, s2w)


def _wald(fit: _MixedFit, test: str, df: int) -> tuple[np.ndarray, np.ndarray, float, float]:
    """z (or t) statistics and p-values per coefficient, and the omnibus QM (F under knha) with p, over
    the moderators (all coefficients but the intercept; the intercept alone in an intercept-only model)."""
    from scipy import stats

    statistic, qm = _wald_statistics(fit, test)
    m = max(1, fit.b.size - 1)
    if test == "knha":
        return statistic, 2 * stats.t.sf(np.abs(statistic), df), qm, float(stats.f.sf(qm, m, df))
    return statistic, 2 * stats.norm.sf(np.abs(statistic)), qm, float(stats.chi2.sf(qm, m))


def _wald_statistics(fit: _MixedFit, test: str) -> tuple[np.ndarray, float]:
    """The statistics of :func:`_wald` without p-values (z per coefficient; QM, divided by m under knha)."""
    statistic = fit.b / np.sqrt(np.diag(fit.vb))
    idx = slice(1, None) if fit.b.size > 1 else slice(0, 1)
    m = fit.b[idx].size
    qm = float(fit.b[idx] @ np.linalg.solve(fit.vb[idx, idx], fit.b[idx]))
    return statistic, qm / m if test == "knha" else qm


def meta_regression(
    effect,
    variance,
    moderator,
    *,
    threshold: float | None = None,
    tau2: float | None = None,
    tau2_method: str = "REML",
    name: str = "moderator",
    test: str = "z",
    level: float = 0.95,
) -> MetaRegressionResult:
    """Meta-regression of effects on study-level moderators, or on ``moderator >= threshold``.

    Model ``y_i = b0 + x_i'b + u_i + e_i``; ``moderator`` is one column (array), several (2-D array) or a
    DataFrame (several moderators; text or categorical columns are factors, coded as 0/1 indicators
    with the first level, in sorted order as in R, the reference). Coefficients by weighted least squares
    with ``w_i = 1/(v_i + tau^2)``; standard errors ``(X'WX)^-1/2`` and normal CIs (metafor's
    ``test="z"``), or with ``test="knha"`` the Knapp-Hartung factor ``sum w_i r_i^2 / (k - p)`` and t / F
    with ``k - p`` df. ``tau2`` defaults to the ``tau2_method`` estimate with the moderators in the model
    (moderators centred internally). ``QE`` uses weights ``1/v_i``; ``R^2 = (tau^2_0 - tau^2) / tau^2_0``
    (Raudenbush 2009). Permutation p-values: :func:`permutation_test`; influence: :func:`influence`.
    """
    from scipy import stats

    y, v = _effects(effect, variance, min_k=3)
    level = check_level(level)
    check_choice("test", test, ("z", "knha"))
    x, encoding, n_above = _moderator_matrix(moderator, y.size, name, threshold)
    X = _design(np.column_stack([np.ones(y.size), x]), y.size)
    k, p = X.shape
    if tau2 is None:
        tau2_value, source = tau2_estimate(y, v, X, tau2_method=tau2_method), tau2_method
    else:
        tau2_value, source = check_finite("tau2", tau2), "given"
        if tau2_value < 0:
            raise ValueError(f"tau2 must be a finite number >= 0, got {tau2!r}")
    fit = _mixed_fit(y, v, X, tau2_value, test)
    statistic, p_values, qm, qm_p = _wald(fit, test, k - p)
    se = np.sqrt(np.diag(fit.vb))
    crit = _critical(level, test, k - p)
    coefficients = pd.DataFrame(
        {
            "term": ["intercept", *encoding.terms],
            "estimate": fit.b,
            "std_error": se,
            "statistic": statistic,
            "p_value": p_values,
            "ci_low": fit.b - crit * se,
            "ci_high": fit.b + crit * se,
            "level": level,
        }
    )
    Xc = X @ _centring(X)
    qe = _rss(y, v, Xc, 0.0)
    tau2_total = tau2_estimate(y, v, tau2_method=tau2_method if source == "given" else source)
    r2 = max(0.0, (tau2_total - tau2_value) / tau2_total) if tau2_total > 0 else 0.0
    lo, hi = _q_profile(y, v, Xc, level)
    return MetaRegressionResult(
        coefficients=coefficients,
        tau2=tau2_value,
        tau2_source=source,
        tau2_se=float("nan") if source == "given" else _tau2_se(y, v, Xc, tau2_value, source),
        tau2_ci_low=lo,
        tau2_ci_high=hi,
        k=k,
        qe=qe,
        qe_df=k - p,
        qe_p_value=float(stats.chi2.sf(qe, k - p)),
        qm=qm,
        qm_df=p - 1,
        qm_p_value=qm_p,
        r2=float(r2),
        i2_residual=_i2(v, Xc, tau2_value),
        test=test,
        level=level,
        threshold=encoding.threshold,
        n_at_or_above=n_above,
        vcov=fit.vb,
        encoding=encoding,
    )


# --------------------------------------------------------------------------- permutation test
@dataclass(frozen=True)
class PermutationTestResult:
    """Permutation test of a (meta-regression) model (Higgins & Thompson 2004, Stat Med 23:1663;
    metafor ``permutest``).

    ``coefficients``: term, estimate, statistic (z or t), p_value (asymptotic), permutation_p_value;
    ``qm`` with ``qm_p_value`` (asymptotic) and ``qm_permutation_p_value``; ``n_permutations`` used
    (all distinct ones when ``exact``); ``k``; ``tau2_method``; ``test``; ``seed`` (None when exact).
    """

    coefficients: pd.DataFrame = field(repr=False, compare=False)
    qm: float
    qm_p_value: float
    qm_permutation_p_value: float
    n_permutations: int
    exact: bool
    k: int
    tau2_method: str
    test: str
    seed: int | None

    def to_frame(self) -> pd.DataFrame:
        """The coefficient table with permutation p-values (one row per term)."""
        return self.coefficients.copy()

    def summary(self) -> str:
        """Short text report."""
        kind = "exact" if self.exact else "random"
        lines = [
            f"Permutation test ({kind}, {self.n_permutations} permutations, {self.tau2_method}, test {self.test}), "
            f"k = {self.k}: QM = {self.qm:.4f}, permutation p = {self.qm_permutation_p_value:.4g} "
            f"(asymptotic {self.qm_p_value:.3g})"
        ]
        for row in self.coefficients.itertuples():
            lines.append(
                f"{row.term}: {row.estimate:.4f}, permutation p = {row.permutation_p_value:.4g} "
                f"(asymptotic {row.p_value:.3g})"
            )
        return "\n".join(lines)


def _multiset_permutations(codes: np.ndarray):
    """Every distinct arrangement of the multiset ``codes`` (lexicographic order), as index arrays into
    the rows: ``k! / prod(n_g!)`` of them."""
    values, counts = np.unique(codes, return_counts=True)
    rows = [list(np.flatnonzero(codes == g)) for g in values]  # a representative row per code is enough
    counts = counts.tolist()
    k = codes.size
    current: list[int] = []

    def recurse():
        if len(current) == k:
            yield np.array([rows[g][0] for g in current])
            return
        for g in range(len(values)):
            if counts[g]:
                counts[g] -= 1
                current.append(g)
                yield from recurse()
                current.pop()
                counts[g] += 1

    yield from recurse()


def permutation_test(
    effect,
    variance,
    moderator=None,
    *,
    n_permutations: int = 1000,
    tau2_method: str = "REML",
    test: str = "z",
    name: str = "moderator",
    seed=None,
) -> PermutationTestResult:
    """Permutation p-values for the moderators of a meta-regression, or for the pooled effect of an
    intercept-only model (``moderator=None``), as metafor ``permutest``.

    With moderators the rows of the moderator matrix are permuted across studies (``y_i``, ``v_i``
    fixed), tau^2 re-estimated and the model refitted each time; the p-value of a coefficient is the
    share of permutations with ``|z*| >= |z|`` and that of the omnibus test the share with ``QM* >= QM``
    (ties within 1e-8 count; the observed arrangement is one of the permutations). Without moderators
    the signs of the effects are flipped. The test is exact (every distinct permutation, ``k!/prod n_g!``
    with ``n_g`` studies sharing a moderator row, or ``2^k`` sign flips) when that number is at most
    ``n_permutations``; otherwise ``n_permutations - 1`` random permutations drawn with ``seed`` plus
    the observed one. ``moderator``, ``tau2_method``, ``test`` and ``name`` as in :func:`meta_regression`.
    """
    from scipy import special

    y, v = _effects(effect, variance, min_k=3)
    n_permutations = check_positive_int("n_permutations", n_permutations, minimum=2)
    tau2_method = check_choice("tau2_method", tau2_method, TAU2_METHODS)
    check_choice("test", test, ("z", "knha"))
    k = y.size
    if moderator is None:
        X = np.ones((k, 1))
        terms = ["intercept"]
    else:
        x, encoding, _ = _moderator_matrix(moderator, k, name, None)
        X = _design(np.column_stack([np.ones(k), x]), k)
        terms = ["intercept", *encoding.terms]
    p = X.shape[1]

    def refit(yy, XX) -> _MixedFit:
        return _mixed_fit(yy, v, XX, tau2_estimate(yy, v, XX, tau2_method=tau2_method), test)

    observed = refit(y, X)
    b = observed.b
    z_obs, p_obs, qm_obs, qm_p_obs = _wald(observed, test, k - p)
    if moderator is None:
        n_exact = 2.0**k
    else:
        _, codes, counts = np.unique(X, axis=0, return_inverse=True, return_counts=True)
        codes = codes.ravel()
        n_exact = float(np.exp(special.gammaln(k + 1) - special.gammaln(counts + 1).sum()))
    exact = n_exact <= n_permutations
    if exact:
        if moderator is None:
            draws = (np.array(s) for s in itertools.product((1.0, -1.0), repeat=k))
        else:
            draws = _multiset_permutations(codes)
        n_used = int(round(n_exact))
    else:
        rng = random_generator(seed)
        if moderator is None:
            rest = (rng.choice((-1.0, 1.0), size=k) for _ in range(n_permutations - 1))
        else:
            rest = (rng.permutation(k) for _ in range(n_permutations - 1))
        draws = itertools.chain([np.ones(k) if moderator is None else np.arange(k)], rest)
        n_used = n_permutations
    z_perm = np.empty((n_used, p))
    qm_perm = np.empty(n_used)
    for i, draw in enumerate(draws):
        yy, XX = (draw * y, X) if moderator is None else (y, X[draw])
        z_perm[i], qm_perm[i] = _wald_statistics(refit(yy, XX), test)
    tol = 1e-8
    coefficients = pd.DataFrame(
        {
            "term": terms,
            "estimate": b,
            "statistic": z_obs,
            "p_value": p_obs,
            "permutation_p_value": np.mean(np.abs(z_perm) >= np.abs(z_obs) - tol, axis=0),
        }
    )
    return PermutationTestResult(
        coefficients=coefficients,
        qm=qm_obs,
        qm_p_value=qm_p_obs,
        qm_permutation_p_value=float(np.mean(qm_perm >= qm_obs - tol)),
        n_permutations=n_used,
        exact=bool(exact),
        k=k,
        tau2_method=tau2_method,
        test=test,
        seed=None if exact else seed,
    )


# --------------------------------------------------------------------------- influence diagnostics
@dataclass(frozen=True)
class InfluenceResult:
    """Case-deletion influence diagnostics (Viechtbauer & Cheung 2010, Res Synth Methods 1:112; metafor
    ``influence.rma.uni``).

    ``table``: one row per study with ``study``, ``rstudent`` (externally studentised residual),
    ``dffits``, ``cooks_distance``, ``cov_ratio``, ``tau2_deleted``, ``qe_deleted``, ``hat``,
    ``weight`` (%), ``dfbetas_<term>`` per coefficient and ``influential`` (metafor's ``inf`` flag);
    ``k``, ``p`` coefficients, ``tau2_method``, ``test``.
    """

    table: pd.DataFrame = field(repr=False, compare=False)
    k: int
    p: int
    tau2_method: str
    test: str

    def to_frame(self) -> pd.DataFrame:
        """One row per study."""
        return self.table.copy()

    def summary(self) -> str:
        """Short text report naming the influential studies."""
        flagged = self.table.loc[self.table.influential, "study"].tolist()
        return (
            f"Influence diagnostics ({self.tau2_method}, test {self.test}), k = {self.k}: "
            f"{len(flagged)} influential: {', '.join(flagged) if flagged else 'none'}"
        )


def _design_for(moderator, k: int, name: str) -> tuple[np.ndarray, list[str]]:
    if moderator is None:
        return np.ones((k, 1)), ["intercept"]
    x, encoding, _ = _moderator_matrix(moderator, k, name, None)
    return _design(np.column_stack([np.ones(k), x]), k), ["intercept", *encoding.terms]


def _deletion_fits(y, v, X, tau2_method: str, test: str):
    """Refit without each study in turn: per study ``(tau2, QE, fit)`` or None when the reduced design
    is rank-deficient (e.g. the only study at one level of a factor)."""
    k, p = X.shape
    out = []
    for i in range(k):
        keep = np.arange(k) != i
        Xi, yi, vi = X[keep], y[keep], v[keep]
        if k - 1 <= p or np.linalg.matrix_rank(Xi) < p:
            out.append(None)
            continue
        tau2 = tau2_estimate(yi, vi, Xi, tau2_method=tau2_method)
        out.append((tau2, _rss(yi, vi, Xi @ _centring(Xi), 0.0), _mixed_fit(yi, vi, Xi, tau2, test)))
    return out


def influence(
    effect, variance, moderator=None, *, tau2_method: str = "REML", test: str = "z", labels=None, name="moderator"
) -> InfluenceResult:
    """Influence of each study on a random-effects model or meta-regression (metafor ``influence``).

    With the full fit ``b``, ``V_b``, ``tau^2``, ``w_i = 1/(v_i + tau^2)`` and the fit without study ``i``
    (subscript ``(i)``, tau^2 re-estimated; ``s_(i)`` its Knapp-Hartung factor, 1 for ``test="z"``):
    hat ``h_i = w_i x_i'(X'WX)^-1 x_i``; ``rstudent = (y_i - x_i'b_(i)) / sqrt(s_(i)(v_i + tau^2_(i)) +
    x_i'V_b(i) x_i)``; ``dffits = x_i'(b - b_(i)) / sqrt(s_(i) h_i (tau^2_(i) + v_i))``; Cook's distance
    ``(b - b_(i))' V_b^-1 (b - b_(i))``; ``cov_ratio = det V_b(i) / det V_b``; ``dfbetas = (b - b_(i)) /
    sqrt(s_(i) diag (X'W_(i)X)^-1)`` with all k studies and weights ``1/(v_i + tau^2_(i))``. A study is
    ``influential`` when ``|dffits| > 3 sqrt(p/(k-p))``, ``P(chi^2_p <= Cook) > 0.5``, ``h_i > 3p/k`` or any
    ``|dfbetas| > 1``. Rows whose reduced design is singular are NaN. Baujat coordinates: :func:`baujat`.
    """
    from scipy import stats

    y, v = _effects(effect, variance, min_k=3)
    tau2_method = check_choice("tau2_method", tau2_method, TAU2_METHODS)
    check_choice("test", test, ("z", "knha"))
    k = y.size
    names = _labels(labels, k)
    X, terms = _design_for(moderator, k, name)
    p = X.shape[1]
    tau2 = tau2_estimate(y, v, X, tau2_method=tau2_method)
    full = _mixed_fit(y, v, X, tau2, test)
    vb_inv = np.linalg.inv(full.vb)
    hat = full.w * np.einsum("ij,jk,ik->i", X, full.vb / full.s2w, X)
    cols = {
        c: np.full(k, np.nan)
        for c in ("rstudent", "dffits", "cooks_distance", "cov_ratio", "tau2_deleted", "qe_deleted")
    }
    dfbetas = np.full((k, p), np.nan)
    for i, deleted in enumerate(_deletion_fits(y, v, X, tau2_method, test)):
        if deleted is None:
            continue
        tau2_i, qe_i, fit = deleted
        x = X[i]
        diff = full.b - fit.b
        cols["tau2_deleted"][i], cols["qe_deleted"][i] = tau2_i, qe_i
        cols["rstudent"][i] = (y[i] - x @ fit.b) / np.sqrt(fit.s2w * (v[i] + tau2_i) + x @ fit.vb @ x)
        cols["dffits"][i] = (x @ diff) / np.sqrt(fit.s2w * hat[i] * (tau2_i + v[i]))
        cols["cooks_distance"][i] = diff @ vb_inv @ diff
        cols["cov_ratio"][i] = np.linalg.det(fit.vb) / np.linalg.det(full.vb)
        A_i = (X.T / (v + tau2_i)) @ X
        dfbetas[i] = diff / np.sqrt(fit.s2w * np.diag(np.linalg.inv(A_i)))
    table = pd.DataFrame({"study": names, **cols, "hat": hat, "weight": 100 * full.w / full.w.sum()})
    for j, term in enumerate(terms):
        table[f"dfbetas_{term}"] = dfbetas[:, j]
    with np.errstate(invalid="ignore"):
        table["influential"] = (
            (np.abs(table.dffits) > 3 * np.sqrt(p / (k - p)))
            | (stats.chi2.cdf(table.cooks_distance, p) > 0.5)
            | (hat > 3 * p / k)
            | (np.abs(dfbetas) > 1).any(axis=1)
        ).to_numpy(bool)
    return InfluenceResult(table=table, k=k, p=p, tau2_method=tau2_method, test=test)


def baujat(
    effect, variance, moderator=None, *, tau2_method: str = "REML", test: str = "z", labels=None, name="moderator"
) -> pd.DataFrame:
    """Baujat et al. (2002, Stat Med 21:2641) coordinates, as metafor ``baujat``: per study its
    contribution to heterogeneity ``q_contribution = (y_i - x_i'b)^2 / (v_i + tau^2)`` (b, tau^2 of the full
    fit) and its influence on the fit ``influence = (x_i'b_(i) - x_i'b)^2 / (x_i'V_b(i) x_i)`` (the fit
    without study i, tau^2 re-estimated; ``V_b(i)`` with the Knapp-Hartung factor under ``test="knha"``).
    Returns a DataFrame: study, q_contribution, influence. Plot: :func:`kinship_research.plots.meta.baujat_plot`.
    """
    y, v = _effects(effect, variance, min_k=3)
    tau2_method = check_choice("tau2_method", tau2_method, TAU2_METHODS)
    check_choice("test", test, ("z", "knha"))
    k = y.size
    X, _ = _design_for(moderator, k, name)
    tau2 = tau2_estimate(y, v, X, tau2_method=tau2_method)
    full = _mixed_fit(y, v, X, tau2, test)
    influence_y = np.full(k, np.nan)
    for i, deleted in enumerate(_deletion_fits(y, v, X, tau2_method, test)):
        if deleted is not None:
            fit = deleted[2]
            influence_y[i] = (X[i] @ (fit.b - full.b)) ** 2 / (X[i] @ fit.vb @ X[i])
    return pd.DataFrame(
        {"study": _labels(labels, k), "q_contribution": full.residuals**2 / (v + tau2), "influence": influence_y}
    )


# --------------------------------------------------------------------------- effect-size helpers
def log_ratio_from_ci(ratio, ci_low, ci_high, level: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Log ratio and its variance from a reported ratio (RR, OR, HR) and its confidence interval.

    ``y = log(ratio)``, ``se = (log(ci_high) - log(ci_low)) / (2 z_{(1+level)/2})``, variance ``se^2``
    (Cochrane Handbook, section 6.3.2). Assumes the interval is symmetric on the log scale.
    """
    from scipy import stats

    level = check_level(level)
    r, lo, hi = (
        np.atleast_1d(as_float_array(what, a, ndim=None)).ravel()
        for what, a in (("ratio", ratio), ("ci_low", ci_low), ("ci_high", ci_high))
    )
    if not (r.shape == lo.shape == hi.shape):
        raise ValueError(f"ratio, ci_low and ci_high must have the same length, got {r.size}, {lo.size}, {hi.size}")
    if not np.all(np.isfinite(np.concatenate([r, lo, hi]))) or np.any((r <= 0) | (lo <= 0) | (hi <= 0)):
        raise ValueError("ratios and confidence limits must be finite and strictly positive")
    bad = np.flatnonzero((lo > r) | (r > hi) | (lo >= hi))
    if bad.size:
        raise ValueError(
            f"confidence limits must satisfy ci_low <= ratio <= ci_high and ci_low < ci_high; "
            f"violated at positions {bad.tolist()}"
        )
    se = (np.log(hi) - np.log(lo)) / (2 * stats.norm.ppf((1 + level) / 2))
    return np.log(r), se**2


def rescale(effect, variance, factor) -> tuple[np.ndarray, np.ndarray]:
    """Re-express per-unit effects for a different unit: ``(b * factor, v * factor^2)``.

    E.g. a log RR ``b`` per 0.1 rise in the Gini coefficient becomes ``0.5 b`` per 0.05 rise
    (``factor = 0.05 / 0.1``), with variance ``0.25 v``. ``factor`` may be one number or one per study.
    """
    y = as_float_array("effect", effect, ndim=None)
    v = as_float_array("variance", variance, ndim=None)
    f = as_float_array("factor", factor, ndim=None)
    if y.shape != v.shape:
        raise ValueError(f"effect and variance must have the same shape, got {y.shape} and {v.shape}")
    if f.ndim and f.shape != y.shape:
        raise ValueError(f"factor must be a single number or one per study ({y.size}), got shape {f.shape}")
    if not np.all(np.isfinite(f)) or np.any(f <= 0):
        raise ValueError("factor must be finite and strictly positive (target unit / reported unit)")
    with np.errstate(over="ignore", invalid="ignore"):
        out = y * f, v * f**2
    if not (np.all(np.isfinite(out[0])) and np.all(np.isfinite(out[1]))):
        raise ValueError(
            f"rescaled effects or variances are not finite (factor {str(factor)[:40]}: overflow, or missing "
            "effects); factor should be target unit / reported unit, and every effect a finite number"
        )
    return out


def risk_ratios(events_treated, n_treated, events_control, n_control, labels=None, level: float = 0.95) -> pd.DataFrame:
    """Risk ratio per study from 2x2 counts: log RR and variance via statsmodels.

    ``log RR = log((a/n1) / (c/n2))``, ``var = 1/a - 1/n1 + 1/c - 1/n2`` (``effectsize_2proportions``,
    statistic "risk-ratio"). Returns study, effect (RR), ci_low, ci_high, log_effect, variance.
    Studies with zero events need a continuity correction, which is not applied here.
    """
    from scipy import stats
    from statsmodels.stats.meta_analysis import effectsize_2proportions

    level = check_level(level)
    a, n1, c, n2 = (np.asarray(x, dtype=float).ravel() for x in (events_treated, n_treated, events_control, n_control))
    if not (a.size == n1.size == c.size == n2.size):
        raise ValueError("events and group sizes must have one value per study")
    if np.any((a <= 0) | (c <= 0)) or np.any((a > n1) | (c > n2)):
        raise ValueError(
            "need 0 < events <= group size in both arms (zero-event studies need a continuity "
            "correction, which this function does not apply)"
        )
    log_rr, var = effectsize_2proportions(a, n1, c, n2, statistic="risk-ratio")
    log_rr, var = np.asarray(log_rr, float), np.asarray(var, float)
    half = stats.norm.ppf((1 + level) / 2) * np.sqrt(var)
    return pd.DataFrame(
        {
            "study": _labels(labels, a.size),
            "effect": np.exp(log_rr),
            "ci_low": np.exp(log_rr - half),
            "ci_high": np.exp(log_rr + half),
            "log_effect": log_rr,
            "variance": var,
        }
    )


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
        raise ValueError(
            f"study table {path} is not a UTF-8 CSV file ({type(err).__name__}: {err}); "
            f"expected columns {STUDY_COLUMNS}"
        ) from None
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
            raise ValueError(
                f"{path.name}: column {col!r} must be > 0 (ratios and unit increments are positive); "
                f"violated for {table.loc[values <= 0, 'study'].tolist()}"
            )
        table[col] = values.astype(float)
    table["study"] = table["study"].astype(str).str.strip()
    table["design"] = table["design"].astype(str).str.strip()
    dupes = table.loc[table["study"].duplicated(), "study"].tolist()
    if dupes:
        raise ValueError(f"{path.name}: study names must be unique; repeated: {dupes}")
    wrong = table.loc[
        (table["ci_low"] > table["effect"])
        | (table["effect"] > table["ci_high"])
        | (table["ci_low"] >= table["ci_high"]),
        "study",
    ].tolist()
    if wrong:
        raise ValueError(f"{path.name}: need ci_low <= effect <= ci_high and ci_low < ci_high; violated for {wrong}")
    return table.reset_index(drop=True)


def study_log_effects(table: pd.DataFrame, per_unit: float = 0.05, level: float = 0.95) -> pd.DataFrame:
    """Log effects and variances of a study table (:func:`read_study_table`) per common ``per_unit``.

    Each study's log ratio and variance (:func:`log_ratio_from_ci`) are rescaled by
    ``per_unit / table.per_unit`` (:func:`rescale`); adds ``log_effect``, ``variance`` and the ratio
    with its CI per ``per_unit`` (``effect_rescaled``, ``ci_low_rescaled``, ``ci_high_rescaled``).
    """
    from scipy import stats

    if not np.isfinite(per_unit) or per_unit <= 0:
        raise ValueError(f"per_unit must be a positive number (e.g. 0.05 Gini points), got {per_unit!r}")
    y, v = log_ratio_from_ci(table["effect"], table["ci_low"], table["ci_high"], level=level)
    y, v = rescale(y, v, per_unit / table["per_unit"].to_numpy(float))
    half = stats.norm.ppf((1 + level) / 2) * np.sqrt(v)
    return table.assign(
        log_effect=y,
        variance=v,
        effect_rescaled=np.exp(y),
        ci_low_rescaled=np.exp(y - half),
        ci_high_rescaled=np.exp(y + half),
    )


# --------------------------------------------------------------------------- trim and fill
@dataclass(frozen=True)
class TrimFillResult:
    """Trim-and-fill (Duval & Tweedie 2000, Biometrics 56:455; L0 estimator, metafor ``trimfill``).

    ``n_missing`` studies imputed on ``side`` ("left" or "right"), ``pooled`` the random-effects fit to the
    observed plus filled studies, ``filled`` (effect, variance of the imputed mirror images).
    """

    n_missing: int
    side: str
    pooled: RandomEffectsResult = field(repr=False, compare=False)
    filled: pd.DataFrame = field(repr=False, compare=False)

    def to_frame(self) -> pd.DataFrame:
        """One-row table: the filled-in pooled estimate and the number of imputed studies."""
        return self.pooled.to_frame().assign(n_missing=self.n_missing, side=self.side)


def trim_and_fill(
    effect, variance, *, side: str | None = None, tau2_method: str = "REML", level: float = 0.95
) -> TrimFillResult:
    """Trim and fill with the L0 estimator ``L0 = (4 T_n - k(k+1)) / (2k - 1)``, ``T_n`` the Wilcoxon rank
    sum of the centred effects on the side opposite the missing studies, iterated to convergence. The
    side defaults to the one opposite the asymmetry: missing on the left when the mixed-effects Egger
    slope on the standard error is positive (metafor's default rule). Filled studies are the mirror
    images ``2 mu - y_i`` of the ``L0`` most extreme studies around the trimmed estimate ``mu``.
    """
    from scipy import stats

    y, v = _effects(effect, variance, min_k=3)
    level = check_level(level)
    if side is None:
        slope = meta_regression(y, v, np.sqrt(v), tau2_method=tau2_method, name="sei").coefficients.estimate.iloc[1]
        side = "left" if slope > 0 else "right"
    check_choice("side", side, ("left", "right"))
    sign = 1.0 if side == "left" else -1.0  # work as if the missing studies were on the left
    ys = sign * y
    order = np.argsort(ys, kind="stable")
    ys, vs = ys[order], v[order]
    k = y.size
    k0 = 0
    for _ in range(100):
        mu = random_effects(ys[: k - k0], vs[: k - k0], tau2_method=tau2_method).estimate
        centred = ys - mu
        ranks = stats.rankdata(np.abs(centred))
        t_n = float(np.sum(ranks[centred > 0]))
        new = max(0, int(round((4 * t_n - k * (k + 1)) / (2 * k - 1))))
        if new == k0:
            break
        k0 = min(new, k - 2)
    else:
        raise RuntimeError("trim and fill did not converge in 100 iterations")
    fill_y = 2 * mu - ys[k - k0 :] if k0 else np.empty(0)
    fill_v = vs[k - k0 :] if k0 else np.empty(0)
    pooled = random_effects(
        np.concatenate([y, sign * fill_y]), np.concatenate([v, fill_v]), tau2_method=tau2_method, level=level
    )
    return TrimFillResult(
        n_missing=int(k0), side=side, pooled=pooled, filled=pd.DataFrame({"effect": sign * fill_y, "variance": fill_v})
    )
