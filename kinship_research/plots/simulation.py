"""Figures for contagion simulations (see :mod:`kinship_research.networks.simulate`)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from kinship_research.plots import style


def prevalence_figure(
    runs: dict[str, list[pd.DataFrame]],
    theory: pd.DataFrame | None = None,
    compartment: str = "I",
    time_unit: str = "years",
    title: str = "",
    caption: str = "",
) -> plt.Figure:
    """Prevalence over time: every run as a thin line and the mean over runs as a thick one.

    ``runs`` maps a label (e.g. the network) to simulate() outputs; ``theory`` is an optional
    DataFrame with columns t, prevalence (fraction) and label, drawn dashed.
    """
    fig, ax = plt.subplots(figsize=(9, 5))
    for (label, group), color in zip(runs.items(), plt.rcParams["axes.prop_cycle"].by_key()["color"]):
        shares = np.array(
            [run[compartment].to_numpy() / run[[c for c in "SIR" if c in run]].sum(axis=1).to_numpy() for run in group]
        )
        t = group[0]["t"].to_numpy()
        for share in shares:
            ax.plot(t, 100 * share, color=color, lw=0.6, alpha=0.25)
        ax.plot(t, 100 * shares.mean(axis=0), color=color, lw=2.2, label=f"{label}: mean of {len(group)} runs")
    if theory is not None:
        for label, curve in theory.groupby("label", sort=False):
            ax.plot(curve["t"], 100 * curve["prevalence"], "--", color="black", lw=1.5, label=label)
    ax.set_xlabel(f"time ({time_unit})")
    ax.set_ylabel("prevalence (% of nodes in state I)")
    ax.set_ylim(bottom=0)
    ax.set_title(title)
    ax.legend(fontsize=8, loc="lower right")
    return style.caption(fig, caption)


def sweep_figure(
    simulated: pd.DataFrame,
    theory: pd.DataFrame,
    parameter: str,
    parameter_label: str,
    title: str = "",
    caption: str = "",
) -> plt.Figure:
    """Equilibrium prevalence against a rate: simulations with 95% intervals, theory curves.

    ``simulated`` has columns ``parameter``, prevalence, ci_low, ci_high, label;
    ``theory`` has columns ``parameter``, prevalence, label. Prevalences are fractions.
    """
    fig, ax = plt.subplots(figsize=(9, 5))
    for label, rows in simulated.groupby("label", sort=False):
        ax.errorbar(
            rows[parameter],
            100 * rows["prevalence"],
            yerr=100 * np.vstack([rows["prevalence"] - rows["ci_low"], rows["ci_high"] - rows["prevalence"]]),
            fmt="o",
            capsize=3,
            ms=4,
            label=f"{label} (simulated, 95% CI)",
        )
    for (label, rows), linestyle in zip(theory.groupby("label", sort=False), ("--", ":", "-.")):
        ax.plot(rows[parameter], 100 * rows["prevalence"], linestyle, color="black", lw=1.4, label=label)
    ax.set_xlabel(parameter_label)
    ax.set_ylabel("equilibrium prevalence (% of nodes)")
    ax.set_ylim(bottom=0)
    ax.set_title(title)
    ax.legend(fontsize=8)
    return style.caption(fig, caption)
