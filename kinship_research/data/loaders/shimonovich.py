"""Loaders for the study-level data of Shimonovich et al. (2024, Milbank Quarterly 102:141-182).

The authors' repository (github.com/mshimonovich/income-inequality-sr) holds ``complete_main.rds`` (the
estimates entering the primary meta-analyses: a list of two data frames, ``srh`` for poor self-rated
health and ``acm`` for all-cause mortality), the raw extraction sheets (``prep_*.xlsx``) and the study
characteristics (``studyinfo_*.xlsx``). The .rds is a list, which pyreadr cannot read; ``rdata`` parses it.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd

OUTCOMES = {"srh": "poor self-rated health", "acm": "all-cause mortality"}
"""Outcome codes of the .rds list and what they measure."""

_MODERATORS = (
    "rob",
    "fu_cat",
    "timelag_cat",
    "usa_cat",
    "region_cat",
    "gscale_cat",
    "gini_cat",
    "adjust_cat",
    "age_cat",
)


def _read_rds(path: Path) -> dict[str, pd.DataFrame]:
    import rdata

    with warnings.catch_warnings():  # tibble / vctrs classes are read as plain data frames
        warnings.simplefilter("ignore", UserWarning)
        parsed = rdata.read_rds(path)
    got = sorted(str(k) for k in parsed)
    if got != sorted(OUTCOMES):
        raise ValueError(f"{path}: expected a list with data frames {sorted(OUTCOMES)}, got {got}")
    return {str(k): v for k, v in parsed.items()}


def _text(series: pd.Series) -> pd.Series:
    """Strings with surrounding blanks removed (years such as '2006b' keep their letter)."""
    return series.astype("string").str.strip()


def complete_main(path: Path, entry) -> pd.DataFrame:
    """One row per estimate of the primary meta-analyses, both outcomes stacked (``outcome``).

    ``log_effect`` (yi) is the log OR (SRH) or log RR (mortality) per 0.05 rise in the Gini coefficient
    and ``std_error`` (si) its standard error, as prepared by the authors; ``variance = std_error^2``.
    """
    frames = []
    for code, raw in _read_rds(path).items():
        raw = raw.reset_index(drop=True)
        frame = pd.DataFrame(
            {
                "outcome": code,
                "estimate_id": [f"{code}{i + 1}" for i in range(len(raw))],
                "study_id": _text(raw["study_id"]),
                "author": _text(raw["author"]),
                "author_comb": _text(raw["author_comb"]),
                "pub_year": pd.to_numeric(_text(raw["pub_year"]).str[:4]).astype("Int64"),
                "setting": _text(raw["setting"]),
                "sample_desc": _text(raw["sample_desc"]),
                "gini_val": raw["gini_val"].astype(float),
                "sample_size": raw["sample_size"].astype(float),
                "log_effect": raw["yi"].astype(float),
                "std_error": raw["si"].astype(float),
                "variance": raw["si"].astype(float) ** 2,
                "exp_meas": _text(raw["exp_meas"]),
                "out_est": _text(raw["out_est"]),
                "timelag_n": raw["timelag_n"].astype(float),
                "fu_n": raw["fu_n"].astype(float) if "fu_n" in raw else np.nan,
            }
        )
        for column in _MODERATORS:
            frame[column] = _text(raw[column].astype(object))
        frames.append(frame)
    out = pd.concat(frames, ignore_index=True)
    if out[["log_effect", "std_error"]].isna().any().any() or (out["std_error"] <= 0).any():
        raise ValueError(f"{path}: every estimate needs a finite log effect and a positive standard error")
    return out


def sheet(path: Path, entry) -> pd.DataFrame:
    """The first (only) sheet of a Shimonovich et al. extraction workbook, columns as named by the
    authors (see the registry entry's [variables]); blank cells are missing values."""
    frame = pd.read_excel(path, sheet_name=0, engine="openpyxl")
    frame.columns = [str(c).strip() for c in frame.columns]
    missing = [c for c in entry.variables if c not in frame.columns]
    if missing:
        raise ValueError(
            f"{path.name}: columns {missing} expected by the registry are missing; found {list(frame.columns)}"
        )
    return frame[list(entry.variables)]
