r"""Panel estimators for country-year data: between and within readings of one association.

All fits run on :mod:`linearmodels` (Sheppard) and take a long DataFrame with an entity column
(default ``iso3``) and an integer time column (default ``year``); rows with a missing value in a
used column are dropped, and the fit reports how many observations, entities and periods remain.

* :func:`pooled_ols` -- :math:`y_{it} = a + b x_{it} + e_{it}`, all country-years pooled.
* :func:`between_ols` -- OLS on entity means, :math:`\bar y_i = a + b \bar x_i + e_i`, by default of
  year-demeaned data (:math:`z_{it} - \bar z_t`), so that countries observed in different years are
  not compared across a common trend.
* :func:`two_way_fe` -- :math:`y_{it} = \alpha_i + \lambda_t + b x_{it} + e_{it}`: only change within
  countries, net of common year shocks, identifies ``b``. Standard errors clustered by country
  (Liang & Zeger 1986; with the G/(G-1)·(N-1)/(N-K) small-sample factor, as statsmodels) or
  Driscoll & Kraay (1998), robust to cross-country correlation and serial correlation up to
  ``bandwidth`` years (Bartlett kernel; default :func:`driscoll_kraay_bandwidth`,
  :math:`\lfloor 4 (T/100)^{2/9} \rfloor` for T periods, Newey & West 1994).
* :func:`difference_ols` -- :math:`\Delta_k y_{it} = \lambda_t + b \Delta_k x_{it} + \Delta_k e_{it}` with
  :math:`\Delta_k z_{it} = z_{it} - z_{i,t-k}`: ``gap=1`` first differences (consecutive years),
  ``gap=10`` long differences over non-overlapping decades.
* :func:`lag_profile` -- the two-way FE slope of :math:`x_{i,t-\ell}` for several lags :math:`\ell`.
* :func:`within_between_re` -- the hybrid (Mundlak 1978; Allison 2009; Bell & Jones 2015)
  random-effects model :math:`y_{it} = a + b_W (x_{it} - \bar x_i) + b_B \bar x_i + \lambda_t + u_i + e_{it}`,
  which reports the within and the between coefficient, and their difference, in one fit.
* :func:`rubin_combine` and :func:`measurement_error_fits` -- multiple-imputation combination
  (Rubin 1987) of refits on draws of a regressor measured with error (e.g. SWIID's Gini).

References
----------
Mundlak Y (1978) On the pooling of time series and cross section data. Econometrica 46:69-85.
Driscoll JC, Kraay AC (1998) Consistent covariance matrix estimation with spatially dependent
panel data. Review of Economics and Statistics 80:549-560.
Bell A, Jones K (2015) Explaining fixed effects. Political Science Research and Methods 3:133-153.
Newey WK, West KD (1994) Automatic lag selection in covariance matrix estimation. Review of
Economic Studies 61:631-653.
Hoechle D (2007) Robust standard errors for panel regressions with cross-sectional dependence.
Stata Journal 7:281-312.
Rubin DB (1987) Multiple Imputation for Nonresponse in Surveys. Wiley.
Barnard J, Rubin DB (1999) Small-sample degrees of freedom with multiple imputation. Biometrika 86:948-955.
Solt F (2020) The Standardized World Income Inequality Database. Social Science Quarterly 101:1183-1199.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from linearmodels.panel import BetweenOLS, PanelOLS, PooledOLS, RandomEffects
from scipy import stats

from kinship_research.methods.checks import (
    as_float_array,
    check_choice,
    check_finite,
    check_level,
    check_positive_int,
    require_columns,
)

__all__ = [
    "COV_TYPES",
    "MeasurementErrorResult",
    "PanelFit",
    "RubinResult",
    "WithinBetweenFit",
    "between_ols",
    "difference_ols",
    "driscoll_kraay_bandwidth",
    "lag_profile",
    "lagged",
    "measurement_error_fits",
    "pooled_ols",
    "rubin_combine",
    "two_way_fe",
    "within_between_re",
    "within_share",
]

COV_TYPES = ("clustered", "driscoll_kraay", "robust", "unadjusted")
"""``clustered`` by entity, ``driscoll_kraay`` (Bartlett kernel over time), ``robust`` (White),
``unadjusted`` (homoskedastic)."""

COEFFICIENT_COLUMNS = ["term", "estimate", "std_error", "ci_low", "ci_high", "p_value"]


@dataclass(frozen=True)
class PanelFit:
    """One panel regression: coefficients with intervals and the sample it used.

    ``n`` counts the observations in the fit (country-years; countries for the between
    estimator; differences for :func:`difference_ols`), ``n_entities`` the countries. ``df`` is
    the degrees of freedom of the t distribution behind the intervals and p-values (``inf``:
    normal, as for Driscoll-Kraay); ``bandwidth`` the Driscoll-Kraay lag truncation (else None).
    """

    specification: str
    outcome: str
    cov_type: str
    coefficients: pd.DataFrame
    n: int
    n_entities: int
    n_periods: int
    r_squared: float
    level: float
    df: float = np.inf
    bandwidth: int | None = None

    def coefficient(self, term: str) -> pd.Series:
        """The row of ``term`` (estimate, std_error, ci_low, ci_high, p_value)."""
        table = self.coefficients.set_index("term")
        if term not in table.index:
            raise KeyError(f"no term {term!r} in this fit; terms: {list(table.index)}")
        return table.loc[term]

    def to_frame(self) -> pd.DataFrame:
        """One row per coefficient with the fit's specification, outcome, cov_type, n and r_squared."""
        out = self.coefficients.copy()
        for name in ("specification", "outcome", "cov_type"):
            out.insert(0, name, getattr(self, name))
        return out.assign(
            n=self.n, n_entities=self.n_entities, n_periods=self.n_periods, r_squared=self.r_squared, df=self.df
        )

    def summary(self) -> str:
        """Plain-text table of the coefficients."""
        head = (
            f"{self.specification}: {self.outcome} (cov_type={self.cov_type}, n={self.n}, "
            f"entities={self.n_entities}, periods={self.n_periods}, R²={self.r_squared:.3f})"
        )
        return head + "\n" + self.coefficients.to_string(index=False, float_format=lambda v: f"{v:.4g}")


