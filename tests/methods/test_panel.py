"""Panel estimators against statsmodels, linearmodels' own estimators and a panel whose between and
within slopes differ by construction (between 3, within 0.5)."""

import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf
from linearmodels.panel import FirstDifferenceOLS, PanelOLS

from kinship_research.methods import panel

WITHIN, BETWEEN = 0.5, 3.0


def constructed_panel(n_entities=30, n_years=20, noise=0.5, seed=0, drop=0.0):
    """y = a_i + 0.1 t + 0.5 x_it + e with a_i = 2.5 mean(x_i): within slope 0.5, between slope 3."""
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(n_entities):
        centre = 2 * rng.normal()
        x = centre + rng.normal(size=n_years)
        effect = (BETWEEN - WITHIN) * x.mean()
        for t in range(n_years):
            y = effect + 0.1 * t + WITHIN * x[t] + noise * rng.normal()
            rows.append((f"c{i:02d}", 1990 + t, x[t], y, rng.normal()))
    df = pd.DataFrame(rows, columns=["iso3", "year", "x", "y", "z"])
    if drop:
        df = df.sample(frac=1 - drop, random_state=seed).sort_values(["iso3", "year"])
    return df.reset_index(drop=True)


@pytest.fixture(scope="module")
def df():
    return constructed_panel()


def _groups(df):
    return pd.factorize(df["iso3"])[0]


def test_two_way_fe_equals_ols_with_dummies_and_cluster_se(df):
    fit = panel.two_way_fe(df, "y", "x", controls="z")
    ref = smf.ols("y ~ x + z + C(iso3) + C(year)", df).fit(cov_type="cluster", cov_kwds={"groups": _groups(df)})
    row = fit.coefficient("x")
    assert row["estimate"] == pytest.approx(ref.params["x"], rel=1e-10)
    assert row["std_error"] == pytest.approx(ref.bse["x"], rel=1e-8)
    assert (fit.n, fit.n_entities, fit.n_periods) == (600, 30, 20)
    assert abs(row["estimate"] - WITHIN) < 4 * row["std_error"]


def test_driscoll_kraay_equals_statsmodels_groupsum_up_to_the_dof_factor(df):
    fit = panel.two_way_fe(df, "y", "x", cov_type="driscoll_kraay", bandwidth=3)
    ref = smf.ols("y ~ x + C(iso3) + C(year)", df).fit(
        cov_type="nw-groupsum", cov_kwds={"time": (df["year"] - 1990).to_numpy(), "maxlags": 3, "use_correction": False}
    )
    # linearmodels scales the kernel covariance by n / (n - k), k counting the absorbed effects.
    k = 1 + 29 + 19 + 1
    assert fit.coefficient("x")["std_error"] == pytest.approx(ref.bse["x"] * np.sqrt(600 / (600 - k)), rel=1e-8)


def test_driscoll_kraay_default_bandwidth_is_the_documented_rule_and_linearmodels_default():
    assert [panel.driscoll_kraay_bandwidth(t) for t in (2, 10, 20, 52, 60, 100, 400)] == [1, 2, 2, 3, 3, 4, 5]
    small = constructed_panel(n_entities=8, n_years=12, seed=5)
    fit = panel.two_way_fe(small, "y", "x", cov_type="driscoll_kraay")
    assert fit.bandwidth == 2 and fit.df == np.inf
    data = small.set_index(["iso3", "year"])
    ref = PanelOLS(data["y"], data[["x"]], entity_effects=True, time_effects=True).fit(cov_type="kernel")
    assert fit.coefficient("x")["std_error"] == pytest.approx(ref.std_errors["x"], rel=1e-10)


