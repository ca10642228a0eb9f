"""Wording generated from numbers: direction, strength and significance follow the values."""

import math

import pytest

from kinship_research.reporting import findings as f


@pytest.mark.parametrize(
    ("p", "text"),
    [(0.0004, "p < 0.001"), (0.0362, "p = 0.036"), (0.05, "p = 0.05"), (0.4567, "p = 0.46"), (math.nan, "p = n/a")],
)
def test_p_values(p, text):
    assert f.fmt_p(p) == text


def test_numbers_and_intervals():
    assert f.fmt_number(-0.6531) == "−0.65"
    assert f.fmt_number(1234567.8) == "1,234,568"
    assert f.fmt_number(None) == "n/a"
    assert f.fmt_interval(0.487, 0.891) == "0.49 to 0.89"


@pytest.mark.parametrize(
    ("r", "word"), [(0.75, "strong"), (-0.5, "strong"), (0.42, "moderate"), (0.2, "weak"), (0.045, "negligible")]
)
def test_strength_follows_cohen(r, word):
    assert f.strength(r) == word


def test_correlation_sentence_follows_the_numbers():
    yes = f.correlation_sentence(-0.66, -0.84, -0.34, 0.0006, 23, x="inequality", y="trust", units="countries")
    assert "strongly negatively" in yes and "23 countries" in yes and "not statistically" not in yes
    no = f.correlation_sentence(-0.43, -0.74, 0.02, 0.06, 20, x="a", y="b")
    assert "moderately negatively" in no and "not statistically significant" in no and "includes zero" in no


def test_estimate_sentence_without_p_uses_the_interval():
    assert "excludes zero" in f.estimate_sentence(-1.73, -2.89, -0.58, what="x")
    assert "includes zero" in f.estimate_sentence(1.0, -0.06, 2.07, what="x")
    with_p = f.estimate_sentence(3.22, 2.87, 3.57, what="slope", unit="years", n=149, p_value=1e-9)
    assert with_p.startswith("slope is 3.2 years (95% CI 2.9 to 3.6; n = 149; p < 0.001)")


def test_show_displays_amounts_as_text_not_math_and_returns_nothing(monkeypatch):
    import IPython.display
    from nbconvert.filters import markdown2html

    from kinship_research.reporting.findings import show

    shown = []
    monkeypatch.setattr(IPython.display, "display", shown.append)
    assert show("median income $56,820 against $63,235") is None  # a cell ending with show() prints nothing more
    html = markdown2html(shown[0].data)
    assert "\\$56,820" in html and "\\$63,235" in html  # MathJax (processEscapes) shows "\$" as "$"