@dataclass(frozen=True)
class WithinBetweenFit:
    """Hybrid random-effects fit: the within and between coefficient of ``x`` and their difference.

    ``contrast`` is :math:`b_B - b_W` with its interval; a difference that excludes zero is the
    (robust) Hausman-type evidence that the random-effects assumption of one common slope fails.
    """

    fit: PanelFit
    x: str
    contrast: pd.Series

    @property
    def within(self) -> pd.Series:
        return self.fit.coefficient(f"{self.x}_within")

    @property
    def between(self) -> pd.Series:
        return self.fit.coefficient(f"{self.x}_between")

    def to_frame(self) -> pd.DataFrame:
        """The fit's coefficient rows plus a ``between_minus_within`` row."""
        contrast = pd.DataFrame([{"term": f"{self.x}_between_minus_within", **self.contrast.to_dict()}])
        rows = pd.concat([self.fit.coefficients, contrast], ignore_index=True)
        return PanelFit(**{**self.fit.__dict__, "coefficients": rows}).to_frame()

    def summary(self) -> str:
        return (
            self.fit.summary() + f"\nbetween - within: {self.contrast['estimate']:.4g} "
            f"({self.fit.level:.0%} CI {self.contrast['ci_low']:.4g} to {self.contrast['ci_high']:.4g})"
        )


def _as_list(columns) -> list[str]:
    return [] if columns is None else [columns] if isinstance(columns, str) else list(columns)


def _prepare(df: pd.DataFrame, columns: Sequence[str], entity: str, time: str) -> pd.DataFrame:
    """Rows complete in ``columns``, indexed (entity, time), sorted; errors for bad panels."""
    require_columns(df, [entity, time], what="panel")
    require_columns(df, columns, what="panel", numeric=True)
    if not pd.api.types.is_integer_dtype(df[time]):
        raise TypeError(f"time column {time!r} must hold integers (years), got {df[time].dtype}")
    data = df[[entity, time, *columns]].dropna()
    if data.duplicated([entity, time]).any():
        dup = data.loc[data.duplicated([entity, time], keep=False), [entity, time]].head(5)
        raise ValueError(f"panel has repeated ({entity}, {time}) rows, e.g. {dup.values.tolist()}")
    if data[entity].nunique() < 2:
        raise ValueError(
            f"panel needs at least 2 {entity} values with complete data in {list(columns)}, "
            f"found {data[entity].nunique()}"
        )
    data = data.assign(**{entity: data[entity].astype(str)})
    return data.set_index([entity, time]).sort_index().astype(float)


