"""Contagion figures: labelled axes, one panel per group, bad input."""

import numpy as np
import pandas as pd
import pytest

from kinship_research.plots.contagion import (
    excess_by_distance_plot,
    induction_effects_plot,
    rejection_rate_plot,
)


def test_excess_by_distance_plot_panels_and_labels():
    rows = [
        {
            "panel": p,
            "trait": t,
            "distance": d,
            "observed": 0.3 / d,
            "null_mean": 0.15,
            "null_low": 0.1,
            "null_high": 0.2,
        }
        for p in ("A", "B", "C", "D")
        for t in ("x", "y")
        for d in (1, 2, 3)
    ]
    fig = excess_by_distance_plot(pd.DataFrame(rows), panel="panel", line="trait", ncols=3, caption="source")
    visible = [ax for ax in fig.axes if ax.get_visible()]
    assert len(visible) == 4 and len(fig.axes) == 6
    assert "distance" in visible[0].get_xlabel() and "%" in visible[0].get_ylabel()
    # distance 1: observed 0.3 vs null 0.15 -> +100%
    assert np.isclose(visible[0].lines[0].get_ydata()[0], 100)
    with pytest.raises(ValueError, match="lacks columns"):
        excess_by_distance_plot(pd.DataFrame(rows).drop(columns="null_low"), panel="panel")


def test_induction_effects_plot():
    table = pd.DataFrame(
        [
            {
                "trait": tr,
                "model": m,
                "tie_type": t,
                "pct_change": 50.0,
                "pct_change_low": 10.0,
                "pct_change_high": 90.0,
            }
            for tr in ("smoking",)
            for m in ("a", "b")
            for t in ("mutual", "ego_nominated")
        ]
    )
    fig = induction_effects_plot(table, caption="source")
    assert "%" in fig.axes[0].get_xlabel() and [t.get_text() for t in fig.axes[0].get_yticklabels()] == [
        "mutual",
        "ego nominated",
    ]
    with pytest.raises(ValueError, match="lacks columns"):
        induction_effects_plot(table.drop(columns="model"))


def test_rejection_rate_plot():
    study = pd.DataFrame(
        [
            {"scenario": s, "method": m, "rate": 0.5, "rate_low": 0.4, "rate_high": 0.6}
            for s in ("x", "y")
            for m in ("naive", "shuffle", "fe")
        ]
    )
    fig = rejection_rate_plot(study, alpha=0.05)
    ax = fig.axes[0]
    assert len(ax.patches) == 6 and "%" in ax.get_ylabel()
    with pytest.raises(ValueError, match="lacks columns"):
        rejection_rate_plot(study.drop(columns="rate_low"))
