"""Tests for kinship_research.methods.meta against the BCG worked example and reference implementations.

Published values: metafor (Viechtbauer 2010, J Stat Softw 36(3)), as printed in its README for
``rma(yi, vi, data=dat)`` on ``escalc("RR", ..., data=dat.bcg)`` and in its test file
``tests/testthat/test_misc_metan_vs_rma.uni_with_dat.bcg.r`` (DL results checked against Stata metan).
"""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import stats
from statsmodels.stats.meta_analysis import combine_effects

from kinship_research.data import load
from kinship_research.methods import meta

FIXTURE = Path(__file__).parents[1] / "fixtures" / "meta_study_table_demo.csv"


@pytest.fixture(scope="module")
def bcg():
    return load("bcg")


@pytest.fixture(scope="module")
def rr(bcg):
    return meta.risk_ratios(bcg.tpos, bcg.tpos + bcg.tneg, bcg.cpos, bcg.cpos + bcg.cneg, labels=bcg.author)


# --------------------------------------------------------------------------- dataset
def test_bcg_dataset_matches_colditz_table(bcg):
    assert len(bcg) == 13
    assert list(bcg.columns) == ["trial", "author", "year", "tpos", "tneg", "cpos", "cneg", "latitude", "allocation"]
    # Trial 1 (Aronson 1948) and trial 8 (TPT Madras 1980) as printed in metafor's dat.bcg
    assert bcg.iloc[0][["author", "year", "tpos", "tneg", "cpos", "cneg", "latitude"]].tolist() == [
        "Aronson",
        1948,
        4,
        119,
        11,
        128,
        44,
    ]
    assert bcg.iloc[7][["author", "tpos", "tneg", "cpos", "cneg", "latitude"]].tolist() == [
        "TPT Madras",
        505,
        87886,
        499,
        87892,
        13,
    ]
    assert bcg["allocation"].value_counts().to_dict() == {"random": 7, "systematic": 4, "alternate": 2}


# --------------------------------------------------------------------------- effect sizes
def test_risk_ratios_match_metafor_escalc(rr, bcg):
    # metafor escalc(measure="RR") yi, vi printed to 4 decimals (README)
    yi = [
        -0.8893,
        -1.5854,
        -1.3481,
        -1.4416,
        -0.2175,
        -0.7861,
        -1.6209,
        0.0120,
        -0.4694,
        -1.3713,
        -0.3394,
        0.4459,
        -0.0173,
    ]
    vi = [0.3256, 0.1946, 0.4154, 0.0200, 0.0512, 0.0069, 0.2230, 0.0040, 0.0564, 0.0730, 0.0124, 0.5325, 0.0714]
    np.testing.assert_allclose(rr["log_effect"], yi, atol=5e-5)
    np.testing.assert_allclose(rr["variance"], vi, atol=5e-5)
    # and the textbook formula var = 1/a - 1/n1 + 1/c - 1/n2
    a, n1, c, n2 = bcg.tpos, bcg.tpos + bcg.tneg, bcg.cpos, bcg.cpos + bcg.cneg
    np.testing.assert_allclose(rr["variance"], 1 / a - 1 / n1 + 1 / c - 1 / n2, rtol=1e-12)
    np.testing.assert_allclose(np.log(rr["ci_high"]) - rr["log_effect"], 1.959964 * np.sqrt(rr["variance"]), rtol=1e-6)


def test_log_ratio_from_ci_roundtrip(rr):
    y, v = meta.log_ratio_from_ci(rr["effect"], rr["ci_low"], rr["ci_high"])
    np.testing.assert_allclose(y, rr["log_effect"], rtol=1e-12)
    np.testing.assert_allclose(v, rr["variance"], rtol=1e-9)
    # a 90% interval is narrower for the same variance
    z90 = stats.norm.ppf(0.95)
    _, v90 = meta.log_ratio_from_ci(2.0, 2.0 * np.exp(-z90 * 0.1), 2.0 * np.exp(z90 * 0.1), level=0.90)
    np.testing.assert_allclose(v90, [0.01], rtol=1e-12)


