import io

import numpy as np
import pandas as pd
import pytest

from kinship_research.reporting import tables
from kinship_research.reporting.findings import fmt_interval, fmt_number


@pytest.fixture
def estimates():
    return pd.DataFrame(
        {
            "term": ["gini", "log_gdp"],
            "estimate": [-0.65312, 0.1181],
            "std_error": [0.1, 0.0213],
            "ci_low": [-0.8912, 0.0764],
            "ci_high": [-0.4151, 0.1598],
            "p_value": [0.00002, 0.03614],
            "n": [23.0, 23.0],
            "r_squared": [0.41, np.nan],
            "weighted": [True, False],
        }
    )


def test_format_table_reads_like_the_prose(estimates):
    text = tables.format_table(estimates, digits=2)
    assert list(text.columns) == ["term", "estimate", "std. error", "95% CI", "p", "n", "R²", "weighted"]
    assert text["estimate"].tolist() == [fmt_number(-0.65312, 2), fmt_number(0.1181, 2)]
    assert text["95% CI"].tolist() == [fmt_interval(-0.8912, -0.4151, 2), fmt_interval(0.0764, 0.1598, 2)]
    assert text.loc[0, "95% CI"] == "−0.89 to −0.42"
    assert text["p"].tolist() == ["< 0.001", "0.036"]
    assert text["n"].tolist() == ["23", "23"]  # counts stored as floats read as whole numbers
    assert text["R²"].tolist() == ["0.41", "n/a"]
    assert text["weighted"].tolist() == ["yes", "no"]
    assert isinstance(text.index, pd.RangeIndex)


def test_format_table_labels_the_interval_with_its_level_and_suffix():
    df = pd.DataFrame({"slope": [1.0], "ci_low_per_doubling": [0.5], "ci_high_per_doubling": [1.5]})
    text = tables.format_table(df, level=0.9)
    assert list(text.columns) == ["slope", "90% CI per doubling"]
    assert text.iloc[0, 1] == fmt_interval(0.5, 1.5, 3)
    odds = tables.format_table(pd.DataFrame({"odds_ratio_ci_low": [0.9], "odds_ratio_ci_high": [1.2]}))
    assert list(odds.columns) == ["odds ratio 95% CI"] and odds.iloc[0, 0] == "0.900 to 1.20"


def test_a_lone_ci_bound_stays_a_number_column():
    text = tables.format_table(pd.DataFrame({"ci_low": [0.25]}))
    assert text.columns.tolist() == ["ci low"] and text.iloc[0, 0] == fmt_number(0.25, 3)


def test_row_counter_index_is_dropped_and_a_meaningful_index_kept(estimates):
    assert "index" not in tables.format_table(estimates).columns
    by_term = tables.format_table(estimates.set_index("term"))
    assert by_term.columns[0] == "term" and by_term["term"].tolist() == ["gini", "log_gdp"]
    filtered = tables.format_table(estimates.iloc[[1]])  # a filtered row counter is still a row counter
    assert filtered.columns[0] == "term" and filtered["term"].tolist() == ["log_gdp"]
    unnamed_text = tables.format_table(pd.DataFrame({"x": [1.5]}, index=["USA"]))
    assert unnamed_text.columns.tolist() == ["", "x"] and unnamed_text.iloc[0, 0] == "USA"


def test_table_html_escapes_text_and_marks_numbers():
    df = pd.DataFrame({"name": ["<b>x</b>"], "estimate": [1.23456]})
    page = tables.table_html(df, caption="a < b")
    assert "<b>x</b>" not in page and "&lt;b&gt;x&lt;/b&gt;" in page
    assert "<caption>a &lt; b</caption>" in page
    assert '<td class="num">1.23</td>' in page and page.startswith('<table class="kinship-table">')


def test_csv_keeps_full_precision_and_vocabulary(estimates):
    back = pd.read_csv(io.StringIO(tables.table_csv(estimates)))
    pd.testing.assert_frame_equal(back, estimates, check_dtype=False)


def test_show_table_displays_html_with_the_csv_attached(monkeypatch, estimates):
    shown = []
    monkeypatch.setattr("IPython.display.display", lambda *args, **kwargs: shown.append((args, kwargs)))
    assert tables.show_table(estimates, "slopes", caption="Slopes") is None
    (bundle,), kwargs = shown[0]
    assert kwargs == {"raw": True, "metadata": {"kinship": {"table": "slopes"}}}
    assert set(bundle) == {"text/html", "text/plain", "text/csv"}
    assert bundle["text/csv"] == tables.table_csv(estimates) and "Slopes" in bundle["text/html"]


@pytest.mark.parametrize("name", ["", "Slopes", "a b", "../x", "-x", "x" * 81, 3])
def test_bad_table_names_are_refused(name, estimates):
    with pytest.raises(ValueError, match="table name"):
        tables.show_table(estimates, name)


def test_bad_input_says_what_is_allowed(estimates):
    with pytest.raises(TypeError, match="DataFrame"):
        tables.format_table([[1, 2]])
    with pytest.raises(ValueError, match="digits"):
        tables.format_table(estimates, digits=0)
    with pytest.raises(ValueError, match="level"):
        tables.format_table(estimates, level=95)


def test_format_p_edges():
    assert tables.format_p(0.0009) == "< 0.001"
    assert tables.format_p(0.5) == "0.50"
    assert tables.format_p(float("nan")) == "n/a"
