"""Shared fixtures. Tests never use the network; mirror files are reached through KINSHIP_DATA_MIRROR."""

import os
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
import pytest

matplotlib.use("Agg")


@pytest.fixture(scope="session")
def mirror() -> Path:
    """The shared offline mirror folder; skips the test when KINSHIP_DATA_MIRROR is not set."""
    value = os.environ.get("KINSHIP_DATA_MIRROR")
    if not value:
        pytest.skip("KINSHIP_DATA_MIRROR is not set (make test sets it to ../shared/data/mirror)")
    path = Path(value)
    assert path.is_dir(), f"KINSHIP_DATA_MIRROR={value} is not a folder"
    return path


@pytest.fixture(autouse=True)
def _reports_where_the_test_says(monkeypatch):
    """Tests decide where reports go (``./reports`` of their folder or an explicit reports_dir);
    a KINSHIP_REPORTS_DIR set in the caller's shell must not redirect them."""
    monkeypatch.delenv("KINSHIP_REPORTS_DIR", raising=False)


@pytest.fixture
def countries():
    """30 synthetic countries: inequality, an outcome rising and one falling with it, noise (Spirit Level tests)."""
    rng = np.random.default_rng(7)
    n = 30
    inequality = rng.uniform(3, 9, n)
    df = pd.DataFrame(
        {
            "iso3": [f"C{i:02d}" for i in range(n)],
            "ineq": inequality,
            "gini": 0.2 + 0.02 * inequality + rng.normal(0, 0.01, n),
            "gdp": np.exp(rng.normal(10.5, 0.3, n)),
            "bad": 2 * inequality + rng.normal(0, 2, n),
            "good": -inequality + rng.normal(0, 3, n),
            "noise": rng.normal(0, 1, n),
        }
    )
    df.loc[[1, 5], "good"] = np.nan
    df.loc[0, "iso3"] = "USA"
    df.loc[2, "iso3"] = "JPN"
    df.loc[3, "iso3"] = "SWE"
    return df
