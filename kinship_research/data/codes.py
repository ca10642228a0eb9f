"""Unit codes: country names to ISO 3166-1 alpha-3 (pycountry plus the spellings data sets use),
and US state names, postal abbreviations and two-digit FIPS codes (Census ANSI codes)."""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

import pandas as pd
import pycountry

# Spellings found in World Bank, UN, Gapminder, WVS and Spirit Level tables that pycountry's
# exact lookup does not know. Kosovo has no ISO code; XKX is the World Bank's user-assigned one.
ALIASES = {
    "bahamas, the": "BHS",
    "bolivia": "BOL",
    "brunei": "BRN",
    "burma": "MMR",
    "cape verde": "CPV",
    "congo, dem. rep.": "COD",
    "congo, rep.": "COG",
    "congo": "COG",
    "democratic republic of the congo": "COD",
    "congo, dem. rep": "COD",
    "dr congo": "COD",
    "czech republic": "CZE",
    "cote d'ivoire": "CIV",
    "côte d'ivoire": "CIV",
    "ivory coast": "CIV",
    "east timor": "TLS",
    "egypt, arab rep.": "EGY",
    "gambia, the": "GMB",
    "hong kong": "HKG",
    "hong kong sar, china": "HKG",
    "hong kong, china": "HKG",
    "hong kong sar": "HKG",
    "macau sar": "MAC",
    "macao sar": "MAC",
    "iran": "IRN",
    "iran, islamic rep.": "IRN",
    "korea": "KOR",
    "korea, rep.": "KOR",
    "south korea": "KOR",
    "korea, south": "KOR",
    "korea, republic of": "KOR",
    "north korea": "PRK",
    "korea, dem. rep.": "PRK",
    "korea, north": "PRK",
    "kosovo": "XKX",
    "kyrgyz republic": "KGZ",
    "lao pdr": "LAO",
    "laos": "LAO",
    "macedonia": "MKD",
    "macedonia, fyr": "MKD",
    "macao sar, china": "MAC",
    "micronesia": "FSM",
    "micronesia, fed. sts.": "FSM",
    "moldova": "MDA",
    "palestine": "PSE",
    "russia": "RUS",
    "slovak republic": "SVK",
    "st. lucia": "LCA",
    "st. vincent and the grenadines": "VCT",
    "st. kitts and nevis": "KNA",
    "swaziland": "SWZ",
    "syria": "SYR",
    "taiwan": "TWN",
    "taiwan roc": "TWN",
    "tanzania": "TZA",
    "turkey": "TUR",
    "uk": "GBR",
    "great britain": "GBR",
    "united kingdom": "GBR",
    "britain": "GBR",
    "usa": "USA",
    "us": "USA",
    "united states": "USA",
    "united states of america": "USA",
    "venezuela": "VEN",
    "venezuela, rb": "VEN",
    "vietnam": "VNM",
    "viet nam": "VNM",
    "yemen, rep.": "YEM",
    "yemen": "YEM",
    "west bank and gaza": "PSE",
    "serbia and montenegro": "SCG",
    "netherlands antilles": "ANT",
    "czechoslovakia": "CSK",
    "ussr": "SUN",
    "macao, china": "MAC",
    "cote divoire": "CIV",
    "timor leste": "TLS",
    "neth antilles": "ANT",
    "palestinian territory": "PSE",
    "republic of korea": "KOR",
    "reunion": "REU",
    "st vincent and grenadines": "VCT",
    "tfyr macedonia": "MKD",
    "united states virgin islands": "VIR",
    "wallis and futuna islands": "WLF",
    "channel islands": None,
    "yugoslavia": "YUG",
    "micronesia, fed. sts": "FSM",
    "northern cyprus": None,
    "congo-brazzaville": "COG",
    "congo-kinshasa": "COD",
    "palestinian territories": "PSE",
    "soviet union": "SUN",
    "st. vincent and grenadines": "VCT",
    "são tomé and príncipe": "STP",
    "cheslo": "CSK",
    "deu_east": "DDR",
    "yug": "YUG",
}


