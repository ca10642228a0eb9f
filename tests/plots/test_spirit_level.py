"""Figures of the Spirit Level study: scatter with fit, partial regression, forest and ranked dot plots."""

import numpy as np
import pytest

from kinship_research.studies import spirit_level as sl


def test_labelled_scatter_labels_every_country(countries):
    from kinship_research.plots.scatter import labelled_scatter

    fig = labelled_scatter(
        countries,
        "ineq",
        "good",
        xlabel="S80/S20 (ratio)",
        ylabel="y (units)",
        source="Source: test",
        highlight=["USA"],
    )
    ax = fig.axes[0]
    assert len(ax.texts) == 28  # one label per complete country
    assert ax.get_xlabel() == "S80/S20 (ratio)" and any("Source: test" in t.get_text() for t in fig.texts)
    r = sl.correlate(countries, "ineq", "good").r[0]
    assert f"r = {r:.2f}" in ax.get_title() and "n = 28" in ax.get_title()


def test_a_panel_in_the_callers_figure_leaves_the_layout_to_the_caller(countries, monkeypatch):
    import matplotlib.pyplot as plt

    from kinship_research.plots.scatter import labelled_scatter

    fig, axes = plt.subplots(1, 2)
    layouts = []
    monkeypatch.setattr(fig, "tight_layout", lambda **kw: layouts.append(kw))
    for ax in axes:
        labelled_scatter(countries, "ineq", "good", ax=ax)
    assert layouts == []  # a figure of its own is laid out; a panel of the caller's is not
    own = labelled_scatter(countries, "ineq", "good")
    assert own.get_tight_layout() or own.subplotpars.left != plt.rcParams["figure.subplot.left"]
    plt.close("all")


def test_partial_regression_plot(countries):
    from kinship_research.plots.spirit_level import partial_regression_plot

    result = sl.control_for_income(countries, "ineq", "bad", income="gdp")
    coef = result.coefficients.set_index("term").loc["ineq"]
    fig = partial_regression_plot(result.partial, "bad", "x | income", "y | income", coefficient=coef)
    assert f"{coef['estimate']:.3g}" in fig.axes[0].texts[-1].get_text()
    with pytest.raises(KeyError, match="no partial-regression rows"):
        partial_regression_plot(result.partial, "good", "x", "y")


def test_ranked_dot_plot_orders_countries(countries):
    from kinship_research.plots.spirit_level import ranked_dot_plot

    df = countries.assign(region=np.where(countries.index % 2, "odd", "even"))
    fig = ranked_dot_plot(df, "good", label="iso3", hue="region", xlabel="Trust (%)")
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert labels == df.dropna(subset=["good"]).sort_values("good")["iso3"].tolist()
    with pytest.raises(KeyError, match="needs column"):
        ranked_dot_plot(df, "good", hue="continent")


def test_leave_one_out_plot_labels_the_most_influential_unit(countries):
    from kinship_research.methods.robustness import leave_one_out_table
    from kinship_research.plots.spirit_level import leave_one_out_plot

    table = leave_one_out_table(countries, "ineq", ["bad", "noise"])
    fig = leave_one_out_plot(table, {"bad": "Bad (units)"}, source="Source: t")
    ax = fig.axes[0]
    worst = table[table.outcome == "bad"].loc[lambda d: d["change"].abs().idxmax(), "dropped"]
    assert f"without {worst}" in [t.get_text() for t in ax.texts]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["noise", "Bad (units)"]
    with pytest.raises(KeyError, match="needs column"):
        leave_one_out_plot(table.drop(columns="change"))
