import numpy as np
import pytest

from kinship_research.methods.checks import random_generator


def test_random_generator_is_numpys_default_rng_for_allowed_seeds():
    assert (
        random_generator(7).integers(1000, size=5).tolist() == np.random.default_rng(7).integers(1000, size=5).tolist()
    )
    sequence = np.random.SeedSequence(3)
    assert random_generator(sequence).random() == np.random.default_rng(np.random.SeedSequence(3)).random()
    generator = np.random.default_rng(1)
    assert random_generator(generator) is generator
    assert isinstance(random_generator(None), np.random.Generator)
    assert random_generator([3, 1]).random() == np.random.default_rng([3, 1]).random()


@pytest.mark.parametrize(
    "seed, error",
    [
        ("abc", TypeError),
        (1.5, TypeError),
        (True, TypeError),
        (-1, ValueError),
        ([1, "x"], TypeError),
        ([], TypeError),
        ([2, -1], ValueError),
    ],
)
def test_random_generator_says_what_a_seed_may_be(seed, error):
    with pytest.raises(error, match="seed must be"):
        random_generator(seed)
