"""Loaders for social-capital data: the GSS 1985 core discussion network and County Health Rankings 2011.

GSS 1985 files (Smith, Integrated Network Science, recoded from the NORC GSS 1985 network module)
-----------------------------------------------------------------------------------------------
The distributed CSVs have already turned the GSS missing-value codes (8 = don't know, 9 = no answer,
0 = inapplicable in the original NORC coding) into the literal string ``"NA"``; that string is the
only missing code and is read as missing here. Other conventions of the files, kept as documented:

* ``NUMGIVEN`` (number of people named as discussion partners) is top-coded: 6 means "6 or more".
  Details were collected for at most the first five alters, so the alter file has at most 5 rows
  per respondent.
* ``AGE`` 89 means "89 or older" (GSS top code).
* Alter ``EDUC`` is the midpoint in years of the GSS alter-education category (3.5 = under 8
  years ... 18 = graduate school).
* Alter-alter ties: the GSS asked whether each pair of the first five alters were "total
  strangers" (no row in the file), "know each other" (weight 1) or "especially close" (weight 2;
  verified against the NORC marginal counts of ``CLOSE24``: 187 especially close, 237 know each
  other). A pair with a missing answer is also absent, so it cannot be told apart from strangers.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from kinship_research.data.codes import STATES

GSS_MISSING = "NA"
"""The only missing-value code in the GSS 1985 network files (see the module docstring)."""

HAPPINESS_LABELS = {1: "very happy", 2: "pretty happy", 3: "not too happy"}
HEALTH_LABELS = {1: "excellent", 2: "good", 3: "fair", 4: "poor"}
TALK_FREQUENCY_LABELS = {1: "almost daily", 2: "at least weekly", 3: "at least monthly", 4: "less than monthly"}


def _read_gss(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, na_values=[GSS_MISSING], keep_default_na=False)


def _race(series: pd.Series) -> pd.Series:
    # 13 Asian and 12 "other" respondents are too few for a separate category in models.
    return series.replace({"asian": "other"}).astype("string")


def gss1985_ego(path: Path, entry) -> pd.DataFrame:
    """Respondents of the GSS 1985 network module, one row per respondent (1534 rows).

    Ordinal outcomes are kept as their GSS codes (``happy``: 1 very happy .. 3 not too happy;
    ``health``: 1 excellent .. 4 poor) with nullable integer dtype; missing codes become <NA>.
    """
    raw = _read_gss(path)
    return pd.DataFrame(
        {
            "case_id": raw["CASEID"].astype("int64"),
            "age": raw["AGE"].astype("Int64"),
            "education_years": raw["EDUC"].astype("Int64"),
            "race": raw["RACE"].astype("string"),
            "race_group": _race(raw["RACE"]),
            "sex": raw["SEX"].astype("string"),
            "religion": raw["RELIG"].astype("string"),
            "n_confidants": raw["NUMGIVEN"].astype("Int64"),
            "happy": raw["HAPPY"].astype("Int64"),
            "health": raw["HEALTH"].astype("Int64"),
            "party_id": raw["PARTYID"].astype("Int64"),
            "weight": raw["WTSSALL"].astype(float),
        }
    )


def gss1985_alter(path: Path, entry) -> pd.DataFrame:
    """Named discussion partners (alters), one row per respondent-alter pair (4483 rows).

    ``spouse`` and ``kin`` are nullable booleans (GSS SPOUSE 1 yes / 2 no; KIN 1 yes / 0 no).
    """
    raw = _read_gss(path)
    spouse = raw["SPOUSE"].map({1: True, 2: False}).astype("boolean")
    return pd.DataFrame(
        {
            "case_id": raw["CASEID"].astype("int64"),
            "alter_id": raw["ALTERID"].astype("int64"),
            "age": raw["AGE"].astype("Int64"),
            "education_years": raw["EDUC"].astype("Float64"),
            "race": raw["RACE"].astype("string"),
            "sex": raw["SEX"].astype("string"),
            "religion": raw["RELIG"].astype("string"),
            "talk_frequency": raw["TALKTO"].astype("Int64"),
            "spouse": spouse,
            "kin": raw["KIN"].map({1: True, 0: False}).astype("boolean"),
        }
    )


def gss1985_alteralter(path: Path, entry) -> pd.DataFrame:
    """Ties among a respondent's first five alters, one row per pair that are not strangers (4880 rows).

    ``especially_close`` is True for GSS code "especially close" (file weight 2), False for
    "know each other" (weight 1).
    """
    raw = _read_gss(path)
    unknown = sorted(set(raw["WEIGHT"].dropna().unique()) - {1, 2})
    if unknown:
        raise ValueError(f"{entry.id}: unexpected alter-alter tie codes {unknown}; allowed: 1, 2")
    return pd.DataFrame(
        {
            "case_id": raw["CASEID"].astype("int64"),
            "alter1": raw["ALTER1"].astype("int64"),
            "alter2": raw["ALTER2"].astype("int64"),
            "especially_close": raw["WEIGHT"].eq(2),
        }
    )


# County Health Rankings 2011: column in the analytic file -> (tidy name, factor to the tidy unit).
COUNTY_MEASURES = {
    "Premature death raw value": ("premature_death_ypll", 1.0),
    "Poor or fair health raw value": ("poor_fair_health_pct", 100.0),
    "Poor physical health days raw value": ("poor_physical_health_days", 1.0),
    "Poor mental health days raw value": ("poor_mental_health_days", 1.0),
    "Inadequate social support raw value": ("inadequate_social_support_pct", 100.0),
    "Inadequate social support denominator": ("inadequate_social_support_respondents", 1.0),
    "Children in single-parent households raw value": ("single_parent_households_pct", 100.0),
    "Children in poverty raw value": ("children_in_poverty_pct", 100.0),
    "Median household income raw value": ("median_household_income_usd", 1.0),
    "Unemployment raw value": ("unemployment_pct", 100.0),
    "Some college raw value": ("some_college_pct", 100.0),
    "Adult smoking raw value": ("adult_smoking_pct", 100.0),
    "% Rural raw value": ("rural_pct", 100.0),
    "% Non-Hispanic African American raw value": ("black_non_hispanic_pct", 100.0),
    "Population raw value": ("population", 1.0),
}


def county_health_2011(path: Path, entry) -> pd.DataFrame:
    """County Health Rankings 2011, one row per US county plus flagged summary rows.

    The analytic file's second line repeats the header as short codes (``statecode``, ``v001_rawvalue``
    ...) and is skipped. The file also holds one national row (FIPS 00000) and one row per state
    (county code 000); they are kept and flagged by ``level`` ("nation", "state", "county") so
    that county analyses must select ``level == "county"`` explicitly. Proportions are converted to
    percent. Missing values are empty cells in the file (suppressed or unreliable estimates).
    """
    raw = pd.read_csv(path, dtype=str, keep_default_na=False, skiprows=[1])
    missing = sorted(set(COUNTY_MEASURES) - set(raw.columns))
    if missing:
        raise ValueError(f"{entry.id}: columns {missing} not found in {path.name}")
    county_code = raw["County FIPS Code"]
    level = np.where(raw["State FIPS Code"].eq("00"), "nation", np.where(county_code.eq("000"), "state", "county"))
    states = STATES.set_index("state_fips")
    state_fips = raw["State FIPS Code"].where(level != "nation")
    unknown = sorted(set(state_fips.dropna()) - set(states.index))
    if unknown:
        raise ValueError(f"{entry.id}: unknown state FIPS codes {unknown}")
    out = pd.DataFrame(
        {
            "level": pd.Series(level, dtype="string"),
            "state": state_fips.map(states["state"]).astype("string"),
            "state_abbr": raw["State Abbreviation"].where(level != "nation").astype("string"),
            "state_fips": state_fips.astype("string"),
            "county_fips": raw["5-digit FIPS Code"].where(level == "county").astype("string"),
            "county": raw["Name"].where(level == "county").astype("string"),
            "county_ranked": raw["County Ranked (Yes=1/No=0)"].map({"1": True, "0": False}).astype("boolean"),
        }
    )
    mismatch = out["state_abbr"].notna() & out["state_abbr"].ne(out["state_fips"].map(states["state_abbr"]))
    if mismatch.any():
        raise ValueError(f"{entry.id}: state abbreviations disagree with FIPS codes in {int(mismatch.sum())} rows")
    for column, (name, factor) in COUNTY_MEASURES.items():
        out[name] = pd.to_numeric(raw[column].replace("", None)).astype(float) * factor
    return out
