"""The Equality Trust's Spirit Level data: the international sheet (23 rich countries, all 29
columns), the US-state sheet (50 states, household-income Gini 1999) and their codebooks.

The CSV files are C. Webb's conversions of the Equality Trust spreadsheets (``NA`` marks a
missing value). Column names are kept; US-state abbreviations become ``state_abbr`` and two-digit
``state_fips`` is added, countries get ``iso3``.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from kinship_research.data.codes import require_iso3, with_state_codes


def international(path: Path, entry) -> pd.DataFrame:
    """23 countries: S80/S20 inequality, the ten index components, the published index and others."""
    raw = pd.read_csv(path, na_values=["NA"])
    if "country" not in raw.columns or len(raw) != 23:
        raise ValueError(f"{path.name}: expected 23 countries with a 'country' column, got {raw.shape}")
    raw.insert(0, "iso3", require_iso3(raw["country"], entry.id))
    return raw


def us_states(path: Path, entry) -> pd.DataFrame:
    """50 US states: household-income Gini (1999), the state index components and the index."""
    raw = pd.read_csv(path, na_values=["NA"]).rename(columns={"state_abbrev": "state_abbr"})
    if len(raw) != 50:
        raise ValueError(f"{path.name}: expected 50 states, got {len(raw)} rows")
    out = with_state_codes(raw)
    if not (out["state_abbr"] == raw["state_abbr"]).all():
        raise ValueError(f"{path.name}: state names and abbreviations disagree")
    return out[["state", "state_abbr", "state_fips", *[c for c in raw.columns if c not in ("state", "state_abbr")]]]


def codebook(path: Path, entry) -> pd.DataFrame:
    """One row per documented variable: variable, measure, description (and source where given);
    the codebook's notes (rows without a variable name) are kept with an empty variable."""
    raw = pd.read_excel(path, sheet_name=0, dtype=str)
    names = {raw.columns[0]: "variable", raw.columns[1]: "measure", raw.columns[2]: "description"}
    if len(raw.columns) > 3:
        names[raw.columns[3]] = "source"
    out = raw.rename(columns=names)
    out = out.dropna(how="all").reset_index(drop=True)
    return out.reindex(columns=["variable", "measure", "description", "source"])
