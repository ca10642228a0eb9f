"""Spatial diagnostics for area-level regressions (US states): Moran's I of OLS residuals and a
maximum-likelihood spatial-lag model as a robustness check.

Moran's I of a vector z (deviations from its mean) with spatial weights W (S0 = sum of weights):

    I = (n / S0) * (z' W z) / (z' z).

For OLS residuals e = M y (M = I - X (X'X)^-1 X'), Cliff & Ord (1981) give the exact null mean
E[I] = n/S0 tr(MW)/(n-k) and variance used for the normal test (``spreg``'s ``moran_res``); the
permutation test (``esda.Moran``) shuffles the residuals over the areas.

The spatial-lag model y = rho W y + X beta + u, u ~ N(0, sigma^2 I) is fitted by maximum
likelihood (``spreg.ML_Lag``, Anselin 1988); its LR test of rho = 0 compares the lag and OLS
log-likelihoods.

References
----------
Cliff AD, Ord JK (1981) Spatial Processes: Models and Applications. Pion, London.
Anselin L (1988) Spatial Econometrics: Methods and Models. Kluwer, Dordrecht.
Rey SJ, Anselin L (2007) PySAL: a Python library of spatial analytical methods. Rev Reg Stud 37:5-27.
"""

from __future__ import annotations

import contextlib
import io
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import esda
import geopandas as gpd
import libpysal
import numpy as np
import pandas as pd
import spreg
from scipy import stats

from kinship_research.methods.checks import check_alpha, check_choice, check_level, check_positive_int, random_generator
from kinship_research.methods.regression import OLSFit, fit_ols


def queen_weights(polygons: gpd.GeoDataFrame, id_column: str = "state_abbr") -> libpysal.weights.W:
    """Row-standardised Queen contiguity weights (areas sharing an edge or a vertex are neighbours).

    Raises TypeError for a non-GeoDataFrame, KeyError for a missing id column, ValueError when ids
    are missing or duplicated or an area has no neighbour (an
    island makes Moran's I and the lag model ill-defined for that area).
    """
    if not isinstance(polygons, gpd.GeoDataFrame):
        raise TypeError(f"polygons must be a GeoDataFrame, got {type(polygons).__name__}")
    if id_column not in polygons.columns:
        raise KeyError(f"id column {id_column!r} not in polygons; columns: {', '.join(map(str, polygons.columns))}")
    ids = polygons[id_column]
    if ids.isna().any() or ids.duplicated().any():
        raise ValueError(f"id column {id_column!r} must be unique and non-missing")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # libpysal warns about islands; we raise instead
        w = libpysal.weights.Queen.from_dataframe(polygons, ids=ids.tolist(), use_index=False)
    if w.islands:
        raise ValueError(f"areas without Queen neighbours: {w.islands}; drop them or use distance weights")
    w.transform = "r"
    return w


@dataclass(frozen=True)
class MoranTest:
    """Moran's I with its normal and permutation tests.

    ``expected`` and ``p_normal`` use the regression-residual moments when the test is of OLS
    residuals (Cliff & Ord 1981), the randomisation moments otherwise; ``null_low``/``null_high``
    are the ((1 - level)/2, (1 + level)/2) quantiles of I over the permutations (the permutation
    interval, coverage ``level``).
    """

    statistic: float
    expected: float
    z: float
    p_normal: float
    p_permutation: float
    null_low: float
    null_high: float
    n_permutations: int
    n: int
    residuals: bool

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame([self.__dict__])


def _check_aligned(values: np.ndarray, w: libpysal.weights.W) -> None:
    if values.ndim != 1 or len(values) != w.n:
        raise ValueError(f"need one value per area of the weights ({w.n}), got shape {values.shape}")
    if not np.all(np.isfinite(values)):
        raise ValueError("values contain NaN or infinite entries; Moran's I needs a value for every area")


def _check_permutations(n_permutations: int, level: float) -> None:
    check_positive_int("n_permutations", n_permutations, minimum=19)
    check_level(level)


def _permutation_test(values: np.ndarray, w, permutations: int, seed, level: float):
    """esda.Moran with seeded permutations, the two-sided permutation p-value
    p = min(1, 2 (1 + min(#{I_sim >= I}, #{I_sim <= I})) / (P + 1)) and the permutation interval."""
    rng = random_generator(seed)
    # esda draws its permutations from numpy's global RandomState; seed it from our generator
    with _seeded_legacy_random(int(rng.integers(2**31 - 1))):
        moran = esda.Moran(values, w, transformation=w.transform, permutations=int(permutations))
    extreme = min((moran.sim >= moran.I).sum(), (moran.sim <= moran.I).sum())
    p_value = min(1.0, 2 * (extreme + 1) / (permutations + 1))
    low, high = np.quantile(moran.sim, [(1 - level) / 2, (1 + level) / 2])
    return moran, float(p_value), float(low), float(high)