@lru_cache(maxsize=4096)
def _one(name: str) -> str | None:
    key = " ".join(str(name).strip().lower().split())
    if key in ALIASES:
        return ALIASES[key]
    try:
        return pycountry.countries.lookup(key).alpha_3
    except LookupError:
        return None


def to_iso3(names: Iterable[str]) -> list[str | None]:
    """ISO 3166-1 alpha-3 code for each country name, or None where the name is not recognised.

    Accepts official and common names, alpha-2 and alpha-3 codes (case-insensitive), and the
    variants in ``ALIASES``.
    """
    return [None if n is None or (isinstance(n, float) and n != n) else _one(n) for n in names]


def require_iso3(names: Iterable[str], dataset: str = "data") -> list[str]:
    """Like :func:`to_iso3` but raises ValueError listing every name that has no code."""
    names = list(names)
    codes = to_iso3(names)
    unknown = sorted({str(n) for n, c in zip(names, codes) if c is None})
    if unknown:
        raise ValueError(
            f"{dataset}: no ISO3 code for {unknown}; add the spelling to kinship_research.data.codes.ALIASES"
        )
    return codes


_STATE_ROWS = """Alabama,AL,01;Alaska,AK,02;Arizona,AZ,04;Arkansas,AR,05;California,CA,06;Colorado,CO,08;
Connecticut,CT,09;Delaware,DE,10;District of Columbia,DC,11;Florida,FL,12;Georgia,GA,13;Hawaii,HI,15;
Idaho,ID,16;Illinois,IL,17;Indiana,IN,18;Iowa,IA,19;Kansas,KS,20;Kentucky,KY,21;Louisiana,LA,22;
Maine,ME,23;Maryland,MD,24;Massachusetts,MA,25;Michigan,MI,26;Minnesota,MN,27;Mississippi,MS,28;
Missouri,MO,29;Montana,MT,30;Nebraska,NE,31;Nevada,NV,32;New Hampshire,NH,33;New Jersey,NJ,34;
New Mexico,NM,35;New York,NY,36;North Carolina,NC,37;North Dakota,ND,38;Ohio,OH,39;Oklahoma,OK,40;
Oregon,OR,41;Pennsylvania,PA,42;Rhode Island,RI,44;South Carolina,SC,45;South Dakota,SD,46;
Tennessee,TN,47;Texas,TX,48;Utah,UT,49;Vermont,VT,50;Virginia,VA,51;Washington,WA,53;
West Virginia,WV,54;Wisconsin,WI,55;Wyoming,WY,56;Puerto Rico,PR,72"""

STATES = pd.DataFrame(
    [r.strip().split(",") for r in _STATE_ROWS.replace("\n", "").split(";")],
    columns=["state", "state_abbr", "state_fips"],
)
"""50 states, DC and Puerto Rico: state (name), state_abbr, state_fips (two-digit string)."""


def _state_map(values: Iterable, key: str, target: str, what: str) -> list[str]:
    table = dict(zip(STATES[key].str.lower(), STATES[target]))
    values = list(values)
    out = [table.get(str(v).strip().lower()) for v in values]
    unknown = sorted({str(v) for v, o in zip(values, out) if o is None})
    if unknown:
        raise ValueError(f"unknown US state {what} {unknown}; allowed: {', '.join(STATES[key])}")
    return out


def state_abbr(names: Iterable[str]) -> list[str]:
    """Two-letter abbreviations for state names (case-insensitive)."""
    return _state_map(names, "state", "state_abbr", "names")


def state_fips(abbrs: Iterable[str]) -> list[str]:
    """Two-digit FIPS codes for two-letter abbreviations."""
    return _state_map(abbrs, "state_abbr", "state_fips", "abbreviations")


def with_state_codes(df: pd.DataFrame, name_column: str = "state") -> pd.DataFrame:
    """Copy of ``df`` with ``state_abbr`` and ``state_fips`` added from its state-name column."""
    out = df.copy()
    out["state_abbr"] = state_abbr(out[name_column])
    out["state_fips"] = state_fips(out["state_abbr"])
    return out
