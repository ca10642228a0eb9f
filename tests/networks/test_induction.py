"""Induction panel and GEE: panel construction, agreement with statsmodels, recovery of known effects."""

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
import statsmodels.formula.api as smf
from scipy.special import expit

from kinship_research.networks.induction import (
    fit_induction,
    induction_panel,
    logistic_cluster_fit,
    node_codes,
    robust_covariance,
)
from kinship_research.networks.longitudinal import LongitudinalNetwork


def chain_network() -> LongitudinalNetwork:
    """a<->b mutual, a->c only, d->a only; trait of all four at three waves; d unknown at wave 3."""
    edges = pd.DataFrame(
        {"wave": [1, 1, 1, 1, 2, 2], "ego": ["a", "b", "a", "d", "a", "b"], "alter": ["b", "a", "c", "a", "b", "a"]}
    )
    trait = {"a": [0, 1, 1], "b": [1, 1, 0], "c": [0, 0, 1], "d": [1, 0, None]}
    attributes = pd.DataFrame(
        [{"wave": w + 1, "node": n, "smoker": v[w], "age": 13.0 + w} for n, v in trait.items() for w in range(3)]
    )
    return LongitudinalNetwork.from_frames(edges, attributes)


def test_panel_rows_by_tie_type():
    panel = induction_panel(chain_network(), "smoker", covariates=("age",))
    first = panel.loc[panel["transition"] == 1].set_index(["ego", "alter"])
    assert first.loc[("a", "b"), "tie_type"] == "mutual" and first.loc[("b", "a"), "tie_type"] == "mutual"
    assert first.loc[("a", "c"), "tie_type"] == "ego_nominated"
    assert first.loc[("c", "a"), "tie_type"] == "alter_nominated"
    assert first.loc[("a", "d"), "tie_type"] == "alter_nominated"
    row = first.loc[("a", "c")]
    assert (row["ego_t"], row["ego_next"], row["alter_t"], row["alter_next"], row["age"]) == (0, 1, 0, 0, 13)
    second = panel.loc[panel["transition"] == 2]
    # only the mutual a-b tie at wave 2; d's wave-3 trait is missing so its pairs would drop anyway
    assert sorted(zip(second["ego"], second["alter"])) == [("a", "b"), ("b", "a")]
    assert len(panel) == 8  # 6 ordered pairs in transition 1, 2 in transition 2
    inclusive = induction_panel(chain_network(), "smoker", exclusive=False)
    # every nomination: a->b, b->a, a->c, d->a in transition 1 and a->b, b->a in transition 2
    assert (inclusive["tie_type"] == "ego_nominated").sum() == 6


def test_panel_bad_input():
    net = chain_network()
    with pytest.raises(ValueError, match="0/1"):
        induction_panel(net, "age")
    with pytest.raises(KeyError, match="unknown attribute"):
        induction_panel(net, "height")
    with pytest.raises(ValueError, match="unknown tie type"):
        induction_panel(net, "smoker", tie_types=("friends",))
    with pytest.raises(ValueError, match="clash"):
        induction_panel(net, "smoker", covariates=("ego_t",))


def simulated_panel(n_egos=400, alters=3, beta=(-1.5, 1.0, 0.8, 0.3), seed=0):
    """Panel with known logistic effects: intercept, ego_t, alter_next, alter_t; three tie types."""
    rng = np.random.default_rng(seed)
    rows = []
    types = ("mutual", "ego_nominated", "alter_nominated")
    for ego in range(n_egos):
        ego_t = rng.random() < 0.3
        for k in range(alters):
            tie_type = types[k % 3]
            alter_t = rng.random() < 0.3
            alter_next = rng.random() < (0.6 if alter_t else 0.2)
            effect = beta[2] if tie_type != "alter_nominated" else 0.0
            p = expit(beta[0] + beta[1] * ego_t + effect * alter_next + beta[3] * alter_t)
            rows.append(
                {
                    "ego": f"e{ego}",
                    "alter": f"a{ego}_{k}",
                    "transition": 1 + (k % 2),
                    "tie_type": tie_type,
                    "ego_t": float(ego_t),
                    "ego_next": float(rng.random() < p),
                    "alter_t": float(alter_t),
                    "alter_next": float(alter_next),
                }
            )
    return pd.DataFrame(rows)


def test_stacked_gee_equals_separate_statsmodels_fits():
    panel = simulated_panel(n_egos=300, seed=1)
    result = fit_induction(panel, seed=2, n_draws=200)
    for tie_type, sub in panel.groupby("tie_type"):  # noqa: B007 (used in query strings below)
        direct = smf.gee(
            "ego_next ~ ego_t + alter_next + alter_t + C(transition)",
            groups="ego",
            data=sub,
            family=sm.families.Binomial(),
            cov_struct=sm.cov_struct.Independence(),
        ).fit()
        ours = result.coefficients.query("tie_type == @tie_type").set_index("term")
        for term in ("ego_t", "alter_next", "alter_t"):
            assert ours.loc[term, "estimate"] == pytest.approx(direct.params[term], rel=1e-6)
            assert ours.loc[term, "std_error"] == pytest.approx(direct.bse[term], rel=1e-4)
        assert ours["n_obs"].iloc[0] == len(sub) and ours["n_egos"].iloc[0] == sub["ego"].nunique()


