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


def test_forest_plot_rows_pooled_diamond_and_caption():
    res = meta.random_effects(Y, V, tau2_method="DL", labels=NAMES)
    s = res.studies
    fig = meta_plots.forest_plot(
        s.study, s.effect, s.ci_low, s.ci_high, s.weight_pct, pooled=res, caption="Data: test", xlabel="Risk ratio"
    )
    ax = fig.axes[0]
    assert ax.get_xscale() == "log" and ax.get_xlabel() == "Risk ratio"
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels[:5] == NAMES and labels[5].startswith("Random effects (DL), k = 5")
    squares = ax.collections[1].get_offsets()
    np.testing.assert_allclose(squares[:, 0], np.exp(Y))
    diamond = ax.patches[0].get_xy()[:, 0]
    np.testing.assert_allclose([diamond.min(), diamond.max()], np.exp([res.ci_low, res.ci_high]))
    assert any(t.get_text() == "Data: test" for t in fig.texts)


def test_forest_plot_rejects_mismatched_lengths():
    with pytest.raises(ValueError, match="same length"):
        meta_plots.forest_plot(NAMES, Y, Y[:3], Y)


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


def test_forest_plot_by_group_lists_estimates_under_their_study():
    groups = ["s2", "s1", "s2", "s3", "s1"]
    fig = meta_plots.forest_plot_by_group(groups, NAMES, Y, Y - 0.1, Y + 0.1, ratio=False, xlabel="log RR")
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert labels == ["s2: A", "   C", "s1: B", "   E", "s3: D"]
    np.testing.assert_allclose(fig.axes[0].collections[1].get_offsets()[:, 0], Y[[0, 2, 1, 4, 3]])
    with pytest.raises(ValueError, match="same length"):
        meta_plots.forest_plot_by_group(groups[:2], NAMES, Y, Y, Y)
