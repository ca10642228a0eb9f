"""The Spirit Level's cross-country statistics and their robustness checks.

Wilkinson & Pickett (2009) correlate income inequality (the S80/S20 ratio) with health and
social outcomes across 23 rich countries and combine ten outcomes into an Index of Health and
Social Problems. Their critics asked whether the associations survive dropping single
countries (Saunders 2010; Snowdon 2010), dropping the USA, Japan, Singapore or the Nordic
countries, another inequality measure, control for national income (Leigh, Jencks & Smeeding
2009), and a larger set of countries. Each check here returns a tidy table with the estimate,
its 95% CI, p-value and n.

References
----------
Wilkinson R, Pickett K (2009) The Spirit Level. Allen Lane.
Saunders P (2010) Beware False Prophets. Policy Exchange.
Snowdon C (2010) The Spirit Level Delusion. Little Dice.
Leigh A, Jencks C, Smeeding TM (2009) Health and economic inequality. In Salverda W et al. (eds)
The Oxford Handbook of Economic Inequality, 384-405.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from kinship_research.methods.checks import check_choice, check_level, require_columns
from kinship_research.methods.correlation import correlate
from kinship_research.methods.robustness import leave_one_out_table

__all__ = [
    "BOOK_COMPONENTS",
    "BOOK_MIN_COMPONENTS",
    "COUNTRY_GROUPS",
    "IncomeAdjustment",
    "QOG_INEQUALITY",
    "QOG_OUTCOMES",
    "alternative_measures",
    "compare_samples",
    "component_correlations",
    "control_for_income",
    "correlate",
    "exclude",
    "flag_implausible",
    "health_social_index",
    "index_agreement",
    "leave_one_out",
    "rich_countries",
    "ten_item_index",
]

BOOK_COMPONENTS: dict[str, tuple[str, bool]] = {
    "life_expectancy": ("Life expectancy at birth (years)", False),
    "maths_and_literacy_scores": ("Maths and literacy, PISA 2003 (mean score)", False),
    "infant_mortality": ("Infant mortality (deaths per 1,000 live births)", True),
    "homicides": ("Homicides (per million per year)", True),
    "imprisonment_log": ("Imprisonment (log of prisoners per 100,000)", True),
    "teenage_births": ("Teenage births (per 1,000 women aged 15-19)", True),
    "trust": ("Trust (% agreeing most people can be trusted)", False),
    "obesity": ("Obesity (% of adults with BMI >= 30)", True),
    "mental_illness": ("Mental illness (% of adults in the past 12 months)", True),
    "social_mobility": ("Low social mobility (father-son income elasticity)", True),
}
"""The ten components of the Index of Health and Social Problems, as named in the Equality Trust
international sheet: label with units, and whether a higher value is worse (trust, life
expectancy and maths/literacy are reverse-coded, as the codebook says)."""

BOOK_MIN_COMPONENTS = 7
"""A country is scored when it has at least this many of the ten components. The published column
leaves out Israel (6 components) and Singapore (5) and scores every country with 8 or more; no
country has exactly 7, so 7 and 8 give the same index. z-scores are taken over the scored
countries only: this reproduces the published index to within 0.011 (the inputs in the file are
rounded), while standardising over all 23 countries misses it by up to 0.07."""

COUNTRY_GROUPS: dict[str, tuple[str, ...]] = {
    "usa": ("USA",),
    "japan": ("JPN",),
    "singapore": ("SGP",),
    "usa_japan_singapore": ("USA", "JPN", "SGP"),
    "nordics": ("DNK", "FIN", "ISL", "NOR", "SWE"),
    "anglophone": ("USA", "GBR", "CAN", "AUS", "NZL", "IRL"),
}
"""Named groups of countries (ISO3) whose exclusion critics have tested."""

QOG_INEQUALITY: dict[str, str] = {
    "wdi_gini": "Gini index (World Bank WDI, 0-100)",
    "lis_gini": "Gini coefficient (Luxembourg Income Study, 0-1)",
    "lis_pr8020": "P80/P20 income ratio (Luxembourg Income Study)",
    "oecd_incinequal_t1a": "Gini coefficient (OECD IDD, 0-1)",
    "oecd_incinequal_t1d": "S80/S20 income share ratio (OECD IDD)",
    "top_top10_income_share": "income share of the top 10% (World Inequality Database, 0-1)",
}
"""Inequality measures in the QoG January 2020 cross-section, with their labels and units."""

QOG_OUTCOMES: dict[str, tuple[str, bool]] = {
    "wdi_lifexp": ("Life expectancy at birth (years)", False),
    "wdi_mortinf": ("Infant mortality (deaths per 1,000 live births)", True),
    "wdi_homicides": ("Homicides (per 100,000 per year)", True),
    "oecd_obesity_g1": ("Obesity (% of adults)", True),
    "who_alcohol10": ("Alcohol consumption (litres of pure alcohol per adult per year)", True),
    "wdi_smokm": ("Smoking, men (% of adults)", True),
}
"""Health and social outcomes in the QoG cross-section: label with units, and whether higher is worse."""


def _as_list(columns, what: str = "columns") -> list[str]:
    """A column name or a list of them, as a list; TypeError for anything else."""
    if isinstance(columns, str):
        return [columns]
    if isinstance(columns, (list, tuple, pd.Index)) and len(columns) and all(isinstance(c, str) for c in columns):
        return list(columns)
    raise TypeError(f"{what} must be a column name or a non-empty list of column names, got {str(columns)[:80]!r}")


def rich_countries(
    qog: pd.DataFrame,
    inequality: str,
    *,
    min_gdp_per_head: float,
    min_population: float,
    gdp: str = "wdi_gdpcappppcon2011",
    population: str = "wdi_pop",
) -> pd.DataFrame:
    """Rows of the QoG cross-section with GDP per head and population at or above the thresholds
    and a value of the ``inequality`` measure (one of :data:`QOG_INEQUALITY`)."""
    if inequality not in QOG_INEQUALITY:
        raise ValueError(f"inequality measure {inequality!r} is not one of {list(QOG_INEQUALITY)}")
    require_columns(qog, [inequality, gdp, population], numeric=True)
    keep = (qog[gdp] >= min_gdp_per_head) & (qog[population] >= min_population) & qog[inequality].notna()
    return qog[keep].reset_index(drop=True)


def health_social_index(
    df: pd.DataFrame,
    components: Sequence[str],
    worse_when_higher: Mapping[str, bool],
    *,
    min_components: int | None = None,
) -> pd.DataFrame:
    r"""Index of Health and Social Problems: mean of oriented z-scores of the components.

    Each component is standardised over the rows that have it,
    :math:`z_{ic} = s_c (y_{ic} - \bar y_c)/\mathrm{sd}_c` with :math:`s_c = +1` when higher
    values are worse and :math:`-1` otherwise (e.g. life expectancy, trust), so a higher index
    always means more problems. A country's index is the mean of its available z-scores, and
    missing when it has fewer than ``min_components`` (default: all components).

    Returns
    -------
    DataFrame aligned with ``df``: ``iso3``/``country`` when present, ``index``,
    ``n_components``, then ``has_<component>`` (bool) and ``z_<component>`` for each component.

    References
    ----------
    Wilkinson & Pickett (2009), Figure 2.2 and the Equality Trust's technical notes.
    """
    components = list(components)
    if not components:
        raise ValueError("give at least one component column")
    require_columns(df, components, numeric=True)
    unoriented = [c for c in components if c not in worse_when_higher]
    if unoriented:
        raise KeyError(
            f"worse_when_higher has no entry for {unoriented}: say True (higher is "
            "worse) or False (higher is better) for every component"
        )
    min_components = len(components) if min_components is None else min_components
    if not 1 <= min_components <= len(components):
        raise ValueError(f"min_components must be between 1 and {len(components)}, got {min_components}")
    out = df[[c for c in ("iso3", "country") if c in df.columns]].copy()
    z = pd.DataFrame(index=df.index)
    for c in components:
        values = df[c].astype(float)
        if values.notna().sum() < 2 or values.std() == 0:
            raise ValueError(f"component {c!r} needs at least 2 distinct observed values")
        sign = 1.0 if worse_when_higher[c] else -1.0
        z[c] = sign * (values - values.mean()) / values.std()
    n_components = z.notna().sum(axis=1)
    out["index"] = z.mean(axis=1).where(n_components >= min_components)
    out["n_components"] = n_components
    for c in components:
        out[f"has_{c}"] = z[c].notna()
    for c in components:
        out[f"z_{c}"] = z[c]
    return out


def ten_item_index(
    df: pd.DataFrame,
    components: Mapping[str, tuple[str, bool]] | None = None,
    *,
    min_components: int = BOOK_MIN_COMPONENTS,
) -> pd.DataFrame:
    r"""The Index of Health and Social Problems rebuilt by the book's rule.

    Countries with fewer than ``min_components`` of the components get no index; over the others,
    each component is standardised, :math:`z_{ic} = s_c (y_{ic} - \bar y_c)/\mathrm{sd}_c` (sign
    :math:`s_c = -1` where higher is better), and a country's index is the mean of the z-scores it
    has. ``components`` maps column -> (label, worse_when_higher); default :data:`BOOK_COMPONENTS`.

    Returns the :func:`health_social_index` table for every row of ``df`` (index missing for the
    countries left out), plus ``scored`` (bool).

    References
    ----------
    Wilkinson & Pickett (2009), Appendix (the Index of Health and Social Problems); The Equality
    Trust, international-inequality.xls, column index_of_health_social_problems.
    """
    components = dict(BOOK_COMPONENTS if components is None else components)
    require_columns(df, list(components), numeric=True)
    counts = df[list(components)].notna().sum(axis=1)
    if not 1 <= min_components <= len(components):
        raise ValueError(f"min_components must be between 1 and {len(components)}, got {min_components}")
    scored = counts >= min_components
    if scored.sum() < 3:
        raise ValueError(f"only {int(scored.sum())} rows have at least {min_components} components")
    inner = health_social_index(
        df[scored], list(components), {c: w for c, (_, w) in components.items()}, min_components=1
    )
    out = inner.reindex(df.index)
    for c in ("iso3", "country", "state", "state_abbr"):
        if c in df.columns:
            out[c] = df[c]
    out["n_components"] = counts
    for c in components:
        out[f"has_{c}"] = df[c].notna()
    out["scored"] = scored
    return out


def index_agreement(
    rebuilt: pd.Series, published: pd.Series, labels: pd.Series, *, level: float = 0.95
) -> tuple[pd.DataFrame, dict]:
    """Per-unit agreement of a rebuilt index with the published one, and its summary.

    Returns (table, summary): table has label, rebuilt, published, difference for the units with
    either value; summary has n_both, only_rebuilt, only_published (labels), max_abs_difference,
    and r, ci_low, ci_high of rebuilt vs published.
    """
    from kinship_research.methods.correlation import paired_correlation

    table = pd.DataFrame(
        {"label": labels.to_numpy(), "rebuilt": rebuilt.to_numpy(float), "published": published.to_numpy(float)}
    )
    table = table[table[["rebuilt", "published"]].notna().any(axis=1)].reset_index(drop=True)
    table["difference"] = table["rebuilt"] - table["published"]
    both = table.dropna(subset=["rebuilt", "published"])
    r = paired_correlation(both["rebuilt"], both["published"], level=level)
    summary = {
        "n_both": len(both),
        "max_abs_difference": float(both["difference"].abs().max()),
        "only_rebuilt": table.loc[table["published"].isna(), "label"].tolist(),
        "only_published": table.loc[table["rebuilt"].isna(), "label"].tolist(),
        "r": r["r"],
        "ci_low": r["ci_low"],
        "ci_high": r["ci_high"],
    }
    return table, summary


def component_correlations(
    df: pd.DataFrame, x: str, components, *, label: str = "iso3", correlation: str = "pearson", level: float = 0.95
) -> pd.DataFrame:
    """Correlation of ``x`` with each component (pairwise complete), naming the units each drops.

    Returns the :func:`correlate` table plus ``missing`` (comma-separated labels of the units
    without the component or without ``x``) and ``n_missing``.
    """
    components = list(components)
    require_columns(df, [label])
    table = correlate(df, x, components, correlation=correlation, level=level)
    missing = [df.loc[df[[x, c]].isna().any(axis=1), label].astype(str).tolist() for c in components]
    table["missing"] = [", ".join(m) for m in missing]
    table["n_missing"] = [len(m) for m in missing]
    return table


def flag_implausible(
    df: pd.DataFrame, column: str, *, label: str = "iso3", low: float | None = None, high: float | None = None
) -> pd.DataFrame:
    """Rows whose ``column`` lies outside [low, high] (either bound optional): label, value, bound.

    Used to flag inputs such as China's S80/S20 of 28.3 (the World Bank's figure for China is
    about 10), so that headlines can be shown with and without them.
    """
    require_columns(df, [label, column])
    if low is None and high is None:
        raise ValueError("give low, high or both")
    values = df[column]
    out_low = values < low if low is not None else pd.Series(False, index=df.index)
    out_high = values > high if high is not None else pd.Series(False, index=df.index)
    flagged = df.loc[out_low | out_high, [label, column]].rename(columns={label: "label", column: "value"})
    flagged["bound"] = np.where(out_low[flagged.index], f"< {low}", f"> {high}")
    return flagged.reset_index(drop=True)


def leave_one_out(
    df: pd.DataFrame, x: str, ys, *, label: str = "iso3", correlation: str = "pearson", level: float = 0.95
) -> pd.DataFrame:
    """Correlations recomputed without each country in turn
    (:func:`kinship_research.methods.robustness.leave_one_out_table`).

    Returns
    -------
    DataFrame with one row per outcome and dropped country: x, outcome, dropped, r, ci_low,
    ci_high, p_value, n, change (r minus the full r) and full_r. Judge it with
    :func:`kinship_research.methods.robustness.effect_verdicts`, not by p crossing 0.05.
    """
    require_columns(df, [label])
    return leave_one_out_table(df, x, ys, label=label, correlation=correlation, level=level)


def exclude(
    df: pd.DataFrame,
    x: str,
    ys,
    *,
    groups=("usa", "japan", "singapore", "nordics"),
    label: str = "iso3",
    correlation: str = "pearson",
    level: float = 0.95,
) -> pd.DataFrame:
    """Correlations with named groups of countries removed (plus the full sample, ``none``).

    ``groups`` is a sequence of names in :data:`COUNTRY_GROUPS` or a mapping of group name to
    country codes in the ``label`` column.

    Returns
    -------
    DataFrame: excluded, removed (codes actually present and removed), x, outcome, r, ci_low,
    ci_high, p_value, n.
    """
    if label not in df.columns:
        raise KeyError(f"label column {label!r} not in data; available: {list(df.columns)}")
    if not isinstance(groups, Mapping):
        unknown = [g for g in _as_list(groups, "groups") if g not in COUNTRY_GROUPS]
        if unknown:
            raise KeyError(
                f"unknown country group(s) {unknown}; known: {list(COUNTRY_GROUPS)} "
                "(or pass a mapping of name to country codes)"
            )
        groups = {g: COUNTRY_GROUPS[g] for g in _as_list(groups, "groups")}
    tables = [correlate(df, x, ys, correlation=correlation, level=level).assign(excluded="none", removed="")]
    for name, codes in groups.items():
        drop = df[label].isin(list(codes))
        removed = ",".join(df.loc[drop, label].astype(str))
        tables.append(
            correlate(df[~drop], x, ys, correlation=correlation, level=level).assign(excluded=name, removed=removed)
        )
    out = pd.concat(tables, ignore_index=True)
    return out[["excluded", "removed", "x", "outcome", "r", "ci_low", "ci_high", "p_value", "n"]]


def alternative_measures(
    df: pd.DataFrame, xs: Sequence[str], ys, *, correlation: str = "pearson", level: float = 0.95
) -> pd.DataFrame:
    """The same correlations for several inequality measures (e.g. S80/S20 and Gini), stacked.

    Only countries with every measure are used, so differences come from the measure and not
    the sample.
    """
    xs = list(xs)
    if len(xs) < 2:
        raise ValueError("give at least two inequality measures to compare")
    require_columns(df, xs, numeric=True)
    common = df.dropna(subset=xs)
    return pd.concat([correlate(common, x, ys, correlation=correlation, level=level) for x in xs], ignore_index=True)


def compare_samples(
    samples: Mapping[str, pd.DataFrame], x: str, ys, *, correlation: str = "pearson", level: float = 0.95
) -> pd.DataFrame:
    """The same correlations in several country samples (e.g. the 23 vs all with data), stacked
    with a ``sample`` column."""
    if not samples:
        raise ValueError("give at least one named sample")
    tables = [
        correlate(frame, x, ys, correlation=correlation, level=level).assign(sample=name)
        for name, frame in samples.items()
    ]
    out = pd.concat(tables, ignore_index=True)
    return out[["sample", *[c for c in out.columns if c != "sample"]]]


@dataclass(frozen=True)
class IncomeAdjustment:
    """OLS of outcomes on inequality and (log) national income, with partial-regression data.

    ``coefficients``: outcome, term, estimate, std_error, ci_low, ci_high, p_value, n, cov_type.
    ``partial``: outcome, label, x_residual, y_residual -- residuals of inequality and of the
    outcome on the income control (Frisch-Waugh-Lovell: the slope of y_residual on x_residual
    equals the inequality coefficient).
    """

    coefficients: pd.DataFrame
    partial: pd.DataFrame

    def to_frame(self) -> pd.DataFrame:
        """The coefficient table."""
        return self.coefficients


def control_for_income(
    df: pd.DataFrame,
    x: str,
    ys,
    *,
    income: str,
    log_income: bool = True,
    label: str = "iso3",
    cov_type: str = "HC3",
    level: float = 0.95,
) -> IncomeAdjustment:
    r"""Regress each outcome on inequality and national income per head.

    .. math:: y_i = \beta_0 + \beta_1 x_i + \beta_2 \log(\mathrm{income}_i) + \varepsilon_i

    fitted by OLS (statsmodels) with heteroskedasticity-robust ``cov_type`` standard errors
    (HC3 by default, MacKinnon & White 1985, suited to small samples).

    References
    ----------
    Leigh, Jencks & Smeeding (2009). MacKinnon JG, White H (1985) J Econometrics 29:305-325.
    """
    import statsmodels.api as sm

    ys = _as_list(ys, "ys")
    require_columns(df, [x, income, *ys], numeric=True)
    if label not in df.columns:
        raise KeyError(f"label column {label!r} not in data; available: {list(df.columns)}")
    check_choice("cov_type", cov_type, ("nonrobust", "HC0", "HC1", "HC2", "HC3"))
    level = check_level(level)
    income_term = f"log_{income}" if log_income else income
    coefficients, partial = [], []
    for y in ys:
        data = df[[label, x, income, y]].dropna()
        if log_income and (data[income] <= 0).any():
            raise ValueError(f"{income} must be positive to take logs")
        if len(data) < 5:
            raise ValueError(f"{y}: too few complete rows ({len(data)}) for a regression with 2 predictors")
        control = np.log(data[income]) if log_income else data[income]
        exog = sm.add_constant(pd.DataFrame({x: data[x], income_term: control}), has_constant="add")
        if np.linalg.matrix_rank(exog.to_numpy(dtype=float)) < exog.shape[1]:
            raise ValueError(
                f"{y}: {x} and {income_term} are constant or collinear in the {len(data)} "
                "complete rows, so the income-adjusted slope is not identifiable"
            )
        fit = sm.OLS(data[y].astype(float), exog).fit(cov_type=cov_type)
        ci = fit.conf_int(alpha=1 - level)
        for term in exog.columns:
            coefficients.append(
                {
                    "outcome": y,
                    "term": term,
                    "estimate": fit.params[term],
                    "std_error": fit.bse[term],
                    "ci_low": ci.loc[term, 0],
                    "ci_high": ci.loc[term, 1],
                    "p_value": fit.pvalues[term],
                    "n": int(fit.nobs),
                    "cov_type": cov_type,
                }
            )
        control_only = sm.add_constant(control.rename(income_term))
        partial.append(
            pd.DataFrame(
                {
                    "outcome": y,
                    "label": data[label].to_numpy(),
                    "x_residual": sm.OLS(data[x].astype(float), control_only).fit().resid.to_numpy(),
                    "y_residual": sm.OLS(data[y].astype(float), control_only).fit().resid.to_numpy(),
                }
            )
        )
    return IncomeAdjustment(pd.DataFrame(coefficients), pd.concat(partial, ignore_index=True))
