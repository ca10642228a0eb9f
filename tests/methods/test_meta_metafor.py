"""Agreement with R metafor 3.8 on its bundled data sets (fixtures from tests/fixtures/metafor/make_reference.R)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from kinship_research.methods import meta

FIXTURES = Path(__file__).parents[1] / "fixtures" / "metafor"
EFFECTS = pd.read_csv(FIXTURES / "effects.csv")
REFERENCE = pd.read_csv(FIXTURES / "reference.csv")
DATASETS = [
    "bcg",
    "yusuf1985_table9",
    "nielweise2007",
    "identical",
    "hackshaw1998",
    "raudenbush1985",
    "konstantopoulos2011_two_level",
]


def _ref(dataset: str, model: str) -> dict[str, float]:
    rows = REFERENCE[(REFERENCE.dataset == dataset) & (REFERENCE.model == model)]
    assert len(rows), f"no reference for {dataset} {model}"
    return dict(zip(rows.quantity, rows.value.astype(float)))


def _close(actual: float, expected: float, what: str) -> None:
    """Agreement to 1e-4, relative for values larger than 1."""
    assert abs(actual - expected) <= 1e-4 * max(1.0, abs(expected)), f"{what}: {actual} vs metafor {expected}"


def _data(dataset: str):
    d = EFFECTS[EFFECTS.dataset == dataset]
    return d.yi.to_numpy(), d.vi.to_numpy(), d


@pytest.mark.parametrize("dataset", DATASETS)
@pytest.mark.parametrize("tau2_method", meta.TAU2_METHODS)
def test_random_effects_matches_metafor(dataset, tau2_method):
    y, v, _ = _data(dataset)
    ref = _ref(dataset, tau2_method)
    res = meta.random_effects(y, v, tau2_method=tau2_method)
    assert res.k == ref["k"]
    for ours, theirs in [
        ("estimate", "estimate"),
        ("std_error", "se"),
        ("ci_low", "ci_low"),
        ("ci_high", "ci_high"),
        ("p_value", "pval"),
        ("tau2", "tau2"),
        ("q", "QE"),
        ("h2", "H2"),
        ("pi_low", "pi_low"),
        ("pi_high", "pi_high"),
    ]:
        _close(getattr(res, ours), ref[theirs], f"{dataset} {tau2_method} {ours}")
    _close(100 * res.i2, ref["I2"], f"{dataset} {tau2_method} I2")
    _close(res.tau2_se, ref["se_tau2"], f"{dataset} {tau2_method} se(tau2)")
    # Q-profile intervals (confint.rma.uni)
    for ours, theirs, scale in [
        ("tau2_ci_low", "tau2_ci_low", 1),
        ("tau2_ci_high", "tau2_ci_high", 1),
        ("i2_ci_low", "I2_ci_low", 100),
        ("i2_ci_high", "I2_ci_high", 100),
        ("h2_ci_low", "H2_ci_low", 1),
        ("h2_ci_high", "H2_ci_high", 1),
    ]:
        _close(scale * getattr(res, ours), ref[theirs], f"{dataset} {tau2_method} {ours}")
    assert res.tau2_ci_low <= res.tau2_ci_high
    assert meta.q_profile_interval(y, v) == pytest.approx((res.tau2_ci_low, res.tau2_ci_high), abs=1e-12)


@pytest.mark.parametrize("dataset", ["yusuf1985_table9", "nielweise2007", "identical"])
def test_dl_is_clamped_when_q_below_df(dataset):
    """Q < k - 1: the DL moment estimate is negative and must be truncated at 0 (issue 11). The old
    code took statsmodels' unclamped tau^2 and returned a wrong estimate, negative I^2 and NaN SE."""
    y, v, _ = _data(dataset)
    res = meta.random_effects(y, v, tau2_method="DL")
    assert res.q < res.q_df
    assert res.tau2 == 0.0 and res.i2 == 0.0
    assert np.isfinite(res.std_error)
    fe = meta.equal_effects(y, v)
    assert res.estimate == pytest.approx(fe.estimate, abs=1e-12)
    _close(res.estimate, _ref(dataset, "DL")["estimate"], "estimate")
    # early cumulative subsets usually have Q < df: every row must have tau2 >= 0 and a finite SE
    cum = meta.cumulative(y, v, tau2_method="DL")
    assert (cum.tau2 >= 0).all() and (cum.i2 >= 0).all() and np.isfinite(cum.std_error).all()


