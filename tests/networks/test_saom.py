"""Network SAOM: statistics against brute force, RSiena's published s50 example, parameter recovery."""

from __future__ import annotations

import re

import numpy as np
import pytest
from scipy import stats

from kinship_research.data.loaders import glasgow
from kinship_research.data.registry import entry
from kinship_research.networks.longitudinal import LongitudinalNetwork
from kinship_research.networks.saom import (
    Effect,
    SaomResult,
    estimate_saom,
    saom_data,
    simulate_coevolution,
    simulate_network_period,
)
from kinship_research.networks.saom.effects import (
    behaviour_statistics,
    gwesp_weight,
    kernel_arrays,
    network_statistics,
)
from kinship_research.networks.saom.estimation import MIN_RATE, _Model
from kinship_research.networks.saom.interpretation import influence_table, selection_table
from kinship_research.networks.saom.panel import from_longitudinal
from kinship_research.networks.saom.reference import (
    RSIENA_MANUAL_S50,
    RSIENA_S50_COEVOLUTION,
    RSIENA_S50_COEVOLUTION_EFFECTS,
    RSIENA_S50_TARGETS,
)
from kinship_research.networks.saom.simulation import _behaviour_deltas, _network_deltas, run_kernel
from tests.networks import saom_reference_kernel

# numpy warnings reach notebook stderr: any RuntimeWarning (0/0 rate scores, sqrt of negatives) fails a test
pytestmark = pytest.mark.filterwarnings("error::RuntimeWarning")

EFFECTS = [
    "outdegree",
    "reciprocity",
    "transitive_triplets",
    "three_cycles",
    "similarity:v",
    "ego:v",
    "alter:v",
    "indegree_popularity",
    "outdegree_popularity",
    "outdegree_activity",
    "gwesp",
    "similarity:z",
    "alter:z",
    "reciprocal_degree_activity",
    "same:v",
    "same:z",
]
BEHAVIOUR = ["linear", "quadratic", "average_alter", "average_similarity", "total_similarity", "effect_from:v"]


def _brute_actor_statistics(x, v, z, z_mean, z_range, z_sim_mean):
    """s_ik(x) of EFFECTS by the definitions, looping over j and h (v centred here, z centred at z_mean)."""
    n = len(x)
    sim = 1 - np.abs(v[:, None] - v[None, :]) / (v.max() - v.min())
    sim_bar = sim[~np.eye(n, dtype=bool)].mean()
    zsim = 1 - np.abs(z[:, None] - z[None, :]) / z_range - z_sim_mean
    vc = v - v.mean()
    out = np.zeros((n, len(EFFECTS)))
    for i in range(n):
        for j in range(n):
            if x[i, j]:
                shared = sum(x[i, h] * x[h, j] for h in range(n))
                out[i] += [
                    1,
                    x[j, i],
                    sum(x[j, h] * x[i, h] for h in range(n)),
                    sum(x[j, h] * x[h, i] for h in range(n)),
                    sim[i, j] - sim_bar,
                    vc[i],
                    vc[j],
                    x[:, j].sum(),
                    x[j].sum(),
                    0,
                    2 * (1 - 0.5**shared),
                    zsim[i, j],
                    z[j] - z_mean,
                    0,
                    v[i] == v[j],
                    z[i] == z[j],
                ]
        out[i, 9] = x[i].sum() ** 2
        out[i, 13] = x[i].sum() * sum(x[i, h] * x[h, i] for h in range(n))  # x_i+ times reciprocated degree
    return out


def _brute_behaviour_statistics(x, v, z, z_mean, z_range, z_sim_mean):
    n = len(x)
    zc = z - z_mean
    zsim = 1 - np.abs(z[:, None] - z[None, :]) / z_range - z_sim_mean
    out = np.zeros((n, len(BEHAVIOUR)))
    for i in range(n):
        degree = x[i].sum()
        alters = [j for j in range(n) if x[i, j]]
        total_sim = sum(zsim[i, j] for j in alters)
        out[i] = [
            zc[i],
            zc[i] ** 2,
            zc[i] * sum(zc[j] for j in alters) / degree if degree else 0.0,
            total_sim / degree if degree else 0.0,
            total_sim,
            zc[i] * (v[i] - v.mean()),
        ]
    return out