def test_recovers_known_influence_and_contrast():
    beta = (-1.5, 1.0, 0.8, 0.3)
    panel = simulated_panel(n_egos=3000, beta=beta, seed=3)
    result = fit_induction(panel, transition_effects=False, seed=4)
    focal = result.to_frame().set_index("tie_type")
    for tie_type, truth in (("mutual", beta[2]), ("ego_nominated", beta[2]), ("alter_nominated", 0.0)):
        row = focal.loc[tie_type]
        assert abs(row["estimate"] - truth) < 3.5 * row["std_error"]
        assert row["ci_low"] < row["estimate"] < row["ci_high"]
        # the simulated CI of the percentage change brackets the point estimate
        assert row["pct_change_low"] < row["pct_change"] < row["pct_change_high"]
    # percentage change at means, from the true coefficients
    means = panel.loc[panel["tie_type"] == "mutual", ["ego_t", "alter_t"]].mean()
    x0 = beta[0] + beta[1] * means["ego_t"] + beta[3] * means["alter_t"]
    true_pct = 100 * (expit(x0 + beta[2]) / expit(x0) - 1)
    row = focal.loc["mutual"]
    assert row["pct_change_low"] < true_pct < row["pct_change_high"]
    contrast = result.contrast.iloc[0]
    assert contrast["difference"] == pytest.approx(
        focal.loc["ego_nominated", "estimate"] - focal.loc["alter_nominated", "estimate"]
    )
    assert abs(contrast["difference"] - beta[2]) < 3.5 * contrast["std_error"] and contrast["p_value"] < 0.01


def test_contrast_covariance_uses_shared_clusters():
    """Rows of one ego in two tie types are correlated: the stacked variance differs from the sum."""
    panel = simulated_panel(n_egos=300, seed=5)
    result = fit_induction(panel, seed=0, n_draws=200)
    se = result.coefficients.query("term == 'alter_next'").set_index("tie_type")["std_error"]
    independent = np.sqrt(se["ego_nominated"] ** 2 + se["alter_nominated"] ** 2)
    assert result.contrast["std_error"].iloc[0] != pytest.approx(independent, rel=1e-6)


def test_logistic_cluster_fit_matches_statsmodels_gee():
    panel = simulated_panel(n_egos=200, seed=7)
    x = sm.add_constant(panel[["ego_t", "alter_next", "alter_t"]].to_numpy())
    groups = pd.factorize(panel["ego"])[0]
    beta, cov = logistic_cluster_fit(x, panel["ego_next"].to_numpy(), groups)
    gee = sm.GEE(
        panel["ego_next"].to_numpy(),
        x,
        groups=groups,
        family=sm.families.Binomial(),
        cov_struct=sm.cov_struct.Independence(),
    ).fit()
    assert np.allclose(beta, gee.params, rtol=1e-7)
    assert np.allclose(cov, gee.cov_params(), rtol=1e-5)


def test_dyadic_covariance_equals_double_sum():
    """Aronow et al. (2015): M = sum over row pairs sharing a pupil of u_r u_s'."""
    rng = np.random.default_rng(9)
    nodes = [f"p{k}" for k in range(12)]
    pairs = [(a, b) for a in nodes for b in nodes if a != b and rng.random() < 0.3]
    panel = pd.DataFrame(pairs, columns=["ego", "alter"]).assign(
        x1=lambda d: rng.standard_normal(len(d)), y=lambda d: (rng.random(len(d)) < 0.4) * 1.0
    )
    x = sm.add_constant(panel[["x1"]].to_numpy())
    beta = np.array([-0.3, 0.2])
    ego, alter = node_codes(panel)
    p = 1 / (1 + np.exp(-x @ beta))
    u = x * (panel["y"].to_numpy() - p)[:, None]
    share = (
        (ego[:, None] == ego[None, :])
        | (ego[:, None] == alter[None, :])
        | (alter[:, None] == ego[None, :])
        | (alter[:, None] == alter[None, :])
    )
    bread = np.linalg.inv((x * (p * (1 - p))[:, None]).T @ x)
    brute = bread @ (u.T @ share @ u) @ bread
    assert np.allclose(robust_covariance(x, panel["y"].to_numpy(), beta, ego, alter), brute)
    ego_only = ego[:, None] == ego[None, :]
    assert np.allclose(robust_covariance(x, panel["y"].to_numpy(), beta, ego), bread @ (u.T @ ego_only @ u) @ bread)


def test_dyadic_standard_errors_differ_when_pupils_are_both_ego_and_alter():
    panel = simulated_panel(n_egos=200, seed=10)
    panel["alter"] = np.roll(panel["ego"].to_numpy(), 7)  # alters are other rows' egos
    ego_fit = fit_induction(panel, n_draws=200, seed=0).coefficients
    dyadic_fit = fit_induction(panel, cluster="dyadic", n_draws=200, seed=0).coefficients
    assert np.allclose(ego_fit["estimate"], dyadic_fit["estimate"])
    assert not np.allclose(ego_fit["std_error"], dyadic_fit["std_error"])


def test_fit_bad_input():
    panel = simulated_panel(n_egos=100, seed=8)
    with pytest.raises(ValueError, match="alter_terms"):
        fit_induction(panel, focal="alter_future")
    with pytest.raises(ValueError, match="compare"):
        fit_induction(panel, compare=("mutual", "mutual"))
    with pytest.raises(KeyError, match="no column"):
        fit_induction(panel.drop(columns="alter_t"))
    with pytest.raises(ValueError, match="level"):
        fit_induction(panel, level=95)
    with pytest.raises(ValueError, match="cluster"):
        fit_induction(panel, cluster="school")
    with pytest.raises(ValueError, match="constant"):
        fit_induction(panel.assign(flag=1.0), covariates=("flag",))
    with pytest.raises(ValueError, match="missing values"):
        fit_induction(panel.assign(ego_t=np.nan))
