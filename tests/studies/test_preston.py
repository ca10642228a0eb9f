"""The Preston curve: slopes against statsmodels, the interaction equals the slope difference."""

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from kinship_research.studies import preston


def _countries(n=80, seed=0):
    rng = np.random.default_rng(seed)
    gdp = np.exp(rng.uniform(6, 11, n))
    life = 40 + 4 * np.log(gdp) - 0.15 * np.log(gdp) ** 2 + rng.normal(0, 2, n)
    return pd.DataFrame(
        {
            "country": [f"c{i}" for i in range(n)],
            "iso3": [f"C{i:02d}" for i in range(n)],
            "year": 2000,
            "life_expectancy": life,
            "gdp_per_capita": gdp,
            "population": 5e6,
        }
    )


def test_slope_and_hc3_interval_equal_statsmodels():
    data = preston.cross_section(_countries(), 2000)
    fit = preston.log_income_fit(data, level=0.9)
    ref = sm.OLS(data["life_expectancy"], sm.add_constant(data["log_gdp_per_capita"])).fit(cov_type="HC3")
    low, high = ref.conf_int(0.1).iloc[1]
    assert fit["slope"] == pytest.approx(ref.params.iloc[1])
    assert (fit["ci_low"], fit["ci_high"]) == pytest.approx((low, high))
    assert fit["slope_per_doubling"] == pytest.approx(np.log(2) * ref.params.iloc[1])
    assert fit["r_squared"] == pytest.approx(ref.rsquared) and fit["n"] == 80


def test_interaction_equals_the_difference_of_the_group_slopes():
    data = preston.cross_section(_countries(), 2000)
    table, difference = preston.richest_vs_rest(data, 20)
    slopes = table.set_index("group")["slope"]
    assert difference["difference"] == pytest.approx(slopes["richest 20"] - slopes["the rest"])
    assert difference["ci_low"] < difference["difference"] < difference["ci_high"]


def test_lowess_band_is_seeded_and_contains_the_curve():
    data = preston.cross_section(_countries(), 2000)
    a = preston.lowess_curve(data, n_boot=30, seed=1)
    b = preston.lowess_curve(data, n_boot=30, seed=1)
    pd.testing.assert_frame_equal(a, b)
    inside = (a["ci_low"] <= a["fitted"] + 1e-9) & (a["fitted"] <= a["ci_high"] + 1e-9)
    assert inside.mean() > 0.9
    narrow = preston.lowess_curve(data, n_boot=30, seed=1, level=0.5)
    assert ((narrow["ci_high"] - narrow["ci_low"]) <= (a["ci_high"] - a["ci_low"]) + 1e-12).all()


def test_bad_input():
    data = preston.cross_section(_countries(), 2000)
    with pytest.raises(ValueError, match="no GDP data for year 1990"):
        preston.cross_section(_countries(), 1990)
    with pytest.raises(KeyError, match="no column"):
        preston.cross_section(_countries().drop(columns="iso3"), 2000)
    with pytest.raises(ValueError, match="n_richest must be between"):
        preston.richest_vs_rest(data, 79)
    with pytest.raises(ValueError, match="level is the interval coverage"):
        preston.log_income_fit(data, level=95)
    with pytest.raises(ValueError, match="frac"):
        preston.lowess_curve(data, frac=0)