def test_rescale_kondo_example():
    # Kondo et al. (2009): RR per 0.05 Gini; a log effect b per 0.1 becomes 0.5 b, variance 0.25 v
    y, v = meta.rescale(np.log([1.2, 1.1]), [0.04, 0.01], 0.05 / 0.1)
    np.testing.assert_allclose(y, 0.5 * np.log([1.2, 1.1]))
    np.testing.assert_allclose(v, [0.01, 0.0025])
    y, v = meta.rescale([0.2, 0.2], [0.04, 0.04], [0.5, 2.0])
    np.testing.assert_allclose(y, [0.1, 0.4])
    np.testing.assert_allclose(v, [0.01, 0.16])


# --------------------------------------------------------------------------- pooling: published values
def test_dl_reproduces_metafor_and_statsmodels(rr):
    res = meta.random_effects(rr["log_effect"], rr["variance"], tau2_method="DL")
    assert (res.k, res.q_df) == (13, 12)
    assert round(res.estimate, 4) == -0.7141
    assert round(res.std_error, 4) == 0.1787
    assert round(res.ci_low, 4) == -1.0644 and round(res.ci_high, 4) == -0.3638
    assert round(res.statistic, 4) == -3.9952
    assert round(res.tau2, 4) == 0.3088
    assert round(100 * res.i2, 4) == 92.1173
    assert round(res.q, 4) == 152.2330
    assert round(np.exp(res.estimate), 4) == 0.4896
    # identical to statsmodels' DerSimonian-Laird pooling
    ref = combine_effects(rr["log_effect"].to_numpy(), rr["variance"].to_numpy(), method_re="chi2")
    np.testing.assert_allclose(
        [res.estimate, res.std_error, res.tau2, res.q, res.i2],
        [ref.mean_effect_re, ref.sd_eff_w_re, ref.tau2, ref.q, ref.i2],
        rtol=1e-10,
    )
    np.testing.assert_allclose([res.ci_low, res.ci_high], ref.conf_int()[1], rtol=1e-10)


def test_reml_reproduces_metafor(rr):
    res = meta.random_effects(rr["log_effect"], rr["variance"], tau2_method="REML", labels=rr["study"], prediction="t")
    assert round(res.estimate, 4) == -0.7145
    assert round(res.std_error, 4) == 0.1798
    assert round(res.tau2, 4) == 0.3132
    assert round(100 * res.i2, 2) == 92.22
    assert round(res.q, 4) == 152.2330
    assert res.q_p_value < 1e-4
    # Higgins et al. (2009) prediction interval from the published pieces, t with k - 2 = 11 df
    half = stats.t.ppf(0.975, 11) * np.sqrt(0.3132 + 0.1798**2)
    assert res.pi_low == pytest.approx(-0.7145 - half, abs=1e-3)
    assert res.pi_high == pytest.approx(-0.7145 + half, abs=1e-3)
    studies = res.studies
    assert list(studies["study"])[:2] == ["Aronson", "Ferguson & Simes"]
    assert studies["weight_pct"].sum() == pytest.approx(100)
    frame = res.to_frame()
    assert frame.shape[0] == 1 and {"estimate", "ci_low", "pi_high", "tau2", "k"} <= set(frame.columns)
    assert "REML" in res.summary(exp=True) and "0.489" in res.summary(exp=True)


def test_reml_solves_score_equation(rr):
    # At an interior REML optimum y'PPy = tr(P) (Viechtbauer 2005, eq. 10)
    y, v = rr["log_effect"].to_numpy(), rr["variance"].to_numpy()
    for X in (np.ones((13, 1)), np.column_stack([np.ones(13), np.arange(13.0)])):
        tau2 = meta.reml_tau2(y, v, X)
        W = np.diag(1 / (v + tau2))  # dense reference projection P = W - WX(X'WX)^-1X'W
        P = W - W @ X @ np.linalg.solve(X.T @ W @ X, X.T @ W)
        assert y @ P @ P @ y - np.trace(P) == pytest.approx(0, abs=1e-4)


def test_reml_zero_when_studies_homogeneous():
    # identical effects: no between-study variance; the estimate sits on the boundary 0
    res = meta.random_effects([0.2, 0.2, 0.2, 0.2], [0.01, 0.02, 0.03, 0.04], tau2_method="REML")
    assert res.tau2 == 0.0 and res.i2 == 0.0
    assert res.estimate == pytest.approx(0.2)