@pytest.mark.parametrize("tau2_method", meta.TAU2_METHODS)
def test_meta_regression_uncentred_moderator(tau2_method):
    """Publication year (~1950-1980) as moderator: centred internally, metafor's values to 1e-4."""
    y, v, d = _data("bcg_year")
    ref = _ref("bcg_year", tau2_method)
    res = meta.meta_regression(y, v, d["mod"].to_numpy(), tau2_method=tau2_method, name="year")
    coef = res.coefficients.set_index("term")
    _close(res.tau2, ref["tau2"], "tau2")
    _close(coef.loc["intercept", "estimate"], ref["estimate"], "intercept")
    _close(coef.loc["intercept", "std_error"], ref["se"], "intercept se")
    _close(coef.loc["year", "estimate"], ref["slope"], "slope")
    _close(coef.loc["year", "std_error"], ref["slope_se"], "slope se")
    _close(res.qm, ref["QM"], "QM")
    _close(res.qe, ref["QE"], "QE")
    _close(100 * res.i2_residual, ref["I2"], "I2")
    _close(res.tau2_se, ref["se_tau2"], "se(tau2)")
    _close(res.tau2_ci_low, ref["tau2_ci_low"], "Q-profile low")
    _close(res.tau2_ci_high, ref["tau2_ci_high"], "Q-profile high")


def _three_level_close(res, ref):
    for ours, theirs in [
        ("estimate", "estimate"),
        ("std_error", "se"),
        ("ci_low", "ci_low"),
        ("ci_high", "ci_high"),
        ("sigma2_cluster", "sigma2_cluster"),
        ("sigma2_within", "sigma2_within"),
        ("loglik", "loglik"),
        ("robust_std_error", "robust_se"),
        ("robust_df", "robust_df"),
        ("robust_ci_low", "robust_ci_low"),
        ("robust_ci_high", "robust_ci_high"),
    ]:
        _close(getattr(res, ours), ref[theirs], ours)


def test_three_level_matches_rma_mv():
    """dat.konstantopoulos2011: 56 schools in 11 districts, rma.mv(random = ~ 1 | district/school)."""
    y, v, d = _data("konstantopoulos2011")
    res = meta.three_level(y, v, d["cluster"])
    assert (res.k, res.n_clusters) == (56, 11)
    _three_level_close(res, _ref("konstantopoulos2011", "three_level"))
    assert "11 clusters" in res.summary() and len(res.to_frame()) == 1


@pytest.mark.parametrize("outcome", ["srh", "acm"])
def test_shimonovich_two_and_three_level_match_metafor(mirror, outcome):
    """The notebook's models on the registered Shimonovich et al. (2024) data: rma(method="REML"/"DL") and
    rma.mv(random = ~ 1 | study_id/es_id) with robust(cluster = study_id)."""
    from kinship_research import data

    d = data.load("shimonovich2024_complete_main")
    d = d[d.outcome == outcome]
    name = f"shimonovich_{outcome}"
    for tau2_method in ("REML", "DL"):
        ref = _ref(name, tau2_method)
        res = meta.random_effects(d.log_effect, d.variance, tau2_method=tau2_method)
        for ours, theirs in [
            ("estimate", "estimate"),
            ("std_error", "se"),
            ("ci_low", "ci_low"),
            ("ci_high", "ci_high"),
            ("tau2", "tau2"),
            ("q", "QE"),
        ]:
            _close(getattr(res, ours), ref[theirs], f"{name} {tau2_method} {ours}")
        _close(100 * res.i2, ref["I2"], "I2")
    res = meta.three_level(d.log_effect, d.variance, d.study_id)
    ref = _ref(name, "three_level")
    assert res.n_clusters == ref["n_clusters"]
    _three_level_close(res, ref)


