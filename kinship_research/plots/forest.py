"""The forest plot: one row per estimate with its interval, for meta-analyses and robustness tables alike."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.transforms import blended_transform_factory

from kinship_research.plots import style


def _grouped_order(groups: list[str], labels: list[str]) -> tuple[list[int], list[str]]:
    """Row order listing each group's estimates together (groups by first appearance, rows keeping
    their order within a group), and row labels ``"group: label"`` then ``"   label"``."""
    if len(groups) != len(labels):
        raise ValueError("groups and labels must have the same length (one per estimate)")
    first = {g: i for i, g in reversed(list(enumerate(groups)))}
    order = sorted(range(len(groups)), key=lambda i: (first[groups[i]], i))
    seen, rows = set(), []
    for i in order:
        rows.append(f"{groups[i]}: {labels[i]}" if groups[i] not in seen else f"   {labels[i]}")
        seen.add(groups[i])
    return order, rows


def forest_plot(
    labels,
    estimate,
    ci_low,
    ci_high,
    *,
    groups=None,
    n=None,
    weights=None,
    pooled=None,
    ratio: bool = False,
    xlabel: str = "Estimate (95% CI)",
    title: str | None = None,
    caption: str | None = None,
    annotate: bool | None = None,
    ax=None,
) -> plt.Figure:
    """Forest plot, first row at the top: a marker per estimate (a square sized by ``weights`` when
    given) with its interval as a line, and a dashed reference line at no effect.

    ``estimate``, ``ci_low``, ``ci_high`` are on the log scale when ``ratio=True`` and shown as ratios
    on a log axis (reference at 1). ``groups`` lists the estimates of each group (e.g. study)
    together under its name; ``n`` appends each row's sample size to its label. ``pooled`` (a
    :class:`~kinship_research.methods.meta.RandomEffectsResult`) adds the pooled diamond (its CI)
    and its prediction interval (dotted). ``annotate`` writes "estimate [low, high]" right of each
    row (default: when the plot has its own figure). With ``ax`` the plot is drawn into it and the
    caller lays out and captions the figure.
    """
    labels = [str(x) for x in labels]
    est, lo, hi = (style.ratio_scale(a, ratio) for a in (estimate, ci_low, ci_high))
    k = len(labels)
    if not (len(est) == len(lo) == len(hi) == k) or (n is not None and len(n) != k):
        raise ValueError("labels, estimate, ci_low, ci_high (and n) must have the same length")
    order = list(range(k))
    if groups is not None:
        order, labels = _grouped_order([str(g) for g in groups], labels)
    est, lo, hi = est[order], lo[order], hi[order]
    if n is not None:
        counts = np.asarray(n)[order]
        labels = [f"{label} (n={int(c)})" for label, c in zip(labels, counts)]
    own = ax is None
    annotate = own if annotate is None else annotate
    fig, ax = style.axes(ax, (9.5 if annotate else 6.5, 0.32 * k + 2.2))
    rows = np.arange(k, 0, -1) + (1.5 if pooled is not None else 0)
    ax.hlines(rows, lo, hi, color="0.35", lw=1)
    if weights is None:
        ax.scatter(est, rows, s=30, marker="o", color="black", zorder=3)
    else:
        w = np.asarray(weights, float)[order]
        ax.scatter(est, rows, s=25 + 250 * w / np.max(w), marker="s", color="tab:blue", zorder=3)
    text = blended_transform_factory(ax.transAxes, ax.transData)
    fmt = "{:.2f} [{:.2f}, {:.2f}]"
    if annotate:
        for r, e, a, b in zip(rows, est, lo, hi):
            ax.text(1.01, r, fmt.format(e, a, b), transform=text, va="center", fontsize=8)
    ticks, ticklabels = list(rows), list(labels)
    if pooled is not None:
        c, a, b = style.ratio_scale([pooled.estimate, pooled.ci_low, pooled.ci_high], ratio)
        ax.fill([a, c, b, c], [1, 1.25, 1, 0.75], color="tab:red", zorder=3)
        if np.isfinite(pooled.pi_low):
            pl, ph = style.ratio_scale([pooled.pi_low, pooled.pi_high], ratio)
            ax.hlines(1, pl, ph, color="tab:red", lw=1, linestyles=":")
        if annotate:
            ax.text(1.01, 1, fmt.format(c, a, b), transform=text, va="center", fontsize=8, color="tab:red")
        ticks.append(1)
        ticklabels.append(
            f"Random effects ({pooled.tau2_method}), k = {pooled.k}\n"
            f"I² = {100 * pooled.i2:.0f}%, τ² = {pooled.tau2:.3f}; dotted: {round(100 * pooled.level)}% prediction"
        )
    ax.axvline(1.0 if ratio else 0.0, color="firebrick", lw=0.8, ls="--")
    if ratio:
        ax.set_xscale("log")
        style.ratio_axis(ax.xaxis)
    ax.set_yticks(ticks, ticklabels, fontsize=8)
    ax.set_ylim(0.3, max(ticks) + 0.7)
    ax.set_xlabel(xlabel)
    if title:
        ax.set_title(title, fontsize=10)
    if own:
        style.caption(fig, caption)
        if annotate:
            fig.tight_layout(rect=(0, 0.04 if caption else 0, 0.87, 1))
    return fig
