"""Inequality and health across US states: the Spirit Level's state analysis and a second measure.

The Equality Trust US file gives each state's household-income Gini (Census, 1999), the nine state
components of the Index of Health and Social Problems (:data:`STATE_COMPONENTS`; the state index
has no social-mobility item) and the published index. :func:`state_index` rebuilds the index,
:func:`named_states` sets out the book's comparison (Utah and New Hampshire against California and
Mississippi) and :func:`race_control` repeats Deaton & Lubotsky's (2003) check: does the Gini
coefficient survive control for the share of Black residents?

As a labelled second measure only, the County Health Rankings 2011 file gives each
county's median household income and population; the population-weighted Gini of county medians
within a state,

    G_s = sum_i sum_j w_i w_j |x_i - x_j| / (2 (sum_i w_i)^2 mean_w(x)),

measures how unequal a state's counties are. It is NOT the household Gini (it ignores inequality
inside counties and is far smaller, typically 0.05-0.15 against ~0.45 for households), so it is a
proxy for geographic income dispersion, not for the income distribution the Spirit Level uses.
The current household Gini comes from the Census ACS API (:mod:`kinship_research.data.census_api`).

References
----------
Wilkinson R, Pickett K (2009) The Spirit Level, ch. 2 and Appendix. Allen Lane.
Deaton A, Lubotsky D (2003) Mortality, inequality and race in American cities and states. Soc Sci
Med 56:1139-1153.
Lerman RI, Yitzhaki S (1989) Improving the accuracy of estimates of Gini coefficients. J Econometrics 42:43-47.
County Health Rankings & Roadmaps (2011), University of Wisconsin Population Health Institute.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from kinship_research.methods.checks import check_level, random_generator, require_columns
from kinship_research.methods.inequality import gini_ci

STATE_COMPONENTS: dict[str, tuple[str, bool]] = {
    "life_expectancy": ("Life expectancy at birth, 2000 (years)", False),
    "maths_and_literacy_scores": ("Maths and literacy, NAEP grade 8, 2003 (mean score)", False),
    "infant_mortality": ("Infant mortality, 2002 (per 1,000 live births)", True),
    "homicides": ("Homicides, 1999 (per million)", True),
    "imprisonment": ("Imprisonment, 1997-8 (per 100,000)", True),
    "teenage_births": ("Teenage births, 2000 (per 1,000 women 15-19)", True),
    "trust": ("Trust, GSS 1999 (% most people can be trusted)", False),
    "obesity": ("Obesity, 1999-2002 (% of adults)", True),
    "mental_health": ("Poor mental health days per month, 1993-2001", True),
}
"""The nine state components (Equality Trust US file names): label with units, higher-is-worse."""

NAMED_STATES = ("UT", "NH", "CA", "MS")
"""The states the book contrasts: equal Utah and New Hampshire, unequal California and Mississippi."""


def state_index(states: pd.DataFrame, *, min_components: int = 8) -> pd.DataFrame:
    """The state Index of Health and Social Problems rebuilt from :data:`STATE_COMPONENTS`
    (:func:`kinship_research.studies.spirit_level.ten_item_index`): every state has 8 or 9 of the
    9 components (trust is missing for 9 states, homicides for Wyoming)."""
    from kinship_research.studies.spirit_level import ten_item_index

    return ten_item_index(states, STATE_COMPONENTS, min_components=min_components)


def named_states(states: pd.DataFrame, columns, *, names=NAMED_STATES, label: str = "state_abbr") -> pd.DataFrame:
    """Rows of ``states`` for the named states (in the given order), with ``columns`` and each
    value's rank among all states (1 = highest), as columns ``<column>_rank``."""
    columns = [columns] if isinstance(columns, str) else list(columns)
    require_columns(states, [label, *columns])
    absent = [n for n in names if n not in set(states[label])]
    if absent:
        raise KeyError(f"states {absent} not in column {label!r}")
    ranked = states[[label, *columns]].copy()
    for c in columns:
        ranked[f"{c}_rank"] = ranked[c].rank(ascending=False, method="min").astype("Int64")
    return ranked.set_index(label).loc[list(names)].reset_index()


