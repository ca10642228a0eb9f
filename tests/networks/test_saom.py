"""Network SAOM: statistics against brute force, RSiena's published s50 example, parameter recovery."""

from __future__ import annotations

import numpy as np
import pytest

from kinship_research.data.loaders import glasgow
from kinship_research.data.registry import entry
from kinship_research.networks.longitudinal import LongitudinalNetwork
from kinship_research.networks.saom import Effect, estimate_saom, saom_data, simulate_network_period
from kinship_research.networks.saom.effects import covariate_arrays, network_statistics
from kinship_research.networks.saom.simulation import _contributions

EFFECTS = ["outdegree", "reciprocity", "transitive_triplets", "three_cycles", "similarity:v", "ego:v", "alter:v"]


def _brute_actor_statistics(x, v):
    """s_ik(x) by the definitions, looping over j and h."""
    n = len(x)
    v_bar = v.mean()
    sim = 1 - np.abs(v[:, None] - v[None, :]) / (v.max() - v.min())
    sim_bar = sim[~np.eye(n, dtype=bool)].mean()
    out = np.zeros((n, 7))
    for i in range(n):
        for j in range(n):
            if x[i, j]:
                out[i, 0] += 1
                out[i, 1] += x[j, i]
                out[i, 4] += sim[i, j] - sim_bar
                out[i, 5] += v[i] - v_bar
                out[i, 6] += v[j] - v_bar
                for h in range(n):
                    out[i, 2] += x[j, h] * x[i, h]
                    out[i, 3] += x[j, h] * x[h, i]
    return out


@pytest.fixture
def small_network():
    rng = np.random.default_rng(5)
    n = 9
    x = (rng.random((n, n)) < 0.35).astype(float)
    np.fill_diagonal(x, 0)
    return x, rng.integers(1, 4, n).astype(float)


def test_statistics_and_change_contributions_match_definitions(small_network):
    x, v = small_network
    effects = [Effect.parse(e) for e in EFFECTS]
    data = saom_data(np.stack([x, x]), covariates={"v": v})
    arrays = covariate_arrays(effects, data)
    brute = _brute_actor_statistics(x, v)
    np.testing.assert_allclose(network_statistics(x, effects, *arrays), brute.sum(axis=0))
    codes = np.array([e.code for e in effects])
    delta = np.zeros(len(effects))
    for i, j in [(0, 1), (2, 5), (4, 3), (8, 0), (6, 7)]:
        _contributions(x, i, j, codes, *arrays, delta)
        toggled = x.copy()
        toggled[i, j] = 1 - toggled[i, j]
        np.testing.assert_allclose(delta, _brute_actor_statistics(toggled, v)[i] - brute[i], atol=1e-12)


def test_bad_input():
    with pytest.raises(ValueError, match="must be one of"):
        Effect.parse("popularity")
    with pytest.raises(ValueError, match="needs a covariate"):
        Effect.parse("similarity")
    with pytest.raises(ValueError, match="shape"):
        saom_data(np.zeros((1, 4, 4)))
    data = saom_data(np.stack([np.eye(4)[::-1], np.ones((4, 4))]))
    with pytest.raises(ValueError, match="outdegree"):
        estimate_saom(data, ["reciprocity"])
    with pytest.raises(KeyError, match="covariate"):
        estimate_saom(data, ["outdegree", "similarity:smoke"])
    with pytest.raises(ValueError, match="exactly one"):
        simulate_network_period(np.zeros((4, 4)), ["outdegree"], [0.0])


@pytest.fixture(scope="module")
def s50(mirror):
    return LongitudinalNetwork.from_s50(glasgow.s50(mirror / "s50_data.zip", entry("s50")))


PUBLISHED_S50 = {  # RSiena manual (Ripley et al.), s50 waves 1-2, conditional MoM
    "rate period 1": (6.08, 1.02),
    "outdegree (density)": (-2.53, 0.16),
    "reciprocity": (2.10, 0.30),
    "transitive triplets": (0.55, 0.20),
    "3-cycles": (0.08, 0.38),
    "smoke1 similarity": (0.44, 0.26),
}


def test_s50_reproduces_rsiena_manual(s50):
    data = saom_data(s50.ties[:2], covariates={"smoke1": s50.attribute("tobacco")[0]})
    assert data.distance(0) == 115
    result = estimate_saom(
        data,
        ["outdegree", "reciprocity", "transitive_triplets", "three_cycles", "similarity:smoke1"],
        n_phase3=500,
        seed=2,
    )
    for effect, (estimate, std_error) in PUBLISHED_S50.items():
        ours, our_se = result[effect]
        # within half a published standard error, and the standard error within 30%
        assert abs(ours - estimate) < 0.5 * std_error, (effect, ours, estimate)
        assert abs(our_se / std_error - 1) < 0.3, (effect, our_se, std_error)
    assert result.max_convergence_ratio < 0.35
    again = estimate_saom(
        data,
        ["outdegree", "reciprocity", "transitive_triplets", "three_cycles", "similarity:smoke1"],
        n_phase3=500,
        seed=2,
    )
    np.testing.assert_array_equal(again.estimate, result.estimate)
    frame = result.to_frame()
    assert list(frame.columns[:7]) == ["effect", "kind", "estimate", "std_error", "t_convergence", "ci_low", "ci_high"]
    assert "Overall maximum convergence ratio" in result.summary()


TRUTH = {"rate period 1": 4.0, "outdegree (density)": -1.8, "reciprocity": 1.2, "transitive triplets": 0.25}


def test_parameter_recovery_on_simulated_panels():
    """Bias within 3 Monte-Carlo standard errors; pooled 95% coverage not below Binomial's 1% quantile."""
    effects = ["outdegree", "reciprocity", "transitive_triplets"]
    beta = [TRUTH["outdegree (density)"], TRUTH["reciprocity"], TRUTH["transitive triplets"]]
    n, n_replications = 30, 8
    seeds = np.random.default_rng(2024).spawn(n_replications)
    estimates, covered = [], []
    for rng in seeds:
        x0 = (rng.random((n, n)) < 0.1).astype(float)
        np.fill_diagonal(x0, 0)
        wave1, _, _ = simulate_network_period(x0, effects, beta, rate=20.0, seed=rng)  # burn-in
        wave2, _, _ = simulate_network_period(wave1, effects, beta, rate=TRUTH["rate period 1"], seed=rng)
        result = estimate_saom(saom_data(np.stack([wave1, wave2])), effects, n_phase3=200, seed=rng)
        truth = np.array([TRUTH[e] for e in result.effects])
        estimates.append(result.estimate - truth)
        covered.append((result.ci_low <= truth) & (truth <= result.ci_high))
    errors = np.array(estimates)
    monte_carlo_se = errors.std(axis=0, ddof=1) / np.sqrt(n_replications)
    assert (np.abs(errors.mean(axis=0)) < 3 * monte_carlo_se).all(), (errors.mean(axis=0), monte_carlo_se)
    # P(Binomial(32, 0.95) <= 27) ~ 0.02: fail if fewer than 28 of 32 intervals cover
    assert np.sum(covered) >= 28, np.sum(covered)
