"""Inequality and health within countries over time: the critics' core test, and both readings.

The Spirit Level (Wilkinson & Pickett 2009) compares countries. Its critics ask whether
countries whose inequality *rose* saw health worsen: Leigh, Jencks & Smeeding (2009) find that
with country and year fixed effects the link between top income shares and life expectancy or
infant mortality is weak and unstable; Delhey & Steckermeier (2020) find within-country change in
inequality does not predict their index of social ills, while prosperity does; Ellis (2025)
finds the homicide-inequality association to be between countries only. Gravelle (1998) showed
that a concave individual income-health curve alone produces a country-level inequality
correlation (:func:`gravelle_artefact`). Proponents answer that inequality acts through slow
social processes with long lags, and that fixed effects discard most of the variation in a
slowly moving, noisily measured Gini (Pickett & Wilkinson 2015).

This module builds the country-year panel (SWIID 9.92 Gini with standard errors, Gapminder life
expectancy and infant mortality, dslabs Gapminder GDP per head) for the Spirit Level's 23 rich
countries or an enlarged rich-country sample, lists every unit that could not be matched, and
fits the between and within specifications of :mod:`kinship_research.methods.panel`. The
between estimates compare country means of de-trended data (year effects removed, see
:func:`kinship_research.methods.panel.between_ols`), so that countries whose series start late
are not credited with the common rise in life expectancy. The dslabs GDP per head ends in
:data:`GDP_LAST_YEAR` (2011), so every fit controlling for income ends there even when SWIID and
the Gapminder outcomes run to 2019.

References
----------
Wilkinson R, Pickett K (2009) The Spirit Level. Allen Lane.
Leigh A, Jencks C, Smeeding TM (2009) Health and economic inequality. In Salverda W et al. (eds)
The Oxford Handbook of Economic Inequality, 384-405.
Delhey J, Steckermeier LC (2020) Social ills in rich countries: new evidence on levels, causes, and
mechanisms. Social Indicators Research 149:87-103.
Gravelle H (1998) How much of the relation between population mortality and unequal distribution
of income is a statistical artefact? BMJ 316:382-385.
Pickett KE, Wilkinson RG (2015) Income inequality and health: a causal review. Social Science &
Medicine 128:316-326.
Snowdon C (2010) The Spirit Level Delusion. Little Dice.
Saunders P (2010) Beware False Prophets. Policy Exchange.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

import numpy as np
import pandas as pd
import statsmodels.formula.api as smf

from kinship_research.methods import panel
from kinship_research.methods.checks import (
    check_choice,
    check_finite,
    check_level,
    check_positive_int,
    random_generator,
    require_columns,
)
from kinship_research.methods.inequality import gini

__all__ = [
    "GDP_LAST_YEAR",
    "GravelleResult",
    "OUTCOMES",
    "PanelSample",
    "SAMPLES",
    "between_within",
    "build_panel",
    "gravelle_artefact",
    "measurement_error",
    "rich_countries_by_income",
    "sample_countries",
    "sample_coverage",
    "specification_table",
]

SAMPLES = ("spirit_level_23", "rich_enlarged")
"""``spirit_level_23``: the book's 23 countries (pickett2009). ``rich_enlarged``: the 50 richest
countries by GDP per head in 2002 with at least 1 million people -- the book's rule (50 richest by
2002 income, more than 3 million people) with the population floor lowered, which brings in the
small rich countries critics said were left out (Saunders 2010; Snowdon 2010)."""

OUTCOMES = {
    "life_expectancy": "Life expectancy at birth (years)",
    "infant_mortality": "Infant mortality (deaths per 1,000 live births)",
}
"""Outcomes with a country-year panel in the registered data, with labels and units. No
registered dataset has a homicide panel (QoG's is a cross-section), so homicide is not offered."""

GDP_LAST_YEAR = 2011
"""Last year with GDP in the dslabs gapminder table (its population runs to 2016): every panel
with the log GDP per head control ends here."""

INEQUALITY = {"gini_disp": "gini_disp_se", "gini_mkt": "gini_mkt_se"}


def rich_countries_by_income(
    gapminder: pd.DataFrame, *, year: int = 2002, n_richest: int = 50, min_population: float = 1e6
) -> pd.DataFrame:
    """The ``n_richest`` countries by GDP per head in ``year`` among those with at least
    ``min_population`` people: iso3, country, gdp_per_capita, population, income_rank (1 = richest)."""
    require_columns(gapminder, ["iso3", "country", "year", "gdp_per_capita", "population"], what="gapminder")
    check_positive_int("n_richest", n_richest)
    rows = gapminder[(gapminder["year"] == year) & gapminder["gdp_per_capita"].notna()]
    if rows.empty:
        raise ValueError(f"gapminder has no GDP per head in {year}; GDP runs to {GDP_LAST_YEAR}")
    rows = rows[rows["population"] >= min_population].nlargest(n_richest, "gdp_per_capita")
    out = rows[["iso3", "country", "gdp_per_capita", "population"]].reset_index(drop=True)
    return out.assign(income_rank=np.arange(1, len(out) + 1))


def sample_countries(sample: str, *, pickett: pd.DataFrame, gapminder: pd.DataFrame) -> pd.DataFrame:
    """Countries (iso3, country) of ``sample`` (one of :data:`SAMPLES`)."""
    check_choice("sample", sample, SAMPLES)
    if sample == "spirit_level_23":
        require_columns(pickett, ["iso3", "country"], what="pickett2009")
        return pickett[["iso3", "country"]].reset_index(drop=True)
    return rich_countries_by_income(gapminder)[["iso3", "country"]]


@dataclass(frozen=True)
class PanelSample:
    """The analysis panel and everything left out of it.

    ``panel`` has one row per country-year: iso3, country, year, gini, gini_se, life_expectancy,
    infant_mortality, gdp_per_capita, log_gdp_per_capita, population (missing where a source has
    no value). ``unmatched`` lists, per source, units with no ISO3 code and sample countries the
    source does not have (columns dataset, unit, reason).
    """

    sample: str
    panel: pd.DataFrame
    unmatched: pd.DataFrame
    first_year: int
    last_year: int
    inequality: str

    @property
    def countries(self) -> list[str]:
        return sorted(self.panel["iso3"].unique())

    def to_frame(self) -> pd.DataFrame:
        return self.panel

    def summary(self) -> str:
        return (
            f"{self.sample}: {len(self.countries)} countries, {len(self.panel)} country-years "
            f"({self.first_year}-{self.last_year}); {len(self.unmatched)} unmatched units"
        )


def _unmatched_units(table: pd.DataFrame, dataset: str, name: str) -> list[dict]:
    missing = table.loc[table["iso3"].isna(), name].drop_duplicates().astype(str).sort_values()
    return [
        {"dataset": dataset, "unit": unit, "reason": "no ISO3 code in kinship_research.data.codes"} for unit in missing
    ]


def build_panel(
    countries: pd.DataFrame,
    *,
    swiid: pd.DataFrame,
    life: pd.DataFrame,
    infant: pd.DataFrame,
    gapminder: pd.DataFrame,
    first_year: int = 1960,
    last_year: int = 2019,
    inequality: str = "gini_disp",
    sample: str = "custom",
) -> PanelSample:
    """Join SWIID, the Gapminder outcome panels and dslabs GDP per head for ``countries`` (iso3).

    Rows are the country-years of ``first_year``..``last_year`` in which SWIID has the country;
    outcome and GDP columns are missing where their source has no value (GDP ends in
    :data:`GDP_LAST_YEAR`, infant mortality in 2015, life expectancy in 2019).
    """
    check_choice("inequality", inequality, INEQUALITY)
    if not first_year < last_year:
        raise ValueError(f"first_year ({first_year}) must be before last_year ({last_year})")
    require_columns(countries, ["iso3"], what="countries")
    wanted = set(countries["iso3"])
    sources = {
        "swiid_summary": (swiid, "country"),
        "gapminder_life_expectancy_years": (life, "geo"),
        "gapminder_infant_mortality_rate_per_1000_births": (infant, "geo"),
        "gapminder": (gapminder, "country"),
    }
    unmatched = []
    for dataset, (table, name) in sources.items():
        require_columns(table, ["iso3", "year", name], what=dataset)
        unmatched += _unmatched_units(table, dataset, name)
        window = table[table["year"].between(first_year, last_year)]
        unmatched += [
            {"dataset": dataset, "unit": code, "reason": f"sample country with no rows in {first_year}-{last_year}"}
            for code in sorted(wanted - set(window["iso3"].dropna()))
        ]
    years = swiid["year"].between(first_year, last_year) & swiid["iso3"].isin(wanted)
    out = swiid.loc[years, ["iso3", "year", inequality, INEQUALITY[inequality]]]
    out = out.rename(columns={inequality: "gini", INEQUALITY[inequality]: "gini_se"})
    out = out.merge(countries[["iso3", "country"]] if "country" in countries else countries[["iso3"]], on="iso3")
    for table, column in ((life, "life_expectancy"), (infant, "infant_mortality")):
        out = out.merge(
            table.loc[table["iso3"].notna(), ["iso3", "year", column]],
            on=["iso3", "year"],
            how="left",
            validate="one_to_one",
        )
    economy = gapminder[["iso3", "year", "gdp_per_capita", "population"]]
    out = out.merge(economy, on=["iso3", "year"], how="left", validate="one_to_one")
    out["log_gdp_per_capita"] = np.log(out["gdp_per_capita"])
    out["iso3"] = out["iso3"].astype(str)
    out = out.sort_values(["iso3", "year"]).reset_index(drop=True)
    return PanelSample(
        sample, out, pd.DataFrame(unmatched, columns=["dataset", "unit", "reason"]), first_year, last_year, inequality
    )


def _controls(control_income: bool) -> list[str]:
    return ["log_gdp_per_capita"] if control_income else []


def sample_coverage(panel_df: pd.DataFrame, outcome: str, *, control_income: bool = True) -> pd.DataFrame:
    """Per country of ``panel_df``: the years with complete data for a fit of ``outcome`` on the
    Gini (and log GDP per head with ``control_income``).

    Columns iso3, country, first_year, last_year, n_country_years, included (False: the country
    has no complete year and drops out of every fit, e.g. no outcome series in Gapminder).
    """
    check_choice("outcome", outcome, OUTCOMES)
    columns = ["gini", outcome, *_controls(control_income)]
    require_columns(panel_df, ["iso3", "country", "year", *columns], what="panel")
    complete = panel_df[columns].notna().all(axis=1)
    rows = []
    for (code, name), group in panel_df.groupby(["iso3", "country"], sort=True):
        years = group.loc[complete[group.index], "year"]
        rows.append(
            {
                "iso3": code,
                "country": name,
                "first_year": int(years.min()) if len(years) else None,
                "last_year": int(years.max()) if len(years) else None,
                "n_country_years": len(years),
                "included": len(years) > 0,
            }
        )
    return pd.DataFrame(rows).astype({"first_year": "Int64", "last_year": "Int64"})


def specification_table(
    panel_df: pd.DataFrame, outcome: str, *, control_income: bool = True, lags=(5, 10), level: float = 0.95
) -> pd.DataFrame:
    """The Gini coefficient of ``outcome`` under every specification, one row each.

    pooled OLS, between OLS (country means), the hybrid model's between and within
    coefficients, two-way FE with country-clustered and Driscoll-Kraay SEs, first differences,
    10-year long differences, and two-way FE on the Gini lagged by each of ``lags`` years.
    Columns: specification, reading (``between``/``within``/``pooled``), cov_type, estimate,
    std_error, ci_low, ci_high, p_value, n (observations of the fit: countries for between OLS,
    differences for the difference models), n_countries, n_country_years (the complete
    country-years behind the fit; for differences, those of the levels panel). Estimates are in outcome
    units per Gini point. With ``control_income`` log GDP per head enters every fit (and the
    panel ends in :data:`GDP_LAST_YEAR`).
    """
    check_choice("outcome", outcome, OUTCOMES)
    level, controls = check_level(level), _controls(control_income)
    kw = {"controls": controls, "level": level}
    n_complete = int(panel_df[[outcome, "gini", *controls]].notna().all(axis=1).sum())
    fits = [
        ("pooled", panel.pooled_ols(panel_df, outcome, "gini", **kw)),
        ("between", panel.between_ols(panel_df, outcome, "gini", **kw)),
        ("within", panel.two_way_fe(panel_df, outcome, "gini", **kw)),
        ("within", panel.two_way_fe(panel_df, outcome, "gini", cov_type="driscoll_kraay", **kw)),
        ("within", panel.difference_ols(panel_df, outcome, "gini", **kw)),
        ("within", panel.difference_ols(panel_df, outcome, "gini", gap=10, **kw)),
    ]
    rows = [
        {
            "specification": fit.specification,
            "reading": reading,
            "cov_type": fit.cov_type,
            **fit.coefficient("gini").to_dict(),
            "n": fit.n,
            "n_countries": fit.n_entities,
            "n_country_years": n_complete,
        }
        for reading, fit in fits
    ]
    hybrid = panel.within_between_re(panel_df, outcome, "gini", **kw)
    for reading, row in (("between", hybrid.between), ("within", hybrid.within)):
        rows.append(
            {
                "specification": f"hybrid_re_{reading}",
                "reading": reading,
                "cov_type": hybrid.fit.cov_type,
                **row.to_dict(),
                "n": hybrid.fit.n,
                "n_countries": hybrid.fit.n_entities,
                "n_country_years": hybrid.fit.n,
            }
        )
    for lag in lags:
        data = panel.lagged(panel_df, "gini", lag)
        fit = panel.two_way_fe(data, outcome, f"gini_lag{lag}", specification=f"two_way_fe_lag{lag}", **kw)
        rows.append(
            {
                "specification": fit.specification,
                "reading": "within",
                "cov_type": fit.cov_type,
                **fit.coefficient(f"gini_lag{lag}").to_dict(),
                "n": fit.n,
                "n_countries": fit.n_entities,
                "n_country_years": fit.n,
            }
        )
    return pd.DataFrame(rows)


def between_within(
    table: pd.DataFrame, errors: dict[str, panel.MeasurementErrorResult], *, within: str = "two_way_fe"
) -> pd.DataFrame:
    """The two headline readings side by side: between OLS and the ``within`` specification
    (two-way FE, country-clustered SEs), each with its measurement-error-adjusted version.

    ``table`` is a :func:`specification_table`, ``errors`` a :func:`measurement_error` result.
    One row per reading (``between``, ``within``): specification, estimate, std_error, ci_low,
    ci_high, p_value, n_countries, n_country_years, then me_estimate, me_std_error, me_ci_low,
    me_ci_high, me_p_value (Rubin's rules over the Gini draws), n_draws, widening (ME interval
    width / naive width) and attenuation (ME estimate / naive estimate).
    """
    require_columns(table, ["specification", "cov_type", "estimate", "ci_low", "ci_high"], what="specification table")
    missing = {"between", "within"} - set(errors)
    if missing:
        raise KeyError(f"errors needs the keys 'between' and 'within'; missing {sorted(missing)}")
    rows = []
    for reading, name in (("between", "between"), ("within", within)):
        match = table[(table["specification"] == name) & (table["cov_type"] != "driscoll_kraay")]
        if len(match) != 1:
            raise KeyError(f"specification {name!r} (not Driscoll-Kraay) must appear once in the table")
        row = match.iloc[0]
        me = errors[reading]
        columns = ["estimate", "std_error", "ci_low", "ci_high", "p_value"]
        rows.append(
            {
                "reading": reading,
                "specification": name,
                **row[columns].to_dict(),
                "n_countries": int(row["n_countries"]),
                "n_country_years": int(row["n_country_years"]),
                **{f"me_{c}": getattr(me.combined, c) for c in columns},
                "n_draws": me.combined.n_draws,
                "widening": me.widening,
                "attenuation": me.attenuation,
            }
        )
    return pd.DataFrame(rows)


def measurement_error(
    panel_df: pd.DataFrame,
    outcome: str,
    *,
    control_income: bool = True,
    n_draws: int = 20,
    autocorrelation: float = 0.9,
    level: float = 0.95,
    seed=None,
) -> dict[str, panel.MeasurementErrorResult]:
    """Between (country means) and within (two-way FE, clustered) Gini slopes refitted on
    ``n_draws`` draws of the Gini from SWIID's standard errors, combined by Rubin's rules (see
    :func:`kinship_research.methods.panel.measurement_error_fits`); keys ``between`` and ``within``.
    Both use the same draws (one seed)."""
    check_choice("outcome", outcome, OUTCOMES)
    kw = {"controls": _controls(control_income), "level": level}
    fits = {
        "between": partial(panel.between_ols, y=outcome, x="gini", **kw),
        "within": partial(panel.two_way_fe, y=outcome, x="gini", **kw),
    }
    return {
        name: panel.measurement_error_fits(
            panel_df,
            fit,
            column="gini",
            se_column="gini_se",
            n_draws=n_draws,
            autocorrelation=autocorrelation,
            level=level,
            seed=seed,
        )
        for name, fit in fits.items()
    }


@dataclass(frozen=True)
class GravelleResult:
    """Gravelle's artefact: country means of simulated people, and the two regressions.

    ``countries`` has country, mean_income, gini (points, 0-100), mean_health, n_people and
    health_net_of_income (mean health less the fitted mean-income terms, centred: a partial-residual
    plot of it against the Gini has the country-level slope);
    ``country_level`` is the Gini coefficient of mean health given mean income across countries
    (mean income and its log, so that either curve's shape in mean income is allowed for; HC1);
    ``individual_level`` the Gini coefficient of individual health given a flexible curve in the
    person's own income (cubic B-spline in log income, 5 df; SEs clustered by country).
    """

    curve: str
    contextual_effect: float
    countries: pd.DataFrame
    country_level: pd.Series
    individual_level: pd.Series
    n_people: int
    level: float

    def to_frame(self) -> pd.DataFrame:
        rows = [{"analysis": name, **getattr(self, name).to_dict()} for name in ("country_level", "individual_level")]
        return pd.DataFrame(rows).assign(
            curve=self.curve,
            contextual_effect=self.contextual_effect,
            n_countries=len(self.countries),
            n_people=self.n_people,
        )

    def summary(self) -> str:
        c, i = self.country_level, self.individual_level
        return (
            f"{self.curve} curve, contextual effect {self.contextual_effect:g}: country-level Gini slope "
            f"{c['estimate']:.3g} ({c['ci_low']:.3g} to {c['ci_high']:.3g}); individual-level "
            f"{i['estimate']:.3g} ({i['ci_low']:.3g} to {i['ci_high']:.3g})"
        )


CURVES = ("concave", "linear")


def _row(fit, term: str, level: float) -> pd.Series:
    low, high = fit.conf_int(alpha=1 - level).loc[term]
    return pd.Series(
        {
            "estimate": fit.params[term],
            "std_error": fit.bse[term],
            "ci_low": low,
            "ci_high": high,
            "p_value": fit.pvalues[term],
            "n": int(fit.nobs),
        }
    )


def gravelle_artefact(
    n_countries: int = 40,
    n_people: int = 1000,
    *,
    curve: str = "concave",
    contextual_effect: float = 0.0,
    health_noise: float = 5.0,
    level: float = 0.95,
    seed=None,
) -> GravelleResult:
    r"""Simulate Gravelle's (1998) artefact: one individual income-health curve, no context.

    Country :math:`c` has mean income :math:`\mu_c \sim U(15{,}000, 40{,}000)` and log-income SD
    :math:`\sigma_c \sim U(0.3, 0.9)` drawn independently; each of ``n_people`` people has
    lognormal income :math:`y` with that mean and SD, and health
    :math:`h = f(y) + \gamma\,G_c + \varepsilon`, :math:`\varepsilon \sim N(0, \texttt{health\_noise}^2)`,
    where :math:`G_c` is the country's sample Gini (points) and :math:`\gamma` = ``contextual_effect``.
    ``concave``: :math:`f(y) = 60 + 5 \ln(y / 10{,}000)`; ``linear``: the tangent of that curve at
    25,000, :math:`f(y) = 60 + 5\ln 2.5 + 5 (y - 25{,}000)/25{,}000`.

    With a concave :math:`f`, Jensen's inequality makes mean health fall with the spread of income
    at a given mean, so countries show an inequality "effect" with :math:`\gamma = 0`: here mean
    health is :math:`f(\mu_c) - 2.5\sigma_c^2` and the lognormal Gini is
    :math:`G = 100\,(2\Phi(\sigma/\sqrt2) - 1)`, which gives a country-level slope near -0.058 per
    Gini point (the population projection of :math:`-2.5\sigma^2` on :math:`G`); with a linear
    :math:`f` mean health is exactly :math:`f(\text{mean income})` and the artefact vanishes. The
    individual-level regression, which conditions on each person's own income, separates the two:
    it estimates :math:`\gamma` (about zero without a contextual effect).
    """
    check_choice("curve", curve, CURVES)
    n_countries = check_positive_int("n_countries", n_countries, minimum=5)
    n_people = check_positive_int("n_people", n_people, minimum=10)
    contextual_effect = check_finite("contextual_effect", contextual_effect)
    health_noise = check_finite("health_noise", health_noise)
    level = check_level(level)
    if health_noise < 0:
        raise ValueError(f"health_noise is a standard deviation and must be >= 0, got {health_noise}")
    rng = random_generator(seed)
    mean_income = rng.uniform(15_000, 40_000, n_countries)
    sigma = rng.uniform(0.3, 0.9, n_countries)
    income = np.exp(
        np.log(mean_income)[:, None]
        - sigma[:, None] ** 2 / 2
        + sigma[:, None] * rng.standard_normal((n_countries, n_people))
    )
    if curve == "concave":
        health = 60 + 5 * np.log(income / 10_000)
    else:
        health = 60 + 5 * np.log(2.5) + 5 * (income - 25_000) / 25_000
    gini_points = np.array([100 * gini(row) for row in income])
    health = health + contextual_effect * gini_points[:, None] + health_noise * rng.standard_normal(income.shape)
    people = pd.DataFrame(
        {
            "country": np.repeat(np.arange(n_countries), n_people),
            "income": income.ravel(),
            "health": health.ravel(),
            "gini": np.repeat(gini_points, n_people),
        }
    )
    people["log_income"] = np.log(people["income"])
    countries = people.groupby("country").agg(
        mean_income=("income", "mean"),
        gini=("gini", "first"),
        mean_health=("health", "mean"),
        n_people=("health", "size"),
    )
    countries = countries.reset_index()
    country_fit = smf.ols("mean_health ~ gini + mean_income + np.log(mean_income)", countries).fit(
        cov_type="HC1", use_t=True
    )
    income_part = country_fit.params["mean_income"] * countries["mean_income"] + country_fit.params[
        "np.log(mean_income)"
    ] * np.log(countries["mean_income"])
    net = countries["mean_health"] - income_part
    countries["health_net_of_income"] = net - net.mean()
    person_fit = smf.ols("health ~ bs(log_income, df=5) + gini", people).fit(
        cov_type="cluster", cov_kwds={"groups": people["country"].to_numpy()}, use_t=True
    )
    return GravelleResult(
        curve,
        contextual_effect,
        countries,
        _row(country_fit, "gini", level),
        _row(person_fit, "gini", level),
        n_people,
        level,
    )
