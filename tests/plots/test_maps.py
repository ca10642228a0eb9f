"""Choropleth panels and the Moran scatter plot."""
import libpysal
import matplotlib.pyplot as plt
import numpy as np
import pytest

from kinship_research.plots.maps import choropleth_panels, moran_scatter


@pytest.fixture
def states():
    from kinship_research.data import load
    return load("us_income")


def test_choropleth_panels(states):
    fig = choropleth_panels(states, {"income_1970": "Income per head, 1970 (US$)", "income_2009": "Income, 2009 (US$)",
                                     "income_1929": "Income, 1929 (US$)"}, source="Source: BEA")
    maps = [ax for ax in fig.axes if ax.get_title()]
    assert [ax.get_title() for ax in maps] == ["Income per head, 1970 (US$)", "Income, 2009 (US$)", "Income, 1929 (US$)"]
    assert len(maps[0].texts) == 48
    plt.close(fig)
    with pytest.raises(KeyError, match="not in states"):
        choropleth_panels(states, {"nope": "x"}, source="s")
    with pytest.raises(ValueError, match="at least one"):
        choropleth_panels(states, {}, source="s")


def test_moran_scatter_slope_is_morans_i():
    w = libpysal.weights.lat2W(5, 5)
    w.transform = "r"
    values = np.arange(25.0) + np.random.default_rng(0).normal(size=25)
    z = (values - values.mean())
    W = w.full()[0]
    moran = (z @ W @ z) / (z @ z)
    ax = moran_scatter(values, w, moran, title="t", xlabel="standardised residual")
    line = ax.lines[-1]
    slope = np.diff(line.get_ydata())[0] / np.diff(line.get_xdata())[0]
    assert slope == pytest.approx(moran, rel=1e-10)
    plt.close(ax.figure)
    with pytest.raises(ValueError, match="one value per area"):
        moran_scatter(values[:-1], w, moran, "t", "x")
