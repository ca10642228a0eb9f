"""Loaders of the country tables (pickett2009, pickett2024, trust_inequality, qog_cs_jan20)."""

import numpy as np
import pandas as pd
import pytest

from kinship_research.data import entry, load
from kinship_research.data.loaders import cross_national as loaders

IDS = ["pickett2009", "pickett2024", "trust_inequality", "qog_cs_jan20"]
ROWS = {"pickett2009": 23, "pickett2024": 43, "trust_inequality": 89, "qog_cs_jan20": 194}


@pytest.mark.parametrize("dataset", IDS)
def test_country_tables_have_unique_iso3_and_documented_columns(mirror, dataset):
    df = load(dataset)
    assert len(df) == ROWS[dataset]
    assert list(df.columns[:2]) == ["iso3", "country"]
    assert df["iso3"].notna().all() and df["iso3"].is_unique
    assert df["iso3"].str.fullmatch(r"[A-Z]{3}").all()
    documented = set(entry(dataset).variables)
    if dataset == "qog_cs_jan20":
        assert documented <= set(df.columns)  # wide table: the documented subset exists
    else:
        assert documented == set(df.columns)


def test_pickett2009_values(mirror):
    df = load("pickett2009").set_index("iso3")
    assert df.loc["USA", "s80_s20"] == pytest.approx(8.55, abs=1e-4)
    assert df.loc["JPN", "trust_pct"] == pytest.approx(43.1, abs=1e-4)
    # the file's imprisonment is the natural log of the rate per 100,000 (USA 576 in the book)
    assert df.loc["USA", "imprisonment_rate"] == pytest.approx(576, abs=0.5)
    np.testing.assert_allclose(np.log(df["imprisonment_rate"]), df["log_imprisonment_rate"])
    assert df.loc["GBR", "country"] == "UK"


def test_trust_inequality_iso3_from_iso2_and_ratio(mirror):
    df = load("trust_inequality").set_index("iso3")
    assert df.loc["HKG", "country"] == "Hong Kong SAR" and df.loc["MAC", "iso2"] == "MO"
    ok = df["s80_s20"].notna()
    np.testing.assert_allclose(
        df.loc[ok, "s80_s20"], df.loc[ok, "income_share_top20"] / df.loc[ok, "income_share_bottom20"]
    )
    assert df["region"].isna().sum() == 2


def test_pickett2024_counts_are_consistent(mirror):
    df = load("pickett2024")
    np.testing.assert_allclose(
        df["trust_pct"], 100 * df["trust_n_agrees"].astype(float) / df["trust_n_total"].astype(float), atol=0.01
    )


def test_qog_keeps_qog_names(mirror):
    df = load("qog_cs_jan20")
    assert {"wdi_gini", "wdi_gdpcappppcon2011", "ccode"} <= set(df.columns)
    assert "ccodealp" not in df.columns and "cname" not in df.columns
    assert df.set_index("iso3").loc["FRA", "country"] == "France"


def test_pickett2009_rejects_unexpected_layout(tmp_path):
    path = tmp_path / "bad.csv"
    pd.DataFrame({"Country": ["Japan"], "Gini": [0.3]}).to_csv(path, index=False)
    with pytest.raises(ValueError, match="expected columns"):
        loaders.pickett2009(path, None)


def test_unknown_country_name_is_an_error(tmp_path):
    path = tmp_path / "p.csv"
    header = "Country,S80S20,Trust,Life expectancy,Infant mortality,Homicides,Imprisonment (log)\n"
    path.write_text(header + "Atlantis,5,30,78,5,10,4.5\n")
    with pytest.raises(ValueError, match="Atlantis"):
        loaders.pickett2009(path, None)
