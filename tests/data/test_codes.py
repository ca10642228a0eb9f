"""Country ISO3 codes and US state codes."""

import pytest

from kinship_research.data.codes import STATES, require_iso3, state_abbr, state_fips, to_iso3, with_state_codes


def test_country_names_in_the_spellings_data_sets_use():
    names = ["United States", "USA", "Korea, Rep.", "Czech Republic", "Cote d'Ivoire", "Sweden", "gbr", "Kosovo"]
    assert to_iso3(names) == ["USA", "USA", "KOR", "CZE", "CIV", "SWE", "GBR", "XKX"]
    assert to_iso3(["Atlantis", None]) == [None, None]


def test_require_iso3_lists_every_unknown_name():
    with pytest.raises(ValueError, match=r"\['Atlantis', 'Lemuria'\]"):
        require_iso3(["Sweden", "Atlantis", "Lemuria"], "toy")


def test_states_table_and_lookups():
    assert len(STATES) == 52 and STATES["state_fips"].is_unique and STATES["state_abbr"].is_unique
    assert state_abbr(["new york", "Texas"]) == ["NY", "TX"] and state_fips(["CA", "dc"]) == ["06", "11"]
    with pytest.raises(ValueError, match="unknown US state names \\['Ontario'\\]"):
        state_abbr(["Ontario"])
    import pandas as pd

    assert with_state_codes(pd.DataFrame({"state": ["Ohio"]})).iloc[0].tolist() == ["Ohio", "OH", "39"]
