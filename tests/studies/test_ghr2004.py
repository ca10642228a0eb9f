"""Tests of the GHR (2004) HALE model: OLS algebra against hand formulas, data checks, bad input."""

import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf
from scipy import stats

from kinship_research.methods.regression import fit_ols, partial_effect
from kinship_research.studies.ghr2004 import HALE_PREDICTORS, hale_model


@pytest.fixture
def heteroskedastic():
    rng = np.random.default_rng(7)
    n = 120
    x1, x2 = rng.normal(size=n), rng.uniform(0, 3, size=n)
    y = 1.0 + 2.0 * x1 - 0.5 * x2 + rng.normal(scale=0.5 + np.abs(x1), size=n)
    frame = pd.DataFrame({"y": y, "x1": x1, "x2": x2})
    frame.loc[[3, 10], "x2"] = np.nan
    return frame


def hand_ols(frame):
    d = frame.dropna()
    X = np.column_stack([np.ones(len(d)), d["x1"], d["x2"]])
    y = d["y"].to_numpy()
    xtx_inv = np.linalg.inv(X.T @ X)
    beta = xtx_inv @ X.T @ y
    e = y - X @ beta
    n, k = X.shape
    classical = e @ e / (n - k) * xtx_inv
    h = np.einsum("ij,jk,ik->i", X, xtx_inv, X)

    def meat(w):
        return X.T @ (X * w[:, None])

    hc1 = n / (n - k) * xtx_inv @ meat(e**2) @ xtx_inv
    hc3 = xtx_inv @ meat(e**2 / (1 - h) ** 2) @ xtx_inv
    return X, beta, {"nonrobust": classical, "HC1": hc1, "HC3": hc3}, n, k


def test_fit_ols_matches_hand_formulas(heteroskedastic):
    _, beta, covs, n, k = hand_ols(heteroskedastic)
    table = fit_ols(heteroskedastic, "y", ["x1", "x2"]).to_frame(level=0.9)
    assert set(table["cov_type"]) == {"nonrobust", "HC1", "HC3"}
    assert (table["n"] == n).all() and n == 118
    tcrit = stats.t.ppf(0.95, n - k)
    for cov, V in covs.items():
        rows = table[table["cov_type"] == cov].set_index("term").loc[["const", "x1", "x2"]]
        np.testing.assert_allclose(rows["estimate"], beta, rtol=1e-10)
        np.testing.assert_allclose(rows["std_error"], np.sqrt(np.diag(V)), rtol=1e-10)
        np.testing.assert_allclose(rows["ci_low"], beta - tcrit * np.sqrt(np.diag(V)), rtol=1e-10)
        np.testing.assert_allclose(rows["p_value"], 2 * stats.t.sf(np.abs(beta / np.sqrt(np.diag(V))), n - k))
    # heteroskedasticity grows with |x1|: robust SE of x1 clearly exceeds the classical one
    x1 = table[table["term"] == "x1"].set_index("cov_type")["std_error"]
    assert x1["HC3"] > x1["HC1"] > 1.2 * x1["nonrobust"]


def test_r_squared_matches_formula_api(heteroskedastic):
    fit = fit_ols(heteroskedastic, "y", ["x1", "x2"])
    ref = smf.ols("y ~ x1 + x2", heteroskedastic).fit()
    assert fit.r_squared == pytest.approx(ref.rsquared, rel=1e-12)
    assert fit.adj_r_squared == pytest.approx(ref.rsquared_adj, rel=1e-12)


def test_partial_effect_matches_hand_prediction(heteroskedastic):
    fit = fit_ols(heteroskedastic, "y", ["x1", "x2"])
    X, beta, covs, n, k = hand_ols(heteroskedastic)
    effect = partial_effect(fit, "x2", n_points=5, cov_type="HC3", level=0.95)
    assert len(effect) == 5 and (effect["n"] == n).all()
    x1_mean = X[:, 1].mean()
    assert effect["value"].iloc[0] == pytest.approx(X[:, 2].min())
    assert effect["value"].iloc[-1] == pytest.approx(X[:, 2].max())
    c = np.column_stack([np.ones(5), np.full(5, x1_mean), effect["value"]])
    np.testing.assert_allclose(effect["predicted"], c @ beta, rtol=1e-10)
    se = np.sqrt(np.einsum("ij,jk,ik->i", c, covs["HC3"], c))
    np.testing.assert_allclose(effect["std_error"], se, rtol=1e-10)
    tcrit = stats.t.ppf(0.975, n - k)
    np.testing.assert_allclose(effect["ci_high"] - effect["predicted"], tcrit * se, rtol=1e-10)