def driscoll_kraay_bandwidth(n_periods: int) -> int:
    r"""Default Bartlett-kernel lag truncation for Driscoll-Kraay standard errors with ``n_periods``
    periods: :math:`\lfloor 4 (T/100)^{2/9} \rfloor` (Newey & West 1994; the rule of Hoechle's
    2007 ``xtscc`` and of linearmodels' kernel covariance), e.g. 3 lags for 20 to 60 years, and
    never more than :math:`T - 1`."""
    n_periods = check_positive_int("n_periods", n_periods, minimum=2)
    return min(int(np.floor(4 * (n_periods / 100) ** (2 / 9))), n_periods - 1)


def _fit_options(cov_type: str, bandwidth: int | None, n_periods: int | None = None) -> dict:
    check_choice("cov_type", cov_type, COV_TYPES)
    if cov_type == "clustered":
        return {"cov_type": "clustered", "cluster_entity": True, "debiased": True, "group_debias": True}
    if cov_type == "driscoll_kraay":
        if bandwidth is None:
            bandwidth = driscoll_kraay_bandwidth(n_periods)
        bandwidth = check_positive_int("bandwidth", bandwidth, minimum=0)
        if n_periods is not None and bandwidth >= n_periods:
            raise ValueError(f"bandwidth must be below the number of periods ({n_periods}), got {bandwidth}")
        return {"cov_type": "kernel", "kernel": "bartlett", "bandwidth": bandwidth}
    if bandwidth is not None:
        raise ValueError("bandwidth applies only to cov_type='driscoll_kraay'")
    return {"cov_type": cov_type, "debiased": True}


def _result(
    result,
    data: pd.DataFrame,
    *,
    specification: str,
    outcome: str,
    cov_type: str,
    terms: Sequence[str],
    level: float,
    r_squared: float,
    bandwidth: int | None = None,
) -> PanelFit:
    """The :class:`PanelFit` of a linearmodels ``result`` fitted on ``data`` (entity-period index)."""
    n_entities, n_periods = _counts(data)
    ci = result.conf_int(level=level)
    table = pd.DataFrame(
        {
            "term": list(terms),
            "estimate": result.params[list(terms)].to_numpy(),
            "std_error": result.std_errors[list(terms)].to_numpy(),
            "ci_low": ci.loc[list(terms), "lower"].to_numpy(),
            "ci_high": ci.loc[list(terms), "upper"].to_numpy(),
            "p_value": result.pvalues[list(terms)].to_numpy(),
        }
    )
    return PanelFit(
        specification,
        outcome,
        cov_type,
        table,
        int(result.nobs),
        int(n_entities),
        int(n_periods),
        float(r_squared),
        level,
        np.inf if cov_type == "driscoll_kraay" else float(result.df_resid),
        bandwidth,
    )


def _remove_period_effects(data: pd.DataFrame) -> pd.DataFrame:
    r"""Every column :math:`z` minus its period effects :math:`\hat d_t` from the additive two-way
    least-squares fit :math:`z_{it} = a_i + d_t + r_{it}` (:math:`d` of the first period 0).

    The period effects are identified by change within entities, so they are the common trend
    even when the entities present change over time; on a balanced panel
    :math:`\hat d_t = \bar z_{\cdot t} - \bar z_{\cdot 1}`, i.e. plain year-demeaning.
    """
    codes = pd.factorize(data.index.get_level_values(0))[0]
    periods = pd.get_dummies(data.index.get_level_values(1), dtype=float).to_numpy()[:, 1:]

    def within(m: np.ndarray) -> np.ndarray:  # minus entity means: the entity effects partialled out
        return m - pd.DataFrame(m).groupby(codes).transform("mean").to_numpy()

    demeaned = within(periods)
    effects = np.linalg.lstsq(demeaned.T @ demeaned, demeaned.T @ within(data.to_numpy()), rcond=None)[0]
    return data - periods @ effects