@pytest.fixture(params=[5, 17, 23])
def small_panel(request):
    """Small random networks (three seeds) with an isolate and a behaviour at both ends of its range."""
    rng = np.random.default_rng(request.param)
    n = 9
    x = (rng.random((n, n)) < 0.35).astype(float)
    np.fill_diagonal(x, 0)
    x[0] = 0  # an isolate: average alter and similarity are 0
    v = rng.integers(1, 4, n).astype(float)
    z = rng.integers(1, 6, (2, n)).astype(float)
    z[:, :2] = [[1, 5], [5, 1]]
    data = saom_data(np.stack([x, x]), covariates={"v": v}, behaviour=("z", z))
    return x, v, data


def test_statistics_and_change_contributions_match_definitions(small_panel):
    x, v, data = small_panel
    beh = data.behaviour
    z = beh.values[0]
    scale = (beh.mean, beh.range, beh.sim_mean)
    effects = [Effect.parse(e) for e in EFFECTS]
    behaviour_effects = [Effect.parse(e, "z") for e in BEHAVIOUR]
    arrays, barrays = kernel_arrays(effects, data), kernel_arrays(behaviour_effects, data)
    brute = _brute_actor_statistics(x, v, z, *scale)
    np.testing.assert_allclose(network_statistics(x, arrays, z - beh.mean), brute.sum(axis=0))
    n = len(x)
    deltas = np.zeros((len(effects), n + 1))
    work, nbrs = np.zeros(n), np.zeros(n, dtype=np.int64)
    weights = gwesp_weight(np.arange(n + 2))
    assert (x * x.T).sum() > 0 and (v[:, None] == v[None, :])[x == 1].any()  # the new effects are exercised
    xt = np.ascontiguousarray(x.T)
    for i in range(n):
        _network_deltas(x, xt, i, *arrays, z - beh.mean, x.sum(0), x.sum(1), weights, work, nbrs, deltas)
        for j in set(range(n)) - {i}:
            toggled = x.copy()
            toggled[i, j] = 1 - toggled[i, j]
            expected = _brute_actor_statistics(toggled, v, z, *scale)[i] - brute[i]
            np.testing.assert_allclose(deltas[:, j], expected, atol=1e-12, err_msg=f"tie {i}->{j}")
    brute_b = _brute_behaviour_statistics(x, v, z, *scale)
    np.testing.assert_allclose(behaviour_statistics(x, z, barrays, beh), brute_b.sum(axis=0))
    bdeltas = np.zeros((3, len(behaviour_effects)))
    for i in range(n):
        _behaviour_deltas(x, i, z, beh.mean, beh.range, barrays.codes, barrays.values, x.sum(1), bdeltas)
        for row, step in enumerate((-1, 0, 1)):
            moved = z.copy()
            moved[i] += step
            expected = _brute_behaviour_statistics(x, v, moved, *scale)[i] - brute_b[i]
            np.testing.assert_allclose(bdeltas[row], expected, atol=1e-12, err_msg=f"actor {i} step {step}")