class _seeded_legacy_random:
    """Temporarily seed numpy's legacy global RandomState (used inside esda), restoring it after."""

    def __init__(self, seed: int):
        self.seed = seed

    def __enter__(self):
        self.state = np.random.get_state()
        np.random.seed(self.seed)

    def __exit__(self, *exc):
        np.random.set_state(self.state)


def morans_i(
    values: Sequence[float],
    w: libpysal.weights.W,
    *,
    n_permutations: int = 999,
    seed=None,
    level: float = 0.95,
) -> MoranTest:
    """Moran's I of ``values`` (ordered as ``w.id_order``) with normal (randomisation) and two-sided
    permutation p-values; see the module docstring for the formula."""
    values = np.asarray(values, dtype=float)
    _check_aligned(values, w)
    _check_permutations(n_permutations, level)
    moran, p_permutation, low, high = _permutation_test(values, w, n_permutations, seed, level)
    return MoranTest(
        float(moran.I),
        float(moran.EI),
        float(moran.z_rand),
        float(moran.p_rand),
        p_permutation,
        low,
        high,
        int(n_permutations),
        int(w.n),
        False,
    )


def residual_morans_i(
    fit: OLSFit,
    w: libpysal.weights.W,
    *,
    n_permutations: int = 999,
    seed=None,
    level: float = 0.95,
) -> MoranTest:
    """Moran's I of the residuals of ``fit`` (rows ordered as ``w.id_order``).

    The normal test uses the exact null moments of I for OLS residuals e = M u (Cliff & Ord 1981,
    as in ``spreg.MoranRes``), which account for the k estimated coefficients:

        E[I] = (n/S0) tr(MW) / (n-k),
        Var[I] = (n/S0)^2 [tr(MWMW') + tr((MW)^2) + tr(MW)^2] / ((n-k)(n-k+2)) - E[I]^2;

    the permutation test shuffles the residuals over the areas.
    """
    _check_permutations(n_permutations, level)
    residuals = np.asarray(fit.results.resid, dtype=float)
    _check_aligned(residuals, w)
    moran, p_permutation, low, high = _permutation_test(residuals, w, n_permutations, seed, level)
    W = w.sparse.toarray()
    X = np.asarray(fit.results.model.exog, dtype=float)
    n, k = X.shape
    M = np.eye(n) - X @ np.linalg.solve(X.T @ X, X.T)
    MW = M @ W
    scale = n / W.sum()
    expected = scale * np.trace(MW) / (n - k)
    traces = np.trace(MW @ M @ W.T) + np.sum(MW * MW.T) + np.trace(MW) ** 2  # tr(MWMW') + tr((MW)^2) + tr(MW)^2
    variance = scale**2 * traces / ((n - k) * (n - k + 2)) - expected**2
    z = (moran.I - expected) / np.sqrt(variance)
    return MoranTest(
        float(moran.I),
        float(expected),
        float(z),
        float(2 * stats.norm.sf(abs(z))),
        p_permutation,
        low,
        high,
        int(n_permutations),
        int(w.n),
        True,
    )


def _aligned(data: pd.DataFrame, id_column: str, w: libpysal.weights.W, columns: list[str]) -> pd.DataFrame:
    if id_column not in data.columns:
        raise KeyError(f"id column {id_column!r} not in data; columns: {', '.join(map(str, data.columns))}")
    missing_cols = [c for c in columns if c not in data.columns]
    if missing_cols:
        raise KeyError(f"columns {missing_cols} not in data; available: {', '.join(map(str, data.columns))}")
    if data[id_column].duplicated().any():
        raise ValueError(f"id column {id_column!r} has duplicated ids")
    indexed = data.set_index(id_column)
    absent = [i for i in w.id_order if i not in indexed.index]
    if absent:
        raise ValueError(f"areas of the weights missing from data: {absent}")
    out = indexed.loc[w.id_order, columns]
    incomplete = out.index[out.isna().any(axis=1)].tolist()
    if incomplete:
        raise ValueError(f"missing values for areas {incomplete}; spatial models need every area of the weights")
    return out