def _counts(data: pd.DataFrame) -> tuple[int, int]:
    return data.index.get_level_values(0).nunique(), data.index.get_level_values(1).nunique()


def pooled_ols(
    df: pd.DataFrame,
    y: str,
    x: str,
    *,
    controls=None,
    entity: str = "iso3",
    time: str = "year",
    cov_type: str = "clustered",
    level: float = 0.95,
) -> PanelFit:
    """Pooled OLS of ``y`` on ``x`` (and ``controls``) over all entity-periods, with a constant."""
    level, controls = check_level(level), _as_list(controls)
    data = _prepare(df, [y, x, *controls], entity, time)
    exog = data[[x, *controls]].assign(const=1.0)
    result = PooledOLS(data[y], exog).fit(**_fit_options(cov_type, None, _counts(data)[1]))
    return _result(
        result,
        data,
        specification="pooled",
        outcome=y,
        cov_type=cov_type,
        terms=[x, *controls],
        level=level,
        r_squared=result.rsquared,
    )


def between_ols(
    df: pd.DataFrame,
    y: str,
    x: str,
    *,
    controls=None,
    entity: str = "iso3",
    time: str = "year",
    time_effects: bool = True,
    cov_type: str = "robust",
    level: float = 0.95,
) -> PanelFit:
    r"""Between estimator: OLS of entity means :math:`\bar y_i` on :math:`\bar x_i` (one row per
    entity; ``robust`` = HC1). ``n`` is the number of entities.

    With ``time_effects`` (default) every variable is first de-trended,
    :math:`\tilde z_{it} = z_{it} - \hat d_t` with :math:`\hat d_t` the year effects of the additive
    fit :math:`z_{it} = a_i + d_t + r_{it}` (identified by change within countries), and the
    between regression runs on the entity means of :math:`\tilde z`. In an unbalanced panel the
    raw means mix the comparison across countries with the common trend (a country observed only
    in later years has higher life expectancy because everyone's rose); plain year-demeaning
    would instead remove part of the cross-country difference when the set of countries changes
    over time. On a balanced panel all three give the same slope (de-trending shifts every
    entity mean by the same constant).
    """
    level, controls = check_level(level), _as_list(controls)
    check_choice("cov_type", cov_type, ("robust", "unadjusted"))
    data = _prepare(df, [y, x, *controls], entity, time)
    if time_effects:
        data = _remove_period_effects(data)
    result = BetweenOLS(data[y], data[[x, *controls]].assign(const=1.0)).fit(**_fit_options(cov_type, None))
    return _result(
        result,
        data,
        specification="between",
        outcome=y,
        cov_type=cov_type,
        terms=[x, *controls],
        level=level,
        r_squared=result.rsquared,
    )


def two_way_fe(
    df: pd.DataFrame,
    y: str,
    x: str,
    *,
    controls=None,
    entity: str = "iso3",
    time: str = "year",
    cov_type: str = "clustered",
    bandwidth: int | None = None,
    level: float = 0.95,
    specification: str = "two_way_fe",
) -> PanelFit:
    r"""Two-way fixed effects :math:`y_{it} = \alpha_i + \lambda_t + b x_{it} + c'z_{it} + e_{it}`.

    ``cov_type='clustered'`` clusters by entity (t with the residual df); ``'driscoll_kraay'`` uses
    a Bartlett kernel over the sums of the scores of each year with ``bandwidth`` lags (default
    :func:`driscoll_kraay_bandwidth` of the number of years; normal reference distribution; the
    kernel covariance is scaled by n/(n - k), k counting the absorbed effects). ``r_squared`` is
    the within R². The two sets of effects are absorbed by sparse LSMR (linearmodels'
    ``use_lsmr``), which agrees with the dummy-variable solution to about 1e-10 and is much
    faster on unbalanced panels than its dense path.
    """
    level, controls = check_level(level), _as_list(controls)
    data = _prepare(df, [y, x, *controls], entity, time)
    options = _fit_options(cov_type, bandwidth, _counts(data)[1])
    model = PanelOLS(data[y], data[[x, *controls]], entity_effects=True, time_effects=True)
    result = model.fit(use_lsmr=True, **options)
    return _result(
        result,
        data,
        specification=specification,
        outcome=y,
        cov_type=cov_type,
        terms=[x, *controls],
        level=level,
        r_squared=result.rsquared_within,
        bandwidth=options.get("bandwidth"),
    )


