"""Loaders for country-year panels (one row per country and year).

Every table carries ``iso3`` (ISO 3166-1 alpha-3 from :mod:`kinship_research.data.codes`) and
``year``. Units without a code (historical states, names the code table does not know) keep
``iso3`` missing rather than being dropped, so the sample builder in
:mod:`kinship_research.studies.inequality_panel` can list them.

* ``swiid_summary`` -- SWIID 9.92 Gini indices with standard errors (Solt 2020).
* ``gapminder_life_expectancy`` -- Gapminder life expectancy at birth; years after
  :data:`LAST_OBSERVED_YEAR` are UN projections and are dropped here.
* ``gapminder_infant_mortality`` -- Gapminder infant mortality per 1,000 births (to 2015).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from kinship_research.data.codes import to_iso3

LAST_OBSERVED_YEAR = 2019
"""Last year of Gapminder's long panels kept: later values are projections, not observations."""

SWIID_COLUMNS = [
    "country",
    "year",
    "gini_disp",
    "gini_disp_se",
    "gini_mkt",
    "gini_mkt_se",
    "abs_red",
    "abs_red_se",
    "rel_red",
    "rel_red_se",
]


def _check_columns(raw: pd.DataFrame, expected: list[str], path: Path) -> None:
    if list(raw.columns) != expected:
        raise ValueError(f"{path.name}: expected columns {expected}, found {list(raw.columns)}")


def swiid_summary(path: Path, entry) -> pd.DataFrame:
    """SWIID summary: Gini of disposable and market income (0-100) with standard errors."""
    raw = pd.read_csv(path)
    _check_columns(raw, SWIID_COLUMNS, path)
    raw["country"] = raw["country"].astype("string")
    raw.insert(0, "iso3", pd.array(to_iso3(raw["country"]), dtype="string"))
    raw["year"] = raw["year"].astype(int)
    return raw.reset_index(drop=True)


def _gapminder_long(path: Path, value: str, name: str) -> pd.DataFrame:
    raw = pd.read_csv(path)
    _check_columns(raw, ["geo", "time", value], path)
    raw = raw[raw["time"] <= LAST_OBSERVED_YEAR]
    return pd.DataFrame(
        {
            "iso3": pd.array(to_iso3(raw["geo"]), dtype="string"),
            "geo": raw["geo"].astype("string"),
            "year": raw["time"].astype(int),
            name: raw[value].astype(float),
        }
    ).reset_index(drop=True)


def gapminder_life_expectancy(path: Path, entry) -> pd.DataFrame:
    """Gapminder life expectancy at birth (years), observed years only (to 2019)."""
    return _gapminder_long(path, "life_expectancy_years", "life_expectancy")


def gapminder_infant_mortality(path: Path, entry) -> pd.DataFrame:
    """Gapminder infant deaths per 1,000 live births (to 2015)."""
    return _gapminder_long(path, "infant_mortality_rate_per_1000_births", "infant_mortality")
