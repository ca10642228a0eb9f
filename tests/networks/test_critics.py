"""The critics' checks: placebo, lagged alter, shuffle, ego fixed effects, simulation study, E-value."""

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import stats

from kinship_research.networks import critics
from kinship_research.networks.critics import (
    _permute_observed,
    _permute_trajectories,
    _trajectory_strata,
    confounder_bias_table,
    contagion_detection_study,
    e_value,
    ego_fixed_effects,
    lagged_alter_test,
    placebo_permutations,
    saom_rejection_rates,
    shuffle_test,
    simulate_homophily_contagion,
)
from kinship_research.networks.induction import induction_panel
from kinship_research.networks.longitudinal import LongitudinalNetwork

HOMOPHILY = {"n_nodes": 150, "homophily": 2.0, "latent_effect": 1.5, "influence": 0.0}
INFLUENCE = {"n_nodes": 150, "homophily": 0.0, "latent_effect": 0.0, "influence": 6.0}


def test_permute_observed_keeps_values_and_missing_pattern():
    rng = np.random.default_rng(0)
    values = np.array([[1, 0, np.nan], [0, np.nan, 1], [1, 1, 0]], dtype=float)
    for axis in (0, 1):
        out = _permute_observed(values, axis, rng)
        assert np.array_equal(np.isnan(out), np.isnan(values))
        for k in range(3):
            line = np.take(values, k, axis=1 - axis)
            permuted = np.take(out, k, axis=1 - axis)
            assert sorted(line[~np.isnan(line)]) == sorted(permuted[~np.isnan(permuted)])


def test_permute_trajectories_moves_whole_trajectories_within_strata():
    rng = np.random.default_rng(1)
    codes = np.array([0, 1, 0, 1, 1, 2, 0])
    for _ in range(20):
        donor = _permute_trajectories(codes, rng)
        assert sorted(donor) == list(range(7)) and np.array_equal(codes[donor], codes)
    seen = {tuple(_permute_trajectories(codes, rng)) for _ in range(1000)}  # all 36: P(miss) < 1e-10
    assert len(seen) == 6 * 6  # every within-stratum permutation occurs (3! 3!)


def test_trajectory_strata_use_missing_pattern_and_fixed_attributes():
    net = simulate_homophily_contagion(n_nodes=30, out_degree=3, seed=1)
    values = net.attribute("trait")
    values[1, :5] = np.nan
    net = net.with_attribute("group", np.tile((np.arange(30) % 2).astype(float), (3, 1)))
    codes = _trajectory_strata(net, values, ("group",))
    assert len(np.unique(codes)) == 4
    assert len(np.unique(codes[:5])) == 2 and not set(codes[:5]) & set(codes[5:])
    with pytest.raises(ValueError, match="changes across waves"):
        _trajectory_strata(net, values, ("trait",))


def test_simulation_shapes_and_validation():
    net = simulate_homophily_contagion(n_nodes=40, out_degree=3, seed=1)
    assert net.ties.shape == (3, 40, 40) and (np.nansum(net.ties, axis=2) == 3).all()
    assert set(np.unique(net.attribute("trait"))) <= {0.0, 1.0}
    again = simulate_homophily_contagion(n_nodes=40, out_degree=3, seed=1)
    assert np.array_equal(net.ties, again.ties)
    with pytest.raises(ValueError, match="out_degree"):
        simulate_homophily_contagion(n_nodes=4, out_degree=4)
    with pytest.raises(ValueError, match="tie_stability"):
        simulate_homophily_contagion(tie_stability=1.5)


def test_homophily_makes_friends_alike_in_the_latent_trait():
    net = simulate_homophily_contagion(**HOMOPHILY, seed=2)
    latent = net.attribute("latent")[0]
    ego, alter = np.nonzero(net.ties[0] == 1)
    assert np.corrcoef(latent[ego], latent[alter])[0, 1] > 0.5
    random = simulate_homophily_contagion(**INFLUENCE, seed=2)
    ego, alter = np.nonzero(random.ties[0] == 1)
    assert abs(np.corrcoef(latent[ego], latent[alter])[0, 1]) < 0.15  # ~ N(0, 1/sqrt(600))