def _differences(data: pd.DataFrame, gap: int) -> pd.DataFrame:
    """:math:`z_{it} - z_{i,t-gap}` for exact ``gap``-year pairs; with gap > 1 only the
    non-overlapping grid ``first year + k·gap`` is used."""
    if gap > 1:
        years = data.index.get_level_values(1)
        data = data[(years - years.min()) % gap == 0]
    earlier = data.copy()
    earlier.index = pd.MultiIndex.from_arrays(
        [earlier.index.get_level_values(0), earlier.index.get_level_values(1) + gap], names=data.index.names
    )
    return (data - earlier.reindex(data.index)).dropna()


def difference_ols(
    df: pd.DataFrame,
    y: str,
    x: str,
    *,
    controls=None,
    gap: int = 1,
    time_effects: bool = True,
    entity: str = "iso3",
    time: str = "year",
    cov_type: str = "clustered",
    bandwidth: int | None = None,
    level: float = 0.95,
) -> PanelFit:
    r"""Differences over ``gap`` years: :math:`\Delta_k y_{it} = \lambda_t + b\,\Delta_k x_{it} + \Delta_k e_{it}`.

    ``gap=1`` gives first differences (linearmodels' ``FirstDifferenceOLS`` when
    ``time_effects=False``); ``gap=10`` long differences over non-overlapping decades counted
    from the panel's first year, which weigh slow change and are less sensitive to year-to-year
    measurement noise. Only exact ``gap``-year pairs enter (gaps in a series are not bridged).
    """
    level, controls = check_level(level), _as_list(controls)
    gap = check_positive_int("gap", gap)
    data = _differences(_prepare(df, [y, x, *controls], entity, time), gap)
    if data.index.get_level_values(0).nunique() < 2:
        raise ValueError(f"fewer than 2 {entity} values have {gap}-year differences in {[y, x, *controls]}")
    options = _fit_options(cov_type, bandwidth, _counts(data)[1])
    result = PanelOLS(data[y], data[[x, *controls]], time_effects=time_effects).fit(**options)
    name = "first_difference" if gap == 1 else f"long_difference_{gap}"
    return _result(
        result,
        data,
        specification=name,
        outcome=y,
        cov_type=cov_type,
        terms=[x, *controls],
        level=level,
        r_squared=result.rsquared,
        bandwidth=options.get("bandwidth"),
    )


def lagged(df: pd.DataFrame, columns, lag: int, *, entity: str = "iso3", time: str = "year") -> pd.DataFrame:
    """Copy of ``df`` with ``<column>_lag<lag>`` = the value ``lag`` years earlier in the same entity
    (exact year match; missing where that year is absent)."""
    columns = _as_list(columns)
    lag = check_positive_int("lag", lag, minimum=0)
    require_columns(df, [entity, time, *columns], what="panel")
    earlier = df[[entity, time, *columns]].assign(**{time: df[time] + lag})
    earlier = earlier.rename(columns={c: f"{c}_lag{lag}" for c in columns})
    if earlier.duplicated([entity, time]).any():
        raise ValueError(f"panel has repeated ({entity}, {time}) rows")
    return df.merge(earlier, on=[entity, time], how="left", validate="many_to_one")


def lag_profile(
    df: pd.DataFrame,
    y: str,
    x: str,
    lags: Sequence[int],
    *,
    controls=None,
    entity: str = "iso3",
    time: str = "year",
    cov_type: str = "clustered",
    level: float = 0.95,
) -> pd.DataFrame:
    """Two-way FE slope of ``x`` lagged by each of ``lags`` years (controls unlagged).

    Returns one row per lag: lag, estimate, std_error, ci_low, ci_high, p_value, n, n_entities.
    Each lag uses its own complete cases, so ``n`` shrinks as the lag grows.
    """
    rows = []
    for lag in lags:
        data = lagged(df, x, lag, entity=entity, time=time)
        fit = two_way_fe(
            data, y, f"{x}_lag{lag}", controls=controls, entity=entity, time=time, cov_type=cov_type, level=level
        )
        row = fit.coefficient(f"{x}_lag{lag}")
        rows.append({"lag": lag, **row.to_dict(), "n": fit.n, "n_entities": fit.n_entities})
    return pd.DataFrame(rows)


