"""Product-of-coefficients mediation: hand formulas, statsmodels' Mediation, bootstrap coverage."""

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from statsmodels.stats.mediation import Mediation

from kinship_research.methods import mediation as md
from kinship_research.methods.mediation import mediation


def _mediation_data(n, a=0.5, b=0.5, direct=0.3, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    m = a * x + rng.normal(size=n)
    return pd.DataFrame({"x": x, "m": m, "y": direct * x + b * m + rng.normal(size=n), "c": rng.normal(size=n)})


def test_mediation_point_estimates_equal_hand_product_of_coefficients():
    data = _mediation_data(80, seed=1)
    result = mediation(data, "x", "m", "y", covariates=("c",), n_boot=200, seed=0)
    fit_m = sm.OLS(data["m"], sm.add_constant(data[["x", "c"]])).fit()
    fit_y = sm.OLS(data["y"], sm.add_constant(data[["x", "m", "c"]])).fit()
    fit_total = sm.OLS(data["y"], sm.add_constant(data[["x", "c"]])).fit()
    est = result.estimates
    assert est["a (exposure -> mediator)"] == pytest.approx(fit_m.params["x"])
    assert est["b (mediator -> outcome | exposure)"] == pytest.approx(fit_y.params["m"])
    assert result.indirect == pytest.approx(fit_m.params["x"] * fit_y.params["m"])
    assert est["direct (c')"] == pytest.approx(fit_y.params["x"])
    assert est["total (c)"] == pytest.approx(fit_total.params["x"])
    assert est["total (c)"] == pytest.approx(est["direct (c')"] + result.indirect)
    frame = result.to_frame()
    assert (frame["n"] == 80).all() and (frame["ci_low"] < frame["ci_high"]).all()


def test_mediation_agrees_with_statsmodels_mediation_class():
    data = _mediation_data(100, seed=2)
    ours = mediation(data, "x", "m", "y", n_boot=500, seed=1)
    outcome_model = sm.OLS.from_formula("y ~ x + m", data)
    mediator_model = sm.OLS.from_formula("m ~ x", data)
    np.random.seed(0)  # statsmodels' Mediation draws from the global state
    reference = Mediation(outcome_model, mediator_model, "x", "m").fit(n_rep=50)
    # statsmodels' ACME (Imai et al. 2010 simulation) is the mean of 50 draws centred on a*b for
    # linear models; its draws also carry simulated-mediator noise, so only the mean is compared,
    # with Monte Carlo SE = sd(draws)/sqrt(50)
    draws = reference.ACME_avg
    assert draws.mean() == pytest.approx(ours.indirect, abs=4 * draws.std() / np.sqrt(len(draws)))


@pytest.mark.parametrize("ci_method", ["percentile", "BCa"])
def test_mediation_bootstrap_coverage(ci_method):
    # 200 simulated data sets, true indirect a*b = 0.25: coverage of the 95% CI within 3.2 MC SE
    reps = 200
    hits = 0
    for s in range(reps):
        res = mediation(_mediation_data(100, seed=1000 + s), "x", "m", "y", n_boot=499, ci_method=ci_method, seed=s)
        hits += res.ci_low["indirect (a*b)"] <= 0.25 <= res.ci_high["indirect (a*b)"]
    monte_carlo_se = np.sqrt(0.95 * 0.05 / reps)
    assert abs(hits / reps - 0.95) < 3.2 * monte_carlo_se + 0.01


def test_mediation_is_reproducible_and_validates_input():
    data = _mediation_data(50)
    first = mediation(data, "x", "m", "y", n_boot=200, seed=7).to_frame()
    pd.testing.assert_frame_equal(first, mediation(data, "x", "m", "y", n_boot=200, seed=7).to_frame())
    with pytest.raises(ValueError, match="ci_method"):
        mediation(data, "x", "m", "y", ci_method="normal")
    with pytest.raises(ValueError, match="n_boot"):
        mediation(data, "x", "m", "y", n_boot=10)
    with pytest.raises(ValueError, match="differ"):
        mediation(data, "x", "x", "y")
    with pytest.raises(KeyError, match="z"):
        mediation(data, "x", "m", "z")
    with pytest.raises(ValueError, match="too few"):
        mediation(data.head(4), "x", "m", "y")


def test_paths_batch_matches_loop():
    data = _mediation_data(30, seed=3)
    x, m, y = (data[c].to_numpy() for c in "xmy")
    c = data[["c"]].to_numpy()
    idx = np.random.default_rng(0).integers(0, 30, (5, 30))
    batch = md._mediation_paths(x, m, y, c, idx)
    for j, rows in enumerate(idx):
        single = md._mediation_paths(x, m, y, c, rows)
        np.testing.assert_allclose(batch[:, j], single)