@pytest.mark.parametrize("dataset", ["bcg", "hackshaw1998", "nielweise2007"])
def test_trim_and_fill_matches_metafor(dataset):
    y, v, _ = _data(dataset)
    ref = _ref(dataset, "trimfill")
    res = meta.trim_and_fill(y, v)
    assert res.n_missing == ref["k0"] and res.side == ("left" if ref["side_left"] else "right")
    _close(res.pooled.estimate, ref["estimate"], "estimate")
    _close(res.pooled.std_error, ref["se"], "se")
    _close(res.pooled.tau2, ref["tau2"], "tau2")
    assert len(res.filled) == res.n_missing and res.to_frame().n_missing.iloc[0] == res.n_missing


@pytest.mark.parametrize("dataset", ["bcg", "hackshaw1998", "nielweise2007"])
def test_leave_one_out_matches_metafor(dataset):
    y, v, _ = _data(dataset)
    ref = _ref(dataset, "leave1out")
    table = meta.leave_one_out(y, v)
    for ours, theirs in [
        ("estimate", "estimate"),
        ("std_error", "se"),
        ("statistic", "zval"),
        ("p_value", "pval"),
        ("tau2", "tau2"),
    ]:
        for i, value in enumerate(table[ours], start=1):
            _close(value, ref[f"{theirs}_{i}"], f"{dataset} leave-one-out {ours} {i}")


def test_leave_one_group_out_drops_whole_groups():
    y, v, d = _data("konstantopoulos2011")
    table = meta.leave_one_out(y, v, groups=d["cluster"])
    assert len(table) == 11 and table.n_omitted.sum() == 56
    first = d["cluster"].iloc[0]
    keep = (d["cluster"] != first).to_numpy()
    assert table.estimate.iloc[0] == pytest.approx(meta.random_effects(y[keep], v[keep]).estimate)


def _vector(ref: dict[str, float], quantity: str) -> np.ndarray:
    n = sum(1 for key in ref if key.rsplit("_", 1)[0] == quantity)
    assert n, f"no reference vector {quantity}"
    return np.array([ref[f"{quantity}_{i}"] for i in range(1, n + 1)])


def _close_all(actual, expected, what: str) -> None:
    actual, expected = np.asarray(actual, float), np.asarray(expected, float)
    assert actual.shape == expected.shape, f"{what}: shape {actual.shape} vs metafor {expected.shape}"
    for i, (a, e) in enumerate(zip(actual, expected)):
        _close(a, e, f"{what} [{i}]")


def _bcg_moderators() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "ablat": _data("bcg_mods")[2]["mod"].to_numpy(float),
            "year": _data("bcg_year_mods")[2]["mod"].to_numpy(float),
            "alloc": _data("bcg_alloc")[2]["mod"].to_numpy(str),
        }
    )


@pytest.mark.parametrize("test", ["z", "knha"])
@pytest.mark.parametrize("tau2_method", ["REML", "DL"])
def test_meta_regression_several_moderators_and_a_factor(tau2_method, test):
    """rma(yi, vi, mods = ~ ablat + year + factor(alloc), data = dat.bcg) and predict(newmods = ...)."""
    y, v, _ = _data("bcg_mods")
    ref = _ref("bcg_mods", f"{tau2_method} {test}")
    res = meta.meta_regression(y, v, _bcg_moderators(), tau2_method=tau2_method, test=test)
    coef = res.coefficients
    assert coef.term.tolist() == ["intercept", "ablat", "year", "alloc_random", "alloc_systematic"]
    for ours, theirs in [
        ("estimate", "b"),
        ("std_error", "se"),
        ("statistic", "zval"),
        ("p_value", "pval"),
        ("ci_low", "ci_low"),
        ("ci_high", "ci_high"),
    ]:
        _close_all(coef[ours], _vector(ref, theirs), ours)
    for ours, theirs, scale in [
        ("tau2", "tau2_1", 1),
        ("qe", "QE_1", 1),
        ("qm", "QM_1", 1),
        ("qm_p_value", "QMp_1", 1),
        ("r2", "R2_1", 100),
        ("i2_residual", "I2_1", 100),
        ("tau2_ci_low", "tau2_ci_1", 1),
        ("tau2_ci_high", "tau2_ci_2", 1),
    ]:
        _close(scale * getattr(res, ours), ref[theirs], ours)
    new = pd.DataFrame(
        {"ablat": [10, 30, 50], "year": [1950, 1965, 1980], "alloc": ["alternate", "random", "systematic"]}
    )
    pred = res.predict(new)
    for ours, theirs in [
        ("estimate", "pred"),
        ("std_error", "pred_se"),
        ("ci_low", "pred_ci_low"),
        ("ci_high", "pred_ci_high"),
        ("pi_low", "pi_low"),
        ("pi_high", "pi_high"),
    ]:
        _close_all(pred[ours], _vector(ref, theirs), f"predict {ours}")
    assert pred[["alloc_random", "alloc_systematic"]].to_numpy().tolist() == [[0, 0], [1, 0], [0, 1]]


