"""Figures for inequality panels (see :mod:`kinship_research.studies.inequality_panel`): between
versus within coefficients, country trajectories, and the estimate as a function of the lag."""

from __future__ import annotations

import math

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from kinship_research.methods.checks import require_columns
from kinship_research.plots import style

READING_COLOURS = {"between": "#1b6ca8", "within": "#c0392b", "pooled": "0.45"}
"""One colour per reading: between countries (blue), within countries (red), pooled (grey)."""


def coefficient_figure(
    tables: dict[str, pd.DataFrame], *, labels: dict[str, str] | None = None, source: str | None = None
) -> plt.Figure:
    """One panel per outcome: the Gini coefficient under every specification (point and interval),
    coloured by reading (between / within / pooled), with a zero line.

    ``tables`` maps an outcome to its :func:`~kinship_research.studies.inequality_panel.specification_table`
    (optionally with extra rows such as measurement-error-adjusted versions); ``labels`` gives each
    outcome's axis label with units.
    """
    if not tables:
        raise ValueError("tables must hold at least one outcome's specification table")
    labels = labels or {}
    fig, axes = plt.subplots(1, len(tables), figsize=(5.2 * len(tables), 0.42 * max(map(len, tables.values())) + 2))
    axes = np.atleast_1d(axes)
    for ax, (outcome, table) in zip(axes, tables.items()):
        require_columns(table, ["specification", "reading", "cov_type", "estimate", "ci_low", "ci_high"], what=outcome)
        unknown = set(table["reading"]) - set(READING_COLOURS)
        if unknown:
            raise ValueError(f"reading must be one of {sorted(READING_COLOURS)}; got {sorted(unknown)}")
        names = [f"{s} ({c})" for s, c in zip(table["specification"], table["cov_type"])]
        rows = np.arange(len(table))[::-1]
        for row, (_, line) in zip(rows, table.iterrows()):
            colour = READING_COLOURS[line["reading"]]
            ax.plot([line["ci_low"], line["ci_high"]], [row, row], color=colour, lw=2)
            ax.plot(line["estimate"], row, "o", color=colour)
        ax.axvline(0, color="0.3", lw=0.8, ls="--")
        ax.set_yticks(rows, names, fontsize=8)
        ax.set_xlabel(f"change in {labels.get(outcome, outcome)}\nper Gini point")
        ax.set_title(labels.get(outcome, outcome).split(" (")[0], fontsize=10)
    handles = [plt.Line2D([], [], color=c, marker="o", lw=2, label=r) for r, c in READING_COLOURS.items()]
    axes[-1].legend(handles=handles, loc="upper left", bbox_to_anchor=(1.02, 1), fontsize=8, title="reading")
    return style.caption(fig, source)


def trajectories_figure(
    panel_df: pd.DataFrame,
    outcome: str,
    *,
    outcome_label: str,
    ncols: int = 6,
    source: str | None = None,
) -> plt.Figure:
    """Small multiples, one per country: the Gini (left axis, black) and ``outcome`` (right axis,
    red) over the years, so a reader sees how much each country's inequality moved."""
    require_columns(panel_df, ["iso3", "year", "gini", outcome], what="panel")
    countries = sorted(panel_df["iso3"].unique())
    if not countries:
        raise ValueError("panel_df has no countries")
    nrows = math.ceil(len(countries) / ncols)
    # no shared axes: twinx on a large share group is quadratic; limits are set by hand instead
    fig, axes = plt.subplots(nrows, ncols, figsize=(2.3 * ncols, 1.7 * nrows + 0.8))
    axes = np.atleast_1d(axes).ravel()
    years = (panel_df["year"].min(), panel_df["year"].max())
    gini_limits, outcome_limits = (panel_df[c].agg(["min", "max"]).to_numpy() for c in ("gini", outcome))
    for k, (ax, code) in enumerate(zip(axes, countries)):
        one = panel_df[panel_df["iso3"] == code].sort_values("year")
        ax.plot(one["year"], one["gini"], color="black", lw=1.2)
        twin = ax.twinx()
        twin.plot(one["year"], one[outcome], color=READING_COLOURS["within"], lw=1.2)
        ax.set_xlim(*years)
        if np.isfinite(gini_limits).all():
            ax.set_ylim(*gini_limits)
        if np.isfinite(outcome_limits).all():
            twin.set_ylim(*outcome_limits)
        left, right, bottom = (
            k % ncols == 0,
            k % ncols == ncols - 1 or k == len(countries) - 1,
            k >= len(countries) - ncols,
        )
        ax.tick_params(labelsize=6, labelleft=left, labelbottom=bottom)
        twin.tick_params(labelsize=6, colors=READING_COLOURS["within"], labelright=right)
        ax.set_title(code, fontsize=8, pad=2)
        if bottom:
            ax.set_xlabel("year", fontsize=7)
    for ax in axes[len(countries) :]:
        ax.set_visible(False)
    fig.supylabel("Gini of disposable income (0-100), black", fontsize=9)
    fig.suptitle(f"red, right axes: {outcome_label}", fontsize=9, color=READING_COLOURS["within"])
    return style.caption(fig, source)


