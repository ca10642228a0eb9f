"""Tests of kinship_research.studies.social_capital and the social loaders."""

import networkx as nx
import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from statsmodels.miscmodels.ordinal_model import OrderedModel

from kinship_research.data import load
from kinship_research.methods.regression import predicted_probabilities
from kinship_research.studies import social_capital as sc

# ------------------------------------------------------------------ loaders (real mirror files)


@pytest.fixture(scope="module")
def gss(mirror):
    return load("gss1985_ego"), load("gss1985_alter"), load("gss1985_alteralter")


@pytest.fixture(scope="module")
def chr2011(mirror):
    return load("county_health_2011")


def test_gss_loaders_missing_codes_and_sizes(gss):
    ego, alters, ties = gss
    assert len(ego) == 1534 and ego["case_id"].is_unique
    # "NA" is the only missing code: 3 NUMGIVEN, 4 HAPPY, 4 HEALTH, 7 AGE are missing in the file
    assert ego[["n_confidants", "happy", "health", "age"]].isna().sum().tolist() == [3, 4, 4, 7]
    assert set(ego["happy"].dropna()) == {1, 2, 3} and set(ego["health"].dropna()) == {1, 2, 3, 4}
    assert ego["n_confidants"].max() == 6 and ego["weight"].gt(0).all()
    assert len(alters) == 4483 and alters.groupby("case_id").size().max() == 5
    assert len(ties) == 4880 and (ties["alter1"] < ties["alter2"]).all()
    # NORC marginals of CLOSE24 in 1985: 187 especially close, 237 know each other
    pair = ties[(ties["alter1"] == 2) & (ties["alter2"] == 4)]
    assert pair["especially_close"].sum() == 187 and (~pair["especially_close"]).sum() == 237


def test_county_loader_flags_summary_rows(chr2011):
    assert chr2011["level"].value_counts().to_dict() == {"county": 3141, "state": 51, "nation": 1}
    counties = sc.county_rows(chr2011)
    assert counties["county_fips"].str.fullmatch(r"\d{5}").all()
    assert (counties["county_fips"].str[:2] == counties["state_fips"]).all()
    autauga = counties.set_index("county_fips").loc["01001"]
    assert autauga["state"] == "Alabama" and autauga["state_abbr"] == "AL"
    assert autauga["inadequate_social_support_pct"] == pytest.approx(26.8)  # 0.268 in the file
    assert autauga["premature_death_ypll"] == pytest.approx(9967.4)
    assert chr2011.loc[chr2011["level"] == "state", "state_abbr"].nunique() == 51


# ------------------------------------------------------------------ ego networks


def test_ego_network_measures_match_networkx(gss):
    ego, alters, ties = gss
    net = sc.ego_network_measures(ego, alters, ties).set_index("case_id")
    rng = np.random.default_rng(1)
    for case in rng.choice(alters["case_id"].unique(), 60, replace=False):
        graph = nx.Graph()
        graph.add_nodes_from(alters.loc[alters["case_id"] == case, "alter_id"])
        graph.add_edges_from(ties.loc[ties["case_id"] == case, ["alter1", "alter2"]].to_numpy())
        expected = nx.density(graph) if graph.number_of_nodes() > 1 else np.nan
        assert net.loc[case, "density"] == pytest.approx(expected, nan_ok=True)
        kin = alters.loc[alters["case_id"] == case, "kin"].dropna()
        assert net.loc[case, "kin_share"] == pytest.approx(kin.mean())
    no_alters = net[net["n_alters_described"] == 0]
    assert len(no_alters) == 139 and no_alters["density"].isna().all()
    assert no_alters["kin_share"].isna().all()
    assert (net["strong_density"] <= net["density"]).where(net["density"].notna(), True).all()


def test_ego_network_measures_bad_input():
    egos = pd.DataFrame({"case_id": [1], "n_confidants": [2]})
    alters = pd.DataFrame({"case_id": [1, 1], "alter_id": [1, 2], "kin": [True, False]})
    ties = pd.DataFrame({"case_id": [1], "alter1": [1], "alter2": [3], "especially_close": [True]})
    with pytest.raises(ValueError, match="alter2"):
        sc.ego_network_measures(egos, alters, ties)
    with pytest.raises(ValueError, match="self-ties"):
        sc.ego_network_measures(egos, alters, ties.assign(alter2=1))
    with pytest.raises(KeyError, match="kin"):
        sc.ego_network_measures(egos, alters.drop(columns="kin"), ties)


