"""Maps: one function per kind -- rich countries on a world map, US states, US counties -- plus the
panel layout for several state measures and the Moran scatter plot of regression residuals.

Every map takes a GeoDataFrame of boundaries (:mod:`kinship_research.data.loaders.boundaries`)
and a table of values joined on a code column (ISO3, state abbreviation or county FIPS); units
without a value are drawn hatched grey, and the caption (:func:`kinship_research.plots.style.caption`)
carries the source."""

from __future__ import annotations

from collections.abc import Mapping

import geopandas as gpd
import libpysal
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib import patheffects
from matplotlib.ticker import MaxNLocator

from kinship_research.methods.checks import require_columns
from kinship_research.plots.style import caption

MISSING = {"color": "lightgrey", "hatch": "///", "label": "no data"}
LOWER_48_EXCLUDED = ("AK", "HI", "PR")
ALBERS_USA = "EPSG:5070"
"""NAD83 / Conus Albers equal-area projection."""


def _joined(polygons: gpd.GeoDataFrame, values: pd.DataFrame, key: str, column: str) -> gpd.GeoDataFrame:
    if not isinstance(polygons, gpd.GeoDataFrame):
        raise TypeError(f"polygons must be a GeoDataFrame, got {type(polygons).__name__}")
    require_columns(polygons, [key], what="polygons")
    require_columns(values, [key, column], what="values")
    if values[key].duplicated().any():
        raise ValueError(f"values have duplicated {key} codes")
    return polygons.merge(values[[key, column]], on=key, how="left")


def _colour_map(frame: gpd.GeoDataFrame, column: str, ax, cmap: str, legend_label: str) -> None:
    frame.plot(
        column=column,
        cmap=cmap,
        legend=True,
        ax=ax,
        edgecolor="white",
        linewidth=0.3,
        missing_kwds=MISSING,
        legend_kwds={"shrink": 0.6, "label": legend_label},
    )
    ax.set_axis_off()


def _label_areas(ax, frame: gpd.GeoDataFrame, key: str, fontsize: float = 6) -> None:
    """Write each area's ``key`` (ISO3 code, state abbreviation) at a point inside it, haloed in white."""
    for point, text in zip(frame.representative_point(), frame[key]):
        ax.annotate(
            str(text),
            (point.x, point.y),
            fontsize=fontsize,
            ha="center",
            va="center",
            path_effects=[patheffects.withStroke(linewidth=1.5, foreground="white")],
        )


def world_choropleth(
    countries: gpd.GeoDataFrame,
    values: pd.DataFrame,
    column: str,
    *,
    title: str,
    legend_label: str,
    source: str,
    key: str = "iso3",
    cmap: str = "viridis_r",
    label: bool = True,
) -> plt.Figure:
    """Rich countries coloured by ``column`` on a world map (Robinson projection, Antarctica left
    out); countries not in ``values`` are drawn light grey, those in it without a value hatched.
    With ``label`` the ISO3 code is written on each coloured country."""
    joined = _joined(countries, values, key, column)
    joined = joined[joined[key] != "ATA"].to_crs("ESRI:54030")
    in_sample = joined[key].isin(values[key])
    fig, ax = plt.subplots(figsize=(12, 6.2))
    joined[~in_sample].plot(ax=ax, color="0.92", edgecolor="white", linewidth=0.2)
    _colour_map(joined[in_sample], column, ax, cmap, legend_label)
    if label:
        coloured = joined[in_sample & joined[column].notna()]
        _label_areas(ax, coloured, key)
    ax.set_title(title, fontsize=11)
    return caption(fig, source)


def us_state_choropleth(
    states: gpd.GeoDataFrame,
    values: pd.DataFrame,
    column: str,
    *,
    title: str,
    legend_label: str,
    source: str,
    key: str = "state_abbr",
    cmap: str = "viridis_r",
    ax=None,
) -> plt.Figure:
    """States of the lower 48 (Albers equal-area) coloured by ``column`` and labelled with their
    abbreviation; Alaska, Hawaii and Puerto Rico are not drawn (the caption should say so)."""
    joined = _joined(states, values, key, column)
    joined = joined[~joined["state_abbr"].isin(LOWER_48_EXCLUDED) & joined["state_abbr"].notna()].to_crs(ALBERS_USA)
    own = ax is None
    fig, ax = plt.subplots(figsize=(9, 5.6)) if own else (ax.get_figure(), ax)
    _colour_map(joined, column, ax, cmap, legend_label)
    _label_areas(ax, joined, "state_abbr")
    ax.set_title(title, fontsize=10)
    return caption(fig, source, layout=own)


def us_county_choropleth(
    counties: gpd.GeoDataFrame,
    values: pd.DataFrame,
    column: str,
    *,
    title: str,
    legend_label: str,
    source: str,
    key: str = "county_fips",
    cmap: str = "viridis_r",
    states: gpd.GeoDataFrame | None = None,
) -> plt.Figure:
    """Counties of the lower 48 (Albers equal-area) coloured by ``column``, with state borders
    drawn over them when ``states`` is given; Alaska, Hawaii and Puerto Rico are not drawn."""
    joined = _joined(counties, values, key, column)
    joined = joined[~joined["state_fips"].isin(("02", "15", "72"))].to_crs(ALBERS_USA)
    fig, ax = plt.subplots(figsize=(10, 6))
    joined.plot(
        column=column,
        cmap=cmap,
        legend=True,
        ax=ax,
        edgecolor="none",
        missing_kwds=MISSING,
        legend_kwds={"shrink": 0.6, "label": legend_label},
    )
    if states is not None:
        borders = states[~states["state_fips"].isin(("02", "15", "72"))].to_crs(ALBERS_USA)
        borders.boundary.plot(ax=ax, color="white", linewidth=0.5)
    ax.set_axis_off()
    ax.set_title(title, fontsize=10)
    return caption(fig, source)


def choropleth_panels(
    states: gpd.GeoDataFrame,
    columns: Mapping[str, str],
    *,
    source: str,
    label: str = "state_abbr",
    cmap: str = "viridis",
    ncols: int | None = None,
) -> plt.Figure:
    """One choropleth per entry of ``columns`` (column -> panel title with units), states labelled
    by ``label`` at a point inside each polygon; missing values hatched grey. ``ncols`` defaults to
    3 for three panels, else 2."""
    if not columns:
        raise ValueError("columns must map at least one column to its label")
    require_columns(states, [*columns, label], what="states")
    ncols = min(ncols or (3 if len(columns) == 3 else 2), len(columns))
    nrows = int(np.ceil(len(columns) / ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=(5.6 * ncols, 3.6 * nrows + 0.4), squeeze=False)
    projected = states.to_crs("EPSG:5070") if states.crs is not None else states  # Albers equal-area, CONUS
    for ax, (column, title) in zip(axes.ravel(), columns.items()):
        projected.plot(
            column=column,
            cmap=cmap,
            legend=True,
            ax=ax,
            edgecolor="white",
            linewidth=0.4,
            missing_kwds={"color": "lightgrey", "hatch": "///", "label": "no data"},
            legend_kwds={"shrink": 0.55, "orientation": "horizontal", "pad": 0.02},
        )
        _label_areas(ax, projected, label, fontsize=5.5)
        colorbar = ax.get_figure().axes[-1]  # the one geopandas just added for this panel
        colorbar.xaxis.set_major_locator(MaxNLocator(4))
        colorbar.tick_params(labelsize=7)
        ax.set_axis_off()
        ax.set_title(title, fontsize=9, wrap=True)
    for ax in axes.ravel()[len(columns) :]:
        ax.set_axis_off()
    return caption(fig, source)


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
