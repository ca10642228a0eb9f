"""Figures for :mod:`kinship_research.studies.spirit_level`: partial-regression, ranked dot and
leave-one-out plots (the labelled scatter and the forest plot are in :mod:`.scatter` and :mod:`.forest`)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from kinship_research.plots import style


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
    own = ax is None
    fig, ax = style.axes(ax, figsize)
    ax.scatter(data["x_residual"], data["y_residual"], s=28, color="steelblue", zorder=3)
    for _, row in data.iterrows():
        ax.annotate(
            str(row["label"]),
            (row["x_residual"], row["y_residual"]),
            fontsize=7,
            xytext=(3, 2),
            textcoords="offset points",
        )
    style.fit_band(ax, data["x_residual"].to_numpy(float), data["y_residual"].to_numpy(float))
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
    style.caption(fig, source, layout=own)
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
    own = ax is None
    fig, ax = style.axes(ax, (7, 0.16 * len(data) + 1.5))
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
    style.caption(fig, source, layout=own)
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
    own = ax is None
    fig, ax = style.axes(ax, (8, 0.5 * len(outcomes) + 1.5))
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
    style.caption(fig, source, layout=own)
    return fig