def test_driscoll_kraay_equals_a_hand_computation_on_a_balanced_panel():
    small = constructed_panel(n_entities=6, n_years=10, seed=6)
    bandwidth = 2
    fit = panel.two_way_fe(small, "y", "x", cov_type="driscoll_kraay", bandwidth=bandwidth)
    wide = small.pivot(index="iso3", columns="year")
    x, y = (wide[v].to_numpy() for v in ("x", "y"))
    demean = lambda m: m - m.mean(1, keepdims=True) - m.mean(0, keepdims=True) + m.mean()  # noqa: E731
    xd, yd = demean(x), demean(y)
    slope = (xd * yd).sum() / (xd**2).sum()
    scores = (xd * (yd - slope * xd)).sum(0)  # one sum per year
    s = scores @ scores
    for j in range(1, bandwidth + 1):
        s += 2 * (1 - j / (bandwidth + 1)) * scores[j:] @ scores[:-j]
    n, k = x.size, 6 + 10 - 1 + 1  # entity effects, year effects beyond the first, the slope
    variance = s / (xd**2).sum() ** 2 * n / (n - k)
    assert fit.coefficient("x")["estimate"] == pytest.approx(slope, rel=1e-10)
    assert fit.coefficient("x")["std_error"] == pytest.approx(np.sqrt(variance), rel=1e-8)
    with pytest.raises(ValueError, match="below the number of periods"):
        panel.two_way_fe(small, "y", "x", cov_type="driscoll_kraay", bandwidth=10)


def unbalanced_trending_panel(seed, n_entities=40, n_years=40, window=15):
    """Entities with higher x are observed later, and y trends up by 0.5 a year: the raw means
    confound the between slope (3, attenuated to about 2.96 by the noise in a 15-year mean of x)
    with the trend."""
    rng = np.random.default_rng(seed)
    rows = []
    centres = np.sort(2 * rng.normal(size=n_entities))
    for i, centre in enumerate(centres):
        start = int(i * (n_years - window) / (n_entities - 1))
        x = centre + rng.normal(size=n_years)
        for t in range(start, start + window):
            y = (BETWEEN - WITHIN) * centre + 0.5 * t + WITHIN * x[t] + 0.5 * rng.normal()
            rows.append((f"c{i:02d}", 1990 + t, x[t], y))
    return pd.DataFrame(rows, columns=["iso3", "year", "x", "y"])


def test_between_on_detrended_data_removes_the_trend_an_unbalanced_panel_mixes_in(df):
    balanced = [panel.between_ols(df, "y", "x", time_effects=flag).coefficient("x") for flag in (True, False)]
    assert balanced[0]["estimate"] == pytest.approx(balanced[1]["estimate"], rel=1e-10)
    estimates = np.array(
        [
            [panel.between_ols(d, "y", "x", time_effects=flag).coefficient("x")["estimate"] for flag in (True, False)]
            for d in map(unbalanced_trending_panel, range(10))
        ]
    )
    reliability = 4 / (4 + 1 / 15)  # var(centre) / var(15-year mean of x)
    # Monte Carlo SD of one estimate is about 0.09, so of the mean of 10 about 0.03
    assert estimates[:, 0].mean() == pytest.approx((BETWEEN - WITHIN) * reliability + WITHIN, abs=0.12)
    assert estimates[:, 1].mean() > 4, "the raw means must show the trend bias this option removes"


def test_pooled_and_between_equal_statsmodels(df):
    pooled = panel.pooled_ols(df, "y", "x")
    ref = smf.ols("y ~ x", df).fit(cov_type="cluster", cov_kwds={"groups": _groups(df)})
    assert pooled.coefficient("x")["estimate"] == pytest.approx(ref.params["x"], rel=1e-10)
    assert pooled.coefficient("x")["std_error"] == pytest.approx(ref.bse["x"], rel=1e-8)
    between = panel.between_ols(df, "y", "x")
    means = df.groupby("iso3")[["x", "y"]].mean()
    ref = smf.ols("y ~ x", means).fit(cov_type="HC1", use_t=True)
    row = between.coefficient("x")
    assert row["estimate"] == pytest.approx(ref.params["x"], rel=1e-10)
    assert row["std_error"] == pytest.approx(ref.bse["x"], rel=1e-8)
    assert [row["ci_low"], row["ci_high"]] == pytest.approx(list(ref.conf_int().loc["x"]), rel=1e-8)
    assert between.n == 30
    assert abs(row["estimate"] - BETWEEN) < 4 * row["std_error"]


