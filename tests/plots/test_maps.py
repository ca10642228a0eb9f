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
    fig = choropleth_panels(
        states,
        {
            "income_1970": "Income per head, 1970 (US$)",
            "income_2009": "Income, 2009 (US$)",
            "income_1929": "Income, 1929 (US$)",
        },
        source="Source: BEA",
    )
    maps = [ax for ax in fig.axes if ax.get_title()]
    assert [ax.get_title() for ax in maps] == [
        "Income per head, 1970 (US$)",
        "Income, 2009 (US$)",
        "Income, 1929 (US$)",
    ]
    assert len(maps[0].texts) == 48
    plt.close(fig)
    with pytest.raises(KeyError, match="states has no column"):
        choropleth_panels(states, {"nope": "x"}, source="s")
    with pytest.raises(ValueError, match="at least one"):
        choropleth_panels(states, {}, source="s")


def test_moran_scatter_slope_is_morans_i():
    w = libpysal.weights.lat2W(5, 5)
    w.transform = "r"
    values = np.arange(25.0) + np.random.default_rng(0).normal(size=25)
    z = values - values.mean()
    W = w.full()[0]
    moran = (z @ W @ z) / (z @ z)
    ax = moran_scatter(values, w, moran, title="t", xlabel="standardised residual")
    line = ax.lines[-1]
    slope = np.diff(line.get_ydata())[0] / np.diff(line.get_xdata())[0]
    assert slope == pytest.approx(moran, rel=1e-10)
    plt.close(ax.figure)
    with pytest.raises(ValueError, match="one value per area"):
        moran_scatter(values[:-1], w, moran, "t", "x")


@pytest.fixture
def boundaries(mirror):
    from pathlib import Path

    from kinship_research.data.loaders import boundaries as b

    root = Path(mirror)
    return {
        "world": b.world_countries(root / "world-atlas-countries-50m.json", None),
        "states": b.us_states(root / "us-atlas-states-10m.json", None),
        "counties": b.us_counties(root / "us-atlas-counties-10m.json", None),
    }


def test_world_choropleth_colours_only_the_sample(boundaries):
    import pandas as pd

    from kinship_research.plots.maps import world_choropleth

    values = pd.DataFrame({"iso3": ["SWE", "USA", "JPN"], "s80_s20": [4.0, 8.5, np.nan]})
    fig = world_choropleth(
        boundaries["world"], values, "s80_s20", title="S80/S20", legend_label="ratio", source="Source: test"
    )
    ax = fig.axes[0]
    assert sorted(t.get_text() for t in ax.texts) == ["SWE", "USA"]  # JPN has no value: hatched, unlabelled
    assert any("Source: test" in t.get_text() for t in fig.texts)
    plt.close(fig)
    with pytest.raises(ValueError, match="duplicated"):
        world_choropleth(
            boundaries["world"], pd.concat([values, values]), "s80_s20", title="", legend_label="", source=""
        )


def test_state_and_county_choropleths(boundaries):
    import pandas as pd

    from kinship_research.plots.maps import us_county_choropleth, us_state_choropleth

    states = boundaries["states"]
    values = states[["state_abbr"]].dropna().assign(v=lambda d: np.arange(len(d), dtype=float))
    fig = us_state_choropleth(states, values, "v", title="t", legend_label="u", source="Source: s")
    assert len(fig.axes[0].texts) == 49  # lower 48 and DC
    plt.close(fig)
    counties = boundaries["counties"]
    cvals = pd.DataFrame({"county_fips": counties["county_fips"].head(100), "v": np.arange(100.0)})
    fig = us_county_choropleth(counties, cvals, "v", title="t", legend_label="u", source="Source: c", states=states)
    assert any("Source: c" in t.get_text() for t in fig.texts)
    plt.close(fig)
    with pytest.raises(KeyError, match="values has no column"):
        us_state_choropleth(states, values, "nope", title="t", legend_label="u", source="s")