def test_paule_mandel_solves_generalised_q(rr):
    y, v = rr["log_effect"].to_numpy(), rr["variance"].to_numpy()
    res = meta.random_effects(y, v, tau2_method="PM")
    w = 1 / (v + res.tau2)
    mu = np.sum(w * y) / w.sum()
    assert np.sum(w * (y - mu) ** 2) == pytest.approx(12, abs=1e-2)  # = k - 1 (statsmodels atol 1e-5 on tau2)
    assert res.estimate == pytest.approx(mu)


def test_prediction_interval_nan_for_two_studies():
    res = meta.random_effects([0.1, 0.5], [0.01, 0.02], tau2_method="DL", prediction="t")
    assert res.k == 2 and np.isnan(res.pi_low) and np.isnan(res.pi_high)
    assert np.isfinite(res.ci_low)


def test_reml_calibration_by_simulation():
    """Monte Carlo: REML estimates of mu and tau^2 are unbiased and 95% CIs cover ~95% (k = 30).

    400 replicates: MC standard error of the coverage is sqrt(.95 * .05 / 400) = 0.011, so allow
    4 MC SE; the z-interval is known to undercover slightly with estimated tau^2, hence 0.95 - 0.045.
    """
    rng = np.random.default_rng(20240601)
    k, mu, tau2, reps = 30, 0.3, 0.05, 400
    covered, estimates, taus = 0, [], []
    for _ in range(reps):
        v = rng.uniform(0.01, 0.1, size=k)
        y = mu + rng.normal(0, np.sqrt(tau2), k) + rng.normal(0, np.sqrt(v))
        res = meta.random_effects(y, v, tau2_method="REML")
        covered += res.ci_low <= mu <= res.ci_high
        estimates.append(res.estimate)
        taus.append(res.tau2)
    coverage = covered / reps
    assert 0.95 - 4 * 0.011 <= coverage <= 0.95 + 4 * 0.011
    se_mean = np.std(estimates, ddof=1) / np.sqrt(reps)
    assert abs(np.mean(estimates) - mu) < 4 * se_mean
    assert abs(np.mean(taus) - tau2) < 4 * np.std(taus, ddof=1) / np.sqrt(reps)


# --------------------------------------------------------------------------- influence and cumulative
def test_leave_one_out_matches_refits(rr):
    y, v = rr["log_effect"].to_numpy(), rr["variance"].to_numpy()
    table = meta.leave_one_out(y, v, tau2_method="DL", labels=rr["study"])
    assert len(table) == 13 and set(table["k"]) == {12}
    assert table.loc[7, "omitted"] == "TPT Madras"
    ref = combine_effects(np.delete(y, 7), np.delete(v, 7), method_re="chi2")
    assert table.loc[7, "estimate"] == pytest.approx(ref.mean_effect_re, rel=1e-10)
    assert table.loc[7, "tau2"] == pytest.approx(ref.tau2, rel=1e-10)


def test_cumulative_ends_with_full_analysis(rr):
    y, v = rr["log_effect"].to_numpy(), rr["variance"].to_numpy()
    table = meta.cumulative(y, v, tau2_method="REML", labels=rr["study"])
    assert list(table["k"]) == list(range(2, 14))
    assert table["added"].iloc[0] == "Ferguson & Simes"
    full = meta.random_effects(y, v, tau2_method="REML")
    assert table["estimate"].iloc[-1] == pytest.approx(full.estimate)
    first_two = meta.random_effects(y[:2], v[:2], tau2_method="REML")
    assert table["estimate"].iloc[0] == pytest.approx(first_two.estimate)


