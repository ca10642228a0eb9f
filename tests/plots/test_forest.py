"""The one forest plot: meta-analysis rows with a pooled diamond, grouped rows, and robustness tables."""

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pytest

from kinship_research.methods import meta
from kinship_research.plots.forest import forest_plot
from kinship_research.studies import spirit_level as sl

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
    fig = forest_plot(
        s.study, s.effect, s.ci_low, s.ci_high, weights=s.weight_pct, pooled=res, ratio=True, caption="Data: test",
        xlabel="Risk ratio",
    )  # fmt: skip
    ax = fig.axes[0]
    assert ax.get_xscale() == "log" and ax.get_xlabel() == "Risk ratio"
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels[:5] == NAMES and labels[5].startswith("Random effects (DL), k = 5")
    squares = ax.collections[1].get_offsets()
    np.testing.assert_allclose(squares[:, 0], np.exp(Y))
    diamond = ax.patches[0].get_xy()[:, 0]
    np.testing.assert_allclose([diamond.min(), diamond.max()], np.exp([res.ci_low, res.ci_high]))
    assert any(t.get_text() == "Data: test" for t in fig.texts)
    assert f"{np.exp(Y[0]):.2f} [" in ax.texts[0].get_text()


def test_forest_plot_rejects_mismatched_lengths():
    with pytest.raises(ValueError, match="same length"):
        forest_plot(NAMES, Y, Y[:3], Y)
    with pytest.raises(ValueError, match="same length"):
        forest_plot(NAMES, Y, Y, Y, n=[1, 2])


def test_forest_plot_groups_list_estimates_under_their_study():
    groups = ["s2", "s1", "s2", "s3", "s1"]
    fig = forest_plot(NAMES, Y, Y - 0.1, Y + 0.1, groups=groups, xlabel="log RR")
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert labels == ["s2: A", "   C", "s1: B", "   E", "s3: D"]
    np.testing.assert_allclose(fig.axes[0].collections[1].get_offsets()[:, 0], Y[[0, 2, 1, 4, 3]])
    with pytest.raises(ValueError, match="same length"):
        forest_plot(NAMES, Y, Y, Y, groups=groups[:2])


def test_forest_plot_of_a_robustness_table_into_given_axes(countries):
    table = sl.exclude(countries, "ineq", "bad", groups=["usa"])
    fig, ax = plt.subplots()
    forest_plot(table["excluded"], table["r"], table["ci_low"], table["ci_high"], n=table["n"], ax=ax)
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels == [f"{e} (n={n})" for e, n in zip(table["excluded"], table["n"])]
    assert not ax.texts and ax.get_xscale() == "linear"  # no annotations when drawn into a caller's axes
    np.testing.assert_allclose(ax.collections[1].get_offsets()[:, 0], table["r"])
