"""Contagion figures: labelled axes, one line per run plus means, intervals and theory."""

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import networkx as nx  # noqa: E402
import pandas as pd  # noqa: E402

from kinship_research.networks.simulate import replicate  # noqa: E402
from kinship_research.plots.simulation import prevalence_figure, sweep_figure  # noqa: E402


def test_prevalence_figure_draws_runs_means_and_theory():
    runs = replicate(nx.path_graph(50), "SISa", 4, 3, seed=0, beta=0.5, gamma=1.0, adoption=0.2)
    theory = pd.DataFrame({"t": [0, 4], "prevalence": [0.5, 0.5], "label": "mean field"})
    fig = prevalence_figure({"path": runs}, theory, caption="simulated")
    ax = fig.axes[0]
    assert len(ax.lines) == 3 + 1 + 1
    assert "time (years)" == ax.get_xlabel() and "%" in ax.get_ylabel()
    assert max(ax.lines[3].get_ydata()) <= 100
    plt.close(fig)


def test_sweep_figure_draws_intervals_and_theory():
    simulated = pd.DataFrame(
        {"beta": [0.1, 0.2], "prevalence": [0.2, 0.4], "ci_low": [0.1, 0.3], "ci_high": [0.3, 0.5], "label": "WS"}
    )
    theory = pd.DataFrame({"beta": [0.1, 0.2], "prevalence": [0.25, 0.45], "label": "mean field"})
    fig = sweep_figure(simulated, theory, "beta", "beta (per contact per year)")
    ax = fig.axes[0]
    assert ax.get_xlabel() == "beta (per contact per year)"
    assert len(ax.containers) == 1 and len(ax.lines) >= 2
    plt.close(fig)
