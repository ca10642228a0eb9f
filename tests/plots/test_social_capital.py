"""Social-capital figures: axes labelled, source captioned."""

from kinship_research.methods.mediation import mediation
from kinship_research.methods.regression import predicted_probabilities
from kinship_research.plots import social_capital as plots
from kinship_research.studies import social_capital as sc
from tests.methods.test_mediation import _mediation_data
from tests.studies.test_social_capital import _synthetic_counties, _synthetic_gss


def test_plots_label_axes_and_caption_source():
    fit = sc.fit_weighted_model(_synthetic_gss(n=200, seed=6), "happy", kind="logit", controls=("age",))
    fig = plots.predicted_probability_plot(
        {"happy": predicted_probabilities(fit, [0, 6])}, "n_confidants", "confidants", "test source"
    )
    ax = fig.axes[0]
    assert ax.get_xlabel() == "confidants" and "probability" in ax.get_ylabel()
    assert any("test source" in t.get_text() for t in fig.texts)
    result = mediation(_mediation_data(40), "x", "m", "y", n_boot=100)
    fig = plots.mediation_diagram(result, {"x": "X"}, "units", "test source")
    texts = " ".join(t.get_text() for t in fig.axes[0].texts)
    assert "indirect a·b" in texts and "n = 40" in texts
    data = _synthetic_counties(n_states=5, per_state=10)
    fig = plots.coefficient_plot(sc.county_models(data, "y", "x"), {"y": "y units"}, "src")
    assert fig.axes[0].get_xlabel() == "y units"
