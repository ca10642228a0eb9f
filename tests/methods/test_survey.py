"""Weighted means: equal weights give the ordinary mean and SE; coverage under unequal weights."""

import numpy as np
import pytest

from kinship_research.methods.survey import weighted_mean


def test_equal_weights_give_the_sample_mean_and_its_standard_error():
    x = np.random.default_rng(0).normal(size=50)
    result = weighted_mean(x, np.full(50, 3.0))
    assert result["estimate"] == pytest.approx(x.mean())
    assert result["std_error"] == pytest.approx(x.std(ddof=1) / np.sqrt(50))


def test_hand_computed_linearisation_variance():
    x, w = np.array([1.0, 2.0, 4.0, 8.0]), np.array([1.0, 2.0, 1.0, 0.5])
    mean = (w * x).sum() / w.sum()
    var = 4 / 3 * (w**2 * (x - mean) ** 2).sum() / w.sum() ** 2
    result = weighted_mean(x, w, level=0.9)
    assert result["estimate"] == pytest.approx(mean) and result["std_error"] == pytest.approx(np.sqrt(var))
    assert result["ci_high"] - result["ci_low"] == pytest.approx(2 * 1.6448536 * np.sqrt(var), rel=1e-6)


def test_interval_covers_the_population_mean_under_unequal_probability_sampling():
    rng = np.random.default_rng(1)
    population = rng.gamma(2.0, 2.0, size=20_000)
    inclusion = population / population.sum() * 400  # size-biased selection
    covered = 0
    for _ in range(300):
        chosen = rng.random(population.size) < inclusion
        result = weighted_mean(population[chosen], 1 / inclusion[chosen])
        covered += result["ci_low"] <= population.mean() <= result["ci_high"]
    # nominal 95%: 300 replications, binomial 99.9% lower bound about 268
    assert covered >= 268


def test_bad_input():
    with pytest.raises(ValueError, match="positive"):
        weighted_mean([1.0, 2.0], [1.0, -1.0])
    with pytest.raises(ValueError, match="same length"):
        weighted_mean([1.0, 2.0], [1.0])
    with pytest.raises(ValueError, match="at least 2"):
        weighted_mean([1.0, np.nan], [1.0, 1.0])
