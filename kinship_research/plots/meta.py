"""Figures for meta-analysis: funnel and moderator (bubble) plots (the forest plot is in :mod:`.forest`).

Functions take numbers (effects on the log scale when ``ratio=True``) and return a matplotlib
Figure; they never call ``plt.show()``.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure
from scipy import stats

from kinship_research.methods.meta import MetaRegressionResult
from kinship_research.plots import style


def funnel_plot(
    effect,
    variance,
    center: float,
    labels=None,
    ratio: bool = True,
    xlabel: str = "Risk ratio (log scale)",
    level: float = 0.95,
    contours: bool = False,
    title: str | None = None,
    caption: str | None = None,
) -> Figure:
    """Funnel plot: effect against its standard error (inverted axis) with pseudo confidence limits.

    The pseudo ``level`` limits are ``center +- z se`` (Sterne & Egger 2001, J Clin Epidemiol
    54:1046-1055); without small-study effects about ``level`` of the studies fall inside them.
    ``contours=True`` shades where a study's own two-sided test against no effect has p in
    (0.05, 0.10], (0.01, 0.05] and below 0.01 (contour-enhanced funnel; Peters et al. 2008, J Clin
    Epidemiol 61:991-996): asymmetry confined to the significant regions suggests publication bias.
    """
    y = np.asarray(effect, float)
    se = np.sqrt(np.asarray(variance, float))
    z = stats.norm.ppf((1 + level) / 2)
    grid = np.linspace(0, se.max() * 1.08, 100)
    fig, ax = plt.subplots(figsize=(6.5, 5))
    if contours:
        reach = max(np.abs(y).max(), np.abs(center) + z * grid[-1]) * 1.3
        for p_high, shade in ((0.10, "0.93"), (0.05, "0.83"), (0.01, "0.7")):
            q = stats.norm.ppf(1 - p_high / 2) * grid
            label = f"p < {p_high:g}" if p_high < 0.1 else "0.05 < p < 0.10"
            ax.fill_betweenx(
                grid,
                style.ratio_scale(q, ratio),
                style.ratio_scale(np.full_like(grid, reach), ratio),
                color=shade,
                lw=0,
                label=label if p_high != 0.05 else "0.01 < p < 0.05",
            )
            ax.fill_betweenx(
                grid,
                style.ratio_scale(-np.full_like(grid, reach), ratio),
                style.ratio_scale(-q, ratio),
                color=shade,
                lw=0,
            )
        ax.fill_betweenx(
            grid,
            style.ratio_scale(-stats.norm.ppf(0.95) * grid, ratio),
            style.ratio_scale(stats.norm.ppf(0.95) * grid, ratio),
            color="white",
            lw=0,
            label="p > 0.10",
        )
        ax.set_xlim(style.ratio_scale(-reach, ratio), style.ratio_scale(reach, ratio))
    ax.plot(
        style.ratio_scale(center - z * grid, ratio),
        grid,
        color="0.4",
        ls="--",
        lw=1,
        label=f"pseudo {round(100 * level)}% limits",
    )
    ax.plot(style.ratio_scale(center + z * grid, ratio), grid, color="0.4", ls="--", lw=1)
    ax.axvline(style.ratio_scale(center, ratio), color="tab:red", lw=1, label="pooled estimate")
    ax.scatter(style.ratio_scale(y, ratio), se, color="tab:blue", zorder=3)
    if labels is not None:
        for x, s, name in zip(style.ratio_scale(y, ratio), se, labels):
            ax.annotate(str(name), (x, s), xytext=(4, 2), textcoords="offset points", fontsize=7)
    if ratio:
        ax.set_xscale("log")
        style.ratio_axis(ax.xaxis)
    ax.set_ylim(grid[-1], 0)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("Standard error of the log effect")
    ax.legend(fontsize=8, loc="lower left")
    if title:
        ax.set_title(title)
    style.caption(fig, caption)
    return fig


def moderator_plot(
    effect,
    variance,
    moderator,
    regression: MetaRegressionResult | None = None,
    labels=None,
    ratio: bool = True,
    xlabel: str = "Moderator",
    ylabel: str = "Risk ratio (log scale)",
    title: str | None = None,
    caption: str | None = None,
) -> Figure:
    """Bubble plot of study effects against a moderator (bubble area proportional to 1/variance).

    With a ``regression`` (:func:`kinship_research.methods.meta.meta_regression`) the fitted line, or for a
    threshold model the two fitted subgroup means and the threshold, are drawn.
    """
    y = np.asarray(effect, float)
    v = np.asarray(variance, float)
    x = np.asarray(moderator, float)
    fig, ax = plt.subplots(figsize=(7, 5))
    ax.scatter(
        x,
        style.ratio_scale(y, ratio),
        s=40 + 400 * (1 / v) / np.max(1 / v),
        alpha=0.55,
        color="tab:blue",
        edgecolor="k",
        zorder=3,
    )
    if labels is not None:
        for xi, yi, name in zip(x, style.ratio_scale(y, ratio), labels):
            ax.annotate(str(name), (xi, yi), xytext=(5, 3), textcoords="offset points", fontsize=7)
    if regression is not None:
        b0, b1 = regression.coefficients["estimate"].to_numpy()
        if regression.threshold is None:
            grid = np.linspace(x.min(), x.max(), 50)
            ax.plot(grid, style.ratio_scale(b0 + b1 * grid, ratio), color="tab:red", label="meta-regression fit")
        else:
            t = regression.threshold
            ax.axvline(t, color="0.5", ls=":", label=f"threshold {t:g}")
            ax.hlines(style.ratio_scale(b0, ratio), x.min(), t, color="tab:red", label="fitted subgroup means")
            ax.hlines(style.ratio_scale(b0 + b1, ratio), t, x.max(), color="tab:red")
        ax.legend(fontsize=8)
    ax.axhline(1.0 if ratio else 0.0, color="0.5", lw=0.8, ls="--")
    if ratio:
        ax.set_yscale("log")
        style.ratio_axis(ax.yaxis)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    style.caption(fig, caption)
    return fig


def baujat_plot(
    coordinates,
    n_labels: int = 5,
    title: str | None = None,
    caption: str | None = None,
    ax=None,
) -> Figure:
    """Baujat plot (Baujat et al. 2002, Stat Med 21:2641): each study's contribution to the heterogeneity
    statistic against its influence on the pooled result, from
    :func:`kinship_research.methods.meta.baujat` (columns study, q_contribution, influence). Studies in the
    top-right corner both drive heterogeneity and move the estimate; the ``n_labels`` studies farthest
    from the origin (each axis scaled to its maximum) are named.
    """
    own = ax is None
    fig, ax = style.axes(ax, (6.5, 5))
    x = coordinates["q_contribution"].to_numpy(float)
    y = coordinates["influence"].to_numpy(float)
    ax.scatter(x, y, s=30, color="tab:blue", edgecolor="k", alpha=0.7, zorder=3)
    y0 = np.nan_to_num(y, nan=0.0)  # NaN: the reduced fit was singular
    score = np.hypot(x / max(x.max(), 1e-300), y0 / max(y0.max(), 1e-300))
    order = np.argsort(-score, kind="stable")
    for i in order[: max(0, int(n_labels))]:
        name = str(coordinates["study"].iloc[i])
        ax.annotate(name, (x[i], y[i]), xytext=(4, 3), textcoords="offset points", fontsize=7)
    ax.set_xlabel("Contribution to heterogeneity, (y_i - fit)^2 / (v_i + tau^2)")
    ax.set_ylabel("Influence: squared standardised change when omitted")
    if title:
        ax.set_title(title)
    style.caption(fig, caption, layout=own)
    return fig