def test_bad_input(heteroskedastic):
    with pytest.raises(KeyError, match="no column"):
        fit_ols(heteroskedastic, "y", ["x1", "nope"])
    with pytest.raises(ValueError, match="at least one"):
        fit_ols(heteroskedastic, "y", [])
    with pytest.raises(ValueError, match="cov_type must be one of"):
        fit_ols(heteroskedastic, "y", ["x1"], cov_types=("HC9",))
    with pytest.raises(ValueError, match="not numeric"):
        fit_ols(heteroskedastic.assign(x1=heteroskedastic["x1"].astype(str)), "y", ["x1"])
    with pytest.raises(ValueError, match="complete cases"):
        fit_ols(heteroskedastic.head(5), "y", ["x1", "x2"])
    with pytest.raises(ValueError, match="constant"):
        fit_ols(heteroskedastic.assign(x3=1.0), "y", ["x1", "x3"])
    with pytest.raises(ValueError, match="collinear"):
        fit_ols(heteroskedastic.assign(x3=2 * heteroskedastic["x1"]), "y", ["x1", "x3"])
    fit = fit_ols(heteroskedastic, "y", ["x1", "x2"])
    with pytest.raises(KeyError, match="not a predictor"):
        partial_effect(fit, "x3")
    with pytest.raises(ValueError, match="n_points"):
        partial_effect(fit, "x1", n_points=1)
    with pytest.raises(ValueError, match="level is the interval coverage"):
        fit.to_frame(level=1.5)
    with pytest.raises(ValueError, match="cov_type must be one of"):
        partial_effect(fit, "x1", cov_type="robust")
    with pytest.raises(KeyError, match="log_gdppc"):
        hale_model(heteroskedastic, min_log_gdppc=9.0)
    with pytest.raises(ValueError, match="finite"):
        hale_model(heteroskedastic.assign(log_gdppc=1.0), min_log_gdppc=float("nan"))


@pytest.fixture
def ghr04():
    from kinship_research.data import load

    return load("ghr04")


def test_hale_model_on_ghr04(ghr04):
    """Stevedata's reduced GHR04 data: 182 countries, one missing urban growth, so N = 181 (the
    stevedata documentation notes one observation more than the paper reports)."""
    fit = hale_model(ghr04)
    assert fit.n == 181 and fit.predictors == HALE_PREDICTORS
    ref = smf.ols("hale ~ " + " + ".join(HALE_PREDICTORS), ghr04).fit()
    table = fit.to_frame().query("cov_type == 'nonrobust'").set_index("term")
    np.testing.assert_allclose(table.loc[list(HALE_PREDICTORS), "estimate"], ref.params[list(HALE_PREDICTORS)])
    assert fit.r_squared == pytest.approx(ref.rsquared)
    # the paper's headline signs: spending and education raise HALE; inequality, war lower it
    assert table.loc["gini", "ci_high"] < 0 and table.loc["totexphlth", "ci_low"] > 0


def test_drop_constant(heteroskedastic):
    fit = fit_ols(heteroskedastic.assign(x3=1.0), "y", ["x1", "x3", "x2"], drop_constant=True)
    assert fit.predictors == ("x1", "x2") and fit.dropped == ("x3",)
    assert set(fit.to_frame()["term"]) == {"const", "x1", "x2"}


def test_rich_country_subset(ghr04):
    """No rich country had civil-war deaths, so that predictor drops out of the subset model."""
    threshold = np.log(10_000)
    rich = ghr04[ghr04["log_gdppc"] >= threshold]
    fit = hale_model(ghr04, min_log_gdppc=threshold)
    assert fit.dropped == ("cwdeaths",)
    assert fit.n == len(rich.dropna(subset=list(HALE_PREDICTORS)))
    ref = smf.ols("hale ~ " + " + ".join(fit.predictors), rich).fit()
    assert fit.r_squared == pytest.approx(ref.rsquared)


def test_partial_residuals_scatter_around_partial_effect(heteroskedastic):
    """Component-plus-residual: adjusted - line(x) equals the OLS residual, and regressing the
    adjusted values on x reproduces the multiple-regression slope (Frisch-Waugh for the mean line)."""
    from kinship_research.methods.regression import partial_residuals

    fit = fit_ols(heteroskedastic, "y", ["x1", "x2"])
    parts = partial_residuals(fit, "x2")
    assert parts.index.equals(fit.data.index)
    line = partial_effect(fit, "x2", n_points=2)
    slope = (line["predicted"].iloc[1] - line["predicted"].iloc[0]) / (line["value"].iloc[1] - line["value"].iloc[0])
    intercept = line["predicted"].iloc[0] - slope * line["value"].iloc[0]
    np.testing.assert_allclose(parts["adjusted"] - (intercept + slope * parts["value"]), fit.results.resid, atol=1e-10)
    assert np.polyfit(parts["value"], parts["adjusted"], 1)[0] == pytest.approx(fit.results.params[2], rel=1e-8)
    with pytest.raises(KeyError, match="not a predictor"):
        partial_residuals(fit, "y")
