"""The Preston curve: life expectancy against income per head across countries.

Preston SH (1975) The changing relation between mortality and level of economic development.
Population Studies 29:231-248. Among poor countries life expectancy rises steeply with income;
among rich ones the curve flattens, which is the starting point of The Spirit Level's argument
that beyond a threshold, distribution matters more than the average.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from kinship_research.methods.checks import check_level, check_positive_int, random_generator, require_columns

REQUIRED = ("country", "iso3", "year", "life_expectancy", "gdp_per_capita", "population")


def cross_section(df: pd.DataFrame, year: int, *, min_population: float = 0) -> pd.DataFrame:
    """Countries with life expectancy and GDP per head in ``year`` and population ≥ ``min_population``."""
    require_columns(df, REQUIRED, "the gapminder table")
    years = sorted(df.loc[df["gdp_per_capita"].notna(), "year"].unique())
    if year not in years:
        raise ValueError(f"no GDP data for year {year}; years with data: {years[0]}-{years[-1]}")
    out = df[(df["year"] == year) & (df["population"] >= min_population)]
    out = out.dropna(subset=["life_expectancy", "gdp_per_capita"]).copy()
    if len(out) < 10:
        raise ValueError(f"only {len(out)} countries in {year} with population ≥ {min_population}; need at least 10")
    out["log_gdp_per_capita"] = np.log(out["gdp_per_capita"])
    return out.reset_index(drop=True)


def log_income_fit(df: pd.DataFrame, group: str = "all", *, level: float = 0.95) -> dict:
    """OLS life_expectancy = a + b·ln(GDP per head) with an HC3 robust ``level`` CI for b.

    Returns group, slope b (years per one-unit rise in ln GDP, i.e. per e-fold income),
    slope_per_doubling = b·ln 2, its CI, intercept, r_squared and n.
    """
    import statsmodels.formula.api as smf

    level = check_level(level)
    if len(df) < 3:
        raise ValueError(f"group {group!r} has {len(df)} countries; a slope needs at least 3")
    fit = smf.ols("life_expectancy ~ log_gdp_per_capita", data=df).fit(cov_type="HC3")
    low, high = fit.conf_int(1 - level).loc["log_gdp_per_capita"]
    b = fit.params["log_gdp_per_capita"]
    return {
        "group": group,
        "slope": b,
        "ci_low": low,
        "ci_high": high,
        "slope_per_doubling": b * np.log(2),
        "ci_low_per_doubling": low * np.log(2),
        "ci_high_per_doubling": high * np.log(2),
        "p_value": fit.pvalues["log_gdp_per_capita"],
        "intercept": fit.params["Intercept"],
        "r_squared": fit.rsquared,
        "n": int(fit.nobs),
    }


def richest_vs_rest(df: pd.DataFrame, n_richest: int, *, level: float = 0.95) -> tuple[pd.DataFrame, dict]:
    """Slopes among the ``n_richest`` countries by GDP per head and among the rest, and their difference.

    The difference is the interaction coefficient in
    ``life_expectancy ~ ln(gdp) * richest`` (HC3 robust SE), with its ``level`` CI and p-value.
    """
    import statsmodels.formula.api as smf

    if not 3 <= n_richest <= len(df) - 3:
        raise ValueError(f"n_richest must be between 3 and {len(df) - 3} for {len(df)} countries; got {n_richest}")
    data = df.assign(richest=df["gdp_per_capita"].rank(ascending=False, method="first") <= n_richest)
    table = pd.DataFrame(
        [
            log_income_fit(data, "all countries", level=level),
            log_income_fit(data[data["richest"]], f"richest {n_richest}", level=level),
            log_income_fit(data[~data["richest"]], "the rest", level=level),
        ]
    )
    fit = smf.ols("life_expectancy ~ log_gdp_per_capita * richest", data=data).fit(cov_type="HC3")
    term = "log_gdp_per_capita:richest[T.True]"
    low, high = fit.conf_int(1 - level).loc[term]
    difference = {
        "difference": fit.params[term],
        "ci_low": low,
        "ci_high": high,
        "p_value": fit.pvalues[term],
        "n": int(fit.nobs),
    }
    return table, difference


def lowess_curve(
    df: pd.DataFrame,
    *,
    frac: float = 0.5,
    n_boot: int = 200,
    seed: int | None = None,
    grid_size: int = 100,
    level: float = 0.95,
) -> pd.DataFrame:
    """LOWESS of life expectancy on ln(GDP per head) on a grid, with a ``level`` bootstrap band.

    Countries are resampled with replacement ``n_boot`` times (Efron & Tibshirani 1993);
    the band is the central ``level`` range of the refitted curves at each grid point.
    """
    import statsmodels.api as sm

    level = check_level(level)
    check_positive_int("n_boot", n_boot, minimum=10)
    if not 0 < frac <= 1:
        raise ValueError(f"frac must be in (0, 1]; got {frac}")
    x, y = df["log_gdp_per_capita"].to_numpy(), df["life_expectancy"].to_numpy()
    grid = np.linspace(x.min(), x.max(), grid_size)
    fit = sm.nonparametric.lowess(y, x, frac=frac, xvals=grid)
    rng = random_generator(seed)
    boots = np.empty((n_boot, grid_size))
    for b in range(n_boot):
        i = rng.integers(0, len(x), len(x))
        boots[b] = sm.nonparametric.lowess(y[i], x[i], frac=frac, xvals=grid)
    tail = 50 * (1 - level)
    low, high = np.nanpercentile(boots, [tail, 100 - tail], axis=0)
    return pd.DataFrame({"gdp_per_capita": np.exp(grid), "fitted": fit, "ci_low": low, "ci_high": high})