def test_ego_fixed_effects_equals_dummy_regression():
    net = simulate_homophily_contagion(n_nodes=60, influence=4.0, seed=3)
    panel = induction_panel(net, "trait", tie_types=("ego_nominated",), exclusive=False)
    ours = ego_fixed_effects(panel).iloc[0]
    x = pd.concat(
        [
            panel[["alter_next", "alter_t"]],
            pd.get_dummies(panel["ego"], dtype=float),
            pd.get_dummies(panel["transition"], dtype=float, drop_first=True),
        ],
        axis=1,
    )
    groups = pd.factorize(panel["ego"])[0]
    direct = sm.OLS(panel["ego_next"].to_numpy(float), x.to_numpy()).fit(
        cov_type="cluster", cov_kwds={"groups": groups}
    )
    assert ours["estimate"] == pytest.approx(direct.params[0], rel=1e-8)
    assert ours["std_error"] == pytest.approx(direct.bse[0], rel=1e-6)
    with pytest.raises(ValueError, match="alter_terms"):
        ego_fixed_effects(panel, focal="ego_t")
    with pytest.raises(KeyError, match="no column"):
        ego_fixed_effects(panel.drop(columns="alter_t"))


def test_placebo_is_calibrated():
    """Permuted-within-wave trait: the clustered test rejects about alpha of the time.

    120 permutations x 1 tie type: with a true rate of 0.05 the count exceeds 16 with probability
    < 0.001 (binomial), so a failure means the test is anti-conservative, not bad luck.
    """
    net = simulate_homophily_contagion(**HOMOPHILY, seed=4)
    table = placebo_permutations(
        net, "trait", n_permutations=120, tie_types=("ego_nominated",), permute="within_wave", seed=5
    )
    row = table.iloc[0]
    assert row["rejections"] <= stats.binom.ppf(0.999, 120, 0.05)
    assert row["placebo_low"] < 0 < row["placebo_high"]
    # latent homophily makes friends alike: the observed coefficient is far outside the placebo null
    assert row["observed"] > row["placebo_high"] and row["permutation_p_value"] == pytest.approx(1 / 121)
    with pytest.raises(ValueError, match="n_permutations"):
        placebo_permutations(net, "trait", n_permutations=5)
    with pytest.raises(ValueError, match="cluster"):
        placebo_permutations(net, "trait", cluster="class")


def test_trajectory_placebos_keep_persistence_and_optionally_homophily():
    """A persistent trait with no influence and no homophily: the trajectory placebo's test rejects
    about alpha (120 permutations: > 16 rejections has P < 0.001 at a true 5%). Under latent
    homophily the observed coefficient lies outside the trajectory placebo; the homophilous
    variant matches the observed friend similarity (stops within 0.01) and moves the placebo up."""
    null = simulate_homophily_contagion(n_nodes=150, latent_effect=1.5, seed=8)
    row = placebo_permutations(
        null, "trait", n_permutations=120, tie_types=("ego_nominated",), permute="trajectories", seed=9
    ).iloc[0]
    assert row["rejections"] <= stats.binom.ppf(0.999, 120, 0.05) and row["n_undefined_se"] == 0
    net = simulate_homophily_contagion(**HOMOPHILY, seed=4)
    plain, homophilous = (
        placebo_permutations(net, "trait", n_permutations=40, tie_types=("ego_nominated",), permute=p, seed=5).iloc[0]
        for p in ("trajectories", "homophilous_trajectories")
    )
    assert plain["observed"] > plain["placebo_high"] and plain["permutation_p_value"] == pytest.approx(1 / 41)
    assert plain["calibrated_p_value"] == pytest.approx(1 / 41) and plain["model_p_value"] < 1e-3
    assert abs(plain["similarity_placebo"]) < 0.1 < plain["similarity_observed"]
    assert homophilous["similarity_placebo"] == pytest.approx(homophilous["similarity_observed"], abs=0.03)
    assert homophilous["placebo_mean"] > plain["placebo_mean"]
    with pytest.raises(ValueError, match="permute"):
        placebo_permutations(net, "trait", permute="waves")
    with pytest.raises(ValueError, match="strata"):
        placebo_permutations(net, "trait", permute="within_wave", strata=("latent",))
    with pytest.raises(ValueError, match="changes across waves"):
        placebo_permutations(net, "trait", strata=("trait",))


def test_dyadic_errors_calibrate_the_placebo_for_mutual_ties(mirror):
    """On the Glasgow network the two directions of a mutual tie are dependent rows: clustering on
    the ego alone over-rejects the placebo (about 19% at alpha 0.05), the dyadic sandwich less."""
    from kinship_research.data import load

    net = LongitudinalNetwork.from_glasgow(
        load("glasgow_friendship"), load("glasgow_substances"), load("glasgow_demographic")
    ).indicator("smoking", "tobacco", 2)
    rates = {
        cluster: placebo_permutations(
            net, "smoking", n_permutations=120, tie_types=("mutual",), cluster=cluster, permute="within_wave", seed=3
        )["rejections"].iloc[0]
        for cluster in ("ego", "dyadic")
    }
    # at a true rate of 0.05, >= 14 of 120 has P < 0.005: the ego-clustered test is anti-conservative
    assert rates["ego"] >= stats.binom.isf(0.005, 120, 0.05)
    assert rates["dyadic"] < rates["ego"]