def test_hybrid_model_reproduces_fe_within_and_between_ols_on_a_balanced_panel(df):
    hybrid = panel.within_between_re(df, "y", "x")
    fe = panel.two_way_fe(df, "y", "x").coefficient("x")
    between = panel.between_ols(df, "y", "x").coefficient("x")
    assert hybrid.within["estimate"] == pytest.approx(fe["estimate"], rel=1e-8)
    assert hybrid.between["estimate"] == pytest.approx(between["estimate"], rel=1e-8)
    contrast = hybrid.contrast
    assert contrast["estimate"] == pytest.approx(between["estimate"] - fe["estimate"], rel=1e-8)
    assert contrast["ci_low"] > 0, "between 3 vs within 0.5 must be told apart"
    frame = hybrid.to_frame()
    assert set(frame["term"]) == {"x_within", "x_between", "x_between_minus_within"}


def test_first_differences_equal_linearmodels_and_long_differences_recover_within(df):
    fit = panel.difference_ols(df, "y", "x", time_effects=False)
    data = df.set_index(["iso3", "year"])
    ref = FirstDifferenceOLS(data["y"], data[["x"]]).fit(cov_type="clustered", cluster_entity=True)
    assert fit.coefficient("x")["estimate"] == pytest.approx(ref.params["x"], rel=1e-10)
    assert fit.n == 30 * 19
    long = panel.difference_ols(df, "y", "x", gap=10)
    assert long.specification == "long_difference_10" and long.n == 30  # 1990->2000 only
    exact = panel.difference_ols(constructed_panel(noise=0.0), "y", "x", gap=5)
    assert exact.coefficient("x")["estimate"] == pytest.approx(WITHIN, abs=1e-10)


def test_differences_do_not_bridge_gaps_in_a_series():
    gappy = constructed_panel(n_entities=5, n_years=6, noise=0.0)
    gappy = gappy[gappy["year"] != 1992]
    fit = panel.difference_ols(gappy, "y", "x")
    assert fit.n == 5 * 3  # 1991-1990, 1994-1993, 1995-1994


def test_lags_shift_within_entities_by_exact_years(df):
    out = panel.lagged(df, "x", 5)
    one = out[out["iso3"] == "c00"].set_index("year")
    assert one.loc[1999, "x_lag5"] == one.loc[1994, "x"] and one.loc[1994, "x_lag5"] != one.loc[1994, "x_lag5"]
    profile = panel.lag_profile(df, "y", "x", [0, 5])
    assert list(profile["lag"]) == [0, 5] and profile["n"].tolist() == [600, 450]
    # x is independent over time, so its fifth lag has no within effect
    zero = profile.set_index("lag").loc[5]
    assert zero["ci_low"] < 0 < zero["ci_high"] or abs(zero["estimate"]) < 4 * zero["std_error"]


def test_within_share_closed_form():
    df = pd.DataFrame({"iso3": ["a", "a", "b", "b"], "x": [0.0, 2.0, 10.0, 12.0]})
    # total SS about 6: 36+16+16+36 = 104; within SS: 1+1+1+1 = 4
    assert panel.within_share(df, "x") == pytest.approx(4 / 104)


def test_rubin_combine_by_hand():
    q, u = np.array([1.0, 1.2, 0.8, 1.1]), np.array([0.04, 0.05, 0.03, 0.04])
    out = panel.rubin_combine(q, u)
    b = q.var(ddof=1)
    total = u.mean() + 1.25 * b
    nu = 3 * (1 + u.mean() / (1.25 * b)) ** 2
    assert out.estimate == pytest.approx(q.mean()) and out.std_error == pytest.approx(np.sqrt(total))
    assert out.df == pytest.approx(nu)
    from scipy import stats

    assert out.ci_high - out.estimate == pytest.approx(stats.t(nu).ppf(0.975) * np.sqrt(total))
    small = panel.rubin_combine(q, u, df_complete=20)
    assert small.df < out.df
    with pytest.raises(ValueError, match="at least 2"):
        panel.rubin_combine([1.0], [0.1])


