"""Tests of spatial diagnostics: Moran's I by hand and against Anselin's Columbus example,
calibration under spatial randomness, spatial-lag recovery, Queen weights, bad input."""

import libpysal
import numpy as np
import pandas as pd
import pytest

from kinship_research.methods.spatial import (
    morans_i,
    queen_weights,
    residual_morans_i,
    spatial_lag,
    spatial_regression,
)
from kinship_research.studies.ghr2004 import fit_ols


def lattice(side):
    w = libpysal.weights.lat2W(side, side, rook=True)
    w.transform = "r"
    return w


def test_morans_i_matches_hand_computation():
    w = lattice(4)
    values = np.random.default_rng(1).normal(size=16) + np.repeat([0.0, 1.0], 8)
    z = values - values.mean()
    W = w.full()[0]
    hand = len(z) / W.sum() * (z @ W @ z) / (z @ z)
    result = morans_i(values, w, n_permutations=199, seed=3)
    assert result.statistic == pytest.approx(hand, rel=1e-12)
    assert result.expected == pytest.approx(-1 / 15)
    assert result.n == 16 and result.n_permutations == 199 and not result.residuals
    assert result.null_low < result.expected < result.null_high
    # the permutation p-value is reproducible from the seed and leaves numpy's global state alone
    state = np.random.get_state()[1].copy()
    again = morans_i(values, w, n_permutations=199, seed=3)
    assert again.p_permutation == result.p_permutation and again.null_low == result.null_low
    assert np.array_equal(np.random.get_state()[1], state)


def test_residual_morans_i_reproduces_columbus_example():
    """Anselin's Columbus data, HOVAL ~ INC + CRIME, row-standardised columbus.gal: the worked
    example in spreg's MoranRes documentation gives I = 0.1713, E[I] = -0.0345, z = 2.2827, p = 0.0224."""
    db = libpysal.io.open(libpysal.examples.get_path("columbus.dbf"))
    data = pd.DataFrame({k: db.by_col(k) for k in ("HOVAL", "INC", "CRIME")})
    w = libpysal.io.open(libpysal.examples.get_path("columbus.gal")).read()
    w.transform = "r"
    result = residual_morans_i(fit_ols(data, "HOVAL", ["INC", "CRIME"]), w, n_permutations=99, seed=0)
    assert result.residuals and result.n == 49
    assert result.statistic == pytest.approx(0.1713, abs=5e-5)
    assert result.expected == pytest.approx(-0.0345, abs=5e-5)
    assert result.z == pytest.approx(2.2827, abs=5e-5)
    assert result.p_normal == pytest.approx(0.0224, abs=5e-5)


def test_residual_moran_is_calibrated_under_spatial_randomness():
    """Independent errors: both p-values reject at 5% in 5% of samples. 500 replicates give a Monte
    Carlo s.e. of sqrt(.05 x .95 / 500) = 0.0097; we allow 3 s.e."""
    rng = np.random.default_rng(2024)
    w = lattice(7)
    x = rng.normal(size=(49, 2))
    reps = 500
    rejections = np.zeros(2)
    for _ in range(reps):
        data = pd.DataFrame({"y": x @ [1.0, -1.0] + rng.normal(size=49), "x1": x[:, 0], "x2": x[:, 1]})
        result = residual_morans_i(
            fit_ols(data, "y", ["x1", "x2"]), w, n_permutations=99, seed=int(rng.integers(1 << 30))
        )
        rejections += [result.p_normal < 0.05, result.p_permutation < 0.05]
    tolerance = 3 * np.sqrt(0.05 * 0.95 / reps)
    np.testing.assert_allclose(rejections / reps, 0.05, atol=tolerance)


def simulate_lag(w, rho, beta, rng):
    n = w.n
    W = w.full()[0]
    x = rng.normal(size=n)
    y = np.linalg.solve(np.eye(n) - rho * W, beta[0] + beta[1] * x + rng.normal(size=n))
    return pd.DataFrame({"area": w.id_order, "y": y, "x": x})


def test_spatial_lag_recovers_rho():
    w = lattice(12)
    data = simulate_lag(w, 0.5, (1.0, 2.0), np.random.default_rng(5))
    table, loglik = spatial_lag(data, "y", ["x"], w, id_column="area")
    rho = table.set_index("term").loc["W_y"]
    beta = table.set_index("term").loc["x"]
    assert list(table["term"]) == ["const", "x", "W_y"] and (table["n"] == 144).all()
    assert abs(rho["estimate"] - 0.5) < 3 * rho["std_error"] and rho["p_value"] < 0.001
    assert abs(beta["estimate"] - 2.0) < 3 * beta["std_error"]
    assert rho["ci_low"] < rho["estimate"] < rho["ci_high"] and np.isfinite(loglik)