# ------------------------------------------------------------------ weighted models


def _synthetic_gss(n=400, seed=0, levels=3):
    """Ordinal outcome from a proportional-odds model with known slope 0.5 on n_confidants."""
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {
            "n_confidants": rng.integers(0, 7, n).astype(float),
            "age": rng.uniform(18, 89, n),
            "weight": rng.choice([0.5181, 1.0363, 1.5544, 2.0725], n),
        }
    )
    latent = 0.5 * frame["n_confidants"] - 0.02 * frame["age"] + rng.logistic(size=n)
    cuts = np.quantile(latent, np.linspace(0, 1, levels + 1)[1:-1])
    rank = np.searchsorted(cuts, latent)  # 0 = worst .. levels-1 = best
    order = (3, 2, 1) if levels == 3 else (2, 1)
    frame["happy"] = [order[r] for r in rank]
    return frame


def test_weighted_ordinal_with_two_categories_equals_weighted_glm_logit():
    frame = _synthetic_gss(levels=2)
    coding = sc.OutcomeCoding("happy", (2, 1), ("unhappy", "happy"), (1,), "happy")
    original = sc.GSS_OUTCOMES["happy"]
    sc.GSS_OUTCOMES["happy"] = coding
    try:
        ordinal = sc.fit_weighted_model(frame, "happy", kind="ordinal", controls=("age",))
        logit = sc.fit_weighted_model(frame, "happy", kind="logit", controls=("age",))
    finally:
        sc.GSS_OUTCOMES["happy"] = original
    # P(best) = F(x'b - cut): slopes agree, cut-point = -intercept, sandwich SEs agree
    np.testing.assert_allclose(
        ordinal.params[["n_confidants", "age"]], logit.params[["n_confidants", "age"]], rtol=1e-4
    )
    assert ordinal.params.iloc[-1] == pytest.approx(-logit.params["const"], rel=1e-4)
    se_o = np.sqrt(np.diag(ordinal.cov))
    se_l = np.sqrt(np.diag(logit.cov.loc[["n_confidants", "age", "const"], ["n_confidants", "age", "const"]]))
    np.testing.assert_allclose(se_o, se_l, rtol=2e-3)


def test_weighted_ordinal_integer_weights_equal_replicated_rows():
    frame = _synthetic_gss(n=300, seed=2).assign(weight=lambda d: np.resize([1.0, 2.0, 3.0], len(d)))
    fit = sc.fit_weighted_model(frame, "happy", kind="ordinal", controls=("age",))
    expanded = frame.loc[frame.index.repeat(frame["weight"].astype(int))]
    y = expanded["happy"].map({3: 0, 2: 1, 1: 2}).to_numpy()
    reference = OrderedModel(y, expanded[["n_confidants", "age"]].to_numpy(), distr="logit").fit(
        method="newton", disp=False, maxiter=100
    )
    np.testing.assert_allclose(fit.params.to_numpy(), reference.params, rtol=1e-4, atol=1e-6)
    # ...but the pseudo-likelihood SEs are larger than treating weights as frequencies
    assert fit.to_frame()["std_error"].iloc[0] > reference.bse[0]


