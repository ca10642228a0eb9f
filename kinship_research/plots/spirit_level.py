"""Figures for :mod:`kinship_research.studies.spirit_level`: labelled scatter plots with an OLS line and
its 95% confidence band (the book's style), partial-regression plots and forest plots."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import statsmodels.api as sm

from kinship_research.methods.correlation import correlate
from kinship_research.plots import style


def _axes(ax, figsize):
    if ax is None:
        fig, ax = plt.subplots(figsize=figsize)
    return ax.figure, ax


def _fit_with_band(ax, x: np.ndarray, y: np.ndarray, color: str = "black", level: float = 0.95) -> None:
    fit = sm.OLS(y, sm.add_constant(x)).fit()
    grid = np.linspace(x.min(), x.max(), 100)
    band = fit.get_prediction(sm.add_constant(grid)).summary_frame(alpha=1 - level)
    ax.fill_between(
        grid,
        band["mean_ci_lower"],
        band["mean_ci_upper"],
        color=color,
        alpha=0.12,
        lw=0,
        label=f"OLS fit, {level:.0%} CI",
    )
    ax.plot(grid, band["mean"], color=color, lw=1.5)


def scatter_with_fit(
    df: pd.DataFrame,
    x: str,
    y: str,
    *,
    label: str = "iso3",
    xlabel: str | None = None,
    ylabel: str | None = None,
    title: str | None = None,
    source: str | None = None,
    highlight=(),
    level: float = 0.95,
    ax=None,
    figsize=(6.5, 5),
) -> plt.Figure:
    """Scatter of ``y`` on ``x`` with a text label per country, the OLS line with its confidence
    band, and Pearson's r (CI, p, n) in the title, both at coverage ``level``.

    ``highlight`` lists label values drawn in red (e.g. countries a robustness check removes, or
    the states the book names).
    """
    fig, ax = _axes(ax, figsize)
    data = df[[label, x, y]].dropna()
    stats_row = correlate(data, x, y, level=level).iloc[0]
    colors = np.where(data[label].isin(list(highlight)), "firebrick", "steelblue")
    ax.scatter(data[x], data[y], s=28, c=colors, alpha=0.85, zorder=3)
    for _, row in data.iterrows():
        ax.annotate(str(row[label]), (row[x], row[y]), fontsize=7, xytext=(3, 2), textcoords="offset points")
    _fit_with_band(ax, data[x].to_numpy(float), data[y].to_numpy(float), level=level)
    summary = (
        f"r = {stats_row.r:.2f} ({level:.0%} CI {stats_row.ci_low:.2f} to {stats_row.ci_high:.2f}), "
        f"p = {stats_row.p_value:.2g}, n = {stats_row.n}"
    )
    ax.set_title(f"{title}\n{summary}" if title else summary, fontsize=9)
    ax.set_xlabel(xlabel or x)
    ax.set_ylabel(ylabel or y)
    style.caption(fig, source)
    return fig


def partial_regression_plot(
    partial: pd.DataFrame,
    outcome: str,
    xlabel: str,
    ylabel: str,
    coefficient: pd.Series | None = None,
    title: str | None = None,
    source: str | None = None,
    ax=None,
    figsize=(6.5, 5),
) -> plt.Figure:
    """Added-variable plot from :func:`~kinship_research.studies.spirit_level.control_for_income`'s
    ``partial`` table: residual outcome against residual inequality, both net of income, with
    the OLS line (whose slope is the adjusted coefficient) and its 95% band.

    ``coefficient`` (a row of the coefficient table) adds the HC3 estimate and CI to the plot.
    """
    data = partial[partial["outcome"] == outcome]
    if data.empty:
        raise KeyError(
            f"no partial-regression rows for outcome {outcome!r}; available: {sorted(partial['outcome'].unique())}"
        )
    fig, ax = _axes(ax, figsize)
    ax.scatter(data["x_residual"], data["y_residual"], s=28, color="steelblue", zorder=3)
    for _, row in data.iterrows():
        ax.annotate(
            str(row["label"]),
            (row["x_residual"], row["y_residual"]),
            fontsize=7,
            xytext=(3, 2),
            textcoords="offset points",
        )
    _fit_with_band(ax, data["x_residual"].to_numpy(float), data["y_residual"].to_numpy(float))
    ax.axhline(0, color="grey", lw=0.5)
    ax.axvline(0, color="grey", lw=0.5)
    if coefficient is not None:
        ax.text(
            0.02,
            0.98,
            f"slope = {coefficient['estimate']:.3g} [{coefficient['ci_low']:.3g}, "
            f"{coefficient['ci_high']:.3g}] ({coefficient['cov_type']}), n = {coefficient['n']}",
            transform=ax.transAxes,
            va="top",
            fontsize=8,
        )
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title, fontsize=10)
    style.caption(fig, source)
    return fig


def forest_plot(
    table: pd.DataFrame,
    label: str,
    estimate: str = "r",
    xlabel: str = "Pearson r (95% CI)",
    title: str | None = None,
    source: str | None = None,
    ax=None,
    figsize=None,
) -> plt.Figure:
    """Horizontal forest plot: one row per line of ``table`` with ``estimate`` and its
    ``ci_low``-``ci_high`` interval, labelled by the ``label`` column and ``n``."""
    for column in (label, estimate, "ci_low", "ci_high", "n"):
        if column not in table.columns:
            raise KeyError(f"forest_plot needs column {column!r}; table has {list(table.columns)}")
    fig, ax = _axes(ax, figsize or (6.5, 0.35 * len(table) + 1.2))
    positions = np.arange(len(table))[::-1]
    ax.errorbar(
        table[estimate],
        positions,
        xerr=[table[estimate] - table["ci_low"], table["ci_high"] - table[estimate]],
        fmt="o",
        color="black",
        ecolor="grey",
        capsize=2,
        ms=4,
    )
    ax.axvline(0, color="firebrick", lw=0.8, ls="--")
    ax.set_yticks(positions)
    ax.set_yticklabels([f"{row[label]} (n={row['n']})" for _, row in table.iterrows()], fontsize=8)
    ax.set_xlabel(xlabel)
    if title:
        ax.set_title(title, fontsize=10)
    style.caption(fig, source)
    return fig


def ranked_dot_plot(
    df: pd.DataFrame,
    value: str,
    label: str = "country",
    hue: str | None = None,
    xlabel: str | None = None,
    title: str | None = None,
    source: str | None = None,
    ax=None,
) -> plt.Figure:
    """One dot per country, sorted by ``value``, labelled on the y axis and coloured by ``hue``
    (a stand-in for a world map when no country polygons are available offline)."""
    for column in [value, label, *([hue] if hue else [])]:
        if column not in df.columns:
            raise KeyError(f"ranked_dot_plot needs column {column!r}; data has {list(df.columns)}")
    data = df.dropna(subset=[value]).sort_values(value)
    fig, ax = _axes(ax, (7, 0.16 * len(data) + 1.5))
    groups = data.groupby(hue, dropna=False) if hue else [(None, data)]
    positions = pd.Series(np.arange(len(data)), index=data.index)
    for name, part in groups:
        legend = None if name is None else ("not given" if pd.isna(name) else str(name))
        ax.scatter(part[value], positions[part.index], s=16, label=legend)
    ax.set_yticks(positions.to_numpy(), data[label].astype(str), fontsize=6)
    ax.set_ylim(-1, len(data))
    ax.set_xlabel(xlabel or value)
    ax.grid(axis="x", alpha=0.3)
    if hue:
        ax.legend(fontsize=7, loc="lower right", title=hue)
    if title:
        ax.set_title(title, fontsize=10)
    style.caption(fig, source)
    return fig


def leave_one_out_plot(
    table: pd.DataFrame,
    labels: dict[str, str] | None = None,
    *,
    title: str | None = None,
    source: str | None = None,
    ax=None,
) -> plt.Figure:
    """One row per outcome: r without each unit (dots), the full-sample r (bar) and its interval
    (grey line), the unit whose removal moves r most labelled. ``table`` is
    :func:`kinship_research.methods.robustness.leave_one_out_table` output."""
    for column in ("outcome", "dropped", "r", "change", "full_r"):
        if column not in table.columns:
            raise KeyError(f"leave_one_out_plot needs column {column!r}; table has {list(table.columns)}")
    outcomes = list(dict.fromkeys(table["outcome"]))
    labels = labels or {}
    fig, ax = _axes(ax, (8, 0.5 * len(outcomes) + 1.5))
    for i, y in enumerate(outcomes[::-1]):
        part = table[table["outcome"] == y]
        ax.scatter(part["r"], np.full(len(part), i), s=12, alpha=0.6, color="steelblue")
        ax.scatter(part["full_r"].iloc[0], i, marker="|", s=300, color="black")
        worst = part.loc[part["change"].abs().idxmax()]
        ax.annotate(
            f"without {worst['dropped']}",
            (worst["r"], i),
            fontsize=7,
            xytext=(0, 5),
            textcoords="offset points",
            ha="center",
        )
    ax.axvline(0, color="firebrick", lw=0.8, ls="--")
    ax.set_yticks(range(len(outcomes)))
    ax.set_yticklabels([labels.get(y, y) for y in outcomes[::-1]], fontsize=8)
    ax.set_xlabel("r without one unit (dots); full-sample r (bar)")
    if title:
        ax.set_title(title, fontsize=10)
    style.caption(fig, source)
    return fig