def test_spatial_regression_fits_lag_only_when_needed():
    w = lattice(10)
    rng = np.random.default_rng(11)
    autocorrelated = simulate_lag(w, 0.7, (0.0, 1.0), rng)
    result = spatial_regression(autocorrelated, "y", ["x"], w, id_column="area", n_permutations=199, seed=1)
    assert result.moran.p_normal < 0.05 and result.lag is not None and result.moran_test == "normal"
    lr, p = result.lr_test
    assert lr > 0 and p < 0.05
    frame = result.to_frame()
    assert set(frame["model"]) == {"OLS (HC3)", "ML spatial lag"} and (frame["n"] == 100).all()
    shuffled = autocorrelated.assign(area=rng.permutation(autocorrelated["area"].to_numpy()))
    random = spatial_regression(
        shuffled, "y", ["x"], w, id_column="area", n_permutations=199, seed=1, moran_test="permutation"
    )
    assert (random.lag is None) == (random.moran.p_permutation >= 0.05)
    if random.lag is None:
        assert random.lr_test is None
    forced = spatial_regression(shuffled, "y", ["x"], w, id_column="area", n_permutations=99, always_fit_lag=True)
    assert forced.lag is not None


@pytest.fixture
def states():
    from kinship_research.data import load

    return load("us_income")


def test_queen_weights_on_lower48(states):
    w = queen_weights(states)
    assert w.n == 48 and not w.islands
    assert "NM" in w.neighbors["UT"]  # Four Corners: vertex contact counts for Queen
    assert w.neighbors["ME"] == ["NH"]
    assert w.transform == "R"
    np.testing.assert_allclose([sum(w.weights[i]) for i in w.id_order], 1.0)


def test_bad_input(states):
    w = lattice(4)
    with pytest.raises(ValueError, match="one value per area"):
        morans_i(np.ones(15), w)
    with pytest.raises(ValueError, match="NaN"):
        morans_i(np.r_[np.ones(15), np.nan], w)
    with pytest.raises(ValueError, match="n_permutations"):
        morans_i(np.arange(16.0), w, n_permutations=5)
    with pytest.raises(ValueError, match="level"):
        morans_i(np.arange(16.0), w, level=0)
    with pytest.raises(TypeError, match="GeoDataFrame"):
        queen_weights(pd.DataFrame(states.drop(columns="geometry")))
    with pytest.raises(KeyError, match="id column"):
        queen_weights(states, id_column="nope")
    with pytest.raises(ValueError, match="unique"):
        queen_weights(states.assign(state_abbr="XX"))
    with pytest.raises(ValueError, match="without Queen neighbours"):
        queen_weights(states[states["state_abbr"].isin(["ME", "CA", "NV"])])
    data = pd.DataFrame({"area": w.id_order, "y": np.arange(16.0), "x": np.sin(np.arange(16.0))})
    with pytest.raises(KeyError, match="id column"):
        spatial_lag(data, "y", ["x"], w)
    with pytest.raises(KeyError, match="not in data"):
        spatial_regression(data, "y", ["z"], w, id_column="area")
    with pytest.raises(ValueError, match="missing from data"):
        spatial_regression(data.iloc[1:], "y", ["x"], w, id_column="area")
    with pytest.raises(ValueError, match="missing values"):
        spatial_regression(data.assign(y=data["y"].where(data["y"] > 2)), "y", ["x"], w, id_column="area")
    with pytest.raises(ValueError, match="duplicated"):
        spatial_regression(pd.concat([data, data.iloc[:1]]), "y", ["x"], w, id_column="area")
    with pytest.raises(ValueError, match="level"):
        spatial_lag(data, "y", ["x"], w, id_column="area", level=2)
    with pytest.raises(ValueError, match="moran_test"):
        spatial_regression(data, "y", ["x"], w, id_column="area", moran_test="exact")


def test_residual_moments_match_spreg_on_asymmetric_weights():
    """Hand-coded Cliff-Ord residual moments equal spreg.MoranRes for k-nearest-neighbour weights
    (asymmetric W, so tr(MWMW') differs from tr((MW)^2))."""
    import spreg

    rng = np.random.default_rng(3)
    points = rng.uniform(size=(40, 2))
    w = libpysal.weights.KNN.from_array(points, k=4)
    w.transform = "r"
    data = pd.DataFrame({"y": points[:, 0] + rng.normal(size=40), "x": rng.normal(size=40)})
    ours = residual_morans_i(fit_ols(data, "y", ["x"]), w, n_permutations=19)
    ref = spreg.diagnostics_sp.MoranRes(spreg.OLS(data[["y"]].to_numpy(), data[["x"]].to_numpy()), w, z=True)
    assert ours.statistic == pytest.approx(ref.I, rel=1e-10)
    assert ours.expected == pytest.approx(ref.eI, rel=1e-10)
    assert ours.z == pytest.approx(ref.zI, rel=1e-8)
    assert ours.p_normal == pytest.approx(ref.p_norm, rel=1e-8)
