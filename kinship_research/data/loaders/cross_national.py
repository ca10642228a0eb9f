"""Loaders for country-level inequality, trust and health tables (one row per country).

Every table carries ``iso3`` (ISO 3166-1 alpha-3) and ``country``; a row whose country has no
ISO3 code is an error, not a silent drop.

* ``pickett2009`` -- the 23 rich countries of The Spirit Level (Wilkinson & Pickett 2009);
  ``Imprisonment (log)`` in the file is the natural log of prisoners per 100,000 people
  (exp gives the USA 576 per 100,000, the book's figure).
* ``pickett2024`` -- trust and inequality for 43 countries, The Spirit Level at 15 (SPSS).
* ``trust_inequality`` -- trust (WVS7/EVS 2017), World Bank GDP, population and income shares
  for 89 countries (Stata); ISO3 codes come from the file's ISO 3166 alpha-2 codes.
* ``qog_cs_jan20`` -- the Quality of Government standard cross-section (January 2020), kept
  wide with QoG's own lower-case variable names.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from kinship_research.data.codes import require_iso3


def _first(df: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """``iso3`` and ``country`` first, then the other columns in the given order."""
    return df[["iso3", "country", *columns]].reset_index(drop=True)


def pickett2009(path: Path, entry) -> pd.DataFrame:
    """The Spirit Level international data (23 rich countries, Wilkinson & Pickett 2009)."""
    raw = pd.read_csv(path)
    expected = ["Country", "S80S20", "Trust", "Life expectancy", "Infant mortality", "Homicides", "Imprisonment (log)"]
    if list(raw.columns) != expected:
        raise ValueError(f"{path.name}: expected columns {expected}, found {list(raw.columns)}")
    df = pd.DataFrame(
        {
            "country": raw["Country"].astype("string"),
            "s80_s20": raw["S80S20"],
            "trust_pct": raw["Trust"],
            "life_expectancy": raw["Life expectancy"],
            "infant_mortality": raw["Infant mortality"],
            "homicide_rate": raw["Homicides"],
            "log_imprisonment_rate": raw["Imprisonment (log)"],
            "imprisonment_rate": np.exp(raw["Imprisonment (log)"]),
        }
    )
    df["iso3"] = require_iso3(df["country"], "pickett2009")
    return _first(df, [c for c in df.columns if c not in ("iso3", "country")])


def pickett2024(path: Path, entry) -> pd.DataFrame:
    """Trust and inequality for 43 countries (The Spirit Level at 15, Pickett et al. 2024)."""
    raw = pd.read_spss(path, convert_categoricals=False)
    df = pd.DataFrame(
        {
            "country": raw["country"].astype("string"),
            "trust_pct": raw["trust_pct"].astype(float),
            "gini": raw["gini"].astype(float),
            "s80_s20": raw["S80S20"].astype(float),
            "trust_source": raw["trust_source"].astype("string"),
            "trust_n_agrees": raw["trust_n_agrees"].astype("Int64"),
            "trust_n_total": raw["trust_n_total"].astype("Int64"),
            "trust_year": raw["trust_year"].astype("Int64"),
            "inequality_year": raw["inequality_year"].astype("Int64"),
        }
    )
    df["iso3"] = require_iso3(df["country"], "pickett2024")
    return _first(df, [c for c in df.columns if c not in ("iso3", "country")])


def trust_inequality(path: Path, entry) -> pd.DataFrame:
    """Generalised trust with World Bank income, population and income shares, 89 countries."""
    raw = pd.read_stata(path, convert_categoricals=False)
    region = raw["Region"].astype("string").str.strip()
    df = pd.DataFrame(
        {
            "iso2": raw["country_code"].astype("string"),
            "country": raw["country"].astype("string"),
            "region": region.where(region != ""),
            "trust_pct": raw["trust_pct"].astype(float),
            "gdp_per_head": raw["GDP_pc"].astype(float),
            "population": raw["pop_n"].astype(float),
            "urban_pop_pct": raw["urban_pop_pct"].astype(float),
            "income_share_top20": raw["income_top20"].astype(float),
            "income_share_bottom20": raw["income_bottom20"].astype(float),
            "s80_s20": raw["inequality_s80s20"].astype(float),
        }
    )
    df["iso3"] = require_iso3(df["iso2"], "trust_inequality")
    return _first(df, [c for c in df.columns if c not in ("iso3", "country")])


def qog_cs_jan20(path: Path, entry) -> pd.DataFrame:
    """QoG standard cross-section, January 2020: 194 countries, QoG variable names lower-case.

    ``iso3`` is QoG's ``ccodealp`` and ``country`` its ``cname`` without the period qualifier
    QoG appends to some names ("France (1963-)" becomes "France").
    """
    raw = pd.read_csv(path, low_memory=False)
    raw.columns = [c.lower() for c in raw.columns]
    missing = raw["ccodealp"].isna()
    if missing.any():
        raise ValueError(f"{path.name}: no ccodealp (ISO3) for {raw.loc[missing, 'cname'].tolist()}")
    iso3 = raw.pop("ccodealp").astype("string")
    country = raw.pop("cname").astype("string").map(lambda n: re.sub(r"\s*\(\d{4}-\d{0,4}\)$", "", n))
    return pd.concat([pd.DataFrame({"iso3": iso3, "country": country}), raw], axis=1)
