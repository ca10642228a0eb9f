"""Figures for :mod:`kinship_research.methods.spatial`: choropleth maps of US states and the Moran
scatter plot of regression residuals."""
from __future__ import annotations

from collections.abc import Mapping

import geopandas as gpd
import libpysal
import matplotlib.pyplot as plt
import numpy as np
from matplotlib import patheffects
from matplotlib.ticker import MaxNLocator


def choropleth_panels(
    states: gpd.GeoDataFrame, columns: Mapping[str, str], source: str, label: str = "state_abbr",
    cmap: str = "viridis", ncols: int | None = None,
) -> plt.Figure:
    """One choropleth per entry of ``columns`` (column -> panel title with units), states labelled
    by ``label`` at a point inside each polygon; missing values hatched grey. ``ncols`` defaults to
    3 for three panels, else 2."""
    if not columns:
        raise ValueError("columns must map at least one column to its label")
    absent = [c for c in [*columns, label] if c not in states.columns]
    if absent:
        raise KeyError(f"columns {absent} not in states; available: {', '.join(map(str, states.columns))}")
    ncols = min(ncols or (3 if len(columns) == 3 else 2), len(columns))
    nrows = int(np.ceil(len(columns) / ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=(5.6 * ncols, 3.6 * nrows + 0.4), squeeze=False)
    projected = states.to_crs("EPSG:5070") if states.crs is not None else states  # Albers equal-area, CONUS
    points = projected.representative_point()
    for ax, (column, title) in zip(axes.ravel(), columns.items()):
        projected.plot(column=column, cmap=cmap, legend=True, ax=ax, edgecolor="white", linewidth=0.4,
                       missing_kwds={"color": "lightgrey", "hatch": "///", "label": "no data"},
                       legend_kwds={"shrink": 0.55, "orientation": "horizontal", "pad": 0.02})
        for point, text in zip(points, projected[label]):
            ax.annotate(str(text), (point.x, point.y), fontsize=5.5, ha="center", va="center", color="black",
                        path_effects=[patheffects.withStroke(linewidth=1.5, foreground="white")])
        colorbar = ax.get_figure().axes[-1]  # the one geopandas just added for this panel
        colorbar.xaxis.set_major_locator(MaxNLocator(4))
        colorbar.tick_params(labelsize=7)
        ax.set_axis_off()
        ax.set_title(title, fontsize=9, wrap=True)
    for ax in axes.ravel()[len(columns):]:
        ax.set_axis_off()
    fig.text(0.01, 0.005, source, fontsize=7, color="grey", ha="left", va="bottom", wrap=True)
    fig.tight_layout(rect=(0, 0.03, 1, 1))
    return fig


def moran_scatter(values, w: libpysal.weights.W, statistic: float, title: str, xlabel: str, ax=None):
    """Moran scatter plot: standardised values z against their spatial lag Wz (row-standardised
    ``w``); the OLS slope of Wz on z is Moran's I. Points are labelled with ``w.id_order``."""
    values = np.asarray(values, dtype=float)
    if len(values) != w.n:
        raise ValueError(f"need one value per area of the weights ({w.n}), got {len(values)}")
    if ax is None:
        _, ax = plt.subplots(figsize=(5.5, 5))
    z = (values - values.mean()) / values.std()
    lag = libpysal.weights.lag_spatial(w, z)
    ax.axhline(0, color="grey", lw=0.6)
    ax.axvline(0, color="grey", lw=0.6)
    ax.scatter(z, lag, s=18, color="steelblue")
    for zi, li, name in zip(z, lag, w.id_order):
        ax.annotate(str(name), (zi, li), fontsize=6, xytext=(2, 2), textcoords="offset points")
    slope = np.polyfit(z, lag, 1)[0]
    grid = np.linspace(z.min(), z.max(), 2)
    ax.plot(grid, slope * grid, color="firebrick", label=f"slope = {slope:.2f} (Moran's I = {statistic:.2f})")
    ax.set_xlabel(xlabel)
    ax.set_ylabel("spatial lag: mean of neighbours' standardised values")
    ax.set_title(title, fontsize=10)
    ax.legend(fontsize=8)
    return ax
