"""Inequality panels on the real mirror files (which countries and years, what is dropped), the
headline table, and Gravelle's artefact against its closed form with Monte-Carlo tolerances."""

import numpy as np
import pandas as pd
import pytest
from scipy import integrate, stats

from kinship_research.data import load
from kinship_research.methods import panel
from kinship_research.studies import inequality_panel as ip

# ------------------------------------------------------------------ panels from the mirror files


@pytest.fixture(scope="module")
def sources(mirror):
    return {
        "swiid": load("swiid_summary"),
        "life": load("gapminder_life_expectancy_years"),
        "infant": load("gapminder_infant_mortality_rate_per_1000_births"),
        "gapminder": load("gapminder"),
        "pickett": load("pickett2009"),
    }


def _panel(sources, sample, **kw):
    countries = ip.sample_countries(sample, pickett=sources["pickett"], gapminder=sources["gapminder"])
    tables = {k: sources[k] for k in ("swiid", "life", "infant", "gapminder")}
    return ip.build_panel(countries, sample=sample, **tables, **kw)


@pytest.fixture(scope="module")
def spirit(sources):
    return _panel(sources, "spirit_level_23")


@pytest.fixture(scope="module")
def enlarged(sources):
    return _panel(sources, "rich_enlarged")


def test_every_swiid_name_has_a_code(sources):
    swiid = sources["swiid"]
    assert swiid["iso3"].notna().all(), sorted(swiid.loc[swiid["iso3"].isna(), "country"].unique())


def test_spirit_level_panel_countries_years_and_drops(spirit, sources):
    assert spirit.countries == sorted(sources["pickett"]["iso3"])
    assert len(spirit.countries) == 23
    years = spirit.panel["year"]
    assert years.min() == 1960 and years.max() == 2019
    assert not spirit.panel.duplicated(["iso3", "year"]).any()
    # every one of the 23 is in every source; the only unit listed is a Gapminder historical series
    assert not spirit.unmatched["reason"].str.startswith("sample country").any()
    assert spirit.unmatched["unit"].tolist() == ["deu_west"]
    # Gapminder projections after 2019 are not in the panel, GDP ends in 2011
    assert spirit.panel.loc[spirit.panel["gdp_per_capita"].notna(), "year"].max() == ip.GDP_LAST_YEAR
    coverage = ip.sample_coverage(spirit.panel, "life_expectancy")
    assert coverage["included"].all() and coverage["last_year"].max() == ip.GDP_LAST_YEAR
    without_income = ip.sample_coverage(spirit.panel, "life_expectancy", control_income=False)
    assert without_income["last_year"].max() == 2019
    assert (without_income["n_country_years"] > coverage["n_country_years"]).all()


def test_enlarged_panel_lists_the_countries_a_source_lacks(enlarged, sources):
    assert len(enlarged.countries) == 50
    rich = ip.rich_countries_by_income(sources["gapminder"])
    assert rich["income_rank"].tolist() == list(range(1, 51)) and rich["population"].min() >= 1e6
    lacking = enlarged.unmatched[enlarged.unmatched["reason"].str.startswith("sample country")]
    assert set(zip(lacking["dataset"], lacking["unit"])) == {
        ("gapminder_life_expectancy_years", "PRI"),
        ("gapminder_infant_mortality_rate_per_1000_births", "PRI"),
        ("gapminder_infant_mortality_rate_per_1000_births", "HKG"),
    }
    life = ip.sample_coverage(enlarged.panel, "life_expectancy").set_index("iso3")
    assert life.index[~life["included"]].tolist() == ["PRI"]
    infant = ip.sample_coverage(enlarged.panel, "infant_mortality").set_index("iso3")
    assert sorted(infant.index[~infant["included"]]) == ["HKG", "PRI"]


def test_year_window_is_applied(sources):
    short = _panel(sources, "spirit_level_23", first_year=1990, last_year=2005)
    assert short.panel["year"].between(1990, 2005).all() and short.panel["year"].max() == 2005
    with pytest.raises(ValueError, match="before"):
        _panel(sources, "spirit_level_23", first_year=2000, last_year=2000)