def within_between_re(
    df: pd.DataFrame,
    y: str,
    x: str,
    *,
    controls=None,
    time_effects: bool = True,
    entity: str = "iso3",
    time: str = "year",
    cov_type: str = "clustered",
    level: float = 0.95,
) -> WithinBetweenFit:
    r"""Hybrid within-between random-effects model (Mundlak 1978; Bell & Jones 2015).

    :math:`y_{it} = a + b_W (x_{it} - \bar x_i) + b_B \bar x_i + \lambda_t + u_i + e_{it}`, GLS
    random effects (linearmodels ``RandomEffects``) with year dummies when ``time_effects``; each
    control enters the same way (``<c>_within`` and ``<c>_between``). With ``time_effects`` the
    regressors are de-trended before the split (as in :func:`between_ols`), so that
    :math:`\bar x_i` does not carry the years a country happens to be observed in. On a balanced
    panel :math:`b_W` equals the two-way FE slope and :math:`b_B` the between-OLS slope; unlike two
    separate fits, one model gives both with intervals and the interval of :math:`b_B - b_W`.
    """
    level, controls = check_level(level), _as_list(controls)
    data = _prepare(df, [y, x, *controls], entity, time)
    regressors = _remove_period_effects(data[[x, *controls]]) if time_effects else data[[x, *controls]]
    exog, terms = pd.DataFrame(index=data.index), []
    for column in (x, *controls):
        mean = regressors[column].groupby(level=0).transform("mean")
        exog[f"{column}_within"], exog[f"{column}_between"] = regressors[column] - mean, mean
        terms += [f"{column}_within", f"{column}_between"]
    exog["const"] = 1.0
    if time_effects:
        years = pd.get_dummies(data.index.get_level_values(1), prefix="year", drop_first=True, dtype=float)
        exog = pd.concat([exog, years.set_axis(data.index)], axis=1)
    result = RandomEffects(data[y], exog).fit(**_fit_options(cov_type, None, _counts(data)[1]))
    fit = _result(
        result,
        data,
        specification="within_between_re",
        outcome=y,
        cov_type=cov_type,
        terms=terms,
        level=level,
        r_squared=result.rsquared_overall,
    )
    weights = pd.Series(0.0, index=result.params.index)
    weights[f"{x}_between"], weights[f"{x}_within"] = 1.0, -1.0
    estimate = float(weights @ result.params)
    std_error = float(np.sqrt(weights @ result.cov @ weights))
    dist = stats.t(result.df_resid) if cov_type != "driscoll_kraay" else stats.norm()
    half = dist.ppf(0.5 + level / 2) * std_error
    contrast = pd.Series(
        {
            "estimate": estimate,
            "std_error": std_error,
            "ci_low": estimate - half,
            "ci_high": estimate + half,
            "p_value": float(2 * dist.sf(abs(estimate) / std_error)),
        }
    )
    return WithinBetweenFit(fit, x, contrast)


def within_share(df: pd.DataFrame, column: str, *, entity: str = "iso3") -> float:
    r"""Share of the variance of ``column`` that lies within entities:
    :math:`\sum_{it}(z_{it}-\bar z_i)^2 / \sum_{it}(z_{it}-\bar z)^2` (complete rows only)."""
    require_columns(df, [entity, column], what="panel")
    data = df[[entity, column]].dropna()
    total = ((data[column] - data[column].mean()) ** 2).sum()
    if total == 0:
        raise ValueError(f"{column!r} does not vary")
    within = ((data[column] - data.groupby(entity)[column].transform("mean")) ** 2).sum()
    return float(within / total)