@pytest.mark.parametrize(
    "dataset, model, tau2_method, test, with_moderator, n_permutations",
    [
        ("bcg_random", "permutest DL", "DL", "z", True, 2000),
        ("bcg9", "permutest REML", "REML", "z", True, 1000),
        ("bcg9", "permutest REML knha", "REML", "knha", True, 1000),
        ("bcg9", "permutest intercept REML", "REML", "z", False, 1000),
    ],
)
def test_exact_permutation_test_matches_permutest(dataset, model, tau2_method, test, with_moderator, n_permutations):
    """permutest(fit, iter=...): every distinct permutation (13!/(7!6!) = 1716, 9!/(7!2!) = 36) or every
    sign flip (2^9 = 512) when that number is at most iter."""
    y, v, d = _data(dataset)
    ref = _ref(dataset, model)
    moderator = d["mod"].to_numpy(float) if with_moderator else None
    res = meta.permutation_test(
        y, v, moderator, tau2_method=tau2_method, test=test, n_permutations=n_permutations, seed=1
    )
    assert res.exact and res.n_permutations == ref["exact_iter_1"] and res.seed is None
    _close_all(res.coefficients.statistic, _vector(ref, "zval"), "statistic")
    _close_all(res.coefficients.permutation_p_value, _vector(ref, "pval"), "permutation p")
    _close(res.qm, ref["QM_1"], "QM")
    _close(res.qm_permutation_p_value, ref["QMp_1"], "QM permutation p")


INFLUENCE = [
    ("bcg", "influence REML", "REML", "z", False),
    ("bcg", "influence DL knha", "DL", "knha", False),
    ("hackshaw1998", "influence REML", "REML", "z", False),
    ("raudenbush1985", "influence PM", "PM", "z", False),
    ("bcg_mods", "influence REML", "REML", "z", True),
]


@pytest.mark.parametrize("dataset, model, tau2_method, test, with_moderator", INFLUENCE)
def test_influence_matches_metafor(dataset, model, tau2_method, test, with_moderator):
    """influence.rma.uni: rstudent, DFFITS, Cook's distance, cov.r, tau2.del, QE.del, hat, weight,
    DFBETAS and the influential flag; baujat.rma coordinates."""
    y, v, d = _data(dataset)
    ref = _ref(dataset, model)
    moderator = d["mod"].to_numpy(float) if with_moderator else None
    res = meta.influence(y, v, moderator, tau2_method=tau2_method, test=test)
    table = res.table
    for ours, theirs in [
        ("rstudent", "rstudent"),
        ("dffits", "dffits"),
        ("cooks_distance", "cook.d"),
        ("cov_ratio", "cov.r"),
        ("tau2_deleted", "tau2.del"),
        ("qe_deleted", "QE.del"),
        ("hat", "hat"),
        ("weight", "weight"),
        ("dfbetas_intercept", "dfbs1"),
    ]:
        _close_all(table[ours], _vector(ref, theirs), f"{dataset} {ours}")
    if with_moderator:
        _close_all(table["dfbetas_moderator"], _vector(ref, "dfbs2"), "dfbetas slope")
    assert table.influential.tolist() == _vector(ref, "is_infl").astype(bool).tolist()
    coords = meta.baujat(y, v, moderator, tau2_method=tau2_method, test=test)
    _close_all(coords.q_contribution, _vector(ref, "baujat_x"), "Baujat x")
    _close_all(coords.influence, _vector(ref, "baujat_y"), "Baujat y")
