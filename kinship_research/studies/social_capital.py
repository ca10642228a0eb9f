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

from dataclasses import dataclass

import numpy as np
import pandas as pd

from kinship_research.methods.checks import require_columns
from kinship_research.methods.regression import WeightedFit, weighted_logit, weighted_ordinal, within_group_models
from kinship_research.methods.survey import weighted_mean

# --------------------------------------------------------------------------------------------
# Individual level: GSS 1985 ego networks
# --------------------------------------------------------------------------------------------


def ego_network_measures(egos: pd.DataFrame, alters: pd.DataFrame, alter_ties: pd.DataFrame) -> pd.DataFrame:
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
    require_columns(egos, ["case_id", "n_confidants"], "egos")
    require_columns(alters, ["case_id", "alter_id", "kin"], "alters")
    require_columns(alter_ties, ["case_id", "alter1", "alter2", "especially_close"], "alter_ties")
    known = pd.MultiIndex.from_frame(alters[["case_id", "alter_id"]])
    for end in ("alter1", "alter2"):
        ends = pd.MultiIndex.from_frame(alter_ties[["case_id", end]].set_axis(["case_id", "alter_id"], axis=1))
        if not ends.isin(known).all():
            raise ValueError(f"alter_ties.{end} names alters that are not in the alter table")
    if (alter_ties["alter1"] == alter_ties["alter2"]).any():
        raise ValueError("alter_ties holds self-ties (alter1 == alter2); only pairs are allowed")
    k = alters.groupby("case_id").size()
    kin = alters.groupby("case_id")["kin"].agg(lambda s: s.dropna().astype(float).mean() if s.notna().any() else np.nan)
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


NETWORK_SUMMARY = {
    "n_confidants (mean)": ("n_confidants", 1.0),
    "named nobody (%)": ("named_nobody", 100.0),
    "density (mean, >= 2 alters)": ("density", 1.0),
    "kin share (mean, >= 1 alter)": ("kin_share", 1.0),
}
"""Rows of :func:`network_summary`: label -> (column, scale)."""


def network_summary(frame: pd.DataFrame, *, weight: str = "weight", level: float = 0.95) -> pd.DataFrame:
    """Survey-weighted means of the ego-network measures (WTSSALL), each with its linearisation CI
    (:func:`kinship_research.methods.survey.weighted_mean`) and the respondents it rests on.

    ``frame`` holds the columns of :func:`ego_network_measures` and the weight; "named nobody" is
    the weighted share with ``n_confidants == 0``. Returns measure, estimate, std_error, ci_low,
    ci_high, n.
    """
    require_columns(frame, ["n_confidants", "density", "kin_share", weight], "frame")
    data = frame.assign(named_nobody=(frame["n_confidants"] == 0).astype(float).where(frame["n_confidants"].notna()))
    rows = []
    for label, (column, scale) in NETWORK_SUMMARY.items():
        result = weighted_mean(data[column], data[weight], level=level)
        rows.append({"measure": label, **{k: v * scale if k != "n" else v for k, v in result.items()}})
    return pd.DataFrame(rows)


@dataclass(frozen=True)
class OutcomeCoding:
    """How a GSS ordinal item becomes an ordered outcome (worst → best) and a binary event."""

    column: str
    order: tuple[int, ...]  # GSS codes from the worst to the best category
    labels: tuple[str, ...]  # labels in the same order
    event_codes: tuple[int, ...]  # codes counted as the event in the logistic model
    event_label: str


GSS_OUTCOMES = {
    "happy": OutcomeCoding("happy", (3, 2, 1), ("not too happy", "pretty happy", "very happy"), (1,), "very happy"),
    "health": OutcomeCoding(
        "health", (4, 3, 2, 1), ("poor", "fair", "good", "excellent"), (3, 4), "fair or poor health"
    ),
}
"""Outcomes of the GSS 1985 ego file; ordinal categories run from worst to best."""

GSS_CONTROLS = ("age", "female", "education_years", "race_black", "race_hispanic", "race_other")
"""Controls of the individual-level models (race relative to white)."""


def gss_model_frame(egos: pd.DataFrame, network: pd.DataFrame | None = None) -> pd.DataFrame:
    """Respondent table ready for modelling: 0/1 sex and race indicators, network measures merged.

    Adds ``female`` and ``race_black``/``race_hispanic``/``race_other`` (white is the reference;
    asian is in other) and, if given, the columns of :func:`ego_network_measures`.
    """
    require_columns(egos, ["case_id", "sex", "race_group", "weight"], "egos")
    allowed = {"white", "black", "hispanic", "other"}
    bad = sorted(set(egos["race_group"].dropna()) - allowed)
    if bad:
        raise ValueError(f"unknown race_group values {bad}; allowed: {sorted(allowed)}")
    out = egos.copy()
    out["female"] = (out["sex"] == "female").astype(float).where(out["sex"].notna())
    for group in ("black", "hispanic", "other"):
        out[f"race_{group}"] = (out["race_group"] == group).astype(float).where(out["race_group"].notna())
    if network is not None:
        out = out.merge(
            network.drop(columns=["n_confidants"], errors="ignore"), on="case_id", how="left", validate="one_to_one"
        )
    return out


