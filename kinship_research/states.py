"""US states: names, two-letter postal abbreviations and two-digit FIPS codes (Census ANSI codes)."""
from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

_ROWS = """Alabama,AL,01;Alaska,AK,02;Arizona,AZ,04;Arkansas,AR,05;California,CA,06;Colorado,CO,08;
Connecticut,CT,09;Delaware,DE,10;District of Columbia,DC,11;Florida,FL,12;Georgia,GA,13;Hawaii,HI,15;
Idaho,ID,16;Illinois,IL,17;Indiana,IN,18;Iowa,IA,19;Kansas,KS,20;Kentucky,KY,21;Louisiana,LA,22;
Maine,ME,23;Maryland,MD,24;Massachusetts,MA,25;Michigan,MI,26;Minnesota,MN,27;Mississippi,MS,28;
Missouri,MO,29;Montana,MT,30;Nebraska,NE,31;Nevada,NV,32;New Hampshire,NH,33;New Jersey,NJ,34;
New Mexico,NM,35;New York,NY,36;North Carolina,NC,37;North Dakota,ND,38;Ohio,OH,39;Oklahoma,OK,40;
Oregon,OR,41;Pennsylvania,PA,42;Rhode Island,RI,44;South Carolina,SC,45;South Dakota,SD,46;
Tennessee,TN,47;Texas,TX,48;Utah,UT,49;Vermont,VT,50;Virginia,VA,51;Washington,WA,53;
West Virginia,WV,54;Wisconsin,WI,55;Wyoming,WY,56;Puerto Rico,PR,72"""

STATES = pd.DataFrame(
    [r.strip().split(",") for r in _ROWS.replace("\n", "").split(";")],
    columns=["state", "state_abbr", "state_fips"],
)
"""50 states, DC and Puerto Rico: state (name), state_abbr, state_fips (two-digit string)."""


def _map(values: Iterable, key: str, target: str, what: str) -> list[str]:
    table = dict(zip(STATES[key].str.lower(), STATES[target]))
    values = list(values)
    out = [table.get(str(v).strip().lower()) for v in values]
    unknown = sorted({str(v) for v, o in zip(values, out) if o is None})
    if unknown:
        raise ValueError(f"unknown US state {what} {unknown}; allowed: {', '.join(STATES[key])}")
    return out


def state_abbr(names: Iterable[str]) -> list[str]:
    """Two-letter abbreviations for state names (case-insensitive)."""
    return _map(names, "state", "state_abbr", "names")


def state_fips(abbrs: Iterable[str]) -> list[str]:
    """Two-digit FIPS codes for two-letter abbreviations."""
    return _map(abbrs, "state_abbr", "state_fips", "abbreviations")


def with_state_codes(df: pd.DataFrame, name_column: str = "state") -> pd.DataFrame:
    """Copy of ``df`` with ``state_abbr`` and ``state_fips`` added from its state-name column."""
    out = df.copy()
    out["state_abbr"] = state_abbr(out[name_column])
    out["state_fips"] = state_fips(out["state_abbr"])
    return out