@dataclass(frozen=True)
class SpatialRegression:
    """OLS, Moran's I of its residuals and (when fitted) the ML spatial-lag model.

    ``lag`` is a tidy table (term, estimate, std_error, z, p_value, ci_low, ci_high, n) whose last
    row is rho (term ``W_<outcome>``), or None when the lag model was not needed.
    """

    ols: OLSFit
    moran: MoranTest
    lag: pd.DataFrame | None
    lag_log_likelihood: float | None
    level: float
    alpha: float
    moran_test: str

    @property
    def lr_test(self) -> tuple[float, float] | None:
        """Likelihood-ratio test of rho = 0: (2 (logL_lag - logL_ols), chi^2_1 p-value), or None."""
        if self.lag_log_likelihood is None:
            return None
        statistic = 2 * (self.lag_log_likelihood - float(self.ols.results.llf))
        return statistic, float(stats.chi2.sf(statistic, 1))

    def to_frame(self) -> pd.DataFrame:
        """OLS (HC3) and lag coefficients stacked with a ``model`` column."""
        ols = self.ols.to_frame(level=self.level).query("cov_type == 'HC3'").rename(columns={"t": "z"})
        ols = ols[["term", "estimate", "std_error", "z", "p_value", "ci_low", "ci_high", "n"]].assign(model="OLS (HC3)")
        parts = [ols] if self.lag is None else [ols, self.lag.assign(model="ML spatial lag")]
        return pd.concat(parts, ignore_index=True)


def spatial_lag(
    data: pd.DataFrame,
    outcome: str,
    predictors: Sequence[str],
    w: libpysal.weights.W,
    *,
    id_column: str = "state_abbr",
    level: float = 0.95,
) -> tuple[pd.DataFrame, float]:
    """ML spatial-lag model y = rho W y + X beta + u (``spreg.ML_Lag``, full eigenvalue method).

    Returns the tidy coefficient table (normal-theory CIs with coverage ``level``; last row rho)
    and the maximised log-likelihood.
    """
    level = check_level(level)
    frame = _aligned(data, id_column, w, [outcome, *predictors]).astype(float)
    with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):  # spreg prints its name
        warnings.simplefilter("ignore")
        model = spreg.ML_Lag(
            frame[[outcome]].to_numpy(),
            frame[list(predictors)].to_numpy(),
            w=w,
            name_y=outcome,
            name_x=list(predictors),
        )
    estimate = np.asarray(model.betas, dtype=float).ravel()
    se = np.asarray(model.std_err, dtype=float)
    zcrit = stats.norm.ppf((1 + level) / 2)
    table = pd.DataFrame(
        {
            "term": ["const", *predictors, f"W_{outcome}"],
            "estimate": estimate,
            "std_error": se,
            "z": [float(z) for z, _ in model.z_stat],
            "p_value": [float(p) for _, p in model.z_stat],
            "ci_low": estimate - zcrit * se,
            "ci_high": estimate + zcrit * se,
            "n": int(model.n),
        }
    )
    return table, float(model.logll)


def spatial_regression(
    data: pd.DataFrame,
    outcome: str,
    predictors: Sequence[str],
    w: libpysal.weights.W,
    *,
    id_column: str = "state_abbr",
    level: float = 0.95,
    alpha: float = 0.05,
    n_permutations: int = 999,
    seed=None,
    moran_test: str = "normal",
    always_fit_lag: bool = False,
) -> SpatialRegression:
    """OLS of ``outcome`` on ``predictors`` across areas, Moran's I of the residuals, and the ML
    spatial-lag model when the residuals are spatially autocorrelated (p < ``alpha``, the decision
    threshold) or ``always_fit_lag``; intervals have coverage ``level``.

    ``moran_test`` chooses the p-value that decides: "normal" (default; exact Cliff-Ord moments for
    regression residuals, which account for the k fitted coefficients) or "permutation" (shuffled
    residuals, whose null ignores that residuals are projected and so is centred near -1/(n-1)
    rather than E[I] = n tr(MW)/(S0 (n-k))). ``data`` needs one row per area of ``w`` (matched on
    ``id_column``) with no missing values.
    """
    check_choice("moran_test", moran_test, ("normal", "permutation"))
    alpha = check_alpha(alpha)
    predictors = list(predictors)
    frame = _aligned(data, id_column, w, [outcome, *predictors])
    ols = fit_ols(frame.reset_index(drop=True), outcome, predictors)
    moran = residual_morans_i(ols, w, n_permutations=n_permutations, seed=seed, level=level)
    lag, loglik = None, None
    p_value = moran.p_normal if moran_test == "normal" else moran.p_permutation
    if always_fit_lag or p_value < alpha:
        lag, loglik = spatial_lag(frame.reset_index(), outcome, predictors, w, id_column=id_column, level=level)
    return SpatialRegression(ols, moran, lag, loglik, level, alpha, moran_test)
