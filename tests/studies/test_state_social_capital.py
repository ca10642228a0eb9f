"""Kawachi-style trust correlations, Putnam/JEC index correlations and the trust mediation."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from kinship_research.studies import state_social_capital as ssc


@pytest.fixture
def states(mirror):
    from kinship_research.data.loaders.equality_trust import us_states
    from kinship_research.data.loaders.social_capital_index import states as jec_states

    class Entry:
        id = "x"

    d = us_states(Path(mirror) / "usa-inequality.csv", Entry)
    j = jec_states(Path(mirror) / "jec-social-capital-index-data.xlsx", Entry)
    return ssc.merge_states(d, j)


def test_merge_keeps_50_states_and_putnam_is_missing_for_alaska_and_hawaii(states):
    assert len(states) == 50 and states["state_index"].notna().all()
    assert sorted(states.loc[states["putnam_index"].isna(), "state_abbr"]) == ["AK", "HI"]


def test_kawachi_correlation_matches_scipy_and_names_dropped_states(states):
    table = ssc.kawachi_correlations(states, ["life_expectancy"]).iloc[0]
    pair = states[["trust", "life_expectancy"]].dropna()
    assert table["r"] == pytest.approx(stats.pearsonr(pair["trust"], pair["life_expectancy"]).statistic)
    assert table["n"] == 41 and table["missing"] == "AK, DE, HI, ID, ME, NE, NV, NM, SD"


def test_index_correlations_stack_every_pair(states):
    table = ssc.index_correlations(
        states, ["state_index", "putnam_index"], ["premature_mortality", "income_inequality"]
    )
    assert len(table) == 4 and table.loc[table.x == "putnam_index", "n"].tolist() == [48, 48]


def test_trust_mediation_total_is_direct_plus_indirect(states):
    result = ssc.trust_mediation(states, "life_expectancy", n_boot=100, seed=0)
    est = result.estimates
    assert est["total (c)"] == pytest.approx(est["direct (c')"] + est["indirect (a*b)"])
    complete = states[["income_inequality", "trust", "life_expectancy"]].dropna()
    assert result.n == len(complete) == 41
    slope = np.polyfit(complete["income_inequality"], complete["life_expectancy"], 1)[0]
    assert est["total (c)"] == pytest.approx(slope)


def test_merge_needs_state_codes():
    with pytest.raises(KeyError, match="state_fips"):
        ssc.merge_states(pd.DataFrame({"state_abbr": ["AL"]}), pd.DataFrame({"state_fips": ["01"]}))
