import pytest

from kinship_research.reporting.headline import checks_clause, headline, survives


def test_survives_needs_interval_on_the_estimates_side():
    assert survives(0.5, 0.1, 0.9)
    assert survives(-0.5, -0.9, -0.1)
    assert not survives(0.5, -0.1, 0.9)
    assert not survives(0.5, -0.9, -0.1)


def test_checks_clause_names_the_checks_that_move_the_finding():
    clause = checks_clause(0.6, {"drop USA": (0.2, 0.8), "income control": (-0.1, 0.7), "Spearman": (0.1, 0.9)})
    assert clause == "It survives 2 of 3 checks (drop USA, Spearman; moved by: income control)."
    assert checks_clause(-0.6, {"drop USA": (-0.9, -0.2)}) == "It survives 1 of 1 check (drop USA)."
    assert checks_clause(0.6, {"a": (-0.1, 0.2)}) == "It survives 0 of 1 check (moved by: a)."


def test_headline_joins_finding_and_checks():
    text = headline("r = 0.6 across 23 countries.", estimate=0.6, ci=(0.2, 0.8), checks={"a": (0.1, 0.9)})
    assert text == "r = 0.6 across 23 countries. It survives 1 of 1 check (a)."
    assert headline("  A finding. ") == "A finding."


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"finding": ""}, "non-empty sentence"),
        ({"finding": "x", "checks": {"a": (0, 1)}}, "estimate"),
        ({"finding": "x", "estimate": 1.0, "checks": {"a": (0, 1)}}, "estimate and ci"),
        ({"finding": "x", "estimate": 1.0, "ci": (0, 2), "checks": {}}, "at least one check"),
        ({"finding": "x", "estimate": 1.0, "ci": (0, 2), "checks": {"a": (0.0, float("nan"))}}, "finite"),
    ],
)
def test_headline_rejects_bad_input(kwargs, message):
    with pytest.raises(ValueError, match=message):
        headline(kwargs.pop("finding"), **kwargs)


def test_a_null_headline_counts_the_checks_that_also_find_nothing():
    checks = {"two-way FE": (-0.02, 0.1), "Driscoll-Kraay": (0.02, 0.07), "lag 5": (-0.1, 0.2)}
    text = headline("The slope is 0.03 (95% CI -0.1 to 0.2).", estimate=0.03, ci=(-0.1, 0.2), checks=checks)
    assert text.endswith(
        "Of 3 checks, 2 also find no effect distinguishable from zero (two-way FE, lag 5; not: Driscoll-Kraay)."
    )
    assert (
        checks_clause(0.5, {"a": (0.1, 0.9)}, null=True)
        == "Of 1 check, 0 also find no effect distinguishable from zero (not: a)."
    )
    # an interval excluding zero reads the checks against the effect
    assert headline("x", estimate=0.5, ci=(0.1, 0.9), checks={"a": (0.2, 0.8)}).endswith("survives 1 of 1 check (a).")
