"""The Joint Economic Committee's Social Capital Project index (2018): states and counties.

The workbook's sheets have two header rows (a group label row and the column names); the column
names here are snake_case versions of the second row.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

STATE_INDEX = {
    "State-Level Index": "state_index",
    "Using County-Level Methods": "index_county_methods",
    "County-Population-Weighted Index": "index_county_weighted",
    "Family Unity": "family_unity",
    "Family Interaction": "family_interaction",
    "Social Support": "social_support",
    "Community Health": "community_health",
    "Institutional Health": "institutional_health",
    "Collective Efficacy": "collective_efficacy",
    "Philanthropic Health": "philanthropic_health",
}
STATE_BENCHMARKS = {
    "Putnam index": "putnam_index",
    "SCP version of Penn State index": "penn_state_index",
    "Gini coefficient": "gini_acs",
    "Ratio of 80th to 20th percentile of hh income": "p80_p20",
    "Median household income": "median_household_income_usd",
    "Poverty rate": "poverty_pct",
    "% in fair or poor health": "fair_poor_health_pct",
    "Premature mortality rate": "premature_mortality",
    'Mortality rate from "deaths of despair"': "deaths_of_despair",
    "% obese": "obese_pct",
    "% who smoke": "smoke_pct",
    "% black": "black_pct",
    "Incarcerated p 100,000": "incarcerated_rate",
    "Population": "population",
}
COUNTY_INDEX = {
    "County-Level Index": "county_index",
    "Requiring all 4 Subindices": "index_all_subindices",
    "Excluding Collective Efficacy": "index_without_collective_efficacy",
    "Family Unity": "family_unity",
    "Community Health": "community_health",
    "Institutional Health": "institutional_health",
    "Collective Efficacy": "collective_efficacy",
}


def _sheet(path: Path, sheet: str, columns: dict[str, str], ids: dict[str, str]) -> pd.DataFrame:
    raw = pd.read_excel(path, sheet_name=sheet, header=2, dtype={"FIPS Code": str})
    missing = [c for c in [*ids, *columns] if c not in raw.columns]
    if missing:
        raise ValueError(f"{path.name} sheet {sheet!r}: columns {missing} not found")
    out = raw[[*ids, *columns]].rename(columns={**ids, **columns})
    return out.dropna(subset=[next(iter(ids.values()))]).reset_index(drop=True)


def states(path: Path, entry) -> pd.DataFrame:
    """50 states and DC: the state social capital index, its two alternatives, seven subindices,
    and (from the Benchmarks sheet) Putnam's index (48 states), the Penn State index and the
    inequality, health and demographic benchmarks named in :data:`STATE_BENCHMARKS`."""
    ids = {"FIPS Code": "state_fips", "State": "state", "State Abbreviation": "state_abbr"}
    index = _sheet(path, "State Index", STATE_INDEX, ids)
    bench = _sheet(path, "State Benchmarks", STATE_BENCHMARKS, {"FIPS Code": "state_fips"})
    out = index.merge(bench, on="state_fips", how="left", validate="one_to_one")
    out["state_fips"] = out["state_fips"].str.zfill(2)
    for column in [*STATE_INDEX.values(), *STATE_BENCHMARKS.values()]:
        out[column] = pd.to_numeric(out[column], errors="coerce")
    return out


def counties(path: Path, entry) -> pd.DataFrame:
    """About 3,140 counties: the county index, two alternatives and four subindices."""
    ids = {"FIPS Code": "county_fips", "County": "county", "State Abbreviation": "state_abbr"}
    out = _sheet(path, "County Index", COUNTY_INDEX, ids)
    out["county_fips"] = out["county_fips"].str.zfill(5)
    out.insert(1, "state_fips", out["county_fips"].str[:2])
    for column in COUNTY_INDEX.values():
        out[column] = pd.to_numeric(out[column], errors="coerce")
    return out
