"""Country names to ISO 3166-1 alpha-3 codes (pycountry plus the names data sets actually use)."""
from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

import pycountry

# Spellings found in World Bank, UN, Gapminder, WVS and Spirit Level tables that pycountry's
# exact lookup does not know. Kosovo has no ISO code; XKX is the World Bank's user-assigned one.
ALIASES = {
    "bahamas, the": "BHS", "bolivia": "BOL", "brunei": "BRN", "burma": "MMR", "cape verde": "CPV",
    "congo, dem. rep.": "COD", "congo, rep.": "COG", "congo": "COG", "democratic republic of the congo": "COD",
    "congo, dem. rep": "COD", "dr congo": "COD", "czech republic": "CZE", "cote d'ivoire": "CIV",
    "côte d'ivoire": "CIV", "ivory coast": "CIV", "east timor": "TLS", "egypt, arab rep.": "EGY",
    "gambia, the": "GMB", "hong kong": "HKG", "hong kong sar, china": "HKG", "hong kong, china": "HKG", "hong kong sar": "HKG", "macau sar": "MAC", "macao sar": "MAC",
    "iran": "IRN", "iran, islamic rep.": "IRN", "korea": "KOR", "korea, rep.": "KOR", "south korea": "KOR",
    "korea, south": "KOR", "korea, republic of": "KOR", "north korea": "PRK", "korea, dem. rep.": "PRK",
    "korea, north": "PRK", "kosovo": "XKX", "kyrgyz republic": "KGZ", "lao pdr": "LAO", "laos": "LAO",
    "macedonia": "MKD", "macedonia, fyr": "MKD", "macao sar, china": "MAC", "micronesia": "FSM",
    "micronesia, fed. sts.": "FSM", "moldova": "MDA", "palestine": "PSE", "russia": "RUS",
    "slovak republic": "SVK", "st. lucia": "LCA", "st. vincent and the grenadines": "VCT",
    "st. kitts and nevis": "KNA", "swaziland": "SWZ", "syria": "SYR", "taiwan": "TWN",
    "taiwan roc": "TWN", "tanzania": "TZA", "turkey": "TUR", "uk": "GBR", "great britain": "GBR",
    "united kingdom": "GBR", "britain": "GBR", "usa": "USA", "us": "USA", "united states": "USA",
    "united states of america": "USA", "venezuela": "VEN", "venezuela, rb": "VEN", "vietnam": "VNM",
    "viet nam": "VNM", "yemen, rep.": "YEM", "yemen": "YEM", "west bank and gaza": "PSE",
    "serbia and montenegro": "SCG", "netherlands antilles": "ANT", "czechoslovakia": "CSK",
    "ussr": "SUN", "macao, china": "MAC", "cote divoire": "CIV", "timor leste": "TLS",
    "neth antilles": "ANT", "palestinian territory": "PSE", "republic of korea": "KOR", "reunion": "REU",
    "st vincent and grenadines": "VCT", "tfyr macedonia": "MKD", "united states virgin islands": "VIR",
    "wallis and futuna islands": "WLF", "channel islands": None, "yugoslavia": "YUG", "micronesia, fed. sts": "FSM", "northern cyprus": None,
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
            f"{dataset}: no ISO3 code for {unknown}; add the spelling to kinship_research.countries.ALIASES"
        )
    return codes