def test_unit_weights_reproduce_statsmodels_ordered_model_hc0():
    frame = _synthetic_gss(n=300, seed=3).assign(weight=1.0)
    fit = sc.fit_weighted_model(frame, "happy", kind="ordinal", controls=("age",))
    y = frame["happy"].map({3: 0, 2: 1, 1: 2}).to_numpy()
    reference = OrderedModel(y, frame[["n_confidants", "age"]].to_numpy(), distr="logit").fit(
        method="bfgs", disp=False, gtol=1e-8, maxiter=500, cov_type="HC0"
    )
    np.testing.assert_allclose(fit.params.to_numpy(), reference.params, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(np.sqrt(np.diag(fit.cov)), reference.bse, rtol=2e-3)


def test_slope_recovered_within_monte_carlo_error():
    # 20 replicates of n=400 with true slope 0.5: mean estimate within 3 SE of the mean
    estimates = [
        sc.fit_weighted_model(_synthetic_gss(seed=s), "happy", kind="ordinal", controls=("age",)).params["n_confidants"]
        for s in range(20)
    ]
    se_mean = np.std(estimates, ddof=1) / np.sqrt(len(estimates))
    assert abs(np.mean(estimates) - 0.5) < 3 * se_mean + 0.02  # 0.02: O(1/n) small-sample bias


def test_predicted_probabilities_match_statsmodels_average_prediction():
    frame = _synthetic_gss(n=300, seed=4)
    fit = sc.fit_weighted_model(frame, "happy", kind="logit", controls=("age",))
    table = predicted_probabilities(fit, [0, 6])
    w = frame["weight"].to_numpy()
    glm = sm.GLM(
        frame["happy"].eq(1).astype(float),
        sm.add_constant(frame[["n_confidants", "age"]].to_numpy()),
        family=sm.families.Binomial(),
        var_weights=w,
    ).fit(cov_type="HC0")
    for value, row in zip([0, 6], table.itertuples()):
        exog = sm.add_constant(frame[["n_confidants", "age"]].assign(n_confidants=value).to_numpy(), has_constant="add")
        reference = glm.get_prediction(
            exog, which="mean", average=True, agg_weights=w * len(w) / w.sum()
        ).summary_frame()
        assert row.probability == pytest.approx(reference["predicted"].iloc[0], rel=1e-6)
        assert row.std_error == pytest.approx(reference["se"].iloc[0], rel=1e-3)
        assert row.ci_low < row.probability < row.ci_high
        assert row.n == 300


def test_ordinal_predicted_probabilities_sum_to_one():
    fit = sc.fit_weighted_model(_synthetic_gss(n=300, seed=5), "happy", kind="ordinal", controls=("age",))
    table = predicted_probabilities(fit, [0, 3, 6])
    np.testing.assert_allclose(table.groupby("n_confidants")["probability"].sum(), 1, rtol=1e-9)
    very = table[table["category"] == "very happy"].set_index("n_confidants")["probability"]
    assert very.is_monotonic_increasing  # slope is +0.5


def test_weighted_model_bad_input():
    frame = _synthetic_gss(n=100)
    with pytest.raises(KeyError, match="allowed"):
        sc.fit_weighted_model(frame, "wealth", controls=("age",))
    with pytest.raises(ValueError, match="kind"):
        sc.fit_weighted_model(frame, "happy", kind="probit", controls=("age",))
    with pytest.raises(ValueError, match="positive"):
        sc.fit_weighted_model(frame.assign(weight=-1.0), "happy", controls=("age",))
    with pytest.raises(ValueError, match="codes"):
        sc.fit_weighted_model(frame.assign(happy=7), "happy", controls=("age",))
    with pytest.raises(KeyError, match="education_years"):
        sc.fit_weighted_model(frame, "happy")
    fit = sc.fit_weighted_model(frame, "happy", kind="logit", controls=("age",))
    with pytest.raises(ValueError, match="finite"):
        predicted_probabilities(fit, [])
    with pytest.raises(ValueError, match="race_group"):
        sc.gss_model_frame(pd.DataFrame({"case_id": [1], "sex": ["male"], "race_group": ["x"], "weight": [1.0]}))


def test_gss_model_frame_indicators(gss):
    ego, alters, ties = gss
    frame = sc.gss_model_frame(ego, sc.ego_network_measures(ego, alters, ties))
    assert frame["female"].sum() == 846
    assert frame["race_black"].sum() == 151 and frame["race_other"].sum() == 25
    assert len(frame) == 1534 and frame["density"].notna().sum() == 1167


# ------------------------------------------------------------------ county models


def _synthetic_counties(n_states=40, per_state=25, beta=2.0, tau=3.0, sigma=2.0, seed=0, confounded=True):
    rng = np.random.default_rng(seed)
    state = np.repeat([f"S{i:02d}" for i in range(n_states)], per_state)
    u = np.repeat(rng.normal(0, tau, n_states), per_state)
    # confounded: exposure correlated with the state effect (random intercepts are then biased)
    x = (0.3 * u if confounded else 0) + rng.normal(0, 1, state.size)
    return pd.DataFrame({"state_abbr": state, "x": x, "y": 10 + beta * x + u + rng.normal(0, sigma, state.size)})


def test_county_models_fixed_effects_equal_within_estimator_and_cluster_se():
    data = _synthetic_counties(seed=1)
    table = sc.county_models(data, "y", "x").set_index("model")
    fe = table.loc["state fixed effects (OLS, cluster-robust SE)"]
    within = data.groupby("state_abbr")[["x", "y"]].transform(lambda s: s - s.mean())
    slope = (within["x"] * within["y"]).sum() / (within["x"] ** 2).sum()
    assert fe["estimate"] == pytest.approx(slope, rel=1e-10)  # Frisch-Waugh-Lovell
    # CR1 sandwich by hand on the demeaned data
    resid = within["y"] - slope * within["x"]
    scores = (within["x"] * resid).groupby(data["state_abbr"]).sum()
    g, n, k = 40, len(data), 2 + 39
    cr1 = scores.pow(2).sum() / (within["x"] ** 2).sum() ** 2 * g / (g - 1) * (n - 1) / (n - k)
    assert fe["std_error"] == pytest.approx(np.sqrt(cr1), rel=1e-8)
    assert fe["n_counties"] == 1000 and fe["n_states"] == 40


def test_county_models_mixed_recovers_parameters_within_monte_carlo_error():
    reps = [
        sc.county_models(_synthetic_counties(n_states=30, per_state=15, seed=s, confounded=False), "y", "x")
        .set_index("model")
        .loc["state random intercepts (MixedLM)"]
        for s in range(10)
    ]
    est = np.array([r["estimate"] for r in reps])
    se = np.array([r["std_error"] for r in reps])
    assert abs(est.mean() - 2.0) < 3 * est.std(ddof=1) / np.sqrt(len(est))
    # model SE matches the spread of estimates (ratio within sampling error of 10 replicates)
    assert 0.6 < se.mean() / est.std(ddof=1) < 1.6
    # true residual ICC 9 / (9 + 4); REML is nearly unbiased for the variance components
    icc = np.array([r["icc"] for r in reps])
    assert abs(icc.mean() - 9 / 13) < 4 * icc.std(ddof=1) / np.sqrt(len(icc))


def test_county_models_on_real_counties(chr2011):
    table = sc.county_models(sc.county_rows(chr2011), "premature_death_ypll", "inadequate_social_support_pct")
    assert set(table["n_states"]) == {51}
    assert (table["ci_low"] < table["estimate"]).all() and (table["estimate"] < table["ci_high"]).all()
    assert (
        table["n_counties"].iloc[0]
        == chr2011.query("level == 'county'")[["premature_death_ypll", "inadequate_social_support_pct"]]
        .dropna()
        .shape[0]
    )


def test_county_models_bad_input(chr2011):
    with pytest.raises(ValueError, match="county_rows"):
        sc.county_models(chr2011, "premature_death_ypll", "inadequate_social_support_pct")
    with pytest.raises(KeyError, match="happiness"):
        sc.county_models(sc.county_rows(chr2011), "happiness", "inadequate_social_support_pct")
    with pytest.raises(ValueError, match="too few"):
        sc.county_models(_synthetic_counties(n_states=2), "y", "x")


# ------------------------------------------------------------------ association


def test_country_trust_table_joins_qog(mirror):
    table = sc.country_trust_table(load("pickett2024"), load("qog_cs_jan20"))
    assert len(table) == 43 and table["life_expectancy"].notna().all()
    japan = table.set_index("iso3").loc["JPN"]
    assert 80 < japan["life_expectancy"] < 86
    wider = sc.country_trust_table(load("trust_inequality"), load("qog_cs_jan20"))
    both = wider.dropna(subset=["qog_wvs_trust_pct"])
    # two releases of WVS wave-7 trust should agree closely where both exist (percent scale)
    assert len(both) >= 10 and np.corrcoef(both["trust_pct"], both["qog_wvs_trust_pct"])[0, 1] > 0.8
    assert both["qog_wvs_trust_pct"].between(0, 100).all()
    with pytest.raises(ValueError, match="one row per country"):
        sc.country_trust_table(pd.concat([load("pickett2024")] * 2), load("qog_cs_jan20"))


def test_network_summary_is_weighted_and_carries_intervals(gss):
    egos, alters, ties = gss
    frame = sc.gss_model_frame(egos, sc.ego_network_measures(egos, alters, ties))
    table = sc.network_summary(frame).set_index("measure")
    known = frame["n_confidants"].notna()
    expected = np.average(frame.loc[known, "n_confidants"], weights=frame.loc[known, "weight"])
    assert table.loc["n_confidants (mean)", "estimate"] == pytest.approx(expected)
    assert table.loc["n_confidants (mean)", "n"] == known.sum()
    nobody = table.loc["named nobody (%)"]
    assert 0 < nobody["ci_low"] < nobody["estimate"] < nobody["ci_high"] < 100