def test_specification_table_and_headline_rows_agree_with_the_estimators(spirit):
    df = spirit.panel
    table = ip.specification_table(df, "life_expectancy", lags=(5,))
    assert {"between", "within", "pooled"} == set(table["reading"])
    kw = {"controls": ["log_gdp_per_capita"]}
    between = panel.between_ols(df, "life_expectancy", "gini", **kw).coefficient("gini")
    fe = panel.two_way_fe(df, "life_expectancy", "gini", **kw).coefficient("gini")
    rows = table.set_index(["specification", "cov_type"])
    assert rows.loc[("between", "robust"), "estimate"] == pytest.approx(between["estimate"])
    assert rows.loc[("two_way_fe", "clustered"), "ci_low"] == pytest.approx(fe["ci_low"])
    # Driscoll-Kraay changes the interval, not the estimate
    assert rows.loc[("two_way_fe", "driscoll_kraay"), "estimate"] == pytest.approx(fe["estimate"])
    n_complete = ip.sample_coverage(df, "life_expectancy")["n_country_years"].sum()
    assert rows.loc[("two_way_fe", "clustered"), "n_country_years"] == n_complete
    assert rows.loc[("between", "robust"), "n"] == 23
    assert rows.loc[("two_way_fe_lag5", "clustered"), "n"] < n_complete

    errors = ip.measurement_error(df, "life_expectancy", n_draws=3, seed=1)
    both = ip.between_within(table, errors).set_index("reading")
    assert both.loc["between", "estimate"] == pytest.approx(errors["between"].naive["estimate"])
    assert both.loc["within", "estimate"] == pytest.approx(fe["estimate"])
    assert both.loc["within", "me_estimate"] == pytest.approx(errors["within"].combined.estimate)
    assert (both["n_draws"] == 3).all() and (both["n_countries"] == 23).all()
    with pytest.raises(KeyError, match="between"):
        ip.between_within(table, {"within": errors["within"]})
    with pytest.raises(ValueError, match="outcome must be one of"):
        ip.specification_table(df, "homicide")


# ------------------------------------------------------------------ Gravelle's artefact


def _lognormal_projection_slope():
    """Population slope of mean health on the Gini when mean health = f(mu) - 2.5 sigma^2 and
    sigma ~ U(0.3, 0.9): -2.5 cov(sigma^2, G) / var(G), G = 100 (2 Phi(sigma / sqrt 2) - 1)."""

    def mean(f):
        return integrate.quad(lambda s: f(s) / 0.6, 0.3, 0.9)[0]

    def g(s):
        return 100 * (2 * stats.norm.cdf(s / np.sqrt(2)) - 1)

    cov = mean(lambda s: s**2 * g(s)) - mean(lambda s: s**2) * mean(g)
    return -2.5 * cov / (mean(lambda s: g(s) ** 2) - mean(g) ** 2)


def _replicates(curve, contextual_effect=0.0, n=8):
    fits = [
        ip.gravelle_artefact(curve=curve, n_people=300, contextual_effect=contextual_effect, seed=seed)
        for seed in range(n)
    ]
    return (
        np.array([f.country_level["estimate"] for f in fits]),
        np.array([f.individual_level["estimate"] for f in fits]),
    )


def _close(values, target, *, relative=0.0):
    """Mean within 4 Monte-Carlo standard errors (plus ``relative`` of the target) of ``target``."""
    tolerance = 4 * values.std(ddof=1) / np.sqrt(len(values)) + relative * abs(target)
    return abs(values.mean() - target) < tolerance


def test_concave_curve_makes_a_country_level_inequality_effect_without_context():
    country, individual = _replicates("concave")
    # the closed form is the projection over infinitely many countries; 40 countries and sample
    # Ginis of 300 people move it by a few per cent
    assert _close(country, _lognormal_projection_slope(), relative=0.05)
    assert country.mean() < 0 and _close(individual, 0.0)
    one = ip.gravelle_artefact(curve="concave", n_people=300, seed=0)
    assert one.country_level["ci_high"] < 0, "one simulated world should already show the artefact"
    # the partial residuals (mean health net of the income terms) have exactly the country-level slope
    slope = np.polyfit(one.countries["gini"], one.countries["health_net_of_income"], 1)[0]
    assert slope == pytest.approx(one.country_level["estimate"], rel=1e-8)


def test_linear_curve_makes_the_artefact_vanish():
    country, individual = _replicates("linear")
    assert _close(country, 0.0) and _close(individual, 0.0)


def test_individual_level_check_recovers_a_real_contextual_effect():
    country, individual = _replicates("concave", contextual_effect=-0.1)
    assert _close(individual, -0.1)
    # the country-level slope adds the artefact to the contextual effect
    assert _close(country, -0.1 + _lognormal_projection_slope(), relative=0.05)
    country, individual = _replicates("linear", contextual_effect=-0.1)
    assert _close(country, -0.1) and _close(individual, -0.1)


def test_gravelle_is_seeded_and_checks_its_input():
    a, b = (ip.gravelle_artefact(n_countries=10, n_people=50, seed=7) for _ in range(2))
    pd.testing.assert_frame_equal(a.to_frame(), b.to_frame())
    assert set(a.to_frame()["analysis"]) == {"country_level", "individual_level"}
    with pytest.raises(ValueError, match="curve must be one of"):
        ip.gravelle_artefact(curve="convex")
    with pytest.raises(ValueError, match="health_noise"):
        ip.gravelle_artefact(health_noise=-1.0)