@pytest.mark.parametrize("conditional", [False, True])
def test_fast_kernel_is_the_reference_kernel_bit_for_bit(small_panel, conditional):
    """Same seeds, same ends, step counts and scores as the kernel as first written (kept in the tests),
    over every effect, a structural zero and both kinds of simulation; scores=False changes only the scores."""
    x, _, data = small_panel
    beh = data.behaviour
    n = len(x)
    effects = [Effect.parse(e) for e in [*EFFECTS, "ego:z"]]
    behaviour_effects = [Effect.parse(e, "z") for e in BEHAVIOUR]
    arrays, barrays = kernel_arrays(effects, data), kernel_arrays(behaviour_effects, data)
    rng = np.random.default_rng(5)
    changeable = ~np.eye(n, dtype=bool)
    changeable[3, :] = changeable[:, 3] = False  # an absent actor's pairs
    start = np.where(changeable, x, 0.0)
    active = np.ones(n, bool)
    active[3] = False
    weights = gwesp_weight(np.arange(n + 2))
    limits = (beh.mean, beh.range, beh.minimum, beh.maximum)
    for seed in range(6):
        beta, gamma = rng.normal(0, 0.4, len(effects)), rng.normal(0, 0.4, len(behaviour_effects))
        if conditional:
            options, share, z0 = {"target": 6}, 1.0, np.zeros(n)
            behaviour = {}
            bcodes, bvalues, reference_limits, reference_gamma = (
                np.zeros(0, np.int64),
                np.zeros((0, 1)),
                (0.0, 1.0, 0.0, 0.0),
                np.zeros(0),
            )
        else:
            options, share, z0 = {"n_steps": 400}, 0.7, beh.start[0].copy()
            behaviour = dict(
                behaviour_start=z0,
                behaviour=beh,
                behaviour_arrays=barrays,
                gamma=gamma,
                active=active,
                network_share=share,
            )
            bcodes, bvalues, reference_limits, reference_gamma = barrays.codes, barrays.values, limits, gamma
        fast = run_kernel(start, changeable, changeable, arrays, beta, seed, **options, **behaviour)
        x_ref, z_ref = start.copy(), z0.copy()
        steps = options.get("n_steps", 10_000 * 6)
        reference = saom_reference_kernel._simulate(
            x_ref, z_ref, start, changeable, changeable, active if not conditional else np.zeros(n, bool),
            options.get("target", -1), steps, share, arrays.codes, arrays.values, arrays.ranges, arrays.sim_means,
            bcodes, bvalues, *reference_limits, beta, reference_gamma, weights, seed,
        )  # fmt: skip
        np.testing.assert_array_equal(fast[0], x_ref)
        np.testing.assert_array_equal(fast[1], z_ref if not conditional else np.zeros(n))
        assert fast[2:4] == reference[:2]
        np.testing.assert_array_equal(fast[4], reference[2])
        np.testing.assert_array_equal(fast[5], reference[3])
        assert np.abs(fast[4]).sum() > 0
        quiet = run_kernel(start, changeable, changeable, arrays, beta, seed, **options, **behaviour, scores=False)
        np.testing.assert_array_equal(quiet[0], fast[0])
        np.testing.assert_array_equal(quiet[1], fast[1])
        assert quiet[2:4] == fast[2:4] and not quiet[4].any() and not quiet[5].any()


def _mean_share(effect, beta, share, covariates, n_runs=10):
    """Mean over seeded runs of ``share(x)`` for networks simulated from empty at rate 5."""
    start = np.zeros((20, 20))
    effects = ["outdegree", "reciprocity", effect]
    runs = [
        simulate_network_period(start, effects, [-1.5, 0.5, beta], rate=5.0, covariates=covariates, seed=seed)[0]
        for seed in range(n_runs)
    ]
    values = np.array([share(x) for x in runs])
    return values.mean(), values.std(ddof=1) / np.sqrt(n_runs)


@pytest.mark.parametrize("effect", ["same:v", "reciprocal_degree_activity"])
def test_new_effects_steer_the_simulation(effect):
    """A positive same / reciprocal-degree-activity parameter gives a larger share of same-value / reciprocated
    ties than a negative one: the difference exceeds 4 Monte-Carlo standard errors."""
    v = np.repeat([0.0, 1.0], 10)
    same = v[:, None] == v[None, :]
    share = {
        "same:v": lambda x: (x * same).sum() / x.sum(),
        "reciprocal_degree_activity": lambda x: (x * x.T).sum() / x.sum(),
    }[effect]
    high, high_se = _mean_share(effect, 0.5, share, {"v": v})
    low, low_se = _mean_share(effect, -0.5, share, {"v": v})
    assert high - low > 4 * np.hypot(high_se, low_se), (high, high_se, low, low_se)