def lag_figure(
    profile: pd.DataFrame, *, outcome_label: str, level: float = 0.95, source: str | None = None
) -> plt.Figure:
    """Two-way FE slope of the Gini lagged by 0, 1, ... years (a
    :func:`~kinship_research.methods.panel.lag_profile`) with its interval band, and the number of
    country-years behind each lag."""
    require_columns(profile, ["lag", "estimate", "ci_low", "ci_high", "n"], what="lag profile")
    if profile.empty:
        raise ValueError("profile has no lags")
    fig, (ax, counts) = plt.subplots(2, 1, figsize=(7, 5.5), sharex=True, height_ratios=(3, 1))
    colour = READING_COLOURS["within"]
    ax.fill_between(
        profile["lag"], profile["ci_low"], profile["ci_high"], color=colour, alpha=0.2, label=f"{level:.0%} CI"
    )
    ax.plot(profile["lag"], profile["estimate"], "o-", color=colour, label="two-way FE slope")
    ax.axhline(0, color="0.3", lw=0.8, ls="--")
    ax.set_ylabel(f"change in {outcome_label}\nper Gini point")
    ax.legend(fontsize=8)
    counts.bar(profile["lag"], profile["n"], color="0.6")
    counts.set_ylabel("country-years")
    counts.set_xlabel("lag of the Gini (years)")
    return style.caption(fig, source)


def gravelle_figure(results, *, source: str | None = None) -> plt.Figure:
    """Gravelle's artefact: for each simulated world (a
    :class:`~kinship_research.studies.inequality_panel.GravelleResult`), mean health net of mean
    income against the Gini across countries (left; partial residuals, so the visible slope is the
    country-level one) and the country-level and individual-level Gini slopes with their
    intervals (right)."""
    results = list(results)
    if not results:
        raise ValueError("results must hold at least one GravelleResult")
    fig, (scatter, slopes) = plt.subplots(1, 2, figsize=(11, 4.5))
    for k, result in enumerate(results):
        label = f"{result.curve} curve, contextual effect {result.contextual_effect:g}"
        countries = result.countries
        scatter.scatter(
            countries["gini"], countries["health_net_of_income"], s=14, alpha=0.7, label=label, color=f"C{k}"
        )
        for j, name in enumerate(("country_level", "individual_level")):
            row = getattr(result, name)
            y = k * 3 + j
            slopes.plot([row["ci_low"], row["ci_high"]], [y, y], color=f"C{k}", lw=2)
            slopes.plot(row["estimate"], y, "o" if j == 0 else "s", color=f"C{k}")
    ticks = [k * 3 + j for k in range(len(results)) for j in range(2)]
    names = [f"{r.curve}: {n}" for r in results for n in ("country level", "individual level")]
    slopes.set_yticks(ticks, names, fontsize=8)
    slopes.axvline(0, color="0.3", lw=0.8, ls="--")
    slopes.set_xlabel("Gini slope of health (health units per Gini point)")
    scatter.set_xlabel("country Gini (0-100)")
    scatter.set_ylabel("mean health net of mean income, centred\n(simulated health units, partial residual)")
    scatter.legend(fontsize=7)
    return style.caption(fig, source)
