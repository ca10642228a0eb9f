"""Social capital, inequality and health across US states: Kawachi et al. (1997) and Putnam (2000).

Kawachi, Kennedy, Lochner & Prothrow-Stith (1997) correlated state trust (% agreeing "most people
can be trusted", GSS 1986-90, 39 states) with age-adjusted mortality (r = -0.79 for total
mortality) and argued that income inequality raises mortality through lost social capital.
Their GSS state identifiers are restricted-use, so their exact trust series cannot be rebuilt
from public data; the Equality Trust US file carries GSS 1999 trust for 41 states, and life
expectancy and infant mortality for the same period, which is the public analogue used here.
Putnam's (2000) state social capital index (Bowling Alone, 48 states) and the Joint Economic
Committee's 2018 index and sub-indices come from the JEC workbook, with its 2016-era health and
inequality benchmarks.

:func:`merge_states` joins the two files on state FIPS; :func:`kawachi_correlations` and
:func:`index_correlations` return tidy correlation tables naming the states each drops;
:func:`trust_mediation` runs inequality -> trust -> health through
:func:`kinship_research.methods.mediation.mediation`.

References
----------
Kawachi I, Kennedy BP, Lochner K, Prothrow-Stith D (1997) Social capital, income inequality, and
mortality. Am J Public Health 87:1491-1498.
Putnam RD (2000) Bowling Alone. Simon & Schuster, ch. 16.
U.S. Congress Joint Economic Committee (2018) The Geography of Social Capital in America.
"""

from __future__ import annotations

import pandas as pd

from kinship_research.methods.checks import require_columns
from kinship_research.methods.correlation import correlate

KAWACHI_PUBLISHED = {"total_mortality_r": -0.79, "n_states": 39}
"""Kawachi et al. (1997), Table 2: trust vs age-adjusted total mortality across 39 states."""

JEC_INDICES = {
    "state_index": "JEC state social capital index (2018)",
    "putnam_index": "Putnam's state social capital index (Bowling Alone)",
    "family_unity": "JEC sub-index: family unity",
    "family_interaction": "JEC sub-index: family interaction",
    "social_support": "JEC sub-index: social support",
    "community_health": "JEC sub-index: community health",
    "institutional_health": "JEC sub-index: institutional health",
    "collective_efficacy": "JEC sub-index: collective efficacy",
    "philanthropic_health": "JEC sub-index: philanthropic health",
}
"""Social capital measures in the JEC workbook (higher = more social capital)."""

JEC_HEALTH = {
    "premature_mortality": "Premature deaths before 75 per 100,000 (age-adjusted)",
    "fair_poor_health_pct": "Adults in fair or poor health (%)",
    "deaths_of_despair": "Deaths of despair per 100,000",
}
"""State health outcomes among the JEC benchmarks (higher = worse)."""


def _correlations(df: pd.DataFrame, x: str, ys, *, label: str, correlation: str, level: float) -> pd.DataFrame:
    ys = [ys] if isinstance(ys, str) else list(ys)
    require_columns(df, [label, x, *ys])
    table = correlate(df, x, ys, correlation=correlation, level=level)
    table["missing"] = [", ".join(df.loc[df[[x, y]].isna().any(axis=1), label].astype(str)) for y in ys]
    return table


def merge_states(equality_trust: pd.DataFrame, jec: pd.DataFrame) -> pd.DataFrame:
    """The Equality Trust state file joined with the JEC state table on ``state_fips`` (50 states;
    DC, in the JEC table only, is dropped because the Equality Trust file has no DC row)."""
    require_columns(equality_trust, ["state_fips", "state_abbr"])
    require_columns(jec, ["state_fips"])
    right = jec.drop(columns=[c for c in ("state", "state_abbr") if c in jec.columns])
    return equality_trust.merge(right, on="state_fips", how="left", validate="one_to_one")


def kawachi_correlations(
    states: pd.DataFrame,
    outcomes,
    *,
    trust: str = "trust",
    label: str = "state_abbr",
    correlation: str = "pearson",
    level: float = 0.95,
) -> pd.DataFrame:
    """Trust against each state outcome (r, CI, p, n) with the states each correlation drops."""
    return _correlations(states, trust, outcomes, label=label, correlation=correlation, level=level)


def index_correlations(
    states: pd.DataFrame,
    indices,
    targets,
    *,
    label: str = "state_abbr",
    correlation: str = "pearson",
    level: float = 0.95,
) -> pd.DataFrame:
    """Every social capital index against every target (health outcomes, inequality), stacked:
    x (the index), outcome (the target), r, ci_low, ci_high, p_value, n, missing."""
    indices = [indices] if isinstance(indices, str) else list(indices)
    return pd.concat(
        [_correlations(states, i, targets, label=label, correlation=correlation, level=level) for i in indices],
        ignore_index=True,
    )


def trust_mediation(
    states: pd.DataFrame,
    outcome: str,
    *,
    inequality: str = "income_inequality",
    trust: str = "trust",
    n_boot: int = 2000,
    level: float = 0.95,
    seed=None,
):
    """Inequality -> trust -> ``outcome`` across the states with all three (product of
    coefficients, bootstrap CIs; :func:`kinship_research.methods.mediation.mediation`)."""
    from kinship_research.methods.mediation import mediation

    return mediation(states, inequality, trust, outcome, n_boot=n_boot, level=level, seed=seed)