def test_bad_input():
    with pytest.raises(ValueError, match="must be one of"):
        Effect.parse("popularity")
    with pytest.raises(ValueError, match="needs a covariate"):
        Effect.parse("similarity")
    with pytest.raises(ValueError, match="needs a covariate"):
        Effect.parse("same")
    with pytest.raises(ValueError, match="takes no covariate"):
        Effect.parse("reciprocal_degree_activity:v")
    with pytest.raises(ValueError, match="constant"):
        kernel_arrays([Effect.parse("same:c")], saom_data(np.zeros((2, 4, 4)), covariates={"c": np.ones(4)}))
    with pytest.raises(ValueError, match="no two actors"):
        kernel_arrays([Effect.parse("same:c")], saom_data(np.zeros((2, 4, 4)), covariates={"c": np.arange(4.0)}))
    with pytest.raises(ValueError, match="shape"):
        saom_data(np.zeros((1, 4, 4)))
    data = saom_data(np.stack([np.eye(4)[::-1], np.ones((4, 4))]))
    with pytest.raises(ValueError, match="outdegree"):
        estimate_saom(data, ["reciprocity"])
    with pytest.raises(KeyError, match="covariate"):
        estimate_saom(data, ["outdegree", "similarity:smoke"])
    with pytest.raises(KeyError, match="covariate"):
        estimate_saom(data, ["outdegree", "same:smoke"])
    with pytest.raises(ValueError, match="exactly one"):
        simulate_network_period(np.zeros((4, 4)), ["outdegree"], [0.0])
    with pytest.raises(ValueError, match="no behaviour"):
        estimate_saom(data, ["outdegree"], behaviour_effects=["linear"])
    z = np.array([[1, 2, 3, 1], [2, 2, 3, 1]])
    with_behaviour = saom_data(data.ties, behaviour=("z", z))
    with pytest.raises(ValueError, match="linear"):
        estimate_saom(with_behaviour, ["outdegree"], behaviour_effects=["quadratic"])
    with pytest.raises(ValueError, match="unconditional"):
        estimate_saom(with_behaviour, ["outdegree"], conditional=True)
    with pytest.raises(ValueError, match="integer-coded"):
        saom_data(data.ties, behaviour=("z", z + 0.5))
    with pytest.raises(ValueError, match="behaviour effect"):
        Effect.parse("average_alter")
    with pytest.raises(ValueError, match="behaviour_range"):
        simulate_coevolution(
            np.zeros((4, 4)),
            [1, 2, 3, 4],
            ["outdegree"],
            [-1.0],
            ["linear"],
            [0.0],
            rates=[1.0],
            behaviour_rates=[1.0],
            behaviour_range=(1, 3),
        )


def test_diverging_rates_and_effects_are_errors_not_warnings():
    """A rate that collapsed to 0 (its score M / rho - n would be 0/0) or a non-finite effect stops the
    estimation with an error naming the parameter; such starting values are rejected up front."""
    rng = np.random.default_rng(3)
    ties = (rng.random((2, 8, 8)) < 0.3).astype(float)
    data = saom_data(ties, behaviour=("z", rng.integers(1, 4, (2, 8))))
    model = _Model(data, [Effect.parse("outdegree")], [Effect.parse("linear", "z")], False)
    theta = np.array([2.0, -1.0, 1.0, 0.0])
    assert model.check(theta, "phase 2.1") is theta
    for k, value, label in [(2, 0.0, "z rate (period 1)"), (2, MIN_RATE / 2, "z rate"), (1, np.nan, "outdegree")]:
        bad = theta.copy()
        bad[k] = value
        with pytest.raises(RuntimeError, match=re.escape("phase 2.1: the estimates diverged ({'" + label)):
            model.check(bad, "phase 2.1")
    with pytest.raises(ValueError, match="rates at least"):
        estimate_saom(data, ["outdegree"], initial=[2.0, -1.0, 0.0, 0.0], n_phase3=10)


@pytest.fixture(scope="module")
def s50(mirror):
    return LongitudinalNetwork.from_s50(glasgow.s50(mirror / "s50_data.zip", entry("s50")))


def test_s50_reproduces_rsiena_manual(s50):
    data = saom_data(s50.ties[:2], covariates={"smoke1": s50.attribute("tobacco")[0]})
    assert data.distance(0) == 115
    result = estimate_saom(
        data,
        ["outdegree", "reciprocity", "transitive_triplets", "three_cycles", "similarity:smoke1"],
        n_phase3=500,
        seed=2,
    )
    for effect, (estimate, std_error) in RSIENA_MANUAL_S50.items():
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
    assert list(frame.columns[:8]) == [
        "effect",
        "kind",
        "variable",
        "estimate",
        "std_error",
        "t_convergence",
        "ci_low",
        "ci_high",
    ]
    assert "Overall maximum convergence ratio" in result.summary()


