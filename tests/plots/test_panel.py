"""Panel figures: one panel per outcome, one interval per specification, one small multiple per
country, one point per lag, and named errors for empty input."""

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from kinship_research.plots import panel as plots
from kinship_research.studies.inequality_panel import gravelle_artefact


def _table(n=4):
    estimate = np.linspace(-1, 1, n)
    return pd.DataFrame(
        {
            "specification": [f"s{i}" for i in range(n)],
            "reading": (["between", "within", "pooled"] * n)[:n],
            "cov_type": "clustered",
            "estimate": estimate,
            "ci_low": estimate - 0.5,
            "ci_high": estimate + 0.5,
        }
    )


def _panel(n_countries=7, n_years=5):
    rng = np.random.default_rng(0)
    return pd.DataFrame(
        {
            "iso3": np.repeat([f"C{i}" for i in range(n_countries)], n_years),
            "year": np.tile(np.arange(2000, 2000 + n_years), n_countries),
            "gini": rng.uniform(25, 40, n_countries * n_years),
            "life_expectancy": rng.uniform(75, 82, n_countries * n_years),
        }
    )


def test_coefficient_figure_draws_every_interval_with_its_reading_colour():
    fig = plots.coefficient_figure(
        {"a": _table(4), "b": _table(3)}, labels={"a": "A (years)", "b": "B (deaths)"}, source="Source: test"
    )
    left, right = fig.axes[:2]
    assert len(left.lines) == 2 * 4 + 1 and len(right.lines) == 2 * 3 + 1  # interval + point, zero line
    assert left.lines[0].get_xdata().tolist() == [-1.5, -0.5]
    assert left.lines[0].get_color() == plots.READING_COLOURS["between"]
    assert "per Gini point" in left.get_xlabel() and "A (years)" in left.get_xlabel()
    assert any(t.get_text() == "Source: test" for t in fig.texts)
    plt.close(fig)
    with pytest.raises(ValueError, match="at least one"):
        plots.coefficient_figure({})
    with pytest.raises(ValueError, match="reading must be one of"):
        plots.coefficient_figure({"a": _table().assign(reading="sideways")})


def test_trajectories_one_small_multiple_per_country():
    fig = plots.trajectories_figure(_panel(), "life_expectancy", outcome_label="life expectancy (years)", ncols=3)
    visible = [ax for ax in fig.axes if ax.get_visible() and ax.get_title()]
    assert sorted(ax.get_title() for ax in visible) == [f"C{i}" for i in range(7)]
    assert len(visible[0].lines) == 1 and len(visible[0].lines[0].get_xdata()) == 5
    plt.close(fig)
    with pytest.raises(KeyError):
        plots.trajectories_figure(_panel(), "infant_mortality", outcome_label="x")


def test_lag_figure_one_point_per_lag():
    profile = pd.DataFrame(
        {"lag": [0, 5, 10], "estimate": [0.1, 0.0, -0.1], "ci_low": [-0.1, -0.2, -0.3], "ci_high": [0.3, 0.2, 0.1]}
    ).assign(n=[100, 80, 60])
    fig = plots.lag_figure(profile, outcome_label="life expectancy (years)")
    assert fig.axes[0].lines[0].get_ydata().tolist() == [0.1, 0.0, -0.1]
    assert [p.get_height() for p in fig.axes[1].patches] == [100, 80, 60]
    plt.close(fig)
    with pytest.raises(ValueError, match="no lags"):
        plots.lag_figure(profile.iloc[:0], outcome_label="x")


def test_gravelle_figure():
    results = [gravelle_artefact(curve=c, n_countries=8, n_people=40, seed=0) for c in ("concave", "linear")]
    fig = plots.gravelle_figure(results, source="Simulation")
    scatter, slopes = fig.axes[:2]
    assert len(scatter.collections) == 2 and len(slopes.lines) == 2 * 2 * 2 + 1
    plt.close(fig)
    with pytest.raises(ValueError, match="at least one"):
        plots.gravelle_figure([])
