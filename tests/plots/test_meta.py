"""Tests for kinship_research.plots.meta: the figures show what they claim to show."""

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.collections import LineCollection

from kinship_research.methods import meta
from kinship_research.plots import meta as meta_plots

Y = np.log([0.5, 0.8, 1.1, 0.6, 0.9])
V = np.array([0.04, 0.02, 0.09, 0.01, 0.05])
NAMES = ["A", "B", "C", "D", "E"]


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def test_funnel_plot_pseudo_limits():
    fig = meta_plots.funnel_plot(Y, V, center=-0.2, labels=NAMES, caption="Data: test")
    ax = fig.axes[0]
    lower, upper = ax.lines[0], ax.lines[1]
    se = lower.get_ydata()[-1]
    assert lower.get_xdata()[-1] == pytest.approx(np.exp(-0.2 - 1.959964 * se), rel=1e-6)
    assert upper.get_xdata()[-1] == pytest.approx(np.exp(-0.2 + 1.959964 * se), rel=1e-6)
    assert ax.yaxis_inverted() and ax.get_ylabel().startswith("Standard error")
    np.testing.assert_allclose(ax.collections[0].get_offsets()[:, 1], np.sqrt(V))


def test_moderator_plot_threshold_means():
    x = np.array([10.0, 20.0, 30.0, 40.0, 50.0])
    reg = meta.meta_regression(Y, V, x, threshold=35, tau2=0.0, name="latitude")
    fig = meta_plots.moderator_plot(Y, V, x, reg, labels=NAMES, xlabel="Latitude (degrees)")
    ax = fig.axes[0]
    assert ax.get_xlabel() == "Latitude (degrees)" and ax.get_yscale() == "log"
    b0, b1 = reg.coefficients["estimate"]
    heights = sorted(seg[0][1] for c in ax.collections if isinstance(c, LineCollection) for seg in c.get_segments())
    np.testing.assert_allclose(sorted(np.exp([b0, b0 + b1])), heights)


def test_contour_funnel_shades_significance_regions():
    fig = meta_plots.funnel_plot(Y, V, center=-0.2, contours=True, ratio=False, xlabel="log RR")
    ax = fig.axes[0]
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert {"0.05 < p < 0.10", "0.01 < p < 0.05", "p < 0.01", "p > 0.10"} <= set(legend)
    # the boundary of the p < 0.01 region at the largest standard error is z_0.995 * se
    darkest = ax.collections[4].get_paths()[0].vertices
    se_max = darkest[:, 1].max()
    inner = darkest[np.isclose(darkest[:, 1], se_max), 0].min()
    assert inner == pytest.approx(2.5758293 * se_max, rel=1e-6)


def test_baujat_plot_places_studies_at_their_coordinates():
    coords = meta.baujat(Y, V, labels=NAMES, tau2_method="DL")
    fig = meta_plots.baujat_plot(coords, n_labels=2, caption="Data: test")
    ax = fig.axes[0]
    np.testing.assert_allclose(ax.collections[0].get_offsets(), coords[["q_contribution", "influence"]].to_numpy())
    assert len(ax.texts) == 2 and ax.get_xlabel().startswith("Contribution to heterogeneity")