@pytest.fixture(scope="module")
def s50_coevolution(s50):
    return saom_data(
        s50.ties,
        behaviour=("drinkingbeh", s50.attribute("alcohol")),
        covariates={"smoke1": s50.attribute("tobacco")[0]},
    )


def test_s50_coevolution_targets_match_rsiena(s50_coevolution):
    behaviour_effects = [Effect.parse(e, "drinkingbeh") for e in ["linear", "quadratic", "average_alter"]]
    behaviour_effects.append(Effect.parse("effect_from:smoke1", "drinkingbeh"))
    model = _Model(s50_coevolution, [Effect.parse(e) for e in RSIENA_S50_COEVOLUTION_EFFECTS], behaviour_effects, False)
    labels, _, _ = model.labels()
    ours = dict(zip(labels, model.target))
    for label, value in RSIENA_S50_TARGETS.items():
        assert ours[label] == pytest.approx(value, abs=1e-4), label


def test_s50_coevolution_reproduces_rsiena_run(s50_coevolution):
    result = estimate_saom(
        s50_coevolution,
        RSIENA_S50_COEVOLUTION_EFFECTS,
        behaviour_effects=["linear", "quadratic", "average_alter"],
        n_phase3=500,
        seed=1,
    )
    for effect, (estimate, std_error) in RSIENA_S50_COEVOLUTION.items():
        ours, our_se = result[effect]
        assert abs(ours - estimate) < 0.5 * std_error, (effect, ours, estimate)
        assert abs(our_se / std_error - 1) < 0.35, (effect, our_se, std_error)
    assert result.max_convergence_ratio < 0.35
    assert "Behavior Dynamics (drinkingbeh)" in result.summary()


TRUTH = {"network rate (period 1)": 4.0, "outdegree (density)": -1.8, "reciprocity": 1.2, "transitive triplets": 0.25}


def _network_recovery(truth, effects, *, n_replications, seed, n_actors=30, covariates=None):
    """Errors and 95% interval coverage of network SAOM estimates over seeded simulated two-wave panels.

    ``truth`` maps result labels to true values (rate first, then ``effects`` in order); each panel is
    a burn-in (rate 20) from a random network of density 0.1, then one period at the true rate.
    """
    labels = list(truth)
    beta = [truth[label] for label in labels[1:]]
    errors, covered = [], []
    for rng in np.random.default_rng(seed).spawn(n_replications):
        x0 = (rng.random((n_actors, n_actors)) < 0.1).astype(float)
        np.fill_diagonal(x0, 0)
        wave1, _, _ = simulate_network_period(x0, effects, beta, rate=20.0, covariates=covariates, seed=rng)
        wave2, _, _ = simulate_network_period(
            wave1, effects, beta, rate=truth[labels[0]], covariates=covariates, seed=rng
        )
        data = saom_data(np.stack([wave1, wave2]), covariates=covariates)
        result = estimate_saom(data, effects, n_phase3=200, seed=rng)
        assert list(result.effects) == labels
        true = np.array([truth[label] for label in result.effects])
        errors.append(result.estimate - true)
        covered.append((result.ci_low <= true) & (true <= result.ci_high))
    return np.array(errors), np.array(covered)


def test_parameter_recovery_on_simulated_panels():
    """Bias within 3 Monte-Carlo standard errors; pooled 95% coverage not below Binomial's 1% quantile."""
    n_replications = 8
    errors, covered = _network_recovery(
        TRUTH, ["outdegree", "reciprocity", "transitive_triplets"], n_replications=n_replications, seed=2024
    )
    monte_carlo_se = errors.std(axis=0, ddof=1) / np.sqrt(n_replications)
    assert (np.abs(errors.mean(axis=0)) < 3 * monte_carlo_se).all(), (errors.mean(axis=0), monte_carlo_se)
    # P(Binomial(32, 0.95) <= 27) ~ 0.02: fail if fewer than 28 of 32 intervals cover
    assert np.sum(covered) >= 28, np.sum(covered)


NEW_EFFECTS_TRUTH = {
    "network rate (period 1)": 5.0,
    "outdegree (density)": -1.6,
    "reciprocity": 1.5,
    "rec.degree^(1/1) - activity": -0.1,
    "same v": 0.8,
}