def test_lagged_alter_uses_alter_t_only():
    net = simulate_homophily_contagion(n_nodes=80, influence=4.0, seed=6)
    panel = induction_panel(net, "trait")
    result = lagged_alter_test(panel, n_draws=200, seed=0)
    assert set(result.coefficients["term"]) == {"intercept", "ego_t", "alter_t", "transition[2]"}
    assert result.focal == "alter_t" and len(result.risk_change) == 3


def test_shuffle_test_output_and_validation():
    net = simulate_homophily_contagion(**INFLUENCE, seed=7)
    table = shuffle_test(net, "trait", n_shuffles=39, tie_types=("ego_nominated",), exclusive=False, seed=1)
    row = table.iloc[0]
    assert row["n_shuffles"] == 39 and 1 / 40 <= row["p_value"] <= 1
    assert row["null_low"] <= row["null_mean"] <= row["null_high"]
    with pytest.raises(ValueError, match="n_shuffles"):
        shuffle_test(net, "trait", n_shuffles=5)


@pytest.fixture(scope="module")
def study():
    return contagion_detection_study(
        {"homophily": HOMOPHILY, "influence": INFLUENCE}, n_replications=12, n_shuffles=39, seed=11
    ).set_index(["scenario", "method"])


def test_latent_homophily_fools_the_naive_model_but_not_the_shuffle_or_fixed_effects(study):
    # naive GEE: >= 8 of 12 is P < 0.01 if the true rate were <= 0.3; observed rates near 1
    assert study.loc[("homophily", "naive_gee"), "rejections"] >= 8
    # the lagged-alter model is confounded in the same way (Shalizi & Thomas): it does not flag it
    assert study.loc[("homophily", "lagged_alter"), "rejections"] >= 8
    # shuffle and ego fixed effects: > 3 of 12 has P < 0.003 at a true rate of 0.05
    assert study.loc[("homophily", "shuffle"), "rejections"] <= 3
    assert study.loc[("homophily", "ego_fixed_effects"), "rejections"] <= 3


def test_true_influence_is_detected(study):
    # naive GEE power ~0.9 at these sizes: fewer than 7 of 12 has P < 0.005
    assert study.loc[("influence", "naive_gee"), "rejections"] >= 7
    # shuffle power ~0.5: fewer than 2 of 12 has P < 0.005
    assert study.loc[("influence", "shuffle"), "rejections"] >= 2
    rates = study["rate"]
    assert ((study["rate_low"] <= rates) & (rates <= study["rate_high"])).all()


def test_study_validation():
    with pytest.raises(ValueError, match="seed"):
        contagion_detection_study({"x": {"seed": 1}})
    with pytest.raises(ValueError, match="scenarios"):
        contagion_detection_study({})


SMALL = {"n_nodes": 40, "out_degree": 3}
TINY_SAOM = {"n_phase3": 20, "n_subphases": 1, "max_restarts": 0}


def test_saom_sees_the_data_sets_of_the_detection_study(monkeypatch):
    """The SAOM's data set r of a scenario is the detection study's replication r (same simulation seed)."""
    calls = []
    simulate = critics.simulate_homophily_contagion

    def recording(**arguments):
        calls.append((arguments["homophily"], arguments["seed"]))
        return simulate(**arguments)

    monkeypatch.setattr(critics, "simulate_homophily_contagion", recording)
    scenarios = {"a": {**SMALL, "homophily": 0.0}, "b": {**SMALL, "homophily": 1.0, "influence": 4.0}}
    contagion_detection_study(scenarios, n_replications=3, n_shuffles=19, seed=5)
    detection, calls[:] = list(calls), []
    saom_rejection_rates(scenarios, n_replications=2, study_replications=3, only=("b",), seed=5, **TINY_SAOM)
    assert calls == detection[3:5]


