"""One figure style: the source caption under every figure, the layout that makes room for it, the
OLS fit band and the ratio (log) axis shared by the figure kinds."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.ticker import FuncFormatter, LogLocator, MaxNLocator


def caption(fig: plt.Figure, text: str | None, *, layout: bool = True) -> plt.Figure:
    """Lay out ``fig`` and write ``text`` (the data source, and what a reader needs) small and grey
    along its bottom edge; with no text only the layout is tightened, or, with ``layout=False`` (a
    panel drawn into the caller's figure, which lays it out once at the end), nothing is done."""
    if text:
        fig.text(0.01, 0.005, text, fontsize=7, color="0.35", ha="left", va="bottom", wrap=True)
        fig.tight_layout(rect=(0, 0.04, 1, 1))
    elif layout:
        fig.tight_layout()
    return fig


def axes(ax, figsize) -> tuple[plt.Figure, plt.Axes]:
    """``(figure, ax)``: a new figure of ``figsize`` when ``ax`` is None, else ``ax`` and its figure."""
    if ax is None:
        fig, ax = plt.subplots(figsize=figsize)
    return ax.figure, ax


def fit_band(ax, x: np.ndarray, y: np.ndarray, *, color: str = "black", level: float = 0.95) -> None:
    """The OLS line of ``y`` on ``x`` with its pointwise confidence band for the mean at ``level``:
    ŷ(x₀) ± t₁₋α/₂,ₙ₋₂ · s · √(1/n + (x₀ − x̄)² / Σ(xᵢ − x̄)²)."""
    import statsmodels.api as sm

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


def ratio_scale(values, ratio: bool) -> np.ndarray:
    """``exp(values)`` for effects on the log scale shown as ratios (``ratio=True``), else ``values``."""
    values = np.asarray(values, dtype=float)
    return np.exp(values) if ratio else values


def ratio_axis(axis) -> None:
    """Log-scaled ratio axis with plain tick labels (0.2, 0.5, 1, 2) instead of powers of ten;
    denser ticks when the axis spans less than a factor of 10."""
    low, high = sorted(axis.get_view_interval())
    if high / low < 2.5:  # too narrow for decade-based ticks: evenly spaced round values
        axis.set_major_locator(MaxNLocator(nbins=6, steps=[1, 2, 2.5, 5, 10]))
    else:
        subs = (1.0, 2.0, 5.0) if high / low > 10 else (1.0, 1.5, 2.0, 3.0, 5.0, 7.0)
        axis.set_major_locator(LogLocator(base=10, subs=subs))
    axis.set_minor_locator(LogLocator(base=10, subs=()))
    axis.set_major_formatter(FuncFormatter(lambda x, _: f"{x:g}"))
