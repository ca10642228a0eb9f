"""Figures for the Preston curve (see :mod:`kinship_research.studies.preston`)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns

from kinship_research.plots import style

SOURCE = "Source: Gapminder via dslabs (GDP per head in constant 2000 US$, life expectancy at birth)."


def preston_figure(
    countries: pd.DataFrame, curve: pd.DataFrame, fits: pd.DataFrame, n_richest: int, year: int
) -> plt.Figure:
    """Scatter of life expectancy on GDP per head (log axis) with the log-linear fit, the LOWESS
    curve and its 95% bootstrap band, and separate fitted lines for the richest countries and the rest."""
    fig, ax = plt.subplots(figsize=(9, 6))
    richest = countries["gdp_per_capita"].rank(ascending=False, method="first") <= n_richest
    points = countries.assign(
        group=np.where(richest, f"richest {n_richest}", "the rest"), population_millions=countries["population"] / 1e6
    )
    sns.scatterplot(
        data=points,
        x="gdp_per_capita",
        y="life_expectancy",
        hue="group",
        size="population_millions",
        sizes=(15, 300),
        alpha=0.6,
        ax=ax,
        legend="brief",
    )
    ax.fill_between(
        curve["gdp_per_capita"],
        curve["ci_low"],
        curve["ci_high"],
        color="grey",
        alpha=0.25,
        label="LOWESS 95% bootstrap band",
    )
    ax.plot(curve["gdp_per_capita"], curve["fitted"], color="black", lw=2, label="LOWESS")
    for _, fit in fits.iterrows():
        mask = {"all countries": np.ones(len(countries), bool), "the rest": ~richest}.get(fit["group"], richest)
        x = np.sort(countries.loc[mask, "gdp_per_capita"].to_numpy())
        linestyle = "--" if fit["group"] == "all countries" else "-"
        ax.plot(
            x,
            fit["intercept"] + fit["slope"] * np.log(x),
            linestyle,
            lw=1.5,
            label=f"{fit['group']}: {fit['slope_per_doubling']:.2f} years per doubling",
        )
    for _, row in countries[richest].nlargest(12, "gdp_per_capita").iterrows():
        ax.annotate(
            row["iso3"],
            (row["gdp_per_capita"], row["life_expectancy"]),
            fontsize=7,
            xytext=(3, 3),
            textcoords="offset points",
        )
    ax.set_xscale("log")
    ax.set_xlabel("GDP per head (constant 2000 US$, log scale)")
    ax.set_ylabel("Life expectancy at birth (years)")
    ax.set_title(f"The Preston curve, {year} ({len(countries)} countries)")
    ax.legend(fontsize=7, loc="lower right")
    return style.caption(fig, SOURCE)
