"""Tests of kinship_research.methods.inequality against closed forms and PySAL's ``inequality``."""

import math

import numpy as np
import pytest
from inequality.atkinson import atkinson as pysal_atkinson
from inequality.gini import Gini
from inequality.theil import Theil
from scipy.special import erf

from kinship_research.methods import inequality as ineq

MEASURES = {
    "gini": ineq.gini,
    "quintile_ratio": ineq.quintile_ratio,
    "palma": ineq.palma,
    "theil": ineq.theil,
    "mean_log_deviation": ineq.mean_log_deviation,
    "atkinson_0.5": lambda x, weights=None: ineq.atkinson(x, epsilon=0.5, weights=weights),
    "atkinson_1": lambda x, weights=None: ineq.atkinson(x, epsilon=1.0, weights=weights),
    "atkinson_2": lambda x, weights=None: ineq.atkinson(x, epsilon=2.0, weights=weights),
}


@pytest.fixture
def incomes():
    return np.random.default_rng(1).lognormal(10, 0.8, size=57)


@pytest.mark.parametrize("name", MEASURES)
def test_equal_incomes_give_zero(name):
    expected = 1.0 if name in ("quintile_ratio",) else 0.0
    if name == "palma":
        expected = 0.25  # 10% of income over 40% of income
    assert MEASURES[name](np.full(10, 3.7)) == pytest.approx(expected, abs=1e-12)


def test_gini_one_person_holds_everything():
    for n in (2, 5, 40):
        x = np.zeros(n)
        x[3 % n] = 100.0
        assert ineq.gini(x) == pytest.approx((n - 1) / n)


def test_theil_one_person_holds_everything_is_log_n():
    x = np.zeros(8)
    x[0] = 1.0
    assert ineq.theil(x) == pytest.approx(math.log(8))


def test_quantile_shares_worked_example():
    # 10 equal-weight units with incomes 1..10: bottom 20% hold 1+2, top 20% hold 9+10,
    # bottom 40% hold 1+2+3+4, top 10% hold 10.
    x = np.arange(1, 11)
    assert ineq.quintile_ratio(x) == pytest.approx(19 / 3)
    assert ineq.palma(x) == pytest.approx(10 / 10)


def test_quintile_ratio_splits_unit_at_the_cut():
    # Three units of equal weight: the poorest 20% is 0.6 of the first unit (income 1),
    # the richest 20% is 0.6 of the last unit (income 5).
    assert ineq.quintile_ratio([1, 2, 5]) == pytest.approx(5 / 1)
    # Weights 1 and 4 (total income 2 + 4*3 = 14): the bottom 20% is the whole first unit
    # (2/14), the top 20% is a quarter of the second unit's weight (3/14).
    assert ineq.quintile_ratio([2, 3], weights=[1, 4]) == pytest.approx(3 / 2)


def test_lorenz_curve_shape():
    curve = ineq.lorenz_curve([3, 1, 2], weights=[1, 2, 1])
    assert list(curve.columns) == ["population_share", "income_share"]
    assert curve.iloc[0].tolist() == [0.0, 0.0]
    np.testing.assert_allclose(curve["population_share"], [0, 0.5, 0.75, 1.0])
    np.testing.assert_allclose(curve["income_share"], [0, 2 / 7, 4 / 7, 1.0])


def test_agreement_with_pysal(incomes):
    assert ineq.gini(incomes) == pytest.approx(Gini(incomes).g, rel=1e-12)
    assert ineq.theil(incomes) == pytest.approx(Theil(incomes).T, rel=1e-12)
    for eps in (0.0, 0.5, 1.0, 1.5, 2.0):
        assert ineq.atkinson(incomes, epsilon=eps) == pytest.approx(pysal_atkinson(incomes, eps), abs=1e-12)


def test_mean_log_deviation_is_atkinson_one_identity(incomes):
    # A_1 = 1 - exp(-MLD)  (Cowell 2011, eq. 3.12)
    assert ineq.atkinson(incomes, epsilon=1.0) == pytest.approx(1 - math.exp(-ineq.mean_log_deviation(incomes)))


@pytest.mark.parametrize("name", MEASURES)
def test_integer_weights_equal_replication(name, incomes):
    weights = np.random.default_rng(2).integers(0, 5, size=incomes.size)
    replicated = np.repeat(incomes, weights)
    assert MEASURES[name](incomes, weights=weights) == pytest.approx(MEASURES[name](replicated), rel=1e-10)