# --------------------------------------------------------------------------- Egger
def test_egger_matches_hand_ols_and_weighted_regression(rr):
    y, v = rr["log_effect"].to_numpy(), rr["variance"].to_numpy()
    res = meta.egger_test(y, v)
    se = np.sqrt(v)
    # hand OLS of y/se on [1, 1/se]
    X = np.column_stack([np.ones(13), 1 / se])
    beta, rss = np.linalg.lstsq(X, y / se, rcond=None)[:2]
    sigma2 = rss[0] / 11
    cov = sigma2 * np.linalg.inv(X.T @ X)
    assert res.intercept == pytest.approx(beta[0], rel=1e-10)
    assert res.slope == pytest.approx(beta[1], rel=1e-10)
    assert res.se == pytest.approx(np.sqrt(cov[0, 0]), rel=1e-10)
    assert res.p_value == pytest.approx(2 * stats.t.sf(abs(beta[0] / np.sqrt(cov[0, 0])), 11), rel=1e-8)
    assert res.ci_low == pytest.approx(beta[0] - stats.t.ppf(0.975, 11) * np.sqrt(cov[0, 0]), rel=1e-10)
    # the equivalent form: weighted regression of y on se (weights 1/v) has the Egger intercept as slope
    wls = sm.WLS(y, sm.add_constant(se), weights=1 / v).fit()
    assert wls.params[1] == pytest.approx(res.intercept, rel=1e-8)
    assert wls.tvalues[1] == pytest.approx(res.t, rel=1e-8)
    assert res.df == 11 and res.k == 13
    assert res.to_frame().shape == (1, 11)


def test_egger_detects_simulated_small_study_effects():
    # small studies (large se) get systematically larger effects: a strong asymmetry signal
    rng = np.random.default_rng(3)
    se = np.linspace(0.05, 0.5, 40)
    y = 0.1 + 1.5 * se + rng.normal(0, se)
    assert meta.egger_test(y, se**2).p_value < 0.001


# --------------------------------------------------------------------------- meta-regression
def test_meta_regression_reproduces_metafor_latitude_model(rr, bcg):
    # metafor README: rma(yi, vi, mods = ~ ablat) (REML): tau^2 = 0.0764, QE(11) = 30.7331, R^2 = 75.62%,
    # intercept 0.2515, ablat -0.0291. metafor stops Fisher scoring when tau^2 changes < 1e-5; our estimate
    # solves the REML score equation (test above) and lies 5e-5 below the printed 0.0764.
    res = meta.meta_regression(rr["log_effect"], rr["variance"], bcg["latitude"], name="latitude")
    coef = res.coefficients.set_index("term")
    assert round(coef.loc["intercept", "estimate"], 4) == 0.2515
    assert round(coef.loc["latitude", "estimate"], 4) == -0.0291
    assert res.tau2 == pytest.approx(0.0764, abs=1e-4)
    assert round(res.qe, 4) == 30.7331 and res.qe_df == 11
    assert res.r2 == pytest.approx(0.7562, abs=3e-4)
    assert round(100 * res.i2_residual, 2) == 68.39
    assert res.tau2_source == "REML" and res.k == 13 and res.n_at_or_above is None


def test_threshold_meta_regression_equals_subgroup_difference(rr, bcg):
    y, v = rr["log_effect"].to_numpy(), rr["variance"].to_numpy()
    res = meta.meta_regression(y, v, bcg["latitude"], threshold=33, tau2=0.2, name="latitude")
    high = bcg["latitude"].to_numpy() >= 33
    w = 1 / (v + 0.2)
    mean_low = np.sum(w[~high] * y[~high]) / w[~high].sum()
    mean_high = np.sum(w[high] * y[high]) / w[high].sum()
    coef = res.coefficients.set_index("term")
    assert coef.loc["intercept", "estimate"] == pytest.approx(mean_low)
    assert coef.loc["latitude >= 33", "estimate"] == pytest.approx(mean_high - mean_low)
    se_diff = np.sqrt(1 / w[~high].sum() + 1 / w[high].sum())
    assert coef.loc["latitude >= 33", "std_error"] == pytest.approx(se_diff)
    assert res.qm == pytest.approx(((mean_high - mean_low) / se_diff) ** 2)
    assert res.n_at_or_above == int(high.sum()) == 8
    assert res.tau2_source == "given" and res.threshold == 33
    assert (coef["ci_low"] < coef["estimate"]).all() and (coef["estimate"] < coef["ci_high"]).all()
    assert "latitude >= 33" in res.summary() and len(res.to_frame()) == 2