def test_parameter_recovery_with_reciprocal_degree_activity_and_same():
    """The new effects are estimated without bias (Bonferroni t bound) with nominal coverage (binomial bound)."""
    v = np.repeat([0.0, 1.0], 15)
    errors, covered = _network_recovery(
        NEW_EFFECTS_TRUTH,
        ["outdegree", "reciprocity", "reciprocal_degree_activity", "same:v"],
        n_replications=16,
        seed=2025,
        covariates={"v": v},
    )
    _check_recovery(errors, covered)


COEVOLUTION = ["outdegree", "reciprocity", "transitive_triplets", "similarity:z"]
COEVOLUTION_BEHAVIOUR = ["linear", "quadratic", "average_alter"]
COEVOLUTION_BETA = np.array([-2.0, 1.5, 0.2, 1.0])
COEVOLUTION_GAMMA = np.array([0.0, -0.3, 1.0])
RATES, BEHAVIOUR_RATES = [4.0, 4.0], [3.0, 3.0]


def _coevolution_recovery(n_actors, n_replications, n_phase3, seed):
    """Errors and interval coverage of co-evolution estimates over seeded simulated 3-wave panels.

    The simulator centres the behaviour at 2.5 and uses the starting similarity mean; estimation
    uses the observed means, so the equivalent truth of the outdegree is
    ``beta_out + beta_sim (sim_mean_est - sim_mean_sim)`` (exact). The linear shape absorbs the
    centring shift only approximately (not for isolates), so it is left out of the checks.
    """
    errors, covered = [], []
    off = ~np.eye(n_actors, dtype=bool)
    for rng in np.random.default_rng(seed).spawn(n_replications):
        x0 = (rng.random((n_actors, n_actors)) < 0.05).astype(float)
        np.fill_diagonal(x0, 0)
        z0 = rng.integers(1, 5, n_actors)
        ties, behaviour = simulate_coevolution(
            x0,
            z0,
            COEVOLUTION,
            COEVOLUTION_BETA,
            COEVOLUTION_BEHAVIOUR,
            COEVOLUTION_GAMMA,
            rates=[30.0, *RATES],  # the first period is a burn-in, not observed
            behaviour_rates=[10.0, *BEHAVIOUR_RATES],
            behaviour_range=(1, 4),
            behaviour_mean=2.5,
            behaviour_name="z",
            seed=rng,
        )
        data = saom_data(ties[1:], behaviour=("z", behaviour[1:]))
        result = estimate_saom(data, COEVOLUTION, behaviour_effects=COEVOLUTION_BEHAVIOUR, n_phase3=n_phase3, seed=rng)
        simulated_sim_mean = (1 - np.abs(z0[:, None] - z0[None, :]) / 3)[off].mean()
        beta = COEVOLUTION_BETA.copy()
        beta[0] += beta[3] * (data.behaviour.sim_mean - simulated_sim_mean)
        truth = np.concatenate([RATES, beta, BEHAVIOUR_RATES, COEVOLUTION_GAMMA])
        keep = np.array([label != "z linear shape" for label in result.effects])
        errors.append((result.estimate - truth)[keep])
        covered.append(((result.ci_low <= truth) & (truth <= result.ci_high))[keep])
    return np.array(errors), np.array(covered)


def _check_recovery(errors, covered):
    """Bias: |mean error| below the Bonferroni t quantile (familywise 1%) times its Monte-Carlo SE;
    coverage of the nominal 95% intervals, pooled, not below Binomial(N, 0.95)'s 1% quantile."""
    replications, parameters = errors.shape
    monte_carlo_se = errors.std(axis=0, ddof=1) / np.sqrt(replications)
    bound = stats.t.ppf(1 - 0.01 / (2 * parameters), replications - 1)
    assert (np.abs(errors.mean(axis=0)) < bound * monte_carlo_se).all(), (errors.mean(axis=0), monte_carlo_se)
    assert covered.sum() >= stats.binom.ppf(0.01, covered.size, 0.95), (covered.sum(), covered.size)


def test_coevolution_parameter_recovery_fast():
    errors, covered = _coevolution_recovery(n_actors=50, n_replications=4, n_phase3=400, seed=11)
    _check_recovery(errors, covered)


@pytest.mark.slow
def test_coevolution_parameter_recovery():
    errors, covered = _coevolution_recovery(n_actors=50, n_replications=20, n_phase3=500, seed=12)
    _check_recovery(errors, covered)


