"""Figures for :mod:`kinship_research.studies.social_capital` (each returns a matplotlib Figure)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from kinship_research.plots import style


def predicted_probability_plot(tables: dict[str, pd.DataFrame], exposure: str, xlabel: str, source: str):
    """One panel per outcome: predicted probability of each category (CI bands) across ``exposure``.

    ``tables`` maps a panel title to :func:`~kinship_research.studies.social_capital.predicted_probabilities`.
    """
    fig, axes = plt.subplots(1, len(tables), figsize=(5 * len(tables), 4), squeeze=False)
    for ax, (title, table) in zip(axes[0], tables.items()):
        for category, part in table.groupby("category", sort=False):
            ax.plot(part[exposure], part["probability"], marker="o", label=category)
            ax.fill_between(part[exposure], part["ci_low"], part["ci_high"], alpha=0.2)
        ax.set(
            xlabel=xlabel,
            ylabel="predicted probability (weighted population average)",
            title=f"{title} (n = {int(table['n'].iloc[0])})",
            ylim=(0, None),
        )
        ax.legend(fontsize=8, title="category", title_fontsize=8)
    style.caption(fig, f"Source: {source}")
    return fig


def coefficient_plot(table: pd.DataFrame, units: dict[str, str], source: str):
    """Forest plot of :func:`~kinship_research.studies.social_capital.county_models` rows, one panel per outcome.

    ``units`` maps outcome names to axis labels (outcome units per exposure unit).
    """
    outcomes = list(dict.fromkeys(table["outcome"]))
    fig, axes = plt.subplots(1, len(outcomes), figsize=(4.5 * len(outcomes), 3.2), squeeze=False)
    for ax, outcome in zip(axes[0], outcomes):
        part = table[table["outcome"] == outcome].reset_index(drop=True)
        labels = [
            f"{e}\n{m.split(' (')[0]}, n = {n}" for e, m, n in zip(part["exposure"], part["model"], part["n_counties"])
        ]
        y = np.arange(len(part))[::-1]
        ax.errorbar(
            part["estimate"],
            y,
            xerr=[part["estimate"] - part["ci_low"], part["ci_high"] - part["estimate"]],
            fmt="o",
            capsize=3,
        )
        ax.axvline(0, color="0.5", lw=0.8)
        ax.set_yticks(y, labels, fontsize=7)
        ax.set(xlabel=units.get(outcome, outcome), title=f"{outcome} ({int(part['n_states'].max())} states)")
    style.caption(fig, f"Source: {source}")
    return fig


def county_scatter(counties: pd.DataFrame, x: str, y: str, xlabel: str, ylabel: str, source: str):
    """Hexbin of counties (many overlapping points) with the pooled OLS line."""
    data = counties[[x, y]].dropna()
    fig, ax = plt.subplots(figsize=(5.5, 4.2))
    hb = ax.hexbin(data[x], data[y], gridsize=40, mincnt=1, cmap="viridis")
    fig.colorbar(hb, ax=ax, label="counties per cell")
    slope, intercept = np.polyfit(data[x], data[y], 1)
    grid = np.linspace(data[x].min(), data[x].max(), 50)
    ax.plot(grid, intercept + slope * grid, color="crimson", lw=1.5, label="OLS line (pooled)")
    ax.set(xlabel=xlabel, ylabel=ylabel, title=f"US counties, n = {len(data)}")
    ax.legend(fontsize=8)
    style.caption(fig, f"Source: {source}")
    return fig


def state_choropleths(geo, columns: dict[str, str], source: str):
    """Side-by-side lower-48 choropleths; ``columns`` maps a GeoDataFrame column to its legend label."""
    fig, axes = plt.subplots(1, len(columns), figsize=(6.5 * len(columns), 4), squeeze=False)
    for ax, (column, label) in zip(axes[0], columns.items()):
        geo.plot(
            column=column,
            ax=ax,
            cmap="OrRd",
            edgecolor="0.4",
            linewidth=0.3,
            legend=True,
            legend_kwds={"label": label, "shrink": 0.6},
            missing_kwds={"color": "lightgrey", "label": "no data"},
        )
        ax.set_axis_off()
        ax.set_title(label, fontsize=10)
    style.caption(fig, f"Source: {source}")
    return fig


def mediation_diagram(result, labels: dict[str, str], units: str, source: str):
    """Path diagram X → M → Y with a, b, c' and a·b (bootstrap CIs) from a MediationResult."""
    est, lo, hi = result.estimates, result.ci_low, result.ci_high

    def fmt(key):
        return f"{est[key]:.3g} [{lo[key]:.3g}, {hi[key]:.3g}]"

    fig, ax = plt.subplots(figsize=(9, 3.8))
    ax.set_axis_off()
    ax.set(xlim=(0, 10), ylim=(0, 6))
    names = {"x": result.exposure, "m": result.mediator, "y": result.outcome}
    box = {"boxstyle": "round", "fc": "#eef", "ec": "0.3"}
    nodes = {
        key: ax.text(x, y, labels.get(names[key], names[key]), ha="center", va="center", fontsize=9, bbox=box)
        for key, (x, y) in {"x": (1.8, 1.6), "m": (5, 4.8), "y": (8.2, 1.6)}.items()
    }
    arrow = {"arrowstyle": "->", "lw": 1.3, "shrinkA": 2, "shrinkB": 2}
    for start, end, a_at, b_at in (
        ("x", "m", (0.5, 1), (0.3, 0)),
        ("m", "y", (0.7, 0), (0.5, 1)),
        ("x", "y", (1, 0.5), (0, 0.5)),
    ):
        ax.annotate("", xy=b_at, xycoords=nodes[end], xytext=a_at, textcoords=nodes[start], arrowprops=arrow)
    ax.text(2.4, 3.4, f"a = {fmt('a (exposure -> mediator)')}", fontsize=8, ha="center")
    ax.text(7.6, 3.4, f"b = {fmt('b (mediator -> outcome | exposure)')}", fontsize=8, ha="center")
    ax.text(5, 1.05, "direct c' = " + fmt("direct (c')"), fontsize=8, ha="center")
    adjusted = f"adjusted for {', '.join(result.covariates)}" if result.covariates else "unadjusted"
    ax.text(
        5,
        0.35,
        f"indirect a·b = {fmt('indirect (a*b)')} {units};  total c = "
        f"{fmt('total (c)')};  n = {result.n}, {adjusted}, {result.ci_method} bootstrap "
        f"({result.n_boot}), {100 * result.level:.0f}% CI",
        fontsize=7.5,
        ha="center",
    )
    style.caption(fig, f"Source: {source}")
    return fig