def fit_weighted_model(
    data: pd.DataFrame,
    outcome: str,
    *,
    kind: str = "ordinal",
    exposure: str = "n_confidants",
    controls=GSS_CONTROLS,
    weight: str = "weight",
) -> WeightedFit:
    """Survey-weighted ordinal (proportional-odds) or logistic regression of a GSS outcome.

    The weighted pseudo-log-likelihood :math:`\\ell_w(\\theta) = \\sum_i w_i \\ell_i(\\theta)` is
    maximised (Binder 1983; Stata's ``pweight``), with the sandwich covariance

    .. math:: \\hat V = H^{-1} \\Big(\\sum_i w_i^2 s_i s_i^\\top\\Big) H^{-1},\\qquad
              H = -\\partial^2 \\ell_w/\\partial\\theta\\,\\partial\\theta^\\top,\\;
              s_i = \\partial \\ell_i/\\partial\\theta.

    Fitted by :func:`kinship_research.methods.regression.weighted_logit` / ``weighted_ordinal``.
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
    require_columns(data, [coding.column, *columns, weight], "data")
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
        params, cov, model = weighted_logit(y, x, w)
        names = ["const", *columns]
        categories = (coding.event_label,)
    else:
        rank = {code: i for i, code in enumerate(coding.order)}
        y = used[coding.column].astype(int).map(rank).to_numpy()
        present = np.unique(y)
        if len(present) != len(coding.order):
            raise ValueError(f"{outcome}: every category must occur; found {len(present)} of {len(coding.order)}")
        params, cov, model = weighted_ordinal(y, x, w)
        # OrderedModel parameterises the cut-points as the first one and log increments.
        cuts = [f"{a}|{b}" for a, b in zip(coding.labels[:-1], coding.labels[1:])]
        names = [*columns, f"cut {cuts[0]}", *[f"log increment cut {c}" for c in cuts[1:]]]
        categories = coding.labels
    params = pd.Series(params, index=names)
    cov = pd.DataFrame(cov, index=names, columns=names)
    return WeightedFit(kind, outcome, exposure, params, cov, used, tuple(columns), weight, categories, model)


# --------------------------------------------------------------------------------------------
# Area level: US counties within states
# --------------------------------------------------------------------------------------------


def county_rows(table: pd.DataFrame) -> pd.DataFrame:
    """The county rows of ``load("county_health_2011")`` (drops the national and state summaries)."""
    require_columns(table, ["level", "state_abbr", "county_fips"], "county table")
    return table[table["level"] == "county"].reset_index(drop=True)


def county_models(
    counties: pd.DataFrame, outcome: str, exposure: str, *, controls=(), level: float = 0.95
) -> pd.DataFrame:
    """County-level association of an outcome with an exposure within states: random state
    intercepts and state fixed effects with cluster-robust SEs
    (:func:`kinship_research.methods.regression.within_group_models` with states as groups).

    Counties are unweighted (each county is one observation), so small counties with noisy
    BRFSS estimates count as much as large ones. Only complete cases are used. Returns one row
    per model: outcome, exposure, model, estimate (outcome units per exposure unit), std_error,
    ci_low, ci_high, p_value, icc, n_counties, n_states.

    References
    ----------
    Subramanian SV, Jones K, Duncan C (2003) Multilevel methods for public health research. In:
    Kawachi I, Berkman LF (eds) Neighborhoods and Health. OUP.
    """
    if "level" in counties.columns and (counties["level"] != "county").any():
        raise ValueError("counties holds non-county rows; select them with county_rows()")
    table = within_group_models(
        counties, outcome, exposure, controls=controls, group="state_abbr", group_name="state", level=level
    )
    return table.rename(columns={"n": "n_counties", "n_groups": "n_states"})


# --------------------------------------------------------------------------------------------
# Country table
# --------------------------------------------------------------------------------------------

QOG_COLUMNS = {
    "wdi_lifexp": "life_expectancy",
    "wdi_gdpcappppcon2011": "gdp_per_capita_ppp",
    "wvs_trust": "qog_wvs_trust_pct",
}
"""QoG columns used at country level and their names here (life expectancy at birth, years;
GDP per head, PPP constant 2011 US$; WVS trust, converted from a share to percent)."""


def country_trust_table(trust: pd.DataFrame, qog: pd.DataFrame) -> pd.DataFrame:
    """Join a country trust table (``pickett2024`` or ``trust_inequality``) to QoG indicators by iso3.

    Returns one row per country of ``trust`` with ``life_expectancy`` (years, WDI via QoG),
    ``gdp_per_capita_ppp`` and its natural log ``log_gdp_per_capita``, and ``qog_wvs_trust_pct``
    (WVS trust in percent, available for few countries) added; countries without a QoG match keep
    missing values. Raises ValueError if ``trust`` repeats a country.
    """
    require_columns(trust, ["iso3", "country", "trust_pct"], "trust")
    require_columns(qog, ["iso3", *QOG_COLUMNS], "qog")
    if trust["iso3"].isna().any() or trust["iso3"].duplicated().any():
        raise ValueError("trust must have one row per country with a non-missing iso3")
    extra = qog[["iso3", *QOG_COLUMNS]].dropna(subset=["iso3"]).rename(columns=QOG_COLUMNS)
    extra["qog_wvs_trust_pct"] = 100 * extra["qog_wvs_trust_pct"]
    out = trust.merge(extra, on="iso3", how="left", validate="one_to_one")
    out["log_gdp_per_capita"] = np.log(out["gdp_per_capita_ppp"])
    return out
