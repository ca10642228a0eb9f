"""Correlations with Fisher-z intervals, against scipy and the closed forms."""

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from kinship_research.methods.correlation import association, correlate, paired_correlation


def test_pearson_interval_equals_scipy_and_the_closed_form():
    rng = np.random.default_rng(1)
    x = rng.normal(size=40)
    y = 0.5 * x + rng.normal(size=40)
    ours = paired_correlation(x, y, level=0.9)
    ref = stats.pearsonr(x, y)
    ci = ref.confidence_interval(confidence_level=0.9)
    assert ours["r"] == pytest.approx(ref.statistic) and ours["p_value"] == pytest.approx(ref.pvalue)
    assert (ours["ci_low"], ours["ci_high"]) == pytest.approx((ci.low, ci.high), rel=1e-9)


def test_spearman_uses_the_bonett_wright_standard_error():
    x = np.arange(20.0)
    y = x + np.sin(x) * 5
    ours = paired_correlation(x, y, correlation="spearman")
    rho = stats.spearmanr(x, y).statistic
    half = stats.norm.ppf(0.975) * np.sqrt((1 + rho**2 / 2) / 17)
    assert ours["ci_low"] == pytest.approx(np.tanh(np.arctanh(rho) - half))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"correlation": "kendall"}, "correlation must be one of"),
        ({"level": 0.05 * 100}, "level is the interval coverage"),
        ({"level": 2}, "level is the interval coverage"),
    ],
)
def test_bad_options_are_rejected(kwargs, message):
    with pytest.raises(ValueError, match=message):
        paired_correlation(np.arange(10.0), np.arange(10.0) ** 2, **kwargs)


def test_constant_and_short_inputs_are_rejected():
    with pytest.raises(ValueError, match="constant"):
        paired_correlation(np.ones(10), np.arange(10.0))
    with pytest.raises(ValueError, match="at least 4"):
        paired_correlation([1.0, 2, 3], [1.0, 3, 2])


def test_correlate_is_pairwise_complete_and_names_the_pair_in_errors():
    df = pd.DataFrame({"x": [1.0, 2, 3, 4, 5, np.nan], "y": [2.0, 1, 4, 3, 6, 7], "c": 1.0})
    assert correlate(df, "x", "y").loc[0, "n"] == 5
    with pytest.raises(ValueError, match="x vs c: a variable is constant"):
        correlate(df, "x", ["y", "c"])


def test_association_matches_definitions():
    rng = np.random.default_rng(0)
    data = pd.DataFrame({"x": rng.normal(size=30)}).assign(y=lambda d: d["x"] + rng.normal(size=30))
    row = association(data, "x", "y").iloc[0]
    r = np.corrcoef(data["x"], data["y"])[0, 1]
    assert row["r"] == pytest.approx(r)
    assert row["slope"] == pytest.approx(r * data["y"].std() / data["x"].std())
    z = np.arctanh(r) - 1.959964 / np.sqrt(27)
    assert row["r_ci_low"] == pytest.approx(np.tanh(z), rel=1e-5)
    assert row["n"] == 30
    with pytest.raises(ValueError, match="at least 4"):
        association(data.head(3), "x", "y")


# ------------------------------------------------------------------ mediation
