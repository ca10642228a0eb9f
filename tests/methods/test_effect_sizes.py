"""Effect sizes against R metafor 3.8 escalc (fixtures from tests/fixtures/metafor/make_effect_sizes.R),
closed forms and bad input."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import special

from kinship_research.methods import effect_sizes as es

FIXTURES = Path(__file__).parents[1] / "fixtures" / "metafor"
TABLES = pd.read_csv(FIXTURES / "es_tables.csv")
EFFECTS = pd.read_csv(FIXTURES / "effect_sizes.csv")
OPTIONS = {
    "default": {},
    "drop00": {"drop_double_zero": True},
    "all": {"add_to": "all"},
    "if0all": {"add_to": "if0all"},
    "add1": {"add": 1.0},
}
TABLE_CASES = sorted(
    EFFECTS[EFFECTS.measure.isin(es.TABLE_MEASURES)][["dataset", "measure", "variant"]]
    .drop_duplicates()
    .itertuples(index=False, name=None)
)


def _agree(actual, expected, what: str) -> None:
    """Same missing pattern, and relative agreement to 1e-4 (absolute 1e-10 near zero)."""
    actual, expected = np.asarray(actual, float), np.asarray(expected, float)
    np.testing.assert_array_equal(np.isnan(actual), np.isnan(expected), err_msg=f"{what}: missing pattern")
    ok = ~np.isnan(expected)
    excess = np.abs(actual[ok] - expected[ok]) - (1e-4 * np.abs(expected[ok]) + 1e-10)
    assert excess.max(initial=-1) <= 0, f"{what}: worst difference beyond tolerance {excess.max()}"


def test_fixture_covers_sparse_tables():
    """The fixture data include tables with a zero cell and double-zero tables (the cases under test)."""
    for name in ("yusuf1985_table9", "collins1985a_deaths"):
        t = TABLES[TABLES.dataset == name]
        assert es.double_zero(t.ai, t.bi, t.ci, t.di).sum() >= 2
        some_zero = (t[["ai", "bi", "ci", "di"]] == 0).any(axis=1)
        assert (some_zero & ~es.double_zero(t.ai, t.bi, t.ci, t.di)).any()


@pytest.mark.parametrize(("dataset", "measure", "variant"), TABLE_CASES)
def test_binary_effects_match_escalc(dataset, measure, variant):
    t = TABLES[TABLES.dataset == dataset]
    ref = EFFECTS[(EFFECTS.dataset == dataset) & (EFFECTS.measure == measure) & (EFFECTS.variant == variant)]
    res = es.binary_effects(t.ai, t.bi, t.ci, t.di, measure=measure, labels=t.study, **OPTIONS[variant])
    assert list(res.labels) == list(ref.study)
    _agree(res.yi, ref.yi, f"{dataset} {measure} {variant} yi")
    _agree(res.vi, ref.vi, f"{dataset} {measure} {variant} vi")


def test_hedges_g_matches_escalc_normand1999():
    m = pd.read_csv(FIXTURES / "es_means.csv")
    ref = EFFECTS[EFFECTS.measure == "SMD"]
    res = es.hedges_g(m.m1i, m.sd1i, m.n1i, m.m2i, m.sd2i, m.n2i, labels=m.study)
    _agree(res.yi, ref.yi, "normand1999 SMD yi")
    _agree(res.vi, ref.vi, "normand1999 SMD vi")


def test_fisher_z_matches_escalc_molloy2014():
    c = pd.read_csv(FIXTURES / "es_correlations.csv")
    ref = EFFECTS[EFFECTS.measure == "ZCOR"]
    res = es.fisher_z(c.ri, c.ni, labels=c.study)
    _agree(res.yi, ref.yi, "molloy2014 ZCOR yi")
    _agree(res.vi, ref.vi, "molloy2014 ZCOR vi")


def test_closed_forms_for_one_table():
    a, b, c, d = 10.0, 90.0, 20.0, 80.0
    odds = es.binary_effects([a], [b], [c], [d], measure="OR")
    assert odds.yi[0] == pytest.approx(np.log(a * d / (b * c)))
    assert odds.vi[0] == pytest.approx(1 / a + 1 / b + 1 / c + 1 / d)
    rd = es.binary_effects([a], [b], [c], [d], measure="RD")
    assert rd.yi[0] == pytest.approx(0.1 - 0.2)
    assert rd.vi[0] == pytest.approx(0.1 * 0.9 / 100 + 0.2 * 0.8 / 100)
    assert not odds.corrected[0]


def test_zero_cells_and_double_zero_tables():
    # table 1: zero cell -> +1/2 everywhere; table 2: double zero (kept, corrected); table 3: untouched
    ai, bi, ci, di = [0, 0, 5], [10, 10, 5], [3, 0, 2], [7, 12, 8]
    rr = es.binary_effects(ai, bi, ci, di, measure="RR")
    np.testing.assert_array_equal(rr.corrected, [True, True, False])
    assert rr.yi[0] == pytest.approx(np.log((0.5 / 11) / (3.5 / 11)))
    assert rr.yi[1] == pytest.approx(np.log((0.5 / 11) / (0.5 / 13)))
    assert rr.vi[1] == pytest.approx(4 - 1 / 11 - 1 / 13)
    dropped = es.binary_effects(ai, bi, ci, di, measure="RR", drop_double_zero=True)
    np.testing.assert_array_equal(dropped.dropped, [False, True, False])
    assert np.isnan(dropped.yi[1]) and np.isnan(dropped.vi[1])
    assert dropped.yi[0] == rr.yi[0] and dropped.yi[2] == rr.yi[2]
    raw = es.binary_effects(ai, bi, ci, di, measure="OR", add_to="none")
    assert raw.yi[0] == -np.inf and not raw.corrected.any()
    everywhere = es.binary_effects(ai, bi, ci, di, measure="OR", add_to="if0all")
    assert everywhere.corrected.all()
    none_zero = es.binary_effects([5], [5], [2], [8], measure="OR", add_to="if0all")
    assert not none_zero.corrected.any()


def test_hedges_correction_is_the_gamma_ratio():
    """g / d is J(m) = Gamma(m/2) / (sqrt(m/2) Gamma((m-1)/2)), close to 1 - 3/(4m - 1) and below 1."""
    n1, n2 = np.array([3, 5, 20, 60]), np.array([2, 5, 25, 70])
    res = es.hedges_g(np.ones(4), np.ones(4), n1, np.zeros(4), np.ones(4), n2)
    m = n1 + n2 - 2
    exact = special.gamma(m / 2) / (np.sqrt(m / 2) * special.gamma((m - 1) / 2))
    np.testing.assert_allclose(res.yi, exact, rtol=1e-12)
    np.testing.assert_allclose(res.yi, 1 - 3 / (4 * m - 1), rtol=2e-2)
    assert np.all(np.diff(res.yi) > 0) and np.all(res.yi < 1)


def test_to_frame_and_interval():
    res = es.fisher_z([0.3, -0.2], [50, 103], labels=["a", "b"], level=0.9)
    frame = res.to_frame()
    assert list(frame.columns) == [
        "study",
        "measure",
        "yi",
        "vi",
        "std_error",
        "ci_low",
        "ci_high",
        "corrected",
        "dropped",
    ]
    assert frame.vi.tolist() == pytest.approx([1 / 47, 1 / 100])
    assert frame.ci_high[1] - frame.yi[1] == pytest.approx(1.6448536269514722 * 0.1)
    assert "2 studies" in res.summary()


@pytest.mark.parametrize(
    ("cells", "message"),
    [
        (([1, -2], [5, 5], [1, 1], [5, 5]), "at least 0"),
        (([1, 2.5], [5, 5], [1, 1], [5, 5]), "whole numbers"),
        (([1, 2], [5, 5, 3], [1, 1], [5, 5]), "one value per study"),
        (([1, 0], [5, 0], [1, 0], [5, 0]), "no participants"),
        (([1, 0], [5, 0], [1, 1], [5, 5]), "empty group"),
        (([1, np.nan], [5, 5], [1, 1], [5, 5]), "missing"),
        (([], [], [], []), "at least one study"),
    ],
)
def test_bad_tables(cells, message):
    with pytest.raises(ValueError, match=message):
        es.binary_effects(*cells)


def test_bad_options():
    cells = ([1], [5], [2], [5])
    with pytest.raises(ValueError, match="measure must be one of"):
        es.binary_effects(*cells, measure="HR")
    with pytest.raises(ValueError, match="add_to must be one of"):
        es.binary_effects(*cells, add_to="zeros")
    with pytest.raises(ValueError, match="add is the zero-cell correction"):
        es.binary_effects(*cells, add=-0.5)
    with pytest.raises(TypeError, match="drop_double_zero"):
        es.binary_effects(*cells, drop_double_zero="yes")
    with pytest.raises(ValueError, match="level"):
        es.binary_effects(*cells, level=95)
    with pytest.raises(ValueError, match="labels must have one entry per study"):
        es.binary_effects(*cells, labels=["a", "b"])
    with pytest.raises(TypeError, match="sequence of"):
        es.binary_effects("1", [5], [2], [5])


def test_bad_means_and_correlations():
    with pytest.raises(ValueError, match="n1 \\+ n2 >= 4"):
        es.hedges_g([1], [1], [1], [0], [1], [2])
    with pytest.raises(ValueError, match="sd2 must be non-negative"):
        es.hedges_g([1], [1], [10], [0], [-1], [10])
    with pytest.raises(ValueError, match="pooled standard deviation is zero"):
        es.hedges_g([1], [0], [10], [0], [0], [10])
    with pytest.raises(ValueError, match="n2 must be whole numbers"):
        es.hedges_g([1], [1], [10], [0], [1], [10.5])
    with pytest.raises(ValueError, match="strictly between -1 and 1"):
        es.fisher_z([0.2, 1.0], [10, 10])
    with pytest.raises(ValueError, match="n must be at least 4"):
        es.fisher_z([0.2], [3])
    with pytest.raises(ValueError, match="one value per study"):
        es.fisher_z([0.2, 0.1], [30])
