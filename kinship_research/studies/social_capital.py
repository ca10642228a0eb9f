"""Social capital and health at three levels: persons, US counties and countries.

* Individual (GSS 1985 core discussion network, Marsden 1987): ego-network size, density and kin
  share; survey-weighted ordinal and logistic models of happiness and self-rated health.
* Area (County Health Rankings 2011): inadequate social support and single-parent households
  against premature death, mental-health days and fair/poor health, with state random intercepts
  (MixedLM) and state fixed effects (OLS, cluster-robust by state).
* Country: trust, income inequality and life expectancy (Kawachi et al. 1997), with a bootstrap
  product-of-coefficients mediation analysis.

All associations here are cross-sectional and observational; none identifies a causal effect.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import scipy.stats as stats
import statsmodels.api as sm
from statsmodels.miscmodels.ordinal_model import OrderedModel
from statsmodels.tools.numdiff import approx_fprime

# --------------------------------------------------------------------------------------------
# Individual level: GSS 1985 ego networks
# --------------------------------------------------------------------------------------------


def _require(df: pd.DataFrame, columns, what: str) -> None:
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise KeyError(f"{what} lacks columns {missing}; it needs {list(columns)}")


def ego_network_measures(egos: pd.DataFrame, alters: pd.DataFrame,
                         alter_ties: pd.DataFrame) -> pd.DataFrame:
    """Size, density and kin composition of each respondent's core discussion network.

    For respondent *i* with :math:`k_i` described alters (at most five in the GSS) and
    :math:`t_i` ties among them (pairs who know each other or are especially close),

    .. math:: \\text{density}_i = t_i / \\binom{k_i}{2},\\qquad
              \\text{kin share}_i = \\#\\{\\text{kin alters}\\} / \\#\\{\\text{alters with known kin status}\\}

    Density is undefined (NaN) for :math:`k_i < 2` and kin share for :math:`k_i = 0`;
    ``strong_density`` counts only "especially close" pairs. Ego is excluded from density, as in
    Marsden (1987).

    Parameters
    ----------
    egos, alters, alter_ties
        ``load("gss1985_ego")``, ``load("gss1985_alter")``, ``load("gss1985_alteralter")``.

    Returns
    -------
    DataFrame, one row per respondent: case_id, n_confidants (named, 0-6, 6 = six or more),
    n_alters_described, n_alter_ties, density, strong_density, kin_share.

    References
    ----------
    Marsden PV (1987) Core discussion networks of Americans. Am Sociol Rev 52:122-131.
    """
    _require(egos, ["case_id", "n_confidants"], "egos")
    _require(alters, ["case_id", "alter_id", "kin"], "alters")
    _require(alter_ties, ["case_id", "alter1", "alter2", "especially_close"], "alter_ties")
    known = pd.MultiIndex.from_frame(alters[["case_id", "alter_id"]])
    for end in ("alter1", "alter2"):
        ends = pd.MultiIndex.from_frame(alter_ties[["case_id", end]].set_axis(
            ["case_id", "alter_id"], axis=1))
        if not ends.isin(known).all():
            raise ValueError(f"alter_ties.{end} names alters that are not in the alter table")
    if (alter_ties["alter1"] == alter_ties["alter2"]).any():
        raise ValueError("alter_ties holds self-ties (alter1 == alter2); only pairs are allowed")
    k = alters.groupby("case_id").size()
    kin = alters.groupby("case_id")["kin"].agg(lambda s: s.dropna().astype(float).mean()
                                               if s.notna().any() else np.nan)
    ties = alter_ties.groupby("case_id").size()
    strong = alter_ties.groupby("case_id")["especially_close"].sum()
    out = egos[["case_id", "n_confidants"]].copy()
    out["n_alters_described"] = out["case_id"].map(k).fillna(0).astype(int)
    out["n_alter_ties"] = out["case_id"].map(ties).fillna(0).astype(int)
    pairs = out["n_alters_described"] * (out["n_alters_described"] - 1) / 2
    pairs = pairs.where(pairs > 0)
    out["density"] = out["n_alter_ties"] / pairs
    out["strong_density"] = out["case_id"].map(strong).fillna(0).astype(float) / pairs
    out["kin_share"] = out["case_id"].map(kin).astype(float)
    return out


@dataclass(frozen=True)
class OutcomeCoding:
    """How a GSS ordinal item becomes an ordered outcome (worst → best) and a binary event."""

    column: str
    order: tuple[int, ...]           # GSS codes from the worst to the best category
    labels: tuple[str, ...]          # labels in the same order
    event_codes: tuple[int, ...]     # codes counted as the event in the logistic model
    event_label: str


GSS_OUTCOMES = {
    "happy": OutcomeCoding("happy", (3, 2, 1), ("not too happy", "pretty happy", "very happy"),
                           (1,), "very happy"),
    "health": OutcomeCoding("health", (4, 3, 2, 1), ("poor", "fair", "good", "excellent"),
                            (3, 4), "fair or poor health"),
}
"""Outcomes of the GSS 1985 ego file; ordinal categories run from worst to best."""

GSS_CONTROLS = ("age", "female", "education_years", "race_black", "race_hispanic", "race_other")
"""Controls of the individual-level models (race relative to white)."""


def gss_model_frame(egos: pd.DataFrame, network: pd.DataFrame | None = None) -> pd.DataFrame:
    """Respondent table ready for modelling: 0/1 sex and race indicators, network measures merged.

    Adds ``female`` and ``race_black``/``race_hispanic``/``race_other`` (white is the reference;
    asian is in other) and, if given, the columns of :func:`ego_network_measures`.
    """
    _require(egos, ["case_id", "sex", "race_group", "weight"], "egos")
    allowed = {"white", "black", "hispanic", "other"}
    bad = sorted(set(egos["race_group"].dropna()) - allowed)
    if bad:
        raise ValueError(f"unknown race_group values {bad}; allowed: {sorted(allowed)}")
    out = egos.copy()
    out["female"] = (out["sex"] == "female").astype(float).where(out["sex"].notna())
    for group in ("black", "hispanic", "other"):
        out[f"race_{group}"] = (out["race_group"] == group).astype(float).where(
            out["race_group"].notna())
    if network is not None:
        out = out.merge(network.drop(columns=["n_confidants"], errors="ignore"), on="case_id",
                        how="left", validate="one_to_one")
    return out


class _WeightedOrderedModel(OrderedModel):
    """OrderedModel whose per-observation log-likelihood is multiplied by a survey weight."""

    def __init__(self, endog, exog, weights, **kwargs):
        super().__init__(endog, exog, **kwargs)
        self.survey_weights = np.asarray(weights, dtype=float)

    def loglikeobs(self, params):
        return self.survey_weights * super().loglikeobs(params)


@dataclass(frozen=True, eq=False)
class WeightedFit:
    """A survey-weighted (pseudo-maximum-likelihood) fit; ``to_frame()`` gives the coefficients."""

    kind: str                   # "ordinal" or "logit"
    outcome: str
    exposure: str
    params: pd.Series
    cov: pd.DataFrame
    data: pd.DataFrame = field(repr=False)   # complete cases used (outcome, exposure, controls, weight)
    columns: tuple[str, ...] = ()             # regressors, in parameter order
    weight: str = "weight"
    categories: tuple[str, ...] = ()          # outcome categories (ordinal) or event label (logit)
    model: object = field(default=None, repr=False)   # the fitted statsmodels model

    @property
    def n(self) -> int:
        return len(self.data)

    def to_frame(self, level: float = 0.95) -> pd.DataFrame:
        """term, estimate (log-odds), std_error, CI, odds ratio with CI, p_value, n."""
        se = np.sqrt(np.diag(self.cov.to_numpy()))
        z = stats.norm.ppf(0.5 + level / 2)
        est = self.params.to_numpy()
        out = pd.DataFrame({
            "outcome": self.outcome, "model": self.kind, "term": self.params.index,
            "estimate": est, "std_error": se, "ci_low": est - z * se, "ci_high": est + z * se,
            "p_value": 2 * stats.norm.sf(np.abs(est / se)), "n": self.n,
        })
        regressor = out["term"].isin(self.columns)   # odds ratios only for regressors
        for col in ("estimate", "ci_low", "ci_high"):
            name = "odds_ratio" if col == "estimate" else f"odds_ratio_{col}"
            out[name] = np.exp(out[col]).where(regressor)
        return out

    def _exog(self, frame: pd.DataFrame) -> np.ndarray:
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


def fit_weighted_model(data: pd.DataFrame, outcome: str, kind: str = "ordinal",
                       exposure: str = "n_confidants", controls=GSS_CONTROLS,
                       weight: str = "weight") -> WeightedFit:
    """Survey-weighted ordinal (proportional-odds) or logistic regression of a GSS outcome.

    The weighted pseudo-log-likelihood :math:`\\ell_w(\\theta) = \\sum_i w_i \\ell_i(\\theta)` is
    maximised (Binder 1983; Stata's ``pweight``), with the sandwich covariance

    .. math:: \\hat V = H^{-1} \\Big(\\sum_i w_i^2 s_i s_i^\\top\\Big) H^{-1},\\qquad
              H = -\\partial^2 \\ell_w/\\partial\\theta\\,\\partial\\theta^\\top,\\; s_i = \\partial \\ell_i/\\partial\\theta.

    The weight is WTSSALL, so the estimates describe the adult population, not the sample of
    households. Logit: statsmodels ``GLM(Binomial, var_weights=w).fit(cov_type="HC0")``, whose
    likelihood is :math:`\\sum w_i \\ell_i` and whose HC0 covariance is the sandwich above. Ordinal:
    statsmodels ``OrderedModel`` (logit link) with weighted per-observation log-likelihood,
    HC0 covariance (numerical score and Hessian). Frequency weights would instead treat WTSSALL as
    counts and understate the standard errors. The public file has no strata or PSUs, so the
    clustered GSS design is ignored and SEs are somewhat too small.

    Parameters
    ----------
    data
        From :func:`gss_model_frame`; rows with any missing model variable are dropped.
    outcome
        A key of :data:`GSS_OUTCOMES` ("happy" or "health").
    kind
        "ordinal": all categories, worst → best (positive coefficients mean a better outcome);
        "logit": the event of ``GSS_OUTCOMES[outcome].event_label``.

    References
    ----------
    Binder DA (1983) On the variances of asymptotically normal estimators from complex surveys.
    Int Stat Rev 51:279-292. McCullagh P (1980) Regression models for ordinal data. JRSS B 42:109-142.
    """
    if outcome not in GSS_OUTCOMES:
        raise KeyError(f"unknown outcome {outcome!r}; allowed: {sorted(GSS_OUTCOMES)}")
    if kind not in ("ordinal", "logit"):
        raise ValueError(f"kind must be 'ordinal' or 'logit', not {kind!r}")
    coding = GSS_OUTCOMES[outcome]
    columns = (exposure, *controls)
    _require(data, [coding.column, *columns, weight], "data")
    used = data[[coding.column, *columns, weight]].dropna().copy()
    bad = sorted(set(used[coding.column].astype(int)) - set(coding.order))
    if bad:
        raise ValueError(f"{coding.column} has codes {bad}; allowed: {list(coding.order)}")
    if (used[weight] <= 0).any():
        raise ValueError(f"weights in {weight!r} must be positive")
    x = used[list(columns)].to_numpy(float)
    w = used[weight].to_numpy(float)
    if kind == "logit":
        y = used[coding.column].astype(int).isin(coding.event_codes).to_numpy(float)
        res = sm.GLM(y, sm.add_constant(x, has_constant="add"), family=sm.families.Binomial(),
                     var_weights=w).fit(cov_type="HC0")
        names = ["const", *columns]
        categories = (coding.event_label,)
        model = res.model
    else:
        rank = {code: i for i, code in enumerate(coding.order)}
        y = used[coding.column].astype(int).map(rank).to_numpy()
        present = np.unique(y)
        if len(present) != len(coding.order):
            raise ValueError(f"{outcome}: every category must occur; found {len(present)} "
                             f"of {len(coding.order)}")
        model = _WeightedOrderedModel(y, x, w, distr="logit")
        start = OrderedModel(y, x, distr="logit").fit(method="bfgs", disp=False).params
        res = model.fit(start_params=start, method="bfgs", disp=False, cov_type="HC0",
                        maxiter=500, gtol=1e-8)
        # OrderedModel parameterises the cut-points as the first one and log increments.
        cuts = [f"{a}|{b}" for a, b in zip(coding.labels[:-1], coding.labels[1:])]
        names = [*columns, f"cut {cuts[0]}", *[f"log increment cut {c}" for c in cuts[1:]]]
        categories = coding.labels
    params = pd.Series(np.asarray(res.params), index=names)
    cov = pd.DataFrame(np.asarray(res.cov_params()), index=names, columns=names)
    return WeightedFit(kind, outcome, exposure, params, cov, used, tuple(columns), weight,
                       categories, model)


def predicted_probabilities(fit: WeightedFit, values, level: float = 0.95) -> pd.DataFrame:
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
    values = np.atleast_1d(np.asarray(values, dtype=float))
    if values.size == 0 or not np.isfinite(values).all():
        raise ValueError("values must be a non-empty sequence of finite numbers")
    if not 0 < level < 1:
        raise ValueError(f"level must be in (0, 1), not {level}")
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
            rows.append({fit.exposure: v, "category": category, "probability": pk,
                         "std_error": sk, "ci_low": 1 / (1 + np.exp(-lo)),
                         "ci_high": 1 / (1 + np.exp(-hi)), "n": fit.n})
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------------------------
# Area level: US counties within states
# --------------------------------------------------------------------------------------------


def county_rows(table: pd.DataFrame) -> pd.DataFrame:
    """The county rows of ``load("county_health_2011")`` (drops the national and state summaries)."""
    _require(table, ["level", "state_abbr", "county_fips"], "county table")
    return table[table["level"] == "county"].reset_index(drop=True)


def county_models(counties: pd.DataFrame, outcome: str, exposure: str, controls=(),
                  group: str = "state_abbr", level: float = 0.95) -> pd.DataFrame:
    """County-level association of an outcome with an exposure, within states, two ways.

    1. Random state intercepts (statsmodels ``MixedLM``, REML):
       :math:`y_{cs} = \\beta_0 + \\beta x_{cs} + \\gamma^\\top z_{cs} + u_s + e_{cs}`,
       :math:`u_s \\sim N(0, \\tau^2)`, :math:`e_{cs} \\sim N(0, \\sigma^2)`; also reports the
       intraclass correlation :math:`\\tau^2/(\\tau^2+\\sigma^2)` of the residuals.
    2. State fixed effects (OLS with state dummies) and cluster-robust (CR1) standard errors by
       state, so that residual correlation within states does not shrink the SEs; t-based CI with
       (states − 1) degrees of freedom.

    Counties are unweighted (each county is one observation), so small counties with noisy
    BRFSS estimates count as much as large ones. Only complete cases are used.

    Parameters
    ----------
    counties
        County rows (:func:`county_rows`); other rows are rejected.
    outcome, exposure, controls
        Column names of ``counties``.

    Returns
    -------
    DataFrame with one row per model: outcome, exposure, model, estimate (outcome units per
    exposure unit), std_error, ci_low, ci_high, p_value, n_counties, n_states, icc.

    References
    ----------
    Cameron AC, Miller DL (2015) A practitioner's guide to cluster-robust inference. J Hum Resour
    50:317-372. Subramanian SV, Jones K, Duncan C (2003) Multilevel methods for public health
    research. In: Kawachi I, Berkman LF (eds) Neighborhoods and Health. OUP.
    """
    columns = [outcome, exposure, *controls]
    _require(counties, [*columns, group], "counties")
    if "level" in counties.columns and (counties["level"] != "county").any():
        raise ValueError("counties holds non-county rows; select them with county_rows()")
    if not 0 < level < 1:
        raise ValueError(f"level must be in (0, 1), not {level}")
    data = counties[[group, *columns]].dropna().reset_index(drop=True)
    n_states = data[group].nunique()
    if n_states < 3 or len(data) <= n_states + len(columns):
        raise ValueError(f"too few complete counties ({len(data)}) or states ({n_states}) "
                         f"for {outcome} ~ {exposure}")
    exog = sm.add_constant(data[[exposure, *controls]].to_numpy(float), has_constant="add")
    y = data[outcome].to_numpy(float)
    z = stats.norm.ppf(0.5 + level / 2)

    mixed = sm.MixedLM(y, exog, groups=data[group].to_numpy()).fit(reml=True)
    beta, se = float(mixed.fe_params[1]), float(mixed.bse_fe[1])
    tau2, sigma2 = float(np.asarray(mixed.cov_re)[0, 0]), float(mixed.scale)
    rows = [{"model": "state random intercepts (MixedLM)", "estimate": beta, "std_error": se,
             "ci_low": beta - z * se, "ci_high": beta + z * se,
             "p_value": float(2 * stats.norm.sf(abs(beta / se))), "icc": tau2 / (tau2 + sigma2)}]

    dummies = pd.get_dummies(data[group], drop_first=True, dtype=float).to_numpy()
    fixed = sm.OLS(y, np.column_stack([exog, dummies])).fit(
        cov_type="cluster", cov_kwds={"groups": pd.factorize(data[group])[0]})
    beta, se = float(fixed.params[1]), float(fixed.bse[1])
    t = stats.t.ppf(0.5 + level / 2, n_states - 1)
    rows.append({"model": "state fixed effects (OLS, cluster-robust SE)", "estimate": beta,
                 "std_error": se, "ci_low": beta - t * se, "ci_high": beta + t * se,
                 "p_value": float(2 * stats.t.sf(abs(beta / se), n_states - 1)), "icc": np.nan})
    out = pd.DataFrame(rows)
    out.insert(0, "exposure", exposure)
    out.insert(0, "outcome", outcome)
    out["n_counties"] = len(data)
    out["n_states"] = n_states
    return out


# --------------------------------------------------------------------------------------------
# Bivariate associations (states, countries)
# --------------------------------------------------------------------------------------------


def association(data: pd.DataFrame, x: str, y: str, level: float = 0.95) -> pd.DataFrame:
    """Pearson correlation (Fisher-z CI) and OLS slope (t CI) of ``y`` on ``x``, complete cases.

    :math:`r` with CI :math:`\\tanh(\\operatorname{atanh} r \\pm z/\\sqrt{n-3})`; slope
    :math:`b = r\\, s_y/s_x` with classical OLS standard error. Returns one row with x, y, n, r,
    r_ci_low, r_ci_high, slope, slope_ci_low, slope_ci_high, p_value.
    """
    _require(data, [x, y], "data")
    pair = data[[x, y]].dropna()
    n = len(pair)
    if n < 4:
        raise ValueError(f"need at least 4 complete pairs of {x!r} and {y!r}, got {n}")
    pearson = stats.pearsonr(pair[x], pair[y])
    r_ci = pearson.confidence_interval(confidence_level=level)
    fit = stats.linregress(pair[x], pair[y])
    t = stats.t.ppf(0.5 + level / 2, n - 2)
    return pd.DataFrame([{
        "x": x, "y": y, "n": n, "r": pearson.statistic, "r_ci_low": r_ci.low, "r_ci_high": r_ci.high,
        "slope": fit.slope, "slope_ci_low": fit.slope - t * fit.stderr,
        "slope_ci_high": fit.slope + t * fit.stderr, "p_value": pearson.pvalue,
    }])


# --------------------------------------------------------------------------------------------
# Mediation: inequality -> trust -> life expectancy
# --------------------------------------------------------------------------------------------


def _ols_batch(design: np.ndarray, response: np.ndarray) -> np.ndarray:
    """OLS coefficients for a batch of designs (..., n, p) and responses (..., n)."""
    xtx = np.einsum("...ni,...nj->...ij", design, design)
    xty = np.einsum("...ni,...n->...i", design, response)
    return np.linalg.solve(xtx, xty[..., None])[..., 0]


def _mediation_paths(x, m, y, covariates, idx) -> np.ndarray:
    """a, b, indirect a·b, direct c', total c for row indices ``idx`` (..., n)."""
    ones = np.ones(idx.shape + (1,))
    xs, ms, ys, cs = x[idx][..., None], m[idx], y[idx], covariates[idx]
    design_a = np.concatenate([ones, xs, cs], axis=-1)
    design_b = np.concatenate([ones, xs, ms[..., None], cs], axis=-1)
    a = _ols_batch(design_a, ms)[..., 1]
    coef_b = _ols_batch(design_b, ys)
    direct, b = coef_b[..., 1], coef_b[..., 2]
    total = _ols_batch(design_a, ys)[..., 1]
    return np.stack([a, b, a * b, direct, total])


@dataclass(frozen=True)
class MediationResult:
    """Product-of-coefficients mediation with bootstrap CIs; ``to_frame()`` is tidy."""

    exposure: str
    mediator: str
    outcome: str
    covariates: tuple[str, ...]
    estimates: dict
    ci_low: dict
    ci_high: dict
    std_error: dict
    n: int
    n_boot: int
    method: str
    level: float
    seed: int

    @property
    def indirect(self) -> float:
        return self.estimates["indirect (a*b)"]

    def to_frame(self) -> pd.DataFrame:
        """One row per path: a, b, indirect (a*b), direct (c'), total (c)."""
        return pd.DataFrame([{
            "path": k, "estimate": v, "std_error": self.std_error[k], "ci_low": self.ci_low[k],
            "ci_high": self.ci_high[k], "n": self.n, "n_boot": self.n_boot,
            "ci_method": self.method, "level": self.level,
        } for k, v in self.estimates.items()])


PATHS = ("a (exposure -> mediator)", "b (mediator -> outcome | exposure)", "indirect (a*b)",
         "direct (c')", "total (c)")


def mediation(data: pd.DataFrame, exposure: str, mediator: str, outcome: str, covariates=(),
              n_boot: int = 2000, method: str = "BCa", level: float = 0.95,
              seed: int = 0) -> MediationResult:
    """Linear mediation X → M → Y by the product of coefficients with a case-resampling bootstrap.

    Two OLS regressions on the complete cases (Baron & Kenny 1986):

    .. math:: M = i_1 + a X + \\gamma_1^\\top C + e_1,\\qquad
              Y = i_2 + c' X + b M + \\gamma_2^\\top C + e_2,

    indirect effect :math:`a b`, direct effect :math:`c'`, total effect :math:`c = c' + a b`
    (an identity for OLS with the same cases). CIs resample cases ``n_boot`` times
    (``scipy.stats.bootstrap``, percentile or BCa; Preacher & Hayes 2008), seeded.

    This is a decomposition of cross-sectional associations, not a causal estimate: reading
    :math:`ab` as the effect of X that runs through M needs no unmeasured X–M, M–Y and X–Y
    confounding and no M–Y confounder affected by X (VanderWeele 2015), none of which a
    country cross-section can secure; the direction M → Y is itself assumed.

    Parameters
    ----------
    data
        One row per unit (e.g. country).
    exposure, mediator, outcome, covariates
        Numeric column names.
    n_boot
        Bootstrap resamples (≥ 100).
    method
        "BCa" or "percentile".
    seed
        Seed of ``numpy.random.default_rng``.

    References
    ----------
    Baron RM, Kenny DA (1986) J Pers Soc Psychol 51:1173-1182. Preacher KJ, Hayes AF (2008) Behav
    Res Methods 40:879-891. VanderWeele TJ (2015) Explanation in Causal Inference. OUP.
    Kawachi I, Kennedy BP, Lochner K, Prothrow-Stith D (1997) Social capital, income inequality,
    and mortality. Am J Public Health 87:1491-1498.
    """
    covariates = tuple(covariates)
    names = [exposure, mediator, outcome, *covariates]
    _require(data, names, "data")
    if len(set(names)) != len(names):
        raise ValueError(f"exposure, mediator, outcome and covariates must differ: {names}")
    methods = {"bca": "BCa", "percentile": "percentile"}
    if method.lower() not in methods:
        raise ValueError(f"method must be 'BCa' or 'percentile', not {method!r}")
    if n_boot < 100:
        raise ValueError(f"n_boot must be at least 100, got {n_boot}")
    if not 0 < level < 1:
        raise ValueError(f"level must be in (0, 1), not {level}")
    complete = data[names].apply(pd.to_numeric, errors="raise").dropna()
    n = len(complete)
    if n < len(covariates) + 6:
        raise ValueError(f"too few complete cases ({n}) for mediation with "
                         f"{len(covariates)} covariates")
    x = complete[exposure].to_numpy(float)
    m = complete[mediator].to_numpy(float)
    y = complete[outcome].to_numpy(float)
    c = complete[list(covariates)].to_numpy(float).reshape(n, len(covariates))

    def statistic(idx, axis=-1):
        return _mediation_paths(x, m, y, c, np.asarray(idx))

    point = statistic(np.arange(n))
    boot = stats.bootstrap((np.arange(n),), statistic, vectorized=True, n_resamples=n_boot,
                           method=methods[method.lower()], confidence_level=level,
                           rng=np.random.default_rng(seed))
    ci = boot.confidence_interval
    return MediationResult(
        exposure, mediator, outcome, covariates,
        estimates=dict(zip(PATHS, map(float, point))),
        ci_low=dict(zip(PATHS, map(float, ci.low))), ci_high=dict(zip(PATHS, map(float, ci.high))),
        std_error=dict(zip(PATHS, map(float, boot.standard_error))),
        n=n, n_boot=n_boot, method=methods[method.lower()], level=level, seed=seed)


# --------------------------------------------------------------------------------------------
# Country table
# --------------------------------------------------------------------------------------------

QOG_COLUMNS = {"wdi_lifexp": "life_expectancy", "wdi_gdpcappppcon2011": "gdp_per_capita_ppp",
               "wvs_trust": "qog_wvs_trust_pct"}
"""QoG columns used at country level and their names here (life expectancy at birth, years;
GDP per head, PPP constant 2011 US$; WVS trust, converted from a share to percent)."""


def country_trust_table(trust: pd.DataFrame, qog: pd.DataFrame) -> pd.DataFrame:
    """Join a country trust table (``pickett2024`` or ``trust_inequality``) to QoG indicators by iso3.

    Returns one row per country of ``trust`` with ``life_expectancy`` (years, WDI via QoG),
    ``gdp_per_capita_ppp`` and its natural log ``log_gdp_per_capita``, and ``qog_wvs_trust_pct``
    (WVS trust in percent, available for few countries) added; countries without a QoG match keep
    missing values. Raises ValueError if ``trust`` repeats a country.
    """
    _require(trust, ["iso3", "country", "trust_pct"], "trust")
    _require(qog, ["iso3", *QOG_COLUMNS], "qog")
    if trust["iso3"].isna().any() or trust["iso3"].duplicated().any():
        raise ValueError("trust must have one row per country with a non-missing iso3")
    extra = qog[["iso3", *QOG_COLUMNS]].dropna(subset=["iso3"]).rename(columns=QOG_COLUMNS)
    extra["qog_wvs_trust_pct"] = 100 * extra["qog_wvs_trust_pct"]
    out = trust.merge(extra, on="iso3", how="left", validate="one_to_one")
    out["log_gdp_per_capita"] = np.log(out["gdp_per_capita_ppp"])
    return out
