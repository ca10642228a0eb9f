"""Figures for the contagion evidence: excess by distance, induction effects, rejection rates.

Each function takes tidy tables from :mod:`~kinship_research.networks.distance_clustering`,
:mod:`~kinship_research.networks.induction` or :mod:`~kinship_research.networks.critics` and
returns a matplotlib Figure with labelled axes and a source caption.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from kinship_research.plots import style


def excess_by_distance_plot(
    table: pd.DataFrame, panel: str = "network", line: str = "trait", ncols: int = 3, caption: str = ""
) -> plt.Figure:
    """Christakis-Fowler distance plot: % excess probability that an alter at distance d shares the trait.

    ``table`` stacks :func:`distance_clustering` outputs with a ``panel`` column (one subplot
    each, ``ncols`` per row) and a ``line`` column (one line each). The band is the 95% null
    interval expressed as excess over the null mean, so a point outside its band is significant
    at about 5%.
    """
    needed = {"distance", "observed", "null_mean", "null_low", "null_high", panel, line}
    if not needed <= set(table.columns):
        raise ValueError(f"table lacks columns {sorted(needed - set(table.columns))}")
    panels = list(dict.fromkeys(table[panel]))
    ncols = min(ncols, len(panels))
    nrows = -(-len(panels) // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(3.8 * ncols + 1, 3.6 * nrows), sharey=True, squeeze=False)
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for ax in axes.ravel()[len(panels) :]:
        ax.set_visible(False)
    for ax, name in zip(axes.ravel(), panels):
        sub = table.loc[table[panel] == name]
        for (label, group), color in zip(sub.groupby(line, sort=False), colors):
            excess = 100 * (group["observed"] / group["null_mean"] - 1)
            low = 100 * (group["null_low"] / group["null_mean"] - 1)
            high = 100 * (group["null_high"] / group["null_mean"] - 1)
            ax.fill_between(group["distance"], low, high, color=color, alpha=0.15)
            ax.plot(group["distance"], excess, "o-", color=color, label=label)
        ax.axhline(0, color="black", lw=0.8)
        ax.set_title(str(name), fontsize=10)
        ax.set_xlabel("distance from ego (degrees of separation)")
        ax.set_xticks(sorted(sub["distance"].unique()))
    for row in axes:
        row[0].set_ylabel("excess probability that the\nalter shares the trait (%)")
    axes[0][0].legend(fontsize=8)
    style.caption(fig, caption)
    return fig


def induction_effects_plot(table: pd.DataFrame, caption: str = "") -> plt.Figure:
    """Forest plot of the % change in ego's risk by tie type, for several models and traits.

    ``table``: columns trait, model, tie_type, pct_change, pct_change_low, pct_change_high (e.g.
    stacked :meth:`InductionResult.to_frame` outputs with ``trait`` and ``model`` added).
    """
    needed = {"trait", "model", "tie_type", "pct_change", "pct_change_low", "pct_change_high"}
    if not needed <= set(table.columns):
        raise ValueError(f"table lacks columns {sorted(needed - set(table.columns))}")
    traits = list(dict.fromkeys(table["trait"]))
    models = list(dict.fromkeys(table["model"]))
    tie_types = list(dict.fromkeys(table["tie_type"]))
    fig, axes = plt.subplots(
        1, len(traits), figsize=(5.5 * len(traits), 1.2 + 0.9 * len(tie_types)), sharey=True, squeeze=False
    )
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    offsets = np.linspace(-0.25, 0.25, len(models)) if len(models) > 1 else [0.0]
    for ax, trait in zip(axes[0], traits):
        for model, offset, color in zip(models, offsets, colors):
            sub = table.loc[(table["trait"] == trait) & (table["model"] == model)].set_index("tie_type")
            y = np.array([tie_types.index(t) for t in sub.index]) + offset
            ax.errorbar(
                sub["pct_change"],
                y,
                xerr=[sub["pct_change"] - sub["pct_change_low"], sub["pct_change_high"] - sub["pct_change"]],
                fmt="o",
                color=color,
                capsize=3,
                label=model,
            )
        ax.axvline(0, color="black", lw=0.8)
        ax.set_yticks(range(len(tie_types)), [t.replace("_", " ") for t in tie_types])
        ax.invert_yaxis()
        ax.set_title(trait, fontsize=10)
        ax.set_xlabel("change in ego's risk when the alter has the trait (%, 95% CI)")
    handles, labels = axes[0][0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="upper center", ncol=len(models), fontsize=8, frameon=False)
    style.caption(fig, caption)
    fig.subplots_adjust(top=0.82)
    return fig


def rejection_rate_plot(study: pd.DataFrame, alpha: float = 0.05, caption: str = "") -> plt.Figure:
    """Share of simulated data sets in which each method reports contagion, by scenario.

    ``study``: :func:`contagion_detection_study` output (scenario, method, rate, rate_low, rate_high).
    """
    needed = {"scenario", "method", "rate", "rate_low", "rate_high"}
    if not needed <= set(study.columns):
        raise ValueError(f"study lacks columns {sorted(needed - set(study.columns))}")
    scenarios = list(dict.fromkeys(study["scenario"]))
    methods = list(dict.fromkeys(study["method"]))
    fig, ax = plt.subplots(figsize=(2.4 * len(scenarios) + 3, 4.2))
    width = 0.8 / len(methods)
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for k, (method, color) in enumerate(zip(methods, colors)):
        sub = study.loc[study["method"] == method].set_index("scenario").loc[scenarios]
        x = np.arange(len(scenarios)) - 0.4 + width * (k + 0.5)
        ax.bar(x, 100 * sub["rate"], width, color=color, label=method.replace("_", " "))
        ax.errorbar(
            x,
            100 * sub["rate"],
            yerr=[100 * (sub["rate"] - sub["rate_low"]), 100 * (sub["rate_high"] - sub["rate"])],
            fmt="none",
            color="black",
            capsize=2,
            lw=0.8,
        )
    ax.axhline(100 * alpha, color="red", ls="--", lw=1, label=f"nominal {100 * alpha:g}%")
    ax.set_xticks(range(len(scenarios)), scenarios)
    ax.set_ylabel("data sets where contagion is reported (%, 95% CI)")
    ax.set_ylim(0, 105)
    ax.legend(fontsize=8, ncol=2)
    style.caption(fig, caption)
    return fig