@dataclass(frozen=True)
class RubinResult:
    r"""Rubin's (1987) combination of ``m`` estimates :math:`\hat q_j` with variances :math:`U_j`.

    :math:`\bar q = \frac1m\sum \hat q_j`, :math:`\bar U = \frac1m\sum U_j`,
    :math:`B = \frac1{m-1}\sum(\hat q_j - \bar q)^2`, total :math:`T = \bar U + (1 + 1/m) B`;
    the interval uses a t distribution with Rubin's
    :math:`\nu = (m-1)\,(1 + \bar U / ((1 + 1/m) B))^2` degrees of freedom, or Barnard & Rubin's
    (1999) small-sample :math:`\nu` when ``df_complete`` is given.
    """

    estimate: float
    std_error: float
    ci_low: float
    ci_high: float
    p_value: float
    df: float
    within_variance: float
    between_variance: float
    fraction_missing_information: float
    n_draws: int
    level: float

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame([self.__dict__])

    def summary(self) -> str:
        return (
            f"{self.estimate:.4g} (SE {self.std_error:.3g}; {self.level:.0%} CI {self.ci_low:.4g} to "
            f"{self.ci_high:.4g}; df {self.df:.1f}; {self.n_draws} draws; "
            f"fraction of missing information {self.fraction_missing_information:.2f})"
        )


def rubin_combine(estimates, variances, *, df_complete: float | None = None, level: float = 0.95) -> RubinResult:
    """Combine estimates and their squared standard errors from ``m >= 2`` imputations (see
    :class:`RubinResult`)."""
    level = check_level(level)
    q, u = as_float_array("estimates", estimates), as_float_array("variances", variances)
    if q.shape != u.shape or len(q) < 2:
        raise ValueError(f"give at least 2 estimates and as many variances, got shapes {q.shape} and {u.shape}")
    if not (np.isfinite(q).all() and np.isfinite(u).all()) or (u < 0).any():
        raise ValueError("estimates must be finite and variances finite and non-negative")
    m = len(q)
    q_bar, u_bar, b = q.mean(), u.mean(), q.var(ddof=1)
    total = u_bar + (1 + 1 / m) * b
    r = (1 + 1 / m) * b / u_bar if u_bar > 0 else np.inf
    nu = np.inf if b == 0 else (m - 1) * (1 + 1 / r) ** 2
    if df_complete is not None:
        df_complete = check_finite("df_complete", df_complete)
        if df_complete <= 0:
            raise ValueError(f"df_complete must be positive (the complete-data degrees of freedom), got {df_complete}")
        gamma = (1 + 1 / m) * b / total
        nu_observed = (df_complete + 1) / (df_complete + 3) * df_complete * (1 - gamma)
        nu = 1 / (1 / nu + 1 / nu_observed)
    dist = stats.t(nu) if np.isfinite(nu) else stats.norm()
    se = float(np.sqrt(total))
    half = float(dist.ppf(0.5 + level / 2) * se)
    p_value = float(2 * dist.sf(abs(q_bar) / se)) if se > 0 else float(q_bar == 0)
    fmi = float((r + 2 / (nu + 3)) / (r + 1)) if np.isfinite(nu) and np.isfinite(r) else float(b > 0)
    return RubinResult(
        float(q_bar),
        se,
        float(q_bar - half),
        float(q_bar + half),
        p_value,
        float(nu),
        float(u_bar),
        float(b),
        fmi,
        m,
        level,
    )


@dataclass(frozen=True)
class MeasurementErrorResult:
    """A coefficient fitted on the point values of a noisy regressor and on ``n_draws`` draws of it.

    ``widening`` is the combined interval's width over the naive one; ``attenuation`` is the
    combined estimate over the naive estimate (below 1: the draws pull the slope towards zero).
    """

    term: str
    naive: pd.Series
    combined: RubinResult
    draws: pd.DataFrame
    autocorrelation: float

    @property
    def widening(self) -> float:
        return (self.combined.ci_high - self.combined.ci_low) / (self.naive["ci_high"] - self.naive["ci_low"])

    @property
    def attenuation(self) -> float:
        return self.combined.estimate / self.naive["estimate"]

    def to_frame(self) -> pd.DataFrame:
        """Two rows (``naive``, ``rubin``): estimate, std_error, ci_low, ci_high, p_value; with widening
        and attenuation on the ``rubin`` row."""
        columns = ["estimate", "std_error", "ci_low", "ci_high", "p_value"]
        naive = {"version": "naive", "term": self.term, **self.naive[columns].to_dict()}
        combined = {
            "version": "rubin",
            "term": self.term,
            **{c: getattr(self.combined, c) for c in columns},
            "n_draws": self.combined.n_draws,
            "widening": self.widening,
            "attenuation": self.attenuation,
        }
        return pd.DataFrame([naive, combined])

    def summary(self) -> str:
        return (
            f"{self.term}: naive {self.naive['estimate']:.4g}, combined {self.combined.summary()}; "
            f"interval x{self.widening:.2f}, estimate x{self.attenuation:.2f}"
        )


