"""Effect-based robustness verdicts on constructed cases; influence, jackknife and multiplicity
against statsmodels and closed forms."""

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from statsmodels.stats.multitest import multipletests

from kinship_research.methods import robustness as rb
from kinship_research.methods.correlation import correlate


def outlier_data(seed=1, n=20):
    rng = np.random.default_rng(seed)
    df = pd.DataFrame({"iso3": [f"U{i:02d}" for i in range(n)], "x": rng.normal(size=n), "y": rng.normal(size=n)})
    df.loc[n] = ["OUT", 8.0, 8.0]  # one extreme unit makes a large correlation
    return df


def test_an_outlier_that_drives_r_is_found_and_judged_to_shrink():
    df = outlier_data()
    loo = rb.leave_one_out_range(df, "x", "y")
    assert loo.full["r"] > 0.6
    assert loo.most_influential == "OUT"
    without = df[df.iso3 != "OUT"]
    assert loo.table.set_index("dropped").loc["OUT", "r"] == pytest.approx(np.corrcoef(without.x, without.y)[0, 1])
    base = correlate(df, "x", "y")
    verdicts = rb.effect_verdicts(base, {"leave one out": rb.leave_one_out_table(df, "x", "y")})
    assert verdicts.loc[0, "verdict"] in ("shrinks", "changes sign")
    assert verdicts.loc[0, "worst"] == "OUT"
    flags = rb.influence(df, "x", "y").set_index("label")
    assert flags.loc["OUT", "influential_cooks"] and flags["cooks_d"].idxmax() == "OUT"


def test_a_check_that_only_loses_units_widens_the_interval():
    rng = np.random.default_rng(3)
    n = 40
    x = rng.normal(size=n)
    df = pd.DataFrame({"iso3": [f"U{i}" for i in range(n)], "x": x, "y": 0.4 * x + rng.normal(size=n)})
    base = correlate(df, "x", "y")
    half = df.iloc[: n // 4].copy()
    # keep the correlation, lose the units: rescale y within the subsample to the baseline r
    check = correlate(half, "x", "y").assign(r=base.loc[0, "r"])
    from scipy import stats

    from kinship_research.methods.correlation import paired_correlation

    se = 1 / np.sqrt(len(half) - 3)
    z = np.arctanh(base.loc[0, "r"])
    check["ci_low"], check["ci_high"] = np.tanh(z - stats.norm.ppf(0.975) * se), np.tanh(z + stats.norm.ppf(0.975) * se)
    assert paired_correlation(x, df.y)["ci_low"] > 0 and check.loc[0, "ci_low"] < 0
    verdicts = rb.effect_verdicts(base, {"small sample": check})
    assert verdicts.loc[0, "verdict"] == "interval widens"


@pytest.mark.parametrize("check_r, expected", [(0.5, "holds"), (0.2, "shrinks"), (-0.1, "changes sign")])
def test_verdict_categories(check_r, expected):
    assert rb.effect_verdict(0.5, (0.2, 0.7), check_r, (0.1, 0.8)) == expected


def test_context_checks_are_not_scored_and_unknown_context_is_an_error():
    df = outlier_data()
    base = correlate(df, "x", "y")
    table = rb.effect_verdicts(base, {"all countries": base.assign(r=-0.9)}, context=["all countries"])
    assert table.loc[0, "verdict"] == "context"
    with pytest.raises(KeyError, match="context checks"):
        rb.effect_verdicts(base, {"a": base}, context=["b"])
    with pytest.raises(ValueError, match="max_shrink"):
        rb.effect_verdict(0.5, (0.1, 0.7), 0.4, (0.1, 0.6), max_shrink=1.5)


def test_influence_matches_closed_forms():
    df = outlier_data(seed=5)
    out = rb.influence(df, "x", "y")
    X = sm.add_constant(df["x"])
    fit = sm.OLS(df["y"], X).fit()
    h = np.diag(X.to_numpy() @ np.linalg.inv(X.T.to_numpy() @ X.to_numpy()) @ X.T.to_numpy())
    e, k, s2 = fit.resid.to_numpy(), 2, fit.scale
    cooks = e**2 * h / (k * s2 * (1 - h) ** 2)
    np.testing.assert_allclose(out["cooks_d"], cooks, rtol=1e-10)
    slope_without = [sm.OLS(df["y"].drop(i), X.drop(i)).fit().params["x"] for i in df.index]
    np.testing.assert_allclose(out["dfbeta"], fit.params["x"] - np.array(slope_without), rtol=1e-8)


def test_jackknife_interval_covers_the_true_correlation_at_its_level():
    rng = np.random.default_rng(11)
    rho, n, reps = 0.5, 30, 300
    cov = [[1, rho], [rho, 1]]
    hits = 0
    for _ in range(reps):
        xy = rng.multivariate_normal([0, 0], cov, size=n)
        out = rb.jackknife_correlation(pd.DataFrame({"iso3": range(n), "x": xy[:, 0], "y": xy[:, 1]}), "x", "y")
        hits += out["ci_low"] <= rho <= out["ci_high"]
    # Monte Carlo error of a 95% coverage over 300 replications is about 1.3 points; allow 4 SE
    assert abs(hits / reps - 0.95) < 4 * np.sqrt(0.95 * 0.05 / reps)


def test_adjusted_p_values_match_statsmodels_and_bad_p_is_rejected():
    table = pd.DataFrame({"outcome": list("abcd"), "p_value": [0.01, 0.04, 0.03, 0.5]})
    out = rb.adjust_p_values(table)
    np.testing.assert_allclose(out["p_holm"], multipletests(table.p_value, method="holm")[1])
    np.testing.assert_allclose(out["p_bh"], multipletests(table.p_value, method="fdr_bh")[1])
    assert (out["p_holm"] >= out["p_bh"]).all()
    with pytest.raises(ValueError, match="p-values"):
        rb.adjust_p_values(table.assign(p_value=[0.1, np.nan, 0.2, 0.3]))
    with pytest.raises(ValueError, match="alpha"):
        rb.adjust_p_values(table, alpha=1.5)


def test_bad_input_names_the_problem():
    df = outlier_data()
    with pytest.raises(KeyError, match="nope"):
        rb.leave_one_out_range(df, "x", "nope")
    with pytest.raises(ValueError, match="correlation"):
        rb.leave_one_out_range(df, "x", "y", correlation="kendall")
    with pytest.raises(ValueError, match="at least 5"):
        rb.leave_one_out_range(df.head(4), "x", "y")
