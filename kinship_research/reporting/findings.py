"""Findings in words, generated from the numbers so that prose cannot contradict them.

Notebooks state directions, strengths and significance only through these helpers; hand-written
markdown explains methods and quotes published figures with their source.
"""

from __future__ import annotations

import math

STRENGTH_CUTS = ((0.5, "strong"), (0.3, "moderate"), (0.1, "weak"))
"""Cohen's (1988) conventions for |r|; below 0.1 the correlation is called negligible."""


def fmt_number(value, digits: int = 2) -> str:
    """``value`` with ``digits`` significant digits (at least two decimals for |x| < 1), a real
    minus sign, thousands separators for large numbers; 'n/a' for missing or non-finite values."""
    if value is None or not math.isfinite(float(value)):
        return "n/a"
    value = float(value)
    if value == 0:
        return "0"
    magnitude = math.floor(math.log10(abs(value)))
    decimals = max(digits - 1 - magnitude, 0)
    if abs(value) < 1:
        decimals = max(decimals, 2)
    text = f"{value:,.{decimals}f}"
    return text.replace("-", "−")


def fmt_p(p_value) -> str:
    """'p < 0.001' or 'p = 0.036' (two significant digits), 'p = n/a' when missing."""
    if p_value is None or not math.isfinite(float(p_value)):
        return "p = n/a"
    if p_value < 0.001:
        return "p < 0.001"
    return f"p = {float(f'{p_value:.2g}'):g}" if p_value < 0.1 else f"p = {p_value:.2f}"


def fmt_interval(ci_low, ci_high, digits: int = 2) -> str:
    """'0.49 to 0.89'."""
    return f"{fmt_number(ci_low, digits)} to {fmt_number(ci_high, digits)}"


def strength(r: float) -> str:
    """'strong', 'moderate', 'weak' or 'negligible' by |r| (Cohen 1988)."""
    return next((word for cut, word in STRENGTH_CUTS if abs(r) >= cut), "negligible")


def significance(p_value: float, *, alpha: float = 0.05) -> str:
    """'statistically significant at the 5% level' or 'not statistically significant at the 5% level'."""
    word = "" if p_value < alpha else "not "
    return f"{word}statistically significant at the {alpha:.0%} level"


def _interval_excludes_zero(ci_low: float, ci_high: float) -> bool:
    return ci_low > 0 or ci_high < 0


def correlation_sentence(
    r, ci_low, ci_high, p_value, n, *, x: str, y: str, units: str = "units", level: float = 0.95, alpha: float = 0.05
) -> str:
    """One sentence for a correlation, e.g. 'Across 23 countries, income inequality and trust are
    strongly negatively correlated (r = −0.66, 95% CI −0.84 to −0.34, p < 0.001): statistically
    significant at the 5% level.' The strength word applies to the point estimate; when the interval
    includes zero the sentence says so."""
    direction = "positively" if r > 0 else "negatively"
    numbers = f"r = {fmt_number(r)}, {level:.0%} CI {fmt_interval(ci_low, ci_high)}, {fmt_p(p_value)}"
    text = (
        f"Across {n} {units}, {x} and {y} are {strength(r)}ly {direction} correlated ({numbers}): "
        f"{significance(p_value, alpha=alpha)}"
    )
    if not _interval_excludes_zero(ci_low, ci_high):
        text += ", and the interval includes zero"
    return text.replace("negligiblely", "negligibly") + "."


def estimate_sentence(
    estimate,
    ci_low,
    ci_high,
    *,
    what: str,
    unit: str = "",
    n=None,
    p_value=None,
    level: float = 0.95,
    alpha: float = 0.05,
    digits: int = 2,
) -> str:
    """'{what} is 3.2 years (95% CI 2.9 to 3.6; n = 149; p < 0.001): statistically significant at
    the 5% level.' ``p_value`` optional; without it significance is judged by the interval."""
    unit = f" {unit}" if unit else ""
    parts = [f"{level:.0%} CI {fmt_interval(ci_low, ci_high, digits)}"]
    if n is not None:
        parts.append(f"n = {int(n):,}")
    if p_value is not None:
        parts.append(fmt_p(p_value))
    text = f"{what} is {fmt_number(estimate, digits)}{unit} ({'; '.join(parts)})"
    if p_value is not None:
        return f"{text}: {significance(p_value, alpha=alpha)}."
    verdict = "excludes" if _interval_excludes_zero(ci_low, ci_high) else "includes"
    return f"{text}; the interval {verdict} zero."


def show(text: str) -> None:
    """Display generated prose ``text`` as Markdown in a notebook (plain text elsewhere), its dollar
    signs escaped so that amounts ("$56,820 ... $63,235") are not typeset as math in the HTML report
    or JupyterLab. Returns nothing, so a cell ending with ``show(...)`` does not print it twice."""
    from IPython.display import Markdown, display

    display(Markdown(text.replace("$", r"\\$")))  # markdown makes "\\$" "\$", which MathJax shows as "$"