def _standard_normal_ar1(entities: np.ndarray, rng: np.random.Generator, rho: float) -> np.ndarray:
    """Standard-normal draws, AR(1) with correlation ``rho`` along consecutive rows of each entity."""
    z = rng.standard_normal(len(entities))
    if rho == 0:
        return z
    out = np.empty_like(z)
    scale = np.sqrt(1 - rho**2)
    for i in range(len(z)):
        first = i == 0 or entities[i] != entities[i - 1]
        out[i] = z[i] if first else rho * out[i - 1] + scale * z[i]
    return out


def measurement_error_fits(
    df: pd.DataFrame,
    fit: Callable[[pd.DataFrame], PanelFit],
    *,
    column: str,
    se_column: str,
    term: str | None = None,
    n_draws: int = 20,
    autocorrelation: float = 0.0,
    entity: str = "iso3",
    time: str = "year",
    level: float = 0.95,
    seed=None,
) -> MeasurementErrorResult:
    r"""Propagate the uncertainty of ``column`` (standard error ``se_column``) into a coefficient.

    Each draw replaces :math:`x_{it}` by :math:`x_{it} + s_{it} z_{it}` with :math:`z` standard
    normal, AR(1) with correlation ``autocorrelation`` across a country's consecutive years
    (0: independent years; near 1: a country-level shift, which fixed effects absorb), refits
    ``fit`` (a function of the data returning a :class:`PanelFit`) and combines the ``term``
    coefficients with :func:`rubin_combine`, with Barnard & Rubin's small-sample degrees of
    freedom from the complete-data fit's ``df`` (so that when the draws agree the combined interval
    is the naive one, and :attr:`MeasurementErrorResult.widening` is 1). This treats the point
    values and standard errors as a normal posterior (SWIID's means and SDs of its 100 draws;
    Solt 2020 recommends refitting on the draws); it shows how much the uncertainty widens
    intervals and attenuates slopes, it does not correct attenuation already in the point values.
    """
    n_draws = check_positive_int("n_draws", n_draws, minimum=2)
    rho = check_finite("autocorrelation", autocorrelation)
    if not 0 <= rho < 1:
        raise ValueError(f"autocorrelation must be in [0, 1), got {autocorrelation}")
    require_columns(df, [entity, time, column, se_column], what="panel", numeric=False)
    require_columns(df, [column, se_column], what="panel", numeric=True)
    if (df[se_column] < 0).any():
        raise ValueError(f"{se_column!r} has negative standard errors")
    term = column if term is None else term
    base = fit(df)
    naive = base.coefficient(term)
    data = df.sort_values([entity, time]).reset_index(drop=True)
    entities = data[entity].to_numpy()
    sequence = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
    rows = []
    for j, child in enumerate(sequence.spawn(n_draws)):
        z = _standard_normal_ar1(entities, np.random.default_rng(child), rho)
        refit = fit(data.assign(**{column: data[column] + data[se_column].fillna(0) * z}))
        row = refit.coefficient(term)
        rows.append({"draw": j, "estimate": row["estimate"], "std_error": row["std_error"]})
    draws = pd.DataFrame(rows)
    df_complete = base.df if np.isfinite(base.df) else None
    combined = rubin_combine(draws["estimate"], draws["std_error"] ** 2, df_complete=df_complete, level=level)
    return MeasurementErrorResult(term, naive, combined, draws, rho)