# --------------------------------------------------------------------------- study tables
def test_read_study_table_demo_fixture():
    table = meta.read_study_table(FIXTURE)
    assert list(table.columns) == [*meta.STUDY_COLUMNS, "mean_gini"]
    assert len(table) == 5 and table["study"].str.contains("made-up").all()
    out = meta.study_log_effects(table, per_unit=0.05)
    # Demo A: RR 1.10 per 0.1 Gini -> per 0.05: exp(0.5 log 1.10)
    assert out.loc[0, "effect_rescaled"] == pytest.approx(np.sqrt(1.10))
    _, v = meta.log_ratio_from_ci(1.10, 1.02, 1.19)
    assert out.loc[0, "variance"] == pytest.approx(0.25 * v[0])
    # Demo B is already per 0.05: unchanged
    assert out.loc[1, "log_effect"] == pytest.approx(np.log(1.03))
    assert out.loc[1, "ci_low_rescaled"] == pytest.approx(0.99, abs=0.002)  # symmetric-on-log approximation


def _write(tmp_path, text):
    path = tmp_path / "studies.csv"
    path.write_text(text)
    return path


HEADER = "study,effect,ci_low,ci_high,per_unit,design\n"


@pytest.mark.parametrize(
    "body, message",
    [
        ("study,effect,ci_low,ci_high,design\nA,1.1,1.0,1.2,cohort\n", "missing columns \\['per_unit'\\]"),
        (HEADER, "no studies"),
        (HEADER + "A,1.1,1.15,1.2,0.05,cohort\n", "ci_low <= effect <= ci_high.*\\['A'\\]"),
        (HEADER + "A,1.3,1.0,1.2,0.05,cohort\n", "ci_low <= effect <= ci_high"),
        (HEADER + "A,high,1.0,1.2,0.05,cohort\n", "'effect' must be a number.*\\['A'\\]"),
        (HEADER + "A,1.1,1.0,1.2,0,cohort\n", "'per_unit' must be > 0"),
        (HEADER + "A,1.1,-1.0,1.2,0.05,cohort\n", "'ci_low' must be > 0"),
        (HEADER + "A,1.1,1.0,1.2,0.05,cohort\nA,1.2,1.0,1.3,0.05,cohort\n", "unique.*\\['A'\\]"),
    ],
)
def test_read_study_table_rejects_bad_tables(tmp_path, body, message):
    with pytest.raises(ValueError, match=message):
        meta.read_study_table(_write(tmp_path, body))


def test_read_study_table_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        meta.read_study_table(tmp_path / "nope.csv")


