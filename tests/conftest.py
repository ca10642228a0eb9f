"""Shared fixtures. Tests never use the network; mirror files are reached through KINSHIP_DATA_MIRROR."""

import os
from pathlib import Path

import matplotlib
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
