"""Panel estimators against statsmodels, linearmodels' own estimators and a panel whose between and
within slopes differ by construction (between 3, within 0.5)."""

import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf
from linearmodels.panel import FirstDifferenceOLS

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
