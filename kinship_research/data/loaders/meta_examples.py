"""Loaders for worked meta-analysis examples with published answers."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

# First author(s) and allocation of the 13 trials, in the order of Colditz et al. (1994) Table 1
# as distributed in R's metafor/metadat ``dat.bcg`` (the HSAUR copy keeps only the trial number).
_BCG_AUTHORS = (
    "Aronson",
    "Ferguson & Simes",
    "Rosenthal et al",
    "Hart & Sutherland",
    "Frimodt-Moller et al",
    "Stein & Aronson",
    "Vandiviere et al",
    "TPT Madras",
    "Coetzee & Berjak",
    "Rosenthal et al",
    "Comstock et al",
    "Comstock & Webster",
    "Comstock et al",
)
_BCG_ALLOCATION = (
    "random",
    "random",
    "random",
    "random",
    "alternate",
    "alternate",
    "random",
    "random",
    "random",
    "systematic",
    "systematic",
    "systematic",
    "systematic",
)


def bcg(path: Path, entry) -> pd.DataFrame:
    """The 13 BCG vaccine trials (HSAUR ``BCG``), one row per trial, with metafor's column names.

    ``tpos``/``tneg`` are vaccinated people with/without tuberculosis, ``cpos``/``cneg`` the
    unvaccinated; ``latitude`` is the absolute latitude of the trial site in degrees.
    """
    raw = pd.read_pickle(path, compression="xz")
    if len(raw) != len(_BCG_AUTHORS) or list(raw["Study"]) != list(range(1, 14)):
        raise ValueError(f"{path}: expected trials 1..13 of Colditz et al. (1994), got {list(raw['Study'])}")
    return pd.DataFrame(
        {
            "trial": raw["Study"].astype(int),
            "author": list(_BCG_AUTHORS),
            "year": raw["Year"].astype(int),
            "tpos": raw["BCGTB"].astype(int),
            "tneg": (raw["BCGVacc"] - raw["BCGTB"]).astype(int),
            "cpos": raw["NoVaccTB"].astype(int),
            "cneg": (raw["NoVacc"] - raw["NoVaccTB"]).astype(int),
            "latitude": raw["Latitude"].astype(int),
            "allocation": list(_BCG_ALLOCATION),
        }
    )