def race_control(
    states: pd.DataFrame, outcomes, *, inequality: str, black: str, cov_type: str = "HC3", level: float = 0.95
) -> pd.DataFrame:
    r"""The inequality coefficient of each outcome without and with the share of Black residents.

    OLS :math:`y = a + b\,\mathrm{Gini} (+ c\,\mathrm{black})` on the states complete for both
    models (so the two differ only by the control), ``cov_type`` standard errors. Returns one row
    per outcome and model: outcome, model ("Gini only", "Gini + share Black"), term, estimate,
    std_error, ci_low, ci_high, p_value, n, r_squared, cov_type, and the share-Black coefficient in
    ``black_estimate``/``black_ci_low``/``black_ci_high``.
    """
    from kinship_research.methods.regression import fit_ols

    level = check_level(level)
    outcomes = [outcomes] if isinstance(outcomes, str) else list(outcomes)
    require_columns(states, [inequality, black, *outcomes], numeric=True)
    rows = []
    for y in outcomes:
        data = states[[y, inequality, black]].dropna()
        for model, predictors in (("Gini only", [inequality]), ("Gini + share Black", [inequality, black])):
            table = fit_ols(data, y, predictors, cov_types=(cov_type,)).to_frame(level=level).set_index("term")
            row = table.loc[inequality]
            extra = table.loc[black] if black in predictors else None
            rows.append(
                {
                    "outcome": y,
                    "model": model,
                    "term": inequality,
                    "estimate": row["estimate"],
                    "std_error": row["std_error"],
                    "ci_low": row["ci_low"],
                    "ci_high": row["ci_high"],
                    "p_value": row["p_value"],
                    "n": int(row["n"]),
                    "r_squared": row["r_squared"],
                    "cov_type": cov_type,
                    "black_estimate": np.nan if extra is None else extra["estimate"],
                    "black_ci_low": np.nan if extra is None else extra["ci_low"],
                    "black_ci_high": np.nan if extra is None else extra["ci_high"],
                }
            )
    return pd.DataFrame(rows)


def between_county_gini(
    counties: pd.DataFrame,
    *,
    value: str = "median_household_income_usd",
    weight: str = "population",
    n_boot: int = 500,
    seed=None,
    level: float = 0.95,
) -> pd.DataFrame:
    """Population-weighted Gini of county ``value`` within each state, with a bootstrap CI
    (counties resampled with their weights; :func:`kinship_research.methods.inequality.gini_ci`).

    Parameters
    ----------
    counties : one row per county with ``state``, ``state_abbr``, ``state_fips``, ``value`` and
        ``weight``; if a ``level`` column is present only rows with level "county" are used.

    Returns
    -------
    One row per state with at least 2 complete counties: state, state_abbr, state_fips, gini,
    ci_low, ci_high, n_counties, n_missing (counties without value or weight), confidence_level.
    """
    needed = ["state", "state_abbr", "state_fips", value, weight]
    absent = [c for c in needed if c not in counties.columns]
    if absent:
        raise KeyError(f"columns {absent} not in counties; available: {', '.join(map(str, counties.columns))}")
    if "level" in counties.columns:
        counties = counties[counties["level"] == "county"]
    if counties.empty:
        raise ValueError("no county rows to compute a between-county Gini from")
    rng = random_generator(seed)
    rows = []
    for (state, abbr, fips), group in counties.groupby(["state", "state_abbr", "state_fips"], sort=True):
        complete = group[[value, weight]].dropna()
        if len(complete) < 2:
            continue
        interval = gini_ci(
            complete[value].to_numpy(float),
            weights=complete[weight].to_numpy(float),
            n_boot=n_boot,
            seed=int(rng.integers(1 << 31)),
            level=level,
        )
        rows.append(
            {
                "state": state,
                "state_abbr": abbr,
                "state_fips": fips,
                "gini": interval.estimate,
                "ci_low": interval.ci_low,
                "ci_high": interval.ci_high,
                "n_counties": interval.n,
                "n_missing": len(group) - len(complete),
                "confidence_level": level,
            }
        )
    return pd.DataFrame(rows)
