"""Figures for meta-analysis: forest, funnel and moderator (bubble) plots.

Functions take numbers (effects on the log scale when ``ratio=True``) and return a matplotlib
Figure; they never call ``plt.show()``.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, LogLocator, MaxNLocator
from matplotlib.transforms import blended_transform_factory
from scipy import stats

from kinship_research.methods.meta import MetaRegressionResult, RandomEffectsResult
from kinship_research.plots import style


def _ratio_axis(axis) -> None:
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


def _scale(values, ratio: bool) -> np.ndarray:
    values = np.asarray(values, dtype=float)
    return np.exp(values) if ratio else values


def forest_plot(
    labels,
    estimate,
    ci_low,
    ci_high,
    weights=None,
    pooled: RandomEffectsResult | None = None,
    ratio: bool = True,
    xlabel: str = "Risk ratio (log scale)",
    title: str | None = None,
    caption: str | None = None,
) -> Figure:
    """Forest plot: one row per study (square sized by weight, line = CI), pooled diamond below.

    ``estimate``, ``ci_low``, ``ci_high`` are on the log scale when ``ratio=True`` (shown as ratios on a
    log axis with a reference line at 1). ``pooled`` adds the random-effects diamond (CI) and its
    prediction interval (whiskers). Each row is annotated with the estimate and CI.
    """
    labels = [str(x) for x in labels]
    est, lo, hi = (_scale(a, ratio) for a in (estimate, ci_low, ci_high))
    k = len(labels)
    if not (len(est) == len(lo) == len(hi) == k):
        raise ValueError("labels, estimate, ci_low and ci_high must have the same length")
    rows = np.arange(k, 0, -1) + (1.5 if pooled is not None else 0)
    fig, ax = plt.subplots(figsize=(9.5, 0.32 * k + 2.2))
    sizes = np.full(k, 30.0) if weights is None else 25 + 250 * np.asarray(weights, float) / np.max(weights)
    ax.hlines(rows, lo, hi, color="0.25", lw=1)
    ax.scatter(est, rows, s=sizes, marker="s", color="tab:blue", zorder=3)
    text = blended_transform_factory(ax.transAxes, ax.transData)
    fmt = "{:.2f} [{:.2f}, {:.2f}]"
    for r, e, a, b in zip(rows, est, lo, hi):
        ax.text(1.01, r, fmt.format(e, a, b), transform=text, va="center", fontsize=8)
    ticks, ticklabels = list(rows), list(labels)
    if pooled is not None:
        c, a, b = _scale([pooled.estimate, pooled.ci_low, pooled.ci_high], ratio)
        ax.fill([a, c, b, c], [1, 1.25, 1, 0.75], color="tab:red", zorder=3)
        if np.isfinite(pooled.pi_low):
            pl, ph = _scale([pooled.pi_low, pooled.pi_high], ratio)
            ax.hlines(1, pl, ph, color="tab:red", lw=1, linestyles=":")
        ax.text(1.01, 1, fmt.format(c, a, b), transform=text, va="center", fontsize=8, color="tab:red")
        pct = round(100 * pooled.level)
        ticks.append(1)
        ticklabels.append(
            f"Random effects ({pooled.tau2_method}), k = {pooled.k}\n"
            f"I² = {100 * pooled.i2:.0f}%, τ² = {pooled.tau2:.3f}; dotted: {pct}% prediction"
        )
    ax.axvline(1.0 if ratio else 0.0, color="0.5", lw=0.8, ls="--")
    if ratio:
        ax.set_xscale("log")
        _ratio_axis(ax.xaxis)
    ax.set_yticks(ticks, ticklabels, fontsize=8)
    ax.set_ylim(0.3, max(ticks) + 0.7)
    ax.set_xlabel(xlabel)
    if title:
        ax.set_title(title)
    style.caption(fig, caption)
    fig.tight_layout(rect=(0, 0.04 if caption else 0, 0.87, 1))
    return fig


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
                _scale(q, ratio),
                _scale(np.full_like(grid, reach), ratio),
                color=shade,
                lw=0,
                label=label if p_high != 0.05 else "0.01 < p < 0.05",
            )
            ax.fill_betweenx(grid, _scale(-np.full_like(grid, reach), ratio), _scale(-q, ratio), color=shade, lw=0)
        ax.fill_betweenx(
            grid,
            _scale(-stats.norm.ppf(0.95) * grid, ratio),
            _scale(stats.norm.ppf(0.95) * grid, ratio),
            color="white",
            lw=0,
            label="p > 0.10",
        )
        ax.set_xlim(_scale(-reach, ratio), _scale(reach, ratio))
    ax.plot(
        _scale(center - z * grid, ratio), grid, color="0.4", ls="--", lw=1, label=f"pseudo {round(100 * level)}% limits"
    )
    ax.plot(_scale(center + z * grid, ratio), grid, color="0.4", ls="--", lw=1)
    ax.axvline(_scale(center, ratio), color="tab:red", lw=1, label="pooled estimate")
    ax.scatter(_scale(y, ratio), se, color="tab:blue", zorder=3)
    if labels is not None:
        for x, s, name in zip(_scale(y, ratio), se, labels):
            ax.annotate(str(name), (x, s), xytext=(4, 2), textcoords="offset points", fontsize=7)
    if ratio:
        ax.set_xscale("log")
        _ratio_axis(ax.xaxis)
    ax.set_ylim(grid[-1], 0)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("Standard error of the log effect")
    ax.legend(fontsize=8, loc="lower left")
    if title:
        ax.set_title(title)
    style.caption(fig, caption)
    return fig


def forest_plot_by_group(
    groups,
    labels,
    estimate,
    ci_low,
    ci_high,
    weights=None,
    pooled=None,
    ratio: bool = True,
    xlabel: str = "Ratio (log scale)",
    title: str | None = None,
    caption: str | None = None,
) -> Figure:
    """Forest plot with the estimates of each group (e.g. study) listed together under the group's name.

    Rows are ordered by group (first appearance) and keep their order within a group; the row label is
    ``"group: label"`` for the first estimate of a group and ``"  label"`` after it. Otherwise as
    :func:`forest_plot`.
    """
    groups = [str(g) for g in groups]
    labels = [str(x) for x in labels]
    if len(groups) != len(labels):
        raise ValueError("groups and labels must have the same length (one per estimate)")
    first = {g: i for i, g in reversed(list(enumerate(groups)))}
    order = sorted(range(len(groups)), key=lambda i: (first[groups[i]], i))
    seen, rows = set(), []
    for i in order:
        rows.append(f"{groups[i]}: {labels[i]}" if groups[i] not in seen else f"   {labels[i]}")
        seen.add(groups[i])
    pick = lambda a: None if a is None else np.asarray(a, float)[order]  # noqa: E731
    return forest_plot(
        rows,
        pick(estimate),
        pick(ci_low),
        pick(ci_high),
        weights=pick(weights),
        pooled=pooled,
        ratio=ratio,
        xlabel=xlabel,
        title=title,
        caption=caption,
    )


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
        x, _scale(y, ratio), s=40 + 400 * (1 / v) / np.max(1 / v), alpha=0.55, color="tab:blue", edgecolor="k", zorder=3
    )
    if labels is not None:
        for xi, yi, name in zip(x, _scale(y, ratio), labels):
            ax.annotate(str(name), (xi, yi), xytext=(5, 3), textcoords="offset points", fontsize=7)
    if regression is not None:
        b0, b1 = regression.coefficients["estimate"].to_numpy()
        if regression.threshold is None:
            grid = np.linspace(x.min(), x.max(), 50)
            ax.plot(grid, _scale(b0 + b1 * grid, ratio), color="tab:red", label="meta-regression fit")
        else:
            t = regression.threshold
            ax.axvline(t, color="0.5", ls=":", label=f"threshold {t:g}")
            ax.hlines(_scale(b0, ratio), x.min(), t, color="tab:red", label="fitted subgroup means")
            ax.hlines(_scale(b0 + b1, ratio), t, x.max(), color="tab:red")
        ax.legend(fontsize=8)
    ax.axhline(1.0 if ratio else 0.0, color="0.5", lw=0.8, ls="--")
    if ratio:
        ax.set_yscale("log")
        _ratio_axis(ax.yaxis)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    style.caption(fig, caption)
    return fig
