"""The labelled scatter: one text label per unit (country, state), the OLS line with its confidence
band, and the correlation with its interval and n in the title (the Spirit Level's figure style)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from kinship_research.methods.correlation import correlate
from kinship_research.plots import style


def labelled_scatter(
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
    """Scatter of ``y`` on ``x`` with a text label per unit, the OLS line with its confidence band,
    and Pearson's r (CI, p, n) in the title, both at coverage ``level``; units missing either value
    are left out (n says how many remain).

    ``highlight`` lists label values drawn in red (e.g. countries a robustness check removes, or
    the states the book names). ``source`` is the caption under the figure.
    """
    own = ax is None
    fig, ax = style.axes(ax, figsize)
    data = df[[label, x, y]].dropna()
    stats_row = correlate(data, x, y, level=level).iloc[0]
    colors = np.where(data[label].isin(list(highlight)), "firebrick", "steelblue")
    ax.scatter(data[x], data[y], s=28, c=colors, alpha=0.85, zorder=3)
    for _, row in data.iterrows():
        ax.annotate(str(row[label]), (row[x], row[y]), fontsize=7, xytext=(3, 2), textcoords="offset points")
    style.fit_band(ax, data[x].to_numpy(float), data[y].to_numpy(float), level=level)
    summary = (
        f"r = {stats_row.r:.2f} ({level:.0%} CI {stats_row.ci_low:.2f} to {stats_row.ci_high:.2f}), "
        f"p = {stats_row.p_value:.2g}, n = {stats_row.n}"
    )
    ax.set_title(f"{title}\n{summary}" if title else summary, fontsize=9)
    ax.set_xlabel(xlabel or x)
    ax.set_ylabel(ylabel or y)
    style.caption(fig, source, layout=own)
    return fig
