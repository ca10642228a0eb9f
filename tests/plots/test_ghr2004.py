"""The partial-effect figure draws one line and band per model with labelled axes."""

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from kinship_research.methods.regression import fit_ols, partial_effect
from kinship_research.plots.ghr2004 import partial_effect_figure


def test_partial_effect_figure():
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"x": rng.uniform(size=60), "z": rng.normal(size=60)})
    frame["y"] = 2 - 3 * frame["x"] + frame["z"] + rng.normal(size=60)
    fits = {"all": fit_ols(frame, "y", ["x", "z"]), "half": fit_ols(frame.iloc[:30], "y", ["x", "z"])}
    labels = pd.Series([f"c{i}" for i in range(60)], index=frame.index)
    fig = partial_effect_figure(
        fits, "x", labels, xlabel="x (units)", ylabel="y (units)", source="Source: test", n_labels=5
    )
    ax = fig.axes[0]
    assert ax.get_xlabel() == "x (units)" and ax.get_ylabel() == "y (units)"
    assert len(ax.lines) == 2 and len(ax.collections) == 4  # two point clouds, two bands
    np.testing.assert_allclose(ax.lines[0].get_ydata(), partial_effect(fits["all"], "x")["predicted"])
    assert len(ax.texts) == 5 + 30
    plt.close(fig)
    with pytest.raises(ValueError, match="at least one"):
        partial_effect_figure({}, "x", labels, "x", "y", "s")
