"""Mantel-Haenszel and Peto pooling against R metafor 3.8 rma.mh / rma.peto (fixtures from
tests/fixtures/metafor/make_effect_sizes.R), statsmodels' StratifiedTable, closed forms and bad input."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from statsmodels.stats.contingency_tables import StratifiedTable

from kinship_research.methods import table_pooling as tp

FIXTURES = Path(__file__).parents[1] / "fixtures" / "metafor"
TABLES = pd.read_csv(FIXTURES / "es_tables.csv")
REFERENCE = pd.read_csv(FIXTURES / "mh_peto.csv")
KEYS = ["dataset", "method", "measure"]
CASES = sorted(REFERENCE[KEYS].drop_duplicates().itertuples(index=False, name=None))
# metafor quantity -> attribute of TablePoolingResult (I2 is a percentage in metafor, a fraction here)
QUANTITIES = {
    "estimate": "estimate",
    "se": "std_error",
    "zval": "statistic",
    "pval": "p_value",
    "ci_low": "ci_low",
    "ci_high": "ci_high",
    "QE": "q",
    "QEp": "q_p_value",
    "I2": "i2",
    "H2": "h2",
    "k": "k",
    "k_yi": "k_effects",
    "MH": "cmh",
    "MHp": "cmh_p_value",
    "BD": "breslow_day",
    "BDp": "breslow_day_p_value",
    "TA": "tarone",
    "TAp": "tarone_p_value",
}


def _cells(dataset: str):
    t = TABLES[TABLES.dataset == dataset]
    return (t.ai, t.bi, t.ci, t.di), t.study


def _fit(method: str, measure: str, cells, **options):
    if method == "MH":
        return tp.mantel_haenszel(*cells, measure=measure, **options)
    return tp.peto(*cells, **options)


def _close(actual: float, expected: float, what: str) -> None:
    """Relative agreement to 1e-4 (absolute 1e-10 near zero): stricter than the project's 1e-4 absolute,
    so that small quantities (risk-difference standard errors ~0.003) are checked too."""
    assert abs(actual - expected) <= 1e-4 * abs(expected) + 1e-10, f"{what}: {actual} vs metafor {expected}"


@pytest.mark.parametrize(("dataset", "method", "measure"), CASES)
def test_pooling_matches_metafor(dataset, method, measure):
    cells, labels = _cells(dataset)
    res = _fit(method, measure, cells, labels=labels)
    res90 = _fit(method, measure, cells, level=0.9)
    ref = REFERENCE.set_index(KEYS).loc[(dataset, method, measure)]
    assert len(ref) >= 14
    for quantity, value in zip(ref.quantity, ref.value):
        what = f"{dataset} {method} {measure} {quantity}"
        if quantity == "k_pos":
            _close(res.breslow_day_df + 1, value, what)
        elif quantity.endswith("_90"):
            _close(getattr(res90, quantity.removesuffix("_90")), value, what)
        else:
            _close(getattr(res, QUANTITIES[quantity]) * (100 if quantity == "I2" else 1), value, what)


def test_fixture_has_sparse_data_and_heterogeneity():
    """The cases include double-zero tables (k_yi < k) and both heterogeneous and homogeneous data."""
    ref = REFERENCE.set_index(["dataset", "method", "measure", "quantity"]).value
    assert ref["yusuf1985_table9", "MH", "OR", "k_yi"] < ref["yusuf1985_table9", "MH", "OR", "k"]
    assert ref["collins1985a_deaths", "Peto", "OR", "k_yi"] < ref["collins1985a_deaths", "Peto", "OR", "k"]
    assert ref["bcg", "MH", "OR", "I2"] > 50 and ref["yusuf1985_table9", "MH", "OR", "I2"] == 0


@pytest.mark.parametrize("dataset", sorted(TABLES.dataset.unique()))
def test_mantel_haenszel_matches_statsmodels(dataset):
    cells, _ = _cells(dataset)
    tables = [np.array([[a, b], [c, d]], float) for a, b, c, d in zip(*cells)]
    strata = StratifiedTable(np.stack(tables, axis=2))
    odds = tp.mantel_haenszel(*cells, measure="OR")
    assert odds.estimate == pytest.approx(strata.logodds_pooled, rel=1e-10)
    assert odds.std_error == pytest.approx(strata.logodds_pooled_se, rel=1e-10)
    assert odds.cmh == pytest.approx(strata.test_null_odds(correction=True).statistic, rel=1e-10)
    risk = tp.mantel_haenszel(*cells, measure="RR")
    assert risk.estimate == pytest.approx(np.log(strata.riskratio_pooled), rel=1e-10)
    if dataset == "bcg":  # statsmodels' Breslow-Day is NaN once a table has a zero cell
        assert odds.breslow_day == pytest.approx(strata.test_equal_odds(adjust=False).statistic, rel=1e-10)
        assert odds.tarone == pytest.approx(strata.test_equal_odds(adjust=True).statistic, rel=1e-10)


def test_one_table_closed_forms():
    """One table: MH OR = ad/(bc) with the Woolf variance, MH RR = (a/n1)/(c/n2), Peto = (a - E)/V;
    no heterogeneity (Q = 0, p = 1, I2 = 0, H2 = 1)."""
    a, b, c, d = 12, 38, 25, 30
    odds = tp.mantel_haenszel([a], [b], [c], [d])
    assert odds.estimate == pytest.approx(np.log(a * d / (b * c)))
    assert odds.std_error**2 == pytest.approx(1 / a + 1 / b + 1 / c + 1 / d)
    assert (odds.q, odds.q_p_value, odds.i2, odds.h2, odds.q_df) == (0.0, 1.0, 0.0, 1.0, 0)
    risk = tp.mantel_haenszel([a], [b], [c], [d], measure="RR")
    assert risk.estimate == pytest.approx(np.log((a / 50) / (c / 55)))
    assert risk.std_error**2 == pytest.approx(1 / a - 1 / 50 + 1 / c - 1 / 55)
    diff = tp.mantel_haenszel([a], [b], [c], [d], measure="RD")
    assert diff.estimate == pytest.approx(a / 50 - c / 55)
    n, events = 105, a + c
    hyper_var = events * (b + d) * 50 * 55 / (n**2 * (n - 1))
    p = tp.peto([a], [b], [c], [d])
    assert p.estimate == pytest.approx((a - events * 50 / n) / hyper_var)
    assert p.std_error == pytest.approx(hyper_var**-0.5)


def test_frame_summary_and_interval():
    cells, labels = _cells("bcg")
    res = tp.mantel_haenszel(*cells, measure="RR", labels=labels)
    frame = res.to_frame()
    assert frame.shape[0] == 1 and frame.estimate[0] == res.estimate and frame.k[0] == 13
    assert res.ci_high - res.estimate == pytest.approx(1.959963984540054 * res.std_error)
    assert res.studies.k == 13 and res.studies.labels[0] == "Aronson"
    assert "MH RR over 13 tables" in res.summary()
    assert "risk difference" in tp.mantel_haenszel(*cells, measure="RD").summary()
    assert np.isnan(res.cmh) and np.isnan(res.breslow_day)


def test_double_zero_tables_do_not_move_ratio_estimates():
    base = ([3, 5], [20, 30], [6, 9], [18, 25])
    extra = ([3, 5, 0], [20, 30, 40], [6, 9, 0], [18, 25, 38])
    for fit in (
        lambda c: tp.mantel_haenszel(*c),
        lambda c: tp.mantel_haenszel(*c, measure="RR"),
        lambda c: tp.peto(*c),
    ):
        without, with_zero = fit(base), fit(extra)
        assert with_zero.estimate == pytest.approx(without.estimate)
        assert with_zero.k == 3 and with_zero.k_effects == 2 and with_zero.q_df == 1
    # ... but they do enter the risk-difference weights (pulling it towards 0)
    rd_without = tp.mantel_haenszel(*base, measure="RD").estimate
    assert abs(tp.mantel_haenszel(*extra, measure="RD").estimate) < abs(rd_without)


def test_undefined_estimates_and_bad_input():
    with pytest.raises(ValueError, match="odds ratio is undefined"):
        tp.mantel_haenszel([0, 0], [10, 10], [2, 3], [8, 7])
    with pytest.raises(ValueError, match="risk ratio is undefined"):
        tp.mantel_haenszel([0, 0], [10, 10], [2, 3], [8, 7], measure="RR")
    with pytest.raises(ValueError, match="never occurred"):
        tp.peto([0, 0], [10, 10], [0, 0], [8, 7])
    with pytest.raises(ValueError, match="measure must be one of"):
        tp.mantel_haenszel([1], [5], [2], [5], measure="PETO")
    with pytest.raises(ValueError, match="at least 0"):
        tp.mantel_haenszel([1, -1], [5, 5], [2, 2], [5, 5])
    with pytest.raises(ValueError, match="whole numbers"):
        tp.peto([1, 1.5], [5, 5], [2, 2], [5, 5])
    with pytest.raises(ValueError, match="one value per study"):
        tp.peto([1, 1], [5, 5], [2], [5, 5])
    with pytest.raises(ValueError, match="no participants"):
        tp.mantel_haenszel([1, 0], [5, 0], [2, 0], [5, 0])
    with pytest.raises(ValueError, match="level"):
        tp.peto([1], [5], [2], [5], level=0.0)
