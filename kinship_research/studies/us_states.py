"""Income inequality across US states from county data (between-county Gini within each state).

No within-state household income distribution ships offline for named states (state.x77 has none;
MASS UScrime's ``Ineq`` is for 47 anonymous states). The County Health Rankings 2011 file gives each
county's median household income and population; the population-weighted Gini of county medians
within a state,

    G_s = sum_i sum_j w_i w_j |x_i - x_j| / (2 (sum_i w_i)^2 mean_w(x)),

measures how unequal a state's counties are. It is NOT the household Gini (it ignores inequality
inside counties and is far smaller, typically 0.05-0.15 against ~0.45 for households), so it is a
proxy for geographic income dispersion, not for the income distribution the Spirit Level uses.
The current household Gini comes from the Census ACS API (:mod:`kinship_research.data.census_api`).

References
----------
Lerman RI, Yitzhaki S (1989) Improving the accuracy of estimates of Gini coefficients. J Econometrics 42:43-47.
County Health Rankings & Roadmaps (2011), University of Wisconsin Population Health Institute.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from kinship_research.methods.inequality import gini_ci


def between_county_gini(
    counties: pd.DataFrame,
    value: str = "median_household_income_usd",
    weight: str = "population",
    n_boot: int = 500,
    seed: int = 0,
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
    rng = np.random.default_rng(seed)
    rows = []
    for (state, abbr, fips), group in counties.groupby(["state", "state_abbr", "state_fips"], sort=True):
        complete = group[[value, weight]].dropna()
        if len(complete) < 2:
            continue
        interval = gini_ci(complete[value].to_numpy(float), complete[weight].to_numpy(float), n_boot=n_boot,
                           seed=int(rng.integers(1 << 31)), level=level)
        rows.append({"state": state, "state_abbr": abbr, "state_fips": fips, "gini": interval.estimate,
                     "ci_low": interval.ci_low, "ci_high": interval.ci_high, "n_counties": interval.n,
                     "n_missing": len(group) - len(complete), "confidence_level": level})
    return pd.DataFrame(rows)