def test_saom_rejection_rates_are_counted_over_converged_fits():
    scenarios = {
        "homophily": {**SMALL, "homophily": 2.0, "latent_effect": 1.5},
        "influence": {**SMALL, "influence": 6.0},
    }
    study = saom_rejection_rates(scenarios, n_replications=3, seed=3, **TINY_SAOM)
    fits, rates = study.fits, study.to_frame().set_index("scenario")
    assert list(fits["scenario"]) == ["homophily"] * 3 + ["influence"] * 3
    converged = fits["converged"]
    assert (converged == (fits["max_convergence_ratio"] < 0.25)).all()
    assert not (fits["reports_influence"] & ~converged).any()
    t = fits["influence_estimate"] / fits["influence_std_error"]
    assert (fits["reports_influence"] == (converged & (t > stats.norm.ppf(0.975)))).all()
    for name, sub in fits.groupby("scenario"):
        row = rates.loc[name]
        assert row["n_replications"] == row["n_converged"] == converged[sub.index].sum()
        assert row["rejections"] == sub["reports_influence"].sum() and row["n_datasets"] == 3
        if row["n_replications"]:
            assert row["rate_low"] <= row["rate"] == row["rejections"] / row["n_replications"] <= row["rate_high"]
    assert {"scenario", "method", "rejections", "n_replications", "rate", "rate_low", "rate_high"} <= set(
        rates.reset_index()
    )
    again = saom_rejection_rates(scenarios, n_replications=3, seed=3, only=("influence",), **TINY_SAOM)
    pd.testing.assert_frame_equal(
        again.fits.drop(columns="scenario"), fits.iloc[3:].drop(columns="scenario").reset_index(drop=True)
    )
    assert "influence" in study.summary()


def test_saom_counts_data_sets_without_change_as_failed():
    study = saom_rejection_rates({"frozen": {**SMALL, "tie_stability": 1.0}}, n_replications=1, seed=0, **TINY_SAOM)
    row = study.to_frame().iloc[0]
    assert row["n_failed"] == 1 and row["n_converged"] == row["n_replications"] == 0 and np.isnan(row["rate"])
    assert "no tie" in study.fits["error"].iloc[0]


def test_saom_rejection_rates_validation():
    with pytest.raises(ValueError, match="seed"):
        saom_rejection_rates({"x": {"seed": 1}})
    with pytest.raises(ValueError, match="influence_effect"):
        saom_rejection_rates({"x": SMALL}, influence_effect="total_similarity")
    with pytest.raises(ValueError, match="study_replications"):
        saom_rejection_rates({"x": SMALL}, n_replications=5, study_replications=3)
    with pytest.raises(ValueError, match="only"):
        saom_rejection_rates({"x": SMALL}, only=("y",))


@pytest.mark.slow
def test_latent_homophily_fools_the_saom():
    """Friends chosen on an unobserved trait that drives the behaviour: the SAOM's influence effect is
    significant far more often than alpha (Shalizi & Thomas 2011 apply to it as to the GEE)."""
    study = saom_rejection_rates({"homophily": HOMOPHILY}, n_replications=6, seed=11).to_frame().iloc[0]
    assert study["n_converged"] >= 4, study
    # one-sided binomial test against a true rate of 0.2 (four times alpha) at the 3% level
    assert stats.binom.sf(study["rejections"] - 1, study["n_converged"], 0.2) < 0.03, study


def test_e_value_closed_form():
    for rr in (1.0, 1.3, 2.0, 3.9):
        assert e_value(rr)["e_value"] == pytest.approx(rr + np.sqrt(rr * (rr - 1)))
    # VanderWeele & Ding 2017 worked example: RR 3.9 (CI 1.8 to 8.7) -> E 7.26, CI limit 3.0
    out = e_value(3.9, 1.8, 8.7)
    assert out["e_value"] == pytest.approx(7.26, abs=0.01) and out["e_value_ci"] == pytest.approx(3.0, abs=0.01)
    assert e_value(0.5)["e_value"] == pytest.approx(2 + np.sqrt(2))
    assert e_value(1.5, 0.9, 2.5)["e_value_ci"] == 1.0
    with pytest.raises(ValueError, match="positive"):
        e_value(-1)
    with pytest.raises(ValueError, match="ci_low"):
        e_value(1.5, 1.6, 2.0)


def test_confounder_bias_table():
    table = confounder_bias_table(
        1.5, confounder_outcome_rr=(2.0,), prevalence_exposed=(0.5,), prevalence_unexposed=0.1
    )
    row = table.iloc[0]
    assert row["bias_factor"] == pytest.approx(1.5 / 1.1)
    assert row["corrected_rr"] == pytest.approx(1.1) and not row["explained_away"]
    # no imbalance in U, no bias
    flat = confounder_bias_table(1.5, prevalence_exposed=(0.1,), prevalence_unexposed=0.1)
    assert np.allclose(flat["bias_factor"], 1.0)
    # U with RR 1.5 on the outcome, in every exposed and no unexposed pair: bias 1.5, explained away
    strong = confounder_bias_table(
        1.5, confounder_outcome_rr=(1.5, 1.4), prevalence_exposed=(1.0,), prevalence_unexposed=0.0
    )
    assert strong["explained_away"].tolist() == [True, False]
    with pytest.raises(ValueError, match="prevalences"):
        confounder_bias_table(1.5, prevalence_exposed=(1.2,))
    with pytest.raises(ValueError, match=">= 1"):
        confounder_bias_table(1.5, confounder_outcome_rr=(0.5,))