# --------------------------------------------------------------------------- bad input
@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: meta.random_effects([0.1, 0.2, 0.3], [0.1, 0.2]), "same length"),
        (lambda: meta.random_effects([0.1, 0.2], [0.1, 0.0]), "strictly positive"),
        (lambda: meta.random_effects([0.1, 0.2], [0.1, -1.0]), "strictly positive"),
        (lambda: meta.random_effects([0.1], [0.1]), "at least 2 studies"),
        (lambda: meta.random_effects([0.1, np.nan], [0.1, 0.1]), "finite effect"),
        (lambda: meta.random_effects([0.1, 0.2], [0.1, 0.1], tau2_method="XX"), "tau2_method must be one of"),
        (lambda: meta.random_effects([0.1, 0.2], [0.1, 0.1], level=95), "level"),
        (lambda: meta.random_effects([0.1, 0.2], [0.1, 0.1], test="t"), "test must be one of"),
        (lambda: meta.random_effects([0.1, 0.2], [0.1, 0.1], prediction="normal"), "prediction must be one of"),
        (lambda: meta.cumulative([0.1, 0.2], [0.1, 0.1], order=[1]), "one value per study"),
        (lambda: meta.random_effects([0.1, 0.2], [0.1, 0.1], labels=["a"]), "one entry per study"),
        (lambda: meta.reml_tau2([0.1, 0.2, 0.3], [0.1, 0.1, 0.1], X=np.ones((2, 1))), "one row per study"),
        (lambda: meta.reml_tau2([0.1, 0.2], [0.1, 0.1], X=np.eye(2)), "more studies"),
        (lambda: meta.leave_one_out([0.1, 0.2], [0.1, 0.1]), "at least 3 studies"),
        (lambda: meta.cumulative([0.1, 0.2], [0.1, 0.1], tau2_method="ML2"), "tau2_method must be one of"),
        (lambda: meta.egger_test([0.1, 0.2], [0.1, 0.1]), "at least 3 studies"),
        (lambda: meta.meta_regression([0.1, 0.2, 0.3], [0.1, 0.1, 0.1], [1, 2]), "one value per study"),
        (lambda: meta.meta_regression([0.1, 0.2, 0.3], [0.1, 0.1, 0.1], [1, 1, 1]), "constant"),
        (lambda: meta.meta_regression([0.1, 0.2, 0.3], [0.1, 0.1, 0.1], [1, np.nan, 2]), "missing"),
        (lambda: meta.meta_regression([0.1, 0.2, 0.3], [0.1, 0.1, 0.1], [1, 2, 3], threshold=5), "one side"),
        (lambda: meta.meta_regression([0.1, 0.2, 0.3], [0.1, 0.1, 0.1], [1, 2, 3], tau2=-0.1), "tau2 must be"),
        (lambda: meta.log_ratio_from_ci([1.2], [1.3], [1.5]), "ci_low <= ratio <= ci_high"),
        (lambda: meta.log_ratio_from_ci([1.2], [0.0], [1.5]), "strictly positive"),
        (lambda: meta.log_ratio_from_ci([1.2, 1.1], [1.0], [1.5]), "same length"),
        (lambda: meta.rescale([0.1], [0.01], 0), "factor must be finite and strictly positive"),
        (lambda: meta.rescale([0.1, 0.2], [0.01, 0.01], [1, 2, 3]), "one per study"),
        (lambda: meta.rescale([0.1, 0.2], [0.01], 1), "same shape"),
        (lambda: meta.risk_ratios([0, 2], [10, 10], [1, 1], [10, 10]), "continuity correction"),
        (lambda: meta.risk_ratios([11], [10], [1], [10]), "events <= group size"),
        (lambda: meta.study_log_effects(pd.DataFrame(), per_unit=0), "per_unit must be a positive"),
        (lambda: meta.rescale([0.1], [0.01], 1e308), "not finite"),
        (lambda: meta.meta_regression([0.1, 0.2, 0.3], [0.1, 0.1, 0.1], float("nan")), "one value per study"),
        (lambda: meta.meta_regression([0.1, 0.2, 0.3], [0.1] * 3, [1, 2, 3], threshold=float("inf")), "finite"),
        (lambda: meta.permutation_test([0.1, 0.2, 0.3], [0.1] * 3, tau2_method="XX"), "tau2_method must be one of"),
        (lambda: meta.permutation_test([0.1, 0.2, 0.3], [0.1] * 3, test="t"), "test must be one of"),
        (lambda: meta.influence([0.1, 0.2, 0.3], [0.1] * 3, tau2_method="XX"), "tau2_method must be one of"),
        (lambda: meta.influence([0.1, 0.2], [0.1] * 2), "at least 3 studies"),
        (lambda: meta.baujat([0.1, 0.2, 0.3], [0.1] * 3, [1, 1, 1]), "constant"),
        (lambda: meta.q_profile_interval([0.1, 0.2], [0.1, 0.1], level=1.5), "level"),
    ],
)
def test_bad_input_raises_clear_errors(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_linear_time_traces_equal_dense_projection():
    """The O(k) traces used for I^2, H^2 and se(tau^2) equal those of the dense k x k projection."""
    rng = np.random.default_rng(3)
    v = rng.uniform(0.01, 0.2, 40)
    X = np.column_stack([np.ones(40), rng.normal(size=40), rng.normal(2000, 5, size=40)])
    w = 1 / (v + 0.07)
    W = np.diag(w)
    P = W - W @ X @ np.linalg.solve(X.T @ W @ X, X.T @ W)
    A = (X.T * w) @ X
    assert meta._trace_p(X, w, A) == pytest.approx(np.trace(P), rel=1e-10)
    assert meta._trace_pp(X, w, A) == pytest.approx(np.trace(P @ P), rel=1e-10)


def test_weighted_traces_equal_dense_projection():
    """tr(PD), tr(PDP), tr(PDPD) for se(tau^2) (HE, SJ) equal the dense k x k computation."""
    rng = np.random.default_rng(4)
    k = 30
    v = rng.uniform(0.01, 0.2, k)
    X = np.column_stack([np.ones(k), rng.normal(size=k)])
    for w in (1 / (v + 0.05), np.ones(k)):
        W = np.diag(w)
        P = W - W @ X @ np.linalg.solve(X.T @ W @ X, X.T @ W)
        D = np.diag(v)
        expected = (np.trace(P @ D), np.trace(P @ D @ P), np.trace(P @ D @ P @ D))
        assert meta._p_traces(X, w, v) == pytest.approx(expected, rel=1e-10)


def test_score_grid_equals_pointwise_score():
    rng = np.random.default_rng(5)
    v = rng.uniform(0.01, 0.2, 25)
    y = rng.normal(0, 0.3, 25)
    X = np.column_stack([np.ones(25), rng.normal(size=25)])
    grid = np.geomspace(1e-4, 2, 15)
    for restricted in (True, False):
        pointwise = [meta._score(y, v, X, t, restricted) for t in grid]
        assert meta._score_grid(y, v, X, grid, restricted) == pytest.approx(pointwise, rel=1e-9, abs=1e-9)


def test_q_profile_interval_has_nominal_coverage():
    """Q(tau^2) at the true tau^2 is exactly chi^2 with k - 1 df, so the Q-profile interval is exact:
    coverage 0.95 within 4 Monte-Carlo standard errors (400 replicates: 0.044)."""
    rng = np.random.default_rng(6)
    k, tau2 = 12, 0.05
    v = rng.uniform(0.01, 0.1, k)
    hits = 0
    for _ in range(400):
        y = 0.2 + rng.normal(0, np.sqrt(tau2 + v))
        lo, hi = meta.q_profile_interval(y, v)
        hits += lo <= tau2 <= hi
    assert abs(hits / 400 - 0.95) <= 4 * np.sqrt(0.95 * 0.05 / 400)


def test_random_permutation_test_is_seeded_and_close_to_exact(rr, bcg):
    """With fewer permutations than distinct arrangements the p-value is a Monte-Carlo estimate of the
    exact one (1716 arrangements of 7 random-allocation trials among 13): within 4 standard errors."""
    y, v = rr["log_effect"], rr["variance"]
    moderator = (bcg["allocation"] == "random").astype(float)
    exact = meta.permutation_test(y, v, moderator, tau2_method="DL", n_permutations=2000)
    first = meta.permutation_test(y, v, moderator, tau2_method="DL", n_permutations=300, seed=11)
    again = meta.permutation_test(y, v, moderator, tau2_method="DL", n_permutations=300, seed=11)
    assert exact.exact and not first.exact and first.n_permutations == 300 and first.seed == 11
    assert first.to_frame().equals(again.to_frame())
    p = exact.qm_permutation_p_value
    assert abs(first.qm_permutation_p_value - p) <= 4 * np.sqrt(p * (1 - p) / 300)
    assert "permutation p" in first.summary()


def test_meta_regression_predict_threshold_and_errors(rr, bcg):
    y, v = rr["log_effect"], rr["variance"]
    res = meta.meta_regression(y, v, bcg["latitude"], threshold=33, name="latitude")
    pred = res.predict([20, 40])
    b = res.coefficients.estimate.to_numpy()
    assert pred.estimate.tolist() == pytest.approx([b[0], b[0] + b[1]])
    assert (pred.pi_low < pred.ci_low).all() and (pred.ci_high < pred.pi_high).all()
    table = meta.meta_regression(y, v, pd.DataFrame({"ablat": bcg["latitude"], "alloc": bcg["allocation"]}))
    with pytest.raises(ValueError, match="not in the fitted data"):
        table.predict(pd.DataFrame({"ablat": [10], "alloc": ["cluster"]}))
    with pytest.raises(KeyError, match="lack column"):
        table.predict(pd.DataFrame({"ablat": [10]}))
    with pytest.raises(TypeError, match="DataFrame"):
        table.predict([10, 1])
    with pytest.raises(ValueError, match="column"):
        meta.meta_regression(y, v, bcg["latitude"]).predict(np.ones((2, 2)))


def test_influence_marks_rank_deficient_deletions_as_missing(rr, bcg):
    """Deleting the only study at one factor level leaves a singular design (metafor returns NA)."""
    y, v = rr["log_effect"].to_numpy(), rr["variance"].to_numpy()
    alloc = bcg["allocation"].to_numpy(str).copy()
    alloc[0] = "unique"
    res = meta.influence(y, v, pd.DataFrame({"alloc": alloc}), tau2_method="DL")
    table = res.to_frame()
    assert np.isnan(table.rstudent.iloc[0]) and np.isfinite(table.rstudent.iloc[1:]).all()
    assert "influential" in res.summary()