@pytest.mark.parametrize("name", MEASURES)
def test_scale_invariance(name, incomes):
    weights = np.random.default_rng(3).uniform(0.5, 2, size=incomes.size)
    assert MEASURES[name](incomes * 1234.5, weights=weights) == pytest.approx(
        MEASURES[name](incomes, weights=weights), rel=1e-10
    )


@pytest.mark.parametrize("name", MEASURES)
def test_bad_input(name):
    f = MEASURES[name]
    with pytest.raises(ValueError, match="empty"):
        f([])
    with pytest.raises(ValueError, match="NaN"):
        f([1.0, np.nan, 2.0])
    with pytest.raises(ValueError, match="non-negative|> 0"):
        f([1.0, -2.0, 3.0])
    with pytest.raises(ValueError, match="one weight per income"):
        f([1.0, 2.0, 3.0], weights=[1.0, 1.0])
    with pytest.raises(ValueError, match="non-negative"):
        f([1.0, 2.0, 3.0], weights=[1.0, -1.0, 1.0])


@pytest.mark.parametrize("name", ["mean_log_deviation", "atkinson_1", "atkinson_2"])
def test_zero_income_rejected_where_logs_needed(name):
    with pytest.raises(ValueError, match="> 0"):
        MEASURES[name]([0.0, 1.0, 2.0])


def test_zero_incomes_allowed_where_defined():
    x = [0.0, 1.0, 2.0, 5.0, 9.0]
    assert ineq.gini(x) > 0 and ineq.theil(x) > 0 and ineq.atkinson(x, epsilon=0.5) > 0


def test_ratio_with_poorest_share_zero_rejected():
    with pytest.raises(ValueError, match="infinite"):
        ineq.quintile_ratio([0, 0, 0, 0, 0, 1])


def test_atkinson_bad_epsilon():
    with pytest.raises(ValueError, match="epsilon"):
        ineq.atkinson([1, 2, 3], epsilon=-0.5)


def test_gini_ci_contains_estimate_and_reports_n():
    x = np.random.default_rng(4).lognormal(0, 1, size=80)
    ci = ineq.gini_ci(x, n_boot=500, seed=1)
    assert ci.ci_low < ci.estimate < ci.ci_high
    assert (ci.n, ci.n_boot) == (80, 500)
    frame = ci.to_frame()
    assert frame.loc[0, "estimate"] == pytest.approx(ineq.gini(x))
    assert ineq.gini_ci(x, n_boot=500, seed=1) == ci  # reproducible with a seed


def test_gini_ci_bad_input():
    with pytest.raises(ValueError, match="n_boot"):
        ineq.gini_ci([1, 2, 3], n_boot=10)
    with pytest.raises(ValueError, match="level"):
        ineq.gini_ci([1, 2, 3], level=1.5)
    with pytest.raises(ValueError, match="at least 2"):
        ineq.gini_ci([1.0])


def test_gini_ci_coverage_lognormal():
    """Percentile-bootstrap coverage of the lognormal Gini, erf(sigma/2), within 3 MC SEs of 95%.

    n = 800 because at n = 300 the interval under-covers slightly (about 93% in 300 runs),
    mostly from the (n-1)/n downward bias of the plug-in Gini.
    """
    sigma, n, reps = 0.6, 800, 200
    truth = erf(sigma / 2)
    rng = np.random.default_rng(20240601)
    covered = 0
    for rep in range(reps):
        ci = ineq.gini_ci(rng.lognormal(0, sigma, size=n), n_boot=300, seed=rep)
        covered += ci.ci_low <= truth <= ci.ci_high
    coverage = covered / reps
    mc_se = math.sqrt(0.95 * 0.05 / reps)
    assert abs(coverage - 0.95) < 3 * mc_se, coverage


def test_unweighted_gini_fast_path_equals_weighted_form_and_pysal():
    """The sort-only path equals the weighted formula with unit weights (ties included)."""
    x = np.random.default_rng(7).integers(0, 50, size=5000).astype(float)
    x[0] = 1.0
    assert ineq.gini(x) == pytest.approx(ineq.gini(x, weights=np.ones_like(x)), rel=1e-12)
    assert ineq.gini(x) == pytest.approx(Gini(x).g, rel=1e-12)
    for bad, match in (([1.0, np.nan], "NaN"), ([1.0, -1.0], "non-negative"), ([0.0, 0.0], "zero")):
        with pytest.raises(ValueError, match=match):
            ineq.gini(bad)
