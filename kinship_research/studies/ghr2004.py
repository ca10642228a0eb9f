"""Cross-national health models: the Ghobarah, Huth & Russett (2004) HALE equation.

Ghobarah, Huth & Russett (2004, Table III) regress healthy life expectancy (HALE, years, WHO 1999)
on (log) total health expenditure, urban growth, the Gini index, (log) Vanhanen
racial-linguistic-religious heterogeneity, (log) education, civil-war deaths and a civil war in a
contiguous country, by OLS over ~180 countries. The functions here fit that model (or any OLS
given by outcome and predictor names, through :mod:`kinship_research.methods.regression`) and
return tidy tables with classical and
heteroskedasticity-robust (HC1, HC3) standard errors, confidence intervals, N and R².

References
----------
Ghobarah HA, Huth P, Russett B (2004) Comparative public health: the political economy of human
misery and well-being. International Studies Quarterly 48:73-94.
MacKinnon JG, White H (1985) Some heteroskedasticity-consistent covariance matrix estimators with
improved finite sample properties. Journal of Econometrics 29:305-325.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from kinship_research.methods.checks import check_finite
from kinship_research.methods.regression import OLSFit, fit_ols

HALE_OUTCOME = "hale"
HALE_PREDICTORS = (
    "totexphlth",
    "urban_growth",
    "gini",
    "log_vanhanen",
    "log_educ",
    "cwdeaths",
    "contig_cw",
)
"""Predictors of GHR (2004) Table III in the stevedata ``GHR04`` names (ethnic heterogeneity is
``log_vanhanen``; ``rivalry`` belongs to their public-expenditure equation, Table I)."""


def hale_model(
    ghr: pd.DataFrame,
    *,
    min_log_gdppc: float | None = None,
    cov_types: Sequence[str] = ("nonrobust", "HC1", "HC3"),
) -> OLSFit:
    """GHR (2004) Table III: HALE on health spending, urban growth, Gini, heterogeneity, education,
    civil-war deaths and contiguous civil war (OLS).

    Parameters
    ----------
    ghr : the ``ghr04`` table (stevedata GHR04 column names).
    min_log_gdppc : if given, keep only countries with ``log_gdppc >= min_log_gdppc`` (e.g.
        ``np.log(10_000)`` for the rich-country robustness check); countries without GDP are dropped.
        Predictors constant in the subset (no civil-war deaths among rich countries) are left out
        and listed in ``OLSFit.dropped``.
    """
    if min_log_gdppc is not None:
        if "log_gdppc" not in ghr.columns:
            raise KeyError("min_log_gdppc needs a log_gdppc column (log GDP per capita)")
        check_finite("min_log_gdppc", min_log_gdppc)
        ghr = ghr[ghr["log_gdppc"] >= min_log_gdppc]
    return fit_ols(ghr, HALE_OUTCOME, HALE_PREDICTORS, cov_types=cov_types, drop_constant=min_log_gdppc is not None)
