"""Current state Gini indices from the US Census Bureau's American Community Survey (ACS) API.

Table B19083 ("Gini index of income inequality", household income), variable ``B19083_001E``
(estimate). The data API answers ``GET {base}/{year}/acs/{survey}?get=NAME,B19083_001E&for=state:*``
with JSON: a list of rows, the first row the header, every value a string, e.g.

    [["NAME", "B19083_001E", "state"], ["Alabama", "0.4800", "01"], ...]

Missing estimates are coded by the Census as large negative "annotation" values (e.g.
-666666666); they become NaN here.

References
----------
US Census Bureau, American Community Survey, table B19083; Census Data API user guide,
https://www.census.gov/data/developers/guidance/api-user-guide.html
"""

from __future__ import annotations

import math
import numbers

import pandas as pd
import requests

from kinship_research.data.codes import STATES
from kinship_research.data.retrieve import DataUnavailableError

API_BASE = "https://api.census.gov/data"
GINI_VARIABLE = "B19083_001E"
FIRST_YEAR = {"acs1": 2005, "acs5": 2009}
"""First year each survey's B19083 is on the data API (no standard 2020 ACS 1-year release)."""


def acs_gini_url(year: int = 2022, survey: str = "acs1") -> str:
    """Data-API URL of the state Gini (B19083_001E) for ``year`` and ``survey`` ('acs1' or 'acs5')."""
    if survey not in FIRST_YEAR:
        raise ValueError(f"unknown ACS survey {survey!r}; allowed: {', '.join(FIRST_YEAR)}")
    if not isinstance(year, numbers.Integral) or isinstance(year, bool) or year < FIRST_YEAR[survey]:
        raise ValueError(f"year must be an integer >= {FIRST_YEAR[survey]} for {survey}, got {year!r}")
    if survey == "acs1" and year == 2020:
        raise ValueError("the Census did not release standard 2020 ACS 1-year estimates; use 2019, 2021+ or acs5")
    return f"{API_BASE}/{int(year)}/acs/{survey}?get=NAME,{GINI_VARIABLE}&for=state:*"


def parse_state_gini(payload: object, year: int) -> pd.DataFrame:
    """Tidy table from the API's JSON payload (a list of lists, header first).

    Returns one row per state (50 states, DC and Puerto Rico as present) with ``state``,
    ``state_abbr``, ``state_fips``, ``gini`` (0-1, household income) and ``year``, sorted by FIPS.

    Raises
    ------
    ValueError if the payload is not a header row plus data rows of equal length, lacks the NAME,
    B19083_001E or state columns, has non-numeric or out-of-range Gini values, or unknown FIPS codes.
    """
    if not isinstance(payload, list) or len(payload) < 2 or not all(isinstance(r, list) for r in payload):
        raise ValueError(
            "malformed ACS response: expected a JSON list of rows (lists), header first, "
            f"with at least one data row; got {type(payload).__name__}"
        )
    header, rows = payload[0], payload[1:]
    needed = ["NAME", GINI_VARIABLE, "state"]
    absent = [c for c in needed if c not in header]
    if absent:
        raise ValueError(f"malformed ACS response: header {header} lacks {absent}")
    bad = [i + 1 for i, r in enumerate(rows) if len(r) != len(header)]
    if bad:
        raise ValueError(f"malformed ACS response: rows {bad[:5]} do not have {len(header)} fields like the header")
    raw = pd.DataFrame(rows, columns=header)[needed]
    gini = pd.to_numeric(raw[GINI_VARIABLE], errors="coerce")
    non_numeric = raw.loc[gini.isna() & raw[GINI_VARIABLE].notna(), "NAME"].tolist()
    if non_numeric:
        raise ValueError(f"malformed ACS response: non-numeric {GINI_VARIABLE} for {non_numeric}")
    gini = gini.where(gini >= 0)  # Census annotation codes (-666666666 etc.) mean "no estimate"
    out_of_range = raw.loc[gini > 1, "NAME"].tolist()
    if out_of_range:
        raise ValueError(f"malformed ACS response: Gini above 1 for {out_of_range}")
    codes = STATES.set_index("state_fips")
    unknown = sorted(set(raw["state"]) - set(codes.index))
    if unknown:
        raise ValueError(f"ACS response has unknown state FIPS codes {unknown}; known: {', '.join(codes.index)}")
    out = pd.DataFrame(
        {
            "state": codes.loc[raw["state"], "state"].to_numpy(),
            "state_abbr": codes.loc[raw["state"], "state_abbr"].to_numpy(),
            "state_fips": raw["state"].to_numpy(),
            "gini": gini.to_numpy(dtype=float),
            "year": int(year),
        }
    )
    return out.sort_values("state_fips", ignore_index=True)


def fetch_state_gini(year: int = 2022, survey: str = "acs1", timeout: float = 10.0) -> pd.DataFrame:
    """State Gini indices for ``year`` from the Census ACS API (network); see :func:`parse_state_gini`.

    Raises
    ------
    DataUnavailableError when the API cannot be reached, times out or answers with an HTTP error.
    ValueError for bad arguments or a malformed answer.
    """
    url = acs_gini_url(year, survey)
    if not (isinstance(timeout, (int, float)) and math.isfinite(timeout) and timeout > 0):
        raise ValueError(f"timeout must be a positive number of seconds, got {timeout!r}")
    try:
        response = requests.get(url, timeout=timeout)
    except requests.RequestException as err:
        raise DataUnavailableError(
            f"Census ACS API not reachable ({type(err).__name__}: {err}); the state Gini ({url}) needs network access"
        ) from err
    if response.status_code != 200:
        raise DataUnavailableError(
            f"Census ACS API answered HTTP {response.status_code} for {url}: {response.text[:200]!r}"
        )
    try:
        payload = response.json()
    except ValueError as err:
        raise ValueError(f"malformed ACS response from {url}: not JSON ({response.text[:200]!r})") from err
    return parse_state_gini(payload, year)
