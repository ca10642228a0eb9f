"""Tests of the between-county Gini by state: against the inequality module's weighted Gini,
grouping, filtering and bad input."""

import numpy as np
import pandas as pd
import pytest

from kinship_research.methods.inequality import gini
from kinship_research.studies.us_states import between_county_gini


@pytest.fixture
def counties():
    rng = np.random.default_rng(0)
    rows = []
    for state, abbr, fips, n in [
        ("Alabama", "AL", "01", 30),
        ("Vermont", "VT", "50", 12),
        ("District of Columbia", "DC", "11", 1),
    ]:
        for _ in range(n):
            rows.append(
                {
                    "level": "county",
                    "state": state,
                    "state_abbr": abbr,
                    "state_fips": fips,
                    "median_household_income_usd": rng.lognormal(10.7, 0.25),
                    "population": rng.integers(5_000, 500_000),
                }
            )
        rows.append(
            {
                "level": "state",
                "state": state,
                "state_abbr": abbr,
                "state_fips": fips,
                "median_household_income_usd": 1e9,
                "population": 1,
            }
        )
    frame = pd.DataFrame(rows)
    frame.loc[3, "median_household_income_usd"] = np.nan
    return frame


def test_between_county_gini(counties):
    table = between_county_gini(counties, n_boot=200, seed=1)
    assert list(table["state_abbr"]) == ["AL", "VT"]  # DC has a single county: no Gini
    al = counties[(counties["state_abbr"] == "AL") & (counties["level"] == "county")].dropna()
    row = table.set_index("state_abbr").loc["AL"]
    assert row["gini"] == pytest.approx(gini(al["median_household_income_usd"], weights=al["population"]), rel=1e-12)
    assert row["n_counties"] == 29 and row["n_missing"] == 1
    assert row["ci_low"] < row["gini"] < row["ci_high"]
    # the state summary rows (level "state") are excluded; same seed, same intervals
    again = between_county_gini(counties, n_boot=200, seed=1)
    pd.testing.assert_frame_equal(table, again)


def test_bad_input(counties):
    with pytest.raises(KeyError, match="not in counties"):
        between_county_gini(counties.drop(columns="population"))
    with pytest.raises(ValueError, match="no county rows"):
        between_county_gini(counties[counties["level"] == "state"])
    with pytest.raises(ValueError, match="n_boot"):
        between_county_gini(counties, n_boot=10)


def test_county_health_2011(mirror):
    from kinship_research.data import load

    table = between_county_gini(load("county_health_2011"), n_boot=100)
    assert len(table) == 50  # 50 states; DC is a single county
    assert table["gini"].between(0.01, 0.3).all()  # far below household Ginis (~0.45)


@pytest.fixture
def equality_trust_states(mirror):
    from pathlib import Path

    from kinship_research.data.loaders.equality_trust import us_states

    class Entry:
        id = "usa_inequality"

    return us_states(Path(mirror) / "usa-inequality.csv", Entry)


def test_state_index_reproduces_the_published_state_index(equality_trust_states):
    from kinship_research.studies.spirit_level import index_agreement
    from kinship_research.studies.us_states import state_index

    d = equality_trust_states
    index = state_index(d)
    _, summary = index_agreement(index["index"], d["index_of_health_social_problems"], d["state_abbr"])
    # all 50 states scored; the published index is rounded to 2 decimals, its inputs to 1-2
    assert summary["n_both"] == 50 and summary["only_published"] == []
    assert summary["max_abs_difference"] < 0.1 and summary["r"] > 0.999


def test_named_states_ranks(equality_trust_states):
    from kinship_research.studies.us_states import named_states

    table = named_states(equality_trust_states, ["income_inequality", "index_of_health_social_problems"])
    assert table["state_abbr"].tolist() == ["UT", "NH", "CA", "MS"]
    d = equality_trust_states
    assert (
        table.loc[3, "index_of_health_social_problems_rank"]
        == (d["index_of_health_social_problems"] >= table.loc[3, "index_of_health_social_problems"]).sum()
    )
    with pytest.raises(KeyError, match="ZZ"):
        named_states(d, "income_inequality", names=("ZZ",))


def test_race_control_matches_statsmodels():
    import statsmodels.formula.api as smf

    from kinship_research.studies.us_states import race_control

    rng = np.random.default_rng(4)
    n = 50
    black = rng.uniform(0, 40, n)
    gini = 0.40 + 0.001 * black + rng.normal(0, 0.02, n)
    df = pd.DataFrame({"gini": gini, "black": black, "y": 78 - 0.1 * black + rng.normal(0, 1, n)})
    table = race_control(df, "y", inequality="gini", black="black").set_index("model")
    both = smf.ols("y ~ gini + black", df).fit(cov_type="HC3")
    assert table.at["Gini + share Black", "estimate"] == pytest.approx(both.params["gini"])
    assert table.at["Gini + share Black", "std_error"] == pytest.approx(both.bse["gini"])
    assert table.at["Gini + share Black", "black_estimate"] == pytest.approx(both.params["black"])
    one = smf.ols("y ~ gini", df).fit(cov_type="HC3")
    assert table.at["Gini only", "estimate"] == pytest.approx(one.params["gini"])