def test_ego_alter_tables_follow_the_objective_functions(s50_coevolution):
    result = estimate_saom(
        s50_coevolution,
        ["outdegree", "reciprocity", "similarity:drinkingbeh", "ego:drinkingbeh"],
        behaviour_effects=["linear", "quadratic", "average_alter", "average_similarity"],
        n_phase3=50,
        n_subphases=1,
        seed=3,
    )
    low, high, mean, sim_mean = result.behaviour_scale
    assert (low, high) == (1, 5)
    influence = influence_table(result).set_index(["alter", "ego"])["objective"]
    g = {label: result[label][0] for label in result.effects}
    z, a = 4.0, 2.0
    expected = (
        g["drinkingbeh linear shape"] * (z - mean)
        + g["drinkingbeh quadratic shape"] * (z - mean) ** 2
        + g["drinkingbeh average alter"] * (z - mean) * (a - mean)
        + g["drinkingbeh average similarity"] * (1 - abs(z - a) / 4 - sim_mean)
    )
    assert influence[(a, z)] == pytest.approx(expected)
    selection = selection_table(result).set_index(["ego", "alter"])["objective"]
    expected = g["drinkingbeh ego"] * (z - mean) + g["drinkingbeh similarity"] * (1 - abs(z - a) / 4 - sim_mean)
    assert selection[(z, a)] == pytest.approx(expected)
    assert len(selection) == len(influence) == 25
    with pytest.raises(ValueError, match="no behaviour"):
        influence_table(estimate_saom(saom_data(s50_coevolution.ties[:2]), ["outdegree"], n_phase3=20, seed=1))


def test_selection_table_adds_same_for_equal_values():
    """With ``same`` on the behaviour the tie objective gains beta_same exactly when ego and alter agree."""
    labels = ("network rate (period 1)", "outdegree (density)", "z similarity", "same z", "z rate (period 1)")
    labels += ("z linear shape",)
    estimate = np.array([3.0, -2.0, 0.8, 0.6, 2.0, 0.1])
    result = SaomResult(
        effects=labels,
        kinds=("rate", "eval", "eval", "eval", "rate", "eval"),
        estimate=estimate,
        std_error=np.ones(6),
        t_convergence=np.zeros(6),
        max_convergence_ratio=0.1,
        covariance=np.eye(6),
        ci_low=estimate - 2,
        ci_high=estimate + 2,
        level=0.95,
        n_actors=10,
        n_periods=1,
        n_phase3=100,
        variables=("network",) * 4 + ("z",) * 2,
        conditional=False,
        behaviour_scale=(1.0, 3.0, 2.0, 0.5),
    )
    table = selection_table(result).set_index(["ego", "alter"])["objective"]
    for (ego, alter), value in table.items():
        expected = 0.8 * (1 - abs(ego - alter) / 2 - 0.5) + 0.6 * (ego == alter)
        assert value == pytest.approx(expected), (ego, alter)


def test_from_longitudinal_samples(mirror):
    from kinship_research.data.loaders.glasgow import demographic, friendship, substances

    network = LongitudinalNetwork.from_glasgow(
        friendship(mirror / entry("glasgow_friendship").filename, entry("glasgow_friendship")),
        substances(mirror / entry("glasgow_substances").filename, entry("glasgow_substances")),
        demographic(mirror / entry("glasgow_demographic").filename, entry("glasgow_demographic")),
    )
    everyone, ids = from_longitudinal(network, "alcohol", covariates=("girl",))
    complete, kept = from_longitudinal(network, "alcohol", covariates=("girl",), sample="present_at_all_waves")
    assert everyone.n_actors == len(ids) == 160
    assert complete.n_actors == len(kept) == int(network.present.all(axis=0).sum())
    # absent pupils are structural zeros: no changeable pair and fixed behaviour in that period
    absent = ~network.present[0] | ~network.present[1]
    assert not everyone.changeable[0][absent].any() and not everyone.behaviour.changeable[0][absent].any()
    assert complete.changeable.all(axis=0).sum() == complete.n_actors * (complete.n_actors - 1)
    with pytest.raises(ValueError, match="sample"):
        from_longitudinal(network, sample="everyone")