def test_measurement_error_attenuates_as_classical_theory_predicts():
    df = constructed_panel(n_entities=40, n_years=20, noise=0.2, seed=3)
    df["x_se"] = 1.0  # error variance 1 = within variance of x: reliability of demeaned x is 1/2
    fit = lambda d: panel.two_way_fe(d, "y", "x")  # noqa: E731
    result = panel.measurement_error_fits(df, fit, column="x", se_column="x_se", n_draws=20, seed=1)
    assert result.naive["estimate"] == pytest.approx(WITHIN, abs=0.05)
    # E[slope on noisy x] = 0.5 * reliability; reliability of within-x ~ 0.5 (Monte Carlo SD of the
    # mean of 20 draws is about 0.01, so 0.05 is a wide margin)
    assert result.combined.estimate == pytest.approx(0.25, abs=0.05)
    assert 0.4 < result.attenuation < 0.6 and result.widening > 1
    again = panel.measurement_error_fits(df, fit, column="x", se_column="x_se", n_draws=20, seed=1)
    assert again.combined == result.combined
    assert set(result.to_frame()["version"]) == {"naive", "rubin"}


def test_country_level_errors_are_absorbed_by_fixed_effects():
    df = constructed_panel(n_entities=10, n_years=8, seed=4)
    df["x_se"] = 2.0
    fit = lambda d: panel.two_way_fe(d, "y", "x")  # noqa: E731
    result = panel.measurement_error_fits(
        df, fit, column="x", se_column="x_se", n_draws=3, autocorrelation=0.999999, seed=0
    )
    assert result.draws["estimate"].to_numpy() == pytest.approx(result.naive["estimate"], abs=1e-3)
    # draws that agree add no uncertainty: with the complete-data df (Barnard & Rubin) the combined
    # interval is the naive one, not a normal interval narrower than the naive t interval
    # (a normal interval would be 1.96 / t(63) quantile 2.00 = 0.98 of the naive width)
    assert result.widening == pytest.approx(1.0, abs=0.005)
    assert 0.9 * fit(df).df < result.combined.df <= fit(df).df


def test_rubin_with_complete_data_df_matches_barnard_rubin_by_hand():
    q, u = np.array([1.0, 1.2, 0.8, 1.1]), np.array([0.04, 0.05, 0.03, 0.04])
    m, nu_com = 4, 20.0
    b, u_bar = q.var(ddof=1), u.mean()
    total = u_bar + (1 + 1 / m) * b
    gamma = (1 + 1 / m) * b / total
    nu_old = (m - 1) / gamma**2
    nu_obs = (nu_com + 1) / (nu_com + 3) * nu_com * (1 - gamma)
    out = panel.rubin_combine(q, u, df_complete=nu_com)
    assert out.df == pytest.approx(1 / (1 / nu_old + 1 / nu_obs))


def test_bad_input_is_named():
    df = constructed_panel(n_entities=3, n_years=3)
    with pytest.raises(KeyError, match="no column"):
        panel.two_way_fe(df, "y", "missing")
    with pytest.raises(ValueError, match="cov_type must be one of"):
        panel.two_way_fe(df, "y", "x", cov_type="hac")
    with pytest.raises(ValueError, match="repeated"):
        panel.two_way_fe(pd.concat([df, df]), "y", "x")
    with pytest.raises(TypeError, match="integers"):
        panel.two_way_fe(df.assign(year=df["year"].astype(str)), "y", "x")
    with pytest.raises(ValueError, match="level"):
        panel.pooled_ols(df, "y", "x", level=95)
    with pytest.raises(ValueError, match="autocorrelation"):
        panel.measurement_error_fits(
            df.assign(se=1.0), lambda d: panel.two_way_fe(d, "y", "x"), column="x", se_column="se", autocorrelation=1.0
        )
