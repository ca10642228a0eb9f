"""Figures for :mod:`kinship_research.studies.ghr2004`: the partial effect of one predictor with
its confidence band over the component-plus-residual scatter, for several fitted models."""

from __future__ import annotations

from collections.abc import Mapping

import matplotlib.pyplot as plt
import pandas as pd

from kinship_research.methods.regression import OLSFit, partial_effect, partial_residuals
from kinship_research.plots import style


def partial_effect_figure(
    fits: Mapping[str, OLSFit],
    term: str,
    labels: pd.Series,
    xlabel: str,
    ylabel: str,
    source: str,
    *,
    cov_type: str = "HC3",
    level: float = 0.95,
    n_labels: int = 12,
    ax=None,
) -> plt.Figure:
    """Predicted outcome across ``term`` (other predictors at their means) with its ``level`` band, one
    line per model in ``fits``, over the component-plus-residual points of each model.

    ``labels`` (indexed like the data) names points; the ``n_labels`` points of the first model
    farthest from its line, and every point of the other models, are labelled.
    """
    if not fits:
        raise ValueError("fits must name at least one fitted model")
    own = ax is None
    if own:
        fig, ax = plt.subplots(figsize=(8, 6.5))
    fig = ax.figure
    colors = ["steelblue", "darkorange", "seagreen", "purple"]
    for k, (name, fit) in enumerate(fits.items()):
        color = colors[k % len(colors)]
        effect = partial_effect(fit, term, cov_type=cov_type, level=level)
        points = partial_residuals(fit, term)
        slope = effect["predicted"].iloc[-1] - effect["predicted"].iloc[0]
        ax.scatter(
            points["value"],
            points["adjusted"],
            s=16 if k == 0 else 26,
            color=color,
            alpha=0.45 if k == 0 else 0.8,
            marker="o" if k == 0 else "^",
            zorder=2,
        )
        ax.fill_between(effect["value"], effect["ci_low"], effect["ci_high"], color=color, alpha=0.2, lw=0)
        coefficient = fit.to_frame(level=level).query("term == @term and cov_type == @cov_type").iloc[0]
        ax.plot(
            effect["value"],
            effect["predicted"],
            color=color,
            lw=2,
            label=f"{name} (n = {fit.n}): b = {coefficient['estimate']:.1f} "
            f"[{coefficient['ci_low']:.1f}, {coefficient['ci_high']:.1f}] per unit Gini",
        )
        line = effect["predicted"].iloc[0] + slope * (points["value"] - effect["value"].iloc[0]) / (
            effect["value"].iloc[-1] - effect["value"].iloc[0]
        )
        distance = (points["adjusted"] - line).abs()
        chosen = distance.nlargest(n_labels).index if k == 0 else points.index
        for i in chosen:
            ax.annotate(
                str(labels.loc[i]),
                (points.loc[i, "value"], points.loc[i, "adjusted"]),
                fontsize=7,
                xytext=(3, 2),
                textcoords="offset points",
                color=color,
            )
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.legend(
        fontsize=8,
        loc="upper center",
        bbox_to_anchor=(0.5, -0.13),
        title=f"line: prediction, band: {level:.0%} CI ({cov_type} SEs)",
        title_fontsize=8,
    )
    return style.caption(fig, source, layout=own)
